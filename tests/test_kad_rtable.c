/* kad_rtable: k-buckets, least-recently-seen order, the eviction rule, replacement cache,
 * splitting, and closest-contact queries against brute force. */
#include "cunit_main.h"
#include "kad_rtable.h"

#define UNIVERSE 4000

static KadId ids[UNIVERSE];

static KadId id_of_bits(const char *bits)
{
    KadId id = { { 0 } };
    for (guint i = 0; bits[i]; i++)
        if (bits[i] == '1')
            id.w[i >> 6] |= 1ULL << (63 - (i & 63));
    return id;
}

static KadRtableParams params(guint k, guint b, guint repl)
{
    KadRtableParams p = { .id_bits = 160, .k = k, .b = b, .repl = repl, .stale_limit = 5 };
    kad_rtable_params_init(&p);
    return p;
}

/* Node 0 is 000..., nodes 1.. are 1xxx (all in bucket 0 once the table has split). */
static void setup_far_half(void)
{
    ids[0] = id_of_bits("0000");
    ids[1] = id_of_bits("1000");
    ids[2] = id_of_bits("1001");
    ids[3] = id_of_bits("1010");
    ids[4] = id_of_bits("1011");
    ids[5] = id_of_bits("1100");
    ids[6] = id_of_bits("01");   /* the near half */
}

static void assert_bucket(const KadRtable *rt, const KadRtableParams *p, guint bucket,
                          const uint32_t *want, guint n)
{
    CU_ASSERT_EQUAL_FATAL(kad_rtable_bucket_count(rt, p, bucket), n);
    for (guint i = 0; i < n; i++)
        CU_ASSERT_EQUAL(kad_rtable_bucket_contact(rt, p, bucket, i), want[i]);
}

static void test_new_contacts_are_added_and_self_is_ignored(void)
{
    setup_far_half();
    KadRtableParams p = params(3, 1, 2);
    KadRtable rt;
    kad_rtable_init(&rt, &p);
    uint32_t ping;
    CU_ASSERT_EQUAL(kad_rtable_seen(&rt, &p, ids, 0, 0, &ping), KAD_RT_SELF);
    CU_ASSERT_EQUAL(kad_rtable_seen(&rt, &p, ids, 0, 1, &ping), KAD_RT_ADDED);
    CU_ASSERT_EQUAL(kad_rtable_seen(&rt, &p, ids, 0, 2, &ping), KAD_RT_ADDED);
    CU_ASSERT_EQUAL(kad_rtable_size(&rt, &p), 2);
    CU_ASSERT_TRUE(kad_rtable_contains(&rt, &p, ids, 0, 1));
    CU_ASSERT_FALSE(kad_rtable_contains(&rt, &p, ids, 0, 0));
    kad_rtable_free(&rt);
}

static void test_seen_contact_moves_to_tail(void)
{
    setup_far_half();
    KadRtableParams p = params(3, 1, 2);
    KadRtable rt;
    kad_rtable_init(&rt, &p);
    uint32_t ping;
    for (uint32_t c = 1; c <= 3; c++)
        kad_rtable_seen(&rt, &p, ids, 0, c, &ping);
    CU_ASSERT_EQUAL(kad_rtable_seen(&rt, &p, ids, 0, 1, &ping), KAD_RT_MOVED);
    assert_bucket(&rt, &p, 0, (uint32_t[]) { 2, 3, 1 }, 3);
    kad_rtable_free(&rt);
}

/* k = 2: contacts 1 and 2 fill bucket 0; 3 meets a full bucket. */
static KadRtable full_bucket(const KadRtableParams *p, uint32_t *ping)
{
    setup_far_half();
    KadRtable rt;
    kad_rtable_init(&rt, p);
    kad_rtable_seen(&rt, p, ids, 0, 1, ping);
    kad_rtable_seen(&rt, p, ids, 0, 2, ping);
    CU_ASSERT_EQUAL(kad_rtable_seen(&rt, p, ids, 0, 3, ping), KAD_RT_FULL);
    return rt;
}

static void test_full_bucket_pings_least_recently_seen_and_keeps_it_if_it_answers(void)
{
    KadRtableParams p = params(2, 1, 2);
    uint32_t ping = 0;
    KadRtable rt = full_bucket(&p, &ping);
    CU_ASSERT_EQUAL(ping, 1);
    /* a second newcomer while the ping is out does not start another ping */
    uint32_t again = 0;
    CU_ASSERT_EQUAL(kad_rtable_seen(&rt, &p, ids, 0, 4, &again), KAD_RT_FULL);
    CU_ASSERT_TRUE(again > KAD_MAX_NODES);
    /* 1 answers: it moves to the tail, the newcomers stay out */
    kad_rtable_seen(&rt, &p, ids, 0, 1, &again);
    kad_rtable_ping_done(&rt, &p, ids, 0, 1);
    assert_bucket(&rt, &p, 0, (uint32_t[]) { 2, 1 }, 2);
    CU_ASSERT_EQUAL(kad_rtable_bucket_repl_count(&rt, &p, 0), 2);
    kad_rtable_free(&rt);
}

static void test_bucket_evicts_least_recently_seen_when_it_fails_ping(void)
{
    KadRtableParams p = params(2, 1, 2);
    uint32_t ping = 0;
    KadRtable rt = full_bucket(&p, &ping);
    CU_ASSERT_TRUE(kad_rtable_failed(&rt, &p, ids, 0, ping, TRUE));
    kad_rtable_ping_done(&rt, &p, ids, 0, ping);
    /* the newcomer waiting in the replacement cache takes the free place at the tail */
    assert_bucket(&rt, &p, 0, (uint32_t[]) { 2, 3 }, 2);
    CU_ASSERT_EQUAL(kad_rtable_bucket_repl_count(&rt, &p, 0), 0);
    kad_rtable_free(&rt);
}

static void test_replacement_cache_keeps_most_recent_entries(void)
{
    KadRtableParams p = params(2, 1, 2);
    uint32_t ping = 0;
    KadRtable rt = full_bucket(&p, &ping);          /* cache: 3 */
    kad_rtable_seen(&rt, &p, ids, 0, 4, &ping);     /* cache: 3 4 */
    kad_rtable_seen(&rt, &p, ids, 0, 5, &ping);     /* cache: 4 5 (3 dropped) */
    kad_rtable_failed(&rt, &p, ids, 0, 1, TRUE);    /* 1 evicted, 5 promoted */
    assert_bucket(&rt, &p, 0, (uint32_t[]) { 2, 5 }, 2);
    kad_rtable_failed(&rt, &p, ids, 0, 2, TRUE);    /* 2 evicted, 4 promoted */
    assert_bucket(&rt, &p, 0, (uint32_t[]) { 5, 4 }, 2);
    kad_rtable_free(&rt);
}

static void test_contact_is_dropped_after_stale_limit_failures_without_replacement(void)
{
    setup_far_half();
    KadRtableParams p = params(3, 1, 0);
    KadRtable rt;
    kad_rtable_init(&rt, &p);
    uint32_t ping;
    kad_rtable_seen(&rt, &p, ids, 0, 1, &ping);
    for (guint i = 1; i < p.stale_limit; i++)
        CU_ASSERT_FALSE(kad_rtable_failed(&rt, &p, ids, 0, 1, FALSE));
    CU_ASSERT_TRUE(kad_rtable_contains(&rt, &p, ids, 0, 1));
    CU_ASSERT_TRUE(kad_rtable_failed(&rt, &p, ids, 0, 1, FALSE));
    CU_ASSERT_FALSE(kad_rtable_contains(&rt, &p, ids, 0, 1));
    kad_rtable_free(&rt);
}

static void test_answer_resets_failure_count(void)
{
    setup_far_half();
    KadRtableParams p = params(3, 1, 0);
    KadRtable rt;
    kad_rtable_init(&rt, &p);
    uint32_t ping;
    kad_rtable_seen(&rt, &p, ids, 0, 1, &ping);
    for (guint round = 0; round < 3; round++) {
        for (guint i = 1; i < p.stale_limit; i++)
            kad_rtable_failed(&rt, &p, ids, 0, 1, FALSE);
        kad_rtable_seen(&rt, &p, ids, 0, 1, &ping);
    }
    CU_ASSERT_TRUE(kad_rtable_contains(&rt, &p, ids, 0, 1));
    kad_rtable_free(&rt);
}

static void fill_random(KadRtable *rt, const KadRtableParams *p, guint n, SimRngState *rng)
{
    for (uint32_t i = 0; i < n; i++)
        ids[i] = kad_id_random(rng, p->id_bits);
    uint32_t ping;
    for (uint32_t i = 1; i < n; i++)
        kad_rtable_seen(rt, p, ids, 0, i, &ping);
}

static void test_table_splits_and_keeps_invariants_for_every_b(void)
{
    for (guint b = 1; b <= 4; b++) {
        SimRngState rng;
        sim_rng_state_init(&rng, 11, b);
        KadRtableParams p = params(8, b, 3);
        KadRtable rt;
        kad_rtable_init(&rt, &p);
        fill_random(&rt, &p, UNIVERSE, &rng);
        char *why = NULL;
        CU_ASSERT_TRUE(kad_rtable_check(&rt, &p, ids, 0, &why));
        g_free(why);
        /* about log_{2^b}(4000 / 8) levels of 2^b - 1 buckets, each nearly full */
        CU_ASSERT_TRUE(rt.depth >= 8 / b && rt.depth <= 16);
        CU_ASSERT_TRUE(kad_rtable_size(&rt, &p) >= rt.depth * p.per_level * 4);
        kad_rtable_free(&rt);
    }
}

static int cmp_dist(const void *a, const void *b, void *target)
{
    const KadId *t = target;
    const KadId *x = &ids[*(const uint32_t *) a], *y = &ids[*(const uint32_t *) b];
    return kad_id_closer(t, x, y) ? -1 : kad_id_closer(t, y, x) ? 1 : 0;
}

static void test_closest_matches_brute_force(void)
{
    for (guint b = 1; b <= 3; b++) {
        SimRngState rng;
        sim_rng_state_init(&rng, 5, b);
        KadRtableParams p = params(20, b, 0);
        KadRtable rt;
        kad_rtable_init(&rt, &p);
        fill_random(&rt, &p, 2000, &rng);
        guint size = kad_rtable_size(&rt, &p);
        uint32_t *all = g_new(uint32_t, size);
        guint n = 0;
        for (guint bk = 0; bk < kad_rtable_buckets(&rt, &p); bk++)
            for (guint j = 0; j < kad_rtable_bucket_count(&rt, &p, bk); j++)
                all[n++] = kad_rtable_bucket_contact(&rt, &p, bk, j);
        for (int q = 0; q < 300; q++) {
            /* targets: random, near us, and exact contacts */
            KadId target = q % 3 == 0 ? kad_id_random(&rng, 160)
                           : q % 3 == 1 ? kad_id_random_with_prefix(&rng, &ids[0], q % 40, 160)
                                        : ids[all[q % n]];
            g_qsort_with_data(all, (gint) n, sizeof(uint32_t), cmp_dist, &target);
            uint32_t got[25];
            guint m = kad_rtable_closest(&rt, &p, ids, &ids[0], &target, got, 20);
            CU_ASSERT_EQUAL_FATAL(m, MIN(20u, n));
            for (guint i = 0; i < m; i++)
                CU_ASSERT_TRUE(kad_id_equal(&ids[got[i]], &ids[all[i]]));
        }
        g_free(all);
        kad_rtable_free(&rt);
    }
}

static void test_bucket_random_id_falls_in_that_bucket(void)
{
    for (guint b = 1; b <= 3; b++) {
        SimRngState rng;
        sim_rng_state_init(&rng, 9, b);
        KadRtableParams p = params(8, b, 0);
        KadRtable rt;
        kad_rtable_init(&rt, &p);
        fill_random(&rt, &p, 1000, &rng);
        for (guint bk = 0; bk < kad_rtable_buckets(&rt, &p); bk++)
            for (int i = 0; i < 20; i++) {
                KadId id = kad_rtable_bucket_random_id(&rt, &p, &ids[0], bk, &rng);
                CU_ASSERT_EQUAL(kad_rtable_bucket_of(&rt, &p, &ids[0], &id), bk);
            }
        kad_rtable_free(&rt);
    }
}

static void test_touch_marks_the_target_bucket(void)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 3, 3);
    KadRtableParams p = params(8, 1, 0);
    KadRtable rt;
    kad_rtable_init(&rt, &p);
    fill_random(&rt, &p, 500, &rng);
    KadId target = kad_id_random_with_prefix(&rng, &ids[0], 2, 160);
    kad_rtable_touch(&rt, &p, &ids[0], &target, 1234);
    CU_ASSERT_EQUAL(kad_rtable_bucket_touched(&rt, &p, 2), 1234);
    CU_ASSERT_EQUAL(kad_rtable_bucket_touched(&rt, &p, 1), 0);
    kad_rtable_free(&rt);
}

static CU_TestInfo tests[] = {
    TEST(test_new_contacts_are_added_and_self_is_ignored),
    TEST(test_seen_contact_moves_to_tail),
    TEST(test_full_bucket_pings_least_recently_seen_and_keeps_it_if_it_answers),
    TEST(test_bucket_evicts_least_recently_seen_when_it_fails_ping),
    TEST(test_replacement_cache_keeps_most_recent_entries),
    TEST(test_contact_is_dropped_after_stale_limit_failures_without_replacement),
    TEST(test_answer_resets_failure_count),
    TEST(test_table_splits_and_keeps_invariants_for_every_b),
    TEST(test_closest_matches_brute_force),
    TEST(test_bucket_random_id_falls_in_that_bucket),
    TEST(test_touch_marks_the_target_bucket),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("kad_rtable", tests)
