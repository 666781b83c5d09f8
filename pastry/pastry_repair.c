/* pastry_repair — keeping the tables right as nodes leave (section 2.4 of the paper): every
 * leaf_probe each node probes its leaf set (the probe and its reply carry both leaf sets, so
 * neighbours also learn of each other's changes); a member that does not answer is dead, and
 * the farthest live member on its side is asked for its leaf set to refill the gap. A
 * routing-table entry found dead (an unacked hop, a probe) is replaced lazily: another entry
 * of the same row (or, failing that, of the next) is asked for its entry of that slot. A node
 * that leaves gracefully tells its leaf set, handing it over; a crash is silent. */
#include "pastry_private.h"

static void on_probe(Sim *sim, void *ctx, const SimEvent *ev);
static void on_rt_maintenance(Sim *sim, void *ctx, const SimEvent *ev);

void pastry_repair_init(Pastry *p)
{
    p->ev_probe = sim_register_handler(p->sim, "pastry-leaf-probe", on_probe, p);
    p->ev_rt_maint = sim_register_handler(p->sim, "pastry-rt-maintenance", on_rt_maintenance, p);
}

/* node's next `ev` after `period` (first: after a random part of it). */
static void schedule_periodic(Pastry *p, uint32_t node, uint16_t ev, SimTime period,
                              gboolean first)
{
    if (period == 0)
        return;
    PastryNode *n = &p->nodes[node];
    SimTime delay = first ? 1 + (SimTime) sim_rng_state_below(&n->rng, (uint64_t) period)
                          : period;
    sim_schedule(p->sim, sim_now(p->sim) + delay, ev, node, n->epoch, p->node_host[node]);
}

void pastry_repair_schedule(Pastry *p, uint32_t node, gboolean first)
{
    schedule_periodic(p, node, p->ev_probe, p->leaf_probe, first);
    if (first)  /* later ones are scheduled by the maintenance itself */
        schedule_periodic(p, node, p->ev_rt_maint, p->rt_maintenance, TRUE);
}

/* Is the periodic event ev still for the node it was scheduled for (up, same epoch)? */
static gboolean periodic_current(Pastry *p, const SimEvent *ev)
{
    const PastryNode *n = &p->nodes[ev->target];
    return n->state == NODE_UP && n->epoch == (uint16_t) ev->data;
}

static void on_probe(Sim *sim, void *ctx, const SimEvent *ev)
{
    Pastry *p = ctx;
    uint32_t node = ev->target;
    PastryNode *n = &p->nodes[node];
    (void) sim;
    if (!periodic_current(p, ev))
        return;
    uint32_t members[PASTRY_L_MAX], near[2];
    guint k = pastry_leafset_members(&n->ls, p->half, members);
    for (int side = 0; side < 2; side++)
        near[side] = n->ls.n[side] ? pastry_leafset_at(&n->ls, p->half, side, 0) : PASTRY_NONE;
    for (guint i = 0; i < k; i++) {
        /* leaf_exchange = neighbours: the two immediate neighbours exchange leaf sets (which
         * is how a newcomer next to them spreads), the others are only checked alive: a
         * probe's leaf set costs 22 bytes a member and its handling was most of the CPU time */
        gboolean exchange = p->leaf_exchange_all || members[i] == near[PASTRY_CCW] ||
                            members[i] == near[PASTRY_CW];
        if (exchange)
            pastry_leaf_send(p, node, members[i], PASTRY_LEAF_PROBE, NULL);
        else if (p->leaf_check_all)
            pastry_ping_send(p, node, members[i]);
    }
    schedule_periodic(p, node, p->ev_probe, p->leaf_probe, FALSE);
}

/* ---- periodic routing-table maintenance ------------------------------------------------- */

/* Each rt_maintenance a node asks one random entry of each row for that row (as OverSim's
 * Pastry, doRoutingTableMaintenance, does) and pings the other entries. The entry's row r
 * shares r digits with it, so every entry of it is a candidate for the asker's row r: nearer
 * ones replace the holders, empty slots fill. The pings find the dead entries: asking for rows
 * alone left them in place (a dead holder keeps its slot until a nearer candidate comes; 10% of
 * 2,000 nodes crashed, 0.069 timeouts per lookup 20 minutes later against 0.076 without). */
static void on_rt_maintenance(Sim *sim, void *ctx, const SimEvent *ev)
{
    Pastry *p = ctx;
    uint32_t node = ev->target;
    PastryNode *n = &p->nodes[node];
    (void) sim;
    if (!periodic_current(p, ev))
        return;
    for (guint row = 0; row < n->rt.rows; row++) {
        uint32_t held[PASTRY_L_MAX];
        guint k = 0;
        for (guint col = 0; col < p->s.cols; col++) {
            uint32_t e = pastry_rtable_get(&n->rt, p->s.cols, row, col);
            if (e != PASTRY_NONE)
                held[k++] = e;
        }
        if (k == 0)
            continue;
        guint asked = (guint) sim_rng_state_below(&n->rng, k);
        for (guint i = 0; i < k; i++)
            if (i != asked)
                pastry_ping_send(p, node, held[i]);
        uint32_t mi = pastry_msg_new(p, PASTRY_ROW_REQUEST, node, held[asked]);
        PastryMsg *m = pastry_msg_at(p, mi);
        m->answer = row;
        pastry_rpc_send(p, mi, RPC_REPAIR, p->hop_timeout);
    }
    schedule_periodic(p, node, p->ev_rt_maint, p->rt_maintenance, FALSE);
}

void pastry_row_request(Pastry *p, uint32_t node, const PastryMsg *req)
{
    pastry_consider(p, node, req->from);
    uint32_t mi = pastry_msg_answer(p, PASTRY_ROW_REPLY, node, req->from, req);
    PastryMsg *m = pastry_msg_at(p, mi);
    const PastryRtable *rt = &p->nodes[node].rt;
    for (guint col = 0; col < p->s.cols; col++) {
        uint32_t e = pastry_rtable_get(rt, p->s.cols, req->answer, col);
        if (e != PASTRY_NONE && e != req->from)
            m->contacts[m->n++] = e;
    }
    pastry_msg_send(p, mi);
}

void pastry_row_reply(Pastry *p, uint32_t node, const PastryMsg *m)
{
    PastryRpc r;
    if (pastry_rpc_answered(p, m, &r))
        pastry_consider_at(p, node, m->from, pastry_prox_of_rtt(p, r.m.sent));
    for (guint i = 0; i < m->n; i++)
        pastry_hear_of(p, node, m->contacts[i], TRUE);
}

/* ---- leaf sets -------------------------------------------------------------------------- */

void pastry_probe_done(Pastry *p, uint32_t from, uint32_t to)
{
    pastry_pairset_remove(&p->probing, from, to);
}

/* Has m's receiver, an immediate neighbour of node, been sent this very leaf set last time?
 * (Then the periodic exchange leaves it out: in a stable ring the neighbours' leaf sets stay
 * the same for hours, and weighing their contacts again every period was half of all CPU
 * time.) Remembers the leaf set as told when not. */
static gboolean told_already(Pastry *p, uint32_t node, const PastryMsg *m)
{
    PastryNode *n = &p->nodes[node];
    uint32_t h = 2166136261u;  /* FNV-1a over the members */
    for (guint i = 0; i < m->n; i++)
        h = (h ^ m->contacts[i]) * 16777619u;
    for (int side = 0; side < 2; side++) {
        if (n->ls.n[side] == 0 || pastry_leafset_at(&n->ls, p->half, side, 0) != m->to)
            continue;
        if (n->told[side] == m->to && n->told_hash[side] == h)
            return TRUE;
        n->told[side] = m->to;
        n->told_hash[side] = h;
        return FALSE;
    }
    return FALSE;
}

void pastry_leaf_send(Pastry *p, uint32_t node, uint32_t to, PastryMsgType type,
                      const PastryMsg *req)
{
    /* One probe at a time to a node: during joins, a candidate named in many leaf sets at
     * once was probed once per mention, and each answer named more (a storm of probes). */
    if (type == PASTRY_LEAF_PROBE && !pastry_pairset_add(&p->probing, node, to))
        return;
    uint32_t mi = req ? pastry_msg_answer(p, type, node, to, req) : pastry_msg_new(p, type, node, to);
    PastryMsg *m = pastry_msg_at(p, mi);
    if (type != PASTRY_LEAF_REPLY)
        m->op = PASTRY_NONE;  /* maintenance: no operation's message */
    m->n = (uint16_t) pastry_leafset_members(&p->nodes[node].ls, p->half, m->contacts);
    if ((type == PASTRY_LEAF_PROBE || type == PASTRY_LEAF_REPLY) && told_already(p, node, m)) {
        m->n = 0;
        m->flags |= PASTRY_MSG_SAME;
    }
    if (type == PASTRY_LEAF_PROBE)
        pastry_rpc_send(p, mi, RPC_PROBE, p->hop_timeout);
    else
        pastry_msg_send(p, mi);
}

/* leaf_check = neighbours: when an immediate neighbour's full leaf set leaves out members of
 * node's own that lie within its range, the neighbour found them dead (or has not heard of
 * them yet): node pings them. Only neighbours' and only full sets: a newcomer's first, partial
 * set made every receiver ping its whole leaf set (twice the pings of leaf_check = members). */
static void check_missing(Pastry *p, uint32_t node, const PastryMsg *m)
{
    const PastryLeafset *ls = &p->nodes[node].ls;
    gboolean neighbour = FALSE;
    for (int side = 0; side < 2; side++)
        neighbour |= ls->n[side] > 0 && pastry_leafset_at(ls, p->half, side, 0) == m->from;
    if (!neighbour)
        return;
    uint32_t theirs_m[PASTRY_L_MAX], mine[PASTRY_L_MAX];
    PastryLeafset theirs = { .m = theirs_m };
    for (guint i = 0; i < m->n; i++)
        pastry_leafset_insert(&theirs, p->half, &p->s, p->ids, m->from, m->contacts[i]);
    if (theirs.n[0] < p->half || theirs.n[1] < p->half)
        return;
    guint k = pastry_leafset_members(ls, p->half, mine);
    for (guint i = 0; i < k; i++)
        if (mine[i] != m->from &&
            pastry_leafset_wants(&theirs, p->half, &p->s, p->ids, m->from, mine[i]))
            pastry_ping_send(p, node, mine[i]);
}

/* Does node send `to` a LEAF_PROBE itself every period (an immediate neighbour; every member
 * with leaf_exchange = all)? Its reply's round trip then measures `to` within a period. */
static gboolean probes_periodically(Pastry *p, uint32_t node, uint32_t to)
{
    const PastryLeafset *ls = &p->nodes[node].ls;
    if (p->leaf_probe == 0)
        return FALSE;
    if (p->leaf_exchange_all)
        return pastry_leafset_contains(ls, p->half, to);
    for (int side = 0; side < 2; side++)
        if (ls->n[side] > 0 && pastry_leafset_at(ls, p->half, side, 0) == to)
            return TRUE;
    return FALSE;
}

void pastry_leaf_received(Pastry *p, uint32_t node, const PastryMsg *m)
{
    PastryRpc r;
    if (m->type == PASTRY_LEAF_REPLY && pastry_rpc_answered(p, m, &r)) {
        pastry_probe_done(p, r.from, r.to);
        pastry_consider_at(p, node, m->from, pastry_prox_of_rtt(p, r.m.sent));
    } else if (m->type == PASTRY_LEAF_PROBE && probes_periodically(p, node, m->from)) {
        /* a neighbour's periodic probe: no PING back to measure it, node's own probe of it
         * measures it anyway (dropping those PINGs cut all PINGs by 22% at 2,000 nodes and
         * by 17% at 10,000, one per neighbour and period) */
        pastry_consider_at(p, node, m->from, PASTRY_PROX_UNKNOWN);
    } else {
        pastry_consider(p, node, m->from);
    }
    for (guint i = 0; i < m->n; i++)
        pastry_hear_of(p, node, m->contacts[i], FALSE);
    if (!p->leaf_check_all && !(m->flags & PASTRY_MSG_SAME))
        check_missing(p, node, m);
    if (m->type == PASTRY_LEAF_PROBE)
        pastry_leaf_send(p, node, m->from, PASTRY_LEAF_REPLY, m);
}

void pastry_leaf_spread_failure(Pastry *p, uint32_t node)
{
    uint32_t members[PASTRY_L_MAX];
    guint k = pastry_leafset_members(&p->nodes[node].ls, p->half, members);
    for (guint i = 0; i < k; i++)
        pastry_leaf_send(p, node, members[i], PASTRY_LEAF_PROBE, NULL);
}

void pastry_leaf_repair(Pastry *p, uint32_t node, int side)
{
    PastryLeafset *ls = &p->nodes[node].ls;
    if (ls->n[side] == 0)
        side = !side;  /* nobody left on that side: ask the other (the ring wraps round) */
    if (ls->n[side] == 0)
        return;
    p->leaf_repairs++;
    pastry_leaf_send(p, node, pastry_leafset_at(ls, p->half, side, ls->n[side] - 1u),
                     PASTRY_LEAF_PROBE, NULL);
}

void pastry_ping_send(Pastry *p, uint32_t node, uint32_t to)
{
    if (!pastry_pairset_add(&p->probing, node, to))
        return;
    uint32_t mi = pastry_msg_new(p, PASTRY_PING, node, to);
    pastry_rpc_send(p, mi, RPC_PROBE, p->hop_timeout);
}

void pastry_ping_received(Pastry *p, uint32_t node, const PastryMsg *m)
{
    PastryRpc r;
    if (m->type == PASTRY_PING) {
        /* no ping back to measure the pinger: two nodes whose tables both turn the other
         * down would ping each other for ever */
        pastry_consider_at(p, node, m->from, PASTRY_PROX_UNKNOWN);
        pastry_msg_send(p, pastry_msg_answer(p, PASTRY_PONG, node, m->from, m));
        return;
    }
    if (!pastry_rpc_answered(p, m, &r))
        return;  /* late: taken for dead already */
    uint32_t d = pastry_prox_of_rtt(p, r.m.sent);
    if (r.kind == RPC_NEAR) {
        pastry_near_pong(p, node, &r, d);
        return;
    }
    pastry_probe_done(p, r.from, r.to);
    pastry_consider_at(p, node, m->from, d);
}

void pastry_probe_failed(Pastry *p, const PastryRpc *r)
{
    pastry_node_failed(p, r->from, r->to);
}

/* ---- routing-table entries -------------------------------------------------------------- */

/* Another entry of row (or of the rows below) to ask for slot (row, col), or PASTRY_NONE. */
static uint32_t repair_source(Pastry *p, uint32_t node, guint row, guint col)
{
    const PastryRtable *rt = &p->nodes[node].rt;
    for (guint r = row; r < rt->rows; r++)
        for (guint c = 0; c < p->s.cols; c++) {
            uint32_t e = pastry_rtable_get(rt, p->s.cols, r, c);
            if (e != PASTRY_NONE && !(r == row && c == col))
                return e;
        }
    return PASTRY_NONE;
}

void pastry_rt_repair(Pastry *p, uint32_t node, guint row, guint col, uint32_t dead)
{
    uint32_t ask = repair_source(p, node, row, col);
    if (ask == PASTRY_NONE)
        return;
    p->rt_repairs++;
    uint32_t mi = pastry_msg_new(p, PASTRY_RT_REPAIR, node, ask);
    PastryMsg *m = pastry_msg_at(p, mi);
    m->rowcol = (uint16_t) (row << 8 | col);
    m->value = dead;  /* not to be handed back */
    pastry_rpc_send(p, mi, RPC_REPAIR, p->hop_timeout);
}

void pastry_rt_repair_received(Pastry *p, uint32_t node, const PastryMsg *m)
{
    pastry_consider(p, node, m->from);
    guint row = m->rowcol >> 8, col = m->rowcol & 0xff;
    uint32_t mi = pastry_msg_answer(p, PASTRY_RT_REPAIR_REPLY, node, m->from, m);
    PastryMsg *r = pastry_msg_at(p, mi);
    r->rowcol = m->rowcol;
    r->answer = pastry_rtable_get(&p->nodes[node].rt, p->s.cols, row, col);
    pastry_msg_send(p, mi);
}

void pastry_rt_repair_reply(Pastry *p, uint32_t node, const PastryMsg *m)
{
    PastryRpc r;
    if (pastry_rpc_answered(p, m, &r))
        pastry_consider_at(p, node, m->from, pastry_prox_of_rtt(p, r.m.sent));
    if (m->answer != PASTRY_NONE && m->answer != m->value)
        pastry_hear_of(p, node, m->answer, TRUE);
}

/* ---- leaving ---------------------------------------------------------------------------- */

void pastry_host_down(void *self, SimHost host, gboolean graceful)
{
    Pastry *p = self;
    uint32_t node = p->host_node[host];
    if (node == PASTRY_NONE)
        return;
    PastryNode *n = &p->nodes[node];
    if (graceful && n->state == NODE_UP) {
        uint32_t members[PASTRY_L_MAX];
        guint k = pastry_leafset_members(&n->ls, p->half, members);
        for (guint i = 0; i < k; i++)
            pastry_leaf_send(p, node, members[i], PASTRY_LEAVE, NULL);
    }
    pastry_op_abandon_node(p, node);
    if (n->state == NODE_UP)
        pastry_oracle_remove(p, node);
    n->state = NODE_DOWN;
    n->epoch++;
    pastry_store_free_node(p, node);  /* values live in memory only: a restart loses them */
}

void pastry_leave_received(Pastry *p, uint32_t node, const PastryMsg *m)
{
    pastry_node_forget(p, node, m->from, FALSE);
    for (guint i = 0; i < m->n; i++)
        if (m->contacts[i] != node)
            pastry_hear_of(p, node, m->contacts[i], FALSE);
}
