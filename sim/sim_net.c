#include "sim_net.h"

#include <string.h>

/* The models. Adding one: write sim/latency_NAME.c (or loss_NAME.c) exporting its class, and
 * list it here. */
extern const SimLatencyClass sim_latency_constant;
extern const SimLossClass sim_loss_none;

static const SimLatencyClass *const latency_models[] = {
    &sim_latency_constant,
};
static const SimLossClass *const loss_models[] = {
    &sim_loss_none,
};

struct SimLatency {
    const SimLatencyClass *cls;
    void *model;
    SimRngState rng;
};

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
    static SimCfgKey key = { "network", "latency", SIM_CFG_CHOICE, "constant", 0, 0, NULL, NULL,
                             "One-way latency model" };
    const char *names[G_N_ELEMENTS(latency_models)];
    for (gsize i = 0; i < G_N_ELEMENTS(latency_models); i++)
        names[i] = latency_models[i]->name;
    key.choices = choices_of(names, G_N_ELEMENTS(latency_models));
    sim_config_declare(cfg, "The network between hosts: latency and loss", &key, 1);
    for (gsize i = 0; i < G_N_ELEMENTS(latency_models); i++)
        sim_config_declare(cfg, NULL, latency_models[i]->keys, latency_models[i]->n_keys);
}

SimLatency *sim_latency_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error)
{
    SimLatency *lat = g_new0(SimLatency, 1);
    lat->cls = latency_models[sim_config_get_choice(cfg, "network", "latency")];
    SimRng place;
    sim_rng_init(&place, seed, sim_rng_stream_id("latency-setup", 0));
    sim_rng_state_init(&lat->rng, seed, sim_rng_stream_id("latency", 0));
    lat->model = lat->cls->create(cfg, hosts, &place, error);
    if (!lat->model) {
        g_free(lat);
        return NULL;
    }
    return lat;
}

SimTime sim_latency_delay(SimLatency *lat, SimNode src, SimNode dst)
{
    SimTime d = lat->cls->delay(lat->model, src, dst, &lat->rng);
    return MAX(d, 1);
}

double sim_latency_mean(const SimLatency *lat) { return lat->cls->mean(lat->model); }
const char *sim_latency_name(const SimLatency *lat) { return lat->cls->name; }

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
    const char *names[G_N_ELEMENTS(loss_models)];
    for (gsize i = 0; i < G_N_ELEMENTS(loss_models); i++)
        names[i] = loss_models[i]->name;
    key.choices = choices_of(names, G_N_ELEMENTS(loss_models));
    sim_config_declare(cfg, NULL, &key, 1);
    for (gsize i = 0; i < G_N_ELEMENTS(loss_models); i++)
        sim_config_declare(cfg, NULL, loss_models[i]->keys, loss_models[i]->n_keys);
}

SimLoss *sim_loss_new(const SimConfig *cfg, uint64_t seed, guint hosts, GError **error)
{
    SimLoss *loss = g_new0(SimLoss, 1);
    loss->cls = loss_models[sim_config_get_choice(cfg, "network", "loss")];
    sim_rng_state_init(&loss->rng, seed, sim_rng_stream_id("loss", 0));
    loss->model = loss->cls->create(cfg, hosts, error);
    if (!loss->model) {
        g_free(loss);
        return NULL;
    }
    return loss;
}

gboolean sim_loss_drops(SimLoss *loss, SimNode src, SimNode dst)
{
    return loss->cls->drops(loss->model, src, dst, &loss->rng);
}

void sim_loss_free(SimLoss *loss)
{
    if (!loss)
        return;
    loss->cls->free(loss->model);
    g_free(loss);
}

/* ---- loss = none: every message arrives --------------------------------------------------- */

static void *none_create(const SimConfig *cfg, guint hosts, GError **error)
{
    return GINT_TO_POINTER(1);  /* no state; non-NULL means success */
}
static gboolean none_drops(void *self, SimNode src, SimNode dst, SimRngState *rng) { return FALSE; }
static double none_rate(const void *self) { return 0; }
static void none_free(void *self) {}

const SimLossClass sim_loss_none = {
    "none", NULL, 0, none_create, none_drops, none_rate, none_free,
};
