#!/bin/sh
# sequence.sh — sequence diagrams of the operations traced in a kadsim results folder
# (trace.csv: kadsim demo, or a run with --trace / a [trace] section).
#
#   plots/sequence.sh DIR            every traced operation (at most 20): DIR/sequence.png, .svg
#                                    and .md (Mermaid) for a single one, sequence-OP.* otherwise
#   plots/sequence.sh DIR OP...      those operations (numbers of ops.csv)
#   plots/sequence.sh --gnuplot DIR OP   print the gnuplot commands of one diagram (sequence.gp)
#   plots/sequence.sh --mermaid DIR OP   print its Mermaid text
#
# Needs awk, and gnuplot 5 for the images (GNUPLOT=... to choose another, GNUPLOT= for none:
# then only the .md files). Folder names with a single quote are not supported.
set -e
here=$(dirname "$0")
. "$here/adopt.sh"
gnuplot=${GNUPLOT-gnuplot}
MAX_DIAGRAMS=20

usage() {
    echo "usage: $0 DIR [OP...]  |  $0 --gnuplot DIR OP  |  $0 --mermaid DIR OP" >&2
    exit 2
}

# A value of run.ini: ini SECTION KEY (empty when absent).
ini() {
    [ -f "$dir/run.ini" ] || return 0
    awk -v s="[$1]" -v k="$2" '
        /^\[/ { in_s = ($0 == s); next }
        in_s && $1 == k && $2 == "=" { sub(/^[^=]*=[ \t]*/, ""); print; exit }' "$dir/run.ini"
}

# The awk program on one operation, with what ops.csv and run.ini know of it.
describe() {  # describe MODE OP (OP < 0: the first operation of trace.csv)
    [ "$2" -ge 0 ] 2>/dev/null || set -- "$1" "$(awk -F, 'NR == 2 { print $2; exit }' "$dir/trace.csv")"
    set -- "$1" "$2" $( [ -f "$dir/ops.csv" ] && awk -F, -v op="$2" '
        NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
        # %.6f, not %s: awk would print the products with %.6g, 6 digits of 12012000 ms
        $1 == op { printf "%.6f %.6f %s %s %s %s %s %s\n", $c["time_s"] * 1000,
                   $c["time_s"] * 1000 + $c["latency_ms"], $c["kind"], $c["origin"], $c["hops"],
                   $c["messages"], $c["timeouts"], $c["success"]; exit }' "$dir/ops.csv")
    latency=$(ini network latency)
    constant=
    [ "$latency" != constant ] || constant=$(ini network latency_constant)
    awk -f "$here/sequence.awk" -v mode="$1" -v op="$2" \
        -v o_start_ms="${3-}" -v o_end_ms="${4-}" -v o_kind="${5-}" -v o_origin="${6-}" \
        -v o_hops="${7-}" -v o_msgs="${8-}" -v o_timeouts="${9-}" -v o_success="${10-}" \
        -v rpc_timeout="$(ini kademlia rpc_timeout)" -v lookup="$(ini kademlia lookup)" \
        -v recursive_timeout="$(ini kademlia recursive_timeout)" \
        -v latency_constant="$constant" "$dir/trace.csv"
}

case "${1-}" in
--gnuplot|--mermaid)
    [ $# -eq 3 ] || usage
    dir=$2
    describe "$([ "$1" = --gnuplot ] && echo gp || echo md)" "$3"
    exit 0;;
""|-*)
    usage;;
esac

dir=$1
shift
if [ ! -f "$dir/trace.csv" ]; then
    echo "$0: no $dir/trace.csv: run kadsim with --trace (or kadsim demo) first" >&2
    exit 1
fi
all=$(awk -F, 'NR > 1 && !seen[$2]++ { print $2 }' "$dir/trace.csv")
count=$(printf '%s\n' "$all" | grep -c . || true)
if [ "$count" -eq 0 ]; then
    echo "$0: $dir/trace.csv holds no message" >&2
    exit 1
fi
if [ $# -gt 0 ]; then
    ops=$*
elif [ "$count" -gt "$MAX_DIAGRAMS" ]; then
    ops=$(printf '%s\n' "$all" | head -n "$MAX_DIAGRAMS")
    echo "$dir: $count operations traced; drawing the first $MAX_DIAGRAMS (name others: $0 $dir OP...)" >&2
else
    ops=$all
fi
drawn=
for op in $ops; do
    name=sequence-$op
    [ "$count" -ne 1 ] || name=sequence
    describe md "$op" > "$dir/$name.md.tmp" || { rm -f "$dir/$name.md.tmp"; exit 1; }
    adopt "$dir/$name.md" || exit 1
    if [ -n "$gnuplot" ]; then
        "$gnuplot" -e "dir='$dir'; op=$op; name='$name'; out_suffix='.tmp'" "$here/sequence.gp"
        ok=1
        for fmt in png svg; do adopt "$dir/$name.$fmt" || ok=0; done
        [ $ok = 1 ] || exit 1
    fi
    drawn="$drawn $name"
done
echo "$dir:$drawn ($([ -n "$gnuplot" ] && echo ".png, .svg, ")Mermaid .md)"
