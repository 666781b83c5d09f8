/* fuzz_scenario — arbitrary bytes as a scenario file, through the program's own path: every key
 * the program knows (kadsim_config_new(), src/program.c), then sim_config_load_file() on the file
 * the input becomes. The input may carry the data files a scenario names: what follows a line
 * "#@matrix" becomes matrix.txt beside the scenario, what follows "#@trace" trace.txt (so
 * "latency_matrix = matrix.txt" and "trace = trace.txt" reach the file readers with the
 * models that use them). What must hold for every input, beyond "no crash, no sanitizer
 * report, no leak":
 *   - a refused scenario is refused with a message that starts with the file's name;
 *   - a scenario holding a NUL byte is refused, and one whose only line ends are CR reads
 *     as the same scenario with LF ends (the same listing, or refused alike);
 *   - an accepted one lists (kadsim --check, run.ini) as text that loads back to the same
 *     listing, byte for byte;
 *   - its [sweep] grid, if any, is refused naming the file, or has from 1 to 1,000,000 runs;
 *   - an accepted one builds a Sim (or is refused by sim_new, again naming the file), which
 *     runs for a bounded while with the clock inside the run and message conservation intact,
 *     and frees cleanly. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz_files.h"
#include "program.h"
#include "protocols.h"
#include "sim.h"
#include "sweep.h"

/* Inputs longer than this teach nothing a shorter one would not, and slow the fuzzer down. */
#define FUZZ_MAX_INPUT 16384
/* The most runs sweep_grid_new() accepts (src/sweep.c RUNS_MAX). */
#define FUZZ_MAX_SWEEP_RUNS 1000000
/* Lines that start the data files carried by an input, and the files they become. */
static const char *const data_markers[] = { "#@matrix\n", "#@trace\n" };
static const char *const data_files[] = { "matrix.txt", "trace.txt" };

/* The resolved listing, written beside the scenario (relative paths resolve alike), loads back
 * to a configuration that lists the same. */
static void check_listing_round_trip(const SimConfig *cfg)
{
    g_autofree char *listing = sim_config_to_data(cfg, "listing");
    g_autofree char *path = fuzz_write("listing.ini", listing, strlen(listing));
    SimConfig *again = kadsim_config_new();
    g_autoptr(GError) error = NULL;
    /* loaded as the program loads a file: the sections of the protocols not chosen hidden */
    if (!sim_config_load_file(again, path, &error) || !kadsim_protocols_check(again, &error)) {
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

/* The [sweep] grid as the program reads it: refused naming the file, or of a sane size. */
static void check_sweep_grid(const SimConfig *cfg, const char *path)
{
    g_auto(GStrv) keys = sim_config_free_section_keys(cfg, "sweep");
    if (!keys[0])
        return;
    guint n = g_strv_length(keys);
    g_autofree char **values = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++)
        values[i] = (char *) sim_config_free_section_value(cfg, "sweep", keys[i]);
    g_autoptr(GError) error = NULL;
    SweepGrid *g = sweep_grid_new(path, keys, values, NULL, &error);
    if (!g) {
        fuzz_expect_error(error, path, NULL, "sweep_grid_new");
        return;
    }
    guint64 runs = (guint64) sweep_grid_points(g) * sweep_grid_replicates(g);
    if (runs < 1 || runs > FUZZ_MAX_SWEEP_RUNS || runs != sweep_grid_runs(g))
        g_error("a sweep grid of %" G_GUINT64_FORMAT " runs was accepted", runs);
    sweep_grid_free(g);
}

/* Build the Sim (at most FUZZ_MAX_NODES hosts), run it a little, check it, free it. */
static void build_and_run(SimConfig *cfg, const char *path)
{
    fuzz_bound_nodes(cfg);
    g_autoptr(GError) error = NULL;
    Sim *sim = sim_new(cfg, kadsim_protocol_of(cfg)->cls, &error);
    if (!sim) {
        fuzz_expect_error(error, path, NULL, "sim_new");
        return;
    }
    fuzz_run_bounded(sim, cfg);
    sim_free(sim);
}

/* The first `needle` in the `size` bytes at `hay` (NUL bytes included), or NULL. */
static const char *find_bytes(const char *hay, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return hay + i;
    return NULL;
}

/* Write the input as fuzz.ini and the data files it carries; returns the scenario's path, and
 * its length in *scenario_size. */
static char *write_input(const char *text, size_t size, size_t *scenario_size)
{
    const char *end = text + size, *scenario_end = end;
    const char *at[G_N_ELEMENTS(data_markers)];
    for (gsize i = 0; i < G_N_ELEMENTS(data_markers); i++) {
        at[i] = find_bytes(text, size, data_markers[i]);
        if (at[i])
            scenario_end = MIN(scenario_end, at[i]);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(data_markers); i++) {
        const char *from = at[i] ? at[i] + strlen(data_markers[i]) : end, *to = end;
        for (gsize j = 0; j < G_N_ELEMENTS(data_markers); j++)
            if (at[j] && at[j] >= from && at[j] < to)
                to = at[j];  /* up to the next marker */
        g_free(fuzz_write(data_files[i], from, (size_t) (to - from)));
    }
    *scenario_size = (size_t) (scenario_end - text);
    return fuzz_write("fuzz.ini", text, *scenario_size);
}

/* An input of CR line ends only reads as its LF twin: accepted alike, with the same listing. */
static void check_cr_line_ends(const char *data, size_t size, const SimConfig *cfg)
{
    g_autofree char *twin = fuzz_lf_twin(data, size);
    if (!twin)
        return;
    size_t scenario_size;
    g_autofree char *path = write_input(twin, size, &scenario_size);
    SimConfig *again = kadsim_config_new();
    gboolean ok = sim_config_load_file(again, path, NULL) && kadsim_protocols_check(again, NULL);
    g_autofree char *a = cfg ? sim_config_to_data(cfg, NULL) : NULL;
    g_autofree char *b = ok ? sim_config_to_data(again, NULL) : NULL;
    if (ok != (cfg != NULL) || (ok && strcmp(a, b) != 0))
        g_error("a scenario with CR line ends reads unlike its LF twin (%s, %s)",
                cfg ? "accepted" : "refused", ok ? "accepted" : "refused");
    sim_config_free(again);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    size_t scenario_size;
    g_autofree char *path = write_input((const char *) data, size, &scenario_size);
    SimConfig *cfg = kadsim_config_new();
    g_autoptr(GError) error = NULL;
    /* as the program loads it: the file, then the protocol's sections checked */
    gboolean ok = sim_config_load_file(cfg, path, &error) && kadsim_protocols_check(cfg, &error);
    if (ok) {
        fuzz_refuse_nul((const char *) data, scenario_size, "a scenario");
        check_listing_round_trip(cfg);
        check_sweep_grid(cfg, path);
    } else {
        fuzz_expect_error(error, path, NULL, "sim_config_load_file");
    }
    check_cr_line_ends((const char *) data, size, ok ? cfg : NULL);
    if (ok)
        build_and_run(cfg, path);
    sim_config_free(cfg);
    return 0;
}
