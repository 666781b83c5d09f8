#!/bin/sh
# plots/sequence.sh on hand-made trace.csv / ops.csv (no simulation, no gnuplot needed):
#  - an operation late in a run (12,012 s) keeps its millisecond times: the first message is
#    sent at 0 ms and the end is ops.csv's latency (746.8 ms), not awk's %.6g rounding of
#    12012046.8 ms (-12.7 ms, 700 ms);
#  - the ANSWERED lifeline of a lookup is the closest node that replied, not the first.
. "${srcdir:-.}/tests/test_run_lib.sh"
plots=$srcdir/plots
d=$T/late
mkdir -p "$d"
cat > "$d/ops.csv" <<'CSV'
op,time_s,kind,origin,key,hops,latency_ms,messages,timeouts,success,correct
70203,12012.0341267,lookup,5,,2,746.8,6,0,1,1
CSV
# node 9 (7 bits) answers first, node 3 (10 bits) later: node 3 is the closest that replied
cat > "$d/trace.csv" <<'CSV'
time_ms,op,from,to,type,hop,bits_to_target,fate
12012034.1267,70203,5,9,FIND_NODE,1,7,delivered
12012034.1267,70203,5,3,FIND_NODE,1,10,delivered
12012034.1267,70203,5,4,FIND_NODE,1,2,delivered
12012134.1267,70203,9,5,FIND_NODE_REPLY,1,,delivered
12012434.1267,70203,4,5,FIND_NODE_REPLY,1,,delivered
12012680.9267,70203,3,5,FIND_NODE_REPLY,1,,delivered
CSV
GNUPLOT= sh "$plots/sequence.sh" --mermaid "$d" 70203 > "$T/md" || fail "sequence.sh --mermaid"
grep -q 'N5->>N9: FIND_NODE (0 → ' "$T/md" || fail "the first message is not sent at 0 ms: $(grep -m1 '>>' "$T/md")"
grep -q '746.8 ms' "$T/md" || fail "the latency of ops.csv (746.8 ms) is not shown: $(sed -n 3p "$T/md")"
grep -q -- '(-' "$T/md" && fail "a negative time: $(grep -m1 -- '(-' "$T/md")"
# the highlighted row (rect) is node 3's reply
hl=$(awk '/rect rgb/ { getline; print; exit }' "$T/md")
case $hl in *N3--\>\>N5*) ;; *) fail "ANSWERED is not node 3 (10 bits): $hl";; esac
echo ok
