#!/bin/sh
# Extreme but legal inputs, end to end through ./kadsim: each one gives a clear result (exit 0,
# complete results) or a clear error (exit 2, a message naming the file, and the section and key
# when one is to blame), never a crash or a hang. The table is in docs/hardening.md.
. "${srcdir:-.}/tests/test_run_lib.sh"
# A hang fails the test instead of stalling the suite (slow builds: valgrind, sanitizers).
LIMIT=${KADSIM_TEST_TIMEOUT:-600}

# A command that runs kadsim as another user (for the file without read permission), or none.
as_user=""

# expect STATUS NAME PATTERN ARGS...: run kadsim ARGS; the exit status must be STATUS and, when
# PATTERN is not empty, its stderr must contain PATTERN (a fixed string).
expect() {
    want=$1 name=$2 pattern=$3
    shift 3
    status=0
    timeout "$LIMIT" $as_user "$KADSIM" -q --no-plots "$@" > "$T/$name.out" 2> "$T/$name.err" \
        || status=$?
    [ "$status" -eq "$want" ] || fail "$name: exit $status, expected $want: $(cat "$T/$name.err")"
    [ -z "$pattern" ] || grep -qF -- "$pattern" "$T/$name.err" \
        || fail "$name: the message does not say '$pattern': $(cat "$T/$name.err")"
    echo "ok: $name (exit $status)"
}

# run NAME: run $T/NAME.ini into $T/NAME/, which must then hold complete results.
run() {
    expect 0 "$1" "" -o "$T/$1" "$T/$1.ini"
    [ -s "$T/$1/summary.csv" ] && [ ! -e "$T/$1/PARTIAL" ] || fail "$1: results incomplete"
}
m() { metric "$T/$1/summary.csv" "$2"; }

# A small network with every kind of operation; a case appends its own [sections].
base() {
    printf '[simulation]\nnodes = %s\nduration = %s\n' "$2" "${3:-3min}" > "$T/$1.ini"
    printf '[workload]\nlookup_rate = 0.5\nstore_rate = 0.1\nget_rate = 0.2\nkeys = 100\n' \
        >> "$T/$1.ini"
}

# --- sizes: 1 node (every lookup is trivially its own answer), 2 nodes
base one 1
run one
[ "$(m one lookups)" -gt 0 ] || fail "one: no lookups"
base two 2
run two
[ "$(m two lookups)" -gt 0 ] || fail "two: no lookups"

# --- protocol corners: k = 1; alpha larger than k
base k1 30
printf '[kademlia]\nk = 1\n' >> "$T/k1.ini"
run k1
base alpha 30
printf '[kademlia]\nk = 2\nalpha = 10\n' >> "$T/alpha.ini"
run alpha

# --- 100% loss: every message is lost, the run still completes
base loss 30
printf '[network]\nloss = bernoulli\nloss_rate = 1\n' >> "$T/loss.ini"
run loss
[ "$(m loss messages)" -gt 0 ] && [ "$(m loss messages)" = "$(m loss messages_lost)" ] \
    || fail "loss: $(m loss messages) messages, $(m loss messages_lost) lost"

# --- every host churned out: 1 s sessions, 100-day downtimes; at the end no host is up
base churn 30 10min
printf '[churn]\nmodel = sessions\nfirst_session = fresh\nsession = exponential\n' >> "$T/churn.ini"
printf 'session_mean = 1s\ndowntime = exponential\ndowntime_mean = 100d\n' >> "$T/churn.ini"
run churn
[ "$(m churn nodes_alive_end)" = 0 ] || fail "churn: $(m churn nodes_alive_end) hosts up at the end"

# --- duration 0: nothing simulated, an empty but complete results folder
base zero 20 0
run zero
[ "$(m zero sim_time_s)" = 0 ] || fail "zero: sim_time_s $(m zero sim_time_s)"

# --- a key set much larger than the network (the largest allowed)
base keys 20
sed -i 's/^keys = 100$/keys = 4294967295/' "$T/keys.ini"
run keys
[ "$(m keys stores)" -gt 0 ] || fail "keys: no stores"

# --- warm-up = duration: nothing would be measured; an error naming the key
printf '[simulation]\nnodes = 20\nduration = 10min\nwarmup = 10min\n' > "$T/warmup.ini"
expect 2 warmup "warmup.ini: [simulation] warmup:" -o "$T/warmup" "$T/warmup.ini"
[ ! -e "$T/warmup" ] || fail "warmup: a results folder was made"

# --- an empty file: every default (1,000 hosts, one hour); --check lists them
: > "$T/empty.ini"
expect 0 empty-check "" --check "$T/empty.ini"
grep -q '^nodes = 1000$' "$T/empty-check.out" || fail "empty: defaults not listed"
run empty
[ "$(m empty nodes)" = 1000 ] || fail "empty: $(m empty nodes) nodes"

# --- a byte-order mark, CRLF line ends, both: read as the same scenario
base plain 20
printf '\357\273\277' > "$T/bom.ini" && cat "$T/plain.ini" >> "$T/bom.ini"
sed 's/$/\r/' "$T/plain.ini" > "$T/crlf.ini"
printf '\357\273\277' > "$T/bomcrlf.ini" && cat "$T/crlf.ini" >> "$T/bomcrlf.ini"
expect 0 plain-check "" --check "$T/plain.ini"
for v in bom crlf bomcrlf; do
    expect 0 "$v-check" "" --check "$T/$v.ini"
    sed "s/^title = $v$/title = plain/" "$T/$v-check.out" | cmp -s - "$T/plain-check.out" \
        || fail "$v: read differently from the same file with LF line ends"
done
run bomcrlf

# --- more hosts than memory can hold: an error before anything is allocated. The largest
# value allowed needs 51 GB at 512 bytes a host; on a larger machine an address-space limit
# stands in (not under AddressSanitizer or valgrind, which reserve far more address space).
printf '[simulation]\nnodes = 100000000\nduration = 1min\n' > "$T/huge.ini"
mem_kb=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo 2>/dev/null)
if [ "${mem_kb:-0}" -gt 0 ] && [ "$mem_kb" -lt 45000000 ]; then
    expect 2 huge "huge.ini: [simulation] nodes:" -o "$T/huge" "$T/huge.ini"
elif ! ldd "$KADSIM" 2>/dev/null | grep -q libasan && [ -z "${KADSIM_UNDER_VALGRIND:-}" ]; then
    ( ulimit -v 8000000 && expect 2 huge "huge.ini: [simulation] nodes:" -o "$T/huge" "$T/huge.ini" ) \
        || exit 1
else
    echo "skip: huge (this machine has the memory, and the build cannot run under ulimit -v)"
fi

# --- files that cannot be read: a folder, a missing file, a file without read permission
mkdir "$T/folder.ini"
expect 2 folder "folder.ini: cannot read the scenario" "$T/folder.ini"
expect 2 missing "missing.ini: cannot read the scenario" "$T/missing.ini"
cp "$T/plain.ini" "$T/locked.ini" && chmod 000 "$T/locked.ini"
if [ "$(id -u)" -eq 0 ]; then  # root reads every file: run kadsim as nobody
    as_user="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    $as_user true 2> /dev/null || as_user=""
fi
if [ "$(id -u)" -ne 0 ] || [ -n "$as_user" ]; then
    expect 2 locked "locked.ini: cannot read the scenario" "$T/locked.ini"
else
    echo "skip: locked (running as root, and setpriv cannot switch to nobody)"
fi

# --- second pass (issue 18): inputs that ran the wrong experiment or aborted
as_user=""
# Old Mac line ends (CR alone) read as lines, as the same file with LF ends (was: one comment
# line, every default); a CR alone among LF ends is refused with its line.
{ echo '# old Mac line ends'; cat "$T/plain.ini"; } | tr '\n' '\r' > "$T/cr.ini"
expect 0 cr-check "" --check "$T/cr.ini"
sed "s/^title = cr$/title = plain/" "$T/cr-check.out" | cmp -s - "$T/plain-check.out" \
    || fail "cr: read differently from the same file with LF line ends"
printf '[simulation]\nnodes = 20\n# note\rnodes = 30\n' > "$T/stray-cr.ini"
expect 2 stray-cr "stray-cr.ini: cannot read the scenario: line 3 holds a carriage return" \
    --check "$T/stray-cr.ini"
# A key given twice (the first invalid): refused with both lines, also across the two parts
# of a section written twice (the parts themselves merge, as concatenated files need).
printf '[simulation]\nnodes = abc\nduration = 1min\nnodes = 50\n' > "$T/twice.ini"
expect 2 twice "twice.ini: [simulation] nodes: given twice, on lines 2 and 4" --check "$T/twice.ini"
printf '[simulation]\nnodes = 20\n[network]\njitter = 0\n[simulation]\nnodes = 30\n' \
    > "$T/twice-split.ini"
expect 2 twice-split "twice-split.ini: [simulation] nodes: given twice, on lines 2 and 6" \
    --check "$T/twice-split.ini"
# Lognormal delays with sigma 5 and a 1 h median (legal): some draws pass the last
# representable time. Such a message never arrives and stays in flight (was: signed overflow,
# then an engine or results assertion, exit 134), with per-pair and per-message draws.
for draw in pair message; do
    base "heavy-$draw" 30
    printf '[network]\nlatency = lognormal\nlatency_sigma = 5\nlatency_median = 1h\n' \
        >> "$T/heavy-$draw.ini"
    printf 'latency_draw = %s\n' "$draw" >> "$T/heavy-$draw.ini"
    run "heavy-$draw"
    [ "$(m "heavy-$draw" lookups)" -gt 0 ] || fail "heavy-$draw: no lookups"
done
# A latency matrix with an absurd RTT, or a NUL byte after valid data: refused with the line.
printf '0 10 20\n10 0 1e30\n20 30 0\n' > "$T/rtt.txt"
printf '[simulation]\nnodes = 10\nduration = 1min\n' > "$T/rtt.ini"
printf '[network]\nlatency = matrix\nlatency_matrix = rtt.txt\n' >> "$T/rtt.ini"
expect 2 rtt "rtt.ini: [network] latency_matrix: $T/rtt.txt:2: value 3, 1e+30, is out of range" \
    -o "$T/rtt" "$T/rtt.ini"
printf '0 10\n10 0\n\000junk\n' > "$T/nul.txt"
sed 's/rtt.txt/nul.txt/' "$T/rtt.ini" > "$T/nul-matrix.ini"
expect 2 nul-matrix "nul.txt: cannot read the latency matrix: line 3 holds a NUL byte" \
    -o "$T/nul-matrix" "$T/nul-matrix.ini"
# An operation rate in range but beyond memory (1e11 operations in flight): refused before
# anything is allocated or written (was: an abort in an allocation, .tmp files left).
printf '[simulation]\nnodes = 30\nduration = 3min\n' > "$T/rate.ini"
printf '[workload]\nrate_unit = network\nlookup_rate = 1e12\n' >> "$T/rate.ini"
expect 2 rate "rate.ini: [workload] lookup_rate: 1e+12 operations per second keep about 1e+11" \
    -o "$T/rate" "$T/rate.ini"
[ ! -e "$T/rate" ] || fail "rate: a results folder was made"
