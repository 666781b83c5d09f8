/* The heap at arity 2: the textbook binary heap. */
#define QUEUE_ARITY 2
#include "queue_heap_variant.h"

BENCH_HEAP_CLASS(bench_queue_heap2, "heap2",
                 "binary heap of inline events (queue_heap.h, arity 2)");
