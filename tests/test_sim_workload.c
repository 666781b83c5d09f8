/* Workload (sim/workload.c) through a Sim with the fake protocol: join schedules, operation
 * counts over long runs against their Poisson rates (within 4 standard deviations), per-node
 * rates that follow the hosts up, Zipf frequencies of stores and gets, gets only of stored
 * keys, and every [workload] error. Fixed seeds: nothing can flake. */
#include "sim_world.h"
#include "model_helpers.h"

/* The operations started before `until`, as the protocol reports them (in the order they end,
 * which is not the order they start). */
typedef struct {
    SimTime until;
    guint64 count[SIM_OP_KINDS];
    GArray *ops;  /* SimOp[] of stores and gets */
} OpWatch;

static void watch_op(void *ctx, const SimOp *op)
{
    OpWatch *w = ctx;
    if (op->kind == SIM_OP_JOIN || op->start >= w->until)
        return;
    w->count[op->kind]++;
    if (op->kind != SIM_OP_LOOKUP)
        g_array_append_val(w->ops, *op);
}

static void op_watch_init(OpWatch *w, Sim *sim, SimTime until)
{
    memset(w, 0, sizeof *w);
    w->until = until;
    w->ops = g_array_new(FALSE, FALSE, sizeof(SimOp));
    static const SimObserver obs = { watch_op, NULL };
    sim_add_observer(sim, &obs, w);
}

static void op_watch_free(OpWatch *w)
{
    g_array_free(w->ops, TRUE);
}

/* By start time, then by operation number (the order the workload started them in). */
static int cmp_start(const void *a, const void *b)
{
    const SimOp *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* Replay the stores and gets in start order. Counts gets of each key in got[], adds to
 * expected[] the probability that each get picks each key when gets follow Zipf(s) among the
 * keys stored so far, and returns the number of gets of keys not stored yet. */
static guint64 replay_gets(OpWatch *w, guint keys, double s, double *got, double *expected)
{
    g_array_sort(w->ops, cmp_start);
    gboolean *stored = g_new0(gboolean, keys);
    guint *list = g_new(guint, keys);
    guint n_stored = 0;
    double total = 0;
    guint64 unstored = 0;
    for (guint i = 0; i < w->ops->len; i++) {
        const SimOp *op = &g_array_index(w->ops, SimOp, i);
        if (op->kind == SIM_OP_STORE && !stored[op->key]) {
            stored[op->key] = TRUE;
            list[n_stored++] = (guint) op->key;
            total += pow(op->key + 1.0, -s);
        } else if (op->kind == SIM_OP_GET) {
            unstored += !stored[op->key];
            got[op->key]++;
            for (guint j = 0; j < n_stored; j++)
                expected[list[j]] += pow(list[j] + 1.0, -s) / total;
        }
    }
    g_free(stored);
    g_free(list);
    return unstored;
}

/* |n - expected| within 4 Poisson standard deviations. */
static void assert_poisson(const char *what, guint64 n, double expected)
{
    model_report(what, (double) n, expected);
    CU_ASSERT(fabs((double) n - expected) < 4 * sqrt(expected));
}

static void test_per_node_lookup_rate_over_a_long_run(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 100\n[workload]\njoin = instant\n"
                                    "lookup_rate = 0.1\n");
    OpWatch w;
    op_watch_init(&w, sim, 1000 * SIM_S);
    sim_run(sim, 1010 * SIM_S);
    assert_poisson("lookups, 100 nodes x 0.1/s x 1000 s", w.count[SIM_OP_LOOKUP], 10000);
    CU_ASSERT_EQUAL(w.count[SIM_OP_STORE] + w.count[SIM_OP_GET], 0);
    op_watch_free(&w);
    model_world_free(&mw);
}

/* A per-node rate counts only the hosts that are up: half the hosts, half the operations. */
static void test_per_node_rate_follows_hosts_up(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 100\n[workload]\njoin = none\n"
                                    "lookup_rate = 0.1\n");
    for (SimHost h = 0; h < 100; h += 2)
        sim_host_up(sim, h, FALSE);
    OpWatch w;
    op_watch_init(&w, sim, 1000 * SIM_S);
    sim_run(sim, 1010 * SIM_S);
    assert_poisson("lookups, 50 of 100 nodes up x 0.1/s x 1000 s", w.count[SIM_OP_LOOKUP], 5000);
    /* (sim_start_op() asserts that every origin is up.) */
    op_watch_free(&w);
    model_world_free(&mw);
}

static void test_network_rate_is_for_the_whole_network(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 1000\n[workload]\njoin = instant\n"
                                    "rate_unit = network\nstore_rate = 10\nget_rate = 5\n"
                                    "start = 100s\n");
    OpWatch w;
    op_watch_init(&w, sim, 1100 * SIM_S);
    sim_run(sim, 1110 * SIM_S);
    assert_poisson("stores, network 10/s x 1000 s", w.count[SIM_OP_STORE], 10000);
    assert_poisson("gets, network 5/s x 1000 s", w.count[SIM_OP_GET], 5000);
    op_watch_free(&w);
    model_world_free(&mw);
}

static void test_no_operation_before_start(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 10\n[workload]\njoin = instant\n"
                                    "lookup_rate = 10\nstart = 1h\n");
    sim_run(sim, SIM_H);
    CU_ASSERT_EQUAL(fake_protocol_stats(sim)->ops_started, 0);
    sim_run(sim, SIM_H + 10 * SIM_S);
    CU_ASSERT(fake_protocol_stats(sim)->ops_started > 500);
    model_world_free(&mw);
}

/* A rate so small (legal: the range starts at 0) that its next event lies past the last
 * representable time: the process ends there (now + gap overflowed, and the engine aborted). */
static void test_rate_too_small_for_the_clock_runs_no_operation(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 10\n[workload]\njoin = instant\n"
                                    "lookup_rate = 1e-300\nstart = 1min\n");
    sim_run(sim, SIM_H);
    CU_ASSERT_EQUAL(fake_protocol_stats(sim)->ops_started, 0);
    CU_ASSERT_EQUAL(sim_events_pending(sim), 0);  /* the process ended */
    model_world_free(&mw);
}

/* join_rate = 1e-9: gaps of about 32 years, so the sum passes the last representable time
 * (292 years) after about ten hosts. The later hosts never join; they joined at once when the
 * sum wrapped around to a negative time. */
static void test_slow_join_stream_saturates_at_the_end_of_time(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 40\n[workload]\njoin = rate\n"
                                    "join_rate = 1e-9\n");
    sim_run(sim, SIM_TIME_NEVER - 1);
    CU_ASSERT(sim_hosts_up(sim) > 1);
    CU_ASSERT(sim_hosts_up(sim) < 40);
    CU_ASSERT(sim_now(sim) >= 0);
    model_world_free(&mw);
}

/* Zipf: stores pick key i with probability (i+1)^-s / H(n, s); once every key is stored, so
 * do gets. */
static void test_zipf_frequencies_of_stores_and_gets(void)
{
    enum { KEYS = 50 };
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 100\n[workload]\njoin = instant\n"
                                    "rate_unit = network\nstore_rate = 1000\nget_rate = 1000\n"
                                    "keys = 50\npopularity = zipf\nzipf_exponent = 1.0\n");
    OpWatch w;
    op_watch_init(&w, sim, 200 * SIM_S);
    sim_run(sim, 202 * SIM_S);
    double h = 0, count[SIM_OP_KINDS][KEYS] = { { 0 } };
    for (int i = 0; i < KEYS; i++)
        h += 1.0 / (i + 1);
    for (guint i = 0; i < w.ops->len; i++) {
        const SimOp *op = &g_array_index(w.ops, SimOp, i);
        count[op->kind][op->key]++;
    }
    for (int kind = SIM_OP_STORE; kind <= SIM_OP_GET; kind++)
        for (int i = 0; i < KEYS; i++) {
            double p = 1.0 / (i + 1) / h, n = (double) w.count[kind];
            if (i == 0)
                model_report(kind == SIM_OP_STORE ? "zipf(1), 50 keys: share of key 0 in stores"
                                                  : "zipf(1), 50 keys: share of key 0 in gets",
                             count[kind][i] / n, p);
            CU_ASSERT(fabs(count[kind][i] - n * p) < 4 * sqrt(n * p * (1 - p)));
        }
    op_watch_free(&w);
    model_world_free(&mw);
}

/* Gets over a run of `ini` follow popularity Zipf(s) among the keys stored so far (s = 0:
 * uniformly), and never ask for a key not stored yet. */
static void check_gets_follow_popularity(const char *ini, guint keys, double s)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, ini);
    OpWatch w;
    op_watch_init(&w, sim, 100 * SIM_S);
    sim_run(sim, 102 * SIM_S);
    double *got = g_new0(double, keys), *expected = g_new0(double, keys);
    CU_ASSERT_EQUAL(replay_gets(&w, keys, s, got, expected), 0);
    guint checked = 0;
    for (guint k = 0; k < keys; k++) {
        if (expected[k] < 100)
            continue;
        checked++;
        CU_ASSERT(fabs(got[k] - expected[k]) < 4 * sqrt(expected[k]));
    }
    CU_ASSERT(checked >= 20);
    g_free(got);
    g_free(expected);
    op_watch_free(&w);
    model_world_free(&mw);
}

/* While few keys are stored, gets choose among them by their Zipf weights. */
static void test_gets_are_of_stored_keys_by_popularity(void)
{
    check_gets_follow_popularity("[simulation]\nnodes = 100\n[workload]\njoin = instant\n"
                                 "rate_unit = network\nstore_rate = 2\nget_rate = 2000\n"
                                 "keys = 1000\npopularity = zipf\n", 1000, 1.0);
}

static void test_uniform_gets_pick_evenly_among_stored_keys(void)
{
    check_gets_follow_popularity("[simulation]\nnodes = 100\n[workload]\njoin = instant\n"
                                 "rate_unit = network\nstore_rate = 2\nget_rate = 2000\n"
                                 "keys = 100000\n", 100000, 0.0);
}

static void test_join_ramp_spreads_hosts_evenly(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 1000\n[workload]\njoin = ramp\n"
                                    "join_ramp = 100s\n");
    sim_run(sim, 50 * SIM_S);
    CU_ASSERT_EQUAL(sim_hosts_up(sim), 501);  /* hosts 0 .. 500 at 0, 0.1 s, ..., 50 s */
    sim_run(sim, 100 * SIM_S);
    CU_ASSERT_EQUAL(sim_hosts_up(sim), 1000);
    CU_ASSERT(sim_events_pending(sim) == 0);
    model_world_free(&mw);
}

static void test_join_rate_is_a_poisson_stream(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 10000\n[workload]\njoin = rate\n"
                                    "join_rate = 100\n");
    sim_run(sim, 50 * SIM_S);
    assert_poisson("joins at 100/s in 50 s", sim_hosts_up(sim), 5000);
    model_world_free(&mw);
}

static void test_instant_join_brings_every_host_up_at_time_zero(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 1000\n[workload]\njoin = instant\n");
    sim_run(sim, 0);
    CU_ASSERT_EQUAL(sim_hosts_up(sim), 1000);
    model_world_free(&mw);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_negative_rate_is_an_error_naming_the_key(void)
{
    model_expect_error("[workload]\nlookup_rate = -1\n", "[workload] lookup_rate",
                       "out of range", NULL);
}

static void test_unknown_workload_key_is_an_error_naming_it(void)
{
    model_expect_error("[workload]\nlookup_rte = 1\n", "'lookup_rte'", "lookup_rate", NULL);
}

static void test_join_ramp_with_bad_unit_is_an_error_naming_the_key(void)
{
    model_expect_error("[workload]\njoin_ramp = 1 minute\n", "[workload] join_ramp", "unit",
                       NULL);
}

static void test_zipf_exponent_with_uniform_popularity_is_an_only_if_error(void)
{
    model_expect_error("[workload]\nzipf_exponent = 0.8\n", "[workload] zipf_exponent",
                       "applies only when popularity = zipf", NULL);
}

static void test_too_many_zipf_keys_is_an_error_naming_keys(void)
{
    model_expect_error("[workload]\npopularity = zipf\nkeys = 100000000\n",
                       "test.ini: [workload] keys", "zipf", NULL);
}

/* lookup_rate = 1e12 network-wide (in range) keeps 1e11 operations in flight with 50 ms
 * delays: terabytes. Refused before anything is allocated (it aborted in an allocation). */
static void test_rate_beyond_memory_is_an_error_naming_the_key(void)
{
    model_expect_error("[workload]\nrate_unit = network\nlookup_rate = 1e12\nget_rate = 1\n",
                       "test.ini: [workload] lookup_rate:", "in flight", "GiB of memory", NULL);
    model_expect_error("[simulation]\nnodes = 1000\n[workload]\nstore_rate = 1e10\n",
                       "[workload] store_rate:", "per-node rates × nodes", NULL);
    ModelWorld mw;  /* the same rate over a run shorter than a round trip holds little */
    model_world_new(&mw, "[simulation]\nduration = 1min\n[workload]\nrate_unit = network\n"
                         "lookup_rate = 1e12\nstart = 59.999999s\n");
    model_world_free(&mw);
}

static CU_TestInfo tests[] = {
    TEST(test_per_node_lookup_rate_over_a_long_run),
    TEST(test_per_node_rate_follows_hosts_up),
    TEST(test_network_rate_is_for_the_whole_network),
    TEST(test_no_operation_before_start),
    TEST(test_rate_too_small_for_the_clock_runs_no_operation),
    TEST(test_slow_join_stream_saturates_at_the_end_of_time),
    TEST(test_zipf_frequencies_of_stores_and_gets),
    TEST(test_gets_are_of_stored_keys_by_popularity),
    TEST(test_uniform_gets_pick_evenly_among_stored_keys),
    TEST(test_join_ramp_spreads_hosts_evenly),
    TEST(test_join_rate_is_a_poisson_stream),
    TEST(test_instant_join_brings_every_host_up_at_time_zero),
    TEST(test_negative_rate_is_an_error_naming_the_key),
    TEST(test_unknown_workload_key_is_an_error_naming_it),
    TEST(test_join_ramp_with_bad_unit_is_an_error_naming_the_key),
    TEST(test_zipf_exponent_with_uniform_popularity_is_an_only_if_error),
    TEST(test_too_many_zipf_keys_is_an_error_naming_keys),
    TEST(test_rate_beyond_memory_is_an_error_naming_the_key),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_workload", tests)
