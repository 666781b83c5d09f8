#!/bin/sh
# Scale benchmark: run kadsim on a benchmark scenario at several sizes and print one row each:
# nodes, messages, events, wall seconds, CPU seconds, events/s, messages/s, peak RSS, bytes per
# node. The rows also go to scale.csv in the output folder, drawn by bench/scale.gp as
# scale.png/svg (messages per node with its a + b ln N fit, CPU time per message, memory per
# node, all against nodes).
#   bench/scale.sh [KADSIM] [SCENARIO] [N...]
# Defaults: build/kadsim, bench/scale-joins.ini, 10000 100000 1000000. SCALE_OUT=DIR keeps the
# runs' folders and scale.csv in DIR (default: a new temporary folder).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kadsim=${1:-$here/../build/kadsim}
scenario=${2:-$here/scale-joins.ini}
[ $# -ge 2 ] && shift 2 || set --
sizes=${*:-10000 100000 1000000}
out=${SCALE_OUT:-$(mktemp -d)}
mkdir -p "$out"
csv=$out/scale.csv

metric() {  # metric FILE NAME
    awk -F, -v m="$2" '$1 == m { print $2 }' "$1"
}

echo "nodes,messages,events,wall_s,cpu_s,events_per_s,messages_per_s,peak_rss_mb,rss_bytes_per_node,protocol_bytes_per_node" > "$csv"
printf '%-10s %12s %12s %9s %9s %11s %11s %9s %10s %10s\n' nodes messages events wall_s cpu_s \
    events/s messages/s rss_mb rss_B/node kad_B/node
for n in $sizes; do
    dir=$out/n$n
    "$kadsim" -q --no-plots --force -o "$dir" --set simulation.nodes="$n" "$scenario"
    msgs=$(metric "$dir/perf.csv" messages_total)
    events=$(metric "$dir/summary.csv" events)
    wall=$(metric "$dir/perf.csv" wall_s)
    cpu=$(metric "$dir/perf.csv" cpu_s)
    rss=$(metric "$dir/perf.csv" peak_rss_mb)
    kad=$(metric "$dir/perf.csv" protocol_bytes_per_node)
    awk -v n="$n" -v m="$msgs" -v e="$events" -v w="$wall" -v c="$cpu" -v r="$rss" -v k="$kad" \
        -v csv="$csv" 'BEGIN {
        printf "%-10d %12d %12d %9.1f %9.1f %11.0f %11.0f %9.0f %10.0f %10.0f\n",
               n, m, e, w, c, e / w, m / w, r, r * 1048576 / n, k
        printf "%d,%d,%d,%.1f,%.1f,%.0f,%.0f,%.0f,%.0f,%.0f\n",
               n, m, e, w, c, e / w, m / w, r, r * 1048576 / n, k >> csv }'
done
echo "rows: $csv"
if command -v "${GNUPLOT:-gnuplot}" > /dev/null 2>&1; then
    "${GNUPLOT:-gnuplot}" -e "csv='$csv'" "$here/scale.gp" && echo "plot: ${csv%.csv}.png"
fi
