/* fuzz_scenario — arbitrary bytes as a scenario file, through the program's own path: every key
 * the program knows (kadsim_config_new(), src/run.c), then sim_config_load_data(). What must
 * hold for every input, beyond "no crash, no sanitizer report, no leak":
 *   - a refused scenario is refused with a message that starts with the file's name;
 *   - an accepted one lists (kadsim --check, run.ini) as text that loads back to the same
 *     listing, byte for byte;
 *   - an accepted one builds a Sim (or is refused by sim_new, again naming the file), which
 *     runs for a bounded while with message conservation intact, and frees cleanly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kad.h"
#include "program.h"
#include "sim.h"

/* The name the input is loaded under: every error message must start with it. */
#define FUZZ_SOURCE "fuzz.ini"
/* Inputs longer than this teach nothing a shorter one would not, and slow the fuzzer down. */
#define FUZZ_MAX_INPUT 16384
/* Bounds on a run, so that one input takes milliseconds: hosts, simulated time, events. */
#define FUZZ_MAX_NODES 16
#define FUZZ_MAX_SIM_TIME (10 * SIM_MIN)
#define FUZZ_MAX_EVENTS 4096

static void expect_named_error(const GError *error, const char *where)
{
    if (!error || !g_str_has_prefix(error->message, FUZZ_SOURCE ": ")) {
        fprintf(stderr, "%s: the error does not name the scenario: %s\n", where,
                error ? error->message : "(no GError set)");
        abort();
    }
}

/* The resolved listing loads back to a configuration that lists the same. */
static void check_listing_round_trip(const SimConfig *cfg)
{
    g_autofree char *listing = sim_config_to_data(cfg, "listing");
    SimConfig *again = kadsim_config_new();
    g_autoptr(GError) error = NULL;
    if (!sim_config_load_data(again, FUZZ_SOURCE, listing, &error)) {
        fprintf(stderr, "the resolved listing does not load back: %s\n--- listing:\n%s",
                error->message, listing);
        abort();
    }
    g_autofree char *relisted = sim_config_to_data(again, "listing");
    if (strcmp(listing, relisted) != 0) {
        fprintf(stderr, "the listing changes when loaded back:\n--- first:\n%s--- then:\n%s",
                listing, relisted);
        abort();
    }
    sim_config_free(again);
}

static void stop_after_enough_events(Sim *sim, void *ctx)
{
    if (sim_events_processed(sim) >= FUZZ_MAX_EVENTS)
        sim_request_stop(sim);
}

/* Build the Sim (at most FUZZ_MAX_NODES hosts), run it a little, check it, free it. */
static void build_and_run(SimConfig *cfg)
{
    g_autoptr(GError) error = NULL;
    if (sim_config_get_int(cfg, "simulation", "nodes") > FUZZ_MAX_NODES) {
        g_autofree char *n = g_strdup_printf("%d", FUZZ_MAX_NODES);
        if (!sim_config_set(cfg, "simulation", "nodes", n, "fuzz", &error))
            g_error("cannot bound nodes: %s", error->message);
    }
    Sim *sim = sim_new(cfg, &kad_protocol_class, &error);
    if (!sim) {
        expect_named_error(error, "sim_new");
        return;
    }
    /* With a period of 0 this is called every 4096 events (the run loop's check): the budget. */
    sim_set_progress(sim, stop_after_enough_events, NULL, 0);
    SimTime until = MIN(sim_config_get_duration(cfg, "simulation", "duration"),
                        FUZZ_MAX_SIM_TIME);
    sim_run(sim, until);
    if (!sim_check_conservation(sim, &error))
        g_error("%s", error->message);
    sim_free(sim);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    /* As sim_config_load_file() hands a file's contents on: a NUL-terminated string. */
    char *text = g_strndup((const char *) data, size);
    SimConfig *cfg = kadsim_config_new();
    g_autoptr(GError) error = NULL;
    if (sim_config_load_data(cfg, FUZZ_SOURCE, text, &error)) {
        check_listing_round_trip(cfg);
        build_and_run(cfg);
    } else {
        expect_named_error(error, "sim_config_load_data");
    }
    sim_config_free(cfg);
    g_free(text);
    return 0;
}
