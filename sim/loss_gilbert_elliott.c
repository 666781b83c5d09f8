/* loss = gilbert-elliott: bursty loss from a two-state Markov chain per sending host.
 *
 * Each host's access link is Good or Bad. Every message the host sends is lost with the
 * probability of the link's current state (loss_good, loss_bad), and then the link moves on:
 * Good -> Bad with probability loss_p, Bad -> Good with probability loss_r. Runs of messages in
 * the Bad state are geometric with mean 1/r; in the long run a fraction pi_B = p / (p + r) of a
 * host's messages are sent in the Bad state, so the loss rate is
 *     pi_B * loss_bad + pi_G * loss_good,   pi_G = r / (p + r).
 * The chain is per sender, not per pair: a congested or wireless access link is what makes
 * losses bursty, and it is one byte per host where per-pair state would be quadratic. Each
 * link starts in a state drawn from the stationary distribution, so the rate holds from the
 * first message on. */
#include "sim_net.h"

static const SimCfgKey gilbert_elliott_keys[] = {
    { "network", "loss_p", SIM_CFG_DOUBLE, "0.01", 0, 1, NULL, "loss=gilbert-elliott",
      "Probability that a host's link goes from Good to Bad after a message it sends" },
    { "network", "loss_r", SIM_CFG_DOUBLE, "0.3", 0, 1, NULL, "loss=gilbert-elliott",
      "Probability that it goes from Bad back to Good (> 0); bursts last 1/r messages on average" },
    { "network", "loss_bad", SIM_CFG_DOUBLE, "1", 0, 1, NULL, "loss=gilbert-elliott",
      "Probability that a message is lost while its sender's link is Bad" },
    { "network", "loss_good", SIM_CFG_DOUBLE, "0", 0, 1, NULL, "loss=gilbert-elliott",
      "Probability that a message is lost while its sender's link is Good" },
};

typedef struct {
    double p, r, loss_bad, loss_good;
    uint8_t *bad;  /* per host: 1 while its link is in the Bad state */
} GilbertElliott;

static double stationary_bad(const GilbertElliott *ge)
{
    return ge->p / (ge->p + ge->r);
}

static void *ge_create(const SimConfig *cfg, guint hosts, SimRng *rng, GError **error)
{
    GilbertElliott ge = {
        .p = sim_config_get_double(cfg, "network", "loss_p"),
        .r = sim_config_get_double(cfg, "network", "loss_r"),
        .loss_bad = sim_config_get_double(cfg, "network", "loss_bad"),
        .loss_good = sim_config_get_double(cfg, "network", "loss_good"),
    };
    if (ge.r <= 0) {
        sim_config_fail(cfg, error, "network", "loss_r",
                        "must be > 0: with r = 0 a link that turns Bad stays Bad for ever");
        return NULL;
    }
    GilbertElliott *out = g_memdup2(&ge, sizeof ge);
    out->bad = g_new(uint8_t, hosts);
    double pi_bad = stationary_bad(out);
    for (guint h = 0; h < hosts; h++)
        out->bad[h] = sim_rng_uniform(rng) < pi_bad;
    return out;
}

static gboolean ge_drops(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    GilbertElliott *ge = self;
    uint8_t *bad = &ge->bad[src];
    gboolean lost = sim_rng_state_uniform(rng) < (*bad ? ge->loss_bad : ge->loss_good);
    double u = sim_rng_state_uniform(rng);
    *bad = *bad ? u >= ge->r : u < ge->p;
    return lost;
}

static double ge_rate(const void *self)
{
    const GilbertElliott *ge = self;
    double pi_bad = stationary_bad(ge);
    return pi_bad * ge->loss_bad + (1 - pi_bad) * ge->loss_good;
}

static void ge_free(void *self)
{
    GilbertElliott *ge = self;
    g_free(ge->bad);
    g_free(ge);
}

const SimLossClass sim_loss_gilbert_elliott = {
    "gilbert-elliott", gilbert_elliott_keys, G_N_ELEMENTS(gilbert_elliott_keys),
    ge_create, ge_drops, ge_rate, ge_free,
};
