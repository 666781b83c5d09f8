#!/bin/sh
# End-to-end: the program's exit statuses come from what went wrong, not from the words of a
# message; values it once ignored are refused; drawing that fails leaves no truncated image
# under its final name and says so; a folder left with PARTIAL.tmp is taken back by --force.
. "${srcdir:-.}/tests/test_run_lib.sh"
scenario=$srcdir/tests/data/results-small.ini

# expect STATUS COMMAND...: run it, and fail unless it exits with STATUS.
expect() {
    want=$1
    shift
    status=0
    "$@" > "$T/out" 2> "$T/err" || status=$?
    [ $status -eq "$want" ] || fail "$* exited $status, expected $want: $(cat "$T/err")"
}

# usage: an existing folder without --force, and a file where a folder should be
"$KADSIM" -q --no-plots -o "$T/a" "$scenario" || fail "first run"
expect 2 "$KADSIM" -q --no-plots -o "$T/a" "$scenario"
grep -q -- --force "$T/err" || fail "the refusal does not say --force"
: > "$T/file"
expect 2 "$KADSIM" -q --no-plots -o "$T/file" "$scenario"
expect 2 "$KADSIM" merge -o "$T/file" "$T/a"
expect 2 "$KADSIM" merge -o "" "$T/a"
grep -q 'give the folder' "$T/err" || fail "merge -o '': $(cat "$T/err")"
# values that were once ignored without a word
expect 2 "$KADSIM" -q --no-plots --seed -1 -o "$T/s" "$scenario"
grep -q 'seed' "$T/err" || fail "--seed -1: $(cat "$T/err")"
expect 2 "$KADSIM" -q --no-plots -j -1 -o "$T/j" "$scenario"
expect 2 "$KADSIM" -q --no-plots --set simulation.protocol=nosuch -o "$T/p" "$scenario"
grep -q 'protocol' "$T/err" || fail "unknown protocol: $(cat "$T/err")"
expect 2 "$KADSIM" -q --no-plots --set output.interval=1ms --set simulation.duration=36500d \
    -o "$T/rows" "$scenario"
grep -q 'rows of timeseries.csv' "$T/err" || fail "interval: $(cat "$T/err")"
[ ! -e "$T/rows" ] || fail "a refused run made its folder"
# a key of a protocol that is not chosen is refused, naming section and key; --check lists only
# the chosen protocol's section
expect 2 "$KADSIM" -q --no-plots --set chord.successors=4 -o "$T/cross" "$scenario"
grep -q -- '--set chord.successors=4: applies only when' "$T/err" || fail "cross-protocol key: $(cat "$T/err")"
"$KADSIM" --check "$scenario" > "$T/listing" || fail "--check"
grep -q '^\[kademlia\]' "$T/listing" || fail "--check does not list [kademlia]"
grep -q '^\[chord\]' "$T/listing" && fail "--check lists [chord] for a Kademlia scenario"
"$KADSIM" --check --set simulation.protocol=chord "$scenario" > "$T/listing" || fail "--check chord"
grep -q '^\[kademlia\]' "$T/listing" && fail "--check lists [kademlia] for a Chord scenario"
# a profile's values are resolved before the listing (and run.ini) is written; in a sweep over
# profiles each point has its own profile's values, not the base scenario's
"$KADSIM" --check --set kademlia.profile=mainline "$scenario" > "$T/listing" || fail "profile"
grep -q '^refresh = 15min' "$T/listing" || fail "--check does not show the profile's refresh"
cat > "$T/profiles.ini" << 'INI'
[simulation]
nodes = 20
duration = 30s
[kademlia]
profile = mainline
[sweep]
kademlia.profile = mainline, ipfs
INI
"$KADSIM" -q --no-plots -j 1 -o "$T/profiles" "$T/profiles.ini" || fail "sweep over profiles"
grep -q '^stale_limit = 2' "$T"/profiles/runs/p0_*/run.ini || fail "mainline point: stale_limit"
grep -q '^stale_limit = 5' "$T"/profiles/runs/p1_*/run.ini || fail "ipfs point kept mainline's stale_limit"
grep -q '^alpha = 10' "$T"/profiles/runs/p1_*/run.ini || fail "ipfs point: alpha"
# the deployed-network scenarios (docs/validation.md, section 7) run, small: their profile is in
# effect and all their gets find the value (a second of CPU for both)
for p in ipfs mainline; do
    "$KADSIM" -q --no-plots -o "$T/$p-measured" --set simulation.nodes=300 \
        "$srcdir/scenarios/$p-measured.ini" || fail "$p-measured.ini"
    grep -q "^profile = $p\$" "$T/$p-measured/run.ini" || fail "$p-measured.ini: profile"
    [ "$(metric "$T/$p-measured/summary.csv" get_success_rate)" = 1 ] \
        || fail "$p-measured.ini: gets $(metric "$T/$p-measured/summary.csv" get_success_rate)"
done
# SECTION.KEY= resets a key to its default: the only way to take out a key that keeps another
# model from being chosen (lossy.ini's header)
lossy=$srcdir/scenarios/lossy.ini
expect 2 "$KADSIM" --check --set network.loss=bernoulli --set network.loss_rate=0.05 "$lossy"
"$KADSIM" --check --set network.loss_p= --set network.loss_r= --set network.loss_bad= \
    --set network.loss_good= --set network.loss=bernoulli --set network.loss_rate=0.05 "$lossy" \
    > "$T/listing" || fail "resetting the channel's keys: $(cat "$T/listing")"
grep -q '^loss = bernoulli' "$T/listing" && ! grep -q '^loss_p' "$T/listing" \
    || fail "the reset keys are still listed"
# run-time: an unwritable place (as root, a path under a file cannot be made either)
expect 1 "$KADSIM" -q --no-plots -o "$T/file/sub" "$scenario"

# A gnuplot that writes truncated images and says nothing (as on a full disk).
cat > "$T/gnuplot" << 'FAKE'
#!/bin/sh
dir=$(printf '%s' "$2" | sed "s/^dir='\([^']*\)'.*/\1/")
name=$(basename "$3" .gp)
printf 'x' > "$dir/$name.png.tmp"
printf '<svg' > "$dir/$name.svg.tmp"
FAKE
chmod +x "$T/gnuplot"
expect 1 env KADSIM_GNUPLOT="$T/gnuplot" KADSIM_PLOTS_DIR="$srcdir/plots" \
    "$KADSIM" -q -o "$T/full" "$scenario"
grep -q 'incomplete' "$T/err" || fail "no word of the incomplete image: $(cat "$T/err")"
ls "$T/full" | grep -q '\.png$\|\.svg$' && fail "truncated images under final names: $(ls "$T/full")"
ls "$T/full" | grep -q '\.tmp$' && fail "temporary images left: $(ls "$T/full")"
[ -f "$T/full/PARTIAL" ] || fail "the folder with missing plots is not marked PARTIAL"
[ -f "$T/full/summary.csv" ] || fail "the tables are gone"

# A run stopped before it wrote anything leaves PARTIAL.tmp at most: --force takes it back.
mkdir "$T/early"
echo "interrupted" > "$T/early/PARTIAL.tmp"
"$KADSIM" -q --no-plots --force -o "$T/early" "$scenario" || fail "--force on PARTIAL.tmp"
[ ! -e "$T/early/PARTIAL.tmp" ] && [ ! -e "$T/early/PARTIAL" ] || fail "leftovers: $(ls "$T/early")"
echo "ok"
