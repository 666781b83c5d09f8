/* kad_id: XOR metric and prefix arithmetic at the edges. */
#include "cunit_main.h"
#include "kad_id.h"

static KadId id_of_bits(const char *bits)
{
    KadId id = { { 0 } };
    for (guint i = 0; bits[i]; i++)
        if (bits[i] == '1')
            id.w[i >> 6] |= 1ULL << (63 - (i & 63));
    return id;
}

static void test_cpl_of_equal_ids_is_id_bits(void)
{
    KadId a = id_of_bits("1011");
    CU_ASSERT_EQUAL(kad_id_cpl(&a, &a, 160), 160);
    CU_ASSERT_EQUAL(kad_id_cpl(&a, &a, 37), 37);
}

static void test_cpl_when_top_bit_differs_is_zero(void)
{
    KadId a = id_of_bits("0"), b = id_of_bits("1");
    CU_ASSERT_EQUAL(kad_id_cpl(&a, &b, 160), 0);
}

static void test_cpl_counts_across_word_boundaries(void)
{
    KadId a = { { 0 } }, b = { { 0 } };
    b.w[1] = 1ULL << 62;  /* bit 65 */
    CU_ASSERT_EQUAL(kad_id_cpl(&a, &b, 160), 65);
    b = (KadId) { { 0 } };
    b.w[2] = 1;           /* bit 191: past 160 bits, masked IDs never have it */
    CU_ASSERT_EQUAL(kad_id_cpl(&a, &b, 256), 191);
}

static void test_mask_clears_bits_past_id_bits_not_multiple_of_8(void)
{
    KadId id = { { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX } };
    kad_id_mask(&id, 37);
    CU_ASSERT_EQUAL(id.w[0], ~(UINT64_MAX >> 37));
    CU_ASSERT_EQUAL(id.w[1], 0);
    kad_id_mask(&id, 3);
    CU_ASSERT_EQUAL(id.w[0], 0xe000000000000000ULL);
}

static void test_random_ids_respect_id_bits(void)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 1, 2);
    for (int i = 0; i < 1000; i++) {
        KadId id = kad_id_random(&rng, 45);
        CU_ASSERT_EQUAL(id.w[0] & (UINT64_MAX >> 45), 0);
        CU_ASSERT_EQUAL(id.w[1] | id.w[2] | id.w[3], 0);
    }
}

static void test_xor_distance_orders_by_closeness(void)
{
    KadId t = id_of_bits("1000"), near = id_of_bits("1001"), far = id_of_bits("0000");
    CU_ASSERT_TRUE(kad_id_closer(&t, &near, &far));
    CU_ASSERT_FALSE(kad_id_closer(&t, &far, &near));
    CU_ASSERT_FALSE(kad_id_closer(&t, &near, &near));  /* strict */
    CU_ASSERT_TRUE(kad_id_closer(&t, &t, &near));       /* distance 0 is closest */
    KadId d = kad_id_xor(&t, &near);
    CU_ASSERT_EQUAL(d.w[0], 1ULL << 60);
}

static void test_random_with_prefix_shares_exactly_that_prefix(void)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 7, 7);
    KadId base = kad_id_random(&rng, 160);
    for (guint p = 0; p < 160; p += 7) {
        KadId id = kad_id_random_with_prefix(&rng, &base, p, 160);
        CU_ASSERT_EQUAL(kad_id_cpl(&base, &id, 160), p);
        CU_ASSERT_EQUAL(id.w[3], 0);
        CU_ASSERT_EQUAL(id.w[2] & (UINT64_MAX >> 32), 0);
    }
}

static void test_hash_is_sha1_for_160_bits(void)
{
    /* SHA-1("hello") = aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d */
    KadId id = kad_id_hash("hello", 5, 160);
    char *hex = kad_id_to_hex(&id, 160);
    CU_ASSERT_STRING_EQUAL(hex, "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d");
    g_free(hex);
    KadId short_id = kad_id_hash("hello", 5, 12);
    hex = kad_id_to_hex(&short_id, 12);
    CU_ASSERT_STRING_EQUAL(hex, "aaf");
    g_free(hex);
}

static void test_key_ids_are_stable_and_distinct(void)
{
    KadId a = kad_id_from_u64(1, 160), b = kad_id_from_u64(1, 160), c = kad_id_from_u64(2, 160);
    CU_ASSERT_TRUE(kad_id_equal(&a, &b));
    CU_ASSERT_FALSE(kad_id_equal(&a, &c));
    CU_ASSERT_EQUAL(a.w[3], 0);
}

static CU_TestInfo tests[] = {
    TEST(test_cpl_of_equal_ids_is_id_bits),
    TEST(test_cpl_when_top_bit_differs_is_zero),
    TEST(test_cpl_counts_across_word_boundaries),
    TEST(test_mask_clears_bits_past_id_bits_not_multiple_of_8),
    TEST(test_random_ids_respect_id_bits),
    TEST(test_xor_distance_orders_by_closeness),
    TEST(test_random_with_prefix_shares_exactly_that_prefix),
    TEST(test_hash_is_sha1_for_160_bits),
    TEST(test_key_ids_are_stable_and_distinct),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("kad_id", tests)
