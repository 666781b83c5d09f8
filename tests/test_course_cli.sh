#!/bin/sh
# The command line as the coursework uses it (issue 21): a trace that selects nothing says so
# and names the keys that occurred; --no-sweep runs a sweep scenario once; the demo refuses to
# replace a folder without --force; global options may come before a subcommand; --help does
# not suggest $SLURM_ARRAY_TASK_COUNT.
. "${srcdir:-.}/tests/test_run_lib.sh"
export KADSIM_GNUPLOT=
small="--set simulation.nodes=60 --set simulation.duration=8min"
q=$srcdir/scenarios/quickstart.ini

# --- --trace=key:K that matches nothing
"$KADSIM" --no-plots $small --trace=key:7 -o "$T/k7" "$q" > /dev/null 2> "$T/err" || fail "key:7 run"
grep -q 'warning: --trace=key:7 matched no operation' "$T/err" || fail "no warning: $(cat "$T/err")"
keys=$(awk -F, 'NR > 1 && ($3 == "store" || $3 == "get") && !s[$5]++ { print $5 }' "$T/k7/ops.csv" | sort -n | head -3 | tr '\n' ' ')
set -- $keys
grep -q "keys stored or fetched in this run: $1, $2, $3" "$T/err" || fail "the keys that occurred ($keys) are not named: $(cat "$T/err")"
"$KADSIM" --no-plots $small --trace=key:$1 -o "$T/k1" "$q" > /dev/null 2> "$T/err" || fail "key:$1 run"
[ ! -s "$T/err" ] || fail "a warning for a key that occurred: $(cat "$T/err")"
[ "$(wc -l < "$T/k1/trace.csv")" -gt 1 ] || fail "key:$1 traced nothing"

# --- --no-sweep: one run with the scenario's own values, and a run.ini without [sweep]
"$KADSIM" -q --no-plots --no-sweep -o "$T/once" "$srcdir/tests/data/sweep-tiny.ini" || fail "--no-sweep"
[ -f "$T/once/summary.csv" ] && [ ! -d "$T/once/runs" ] || fail "--no-sweep did not make one run"
grep -q '^\[sweep\]' "$T/once/run.ini" && fail "run.ini of --no-sweep has a [sweep] section"

# --- the demo keeps an existing folder unless --force
demo() { "$KADSIM" demo -q --no-plots --nodes 16 "$@" k v; }
demo -o "$T/d" > /dev/null || fail "first demo"
status=0; demo -o "$T/d" > /dev/null 2> "$T/err" || status=$?
[ $status -eq 2 ] || fail "a second demo into the same folder exited $status (expected 2)"
grep -q -- '--force' "$T/err" || fail "the refusal does not mention --force: $(cat "$T/err")"
[ "$(demo -f -o "$T/d")" = v ] || fail "demo --force"

# --- global options before the subcommand
[ "$("$KADSIM" -q -f --no-plots demo --nodes 16 -o "$T/d" k v)" = v ] || fail "kadsim -q -f demo"
status=0; "$KADSIM" -j 2 demo k v > /dev/null 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q 'demo: Unknown option -j' "$T/err" || fail "kadsim -j 2 demo: $status $(cat "$T/err")"

# --- --help
"$KADSIM" --help > "$T/help" || fail "--help"
grep -q 'SLURM_ARRAY_TASK_COUNT' "$T/help" && fail "--help suggests \$SLURM_ARRAY_TASK_COUNT"
grep -q -- '--no-sweep' "$T/help" || fail "--help does not list --no-sweep"
echo ok
