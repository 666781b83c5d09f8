/* Tests of the sweep tables (src/sweep.c, sweep_write_tables): sweep_summary.csv computed from
 * hand-written runs' summary.csv files. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cunit_main.h"
#include "sweep.h"

#define REPLICATES 3

/* runs/<name>/summary.csv of one run. */
static void write_run(const char *dir, const SweepGrid *g, guint run, const char *rows)
{
    char *name = sweep_grid_run_name(g, run);
    char *folder = g_build_filename(dir, "runs", name, NULL);
    g_mkdir_with_parents(folder, 0755);
    char *path = g_build_filename(folder, "summary.csv", NULL);
    char *text = g_strconcat("metric,value,ci95_low,ci95_high\n", rows, NULL);
    CU_ASSERT_TRUE(g_file_set_contents(path, text, -1, NULL));
    g_free(text);
    g_free(path);
    g_free(folder);
    g_free(name);
}

/* The fields of the sweep_summary.csv row of point and metric (one swept key), or NULL. */
static char **summary_row(const char *dir, guint point, const char *metric)
{
    char *path = g_build_filename(dir, "sweep_summary.csv", NULL), *text = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, NULL, NULL));
    char **lines = g_strsplit(text, "\n", -1), **row = NULL;
    for (int i = 1; lines[i] && !row; i++) {
        char **f = g_strsplit(lines[i], ",", -1);
        if (g_strv_length(f) == 8 && strtoul(f[0], NULL, 10) == point
            && strcmp(f[2], metric) == 0)
            row = f;
        else
            g_strfreev(f);
    }
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    return row;
}

static void test_rates_near_one_keep_their_interval_inside_zero_one(void)
{
    const char *keys[] = { "kademlia.k", "replicates", NULL };
    const char *values[] = { "8, 16", "3", NULL };
    SweepGrid *g = sweep_grid_new("t.ini", (char **) keys, (char **) values, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    char *dir = g_dir_make_tmp("kadsim-sweep-tables-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    /* 1000 lookups per run; 998, 1000 and 999 succeed: Student's t gives 1.0012 */
    static const char *const rates[REPLICATES] = { "0.998", "1", "0.999" };
    static const char *const latencies[REPLICATES] = { "1", "1", "1000" };
    for (guint r = 0; r < sweep_grid_runs(g); r++) {
        char *rows = g_strdup_printf("hops_mean,%u,,\nlookups,1000,,\n"
                                     "lookup_success_rate,%s,,\nlatency_ms_p50,%s,,\n",
                                     2 + r % REPLICATES, rates[r % REPLICATES],
                                     latencies[r % REPLICATES]);
        write_run(dir, g, r, rows);
        g_free(rows);
    }
    GError *error = NULL;
    CU_ASSERT_TRUE_FATAL(sweep_write_tables(g, dir, "[simulation]\nnodes = 10\n", &error));
    char **rate = summary_row(dir, 1, "lookup_success_rate");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rate);
    double mean = g_ascii_strtod(rate[4], NULL), low = g_ascii_strtod(rate[6], NULL),
           high = g_ascii_strtod(rate[7], NULL);
    CU_ASSERT_DOUBLE_EQUAL(mean, 2997.0 / 3000.0, 1e-9);  /* the pooled proportion */
    CU_ASSERT_TRUE(low > 0.99 && low < mean);
    CU_ASSERT_TRUE(high > mean && high <= 1.0);
    g_strfreev(rate);
    /* a metric that is not a rate keeps Student's t: 3 ± 4.303 · 1 / √3 */
    char **hops = summary_row(dir, 0, "hops_mean");
    CU_ASSERT_PTR_NOT_NULL_FATAL(hops);
    CU_ASSERT_DOUBLE_EQUAL(g_ascii_strtod(hops[7], NULL), 3 + 4.30265273 / sqrt(3), 1e-6);
    g_strfreev(hops);
    /* a latency no replicate gave below 0: Student's t would reach -1097 ms; cut at 0 */
    char **latency = summary_row(dir, 0, "latency_ms_p50");
    CU_ASSERT_PTR_NOT_NULL_FATAL(latency);
    CU_ASSERT_EQUAL(g_ascii_strtod(latency[6], NULL), 0.0);
    CU_ASSERT_TRUE(g_ascii_strtod(latency[7], NULL) > 1000);
    g_strfreev(latency);
    sweep_grid_free(g);
    char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    g_free(cmd);
    g_free(dir);
}

static CU_TestInfo tests[] = {
    TEST(test_rates_near_one_keep_their_interval_inside_zero_one),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sweep tables", tests)
