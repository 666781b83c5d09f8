/* workload — the join schedule and the operations users run ([workload]).
 *
 * Joins: hosts 0, 1, 2, ... come up one after another, all at time 0, as a Poisson stream, or
 * evenly over a ramp; one join is pending at a time (each schedules the next), so a million
 * hosts do not sit in the event queue at once.
 *
 * Operations are Poisson processes. A per-node rate r is one process per host, counting only
 * while the host is up. It is run as a single process of rate r * nodes whose events go to a
 * uniformly random host and are dropped when that host is down: thinning a Poisson process
 * keeps it Poisson, so every up host runs operations at exactly rate r however the number of
 * up hosts changes, and one pending event replaces a million. (Scaling the rate by the number
 * of hosts up when the next gap is drawn, the first design, lags behind churn.) A network-wide
 * rate goes to a random up host, and is lost while none is up.
 *
 * Each process draws from its own stream: adding gets to a scenario leaves its lookups alone.
 * Stores draw keys from the key set by popularity; gets draw by the same popularity among the
 * keys stored so far (exactly: a Fenwick tree of the stored keys' Zipf weights). */
#include "sim_world.h"

#include <math.h>

enum { JOIN_INSTANT, JOIN_RATE, JOIN_RAMP, JOIN_NONE };
enum { RATE_PER_NODE, RATE_NETWORK };
enum { POP_UNIFORM, POP_ZIPF };
/* Target of the event that starts an operation process, rather than running an operation. */
#define PROCESS_PRIME 1
/* Zipf keeps two doubles per key (the CDF for stores, the Fenwick tree for gets). */
#define ZIPF_MAX_KEYS 10000000
/* A Fenwick draw can land on a key of weight 0 by rounding; it is drawn again, at most this
 * often before falling back to a uniformly chosen stored key. */
#define GET_DRAW_TRIES 16

static const SimCfgKey workload_keys[] = {
    { "workload", "join", SIM_CFG_CHOICE, "ramp", 0, 0, "instant|rate|ramp|none", NULL,
      "How hosts 0, 1, 2, ... join at the start: instant (all at time 0, one after another),\n"
      "rate (a Poisson stream of join_rate per second), ramp (evenly spread over join_ramp)\n"
      "or none (churn brings hosts up, e.g. [churn] model = trace)" },
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
      "Gets per second, of keys stored successfully before, chosen by popularity among them\n"
      "(none until the first store succeeds)" },
    { "workload", "keys", SIM_CFG_INT, "1000", 1, 4294967295.0, NULL, NULL,
      "Size of the key set that stores draw from (at most 10000000 with zipf)" },
    { "workload", "popularity", SIM_CFG_CHOICE, "uniform", 0, 0, "uniform|zipf", NULL,
      "How keys are chosen: uniformly or by a Zipf law (key 0 most popular)" },
    { "workload", "zipf_exponent", SIM_CFG_DOUBLE, "1.0", 0, 10, NULL, "popularity=zipf",
      "Zipf exponent s: key i is chosen with weight 1/(i+1)^s" },
};

typedef struct {
    SimWorkload *wl;
    SimOpKind kind;
    double rate;          /* per host, or network-wide */
    uint16_t handler;
    SimRngState rng;
} OpProcess;

struct SimWorkload {
    Sim *sim;
    int rate_unit;
    uint16_t join_kind;
    int join_mode;
    double join_rate;
    SimTime join_ramp, join_last;
    SimRngState join_rng;
    OpProcess procs[SIM_OP_KINDS];
    guint n_keys;
    int popularity;
    double zipf_s;
    double *zipf_cdf;      /* cumulative weights, n_keys entries (zipf only) */
    double *stored_tree;   /* Fenwick tree over the stored keys' weights, n_keys + 1 (zipf) */
    double stored_weight;  /* total weight in stored_tree */
    GArray *stored;        /* keys stored at least once (uint64), in first-store order */
    GHashTable *stored_set;
};

/* ---- keys ------------------------------------------------------------------------------ */

static uint64_t draw_key(SimWorkload *wl, SimRngState *rng)
{
    if (wl->popularity == POP_UNIFORM)
        return sim_rng_state_below(rng, wl->n_keys);
    double u = sim_rng_state_uniform(rng) * wl->zipf_cdf[wl->n_keys - 1];
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

static double zipf_weight(const SimWorkload *wl, uint64_t key)
{
    return pow((double) key + 1.0, -wl->zipf_s);
}

static gboolean is_stored(const SimWorkload *wl, uint64_t key)
{
    /* keys < 2^32, so key + 1 fits a pointer and is never NULL */
    return g_hash_table_contains(wl->stored_set, GSIZE_TO_POINTER((gsize) key + 1));
}

static void remember_stored(SimWorkload *wl, uint64_t key)
{
    if (!g_hash_table_add(wl->stored_set, GSIZE_TO_POINTER((gsize) key + 1)))
        return;
    g_array_append_val(wl->stored, key);
    if (wl->popularity != POP_ZIPF)
        return;
    double w = zipf_weight(wl, key);
    wl->stored_weight += w;
    for (guint i = (guint) key + 1; i <= wl->n_keys; i += i & -i)
        wl->stored_tree[i] += w;
}

/* The stored key whose cumulative weight interval holds target (Fenwick descent). */
static uint64_t stored_find(const SimWorkload *wl, double target)
{
    guint pos = 0, step = 1;
    while (step * 2 <= wl->n_keys)
        step *= 2;
    for (; step; step /= 2)
        if (pos + step <= wl->n_keys && wl->stored_tree[pos + step] <= target) {
            pos += step;
            target -= wl->stored_tree[pos];
        }
    return MIN(pos, wl->n_keys - 1);
}

/* A stored key, by popularity among the stored keys. */
static uint64_t draw_stored_key(SimWorkload *wl, SimRngState *rng)
{
    if (wl->popularity == POP_ZIPF) {
        for (int i = 0; i < GET_DRAW_TRIES; i++) {
            uint64_t key = stored_find(wl, sim_rng_state_uniform(rng) * wl->stored_weight);
            if (is_stored(wl, key))
                return key;
        }
    }
    return g_array_index(wl->stored, uint64_t, sim_rng_state_below(rng, wl->stored->len));
}

/* ---- operations ------------------------------------------------------------------------ */

static double process_rate(const OpProcess *p)
{
    return p->wl->rate_unit == RATE_NETWORK ? p->rate : p->rate * sim_hosts(p->wl->sim);
}

static void schedule_next(OpProcess *p)
{
    Sim *sim = p->wl->sim;
    SimTime gap = sim_time_from_s(-log1p(-sim_rng_state_uniform(&p->rng)) / process_rate(p));
    /* A tiny rate (1e-300 is legal) draws a gap past the last representable time: the
     * process has no next operation. (now + gap overflowed, then the engine aborted.) */
    if (gap > SIM_TIME_NEVER - sim_now(sim))
        return;
    sim_schedule(sim, sim_now(sim) + gap, p->handler, 0, p->kind, SIM_ORIGIN_WORKLOAD);
}

static SimHost pick_origin(OpProcess *p)
{
    Sim *sim = p->wl->sim;
    if (p->wl->rate_unit == RATE_NETWORK)
        return sim_random_up_host(sim, &p->rng, SIM_HOST_NONE);
    SimHost h = (SimHost) sim_rng_state_below(&p->rng, sim_hosts(sim));
    return sim_host_is_up(sim, h) ? h : SIM_HOST_NONE;  /* thinning: down hosts do nothing */
}

static void op_event(Sim *sim, void *ctx, const SimEvent *ev)
{
    OpProcess *p = ctx;
    SimWorkload *wl = p->wl;
    schedule_next(p);
    if (ev->target == PROCESS_PRIME)
        return;  /* the process starts: its first operation comes one gap later */
    SimHost origin = pick_origin(p);
    if (origin == SIM_HOST_NONE)
        return;
    uint64_t key;
    switch (p->kind) {
    case SIM_OP_LOOKUP:
        key = sim_rng_state_next(&p->rng);  /* a random target */
        break;
    case SIM_OP_STORE:
        key = draw_key(wl, &p->rng);
        break;  /* it becomes gettable when the store succeeds: see store_done() */
    case SIM_OP_GET:
        if (wl->stored->len == 0)
            return;  /* nothing stored yet: nothing to get */
        key = draw_stored_key(wl, &p->rng);
        break;
    default:
        g_assert_not_reached();
    }
    sim_start_op(sim, p->kind, origin, key);
}

/* A key counts as stored once a store of it has succeeded: a get drawn while the first store
 * is still on its way would fail for a reason that has nothing to do with the network. */
static void store_done(void *ctx, const SimOp *op)
{
    if (op->kind == SIM_OP_STORE && op->success)
        remember_stored(ctx, op->key);
}

/* ---- joins ----------------------------------------------------------------------------- */

static SimTime join_time(SimWorkload *wl, guint h)
{
    switch (wl->join_mode) {
    case JOIN_RATE:
        if (h > 0) {
            SimTime gap = sim_time_from_s(-log1p(-sim_rng_state_uniform(&wl->join_rng))
                                          / wl->join_rate);
            /* saturates: a slow stream's sum of gaps can pass the last representable time */
            wl->join_last = gap > SIM_TIME_NEVER - wl->join_last ? SIM_TIME_NEVER
                                                                 : wl->join_last + gap;
        }
        return wl->join_last;
    case JOIN_RAMP:
        return (SimTime) ((double) wl->join_ramp * h / sim_hosts(wl->sim));
    default:
        return 0;
    }
}

static void join_event(Sim *sim, void *ctx, const SimEvent *ev)
{
    SimWorkload *wl = ctx;
    guint next = ev->target + 1;
    if (next < sim_hosts(sim)) {
        SimTime at = join_time(wl, next);  /* not inside MAX(): it draws */
        sim_schedule(sim, MAX(at, sim_now(sim)), wl->join_kind, next, 0, SIM_ORIGIN_WORKLOAD);
    }
    sim_host_up(sim, ev->target, FALSE);
}

/* ---- the module ------------------------------------------------------------------------ */

void sim_workload_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "What users do: the join schedule and the operations",
                       workload_keys, G_N_ELEMENTS(workload_keys));
}

static void keys_init(SimWorkload *wl, const SimConfig *cfg)
{
    wl->n_keys = (guint) sim_config_get_int(cfg, "workload", "keys");
    wl->popularity = (int) sim_config_get_choice(cfg, "workload", "popularity");
    wl->stored = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    wl->stored_set = g_hash_table_new(NULL, NULL);
    if (wl->popularity != POP_ZIPF)
        return;
    wl->zipf_s = sim_config_get_double(cfg, "workload", "zipf_exponent");
    wl->zipf_cdf = g_new(double, wl->n_keys);
    wl->stored_tree = g_new0(double, (gsize) wl->n_keys + 1);
    double sum = 0;
    for (guint i = 0; i < wl->n_keys; i++)
        wl->zipf_cdf[i] = sum += zipf_weight(wl, i);
}

SimWorkload *sim_workload_new(Sim *sim, const SimConfig *cfg, GError **error)
{
    if (sim_config_get_choice(cfg, "workload", "popularity") == POP_ZIPF
        && sim_config_get_int(cfg, "workload", "keys") > ZIPF_MAX_KEYS) {
        sim_config_fail(cfg, error, "workload", "keys", "at most %d keys with popularity = zipf "
                        "(it keeps two numbers per key)", ZIPF_MAX_KEYS);
        return NULL;
    }
    SimWorkload *wl = g_new0(SimWorkload, 1);
    wl->sim = sim;
    wl->rate_unit = (int) sim_config_get_choice(cfg, "workload", "rate_unit");
    keys_init(wl, cfg);

    wl->join_mode = (int) sim_config_get_choice(cfg, "workload", "join");
    wl->join_rate = sim_config_get_double(cfg, "workload", "join_rate");
    wl->join_ramp = sim_config_get_duration(cfg, "workload", "join_ramp");
    sim_stream_state(sim, "workload-join", 0, &wl->join_rng);
    wl->join_kind = sim_register_handler(sim, "join", join_event, wl);
    SimObserver stores = { .op_done = store_done };
    sim_add_observer(sim, &stores, wl);
    if (wl->join_mode != JOIN_NONE)
        sim_schedule(sim, join_time(wl, 0), wl->join_kind, 0, 0, SIM_ORIGIN_WORKLOAD);

    static const char *rate_keys[SIM_OP_KINDS] = { NULL, "lookup_rate", "store_rate", "get_rate" };
    SimTime start = sim_config_get_duration(cfg, "workload", "start");
    for (int k = SIM_OP_LOOKUP; k < SIM_OP_KINDS; k++) {
        OpProcess *p = &wl->procs[k];
        p->wl = wl;
        p->kind = (SimOpKind) k;
        p->rate = sim_config_get_double(cfg, "workload", rate_keys[k]);
        sim_stream_state(sim, "workload-op", (uint64_t) k, &p->rng);
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
    g_free(wl->stored_tree);
    g_array_free(wl->stored, TRUE);
    g_hash_table_destroy(wl->stored_set);
    g_free(wl);
}
