#!/bin/sh
# The docs cannot drift: every fenced ```sh block of README.md and docs/*.md runs here, in a
# scratch folder per file (blocks of one file in order, so a block may use what an earlier one
# made), against this build. Convention (README.md, "Commands in the docs"): a block
# whose first or second line is a comment `# not run: REASON` is not run (root, Slurm, GNU
# parallel, the build itself). Reduced size: the scratch folder's scenarios/ are copies with
# at most DOC_NODES nodes (a swept list of sizes scaled down alike) and one replicate, so the
# commands run in seconds; their output is
# not checked, except where the docs quote a deterministic one (the demo), which must match.
# Skipped (77) without gnuplot: half the commands draw.
. "${srcdir:-.}/tests/test_run_lib.sh"
gnuplot=$(command -v gnuplot) || { echo "gnuplot not found: skipped"; exit 77; }
DOC_NODES=100
src=$(cd "$srcdir" && pwd)

# kadsim as the docs call it: kadsim (PATH), ./kadsim, build/kadsim.
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$KADSIM" > "$T/bin/kadsim"
chmod +x "$T/bin/kadsim"
export PATH="$T/bin:$PATH" KADSIM_PLOTS_DIR="$src/plots" KADSIM_GNUPLOT="$gnuplot"

# A scratch folder: scenarios reduced, plots and build-aux linked, kadsim three ways.
scratch() {
    mkdir -p "$1/scenarios" "$1/build"
    for f in "$src"/scenarios/*.ini; do
        awk -v max=$DOC_NODES '
            /^nodes *= *[0-9]+ *$/ { split($0, a, "="); if (a[2] + 0 > max) { print "nodes = " max; next } }
            /^replicates *= *[0-9]+ *$/ { print "replicates = 1"; next }
            /^simulation\.nodes *=/ {          # a swept size: the list scaled down to max
                sub(/^[^=]*= */, ""); n = split($0, v, / *, */); top = 0
                for (i = 1; i <= n; i++) if (v[i] + 0 > top) top = v[i] + 0
                f = top > max ? top / max : 1; line = ""
                for (i = 1; i <= n; i++) line = line (i > 1 ? ", " : "") int(v[i] / f)
                print "simulation.nodes = " line; next }
            { print }' "$f" > "$1/scenarios/$(basename "$f")"
    done
    ln -s "$src/plots" "$1/plots"
    ln -s "$T/bin/kadsim" "$1/kadsim"
    ln -s "$T/bin/kadsim" "$1/build/kadsim"
}

# The ```sh blocks of a file, one file each: $2/block.N (N from 1), marked ones left out.
blocks() {
    awk -v out="$2" '
        /^```sh *$/ { n++; inb = 1; line = 0; skip = 0; f = out "/block." n; printf "" > f; next }
        inb && /^```/ { inb = 0; close(f); if (skip) system("rm -f " f); next }
        inb { line++; if (line <= 2 && $0 ~ /^# not run:/) skip = 1; print >> f }' "$1"
}

# The quoted output after the block holding `cmd`: the next fence without a language.
quoted() {  # quoted FILE CMD
    awk -v cmd="$2" '
        /^```sh/ { insh = 1; next }
        insh && /^```/ { insh = 0; if (found) want = 1; next }
        insh && index($0, cmd) == 1 { found = 1 }
        want && /^```$/ { if (inq) exit; inq = 1; next }
        want && /^```/ { exit }
        inq { print }' "$1"
}

# Lines of the quote in order in the output; a line with "…" elides any output lines.
matches() {  # matches QUOTE OUTPUT
    awk 'NR == FNR { q[++nq] = $0; next } { o[++no] = $0 }
         END {
             j = 1; loose = 1
             for (i = 1; i <= nq; i++) {
                 d = q[i]; sub(/[ \t]+$/, "", d)
                 if (index(d, "…")) { loose = 1; continue }
                 while (j <= no) { x = o[j]; sub(/[ \t]+$/, "", x); j++; if (x == d) break
                                   if (!loose) { print "expected: " d; print "got:      " x; exit 1 } }
                 if (x != d) { print "not in the output: " d; exit 1 }
                 loose = 0
             }
         }' "$1" "$2"
}

ran=0
for doc in $(cd "$src" && echo README.md docs/*.md); do
    w=$T/$(echo "$doc" | tr '/.' '__')
    mkdir -p "$w.blocks"
    blocks "$src/$doc" "$w.blocks"
    [ -n "$(ls "$w.blocks")" ] || continue
    scratch "$w"
    n=1
    while [ -f "$w.blocks/block.$n" ] || [ $n -le 20 ]; do
        b=$w.blocks/block.$n
        n=$((n + 1))
        [ -f "$b" ] || continue
        [ -z "${DOC_TIMES-}" ] || echo "$doc $b: $(head -1 "$b")" >&2
        (cd "$w" && sh -e "$b") > "$T/out" 2>&1 || fail "$doc: this block failed:
$(cat "$b")
--- its output:
$(tail -20 "$T/out")"
        ran=$((ran + 1))
    done
done
[ $ran -ge 10 ] || fail "only $ran blocks ran: the extraction is broken"

# Quoted, deterministic output: the demo (64 nodes, seed 1), in README.md and the tutorial.
for doc in README.md docs/tutorial.md; do
    w=$T/quote_$(basename "$doc" .md)
    scratch "$w"
    (cd "$w" && kadsim demo hello world) > "$T/demo.out" 2>&1 || fail "kadsim demo hello world"
    quoted "$src/$doc" "kadsim demo hello world" > "$T/quote"
    [ -s "$T/quote" ] || fail "$doc: no quoted output after kadsim demo hello world"
    matches "$T/quote" "$T/demo.out" > "$T/diff" || fail "$doc: the quoted output of kadsim demo hello world differs:
$(cat "$T/diff")"
done
echo "ok: $ran blocks"
