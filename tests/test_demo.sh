#!/bin/sh
# End-to-end: kadsim demo KEY VALUE. The value comes back, iterative and recursive, for several
# seeds and sizes; any bytes round-trip; total loss is a clean failure (exit 1, a reason);
# trace.csv holds exactly the get's messages (as many as ops.csv says), each reply after its
# request and the other way; the diagram is drawn (when gnuplot is there).
. "${srcdir:-.}/tests/test_run_lib.sh"
export KADSIM_PLOTS_DIR=$srcdir/plots
demo() { KADSIM_GNUPLOT= "$KADSIM" demo "$@"; }

# --- the walk-through itself
demo -o "$T/hello" hello world > "$T/out" 2> "$T/err" || fail "demo hello world: $(cat "$T/err")"
grep -q '"world"' "$T/out" || fail "the value is not printed"
grep -q 'aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d' "$T/out" || fail "the key's SHA-1 is not shown"
[ "$(head -1 "$T/hello/trace.csv")" = "time_ms,op,from,to,type,hop,bits_to_target,fate" ] \
    || fail "trace.csv header"
[ -s "$T/hello/sequence.md" ] && grep -q '^sequenceDiagram' "$T/hello/sequence.md" \
    || fail "no Mermaid sequence.md"
[ ! -e "$T/hello/PARTIAL" ] || fail "PARTIAL left"

# --- the value comes back: both routings, several seeds and sizes (-q prints it alone)
for mode in "" --recursive; do
    for seed in 1 2 3; do
        for nodes in 16 64 300; do
            got=$(demo -q --no-plots $mode --seed $seed --nodes $nodes -f -o "$T/r" k$seed v$nodes) \
                || fail "demo $mode --seed $seed --nodes $nodes failed"
            [ "$got" = "v$nodes" ] || fail "demo $mode --seed $seed --nodes $nodes: got '$got'"
        done
    done
done

# --- any bytes: spaces, UTF-8, quotes
key='the key: « héllo wörld » "quoted"'
value='ünïcode value ✓ with  two  spaces'
got=$(demo -q --no-plots -o "$T/utf" "$key" "$value") || fail "UTF-8 demo failed"
[ "$got" = "$value" ] || fail "UTF-8 value changed: '$got'"
demo -f --no-plots -o "$T/utf" "$key" "$value" > "$T/out" || fail "UTF-8 demo (verbose)"
grep -qF '"ünïcode value ✓ with  two  spaces"' "$T/out" || fail "UTF-8 value not printed as is"
want=$(printf '%s' "$key" | sha1sum | cut -c1-40)
grep -q "$want" "$T/out" || fail "the key's SHA-1 is not $want"

# --- total loss: exit status 1, a reason, no crash
status=0
demo -q --no-plots --set network.loss=bernoulli --set network.loss_rate=1 -o "$T/loss" a b \
    > "$T/out" 2> "$T/err" || status=$?
[ "$status" -eq 1 ] || fail "100% loss: exit status $status, expected 1 ($(cat "$T/err"))"
grep -q 'did not come back' "$T/err" || fail "100% loss: no reason given: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "100% loss printed a value"

# --- trace.csv: the get's messages, as many as ops.csv counts; replies follow requests
for d in "$T/hello" "$T/loss"; do
    op=$(awk -F, 'NR > 1 { print $2 }' "$d/trace.csv" | sort -u)
    [ "$(echo "$op" | wc -l)" -eq 1 ] || fail "$d: trace.csv holds more than one operation"
    kind=$(awk -F, -v op="$op" '$1 == op { print $3 }' "$d/ops.csv")
    [ "$kind" = get ] || fail "$d: the traced operation $op is a '$kind', not the get"
    want=$(awk -F, -v op="$op" '$1 == op { print $8 }' "$d/ops.csv")
    # its requests, and the replies that reached it in time (delivered, not timed-out)
    rows=$(awk -F, 'NR > 1 && ($5 !~ /_REPLY$/ || $8 == "delivered")' "$d/trace.csv" | wc -l)
    [ "$rows" -eq "$want" ] || fail "$d: $rows messages traced, ops.csv says $want"
done
for mode in "" --recursive; do
    demo --no-plots $mode --set network.loss=bernoulli --set network.loss_rate=0.2 --seed 8 \
        --nodes 300 -o "$T/lossy" hello world > /dev/null 2>&1 || true
    sort -t, -k1,1g "$T/lossy/trace.csv" | awk -F, -v mode="$mode" '
        $1 == "time_ms" { next }
        $5 !~ /_REPLY$/ { sent[$3 " " $4 " " $5]++; asked[$4]++; next }
        {   req = $5; sub(/_REPLY$/, "", req)
            # iterative: the answer to a request the other way; recursive: to the origin,
            # from a node that was asked
            if (mode == "" && !sent[$4 " " $3 " " req]--) { print "unmatched reply: " $0; bad = 1 }
            if (mode != "" && !asked[$3]) { print "reply from a node never asked: " $0; bad = 1 }
        }
        END { exit bad }' || fail "a reply without its request ($mode)"
done

# --- the diagram: drawn without a gnuplot complaint (skipped without gnuplot)
if gnuplot=$(command -v gnuplot); then
    KADSIM_GNUPLOT=$gnuplot "$KADSIM" demo -o "$T/plot" hello world > /dev/null 2> "$T/err" \
        || fail "demo with plots: $(cat "$T/err")"
    [ ! -s "$T/err" ] || fail "the diagram complained: $(cat "$T/err")"
    for f in sequence.png sequence.svg sequence.md; do
        [ -s "$T/plot/$f" ] || fail "no $f"
    done
    ls "$T/plot" | grep -q '\.tmp$' && fail "temporary file left"
fi
echo ok
