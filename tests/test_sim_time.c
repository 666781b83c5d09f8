/* Tests of sim_time: parsing durations exactly, refusing what is not one, formatting back. */
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "sim_rng.h"
#include "sim_time.h"

/* Random values in the round-trip property. */
#define ROUND_TRIPS 100000

static void assert_parses(const char *text, SimTime expected)
{
    SimTime t = -1;
    GError *error = NULL;
    gboolean ok = sim_time_parse(text, &t, &error);
    if (!ok)
        fprintf(stderr, "\n'%s' refused: %s\n", text, error->message);
    CU_ASSERT_TRUE(ok);
    CU_ASSERT_PTR_NULL(error);
    CU_ASSERT_EQUAL(t, expected);
    g_clear_error(&error);
}

/* Refused, with a message that quotes the text and says which units exist. */
static void assert_refused(const char *text, const char *reason)
{
    SimTime t = 12345;
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_time_parse(text, &t, &error));
    CU_ASSERT_EQUAL(t, 12345);  /* untouched on failure */
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_TRUE(g_error_matches(error, SIM_TIME_ERROR, 0));
    g_autofree char *quoted = g_strdup_printf("'%s'", text);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, quoted));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, reason));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "ns, us, ms, s, min, h, d"));
    g_error_free(error);
}

static void test_parse_accepts_every_unit_exactly(void)
{
    assert_parses("250ms", 250 * SIM_MS);
    assert_parses("1.5s", 1500 * SIM_MS);
    assert_parses("6h", 6 * SIM_H);
    assert_parses("2d", 2 * SIM_D);
    assert_parses("90min", 90 * SIM_MIN);
    assert_parses("100us", 100 * SIM_US);
    assert_parses("7ns", 7);
    assert_parses("0.001s", SIM_MS);
    assert_parses("0.000000001s", 1);
}

static void test_parse_accepts_bare_zero_and_zero_with_unit(void)
{
    assert_parses("0", 0);
    assert_parses("0s", 0);
    assert_parses("0.0ms", 0);
}

static void test_parse_allows_surrounding_spaces(void)
{
    assert_parses("  250ms ", 250 * SIM_MS);
}

static void test_parse_accepts_the_largest_time(void)
{
    assert_parses("9223372036854775807ns", INT64_MAX);
    assert_parses("9223372036854775.807us", INT64_MAX);
}

static void test_parse_refuses_empty_text(void)
{
    assert_refused("", "a number must come first");
}

static void test_parse_refuses_a_number_without_unit(void)
{
    assert_refused("5", "the unit is missing");
    assert_refused("1.5", "the unit is missing");
}

static void test_parse_refuses_a_sign(void)
{
    assert_refused("-1s", "no sign");
    assert_refused("+1s", "no sign");
}

static void test_parse_refuses_unknown_units_and_trailing_words(void)
{
    assert_refused("3 parsecs", "unexpected characters");
    assert_refused("3parsecs", "unknown unit");
    assert_refused("5m", "unknown unit");
    assert_refused("5 s", "unexpected characters");
}

static void test_parse_refuses_an_exponent(void)
{
    assert_refused("1e3s", "unexpected characters");
}

static void test_parse_refuses_a_fraction_finer_than_a_nanosecond(void)
{
    assert_refused("1.0000000001s", "finer than 1 ns");
    assert_refused("0.5ns", "finer than 1 ns");
}

static void test_parse_refuses_values_past_292_years(void)
{
    assert_refused("300000d", "too large");
    assert_refused("9223372036854775808ns", "too large");
    assert_refused("99999999999999999999999s", "too large");
}

static void test_format_uses_the_largest_exact_unit(void)
{
    static const struct { SimTime t; const char *text; } cases[] = {
        { 0, "0" }, { 1, "1ns" }, { 250 * SIM_MS, "250ms" }, { 1500 * SIM_MS, "1.5s" },
        { 6 * SIM_H, "6h" }, { 90 * SIM_MIN, "1.5h" }, { 2 * SIM_D, "2d" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = sim_time_format(cases[i].t);
        CU_ASSERT_STRING_EQUAL(text, cases[i].text);
    }
    /* No unit holds 1234567 ns with three decimals or fewer but ns itself. */
    g_autofree char *odd = sim_time_format(1234567);
    CU_ASSERT_STRING_EQUAL(odd, "1234.567us");
}

/* A value with structure: a random magnitude, often a round number of some unit. */
static SimTime random_time(SimRngState *rng)
{
    static const SimTime units[] = { SIM_NS, SIM_US, SIM_MS, SIM_S, SIM_MIN, SIM_H, SIM_D };
    switch (sim_rng_state_below(rng, 3)) {
    case 0:  /* anything up to the maximum */
        return (SimTime) (sim_rng_state_next(rng) >> (1 + sim_rng_state_below(rng, 63)));
    case 1: {  /* a whole number of a unit */
        SimTime u = units[sim_rng_state_below(rng, G_N_ELEMENTS(units))];
        return u * (SimTime) sim_rng_state_below(rng, 100000);
    }
    default: {  /* a unit plus a few decimals of it */
        SimTime u = units[sim_rng_state_below(rng, G_N_ELEMENTS(units))];
        return u * (SimTime) sim_rng_state_below(rng, 1000) + (SimTime) sim_rng_state_below(rng, u);
    }
    }
}

static void test_format_round_trips_through_parse(void)
{
    SimRngState rng;
    sim_rng_state_init(&rng, 42, sim_rng_stream_id("test-time", 0));
    for (int i = 0; i < ROUND_TRIPS; i++) {
        SimTime t = random_time(&rng), back = -1;
        g_autofree char *text = sim_time_format(t);
        GError *error = NULL;
        gboolean ok = sim_time_parse(text, &back, &error);
        if (!ok || back != t) {
            fprintf(stderr, "\n%" G_GINT64_FORMAT " -> '%s' -> %" G_GINT64_FORMAT " (%s)\n", t,
                    text, back, error ? error->message : "parsed");
            CU_FAIL("round trip");
            g_clear_error(&error);
            return;
        }
    }
    CU_PASS("round trips");
}

static void test_from_s_rounds_to_nearest_and_clamps(void)
{
    CU_ASSERT_EQUAL(sim_time_from_s(1.5), 1500 * SIM_MS);
    CU_ASSERT_EQUAL(sim_time_from_s(1e-9 * 0.6), 1);
    CU_ASSERT_EQUAL(sim_time_from_s(-3.0), 0);
    CU_ASSERT_EQUAL(sim_time_from_s(1e300), SIM_TIME_NEVER);
}

static CU_TestInfo tests[] = {
    TEST(test_parse_accepts_every_unit_exactly),
    TEST(test_parse_accepts_bare_zero_and_zero_with_unit),
    TEST(test_parse_allows_surrounding_spaces),
    TEST(test_parse_accepts_the_largest_time),
    TEST(test_parse_refuses_empty_text),
    TEST(test_parse_refuses_a_number_without_unit),
    TEST(test_parse_refuses_a_sign),
    TEST(test_parse_refuses_unknown_units_and_trailing_words),
    TEST(test_parse_refuses_an_exponent),
    TEST(test_parse_refuses_a_fraction_finer_than_a_nanosecond),
    TEST(test_parse_refuses_values_past_292_years),
    TEST(test_format_uses_the_largest_exact_unit),
    TEST(test_format_round_trips_through_parse),
    TEST(test_from_s_rounds_to_nearest_and_clamps),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_time", tests)
