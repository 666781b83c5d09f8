/* kad_node — Kademlia nodes coming and going: node records and IDs, joins through a bootstrap
 * node (or tables filled by an oracle), leaving, and each node's bucket refresh. */
#include "kad_private.h"

#include <string.h>

static void on_refresh(Sim *sim, void *ctx, const SimEvent *ev);
static void on_relookup(Sim *sim, void *ctx, const SimEvent *ev);

/* The node records and IDs are read at random by every message: each array starts on a cache
 * line, so that a record (64 bytes) or an ID (32) is one line, never two (with malloc's 16-byte
 * offset, half of them straddled a line boundary and cost two misses). */
#define CACHE_LINE 64

static void *realloc_lines(void *old, gsize old_n, gsize new_n, gsize size)
{
    void *p = g_aligned_alloc0(new_n, size, CACHE_LINE);
    if (old) {
        memcpy(p, old, old_n * size);
        g_aligned_free(old);
    }
    return p;
}

void kad_nodes_init(Kad *kad)
{
    kad->ev_refresh = sim_register_handler(kad->sim, "kad-refresh", on_refresh, kad);
    if (kad->relookup > 0)  /* registered only when used: runs without it stay as they were */
        kad->ev_relookup = sim_register_handler(kad->sim, "kad-relookup", on_relookup, kad);
    guint hosts = sim_hosts(kad->sim);
    kad->host_node = g_new(uint32_t, hosts);
    memset(kad->host_node, 0xff, sizeof(uint32_t) * hosts);
    kad->cap_nodes = hosts;
    kad->max_nodes = KAD_MAX_NODES;
    kad->nodes = realloc_lines(NULL, 0, kad->cap_nodes, sizeof(KadNode));
    kad->ids = realloc_lines(NULL, 0, kad->cap_nodes, sizeof(KadId));
    kad->node_host = g_new0(uint32_t, kad->cap_nodes);
}

void kad_nodes_free(Kad *kad)
{
    for (uint32_t n = 0; n < kad->n_nodes; n++)
        kad_rtable_free(&kad->nodes[n].rt);
    g_aligned_free(kad->nodes);
    g_aligned_free(kad->ids);
    g_free(kad->node_host);
    g_free(kad->host_node);
}

/* ---- maintenance: bucket refresh -------------------------------------------------------- */

static void schedule_refresh(Kad *kad, uint32_t node, SimTime delay)
{
    if (kad->refresh == 0)
        return;
    KadNode *n = &kad->nodes[node];
    sim_schedule(kad->sim, sim_now(kad->sim) + delay, kad->ev_refresh, node, n->epoch,
                 kad->node_host[node]);
}

static uint32_t now_seconds(const Kad *kad)
{
    return (uint32_t) (sim_now(kad->sim) / SIM_S);
}

/* Every `refresh`: look up a random ID in each bucket nobody looked into for `refresh`. */
static void on_refresh(Sim *sim, void *ctx, const SimEvent *ev)
{
    Kad *kad = ctx;
    uint32_t node = ev->target;
    if (!kad_node_is(kad, node, (uint16_t) ev->data))
        return;
    KadNode *n = &kad->nodes[node];
    uint32_t now_s = now_seconds(kad), age = (uint32_t) (kad->refresh / SIM_S);
    guint buckets = kad_rtable_buckets(&n->rt, &kad->rp);
    for (guint b = 0; b < buckets; b++) {
        if (kad_rtable_bucket_touched(&n->rt, &kad->rp, b) + age > now_s)
            continue;
        KadId target = kad_rtable_bucket_random_id(&n->rt, &kad->rp, &kad->ids[node], b, &n->rng);
        kad_lookup_start(kad, node, &target, P_REFRESH, KAD_NO_OP, 0, 0, KAD_NONE);
    }
    schedule_refresh(kad, node, kad->refresh);
}

/* ---- nodes coming and going ------------------------------------------------------------- */

/* Is `host` behind a NAT? Drawn once per host from a stream of its own ("kad-nat"), so that
 * nat_fraction moves no other draw. */
static gboolean host_behind_nat(const Kad *kad, SimHost host)
{
    if (kad->nat_fraction <= 0)
        return FALSE;
    SimRngState st;
    sim_stream_state(kad->sim, "kad-nat", host, &st);
    return sim_rng_state_uniform(&st) < kad->nat_fraction;
}

static uint32_t new_node(Kad *kad, SimHost host)
{
    if (kad->n_nodes == kad->cap_nodes) {
        kad->nodes = realloc_lines(kad->nodes, kad->cap_nodes, 2 * kad->cap_nodes, sizeof(KadNode));
        kad->ids = realloc_lines(kad->ids, kad->cap_nodes, 2 * kad->cap_nodes, sizeof(KadId));
        kad->cap_nodes *= 2;
        kad->node_host = g_renew(uint32_t, kad->node_host, kad->cap_nodes);
    }
    if (kad->n_nodes >= kad->max_nodes) {
        /* Old identities keep their number and ID: other nodes' tables may still name them,
         * and a number reused for a new identity would make those contacts lie. */
        sim_fail(kad->sim, g_error_new(SIM_ERROR, 0, "Kademlia: more than %u node identities "
                                       "(hosts and fresh-identity rejoins): contacts are "
                                       "%d-bit numbers; shorten the run or lower the churn",
                                       kad->max_nodes, KAD_CONTACT_BITS));
        return KAD_NONE;
    }
    uint32_t node = kad->n_nodes++;
    KadNode *n = &kad->nodes[node];
    memset(n, 0, sizeof *n);
    kad->node_host[node] = host;
    sim_stream_state(kad->sim, "kad-node", node, &n->rng);
    kad->ids[node] = kad_id_random(&n->rng, kad->id_bits);
    n->nat = host_behind_nat(kad, host);
    kad_rtable_init(&n->rt, &kad->rp);
    return node;
}

/* A join is over (or was not needed): the node counts as part of the network. */
void kad_join_complete(Kad *kad, uint32_t node)
{
    KadNode *n = &kad->nodes[node];
    if (n->state != NODE_JOINING)
        return;
    n->state = NODE_UP;
    if (!kad_node_advertised(kad, node))  /* a client is no member of the DHT */
        return;
    /* The oracle is the whole network's: a join that ends in a partition's event enters it at
     * the next serial event (kad_before_serial), on any number of threads. */
    if (sim_in_serial_event(kad->sim))
        kad_oracle_add(kad->oracle, kad->ids, node);
    else
        g_array_append_val(kad->joined[kad_part(kad, node)], node);
}

void kad_apply_joined(Kad *kad)
{
    for (guint p = 0; p < kad->n_parts; p++) {
        GArray *j = kad->joined[p];
        for (guint i = 0; i < j->len; i++) {
            uint32_t node = g_array_index(j, uint32_t, i);
            if (kad->nodes[node].state == NODE_UP)
                kad_oracle_add(kad->oracle, kad->ids, node);
        }
        g_array_set_size(j, 0);
    }
}

static void report_instant_join(Kad *kad, uint32_t node)
{
    SimTime now = sim_now(kad->sim);
    SimOp op = { .id = sim_op_begin(kad->sim), .kind = SIM_OP_JOIN, .origin = kad->node_host[node],
                 .start = now, .end = now, .success = TRUE, .correct = -1 };
    kad_join_complete(kad, node);
    sim_op_end(kad->sim, &op);
}

/* Deployed DHTs bootstrap through well-known public nodes: a bootstrap behind a NAT (which would
 * drop the join's requests) is replaced by another up host, drawn from the node's stream, at
 * most KAD_BOOTSTRAP_DRAWS times. With nat_fraction = 0 nothing is drawn. */
#define KAD_BOOTSTRAP_DRAWS 64
static SimHost reachable_bootstrap(Kad *kad, uint32_t node, SimHost bootstrap)
{
    SimHost self = kad->node_host[node];
    for (guint i = 0; i < KAD_BOOTSTRAP_DRAWS; i++) {
        uint32_t b = kad->host_node[bootstrap];
        if (b == KAD_NONE || !kad->nodes[b].nat)
            break;
        SimHost other = sim_random_up_host(kad->sim, &kad->nodes[node].rng, self);
        if (other == SIM_HOST_NONE)
            break;
        bootstrap = other;
    }
    return bootstrap;
}

/* How many of node x's k closest live nodes hold x in their routing tables (0: lookups of the
 * IDs x owns miss it). An inspection from global knowledge, for tests and benchmarks. */
guint kad_known_by_closest(Kad *kad, uint32_t x, guint *closest_found)
{
    uint32_t closest[KAD_K_MAX];
    guint nc = kad_oracle_closest(kad->oracle, kad->ids, &kad->ids[x], x, closest, kad->k);
    guint knows = 0;
    for (guint i = 0; i < nc; i++)
        knows += kad_rtable_contains(&kad->nodes[closest[i]].rt, &kad->rp, kad->ids, closest[i],
                                     x);
    if (closest_found)
        *closest_found = nc;
    return knows;
}

/* ---- relookup: a second self-lookup after the join ------------------------------------- */

void kad_relookup_schedule(Kad *kad, uint32_t node)
{
    if (kad->relookup == 0)
        return;
    sim_schedule(kad->sim, sim_now(kad->sim) + kad->relookup, kad->ev_relookup, node,
                 kad->nodes[node].epoch, kad->node_host[node]);
}

/* Which nodes need it cannot be told from where they stand: in a flash crowd, the nodes none of
 * whose k closest know them had joins that answered k nodes like every other join, only the k
 * they met were far (5-7 shared prefix bits where the true closest share 12-14, at 10k nodes);
 * what is wrong is in other nodes' tables. So every joined node looks itself up once more. The
 * lookup also starts at a random live node, as a join does: a node whose join found nobody (its
 * bootstrap died) has nothing else to start from. */
static void on_relookup(Sim *sim, void *ctx, const SimEvent *ev)
{
    Kad *kad = ctx;
    uint32_t node = ev->target;
    if (!kad_node_is(kad, node, (uint16_t) ev->data))
        return;
    SimHost self = kad->node_host[node];
    SimHost bootstrap = sim_random_up_host(sim, &kad->nodes[node].rng, self);
    if (bootstrap != SIM_HOST_NONE)
        kad_note_seen(kad, node, kad->host_node[reachable_bootstrap(kad, node, bootstrap)]);
    kad_lookup_start(kad, node, &kad->ids[node], P_REFRESH, KAD_NO_OP, 0, 0, KAD_NONE);
}

void kad_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh)
{
    Kad *kad = self;
    uint32_t node = kad->host_node[host];
    if (node == KAD_NONE || fresh) {
        if (node != KAD_NONE) {  /* the old identity is gone for good: free its state */
            kad_rtable_free(&kad->nodes[node].rt);
        }
        node = new_node(kad, host);
        kad->host_node[host] = node;
        if (node == KAD_NONE)
            return;  /* the run stops with sim_fail()'s error */
    }
    KadNode *n = &kad->nodes[node];
    n->state = NODE_JOINING;
    /* Stagger refresh timers so that nodes that joined together do not refresh together. */
    schedule_refresh(kad, node, kad->refresh / 2 +
                                    (SimTime) sim_rng_state_below(&n->rng,
                                                                  (uint64_t) kad->refresh / 2 + 1));
    if (kad->oracle_bootstrap || bootstrap == SIM_HOST_NONE) {
        report_instant_join(kad, node);
        return;
    }
    bootstrap = reachable_bootstrap(kad, node, bootstrap);
    kad_note_seen(kad, node, kad->host_node[bootstrap]);
    uint64_t op = sim_op_begin(kad->sim);
    kad_lookup_start(kad, node, &kad->ids[node], P_JOIN, op, 0, 0, KAD_NONE);
}

void kad_host_down(void *self, SimHost host, gboolean graceful)
{
    /* Kademlia has no leave message: a graceful leave and a crash look the same to the others. */
    Kad *kad = self;
    uint32_t node = kad->host_node[host];
    if (node == KAD_NONE)
        return;
    KadNode *n = &kad->nodes[node];
    kad_lookup_abandon_node(kad, node);
    n->state = NODE_DOWN;
    n->epoch++;
    n->replicating = 0;
    kad_oracle_remove(kad->oracle, node);
    if (n->store) {  /* values live in memory only: a restart loses them */
        g_array_free(n->store, TRUE);
        n->store = NULL;
    }
}

/* bootstrap = oracle: fill the table from global knowledge the first time the node acts, as
 * if the node had been up for long and met many. The table gets the depth that splitting would
 * have given it (levels until the nodes sharing the home bucket's prefix fit in it), then each
 * bucket up to k + replacement_cache random live nodes of its own range: for every level and
 * every b-bit digit other than the node's own, the subtree of that digit. */
void kad_fill_from_oracle(Kad *kad, uint32_t node)
{
    KadNode *n = &kad->nodes[node];
    if (!kad->oracle_bootstrap || n->filled)
        return;
    n->filled = 1;
    const KadId self = kad->ids[node];
    const KadRtableParams *rp = &kad->rp;
    guint depth = 0;
    while (depth < rp->max_depth &&
           kad_oracle_count_prefix(kad->oracle, kad->ids, &self, depth * rp->b) > kad->k + 1)
        depth++;  /* + 1: the count includes the node itself */
    kad_rtable_presplit(&n->rt, rp, depth);
    guint want = kad->k + rp->repl;
    uint32_t pick[KAD_K_MAX + KAD_REPL_MAX];
    for (guint level = 0; level < depth; level++) {
        guint own = 0;
        for (guint i = 0; i < rp->b; i++)
            own = (own << 1) | kad_id_bit(&self, level * rp->b + i);
        for (guint digit = 0; digit <= rp->per_level; digit++) {
            if (digit == own)
                continue;
            KadId subtree = kad_id_prefix_digit(&self, level * rp->b, rp->b, digit);
            guint got = kad_oracle_sample_prefix(kad->oracle, kad->ids, &subtree,
                                                 (level + 1) * rp->b, node, &n->rng, pick, want);
            guint bucket = level * rp->per_level + (digit < own ? digit : digit - 1);
            for (guint i = 0; i < got; i++)
                kad_rtable_add(&n->rt, rp, bucket, pick[i]);
        }
    }
    guint got = kad_oracle_sample_prefix(kad->oracle, kad->ids, &self, depth * rp->b, node,
                                         &n->rng, pick, want);
    for (guint i = 0; i < got; i++)
        kad_rtable_add(&n->rt, rp, depth * rp->per_level, pick[i]);
#ifdef KADSIM_DEBUG_CHECKS
    char *why = NULL;
    if (!kad_rtable_check(&n->rt, rp, kad->ids, node, &why))
        g_error("oracle table of node %u: %s", node, why);
#endif
}

