#include "sim_config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(sim-config-error-quark, sim_config_error)

typedef struct {
    char      *name;
    char      *help;
    gboolean   free_form;  /* keys checked by another module */
    gboolean   hidden;     /* left out of listings: it does not apply (sim_config_hide_section) */
    GPtrArray *keys;       /* const SimCfgKey*, declaration order */
} Section;

struct SimConfig {
    GPtrArray  *sections;  /* Section*, declaration order */
    GKeyFile   *values;    /* resolved text values of every key */
    GKeyFile   *given;     /* the keys set explicitly (file, --set): only_if applies to these */
    char       *source;    /* file name for messages; "(defaults)" before a load */
    GHashTable *set_by;    /* "section\nkey" -> "--set ..." for keys a --set gave last */
    char       *base_dir;  /* folder against which PATH keys resolve */
    gboolean    loaded;
};

static void section_free(gpointer p)
{
    Section *s = p;
    g_free(s->name);
    g_free(s->help);
    g_ptr_array_free(s->keys, TRUE);
    g_free(s);
}

SimConfig *sim_config_new(void)
{
    SimConfig *cfg = g_new0(SimConfig, 1);
    cfg->sections = g_ptr_array_new_with_free_func(section_free);
    cfg->values = g_key_file_new();
    cfg->given = g_key_file_new();
    cfg->source = g_strdup("(defaults)");
    cfg->set_by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    cfg->base_dir = g_strdup(".");
    return cfg;
}

void sim_config_free(SimConfig *cfg)
{
    if (!cfg)
        return;
    g_ptr_array_free(cfg->sections, TRUE);
    g_key_file_free(cfg->values);
    g_key_file_free(cfg->given);
    g_free(cfg->source);
    g_hash_table_destroy(cfg->set_by);
    g_free(cfg->base_dir);
    g_free(cfg);
}

static Section *find_section(const SimConfig *cfg, const char *name)
{
    for (guint i = 0; i < cfg->sections->len; i++) {
        Section *s = g_ptr_array_index(cfg->sections, i);
        if (strcmp(s->name, name) == 0)
            return s;
    }
    return NULL;
}

static Section *get_section(SimConfig *cfg, const char *name, const char *help)
{
    Section *s = find_section(cfg, name);
    if (!s) {
        s = g_new0(Section, 1);
        s->name = g_strdup(name);
        s->keys = g_ptr_array_new();
        g_ptr_array_add(cfg->sections, s);
    }
    if (help && !s->help)
        s->help = g_strdup(help);
    return s;
}

static const SimCfgKey *find_key(const Section *s, const char *key)
{
    for (guint i = 0; i < s->keys->len; i++) {
        const SimCfgKey *k = g_ptr_array_index(s->keys, i);
        if (strcmp(k->key, key) == 0)
            return k;
    }
    return NULL;
}

void sim_config_declare(SimConfig *cfg, const char *section_help, const SimCfgKey *keys, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        Section *s = get_section(cfg, keys[i].section, section_help);
        g_assert(!s->free_form);
        if (find_key(s, keys[i].key))
            g_error("config key [%s] %s declared twice", keys[i].section, keys[i].key);
        g_ptr_array_add(s->keys, (gpointer) &keys[i]);
        g_key_file_set_value(cfg->values, keys[i].section, keys[i].key, keys[i].default_value);
    }
}

void sim_config_declare_free_section(SimConfig *cfg, const char *section, const char *help)
{
    Section *s = get_section(cfg, section, help);
    g_assert(s->keys->len == 0);
    s->free_form = TRUE;
}

/* ---- messages ------------------------------------------------------------------------- */

static gboolean failv(const SimConfig *cfg, GError **error, const char *origin,
                      const char *section, const char *key, const char *format, va_list ap)
{
    char *what = g_strdup_vprintf(format, ap);
    const char *where = origin ? origin : cfg->source;
    if (origin)  /* a command-line option already names the section and key */
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: %s", where, what);
    else if (key)
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: [%s] %s: %s", where, section, key, what);
    else if (section)
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: [%s]: %s", where, section, what);
    else
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: %s", where, what);
    g_free(what);
    return FALSE;
}

static gboolean fail_at(const SimConfig *cfg, GError **error, const char *origin,
                        const char *section, const char *key, const char *format, ...)
    G_GNUC_PRINTF(6, 7);
static gboolean fail_at(const SimConfig *cfg, GError **error, const char *origin,
                        const char *section, const char *key, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    failv(cfg, error, origin, section, key, format, ap);
    va_end(ap);
    return FALSE;
}

/* The --set that gave section.key last, or NULL when the key comes from the file. */
static const char *set_by(const SimConfig *cfg, const char *section, const char *key)
{
    if (!section || !key)
        return NULL;
    g_autofree char *id = g_strconcat(section, "\n", key, NULL);
    return g_hash_table_lookup(cfg->set_by, id);
}

gboolean sim_config_fail(const SimConfig *cfg, GError **error, const char *section,
                         const char *key, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    failv(cfg, error, set_by(cfg, section, key), section, key, format, ap);
    va_end(ap);
    return FALSE;
}

/* Edit distance, to suggest the key the user probably meant. */
static guint edit_distance(const char *a, const char *b)
{
    gsize la = strlen(a), lb = strlen(b);
    guint *row = g_new(guint, lb + 1);
    for (gsize j = 0; j <= lb; j++)
        row[j] = (guint) j;
    for (gsize i = 1; i <= la; i++) {
        guint diag = row[0];
        row[0] = (guint) i;
        for (gsize j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), diag + cost);
            diag = up;
        }
    }
    guint d = row[lb];
    g_free(row);
    return d;
}

static char *known_names(const SimConfig *cfg, const Section *s, const char *wrong)
{
    GString *out = g_string_new(NULL);
    const char *best = NULL;
    guint best_d = G_MAXUINT;
    guint n = s ? s->keys->len : cfg->sections->len;
    for (guint i = 0; i < n; i++) {
        const char *name = s ? ((const SimCfgKey *) g_ptr_array_index(s->keys, i))->key
                             : ((const Section *) g_ptr_array_index(cfg->sections, i))->name;
        g_string_append_printf(out, "%s%s", i ? ", " : "", name);
        guint d = edit_distance(wrong, name);
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    }
    if (best && best_d <= 2) {
        g_autofree char *hint = g_strdup_printf("did you mean '%s'? known: ", best);
        g_string_prepend(out, hint);
    } else {
        g_string_prepend(out, "known: ");
    }
    return g_string_free(out, FALSE);
}

/* ---- parsing one value ----------------------------------------------------------------- */

static gboolean has_range(const SimCfgKey *k)
{
    return !(k->min == 0 && k->max == 0);
}

static char *range_text(const SimCfgKey *k)
{
    if (k->type == SIM_CFG_DURATION) {
        char *lo = sim_time_format(sim_time_from_s(k->min));
        char *hi = sim_time_format(sim_time_from_s(k->max));
        char *t = g_strdup_printf("a duration from %s to %s", lo, hi);
        g_free(lo);
        g_free(hi);
        return t;
    }
    if (k->type == SIM_CFG_INT)
        return g_strdup_printf("a whole number from %.0f to %.0f", k->min, k->max);
    return g_strdup_printf("a number from %g to %g", k->min, k->max);
}

/* What a key accepts, as refusals and the listing say it. Caller frees. */
static char *allowed_text(const SimCfgKey *k)
{
    switch (k->type) {
    case SIM_CFG_INT:
        return has_range(k) ? range_text(k) : g_strdup("a whole number");
    case SIM_CFG_DOUBLE:
        return has_range(k) ? range_text(k) : g_strdup("a number");
    case SIM_CFG_DURATION:
        return has_range(k) ? range_text(k) : g_strdup("a duration");
    case SIM_CFG_BOOL:
        return g_strdup("true, false (or yes/no, on/off, 1/0)");
    case SIM_CFG_CHOICE: {
        g_auto(GStrv) words = g_strsplit(k->choices, "|", -1);
        return g_strjoinv(", ", words);
    }
    case SIM_CFG_STRING:
        return g_strdup("any text on one line");
    case SIM_CFG_PATH:
        return g_strdup("a file (relative paths start at the scenario file's folder), or empty");
    }
    g_assert_not_reached();
}

static gboolean parse_int(const char *text, gint64 *out)
{
    char *end;
    errno = 0;
    gint64 v = g_ascii_strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean parse_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = g_ascii_strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v))
        return FALSE;
    *out = v;
    return TRUE;
}

static gboolean parse_bool(const char *text, gboolean *out)
{
    static const char *yes[] = { "true", "yes", "on", "1" }, *no[] = { "false", "no", "off", "0" };
    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0)
            return *out = TRUE, TRUE;
        if (g_ascii_strcasecmp(text, no[i]) == 0)
            return *out = FALSE, TRUE;
    }
    return FALSE;
}

static int choice_index(const char *choices, const char *text)
{
    char **words = g_strsplit(choices, "|", -1);
    int found = -1;
    for (int i = 0; words[i]; i++)
        if (strcmp(words[i], text) == 0)
            found = i;
    g_strfreev(words);
    return found;
}

static char *resolve_path(const SimConfig *cfg, const char *text)
{
    if (!*text || g_path_is_absolute(text))
        return g_strdup(text);
    return g_build_filename(cfg->base_dir, text, NULL);
}

/* A whole number (INT) or a number (DOUBLE), inside the key's range. */
static gboolean check_number(const SimConfig *cfg, const SimCfgKey *k, const char *text,
                             const char *origin, const char *hint, GError **error)
{
    gboolean whole = k->type == SIM_CFG_INT;
    gint64 i = 0;
    double v = 0;
    gboolean parsed = whole ? parse_int(text, &i) : parse_double(text, &v);
    if (whole)
        v = (double) i;
    const char *what = whole ? "a whole number" : "a number";
    char *r = has_range(k) ? range_text(k) : g_strdup(what);
    gboolean ok = TRUE;
    if (!parsed)
        ok = fail_at(cfg, error, origin, k->section, k->key, "'%s' is not %s; allowed: %s%s",
                     text, what, r, hint);
    else if (has_range(k) && (v < k->min || v > k->max))
        ok = fail_at(cfg, error, origin, k->section, k->key, "%s is out of range; allowed: %s",
                     text, r);
    g_free(r);
    return ok;
}

/* Check `text` against k; on error name `origin` (file or option). */
static gboolean check_value(const SimConfig *cfg, const SimCfgKey *k, const char *text,
                            const char *origin, GError **error)
{
    const char *hint = strchr(text, '#') || strchr(text, ';')
                           ? " (comments go on a line of their own, starting with #)" : "";
    switch (k->type) {
    case SIM_CFG_INT:
    case SIM_CFG_DOUBLE:
        return check_number(cfg, k, text, origin, hint, error);
    case SIM_CFG_DURATION: {
        SimTime t;
        GError *terr = NULL;
        if (!sim_time_parse(text, &t, &terr)) {
            fail_at(cfg, error, origin, k->section, k->key, "%s%s", terr->message, hint);
            g_error_free(terr);
            return FALSE;
        }
        if (has_range(k) && (t < sim_time_from_s(k->min) || t > sim_time_from_s(k->max))) {
            char *r = range_text(k);
            fail_at(cfg, error, origin, k->section, k->key, "%s is out of range; allowed: %s",
                    text, r);
            g_free(r);
            return FALSE;
        }
        return TRUE;
    }
    case SIM_CFG_BOOL: {
        gboolean b;
        if (!parse_bool(text, &b)) {
            g_autofree char *allowed = allowed_text(k);
            return fail_at(cfg, error, origin, k->section, k->key,
                           "'%s' is not a yes/no value; allowed: %s%s", text, allowed, hint);
        }
        return TRUE;
    }
    case SIM_CFG_CHOICE:
        if (choice_index(k->choices, text) < 0) {
            g_autofree char *allowed = allowed_text(k);
            return fail_at(cfg, error, origin, k->section, k->key,
                           "'%s' is not known; allowed: %s%s", text, allowed, hint);
        }
        return TRUE;
    case SIM_CFG_STRING:
        return TRUE;
    case SIM_CFG_PATH: {
        char *path = resolve_path(cfg, text);
        gboolean ok = !*path || g_file_test(path, G_FILE_TEST_IS_REGULAR);
        if (!ok)
            fail_at(cfg, error, origin, k->section, k->key, "file '%s' not found%s", path,
                    g_path_is_absolute(text) ? "" : " (relative paths start at the scenario "
                                                    "file's folder)");
        g_free(path);
        return ok;
    }
    }
    g_assert_not_reached();
}

/* only_if = "key=v1|v2": the key along k's chain of conditions (k itself, or a key k depends
 * on) whose condition does not hold, farthest from k when several fail (that is the one to set
 * first), or NULL when k applies. The chain matters: a key whose only_if names a key that does
 * not apply itself does not apply either, whatever that key's default value says ([churn]
 * session_shape needs session=weibull, and session needs model=sessions). */
static const SimCfgKey *unmet_condition(const SimConfig *cfg, const SimCfgKey *k)
{
    const SimCfgKey *unmet = NULL;
    for (int depth = 0; k && k->only_if; depth++) {
        g_assert(depth < 16);  /* a cycle of conditions is a bug in a declaration table */
        const char *eq = strchr(k->only_if, '=');
        g_assert(eq);
        char *other = g_strndup(k->only_if, (gsize) (eq - k->only_if));
        char *value = g_key_file_get_value(cfg->values, k->section, other, NULL);
        gboolean met = value && choice_index(eq + 1, value) >= 0;
        const Section *s = find_section(cfg, k->section);
        const SimCfgKey *depends_on = s ? find_key(s, other) : NULL;
        g_free(other);
        g_free(value);
        if (!met)
            unmet = k;
        k = depends_on;
    }
    return unmet;
}

static gboolean condition_met(const SimConfig *cfg, const SimCfgKey *k)
{
    return unmet_condition(cfg, k) == NULL;
}

gboolean sim_config_set(SimConfig *cfg, const char *section, const char *key, const char *value,
                        const char *origin, GError **error)
{
    Section *s = find_section(cfg, section);
    if (!s) {
        char *known = known_names(cfg, NULL, section);
        fail_at(cfg, error, origin, NULL, NULL, "unknown section [%s] (%s)", section, known);
        g_free(known);
        return FALSE;
    }
    /* Only --set can bring a line break; the listing and run.ini would write what follows it
     * as a line of its own, and then not load (fuzz/fuzz_cmdline.c checks that round trip).
     * The key too: a free section ([sweep]) takes any key name. */
    g_autofree char *text = g_strstrip(g_strdup(value));
    if (strpbrk(key, "\r\n"))
        return fail_at(cfg, error, origin, section, NULL, "a key must be on one line");
    if (strpbrk(text, "\r\n"))
        return fail_at(cfg, error, origin, section, key, "a value must be on one line");
    if (s->free_form) {
        g_key_file_set_value(cfg->values, section, key, text);
        return TRUE;
    }
    const SimCfgKey *k = find_key(s, key);
    if (!k) {
        char *known = known_names(cfg, s, key);
        fail_at(cfg, error, origin, NULL, NULL, "unknown key '%s' in [%s] (%s)", key, section,
                known);
        g_free(known);
        return FALSE;
    }
    gboolean ok = check_value(cfg, k, text, origin, error);
    if (ok)
        g_key_file_set_value(cfg->values, section, key, text);
    return ok;
}

/* Keys set explicitly whose only_if condition does not hold are errors: the user believes
 * they change something, and they do not. After `--set` (origin) changed `overridden`, a key
 * given earlier that stops applying is named with its own source and the option. */
static gboolean check_conditions(const SimConfig *cfg, GKeyFile *given, const char *origin,
                                 const SimCfgKey *overridden, GError **error)
{
    for (guint i = 0; i < cfg->sections->len; i++) {
        const Section *s = g_ptr_array_index(cfg->sections, i);
        for (guint j = 0; j < s->keys->len; j++) {
            const SimCfgKey *k = g_ptr_array_index(s->keys, j);
            if (!k->only_if || !g_key_file_has_key(given, k->section, k->key, NULL))
                continue;
            const SimCfgKey *unmet = unmet_condition(cfg, k);
            if (unmet) {
                const char *eq = strchr(unmet->only_if, '=');
                if (origin && k != overridden)
                    return fail_at(cfg, error, NULL, k->section, k->key,
                                   "applies only when %.*s = %s, which %s changes; remove one",
                                   (int) (eq - unmet->only_if), unmet->only_if, eq + 1, origin);
                return fail_at(cfg, error, origin, k->section, k->key,
                               "applies only when %.*s = %s; remove it or set that key",
                               (int) (eq - unmet->only_if), unmet->only_if, eq + 1);
            }
        }
    }
    return TRUE;
}

/* ---- reading text files --------------------------------------------------------------- */

/* Line ends: LF, CRLF, or CR alone (classic Mac OS, still written by some tools). A file of CR
 * ends has no LF at all, so reading each CR as a line end is what every editor shows; a CR
 * alone in a file that also has LFs is refused instead: editors disagree on whether it breaks
 * the line (vim shows ^M, `cat` overwrites the line), so no reading is the one the user saw.
 * Turns the text into LF line ends in place (it can only shrink: CRLF becomes LF); returns
 * the 1-based line of a stray CR, or 0. */
static guint normalise_line_ends(char *text)
{
    gboolean has_lf = strchr(text, '\n') != NULL;
    guint line = 1;
    char *w = text;
    for (const char *r = text; *r; r++) {
        if (*r == '\r' && r[1] == '\n')
            continue;  /* the LF that follows ends the line */
        if (*r == '\r' && has_lf)
            return line;
        char c = *r == '\r' ? '\n' : *r;
        line += c == '\n';
        *w++ = c;
    }
    *w = '\0';
    return 0;
}

/* NULL when `text` (len bytes) can be read as lines of text; else why not, with the line. */
static char *text_problem(char *text, gsize len)
{
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        guint line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        return g_strdup_printf("line %u holds a NUL byte: not a text file", line);
    }
    guint stray = normalise_line_ends(text);
    if (stray)
        return g_strdup_printf("line %u holds a carriage return (CR) that does not end it, "
                               "while other lines end with LF: convert the line ends "
                               "(e.g. dos2unix, mac2unix)", stray);
    return NULL;
}

char *sim_text_file_read(const char *path, const char *what, gsize max_bytes, GError **error)
{
    const char *why = g_file_test(path, G_FILE_TEST_IS_DIR) ? "it is a folder" : NULL;
    FILE *f = why ? NULL : fopen(path, "rb");
    if (!f) {
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: cannot read the %s: %s", path, what,
                    why ? why : g_strerror(errno));
        return NULL;
    }
    GString *data = g_string_sized_new(4096);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && data->len <= max_bytes)
        g_string_append_len(data, buf, (gssize) n);
    int err = ferror(f) ? errno : 0;
    fclose(f);
    g_autofree char *problem = err ? g_strdup(g_strerror(err))
                               : data->len > max_bytes
                                   ? g_strdup_printf("larger than %" G_GSIZE_FORMAT " MiB: not a "
                                                     "%s", max_bytes >> 20, what)
                                   : text_problem(data->str, data->len);
    if (problem) {
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: cannot read the %s: %s", path, what,
                    problem);
        g_string_free(data, TRUE);
        return NULL;
    }
    return g_string_free(data, FALSE);
}

/* GKeyFile keeps the last of two values of a key, so `nodes = abc` followed by `nodes = 50`
 * would pass unseen: a key given twice in a section is refused, with both lines (the user
 * meant one of them, and kadsim cannot know which; --set is the way to override). A section
 * written twice is accepted: GKeyFile merges it, and since each key is still given once (the
 * check spans both parts), nothing is lost; scenarios put together by concatenating files
 * rely on it. Lines as GKeyFile reads them: blank or '#' lines are comments, "[name]" opens a
 * section, anything else is "key = value" (GKeyFile itself refuses what is none of these). */
static gboolean no_duplicate_keys(const SimConfig *cfg, const char *text, GError **error)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *section = NULL;
    for (guint i = 0; lines[i]; i++) {
        const char *line = g_strchug(lines[i]);
        const char *end = strchr(line, line[0] == '[' ? ']' : '=');
        if (!*line || *line == '#' || !end)
            continue;
        if (line[0] == '[') {
            g_free(section);
            section = g_strndup(line + 1, (gsize) (end - line - 1));
            continue;
        }
        g_autofree char *key = g_strchomp(g_strndup(line, (gsize) (end - line)));
        char *id = g_strdup_printf("%s\n%s", section ? section : "", key);
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(seen, id));
        if (first) {
            g_free(id);
            return fail_at(cfg, error, NULL, section ? section : "", key, "given twice, on "
                           "lines %u and %u; keep one", first, i + 1);
        }
        g_hash_table_insert(seen, id, GUINT_TO_POINTER(i + 1));
    }
    return TRUE;
}

gboolean sim_config_load_data(SimConfig *cfg, const char *name, const char *data, GError **error)
{
    g_return_val_if_fail(!cfg->loaded, FALSE);
    g_free(cfg->source);
    cfg->source = g_strdup(name);
    g_autoptr(GKeyFile) given = g_key_file_new();
    GError *kerr = NULL;
    if (g_str_has_prefix(data, "\xef\xbb\xbf"))
        data += 3;  /* a UTF-8 byte-order mark (Windows editors): GKeyFile would refuse line 1 */
    g_autofree char *text = g_strdup(data);
    guint stray = normalise_line_ends(text);
    if (stray)
        return fail_at(cfg, error, NULL, NULL, NULL, "line %u holds a carriage return (CR) that "
                       "does not end it, while other lines end with LF: convert the line ends "
                       "(e.g. dos2unix, mac2unix)", stray);
    if (!no_duplicate_keys(cfg, text, error))
        return FALSE;
    if (!g_key_file_load_from_data(given, text, (gsize) -1, G_KEY_FILE_NONE, &kerr)) {
        g_set_error(error, SIM_CONFIG_ERROR, 0, "%s: not a valid INI file: %s", name,
                    kerr->message);
        g_error_free(kerr);
        return FALSE;
    }
    gsize ngroups;
    g_auto(GStrv) groups = g_key_file_get_groups(given, &ngroups);
    for (gsize g = 0; g < ngroups; g++) {
        gsize nkeys;
        g_auto(GStrv) keys = g_key_file_get_keys(given, groups[g], &nkeys, NULL);
        if (!find_section(cfg, groups[g])) {
            char *known = known_names(cfg, NULL, groups[g]);
            fail_at(cfg, error, NULL, NULL, NULL, "unknown section [%s] (%s)", groups[g], known);
            g_free(known);
            return FALSE;
        }
        for (gsize i = 0; i < nkeys; i++) {
            g_autofree char *v = g_key_file_get_value(given, groups[g], keys[i], NULL);
            if (!sim_config_set(cfg, groups[g], keys[i], v, NULL, error))
                return FALSE;
            g_key_file_set_value(cfg->given, groups[g], keys[i], v);
        }
    }
    if (!check_conditions(cfg, cfg->given, NULL, NULL, error))
        return FALSE;
    cfg->loaded = TRUE;
    return TRUE;
}

gboolean sim_config_load_file(SimConfig *cfg, const char *path, GError **error)
{
    char *data = sim_text_file_read(path, "scenario", SIM_SCENARIO_MAX_BYTES, error);
    if (!data)
        return FALSE;
    g_free(cfg->base_dir);
    cfg->base_dir = g_path_get_dirname(path);
    gboolean ok = sim_config_load_data(cfg, path, data, error);
    g_free(data);
    return ok;
}

gboolean sim_config_set_override(SimConfig *cfg, const char *assignment, GError **error)
{
    const char *eq = strchr(assignment, '=');
    const char *dot = strchr(assignment, '.');
    if (!eq || !dot || dot > eq || dot == assignment || dot + 1 == eq) {
        g_set_error(error, SIM_CONFIG_ERROR, 0, "--set %s: write SECTION.KEY=VALUE, e.g. "
                    "--set kademlia.k=16", assignment);
        return FALSE;
    }
    g_autofree char *section = g_strstrip(g_strndup(assignment, (gsize) (dot - assignment)));
    g_autofree char *key = g_strstrip(g_strndup(dot + 1, (gsize) (eq - dot - 1)));
    g_autofree char *origin = g_strdup_printf("--set %s", assignment);
    g_autofree char *old_value = g_key_file_get_value(cfg->values, section, key, NULL);
    g_autofree char *old_given = g_key_file_get_value(cfg->given, section, key, NULL);
    /* SECTION.KEY= (nothing after '='): back to the default, as if the file had not set it:
     * the only way to take out a key that stops another from applying. */
    const Section *declared_in = find_section(cfg, section);
    const SimCfgKey *reset = !eq[1] && declared_in && !declared_in->free_form
                             ? find_key(declared_in, key) : NULL;
    if (reset) {
        g_key_file_set_value(cfg->values, section, key, reset->default_value);
        g_key_file_remove_key(cfg->given, section, key, NULL);
    } else if (!sim_config_set(cfg, section, key, eq + 1, origin, error)) {
        return FALSE;
    } else {
        g_key_file_set_value(cfg->given, section, key, eq + 1);
    }
    /* The override may switch a model; keys of the file that then stop applying are errors,
     * so every key given so far is checked again, not only this one. */
    const Section *s = find_section(cfg, section);
    const SimCfgKey *k = s->free_form || reset ? NULL : find_key(s, key);
    if (check_conditions(cfg, cfg->given, origin, k, error)) {
        /* errors found later (by a protocol's checks) then name this option, not the file */
        char *id = g_strconcat(section, "\n", key, NULL);
        if (reset) {
            g_hash_table_remove(cfg->set_by, id);
            g_free(id);
        } else {
            g_hash_table_replace(cfg->set_by, id, g_strdup(origin));
        }
        return TRUE;
    }
    /* refused: leave the configuration as it was */
    if (old_value)
        g_key_file_set_value(cfg->values, section, key, old_value);
    else
        g_key_file_remove_key(cfg->values, section, key, NULL);
    if (old_given)
        g_key_file_set_value(cfg->given, section, key, old_given);
    else
        g_key_file_remove_key(cfg->given, section, key, NULL);
    return FALSE;
}

/* ---- getters --------------------------------------------------------------------------- */

static const SimCfgKey *declared(const SimConfig *cfg, const char *section, const char *key,
                                 SimCfgType type)
{
    const Section *s = find_section(cfg, section);
    const SimCfgKey *k = s ? find_key(s, key) : NULL;
    if (!k || k->type != type)
        g_error("config key [%s] %s is not declared with the type asked for", section, key);
    return k;
}

static char *raw(const SimConfig *cfg, const char *section, const char *key, SimCfgType type)
{
    declared(cfg, section, key, type);
    return g_key_file_get_value(cfg->values, section, key, NULL);
}

/* A stored value was validated when it was set, so parsing it again cannot fail. Not a
 * g_assert(): the parse is the getter's work, and builds with G_DISABLE_ASSERT drop asserts. */
static void parsed_or_die(gboolean parsed, const char *section, const char *key)
{
    if (!parsed)
        g_error("config key [%s] %s holds a value that was never validated", section, key);
}

gint64 sim_config_get_int(const SimConfig *cfg, const char *section, const char *key)
{
    g_autofree char *t = raw(cfg, section, key, SIM_CFG_INT);
    gint64 v = 0;
    parsed_or_die(parse_int(t, &v), section, key);
    return v;
}

double sim_config_get_double(const SimConfig *cfg, const char *section, const char *key)
{
    g_autofree char *t = raw(cfg, section, key, SIM_CFG_DOUBLE);
    double v = 0;
    parsed_or_die(parse_double(t, &v), section, key);
    return v;
}

SimTime sim_config_get_duration(const SimConfig *cfg, const char *section, const char *key)
{
    g_autofree char *t = raw(cfg, section, key, SIM_CFG_DURATION);
    SimTime v = 0;
    parsed_or_die(sim_time_parse(t, &v, NULL), section, key);
    return v;
}

gboolean sim_config_get_bool(const SimConfig *cfg, const char *section, const char *key)
{
    g_autofree char *t = raw(cfg, section, key, SIM_CFG_BOOL);
    gboolean v = FALSE;
    parsed_or_die(parse_bool(t, &v), section, key);
    return v;
}

const char *sim_config_get_string(const SimConfig *cfg, const char *section, const char *key)
{
    /* GKeyFile keeps the string; return an interned copy so callers need not free. */
    const Section *s = find_section(cfg, section);
    const SimCfgKey *k = s ? find_key(s, key) : NULL;
    if (!k || (k->type != SIM_CFG_STRING && k->type != SIM_CFG_CHOICE && k->type != SIM_CFG_PATH))
        g_error("config key [%s] %s is not a string key", section, key);
    g_autofree char *t = g_key_file_get_value(cfg->values, section, key, NULL);
    return g_intern_string(t);
}

guint sim_config_get_choice(const SimConfig *cfg, const char *section, const char *key)
{
    const SimCfgKey *k = declared(cfg, section, key, SIM_CFG_CHOICE);
    g_autofree char *t = g_key_file_get_value(cfg->values, section, key, NULL);
    int i = choice_index(k->choices, t);
    parsed_or_die(i >= 0, section, key);
    return (guint) i;
}

char *sim_config_get_path(const SimConfig *cfg, const char *section, const char *key)
{
    g_autofree char *t = raw(cfg, section, key, SIM_CFG_PATH);
    return resolve_path(cfg, t);
}

gboolean sim_config_is_given(const SimConfig *cfg, const char *section, const char *key)
{
    return g_key_file_has_key(cfg->given, section, key, NULL);
}

char **sim_config_free_section_keys(const SimConfig *cfg, const char *section)
{
    char **keys = g_key_file_get_keys(cfg->values, section, NULL, NULL);
    return keys ? keys : g_new0(char *, 1);
}

const char *sim_config_free_section_value(const SimConfig *cfg, const char *section,
                                          const char *key)
{
    g_autofree char *t = g_key_file_get_value(cfg->values, section, key, NULL);
    return t ? g_intern_string(t) : NULL;
}

const char *sim_config_source(const SimConfig *cfg)
{
    return cfg->source;
}

char *sim_config_name(const SimConfig *cfg)
{
    g_autofree char *base = g_path_get_basename(cfg->source);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return g_strdup(base);
}

/* ---- listing --------------------------------------------------------------------------- */

static void append_comment(GString *out, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++)
        g_string_append_printf(out, "# %s\n", lines[i]);
}

char *sim_config_to_data(const SimConfig *cfg, const char *header)
{
    GString *out = g_string_new(NULL);
    if (header)
        append_comment(out, header);
    for (guint i = 0; i < cfg->sections->len; i++) {
        const Section *s = g_ptr_array_index(cfg->sections, i);
        if (s->hidden)
            continue;
        gsize n = 0;
        g_auto(GStrv) free_keys = s->free_form ? sim_config_free_section_keys(cfg, s->name) : NULL;
        if (s->free_form && !free_keys[0])
            continue;  /* an empty free section is the same as none */
        g_string_append(out, "\n");
        if (s->help)
            append_comment(out, s->help);
        g_string_append_printf(out, "[%s]\n", s->name);
        if (s->free_form) {
            for (n = 0; free_keys[n]; n++) {
                g_autofree char *v = g_key_file_get_value(cfg->values, s->name, free_keys[n], NULL);
                g_string_append_printf(out, "%s = %s\n", free_keys[n], v);
            }
            continue;
        }
        for (guint j = 0; j < s->keys->len; j++) {
            const SimCfgKey *k = g_ptr_array_index(s->keys, j);
            g_autofree char *v = g_key_file_get_value(cfg->values, s->name, k->key, NULL);
            if (!condition_met(cfg, k))
                continue;  /* listing a key that does not apply would make the file invalid */
            append_comment(out, k->help);
            g_autofree char *allowed = allowed_text(k);
            g_string_append_printf(out, "# allowed: %s; default: %s\n%s = %s\n", allowed,
                                   *k->default_value ? k->default_value : "empty", k->key, v);
        }
    }
    return g_string_free(out, FALSE);
}

gboolean sim_config_hide_section(SimConfig *cfg, const char *section, const char *why,
                                 GError **error)
{
    Section *s = find_section(cfg, section);
    g_return_val_if_fail(s != NULL, FALSE);
    g_auto(GStrv) given = why ? g_key_file_get_keys(cfg->given, section, NULL, NULL) : NULL;
    if (given && given[0])
        return sim_config_fail(cfg, error, section, given[0], "%s", why);
    s->hidden = TRUE;
    return TRUE;
}
