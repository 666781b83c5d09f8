/* The literal "GLib priority queue": a GSequence (a balanced tree) kept sorted by
 * g_sequence_insert_sorted(), one allocated event per entry. It is the baseline the inline
 * heaps are measured against: every push allocates and every comparison is a call through a
 * function pointer to an event somewhere else in memory. */
#include "queues.h"

static gint compare_events(gconstpointer a, gconstpointer b, gpointer unused)
{
    if (sim_event_before(a, b))
        return -1;
    return sim_event_before(b, a) ? 1 : 0;
}

static void *seq_create(guint reserve)
{
    return g_sequence_new(g_free);
}

static void seq_destroy(void *q)
{
    g_sequence_free(q);
}

static void seq_push(void *q, const SimEvent *ev)
{
    g_sequence_insert_sorted(q, g_memdup2(ev, sizeof *ev), compare_events, NULL);
}

static gboolean seq_pop(void *q, SimEvent *out)
{
    GSequenceIter *first = g_sequence_get_begin_iter(q);
    if (g_sequence_iter_is_end(first))
        return FALSE;
    *out = *(const SimEvent *) g_sequence_get(first);
    g_sequence_remove(first);  /* frees the event */
    return TRUE;
}

static gsize seq_size(const void *q)
{
    return (gsize) g_sequence_get_length((GSequence *) q);
}

const BenchQueueClass bench_queue_gsequence = {
    "gsequence", "GLib GSequence, sorted, one g_malloc'd event per entry (baseline)",
    seq_create, seq_destroy, seq_push, seq_pop, seq_size,
};
