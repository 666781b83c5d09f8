#include "sim_queue.h"

/* Children per heap node. 4 keeps a node's children in two cache lines (4 x 32 bytes) and
 * halves the depth of a binary heap; docs/queue.md has the measurements behind the choice. */
#define QUEUE_ARITY 4

struct SimQueue {
    GArray *heap;  /* SimEvent[], heap-ordered by sim_event_before() */
};

SimQueue *sim_queue_new(guint reserve)
{
    SimQueue *q = g_new0(SimQueue, 1);
    q->heap = g_array_sized_new(FALSE, FALSE, sizeof(SimEvent), reserve);
    return q;
}

void sim_queue_free(SimQueue *q)
{
    if (!q)
        return;
    g_array_free(q->heap, TRUE);
    g_free(q);
}

gsize sim_queue_size(const SimQueue *q)
{
    return q->heap->len;
}

gsize sim_queue_bytes(const SimQueue *q)
{
    /* GArray grows its allocation in powers of two; this is that allocation. */
    gsize cap = q->heap->len ? (gsize) 1 << g_bit_storage(q->heap->len - 1) : 0;
    return sizeof *q + sizeof(SimEvent) * MAX(cap, q->heap->len);
}

const SimEvent *sim_queue_peek(const SimQueue *q)
{
    return q->heap->len ? &g_array_index(q->heap, SimEvent, 0) : NULL;
}

void sim_queue_push(SimQueue *q, const SimEvent *ev)
{
    g_array_set_size(q->heap, q->heap->len + 1);
    SimEvent *h = (SimEvent *) q->heap->data;
    gsize i = q->heap->len - 1;
    /* Sift up: move parents down into the hole until ev fits. */
    while (i > 0) {
        gsize parent = (i - 1) / QUEUE_ARITY;
        if (!sim_event_before(ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = *ev;
}

gboolean sim_queue_pop(SimQueue *q, SimEvent *out)
{
    gsize n = q->heap->len;
    if (n == 0)
        return FALSE;
    SimEvent *h = (SimEvent *) q->heap->data;
    *out = h[0];
    SimEvent last = h[n - 1];
    n--;
    /* Sift down: move the smallest child up into the hole until `last` fits. */
    gsize i = 0;
    for (;;) {
        gsize first = i * QUEUE_ARITY + 1;
        if (first >= n)
            break;
        gsize end = MIN(first + QUEUE_ARITY, n);
        gsize best = first;
        for (gsize c = first + 1; c < end; c++)
            if (sim_event_before(&h[c], &h[best]))
                best = c;
        if (!sim_event_before(&h[best], &last))
            break;
        h[i] = h[best];
        i = best;
    }
    if (n > 0)
        h[i] = last;
    g_array_set_size(q->heap, n);
    return TRUE;
}
