/* kad_lookup — node lookups: iterative (section 2.3: alpha RPCs in parallel, the k closest
 * shortlist, a final round to the k closest not yet asked) and recursive (the query travels
 * node to node), and what follows a lookup: the STOREs of a store, the end of a join. */
#include "kad_private.h"

#include <string.h>

/* A recursive lookup whose answer does not come back is retried through the origin's next
 * closest contact, at most this many times in all. */
#define KAD_RECURSIVE_ATTEMPTS 3

static void step(Kad *kad, uint32_t li);
static void finish(Kad *kad, uint32_t li);
static void recursive_attempt(Kad *kad, uint32_t li);

static const KadId *id_of(const Kad *kad, uint32_t node) { return &kad->ids[node]; }

static void release(Kad *kad, uint32_t li)
{
    kad_lookup_at(kad, li)->active = 0;
    kad_release(kad, &kad->lookups, li);
}

static SimOpKind op_kind_of(KadPurpose p)
{
    switch (p) {
    case P_LOOKUP: return SIM_OP_LOOKUP;
    case P_STORE:  return SIM_OP_STORE;
    case P_GET:    return SIM_OP_GET;
    case P_JOIN:   return SIM_OP_JOIN;
    default:       return SIM_OP_KINDS;  /* maintenance: not an operation of the workload */
    }
}

static void report(Kad *kad, const KadLookup *L, gboolean success, int correct, guint hops)
{
    SimOpKind kind = op_kind_of((KadPurpose) L->purpose);
    if (kind == SIM_OP_KINDS)
        return;
    SimOp op = {
        .id = L->op_id, .kind = kind, .origin = kad->node_host[L->origin], .key = L->key,
        .start = L->start, .end = sim_now(kad->sim), .hops = hops, .messages = L->messages,
        .timeouts = L->timeouts, .success = success, .correct = (int8_t) correct,
    };
    sim_op_end(kad->sim, &op);
}

/* ---- the candidate list ----------------------------------------------------------------- */

static int find_cand(const KadLookup *L, uint32_t node)
{
    for (guint i = 0; i < L->n; i++)
        if (L->cands[i].node == node)
            return (int) i;
    return -1;
}

/* Add node (learned at `hop`) in distance order; keep the closest `cap`. */
static void merge(Kad *kad, KadLookup *L, uint32_t node, guint hop)
{
    if (node == L->origin)
        return;
    hop = MIN(hop, 255u);
    /* The list is in order of the top 32 bits of the distance (full IDs settle a tie), so a
     * binary search finds where node goes; if node is listed already, it is right there, with
     * the same distance key. */
    const KadId *id = id_of(kad, node);
    uint32_t dist = (uint32_t) ((id->w[0] ^ L->target.w[0]) >> 32);
    if (L->n == kad->shortlist && dist > L->cands[L->n - 1].dist)
        return;  /* farther than everything in a full list: the common case late in a lookup */
    /* The first candidate not closer than dist, by a branch-free binary search: whether a
     * random contact goes left or right is a coin toss, which a branch mispredicts half the
     * time (the branchy loop was a fifth of all CPU time at 100k nodes). */
    guint lo = 0;
    if (L->n > 0) {
        const KadCand *base = L->cands;
        guint len = L->n;
        while (len > 1) {
            guint half = len / 2;
            base = base[half].dist < dist ? base + half : base;
            len -= half;
        }
        lo = (guint) (base - L->cands) + (base->dist < dist);
    }
    guint pos = lo;
    for (guint i = lo; i < L->n && L->cands[i].dist == dist; i++) {
        if (L->cands[i].node == node) {  /* known: a shorter referral chain wins */
            L->cands[i].hop = (uint8_t) MIN(L->cands[i].hop, hop);
            return;
        }
        if (kad_id_closer(&L->target, id_of(kad, L->cands[i].node), id))
            pos = i + 1;
    }
    if (pos >= kad->shortlist)
        return;
    guint last = MIN(L->n, kad->shortlist - 1);
    memmove(&L->cands[pos + 1], &L->cands[pos], sizeof(KadCand) * (last - pos));
    L->cands[pos] = (KadCand) { .dist = dist, .node = node, .state = CAND_NEW,
                                .hop = (uint8_t) hop };
    L->n = (uint16_t) MIN(L->n + 1u, kad->shortlist);
}

/* The closest candidate not known to have failed, or KAD_NONE. */
static uint32_t best_live(const KadLookup *L)
{
    for (guint i = 0; i < L->n; i++)
        if (L->cands[i].state != CAND_FAILED)
            return L->cands[i].node;
    return KAD_NONE;
}

/* The up to k closest candidates that answered, closest first. */
static guint answered(const Kad *kad, const KadLookup *L, uint32_t *out, guint *hop_of_first)
{
    guint n = 0;
    for (guint i = 0; i < L->n && n < kad->k; i++) {
        if (L->cands[i].state != CAND_DONE)
            continue;
        if (n == 0 && hop_of_first)
            *hop_of_first = L->cands[i].hop;
        out[n++] = L->cands[i].node;
    }
    return n;
}

/* ---- starting --------------------------------------------------------------------------- */

uint32_t kad_lookup_start(Kad *kad, uint32_t origin, const KadId *target, KadPurpose purpose,
                          uint64_t op_id, uint64_t key, uint32_t value, uint32_t parent)
{
    uint32_t li = sim_pools_alloc(&kad->lookups, kad_part(kad, origin));
    KadLookup *L = kad_lookup_at(kad, li);
    L->active = 1;
    L->purpose = (uint8_t) purpose;
    L->phase = PHASE_LOOKUP;
    L->find_value = purpose == P_GET;
    /* Only the workload's operations go recursive: a join or refresh builds the origin's table
     * from the nodes it talks to, and a recursive path would leave it knowing one node. */
    L->recursive = kad->recursive && op_kind_of(purpose) != SIM_OP_KINDS && purpose != P_JOIN;
    L->origin = origin;
    L->parent = parent;
    L->parent_gen = parent == KAD_NONE ? 0 : sim_pools_gen(&kad->lookups, parent);
    L->op_id = op_id;
    L->key = key;
    L->value = value;
    L->target = *target;
    L->start = sim_now(kad->sim);

    KadNode *n = &kad->nodes[origin];
    kad_rtable_touch(&n->rt, &kad->rp, id_of(kad, origin), target,
                     (uint32_t) (sim_now(kad->sim) / SIM_S));
    if (L->find_value) {
        const KadItem *it = kad_store_find(kad, origin, target);
        if (it) {  /* the origin holds it: no message needed */
            L->found = 1;
            L->value = it->value;
            finish(kad, li);
            return li;
        }
    }
    uint32_t seed[KAD_K_MAX];
    guint got = kad_rtable_closest_set(&n->rt, &kad->rp, kad->ids, id_of(kad, origin), target,
                                       origin, seed, kad->k);
    for (guint i = 0; i < got; i++)
        merge(kad, L, seed[i], 1);  /* contacts from the origin's own table are at hop 1 */
    if (L->recursive)
        recursive_attempt(kad, li);
    else
        step(kad, li);
    return li;
}

/* ---- iterative -------------------------------------------------------------------------- */

static void send_query(Kad *kad, uint32_t li, KadCand *c, gboolean recursive)
{
    KadLookup *L = kad_lookup_at(kad, li);
    uint32_t mi = kad_msg_new(kad, L->find_value ? KAD_FIND_VALUE : KAD_FIND_NODE, L->origin,
                              c->node);
    KadMsg *m = kad_msg_at(kad, mi);
    m->target = L->target;
    m->op = L->op_id;
    m->key = L->key;
    m->hop = c->hop;
    if (recursive) {
        m->flags = KAD_MSG_RECURSIVE;
        m->origin = L->origin;
        m->hop = 1;
    }
    c->state = CAND_ASKED;
    L->inflight++;
    kad_rpc_send(kad, mi, RPC_QUERY, li, c->hop,
                 recursive ? kad->recursive_timeout : kad->rpc_timeout);
}

/* termination = owner (p2psim's kademlia.C): once the target's own node is a candidate (it is
 * then the closest), ask it alone and end when it has answered or failed. FALSE while it is not
 * a candidate: the lookup goes on by the paper's rule. */
static gboolean owner_step(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    if (L->n == 0 || !kad_id_equal(id_of(kad, L->cands[0].node), &L->target))
        return FALSE;
    KadCand *c = &L->cands[0];
    if (c->state == CAND_NEW)
        send_query(kad, li, c, FALSE);
    else if (c->state != CAND_ASKED)
        finish(kad, li);
    return TRUE;
}

/* Keep alpha RPCs out to the closest candidates not yet asked (k of them in the final round);
 * finish when the closest candidates that have not failed have all answered: the k closest
 * (paper, owner), or the beta closest (beta). */
static void step(Kad *kad, uint32_t li)
{
    if (kad->termination == KAD_TERM_OWNER && owner_step(kad, li))
        return;
    KadLookup *L = kad_lookup_at(kad, li);
    guint limit = L->final_round ? kad->k : kad->alpha;
    guint considered = 0, open = 0;
    for (guint i = 0; i < L->n && considered < kad->k; i++) {
        KadCand *c = &L->cands[i];
        if (c->state == CAND_FAILED)
            continue;
        considered++;
        if (c->state == CAND_DONE)
            continue;
        open += considered <= kad->beta;
        if (c->state == CAND_NEW && L->inflight < limit)
            send_query(kad, li, c, FALSE);
    }
    if (open == 0)
        finish(kad, li);
}

/* A round (alpha answers) that brought nothing closer starts the final round (section 2.3);
 * termination = beta has none. */
static void note_progress(Kad *kad, KadLookup *L, uint32_t best_before)
{
    if (best_live(L) != best_before) {
        L->stall = 0;
        return;
    }
    if (++L->stall >= kad->alpha && kad->termination != KAD_TERM_BETA)
        L->final_round = 1;
}

void kad_lookup_reply(Kad *kad, uint32_t li, const KadRpc *rpc, const KadMsg *m)
{
    KadLookup *L = kad_lookup_at(kad, li);
    if (L->phase != PHASE_LOOKUP)
        return;
    L->inflight--;
    int at = find_cand(L, m->from);
    guint hop = rpc->hop;
    if (m->flags & KAD_MSG_RECURSIVE)
        hop = m->hop;  /* the answer of a recursive lookup: hops travelled */
    else if (at >= 0)
        L->cands[at].state = CAND_DONE;
    if (m->flags & KAD_MSG_VALUE) {
        if (at >= 0)
            L->cands[at].had_value = 1;
        L->found = 1;
        L->value = m->value;
        L->value_hop = (uint8_t) MIN(hop, 255u);
        finish(kad, li);
        return;
    }
    if (m->flags & KAD_MSG_RECURSIVE) {
        /* The last node of the path answers with itself and the k closest it knows: that is
         * the result (the origin does not check the contacts it was given). */
        L->n = 0;
        merge(kad, L, m->from, hop);
        for (guint i = 0; i < m->n_contacts; i++)
            merge(kad, L, m->contacts[i], hop + 1);
        for (guint i = 0; i < L->n; i++)
            L->cands[i].state = CAND_DONE;
        finish(kad, li);
        return;
    }
    uint32_t before = best_live(L);
    for (guint i = 0; i < m->n_contacts; i++)  /* overlap the cache misses of their IDs */
        __builtin_prefetch(id_of(kad, m->contacts[i]));
    for (guint i = 0; i < m->n_contacts; i++)
        merge(kad, L, m->contacts[i], hop + 1);
    note_progress(kad, L, before);
    step(kad, li);
}

void kad_lookup_timeout(Kad *kad, uint32_t li, const KadRpc *rpc)
{
    KadLookup *L = kad_lookup_at(kad, li);
    if (L->phase != PHASE_LOOKUP)
        return;
    L->inflight--;
    L->timeouts++;
    int at = find_cand(L, rpc->to);
    if (at >= 0)
        L->cands[at].state = CAND_FAILED;
    if (L->recursive) {
        recursive_attempt(kad, li);
        return;
    }
    uint32_t before = best_live(L);
    note_progress(kad, L, before);
    step(kad, li);
}

/* ---- recursive -------------------------------------------------------------------------- */

/* Send the query to the closest contact not yet tried; the path then runs by itself. */
static void recursive_attempt(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    if (L->attempts < KAD_RECURSIVE_ATTEMPTS)
        for (guint i = 0; i < L->n; i++)
            if (L->cands[i].state == CAND_NEW) {
                L->attempts++;
                send_query(kad, li, &L->cands[i], TRUE);
                return;
            }
    finish(kad, li);
}

void kad_recursive_forward(Kad *kad, uint32_t node, const KadMsg *q)
{
    KadMsg req = *q;  /* header only: a recursive query carries no contacts */
    if (req.type == KAD_FIND_VALUE) {
        const KadItem *it = kad_store_find(kad, node, &req.target);
        if (it) {
            uint32_t mi = kad_msg_answer(kad, KAD_FIND_VALUE_REPLY, node, req.origin, &req);
            KadMsg *m = kad_msg_at(kad, mi);
            m->flags = KAD_MSG_RECURSIVE | KAD_MSG_VALUE;
            m->hop = req.hop;
            m->value = it->value;
            kad_msg_mark(kad, mi);
            kad_msg_send(kad, mi);
            return;
        }
    }
    uint32_t got[KAD_K_MAX];
    guint n = kad_rtable_closest_set(&kad->nodes[node].rt, &kad->rp, kad->ids, id_of(kad, node),
                                     &req.target, req.origin, got, kad->k);
    uint32_t next = KAD_NONE;
    for (guint i = 0; i < n; i++)
        if (next == KAD_NONE || kad_id_closer(&req.target, id_of(kad, got[i]), id_of(kad, next)))
            next = got[i];
    /* Forward only to someone strictly closer than ourselves: the distance falls at every hop,
     * so the path ends. */
    if (next != KAD_NONE && kad_id_closer(&req.target, id_of(kad, next), id_of(kad, node)) &&
        req.hop < kad->id_bits) {
        uint32_t mi = kad_msg_answer(kad, req.type, node, next, &req);  /* the query, forwarded */
        KadMsg *m = kad_msg_at(kad, mi);
        m->flags = KAD_MSG_RECURSIVE;
        m->origin = req.origin;
        m->hop = req.hop + 1;
        kad_msg_mark(kad, mi);
        kad_msg_send(kad, mi);
        return;
    }
    /* We are the closest we know of: answer the origin with the k closest we know. */
    KadMsgType type = req.type == KAD_FIND_VALUE ? KAD_FIND_VALUE_REPLY : KAD_FIND_NODE_REPLY;
    uint32_t mi = kad_msg_answer(kad, type, node, req.origin, &req);
    KadMsg *m = kad_msg_at(kad, mi);
    m->flags = KAD_MSG_RECURSIVE;
    m->hop = req.hop;
    memcpy(m->contacts, got, sizeof(uint32_t) * n);
    m->n_contacts = (uint16_t) n;
    kad_msg_mark(kad, mi);
    kad_msg_send(kad, mi);
}

/* ---- finishing -------------------------------------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;
    return x < y ? -1 : x > y;
}

/* Lookup of a random ID: did it find the true closest live node, and the true k closest? */
static void finish_lookup(Kad *kad, KadLookup *L)
{
    uint32_t found[KAD_K_MAX], truth[KAD_K_MAX];
    guint hops = 0;
    guint nf = answered(kad, L, found, &hops);
    guint nt = kad_oracle_closest(kad->oracle, kad->ids, &L->target, L->origin, truth, kad->k);
    gboolean owner = nt == 0;
    for (guint i = 0; i < nf && !owner; i++)
        owner = found[i] == truth[0];
    qsort(found, nf, sizeof(uint32_t), cmp_u32);
    qsort(truth, nt, sizeof(uint32_t), cmp_u32);
    gboolean correct = nf == nt && memcmp(found, truth, sizeof(uint32_t) * nt) == 0;
    report(kad, L, owner, correct, hops);
}

static void finish_get(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    guint hops = L->value_hop;
    if (!L->found) {
        uint32_t found[KAD_K_MAX];
        answered(kad, L, found, &hops);
    } else if (L->value) {
        uint64_t *key = g_new(uint64_t, 1);
        *key = L->op_id;
        g_hash_table_insert(kad->op_values[kad_part(kad, L->origin)], key,
                            GUINT_TO_POINTER(L->value));
    }
    if (L->found && kad->cache_on_get) {
        /* cache at the closest node that answered without the value */
        for (guint i = 0; i < L->n; i++) {
            if (L->cands[i].state != CAND_DONE || L->cands[i].had_value)
                continue;
            uint32_t mi = kad_msg_new(kad, KAD_STORE, L->origin, L->cands[i].node);
            KadMsg *m = kad_msg_at(kad, mi);
            m->target = L->target;
            m->value = L->value;
            kad_rpc_send(kad, mi, RPC_CACHE_STORE, KAD_NONE, 0, kad->rpc_timeout);
            break;
        }
        L = kad_lookup_at(kad, li);
    }
    report(kad, L, L->found, -1, hops);
}

/* A store's lookup is over: STORE to the k closest that answered. */
static gboolean start_storing(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    uint32_t found[KAD_K_MAX];
    guint hops = 0;
    guint nf = answered(kad, L, found, &hops);
    L->value_hop = (uint8_t) MIN(hops, 255u);
    L->phase = PHASE_STORING;
    L->pending = (uint16_t) nf;
    for (guint i = 0; i < nf; i++) {
        L = kad_lookup_at(kad, li);
        uint32_t mi = kad_msg_new(kad, KAD_STORE, L->origin, found[i]);
        KadMsg *m = kad_msg_at(kad, mi);
        m->target = L->target;
        m->value = L->value;
        m->op = L->op_id;
        m->key = L->key;
        m->hop = L->value_hop;
        kad_rpc_send(kad, mi, RPC_STORE, li, 0, kad->rpc_timeout);
    }
    return nf > 0;
}

void kad_lookup_store_done(Kad *kad, uint32_t li, gboolean acked)
{
    KadLookup *L = kad_lookup_at(kad, li);
    g_assert(L->phase == PHASE_STORING && L->pending > 0);
    L->acks += acked;
    if (--L->pending > 0)
        return;
    report(kad, L, L->acks > 0, -1, L->value_hop);
    release(kad, li);
}

static void join_done(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    kad_join_complete(kad, L->origin);
    kad_relookup_schedule(kad, L->origin);
    report(kad, L, L->found, -1, L->value_hop);
    release(kad, li);
}

/* Start the join's next bucket refreshes, keeping at most join_refresh_parallel of them
 * running (0: all at once). TRUE when none is running and none is left: the join is over. */
static gboolean join_refresh_more(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    L->pending++;  /* guard: a child may finish (and call us again) while we start others */
    uint32_t origin = L->origin;
    uint64_t op = L->op_id;  /* L moves when a child lookup grows the pool */
    for (;;) {
        L = kad_lookup_at(kad, li);
        guint running = L->pending - 1u;
        if (L->next_refresh >= L->end_refresh ||
            (kad->join_refresh_parallel && running >= kad->join_refresh_parallel))
            break;
        guint b = L->next_refresh++;
        L->pending++;
        KadNode *n = &kad->nodes[origin];
        KadId target = kad_rtable_bucket_random_id(&n->rt, &kad->rp, id_of(kad, origin), b,
                                                   &n->rng);
        kad_lookup_start(kad, origin, &target, P_JOIN_REFRESH, op, 0, 0, li);
    }
    return --kad_lookup_at(kad, li)->pending == 0;
}

/* The join's self-lookup is over: refresh every bucket farther than the closest neighbour
 * (section 2.3), then the join is complete. The buckets are those of the table now: later
 * splits add deeper buckets, which are not farther than the neighbour. */
static void start_join_refreshes(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    uint32_t found[KAD_K_MAX];
    guint hops = 0;
    guint nf = answered(kad, L, found, &hops);
    L->found = nf > 0;
    L->value_hop = (uint8_t) MIN(hops, 255u);
    L->phase = PHASE_CHILDREN;
    L->pending = 0;
    L->next_refresh = L->end_refresh = 0;
    if (kad->join_refresh && nf > 0) {
        guint near = kad_id_cpl(id_of(kad, L->origin), id_of(kad, found[0]), kad->id_bits);
        guint buckets = kad_rtable_buckets(&kad->nodes[L->origin].rt, &kad->rp);
        guint b = 0;
        while (b + 1 < buckets && (b / kad->rp.per_level + 1) * kad->rp.b <= near)
            b++;
        L->end_refresh = (uint16_t) b;  /* at most 32 levels of 255 buckets (b = 8) */
    }
    if (join_refresh_more(kad, li))
        join_done(kad, li);
}

static void finish(Kad *kad, uint32_t li)
{
    KadLookup *L = kad_lookup_at(kad, li);
    switch ((KadPurpose) L->purpose) {
    case P_LOOKUP:
        finish_lookup(kad, L);
        break;
    case P_GET:
        finish_get(kad, li);
        break;
    case P_STORE: case P_REPLICATE: case P_REPUBLISH:
        if (start_storing(kad, li))
            return;
        L = kad_lookup_at(kad, li);
        report(kad, L, FALSE, -1, L->value_hop);
        break;
    case P_JOIN:
        start_join_refreshes(kad, li);
        return;
    case P_JOIN_REFRESH:
        if (sim_pools_valid(&kad->lookups, L->parent, L->parent_gen)) {
            KadLookup *parent = kad_lookup_at(kad, L->parent);
            parent->messages += L->messages;
            parent->timeouts += L->timeouts;
            parent->pending--;
            uint32_t p = L->parent;
            if (join_refresh_more(kad, p)) {
                release(kad, li);
                join_done(kad, p);
                return;
            }
        }
        break;
    case P_REFRESH:
        break;
    }
    release(kad, li);
}

void kad_lookup_abandon_node(Kad *kad, uint32_t node)
{
    guint part = kad_part(kad, node);
    const SimPool *pool = &kad->lookups.pool[part];
    for (uint32_t i = 0; i < pool->used; i++) {
        uint32_t li = (uint32_t) (((uint64_t) part << kad->lookups.shift) | i);
        KadLookup *L = kad_lookup_at(kad, li);
        if (!L->active || L->origin != node)
            continue;
        if (L->purpose != P_JOIN_REFRESH)
            report(kad, L, FALSE, L->purpose == P_LOOKUP ? 0 : -1, 0);
        release(kad, li);
    }
}
