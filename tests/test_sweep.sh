#!/bin/sh
# End-to-end tests of sweeps (tests/data/sweep-tiny.ini: 2 × 2 points × 2 replicates): the same
# bytes whatever -j; shards (counted from 1, as Slurm's --array=1-N gives them, and from 0)
# merged into exactly the folder of one machine; a run's run.ini reruns that run; seeds.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$(cd "$srcdir/tests/data" && pwd)/sweep-tiny.ini
kadsim() { KADSIM_GNUPLOT= "$KADSIM" -q "$@"; }
# Two sweep folders hold the same bytes, but for what depends on the machine and the moment.
same() { diff -r -x perf.csv -x shard.ini -x '*.png' -x '*.svg' "$1" "$2" > "$T/diff" \
             || fail "$3: $(head -20 "$T/diff")"; }

# --- one process, one thread and three threads
kadsim -j 1 -o "$T/j1" "$scenario" || fail "sweep -j 1"
kadsim -j 3 -o "$T/j3" "$scenario" || fail "sweep -j 3"
same "$T/j1" "$T/j3" "-j 1 and -j 3 differ"
[ ! -e "$T/j1/PARTIAL" ] || fail "a complete sweep left PARTIAL"
[ "$(ls "$T/j1/runs" | wc -l)" -eq 8 ] || fail "not 8 run folders: $(ls "$T/j1/runs")"
[ -d "$T/j1/runs/p3_k=8_alpha=3_r1" ] || fail "run folder names: $(ls "$T/j1/runs")"
for f in sweep.ini sweep.csv sweep_summary.csv sweep_labels.gp; do
    [ -s "$T/j1/$f" ] || fail "missing $f"
done
# sweep.csv: a header and 8 rows, each as wide as the header; the runs in grid order
[ "$(wc -l < "$T/j1/sweep.csv")" -eq 9 ] || fail "sweep.csv rows"
head -1 "$T/j1/sweep.csv" | grep -q '^run,point,replicate,kademlia.k,kademlia.alpha,partial,seed,' \
    || fail "sweep.csv header: $(head -1 "$T/j1/sweep.csv")"
awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$T/j1/sweep.csv" || fail "ragged sweep.csv"
[ "$(cut -d, -f1-5 "$T/j1/sweep.csv" | sed -n 2p)" = "p0_k=4_alpha=1_r0,0,0,4,1" ] \
    || fail "first row of sweep.csv"
[ "$(cut -d, -f1-5 "$T/j1/sweep.csv" | sed -n 9p)" = "p3_k=8_alpha=3_r1,3,1,8,3" ] \
    || fail "last row of sweep.csv"
# sweep.csv holds each run's summary.csv values as written
v=$(metric "$T/j1/runs/p2_k=8_alpha=1_r1/summary.csv" latency_ms_p50)
awk -F, -v v="$v" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "latency_ms_p50") c = i; next }
    $1 == "p2_k=8_alpha=1_r1" { exit $c != v }' "$T/j1/sweep.csv" || fail "sweep.csv value"
# sweep_summary.csv: the mean of the two replicates, and an interval around it
head -1 "$T/j1/sweep_summary.csv" | grep -qx 'point,kademlia.k,kademlia.alpha,metric,n,mean,sd,ci95_low,ci95_high' \
    || fail "sweep_summary.csv header"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "hops_mean") c = i; next }
    $2 == 1 { s += $c; n++ } END { printf "%.6f\n", s / n }' "$T/j1/sweep.csv" > "$T/mean"
awk -F, -v m="$(cat "$T/mean")" '$1 == 1 && $4 == "hops_mean" {
        exit !($5 == 2 && ($6 - m)^2 < 1e-10 && $8 < $6 && $6 < $9) }' "$T/j1/sweep_summary.csv" \
    || fail "sweep_summary.csv hops_mean of point 1 is not the mean of its replicates ($(cat "$T/mean"))"

# --- seeds: replicate 0 runs on the master seed, replicate 1 on a derived one, for every point
[ "$(metric "$T/j1/runs/p0_k=4_alpha=1_r0/summary.csv" seed)" = 3 ] || fail "replicate 0 seed"
s1=$(metric "$T/j1/runs/p0_k=4_alpha=1_r1/summary.csv" seed)
[ "$s1" != 3 ] && [ "$s1" = "$(metric "$T/j1/runs/p3_k=8_alpha=3_r1/summary.csv" seed)" ] \
    || fail "replicate 1 seed $s1"
kadsim -j 2 --seed 4 -o "$T/seed4" "$scenario" || fail "sweep --seed 4"
[ "$(metric "$T/seed4/runs/p0_k=4_alpha=1_r0/summary.csv" seed)" = 4 ] || fail "--seed"
[ "$(metric "$T/seed4/runs/p0_k=4_alpha=1_r1/summary.csv" seed)" != "$s1" ] || fail "derived seed"

# --- a run of a sweep is an ordinary run: its run.ini (no [sweep]) reruns it byte for byte
run=$T/j1/runs/p1_k=4_alpha=3_r1
grep -q '^\[sweep\]' "$run/run.ini" && fail "run.ini of a run holds [sweep]"
kadsim -o "$T/rerun" "$run/run.ini" || fail "rerun from run.ini"
for f in run.ini ops.csv timeseries.csv hops.csv latency_cdf.csv summary.csv labels.gp; do
    cmp -s "$run/$f" "$T/rerun/$f" || fail "$f differs in the rerun of a sweep's run"
done
# and sweep.ini reruns the sweep
kadsim -j 2 -o "$T/again" "$T/j1/sweep.ini" || fail "rerun from sweep.ini"
same "$T/j1" "$T/again" "the rerun from sweep.ini differs"

# --- shards merged = one machine: 1-based (Slurm --array=1-3), 0-based, and via -o defaults
for i in 1 2 3; do kadsim -j 1 --shard $i/3 -o "$T/shard$i" "$scenario" || fail "shard $i/3"; done
[ ! -e "$T/shard1/sweep.csv" ] || fail "a shard wrote the sweep's tables"
n=$(ls "$T"/shard1/runs "$T"/shard2/runs "$T"/shard3/runs | grep -c '^p')
[ "$n" -eq 8 ] || fail "the shards hold $n runs, not 8"
"$KADSIM" merge -q -o "$T/merged" "$T/shard1" "$T/shard2" "$T/shard3" || fail "merge"
same "$T/j1" "$T/merged" "merged shards differ from one machine"
for i in 0 1 2; do kadsim --shard $i/3 -o "$T/z$i" "$scenario" || fail "shard $i/3"; done
"$KADSIM" merge -q -o "$T/zmerged" "$T/z2" "$T/z0" "$T/z1" || fail "merge 0-based"
same "$T/j1" "$T/zmerged" "merged 0-based shards differ"
mkdir "$T/cwd" && (cd "$T/cwd" && for i in 1 2; do kadsim --shard $i/2 "$scenario" || exit 1; done \
    && "$KADSIM" merge -q results/sweep-tiny-shard1of2 results/sweep-tiny-shard2of2) \
    || fail "default folders of shards and merge"
same "$T/j1" "$T/cwd/results/sweep-tiny" "merge into the default folder differs"

# --- merge refuses what is not one whole sweep
status=0
"$KADSIM" merge -q -o "$T/m2" "$T/shard1" "$T/shard3" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q 'missing' "$T/err" && grep -q 'p0_k=4_alpha=1_r1' "$T/err" \
    || fail "merge of 2 of 3 shards: status $status, $(cat "$T/err")"
status=0
"$KADSIM" merge -q -o "$T/m3" "$T/shard1" "$T/shard2" "$T/shard3" "$T/z1" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q 'in both' "$T/err" || fail "merge with a shard twice: $(cat "$T/err")"
status=0
"$KADSIM" merge -q -o "$T/m4" "$T/shard1" "$T/seed4" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q 'different sweeps' "$T/err" || fail "merge of two sweeps: $(cat "$T/err")"
status=0
"$KADSIM" merge -q -o "$T/merged" "$T/shard1" "$T/shard2" "$T/shard3" 2> "$T/err" || status=$?
[ $status -eq 2 ] && grep -q -- '--force' "$T/err" || fail "merge over a sweep without --force"
"$KADSIM" merge -q -f -o "$T/merged" "$T/shard1" "$T/shard2" "$T/shard3" || fail "merge --force"
same "$T/j1" "$T/merged" "merge --force differs"

# --- --set on the sweep, and --check lists the runs
kadsim -o "$T/set" --set sweep.kademlia.k=6 --set sweep.replicates=1 "$scenario" || fail "--set sweep"
[ "$(ls "$T/set/runs")" = "$(printf 'p0_k=6_alpha=1_r0\np1_k=6_alpha=3_r0')" ] \
    || fail "--set sweep.kademlia.k=6: $(ls "$T/set/runs")"
kadsim --check --shard 2/2 "$scenario" > "$T/check" || fail "--check"
grep -q '^\[sweep\]' "$T/check" && grep -q '^#   p0_k=4_alpha=1_r1  seed ' "$T/check" \
    && ! grep -q 'p0_k=4_alpha=1_r0' "$T/check" || fail "--check --shard 2/2: $(tail -6 "$T/check")"

# --- SIGTERM (a scheduler's time limit) stops a sweep: 143, the running runs PARTIAL, no more
long=$srcdir/tests/data/results-long.ini  # never ends by itself
KADSIM_GNUPLOT= "$KADSIM" -q -j 2 -o "$T/term" --set sweep.replicates=5 "$long" &
pid=$!
i=0
until ls "$T"/term/runs/*/ops.csv.tmp > /dev/null 2>&1 && [ $i -ge 5 ]; do
    i=$((i + 1))
    [ $i -le 300 ] || { kill -KILL $pid; fail "the sweep started no run in 30 s"; }
    sleep 0.1
done
kill -TERM $pid
status=0
wait $pid || status=$?
[ $status -eq 143 ] || fail "SIGTERM: exit status $status, expected 143"
[ -e "$T/term/PARTIAL" ] && [ ! -e "$T/term/sweep.csv" ] || fail "an interrupted sweep is not PARTIAL"
[ "$(ls "$T/term/runs" | wc -l)" -eq 2 ] || fail "runs after SIGTERM: $(ls "$T/term/runs")"
for r in "$T"/term/runs/*; do
    [ -e "$r/PARTIAL" ] && [ -s "$r/summary.csv" ] || fail "$r: not a partial run with its tables"
done

# --- plots (with gnuplot): rendered at the end of a merge, and by hand with other axes
if gnuplot=$(command -v gnuplot); then
    KADSIM_GNUPLOT=$gnuplot KADSIM_PLOTS_DIR=$srcdir/plots "$KADSIM" merge -q -o "$T/plots" \
        "$T/shard1" "$T/shard2" "$T/shard3" 2> "$T/err" || fail "merge with plots"
    [ ! -s "$T/err" ] || fail "plots complained: $(cat "$T/err")"
    for m in latency_ms_p50 hops_mean messages_per_lookup lookup_success_rate; do
        [ -s "$T/plots/sweep_$m.png" ] && [ -s "$T/plots/sweep_$m.svg" ] || fail "no sweep_$m plot"
    done
    "$gnuplot" -e "dir='$T/plots'; metric='hops_mean'; x='kademlia.k'; by='kademlia.alpha'; name='by_k'" \
        "$srcdir/plots/sweep.gp" 2> "$T/err" && [ ! -s "$T/err" ] && [ -s "$T/plots/by_k.png" ] \
        || fail "sweep.gp by hand: $(cat "$T/err")"
fi

echo "ok: -j 1 = -j 3 = 3 shards merged (1- and 0-based) = rerun from sweep.ini"
