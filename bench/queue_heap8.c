/* The heap at arity 8: shallower, but a node's children span four cache lines. */
#define QUEUE_ARITY 8
#include "queue_heap_variant.h"

BENCH_HEAP_CLASS(bench_queue_heap8, "heap8",
                 "8-ary heap of inline events (queue_heap.h, arity 8)");
