/* pastry_pairset — a set of ordered pairs of node numbers (from, to): the probes in flight,
 * one at a time from a node to another. An open-addressing hash table of 64-bit keys
 * (from << 32 | to) with linear probing, at most half full, and deletion by moving later
 * entries back (no tombstones), so that a set that has as many adds as removes, as the probes
 * do, never fills with dead slots. It replaced a GHashTable whose add and remove, called
 * through function pointers on every PING and leaf-set probe, were 12% of a 10,000-node run's
 * CPU time. */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct {
    uint64_t *keys;   /* cap slots; PASTRY_PAIRSET_EMPTY when free */
    uint32_t  cap;    /* a power of two (0 until the first add) */
    uint32_t  n;      /* pairs held */
    uint8_t   shift;  /* 64 - log2(cap): a key's home slot is its hash >> shift */
} PastryPairset;

/* No pair is (UINT32_MAX, UINT32_MAX): node numbers are below UINT32_MAX. */
#define PASTRY_PAIRSET_EMPTY UINT64_MAX

void pastry_pairset_init(PastryPairset *s);
void pastry_pairset_free(PastryPairset *s);
/* Add (a, b): TRUE when it was not there. */
gboolean pastry_pairset_add(PastryPairset *s, uint32_t a, uint32_t b);
/* Remove (a, b): TRUE when it was there. */
gboolean pastry_pairset_remove(PastryPairset *s, uint32_t a, uint32_t b);
gboolean pastry_pairset_contains(const PastryPairset *s, uint32_t a, uint32_t b);
static inline guint pastry_pairset_size(const PastryPairset *s) { return s->n; }
/* Heap bytes of the table. */
static inline gsize pastry_pairset_bytes(const PastryPairset *s)
{
    return sizeof(uint64_t) * (gsize) s->cap;
}
