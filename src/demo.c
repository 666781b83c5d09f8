/* demo — the walk-through: a small network joins for real, one node stores VALUE under the
 * SHA-1 of KEY, a node far from that key gets it back, and the program says what happened
 * message by message; the get's messages go to trace.csv and plots/sequence.sh draws them. */
#include "config.h"

#include "demo.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kad.h"
#include "plots.h"
#include "program.h"
#include "sim.h"
#include "sim_folder.h"
#include "sim_results.h"
#include "sim_trace.h"

/* The value did not come back (or the run failed). */
#define EXIT_NOT_BACK EXIT_RUNTIME
#define DEMO_NODES    64
#define DEMO_ROOT     "results/demo"
/* Quiet time after the joins before the store, and between the store and the get: long
 * enough for any operation of a small network, timeouts and retries included. */
#define DEMO_SETTLE   (1 * SIM_MIN)
/* The run goes on past its planned end, a second at a time, until the get and every message
 * of it are done (a message still travelling would be missing from trace.csv), at most this. */
#define DEMO_GRACE    (10 * SIM_MIN)
#define DEMO_STEP     SIM_S
/* Hex digits of an ID shown beside a node (the whole key is shown once). */
#define ID_SHOWN      8
/* Width of the wrapped list of holders. */
#define LINE_WIDTH    96

/* The network: the defaults of every model (constant latency, no loss, no churn), joins
 * spread over a minute, no workload: the demo's store and get are the only operations. */
static const char demo_ini[] =
    "[simulation]\nduration = 3min\n"
    "[workload]\njoin = ramp\njoin_ramp = 1min\n";

typedef struct {
    char *out_dir;
    gint64 seed;
    gint nodes;
    char **sets;
    gboolean recursive, no_plots, quiet, force;
    char **rest;  /* KEY VALUE, as raw bytes */
} DemoOptions;

typedef struct {
    Sim *sim;
    Kad *kad;
    KadId key;
    GArray *ops;           /* SimOp: the stores and gets that finished */
    uint64_t trace_from;   /* trace the operations from this number on (the get) */
    gboolean tracing;
    GArray *rows;          /* SimTraceRow: the messages of those operations */
} Demo;

/* ---- the command line ------------------------------------------------------------------ */

static int parse_options(int *argc, char ***argv, DemoOptions *o)
{
    o->seed = -1;
    o->nodes = DEMO_NODES;
    GOptionEntry entries[] = {
        { "nodes", 'n', 0, G_OPTION_ARG_INT, &o->nodes, "Nodes in the network (default 64)",
          "N" },
        { "seed", 's', 0, G_OPTION_ARG_INT64, &o->seed, "Master seed", "N" },
        { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->sets,
          "Override one value, e.g. --set network.loss=bernoulli (repeatable)",
          "SECTION.KEY=VALUE" },
        { "recursive", 'r', 0, G_OPTION_ARG_NONE, &o->recursive,
          "Recursive lookups (default: iterative)", NULL },
        { "out", 'o', 0, G_OPTION_ARG_FILENAME, &o->out_dir,
          "Results folder (default: results/demo, results/demo-recursive)", "DIR" },
        { "force", 'f', 0, G_OPTION_ARG_NONE, &o->force,
          "Replace an existing results folder (as for a run)", NULL },
        { "no-plots", 0, 0, G_OPTION_ARG_NONE, &o->no_plots, "Do not draw the diagram", NULL },
        { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet,
          "Print only the value that came back", NULL },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->rest, NULL, NULL },
        G_OPTION_ENTRY_NULL
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("KEY VALUE");
    g_option_context_set_summary(ctx,
        "Store VALUE under KEY (its SHA-1) in a small Kademlia network, get it back from a\n"
        "node far from the key, and show each message of the get (trace.csv, sequence.png).");
    g_option_context_set_description(ctx,
        "Exit status: 0 when the value came back, 1 when it did not, 2 usage error.\n"
        "Walk-through: docs/tutorial.md.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &error)) {
        fprintf(stderr, "kadsim demo: %s\nTry 'kadsim demo --help'.\n", error->message);
        return EXIT_USAGE;
    }
    if (!o->rest || !o->rest[0] || !o->rest[1] || o->rest[2]) {
        fprintf(stderr, "kadsim demo: give a KEY and a VALUE, e.g. kadsim demo hello world\n"
                        "Try 'kadsim demo --help'.\n");
        return EXIT_USAGE;
    }
    if (o->nodes < 2) {
        fprintf(stderr, "kadsim demo: --nodes must be at least 2 (a node that stores, one "
                        "that gets)\n");
        return EXIT_USAGE;
    }
    return EXIT_SUCCESS;
}

static void options_clear(DemoOptions *o)
{
    g_free(o->out_dir);
    g_strfreev(o->sets);
    g_strfreev(o->rest);
}

/* ---- configuration ------------------------------------------------------------------- */

static SimConfig *demo_config(const DemoOptions *o, GError **error)
{
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    sim_results_declare(cfg);
    kad_protocol_class.declare(cfg);
    g_autofree char *nodes = g_strdup_printf("%d", o->nodes);
    g_autofree char *seed = g_strdup_printf("%" G_GINT64_FORMAT, o->seed);
    gboolean ok = sim_config_load_data(cfg, "demo.ini", demo_ini, error)
        && sim_config_set(cfg, "simulation", "nodes", nodes, "--nodes", error)
        && (o->seed < 0 || sim_config_set(cfg, "simulation", "seed", seed, "--seed", error))
        && (!o->recursive
            || sim_config_set(cfg, "kademlia", "lookup", "recursive", "--recursive", error));
    for (char **s = o->sets; ok && s && *s; s++)
        ok = sim_config_set_override(cfg, *s, error);
    ok = ok && kad_protocol_class.resolve(cfg, error);  /* a --set kademlia.profile */
    /* room for the store and the get after the joins, whatever --set said */
    SimTime ramp = sim_config_get_duration(cfg, "workload", "join_ramp");
    SimTime need = ramp + 3 * DEMO_SETTLE;
    if (ok && sim_config_get_duration(cfg, "simulation", "duration") < need) {
        g_autofree char *text = g_strdup_printf("%" G_GINT64_FORMAT "s", need / SIM_S + 1);
        ok = sim_config_set(cfg, "simulation", "duration", text, NULL, error);
    }
    ok = ok && sim_config_set(cfg, "output", "title", o->recursive ? "demo (recursive)" : "demo",
                              NULL, error);
    if (!ok) {
        sim_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* ---- observing the run ----------------------------------------------------------------- */

static void on_op_done(void *ctx, const SimOp *op)
{
    Demo *d = ctx;
    if (op->kind == SIM_OP_STORE || op->kind == SIM_OP_GET)
        g_array_append_val(d->ops, *op);
}

static void on_row(void *ctx, const SimTraceRow *row)
{
    Demo *d = ctx;
    if (d->tracing && row->op >= d->trace_from)
        g_array_append_val(d->rows, *row);
}

static const SimOp *find_op(const Demo *d, uint64_t id)
{
    for (guint i = 0; i < d->ops->len; i++)
        if (g_array_index(d->ops, SimOp, i).id == id)
            return &g_array_index(d->ops, SimOp, i);
    return NULL;
}

/* Messages of operation `op` traced so far. */
static guint rows_of(const Demo *d, uint64_t op)
{
    guint n = 0;
    for (guint i = 0; i < d->rows->len; i++)
        n += g_array_index(d->rows, SimTraceRow, i).op == op;
    return n;
}

/* Is the get over, with every message of it traced? */
static gboolean get_settled(const Demo *d, uint64_t get_op)
{
    const SimOp *op = find_op(d, get_op);
    return op && rows_of(d, get_op) >= op->messages;
}

/* Keep only the rows of operation `op`, in the order they came. */
static void keep_rows_of(Demo *d, uint64_t op)
{
    guint w = 0;
    for (guint i = 0; i < d->rows->len; i++)
        if (g_array_index(d->rows, SimTraceRow, i).op == op)
            g_array_index(d->rows, SimTraceRow, w++) = g_array_index(d->rows, SimTraceRow, i);
    g_array_set_size(d->rows, w);
}

/* ---- distances ------------------------------------------------------------------------- */

static guint id_bits(const Demo *d) { return kad_id_bits(d->kad); }

static guint shared_bits(const Demo *d, SimHost host)
{
    return kad_id_cpl(kad_host_id(d->kad, host), &d->key, id_bits(d));
}

/* log2 of the XOR distance from host's ID to the key (an id_bits-bit number); -inf at 0. IDs
 * sit at the top of 256 bits, so the distance is the 256-bit XOR shifted right. */
static double distance_log2(const Demo *d, SimHost host)
{
    KadId x = kad_id_xor(kad_host_id(d->kad, host), &d->key);
    for (int i = 0; i < KAD_ID_WORDS; i++) {
        if (!x.w[i])
            continue;
        double top = (double) x.w[i] + (i + 1 < KAD_ID_WORDS ? ldexp((double) x.w[i + 1], -64)
                                                             : 0.0);
        return log2(top) + 64.0 * (KAD_ID_WORDS - 1 - i) - (KAD_ID_MAX_BITS - id_bits(d));
    }
    return -INFINITY;
}

static void append_distance(GString *out, const Demo *d, SimHost host)
{
    double l = distance_log2(d, host);
    guint bits = shared_bits(d, host);
    g_string_append_printf(out, "shares %3u bit%s, XOR distance ", bits, bits == 1 ? " " : "s");
    if (isinf(l))
        g_string_append(out, "0");
    else
        g_string_append_printf(out, "2^%.1f", floor(l * 10) / 10);  /* 2^159.97 is not 2^160 */
}

static char *short_id(const Demo *d, SimHost host)
{
    g_autofree char *hex = kad_id_to_hex(kad_host_id(d->kad, host), id_bits(d));
    return g_strdup_printf("%.*s…", ID_SHOWN, hex);
}

/* The up host other than `except` farthest from the key. */
static SimHost farthest_from_key(const Demo *d, SimHost except)
{
    SimHost best = SIM_HOST_NONE;
    KadId best_d = { { 0 } };
    for (guint i = 0; i < sim_hosts_up(d->sim); i++) {
        SimHost h = sim_up_host(d->sim, i);
        if (h == except || !kad_host_id(d->kad, h))
            continue;
        KadId x = kad_id_xor(kad_host_id(d->kad, h), &d->key);
        if (best == SIM_HOST_NONE || kad_id_cmp(&x, &best_d) > 0) {
            best = h;
            best_d = x;
        }
    }
    return best;
}

/* ---- printing bytes -------------------------------------------------------------------- */

/* Bytes as a double-quoted string a user can read: UTF-8 as it is, control characters, quotes,
 * backslashes and bytes that are not UTF-8 escaped. */
static char *quoted(GBytes *bytes)
{
    gsize n;
    const char *p = g_bytes_get_data(bytes, &n);
    GString *out = g_string_new("\"");
    for (gsize i = 0; i < n;) {
        guchar c = (guchar) p[i];
        gunichar u = c < 0x80 ? c : g_utf8_get_char_validated(p + i, (gssize) (n - i));
        gsize len = c < 0x80 ? 1 : (gsize) (g_utf8_next_char(p + i) - (p + i));
        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (u < 0x110000 && !g_unichar_iscntrl(u))
            g_string_append_len(out, p + i, (gssize) len);
        else {
            g_string_append_printf(out, "\\x%02x", c);
            len = 1;
        }
        i += len;
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}

/* ---- the story ----------------------------------------------------------------------- */

/* The reply that carried the answer: delivered to the origin at the very end of the get. */
static const SimTraceRow *answer_row(const Demo *d, const SimOp *get)
{
    for (guint i = 0; i < d->rows->len; i++) {
        const SimTraceRow *r = &g_array_index(d->rows, SimTraceRow, i);
        if (r->to == get->origin && r->fate == SIM_FATE_DELIVERED && !r->late
            && r->arrived == get->end)
            return r;
    }
    return NULL;
}

/* The type of the answer (FIND_VALUE_REPLY), or an impossible one without an answer. */
static uint16_t answer_type(const Demo *d, const SimTraceRow *answer)
{
    return answer ? answer->type : G_MAXUINT16;
}

static int by_send_time(gconstpointer a, gconstpointer b)
{
    const SimTraceRow *x = a, *y = b;
    return x->sent < y->sent ? -1 : x->sent > y->sent ? 1 : 0;
}

static void print_holders(const Demo *d)
{
    SimHost holders[1024];
    guint n = kad_holders(d->kad, &d->key, holders, G_N_ELEMENTS(holders));
    /* closest first */
    for (guint i = 1; i < n; i++)
        for (guint j = i; j > 0 && distance_log2(d, holders[j]) < distance_log2(d, holders[j - 1]);
             j--) {
            SimHost t = holders[j];
            holders[j] = holders[j - 1];
            holders[j - 1] = t;
        }
    printf("  held by %u node%s (k = %u), closest to the key first (bits shared with it):\n",
           n, n == 1 ? "" : "s", kad_k(d->kad));
    GString *line = g_string_new("   ");
    for (guint i = 0; i < n; i++) {
        g_autofree char *item = g_strdup_printf(" node %u (%u)%s", holders[i],
                                                shared_bits(d, holders[i]), i + 1 < n ? "," : "");
        if (line->len + strlen(item) > LINE_WIDTH) {
            printf("%s\n", line->str);
            g_string_assign(line, "   ");
        }
        g_string_append(line, item);
    }
    if (n)
        printf("%s\n", line->str);
    g_string_free(line, TRUE);
}

static gboolean holds_key(const Demo *d, SimHost host)
{
    SimHost holders[1024];
    guint n = kad_holders(d->kad, &d->key, holders, G_N_ELEMENTS(holders));
    for (guint i = 0; i < n; i++)
        if (holders[i] == host)
            return TRUE;
    return FALSE;
}

static void print_messages(const Demo *d, const SimOp *get, const SimTraceRow *answer)
{
    g_autoptr(GArray) sorted = g_array_copy(d->rows);
    g_array_sort(sorted, by_send_time);  /* stable: same-time messages stay in trace order */
    printf("  its messages (ms since the get began: sent → arrived):\n");
    for (guint i = 0; i < sorted->len; i++) {
        const SimTraceRow *r = &g_array_index(sorted, SimTraceRow, i);
        const char *type = sim_msg_type_name(d->sim, r->type);
        g_autoptr(GString) l = g_string_new(NULL);
        g_string_append_printf(l, "    %7.1f → ", sim_time_to_ms(r->sent - get->start));
        if (r->arrived >= 0)
            g_string_append_printf(l, "%7.1f", sim_time_to_ms(r->arrived - get->start));
        else
            g_string_append(l, "   lost");
        g_string_append_printf(l, "  node %-4u → node %-4u %-17s ", r->from, r->to, type);
        gboolean is_answer = answer && r->from == answer->from && r->sent == answer->sent
                             && r->to == answer->to;
        if (!g_str_has_suffix(type, "_REPLY"))
            append_distance(l, d, r->to);
        else if (is_answer)
            g_string_append(l, "the value: the get is over");
        else if (r->type == answer_type(d, answer) && holds_key(d, r->from))
            g_string_append(l, r->fate == SIM_FATE_DELIVERED && !r->late
                                   ? "the value too (too late to matter)" : "the value");
        else
            g_string_append(l, "the closest contacts it knows");
        if (r->fate != SIM_FATE_DELIVERED || r->late)
            g_string_append_printf(l, "  [%s]", sim_trace_fate_name(r));
        printf("%s\n", l->str);
    }
}

/* The hop at which the answering node was asked. */
static guint answer_hop(const Demo *d, const SimTraceRow *answer)
{
    for (guint i = 0; i < d->rows->len; i++) {
        const SimTraceRow *r = &g_array_index(d->rows, SimTraceRow, i);
        if (r->to == answer->from && r->fate == SIM_FATE_DELIVERED)
            return r->hop;
    }
    return 0;
}

/* Is the answering node the closest one reached at its hop (print_hops() marks it then)? */
static gboolean answered_shown(const Demo *d, const SimTraceRow *answer)
{
    guint hop = answer_hop(d, answer);
    for (guint i = 0; i < d->rows->len; i++) {
        const SimTraceRow *r = &g_array_index(d->rows, SimTraceRow, i);
        const char *type = sim_msg_type_name(d->sim, r->type);
        if (r->hop == hop && r->fate == SIM_FATE_DELIVERED && !g_str_has_suffix(type, "_REPLY")
            && distance_log2(d, r->to) < distance_log2(d, answer->from))
            return FALSE;
    }
    return TRUE;
}

/* Each hop: the closest node the query reached there, so the distance is seen to shrink. */
static void print_hops(const Demo *d, const SimOp *get, const SimTraceRow *answer)
{
    printf("  hop by hop, the closest node reached:\n");
    g_autoptr(GString) l = g_string_new(NULL);
    g_string_printf(l, "    hop 0  node %-4u ", get->origin);
    append_distance(l, d, get->origin);
    printf("%s  (the node asking)\n", l->str);
    guint max_hop = 0;
    for (guint i = 0; i < d->rows->len; i++)
        max_hop = MAX(max_hop, g_array_index(d->rows, SimTraceRow, i).hop);
    for (guint h = 1; h <= max_hop; h++) {
        SimHost best = SIM_HOST_NONE;
        for (guint i = 0; i < d->rows->len; i++) {
            const SimTraceRow *r = &g_array_index(d->rows, SimTraceRow, i);
            const char *type = sim_msg_type_name(d->sim, r->type);
            if (r->hop != h || g_str_has_suffix(type, "_REPLY") || r->fate != SIM_FATE_DELIVERED)
                continue;
            if (best == SIM_HOST_NONE || distance_log2(d, r->to) < distance_log2(d, best))
                best = r->to;
        }
        if (best == SIM_HOST_NONE)
            continue;
        g_string_printf(l, "    hop %-2u node %-4u ", h, best);
        append_distance(l, d, best);
        printf("%s%s\n", l->str, answer && answer->from == best ? "  had the value" : "");
    }
    if (answer && !answered_shown(d, answer))
        printf("    the value came from node %u (hop %u), which answered first\n", answer->from,
               answer_hop(d, answer));
}

static guint rows_with_fate(const Demo *d, SimFate fate)
{
    guint n = 0;
    for (guint i = 0; i < d->rows->len; i++)
        n += g_array_index(d->rows, SimTraceRow, i).fate == fate;
    return n;
}

/* Why the value did not come back, in words; NULL when it did. Caller frees. */
static char *why_not_back(const Demo *d, const SimOp *put, const SimOp *get, GBytes *value,
                          GBytes *got)
{
    if (got && g_bytes_equal(got, value))
        return NULL;
    if (!get)
        return g_strdup("the get had not finished when the run ended");
    if (got)
        return g_strdup("the get returned other bytes than were stored");
    SimHost holders[1];
    guint held = kad_holders(d->kad, &d->key, holders, 1);
    GString *why = g_string_new(NULL);
    if (!put || !put->success)
        g_string_append(why, "the store failed: no node acknowledged a STORE");
    else if (!held)
        g_string_append(why, "no node holds the key any more");
    else
        g_string_append(why, "the get found no node holding the key");
    g_string_append_printf(why, "; the get sent %u message%s (lost: %u, to nodes that were "
                           "down: %u) and met %u timeout%s", get->messages,
                           get->messages == 1 ? "" : "s", rows_with_fate(d, SIM_FATE_LOST),
                           rows_with_fate(d, SIM_FATE_DEAD), get->timeouts,
                           get->timeouts == 1 ? "" : "s");
    return g_string_free(why, FALSE);
}

static void print_story(const Demo *d, GBytes *key_bytes, GBytes *value, SimHost putter,
                        const SimOp *put, SimHost getter, const SimOp *get, GBytes *got)
{
    const SimConfig *cfg = sim_config(d->sim);
    g_autofree char *key_hex = kad_id_to_hex(&d->key, id_bits(d));
    g_autofree char *key_text = quoted(key_bytes);
    g_autofree char *value_text = quoted(value);
    printf("kadsim demo: %u nodes joined one by one through a bootstrap node (%s lookups, "
           "k = %u, alpha = %" G_GINT64_FORMAT ", seed %" G_GINT64_FORMAT ")\n\n",
           sim_hosts(d->sim), sim_config_get_string(cfg, "kademlia", "lookup"), kad_k(d->kad),
           sim_config_get_int(cfg, "kademlia", "alpha"),
           sim_config_get_int(cfg, "simulation", "seed"));
    printf("key    %s\n       SHA-1 = %s (%u bits): the ID the network stores it under\n\n",
           key_text, key_hex, id_bits(d));

    g_autofree char *pid = short_id(d, putter);
    g_autoptr(GString) l = g_string_new(NULL);
    append_distance(l, d, putter);
    printf("store  node %u (ID %s, %s)\n       stores %s (%" G_GSIZE_FORMAT " bytes)\n",
           putter, pid, l->str, value_text, g_bytes_get_size(value));
    if (put)
        printf("  a FIND_NODE lookup of the key, then STORE to the k closest that answered:\n"
               "  %s, %u hop%s, %u message%s, %.1f ms\n", put->success ? "stored" : "FAILED",
               put->hops, put->hops == 1 ? "" : "s", put->messages,
               put->messages == 1 ? "" : "s", sim_time_to_ms(put->end - put->start));
    print_holders(d);

    g_autofree char *gid = short_id(d, getter);
    g_string_truncate(l, 0);
    append_distance(l, d, getter);
    printf("\nget    node %u (ID %s, %s), the node farthest from the key,\n"
           "       asks for it; its routing table holds %u of the other %u nodes\n", getter, gid,
           l->str, kad_host_table_size(d->kad, getter), sim_hosts(d->sim) - 1);
    if (!get)
        return;
    const SimTraceRow *answer = answer_row(d, get);
    print_messages(d, get, answer);
    print_hops(d, get, answer);
    if (got) {
        g_autofree char *got_text = quoted(got);
        printf("\nvalue  %s (%" G_GSIZE_FORMAT " bytes)%s\n", got_text, g_bytes_get_size(got),
               g_bytes_equal(got, value) ? ", the value stored" : ": NOT the value stored");
    } else {
        printf("\nvalue  none came back\n");
    }
    printf("       %u hop%s, %u message%s, %u timeout%s, %.1f ms of simulated time\n",
           get->hops, get->hops == 1 ? "" : "s", get->messages, get->messages == 1 ? "" : "s",
           get->timeouts, get->timeouts == 1 ? "" : "s", sim_time_to_ms(get->end - get->start));
}

/* ---- the diagram ----------------------------------------------------------------------- */

/* plots/sequence.sh, where the plot scripts are (kadsim_plot_scripts). Caller frees; NULL when
 * none is found. */
static char *find_sequence_script(void)
{
    g_autofree char *dir = kadsim_plot_scripts();
    char *script = dir ? g_build_filename(dir, "sequence.sh", NULL) : NULL;
    if (script && g_file_test(script, G_FILE_TEST_IS_REGULAR))
        return script;
    g_free(script);
    return NULL;
}

/* Draw the diagram (sequence.png/.svg) and write sequence.md. Returns what to tell the user;
 * *failed when drawing was tried and failed (not when it was not asked for or not possible). */
static char *draw(const char *dir, const DemoOptions *o, gboolean *failed)
{
    *failed = FALSE;
    if (o->no_plots)
        return g_strdup("not drawn (--no-plots)");
    g_autofree char *script = find_sequence_script();
    if (!script)
        return g_strdup("not drawn: plots/sequence.sh not found (set KADSIM_PLOTS_DIR)");
    const char *gnuplot = kadsim_gnuplot();
    char *argv[] = { "sh", script, (char *) dir, NULL };
    g_auto(GStrv) env = g_environ_setenv(g_get_environ(), "GNUPLOT", gnuplot, TRUE);
    g_autofree char *err_text = NULL;
    int status;
    g_autoptr(GError) error = NULL;
    *failed = TRUE;
    if (!g_spawn_sync(NULL, argv, env, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                      NULL, NULL, &err_text, &status, &error))
        return g_strdup_printf("not drawn: %s", error->message);
    if (!g_spawn_check_wait_status(status, NULL) || *g_strstrip(err_text))
        return g_strdup_printf("not drawn: %s", *err_text ? err_text : "sequence.sh failed");
    *failed = FALSE;
    if (!*gnuplot)
        return g_strdup_printf("%s/sequence.md (Mermaid); no image: gnuplot not found", dir);
    return g_strdup_printf("%s/sequence.png (and .svg; Mermaid: sequence.md)", dir);
}

/* ---- the run --------------------------------------------------------------------------- */

/* Store, get, run until the get is over, write the folder, tell the story. Returns the exit
 * status. */
static int play(Demo *d, SimResults *res, const DemoOptions *o, const char *dir,
                GBytes *key_bytes, GBytes *value)
{
    Sim *sim = d->sim;
    const SimConfig *cfg = sim_config(sim);
    g_autoptr(GError) error = NULL;
    SimTime put_at = sim_config_get_duration(cfg, "workload", "join_ramp") + DEMO_SETTLE;
    SimTime get_at = put_at + DEMO_SETTLE;
    SimTime until = sim_config_get_duration(cfg, "simulation", "duration");
    sim_run(sim, put_at);
    SimRngState rng;
    sim_stream_state(sim, "demo", 0, &rng);
    SimHost putter = sim_random_up_host(sim, &rng, SIM_HOST_NONE);
    SimHost getter = farthest_from_key(d, putter);
    if (putter == SIM_HOST_NONE || getter == SIM_HOST_NONE) {
        fprintf(stderr, "kadsim demo: fewer than two nodes are up\n");
        return EXIT_NOT_BACK;
    }
    uint64_t put_op = kad_put(d->kad, putter, &d->key, kad_value_new(d->kad, value));
    sim_run(sim, get_at);
    /* from here on, no operation begins but the get: its messages are those of ops > put */
    d->trace_from = put_op + 1;
    d->tracing = TRUE;
    uint64_t get_op = kad_get(d->kad, getter, &d->key);
    SimStopReason why = sim_run(sim, until);
    while (!get_settled(d, get_op) && why == SIM_STOP_END_TIME
           && sim_now(sim) < until + DEMO_GRACE)
        why = sim_run(sim, sim_now(sim) + DEMO_STEP);
    sim_set_tracer(sim, NULL, NULL);
    keep_rows_of(d, get_op);

    SimTrace *trace = sim_trace_new(sim, dir);
    for (guint i = 0; i < d->rows->len; i++)
        sim_trace_write(trace, &g_array_index(d->rows, SimTraceRow, i));
    const char *subtitle = o->recursive ? "recursive lookups" : "iterative lookups";
    if (!sim_check_conservation(sim, &error) || !sim_trace_close(trace, &error)
        || !sim_results_finish(res, why, &error)
        || !kadsim_plots_write_labels(res, subtitle, &error))
        return kadsim_fail("kadsim demo", error);
    if (why == SIM_STOP_REQUESTED) {
        fprintf(stderr, "kadsim demo: stopped; %s/ holds what was measured (PARTIAL)\n", dir);
        return EXIT_SIGNALLED(kadsim_interrupted() ? kadsim_interrupted() : SIGINT);
    }
    const SimOp *put = find_op(d, put_op), *get = find_op(d, get_op);
    GBytes *got = get ? kad_op_value(d->kad, get_op) : NULL;
    g_autofree char *why_not = why_not_back(d, put, get, value, got);
    gboolean draw_failed = FALSE;
    g_autofree char *diagram = get ? draw(dir, o, &draw_failed) : g_strdup("not drawn: no get");
    if (draw_failed)
        fprintf(stderr, "kadsim demo: diagram %s\n", diagram);
    else if (!kadsim_interrupted() && !sim_folder_complete(dir, &error))
        return kadsim_fail("kadsim demo", error);
    if (o->quiet && got) {
        fwrite(g_bytes_get_data(got, NULL), 1, g_bytes_get_size(got), stdout);
        putchar('\n');
    } else if (!o->quiet) {
        print_story(d, key_bytes, value, putter, put, getter, get, got);
        printf("\nresults %s/ (trace.csv: the get's messages; ops.csv, summary.csv, run.ini)\n"
               "diagram %s\n", dir, diagram);
    }
    if (kadsim_interrupted())
        return EXIT_SIGNALLED(kadsim_interrupted());
    if (why_not) {
        fprintf(stderr, "kadsim demo: the value did not come back: %s\n", why_not);
        return EXIT_NOT_BACK;
    }
    return draw_failed ? EXIT_RUNTIME : EXIT_SUCCESS;
}

/* Between batches of events: a signal stops the demo (its folder stays PARTIAL). */
static void poll_interrupt(Sim *sim, void *ctx)
{
    if (kadsim_interrupted())
        sim_request_stop(sim);
}

static int run_demo(SimConfig *cfg, const DemoOptions *o, const char *dir)
{
    g_autoptr(GError) error = NULL;
    Sim *sim = sim_new(cfg, &kad_protocol_class, &error);
    if (!sim)
        return kadsim_fail("kadsim demo", error);
    SimResultsOptions ropt = {
        .force = o->force, .owned_extra = kadsim_plot_files,
        .header = "kadsim " PACKAGE_VERSION " demo: the network of `kadsim demo`, without its "
                  "store and get (rerun the demo command for those)",
    };
    SimResults *res = sim_results_new(sim, dir, &ropt, &error);
    if (!res) {
        sim_free(sim);
        return kadsim_fail("kadsim demo", error);
    }
    sim_set_progress(sim, poll_interrupt, NULL, 0.1);
    GBytes *key_bytes = g_bytes_new(o->rest[0], strlen(o->rest[0]));
    GBytes *value = g_bytes_new(o->rest[1], strlen(o->rest[1]));
    Demo d = { .sim = sim, .kad = kad_of(sim), .ops = g_array_new(FALSE, FALSE, sizeof(SimOp)),
               .rows = g_array_new(FALSE, FALSE, sizeof(SimTraceRow)) };
    d.key = kad_id_hash(o->rest[0], strlen(o->rest[0]), kad_id_bits(d.kad));
    SimObserver obs = { .op_done = on_op_done };
    sim_add_observer(sim, &obs, &d);
    sim_set_tracer(sim, on_row, &d);
    int status = play(&d, res, o, dir, key_bytes, value);
    sim_results_free(res);
    sim_free(sim);
    g_array_free(d.ops, TRUE);
    g_array_free(d.rows, TRUE);
    g_bytes_unref(key_bytes);
    g_bytes_unref(value);
    return status;
}

int kadsim_demo_main(int argc, char **argv)
{
    DemoOptions o = { 0 };
    int status = parse_options(&argc, &argv, &o);
    if (status != EXIT_SUCCESS) {
        options_clear(&o);
        return status;
    }
    g_autoptr(GError) error = NULL;
    SimConfig *cfg = demo_config(&o, &error);
    if (!cfg) {
        fprintf(stderr, "kadsim demo: %s\n", error->message);
        options_clear(&o);
        return EXIT_USAGE;
    }
    g_autofree char *dir = o.out_dir ? g_strdup(o.out_dir)
                                     : g_strdup(o.recursive ? DEMO_ROOT "-recursive" : DEMO_ROOT);
    kadsim_catch_interrupts();  /* until the process ends, as for a run (src/cli.c) */
    status = run_demo(cfg, &o, dir);
    sim_config_free(cfg);
    options_clear(&o);
    return status;
}
