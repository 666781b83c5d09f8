/* Helpers for tests that run Chord networks: build a Sim from INI text, run it, tally the
 * operations it reports, check the ring. */
#pragma once

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "chord.h"
#include "net_test_util.h"
#include "sim.h"

typedef TestNet ChordNet;

/* A network from INI text plus overrides ("section.key=value", NULL-terminated). */
static inline gboolean chord_net_init(ChordNet *net, const char *ini,
                                      const char *const *overrides)
{
    return test_net_init(net, &chord_protocol_class, ini, overrides);
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
    test_net_check_conservation(net);
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

#define chord_net_mean_hops test_net_mean_hops

#define chord_net_free test_net_free

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
