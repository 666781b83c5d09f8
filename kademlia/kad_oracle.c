#include "kad_oracle.h"

#include <math.h>
#include <string.h>

/* Rebuild when the unsorted joins or the flagged departures pass this share of the array. */
#define ORACLE_REBUILD_MIN 64

struct KadOracle {
    guint id_bits;
    GArray *sorted;     /* uint32 node numbers sorted by ID; may hold departed nodes */
    uint64_t *keys;     /* the top 64 bits of each sorted node's ID: binary searches run over
                           this dense array and read a full ID only among equal keys */
    GArray *pending;    /* uint32 node numbers live but not yet in `sorted` */
    GArray *state;      /* uint8 per node: bit 0 live, bit 1 in `sorted` */
    guint live;
    guint stale;        /* departed nodes still in `sorted` */
};

#define LIVE 1u
#define SORTED 2u

KadOracle *kad_oracle_new(guint id_bits)
{
    KadOracle *o = g_new0(KadOracle, 1);
    o->id_bits = id_bits;
    o->sorted = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    o->pending = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    o->state = g_array_new(FALSE, TRUE, sizeof(uint8_t));
    return o;
}

void kad_oracle_free(KadOracle *o)
{
    if (!o)
        return;
    g_array_free(o->sorted, TRUE);
    g_free(o->keys);
    g_array_free(o->pending, TRUE);
    g_array_free(o->state, TRUE);
    g_free(o);
}

static uint8_t *state_of(KadOracle *o, uint32_t node)
{
    if (node >= o->state->len)
        g_array_set_size(o->state, MAX(node + 1, o->state->len * 2));
    return &g_array_index(o->state, uint8_t, node);
}

gboolean kad_oracle_is_live(const KadOracle *o, uint32_t node)
{
    return node < o->state->len && (g_array_index(o->state, uint8_t, node) & LIVE);
}

guint kad_oracle_live(const KadOracle *o) { return o->live; }

void kad_oracle_add(KadOracle *o, const KadId *ids, uint32_t node)
{
    uint8_t *st = state_of(o, node);
    if (*st & LIVE)
        return;
    *st |= LIVE;
    o->live++;
    if (*st & SORTED)
        o->stale--;  /* back in place: it never left the sorted array */
    else
        g_array_append_val(o->pending, node);
}

void kad_oracle_remove(KadOracle *o, uint32_t node)
{
    uint8_t *st = state_of(o, node);
    if (!(*st & LIVE))
        return;
    *st &= (uint8_t) ~LIVE;
    o->live--;
    if (*st & SORTED) {
        o->stale++;
        return;
    }
    for (guint i = 0; i < o->pending->len; i++)
        if (g_array_index(o->pending, uint32_t, i) == node) {
            g_array_remove_index_fast(o->pending, i);
            break;
        }
}

static int cmp_nodes(gconstpointer a, gconstpointer b, gpointer ids)
{
    const KadId *id = ids;
    return kad_id_cmp(&id[*(const uint32_t *) a], &id[*(const uint32_t *) b]);
}

static void rebuild(KadOracle *o, const KadId *ids)
{
    GArray *fresh = g_array_sized_new(FALSE, FALSE, sizeof(uint32_t), o->live);
    for (guint i = 0; i < o->sorted->len; i++) {
        uint32_t n = g_array_index(o->sorted, uint32_t, i);
        uint8_t *st = state_of(o, n);
        if (*st & LIVE)
            g_array_append_val(fresh, n);
        else
            *st &= (uint8_t) ~SORTED;
    }
    for (guint i = 0; i < o->pending->len; i++) {
        uint32_t n = g_array_index(o->pending, uint32_t, i);
        *state_of(o, n) |= SORTED;
        g_array_append_val(fresh, n);
    }
    g_array_sort_with_data(fresh, cmp_nodes, (gpointer) ids);
    g_array_free(o->sorted, TRUE);
    o->sorted = fresh;
    g_free(o->keys);
    o->keys = g_new(uint64_t, MAX(fresh->len, 1u));
    for (guint i = 0; i < fresh->len; i++)
        o->keys[i] = ids[g_array_index(fresh, uint32_t, i)].w[0];
    g_array_set_size(o->pending, 0);
    o->stale = 0;
}

static void maybe_rebuild(KadOracle *o, const KadId *ids)
{
    guint limit = MAX(ORACLE_REBUILD_MIN, (guint) sqrt((double) o->sorted->len));
    if (o->pending->len > limit || o->stale > MAX(limit, o->sorted->len / 2))
        rebuild(o, ids);
}

void kad_oracle_settle(KadOracle *o, const KadId *ids)
{
    maybe_rebuild(o, ids);
}

/* First index in `sorted` whose ID is >= bound (or > bound when `after`). */
static guint lower_bound(const KadOracle *o, const KadId *ids, const KadId *bound, gboolean after)
{
    guint lo = 0, hi = o->sorted->len;
    uint64_t b = bound->w[0];
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (o->keys[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Among equal top words (rare: a shared 64-bit prefix), the full IDs decide. */
    const uint32_t *s = (const uint32_t *) o->sorted->data;
    while (lo < o->sorted->len && o->keys[lo] == b) {
        int c = kad_id_cmp(&ids[s[lo]], bound);
        if (c < 0 || (after && c == 0))
            lo++;
        else
            break;
    }
    return lo;
}

/* [lo, hi) of the sorted nodes whose IDs start with the first `bits` bits of prefix. */
static void prefix_range(const KadOracle *o, const KadId *ids, const KadId *prefix, guint bits,
                         guint *lo, guint *hi)
{
    KadId low = *prefix, high = *prefix;
    for (guint w = 0; w < KAD_ID_WORDS; w++) {
        guint start = w * 64;
        uint64_t keep = bits >= start + 64 ? UINT64_MAX
                        : bits <= start    ? 0
                                           : ~(UINT64_MAX >> (bits - start));
        low.w[w] &= keep;
        high.w[w] = (high.w[w] & keep) | ~keep;
    }
    kad_id_mask(&high, o->id_bits);
    *lo = lower_bound(o, ids, &low, FALSE);
    *hi = lower_bound(o, ids, &high, TRUE);
}

static void insert_sorted(const KadId *ids, const KadId *target, uint32_t *out, guint *n,
                          guint max, uint32_t node)
{
    guint i = *n;
    if (i == max) {
        if (!kad_id_closer(target, &ids[node], &ids[out[max - 1]]))
            return;
        i--;
    } else {
        (*n)++;
    }
    while (i > 0 && kad_id_closer(target, &ids[node], &ids[out[i - 1]])) {
        out[i] = out[i - 1];
        i--;
    }
    out[i] = node;
}

static guint count_live(const KadOracle *o, guint lo, guint hi, uint32_t except)
{
    guint n = 0;
    for (guint i = lo; i < hi; i++) {
        uint32_t node = g_array_index(o->sorted, uint32_t, i);
        n += kad_oracle_is_live(o, node) && node != except;
    }
    return n;
}

guint kad_oracle_closest(KadOracle *o, const KadId *ids, const KadId *target, uint32_t except,
                         uint32_t *out, guint k)
{
    maybe_rebuild(o, ids);
    guint n = 0;
    if (k == 0)
        return 0;
    for (guint i = 0; i < o->pending->len; i++) {
        uint32_t node = g_array_index(o->pending, uint32_t, i);
        if (node != except)
            insert_sorted(ids, target, out, &n, k, node);
    }
    /* Widen the prefix shared with the target until its range holds k live nodes: nothing
     * outside that range can be closer than anything inside. */
    guint lo = 0, hi = o->sorted->len;
    /* Start from the longest prefix the target shares with a node at all: that of its
     * neighbours in ID order (no range with a longer prefix holds anything). */
    guint at = lower_bound(o, ids, target, FALSE), start = 0;
    const uint32_t *s = (const uint32_t *) o->sorted->data;
    if (at > 0)
        start = MAX(start, kad_id_cpl(target, &ids[s[at - 1]], o->id_bits));
    if (at < o->sorted->len)
        start = MAX(start, kad_id_cpl(target, &ids[s[at]], o->id_bits));
    for (int bits = (int) start; bits >= 0; bits--) {
        prefix_range(o, ids, target, (guint) bits, &lo, &hi);
        if (hi - lo >= k && count_live(o, lo, hi, except) >= k)
            break;
    }
    for (guint i = lo; i < hi; i++) {
        uint32_t node = g_array_index(o->sorted, uint32_t, i);
        if (node != except && kad_oracle_is_live(o, node))
            insert_sorted(ids, target, out, &n, k, node);
    }
    return n;
}

guint kad_oracle_count_prefix(KadOracle *o, const KadId *ids, const KadId *prefix,
                              guint prefix_bits)
{
    maybe_rebuild(o, ids);
    guint lo, hi, n = 0;
    prefix_range(o, ids, prefix, prefix_bits, &lo, &hi);
    n = hi - lo;
    for (guint i = 0; i < o->pending->len; i++) {
        uint32_t node = g_array_index(o->pending, uint32_t, i);
        n += kad_id_cpl(&ids[node], prefix, o->id_bits) >= prefix_bits;
    }
    return n;
}

guint kad_oracle_sample_prefix(KadOracle *o, const KadId *ids, const KadId *prefix,
                               guint prefix_bits, uint32_t except, SimRngState *rng,
                               uint32_t *out, guint max)
{
    maybe_rebuild(o, ids);
    guint lo, hi, n = 0;
    prefix_range(o, ids, prefix, prefix_bits, &lo, &hi);
    /* Partial Fisher-Yates over the index range, skipping departed nodes. */
    guint span = hi - lo;
    GArray *idx = g_array_sized_new(FALSE, FALSE, sizeof(guint), MIN(span, 4 * max + 16));
    if (span <= 4 * max + 16) {
        for (guint i = lo; i < hi; i++)
            g_array_append_val(idx, i);
        for (guint i = 0; i < idx->len && n < max; i++) {
            guint j = i + (guint) sim_rng_state_below(rng, idx->len - i);
            guint tmp = g_array_index(idx, guint, i);
            g_array_index(idx, guint, i) = g_array_index(idx, guint, j);
            g_array_index(idx, guint, j) = tmp;
            uint32_t node = g_array_index(o->sorted, uint32_t, g_array_index(idx, guint, i));
            if (node != except && kad_oracle_is_live(o, node))
                out[n++] = node;
        }
    } else {  /* large range: draw with rejection of repeats (max << span, so few repeats) */
        guint *taken = g_newa(guint, max);
        for (guint tries = 0; n < max && tries < 8 * max + 64; tries++) {
            guint i = lo + (guint) sim_rng_state_below(rng, span);
            uint32_t node = g_array_index(o->sorted, uint32_t, i);
            gboolean repeat = FALSE;
            for (guint t = 0; t < n && !repeat; t++)
                repeat = taken[t] == i;
            if (repeat || node == except || !kad_oracle_is_live(o, node))
                continue;
            taken[n] = i;
            out[n++] = node;
        }
    }
    g_array_free(idx, TRUE);
    for (guint i = 0; i < o->pending->len && n < max; i++) {
        uint32_t node = g_array_index(o->pending, uint32_t, i);
        if (node != except && kad_id_cpl(&ids[node], prefix, o->id_bits) >= prefix_bits)
            out[n++] = node;
    }
    return n;
}

gsize kad_oracle_bytes(const KadOracle *o)
{
    return sizeof *o + (o->sorted->len + o->pending->len) * sizeof(uint32_t) +
           o->sorted->len * sizeof(uint64_t) + o->state->len;
}
