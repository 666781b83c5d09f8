/* sim_results — the results folder of a run: CSV tables, statistics, the resolved scenario and
 * the labels the plot scripts read (the files are described in docs/output.md).
 *
 * It observes a Sim (operations, hosts coming and going) and samples the message counters at
 * every [output] interval through an engine event of its own. Only what the statistics need is
 * kept in memory: per finished operation of the measurement window, a float latency and a
 * 16-bit hop count (6 bytes; 6 MB at a million operations). ops.csv and timeseries.csv are
 * streamed to disk as the run goes.
 *
 * Atomicity: the folder holds a PARTIAL file from the moment it is opened; every file is
 * written under NAME.tmp and renamed when complete; PARTIAL is removed last, and only when the
 * run reached its end. A run that is interrupted keeps PARTIAL (saying where it stopped), one
 * that dies leaves PARTIAL and *.tmp files: no folder without PARTIAL is ever incomplete. */
#pragma once

#include "sim.h"

/* The folder marker of an incomplete run, and the file every complete folder has. */
#define SIM_RESULTS_PARTIAL "PARTIAL"

#define SIM_RESULTS_ERROR (sim_results_error_quark())
GQuark sim_results_error_quark(void);
typedef enum {
    SIM_RESULTS_ERROR_EXISTS,  /* the folder exists and holds results: pass force */
    SIM_RESULTS_ERROR_IO,
} SimResultsError;

/* A results file written under NAME.tmp and renamed to NAME when complete and flushed to disk,
 * so that a file under its final name is always whole (shared with sim_trace.c). */
typedef struct {
    char *path, *tmp;
    FILE *f;
} SimAtomicFile;

/* Open dir/name.tmp for writing with a `buffer`-byte stdio buffer. */
gboolean sim_atomic_open(SimAtomicFile *af, const char *dir, const char *name, gsize buffer,
                         GError **error);
/* Flush to disk and rename into place: the file is complete or absent, never half-written. */
gboolean sim_atomic_commit(SimAtomicFile *af, GError **error);
/* Close and remove the temporary file. */
void sim_atomic_abandon(SimAtomicFile *af);

typedef struct SimResults SimResults;

/* Declare the [output] keys. */
void sim_results_declare(SimConfig *cfg);

/* Can `dir` receive results? It may not exist, be empty, or (with force) hold results, whose
 * files will be replaced. Checked again by sim_results_new(); this lets a caller refuse before
 * building a large simulation. */
gboolean sim_results_check_dir(const char *dir, gboolean force, GError **error);

typedef struct {
    gboolean force;        /* replace the files of an earlier run in `dir` */
    const char *header;    /* comment lines on top of run.ini (e.g. "kadsim 0.1.0"); may be NULL */
    const char *subtitle;  /* key parameters for plot titles ("1000 nodes, k = 20, seed 1") */
    const char *omit_section;  /* a free section left out of run.ini (the runs of a sweep omit
                                  [sweep], so that their run.ini reruns one run); may be NULL */
} SimResultsOptions;

/* Open `dir` (created with its parents if needed), write run.ini and start observing sim,
 * which must not have run yet. The results live until sim_results_free(), which must come
 * before sim_free(). */
SimResults *sim_results_new(Sim *sim, const char *dir, const SimResultsOptions *opt,
                            GError **error);

/* After sim_run() returned `why`: close the last interval, write the tables and the statistics,
 * rename every file to its final name; remove PARTIAL when the run was complete, or rewrite it
 * with where the run stopped. On a write error, *error says which file; the folder keeps
 * PARTIAL. */
gboolean sim_results_finish(SimResults *res, SimStopReason why, GError **error);

/* Free; without sim_results_finish() the run is abandoned: temporary files are removed and
 * PARTIAL stays. */
void sim_results_free(SimResults *res);

const char *sim_results_dir(const SimResults *res);
gboolean sim_results_partial(const SimResults *res);

/* A metric of summary.csv or perf.csv by name (after finish); FALSE if there is none. The value
 * is NaN where the file has an empty field. */
gboolean sim_results_metric(const SimResults *res, const char *name, double *value);

/* Render the plot scripts `scripts_dir`/{hops,latency_cdf,timeseries,bandwidth}.gp with
 * `gnuplot` into the folder (PNG and SVG, each renamed into place when complete). Fails with
 * gnuplot's own message. */
gboolean sim_results_render_plots(const char *dir, const char *gnuplot, const char *scripts_dir,
                                  GError **error);

/* Run one plot script: `gnuplot` -e "dir='DIR'; out_suffix='.tmp'; VARS" SCRIPT, which writes
 * DIR/IMAGE.{png,svg}.tmp; each is renamed into place when gnuplot succeeded. `vars` (more
 * gnuplot assignments, e.g. "metric='hops_mean'") may be NULL. Fails with gnuplot's message. */
gboolean sim_results_render_script(const char *dir, const char *gnuplot, const char *script,
                                   const char *vars, const char *image, GError **error);

/* Append `var = "text"` and a newline to out: a gnuplot string assignment (for label files). */
void sim_results_gp_string(GString *out, const char *var, const char *text);

/* The plot scripts that sim_results_render_plots() runs, NULL-terminated ("hops", ...). */
extern const char *const sim_results_plot_names[];
