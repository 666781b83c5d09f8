/* Internals shared by the files of chord/: the protocol state, nodes, messages, RPCs and
 * lookups. Nothing outside chord/ includes this. */
#pragma once

#include "chord.h"
#include "chord_id.h"
#include "chord_ring.h"
#include "sim_pool.h"
#include "sim_timeouts.h"

#define CHORD_NO_OP UINT64_MAX  /* a message or lookup that serves no operation (maintenance) */

/* ---- wire sizes (bytes), for bandwidth: IPv4 + UDP headers, then the Chord message ------- */
#define CHORD_WIRE_IP_UDP  28  /* IPv4 (20) + UDP (8) */
#define CHORD_WIRE_TYPE     1  /* message type */
#define CHORD_WIRE_RPC_ID   8  /* RPC identifier echoed in the reply */
#define CHORD_WIRE_ADDR     6  /* IPv4 address and UDP port of a node */
#define CHORD_WIRE_COUNT    1  /* number of nodes that follow */
#define CHORD_WIRE_FLAGS    1  /* reply kind (next hops, answer, value); recursive: final */
#define CHORD_WIRE_LENGTH   4  /* length of a value */
#define CHORD_WIRE_HOP      1  /* recursive mode: hops so far */

/* Alternatives a NEXT reply carries (closest preceding first): a lookup that meets a dead
 * next hop falls back on the others without going back (ToN 2003, section IV-E). */
#define CHORD_NEXT_HOPS 4
/* The origin's own step offers this many next hops: its local knowledge costs no message, and
 * with only CHORD_NEXT_HOPS a lookup whose first few hops had all failed had nowhere to go
 * (6% of the lookups failed when half the nodes had crashed: 0.5^4). */
#define CHORD_ORIGIN_HOPS 16
/* Candidates a lookup keeps: the best few of every reply it has had. */
#define CHORD_LOOKUP_CANDS 32
/* A lookup gives up after this many queries: far more than the ~log2 N of a path, so only a
 * ring broken by failures reaches it. */
#define CHORD_MAX_QUERIES 128
/* Most successors a node keeps (the [chord] successors key's maximum). */
#define CHORD_MAX_SUCCESSORS 64

typedef enum {
    CHORD_FIND_SUCC, CHORD_FIND_SUCC_REPLY,  /* a lookup step */
    CHORD_GET_PRED, CHORD_GET_PRED_REPLY,    /* stabilize: your predecessor and successors? */
    CHORD_NOTIFY,                            /* stabilize: I might be your predecessor */
    CHORD_PING, CHORD_PING_REPLY,            /* check_predecessor */
    CHORD_STORE, CHORD_STORE_REPLY,          /* a store at the key's successor */
    CHORD_REPLICA,                           /* a copy of a key for a successor of its owner */
    CHORD_TRANSFER,                          /* keys handed over (join, graceful leave) */
    CHORD_LEAVE,                             /* graceful leave: here are my neighbours */
    CHORD_HINT,                              /* a node joined between you and your successor */
    CHORD_MSG_TYPES
} ChordMsgType;

/* Message flags. */
#define CHORD_MSG_RECURSIVE 1u   /* forwarded node to node; the answer goes to `origin` */
#define CHORD_MSG_ANSWER    2u   /* FIND_SUCC_REPLY: nodes[] are the target's successors */
#define CHORD_MSG_VALUE     4u   /* FIND_SUCC_REPLY: the value itself (a get) */
#define CHORD_MSG_WANT      8u   /* FIND_SUCC of a get: answer with the value if you hold it */
#define CHORD_MSG_FINAL     16u  /* recursive: the receiver is the answer (its predecessor says) */
#define CHORD_MSG_COUNTED   32u  /* counted in its operation's messages */
#define CHORD_MSG_SUCCS     64u  /* FIND_SUCC: answer with your successors past the target */

/* A message in flight (pooled; its index is the engine payload). */
typedef struct {
    uint8_t  type;
    uint8_t  flags;
    uint16_t n_nodes;
    uint32_t from, to;        /* node numbers */
    uint32_t rpc, rpc_gen;    /* the RPC a reply answers (requests carry their own) */
    uint32_t origin;          /* recursive: the node that started the lookup */
    uint32_t hop;             /* nodes of the referral chain so far */
    uint32_t pred;            /* GET_PRED_REPLY, LEAVE: a predecessor (or CHORD_NONE) */
    uint32_t value;           /* STORE, REPLICA, TRANSFER, a get's answer: value handle */
    uint32_t unused;
    SimTime  sent;            /* for traces */
    uint64_t op, key;         /* the operation it serves (CHORD_NO_OP: none), for traces */
    ChordId  target;          /* FIND_SUCC: what is looked for; STORE..TRANSFER: the key */
    uint32_t nodes[];         /* replies: next hops or successors; LEAVE: successors */
} ChordMsg;

/* A stored key. */
typedef struct {
    ChordId  key;
    uint32_t value;
    uint32_t unused;
} ChordItem;

typedef enum { NODE_DOWN, NODE_JOINING, NODE_UP } ChordNodeState;

/* Per node: what every node of a million holds. The successor list is in Chord.succ (r entries
 * from node * r), the ID in Chord.ids, the host in Chord.node_host. */
typedef struct {
    ChordFingers fingers;     /* distinct fingers, clockwise */
    GArray  *store;           /* ChordItem[], NULL while empty */
    SimRngState rng;
    uint32_t pred;            /* CHORD_NONE: unknown */
    uint16_t epoch;           /* changes when the node goes down: stale timers see it */
    uint8_t  state;           /* ChordNodeState */
    uint8_t  n_succ;
    uint8_t  next_finger;     /* fix_fingers: the next finger index to look up */
    uint8_t  filled : 1;      /* bootstrap = oracle: state filled */
    uint8_t  stabilizing : 1; /* a GET_PRED is out */
    uint8_t  pinging : 1;     /* a check_predecessor PING is out */
    uint8_t  fixing : 1;      /* a fix_fingers lookup is out */
    uint8_t  checking : 1;    /* the lookup of its own ID (once a fix_fingers round) is out */
} ChordNode;

typedef enum {
    RPC_QUERY,                /* FIND_SUCC of a lookup */
    RPC_STORE,                /* STORE of a store operation */
    RPC_STABILIZE,            /* GET_PRED */
    RPC_CHECK_PRED,           /* PING of check_predecessor */
} ChordRpcKind;

typedef struct {
    uint32_t from, to;
    uint32_t lookup, lookup_gen;
    uint32_t request;         /* rpc_retries > 0: a copy of the request, sent again on a
                               * timeout; CHORD_NONE: none (recursive queries, no retries) */
    SimTimerId timer;
    SimTime  sent;
    uint16_t epoch;           /* of the sender when sent: a node gone since ignores it */
    uint8_t  kind;
    uint8_t  attempt;         /* sendings so far beyond the first */
    uint8_t  slow;            /* a query whose lookup went on without it (first timeout) */
} ChordRpc;

typedef enum { CAND_NEW, CAND_ASKED, CAND_DONE, CAND_FAILED } ChordCandState;

/* A node a lookup may ask. Answers (successors of the target, as some node said) come first in
 * the order given; then nodes that precede the target, closest first. */
typedef struct {
    uint64_t rank;            /* answers: their position; others: top bits of the distance */
    uint32_t node;
    uint8_t  state;
    uint8_t  answer;          /* a successor of the target by some node's account */
    uint8_t  hop;             /* its place in the referral chain: origin 0, its contacts 1 */
    uint8_t  drained;         /* asked for its successors past the target already */
} ChordCand;

typedef enum {
    P_LOOKUP, P_STORE, P_GET, P_JOIN,     /* operations: reported */
    P_FIX_FINGER,                         /* maintenance */
    P_SELF,                               /* maintenance: the node's own ID (ring check) */
} ChordPurpose;

typedef enum { PHASE_ROUTING, PHASE_STORING } ChordPhase;

typedef struct {
    uint8_t  purpose, phase;
    uint8_t  recursive, attempts;
    uint8_t  active;                      /* in use (pool records do not say) */
    uint8_t  finger;                      /* P_FIX_FINGER: the finger index */
    uint8_t  found;                       /* a get found the value */
    uint8_t  queries;                     /* FIND_SUCCs sent */
    uint16_t n, inflight;
    uint16_t slow;                        /* queries it went on without (first timeout) */
    uint32_t origin;
    uint32_t answer;                      /* the node that confirmed it is the successor */
    uint32_t hops;                        /* of the answer in the referral chain */
    uint32_t value;
    uint64_t op_id, key;
    SimTime  start;
    uint32_t messages, timeouts;
    ChordId  target;
    ChordCand cands[CHORD_LOOKUP_CANDS];
} ChordLookup;

struct Chord {
    Sim *sim;
    guint id_bits, id_bytes, r, replicas, value_size;
    SimTime rpc_timeout, recursive_timeout, stabilize, fix_fingers, check_pred;
    guint rpc_retries;                    /* resendings of an unanswered request */
    double true_rtt_factor;               /* rpc_timeout_true_rtt (0: off) */
    gboolean self_lookup;                 /* look up the own ID once a fix_fingers round */
    gboolean recursive, oracle_bootstrap, route_successors;
    uint16_t msg_type[CHORD_MSG_TYPES];
    uint16_t ev_stabilize, ev_fix, ev_check, ev_rejoin;
    SimTimeouts *timeouts;                /* RPC timeouts (sim_timeouts.h) */

    ChordNode *nodes;
    ChordId   *ids;
    uint32_t  *succ;                      /* r per node */
    uint32_t n_nodes, cap_nodes;
    uint32_t *host_node;                  /* host -> current node number, or CHORD_NONE */
    uint32_t *node_host;                  /* node number -> host */

    SimPool msgs, rpcs, lookups;
    ChordRing *ring;                      /* live joined nodes: truth and oracle */
};

static inline ChordNode *chord_node(Chord *c, uint32_t n) { return &c->nodes[n]; }
static inline uint32_t *chord_succ(const Chord *c, uint32_t n) { return &c->succ[(gsize) n * c->r]; }
static inline ChordLookup *chord_lookup_at(Chord *c, uint32_t i)
{
    return sim_pool_at(&c->lookups, i);
}
static inline ChordRpc *chord_rpc_at(Chord *c, uint32_t i) { return sim_pool_at(&c->rpcs, i); }
static inline ChordMsg *chord_msg_at(Chord *c, uint32_t i) { return sim_pool_at(&c->msgs, i); }
/* The node's successor, or itself when it knows none (alone on its ring). */
static inline uint32_t chord_first_succ(const Chord *c, uint32_t n)
{
    return c->nodes[n].n_succ ? chord_succ(c, n)[0] : n;
}
static inline gboolean chord_node_is(const Chord *c, uint32_t n, uint16_t epoch)
{
    return c->nodes[n].state != NODE_DOWN && c->nodes[n].epoch == epoch;
}

/* chord_proto.c: messages and RPCs */
uint32_t chord_msg_new(Chord *c, ChordMsgType type, uint32_t from, uint32_t to);
/* A message that answers or forwards req: it carries req's RPC, operation, key and target. */
uint32_t chord_msg_answer(Chord *c, ChordMsgType type, uint32_t from, uint32_t to,
                          const ChordMsg *req);
void chord_msg_send(Chord *c, uint32_t msg);
void chord_msg_count(Chord *c, uint32_t msg);
uint32_t chord_rpc_send(Chord *c, uint32_t msg, ChordRpcKind kind, uint32_t lookup,
                        SimTime timeout);
/* The node learned that `dead` does not answer: out of its successor list, fingers and
 * predecessor. */
void chord_forget(Chord *c, uint32_t node, uint32_t dead);
void chord_fill_from_oracle(Chord *c, uint32_t node);
/* The join is over: `succ` (then `list`, its successors) is the node's successor list. */
void chord_join_complete(Chord *c, uint32_t node, uint32_t succ, const uint32_t *list, guint n);
/* A join with nobody to join through (or bootstrap = oracle): complete at once, reported. */
void chord_join_alone(Chord *c, uint32_t node, uint64_t op_id);

/* chord_maint.c: stabilize, notify, fix_fingers, check_predecessor, leave */
void chord_maint_register(Chord *c);
void chord_maint_start(Chord *c, uint32_t node);
void chord_stabilize_reply(Chord *c, uint32_t node, const ChordMsg *m);
void chord_stabilize_failed(Chord *c, uint32_t node, uint32_t dead);
void chord_handle_notify(Chord *c, uint32_t node, uint32_t from);
void chord_handle_leave(Chord *c, uint32_t node, const ChordMsg *m);
void chord_handle_hint(Chord *c, uint32_t node, const ChordMsg *m);
void chord_fix_finger_done(Chord *c, uint32_t node, guint finger, uint32_t answer);
/* The lookup of the node's own ID ended at `answer`, the successor of its ID as the others'
 * tables say (CHORD_NONE: failed). */
void chord_self_lookup_done(Chord *c, uint32_t node, uint32_t answer);
void chord_leave(Chord *c, uint32_t node);
/* A join's find_successor failed: try again later through a random up node. */
void chord_rejoin_later(Chord *c, uint32_t node);

/* chord_lookup.c */
/* The routing step of `node` for target, as a reply would carry it: ANSWER (nodes are the
 * target's successors, the first being the owner) or up to max_next next hops. */
guint chord_route(Chord *c, uint32_t node, const ChordId *target, uint32_t *out,
                  gboolean *answer, guint max_next);
uint32_t chord_lookup_start(Chord *c, uint32_t origin, const ChordId *target,
                            ChordPurpose purpose, uint64_t op_id, uint64_t key, uint32_t value,
                            uint32_t bootstrap);
void chord_lookup_reply(Chord *c, uint32_t lookup, const ChordRpc *rpc, const ChordMsg *msg);
void chord_lookup_timeout(Chord *c, uint32_t lookup, const ChordRpc *rpc);
/* The first wait of a query expired and the request is sent again: the lookup may go on with
 * its next candidate meanwhile. Returns TRUE when it did (the RPC is then `slow`). */
gboolean chord_lookup_slow(Chord *c, uint32_t lookup, const ChordRpc *rpc);
void chord_lookup_store_done(Chord *c, uint32_t lookup, gboolean acked);
void chord_lookup_abandon_node(Chord *c, uint32_t node);
void chord_recursive_forward(Chord *c, uint32_t node, const ChordMsg *msg);
void chord_handle_find_succ(Chord *c, uint32_t node, const ChordMsg *req);

/* chord_store.c */
const ChordItem *chord_store_find(Chord *c, uint32_t node, const ChordId *key);
void chord_store_local(Chord *c, uint32_t node, const ChordId *key, uint32_t value);
/* Copies of a key the owner just took to its first `replicas` successors. */
void chord_store_replicate(Chord *c, uint32_t node, const ChordId *key, uint32_t value);
/* Copy every key the node holds in (from, upto] to `to`, or with CHORD_NONE to its first
 * `replicas` successors. */
void chord_store_replicate_range(Chord *c, uint32_t node, const ChordId *from,
                                 const ChordId *upto, uint32_t to);
/* The successor list changed from `before`: the successors now among the first `replicas`
 * that were not before get copies of the keys the node owns. */
void chord_store_replicas_changed(Chord *c, uint32_t node, const uint32_t *before,
                                  guint n_before);
/* Send `to` every key in (from, upto] (TRANSFER); with upto == NULL, every key. */
void chord_store_hand_over(Chord *c, uint32_t node, uint32_t to, const ChordId *from,
                           const ChordId *upto);
void chord_store_clear(Chord *c, uint32_t node);
gsize chord_store_bytes(const Chord *c, uint32_t node);
