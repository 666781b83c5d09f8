/* sim_pool — fixed-size records in one growing array, recycled through a free list, addressed
 * by 32-bit index (messages, RPCs, lookups): no malloc per message. Growth may move records,
 * so hold indexes, not pointers, across sim_pool_alloc(). Each record has a generation that
 * changes when it is released, so a (index, generation) handle held elsewhere (a queued timeout,
 * a reply in flight) can tell that its record has since been reused. */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <string.h>

#define SIM_POOL_NONE UINT32_MAX
#define SIM_POOL_FIRST_CAP 64
#define SIM_POOL_GROWTH_DIV 4  /* a full pool grows by cap / 4 records */

typedef struct {
    uint8_t *data;
    gsize    elem;       /* bytes per record, >= 4 (a free record holds the next free index) */
    uint32_t cap, used;  /* records allocated; records ever handed out */
    uint32_t free_head;
    uint32_t live;       /* records in use */
    uint32_t *gen;       /* generation per record, never 0 */
} SimPool;

static inline void sim_pool_init(SimPool *p, gsize elem)
{
    memset(p, 0, sizeof *p);
    p->elem = (MAX(elem, sizeof(uint32_t)) + 7) & ~(gsize) 7;  /* records hold 64-bit fields */
    p->free_head = SIM_POOL_NONE;
}

static inline void sim_pool_clear(SimPool *p)
{
    g_free(p->data);
    g_free(p->gen);
    sim_pool_init(p, p->elem);
}

static inline void *sim_pool_at(const SimPool *p, uint32_t i)
{
    return p->data + (gsize) i * p->elem;
}

/* A zeroed record. */
static inline uint32_t sim_pool_alloc(SimPool *p)
{
    uint32_t i;
    if (p->free_head != SIM_POOL_NONE) {
        i = p->free_head;
        memcpy(&p->free_head, sim_pool_at(p, i), sizeof(uint32_t));
    } else {
        if (p->used == p->cap) {
            /* Grown by a quarter, not doubled: a pool never shrinks, so its size is its peak
             * rounded up to the next step, and a flash crowd's peak is millions of records
             * (doubling wasted up to half of them). Counted in 64 bits: near 2^32 records the
             * 32-bit sum would wrap. */
            uint64_t cap = p->cap ? (uint64_t) p->cap + MAX(p->cap / SIM_POOL_GROWTH_DIV, 1u)
                                  : SIM_POOL_FIRST_CAP;
            if (cap >= SIM_POOL_NONE)
                g_error("a pool of %u records is full (indexes are 32-bit)", p->cap);
            p->cap = (uint32_t) cap;
            p->data = g_realloc(p->data, (gsize) p->cap * p->elem);
            p->gen = g_realloc(p->gen, (gsize) p->cap * sizeof(uint32_t));
        }
        i = p->used++;
        p->gen[i] = 1;
    }
    memset(sim_pool_at(p, i), 0, p->elem);
    p->live++;
    return i;
}

static inline uint32_t sim_pool_gen(const SimPool *p, uint32_t i)
{
    return p->gen[i];
}

/* Is (i, gen) still the record it was handed out as? */
static inline gboolean sim_pool_valid(const SimPool *p, uint32_t i, uint32_t gen)
{
    return i < p->used && p->gen[i] == gen;
}

static inline void sim_pool_release(SimPool *p, uint32_t i)
{
    p->gen[i] = p->gen[i] == UINT32_MAX ? 1 : p->gen[i] + 1;
    memcpy(sim_pool_at(p, i), &p->free_head, sizeof(uint32_t));
    p->free_head = i;
    p->live--;
}

static inline gsize sim_pool_bytes(const SimPool *p)
{
    return (gsize) p->cap * (p->elem + sizeof(uint32_t));
}
