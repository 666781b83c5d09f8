/* Kademlia as deployed DHTs run it (issue 22): RPC retries, the lookup's termination rule,
 * maintenance timers at a random phase, and profiles of deployed DHTs. */
#include <glib/gstdio.h>

#include "cunit_main.h"
#include "kad_test_util.h"
#include "sim_results.h"

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
    SimHost asker, asked;
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
        x->asker = asker;
        x->asked = asked;
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

/* 10% loss, one retry, `extra` keys: a request sent again follows a lost request or a lost
 * reply, exactly one timeout after the first sending — rpc_timeout (1 s), or with
 * rpc_timeout_true_rtt = F, F times the pair's true round trip — and never more than once. */
static void check_resends(const char *extra, double true_rtt_factor)
{
    KadNet net;
    g_autofree char *keys = g_strdup_printf("[kademlia]\nrpc_retries = 1\n%s", extra);
    g_autofree char *ini = lossy_ini(200, 0.1, keys);
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
        SimTime rtt = sim_proximity(net.sim, x->asker, x->asked) +
                      sim_proximity(net.sim, x->asked, x->asker);
        SimTime timeout = true_rtt_factor > 0 ? (SimTime) (true_rtt_factor * (double) rtt)
                                              : SIM_S;
        CU_ASSERT_EQUAL(x->sent[1] - x->sent[0], timeout);
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

static void test_lost_request_or_reply_is_sent_again_after_the_timeout(void)
{
    check_resends("", 0);
}

/* p2psim's timeouts: three times the pair's true round trip, under per-pair lognormal
 * latencies (every pair its own timeout). */
static void test_true_rtt_timeouts_are_a_multiple_of_the_pairs_round_trip(void)
{
    check_resends("rpc_timeout_true_rtt = 3\n[network]\nlatency = lognormal\n"
                  "latency_median = 78ms\nlatency_sigma = 0.5137\nlatency_draw = pair\n", 3);
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

/* ---- termination rules ------------------------------------------------------------------ */

/* A static network of 1,000 nodes looking up (4 a second), with `extra` keys: its tally. */
static KadTally static_lookups(const char *extra)
{
    KadNet net;
    KadTally t = { 0 };
    g_autofree char *ini = kad_static_ini(1000, 4, extra);
    if (!kad_net_init(&net, ini, NULL))
        return t;
    kad_net_run(&net);
    t = net.tally;
    t.digest = NULL;
    g_autofree char *label = g_strdup(extra ? extra + sizeof "[kademlia]" : "defaults");
    g_strdelimit(label, "\n", ' ');
    printf("\n    %s: %" G_GUINT64_FORMAT " lookups, %.4f found the owner, %.4f the k closest, "
           "%.1f messages each", label,
           t.n[SIM_OP_LOOKUP], (double) t.ok[SIM_OP_LOOKUP] / MAX(t.n[SIM_OP_LOOKUP], 1),
           (double) t.correct / MAX(t.n[SIM_OP_LOOKUP], 1),
           (double) t.messages / MAX(t.n[SIM_OP_LOOKUP], 1));
    kad_net_free(&net);
    return t;
}

/* The paper's rule, named, is the default: the same operations; and strict (2k messages or
 * more per lookup, all exact). */
static void test_paper_termination_is_the_default(void)
{
    char named[65], unset[65];
    lossy_digest("[kademlia]\ntermination = paper\n", named);
    lossy_digest(NULL, unset);
    CU_ASSERT_STRING_EQUAL(named, unset);
    KadTally t = static_lookups("[kademlia]\ntermination = paper\n");
    CU_ASSERT_TRUE(t.n[SIM_OP_LOOKUP] > 800);
    CU_ASSERT_EQUAL(t.correct, t.n[SIM_OP_LOOKUP]);
    CU_ASSERT_TRUE(t.messages >= 40 * t.n[SIM_OP_LOOKUP]);
}

/* owner (p2psim): a lookup of a live node's ID ends when that node answers: it finds it, in far
 * fewer messages than the k closest would take, and returns little else. */
static void test_owner_termination_ends_when_the_target_node_answers(void)
{
    KadTally t = static_lookups("[kademlia]\ntermination = owner\nlookup_target = node\n");
    guint64 n = t.n[SIM_OP_LOOKUP];
    CU_ASSERT_TRUE(n > 800);
    CU_ASSERT_EQUAL(t.ok[SIM_OP_LOOKUP], n);
    CU_ASSERT_TRUE(t.messages < 20 * n);
    CU_ASSERT_TRUE(t.correct < n / 10);
    /* the paper's rule on the same targets: every lookup exact, 2k messages or more */
    KadTally p = static_lookups("[kademlia]\ntermination = paper\nlookup_target = node\n");
    CU_ASSERT_EQUAL(p.correct, p.n[SIM_OP_LOOKUP]);
    CU_ASSERT_TRUE(p.messages >= 40 * p.n[SIM_OP_LOOKUP]);
}

/* owner on random IDs (no node has the target's ID) is the paper's rule. */
static void test_owner_termination_of_a_random_id_is_the_papers(void)
{
    char owner[65], paper[65];
    lossy_digest("[kademlia]\ntermination = owner\n", owner);
    lossy_digest(NULL, paper);
    CU_ASSERT_STRING_EQUAL(owner, paper);
}

/* beta (go-libp2p-kad-dht): the beta closest must answer, no final round: the owner is found,
 * in fewer messages than the paper's rule, and fewer still with a smaller beta. */
static void test_beta_termination_needs_the_beta_closest(void)
{
    KadTally b3 = static_lookups("[kademlia]\ntermination = beta\nbeta = 3\n");
    KadTally b1 = static_lookups("[kademlia]\ntermination = beta\nbeta = 1\n");
    guint64 n = b3.n[SIM_OP_LOOKUP];
    CU_ASSERT_TRUE(n > 800);
    CU_ASSERT_TRUE(b3.ok[SIM_OP_LOOKUP] >= n * 995 / 1000);
    CU_ASSERT_TRUE(b3.messages < 40 * n);
    CU_ASSERT_TRUE(b1.messages < b3.messages);
    CU_ASSERT_TRUE(b1.ok[SIM_OP_LOOKUP] <= b3.ok[SIM_OP_LOOKUP]);
}

/* ---- maintenance at a random phase ----------------------------------------------------- */

typedef struct {
    guint64 stores;  /* STOREs sent from 16 to 46 min */
    double peak;     /* share of them sent in the six busiest minutes */
} StoreSpread;

static int cmp_desc(const void *a, const void *b)
{
    guint64 x = *(const guint64 *) a, y = *(const guint64 *) b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* 300 nodes; from 6 to 16 min 100 keys are stored, one every 6 s (every node gets its first
 * STORE within the first minute or two); replication every 10 min, three rounds from 16 to 46
 * min. */
static StoreSpread replication_spread(const char *phase)
{
    KadNet net;
    StoreSpread out = { 0, 0 };
    g_autofree char *ini = g_strdup_printf(
        "[simulation]\nnodes = 300\nduration = 50min\n"
        "[workload]\njoin = ramp\njoin_ramp = 5min\n"
        "[kademlia]\nreplicate = 10min\nrepublish = 0\nexpire = 2h\nrefresh = 0\n"
        "maintenance_phase = %s\n", phase);
    if (!kad_net_init(&net, ini, NULL))
        return out;
    Kad *kad = kad_of(net.sim);
    uint16_t store = msg_type(net.sim, "STORE");
    for (uint64_t key = 0; key < 100; key++) {
        sim_run(net.sim, 6 * SIM_MIN + (SimTime) key * 6 * SIM_S);
        KadId id = kad_key_id(kad, key);
        kad_put(kad, (SimHost) (key * 3), &id, 0);
    }
    sim_run(net.sim, 16 * SIM_MIN);
    guint64 per_minute[30], before = sim_msg_counters(net.sim, store)->sent;
    for (int m = 0; m < 30; m++) {
        sim_run(net.sim, (17 + m) * SIM_MIN);
        guint64 now = sim_msg_counters(net.sim, store)->sent;
        per_minute[m] = now - before;
        out.stores += now - before;
        before = now;
    }
    qsort(per_minute, 30, sizeof per_minute[0], cmp_desc);
    guint64 peak = 0;
    for (int m = 0; m < 6; m++)
        peak += per_minute[m];
    out.peak = (double) peak / MAX(out.stores, 1);
    printf("\n    maintenance_phase = %s: %" G_GUINT64_FORMAT " STOREs, %.3f in the six busiest "
           "minutes", phase, out.stores, out.peak);
    kad_net_free(&net);
    return out;
}

/* In step, the holders of a pair all replicate it in the same minute, each before hearing of
 * the others' STOREs; at random phases the first holder's STOREs spare the others (section
 * 2.5's optimisation then works): far fewer STOREs, spread over the interval. */
static void test_random_phase_spreads_replication_over_the_interval(void)
{
    StoreSpread in_step = replication_spread("store");
    StoreSpread spread = replication_spread("random");
    CU_ASSERT_TRUE(in_step.stores > 1000);
    CU_ASSERT_TRUE(spread.stores > 1000);  /* replication did run */
    CU_ASSERT_TRUE(in_step.peak > 0.7);  /* measured 0.86; evenly spread: 0.2 */
    CU_ASSERT_TRUE(spread.peak < 0.4);   /* measured 0.26 */
    CU_ASSERT_TRUE(spread.stores < in_step.stores / 3);
}

/* ---- profiles ---------------------------------------------------------------------------- */

/* A network built from `ini` and `overrides`: its k, ID bits and the run's notes. */
typedef struct {
    guint k, id_bits;
    char *notes, *resolved;
} ProfileSeen;

static ProfileSeen profile_seen(const char *ini, const char *const *overrides)
{
    ProfileSeen seen = { 0, 0, NULL, NULL };
    KadNet net;
    if (!kad_net_init(&net, ini, overrides))
        return seen;
    Kad *kad = kad_of(net.sim);
    seen.k = kad_k(kad);
    seen.id_bits = kad_id_bits(kad);
    GString *notes = g_string_new(NULL);
    kad_protocol_class.describe(kad, notes);
    seen.notes = g_string_free(notes, FALSE);
    seen.resolved = sim_config_to_data(net.cfg, NULL);  /* what run.ini holds */
    kad_net_free(&net);
    return seen;
}

static void test_profile_sets_the_documented_parameters(void)
{
    ProfileSeen mainline = profile_seen("[kademlia]\nprofile = mainline\n", NULL);
    CU_ASSERT_EQUAL(mainline.k, 8);
    CU_ASSERT_EQUAL(mainline.id_bits, 160);
    CU_ASSERT_PTR_NOT_NULL(strstr(mainline.notes, "refresh = 15min"));
    ProfileSeen ipfs = profile_seen("[kademlia]\nprofile = ipfs\n", NULL);
    CU_ASSERT_EQUAL(ipfs.k, 20);
    CU_ASSERT_EQUAL(ipfs.id_bits, 256);
    CU_ASSERT_PTR_NOT_NULL(strstr(ipfs.notes, "termination = beta"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ipfs.notes, "alpha = 10"));
    ProfileSeen paper = profile_seen("[kademlia]\nprofile = paper\n", NULL);
    CU_ASSERT_EQUAL(paper.k, 20);
    CU_ASSERT_EQUAL(paper.id_bits, 160);
    CU_ASSERT_STRING_EQUAL(paper.notes, "");
    g_free(mainline.notes);
    g_free(ipfs.notes);
    g_free(paper.notes);
    g_free(mainline.resolved);
    g_free(ipfs.resolved);
    g_free(paper.resolved);
}

/* run.ini lists the values in effect, and a run of it is the same run: every key is then given,
 * with the profile's values. */
static void test_resolved_configuration_reproduces_a_profile_run(void)
{
    ProfileSeen first = profile_seen("[kademlia]\nprofile = ipfs\nalpha = 4\n", NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(first.resolved, "\nk = 20\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(first.resolved, "\nid_bits = 256\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(first.resolved, "\nalpha = 4\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(first.resolved, "\nrefresh = 10min\n"));
    ProfileSeen again = profile_seen(first.resolved, NULL);
    CU_ASSERT_EQUAL(again.id_bits, 256);
    CU_ASSERT_STRING_EQUAL(again.resolved, first.resolved);
    g_free(first.notes);
    g_free(first.resolved);
    g_free(again.notes);
    g_free(again.resolved);
}

/* A key the scenario gives wins over the profile, whether in the file or by --set (a sweep's
 * points are --set too); even when it equals the paper's default. */
static void test_scenario_values_win_over_the_profile(void)
{
    ProfileSeen file = profile_seen("[kademlia]\nprofile = mainline\nk = 12\n", NULL);
    CU_ASSERT_EQUAL(file.k, 12);
    CU_ASSERT_EQUAL(file.id_bits, 160);
    CU_ASSERT_PTR_NULL(strstr(file.notes, " k = "));  /* not the profile's any more */
    CU_ASSERT_PTR_NOT_NULL(strstr(file.notes, "refresh = 15min"));
    ProfileSeen set = profile_seen("[kademlia]\nprofile = ipfs\n",
                                   (const char *[]) { "kademlia.id_bits=160", NULL });
    CU_ASSERT_EQUAL(set.id_bits, 160);
    CU_ASSERT_EQUAL(set.k, 20);
    ProfileSeen same = profile_seen("[kademlia]\nprofile = mainline\nk = 20\n", NULL);
    CU_ASSERT_EQUAL(same.k, 20);
    g_free(file.notes);
    g_free(set.notes);
    g_free(same.notes);
    g_free(file.resolved);
    g_free(set.resolved);
    g_free(same.resolved);
}

/* Every profile's values are valid and run: a static network's lookups all find the owner. */
static void test_every_profile_runs(void)
{
    static const char *const names[] = { "paper", "mainline", "ipfs" };
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *extra = g_strdup_printf("[kademlia]\nprofile = %s\n", names[i]);
        KadTally t = static_lookups(extra);
        CU_ASSERT_TRUE(t.n[SIM_OP_LOOKUP] > 800);
        CU_ASSERT_EQUAL(t.ok[SIM_OP_LOOKUP], t.n[SIM_OP_LOOKUP]);
    }
    char paper[65], unset[65];
    lossy_digest("[kademlia]\nprofile = paper\n", paper);
    lossy_digest(NULL, unset);
    CU_ASSERT_STRING_EQUAL(paper, unset);
}

/* ---- unreachable (NAT) peers ------------------------------------------------------------ */

typedef struct {
    KadTally t;
    double unreachable;  /* of routing-table contacts, at the end */
} NatRun;

static NatRun nat_run(const char *extra)
{
    NatRun r = { .unreachable = -1 };
    KadNet net;
    g_autofree char *ini = kad_static_ini(1000, 4, extra);
    if (!kad_net_init(&net, ini, NULL))
        return r;
    kad_net_run(&net);
    r.t = net.tally;
    r.t.digest = NULL;
    r.unreachable = kad_unreachable_contacts(kad_of(net.sim));
    guint64 n = MAX(r.t.n[SIM_OP_LOOKUP], 1);
    g_autofree char *label = g_strdup(extra + sizeof "[kademlia]");
    g_strdelimit(label, "\n", ' ');
    printf("\n    %s: %.3f of contacts behind NAT; lookups %.4f find the owner, %.2f timeouts each",
           label, r.unreachable, (double) r.t.ok[SIM_OP_LOOKUP] / n,
           (double) r.t.timeouts / n);
    kad_net_free(&net);
    return r;
}

/* Half the hosts behind NAT, advertising themselves (BitTorrent's undialable nodes): they enter
 * tables through their own requests, and every request to them times out; a key whose closest
 * node is one of them cannot be served by it. */
static void test_nat_peers_in_tables_cost_timeouts(void)
{
    NatRun r = nat_run("[kademlia]\nnat_fraction = 0.5\n");
    guint64 n = r.t.n[SIM_OP_LOOKUP];
    CU_ASSERT_TRUE(n > 800);
    /* failed contacts are dropped, and come back with their next request: measured 0.086 */
    CU_ASSERT_TRUE(r.unreachable > 0.03 && r.unreachable < 0.5);
    CU_ASSERT_TRUE(r.t.timeouts > n);
    CU_ASSERT_TRUE(r.t.ok[SIM_OP_LOOKUP] < n * 9 / 10);
}

/* The same hosts in client mode (libp2p): nobody adds them, they are no member of the DHT, and
 * lookups meet no unreachable contact. */
static void test_nat_peers_in_client_mode_stay_out_of_tables(void)
{
    NatRun r = nat_run("[kademlia]\nnat_fraction = 0.5\nnat_client = true\n");
    guint64 n = r.t.n[SIM_OP_LOOKUP];
    CU_ASSERT_TRUE(n > 800);
    CU_ASSERT_EQUAL(r.unreachable, 0);
    CU_ASSERT_EQUAL(r.t.timeouts, 0);
    CU_ASSERT_EQUAL(r.t.ok[SIM_OP_LOOKUP], n);
}

/* A run written to a folder as the program writes it: summary.csv's line for
 * unreachable_contacts (NULL when it has none), and kad_unreachable_contacts at the end. */
typedef struct {
    char *row;
    double direct;
} SummaryRow;

static SummaryRow unreachable_row(const char *extra)
{
    SummaryRow r = { NULL, -1 };
    g_autofree char *ini = kad_static_ini(300, 4, extra);
    g_autofree char *dir = g_dir_make_tmp("kadsim-realism-XXXXXX", NULL);
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    sim_results_declare(cfg);
    kad_protocol_class.declare(cfg);
    GError *err = NULL;
    CU_ASSERT_FATAL(dir && sim_config_load_data(cfg, "test.ini", ini, &err)
                    && kad_protocol_class.resolve(cfg, &err));
    Sim *sim = sim_new(cfg, &kad_protocol_class, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    SimResults *res = sim_results_new(sim, dir, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(res);
    SimStopReason why = sim_run(sim, sim_config_get_duration(cfg, "simulation", "duration"));
    CU_ASSERT_TRUE(sim_results_finish(res, why, &err));
    r.direct = kad_unreachable_contacts(kad_of(sim));
    g_autofree char *path = g_build_filename(dir, "summary.csv", NULL);
    g_autofree char *csv = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(path, &csv, NULL, NULL));
    g_auto(GStrv) lines = g_strsplit(csv ? csv : "", "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "unreachable_contacts,"))
            r.row = g_strdup(*l);
    sim_results_free(res);
    sim_free(sim);
    sim_config_free(cfg);
    GDir *d = g_dir_open(dir, 0, NULL);
    for (const char *n; d && (n = g_dir_read_name(d));) {
        g_autofree char *file = g_build_filename(dir, n, NULL);
        g_unlink(file);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
    return r;
}

/* With NAT, summary.csv reports the fraction of unreachable contacts that the tables hold;
 * without, it has no such row (the summary of every run without NAT is as it was). */
static void test_summary_reports_unreachable_contacts_only_with_nat(void)
{
    SummaryRow nat = unreachable_row("[kademlia]\nnat_fraction = 0.5\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(nat.row);
    g_auto(GStrv) f = g_strsplit(nat.row, ",", -1);
    CU_ASSERT_EQUAL_FATAL(g_strv_length(f), 4);
    double value = g_ascii_strtod(f[1], NULL);
    CU_ASSERT_TRUE(nat.direct > 0 && nat.direct < 0.5);
    CU_ASSERT_DOUBLE_EQUAL(value, nat.direct, 1e-6);
    g_free(nat.row);

    SummaryRow none = unreachable_row(NULL);
    CU_ASSERT_PTR_NULL(none.row);
    CU_ASSERT_EQUAL(none.direct, 0);
}

static CU_TestInfo tests[] = {
    TEST(test_summary_reports_unreachable_contacts_only_with_nat),
    TEST(test_nat_peers_in_tables_cost_timeouts),
    TEST(test_nat_peers_in_client_mode_stay_out_of_tables),
    TEST(test_profile_sets_the_documented_parameters),
    TEST(test_scenario_values_win_over_the_profile),
    TEST(test_resolved_configuration_reproduces_a_profile_run),
    TEST(test_every_profile_runs),
    TEST(test_random_phase_spreads_replication_over_the_interval),
    TEST(test_paper_termination_is_the_default),
    TEST(test_owner_termination_ends_when_the_target_node_answers),
    TEST(test_owner_termination_of_a_random_id_is_the_papers),
    TEST(test_beta_termination_needs_the_beta_closest),
    TEST(test_lost_request_or_reply_is_sent_again_after_the_timeout),
    TEST(test_true_rtt_timeouts_are_a_multiple_of_the_pairs_round_trip),
    TEST(test_two_retries_find_the_owner_despite_five_percent_loss),
    TEST(test_zero_retries_is_the_default_behaviour),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("kad_realism", tests)
