/* Latency models (sim/latency_*.c) and jitter: sample statistics against the parameters, and
 * every way a [network] latency setting can be wrong. Seeds are fixed: nothing can flake. */
#include "sim_net.h"
#include "model_helpers.h"

#define KING_SMALL TEST_DATA_DIR "/king_small.txt"
/* Mean one-way delay of tests/data/king_small.txt over its distinct pairs (computed by the
 * script that wrote it, the missing pair filled from its reverse). */
#define KING_SMALL_MEAN_MS 96.12016315789477
#define KING_SMALL_HOSTS 20
#define PAIRS 1000000

/* A latency model of `hosts` hosts from the [network] lines given; asserts it builds. */
static SimLatency *latency_from(const char *network, guint hosts, SimConfig **cfg_out)
{
    g_autofree char *ini = g_strdup_printf("[network]\n%s", network);
    GError *err = NULL;
    SimConfig *cfg = model_cfg_new(ini, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    SimLatency *lat = sim_latency_new(cfg, 7, hosts, &err);
    if (!lat)
        fprintf(stderr, "\n%s\n", err->message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(lat);
    *cfg_out = cfg;
    return lat;
}

/* Delays of `n` messages between random distinct hosts, in ms (caller frees). */
static double *sample_ms(SimLatency *lat, guint hosts, guint n)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 99, 1);
    double *v = g_new(double, n);
    for (guint i = 0; i < n; i++) {
        SimHost a = (SimHost) sim_rng_state_below(&rng, hosts);
        SimHost b = (SimHost) sim_rng_state_below(&rng, hosts - 1);
        b += b >= a;
        v[i] = sim_time_to_ms(sim_latency_delay(lat, a, b));
    }
    return v;
}

static double mean_of(const double *v, guint n)
{
    double s = 0;
    for (guint i = 0; i < n; i++)
        s += v[i];
    return s / n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double median_of(double *v, guint n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void test_constant_latency_is_the_same_for_every_message(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency_constant = 42ms\n", 10, &cfg);
    for (SimHost a = 0; a < 10; a++)
        CU_ASSERT_EQUAL(sim_latency_delay(lat, a, (a + 3) % 10), 42 * SIM_MS);
    ASSERT_REL(sim_latency_mean(lat), 42e6, 1e-12);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_uniform_per_pair_has_mean_of_bounds_and_is_symmetric(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = uniform\nlatency_min = 20ms\nlatency_max = 100ms\n",
                                   100000, &cfg);
    double *v = sample_ms(lat, 100000, PAIRS);
    model_report("uniform(20ms,100ms) pair: mean ms", mean_of(v, PAIRS), 60);
    ASSERT_REL(mean_of(v, PAIRS), 60.0, 0.002);
    for (guint i = 0; i < PAIRS; i++)
        CU_ASSERT(v[i] >= 20 && v[i] <= 100);
    for (SimHost a = 0; a < 1000; a++) {
        SimTime d = sim_latency_delay(lat, a, a + 500);
        CU_ASSERT_EQUAL(d, sim_latency_delay(lat, a + 500, a));
        CU_ASSERT_EQUAL(d, sim_latency_delay(lat, a, a + 500));
    }
    ASSERT_REL(sim_latency_mean(lat), 60e6, 1e-12);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_uniform_per_message_draws_afresh(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = uniform\nlatency_min = 20ms\nlatency_max = 100ms\n"
                                   "latency_draw = message\n", 2, &cfg);
    double *v = sample_ms(lat, 2, PAIRS);
    ASSERT_REL(mean_of(v, PAIRS), 60.0, 0.002);
    /* variance of U(20, 100) = 80^2 / 12 */
    double m = mean_of(v, PAIRS), var = 0;
    for (guint i = 0; i < PAIRS; i++)
        var += (v[i] - m) * (v[i] - m);
    model_report("uniform(20ms,100ms) message: mean ms", m, 60);
    model_report("uniform(20ms,100ms) message: variance ms^2", var / PAIRS, 6400.0 / 12);
    ASSERT_REL(var / PAIRS, 6400.0 / 12, 0.01);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

/* The defaults reproduce the King data set: RTT median 156 ms and mean 178 ms. */
static void test_lognormal_defaults_reproduce_king_rtt_median_and_mean(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = lognormal\n", 100000, &cfg);
    double *v = sample_ms(lat, 100000, PAIRS);
    model_report("lognormal defaults pair: RTT mean ms", 2 * mean_of(v, PAIRS), 178);
    ASSERT_REL(2 * mean_of(v, PAIRS), 178.0, 0.01);
    model_report("lognormal defaults pair: RTT median ms", 2 * median_of(v, PAIRS), 156);
    ASSERT_REL(2 * median_of(v, PAIRS), 156.0, 0.01);
    ASSERT_REL(sim_latency_mean(lat) / 1e6, 78 * exp(0.5137 * 0.5137 / 2), 1e-9);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_lognormal_per_message_has_median_and_mean_of_parameters(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = lognormal\nlatency_median = 50ms\n"
                                   "latency_sigma = 1\nlatency_draw = message\n", 2, &cfg);
    double *v = sample_ms(lat, 2, PAIRS);
    model_report("lognormal(50ms, 1) message: mean ms", mean_of(v, PAIRS), 50 * exp(0.5));
    model_report("lognormal(50ms, 1) message: median ms", median_of(v, PAIRS), 50);
    ASSERT_REL(mean_of(v, PAIRS), 50 * exp(0.5), 0.01);
    ASSERT_REL(median_of(v, PAIRS), 50.0, 0.01);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_euclidean_sphere_mean_is_quarter_circumference_times_factor(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = euclidean\n", 100000, &cfg);
    double *v = sample_ms(lat, 100000, PAIRS);
    double expected = M_PI / 2 * 6371 * 0.008 + 10;  /* 90.05 ms */
    model_report("euclidean sphere defaults: mean ms", mean_of(v, PAIRS), expected);
    ASSERT_REL(mean_of(v, PAIRS), expected, 0.005);
    ASSERT_REL(sim_latency_mean(lat) / 1e6, expected, 1e-9);
    for (guint i = 0; i < PAIRS; i++)  /* at most half the circumference away */
        CU_ASSERT(v[i] >= 10 && v[i] <= M_PI * 6371 * 0.008 + 10 + 1e-6);
    CU_ASSERT_EQUAL(sim_latency_delay(lat, 3, 4), sim_latency_delay(lat, 4, 3));
    CU_ASSERT_EQUAL(sim_latency_delay(lat, 5, 5), 10 * SIM_MS);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_euclidean_plane_mean_distance_is_0_5214_side(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = euclidean\neuclidean_space = plane\n"
                                   "euclidean_side = 1000\neuclidean_per_km = 100us\n"
                                   "euclidean_access = 0\n", 100000, &cfg);
    double *v = sample_ms(lat, 100000, PAIRS);
    model_report("euclidean plane 1000km, 100us/km: mean ms", mean_of(v, PAIRS),
                 0.5214054331647207 * 1000 * 0.1);
    ASSERT_REL(mean_of(v, PAIRS), 0.5214054331647207 * 1000 * 0.1, 0.005);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_matrix_delays_are_half_the_file_rtts(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = matrix\nlatency_matrix = " KING_SMALL "\n",
                                   KING_SMALL_HOSTS, &cfg);
    /* With as many hosts as the matrix, the mapping is a permutation: the ordered pairs of
     * distinct hosts are exactly the matrix's off-diagonal entries. */
    double sum = 0;
    for (SimHost a = 0; a < KING_SMALL_HOSTS; a++)
        for (SimHost b = 0; b < KING_SMALL_HOSTS; b++) {
            if (a == b)
                continue;
            sum += sim_time_to_ms(sim_latency_delay(lat, a, b));
            /* the file is symmetric, and its one missing entry takes the reverse one */
            CU_ASSERT_EQUAL(sim_latency_delay(lat, a, b), sim_latency_delay(lat, b, a));
        }
    model_report("matrix king_small.txt: mean one-way ms",
                 sum / (KING_SMALL_HOSTS * (KING_SMALL_HOSTS - 1)), KING_SMALL_MEAN_MS);
    ASSERT_REL(sum / (KING_SMALL_HOSTS * (KING_SMALL_HOSTS - 1)), KING_SMALL_MEAN_MS, 1e-6);
    ASSERT_REL(sim_latency_mean(lat) / 1e6, KING_SMALL_MEAN_MS, 1e-6);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_matrix_maps_more_hosts_than_rows_onto_it(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency = matrix\nlatency_matrix = " KING_SMALL "\n"
                                   "latency_matrix_unit = us\n", 1000, &cfg);
    double *v = sample_ms(lat, 1000, 100000);
    for (guint i = 0; i < 100000; i++)  /* in us the file's values are 1000 times smaller */
        CU_ASSERT(v[i] > 0 && v[i] < 1);
    ASSERT_REL(mean_of(v, 100000), KING_SMALL_MEAN_MS / 1000, 0.05);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

static void test_jitter_adds_uniform_delay_on_top_of_any_model(void)
{
    SimConfig *cfg;
    SimLatency *lat = latency_from("latency_constant = 50ms\njitter = 10ms\n", 2, &cfg);
    double *v = sample_ms(lat, 2, PAIRS);
    for (guint i = 0; i < PAIRS; i++)
        CU_ASSERT(v[i] >= 50 && v[i] <= 60);
    model_report("constant 50ms + jitter 10ms: mean ms", mean_of(v, PAIRS), 55);
    ASSERT_REL(mean_of(v, PAIRS), 55.0, 0.001);
    ASSERT_REL(sim_latency_mean(lat) / 1e6, 55.0, 1e-9);
    g_free(v);
    sim_latency_free(lat);
    sim_config_free(cfg);
}

/* ---- errors ---------------------------------------------------------------------------- */

/* Building a Sim with these [network] lines fails with a message holding all the needles. */
#define expect_error(network, ...) model_expect_error("[network]\n" network, __VA_ARGS__)

static void test_unknown_latency_model_is_an_error_naming_the_key(void)
{
    expect_error("latency = king\n", "[network] latency", "'king' is not known", NULL);
}

static void test_unknown_network_key_is_an_error_naming_it(void)
{
    expect_error("latency_medain = 5ms\n", "latency_medain", "unknown key", NULL);
}

static void test_duration_without_unit_is_an_error_naming_the_key(void)
{
    expect_error("latency_constant = 50\n", "[network] latency_constant", "unit", NULL);
    expect_error("jitter = 5 parsecs\n", "[network] jitter", NULL);
}

static void test_negative_delay_is_an_error_naming_the_key(void)
{
    expect_error("latency = uniform\nlatency_min = -5ms\n", "[network] latency_min", "sign",
                 NULL);
}

static void test_out_of_range_sigma_is_an_error_naming_the_key(void)
{
    expect_error("latency = lognormal\nlatency_sigma = 7\n", "[network] latency_sigma",
                 "out of range", NULL);
}

static void test_uniform_min_above_max_is_an_error_naming_the_key(void)
{
    expect_error("latency = uniform\nlatency_min = 200ms\nlatency_max = 100ms\n",
                 "test.ini: [network] latency_min", "latency_max", NULL);
}

static void test_key_of_another_model_is_an_only_if_error(void)
{
    expect_error("latency = uniform\nlatency_median = 5ms\n", "[network] latency_median",
                 "applies only when latency = lognormal", NULL);
}

/* euclidean_side needs euclidean_space = plane, which itself needs latency = euclidean. */
static void test_only_if_follows_the_chain_of_conditions(void)
{
    expect_error("euclidean_side = 100\n", "[network] euclidean_side",
                 "applies only when latency = euclidean", NULL);
    expect_error("latency = euclidean\neuclidean_side = 100\n", "[network] euclidean_side",
                 "applies only when euclidean_space = plane", NULL);
}

static void test_missing_matrix_file_is_an_error_naming_file_and_key(void)
{
    expect_error("latency = matrix\nlatency_matrix = /nonexistent/king.txt\n",
                 "[network] latency_matrix", "/nonexistent/king.txt", NULL);
    expect_error("latency = matrix\n", "[network] latency_matrix", "set latency_matrix", NULL);
}

static void test_malformed_matrix_line_is_an_error_naming_file_line_and_key(void)
{
    char *path = model_temp_file("m.txt", "# rtt\n0 10 20\n10 0 x7\n20 30 0\n");
    g_autofree char *ini = g_strdup_printf("[network]\nlatency = matrix\nlatency_matrix = %s\n",
                                           path);
    g_autofree char *where = g_strdup_printf("%s:3:", path);
    model_expect_error(ini, "[network] latency_matrix", where, "'x7' is not a number", NULL);
    model_temp_remove(path);
}

static void test_non_square_matrix_is_an_error_naming_the_line(void)
{
    char *path = model_temp_file("m.txt", "0 10 20\n10 0\n20 30 0\n");
    g_autofree char *ini = g_strdup_printf("[network]\nlatency = matrix\nlatency_matrix = %s\n",
                                           path);
    g_autofree char *where = g_strdup_printf("%s:2:", path);
    model_expect_error(ini, "[network] latency_matrix", where, "square", NULL);
    model_temp_remove(path);
    path = model_temp_file("m.txt", "0 10 20\n10 0 5\n");
    g_free(ini);
    ini = g_strdup_printf("[network]\nlatency = matrix\nlatency_matrix = %s\n", path);
    model_expect_error(ini, "[network] latency_matrix", "2 rows for 3 columns", NULL);
    model_temp_remove(path);
}

/* A matrix file of `len` bytes (may hold NUL bytes) and the [network] lines that use it. */
static char *matrix_file(const char *text, gssize len, char **ini)
{
    char *path = model_temp_file("m.txt", "");
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, text, len, NULL));
    *ini = g_strdup_printf("[network]\nlatency = matrix\nlatency_matrix = %s\n", path);
    return path;
}

static void test_matrix_rtt_beyond_an_hour_one_way_is_an_error_naming_file_line_and_value(void)
{
    g_autofree char *ini = NULL;
    char *path = matrix_file("0 10 20\n10 0 1e30\n20 30 0\n", -1, &ini);
    g_autofree char *where = g_strdup_printf("%s:2: value 3", path);
    model_expect_error(ini, "[network] latency_matrix", where, "out of range", "7200000 ms",
                       NULL);
    model_temp_remove(path);
    g_free(ini);
    path = matrix_file("0 10 20\n10 0 7200000000\n20 30 0\n", -1, &ini);  /* the limit, in us */
    g_autofree char *in_us = g_strconcat(ini, "latency_matrix_unit = us\n", NULL);
    ModelWorld w;
    model_world_new(&w, in_us);
    model_world_free(&w);
    model_temp_remove(path);
}

static void test_matrix_with_a_nul_byte_is_an_error_naming_file_and_line(void)
{
    g_autofree char *ini = NULL;
    static const char text[] = "0 10\n10 0\n\0garbage\n";
    char *path = matrix_file(text, sizeof text - 1, &ini);
    model_expect_error(ini, "[network] latency_matrix", path, "line 3 holds a NUL byte", NULL);
    model_temp_remove(path);
}

/* Old Mac line ends (CR alone) give the same delays as LF; a CR alone among LF ends is
 * refused, since editors disagree on whether it ends the line. */
static void test_matrix_with_cr_line_ends_reads_as_with_lf(void)
{
    SimConfig *cfg_lf, *cfg_cr;
    g_autofree char *ini_lf = NULL, *ini_cr = NULL;
    char *lf = matrix_file("0 10 20\n10 0 40\n20 40 0\n", -1, &ini_lf);
    char *cr = matrix_file("0 10 20\r10 0 40\r20 40 0\r", -1, &ini_cr);
    SimLatency *a = latency_from(ini_lf + strlen("[network]\n"), 3, &cfg_lf);
    SimLatency *b = latency_from(ini_cr + strlen("[network]\n"), 3, &cfg_cr);
    for (SimHost s = 0; s < 3; s++)
        for (SimHost d = 0; d < 3; d++)
            CU_ASSERT_EQUAL(sim_latency_delay(a, s, d), sim_latency_delay(b, s, d));
    CU_ASSERT_EQUAL(sim_latency_mean(a), sim_latency_mean(b));
    sim_latency_free(a);
    sim_latency_free(b);
    sim_config_free(cfg_lf);
    sim_config_free(cfg_cr);
    model_temp_remove(lf);
    model_temp_remove(cr);
    g_autofree char *ini = NULL;
    char *mixed = matrix_file("0 10 20\n10 0 40\r20 40 0\n", -1, &ini);
    model_expect_error(ini, "[network] latency_matrix", mixed, "line 2 holds a carriage return",
                       NULL);
    model_temp_remove(mixed);
}

static CU_TestInfo tests[] = {
    TEST(test_constant_latency_is_the_same_for_every_message),
    TEST(test_uniform_per_pair_has_mean_of_bounds_and_is_symmetric),
    TEST(test_uniform_per_message_draws_afresh),
    TEST(test_lognormal_defaults_reproduce_king_rtt_median_and_mean),
    TEST(test_lognormal_per_message_has_median_and_mean_of_parameters),
    TEST(test_euclidean_sphere_mean_is_quarter_circumference_times_factor),
    TEST(test_euclidean_plane_mean_distance_is_0_5214_side),
    TEST(test_matrix_delays_are_half_the_file_rtts),
    TEST(test_matrix_maps_more_hosts_than_rows_onto_it),
    TEST(test_jitter_adds_uniform_delay_on_top_of_any_model),
    TEST(test_unknown_latency_model_is_an_error_naming_the_key),
    TEST(test_unknown_network_key_is_an_error_naming_it),
    TEST(test_duration_without_unit_is_an_error_naming_the_key),
    TEST(test_negative_delay_is_an_error_naming_the_key),
    TEST(test_out_of_range_sigma_is_an_error_naming_the_key),
    TEST(test_uniform_min_above_max_is_an_error_naming_the_key),
    TEST(test_key_of_another_model_is_an_only_if_error),
    TEST(test_only_if_follows_the_chain_of_conditions),
    TEST(test_missing_matrix_file_is_an_error_naming_file_and_key),
    TEST(test_malformed_matrix_line_is_an_error_naming_file_line_and_key),
    TEST(test_non_square_matrix_is_an_error_naming_the_line),
    TEST(test_matrix_rtt_beyond_an_hour_one_way_is_an_error_naming_file_line_and_value),
    TEST(test_matrix_with_a_nul_byte_is_an_error_naming_file_and_line),
    TEST(test_matrix_with_cr_line_ends_reads_as_with_lf),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_latency", tests)
