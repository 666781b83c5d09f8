/* The simulator's own queue (sim/sim_queue.c: a one-rung ladder queue over a 4-ary heap),
 * called through the library exactly as the engine calls it. */
#include "queues.h"

static void *ladder_create(guint reserve)              { return sim_queue_new(reserve); }
static void ladder_destroy(void *q)                    { sim_queue_free(q); }
static void ladder_push(void *q, const SimEvent *ev)   { sim_queue_push(q, ev); }
static gboolean ladder_pop(void *q, SimEvent *out)     { return sim_queue_pop(q, out); }
static gsize ladder_size(const void *q)                { return sim_queue_size(q); }

const BenchQueueClass bench_queue_ladder = {
    "ladder", "sim_queue.c: heap of the near future + one rung of buckets + unsorted top",
    ladder_create, ladder_destroy, ladder_push, ladder_pop, ladder_size,
};
