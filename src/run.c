/* run — one scenario from the command line: configuration, simulation, results folder, plots,
 * and what the user sees meanwhile (a progress line) and afterwards (a short summary). A scenario
 * with a [sweep] section goes to sweep.c. */
#include "config.h"

#include "run.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kad.h"
#include "sim.h"
#include "sim_results.h"
#include "sim_trace.h"

/* Seconds of wall time between two progress lines. */
#define PROGRESS_EVERY_S 0.5
#define RESULTS_ROOT "results"

/* The process's signal state: signals are per process, so this is the program's one piece of
 * global mutable state. The simulation a single run stops, and the signal that asked; the
 * signal is an atomic int because the threads of a sweep read it. */
static Sim *volatile interrupt_target;
static volatile gint interrupt_signal;

static void on_interrupt(int signo)
{
    g_atomic_int_set(&interrupt_signal, signo);  /* lock-free: async-signal-safe */
    if (interrupt_target)
        sim_request_stop(interrupt_target);
    /* A second Ctrl-C while the results are written kills at once; PARTIAL says so. */
    signal(signo, SIG_DFL);
}

static void set_handlers(void (*handler)(int))
{
    struct sigaction sa = { .sa_handler = handler };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);  /* what batch schedulers send at the time limit */
}

void kadsim_catch_interrupts(Sim *target)
{
    interrupt_target = target;
    set_handlers(on_interrupt);
}

void kadsim_release_interrupts(void)
{
    set_handlers(SIG_DFL);
    interrupt_target = NULL;
}

int kadsim_interrupted(void)
{
    return g_atomic_int_get(&interrupt_signal);
}

/* All keys the program knows: the engine's, the results', the protocol's, and [sweep]. */
SimConfig *kadsim_config_new(void)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    sim_results_declare(cfg);
    kad_protocol_class.declare(cfg);
    sim_trace_declare(cfg);
    sim_config_declare_free_section(cfg, "sweep", "Parameter sweep and replicates: SECTION.KEY = "
                                    "v1, v2, ... per swept key, replicates = N (docs/sweeps.md)");
    return cfg;
}

gboolean kadsim_config_load(SimConfig *cfg, const KadsimOptions *opt, GError **error)
{
    if (!sim_config_load_file(cfg, opt->scenario, error))
        return FALSE;
    if (opt->seed >= 0) {
        g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT, opt->seed);
        if (!sim_config_set(cfg, "simulation", "seed", text, "--seed", error))
            return FALSE;
    }
    for (char **s = opt->sets; s && *s; s++)
        if (!sim_config_set_override(cfg, *s, error))
            return FALSE;
    /* The title is resolved into run.ini, so a rerun from run.ini plots under the same name. */
    if (!*sim_config_get_string(cfg, "output", "title")) {
        g_autofree char *name = sim_config_name(cfg);
        return sim_config_set(cfg, "output", "title", name, NULL, error);
    }
    return TRUE;
}

/* ---- labels --------------------------------------------------------------------------- */

/* A resolved value by name, or NULL when the key is not declared (e.g. a protocol's keys
 * while it is being written): the subtitle names what exists. Caller frees. */
static char *optional_value(GKeyFile *resolved, const char *section, const char *key)
{
    return g_key_file_get_value(resolved, section, key, NULL);
}

static gboolean skipped(const char *const *skip, const char *section, const char *key)
{
    for (; skip && *skip; skip++) {
        gsize n = strlen(section);
        if (strncmp(*skip, section, n) == 0 && (*skip)[n] == '.' && strcmp(*skip + n + 1, key) == 0)
            return TRUE;
    }
    return FALSE;
}

char *kadsim_subtitle(const char *resolved_ini, const char *const *skip, gboolean with_seed)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_load_from_data(kf, resolved_ini, (gsize) -1, G_KEY_FILE_NONE, NULL);
    GString *s = g_string_new(NULL);
    g_autofree char *nodes = optional_value(kf, "simulation", "nodes");
    if (!skipped(skip, "simulation", "nodes"))
        g_string_append_printf(s, "%s nodes", nodes);
    g_autofree char *duration = optional_value(kf, "simulation", "duration");
    g_autofree char *warmup = optional_value(kf, "simulation", "warmup");
    g_string_append_printf(s, "%s%s", s->len ? ", " : "", duration);
    if (warmup && strcmp(warmup, "0") != 0)
        g_string_append_printf(s, " (warm-up %s)", warmup);
    static const struct { const char *section, *key, *label; } shown[] = {
        { "churn", "model", "churn" }, { "network", "latency", "latency" },
        { "network", "loss", "loss" },
        { "kademlia", "k", "k" }, { "kademlia", "alpha", "alpha" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(shown); i++) {
        g_autofree char *v = optional_value(kf, shown[i].section, shown[i].key);
        if (v && strcmp(v, "none") != 0 && !skipped(skip, shown[i].section, shown[i].key))
            g_string_append_printf(s, ", %s %s", shown[i].label, v);
    }
    g_autofree char *seed = optional_value(kf, "simulation", "seed");
    if (with_seed)
        g_string_append_printf(s, ", seed %s", seed);
    return g_string_free(s, FALSE);
}

/* ---- progress ------------------------------------------------------------------------- */

typedef struct {
    SimTime until;
    gint64 wall_start_us, last_us;
    uint64_t last_events;
    gboolean shown;
} Progress;

/* Stable width for a line redrawn in place. */
void kadsim_format_clock(char *buf, gsize n, double s)
{
    if (!(s >= 0) || s > 1e9) {
        g_strlcpy(buf, "--:--:--", n);
        return;
    }
    guint64 t = (guint64) s, d = t / 86400;
    if (d)
        g_snprintf(buf, n, "%" G_GUINT64_FORMAT "d %02d:%02d:%02d", d, (int) (t / 3600 % 24),
                   (int) (t / 60 % 60), (int) (t % 60));
    else
        g_snprintf(buf, n, "%d:%02d:%02d", (int) (t / 3600), (int) (t / 60 % 60), (int) (t % 60));
}

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

/* ---- plots ---------------------------------------------------------------------------- */

/* $KADSIM_GNUPLOT if set (empty: none), else the one configure found. */
const char *kadsim_gnuplot(void)
{
    const char *env = g_getenv("KADSIM_GNUPLOT");
    return env ? env : KADSIM_GNUPLOT;
}

/* $KADSIM_PLOTS_DIR, the source tree (a build not installed), or the installed copy. */
char *kadsim_plot_scripts(void)
{
    const char *candidates[] = { g_getenv("KADSIM_PLOTS_DIR"), KADSIM_SRCDIR "/plots",
                                 KADSIM_PKGDATADIR "/plots" };
    for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
        if (!candidates[i])
            continue;
        g_autofree char *probe = g_build_filename(candidates[i], "common.gp", NULL);
        if (g_file_test(probe, G_FILE_TEST_IS_REGULAR))
            return g_strdup(candidates[i]);
    }
    return NULL;
}

/* Render the plots if we can; says why not otherwise. Plots are derived from the CSV files,
 * so a plot that fails is a warning, not a failed run. Returns TRUE when they were made. */
static gboolean render_plots(const char *dir, const KadsimOptions *opt, const char **why_not)
{
    const char *gnuplot = kadsim_gnuplot();
    if (opt->no_plots)
        return *why_not = "--no-plots", FALSE;
    if (!*gnuplot)
        return *why_not = "gnuplot not found", FALSE;
    g_autofree char *scripts = kadsim_plot_scripts();
    if (!scripts)
        return *why_not = "plot scripts not found (set KADSIM_PLOTS_DIR)", FALSE;
    g_autoptr(GError) error = NULL;
    if (!sim_results_render_plots(dir, gnuplot, scripts, &error)) {
        fprintf(stderr, "kadsim: warning: plots not rendered: %s\n", error->message);
        return *why_not = "gnuplot failed", FALSE;
    }
    return TRUE;
}

/* ---- the human summary ---------------------------------------------------------------- */

static double metric(const SimResults *res, const char *name)
{
    double v = NAN;
    sim_results_metric(res, name, &v);
    return v;
}

static void print_summary(const SimResults *res, const KadsimOptions *opt, gboolean plotted,
                          const char *why_not)
{
    const char *dir = sim_results_dir(res);
    printf("%s: %.0f nodes, %.0f events, %.4g s simulated in %.3g s of wall time%s\n",
           opt->scenario, metric(res, "nodes"), metric(res, "events"),
           metric(res, "sim_time_s"), metric(res, "wall_s"),
           sim_results_partial(res) ? " (INTERRUPTED: partial results)" : "");
    if (metric(res, "lookups") > 0) {
        printf("  lookups %.0f: %.1f%% succeeded", metric(res, "lookups"),
               100 * metric(res, "lookup_success_rate"));
        if (!isnan(metric(res, "lookup_correct_rate")))
            printf(", %.1f%% found the true k closest", 100 * metric(res, "lookup_correct_rate"));
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

/* ---- the run -------------------------------------------------------------------------- */

static int fail(int status, const GError *error)
{
    fprintf(stderr, "kadsim: %s\n", error->message);
    return status;
}

static int run_sim(SimConfig *cfg, const KadsimOptions *opt, const char *dir)
{
    g_autoptr(GError) error = NULL;
    if (!sim_results_check_dir(dir, opt->force, &error))
        return fail(EXIT_USAGE, error);  /* before building what may be a large simulation */
    Sim *sim = sim_new(cfg, &kad_protocol_class, &error);
    if (!sim)
        return fail(EXIT_USAGE, error);
    g_autofree char *ini = sim_config_to_data(cfg, NULL);
    g_autofree char *subtitle = kadsim_subtitle(ini, NULL, TRUE);
    SimResultsOptions ropt = {
        .force = opt->force, .header = "kadsim " PACKAGE_VERSION, .subtitle = subtitle,
    };
    SimResults *res = sim_results_new(sim, dir, &ropt, &error);
    if (!res) {
        sim_free(sim);
        return fail(g_error_matches(error, SIM_RESULTS_ERROR, SIM_RESULTS_ERROR_EXISTS)
                        ? EXIT_USAGE : EXIT_RUNTIME, error);
    }
    SimTrace *trace = sim_trace_open(sim, dir);  /* [trace]: trace.csv; NULL when off */
    SimTime until = sim_config_get_duration(cfg, "simulation", "duration");
    Progress progress = { .until = until, .wall_start_us = g_get_monotonic_time() };
    progress.last_us = progress.wall_start_us;
    if (!opt->quiet && isatty(STDERR_FILENO))
        sim_set_progress(sim, show_progress, &progress, PROGRESS_EVERY_S);

    kadsim_catch_interrupts(sim);
    SimStopReason why = sim_run(sim, until);
    clear_progress(&progress);

    int status = EXIT_SUCCESS;
    if (!sim_check_conservation(sim, &error)) {
        fprintf(stderr, "kadsim: internal error: %s\n", error->message);
        g_clear_error(&error);
        status = EXIT_RUNTIME;
    }
    if (!sim_trace_close(trace, &error) || !sim_results_finish(res, why, &error)) {
        fprintf(stderr, "kadsim: cannot write the results: %s\n", error->message);
        status = EXIT_RUNTIME;
    } else {
        const char *why_not = NULL;
        gboolean plotted = render_plots(dir, opt, &why_not);
        if (!opt->quiet)
            print_summary(res, opt, plotted, why_not);
    }
    kadsim_release_interrupts();
    if (status == EXIT_SUCCESS && why == SIM_STOP_REQUESTED)
        status = EXIT_SIGNALLED(kadsim_interrupted() ? kadsim_interrupted() : SIGINT);
    sim_results_free(res);
    sim_free(sim);
    return status;
}

int kadsim_run_main(const KadsimOptions *opt)
{
    g_autoptr(GError) error = NULL;
    SimConfig *cfg = kadsim_config_new();
    int status;
    g_auto(GStrv) swept = NULL;
    if (!kadsim_config_load(cfg, opt, &error)) {
        status = fail(EXIT_USAGE, error);
    } else if ((swept = sim_config_free_section_keys(cfg, "sweep"))[0]) {
        status = kadsim_sweep_main(cfg, opt);
    } else if (opt->shard) {
        fprintf(stderr, "kadsim: --shard %s: %s has no [sweep] section, so there is nothing to "
                "share out (docs/sweeps.md)\n", opt->shard, opt->scenario);
        status = EXIT_USAGE;
    } else if (opt->check_only) {
        g_autofree char *text = sim_config_to_data(cfg, "kadsim " PACKAGE_VERSION
                                                   ": resolved configuration");
        fputs(text, stdout);
        status = EXIT_SUCCESS;
    } else {
        g_autofree char *name = sim_config_name(cfg);
        g_autofree char *dir = opt->out_dir ? g_strdup(opt->out_dir)
                                            : g_build_filename(RESULTS_ROOT, name, NULL);
        status = run_sim(cfg, opt, dir);
    }
    sim_config_free(cfg);
    return status;
}
