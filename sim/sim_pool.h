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
    uint32_t reserved;   /* > 0: records never move; address space for this many is mapped */
} __attribute__((aligned(64))) SimPool;  /* one cache line: see sim_pools_init() */

static inline void sim_pool_init(SimPool *p, gsize elem)
{
    memset(p, 0, sizeof *p);
    p->elem = (MAX(elem, sizeof(uint32_t)) + 7) & ~(gsize) 7;  /* records hold 64-bit fields */
    p->free_head = SIM_POOL_NONE;
}

/* Records that never move (sim_pools_init on several threads): the address space for `max`
 * of them is reserved at once, and memory is used only as they are. */
void sim_pool_init_fixed(SimPool *p, gsize elem, uint32_t max);
void sim_pool_unmap(SimPool *p);

static inline void sim_pool_clear(SimPool *p)
{
    if (p->reserved) {
        sim_pool_unmap(p);
    } else {
        g_free(p->data);
        g_free(p->gen);
    }
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
            if (p->reserved) {  /* mapped already: the records stay where they are */
                if (p->cap == p->reserved)
                    g_error("a pool of %u records is full", p->cap);
                p->cap = (uint32_t) MIN(cap, (uint64_t) p->reserved);
            } else {
                p->cap = (uint32_t) cap;
                p->data = g_realloc(p->data, (gsize) p->cap * p->elem);
                p->gen = g_realloc(p->gen, (gsize) p->cap * sizeof(uint32_t));
            }
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

/* ---- pools of a partitioned simulation (sim.h, "threads") ------------------------------- *
 * One SimPool per partition, so that the threads of a run allocate without locks; a handle
 * names its pool in its top bits: (partition << shift) | index, with no bits taken on one
 * thread (handles are then plain indexes). A record is allocated in the pool of the host that
 * owns it. Another partition may read it (a message, at its receiver) and release it: the
 * release then waits in that partition's list until sim_pools_sync(), between windows. On
 * several threads a pool's records stay where they are (it reserves its address space once),
 * so a reader in another thread never sees them move. */
typedef struct {
    SimPool *pool;        /* [n] */
    guint    n, shift;    /* partitions; bits of a handle's index */
    uint32_t mask;
    gsize    elem;
    struct SimFreed *freed;  /* [n]: handles of other partitions released by partition i */
} SimPools;

/* A partition's list of releases for other partitions: a cache line of its own. */
typedef struct SimFreed {
    uint32_t *h;
    guint     len, cap;
} __attribute__((aligned(64))) SimFreed;

void sim_freed_grow(SimFreed *f);

void sim_pools_init(SimPools *ps, gsize elem, guint parts);
void sim_pools_clear(SimPools *ps);

static inline SimPool *sim_pools_of(const SimPools *ps, uint32_t h)
{
    return &ps->pool[(uint32_t) ((uint64_t) h >> ps->shift)];
}

/* (The one-partition case first: a run on one thread pays no shift or mask.) */
static inline void *sim_pools_at(const SimPools *ps, uint32_t h)
{
    if (ps->n == 1)
        return sim_pool_at(ps->pool, h);
    return sim_pool_at(sim_pools_of(ps, h), h & ps->mask);
}

void sim_pools_full(const SimPools *ps, guint part) G_GNUC_NORETURN;

G_ALWAYS_INLINE static inline uint32_t sim_pools_alloc(SimPools *ps, guint part)
{
    uint32_t i = sim_pool_alloc(&ps->pool[part]);
    if (ps->n == 1)
        return i;
    if (G_UNLIKELY(i > ps->mask))
        sim_pools_full(ps, part);
    return (uint32_t) (((uint64_t) part << ps->shift) | i);
}

/* Is h a record some partition ever handed out (bounds only: for prefetching)? */
static inline gboolean sim_pools_has(const SimPools *ps, uint32_t h)
{
    if (ps->n == 1)
        return h < ps->pool[0].used;
    uint32_t part = (uint32_t) ((uint64_t) h >> ps->shift);
    return part < ps->n && (h & ps->mask) < ps->pool[part].used;
}

static inline const uint32_t *sim_pools_gen_ptr(const SimPools *ps, uint32_t h)
{
    return &sim_pools_of(ps, h)->gen[h & ps->mask];
}

static inline uint32_t sim_pools_gen(const SimPools *ps, uint32_t h)
{
    if (ps->n == 1)
        return ps->pool->gen[h];
    return sim_pool_gen(sim_pools_of(ps, h), h & ps->mask);
}

static inline gboolean sim_pools_valid(const SimPools *ps, uint32_t h, uint32_t gen)
{
    if (ps->n == 1)
        return sim_pool_valid(ps->pool, h, gen);
    uint32_t part = (uint32_t) ((uint64_t) h >> ps->shift);
    return part < ps->n && sim_pool_valid(&ps->pool[part], h & ps->mask, gen);
}

/* Release h from the thread running partition `running` (SIM_PART_NONE between windows). */
static inline void sim_pools_release(SimPools *ps, uint32_t h, guint running)
{
    uint32_t part = (uint32_t) ((uint64_t) h >> ps->shift);
    if (G_LIKELY(running == UINT32_MAX || part == running))
        sim_pool_release(&ps->pool[part], h & ps->mask);
    else {
        SimFreed *f = &ps->freed[running];
        if (f->len == f->cap)
            sim_freed_grow(f);
        f->h[f->len++] = h;
    }
}

/* Between windows: release what partitions left for each other. */
void sim_pools_sync(SimPools *ps);
gsize sim_pools_bytes(const SimPools *ps);
uint32_t sim_pools_live(const SimPools *ps);
