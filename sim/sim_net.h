/* sim_net — the models of the network between hosts: one-way latency and message loss.
 *
 * Each model is one file (sim/latency_*.c, sim/loss_*.c) exporting a class, listed once in
 * sim_net.c. The [network] section selects them by name; each model's keys apply only when it is
 * selected (SimCfgKey.only_if). A per-message `jitter` applies on top of any latency model. */
#pragma once

#include "sim.h"

/* ---- latency ---------------------------------------------------------------------------- */

typedef struct {
    const char *name;                 /* value of [network] latency */
    const SimCfgKey *keys;            /* its keys, only_if = "latency=<name>" */
    gsize n_keys;
    /* Build from validated cfg; `hosts` hosts are numbered 0..hosts-1; `rng` is the model's own
     * stream (placement, host mapping); later draws come through delay()'s rng. */
    void   *(*create)(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error);
    /* One-way delay of one message, > 0. */
    SimTime (*delay)(void *self, SimNode src, SimNode dst, SimRngState *rng);
    /* Mean one-way delay over host pairs (for reports and timeouts), in ns. */
    double  (*mean)(const void *self);
    void    (*free)(void *self);
} SimLatencyClass;

typedef struct SimLatency SimLatency;

void sim_latency_declare(SimConfig *cfg);
SimLatency *sim_latency_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error);
/* One-way delay of one message from src to dst, jitter included; always >= 1 ns. */
SimTime sim_latency_delay(SimLatency *lat, SimNode src, SimNode dst);
double sim_latency_mean(const SimLatency *lat);
const char *sim_latency_name(const SimLatency *lat);
void sim_latency_free(SimLatency *lat);

/* ---- loss ------------------------------------------------------------------------------- */

typedef struct {
    const char *name;                 /* value of [network] loss */
    const SimCfgKey *keys;            /* only_if = "loss=<name>" */
    gsize n_keys;
    void    *(*create)(const SimConfig *cfg, guint hosts, GError **error);
    /* TRUE when this message is lost. */
    gboolean (*drops)(void *self, SimNode src, SimNode dst, SimRngState *rng);
    /* Long-run fraction of messages lost (for reports). */
    double   (*rate)(const void *self);
    void     (*free)(void *self);
} SimLossClass;

typedef struct SimLoss SimLoss;

void sim_loss_declare(SimConfig *cfg);
SimLoss *sim_loss_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error);
gboolean sim_loss_drops(SimLoss *loss, SimNode src, SimNode dst);
void sim_loss_free(SimLoss *loss);
