/* sweep_run — running a sweep: the configuration of every run (the scenario, --seed and --set,
 * the point's values, the replicate's seed), all validated before anything runs; the runs of
 * this shard on a GThreadPool of -j threads; a progress line; then the tables (sweep.c).
 *
 * Threads: each simulation is self-contained (its Sim, protocol state, results and SimConfig;
 * DESIGN.md decision 9), so runs share nothing but the Runner's counters (under its lock) and
 * the process's signal state (program.c). Each run is kadsim_simulate(), the path of a single
 * run. Configurations are built ahead in the main thread (so that a wrong point stops the
 * sweep before its runs start), simulations in the pool's threads. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "program.h"
#include "protocols.h"
#include "sim.h"
#include "sim_atomic.h"
#include "simulate.h"
#include "sweep.h"

/* Wall time between two redraws of the progress line, and between two reports of a running
 * simulation's simulated time. */
#define PROGRESS_EVERY_US 500000
#define JOB_PROGRESS_EVERY_S 0.1
/* Configurations built ahead of the threads, per thread: enough to never starve them, few
 * enough that a sweep of a million runs does not hold a million configurations. */
#define QUEUED_PER_THREAD 2

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE } JobState;

typedef struct {
    guint run;             /* in the grid */
    char *name, *dir;
    SimConfig *cfg;        /* built just before the job is queued, freed when it is done */
    char *subtitle;
    SimTime until;
    volatile gint state;   /* JobState */
    volatile gint permille;  /* of simulated time, while it runs */
    int status;
} Job;

typedef struct {
    const KadsimOptions *opt;
    const SweepGrid *grid;
    GPtrArray *jobs;       /* Job*, this shard's runs in grid order */
    guint threads;
    GMutex lock;           /* guards what follows, and stderr while the threads run */
    GCond changed;
    guint finished, failed;  /* jobs out of the pool (run, skipped or failed); failed ones */
    guint completed;       /* runs that reached their end */
    gboolean tty;          /* a progress line on stderr, else a line per finished run */
    gint64 start_us;
} Runner;

static void job_free(gpointer p)
{
    Job *job = p;
    g_free(job->name);
    g_free(job->dir);
    sim_config_free(job->cfg);
    g_free(job->subtitle);
    g_free(job);
}

/* ---- configurations --------------------------------------------------------------------- */

/* Where [sweep] KEY came from: the last --set sweep.KEY=..., or NULL (the file). */
static char *sweep_origin(const KadsimOptions *opt, const char *key)
{
    char *origin = NULL;
    for (char **s = opt->sets; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        g_autofree char *lhs = eq ? g_strstrip(g_strndup(*s, (gsize) (eq - *s))) : NULL;
        if (lhs && g_str_has_prefix(lhs, "sweep.") && strcmp(lhs + 6, key) == 0) {
            g_free(origin);
            origin = g_strdup_printf("--set %s", *s);
        }
    }
    return origin;
}

static SweepGrid *grid_of(const SimConfig *cfg, const KadsimOptions *opt, GError **error)
{
    g_auto(GStrv) keys = sim_config_free_section_keys(cfg, "sweep");
    guint n = g_strv_length(keys);
    g_autofree char **values = g_new0(char *, n + 1);
    char **origins = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        values[i] = (char *) sim_config_free_section_value(cfg, "sweep", keys[i]);
        origins[i] = sweep_origin(opt, keys[i]);
    }
    SweepGrid *g = sweep_grid_new(sim_config_source(cfg), keys, values, origins, error);
    for (guint i = 0; i < n; i++)
        g_free(origins[i]);
    g_free(origins);
    return g;
}

/* A swept key may not also be set with --set: one of the two would be ignored. */
static gboolean check_sets(const SweepGrid *g, const KadsimOptions *opt, GError **error)
{
    for (char **s = opt->sets; s && *s; s++) {
        const char *eq = strchr(*s, '=');
        g_autofree char *lhs = eq ? g_strstrip(g_strndup(*s, (gsize) (eq - *s))) : NULL;
        for (guint a = 0; lhs && a < sweep_grid_axes(g); a++)
            if (strcmp(lhs, sweep_grid_axis_name(g, a)) == 0) {
                g_set_error(error, SIM_CONFIG_ERROR, 0, "--set %s: %s is swept ([sweep]); give "
                            "its values with --set sweep.%s=V1,V2,...", *s, lhs, lhs);
                return FALSE;
            }
    }
    return TRUE;
}

/* An error of sim_config_set_override() for a swept value, said in terms of the sweep: its
 * messages name "--set SECTION.KEY=VALUE", which the user did not type; and the value may be
 * wrong only with the values of other swept keys, so the point is named. */
static void reword_override_error(GError **error, GError *err, const SweepGrid *g, guint point,
                                  guint axis, const char *assignment)
{
    g_autofree char *as_set = g_strdup_printf("--set %s", assignment);
    g_autofree char *prefix = g_strdup_printf("%s: ", as_set);
    const char *msg = g_str_has_prefix(err->message, prefix) ? err->message + strlen(prefix)
                                                              : err->message;
    g_auto(GStrv) parts = g_strsplit(msg, as_set, -1);
    g_autofree char *said = g_strjoinv("the sweep", parts);
    GString *at = g_string_new(NULL);
    for (guint a = 0; a < sweep_grid_axes(g); a++)
        g_string_append_printf(at, "%s%s = %s", a ? ", " : "", sweep_grid_axis_name(g, a),
                               sweep_grid_value(g, point, a));
    const char *origin = sweep_grid_origin(g, axis), *value = sweep_grid_value(g, point, axis);
    g_set_error(error, SIM_CONFIG_ERROR, 0, g_str_has_prefix(origin, "--set ")
                ? "%s: value %s: %s (at the point %s)" : "%s = %s: %s (at the point %s)",
                origin, value, said, at->str);
    g_string_free(at, TRUE);
}

/* The configuration of point `point`: the scenario with the point's values, each checked as a
 * scenario value is (type, range, and whether it applies under the other values). */
static SimConfig *point_config(const SweepGrid *g, const KadsimOptions *opt, guint point,
                               GError **error)
{
    SimConfig *cfg = kadsim_config_new();
    if (!kadsim_config_load(cfg, opt, error))
        goto fail;
    for (guint a = 0; a < sweep_grid_axes(g); a++) {
        const char *name = sweep_grid_axis_name(g, a), *dot = strchr(name, '.');
        g_autofree char *section = g_strndup(name, (gsize) (dot - name));
        if (strcmp(section, "sweep") == 0) {
            g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: [sweep] cannot sweep itself",
                        sweep_grid_origin(g, a));
            goto fail;
        }
        if (!sim_config_set(cfg, section, dot + 1, sweep_grid_value(g, point, a),
                            sweep_grid_origin(g, a), error))
            goto fail;
    }
    /* Mark them as given, as --set does, so that a value that does not apply is an error. */
    for (guint a = 0; a < sweep_grid_axes(g); a++) {
        const char *value = sweep_grid_value(g, point, a);
        g_autofree char *assignment = g_strdup_printf("%s=%s", sweep_grid_axis_name(g, a), value);
        GError *err = NULL;
        if (!sim_config_set_override(cfg, assignment, &err)) {
            reword_override_error(error, err, g, point, a, assignment);
            g_error_free(err);
            goto fail;
        }
    }
    /* the point's own protocol: its section listed, its dependent values (profile) resolved */
    if (!kadsim_protocols_select(cfg, error))
        goto fail;
    return cfg;
fail:
    sim_config_free(cfg);
    return NULL;
}

static SimConfig *run_config(const SweepGrid *g, const KadsimOptions *opt, guint run,
                             uint64_t master, GError **error)
{
    guint reps = sweep_grid_replicates(g);
    SimConfig *cfg = point_config(g, opt, run / reps, error);
    if (!cfg)
        return NULL;
    g_autofree char *seed = g_strdup_printf("%" G_GUINT64_FORMAT,
                                            sweep_replicate_seed(master, run % reps));
    if (!sim_config_set(cfg, "simulation", "seed", seed, "replicate seed", error)) {
        sim_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* ---- running ---------------------------------------------------------------------------- */

static void job_progress(Sim *sim, void *ctx)
{
    Job *job = ctx;
    double done = job->until > 0 ? (double) sim_now(sim) / (double) job->until : 1.0;
    g_atomic_int_set(&job->permille, (gint) (1000 * done));
}

/* One run: kadsim_simulate(), then its folder is complete. Returns its status. */
static int job_execute(Runner *rn, Job *job, GError **error)
{
    KadsimSimSpec spec = {
        .force = rn->opt->force, .subtitle = job->subtitle, .omit_section = "sweep",
        .progress = job_progress, .progress_ctx = job, .progress_every_s = JOB_PROGRESS_EVERY_S,
        .threads = (guint) rn->opt->threads,
    };
    int status = kadsim_simulate(job->cfg, job->dir, &spec, NULL, error);
    if (status == EXIT_SUCCESS && !sim_folder_complete(job->dir, error))
        status = kadsim_exit_status(*error);
    return status;
}

static void job_thread(gpointer data, gpointer user)
{
    Job *job = data;
    Runner *rn = user;
    g_mutex_lock(&rn->lock);
    gboolean skip = rn->failed > 0 || kadsim_interrupted();
    g_mutex_unlock(&rn->lock);
    GError *error = NULL;
    gint64 t0 = g_get_monotonic_time();
    double cpu0 = sim_thread_cpu_s();
    if (!skip) {
        g_atomic_int_set(&job->state, JOB_RUNNING);
        job->status = job_execute(rn, job, &error);
    }
    double wall_s = (double) (g_get_monotonic_time() - t0) / 1e6, cpu_s = sim_thread_cpu_s() - cpu0;
    g_clear_pointer(&job->cfg, sim_config_free);

    g_mutex_lock(&rn->lock);
    g_atomic_int_set(&job->state, JOB_DONE);
    rn->finished++;
    const char *clear = rn->tty ? "\r\033[K" : "";
    if (error) {
        rn->failed++;
        fprintf(stderr, "%skadsim: run %s: %s\n", clear, job->name, error->message);
    } else if (job->status == EXIT_SUCCESS) {
        rn->completed++;
        if (!rn->tty && !rn->opt->quiet)
            fprintf(stderr, "kadsim: run %u of %u done: %s (%.2f s, %.2f s of CPU)\n",
                    rn->completed, rn->jobs->len, job->name, wall_s, cpu_s);
    } else if (!skip && !rn->opt->quiet) {
        fprintf(stderr, "%skadsim: run %s stopped (%.1f s)\n", clear, job->name, wall_s);
    }
    g_cond_signal(&rn->changed);
    g_mutex_unlock(&rn->lock);
    g_clear_error(&error);
}

/* "runs 5 of 27 done, 2 running (-j 2)  elapsed 0:01:10  ETA 0:03:40"; the ETA counts the
 * simulated fraction of the running runs. Called with rn->lock held. */
static void show_progress(Runner *rn, guint pushed)
{
    double done = rn->completed;
    guint running = 0;
    for (guint i = 0; i < pushed; i++) {
        Job *job = g_ptr_array_index(rn->jobs, i);
        if (g_atomic_int_get(&job->state) == JOB_RUNNING) {
            running++;
            done += MIN(1.0, g_atomic_int_get(&job->permille) / 1000.0);
        }
    }
    double elapsed = (double) (g_get_monotonic_time() - rn->start_us) / 1e6;
    double left = rn->jobs->len - done;
    char at[32], eta[32];
    kadsim_format_clock(at, sizeof at, elapsed);
    kadsim_format_clock(eta, sizeof eta, done > 0 ? elapsed * left / done : -1);
    fprintf(stderr, "\r\033[K  runs %u of %u done, %u running (-j %u)  elapsed %s  ETA %s",
            rn->completed, rn->jobs->len, running, rn->threads, at, eta);
    fflush(stderr);
}

/* Build the configuration of a job (main thread only, see the top of the file). */
static gboolean job_prepare(Job *job, const SweepGrid *g, const KadsimOptions *opt,
                            uint64_t master, GError **error)
{
    job->cfg = run_config(g, opt, job->run, master, error);
    if (!job->cfg)
        return FALSE;
    g_autofree char *ini = sim_config_to_data(job->cfg, NULL);
    job->subtitle = kadsim_subtitle(ini, NULL, TRUE);
    job->until = sim_config_get_duration(job->cfg, "simulation", "duration");
    return TRUE;
}

/* Run the jobs on the pool; returns how many failed. */
static guint run_jobs(Runner *rn, uint64_t master)
{
    guint n = rn->jobs->len, pushed = 0;
    gboolean show = rn->tty && !rn->opt->quiet;
    GThreadPool *pool = g_thread_pool_new(job_thread, rn, (gint) rn->threads, TRUE, NULL);
    g_assert(pool);  /* exclusive pools fail only when threads cannot be made: no way on */
    rn->start_us = g_get_monotonic_time();
    g_mutex_lock(&rn->lock);
    while (rn->finished < n) {
        while (pushed < n && pushed - rn->finished < QUEUED_PER_THREAD * rn->threads) {
            Job *job = g_ptr_array_index(rn->jobs, pushed++);
            g_mutex_unlock(&rn->lock);
            GError *error = NULL;
            gboolean ok = job_prepare(job, rn->grid, rn->opt, master, &error);
            g_mutex_lock(&rn->lock);
            if (ok) {
                g_thread_pool_push(pool, job, NULL);
                continue;
            }
            fprintf(stderr, "%skadsim: run %s: %s\n", show ? "\r\033[K" : "", job->name,
                    error->message);
            g_error_free(error);
            job->status = EXIT_USAGE;
            g_atomic_int_set(&job->state, JOB_DONE);
            rn->failed++;
            rn->finished++;
        }
        if (rn->finished >= n)
            break;
        g_cond_wait_until(&rn->changed, &rn->lock, g_get_monotonic_time() + PROGRESS_EVERY_US);
        if (show)
            show_progress(rn, pushed);
    }
    g_mutex_unlock(&rn->lock);
    g_thread_pool_free(pool, FALSE, TRUE);
    if (show)
        fputs("\r\033[K", stderr);
    return rn->failed;
}

/* ---- the sweep -------------------------------------------------------------------------- */

static char *sweep_header(const SweepGrid *g)
{
    return g_strdup_printf("kadsim " PACKAGE_VERSION "\nResolved scenario of a sweep: %u "
                           "point%s × %u replicate%s = %u runs. Run it again with: kadsim -o DIR "
                           SWEEP_INI, sweep_grid_points(g), sweep_grid_points(g) == 1 ? "" : "s",
                           sweep_grid_replicates(g), sweep_grid_replicates(g) == 1 ? "" : "s",
                           sweep_grid_runs(g));
}

/* --check: the resolved sweep, and its runs (of this shard) as comments. */
static void print_check(const SweepGrid *g, const char *ini, uint64_t master, guint index,
                        guint count)
{
    fputs(ini, stdout);
    printf("\n# Runs%s (folder under " SWEEP_RUNS "/, master seed):\n",
           count > 1 ? " of this shard" : "");
    for (guint r = 0; r < sweep_grid_runs(g); r++) {
        if (!sweep_shard_has(r, index, count))
            continue;
        g_autofree char *name = sweep_grid_run_name(g, r);
        printf("#   %s  seed %" G_GUINT64_FORMAT "\n", name,
               sweep_replicate_seed(master, r % sweep_grid_replicates(g)));
    }
}

static char *shard_ini(const char *name, guint index, guint count, guint runs)
{
    return g_strdup_printf("# One shard of a kadsim sweep: combine the shards with\n"
                           "#   kadsim merge -o DIR SHARD_DIR...\n"
                           "[shard]\nname = %s\nindex = %u\ncount = %u\nruns = %u\n",
                           name, index, count, runs);
}


/* Run the runs of shard index/count of a checked sweep into its folder; returns the status. */
static int run_sweep(const SweepGrid *g, SimConfig *base, const KadsimOptions *opt,
                     const char *ini, guint index, guint count)
{
    g_autoptr(GError) error = NULL;
    uint64_t master = (uint64_t) sim_config_get_int(base, "simulation", "seed");
    g_autofree char *name = sim_config_name(base);
    g_autofree char *dir = opt->out_dir ? g_strdup(opt->out_dir)
                         : opt->shard ? g_strdup_printf(KADSIM_RESULTS_ROOT "/%s-shard%uof%u", name,
                                                        index, count)
                                      : g_build_filename(KADSIM_RESULTS_ROOT, name, NULL);
    Runner rn = { .opt = opt, .grid = g, .tty = isatty(STDERR_FILENO) };
    rn.jobs = g_ptr_array_new_with_free_func(job_free);
    for (guint r = 0; r < sweep_grid_runs(g); r++) {
        if (!sweep_shard_has(r, index, count))
            continue;
        Job *job = g_new0(Job, 1);
        job->run = r;
        job->name = sweep_grid_run_name(g, r);
        job->dir = g_build_filename(dir, SWEEP_RUNS, job->name, NULL);
        job->status = -1;
        g_ptr_array_add(rn.jobs, job);
    }
    /* By default the cores are shared out: each run takes --threads of them. */
    gint cores = opt->jobs > 0 ? opt->jobs
                               : MAX(1, (gint) g_get_num_processors() / MAX(opt->threads, 1));
    rn.threads = MAX(1, MIN((guint) cores, rn.jobs->len));
    g_mutex_init(&rn.lock);
    g_cond_init(&rn.changed);

    int status = EXIT_SUCCESS;
    g_autofree char *shard_text = shard_ini(name, index, count, rn.jobs->len);
    if (!sweep_open_folder(dir, opt->force, &error)
        || !sim_atomic_write(dir, SWEEP_INI, ini, &error)
        || (opt->shard && !sim_atomic_write(dir, SWEEP_SHARD, shard_text, &error))) {
        status = kadsim_fail(NULL, error);
        goto out;
    }
    if (!opt->quiet) {
        printf("%s: %u point%s × %u replicate%s = %u runs", opt->scenario, sweep_grid_points(g),
               sweep_grid_points(g) == 1 ? "" : "s", sweep_grid_replicates(g),
               sweep_grid_replicates(g) == 1 ? "" : "s", sweep_grid_runs(g));
        if (opt->shard)
            printf(", shard %u/%u: %u of them", index, count, rn.jobs->len);
        printf(", -j %u\n", rn.threads);
        fflush(stdout);
    }

    guint failed = run_jobs(&rn, master);
    double wall_s = (double) (g_get_monotonic_time() - rn.start_us) / 1e6;
    char took[32];
    kadsim_format_clock(took, sizeof took, wall_s);

    if (kadsim_interrupted()) {
        fprintf(stderr, "kadsim: sweep interrupted after %s; %s/ is incomplete (PARTIAL)\n",
                took, dir);
        status = EXIT_SIGNALLED(kadsim_interrupted());
    } else if (failed) {
        fprintf(stderr, "kadsim: %u run%s failed; %s/ is incomplete (PARTIAL)\n", failed,
                failed == 1 ? "" : "s", dir);
        status = EXIT_RUNTIME;
    } else if (opt->shard) {
        if (!sim_folder_complete(dir, &error))
            status = kadsim_fail(NULL, error);
        else if (!opt->quiet)
            printf("  %u runs in %s (%.1f s)\n  results: %s/" SWEEP_RUNS "/ (a shard: combine "
                   "the shards with  kadsim merge -o DIR %s ...)\n", rn.jobs->len, took, wall_s,
                   dir, dir);
    } else {
        if (!opt->quiet)
            printf("  %u runs in %s (%.1f s)\n", rn.jobs->len, took, wall_s);
        status = sweep_finish_folder(g, dir, ini, opt->no_plots, opt->quiet);
    }
out:
    g_ptr_array_free(rn.jobs, TRUE);
    g_mutex_clear(&rn.lock);
    g_cond_clear(&rn.changed);
    return status;
}

/* Check everything a sweep needs before anything runs: the grid, --set against it, and every
 * point (whatever the shard, so that all shards agree). NULL with *error set when wrong. */
static SweepGrid *checked_grid(const SimConfig *base, const KadsimOptions *opt, GError **error)
{
    SweepGrid *g = grid_of(base, opt, error);
    if (!g)
        return NULL;
    if (!check_sets(g, opt, error))
        goto fail;
    for (guint p = 0; p < sweep_grid_points(g); p++) {
        SimConfig *cfg = point_config(g, opt, p, error);
        if (!cfg)
            goto fail;
        sim_config_free(cfg);
    }
    return g;
fail:
    sweep_grid_free(g);
    return NULL;
}

int kadsim_sweep_main(SimConfig *base, const KadsimOptions *opt)
{
    g_autoptr(GError) error = NULL;
    guint index = 0, count = 1;
    if (opt->shard && !sweep_parse_shard(opt->shard, &index, &count, &error))
        return kadsim_fail(NULL, error);
    if (opt->jobs < 0) {
        fprintf(stderr, "kadsim: -j %d: give a number of simulations at once, >= 1 (default: "
                "one per core)\n", opt->jobs);
        return EXIT_USAGE;
    }
    SweepGrid *g = checked_grid(base, opt, &error);
    if (!g)
        return kadsim_fail(NULL, error);
    g_autofree char *header = sweep_header(g);
    g_autofree char *ini = sim_config_to_data(base, header);
    int status = EXIT_SUCCESS;
    if (opt->check_only)
        print_check(g, ini, (uint64_t) sim_config_get_int(base, "simulation", "seed"), index,
                    count);
    else
        status = run_sweep(g, base, opt, ini, index, count);
    sweep_grid_free(g);
    return status;
}
