/* kad_proto — the Kademlia node: lifecycle, messages, RPCs, storage and maintenance timers.
 * Lookups (iterative and recursive) are in kad_lookup.c. */
#include "kad_private.h"

#include <string.h>

/* A lookup keeps this many candidates per k: room for the k closest live ones after some of
 * the closest have failed (failed ones must stay listed, or a later reply re-adds them). */
#define KAD_SHORTLIST_PER_K 3
/* Salt that keeps random lookup targets apart from the IDs of stored keys. */
#define KAD_LOOKUP_SALT 0x6c6f6f6b7570ULL

enum { MODE_ITERATIVE, MODE_RECURSIVE };
enum { BOOT_REAL, BOOT_ORACLE };
enum { EVICT_PING, EVICT_CACHE };

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

static const SimCfgKey kad_keys[] = {
    { "kademlia", "id_bits", SIM_CFG_INT, "160", KAD_ID_MIN_BITS, KAD_ID_MAX_BITS, NULL, NULL,
      "Bits of a node ID or key (the paper: 160)" },
    { "kademlia", "k", SIM_CFG_INT, "20", 1, 255, NULL, NULL,
      "Bucket size and replication factor k" },
    { "kademlia", "alpha", SIM_CFG_INT, "3", 1, 255, NULL, NULL,
      "Parallel RPCs of an iterative lookup (alpha)" },
    { "kademlia", "b", SIM_CFG_INT, "1", 1, 8, NULL, NULL,
      "Bits per routing digit (section 4.2, accelerated lookups); 1 = plain Kademlia" },
    { "kademlia", "replacement_cache", SIM_CFG_INT, "4", 0, 255, NULL, NULL,
      "Contacts kept per bucket to replace stale ones (section 4.1)" },
    { "kademlia", "eviction", SIM_CFG_CHOICE, "ping", 0, 0, "ping|cache", NULL,
      "A new contact meeting a full bucket: ping (section 2.2: ping the least-recently-seen\n"
      "contact, evict it only if it does not answer; the newcomer waits in the replacement\n"
      "cache) or cache (section 4.1: no ping; the newcomer waits in the replacement cache and\n"
      "replaces a contact when one fails an RPC; far fewer messages)" },
    { "kademlia", "stale_limit", SIM_CFG_INT, "5", 1, 15, NULL, NULL,
      "Failed RPCs in a row after which a contact is dropped (section 4.1: 5)" },
    { "kademlia", "rpc_timeout", SIM_CFG_DURATION, "1s", 1e-6, 3600, NULL, NULL,
      "Time to wait for the reply to an RPC" },
    { "kademlia", "rpc_timeout_rtt", SIM_CFG_DOUBLE, "0", 0, 100, NULL, NULL,
      "When > 0, an RPC's timeout is this multiple of the node's smoothed round-trip time\n"
      "(updated on every reply as TCP does: srtt = 7/8 srtt + 1/8 rtt), at most rpc_timeout;\n"
      "0 = always rpc_timeout" },
    { "kademlia", "lookup", SIM_CFG_CHOICE, "iterative", 0, 0, "iterative|recursive", NULL,
      "Lookups: iterative (the origin asks alpha nodes at a time) or recursive (the query is\n"
      "forwarded node to node and the last node answers the origin)" },
    { "kademlia", "recursive_timeout", SIM_CFG_DURATION, "5s", 1e-6, 3600, NULL,
      "lookup=recursive", "Time the origin waits for the answer of a recursive lookup before it "
      "retries through its next-closest contact" },
    { "kademlia", "bootstrap", SIM_CFG_CHOICE, "real", 0, 0, "real|oracle", NULL,
      "Joins: real (through a bootstrap node, a self-lookup and bucket refreshes, as in the\n"
      "paper) or oracle (routing tables filled from global knowledge: for large static runs;\n"
      "results say so)" },
    { "kademlia", "join_refresh", SIM_CFG_BOOL, "true", 0, 0, NULL, "bootstrap=real",
      "After its self-lookup a joining node refreshes every bucket farther than its closest\n"
      "neighbour (section 2.3)" },
    { "kademlia", "refresh", SIM_CFG_DURATION, "1h", 0, 1e9, NULL, NULL,
      "Refresh buckets not looked into for this long (0 = never)" },
    { "kademlia", "replicate", SIM_CFG_DURATION, "1h", 0, 1e9, NULL, NULL,
      "Holders re-store their pairs this often, skipping pairs stored to them meanwhile "
      "(0 = never)" },
    { "kademlia", "republish", SIM_CFG_DURATION, "24h", 0, 1e9, NULL, NULL,
      "The original publisher re-stores its pairs this often (0 = never)" },
    { "kademlia", "expire", SIM_CFG_DURATION, "24h", 1e-9, 1e9, NULL, NULL,
      "A stored pair not stored again within this time is dropped" },
    { "kademlia", "cache_on_get", SIM_CFG_BOOL, "false", 0, 0, NULL, NULL,
      "After a successful get, store the value at the closest node seen that lacked it\n"
      "(section 2.3 caching)" },
    { "kademlia", "value_size", SIM_CFG_INT, "100", 0, 65000, NULL, NULL,
      "Bytes of a value stored by the workload (for bandwidth)" },
};

/* ---- configuration and set-up ----------------------------------------------------------- */

static void kad_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "The Kademlia protocol (Maymounkov & Mazieres 2002)", kad_keys,
                       G_N_ELEMENTS(kad_keys));
}

static void on_timeout(Sim *sim, void *ctx, const SimEvent *ev);
static void on_lane(Sim *sim, void *ctx, const SimEvent *ev);
static void on_refresh(Sim *sim, void *ctx, const SimEvent *ev);
static void on_replicate(Sim *sim, void *ctx, const SimEvent *ev);
static void on_republish(Sim *sim, void *ctx, const SimEvent *ev);

static const char *const msg_names[KAD_MSG_TYPES] = {
    "PING", "PING_REPLY", "FIND_NODE", "FIND_NODE_REPLY",
    "FIND_VALUE", "FIND_VALUE_REPLY", "STORE", "STORE_REPLY",
};

static void *kad_create(Sim *sim, const SimConfig *cfg, GError **error)
{
    Kad *kad = g_new0(Kad, 1);
    kad->sim = sim;
    kad->id_bits = (guint) sim_config_get_int(cfg, "kademlia", "id_bits");
    kad->id_bytes = (kad->id_bits + 7) / 8;
    kad->k = (guint) sim_config_get_int(cfg, "kademlia", "k");
    kad->alpha = (guint) sim_config_get_int(cfg, "kademlia", "alpha");
    kad->rp = (KadRtableParams) {
        .id_bits = kad->id_bits, .k = kad->k,
        .b = (guint) sim_config_get_int(cfg, "kademlia", "b"),
        .repl = (guint) sim_config_get_int(cfg, "kademlia", "replacement_cache"),
        .stale_limit = (guint) sim_config_get_int(cfg, "kademlia", "stale_limit"),
    };
    if (kad->rp.b > kad->id_bits) {
        sim_config_fail(cfg, error, "kademlia", "b", "must not exceed id_bits (%u)", kad->id_bits);
        g_free(kad);
        return NULL;
    }
    kad_rtable_params_init(&kad->rp);
    kad->shortlist = kad->k * KAD_SHORTLIST_PER_K;
    kad->rpc_timeout = sim_config_get_duration(cfg, "kademlia", "rpc_timeout");
    kad->rtt_factor = sim_config_get_double(cfg, "kademlia", "rpc_timeout_rtt");
    kad->recursive = sim_config_get_choice(cfg, "kademlia", "lookup") == MODE_RECURSIVE;
    kad->recursive_timeout = kad->recursive
                                 ? sim_config_get_duration(cfg, "kademlia", "recursive_timeout")
                                 : 0;
    kad->oracle_bootstrap = sim_config_get_choice(cfg, "kademlia", "bootstrap") == BOOT_ORACLE;
    kad->join_refresh = !kad->oracle_bootstrap &&
                        sim_config_get_bool(cfg, "kademlia", "join_refresh");
    kad->refresh = sim_config_get_duration(cfg, "kademlia", "refresh");
    kad->replicate = sim_config_get_duration(cfg, "kademlia", "replicate");
    kad->republish = sim_config_get_duration(cfg, "kademlia", "republish");
    kad->expire = sim_config_get_duration(cfg, "kademlia", "expire");
    kad->cache_on_get = sim_config_get_bool(cfg, "kademlia", "cache_on_get");
    kad->eviction_ping = sim_config_get_choice(cfg, "kademlia", "eviction") == EVICT_PING;
    kad->value_size = (guint) sim_config_get_int(cfg, "kademlia", "value_size");

    for (int t = 0; t < KAD_MSG_TYPES; t++)
        kad->msg_type[t] = sim_msg_type_register(sim, msg_names[t]);
    kad->ev_timeout = sim_register_handler(sim, "kad-rpc-timeout", on_timeout, kad);
    kad->ev_lane = sim_register_handler(sim, "kad-rpc-timeouts", on_lane, kad);
    kad->lanes[0].delay = kad->rpc_timeout;
    kad->lanes[1].delay = kad->recursive ? kad->recursive_timeout : kad->rpc_timeout;
    kad->ev_refresh = sim_register_handler(sim, "kad-refresh", on_refresh, kad);
    kad->ev_replicate = sim_register_handler(sim, "kad-replicate", on_replicate, kad);
    kad->ev_republish = sim_register_handler(sim, "kad-republish", on_republish, kad);

    guint hosts = sim_hosts(sim);
    kad->host_node = g_new(uint32_t, hosts);
    memset(kad->host_node, 0xff, sizeof(uint32_t) * hosts);
    kad->cap_nodes = hosts;
    kad->nodes = realloc_lines(NULL, 0, kad->cap_nodes, sizeof(KadNode));
    kad->ids = realloc_lines(NULL, 0, kad->cap_nodes, sizeof(KadId));
    kad->node_host = g_new0(uint32_t, kad->cap_nodes);
    sim_pool_init(&kad->msgs, sizeof(KadMsg) + sizeof(uint32_t) * kad->k);
    sim_pool_init(&kad->rpcs, sizeof(KadRpc));
    sim_pool_init(&kad->lookups, sizeof(KadLookup) + sizeof(KadCand) * kad->shortlist);
    kad->oracle = kad_oracle_new(kad->id_bits);
    sim_stream_state(sim, "kad", 0, &kad->rng);
    kad->values = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
    g_ptr_array_add(kad->values, g_bytes_new_static("", 0));  /* handle 0: synthetic */
    kad->publications = g_array_new(FALSE, FALSE, sizeof(KadPublication));
    kad->op_values = g_hash_table_new(g_int64_hash, g_int64_equal);
    return kad;
}

static void kad_free(void *self)
{
    Kad *kad = self;
    for (uint32_t n = 0; n < kad->n_nodes; n++) {
        kad_rtable_free(&kad->nodes[n].rt);
        if (kad->nodes[n].store)
            g_array_free(kad->nodes[n].store, TRUE);
    }
    g_aligned_free(kad->nodes);
    g_aligned_free(kad->ids);
    g_free(kad->node_host);
    g_free(kad->host_node);
    sim_pool_clear(&kad->msgs);
    sim_pool_clear(&kad->rpcs);
    sim_pool_clear(&kad->lookups);
    for (int i = 0; i < KAD_LANES; i++)
        g_free(kad->lanes[i].buf);
    kad_oracle_free(kad->oracle);
    g_ptr_array_free(kad->values, TRUE);
    g_array_free(kad->publications, TRUE);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, kad->op_values);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_free(key);
    g_hash_table_destroy(kad->op_values);
    g_free(kad);
}

/* ---- messages and RPCs ------------------------------------------------------------------ */

static uint32_t wire_bytes(const Kad *kad, const KadMsg *m)
{
    uint32_t header = KAD_WIRE_IP_UDP + KAD_WIRE_TYPE + KAD_WIRE_RPC_ID + kad->id_bytes;
    uint32_t contact = kad->id_bytes + KAD_WIRE_ADDR;
    uint32_t value = m->value ? (uint32_t) g_bytes_get_size(g_ptr_array_index(kad->values,
                                                                              m->value))
                              : kad->value_size;
    uint32_t recursive = (m->flags & KAD_MSG_RECURSIVE) ? contact + KAD_WIRE_HOP : 0;
    switch ((KadMsgType) m->type) {
    case KAD_PING: case KAD_PING_REPLY: case KAD_STORE_REPLY:
        return header;
    case KAD_FIND_NODE: case KAD_FIND_VALUE:
        return header + kad->id_bytes + recursive;
    case KAD_FIND_NODE_REPLY: case KAD_FIND_VALUE_REPLY:
        if (m->flags & KAD_MSG_VALUE)
            return header + recursive + KAD_WIRE_LENGTH + value;
        return header + recursive + KAD_WIRE_COUNT + m->n_contacts * contact;
    case KAD_STORE:
        return header + kad->id_bytes + KAD_WIRE_LENGTH + value;
    case KAD_MSG_TYPES:
        break;
    }
    g_assert_not_reached();
}

uint32_t kad_msg_answer(Kad *kad, KadMsgType type, uint32_t from, uint32_t to, const KadMsg *req)
{
    uint32_t i = kad_msg_new(kad, type, from, to);
    KadMsg *m = kad_msg_at(kad, i);
    m->rpc = req->rpc;
    m->rpc_gen = req->rpc_gen;
    m->op = req->op;
    m->key = req->key;
    m->target = req->target;
    return i;
}

uint32_t kad_msg_new(Kad *kad, KadMsgType type, uint32_t from, uint32_t to)
{
    uint32_t i = sim_pool_alloc(&kad->msgs);
    KadMsg *m = kad_msg_at(kad, i);
    m->type = (uint8_t) type;
    m->from = from;
    m->to = to;
    m->rpc = KAD_NONE;
    m->origin = KAD_NONE;
    m->op = KAD_NO_OP;
    return i;
}

void kad_msg_send(Kad *kad, uint32_t msg)
{
    KadMsg *m = kad_msg_at(kad, msg);
    m->sent = sim_now(kad->sim);
    sim_send(kad->sim, kad->node_host[m->from], kad->node_host[m->to], kad->msg_type[m->type],
             wire_bytes(kad, m), msg);
}

void kad_msg_count(Kad *kad, uint32_t msg)
{
    KadMsg *m = kad_msg_at(kad, msg);
    if (m->rpc == KAD_NONE || !sim_pool_valid(&kad->rpcs, m->rpc, m->rpc_gen))
        return;
    const KadRpc *r = kad_rpc_at(kad, m->rpc);
    if (r->lookup == KAD_NONE || !sim_pool_valid(&kad->lookups, r->lookup, r->lookup_gen))
        return;
    kad_lookup_at(kad, r->lookup)->messages++;
    m->flags |= KAD_MSG_COUNTED;
}

/* rpc_timeout_rtt > 0: a multiple of the node's smoothed RTT, never above the fixed timeout. */
static SimTime adaptive_timeout(const Kad *kad, uint32_t node, SimTime fixed)
{
    uint32_t srtt_us = kad->nodes[node].srtt_us;
    if (kad->rtt_factor <= 0 || srtt_us == 0)
        return fixed;
    SimTime t = (SimTime) (kad->rtt_factor * (double) srtt_us * (double) SIM_US);
    return CLAMP(t, 1, fixed);
}

/* Fold one measured round trip into the node's smoothed RTT (RFC 6298's alpha = 1/8). */
static void note_rtt(Kad *kad, uint32_t node, SimTime rtt)
{
    KadNode *n = &kad->nodes[node];
    uint64_t sample = (uint64_t) MAX(rtt / SIM_US, 1);
    sample = MIN(sample, (uint64_t) UINT32_MAX);
    n->srtt_us = n->srtt_us == 0 ? (uint32_t) sample
                                 : (uint32_t) ((7 * (uint64_t) n->srtt_us + sample) / 8);
}

static void lane_schedule(Kad *kad, guint lane)
{
    KadLane *ln = &kad->lanes[lane];
    /* RPCs answered meanwhile need no wake-up: drop them, and wait only for the oldest RPC
     * still open. Most RPCs are answered long before their timeout, so a lane wakes about once
     * per timeout period instead of once per RPC. */
    while (ln->len > 0 &&
           !sim_pool_valid(&kad->rpcs, ln->buf[ln->head].rpc, ln->buf[ln->head].gen)) {
        ln->head = (ln->head + 1) % ln->cap;
        ln->len--;
    }
    ln->scheduled = ln->len > 0;
    if (ln->scheduled)
        sim_schedule(kad->sim, ln->buf[ln->head].due, kad->ev_lane, lane, 0, SIM_ORIGIN_ENGINE);
}

/* Queue the timeout of RPC (ri, gen) in the lane of its duration; FALSE when no lane has it. */
static gboolean lane_push(Kad *kad, SimTime timeout, uint32_t ri, uint32_t gen)
{
    guint lane = 0;
    while (lane < KAD_LANES && kad->lanes[lane].delay != timeout)
        lane++;
    if (lane == KAD_LANES)
        return FALSE;
    KadLane *ln = &kad->lanes[lane];
    if (ln->len == ln->cap) {  /* grow the ring, unwrapping it */
        guint cap = ln->cap ? ln->cap * 2 : 1024;
        KadDue *buf = g_new(KadDue, cap);
        for (guint i = 0; i < ln->len; i++)
            buf[i] = ln->buf[(ln->head + i) % ln->cap];
        g_free(ln->buf);
        ln->buf = buf;
        ln->cap = cap;
        ln->head = 0;
    }
    ln->buf[(ln->head + ln->len) % ln->cap] = (KadDue) { sim_now(kad->sim) + timeout, ri, gen };
    ln->len++;
    if (!ln->scheduled && !ln->busy)
        lane_schedule(kad, lane);
    return TRUE;
}

uint32_t kad_rpc_send(Kad *kad, uint32_t msg, KadRpcKind kind, uint32_t lookup, uint8_t hop,
                      SimTime timeout)
{
    uint32_t ri = sim_pool_alloc(&kad->rpcs);
    KadRpc *r = kad_rpc_at(kad, ri);
    KadMsg *m = kad_msg_at(kad, msg);
    r->from = m->from;
    r->to = m->to;
    r->kind = (uint8_t) kind;
    r->hop = hop;
    r->lookup = lookup;
    r->lookup_gen = lookup == KAD_NONE ? 0 : sim_pool_gen(&kad->lookups, lookup);
    r->sent = sim_now(kad->sim);
    uint32_t gen = sim_pool_gen(&kad->rpcs, ri);
    timeout = adaptive_timeout(kad, m->from, timeout);
    m->rpc = ri;
    m->rpc_gen = gen;
    r->timer = 0;
    if (!lane_push(kad, timeout, ri, gen)) {  /* a timeout of its own (rpc_timeout_rtt) */
        SimHost host = kad->node_host[m->from];
        r->timer = sim_schedule_cancellable(kad->sim, sim_now(kad->sim) + timeout,
                                            kad->ev_timeout, host, ((uint64_t) gen << 32) | ri,
                                            host);
    }
    kad_msg_count(kad, msg);
    kad_msg_send(kad, msg);
    return ri;
}

static gboolean node_is(const Kad *kad, uint32_t node, uint16_t epoch)
{
    return kad->nodes[node].state != NODE_DOWN && kad->nodes[node].epoch == epoch;
}

/* A contact's bucket was full: ping its least-recently-seen entry before evicting it. */
static void send_evict_ping(Kad *kad, uint32_t node, uint32_t lrs)
{
    uint32_t m = kad_msg_new(kad, KAD_PING, node, lrs);
    kad_rpc_send(kad, m, RPC_EVICT_PING, KAD_NONE, 0, kad->rpc_timeout);
}

void kad_note_seen(Kad *kad, uint32_t node, uint32_t contact)
{
    uint32_t ping = KAD_NONE;
    KadRtSeen r = kad_rtable_seen(&kad->nodes[node].rt, &kad->rp, kad->ids, node, contact, &ping);
    if (r == KAD_RT_FULL && ping <= KAD_MAX_NODES) {
        if (kad->eviction_ping)
            send_evict_ping(kad, node, ping);
        else
            kad_rtable_ping_done(&kad->nodes[node].rt, &kad->rp, kad->ids, node, ping);
    }
#ifdef KADSIM_DEBUG_CHECKS
    char *why = NULL;
    if (!kad_rtable_check(&kad->nodes[node].rt, &kad->rp, kad->ids, node, &why))
        g_error("routing table of node %u: %s", node, why);
#endif
}

/* RPC (ri, gen) got no reply in time, unless it has been answered since (generation changed). */
static void rpc_timed_out(Kad *kad, uint32_t ri, uint32_t gen)
{
    if (!sim_pool_valid(&kad->rpcs, ri, gen))
        return;
    KadRpc r = *kad_rpc_at(kad, ri);
    sim_pool_release(&kad->rpcs, ri);
    KadNode *from = &kad->nodes[r.from];
    if (from->state == NODE_DOWN)
        return;
    kad_rtable_failed(&from->rt, &kad->rp, kad->ids, r.from, r.to, r.kind == RPC_EVICT_PING);
    if (r.kind == RPC_EVICT_PING)
        kad_rtable_ping_done(&from->rt, &kad->rp, kad->ids, r.from, r.to);
    if (r.lookup == KAD_NONE || !sim_pool_valid(&kad->lookups, r.lookup, r.lookup_gen))
        return;
    if (r.kind == RPC_QUERY)
        kad_lookup_timeout(kad, r.lookup, &r);
    else if (r.kind == RPC_STORE)
        kad_lookup_store_done(kad, r.lookup, FALSE);
}

static void on_timeout(Sim *sim, void *ctx, const SimEvent *ev)
{
    rpc_timed_out(ctx, (uint32_t) ev->data, (uint32_t) (ev->data >> 32));
}

/* The head of a lane is due: handle every timeout due now, then wait for the next. */
static void on_lane(Sim *sim, void *ctx, const SimEvent *ev)
{
    Kad *kad = ctx;
    KadLane *ln = &kad->lanes[ev->target];
    ln->busy = TRUE;
    while (ln->len > 0 && ln->buf[ln->head].due <= sim_now(sim)) {
        KadDue due = ln->buf[ln->head];
        ln->head = (ln->head + 1) % ln->cap;
        ln->len--;
        rpc_timed_out(kad, due.rpc, due.gen);  /* may push more: ln->buf may move */
    }
    ln->busy = FALSE;
    lane_schedule(kad, ev->target);
}

/* A reply arrived at its RPC's sender: stop the timer, hand it to whoever asked. */
static void on_reply(Kad *kad, const KadMsg *m)
{
    if (m->rpc == KAD_NONE || !sim_pool_valid(&kad->rpcs, m->rpc, m->rpc_gen))
        return;  /* late: the RPC already timed out */
    KadRpc r = *kad_rpc_at(kad, m->rpc);
    if (r.from != m->to)
        return;
    if (r.timer)
        sim_cancel(kad->sim, r.timer);
    sim_pool_release(&kad->rpcs, m->rpc);
    if (!(m->flags & KAD_MSG_RECURSIVE))  /* a recursive answer's delay is the whole path's */
        note_rtt(kad, r.from, sim_now(kad->sim) - r.sent);
    if (r.kind == RPC_EVICT_PING)
        kad_rtable_ping_done(&kad->nodes[r.from].rt, &kad->rp, kad->ids, r.from, r.to);
    if (r.lookup == KAD_NONE || !sim_pool_valid(&kad->lookups, r.lookup, r.lookup_gen))
        return;
    if (r.kind == RPC_QUERY)
        kad_lookup_reply(kad, r.lookup, &r, m);
    else if (r.kind == RPC_STORE)
        kad_lookup_store_done(kad, r.lookup, TRUE);
}

/* ---- storage ---------------------------------------------------------------------------- */

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
    if (!node_is(kad, node, (uint16_t) ev->data))
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
    if (!node_is(kad, pub->node, pub->epoch))
        return;  /* the publisher is gone: nobody republishes */
    kad_lookup_start(kad, pub->node, &pub->key, P_REPUBLISH, KAD_NO_OP, 0, pub->value,
                     KAD_NONE);
    sim_schedule(sim, sim_now(sim) + kad->republish, kad->ev_republish, pub->node, ev->data,
                 kad->node_host[pub->node]);
}

static void remember_publication(Kad *kad, uint32_t node, const KadId *key, uint32_t value)
{
    if (kad->republish == 0)
        return;
    KadPublication pub = { node, kad->nodes[node].epoch, value, *key };
    g_array_append_val(kad->publications, pub);
    sim_schedule(kad->sim, sim_now(kad->sim) + kad->republish, kad->ev_republish, node,
                 kad->publications->len - 1, kad->node_host[node]);
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
    if (!node_is(kad, node, (uint16_t) ev->data))
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

static uint32_t new_node(Kad *kad, SimHost host)
{
    if (kad->n_nodes == kad->cap_nodes) {
        kad->nodes = realloc_lines(kad->nodes, kad->cap_nodes, 2 * kad->cap_nodes, sizeof(KadNode));
        kad->ids = realloc_lines(kad->ids, kad->cap_nodes, 2 * kad->cap_nodes, sizeof(KadId));
        kad->cap_nodes *= 2;
        kad->node_host = g_renew(uint32_t, kad->node_host, kad->cap_nodes);
    }
    if (kad->n_nodes >= KAD_MAX_NODES)
        g_error("more than %u node identities: contacts are %d-bit numbers", KAD_MAX_NODES,
                KAD_CONTACT_BITS);
    uint32_t node = kad->n_nodes++;
    KadNode *n = &kad->nodes[node];
    memset(n, 0, sizeof *n);
    kad->node_host[node] = host;
    sim_stream_state(kad->sim, "kad-node", node, &n->rng);
    kad->ids[node] = kad_id_random(&n->rng, kad->id_bits);
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
    kad_oracle_add(kad->oracle, kad->ids, node);
}

static void report_instant_join(Kad *kad, uint32_t node)
{
    SimTime now = sim_now(kad->sim);
    SimOp op = { .id = sim_op_begin(kad->sim), .kind = SIM_OP_JOIN, .origin = kad->node_host[node],
                 .start = now, .end = now, .success = TRUE, .correct = -1 };
    kad_join_complete(kad, node);
    sim_op_end(kad->sim, &op);
}

static void kad_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh)
{
    Kad *kad = self;
    uint32_t node = kad->host_node[host];
    if (node == KAD_NONE || fresh) {
        if (node != KAD_NONE) {  /* the old identity is gone for good: free its state */
            kad_rtable_free(&kad->nodes[node].rt);
        }
        node = new_node(kad, host);
        kad->host_node[host] = node;
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
    kad_note_seen(kad, node, kad->host_node[bootstrap]);
    uint64_t op = sim_op_begin(kad->sim);
    kad_lookup_start(kad, node, &kad->ids[node], P_JOIN, op, 0, 0, KAD_NONE);
}

static void kad_host_down(void *self, SimHost host, gboolean graceful)
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
    uint32_t pick[512];
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

/* ---- message handling ------------------------------------------------------------------- */

static void reply_closest(Kad *kad, uint32_t node, const KadMsg *req, KadMsgType type,
                          uint32_t to)
{
    uint32_t mi = kad_msg_answer(kad, type, node, to, req);
    KadMsg *m = kad_msg_at(kad, mi);
    /* k closest known, leaving out the asker (it knows itself) */
    m->n_contacts = (uint16_t) kad_rtable_closest_set(&kad->nodes[node].rt, &kad->rp, kad->ids,
                                                      &kad->ids[node], &req->target, req->from,
                                                      m->contacts, kad->k);
    kad_msg_count(kad, mi);
    kad_msg_send(kad, mi);
}

static void reply_plain(Kad *kad, uint32_t node, const KadMsg *req, KadMsgType type)
{
    uint32_t mi = kad_msg_answer(kad, type, node, req->from, req);
    kad_msg_count(kad, mi);
    kad_msg_send(kad, mi);
}

static void handle_find_value(Kad *kad, uint32_t node, const KadMsg *req)
{
    const KadItem *it = kad_store_find(kad, node, &req->target);
    if (!it) {
        reply_closest(kad, node, req, KAD_FIND_VALUE_REPLY, req->from);
        return;
    }
    uint32_t mi = kad_msg_answer(kad, KAD_FIND_VALUE_REPLY, node, req->from, req);
    KadMsg *m = kad_msg_at(kad, mi);
    m->flags = KAD_MSG_VALUE;
    m->value = it->value;
    kad_msg_count(kad, mi);
    kad_msg_send(kad, mi);
}

static void kad_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    Kad *kad = self;
    /* Work on a copy and recycle the pooled message first: answering allocates messages, and a
     * pool that grows moves its records. */
    union {
        KadMsg m;
        uint8_t raw[sizeof(KadMsg) + 255 * sizeof(uint32_t)];
    } buf;
    const KadMsg *pooled = kad_msg_at(kad, payload);
    memcpy(&buf, pooled, sizeof(KadMsg) + sizeof(uint32_t) * pooled->n_contacts);
    sim_pool_release(&kad->msgs, payload);
    const KadMsg *m = &buf.m;
    uint32_t node = kad->host_node[dst];
    /* The identity it was meant for may have left this host (a fresh-ID rejoin): lost. */
    if (node != m->to || kad->nodes[node].state == NODE_DOWN)
        return;
    kad_fill_from_oracle(kad, node);
    kad_note_seen(kad, node, m->from);
    if (m->flags & KAD_MSG_RECURSIVE && (m->type == KAD_FIND_NODE || m->type == KAD_FIND_VALUE)) {
        kad_recursive_forward(kad, node, m);
        return;
    }
    switch ((KadMsgType) m->type) {
    case KAD_PING:
        reply_plain(kad, node, m, KAD_PING_REPLY);
        break;
    case KAD_FIND_NODE:
        reply_closest(kad, node, m, KAD_FIND_NODE_REPLY, m->from);
        break;
    case KAD_FIND_VALUE:
        handle_find_value(kad, node, m);
        break;
    case KAD_STORE:
        kad_store_local(kad, node, &m->target, m->value);
        reply_plain(kad, node, m, KAD_STORE_REPLY);
        break;
    case KAD_PING_REPLY: case KAD_FIND_NODE_REPLY: case KAD_FIND_VALUE_REPLY:
    case KAD_STORE_REPLY:
        on_reply(kad, m);
        break;
    case KAD_MSG_TYPES:
        g_assert_not_reached();
    }
}

static void kad_discard(void *self, uint32_t payload, SimFate fate)
{
    Kad *kad = self;
    sim_pool_release(&kad->msgs, payload);
}

/* ---- operations from the workload ------------------------------------------------------- */

KadId kad_key_id(const Kad *kad, uint64_t key)
{
    return kad_id_from_u64(key, kad->id_bits);
}

static void start(Kad *kad, SimOpKind kind, uint32_t node, const KadId *target, uint64_t key,
                  uint64_t op, uint32_t value)
{
    kad_fill_from_oracle(kad, node);
    switch (kind) {
    case SIM_OP_LOOKUP:
        kad_lookup_start(kad, node, target, P_LOOKUP, op, key, 0, KAD_NONE);
        break;
    case SIM_OP_STORE:
        remember_publication(kad, node, target, value);
        kad_lookup_start(kad, node, target, P_STORE, op, key, value, KAD_NONE);
        break;
    case SIM_OP_GET:
        kad_lookup_start(kad, node, target, P_GET, op, key, 0, KAD_NONE);
        break;
    default:
        g_assert_not_reached();
    }
}

static void kad_start_op(void *self, SimOpKind kind, SimHost origin, uint64_t key)
{
    Kad *kad = self;
    uint32_t node = kad->host_node[origin];
    KadId target = kind == SIM_OP_LOOKUP ? kad_id_from_u64(key ^ KAD_LOOKUP_SALT, kad->id_bits)
                                         : kad_key_id(kad, key);
    start(kad, kind, node, &target, key, sim_op_begin(kad->sim), 0);
}

uint64_t kad_put(Kad *kad, SimHost origin, const KadId *key, uint32_t value)
{
    uint64_t op = sim_op_begin(kad->sim);
    start(kad, SIM_OP_STORE, kad->host_node[origin], key, 0, op, value);
    return op;
}

uint64_t kad_get(Kad *kad, SimHost origin, const KadId *key)
{
    uint64_t op = sim_op_begin(kad->sim);
    start(kad, SIM_OP_GET, kad->host_node[origin], key, 0, op, 0);
    return op;
}

/* ---- inspection ------------------------------------------------------------------------- */

guint kad_k(const Kad *kad) { return kad->k; }
guint kad_id_bits(const Kad *kad) { return kad->id_bits; }

const KadId *kad_host_id(const Kad *kad, SimHost host)
{
    uint32_t node = kad->host_node[host];
    return node == KAD_NONE ? NULL : &kad->ids[node];
}

guint kad_host_table_size(const Kad *kad, SimHost host)
{
    uint32_t node = kad->host_node[host];
    return node == KAD_NONE ? 0 : kad_rtable_size(&kad->nodes[node].rt, &kad->rp);
}

gboolean kad_check_invariants(const Kad *kad, char **why)
{
    for (uint32_t n = 0; n < kad->n_nodes; n++) {
        if (kad->nodes[n].state == NODE_DOWN)
            continue;
        char *inner = NULL;
        if (!kad_rtable_check(&kad->nodes[n].rt, &kad->rp, kad->ids, n, &inner)) {
            *why = g_strdup_printf("node %u: %s", n, inner);
            g_free(inner);
            return FALSE;
        }
    }
    return TRUE;
}

double kad_bytes_per_node(const Kad *kad)
{
    if (kad->n_nodes == 0)
        return 0;
    gsize bytes = (sizeof(KadNode) + sizeof(KadId) + sizeof(uint32_t)) * (gsize) kad->cap_nodes;
    for (uint32_t n = 0; n < kad->n_nodes; n++)
        bytes += kad_rtable_bytes(&kad->nodes[n].rt, &kad->rp);
    bytes += sizeof(uint32_t) * sim_hosts(kad->sim);
    return (double) bytes / kad->n_nodes;
}

uint32_t kad_value_new(Kad *kad, GBytes *bytes)
{
    g_ptr_array_add(kad->values, g_bytes_ref(bytes));
    return kad->values->len - 1;
}

GBytes *kad_op_value(const Kad *kad, uint64_t op_id)
{
    gpointer v = g_hash_table_lookup(kad->op_values, &op_id);
    guint handle = GPOINTER_TO_UINT(v);
    return handle ? g_ptr_array_index(kad->values, handle) : NULL;
}

guint kad_holders(Kad *kad, const KadId *key, SimHost *out, guint max)
{
    guint n = 0;
    for (uint32_t node = 0; node < kad->n_nodes && n < max; node++)
        if (kad->nodes[node].state != NODE_DOWN && kad_store_find(kad, node, key))
            out[n++] = kad->node_host[node];
    return n;
}

static gsize kad_memory(const void *self)
{
    const Kad *kad = self;
    gsize bytes = (gsize) (kad_bytes_per_node(kad) * kad->n_nodes);
    return bytes + sim_pool_bytes(&kad->msgs) + sim_pool_bytes(&kad->rpcs) +
           sim_pool_bytes(&kad->lookups) + kad_oracle_bytes(kad->oracle);
}

static void kad_describe(const void *self, GString *out)
{
    const Kad *kad = self;
    if (kad->oracle_bootstrap)
        g_string_append(out, "bootstrap = oracle: routing tables were filled from global "
                              "knowledge, not built by joins\n");
}

/* Three stages (see SimProtocolClass.prefetch), each one pointer further than the last:
 *   3: the host's node number; the message.
 *   2: the node's record and ID; the sender's ID; the RPC a message belongs to (its record and
 *      generation); the IDs of the contacts a reply carries (the lookup sorts them).
 *   1: the routing-table bucket the sender goes to (and, for a query, the buckets its closest
 *      set will read); the lookup the RPC serves (its header, or all of it for a reply).
 * Every index is bounds-checked: the message may be stale by the time it is looked at. */
static void kad_prefetch(const void *self, SimHost host, gboolean is_message, uint32_t payload,
                         guint ahead)
{
    const Kad *kad = self;
    const KadMsg *m = is_message && payload < kad->msgs.used ? sim_pool_at(&kad->msgs, payload)
                                                               : NULL;
    if (ahead >= 3) {
        __builtin_prefetch(&kad->host_node[host]);
        if (m)
            for (gsize off = 0; off < kad->msgs.elem; off += 64)
                __builtin_prefetch((const uint8_t *) m + off);
        return;
    }
    uint32_t node = kad->host_node[host];
    if (node >= kad->n_nodes)
        return;
    gboolean reply = m && (m->type == KAD_FIND_NODE_REPLY || m->type == KAD_FIND_VALUE_REPLY);
    gboolean query = m && (m->type == KAD_FIND_NODE || m->type == KAD_FIND_VALUE);
    gboolean rpc = m && m->rpc < kad->rpcs.used;
    if (ahead == 2) {
        __builtin_prefetch(&kad->nodes[node]);
        __builtin_prefetch(&kad->ids[node]);
        if (!m)
            return;
        if (m->from < kad->n_nodes)
            __builtin_prefetch(&kad->ids[m->from]);
        if (rpc) {
            __builtin_prefetch(sim_pool_at(&kad->rpcs, m->rpc));
            __builtin_prefetch(&kad->rpcs.gen[m->rpc]);
        }
        if (reply)
            for (guint i = 0; i < m->n_contacts && i < kad->k; i++)
                if (m->contacts[i] < kad->n_nodes)
                    __builtin_prefetch(&kad->ids[m->contacts[i]]);
        return;
    }
    if (!m)
        return;
    const KadRtable *rt = &kad->nodes[node].rt;
    if (m->from < kad->n_nodes && m->from != node)
        kad_rtable_prefetch(rt, &kad->rp, &kad->ids[node], &kad->ids[m->from]);
    if (query)
        kad_rtable_prefetch_closest(rt, &kad->rp, &kad->ids[node], &m->target);
    if (rpc && kad->rpcs.gen[m->rpc] == m->rpc_gen) {
        const KadRpc *r = sim_pool_at(&kad->rpcs, m->rpc);
        if (r->lookup < kad->lookups.used) {
            const uint8_t *L = sim_pool_at(&kad->lookups, r->lookup);
            __builtin_prefetch(&kad->lookups.gen[r->lookup]);
            /* a reply is merged into the candidate list (all of it); a request only
             * counts its answer in the header */
            gsize bytes = reply ? kad->lookups.elem : sizeof(KadLookup);
            for (gsize off = 0; off < bytes; off += 64)
                __builtin_prefetch(L + off, 1);
        }
    }
}

static gboolean kad_trace_info(const void *self, uint32_t payload, SimTraceRow *row)
{
    const Kad *kad = self;
    const KadMsg *m = sim_pool_at(&kad->msgs, payload);
    if (m->op == KAD_NO_OP || !(m->flags & KAD_MSG_COUNTED))
        return FALSE;  /* sent after its operation ended: not one of its messages */
    row->sent = m->sent;
    row->op = m->op;
    row->key = m->key;
    row->hop = m->hop;
    gboolean has_target = m->type != KAD_PING && m->type != KAD_PING_REPLY;
    row->bits_to_target = has_target ? (int32_t) kad_id_cpl(&kad->ids[m->to], &m->target,
                                                            kad->id_bits)
                                     : -1;
    gboolean reply = m->type == KAD_PING_REPLY || m->type == KAD_FIND_NODE_REPLY ||
                     m->type == KAD_FIND_VALUE_REPLY || m->type == KAD_STORE_REPLY;
    row->late = reply && m->rpc != KAD_NONE && !sim_pool_valid(&kad->rpcs, m->rpc, m->rpc_gen);
    return TRUE;
}

const SimProtocolClass kad_protocol_class = {
    "kademlia", kad_declare, kad_create, kad_free, kad_host_up, kad_host_down, kad_deliver,
    kad_discard, kad_start_op, kad_memory, kad_describe, kad_trace_info, kad_prefetch,
};
