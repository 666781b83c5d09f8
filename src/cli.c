/* cli — the command line of kadsim: subcommands (demo, merge), options (GOption), and the
 * run they ask for. Exit status: 0 success, 1 run-time failure, 2 usage or scenario error. */
#include "config.h"

#include <errno.h>
#include <gsl/gsl_errno.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sim.h"
#include "demo.h"
#include "plot_cmd.h"
#include "program.h"
#include "sim_trace.h"

static const char summary_text[] =
    "Simulate a Kademlia network described by SCENARIO.ini and write its results\n"
    "(CSV tables and gnuplot plots) to a results folder.";

static const char description_text[] =
    "Scenario files: scenarios/*.ini (installed to " KADSIM_PKGDATADIR "/scenarios).\n"
    "Every key, its default and its range: kadsim --check SCENARIO.ini.\n"
    "Sweeps and replicates: a [sweep] section, -j, --shard, kadsim merge (docs/sweeps.md).\n"
    "A walk-through: kadsim demo KEY VALUE (kadsim demo --help, docs/tutorial.md).\n"
    "Plots of a sweep folder: kadsim plot DIR [--y M] [--x KEY] [--lines KEY] [--vs M] [--fit F]\n"
    "(kadsim plot --help, docs/sweeps.md).\n"
    "Exit status: 0 success, 1 run-time failure, 2 usage or scenario error,\n"
    "130 or 143 when stopped by SIGINT (Ctrl-C) or SIGTERM (the results folder is then marked\n"
    "partial, with what was measured so far).";


/* --trace[=SPEC]: checked here, so that a wrong SPEC is a usage error. */
static gboolean on_trace_option(const char *name, const char *value, gpointer data,
                                GError **error)
{
    KadsimCommandLine *cl = data;
    g_strfreev(cl->trace_sets);
    cl->trace_sets = sim_trace_spec_to_overrides(value, error);
    return cl->trace_sets != NULL;
}

/* The --set list with the --trace overrides in front (a --set of a [trace] key then wins). */
static char **with_trace_sets(char **trace_sets, char **sets)
{
    GStrvBuilder *b = g_strv_builder_new();
    g_strv_builder_addv(b, (const char **) trace_sets);
    if (sets)
        g_strv_builder_addv(b, (const char **) sets);
    g_strfreev(sets);
    char **all = g_strv_builder_end(b);
    g_strv_builder_unref(b);
    return all;
}

/* A whole number in decimal, all of `value`. */
static gboolean whole_number(const char *value, gint64 *out)
{
    char *end = NULL;
    errno = 0;
    *out = g_ascii_strtoll(value, &end, 10);
    return *value && !*end && !errno;
}

/* --seed N: given or not (any number may be given: a negative one is refused by the schema). */
static gboolean on_seed_option(const char *name, const char *value, gpointer data,
                               GError **error)
{
    KadsimCommandLine *cl = data;
    gint64 seed;
    if (!whole_number(value, &seed)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--seed %s: not a whole number", value);
        return FALSE;
    }
    cl->opt.seed = seed;
    cl->opt.has_seed = TRUE;
    return TRUE;
}

static gboolean on_threads_option(const char *name, const char *value, gpointer data,
                                  GError **error)
{
    KadsimCommandLine *cl = data;
    gint64 t;
    if (!whole_number(value, &t) || t < 1 || t > SIM_THREADS_MAX) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--threads %s: give a number of threads from 1 to %d", value,
                    SIM_THREADS_MAX);
        return FALSE;
    }
    cl->opt.threads = (gint) t;
    return TRUE;
}

int kadsim_cli_parse(int *argc, char ***argv, KadsimCommandLine *cl)
{
    KadsimOptions *opt = &cl->opt;
    gboolean show_version = FALSE;
    GOptionEntry entries[] = {
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &opt->out_dir,
          "Results folder (default: results/<scenario name>)", "DIR" },
        { "seed", 's', 0, G_OPTION_ARG_CALLBACK, on_seed_option,
          "Master seed (overrides [simulation] seed)", "N" },
        { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt->sets,
          "Override one scenario value, e.g. --set kademlia.k=16 (repeatable); "
          "SECTION.KEY= resets it to its default",
          "SECTION.KEY=VALUE" },
        { "check", 0, 0, G_OPTION_ARG_NONE, &opt->check_only,
          "Validate the scenario, print the resolved configuration, run nothing", NULL },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &opt->force,
          "Replace an existing results folder", NULL },
        { "no-plots", 0, 0, G_OPTION_ARG_NONE, &opt->no_plots, "Do not render plots", NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opt->quiet, "Print only errors", NULL },
        { "jobs", 'j', 0, G_OPTION_ARG_INT, &opt->jobs,
          "Sweeps: simulations at once (default: one per core)", "N" },
        { "threads", 't', 0, G_OPTION_ARG_CALLBACK, on_threads_option,
          "Threads that run one simulation (default 1); the outputs are the same for any "
          "number (docs/scale.md). Kademlia; needs a network with a least delay", "T" },
        { "shard", 0, 0, G_OPTION_ARG_STRING, &opt->shard,
          "Sweeps: run slice I of N only (Slurm: $SLURM_ARRAY_TASK_ID/N with N the size of "
          "--array, docs/sweeps.md); combine the slices with kadsim merge", "I/N" },
        { "no-sweep", 0, 0, G_OPTION_ARG_NONE, &opt->no_sweep,
          "Ignore the [sweep] section: run the scenario once, with its own values", NULL },
        { "trace", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, on_trace_option,
          "Write trace.csv: every message of all operations, or of SPEC = first:N, op:A, "
          "op:A-B or key:K (docs/output.md)", "SPEC" },
        { "version", 0, 0, G_OPTION_ARG_NONE, &show_version, "Print the version and exit", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cl->rest, NULL,
          NULL },
        G_OPTION_ENTRY_NULL
    };

    g_autoptr(GOptionContext) ctx = g_option_context_new("SCENARIO.ini");
    g_option_context_set_summary(ctx, summary_text);
    g_option_context_set_description(ctx, description_text);
    GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, cl, NULL);
    g_option_group_add_entries(main_group, entries);
    g_option_context_set_main_group(ctx, main_group);  /* so that on_trace_option() gets cl */
    GError *error = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        fprintf(stderr, "kadsim: %s\nTry 'kadsim --help'.\n", error->message);
        g_error_free(error);
        return EXIT_USAGE;
    }
    if (show_version) {
        printf("kadsim %s\n", PACKAGE_VERSION);
        return EXIT_SUCCESS;
    }
    char **rest = cl->rest;
    if (!rest || !rest[0] || rest[1]) {
        fprintf(stderr, "kadsim: %s\nTry 'kadsim --help'.\n",
                rest && rest[0] ? "give exactly one scenario file" : "no scenario file given");
        return EXIT_USAGE;
    }
    opt->scenario = rest[0];
    if (cl->trace_sets)
        opt->sets = with_trace_sets(cl->trace_sets, opt->sets);
    return KADSIM_CLI_GO_ON;
}

void kadsim_cli_clear(KadsimCommandLine *cl)
{
    g_strfreev(cl->opt.sets);
    g_strfreev(cl->rest);
    g_strfreev(cl->trace_sets);
    g_free(cl->opt.out_dir);
    g_free(cl->opt.shard);
    *cl = (KadsimCommandLine) { 0 };
}

/* Options of the main command line that take a value as the next argument. */
static gboolean takes_value(const char *arg)
{
    static const char *const with_value[] = { "-o", "--out", "-s", "--seed", "--set", "-j",
                                              "--jobs", "--shard", "-t", "--threads" };
    for (gsize i = 0; i < G_N_ELEMENTS(with_value); i++)
        if (strcmp(arg, with_value[i]) == 0)
            return TRUE;
    return FALSE;
}

static gboolean is_subcommand(const char *arg)
{
    return strcmp(arg, "demo") == 0 || strcmp(arg, "merge") == 0 || strcmp(arg, "plot") == 0;
}

/* `kadsim -q demo ...`: options written before a subcommand are moved after it, where its own
 * parser reads them (one it does not know is then refused by name, by that subcommand). */
static void subcommand_first(int argc, char **argv)
{
    int i = 1;
    while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0)
        i += takes_value(argv[i]) ? 2 : 1;
    if (i <= 1 || i >= argc || !is_subcommand(argv[i]))
        return;
    char *sub = argv[i];
    memmove(argv + 2, argv + 1, (gsize) (i - 1) * sizeof *argv);
    argv[1] = sub;
}

int kadsim_main(int argc, char **argv)
{
    subcommand_first(argc, argv);
    setlocale(LC_ALL, "");
    /* GSL aborts the process on a domain error by default; we check its return values instead
     * (a confidence interval that cannot be computed is written empty). DESIGN.md decision 8. */
    gsl_set_error_handler_off();
    if (argc > 1 && strcmp(argv[1], "merge") == 0)  /* kadsim merge DIR...: src/merge.c */
        return kadsim_merge_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "demo") == 0)  /* kadsim demo KEY VALUE: src/demo.c */
        return kadsim_demo_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "plot") == 0)  /* kadsim plot DIR: src/plot_cmd.c */
        return kadsim_plot_main(argc - 1, argv + 1);
    KadsimCommandLine cl = { 0 };
    int status = kadsim_cli_parse(&argc, &argv, &cl);
    if (status == KADSIM_CLI_GO_ON) {
        /* From here on a signal stops the run and leaves its folder PARTIAL. The handlers stay
         * until the process ends: a signal after the folder is complete changes nothing. */
        kadsim_catch_interrupts();
        status = kadsim_run_main(&cl.opt);
    }
    kadsim_cli_clear(&cl);
    return status;
}
