/* chord_id — ring identifiers (see chord_id.h). */
#include "chord_id.h"

/* Salt of workload key IDs ("Chordkey"): keeps them apart from other uses of the numbers. */
#define CHORD_KEY_SALT 0x43686f72646b6579ULL
/* Golden-ratio increment of SplitMix64: consecutive words of one ID are independent. */
#define CHORD_SPLITMIX_GAMMA 0x9e3779b97f4a7c15ULL

/* Bit position counted from the top of the 256-bit word array. */
static inline void set_top_bit(ChordId *id, guint pos)
{
    id->w[pos / 64] |= 1ULL << (63 - pos % 64);
}

ChordId chord_id_pow2(guint i, guint id_bits)
{
    g_assert(i < id_bits);
    ChordId r = { { 0 } };
    set_top_bit(&r, id_bits - 1 - i);
    return r;
}

guint chord_id_bit_length(const ChordId *d, guint id_bits)
{
    for (guint w = 0; w < CHORD_ID_WORDS; w++)
        if (d->w[w]) {
            guint top = w * 64 + (guint) __builtin_clzll(d->w[w]);  /* from the top */
            return top < id_bits ? id_bits - top : 0;
        }
    return 0;
}

void chord_id_mask(ChordId *id, guint id_bits)
{
    for (guint w = 0; w < CHORD_ID_WORDS; w++) {
        guint lo = w * 64;
        if (id_bits <= lo)
            id->w[w] = 0;
        else if (id_bits < lo + 64)
            id->w[w] &= ~0ULL << (lo + 64 - id_bits);
    }
}

ChordId chord_id_random(SimRngState *rng, guint id_bits)
{
    ChordId id;
    for (int i = 0; i < CHORD_ID_WORDS; i++)
        id.w[i] = sim_rng_state_next(rng);
    chord_id_mask(&id, id_bits);
    return id;
}

ChordId chord_id_from_u64(uint64_t key, guint id_bits)
{
    ChordId id;
    uint64_t x = key ^ CHORD_KEY_SALT;
    for (int i = 0; i < CHORD_ID_WORDS; i++) {
        x += CHORD_SPLITMIX_GAMMA;
        id.w[i] = sim_mix64(x);
    }
    chord_id_mask(&id, id_bits);
    return id;
}

char *chord_id_to_hex(const ChordId *id, guint id_bits)
{
    guint digits = (id_bits + 3) / 4;
    GString *s = g_string_sized_new(digits);
    for (guint d = 0; d < digits; d++)
        g_string_append_printf(s, "%x", (guint) (id->w[d / 16] >> (60 - 4 * (d % 16))) & 0xfu);
    return g_string_free(s, FALSE);
}
