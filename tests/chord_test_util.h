/* Helpers for tests that run Chord networks: build a Sim from INI text, run it, tally the
 * operations it reports, check the ring. */
#pragma once

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "chord.h"
#include "kad_test_util.h"
#include "sim.h"

/* The operation tally of the Kademlia tests (kad_test_util.h) is protocol-neutral: reused. */
typedef KadTally ChordTally;

typedef struct {
    SimConfig *cfg;
    Sim *sim;
    ChordTally tally;
} ChordNet;

/* A network from INI text plus overrides ("section.key=value", NULL-terminated). */
static inline gboolean chord_net_init(ChordNet *net, const char *ini,
                                      const char *const *overrides)
{
    GError *err = NULL;
    memset(net, 0, sizeof *net);
    net->cfg = sim_config_new();
    sim_declare(net->cfg);
    chord_protocol_class.declare(net->cfg);
    gboolean ok = sim_config_load_data(net->cfg, "test.ini", ini, &err);
    for (const char *const *o = overrides; ok && o && *o; o++)
        ok = sim_config_set_override(net->cfg, *o, &err);
    if (ok)
        net->sim = sim_new(net->cfg, &chord_protocol_class, &err);
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

static inline void chord_net_check(ChordNet *net)
{
    char *why = NULL;
    gboolean ok = chord_check_invariants(chord_of(net->sim), &why);
    if (!ok)
        fprintf(stderr, "invariant broken: %s\n", why);
    CU_ASSERT_TRUE(ok);
    g_free(why);
}

/* Run to `until` (the configured duration when 0), then check invariants and conservation. */
static inline void chord_net_run(ChordNet *net, SimTime until)
{
    if (until == 0)
        until = sim_config_get_duration(net->cfg, "simulation", "duration");
    sim_run(net->sim, until);
    chord_net_check(net);
    GError *err = NULL;
    CU_ASSERT_TRUE(sim_check_conservation(net->sim, &err));
    g_clear_error(&err);
}

/* Is the ring (and, with fingers, every finger) as the truth says? Prints the first miss. */
static inline gboolean chord_net_ring_ok(ChordNet *net, gboolean fingers)
{
    char *why = NULL;
    gboolean ok = chord_check_ring(chord_of(net->sim), fingers, &why);
    if (!ok)
        fprintf(stderr, "ring: %s\n", why);
    g_free(why);
    return ok;
}

static inline double chord_net_mean_hops(const ChordNet *net)
{
    return (double) net->tally.hops / (double) MAX(net->tally.n[SIM_OP_LOOKUP], 1);
}

static inline void chord_net_free(ChordNet *net)
{
    sim_free(net->sim);
    sim_config_free(net->cfg);
    if (net->tally.digest)
        g_checksum_free(net->tally.digest);
    memset(net, 0, sizeof *net);
}

/* `nodes` join over a 5-minute ramp with fast maintenance (periods in the [chord] text
 * `extra` may override), lookups from `start` at a network-wide rate. */
static inline char *chord_static_ini(guint nodes, const char *duration, const char *start,
                                     double lookups_per_s, const char *extra)
{
    return g_strdup_printf("[simulation]\nnodes = %u\nduration = %s\n"
                           "[workload]\njoin = ramp\njoin_ramp = 5min\nstart = %s\n"
                           "rate_unit = network\nlookup_rate = %g\n"
                           "[chord]\nstabilize = 2s\nfix_fingers = 2s\ncheck_predecessor = 5s\n%s",
                           nodes, duration, start, lookups_per_s, extra ? extra : "");
}
