/* latency = lognormal: one-way delays lognormal with a given median and sigma of ln(delay).
 *
 * The defaults reproduce the King data set (Gummadi et al. 2002, as p2psim ships it): RTT median
 * 156 ms and mean 178 ms. With latency_draw = pair the RTT is exactly twice the one-way delay,
 * so one-way median 78 ms and mean/median = exp(sigma^2 / 2) = 178/156 give sigma =
 * sqrt(2 ln(178/156)) = 0.5137. */
#include "sim_net.h"

static const SimCfgKey lognormal_keys[] = {
    { "network", "latency_median", SIM_CFG_DURATION, "78ms", 1e-9, 3600, NULL, "latency=lognormal",
      "Median one-way delay exp(mu) (78ms with sigma 0.5137: the King data set's RTTs)" },
    { "network", "latency_sigma", SIM_CFG_DOUBLE, "0.5137", 0, 5, NULL, "latency=lognormal",
      "Standard deviation of ln(delay); mean = median * exp(sigma^2 / 2)" },
};

static void *lognormal_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    SimTime median = sim_config_get_duration(cfg, "network", "latency_median");
    double sigma = sim_config_get_double(cfg, "network", "latency_sigma");
    SimDelayDist *dd = g_new(SimDelayDist, 1);
    sim_delay_dist_init(dd, cfg, sim_dist_lognormal(sim_time_to_s(median), sigma), rng);
    return dd;
}

const SimLatencyClass sim_latency_lognormal = {
    "lognormal", lognormal_keys, G_N_ELEMENTS(lognormal_keys),
    lognormal_create, sim_delay_dist_delay, sim_delay_dist_mean, g_free, sim_delay_dist_min,
};
