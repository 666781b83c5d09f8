#!/bin/sh
# End-to-end: a run stopped by SIGINT (or SIGTERM) writes what it measured, renames every
# file into place and keeps PARTIAL; a run killed outright leaves PARTIAL and only *.tmp files.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$srcdir/tests/data/results-long.ini  # 1000 simulated days: it never ends by itself

# Start a run into $1 and wait (at most 30 s) until ops.csv.tmp has had a buffer written.
start() {
    KADSIM_GNUPLOT= "$KADSIM" -q -o "$1" "$scenario" &
    pid=$!
    i=0
    while [ ! -s "$1/ops.csv.tmp" ]; do
        i=$((i + 1))
        [ $i -le 300 ] || { kill -KILL $pid; fail "the run wrote no operations in 30 s"; }
        kill -0 $pid 2>/dev/null || fail "the run ended by itself"
        sleep 0.1
    done
}

check_partial() {
    dir=$1
    [ -f "$dir/PARTIAL" ] || fail "no PARTIAL in $dir"
    grep -q interrupted "$dir/PARTIAL" || fail "PARTIAL does not say interrupted"
    ls "$dir" | grep -q '\.tmp$' && fail "temporary files left: $(ls "$dir")"
    for f in run.ini ops.csv timeseries.csv hops.csv latency_cdf.csv summary.csv perf.csv; do
        [ -f "$dir/$f" ] || fail "missing $f"
    done
    [ "$(metric "$dir/summary.csv" partial)" = 1 ] || fail "summary.csv: partial is not 1"
    # the last row of ops.csv is whole: a newline at the end, all 11 fields
    [ "$(tail -c 1 "$dir/ops.csv" | od -An -c | tr -d ' ')" = '\n' ] || fail "ops.csv cut short"
    awk -F, 'NF != 11 { exit 1 }' "$dir/ops.csv" || fail "ops.csv has a ragged row"
    sim_s=$(metric "$dir/summary.csv" sim_time_s)
    awk -v s="$sim_s" 'BEGIN { exit !(s > 0 && s < 86400000) }' || fail "sim_time_s = $sim_s"
}

start "$T/int"
kill -INT $pid
status=0; wait $pid || status=$?
[ $status -eq 130 ] || fail "exit status $status after SIGINT (expected 130)"
check_partial "$T/int"

start "$T/term"
kill -TERM $pid
status=0; wait $pid || status=$?
[ $status -eq 143 ] || fail "exit status $status after SIGTERM (expected 143)"
check_partial "$T/term"

start "$T/kill"
kill -KILL $pid
wait $pid 2>/dev/null
[ -f "$T/kill/PARTIAL" ] || fail "a killed run left no PARTIAL"
[ -f "$T/kill/ops.csv" ] && fail "a killed run left ops.csv under its final name"
[ -f "$T/kill/summary.csv" ] && fail "a killed run left summary.csv"
# --force takes such a folder back
"$KADSIM" -q --no-plots --force -o "$T/kill" "$srcdir/tests/data/results-small.ini" \
    || fail "--force on a killed run's folder"
[ ! -e "$T/kill/PARTIAL" ] && ! ls "$T/kill" | grep -q '\.tmp$' || fail "leftovers after --force"

# SIGTERM while the plots are drawn (a gnuplot that takes its time): 143, and PARTIAL says the
# plots may be missing; the tables are whole.

# term_when FILE WHAT: SIGTERM to $pid once FILE exists (at most 15 s), then its exit status.
term_when() {
    i=0
    while [ ! -f "$1" ]; do
        i=$((i + 1)); [ $i -le 300 ] || fail "$2 did not happen in 15 s"; sleep 0.05
    done
    kill -TERM $pid
    status=0; wait $pid || status=$?
}

cat > "$T/slow-gnuplot" << 'SLOW'
#!/bin/sh
sleep 1
exec gnuplot "$@"
SLOW
chmod +x "$T/slow-gnuplot"
if command -v gnuplot > /dev/null; then
    KADSIM_GNUPLOT="$T/slow-gnuplot" KADSIM_PLOTS_DIR="$srcdir/plots" "$KADSIM" -q -o "$T/draw" \
        "$srcdir/tests/data/results-small.ini" &
    pid=$!
    term_when "$T/draw/labels.gp" "the run's drawing"
    [ $status -eq 143 ] || fail "exit status $status after SIGTERM while drawing (expected 143)"
    grep -q plots "$T/draw/PARTIAL" || fail "PARTIAL does not say the plots may be missing"
    [ -s "$T/draw/summary.csv" ] || fail "the tables are missing"
fi

# SIGTERM at any moment of a short run: never a .tmp file left, PARTIAL unless it completed.
n=0
for delay in 0 0.01 0.02 0.03 0.05 0.08 0.1 0.15 0.2 0.3; do
    n=$((n + 1))
    KADSIM_GNUPLOT= "$KADSIM" -q -o "$T/t$n" "$srcdir/tests/data/results-small.ini" &
    pid=$!
    sleep $delay
    kill -TERM $pid 2> /dev/null
    status=0; wait $pid || status=$?
    [ -d "$T/t$n" ] || continue  # stopped before it made its folder
    ls "$T/t$n" | grep -q '\.tmp$' && fail "SIGTERM after ${delay}s left $(ls "$T/t$n")"
    case $status in
    0) [ ! -e "$T/t$n/PARTIAL" ] || fail "a complete run kept PARTIAL" ;;
    143) [ -f "$T/t$n/PARTIAL" ] || fail "SIGTERM after ${delay}s: no PARTIAL" ;;
    *) fail "SIGTERM after ${delay}s: exit status $status" ;;
    esac
done

# The demo stops on SIGTERM too: 143, PARTIAL, no temporary file.
KADSIM_GNUPLOT= "$KADSIM" demo -q --nodes 3000 -o "$T/demo" hello world > /dev/null &
pid=$!
term_when "$T/demo/run.ini" "the demo's start"
[ $status -eq 143 ] || fail "demo: exit status $status after SIGTERM (expected 143)"
[ -f "$T/demo/PARTIAL" ] || fail "demo: no PARTIAL after SIGTERM"
ls "$T/demo" | grep -q '\.tmp$' && fail "demo: temporary files left: $(ls "$T/demo")"
echo "ok"
