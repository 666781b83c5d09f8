/* chord_ring — the per-node ring state as plain arrays of node numbers (finger table, successor
 * list) and the global sorted ring of live nodes (the truth that lookups are checked against,
 * and what bootstrap = oracle fills tables from). Pure functions of the IDs array: the tests
 * exercise them without a simulation. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "chord_id.h"

#define CHORD_NONE UINT32_MAX

/* The finger table, deduplicated: the distinct finger nodes, in clockwise order from the owner.
 * Finger i (the successor of owner + 2^i) is the first entry at distance >= 2^i, or the owner
 * itself when there is none (the start wraps past every node). At N nodes a table of m = 160
 * fingers holds about log2 N distinct nodes: 4 bytes each instead of 4 * m. */
typedef struct {
    uint32_t *node;
    uint16_t n, cap;
} ChordFingers;

void chord_fingers_clear(ChordFingers *f);
gsize chord_fingers_bytes(const ChordFingers *f);

/* Finger i of `self` as the table says. */
uint32_t chord_fingers_get(const ChordFingers *f, const ChordId *ids, uint32_t self, guint i,
                           guint id_bits);

/* Finger i was found to be s (the successor of self + 2^i): entries strictly between the start
 * and s are not fingers (they must have failed), s goes in. Returns the next finger index worth
 * looking up: the first whose start lies past s (fingers i .. that - 1 are all s), or id_bits
 * when none is left. s == self (the start wrapped past every node) only removes. */
guint chord_fingers_set(ChordFingers *f, const ChordId *ids, uint32_t self, guint i, uint32_t s,
                        guint id_bits);

/* Remove a node (it failed). */
void chord_fingers_remove(ChordFingers *f, uint32_t node);

/* Up to max nodes of fingers and successor list that lie in (self, target), closest to target
 * first, without duplicates; returns how many (Chord's closest preceding finger, with the
 * successor list as extra fingers, as the 2003 paper's lookups use it). */
guint chord_closest_preceding(const ChordFingers *f, const uint32_t *succ, guint n_succ,
                              const ChordId *ids, uint32_t self, const ChordId *target,
                              uint32_t *out, guint max);

/* A successor list for self: `first`, then `rest` (the first's own list), deduplicated, cut at
 * self (a small ring wraps) and at r entries. out must not alias rest. Returns its length. */
guint chord_succ_merge(uint32_t self, uint32_t first, const uint32_t *rest, guint n_rest,
                       uint32_t *out, guint r);

/* Remove node from a successor list; returns the new length. */
guint chord_succ_remove(uint32_t *succ, guint n, uint32_t node);

/* ---- the ring of live nodes (global knowledge) ------------------------------------------- */

typedef struct ChordRing ChordRing;

ChordRing *chord_ring_new(void);
void chord_ring_free(ChordRing *ring);
void chord_ring_add(ChordRing *ring, const ChordId *ids, uint32_t node);
void chord_ring_remove(ChordRing *ring, const ChordId *ids, uint32_t node);
guint chord_ring_size(ChordRing *ring, const ChordId *ids);
/* The live node whose ID is the first at or after target, clockwise; CHORD_NONE when empty. */
uint32_t chord_ring_successor(ChordRing *ring, const ChordId *ids, const ChordId *target);
/* The i-th live node after node clockwise (i = 1: its successor; i = -1: its predecessor);
 * node must be in the ring. */
uint32_t chord_ring_step(ChordRing *ring, const ChordId *ids, uint32_t node, int i);
gsize chord_ring_bytes(const ChordRing *ring);
