/* kad_rpc — Kademlia's messages and RPCs: wire sizes, sending and counting messages, RPC
 * timeouts (fixed, in sim_timeouts' lanes, or a multiple of the measured RTT), replies, and
 * what a node learns from every contact it hears from (kad_note_seen). */
#include "kad_private.h"

#include <string.h>

static const char *const msg_names[KAD_MSG_TYPES] = {
    "PING", "PING_REPLY", "FIND_NODE", "FIND_NODE_REPLY",
    "FIND_VALUE", "FIND_VALUE_REPLY", "STORE", "STORE_REPLY",
};

static void rpc_timed_out(void *ctx, uint32_t ri, uint32_t gen);

void kad_rpc_init(Kad *kad)
{
    for (int t = 0; t < KAD_MSG_TYPES; t++)
        kad->msg_type[t] = sim_msg_type_register(kad->sim, msg_names[t]);
    sim_pools_init(&kad->msgs, sizeof(KadMsg) + sizeof(uint32_t) * kad->k, kad->n_parts);
    sim_pools_init(&kad->rpcs, sizeof(KadRpc), kad->n_parts);
    kad->timeouts = g_new(SimTimeouts *, kad->n_parts);
    for (guint p = 0; p < kad->n_parts; p++) {
        kad->timeouts[p] = sim_timeouts_new_part(kad->sim, &kad->rpcs, p, rpc_timed_out, kad);
        sim_timeouts_add_lane(kad->timeouts[p], kad->rpc_timeout);
        if (kad->recursive)
            sim_timeouts_add_lane(kad->timeouts[p], kad->recursive_timeout);
    }
}

void kad_rpc_free(Kad *kad)
{
    for (guint p = 0; p < kad->n_parts && kad->timeouts; p++)
        sim_timeouts_free(kad->timeouts[p]);
    g_free(kad->timeouts);
    sim_pools_clear(&kad->msgs);
    sim_pools_clear(&kad->rpcs);
}

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
    uint32_t i = sim_pools_alloc(&kad->msgs, kad_part(kad, from));
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

void kad_msg_mark(Kad *kad, uint32_t msg)
{
    if (kad->n_parts > 1 || !sim_tracing(kad->sim))
        return;  /* traces only; none on several threads, where the records are another
                    partition's */
    KadMsg *m = kad_msg_at(kad, msg);
    if (m->rpc == KAD_NONE || !sim_pools_valid(&kad->rpcs, m->rpc, m->rpc_gen))
        return;
    const KadRpc *r = kad_rpc_at(kad, m->rpc);
    if (r->lookup != KAD_NONE && sim_pools_valid(&kad->lookups, r->lookup, r->lookup_gen))
        m->flags |= KAD_MSG_COUNTED;
}

void kad_msg_count(Kad *kad, uint32_t msg)
{
    KadMsg *m = kad_msg_at(kad, msg);
    if (m->rpc == KAD_NONE || !sim_pools_valid(&kad->rpcs, m->rpc, m->rpc_gen))
        return;
    const KadRpc *r = kad_rpc_at(kad, m->rpc);
    if (r->lookup == KAD_NONE || !sim_pools_valid(&kad->lookups, r->lookup, r->lookup_gen))
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

/* The timeout of a request from `from` to `to`: rpc_timeout_true_rtt > 0, a multiple of the
 * true round trip (p2psim's kademlia.C: timeout_multiplier x 2 x latency, "timeout_cheat");
 * else adaptive_timeout(). A recursive query's answer comes over a whole path: its fixed
 * timeout stays. */
static SimTime request_timeout(const Kad *kad, const KadMsg *m, SimTime fixed)
{
    if (kad->true_rtt_factor <= 0 || (m->flags & KAD_MSG_RECURSIVE))
        return adaptive_timeout(kad, m->from, fixed);
    SimHost a = kad->node_host[m->from], b = kad->node_host[m->to];
    SimTime rtt = sim_proximity(kad->sim, a, b) + sim_proximity(kad->sim, b, a);
    return MAX((SimTime) (kad->true_rtt_factor * (double) rtt), 1);
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

uint32_t kad_rpc_send(Kad *kad, uint32_t msg, KadRpcKind kind, uint32_t lookup, uint8_t hop,
                      SimTime timeout)
{
    /* With retries, the RPC keeps a copy of its request to send again (allocated before any
     * pointer is taken: the pool may move). */
    uint32_t keep = KAD_NONE;
    if (kad->rpc_retries > 0 && !(kad_msg_at(kad, msg)->flags & KAD_MSG_RECURSIVE))
        keep = sim_pools_alloc(&kad->msgs, kad_part(kad, kad_msg_at(kad, msg)->from));
    uint32_t ri = sim_pools_alloc(&kad->rpcs, kad_part(kad, kad_msg_at(kad, msg)->from));
    KadRpc *r = kad_rpc_at(kad, ri);
    KadMsg *m = kad_msg_at(kad, msg);
    r->from = m->from;
    r->to = m->to;
    r->kind = (uint8_t) kind;
    r->hop = hop;
    r->lookup = lookup;
    r->lookup_gen = lookup == KAD_NONE ? 0 : sim_pools_gen(&kad->lookups, lookup);
    r->sent = sim_now(kad->sim);
    r->request = keep;
    uint32_t gen = sim_pools_gen(&kad->rpcs, ri);
    timeout = request_timeout(kad, m, timeout);
    m->rpc = ri;
    m->rpc_gen = gen;
    if (keep != KAD_NONE)
        memcpy(kad_msg_at(kad, keep), m, kad->msgs.elem);
    r->timer = sim_timeouts_arm(kad->timeouts[kad_part(kad, m->from)], timeout, ri, gen,
                                kad->node_host[m->from]);
    kad_msg_count(kad, msg);
    kad_msg_send(kad, msg);
    return ri;
}

/* The RPC is over (answered or failed): release it and its kept request. */
static void rpc_release(Kad *kad, uint32_t ri)
{
    uint32_t keep = kad_rpc_at(kad, ri)->request;
    if (keep != KAD_NONE)
        kad_release(kad, &kad->msgs, keep);
    kad_release(kad, &kad->rpcs, ri);
}

/* An unanswered request is worth sending again while attempts are left, its sender is up and
 * what it serves still waits for it (a query of a lookup still looking, a STORE of a store). */
static gboolean rpc_retry_wanted(const Kad *kad, const KadRpc *r)
{
    if (r->request == KAD_NONE || r->attempt >= kad->rpc_retries ||
        kad->nodes[r->from].state == NODE_DOWN)
        return FALSE;
    if (r->kind != RPC_QUERY && r->kind != RPC_STORE)
        return TRUE;
    if (r->lookup == KAD_NONE || !sim_pools_valid(&kad->lookups, r->lookup, r->lookup_gen))
        return FALSE;
    return r->kind == RPC_STORE ||
           ((const KadLookup *) sim_pools_at(&kad->lookups, r->lookup))->phase == PHASE_LOOKUP;
}

/* Send the kept request of RPC (ri, gen) again, with a timeout of its own. */
static void rpc_resend(Kad *kad, uint32_t ri, uint32_t gen)
{
    uint32_t mi = sim_pools_alloc(&kad->msgs, kad_part(kad, kad_rpc_at(kad, ri)->from));
    KadRpc *r = kad_rpc_at(kad, ri);
    memcpy(kad_msg_at(kad, mi), kad_msg_at(kad, r->request), kad->msgs.elem);
    r->attempt++;
    r->sent = sim_now(kad->sim);
    SimTime timeout = request_timeout(kad, kad_msg_at(kad, mi), kad->rpc_timeout);
    r->timer = sim_timeouts_arm(kad->timeouts[kad_part(kad, r->from)], timeout, ri, gen,
                                kad->node_host[r->from]);
    if (r->kind == RPC_QUERY)  /* the wait that expired is one of the lookup's timeouts */
        kad_lookup_at(kad, r->lookup)->timeouts++;
    kad_msg_count(kad, mi);
    kad_msg_send(kad, mi);
}

/* A contact's bucket was full: ping its least-recently-seen entry before evicting it. */
static void send_evict_ping(Kad *kad, uint32_t node, uint32_t lrs)
{
    uint32_t m = kad_msg_new(kad, KAD_PING, node, lrs);
    kad_rpc_send(kad, m, RPC_EVICT_PING, KAD_NONE, 0, kad->rpc_timeout);
}

void kad_note_seen(Kad *kad, uint32_t node, uint32_t contact)
{
    if (!kad_node_advertised(kad, contact))
        return;
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

/* RPC (ri, gen) got no reply in time (sim_timeouts calls it only while it is unanswered). */
static void rpc_timed_out(void *ctx, uint32_t ri, uint32_t gen)
{
    Kad *kad = ctx;
    if (rpc_retry_wanted(kad, kad_rpc_at(kad, ri))) {
        rpc_resend(kad, ri, gen);
        return;
    }
    KadRpc r = *kad_rpc_at(kad, ri);
    rpc_release(kad, ri);
    KadNode *from = &kad->nodes[r.from];
    if (from->state == NODE_DOWN)
        return;
    kad_rtable_failed(&from->rt, &kad->rp, kad->ids, r.from, r.to, r.kind == RPC_EVICT_PING);
    if (r.kind == RPC_EVICT_PING)
        kad_rtable_ping_done(&from->rt, &kad->rp, kad->ids, r.from, r.to);
    if (r.lookup == KAD_NONE || !sim_pools_valid(&kad->lookups, r.lookup, r.lookup_gen))
        return;
    if (r.kind == RPC_QUERY)
        kad_lookup_timeout(kad, r.lookup, &r);
    else if (r.kind == RPC_STORE)
        kad_lookup_store_done(kad, r.lookup, FALSE);
}

/* A reply arrived at its RPC's sender: stop the timer, hand it to whoever asked. */
void kad_rpc_reply(Kad *kad, const KadMsg *m)
{
    if (m->rpc == KAD_NONE || !sim_pools_valid(&kad->rpcs, m->rpc, m->rpc_gen))
        return;  /* late: the RPC already timed out */
    KadRpc r = *kad_rpc_at(kad, m->rpc);
    if (r.from != m->to)
        return;
    if (r.timer)
        sim_cancel(kad->sim, r.timer);
    rpc_release(kad, m->rpc);
    /* A recursive answer's delay is the whole path's; after a retry the reply may answer
     * either sending, so its delay is no round trip (Karn's rule, as TCP does). */
    if (!(m->flags & KAD_MSG_RECURSIVE) && r.attempt == 0)
        note_rtt(kad, r.from, sim_now(kad->sim) - r.sent);
    if (r.kind == RPC_EVICT_PING)
        kad_rtable_ping_done(&kad->nodes[r.from].rt, &kad->rp, kad->ids, r.from, r.to);
    if (r.lookup == KAD_NONE || !sim_pools_valid(&kad->lookups, r.lookup, r.lookup_gen))
        return;
    /* Counted where the operation runs: the reply, and for a recursive answer the forwards
     * before it (hop: the nodes the query visited, the first of them sent by the origin). */
    kad_lookup_at(kad, r.lookup)->messages += (m->flags & KAD_MSG_RECURSIVE) ? m->hop : 1;
    if (r.kind == RPC_QUERY)
        kad_lookup_reply(kad, r.lookup, &r, m);
    else if (r.kind == RPC_STORE)
        kad_lookup_store_done(kad, r.lookup, TRUE);
}

