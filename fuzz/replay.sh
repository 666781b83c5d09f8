#!/bin/sh
# `make check`: replay the fuzz targets' seeds and regression inputs (tests/data/fuzz/) without
# libFuzzer, so that every input that once found a bug stays fixed, in every build.
set -eu
srcdir=${srcdir:-.}
${VALGRIND_RUN:-} ./fuzz/fuzz_scenario_replay "$srcdir"/scenarios/*.ini "$srcdir"/tests/data/*.ini \
    "$srcdir"/tests/data/fuzz/scenario/*
${VALGRIND_RUN:-} ./fuzz/fuzz_cmdline_replay "$srcdir"/tests/data/fuzz/cmdline/*
${VALGRIND_RUN:-} ./fuzz/fuzz_matrix_replay "$srcdir"/tests/data/king_small.txt \
    "$srcdir"/tests/data/fuzz/matrix/*
${VALGRIND_RUN:-} ./fuzz/fuzz_trace_replay "$srcdir"/tests/data/churn_trace.txt \
    "$srcdir"/tests/data/fuzz/trace/*
${VALGRIND_RUN:-} ./fuzz/fuzz_merge_replay "$srcdir"/tests/data/fuzz/merge/*
