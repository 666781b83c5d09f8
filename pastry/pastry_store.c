/* pastry_store — stored pairs (PAST's use of Pastry): the root of a key (the live node
 * numerically closest to it) keeps the pair and copies it to the replicas - 1 members of its
 * leaf set closest to the key; when a leaf set changes, the pairs follow: a newcomer among a
 * key's replica set gets a copy, and the root re-copies after losing a member. */
#include "pastry_private.h"

void pastry_store_free_node(Pastry *p, uint32_t node)
{
    PastryNode *n = &p->nodes[node];
    if (n->store)
        g_array_free(n->store, TRUE);
    n->store = NULL;
}

const PastryItem *pastry_store_find(Pastry *p, uint32_t node, PastryId key)
{
    GArray *st = p->nodes[node].store;
    for (guint i = 0; st && i < st->len; i++)
        if (g_array_index(st, PastryItem, i).key == key)
            return &g_array_index(st, PastryItem, i);
    return NULL;
}

void pastry_store_local(Pastry *p, uint32_t node, PastryId key, uint32_t value)
{
    PastryNode *n = &p->nodes[node];
    PastryItem *it = (PastryItem *) pastry_store_find(p, node, key);
    if (it) {
        it->value = value;
        return;
    }
    if (!n->store)
        n->store = g_array_new(FALSE, TRUE, sizeof(PastryItem));
    PastryItem fresh = { .key = key, .value = value };
    g_array_append_val(n->store, fresh);
}

/* The replica set of key as node sees it: the `replicas` nodes closest to key among node and
 * its leaf set, closest first. Returns how many. */
static guint replica_set(Pastry *p, uint32_t node, PastryId key, uint32_t *out)
{
    uint32_t cand[PASTRY_L_MAX + 1];
    guint n = pastry_leafset_members(&p->nodes[node].ls, p->half, cand);
    cand[n++] = node;
    guint k = MIN(n, p->replicas);
    for (guint i = 0; i < k; i++) {  /* partial selection sort: k and L are small */
        guint best = i;
        for (guint j = i + 1; j < n; j++)
            if (pastry_id_closer(&p->s, key, p->ids[cand[j]], p->ids[cand[best]]))
                best = j;
        uint32_t t = cand[i];
        cand[i] = cand[best];
        cand[best] = t;
        out[i] = cand[i];
    }
    return k;
}

static void send_replica(Pastry *p, uint32_t node, uint32_t to, PastryId key, uint32_t value)
{
    uint32_t mi = pastry_msg_new(p, PASTRY_REPLICA, node, to);
    PastryMsg *m = pastry_msg_at(p, mi);
    m->target = key;
    m->value = value;
    pastry_msg_send(p, mi);
}

void pastry_store_root(Pastry *p, uint32_t node, PastryId key, uint32_t value)
{
    pastry_store_local(p, node, key, value);
    uint32_t set[PASTRY_L_MAX + 1];
    guint k = replica_set(p, node, key, set);
    for (guint i = 0; i < k; i++)
        if (set[i] != node)
            send_replica(p, node, set[i], key, value);
}

void pastry_store_leafset_changed(Pastry *p, uint32_t node, uint32_t added)
{
    GArray *st = p->nodes[node].store;
    if (!st || p->nodes[node].state != NODE_UP)
        return;
    uint32_t set[PASTRY_L_MAX + 1];
    for (guint i = 0; i < st->len; i++) {
        PastryItem it = g_array_index(st, PastryItem, i);
        guint k = replica_set(p, node, it.key, set);
        /* who sends: the closest holder other than the newcomer, or after a loss the root */
        uint32_t sender = set[0] == added && k > 1 ? set[1] : set[0];
        if (sender != node)
            continue;
        for (guint j = 0; j < k; j++)
            if (set[j] != node && (added == PASTRY_NONE || set[j] == added))
                send_replica(p, node, set[j], it.key, it.value);
        st = p->nodes[node].store;
    }
}
