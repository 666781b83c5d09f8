/* pastry_id — IDs, digits and ring distances (pastry_id.h). */
#include "pastry_id.h"

void pastry_id_space_init(PastryIdSpace *s, guint bits, guint b)
{
    g_assert(bits >= PASTRY_ID_MIN_BITS && bits <= PASTRY_ID_MAX_BITS);
    g_assert(b >= 1 && b <= PASTRY_B_MAX && bits % b == 0);
    s->bits = bits;
    s->b = b;
    s->digits = bits / b;
    s->cols = 1u << b;
    s->mask = ~(PastryId) 0 >> (PASTRY_ID_MAX_BITS - bits);
}

PastryId pastry_id_random(const PastryIdSpace *s, SimRngState *rng)
{
    PastryId hi = sim_rng_state_next(rng), lo = sim_rng_state_next(rng);
    return ((hi << 64) | lo) & s->mask;
}

/* Two rounds of SplitMix64 make 128 uniform bits of a key number; the salt keeps them apart
 * from anything else derived from small integers. */
#define PASTRY_KEY_SALT 0x7061737472796b65ULL

PastryId pastry_id_from_u64(const PastryIdSpace *s, uint64_t key)
{
    PastryId hi = sim_mix64(key ^ PASTRY_KEY_SALT);
    PastryId lo = sim_mix64((key ^ PASTRY_KEY_SALT) + 0x9e3779b97f4a7c15ULL);
    return ((hi << 64) | lo) & s->mask;
}

PastryId pastry_id_slot_start(const PastryIdSpace *s, PastryId base, guint row, guint col)
{
    guint keep = row * s->b;  /* bits of base kept */
    PastryId prefix = keep ? (base >> (s->bits - keep)) << (s->bits - keep) : 0;
    return (prefix | ((PastryId) col << (s->bits - keep - s->b))) & s->mask;
}

char *pastry_id_to_hex(const PastryIdSpace *s, PastryId id)
{
    guint n = (s->bits + 3) / 4;
    char *out = g_malloc(n + 1);
    for (guint i = 0; i < n; i++) {
        guint shift = (n - 1 - i) * 4;
        out[i] = "0123456789abcdef"[(guint) (id >> shift) & 15u];
    }
    out[n] = '\0';
    return out;
}
