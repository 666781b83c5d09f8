/* program — what the parts of the kadsim program share: the options of a run, exit statuses
 * and the errors they stand for, the scenario configuration with every key the program
 * knows, signals, and small formatting helpers. The program sits on top: it knows the engine
 * (sim/) and the protocols (through src/protocols.c); nothing below it knows the program. */
#pragma once

#include <glib.h>

#include "sim.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2
/* A run stopped by a signal exits as the shell reports a death by that signal, 128 + signo,
 * so that scripts and job schedulers see it did not complete; its results are partial. */
#define EXIT_SIGNALLED(signo) (128 + (signo))

/* Where results go unless -o says otherwise: results/<scenario name>. */
#define KADSIM_RESULTS_ROOT "results"

/* Errors of the program's own (a command line that does not make sense). */
#define KADSIM_USAGE_ERROR (kadsim_usage_error_quark())
GQuark kadsim_usage_error_quark(void);

/* The exit status an error stands for: EXIT_USAGE for what the user can fix in the command
 * line, the scenario or the choice of folder (configuration, folder policy, usage errors);
 * EXIT_RUNTIME for everything else (input/output, internal checks). Chosen by the error's
 * domain and code, never by its wording. */
int kadsim_exit_status(const GError *error);
/* Print "kadsim: MESSAGE" (prefix "kadsim demo", ...) and return kadsim_exit_status(). */
int kadsim_fail(const char *prefix, const GError *error);

typedef struct {
    const char *scenario;  /* SCENARIO.ini */
    char  *out_dir;        /* -o, or NULL for results/<scenario name> */
    gint64 seed;           /* -s; meaningful when has_seed */
    gboolean has_seed;
    char **sets;           /* --set SECTION.KEY=VALUE, NULL-terminated, may be NULL */
    gboolean check_only, force, no_plots, quiet;
    gint   jobs;           /* -j: simulations at once in a sweep; 0: one per core */
    gint   threads;        /* --threads: threads of one simulation; 0: one */
    char  *shard;          /* --shard I/N: this slice of a sweep only; NULL: all of it */
    gboolean no_sweep;     /* --no-sweep: ignore [sweep], run the scenario once */
} KadsimOptions;

/* Run (or with check_only, validate and list) a scenario or a sweep; returns the exit status. */
int kadsim_run_main(const KadsimOptions *opt);
/* `kadsim merge [OPTION…] DIR…` (argv[0] is "merge"); returns the exit status. */
int kadsim_merge_main(int argc, char **argv);
/* A sweep (cfg holds keys in [sweep]): run it, or with opt->check_only list it. */
int kadsim_sweep_main(SimConfig *cfg, const KadsimOptions *opt);

/* ---- configuration ---------------------------------------------------------------------- */

/* A configuration with every key the program knows, and [sweep] as a free section. */
SimConfig *kadsim_config_new(void);
/* Load opt->scenario into cfg, then apply --seed and --set, and resolve [output] title. */
gboolean kadsim_config_load(SimConfig *cfg, const KadsimOptions *opt, GError **error);
/* "1000 nodes, 1h (warm-up 10min), churn none, k 20, alpha 3": the key parameters of a resolved
 * configuration (INI text) for plot titles; keys named in `skip` ("kademlia.k", NULL-terminated,
 * may be NULL) are left out, and so is the seed unless with_seed. Caller frees. */
char *kadsim_subtitle(const char *resolved_ini, const char *const *skip, gboolean with_seed);

/* ---- signals ---------------------------------------------------------------------------- */

/* SIGINT and SIGTERM: note the signal; running simulations see it (kadsim_simulate polls it)
 * and stop. A second signal kills at once. */
void kadsim_catch_interrupts(void);
/* The signal that asked to stop (SIGINT, SIGTERM), or 0. Safe from any thread. */
int kadsim_interrupted(void);

/* ---- formatting ------------------------------------------------------------------------- */

/* Seconds as "H:MM:SS" (or "Nd HH:MM:SS"), "--:--:--" when unknown. */
void kadsim_format_clock(char *buf, gsize n, double seconds);

/* Is SECTION.KEY in `skip` (NULL-terminated "section.key" names; may be NULL)? */
gboolean kadsim_key_skipped(const char *const *skip, const char *section, const char *key);
