/* sim_results — the results folder of a run: CSV tables, statistics, the resolved scenario and
 * the labels the plot scripts read (the files are described in docs/output.md).
 *
 * It observes a Sim (operations, hosts coming and going) and samples the message counters at
 * every [output] interval through an engine event of its own. Only what the statistics need is
 * kept in memory: per finished operation of the measurement window, a float latency and a
 * 16-bit hop count (6 bytes; 6 MB at a million operations). ops.csv and timeseries.csv are
 * streamed to disk as the run goes.
 *
 * Atomicity: the folder follows sim_folder's policy (PARTIAL from the moment it is opened,
 * removed last and only when the run reached its end) and every file goes through sim_atomic
 * (written under NAME.tmp, renamed when complete). A run that is interrupted keeps PARTIAL
 * (saying where it stopped); one that dies leaves PARTIAL and *.tmp files.
 *
 * Tables only: drawing them is the program's business (src/plots.c, plots/). */
#pragma once

#include "sim.h"

#include "sim_folder.h"

typedef struct SimResults SimResults;

/* Declare the [output] keys. */
void sim_results_declare(SimConfig *cfg);

/* The policy of a run's folder: run.ini marks it, --force replaces the tables it lists. */
extern const SimFolderKind sim_results_folder;

/* Can `dir` receive results? It may not exist, be empty, or (with force) hold results, whose
 * files will be replaced. Checked again by sim_results_new(); this lets a caller refuse before
 * building a large simulation. Errors: SIM_FOLDER_ERROR, G_FILE_ERROR. */
gboolean sim_results_check_dir(const char *dir, gboolean force, GError **error);

typedef struct {
    gboolean force;        /* replace the files of an earlier run in `dir` */
    const char *header;    /* comment lines on top of run.ini (e.g. "kadsim 0.1.0"); may be NULL */
    const char *const *owned_extra;  /* more files of ours that --force replaces (glob
                                        patterns: the program's plots); may be NULL */
    const char *omit_section;  /* a free section left out of run.ini (the runs of a sweep omit
                                  [sweep], so that their run.ini reruns one run); may be NULL */
} SimResultsOptions;

/* Open `dir` (created with its parents if needed), write run.ini and start observing sim,
 * which must not have run yet. The results live until sim_results_free(), which must come
 * before sim_free(). */
SimResults *sim_results_new(Sim *sim, const char *dir, const SimResultsOptions *opt,
                            GError **error);

/* After sim_run() returned `why`: close the last interval, write the tables and the statistics,
 * rename every file to its final name. An interrupted run rewrites PARTIAL with where it
 * stopped; a complete one leaves PARTIAL for the caller to remove (sim_folder_complete) once
 * its own files (plots) are written too. On a write error, *error says which file. */
gboolean sim_results_finish(SimResults *res, SimStopReason why, GError **error);

/* Free; without sim_results_finish() the run is abandoned: temporary files are removed and
 * PARTIAL stays. */
void sim_results_free(SimResults *res);

const char *sim_results_dir(const SimResults *res);
gboolean sim_results_partial(const SimResults *res);

/* A metric of summary.csv or perf.csv by name (after finish); FALSE if there is none. The value
 * is NaN where the file has an empty field. */
gboolean sim_results_metric(const SimResults *res, const char *name, double *value);

/* After finish: every operation of `kind` in the run (warm-up included), and in
 * *ok_in_window (may be NULL) the successful ones of the measurement window. */
uint64_t sim_results_ops(const SimResults *res, SimOpKind kind, uint64_t *ok_in_window);
/* The simulation observed, and the message types it had when the results opened. */
const Sim *sim_results_sim(const SimResults *res);
guint sim_results_msg_types(const SimResults *res);
/* After finish: where the run stopped, and the rows of timeseries.csv. */
SimTime sim_results_end(const SimResults *res);
guint sim_results_intervals(const SimResults *res);
