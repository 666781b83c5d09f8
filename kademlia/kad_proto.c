/* kad_proto — the Kademlia protocol as the engine sees it: its scenario keys and state,
 * message dispatch, operations from the workload, inspection, and the SimProtocolClass table.
 * Messages and RPCs are in kad_rpc.c, nodes joining and leaving (and bucket refresh) in
 * kad_node.c, stored pairs and their maintenance in kad_store.c, lookups in kad_lookup.c. */
#include "kad_private.h"

#include <string.h>

/* A lookup keeps this many candidates per k: room for the k closest live ones after some of
 * the closest have failed (failed ones must stay listed, or a later reply re-adds them). */
#define KAD_SHORTLIST_PER_K 3
/* Salt that keeps random lookup targets apart from the IDs of stored keys. */
#define KAD_LOOKUP_SALT 0x6c6f6f6b7570ULL

enum { MODE_ITERATIVE, MODE_RECURSIVE };
enum { BOOT_REAL, BOOT_ORACLE };
enum { EVICT_PING, EVICT_CACHE };
enum { TARGET_RANDOM, TARGET_NODE };
enum { PHASE_RANDOM, PHASE_STORE };

static const SimCfgKey kad_keys[] = {
    { "kademlia", "profile", SIM_CFG_CHOICE, "paper", 0, 0, KAD_PROFILE_CHOICES, NULL,
      "Defaults of a deployed DHT for the keys below that the scenario does not give: paper\n"
      "(the paper's, as listed), mainline (BitTorrent, BEP 5: 160-bit IDs, k 8, refresh 15min,\n"
      "no retry) or ipfs (go-libp2p-kad-dht: 256-bit IDs, k 20, alpha 10, termination beta 3,\n"
      "10s timeouts, refresh 10min, no replication, republish 22h, expire 48h);\n"
      "docs/kademlia.md gives the sources" },
    { "kademlia", "id_bits", SIM_CFG_INT, "160", KAD_ID_MIN_BITS, KAD_ID_MAX_BITS, NULL, NULL,
      "Bits of a node ID or key (the paper: 160)" },
    { "kademlia", "k", SIM_CFG_INT, "20", 1, KAD_K_MAX, NULL, NULL,
      "Bucket size and replication factor k" },
    { "kademlia", "alpha", SIM_CFG_INT, "3", 1, 255, NULL, NULL,
      "Parallel RPCs of an iterative lookup (alpha)" },
    { "kademlia", "b", SIM_CFG_INT, "1", 1, 8, NULL, NULL,
      "Bits per routing digit (section 4.2, accelerated lookups); 1 = plain Kademlia" },
    { "kademlia", "replacement_cache", SIM_CFG_INT, "4", 0, KAD_REPL_MAX, NULL, NULL,
      "Contacts kept per bucket to replace stale ones (section 4.1)" },
    { "kademlia", "eviction", SIM_CFG_CHOICE, "ping", 0, 0, "ping|cache", NULL,
      "A new contact meeting a full bucket: ping (section 2.2: ping the least-recently-seen\n"
      "contact, evict it only if it does not answer; the newcomer waits in the replacement\n"
      "cache) or cache (section 4.1: no ping; the newcomer waits in the replacement cache and\n"
      "replaces a contact when one fails an RPC; far fewer messages)" },
    { "kademlia", "stale_limit", SIM_CFG_INT, "5", 1, 15, NULL, NULL,
      "Failed RPCs in a row after which a contact is dropped (section 4.1: 5)" },
    { "kademlia", "rpc_timeout", SIM_CFG_DURATION, "1s", 1e-6, 3600, NULL, NULL,
      "Time to wait for the reply to an RPC" },
    { "kademlia", "rpc_timeout_rtt", SIM_CFG_DOUBLE, "0", 0, 100, NULL, NULL,
      "When > 0, an RPC's timeout is this multiple of the node's smoothed round-trip time\n"
      "(updated on every reply as TCP does: srtt = 7/8 srtt + 1/8 rtt), at most rpc_timeout;\n"
      "0 = always rpc_timeout" },
    { "kademlia", "rpc_timeout_true_rtt", SIM_CFG_DOUBLE, "0", 0, 100, NULL, NULL,
      "When > 0, an RPC's timeout is this multiple of the true round trip between the two\n"
      "hosts (the latency model's delays both ways, without jitter), instead of rpc_timeout and\n"
      "rpc_timeout_rtt: p2psim's Kademlia (timeout_multiplier 3 with timeout_cheat), knowledge\n"
      "no real node has; 0 = off" },
    { "kademlia", "rpc_retries", SIM_CFG_INT, "0", 0, 10, NULL, NULL,
      "Times an unanswered request is sent again, each attempt with its own timeout, before\n"
      "the RPC counts as failed (0 = never: one lost message fails the RPC). Recursive queries\n"
      "are not resent: their origin retries through another contact" },
    { "kademlia", "termination", SIM_CFG_CHOICE, "paper", 0, 0, "paper|owner|beta", NULL,
      "When an iterative lookup ends: paper (the k closest candidates not known to have failed\n"
      "have all answered, after a final round), owner (p2psim: as soon as a node whose ID is\n"
      "the target answers; lookups of other IDs end as paper) or beta (go-libp2p-kad-dht: the\n"
      "beta closest have answered, no final round)" },
    /* no only_if: a profile may choose termination = beta for a scenario that sets beta */
    { "kademlia", "beta", SIM_CFG_INT, "3", 1, KAD_K_MAX, NULL, NULL,
      "termination = beta: how many of the closest candidates must have answered (ignored\n"
      "with the other rules)" },
    { "kademlia", "shortlist", SIM_CFG_INT, "0", 0, KAD_K_MAX * KAD_SHORTLIST_PER_K, NULL, NULL,
      "Candidates an iterative lookup keeps (its record is 104 + 16 per candidate bytes):\n"
      "0 = 3k. Only the k closest not known to have failed are ever asked, so any value >= k\n"
      "gives the same lookups while no RPC fails; each failure takes a place. k + 4 keeps a\n"
      "flash crowd's million lookup records at 488 bytes each instead of 1,064" },
    { "kademlia", "lookup_target", SIM_CFG_CHOICE, "random", 0, 0, "random|node", NULL,
      "What a lookup of the workload looks for: random (a random ID) or node (the ID of a\n"
      "random live node other than the origin, as p2psim's Kademlia does)" },
    { "kademlia", "lookup", SIM_CFG_CHOICE, "iterative", 0, 0, "iterative|recursive", NULL,
      "Lookups: iterative (the origin asks alpha nodes at a time) or recursive (the query is\n"
      "forwarded node to node and the last node answers the origin)" },
    { "kademlia", "recursive_timeout", SIM_CFG_DURATION, "5s", 1e-6, 3600, NULL,
      "lookup=recursive", "Time the origin waits for the answer of a recursive lookup before it "
      "retries through its next-closest contact" },
    { "kademlia", "bootstrap", SIM_CFG_CHOICE, "real", 0, 0, "real|oracle", NULL,
      "Joins: real (through a bootstrap node, a self-lookup and bucket refreshes, as in the\n"
      "paper) or oracle (routing tables filled from global knowledge: for large static runs;\n"
      "results say so)" },
    { "kademlia", "join_refresh", SIM_CFG_BOOL, "true", 0, 0, NULL, "bootstrap=real",
      "After its self-lookup a joining node refreshes every bucket farther than its closest\n"
      "neighbour (section 2.3)" },
    { "kademlia", "join_refresh_parallel", SIM_CFG_INT, "0", 0, KAD_ID_MAX_BITS, NULL,
      "bootstrap=real", "A join's bucket refreshes running at once: 0 = all of them (the paper\n"
      "says nothing of their order: kadsim started them together), n = at most n, in bucket\n"
      "order, the next when one ends. With every node joining at once, all of them means\n"
      "about log2(N) lookups a node in flight together (docs/scale.md, Flash crowds)" },
    { "kademlia", "relookup", SIM_CFG_DURATION, "0", 0, 1e9, NULL, "bootstrap=real",
      "This long after its join, a node looks up its own ID again, through a random live node\n"
      "(a new bootstrap) and its own table, so that its k closest now learn it (0 = never, the\n"
      "paper). When many nodes join at once, a join can end having met a neighbourhood that\n"
      "was not yet there: its true k closest never hear of it and lookups of its IDs miss it\n"
      "(docs/scale.md, Flash crowds)" },
    { "kademlia", "refresh", SIM_CFG_DURATION, "1h", 0, 1e9, NULL, NULL,
      "Refresh buckets not looked into for this long (0 = never)" },
    { "kademlia", "replicate", SIM_CFG_DURATION, "1h", 0, 1e9, NULL, NULL,
      "Holders re-store their pairs this often, skipping pairs stored to them meanwhile "
      "(0 = never)" },
    { "kademlia", "republish", SIM_CFG_DURATION, "24h", 0, 1e9, NULL, NULL,
      "The original publisher re-stores its pairs this often (0 = never)" },
    { "kademlia", "maintenance_phase", SIM_CFG_CHOICE, "random", 0, 0, "random|store", NULL,
      "When a node's replication and republish timers fire: random (every interval at a phase\n"
      "of its own, drawn once per node, so that nodes do not replicate in step) or store (an\n"
      "interval after the first STORE it received, or after the publication: kadsim before\n"
      "issue 22; nodes that received their first STOREs together replicate together)" },
    { "kademlia", "nat_fraction", SIM_CFG_DOUBLE, "0", 0, 1, NULL, NULL,
      "Fraction of hosts behind a NAT or firewall (drawn per host): requests sent to them are\n"
      "lost, the replies to their own requests arrive (0 = every host reachable)" },
    { "kademlia", "nat_client", SIM_CFG_BOOL, "false", 0, 0, NULL, NULL,
      "Hosts behind a NAT run in client mode (libp2p's DHT client mode): they do not advertise\n"
      "themselves, so no node adds them to its routing table, and they are not counted among\n"
      "the nodes responsible for a key" },
    { "kademlia", "expire", SIM_CFG_DURATION, "24h", 1e-9, 1e9, NULL, NULL,
      "A stored pair not stored again within this time is dropped" },
    { "kademlia", "cache_on_get", SIM_CFG_BOOL, "false", 0, 0, NULL, NULL,
      "After a successful get, store the value at the closest node seen that lacked it\n"
      "(section 2.3 caching)" },
    { "kademlia", "value_size", SIM_CFG_INT, "100", 0, 65000, NULL, NULL,
      "Bytes of a value stored by the workload (for bandwidth)" },
};

/* ---- configuration and set-up ----------------------------------------------------------- */

static void kad_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "The Kademlia protocol (Maymounkov & Mazieres 2002)", kad_keys,
                       G_N_ELEMENTS(kad_keys));
}

static void *kad_create(Sim *sim, const SimConfig *cfg, GError **error)
{
    Kad *kad = g_new0(Kad, 1);
    kad->sim = sim;
    kad->n_parts = sim_threads(sim);
    /* The profile's values are in the configuration already (kad_profile_resolve, called by
     * the program when it loaded the scenario): run.ini lists the values in effect. */
    kad->profile_note = g_string_new(NULL);
    kad_profile_describe(cfg, kad->profile_note);
    kad->id_bits = (guint) sim_config_get_int(cfg, "kademlia", "id_bits");
    kad->id_bytes = (kad->id_bits + 7) / 8;
    kad->k = (guint) sim_config_get_int(cfg, "kademlia", "k");
    kad->alpha = (guint) sim_config_get_int(cfg, "kademlia", "alpha");
    kad->rp = (KadRtableParams) {
        .id_bits = kad->id_bits, .k = kad->k,
        .b = (guint) sim_config_get_int(cfg, "kademlia", "b"),
        .repl = (guint) sim_config_get_int(cfg, "kademlia", "replacement_cache"),
        .stale_limit = (guint) sim_config_get_int(cfg, "kademlia", "stale_limit"),
    };
    if (kad->rp.b > kad->id_bits) {
        sim_config_fail(cfg, error, "kademlia", "b", "must not exceed id_bits (%u)", kad->id_bits);
        g_string_free(kad->profile_note, TRUE);
        g_free(kad);
        return NULL;
    }
    kad_rtable_params_init(&kad->rp);
    kad->shortlist = (guint) sim_config_get_int(cfg, "kademlia", "shortlist");
    if (kad->shortlist == 0)
        kad->shortlist = kad->k * KAD_SHORTLIST_PER_K;
    if (kad->shortlist < kad->k) {
        sim_config_fail(cfg, error, "kademlia", "shortlist", "must be 0 or at least k (%u)",
                        kad->k);
        g_string_free(kad->profile_note, TRUE);
        g_free(kad);
        return NULL;
    }
    if (kad->n_parts > 1 && sim_config_get_choice(cfg, "kademlia", "bootstrap") == BOOT_ORACLE) {
        /* A table is filled when its node first hears a message, from one stream of the whole
         * network: the order of those draws would depend on the threads. */
        sim_config_fail(cfg, error, "kademlia", "bootstrap", "bootstrap = oracle runs on one "
                        "thread only (--threads %u): its tables are filled from one random "
                        "stream of the whole network", kad->n_parts);
        g_string_free(kad->profile_note, TRUE);
        g_free(kad);
        return NULL;
    }
    kad->rpc_timeout = sim_config_get_duration(cfg, "kademlia", "rpc_timeout");
    kad->rtt_factor = sim_config_get_double(cfg, "kademlia", "rpc_timeout_rtt");
    kad->true_rtt_factor = sim_config_get_double(cfg, "kademlia", "rpc_timeout_true_rtt");
    kad->rpc_retries = (guint) sim_config_get_int(cfg, "kademlia", "rpc_retries");
    kad->termination = (KadTermination) sim_config_get_choice(cfg, "kademlia",
                                                              "termination");
    kad->beta = kad->termination == KAD_TERM_BETA
                    ? MIN((guint) sim_config_get_int(cfg, "kademlia", "beta"), kad->k)
                    : kad->k;
    kad->target_nodes = sim_config_get_choice(cfg, "kademlia", "lookup_target") == TARGET_NODE;
    kad->recursive = sim_config_get_choice(cfg, "kademlia", "lookup") == MODE_RECURSIVE;
    kad->recursive_timeout = kad->recursive
                                 ? sim_config_get_duration(cfg, "kademlia", "recursive_timeout")
                                 : 0;
    kad->oracle_bootstrap = sim_config_get_choice(cfg, "kademlia", "bootstrap") == BOOT_ORACLE;
    kad->join_refresh = !kad->oracle_bootstrap &&
                        sim_config_get_bool(cfg, "kademlia", "join_refresh");
    kad->join_refresh_parallel = kad->join_refresh
                                     ? (guint) sim_config_get_int(cfg, "kademlia",
                                                                  "join_refresh_parallel")
                                     : 0;
    kad->relookup = kad->oracle_bootstrap ? 0
                                          : sim_config_get_duration(cfg, "kademlia", "relookup");
    kad->refresh = sim_config_get_duration(cfg, "kademlia", "refresh");
    kad->replicate = sim_config_get_duration(cfg, "kademlia", "replicate");
    kad->republish = sim_config_get_duration(cfg, "kademlia", "republish");
    kad->expire = sim_config_get_duration(cfg, "kademlia", "expire");
    kad->random_phase = sim_config_get_choice(cfg, "kademlia", "maintenance_phase") == PHASE_RANDOM;
    kad->nat_fraction = sim_config_get_double(cfg, "kademlia", "nat_fraction");
    kad->nat_client = sim_config_get_bool(cfg, "kademlia", "nat_client");
    kad->cache_on_get = sim_config_get_bool(cfg, "kademlia", "cache_on_get");
    kad->eviction_ping = sim_config_get_choice(cfg, "kademlia", "eviction") == EVICT_PING;
    kad->value_size = (guint) sim_config_get_int(cfg, "kademlia", "value_size");

    kad_rpc_init(kad);     /* message types first: their order is the tables' column order */
    kad_nodes_init(kad);
    kad_store_init(kad);
    sim_pools_init(&kad->lookups, sizeof(KadLookup) + sizeof(KadCand) * kad->shortlist,
                   kad->n_parts);
    kad->oracle = kad_oracle_new(kad->id_bits);
    sim_stream_state(sim, "kad", 0, &kad->rng);
    kad->joined = g_new(GArray *, kad->n_parts);
    for (guint p = 0; p < kad->n_parts; p++)
        kad->joined[p] = g_array_new(FALSE, FALSE, sizeof(uint32_t));
    kad->op_values = g_new(GHashTable *, kad->n_parts);
    for (guint p = 0; p < kad->n_parts; p++)
        kad->op_values[p] = g_hash_table_new(g_int64_hash, g_int64_equal);
    return kad;
}

static void kad_free(void *self)
{
    Kad *kad = self;
    kad_store_free(kad);  /* the nodes' stored pairs, before the nodes */
    kad_nodes_free(kad);
    kad_rpc_free(kad);
    sim_pools_clear(&kad->lookups);
    kad_oracle_free(kad->oracle);
    for (guint p = 0; p < kad->n_parts; p++) {
        GHashTableIter it;
        gpointer key;
        g_hash_table_iter_init(&it, kad->op_values[p]);
        while (g_hash_table_iter_next(&it, &key, NULL))
            g_free(key);
        g_hash_table_destroy(kad->op_values[p]);
    }
    g_free(kad->op_values);
    for (guint p = 0; p < kad->n_parts; p++)
        g_array_free(kad->joined[p], TRUE);
    g_free(kad->joined);
    g_string_free(kad->profile_note, TRUE);
    g_free(kad);
}

/* ---- message handling ------------------------------------------------------------------- */

static void reply_closest(Kad *kad, uint32_t node, const KadMsg *req, KadMsgType type,
                          uint32_t to)
{
    uint32_t mi = kad_msg_answer(kad, type, node, to, req);
    KadMsg *m = kad_msg_at(kad, mi);
    /* k closest known, leaving out the asker (it knows itself) */
    m->n_contacts = (uint16_t) kad_rtable_closest_set(&kad->nodes[node].rt, &kad->rp, kad->ids,
                                                      &kad->ids[node], &req->target, req->from,
                                                      m->contacts, kad->k);
    kad_msg_mark(kad, mi);
    kad_msg_send(kad, mi);
}

static void reply_plain(Kad *kad, uint32_t node, const KadMsg *req, KadMsgType type)
{
    uint32_t mi = kad_msg_answer(kad, type, node, req->from, req);
    kad_msg_mark(kad, mi);
    kad_msg_send(kad, mi);
}

static void handle_find_value(Kad *kad, uint32_t node, const KadMsg *req)
{
    const KadItem *it = kad_store_find(kad, node, &req->target);
    if (!it) {
        reply_closest(kad, node, req, KAD_FIND_VALUE_REPLY, req->from);
        return;
    }
    uint32_t mi = kad_msg_answer(kad, KAD_FIND_VALUE_REPLY, node, req->from, req);
    KadMsg *m = kad_msg_at(kad, mi);
    m->flags = KAD_MSG_VALUE;
    m->value = it->value;
    kad_msg_mark(kad, mi);
    kad_msg_send(kad, mi);
}

static gboolean is_request(const KadMsg *m)
{
    return m->type == KAD_PING || m->type == KAD_FIND_NODE || m->type == KAD_FIND_VALUE ||
           m->type == KAD_STORE;
}

static void kad_deliver(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload)
{
    Kad *kad = self;
    /* Work on a copy and recycle the pooled message first: answering allocates messages, and a
     * pool that grows moves its records. */
    union {
        KadMsg m;
        uint8_t raw[sizeof(KadMsg) + KAD_K_MAX * sizeof(uint32_t)];
    } buf;
    const KadMsg *pooled = kad_msg_at(kad, payload);
    memcpy(&buf, pooled, sizeof(KadMsg) + sizeof(uint32_t) * pooled->n_contacts);
    kad_release(kad, &kad->msgs, payload);
    const KadMsg *m = &buf.m;
    uint32_t node = kad->host_node[dst];
    /* The identity it was meant for may have left this host (a fresh-ID rejoin): lost. */
    if (node != m->to || kad->nodes[node].state == NODE_DOWN)
        return;
    if (kad->nodes[node].nat && is_request(m))
        return;  /* unsolicited: the NAT has no mapping for it */
    kad_fill_from_oracle(kad, node);
    kad_note_seen(kad, node, m->from);
    if (m->flags & KAD_MSG_RECURSIVE && (m->type == KAD_FIND_NODE || m->type == KAD_FIND_VALUE)) {
        kad_recursive_forward(kad, node, m);
        return;
    }
    switch ((KadMsgType) m->type) {
    case KAD_PING:
        reply_plain(kad, node, m, KAD_PING_REPLY);
        break;
    case KAD_FIND_NODE:
        reply_closest(kad, node, m, KAD_FIND_NODE_REPLY, m->from);
        break;
    case KAD_FIND_VALUE:
        handle_find_value(kad, node, m);
        break;
    case KAD_STORE:
        kad_store_local(kad, node, &m->target, m->value);
        reply_plain(kad, node, m, KAD_STORE_REPLY);
        break;
    case KAD_PING_REPLY: case KAD_FIND_NODE_REPLY: case KAD_FIND_VALUE_REPLY:
    case KAD_STORE_REPLY:
        kad_rpc_reply(kad, m);
        break;
    case KAD_MSG_TYPES:
        g_assert_not_reached();
    }
}

static void kad_discard(void *self, uint32_t payload, SimFate fate)
{
    Kad *kad = self;
    kad_release(kad, &kad->msgs, payload);
}

/* ---- operations from the workload ------------------------------------------------------- */

KadId kad_key_id(const Kad *kad, uint64_t key)
{
    return kad_id_from_u64(key, kad->id_bits);
}

static void start(Kad *kad, SimOpKind kind, uint32_t node, const KadId *target, uint64_t key,
                  uint64_t op, uint32_t value)
{
    kad_fill_from_oracle(kad, node);
    switch (kind) {
    case SIM_OP_LOOKUP:
        kad_lookup_start(kad, node, target, P_LOOKUP, op, key, 0, KAD_NONE);
        break;
    case SIM_OP_STORE:
        kad_remember_publication(kad, node, target, value);
        kad_lookup_start(kad, node, target, P_STORE, op, key, value, KAD_NONE);
        break;
    case SIM_OP_GET:
        kad_lookup_start(kad, node, target, P_GET, op, key, 0, KAD_NONE);
        break;
    default:
        g_assert_not_reached();
    }
}

/* lookup_target = node: the ID of a random live node other than `origin` (its own when there
 * is none), drawn from the protocol-wide stream. */
static KadId live_node_target(Kad *kad, uint32_t origin)
{
    uint32_t pick = origin;
    kad_oracle_sample_prefix(kad->oracle, kad->ids, &kad->ids[origin], 0, origin, &kad->rng,
                             &pick, 1);
    return kad->ids[pick];
}

static void kad_start_op(void *self, SimOpKind kind, SimHost origin, uint64_t key)
{
    Kad *kad = self;
    uint32_t node = kad->host_node[origin];
    KadId target = kind != SIM_OP_LOOKUP ? kad_key_id(kad, key)
                   : kad->target_nodes   ? live_node_target(kad, node)
                                         : kad_id_from_u64(key ^ KAD_LOOKUP_SALT, kad->id_bits);
    start(kad, kind, node, &target, key, sim_op_begin(kad->sim), 0);
}

uint64_t kad_put(Kad *kad, SimHost origin, const KadId *key, uint32_t value)
{
    uint64_t op = sim_op_begin(kad->sim);
    start(kad, SIM_OP_STORE, kad->host_node[origin], key, 0, op, value);
    return op;
}

uint64_t kad_get(Kad *kad, SimHost origin, const KadId *key)
{
    uint64_t op = sim_op_begin(kad->sim);
    start(kad, SIM_OP_GET, kad->host_node[origin], key, 0, op, 0);
    return op;
}

/* ---- inspection ------------------------------------------------------------------------- */

guint kad_k(const Kad *kad) { return kad->k; }

void kad_limit_identities(Kad *kad, uint32_t max)
{
    kad->max_nodes = MIN(max, KAD_MAX_NODES);
}
guint kad_id_bits(const Kad *kad) { return kad->id_bits; }

const KadId *kad_host_id(const Kad *kad, SimHost host)
{
    uint32_t node = kad->host_node[host];
    return node == KAD_NONE ? NULL : &kad->ids[node];
}

guint kad_host_table_size(const Kad *kad, SimHost host)
{
    uint32_t node = kad->host_node[host];
    return node == KAD_NONE ? 0 : kad_rtable_size(&kad->nodes[node].rt, &kad->rp);
}

gboolean kad_check_invariants(const Kad *kad, char **why)
{
    for (uint32_t n = 0; n < kad->n_nodes; n++) {
        if (kad->nodes[n].state == NODE_DOWN)
            continue;
        char *inner = NULL;
        if (!kad_rtable_check(&kad->nodes[n].rt, &kad->rp, kad->ids, n, &inner)) {
            *why = g_strdup_printf("node %u: %s", n, inner);
            g_free(inner);
            return FALSE;
        }
    }
    return TRUE;
}

double kad_unreachable_contacts(const Kad *kad)
{
    guint64 contacts = 0, behind_nat = 0;
    for (uint32_t n = 0; n < kad->n_nodes; n++) {
        if (kad->nodes[n].state == NODE_DOWN)
            continue;
        const KadRtable *rt = &kad->nodes[n].rt;
        for (guint b = 0; b < kad_rtable_buckets(rt, &kad->rp); b++)
            for (guint j = 0; j < kad_rtable_bucket_count(rt, &kad->rp, b); j++) {
                contacts++;
                behind_nat += kad->nodes[kad_rtable_bucket_contact(rt, &kad->rp, b, j)].nat;
            }
    }
    return contacts ? (double) behind_nat / (double) contacts : 0;
}

double kad_bytes_per_node(const Kad *kad)
{
    if (kad->n_nodes == 0)
        return 0;
    gsize bytes = (sizeof(KadNode) + sizeof(KadId) + sizeof(uint32_t)) * (gsize) kad->cap_nodes;
    for (uint32_t n = 0; n < kad->n_nodes; n++)
        bytes += kad_rtable_bytes(&kad->nodes[n].rt, &kad->rp);
    bytes += sizeof(uint32_t) * sim_hosts(kad->sim);
    return (double) bytes / kad->n_nodes;
}

uint32_t kad_value_new(Kad *kad, GBytes *bytes)
{
    g_ptr_array_add(kad->values, g_bytes_ref(bytes));
    return kad->values->len - 1;
}

GBytes *kad_op_value(const Kad *kad, uint64_t op_id)
{
    guint handle = 0;
    for (guint p = 0; p < kad->n_parts && !handle; p++)
        handle = GPOINTER_TO_UINT(g_hash_table_lookup(kad->op_values[p], &op_id));
    return handle ? g_ptr_array_index(kad->values, handle) : NULL;
}

guint kad_holders(Kad *kad, const KadId *key, SimHost *out, guint max)
{
    guint n = 0;
    for (uint32_t node = 0; node < kad->n_nodes && n < max; node++)
        if (kad->nodes[node].state != NODE_DOWN && kad_store_find(kad, node, key))
            out[n++] = kad->node_host[node];
    return n;
}

static gsize timeouts_bytes(const Kad *kad)
{
    gsize bytes = 0;
    for (guint p = 0; p < kad->n_parts; p++)
        bytes += sim_timeouts_bytes(kad->timeouts[p]);
    return bytes;
}

static gsize kad_memory(const void *self)
{
    const Kad *kad = self;
    gsize bytes = (gsize) (kad_bytes_per_node(kad) * kad->n_nodes);
    return bytes + sim_pools_bytes(&kad->msgs) + sim_pools_bytes(&kad->rpcs) +
           sim_pools_bytes(&kad->lookups) + timeouts_bytes(kad) + kad_oracle_bytes(kad->oracle);
}

static void kad_describe(const void *self, GString *out)
{
    const Kad *kad = self;
    g_string_append(out, kad->profile_note->str);
    if (kad->oracle_bootstrap)
        g_string_append(out, "bootstrap = oracle: routing tables were filled from global "
                              "knowledge, not built by joins\n");
    if (kad->nat_fraction > 0)
        g_string_append_printf(out, "%.1f%% of the routing-table contacts of live nodes are "
                               "behind NAT (unreachable_contacts in summary.csv)\n",
                               100 * kad_unreachable_contacts(kad));
}

/* Only with NAT, so that every run without it writes the summary it always wrote. */
static void kad_summary(const void *self, SimMetricFn add, void *ctx)
{
    const Kad *kad = self;
    if (kad->nat_fraction > 0)
        add(ctx, "unreachable_contacts", kad_unreachable_contacts(kad));
}

/* Three stages (see SimProtocolClass.prefetch), each one pointer further than the last:
 *   3: the host's node number; the message.
 *   2: the node's record and ID; the sender's ID; the RPC a message belongs to (its record and
 *      generation); the IDs of the contacts a reply carries (the lookup sorts them).
 *   1: the routing-table bucket the sender goes to (and, for a query, the buckets its closest
 *      set will read); the lookup the RPC serves (its header, or all of it for a reply).
 * Every index is bounds-checked: the message may be stale by the time it is looked at. */
static void kad_prefetch(const void *self, SimHost host, gboolean is_message, uint32_t payload,
                         guint ahead)
{
    const Kad *kad = self;
    /* Only this partition's records: another's pool may be growing in another thread (a
     * message sent by a serial event is still in its sender's pool). */
    gboolean own = kad->n_parts == 1 || (payload >> kad->msgs.shift) == host % kad->n_parts;
    const KadMsg *m = is_message && own && sim_pools_has(&kad->msgs, payload)
                          ? sim_pools_at(&kad->msgs, payload) : NULL;
    if (ahead >= 3) {
        __builtin_prefetch(&kad->host_node[host]);
        if (m)
            for (gsize off = 0; off < kad->msgs.elem; off += 64)
                __builtin_prefetch((const uint8_t *) m + off);
        return;
    }
    uint32_t node = kad->host_node[host];
    if (node >= kad->n_nodes)
        return;
    gboolean reply = m && (m->type == KAD_FIND_NODE_REPLY || m->type == KAD_FIND_VALUE_REPLY);
    gboolean query = m && (m->type == KAD_FIND_NODE || m->type == KAD_FIND_VALUE);
    /* The RPC a message carries, when this thread owns it (a reply: its sender's RPC). */
    gboolean rpc = m && (kad->n_parts == 1 || (m->rpc >> kad->rpcs.shift) == host % kad->n_parts)
                   && sim_pools_has(&kad->rpcs, m->rpc);
    if (ahead == 2) {
        __builtin_prefetch(&kad->nodes[node]);
        __builtin_prefetch(&kad->ids[node]);
        if (!m)
            return;
        if (m->from < kad->n_nodes)
            __builtin_prefetch(&kad->ids[m->from]);
        if (rpc) {
            __builtin_prefetch(sim_pools_at(&kad->rpcs, m->rpc));
            __builtin_prefetch(sim_pools_gen_ptr(&kad->rpcs, m->rpc));
        }
        if (reply)
            for (guint i = 0; i < m->n_contacts && i < kad->k; i++)
                if (m->contacts[i] < kad->n_nodes)
                    __builtin_prefetch(&kad->ids[m->contacts[i]]);
        return;
    }
    if (!m)
        return;
    const KadRtable *rt = &kad->nodes[node].rt;
    if (m->from < kad->n_nodes && m->from != node)
        kad_rtable_prefetch(rt, &kad->rp, &kad->ids[node], &kad->ids[m->from]);
    if (query)
        kad_rtable_prefetch_closest(rt, &kad->rp, &kad->ids[node], &m->target);
    if (rpc && sim_pools_gen(&kad->rpcs, m->rpc) == m->rpc_gen) {
        const KadRpc *r = sim_pools_at(&kad->rpcs, m->rpc);
        if (r->lookup != KAD_NONE && sim_pools_has(&kad->lookups, r->lookup)) {
            const uint8_t *L = sim_pools_at(&kad->lookups, r->lookup);
            __builtin_prefetch(sim_pools_gen_ptr(&kad->lookups, r->lookup));
            /* a reply is merged into the candidate list (all of it); a request only
             * counts its answer in the header */
            gsize bytes = reply ? kad->lookups.elem : sizeof(KadLookup);
            for (gsize off = 0; off < bytes; off += 64)
                __builtin_prefetch(L + off, 1);
        }
    }
}

static gboolean kad_trace_info(const void *self, uint32_t payload, SimTraceRow *row)
{
    const Kad *kad = self;
    const KadMsg *m = sim_pools_at(&kad->msgs, payload);
    if (m->op == KAD_NO_OP || !(m->flags & KAD_MSG_COUNTED))
        return FALSE;  /* sent after its operation ended: not one of its messages */
    row->sent = m->sent;
    row->op = m->op;
    row->key = m->key;
    row->hop = m->hop;
    gboolean has_target = m->type != KAD_PING && m->type != KAD_PING_REPLY;
    row->bits_to_target = has_target ? (int32_t) kad_id_cpl(&kad->ids[m->to], &m->target,
                                                            kad->id_bits)
                                     : -1;
    gboolean reply = m->type == KAD_PING_REPLY || m->type == KAD_FIND_NODE_REPLY ||
                     m->type == KAD_FIND_VALUE_REPLY || m->type == KAD_STORE_REPLY;
    /* Late: it reaches its origin after its request timed out; after its operation ended
     * otherwise. Either way it is not counted in the operation's messages (kad_rpc_reply). */
    if (reply) {
        gboolean open = m->rpc != KAD_NONE && sim_pools_valid(&kad->rpcs, m->rpc, m->rpc_gen);
        row->late = !open;
        if (open) {
            const KadRpc *r = sim_pools_at(&kad->rpcs, m->rpc);
            row->after_end = r->lookup == KAD_NONE
                             || !sim_pools_valid(&kad->lookups, r->lookup, r->lookup_gen);
        }
    }
    return TRUE;
}

/* Between windows of a run on several threads (sim.h). */
static void kad_sync(void *self)
{
    Kad *kad = self;
    sim_pools_sync(&kad->msgs);
    sim_pools_sync(&kad->rpcs);
    sim_pools_sync(&kad->lookups);
    kad_oracle_settle(kad->oracle, kad->ids);
}

static gsize kad_payload_bytes(const void *self)
{
    return ((const Kad *) self)->msgs.elem;
}

/* A message leaves its sender's partition: copied, its record back in the sender's pool. */
static void kad_payload_export(void *self, uint32_t payload, void *buf)
{
    Kad *kad = self;
    const KadMsg *m = kad_msg_at(kad, payload);  /* its header and the contacts it carries */
    memcpy(buf, m, sizeof(KadMsg) + sizeof(uint32_t) * m->n_contacts);
    kad_release(kad, &kad->msgs, payload);
}

static uint32_t kad_payload_import(void *self, guint part, const void *buf)
{
    Kad *kad = self;
    uint32_t mi = sim_pools_alloc(&kad->msgs, part);
    memcpy(kad_msg_at(kad, mi), buf,
           sizeof(KadMsg) + sizeof(uint32_t) * ((const KadMsg *) buf)->n_contacts);
    return mi;
}

static void kad_before_serial(void *self)
{
    kad_apply_joined(self);
}

const SimProtocolClass kad_protocol_class = {
    "kademlia", kad_declare, kad_create, kad_free, kad_host_up, kad_host_down, kad_deliver,
    kad_discard, kad_start_op, kad_memory, kad_describe, kad_trace_info, kad_prefetch,
    kad_profile_resolve, kad_summary, TRUE, kad_sync, kad_before_serial, kad_payload_bytes,
    kad_payload_export, kad_payload_import,
};

const SimCfgKey *kad_keys_table(gsize *n)
{
    *n = G_N_ELEMENTS(kad_keys);
    return kad_keys;
}
