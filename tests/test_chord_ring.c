/* Chord's ring logic in isolation: ID arithmetic with wrap-around, intervals, the finger table
 * (deduplicated), closest preceding finger, successor list merge, the ring of live nodes. */
#include "cunit_main.h"

#include "chord_id.h"
#include "chord_ring.h"

#define M 8  /* an 8-bit ring: IDs 0..255, small enough to reason about by hand */

static ChordId id8(guint v)
{
    ChordId id = { { (uint64_t) v << 56, 0, 0, 0 } };
    return id;
}

static guint val8(const ChordId *id)
{
    return (guint) (id->w[0] >> 56);
}

static void test_distance_wraps_around_the_ring(void)
{
    ChordId a = id8(250), b = id8(5);
    ChordId d = chord_id_dist(&a, &b);
    CU_ASSERT_EQUAL(val8(&d), 11);
    d = chord_id_dist(&b, &a);
    CU_ASSERT_EQUAL(val8(&d), 245);
    ChordId s = chord_id_add(&a, &d);
    CU_ASSERT_EQUAL(val8(&s), 239);  /* 250 + 245 mod 256 */
}

static void test_add_carries_across_words(void)
{
    ChordId a = { { 0, UINT64_MAX, 0, 0 } }, one = { { 0, 1, 0, 0 } };
    ChordId s = chord_id_add(&a, &one);
    CU_ASSERT_EQUAL(s.w[0], 1);
    CU_ASSERT_EQUAL(s.w[1], 0);
    ChordId d = chord_id_dist(&one, &s);  /* s - one */
    CU_ASSERT_TRUE(chord_id_equal(&d, &a));
}

static void test_intervals_are_clockwise_with_wrap(void)
{
    ChordId a = id8(200), b = id8(10);
    ChordId in = id8(250), zero = id8(0), out = id8(100);
    CU_ASSERT_TRUE(chord_id_in_open(&in, &a, &b));
    CU_ASSERT_TRUE(chord_id_in_open(&zero, &a, &b));
    CU_ASSERT_FALSE(chord_id_in_open(&out, &a, &b));
    CU_ASSERT_FALSE(chord_id_in_open(&b, &a, &b));
    CU_ASSERT_TRUE(chord_id_in_half(&b, &a, &b));
    CU_ASSERT_FALSE(chord_id_in_half(&a, &a, &b));
    /* (a, a) is the ring but a; (a, a] the whole ring */
    CU_ASSERT_TRUE(chord_id_in_open(&out, &a, &a));
    CU_ASSERT_FALSE(chord_id_in_open(&a, &a, &a));
    CU_ASSERT_TRUE(chord_id_in_half(&a, &a, &a));
}

static void test_pow2_and_bit_length_on_a_160_bit_ring(void)
{
    ChordId p = chord_id_pow2(0, 160);
    CU_ASSERT_EQUAL(p.w[2], 1ULL << 32);  /* the lowest of 160 left-aligned bits */
    CU_ASSERT_EQUAL(chord_id_bit_length(&p, 160), 1);
    p = chord_id_pow2(159, 160);
    CU_ASSERT_EQUAL(p.w[0], 1ULL << 63);
    CU_ASSERT_EQUAL(chord_id_bit_length(&p, 160), 160);
    ChordId z = { { 0 } };
    CU_ASSERT_EQUAL(chord_id_bit_length(&z, 160), 0);
    ChordId k = chord_id_from_u64(7, 160);
    CU_ASSERT_EQUAL(k.w[2] & 0xffffffffULL, 0);  /* bits past m are zero */
    CU_ASSERT_EQUAL(k.w[3], 0);
}

/* Nodes at 10, 20, 40, 90, 200 (node numbers 0..4) on the 8-bit ring. */
static ChordId ids[5];
static void ring_ids(void)
{
    const guint v[5] = { 10, 20, 40, 90, 200 };
    for (guint i = 0; i < 5; i++)
        ids[i] = id8(v[i]);
}

static ChordFingers fill_true_fingers(uint32_t self, guint *lookups)
{
    ChordFingers f = { 0 };
    ChordRing *ring = chord_ring_new();
    for (uint32_t n = 0; n < 5; n++)
        chord_ring_add(ring, ids, n);
    *lookups = 0;
    for (guint i = 0; i < M;) {
        ChordId off = chord_id_pow2(i, M), start = chord_id_add(&ids[self], &off);
        i = chord_fingers_set(&f, ids, self, i, chord_ring_successor(ring, ids, &start), M);
        (*lookups)++;
    }
    chord_ring_free(ring);
    return f;
}

static void test_finger_table_keeps_distinct_fingers_and_skips_covered_starts(void)
{
    ring_ids();
    guint lookups;
    ChordFingers f = fill_true_fingers(0, &lookups);  /* node at 10 */
    /* starts 11, 12, 14, 18 -> 20; 26 -> 40; 42, 74 -> 90; 138 -> 200 */
    CU_ASSERT_EQUAL(f.n, 4);
    CU_ASSERT_EQUAL(f.node[0], 1);
    CU_ASSERT_EQUAL(f.node[1], 2);
    CU_ASSERT_EQUAL(f.node[2], 3);
    CU_ASSERT_EQUAL(f.node[3], 4);
    CU_ASSERT_TRUE(lookups < M);  /* the starts before a found finger are not looked up */
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 0, M), 1);
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 3, M), 1);  /* 10 + 8 = 18 -> 20 */
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 4, M), 2);  /* 26 -> 40 */
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 5, M), 3);  /* 42 -> 90 */
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 7, M), 4);  /* 138 -> 200 */
    chord_fingers_clear(&f);
}

static void test_finger_wraps_to_self_past_every_node(void)
{
    ring_ids();
    guint lookups;
    ChordFingers f = fill_true_fingers(4, &lookups);  /* node at 200: 201.. wraps to 10 */
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 4, 0, M), 0);
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 4, 7, M), 3);  /* 200 + 128 = 72 -> 90 */
    CU_ASSERT_EQUAL(f.n, 2);
    chord_fingers_clear(&f);
}

static void test_setting_a_finger_drops_nodes_between_its_start_and_the_answer(void)
{
    ring_ids();
    guint lookups;
    ChordFingers f = fill_true_fingers(0, &lookups);
    /* node 2 (40) failed: finger 4 (start 26) is now 90 */
    guint next = chord_fingers_set(&f, ids, 0, 4, 3, M);
    CU_ASSERT_EQUAL(f.n, 3);
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 4, M), 3);
    CU_ASSERT_EQUAL(next, 7);  /* 90 - 10 = 80 < 128: starts 26, 42, 74 are all before it */
    chord_fingers_remove(&f, 3);
    CU_ASSERT_EQUAL(chord_fingers_get(&f, ids, 0, 4, M), 4);
    chord_fingers_clear(&f);
}

static void test_closest_preceding_uses_fingers_and_successors(void)
{
    ring_ids();
    guint lookups;
    ChordFingers f = fill_true_fingers(0, &lookups);
    uint32_t succ[2] = { 1, 2 };
    uint32_t out[4];
    ChordId t = id8(100);
    guint n = chord_closest_preceding(&f, succ, 2, ids, 0, &t, out, 4);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(out[0], 3);  /* 90 */
    CU_ASSERT_EQUAL(out[1], 2);  /* 40 */
    CU_ASSERT_EQUAL(out[2], 1);  /* 20 */
    t = id8(5);  /* wraps: everything but us precedes it */
    n = chord_closest_preceding(&f, succ, 2, ids, 0, &t, out, 2);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(out[0], 4);
    CU_ASSERT_EQUAL(out[1], 3);
    ChordFingers none = { 0 };
    t = id8(30);
    n = chord_closest_preceding(&none, succ, 2, ids, 0, &t, out, 4);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(out[0], 1);
    chord_fingers_clear(&f);
}

static void test_successor_list_merge_dedups_and_stops_at_self(void)
{
    uint32_t out[4];
    const uint32_t rest[5] = { 7, 7, 8, 0, 9 };
    guint n = chord_succ_merge(0, 5, rest, 5, out, 4);
    CU_ASSERT_EQUAL(n, 3);  /* 5, 7, 8, then the list came round to us (0) */
    CU_ASSERT_EQUAL(out[0], 5);
    CU_ASSERT_EQUAL(out[1], 7);
    CU_ASSERT_EQUAL(out[2], 8);
    const uint32_t long_rest[5] = { 6, 7, 8, 9, 10 };
    n = chord_succ_merge(0, 5, long_rest, 5, out, 4);
    CU_ASSERT_EQUAL(n, 4);  /* cut at r */
    CU_ASSERT_EQUAL(out[3], 8);
    CU_ASSERT_EQUAL(chord_succ_merge(0, 0, rest, 5, out, 4), 0);  /* ourselves: no list */
    n = chord_succ_remove(out, 4, 7);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(out[1], 6);
}

static void test_ring_finds_successors_with_wrap(void)
{
    ring_ids();
    ChordRing *ring = chord_ring_new();
    for (uint32_t n = 0; n < 5; n++)
        chord_ring_add(ring, ids, 4 - n);
    ChordId t = id8(21);
    CU_ASSERT_EQUAL(chord_ring_successor(ring, ids, &t), 2);
    t = id8(20);
    CU_ASSERT_EQUAL(chord_ring_successor(ring, ids, &t), 1);  /* at the ID: that node */
    t = id8(201);
    CU_ASSERT_EQUAL(chord_ring_successor(ring, ids, &t), 0);
    CU_ASSERT_EQUAL(chord_ring_step(ring, ids, 4, 1), 0);
    CU_ASSERT_EQUAL(chord_ring_step(ring, ids, 0, -1), 4);
    chord_ring_remove(ring, ids, 0);
    CU_ASSERT_EQUAL(chord_ring_successor(ring, ids, &t), 1);
    CU_ASSERT_EQUAL(chord_ring_size(ring, ids), 4);
    chord_ring_free(ring);
}

static CU_TestInfo tests[] = {
    TEST(test_distance_wraps_around_the_ring),
    TEST(test_add_carries_across_words),
    TEST(test_intervals_are_clockwise_with_wrap),
    TEST(test_pow2_and_bit_length_on_a_160_bit_ring),
    TEST(test_finger_table_keeps_distinct_fingers_and_skips_covered_starts),
    TEST(test_finger_wraps_to_self_past_every_node),
    TEST(test_setting_a_finger_drops_nodes_between_its_start_and_the_answer),
    TEST(test_closest_preceding_uses_fingers_and_successors),
    TEST(test_successor_list_merge_dedups_and_stops_at_self),
    TEST(test_ring_finds_successors_with_wrap),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("chord_ring", tests)
