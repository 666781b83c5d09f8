/* pastry_id — Pastry node IDs and keys: unsigned integers of id_bits bits (8..128) on a ring,
 * read as digits of b bits, most significant first (section 2 of the paper: 128-bit IDs,
 * digits in base 2^b).
 *
 * An ID is a native unsigned 128-bit integer: ring arithmetic (differences modulo 2^id_bits),
 * comparison and shared prefixes are single operations, and an ID costs 16 bytes a node. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sim_rng.h"

typedef unsigned __int128 PastryId;

#define PASTRY_ID_MAX_BITS 128
#define PASTRY_ID_MIN_BITS 8
#define PASTRY_B_MAX 6  /* 64 columns a row: wider rows cost more than the hops they save */

/* The shape of the ID space: bits, digit width and the derived constants. */
typedef struct {
    guint    bits;    /* id_bits, a multiple of b */
    guint    b;       /* bits per digit */
    guint    digits;  /* bits / b: the most rows a routing table can have */
    guint    cols;    /* 2^b */
    PastryId mask;    /* 2^bits - 1 */
} PastryIdSpace;

void pastry_id_space_init(PastryIdSpace *s, guint bits, guint b);

/* Digit i (0 = most significant) of id. */
static inline guint pastry_id_digit(const PastryIdSpace *s, PastryId id, guint i)
{
    return (guint) (id >> (s->bits - (i + 1) * s->b)) & (s->cols - 1);
}

/* Leading bits a and b share: bits when equal. */
static inline guint pastry_id_prefix_bits(const PastryIdSpace *s, PastryId a, PastryId b)
{
    PastryId x = a ^ b;
    if (x == 0)
        return s->bits;
    uint64_t hi = (uint64_t) (x >> 64), lo = (uint64_t) x;
    guint clz = hi ? (guint) __builtin_clzll(hi) : 64 + (guint) __builtin_clzll(lo);
    return clz - (PASTRY_ID_MAX_BITS - s->bits);
}

/* Length of the shared prefix in digits (the paper's shl): the routing-table row. */
static inline guint pastry_id_shl(const PastryIdSpace *s, PastryId a, PastryId b)
{
    return pastry_id_prefix_bits(s, a, b) / s->b;
}

/* Clockwise distance from a to b: (b - a) mod 2^bits. */
static inline PastryId pastry_id_cw(const PastryIdSpace *s, PastryId a, PastryId b)
{
    return (b - a) & s->mask;
}

/* Numerical distance on the ring: the shorter way round. */
static inline PastryId pastry_id_dist(const PastryIdSpace *s, PastryId a, PastryId b)
{
    PastryId cw = pastry_id_cw(s, a, b), ccw = pastry_id_cw(s, b, a);
    return cw < ccw ? cw : ccw;
}

/* Is a numerically closer to key than b? Equal distances (a and b either side of the key) go
 * to the smaller ID, so that "the numerically closest node" is always one node. */
static inline gboolean pastry_id_closer(const PastryIdSpace *s, PastryId key, PastryId a,
                                        PastryId b)
{
    PastryId da = pastry_id_dist(s, a, key), db = pastry_id_dist(s, b, key);
    return da != db ? da < db : a < b;
}

/* A uniformly random ID. */
PastryId pastry_id_random(const PastryIdSpace *s, SimRngState *rng);

/* The ID of a workload key number: a fixed, uniform mapping. */
PastryId pastry_id_from_u64(const PastryIdSpace *s, uint64_t key);

/* The smallest ID whose first `row` digits are those of base and whose next digit is `col`. */
PastryId pastry_id_slot_start(const PastryIdSpace *s, PastryId base, guint row, guint col);

/* Lowercase hex of the ID, ceil(bits / 4) digits (for messages). Caller frees. */
char *pastry_id_to_hex(const PastryIdSpace *s, PastryId id);
