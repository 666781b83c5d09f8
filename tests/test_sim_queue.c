/* Tests of sim_queue (the pending-event set) and of cancelling events through the engine. */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "fake_protocol.h"
#include "sim.h"
#include "sim_queue.h"
#include "sim_rng.h"

/* Events in the random push/pop runs: enough to go through several rungs of the ladder. */
#define RANDOM_EVENTS 200000
/* Timers in the cancellation test, and the share of them cancelled (percent). */
#define TIMERS 5000
#define CANCEL_PERCENT 40

/* ---- the queue alone ------------------------------------------------------------------- */

/* Pops `count` events, checking each against what peek showed, the (time, tie) order against
 * *prev, and that no event (by its data) comes out twice; and that the look-ahead
 * (sim_queue_peek_ahead) names, in order, the events that the next pops then return. */
static gboolean pop_in_order(SimQueue *q, SimEvent *prev, gboolean *have_prev, guint8 *seen,
                             gsize n_seen, gsize count)
{
    SimEvent ev, promised[2];
    guint n_promised = 0;
    for (gsize i = 0; i < count; i++) {
        const SimEvent *peeked = sim_queue_peek(q);
        if (!peeked)
            return FALSE;
        const SimEvent *ahead[3];
        guint k = sim_queue_peek_ahead(q, ahead, 3);
        if (k == 0 || k > sim_queue_size(q) || ahead[0] != peeked)
            return FALSE;
        for (guint j = 0; j + 1 < k; j++)
            if (sim_event_before(ahead[j + 1], ahead[j]))
                return FALSE;
        /* Only pops since the last look-ahead: its events are the ones that come now. */
        for (guint j = 0; j < MIN(n_promised, k); j++)
            if (memcmp(ahead[j], &promised[j], sizeof ev) != 0)
                return FALSE;
        n_promised = k - 1;
        for (guint j = 0; j < n_promised; j++)
            promised[j] = *ahead[j + 1];
        SimEvent expect = *peeked;
        if (!sim_queue_pop(q, &ev) || memcmp(&ev, &expect, sizeof ev) != 0)
            return FALSE;
        if ((*have_prev && sim_event_before(&ev, prev)) || ev.data >= n_seen || seen[ev.data])
            return FALSE;
        seen[ev.data] = 1;
        *prev = ev;
        *have_prev = TRUE;
    }
    return TRUE;
}

/* Random pushes and pops as an engine makes them: never earlier than the last pop (in (time,
 * tie) order), many equal times, times spread over scales from ns to hours so that the queue
 * goes through its heap, rung and top. Every event must come out once, in order. */
static void run_random(uint64_t seed, SimTime max_step)
{
    SimRngState rng;
    sim_rng_state_init(&rng, seed, sim_rng_stream_id("test-queue", 0));
    SimQueue *q = sim_queue_new(0);
    guint8 *seen = g_new0(guint8, RANDOM_EVENTS);
    SimEvent prev = { 0 };
    gboolean have_prev = FALSE, ok = TRUE;
    gsize pushed = 0, popped = 0;
    uint64_t tie = 0;
    while (ok && pushed < RANDOM_EVENTS) {
        /* Bursts of pushes, then bursts of pops: the size wanders from 0 to thousands. */
        gsize burst = 1 + sim_rng_state_below(&rng, 2000);
        for (gsize i = 0; i < burst && pushed < RANDOM_EVENTS; i++, pushed++) {
            SimTime step = sim_rng_state_below(&rng, 4) == 0
                               ? 0 : (SimTime) sim_rng_state_below(&rng, (uint64_t) max_step);
            SimEvent ev = { .time = prev.time + step, .tie = tie++, .data = pushed };
            sim_queue_push(q, &ev);
        }
        gsize want = sim_rng_state_below(&rng, 2200);  /* not inside MIN(): it evaluates twice */
        gsize take = MIN(sim_queue_size(q), want);
        ok = pop_in_order(q, &prev, &have_prev, seen, RANDOM_EVENTS, take);
        popped += take;
    }
    gsize rest = sim_queue_size(q);
    ok = ok && pop_in_order(q, &prev, &have_prev, seen, RANDOM_EVENTS, rest);
    popped += rest;
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_EQUAL(popped, RANDOM_EVENTS);
    CU_ASSERT_EQUAL(sim_queue_size(q), 0);
    CU_ASSERT_PTR_NULL(sim_queue_peek(q));
    SimEvent ev;
    CU_ASSERT_FALSE(sim_queue_pop(q, &ev));
    g_free(seen);
    sim_queue_free(q);
}

static void test_random_push_pop_yields_each_event_once_in_order(void)
{
    run_random(1, 1000);
}

static void test_random_push_pop_in_order_when_times_spread_over_hours(void)
{
    run_random(2, 3 * SIM_H);
}

static void test_random_push_pop_in_order_with_tiny_time_steps(void)
{
    run_random(3, 3);
}

static void test_equal_times_come_out_by_tie(void)
{
    SimQueue *q = sim_queue_new(4);
    static const uint64_t ties[] = { 7, 3, 9, 1, 5, 8, 2, 6, 4, 0 };
    for (gsize i = 0; i < G_N_ELEMENTS(ties); i++) {
        SimEvent ev = { .time = 5 * SIM_S, .tie = ties[i] };
        sim_queue_push(q, &ev);
    }
    SimEvent early = { .time = SIM_S, .tie = 99 };
    sim_queue_push(q, &early);
    SimEvent ev;
    CU_ASSERT_TRUE(sim_queue_pop(q, &ev));
    CU_ASSERT_EQUAL(ev.tie, 99);  /* time first */
    for (uint64_t want = 0; want < G_N_ELEMENTS(ties); want++) {
        CU_ASSERT_TRUE(sim_queue_pop(q, &ev));
        CU_ASSERT_EQUAL(ev.tie, want);
        CU_ASSERT_EQUAL(ev.time, 5 * SIM_S);
    }
    sim_queue_free(q);
}

static void test_events_keep_every_field(void)
{
    SimQueue *q = sim_queue_new(0);
    SimEvent in = { .time = 42, .tie = 7, .target = 123456, .kind = 9, .tag = 0x8001,
                    .data = 0xdeadbeefcafef00dULL };
    sim_queue_push(q, &in);
    SimEvent out;
    CU_ASSERT_TRUE(sim_queue_pop(q, &out));
    CU_ASSERT_EQUAL(memcmp(&in, &out, sizeof in), 0);
    sim_queue_free(q);
}

static void test_push_earlier_than_everything_after_pops_comes_out_first(void)
{
    /* The engine never does this, but the queue must stay a correct priority queue. */
    SimQueue *q = sim_queue_new(0);
    for (int i = 0; i < 1000; i++) {
        SimEvent ev = { .time = (SimTime) (1000 + i) * SIM_MS, .tie = (uint64_t) i };
        sim_queue_push(q, &ev);
    }
    SimEvent ev;
    for (int i = 0; i < 10; i++)
        sim_queue_pop(q, &ev);
    SimEvent early = { .time = 1, .tie = 5000 };
    sim_queue_push(q, &early);
    CU_ASSERT_EQUAL(sim_queue_peek(q)->tie, 5000);
    CU_ASSERT_TRUE(sim_queue_pop(q, &ev));
    CU_ASSERT_EQUAL(ev.time, 1);
    CU_ASSERT_EQUAL(sim_queue_size(q), 990);
    CU_ASSERT_TRUE(sim_queue_bytes(q) >= 990 * sizeof(SimEvent));
    sim_queue_free(q);
}

/* ---- cancellation through the engine --------------------------------------------------- */

typedef struct {
    guint *runs;  /* per timer: times its event ran */
} TickLog;

static void on_tick(Sim *sim, void *ctx, const SimEvent *ev)
{
    TickLog *log = ctx;
    log->runs[ev->data]++;
}

/* A 10-host simulation with the fake protocol; the config must outlive the Sim. */
static Sim *make_sim(SimConfig **cfg_out)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    fake_protocol_class.declare(cfg);
    GError *error = NULL;
    gboolean ok = sim_config_load_data(cfg, "test", "[simulation]\nnodes=10\nduration=1h\n",
                                       &error);
    if (!ok)
        fprintf(stderr, "\n%s\n", error->message);
    CU_ASSERT_TRUE_FATAL(ok);
    Sim *sim = sim_new(cfg, &fake_protocol_class, &error);
    if (!sim)
        fprintf(stderr, "\n%s\n", error->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    *cfg_out = cfg;
    return sim;
}

static void test_cancelled_events_never_run_and_others_run_once(void)
{
    SimConfig *cfg;
    Sim *sim = make_sim(&cfg);
    TickLog log = { g_new0(guint, TIMERS) };
    uint16_t tick = sim_register_handler(sim, "tick", on_tick, &log);
    SimTimerId *ids = g_new(SimTimerId, TIMERS);
    gboolean *cancelled = g_new0(gboolean, TIMERS);
    SimRngState rng;
    sim_rng_state_init(&rng, 7, sim_rng_stream_id("test-cancel", 0));
    for (guint i = 0; i < TIMERS; i++) {
        SimTime at = (SimTime) sim_rng_state_below(&rng, 100) * SIM_MS;  /* many equal times */
        ids[i] = sim_schedule_cancellable(sim, at, tick, 0, i, i % 10);
        CU_ASSERT_NOT_EQUAL(ids[i], 0);
    }
    for (guint i = 0; i < TIMERS; i++) {
        if (sim_rng_state_below(&rng, 100) < CANCEL_PERCENT) {
            sim_cancel(sim, ids[i]);
            sim_cancel(sim, ids[i]);  /* twice: harmless */
            cancelled[i] = TRUE;
        }
    }
    sim_run(sim, SIM_S);
    for (guint i = 0; i < TIMERS; i++)
        CU_ASSERT_EQUAL(log.runs[i], cancelled[i] ? 0 : 1);
    g_free(ids);
    g_free(cancelled);
    g_free(log.runs);
    sim_free(sim);
    sim_config_free(cfg);
}

static void test_cancelling_after_the_event_ran_does_not_touch_a_new_timer(void)
{
    SimConfig *cfg;
    Sim *sim = make_sim(&cfg);
    TickLog log = { g_new0(guint, 2) };
    uint16_t tick = sim_register_handler(sim, "tick", on_tick, &log);
    SimTimerId first = sim_schedule_cancellable(sim, SIM_MS, tick, 0, 0, 0);
    sim_run(sim, 2 * SIM_MS);
    CU_ASSERT_EQUAL(log.runs[0], 1);
    /* The first timer's slot is free again and the next timer reuses it. */
    SimTimerId second = sim_schedule_cancellable(sim, 3 * SIM_MS, tick, 0, 1, 0);
    CU_ASSERT_NOT_EQUAL(first, second);
    sim_cancel(sim, first);  /* stale: must not cancel the second */
    sim_run(sim, 4 * SIM_MS);
    CU_ASSERT_EQUAL(log.runs[0], 1);
    CU_ASSERT_EQUAL(log.runs[1], 1);
    sim_cancel(sim, second);  /* after it ran: nothing happens */
    sim_cancel(sim, 0);       /* not an id at all */
    sim_run(sim, 5 * SIM_MS);
    CU_ASSERT_EQUAL(log.runs[1], 1);
    g_free(log.runs);
    sim_free(sim);
    sim_config_free(cfg);
}

static void test_cancellable_event_gets_back_its_data(void)
{
    SimConfig *cfg;
    Sim *sim = make_sim(&cfg);
    TickLog log = { g_new0(guint, 8) };
    uint16_t tick = sim_register_handler(sim, "tick", on_tick, &log);
    sim_schedule_cancellable(sim, SIM_MS, tick, 0, 5, 0);  /* data 5, not the timer id */
    sim_run(sim, SIM_S);
    CU_ASSERT_EQUAL(log.runs[5], 1);
    g_free(log.runs);
    sim_free(sim);
    sim_config_free(cfg);
}

static CU_TestInfo tests[] = {
    TEST(test_random_push_pop_yields_each_event_once_in_order),
    TEST(test_random_push_pop_in_order_when_times_spread_over_hours),
    TEST(test_random_push_pop_in_order_with_tiny_time_steps),
    TEST(test_equal_times_come_out_by_tie),
    TEST(test_events_keep_every_field),
    TEST(test_push_earlier_than_everything_after_pops_comes_out_first),
    TEST(test_cancelled_events_never_run_and_others_run_once),
    TEST(test_cancelling_after_the_event_ran_does_not_touch_a_new_timer),
    TEST(test_cancellable_event_gets_back_its_data),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_queue", tests)
