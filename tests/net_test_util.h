/* Helpers for tests that run networks of any protocol: build a Sim from INI text as the
 * program configures it, tally the operations it reports (protocol-neutral: SimOp), and check
 * conservation. kad_test_util.h, chord_test_util.h and test_pastry.c build on it. */
#pragma once

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "sim.h"

typedef struct {
    guint64 n[SIM_OP_KINDS], ok[SIM_OP_KINDS];
    guint64 correct, hops, messages, timeouts;  /* lookups */
    guint64 hops_max;
    GChecksum *digest;                          /* of every reported op, for determinism */
} TestTally;

typedef struct {
    SimConfig *cfg;
    Sim *sim;
    TestTally tally;
} TestNet;

static inline void test_tally_op(void *ctx, const SimOp *op)
{
    TestTally *t = ctx;
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

/* A network of `cls` from INI text plus overrides ("section.key=value", NULL-terminated),
 * configured as the program does (the protocol resolves its dependent values). Fails the test
 * (and returns FALSE) when the configuration is refused. */
static inline gboolean test_net_init(TestNet *net, const SimProtocolClass *cls, const char *ini,
                                     const char *const *overrides)
{
    GError *err = NULL;
    memset(net, 0, sizeof *net);
    net->cfg = sim_config_new();
    sim_declare(net->cfg);
    cls->declare(net->cfg);
    gboolean ok = sim_config_load_data(net->cfg, "test.ini", ini, &err);
    for (const char *const *o = overrides; ok && o && *o; o++)
        ok = sim_config_set_override(net->cfg, *o, &err);
    ok = ok && (!cls->resolve || cls->resolve(net->cfg, &err));  /* as the program does */
    if (ok)
        net->sim = sim_new(net->cfg, cls, &err);
    if (!ok || !net->sim) {
        fprintf(stderr, "configuration refused: %s\n", err ? err->message : "?");
        g_clear_error(&err);
        CU_FAIL("configuration refused");
        return FALSE;
    }
    net->tally.digest = g_checksum_new(G_CHECKSUM_SHA256);
    SimObserver obs = { .op_done = test_tally_op };
    sim_add_observer(net->sim, &obs, &net->tally);
    return TRUE;
}

static inline void test_net_free(TestNet *net)
{
    sim_free(net->sim);
    sim_config_free(net->cfg);
    if (net->tally.digest)
        g_checksum_free(net->tally.digest);
    memset(net, 0, sizeof *net);
}

/* Conservation of messages: every one sent has exactly one fate. */
static inline void test_net_check_conservation(TestNet *net)
{
    GError *err = NULL;
    CU_ASSERT_TRUE(sim_check_conservation(net->sim, &err));
    g_clear_error(&err);
}

static inline double test_net_mean_hops(const TestNet *net)
{
    return (double) net->tally.hops / (double) MAX(net->tally.n[SIM_OP_LOOKUP], 1);
}

static inline double test_net_correct_rate(const TestNet *net)
{
    return (double) net->tally.correct / (double) MAX(net->tally.n[SIM_OP_LOOKUP], 1);
}

/* A static network: `nodes` join over a ramp, then lookups (network-wide rate) for a while. */
static inline char *test_static_ini(guint nodes, double lookups_per_s, const char *extra)
{
    return g_strdup_printf("[simulation]\nnodes = %u\nduration = 14min\n"
                           "[workload]\njoin = ramp\njoin_ramp = 5min\nstart = 10min\n"
                           "rate_unit = network\nlookup_rate = %g\n%s",
                           nodes, lookups_per_s, extra ? extra : "");
}
