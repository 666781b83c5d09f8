/* sweep — the grid of a [sweep] section (swept keys × replicates), the folder of a sweep, and the
 * tables and plots over its runs. Shared by sweep.c (running a sweep) and merge.c (combining
 * the folders of its shards); docs/sweeps.md describes the files. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* The files of a sweep folder (besides runs/ and the plots). */
#define SWEEP_INI     "sweep.ini"      /* the resolved scenario, [sweep] included */
#define SWEEP_SHARD   "shard.ini"      /* only in the folder of one shard */
#define SWEEP_RUNS    "runs"           /* one results folder per run */

/* A [sweep] section, a --shard or a sweep folder that does not make sense (exit status 2). */
#define SWEEP_ERROR (sweep_error_quark())
GQuark sweep_error_quark(void);

typedef struct SweepGrid SweepGrid;

/* Parse the keys and values of [sweep] (in file order) of `source`: SECTION.KEY = v1, v2, ...
 * for the swept keys, and the options replicates, plot, plot_x, plot_lines. `origins` (may be
 * NULL, else parallel to keys) names where each came from when not the file ("--set ...").
 * Values are not checked against the scenario's schema here (sweep_check_point does). */
SweepGrid *sweep_grid_new(const char *source, char **keys, char **values, char **origins,
                          GError **error);
void sweep_grid_free(SweepGrid *g);

guint sweep_grid_axes(const SweepGrid *g);
const char *sweep_grid_axis_name(const SweepGrid *g, guint axis);   /* "kademlia.k" */
guint sweep_grid_points(const SweepGrid *g);
guint sweep_grid_replicates(const SweepGrid *g);
guint sweep_grid_runs(const SweepGrid *g);                           /* points × replicates */
/* Run r is replicate r % replicates of point r / replicates; points vary the last key fastest. */
const char *sweep_grid_value(const SweepGrid *g, guint point, guint axis);
/* Where the values of an axis came from, for messages ("scenarios/x.ini: [sweep] kademlia.k"). */
const char *sweep_grid_origin(const SweepGrid *g, guint axis);
/* The folder name of run r under runs/: "p04_k=16_alpha=3_r1". Caller frees. */
char *sweep_grid_run_name(const SweepGrid *g, guint run);

/* The master seed of replicate r: the master seed itself for r = 0, then the first 53 bits of
 * the sim_rng stream ("replicate", r) of the master seed. The same for every point. */
uint64_t sweep_replicate_seed(uint64_t master, guint replicate);

/* --shard I/N: FALSE with a message when the text is not two whole numbers with N >= 1. */
gboolean sweep_parse_shard(const char *text, guint *index, guint *count, GError **error);
/* Does run r belong to shard I of N? r mod N == (I - 1) mod N: shard 1 of N takes runs 0, N,
 * 2N, ...; I may count from 1 (1..N) or from 0 (0..N-1, where shard 0 is shard N). */
gboolean sweep_shard_has(guint run, guint index, guint count);

/* Prepare a sweep folder (sim_folder's policy, sweep.ini its signature): refuse a non-empty
 * one unless force (and then only a sweep folder), write PARTIAL, remove the tables and plots
 * of an earlier sweep, create runs/. */
gboolean sweep_open_folder(const char *dir, gboolean force, GError **error);

/* From dir/runs/<run>/summary.csv of every run of the grid: sweep.csv, sweep_summary.csv and
 * sweep_labels.gp in dir. `ini` is the text of sweep.ini (for the plot titles). */
gboolean sweep_write_tables(const SweepGrid *g, const char *dir, const char *ini, GError **error);

/* Render plots/sweep.gp for each metric of [sweep] plot into dir. FALSE with why_not set when
 * not rendered (a warning is printed when gnuplot failed). */
gboolean sweep_render_plots(const SweepGrid *g, const char *dir, gboolean no_plots,
                            const char **why_not);

/* Print the table of the sweep (mean ± 95% half-width of the plotted metrics per point) and
 * where the files are, from dir/sweep_summary.csv. */
void sweep_print_summary(const SweepGrid *g, const char *dir, gboolean plotted,
                         const char *why_not);

/* Finish a complete sweep folder: tables, plots, no PARTIAL, summary unless quiet. */
int sweep_finish_folder(const SweepGrid *g, const char *dir, const char *ini, gboolean no_plots,
                        gboolean quiet);
