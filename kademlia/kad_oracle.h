/* kad_oracle — global knowledge of which node IDs are live, for what no real node could know:
 * the true k closest live nodes to a target (the correctness measure of lookups) and the
 * pre-filled routing tables of `bootstrap = oracle`.
 *
 * Node numbers are kept in an array sorted by ID, so the nodes that share a prefix with a target
 * are one contiguous range; the k closest in XOR lie in the smallest such range holding k live
 * nodes. Changes are cheap: a node that leaves is only flagged, a node that joins waits in a
 * short unsorted list, and the array is rebuilt (O(n log n)) once either grows past sqrt(n).
 * A query costs O(log^2 n + k + sqrt(n)). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "kad_id.h"

typedef struct KadOracle KadOracle;

KadOracle *kad_oracle_new(guint id_bits);
void kad_oracle_free(KadOracle *o);

/* Node `node` (whose ID is ids[node]) is now live, or no longer. */
void kad_oracle_add(KadOracle *o, const KadId *ids, uint32_t node);
void kad_oracle_remove(KadOracle *o, uint32_t node);
gboolean kad_oracle_is_live(const KadOracle *o, uint32_t node);
guint kad_oracle_live(const KadOracle *o);

/* The up to `k` live nodes closest to target, closest first, leaving out `except` (the asking
 * node, or KAD_ORACLE_NONE). Returns how many. */
#define KAD_ORACLE_NONE UINT32_MAX
guint kad_oracle_closest(KadOracle *o, const KadId *ids, const KadId *target, uint32_t except,
                         uint32_t *out, guint k);

/* Up to `max` live nodes drawn at random (without repetition) among those whose ID starts with
 * the first `prefix_bits` bits of `prefix`, leaving out `except`. Returns how many. */
guint kad_oracle_sample_prefix(KadOracle *o, const KadId *ids, const KadId *prefix,
                               guint prefix_bits, uint32_t except, SimRngState *rng,
                               uint32_t *out, guint max);

/* Live nodes whose ID starts with the first prefix_bits bits of prefix (an upper bound while
 * departed nodes are still flagged in the sorted array). */
guint kad_oracle_count_prefix(KadOracle *o, const KadId *ids, const KadId *prefix,
                              guint prefix_bits);

gsize kad_oracle_bytes(const KadOracle *o);
/* Do now the rebuilding a query would do: afterwards queries change nothing until the next
 * add or remove (so that several threads may query at once). */
void kad_oracle_settle(KadOracle *o, const KadId *ids);
