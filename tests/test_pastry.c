/* The Pastry protocol: IDs and digits, the routing table's slot choice by proximity, the leaf
 * set (sides, wrap-around, closest, range), then networks end to end: real joins and exact
 * lookups, hops against log_{2^b} N, stores and gets on the leaf set, crashes and repair,
 * graceful leaves, the oracle bootstrap, determinism. */
#include "cunit_main.h"
#include "net_test_util.h"
#include "pastry.h"
#include "pastry_id.h"
#include "pastry_leafset.h"
#include "pastry_rtable.h"

#include <math.h>
#include <string.h>

/* ---- IDs and digits --------------------------------------------------------------------- */

static void test_digits_are_read_most_significant_first(void)
{
    PastryIdSpace s;
    pastry_id_space_init(&s, 16, 4);
    PastryId a = 0x1a2b, b = 0x1a9b;
    CU_ASSERT_EQUAL(pastry_id_digit(&s, a, 0), 0x1);
    CU_ASSERT_EQUAL(pastry_id_digit(&s, a, 1), 0xa);
    CU_ASSERT_EQUAL(pastry_id_digit(&s, a, 3), 0xb);
    CU_ASSERT_EQUAL(pastry_id_shl(&s, a, b), 2);
    CU_ASSERT_EQUAL(pastry_id_shl(&s, a, a), 4);
    CU_ASSERT_EQUAL(pastry_id_prefix_bits(&s, a, b), 8);  /* 0x2 vs 0x9: first bit differs */
    CU_ASSERT_TRUE(pastry_id_slot_start(&s, a, 2, 0x9) == 0x1a90);
    CU_ASSERT_TRUE(pastry_id_slot_start(&s, a, 0, 0x3) == 0x3000);
    pastry_id_space_init(&s, 128, 4);
    PastryId top = (PastryId) 0xf << 124;
    CU_ASSERT_EQUAL(pastry_id_digit(&s, top, 0), 0xf);
    CU_ASSERT_EQUAL(pastry_id_shl(&s, top, top | 1), 31);
}

static void test_ring_distance_wraps_past_zero(void)
{
    PastryIdSpace s;
    pastry_id_space_init(&s, 16, 4);
    CU_ASSERT_TRUE(pastry_id_dist(&s, 0xfff0, 0x0010) == 0x20);
    CU_ASSERT_TRUE(pastry_id_cw(&s, 0xfff0, 0x0010) == 0x20);
    CU_ASSERT_TRUE(pastry_id_cw(&s, 0x0010, 0xfff0) == 0xffe0);
    /* equal distance either side: the smaller ID is the closer, so the closest is unique */
    CU_ASSERT_TRUE(pastry_id_closer(&s, 0x0100, 0x00f0, 0x0110));
    CU_ASSERT_FALSE(pastry_id_closer(&s, 0x0100, 0x0110, 0x00f0));
    pastry_id_space_init(&s, 128, 4);
    CU_ASSERT_TRUE(pastry_id_dist(&s, s.mask, 1) == 2);
}

/* ---- the leaf set ----------------------------------------------------------------------- */

#define HALF 2

static void test_leafset_keeps_the_nearest_on_each_side_across_zero(void)
{
    PastryIdSpace s;
    pastry_id_space_init(&s, 16, 4);
    /* node 0 at 0x0008; others around the ring, some past zero on the smaller side */
    PastryId ids[] = { 0x0008, 0xfff0, 0xff00, 0x0010, 0x0100, 0x8000, 0xfffe };
    uint32_t store[2 * HALF];
    PastryLeafset ls = { .m = store };
    for (uint32_t n = 1; n < G_N_ELEMENTS(ids); n++)
        pastry_leafset_insert(&ls, HALF, &s, ids, 0, n);
    CU_ASSERT_EQUAL(ls.n[PASTRY_CCW], HALF);
    CU_ASSERT_EQUAL(ls.n[PASTRY_CW], HALF);
    CU_ASSERT_EQUAL(pastry_leafset_at(&ls, HALF, PASTRY_CCW, 0), 6);  /* 0xfffe */
    CU_ASSERT_EQUAL(pastry_leafset_at(&ls, HALF, PASTRY_CCW, 1), 1);  /* 0xfff0 */
    CU_ASSERT_EQUAL(pastry_leafset_at(&ls, HALF, PASTRY_CW, 0), 3);   /* 0x0010 */
    CU_ASSERT_EQUAL(pastry_leafset_at(&ls, HALF, PASTRY_CW, 1), 4);   /* 0x0100 */
    char *why = NULL;
    CU_ASSERT_TRUE(pastry_leafset_check(&ls, HALF, &s, ids, 0, &why));
    g_free(why);
    /* range: from 0xfff0 round to 0x0100 */
    CU_ASSERT_TRUE(pastry_leafset_covers(&ls, HALF, &s, ids, 0, 0xfff5));
    CU_ASSERT_TRUE(pastry_leafset_covers(&ls, HALF, &s, ids, 0, 0x0050));
    CU_ASSERT_FALSE(pastry_leafset_covers(&ls, HALF, &s, ids, 0, 0x0200));
    CU_ASSERT_EQUAL(pastry_leafset_closest(&ls, HALF, &s, ids, 0, 0xfffa), 6);
    CU_ASSERT_EQUAL(pastry_leafset_closest(&ls, HALF, &s, ids, 0, 0x0009), 0);
    /* a removal leaves a gap that a farther node can fill */
    CU_ASSERT_TRUE(pastry_leafset_remove(&ls, HALF, 6));
    CU_ASSERT_FALSE(pastry_leafset_contains(&ls, HALF, 6));
    CU_ASSERT_EQUAL(ls.n[PASTRY_CCW], 1);
    CU_ASSERT_TRUE(pastry_leafset_insert(&ls, HALF, &s, ids, 0, 2));  /* 0xff00 */
    CU_ASSERT_EQUAL(pastry_leafset_at(&ls, HALF, PASTRY_CCW, 1), 2);
    CU_ASSERT_FALSE(pastry_leafset_insert(&ls, HALF, &s, ids, 0, 5));  /* 0x8000: too far */
}

static void test_small_ring_puts_a_node_on_both_sides(void)
{
    PastryIdSpace s;
    pastry_id_space_init(&s, 16, 4);
    PastryId ids[] = { 0x1000, 0x9000 };
    uint32_t store[2 * HALF];
    PastryLeafset ls = { .m = store };
    CU_ASSERT_TRUE(pastry_leafset_insert(&ls, HALF, &s, ids, 0, 1));
    CU_ASSERT_EQUAL(ls.n[PASTRY_CCW], 1);
    CU_ASSERT_EQUAL(ls.n[PASTRY_CW], 1);
    uint32_t members[2 * HALF];
    CU_ASSERT_EQUAL(pastry_leafset_members(&ls, HALF, members), 1);
    /* sides not full: the node knows the whole ring */
    CU_ASSERT_TRUE(pastry_leafset_covers(&ls, HALF, &s, ids, 0, 0x5000));
    CU_ASSERT_FALSE(pastry_leafset_insert(&ls, HALF, &s, ids, 0, 0));  /* never itself */
}

/* ---- the routing table and proximity ---------------------------------------------------- */


static void test_rtable_slot_takes_the_nearer_candidate(void)
{
    PastryIdSpace s;
    pastry_id_space_init(&s, 16, 4);
    PastryId ids[] = { 0x1234, 0x5000, 0x5fff, 0x1299, 0x1235 };
    PastryRtable rt = { 0 };
    /* nodes 2 and 1 both go in row 0, column 5: node 1 is nearer (10 against 20) */
    CU_ASSERT_TRUE(pastry_rtable_offer(&rt, &s, ids, 0, 2, 20));
    CU_ASSERT_EQUAL(pastry_rtable_get(&rt, s.cols, 0, 5), 2);
    CU_ASSERT_TRUE(pastry_rtable_offer(&rt, &s, ids, 0, 1, 10));
    CU_ASSERT_EQUAL(pastry_rtable_get(&rt, s.cols, 0, 5), 1);
    CU_ASSERT_FALSE(pastry_rtable_offer(&rt, &s, ids, 0, 2, 20));
    CU_ASSERT_EQUAL(rt.rows, 1);
    /* deeper slots allocate rows lazily */
    CU_ASSERT_TRUE(pastry_rtable_offer(&rt, &s, ids, 0, 3, 30));
    CU_ASSERT_EQUAL(pastry_rtable_get(&rt, s.cols, 2, 9), 3);
    CU_ASSERT_EQUAL(rt.rows, 3);
    CU_ASSERT_TRUE(pastry_rtable_offer(&rt, &s, ids, 0, 4, 40));
    CU_ASSERT_EQUAL(rt.rows, 4);
    CU_ASSERT_EQUAL(pastry_rtable_size(&rt, s.cols), 3);
    char *why = NULL;
    CU_ASSERT_TRUE(pastry_rtable_check(&rt, &s, ids, 0, &why));
    g_free(why);
    guint row, col;
    CU_ASSERT_TRUE(pastry_rtable_remove(&rt, &s, ids, 0, 1, &row, &col));
    CU_ASSERT_EQUAL(row, 0);
    CU_ASSERT_EQUAL(col, 5);
    CU_ASSERT_EQUAL(pastry_rtable_get(&rt, s.cols, 0, 5), PASTRY_RT_NONE);
    pastry_rtable_free(&rt);
}

/* ---- networks --------------------------------------------------------------------------- */

static gboolean net_init(TestNet *net, const char *ini, const char *const *overrides)
{
    return test_net_init(net, &pastry_protocol_class, ini, overrides);
}

static void net_check(TestNet *net)
{
    char *why = NULL;
    gboolean ok = pastry_check_invariants(pastry_of(net->sim), &why);
    if (!ok)
        fprintf(stderr, "invariant broken: %s\n", why);
    CU_ASSERT_TRUE(ok);
    g_free(why);
    GError *err = NULL;
    CU_ASSERT_TRUE(sim_check_conservation(net->sim, &err));
    g_clear_error(&err);
}

static void net_run(TestNet *net)
{
    sim_run(net->sim, sim_config_get_duration(net->cfg, "simulation", "duration"));
    net_check(net);
}

static gboolean leafsets_exact(TestNet *net)
{
    char *why = NULL;
    gboolean ok = pastry_check_leafsets(pastry_of(net->sim), &why);
    if (!ok)
        fprintf(stderr, "%s\n", why);
    g_free(why);
    return ok;
}

/* Static network on the Earth's sphere: `nodes` join over 5 min, lookups from 10 min. */
static char *static_ini(guint nodes, double lookups_per_s, const char *extra)
{
    g_autofree char *base = test_static_ini(nodes, lookups_per_s, extra);
    return g_strdup_printf("[network]\nlatency = euclidean\n%s", base);
}

static void test_static_network_lookups_reach_the_closest_node(void)
{
    TestNet net;
    g_autofree char *ini = static_ini(1000, 4, NULL);
    if (!net_init(&net, ini, NULL))
        return;
    net_run(&net);
    CU_ASSERT_EQUAL(net.tally.n[SIM_OP_JOIN], 1000);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_JOIN], 1000);
    CU_ASSERT_TRUE(net.tally.n[SIM_OP_LOOKUP] > 800);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_LOOKUP], net.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_EQUAL(net.tally.correct, net.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_EQUAL(net.tally.timeouts, 0);
    /* the paper: fewer than ceil(log_16 N) hops on average (3 at 1000 nodes) */
    double hops = test_net_mean_hops(&net);
    CU_ASSERT_TRUE(hops < ceil(log(1000) / log(16)));
    CU_ASSERT_TRUE(hops > 1.5);
    CU_ASSERT_TRUE(leafsets_exact(&net));
    Pastry *p = pastry_of(net.sim);
    CU_ASSERT_EQUAL(pastry_host_leafset_size(p, 17), 16);
    CU_ASSERT_TRUE(pastry_host_rows(p, 17) >= 3);
    CU_ASSERT_EQUAL(pastry_host_neighbourhood_size(p, 17), 32);
    /* proximity neighbour selection keeps routes short: stretch well under the 3 or more of
     * random next hops */
    CU_ASSERT_TRUE(pastry_mean_stretch(p) > 1.0 && pastry_mean_stretch(p) < 2.5);
    CU_ASSERT_TRUE(pastry_bytes_per_node(p) < 2048);
    test_net_free(&net);
}

/* ---- scheduled test actions ------------------------------------------------------------- */

typedef enum { ACT_PUT, ACT_GET, ACT_CRASH, ACT_LEAVE } ActKind;

typedef struct {
    TestNet *net;
    uint16_t kind;
} Actions;

static void on_action(Sim *sim, void *ctx, const SimEvent *ev)
{
    (void) ctx;
    Pastry *p = pastry_of(sim);
    SimHost host = ev->target;
    uint64_t key = ev->data >> 8;
    switch ((ActKind) (ev->data & 0xff)) {
    case ACT_PUT:
        pastry_put(p, host, key);
        break;
    case ACT_GET:
        pastry_get(p, host, key);
        break;
    case ACT_CRASH:
        sim_host_down(sim, host, FALSE);
        break;
    case ACT_LEAVE:
        sim_host_down(sim, host, TRUE);
        break;
    }
}

static void act(Actions *a, SimTime at, ActKind kind, SimHost host, uint64_t key)
{
    sim_schedule(a->net->sim, at, a->kind, host, (key << 8) | kind, SIM_ORIGIN_ENGINE);
}

static void actions_init(Actions *a, TestNet *net)
{
    a->net = net;
    a->kind = sim_register_handler(net->sim, "test-action", on_action, a);
}

static void test_stored_keys_are_kept_by_k_nodes_and_found_from_others(void)
{
    TestNet net;
    g_autofree char *ini = static_ini(400, 0, NULL);
    if (!net_init(&net, ini, NULL))
        return;
    Actions a;
    actions_init(&a, &net);
    for (uint64_t key = 0; key < 50; key++) {
        act(&a, 6 * SIM_MIN + key * SIM_S, ACT_PUT, (SimHost) (key * 7 % 400), key);
        act(&a, 9 * SIM_MIN + key * SIM_S, ACT_GET, (SimHost) ((key * 13 + 200) % 400), key);
    }
    net_run(&net);
    CU_ASSERT_EQUAL(net.tally.n[SIM_OP_STORE], 50);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_STORE], 50);
    CU_ASSERT_EQUAL(net.tally.n[SIM_OP_GET], 50);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_GET], 50);
    Pastry *p = pastry_of(net.sim);
    for (uint64_t key = 0; key < 50; key += 7) {
        SimHost holders[64];
        CU_ASSERT_EQUAL(pastry_holders(p, key, holders, 64), pastry_replicas(p));
    }
    test_net_free(&net);
}

/* Crash a tenth of the nodes at 11 min; lookups from 13 min (four probe periods later). */
static void crash_and_repair(const char *leaf_maintenance)
{
    TestNet net;
    g_autofree char *base = g_strdup_printf("[simulation]\nnodes = 600\nduration = 16min\n"
                                            "[network]\nlatency = euclidean\n"
                                            "[workload]\njoin = ramp\njoin_ramp = 5min\n"
                                            "start = 13min\nrate_unit = network\n"
                                            "lookup_rate = 4\n[pastry]\n%s\n",
                                            leaf_maintenance);
    if (!net_init(&net, base, NULL))
        return;
    Actions a;
    actions_init(&a, &net);
    for (uint64_t key = 0; key < 20; key++)
        act(&a, 8 * SIM_MIN + key * SIM_S, ACT_PUT, (SimHost) (key * 11 % 600), key);
    for (SimHost h = 0; h < 600; h += 10)
        act(&a, 11 * SIM_MIN, ACT_CRASH, h + 3, 0);
    for (uint64_t key = 0; key < 20; key++)
        act(&a, 14 * SIM_MIN + key * SIM_S, ACT_GET, (SimHost) (key * 20 + 5), key);
    net_run(&net);
    CU_ASSERT_TRUE(net.tally.n[SIM_OP_LOOKUP] > 400);
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_LOOKUP], net.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_EQUAL(net.tally.correct, net.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_TRUE(leafsets_exact(&net));
    /* replicas on the leaf set outlive their roots */
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_GET], 20);
    uint64_t reroutes, leaf, rt;
    pastry_repair_counts(pastry_of(net.sim), &reroutes, &leaf, &rt);
    CU_ASSERT_TRUE(leaf > 0);
    test_net_free(&net);
}

static void test_lookups_are_exact_again_after_crashes_are_repaired(void)
{
    crash_and_repair("");
}

static void test_checking_every_leaf_set_member_repairs_crashes_too(void)
{
    crash_and_repair("leaf_check = members");
}

static void test_probes_carrying_every_leaf_set_repair_crashes_too(void)
{
    crash_and_repair("leaf_check = members\nleaf_exchange = all");
}

/* Crash a tenth of 600 nodes at 11 min, no lookups (so the lazy repair of routing finds
 * nothing): routing-table maintenance every 2 min finds every dead entry by 16 min. */
static guint64 dead_entries_after_crash(const char *rt_maintenance)
{
    TestNet net;
    g_autofree char *extra = g_strdup_printf("[pastry]\nrt_maintenance = %s\n", rt_maintenance);
    g_autofree char *ini = static_ini(600, 0, extra);
    const char *const overrides[] = { "simulation.duration=16min", NULL };
    if (!net_init(&net, ini, overrides))
        return G_MAXUINT64;
    Actions a;
    actions_init(&a, &net);
    for (SimHost h = 0; h < 600; h += 10)
        act(&a, 11 * SIM_MIN, ACT_CRASH, h + 3, 0);
    net_run(&net);
    guint64 dead = pastry_dead_table_entries(pastry_of(net.sim));
    test_net_free(&net);
    return dead;
}

static void test_table_maintenance_finds_dead_entries_that_routing_never_used(void)
{
    CU_ASSERT_TRUE(dead_entries_after_crash("0") > 100);
    CU_ASSERT_EQUAL(dead_entries_after_crash("2min"), 0);
}

static void test_graceful_leaves_hand_over_the_leaf_set(void)
{
    TestNet net;
    g_autofree char *ini = static_ini(300, 4, "[pastry]\nleaf_probe = 0\n");
    if (!net_init(&net, ini, NULL))
        return;
    Actions a;
    actions_init(&a, &net);
    for (SimHost h = 0; h < 300; h += 10)
        act(&a, 9 * SIM_MIN, ACT_LEAVE, h + 1, 0);
    net_run(&net);
    /* with no periodic probing, only the LEAVE messages can have repaired the leaf sets
     * (routing-table entries of the leavers elsewhere are found by routing: timeouts) */
    CU_ASSERT_TRUE(leafsets_exact(&net));
    CU_ASSERT_EQUAL(net.tally.ok[SIM_OP_LOOKUP], net.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_EQUAL(net.tally.correct, net.tally.n[SIM_OP_LOOKUP]);
    test_net_free(&net);
}

static const SimMsgCounters *counters_of(Sim *sim, const char *name)
{
    for (guint ty = 0; ty < sim_msg_types(sim); ty++)
        if (strcmp(sim_msg_type_name(sim, (uint16_t) ty), name) == 0)
            return sim_msg_counters(sim, (uint16_t) ty);
    CU_FAIL("no such message type");
    return sim_msg_counters(sim, 0);
}

static guint64 sent_of_type(Sim *sim, const char *name)
{
    return counters_of(sim, name)->sent;
}

/* 300 nodes joined by 5 min, then 55 min of a stable ring: most periodic exchanges between
 * neighbours leave the unchanged leaf set out (57 bytes instead of 57 + 22 x 16 = 409). */
static void test_a_stable_ring_exchanges_leaf_sets_only_when_they_change(void)
{
    TestNet net;
    g_autofree char *ini = static_ini(300, 0, NULL);
    const char *const overrides[] = { "simulation.duration=60min", NULL };
    if (!net_init(&net, ini, overrides))
        return;
    net_run(&net);
    const SimMsgCounters *c = counters_of(net.sim, "LEAF_PROBE");
    CU_ASSERT_TRUE(c->sent > 300 * 2 * 100);  /* two neighbours every 30 s for 55 min */
    CU_ASSERT_TRUE((double) c->bytes_sent / (double) c->sent < 100);
    CU_ASSERT_TRUE(leafsets_exact(&net));
    test_net_free(&net);
}

/* 600 nodes joined with proximity measured by pings, and read for free: all lookups exact
 * both ways, and the measured proximity costs pings but keeps routes nearly as short. */
static void test_measured_proximity_costs_pings_and_keeps_routes_short(void)
{
    double stretch[2];
    guint64 pings[2];
    const char *modes[2] = { "probe", "free" };
    for (int i = 0; i < 2; i++) {
        TestNet net;
        g_autofree char *extra = g_strdup_printf("[pastry]\nproximity = %s\n", modes[i]);
        g_autofree char *ini = static_ini(600, 4, extra);
        if (!net_init(&net, ini, NULL))
            return;
        net_run(&net);
        CU_ASSERT_EQUAL(net.tally.correct, net.tally.n[SIM_OP_LOOKUP]);
        stretch[i] = pastry_mean_stretch(pastry_of(net.sim));
        pings[i] = sent_of_type(net.sim, "PING");
        test_net_free(&net);
    }
    CU_ASSERT_TRUE(pings[0] > pings[1]);
    CU_ASSERT_TRUE(stretch[0] < 1.25 * stretch[1]);
    CU_ASSERT_TRUE(stretch[0] > 1.0);
}

static void test_oracle_bootstrap_gives_exact_lookups_without_joins(void)
{
    TestNet net;
    g_autofree char *ini = static_ini(2000, 10, "[pastry]\nbootstrap = oracle\n");
    if (!net_init(&net, ini, NULL))
        return;
    net_run(&net);
    CU_ASSERT_EQUAL(net.tally.correct, net.tally.n[SIM_OP_LOOKUP]);
    CU_ASSERT_TRUE(test_net_mean_hops(&net) < ceil(log(2000) / log(16)));
    GString *d = g_string_new(NULL);
    pastry_protocol_class.describe(pastry_of(net.sim), d);
    CU_ASSERT_PTR_NOT_NULL(strstr(d->str, "bootstrap = oracle"));
    g_string_free(d, TRUE);
    test_net_free(&net);
}

static void test_same_seed_gives_the_same_operations(void)
{
    char digest[2][80];
    for (int run = 0; run < 2; run++) {
        TestNet net;
        g_autofree char *ini = static_ini(300, 4, NULL);
        if (!net_init(&net, ini, NULL))
            return;
        net_run(&net);
        g_strlcpy(digest[run], g_checksum_get_string(net.tally.digest), sizeof digest[run]);
        test_net_free(&net);
    }
    CU_ASSERT_STRING_EQUAL(digest[0], digest[1]);
}

static void test_proximity_is_the_same_both_ways_and_every_time(void)
{
    TestNet net;
    g_autofree char *ini = static_ini(10, 0, NULL);
    if (!net_init(&net, ini, NULL))
        return;
    SimTime d = sim_proximity(net.sim, 2, 7);
    CU_ASSERT_TRUE(d > 0);
    CU_ASSERT_EQUAL(sim_proximity(net.sim, 7, 2), d);
    CU_ASSERT_EQUAL(sim_proximity(net.sim, 2, 7), d);
    test_net_free(&net);
}

static void test_refuses_ids_that_are_not_whole_digits(void)
{
    TestNet net;
    memset(&net, 0, sizeof net);
    net.cfg = sim_config_new();
    sim_declare(net.cfg);
    pastry_protocol_class.declare(net.cfg);
    GError *err = NULL;
    CU_ASSERT_TRUE(sim_config_load_data(net.cfg, "t.ini", "[pastry]\nid_bits = 126\nb = 4\n",
                                        &err));
    CU_ASSERT_PTR_NULL(sim_new(net.cfg, &pastry_protocol_class, &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    if (err)
        CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "id_bits"));
    g_clear_error(&err);
    sim_config_free(net.cfg);
}

static CU_TestInfo tests[] = {
    TEST(test_digits_are_read_most_significant_first),
    TEST(test_ring_distance_wraps_past_zero),
    TEST(test_leafset_keeps_the_nearest_on_each_side_across_zero),
    TEST(test_small_ring_puts_a_node_on_both_sides),
    TEST(test_rtable_slot_takes_the_nearer_candidate),
    TEST(test_proximity_is_the_same_both_ways_and_every_time),
    TEST(test_refuses_ids_that_are_not_whole_digits),
    TEST(test_static_network_lookups_reach_the_closest_node),
    TEST(test_stored_keys_are_kept_by_k_nodes_and_found_from_others),
    TEST(test_lookups_are_exact_again_after_crashes_are_repaired),
    TEST(test_checking_every_leaf_set_member_repairs_crashes_too),
    TEST(test_probes_carrying_every_leaf_set_repair_crashes_too),
    TEST(test_table_maintenance_finds_dead_entries_that_routing_never_used),
    TEST(test_measured_proximity_costs_pings_and_keeps_routes_short),
    TEST(test_a_stable_ring_exchanges_leaf_sets_only_when_they_change),
    TEST(test_graceful_leaves_hand_over_the_leaf_set),
    TEST(test_oracle_bootstrap_gives_exact_lookups_without_joins),
    TEST(test_same_seed_gives_the_same_operations),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("pastry", tests)
