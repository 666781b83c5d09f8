/* kad_store — the key-value pairs a node holds (section 2.5 of the paper): storing, finding
 * (with expiry), hourly replication of pairs nobody re-stored, and the publisher's republish. */
#include "kad_private.h"

static void on_replicate(Sim *sim, void *ctx, const SimEvent *ev);
static void on_republish(Sim *sim, void *ctx, const SimEvent *ev);

void kad_store_init(Kad *kad)
{
    kad->ev_replicate = sim_register_handler(kad->sim, "kad-replicate", on_replicate, kad);
    kad->ev_republish = sim_register_handler(kad->sim, "kad-republish", on_republish, kad);
    kad->values = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    g_ptr_array_add(kad->values, g_bytes_new_static("", 0));  /* handle 0: synthetic */
    kad->publications = g_array_new(FALSE, FALSE, sizeof(KadPublication));
}

void kad_store_free(Kad *kad)
{
    for (uint32_t n = 0; n < kad->n_nodes; n++)
        if (kad->nodes[n].store)
            g_array_free(kad->nodes[n].store, TRUE);
    g_ptr_array_free(kad->values, TRUE);
    g_array_free(kad->publications, TRUE);
}

static void schedule_replication(Kad *kad, uint32_t node);

const KadItem *kad_store_find(Kad *kad, uint32_t node, const KadId *key)
{
    GArray *st = kad->nodes[node].store;
    if (!st)
        return NULL;
    SimTime now = sim_now(kad->sim);
    for (guint i = 0; i < st->len; i++) {
        KadItem *it = &g_array_index(st, KadItem, i);
        if (kad_id_equal(&it->key, key)) {
            if (it->expires <= now) {  /* expired: gone at exactly its expiry time */
                g_array_remove_index_fast(st, i);
                return NULL;
            }
            return it;
        }
    }
    return NULL;
}

void kad_store_local(Kad *kad, uint32_t node, const KadId *key, uint32_t value)
{
    KadNode *n = &kad->nodes[node];
    SimTime now = sim_now(kad->sim);
    KadItem *it = (KadItem *) kad_store_find(kad, node, key);
    if (!it) {
        if (!n->store)
            n->store = g_array_new(FALSE, TRUE, sizeof(KadItem));
        KadItem fresh = { .key = *key };
        g_array_append_val(n->store, fresh);
        it = &g_array_index(n->store, KadItem, n->store->len - 1);
    }
    it->value = value;
    it->stored_at = now;
    it->expires = now + kad->expire;
    schedule_replication(kad, node);
}

static void schedule_replication(Kad *kad, uint32_t node)
{
    KadNode *n = &kad->nodes[node];
    if (kad->replicate == 0 || n->replicating)
        return;
    n->replicating = 1;
    sim_schedule(kad->sim, sim_now(kad->sim) + kad->replicate, kad->ev_replicate, node, n->epoch,
                 kad->node_host[node]);
}

/* Every `replicate`: drop expired pairs, re-store the pairs nobody stored here meanwhile. */
static void on_replicate(Sim *sim, void *ctx, const SimEvent *ev)
{
    Kad *kad = ctx;
    uint32_t node = ev->target;
    KadNode *n = &kad->nodes[node];
    if (!kad_node_is(kad, node, (uint16_t) ev->data))
        return;
    n->replicating = 0;
    if (!n->store)
        return;
    SimTime now = sim_now(sim);
    GArray *due = g_array_new(FALSE, FALSE, sizeof(KadItem));
    for (guint i = 0; i < n->store->len;) {
        KadItem *it = &g_array_index(n->store, KadItem, i);
        if (it->expires <= now) {
            g_array_remove_index_fast(n->store, i);
            continue;
        }
        if (it->stored_at + kad->replicate <= now)
            g_array_append_val(due, *it);
        i++;
    }
    if (n->store->len == 0) {
        g_array_free(n->store, TRUE);
        n->store = NULL;
    } else {
        schedule_replication(kad, node);
    }
    for (guint i = 0; i < due->len; i++) {
        KadItem *it = &g_array_index(due, KadItem, i);
        kad_lookup_start(kad, node, &it->key, P_REPLICATE, KAD_NO_OP, 0, it->value, KAD_NONE);
    }
    g_array_free(due, TRUE);
}

static void on_republish(Sim *sim, void *ctx, const SimEvent *ev)
{
    Kad *kad = ctx;
    KadPublication *pub = &g_array_index(kad->publications, KadPublication, ev->data);
    if (!kad_node_is(kad, pub->node, pub->epoch))
        return;  /* the publisher is gone: nobody republishes */
    kad_lookup_start(kad, pub->node, &pub->key, P_REPUBLISH, KAD_NO_OP, 0, pub->value,
                     KAD_NONE);
    sim_schedule(sim, sim_now(sim) + kad->republish, kad->ev_republish, pub->node, ev->data,
                 kad->node_host[pub->node]);
}

void kad_remember_publication(Kad *kad, uint32_t node, const KadId *key, uint32_t value)
{
    if (kad->republish == 0)
        return;
    KadPublication pub = { node, kad->nodes[node].epoch, value, *key };
    g_array_append_val(kad->publications, pub);
    sim_schedule(kad->sim, sim_now(kad->sim) + kad->republish, kad->ev_republish, node,
                 kad->publications->len - 1, kad->node_host[node]);
}

