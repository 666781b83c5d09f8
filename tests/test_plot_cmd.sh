#!/bin/sh
# kadsim plot and plots/sweep.gp, sweep_vs.gp on the tiny sweep (tests/data/sweep-tiny.ini):
# the default plots, a metric against a metric with the hull of each family, a fitted line,
# numeric axes from sweep_labels.gp, one line without a legend, and refused options.
# Skipped (77) without gnuplot.
. "${srcdir:-.}/tests/test_run_lib.sh"
gnuplot=$(command -v gnuplot) || { echo "gnuplot not found: skipped"; exit 77; }
export KADSIM_PLOTS_DIR=$srcdir/plots KADSIM_GNUPLOT=$gnuplot
d=$T/sw
"$KADSIM" -q --no-plots -o "$d" "$srcdir/tests/data/sweep-tiny.ini" || fail "the tiny sweep"
# numbers and durations for numeric axes
grep -qx 'sweep_numbers\[1\] = "4 8"' "$d/sweep_labels.gp" || fail "no sweep_numbers: $(cat "$d/sweep_labels.gp")"

"$KADSIM" plot "$d" > "$T/out" 2> "$T/err" || fail "kadsim plot: $(cat "$T/err")"
[ ! -s "$T/err" ] || fail "kadsim plot complained: $(cat "$T/err")"
for m in latency_ms_p50 hops_mean messages_per_lookup lookup_success_rate; do
    [ -s "$d/sweep_$m.png" ] && [ -s "$d/sweep_$m.svg" ] || fail "no sweep_$m"
done
# the subtitle is centred on the image (x = 500 of 1000), not on the frame
grep -B1 '<text>40 nodes' "$d/sweep_hops_mean.svg" | grep -q 'translate(500.00,' \
    || fail "the subtitle is not centred on the image"

# metric against metric: one row per point, families by k, a closed hull per family
"$KADSIM" plot "$d" --y latency_ms_p50 --vs messages_per_lookup --lines k > /dev/null 2> "$T/err" \
    || fail "--vs: $(cat "$T/err")"
v=$d/sweep_latency_ms_p50_vs_messages_per_lookup
[ -s "$v.png" ] || fail "no $v.png"
[ "$(grep -c '^"' "$v.csv")" -eq 4 ] || fail "not 4 points in $v.csv"
grep -q '^"8","alpha=3",' "$v.csv" || fail "point k=8 alpha=3 is not labelled: $(cat "$v.csv")"
# two points per family: each hull is that segment, 4 rows in all
awk -F, 'NF == 2 { n++ } END { exit n == 4 ? 0 : 1 }' "${v}_hull.csv" || fail "hulls: $(cat "${v}_hull.csv")"

# one family of 4 points: a closed hull of 3 or 4 corners, every point inside or on it
"$KADSIM" plot "$d" --y latency_ms_p50 --vs messages_per_lookup --lines "" --name one_family \
    > /dev/null 2> "$T/err" || fail "--vs, one family: $(cat "$T/err")"
awk -F, 'FNR == 1 { f++ } f == 1 && NF == 2 { n++; hx[n] = $1; hy[n] = $2 }
         f == 2 && /^"/ { for (i = 1; i < n; i++)
                              if ((hx[i+1] - hx[i]) * ($6 - hy[i]) - (hy[i+1] - hy[i]) * ($3 - hx[i]) < -1e-6) bad++ }
         END { exit (n >= 4 && n <= 5 && hx[1] == hx[n] && hy[1] == hy[n] && !bad) ? 0 : 1 }' \
    "$d/one_family_hull.csv" "$d/one_family.csv" || fail "not a closed hull around the points: $(cat "$d/one_family_hull.csv")"

# a fitted line: its slope is in the key
"$KADSIM" plot "$d" --y hops_mean --x k --lines alpha --fit log2 --name fit > /dev/null 2> "$T/err" \
    || fail "--fit: $(cat "$T/err")"
grep -q 'alpha = 1, fit [-0-9.e]*·log2 x' "$d/fit.svg" || fail "no fitted slope in the key"
# numeric axes: k = 4, 8 is linear by default, logarithmic when asked
grep -q 'k (kademlia.k)' "$d/fit.svg" || fail "k = 4, 8 is not on a linear axis"
"$KADSIM" plot "$d" --y hops_mean --x k --xscale log --name logk > /dev/null || fail "--xscale log"
grep -q 'k (kademlia.k, log scale)' "$d/logk.svg" || fail "--xscale log: no log scale"
# one line: no legend
"$KADSIM" plot "$d" --y hops_mean --x alpha --lines "" --where "kademlia.k=8" --name one > /dev/null \
    || fail "one line"
[ "$(grep -c '<text>hops_mean</text>' "$d/one.svg")" -eq 1 ] || fail "a legend for a single line (besides the y label)"
grep -q '<text>k = ' "$d/one.svg" && fail "a legend entry for a single line"

# refused: --vs without one --y, an unknown key, a fit on a categorical axis
for args in "--vs hops_mean" "--x nonsense" "--y hops_mean --x k --xscale category --fit log2" \
            "--y hops_mean --vs messages_per_lookup --where k=8" "--fit cubic"; do
    status=0; "$KADSIM" plot "$d" $args > /dev/null 2>&1 || status=$?
    [ $status -ne 0 ] || fail "kadsim plot $args succeeded"
done
status=0; "$KADSIM" plot "$T" > /dev/null 2> "$T/err" || status=$?
[ $status -eq 2 ] || fail "kadsim plot on a folder that is not a sweep exited $status"
echo ok
