/* plots — drawing: the program's side of the plots. The engine writes tables; this module
 * writes labels.gp (what the plot scripts cannot read from the tables), finds gnuplot and the
 * scripts of plots/, and runs them. Which plots a results folder gets is plots/render.sh's
 * list; every image is written as NAME.tmp and moved into place only when complete. */
#pragma once

#include <glib.h>

#include "sim_results.h"

/* Files in a run's folder that drawing owns (glob patterns): --force replaces them. */
extern const char *const kadsim_plot_files[];

/* $KADSIM_GNUPLOT if set (empty: none), else the gnuplot configure found ("" when none). */
const char *kadsim_gnuplot(void);
/* The folder of the plot scripts: $KADSIM_PLOTS_DIR, plots/ beside the program (a build
 * tree), or the installed copy; NULL when none is found. Caller frees. */
char *kadsim_plot_scripts(void);

/* Append `var = "text"` and a newline to out: a gnuplot string assignment. */
void kadsim_gp_string(GString *out, const char *var, const char *text);

/* labels.gp of a finished run: title, subtitle, message types, times, counts. */
gboolean kadsim_plots_write_labels(const SimResults *res, const char *subtitle, GError **error);

/* Draw a run's folder (plots/render.sh). FALSE with *why_not set when not drawn: by choice or
 * for want of gnuplot (no error), or because drawing failed (*error says why). */
gboolean kadsim_plots_render(const char *dir, gboolean no_plots, const char **why_not,
                             GError **error);

/* Run one plot script: gnuplot -e "dir='DIR'; out_suffix='.tmp'; VARS" SCRIPT, which writes
 * DIR/IMAGE.{png,svg}.tmp; each is moved into place when complete. `vars` may be NULL. */
gboolean kadsim_plots_run_script(const char *dir, const char *script, const char *vars,
                                 const char *image, GError **error);
