/* simulate — one simulation into one results folder: the only path by which the program runs
 * a simulation (a single run, and each run of a sweep). Build the engine with the chosen
 * protocol, open the folder, run until the end or a signal, check conservation, write the
 * tables, the trace and labels.gp. Drawing, what the user sees, and removing PARTIAL when
 * everything is written (sim_folder_complete) are the caller's. */
#pragma once

#include <glib.h>

#include "sim.h"
#include "sim_results.h"

typedef struct {
    gboolean force;            /* replace an earlier run's files in the folder */
    const char *omit_section;  /* left out of run.ini (a sweep's runs omit [sweep]); or NULL */
    const char *subtitle;      /* key parameters, for the plot titles (labels.gp) */
    /* Optional: called about every progress_every_s of wall time while the run goes on. */
    SimProgressFn progress;
    void *progress_ctx;
    double progress_every_s;
    guint threads;             /* of the simulation (sim_new_threads); 0 or 1: one */
} KadsimSimSpec;

typedef struct KadsimSimulation KadsimSimulation;

/* Run cfg (validated) into dir. Returns the exit status: EXIT_SUCCESS; EXIT_SIGNALLED(s) when a
 * signal stopped it (the folder is then PARTIAL, with what was measured); or the status of
 * *error (kadsim_exit_status). With `keep`, the finished simulation is handed to the caller
 * (for its summary) whenever its results were written; free it with kadsim_simulation_free(). */
int kadsim_simulate(const SimConfig *cfg, const char *dir, const KadsimSimSpec *spec,
                    KadsimSimulation **keep, GError **error);

const SimResults *kadsim_simulation_results(const KadsimSimulation *s);
/* What the protocol says of itself (e.g. tables filled by an oracle), "" if nothing. */
const char *kadsim_simulation_notes(const KadsimSimulation *s);
void kadsim_simulation_free(KadsimSimulation *s);
