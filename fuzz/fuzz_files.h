/* fuzz_files — what the fuzz targets of files share: a folder of the process's own where an
 * input becomes files (a scenario and the data files it names, read through the program's own
 * sim_config_load_file(), relative paths and all), the check that a refusal names what it
 * should, and a bounded run that keeps message conservation. Header-only: each target is one
 * .c file in both builds (libFuzzer and replay), see fuzz/include.am. */
#pragma once

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* Bounds on a run, so that one input takes milliseconds: hosts and events. Simulated time is
 * not bounded: time itself (delays, gaps, sums near the end of representable time) is what
 * some bugs need, and the event budget bounds the work. */
#define FUZZ_MAX_NODES 32
#define FUZZ_MAX_EVENTS 8192

/* The folder, made on first use and removed (with its files) when the process exits. */
static char *fuzz_dir_path;

static void fuzz_dir_remove(void)
{
    GDir *d = g_dir_open(fuzz_dir_path, 0, NULL);
    for (const char *name; d && (name = g_dir_read_name(d));) {
        g_autofree char *p = g_build_filename(fuzz_dir_path, name, NULL);
        g_unlink(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(fuzz_dir_path);
}

static inline const char *fuzz_dir(void)
{
    if (!fuzz_dir_path) {
        fuzz_dir_path = g_dir_make_tmp("kadsim-fuzz-XXXXXX", NULL);
        if (!fuzz_dir_path)
            g_error("cannot make a temporary folder for the fuzz inputs");
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* Write `size` bytes as fuzz_dir()/name; returns the path (caller frees). */
static inline char *fuzz_write(const char *name, const void *data, size_t size)
{
    char *path = g_build_filename(fuzz_dir(), name, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(path, data, (gssize) size, &error))
        g_error("%s", error->message);
    return path;
}

/* A refusal must be a GError whose message starts with `prefix` and holds `needle` (may be
 * NULL); else the target aborts, saying `where`. */
static inline void fuzz_expect_error(const GError *error, const char *prefix, const char *needle,
                                     const char *where)
{
    if (error && g_str_has_prefix(error->message, prefix)
        && (!needle || strstr(error->message, needle)))
        return;
    fprintf(stderr, "%s: the error does not name '%s'%s%s: %s\n", where, prefix,
            needle ? " and " : "", needle ? needle : "", error ? error->message : "(no GError)");
    abort();
}

/* Properties every file reader shares (sim_text_file_read): a file holding a NUL byte is never
 * accepted (it ended the data silently), and a file whose only line ends are CR (old Mac) reads
 * as the same file with LF ends (a scenario was one comment line). The LF twin of `data`, or
 * NULL when it has an LF or no CR (caller frees). */
static inline char *fuzz_lf_twin(const char *data, size_t size)
{
    if (memchr(data, '\n', size) || !memchr(data, '\r', size))
        return NULL;
    char *twin = g_memdup2(data, size);
    for (size_t i = 0; i < size; i++)
        if (twin[i] == '\r')
            twin[i] = '\n';
    return twin;
}

static inline void fuzz_refuse_nul(const char *data, size_t size, const char *what)
{
    if (memchr(data, '\0', size))
        g_error("%s holding a NUL byte was accepted", what);
}

/* Lower nodes to FUZZ_MAX_NODES (the memory checks of sim_new still see the rates). */
static inline void fuzz_bound_nodes(SimConfig *cfg)
{
    if (sim_config_get_int(cfg, "simulation", "nodes") <= FUZZ_MAX_NODES)
        return;
    g_autoptr(GError) error = NULL;
    g_autofree char *n = g_strdup_printf("%d", FUZZ_MAX_NODES);
    if (!sim_config_set(cfg, "simulation", "nodes", n, "fuzz", &error))
        g_error("cannot bound nodes: %s", error->message);
}

static void fuzz_stop_after_enough_events(Sim *sim, void *ctx)
{
    if (sim_events_processed(sim) >= FUZZ_MAX_EVENTS)
        sim_request_stop(sim);
}

/* Run for the scenario's duration or FUZZ_MAX_EVENTS events, whichever comes first; the clock
 * must end where the run stopped, within the duration, and every message must have one fate. */
static inline void fuzz_run_bounded(Sim *sim, const SimConfig *cfg)
{
    /* With a period of 0 this is called every 4096 events (the run loop's check): the budget. */
    sim_set_progress(sim, fuzz_stop_after_enough_events, NULL, 0);
    SimTime until = sim_config_get_duration(cfg, "simulation", "duration");
    sim_run(sim, until);
    if (sim_now(sim) < 0 || sim_now(sim) > until)
        g_error("the clock ended at %" G_GINT64_FORMAT " ns, outside [0, %" G_GINT64_FORMAT "]",
                sim_now(sim), until);
    g_autoptr(GError) error = NULL;
    if (!sim_check_conservation(sim, &error))
        g_error("%s", error->message);
}
