#!/bin/sh
# End-to-end: a full disk (a small tmpfs) while a run draws its plots, while kadsim merge copies
# runs, and under the demo. Every time: exit status 1 (a run-time failure, not a usage error),
# no file under its final name that is truncated, the folder marked PARTIAL.
# Needs to mount a tmpfs (root); skipped (77) where it cannot.
. "${srcdir:-.}/tests/test_run_lib.sh"
gnuplot=$(command -v gnuplot) || { echo "gnuplot not found: skipped"; exit 77; }
mnt="$T/full"
mkdir "$mnt"
mounted=""
# full SIZE: a fresh tmpfs of SIZE at $mnt
full() {
    [ -n "$mounted" ] && umount "$mnt"
    mount -t tmpfs -o size="$1" tmpfs "$mnt" 2> /dev/null || { echo "cannot mount a tmpfs: skipped"; exit 77; }
    mounted=1
}
trap '[ -n "$mounted" ] && umount "$mnt"; rm -rf "$T"' EXIT
export KADSIM_GNUPLOT="$gnuplot" KADSIM_PLOTS_DIR="$srcdir/plots"

# no_truncated DIR: every image under its final name is complete, no .tmp is left
no_truncated() {
    for f in "$1"/*.png; do
        [ -e "$f" ] || continue
        tail -c 12 "$f" | grep -aq IEND || fail "truncated image $f"
    done
    for f in "$1"/*.svg; do
        [ -e "$f" ] || continue
        tail -c 16 "$f" | grep -q '</svg>' || fail "truncated image $f"
    done
    ls "$1" | grep -q '\.tmp$' && fail "temporary files left in $1: $(ls "$1")"
    return 0
}

# A run whose tables fit and whose plots do not.
full 200k
status=0
"$KADSIM" -q -o "$mnt/run" "$srcdir/tests/data/results-small.ini" 2> "$T/err" || status=$?
[ $status -eq 1 ] || fail "run on a full disk exited $status: $(cat "$T/err")"
[ -f "$mnt/run/PARTIAL" ] || fail "the run's folder is not PARTIAL"
[ -s "$mnt/run/summary.csv" ] || fail "the tables did not fit after all (the test is off)"
no_truncated "$mnt/run"

# The demo, whose diagram does not fit.
full 48k
status=0
"$KADSIM" demo -q -o "$mnt/demo" hello world > /dev/null 2> "$T/err" || status=$?
[ $status -eq 1 ] || fail "demo on a full disk exited $status: $(cat "$T/err")"
[ -f "$mnt/demo/PARTIAL" ] || fail "the demo's folder is not PARTIAL"
no_truncated "$mnt/demo"

# kadsim merge of two shards into a disk too small for all the runs.
for i in 1 2; do
    "$KADSIM" -q --no-plots -j 1 --shard $i/2 -o "$T/shard$i" "$srcdir/tests/data/sweep-tiny.ini" \
        || fail "shard $i"
done
full 120k
status=0
"$KADSIM" merge -q --no-plots -o "$mnt/merged" "$T/shard1" "$T/shard2" 2> "$T/err" || status=$?
[ $status -eq 1 ] || fail "merge on a full disk exited $status: $(cat "$T/err")"
[ -f "$mnt/merged/PARTIAL" ] || fail "the merged sweep is not PARTIAL"
for run in "$mnt/merged"/runs/*; do
    [ -d "$run" ] || continue
    [ -f "$run/PARTIAL" ] && continue
    # a run folder without PARTIAL must be whole: the same bytes as in its shard
    name=$(basename "$run")
    src=$(ls -d "$T"/shard*/runs/"$name")
    diff -r "$src" "$run" > /dev/null || fail "merged run $name is incomplete without PARTIAL"
done
ls -R "$mnt/merged" | grep -q '\.tmp$' && fail "temporary files left in the merged sweep"
echo "ok"
