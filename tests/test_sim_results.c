/* Tests of sim_results (the results folder) and sim_stats (its statistics).
 *
 * The runs use a small "walk" protocol defined here: an operation is a chain of 1 to 5
 * request/reply exchanges with random hosts, each answered after a random processing delay, and
 * a host crashes now and then (and comes back), so operations have varied hops and latencies,
 * some time out and fail, and several message types carry bytes. Set KADSIM_TEST_KEEP=1 to keep
 * the folders (their paths are printed) and look at them. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cunit_main.h"
#include "sim.h"
#include "sim_results.h"
#include "sim_stats.h"

/* ---- the walk protocol ---------------------------------------------------------------- */

enum { WALK_FIND, WALK_FOUND, WALK_PING, WALK_TYPES };
static const uint32_t walk_bytes[WALK_TYPES] = { 80, 300, 40 };
#define WALK_MAX_HOPS 5
#define WALK_TIMEOUT (SIM_S / 2)
#define WALK_MAX_TIMEOUTS 2
#define WALK_CRASH_EVERY (7 * SIM_S)
#define WALK_DOWNTIME (15 * SIM_S)

typedef struct {
    SimOp op;
    uint32_t target_hops;
    SimTimerId timer;
    gboolean open;
} WalkOp;

typedef struct {
    Sim *sim;
    uint16_t types[WALK_TYPES];
    uint16_t reply_kind, timeout_kind, crash_kind, revive_kind;
    GArray *ops;  /* WalkOp[], indexed by payload */
    SimRngState rng;
} Walk;

static void walk_step(Walk *w, uint32_t idx);

static void walk_finish(Walk *w, WalkOp *o, gboolean ok)
{
    o->open = FALSE;
    o->op.end = sim_now(w->sim);
    o->op.success = ok;
    if (o->op.kind == SIM_OP_LOOKUP)  /* "correct" applies to lookups: 9 in 10 when ok */
        o->op.correct = ok && sim_rng_state_below(&w->rng, 10) != 0;
    sim_op_end(w->sim, &o->op);
}

static void walk_step(Walk *w, uint32_t idx)
{
    WalkOp *o = &g_array_index(w->ops, WalkOp, idx);
    SimHost peer = sim_random_up_host(w->sim, &w->rng, o->op.origin);
    o->timer = sim_schedule_cancellable(w->sim, sim_now(w->sim) + WALK_TIMEOUT, w->timeout_kind,
                                        o->op.origin, idx, o->op.origin);
    if (peer == SIM_HOST_NONE)
        return;
    o->op.messages++;
    sim_send(w->sim, o->op.origin, peer, w->types[WALK_FIND], walk_bytes[WALK_FIND], idx);
}

static void walk_on_timeout(Sim *sim, void *ctx, const SimEvent *ev)
{
    Walk *w = ctx;
    WalkOp *o = &g_array_index(w->ops, WalkOp, ev->data);
    if (!o->open)
        return;
    if (++o->op.timeouts >= WALK_MAX_TIMEOUTS)
        walk_finish(w, o, FALSE);
    else
        walk_step(w, (uint32_t) ev->data);
}

/* The reply leaves after a processing delay: event target = the answering host. */
static void walk_on_reply_due(Sim *sim, void *ctx, const SimEvent *ev)
{
    Walk *w = ctx;
    WalkOp *o = &g_array_index(w->ops, WalkOp, ev->data);
    if (!sim_host_is_up(sim, ev->target))
        return;
    o->op.messages++;
    sim_send(sim, ev->target, o->op.origin, w->types[WALK_FOUND], walk_bytes[WALK_FOUND],
             (uint32_t) ev->data);
}

static void walk_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    Walk *w = self;
    if (type == w->types[WALK_PING])
        return;
    WalkOp *o = &g_array_index(w->ops, WalkOp, payload);
    if (type == w->types[WALK_FIND]) {
        SimTime think = sim_time_from_s(0.02 * -log1p(-sim_rng_state_uniform(&w->rng)));
        sim_schedule(w->sim, sim_now(w->sim) + think, w->reply_kind, dst, payload, dst);
        return;
    }
    if (!o->open)
        return;
    sim_cancel(w->sim, o->timer);
    if (++o->op.hops == o->target_hops)
        walk_finish(w, o, TRUE);
    else
        walk_step(w, payload);
}

static void walk_start_op(void *self, SimOpKind kind, SimHost origin, uint64_t key)
{
    Walk *w = self;
    WalkOp o = { .op = { .id = sim_op_begin(w->sim), .kind = kind, .origin = origin, .key = key,
                         .start = sim_now(w->sim), .correct = -1 },
                 .target_hops = 1 + sim_rng_state_below(&w->rng, WALK_MAX_HOPS), .open = TRUE };
    g_array_append_val(w->ops, o);
    walk_step(w, w->ops->len - 1);
}

static void walk_on_crash(Sim *sim, void *ctx, const SimEvent *ev)
{
    Walk *w = ctx;
    SimHost victim = sim_random_up_host(sim, &w->rng, SIM_HOST_NONE);
    if (victim != SIM_HOST_NONE) {
        sim_host_down(sim, victim, sim_rng_state_below(&w->rng, 2));
        sim_schedule(sim, sim_now(sim) + WALK_DOWNTIME, w->revive_kind, victim, 0, victim);
    }
    sim_schedule(sim, sim_now(sim) + WALK_CRASH_EVERY, w->crash_kind, 0, 0, SIM_ORIGIN_CHURN);
}

static void walk_on_revive(Sim *sim, void *ctx, const SimEvent *ev)
{
    sim_host_up(sim, ev->target, TRUE);
}

static void walk_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh)
{
    Walk *w = self;
    SimOp join = { .id = sim_op_begin(w->sim), .kind = SIM_OP_JOIN, .origin = host,
                   .start = sim_now(w->sim), .end = sim_now(w->sim), .success = TRUE,
                   .correct = -1 };
    if (bootstrap != SIM_HOST_NONE) {
        sim_send(w->sim, host, bootstrap, w->types[WALK_PING], walk_bytes[WALK_PING], 0);
        join.hops = join.messages = 1;
    }
    sim_op_end(w->sim, &join);
}

static void *walk_create(Sim *sim, const SimConfig *cfg, GError **error)
{
    static const char *names[WALK_TYPES] = { "FIND", "FOUND", "PING" };
    Walk *w = g_new0(Walk, 1);
    w->sim = sim;
    for (int t = 0; t < WALK_TYPES; t++)
        w->types[t] = sim_msg_type_register(sim, names[t]);
    w->reply_kind = sim_register_handler(sim, "walk-reply", walk_on_reply_due, w);
    w->timeout_kind = sim_register_handler(sim, "walk-timeout", walk_on_timeout, w);
    w->crash_kind = sim_register_handler(sim, "walk-crash", walk_on_crash, w);
    w->revive_kind = sim_register_handler(sim, "walk-revive", walk_on_revive, w);
    w->ops = g_array_new(FALSE, TRUE, sizeof(WalkOp));
    sim_stream_state(sim, "walk", 0, &w->rng);
    sim_schedule(sim, WALK_CRASH_EVERY, w->crash_kind, 0, 0, SIM_ORIGIN_CHURN);
    return w;
}

static void walk_free(void *self)
{
    Walk *w = self;
    g_array_free(w->ops, TRUE);
    g_free(w);
}

/* The host's open operations fail with it. */
static void walk_host_down(void *self, SimHost host, gboolean graceful)
{
    Walk *w = self;
    for (guint i = 0; i < w->ops->len; i++) {
        WalkOp *o = &g_array_index(w->ops, WalkOp, i);
        if (o->open && o->op.origin == host) {
            sim_cancel(w->sim, o->timer);
            walk_finish(w, o, FALSE);
        }
    }
}
static void walk_discard(void *self, uint32_t payload, SimFate fate) {}
static gsize walk_memory(const void *self) { return 0; }
static void walk_declare(SimConfig *cfg) {}

static const SimProtocolClass walk_protocol = {
    "walk", walk_declare, walk_create, walk_free, walk_host_up, walk_host_down, walk_deliver,
    walk_discard, walk_start_op, walk_memory, NULL, NULL, NULL, NULL, NULL, FALSE, NULL, NULL,
    NULL, NULL, NULL,
};

/* ---- running a scenario into a folder -------------------------------------------------- */

#define WARMUP_S 20.0
static const char scenario[] =
    "[simulation]\nseed = 11\nnodes = 40\nduration = 95s\nwarmup = 20s\n"
    "[workload]\njoin = ramp\njoin_ramp = 10s\nstart = 5s\nrate_unit = network\n"
    "lookup_rate = 20\nstore_rate = 2\nget_rate = 5\nkeys = 50\n"
    "[output]\ninterval = 10s\n";

typedef struct {
    uint64_t ops;
    uint64_t stop_after;  /* ask the run to stop after this many operations (0: never) */
    Sim *sim;
} Counter;

static void count_op(void *ctx, const SimOp *op)
{
    Counter *c = ctx;
    if (++c->ops == c->stop_after)
        sim_request_stop(c->sim);
}

static SimConfig *config_for(const char *ini, const char *extra_set)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    sim_results_declare(cfg);
    CU_ASSERT_FATAL(sim_config_load_data(cfg, "walk-test.ini", ini, NULL));
    if (extra_set)
        CU_ASSERT_FATAL(sim_config_set_override(cfg, extra_set, NULL));
    return cfg;
}

static gboolean exists_in(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL);
    gboolean e = g_file_test(p, G_FILE_TEST_EXISTS);
    g_free(p);
    return e;
}

/* Run the scenario into dir. Returns the number of operations reported; *res_out (if given)
 * receives the finished results, which the caller frees with *sim_out. */
static uint64_t run_into(const char *dir, const char *extra_set, uint64_t stop_after,
                         gboolean force, Sim **sim_out, SimResults **res_out)
{
    SimConfig *cfg = config_for(scenario, extra_set);
    Sim *sim = sim_new(cfg, &walk_protocol, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Counter counter = { .stop_after = stop_after, .sim = sim };
    SimObserver obs = { .op_done = count_op };
    sim_add_observer(sim, &obs, &counter);
    SimResultsOptions opt = { .force = force, .header = "test" };
    GError *error = NULL;
    SimResults *res = sim_results_new(sim, dir, &opt, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    SimStopReason why = sim_run(sim, sim_config_get_duration(cfg, "simulation", "duration"));
    CU_ASSERT_TRUE(sim_results_finish(res, why, &error));
    /* a complete run's folder keeps PARTIAL until its writer has added its own files */
    CU_ASSERT_EQUAL(exists_in(dir, SIM_PARTIAL), TRUE);
    if (!sim_results_partial(res))
        CU_ASSERT_TRUE(sim_folder_complete(dir, &error));
    if (res_out) {
        *res_out = res;
        *sim_out = sim;
    } else {
        sim_results_free(res);
        sim_free(sim);
        sim_config_free(cfg);
    }
    return counter.ops;
}

static void free_run(Sim *sim, SimResults *res)
{
    const SimConfig *cfg = sim_config(sim);
    sim_results_free(res);
    sim_free(sim);
    sim_config_free((SimConfig *) cfg);
}

static char *temp_dir(void)
{
    char *d = g_dir_make_tmp("kadsim-results-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    return d;
}

static void remove_tree(const char *dir)
{
    if (g_getenv("KADSIM_TEST_KEEP")) {
        printf("\n  kept %s\n", dir);
        return;
    }
    GDir *d = g_dir_open(dir, 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
        char *p = g_build_filename(dir, n, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            remove_tree(p);
        else
            g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

/* A results folder in a fresh temporary folder (the folder itself does not exist yet). */
static char *results_dir(char **parent)
{
    *parent = temp_dir();
    return g_build_filename(*parent, "out", NULL);
}

/* ---- reading CSV ---------------------------------------------------------------------- */

typedef struct {
    char **header;
    GPtrArray *rows;  /* char** each */
} Csv;

static Csv *csv_read(const char *dir, const char *name)
{
    char *path = g_build_filename(dir, name, NULL), *text = NULL;
    gboolean ok = g_file_get_contents(path, &text, NULL, NULL);
    CU_ASSERT_TRUE_FATAL(ok);
    g_free(path);
    Csv *csv = g_new0(Csv, 1);
    csv->rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    CU_ASSERT_TRUE(g_str_has_suffix(text, "\n"));
    char **lines = g_strsplit(text, "\n", -1);
    g_free(text);
    csv->header = g_strsplit(lines[0], ",", -1);
    for (int i = 1; lines[i] && *lines[i]; i++) {
        char **row = g_strsplit(lines[i], ",", -1);
        CU_ASSERT_EQUAL(g_strv_length(row), g_strv_length(csv->header));
        g_ptr_array_add(csv->rows, row);
    }
    g_strfreev(lines);
    return csv;
}

static void csv_free(Csv *csv)
{
    g_strfreev(csv->header);
    g_ptr_array_free(csv->rows, TRUE);
    g_free(csv);
}

static int csv_col(const Csv *csv, const char *name)
{
    for (int i = 0; csv->header[i]; i++)
        if (strcmp(csv->header[i], name) == 0)
            return i;
    CU_FAIL_FATAL("no such column");
    return -1;
}

static const char *csv_get(const Csv *csv, guint row, const char *col)
{
    return ((char **) g_ptr_array_index(csv->rows, row))[csv_col(csv, col)];
}

static double csv_num(const Csv *csv, guint row, const char *col)
{
    const char *v = csv_get(csv, row, col);
    return *v ? g_ascii_strtod(v, NULL) : NAN;
}

/* A row of summary.csv by metric name: column 1 value, 2 low, 3 high. */
static double summary_field(const Csv *s, const char *metric, int field)
{
    for (guint r = 0; r < s->rows->len; r++) {
        char **row = g_ptr_array_index(s->rows, r);
        if (strcmp(row[0], metric) == 0)
            return *row[field] ? g_ascii_strtod(row[field], NULL) : NAN;
    }
    CU_FAIL("metric missing from summary.csv");
    return NAN;
}

static gboolean has_tmp_files(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    gboolean found = FALSE;
    for (const char *n; d && (n = g_dir_read_name(d));)
        found |= g_str_has_suffix(n, ".tmp");
    if (d)
        g_dir_close(d);
    return found;
}

/* ---- statistics ----------------------------------------------------------------------- */

static void test_wilson_interval_matches_a_worked_example(void)
{
    /* 81 successes of 263: Wilson 95% interval (0.2553, 0.3662), computed by hand */
    SimEstimate e = sim_stats_proportion_ci(81, 263);
    CU_ASSERT_DOUBLE_EQUAL(e.value, 81.0 / 263, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(e.low, 0.25527, 1e-4);
    CU_ASSERT_DOUBLE_EQUAL(e.high, 0.36622, 1e-4);
}

static void test_wilson_interval_is_exact_at_zero_and_all(void)
{
    SimEstimate none = sim_stats_proportion_ci(0, 50), all = sim_stats_proportion_ci(50, 50);
    CU_ASSERT_EQUAL(none.low, 0.0);
    CU_ASSERT_TRUE(none.high > 0 && none.high < 0.1);
    CU_ASSERT_EQUAL(all.high, 1.0);
    CU_ASSERT_TRUE(isnan(sim_stats_proportion_ci(0, 0).value));
}

static void test_mean_interval_uses_student_t(void)
{
    /* t(0.975, 24) = 2.063899 */
    SimEstimate e = sim_stats_mean_ci(10.0, 2.0, 25);
    CU_ASSERT_DOUBLE_EQUAL(e.low, 10.0 - 2.063899 * 2.0 / 5.0, 1e-5);
    CU_ASSERT_DOUBLE_EQUAL(e.high, 10.0 + 2.063899 * 2.0 / 5.0, 1e-5);
    CU_ASSERT_TRUE(isnan(sim_stats_mean_ci(3.0, NAN, 1).low));
}

static void test_quantile_interval_takes_order_statistics_around_the_rank(void)
{
    float x[100];
    for (int i = 0; i < 100; i++)
        x[i] = (float) (i + 1);  /* x_(i) = i */
    SimEstimate e = sim_stats_float_quantile_ci(x, 100, 0.5);
    CU_ASSERT_DOUBLE_EQUAL(e.value, 50.5, 1e-9);
    /* ranks 50 -+ 1.96 * 5 -> 40 and 60 */
    CU_ASSERT_DOUBLE_EQUAL(e.low, 40, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(e.high, 60, 1e-9);
    /* p99 of 100 samples: no upper order statistic exists */
    CU_ASSERT_TRUE(isnan(sim_stats_float_quantile_ci(x, 100, 0.99).high));
}

static void test_moments_match_the_two_pass_formulas(void)
{
    static const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    SimMoments m = { 0 };
    for (gsize i = 0; i < G_N_ELEMENTS(v); i++)
        sim_moments_add(&m, v[i]);
    CU_ASSERT_DOUBLE_EQUAL(m.mean, 5.0, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(sim_moments_sd(&m), sqrt(32.0 / 7.0), 1e-12);
}

/* ---- the folder's files --------------------------------------------------------------- */

static void test_ops_csv_has_the_documented_header_and_a_row_per_operation(void)
{
    char *parent, *dir = results_dir(&parent);
    uint64_t n = run_into(dir, NULL, 0, FALSE, NULL, NULL);
    Csv *ops = csv_read(dir, "ops.csv");
    char *header = g_strjoinv(",", ops->header);
    CU_ASSERT_STRING_EQUAL(header, "op,time_s,kind,origin,key,hops,latency_ms,messages,timeouts,"
                                   "success,correct");
    CU_ASSERT_TRUE(n > 500);
    CU_ASSERT_EQUAL(ops->rows->len, n);
    /* correct is empty except for lookups */
    for (guint r = 0; r < ops->rows->len; r++)
        if (strcmp(csv_get(ops, r, "kind"), "lookup") != 0)
            CU_ASSERT_STRING_EQUAL(csv_get(ops, r, "correct"), "");
    g_free(header);
    csv_free(ops);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_timeseries_has_a_row_per_interval_and_a_shorter_last_one(void)
{
    char *parent, *dir = results_dir(&parent);
    run_into(dir, NULL, 0, FALSE, NULL, NULL);
    Csv *ts = csv_read(dir, "timeseries.csv");
    CU_ASSERT_EQUAL(ts->rows->len, 10);  /* 95 s in 10 s intervals */
    CU_ASSERT_DOUBLE_EQUAL(csv_num(ts, 9, "time_s"), 90, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(csv_num(ts, 9, "duration_s"), 5, 1e-9);
    CU_ASSERT_TRUE(csv_col(ts, "bytes_FIND") > 0 && csv_col(ts, "messages_PING") > 0);
    /* the ramp brings the 40 hosts up in the first interval */
    CU_ASSERT_DOUBLE_EQUAL(csv_num(ts, 0, "joins"), 40, 1e-9);
    csv_free(ts);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_timeseries_message_columns_add_up_to_the_engine_counters(void)
{
    char *parent, *dir = results_dir(&parent);
    Sim *sim;
    SimResults *res;
    run_into(dir, NULL, 0, FALSE, &sim, &res);
    Csv *ts = csv_read(dir, "timeseries.csv");
    static const char *types[] = { "FIND", "FOUND", "PING" };
    uint64_t all = 0;
    for (guint t = 0; t < G_N_ELEMENTS(types); t++) {
        double msgs = 0, bytes = 0;
        char *mcol = g_strdup_printf("messages_%s", types[t]);
        char *bcol = g_strdup_printf("bytes_%s", types[t]);
        for (guint r = 0; r < ts->rows->len; r++) {
            msgs += csv_num(ts, r, mcol);
            bytes += csv_num(ts, r, bcol);
        }
        const SimMsgCounters *c = sim_msg_counters(sim, (uint16_t) t);
        CU_ASSERT_EQUAL((uint64_t) msgs, c->sent);
        CU_ASSERT_EQUAL((uint64_t) bytes, c->bytes_sent);
        all += c->sent;
        g_free(mcol);
        g_free(bcol);
    }
    double total = 0;
    for (guint r = 0; r < ts->rows->len; r++)
        total += csv_num(ts, r, "messages");
    CU_ASSERT_EQUAL((uint64_t) total, all);
    csv_free(ts);
    free_run(sim, res);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted values, written out here rather than taken from GSL. */
static double quantile7(const double *x, guint n, double p)
{
    double h = (n - 1) * p;
    guint lo = (guint) floor(h);
    return lo + 1 < n ? x[lo] + (h - lo) * (x[lo + 1] - x[lo]) : x[lo];
}

static void test_summary_matches_statistics_computed_from_ops_csv(void)
{
    char *parent, *dir = results_dir(&parent);
    run_into(dir, NULL, 0, FALSE, NULL, NULL);
    Csv *ops = csv_read(dir, "ops.csv"), *sum = csv_read(dir, "summary.csv");
    GArray *hops = g_array_new(FALSE, FALSE, sizeof(double));
    GArray *lat = g_array_new(FALSE, FALSE, sizeof(double));
    guint lookups = 0, ok = 0, correct = 0, gets = 0, gets_ok = 0;
    double messages = 0;
    for (guint r = 0; r < ops->rows->len; r++) {
        if (csv_num(ops, r, "time_s") < WARMUP_S)
            continue;
        const char *kind = csv_get(ops, r, "kind");
        gboolean success = csv_num(ops, r, "success") == 1;
        if (strcmp(kind, "get") == 0) {
            gets++;
            gets_ok += success;
        }
        if (strcmp(kind, "lookup") != 0)
            continue;
        lookups++;
        messages += csv_num(ops, r, "messages");
        correct += csv_num(ops, r, "correct") == 1;
        if (!success)
            continue;
        ok++;
        double h = csv_num(ops, r, "hops"), l = csv_num(ops, r, "latency_ms");
        g_array_append_val(hops, h);
        g_array_append_val(lat, l);
    }
    CU_ASSERT_TRUE_FATAL(ok > 100 && ok < lookups);  /* the scenario has failures */
    qsort(hops->data, hops->len, sizeof(double), cmp_double);
    qsort(lat->data, lat->len, sizeof(double), cmp_double);
    double hsum = 0, lsum = 0;
    for (guint i = 0; i < ok; i++) {
        hsum += g_array_index(hops, double, i);
        lsum += g_array_index(lat, double, i);
    }
    CU_ASSERT_EQUAL(summary_field(sum, "lookups", 1), lookups);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "lookup_success_rate", 1), (double) ok / lookups,
                           1e-8);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "lookup_correct_rate", 1),
                           (double) correct / lookups, 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "get_success_rate", 1), (double) gets_ok / gets,
                           1e-8);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "hops_mean", 1), hsum / ok, 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "hops_p50", 1),
                           quantile7((double *) hops->data, ok, 0.5), 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "messages_per_lookup", 1), messages / lookups, 1e-6);
    /* latencies are kept as floats: equal to a microsecond */
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "latency_ms_mean", 1), lsum / ok, 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "latency_ms_p50", 1),
                           quantile7((double *) lat->data, ok, 0.5), 1e-3);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "latency_ms_p99", 1),
                           quantile7((double *) lat->data, ok, 0.99), 1e-3);
    /* the Wilson interval, from its formula */
    double z = 1.959963984540054, n = lookups, p = ok / n;
    double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    double half = z / (1 + z * z / n) * sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "lookup_success_rate", 2), centre - half, 1e-8);
    CU_ASSERT_DOUBLE_EQUAL(summary_field(sum, "lookup_success_rate", 3), centre + half, 1e-8);
    /* the mean's interval holds the mean */
    CU_ASSERT_TRUE(summary_field(sum, "hops_mean", 2) < hsum / ok);
    CU_ASSERT_TRUE(summary_field(sum, "hops_mean", 3) > hsum / ok);
    g_array_free(hops, TRUE);
    g_array_free(lat, TRUE);
    csv_free(ops);
    csv_free(sum);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_hops_and_latency_tables_describe_the_successful_lookups(void)
{
    char *parent, *dir = results_dir(&parent);
    Sim *sim;
    SimResults *res;
    run_into(dir, NULL, 0, FALSE, &sim, &res);
    Csv *hops = csv_read(dir, "hops.csv"), *cdf = csv_read(dir, "latency_cdf.csv");
    double ok = 0, count = 0, fraction = 0, last_cdf = -1, last_x = -1;
    CU_ASSERT_TRUE(sim_results_metric(res, "lookups", &ok));
    sim_results_metric(res, "lookup_success_rate", &fraction);
    ok = round(ok * fraction);
    fraction = 0;
    for (guint r = 0; r < hops->rows->len; r++) {
        if (strcmp(csv_get(hops, r, "kind"), "lookup") != 0)
            continue;
        count += csv_num(hops, r, "count");
        fraction += csv_num(hops, r, "fraction");
    }
    CU_ASSERT_EQUAL(count, ok);
    CU_ASSERT_DOUBLE_EQUAL(fraction, 1.0, 1e-6);
    for (guint r = 0; r < cdf->rows->len; r++) {
        if (strcmp(csv_get(cdf, r, "kind"), "lookup") != 0)
            continue;
        CU_ASSERT_TRUE(csv_num(cdf, r, "latency_ms") >= last_x);
        CU_ASSERT_TRUE(csv_num(cdf, r, "cdf") > last_cdf);
        last_x = csv_num(cdf, r, "latency_ms");
        last_cdf = csv_num(cdf, r, "cdf");
    }
    CU_ASSERT_DOUBLE_EQUAL(last_cdf, 1.0, 1e-12);
    csv_free(hops);
    csv_free(cdf);
    free_run(sim, res);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static char *file_text(const char *dir, const char *name)
{
    char *p = g_build_filename(dir, name, NULL), *t = NULL;
    if (!g_file_get_contents(p, &t, NULL, NULL))
        t = NULL;
    g_free(p);
    return t;
}

static void test_same_seed_writes_byte_identical_files(void)
{
    static const char *files[] = { "ops.csv", "timeseries.csv", "hops.csv", "latency_cdf.csv",
                                   "summary.csv", "run.ini" };
    char *p1, *d1 = results_dir(&p1), *p2, *d2 = results_dir(&p2);
    run_into(d1, NULL, 0, FALSE, NULL, NULL);
    run_into(d2, NULL, 0, FALSE, NULL, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
        char *a = file_text(d1, files[i]), *b = file_text(d2, files[i]);
        CU_ASSERT_PTR_NOT_NULL(a);
        CU_ASSERT_TRUE(a && b && strcmp(a, b) == 0);
        g_free(a);
        g_free(b);
    }
    remove_tree(p1);
    remove_tree(p2);
    g_free(d1);
    g_free(d2);
    g_free(p1);
    g_free(p2);
}

static void test_run_ini_loads_back_to_the_same_configuration(void)
{
    char *parent, *dir = results_dir(&parent);
    run_into(dir, "simulation.seed=99", 0, FALSE, NULL, NULL);
    char *ini = file_text(dir, "run.ini");
    SimConfig *orig = config_for(scenario, "simulation.seed=99"), *again = sim_config_new();
    sim_declare(again);
    sim_results_declare(again);
    CU_ASSERT_TRUE_FATAL(sim_config_load_data(again, "run.ini", ini, NULL));
    char *a = sim_config_to_data(orig, NULL), *b = sim_config_to_data(again, NULL);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_EQUAL(sim_config_get_int(again, "simulation", "seed"), 99);
    g_free(a);
    g_free(b);
    g_free(ini);
    sim_config_free(orig);
    sim_config_free(again);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_existing_results_are_refused_without_force(void)
{
    char *parent, *dir = results_dir(&parent);
    run_into(dir, NULL, 0, FALSE, NULL, NULL);
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_results_check_dir(dir, FALSE, &error));
    CU_ASSERT_TRUE(g_error_matches(error, SIM_FOLDER_ERROR, SIM_FOLDER_ERROR_EXISTS));
    CU_ASSERT_PTR_NOT_NULL(error && strstr(error->message, "--force"));
    g_clear_error(&error);
    CU_ASSERT_TRUE(sim_results_check_dir(dir, TRUE, NULL));
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_force_replaces_results_and_keeps_other_files(void)
{
    char *parent, *dir = results_dir(&parent);
    run_into(dir, NULL, 0, FALSE, NULL, NULL);
    char *notes = g_build_filename(dir, "notes.txt", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(notes, "mine", -1, NULL));
    run_into(dir, "output.ops=false", 0, TRUE, NULL, NULL);
    CU_ASSERT_FALSE(exists_in(dir, "ops.csv"));  /* the old one went, no new one came */
    CU_ASSERT_TRUE(exists_in(dir, "notes.txt"));
    CU_ASSERT_TRUE(exists_in(dir, "summary.csv"));
    CU_ASSERT_FALSE(exists_in(dir, SIM_PARTIAL));
    g_free(notes);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_force_refuses_a_folder_that_holds_no_results(void)
{
    char *parent = temp_dir();
    char *f = g_build_filename(parent, "thesis.tex", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(f, "x", -1, NULL));
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_results_check_dir(parent, TRUE, &error));
    CU_ASSERT_PTR_NOT_NULL(error);
    g_clear_error(&error);
    CU_ASSERT_TRUE(sim_results_check_dir(f, FALSE, &error) == FALSE);  /* not a folder */
    g_clear_error(&error);
    g_free(f);
    remove_tree(parent);
    g_free(parent);
}

static void test_interrupted_run_is_marked_partial_with_no_temporary_file(void)
{
    char *parent, *dir = results_dir(&parent);
    Sim *sim;
    SimResults *res;
    /* the engine looks at the stop request between batches of events: a few more ops end */
    uint64_t n = run_into(dir, NULL, 300, FALSE, &sim, &res);
    CU_ASSERT_TRUE(n >= 300);
    CU_ASSERT_TRUE(sim_results_partial(res));
    CU_ASSERT_TRUE(exists_in(dir, SIM_PARTIAL));
    CU_ASSERT_FALSE(has_tmp_files(dir));
    char *marker = file_text(dir, SIM_PARTIAL);
    CU_ASSERT_PTR_NOT_NULL(marker && strstr(marker, "interrupted"));
    Csv *sum = csv_read(dir, "summary.csv"), *ops = csv_read(dir, "ops.csv");
    CU_ASSERT_EQUAL(summary_field(sum, "partial", 1), 1);
    CU_ASSERT_TRUE(summary_field(sum, "sim_time_s", 1) < 95);
    CU_ASSERT_EQUAL(ops->rows->len, n);
    g_free(marker);
    csv_free(sum);
    csv_free(ops);
    free_run(sim, res);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static void test_abandoned_run_leaves_partial_and_no_table(void)
{
    char *parent, *dir = results_dir(&parent);
    SimConfig *cfg = config_for(scenario, NULL);
    Sim *sim = sim_new(cfg, &walk_protocol, NULL);
    SimResults *res = sim_results_new(sim, dir, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    sim_run(sim, 30 * SIM_S);
    sim_results_free(res);  /* as if the run failed */
    CU_ASSERT_TRUE(exists_in(dir, SIM_PARTIAL));
    CU_ASSERT_FALSE(exists_in(dir, "ops.csv"));
    CU_ASSERT_FALSE(exists_in(dir, "summary.csv"));
    CU_ASSERT_FALSE(has_tmp_files(dir));
    sim_free(sim);
    sim_config_free(cfg);
    remove_tree(parent);
    g_free(dir);
    g_free(parent);
}

static CU_TestInfo tests[] = {
    TEST(test_wilson_interval_matches_a_worked_example),
    TEST(test_wilson_interval_is_exact_at_zero_and_all),
    TEST(test_mean_interval_uses_student_t),
    TEST(test_quantile_interval_takes_order_statistics_around_the_rank),
    TEST(test_moments_match_the_two_pass_formulas),
    TEST(test_ops_csv_has_the_documented_header_and_a_row_per_operation),
    TEST(test_timeseries_has_a_row_per_interval_and_a_shorter_last_one),
    TEST(test_timeseries_message_columns_add_up_to_the_engine_counters),
    TEST(test_summary_matches_statistics_computed_from_ops_csv),
    TEST(test_hops_and_latency_tables_describe_the_successful_lookups),
    TEST(test_same_seed_writes_byte_identical_files),
    TEST(test_run_ini_loads_back_to_the_same_configuration),
    TEST(test_existing_results_are_refused_without_force),
    TEST(test_force_replaces_results_and_keeps_other_files),
    TEST(test_force_refuses_a_folder_that_holds_no_results),
    TEST(test_interrupted_run_is_marked_partial_with_no_temporary_file),
    TEST(test_abandoned_run_leaves_partial_and_no_table),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_results", tests)
