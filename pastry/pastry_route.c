/* pastry_route — routing (section 2.2 of the paper, Table 1's procedure): a key in the range
 * of the leaf set goes to the member numerically closest to it; otherwise to the routing-table
 * entry that shares one more digit with it; failing that (the rare case), to any known node
 * that shares as long a prefix and is numerically closer. Messages are routed recursively, hop
 * by hop: every hop acks what it receives, a hop not acked in time is taken for dead (lazy
 * repair) and the message goes on through the next best; the last node, the numerically
 * closest it knows, answers the origin directly. */
#include "pastry_private.h"

/* Key ranges: a lookup's target apart from stored keys' IDs. */
#define PASTRY_LOOKUP_SALT 0x6c6f6f6b7570ULL

/* The member of node's leaf set (or node) closest to key, leaving out `exclude`. */
static uint32_t leaf_closest(Pastry *p, uint32_t node, PastryId key, uint32_t exclude)
{
    const PastryLeafset *ls = &p->nodes[node].ls;
    uint32_t best = node;
    for (int side = 0; side < 2; side++)
        for (guint i = 0; i < ls->n[side]; i++) {
            uint32_t c = pastry_leafset_at(ls, p->half, side, i);
            if (c != exclude && pastry_id_closer(&p->s, key, p->ids[c], p->ids[best]))
                best = c;
        }
    return best;
}

/* The rare case: of all known nodes sharing at least `row` digits with key, the numerically
 * closest, if closer than node itself. */
static uint32_t rare_case(Pastry *p, uint32_t node, PastryId key, guint row, uint32_t exclude)
{
    uint32_t best = leaf_closest(p, node, key, exclude);
    PastryNode *n = &p->nodes[node];
    const uint32_t *lists[2] = { n->rt.e, pastry_nbr(p, node) };
    guint counts[2] = { (guint) n->rt.rows * p->s.cols, n->n_nbr }, stride[2] = { 2, 1 };
    for (int t = 0; t < 2; t++)
        for (guint i = 0; i < counts[t]; i++) {
            uint32_t c = lists[t][i * stride[t]];
            if (c == PASTRY_NONE || c == exclude || pastry_id_shl(&p->s, p->ids[c], key) < row)
                continue;
            if (pastry_id_closer(&p->s, key, p->ids[c], p->ids[best]))
                best = c;
        }
    return best;
}

uint32_t pastry_route_next(Pastry *p, uint32_t node, PastryId key, uint32_t exclude)
{
    PastryNode *n = &p->nodes[node];
    if (pastry_leafset_covers(&n->ls, p->half, &p->s, p->ids, node, key))
        return leaf_closest(p, node, key, exclude);
    guint row = pastry_id_shl(&p->s, p->ids[node], key);
    if (row >= p->s.digits)
        return node;
    uint32_t e = pastry_rtable_get(&n->rt, p->s.cols, row, pastry_id_digit(&p->s, key, row));
    if (e != PASTRY_NONE && e != exclude)
        return e;
    return rare_case(p, node, key, row, exclude);
}

/* ---- the end of a route ----------------------------------------------------------------- */

/* The origin learns the answer (from a reply, or by being the end of the route itself). */
static void finish(Pastry *p, uint32_t oi, uint32_t answer, guint hops, gboolean found,
                   uint32_t value)
{
    PastryOp *o = pastry_op_at(p, oi);
    switch ((SimOpKind) o->kind) {
    case SIM_OP_LOOKUP: {
        uint32_t truth = pastry_oracle_closest(p, o->target);
        pastry_op_end(p, oi, TRUE, truth == PASTRY_NONE || truth == answer, hops);
        return;
    }
    case SIM_OP_STORE:
        pastry_op_end(p, oi, TRUE, -1, hops);
        return;
    case SIM_OP_GET:
        if (found && value) {
            uint64_t *k = g_new(uint64_t, 1);
            *k = o->op_id;
            g_hash_table_insert(p->op_values, k, GUINT_TO_POINTER(value));
        }
        pastry_op_end(p, oi, found, -1, hops);
        return;
    default:
        g_assert_not_reached();
    }
}

static void note_stretch(Pastry *p, const PastryMsg *m, uint32_t node)
{
    if (m->type != PASTRY_LOOKUP || node == m->origin)
        return;
    double direct = (double) pastry_proximity(p, m->origin, node);
    double path = (double) (sim_now(p->sim) - m->start);
    p->stretch_sum += path / direct;
    p->stretch_n++;
}

/* node is the end of m's route: answer the origin. */
static void end_here(Pastry *p, uint32_t node, const PastryMsg *m, gboolean found,
                     uint32_t value)
{
    if (m->type == PASTRY_STORE)
        pastry_store_root(p, node, m->target, m->value);
    note_stretch(p, m, node);
    if (node == m->origin) {
        if (pastry_op_valid(p, m->op, m->op_gen))
            finish(p, m->op, node, m->hop, found, value);
        return;
    }
    static const PastryMsgType reply_of[] = {
        [PASTRY_LOOKUP] = PASTRY_LOOKUP_REPLY, [PASTRY_STORE] = PASTRY_STORE_REPLY,
        [PASTRY_GET] = PASTRY_GET_REPLY,
    };
    uint32_t mi = pastry_msg_answer(p, reply_of[m->type], node, m->origin, m);
    PastryMsg *r = pastry_msg_at(p, mi);
    r->answer = node;
    r->rpc = PASTRY_NONE;
    if (found) {
        r->flags |= PASTRY_MSG_FOUND;
        r->value = value;
    }
    pastry_msg_send(p, mi);
}

void pastry_route_reply(Pastry *p, uint32_t node, const PastryMsg *m)
{
    if (!pastry_op_valid(p, m->op, m->op_gen) || pastry_op_at(p, m->op)->origin != node)
        return;  /* the operation timed out meanwhile */
    finish(p, m->op, m->answer, m->hop, (m->flags & PASTRY_MSG_FOUND) != 0, m->value);
}

/* ---- forwarding ------------------------------------------------------------------------- */

static void forward(Pastry *p, uint32_t node, const PastryMsg *m, uint32_t next, guint tries)
{
    uint32_t mi = pastry_msg_answer(p, (PastryMsgType) m->type, node, next, m);
    pastry_msg_at(p, mi)->hop = (uint16_t) (m->hop + 1);
    uint32_t ri = pastry_rpc_send(p, mi, RPC_HOP, p->hop_timeout);
    pastry_rpc_at(p, ri)->tries = (uint8_t) tries;
}

static void step(Pastry *p, uint32_t node, const PastryMsg *m, guint tries)
{
    gboolean join = m->type == PASTRY_JOIN;
    if (m->type == PASTRY_GET && node != m->origin) {
        const PastryItem *it = pastry_store_find(p, node, m->target);
        if (it) {  /* any node on the path that holds a replica answers */
            end_here(p, node, m, TRUE, it->value);
            return;
        }
    }
    uint32_t next = m->hop >= PASTRY_MAX_HOPS
                        ? node
                        : pastry_route_next(p, node, m->target, join ? m->origin : PASTRY_NONE);
    if (join && node == m->origin) {
        if (next != node)  /* the joining node itself: through another node it knows */
            forward(p, node, m, next, tries);
        return;            /* nobody to ask: the join times out and tries again */
    }
    if (join)
        pastry_join_send_state(p, node, m, next == node);
    if (next != node) {
        forward(p, node, m, next, tries);
        return;
    }
    if (join)
        return;
    const PastryItem *it = m->type == PASTRY_GET ? pastry_store_find(p, node, m->target) : NULL;
    end_here(p, node, m, it != NULL, it ? it->value : 0);
}

void pastry_route_step(Pastry *p, uint32_t node, const PastryMsg *m)
{
    if (m->from != node) {  /* ack the hop it came from */
        uint32_t mi = pastry_msg_answer(p, PASTRY_HOP_ACK, node, m->from, m);
        pastry_msg_send(p, mi);
    }
    step(p, node, m, 0);
}

/* The next hop did not ack: it is dead to us; route the message again from here. */
void pastry_route_hop_failed(Pastry *p, const PastryRpc *r)
{
    pastry_op_count_timeout(p, r->m.op, r->m.op_gen);
    p->reroutes++;
    pastry_node_failed(p, r->from, r->to);
    if (r->tries + 1u >= PASTRY_REROUTES)
        return;  /* the origin's operation times out */
    PastryMsg m = r->m;
    m.hop = (uint16_t) (m.hop - 1);  /* as it was before the failed forward */
    m.from = r->from;
    step(p, r->from, &m, r->tries + 1u);
}

void pastry_route_start(Pastry *p, SimOpKind kind, uint32_t origin, const PastryId *target,
                        uint64_t op_id, uint64_t key, uint32_t value)
{
    static const PastryMsgType type_of[] = {
        [SIM_OP_LOOKUP] = PASTRY_LOOKUP, [SIM_OP_STORE] = PASTRY_STORE,
        [SIM_OP_GET] = PASTRY_GET,
    };
    uint32_t oi = pastry_op_new(p, kind, origin, op_id, key, target, value);
    PastryMsg m = {
        .type = (uint8_t) type_of[kind], .from = origin, .to = origin, .origin = origin,
        .rpc = PASTRY_NONE, .op = oi, .op_gen = sim_pool_gen(&p->ops, oi), .value = value,
        .answer = PASTRY_NONE, .start = sim_now(p->sim), .op_id = op_id, .key = key,
        .target = *target,
    };
    if (kind == SIM_OP_GET) {
        const PastryItem *it = pastry_store_find(p, origin, *target);
        if (it) {  /* the origin holds a replica: no message needed */
            finish(p, oi, origin, 0, TRUE, it->value);
            return;
        }
    }
    step(p, origin, &m, 0);
}

PastryId pastry_lookup_target(const Pastry *p, uint64_t key)
{
    return pastry_id_from_u64(&p->s, key ^ PASTRY_LOOKUP_SALT);
}

void pastry_route_join(Pastry *p, uint32_t node, uint32_t via, uint32_t oi)
{
    PastryMsg m = {
        .type = PASTRY_JOIN, .from = node, .to = node, .origin = node, .rpc = PASTRY_NONE,
        .op = oi, .op_gen = sim_pool_gen(&p->ops, oi), .answer = PASTRY_NONE,
        .start = sim_now(p->sim), .op_id = pastry_op_at(p, oi)->op_id, .target = p->ids[node],
    };
    forward(p, node, &m, via, 0);
}
