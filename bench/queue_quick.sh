#!/bin/sh
# make check: the queue benchmark in --quick mode. It fails only when a design puts events out
# of order or loses one; timings are printed for the log and never compared to anything.
exec ./bench/bench_queue --quick
