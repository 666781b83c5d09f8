#!/bin/sh
# End-to-end: plots/sequence.sh and sequence.gp draw traced operations without a gnuplot error
# or warning: an iterative get under loss (timeouts, lost messages), a recursive one, and
# operations of a scenario run traced with --trace. Skipped (77) without gnuplot.
. "${srcdir:-.}/tests/test_run_lib.sh"
gnuplot=$(command -v gnuplot) || { echo "gnuplot not found: skipped"; exit 77; }
plots=$srcdir/plots
export KADSIM_PLOTS_DIR=$plots KADSIM_GNUPLOT=$gnuplot
"$KADSIM" demo --set network.loss=bernoulli --set network.loss_rate=0.2 --seed 8 \
    -o "$T/lossy" hello world > /dev/null 2> "$T/err" || fail "lossy demo: $(cat "$T/err")"
"$KADSIM" demo --recursive --nodes 500 -o "$T/rec" hello world > /dev/null 2> "$T/err" \
    || fail "recursive demo: $(cat "$T/err")"
for d in lossy rec; do
    [ ! -s "$T/err" ] || fail "$d: $(cat "$T/err")"
    for f in sequence.png sequence.svg sequence.md; do [ -s "$T/$d/$f" ] || fail "$d: no $f"; done
done
grep -q 'timeout' "$T/lossy/sequence.md" || fail "the lossy get shows no timeout"

# a scenario run with --trace: several operations, one diagram each, named by operation
"$KADSIM" -q --no-plots --trace=op:100-102 -o "$T/run" "$srcdir/tests/data/results-small.ini" \
    || fail "traced run"
GNUPLOT=$gnuplot sh "$plots/sequence.sh" "$T/run" > /dev/null 2> "$T/err" \
    || fail "sequence.sh: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "sequence.sh complained: $(cat "$T/err")"
for op in 100 101 102; do
    for f in png svg md; do [ -s "$T/run/sequence-$op.$f" ] || fail "no sequence-$op.$f"; done
done
# the one-line command of docs/output.md
rm "$T/run/sequence-101.png" "$T/run/sequence-101.svg"
"$gnuplot" -e "dir='$T/run'; op=101" "$plots/sequence.gp" 2> "$T/err" || fail "sequence.gp"
[ ! -s "$T/err" ] || fail "sequence.gp complained: $(cat "$T/err")"
[ -s "$T/run/sequence-101.png" ] || fail "sequence.gp drew no sequence-101.png"
ls "$T/run" | grep -q '\.tmp$' && fail "temporary file left"
echo ok
