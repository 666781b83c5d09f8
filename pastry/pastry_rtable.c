/* pastry_rtable — the routing table (pastry_rtable.h). */
#include "pastry_rtable.h"

#include <string.h>

void pastry_rtable_free(PastryRtable *rt)
{
    g_free(rt->e);
    rt->e = NULL;
    rt->rows = 0;
}

void pastry_rtable_set(PastryRtable *rt, guint cols, guint row, guint col, uint32_t node,
                       uint32_t prox)
{
    if (row >= rt->rows) {
        rt->e = g_renew(uint32_t, rt->e, 2 * (gsize) (row + 1) * cols);
        memset(&rt->e[2 * (gsize) rt->rows * cols], 0xff,
               2 * sizeof(uint32_t) * (gsize) (row + 1 - rt->rows) * cols);
        rt->rows = (uint8_t) (row + 1);
    }
    rt->e[2 * (row * cols + col)] = node;
    rt->e[2 * (row * cols + col) + 1] = prox;
}

gboolean pastry_rtable_slot(const PastryIdSpace *s, PastryId self, PastryId node, guint *row,
                            guint *col)
{
    if (self == node)
        return FALSE;
    *row = pastry_id_shl(s, self, node);
    *col = pastry_id_digit(s, node, *row);
    return TRUE;
}

/* Would the table take node at prox? Its slot in *row, *col when it would. */
static gboolean wants_at(const PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                         uint32_t self, uint32_t node, uint32_t prox, guint *row, guint *col)
{
    if (node == self || !pastry_rtable_slot(s, ids[self], ids[node], row, col))
        return FALSE;
    if (*row >= rt->rows)
        return TRUE;
    guint i = *row * s->cols + *col;
    uint32_t cur = pastry_rtable_slot_at(rt, i);
    /* the holder as near or nearer: keep it (no churn on ties) */
    return cur == PASTRY_RT_NONE || (cur != node && prox < pastry_rtable_prox_at(rt, i));
}

gboolean pastry_rtable_wants(const PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                             uint32_t self, uint32_t node, uint32_t prox)
{
    guint row, col;
    return wants_at(rt, s, ids, self, node, prox, &row, &col);
}

gboolean pastry_rtable_offer(PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                             uint32_t self, uint32_t node, uint32_t prox)
{
    guint row, col;
    if (!wants_at(rt, s, ids, self, node, prox, &row, &col))
        return FALSE;
    pastry_rtable_set(rt, s->cols, row, col, node, prox);
    return TRUE;
}

gboolean pastry_rtable_remove(PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                              uint32_t self, uint32_t node, guint *row, guint *col)
{
    if (!pastry_rtable_slot(s, ids[self], ids[node], row, col) ||
        pastry_rtable_get(rt, s->cols, *row, *col) != node)
        return FALSE;
    rt->e[2 * (*row * s->cols + *col)] = PASTRY_RT_NONE;
    return TRUE;
}

guint pastry_rtable_size(const PastryRtable *rt, guint cols)
{
    guint n = 0;
    for (guint i = 0; i < (guint) rt->rows * cols; i++)
        n += pastry_rtable_slot_at(rt, i) != PASTRY_RT_NONE;
    return n;
}

gsize pastry_rtable_bytes(const PastryRtable *rt, guint cols)
{
    return 2 * sizeof(uint32_t) * (gsize) rt->rows * cols;
}

gboolean pastry_rtable_check(const PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                             uint32_t self, char **why)
{
    for (guint row = 0; row < rt->rows; row++)
        for (guint col = 0; col < s->cols; col++) {
            uint32_t c = pastry_rtable_slot_at(rt, row * s->cols + col);
            guint r, k;
            if (c == PASTRY_RT_NONE)
                continue;
            if (!pastry_rtable_slot(s, ids[self], ids[c], &r, &k) || r != row || k != col) {
                *why = g_strdup_printf("contact %u is in slot (%u, %u), not its own", c, row, col);
                return FALSE;
            }
        }
    return TRUE;
}
