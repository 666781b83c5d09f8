/* queue_heap — a d-ary min-heap of inline SimEvents over caller-owned storage, as static inline
 * functions. Internal to the event queue: sim_queue.c uses it for the events of the near future
 * (the bottom of its ladder), and bench/queue_heap*.c build whole-queue heaps from it at other
 * arities to compare against. Define QUEUE_ARITY before including to change the arity. */
#pragma once

#include "sim_queue.h"

/* Children per node. 4 puts a node's children in two cache lines (4 x 32 bytes) and halves the
 * depth of a binary heap; docs/queue.md has the measurements (2 and 8 were slower). */
#ifndef QUEUE_ARITY
#define QUEUE_ARITY 4
#endif

/* The (time, tie) order as one unsigned 128-bit number: flipping the sign bit of the time maps
 * signed order onto unsigned order. Comparing two keys is branch-free (cmp + sbb), which matters
 * because which child is smallest is a coin toss the branch predictor cannot learn: this and
 * the conditional moves below took a hold at 1k pending from 94 to 57 ns. */
typedef unsigned __int128 QueueKey;

static inline QueueKey queue_key(const SimEvent *ev)
{
    uint64_t t = (uint64_t) ev->time ^ ((uint64_t) 1 << 63);
    return ((QueueKey) t << 64) | ev->tie;
}

/* Add ev to the heap h[0 .. *n - 1], which has room for one more. */
static inline void queue_heap_push(SimEvent *h, gsize *n, const SimEvent *ev)
{
    QueueKey key = queue_key(ev);
    gsize i = (*n)++;
    /* Sift up: move parents down into the hole until ev fits. */
    while (i > 0) {
        gsize parent = (i - 1) / QUEUE_ARITY;
        if (key >= queue_key(&h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = *ev;
}

/* Index of the smallest of the children first .. end - 1, and its key. */
static inline gsize queue_heap_smallest(const SimEvent *h, gsize first, gsize end, QueueKey *key)
{
    gsize best = first;
    QueueKey best_key = queue_key(&h[first]);
    for (gsize c = first + 1; c < end; c++) {
        QueueKey k = queue_key(&h[c]);
        gboolean smaller = k < best_key;
        best = smaller ? c : best;
        best_key = smaller ? k : best_key;
    }
    *key = best_key;
    return best;
}

/* Fill the hole at h[i] with `ev`, sifting down: move the smallest child up into the hole
 * until ev fits. Nodes with a full set of children (all but one at most) take the fixed-count
 * loop, which unrolls. */
static inline void queue_heap_sift_down(SimEvent *h, gsize len, gsize i, SimEvent ev)
{
    const QueueKey ev_key = queue_key(&ev);
    for (;;) {
        gsize first = i * QUEUE_ARITY + 1;
        QueueKey key;
        gsize best;
        if (G_LIKELY(first + QUEUE_ARITY <= len))
            best = queue_heap_smallest(h, first, first + QUEUE_ARITY, &key);
        else if (first < len)
            best = queue_heap_smallest(h, first, len, &key);
        else
            break;
        if (key >= ev_key)
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = ev;
}

/* Remove the earliest event of the non-empty heap h[0 .. *n - 1] into *out. */
static inline void queue_heap_pop(SimEvent *h, gsize *n, SimEvent *out)
{
    *out = h[0];
    gsize len = --(*n);
    if (len > 0)
        queue_heap_sift_down(h, len, 0, h[len]);
}

/* Turn h[0 .. n - 1], in any order, into a heap in O(n) (Floyd). */
static inline void queue_heap_make(SimEvent *h, gsize n)
{
    if (n < 2)
        return;
    for (gsize i = (n - 2) / QUEUE_ARITY + 1; i-- > 0;)
        queue_heap_sift_down(h, n, i, h[i]);
}
