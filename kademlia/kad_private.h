/* Internals shared by the files of kademlia/: the protocol state, nodes, messages, RPCs and
 * lookups. Nothing outside kademlia/ includes this. */
#pragma once

#include "kad.h"
#include "kad_id.h"
#include "kad_oracle.h"
#include "sim_pool.h"
#include "sim_timeouts.h"
#include "kad_rtable.h"

#define KAD_NONE UINT32_MAX
#define KAD_NO_OP UINT64_MAX  /* a message or lookup that serves no operation (maintenance) */

/* ---- wire sizes (bytes), for bandwidth: IPv4 + UDP headers, then the Kademlia message ---- */
#define KAD_WIRE_IP_UDP   28  /* IPv4 (20) + UDP (8) */
#define KAD_WIRE_TYPE      1  /* message type */
#define KAD_WIRE_RPC_ID    8  /* random RPC identifier echoed in the reply (paper, section 2.3) */
#define KAD_WIRE_ADDR      6  /* IPv4 address and UDP port of a contact */
#define KAD_WIRE_COUNT     1  /* number of contacts that follow */
#define KAD_WIRE_LENGTH    4  /* length of a value */
#define KAD_WIRE_HOP       1  /* recursive mode: hops so far */

typedef enum {
    KAD_PING, KAD_PING_REPLY,
    KAD_FIND_NODE, KAD_FIND_NODE_REPLY,
    KAD_FIND_VALUE, KAD_FIND_VALUE_REPLY,
    KAD_STORE, KAD_STORE_REPLY,
    KAD_MSG_TYPES
} KadMsgType;

/* Message flags. */
#define KAD_MSG_RECURSIVE 1u  /* forwarded node to node; the answer goes to `origin` */
#define KAD_MSG_VALUE     2u  /* a FIND_VALUE reply that carries the value */
#define KAD_MSG_COUNTED   4u  /* counted in its operation's messages (sent while it ran) */

/* A message in flight (pooled; its index is the engine payload). */
typedef struct {
    uint8_t  type;
    uint8_t  flags;
    uint16_t n_contacts;
    uint32_t from, to;        /* node numbers: the sender, the identity it meant to reach */
    uint32_t rpc, rpc_gen;    /* the RPC a reply answers (requests carry their own) */
    uint32_t origin;          /* recursive: the node that started the lookup */
    uint32_t hop;             /* recursive: nodes the query has visited */
    uint32_t value;           /* value handle (0: a synthetic value of value_size bytes) */
    SimTime  sent;            /* for traces */
    uint64_t op, key;         /* the operation it serves (KAD_NO_OP: none), for traces */
    KadId    target;          /* FIND_*: what is looked for; STORE: the key */
    uint32_t contacts[];      /* FIND_*_REPLY: up to k node numbers */
} KadMsg;

/* A stored key-value pair. */
typedef struct {
    KadId    key;
    uint32_t value;
    uint32_t unused;
    SimTime  expires;         /* absent from this time on */
    SimTime  stored_at;       /* last STORE received: replication skips fresh pairs */
} KadItem;

typedef enum { NODE_DOWN, NODE_JOINING, NODE_UP } KadNodeState;

/* Per node: what every node of a million holds, so every byte counts. Its ID is in Kad.ids, its
 * host in Kad.node_host. One cache line: a message to a node costs one miss for its record. */
typedef struct {
    KadRtable rt;
    GArray   *store;          /* KadItem[], NULL while empty */
    SimRngState rng;
    uint32_t srtt_us;         /* smoothed RTT of its RPCs (rpc_timeout_rtt), 0 until measured */
    uint16_t epoch;           /* changes when the node goes down: stale timers see it */
    uint8_t  state;           /* KadNodeState */
    uint8_t  filled : 1;      /* bootstrap = oracle: table filled */
    uint8_t  replicating : 1; /* its replication timer is scheduled */
    uint8_t  nat : 1;         /* behind a NAT: requests sent to it are lost (nat_fraction) */
} KadNode;

G_STATIC_ASSERT(sizeof(KadNode) == 64);

typedef enum {
    RPC_QUERY,                /* FIND_NODE / FIND_VALUE of a lookup */
    RPC_STORE,                /* STORE of a store operation or replication */
    RPC_EVICT_PING,           /* PING of a full bucket's least-recently-seen contact */
    RPC_CACHE_STORE,          /* STORE that caches a value along a get's path */
} KadRpcKind;

typedef struct {
    uint32_t from, to;
    uint32_t lookup, lookup_gen;
    SimTimerId timer;
    SimTime  sent;            /* of the current attempt */
    uint32_t request;         /* rpc_retries > 0: a copy of the request, resent on a timeout;
                                 KAD_NONE otherwise */
    uint8_t  kind;
    uint8_t  hop;             /* of the queried candidate */
    uint8_t  attempt;         /* 0 for the first sending, then 1, 2, ... for each retry */
} KadRpc;

typedef enum { CAND_NEW, CAND_ASKED, CAND_DONE, CAND_FAILED } KadCandState;

/* 12 bytes, not 16: a 32-bit distance key packs with the node number (a flash crowd holds
 * millions of shortlists at once). */
typedef struct {
    uint32_t dist;            /* top 32 bits of its XOR distance to the target (the whole
                                 distance when id_bits <= 32; full IDs settle a tie) */
    uint32_t node;
    uint8_t  state;
    uint8_t  hop;             /* length of the referral chain that led to it */
    uint8_t  had_value;
    uint8_t  unused;
} KadCand;
G_STATIC_ASSERT(sizeof(KadCand) == 12);

typedef enum {
    P_LOOKUP, P_STORE, P_GET,             /* operations of the workload: reported */
    P_JOIN, P_JOIN_REFRESH,               /* a join's self-lookup and bucket refreshes */
    P_REFRESH, P_REPLICATE, P_REPUBLISH,  /* maintenance */
} KadPurpose;

typedef enum { PHASE_LOOKUP, PHASE_STORING, PHASE_CHILDREN } KadPhase;

typedef struct {
    uint8_t  purpose, phase;
    uint8_t  find_value, final_round;
    uint8_t  recursive, attempts;
    uint16_t n, inflight;                 /* candidates; RPCs out */
    uint16_t stall;                       /* replies in a row that brought nothing closer */
    uint16_t pending;                     /* STORE acks or child lookups still awaited */
    uint16_t acks;
    uint32_t origin;
    uint32_t parent, parent_gen;          /* join refresh: its join */
    uint32_t value;                       /* what a get found / a store stores */
    uint8_t  found, value_hop;
    uint8_t  active;                      /* in use (pool records do not say) */
    uint16_t next_refresh, end_refresh;   /* join: buckets [next, end) still to refresh */
    uint64_t op_id, key;
    SimTime  start;
    uint32_t messages, timeouts;
    KadId    target;
    KadCand  cands[];                     /* closest first; capacity Kad.shortlist */
} KadLookup;
G_STATIC_ASSERT(sizeof(KadLookup) == 104);  /* a million joins at once hold a million */


/* When an iterative lookup is over ([kademlia] termination). */
typedef enum {
    KAD_TERM_PAPER,   /* the k closest candidates not known to have failed have all answered */
    KAD_TERM_OWNER,   /* a node whose ID is the target answered (p2psim); else as paper */
    KAD_TERM_BETA,    /* the beta closest have answered, no final round (go-libp2p-kad-dht) */
} KadTermination;

struct Kad {
    Sim *sim;
    KadRtableParams rp;
    guint k, alpha, id_bits, id_bytes, shortlist, value_size;
    double rtt_factor;
    double true_rtt_factor;               /* rpc_timeout_true_rtt: p2psim's timeouts */
    guint rpc_retries;                    /* resendings of an unanswered request (0: none) */
    KadTermination termination;
    guint beta;                           /* termination = beta: answers that end a lookup */
    gboolean target_nodes;                /* workload lookups target live node IDs (p2psim) */
    gboolean random_phase;                /* maintenance_phase = random */
    GString *profile_note;                /* what the profile set, for the run's notes */
    double nat_fraction;                  /* of hosts behind a NAT (unreachable) */
    gboolean nat_client;                  /* they run in client mode: nobody adds them */
    SimTime rpc_timeout, recursive_timeout, refresh, replicate, republish, expire;
    gboolean recursive, oracle_bootstrap, cache_on_get, join_refresh, eviction_ping;
    guint join_refresh_parallel;          /* a join's refreshes at once (0: all) */
    SimTime relookup;                     /* a joined node looks itself up again (0: never) */
    uint16_t msg_type[KAD_MSG_TYPES];
    uint16_t ev_refresh, ev_replicate, ev_republish, ev_relookup;
    SimTimeouts **timeouts;               /* RPC timeouts (sim_timeouts.h), per partition */

    KadNode *nodes;
    KadId   *ids;
    uint32_t n_nodes, cap_nodes;
    uint32_t max_nodes;                   /* identities at most: KAD_MAX_NODES (tests: fewer) */
    uint32_t *host_node;                  /* host -> current node number, or KAD_NONE */
    uint32_t *node_host;                  /* node number -> host: 4 bytes a node, so that
                                             sending touches no node record */

    /* Records by owner: a message in its sender's partition, an RPC and a lookup in their
     * origin's (sim_pool.h, SimPools). */
    SimPools msgs, rpcs, lookups;
    guint n_parts;                        /* partitions of the run (sim_threads) */
    GArray **joined;                      /* per partition: nodes whose join ended, not yet
                                             in the oracle (kad_join_complete) */
    KadOracle *oracle;
    SimRngState rng;                      /* protocol-wide draws (oracle fills) */
    GPtrArray *values;                    /* GBytes* by value handle; 0 is synthetic */
    GArray *publications;                 /* KadPublication[] for republishing */
    GHashTable **op_values;               /* per partition: op id -> value handle a get
                                             found (demo) */
};

typedef struct {
    uint32_t node;
    uint16_t epoch;
    uint32_t value;
    KadId key;
} KadPublication;

static inline KadNode *kad_node(Kad *kad, uint32_t n) { return &kad->nodes[n]; }
/* The partition of a node's host (sim_part_of's rule, inlined for the hot path): where the
 * records it owns are allocated. */
static inline guint kad_part(const Kad *kad, uint32_t node)
{
    return kad->n_parts == 1 ? 0 : kad->node_host[node] % kad->n_parts;
}
/* Release a record from the thread that runs now (sim_pools_release). */
static inline void kad_release(Kad *kad, SimPools *ps, uint32_t h)
{
    if (kad->n_parts == 1)
        sim_pool_release(&ps->pool[0], h);
    else
        sim_pools_release(ps, h, sim_running_part(kad->sim));
}
static inline KadLookup *kad_lookup_at(Kad *kad, uint32_t i)
{
    return sim_pools_at(&kad->lookups, i);
}
static inline KadRpc *kad_rpc_at(Kad *kad, uint32_t i) { return sim_pools_at(&kad->rpcs, i); }
static inline KadMsg *kad_msg_at(Kad *kad, uint32_t i) { return sim_pools_at(&kad->msgs, i); }

/* May `contact` enter routing tables? Not a node in client mode (nat_client): it does not
 * advertise itself (libp2p's DHT client mode). */
static inline gboolean kad_node_advertised(const Kad *kad, uint32_t contact)
{
    return !(kad->nat_client && kad->nodes[contact].nat);
}

static inline gboolean kad_node_is(const Kad *kad, uint32_t node, uint16_t epoch)
{
    return kad->nodes[node].state != NODE_DOWN && kad->nodes[node].epoch == epoch;
}

/* kad_profile.c: the profiles of deployed DHTs, in this order (the choices of [kademlia]
 * profile). Resolve: every key some profile sets and the scenario does not give gets the chosen
 * profile's value (or its default). Describe: what the profile set, for the run's notes. */
#define KAD_PROFILE_CHOICES "paper|mainline|ipfs"
gboolean kad_profile_resolve(SimConfig *cfg, GError **error);
void kad_profile_describe(const SimConfig *cfg, GString *note);
/* kad_proto.c: the [kademlia] keys, *n of them. */
const SimCfgKey *kad_keys_table(gsize *n);

/* kad_rpc.c: messages and RPCs */
void kad_rpc_init(Kad *kad);
void kad_rpc_free(Kad *kad);
/* A reply arrived at its RPC's sender: stop the timer, hand it to whoever asked. */
void kad_rpc_reply(Kad *kad, const KadMsg *m);
uint32_t kad_msg_new(Kad *kad, KadMsgType type, uint32_t from, uint32_t to);
/* A message that answers or forwards req: it carries req's RPC, operation, key and target. */
uint32_t kad_msg_answer(Kad *kad, KadMsgType type, uint32_t from, uint32_t to,
                        const KadMsg *req);
void kad_msg_send(Kad *kad, uint32_t msg);
/* Count a request msg against the operation whose RPC it carries, if that operation is still
 * running. Its reply (or a recursive query's forwards and answer) count when they reach the
 * origin while the operation runs (kad_rpc_reply): on several threads the origin's records are
 * its own partition's, so a node that answers cannot look at them. */
void kad_msg_count(Kad *kad, uint32_t msg);
/* One thread only, for traces: flag an answer or forward sent while its operation runs. */
void kad_msg_mark(Kad *kad, uint32_t msg);
uint32_t kad_rpc_send(Kad *kad, uint32_t msg, KadRpcKind kind, uint32_t lookup, uint8_t hop,
                      SimTime timeout);
void kad_note_seen(Kad *kad, uint32_t node, uint32_t contact);

/* kad_store.c: stored pairs, replication, republish */
void kad_store_init(Kad *kad);
void kad_store_free(Kad *kad);
void kad_store_local(Kad *kad, uint32_t node, const KadId *key, uint32_t value);
const KadItem *kad_store_find(Kad *kad, uint32_t node, const KadId *key);
/* The node published key: it republishes it every `republish` while it lives. */
void kad_remember_publication(Kad *kad, uint32_t node, const KadId *key, uint32_t value);

/* kad_node.c: nodes, joins, leaves, bucket refresh */
void kad_nodes_init(Kad *kad);
void kad_nodes_free(Kad *kad);
void kad_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh);
void kad_host_down(void *self, SimHost host, gboolean graceful);
void kad_fill_from_oracle(Kad *kad, uint32_t node);
void kad_join_complete(Kad *kad, uint32_t node);
/* Joins completed in partitions' events since the last serial event enter the oracle. */
void kad_apply_joined(Kad *kad);
/* relookup > 0: the node's join through a bootstrap is over; in `relookup` it looks itself up
 * again. */
void kad_relookup_schedule(Kad *kad, uint32_t node);
/* How many of x's k closest live nodes (their number in *closest_found, may be NULL) hold x in
 * their tables: global knowledge, for tests and benchmarks. */
guint kad_known_by_closest(Kad *kad, uint32_t x, guint *closest_found);

/* kad_lookup.c */
/* Start a lookup of target from origin; `parent`: the join a join refresh belongs to, or
 * KAD_NONE. May finish before it returns (nothing to ask). */
uint32_t kad_lookup_start(Kad *kad, uint32_t origin, const KadId *target, KadPurpose purpose,
                          uint64_t op_id, uint64_t key, uint32_t value, uint32_t parent);
void kad_lookup_reply(Kad *kad, uint32_t lookup, const KadRpc *rpc, const KadMsg *msg);
void kad_lookup_timeout(Kad *kad, uint32_t lookup, const KadRpc *rpc);
void kad_lookup_store_done(Kad *kad, uint32_t lookup, gboolean acked);
void kad_lookup_abandon_node(Kad *kad, uint32_t node);
void kad_recursive_forward(Kad *kad, uint32_t node, const KadMsg *msg);
