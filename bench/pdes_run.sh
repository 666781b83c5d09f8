#!/bin/sh
# make bench-pdes: bench/pdes_model on a scenario at several sizes, bench/pdes_barrier on two
# threads, and bench/pdes_predict.sh's table (docs/scale.md, "One simulation over many cores").
# Run from the build folder. Writes into PDES_OUT (default: a new temporary folder):
#   pdes-N.csv     the replay at N nodes (lookaheads 1 to 50 ms, T = 1 to 64)
#   pdes-N.log     pdes_model's summary: events by kind, smallest delay, events preempted
#   perf-N.csv     the run's own perf.csv (CPU seconds, peak RSS)
#   barrier.csv    a window's barrier between 2 threads, without and with 100 events exchanged
#   predict.txt    the predicted speed-ups at lookahead PDES_LOOKAHEAD ms (default 10)
#   bench/pdes_run.sh SCENARIO N...
set -eu
scenario=$1; shift
out=${PDES_OUT:-$(mktemp -d)}
mkdir -p "$out"
for n in "$@"; do
    ./bench/pdes_model --out "$out/pdes-$n.csv" ${PDES_FLOOR:+--floor "$PDES_FLOOR"} -- \
        -q --no-plots --force -o "$out/run-$n" --set simulation.nodes="$n" "$scenario" \
        2> "$out/pdes-$n.log"
    cp "$out/run-$n/perf.csv" "$out/perf-$n.csv"
    cat "$out/pdes-$n.log"
done
./bench/pdes_barrier > "$out/barrier.csv"
./bench/pdes_barrier --events 100 | tail -1 >> "$out/barrier.csv"
cat "$out/barrier.csv"
csvs=
for n in "$@"; do csvs="$csvs $out/pdes-$n.csv"; done
"$(dirname "$0")/pdes_predict.sh" --barrier "$out/barrier.csv" --lookahead "${PDES_LOOKAHEAD:-10}" \
    $csvs | tee "$out/predict.txt"
echo "tables: $out"
