/* queues — the pending-event set designs that bench/queue_bench.c (the bench_queue program) compares, behind one table of
 * functions so the hold loop is the same code for all of them.
 *
 * Every design orders events exactly as sim_queue does (sim_event_before: time, then tie) and
 * assumes what a discrete-event engine guarantees: nothing is pushed earlier than the last
 * event popped. Only sim/sim_queue.c is used by the simulator; the others live here so the
 * choice in docs/queue.md can be re-measured. */
#pragma once

#include <glib.h>

#include "sim_queue.h"

typedef struct {
    const char *name;
    const char *about;                       /* one line for the table's legend */
    void     *(*create)(guint reserve);
    void      (*destroy)(void *q);
    void      (*push)(void *q, const SimEvent *ev);
    gboolean  (*pop)(void *q, SimEvent *out);
    gsize     (*size)(const void *q);
} BenchQueueClass;

/* The simulator's queue, sim/sim_queue.c (a one-rung ladder queue): queue_ladder.c. */
extern const BenchQueueClass bench_queue_ladder;
/* A plain d-ary heap of inline events at arity 2, 4 and 8 (sim/queue_heap.h): queue_heap*.c. */
extern const BenchQueueClass bench_queue_heap2;
extern const BenchQueueClass bench_queue_heap4;
extern const BenchQueueClass bench_queue_heap8;
/* Brown's calendar queue (1988): queue_calendar.c. */
extern const BenchQueueClass bench_queue_calendar;
/* GLib's GSequence as a sorted set of allocated events: queue_gsequence.c. */
extern const BenchQueueClass bench_queue_gsequence;
