#!/bin/sh
# One simulation on 1 and on T threads (--threads): the same bytes, and the speed-up.
#   bench/threads.sh KADSIM SCENARIO T NODES... [-- EXTRA OPTIONS]
# For each size: a run on one thread, then on T, alternately REPEAT times (default 3; wall
# times on a shared machine move, so the median is printed); every output file but perf.csv
# must be identical. Prints a CSV row per size: nodes, events and windows of the T run, the
# median wall seconds on 1 and on T threads, the median CPU seconds on T, and the speed-up.
set -eu
[ $# -ge 4 ] || { echo "usage: $0 KADSIM SCENARIO T NODES... [-- OPTION...]" >&2; exit 2; }
kadsim=$1 scenario=$2 threads=$3
shift 3
sizes=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do sizes="$sizes $1"; shift; done
[ $# -gt 0 ] && shift
repeat=${REPEAT:-3}
# OUT: a folder to keep the runs in; without it they go to a scratch folder removed at the end.
if [ -n "${OUT:-}" ]; then
    out=$OUT
else
    out=$(mktemp -d "${TMPDIR:-/tmp}/kadsim-threads.XXXXXX")
    trap 'rm -rf "$out"' EXIT
fi
metric() { awk -F, -v m="$2" '$1 == m { print $2 }' "$1"; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "nodes,threads,events,windows,wall_s_1,wall_s_T,cpu_s_T,speedup,identical"
for n in $sizes; do
    for r in $(seq "$repeat"); do
        for t in 1 "$threads"; do
            "$kadsim" -q --no-plots --force --threads "$t" --set simulation.nodes="$n" \
                -o "$out/$n-$t-$r" "$@" "$scenario"
        done
    done
    same=yes
    diff -r -x perf.csv "$out/$n-1-1" "$out/$n-$threads-1" > /dev/null || same=NO
    w1=$(for r in $(seq "$repeat"); do metric "$out/$n-1-$r/perf.csv" wall_s; done | median)
    wt=$(for r in $(seq "$repeat"); do metric "$out/$n-$threads-$r/perf.csv" wall_s; done | median)
    ct=$(for r in $(seq "$repeat"); do metric "$out/$n-$threads-$r/perf.csv" cpu_s; done | median)
    p="$out/$n-$threads-1/perf.csv"
    echo "$n,$threads,$(metric "$p" events),$(metric "$p" windows),$w1,$wt,$ct,$(echo "$w1 $wt" | awk '{ printf "%.2f", $1 / $2 }'),$same"
done
