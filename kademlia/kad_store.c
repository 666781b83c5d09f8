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

/* Which of a node's maintenance timers a phase is for (the draws of its phase stream). */
enum { PHASE_OF_REPLICATION, PHASE_OF_REPUBLISH };

/* The delay until the node's next maintenance time of period `period`: with a random phase,
 * the next instant (in (0, period]) at which time is `phase` modulo `period`, the phase drawn
 * once per node from a stream of its own ("kad-phase", so that no other draw of the node moves);
 * otherwise one period. Without it every node that got its first STORE in the same minute (all
 * of them, a few minutes after stores begin) replicates in the same minute of every hour: the
 * hourly bandwidth spikes of scenarios/churn.ini. */
static SimTime maintenance_delay(Kad *kad, uint32_t node, SimTime period, guint which)
{
    if (!kad->random_phase)
        return period;
    SimRngState st;
    sim_stream_state(kad->sim, "kad-phase", node, &st);
    SimTime phase = 0;
    for (guint i = 0; i <= which; i++)
        phase = (SimTime) sim_rng_state_below(&st, (uint64_t) period);
    SimTime delay = (phase - sim_now(kad->sim) % period + period) % period;
    return delay == 0 ? period : delay;
}

static void schedule_replication(Kad *kad, uint32_t node)
{
    KadNode *n = &kad->nodes[node];
    if (kad->replicate == 0 || n->replicating)
        return;
    n->replicating = 1;
    SimTime delay = maintenance_delay(kad, node, kad->replicate, PHASE_OF_REPLICATION);
    sim_schedule(kad->sim, sim_now(kad->sim) + delay, kad->ev_replicate, node, n->epoch,
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
    uint32_t node = pub->node;
    kad_lookup_start(kad, node, &pub->key, P_REPUBLISH, KAD_NO_OP, 0, pub->value, KAD_NONE);
    sim_schedule(sim, sim_now(sim) + maintenance_delay(kad, node, kad->republish,
                                                       PHASE_OF_REPUBLISH),
                 kad->ev_republish, node, ev->data, kad->node_host[node]);
}

void kad_remember_publication(Kad *kad, uint32_t node, const KadId *key, uint32_t value)
{
    if (kad->republish == 0)
        return;
    KadPublication pub = { node, kad->nodes[node].epoch, value, *key };
    g_array_append_val(kad->publications, pub);
    /* with a random phase, the first republish comes at the node's next republish time: never
     * later than one interval, so never after the pair expires when expire = republish */
    SimTime delay = maintenance_delay(kad, node, kad->republish, PHASE_OF_REPUBLISH);
    sim_schedule(kad->sim, sim_now(kad->sim) + delay, kad->ev_republish, node,
                 kad->publications->len - 1, kad->node_host[node]);
}

