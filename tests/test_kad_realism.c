/* Kademlia as deployed DHTs run it (issue 22): RPC retries, the lookup's termination rule,
 * maintenance timers at a random phase, and profiles of deployed DHTs. */
#include "cunit_main.h"
#include "kad_test_util.h"

/* A static network under Bernoulli loss: `nodes` join, then lookups; `extra` adds keys. */
static char *lossy_ini(guint nodes, double loss, const char *extra)
{
    g_autofree char *net = g_strdup_printf("[network]\nloss = bernoulli\nloss_rate = %g\n%s",
                                           loss, extra ? extra : "");
    return kad_static_ini(nodes, 3, net);
}

/* ---- RPC retries ------------------------------------------------------------------------ */

/* The requests and replies of one (operation, asker, asked) pair, as traced. */
typedef struct {
    SimTime sent[4];
    gboolean request_lost[4], reply_lost[4];
    guint requests, replies;
} Exchange;

typedef struct {
    GHashTable *pairs;  /* "op from to" -> Exchange */
    uint16_t find_node, find_node_reply;
} RetryTrace;

static void note_row(void *ctx, const SimTraceRow *row)
{
    RetryTrace *t = ctx;
    gboolean request = row->type == t->find_node, reply = row->type == t->find_node_reply;
    /* only the lookups of the workload (from 10 min on): a join's refreshes share its op id
     * and may ask a node once each */
    if ((!request && !reply) || row->sent < 10 * SIM_MIN)
        return;
    SimHost asker = request ? row->from : row->to, asked = request ? row->to : row->from;
    char *key = g_strdup_printf("%" G_GUINT64_FORMAT " %u %u", row->op, asker, asked);
    Exchange *x = g_hash_table_lookup(t->pairs, key);
    if (!x) {
        x = g_new0(Exchange, 1);
        g_hash_table_insert(t->pairs, key, x);
    } else {
        g_free(key);
    }
    if (request && x->requests < 4) {
        x->sent[x->requests] = row->sent;
        x->request_lost[x->requests++] = row->fate == SIM_FATE_LOST;
    } else if (reply && x->replies < 4) {
        x->reply_lost[x->replies++] = row->fate == SIM_FATE_LOST;
    }
}

static uint16_t msg_type(Sim *sim, const char *name)
{
    for (guint t = 0; t < sim_msg_types(sim); t++)
        if (g_str_equal(sim_msg_type_name(sim, (uint16_t) t), name))
            return (uint16_t) t;
    return UINT16_MAX;
}

/* 10% loss, one retry: a request sent again follows a lost request or a lost reply, exactly one
 * rpc_timeout (1 s) after the first sending, and never more than once. */
static void test_lost_request_or_reply_is_sent_again_after_the_timeout(void)
{
    KadNet net;
    g_autofree char *ini = lossy_ini(200, 0.1, "[kademlia]\nrpc_retries = 1\n");
    if (!kad_net_init(&net, ini, NULL))
        return;
    RetryTrace t = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
                     msg_type(net.sim, "FIND_NODE"), msg_type(net.sim, "FIND_NODE_REPLY") };
    sim_set_tracer(net.sim, note_row, &t);
    kad_net_run(&net);
    guint after_lost_request = 0, after_lost_reply = 0, resent = 0;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, t.pairs);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        const Exchange *x = value;
        CU_ASSERT_TRUE(x->requests <= 2);
        if (x->requests < 2)
            continue;
        resent++;
        CU_ASSERT_EQUAL(x->sent[1] - x->sent[0], SIM_S);
        /* the first attempt went unanswered: its request or its reply was lost */
        gboolean request_lost = x->request_lost[0];
        gboolean reply_lost = !request_lost && x->replies >= 1 && x->reply_lost[0];
        CU_ASSERT_TRUE(request_lost || reply_lost);
        after_lost_request += request_lost;
        after_lost_reply += reply_lost;
    }
    CU_ASSERT_TRUE(after_lost_request > 10);
    CU_ASSERT_TRUE(after_lost_reply > 10);
    printf("\n    %u requests sent again: %u after a lost request, %u after a lost reply", resent,
           after_lost_request, after_lost_reply);
    g_hash_table_destroy(t.pairs);
    kad_net_free(&net);
}

static double lookup_success(guint nodes, double loss, const char *extra)
{
    KadNet net;
    g_autofree char *ini = lossy_ini(nodes, loss, extra);
    if (!kad_net_init(&net, ini, NULL))
        return -1;
    kad_net_run(&net);
    double rate = (double) net.tally.ok[SIM_OP_LOOKUP] / MAX(net.tally.n[SIM_OP_LOOKUP], 1);
    kad_net_free(&net);
    return rate;
}

static void test_two_retries_find_the_owner_despite_five_percent_loss(void)
{
    double none = lookup_success(300, 0.05, NULL);
    double two = lookup_success(300, 0.05, "[kademlia]\nrpc_retries = 2\n");
    printf("\n    5%% loss: %.4f of lookups find the owner without retries, %.4f with 2", none,
           two);
    CU_ASSERT_TRUE(none < 0.97);
    CU_ASSERT_TRUE(two >= 0.99);
}

/* Digest of every operation of a lossy run (0 retries by default, or as `extra` says). */
static void lossy_digest(const char *extra, char out[65])
{
    KadNet net;
    g_autofree char *ini = lossy_ini(200, 0.05, extra);
    out[0] = 0;
    if (!kad_net_init(&net, ini, NULL))
        return;
    kad_net_run(&net);
    g_strlcpy(out, g_checksum_get_string(net.tally.digest), 65);
    kad_net_free(&net);
}

/* rpc_retries = 0 is the behaviour before retries existed: the same operations as a scenario
 * that does not name the key (the runs of scenarios/ were compared byte for byte with the
 * program before the key, docs/kademlia.md); one retry changes them. */
static void test_zero_retries_is_the_default_behaviour(void)
{
    char unset[65], zero[65], one[65];
    lossy_digest(NULL, unset);
    lossy_digest("[kademlia]\nrpc_retries = 0\n", zero);
    lossy_digest("[kademlia]\nrpc_retries = 1\n", one);
    CU_ASSERT_STRING_EQUAL(unset, zero);
    CU_ASSERT_STRING_NOT_EQUAL(unset, one);
}

static CU_TestInfo tests[] = {
    TEST(test_lost_request_or_reply_is_sent_again_after_the_timeout),
    TEST(test_two_retries_find_the_owner_despite_five_percent_loss),
    TEST(test_zero_retries_is_the_default_behaviour),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("kad_realism", tests)
