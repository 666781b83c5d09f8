/* loss = bernoulli: each message is lost independently with probability loss_rate. */
#include "sim_net.h"

static const SimCfgKey bernoulli_keys[] = {
    { "network", "loss_rate", SIM_CFG_DOUBLE, "0.01", 0, 1, NULL, "loss=bernoulli",
      "Probability that a message is lost, each message independently" },
};

static void *bernoulli_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    double *p = g_new(double, 1);
    *p = sim_config_get_double(cfg, "network", "loss_rate");
    return p;
}

static gboolean bernoulli_drops(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    return sim_rng_state_uniform(rng) < *(const double *) self;
}

static double bernoulli_rate(const void *self) { return *(const double *) self; }

const SimLossClass sim_loss_bernoulli = {
    "bernoulli", bernoulli_keys, G_N_ELEMENTS(bernoulli_keys),
    bernoulli_create, bernoulli_drops, bernoulli_rate, g_free,
};
