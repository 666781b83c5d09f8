/* pastry_join — a node arriving (section 2.4 of the paper): it routes a JOIN with its own ID as
 * the key through its bootstrap node; every node on the route sends it the rows of its routing
 * table that apply to it, the bootstrap its neighbourhood set, the last node (numerically
 * closest) its leaf set. The node keeps, slot by slot, the nearest candidate it was offered,
 * then announces itself to every node of its new tables, which take it into theirs; those
 * whose leaf set it enters answer with their leaf set. With bootstrap = oracle, tables come
 * from global knowledge instead (pastry_oracle.c). */
#include "pastry_private.h"

#include <string.h>

static void send_near_request(Pastry *p, uint32_t node, uint32_t to, uint32_t oi, guint round);

static void report_instant_join(Pastry *p, uint32_t node)
{
    SimTime now = sim_now(p->sim);
    SimOp op = { .id = sim_op_begin(p->sim), .kind = SIM_OP_JOIN,
                 .origin = p->node_host[node], .start = now, .end = now, .success = TRUE,
                 .correct = -1 };
    sim_op_end(p->sim, &op);
}

/* The node takes part in the network: the oracle counts it, its leaf set is probed. */
static void become_up(Pastry *p, uint32_t node)
{
    p->nodes[node].state = NODE_UP;
    pastry_oracle_add(p, node);
    pastry_repair_schedule(p, node, TRUE);
}

/* A node rejoining under its old identity starts from empty tables, as after a restart. */
static void clear_tables(Pastry *p, uint32_t node)
{
    PastryNode *n = &p->nodes[node];
    pastry_rtable_free(&n->rt);
    n->ls.n[0] = n->ls.n[1] = 0;
    n->n_nbr = 0;
    n->filled = 0;
    n->told[0] = n->told[1] = PASTRY_NONE;
}

void pastry_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh)
{
    Pastry *p = self;
    uint32_t node = p->host_node[host];
    if (node == PASTRY_NONE || fresh)
        node = pastry_node_new(p, host);
    else
        clear_tables(p, node);
    p->nodes[node].state = NODE_JOINING;
    if (p->oracle_bootstrap || bootstrap == SIM_HOST_NONE) {
        become_up(p, node);
        report_instant_join(p, node);
        return;
    }
    uint32_t via = p->host_node[bootstrap];
    pastry_consider(p, node, via);
    uint32_t oi = pastry_op_new(p, SIM_OP_JOIN, node, sim_op_begin(p->sim), 0, &p->ids[node], 0);
    if (p->find_near)
        send_near_request(p, node, via, oi, 1);
    else
        pastry_route_join(p, node, via, oi);
}

/* ---- finding a nearby node to join through ---------------------------------------------- */

static void send_near_request(Pastry *p, uint32_t node, uint32_t to, uint32_t oi, guint round)
{
    uint32_t mi = pastry_msg_new(p, PASTRY_NEAR_REQUEST, node, to);
    PastryMsg *m = pastry_msg_at(p, mi);
    PastryOp *o = pastry_op_at(p, oi);
    m->op = oi;
    m->op_gen = sim_pool_gen(&p->ops, oi);
    m->op_id = o->op_id;
    m->hop = (uint16_t) round;
    m->target = p->ids[node];
    o->near_from = to;
    o->near_sent = sim_now(p->sim);
    o->near_round = (uint8_t) round;
    pastry_msg_send(p, mi);
}

void pastry_near_request(Pastry *p, uint32_t node, const PastryMsg *req)
{
    uint32_t n = p->nodes[node].n_nbr;
    uint32_t *table = g_new(uint32_t, MAX(n, 1u));
    memcpy(table, pastry_nbr(p, node), sizeof(uint32_t) * n);
    uint32_t mi = pastry_msg_answer(p, PASTRY_NEAR_REPLY, node, req->from, req);
    PastryMsg *m = pastry_msg_at(p, mi);
    m->table = table;
    m->n_table = n;
    pastry_msg_send(p, mi);
}

/* The search has weighed the node that answered and its neighbourhood set: if the nearest is
 * nearer than the one that answered, ask it in turn; otherwise join through the nearest. */
static void near_decide(Pastry *p, uint32_t node, uint32_t oi)
{
    PastryOp *o = pastry_op_at(p, oi);
    uint32_t from = o->near_from, best = o->near_best;
    if (best != from && o->near_round < PASTRY_NEAR_ROUNDS) {
        send_near_request(p, node, best, oi, o->near_round + 1u);
        return;
    }
    o->near_from = PASTRY_NONE;  /* the search is over */
    pastry_consider_at(p, node, from, o->near_from_d);
    pastry_route_join(p, node, best, oi);
}

static gboolean near_candidate(Pastry *p, uint32_t node, uint32_t c)
{
    return c != node && p->ids[c] != p->ids[node];
}

/* With proximity = free the newcomer reads every proximity at once; with probe it measures
 * the node that answered by the request's round trip and pings each node of the answer
 * (RPC_NEAR), deciding when every ping is answered or timed out. */
void pastry_near_reply(Pastry *p, uint32_t node, const PastryMsg *m)
{
    if (p->nodes[node].state != NODE_JOINING || !pastry_op_valid(p, m->op, m->op_gen))
        return;  /* the join went on without it (timed out, retried) */
    PastryOp *o = pastry_op_at(p, m->op);
    if (o->near_from != m->from || o->near_pending)
        return;  /* not the answer this round waits for */
    o->near_best = m->from;
    o->near_from_d = p->prox_probe ? pastry_prox_of_rtt(p, o->near_sent)
                                   : pastry_prox_clamp(pastry_proximity(p, node, m->from));
    o->near_best_d = o->near_from_d;
    for (guint i = 0; i < m->n_table; i++) {
        uint32_t c = m->table[i];
        if (!near_candidate(p, node, c))
            continue;
        if (p->prox_probe) {
            uint32_t mi = pastry_msg_new(p, PASTRY_PING, node, c);
            PastryMsg *ping = pastry_msg_at(p, mi);
            ping->op = m->op;
            ping->op_gen = m->op_gen;
            ping->op_id = m->op_id;
            pastry_rpc_send(p, mi, RPC_NEAR, p->hop_timeout);
            o = pastry_op_at(p, m->op);
            o->near_pending++;
            continue;
        }
        uint32_t d = pastry_prox_clamp(pastry_proximity(p, node, c));
        if (d < o->near_best_d) {
            o->near_best = c;
            o->near_best_d = d;
        }
    }
    if (o->near_pending == 0)
        near_decide(p, node, m->op);
}

void pastry_near_pong(Pastry *p, uint32_t node, const PastryRpc *r, uint32_t d)
{
    if (p->nodes[node].state != NODE_JOINING || !pastry_op_valid(p, r->m.op, r->m.op_gen))
        return;
    PastryOp *o = pastry_op_at(p, r->m.op);
    if (o->near_pending == 0 || o->near_from == PASTRY_NONE)
        return;  /* the join went on without it */
    if (d != PASTRY_PROX_UNKNOWN) {
        pastry_consider_at(p, node, r->to, d);
        o = pastry_op_at(p, r->m.op);
        if (d < o->near_best_d) {
            o->near_best = r->to;
            o->near_best_d = d;
        }
    }
    if (--o->near_pending == 0)
        near_decide(p, node, r->m.op);
}

/* ---- the nodes on the route ------------------------------------------------------------- */

void pastry_join_send_state(Pastry *p, uint32_t node, const PastryMsg *join, gboolean final)
{
    uint32_t x = join->origin;
    PastryNode *n = &p->nodes[node];
    guint rows = MIN(pastry_id_shl(&p->s, p->ids[node], p->ids[x]) + 1u, (guint) n->rt.rows);
    gboolean first = join->from == x;
    guint cap = rows * p->s.cols + (first ? n->n_nbr : 0u) + (final ? p->L : 0u);
    uint32_t *table = g_new(uint32_t, MAX(cap, 1u));
    guint k = 0;
    for (guint i = 0; i < rows * p->s.cols; i++)
        if (pastry_rtable_slot_at(&n->rt, i) != PASTRY_NONE)
            table[k++] = pastry_rtable_slot_at(&n->rt, i);
    for (guint i = 0; first && i < n->n_nbr; i++)
        table[k++] = pastry_nbr(p, node)[i];
    if (final)
        k += pastry_leafset_members(&n->ls, p->half, &table[k]);
    uint32_t mi = pastry_msg_answer(p, PASTRY_JOIN_STATE, node, x, join);
    PastryMsg *m = pastry_msg_at(p, mi);
    m->rpc = PASTRY_NONE;
    m->table = table;
    m->n_table = k;
    m->flags = (uint8_t) ((final ? PASTRY_MSG_FINAL : 0) | (first ? PASTRY_MSG_FIRST : 0));
    pastry_msg_send(p, mi);
}

/* ---- the joining node ------------------------------------------------------------------- */

static void announce(Pastry *p, uint32_t node)
{
    uint32_t *to = g_new(uint32_t, pastry_contacts_max(p));
    guint k = pastry_node_contacts(p, node, to);
    for (guint i = 0; i < k; i++)
        pastry_leaf_send(p, node, to[i], PASTRY_ANNOUNCE, NULL);
    g_free(to);
}

void pastry_join_state(Pastry *p, uint32_t node, const PastryMsg *m)
{
    pastry_consider(p, node, m->from);
    for (guint i = 0; i < m->n_table; i++)
        pastry_take_state(p, node, m->table[i]);
    if (!(m->flags & PASTRY_MSG_FINAL) || p->nodes[node].state != NODE_JOINING ||
        !pastry_op_valid(p, m->op, m->op_gen))
        return;
    become_up(p, node);
    pastry_op_end(p, m->op, TRUE, -1, m->hop);
    announce(p, node);
}

/* No final state in time: try again through another node, or give up and carry on with
 * what the node has. */
void pastry_join_timeout(Pastry *p, uint32_t oi)
{
    PastryOp *o = pastry_op_at(p, oi);
    uint32_t node = o->origin;
    PastryNode *n = &p->nodes[node];
    o->timeouts++;
    o->near_from = PASTRY_NONE;  /* a search for a near node still running is abandoned */
    o->near_pending = 0;
    if (++o->tries >= PASTRY_JOIN_ATTEMPTS || n->state != NODE_JOINING) {
        if (n->state == NODE_JOINING)
            become_up(p, node);
        pastry_op_end(p, oi, FALSE, -1, 0);
        return;
    }
    SimHost h = sim_random_up_host(p->sim, &n->rng, p->node_host[node]);
    uint32_t via = h == SIM_HOST_NONE ? PASTRY_NONE : p->host_node[h];
    sim_timeouts_arm(p->op_timeouts, p->join_timeout, oi, sim_pool_gen(&p->ops, oi),
                     p->node_host[node]);
    if (via == PASTRY_NONE)
        return;
    pastry_consider(p, node, via);
    pastry_route_join(p, node, via, oi);
}

void pastry_announce_received(Pastry *p, uint32_t node, const PastryMsg *m)
{
    /* a node that announces itself has (re)joined with empty tables: what it was told
     * before is lost */
    PastryNode *n = &p->nodes[node];
    for (int side = 0; side < 2; side++)
        if (n->told[side] == m->from)
            n->told[side] = PASTRY_NONE;
    pastry_consider(p, node, m->from);
    for (guint i = 0; i < m->n; i++)
        pastry_hear_of(p, node, m->contacts[i], FALSE);
    if (pastry_leafset_contains(&p->nodes[node].ls, p->half, m->from))
        pastry_leaf_send(p, node, m->from, PASTRY_LEAF_REPLY, m);
}
