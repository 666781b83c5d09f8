/* run — one scenario run from the command line: configuration, simulation, results. */
#pragma once

#include <glib.h>

typedef struct {
    const char *scenario;  /* SCENARIO.ini */
    char  *out_dir;        /* -o, or NULL for results/<scenario name> */
    gint64 seed;           /* -s, or -1 */
    char **sets;           /* --set SECTION.KEY=VALUE, NULL-terminated, may be NULL */
    gboolean check_only, force, no_plots, quiet;
} KadsimOptions;

/* Run (or with check_only, validate and list) a scenario; returns the exit status. */
int kadsim_run_main(const KadsimOptions *opt);
