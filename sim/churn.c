/* churn — hosts leaving and coming back ([churn]). */
#include "sim_world.h"

enum { CHURN_NONE };

static const SimCfgKey churn_keys[] = {
    { "churn", "model", SIM_CFG_CHOICE, "none", 0, 0, "none", NULL,
      "Churn model: none (hosts stay up once joined)" },
};

struct SimChurn {
    Sim *sim;
    int model;
};

void sim_churn_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "Hosts leaving and returning", churn_keys, G_N_ELEMENTS(churn_keys));
}

SimChurn *sim_churn_new(Sim *sim, const SimConfig *cfg, GError **error)
{
    SimChurn *c = g_new0(SimChurn, 1);
    c->sim = sim;
    c->model = (int) sim_config_get_choice(cfg, "churn", "model");
    return c;
}

void sim_churn_free(SimChurn *churn)
{
    g_free(churn);
}
