#!/bin/sh
# Pastry through the program: ./kadsim on a tiny scenario with [simulation] protocol = pastry;
# every lookup exact, the summary names the route stretch, a rerun gives the same bytes.
. "${srcdir:-.}/tests/test_run_lib.sh"
cat > "$T/tiny.ini" <<'INI'
[simulation]
protocol = pastry
seed = 5
nodes = 120
duration = 6min
warmup = 3min
[network]
latency = euclidean
[workload]
join = ramp
join_ramp = 2min
start = 3min
rate_unit = network
lookup_rate = 5
[pastry]
b = 4
L = 8
INI
kadsim() { KADSIM_GNUPLOT= "$KADSIM" -q "$@"; }
kadsim -o "$T/a" "$T/tiny.ini" || fail "run a"
kadsim -o "$T/b" "$T/tiny.ini" || fail "run b"
[ "$(metric "$T/a/summary.csv" lookup_correct_rate)" = 1 ] || fail "not every lookup exact"
[ "$(metric "$T/a/summary.csv" lookups)" -gt 500 ] || fail "too few lookups"
grep -q '^protocol = pastry' "$T/a/run.ini" || fail "run.ini does not name the protocol"
grep -q '^\[pastry\]' "$T/a/run.ini" || fail "run.ini lacks [pastry]"
grep -q '^\[kademlia\]' "$T/a/run.ini" && fail "run.ini lists [kademlia]"
cmp -s "$T/a/ops.csv" "$T/b/ops.csv" || fail "same seed, different ops.csv"
cmp -s "$T/a/summary.csv" "$T/b/summary.csv" || fail "same seed, different summary.csv"
# a Kademlia key with protocol = pastry is refused, naming the key
if kadsim --check --set kademlia.k=8 "$T/tiny.ini" > "$T/err" 2>&1; then
    fail "a [kademlia] key was accepted under protocol = pastry"
fi
grep -q 'kademlia' "$T/err" || fail "the refusal does not name the key"
echo "ok: pastry through ./kadsim"
