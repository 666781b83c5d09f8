/* Tests of sim_pool: pooled records, and the pools of a partitioned run (SimPools) — handles
 * that name their partition, releases from another partition that wait for sim_pools_sync(),
 * and records that never move when several threads read them. */
#include <string.h>

#include "cunit_main.h"
#include "sim.h"
#include "sim_pool.h"

typedef struct {
    uint64_t a, b;
} Rec;

static void test_one_partition_hands_out_plain_indexes(void)
{
    SimPools ps;
    sim_pools_init(&ps, sizeof(Rec), 1);
    for (uint32_t i = 0; i < 100; i++)
        CU_ASSERT_EQUAL(sim_pools_alloc(&ps, 0), i);  /* the indexes of a lone SimPool */
    uint32_t gen = sim_pools_gen(&ps, 7);
    CU_ASSERT_TRUE(sim_pools_valid(&ps, 7, gen));
    sim_pools_release(&ps, 7, SIM_PART_NONE);
    CU_ASSERT_FALSE(sim_pools_valid(&ps, 7, gen));
    CU_ASSERT_EQUAL(sim_pools_alloc(&ps, 0), 7);  /* recycled */
    CU_ASSERT_EQUAL(sim_pools_live(&ps), 100);
    sim_pools_clear(&ps);
}

static void test_handles_name_their_partition(void)
{
    SimPools ps;
    sim_pools_init(&ps, sizeof(Rec), 3);
    uint32_t h[3][50];
    for (uint32_t i = 0; i < 50; i++)
        for (guint p = 0; p < 3; p++) {
            h[p][i] = sim_pools_alloc(&ps, p);
            Rec *r = sim_pools_at(&ps, h[p][i]);
            r->a = p, r->b = i;
        }
    for (uint32_t i = 0; i < 50; i++)
        for (guint p = 0; p < 3; p++) {
            CU_ASSERT_EQUAL(h[p][i] >> ps.shift, p);
            CU_ASSERT_EQUAL(h[p][i] & ps.mask, i);  /* each partition counts from 0 */
            const Rec *r = sim_pools_at(&ps, h[p][i]);
            CU_ASSERT_TRUE(r->a == p && r->b == i);
        }
    CU_ASSERT_FALSE(sim_pools_valid(&ps, UINT32_MAX, 1));  /* no partition 3 */
    sim_pools_clear(&ps);
}

static void test_release_from_another_partition_waits_for_sync(void)
{
    SimPools ps;
    sim_pools_init(&ps, sizeof(Rec), 2);
    uint32_t h = sim_pools_alloc(&ps, 0);
    uint32_t gen = sim_pools_gen(&ps, h);
    sim_pools_release(&ps, h, 1);  /* partition 1's thread releases partition 0's record */
    CU_ASSERT_TRUE(sim_pools_valid(&ps, h, gen));  /* untouched until the window ends */
    CU_ASSERT_EQUAL(sim_pools_live(&ps), 1);
    sim_pools_sync(&ps);
    CU_ASSERT_FALSE(sim_pools_valid(&ps, h, gen));
    CU_ASSERT_EQUAL(sim_pools_live(&ps), 0);
    CU_ASSERT_EQUAL(sim_pools_alloc(&ps, 0), h);
    sim_pools_release(&ps, h, 0);  /* its own partition: at once */
    CU_ASSERT_EQUAL(sim_pools_live(&ps), 0);
    sim_pools_clear(&ps);
}

static void test_records_of_several_partitions_never_move(void)
{
    SimPools ps;
    sim_pools_init(&ps, sizeof(Rec), 2);
    uint32_t first = sim_pools_alloc(&ps, 1);
    Rec *r = sim_pools_at(&ps, first);
    r->a = 42;
    for (int i = 0; i < 100000; i++)  /* grows many times over */
        sim_pools_alloc(&ps, 1);
    CU_ASSERT_PTR_EQUAL(sim_pools_at(&ps, first), r);
    CU_ASSERT_EQUAL(r->a, 42);
    CU_ASSERT_TRUE(sim_pools_bytes(&ps) >= 100001 * sizeof(Rec));
    sim_pools_clear(&ps);
}

static CU_TestInfo tests[] = {
    TEST(test_one_partition_hands_out_plain_indexes),
    TEST(test_handles_name_their_partition),
    TEST(test_release_from_another_partition_waits_for_sync),
    TEST(test_records_of_several_partitions_never_move),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_pool", tests)
