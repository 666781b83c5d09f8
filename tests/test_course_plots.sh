#!/bin/sh
# The plots of a results folder on hand-made tables, and the diagram of a real lookup (issue
# 21): hops.png's x axis spans the hops of lookups and gets (not -1, not a join's), the latency CDF's x axis ends near
# the largest latency of a lookup or get (not at a join's 9 s), `title` given with -e wins over
# labels.gp, compare.gp splits names at commas and writes into the first folder, the sweep's
# console table says what ± means, and a diagram of a 25-node store stays under 2,000 px.
# Skipped (77) without gnuplot.
. "${srcdir:-.}/tests/test_run_lib.sh"
gnuplot=$(command -v gnuplot) || { echo "gnuplot not found: skipped"; exit 77; }
plots=$(cd "$srcdir/plots" && pwd)
d=$T/syn
mkdir -p "$d"
cat > "$d/labels.gp" <<'GP'
title = "synthetic"
subtitle = "hand-made"
msg_types = "PING"
warmup_s = 0
end_s = 100
partial = 0
intervals = 1
join_ok = 1
join_total = 1
lookup_ok = 3
lookup_total = 3
store_ok = 0
store_total = 0
get_ok = 0
get_total = 0
GP
printf 'kind,hops,count,fraction\njoin,5,5,1\nlookup,0,1,0.3333\nlookup,2,2,0.6667\n' > "$d/hops.csv"
printf 'kind,latency_ms,cdf\njoin,9000,1\nlookup,100,0.3333\nlookup,2050,1\n' > "$d/latency_cdf.csv"
tics() { grep -o '<text> *-\{0,1\}[0-9.]*</text>' "$1" | sed 's/<[^>]*>//g; s/ //g' | tr '\n' ' '; }
"$gnuplot" -e "dir='$d'; formats='svg'" "$plots/hops.gp" 2> "$T/err" || fail "hops.gp: $(cat "$T/err")"
case " $(tics "$d/hops.svg")" in *" -1 "*|*" 3 "*|*" 5 "*) fail "hops.svg's x axis is not 0 to 2: $(tics "$d/hops.svg")";; esac
"$gnuplot" -e "dir='$d'; formats='svg'; title='Given title'" "$plots/latency_cdf.gp" 2> "$T/err" \
    || fail "latency_cdf.gp: $(cat "$T/err")"
max=$(tics "$d/latency_cdf.svg" | tr ' ' '\n' | sort -n | tail -1)
[ "$max" -le 2100 ] || fail "the latency CDF's x axis runs to $max ms for a largest latency of 2050"
grep -q 'Given title' "$d/latency_cdf.svg" || fail "title='Given title' given with -e was ignored"

# compare.gp: names with spaces, images into the first folder
cp -r "$d" "$T/syn2"
(cd "$T" && "$gnuplot" -e "dirs='syn syn2'; names='seed 1,seed 2'; formats='svg'" "$plots/compare.gp") 2> "$T/err" \
    || fail "compare.gp: $(cat "$T/err")"
[ -s "$d/compare_hops.svg" ] || fail "compare.gp did not write into the first folder"
ls "$T" | grep -q '^compare_' && fail "compare.gp wrote into the current folder"
grep -q '<text>seed 2</text>' "$d/compare_hops.svg" || fail "the name 'seed 2' was split"

# a real store of 80 messages to 25 nodes: a diagram under 2,000 px wide
"$KADSIM" -q --no-plots --trace=op:1234 -o "$T/q" "$srcdir/scenarios/quickstart.ini" || fail "quickstart"
GNUPLOT=$gnuplot sh "$plots/sequence.sh" "$T/q" > /dev/null 2> "$T/err" || fail "sequence.sh: $(cat "$T/err")"
w=$(od -An -tu1 -j16 -N4 "$T/q/sequence.png" | awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4 }')
[ "$w" -le 2000 ] || fail "the diagram of op 1234 is $w px wide"

# the sweep's console table explains ±
KADSIM_GNUPLOT= "$KADSIM" --no-plots -o "$T/sw" "$srcdir/tests/data/sweep-tiny.ini" > "$T/out" 2>&1 || fail "sweep"
grep -q '± half-width of its 95% interval' "$T/out" || fail "± is not explained: $(cat "$T/out")"
echo ok
