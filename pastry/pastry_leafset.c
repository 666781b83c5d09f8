/* pastry_leafset — the leaf set (pastry_leafset.h). Sides are short (L/2 = 8 by default), so
 * insertion is a scan and a memmove. */
#include "pastry_leafset.h"

#include <string.h>

/* Distance of node from self going round the ring on `side`. */
static PastryId side_dist(const PastryIdSpace *s, const PastryId *ids, uint32_t self,
                          uint32_t node, int side)
{
    return side == PASTRY_CW ? pastry_id_cw(s, ids[self], ids[node])
                             : pastry_id_cw(s, ids[node], ids[self]);
}

static gboolean side_insert(PastryLeafset *ls, guint half, const PastryIdSpace *s,
                            const PastryId *ids, uint32_t self, uint32_t node, int side)
{
    uint32_t *m = &ls->m[side * half];
    guint n = ls->n[side];
    PastryId d = side_dist(s, ids, self, node, side);
    /* a full side whose farthest is as near: nothing to do, whether node is on it or not
     * (most nodes a node hears from are far from it on the ring) */
    if (n == half && d >= side_dist(s, ids, self, m[n - 1], side))
        return FALSE;
    guint pos = n;
    for (guint i = 0; i < n; i++) {
        if (m[i] == node)
            return FALSE;
        if (pos == n && d < side_dist(s, ids, self, m[i], side))
            pos = i;
    }
    if (pos >= half)
        return FALSE;  /* a full side of nearer nodes */
    guint keep = MIN(n, half - 1);
    memmove(&m[pos + 1], &m[pos], sizeof(uint32_t) * (keep - pos));
    m[pos] = node;
    ls->n[side] = (uint8_t) (keep + 1);
    return TRUE;
}

gboolean pastry_leafset_insert(PastryLeafset *ls, guint half, const PastryIdSpace *s,
                               const PastryId *ids, uint32_t self, uint32_t node)
{
    if (node == self || ids[node] == ids[self])
        return FALSE;
    gboolean a = side_insert(ls, half, s, ids, self, node, PASTRY_CCW);
    gboolean b = side_insert(ls, half, s, ids, self, node, PASTRY_CW);
    return a || b;
}

gboolean pastry_leafset_wants(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                              const PastryId *ids, uint32_t self, uint32_t node)
{
    if (node == self || ids[node] == ids[self])
        return FALSE;
    /* nearer than a side's farthest (or a side not full), and not a member already: the
     * membership scan last, as most nodes heard of are farther than both sides reach */
    for (int side = 0; side < 2; side++) {
        if (ls->n[side] < half)
            return !pastry_leafset_contains(ls, half, node);
        uint32_t far = ls->m[side * half + half - 1];
        if (side_dist(s, ids, self, node, side) < side_dist(s, ids, self, far, side))
            return !pastry_leafset_contains(ls, half, node);
    }
    return FALSE;
}

gboolean pastry_leafset_remove(PastryLeafset *ls, guint half, uint32_t node)
{
    gboolean found = FALSE;
    for (int side = 0; side < 2; side++) {
        uint32_t *m = &ls->m[side * half];
        for (guint i = 0; i < ls->n[side]; i++) {
            if (m[i] != node)
                continue;
            memmove(&m[i], &m[i + 1], sizeof(uint32_t) * (ls->n[side] - i - 1u));
            ls->n[side]--;
            found = TRUE;
            break;
        }
    }
    return found;
}

gboolean pastry_leafset_contains(const PastryLeafset *ls, guint half, uint32_t node)
{
    for (int side = 0; side < 2; side++)
        for (guint i = 0; i < ls->n[side]; i++)
            if (ls->m[side * half + i] == node)
                return TRUE;
    return FALSE;
}

gboolean pastry_leafset_covers(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                               const PastryId *ids, uint32_t self, PastryId key)
{
    if (ls->n[PASTRY_CCW] < half || ls->n[PASTRY_CW] < half)
        return TRUE;
    PastryId left = ids[pastry_leafset_at(ls, half, PASTRY_CCW, half - 1)];
    PastryId right = ids[pastry_leafset_at(ls, half, PASTRY_CW, half - 1)];
    (void) self;
    return pastry_id_cw(s, left, key) <= pastry_id_cw(s, left, right);
}

uint32_t pastry_leafset_closest(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                                const PastryId *ids, uint32_t self, PastryId key)
{
    uint32_t best = self;
    for (int side = 0; side < 2; side++)
        for (guint i = 0; i < ls->n[side]; i++) {
            uint32_t c = ls->m[side * half + i];
            if (pastry_id_closer(s, key, ids[c], ids[best]))
                best = c;
        }
    return best;
}

guint pastry_leafset_members(const PastryLeafset *ls, guint half, uint32_t *out)
{
    /* a side holds no node twice: only the larger side's members can repeat the smaller's */
    guint n = ls->n[PASTRY_CCW];
    memcpy(out, ls->m, sizeof(uint32_t) * n);
    for (guint i = 0; i < ls->n[PASTRY_CW]; i++) {
        uint32_t c = ls->m[half + i];
        gboolean dup = FALSE;
        for (guint j = 0; j < ls->n[PASTRY_CCW] && !dup; j++)
            dup = out[j] == c;
        if (!dup)
            out[n++] = c;
    }
    return n;
}

gboolean pastry_leafset_check(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                              const PastryId *ids, uint32_t self, char **why)
{
    for (int side = 0; side < 2; side++) {
        if (ls->n[side] > half) {
            *why = g_strdup_printf("side %d holds %u > L/2", side, ls->n[side]);
            return FALSE;
        }
        for (guint i = 0; i < ls->n[side]; i++) {
            uint32_t c = ls->m[side * half + i];
            if (c == self) {
                *why = g_strdup("the leaf set holds the node itself");
                return FALSE;
            }
            if (i > 0 && side_dist(s, ids, self, ls->m[side * half + i - 1], side) >=
                             side_dist(s, ids, self, c, side)) {
                *why = g_strdup_printf("side %d is not in order at %u", side, i);
                return FALSE;
            }
        }
    }
    return TRUE;
}
