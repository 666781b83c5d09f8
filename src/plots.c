#include "config.h"

#include "plots.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sim_atomic.h"
#include "sim_csv.h"

const char *const kadsim_plot_files[] = { "labels.gp", "*.png", "*.svg", "sequence*.md", NULL };

static const char *const image_formats[] = { "png", "svg", NULL };

const char *kadsim_gnuplot(void)
{
    const char *env = g_getenv("KADSIM_GNUPLOT");
    return env ? env : KADSIM_GNUPLOT;
}

/* The folder of the running program (Linux), or NULL. */
static char *program_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    return exe ? g_path_get_dirname(exe) : NULL;
}

char *kadsim_plot_scripts(void)
{
    g_autofree char *here = program_dir();
    g_autofree char *beside = here ? g_build_filename(here, "plots", NULL) : NULL;
    const char *candidates[] = { g_getenv("KADSIM_PLOTS_DIR"), beside,
                                 KADSIM_PKGDATADIR "/plots" };
    for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
        if (!candidates[i])
            continue;
        g_autofree char *probe = g_build_filename(candidates[i], "common.gp", NULL);
        if (g_file_test(probe, G_FILE_TEST_IS_REGULAR))
            return g_strdup(candidates[i]);
    }
    return NULL;
}

void kadsim_gp_string(GString *out, const char *var, const char *text)
{
    g_string_append_printf(out, "%s = \"", var);
    for (const char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p == '\n' ? ' ' : *p);
    }
    g_string_append(out, "\"\n");
}

gboolean kadsim_plots_write_labels(const SimResults *res, const char *subtitle, GError **error)
{
    const Sim *sim = sim_results_sim(res);
    const SimConfig *cfg = sim_config(sim);
    GString *out = g_string_new("# Labels of this results folder, loaded by kadsim's "
                                "plots/*.gp (gnuplot syntax).\n");
    const char *title = sim_config_get_string(cfg, "output", "title");
    g_autofree char *name = sim_config_name(cfg);
    kadsim_gp_string(out, "title", *title ? title : name);
    kadsim_gp_string(out, "subtitle", subtitle ? subtitle : "");
    GString *types = g_string_new(NULL);
    for (guint t = 0; t < sim_results_msg_types(res); t++) {
        g_autofree char *type = sim_csv_column_name(sim_msg_type_name(sim, (uint16_t) t));
        g_string_append_printf(types, "%s%s", t ? " " : "", type);
    }
    kadsim_gp_string(out, "msg_types", types->str);
    g_string_free(types, TRUE);
    g_string_append(out, "warmup_s = ");
    sim_csv_append_real(out, sim_time_to_s(sim_config_get_duration(cfg, "simulation",
                                                                    "warmup")));
    g_string_append(out, "\nend_s = ");
    sim_csv_append_real(out, sim_time_to_s(sim_results_end(res)));
    g_string_append_printf(out, "\npartial = %d\nintervals = %u\n",
                           sim_results_partial(res) ? 1 : 0, sim_results_intervals(res));
    for (int k = 0; k < SIM_OP_KINDS; k++) {  /* successful in the window; all in the run */
        uint64_t ok, total = sim_results_ops(res, k, &ok);
        g_string_append_printf(out, "%s_ok = %" G_GUINT64_FORMAT "\n%s_total = %"
                               G_GUINT64_FORMAT "\n", sim_op_kind_name(k), ok,
                               sim_op_kind_name(k), total);
    }
    gboolean ok = sim_atomic_write(sim_results_dir(res), "labels.gp", out->str, error);
    g_string_free(out, TRUE);
    return ok;
}

/* Run argv, gnuplot or a script (`what` in messages); FALSE with its error output when it
 * failed or complained. */
static gboolean spawn(const char *what, char **argv, char **env, GError **error)
{
    g_autofree char *err_text = NULL;
    int status;
    if (!g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                      NULL, NULL, &err_text, &status, error))
        return FALSE;
    if (g_spawn_check_wait_status(status, NULL) && !*g_strstrip(err_text))
        return TRUE;
    g_set_error(error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s: %s", what,
                *err_text ? err_text : "failed");
    return FALSE;
}

gboolean kadsim_plots_render(const char *dir, gboolean no_plots, const char **why_not,
                             GError **error)
{
    const char *gnuplot = kadsim_gnuplot();
    if (no_plots)
        return *why_not = "--no-plots", FALSE;
    if (!*gnuplot)
        return *why_not = "gnuplot not found", FALSE;
    g_autofree char *scripts = kadsim_plot_scripts();
    if (!scripts)
        return *why_not = "plot scripts not found (set KADSIM_PLOTS_DIR)", FALSE;
    g_autofree char *render = g_build_filename(scripts, "render.sh", NULL);
    char *argv[] = { "sh", render, (char *) dir, NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "GNUPLOT", gnuplot, TRUE);
    if (!spawn(render, argv, env, error))
        return *why_not = "drawing failed", FALSE;
    return TRUE;
}

/* A single-quoted gnuplot string ('' stands for one quote). */
static char *gp_quote(const char *text)
{
    GString *out = g_string_new("'");
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            g_string_append_c(out, '\'');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '\'');
    return g_string_free(out, FALSE);
}

/* A complete image: PNG ends with its IEND chunk, SVG with its closing tag. */
static gboolean image_complete(const char *bytes, gsize len)
{
    static const char png_end[] = "IEND";
    if (len >= 8 && memcmp(bytes, "\x89PNG", 4) == 0)
        return len >= 12 && memcmp(bytes + len - 8, png_end, 4) == 0;
    g_autofree char *tail = g_strndup(bytes + (len > 32 ? len - 32 : 0), MIN(len, 32));
    return strstr(tail, "</svg>") != NULL;
}

gboolean kadsim_plots_run_script(const char *dir, const char *script, const char *vars,
                                 const char *image, GError **error)
{
    g_autofree char *qdir = gp_quote(dir);
    g_autofree char *all_vars = g_strdup_printf("dir=%s; out_suffix='" SIM_TMP_SUFFIX "'%s%s",
                                                qdir, vars ? "; " : "", vars ? vars : "");
    char *argv[] = { (char *) kadsim_gnuplot(), "-e", all_vars, (char *) script, NULL };
    gboolean ok = spawn(script, argv, NULL, error);
    for (int f = 0; image_formats[f]; f++) {
        g_autofree char *name = g_strdup_printf("%s.%s", image, image_formats[f]);
        g_autofree char *tmp = g_strdup_printf("%s/%s" SIM_TMP_SUFFIX, dir, name);
        if (ok)
            ok = sim_atomic_adopt(dir, name, image_complete, error);
        else
            g_unlink(tmp);
    }
    return ok;
}
