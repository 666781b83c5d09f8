#!/bin/sh
# LOG_COMPILER of `make check-valgrind`: a test program runs under valgrind memcheck; a test
# script runs as it is, and the programs it starts through $KADSIM and $VALGRIND_RUN do.
# VALGRIND_RUN: the valgrind command line with its options and suppressions (set by the target).
set -eu
case $(head -c 4 "$1" | tail -c 3) in
ELF) exec $VALGRIND_RUN "$@" ;;
*) exec "$@" ;;
esac
