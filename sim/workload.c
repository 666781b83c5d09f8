/* workload — the join schedule and the operations users run ([workload]).
 *
 * Operations are Poisson processes. A per-node rate r over n up hosts is run as one network-wide
 * process of rate r * n with a uniformly random origin: the superposition of independent Poisson
 * processes is Poisson, so the two are the same in distribution, and one pending event replaces
 * a million. */
#include "sim_world.h"

#include <gsl/gsl_randist.h>
#include <math.h>

enum { JOIN_INSTANT, JOIN_RATE, JOIN_RAMP };
enum { RATE_PER_NODE, RATE_NETWORK };
enum { POP_UNIFORM, POP_ZIPF };
/* Target of the event that starts an operation process, rather than running an operation. */
#define PROCESS_PRIME 1

static const SimCfgKey workload_keys[] = {
    { "workload", "join", SIM_CFG_CHOICE, "ramp", 0, 0, "instant|rate|ramp", NULL,
      "How hosts join at the start: instant (all at time 0, one after another), rate (a Poisson\n"
      "stream of join_rate per second) or ramp (evenly spread over join_ramp)" },
    { "workload", "join_rate", SIM_CFG_DOUBLE, "100", 1e-9, 1e12, NULL, "join=rate",
      "Joins per second" },
    { "workload", "join_ramp", SIM_CFG_DURATION, "1min", 1e-9, 100.0 * 365 * 86400, NULL,
      "join=ramp", "Time over which the joins are spread evenly" },
    { "workload", "start", SIM_CFG_DURATION, "0", 0, 100.0 * 365 * 86400, NULL, NULL,
      "When lookups, stores and gets begin" },
    { "workload", "rate_unit", SIM_CFG_CHOICE, "per-node", 0, 0, "per-node|network", NULL,
      "Whether the rates below are per up host or for the whole network" },
    { "workload", "lookup_rate", SIM_CFG_DOUBLE, "0", 0, 1e12, NULL, NULL,
      "Lookups of random IDs per second" },
    { "workload", "store_rate", SIM_CFG_DOUBLE, "0", 0, 1e12, NULL, NULL,
      "Stores (inserts) of keys from the key set per second" },
    { "workload", "get_rate", SIM_CFG_DOUBLE, "0", 0, 1e12, NULL, NULL,
      "Gets of keys that were stored, per second" },
    { "workload", "keys", SIM_CFG_INT, "1000", 1, 4294967295.0, NULL, NULL,
      "Size of the key set that stores draw from" },
    { "workload", "popularity", SIM_CFG_CHOICE, "uniform", 0, 0, "uniform|zipf", NULL,
      "How keys are chosen: uniformly or by a Zipf law (key 0 most popular)" },
    { "workload", "zipf_exponent", SIM_CFG_DOUBLE, "1.0", 0, 10, NULL, "popularity=zipf",
      "Zipf exponent s: key i is chosen with weight 1/(i+1)^s" },
};

typedef struct {
    SimWorkload *wl;
    SimOpKind kind;
    double rate;          /* per up host, or network-wide */
    uint16_t handler;
} OpProcess;

struct SimWorkload {
    Sim *sim;
    int rate_unit;
    SimRngState rng;
    uint16_t join_kind;
    OpProcess procs[SIM_OP_KINDS];
    guint n_keys;
    int popularity;
    double *zipf_cdf;      /* cumulative weights, n_keys entries (zipf only) */
    GArray *stored;        /* keys stored at least once (uint64), in first-store order */
    GHashTable *stored_set;
};

static void join_event(Sim *sim, void *ctx, const SimEvent *ev)
{
    sim_host_up(sim, ev->target, FALSE);
}

static uint64_t draw_key(SimWorkload *wl)
{
    if (wl->popularity == POP_UNIFORM)
        return sim_rng_state_below(&wl->rng, wl->n_keys);
    double u = sim_rng_state_uniform(&wl->rng) * wl->zipf_cdf[wl->n_keys - 1];
    /* binary search for the first cumulative weight above u */
    guint lo = 0, hi = wl->n_keys - 1;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (wl->zipf_cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static double current_rate(const OpProcess *p)
{
    if (p->wl->rate_unit == RATE_NETWORK)
        return p->rate;
    return p->rate * sim_hosts_up(p->wl->sim);
}

static void schedule_next(OpProcess *p)
{
    Sim *sim = p->wl->sim;
    double rate = current_rate(p);
    /* With no host up the per-node rate is 0: look again a second later. */
    SimTime gap = rate > 0 ? sim_time_from_s(-log1p(-sim_rng_state_uniform(&p->wl->rng)) / rate)
                           : SIM_S;
    sim_schedule(sim, sim_now(sim) + gap, p->handler, 0, p->kind, SIM_ORIGIN_WORKLOAD);
}

static void op_event(Sim *sim, void *ctx, const SimEvent *ev)
{
    OpProcess *p = ctx;
    SimWorkload *wl = p->wl;
    schedule_next(p);
    if (ev->target == PROCESS_PRIME)
        return;  /* the process starts: its first operation comes one gap later */
    SimNode origin = sim_random_up_host(sim, &wl->rng, SIM_NODE_NONE);
    if (origin == SIM_NODE_NONE)
        return;
    uint64_t key;
    switch (p->kind) {
    case SIM_OP_LOOKUP:
        key = sim_rng_state_next(&wl->rng);  /* a random target */
        break;
    case SIM_OP_STORE:
        key = draw_key(wl);
        /* keys < 2^32, so key + 1 fits a pointer and is never NULL */
        if (g_hash_table_add(wl->stored_set, GSIZE_TO_POINTER((gsize) key + 1)))
            g_array_append_val(wl->stored, key);
        break;
    case SIM_OP_GET:
        if (wl->stored->len == 0)
            return;  /* nothing stored yet: nothing to get */
        key = g_array_index(wl->stored, uint64_t, sim_rng_state_below(&wl->rng, wl->stored->len));
        break;
    default:
        g_assert_not_reached();
    }
    sim_start_op(sim, p->kind, origin, key);
}

void sim_workload_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "What users do: the join schedule and the operations",
                       workload_keys, G_N_ELEMENTS(workload_keys));
}

static void schedule_joins(SimWorkload *wl, const SimConfig *cfg)
{
    Sim *sim = wl->sim;
    guint n = sim_hosts(sim);
    guint mode = sim_config_get_choice(cfg, "workload", "join");
    SimTime t = 0;
    double rate = sim_config_get_double(cfg, "workload", "join_rate");
    SimTime ramp = sim_config_get_duration(cfg, "workload", "join_ramp");
    for (guint h = 0; h < n; h++) {
        if (mode == JOIN_RATE && h > 0)
            t += sim_time_from_s(-log1p(-sim_rng_state_uniform(&wl->rng)) / rate);
        else if (mode == JOIN_RAMP)
            t = (SimTime) ((double) ramp * h / n);
        sim_schedule(sim, t, wl->join_kind, h, 0, SIM_ORIGIN_WORKLOAD);
    }
}

SimWorkload *sim_workload_new(Sim *sim, const SimConfig *cfg, GError **error)
{
    SimWorkload *wl = g_new0(SimWorkload, 1);
    wl->sim = sim;
    sim_stream_state(sim, "workload", 0, &wl->rng);
    wl->rate_unit = (int) sim_config_get_choice(cfg, "workload", "rate_unit");
    wl->n_keys = (guint) sim_config_get_int(cfg, "workload", "keys");
    wl->popularity = (int) sim_config_get_choice(cfg, "workload", "popularity");
    wl->stored = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    wl->stored_set = g_hash_table_new(NULL, NULL);
    if (wl->popularity == POP_ZIPF) {
        double s = sim_config_get_double(cfg, "workload", "zipf_exponent"), sum = 0;
        wl->zipf_cdf = g_new(double, wl->n_keys);
        for (guint i = 0; i < wl->n_keys; i++)
            wl->zipf_cdf[i] = sum += pow(i + 1.0, -s);
    }
    wl->join_kind = sim_register_handler(sim, "join", join_event, wl);
    schedule_joins(wl, cfg);

    static const char *rate_keys[SIM_OP_KINDS] = { NULL, "lookup_rate", "store_rate", "get_rate" };
    SimTime start = sim_config_get_duration(cfg, "workload", "start");
    for (int k = SIM_OP_LOOKUP; k < SIM_OP_KINDS; k++) {
        OpProcess *p = &wl->procs[k];
        p->wl = wl;
        p->kind = (SimOpKind) k;
        p->rate = sim_config_get_double(cfg, "workload", rate_keys[k]);
        if (p->rate <= 0)
            continue;
        p->handler = sim_register_handler(sim, sim_op_kind_name(p->kind), op_event, p);
        sim_schedule(sim, start, p->handler, PROCESS_PRIME, p->kind, SIM_ORIGIN_WORKLOAD);
    }
    return wl;
}

void sim_workload_free(SimWorkload *wl)
{
    if (!wl)
        return;
    g_free(wl->zipf_cdf);
    g_array_free(wl->stored, TRUE);
    g_hash_table_destroy(wl->stored_set);
    g_free(wl);
}
