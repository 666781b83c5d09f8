/* pastry_leafset — a node's leaf set (section 2.1): the L/2 nodes with the next smaller IDs and
 * the L/2 with the next larger, on the ring (so the sides wrap round past zero). Nodes are
 * 32-bit node numbers; their IDs are read from the protocol's ID array.
 *
 * Storage is the caller's: `m` has room for L entries, the smaller side in m[0 .. L/2) and the
 * larger in m[L/2 .. L), each closest first. In a network of fewer than L + 1 nodes a node can
 * be on both sides, as it is on the ring. */
#pragma once

#include "pastry_id.h"

#define PASTRY_LEAF_NONE UINT32_MAX

typedef struct {
    uint32_t *m;     /* L entries: see above */
    uint8_t   n[2];  /* entries on each side: [0] smaller IDs, [1] larger */
} PastryLeafset;

/* The sides, as indexes of PastryLeafset.n. */
enum { PASTRY_CCW = 0, PASTRY_CW = 1 };

/* Add node (not self) where it belongs among the nearest on each side. TRUE when it was added
 * to either side (it was not there and is nearer than the farthest of a full side). */
gboolean pastry_leafset_insert(PastryLeafset *ls, guint half, const PastryIdSpace *s,
                               const PastryId *ids, uint32_t self, uint32_t node);

/* Would pastry_leafset_insert() add node? (Nothing changes.) */
gboolean pastry_leafset_wants(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                              const PastryId *ids, uint32_t self, uint32_t node);

/* Remove node from both sides; TRUE when it was there. */
gboolean pastry_leafset_remove(PastryLeafset *ls, guint half, uint32_t node);

gboolean pastry_leafset_contains(const PastryLeafset *ls, guint half, uint32_t node);

/* Entry i (closest first) of side `side`. */
static inline uint32_t pastry_leafset_at(const PastryLeafset *ls, guint half, int side, guint i)
{
    return ls->m[side * half + i];
}

/* Does the leaf set's range (from its farthest smaller to its farthest larger member) contain
 * key? A side that is not full means the node knows the whole ring: then always. */
gboolean pastry_leafset_covers(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                               const PastryId *ids, uint32_t self, PastryId key);

/* The node numerically closest to key among self and the members. */
uint32_t pastry_leafset_closest(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                                const PastryId *ids, uint32_t self, PastryId key);

/* The distinct members, smaller side first; returns how many (at most 2 * half). */
guint pastry_leafset_members(const PastryLeafset *ls, guint half, uint32_t *out);

/* Check the sides are sorted, distinct and without self; FALSE and a message when not. */
gboolean pastry_leafset_check(const PastryLeafset *ls, guint half, const PastryIdSpace *s,
                              const PastryId *ids, uint32_t self, char **why);
