/* sim_folder — the policy of a results folder, for a run's folder and a sweep's alike: a
 * folder is written only when it is new, empty, or (with force) one of ours; --force removes
 * exactly the files we own, nothing else; a PARTIAL file marks the folder from the moment it
 * is opened until it is complete, so that no folder without PARTIAL is ever incomplete. */
#pragma once

#include <glib.h>

/* The marker of an incomplete folder. */
#define SIM_PARTIAL "PARTIAL"

#define SIM_FOLDER_ERROR (sim_folder_error_quark())
GQuark sim_folder_error_quark(void);
typedef enum {
    SIM_FOLDER_ERROR_EXISTS,     /* holds results and force was not given */
    SIM_FOLDER_ERROR_FOREIGN,    /* not empty and not ours: refused even with force */
    SIM_FOLDER_ERROR_NOT_DIR,    /* the path is a file */
} SimFolderError;
/* Input/output failures are G_FILE_ERROR (sim_atomic.h). */

typedef struct {
    const char *what;               /* "results", "sweep": for messages */
    const char *const *signature;   /* files that mark the folder as ours (NULL-terminated) */
    const char *const *owned;       /* glob patterns of the files that --force removes; a name
                                       ending in .tmp is matched without that suffix */
    const char *partial_text;       /* PARTIAL while the folder is being written */
} SimFolderKind;

/* Can `dir` be written as a folder of `kind`? It may not exist, be empty, or (with force) be
 * one of ours. Lets a caller refuse before building a large simulation. */
gboolean sim_folder_check(const char *dir, const SimFolderKind *kind, gboolean force,
                          GError **error);

/* Check, create (with parents), remove the owned files of an earlier run, write PARTIAL.
 * `extra_owned` (may be NULL) adds patterns to kind->owned (e.g. the program's plots). */
gboolean sim_folder_open(const char *dir, const SimFolderKind *kind,
                         const char *const *extra_owned, gboolean force, GError **error);

/* The folder is complete: remove PARTIAL. */
gboolean sim_folder_complete(const char *dir, GError **error);
