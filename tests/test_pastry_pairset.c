/* pastry_pairset: a set of ordered pairs of node numbers. Adds and removes against a
 * reference (GHashTable) through growth and long runs of removals, which is where linear
 * probing with backward-shift deletion can lose an entry. */
#include "cunit_main.h"
#include "pastry_pairset.h"

static void test_pairs_are_ordered_and_added_once(void)
{
    PastryPairset s;
    pastry_pairset_init(&s);
    CU_ASSERT_FALSE(pastry_pairset_contains(&s, 1, 2));
    CU_ASSERT_FALSE(pastry_pairset_remove(&s, 1, 2));
    CU_ASSERT_TRUE(pastry_pairset_add(&s, 1, 2));
    CU_ASSERT_FALSE(pastry_pairset_add(&s, 1, 2));
    CU_ASSERT_TRUE(pastry_pairset_contains(&s, 1, 2));
    CU_ASSERT_FALSE(pastry_pairset_contains(&s, 2, 1));  /* (a, b) is not (b, a) */
    CU_ASSERT_TRUE(pastry_pairset_add(&s, 2, 1));
    CU_ASSERT_TRUE(pastry_pairset_add(&s, 0, 0));
    CU_ASSERT_TRUE(pastry_pairset_add(&s, UINT32_MAX - 1, UINT32_MAX - 1));
    CU_ASSERT_EQUAL(pastry_pairset_size(&s), 4);
    CU_ASSERT_TRUE(pastry_pairset_remove(&s, 1, 2));
    CU_ASSERT_FALSE(pastry_pairset_remove(&s, 1, 2));
    CU_ASSERT_FALSE(pastry_pairset_contains(&s, 1, 2));
    CU_ASSERT_TRUE(pastry_pairset_contains(&s, 2, 1));
    CU_ASSERT_EQUAL(pastry_pairset_size(&s), 3);
    CU_ASSERT_TRUE(pastry_pairset_bytes(&s) > 0);
    pastry_pairset_free(&s);
    CU_ASSERT_EQUAL(pastry_pairset_size(&s), 0);
    CU_ASSERT_FALSE(pastry_pairset_contains(&s, 2, 1));
}

/* Random adds and removes of pairs from a small range (many collisions, long runs) against a
 * GHashTable: the same answer to every call and the same members at every step's end. */
static void test_random_adds_and_removes_match_a_reference(void)
{
    PastryPairset s;
    pastry_pairset_init(&s);
    GHashTable *ref = g_hash_table_new(g_int64_hash, g_int64_equal);
    GRand *rng = g_rand_new_with_seed(7);
    static gint64 keys[64 * 64];
    for (guint i = 0; i < G_N_ELEMENTS(keys); i++)
        keys[i] = (gint64) ((uint64_t) (i / 64) << 32 | (i % 64));
    guint mismatches = 0, max_size = 0;
    for (guint step = 0; step < 200000; step++) {
        guint i = (guint) g_rand_int_range(rng, 0, G_N_ELEMENTS(keys));
        uint32_t a = i / 64, b = i % 64;
        /* add more than remove for the first half (growth), then the other way round */
        gboolean add = g_rand_int_range(rng, 0, 100) < (step < 100000 ? 60 : 40);
        if (add)
            mismatches += pastry_pairset_add(&s, a, b) != g_hash_table_add(ref, &keys[i]);
        else
            mismatches += pastry_pairset_remove(&s, a, b) != g_hash_table_remove(ref, &keys[i]);
        max_size = MAX(max_size, pastry_pairset_size(&s));
        if (step % 10000 == 0)
            for (guint j = 0; j < G_N_ELEMENTS(keys); j++)
                mismatches += pastry_pairset_contains(&s, j / 64, j % 64) !=
                              g_hash_table_contains(ref, &keys[j]);
    }
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_EQUAL(pastry_pairset_size(&s), g_hash_table_size(ref));
    CU_ASSERT_TRUE(max_size > 1000);  /* it grew well past its first capacity */
    CU_ASSERT_TRUE(pastry_pairset_bytes(&s) >= 2 * sizeof(uint64_t) * max_size);
    g_rand_free(rng);
    g_hash_table_destroy(ref);
    pastry_pairset_free(&s);
}

static CU_TestInfo tests[] = {
    TEST(test_pairs_are_ordered_and_added_once),
    TEST(test_random_adds_and_removes_match_a_reference),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("pastry_pairset", tests)
