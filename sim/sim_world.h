/* sim_world — what happens to the network: hosts joining and leaving (churn) and the operations
 * users run (workload). Both schedule their own events on the engine and act through
 * sim_host_up(), sim_host_down() and sim_start_op(). */
#pragma once

#include "sim.h"

/* ---- churn: [churn] --------------------------------------------------------------------- */

typedef struct SimChurn SimChurn;

void sim_churn_declare(SimConfig *cfg);
/* Register the churn handlers; sessions start when hosts come up (it observes the sim). */
SimChurn *sim_churn_new(Sim *sim, const SimConfig *cfg, GError **error);
void sim_churn_free(SimChurn *churn);

/* ---- workload: [workload] --------------------------------------------------------------- */

typedef struct SimWorkload SimWorkload;

void sim_workload_declare(SimConfig *cfg);
/* Schedule the join schedule and the operation processes. */
SimWorkload *sim_workload_new(Sim *sim, const SimConfig *cfg, GError **error);
void sim_workload_free(SimWorkload *wl);
