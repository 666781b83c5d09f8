/* run — one scenario from the command line: what the user sees while it runs (a progress
 * line) and afterwards (a short summary), and its plots. The simulation itself is
 * kadsim_simulate() (simulate.c), the same path a sweep's runs take. A scenario with a [sweep]
 * section goes to sweep_run.c. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plots.h"
#include "program.h"
#include "protocols.h"
#include "sim_atomic.h"
#include "sim_folder.h"
#include "sim_trace.h"
#include "simulate.h"

/* Seconds of wall time between two progress lines. */
#define PROGRESS_EVERY_S 0.5
/* Keys of ops.csv a warning about an empty key:K trace names at most. */
#define KEYS_SHOWN 12

/* ---- progress ------------------------------------------------------------------------- */

typedef struct {
    SimTime until;
    gint64 wall_start_us, last_us;
    uint64_t last_events;
    gboolean shown;
} Progress;

static void show_progress(Sim *sim, void *ctx)
{
    Progress *p = ctx;
    gint64 now_us = g_get_monotonic_time();
    double done = p->until > 0 ? (double) sim_now(sim) / (double) p->until : 1.0;
    double rate = (double) (sim_events_processed(sim) - p->last_events)
                  / MAX(1e-6, (double) (now_us - p->last_us) / 1e6);
    double elapsed = (double) (now_us - p->wall_start_us) / 1e6;
    char at[32], of[32], eta[32];
    kadsim_format_clock(at, sizeof at, sim_time_to_s(sim_now(sim)));
    kadsim_format_clock(of, sizeof of, sim_time_to_s(p->until));
    kadsim_format_clock(eta, sizeof eta, done > 0 ? elapsed * (1 - done) / done : -1);
    fprintf(stderr, "\r\033[K  simulated %s of %s (%.1f%%)  %.2fM events/s  %u nodes up  "
            "ETA %s", at, of, 100 * done, rate / 1e6, sim_hosts_up(sim), eta);
    fflush(stderr);
    p->last_us = now_us;
    p->last_events = sim_events_processed(sim);
    p->shown = TRUE;
}

static void clear_progress(const Progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
}

/* ---- the human summary ---------------------------------------------------------------- */

static double metric(const SimResults *res, const char *name)
{
    double v = NAN;
    sim_results_metric(res, name, &v);
    return v;
}

static void print_summary(const KadsimSimulation *s, const KadsimOptions *opt, gboolean plotted,
                          const char *why_not)
{
    const SimResults *res = kadsim_simulation_results(s);
    const char *dir = sim_results_dir(res);
    printf("%s: %.0f nodes, %.0f events, %.4g s simulated in %.3g s of wall time%s\n",
           opt->scenario, metric(res, "nodes"), metric(res, "events"),
           metric(res, "sim_time_s"), metric(res, "wall_s"),
           sim_results_partial(res) ? " (INTERRUPTED: partial results)" : "");
    g_auto(GStrv) notes = g_strsplit(kadsim_simulation_notes(s), "\n", -1);
    for (char **n = notes; *n; n++)
        if (**n)
            printf("  note: %s\n", *n);
    if (metric(res, "lookups") > 0) {
        printf("  lookups %.0f: %.1f%% succeeded", metric(res, "lookups"),
               100 * metric(res, "lookup_success_rate"));
        if (!isnan(metric(res, "lookup_correct_rate")))
            printf(", %.1f%% %s", 100 * metric(res, "lookup_correct_rate"),
                   kadsim_protocol_of(sim_config(sim_results_sim(res)))->exact);
        if (!isnan(metric(res, "hops_mean")))
            printf(", mean hops %.2f, median latency %.1f ms", metric(res, "hops_mean"),
                   metric(res, "latency_ms_p50"));
        printf("\n");
    }
    if (metric(res, "stores") > 0)
        printf("  stores  %.0f: %.1f%% succeeded\n", metric(res, "stores"),
               100 * metric(res, "store_success_rate"));
    if (metric(res, "gets") > 0)
        printf("  gets    %.0f: %.1f%% succeeded\n", metric(res, "gets"),
               100 * metric(res, "get_success_rate"));
    if (metric(res, "window_s") > 0)
        printf("  traffic %.1f bytes/s per node\n", metric(res, "bytes_per_node_per_s"));
    else
        printf("  nothing measured: the run stopped before the end of the warm-up\n");
    printf("  results: %s/ (summary.csv, ops.csv, timeseries.csv, hops.csv, latency_cdf.csv)%s\n",
           dir, sim_results_partial(res) ? ", see PARTIAL" : "");
    if (plotted)
        printf("  plots:   %s/{hops,latency_cdf,timeseries,bandwidth}.{png,svg}\n", dir);
    else
        printf("  plots:   not rendered (%s); later: plots/render.sh %s\n", why_not, dir);
}

/* ---- a trace that caught nothing ------------------------------------------------------- */

static gint compare_keys(gconstpointer a, gconstpointer b)
{
    guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
    return x < y ? -1 : x > y;
}

/* "0, 2, 9, ... (N keys)": the keys of the stores and gets of ops.csv, or NULL without one. */
static char *keys_of_ops(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "ops.csv", NULL), *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 1; lines[i]; i++) {  /* op,time_s,kind,origin,key,... */
        g_auto(GStrv) f = g_strsplit(lines[i], ",", 6);
        if (g_strv_length(f) < 5 || !*f[4] || (strcmp(f[2], "store") && strcmp(f[2], "get")))
            continue;
        if (g_hash_table_add(seen, g_strdup(f[4]))) {
            guint64 k = g_ascii_strtoull(f[4], NULL, 10);
            g_array_append_val(keys, k);
        }
    }
    g_hash_table_destroy(seen);
    g_array_sort(keys, compare_keys);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < keys->len && i < KEYS_SHOWN; i++)
        g_string_append_printf(out, "%s%" G_GUINT64_FORMAT, i ? ", " : "",
                               g_array_index(keys, guint64, i));
    if (keys->len > KEYS_SHOWN)
        g_string_append_printf(out, ", ... (%u keys)", keys->len);
    if (!keys->len)
        g_string_assign(out, "none (no store or get)");
    g_array_free(keys, TRUE);
    return g_string_free(out, FALSE);
}

/* A --trace (or [trace]) that selected no operation writes a trace.csv of its header alone:
 * say so, and what the run did have, rather than leave an empty file to be found later. */
static void warn_empty_trace(const SimConfig *cfg, const char *dir)
{
    SimTraceSelection sel = sim_trace_selection(cfg);
    g_autofree char *path = g_build_filename(dir, "trace.csv", NULL), *text = NULL;
    if (sel.mode == SIM_TRACE_NONE || !g_file_get_contents(path, &text, NULL, NULL))
        return;
    const char *nl = strchr(text, '\n');
    if (nl && nl[1])
        return;  /* at least one message */
    if (sel.mode == SIM_TRACE_KEY) {
        g_autofree char *keys = keys_of_ops(dir);
        fprintf(stderr, "kadsim: warning: --trace=key:%" G_GUINT64_FORMAT " matched no "
                "operation, so %s holds no message; keys stored or fetched in this run: %s\n",
                sel.key, path, keys ? keys : "unknown ([output] ops is off: no ops.csv)");
    } else {
        fprintf(stderr, "kadsim: warning: the trace selection matched no operation, so %s holds "
                "no message (operations are numbered as in ops.csv, from 0)\n", path);
    }
}

/* ---- the run -------------------------------------------------------------------------- */

/* Draw the folder; a drawing that fails is an error of the run (exit 1) but the tables stand. */
static int draw(const char *dir, const KadsimOptions *opt, gboolean *plotted,
                const char **why_not)
{
    g_autoptr(GError) error = NULL;
    *plotted = kadsim_plots_render(dir, opt->no_plots, why_not, &error);
    if (error) {
        fprintf(stderr, "kadsim: plots not rendered: %s\n", error->message);
        g_autofree char *text = g_strdup_printf("The tables of this run are complete, its plots "
                                                "are not: %s\nDraw them again with "
                                                "plots/render.sh.\n", error->message);
        sim_atomic_write(dir, SIM_PARTIAL, text, NULL);  /* best effort: PARTIAL is there */
        return EXIT_RUNTIME;
    }
    return EXIT_SUCCESS;
}

static int run_one(SimConfig *cfg, const KadsimOptions *opt, const char *dir)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *ini = sim_config_to_data(cfg, NULL);
    g_autofree char *subtitle = kadsim_subtitle(ini, NULL, TRUE);
    Progress progress = { .until = sim_config_get_duration(cfg, "simulation", "duration"),
                          .wall_start_us = g_get_monotonic_time() };
    progress.last_us = progress.wall_start_us;
    gboolean show = !opt->quiet && isatty(STDERR_FILENO);
    KadsimSimSpec spec = {
        .force = opt->force, .subtitle = subtitle,
        .progress = show ? show_progress : NULL, .progress_ctx = &progress,
        .progress_every_s = PROGRESS_EVERY_S, .threads = (guint) opt->threads,
    };
    KadsimSimulation *s = NULL;
    int status = kadsim_simulate(cfg, dir, &spec, &s, &error);
    clear_progress(&progress);
    if (error)
        fprintf(stderr, "kadsim: %s\n", error->message);
    if (!s)
        return status;
    if (status == EXIT_SUCCESS && !opt->quiet)
        warn_empty_trace(cfg, dir);
    gboolean plotted = FALSE;
    const char *why_not = "interrupted";
    if (status == EXIT_SUCCESS)
        status = draw(dir, opt, &plotted, &why_not);
    if (status == EXIT_SUCCESS && kadsim_interrupted()) {
        /* stopped while drawing: the tables are whole, the plots may not be */
        g_autofree char *text = g_strdup("This run was stopped while its plots were drawn: the "
                                         "tables are complete, the plots may be missing.\n"
                                         "Draw them again with plots/render.sh.\n");
        sim_atomic_write(dir, SIM_PARTIAL, text, NULL);
        status = EXIT_SIGNALLED(kadsim_interrupted());
    } else if (status == EXIT_SUCCESS && !sim_folder_complete(dir, &error)) {
        status = kadsim_fail(NULL, error);
    }
    if (!opt->quiet)
        print_summary(s, opt, plotted, why_not);
    kadsim_simulation_free(s);
    return status;
}

int kadsim_run_main(const KadsimOptions *opt)
{
    g_autoptr(GError) error = NULL;
    SimConfig *cfg = kadsim_config_new();
    int status;
    g_auto(GStrv) swept = NULL;
    if (!kadsim_config_load(cfg, opt, &error)
        || (opt->no_sweep && !sim_config_hide_section(cfg, "sweep", NULL, &error))) {
        status = kadsim_fail(NULL, error);
    } else if (!opt->no_sweep && (swept = sim_config_free_section_keys(cfg, "sweep"))[0]) {
        status = kadsim_sweep_main(cfg, opt);
    } else if (opt->shard) {
        fprintf(stderr, "kadsim: --shard %s: %s %s, so there is nothing to share out "
                "(docs/sweeps.md)\n", opt->shard, opt->scenario,
                opt->no_sweep ? "runs once (--no-sweep)" : "has no [sweep] section");
        status = EXIT_USAGE;
    } else if (opt->jobs < 0) {
        fprintf(stderr, "kadsim: -j %d: give a number of simulations at once, >= 1\n", opt->jobs);
        status = EXIT_USAGE;

    } else if (opt->check_only) {
        g_autofree char *text = sim_config_to_data(cfg, "kadsim " PACKAGE_VERSION
                                                   ": resolved configuration");
        fputs(text, stdout);
        status = EXIT_SUCCESS;
    } else {
        g_autofree char *name = sim_config_name(cfg);
        g_autofree char *dir = opt->out_dir ? g_strdup(opt->out_dir)
                                            : g_build_filename(KADSIM_RESULTS_ROOT, name, NULL);
        status = run_one(cfg, opt, dir);
    }
    sim_config_free(cfg);
    return status;
}
