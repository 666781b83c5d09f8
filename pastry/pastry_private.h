/* Internals shared by the files of pastry/: the protocol state, nodes, messages, RPCs and
 * operations. Nothing outside pastry/ includes this (but tests). */
#pragma once

#include "pastry.h"
#include "pastry_id.h"
#include "pastry_leafset.h"
#include "pastry_pairset.h"
#include "pastry_rtable.h"
#include "sim_pool.h"
#include "sim_timeouts.h"

#define PASTRY_NONE UINT32_MAX
#define PASTRY_NO_OP UINT64_MAX  /* a message that serves no operation (maintenance) */

/* ---- wire sizes (bytes), for bandwidth: IPv4 + UDP headers, then the Pastry message ----- */
#define PASTRY_WIRE_IP_UDP  28  /* IPv4 (20) + UDP (8) */
#define PASTRY_WIRE_TYPE     1  /* message type */
#define PASTRY_WIRE_SEQ      4  /* message number a hop ack or a reply names */
#define PASTRY_WIRE_ADDR     6  /* IPv4 address and UDP port of a node */
#define PASTRY_WIRE_HOPS     1  /* routed messages: hops so far */
#define PASTRY_WIRE_COUNT    2  /* number of entries of a state table that follows */
#define PASTRY_WIRE_ROWCOL   2  /* routing-table repair: the row and column asked for */
#define PASTRY_WIRE_ROW      1  /* routing-table maintenance: the row asked for */
#define PASTRY_WIRE_LENGTH   4  /* length of a value */

/* Limits of the scenario keys: L and M fit a message record and a byte count. */
#define PASTRY_L_MAX 64
#define PASTRY_M_MAX 128
/* A routed message forwarded this often is delivered where it is: a guard against a loop
 * between inconsistent tables, far above any real path (log_{2^b} N + a few). */
#define PASTRY_MAX_HOPS 64
/* Next hops a node tries for one routed message before it gives up on it. */
#define PASTRY_REROUTES 5
/* Rounds of the search for a nearby bootstrap: each asks the nearest node found so far for its
 * neighbourhood set (in the spirit of Castro et al.'s nearby-node discovery); a round that
 * finds nobody nearer ends it sooner. */
#define PASTRY_NEAR_ROUNDS 3
/* Attempts of a join (the first and retries through another known node). */
#define PASTRY_JOIN_ATTEMPTS 3

typedef enum {
    PASTRY_LOOKUP, PASTRY_STORE, PASTRY_GET, PASTRY_JOIN,  /* routed hop by hop */
    PASTRY_HOP_ACK,                                        /* a hop received a routed one */
    PASTRY_LOOKUP_REPLY, PASTRY_STORE_REPLY, PASTRY_GET_REPLY,
    PASTRY_JOIN_STATE,                                     /* state rows for a joining node */
    PASTRY_ANNOUNCE,                                       /* a joined node tells its tables */
    PASTRY_LEAF_PROBE, PASTRY_LEAF_REPLY,                  /* leaf-set keep-alive and exchange */
    PASTRY_RT_REPAIR, PASTRY_RT_REPAIR_REPLY,              /* lazy routing-table repair */
    PASTRY_REPLICA,                                        /* a copy for a leaf-set neighbour */
    PASTRY_LEAVE,                                          /* a graceful leave */
    PASTRY_NEAR_REQUEST, PASTRY_NEAR_REPLY,                /* a newcomer looks for a near node */
    PASTRY_ROW_REQUEST, PASTRY_ROW_REPLY,                  /* periodic routing-table maintenance */
    PASTRY_PING, PASTRY_PONG,                              /* is it alive, how near is it */
    PASTRY_MSG_TYPES
} PastryMsgType;

static inline gboolean pastry_type_routed(guint type) { return type <= PASTRY_JOIN; }

/* Message flags. */
#define PASTRY_MSG_FINAL   1u  /* JOIN_STATE from the node closest to the joining ID */
#define PASTRY_MSG_FOUND   2u  /* GET_REPLY that carries the value */
#define PASTRY_MSG_COUNTED 4u  /* counted in its operation's messages */
#define PASTRY_MSG_FIRST   8u  /* JOIN_STATE from the bootstrap: carries its neighbourhood */
#define PASTRY_MSG_SAME   16u  /* LEAF_PROBE, LEAF_REPLY: the leaf set this neighbour was sent
                                  last, unchanged, so left out */

/* A message in flight (pooled; its index is the engine payload). */
typedef struct {
    uint8_t  type, flags;
    uint16_t n;               /* contacts[] in use */
    uint16_t hop;             /* routed: forwards so far; state: the sender's place on the path */
    uint16_t rowcol;          /* RT_REPAIR(_REPLY): row << 8 | column */
    uint32_t from, to;        /* node numbers */
    uint32_t origin;          /* routed: the node that started it (a join: the joining node) */
    uint32_t rpc, rpc_gen;    /* the RPC it belongs to (an ack, a reply: the one it answers) */
    uint32_t op, op_gen;      /* the origin's operation record (PASTRY_NONE: none) */
    uint32_t value;           /* value handle (0: a synthetic value of value_size bytes) */
    uint32_t answer;          /* replies: the node that answered; repair: the contact found;
                                 ROW_REQUEST: the row asked for */
    uint32_t n_table;         /* JOIN_STATE: entries of table */
    uint32_t *table;          /* JOIN_STATE: rows, leaf set, neighbourhood (owned) */
    SimTime  sent;            /* for traces */
    SimTime  start;           /* routed: when the origin sent it (route stretch) */
    uint64_t op_id, key;      /* the operation it serves, for traces */
    PastryId target;
    uint32_t contacts[];      /* leaf sets, table rows: up to MAX(L, 2^b) (pastry_msg_room) */
} PastryMsg;

/* RPC_NEAR: a newcomer's ping of a candidate bootstrap (proximity = probe). */
typedef enum { RPC_HOP, RPC_PROBE, RPC_REPAIR, RPC_NEAR } PastryRpcKind;

/* An RPC: a routed message waiting for its next hop's ack (with a copy to route it again), a
 * leaf-set probe, a repair request. */
typedef struct {
    uint8_t  kind, tries;
    uint16_t unused;
    uint32_t from, to;
    SimTimerId timer;
    PastryMsg m;              /* RPC_HOP: the routed message (no contacts) */
} PastryRpc;

/* An operation at its origin: lookup, store, get, join. */
typedef struct {
    uint32_t origin;          /* first: a free record's next index overwrites it, not `active` */
    uint8_t  kind;            /* SimOpKind */
    uint8_t  tries;
    uint8_t  active;
    uint8_t  unused;
    uint64_t op_id, key;
    SimTime  start;
    uint32_t messages, timeouts;
    uint32_t value;
    uint32_t unused2;
    PastryId target;
    /* a join's search for a near node (find_near): the node asked, when, its proximity; the
     * nearest found so far; pings outstanding (proximity = probe); the round */
    uint32_t near_from, near_from_d, near_best, near_best_d;
    SimTime  near_sent;
    uint16_t near_pending;
    uint8_t  near_round;
} PastryOp;

typedef enum { NODE_DOWN, NODE_JOINING, NODE_UP } PastryNodeState;

/* Per node: the routing table, the leaf set and the neighbourhood set (one allocation of L + M
 * node numbers), stored pairs, its random stream. Its ID is in Pastry.ids. */
typedef struct {
    PastryRtable  rt;
    PastryLeafset ls;         /* ls.m: L entries, then M of the neighbourhood set, then their
                                 M proximities */
    GArray       *store;      /* PastryItem[], NULL while empty */
    SimRngState   rng;
    uint32_t      told[2];    /* each side's immediate neighbour last sent the leaf set... */
    uint32_t      told_hash[2];  /* ...and a hash of that leaf set (PASTRY_MSG_SAME) */
    uint16_t      epoch;      /* changes when the node goes down: stale timers see it */
    uint8_t       state;      /* PastryNodeState */
    uint8_t       n_nbr;      /* neighbourhood set entries, nearest first */
    uint8_t       filled;     /* bootstrap = oracle: tables filled */
} PastryNode;

typedef struct {
    PastryId key;
    uint32_t value;
    uint32_t unused;
} PastryItem;

struct Pastry {
    Sim *sim;
    PastryIdSpace s;
    guint L, half, M, replicas, value_size;
    SimTime hop_timeout, op_timeout, join_timeout, leaf_probe, rt_maintenance;
    gboolean oracle_bootstrap;
    gboolean pns;             /* proximity neighbour selection (false: first come, kept) */
    gboolean find_near;       /* joins go through the nearest node found from the bootstrap */
    gboolean prox_probe;      /* proximity = probe: measured by PING round trips (else free) */
    gboolean leaf_exchange_all; /* every leaf probe carries the leaf set (else: neighbours') */
    gboolean leaf_check_all;  /* every leaf-set member is checked each period (else neighbours) */
    uint16_t msg_type[PASTRY_MSG_TYPES];
    uint16_t ev_probe, ev_rt_maint;
    SimTimeouts *rpc_timeouts, *op_timeouts;

    PastryNode *nodes;
    PastryId   *ids;
    uint32_t n_nodes, cap_nodes;
    uint32_t *host_node;      /* host -> its current node number, or PASTRY_NONE */
    uint32_t *node_host;      /* node number -> host */

    SimPool msgs, rpcs, ops;
    PastryPairset probing;    /* (node, contact) of probes in flight: one at a time */
    GTree *live;              /* nodes up, by ID: exactness and the oracle bootstrap */
    PastryId probe;           /* the ID a search of `live` looks for (see pastry_oracle.c) */
    GPtrArray *values;        /* GBytes* by value handle; 0 is synthetic */
    GHashTable *op_values;    /* op id -> value handle a get found (tests) */
    /* route stretch of lookups that reached their end: sum of (path delay / direct delay) */
    double stretch_sum;
    uint64_t stretch_n;
    uint64_t reroutes, leaf_repairs, rt_repairs;  /* repair work, for describe() */
};

static inline PastryNode *pastry_node(Pastry *p, uint32_t n) { return &p->nodes[n]; }
static inline PastryMsg *pastry_msg_at(Pastry *p, uint32_t i) { return sim_pool_at(&p->msgs, i); }
static inline PastryRpc *pastry_rpc_at(Pastry *p, uint32_t i) { return sim_pool_at(&p->rpcs, i); }
static inline PastryOp *pastry_op_at(Pastry *p, uint32_t i) { return sim_pool_at(&p->ops, i); }
static inline uint32_t *pastry_nbr(Pastry *p, uint32_t n) { return &p->nodes[n].ls.m[p->L]; }
static inline uint32_t *pastry_nbr_prox(Pastry *p, uint32_t n)
{
    return &p->nodes[n].ls.m[p->L + p->M];
}
static inline gboolean pastry_node_live(const Pastry *p, uint32_t n)
{
    return p->nodes[n].state != NODE_DOWN;
}

/* pastry_msg.c: messages, RPCs, operations at their origin */
void pastry_msg_init(Pastry *p);
void pastry_msg_free(Pastry *p);
uint32_t pastry_msg_new(Pastry *p, PastryMsgType type, uint32_t from, uint32_t to);
/* A message that answers or continues req: its RPC, operation, key and target. */
uint32_t pastry_msg_answer(Pastry *p, PastryMsgType type, uint32_t from, uint32_t to,
                           const PastryMsg *req);
/* Count it against its operation (when still running), then send it. */
void pastry_msg_send(Pastry *p, uint32_t msg);
void pastry_msg_release(Pastry *p, uint32_t msg);
/* Send msg as an RPC of `kind` that times out after `timeout` (RPC_HOP keeps a copy). */
uint32_t pastry_rpc_send(Pastry *p, uint32_t msg, PastryRpcKind kind, SimTime timeout);
/* The reply or ack m answers its RPC: returns it (copied to *out) when still waited for. */
gboolean pastry_rpc_answered(Pastry *p, const PastryMsg *m, PastryRpc *out);
/* Operations at their origin: start (returns the record), end (reports and releases). */
uint32_t pastry_op_new(Pastry *p, SimOpKind kind, uint32_t origin, uint64_t op_id, uint64_t key,
                       const PastryId *target, uint32_t value);
gboolean pastry_op_valid(Pastry *p, uint32_t op, uint32_t gen);
void pastry_op_end(Pastry *p, uint32_t op, gboolean success, int correct, guint hops);
void pastry_op_count_timeout(Pastry *p, uint32_t op, uint32_t gen);
/* Abandon the operations of a node going down: reported as failed. */
void pastry_op_abandon_node(Pastry *p, uint32_t node);

/* pastry_node.c: nodes, what a node learns (routing table, leaf set, neighbourhood), failures */
void pastry_nodes_init(Pastry *p);
void pastry_nodes_free(Pastry *p);
uint32_t pastry_node_new(Pastry *p, SimHost host);
SimTime pastry_proximity(void *ctx, uint32_t a, uint32_t b);
/* The free proximity a table weighs contact by (global knowledge), or 0 for all when pns is
 * off: proximity = free, the oracle bootstrap. */
uint32_t pastry_table_prox(Pastry *p, uint32_t node, uint32_t contact);
/* The proximity a round trip that began at `sent` measured: half of it. */
uint32_t pastry_prox_of_rtt(const Pastry *p, SimTime sent);
/* node heard from contact itself (so it is alive): offer it to every table, at the proximity
 * node measured (PASTRY_PROX_UNKNOWN: none; proximity = free ignores it). */
void pastry_consider_at(Pastry *p, uint32_t node, uint32_t contact, uint32_t measured);
/* The same without a measurement; with proximity = probe, a contact that a measurement could
 * place is pinged (the PONG's round trip is the measurement). */
void pastry_consider(Pastry *p, uint32_t node, uint32_t contact);
/* node heard of contact from another node (it may be dead by now): probed when one of its
 * tables would take it, and taken when it answers. `measure` (proximity = probe): also when
 * only a measurement could tell (a row asked for, a repair); otherwise only for empty slots. */
void pastry_hear_of(Pastry *p, uint32_t node, uint32_t contact, gboolean measure);
/* The same for the state a joining node is sent: into the routing table and the
 * neighbourhood set at once (as the paper does), into the leaf set once it answers. */
void pastry_take_state(Pastry *p, uint32_t node, uint32_t contact);
/* node found contact dead (no ack, no reply): remove it everywhere and start repairs. */
void pastry_node_failed(Pastry *p, uint32_t node, uint32_t dead);
/* The same without repairs (repair = FALSE: a leaving node handed over its leaf set). */
void pastry_node_forget(Pastry *p, uint32_t node, uint32_t dead, gboolean repair);
/* Distinct contacts of all three tables; returns how many (out: room for rows x cols + L + M). */
guint pastry_node_contacts(Pastry *p, uint32_t node, uint32_t *out);
guint pastry_contacts_max(const Pastry *p);

/* pastry_oracle.c: global knowledge (nodes up, by ID) */
void pastry_oracle_init(Pastry *p);
void pastry_oracle_free(Pastry *p);
void pastry_oracle_add(Pastry *p, uint32_t node);
void pastry_oracle_remove(Pastry *p, uint32_t node);
/* The up node numerically closest to key, or PASTRY_NONE. */
uint32_t pastry_oracle_closest(Pastry *p, PastryId key);
/* bootstrap = oracle: fill the node's tables the first time it acts. */
void pastry_oracle_fill(Pastry *p, uint32_t node);
gsize pastry_oracle_bytes(const Pastry *p);

/* pastry_route.c: routing, forwarding, the end of a route */
/* The next hop from node towards key (node itself when it is the closest it knows);
 * `exclude`: a node not to route to (a joining node's own ID), or PASTRY_NONE. */
uint32_t pastry_route_next(Pastry *p, uint32_t node, PastryId key, uint32_t exclude);
/* node has routed message m (a copy, not pooled): act on it, forward it or end it here. */
void pastry_route_step(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_route_start(Pastry *p, SimOpKind kind, uint32_t origin, const PastryId *target,
                        uint64_t op_id, uint64_t key, uint32_t value);
void pastry_route_hop_failed(Pastry *p, const PastryRpc *r);
void pastry_route_reply(Pastry *p, uint32_t node, const PastryMsg *m);
/* Send the join of `node` (its operation oi) to `via`, its bootstrap. */
void pastry_route_join(Pastry *p, uint32_t node, uint32_t via, uint32_t oi);

/* pastry_join.c: joins and announcements */
void pastry_host_up(void *self, SimHost host, SimHost bootstrap, gboolean fresh);
void pastry_join_state(Pastry *p, uint32_t node, const PastryMsg *m);
/* A node on a join's path sends the joining node its state. */
void pastry_join_send_state(Pastry *p, uint32_t node, const PastryMsg *join, gboolean final);
void pastry_join_timeout(Pastry *p, uint32_t op);
void pastry_announce_received(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_near_request(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_near_reply(Pastry *p, uint32_t node, const PastryMsg *m);
/* A ping of the search for a near node was answered (d: measured proximity) or timed out
 * (d = PASTRY_PROX_UNKNOWN). */
void pastry_near_pong(Pastry *p, uint32_t node, const PastryRpc *r, uint32_t d);

/* pastry_repair.c: leaf-set probing and repair, routing-table repair, leaving */
void pastry_repair_init(Pastry *p);
/* Schedule node's next leaf-set probe and routing-table maintenance (first: after a random
 * part of a period, so that nodes that came up together act apart). */
void pastry_repair_schedule(Pastry *p, uint32_t node, gboolean first);
void pastry_leaf_send(Pastry *p, uint32_t node, uint32_t to, PastryMsgType type,
                      const PastryMsg *req);
void pastry_leaf_received(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_leaf_repair(Pastry *p, uint32_t node, int side);
/* leaf_check = neighbours: node found its immediate neighbour dead; it sends its leaf set to
 * every member, which then checks the members it lists that node's set no longer has. */
void pastry_leaf_spread_failure(Pastry *p, uint32_t node);
void pastry_rt_repair(Pastry *p, uint32_t node, guint row, guint col, uint32_t dead);
void pastry_rt_repair_received(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_rt_repair_reply(Pastry *p, uint32_t node, const PastryMsg *m);
/* Periodic routing-table maintenance: a node asked for a row answers with it; the asker
 * offers what it gets. */
void pastry_row_request(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_row_reply(Pastry *p, uint32_t node, const PastryMsg *m);
void pastry_probe_failed(Pastry *p, const PastryRpc *r);
/* A PING from node to `to` (none when a probe of either kind is already in flight to it); the
 * PONG proves it alive and offers it to node's tables. */
void pastry_ping_send(Pastry *p, uint32_t node, uint32_t to);
void pastry_ping_received(Pastry *p, uint32_t node, const PastryMsg *m);
/* A leaf probe from `from` to `to` is over (answered, timed out): another may be sent. */
void pastry_probe_done(Pastry *p, uint32_t from, uint32_t to);
void pastry_host_down(void *self, SimHost host, gboolean graceful);
void pastry_leave_received(Pastry *p, uint32_t node, const PastryMsg *m);

/* pastry_store.c: stored pairs and their replicas on the leaf set */
void pastry_store_free_node(Pastry *p, uint32_t node);
const PastryItem *pastry_store_find(Pastry *p, uint32_t node, PastryId key);
void pastry_store_local(Pastry *p, uint32_t node, PastryId key, uint32_t value);
/* node is the root of key: keep it and copy it to the replicas - 1 leaf-set members closest. */
void pastry_store_root(Pastry *p, uint32_t node, PastryId key, uint32_t value);
/* node's leaf set gained `added` (or lost a member: PASTRY_NONE): copy the pairs it holds to
 * the replica set it now sees (the newcomer; or all, if node is the root). */
void pastry_store_leafset_changed(Pastry *p, uint32_t node, uint32_t added);
/* The random target of lookup number `key` (apart from stored keys' IDs). */
PastryId pastry_lookup_target(const Pastry *p, uint64_t key);
