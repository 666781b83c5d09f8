#include "sim_atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

gboolean sim_file_error(GError **error, const char *path, int err)
{
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", path,
                g_strerror(err));
    return FALSE;
}

static void atomic_clear(SimAtomicFile *af)
{
    g_clear_pointer(&af->path, g_free);
    g_clear_pointer(&af->tmp, g_free);
}

gboolean sim_atomic_open(SimAtomicFile *af, const char *dir, const char *name, gsize buffer,
                         GError **error)
{
    af->path = g_build_filename(dir, name, NULL);
    af->tmp = g_strconcat(af->path, SIM_TMP_SUFFIX, NULL);
    af->f = fopen(af->tmp, "w");
    if (!af->f) {
        sim_file_error(error, af->tmp, errno);
        atomic_clear(af);
        return FALSE;
    }
    if (buffer)
        setvbuf(af->f, NULL, _IOFBF, buffer);
    return TRUE;
}

gboolean sim_atomic_commit(SimAtomicFile *af, GError **error)
{
    if (!af->f)
        return TRUE;
    int err = 0;
    if (fflush(af->f) != 0 || ferror(af->f) || fsync(fileno(af->f)) != 0)
        err = errno ? errno : EIO;
    if (fclose(af->f) != 0 && !err)
        err = errno;
    af->f = NULL;
    if (!err && g_rename(af->tmp, af->path) != 0)
        err = errno;
    gboolean ok = err ? sim_file_error(error, af->tmp, err) : TRUE;
    if (!ok)
        g_unlink(af->tmp);
    atomic_clear(af);
    return ok;
}

void sim_atomic_abandon(SimAtomicFile *af)
{
    if (af->f) {
        fclose(af->f);
        af->f = NULL;
        g_unlink(af->tmp);
    }
    atomic_clear(af);
}

gboolean sim_atomic_write(const char *dir, const char *name, const char *text, GError **error)
{
    SimAtomicFile af = { 0 };
    if (!sim_atomic_open(&af, dir, name, 0, error))
        return FALSE;
    fputs(text, af.f);
    return sim_atomic_commit(&af, error);
}

/* fsync a file another program closed: its bytes are on disk before the rename makes it
 * visible under its final name. */
static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return errno;
    int err = fsync(fd) != 0 ? errno : 0;
    close(fd);
    return err;
}

gboolean sim_atomic_adopt(const char *dir, const char *name,
                          gboolean (*check)(const char *bytes, gsize len), GError **error)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *tmp = g_strconcat(path, SIM_TMP_SUFFIX, NULL);
    g_autofree char *bytes = NULL;
    gsize len = 0;
    GError *read_error = NULL;
    gboolean ok = TRUE;
    if (!g_file_get_contents(tmp, &bytes, &len, &read_error)) {
        g_propagate_error(error, read_error);
        ok = FALSE;
    } else if (check && !check(bytes, len)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "%s: incomplete (%" G_GSIZE_FORMAT " bytes; is the disk full?)", tmp, len);
        ok = FALSE;
    } else {
        int err = sync_file(tmp);
        if (!err && g_rename(tmp, path) != 0)
            err = errno;
        if (err)
            ok = sim_file_error(error, tmp, err);
    }
    if (!ok)
        g_unlink(tmp);
    return ok;
}
