#include "config.h"

#include "run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kad.h"
#include "sim.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

/* The simulation that SIGINT should stop (one per process when run from the command line). */
static Sim *volatile interrupt_target;

static void on_interrupt(int signo)
{
    if (interrupt_target)
        sim_request_stop(interrupt_target);
}

/* All keys the program knows: the engine's, the protocol's. */
static SimConfig *config_new(void)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    kad_protocol_class.declare(cfg);
    return cfg;
}

static gboolean load_config(SimConfig *cfg, const KadsimOptions *opt, GError **error)
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
    return TRUE;
}

typedef struct {
    guint64 done[SIM_OP_KINDS], ok[SIM_OP_KINDS];
} OpTally;

static void tally_op(void *ctx, const SimOp *op)
{
    OpTally *t = ctx;
    t->done[op->kind]++;
    t->ok[op->kind] += op->success;
}

int kadsim_run_main(const KadsimOptions *opt)
{
    g_autoptr(GError) error = NULL;
    SimConfig *cfg = config_new();
    if (!load_config(cfg, opt, &error)) {
        fprintf(stderr, "kadsim: %s\n", error->message);
        sim_config_free(cfg);
        return EXIT_USAGE;
    }
    if (opt->check_only) {
        g_autofree char *text = sim_config_to_data(cfg, "kadsim " PACKAGE_VERSION
                                                   ": resolved configuration");
        fputs(text, stdout);
        sim_config_free(cfg);
        return EXIT_SUCCESS;
    }
    Sim *sim = sim_new(cfg, &kad_protocol_class, &error);
    if (!sim) {
        fprintf(stderr, "kadsim: %s\n", error->message);
        sim_config_free(cfg);
        return EXIT_USAGE;
    }
    OpTally tally = { 0 };
    SimObserver obs = { .op_done = tally_op };
    sim_add_observer(sim, &obs, &tally);

    interrupt_target = sim;
    signal(SIGINT, on_interrupt);
    SimStopReason why = sim_run(sim, sim_config_get_duration(cfg, "simulation", "duration"));
    signal(SIGINT, SIG_DFL);
    interrupt_target = NULL;

    int status = EXIT_SUCCESS;
    if (!sim_check_conservation(sim, &error)) {
        fprintf(stderr, "kadsim: internal error: %s\n", error->message);
        status = EXIT_RUNTIME;
    }
    if (!opt->quiet) {
        printf("%s: %" G_GUINT64_FORMAT " events, %u hosts up at the end%s\n",
               opt->scenario, sim_events_processed(sim), sim_hosts_up(sim),
               why == SIM_STOP_REQUESTED ? " (interrupted)" : "");
        for (int k = 0; k < SIM_OP_KINDS; k++)
            if (tally.done[k])
                printf("  %-7s %8" G_GUINT64_FORMAT " done, %5.1f%% succeeded\n",
                       sim_op_kind_name((SimOpKind) k), tally.done[k],
                       100.0 * (double) tally.ok[k] / (double) tally.done[k]);
    }
    sim_free(sim);
    sim_config_free(cfg);
    return status;
}
