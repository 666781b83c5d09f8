/* run — a scenario run from the command line: configuration, simulation, results. A scenario
 * with a [sweep] section is a sweep (src/sweep.c); `kadsim merge` combines shards (src/merge.c). */
#pragma once

#include <glib.h>

#include "sim.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2
/* A run stopped by a signal exits as the shell reports a death by that signal, 128 + signo,
 * so that scripts and job schedulers see it did not complete; its results are partial. */
#define EXIT_SIGNALLED(signo) (128 + (signo))

typedef struct {
    const char *scenario;  /* SCENARIO.ini */
    char  *out_dir;        /* -o, or NULL for results/<scenario name> */
    gint64 seed;           /* -s, or -1 */
    char **sets;           /* --set SECTION.KEY=VALUE, NULL-terminated, may be NULL */
    gboolean check_only, force, no_plots, quiet;
    gint   jobs;           /* -j: simulations at once in a sweep; 0: one per core */
    char  *shard;          /* --shard I/N: this slice of a sweep only; NULL: all of it */
} KadsimOptions;

/* Run (or with check_only, validate and list) a scenario or a sweep; returns the exit status. */
int kadsim_run_main(const KadsimOptions *opt);

/* `kadsim merge [OPTION…] DIR…` (argv[0] is "merge"); returns the exit status. */
int kadsim_merge_main(int argc, char **argv);

/* ---- shared by run.c, sweep.c and merge.c ------------------------------------------------ */

/* A configuration with every key the program knows, and [sweep] as a free section. */
SimConfig *kadsim_config_new(void);
/* Load opt->scenario into cfg, then apply --seed and --set, and resolve [output] title. */
gboolean kadsim_config_load(SimConfig *cfg, const KadsimOptions *opt, GError **error);
/* "1000 nodes, 1h (warm-up 10min), churn none, k 20, alpha 3": the key parameters of a resolved
 * configuration (INI text) for plot titles; keys named in `skip` ("kademlia.k", NULL-terminated,
 * may be NULL) are left out, and so is the seed unless with_seed. Caller frees. */
char *kadsim_subtitle(const char *resolved_ini, const char *const *skip, gboolean with_seed);

/* The gnuplot to run ("" when there is none) and the folder of the plot scripts (NULL when not
 * found; caller frees). */
const char *kadsim_gnuplot(void);
char *kadsim_plot_scripts(void);

/* Seconds as "H:MM:SS" (or "Nd HH:MM:SS"), "--:--:--" when unknown. */
void kadsim_format_clock(char *buf, gsize n, double seconds);

/* SIGINT and SIGTERM: note the signal, and stop `target` if not NULL (a single run; a sweep
 * polls kadsim_interrupted() instead). A second signal kills at once. */
void kadsim_catch_interrupts(Sim *target);
/* Restore the default handlers. */
void kadsim_release_interrupts(void);
/* The signal that asked to stop (SIGINT, SIGTERM), or 0. Safe from any thread. */
int kadsim_interrupted(void);

/* A sweep (cfg holds keys in [sweep]): run it, or with opt->check_only list it. */
int kadsim_sweep_main(SimConfig *cfg, const KadsimOptions *opt);
