/* sim_trace: --trace specs, [trace] selections, and trace.csv of a real Kademlia run — its
 * rows add up to the operations' messages, replies follow their requests the other way, and
 * tracing changes no operation. */
#include "cunit_main.h"
#include "kad_test_util.h"

#include <glib/gstdio.h>

#include "sim_trace.h"

/* ---- --trace=SPEC ---------------------------------------------------------------------- */

static char *joined(char **v)
{
    char *s = v ? g_strjoinv(" ", v) : g_strdup("(refused)");
    g_strfreev(v);
    return s;
}

static char *spec(const char *text)
{
    GError *error = NULL;
    char **v = sim_trace_spec_to_overrides(text, &error);
    g_clear_error(&error);
    return joined(v);
}

static void test_trace_specs_become_trace_overrides(void)
{
    static const char *const cases[][2] = {
        { NULL, "trace.ops=all" },
        { "all", "trace.ops=all" },
        { "none", "trace.ops=none" },
        { "first:20", "trace.ops=first trace.first=20" },
        { "op:7", "trace.ops=range trace.from=7 trace.to=7" },
        { "op:3-9", "trace.ops=range trace.from=3 trace.to=9" },
        { "key:42", "trace.ops=key trace.key=42" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = spec(cases[i][0]);
        CU_ASSERT_STRING_EQUAL(got, cases[i][1]);
    }
}

static void test_wrong_trace_specs_are_refused(void)
{
    static const char *const bad[] = { "", "first", "first:0", "first:x", "op:", "op:9-3",
                                       "op:1-", "key:-1", "keys:1", "all:3", "first:20x" };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        GError *error = NULL;
        char **v = sim_trace_spec_to_overrides(bad[i], &error);
        CU_ASSERT_PTR_NULL(v);
        CU_ASSERT_PTR_NOT_NULL(error);
        if (error)
            CU_ASSERT_PTR_NOT_NULL(strstr(error->message, "first:N"));
        g_strfreev(v);
        g_clear_error(&error);
    }
}

static void test_selections_pick_their_operations(void)
{
    SimTraceSelection none = { SIM_TRACE_NONE, 0, 0, 0 }, all = { SIM_TRACE_ALL, 0, 0, 0 };
    SimTraceSelection first = { SIM_TRACE_FIRST, 0, 9, 0 }, range = { SIM_TRACE_RANGE, 5, 6, 0 };
    SimTraceSelection key = { SIM_TRACE_KEY, 0, 0, 42 };
    CU_ASSERT_FALSE(sim_trace_selects(&none, 0, 0));
    CU_ASSERT_TRUE(sim_trace_selects(&all, 123456, 9));
    CU_ASSERT_TRUE(sim_trace_selects(&first, 9, 0));
    CU_ASSERT_FALSE(sim_trace_selects(&first, 10, 0));
    CU_ASSERT_FALSE(sim_trace_selects(&range, 4, 0));
    CU_ASSERT_TRUE(sim_trace_selects(&range, 6, 0));
    CU_ASSERT_FALSE(sim_trace_selects(&range, 7, 0));
    CU_ASSERT_TRUE(sim_trace_selects(&key, 1000, 42));
    CU_ASSERT_FALSE(sim_trace_selects(&key, 42, 41));
}

static void test_fates_have_their_names(void)
{
    SimTraceRow r = { .fate = SIM_FATE_DELIVERED };
    CU_ASSERT_STRING_EQUAL(sim_trace_fate_name(&r), "delivered");
    r.late = TRUE;
    CU_ASSERT_STRING_EQUAL(sim_trace_fate_name(&r), "timed-out");
    r.fate = SIM_FATE_DEAD;
    CU_ASSERT_STRING_EQUAL(sim_trace_fate_name(&r), "dropped-at-dead-node");
    r.fate = SIM_FATE_LOST;
    CU_ASSERT_STRING_EQUAL(sim_trace_fate_name(&r), "lost");
}

/* ---- a traced run ----------------------------------------------------------------------- */

/* A message still travelling when the run ends has no fate and is not traced; an operation
 * that ended this long before the end has all its answers delivered (latency 50 ms). */
#define SETTLE SIM_S

typedef struct {
    SimConfig *cfg;
    Sim *sim;
    GHashTable *messages;  /* op id + 1 -> SimOp.messages, of operations that ended early
                              enough for all their answers to arrive before the end */
    GChecksum *digest;     /* of every reported operation */
    char *dir;
} TracedRun;

static void note_op(void *ctx, const SimOp *op)
{
    TracedRun *r = ctx;
    /* field by field: the struct's padding is not part of the operation */
    g_autofree char *line = g_strdup_printf(
        "%" G_GUINT64_FORMAT " %d %u %" G_GUINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
        " %u %u %u %d %d\n", op->id, op->kind, op->origin, op->key, op->start, op->end, op->hops,
        op->messages, op->timeouts, op->success, op->correct);
    g_checksum_update(r->digest, (const guchar *) line, -1);
    if (op->end > sim_config_get_duration(r->cfg, "simulation", "duration") - SETTLE)
        return;
    g_hash_table_insert(r->messages, GSIZE_TO_POINTER((gsize) op->id + 1),
                        GUINT_TO_POINTER(op->messages));
}

/* 200 nodes join, then lookups, stores and gets, with 5% loss so that lost messages and
 * timeouts show. `trace_ops` is the [trace] ops value. */
static gboolean traced_run(TracedRun *r, const char *trace_ops)
{
    memset(r, 0, sizeof *r);
    g_autofree char *ini = g_strdup_printf(
        "[simulation]\nnodes = 200\nduration = 8min\n"
        "[network]\nloss = bernoulli\nloss_rate = 0.05\n"
        "[workload]\njoin = ramp\njoin_ramp = 2min\nstart = 3min\nrate_unit = network\n"
        "lookup_rate = 2\nstore_rate = 0.5\nget_rate = 1\n"
        "[trace]\nops = %s\n", trace_ops);
    GError *error = NULL;
    r->cfg = sim_config_new();
    sim_declare(r->cfg);
    kad_protocol_class.declare(r->cfg);
    sim_trace_declare(r->cfg);
    if (!sim_config_load_data(r->cfg, "trace.ini", ini, &error)
        || !(r->sim = sim_new(r->cfg, &kad_protocol_class, &error))) {
        fprintf(stderr, "%s\n", error->message);
        g_error_free(error);
        CU_FAIL("configuration refused");
        return FALSE;
    }
    r->messages = g_hash_table_new(NULL, NULL);
    r->digest = g_checksum_new(G_CHECKSUM_SHA256);
    SimObserver obs = { .op_done = note_op };
    sim_add_observer(r->sim, &obs, r);
    r->dir = g_dir_make_tmp("kadsim-trace-XXXXXX", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->dir);
    SimTrace *trace = sim_trace_open(r->sim, r->dir);
    CU_ASSERT_EQUAL(trace == NULL, strcmp(trace_ops, "none") == 0);
    sim_run(r->sim, sim_config_get_duration(r->cfg, "simulation", "duration"));
    CU_ASSERT_TRUE(sim_trace_close(trace, &error));
    g_clear_error(&error);
    return TRUE;
}

static void traced_run_free(TracedRun *r)
{
    g_autofree char *csv = g_build_filename(r->dir, "trace.csv", NULL);
    g_unlink(csv);
    g_rmdir(r->dir);
    g_free(r->dir);
    g_hash_table_destroy(r->messages);
    g_checksum_free(r->digest);
    sim_free(r->sim);
    sim_config_free(r->cfg);
}

typedef struct {
    double time;
    guint64 op;
    char from[16], to[16], type[32], fate[32];
} Row;

/* trace.csv as rows; checks the header. */
static GArray *read_trace(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "trace.csv", NULL);
    g_autofree char *text = NULL;
    GArray *rows = g_array_new(FALSE, FALSE, sizeof(Row));
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        CU_FAIL("no trace.csv");
        return rows;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    CU_ASSERT_STRING_EQUAL(lines[0], SIM_TRACE_COLUMNS);
    for (char **l = lines + 1; *l && **l; l++) {
        g_auto(GStrv) f = g_strsplit(*l, ",", -1);
        CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 8);
        Row row = { .time = g_ascii_strtod(f[0], NULL), .op = g_ascii_strtoull(f[1], NULL, 10) };
        g_strlcpy(row.from, f[2], sizeof row.from);
        g_strlcpy(row.to, f[3], sizeof row.to);
        g_strlcpy(row.type, f[4], sizeof row.type);
        g_strlcpy(row.fate, f[7], sizeof row.fate);
        g_array_append_val(rows, row);
    }
    return rows;
}

static void test_traced_messages_add_up_to_each_operations_messages(void)
{
    TracedRun r;
    if (!traced_run(&r, "all"))
        return;
    g_autoptr(GArray) rows = read_trace(r.dir);
    GHashTable *traced = g_hash_table_new(NULL, NULL);
    guint lost = 0, dead = 0;
    for (guint i = 0; i < rows->len; i++) {
        const Row *row = &g_array_index(rows, Row, i);
        gpointer k = GSIZE_TO_POINTER((gsize) row->op + 1);
        /* counted in ops.csv: its requests, and the replies that reached it in time */
        gboolean reply = g_str_has_suffix(row->type, "_REPLY");
        if (!reply || strcmp(row->fate, "delivered") == 0)
            g_hash_table_insert(traced, k, GUINT_TO_POINTER(GPOINTER_TO_UINT(
                                               g_hash_table_lookup(traced, k)) + 1));
        lost += strcmp(row->fate, "lost") == 0;
        dead += strcmp(row->fate, "dropped-at-dead-node") == 0;
        CU_ASSERT_TRUE(strcmp(row->fate, "delivered") == 0 || strcmp(row->fate, "lost") == 0
                       || strcmp(row->fate, "timed-out") == 0 || strcmp(row->fate, "after-end") == 0
                       || dead);
    }
    CU_ASSERT_TRUE(lost > 0);
    /* every operation that finished in time: as many rows as messages */
    GHashTableIter it;
    gpointer op, messages;
    g_hash_table_iter_init(&it, r.messages);
    guint ops = 0, differ = 0;
    while (g_hash_table_iter_next(&it, &op, &messages)) {
        ops++;
        differ += GPOINTER_TO_UINT(g_hash_table_lookup(traced, op)) != GPOINTER_TO_UINT(messages);
    }
    CU_ASSERT_TRUE(ops > 500);
    CU_ASSERT_EQUAL(differ, 0);
    g_hash_table_destroy(traced);
    traced_run_free(&r);
}

/* Every reply answers an earlier request of the same operation, sent the other way. */
static void test_replies_follow_their_requests_the_other_way(void)
{
    TracedRun r;
    if (!traced_run(&r, "all"))
        return;
    g_autoptr(GArray) rows = read_trace(r.dir);
    /* (op, from, to, request type) -> requests sent, in order of sending */
    GHashTable *requests = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint replies = 0, unmatched = 0;
    g_autoptr(GArray) sorted = g_array_copy(rows);
    for (guint i = 1; i < sorted->len; i++)  /* by sending time, stable */
        for (guint j = i; j > 0 && g_array_index(sorted, Row, j - 1).time
                                       > g_array_index(sorted, Row, j).time; j--) {
            Row t = g_array_index(sorted, Row, j);
            g_array_index(sorted, Row, j) = g_array_index(sorted, Row, j - 1);
            g_array_index(sorted, Row, j - 1) = t;
        }
    for (guint i = 0; i < sorted->len; i++) {
        const Row *row = &g_array_index(sorted, Row, i);
        if (!g_str_has_suffix(row->type, "_REPLY")) {
            char *k = g_strdup_printf("%" G_GUINT64_FORMAT " %s %s %s", row->op, row->from,
                                      row->to, row->type);
            g_hash_table_insert(requests, k, GUINT_TO_POINTER(GPOINTER_TO_UINT(
                                                 g_hash_table_lookup(requests, k)) + 1));
            continue;
        }
        replies++;
        g_autofree char *req = g_strndup(row->type, strlen(row->type) - strlen("_REPLY"));
        g_autofree char *k = g_strdup_printf("%" G_GUINT64_FORMAT " %s %s %s", row->op, row->to,
                                             row->from, req);
        guint pending = GPOINTER_TO_UINT(g_hash_table_lookup(requests, k));
        /* recursive answers go to the origin from the last node: none here (iterative) */
        unmatched += pending == 0;
        if (pending)
            g_hash_table_insert(requests, g_strdup(k), GUINT_TO_POINTER(pending - 1));
    }
    CU_ASSERT_TRUE(replies > 1000);
    CU_ASSERT_EQUAL(unmatched, 0);
    g_hash_table_destroy(requests);
    traced_run_free(&r);
}

static void test_tracing_changes_no_operation(void)
{
    char digest[2][65];
    const char *modes[] = { "none", "all" };
    for (int i = 0; i < 2; i++) {
        TracedRun r;
        if (!traced_run(&r, modes[i]))
            return;
        g_strlcpy(digest[i], g_checksum_get_string(r.digest), sizeof digest[i]);
        traced_run_free(&r);
    }
    CU_ASSERT_STRING_EQUAL(digest[0], digest[1]);
}

static CU_TestInfo tests[] = {
    TEST(test_trace_specs_become_trace_overrides),
    TEST(test_wrong_trace_specs_are_refused),
    TEST(test_selections_pick_their_operations),
    TEST(test_fates_have_their_names),
    TEST(test_traced_messages_add_up_to_each_operations_messages),
    TEST(test_replies_follow_their_requests_the_other_way),
    TEST(test_tracing_changes_no_operation),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_trace", tests)
