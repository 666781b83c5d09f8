#!/bin/sh
# Run each libFuzzer target given (fuzz/fuzz_<name>) for $FUZZ_SECONDS, from the build folder.
# Corpus: fuzz/corpus/<name>/, seeded from the scenarios, the test scenarios and
# tests/data/fuzz/<name>/ (the regression inputs); it grows across runs. An input that crashes
# is written to fuzz/artifacts/; the script then fails and says how to replay it.
set -u
srcdir=${srcdir:-.}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_FLAGS=${FUZZ_FLAGS:-}
# g_error() and G_BREAKPOINT stop with SIGTRAP, which libFuzzer does not catch by itself: let
# AddressSanitizer catch it, so that the input is saved like any other crash.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_sigtrap=1
export ASAN_OPTIONS
status=0
mkdir -p fuzz/artifacts
for target in "$@"; do
    name=${target#fuzz/fuzz_}
    corpus=fuzz/corpus/$name
    mkdir -p "$corpus"
    case $name in
    scenario) seeds="$srcdir/scenarios/*.ini $srcdir/tests/data/*.ini"; max_len=8192 ;;
    matrix) seeds="$srcdir/tests/data/king_small.txt"; max_len=8192 ;;
    trace) seeds="$srcdir/tests/data/churn_trace.txt"; max_len=4096 ;;
    merge) seeds=""; max_len=8192 ;;
    *) seeds=""; max_len=1024 ;;
    esac
    for f in $seeds "$srcdir"/tests/data/fuzz/"$name"/*; do
        [ -f "$f" ] && cp -n "$f" "$corpus/" 2>/dev/null
    done
    echo "fuzz: $name for ${FUZZ_SECONDS}s (corpus $corpus: $(ls "$corpus" | wc -l) inputs)"
    # -close_fd_mask=2: the program's error messages are noise here (libFuzzer and the
    # sanitizers still report on a stderr of their own); fuzz_cmdline keeps stdout for itself.
    # shellcheck disable=SC2086
    "$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -max_len=$max_len \
        -close_fd_mask=2 -print_final_stats=1 -dict="$srcdir/fuzz/$name.dict" \
        -artifact_prefix="fuzz/artifacts/$name-" $FUZZ_FLAGS "$corpus" \
        > "fuzz/$name.log" 2>&1
    rc=$?
    grep -aE '^(#[0-9]+ *DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "fuzz/$name.log" \
        | sed 's/^/  /'
    grep -aEo 'cov: [0-9]+ ft: [0-9]+' "fuzz/$name.log" | tail -n 1 | sed 's/^/  final /'
    if [ $rc -ne 0 ]; then
        status=1
        echo "fuzz: $name FAILED (exit $rc); log: fuzz/$name.log"
        grep -aE 'ERROR|SUMMARY|Test unit written' "fuzz/$name.log" | head -n 5 | sed 's/^/  /'
        echo "  replay: $target ARTIFACT; once fixed, add it to tests/data/fuzz/$name/"
    fi
done
exit $status
