/* chord_proto — the Chord node: configuration, messages, RPCs and their timeouts, nodes coming
 * and going, the workload's operations, inspection. The ring's upkeep is in chord_maint.c,
 * lookups in chord_lookup.c, keys in chord_store.c. */
#include "chord_private.h"

#include <string.h>

/* Salt that keeps random lookup targets apart from the IDs of stored keys. */
#define CHORD_LOOKUP_SALT 0x6c6f6f6b7570ULL

enum { BOOT_JOIN, BOOT_ORACLE };

static const SimCfgKey chord_keys[] = {
    { "chord", "id_bits", SIM_CFG_INT, "160", CHORD_ID_MIN_BITS, CHORD_ID_MAX_BITS, NULL, NULL,
      "Bits m of an identifier: the ring has 2^m points (the papers: 160, SHA-1)" },
    { "chord", "successors", SIM_CFG_INT, "16", 1, CHORD_MAX_SUCCESSORS, NULL, NULL,
      "Length r of the successor list; the papers ask r = O(log N): with 16, a ring of 64k\n"
      "nodes stays connected w.h.p. when half the nodes fail at once (0.5^16 = 1.5e-5 per node)" },
    { "chord", "replicas", SIM_CFG_INT, "3", 0, CHORD_MAX_SUCCESSORS, NULL, NULL,
      "A stored key is copied to this many successors of its owner (at most `successors`)" },
    { "chord", "stabilize", SIM_CFG_DURATION, "30s", 0, 1e9, NULL, NULL,
      "Period of stabilize (ask the successor for its predecessor and successor list, then\n"
      "notify it); 0 = never" },
    { "chord", "fix_fingers", SIM_CFG_DURATION, "30s", 0, 1e9, NULL, NULL,
      "Period of fix_fingers: each time, one lookup refreshes the next finger (and every\n"
      "finger whose start lies before the node it finds); 0 = never" },
    { "chord", "check_predecessor", SIM_CFG_DURATION, "30s", 0, 1e9, NULL, NULL,
      "Period of check_predecessor (ping it; forget it if it does not answer); 0 = never" },
    { "chord", "rpc_timeout", SIM_CFG_DURATION, "1s", 1e-6, 3600, NULL, NULL,
      "Time to wait for the reply to an RPC before trying the next finger or successor" },
    { "chord", "rpc_timeout_true_rtt", SIM_CFG_DOUBLE, "0", 0, 100, NULL, NULL,
      "When > 0, an RPC's timeout is this multiple of the true round trip between the two\n"
      "hosts (the latency model's delays both ways, without jitter) instead of rpc_timeout,\n"
      "as Kademlia's key of that name (p2psim's timeout_cheat): knowledge no real node has;\n"
      "0 = off. Recursive queries keep recursive_timeout" },
    { "chord", "rpc_retries", SIM_CFG_INT, "2", 0, 10, NULL, NULL,
      "Times an unanswered request is sent again, each attempt with its own timeout, before\n"
      "its target is taken for dead (as Kademlia's key of that name). A lookup goes on with its\n"
      "next candidate at the first timeout of a hop while the retries continue. Recursive\n"
      "queries are not resent: their origin retries through another candidate" },
    { "chord", "self_lookup", SIM_CFG_BOOL, "true", 0, 0, NULL, NULL,
      "Once a fix_fingers round, a node also looks up its own ID through its fingers, and takes\n"
      "the node the others' tables give as its successor if that one is closer than its own\n"
      "(a node that skipped its true successor and has no predecessor finds it this way)" },
    { "chord", "route_successors", SIM_CFG_BOOL, "true", 0, 0, NULL, NULL,
      "Routing also takes the successor list for fingers (ToN 2003: fewer hops near the\n"
      "target, more ways around a failed node); false = fingers only, as in the 2001 paper's\n"
      "path-length experiment (the successor is still used when no finger precedes the target)" },
    { "chord", "recursive", SIM_CFG_BOOL, "false", 0, 0, NULL, NULL,
      "Lookups: false = iterative (the origin asks each node of the path itself), true =\n"
      "recursive (each node forwards the query; the successor answers the origin)" },
    { "chord", "recursive_timeout", SIM_CFG_DURATION, "5s", 1e-6, 3600, NULL, NULL,
      "Recursive lookups: time the origin waits for the answer before it retries through its\n"
      "next-closest finger" },
    { "chord", "bootstrap", SIM_CFG_CHOICE, "join", 0, 0, "join|oracle", NULL,
      "Joins: join (find_successor of the node's ID through a bootstrap node, then\n"
      "stabilization) or oracle (successor list, predecessor and fingers filled from global\n"
      "knowledge the first time a node acts: for large static runs; results say so)" },
    { "chord", "value_size", SIM_CFG_INT, "100", 0, 65000, NULL, NULL,
      "Bytes of a value stored by the workload (for bandwidth)" },
};

static const char *const msg_names[CHORD_MSG_TYPES] = {
    "FIND_SUCC", "FIND_SUCC_REPLY", "GET_PRED", "GET_PRED_REPLY", "NOTIFY", "PING",
    "PING_REPLY", "STORE", "STORE_REPLY", "REPLICA", "TRANSFER", "LEAVE", "HINT",
};

static void rpc_timed_out(void *ctx, uint32_t ri, uint32_t gen);

/* ---- configuration and set-up ----------------------------------------------------------- */

static void chord_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "The Chord protocol (Stoica et al. 2001, 2003)", chord_keys,
                       G_N_ELEMENTS(chord_keys));
}

static void *chord_create(Sim *sim, const SimConfig *cfg, GError **error)
{
    Chord *c = g_new0(Chord, 1);
    c->sim = sim;
    c->id_bits = (guint) sim_config_get_int(cfg, "chord", "id_bits");
    c->id_bytes = (c->id_bits + 7) / 8;
    c->r = (guint) sim_config_get_int(cfg, "chord", "successors");
    c->replicas = (guint) sim_config_get_int(cfg, "chord", "replicas");
    if (c->replicas > c->r) {
        sim_config_fail(cfg, error, "chord", "replicas", "must not exceed successors (%u)", c->r);
        g_free(c);
        return NULL;
    }
    c->stabilize = sim_config_get_duration(cfg, "chord", "stabilize");
    c->fix_fingers = sim_config_get_duration(cfg, "chord", "fix_fingers");
    c->check_pred = sim_config_get_duration(cfg, "chord", "check_predecessor");
    c->rpc_timeout = sim_config_get_duration(cfg, "chord", "rpc_timeout");
    c->true_rtt_factor = sim_config_get_double(cfg, "chord", "rpc_timeout_true_rtt");
    c->rpc_retries = (guint) sim_config_get_int(cfg, "chord", "rpc_retries");
    c->self_lookup = sim_config_get_bool(cfg, "chord", "self_lookup");
    c->route_successors = sim_config_get_bool(cfg, "chord", "route_successors");
    c->recursive = sim_config_get_bool(cfg, "chord", "recursive");
    c->recursive_timeout = sim_config_get_duration(cfg, "chord", "recursive_timeout");
    c->oracle_bootstrap = sim_config_get_choice(cfg, "chord", "bootstrap") == BOOT_ORACLE;
    c->value_size = (guint) sim_config_get_int(cfg, "chord", "value_size");

    for (int t = 0; t < CHORD_MSG_TYPES; t++)
        c->msg_type[t] = sim_msg_type_register(sim, msg_names[t]);
    c->timeouts = sim_timeouts_new(sim, &c->rpcs, rpc_timed_out, c);
    sim_timeouts_add_lane(c->timeouts, c->rpc_timeout);
    if (c->recursive)
        sim_timeouts_add_lane(c->timeouts, c->recursive_timeout);
    chord_maint_register(c);

    guint hosts = sim_hosts(sim);
    c->host_node = g_new(uint32_t, hosts);
    memset(c->host_node, 0xff, sizeof(uint32_t) * hosts);
    c->cap_nodes = MAX(hosts, 1u);
    c->nodes = g_new0(ChordNode, c->cap_nodes);
    c->ids = g_new0(ChordId, c->cap_nodes);
    c->succ = g_new0(uint32_t, (gsize) c->cap_nodes * c->r);
    c->node_host = g_new0(uint32_t, c->cap_nodes);
    guint reply_nodes = MAX(c->r, (guint) CHORD_NEXT_HOPS);
    sim_pool_init(&c->msgs, sizeof(ChordMsg) + sizeof(uint32_t) * reply_nodes);
    sim_pool_init(&c->rpcs, sizeof(ChordRpc));
    sim_pool_init(&c->lookups, sizeof(ChordLookup));
    c->ring = chord_ring_new();
    return c;
}

static void chord_free(void *self)
{
    Chord *c = self;
    for (uint32_t n = 0; n < c->n_nodes; n++) {
        chord_fingers_clear(&c->nodes[n].fingers);
        chord_store_clear(c, n);
    }
    g_free(c->nodes);
    g_free(c->ids);
    g_free(c->succ);
    g_free(c->node_host);
    g_free(c->host_node);
    sim_timeouts_free(c->timeouts);
    sim_pool_clear(&c->msgs);
    sim_pool_clear(&c->rpcs);
    sim_pool_clear(&c->lookups);
    chord_ring_free(c->ring);
    g_free(c);
}

/* ---- messages and RPCs ------------------------------------------------------------------ */

static uint32_t wire_bytes(const Chord *c, const ChordMsg *m)
{
    uint32_t header = CHORD_WIRE_IP_UDP + CHORD_WIRE_TYPE + CHORD_WIRE_RPC_ID + c->id_bytes;
    uint32_t node = c->id_bytes + CHORD_WIRE_ADDR;
    uint32_t list = CHORD_WIRE_COUNT + m->n_nodes * node;
    uint32_t value = CHORD_WIRE_LENGTH + c->value_size;
    uint32_t recursive = (m->flags & CHORD_MSG_RECURSIVE) ? node + CHORD_WIRE_HOP : 0;
    switch ((ChordMsgType) m->type) {
    case CHORD_GET_PRED: case CHORD_NOTIFY: case CHORD_PING: case CHORD_PING_REPLY:
    case CHORD_STORE_REPLY:
        return header;
    case CHORD_FIND_SUCC:
        return header + c->id_bytes + CHORD_WIRE_FLAGS + recursive;
    case CHORD_FIND_SUCC_REPLY:
        if (m->flags & CHORD_MSG_VALUE)
            return header + CHORD_WIRE_FLAGS + recursive + value;
        return header + CHORD_WIRE_FLAGS + recursive + list;
    case CHORD_GET_PRED_REPLY: case CHORD_LEAVE:
        return header + node + list;
    case CHORD_HINT:
        return header + node;
    case CHORD_STORE: case CHORD_REPLICA: case CHORD_TRANSFER:
        return header + c->id_bytes + value;
    case CHORD_MSG_TYPES:
        break;
    }
    g_assert_not_reached();
}

uint32_t chord_msg_new(Chord *c, ChordMsgType type, uint32_t from, uint32_t to)
{
    uint32_t i = sim_pool_alloc(&c->msgs);
    ChordMsg *m = chord_msg_at(c, i);
    m->type = (uint8_t) type;
    m->from = from;
    m->to = to;
    m->rpc = CHORD_NONE;
    m->origin = CHORD_NONE;
    m->pred = CHORD_NONE;
    m->op = CHORD_NO_OP;
    return i;
}

uint32_t chord_msg_answer(Chord *c, ChordMsgType type, uint32_t from, uint32_t to,
                          const ChordMsg *req)
{
    uint32_t i = chord_msg_new(c, type, from, to);
    ChordMsg *m = chord_msg_at(c, i);
    m->rpc = req->rpc;
    m->rpc_gen = req->rpc_gen;
    m->op = req->op;
    m->key = req->key;
    m->target = req->target;
    m->origin = req->origin;
    m->hop = req->hop;
    return i;
}

void chord_msg_send(Chord *c, uint32_t msg)
{
    ChordMsg *m = chord_msg_at(c, msg);
    m->sent = sim_now(c->sim);
    sim_send(c->sim, c->node_host[m->from], c->node_host[m->to], c->msg_type[m->type],
             wire_bytes(c, m), msg);
}

void chord_msg_count(Chord *c, uint32_t msg)
{
    ChordMsg *m = chord_msg_at(c, msg);
    if (m->rpc == CHORD_NONE || !sim_pool_valid(&c->rpcs, m->rpc, m->rpc_gen))
        return;
    const ChordRpc *r = chord_rpc_at(c, m->rpc);
    if (r->lookup == CHORD_NONE || !sim_pool_valid(&c->lookups, r->lookup, r->lookup_gen))
        return;
    chord_lookup_at(c, r->lookup)->messages++;
    m->flags |= CHORD_MSG_COUNTED;
}

/* The one place an RPC's timeout is set: the engine's FIFO lanes (sim_timeouts.h) for the
 * configured timeouts, a timer of its own otherwise. */
static SimTimerId chord_rpc_arm_timeout(Chord *c, uint32_t ri, uint32_t gen, SimTime timeout)
{
    SimHost host = c->node_host[chord_rpc_at(c, ri)->from];
    return sim_timeouts_arm(c->timeouts, timeout, ri, gen, host);
}

/* A lane's entry needs no cancel: the released record's new generation makes it stale. */
static void rpc_disarm(Chord *c, const ChordRpc *r)
{
    if (r->timer)
        sim_cancel(c->sim, r->timer);
}

/* The timeout of request m: rpc_timeout_true_rtt > 0, a multiple of the true round trip
 * between the two hosts (as Kademlia's request_timeout); else `fixed`. A recursive query's
 * answer comes over a whole path: its fixed timeout stays. */
static SimTime request_timeout(const Chord *c, const ChordMsg *m, SimTime fixed)
{
    if (c->true_rtt_factor <= 0 || (m->flags & CHORD_MSG_RECURSIVE))
        return fixed;
    SimHost a = c->node_host[m->from], b = c->node_host[m->to];
    SimTime rtt = sim_proximity(c->sim, a, b) + sim_proximity(c->sim, b, a);
    return MAX((SimTime) (c->true_rtt_factor * (double) rtt), 1);
}

uint32_t chord_rpc_send(Chord *c, uint32_t msg, ChordRpcKind kind, uint32_t lookup,
                        SimTime timeout)
{
    /* With retries, the RPC keeps a copy of its request to send again (allocated before any
     * pointer is taken: the pool may move). */
    uint32_t keep = CHORD_NONE;
    if (c->rpc_retries > 0 && !(chord_msg_at(c, msg)->flags & CHORD_MSG_RECURSIVE))
        keep = sim_pool_alloc(&c->msgs);
    uint32_t ri = sim_pool_alloc(&c->rpcs);
    ChordRpc *r = chord_rpc_at(c, ri);
    ChordMsg *m = chord_msg_at(c, msg);
    r->from = m->from;
    r->to = m->to;
    r->kind = (uint8_t) kind;
    r->lookup = lookup;
    r->lookup_gen = lookup == CHORD_NONE ? 0 : sim_pool_gen(&c->lookups, lookup);
    r->sent = sim_now(c->sim);
    r->epoch = c->nodes[m->from].epoch;
    r->request = keep;
    r->attempt = 0;
    r->slow = 0;
    uint32_t gen = sim_pool_gen(&c->rpcs, ri);
    m->rpc = ri;
    m->rpc_gen = gen;
    if (keep != CHORD_NONE)
        memcpy(chord_msg_at(c, keep), m, c->msgs.elem);
    r->timer = chord_rpc_arm_timeout(c, ri, gen, request_timeout(c, m, timeout));
    chord_msg_count(c, msg);
    chord_msg_send(c, msg);
    return ri;
}

/* The RPC is over (answered or failed): release it and its kept request. */
static void rpc_release(Chord *c, uint32_t ri)
{
    uint32_t keep = chord_rpc_at(c, ri)->request;
    if (keep != CHORD_NONE)
        sim_pool_release(&c->msgs, keep);
    sim_pool_release(&c->rpcs, ri);
}

/* An unanswered request is worth sending again while attempts are left, its sender is the
 * same node and up, and what it serves still waits for it (a query of a lookup still routing,
 * a STORE of a store). */
static gboolean rpc_retry_wanted(Chord *c, const ChordRpc *r)
{
    if (r->request == CHORD_NONE || r->attempt >= c->rpc_retries ||
        !chord_node_is(c, r->from, r->epoch))
        return FALSE;
    if (r->kind != RPC_QUERY && r->kind != RPC_STORE)
        return TRUE;
    if (!sim_pool_valid(&c->lookups, r->lookup, r->lookup_gen))
        return FALSE;
    return r->kind == RPC_STORE || chord_lookup_at(c, r->lookup)->phase == PHASE_ROUTING;
}

/* Send the kept request of RPC (ri, gen) again, with a timeout of its own. */
static void rpc_resend(Chord *c, uint32_t ri, uint32_t gen)
{
    uint32_t mi = sim_pool_alloc(&c->msgs);
    ChordRpc *r = chord_rpc_at(c, ri);
    ChordMsg *m = chord_msg_at(c, mi);
    memcpy(m, chord_msg_at(c, r->request), c->msgs.elem);
    r->attempt++;
    r->sent = sim_now(c->sim);
    r->timer = chord_rpc_arm_timeout(c, ri, gen, request_timeout(c, m, c->rpc_timeout));
    if (r->kind == RPC_QUERY)  /* the wait that expired is one of the lookup's timeouts */
        chord_lookup_at(c, r->lookup)->timeouts++;
    chord_msg_count(c, mi);
    chord_msg_send(c, mi);
}

/* RPC (ri, gen) got no reply in time: sent again while retries are left (a lookup may go on
 * with its next candidate meanwhile); after the last, its target is taken for dead. */
static void rpc_timed_out(void *ctx, uint32_t ri, uint32_t gen)
{
    Chord *c = ctx;
    if (rpc_retry_wanted(c, chord_rpc_at(c, ri))) {
        rpc_resend(c, ri, gen);
        ChordRpc *rp = chord_rpc_at(c, ri);
        if (rp->kind == RPC_QUERY && !rp->slow) {
            ChordRpc copy = *rp;
            gboolean slow = chord_lookup_slow(c, copy.lookup, &copy);
            chord_rpc_at(c, ri)->slow = (uint8_t) slow;  /* the lookup may have grown pools */
        }
        return;
    }
    ChordRpc r = *chord_rpc_at(c, ri);
    rpc_release(c, ri);
    if (!chord_node_is(c, r.from, r.epoch))
        return;
    chord_forget(c, r.from, r.to);
    switch ((ChordRpcKind) r.kind) {
    case RPC_QUERY:
        if (sim_pool_valid(&c->lookups, r.lookup, r.lookup_gen))
            chord_lookup_timeout(c, r.lookup, &r);
        break;
    case RPC_STORE:
        if (sim_pool_valid(&c->lookups, r.lookup, r.lookup_gen))
            chord_lookup_store_done(c, r.lookup, FALSE);
        break;
    case RPC_STABILIZE:
        chord_stabilize_failed(c, r.from, r.to);
        break;
    case RPC_CHECK_PRED:
        c->nodes[r.from].pinging = 0;
        break;
    }
}

/* A reply arrived at its RPC's sender: stop the timer, hand it to whoever asked. */
static void on_reply(Chord *c, const ChordMsg *m)
{
    if (m->rpc == CHORD_NONE || !sim_pool_valid(&c->rpcs, m->rpc, m->rpc_gen))
        return;  /* late: the RPC already timed out */
    ChordRpc r = *chord_rpc_at(c, m->rpc);
    if (r.from != m->to || !chord_node_is(c, r.from, r.epoch))
        return;
    rpc_disarm(c, &r);
    rpc_release(c, m->rpc);
    gboolean lookup_live = r.lookup != CHORD_NONE &&
                           sim_pool_valid(&c->lookups, r.lookup, r.lookup_gen);
    switch ((ChordRpcKind) r.kind) {
    case RPC_QUERY:
        if (lookup_live)
            chord_lookup_reply(c, r.lookup, &r, m);
        break;
    case RPC_STORE:
        if (lookup_live)
            chord_lookup_store_done(c, r.lookup, TRUE);
        break;
    case RPC_STABILIZE:
        chord_stabilize_reply(c, r.from, m);
        break;
    case RPC_CHECK_PRED:
        c->nodes[r.from].pinging = 0;
        break;
    }
}

void chord_forget(Chord *c, uint32_t node, uint32_t dead)
{
    ChordNode *n = &c->nodes[node];
    n->n_succ = (uint8_t) chord_succ_remove(chord_succ(c, node), n->n_succ, dead);
    chord_fingers_remove(&n->fingers, dead);
    if (n->pred == dead)
        n->pred = CHORD_NONE;
}

/* ---- message handling ------------------------------------------------------------------- */

static void reply_plain(Chord *c, uint32_t node, const ChordMsg *req, ChordMsgType type)
{
    uint32_t mi = chord_msg_answer(c, type, node, req->from, req);
    chord_msg_count(c, mi);
    chord_msg_send(c, mi);
}

static void reply_get_pred(Chord *c, uint32_t node, const ChordMsg *req)
{
    uint32_t mi = chord_msg_answer(c, CHORD_GET_PRED_REPLY, node, req->from, req);
    ChordMsg *m = chord_msg_at(c, mi);
    const ChordNode *n = &c->nodes[node];
    m->pred = n->pred;
    m->n_nodes = n->n_succ;
    memcpy(m->nodes, chord_succ(c, node), sizeof(uint32_t) * n->n_succ);
    chord_msg_send(c, mi);
}

static void handle_store(Chord *c, uint32_t node, const ChordMsg *m)
{
    chord_store_local(c, node, &m->target, m->value);
    chord_store_replicate(c, node, &m->target, m->value);
    reply_plain(c, node, m, CHORD_STORE_REPLY);
}

static void chord_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    Chord *c = self;
    (void) src;
    (void) type;
    /* Work on a copy and recycle the pooled message first: answering allocates messages, and a
     * pool that grows moves its records. */
    union {
        ChordMsg m;
        uint8_t raw[sizeof(ChordMsg) + CHORD_MAX_SUCCESSORS * sizeof(uint32_t)];
    } buf;
    const ChordMsg *pooled = chord_msg_at(c, payload);
    memcpy(&buf, pooled, sizeof(ChordMsg) + sizeof(uint32_t) * pooled->n_nodes);
    sim_pool_release(&c->msgs, payload);
    const ChordMsg *m = &buf.m;
    uint32_t node = c->host_node[dst];
    /* The identity it was meant for may have left this host (a fresh-ID rejoin): lost. */
    if (node != m->to || c->nodes[node].state == NODE_DOWN)
        return;
    chord_fill_from_oracle(c, node);
    switch ((ChordMsgType) m->type) {
    case CHORD_FIND_SUCC:
        if (m->flags & CHORD_MSG_RECURSIVE)
            chord_recursive_forward(c, node, m);
        else
            chord_handle_find_succ(c, node, m);
        break;
    case CHORD_GET_PRED:
        reply_get_pred(c, node, m);
        break;
    case CHORD_NOTIFY:
        chord_handle_notify(c, node, m->from);
        break;
    case CHORD_PING:
        reply_plain(c, node, m, CHORD_PING_REPLY);
        break;
    case CHORD_STORE:
        handle_store(c, node, m);
        break;
    case CHORD_REPLICA: case CHORD_TRANSFER:
        chord_store_local(c, node, &m->target, m->value);
        break;
    case CHORD_LEAVE:
        chord_handle_leave(c, node, m);
        break;
    case CHORD_HINT:
        chord_handle_hint(c, node, m);
        break;
    case CHORD_FIND_SUCC_REPLY: case CHORD_GET_PRED_REPLY: case CHORD_PING_REPLY:
    case CHORD_STORE_REPLY:
        on_reply(c, m);
        break;
    case CHORD_MSG_TYPES:
        g_assert_not_reached();
    }
}

static void chord_discard(void *self, uint32_t payload, SimFate fate)
{
    Chord *c = self;
    (void) fate;
    sim_pool_release(&c->msgs, payload);
}

/* ---- nodes coming and going ------------------------------------------------------------- */

static uint32_t new_node(Chord *c, SimHost host)
{
    if (c->n_nodes == c->cap_nodes) {
        guint cap = c->cap_nodes * 2;
        c->nodes = g_renew(ChordNode, c->nodes, cap);
        c->ids = g_renew(ChordId, c->ids, cap);
        c->succ = g_renew(uint32_t, c->succ, (gsize) cap * c->r);
        c->node_host = g_renew(uint32_t, c->node_host, cap);
        c->cap_nodes = cap;
    }
    g_assert(c->n_nodes < CHORD_NONE);
    uint32_t node = c->n_nodes++;
    ChordNode *n = &c->nodes[node];
    memset(n, 0, sizeof *n);
    c->node_host[node] = host;
    sim_stream_state(c->sim, "chord-node", node, &n->rng);
    c->ids[node] = chord_id_random(&n->rng, c->id_bits);
    n->pred = CHORD_NONE;
    return node;
}

/* Back to the state of a node that knows nobody (a rejoin under the same identity). */
static void reset_node(Chord *c, uint32_t node)
{
    ChordNode *n = &c->nodes[node];
    chord_fingers_clear(&n->fingers);
    chord_store_clear(c, node);
    n->n_succ = 0;
    n->pred = CHORD_NONE;
    n->next_finger = 0;
    n->filled = n->stabilizing = n->pinging = n->fixing = n->checking = 0;
}

void chord_join_complete(Chord *c, uint32_t node, uint32_t succ, const uint32_t *list, guint n)
{
    ChordNode *nd = &c->nodes[node];
    if (nd->state != NODE_JOINING)
        return;
    uint32_t tmp[CHORD_MAX_SUCCESSORS];
    guint k = chord_succ_merge(node, succ, list, n, tmp, c->r);
    memcpy(chord_succ(c, node), tmp, sizeof(uint32_t) * k);
    nd->n_succ = (uint8_t) k;
    nd->state = NODE_UP;
    chord_ring_add(c->ring, c->ids, node);
    chord_maint_start(c, node);
}

void chord_join_alone(Chord *c, uint32_t node, uint64_t op_id)
{
    SimTime now = sim_now(c->sim);
    SimOp op = { .id = op_id, .kind = SIM_OP_JOIN, .origin = c->node_host[node],
                 .start = now, .end = now, .success = TRUE, .correct = -1 };
    chord_join_complete(c, node, CHORD_NONE, NULL, 0);
    sim_op_end(c->sim, &op);
}

static void chord_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh)
{
    Chord *c = self;
    uint32_t node = c->host_node[host];
    if (node == CHORD_NONE || fresh) {
        if (node != CHORD_NONE)  /* the old identity is gone for good: free its state */
            reset_node(c, node);
        node = new_node(c, host);
        c->host_node[host] = node;
    } else {
        reset_node(c, node);
    }
    c->nodes[node].state = NODE_JOINING;
    if (c->oracle_bootstrap || bootstrap == SIM_HOST_NONE) {
        chord_join_alone(c, node, sim_op_begin(c->sim));
        return;
    }
    uint64_t op = sim_op_begin(c->sim);
    chord_lookup_start(c, node, &c->ids[node], P_JOIN, op, 0, 0, c->host_node[bootstrap]);
}

static void chord_host_down(void *self, SimHost host, gboolean graceful)
{
    Chord *c = self;
    uint32_t node = c->host_node[host];
    if (node == CHORD_NONE || c->nodes[node].state == NODE_DOWN)
        return;
    ChordNode *n = &c->nodes[node];
    if (graceful && n->state == NODE_UP)
        chord_leave(c, node);
    chord_lookup_abandon_node(c, node);
    if (n->state == NODE_UP)
        chord_ring_remove(c->ring, c->ids, node);
    n->state = NODE_DOWN;
    n->epoch++;
    reset_node(c, node);  /* values live in memory only: a restart loses them */
}

/* bootstrap = oracle: the node's successor list, predecessor and fingers from the ring as it
 * is the first time the node acts, as if it had been up for long. */
void chord_fill_from_oracle(Chord *c, uint32_t node)
{
    ChordNode *n = &c->nodes[node];
    if (!c->oracle_bootstrap || n->filled || n->state != NODE_UP)
        return;
    n->filled = 1;
    guint size = chord_ring_size(c->ring, c->ids);
    if (size <= 1)
        return;
    uint32_t *succ = chord_succ(c, node);
    guint k = 0;
    for (guint i = 1; i < size && k < c->r; i++)
        succ[k++] = chord_ring_step(c->ring, c->ids, node, (int) i);
    n->n_succ = (uint8_t) k;
    n->pred = chord_ring_step(c->ring, c->ids, node, -1);
    for (guint i = 0; i < c->id_bits;) {
        ChordId off = chord_id_pow2(i, c->id_bits);
        ChordId start = chord_id_add(&c->ids[node], &off);
        uint32_t f = chord_ring_successor(c->ring, c->ids, &start);
        i = chord_fingers_set(&n->fingers, c->ids, node, i, f, c->id_bits);
    }
}

void chord_oracle_fill_all(Chord *c)
{
    for (uint32_t node = 0; node < c->n_nodes; node++)
        chord_fill_from_oracle(c, node);
}

/* Tests: set `node`'s successor list to the live nodes `first`, `first + stride`, ... steps
 * round the ring from `from`, short of going all the way round. */
static void succ_list_from_ring(Chord *c, uint32_t node, uint32_t from, guint first, guint stride,
                                guint size)
{
    uint32_t *succ = chord_succ(c, node);
    guint k = 0;
    for (guint i = first; i < size && k < c->r; i += stride)
        succ[k++] = chord_ring_step(c->ring, c->ids, from, (int) i);
    c->nodes[node].n_succ = (uint8_t) k;
}

void chord_make_loopy(Chord *c)
{
    guint size = chord_ring_size(c->ring, c->ids);
    for (uint32_t node = 0; node < c->n_nodes && size > 2; node++) {
        if (c->nodes[node].state != NODE_UP)
            continue;
        succ_list_from_ring(c, node, node, 2, 2, size);
        c->nodes[node].pred = chord_ring_step(c->ring, c->ids, node, -2);
    }
}

void chord_make_skipped(Chord *c, uint32_t node, guint far)
{
    guint size = chord_ring_size(c->ring, c->ids);
    g_return_if_fail(c->nodes[node].state == NODE_UP && far >= 2 && far + c->r < size);
    uint32_t pred = chord_ring_step(c->ring, c->ids, node, -1);
    uint32_t next = chord_ring_step(c->ring, c->ids, node, 1);
    succ_list_from_ring(c, pred, pred, 2, 1, size);  /* the predecessor's list without the node */
    c->nodes[next].pred = pred;
    succ_list_from_ring(c, node, node, far, 1, size);
    c->nodes[node].pred = CHORD_NONE;
}

/* ---- operations from the workload ------------------------------------------------------- */

ChordId chord_key_id(const Chord *c, uint64_t key)
{
    return chord_id_from_u64(key, c->id_bits);
}

ChordId chord_lookup_target(const Chord *c, uint64_t key)
{
    return chord_id_from_u64(key ^ CHORD_LOOKUP_SALT, c->id_bits);
}

static void chord_start_op(void *self, SimOpKind kind, SimHost origin, uint64_t key)
{
    Chord *c = self;
    uint32_t node = c->host_node[origin];
    ChordId target = kind == SIM_OP_LOOKUP ? chord_lookup_target(c, key) : chord_key_id(c, key);
    ChordPurpose p = kind == SIM_OP_LOOKUP ? P_LOOKUP : kind == SIM_OP_STORE ? P_STORE : P_GET;
    g_return_if_fail(kind == SIM_OP_LOOKUP || kind == SIM_OP_STORE || kind == SIM_OP_GET);
    chord_fill_from_oracle(c, node);
    chord_lookup_start(c, node, &target, p, sim_op_begin(c->sim), key, 0, CHORD_NONE);
}

/* ---- inspection ------------------------------------------------------------------------- */

guint chord_id_bits(const Chord *c) { return c->id_bits; }
guint chord_successors(const Chord *c) { return c->r; }

static uint32_t live_node(const Chord *c, SimHost host)
{
    uint32_t node = c->host_node[host];
    return node == CHORD_NONE || c->nodes[node].state == NODE_DOWN ? CHORD_NONE : node;
}

const ChordId *chord_host_id(const Chord *c, SimHost host)
{
    uint32_t node = c->host_node[host];
    return node == CHORD_NONE ? NULL : &c->ids[node];
}

SimHost chord_host_successor(const Chord *c, SimHost host)
{
    uint32_t node = live_node(c, host);
    if (node == CHORD_NONE || c->nodes[node].n_succ == 0)
        return SIM_HOST_NONE;
    return c->node_host[chord_succ(c, node)[0]];
}

SimHost chord_host_predecessor(const Chord *c, SimHost host)
{
    uint32_t node = live_node(c, host);
    if (node == CHORD_NONE || c->nodes[node].pred == CHORD_NONE)
        return SIM_HOST_NONE;
    return c->node_host[c->nodes[node].pred];
}

guint chord_host_fingers(const Chord *c, SimHost host)
{
    uint32_t node = live_node(c, host);
    return node == CHORD_NONE ? 0 : c->nodes[node].fingers.n;
}

static gboolean fail_why(char **why, const char *format, ...) G_GNUC_PRINTF(2, 3);
static gboolean fail_why(char **why, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    *why = g_strdup_vprintf(format, ap);
    va_end(ap);
    return FALSE;
}

static gboolean check_node(const Chord *c, uint32_t node, char **why)
{
    const ChordNode *n = &c->nodes[node];
    const uint32_t *succ = chord_succ(c, node);
    if (n->n_succ > c->r || n->pred == node)
        return fail_why(why, "node %u: %u successors, predecessor %u", node, n->n_succ, n->pred);
    for (guint i = 0; i < n->n_succ; i++) {
        if (succ[i] == node || succ[i] >= c->n_nodes)
            return fail_why(why, "node %u: successor %u is %u", node, i, succ[i]);
        for (guint j = 0; j < i; j++)
            if (succ[j] == succ[i])
                return fail_why(why, "node %u: successor %u twice", node, succ[i]);
    }
    for (guint i = 0; i < n->fingers.n; i++) {
        uint32_t f = n->fingers.node[i];
        if (f == node || f >= c->n_nodes)
            return fail_why(why, "node %u: finger %u is %u", node, i, f);
        if (i == 0)
            continue;
        ChordId a = chord_id_dist(&c->ids[node], &c->ids[n->fingers.node[i - 1]]);
        ChordId b = chord_id_dist(&c->ids[node], &c->ids[f]);
        if (chord_id_cmp(&a, &b) >= 0)
            return fail_why(why, "node %u: fingers %u and %u out of clockwise order", node,
                            i - 1, i);
    }
    return TRUE;
}

gboolean chord_check_invariants(const Chord *c, char **why)
{
    for (uint32_t n = 0; n < c->n_nodes; n++)
        if (c->nodes[n].state != NODE_DOWN && !check_node(c, n, why))
            return FALSE;
    return TRUE;
}

static gboolean check_fingers(const Chord *c, uint32_t node, char **why)
{
    for (guint i = 0; i < c->id_bits; i++) {
        ChordId off = chord_id_pow2(i, c->id_bits);
        ChordId start = chord_id_add(&c->ids[node], &off);
        uint32_t truth = chord_ring_successor(c->ring, c->ids, &start);
        uint32_t got = chord_fingers_get(&c->nodes[node].fingers, c->ids, node, i, c->id_bits);
        if (got != truth)
            return fail_why(why, "node %u: finger %u is %u, truly %u", node, i, got, truth);
    }
    return TRUE;
}

gboolean chord_check_ring(const Chord *c, gboolean fingers, char **why)
{
    guint size = chord_ring_size(c->ring, c->ids);
    for (uint32_t node = 0; node < c->n_nodes; node++) {
        const ChordNode *n = &c->nodes[node];
        if (n->state != NODE_UP)
            continue;
        uint32_t succ = chord_first_succ(c, node);
        uint32_t true_succ = chord_ring_step(c->ring, c->ids, node, 1);
        uint32_t true_pred = chord_ring_step(c->ring, c->ids, node, -1);
        uint32_t pred = n->pred == CHORD_NONE && size == 1 ? node : n->pred;
        if (succ != true_succ || pred != true_pred)
            return fail_why(why, "node %u: successor %u (truly %u), predecessor %u (truly %u)",
                            node, succ, true_succ, pred, true_pred);
        if (fingers && !check_fingers(c, node, why))
            return FALSE;
    }
    return TRUE;
}

guint chord_holders(const Chord *c, uint64_t key, SimHost *out, guint max)
{
    ChordId id = chord_key_id(c, key);
    guint n = 0;
    for (uint32_t node = 0; node < c->n_nodes && n < max; node++)
        if (c->nodes[node].state != NODE_DOWN && chord_store_find((Chord *) c, node, &id))
            out[n++] = c->node_host[node];
    return n;
}

SimHost chord_owner(const Chord *c, uint64_t key)
{
    ChordId id = chord_key_id(c, key);
    uint32_t node = chord_ring_successor(c->ring, c->ids, &id);
    return node == CHORD_NONE ? SIM_HOST_NONE : c->node_host[node];
}

double chord_bytes_per_node(const Chord *c)
{
    if (c->n_nodes == 0)
        return 0;
    gsize per_slot = sizeof(ChordNode) + sizeof(ChordId) + sizeof(uint32_t) * (c->r + 1);
    gsize bytes = per_slot * c->cap_nodes + sizeof(uint32_t) * sim_hosts(c->sim);
    for (uint32_t n = 0; n < c->n_nodes; n++)
        bytes += chord_fingers_bytes(&c->nodes[n].fingers) + chord_store_bytes(c, n);
    return (double) bytes / c->n_nodes;
}

static gsize chord_memory(const void *self)
{
    const Chord *c = self;
    gsize bytes = (gsize) (chord_bytes_per_node(c) * c->n_nodes);
    return bytes + sim_pool_bytes(&c->msgs) + sim_pool_bytes(&c->rpcs) +
           sim_pool_bytes(&c->lookups) + chord_ring_bytes(c->ring);
}

static void chord_describe(const void *self, GString *out)
{
    const Chord *c = self;
    if (c->oracle_bootstrap)
        g_string_append(out, "bootstrap = oracle: successor lists, predecessors and fingers "
                              "were filled from global knowledge, not built by joins\n");
}

static gboolean has_target(ChordMsgType t)
{
    return t == CHORD_FIND_SUCC || t == CHORD_FIND_SUCC_REPLY || t == CHORD_STORE ||
           t == CHORD_STORE_REPLY;
}

static gboolean is_reply(ChordMsgType t)
{
    return t == CHORD_FIND_SUCC_REPLY || t == CHORD_GET_PRED_REPLY || t == CHORD_PING_REPLY ||
           t == CHORD_STORE_REPLY;
}

/* bits_to_target for Chord: m minus the bit length of the clockwise distance from the receiver
 * to the target: 0 half a ring away, m at the target itself; each finger hop that halves the
 * distance adds about one. */
static gboolean chord_trace_info(const void *self, uint32_t payload, SimTraceRow *row)
{
    const Chord *c = self;
    const ChordMsg *m = sim_pool_at(&c->msgs, payload);
    if (m->op == CHORD_NO_OP || !(m->flags & CHORD_MSG_COUNTED))
        return FALSE;  /* sent after its operation ended: not one of its messages */
    row->sent = m->sent;
    row->op = m->op;
    row->key = m->key;
    row->hop = m->hop;
    row->bits_to_target = -1;
    if (has_target((ChordMsgType) m->type)) {
        ChordId d = chord_id_dist(&c->ids[m->to], &m->target);
        row->bits_to_target = (int32_t) (c->id_bits - chord_id_bit_length(&d, c->id_bits));
    }
    row->late = is_reply((ChordMsgType) m->type) && m->rpc != CHORD_NONE &&
                !sim_pool_valid(&c->rpcs, m->rpc, m->rpc_gen);
    return TRUE;
}

const SimProtocolClass chord_protocol_class = {
    "chord", chord_declare, chord_create, chord_free, chord_host_up, chord_host_down,
    chord_deliver, chord_discard, chord_start_op, chord_memory, chord_describe, chord_trace_info,
    NULL, NULL, NULL, FALSE, NULL, NULL, NULL, NULL, NULL,  /* one thread: not partitioned yet */
};
