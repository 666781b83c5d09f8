#include "kad_id.h"

#include <string.h>

void kad_id_mask(KadId *id, guint id_bits)
{
    for (guint i = 0; i < KAD_ID_WORDS; i++) {
        guint lo = i * 64;
        if (id_bits <= lo)
            id->w[i] = 0;
        else if (id_bits < lo + 64)
            id->w[i] &= ~(UINT64_MAX >> (id_bits - lo));
    }
}

KadId kad_id_random(SimRngState *rng, guint id_bits)
{
    KadId id;
    for (int i = 0; i < KAD_ID_WORDS; i++)
        id.w[i] = sim_rng_state_next(rng);
    kad_id_mask(&id, id_bits);
    return id;
}

KadId kad_id_random_with_prefix(SimRngState *rng, const KadId *base, guint prefix, guint id_bits)
{
    g_assert(prefix < id_bits);
    KadId id = kad_id_random(rng, id_bits);
    /* Copy the first `prefix` bits of base, then force bit `prefix` to differ from base's. */
    for (guint i = 0; i < KAD_ID_WORDS; i++) {
        guint lo = i * 64;
        if (prefix >= lo + 64)
            id.w[i] = base->w[i];
        else if (prefix > lo) {
            uint64_t keep = ~(UINT64_MAX >> (prefix - lo));
            id.w[i] = (base->w[i] & keep) | (id.w[i] & ~keep);
        }
    }
    uint64_t flip = 1ULL << (63 - (prefix & 63));
    id.w[prefix >> 6] = (id.w[prefix >> 6] & ~flip) | (~base->w[prefix >> 6] & flip);
    return id;
}

KadId kad_id_prefix_digit(const KadId *base, guint prefix_bits, guint b, guint digit)
{
    KadId id = *base;
    kad_id_mask(&id, prefix_bits);
    for (guint i = 0; i < b; i++)
        if ((digit >> (b - 1 - i)) & 1u) {
            guint pos = prefix_bits + i;
            id.w[pos >> 6] |= 1ULL << (63 - (pos & 63));
        }
    return id;
}

KadId kad_id_from_u64(uint64_t key, guint id_bits)
{
    KadId id;
    uint64_t x = key ^ 0x4b61646b6579ULL;  /* "Kadkey": keeps key IDs apart from other uses */
    for (int i = 0; i < KAD_ID_WORDS; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        id.w[i] = sim_mix64(x);
    }
    kad_id_mask(&id, id_bits);
    return id;
}

KadId kad_id_hash(const void *data, gsize len, guint id_bits)
{
    GChecksumType type = id_bits <= 160 ? G_CHECKSUM_SHA1 : G_CHECKSUM_SHA256;
    guint8 digest[32] = { 0 };
    gsize dlen = sizeof digest;
    GChecksum *ck = g_checksum_new(type);
    g_checksum_update(ck, data, (gssize) len);
    g_checksum_get_digest(ck, digest, &dlen);
    g_checksum_free(ck);
    KadId id = { { 0 } };
    for (gsize i = 0; i < dlen; i++)
        id.w[i / 8] |= (uint64_t) digest[i] << (56 - 8 * (i % 8));
    kad_id_mask(&id, id_bits);
    return id;
}

char *kad_id_to_hex(const KadId *id, guint id_bits)
{
    guint digits = (id_bits + 3) / 4;
    char *s = g_malloc(digits + 1);
    for (guint d = 0; d < digits; d++) {
        guint nibble = (guint) (id->w[d / 16] >> (60 - 4 * (d % 16))) & 0xf;
        s[d] = "0123456789abcdef"[nibble];
    }
    s[digits] = '\0';
    return s;
}
