/* Tests of sim_config, the scenario schema: every refusal names where (the file or the --set
 * option), the section and the key, and says what is allowed; what is accepted round-trips. */
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cunit_main.h"
#include "sim_config.h"

#define SCENARIO "scenario.ini"

/* A schema with one key of every type, a range, a condition and a free section. */
static const SimCfgKey alpha_keys[] = {
    { "alpha", "count", SIM_CFG_INT, "10", 1, 100, NULL, NULL, "How many" },
    { "alpha", "ratio", SIM_CFG_DOUBLE, "0.5", 0, 1, NULL, NULL, "Share of them" },
    { "alpha", "delay", SIM_CFG_DURATION, "50ms", 0.001, 3600, NULL, NULL, "How long" },
    { "alpha", "enabled", SIM_CFG_BOOL, "false", 0, 0, NULL, NULL, "Whether" },
    { "alpha", "mode", SIM_CFG_CHOICE, "fast", 0, 0, "fast|slow|exact", NULL, "Which way" },
    { "alpha", "slow_factor", SIM_CFG_DOUBLE, "2", 1, 10, NULL, "mode=slow",
      "How much slower (slow mode only)" },
    { "alpha", "label", SIM_CFG_STRING, "", 0, 0, NULL, NULL, "Free text" },
    { "alpha", "table", SIM_CFG_PATH, "", 0, 0, NULL, NULL, "A data file" },
};
static const SimCfgKey beta_keys[] = {
    { "beta", "offset", SIM_CFG_INT, "3", 0, 0, NULL, NULL, "Any whole number" },
};

static SimConfig *schema(void)
{
    SimConfig *cfg = sim_config_new();
    sim_config_declare(cfg, "The alpha part", alpha_keys, G_N_ELEMENTS(alpha_keys));
    sim_config_declare(cfg, "The beta part\nover two lines", beta_keys, G_N_ELEMENTS(beta_keys));
    sim_config_declare_free_section(cfg, "sweep", "Checked elsewhere");
    return cfg;
}

/* Load `text` as SCENARIO; it must fail with a message containing every one of the NULL-ended
 * fragments. */
static void assert_load_fails(const char *text, ...)
{
    SimConfig *cfg = schema();
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_config_load_data(cfg, SCENARIO, text, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_TRUE(g_error_matches(error, SIM_CONFIG_ERROR, 0));
    va_list ap;
    va_start(ap, text);
    for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *)) {
        if (!strstr(error->message, want)) {
            fprintf(stderr, "\nmessage '%s' lacks '%s'\n", error->message, want);
            CU_FAIL("message lacks a fragment");
        }
    }
    va_end(ap);
    g_error_free(error);
    sim_config_free(cfg);
}

static SimConfig *load_ok(const char *text)
{
    SimConfig *cfg = schema();
    GError *error = NULL;
    gboolean ok = sim_config_load_data(cfg, SCENARIO, text, &error);
    if (!ok)
        fprintf(stderr, "\n%s\n", error->message);
    CU_ASSERT_TRUE(ok);
    g_clear_error(&error);
    return cfg;
}

/* Apply `assignment`; it must fail naming the --set option and containing `want`. */
static void assert_override_fails(SimConfig *cfg, const char *assignment, const char *want)
{
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_config_set_override(cfg, assignment, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    g_autofree char *origin = g_strdup_printf("--set %s", assignment);
    if (!strstr(error->message, origin) || !strstr(error->message, want)) {
        fprintf(stderr, "\nmessage '%s' lacks '%s' or '%s'\n", error->message, origin, want);
        CU_FAIL("message lacks a fragment");
    }
    g_error_free(error);
}

static void test_defaults_apply_to_keys_not_given(void)
{
    SimConfig *cfg = load_ok("[alpha]\ncount = 42\n");
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "alpha", "count"), 42);
    CU_ASSERT_EQUAL(sim_config_get_double(cfg, "alpha", "ratio"), 0.5);
    CU_ASSERT_EQUAL(sim_config_get_duration(cfg, "alpha", "delay"), 50 * SIM_MS);
    CU_ASSERT_FALSE(sim_config_get_bool(cfg, "alpha", "enabled"));
    CU_ASSERT_EQUAL(sim_config_get_choice(cfg, "alpha", "mode"), 0);
    CU_ASSERT_STRING_EQUAL(sim_config_get_string(cfg, "alpha", "label"), "");
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "beta", "offset"), 3);
    CU_ASSERT_STRING_EQUAL(sim_config_source(cfg), SCENARIO);
    g_autofree char *name = sim_config_name(cfg);
    CU_ASSERT_STRING_EQUAL(name, "scenario");
    sim_config_free(cfg);
}

static void test_unknown_section_is_refused_with_a_suggestion(void)
{
    assert_load_fails("[alpah]\ncount = 1\n", SCENARIO, "unknown section [alpah]",
                      "did you mean 'alpha'?", NULL);
    assert_load_fails("[zzzzzz]\n", SCENARIO, "unknown section [zzzzzz]", "known: alpha, beta",
                      NULL);
}

static void test_unknown_key_is_refused_with_did_you_mean(void)
{
    assert_load_fails("[alpha]\ncuont = 5\n", SCENARIO, "unknown key 'cuont' in [alpha]",
                      "did you mean 'count'?", NULL);
    assert_load_fails("[alpha]\nwhatever = 5\n", SCENARIO, "unknown key 'whatever' in [alpha]",
                      "known: count, ratio", NULL);
}

static void test_wrong_type_is_refused_naming_file_section_and_key(void)
{
    assert_load_fails("[alpha]\ncount = ten\n", SCENARIO ": [alpha] count:",
                      "'ten' is not a whole number", "from 1 to 100", NULL);
    assert_load_fails("[alpha]\ncount = 2.5\n", SCENARIO ": [alpha] count:", "whole number", NULL);
    assert_load_fails("[alpha]\nratio = half\n", SCENARIO ": [alpha] ratio:",
                      "'half' is not a number", NULL);
    assert_load_fails("[alpha]\nenabled = maybe\n", SCENARIO ": [alpha] enabled:",
                      "'maybe' is not a yes/no value", NULL);
    assert_load_fails("[alpha]\nmode = quick\n", SCENARIO ": [alpha] mode:",
                      "'quick' is not known; allowed: fast, slow, exact", NULL);
    assert_load_fails("[beta]\noffset = 1x\n", SCENARIO ": [beta] offset:",
                      "'1x' is not a whole number", NULL);
}

static void test_inline_comment_gets_a_hint(void)
{
    assert_load_fails("[alpha]\ncount = 5 # five\n", SCENARIO ": [alpha] count:",
                      "comments go on a line of their own", NULL);
}

static void test_out_of_range_is_refused_with_the_range(void)
{
    assert_load_fails("[alpha]\ncount = 101\n", SCENARIO ": [alpha] count:",
                      "101 is out of range; allowed: a whole number from 1 to 100", NULL);
    assert_load_fails("[alpha]\nratio = -0.1\n", SCENARIO ": [alpha] ratio:",
                      "out of range; allowed: a number from 0 to 1", NULL);
    assert_load_fails("[alpha]\ndelay = 2h\n", SCENARIO ": [alpha] delay:",
                      "2h is out of range; allowed: a duration from 1ms to 1h", NULL);
    assert_load_fails("[alpha]\ndelay = 0\n", SCENARIO ": [alpha] delay:", "out of range", NULL);
}

static void test_bad_duration_unit_is_refused(void)
{
    assert_load_fails("[alpha]\ndelay = 50\n", SCENARIO ": [alpha] delay:", "'50'",
                      "the unit is missing", NULL);
    assert_load_fails("[alpha]\ndelay = 50 parsecs\n", SCENARIO ": [alpha] delay:",
                      "units ns, us, ms, s, min, h, d", NULL);
}

static void test_missing_path_file_is_refused(void)
{
    assert_load_fails("[alpha]\ntable = no-such-file.csv\n", SCENARIO ": [alpha] table:",
                      "no-such-file.csv' not found", "scenario file's folder", NULL);
}

static void test_path_resolves_against_the_scenario_folder(void)
{
    g_autofree char *dir = g_dir_make_tmp("kadsim-test-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    g_autofree char *data = g_build_filename(dir, "table.csv", NULL);
    g_autofree char *scenario = g_build_filename(dir, "run.ini", NULL);
    CU_ASSERT_TRUE(g_file_set_contents(data, "a,b\n", -1, NULL));
    CU_ASSERT_TRUE(g_file_set_contents(scenario, "[alpha]\ntable = table.csv\n", -1, NULL));
    SimConfig *cfg = schema();
    GError *error = NULL;
    CU_ASSERT_TRUE(sim_config_load_file(cfg, scenario, &error));
    g_autofree char *path = sim_config_get_path(cfg, "alpha", "table");
    CU_ASSERT_STRING_EQUAL(path, data);
    CU_ASSERT_STRING_EQUAL(sim_config_source(cfg), scenario);
    sim_config_free(cfg);
    g_remove(data);
    g_remove(scenario);
    g_rmdir(dir);
}

static void test_unreadable_scenario_file_is_refused_naming_it(void)
{
    SimConfig *cfg = schema();
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_config_load_file(cfg, "/nonexistent/kadsim.ini", &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "/nonexistent/kadsim.ini"));
    g_error_free(error);
    sim_config_free(cfg);
}

static void test_key_set_outside_its_condition_is_refused(void)
{
    assert_load_fails("[alpha]\nslow_factor = 3\n", SCENARIO ": [alpha] slow_factor:",
                      "applies only when mode = slow", NULL);
    assert_load_fails("[alpha]\nmode = exact\nslow_factor = 3\n",
                      SCENARIO ": [alpha] slow_factor:", "applies only when mode = slow", NULL);
    SimConfig *cfg = load_ok("[alpha]\nslow_factor = 3\nmode = slow\n");  /* any order */
    CU_ASSERT_EQUAL(sim_config_get_double(cfg, "alpha", "slow_factor"), 3.0);
    sim_config_free(cfg);
}

static void test_override_sets_a_value(void)
{
    SimConfig *cfg = load_ok("[alpha]\ncount = 42\n");
    GError *error = NULL;
    CU_ASSERT_TRUE(sim_config_set_override(cfg, "alpha.count=7", &error));
    CU_ASSERT_TRUE(sim_config_set_override(cfg, " alpha . delay = 2s ", &error));
    CU_ASSERT_TRUE(sim_config_set_override(cfg, "sweep.runs=3", &error));
    CU_ASSERT_PTR_NULL(error);
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "alpha", "count"), 7);
    CU_ASSERT_EQUAL(sim_config_get_duration(cfg, "alpha", "delay"), 2 * SIM_S);
    CU_ASSERT_STRING_EQUAL(sim_config_free_section_value(cfg, "sweep", "runs"), "3");
    sim_config_free(cfg);
}

static void test_override_follows_the_same_rules_as_the_file(void)
{
    SimConfig *cfg = load_ok("");
    assert_override_fails(cfg, "alpha.count", "write SECTION.KEY=VALUE");
    assert_override_fails(cfg, "count=5", "write SECTION.KEY=VALUE");
    assert_override_fails(cfg, "gamma.count=5", "unknown section [gamma]");
    assert_override_fails(cfg, "alpha.cuont=5", "did you mean 'count'?");
    assert_override_fails(cfg, "alpha.count=ten", "'ten' is not a whole number");
    assert_override_fails(cfg, "alpha.count=101", "out of range");
    assert_override_fails(cfg, "alpha.delay=5", "the unit is missing");
    assert_override_fails(cfg, "alpha.table=nope.csv", "not found");
    assert_override_fails(cfg, "alpha.slow_factor=3", "applies only when mode = slow");
    /* a line break in a free section's key would break the listing (found by fuzz_cmdline) */
    assert_override_fails(cfg, "sweep.a\rb.c=1", "a key must be on one line");
    assert_override_fails(cfg, "sweep.a\nb.c=1", "a key must be on one line");
    /* A refused override leaves the value as it was. */
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "alpha", "count"), 10);
    sim_config_free(cfg);
}

static void test_override_that_makes_a_file_key_inapplicable_is_refused(void)
{
    SimConfig *cfg = load_ok("[alpha]\nmode = slow\nslow_factor = 3\n");
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_config_set_override(cfg, "alpha.mode=fast", &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    /* The message names the key that no longer applies, where it came from, and the option. */
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, SCENARIO ": [alpha] slow_factor:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "--set alpha.mode=fast"));
    g_error_free(error);
    sim_config_free(cfg);
}

static void test_to_data_loads_back_to_the_same_configuration(void)
{
    SimConfig *cfg = load_ok("[alpha]\ncount = 42\nratio = 0.25\ndelay = 1.5s\nenabled = yes\n"
                             "mode = slow\nslow_factor = 3.5\nlabel = hello world\n"
                             "[beta]\noffset = -5\n[sweep]\nruns = 3\n");
    g_autofree char *text = sim_config_to_data(cfg, "written by a test\nsecond line");
    CU_ASSERT_TRUE(g_str_has_prefix(text, "# written by a test\n# second line\n"));
    SimConfig *back = load_ok(text);
    CU_ASSERT_EQUAL(sim_config_get_int(back, "alpha", "count"), 42);
    CU_ASSERT_EQUAL(sim_config_get_double(back, "alpha", "ratio"), 0.25);
    CU_ASSERT_EQUAL(sim_config_get_duration(back, "alpha", "delay"), 1500 * SIM_MS);
    CU_ASSERT_TRUE(sim_config_get_bool(back, "alpha", "enabled"));
    CU_ASSERT_EQUAL(sim_config_get_choice(back, "alpha", "mode"), 1);
    CU_ASSERT_EQUAL(sim_config_get_double(back, "alpha", "slow_factor"), 3.5);
    CU_ASSERT_STRING_EQUAL(sim_config_get_string(back, "alpha", "label"), "hello world");
    CU_ASSERT_EQUAL(sim_config_get_int(back, "beta", "offset"), -5);
    CU_ASSERT_STRING_EQUAL(sim_config_free_section_value(back, "sweep", "runs"), "3");
    g_autofree char *again = sim_config_to_data(back, "written by a test\nsecond line");
    CU_ASSERT_STRING_EQUAL(again, text);
    sim_config_free(back);
    sim_config_free(cfg);
}

static void test_to_data_of_defaults_leaves_out_keys_that_do_not_apply(void)
{
    SimConfig *cfg = load_ok("");
    g_autofree char *text = sim_config_to_data(cfg, NULL);
    CU_ASSERT_PTR_NULL(strstr(text, "slow_factor"));  /* mode is fast */
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "# How many\n"
                                        "# allowed: a whole number from 1 to 100; default: 10\n"
                                        "count = 10\n"));
    CU_ASSERT_PTR_NULL(strstr(text, "[sweep]"));      /* an empty free section is left out */
    SimConfig *back = load_ok(text);
    g_autofree char *again = sim_config_to_data(back, NULL);
    CU_ASSERT_STRING_EQUAL(again, text);
    sim_config_free(back);
    sim_config_free(cfg);
}

static void test_check_across_keys_names_file_section_and_key(void)
{
    SimConfig *cfg = load_ok("");
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_config_fail(cfg, &error, "alpha", "count", "must be even, not %d", 5));
    CU_ASSERT_STRING_EQUAL(error->message, SCENARIO ": [alpha] count: must be even, not 5");
    g_error_free(error);
    sim_config_free(cfg);
}

/* A check made after loading (a protocol's, a hidden section) names the --set that gave the
 * key last, not the file that no longer holds its value; a reset key is the file's again. */
static void test_check_across_keys_names_the_set_that_gave_the_key(void)
{
    SimConfig *cfg = load_ok("[alpha]\ncount = 4\nratio = 0.25\n");
    GError *error = NULL;
    CU_ASSERT_TRUE_FATAL(sim_config_set_override(cfg, "alpha.count=5", &error));
    CU_ASSERT_FALSE(sim_config_fail(cfg, &error, "alpha", "count", "must be even"));
    CU_ASSERT_STRING_EQUAL(error->message, "--set alpha.count=5: must be even");
    g_clear_error(&error);
    CU_ASSERT_FALSE(sim_config_fail(cfg, &error, "alpha", "ratio", "too small"));
    CU_ASSERT_STRING_EQUAL(error->message, SCENARIO ": [alpha] ratio: too small");
    g_clear_error(&error);
    CU_ASSERT_TRUE_FATAL(sim_config_set_override(cfg, "alpha.count=", &error));
    CU_ASSERT_FALSE(sim_config_fail(cfg, &error, "alpha", "count", "must be odd"));
    CU_ASSERT_STRING_EQUAL(error->message, SCENARIO ": [alpha] count: must be odd");
    g_clear_error(&error);
    CU_ASSERT_FALSE(sim_config_set_override(cfg, "alpha.count=500", &error));  /* refused */
    g_clear_error(&error);
    CU_ASSERT_FALSE(sim_config_fail(cfg, &error, "alpha", "count", "must be odd"));
    CU_ASSERT_STRING_EQUAL(error->message, SCENARIO ": [alpha] count: must be odd");
    g_clear_error(&error);
    sim_config_free(cfg);
}

static void test_scenario_with_a_nul_byte_or_endless_input_is_refused(void)
{
    char *dir = g_dir_make_tmp("kadsim-config-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    char *nul = g_build_filename(dir, "nul.ini", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(nul, "[simulation]\nnodes = 5\0\n", 24, NULL));
    SimConfig *cfg = sim_config_new();
    GError *error = NULL;
    CU_ASSERT_FALSE(sim_config_load_file(cfg, nul, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "line 2 holds a NUL byte"));
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "nul.ini"));
    g_clear_error(&error);
    sim_config_free(cfg);
    cfg = sim_config_new();
    CU_ASSERT_FALSE(sim_config_load_file(cfg, "/dev/zero", &error));  /* endless: capped */
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "larger than"));
    g_clear_error(&error);
    CU_ASSERT_FALSE(sim_config_load_file(cfg, dir, &error));
    CU_ASSERT_PTR_NOT_NULL_FATAL(error);
    CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "folder"));
    g_clear_error(&error);
    sim_config_free(cfg);
    g_unlink(nul);
    g_rmdir(dir);
    g_free(nul);
    g_free(dir);
}

/* Old Mac line ends (CR alone) are line ends: the file means what its lines say (it was read
 * as one line, a comment, and every default ran instead). */
static void test_old_mac_line_ends_are_read_as_lines(void)
{
    SimConfig *cfg = load_ok("# a comment first\r[alpha]\rcount = 7\rmode = slow\r"
                             "slow_factor = 3.5\r");
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "alpha", "count"), 7);
    CU_ASSERT_EQUAL(sim_config_get_choice(cfg, "alpha", "mode"), 1);
    CU_ASSERT_EQUAL(sim_config_get_double(cfg, "alpha", "slow_factor"), 3.5);
    sim_config_free(cfg);
}

/* A CR alone among LF line ends: editors disagree on whether it breaks the line. */
static void test_carriage_return_inside_a_line_is_refused_with_its_line(void)
{
    assert_load_fails("[alpha]\n# a note\rcount = 7\n", SCENARIO ": ",
                      "line 2 holds a carriage return", NULL);
}

/* GKeyFile keeps the last of two values; the first may be the one the user meant. */
static void test_key_given_twice_is_refused_with_both_lines(void)
{
    assert_load_fails("[alpha]\ncount = abc\nratio = 0.1\ncount = 50\n",
                      SCENARIO ": [alpha] count: given twice, on lines 2 and 4", NULL);
    assert_load_fails("[alpha]\ncount=5\n[sweep]\nx = 1\nx = 2\n",
                      SCENARIO ": [sweep] x: given twice, on lines 4 and 5", NULL);
    SimConfig *cfg = load_ok("[alpha]\ncount = 5\n[sweep]\ncount = 6\n");  /* another section */
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "alpha", "count"), 5);
    sim_config_free(cfg);
}

/* A section in two parts (concatenated files) is one section; a key given in both parts is
 * still a key given twice. */
static void test_section_written_twice_merges_but_not_a_key_in_both_parts(void)
{
    SimConfig *cfg = load_ok("[alpha]\ncount = 5\n[beta]\noffset = 1\n[alpha]\nratio = 0.1\n");
    CU_ASSERT_EQUAL(sim_config_get_int(cfg, "alpha", "count"), 5);
    CU_ASSERT_EQUAL(sim_config_get_double(cfg, "alpha", "ratio"), 0.1);
    sim_config_free(cfg);
    assert_load_fails("[alpha]\ncount = 5\n\n[beta]\noffset = 1\n[alpha]\ncount = 6\n",
                      SCENARIO ": [alpha] count: given twice, on lines 2 and 7", NULL);
}

/* The listing (--check, run.ini) says above each key what it accepts and its default. */
static void test_to_data_shows_each_keys_range_or_choices_and_default(void)
{
    SimConfig *cfg = load_ok("[alpha]\ncount = 12\n");
    g_autofree char *text = sim_config_to_data(cfg, NULL);
    static const char *const want[] = {
        "# How many\n# allowed: a whole number from 1 to 100; default: 10\ncount = 12\n",
        "# allowed: a number from 0 to 1; default: 0.5\nratio = 0.5\n",
        "# allowed: a duration from 1ms to 1h; default: 50ms\ndelay = 50ms\n",
        "# allowed: true, false (or yes/no, on/off, 1/0); default: false\nenabled = false\n",
        "# allowed: fast, slow, exact; default: fast\nmode = fast\n",
        "# allowed: any text on one line; default: empty\nlabel = \n",
        "# allowed: a whole number; default: 3\noffset = 3\n",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(want); i++) {
        if (!strstr(text, want[i]))
            fprintf(stderr, "\nlisting lacks:\n%s", want[i]);
        CU_ASSERT_PTR_NOT_NULL(strstr(text, want[i]));
    }
    sim_config_free(cfg);
}

static CU_TestInfo tests[] = {
    TEST(test_defaults_apply_to_keys_not_given),
    TEST(test_unknown_section_is_refused_with_a_suggestion),
    TEST(test_unknown_key_is_refused_with_did_you_mean),
    TEST(test_wrong_type_is_refused_naming_file_section_and_key),
    TEST(test_inline_comment_gets_a_hint),
    TEST(test_out_of_range_is_refused_with_the_range),
    TEST(test_bad_duration_unit_is_refused),
    TEST(test_missing_path_file_is_refused),
    TEST(test_path_resolves_against_the_scenario_folder),
    TEST(test_unreadable_scenario_file_is_refused_naming_it),
    TEST(test_key_set_outside_its_condition_is_refused),
    TEST(test_override_sets_a_value),
    TEST(test_override_follows_the_same_rules_as_the_file),
    TEST(test_override_that_makes_a_file_key_inapplicable_is_refused),
    TEST(test_to_data_loads_back_to_the_same_configuration),
    TEST(test_to_data_of_defaults_leaves_out_keys_that_do_not_apply),
    TEST(test_check_across_keys_names_file_section_and_key),
    TEST(test_check_across_keys_names_the_set_that_gave_the_key),
    TEST(test_scenario_with_a_nul_byte_or_endless_input_is_refused),
    TEST(test_to_data_shows_each_keys_range_or_choices_and_default),
    TEST(test_old_mac_line_ends_are_read_as_lines),
    TEST(test_carriage_return_inside_a_line_is_refused_with_its_line),
    TEST(test_key_given_twice_is_refused_with_both_lines),
    TEST(test_section_written_twice_merges_but_not_a_key_in_both_parts),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_config", tests)
