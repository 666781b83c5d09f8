/* pastry_rtable — a node's routing table (section 2.1): row r holds, for each digit value c, a
 * node whose ID shares the node's first r digits and has c as digit r. Contacts are 32-bit
 * node numbers; rows are allocated only down to the deepest one ever filled (about
 * log_{2^b} N of them), so a table costs (rows x 2^b) x 4 bytes.
 *
 * Proximity neighbour selection: of two candidates for a slot the table keeps the one the
 * caller's proximity function says is nearer (the paper's locality heuristic, section 2.2). */
#pragma once

#include "pastry_id.h"
#include "sim_time.h"

#define PASTRY_RT_NONE UINT32_MAX
/* A proximity not measured: any measured candidate is nearer. */
#define PASTRY_PROX_UNKNOWN UINT32_MAX

typedef struct {
    /* rows x cols slots, each two words: the holder (PASTRY_RT_NONE when empty) and its
     * proximity, kept so that an offer costs one proximity measurement (it was 70% of all CPU
     * time). Side by side, a slot's holder and proximity share a cache line: as two arrays
     * an offer cost two cache misses, and these were most of the time of weighing one. */
    uint32_t *e;
    uint8_t   rows;
} PastryRtable;

/* The holder and the proximity of slot i (row * cols + col; i < rows x cols). */
static inline uint32_t pastry_rtable_slot_at(const PastryRtable *rt, guint i)
{
    return rt->e[2 * i];
}
static inline uint32_t pastry_rtable_prox_at(const PastryRtable *rt, guint i)
{
    return rt->e[2 * i + 1];
}

/* A proximity as kept: nanoseconds, saturated at 4.3 s (beyond that all are equally far). */
static inline uint32_t pastry_prox_clamp(SimTime t)
{
    return t >= (SimTime) UINT32_MAX ? UINT32_MAX : (uint32_t) MAX(t, 0);
}

void pastry_rtable_free(PastryRtable *rt);

static inline uint32_t pastry_rtable_get(const PastryRtable *rt, guint cols, guint row, guint col)
{
    return row < rt->rows ? pastry_rtable_slot_at(rt, row * cols + col) : PASTRY_RT_NONE;
}

/* Put node (at proximity prox) in slot (row, col), allocating rows down to `row`. */
void pastry_rtable_set(PastryRtable *rt, guint cols, guint row, guint col, uint32_t node,
                       uint32_t prox);

/* The slot node's ID belongs in, in the table of `self`; FALSE when none (same ID). */
gboolean pastry_rtable_slot(const PastryIdSpace *s, PastryId self, PastryId node, guint *row,
                            guint *col);

/* Offer node, at proximity prox from self, for its slot: taken when the slot is empty or its
 * holder is farther. TRUE when the table changed. */
gboolean pastry_rtable_offer(PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                             uint32_t self, uint32_t node, uint32_t prox);

/* Would pastry_rtable_offer() take node at proximity prox? (Nothing changes.) */
gboolean pastry_rtable_wants(const PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                             uint32_t self, uint32_t node, uint32_t prox);

/* Remove node from the slot it would occupy; TRUE (and the slot) when it was there. */
gboolean pastry_rtable_remove(PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                              uint32_t self, uint32_t node, guint *row, guint *col);

/* Contacts held. */
guint pastry_rtable_size(const PastryRtable *rt, guint cols);
/* Heap bytes of the rows. */
gsize pastry_rtable_bytes(const PastryRtable *rt, guint cols);

/* Every contact in its right slot, never self; FALSE and a message when not. */
gboolean pastry_rtable_check(const PastryRtable *rt, const PastryIdSpace *s, const PastryId *ids,
                             uint32_t self, char **why);
