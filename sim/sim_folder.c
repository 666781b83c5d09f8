#include "sim_folder.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "sim_atomic.h"

G_DEFINE_QUARK(sim-folder-error-quark, sim_folder_error)

static gboolean in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return TRUE;
    return FALSE;
}

static gboolean matches_any(const char *const *patterns, const char *name)
{
    for (; patterns && *patterns; patterns++)
        if (g_pattern_match_simple(*patterns, name))
            return TRUE;
    return FALSE;
}

/* NAME for NAME.tmp (a file being written counts as the file), else a copy of name. */
static char *without_tmp(const char *name)
{
    return g_str_has_suffix(name, SIM_TMP_SUFFIX)
        ? g_strndup(name, strlen(name) - strlen(SIM_TMP_SUFFIX)) : g_strdup(name);
}

static gboolean is_owned(const SimFolderKind *kind, const char *const *extra, const char *name)
{
    g_autofree char *base = without_tmp(name);
    return strcmp(base, SIM_PARTIAL) == 0 || matches_any(kind->owned, base)
           || matches_any(extra, base);
}

/* What is in an existing folder: any entry at all, and whether it is one of ours. */
static gboolean scan(const char *dir, const SimFolderKind *kind, gboolean *empty, gboolean *ours,
                     GError **error)
{
    GError *derr = NULL;
    GDir *d = g_dir_open(dir, 0, &derr);
    if (!d) {
        g_propagate_error(error, derr);
        return FALSE;
    }
    *empty = TRUE;
    *ours = FALSE;
    for (const char *name; (name = g_dir_read_name(d));) {
        /* PARTIAL.tmp counts: a run stopped while it wrote PARTIAL left it */
        g_autofree char *base = without_tmp(name);
        *empty = FALSE;
        *ours |= strcmp(base, SIM_PARTIAL) == 0 || in_list(kind->signature, base);
    }
    g_dir_close(d);
    return TRUE;
}

gboolean sim_folder_check(const char *dir, const SimFolderKind *kind, gboolean force,
                          GError **error)
{
    if (!g_file_test(dir, G_FILE_TEST_EXISTS))
        return TRUE;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, SIM_FOLDER_ERROR, SIM_FOLDER_ERROR_NOT_DIR,
                    "%s exists and is not a folder; choose another results folder with -o", dir);
        return FALSE;
    }
    gboolean empty, ours;
    if (!scan(dir, kind, &empty, &ours, error))
        return FALSE;
    if (empty)
        return TRUE;
    if (!force) {
        g_set_error(error, SIM_FOLDER_ERROR, SIM_FOLDER_ERROR_EXISTS,
                    "%s folder %s already exists; use --force to replace its results, or "
                    "-o DIR to write elsewhere", kind->what, dir);
        return FALSE;
    }
    if (!ours) {
        g_autofree char *names = g_strjoinv(" or ", (char **) kind->signature);
        g_set_error(error, SIM_FOLDER_ERROR, SIM_FOLDER_ERROR_FOREIGN,
                    "%s is not empty and holds no kadsim %s (no %s or " SIM_PARTIAL "); "
                    "refusing to write into it even with --force", dir, kind->what, names);
        return FALSE;
    }
    return TRUE;
}

/* --force: remove the files an earlier run wrote (and only those). */
static gboolean remove_owned(const char *dir, const SimFolderKind *kind,
                             const char *const *extra, GError **error)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    if (!d)
        return TRUE;
    gboolean ok = TRUE;
    for (const char *name; ok && (name = g_dir_read_name(d));) {
        if (strcmp(name, SIM_PARTIAL) == 0 || !is_owned(kind, extra, name))
            continue;  /* PARTIAL is this run's own by now */
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_REGULAR) && g_unlink(path) != 0)
            ok = sim_file_error(error, path, errno);
    }
    g_dir_close(d);
    return ok;
}

gboolean sim_folder_open(const char *dir, const SimFolderKind *kind,
                         const char *const *extra_owned, gboolean force, GError **error)
{
    if (!sim_folder_check(dir, kind, force, error))
        return FALSE;
    if (g_mkdir_with_parents(dir, 0777) != 0)
        return sim_file_error(error, dir, errno);
    /* PARTIAL first: from here on, a folder stopped at any moment says it is incomplete. */
    if (!sim_atomic_write(dir, SIM_PARTIAL, kind->partial_text, error))
        return FALSE;
    return !force || remove_owned(dir, kind, extra_owned, error);
}

gboolean sim_folder_complete(const char *dir, GError **error)
{
    g_autofree char *marker = g_build_filename(dir, SIM_PARTIAL, NULL);
    if (g_unlink(marker) != 0 && errno != ENOENT)
        return sim_file_error(error, marker, errno);
    return TRUE;
}
