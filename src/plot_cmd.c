/* plot_cmd — kadsim plot (plot_cmd.h). A metric against a swept key is plots/sweep.gp with the
 * options as variables. A metric against a metric needs sweep_summary.csv's rows joined by
 * point, and a convex hull per family: both done here, in C, into sweep_vs_*.csv, which
 * plots/sweep_vs.gp draws (gnuplot cannot join rows, and its hull filter is 6.0's). */
#include "config.h"

#include "plot_cmd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plots.h"
#include "program.h"
#include "sim_atomic.h"
#include "sim_csv.h"

/* What a sweep plots when no --y is given (as a [sweep] without `plot`). */
static const char *const default_metrics[] = { "latency_ms_p50", "hops_mean",
                                               "messages_per_lookup", "lookup_success_rate",
                                               NULL };
/* The columns of sweep_summary.csv after the swept keys: metric,n,mean,sd,ci95_low,ci95_high. */
#define STAT_COLUMNS 6

typedef struct {
    char *dir, *x, *lines, *vs, *fit, *xscale, *name, *where, *title;
    char **y;
    char **rest;
} PlotOptions;

static void options_clear(PlotOptions *o)
{
    g_free(o->x); g_free(o->lines); g_free(o->vs); g_free(o->fit); g_free(o->xscale);
    g_free(o->name); g_free(o->where); g_free(o->title);
    g_strfreev(o->y);
    g_strfreev(o->rest);
}

static int parse_options(int *argc, char ***argv, PlotOptions *o)
{
    GOptionEntry entries[] = {
        { "y", 'y', 0, G_OPTION_ARG_STRING_ARRAY, &o->y,
          "Metric of summary.csv on the y axis (repeatable; default: latency_ms_p50, "
          "hops_mean, messages_per_lookup, lookup_success_rate)", "METRIC" },
        { "x", 'x', 0, G_OPTION_ARG_STRING, &o->x,
          "Swept key on the x axis (default: [sweep] plot_x)", "KEY" },
        { "lines", 'l', 0, G_OPTION_ARG_STRING, &o->lines,
          "Swept key with one line (or family) per value; \"\" for one line "
          "(default: [sweep] plot_lines)", "KEY" },
        { "vs", 0, 0, G_OPTION_ARG_STRING, &o->vs,
          "Plot the y metric against this metric, one point per setting, with the convex "
          "hull of each family of --lines", "METRIC" },
        { "fit", 0, 0, G_OPTION_ARG_STRING, &o->fit,
          "Fitted line per line: log2 (y = a log2 x + b) or linear", "MODEL" },
        { "xscale", 0, 0, G_OPTION_ARG_STRING, &o->xscale,
          "auto (default), category, linear or log", "SCALE" },
        { "where", 0, 0, G_OPTION_ARG_STRING, &o->where,
          "Other swept keys held at these values, \"key=value key=value\"", "KEY=VALUE…" },
        { "name", 0, 0, G_OPTION_ARG_STRING, &o->name,
          "Image name without extension (default: sweep_METRIC, sweep_METRIC_vs_METRIC)",
          "NAME" },
        { "title", 0, 0, G_OPTION_ARG_STRING, &o->title, "Title of the plot", "TEXT" },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->rest, NULL, NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("SWEEP_DIR");
    g_option_context_set_summary(ctx,
        "Draw the plots of a sweep folder (results/NAME of a scenario with [sweep], or of\n"
        "kadsim merge): a metric against a swept key, or against another metric.");
    g_option_context_set_description(ctx,
        "Examples (docs/sweeps.md):\n"
        "  kadsim plot results/course-hops-n --y hops_mean --x nodes --lines k --fit log2\n"
        "  kadsim plot results/course-alpha --y latency_ms_p50 --vs messages_per_lookup\n"
        "Images go into SWEEP_DIR as NAME.png and NAME.svg.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        fprintf(stderr, "kadsim plot: %s\nTry 'kadsim plot --help'.\n", error->message);
        return EXIT_USAGE;
    }
    if (!o->rest || !o->rest[0] || o->rest[1]) {
        fprintf(stderr, "kadsim plot: give one sweep folder, e.g. kadsim plot "
                        "results/sweep-k-alpha\nTry 'kadsim plot --help'.\n");
        return EXIT_USAGE;
    }
    o->dir = o->rest[0];
    if (o->fit && strcmp(o->fit, "log2") != 0 && strcmp(o->fit, "linear") != 0) {
        fprintf(stderr, "kadsim plot: --fit %s: expected log2 or linear\n", o->fit);
        return EXIT_USAGE;
    }
    if (o->vs && (o->fit || o->x || o->xscale || o->where)) {
        fprintf(stderr, "kadsim plot: --vs plots one metric against another at every point of "
                        "the grid: --x, --xscale, --fit and --where do not apply\n");
        return EXIT_USAGE;
    }
    return EXIT_SUCCESS;
}

/* ---- sweep_summary.csv ----------------------------------------------------------------- */

typedef struct {
    char **keys;          /* swept keys, in column order */
    GPtrArray *points;    /* Point* by point number */
} Summary;

typedef struct {
    char **values;        /* one per swept key */
    GHashTable *stats;    /* metric -> double[3]: mean, low, high */
} Point;

static void point_free(gpointer p)
{
    Point *pt = p;
    if (!pt)
        return;
    g_strfreev(pt->values);
    g_hash_table_destroy(pt->stats);
    g_free(pt);
}

static void summary_clear(Summary *s)
{
    g_strfreev(s->keys);
    if (s->points)
        g_ptr_array_free(s->points, TRUE);
}

static double field(const char *text)
{
    return *text ? g_ascii_strtod(text, NULL) : NAN;
}

static gboolean read_summary(const char *dir, Summary *s, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "sweep_summary.csv", NULL), *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return FALSE;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
    guint cols = g_strv_length(head);
    if (cols < 1 + STAT_COLUMNS || strcmp(head[0], "point") != 0) {
        g_set_error(error, KADSIM_USAGE_ERROR, 0, "%s: not a sweep_summary.csv", path);
        return FALSE;
    }
    guint nk = cols - 1 - STAT_COLUMNS;
    s->keys = g_new0(char *, nk + 1);
    for (guint k = 0; k < nk; k++)
        s->keys[k] = g_strdup(head[1 + k]);
    s->points = g_ptr_array_new_with_free_func(point_free);
    for (int i = 1; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
        if (g_strv_length(f) != cols)
            continue;
        guint p = (guint) strtoul(f[0], NULL, 10);
        if (p >= s->points->len)
            g_ptr_array_set_size(s->points, p + 1);
        Point *pt = g_ptr_array_index(s->points, p);
        if (!pt) {
            pt = g_new0(Point, 1);
            pt->values = g_new0(char *, nk + 1);
            for (guint k = 0; k < nk; k++)
                pt->values[k] = g_strdup(f[1 + k]);
            pt->stats = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
            g_ptr_array_index(s->points, p) = pt;
        }
        double *v = g_new(double, 3);
        v[0] = field(f[nk + 3]);
        v[1] = field(f[nk + 5]);
        v[2] = field(f[nk + 6]);
        g_hash_table_insert(pt->stats, g_strdup(f[nk + 1]), v);
    }
    return TRUE;
}

static int key_column(const Summary *s, const char *key)
{
    for (int k = 0; s->keys[k]; k++) {
        const char *dot = strchr(s->keys[k], '.');
        if (strcmp(s->keys[k], key) == 0 || (dot && strcmp(dot + 1, key) == 0))
            return k;
    }
    return -1;
}

/* ---- metric against metric ------------------------------------------------------------- */

typedef struct {
    double x, y;
} Pt;

static double cross(Pt o, Pt a, Pt b)
{
    return (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
}

static gint by_x_then_y(gconstpointer a, gconstpointer b)
{
    const Pt *p = a, *q = b;
    return p->x < q->x ? -1 : p->x > q->x ? 1 : p->y < q->y ? -1 : p->y > q->y;
}

/* The convex hull of pts (sorted in place), closed (first point repeated), by Andrew's
 * monotone chain; fewer than three points are returned as they are. */
static GArray *convex_hull(GArray *pts)
{
    g_array_sort(pts, by_x_then_y);
    guint n = pts->len;
    GArray *h = g_array_new(FALSE, FALSE, sizeof(Pt));
    if (n < 3) {
        g_array_append_vals(h, pts->data, n);
        return h;
    }
    for (int pass = 0; pass < 2; pass++) {
        guint start = h->len;
        for (guint j = 0; j < n; j++) {
            Pt p = g_array_index(pts, Pt, pass ? n - 1 - j : j);
            while (h->len >= start + 2
                   && cross(g_array_index(h, Pt, h->len - 2), g_array_index(h, Pt, h->len - 1),
                            p) <= 0)
                g_array_set_size(h, h->len - 1);
            g_array_append_val(h, p);
        }
        g_array_set_size(h, h->len - 1);  /* the last point starts the other chain */
    }
    g_array_append_val(h, g_array_index(h, Pt, 0));
    return h;
}

/* The label of a point in its family: the swept keys other than the family's, "alpha=3". */
static char *point_label(const Summary *s, const Point *pt, int family)
{
    GString *l = g_string_new(NULL);
    for (int k = 0; s->keys[k]; k++) {
        if (k == family)
            continue;
        const char *dot = strchr(s->keys[k], '.');
        g_string_append_printf(l, "%s%s=%s", l->len ? " " : "", dot ? dot + 1 : s->keys[k],
                               pt->values[k]);
    }
    return g_string_free(l, FALSE);
}

/* sweep_vs.csv: family,label,x,x_low,x_high,y,y_low,y_high, blocks by family; hull.csv: the
 * hull of each family, one block each. Families in order of first appearance, their values
 * into `families`; *drawn_families counts those with a point. */
static gboolean write_vs_tables(const Summary *s, const char *ym, const char *xm, int family,
                                const char *dir, const char *name, GString *families,
                                guint *drawn_families, GError **error)
{
    GPtrArray *fams = g_ptr_array_new();
    for (guint p = 0; p < s->points->len; p++) {
        Point *pt = g_ptr_array_index(s->points, p);
        const char *f = pt && family >= 0 ? pt->values[family] : "";
        if (pt && !g_ptr_array_find_with_equal_func(fams, f, g_str_equal, NULL))
            g_ptr_array_add(fams, (gpointer) f);
    }
    GString *data = g_string_new("# family,label,x,x_low,x_high,y,y_low,y_high\n");
    GString *hulls = g_string_new("# x,y: the convex hull of each family, closed\n");
    guint drawn = 0;
    for (guint f = 0; f < fams->len; f++) {
        GArray *pts = g_array_new(FALSE, FALSE, sizeof(Pt));
        for (guint p = 0; p < s->points->len; p++) {
            Point *pt = g_ptr_array_index(s->points, p);
            if (!pt || (family >= 0 && strcmp(pt->values[family], fams->pdata[f]) != 0))
                continue;
            const double *x = g_hash_table_lookup(pt->stats, xm),
                         *y = g_hash_table_lookup(pt->stats, ym);
            if (!x || !y || isnan(x[0]) || isnan(y[0]))
                continue;
            g_autofree char *label = point_label(s, pt, family);
            g_string_append_printf(data, "\"%s\",\"%s\"", (char *) fams->pdata[f], label);
            for (int i = 0; i < 6; i++) {
                double v = i < 3 ? x[i] : y[i - 3];
                g_string_append_c(data, ',');
                sim_csv_append_real(data, isnan(v) ? (i < 3 ? x[0] : y[0]) : v);
            }
            g_string_append_c(data, '\n');
            Pt q = { x[0], y[0] };
            g_array_append_val(pts, q);
        }
        g_string_append(data, "\n\n");
        GArray *h = convex_hull(pts);
        for (guint i = 0; i < h->len; i++) {
            sim_csv_append_real(hulls, g_array_index(h, Pt, i).x);
            g_string_append_c(hulls, ',');
            sim_csv_append_real(hulls, g_array_index(h, Pt, i).y);
            g_string_append_c(hulls, '\n');
        }
        g_string_append(hulls, "\n\n");
        drawn += pts->len > 0;
        g_string_append_printf(families, "%s%s", f ? " " : "", (char *) fams->pdata[f]);
        g_array_free(h, TRUE);
        g_array_free(pts, TRUE);
    }
    g_ptr_array_free(fams, TRUE);
    *drawn_families = drawn;
    g_autofree char *data_name = g_strdup_printf("%s.csv", name);
    g_autofree char *hull_name = g_strdup_printf("%s_hull.csv", name);
    gboolean ok = sim_atomic_write(dir, data_name, data->str, error)
                  && sim_atomic_write(dir, hull_name, hulls->str, error);
    g_string_free(data, TRUE);
    g_string_free(hulls, TRUE);
    return ok;
}

/* ---- drawing ---------------------------------------------------------------------------- */

/* A gnuplot assignment of a single-quoted string: "; var='text'" ('' for a quote). */
static void append_var(GString *vars, const char *var, const char *text)
{
    if (!text)
        return;
    g_string_append_printf(vars, "%s%s='", vars->len ? "; " : "", var);
    for (const char *p = text; *p; p++)
        g_string_append(vars, *p == '\'' ? "''" : (char[]) { *p, 0 });
    g_string_append_c(vars, '\'');
}

static gboolean draw(const char *dir, const char *script_name, GString *vars, const char *image)
{
    g_autofree char *scripts = kadsim_plot_scripts();
    if (!scripts || !*kadsim_gnuplot()) {
        fprintf(stderr, "kadsim plot: %s\n", scripts ? "gnuplot not found"
                                                     : "plot scripts not found (set "
                                                       "KADSIM_PLOTS_DIR)");
        return FALSE;
    }
    g_autofree char *script = g_build_filename(scripts, script_name, NULL);
    g_autoptr(GError) error = NULL;
    if (!kadsim_plots_run_script(dir, script, vars->str, image, &error)) {
        fprintf(stderr, "kadsim plot: %s\n", error->message);
        return FALSE;
    }
    printf("%s/%s.{png,svg}\n", dir, image);
    return TRUE;
}

static int plot_vs(const PlotOptions *o, const Summary *s, const char *ym)
{
    int family = -1;
    if (o->lines && *o->lines && (family = key_column(s, o->lines)) < 0) {
        fprintf(stderr, "kadsim plot: --lines %s is not a swept key of %s\n", o->lines, o->dir);
        return EXIT_USAGE;
    }
    if (!o->lines && s->keys[0])
        family = 0;
    g_autofree char *name = o->name ? g_strdup(o->name)
                                    : g_strdup_printf("sweep_%s_vs_%s", ym, o->vs);
    g_autoptr(GString) families = g_string_new(NULL);
    g_autoptr(GError) error = NULL;
    guint drawn = 0;
    if (!write_vs_tables(s, ym, o->vs, family, o->dir, name, families, &drawn, &error))
        return kadsim_fail("kadsim plot", error);
    if (!drawn) {
        fprintf(stderr, "kadsim plot: no point of %s has both %s and %s (metrics: see "
                        "sweep_summary.csv)\n", o->dir, ym, o->vs);
        return EXIT_USAGE;
    }
    GString *vars = g_string_new(NULL);
    append_var(vars, "ymetric", ym);
    append_var(vars, "xmetric", o->vs);
    append_var(vars, "data", name);
    append_var(vars, "family_key", family >= 0 ? s->keys[family] : "");
    append_var(vars, "families", families->str);
    append_var(vars, "title", o->title);
    gboolean ok = draw(o->dir, "sweep_vs.gp", vars, name);
    g_string_free(vars, TRUE);
    return ok ? EXIT_SUCCESS : EXIT_RUNTIME;
}

static int plot_against_key(const PlotOptions *o, const Summary *s, const char *ym)
{
    const char *keys[] = { o->x, o->lines };
    for (int i = 0; i < 2; i++)
        if (keys[i] && *keys[i] && key_column(s, keys[i]) < 0) {
            fprintf(stderr, "kadsim plot: %s %s is not a swept key of %s\n",
                    i ? "--lines" : "--x", keys[i], o->dir);
            return EXIT_USAGE;
        }
    GString *vars = g_string_new(NULL);
    append_var(vars, "metric", ym);
    append_var(vars, "x", o->x ? s->keys[key_column(s, o->x)] : NULL);
    append_var(vars, "by", o->lines ? (*o->lines ? s->keys[key_column(s, o->lines)] : "")
                                    : NULL);
    append_var(vars, "fit", o->fit);
    append_var(vars, "xscale", o->xscale);
    append_var(vars, "where", o->where);
    append_var(vars, "title", o->title);
    g_autofree char *name = o->name ? g_strdup(o->name) : g_strdup_printf("sweep_%s", ym);
    append_var(vars, "name", name);
    gboolean ok = draw(o->dir, "sweep.gp", vars, name);
    g_string_free(vars, TRUE);
    return ok ? EXIT_SUCCESS : EXIT_RUNTIME;
}

int kadsim_plot_main(int argc, char **argv)
{
    PlotOptions o = { 0 };
    int status = parse_options(&argc, &argv, &o);
    Summary s = { 0 };
    g_autoptr(GError) error = NULL;
    if (status == EXIT_SUCCESS && !read_summary(o.dir, &s, &error)) {
        fprintf(stderr, "kadsim plot: %s (is %s a sweep folder?)\n", error->message, o.dir);
        status = EXIT_USAGE;
    }
    const char *const *metrics = o.y ? (const char *const *) o.y : default_metrics;
    if (status == EXIT_SUCCESS && o.vs && (!o.y || o.y[1])) {
        fprintf(stderr, "kadsim plot: --vs %s needs one --y METRIC\n", o.vs);
        status = EXIT_USAGE;
    }
    for (int i = 0; status == EXIT_SUCCESS && metrics[i]; i++)
        status = o.vs ? plot_vs(&o, &s, metrics[i]) : plot_against_key(&o, &s, metrics[i]);
    summary_clear(&s);
    options_clear(&o);
    return status;
}
