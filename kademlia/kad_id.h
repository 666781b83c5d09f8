/* kad_id — node IDs and keys: unsigned integers of id_bits (32..256) bits, XOR metric.
 *
 * An ID is four 64-bit words, most significant first; bits past id_bits are always zero, so
 * XOR, comparison and prefix length work on whole words whatever id_bits is. Bit 0 is the most
 * significant bit (the first bit of a Kademlia routing prefix). */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sim_rng.h"

#define KAD_ID_MAX_BITS 256
#define KAD_ID_MIN_BITS 8
#define KAD_ID_WORDS 4

typedef struct {
    uint64_t w[KAD_ID_WORDS];
} KadId;

/* Bit i (0 = most significant) of id. */
static inline guint kad_id_bit(const KadId *id, guint i)
{
    return (guint) (id->w[i >> 6] >> (63 - (i & 63))) & 1u;
}

static inline KadId kad_id_xor(const KadId *a, const KadId *b)
{
    KadId d;
    for (int i = 0; i < KAD_ID_WORDS; i++)
        d.w[i] = a->w[i] ^ b->w[i];
    return d;
}

/* -1, 0, 1 as a < b, a == b, a > b (unsigned, most significant word first). */
static inline int kad_id_cmp(const KadId *a, const KadId *b)
{
    for (int i = 0; i < KAD_ID_WORDS; i++)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

static inline gboolean kad_id_equal(const KadId *a, const KadId *b)
{
    return kad_id_cmp(a, b) == 0;
}

/* Length of the common prefix of a and b, in bits: id_bits when equal. */
static inline guint kad_id_cpl(const KadId *a, const KadId *b, guint id_bits)
{
    for (int i = 0; i < KAD_ID_WORDS; i++) {
        uint64_t x = a->w[i] ^ b->w[i];
        if (x)
            return MIN((guint) (i * 64 + __builtin_clzll(x)), id_bits);
    }
    return id_bits;
}

/* Is a strictly closer to target than b in the XOR metric? */
static inline gboolean kad_id_closer(const KadId *target, const KadId *a, const KadId *b)
{
    for (int i = 0; i < KAD_ID_WORDS; i++) {
        uint64_t da = a->w[i] ^ target->w[i], db = b->w[i] ^ target->w[i];
        if (da != db)
            return da < db;
    }
    return FALSE;
}

/* Clear the bits past id_bits. */
void kad_id_mask(KadId *id, guint id_bits);

/* A uniformly random ID of id_bits bits. */
KadId kad_id_random(SimRngState *rng, guint id_bits);

/* A uniformly random ID that shares exactly `prefix` leading bits with base (prefix < id_bits):
 * for refreshing the bucket of that prefix length. */
KadId kad_id_random_with_prefix(SimRngState *rng, const KadId *base, guint prefix, guint id_bits);

/* The first prefix_bits bits of base, then `digit` in the next b bits (b <= 8), then zeros:
 * the smallest ID of the subtree of that digit (prefix_bits + b <= id_bits). */
KadId kad_id_prefix_digit(const KadId *base, guint prefix_bits, guint b, guint digit);

/* The ID of a workload key number: a fixed, uniform mapping (SplitMix64 expansion). */
KadId kad_id_from_u64(uint64_t key, guint id_bits);

/* The ID of arbitrary bytes: SHA-1 (GChecksum) for id_bits <= 160, SHA-256 up to 256; the
 * digest's leading id_bits bits. */
KadId kad_id_hash(const void *data, gsize len, guint id_bits);

/* Lowercase hex of the first ceil(id_bits / 4) digits. Caller frees. */
char *kad_id_to_hex(const KadId *id, guint id_bits);
