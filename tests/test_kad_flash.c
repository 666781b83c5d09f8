/* Flash crowds (issue 23): every node joins at t = 0. What the simultaneous joins cost in
 * memory (pools, timeout lanes) and what they leave in the routing tables. */
#include "cunit_main.h"
#include "kad_private.h"
#include "kad_test_util.h"

/* n nodes joining at t = 0 over a constant 600 us latency, one lookup per node per 100 s from
 * t = 20 s, no refresh: bench/flash-crowd.ini, shorter. */
static char *flash_ini(guint nodes, const char *extra)
{
    return g_strdup_printf("[simulation]\nnodes = %u\nduration = 120s\nwarmup = 20s\n"
                           "[network]\nlatency = constant\nlatency_constant = 600us\n"
                           "[workload]\njoin = instant\nstart = 20s\nrate_unit = per-node\n"
                           "lookup_rate = 0.01\n"
                           "[kademlia]\nid_bits = 32\nk = 20\nalpha = 3\nrefresh = 0\n%s",
                           nodes, extra ? extra : "");
}

/* Answered RPCs leave the timeout lane when it fills up: the lane holds about the RPCs open at
 * once (the RPC pool's peak), not every RPC sent within one timeout. */
static void test_timeout_lanes_hold_about_the_open_rpcs(void)
{
    KadNet net;
    g_autofree char *ini = flash_ini(2000, NULL);
    if (!kad_net_init(&net, ini, NULL))
        return;
    kad_net_run(&net);
    Kad *kad = kad_of(net.sim);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_JOIN], 2000);
    CU_ASSERT_TRUE(net.tally.n[SIM_OP_LOOKUP] > 1000);
    /* a lane grows only when 7/8 of it is open RPCs, and by a quarter: at most 10/7 of the
     * peak (growing at 3/4 and doubling: 8/3), or its first size; ring entries are 16 bytes */
    gsize lanes = sim_timeouts_bytes(kad->timeouts[0]);  /* one thread: one partition */
    CU_ASSERT_TRUE(lanes <= 16 * MAX(3 * (gsize) kad->rpcs.pool[0].used / 2, 1024) + 1024);
    kad_net_free(&net);
}

/* The peak of lookup records, joining n nodes at once with join_refresh_parallel = `window`. */
static uint32_t lookup_records_of_a_flash_crowd(guint n, const char *window)
{
    KadNet net;
    g_autofree char *extra = g_strdup_printf("join_refresh_parallel = %s\n", window);
    g_autofree char *ini = flash_ini(n, extra);
    if (!kad_net_init(&net, ini, NULL))
        return 0;
    kad_net_run(&net);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_JOIN], n);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_LOOKUP], net.tally.n[SIM_OP_LOOKUP]);
    uint32_t cap = kad_of(net.sim)->lookups.pool[0].cap;
    kad_net_free(&net);
    return cap;
}

/* All of a join's refreshes at once: about log2(N) lookups a node in flight together; one at
 * a time: the join and its current refresh, two a node (plus the pool's growth step). */
static void test_join_refreshes_one_at_a_time_bound_the_lookups_in_flight(void)
{
    guint n = 2000;
    uint32_t all = lookup_records_of_a_flash_crowd(n, "0");
    uint32_t one = lookup_records_of_a_flash_crowd(n, "1");
    CU_ASSERT_TRUE(all > 5 * n);
    CU_ASSERT_TRUE(one <= 2 * n + 2 * n / 4 + 64);
}

/* Only the k closest candidates not known to have failed are ever asked: with no RPC failing,
 * a shortlist of k gives every operation of the default's 3k, in records 480 bytes smaller
 * (12-byte candidates). */
static void test_shortlist_of_k_changes_no_lookup_while_no_rpc_fails(void)
{
    KadNet a, b;
    g_autofree char *ini = flash_ini(1000, NULL);
    const char *const k_only[] = { "kademlia.shortlist=20", NULL };
    if (!kad_net_init(&a, ini, NULL) || !kad_net_init(&b, ini, k_only))
        return;
    kad_net_run(&a);
    kad_net_run(&b);
    CU_ASSERT_EQUAL(a.tally.timeouts, 0);
    CU_ASSERT_TRUE(a.tally.n[SIM_OP_LOOKUP] > 500);
    CU_ASSERT_STRING_EQUAL(g_checksum_get_string(a.tally.digest),
                           g_checksum_get_string(b.tally.digest));
    CU_ASSERT_EQUAL(kad_of(a.sim)->lookups.elem - kad_of(b.sim)->lookups.elem, 40 * 12);
    kad_net_free(&a);
    kad_net_free(&b);
}

/* Live nodes that none of their k closest live nodes have in their tables: lookups of the IDs
 * they own miss them. */
static guint nodes_unknown_to_their_k_closest(Kad *kad)
{
    guint unknown = 0;
    for (uint32_t x = 0; x < kad->n_nodes; x++) {
        guint nc;
        if (kad->nodes[x].state != NODE_DOWN)
            unknown += kad_known_by_closest(kad, x, &nc) == 0 && nc > 0;
    }
    return unknown;
}

/* 1,000 nodes joining at once with k = 8: some joins end having met only far nodes, and no
 * node near them ever hears of them (19 such nodes, 9 of 208 lookups miss the owner). A second
 * self-lookup 5 s after each join reaches the true neighbours: none is left unknown and every
 * lookup finds the owner. */
static void test_relookup_makes_every_flash_crowd_node_known_to_its_neighbours(void)
{
    g_autofree char *ini = flash_ini(1000, NULL);
    const char *const without[] = { "simulation.duration=40s", "kademlia.k=8", NULL };
    const char *const with[] = { "simulation.duration=40s", "kademlia.k=8",
                                 "kademlia.relookup=5s", NULL };
    KadNet a, b;
    if (!kad_net_init(&a, ini, without) || !kad_net_init(&b, ini, with))
        return;
    kad_net_run(&a);
    kad_net_run(&b);
    CU_ASSERT_TRUE(nodes_unknown_to_their_k_closest(kad_of(a.sim)) > 0);
    CU_ASSERT_TRUE(a.tally.ok[SIM_OP_LOOKUP] < a.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_EQUAL(nodes_unknown_to_their_k_closest(kad_of(b.sim)), 0);
    CU_ASSERT_TRUE(b.tally.n[SIM_OP_LOOKUP] > 100);
    CU_ASSERT_EQUAL(b.tally.ok[SIM_OP_LOOKUP], b.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_EQUAL(b.tally.ok[SIM_OP_JOIN], 1000);
    kad_net_free(&a);
    kad_net_free(&b);
}

static CU_TestInfo tests[] = {
    TEST(test_timeout_lanes_hold_about_the_open_rpcs),
    TEST(test_join_refreshes_one_at_a_time_bound_the_lookups_in_flight),
    TEST(test_shortlist_of_k_changes_no_lookup_while_no_rpc_fails),
    TEST(test_relookup_makes_every_flash_crowd_node_known_to_its_neighbours),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("kad_flash", tests)
