/* A whole-queue d-ary heap of inline events in a GArray, built on sim/queue_heap.h (the heap
 * that sim_queue.c uses for its near future), so the heap variants differ only in arity.
 * heap4 is the simulator's default queue before the ladder replaced it (docs/queue.md).
 *
 * Before including: #define QUEUE_ARITY n. */
#include "queue_heap.h"

#include "queues.h"

/* Capacity of the first allocation when created with no reserve. */
#define HEAP_MIN_CAPACITY 64

typedef struct {
    GArray *store;  /* its len is the capacity; the heap is data[0 .. n - 1] */
    gsize   n;
} Heap;

static void *heap_create(guint reserve)
{
    Heap *q = g_new0(Heap, 1);
    q->store = g_array_sized_new(FALSE, FALSE, sizeof(SimEvent), reserve);
    g_array_set_size(q->store, reserve);
    return q;
}

static void heap_destroy(void *q)
{
    g_array_free(((Heap *) q)->store, TRUE);
    g_free(q);
}

static void heap_push(void *hq, const SimEvent *ev)
{
    Heap *q = hq;
    if (G_UNLIKELY(q->n == q->store->len))
        g_array_set_size(q->store, MAX(2 * q->store->len, HEAP_MIN_CAPACITY));
    queue_heap_push((SimEvent *) q->store->data, &q->n, ev);
}

static gboolean heap_pop(void *hq, SimEvent *out)
{
    Heap *q = hq;
    if (q->n == 0)
        return FALSE;
    queue_heap_pop((SimEvent *) q->store->data, &q->n, out);
    return TRUE;
}

static gsize heap_size(const void *q)
{
    return ((const Heap *) q)->n;
}

#define BENCH_HEAP_CLASS(var, name, about) \
    const BenchQueueClass var = { name, about, heap_create, heap_destroy, heap_push, heap_pop, \
                                  heap_size }
