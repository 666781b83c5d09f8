/* pastry_node — Pastry nodes: records and IDs, proximity, what a node does with every node it
 * hears of (its routing table with proximity neighbour selection, its leaf set, its
 * neighbourhood set), and what it does when it finds one dead. */
#include "pastry_private.h"

#include <string.h>

void pastry_nodes_init(Pastry *p)
{
    guint hosts = sim_hosts(p->sim);
    p->host_node = g_new(uint32_t, hosts);
    memset(p->host_node, 0xff, sizeof(uint32_t) * hosts);
    p->cap_nodes = MAX(hosts, 1u);
    p->nodes = g_new0(PastryNode, p->cap_nodes);
    p->ids = g_new0(PastryId, p->cap_nodes);
    p->node_host = g_new0(uint32_t, p->cap_nodes);
}

static void node_free_state(Pastry *p, uint32_t node)
{
    PastryNode *n = &p->nodes[node];
    pastry_rtable_free(&n->rt);
    g_free(n->ls.m);
    n->ls.m = NULL;
    pastry_store_free_node(p, node);
}

void pastry_nodes_free(Pastry *p)
{
    for (uint32_t n = 0; n < p->n_nodes; n++)
        node_free_state(p, n);
    g_free(p->nodes);
    g_free(p->ids);
    g_free(p->node_host);
    g_free(p->host_node);
}

/* A new identity on host: a random ID from the node's own stream. Old identities keep their
 * number: other nodes' tables may still name them. */
uint32_t pastry_node_new(Pastry *p, SimHost host)
{
    uint32_t old = p->host_node[host];
    if (old != PASTRY_NONE)
        node_free_state(p, old);
    if (p->n_nodes == p->cap_nodes) {
        p->cap_nodes *= 2;
        p->nodes = g_renew(PastryNode, p->nodes, p->cap_nodes);
        p->ids = g_renew(PastryId, p->ids, p->cap_nodes);
        p->node_host = g_renew(uint32_t, p->node_host, p->cap_nodes);
    }
    uint32_t node = p->n_nodes++;
    PastryNode *n = &p->nodes[node];
    memset(n, 0, sizeof *n);
    n->told[0] = n->told[1] = PASTRY_NONE;
    sim_stream_state(p->sim, "pastry-node", node, &n->rng);
    p->ids[node] = pastry_id_random(&p->s, &n->rng);
    n->ls.m = g_new(uint32_t, p->L + 2 * p->M);
    p->node_host[node] = host;
    p->host_node[host] = node;
    return node;
}

/* The latency model's delay between the two hosts without jitter (sim_proximity): what an
 * ideal ping would measure. proximity = free uses it as the table's proximity metric;
 * proximity = probe only for the oracle bootstrap and the route-stretch metric. */
SimTime pastry_proximity(void *ctx, uint32_t a, uint32_t b)
{
    Pastry *p = ctx;
    return sim_proximity(p->sim, p->node_host[a], p->node_host[b]);
}

uint32_t pastry_table_prox(Pastry *p, uint32_t node, uint32_t contact)
{
    return p->pns ? pastry_prox_clamp(pastry_proximity(p, node, contact)) : 0;
}

uint32_t pastry_prox_of_rtt(const Pastry *p, SimTime sent)
{
    return pastry_prox_clamp((sim_now(p->sim) - sent) / 2);
}

/* The proximity a table weighs contact by, given what node measured (PASTRY_PROX_UNKNOWN:
 * nothing): 0 for all without pns; the free one with proximity = free. */
static uint32_t prox_used(Pastry *p, uint32_t node, uint32_t contact, uint32_t measured)
{
    if (!p->pns)
        return 0;
    return p->prox_probe ? measured : pastry_table_prox(p, node, contact);
}

/* proximity = probe: is contact not yet in node's routing table with a measured proximity (so
 * that a measurement could place it)? */
static gboolean worth_measuring(Pastry *p, uint32_t node, uint32_t contact)
{
    if (!p->prox_probe || !p->pns)
        return FALSE;
    const PastryRtable *rt = &p->nodes[node].rt;
    guint row, col;
    if (!pastry_rtable_slot(&p->s, p->ids[node], p->ids[contact], &row, &col))
        return FALSE;
    return pastry_rtable_get(rt, p->s.cols, row, col) != contact ||
           pastry_rtable_prox_at(rt, row * p->s.cols + col) == PASTRY_PROX_UNKNOWN;
}

/* The neighbourhood set: the M nodes nearest by proximity, nearest first; their proximities
 * are kept beside them (pastry_nbr_prox). */
static void nbr_offer(Pastry *p, uint32_t node, uint32_t contact, uint32_t d)
{
    PastryNode *n = &p->nodes[node];
    uint32_t *set = pastry_nbr(p, node), *prox = pastry_nbr_prox(p, node);
    if (n->n_nbr == p->M && d >= prox[n->n_nbr - 1])
        return;
    for (guint i = 0; i < n->n_nbr; i++)
        if (set[i] == contact)
            return;
    guint pos = n->n_nbr;
    while (pos > 0 && d < prox[pos - 1])
        pos--;
    if (pos >= p->M)
        return;
    guint keep = MIN((guint) n->n_nbr, p->M - 1);
    memmove(&set[pos + 1], &set[pos], sizeof(uint32_t) * (keep - pos));
    memmove(&prox[pos + 1], &prox[pos], sizeof(uint32_t) * (keep - pos));
    set[pos] = contact;
    prox[pos] = d;
    n->n_nbr = (uint8_t) (keep + 1);
}

static gboolean nbr_remove(Pastry *p, uint32_t node, uint32_t contact)
{
    PastryNode *n = &p->nodes[node];
    uint32_t *set = pastry_nbr(p, node), *prox = pastry_nbr_prox(p, node);
    for (guint i = 0; i < n->n_nbr; i++)
        if (set[i] == contact) {
            memmove(&set[i], &set[i + 1], sizeof(uint32_t) * (n->n_nbr - i - 1u));
            memmove(&prox[i], &prox[i + 1], sizeof(uint32_t) * (n->n_nbr - i - 1u));
            n->n_nbr--;
            return TRUE;
        }
    return FALSE;
}

/* Offer contact to the routing table and the neighbourhood set at proximity d (one
 * measurement for both); FALSE when it is no contact for node at all (itself, the same ID). */
static gboolean offer_by_proximity(Pastry *p, uint32_t node, uint32_t contact, uint32_t d)
{
    if (contact == node || contact >= p->n_nodes || p->ids[contact] == p->ids[node])
        return FALSE;
    pastry_rtable_offer(&p->nodes[node].rt, &p->s, p->ids, node, contact, d);
    nbr_offer(p, node, contact, d);
    return TRUE;
}

void pastry_consider_at(Pastry *p, uint32_t node, uint32_t contact, uint32_t measured)
{
    if (offer_by_proximity(p, node, contact, prox_used(p, node, contact, measured)) &&
        pastry_leafset_insert(&p->nodes[node].ls, p->half, &p->s, p->ids, node, contact))
        pastry_store_leafset_changed(p, node, contact);
}

void pastry_consider(Pastry *p, uint32_t node, uint32_t contact)
{
    pastry_consider_at(p, node, contact, PASTRY_PROX_UNKNOWN);
    if (worth_measuring(p, node, contact))
        pastry_ping_send(p, node, contact);
}

void pastry_take_state(Pastry *p, uint32_t node, uint32_t contact)
{
    /* Into the leaf set only once it answers: a node that another still lists after its
     * crash would otherwise come back from every exchange of leaf sets. With proximity =
     * probe a contact the routing table did not take measured is measured (the paper's
     * newcomer weighs every entry it is sent by proximity). */
    if (!offer_by_proximity(p, node, contact, prox_used(p, node, contact, PASTRY_PROX_UNKNOWN)))
        return;
    if (pastry_leafset_wants(&p->nodes[node].ls, p->half, &p->s, p->ids, node, contact))
        pastry_leaf_send(p, node, contact, PASTRY_LEAF_PROBE, NULL);
    else if (worth_measuring(p, node, contact))
        pastry_ping_send(p, node, contact);
}

/* Would the routing table or the neighbourhood set take contact? With proximity = probe,
 * unmeasured: when its slot is empty or the neighbourhood set not full, or (`measure`) when
 * it does not hold its slot measured already. */
static gboolean wanted(Pastry *p, uint32_t node, uint32_t contact, gboolean measure)
{
    PastryNode *n = &p->nodes[node];
    guint row, col;
    pastry_rtable_slot(&p->s, p->ids[node], p->ids[contact], &row, &col);
    uint32_t holder = pastry_rtable_get(&n->rt, p->s.cols, row, col);
    gboolean held = holder == contact;
    if (p->prox_probe && p->pns) {
        /* cheapest tests first: most contacts heard of find their slot taken and the
         * neighbourhood set full, and then only `measure` can want them */
        if (holder == PASTRY_NONE)
            return TRUE;
        if (n->n_nbr < p->M) {
            const uint32_t *set = pastry_nbr(p, node);
            guint i = 0;
            while (i < n->n_nbr && set[i] != contact)
                i++;
            if (i == n->n_nbr)
                return TRUE;
        }
        return measure && worth_measuring(p, node, contact);
    }
    /* the holder of its slot already: its proximity is kept (measuring it again for every
     * contact of every leaf set heard was 11% of all CPU time) */
    uint32_t d = held ? pastry_rtable_prox_at(&n->rt, row * p->s.cols + col)
                      : pastry_table_prox(p, node, contact);
    if (!held && pastry_rtable_wants(&n->rt, &p->s, p->ids, node, contact, d))
        return TRUE;
    if (n->n_nbr == p->M && d >= pastry_nbr_prox(p, node)[n->n_nbr - 1])
        return FALSE;
    for (guint i = 0; i < n->n_nbr; i++)
        if (pastry_nbr(p, node)[i] == contact)
            return FALSE;
    return TRUE;
}

void pastry_hear_of(Pastry *p, uint32_t node, uint32_t contact, gboolean measure)
{
    /* Measuring a candidate's proximity takes a round trip: a dead one never answers, so it
     * never enters a table (routing-table repair and leaf-set exchanges kept handing dead
     * nodes round: 18% of lookups met a timeout minutes after a crash of 10%). */
    if (contact == node || contact >= p->n_nodes || p->ids[contact] == p->ids[node])
        return;
    /* a would-be leaf-set member is asked for its leaf set too; for the other tables a ping
     * (33 bytes, not 57 + 22 L) is enough */
    if (pastry_leafset_wants(&p->nodes[node].ls, p->half, &p->s, p->ids, node, contact))
        pastry_leaf_send(p, node, contact, PASTRY_LEAF_PROBE, NULL);
    else if (wanted(p, node, contact, measure))
        pastry_ping_send(p, node, contact);
}

void pastry_node_forget(Pastry *p, uint32_t node, uint32_t dead, gboolean repair)
{
    PastryNode *n = &p->nodes[node];
    guint row, col;
    if (pastry_rtable_remove(&n->rt, &p->s, p->ids, node, dead, &row, &col) && repair)
        pastry_rt_repair(p, node, row, col, dead);
    nbr_remove(p, node, dead);
    /* the side(s) it was on lose a member: ask that side's farthest for its leaf set */
    gboolean side[2] = { FALSE, FALSE }, adjacent = FALSE;
    for (int s = 0; s < 2; s++) {
        for (guint i = 0; i < n->ls.n[s]; i++)
            side[s] |= pastry_leafset_at(&n->ls, p->half, s, i) == dead;
        adjacent |= n->ls.n[s] > 0 && pastry_leafset_at(&n->ls, p->half, s, 0) == dead;
    }
    if (!pastry_leafset_remove(&n->ls, p->half, dead))
        return;
    for (int s = 0; s < 2 && repair; s++)
        if (side[s])
            pastry_leaf_repair(p, node, s);
    if (repair && adjacent && !p->leaf_check_all)
        pastry_leaf_spread_failure(p, node);
    pastry_store_leafset_changed(p, node, PASTRY_NONE);
}

void pastry_node_failed(Pastry *p, uint32_t node, uint32_t dead)
{
    pastry_node_forget(p, node, dead, TRUE);
}

guint pastry_contacts_max(const Pastry *p)
{
    return p->s.digits * p->s.cols + p->L + p->M;
}

guint pastry_node_contacts(Pastry *p, uint32_t node, uint32_t *out)
{
    PastryNode *n = &p->nodes[node];
    guint k = pastry_leafset_members(&n->ls, p->half, out);
    const uint32_t *extra[2] = { n->rt.e, pastry_nbr(p, node) };
    guint count[2] = { (guint) n->rt.rows * p->s.cols, n->n_nbr }, stride[2] = { 2, 1 };
    for (int t = 0; t < 2; t++)
        for (guint i = 0; i < count[t]; i++) {
            uint32_t c = extra[t][i * stride[t]];
            if (c == PASTRY_NONE)
                continue;
            gboolean dup = FALSE;
            for (guint j = 0; j < k && !dup; j++)
                dup = out[j] == c;
            if (!dup)
                out[k++] = c;
        }
    return k;
}
