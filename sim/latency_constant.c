/* latency = constant: every message takes the same one-way delay. */
#include "sim_net.h"

static const SimCfgKey constant_keys[] = {
    { "network", "latency_constant", SIM_CFG_DURATION, "50ms", 1e-9, 3600, NULL,
      "latency=constant", "One-way delay of every message" },
};

static void *constant_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    SimTime *d = g_new(SimTime, 1);
    *d = sim_config_get_duration(cfg, "network", "latency_constant");
    return d;
}

static SimTime constant_delay(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    return *(SimTime *) self;
}

static double constant_mean(const void *self) { return (double) *(const SimTime *) self; }
static SimTime constant_min(const void *self) { return *(const SimTime *) self; }

const SimLatencyClass sim_latency_constant = {
    "constant", constant_keys, G_N_ELEMENTS(constant_keys),
    constant_create, constant_delay, constant_mean, g_free,
    constant_min,
};
