/* pastry_oracle — global knowledge, which no node has: the nodes up, in ID order. It decides
 * whether a lookup was exact (it reached the live node numerically closest to the key) and,
 * with bootstrap = oracle, fills tables as joins would have for big static runs.
 *
 * A balanced tree (GTree) of node numbers ordered by ID: insertion, removal and the nearest
 * IDs to a key in O(log N). Keys are node + 1; key 0 stands for Pastry.probe, the ID searched
 * for, so that a search needs no node of that ID. */
#include "pastry_private.h"

/* Candidates the oracle weighs, by proximity, for each routing-table slot: more find nearer
 * contacts (as a long-lived node would have met many), fewer cost less at a million nodes. */
#define PASTRY_ORACLE_SLOT_CANDIDATES 8
/* Random live nodes weighed for the neighbourhood set, besides the tables' contacts. */
#define PASTRY_ORACLE_NBR_SAMPLES 64

static PastryId key_id(const Pastry *p, gconstpointer k)
{
    guint v = GPOINTER_TO_UINT(k);
    return v == 0 ? p->probe : p->ids[v - 1];
}

static gint cmp_ids(gconstpointer a, gconstpointer b, gpointer data)
{
    const Pastry *p = data;
    PastryId x = key_id(p, a), y = key_id(p, b);
    if (x != y)
        return x < y ? -1 : 1;
    guint va = GPOINTER_TO_UINT(a), vb = GPOINTER_TO_UINT(b);  /* equal IDs: by number */
    return va == 0 || vb == 0 ? 0 : (va < vb ? -1 : va > vb);
}

void pastry_oracle_init(Pastry *p)
{
    p->live = g_tree_new_full(cmp_ids, p, NULL, NULL);
}

void pastry_oracle_free(Pastry *p)
{
    g_tree_destroy(p->live);
}

void pastry_oracle_add(Pastry *p, uint32_t node)
{
    g_tree_insert(p->live, GUINT_TO_POINTER(node + 1), NULL);
}

void pastry_oracle_remove(Pastry *p, uint32_t node)
{
    g_tree_remove(p->live, GUINT_TO_POINTER(node + 1));
}

gsize pastry_oracle_bytes(const Pastry *p)
{
    /* a GTreeNode: key, value, left, right, balance and flags: about five words */
    return (gsize) g_tree_nnodes(p->live) * 5 * sizeof(gpointer);
}

static uint32_t node_of(GTreeNode *t) { return GPOINTER_TO_UINT(g_tree_node_key(t)) - 1; }

/* The first node at or after id on the ring (wrapping past the largest), NULL when empty. */
static GTreeNode *at_or_after(Pastry *p, PastryId id)
{
    p->probe = id;
    GTreeNode *t = g_tree_lower_bound(p->live, GUINT_TO_POINTER(0));
    return t ? t : g_tree_node_first(p->live);
}

static GTreeNode *ring_next(Pastry *p, GTreeNode *t)
{
    GTreeNode *n = g_tree_node_next(t);
    return n ? n : g_tree_node_first(p->live);
}

static GTreeNode *ring_prev(Pastry *p, GTreeNode *t)
{
    GTreeNode *n = g_tree_node_previous(t);
    return n ? n : g_tree_node_last(p->live);
}

uint32_t pastry_oracle_closest(Pastry *p, PastryId key)
{
    GTreeNode *after = at_or_after(p, key);
    if (!after)
        return PASTRY_NONE;
    uint32_t a = node_of(after), b = node_of(ring_prev(p, after));
    return pastry_id_closer(&p->s, key, p->ids[b], p->ids[a]) ? b : a;
}

/* Slot (row, col) of node: the nearest by proximity of the first few live nodes of the slot's
 * ID range (nodes in ID order are in random places). */
static void fill_slot(Pastry *p, uint32_t node, guint row, guint col)
{
    PastryId start = pastry_id_slot_start(&p->s, p->ids[node], row, col);
    GTreeNode *t = at_or_after(p, start);
    uint32_t best = PASTRY_NONE;
    SimTime best_d = 0;
    for (guint i = 0; t && i < PASTRY_ORACLE_SLOT_CANDIDATES; i++, t = g_tree_node_next(t)) {
        uint32_t c = node_of(t);
        guint r, k;
        if (c == node || !pastry_rtable_slot(&p->s, p->ids[node], p->ids[c], &r, &k) ||
            r != row || k != col)
            break;  /* past the slot's range */
        SimTime d = pastry_table_prox(p, node, c);
        if (best == PASTRY_NONE || d < best_d) {
            best = c;
            best_d = d;
        }
    }
    if (best != PASTRY_NONE)
        pastry_rtable_set(&p->nodes[node].rt, p->s.cols, row, col, best,
                          pastry_prox_clamp(best_d));
}

void pastry_oracle_fill(Pastry *p, uint32_t node)
{
    PastryNode *n = &p->nodes[node];
    if (!p->oracle_bootstrap || n->filled || g_tree_nnodes(p->live) < 2)
        return;
    n->filled = 1;
    p->probe = p->ids[node];
    GTreeNode *self = g_tree_lookup_node(p->live, GUINT_TO_POINTER(node + 1));
    if (!self)
        return;
    /* leaf set: the next L/2 on each side, round the ring */
    GTreeNode *l = self, *r = self;
    for (guint i = 0; i < p->half; i++) {
        l = ring_prev(p, l);
        r = ring_next(p, r);
        pastry_leafset_insert(&n->ls, p->half, &p->s, p->ids, node, node_of(l));
        pastry_leafset_insert(&n->ls, p->half, &p->s, p->ids, node, node_of(r));
    }
    /* rows down to the longest prefix shared with a ring neighbour (the deepest non-empty) */
    guint deepest = MAX(pastry_id_shl(&p->s, p->ids[node], p->ids[node_of(ring_prev(p, self))]),
                        pastry_id_shl(&p->s, p->ids[node], p->ids[node_of(ring_next(p, self))]));
    for (guint row = 0; row <= deepest && row < p->s.digits; row++)
        for (guint col = 0; col < p->s.cols; col++)
            if (col != pastry_id_digit(&p->s, p->ids[node], row))
                fill_slot(p, node, row, col);
    /* neighbourhood: the nearest of the tables' contacts and a random sample */
    uint32_t *c = g_new(uint32_t, pastry_contacts_max(p));
    guint k = pastry_node_contacts(p, node, c);
    for (guint i = 0; i < k; i++)
        pastry_consider_at(p, node, c[i], pastry_table_prox(p, node, c[i]));
    g_free(c);
    for (guint i = 0; i < PASTRY_ORACLE_NBR_SAMPLES; i++) {
        SimHost h = sim_random_up_host(p->sim, &n->rng, p->node_host[node]);
        if (h != SIM_HOST_NONE && p->host_node[h] != PASTRY_NONE &&
            p->nodes[p->host_node[h]].state == NODE_UP)
            pastry_consider_at(p, node, p->host_node[h],
                               pastry_table_prox(p, node, p->host_node[h]));
    }
}
