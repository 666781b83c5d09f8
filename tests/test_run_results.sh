#!/bin/sh
# End-to-end tests of a run's results folder: ./kadsim on tests/data/results-small.ini.
# Meaningful with any protocol: checks are relations between the files, not fixed numbers.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$(cd "$srcdir/tests/data" && pwd)/results-small.ini
tables="ops.csv timeseries.csv hops.csv latency_cdf.csv summary.csv labels.gp"
kadsim() { KADSIM_GNUPLOT= "$KADSIM" -q "$@"; }

# --- every file is there, complete, with its header
kadsim -o "$T/a" "$scenario" || fail "run a"
for f in run.ini perf.csv $tables; do [ -s "$T/a/$f" ] || fail "missing $f"; done
[ ! -e "$T/a/PARTIAL" ] || fail "complete run left PARTIAL"
ls "$T/a" | grep -q '\.tmp$' && fail "temporary file left"
[ "$(head -1 "$T/a/ops.csv")" = "op,time_s,kind,origin,key,hops,latency_ms,messages,timeouts,success,correct" ] \
    || fail "ops.csv header"
[ "$(head -1 "$T/a/summary.csv")" = "metric,value,ci95_low,ci95_high" ] || fail "summary.csv header"
[ "$(head -1 "$T/a/hops.csv")" = "kind,hops,count,fraction" ] || fail "hops.csv header"
[ "$(head -1 "$T/a/latency_cdf.csv")" = "kind,latency_ms,cdf" ] || fail "latency_cdf.csv header"
head -1 "$T/a/timeseries.csv" | grep -q '^time_s,duration_s,nodes_alive,' || fail "timeseries header"
# 95 s in 10 s intervals: 10 rows, the last one 5 s long
[ "$(($(wc -l < "$T/a/timeseries.csv") - 1))" -eq 10 ] || fail "timeseries rows"
[ "$(tail -1 "$T/a/timeseries.csv" | cut -d, -f1,2)" = "90,5" ] || fail "last interval"
# every row has as many fields as the header
for f in ops.csv timeseries.csv hops.csv latency_cdf.csv summary.csv perf.csv; do
    awk -F, 'NR == 1 { n = NF } NF != n { exit 1 }' "$T/a/$f" || fail "ragged rows in $f"
done
for m in nodes lookups lookup_success_rate lookup_correct_rate hops_mean hops_p50 hops_p99 \
         latency_ms_mean latency_ms_p50 latency_ms_p90 latency_ms_p99 stores gets \
         get_success_rate messages_per_lookup bytes_per_node_per_s sim_time_s partial; do
    grep -q "^$m," "$T/a/summary.csv" || fail "summary.csv lacks $m"
done
for m in wall_s cpu_s events peak_rss_mb; do grep -q "^$m," "$T/a/perf.csv" || fail "perf.csv lacks $m"; done

# --- summary.csv agrees with ops.csv (window: operations started at or after the warm-up)
warmup=$(metric "$T/a/summary.csv" warmup_s)
awk -F, -v w="$warmup" 'NR > 1 && $3 == "lookup" && $2 >= w { n++; ok += $10 }
    END { printf "%d %.6f\n", n, n ? ok / n : -1 }' "$T/a/ops.csv" > "$T/expect"
lookups=$(metric "$T/a/summary.csv" lookups)
rate=$(metric "$T/a/summary.csv" lookup_success_rate)
[ "$lookups" -gt 0 ] || fail "no lookups in the window"
awk -v l="$lookups" -v r="$rate" '{ exit !($1 == l && (r - $2)^2 < 1e-12) }' "$T/expect" \
    || fail "summary ($lookups, $rate) differs from ops.csv ($(cat "$T/expect"))"
ops_rows=$(($(wc -l < "$T/a/ops.csv") - 1))
ts_lookups=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "lookups") c = i; next }
    { s += $c } END { print s }' "$T/a/timeseries.csv")
all_lookups=$(awk -F, 'NR > 1 && $3 == "lookup"' "$T/a/ops.csv" | wc -l)
[ "$ts_lookups" -eq "$all_lookups" ] || fail "timeseries lookups $ts_lookups != ops.csv $all_lookups"

# --- the same seed twice: the same bytes; another seed: other bytes
kadsim -o "$T/b" "$scenario" || fail "run b"
for f in run.ini $tables; do cmp -s "$T/a/$f" "$T/b/$f" || fail "$f differs between runs"; done
kadsim -o "$T/s" --seed 8 "$scenario" || fail "run with --seed"
cmp -s "$T/a/ops.csv" "$T/s/ops.csv" && fail "--seed changed nothing"
grep -q '^seed = 8$' "$T/s/run.ini" || fail "run.ini lacks the --seed value"

# --- run.ini reproduces the run, and itself
kadsim -o "$T/c" "$T/a/run.ini" || fail "rerun from run.ini"
for f in run.ini $tables; do cmp -s "$T/a/$f" "$T/c/$f" || fail "$f differs in the rerun"; done

# --- an existing folder: refused (exit 2, a clear message) unless --force
status=0
kadsim -o "$T/a" "$scenario" 2> "$T/err" || status=$?
[ $status -eq 2 ] || fail "exit status $status without --force (expected 2)"
grep -q -- "--force" "$T/err" || fail "message does not mention --force: $(cat "$T/err")"
kadsim -o "$T/a" --force "$scenario" || fail "--force"
cmp -s "$T/a/ops.csv" "$T/b/ops.csv" || fail "--force run differs"

# --- the default folder is results/<scenario name>
mkdir "$T/cwd" && (cd "$T/cwd" && kadsim "$scenario") || fail "run without -o"
[ -f "$T/cwd/results/results-small/summary.csv" ] || fail "default folder"

echo "ok: $ops_rows operations, $lookups lookups in the window"
