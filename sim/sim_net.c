#include "sim_net.h"

#include <string.h>

/* The models. Adding one: write sim/latency_NAME.c (or loss_NAME.c) exporting its class, and
 * list it here. */
extern const SimLatencyClass sim_latency_constant, sim_latency_uniform, sim_latency_lognormal,
    sim_latency_euclidean, sim_latency_matrix;
extern const SimLossClass sim_loss_none, sim_loss_bernoulli, sim_loss_gilbert_elliott;

static const SimLatencyClass *const latency_models[] = {
    &sim_latency_constant,
    &sim_latency_uniform,
    &sim_latency_lognormal,
    &sim_latency_euclidean,
    &sim_latency_matrix,
};
static const SimLossClass *const loss_models[] = {
    &sim_loss_none,
    &sim_loss_bernoulli,
    &sim_loss_gilbert_elliott,
};

/* Keys of the network as a whole. Jitter is capped like latency_constant: a wobble of more
 * than an hour is a mistake in the scenario, not jitter. */
static const SimCfgKey network_keys[] = {
    { "network", "latency_draw", SIM_CFG_CHOICE, "pair", 0, 0, "pair|message",
      "latency=uniform|lognormal",
      "pair: each pair of hosts gets one delay, drawn once, the same both ways (RTT = 2 x\n"
      "one-way); message: every message draws afresh (messages may overtake each other)" },
    { "network", "min_latency", SIM_CFG_DURATION, "0", 0, 3600, NULL, NULL,
      "Least one-way delay: a shorter one drawn by the latency model is raised to it (0: none).\n"
      "What a run on several threads (--threads) takes as its lookahead; needed there when the\n"
      "model has no positive minimum (lognormal, euclidean)" },
    { "network", "jitter", SIM_CFG_DURATION, "0", 0, 3600, NULL, NULL,
      "Extra delay of each message, uniform in [0, jitter], on top of any latency model (0: no\n"
      "jitter). Messages between the same two hosts may then overtake each other, as UDP can" },
};

struct SimLatency {
    const SimLatencyClass *cls;
    void *model;
    SimRngState rng;
    SimTime jitter;          /* 0: none */
    SimTime floor;           /* min_latency: 0 for none */
    SimRngState jitter_rng;  /* its own stream: turning jitter on shifts no model draw */
};

void sim_delay_dist_init(SimDelayDist *dd, const SimConfig *cfg, SimDist dist, SimRng *rng)
{
    dd->dist = dist;
    dd->per_message = strcmp(sim_config_get_string(cfg, "network", "latency_draw"), "message") == 0;
    dd->salt = sim_rng_u64(rng);
}

double sim_pair_uniform(uint64_t salt, SimHost a, SimHost b)
{
    uint64_t pair = ((uint64_t) MIN(a, b) << 32) | MAX(a, b);
    uint64_t h = sim_mix64(salt ^ sim_mix64(pair));
    return ((double) (h >> 11) + 0.5) * 0x1.0p-53;  /* never 0 or 1: quantiles stay finite */
}

SimTime sim_delay_dist_delay(void *self, SimHost src, SimHost dst, SimRngState *rng)
{
    const SimDelayDist *dd = self;
    double u = dd->per_message ? ((double) (sim_rng_state_next(rng) >> 11) + 0.5) * 0x1.0p-53
                               : sim_pair_uniform(dd->salt, src, dst);
    return sim_time_from_s(sim_dist_quantile(&dd->dist, u));
}

SimTime sim_delay_dist_min(const void *self)
{
    const SimDelayDist *dd = self;
    double q = sim_dist_quantile(&dd->dist, 0.0);
    if (!(q > 0))  /* none (lognormal), or not a number */
        return 0;
    SimTime least = sim_time_from_s(q);
    return least > 1 ? least - 1 : 0;  /* 1 ns under: rounding of the quantiles above it */
}

double sim_delay_dist_mean(const void *self)
{
    return sim_dist_mean(&((const SimDelayDist *) self)->dist) * (double) SIM_S;
}

struct SimLoss {
    const SimLossClass *cls;
    void *model;
    SimRngState rng;
};

/* "a|b|c" from the names of a model list; built once, kept for the program's life. */
static const char *choices_of(const char *const *names, gsize n)
{
    GString *s = g_string_new(NULL);
    for (gsize i = 0; i < n; i++)
        g_string_append_printf(s, "%s%s", i ? "|" : "", names[i]);
    const char *interned = g_intern_string(s->str);
    g_string_free(s, TRUE);
    return interned;
}

void sim_latency_declare(SimConfig *cfg)
{
    /* The key's choices come from the model list; built once, so that sweeps may declare
     * configurations from several threads. */
    static SimCfgKey key = { "network", "latency", SIM_CFG_CHOICE, "constant", 0, 0, NULL, NULL,
                             "One-way latency model" };
    static gsize built = 0;
    if (g_once_init_enter(&built)) {
        const char *names[G_N_ELEMENTS(latency_models)];
        for (gsize i = 0; i < G_N_ELEMENTS(latency_models); i++)
            names[i] = latency_models[i]->name;
        key.choices = choices_of(names, G_N_ELEMENTS(latency_models));
        g_once_init_leave(&built, 1);
    }
    sim_config_declare(cfg, "The network between hosts: latency and loss", &key, 1);
    for (gsize i = 0; i < G_N_ELEMENTS(latency_models); i++)
        sim_config_declare(cfg, NULL, latency_models[i]->keys, latency_models[i]->n_keys);
    sim_config_declare(cfg, NULL, network_keys, G_N_ELEMENTS(network_keys));
}

SimLatency *sim_latency_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error)
{
    SimLatency *lat = g_new0(SimLatency, 1);
    lat->cls = latency_models[sim_config_get_choice(cfg, "network", "latency")];
    SimRng place;
    sim_rng_init(&place, seed, sim_rng_stream_id("latency-setup", 0));
    sim_rng_state_init(&lat->rng, seed, sim_rng_stream_id("latency", 0));
    sim_rng_state_init(&lat->jitter_rng, seed, sim_rng_stream_id("jitter", 0));
    lat->jitter = sim_config_get_duration(cfg, "network", "jitter");
    lat->floor = sim_config_get_duration(cfg, "network", "min_latency");
    lat->model = lat->cls->create(cfg, hosts, &place, error);
    if (!lat->model) {
        g_free(lat);
        return NULL;
    }
    return lat;
}

SimTime sim_latency_delay(SimLatency *lat, SimHost src, SimHost dst)
{
    SimTime d = lat->cls->delay(lat->model, src, dst, &lat->rng);
    d = MAX(d, lat->floor);
    if (lat->jitter > 0) {
        SimTime j = (SimTime) sim_rng_state_below(&lat->jitter_rng, (uint64_t) lat->jitter + 1);
        d = sim_time_add(d, j);  /* saturates: see sim_send() */
    }
    return MAX(d, 1);
}

SimTime sim_latency_proximity(const SimLatency *lat, SimHost src, SimHost dst)
{
    SimRngState pair;
    sim_rng_state_init(&pair, lat->rng.s[0], ((uint64_t) MIN(src, dst) << 32) | MAX(src, dst));
    return MAX(MAX(lat->cls->delay(lat->model, src, dst, &pair), lat->floor), 1);
}

SimTime sim_latency_min(const SimLatency *lat)
{
    SimTime m = lat->cls->min ? lat->cls->min(lat->model) : 0;
    return MAX(m, lat->floor);
}

double sim_latency_mean(const SimLatency *lat)
{
    return lat->cls->mean(lat->model) + (double) lat->jitter / 2;
}

void sim_latency_free(SimLatency *lat)
{
    if (!lat)
        return;
    lat->cls->free(lat->model);
    g_free(lat);
}

void sim_loss_declare(SimConfig *cfg)
{
    static SimCfgKey key = { "network", "loss", SIM_CFG_CHOICE, "none", 0, 0, NULL, NULL,
                             "Message loss model" };
    static gsize built = 0;
    if (g_once_init_enter(&built)) {  /* once: see sim_latency_declare() */
        const char *names[G_N_ELEMENTS(loss_models)];
        for (gsize i = 0; i < G_N_ELEMENTS(loss_models); i++)
            names[i] = loss_models[i]->name;
        key.choices = choices_of(names, G_N_ELEMENTS(loss_models));
        g_once_init_leave(&built, 1);
    }
    sim_config_declare(cfg, NULL, &key, 1);
    for (gsize i = 0; i < G_N_ELEMENTS(loss_models); i++)
        sim_config_declare(cfg, NULL, loss_models[i]->keys, loss_models[i]->n_keys);
}

SimLoss *sim_loss_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error)
{
    SimLoss *loss = g_new0(SimLoss, 1);
    loss->cls = loss_models[sim_config_get_choice(cfg, "network", "loss")];
    SimRng setup;
    sim_rng_init(&setup, seed, sim_rng_stream_id("loss-setup", 0));
    sim_rng_state_init(&loss->rng, seed, sim_rng_stream_id("loss", 0));
    loss->model = loss->cls->create(cfg, hosts, &setup, error);
    if (!loss->model) {
        g_free(loss);
        return NULL;
    }
    return loss;
}

gboolean sim_loss_drops(SimLoss *loss, SimHost src, SimHost dst)
{
    return loss->cls->drops(loss->model, src, dst, &loss->rng);
}

double sim_loss_rate(const SimLoss *loss) { return loss->cls->rate(loss->model); }

void sim_loss_free(SimLoss *loss)
{
    if (!loss)
        return;
    loss->cls->free(loss->model);
    g_free(loss);
}
