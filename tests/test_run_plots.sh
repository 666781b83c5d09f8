#!/bin/sh
# End-to-end: the plot scripts render a results folder without a gnuplot error or warning,
# from the run itself, from plots/render.sh, and as an overlay of two runs (compare.gp).
# Skipped (77) without gnuplot.
. "${srcdir:-.}/tests/test_run_lib.sh"
gnuplot=$(command -v gnuplot) || { echo "gnuplot not found: skipped"; exit 77; }
scenario=$srcdir/tests/data/results-small.ini
plots=$srcdir/plots
images() { for p in hops latency_cdf timeseries bandwidth; do echo "$1/$p.png $1/$p.svg"; done; }

KADSIM_GNUPLOT=$gnuplot KADSIM_PLOTS_DIR=$plots "$KADSIM" -q -o "$T/a" "$scenario" 2> "$T/err" \
    || fail "run: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "the run complained: $(cat "$T/err")"
for f in $(images "$T/a"); do [ -s "$f" ] || fail "not rendered: $f"; done
ls "$T/a" | grep -q '\.tmp$' && fail "temporary images left"

# a title that is not enhanced-text markup: an underscore, a final backslash
KADSIM_GNUPLOT=$gnuplot KADSIM_PLOTS_DIR=$plots "$KADSIM" -q -o "$T/t" \
    --set 'output.title=my_run\' "$scenario" 2> "$T/err" || fail "title with a backslash: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "a title with a backslash: $(cat "$T/err")"
for f in $(images "$T/t"); do [ -s "$f" ] || fail "not rendered: $f"; done

# by hand: render.sh on the folder (images replaced), then an overlay of two runs
rm -f "$T/a"/*.png "$T/a"/*.svg
GNUPLOT=$gnuplot sh "$plots/render.sh" "$T/a" > /dev/null 2> "$T/err" || fail "render.sh: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "render.sh complained: $(cat "$T/err")"
for f in $(images "$T/a"); do [ -s "$f" ] || fail "render.sh did not make $f"; done
"$KADSIM" -q --no-plots --seed 9 -o "$T/b" "$scenario" || fail "run b"
[ ! -e "$T/b/hops.png" ] || fail "--no-plots rendered plots"
"$gnuplot" -e "dirs='$T/a $T/b'; names='seed-7 seed-9'; outdir='$T'" "$plots/compare.gp" \
    2> "$T/err" || fail "compare.gp: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "compare.gp complained: $(cat "$T/err")"
for f in compare_hops compare_latency_cdf; do [ -s "$T/$f.png" ] || fail "no $f.png"; done
echo "ok"
