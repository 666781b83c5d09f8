/* sweep — the grid of a [sweep] section, the sweep folder, and the tables and plots over its
 * runs (sweep.h). The tables are computed only from the runs' summary.csv files as written on
 * disk, in grid order: a sweep run on one machine with any -j and the merge of its shards read
 * the same bytes in the same order, so they write the same bytes. */
#include "config.h"

#include "sweep.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plots.h"
#include "program.h"
#include "sim_atomic.h"
#include "sim_csv.h"
#include "sim_folder.h"
#include "sim_rng.h"
#include "sim_stats.h"

/* Options of [sweep] are the keys without a dot; swept keys are SECTION.KEY. */
#define OPT_REPLICATES "replicates"
#define OPT_PLOT       "plot"
#define OPT_PLOT_X     "plot_x"
#define OPT_PLOT_LINES "plot_lines"
#define OPT_PAIR       "pair"
#define REPLICATES_MAX 10000
/* A bound on the grid so that folder names and memory stay sane; larger is a typo. */
#define RUNS_MAX 1000000
/* What a sweep plots when [sweep] plot is not given. */
static const char default_plots[] = "latency_ms_p50, hops_mean, messages_per_lookup, "
                                    "lookup_success_rate";
/* summary.csv metrics that describe the run rather than measure it: in sweep.csv, not averaged. */
static const char *const not_averaged[] = { "partial", "seed", NULL };

typedef struct {
    char *name;         /* "kademlia.k" */
    char *label;        /* "k", or the full name when two axes share the key */
    char *origin;       /* for messages */
    GPtrArray *values;  /* char*, as given, stripped */
    int leader;         /* paired ([sweep] pair): the axis whose index it follows; -1: free */
} Axis;

struct SweepGrid {
    char *source;
    GPtrArray *axes;    /* Axis* */
    guint points, replicates;
    char **plots;       /* metrics to plot */
    char *plot_x, *plot_lines;  /* axis names; plot_lines "" with one axis */
    char *pairs;        /* [sweep] pair as given ("A, B; C, D"), or NULL */
    char *pairs_origin;
};

G_DEFINE_QUARK(kadsim-sweep-error-quark, sweep_error)

static void axis_free(gpointer p)
{
    Axis *a = p;
    g_free(a->name);
    g_free(a->label);
    g_free(a->origin);
    g_ptr_array_free(a->values, TRUE);
    g_free(a);
}

void sweep_grid_free(SweepGrid *g)
{
    if (!g)
        return;
    g_free(g->source);
    g_ptr_array_free(g->axes, TRUE);
    g_strfreev(g->plots);
    g_free(g->plot_x);
    g_free(g->plot_lines);
    g_free(g->pairs);
    g_free(g->pairs_origin);
    g_free(g);
}

static const Axis *axis_at(const SweepGrid *g, guint i)
{
    return g_ptr_array_index(g->axes, i);
}

/* ---- parsing [sweep] ------------------------------------------------------------------- */

/* "a, b, c" -> [a, b, c], stripped; empty items are an error (a stray comma). */
static GPtrArray *split_list(const char *origin, const char *text, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) items = g_strsplit(text, ",", -1);
    for (int i = 0; items[i]; i++) {
        char *v = g_strstrip(items[i]);
        if (!*v && !items[1] && i == 0)
            break;  /* the whole list is empty */
        if (!*v) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: empty value in '%s' (a stray comma?)",
                        origin, text);
            g_ptr_array_free(out, TRUE);
            return NULL;
        }
        for (guint j = 0; j < out->len; j++)
            if (strcmp(g_ptr_array_index(out, j), v) == 0) {
                g_set_error(error, SWEEP_ERROR, 0, "%s: '%s' is listed twice", origin, v);
                g_ptr_array_free(out, TRUE);
                return NULL;
            }
        g_ptr_array_add(out, g_strdup(v));
    }
    return out;
}

static const Axis *find_axis(const SweepGrid *g, const char *name)
{
    for (guint i = 0; i < g->axes->len; i++) {
        const Axis *a = axis_at(g, i);
        if (strcmp(a->name, name) == 0 || strcmp(a->label, name) == 0)
            return a;
    }
    return NULL;
}

static gboolean parse_option(SweepGrid *g, const char *origin, const char *key,
                             const char *value, GError **error)
{
    if (strcmp(key, OPT_REPLICATES) == 0) {
        char *end;
        errno = 0;
        gint64 n = g_ascii_strtoll(value, &end, 10);
        while (g_ascii_isspace(*end))
            end++;
        if (errno || end == value || *end || n < 1 || n > REPLICATES_MAX) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: '%s' is not allowed; allowed: a whole number "
                        "from 1 to %d", origin, value, REPLICATES_MAX);
            return FALSE;
        }
        g->replicates = (guint) n;
        return TRUE;
    }
    if (strcmp(key, OPT_PLOT) == 0) {
        GPtrArray *list = split_list(origin, value, error);
        if (!list)
            return FALSE;
        for (guint i = 0; i < list->len; i++) {
            const char *m = g_ptr_array_index(list, i);
            for (const char *p = m; *p; p++)
                if (!g_ascii_isalnum(*p) && *p != '_') {
                    g_set_error(error, SWEEP_ERROR, 0, "%s: '%s' is not a metric of summary.csv "
                                "(e.g. latency_ms_p50, docs/output.md)", origin, m);
                    g_ptr_array_free(list, TRUE);
                    return FALSE;
                }
        }
        g_ptr_array_add(list, NULL);
        g_strfreev(g->plots);
        g->plots = (char **) g_ptr_array_free(list, FALSE);
        return TRUE;
    }
    if (strcmp(key, OPT_PAIR) == 0) {  /* resolved once every axis is known: link_pairs() */
        g_free(g->pairs);
        g_free(g->pairs_origin);
        g->pairs = g_strdup(value);
        g->pairs_origin = g_strdup(origin);
        return TRUE;
    }
    if (strcmp(key, OPT_PLOT_X) == 0 || strcmp(key, OPT_PLOT_LINES) == 0) {
        char **slot = strcmp(key, OPT_PLOT_X) == 0 ? &g->plot_x : &g->plot_lines;
        g_free(*slot);
        *slot = g_strstrip(g_strdup(value));
        return TRUE;
    }
    g_set_error(error, SWEEP_ERROR, 0, "%s: unknown; a swept key is written SECTION.KEY = v1, v2, "
                "... (e.g. kademlia.k = 8, 16, 20); options: " OPT_REPLICATES ", " OPT_PAIR ", "
                OPT_PLOT ", " OPT_PLOT_X ", " OPT_PLOT_LINES, origin);
    return FALSE;
}

/* Axis labels: the key alone ("k"), unless two swept keys share it. */
static void make_labels(SweepGrid *g)
{
    for (guint i = 0; i < g->axes->len; i++) {
        Axis *a = g_ptr_array_index(g->axes, i);
        const char *key = strchr(a->name, '.') + 1;
        gboolean shared = FALSE;
        for (guint j = 0; j < g->axes->len; j++) {
            const Axis *b = axis_at(g, j);
            shared |= j != i && strcmp(strchr(b->name, '.') + 1, key) == 0;
        }
        a->label = g_strdup(shared ? a->name : key);
    }
}

/* [sweep] pair = A, B[, C…][; D, E…]: in each group the first swept key leads and the others
 * follow it, value by value (their lists must be as long): they add no points to the grid.
 * OMNeT++'s parallel iteration; e.g. session and down time varied together, so that the
 * number of hosts up stays the same. */
static gboolean link_pairs(SweepGrid *g, GError **error)
{
    if (!g->pairs)
        return TRUE;
    g_auto(GStrv) groups = g_strsplit(g->pairs, ";", -1);
    for (char **group = groups; *group; group++) {
        GPtrArray *names = split_list(g->pairs_origin, *group, error);
        if (!names)
            return FALSE;
        gboolean ok = names->len >= 2;
        if (!ok)
            g_set_error(error, SWEEP_ERROR, 0, "%s: '%s': name two swept keys or more, the "
                        "first leading (e.g. pair = churn.session_mean, churn.downtime_mean)",
                        g->pairs_origin, g_strstrip(*group));
        int lead = -1;
        for (guint i = 0; ok && i < names->len; i++) {
            const char *name = g_ptr_array_index(names, i);
            const Axis *found = find_axis(g, name);
            guint at = 0;
            while (found && axis_at(g, at) != found)
                at++;
            Axis *a = found ? g_ptr_array_index(g->axes, at) : NULL;
            if (!a) {
                g_set_error(error, SWEEP_ERROR, 0, "%s: '%s' is not a swept key",
                            g->pairs_origin, name);
                ok = FALSE;
            } else if (a->leader != -1 || (i > 0 && (int) at == lead)) {
                g_set_error(error, SWEEP_ERROR, 0, "%s: '%s' is paired twice", g->pairs_origin,
                            name);
                ok = FALSE;
            } else if (i == 0) {
                lead = (int) at;
                a->leader = lead;  /* a leader leads itself: no other group may take it */
            } else if (a->values->len != axis_at(g, lead)->values->len) {
                g_set_error(error, SWEEP_ERROR, 0, "%s: %s has %u values and %s %u: paired keys "
                            "take one value each per point", g->pairs_origin, a->name,
                            a->values->len, axis_at(g, lead)->name,
                            axis_at(g, lead)->values->len);
                ok = FALSE;
            } else {
                a->leader = lead;
            }
        }
        g_ptr_array_free(names, TRUE);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

/* Does axis i add points to the grid (free, or leading a pair)? */
static gboolean axis_counts(const SweepGrid *g, guint i)
{
    const Axis *a = axis_at(g, i);
    return a->leader == -1 || a->leader == (int) i;
}

/* Are axes a and b paired with each other (the same group)? */
static gboolean same_group(const SweepGrid *g, const Axis *a, const Axis *b)
{
    return a == b || (a->leader != -1 && a->leader == b->leader);
}

/* plot_x, plot_lines: named axes (by name or label), or defaults: x the last axis, lines the
 * first other one. Stored as full names. */
static gboolean resolve_plot_axes(SweepGrid *g, GError **error)
{
    guint n = g->axes->len;
    const Axis *x = g->plot_x ? find_axis(g, g->plot_x) : n ? axis_at(g, n - 1) : NULL;
    if (g->plot_x && !x) {
        g_set_error(error, SWEEP_ERROR, 0, "%s: [sweep] " OPT_PLOT_X ": '%s' is not a swept key",
                    g->source, g->plot_x);
        return FALSE;
    }
    const Axis *lines = NULL;
    if (g->plot_lines && *g->plot_lines) {
        lines = find_axis(g, g->plot_lines);
        if (!lines || lines == x) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: [sweep] " OPT_PLOT_LINES ": '%s' is not a "
                        "swept key other than " OPT_PLOT_X, g->source, g->plot_lines);
            return FALSE;
        }
    } else if (!g->plot_lines) {
        for (guint i = 0; i < n && !lines; i++)
            if (!x || !same_group(g, axis_at(g, i), x))  /* a partner of x: one point a line */
                lines = axis_at(g, i);
    }
    g_free(g->plot_x);
    g_free(g->plot_lines);
    g->plot_x = g_strdup(x ? x->name : "");
    g->plot_lines = g_strdup(lines ? lines->name : "");
    return TRUE;
}

SweepGrid *sweep_grid_new(const char *source, char **keys, char **values, char **origins,
                          GError **error)
{
    SweepGrid *g = g_new0(SweepGrid, 1);
    g->source = g_strdup(source);
    g->axes = g_ptr_array_new_with_free_func(axis_free);
    g->replicates = 1;
    g->plots = NULL;
    for (guint i = 0; keys[i]; i++) {
        g_autofree char *origin = origins && origins[i]
            ? g_strdup(origins[i]) : g_strdup_printf("%s: [sweep] %s", source, keys[i]);
        const char *dot = strchr(keys[i], '.');
        if (!dot) {
            if (!parse_option(g, origin, keys[i], values[i], error))
                goto fail;
            continue;
        }
        if (dot == keys[i] || !dot[1] || strchr(dot + 1, '.')) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: a swept key is written SECTION.KEY "
                        "(e.g. kademlia.k)", origin);
            goto fail;
        }
        if (strcmp(keys[i], "simulation.seed") == 0) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: seeds are not swept; use replicates = N "
                        "(each replicate gets its own seed, docs/sweeps.md)", origin);
            goto fail;
        }
        GPtrArray *list = split_list(origin, values[i], error);
        if (!list)
            goto fail;
        if (list->len == 0) {  /* an empty list (e.g. --set sweep.kademlia.k=) sweeps nothing */
            g_ptr_array_free(list, TRUE);
            continue;
        }
        Axis *a = g_new0(Axis, 1);
        a->leader = -1;
        a->name = g_strdup(keys[i]);
        a->origin = g_strdup(origin);
        a->values = list;
        g_ptr_array_add(g->axes, a);
    }
    make_labels(g);
    if (!link_pairs(g, error))
        goto fail;
    /* The bound is checked at each axis, before the product can overflow: eight lists of 256
     * values made 2^64 points, that is 0, and other grids wrapped to a few hundred. */
    guint64 points = 1;
    for (guint i = 0; i < g->axes->len; i++) {
        if (!axis_counts(g, i))
            continue;
        guint64 n = axis_at(g, i)->values->len;  /* points <= RUNS_MAX: no overflow */
        if (points * n > RUNS_MAX / g->replicates) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: [sweep]: %s%" G_GUINT64_FORMAT " points × "
                        "%u replicates is more than %d runs", source,
                        i + 1 < g->axes->len ? "at least " : "", points * n, g->replicates,
                        RUNS_MAX);
            goto fail;
        }
        points *= n;
    }
    g->points = (guint) points;
    if (!g->plots)
        g->plots = g_strsplit(default_plots, ", ", -1);
    if (!resolve_plot_axes(g, error))
        goto fail;
    return g;
fail:
    sweep_grid_free(g);
    return NULL;
}

guint sweep_grid_axes(const SweepGrid *g) { return g->axes->len; }
const char *sweep_grid_axis_name(const SweepGrid *g, guint i) { return axis_at(g, i)->name; }
guint sweep_grid_points(const SweepGrid *g) { return g->points; }
guint sweep_grid_replicates(const SweepGrid *g) { return g->replicates; }
guint sweep_grid_runs(const SweepGrid *g) { return g->points * g->replicates; }
const char *sweep_grid_origin(const SweepGrid *g, guint i) { return axis_at(g, i)->origin; }

const char *sweep_grid_value(const SweepGrid *g, guint point, guint axis)
{
    /* mixed radix over the axes that count, the last fastest; a follower takes its leader's
     * index */
    const Axis *a = axis_at(g, axis);
    guint digit = a->leader == -1 ? axis : (guint) a->leader;
    for (guint i = g->axes->len; i-- > digit + 1;)
        if (axis_counts(g, i))
            point /= axis_at(g, i)->values->len;
    return g_ptr_array_index(a->values, point % a->values->len);
}

static int digits(guint n)
{
    int d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* A value in a folder name: letters, digits and . + - kept, anything else '_'. */
static void append_safe(GString *s, const char *text)
{
    for (const char *p = text; *p; p++)
        g_string_append_c(s, g_ascii_isalnum(*p) || strchr(".+-", *p) ? *p : '_');
}

char *sweep_grid_run_name(const SweepGrid *g, guint run)
{
    guint point = run / g->replicates, rep = run % g->replicates;
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "p%0*u", digits(g->points - 1), point);
    for (guint i = 0; i < g->axes->len; i++) {
        g_string_append_printf(s, "_%s=", axis_at(g, i)->label);
        append_safe(s, sweep_grid_value(g, point, i));
    }
    g_string_append_printf(s, "_r%0*u", digits(g->replicates - 1), rep);
    return g_string_free(s, FALSE);
}

uint64_t sweep_replicate_seed(uint64_t master, guint replicate)
{
    if (replicate == 0)
        return master;
    SimRngState st;
    sim_rng_state_init(&st, master, sim_rng_stream_id("replicate", replicate));
    return sim_rng_state_next(&st) >> 11;  /* 53 bits: [simulation] seed's range */
}

gboolean sweep_parse_shard(const char *text, guint *index, guint *count, GError **error)
{
    char *end;
    errno = 0;
    guint64 i = g_ascii_strtoull(text, &end, 10);
    gboolean ok = !errno && end != text && *end == '/' && g_ascii_isdigit(text[0]);
    const char *second = end + 1;
    guint64 n = ok ? g_ascii_strtoull(second, &end, 10) : 0;
    ok = ok && !errno && end != second && !*end && g_ascii_isdigit(second[0]) && n >= 1
         && n <= G_MAXUINT && i <= G_MAXUINT;
    if (!ok) {
        g_set_error(error, SWEEP_ERROR, 0, "--shard %s: write I/N with whole numbers, N >= 1 "
                    "(e.g. --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)", text);
        return FALSE;
    }
    *index = (guint) i;
    *count = (guint) n;
    return TRUE;
}

gboolean sweep_shard_has(guint run, guint index, guint count)
{
    /* Shard 1 takes run 0: I counts from 1 (Slurm --array=1-N, GNU parallel {#}); and as any N
     * consecutive I cover every residue, I counting from 0 (--array=0-N-1) works too. */
    return run % count == (index % count + count - 1) % count;
}

/* ---- the folder ------------------------------------------------------------------------ */

/* The files of a sweep folder itself that --force replaces (the plots are sweep_*.png/svg). */
static const char *const sweep_signature[] = { SWEEP_INI, NULL };
static const char *const sweep_owned[] = {
    SWEEP_INI, SWEEP_SHARD, "sweep.csv", "sweep_summary.csv", "sweep_labels.gp", "sweep_*.png",
    "sweep_*.svg", NULL,
};
static const char partial_text[] =
    "This sweep folder is incomplete: kadsim started the sweep and did not finish it.\n"
    "If no kadsim is running on it, it failed or was stopped; runs/ holds the runs that were\n"
    "made (each with its own PARTIAL when incomplete). Run the sweep again with --force.\n";
static const SimFolderKind sweep_folder = { "sweep", sweep_signature, sweep_owned, partial_text };

gboolean sweep_open_folder(const char *dir, gboolean force, GError **error)
{
    if (!sim_folder_open(dir, &sweep_folder, NULL, force, error))
        return FALSE;
    g_autofree char *runs = g_build_filename(dir, SWEEP_RUNS, NULL);
    if (g_mkdir_with_parents(runs, 0777) != 0)
        return sim_file_error(error, runs, errno);
    return TRUE;
}

/* ---- reading the runs back --------------------------------------------------------------- */

/* summary.csv of one run: metric names and value fields as written. */
typedef struct {
    GPtrArray *names, *values;  /* char* */
} RunSummary;

static void run_summary_clear(RunSummary *s)
{
    if (s->names)
        g_ptr_array_free(s->names, TRUE);
    if (s->values)
        g_ptr_array_free(s->values, TRUE);
}

static gboolean read_summary(const char *dir, const char *run, RunSummary *s, GError **error)
{
    g_autofree char *path = g_build_filename(dir, SWEEP_RUNS, run, "summary.csv", NULL);
    g_autofree char *partial = g_build_filename(dir, SWEEP_RUNS, run, SIM_PARTIAL, NULL);
    g_autofree char *text = NULL;
    if (g_file_test(partial, G_FILE_TEST_EXISTS)) {
        g_set_error(error, SWEEP_ERROR, 0, "%s/%s/%s: the run is incomplete (PARTIAL)", dir,
                    SWEEP_RUNS, run);
        return FALSE;
    }
    GError *ferr = NULL;
    if (!g_file_get_contents(path, &text, NULL, &ferr)) {
        g_set_error(error, SWEEP_ERROR, 0, "%s", ferr->message);
        g_error_free(ferr);
        return FALSE;
    }
    s->names = g_ptr_array_new_with_free_func(g_free);
    s->values = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 1; lines[i]; i++) {  /* line 0 is the header */
        if (!*lines[i])
            continue;
        g_auto(GStrv) f = g_strsplit(lines[i], ",", 3);
        if (!f[0] || !f[1]) {
            g_set_error(error, SWEEP_ERROR, 0, "%s: line %d is not metric,value,...", path, i + 1);
            return FALSE;
        }
        g_ptr_array_add(s->names, g_strdup(f[0]));
        g_ptr_array_add(s->values, g_strdup(f[1]));
    }
    return TRUE;
}

static const char *summary_value(const RunSummary *s, const char *name)
{
    for (guint i = 0; i < s->names->len; i++)
        if (strcmp(g_ptr_array_index(s->names, i), name) == 0)
            return g_ptr_array_index(s->values, i);
    return NULL;
}

static gboolean in_list(const char *const *list, const char *name)
{
    for (; *list; list++)
        if (strcmp(*list, name) == 0)
            return TRUE;
    return FALSE;
}


/* ---- the tables ------------------------------------------------------------------------ */

static void append_point_columns(GString *out, const SweepGrid *g, guint point)
{
    for (guint a = 0; a < g->axes->len; a++)
        g_string_append_printf(out, ",%s", sweep_grid_value(g, point, a));
}

/* The count a rate of summary.csv is a proportion of, or NULL when name is not a rate.
 * lookup_correct_rate is a proportion of the lookups whose correctness was known, a count
 * summary.csv does not give: all lookups stand in for it (the same number without churn). */
static const char *rate_count(const char *name)
{
    static const struct { const char *rate, *count; } rates[] = {
        { "join_success_rate", "join_ops" },     { "lookup_success_rate", "lookups" },
        { "lookup_correct_rate", "lookups" },    { "store_success_rate", "stores" },
        { "get_success_rate", "gets" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(rates); i++)
        if (strcmp(rates[i].rate, name) == 0)
            return rates[i].count;
    return NULL;
}

/* A rate over the replicates of a point: the pooled proportion (all successes over all
 * operations) with Wilson's interval. Student's t on the replicates' rates was rejected: near
 * 1, where success rates live, it left [0, 1] (ci95_high 1.00092 in sweep-k-alpha). */
static SimEstimate pooled_rate(const RunSummary *runs, guint n_runs, const char *rate,
                               const char *count)
{
    double ok = 0, total = 0;
    for (guint r = 0; r < n_runs; r++) {
        const char *v = summary_value(&runs[r], rate), *c = summary_value(&runs[r], count);
        if (!v || !*v || !c || !*c)
            continue;
        double n = g_ascii_strtod(c, NULL);
        ok += round(g_ascii_strtod(v, NULL) * n);
        total += n;
    }
    return sim_stats_proportion_ci((uint64_t) ok, (uint64_t) total);
}

/* sweep_summary.csv rows of one point: per metric, the mean over the replicates that have a
 * value, with Student's t interval; for a rate, the pooled proportion and Wilson's interval. */
static void append_point_summary(GString *out, const SweepGrid *g, guint point,
                                 const RunSummary *runs, const GPtrArray *metrics)
{
    double *x = g_new(double, g->replicates);
    const RunSummary *mine = &runs[point * g->replicates];
    for (guint m = 0; m < metrics->len; m++) {
        const char *name = g_ptr_array_index(metrics, m);
        if (in_list(not_averaged, name))
            continue;
        guint n = 0;
        for (guint r = 0; r < g->replicates; r++) {
            const char *v = summary_value(&mine[r], name);
            if (v && *v)
                x[n++] = g_ascii_strtod(v, NULL);
        }
        double mean = n ? gsl_stats_mean(x, 1, n) : NAN;
        double sd = n > 1 ? gsl_stats_sd_m(x, 1, n, mean) : NAN;
        const char *count = rate_count(name);
        SimEstimate e = count && n ? pooled_rate(mine, g->replicates, name, count)
                                   : sim_stats_mean_ci(mean, sd, n);
        if (count && n)
            mean = e.value;
        /* latencies, hops, counts: a metric no replicate gave below 0 is never negative, and
         * Student's t interval of two or three replicates can reach below 0: cut it there */
        if (n && gsl_stats_min(x, 1, n) >= 0 && e.low < 0)
            e.low = 0;
        g_string_append_printf(out, "%u", point);
        append_point_columns(out, g, point);
        g_string_append_printf(out, ",%s,%u,", name, n);
        sim_csv_append_real(out, mean);
        g_string_append_c(out, ',');
        sim_csv_append_real(out, sd);
        g_string_append_c(out, ',');
        sim_csv_append_real(out, e.low);
        g_string_append_c(out, ',');
        sim_csv_append_real(out, e.high);
        g_string_append_c(out, '\n');
    }
    g_free(x);
}

/* The value of a swept key as a number for a numeric axis: a plain number, or a duration in
 * seconds ("30min" -> 1800); FALSE for anything else (a model name). */
static gboolean axis_number(const char *text, double *out, gboolean *is_duration)
{
    char *end = NULL;
    *out = g_ascii_strtod(text, &end);
    if (*text && end && !*end && isfinite(*out))
        return TRUE;
    SimTime t;
    if (!sim_time_parse(text, &t, NULL))
        return FALSE;
    *out = sim_time_to_s(t);
    *is_duration = TRUE;
    return TRUE;
}

/* sweep_numbers[a]: the values of axis a as numbers, or "" when one is not a number;
 * sweep_units[a]: "s" for durations, "" otherwise. plots/sweep.gp draws numeric axes. */
static void append_axis_numbers(GString *out, const SweepGrid *g)
{
    guint n = MAX(g->axes->len, 1);
    g_string_append_printf(out, "array sweep_numbers[%u]\narray sweep_units[%u]\n", n, n);
    for (guint a = 0; a < g->axes->len; a++) {
        const GPtrArray *v = axis_at(g, a)->values;
        GString *list = g_string_new(NULL);
        gboolean numeric = TRUE, duration = FALSE;
        for (guint i = 0; numeric && i < v->len; i++) {
            double x;
            numeric = axis_number(g_ptr_array_index(v, i), &x, &duration);
            if (numeric) {
                g_string_append(list, i ? " " : "");
                sim_csv_append_real(list, x);
            }
        }
        g_autofree char *var = g_strdup_printf("sweep_numbers[%u]", a + 1);
        kadsim_gp_string(out, var, numeric ? list->str : "");
        g_autofree char *unit = g_strdup_printf("sweep_units[%u]", a + 1);
        kadsim_gp_string(out, unit, numeric && duration ? "s" : "");
        g_string_free(list, TRUE);
    }
}

/* sweep_labels.gp: what plots/sweep.gp needs besides sweep_summary.csv. */
static char *labels_gp(const SweepGrid *g, const char *ini)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_key_file_load_from_data(kf, ini, (gsize) -1, G_KEY_FILE_NONE, NULL);
    g_autofree char *title = g_key_file_get_value(kf, "output", "title", NULL);
    GPtrArray *skip = g_ptr_array_new();
    for (guint a = 0; a < g->axes->len; a++)
        g_ptr_array_add(skip, axis_at(g, a)->name);
    g_ptr_array_add(skip, NULL);
    g_autofree char *params = kadsim_subtitle(ini, (const char *const *) skip->pdata, FALSE);
    g_ptr_array_free(skip, TRUE);
    g_autofree char *subtitle = g_strdup_printf("%s; mean of %u replicate%s, 95%% CI: "
                                                "Student t, rates Wilson (pooled)", params,
                                                g->replicates,
                                                g->replicates == 1 ? "" : "s");
    GString *out = g_string_new("# Labels of this sweep folder, loaded by kadsim's "
                                "plots/sweep.gp (gnuplot syntax).\n");
    kadsim_gp_string(out, "title", title ? title : "");
    kadsim_gp_string(out, "subtitle", subtitle);
    g_string_append_printf(out, "points = %u\nreplicates = %u\n", g->points, g->replicates);
    GString *keys = g_string_new(NULL), *labels = g_string_new(NULL);
    for (guint a = 0; a < g->axes->len; a++) {
        g_string_append_printf(keys, "%s%s", a ? " " : "", axis_at(g, a)->name);
        g_string_append_printf(labels, "%s%s", a ? " " : "", axis_at(g, a)->label);
    }
    kadsim_gp_string(out, "sweep_keys", keys->str);
    kadsim_gp_string(out, "sweep_labels", labels->str);
    g_string_free(keys, TRUE);
    g_string_free(labels, TRUE);
    g_string_append_printf(out, "array sweep_values[%u]\n", MAX(g->axes->len, 1));
    for (guint a = 0; a < g->axes->len; a++) {
        const GPtrArray *v = axis_at(g, a)->values;
        GString *list = g_string_new(NULL);
        for (guint i = 0; i < v->len; i++)
            g_string_append_printf(list, "%s%s", i ? " " : "",
                                   (const char *) g_ptr_array_index(v, i));
        g_autofree char *var = g_strdup_printf("sweep_values[%u]", a + 1);
        kadsim_gp_string(out, var, list->str);
        g_string_free(list, TRUE);
    }
    append_axis_numbers(out, g);
    kadsim_gp_string(out, "plot_x", g->plot_x);
    kadsim_gp_string(out, "plot_lines", g->plot_lines);
    /* swept keys on neither axis (nor paired with one) are held at their first value */
    GString *where = g_string_new(NULL);
    const Axis *x = find_axis(g, g->plot_x), *lines = *g->plot_lines ? find_axis(g, g->plot_lines)
                                                                      : NULL;
    for (guint a = 0; a < g->axes->len; a++) {
        const Axis *ax = axis_at(g, a);
        if ((!x || !same_group(g, ax, x)) && (!lines || !same_group(g, ax, lines)))
            g_string_append_printf(where, "%s%s=%s", where->len ? " " : "", ax->name,
                                   (const char *) g_ptr_array_index(ax->values, 0));
    }
    kadsim_gp_string(out, "plot_where", where->str);
    g_string_free(where, TRUE);
    return g_string_free(out, FALSE);
}

gboolean sweep_write_tables(const SweepGrid *g, const char *dir, const char *ini, GError **error)
{
    guint n = sweep_grid_runs(g);
    RunSummary *runs = g_new0(RunSummary, n);
    GPtrArray *metrics = g_ptr_array_new();  /* union of the runs' metrics, in first-seen order */
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    gboolean ok = TRUE;
    for (guint r = 0; ok && r < n; r++) {
        g_autofree char *name = sweep_grid_run_name(g, r);
        ok = read_summary(dir, name, &runs[r], error);
        for (guint i = 0; ok && i < runs[r].names->len; i++) {
            char *m = g_ptr_array_index(runs[r].names, i);
            if (g_hash_table_add(seen, m))
                g_ptr_array_add(metrics, m);
        }
    }
    g_hash_table_destroy(seen);
    if (ok) {
        GString *csv = g_string_new("run,point,replicate");
        for (guint a = 0; a < g->axes->len; a++)
            g_string_append_printf(csv, ",%s", axis_at(g, a)->name);
        for (guint m = 0; m < metrics->len; m++)
            g_string_append_printf(csv, ",%s", (const char *) g_ptr_array_index(metrics, m));
        g_string_append_c(csv, '\n');
        for (guint r = 0; r < n; r++) {
            g_autofree char *name = sweep_grid_run_name(g, r);
            guint point = r / g->replicates;
            g_string_append_printf(csv, "%s,%u,%u", name, point, r % g->replicates);
            append_point_columns(csv, g, point);
            for (guint m = 0; m < metrics->len; m++) {
                const char *v = summary_value(&runs[r], g_ptr_array_index(metrics, m));
                g_string_append_printf(csv, ",%s", v ? v : "");
            }
            g_string_append_c(csv, '\n');
        }
        GString *sum = g_string_new("point");
        for (guint a = 0; a < g->axes->len; a++)
            g_string_append_printf(sum, ",%s", axis_at(g, a)->name);
        g_string_append(sum, ",metric,n,mean,sd,ci95_low,ci95_high\n");
        for (guint p = 0; p < g->points; p++)
            append_point_summary(sum, g, p, runs, metrics);
        g_autofree char *labels = labels_gp(g, ini);
        ok = sim_atomic_write(dir, "sweep.csv", csv->str, error)
             && sim_atomic_write(dir, "sweep_summary.csv", sum->str, error)
             && sim_atomic_write(dir, "sweep_labels.gp", labels, error);
        g_string_free(csv, TRUE);
        g_string_free(sum, TRUE);
    }
    g_ptr_array_free(metrics, TRUE);
    for (guint r = 0; r < n; r++)
        run_summary_clear(&runs[r]);
    g_free(runs);
    return ok;
}

/* ---- plots ----------------------------------------------------------------------------- */

gboolean sweep_render_plots(const SweepGrid *g, const char *dir, gboolean no_plots,
                            const char **why_not)
{
    const char *gnuplot = kadsim_gnuplot();
    if (no_plots)
        return *why_not = "--no-plots", FALSE;
    if (!*gnuplot)
        return *why_not = "gnuplot not found", FALSE;
    if (!*g->plot_x)
        return *why_not = "nothing is swept", FALSE;
    g_autofree char *scripts = kadsim_plot_scripts();
    if (!scripts)
        return *why_not = "plot scripts not found (set KADSIM_PLOTS_DIR)", FALSE;
    g_autofree char *script = g_build_filename(scripts, "sweep.gp", NULL);
    gboolean ok = TRUE;
    for (int i = 0; g->plots[i]; i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *vars = g_strdup_printf("metric='%s'", g->plots[i]);
        g_autofree char *image = g_strdup_printf("sweep_%s", g->plots[i]);
        if (!kadsim_plots_run_script(dir, script, vars, image, &error)) {
            fprintf(stderr, "kadsim: warning: sweep plot not rendered: %s\n", error->message);
            *why_not = "gnuplot failed";
            ok = FALSE;
        }
    }
    return ok;
}

/* ---- what the user sees ---------------------------------------------------------------- */

void sweep_print_summary(const SweepGrid *g, const char *dir, gboolean plotted,
                         const char *why_not)
{
    g_autofree char *path = g_build_filename(dir, "sweep_summary.csv", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    guint na = g->axes->len;
    /* header line: point, axes, then one column per plotted metric */
    printf("  %-6s", "point");
    for (guint a = 0; a < na; a++)
        printf(" %10s", axis_at(g, a)->label);
    for (int m = 0; g->plots[m]; m++)
        printf("  %22s", g->plots[m]);
    printf("\n");
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint p = 0; p < g->points; p++) {
        printf("  %-6u", p);
        for (guint a = 0; a < na; a++)
            printf(" %10s", sweep_grid_value(g, p, a));
        for (int m = 0; g->plots[m]; m++) {
            char cell[64] = "-";
            for (int i = 1; lines[i]; i++) {
                g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
                if (g_strv_length(f) != na + 7 || strtoul(f[0], NULL, 10) != p
                    || strcmp(f[na + 1], g->plots[m]) != 0)
                    continue;
                if (!*f[na + 3])
                    break;
                double mean = g_ascii_strtod(f[na + 3], NULL);
                double hi = *f[na + 6] ? g_ascii_strtod(f[na + 6], NULL) : NAN;
                if (isnan(hi))
                    g_snprintf(cell, sizeof cell, "%.4g", mean);
                else
                    g_snprintf(cell, sizeof cell, "%.4g ± %.3g", mean, hi - mean);
                break;
            }
            printf("  %22s", cell);
        }
        printf("\n");
    }
    printf("  (mean over the replicates ± half-width of its 95%% interval: Student t, rates "
           "Wilson over the pooled counts; sweep_summary.csv, docs/sweeps.md)\n");
    printf("  results: %s/ (sweep.csv, sweep_summary.csv, " SWEEP_RUNS "/)\n", dir);
    if (plotted) {
        printf("  plots:   %s/sweep_{", dir);
        for (int m = 0; g->plots[m]; m++)
            printf("%s%s", m ? "," : "", g->plots[m]);
        printf("}.{png,svg}\n");
    } else {
        printf("  plots:   not rendered (%s); later: gnuplot -e \"dir='%s'\" plots/sweep.gp\n",
               why_not, dir);
    }
}

int sweep_finish_folder(const SweepGrid *g, const char *dir, const char *ini, gboolean no_plots,
                        gboolean quiet)
{
    g_autoptr(GError) error = NULL;
    if (!sweep_write_tables(g, dir, ini, &error)) {
        fprintf(stderr, "kadsim: cannot write the sweep tables: %s\n", error->message);
        return EXIT_RUNTIME;
    }
    const char *why_not = NULL;
    gboolean plotted = sweep_render_plots(g, dir, no_plots, &why_not);
    if (!sim_folder_complete(dir, &error))
        return kadsim_fail(NULL, error);
    if (!quiet)
        sweep_print_summary(g, dir, plotted, why_not);
    return EXIT_SUCCESS;
}
