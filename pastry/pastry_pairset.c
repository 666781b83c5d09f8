/* pastry_pairset — a set of pairs of node numbers (pastry_pairset.h). */
#include "pastry_pairset.h"

#include <string.h>

#define MIN_CAP 64u

static inline uint64_t pair_key(uint32_t a, uint32_t b)
{
    return (uint64_t) a << 32 | b;
}

/* Fibonacci hashing: the top bits of key times 2^64 / golden ratio. */
static inline uint32_t home(const PastryPairset *s, uint64_t key)
{
    return (uint32_t) ((key * UINT64_C(0x9e3779b97f4a7c15)) >> s->shift);
}

void pastry_pairset_init(PastryPairset *s)
{
    memset(s, 0, sizeof *s);
}

void pastry_pairset_free(PastryPairset *s)
{
    g_free(s->keys);
    pastry_pairset_init(s);
}

/* The slot that holds key, or the free slot where it would go. */
static uint32_t find(const PastryPairset *s, uint64_t key)
{
    uint32_t i = home(s, key), mask = s->cap - 1;
    while (s->keys[i] != key && s->keys[i] != PASTRY_PAIRSET_EMPTY)
        i = (i + 1) & mask;
    return i;
}

static void resize(PastryPairset *s, uint32_t cap)
{
    uint64_t *old = s->keys;
    uint32_t old_cap = s->cap;
    s->keys = g_new(uint64_t, cap);
    memset(s->keys, 0xff, sizeof(uint64_t) * cap);
    s->cap = cap;
    s->shift = (uint8_t) (64 - g_bit_storage(cap - 1));
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i] != PASTRY_PAIRSET_EMPTY)
            s->keys[find(s, old[i])] = old[i];
    g_free(old);
}

gboolean pastry_pairset_add(PastryPairset *s, uint32_t a, uint32_t b)
{
    uint64_t key = pair_key(a, b);
    if ((s->n + 1u) * 2u > s->cap)
        resize(s, s->cap ? s->cap * 2 : MIN_CAP);
    uint32_t i = find(s, key);
    if (s->keys[i] == key)
        return FALSE;
    s->keys[i] = key;
    s->n++;
    return TRUE;
}

gboolean pastry_pairset_contains(const PastryPairset *s, uint32_t a, uint32_t b)
{
    if (s->n == 0)
        return FALSE;
    uint64_t key = pair_key(a, b);
    return s->keys[find(s, key)] == key;
}

gboolean pastry_pairset_remove(PastryPairset *s, uint32_t a, uint32_t b)
{
    if (s->n == 0)
        return FALSE;
    uint64_t key = pair_key(a, b);
    uint32_t i = find(s, key), mask = s->cap - 1;
    if (s->keys[i] != key)
        return FALSE;
    /* Move back every later entry of the run whose home is not between the hole and it
     * (cyclically), so that no search stops early at the hole. */
    for (uint32_t j = (i + 1) & mask; s->keys[j] != PASTRY_PAIRSET_EMPTY; j = (j + 1) & mask) {
        uint32_t h = home(s, s->keys[j]);
        gboolean stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!stays) {
            s->keys[i] = s->keys[j];
            i = j;
        }
    }
    s->keys[i] = PASTRY_PAIRSET_EMPTY;
    s->n--;
    return TRUE;
}
