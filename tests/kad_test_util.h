/* Helpers for tests that run Kademlia networks (net_test_util.h with Kademlia's class), its
 * invariants, and a static network's scenario. */
#pragma once

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "kad.h"
#include "net_test_util.h"
#include "sim.h"

typedef TestTally KadTally;
typedef TestNet KadNet;
#define kad_tally_op test_tally_op

static inline gboolean kad_net_init(KadNet *net, const char *ini, const char *const *overrides)
{
    return test_net_init(net, &kad_protocol_class, ini, overrides);
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
    test_net_check_conservation(net);
}

#define kad_net_mean_hops test_net_mean_hops
#define kad_net_correct_rate test_net_correct_rate

static inline void kad_net_free(KadNet *net)
{
    test_net_free(net);
}

#define kad_static_ini test_static_ini
