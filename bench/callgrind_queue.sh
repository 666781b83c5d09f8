#!/bin/sh
# Instruction counts (and simulated cache misses) per hold for each queue design, with
# valgrind's callgrind: stable where wall times on a shared machine are not.
# Usage: bench/callgrind_queue.sh [PENDING [HOLDS [DESIGNS...]]]   (run from the build folder)
# Only hold_run() is counted (--toggle-collect), i.e. the warm-up and timed holds, not the fill.
# The simulated last level is this machine's 1 MB L2: past it, a load costs 50-300 ns here.
set -e
n=${1:-100000}; holds=${2:-200000}
if [ $# -ge 2 ]; then shift 2; else shift $#; fi
designs=${*:-"ladder heap4 heap2 heap8 calendar gsequence"}
# bench_queue warms up with max(n, 100000) holds (at most 10M), then times --holds once.
warm=$(( n < 100000 ? 100000 : (n > 10000000 ? 10000000 : n) ))
total=$(( warm + holds ))
echo "| design | Ir/hold | D1 misses/hold | L2 (1 MB) misses/hold |  (n=$n, $total holds)"
echo "|---|---:|---:|---:|"
for d in $designs; do
    out=$(mktemp)
    valgrind --tool=callgrind --cache-sim=yes --LL=1048576,8,64 --toggle-collect=hold_run \
        --callgrind-out-file="$out" ./bench/bench_queue --designs "$d" --sizes "$n" --reps 1 \
        --holds "$holds" >/dev/null 2>&1
    # The "summary:" line holds Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw.
    awk -v d="$d" -v t="$total" '/^summary:/ {
        printf "| %s | %.0f | %.2f | %.2f |\n", d, $2 / t, ($6 + $7) / t, ($9 + $10) / t }' "$out"
    rm -f "$out"
done
