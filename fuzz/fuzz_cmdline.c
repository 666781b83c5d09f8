/* fuzz_cmdline — arbitrary command lines through the program's own option parsing
 * (kadsim_cli_parse, src/cli.c), then, when the line asks for a run, through
 * kadsim_run_main() in --check mode on a fixed scenario: --seed and every --set override go
 * through the same validation as a file. What must hold, beyond "no crash, no sanitizer report,
 * no leak":
 *   - the exit status is 0 or 2 (a usage or scenario error), never anything else;
 *   - the listing that --check prints (the text of run.ini) loads back to itself, line for line
 *     but for comments and blank lines.
 *
 * Input format: the arguments after the program name, separated by NUL bytes. Lines that ask
 * for --help are skipped: GOption prints the help and calls exit(0), which is right for the
 * program and would stop the fuzzer. The scenario file named on the line is replaced by the
 * fixed one (a fuzzer naming /dev/zero would only find that reading it takes forever). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "fuzz.h"

#include <locale.h>

#include "cli.h"
#include "protocols.h"

#define FUZZ_MAX_INPUT 4096
#define FUZZ_MAX_ARGS  32

static const char fixed_scenario[] =
    "[simulation]\nnodes = 20\nduration = 2min\n"
    "[workload]\nlookup_rate = 0.1\n";

static char *work_dir;       /* scenario.ini and listing.ini */
static char *scenario_path;
static char *listing_path;
static char *stdout_path;    /* stdout goes here: the listing is read back from it */

static void remove_work_dir(void)
{
    g_remove(scenario_path);
    g_remove(listing_path);
    g_remove(stdout_path);
    g_rmdir(work_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    setlocale(LC_ALL, "");
    GError *error = NULL;
    work_dir = g_dir_make_tmp("kadsim-fuzz-XXXXXX", &error);
    g_assert_no_error(error);
    scenario_path = g_build_filename(work_dir, "scenario.ini", NULL);
    listing_path = g_build_filename(work_dir, "listing.ini", NULL);
    stdout_path = g_build_filename(work_dir, "stdout", NULL);
    g_file_set_contents(scenario_path, fixed_scenario, -1, &error);
    g_assert_no_error(error);
    fflush(stdout);
    if (!freopen(stdout_path, "w+", stdout))
        g_error("cannot redirect stdout to %s", stdout_path);
    atexit(remove_work_dir);
    return 0;
}

/* GOption's help options: "--help", "--help-all", "--help-GROUP", and h or ? in a cluster of
 * short options ("-qh"). Over-matching only skips a few more inputs. */
static gboolean asks_for_help(const char *arg)
{
    if (g_str_has_prefix(arg, "--"))
        return g_str_has_prefix(arg, "--help");
    return arg[0] == '-' && (strchr(arg, 'h') || strchr(arg, '?'));
}

/* A listing without its comments and blank lines (a single run and a sweep comment theirs
 * differently). Caller frees. */
static char *without_comments(const char *text)
{
    GString *out = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++)
        if (lines[i][0] != '#' && lines[i][0] != '\0')
            g_string_append_printf(out, "%s\n", lines[i]);
    return g_string_free(out, FALSE);
}

/* The listing printed by --check loads back (as a file of its own, as run.ini is rerun) and
 * lists the same. */
static void check_listing_round_trip(const char *listing)
{
    GError *error = NULL;
    g_file_set_contents(listing_path, listing, -1, &error);
    g_assert_no_error(error);
    SimConfig *again = kadsim_config_new();
    /* loaded as the program loads a file: the sections of the protocols not chosen hidden */
    if (!sim_config_load_file(again, listing_path, &error) ||
        !kadsim_protocols_check(again, &error)) {
        fprintf(stderr, "the --check listing does not load back: %s\n--- listing:\n%s",
                error->message, listing);
        abort();
    }
    /* as the program does: the sections of protocols not chosen are not listed */
    kadsim_protocols_select(again, NULL);
    g_autofree char *relisted = sim_config_to_data(again, NULL);
    g_autofree char *first = without_comments(listing), *then = without_comments(relisted);
    if (strcmp(first, then) != 0) {
        fprintf(stderr, "the --check listing changes when loaded back:\n--- first:\n%s"
                "--- then:\n%s", listing, relisted);
        abort();
    }
    sim_config_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    /* argv: "kadsim", then the input's NUL-separated pieces (a trailing NUL ends the last). */
    char *args[FUZZ_MAX_ARGS + 2] = { "kadsim" };
    int argc = 1;
    for (size_t start = 0; start < size && argc <= FUZZ_MAX_ARGS; argc++) {
        const uint8_t *nul = memchr(data + start, 0, size - start);
        size_t len = nul ? (size_t) (nul - data) - start : size - start;
        args[argc] = g_strndup((const char *) data + start, len);
        start += len + 1;
    }
    args[argc] = NULL;
    int n_args = argc;
    gboolean skip = FALSE;
    for (int i = 1; i < n_args; i++)
        skip = skip || asks_for_help(args[i]);

    if (!skip) {
        /* GOption rearranges the array it is given: hand it a copy, free the strings here. */
        char *argv_copy[FUZZ_MAX_ARGS + 2];
        memcpy(argv_copy, args, sizeof args);
        char **argv = argv_copy;
        rewind(stdout);
        if (ftruncate(fileno(stdout), 0) != 0)
            g_error("cannot truncate %s", stdout_path);

        KadsimCommandLine cl = { 0 };
        int status = kadsim_cli_parse(&argc, &argv, &cl);
        gboolean listed = FALSE;
        if (status == KADSIM_CLI_GO_ON) {
            cl.opt.scenario = scenario_path;
            cl.opt.check_only = TRUE;
            status = kadsim_run_main(&cl.opt);
            listed = status == EXIT_SUCCESS;
        }
        kadsim_cli_clear(&cl);
        if (status != EXIT_SUCCESS && status != EXIT_USAGE) {
            fprintf(stderr, "exit status %d: neither 0 nor %d\n", status, EXIT_USAGE);
            abort();
        }
        if (listed) {
            fflush(stdout);
            g_autofree char *listing = NULL;
            GError *error = NULL;
            g_file_get_contents(stdout_path, &listing, NULL, &error);
            g_assert_no_error(error);
            check_listing_round_trip(listing);
        }
    }
    for (int i = 1; i < n_args; i++)
        g_free(args[i]);
    return 0;
}
