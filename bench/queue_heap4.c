/* The 4-ary heap of inline events alone: the simulator's queue before the ladder. */
#define QUEUE_ARITY 4
#include "queue_heap_variant.h"

BENCH_HEAP_CLASS(bench_queue_heap4, "heap4",
                 "4-ary heap of inline events (the ladder's bottom, alone)");
