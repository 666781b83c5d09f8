/* latency = uniform: one-way delays uniform in [latency_min, latency_max]. */
#include "sim_net.h"

static const SimCfgKey uniform_keys[] = {
    { "network", "latency_min", SIM_CFG_DURATION, "10ms", 1e-9, 3600, NULL, "latency=uniform",
      "Smallest one-way delay (must be <= latency_max)" },
    { "network", "latency_max", SIM_CFG_DURATION, "150ms", 1e-9, 3600, NULL, "latency=uniform",
      "Largest one-way delay" },
};

static void *uniform_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    SimTime lo = sim_config_get_duration(cfg, "network", "latency_min");
    SimTime hi = sim_config_get_duration(cfg, "network", "latency_max");
    if (lo > hi) {
        sim_config_fail(cfg, error, "network", "latency_min",
                        "must not exceed latency_max");
        return NULL;
    }
    SimDelayDist *dd = g_new(SimDelayDist, 1);
    sim_delay_dist_init(dd, cfg, sim_dist_uniform(sim_time_to_s(lo), sim_time_to_s(hi)), rng);
    return dd;
}

const SimLatencyClass sim_latency_uniform = {
    "uniform", uniform_keys, G_N_ELEMENTS(uniform_keys),
    uniform_create, sim_delay_dist_delay, sim_delay_dist_mean, g_free, sim_delay_dist_min,
};
