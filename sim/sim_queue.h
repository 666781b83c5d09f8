/* sim_queue — the pending-event set: a ladder queue of inline events in GArrays.
 *
 * Events are 32-byte values stored in arrays (no pointer per event, no malloc per event): a
 * 4-ary heap for the near future, unsorted buckets for the middle future and one unsorted array
 * for the far future (sim_queue.c says how they hand events on). The order is total and does
 * not depend on memory layout: by time, then by the 64-bit tie-breaker the engine assigns
 * (DESIGN.md decision 2). Cancellation is lazy and lives in the engine (sim.h): a cancelled
 * event stays queued and is skipped when it comes out. docs/queue.md holds the benchmark that
 * chose this design over plain 2-, 4- and 8-ary heaps, a calendar queue and GLib's GSequence. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sim_time.h"

typedef struct {
    SimTime  time;    /* when it fires */
    uint64_t tie;     /* tie-breaker among equal times: (origin << 32) | origin's sequence */
    uint32_t target;  /* entity it is for (a node number, usually) */
    uint16_t kind;    /* handler registered with the engine */
    uint16_t tag;     /* engine-owned: a message event's type; EVENT_CANCELLABLE on timers */
    uint64_t data;    /* handler's payload: a pool handle, a cookie */
} SimEvent;

G_STATIC_ASSERT(sizeof(SimEvent) == 32);

/* True when a comes strictly before b. */
static inline gboolean sim_event_before(const SimEvent *a, const SimEvent *b)
{
    return a->time < b->time || (a->time == b->time && a->tie < b->tie);
}

typedef struct SimQueue SimQueue;

/* A new, empty queue with room reserved for `reserve` events (it grows as needed). */
SimQueue *sim_queue_new(guint reserve);
void sim_queue_free(SimQueue *q);

/* Add a copy of *ev. O(1) amortised, O(log n) when ev falls in the near future. */
void sim_queue_push(SimQueue *q, const SimEvent *ev);

/* Remove the earliest event into *out; FALSE when empty. O(log n) in the near future's size,
 * plus O(1) amortised to refill it. */
gboolean sim_queue_pop(SimQueue *q, SimEvent *out);

/* The earliest event, or NULL when empty; valid until the next push or pop. */
const SimEvent *sim_queue_peek(const SimQueue *q);

/* The first up to `max` (at most 3) events in order, as far as they are cheap to know (they are
 * among the near future's first few): out[0] is the earliest. Returns how many were found;
 * they are valid until the next push or pop. For look-ahead: an event pushed in the meantime
 * may come before out[1] or out[2]. */
guint sim_queue_peek_ahead(const SimQueue *q, const SimEvent **out, guint max);

gsize sim_queue_size(const SimQueue *q);

/* Bytes the queue holds (for memory reports). */
gsize sim_queue_bytes(const SimQueue *q);
