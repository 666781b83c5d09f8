/* sim_atomic — files that are whole or absent: written under NAME.tmp, flushed to disk and
 * renamed to NAME only when complete. Every file kadsim writes into a results folder goes
 * through here (tables, traces, run.ini, PARTIAL, plots), so a file under its final name is
 * never half-written, whatever stops the program (a signal, a full disk). Errors are GLib's
 * G_FILE_ERROR, naming the file. */
#pragma once

#include <glib.h>
#include <stdio.h>

/* The suffix of a file being written. */
#define SIM_TMP_SUFFIX ".tmp"

typedef struct {
    char *path, *tmp;
    FILE *f;
} SimAtomicFile;

/* Open dir/name.tmp for writing with a `buffer`-byte stdio buffer (0: stdio's default). */
gboolean sim_atomic_open(SimAtomicFile *af, const char *dir, const char *name, gsize buffer,
                         GError **error);
/* Flush to disk and rename into place: the file is complete or absent, never half-written.
 * A file that was never opened commits as nothing (TRUE). */
gboolean sim_atomic_commit(SimAtomicFile *af, GError **error);
/* Close and remove the temporary file (nothing under the final name changes). */
void sim_atomic_abandon(SimAtomicFile *af);

/* Write `text` as dir/name, atomically. */
gboolean sim_atomic_write(const char *dir, const char *name, const char *text, GError **error);

/* Move a file that another program wrote as dir/name.tmp into place as dir/name after
 * flushing it to disk; `check` (may be NULL) must accept its bytes first (e.g. a complete
 * image). On failure the temporary file is removed and *error names it. */
gboolean sim_atomic_adopt(const char *dir, const char *name,
                          gboolean (*check)(const char *bytes, gsize len), GError **error);

/* Set *error to G_FILE_ERROR for errno `err` on `path`; returns FALSE. */
gboolean sim_file_error(GError **error, const char *path, int err);
