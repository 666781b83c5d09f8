/* Brown's calendar queue (R. Brown, "Calendar queues", CACM 31(10), 1988): events hashed by
 * time into a ring of buckets ("days") of equal width, each bucket a sorted list; the next
 * event is found by walking the ring from the current day. With the bucket width near the mean
 * spacing of events and about one event per bucket, push and pop take O(1) on average. The ring
 * doubles or halves as the queue grows or shrinks, re-estimating the width from a sample of the
 * earliest events, as the paper does.
 *
 * Nodes hold their events inline in one pooled GArray and link by index (no malloc per event),
 * so the comparison with the heaps is about the algorithm, not the allocator. */
#include "queues.h"

#define CQ_NONE UINT32_MAX
#define CQ_MIN_BUCKETS 2
/* Brown samples at most 25 of the earliest events to estimate the bucket width, ... */
#define CQ_SAMPLE_MAX 25
/* ... ignores spacings larger than twice the average (they are gaps, not the typical step), ... */
#define CQ_OUTLIER_FACTOR 2
/* ... and makes a bucket three average spacings wide. */
#define CQ_WIDTH_FACTOR 3

typedef struct {
    SimEvent ev;
    uint32_t next;  /* next node in the bucket, or the free list; CQ_NONE ends it */
} CqNode;

typedef struct {
    GArray   *nodes;     /* CqNode[]: every node ever used, in use or on the free list */
    uint32_t  free;      /* head of the free list */
    uint32_t *bucket;    /* first node of each day, sorted by sim_event_before() */
    guint     nbuckets;  /* a power of two */
    SimTime   width;     /* length of a day, >= 1 */
    guint     day;       /* where the search for the earliest event starts */
    SimTime   day_end;   /* end of that day in the current year: [day_end - width, day_end) */
    gsize     size;
    gboolean  resizing;  /* sampling pops and pushes must not resize again */
} Calendar;

static void cq_resize(Calendar *cq, guint nbuckets);

static inline CqNode *cq_node(Calendar *cq, uint32_t i)
{
    return &g_array_index(cq->nodes, CqNode, i);
}

static inline guint cq_day_of(const Calendar *cq, SimTime t)
{
    return (guint) ((uint64_t) (t / cq->width) & (cq->nbuckets - 1));
}

/* Make t's day the current one (the search starts there). */
static void cq_move_to(Calendar *cq, SimTime t)
{
    cq->day = cq_day_of(cq, t);
    cq->day_end = (t / cq->width + 1) * cq->width;
}

static void *cq_create(guint reserve)
{
    Calendar *cq = g_new0(Calendar, 1);
    cq->nodes = g_array_sized_new(FALSE, FALSE, sizeof(CqNode), reserve);
    cq->free = CQ_NONE;
    cq->nbuckets = CQ_MIN_BUCKETS;
    cq->bucket = g_new(uint32_t, cq->nbuckets);
    for (guint i = 0; i < cq->nbuckets; i++)
        cq->bucket[i] = CQ_NONE;
    cq->width = SIM_S;  /* any guess: the first resize measures it */
    cq->day_end = cq->width;
    return cq;
}

static void cq_destroy(void *q)
{
    Calendar *cq = q;
    g_array_free(cq->nodes, TRUE);
    g_free(cq->bucket);
    g_free(cq);
}

/* Link node n into its day's sorted list. */
static void cq_link(Calendar *cq, uint32_t n)
{
    const SimEvent *ev = &cq_node(cq, n)->ev;
    uint32_t *link = &cq->bucket[cq_day_of(cq, ev->time)];
    while (*link != CQ_NONE && !sim_event_before(ev, &cq_node(cq, *link)->ev))
        link = &cq_node(cq, *link)->next;
    cq_node(cq, n)->next = *link;
    *link = n;
}

static void cq_push(void *q, const SimEvent *ev)
{
    Calendar *cq = q;
    uint32_t n = cq->free;
    if (n != CQ_NONE) {
        cq->free = cq_node(cq, n)->next;
    } else {
        g_array_set_size(cq->nodes, cq->nodes->len + 1);
        n = cq->nodes->len - 1;
    }
    cq_node(cq, n)->ev = *ev;
    cq_link(cq, n);
    /* An event before the current day (possible when the queue was empty) must be found first. */
    if (cq->size == 0 || ev->time < cq->day_end - cq->width)
        cq_move_to(cq, ev->time);
    cq->size++;
    if (cq->size > 2 * (gsize) cq->nbuckets && !cq->resizing)
        cq_resize(cq, cq->nbuckets * 2);
}

/* The day whose first event is the earliest, found by walking the ring a year from the current
 * day and, when a whole year is empty (a sparse calendar), by looking at every day's first. */
static guint cq_find_earliest_day(Calendar *cq)
{
    guint day = cq->day;
    SimTime end = cq->day_end;
    for (guint k = 0; k < cq->nbuckets; k++) {
        uint32_t first = cq->bucket[day];
        if (first != CQ_NONE && cq_node(cq, first)->ev.time < end) {
            cq->day = day;
            cq->day_end = end;
            return day;
        }
        day = (day + 1) & (cq->nbuckets - 1);
        end += cq->width;
    }
    const SimEvent *best = NULL;
    for (guint d = 0; d < cq->nbuckets; d++) {
        uint32_t first = cq->bucket[d];
        if (first != CQ_NONE && (!best || sim_event_before(&cq_node(cq, first)->ev, best)))
            best = &cq_node(cq, first)->ev;
    }
    cq_move_to(cq, best->time);
    return cq->day;
}

static gboolean cq_pop(void *q, SimEvent *out)
{
    Calendar *cq = q;
    if (cq->size == 0)
        return FALSE;
    guint day = cq_find_earliest_day(cq);
    uint32_t n = cq->bucket[day];
    CqNode *node = cq_node(cq, n);
    *out = node->ev;
    cq->bucket[day] = node->next;
    node->next = cq->free;
    cq->free = n;
    cq->size--;
    if (cq->size < cq->nbuckets / 2 && cq->nbuckets > CQ_MIN_BUCKETS && !cq->resizing)
        cq_resize(cq, cq->nbuckets / 2);
    return TRUE;
}

/* Brown's width estimate: CQ_WIDTH_FACTOR times the average spacing of the earliest events,
 * leaving out spacings over CQ_OUTLIER_FACTOR times the first average. */
static SimTime cq_estimate_width(const SimEvent *sample, guint n, SimTime fallback)
{
    if (n < 2)
        return fallback;
    SimTime span = sample[n - 1].time - sample[0].time;
    double avg = (double) span / (n - 1);
    double sum = 0;
    guint kept = 0;
    for (guint i = 1; i < n; i++) {
        SimTime gap = sample[i].time - sample[i - 1].time;
        if (gap <= CQ_OUTLIER_FACTOR * avg) {
            sum += (double) gap;
            kept++;
        }
    }
    double width = kept ? CQ_WIDTH_FACTOR * sum / kept : fallback;
    return width >= 1 ? (SimTime) width : 1;
}

static void cq_resize(Calendar *cq, guint nbuckets)
{
    cq->resizing = TRUE;
    SimEvent sample[CQ_SAMPLE_MAX];
    guint n = (guint) MIN(MIN(cq->size, 5 + cq->size / 10), CQ_SAMPLE_MAX);
    for (guint i = 0; i < n; i++)
        cq_pop(cq, &sample[i]);
    SimTime width = cq_estimate_width(sample, n, cq->width);

    /* Re-bucket every remaining node into the new ring. */
    uint32_t *old = cq->bucket;
    guint old_n = cq->nbuckets;
    cq->bucket = g_new(uint32_t, nbuckets);
    for (guint i = 0; i < nbuckets; i++)
        cq->bucket[i] = CQ_NONE;
    cq->nbuckets = nbuckets;
    cq->width = width;
    for (guint d = 0; d < old_n; d++) {
        for (uint32_t node = old[d]; node != CQ_NONE;) {
            uint32_t next = cq_node(cq, node)->next;
            cq_link(cq, node);
            node = next;
        }
    }
    g_free(old);

    gsize rest = cq->size;
    cq->size = 0;  /* so the first push back sets the current day */
    for (guint i = 0; i < n; i++)
        cq_push(cq, &sample[i]);
    cq->size += rest;
    cq->resizing = FALSE;
}

static gsize cq_size(const void *q)
{
    return ((const Calendar *) q)->size;
}

const BenchQueueClass bench_queue_calendar = {
    "calendar", "Brown's calendar queue, inline pooled nodes, resized x2 / x0.5 with width sampling",
    cq_create, cq_destroy, cq_push, cq_pop, cq_size,
};
