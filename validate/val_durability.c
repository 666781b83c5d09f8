/* Validation of data durability under churn.
 *
 * A network under exponential churn (sessions of mean m, down times of mean m; a node that
 * returns keeps its ID but, as docs/kademlia.md says, not its stored pairs) stores S keys once,
 * then every probe interval asks (a) how many keys some live node still holds (global view) and
 * (b) how many a get from a random live node retrieves. Two runs:
 *   - replication every m/12 and republish every m: the keys should all survive;
 *   - replication and republish off: a key lives as long as one of the h0 nodes that received
 *     its STORE has not left since. Sessions are exponential, so each holder's remaining session
 *     is exponential with mean m (memoryless) and independent of the others, and a holder that
 *     returns comes back empty: P(alive at age a) = 1 - (1 - e^(-a/m))^h0. That is the
 *     independent model, evaluated per key with its own age and h0 and averaged. */
#include "val.h"

typedef struct {
    guint keys, probes;
    SimTime probe_every, store_at, session;
    gboolean replicate;
    guint seed;
} Setup;

typedef struct {
    const Setup *s;
    ValNet net;
    uint16_t ev_store, ev_probe;
    SimRngState rng;
    GHashTable *op_key;    /* store op id + 1 -> key + 1 */
    GHashTable *op_probe;  /* get op id + 1 -> probe + 1 */
    GHashTable *early;     /* get op id + 1 -> success + 1, for gets that ended inside kad_get()
                              (the origin held the key): reported before their id was known */
    SimTime *stored_at;    /* per key: when its store finished (0: not yet) */
    guint *h0;             /* per key: holders at probe 0, just after the stores */
    SimHost *holders;      /* per key: those holders (up to 32) */
    SimTime t0;            /* probe 0 */
    SimTime *last_down;    /* per host: when it last went down */
    guint *alive_sem;      /* per probe: keys with a holder of probe 0 that has not left since */
    guint held, held_left; /* holders of probe 0 (distinct hosts), and those gone at a probe */
    double *stay;          /* per probe: fraction of those holders that have not left since */
    guint *alive, *got, *asked;  /* per probe */
    double *model;         /* per probe: the model's expected fraction alive */
} Run;

static void on_op(void *ctx, const SimOp *op)
{
    Run *r = ctx;
    gpointer id = GSIZE_TO_POINTER((gsize) op->id + 1);
    guint key = GPOINTER_TO_UINT(g_hash_table_lookup(r->op_key, id));
    if (op->kind == SIM_OP_STORE && key && op->success)
        r->stored_at[key - 1] = op->end;
    guint probe = GPOINTER_TO_UINT(g_hash_table_lookup(r->op_probe, id));
    if (op->kind == SIM_OP_GET && probe)
        r->got[probe - 1] += op->success;
    else if (op->kind == SIM_OP_GET)
        g_hash_table_insert(r->early, id, GUINT_TO_POINTER(op->success + 1));
}

static void on_host(void *ctx, SimHost host, gboolean up, gboolean graceful)
{
    Run *r = ctx;
    (void) graceful;
    if (!up)
        r->last_down[host] = sim_now(r->net.sim);
}

#define MAX_HOLDERS 32

static SimHost random_up(Run *r)
{
    return sim_random_up_host(r->net.sim, &r->rng, SIM_HOST_NONE);
}

static void on_store(Sim *sim, void *ctx, const SimEvent *ev)
{
    Run *r = ctx;
    Kad *kad = kad_of(sim);
    guint key = (guint) ev->data;
    KadId id = kad_key_id(kad, key);
    uint64_t op = kad_put(kad, random_up(r), &id, 0);
    g_hash_table_insert(r->op_key, GSIZE_TO_POINTER((gsize) op + 1), GUINT_TO_POINTER(key + 1));
}

static void on_probe(Sim *sim, void *ctx, const SimEvent *ev)
{
    Run *r = ctx;
    Kad *kad = kad_of(sim);
    guint p = (guint) ev->data;
    SimTime now = sim_now(sim);
    double expect = 0;
    guint counted = 0;
    for (guint key = 0; key < r->s->keys; key++) {
        KadId id = kad_key_id(kad, key);
        SimHost h[MAX_HOLDERS], *held = &r->holders[key * MAX_HOLDERS];
        if (p == 0) {  /* the first probe, just after the stores: who received them */
            r->h0[key] = kad_holders(kad, &id, held, MAX_HOLDERS);
            r->t0 = now;
            continue;
        }
        if (!r->stored_at[key] || !r->h0[key])
            continue;
        counted++;
        r->alive[p] += kad_holders(kad, &id, h, 1) > 0;
        guint staying = 0;
        for (guint i = 0; i < r->h0[key]; i++)
            staying += r->last_down[held[i]] < r->t0;
        r->alive_sem[p] += staying > 0;
        /* memoryless: each holder of probe 0 stays a further Exp(m) */
        double age = sim_time_to_s(now - r->t0);
        expect += 1 - pow(1 - exp(-age / sim_time_to_s(r->s->session)), r->h0[key]);
        uint64_t op = kad_get(kad, random_up(r), &id);
        gpointer op_key = GSIZE_TO_POINTER((gsize) op + 1);
        guint early = GPOINTER_TO_UINT(g_hash_table_lookup(r->early, op_key));
        if (early)
            r->got[p] += early - 1;
        else
            g_hash_table_insert(r->op_probe, op_key, GUINT_TO_POINTER(p + 1));
        r->asked[p]++;
    }
    r->model[p] = counted ? expect / counted : NAN;
    if (p == 0)
        return;
    guint hosts = sim_hosts(sim), held = 0, stayed = 0;
    gboolean *seen = g_new0(gboolean, hosts);
    for (guint key = 0; key < r->s->keys; key++)
        for (guint i = 0; i < r->h0[key]; i++) {
            SimHost host = r->holders[key * MAX_HOLDERS + i];
            if (seen[host])
                continue;
            seen[host] = TRUE;
            held++;
            stayed += r->last_down[host] < r->t0;
        }
    r->stay[p] = val_rate(stayed, held);
    g_free(seen);
}

static char *churn_ini(const Setup *s, guint nodes)
{
    double m = sim_time_to_s(s->session);
    SimTime end = s->store_at + s->keys * (SIM_S / 4) + (SimTime) s->probes * s->probe_every +
                  60 * SIM_S;
    return g_strdup_printf(
        "[simulation]\nseed = %u\nnodes = %u\nduration = %.0fs\n"
        "[network]\nlatency = lognormal\nloss = none\n"
        "[churn]\nmodel = sessions\nsession = exponential\nsession_mean = %.0fs\n"
        "downtime = exponential\ndowntime_mean = %.0fs\nstart = 5min\nleave = crash\n"
        "rejoin = same\n"
        "[workload]\njoin = ramp\njoin_ramp = 4min\n"
        "[kademlia]\nrefresh = 15min\nexpire = 24h\nreplicate = %s\nrepublish = %s\n",
        s->seed, nodes, sim_time_to_s(end), m, m, s->replicate ? "5min" : "0",
        s->replicate ? "1h" : "0");
}

static void run(const Setup *s, guint nodes, Run *r)
{
    memset(r, 0, sizeof *r);
    r->s = s;
    g_autofree char *ini = churn_ini(s, nodes);
    val_net_init(&r->net, ini, NULL);
    sim_rng_state_init(&r->rng, 12345, s->seed);
    r->op_key = g_hash_table_new(NULL, NULL);
    r->op_probe = g_hash_table_new(NULL, NULL);
    r->early = g_hash_table_new(NULL, NULL);
    r->stored_at = g_new0(SimTime, s->keys);
    r->h0 = g_new0(guint, s->keys);
    r->alive = g_new0(guint, s->probes + 1);
    r->got = g_new0(guint, s->probes + 1);
    r->asked = g_new0(guint, s->probes + 1);
    r->model = g_new0(double, s->probes + 1);
    r->holders = g_new0(SimHost, s->keys * MAX_HOLDERS);
    r->last_down = g_new0(SimTime, sim_hosts(r->net.sim));
    r->alive_sem = g_new0(guint, s->probes + 1);
    r->stay = g_new0(double, s->probes + 1);
    SimObserver obs = { .op_done = on_op, .host_changed = on_host };
    sim_add_observer(r->net.sim, &obs, r);
    r->ev_store = sim_register_handler(r->net.sim, "val-store", on_store, r);
    r->ev_probe = sim_register_handler(r->net.sim, "val-probe", on_probe, r);
    /* Stores four a second; probe 0 (holders) 20 s after the last. */
    for (guint key = 0; key < s->keys; key++)
        sim_schedule(r->net.sim, s->store_at + key * (SIM_S / 4), r->ev_store, 0, key,
                     SIM_ORIGIN_ENGINE);
    SimTime t0 = s->store_at + s->keys * (SIM_S / 4) + 20 * SIM_S;
    for (guint p = 0; p <= s->probes; p++)
        sim_schedule(r->net.sim, t0 + p * s->probe_every, r->ev_probe, 0, p, SIM_ORIGIN_ENGINE);
    if (!val_net_run(&r->net))
        fprintf(stderr, "invariants or conservation broken\n");
}

static void run_free(Run *r)
{
    val_net_free(&r->net);
    g_hash_table_destroy(r->op_key);
    g_hash_table_destroy(r->op_probe);
    g_hash_table_destroy(r->early);
    g_free(r->stored_at);
    g_free(r->h0);
    g_free(r->alive);
    g_free(r->got);
    g_free(r->asked);
    g_free(r->model);
    g_free(r->holders);
    g_free(r->last_down);
    g_free(r->alive_sem);
    g_free(r->stay);
}

/* Per probe, over the replicates: sums for means and standard errors. */
typedef struct {
    double alive_on, get_on, alive_off, alive_off2, get_off, model, stay;
    gboolean same_sem;
} Acc;

int main(int argc, char **argv)
{
    ValReport rep;
    val_init(&rep, argc, argv, "data durability under churn");
    guint nodes = rep.full ? 1000 : 200, reps = rep.full ? 4 : 2;
    Setup on = {
        .keys = rep.full ? 300 : 100, .probes = rep.full ? 36 : 9,
        .probe_every = 20 * SIM_MIN / (rep.full ? 2 : 1), .store_at = 15 * SIM_MIN,
        .session = SIM_H, .replicate = TRUE,
    };
    printf("-- 3. %u nodes, exponential sessions and down times of mean 1 h (rejoin with the same "
           "ID, empty store); %u keys stored once; %u replicates (seeds)\n", nodes, on.keys, reps);
    Acc *acc = g_new0(Acc, on.probes + 1);
    for (guint p = 0; p <= on.probes; p++)
        acc[p].same_sem = TRUE;
    double h0_sum = 0, h0_n = 0;
    for (guint i = 0; i < reps; i++) {
        Setup off = on;
        on.seed = off.seed = 11 + i;
        off.replicate = FALSE;
        Run a, b;
        run(&on, nodes, &a);
        run(&off, nodes, &b);
        for (guint key = 0; key < on.keys; key++)
            h0_sum += a.h0[key] + b.h0[key], h0_n += 2;
        for (guint p = 1; p <= on.probes; p++) {
            Acc *c = &acc[p];
            double fb = val_rate(b.alive[p], b.asked[p]);
            c->alive_on += val_rate(a.alive[p], a.asked[p]) / reps;
            c->get_on += val_rate(a.got[p], a.asked[p]) / reps;
            c->alive_off += fb / reps;
            c->alive_off2 += fb * fb;
            c->get_off += val_rate(b.got[p], b.asked[p]) / reps;
            c->model += b.model[p] / reps;
            c->stay += b.stay[p] / reps;
            c->same_sem = c->same_sem && b.alive_sem[p] == b.alive[p];
        }
        run_free(&a);
        run_free(&b);
    }
    val_note("holders just after the stores: %.2f per key (k = 20)", h0_sum / h0_n);
    FILE *dat = val_data(&rep, "durability.dat");
    if (dat)
        fprintf(dat, "# hours alive_on get_on alive_off se get_off model_off holders_stayed "
                     "exp_stay\n");
    val_note("%6s %9s %9s %9s %7s %9s %9s %9s %9s", "hours", "on:alive", "on:get", "off:alive",
             "+-", "off:get", "off:model", "stayed", "e^-t/m");
    gboolean same_sem = TRUE;
    double worst_on = 1, worst_get_on = 1, worst_z = 0, worst_dev = 0;
    for (guint p = 1; p <= on.probes; p++) {
        Acc *c = &acc[p];
        double hours = sim_time_to_s(p * on.probe_every) / 3600.0;
        double var = (c->alive_off2 - reps * c->alive_off * c->alive_off) / (reps - 1);
        double se = sqrt(MAX(var, 0) / reps), stay = exp(-hours * 3600 / sim_time_to_s(on.session));
        val_note("%6.2f %9.4f %9.4f %9.4f %7.4f %9.4f %9.4f %9.4f %9.4f", hours, c->alive_on,
                 c->get_on, c->alive_off, se, c->get_off, c->model, c->stay, stay);
        if (dat)
            fprintf(dat, "%.4f %.5f %.5f %.5f %.5f %.5f %.5f %.5f %.5f\n", hours, c->alive_on,
                    c->get_on, c->alive_off, se, c->get_off, c->model, c->stay, stay);
        same_sem = same_sem && c->same_sem;
        worst_on = MIN(worst_on, c->alive_on);
        worst_get_on = MIN(worst_get_on, c->get_on);
        /* the replicates' spread (3 standard errors) plus 0.03 for the model's idealisation */
        double excess = fabs(c->alive_off - c->model) - (3 * se + 0.03);
        if (p == 1 || excess > worst_z)
            worst_z = excess, worst_dev = c->alive_off - c->model;
    }
    if (dat)
        fclose(dat);
    double span_h = on.probes * sim_time_to_s(on.probe_every) / 3600;
    val_check(&rep, h0_sum / h0_n > 19.5, "each STORE reached k = 20 nodes", "%.2f holders per key",
              h0_sum / h0_n);
    val_check(&rep, worst_on >= 0.99, "replication on: keys survive (>= 99% alive)",
              "lowest mean fraction alive over %.1f h: %.4f", span_h, worst_on);
    val_check(&rep, worst_get_on >= 0.98, "replication on: gets succeed (>= 98%)",
              "lowest mean get success: %.4f", worst_get_on);
    val_check(&rep, same_sem, "replication off: alive = a first holder still up",
              "at every probe of every replicate (store semantics of docs/kademlia.md)");
    val_check(&rep, worst_z <= 0, "replication off: alive vs 1-(1-e^-t/m)^h0",
              "largest deviation beyond 3 se + 0.03: %+.4f (deviation %+.4f)", worst_z, worst_dev);
    val_check(&rep, acc[on.probes].alive_off < 0.8 * acc[1].alive_off, "replication off: keys decay",
              "alive %.4f at the first probe, %.4f at the last (%.1f h)", acc[1].alive_off,
              acc[on.probes].alive_off, span_h);
    g_free(acc);
    return val_finish(&rep);
}
