#include "sim_results.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gsl/gsl_sort_float.h>
#include <gsl/gsl_sort_ushort.h>
#include <gsl/gsl_statistics_float.h>
#include <gsl/gsl_statistics_ushort.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sim_atomic.h"
#include "sim_csv.h"
#include "sim_stats.h"


/* stdio buffer of the streamed tables: large writes, few system calls. */
#define STREAM_BUFFER (1 << 20)
/* latency_cdf.csv: the exact empirical CDF up to this many samples, then this many quantiles. */
#define CDF_POINTS 1000
/* Rows of timeseries.csv at most (about 1 GB of text): a 1 ms interval over a century would
 * ask for 3e12 rows and fill the disk. */
#define TIMESERIES_MAX_ROWS 10000000
/* Hop counts are kept as unsigned short; a longer path is clamped (no lookup gets near). */
#define HOPS_MAX 65535
/* Event data of the sampler: an interval boundary, or the end of the warm-up. */
enum { SAMPLE_INTERVAL, SAMPLE_WARMUP };

static const SimCfgKey output_keys[] = {
    { "output", "interval", SIM_CFG_DURATION, "1min", 0.001, 100.0 * 365 * 86400, NULL, NULL,
      "Length of one row of timeseries.csv (simulated time)" },
    { "output", "ops", SIM_CFG_BOOL, "true", 0, 0, NULL, NULL,
      "Write ops.csv, one row per operation (about 80 bytes each)" },
    { "output", "title", SIM_CFG_STRING, "", 0, 0, NULL, NULL,
      "Title of the plots; empty: the scenario file's name" },
};


/* ---- state ---------------------------------------------------------------------------- */

/* Samples of successful operations: what the quantiles need, nothing more. */
typedef struct {
    GArray *latency_ms;  /* float */
    GArray *hops;        /* unsigned short */
} Samples;

/* Operations of one kind in the measurement window. */
typedef struct {
    uint64_t done, ok, correct_known, correct;
    SimMoments messages, timeouts;
    Samples ok_samples;
} KindStats;

/* Message counters of all types at one moment. */
typedef struct {
    uint64_t *sent, *bytes, *lost;
} MsgSnapshot;

/* The open row of timeseries.csv. */
typedef struct {
    SimTime start;
    uint64_t joins, leaves, crashes;
    uint64_t done[SIM_OP_KINDS], ok[SIM_OP_KINDS];
    double node_ns;           /* integral of hosts up over the interval, host-nanoseconds */
    Samples lookups;          /* successful lookups that finished in the interval */
    MsgSnapshot at_start;
} Interval;

typedef struct {
    char *name;
    SimEstimate e;
    gboolean count;           /* a whole number: written without exponent */
} Metric;

struct SimResults {
    Sim *sim;
    char *dir;
    SimTime interval, warmup, duration;
    guint n_types;            /* message types known when the run started */
    gboolean write_ops, finished, partial;
    gint64 wall_start_us;
    double cpu_start_s;      /* CPU time of the thread that runs the simulation */

    SimAtomicFile ops, timeseries;
    GString *line;            /* reused row buffer */

    /* hosts: our own count, updated by the observer, for the node-time integrals */
    guint up;
    SimTime last_change;
    double window_node_ns;
    uint64_t window_joins, window_leaves, window_crashes;

    KindStats kinds[SIM_OP_KINDS];
    uint64_t total[SIM_OP_KINDS];  /* finished operations of the whole run, warm-up included */
    Interval cur;
    MsgSnapshot at_warmup;
    gboolean warmup_seen;
    SimTime end;              /* where the run stopped (finish) */
    guint rows;               /* timeseries rows written */

    GArray *metrics;          /* Metric[]: summary.csv then perf.csv */
    guint n_summary;          /* how many of them belong to summary.csv */
};

static void samples_init(Samples *s)
{
    s->latency_ms = g_array_new(FALSE, FALSE, sizeof(float));
    s->hops = g_array_new(FALSE, FALSE, sizeof(unsigned short));
}

static void samples_free(Samples *s)
{
    if (s->latency_ms)
        g_array_free(s->latency_ms, TRUE);
    if (s->hops)
        g_array_free(s->hops, TRUE);
}

static void samples_add(Samples *s, const SimOp *op)
{
    float ms = (float) sim_time_to_ms(op->end - op->start);
    unsigned short hops = (unsigned short) MIN(op->hops, HOPS_MAX);
    g_array_append_val(s->latency_ms, ms);
    g_array_append_val(s->hops, hops);
}

static void samples_sort(Samples *s)
{
    gsl_sort_float((float *) (void *) s->latency_ms->data, 1, s->latency_ms->len);
    gsl_sort_ushort((unsigned short *) (void *) s->hops->data, 1, s->hops->len);
}

static const float *samples_latency(const Samples *s)
{
    return (const float *) (const void *) s->latency_ms->data;
}

static const unsigned short *samples_hops(const Samples *s)
{
    return (const unsigned short *) (const void *) s->hops->data;
}

static void snapshot_init(MsgSnapshot *m, guint n)
{
    m->sent = g_new0(uint64_t, n);
    m->bytes = g_new0(uint64_t, n);
    m->lost = g_new0(uint64_t, n);
}

static void snapshot_free(MsgSnapshot *m)
{
    g_free(m->sent);
    g_free(m->bytes);
    g_free(m->lost);
}

static void snapshot_take(const SimResults *res, MsgSnapshot *m)
{
    for (guint t = 0; t < res->n_types; t++) {
        const SimMsgCounters *c = sim_msg_counters(res->sim, (uint16_t) t);
        m->sent[t] = c->sent;
        m->bytes[t] = c->bytes_sent;
        m->lost[t] = c->fate[SIM_FATE_LOST];
    }
}

/* ---- the results folder --------------------------------------------------------------- */

void sim_results_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "What the run writes to its results folder (see docs/output.md)",
                       output_keys, G_N_ELEMENTS(output_keys));
}

static const char partial_running_text[] =
    "This results folder is incomplete: kadsim started writing it and did not finish.\n"
    "If no kadsim is running on it, the run failed or was killed; files ending in .tmp are\n"
    "unfinished. Run the scenario again (run.ini reproduces it) with --force.\n";

/* Every file a run may write (tracing's trace.csv included), so that --force replaces exactly
 * these and nothing else; the program adds its plots (SimResultsOptions.owned_extra). */
static const char *const results_signature[] = { "run.ini", NULL };
static const char *const results_owned[] = {
    "run.ini", "ops.csv", "timeseries.csv", "hops.csv", "latency_cdf.csv", "summary.csv",
    "perf.csv", "trace.csv", NULL,
};
const SimFolderKind sim_results_folder = {
    "results", results_signature, results_owned, partial_running_text,
};

gboolean sim_results_check_dir(const char *dir, gboolean force, GError **error)
{
    return sim_folder_check(dir, &sim_results_folder, force, error);
}

/* ---- the header of timeseries.csv and its rows ---------------------------------------- */

static const char timeseries_columns[] =
    "time_s,duration_s,nodes_alive,nodes_alive_mean,joins,leaves,crashes,"
    "join_ops,join_ops_ok,lookups,lookups_ok,stores,stores_ok,gets,gets_ok,"
    "lookup_success_rate,hops_mean,hops_p50,hops_p90,hops_p99,"
    "latency_ms_mean,latency_ms_p50,latency_ms_p90,latency_ms_p99,"
    "messages,bytes,messages_lost,bytes_per_node_per_s";

static void write_timeseries_header(SimResults *res)
{
    GString *h = g_string_new(timeseries_columns);
    for (guint t = 0; t < res->n_types; t++) {
        g_autofree char *name = sim_csv_column_name(sim_msg_type_name(res->sim, (uint16_t) t));
        g_string_append_printf(h, ",messages_%s,bytes_%s", name, name);
    }
    g_string_append_c(h, '\n');
    fputs(h->str, res->timeseries.f);
    g_string_free(h, TRUE);
}

static void interval_reset(SimResults *res, SimTime start)
{
    Interval *c = &res->cur;
    c->start = start;
    c->joins = c->leaves = c->crashes = 0;
    memset(c->done, 0, sizeof c->done);
    memset(c->ok, 0, sizeof c->ok);
    c->node_ns = 0;
    g_array_set_size(c->lookups.latency_ms, 0);
    g_array_set_size(c->lookups.hops, 0);
    snapshot_take(res, &c->at_start);
}

static gboolean interval_has_events(const Interval *c)
{
    uint64_t n = c->joins + c->leaves + c->crashes;
    for (int k = 0; k < SIM_OP_KINDS; k++)
        n += c->done[k];
    return n > 0;
}

/* Hosts up times elapsed time, split at the end of the warm-up. */
static void integrate_hosts(SimResults *res, SimTime now)
{
    SimTime from = res->last_change;
    if (now <= from)
        return;
    res->cur.node_ns += (double) res->up * (double) (now - from);
    SimTime window_from = MAX(from, res->warmup);
    if (now > window_from)
        res->window_node_ns += (double) res->up * (double) (now - window_from);
    res->last_change = now;
}

/* Quantiles reported in summary.csv and timeseries.csv. */
static const double report_p[] = { 0.5, 0.9, 0.99 };
static const char *const report_p_names[] = { "p50", "p90", "p99" };
#define N_STATS (1 + G_N_ELEMENTS(report_p))  /* the mean, then the quantiles */

/* Mean and quantiles, with intervals, of the hops and latencies of the samples. */
static void distribution(Samples *s, SimEstimate h[N_STATS], SimEstimate l[N_STATS])
{
    gsize n = s->hops->len;
    samples_sort(s);
    const unsigned short *hops = samples_hops(s);
    const float *lat = samples_latency(s);
    double hm = n ? gsl_stats_ushort_mean(hops, 1, n) : NAN;
    double lm = n ? gsl_stats_float_mean(lat, 1, n) : NAN;
    h[0] = sim_stats_mean_ci(hm, n > 1 ? gsl_stats_ushort_sd_m(hops, 1, n, hm) : NAN, n);
    l[0] = sim_stats_mean_ci(lm, n > 1 ? gsl_stats_float_sd_m(lat, 1, n, lm) : NAN, n);
    for (gsize i = 0; i < G_N_ELEMENTS(report_p); i++) {
        h[i + 1] = sim_stats_ushort_quantile_ci(hops, n, report_p[i]);
        l[i + 1] = sim_stats_float_quantile_ci(lat, n, report_p[i]);
    }
}

static void append_distribution(GString *l, Samples *s)
{
    SimEstimate hops[N_STATS], lat[N_STATS];
    distribution(s, hops, lat);
    for (gsize i = 0; i < N_STATS; i++) {
        g_string_append_c(l, ',');
        sim_csv_append_real(l, hops[i].value);
    }
    for (gsize i = 0; i < N_STATS; i++) {
        g_string_append_c(l, ',');
        sim_csv_append_real(l, lat[i].value);
    }
}

/* Write the open interval as a row ending at `end`, and open the next one. */
static void flush_interval(SimResults *res, SimTime end)
{
    integrate_hosts(res, end);
    Interval *c = &res->cur;
    SimTime length = end - c->start;
    GString *l = res->line;
    g_string_truncate(l, 0);
    sim_csv_append_time(l, c->start, SIM_S);
    g_string_append_c(l, ',');
    sim_csv_append_time(l, length, SIM_S);
    g_string_append_printf(l, ",%u,", res->up);
    sim_csv_append_real(l, length > 0 ? c->node_ns / (double) length : NAN);
    g_string_append_printf(l, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, c->joins, c->leaves,
                           c->crashes);
    for (int k = 0; k < SIM_OP_KINDS; k++)
        g_string_append_printf(l, ",%" PRIu64 ",%" PRIu64, c->done[k], c->ok[k]);
    g_string_append_c(l, ',');
    sim_csv_append_real(l, c->done[SIM_OP_LOOKUP]
                       ? (double) c->ok[SIM_OP_LOOKUP] / (double) c->done[SIM_OP_LOOKUP] : NAN);
    append_distribution(l, &c->lookups);

    MsgSnapshot now = { 0 };
    snapshot_init(&now, res->n_types);
    snapshot_take(res, &now);
    uint64_t msgs = 0, bytes = 0, lost = 0;
    for (guint t = 0; t < res->n_types; t++) {
        msgs += now.sent[t] - c->at_start.sent[t];
        bytes += now.bytes[t] - c->at_start.bytes[t];
        lost += now.lost[t] - c->at_start.lost[t];
    }
    g_string_append_printf(l, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", msgs, bytes, lost);
    sim_csv_append_real(l, c->node_ns > 0 ? (double) bytes / (c->node_ns / SIM_S) : NAN);
    for (guint t = 0; t < res->n_types; t++)
        g_string_append_printf(l, ",%" PRIu64 ",%" PRIu64, now.sent[t] - c->at_start.sent[t],
                               now.bytes[t] - c->at_start.bytes[t]);
    snapshot_free(&now);
    g_string_append_c(l, '\n');
    fputs(l->str, res->timeseries.f);
    res->rows++;
    interval_reset(res, end);
}

/* ---- observing the run ---------------------------------------------------------------- */

static void write_op_row(SimResults *res, const SimOp *op)
{
    GString *l = res->line;
    g_string_truncate(l, 0);
    g_string_append_printf(l, "%" PRIu64 ",", op->id);
    sim_csv_append_time(l, op->start, SIM_S);
    g_string_append_printf(l, ",%s,%u,%" PRIu64 ",%u,", sim_op_kind_name(op->kind), op->origin,
                           op->key, op->hops);
    sim_csv_append_time(l, op->end - op->start, SIM_MS);
    g_string_append_printf(l, ",%u,%u,%d,", op->messages, op->timeouts, op->success ? 1 : 0);
    if (op->correct >= 0)
        g_string_append_c(l, op->correct ? '1' : '0');
    g_string_append_c(l, '\n');
    fwrite(l->str, 1, l->len, res->ops.f);
}

static void on_op_done(void *ctx, const SimOp *op)
{
    SimResults *res = ctx;
    g_assert(op->kind < SIM_OP_KINDS && op->end >= op->start);
    if (res->write_ops)
        write_op_row(res, op);
    Interval *c = &res->cur;
    res->total[op->kind]++;
    c->done[op->kind]++;
    c->ok[op->kind] += op->success ? 1 : 0;
    if (op->success && op->kind == SIM_OP_LOOKUP)
        samples_add(&c->lookups, op);
    if (op->start < res->warmup)
        return;  /* started in the warm-up: listed in ops.csv, not in the statistics */
    KindStats *k = &res->kinds[op->kind];
    k->done++;
    sim_moments_add(&k->messages, op->messages);
    sim_moments_add(&k->timeouts, op->timeouts);
    if (op->correct >= 0) {
        k->correct_known++;
        k->correct += op->correct ? 1 : 0;
    }
    if (op->success) {
        k->ok++;
        samples_add(&k->ok_samples, op);
    }
}

static void on_host_changed(void *ctx, SimHost host, gboolean up, gboolean graceful)
{
    SimResults *res = ctx;
    SimTime now = sim_now(res->sim);
    integrate_hosts(res, now);
    gboolean in_window = now >= res->warmup;
    if (up) {
        res->up++;
        res->cur.joins++;
        res->window_joins += in_window;
    } else {
        g_assert(res->up > 0);
        res->up--;
        if (graceful) {
            res->cur.leaves++;
            res->window_leaves += in_window;
        } else {
            res->cur.crashes++;
            res->window_crashes += in_window;
        }
    }
}

static void on_sample(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimResults *res = ctx;
    SimTime now = sim_now(sim);
    if (ev->data == SAMPLE_WARMUP) {
        snapshot_take(res, &res->at_warmup);
        res->warmup_seen = TRUE;
        return;
    }
    flush_interval(res, now);
    if (now + res->interval < res->duration)
        sim_schedule(sim, now + res->interval, (uint16_t) ev->kind, 0, SAMPLE_INTERVAL,
                     SIM_ORIGIN_ENGINE);
}

/* ---- opening ------------------------------------------------------------------------- */

static char *make_header(const SimConfig *cfg, const char *header)
{
    GString *h = g_string_new(NULL);
    if (header)
        g_string_append_printf(h, "%s\n", header);
    g_string_append_printf(h, "Resolved configuration of a run (seed %" G_GINT64_FORMAT "). "
                           "Run it again with: kadsim -o DIR run.ini",
                           sim_config_get_int(cfg, "simulation", "seed"));
    return g_string_free(h, FALSE);
}

/* Remove [name] from the INI text of sim_config_to_data(), in place: the section runs from the
 * blank line that opens it (its help comments follow) to the next blank line or the end. */
static void cut_section(char *ini, const char *name)
{
    g_autofree char *head = g_strdup_printf("\n[%s]\n", name);
    char *at = strstr(ini, head);
    if (!at)
        return;
    char *start = at;  /* back to the blank line before the section's comments */
    while (start > ini && !(start[0] == '\n' && start[-1] == '\n'))
        start--;
    const char *next = strstr(at + 1, "\n\n");  /* the line before the next section's blank line */
    const char *rest = next ? next + 1 : "";
    memmove(start, rest, strlen(rest) + 1);
}

SimResults *sim_results_new(Sim *sim, const char *dir, const SimResultsOptions *opt,
                            GError **error)
{
    g_return_val_if_fail(sim_events_processed(sim) == 0, NULL);
    static const SimResultsOptions defaults = { 0 };
    opt = opt ? opt : &defaults;
    const SimConfig *cfg = sim_config(sim);
    SimTime interval = sim_config_get_duration(cfg, "output", "interval");
    SimTime duration = sim_config_get_duration(cfg, "simulation", "duration");
    if (duration / interval > TIMESERIES_MAX_ROWS) {
        g_autofree char *i = sim_time_format(interval), *d = sim_time_format(duration);
        sim_config_fail(cfg, error, "output", "interval", "%s over a run of %s makes %"
                        G_GINT64_FORMAT " rows of timeseries.csv, more than %d: choose a longer "
                        "interval", i, d, duration / interval, TIMESERIES_MAX_ROWS);
        return NULL;
    }
    if (!sim_folder_open(dir, &sim_results_folder, opt->owned_extra, opt->force, error))
        return NULL;

    SimResults *res = g_new0(SimResults, 1);
    res->sim = sim;
    res->dir = g_strdup(dir);
    res->interval = sim_config_get_duration(cfg, "output", "interval");
    res->warmup = sim_config_get_duration(cfg, "simulation", "warmup");
    res->duration = sim_config_get_duration(cfg, "simulation", "duration");
    res->write_ops = sim_config_get_bool(cfg, "output", "ops");
    res->n_types = sim_msg_types(sim);
    res->wall_start_us = g_get_monotonic_time();
    res->cpu_start_s = sim_thread_cpu_s();
    res->line = g_string_sized_new(256);
    res->metrics = g_array_new(FALSE, TRUE, sizeof(Metric));
    for (int k = 0; k < SIM_OP_KINDS; k++)
        samples_init(&res->kinds[k].ok_samples);
    samples_init(&res->cur.lookups);
    snapshot_init(&res->cur.at_start, res->n_types);
    snapshot_init(&res->at_warmup, res->n_types);
    interval_reset(res, 0);
    res->warmup_seen = res->warmup == 0;

    g_autofree char *header = make_header(cfg, opt->header);
    g_autofree char *ini = sim_config_to_data(cfg, header);
    if (opt->omit_section)
        cut_section(ini, opt->omit_section);
    if (!sim_atomic_write(dir, "run.ini", ini, error)
        || !sim_atomic_open(&res->timeseries, dir, "timeseries.csv", STREAM_BUFFER, error)
        || (res->write_ops && !sim_atomic_open(&res->ops, dir, "ops.csv", STREAM_BUFFER, error))) {
        sim_results_free(res);
        return NULL;
    }
    write_timeseries_header(res);
    if (res->write_ops)
        fputs("op,time_s,kind,origin,key,hops,latency_ms,messages,timeouts,success,correct\n",
              res->ops.f);

    SimObserver obs = { .op_done = on_op_done, .host_changed = on_host_changed };
    sim_add_observer(sim, &obs, res);
    uint16_t kind = sim_register_handler(sim, "results-sample", on_sample, res);
    if (res->warmup > 0)
        sim_schedule(sim, res->warmup, kind, 0, SAMPLE_WARMUP, SIM_ORIGIN_ENGINE);
    if (res->interval < res->duration)
        sim_schedule(sim, res->interval, kind, 0, SAMPLE_INTERVAL, SIM_ORIGIN_ENGINE);
    return res;
}

/* ---- statistics ----------------------------------------------------------------------- */

static void add_metric(SimResults *res, const char *name, SimEstimate e, gboolean count)
{
    Metric m = { g_strdup(name), e, count };
    g_array_append_val(res->metrics, m);
}

static void add_count(SimResults *res, const char *name, double v)
{
    add_metric(res, name, (SimEstimate) { v, NAN, NAN }, TRUE);
}

static void add_value(SimResults *res, const char *name, double v)
{
    add_metric(res, name, (SimEstimate) { v, NAN, NAN }, FALSE);
}

/* The t interval of a mean of non-negative quantities (hops, timeouts) can reach below zero
 * when the values are mostly 0; the quantity cannot. */
static SimEstimate non_negative(SimEstimate e)
{
    if (e.low < 0)
        e.low = 0;
    return e;
}

/* "<prefix><what>_mean" and "<prefix><what>_p50" ...: e[0] the mean, then the quantiles. */
static void add_mean_and_quantiles(SimResults *res, const char *prefix, const char *what,
                                   const SimEstimate *e)
{
    char name[64];
    g_snprintf(name, sizeof name, "%s%s_mean", prefix, what);
    add_metric(res, name, non_negative(e[0]), FALSE);
    for (gsize i = 0; i < G_N_ELEMENTS(report_p); i++) {
        g_snprintf(name, sizeof name, "%s%s_%s", prefix, what, report_p_names[i]);
        add_metric(res, name, e[i + 1], FALSE);
    }
}

/* Mean and quantiles of the hops and latencies of successful operations of one kind. */
static void add_distribution(SimResults *res, const char *prefix, Samples *s)
{
    SimEstimate hops[N_STATS], lat[N_STATS];
    distribution(s, hops, lat);
    add_mean_and_quantiles(res, prefix, "hops", hops);
    add_mean_and_quantiles(res, prefix, "latency_ms", lat);
}

static const Metric *find_metric(const SimResults *res, const char *name)
{
    for (guint i = 0; i < res->metrics->len; i++) {
        const Metric *m = &g_array_index(res->metrics, Metric, i);
        if (strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

/* A protocol's own summary figure (SimMetricFn): a name that is a CSV word and no engine row's. */
static void add_protocol_metric(void *ctx, const char *name, double value)
{
    SimResults *res = ctx;
    for (const char *p = name; *p; p++)
        g_return_if_fail(g_ascii_isalnum(*p) || *p == '_');
    g_return_if_fail(*name && !find_metric(res, name));
    add_value(res, name, value);
}

static void compute_summary(SimResults *res)
{
    double window_s = res->end > res->warmup ? sim_time_to_s(res->end - res->warmup) : 0;
    double node_s = res->window_node_ns / SIM_S;
    KindStats *lk = &res->kinds[SIM_OP_LOOKUP], *st = &res->kinds[SIM_OP_STORE],
              *gt = &res->kinds[SIM_OP_GET], *jn = &res->kinds[SIM_OP_JOIN];

    add_count(res, "partial", res->partial);
    add_count(res, "seed", (double) sim_seed(res->sim));
    add_count(res, "nodes", sim_hosts(res->sim));
    add_value(res, "sim_time_s", sim_time_to_s(res->end));
    add_value(res, "warmup_s", sim_time_to_s(res->warmup));
    add_value(res, "window_s", window_s);
    add_value(res, "nodes_alive_mean", window_s > 0 ? node_s / window_s : NAN);
    add_count(res, "nodes_alive_end", res->up);
    add_count(res, "joins", (double) res->window_joins);
    add_count(res, "leaves", (double) res->window_leaves);
    add_count(res, "crashes", (double) res->window_crashes);
    add_count(res, "join_ops", (double) jn->done);
    add_metric(res, "join_success_rate", sim_stats_proportion_ci(jn->ok, jn->done), FALSE);

    add_count(res, "lookups", (double) lk->done);
    add_metric(res, "lookup_success_rate", sim_stats_proportion_ci(lk->ok, lk->done), FALSE);
    add_metric(res, "lookup_correct_rate",
               sim_stats_proportion_ci(lk->correct, lk->correct_known), FALSE);
    add_distribution(res, "", &lk->ok_samples);
    add_metric(res, "messages_per_lookup", non_negative(sim_moments_mean_ci(&lk->messages)),
               FALSE);
    add_metric(res, "timeouts_per_lookup", non_negative(sim_moments_mean_ci(&lk->timeouts)),
               FALSE);

    add_count(res, "stores", (double) st->done);
    add_metric(res, "store_success_rate", sim_stats_proportion_ci(st->ok, st->done), FALSE);
    add_count(res, "gets", (double) gt->done);
    add_metric(res, "get_success_rate", sim_stats_proportion_ci(gt->ok, gt->done), FALSE);
    add_distribution(res, "get_", &gt->ok_samples);

    uint64_t msgs = 0, bytes = 0, lost = 0;
    GString *name = g_string_new(NULL);
    MsgSnapshot now = { 0 };
    snapshot_init(&now, res->n_types);
    snapshot_take(res, &now);
    for (guint t = 0; t < res->n_types; t++) {
        msgs += now.sent[t] - res->at_warmup.sent[t];
        bytes += now.bytes[t] - res->at_warmup.bytes[t];
        lost += now.lost[t] - res->at_warmup.lost[t];
    }
    add_count(res, "messages", (double) msgs);
    add_count(res, "bytes", (double) bytes);
    add_count(res, "messages_lost", (double) lost);
    add_value(res, "bytes_per_node_per_s", node_s > 0 ? bytes / node_s : NAN);
    for (guint t = 0; t < res->n_types; t++) {
        g_autofree char *type = sim_csv_column_name(sim_msg_type_name(res->sim, (uint16_t) t));
        g_string_printf(name, "bytes_per_node_per_s_%s", type);
        add_value(res, name->str,
                  node_s > 0 ? (now.bytes[t] - res->at_warmup.bytes[t]) / node_s : NAN);
    }
    snapshot_free(&now);
    g_string_free(name, TRUE);
    sim_protocol_summary(res->sim, add_protocol_metric, res);
    res->n_summary = res->metrics->len;

    /* perf.csv: figures of this machine and moment, different at every run */
    double wall_s = (double) (g_get_monotonic_time() - res->wall_start_us) / 1e6;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    add_value(res, "wall_s", wall_s);
    /* this thread's, and those of the run's other threads (--threads) */
    add_value(res, "cpu_s", sim_thread_cpu_s() - res->cpu_start_s + sim_workers_cpu_s(res->sim));
    /* how many depends on the engine (on T threads, each partition has its own timeout lanes),
     * not on what the network did: a figure of the machine's work, like the ones around it */
    add_count(res, "events", (double) sim_events_processed(res->sim));
    add_count(res, "threads", sim_threads(res->sim));
    add_count(res, "windows", (double) sim_windows(res->sim));  /* 0 on one thread */
    add_value(res, "events_per_s", wall_s > 0 ? sim_events_processed(res->sim) / wall_s : NAN);
    add_value(res, "sim_s_per_wall_s", wall_s > 0 ? sim_time_to_s(res->end) / wall_s : NAN);
    add_value(res, "peak_rss_mb", (double) ru.ru_maxrss / 1024.0);  /* Linux: KiB */
    /* whole run, warm-up included: what the machine did, for benchmarks (docs/scale.md) */
    uint64_t sent = 0;
    for (guint t = 0; t < sim_msg_types(res->sim); t++)
        sent += sim_msg_counters(res->sim, (uint16_t) t)->sent;
    add_value(res, "messages_total", (double) sent);
    add_value(res, "messages_per_s", wall_s > 0 ? sent / wall_s : NAN);
    add_value(res, "protocol_bytes_per_node",
              (double) sim_protocol_memory(res->sim) / sim_hosts(res->sim));
}

static char *metrics_csv(const SimResults *res, guint from, guint to)
{
    GString *out = g_string_new("metric,value,ci95_low,ci95_high\n");
    for (guint i = from; i < to; i++) {
        const Metric *m = &g_array_index(res->metrics, Metric, i);
        g_string_append_printf(out, "%s,", m->name);
        if (m->count)
            sim_csv_append_count(out, (uint64_t) m->e.value);
        else
            sim_csv_append_real(out, m->e.value);
        g_string_append_c(out, ',');
        sim_csv_append_real(out, m->e.low);
        g_string_append_c(out, ',');
        sim_csv_append_real(out, m->e.high);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

/* hops.csv: hop-count histogram of successful operations per kind. */
static char *hops_csv(SimResults *res)
{
    GString *out = g_string_new("kind,hops,count,fraction\n");
    for (int k = 0; k < SIM_OP_KINDS; k++) {
        Samples *s = &res->kinds[k].ok_samples;
        const unsigned short *h = samples_hops(s);
        gsize n = s->hops->len;
        for (gsize i = 0; i < n;) {
            gsize j = i;
            while (j < n && h[j] == h[i])
                j++;
            g_string_append_printf(out, "%s,%u,%" G_GSIZE_FORMAT ",", sim_op_kind_name(k), h[i],
                                   j - i);
            sim_csv_append_real(out, (double) (j - i) / (double) n);
            g_string_append_c(out, '\n');
            i = j;
        }
    }
    return g_string_free(out, FALSE);
}

/* latency_cdf.csv: the empirical CDF of the latency of successful operations per kind. */
static char *latency_cdf_csv(SimResults *res)
{
    GString *out = g_string_new("kind,latency_ms,cdf\n");
    for (int k = 0; k < SIM_OP_KINDS; k++) {
        Samples *s = &res->kinds[k].ok_samples;
        const float *x = samples_latency(s);
        gsize n = s->latency_ms->len;
        const char *kind = sim_op_kind_name(k);
        if (n <= CDF_POINTS) {
            /* exact: the CDF reaches i/n at the i-th smallest value (ties: the last one) */
            for (gsize i = 0; i < n; i++) {
                if (i + 1 < n && x[i + 1] == x[i])
                    continue;
                g_string_append_printf(out, "%s,", kind);
                sim_csv_append_real(out, x[i]);
                g_string_append_c(out, ',');
                sim_csv_append_real(out, (double) (i + 1) / (double) n);
                g_string_append_c(out, '\n');
            }
            continue;
        }
        for (int i = 0; i <= CDF_POINTS; i++) {
            double p = (double) i / CDF_POINTS;
            g_string_append_printf(out, "%s,", kind);
            sim_csv_append_real(out, gsl_stats_float_quantile_from_sorted_data(x, 1, n, p));
            g_string_append_c(out, ',');
            sim_csv_append_real(out, p);
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}

static char *partial_text(const SimResults *res)
{
    GString *at = g_string_new(NULL);
    sim_csv_append_time(at, res->end, SIM_S);
    g_autofree char *of = sim_time_format(res->duration);
    char *text = g_strdup_printf("This run was interrupted at simulated time %s s of %s.\n"
                                 "The files hold what was measured until then (summary.csv: "
                                 "partial = 1).\n", at->str, of);
    g_string_free(at, TRUE);
    return text;
}

gboolean sim_results_finish(SimResults *res, SimStopReason why, GError **error)
{
    g_return_val_if_fail(!res->finished, FALSE);
    res->finished = TRUE;
    res->partial = why == SIM_STOP_REQUESTED || why == SIM_STOP_FAILED;
    /* A run whose queue ran dry before the end stays in that state until the end. */
    res->end = res->partial ? sim_now(res->sim) : MAX(sim_now(res->sim), res->duration);
    if (!res->warmup_seen)  /* stopped before the window opened: nothing was measured */
        snapshot_take(res, &res->at_warmup);
    if (res->end > res->cur.start || interval_has_events(&res->cur))
        flush_interval(res, res->end);
    compute_summary(res);

    g_autofree char *summary = metrics_csv(res, 0, res->n_summary);
    g_autofree char *perf = metrics_csv(res, res->n_summary, res->metrics->len);
    g_autofree char *hops = hops_csv(res);
    g_autofree char *cdf = latency_cdf_csv(res);
    if (!sim_atomic_commit(&res->timeseries, error) || !sim_atomic_commit(&res->ops, error)
        || !sim_atomic_write(res->dir, "hops.csv", hops, error)
        || !sim_atomic_write(res->dir, "latency_cdf.csv", cdf, error)
        || !sim_atomic_write(res->dir, "perf.csv", perf, error)
        || !sim_atomic_write(res->dir, "summary.csv", summary, error))
        return FALSE;
    if (res->partial) {
        g_autofree char *text = partial_text(res);
        return sim_atomic_write(res->dir, SIM_PARTIAL, text, error);
    }
    return TRUE;  /* PARTIAL stays until the caller has written its own files too */
}

void sim_results_free(SimResults *res)
{
    if (!res)
        return;
    sim_atomic_abandon(&res->ops);
    sim_atomic_abandon(&res->timeseries);
    for (int k = 0; k < SIM_OP_KINDS; k++)
        samples_free(&res->kinds[k].ok_samples);
    samples_free(&res->cur.lookups);
    snapshot_free(&res->cur.at_start);
    snapshot_free(&res->at_warmup);
    for (guint i = 0; i < res->metrics->len; i++)
        g_free(g_array_index(res->metrics, Metric, i).name);
    g_array_free(res->metrics, TRUE);
    g_string_free(res->line, TRUE);
    g_free(res->dir);
    g_free(res);
}

const char *sim_results_dir(const SimResults *res) { return res->dir; }
gboolean sim_results_partial(const SimResults *res) { return res->partial; }

gboolean sim_results_metric(const SimResults *res, const char *name, double *value)
{
    const Metric *m = find_metric(res, name);
    if (m)
        *value = m->e.value;
    return m != NULL;
}

uint64_t sim_results_ops(const SimResults *res, SimOpKind kind, uint64_t *ok_in_window)
{
    if (ok_in_window)
        *ok_in_window = res->kinds[kind].ok;
    return res->total[kind];
}

SimTime sim_results_end(const SimResults *res) { return res->end; }
guint sim_results_intervals(const SimResults *res) { return res->rows; }
const Sim *sim_results_sim(const SimResults *res) { return res->sim; }
guint sim_results_msg_types(const SimResults *res) { return res->n_types; }
