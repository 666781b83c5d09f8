/* sim_net — the models of the network between hosts: one-way latency and message loss.
 *
 * Each model is one file (sim/latency_*.c, sim/loss_*.c) exporting a class, listed once in
 * sim_net.c. The [network] section selects them by name; each model's keys apply only when it is
 * selected (SimCfgKey.only_if). A per-message `jitter` applies on top of any latency model.
 * docs/models.md gives each model's formulas and its measured statistics. */
#pragma once

#include "sim.h"
#include "sim_dist.h"

/* ---- latency ---------------------------------------------------------------------------- */

typedef struct {
    const char *name;                 /* value of [network] latency */
    const SimCfgKey *keys;            /* its keys, only_if = "latency=<name>" */
    gsize n_keys;
    /* Build from validated cfg; `hosts` hosts are numbered 0..hosts-1; `rng` is the model's own
     * stream (placement, host mapping); later draws come through delay()'s rng. */
    void   *(*create)(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error);
    /* One-way delay of one message, > 0. */
    SimTime (*delay)(void *self, SimHost src, SimHost dst, SimRngState *rng);
    /* Mean one-way delay over host pairs (for reports and timeouts), in ns. */
    double  (*mean)(const void *self);
    void    (*free)(void *self);
    /* Optional: the least one-way delay the model can give, 0 when it has no positive one (the
     * lookahead of a run on several threads, sim.h). */
    SimTime (*min)(const void *self);
} SimLatencyClass;

typedef struct SimLatency SimLatency;

void sim_latency_declare(SimConfig *cfg);
SimLatency *sim_latency_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error);
/* One-way delay of one message from src to dst, jitter included; always >= 1 ns, and
 * SIM_TIME_NEVER when it is beyond the last representable time (the message never arrives). */
SimTime sim_latency_delay(SimLatency *lat, SimHost src, SimHost dst);
/* The least one-way delay of any message: the model's own minimum or [network] min_latency,
 * whichever is larger; 0 when neither is positive. */
SimTime sim_latency_min(const SimLatency *lat);
/* Mean one-way delay in ns, jitter included (jitter / 2 on average). */
double sim_latency_mean(const SimLatency *lat);
/* The model's one-way delay from src to dst without jitter, drawing nothing from the run's
 * streams: what a protocol's proximity measurement (a ping) would tell. A model that draws
 * afresh per message answers with one draw from a stream of the pair's own, so the answer is
 * the same every time it is asked. */
SimTime sim_latency_proximity(const SimLatency *lat, SimHost src, SimHost dst);
void sim_latency_free(SimLatency *lat);

/* For models whose delay is drawn from a distribution (in seconds): once per unordered host
 * pair, the same both ways and for every message (from a hash of the pair: no memory per
 * pair), or afresh for each message — as [network] latency_draw says. */
typedef struct {
    SimDist  dist;
    gboolean per_message;
    uint64_t salt;  /* from the model's setup stream: the pair hash differs per seed */
} SimDelayDist;

void sim_delay_dist_init(SimDelayDist *dd, const SimConfig *cfg, SimDist dist, SimRng *rng);
/* delay() and mean() for a model whose state is a SimDelayDist: put them in its class. */
SimTime sim_delay_dist_delay(void *dd, SimHost src, SimHost dst, SimRngState *rng);
double sim_delay_dist_mean(const void *dd);
/* The distribution's least value (0 when it has no positive minimum), 1 ns under it. */
SimTime sim_delay_dist_min(const void *dd);
/* Uniform in (0, 1) that depends only on (salt, the unordered pair {a, b}). */
double sim_pair_uniform(uint64_t salt, SimHost a, SimHost b);

/* ---- loss ------------------------------------------------------------------------------- */

typedef struct {
    const char *name;                 /* value of [network] loss */
    const SimCfgKey *keys;            /* only_if = "loss=<name>" */
    gsize n_keys;
    /* `rng` is the model's own setup stream (e.g. the initial state of each host's link). */
    void    *(*create)(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error);
    /* TRUE when this message is lost. Called once per message sent, in send order. */
    gboolean (*drops)(void *self, SimHost src, SimHost dst, SimRngState *rng);
    /* Long-run fraction of messages lost (for reports). */
    double   (*rate)(const void *self);
    void     (*free)(void *self);
} SimLossClass;

typedef struct SimLoss SimLoss;

void sim_loss_declare(SimConfig *cfg);
SimLoss *sim_loss_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error);
gboolean sim_loss_drops(SimLoss *loss, SimHost src, SimHost dst);
double sim_loss_rate(const SimLoss *loss);
void sim_loss_free(SimLoss *loss);
