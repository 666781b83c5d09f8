#!/bin/sh
# End-to-end: --trace and [trace] on a scenario run. Tracing changes no other output byte;
# trace.csv has its header and the messages of the chosen operations, as many as ops.csv
# counts for every operation that ended before the last second; a wrong --trace is a usage
# error; a rerun without tracing removes the old trace.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$(cd "$srcdir/tests/data" && pwd)/results-small.ini
kadsim() { KADSIM_GNUPLOT= "$KADSIM" -q "$@"; }

kadsim -o "$T/off" "$scenario" || fail "run without tracing"
kadsim --trace -o "$T/on" "$scenario" || fail "run with --trace"
for f in ops.csv summary.csv timeseries.csv hops.csv latency_cdf.csv labels.gp; do
    cmp -s "$T/off/$f" "$T/on/$f" || fail "tracing changed $f"
done
[ ! -e "$T/off/trace.csv" ] || fail "trace.csv without tracing"
[ "$(head -1 "$T/on/trace.csv")" = "time_ms,op,from,to,type,hop,bits_to_target,fate" ] \
    || fail "trace.csv header"
awk -F, 'NR > 1 && $8 !~ /^(delivered|lost|dropped-at-dead-node|timed-out|after-end)$/ { exit 1 }' \
    "$T/on/trace.csv" || fail "a fate that is not one of the five"
# run.ini says what was traced (and reruns it)
grep -q '^ops = all$' "$T/on/run.ini" || fail "run.ini does not record [trace] ops = all"

# messages per operation: trace.csv against ops.csv (operations that ended 1 s before the end:
# a message still travelling when the run stops is not traced): its requests, and the replies
# that reached its origin in time (delivered, not timed-out)
awk -F, 'FNR == 1 { file++; next }
    file == 1 { if ($5 !~ /_REPLY$/ || $8 == "delivered") traced[$2]++; next }
    $2 * 1000 + $7 < 94000 { n++; if (traced[$1] + 0 != $8) { print "op " $1 ": " traced[$1] + 0 " traced, " $8 " in ops.csv"; bad++ } }
    END { if (n < 100) { print "only " n " operations checked"; bad++ } exit bad > 0 }' \
    "$T/on/trace.csv" "$T/on/ops.csv" || fail "trace.csv and ops.csv disagree"

# a selection: the first 30 operations only; a range; the scenario's own [trace]
kadsim --trace=first:30 -o "$T/first" "$scenario" || fail "--trace=first:30"
awk -F, 'NR > 1 && $2 >= 30 { exit 1 }' "$T/first/trace.csv" || fail "first:30 traced op >= 30"
kadsim --trace=op:100-102 -o "$T/range" "$scenario" || fail "--trace=op:100-102"
[ "$(awk -F, 'NR > 1 { print $2 }' "$T/range/trace.csv" | sort -u | tr '\n' ' ')" = "100 101 102 " ] \
    || fail "op:100-102 traced other operations"
kadsim --set trace.ops=key --set trace.key=3 -o "$T/key" "$scenario" || fail "[trace] key"
awk -F, 'NR > 1 { print $2 }' "$T/key/trace.csv" | sort -u > "$T/key-ops"
awk -F, 'NR > 1 && $5 == 3 && $3 != "lookup" && $3 != "join" && $8 > 0 { print $1 }' "$T/key/ops.csv" \
    | sort -u > "$T/key-want"
[ -s "$T/key-want" ] || fail "no store or get of key 3 in the scenario"
comm -13 "$T/key-ops" "$T/key-want" | grep -q . && fail "key:3 missed an operation on key 3"

# usage errors
for bad in --trace=first:0 --trace=op:5-2 --trace=sometimes; do
    status=0
    kadsim "$bad" -o "$T/bad" "$scenario" 2> "$T/err" || status=$?
    [ "$status" -eq 2 ] || fail "$bad: exit status $status, expected 2"
    grep -q 'first:N' "$T/err" || fail "$bad: the message does not say what is allowed"
done

# a rerun of a traced folder without tracing removes its trace
cp -r "$T/on" "$T/rerun"
kadsim --force -o "$T/rerun" "$scenario" || fail "rerun with --force"
[ ! -e "$T/rerun/trace.csv" ] || fail "a stale trace.csv survived --force"
echo ok
