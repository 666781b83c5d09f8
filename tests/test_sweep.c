/* Tests of the sweep grid (src/sweep.c): the order of points and runs, their folder names,
 * replicate seeds, options, and shards that partition the runs whether I counts from 0 or 1. */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "sweep.h"

#define SHARDS_MAX 7

static SweepGrid *grid(const char *const *kv, GError **error)
{
    GPtrArray *keys = g_ptr_array_new(), *values = g_ptr_array_new();
    for (int i = 0; kv[i]; i += 2) {
        g_ptr_array_add(keys, (gpointer) kv[i]);
        g_ptr_array_add(values, (gpointer) kv[i + 1]);
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(values, NULL);
    SweepGrid *g = sweep_grid_new("t.ini", (char **) keys->pdata, (char **) values->pdata, NULL,
                                  error);
    g_ptr_array_free(keys, TRUE);
    g_ptr_array_free(values, TRUE);
    return g;
}

static void test_points_vary_the_last_key_fastest_and_replicates_faster_still(void)
{
    const char *kv[] = { "kademlia.k", "8, 16,20", "kademlia.alpha", "1,3", "replicates", "2",
                         NULL };
    SweepGrid *g = grid(kv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(sweep_grid_points(g), 6);
    CU_ASSERT_EQUAL(sweep_grid_runs(g), 12);
    CU_ASSERT_STRING_EQUAL(sweep_grid_value(g, 0, 0), "8");
    CU_ASSERT_STRING_EQUAL(sweep_grid_value(g, 1, 1), "3");
    CU_ASSERT_STRING_EQUAL(sweep_grid_value(g, 4, 0), "20");
    CU_ASSERT_STRING_EQUAL(sweep_grid_value(g, 4, 1), "1");
    char *first = sweep_grid_run_name(g, 0), *last = sweep_grid_run_name(g, 11);
    CU_ASSERT_STRING_EQUAL(first, "p0_k=8_alpha=1_r0");
    CU_ASSERT_STRING_EQUAL(last, "p5_k=20_alpha=3_r1");
    g_free(first);
    g_free(last);
    sweep_grid_free(g);
}

static void test_names_are_unique_and_safe_for_folders(void)
{
    const char *kv[] = { "network.latency_file", "a/b.txt, a b", "kademlia.k", "4", NULL };
    SweepGrid *g = grid(kv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    char *a = sweep_grid_run_name(g, 0), *b = sweep_grid_run_name(g, 1);
    CU_ASSERT_STRING_EQUAL(a, "p0_latency_file=a_b.txt_k=4_r0");
    CU_ASSERT_STRING_EQUAL(b, "p1_latency_file=a_b_k=4_r0");
    g_free(a);
    g_free(b);
    sweep_grid_free(g);
}

static void test_replicate_zero_runs_on_the_master_seed_and_others_on_derived_ones(void)
{
    CU_ASSERT_EQUAL(sweep_replicate_seed(42, 0), 42);
    uint64_t s1 = sweep_replicate_seed(42, 1), s2 = sweep_replicate_seed(42, 2);
    CU_ASSERT_NOT_EQUAL(s1, 42);
    CU_ASSERT_NOT_EQUAL(s1, s2);
    CU_ASSERT_EQUAL(s1, sweep_replicate_seed(42, 1));
    CU_ASSERT_NOT_EQUAL(s1, sweep_replicate_seed(43, 1));
    CU_ASSERT(s1 < (UINT64_C(1) << 53) && s2 < (UINT64_C(1) << 53));  /* [simulation] seed */
}

/* Any N consecutive shard numbers (Slurm --array=0-{N-1}, 1-N, or 5-{N+4}) take every run once. */
static void test_shards_partition_the_runs_from_any_first_number(void)
{
    const guint runs = 23, firsts[] = { 0, 1, 5 };
    for (guint n = 1; n <= SHARDS_MAX; n++)
        for (gsize f = 0; f < G_N_ELEMENTS(firsts); f++)
            for (guint r = 0; r < runs; r++) {
                guint owners = 0;
                for (guint i = firsts[f]; i < firsts[f] + n; i++)
                    owners += sweep_shard_has(r, i, n);
                CU_ASSERT_EQUAL(owners, 1);
            }
    CU_ASSERT_TRUE(sweep_shard_has(0, 1, 4));   /* shard 1 starts with run 0 */
    CU_ASSERT_TRUE(sweep_shard_has(3, 4, 4));
    CU_ASSERT_TRUE(sweep_shard_has(3, 0, 4));   /* 0-based: shard 0 is shard N */
}

static void test_shard_text_is_two_whole_numbers(void)
{
    guint i, n;
    CU_ASSERT_TRUE(sweep_parse_shard("3/8", &i, &n, NULL));
    CU_ASSERT(i == 3 && n == 8);
    CU_ASSERT_TRUE(sweep_parse_shard("0/1", &i, &n, NULL));
    const char *bad[] = { "3", "3/", "/8", "3/0", "-1/4", "1/-4", "a/b", "1/2x", "1 /2", "" };
    for (gsize k = 0; k < G_N_ELEMENTS(bad); k++) {
        GError *error = NULL;
        CU_ASSERT_FALSE(sweep_parse_shard(bad[k], &i, &n, &error));
        CU_ASSERT_PTR_NOT_NULL(error);
        g_clear_error(&error);
    }
}

static void test_wrong_sweeps_name_file_key_and_value(void)
{
    const char *cases[][3] = {
        { "kademlia.k", "8,,16", "t.ini: [sweep] kademlia.k: empty value" },
        { "kademlia.k", "8, 8", "t.ini: [sweep] kademlia.k: '8' is listed twice" },
        { "replicates", "two", "t.ini: [sweep] replicates: 'two'" },
        { "k", "8", "t.ini: [sweep] k: unknown" },
        { "simulation.seed", "1, 2", "t.ini: [sweep] simulation.seed: seeds are not swept" },
        { "plot_x", "kademlia.alpha", "plot_x: 'kademlia.alpha' is not a swept key" },
    };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        const char *kv[] = { cases[c][0], cases[c][1], NULL };
        GError *error = NULL;
        CU_ASSERT_PTR_NULL(grid(kv, &error));
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        CU_ASSERT_PTR_NOT_NULL(strstr(error->message, cases[c][2]));
        g_clear_error(&error);
    }
}

static void test_an_empty_list_sweeps_nothing(void)
{
    const char *kv[] = { "kademlia.k", "", "replicates", "3", NULL };
    SweepGrid *g = grid(kv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(sweep_grid_axes(g), 0);
    CU_ASSERT_EQUAL(sweep_grid_runs(g), 3);
    sweep_grid_free(g);
}

/* A grid's size is bounded before it can overflow 64 bits: eight keys of 256 values each
 * (2^64 points) were 0 points, and accepted. */
static void test_grid_beyond_the_bound_is_refused_before_it_overflows(void)
{
    GString *list = g_string_new(NULL);
    for (int v = 0; v < 256; v++)
        g_string_append_printf(list, "%s%d", v ? "," : "", v);
    static const char *names[] = { "a.k0", "a.k1", "a.k2", "a.k3", "a.k4", "a.k5", "a.k6", "a.k7" };
    const char *kv[2 * G_N_ELEMENTS(names) + 1];
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        kv[2 * i] = names[i];
        kv[2 * i + 1] = list->str;
    }
    kv[2 * G_N_ELEMENTS(names)] = NULL;
    GError *error = NULL;
    CU_ASSERT_PTR_NULL(grid(kv, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "t.ini: [sweep]: at least 16777216 points"));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "more than 1000000 runs"));
    g_clear_error(&error);
    /* the bound itself: 1000 x 1000 points is allowed, one replicate more is not */
    GString *thousand = g_string_new(NULL);
    for (int v = 0; v < 1000; v++)
        g_string_append_printf(thousand, "%s%d", v ? "," : "", v);
    const char *at_bound[] = { "a.x", thousand->str, "a.y", thousand->str, NULL };
    SweepGrid *g = grid(at_bound, NULL);
    CU_ASSERT_PTR_NOT_NULL(g);
    CU_ASSERT_EQUAL(g ? sweep_grid_runs(g) : 0, 1000000);
    sweep_grid_free(g);
    const char *over[] = { "a.x", thousand->str, "a.y", thousand->str, "replicates", "2", NULL };
    CU_ASSERT_PTR_NULL(grid(over, &error));
    CU_ASSERT_PTR_NOT_NULL(error && strstr(error->message, "1000000 points × 2 replicates"));
    g_clear_error(&error);
    g_string_free(list, TRUE);
    g_string_free(thousand, TRUE);
}

/* [sweep] pair: the followers take their leader's value at every point and add no points;
 * the other keys still multiply the grid. */
static void test_paired_keys_vary_together(void)
{
    const char *kv[] = { "churn.session_mean", "10min, 1h, 4h", "churn.downtime_mean",
                         "20min, 2h, 8h", "kademlia.k", "8, 20",
                         "pair", "churn.session_mean, churn.downtime_mean", NULL };
    SweepGrid *g = grid(kv, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_EQUAL(sweep_grid_points(g), 6);  /* 3 pairs × 2 values of k, not 3 × 3 × 2 */
    for (guint p = 0; p < 6; p++) {
        const char *session = sweep_grid_value(g, p, 0), *down = sweep_grid_value(g, p, 1);
        guint i = strcmp(session, "10min") == 0 ? 0 : strcmp(session, "1h") == 0 ? 1 : 2;
        static const char *const downs[] = { "20min", "2h", "8h" };
        CU_ASSERT_STRING_EQUAL(down, downs[i]);
        CU_ASSERT_STRING_EQUAL(sweep_grid_value(g, p, 2), p % 2 ? "20" : "8");
    }
    CU_ASSERT_STRING_EQUAL(sweep_grid_value(g, 5, 0), "4h");
    char *name = sweep_grid_run_name(g, 5);
    CU_ASSERT_STRING_EQUAL(name, "p5_session_mean=4h_downtime_mean=8h_k=20_r0");
    g_free(name);
    sweep_grid_free(g);
}

static void test_wrong_pairs_are_refused(void)
{
    const char *cases[][2] = {
        { "kademlia.k, kademlia.alpha", "kademlia.alpha has 2 values and kademlia.k 3" },
        { "kademlia.k", "name two swept keys or more" },
        { "kademlia.k, kademlia.eviction", "'kademlia.eviction' is not a swept key" },
        { "kademlia.alpha, kademlia.b; kademlia.b, kademlia.alpha", "paired twice" },
    };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        const char *kv[] = { "kademlia.k", "8, 16, 20", "kademlia.alpha", "1, 3",
                             "kademlia.b", "1, 2", "pair", cases[c][0], NULL };
        GError *error = NULL;
        CU_ASSERT_PTR_NULL(grid(kv, &error));
        CU_ASSERT_PTR_NOT_NULL_FATAL(error);
        if (!strstr(error->message, cases[c][1]))
            fprintf(stderr, "\n  %s\n", error->message);
        CU_ASSERT_PTR_NOT_NULL(strstr(error->message, cases[c][1]));
        g_clear_error(&error);
    }
}

static CU_TestInfo tests[] = {
    TEST(test_paired_keys_vary_together),
    TEST(test_wrong_pairs_are_refused),
    TEST(test_points_vary_the_last_key_fastest_and_replicates_faster_still),
    TEST(test_names_are_unique_and_safe_for_folders),
    TEST(test_replicate_zero_runs_on_the_master_seed_and_others_on_derived_ones),
    TEST(test_shards_partition_the_runs_from_any_first_number),
    TEST(test_shard_text_is_two_whole_numbers),
    TEST(test_wrong_sweeps_name_file_key_and_value),
    TEST(test_an_empty_list_sweeps_nothing),
    TEST(test_grid_beyond_the_bound_is_refused_before_it_overflows),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sweep", tests)
