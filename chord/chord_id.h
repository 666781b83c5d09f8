/* chord_id — identifiers on Chord's ring: unsigned integers modulo 2^m (m = id_bits, 8..256).
 *
 * An ID is four 64-bit words, most significant first, left-aligned: an m-bit number is stored
 * as its value times 2^(256 - m), so the bits past m are always zero. Sums and differences of
 * left-aligned numbers modulo 2^256 are the left-aligned sums and differences modulo 2^m, so
 * ring arithmetic works on whole words whatever m is. Kademlia's KadId has the same layout but
 * an XOR metric and kademlia/ names; Chord needs clockwise distances, so it has its own type
 * rather than a dependency on another protocol's folder. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sim_rng.h"

#define CHORD_ID_MAX_BITS 256
#define CHORD_ID_MIN_BITS 8
#define CHORD_ID_WORDS 4

typedef struct {
    uint64_t w[CHORD_ID_WORDS];
} ChordId;

/* -1, 0, 1 as a < b, a == b, a > b (as unsigned integers). */
static inline int chord_id_cmp(const ChordId *a, const ChordId *b)
{
    for (int i = 0; i < CHORD_ID_WORDS; i++)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static inline gboolean chord_id_equal(const ChordId *a, const ChordId *b)
{
    return chord_id_cmp(a, b) == 0;
}

static inline gboolean chord_id_is_zero(const ChordId *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

/* (a + b) mod 2^m. */
static inline ChordId chord_id_add(const ChordId *a, const ChordId *b)
{
    ChordId r;
    unsigned carry = 0;
    for (int i = CHORD_ID_WORDS - 1; i >= 0; i--) {
        uint64_t s = a->w[i] + b->w[i];
        unsigned c1 = s < a->w[i];
        r.w[i] = s + carry;
        carry = c1 | (r.w[i] < s);
    }
    return r;
}

/* (b - a) mod 2^m: the clockwise distance from a to b. */
static inline ChordId chord_id_dist(const ChordId *a, const ChordId *b)
{
    ChordId r;
    unsigned borrow = 0;
    for (int i = CHORD_ID_WORDS - 1; i >= 0; i--) {
        uint64_t d = b->w[i] - a->w[i];
        unsigned b1 = b->w[i] < a->w[i];
        r.w[i] = d - borrow;
        borrow = b1 | (d < borrow);
    }
    return r;
}

/* Is x in the open interval (a, b) going clockwise? (a, a) is the whole ring but a. */
static inline gboolean chord_id_in_open(const ChordId *x, const ChordId *a, const ChordId *b)
{
    ChordId dx = chord_id_dist(a, x), db = chord_id_dist(a, b);
    if (chord_id_is_zero(&db))
        return !chord_id_is_zero(&dx);
    return !chord_id_is_zero(&dx) && chord_id_cmp(&dx, &db) < 0;
}

/* Is x in the half-open interval (a, b]? (a, a] is the whole ring: a lone node owns it all. */
static inline gboolean chord_id_in_half(const ChordId *x, const ChordId *a, const ChordId *b)
{
    ChordId dx = chord_id_dist(a, x), db = chord_id_dist(a, b);
    if (chord_id_is_zero(&db))
        return TRUE;
    return !chord_id_is_zero(&dx) && chord_id_cmp(&dx, &db) <= 0;
}

/* 2^i as an m-bit ring number (i < m): the offset of finger i's start. */
ChordId chord_id_pow2(guint i, guint id_bits);

/* Bit length of d read as an m-bit number: 0 for 0, i + 1 when 2^i <= d < 2^(i+1). */
guint chord_id_bit_length(const ChordId *d, guint id_bits);

/* Clear the bits past id_bits. */
void chord_id_mask(ChordId *id, guint id_bits);

/* A uniformly random ID. */
ChordId chord_id_random(SimRngState *rng, guint id_bits);

/* The ID of a workload key number: the same kind of fixed, uniform mapping as Kademlia's
 * (a SplitMix64 expansion of the number), with a salt of its own. */
ChordId chord_id_from_u64(uint64_t key, guint id_bits);

/* Lowercase hex of the first ceil(id_bits / 4) digits. Caller frees. */
char *chord_id_to_hex(const ChordId *id, guint id_bits);
