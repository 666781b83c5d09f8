/* sim_config — typed, validated scenario configuration, read from INI files with GKeyFile.
 *
 * Every module declares the keys it reads in a table (section, key, type, default, range,
 * one-line help). The table is the single source of truth: it drives validation (unknown
 * sections and keys, types, ranges, units), `--set SECTION.KEY=VALUE` overrides, the resolved
 * listing of `kadsim --check` and the `run.ini` written beside every result, so a key can never
 * be accepted by one path and refused by another. Errors name the file, the section and the key
 * and say what is allowed. */
#pragma once

#include <glib.h>

#include "sim_time.h"

#define SIM_CONFIG_ERROR (sim_config_error_quark())
GQuark sim_config_error_quark(void);

typedef enum {
    SIM_CFG_INT,       /* whole number in [min, max] */
    SIM_CFG_DOUBLE,    /* real number in [min, max] */
    SIM_CFG_DURATION,  /* "250ms", "6h": see sim_time_parse(); [min, max] in seconds */
    SIM_CFG_BOOL,      /* true/false, yes/no, on/off, 1/0 */
    SIM_CFG_CHOICE,    /* one word of `choices`, written "a|b|c" */
    SIM_CFG_STRING,    /* free text */
    SIM_CFG_PATH,      /* a file that must exist; relative to the scenario file's folder */
} SimCfgType;

typedef struct {
    const char *section;
    const char *key;
    SimCfgType  type;
    const char *default_value;  /* text as in a file; "" = unset (PATH/STRING only) */
    double      min, max;       /* INT, DOUBLE, DURATION (seconds); min == max == 0: no range */
    const char *choices;        /* CHOICE: "a|b|c" */
    const char *only_if;        /* NULL, or "key=v1|v2" in the same section: the key applies
                                   only then, and setting it otherwise is an error */
    const char *help;           /* one line: what it means, in which unit */
} SimCfgKey;

typedef struct SimConfig SimConfig;

SimConfig *sim_config_new(void);
void sim_config_free(SimConfig *cfg);

/* Declare keys; the table must outlive cfg (a static const array). Sections appear in
 * listings in the order they are first declared. `section_help` (may be NULL) is printed above
 * the section the first time it is declared. */
void sim_config_declare(SimConfig *cfg, const char *section_help, const SimCfgKey *keys, gsize n);

/* Accept a section whose keys another module validates itself (e.g. [sweep]). */
void sim_config_declare_free_section(SimConfig *cfg, const char *section, const char *help);

/* Read a scenario file, or text (name is used in messages). Unknown sections or keys and
 * invalid values are errors; keys not given keep their defaults. May be called once. */
gboolean sim_config_load_file(SimConfig *cfg, const char *path, GError **error);
gboolean sim_config_load_data(SimConfig *cfg, const char *name, const char *data, GError **error);

/* A scenario is a few kilobytes; a read stops here, so that `kadsim /dev/zero` or an endless
 * pipe ends with an error instead of filling memory. */
#define SIM_SCENARIO_MAX_BYTES ((gsize) 16 << 20)
/* Data files a scenario names (latency matrix, churn trace): the largest public RTT matrix
 * (Meridian, 2,500 hosts) is about 60 MB of text; a file past this is a mistake. */
#define SIM_DATA_FILE_MAX_BYTES ((gsize) 1 << 30)

/* Read a text file a run depends on (the scenario, a latency matrix, a churn trace): at most
 * max_bytes, no NUL byte, line ends LF, CRLF or CR alone (not a CR alone among LF ends).
 * Returns the text with LF line ends (caller frees), or NULL with *error
 * "PATH: cannot read the WHAT: why" (with the line when one is to blame). */
char *sim_text_file_read(const char *path, const char *what, gsize max_bytes, GError **error);

/* Apply one "SECTION.KEY=VALUE" override with the same validation as a file. */
gboolean sim_config_set_override(SimConfig *cfg, const char *assignment, GError **error);

/* Set one value (validated). `origin` names where it came from in messages ("--seed"). */
gboolean sim_config_set(SimConfig *cfg, const char *section, const char *key, const char *value,
                        const char *origin, GError **error);

/* Typed getters for declared keys; the value is already validated, so these cannot fail
 * (asking for an undeclared key or the wrong type is a programming error). */
gint64      sim_config_get_int(const SimConfig *cfg, const char *section, const char *key);
double      sim_config_get_double(const SimConfig *cfg, const char *section, const char *key);
SimTime     sim_config_get_duration(const SimConfig *cfg, const char *section, const char *key);
gboolean    sim_config_get_bool(const SimConfig *cfg, const char *section, const char *key);
const char *sim_config_get_string(const SimConfig *cfg, const char *section, const char *key);
/* Index of the value in the key's choices. */
guint       sim_config_get_choice(const SimConfig *cfg, const char *section, const char *key);
/* PATH keys: the path resolved against the scenario's folder ("" when unset). Caller frees. */
char       *sim_config_get_path(const SimConfig *cfg, const char *section, const char *key);
/* Was the key given explicitly — in the file or by an override (--set, a sweep's point) —
 * rather than left at its default? For a module whose own settings choose other defaults for
 * keys not given (e.g. a protocol's profile). */
gboolean    sim_config_is_given(const SimConfig *cfg, const char *section, const char *key);

/* Keys of a free section, as given, in file order (NULL-terminated; free with g_strfreev). */
char **sim_config_free_section_keys(const SimConfig *cfg, const char *section);
const char *sim_config_free_section_value(const SimConfig *cfg, const char *section, const char *key);

/* Where the configuration came from ("scenarios/churn.ini"), and its base name without
 * extension ("churn"), used for the default results folder. */
const char *sim_config_source(const SimConfig *cfg);
char *sim_config_name(const SimConfig *cfg);

/* The full resolved configuration as INI text, every declared key with its help as a comment;
 * loading it back gives the same configuration. `header` (may be NULL) is put on top as
 * comment lines. Caller frees. */
char *sim_config_to_data(const SimConfig *cfg, const char *header);

/* Leave `section` out of listings (sim_config_to_data): its keys do not apply (e.g. another
 * protocol's). With `why`, a key given in it (file or --set) is an error that says why;
 * with NULL, given keys are ignored (a sweep's point that does not use them). */
gboolean sim_config_hide_section(SimConfig *cfg, const char *section, const char *why,
                                 GError **error);

/* Set *error to a message that names the source, section and key: for checks across keys
 * that a module makes after reading (e.g. warmup shorter than duration). Returns FALSE. */
gboolean sim_config_fail(const SimConfig *cfg, GError **error, const char *section,
                         const char *key, const char *format, ...) G_GNUC_PRINTF(5, 6);
