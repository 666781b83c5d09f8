#!/bin/sh
# Operations benchmark: at a fixed network size, run kadsim with more and more lookups and print
# one row each: lookups, messages, CPU seconds, and the CPU time each further lookup added. Cost
# linear in operations shows as a constant marginal cost (the first run's CPU time also holds the
# fixed part: building the network). The rows go to ops.csv, drawn by bench/ops.gp as ops.png/svg.
#   bench/ops.sh [KADSIM] [SCENARIO] [LOOKUPS...]
# Defaults: build/kadsim, bench/scale-oracle.ini, 50000 100000 200000 400000 800000 lookups over
# the scenario's 10-minute window. OPS_NODES=N sets the size (default 100000); OPS_OUT=DIR keeps
# the runs' folders and ops.csv in DIR (default: a new temporary folder).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kadsim=${1:-$here/../build/kadsim}
scenario=${2:-$here/scale-oracle.ini}
[ $# -ge 2 ] && shift 2 || set --
counts=${*:-50000 100000 200000 400000 800000}
nodes=${OPS_NODES:-100000}
window_s=600  # the scenario's lookup window: duration - workload.start
out=${OPS_OUT:-$(mktemp -d)}
mkdir -p "$out"
csv=$out/ops.csv

metric() {  # metric FILE NAME
    awk -F, -v m="$2" '$1 == m { print $2 }' "$1"
}

echo "nodes,lookups,messages,cpu_s,peak_rss_mb,marginal_cpu_us_per_lookup" > "$csv"
printf '%-8s %10s %12s %9s %8s %14s\n' nodes lookups messages cpu_s rss_mb us/lookup+
prev_l='' prev_c=''
for n in $counts; do
    dir=$out/l$n
    rate=$(awk -v n="$n" -v w="$window_s" 'BEGIN { printf "%.6f", n / w }')
    "$kadsim" -q --no-plots --force -o "$dir" --set simulation.nodes="$nodes" \
        --set workload.rate_unit=network --set workload.lookup_rate="$rate" "$scenario"
    lookups=$(metric "$dir/summary.csv" lookups)
    msgs=$(metric "$dir/perf.csv" messages_total)
    cpu=$(metric "$dir/perf.csv" cpu_s)
    rss=$(metric "$dir/perf.csv" peak_rss_mb)
    row=$(awk -v n="$nodes" -v l="$lookups" -v m="$msgs" -v c="$cpu" -v r="$rss" \
        -v pl="$prev_l" -v pc="$prev_c" 'BEGIN {
        marg = pl == "" ? "" : sprintf("%.1f", (c - pc) * 1e6 / (l - pl))
        printf "%d,%d,%d,%.2f,%.0f,%s", n, l, m, c, r, marg }')
    echo "$row" >> "$csv"
    echo "$row" | awk -F, '{ printf "%-8d %10d %12d %9.2f %8d %14s\n", $1, $2, $3, $4, $5, $6 }'
    prev_l=$lookups prev_c=$cpu
done
echo "rows: $csv"
if command -v "${GNUPLOT:-gnuplot}" > /dev/null 2>&1; then
    "${GNUPLOT:-gnuplot}" -e "csv='$csv'" "$here/ops.gp" && echo "plot: ${csv%.csv}.png"
fi
