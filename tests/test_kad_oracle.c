/* kad_oracle: the true k closest live nodes, checked against brute force while nodes come and
 * go (through the unsorted joins list, departures flagged in place, and rebuilds). */
#include "cunit_main.h"
#include "kad_oracle.h"

#define NODES 3000

static KadId ids[NODES];
static gboolean live[NODES];

static guint brute_closest(const KadId *target, uint32_t except, uint32_t *out, guint k)
{
    guint n = 0;
    for (uint32_t node = 0; node < NODES; node++) {
        if (!live[node] || node == except)
            continue;
        guint i = n < k ? n++ : k;
        if (i == k && !kad_id_closer(target, &ids[node], &ids[out[k - 1]]))
            continue;
        if (i == k)
            i--;
        while (i > 0 && kad_id_closer(target, &ids[node], &ids[out[i - 1]])) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = node;
    }
    return n;
}

static void check_queries(KadOracle *o, SimRngState *rng, guint id_bits, int queries)
{
    for (int q = 0; q < queries; q++) {
        KadId target = kad_id_random(rng, id_bits);
        uint32_t except = (uint32_t) sim_rng_state_below(rng, NODES);
        uint32_t want[20], got[20];
        guint nw = brute_closest(&target, except, want, 20);
        guint ng = kad_oracle_closest(o, ids, &target, except, got, 20);
        CU_ASSERT_EQUAL_FATAL(ng, nw);
        /* compare distances: with short IDs two nodes may share an ID, and either may come first */
        for (guint i = 0; i < ng; i++)
            CU_ASSERT_TRUE(kad_id_equal(&ids[got[i]], &ids[want[i]]));
    }
}

static void run_churn(guint id_bits)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 42, id_bits);
    for (uint32_t i = 0; i < NODES; i++) {
        ids[i] = kad_id_random(&rng, id_bits);
        live[i] = FALSE;
    }
    KadOracle *o = kad_oracle_new(id_bits);
    for (int round = 0; round < 30; round++) {
        /* a burst of joins and departures, then queries */
        for (int c = 0; c < 150; c++) {
            uint32_t node = (uint32_t) sim_rng_state_below(&rng, NODES);
            if (live[node]) {
                kad_oracle_remove(o, node);
                live[node] = round % 3 == 0 ? FALSE : live[node];
                if (live[node])
                    kad_oracle_add(o, ids, node);  /* back at once */
            } else {
                kad_oracle_add(o, ids, node);
                live[node] = TRUE;
            }
        }
        guint count = 0;
        for (uint32_t i = 0; i < NODES; i++)
            count += live[i];
        CU_ASSERT_EQUAL(kad_oracle_live(o), count);
        check_queries(o, &rng, id_bits, 40);
    }
    kad_oracle_free(o);
}

static void test_closest_matches_brute_force_under_churn(void)
{
    run_churn(160);
}

static void test_closest_matches_brute_force_with_short_ids(void)
{
    run_churn(16);  /* 3000 nodes in 65536 IDs: ties in long prefixes */
}

static void test_sample_prefix_returns_live_nodes_of_that_prefix(void)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 1, 1);
    KadOracle *o = kad_oracle_new(160);
    for (uint32_t i = 0; i < NODES; i++) {
        ids[i] = kad_id_random(&rng, 160);
        kad_oracle_add(o, ids, i);
        live[i] = TRUE;
    }
    for (uint32_t i = 0; i < NODES; i += 2) {
        kad_oracle_remove(o, i);
        live[i] = FALSE;
    }
    for (guint bits = 0; bits < 7; bits++) {  /* 1500 live nodes: >= 10 expected per prefix */
        uint32_t out[20];
        guint n = kad_oracle_sample_prefix(o, ids, &ids[1], bits, 1, &rng, out, 20);
        CU_ASSERT_TRUE(n > 0);
        for (guint i = 0; i < n; i++) {
            CU_ASSERT_TRUE(live[out[i]]);
            CU_ASSERT_NOT_EQUAL(out[i], 1);
            CU_ASSERT_TRUE(kad_id_cpl(&ids[out[i]], &ids[1], 160) >= bits);
            for (guint j = 0; j < i; j++)
                CU_ASSERT_NOT_EQUAL(out[i], out[j]);
        }
    }
    kad_oracle_free(o);
}

static CU_TestInfo tests[] = {
    TEST(test_closest_matches_brute_force_under_churn),
    TEST(test_closest_matches_brute_force_with_short_ids),
    TEST(test_sample_prefix_returns_live_nodes_of_that_prefix),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("kad_oracle", tests)
