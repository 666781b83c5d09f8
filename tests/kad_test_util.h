/* Helpers for tests that run Kademlia networks: build a Sim from INI text, run it, and tally
 * the operations it reports. */
#pragma once

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "kad.h"
#include "sim.h"

typedef struct {
    guint64 n[SIM_OP_KINDS], ok[SIM_OP_KINDS];
    guint64 correct, hops, messages, timeouts;  /* lookups */
    guint64 hops_max;
    GChecksum *digest;                          /* of every reported op, for determinism */
} KadTally;

typedef struct {
    SimConfig *cfg;
    Sim *sim;
    KadTally tally;
} KadNet;

static inline void kad_tally_op(void *ctx, const SimOp *op)
{
    KadTally *t = ctx;
    t->n[op->kind]++;
    t->ok[op->kind] += op->success;
    if (op->kind == SIM_OP_LOOKUP) {
        t->correct += op->correct == 1;
        t->hops += op->hops;
        t->hops_max = MAX(t->hops_max, op->hops);
        t->messages += op->messages;
        t->timeouts += op->timeouts;
    }
    /* Field by field: the bytes of *op include padding, whose contents are undefined (they
     * differed between two identical runs under AddressSanitizer). */
    g_autofree char *fields = g_strdup_printf(
        "%" G_GUINT64_FORMAT " %d %u %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
        " %u %u %u %d %d\n", op->id, op->kind, op->origin, op->key, op->start, op->end, op->hops,
        op->messages, op->timeouts, op->success, op->correct);
    g_checksum_update(t->digest, (const guchar *) fields, -1);
}

/* A network from INI text plus overrides ("section.key=value", NULL-terminated). Fails the
 * test (and returns FALSE) when the configuration is refused. */
static inline gboolean kad_net_init(KadNet *net, const char *ini, const char *const *overrides)
{
    GError *err = NULL;
    memset(net, 0, sizeof *net);
    net->cfg = sim_config_new();
    sim_declare(net->cfg);
    kad_protocol_class.declare(net->cfg);
    gboolean ok = sim_config_load_data(net->cfg, "test.ini", ini, &err);
    for (const char *const *o = overrides; ok && o && *o; o++)
        ok = sim_config_set_override(net->cfg, *o, &err);
    ok = ok && kad_protocol_class.resolve(net->cfg, &err);  /* as the program does: profiles */
    if (ok)
        net->sim = sim_new(net->cfg, &kad_protocol_class, &err);
    if (!ok || !net->sim) {
        fprintf(stderr, "configuration refused: %s\n", err ? err->message : "?");
        g_clear_error(&err);
        CU_FAIL("configuration refused");
        return FALSE;
    }
    net->tally.digest = g_checksum_new(G_CHECKSUM_SHA256);
    SimObserver obs = { .op_done = kad_tally_op };
    sim_add_observer(net->sim, &obs, &net->tally);
    return TRUE;
}

static inline void kad_net_run(KadNet *net)
{
    sim_run(net->sim, sim_config_get_duration(net->cfg, "simulation", "duration"));
    char *why = NULL;
    gboolean ok = kad_check_invariants(kad_of(net->sim), &why);
    if (!ok)
        fprintf(stderr, "invariant broken: %s\n", why);
    CU_ASSERT_TRUE(ok);
    g_free(why);
    GError *err = NULL;
    CU_ASSERT_TRUE(sim_check_conservation(net->sim, &err));
    g_clear_error(&err);
}

static inline double kad_net_mean_hops(const KadNet *net)
{
    return (double) net->tally.hops / (double) MAX(net->tally.n[SIM_OP_LOOKUP], 1);
}

static inline double kad_net_correct_rate(const KadNet *net)
{
    return (double) net->tally.correct / (double) MAX(net->tally.n[SIM_OP_LOOKUP], 1);
}

static inline void kad_net_free(KadNet *net)
{
    sim_free(net->sim);
    sim_config_free(net->cfg);
    if (net->tally.digest)
        g_checksum_free(net->tally.digest);
    memset(net, 0, sizeof *net);
}

/* A static network: `nodes` join over a ramp, then lookups (network-wide rate) for a while. */
static inline char *kad_static_ini(guint nodes, double lookups_per_s, const char *extra)
{
    return g_strdup_printf("[simulation]\nnodes = %u\nduration = 14min\n"
                           "[workload]\njoin = ramp\njoin_ramp = 5min\nstart = 10min\n"
                           "rate_unit = network\nlookup_rate = %g\n%s",
                           nodes, lookups_per_s, extra ? extra : "");
}
