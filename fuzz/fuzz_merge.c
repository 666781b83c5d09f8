/* fuzz_merge — arbitrary bytes as the files `kadsim merge` reads from a shard folder: the
 * input up to a line "#@summary" is the folder's sweep.ini, what follows it the summary.csv
 * of every run of the grid (made when sweep.ini holds a grid of at most MAX_RUNS runs, so that
 * the merge reads them and writes its tables). The merge runs as the program runs it,
 * kadsim_merge_main() on that folder, into a folder of its own (--force, --no-plots). What
 * must hold, beyond "no crash, no sanitizer report, no leak": the exit status is 0, 1 or 2,
 * and on 0 the merged folder holds sweep.csv and sweep_summary.csv. */
#include "config.h"

#include "fuzz.h"
#include "fuzz_files.h"
#include "program.h"
#include "sweep.h"

#define FUZZ_MAX_INPUT 16384
/* Grids up to this many runs get their run folders; larger ones are refused as incomplete. */
#define MAX_RUNS 16
#define SUMMARY_MARKER "#@summary\n"

/* Remove a folder and everything in it (the merged folder, the shard's runs). */
static void remove_tree(const char *path)
{
    GDir *d = g_dir_open(path, 0, NULL);
    for (const char *name; d && (name = g_dir_read_name(d));) {
        g_autofree char *p = g_build_filename(path, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            remove_tree(p);
        else
            g_unlink(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(path);
}

/* A run folder with `summary` as its summary.csv for every run of the grid in `ini`. */
static void make_runs(const char *shard, const char *ini, const char *summary, size_t size)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    if (!g_key_file_load_from_data(kf, ini, (gsize) -1, G_KEY_FILE_NONE, NULL))
        return;
    g_auto(GStrv) keys = g_key_file_get_keys(kf, "sweep", NULL, NULL);
    if (!keys)
        return;
    guint n = g_strv_length(keys);
    g_auto(GStrv) values = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++)
        values[i] = g_key_file_get_value(kf, "sweep", keys[i], NULL);
    SweepGrid *g = sweep_grid_new("sweep.ini", keys, values, NULL, NULL);
    for (guint r = 0; g && r < sweep_grid_runs(g) && r < MAX_RUNS; r++) {
        g_autofree char *name = sweep_grid_run_name(g, r);
        g_autofree char *dir = g_build_filename(shard, SWEEP_RUNS, name, NULL);
        g_autofree char *path = g_build_filename(dir, "summary.csv", NULL);
        g_mkdir_with_parents(dir, 0755);
        g_file_set_contents(path, summary, (gssize) size, NULL);
    }
    sweep_grid_free(g);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    const char *text = (const char *) data;
    const char *marker = g_strstr_len(text, (gssize) size, SUMMARY_MARKER);
    size_t ini_size = marker ? (size_t) (marker - text) : size;
    g_autofree char *shard = g_build_filename(fuzz_dir(), "shard", NULL);
    g_autofree char *out = g_build_filename(fuzz_dir(), "merged", NULL);
    remove_tree(shard);
    remove_tree(out);
    g_mkdir_with_parents(shard, 0755);
    g_autofree char *ini_path = g_build_filename(shard, SWEEP_INI, NULL);
    g_file_set_contents(ini_path, text, (gssize) ini_size, NULL);
    if (marker) {
        g_autofree char *ini = g_strndup(text, ini_size);
        const char *summary = marker + strlen(SUMMARY_MARKER);
        make_runs(shard, ini, summary, (size_t) (text + size - summary));
    }
    char *args[] = { "merge", "-q", "--no-plots", "--force", "-o", out, shard, NULL };
    /* GOption takes the options it parses out of argv without freeing them: free a copy. */
    g_auto(GStrv) owned = g_strdupv(args);
    g_autofree char **argv = g_memdup2(owned, sizeof args);
    int status = kadsim_merge_main((int) G_N_ELEMENTS(args) - 1, argv);
    if (status != 0 && status != EXIT_RUNTIME && status != EXIT_USAGE)
        g_error("kadsim merge exited %d", status);
    g_autofree char *csv = g_build_filename(out, "sweep.csv", NULL);
    g_autofree char *summary = g_build_filename(out, "sweep_summary.csv", NULL);
    if (status == 0 && !(g_file_test(csv, G_FILE_TEST_IS_REGULAR)
                         && g_file_test(summary, G_FILE_TEST_IS_REGULAR)))
        g_error("kadsim merge succeeded without writing its tables");
    return 0;
}
