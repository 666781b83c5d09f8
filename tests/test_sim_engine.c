/* Tests of the engine's run loop (sim.h): end time, empty queue, stop requests, and the total,
 * deterministic order of events at equal times. */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "fake_protocol.h"
#include "sim.h"

/* Events in the stop test: more than the engine's batch between progress checks. */
#define MANY_EVENTS 10000
/* The event (1-based) whose handler asks the run to stop. */
#define STOP_AT 5

/* What the handlers saw, in order: (data, now) per event. */
typedef struct {
    GArray  *data;       /* uint64_t */
    gboolean now_ok;     /* every event ran at sim_now() == its time */
    guint    stop_after; /* ask for a stop when this many events have run (0: never) */
    uint16_t again_kind; /* kind the "again" handler schedules at now */
} Trace;

static void on_event(Sim *sim, void *ctx, const SimEvent *ev)
{
    Trace *t = ctx;
    g_array_append_val(t->data, ev->data);
    t->now_ok = t->now_ok && sim_now(sim) == ev->time;
    if (t->stop_after && t->data->len == t->stop_after)
        sim_request_stop(sim);
}

/* Schedules one more event at the current time, from host 0. */
static void on_again(Sim *sim, void *ctx, const SimEvent *ev)
{
    Trace *t = ctx;
    on_event(sim, ctx, ev);
    if (ev->data < 3)
        sim_schedule(sim, sim_now(sim), t->again_kind, 0, ev->data + 1, 0);
}

typedef struct {
    SimConfig *cfg;
    Sim       *sim;
    Trace      trace;
    uint16_t   kind;
} Fixture;

/* A 10-host simulation with the fake protocol; its own workload (joins over the first minute)
 * also schedules events, which these tests ignore: only their own kinds are traced. */
static void fixture_init_ini(Fixture *f, const char *ini)
{
    f->cfg = sim_config_new();
    sim_declare(f->cfg);
    fake_protocol_class.declare(f->cfg);
    GError *error = NULL;
    gboolean ok = sim_config_load_data(f->cfg, "test", ini, &error);
    if (!ok)
        fprintf(stderr, "\n%s\n", error->message);
    CU_ASSERT_TRUE_FATAL(ok);
    f->sim = sim_new(f->cfg, &fake_protocol_class, &error);
    if (!f->sim)
        fprintf(stderr, "\n%s\n", error->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->sim);
    f->trace = (Trace) { g_array_new(FALSE, FALSE, sizeof(uint64_t)), TRUE, 0, 0 };
    f->kind = sim_register_handler(f->sim, "test", on_event, &f->trace);
}

static void fixture_init(Fixture *f)
{
    fixture_init_ini(f, "[simulation]\nnodes=10\nduration=1h\n");
}

static void fixture_clear(Fixture *f)
{
    g_array_free(f->trace.data, TRUE);
    sim_free(f->sim);
    sim_config_free(f->cfg);
}

static uint64_t traced(const Fixture *f, guint i)
{
    return g_array_index(f->trace.data, uint64_t, i);
}

static void test_run_stops_at_end_time_and_leaves_later_events(void)
{
    Fixture f;
    fixture_init(&f);
    for (uint64_t i = 1; i <= 3; i++)
        sim_schedule(f.sim, (SimTime) i * SIM_H, f.kind, 0, i, SIM_ORIGIN_ENGINE);
    CU_ASSERT_EQUAL(sim_run(f.sim, 2 * SIM_H), SIM_STOP_END_TIME);
    CU_ASSERT_EQUAL(f.trace.data->len, 2);  /* an event exactly at the end time runs */
    CU_ASSERT_EQUAL(sim_now(f.sim), 2 * SIM_H);
    CU_ASSERT_EQUAL(sim_events_pending(f.sim), 1);
    /* A later run carries on where this one stopped, until the queue is empty. */
    CU_ASSERT_EQUAL(sim_run(f.sim, 5 * SIM_H), SIM_STOP_EMPTY);
    CU_ASSERT_EQUAL(f.trace.data->len, 3);
    CU_ASSERT_EQUAL(sim_now(f.sim), 3 * SIM_H);
    CU_ASSERT_TRUE(f.trace.now_ok);
    fixture_clear(&f);
}

static void test_run_with_nothing_until_end_time_moves_the_clock_there(void)
{
    Fixture f;
    fixture_init(&f);
    sim_schedule(f.sim, 10 * SIM_H, f.kind, 0, 1, SIM_ORIGIN_ENGINE);
    CU_ASSERT_EQUAL(sim_run(f.sim, 5 * SIM_H), SIM_STOP_END_TIME);
    CU_ASSERT_EQUAL(sim_now(f.sim), 5 * SIM_H);
    CU_ASSERT_EQUAL(f.trace.data->len, 0);
    fixture_clear(&f);
}

static void test_run_returns_empty_when_no_event_is_left(void)
{
    Fixture f;
    fixture_init(&f);
    sim_schedule(f.sim, 2 * SIM_H, f.kind, 0, 7, SIM_ORIGIN_ENGINE);
    CU_ASSERT_EQUAL(sim_run(f.sim, SIM_TIME_NEVER), SIM_STOP_EMPTY);
    CU_ASSERT_EQUAL(f.trace.data->len, 1);
    CU_ASSERT_EQUAL(sim_events_pending(f.sim), 0);
    CU_ASSERT_EQUAL(sim_now(f.sim), 2 * SIM_H);  /* the last event's time, not the end */
    CU_ASSERT_EQUAL(sim_run(f.sim, SIM_TIME_NEVER), SIM_STOP_EMPTY);
    fixture_clear(&f);
}

static void test_stop_requested_by_a_handler_returns_before_the_next_event(void)
{
    Fixture f;
    fixture_init(&f);
    f.trace.stop_after = STOP_AT;
    for (uint64_t i = 0; i < MANY_EVENTS; i++)
        sim_schedule(f.sim, 2 * SIM_H + (SimTime) i, f.kind, 0, i, SIM_ORIGIN_ENGINE);
    CU_ASSERT_EQUAL(sim_run(f.sim, SIM_TIME_NEVER), SIM_STOP_REQUESTED);
    CU_ASSERT_EQUAL(f.trace.data->len, STOP_AT);
    CU_ASSERT_EQUAL(sim_events_pending(f.sim), MANY_EVENTS - STOP_AT);
    fixture_clear(&f);
}

static void test_stop_requested_before_the_run_runs_nothing(void)
{
    Fixture f;
    fixture_init(&f);
    sim_schedule(f.sim, SIM_MS, f.kind, 0, 1, SIM_ORIGIN_ENGINE);
    sim_request_stop(f.sim);
    CU_ASSERT_EQUAL(sim_run(f.sim, SIM_TIME_NEVER), SIM_STOP_REQUESTED);
    CU_ASSERT_EQUAL(f.trace.data->len, 0);
    CU_ASSERT_EQUAL(sim_events_processed(f.sim), 0);
    fixture_clear(&f);
}

static void test_equal_times_run_by_origin_then_each_origins_order(void)
{
    Fixture f;
    fixture_init(&f);
    /* (origin, tag) in scheduling order; all at the same time. */
    static const struct { uint32_t origin; uint64_t tag; } scheduled[] = {
        { 7, 70 }, { 2, 20 }, { SIM_ORIGIN_WORKLOAD, 90 }, { 7, 71 }, { 0, 0 }, { 2, 21 },
        { SIM_ORIGIN_CHURN, 80 }, { 0, 1 }, { 7, 72 },
    };
    static const uint64_t expected[] = { 0, 1, 20, 21, 70, 71, 72, 80, 90 };
    for (gsize i = 0; i < G_N_ELEMENTS(scheduled); i++)
        sim_schedule(f.sim, 2 * SIM_H, f.kind, 0, scheduled[i].tag, scheduled[i].origin);
    sim_run(f.sim, 3 * SIM_H);
    CU_ASSERT_EQUAL_FATAL(f.trace.data->len, G_N_ELEMENTS(expected));
    for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
        CU_ASSERT_EQUAL(traced(&f, i), expected[i]);
    fixture_clear(&f);
}

static void test_equal_time_order_ignores_how_much_other_origins_schedule(void)
{
    /* Origin 5's events keep their places among origin 3's whatever origin 4 schedules. */
    for (int extra = 0; extra < 3; extra++) {
        Fixture f;
        fixture_init(&f);
        for (int i = 0; i < extra * 100; i++)  /* origin 4's other events, at other times */
            sim_schedule(f.sim, 4 * SIM_H, f.kind, 0, 1000, 4);
        sim_schedule(f.sim, 2 * SIM_H, f.kind, 0, 51, 5);
        sim_schedule(f.sim, 2 * SIM_H, f.kind, 0, 31, 3);
        sim_schedule(f.sim, 2 * SIM_H, f.kind, 0, 41, 4);
        sim_schedule(f.sim, 2 * SIM_H, f.kind, 0, 32, 3);
        sim_run(f.sim, 3 * SIM_H);
        CU_ASSERT_EQUAL_FATAL(f.trace.data->len, 4);
        CU_ASSERT_EQUAL(traced(&f, 0), 31);
        CU_ASSERT_EQUAL(traced(&f, 1), 32);
        CU_ASSERT_EQUAL(traced(&f, 2), 41);
        CU_ASSERT_EQUAL(traced(&f, 3), 51);
        fixture_clear(&f);
    }
}

static void test_event_scheduled_at_now_by_a_handler_runs_in_the_same_run(void)
{
    Fixture f;
    fixture_init(&f);
    f.trace.again_kind = sim_register_handler(f.sim, "again", on_again, &f.trace);
    sim_schedule(f.sim, 2 * SIM_H, f.trace.again_kind, 0, 0, SIM_ORIGIN_ENGINE);
    sim_schedule(f.sim, 3 * SIM_H, f.kind, 0, 99, SIM_ORIGIN_ENGINE);  /* keeps the queue busy */
    CU_ASSERT_EQUAL(sim_run(f.sim, 2 * SIM_H), SIM_STOP_END_TIME);
    CU_ASSERT_EQUAL_FATAL(f.trace.data->len, 4);
    for (guint i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(traced(&f, i), i);
    CU_ASSERT_TRUE(f.trace.now_ok);
    fixture_clear(&f);
}

static void test_events_run_in_time_order_with_the_clock_at_each(void)
{
    Fixture f;
    fixture_init(&f);
    static const SimTime at[] = { 5 * SIM_H, 2 * SIM_H, 4 * SIM_H, 3 * SIM_H };
    for (gsize i = 0; i < G_N_ELEMENTS(at); i++)
        sim_schedule(f.sim, at[i], f.kind, 0, (uint64_t) (at[i] / SIM_H), SIM_ORIGIN_ENGINE);
    guint64 before = sim_events_processed(f.sim);
    sim_run(f.sim, 6 * SIM_H);
    CU_ASSERT_EQUAL_FATAL(f.trace.data->len, 4);
    for (guint i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(traced(&f, i), i + 2);
    CU_ASSERT_TRUE(f.trace.now_ok);
    CU_ASSERT_TRUE(sim_events_processed(f.sim) >= before + 4);
    fixture_clear(&f);
}

/* Observer of the overflow test: every operation ends at or after its start. */
static void check_op_times(void *ctx, const SimOp *op)
{
    gboolean *ok = ctx;
    *ok = *ok && op->end >= op->start;
}

/* Lognormal delays with sigma 5 and a 1 h median (legal keys) draw, once in a few hundred
 * messages, a delay past the last representable time. Such a message never arrives: it stays
 * in flight, and the clock never wraps (it did: signed overflow, then time going backwards). */
static void test_message_delay_beyond_the_clock_never_arrives_and_stays_in_flight(void)
{
    Fixture f;
    fixture_init_ini(&f, "[simulation]\nnodes = 50\nduration = 10min\n"
                         "[network]\nlatency = lognormal\nlatency_sigma = 5\n"
                         "latency_median = 1h\nlatency_draw = message\n"
                         "[workload]\njoin = instant\nrate_unit = network\nlookup_rate = 100\n");
    gboolean ops_ok = TRUE;
    SimObserver obs = { .op_done = check_op_times };
    sim_add_observer(f.sim, &obs, &ops_ok);
    CU_ASSERT_EQUAL(sim_run(f.sim, 10 * SIM_MIN), SIM_STOP_END_TIME);
    CU_ASSERT_EQUAL(sim_now(f.sim), 10 * SIM_MIN);
    CU_ASSERT_TRUE(ops_ok);
    GError *error = NULL;
    CU_ASSERT_TRUE(sim_check_conservation(f.sim, &error));
    g_clear_error(&error);
    uint64_t sent = 0, in_flight = 0;
    for (guint t = 0; t < sim_msg_types(f.sim); t++) {
        sent += sim_msg_counters(f.sim, (uint16_t) t)->sent;
        in_flight += sim_msg_counters(f.sim, (uint16_t) t)->fate[SIM_FATE_IN_FLIGHT];
    }
    CU_ASSERT_TRUE(sent > 10000);
    CU_ASSERT_TRUE(in_flight > 0);
    fixture_clear(&f);
}

/* Several threads: refused for a protocol not partitioned, and for a network without a least
 * delay (the lookahead), each with what to change. */
static void test_threads_are_refused_where_the_bytes_could_differ(void)
{
    static const struct {
        const char *ini, *says;
        gboolean parallel;
    } cases[] = {
        { "[simulation]\nnodes=10\n", "runs on one thread only", FALSE },
        { "[simulation]\nnodes=10\n[network]\nlatency=lognormal\n", "min_latency", TRUE },
        { "[simulation]\nnodes=10\n[network]\nloss=bernoulli\n", "loss = none", TRUE },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        SimProtocolClass cls = fake_protocol_class;
        cls.parallel = cases[i].parallel;
        SimConfig *cfg = sim_config_new();
        sim_declare(cfg);
        cls.declare(cfg);
        GError *error = NULL;
        CU_ASSERT_TRUE_FATAL(sim_config_load_data(cfg, "test", cases[i].ini, &error));
        Sim *sim = sim_new_threads(cfg, &cls, 2, &error);
        CU_ASSERT_PTR_NULL(sim);
        CU_ASSERT_TRUE(error && strstr(error->message, cases[i].says));
        g_clear_error(&error);
        sim = sim_new_threads(cfg, &cls, 1, &error);  /* one thread: every model runs */
        CU_ASSERT_PTR_NOT_NULL(sim);
        sim_free(sim);
        sim_config_free(cfg);
    }
}

static CU_TestInfo tests[] = {
    TEST(test_threads_are_refused_where_the_bytes_could_differ),
    TEST(test_run_stops_at_end_time_and_leaves_later_events),
    TEST(test_run_with_nothing_until_end_time_moves_the_clock_there),
    TEST(test_run_returns_empty_when_no_event_is_left),
    TEST(test_stop_requested_by_a_handler_returns_before_the_next_event),
    TEST(test_stop_requested_before_the_run_runs_nothing),
    TEST(test_equal_times_run_by_origin_then_each_origins_order),
    TEST(test_equal_time_order_ignores_how_much_other_origins_schedule),
    TEST(test_event_scheduled_at_now_by_a_handler_runs_in_the_same_run),
    TEST(test_events_run_in_time_order_with_the_clock_at_each),
    TEST(test_message_delay_beyond_the_clock_never_arrives_and_stays_in_flight),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_engine", tests)
