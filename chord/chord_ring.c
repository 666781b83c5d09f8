/* chord_ring — finger tables, successor lists and the ring of live nodes (see chord_ring.h). */
#include "chord_ring.h"

#include <string.h>

/* Fingers beyond the successor at N nodes: about log2 N; start with room for that at 1k. */
#define CHORD_FINGERS_INITIAL_CAP 8
/* Adding up to this many nodes to a sorted ring costs one memmove each; more are sorted in
 * at once (a ramp of joins, or the whole network at the first oracle fill). */
#define CHORD_RING_BULK 64

/* ---- fingers ---------------------------------------------------------------------------- */

void chord_fingers_clear(ChordFingers *f)
{
    g_free(f->node);
    memset(f, 0, sizeof *f);
}

gsize chord_fingers_bytes(const ChordFingers *f)
{
    return (gsize) f->cap * sizeof(uint32_t);
}

static ChordId dist_from(const ChordId *ids, uint32_t self, uint32_t node)
{
    return chord_id_dist(&ids[self], &ids[node]);
}

uint32_t chord_fingers_get(const ChordFingers *f, const ChordId *ids, uint32_t self, guint i,
                           guint id_bits)
{
    ChordId start = chord_id_pow2(i, id_bits);
    for (guint k = 0; k < f->n; k++) {
        ChordId d = dist_from(ids, self, f->node[k]);
        if (chord_id_cmp(&d, &start) >= 0)
            return f->node[k];
    }
    return self;
}

static void fingers_insert_at(ChordFingers *f, guint pos, uint32_t node)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? (uint16_t) (f->cap * 2) : CHORD_FINGERS_INITIAL_CAP;
        f->node = g_renew(uint32_t, f->node, f->cap);
    }
    memmove(&f->node[pos + 1], &f->node[pos], sizeof(uint32_t) * (f->n - pos));
    f->node[pos] = node;
    f->n++;
}

guint chord_fingers_set(ChordFingers *f, const ChordId *ids, uint32_t self, guint i, uint32_t s,
                        guint id_bits)
{
    gboolean wrapped = s == self;
    ChordId ds = dist_from(ids, self, s);
    /* fingers i .. next - 1 all start at or before s: they are all s */
    guint next = wrapped ? id_bits : MAX(chord_id_bit_length(&ds, id_bits), i + 1);
    ChordId start = chord_id_pow2(i, id_bits);
    ChordId end = next < id_bits ? chord_id_pow2(next, id_bits) : start;
    /* Keep what lies before start or at/after the next finger's start: anything else is no
     * finger of any index (a node that failed, or one that a closer node has replaced). */
    guint out = 0;
    for (guint k = 0; k < f->n; k++) {
        ChordId d = dist_from(ids, self, f->node[k]);
        gboolean before = chord_id_cmp(&d, &start) < 0;
        gboolean past = next < id_bits && chord_id_cmp(&d, &end) >= 0;
        if (before || past)
            f->node[out++] = f->node[k];
    }
    f->n = (uint16_t) out;
    if (wrapped)
        return id_bits;
    guint pos = 0;
    for (; pos < f->n; pos++) {
        if (f->node[pos] == s)
            return next;  /* kept already (a stale answer closer than start) */
        ChordId d = dist_from(ids, self, f->node[pos]);
        if (chord_id_cmp(&d, &ds) > 0)
            break;
    }
    fingers_insert_at(f, pos, s);
    return next;
}

void chord_fingers_remove(ChordFingers *f, uint32_t node)
{
    guint out = 0;
    for (guint k = 0; k < f->n; k++)
        if (f->node[k] != node)
            f->node[out++] = f->node[k];
    f->n = (uint16_t) out;
}

/* ---- closest preceding ------------------------------------------------------------------ */

/* Insert c into out (sorted by distance to target, closest first), at most max entries. */
static guint offer(const ChordId *ids, const ChordId *target, uint32_t c, uint32_t *out, guint n,
                   guint max)
{
    ChordId dc = chord_id_dist(&ids[c], target);
    guint pos = n;
    for (guint k = 0; k < n; k++) {
        if (out[k] == c)
            return n;
        ChordId dk = chord_id_dist(&ids[out[k]], target);
        if (pos == n && chord_id_cmp(&dc, &dk) < 0)
            pos = k;
    }
    if (pos >= max)
        return n;
    guint keep = MIN(n, max - 1);
    memmove(&out[pos + 1], &out[pos], sizeof(uint32_t) * (keep - pos));
    out[pos] = c;
    return keep + 1;
}

guint chord_closest_preceding(const ChordFingers *f, const uint32_t *succ, guint n_succ,
                              const ChordId *ids, uint32_t self, const ChordId *target,
                              uint32_t *out, guint max)
{
    guint n = 0;
    if (max == 0)
        return 0;
    /* Fingers are in clockwise order: those before target are a prefix; the last ones of it
     * are the closest. Scan from the end of that prefix and stop once max are taken. */
    guint end = 0;
    while (end < f->n && chord_id_in_open(&ids[f->node[end]], &ids[self], target))
        end++;
    for (guint k = end; k > 0 && n < max; k--)
        n = offer(ids, target, f->node[k - 1], out, n, max);
    for (guint k = 0; k < n_succ; k++)
        if (succ[k] != self && chord_id_in_open(&ids[succ[k]], &ids[self], target))
            n = offer(ids, target, succ[k], out, n, max);
    return n;
}

/* ---- successor lists -------------------------------------------------------------------- */

guint chord_succ_merge(uint32_t self, uint32_t first, const uint32_t *rest, guint n_rest,
                       uint32_t *out, guint r)
{
    guint n = 0;
    if (first == CHORD_NONE || first == self || r == 0)
        return 0;
    out[n++] = first;
    for (guint k = 0; k < n_rest && n < r; k++) {
        uint32_t c = rest[k];
        if (c == self)
            break;  /* the list came round the ring to us */
        gboolean dup = FALSE;
        for (guint j = 0; j < n && !dup; j++)
            dup = out[j] == c;
        if (!dup && c != CHORD_NONE)
            out[n++] = c;
    }
    return n;
}

guint chord_succ_remove(uint32_t *succ, guint n, uint32_t node)
{
    guint out = 0;
    for (guint k = 0; k < n; k++)
        if (succ[k] != node)
            succ[out++] = succ[k];
    return out;
}

/* ---- the ring of live nodes ------------------------------------------------------------- */

struct ChordRing {
    GArray *sorted;   /* uint32_t node numbers in ID order */
    GArray *pending;  /* added, not yet sorted in */
};

ChordRing *chord_ring_new(void)
{
    ChordRing *ring = g_new0(ChordRing, 1);
    ring->sorted = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    ring->pending = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    return ring;
}

void chord_ring_free(ChordRing *ring)
{
    if (!ring)
        return;
    g_array_free(ring->sorted, TRUE);
    g_array_free(ring->pending, TRUE);
    g_free(ring);
}

/* First index in sorted whose ID is >= target (sorted->len when none). */
static guint lower_bound(const ChordRing *ring, const ChordId *ids, const ChordId *target)
{
    const uint32_t *a = (const uint32_t *) ring->sorted->data;
    guint lo = 0, hi = ring->sorted->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (chord_id_cmp(&ids[a[mid]], target) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int cmp_by_id(const void *a, const void *b, void *ids)
{
    const ChordId *id = ids;
    return chord_id_cmp(&id[*(const uint32_t *) a], &id[*(const uint32_t *) b]);
}

/* Sort pending nodes in: one at a time when few, all at once when many. */
static void settle(ChordRing *ring, const ChordId *ids)
{
    if (ring->pending->len == 0)
        return;
    if (ring->pending->len > CHORD_RING_BULK) {
        g_array_append_vals(ring->sorted, ring->pending->data, ring->pending->len);
        g_qsort_with_data(ring->sorted->data, (gint) ring->sorted->len, sizeof(uint32_t),
                          cmp_by_id, (void *) ids);
    } else {
        for (guint k = 0; k < ring->pending->len; k++) {
            uint32_t node = g_array_index(ring->pending, uint32_t, k);
            g_array_insert_val(ring->sorted, lower_bound(ring, ids, &ids[node]), node);
        }
    }
    g_array_set_size(ring->pending, 0);
}

void chord_ring_add(ChordRing *ring, const ChordId *ids, uint32_t node)
{
    (void) ids;
    g_array_append_val(ring->pending, node);
}

void chord_ring_remove(ChordRing *ring, const ChordId *ids, uint32_t node)
{
    settle(ring, ids);
    guint at = lower_bound(ring, ids, &ids[node]);
    if (at < ring->sorted->len && g_array_index(ring->sorted, uint32_t, at) == node)
        g_array_remove_index(ring->sorted, at);
}

guint chord_ring_size(ChordRing *ring, const ChordId *ids)
{
    settle(ring, ids);
    return ring->sorted->len;
}

uint32_t chord_ring_successor(ChordRing *ring, const ChordId *ids, const ChordId *target)
{
    settle(ring, ids);
    if (ring->sorted->len == 0)
        return CHORD_NONE;
    guint at = lower_bound(ring, ids, target);
    return g_array_index(ring->sorted, uint32_t, at == ring->sorted->len ? 0 : at);
}

uint32_t chord_ring_step(ChordRing *ring, const ChordId *ids, uint32_t node, int i)
{
    settle(ring, ids);
    guint len = ring->sorted->len;
    guint at = lower_bound(ring, ids, &ids[node]);
    g_assert(at < len && g_array_index(ring->sorted, uint32_t, at) == node);
    gint64 k = ((gint64) at + i) % (gint64) len;
    if (k < 0)
        k += len;
    return g_array_index(ring->sorted, uint32_t, (guint) k);
}

gsize chord_ring_bytes(const ChordRing *ring)
{
    return (ring->sorted->len + ring->pending->len) * sizeof(uint32_t);
}
