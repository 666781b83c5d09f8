#include "sim_pool.h"

#include <sys/mman.h>

/* Records a partition's pool may hold on several threads: 2^28 (a million-node flash crowd
 * holds a few tens of millions of messages at its peak, docs/scale.md). */
#define POOL_FIXED_MAX (1u << 28)

static void *map_or_die(gsize bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        g_error("cannot reserve %" G_GSIZE_FORMAT " bytes of address space for a pool", bytes);
    return p;
}

void sim_pool_init_fixed(SimPool *p, gsize elem, uint32_t max)
{
    sim_pool_init(p, elem);
    p->reserved = max;
    p->data = map_or_die((gsize) max * p->elem);
    p->gen = map_or_die((gsize) max * sizeof(uint32_t));
}

void sim_pool_unmap(SimPool *p)
{
    munmap(p->data, (gsize) p->reserved * p->elem);
    munmap(p->gen, (gsize) p->reserved * sizeof(uint32_t));
}

void sim_pools_init(SimPools *ps, gsize elem, guint parts)
{
    ps->n = parts;
    ps->shift = parts > 1 ? 32 - (guint) g_bit_storage(parts - 1) : 32;
    ps->mask = (uint32_t) ((1ull << ps->shift) - 1);
    /* a cache line each: the threads of the partitions write their pool's header at every
     * allocation */
    ps->pool = g_aligned_alloc0(parts, sizeof(SimPool), 64);
    ps->freed = g_aligned_alloc0(parts, sizeof(SimFreed), 64);
    for (guint i = 0; i < parts; i++) {
        if (parts > 1) {
            sim_pool_init_fixed(&ps->pool[i], elem, MIN(ps->mask, POOL_FIXED_MAX));
        } else {
            sim_pool_init(&ps->pool[i], elem);
        }
    }
    ps->elem = ps->pool[0].elem;
}

void sim_pools_full(const SimPools *ps, guint part)
{
    g_error("a pool of partition %u is full (%u records)", part, ps->mask);
}

void sim_freed_grow(SimFreed *f)
{
    f->cap = f->cap ? f->cap * 2 : 1024;
    f->h = g_renew(uint32_t, f->h, f->cap);
}

void sim_pools_clear(SimPools *ps)
{
    for (guint i = 0; i < ps->n; i++) {
        sim_pool_clear(&ps->pool[i]);
        g_free(ps->freed[i].h);
    }
    g_aligned_free(ps->pool);
    g_aligned_free(ps->freed);
    memset(ps, 0, sizeof *ps);
}

void sim_pools_sync(SimPools *ps)
{
    for (guint i = 0; i < ps->n && ps->n > 1; i++) {
        SimFreed *f = &ps->freed[i];
        for (guint k = 0; k < f->len; k++)
            sim_pool_release(sim_pools_of(ps, f->h[k]), f->h[k] & ps->mask);
        f->len = 0;
    }
}

gsize sim_pools_bytes(const SimPools *ps)
{
    gsize b = 0;
    for (guint i = 0; i < ps->n; i++)
        b += sim_pool_bytes(&ps->pool[i]);
    return b;
}

uint32_t sim_pools_live(const SimPools *ps)
{
    uint32_t n = 0;
    for (guint i = 0; i < ps->n; i++)
        n += ps->pool[i].live;
    return n;
}
