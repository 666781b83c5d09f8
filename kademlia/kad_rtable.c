#include "kad_rtable.h"

#include <string.h>

/* One bucket record; `entries` holds k contacts (head = least recently seen) followed by the
 * replacement cache (most recently seen last). */
typedef struct {
    uint8_t  count;
    uint8_t  repl_count;
    uint8_t  pinging;     /* an eviction ping for this bucket is outstanding */
    uint8_t  unused;
    uint32_t touched;     /* simulated second of the last lookup into this range */
    uint32_t entries[];
} Bucket;

#define NO_PING (KAD_MAX_NODES + 1)

static inline uint32_t node_of(uint32_t entry) { return entry & KAD_CONTACT_MASK; }
static inline uint32_t fails_of(uint32_t entry) { return entry >> KAD_CONTACT_BITS; }

void kad_rtable_params_init(KadRtableParams *p)
{
    g_assert(p->b >= 1 && p->b <= 8 && p->k >= 1 && p->k <= KAD_K_MAX && p->repl <= KAD_REPL_MAX);
    p->per_level = (1u << p->b) - 1;
    p->max_depth = p->id_bits / p->b;
    p->bucket_size = sizeof(Bucket) + sizeof(uint32_t) * (p->k + p->repl);
}

static inline Bucket *bucket_at(const KadRtable *rt, const KadRtableParams *p, guint i)
{
    return (Bucket *) (rt->block + (gsize) i * p->bucket_size);
}

static inline guint home_index(const KadRtable *rt, const KadRtableParams *p)
{
    return rt->depth * p->per_level;
}

guint kad_rtable_buckets(const KadRtable *rt, const KadRtableParams *p)
{
    return home_index(rt, p) + 1;
}

void kad_rtable_init(KadRtable *rt, const KadRtableParams *p)
{
    rt->depth = 0;
    rt->block = g_malloc0(p->bucket_size);
}

void kad_rtable_free(KadRtable *rt)
{
    g_free(rt->block);
    rt->block = NULL;
    rt->depth = 0;
}

/* The b-bit digit of id at `level`. */
static guint digit_at(const KadId *id, guint level, guint b)
{
    guint d = 0;
    for (guint i = 0; i < b; i++)
        d = (d << 1) | kad_id_bit(id, level * b + i);
    return d;
}

static guint bucket_for_depth(guint depth, const KadRtableParams *p, const KadId *self,
                              const KadId *id)
{
    guint level = kad_id_cpl(self, id, p->id_bits) / p->b;
    if (level >= depth)
        return depth * p->per_level;
    guint own = digit_at(self, level, p->b), d = digit_at(id, level, p->b);
    return level * p->per_level + (d < own ? d : d - 1);
}

guint kad_rtable_bucket_of(const KadRtable *rt, const KadRtableParams *p, const KadId *self,
                           const KadId *id)
{
    return bucket_for_depth(rt->depth, p, self, id);
}

void kad_rtable_prefetch(const KadRtable *rt, const KadRtableParams *p, const KadId *self,
                         const KadId *id)
{
    if (!rt->block)
        return;
    const uint8_t *bk = (const uint8_t *) bucket_at(rt, p, kad_rtable_bucket_of(rt, p, self, id));
    for (gsize off = 0; off < p->bucket_size; off += 64)
        __builtin_prefetch(bk + off, 1);
    __builtin_prefetch(bk + p->bucket_size - 1, 1);
}

/* Buckets fetched ahead for a closest-set query, at most. */
#define PREFETCH_CLOSEST_BUCKETS 6

void kad_rtable_prefetch_closest(const KadRtable *rt, const KadRtableParams *p,
                                 const KadId *self, const KadId *target)
{
    if (!rt->block)
        return;
    guint home = home_index(rt, p), first = kad_rtable_bucket_of(rt, p, self, target);
    /* b = 1: the target's bucket, the deeper ones up to home, and the one before it, which
     * fills up the answer when those hold fewer than k (late in a lookup); they are adjacent. */
    if (p->b == 1 && first > 0)
        first--;
    guint last = MIN(home, first + PREFETCH_CLOSEST_BUCKETS - 1);
    const uint8_t *from = (const uint8_t *) bucket_at(rt, p, first);
    const uint8_t *to = (const uint8_t *) bucket_at(rt, p, last) + p->bucket_size;
    for (const uint8_t *a = from; a < to; a += 64)
        __builtin_prefetch(a);
    __builtin_prefetch(to - 1);
    if (last < home)
        kad_rtable_prefetch(rt, p, self, self);  /* home: self falls there */
}

static int find_entry(const Bucket *bk, guint from, guint to, uint32_t node)
{
    for (guint i = from; i < to; i++)
        if (node_of(bk->entries[i]) == node)
            return (int) i;
    return -1;
}

static void remove_at(uint32_t *entries, guint *count, guint pos)
{
    memmove(&entries[pos], &entries[pos + 1], sizeof(uint32_t) * (*count - pos - 1));
    (*count)--;
}

/* Put node at the tail of the replacement cache, dropping the oldest when full. */
static void repl_add(Bucket *bk, const KadRtableParams *p, uint32_t node)
{
    if (p->repl == 0)
        return;
    uint32_t *repl = bk->entries + p->k;
    guint n = bk->repl_count;
    int at = find_entry(bk, p->k, p->k + n, node);
    if (at >= 0)
        remove_at(repl, &n, (guint) at - p->k);
    else if (n == p->repl)
        remove_at(repl, &n, 0);
    repl[n++] = node;
    bk->repl_count = (uint8_t) n;
}

/* Add one more level: the home bucket's contacts spread over the new level and the new home. */
static void split(KadRtable *rt, const KadRtableParams *p, const KadId *ids, const KadId *self)
{
    Bucket *old_home = bucket_at(rt, p, home_index(rt, p));
    guint levels_bytes = (guint) (home_index(rt, p) * p->bucket_size);
    guint new_depth = rt->depth + 1u;
    guint new_buckets = new_depth * p->per_level + 1;
    uint8_t *block = g_malloc0(new_buckets * p->bucket_size);
    memcpy(block, rt->block, levels_bytes);
    KadRtable fresh = { block, (uint16_t) new_depth };
    for (guint i = rt->depth * p->per_level; i < new_buckets; i++)
        bucket_at(&fresh, p, i)->touched = old_home->touched;
    for (guint i = 0; i < old_home->count; i++) {
        uint32_t e = old_home->entries[i];
        Bucket *to = bucket_at(&fresh, p, bucket_for_depth(new_depth, p, self, &ids[node_of(e)]));
        to->entries[to->count++] = e;
    }
    for (guint i = 0; i < old_home->repl_count; i++) {
        uint32_t node = old_home->entries[p->k + i];
        repl_add(bucket_at(&fresh, p, bucket_for_depth(new_depth, p, self, &ids[node])), p, node);
    }
    g_free(rt->block);
    *rt = fresh;
}

void kad_rtable_presplit(KadRtable *rt, const KadRtableParams *p, guint depth)
{
    g_assert(kad_rtable_size(rt, p) == 0);
    depth = MIN(depth, p->max_depth);
    g_free(rt->block);
    rt->block = g_malloc0((gsize) (depth * p->per_level + 1) * p->bucket_size);
    rt->depth = (uint16_t) depth;
}

void kad_rtable_add(KadRtable *rt, const KadRtableParams *p, guint bucket, uint32_t contact)
{
    Bucket *bk = bucket_at(rt, p, bucket);
    if (bk->count < p->k)
        bk->entries[bk->count++] = contact;
    else
        repl_add(bk, p, contact);
}

KadRtSeen kad_rtable_seen(KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                          uint32_t self, uint32_t contact, uint32_t *ping_out)
{
    if (contact == self)
        return KAD_RT_SELF;
    const KadId *self_id = &ids[self];
    for (;;) {
        guint bi = kad_rtable_bucket_of(rt, p, self_id, &ids[contact]);
        Bucket *bk = bucket_at(rt, p, bi);
        guint n = bk->count;
        int at = find_entry(bk, 0, n, contact);
        if (at >= 0) {  /* known: to the tail, failures forgotten */
            remove_at(bk->entries, &n, (guint) at);
            bk->entries[n++] = contact;
            return KAD_RT_MOVED;
        }
        if (n < p->k) {
            bk->entries[bk->count++] = contact;
            guint rn = bk->repl_count;
            int r = find_entry(bk, p->k, p->k + rn, contact);
            if (r >= 0) {
                remove_at(bk->entries + p->k, &rn, (guint) r - p->k);
                bk->repl_count = (uint8_t) rn;
            }
            return KAD_RT_ADDED;
        }
        if (bi == home_index(rt, p) && rt->depth < p->max_depth) {
            split(rt, p, ids, self_id);
            continue;
        }
        repl_add(bk, p, contact);
        *ping_out = NO_PING;
        if (!bk->pinging) {
            bk->pinging = 1;
            *ping_out = node_of(bk->entries[0]);
        }
        return KAD_RT_FULL;
    }
}

gboolean kad_rtable_failed(KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                           uint32_t self, uint32_t contact, gboolean evict)
{
    if (contact == self)
        return FALSE;
    Bucket *bk = bucket_at(rt, p, kad_rtable_bucket_of(rt, p, &ids[self], &ids[contact]));
    guint n = bk->count;
    int at = find_entry(bk, 0, n, contact);
    if (at < 0) {  /* not in the table; a failing replacement candidate is dropped */
        guint rn = bk->repl_count;
        int r = find_entry(bk, p->k, p->k + rn, contact);
        if (r >= 0) {
            remove_at(bk->entries + p->k, &rn, (guint) r - p->k);
            bk->repl_count = (uint8_t) rn;
        }
        return FALSE;
    }
    uint32_t fails = MIN(fails_of(bk->entries[at]) + 1, KAD_MAX_FAILS);
    if (!evict && fails < p->stale_limit && bk->repl_count == 0) {
        bk->entries[at] = contact | (fails << KAD_CONTACT_BITS);
        return FALSE;
    }
    remove_at(bk->entries, &n, (guint) at);
    if (bk->repl_count > 0)
        bk->entries[n++] = bk->entries[p->k + --bk->repl_count];
    bk->count = (uint8_t) n;
    return TRUE;
}

void kad_rtable_ping_done(KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                          uint32_t self, uint32_t contact)
{
    bucket_at(rt, p, kad_rtable_bucket_of(rt, p, &ids[self], &ids[contact]))->pinging = 0;
}

gboolean kad_rtable_contains(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                             uint32_t self, uint32_t contact)
{
    if (contact == self)
        return FALSE;
    const Bucket *bk = bucket_at(rt, p, kad_rtable_bucket_of(rt, p, &ids[self], &ids[contact]));
    return find_entry(bk, 0, bk->count, contact) >= 0;
}

#define CLOSEST_MAX 256

/* A contact and the top 64 bits of its distance to the target: most comparisons are settled
 * by the 64-bit key alone, and the full IDs are read only on a tie. */
typedef struct {
    uint64_t d;
    uint32_t node;
} Near;

static inline gboolean near_before(const KadId *ids, const KadId *target, uint64_t d,
                                   uint32_t node, const Near *o)
{
    if (d != o->d)
        return d < o->d;
    return kad_id_closer(target, &ids[node], &ids[o->node]);
}

/* Insert node into out[0..*n) kept sorted by distance to target, at most max long. */
static void near_insert(const KadId *ids, const KadId *target, Near *out, guint *n, guint max,
                        uint32_t node)
{
    uint64_t d = ids[node].w[0] ^ target->w[0];
    guint i = *n;
    if (i == max) {
        if (!near_before(ids, target, d, node, &out[max - 1]))
            return;
        i--;
    } else {
        (*n)++;
    }
    while (i > 0 && near_before(ids, target, d, node, &out[i - 1])) {
        out[i] = out[i - 1];
        i--;
    }
    out[i] = (Near) { d, node };
}

/* Append bucket's contacts to out without reading an ID, leaving out `except`. */
static void take_bucket(const Bucket *bk, uint32_t except, uint32_t *out, guint *n)
{
    for (guint i = 0; i < bk->count; i++) {
        uint32_t node = node_of(bk->entries[i]);
        if (node != except)
            out[(*n)++] = node;
    }
}

static guint count_except(const Bucket *bk, uint32_t except)
{
    guint c = bk->count;
    for (guint i = 0; i < bk->count; i++)
        c -= node_of(bk->entries[i]) == except;
    return c;
}

/* Buckets [first, last] form one group of equally ranked contacts (see below). Take the whole
 * group when it fits in what is left of max; otherwise the closest of it, and report that the
 * result is complete. */
static gboolean take_group(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                           const KadId *target, guint first, guint last, uint32_t except,
                           uint32_t *out, guint *n, guint max)
{
    guint size = 0;
    for (guint i = first; i <= last; i++)
        size += count_except(bucket_at(rt, p, i), except);
    if (*n + size <= max) {
        for (guint i = first; i <= last; i++)
            take_bucket(bucket_at(rt, p, i), except, out, n);
        return *n == max;
    }
    /* Only this last, partial group needs distances: the IDs are read here and only here.
     * The IDs live in one big array and are rarely in cache: ask for all of them first, so
     * that their cache misses overlap instead of following one another. */
    for (guint i = first; i <= last; i++) {
        const Bucket *bk = bucket_at(rt, p, i);
        for (guint j = 0; j < bk->count; j++)
            __builtin_prefetch(&ids[node_of(bk->entries[j])]);
    }
    Near best[CLOSEST_MAX];
    guint nb = 0, want = max - *n;
    for (guint i = first; i <= last; i++) {
        const Bucket *bk = bucket_at(rt, p, i);
        for (guint j = 0; j < bk->count; j++) {
            uint32_t node = node_of(bk->entries[j]);
            if (node != except)
                near_insert(ids, target, best, &nb, want, node);
        }
    }
    for (guint i = 0; i < nb; i++)
        out[(*n)++] = best[i].node;
    return TRUE;
}

guint kad_rtable_closest_set(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                             const KadId *self, const KadId *target, uint32_t except,
                             uint32_t *out, guint max)
{
    guint n = 0, home = home_index(rt, p);
    max = MIN(max, CLOSEST_MAX);
    if (max == 0)
        return 0;
    if (p->b != 1) {  /* general case: all contacts are one group */
        take_group(rt, p, ids, target, 0, home, except, out, &n, max);
        return n;
    }
    /* b = 1: bucket i < depth holds the contacts whose distance to us has its top bit at i.
     * For a target t with j = cpl(self, t) < depth, bucket j's contacts are closest to t, then
     * every deeper bucket and home together (their distance to t has its top bit at j), then
     * buckets j-1, j-2, ..., 0, each group farther than the one before. Whole groups are taken
     * without looking at an ID; only the group that does not fit is sorted. */
    guint j = kad_id_cpl(self, target, p->id_bits);
    gboolean full;
    if (j >= home) {
        full = take_group(rt, p, ids, target, home, home, except, out, &n, max);
        j = home;
    } else {
        full = take_group(rt, p, ids, target, j, j, except, out, &n, max) ||
               take_group(rt, p, ids, target, j + 1, home, except, out, &n, max);
    }
    for (guint i = j; i-- > 0 && !full;)
        full = take_group(rt, p, ids, target, i, i, except, out, &n, max);
    return n;
}

guint kad_rtable_closest(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                         const KadId *self, const KadId *target, uint32_t *result, guint max)
{
    uint32_t set[CLOSEST_MAX];
    guint n = kad_rtable_closest_set(rt, p, ids, self, target, KAD_MAX_NODES + 1, set, max);
    Near sorted[CLOSEST_MAX];
    guint m = 0;
    for (guint i = 0; i < n; i++)
        near_insert(ids, target, sorted, &m, n, set[i]);
    for (guint i = 0; i < m; i++)
        result[i] = sorted[i].node;
    return m;
}

guint kad_rtable_size(const KadRtable *rt, const KadRtableParams *p)
{
    guint n = 0, buckets = kad_rtable_buckets(rt, p);
    for (guint i = 0; i < buckets; i++)
        n += bucket_at(rt, p, i)->count;
    return n;
}

guint kad_rtable_bucket_count(const KadRtable *rt, const KadRtableParams *p, guint bucket)
{
    return bucket_at(rt, p, bucket)->count;
}

uint32_t kad_rtable_bucket_contact(const KadRtable *rt, const KadRtableParams *p, guint bucket,
                                   guint j)
{
    const Bucket *bk = bucket_at(rt, p, bucket);
    g_assert(j < bk->count);
    return node_of(bk->entries[j]);
}

guint kad_rtable_bucket_repl_count(const KadRtable *rt, const KadRtableParams *p, guint bucket)
{
    return bucket_at(rt, p, bucket)->repl_count;
}

uint32_t kad_rtable_bucket_touched(const KadRtable *rt, const KadRtableParams *p, guint bucket)
{
    return bucket_at(rt, p, bucket)->touched;
}

void kad_rtable_touch(KadRtable *rt, const KadRtableParams *p, const KadId *self,
                      const KadId *target, uint32_t now_s)
{
    if (kad_id_equal(self, target))
        return;
    bucket_at(rt, p, kad_rtable_bucket_of(rt, p, self, target))->touched = now_s;
}

/* Set bits [start, start + len) of id to value (len <= 8). */
static void set_bits(KadId *id, guint start, guint len, guint value)
{
    for (guint i = 0; i < len; i++) {
        guint pos = start + i;
        uint64_t mask = 1ULL << (63 - (pos & 63));
        if ((value >> (len - 1 - i)) & 1u)
            id->w[pos >> 6] |= mask;
        else
            id->w[pos >> 6] &= ~mask;
    }
}

KadId kad_rtable_bucket_random_id(const KadRtable *rt, const KadRtableParams *p,
                                  const KadId *self, guint bucket, SimRngState *rng)
{
    KadId id = kad_id_random(rng, p->id_bits);
    guint level = bucket / p->per_level;
    guint prefix = MIN(level * p->b, p->id_bits);
    /* copy self's first `prefix` bits */
    for (guint pos = 0; pos < prefix; pos++)
        set_bits(&id, pos, 1, kad_id_bit(self, pos));
    if (bucket != home_index(rt, p)) {
        guint idx = bucket % p->per_level, own = digit_at(self, level, p->b);
        set_bits(&id, prefix, p->b, idx < own ? idx : idx + 1);
    }
    return id;
}

gsize kad_rtable_bytes(const KadRtable *rt, const KadRtableParams *p)
{
    return kad_rtable_buckets(rt, p) * p->bucket_size;
}

gboolean kad_rtable_check(const KadRtable *rt, const KadRtableParams *p, const KadId *ids,
                          uint32_t self, char **why)
{
    guint buckets = kad_rtable_buckets(rt, p);
    GHashTable *seen = g_hash_table_new(NULL, NULL);
    gboolean ok = TRUE;
    for (guint i = 0; i < buckets && ok; i++) {
        const Bucket *bk = bucket_at(rt, p, i);
        if (bk->count > p->k || bk->repl_count > p->repl) {
            *why = g_strdup_printf("bucket %u holds %u contacts (k = %u)", i, bk->count, p->k);
            ok = FALSE;
        }
        for (guint j = 0; j < bk->count && ok; j++) {
            uint32_t node = node_of(bk->entries[j]);
            if (node == self) {
                *why = g_strdup_printf("bucket %u holds the node itself", i);
                ok = FALSE;
            } else if (kad_rtable_bucket_of(rt, p, &ids[self], &ids[node]) != i) {
                *why = g_strdup_printf("contact %u is in bucket %u, its prefix says %u", node, i,
                                       kad_rtable_bucket_of(rt, p, &ids[self], &ids[node]));
                ok = FALSE;
            } else if (!g_hash_table_add(seen, GUINT_TO_POINTER(node + 1))) {
                *why = g_strdup_printf("contact %u appears twice", node);
                ok = FALSE;
            }
        }
    }
    g_hash_table_destroy(seen);
    return ok;
}
