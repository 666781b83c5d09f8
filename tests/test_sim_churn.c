/* Churn (sim/churn.c) through a Sim with the fake protocol: observed session and down times
 * against their laws, `start` and residual first sessions, leave and rejoin options, trace
 * replay in file order, and every [churn] error. Fixed seeds: nothing can flake. */
#include "sim_dist.h"
#include "sim_world.h"
#include "model_helpers.h"

#define TRACE_FILE TEST_DATA_DIR "/churn_trace.txt"

/* Watches hosts come and go: session and down-time lengths, the first departure, and a log of
 * every change (time, host, up, graceful). */
typedef struct {
    Sim *sim;
    SimTime *since;           /* per host: when it last changed, -1 before its first up */
    double session_sum, down_sum;
    guint64 sessions, downs, graceful, changes;
    SimTime first_departure;
    GArray *log;              /* LogEntry[], when logging */
} Watch;

typedef struct {
    SimTime time;
    SimHost host;
    gboolean up, graceful;
} LogEntry;

static void watch_changed(void *ctx, SimHost host, gboolean up, gboolean graceful)
{
    Watch *w = ctx;
    SimTime now = sim_now(w->sim);
    w->changes++;
    if (w->log) {
        LogEntry e = { now, host, up, graceful };
        g_array_append_val(w->log, e);
    }
    if (!up) {
        w->first_departure = MIN(w->first_departure, now);
        w->graceful += graceful;
        w->session_sum += sim_time_to_s(now - w->since[host]);
        w->sessions++;
    } else if (w->since[host] >= 0) {
        w->down_sum += sim_time_to_s(now - w->since[host]);
        w->downs++;
    }
    w->since[host] = now;
}

static void watch_init(Watch *w, Sim *sim, gboolean log)
{
    memset(w, 0, sizeof *w);
    w->sim = sim;
    w->since = g_new(SimTime, sim_hosts(sim));
    for (guint h = 0; h < sim_hosts(sim); h++)
        w->since[h] = -1;
    w->first_departure = SIM_TIME_NEVER;
    w->log = log ? g_array_new(FALSE, FALSE, sizeof(LogEntry)) : NULL;
    static const SimObserver obs = { NULL, watch_changed };
    sim_add_observer(sim, &obs, w);
}

static void watch_free(Watch *w)
{
    g_free(w->since);
    if (w->log)
        g_array_free(w->log, TRUE);
}

/* Exponential sessions (mean 10 min) and down times (mean 5 min): observed means within 1%,
 * availability 2/3. */
static void test_exponential_sessions_and_downtimes_have_their_means(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 200\n[workload]\njoin = instant\n"
                                    "[churn]\nmodel = sessions\nsession = exponential\n"
                                    "session_mean = 10min\ndowntime = exponential\n"
                                    "downtime_mean = 5min\n");
    Watch w;
    watch_init(&w, sim, FALSE);
    sim_run(sim, 1000 * SIM_H);
    CU_ASSERT(w.sessions > 500000);
    model_report("exp sessions 10min: observed mean s", w.session_sum / w.sessions, 600);
    model_report("exp downtimes 5min: observed mean s", w.down_sum / w.downs, 300);
    model_report("availability: hosts up at the end / nodes", sim_hosts_up(sim) / 200.0, 2.0 / 3);
    ASSERT_REL(w.session_sum / w.sessions, 600, 0.01);
    ASSERT_REL(w.down_sum / w.downs, 300, 0.01);
    ASSERT_REL((double) sim_hosts_up(sim) / 200, 2.0 / 3, 0.1);
    CU_ASSERT(sim_check_conservation(sim, NULL));
    watch_free(&w);
    model_world_free(&mw);
}

/* The KAD preset: Weibull(0.61511, 169.5385 min) sessions, mean 247.1 min. */
static void test_kad_sessions_have_mean_247_minutes(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 500\n[workload]\njoin = instant\n"
                                    "[churn]\nmodel = sessions\nsession = kad\n"
                                    "first_session = fresh\ndowntime = exponential\n"
                                    "downtime_mean = 10min\n");
    Watch w;
    watch_init(&w, sim, FALSE);
    sim_run(sim, 2000 * SIM_H);
    CU_ASSERT(w.sessions > 100000);
    model_report("kad sessions in a run: observed mean min", w.session_sum / w.sessions / 60,
                 247.14);
    ASSERT_REL(w.session_sum / w.sessions / 60, 247.14, 0.02);
    ASSERT_REL(w.down_sum / w.downs / 60, 10, 0.02);
    watch_free(&w);
    model_world_free(&mw);
}

static void test_no_host_leaves_before_start(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 100\n[workload]\njoin = instant\n"
                                    "[churn]\nmodel = sessions\nstart = 1h\n"
                                    "session = exponential\nsession_mean = 1min\n"
                                    "downtime = exponential\ndowntime_mean = 1min\n");
    Watch w;
    watch_init(&w, sim, FALSE);
    sim_run(sim, 2 * SIM_H);
    CU_ASSERT(w.first_departure >= SIM_H);
    CU_ASSERT(w.first_departure < SIM_H + SIM_MIN);
    CU_ASSERT(w.sessions > 1000);
    watch_free(&w);
    model_world_free(&mw);
}

/* Departures in the first `window` after start, of 10000 hosts that never come back. */
static guint64 early_departures(const char *first_session, SimTime window)
{
    g_autofree char *ini = g_strdup_printf(
        "[simulation]\nnodes = 10000\n[workload]\njoin = instant\n"
        "[churn]\nmodel = sessions\nstart = 1h\nsession = kad\nfirst_session = %s\n"
        "downtime = exponential\ndowntime_mean = 36500d\n", first_session);
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, ini);
    Watch w;
    watch_init(&w, sim, FALSE);
    sim_run(sim, SIM_H + window);
    guint64 n = w.sessions;
    watch_free(&w);
    model_world_free(&mw);
    return n;
}

/* Residual first sessions leave at the stationary rate: P(residual < t) = int_0^t (1-F) / mean;
 * fresh ones at F(t), four times as many over 10 minutes for KAD's shape 0.6. */
static void test_residual_first_sessions_avoid_a_burst_of_departures(void)
{
    SimDist kad = sim_dist_weibull(0.61511, 169.5385);  /* minutes */
    double window = 10, integral = 0, step = window / 10000;
    for (double x = step / 2; x < window; x += step)
        integral += (1 - sim_dist_cdf(&kad, x)) * step;
    double p_residual = integral / sim_dist_mean(&kad), p_fresh = sim_dist_cdf(&kad, window);
    guint64 residual = early_departures("residual", 10 * SIM_MIN);
    guint64 fresh = early_departures("fresh", 10 * SIM_MIN);
    model_report("residual first sessions: departures in 10 min", residual, 10000 * p_residual);
    model_report("fresh first sessions: departures in 10 min", fresh, 10000 * p_fresh);
    CU_ASSERT(fabs(residual - 10000 * p_residual) < 4 * sqrt(10000 * p_residual));
    CU_ASSERT(fabs(fresh - 10000 * p_fresh) < 4 * sqrt(10000 * p_fresh));
    CU_ASSERT(fresh > 3 * residual);
}

static void test_graceful_leave_is_passed_to_the_protocol(void)
{
    const char *ini = "[simulation]\nnodes = 50\n[workload]\njoin = instant\n"
                      "[churn]\nmodel = sessions\nleave = %s\nsession = exponential\n"
                      "session_mean = 1min\ndowntime = exponential\ndowntime_mean = 1min\n";
    for (int graceful = 0; graceful <= 1; graceful++) {
        g_autofree char *text = g_strdup_printf(ini, graceful ? "graceful" : "crash");
        ModelWorld mw;
        Sim *sim = model_world_new(&mw, text);
        sim_run(sim, SIM_H);
        const FakeStats *st = fake_protocol_stats(sim);
        CU_ASSERT(st->downs > 100);
        CU_ASSERT_EQUAL(st->graceful_downs, graceful ? st->downs : 0);
        model_world_free(&mw);
    }
}

/* Same seed, same sequence of host changes; another seed, another. */
static guint64 churn_fingerprint(int seed)
{
    g_autofree char *ini = g_strdup_printf(
        "[simulation]\nnodes = 100\nseed = %d\n[workload]\njoin = rate\njoin_rate = 10\n"
        "[churn]\nmodel = sessions\nsession = kad\ndowntime = kad\n", seed);
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, ini);
    Watch w;
    watch_init(&w, sim, TRUE);
    sim_run(sim, 100 * SIM_H);
    guint64 h = w.log->len;
    for (guint i = 0; i < w.log->len; i++) {
        const LogEntry *e = &g_array_index(w.log, LogEntry, i);
        h = sim_mix64(h ^ (uint64_t) e->time ^ ((uint64_t) e->host << 1) ^ (uint64_t) e->up);
    }
    watch_free(&w);
    model_world_free(&mw);
    return h;
}

static void test_same_seed_gives_same_churn(void)
{
    CU_ASSERT_EQUAL(churn_fingerprint(5), churn_fingerprint(5));
    CU_ASSERT_NOT_EQUAL(churn_fingerprint(5), churn_fingerprint(6));
}

static void test_trace_replays_in_file_order(void)
{
    ModelWorld mw;
    Sim *sim = model_world_new(&mw, "[simulation]\nnodes = 5\n[workload]\njoin = none\n"
                                    "[churn]\nmodel = trace\ntrace = " TRACE_FILE "\n");
    Watch w;
    watch_init(&w, sim, TRUE);
    sim_run(sim, 2 * SIM_H);
    static const LogEntry expected[] = {
        { 0, 0, TRUE, FALSE },
        { 0, 1, TRUE, FALSE },
        { 0, 2, TRUE, FALSE },
        { 1500 * SIM_MS, 3, TRUE, FALSE },
        { 90 * SIM_S, 1, FALSE, TRUE },
        { 90 * SIM_S, 2, FALSE, FALSE },
        { 90 * SIM_S, 1, TRUE, FALSE },
        { 2 * SIM_MIN, 4, TRUE, FALSE },
        { SIM_H, 0, FALSE, FALSE },
        { SIM_H, 2, TRUE, FALSE },
    };
    CU_ASSERT_EQUAL_FATAL(w.log->len, G_N_ELEMENTS(expected));
    for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
        const LogEntry *e = &g_array_index(w.log, LogEntry, i);
        CU_ASSERT_EQUAL(e->time, expected[i].time);
        CU_ASSERT_EQUAL(e->host, expected[i].host);
        CU_ASSERT_EQUAL(e->up, expected[i].up);
        CU_ASSERT_EQUAL(e->graceful, expected[i].graceful);
    }
    CU_ASSERT_EQUAL(sim_hosts_up(sim), 4);
    watch_free(&w);
    model_world_free(&mw);
}

/* ---- errors ---------------------------------------------------------------------------- */

/* A trace with `line` as its second line fails naming the file, line 2 and [churn] trace. */
static void expect_trace_error(const char *line, const char *why)
{
    g_autofree char *text = g_strdup_printf("0 0 join\n%s\n", line);
    char *path = model_temp_file("trace.txt", text);
    g_autofree char *ini = g_strdup_printf("[simulation]\nnodes = 5\n[workload]\njoin = none\n"
                                           "[churn]\nmodel = trace\ntrace = %s\n", path);
    g_autofree char *where = g_strdup_printf("%s:2:", path);
    model_expect_error(ini, "[churn] trace", where, why, NULL);
    model_temp_remove(path);
}

static void test_malformed_trace_lines_are_errors_naming_file_and_line(void)
{
    expect_trace_error("5s 1 reboot", "join, leave or crash");
    expect_trace_error("5s 9 join", "host");
    expect_trace_error("5 parsecs 1 join", "three fields");
    expect_trace_error("5x 1 join", "time");
}

static void test_trace_going_back_in_time_is_an_error(void)
{
    char *path = model_temp_file("trace.txt", "10s 0 join\n5s 1 join\n");
    g_autofree char *ini = g_strdup_printf("[simulation]\nnodes = 5\n[churn]\nmodel = trace\n"
                                           "trace = %s\n", path);
    model_expect_error(ini, "[churn] trace", ":2:", "backwards", NULL);
    model_temp_remove(path);
}

static void test_missing_trace_file_is_an_error_naming_the_key(void)
{
    model_expect_error("[churn]\nmodel = trace\ntrace = /nonexistent/trace.txt\n",
                       "[churn] trace", "/nonexistent/trace.txt", NULL);
    model_expect_error("[churn]\nmodel = trace\n", "[churn] trace", "set trace", NULL);
}

static void test_unknown_churn_key_is_an_error_naming_it(void)
{
    model_expect_error("[churn]\nmodel = sessions\nsesion = kad\n", "'sesion'",
                       "did you mean 'session'", NULL);
}

static void test_duration_with_unknown_unit_is_an_error_naming_the_key(void)
{
    model_expect_error("[churn]\nmodel = sessions\nsession = exponential\n"
                       "session_mean = 10 minutes\n", "[churn] session_mean", "unit", NULL);
}

static void test_out_of_range_shape_is_an_error_naming_the_key(void)
{
    model_expect_error("[churn]\nmodel = sessions\nsession = weibull\nsession_shape = 0\n",
                       "[churn] session_shape", "out of range", NULL);
}

static void test_parameter_of_another_family_is_an_only_if_error(void)
{
    model_expect_error("[churn]\nmodel = sessions\nsession = exponential\nsession_shape = 2\n",
                       "[churn] session_shape", "applies only when session = weibull|pareto",
                       NULL);
}

/* session_shape needs session = weibull (its default), and session needs model = sessions. */
static void test_session_keys_without_sessions_model_are_an_only_if_error(void)
{
    model_expect_error("[churn]\nsession_shape = 2\n", "[churn] session_shape",
                       "applies only when model = sessions", NULL);
}

static void test_residual_of_infinite_mean_pareto_is_an_error(void)
{
    model_expect_error("[churn]\nmodel = sessions\nsession = pareto\nsession_shape = 0.8\n",
                       "[churn] first_session", "finite mean", NULL);
}

/* Hosts up after replaying the trace `text` (len bytes) for an hour, or -1 when refused (then
 * the message must hold `why`). */
static int hosts_up_after_trace(const char *text, gssize len, const char *why)
{
    char *path = model_temp_file("trace.txt", "");
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, len, NULL));
    g_autofree char *ini = g_strdup_printf("[simulation]\nnodes = 5\n[workload]\njoin = none\n"
                                           "[churn]\nmodel = trace\ntrace = %s\n", path);
    int up = -1;
    if (why) {
        model_expect_error(ini, "[churn] trace", path, why, NULL);
    } else {
        ModelWorld mw;
        Sim *sim = model_world_new(&mw, ini);
        sim_run(sim, SIM_H);
        up = (int) sim_hosts_up(sim);
        model_world_free(&mw);
    }
    model_temp_remove(path);
    return up;
}

static void test_trace_with_a_nul_byte_is_an_error_naming_file_and_line(void)
{
    static const char text[] = "0 0 join\n1s 1 join\n\0 2 join\n";
    hosts_up_after_trace(text, sizeof text - 1, "line 3 holds a NUL byte");
}

static void test_trace_with_cr_line_ends_replays_as_with_lf(void)
{
    CU_ASSERT_EQUAL(hosts_up_after_trace("0 0 join\n1s 1 join\n2s 2 join\n", -1, NULL), 3);
    CU_ASSERT_EQUAL(hosts_up_after_trace("0 0 join\r1s 1 join\r2s 2 join\r", -1, NULL), 3);
    hosts_up_after_trace("0 0 join\n1s 1 join\r2s 2 join\n", -1,
                         "line 2 holds a carriage return");
}

static CU_TestInfo tests[] = {
    TEST(test_exponential_sessions_and_downtimes_have_their_means),
    TEST(test_kad_sessions_have_mean_247_minutes),
    TEST(test_no_host_leaves_before_start),
    TEST(test_residual_first_sessions_avoid_a_burst_of_departures),
    TEST(test_graceful_leave_is_passed_to_the_protocol),
    TEST(test_same_seed_gives_same_churn),
    TEST(test_trace_replays_in_file_order),
    TEST(test_malformed_trace_lines_are_errors_naming_file_and_line),
    TEST(test_trace_going_back_in_time_is_an_error),
    TEST(test_missing_trace_file_is_an_error_naming_the_key),
    TEST(test_trace_with_a_nul_byte_is_an_error_naming_file_and_line),
    TEST(test_trace_with_cr_line_ends_replays_as_with_lf),
    TEST(test_unknown_churn_key_is_an_error_naming_it),
    TEST(test_duration_with_unknown_unit_is_an_error_naming_the_key),
    TEST(test_out_of_range_shape_is_an_error_naming_the_key),
    TEST(test_parameter_of_another_family_is_an_only_if_error),
    TEST(test_session_keys_without_sessions_model_are_an_only_if_error),
    TEST(test_residual_of_infinite_mean_pareto_is_an_error),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_churn", tests)
