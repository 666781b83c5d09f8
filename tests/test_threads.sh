#!/bin/sh
# One simulation on several threads (--threads, sim.h "threads"): every output file of a fixed
# seed is the same for T = 1, 2, 3 and 8 but perf.csv (the machine's figures: time, memory,
# events, windows), and what cannot run on several threads is refused naming the key.
. "${srcdir:-.}/tests/test_run_lib.sh"
S=$(cd "$srcdir/scenarios" && pwd)
kadsim() { KADSIM_GNUPLOT= "$KADSIM" -q --no-plots "$@"; }

# Same bytes whatever T: stores, gets and lookups on a constant-latency network; joins and
# churn (crashes, returns) on the King-like lognormal network with a least delay of 10 ms.
same_for_all_t() {
    name=$1
    shift
    for t in 1 2 3 8; do
        kadsim --threads $t -o "$T/$name-$t" "$@" || fail "$name: --threads $t"
    done
    for t in 2 3 8; do
        diff -r -x perf.csv "$T/$name-1" "$T/$name-$t" >&2 || fail "$name: T = $t differs from T = 1"
    done
    [ "$(metric "$T/$name-8/perf.csv" threads)" = 8 ] || fail "$name: perf.csv threads"
    [ "$(metric "$T/$name-8/perf.csv" windows)" -gt 0 ] || fail "$name: no windows at T = 8"
    [ "$(metric "$T/$name-1/perf.csv" windows)" = 0 ] || fail "$name: windows at T = 1"
}
same_for_all_t quickstart --set simulation.nodes=300 "$S/quickstart.ini"
same_for_all_t churn --set simulation.nodes=300 --set simulation.duration=40min \
    --set simulation.warmup=10min --set network.min_latency=10ms "$S/churn.ini"
# the runs did work: lookups, stores and gets, and churn's crashes
[ "$(metric "$T/quickstart-1/summary.csv" gets)" -gt 0 ] || fail "no gets"
[ "$(metric "$T/churn-1/summary.csv" lookups)" -gt 100 ] || fail "no lookups under churn"

# Refused, with the key to change and a non-zero exit, before anything is written.
refused() {
    what=$1
    shift
    out=$(kadsim -o "$T/refused" "$@" 2>&1) && fail "$what: accepted"
    echo "$out" | grep -q -- "$what" || fail "$what: the message does not say it: $out"
    [ ! -e "$T/refused/summary.csv" ] || fail "$what: wrote a summary"
    rm -rf "$T/refused"
}
refused "\[network\] min_latency" --threads 2 --set simulation.nodes=50 "$S/churn.ini"
refused "\[network\] loss" --threads 2 --set simulation.nodes=50 \
    --set network.min_latency=10ms "$S/lossy.ini"
refused "needs jitter = 0" --threads 2 --set simulation.nodes=50 \
    --set network.jitter=5ms "$S/quickstart.ini"
refused "bootstrap = oracle runs on one thread only" --threads 2 --set simulation.nodes=50 \
    --set kademlia.bootstrap=oracle "$S/quickstart.ini"
refused "a trace needs one thread" --threads 2 --set simulation.nodes=50 --trace=all "$S/quickstart.ini"
refused "protocol chord runs on one thread only" --threads 2 --set simulation.nodes=50 \
    "$S/chord-static.ini"
refused "--threads 0: give a number" --threads 0 "$S/quickstart.ini"
refused "--threads 999: give a number" --threads 999 "$S/quickstart.ini"
exit 0
