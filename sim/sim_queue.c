/* The pending-event set as a ladder queue with one rung (after Tang, Goh & Thng, "Ladder queue",
 * ACM TOMACS 15(3), 2005), every part an array of inline events:
 *
 *   bottom  a 4-ary heap (queue_heap.h) of every event earlier than `horizon`: the near future;
 *   rung    buckets of equal width covering [horizon, rung end), unsorted: the middle future;
 *   top     one unsorted array of everything later: the far future.
 *
 * A push lands in one of the three by its time, in O(1) unless it goes to the heap. A pop takes
 * the heap's minimum; when the heap runs dry, the next non-empty bucket becomes the heap (its
 * array is swapped in and heapified in O(n)), and when the rung runs out, the top is spread over
 * a fresh rung sized to it. Each event is thus moved a few times, sequentially, and only the
 * small heap sees random access: at 1M pending a hold costs a fraction of what the plain heap
 * costs, whose lower levels miss the cache at every step (docs/queue.md has the numbers). When
 * all events crowd into a few buckets the bottom simply grows, and the queue behaves like the
 * plain heap it then mostly is: never worse than it by more than the bucket bookkeeping.
 *
 * Invariant: bottom holds exactly the events before `horizon`; bucket i (next <= i < rung_len)
 * those in [rung_start + i * width, + width); top the rest. And the bottom is never empty while
 * the queue is not, so peek needs no work and stays const. */
#include "sim_queue.h"

#include "queue_heap.h"

/* Capacity of an event array's first allocation. */
#define QUEUE_MIN_CAPACITY 64
/* A rung gets one bucket per this many events of the top it spreads (so the bottom it feeds
 * holds a few dozen to a few thousand events, a heap that stays in L1/L2 cache)... */
#define RUNG_EVENTS_PER_BUCKET 64
/* ...but at most this many buckets, so the bucket headers and the cache line each push appends
 * to (1024 x 64 B) stay in L1/L2 cache and their pages in the TLB; 256, 4096 and 16384
 * measured slower at 1M and 10M pending. */
#ifndef RUNG_MAX_BUCKETS
#define RUNG_MAX_BUCKETS 1024
#endif

/* A growable array of events. The GArray's len is the capacity; n is the count, so appending
 * is a store and an increment (g_array_set_size() per push and pop cost 20% of a hold). */
typedef struct {
    GArray *store;
    gsize   n;
} EventArray;

struct SimQueue {
    EventArray  bottom;      /* heap of the events before horizon */
    SimTime     horizon;
    EventArray *rung;        /* rung_alloc buckets, the first rung_len in use */
    guint       rung_len, rung_alloc;
    guint       next;        /* first bucket not yet moved to the bottom */
    SimTime     rung_start;
    uint64_t    width;       /* of a bucket, >= 1 */
    EventArray  top;         /* unsorted; times in [top_min, top_max] */
    SimTime     top_min, top_max;
    gsize       n;           /* events in all three */
} __attribute__((aligned(64)));

static void array_init(EventArray *a, guint capacity)
{
    a->store = g_array_sized_new(FALSE, FALSE, sizeof(SimEvent), capacity);
    g_array_set_size(a->store, capacity);
    a->n = 0;
}

static inline SimEvent *array_events(const EventArray *a)
{
    return (SimEvent *) a->store->data;
}

/* Make room for one more event. */
static inline SimEvent *array_reserve_one(EventArray *a)
{
    if (G_UNLIKELY(a->n == a->store->len))
        g_array_set_size(a->store, MAX(2 * a->store->len, QUEUE_MIN_CAPACITY));
    return array_events(a);
}

static inline void array_append(EventArray *a, const SimEvent *ev)
{
    array_reserve_one(a)[a->n++] = *ev;
}

static void top_reset(SimQueue *q)
{
    q->top.n = 0;
    q->top_min = SIM_TIME_NEVER;
    q->top_max = INT64_MIN;
}

SimQueue *sim_queue_new(guint reserve)
{
    /* cache-line aligned: the queues of a run's partitions are written by different cores */
    SimQueue *q = g_aligned_alloc0(1, sizeof(SimQueue), 64);
    array_init(&q->bottom, QUEUE_MIN_CAPACITY);
    array_init(&q->top, reserve);
    top_reset(q);
    /* No rung and an empty near future: the first events go to the top, and the first pop
     * spreads them over a rung sized to them. */
    q->horizon = INT64_MIN;
    q->rung_start = INT64_MIN;
    q->width = 1;
    return q;
}

void sim_queue_free(SimQueue *q)
{
    if (!q)
        return;
    g_array_free(q->bottom.store, TRUE);
    g_array_free(q->top.store, TRUE);
    for (guint i = 0; i < q->rung_alloc; i++)
        g_array_free(q->rung[i].store, TRUE);
    g_free(q->rung);
    g_aligned_free(q);
}

gsize sim_queue_size(const SimQueue *q)
{
    return q->n;
}

gsize sim_queue_bytes(const SimQueue *q)
{
    gsize events = q->bottom.store->len + q->top.store->len;
    for (guint i = 0; i < q->rung_alloc; i++)
        events += q->rung[i].store->len;
    return sizeof *q + q->rung_alloc * sizeof(EventArray) + events * sizeof(SimEvent);
}

const SimEvent *sim_queue_peek(const SimQueue *q)
{
    return q->n ? &array_events(&q->bottom)[0] : NULL;
}

guint sim_queue_peek_ahead(const SimQueue *q, const SimEvent **out, guint max)
{
    /* In the bottom heap, the second smallest is the root's smallest child c, and the third the
     * smallest of the root's other children and c's children. Everything outside the bottom
     * comes later than all of it, so the bottom alone answers (or answers less). */
    const SimEvent *h = array_events(&q->bottom);
    gsize n = q->bottom.n;
    if (max == 0 || n == 0)
        return 0;
    out[0] = &h[0];
    if (max == 1 || n == 1)
        return 1;
    QueueKey key, other;
    gsize root_end = MIN(n, (gsize) QUEUE_ARITY + 1);
    gsize c = queue_heap_smallest(h, 1, root_end, &key);
    out[1] = &h[c];
    if (max == 2 || n == 2)
        return 2;
    gsize third = SIZE_MAX;
    QueueKey third_key = ~(QueueKey) 0;
    for (gsize i = 1; i < root_end; i++) {
        other = queue_key(&h[i]);
        if (i != c && other < third_key) {
            third = i;
            third_key = other;
        }
    }
    gsize first_child = QUEUE_ARITY * c + 1;
    if (first_child < n) {
        gsize g = queue_heap_smallest(h, first_child, MIN(n, first_child + QUEUE_ARITY), &other);
        if (other < third_key)
            third = g;
    }
    out[2] = &h[third];
    return 3;
}

/* Spread the top over a new rung that starts at its earliest event. */
static void spread_top(SimQueue *q)
{
    guint buckets = (guint) CLAMP(q->top.n / RUNG_EVENTS_PER_BUCKET, 1, RUNG_MAX_BUCKETS);
    if (buckets > q->rung_alloc) {
        q->rung = g_renew(EventArray, q->rung, buckets);
        for (guint i = q->rung_alloc; i < buckets; i++)
            array_init(&q->rung[i], 0);
        q->rung_alloc = buckets;
    }
    uint64_t span = (uint64_t) q->top_max - (uint64_t) q->top_min;
    q->width = span / buckets + 1;  /* so that top_max falls in the last bucket */
    q->rung_start = q->top_min;
    q->rung_len = buckets;
    q->next = 0;
    q->horizon = q->top_min;
    const SimEvent *ev = array_events(&q->top);
    for (gsize i = 0; i < q->top.n; i++) {
        uint64_t slot = ((uint64_t) ev[i].time - (uint64_t) q->rung_start) / q->width;
        array_append(&q->rung[slot], &ev[i]);
    }
    top_reset(q);
}

/* Bucket `next` becomes the bottom: swap the arrays (the bottom is empty) and heapify. */
static void move_bucket_down(SimQueue *q)
{
    EventArray empty = q->bottom;
    q->bottom = q->rung[q->next];
    q->rung[q->next] = empty;
    queue_heap_make(array_events(&q->bottom), q->bottom.n);
    q->next++;
    /* rung_start + next * width, saturated: the last bucket may end past the largest time. */
    uint64_t end = (uint64_t) q->next * q->width;
    q->horizon = end > (uint64_t) (SIM_TIME_NEVER - q->rung_start) ? SIM_TIME_NEVER
                                                                    : q->rung_start + (SimTime) end;
}

/* Restore "the bottom is not empty unless the queue is". */
static void refill_bottom(SimQueue *q)
{
    while (q->bottom.n == 0 && q->n > 0) {
        if (q->next < q->rung_len)
            move_bucket_down(q);
        else
            spread_top(q);
    }
}

void sim_queue_push(SimQueue *q, const SimEvent *ev)
{
    q->n++;
    if (ev->time < q->horizon) {
        queue_heap_push(array_reserve_one(&q->bottom), &q->bottom.n, ev);
        return;
    }
    /* ev->time >= horizon >= rung_start, so the difference is exact in unsigned arithmetic. */
    uint64_t slot = ((uint64_t) ev->time - (uint64_t) q->rung_start) / q->width;
    if (slot >= q->next && slot < q->rung_len) {
        array_append(&q->rung[slot], ev);
    } else {
        array_append(&q->top, ev);
        q->top_min = MIN(q->top_min, ev->time);
        q->top_max = MAX(q->top_max, ev->time);
    }
    if (G_UNLIKELY(q->bottom.n == 0))
        refill_bottom(q);
}

gboolean sim_queue_pop(SimQueue *q, SimEvent *out)
{
    if (q->n == 0)
        return FALSE;
    queue_heap_pop(array_events(&q->bottom), &q->bottom.n, out);
    q->n--;
    if (q->bottom.n == 0)
        refill_bottom(q);
    return TRUE;
}
