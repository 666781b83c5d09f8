#!/bin/sh
# A [sweep] is checked like a scenario, before anything runs: each wrong sweep below exits 2,
# writes nothing, and its message names the file (or the option), [sweep], the key and the value.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$(cd "$srcdir/tests/data" && pwd)/sweep-tiny.ini
base='[simulation]
nodes = 20
duration = 10s
[churn]
model = sessions
session = exponential'

# expect_error NAME 'SWEEP LINES' 'TEXT'... : the sweep fails with every TEXT in its message
expect_error() {
    name=$1 sweep=$2
    shift 2
    printf '%s\n[sweep]\n%s\n' "$base" "$sweep" > "$T/$name.ini"
    status=0
    KADSIM_GNUPLOT= "$KADSIM" -q -o "$T/out-$name" "$T/$name.ini" 2> "$T/err" || status=$?
    [ $status -eq 2 ] || fail "$name: exit status $status, expected 2"
    [ ! -e "$T/out-$name" ] || fail "$name: wrote a results folder"
    for text in "$@"; do
        grep -qF -- "$text" "$T/err" || fail "$name: message lacks '$text': $(cat "$T/err")"
    done
}

expect_error not_a_number 'kademlia.k = 8, x' "$T/not_a_number.ini: [sweep] kademlia.k" "'x'"
expect_error out_of_range 'kademlia.alpha = 3, 0' "[sweep] kademlia.alpha" "0 is out of range"
expect_error unknown_key 'kademlia.kk = 8' "[sweep] kademlia.kk" "did you mean 'k'"
expect_error unknown_section 'kademila.k = 8' "[sweep] kademila.k" "unknown section [kademila]"
expect_error bad_choice 'churn.session = exponential, weibul' "[sweep] churn.session" "'weibul'"
expect_error stray_comma 'kademlia.k = 8,, 16' "[sweep] kademlia.k" "stray comma"
expect_error twice 'kademlia.k = 8, 8' "[sweep] kademlia.k" "'8' is listed twice"
expect_error unknown_option 'repetitions = 3' "[sweep] repetitions" "replicates"
expect_error replicates 'replicates = 0' "[sweep] replicates" "'0'"
expect_error seed 'simulation.seed = 1, 2' "[sweep] simulation.seed" "replicates"
# a value that does not apply under another swept value: named with the point
expect_error applies 'churn.session = exponential, kad
churn.session_mean = 1h, 2h' "[sweep] churn.session_mean = 1h" "applies only when session = exponential" \
    "churn.session = kad"

# the same checks for --set on [sweep], and --set of a swept key
status=0
KADSIM_GNUPLOT= "$KADSIM" -q -o "$T/o1" --set sweep.kademlia.k=4,x "$scenario" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -qF -- "--set sweep.kademlia.k=4,x: 'x'" "$T/err" \
    || fail "--set sweep.kademlia.k=4,x: $status $(cat "$T/err")"
status=0
KADSIM_GNUPLOT= "$KADSIM" -q -o "$T/o2" --set kademlia.k=16 "$scenario" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -qF -- "--set sweep.kademlia.k" "$T/err" \
    || fail "--set of a swept key: $status $(cat "$T/err")"
# --shard: malformed, or without a sweep
status=0
"$KADSIM" -q --shard 3 "$scenario" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q 'I/N' "$T/err" || fail "--shard 3: $status $(cat "$T/err")"
status=0
"$KADSIM" -q --shard 1/2 "$srcdir/tests/data/results-small.ini" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q 'no \[sweep\]' "$T/err" || fail "--shard without a sweep: $(cat "$T/err")"
[ ! -e "$T/o1" ] && [ ! -e "$T/o2" ] || fail "a refused sweep wrote a folder"
echo "ok"
