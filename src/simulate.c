#include "config.h"

#include "simulate.h"

#include <signal.h>

#include "plots.h"
#include "program.h"
#include "protocols.h"
#include "sim_trace.h"

/* Wall time between two looks of a running simulation at the signal flag. */
#define INTERRUPT_POLL_S 0.1

struct KadsimSimulation {
    Sim *sim;
    SimResults *res;
    char *notes;
};

/* The engine's progress hook: stop on a signal, and pass the caller's own hook on at its pace. */
typedef struct {
    const KadsimSimSpec *spec;
    gint64 next_us;
} Poll;

static void poll_run(Sim *sim, void *ctx)
{
    Poll *p = ctx;
    if (kadsim_interrupted())
        sim_request_stop(sim);
    if (!p->spec->progress)
        return;
    gint64 now = g_get_monotonic_time();
    if (now >= p->next_us) {
        p->next_us = now + (gint64) (p->spec->progress_every_s * 1e6);
        p->spec->progress(sim, p->spec->progress_ctx);
    }
}

void kadsim_simulation_free(KadsimSimulation *s)
{
    if (!s)
        return;
    sim_results_free(s->res);  /* before the Sim it observes */
    sim_free(s->sim);
    g_free(s->notes);
    g_free(s);
}

const SimResults *kadsim_simulation_results(const KadsimSimulation *s) { return s->res; }
const char *kadsim_simulation_notes(const KadsimSimulation *s) { return s->notes; }

static char *protocol_notes(const Sim *sim, const SimProtocolClass *cls)
{
    GString *notes = g_string_new(NULL);
    if (cls->describe)
        cls->describe(sim_protocol(sim), notes);
    return g_string_free(notes, FALSE);
}

int kadsim_simulate(const SimConfig *cfg, const char *dir, const KadsimSimSpec *spec,
                    KadsimSimulation **keep, GError **error)
{
    /* The folder first: refuse before building what may be a large simulation. */
    if (!sim_results_check_dir(dir, spec->force, error))
        return kadsim_exit_status(*error);
    const SimProtocolClass *cls = kadsim_protocol_of(cfg)->cls;
    KadsimSimulation *s = g_new0(KadsimSimulation, 1);
    guint threads = MAX(spec->threads, 1);
    if (threads > 1 && sim_trace_selection(cfg).mode != SIM_TRACE_NONE) {
        sim_config_fail(cfg, error, "trace", "ops", "a trace needs one thread (--threads %u): "
                        "the messages of several threads are not put in one order", threads);
        g_free(s);
        return kadsim_exit_status(*error);
    }
    s->sim = sim_new_threads(cfg, cls, threads, error);
    if (!s->sim) {
        kadsim_simulation_free(s);
        return kadsim_exit_status(*error);
    }
    SimResultsOptions ropt = {
        .force = spec->force, .header = "kadsim " PACKAGE_VERSION,
        .owned_extra = kadsim_plot_files, .omit_section = spec->omit_section,
    };
    s->res = sim_results_new(s->sim, dir, &ropt, error);
    if (!s->res) {
        kadsim_simulation_free(s);
        return kadsim_exit_status(*error);
    }
    SimTrace *trace = sim_trace_open(s->sim, dir);  /* [trace]: trace.csv; NULL when off */
    Poll poll = { spec, g_get_monotonic_time() + (gint64) (spec->progress_every_s * 1e6) };
    sim_set_progress(s->sim, poll_run, &poll, INTERRUPT_POLL_S);
    if (kadsim_interrupted())
        sim_request_stop(s->sim);
    SimTime until = sim_config_get_duration(cfg, "simulation", "duration");
    SimStopReason why = sim_run(s->sim, until);
    sim_set_progress(s->sim, NULL, NULL, 0);
    s->notes = protocol_notes(s->sim, cls);  /* after the run: a protocol may report on it */

    int status = EXIT_SUCCESS;
    GError *internal = NULL;
    if (why == SIM_STOP_FAILED) {
        g_propagate_error(error, g_error_copy(sim_failure(s->sim)));
        status = EXIT_RUNTIME;
    } else if (!sim_check_conservation(s->sim, &internal)) {
        g_set_error(error, SIM_ERROR, 0, "internal error: %s", internal->message);
        g_error_free(internal);
        status = EXIT_RUNTIME;
    }
    GError **first_error = status == EXIT_SUCCESS ? error : NULL;
    gboolean written = sim_trace_close(trace, first_error)
                       && sim_results_finish(s->res, why, first_error)
                       && kadsim_plots_write_labels(s->res, spec->subtitle, first_error);
    if (!written || why == SIM_STOP_FAILED)
        status = EXIT_RUNTIME;
    if (status == EXIT_SUCCESS && why == SIM_STOP_REQUESTED)
        status = EXIT_SIGNALLED(kadsim_interrupted() ? kadsim_interrupted() : SIGINT);
    if (keep && written && status != EXIT_RUNTIME)
        *keep = s;
    else
        kadsim_simulation_free(s);
    return status;
}
