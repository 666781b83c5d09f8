#!/bin/sh
# make check: bench/pdes_model on a small real-join run (seconds), so that the measuring tool of
# docs/scale.md ("One simulation over many cores") cannot rot. It checks that the wrapped program
# writes the same bytes as kadsim (the wrappers only watch), and the replay's invariants: at
# T = 1 the critical path is every event and nothing crosses; a window holds at least its share
# of the busiest partition; longer lookaheads mean fewer windows; no timer crosses hosts; no
# message crosses earlier than a lookahead at or under the smallest delay seen, or under a floor.
# It asserts no timing. bench/pdes_barrier runs once, briefly.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$(cd "$srcdir/bench" && pwd)/scale-joins.ini
set_n="--set simulation.nodes=400"
model=./bench/pdes_model

"$KADSIM" -q --no-plots -o "$T/plain" $set_n "$scenario" || fail "kadsim"
"$model" --out "$T/pdes.csv" -- -q --no-plots -o "$T/wrapped" $set_n "$scenario" 2> "$T/log" \
    || { cat "$T/log" >&2; fail "pdes_model"; }
diff -r -x perf.csv -x run.ini "$T/plain" "$T/wrapped" || fail "the wrapped run's outputs differ"
cat "$T/log"
sim_events=$(metric "$T/plain/summary.csv" events)

check_csv() {  # check_csv FILE: the replay's invariants, row by row
    awk -F, -v sim_events="$sim_events" '
    NR == 1 { next }
    function bad(why) { printf "FAIL: %s (lookahead %s ms, T = %s)\n", why, $1, $2; err = 1 }
    {
        L = $1; T = $2; ev = $3; win = $4; ser = $5; crit = $6
        if (ev < sim_events) bad("fewer events replayed than the run handled")
        if (win < 1 || crit > ev) bad("windows or critical path")
        if (T == 1 && (crit != ev || $11 + 0 > 0 && $12 != 0)) bad("T = 1 is not sequential")
        if (T > 1 && (crit - ser) * T < ev - ser) bad("busiest partition under the mean")
        if ($13 != 0) bad("a timer crosses hosts")
        if (L * 1e6 <= $16 && $14 != 0) bad("a violation with the lookahead under every delay")
        if ($17 > 0 && L <= $17 && $14 != 0) bad("a violation under the floor")
        if ((T, "w") in prev && win > prev[T, "w"]) bad("more windows with a longer lookahead")
        prev[T, "w"] = win
        if (T == 2 && ($12 < 0.4 * $11 || $12 > 0.6 * $11)) bad("half the messages should cross at T = 2")
        rows++
    }
    END { if (rows < 7) { print "FAIL: too few rows"; err = 1 } exit err }' "$1" \
        || fail "replay invariants in $1"
}
check_csv "$T/pdes.csv"
# The events' measured time (their pops and handlers, the replay's bookkeeping kept out) fits in
# the wrapped run's wall time: a loose bound, but it catches time counted twice.
wall_ns=$(metric "$T/wrapped/perf.csv" wall_s | awk '{ printf "%.0f", $1 * 1e9 }')
awk -F, -v wall="$wall_ns" 'NR == 2 && $7 > wall { exit 1 }' "$T/pdes.csv" \
    || fail "more time in events than the run took"

# A 10 ms floor on delays: the lookahead of 10 ms then holds.
"$model" --out "$T/floor.csv" --lookahead 5ms,10ms --floor 10ms -- \
    -q --no-plots -o "$T/floor" $set_n "$scenario" 2> "$T/log" || { cat "$T/log" >&2; fail "floor"; }
check_csv "$T/floor.csv"

./bench/pdes_barrier --quick > "$T/barrier.csv" || fail "pdes_barrier"
cat "$T/barrier.csv"
