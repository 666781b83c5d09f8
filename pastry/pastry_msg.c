/* pastry_msg — Pastry's messages and RPCs: wire sizes, sending and counting messages, the
 * timeouts of hop acks and probes (sim_timeouts lanes), and operations at their origin. */
#include "pastry_private.h"

static const char *const msg_names[PASTRY_MSG_TYPES] = {
    "LOOKUP", "STORE", "GET", "JOIN", "HOP_ACK",
    "LOOKUP_REPLY", "STORE_REPLY", "GET_REPLY", "JOIN_STATE", "ANNOUNCE",
    "LEAF_PROBE", "LEAF_REPLY", "RT_REPAIR", "RT_REPAIR_REPLY", "REPLICA", "LEAVE",
    "NEAR_REQUEST", "NEAR_REPLY", "ROW_REQUEST", "ROW_REPLY",
    "PING", "PONG",
};

static void rpc_timed_out(void *ctx, uint32_t ri, uint32_t gen);
static void op_timed_out(void *ctx, uint32_t oi, uint32_t gen);

void pastry_msg_init(Pastry *p)
{
    for (int t = 0; t < PASTRY_MSG_TYPES; t++)
        p->msg_type[t] = sim_msg_type_register(p->sim, msg_names[t]);
    sim_pool_init(&p->msgs, sizeof(PastryMsg) + sizeof(uint32_t) * MAX(p->L, p->s.cols));
    sim_pool_init(&p->rpcs, sizeof(PastryRpc));
    sim_pool_init(&p->ops, sizeof(PastryOp));
    p->rpc_timeouts = sim_timeouts_new(p->sim, &p->rpcs, rpc_timed_out, p);
    sim_timeouts_add_lane(p->rpc_timeouts, p->hop_timeout);
    p->op_timeouts = sim_timeouts_new(p->sim, &p->ops, op_timed_out, p);
    sim_timeouts_add_lane(p->op_timeouts, p->op_timeout);
    sim_timeouts_add_lane(p->op_timeouts, p->join_timeout);
}

void pastry_msg_free(Pastry *p)
{
    /* Join state still in flight when the run ended: the engine does not discard what is in
     * flight, so free the tables of the records not on the free list. */
    gboolean *idle = g_new0(gboolean, p->msgs.used + 1);
    for (uint32_t i = p->msgs.free_head; i != SIM_POOL_NONE;
         i = *(const uint32_t *) sim_pool_at(&p->msgs, i))
        idle[i] = TRUE;
    for (uint32_t i = 0; i < p->msgs.used; i++)
        if (!idle[i])
            g_free(pastry_msg_at(p, i)->table);
    g_free(idle);
    sim_timeouts_free(p->rpc_timeouts);
    sim_timeouts_free(p->op_timeouts);
    sim_pool_clear(&p->msgs);
    sim_pool_clear(&p->rpcs);
    sim_pool_clear(&p->ops);
}

/* ---- messages --------------------------------------------------------------------------- */

static uint32_t value_bytes(const Pastry *p, uint32_t value)
{
    return value ? (uint32_t) g_bytes_get_size(g_ptr_array_index(p->values, value))
                 : p->value_size;
}

static uint32_t wire_bytes(const Pastry *p, const PastryMsg *m)
{
    uint32_t id = p->s.bits / 8, contact = id + PASTRY_WIRE_ADDR;
    uint32_t header = PASTRY_WIRE_IP_UDP + PASTRY_WIRE_TYPE + PASTRY_WIRE_SEQ;
    /* routed: the key, the origin (to answer) and the hop count */
    uint32_t routed = header + id + contact + PASTRY_WIRE_HOPS;
    switch ((PastryMsgType) m->type) {
    case PASTRY_LOOKUP: case PASTRY_GET:
        return routed;
    case PASTRY_JOIN:
        return routed;  /* the key is the joining node's ID */
    case PASTRY_STORE:
        return routed + PASTRY_WIRE_LENGTH + value_bytes(p, m->value);
    case PASTRY_HOP_ACK: case PASTRY_PING: case PASTRY_PONG:
        return header;
    case PASTRY_LOOKUP_REPLY: case PASTRY_STORE_REPLY:
        return header + contact;  /* the node that answered */
    case PASTRY_GET_REPLY:
        return header + contact +
               ((m->flags & PASTRY_MSG_FOUND) ? PASTRY_WIRE_LENGTH + value_bytes(p, m->value) : 0);
    case PASTRY_JOIN_STATE: case PASTRY_NEAR_REPLY:
        return header + contact + PASTRY_WIRE_COUNT + m->n_table * contact;
    case PASTRY_NEAR_REQUEST:
        return header + contact;
    case PASTRY_ANNOUNCE: case PASTRY_LEAF_PROBE: case PASTRY_LEAF_REPLY: case PASTRY_LEAVE:
    case PASTRY_ROW_REPLY:
        return header + contact + PASTRY_WIRE_COUNT + m->n * contact;
    case PASTRY_ROW_REQUEST:
        return header + contact + PASTRY_WIRE_ROW;
    case PASTRY_RT_REPAIR:
        return header + contact + PASTRY_WIRE_ROWCOL;
    case PASTRY_RT_REPAIR_REPLY:
        return header + PASTRY_WIRE_ROWCOL + contact;
    case PASTRY_REPLICA:
        return header + id + PASTRY_WIRE_LENGTH + value_bytes(p, m->value);
    case PASTRY_MSG_TYPES:
        break;
    }
    g_assert_not_reached();
}

uint32_t pastry_msg_new(Pastry *p, PastryMsgType type, uint32_t from, uint32_t to)
{
    uint32_t i = sim_pool_alloc(&p->msgs);
    PastryMsg *m = pastry_msg_at(p, i);
    m->type = (uint8_t) type;
    m->from = from;
    m->to = to;
    m->origin = PASTRY_NONE;
    m->rpc = PASTRY_NONE;
    m->op = PASTRY_NONE;
    m->answer = PASTRY_NONE;
    m->op_id = PASTRY_NO_OP;
    return i;
}

uint32_t pastry_msg_answer(Pastry *p, PastryMsgType type, uint32_t from, uint32_t to,
                           const PastryMsg *req)
{
    uint32_t i = pastry_msg_new(p, type, from, to);
    PastryMsg *m = pastry_msg_at(p, i);
    m->rpc = req->rpc;
    m->rpc_gen = req->rpc_gen;
    m->op = req->op;
    m->op_gen = req->op_gen;
    m->op_id = req->op_id;
    m->key = req->key;
    m->target = req->target;
    m->origin = req->origin;
    m->hop = req->hop;
    m->start = req->start;
    m->value = req->value;
    return i;
}

void pastry_msg_send(Pastry *p, uint32_t msg)
{
    PastryMsg *m = pastry_msg_at(p, msg);
    if (m->op != PASTRY_NONE && sim_pool_valid(&p->ops, m->op, m->op_gen)) {
        pastry_op_at(p, m->op)->messages++;
        m->flags |= PASTRY_MSG_COUNTED;
    }
    m->sent = sim_now(p->sim);
    sim_send(p->sim, p->node_host[m->from], p->node_host[m->to], p->msg_type[m->type],
             wire_bytes(p, m), msg);
}

void pastry_msg_release(Pastry *p, uint32_t msg)
{
    PastryMsg *m = pastry_msg_at(p, msg);
    g_free(m->table);
    m->table = NULL;
    sim_pool_release(&p->msgs, msg);
}

/* ---- RPCs: hop acks, probes, repair requests -------------------------------------------- */

uint32_t pastry_rpc_send(Pastry *p, uint32_t msg, PastryRpcKind kind, SimTime timeout)
{
    uint32_t ri = sim_pool_alloc(&p->rpcs);
    PastryRpc *r = pastry_rpc_at(p, ri);
    PastryMsg *m = pastry_msg_at(p, msg);
    uint32_t gen = sim_pool_gen(&p->rpcs, ri);
    m->rpc = ri;
    m->rpc_gen = gen;
    r->kind = (uint8_t) kind;
    r->from = m->from;
    r->to = m->to;
    if (kind == RPC_HOP || kind == RPC_NEAR)
        r->m = *m;  /* header only: routed messages and pings carry no contacts */
    r->m.sent = sim_now(p->sim);  /* the reply's round trip measures proximity */
    r->timer = sim_timeouts_arm(p->rpc_timeouts, timeout, ri, gen, p->node_host[m->from]);
    pastry_msg_send(p, msg);
    return ri;
}

gboolean pastry_rpc_answered(Pastry *p, const PastryMsg *m, PastryRpc *out)
{
    if (m->rpc == PASTRY_NONE || !sim_pool_valid(&p->rpcs, m->rpc, m->rpc_gen))
        return FALSE;  /* late: it timed out already */
    PastryRpc *r = pastry_rpc_at(p, m->rpc);
    if (r->from != m->to || r->to != m->from)
        return FALSE;
    *out = *r;
    if (r->timer)
        sim_cancel(p->sim, r->timer);
    sim_pool_release(&p->rpcs, m->rpc);
    return TRUE;
}

/* RPC (ri, gen) got no ack or reply in time. */
static void rpc_timed_out(void *ctx, uint32_t ri, uint32_t gen)
{
    Pastry *p = ctx;
    (void) gen;
    PastryRpc r = *pastry_rpc_at(p, ri);
    sim_pool_release(&p->rpcs, ri);
    if (r.kind == RPC_PROBE)
        pastry_probe_done(p, r.from, r.to);
    if (r.kind == RPC_NEAR) {
        pastry_near_pong(p, r.from, &r, PASTRY_PROX_UNKNOWN);
        return;
    }
    if (!pastry_node_live(p, r.from))
        return;
    switch ((PastryRpcKind) r.kind) {
    case RPC_HOP:
        pastry_route_hop_failed(p, &r);
        break;
    case RPC_PROBE: case RPC_REPAIR:
        pastry_probe_failed(p, &r);
        break;
    case RPC_NEAR:
        break;
    }
}

/* ---- operations at their origin --------------------------------------------------------- */

uint32_t pastry_op_new(Pastry *p, SimOpKind kind, uint32_t origin, uint64_t op_id, uint64_t key,
                       const PastryId *target, uint32_t value)
{
    uint32_t oi = sim_pool_alloc(&p->ops);
    PastryOp *o = pastry_op_at(p, oi);
    o->kind = (uint8_t) kind;
    o->active = 1;
    o->origin = origin;
    o->op_id = op_id;
    o->key = key;
    o->start = sim_now(p->sim);
    o->value = value;
    o->target = *target;
    SimTime timeout = kind == SIM_OP_JOIN ? p->join_timeout : p->op_timeout;
    sim_timeouts_arm(p->op_timeouts, timeout, oi, sim_pool_gen(&p->ops, oi),
                     p->node_host[origin]);
    return oi;
}

gboolean pastry_op_valid(Pastry *p, uint32_t op, uint32_t gen)
{
    return op != PASTRY_NONE && sim_pool_valid(&p->ops, op, gen);
}

void pastry_op_end(Pastry *p, uint32_t oi, gboolean success, int correct, guint hops)
{
    PastryOp *o = pastry_op_at(p, oi);
    SimOp op = {
        .id = o->op_id, .kind = (SimOpKind) o->kind, .origin = p->node_host[o->origin],
        .key = o->key, .start = o->start, .end = sim_now(p->sim), .hops = hops,
        .messages = o->messages, .timeouts = o->timeouts, .success = success,
        .correct = (int8_t) correct,
    };
    o->active = 0;
    sim_pool_release(&p->ops, oi);
    sim_op_end(p->sim, &op);
}

void pastry_op_count_timeout(Pastry *p, uint32_t op, uint32_t gen)
{
    if (pastry_op_valid(p, op, gen))
        pastry_op_at(p, op)->timeouts++;
}

/* No answer in time: a join tries again, anything else failed. */
static void op_timed_out(void *ctx, uint32_t oi, uint32_t gen)
{
    Pastry *p = ctx;
    (void) gen;
    PastryOp *o = pastry_op_at(p, oi);
    if (o->kind == SIM_OP_JOIN) {
        pastry_join_timeout(p, oi);
        return;
    }
    o->timeouts++;
    pastry_op_end(p, oi, FALSE, o->kind == SIM_OP_LOOKUP ? 0 : -1, 0);
}

void pastry_op_abandon_node(Pastry *p, uint32_t node)
{
    for (uint32_t oi = 0; oi < p->ops.used; oi++) {
        PastryOp *o = pastry_op_at(p, oi);
        if (o->active && o->origin == node)
            pastry_op_end(p, oi, FALSE, o->kind == SIM_OP_LOOKUP ? 0 : -1, 0);
    }
}
