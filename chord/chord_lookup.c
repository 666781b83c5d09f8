/* chord_lookup — find_successor: iterative (the origin asks each node of the path in turn) and
 * recursive (the query is forwarded node to node and the successor answers the origin), and
 * what follows it: the STORE of a store, the end of a join or of a finger's refresh.
 *
 * A node asked for target t answers from its own state (chord_route): "the successors of t
 * are these" when t lies between it and its successor (or between its predecessor and itself),
 * else its closest preceding fingers. A lookup ends when a node named as t's successor answers
 * it: being alive is what makes the first live entry of its predecessor's successor list the
 * successor (ToN 2003, section IV-E). SimOp.hops is the answer's place in the referral chain,
 * as for Kademlia: the origin is 0, a node its own table named is 1, a node that node named 2;
 * so hops - 1 is the number of finger hops to t's predecessor (docs/chord.md). */
#include "chord_private.h"

#include <string.h>

/* A recursive lookup whose answer does not come back is retried through the origin's next
 * candidate, at most this many times in all. */
#define CHORD_RECURSIVE_ATTEMPTS 3

static void step(Chord *c, uint32_t li);
static void finish(Chord *c, uint32_t li, const ChordMsg *reply);
static void recursive_attempt(Chord *c, uint32_t li);

static void release(Chord *c, uint32_t li)
{
    chord_lookup_at(c, li)->active = 0;
    sim_pool_release(&c->lookups, li);
}

static SimOpKind op_kind_of(ChordPurpose p)
{
    switch (p) {
    case P_LOOKUP: return SIM_OP_LOOKUP;
    case P_STORE:  return SIM_OP_STORE;
    case P_GET:    return SIM_OP_GET;
    case P_JOIN:   return SIM_OP_JOIN;
    default:       return SIM_OP_KINDS;  /* maintenance: not an operation of the workload */
    }
}

static void report(Chord *c, const ChordLookup *L, gboolean success, int correct)
{
    SimOpKind kind = op_kind_of((ChordPurpose) L->purpose);
    if (kind == SIM_OP_KINDS)
        return;
    SimOp op = {
        .id = L->op_id, .kind = kind, .origin = c->node_host[L->origin], .key = L->key,
        .start = L->start, .end = sim_now(c->sim), .hops = L->hops, .messages = L->messages,
        .timeouts = L->timeouts, .success = success, .correct = (int8_t) correct,
    };
    sim_op_end(c->sim, &op);
}

/* ---- routing at one node ---------------------------------------------------------------- */

guint chord_route(Chord *c, uint32_t node, const ChordId *target, uint32_t *out,
                  gboolean *answer, guint max_next)
{
    const ChordNode *n = &c->nodes[node];
    const uint32_t *succ = chord_succ(c, node);
    const ChordId *self = &c->ids[node];
    *answer = FALSE;
    if (n->state != NODE_UP)
        return 0;  /* still joining: it knows nobody to send the asker to */
    *answer = TRUE;
    if (n->n_succ == 0) {  /* alone: everything is ours */
        out[0] = node;
        return 1;
    }
    if (n->pred != CHORD_NONE && chord_id_in_half(target, &c->ids[n->pred], self)) {
        out[0] = node;  /* ours: we, then our successors (the replicas) */
        guint k = MIN((guint) n->n_succ, c->r - 1);
        memcpy(&out[1], succ, sizeof(uint32_t) * k);
        return k + 1;
    }
    if (chord_id_in_half(target, self, &c->ids[succ[0]])) {
        memcpy(out, succ, sizeof(uint32_t) * n->n_succ);
        return n->n_succ;
    }
    *answer = FALSE;
    guint k = chord_closest_preceding(&n->fingers, succ, c->route_successors ? n->n_succ : 0,
                                      c->ids, node, target, out, max_next);
    if (k == 0)  /* fingers only, and none yet: the successor precedes the target */
        k = chord_closest_preceding(&n->fingers, succ, 1, c->ids, node, target, out, max_next);
    return k;
}

/* The node's successors at or past target (it believes nothing lives between it and target):
 * the answer of the last live node before a run of failed ones. None past it: the others. */
static guint successors_past(Chord *c, uint32_t node, const ChordId *target, uint32_t *out,
                             gboolean *answer)
{
    const ChordNode *n = &c->nodes[node];
    const uint32_t *succ = chord_succ(c, node);
    guint k = 0;
    for (guint i = 0; i < n->n_succ; i++)
        if (!chord_id_in_open(&c->ids[succ[i]], &c->ids[node], target))
            out[k++] = succ[i];
    *answer = k > 0;
    if (k > 0)
        return k;
    memcpy(out, succ, sizeof(uint32_t) * n->n_succ);
    return n->n_succ;
}

void chord_handle_find_succ(Chord *c, uint32_t node, const ChordMsg *req)
{
    uint32_t mi = chord_msg_answer(c, CHORD_FIND_SUCC_REPLY, node, req->from, req);
    ChordMsg *m = chord_msg_at(c, mi);
    const ChordItem *it = (req->flags & CHORD_MSG_WANT) ? chord_store_find(c, node, &req->target)
                                                        : NULL;
    if (it) {
        m->flags = CHORD_MSG_VALUE;
        m->value = it->value;
    } else {
        gboolean answer;
        m->n_nodes = (uint16_t) ((req->flags & CHORD_MSG_SUCCS)
                                     ? successors_past(c, node, &req->target, m->nodes, &answer)
                                     : chord_route(c, node, &req->target, m->nodes, &answer,
                                                   CHORD_NEXT_HOPS));
        m->flags = answer ? CHORD_MSG_ANSWER : 0;
    }
    chord_msg_count(c, mi);
    chord_msg_send(c, mi);
}

/* ---- the candidate list ----------------------------------------------------------------- */

static int find_cand(const ChordLookup *L, uint32_t node)
{
    for (guint i = 0; i < L->n; i++)
        if (L->cands[i].node == node)
            return (int) i;
    return -1;
}

/* Does a come before b? Answers first, in the order given; then by closeness to the target. */
static gboolean cand_before(const ChordCand *a, const ChordCand *b)
{
    if (a->answer != b->answer)
        return a->answer;
    return a->rank < b->rank;
}

static void merge(Chord *c, ChordLookup *L, uint32_t node, gboolean answer, guint hop,
                  uint64_t rank)
{
    if (node == L->origin || node == CHORD_NONE || find_cand(L, node) >= 0)
        return;
    if (!answer) {
        ChordId d = chord_id_dist(&c->ids[node], &L->target);
        rank = d.w[0];
    }
    ChordCand cand = { .rank = rank, .node = node, .state = CAND_NEW, .answer = (uint8_t) answer,
                       .hop = (uint8_t) MIN(hop, 255u) };
    guint pos = L->n;
    while (pos > 0 && cand_before(&cand, &L->cands[pos - 1]))
        pos--;
    if (pos >= CHORD_LOOKUP_CANDS)
        return;
    guint last = MIN((guint) L->n, CHORD_LOOKUP_CANDS - 1u);
    memmove(&L->cands[pos + 1], &L->cands[pos], sizeof(ChordCand) * (last - pos));
    L->cands[pos] = cand;
    L->n = (uint16_t) (last + 1);
}

/* The nodes that a node at `hop` of the chain named (at hop + 1): next hops, or the target's
 * successors (the first of them to answer is the answer). Returns TRUE when the step settles
 * the lookup: the origin itself was named the successor. */
static gboolean take_step(Chord *c, ChordLookup *L, const uint32_t *nodes, guint n,
                          gboolean answer, guint hop)
{
    /* A join wants the successor among the others: a node that rejoins under its old ID is
     * still listed by its neighbours, and taking itself for its successor failed every time. */
    if (answer && n > 0 && nodes[0] == L->origin && L->purpose != P_JOIN) {
        L->answer = L->origin;
        L->hops = hop == 0 ? 0 : hop + 1;
        return TRUE;
    }
    for (guint i = 0; i < n; i++)
        merge(c, L, nodes[i], answer, hop + 1, i);
    return FALSE;
}

/* ---- starting --------------------------------------------------------------------------- */

uint32_t chord_lookup_start(Chord *c, uint32_t origin, const ChordId *target,
                            ChordPurpose purpose, uint64_t op_id, uint64_t key, uint32_t value,
                            uint32_t bootstrap)
{
    uint32_t li = sim_pool_alloc(&c->lookups);
    ChordLookup *L = chord_lookup_at(c, li);
    L->active = 1;
    L->purpose = (uint8_t) purpose;
    L->phase = PHASE_ROUTING;
    /* Only the workload's operations go recursive: a join has no table to route from. */
    L->recursive = c->recursive && purpose != P_JOIN && purpose != P_FIX_FINGER &&
                   purpose != P_SELF;
    L->origin = origin;
    L->answer = CHORD_NONE;
    L->op_id = op_id;
    L->key = key;
    L->value = value;
    L->finger = purpose == P_FIX_FINGER ? (uint8_t) key : 0;
    L->target = *target;
    L->start = sim_now(c->sim);
    if (bootstrap != CHORD_NONE) {  /* a join: the bootstrap node is all the origin knows */
        merge(c, L, bootstrap, FALSE, 1, 0);
        step(c, li);
        return li;
    }
    if (purpose == P_GET && chord_store_find(c, origin, target)) {
        L->found = 1;  /* the origin holds it: no message needed */
        L->answer = origin;
        finish(c, li, NULL);
        return li;
    }
    uint32_t out[CHORD_MAX_SUCCESSORS];
    gboolean answer = FALSE;
    guint n;
    if (purpose == P_SELF) {
        /* Not from the origin's own account (it would answer itself): from the others', through
         * its fingers and successors closest before its ID, i.e. farthest round the ring. */
        const ChordNode *nd = &c->nodes[origin];
        n = chord_closest_preceding(&nd->fingers, chord_succ(c, origin), nd->n_succ, c->ids,
                                    origin, target, out, CHORD_ORIGIN_HOPS);
    } else {
        n = chord_route(c, origin, target, out, &answer, CHORD_ORIGIN_HOPS);
    }
    if (take_step(c, L, out, n, answer, 0)) {
        finish(c, li, NULL);
        return li;
    }
    if (L->recursive)
        recursive_attempt(c, li);
    else
        step(c, li);
    return li;
}

/* ---- iterative -------------------------------------------------------------------------- */

/* A message of the lookup from its origin to `to`: its target, operation and key. */
static uint32_t lookup_msg(Chord *c, const ChordLookup *L, ChordMsgType type, uint32_t to,
                           uint32_t hop)
{
    uint32_t mi = chord_msg_new(c, type, L->origin, to);
    ChordMsg *m = chord_msg_at(c, mi);
    m->target = L->target;
    m->op = L->op_id;
    m->key = L->key;
    m->hop = hop;
    return mi;
}

static void send_query(Chord *c, uint32_t li, ChordCand *cand, gboolean recursive)
{
    ChordLookup *L = chord_lookup_at(c, li);
    uint32_t mi = lookup_msg(c, L, CHORD_FIND_SUCC, cand->node, cand->hop);
    ChordMsg *m = chord_msg_at(c, mi);
    if (L->purpose == P_GET)
        m->flags |= CHORD_MSG_WANT;
    if (cand->state == CAND_DONE)  /* asked again: for its successors (see step) */
        m->flags |= CHORD_MSG_SUCCS;
    if (recursive) {
        m->flags |= CHORD_MSG_RECURSIVE;
        if (cand->answer)
            m->flags |= CHORD_MSG_FINAL;
        m->origin = L->origin;
    }
    cand->state = CAND_ASKED;
    L->inflight++;
    L->queries++;
    chord_rpc_send(c, mi, RPC_QUERY, li, recursive ? c->recursive_timeout : c->rpc_timeout);
}

/* The best candidate not yet asked; none: the closest live node before the target not yet
 * asked for its successors past the target (every node it named has failed, so it is the last
 * live node before the target as far as the lookup can tell); none either: -1. */
static int next_cand(const ChordLookup *L)
{
    for (guint i = 0; i < L->n; i++)
        if (L->cands[i].state == CAND_NEW)
            return (int) i;
    for (guint i = 0; i < L->n; i++)
        if (L->cands[i].state == CAND_DONE && !L->cands[i].answer && !L->cands[i].drained)
            return (int) i;
    return -1;
}

/* One query at a time; nobody left to ask: the lookup failed. */
static void step(Chord *c, uint32_t li)
{
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->inflight > 0)
        return;
    int at = L->queries < CHORD_MAX_QUERIES ? next_cand(L) : -1;
    if (at < 0) {
        if (L->slow == 0)  /* else a slow query may still answer */
            finish(c, li, NULL);
        return;
    }
    if (L->cands[at].state == CAND_DONE)
        L->cands[at].drained = 1;
    send_query(c, li, &L->cands[at], FALSE);
}

static void recursive_reply(Chord *c, uint32_t li, const ChordMsg *m)
{
    ChordLookup *L = chord_lookup_at(c, li);
    gboolean listed = !(m->flags & CHORD_MSG_VALUE) && m->n_nodes > 0;
    L->answer = listed ? m->nodes[0] : m->from;
    L->hops = m->hop;
    L->found = (m->flags & CHORD_MSG_VALUE) != 0;
    finish(c, li, m);
}

void chord_lookup_reply(Chord *c, uint32_t li, const ChordRpc *rpc, const ChordMsg *m)
{
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->phase != PHASE_ROUTING)
        return;
    if (rpc->slow)
        L->slow--;
    else
        L->inflight--;
    if (m->flags & CHORD_MSG_RECURSIVE) {
        recursive_reply(c, li, m);
        return;
    }
    int at = find_cand(L, m->from);
    gboolean named = at >= 0 && L->cands[at].answer;
    if (at >= 0)
        L->cands[at].state = CAND_DONE;
    gboolean answer = (m->flags & CHORD_MSG_ANSWER) != 0;
    if (m->flags & CHORD_MSG_VALUE || named || (answer && m->n_nodes && m->nodes[0] == m->from)) {
        /* the node named as successor is alive, or it holds the value, or it owns t */
        L->answer = m->from;
        L->found = (m->flags & CHORD_MSG_VALUE) != 0;
        L->hops = m->hop;
        finish(c, li, m);
        return;
    }
    if (take_step(c, L, m->nodes, m->n_nodes, answer, m->hop)) {
        finish(c, li, NULL);
        return;
    }
    step(c, li);
}

void chord_lookup_timeout(Chord *c, uint32_t li, const ChordRpc *rpc)
{
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->phase != PHASE_ROUTING)
        return;
    if (rpc->slow)
        L->slow--;
    else
        L->inflight--;
    L->timeouts++;
    int at = find_cand(L, rpc->to);
    if (at >= 0)
        L->cands[at].state = CAND_FAILED;
    if (L->recursive)
        recursive_attempt(c, li);
    else
        step(c, li);
}

gboolean chord_lookup_slow(Chord *c, uint32_t li, const ChordRpc *rpc)
{
    if (!sim_pool_valid(&c->lookups, rpc->lookup, rpc->lookup_gen))
        return FALSE;
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->phase != PHASE_ROUTING || L->recursive || L->inflight == 0)
        return FALSE;
    /* A node named as the target's successor is waited for: going on would take the next
     * successor, alive but not the answer. So is a lookup with nobody else to ask. */
    int at = find_cand(L, rpc->to);
    if (at < 0 || L->cands[at].answer || L->queries >= CHORD_MAX_QUERIES || next_cand(L) < 0)
        return FALSE;
    L->inflight--;
    L->slow++;
    step(c, li);
    return TRUE;
}

/* ---- recursive -------------------------------------------------------------------------- */

/* Send the query to the best candidate not yet tried; the path then runs by itself. */
static void recursive_attempt(Chord *c, uint32_t li)
{
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->attempts < CHORD_RECURSIVE_ATTEMPTS)
        for (guint i = 0; i < L->n; i++)
            if (L->cands[i].state == CAND_NEW) {
                L->attempts++;
                send_query(c, li, &L->cands[i], TRUE);
                return;
            }
    finish(c, li, NULL);
}

/* Answer the origin of a recursive query: with the value, or with the target's successors
 * (the first is the answer; a join takes the rest for its list). */
static void recursive_answer(Chord *c, uint32_t node, const ChordMsg *q, const ChordItem *it,
                             uint32_t hops, const uint32_t *list, guint n)
{
    uint32_t mi = chord_msg_answer(c, CHORD_FIND_SUCC_REPLY, node, q->origin, q);
    ChordMsg *m = chord_msg_at(c, mi);
    m->flags = CHORD_MSG_RECURSIVE | CHORD_MSG_ANSWER;
    m->hop = hops;
    if (it) {
        m->flags |= CHORD_MSG_VALUE;
        m->value = it->value;
    } else {
        memcpy(m->nodes, list, sizeof(uint32_t) * n);
        m->n_nodes = (uint16_t) n;
    }
    chord_msg_count(c, mi);
    chord_msg_send(c, mi);
}

/* We are the answer: ourselves, then our successors. */
static void recursive_answer_self(Chord *c, uint32_t node, const ChordMsg *q)
{
    uint32_t list[CHORD_MAX_SUCCESSORS];
    list[0] = node;
    guint k = MIN((guint) c->nodes[node].n_succ, c->r - 1);
    memcpy(&list[1], chord_succ(c, node), sizeof(uint32_t) * k);
    recursive_answer(c, node, q, NULL, q->hop, list, k + 1);
}

static void forward(Chord *c, uint32_t node, const ChordMsg *q, uint32_t next, gboolean final,
                    uint32_t hop)
{
    uint32_t mi = chord_msg_answer(c, CHORD_FIND_SUCC, node, next, q);
    ChordMsg *m = chord_msg_at(c, mi);
    m->flags = (uint8_t) ((q->flags & (CHORD_MSG_RECURSIVE | CHORD_MSG_WANT)) |
                          (final ? CHORD_MSG_FINAL : 0));
    m->hop = hop;
    chord_msg_count(c, mi);
    chord_msg_send(c, mi);
}

void chord_recursive_forward(Chord *c, uint32_t node, const ChordMsg *q)
{
    ChordMsg req = *q;  /* header only: a query carries no nodes */
    gboolean final = (req.flags & CHORD_MSG_FINAL) != 0;
    const ChordItem *it = (req.flags & CHORD_MSG_WANT) ? chord_store_find(c, node, &req.target)
                                                       : NULL;
    if (it) {
        recursive_answer(c, node, &req, it, req.hop, NULL, 0);
        return;
    }
    if (final) {
        recursive_answer_self(c, node, &req);
        return;
    }
    uint32_t out[CHORD_MAX_SUCCESSORS];
    gboolean answer;
    guint n = chord_route(c, node, &req.target, out, &answer, CHORD_NEXT_HOPS);
    if (answer && out[0] == node) {
        recursive_answer_self(c, node, &req);
        return;
    }
    if (n == 0 || req.hop >= CHORD_MAX_QUERIES)
        return;  /* nowhere to go: the origin times out and retries */
    if (answer && out[0] == req.origin) {  /* the origin is the answer: say so */
        recursive_answer(c, node, &req, NULL, req.hop + 1, out, n);
        return;
    }
    forward(c, node, &req, out[0], answer, req.hop + 1);
}

/* ---- finishing -------------------------------------------------------------------------- */

/* The answer's successor list as its reply gave it (after the answer itself), for a join. */
static guint answer_list(const ChordMsg *reply, uint32_t answer, const uint32_t **list)
{
    *list = NULL;
    if (!reply || !(reply->flags & CHORD_MSG_ANSWER) || reply->n_nodes == 0 ||
        reply->nodes[0] != answer)
        return 0;
    *list = &reply->nodes[1];
    return reply->n_nodes - 1u;
}

static void finish_join(Chord *c, uint32_t li, const ChordMsg *reply)
{
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->answer == CHORD_NONE || L->answer == L->origin) {
        report(c, L, FALSE, -1);
        chord_rejoin_later(c, L->origin);
        return;
    }
    const uint32_t *list;
    guint n = answer_list(reply, L->answer, &list);
    chord_join_complete(c, L->origin, L->answer, list, n);
    report(c, L, TRUE, -1);
}

/* A store's successor is known: STORE there (it copies the key to its successors). */
static gboolean start_storing(Chord *c, uint32_t li)
{
    ChordLookup *L = chord_lookup_at(c, li);
    if (L->answer == CHORD_NONE)
        return FALSE;
    if (L->answer == L->origin) {
        chord_store_local(c, L->origin, &L->target, L->value);
        chord_store_replicate(c, L->origin, &L->target, L->value);
        return FALSE;
    }
    L->phase = PHASE_STORING;
    uint32_t mi = lookup_msg(c, L, CHORD_STORE, L->answer, L->hops);
    chord_msg_at(c, mi)->value = L->value;
    chord_rpc_send(c, mi, RPC_STORE, li, c->rpc_timeout);
    return TRUE;
}

static void finish(Chord *c, uint32_t li, const ChordMsg *reply)
{
    ChordLookup *L = chord_lookup_at(c, li);
    switch ((ChordPurpose) L->purpose) {
    case P_LOOKUP: {
        uint32_t truth = chord_ring_successor(c->ring, c->ids, &L->target);
        gboolean ok = L->answer != CHORD_NONE;
        report(c, L, ok, ok && L->answer == truth);
        break;
    }
    case P_GET:
        report(c, L, L->found, -1);
        break;
    case P_STORE:
        if (start_storing(c, li))
            return;
        L = chord_lookup_at(c, li);
        report(c, L, L->answer != CHORD_NONE, -1);
        break;
    case P_JOIN:
        finish_join(c, li, reply);
        break;
    case P_FIX_FINGER:
        chord_fix_finger_done(c, L->origin, L->finger, L->answer);
        break;
    case P_SELF:
        chord_self_lookup_done(c, L->origin, L->answer);
        break;
    }
    release(c, li);
}

void chord_lookup_store_done(Chord *c, uint32_t li, gboolean acked)
{
    ChordLookup *L = chord_lookup_at(c, li);
    g_assert(L->phase == PHASE_STORING);
    report(c, L, acked, -1);
    release(c, li);
}

void chord_lookup_abandon_node(Chord *c, uint32_t node)
{
    for (uint32_t li = 0; li < c->lookups.used; li++) {
        ChordLookup *L = chord_lookup_at(c, li);
        if (!L->active || L->origin != node)
            continue;
        report(c, L, FALSE, L->purpose == P_LOOKUP ? 0 : -1);
        release(c, li);
    }
}
