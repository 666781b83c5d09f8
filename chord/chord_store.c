/* chord_store — keys at their successor, copies on its successor list, hand-overs when the
 * ring changes around them. Values are synthetic (value_size bytes on the wire). */
#include "chord_private.h"

const ChordItem *chord_store_find(Chord *c, uint32_t node, const ChordId *key)
{
    GArray *st = c->nodes[node].store;
    if (!st)
        return NULL;
    for (guint i = 0; i < st->len; i++) {
        const ChordItem *it = &g_array_index(st, ChordItem, i);
        if (chord_id_equal(&it->key, key))
            return it;
    }
    return NULL;
}

void chord_store_local(Chord *c, uint32_t node, const ChordId *key, uint32_t value)
{
    ChordNode *n = &c->nodes[node];
    ChordItem *it = (ChordItem *) chord_store_find(c, node, key);
    if (it) {
        it->value = value;
        return;
    }
    if (!n->store)
        n->store = g_array_new(FALSE, TRUE, sizeof(ChordItem));
    ChordItem fresh = { .key = *key, .value = value };
    g_array_append_val(n->store, fresh);
}

static void send_item(Chord *c, ChordMsgType type, uint32_t node, uint32_t to,
                      const ChordId *key, uint32_t value)
{
    uint32_t mi = chord_msg_new(c, type, node, to);
    ChordMsg *m = chord_msg_at(c, mi);
    m->target = *key;
    m->value = value;
    chord_msg_send(c, mi);
}

void chord_store_replicate(Chord *c, uint32_t node, const ChordId *key, uint32_t value)
{
    guint n = MIN(c->replicas, (guint) c->nodes[node].n_succ);
    for (guint i = 0; i < n; i++)
        send_item(c, CHORD_REPLICA, node, chord_succ(c, node)[i], key, value);
}

void chord_store_replicate_range(Chord *c, uint32_t node, const ChordId *from,
                                 const ChordId *upto, uint32_t to)
{
    GArray *st = c->nodes[node].store;
    if (!st || c->replicas == 0)
        return;
    for (guint i = 0; i < st->len; i++) {
        ChordItem it = g_array_index(st, ChordItem, i);
        if (!chord_id_in_half(&it.key, from, upto))
            continue;
        if (to == CHORD_NONE)
            chord_store_replicate(c, node, &it.key, it.value);
        else
            send_item(c, CHORD_REPLICA, node, to, &it.key, it.value);
    }
}

void chord_store_replicas_changed(Chord *c, uint32_t node, const uint32_t *before, guint n_before)
{
    const ChordNode *n = &c->nodes[node];
    if (n->pred == CHORD_NONE || !n->store)
        return;
    guint now = MIN(c->replicas, (guint) n->n_succ);
    for (guint i = 0; i < now; i++) {
        uint32_t s = chord_succ(c, node)[i];
        gboolean known = FALSE;
        for (guint j = 0; j < MIN(n_before, c->replicas) && !known; j++)
            known = before[j] == s;
        if (!known)
            chord_store_replicate_range(c, node, &c->ids[n->pred], &c->ids[node], s);
    }
}

void chord_store_hand_over(Chord *c, uint32_t node, uint32_t to, const ChordId *from,
                           const ChordId *upto)
{
    GArray *st = c->nodes[node].store;
    if (!st || to == node)
        return;
    for (guint i = 0; i < st->len; i++) {
        ChordItem it = g_array_index(st, ChordItem, i);  /* sending may not move st, but copy */
        if (!upto || chord_id_in_half(&it.key, from, upto))
            send_item(c, CHORD_TRANSFER, node, to, &it.key, it.value);
    }
}

void chord_store_clear(Chord *c, uint32_t node)
{
    ChordNode *n = &c->nodes[node];
    if (n->store) {
        g_array_free(n->store, TRUE);
        n->store = NULL;
    }
}

gsize chord_store_bytes(const Chord *c, uint32_t node)
{
    const GArray *st = c->nodes[node].store;
    return st ? sizeof(GArray) + st->len * sizeof(ChordItem) : 0;
}
