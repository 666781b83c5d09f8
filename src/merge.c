/* merge — `kadsim merge [-o OUT] DIR…`: combine the folders of the shards of a sweep
 * (kadsim --shard I/N) into the folder one machine would have written: the same sweep.ini, every
 * run's folder under runs/ (hard links where the file system allows, else copies), and the
 * tables and plots, computed by the same code from the same files (sweep.c). */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "sweep.h"

#define RESULTS_ROOT "results"
/* Copy buffer, for files that cannot be hard-linked. */
#define COPY_BUFFER (1 << 20)
/* How many missing runs a message lists by name. */
#define MISSING_SHOWN 5

typedef struct {
    char *out;
    char **dirs;
    gboolean force, no_plots, quiet;
} MergeOptions;

static const char merge_summary[] =
    "Combine the folders of the shards of a sweep (kadsim --shard I/N) into the folder one\n"
    "machine would have written: runs/, sweep.csv, sweep_summary.csv and the plots.";

/* ---- files ------------------------------------------------------------------------------ */

static gboolean copy_file(const char *from, const char *to, GError **error)
{
    if (link(from, to) == 0)
        return TRUE;  /* run files are never rewritten in place, so sharing them is safe */
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    int err = in ? 0 : errno;
    if (in && !out)
        err = errno;
    char *buf = g_malloc(COPY_BUFFER);
    for (size_t n; !err && (n = fread(buf, 1, COPY_BUFFER, in)) > 0;)
        if (fwrite(buf, 1, n, out) != n)
            err = errno ? errno : EIO;
    if (!err && in && ferror(in))
        err = EIO;
    g_free(buf);
    if (out && fclose(out) != 0 && !err)
        err = errno;
    if (in)
        fclose(in);
    if (err) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "copy %s to %s: %s", from,
                    to, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* Every file of the folder `from` into `to` (created); files already in `to` are replaced. */
static gboolean copy_folder(const char *from, const char *to, GError **error)
{
    if (g_mkdir_with_parents(to, 0777) != 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno), "%s: %s", to,
                    g_strerror(errno));
        return FALSE;
    }
    GDir *d = g_dir_open(from, 0, error);
    if (!d)
        return FALSE;
    gboolean ok = TRUE;
    for (const char *name; ok && (name = g_dir_read_name(d));) {
        g_autofree char *src = g_build_filename(from, name, NULL);
        g_autofree char *dst = g_build_filename(to, name, NULL);
        if (!g_file_test(src, G_FILE_TEST_IS_REGULAR))
            continue;
        g_unlink(dst);
        ok = copy_file(src, dst, error);
    }
    g_dir_close(d);
    return ok;
}

/* ---- the shards ------------------------------------------------------------------------- */

static char *read_text(const char *dir, const char *name, GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, error))
        return NULL;
    return text;
}

static SweepGrid *grid_of_ini(const char *source, const char *ini, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_data(kf, ini, (gsize) -1, G_KEY_FILE_NONE, error))
        return NULL;
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "sweep", NULL, NULL);
    if (!keys) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s has no [sweep] section", source);
        return NULL;
    }
    guint n = g_strv_length(keys);
    g_auto(GStrv) values = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++)
        values[i] = g_key_file_get_value(kf, "sweep", keys[i], NULL);
    return sweep_grid_new(source, keys, values, NULL, error);
}

/* The name shared by the shards' shard.ini files, or NULL. Caller frees. */
static char *shards_name(char **dirs)
{
    char *name = NULL;
    for (int i = 0; dirs[i]; i++) {
        g_autofree char *path = g_build_filename(dirs[i], SWEEP_SHARD, NULL);
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autofree char *n = g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)
                                 ? g_key_file_get_value(kf, "shard", "name", NULL) : NULL;
        if (!n || (name && strcmp(n, name) != 0)) {
            g_free(name);
            return NULL;
        }
        if (!name)
            name = g_steal_pointer(&n);
    }
    return name;
}

/* For every run of the grid, the one shard folder that holds it complete. Caller frees the
 * array (the strings are the dirs'). */
static const char **locate_runs(const SweepGrid *g, char **dirs, GError **error)
{
    guint n = sweep_grid_runs(g), missing = 0;
    const char **where = g_new0(const char *, n);
    GString *list = g_string_new(NULL);
    for (guint r = 0; r < n; r++) {
        g_autofree char *name = sweep_grid_run_name(g, r);
        for (int i = 0; dirs[i]; i++) {
            g_autofree char *summary = g_build_filename(dirs[i], SWEEP_RUNS, name, "summary.csv",
                                                        NULL);
            g_autofree char *partial = g_build_filename(dirs[i], SWEEP_RUNS, name,
                                                        SWEEP_PARTIAL, NULL);
            if (!g_file_test(summary, G_FILE_TEST_IS_REGULAR)
                || g_file_test(partial, G_FILE_TEST_EXISTS))
                continue;
            if (where[r]) {
                g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "run %s is in both %s and "
                            "%s: give each shard once", name, where[r], dirs[i]);
                goto fail;
            }
            where[r] = dirs[i];
        }
        if (!where[r] && missing++ < MISSING_SHOWN)
            g_string_append_printf(list, "%s%s", missing > 1 ? ", " : "", name);
    }
    if (missing) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%u of the %u runs of the sweep are "
                    "missing or incomplete in the folders given (%s%s); run their shard again, "
                    "or give its folder", missing, n, list->str,
                    missing > MISSING_SHOWN ? ", ..." : "");
        goto fail;
    }
    g_string_free(list, TRUE);
    return where;
fail:
    g_string_free(list, TRUE);
    g_free(where);
    return NULL;
}

static int merge(const MergeOptions *mo)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *ini = read_text(mo->dirs[0], SWEEP_INI, &error);
    if (!ini) {
        fprintf(stderr, "kadsim merge: %s is not a sweep folder: %s\n", mo->dirs[0],
                error->message);
        return EXIT_USAGE;
    }
    for (int i = 1; mo->dirs[i]; i++) {
        g_autofree char *other = read_text(mo->dirs[i], SWEEP_INI, &error);
        if (!other) {
            fprintf(stderr, "kadsim merge: %s is not a sweep folder: %s\n", mo->dirs[i],
                    error->message);
            return EXIT_USAGE;
        }
        if (strcmp(ini, other) != 0) {
            fprintf(stderr, "kadsim merge: %s and %s hold different sweeps (their " SWEEP_INI
                    " differ)\n", mo->dirs[0], mo->dirs[i]);
            return EXIT_USAGE;
        }
    }
    g_autofree char *source = g_build_filename(mo->dirs[0], SWEEP_INI, NULL);
    SweepGrid *g = grid_of_ini(source, ini, &error);
    if (!g) {
        fprintf(stderr, "kadsim merge: %s\n", error->message);
        return EXIT_USAGE;
    }
    int status = EXIT_USAGE;
    g_autofree char *name = mo->out ? NULL : shards_name(mo->dirs);
    g_autofree char *out = mo->out ? g_strdup(mo->out)
                         : name ? g_build_filename(RESULTS_ROOT, name, NULL) : NULL;
    g_autofree const char **where = NULL;
    if (!out) {
        fprintf(stderr, "kadsim merge: say where the merged sweep goes: -o DIR\n");
        goto out;
    }
    for (int i = 0; mo->dirs[i]; i++) {
        g_autofree char *a = g_canonicalize_filename(mo->dirs[i], NULL);
        g_autofree char *b = g_canonicalize_filename(out, NULL);
        if (strcmp(a, b) == 0) {
            fprintf(stderr, "kadsim merge: %s is a shard; write the merged sweep elsewhere (-o)\n",
                    out);
            goto out;
        }
    }
    where = locate_runs(g, mo->dirs, &error);
    if (!where) {
        fprintf(stderr, "kadsim merge: %s\n", error->message);
        goto out;
    }
    status = EXIT_RUNTIME;
    if (!sweep_open_folder(out, mo->force, &error)
        || !sweep_write_file(out, SWEEP_INI, ini, &error)) {
        fprintf(stderr, "kadsim merge: %s\n", error->message);
        status = strstr(error->message, "--force") ? EXIT_USAGE : EXIT_RUNTIME;
        goto out;
    }
    for (guint r = 0; r < sweep_grid_runs(g); r++) {
        g_autofree char *run = sweep_grid_run_name(g, r);
        g_autofree char *from = g_build_filename(where[r], SWEEP_RUNS, run, NULL);
        g_autofree char *to = g_build_filename(out, SWEEP_RUNS, run, NULL);
        if (!copy_folder(from, to, &error)) {
            fprintf(stderr, "kadsim merge: %s\n", error->message);
            goto out;
        }
    }
    if (!mo->quiet)
        printf("kadsim merge: %u runs from %u folder%s into %s\n", sweep_grid_runs(g),
               g_strv_length(mo->dirs), g_strv_length(mo->dirs) == 1 ? "" : "s", out);
    status = sweep_finish_folder(g, out, ini, mo->no_plots, mo->quiet);
out:
    sweep_grid_free(g);
    return status;
}

int kadsim_merge_main(int argc, char **argv)
{
    MergeOptions mo = { 0 };
    GOptionEntry entries[] = {
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &mo.out,
          "Folder of the merged sweep (default: results/<name> from the shards' shard.ini)",
          "DIR" },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &mo.force, "Replace an existing sweep folder",
          NULL },
        { "no-plots", 0, 0, G_OPTION_ARG_NONE, &mo.no_plots, "Do not render plots", NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &mo.quiet, "Print only errors", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &mo.dirs, NULL, NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("DIR… — combine the shards of a sweep");
    g_option_context_set_summary(ctx, merge_summary);
    g_option_context_set_description(ctx, "Exit status: 0 success, 1 run-time failure, 2 usage "
                                     "error or incomplete shards. See docs/sweeps.md.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    GError *error = NULL;
    int status;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "kadsim merge: %s\nTry 'kadsim merge --help'.\n", error->message);
        g_error_free(error);
        status = EXIT_USAGE;
    } else if (!mo.dirs || !mo.dirs[0]) {
        fprintf(stderr, "kadsim merge: give the shard folders to combine\n"
                "Try 'kadsim merge --help'.\n");
        status = EXIT_USAGE;
    } else {
        status = merge(&mo);
    }
    g_free(mo.out);
    g_strfreev(mo.dirs);
    return status;
}
