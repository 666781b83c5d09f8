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

#include "program.h"
#include "sim_atomic.h"
#include "sim_folder.h"
#include "sweep.h"

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

/* name of folder `from` into folder `to`: a hard link where the file system allows (run files
 * are never rewritten in place, so sharing them is safe), else a copy written atomically. */
static gboolean copy_file(const char *from, const char *to, const char *name, GError **error)
{
    g_autofree char *src = g_build_filename(from, name, NULL);
    g_autofree char *dst = g_build_filename(to, name, NULL);
    g_unlink(dst);
    if (link(src, dst) == 0)
        return TRUE;
    FILE *in = fopen(src, "rb");
    if (!in)
        return sim_file_error(error, src, errno);
    SimAtomicFile out = { 0 };
    if (!sim_atomic_open(&out, to, name, COPY_BUFFER, error)) {
        fclose(in);
        return FALSE;
    }
    char *buf = g_malloc(COPY_BUFFER);
    for (size_t n; (n = fread(buf, 1, COPY_BUFFER, in)) > 0;)
        fwrite(buf, 1, n, out.f);  /* a write error shows in the commit's ferror() */
    g_free(buf);
    gboolean read_ok = !ferror(in);
    fclose(in);
    if (!read_ok) {
        sim_atomic_abandon(&out);
        return sim_file_error(error, src, EIO);
    }
    return sim_atomic_commit(&out, error);
}

static const char merging_text[] =
    "This run's folder is being copied by kadsim merge; if no merge is running, it stopped\n"
    "before the copy was complete: merge the shards again with --force.\n";

/* Every file of the run folder `from` into `to` (created), marked PARTIAL until complete. */
static gboolean copy_folder(const char *from, const char *to, GError **error)
{
    if (g_mkdir_with_parents(to, 0777) != 0)
        return sim_file_error(error, to, errno);
    if (!sim_atomic_write(to, SIM_PARTIAL, merging_text, error))
        return FALSE;
    GDir *d = g_dir_open(from, 0, error);
    if (!d)
        return FALSE;
    gboolean ok = TRUE;
    for (const char *name; ok && (name = g_dir_read_name(d));) {
        g_autofree char *src = g_build_filename(from, name, NULL);
        if (strcmp(name, SIM_PARTIAL) != 0 && g_file_test(src, G_FILE_TEST_IS_REGULAR))
            ok = copy_file(from, to, name, error);
    }
    g_dir_close(d);
    return ok && sim_folder_complete(to, error);
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
                                                        SIM_PARTIAL, NULL);
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
                         : name ? g_build_filename(KADSIM_RESULTS_ROOT, name, NULL) : NULL;
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
        || !sim_atomic_write(out, SWEEP_INI, ini, &error)) {
        status = kadsim_fail("kadsim merge", error);
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
    } else if (mo.out && !*mo.out) {
        fprintf(stderr, "kadsim merge: -o: give the folder of the merged sweep\n");
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
