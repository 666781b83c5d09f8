#include "sim_timeouts.h"

/* First size of a lane's ring; it grows as needed. */
#define LANE_FIRST_CAP 1024
/* A full ring first drops its answered entries; it grows only if what is left fills more than
 * this fraction of it (else the next compaction would come too soon: at least 1/8 of the ring
 * is free after one, so a push moves at most 8 entries, amortised). */
#define LANE_GROW_NUM 7
#define LANE_GROW_DEN 8
/* It grows by a quarter, as pools do (sim_pool.h), not doubled: a ring never shrinks, so its
 * size is set by a flash crowd's peak of open RPCs, at most 8/7 * 5/4 = 10/7 of it (growing
 * at 3/4 full and doubling: 8/3). Measured at 10k instant joins (bench/flash-crowd.ini, lean):
 * 420 -> 347 B a node, the same CPU time. */
#define LANE_GROWTH_DIV 4

typedef struct {
    SimTime  due;
    uint32_t index, gen;
} Due;

typedef struct {
    SimTime  delay;
    Due     *buf;              /* ring buffer */
    guint    head, len, cap;
    gboolean scheduled;        /* an engine event waits for the head */
    gboolean busy;             /* timeouts being handled: schedule once at the end */
} Lane;

struct SimTimeouts {
    Sim *sim;
    const SimPool *pool;      /* one pool, or */
    const SimPools *pools;    /* partition `part` of these */
    guint part;
    SimTimeoutFn fn;
    void *ctx;
    uint16_t ev_lane, ev_own;
    Lane lanes[SIM_TIMEOUT_LANES];
    guint n_lanes;
} __attribute__((aligned(64)));

static inline gboolean still_open(const SimTimeouts *t, uint32_t index, uint32_t gen)
{
    return t->pools ? sim_pools_valid(t->pools, index, gen) : sim_pool_valid(t->pool, index, gen);
}

static void schedule_head(SimTimeouts *t, guint lane)
{
    Lane *ln = &t->lanes[lane];
    /* Records answered meanwhile need no wake-up: drop them, and wait only for the oldest one
     * still open. A lane wakes about once per timeout period instead of once per RPC. */
    while (ln->len > 0 && !still_open(t, ln->buf[ln->head].index, ln->buf[ln->head].gen)) {
        ln->head = (ln->head + 1) % ln->cap;
        ln->len--;
    }
    ln->scheduled = ln->len > 0;
    if (ln->scheduled)
        sim_schedule_part(t->sim, t->part, ln->buf[ln->head].due, t->ev_lane, lane);
}

/* The head of a lane is due: handle every timeout due now, then wait for the next. */
static void on_lane(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimTimeouts *t = ctx;
    guint lane = (guint) ev->data;
    Lane *ln = &t->lanes[lane];
    ln->busy = TRUE;
    while (ln->len > 0 && ln->buf[ln->head].due <= sim_now(sim)) {
        Due due = ln->buf[ln->head];
        ln->head = (ln->head + 1) % ln->cap;
        ln->len--;
        if (still_open(t, due.index, due.gen))
            t->fn(t->ctx, due.index, due.gen);  /* may arm more: ln->buf may move */
    }
    ln->busy = FALSE;
    schedule_head(t, lane);
}

/* A timeout of its own (a duration no lane has): data holds (gen << 32) | index. */
static void on_own(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimTimeouts *t = ctx;
    uint32_t index = (uint32_t) ev->data, gen = (uint32_t) (ev->data >> 32);
    if (still_open(t, index, gen))
        t->fn(t->ctx, index, gen);
}

SimTimeouts *sim_timeouts_new(Sim *sim, const SimPool *pool, SimTimeoutFn fn, void *ctx)
{
    SimTimeouts *t = g_aligned_alloc0(1, sizeof(SimTimeouts), 64);  /* one per partition */
    t->sim = sim;
    t->pool = pool;
    t->fn = fn;
    t->ctx = ctx;
    t->ev_own = sim_register_handler(sim, "rpc-timeout", on_own, t);
    t->ev_lane = sim_register_handler(sim, "rpc-timeouts", on_lane, t);
    return t;
}

SimTimeouts *sim_timeouts_new_part(Sim *sim, const SimPools *pools, guint part, SimTimeoutFn fn,
                                   void *ctx)
{
    SimTimeouts *t = sim_timeouts_new(sim, NULL, fn, ctx);
    t->pools = pools;
    t->part = part;
    return t;
}

void sim_timeouts_free(SimTimeouts *t)
{
    if (!t)
        return;
    for (guint i = 0; i < t->n_lanes; i++)
        g_free(t->lanes[i].buf);
    g_aligned_free(t);
}

void sim_timeouts_add_lane(SimTimeouts *t, SimTime delay)
{
    g_return_if_fail(delay > 0);
    for (guint i = 0; i < t->n_lanes; i++)
        if (t->lanes[i].delay == delay)
            return;
    g_return_if_fail(t->n_lanes < SIM_TIMEOUT_LANES);
    t->lanes[t->n_lanes++] = (Lane) { .delay = delay };
}

/* Drop every answered entry (its record's generation has changed) from the ring, keeping the
 * order of the others. Answered RPCs used to stay until their deadline: in a flash crowd of 10k
 * joins, 1 s of RPCs is millions of entries, almost all answered within milliseconds. Whether
 * the lane's event is scheduled does not change: it wakes at the same time, as the first entry
 * still open (or nothing) would have made it. */
static void lane_compact(SimTimeouts *t, Lane *ln)
{
    guint kept = 0;
    for (guint i = 0; i < ln->len; i++) {
        Due d = ln->buf[(ln->head + i) % ln->cap];
        if (still_open(t, d.index, d.gen))
            ln->buf[(ln->head + kept++) % ln->cap] = d;
    }
    ln->len = kept;
}

static void lane_grow(Lane *ln)
{
    guint cap = ln->cap ? ln->cap + ln->cap / LANE_GROWTH_DIV : LANE_FIRST_CAP;
    Due *buf = g_new(Due, cap);
    for (guint i = 0; i < ln->len; i++)  /* unwrapping it */
        buf[i] = ln->buf[(ln->head + i) % ln->cap];
    g_free(ln->buf);
    ln->buf = buf;
    ln->cap = cap;
    ln->head = 0;
}

static void lane_push(SimTimeouts *t, guint lane, uint32_t index, uint32_t gen)
{
    Lane *ln = &t->lanes[lane];
    if (ln->len == ln->cap) {
        if (ln->cap > 0)
            lane_compact(t, ln);
        if ((guint64) ln->len * LANE_GROW_DEN >= (guint64) ln->cap * LANE_GROW_NUM)
            lane_grow(ln);
    }
    ln->buf[(ln->head + ln->len) % ln->cap] = (Due) { sim_now(t->sim) + ln->delay, index, gen };
    ln->len++;
    if (!ln->scheduled && !ln->busy)
        schedule_head(t, lane);
}

SimTimerId sim_timeouts_arm(SimTimeouts *t, SimTime delay, uint32_t index, uint32_t gen,
                            SimHost host)
{
    for (guint lane = 0; lane < t->n_lanes; lane++)
        if (t->lanes[lane].delay == delay) {
            lane_push(t, lane, index, gen);
            return 0;
        }
    return sim_schedule_cancellable(t->sim, sim_now(t->sim) + delay, t->ev_own, host,
                                    ((uint64_t) gen << 32) | index, host);
}

gsize sim_timeouts_bytes(const SimTimeouts *t)
{
    gsize bytes = sizeof *t;
    for (guint i = 0; i < t->n_lanes; i++)
        bytes += t->lanes[i].cap * sizeof(Due);
    return bytes;
}
