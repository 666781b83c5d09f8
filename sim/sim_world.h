/* sim_world — what happens to the network: hosts joining and leaving (churn) and the operations
 * users run (workload). Both schedule their own events on the engine and act through
 * sim_host_up(), sim_host_down() and sim_start_op(). */
#pragma once

#include "sim.h"

/* ---- churn: [churn] --------------------------------------------------------------------- */

typedef struct SimChurn SimChurn;

void sim_churn_declare(SimConfig *cfg);
/* Register the churn handlers. model = sessions: a host's session starts whenever it comes up
 * (churn observes the sim), not before [churn] start; model = trace: replays the file. Fails
 * with a message naming the key (and the trace file's line) when the setting is unusable. */
SimChurn *sim_churn_new(Sim *sim, const SimConfig *cfg, GError **error);
void sim_churn_free(SimChurn *churn);

/* ---- workload: [workload] --------------------------------------------------------------- */

typedef struct SimWorkload SimWorkload;

void sim_workload_declare(SimConfig *cfg);
/* Schedule the join schedule (join = none: churn brings hosts up) and the operation
 * processes; per-node rates count only the hosts up (docs/models.md). */
SimWorkload *sim_workload_new(Sim *sim, const SimConfig *cfg, GError **error);
void sim_workload_free(SimWorkload *wl);
