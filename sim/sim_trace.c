#include "sim_trace.h"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim_atomic.h"

#define TRACE_FILE "trace.csv"
/* stdio buffer: tracing every operation of a long run writes hundreds of megabytes. */
#define TRACE_BUFFER (1 << 20)
/* Largest operation or key number the [trace] keys accept (ops.csv numbers are uint64). */
#define TRACE_NUMBER_MAX 1e15

static const SimCfgKey trace_keys[] = {
    { "trace", "ops", SIM_CFG_CHOICE, "none", 0, 0, "none|all|first|range|key", NULL,
      "Operations whose messages are written to trace.csv: none, all, the first `first`,\n"
      "the range `from`..`to` (numbers of ops.csv), or those on workload key `key`" },
    { "trace", "first", SIM_CFG_INT, "10", 1, TRACE_NUMBER_MAX, NULL, "ops=first",
      "Trace operations 0 .. first-1" },
    { "trace", "from", SIM_CFG_INT, "0", 0, TRACE_NUMBER_MAX, NULL, "ops=range",
      "First operation traced (its op in ops.csv)" },
    { "trace", "to", SIM_CFG_INT, "0", 0, TRACE_NUMBER_MAX, NULL, "ops=range",
      "Last operation traced, included" },
    { "trace", "key", SIM_CFG_INT, "0", 0, TRACE_NUMBER_MAX, NULL, "ops=key",
      "Trace the operations on this workload key (the key column of ops.csv)" },
};

struct SimTrace {
    Sim *sim;
    SimTraceSelection sel;
    SimAtomicFile file;       /* trace.csv, whole or absent */
    GError *open_error;       /* opening failed: reported by sim_trace_close() */
    uint64_t rows;
    GString *line;            /* reused row buffer */
};

/* ---- configuration -------------------------------------------------------------------- */

void sim_trace_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "Message traces of chosen operations: trace.csv (docs/output.md); "
                            "draw them with plots/sequence.sh",
                       trace_keys, G_N_ELEMENTS(trace_keys));
}

SimTraceSelection sim_trace_selection(const SimConfig *cfg)
{
    static const SimTraceMode modes[] = { SIM_TRACE_NONE, SIM_TRACE_ALL, SIM_TRACE_FIRST,
                                          SIM_TRACE_RANGE, SIM_TRACE_KEY };
    SimTraceSelection sel = { modes[sim_config_get_choice(cfg, "trace", "ops")], 0, 0, 0 };
    switch (sel.mode) {
    case SIM_TRACE_FIRST:
        sel.to = (uint64_t) sim_config_get_int(cfg, "trace", "first") - 1;
        break;
    case SIM_TRACE_RANGE:
        sel.from = (uint64_t) sim_config_get_int(cfg, "trace", "from");
        sel.to = (uint64_t) sim_config_get_int(cfg, "trace", "to");
        break;
    case SIM_TRACE_KEY:
        sel.key = (uint64_t) sim_config_get_int(cfg, "trace", "key");
        break;
    default:
        break;
    }
    return sel;
}

gboolean sim_trace_selects(const SimTraceSelection *sel, uint64_t op, uint64_t key)
{
    switch (sel->mode) {
    case SIM_TRACE_ALL:
        return TRUE;
    case SIM_TRACE_FIRST:
    case SIM_TRACE_RANGE:
        return op >= sel->from && op <= sel->to;
    case SIM_TRACE_KEY:
        return key == sel->key;
    default:
        return FALSE;
    }
}

/* A whole decimal number, nothing else. */
static gboolean parse_number(const char *text, guint64 *out)
{
    return text && *text && g_ascii_string_to_unsigned(text, 10, 0, (guint64) TRACE_NUMBER_MAX,
                                                       out, NULL);
}

static char **overrides(const char *ops, const char *k1, guint64 v1, const char *k2, guint64 v2)
{
    GPtrArray *a = g_ptr_array_new();
    g_ptr_array_add(a, g_strdup_printf("trace.ops=%s", ops));
    if (k1)
        g_ptr_array_add(a, g_strdup_printf("trace.%s=%" G_GUINT64_FORMAT, k1, v1));
    if (k2)
        g_ptr_array_add(a, g_strdup_printf("trace.%s=%" G_GUINT64_FORMAT, k2, v2));
    g_ptr_array_add(a, NULL);
    return (char **) g_ptr_array_free(a, FALSE);
}

char **sim_trace_spec_to_overrides(const char *spec, GError **error)
{
    if (!spec || strcmp(spec, "all") == 0)
        return overrides("all", NULL, 0, NULL, 0);
    if (strcmp(spec, "none") == 0)
        return overrides("none", NULL, 0, NULL, 0);
    const char *colon = strchr(spec, ':');
    g_autofree char *word = colon ? g_strndup(spec, (gsize) (colon - spec)) : g_strdup(spec);
    const char *arg = colon ? colon + 1 : NULL;
    guint64 a, b;
    if (strcmp(word, "first") == 0 && parse_number(arg, &a) && a > 0)
        return overrides("first", "first", a, NULL, 0);
    if (strcmp(word, "key") == 0 && parse_number(arg, &a))
        return overrides("key", "key", a, NULL, 0);
    if (strcmp(word, "op") == 0 && arg) {
        const char *dash = strchr(arg, '-');
        g_autofree char *lo = dash ? g_strndup(arg, (gsize) (dash - arg)) : g_strdup(arg);
        if (parse_number(lo, &a) && (dash ? parse_number(dash + 1, &b) : (b = a, TRUE)) && a <= b)
            return overrides("range", "from", a, "to", b);
    }
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--trace=%s: expected all, none, first:N (N > 0), op:A, op:A-B (A <= B) or "
                "key:K", spec);
    return NULL;
}

/* ---- rows ----------------------------------------------------------------------------- */

const char *sim_trace_fate_name(const SimTraceRow *row)
{
    switch (row->fate) {
    case SIM_FATE_LOST:
        return "lost";
    case SIM_FATE_DEAD:
        return "dropped-at-dead-node";
    default:
        return row->late ? "timed-out" : row->after_end ? "after-end" : "delivered";
    }
}

/* Milliseconds, exact to the nanosecond, without trailing zeros: 1500000 ns -> "1.5". */
static void append_ms(GString *out, SimTime t)
{
    g_string_append_printf(out, "%" PRId64, t / SIM_MS);
    int64_t frac = t % SIM_MS;
    if (frac == 0)
        return;
    char digits[8];
    g_snprintf(digits, sizeof digits, "%06" PRId64, frac);
    for (int i = 5; digits[i] == '0'; i--)
        digits[i] = '\0';
    g_string_append_printf(out, ".%s", digits);
}

void sim_trace_write(SimTrace *trace, const SimTraceRow *row)
{
    GString *l = trace->line;
    g_string_truncate(l, 0);
    append_ms(l, row->sent);
    g_string_append_printf(l, ",%" PRIu64 ",%u,%u,%s,%u,", row->op, row->from, row->to,
                           sim_msg_type_name(trace->sim, row->type), row->hop);
    if (row->bits_to_target >= 0)  /* PING has no target: the field does not apply */
        g_string_append_printf(l, "%d", row->bits_to_target);
    g_string_append_printf(l, ",%s\n", sim_trace_fate_name(row));
    if (trace->file.f)
        fwrite(l->str, 1, l->len, trace->file.f);
    trace->rows++;
}

uint64_t sim_trace_rows(const SimTrace *trace) { return trace->rows; }

/* The engine's tracer: the rows of the selected operations. */
static void on_row(void *ctx, const SimTraceRow *row)
{
    SimTrace *trace = ctx;
    if (sim_trace_selects(&trace->sel, row->op, row->key))
        sim_trace_write(trace, row);
}

SimTrace *sim_trace_new(Sim *sim, const char *dir)
{
    SimTrace *trace = g_new0(SimTrace, 1);
    trace->sim = sim;
    trace->line = g_string_sized_new(128);
    if (sim_atomic_open(&trace->file, dir, TRACE_FILE, TRACE_BUFFER, &trace->open_error))
        fputs(SIM_TRACE_COLUMNS "\n", trace->file.f);
    return trace;
}

SimTrace *sim_trace_open(Sim *sim, const char *dir)
{
    SimTraceSelection sel = sim_trace_selection(sim_config(sim));
    if (sel.mode == SIM_TRACE_NONE)
        return NULL;
    SimTrace *trace = sim_trace_new(sim, dir);
    trace->sel = sel;
    sim_set_tracer(sim, on_row, trace);
    return trace;
}

/* Flush to disk and rename into place: trace.csv is whole or absent. */
static gboolean commit(SimTrace *trace, GError **error)
{
    if (trace->open_error) {
        g_propagate_error(error, trace->open_error);
        trace->open_error = NULL;
        sim_atomic_abandon(&trace->file);
        return FALSE;
    }
    return sim_atomic_commit(&trace->file, error);
}

gboolean sim_trace_close(SimTrace *trace, GError **error)
{
    if (!trace)
        return TRUE;
    if (trace->sel.mode != SIM_TRACE_NONE)
        sim_set_tracer(trace->sim, NULL, NULL);
    gboolean ok = commit(trace, error);
    g_string_free(trace->line, TRUE);
    g_free(trace);
    return ok;
}
