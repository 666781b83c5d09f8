/* sim — one simulation: the clock, the event queue and run loop, random streams, the hosts and
 * the network between them, and the operations whose results it reports.
 *
 * The engine knows no protocol. A protocol is a table of functions (SimProtocolClass)
 * that the engine calls when a host comes up or goes down, a message arrives, or the workload
 * starts an operation; the protocol answers through sim_send(), sim_schedule() and
 * sim_op_end(). Models of the world (latency, loss, churn, workload) live beside the engine in
 * sim/ and drive it through the same calls. Nothing here is global: several Sims can run side by
 * side in threads. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "sim_config.h"
#include "sim_queue.h"
#include "sim_rng.h"
#include "sim_time.h"

typedef struct Sim Sim;

#define SIM_ERROR (sim_error_quark())
GQuark sim_error_quark(void);

/* A host: a machine with an address, numbered 0 .. sim_hosts(sim) - 1. What runs on it (and
 * under which protocol identity) is the protocol's business. */
typedef uint32_t SimHost;
#define SIM_HOST_NONE UINT32_MAX

/* ---- operations ------------------------------------------------------------------------ */

typedef enum {
    SIM_OP_JOIN,
    SIM_OP_LOOKUP,
    SIM_OP_STORE,
    SIM_OP_GET,
    SIM_OP_KINDS
} SimOpKind;

const char *sim_op_kind_name(SimOpKind kind);  /* "join", "lookup", "store", "get" */

/* One finished operation, as the protocol reports it. */
typedef struct {
    uint64_t  id;        /* from sim_op_begin(): the operation's number in ops.csv */
    SimOpKind kind;
    SimHost   origin;
    uint64_t  key;       /* the workload's key number; lookups: the random target's seed */
    SimTime   start, end;
    uint32_t  hops;      /* length of the referral chain to the answer (see docs) */
    uint32_t  messages;  /* messages sent for it, requests and replies, as the protocol counts
                            them (docs/output.md) */
    uint32_t  timeouts;  /* RPC timeouts it met */
    gboolean  success;
    int8_t    correct;   /* lookups: 1 when the answer is exact as the protocol defines it
                            (Kademlia: the true k closest alive; Chord: the live true successor),
                            0 when not; -1 when the question does not apply */
} SimOp;

/* ---- the protocol interface ------------------------------------------------------------ */

typedef enum {
    SIM_FATE_DELIVERED,
    SIM_FATE_LOST,          /* dropped by the loss model */
    SIM_FATE_DEAD,          /* arrived at a host that was down */
    SIM_FATE_IN_FLIGHT,     /* still travelling when the run ended */
    SIM_FATES
} SimFate;

/* One traced message (see sim_set_tracer): filled by the engine (from, to, type, arrived,
 * fate) and by the protocol's trace_info() (the rest). */
typedef struct {
    SimTime  sent;            /* when it left `from` */
    SimTime  arrived;         /* when it reached `to`; -1 when lost */
    uint64_t op;              /* the operation it belongs to (SimOp.id) */
    uint64_t key;             /* that operation's key (SimOp.key) */
    SimHost  from, to;
    uint16_t type;
    uint32_t hop;             /* hop of the referral chain it serves */
    int32_t  bits_to_target;  /* how close the receiver is to the target, in bits, as the
                                 protocol defines it (Kademlia: common-prefix length), or -1 */
    SimFate  fate;            /* delivered, lost, dead */
    gboolean late;            /* a reply that came after its request had timed out */
    gboolean after_end;       /* a reply that came after its operation had ended (not late):
                                 not counted in the operation's messages */
} SimTraceRow;

/* Receives one of a protocol's own summary figures (see SimProtocolClass.summary). */
typedef void (*SimMetricFn)(void *ctx, const char *name, double value);

typedef struct {
    const char *name;
    /* Declare the protocol's scenario keys (its own section). */
    void  (*declare)(SimConfig *cfg);
    /* Build the protocol's state for all hosts; register message types and handlers here. */
    void *(*create)(Sim *sim, const SimConfig *cfg, GError **error);
    void  (*free)(void *self);
    /* Host comes up. bootstrap: an up host to join through, or SIM_HOST_NONE for the first.
     * fresh_identity: a rejoin that must not reuse the host's previous identity. */
    void  (*host_up)(void *self, SimHost host, SimHost bootstrap, gboolean fresh_identity);
    /* Host goes down: gracefully (it may say goodbye) or by crashing (silent). Pending work of
     * the host must be abandoned; its operations are reported as failed. */
    void  (*host_down)(void *self, SimHost host, gboolean graceful);
    /* A message arrives at dst. The protocol owns `payload` from sim_send() until here. */
    void  (*deliver)(void *self, SimHost dst, SimHost src, uint16_t type, uint32_t payload);
    /* A message will never arrive (fate says why): release its payload. */
    void  (*discard)(void *self, uint32_t payload, SimFate fate);
    /* The workload asks `origin` to run an operation on key number `key`. */
    void  (*start_op)(void *self, SimOpKind kind, SimHost origin, uint64_t key);
    /* Bytes of memory the protocol holds (for reports). */
    gsize (*memory)(const void *self);
    /* Print protocol-specific lines to the --check listing / summary (may be NULL). */
    void  (*describe)(const void *self, GString *out);
    /* Tracing only: fill row->sent, op, key, hop, bits_to_target, late and after_end for the message
     * `payload` (still valid during the call); FALSE when it belongs to no operation. */
    gboolean (*trace_info)(const void *self, uint32_t payload, SimTraceRow *row);
    /* Optional: an event soon to run is for `host` (a message `payload`, when `is_message`):
     * start fetching the memory it will touch, so that the cache misses of a large network
     * overlap with useful work. A pipeline: before each event, the engine calls this for the
     * next three events with `ahead` = 1, 2, 3 (in that order). At 3, fetch what can be found
     * without reading memory (the host's slot in a table, the payload's record); at 2 and 1,
     * what was fetched one step before is in cache: follow it one pointer further. Only a
     * hint: the event may not run when foreseen (one pushed meanwhile can come first, a timer
     * may be cancelled), so it must read only and change no state. */
    void (*prefetch)(const void *self, SimHost host, gboolean is_message, uint32_t payload,
                     guint ahead);
    /* Optional: after a scenario and its overrides are loaded, fill in the values of its section
     * that depend on others (e.g. a profile's parameters for every key not given), so that
     * listings and run.ini show the values in effect. Called by the program before sim_new(). */
    gboolean (*resolve)(SimConfig *cfg, GError **error);
    /* Optional: after the run, the protocol's own figures for summary.csv: add(ctx, name, value)
     * for each, a name of letters, digits and '_' that no engine row has. They come after the
     * engine's rows, in the order given; a protocol that adds nothing leaves the file as it was. */
    void (*summary)(const void *self, SimMetricFn add, void *ctx);
    /* TRUE when the protocol may run on several threads (sim_new_threads): a handler for a
     * host changes only that host's state and records owned by its partition (sim_part_of),
     * reads nothing another partition changes during a window, and hands records across
     * partitions only through messages. */
    gboolean parallel;
    /* Optional, for parallel protocols: called on one thread before every window, when no
     * handler runs: finish what partitions left for each other (records to release in their
     * owner's pool) and any lazily built state the handlers read. */
    void (*sync)(void *self);
    /* Optional: called before every serial event (workload, churn, sampler) and when sim_run()
     * returns, on any number of threads: apply changes to global state (e.g. the set of nodes
     * an oracle judges exactness by) that a handler made outside a serial event
     * (sim_in_serial_event() FALSE) and deferred, so that they take effect at the same points
     * of the run whatever T is. */
    void (*before_serial)(void *self);
    /* Optional, for parallel protocols: a message that crosses partitions travels as a copy of
     * its payload's record, so that no record goes back and forth between cores. export: copy
     * the record of `payload` (payload_bytes() bytes at most) into buf and release it (called
     * in the sender's partition); import: a new record of partition `part` holding buf (called
     * in the receiver's), and its handle. */
    gsize    (*payload_bytes)(const void *self);
    void     (*payload_export)(void *self, uint32_t payload, void *buf);
    uint32_t (*payload_import)(void *self, guint part, const void *buf);
} SimProtocolClass;

/* ---- construction ---------------------------------------------------------------------- */

/* Declare the engine's own keys ([simulation], [network]) and those of the world models. */
void sim_declare(SimConfig *cfg);

/* A simulation of cfg (validated) running `protocol`. Fails with a message naming the key
 * when a model cannot be built (e.g. a matrix file that does not parse). */
Sim *sim_new(const SimConfig *cfg, const SimProtocolClass *protocol, GError **error);
void sim_free(Sim *sim);

/* ---- threads ---------------------------------------------------------------------------
 * One simulation on T threads: the hosts are split into T partitions (host % T), each with its
 * own event queue; they run at once in windows as long as the network's least one-way delay
 * (the lookahead), with every event crossing partitions handed over at a window's end. The
 * workload's, churn's and the sampler's events run alone between windows. Every output is the
 * same for any T: each partition runs its events in the order one thread would, ended
 * operations are shown to the observers in a fixed order (by end time, then number), and
 * counters are summed. Refused (with the key to change) when a model draws per message from
 * one shared stream (loss, jitter, latency_draw = message) or the latency has no positive
 * minimum (set [network] min_latency), and for protocols not marked parallel. */
#define SIM_THREADS_MAX 128
Sim *sim_new_threads(const SimConfig *cfg, const SimProtocolClass *protocol, guint threads,
                     GError **error);
guint sim_threads(const Sim *sim);
/* The partition of a host: where records it owns (its messages, RPCs, lookups) live. */
guint sim_part_of(const Sim *sim, SimHost host);
/* The partition whose window this thread runs, or SIM_PART_NONE (one thread, or between
 * windows: no other thread runs). */
#define SIM_PART_NONE UINT32_MAX
guint sim_running_part(const Sim *sim);
/* The lookahead of a run on several threads (0 on one). */
SimTime sim_lookahead(const Sim *sim);
/* TRUE while a serial event runs (workload, churn, sampler) or outside sim_run(); FALSE while
 * a partition's event runs, even on one thread. */
gboolean sim_in_serial_event(const Sim *sim);
/* Windows run so far (0 on one thread). */
uint64_t sim_windows(const Sim *sim);
/* CPU seconds the run's other threads used (0 on one thread): the caller's own thread is
 * measured by the caller. */
double sim_workers_cpu_s(const Sim *sim);

const SimConfig *sim_config(const Sim *sim);
void *sim_protocol(const Sim *sim);
uint64_t sim_seed(const Sim *sim);
guint sim_hosts(const Sim *sim);

/* A random stream derived from the master seed and (name, index). */
void sim_stream(const Sim *sim, const char *name, uint64_t index, SimRng *out);
void sim_stream_state(const Sim *sim, const char *name, uint64_t index, SimRngState *out);

/* ---- time and events ------------------------------------------------------------------- */

SimTime sim_now(const Sim *sim);

typedef void (*SimHandler)(Sim *sim, void *ctx, const SimEvent *ev);

/* Register an event kind; events of that kind are dispatched to fn(sim, ctx, ev). */
uint16_t sim_register_handler(Sim *sim, const char *name, SimHandler fn, void *ctx);

/* Origins for tie-breaking: a host number, or one of these for the world's own generators. */
#define SIM_ORIGIN_WORKLOAD (UINT32_MAX - 1)
#define SIM_ORIGIN_CHURN    (UINT32_MAX - 2)
#define SIM_ORIGIN_ENGINE   (UINT32_MAX - 3)   /* the engine's own and the results sampler */
#define SIM_ORIGIN_PROTOCOL (UINT32_MAX - 4)   /* a protocol's events of no one host (timeouts) */

/* Schedule an event of `kind` for `target` (a host, or SIM_HOST_NONE for an event of no host:
 * the engine prefetches a target host's memory) at absolute time `at` (>= now). Events at the same
 * time run in order of (origin, the origin's schedule count): deterministic, and independent of
 * how many events other origins schedule. */
void sim_schedule(Sim *sim, SimTime at, uint16_t kind, uint32_t target, uint64_t data,
                  uint32_t origin);

/* The same, cancellable: returns a non-zero id for sim_cancel(). Cancelling is O(1): the event
 * stays queued and is skipped when it comes out (its slot's generation no longer matches). */
typedef uint64_t SimTimerId;
SimTimerId sim_schedule_cancellable(Sim *sim, SimTime at, uint16_t kind, uint32_t target,
                                    uint64_t data, uint32_t origin);
/* Cancel a pending event; cancelling one that already ran or was cancelled does nothing. On
 * several threads, only the partition that holds the event may cancel it. */
void sim_cancel(Sim *sim, SimTimerId id);

/* An event of no host that belongs to partition `part` (a protocol's timeout lane of that
 * partition), tie-broken as SIM_ORIGIN_PROTOCOL. */
void sim_schedule_part(Sim *sim, guint part, SimTime at, uint16_t kind, uint64_t data);

/* Run until the queue is empty, simulated time passes `until`, or sim_request_stop().
 * Returns the reason. */
typedef enum {
    SIM_STOP_END_TIME, SIM_STOP_EMPTY, SIM_STOP_REQUESTED,
    SIM_STOP_FAILED,   /* a protocol or model could not go on: sim_failure() says why */
} SimStopReason;
SimStopReason sim_run(Sim *sim, SimTime until);

/* Ask a running sim_run() to return soon (safe from a signal handler or another thread). The
 * request stays: every later sim_run() of this simulation returns SIM_STOP_REQUESTED at once. */
void sim_request_stop(Sim *sim);

/* A protocol or model that cannot go on (a limit of its own reached, in the middle of a run)
 * stops the run with an error instead of aborting the program: sim_run() returns
 * SIM_STOP_FAILED before the next event, and sim_failure() says why. Takes ownership of
 * error; the first failure is the one kept. */
void sim_fail(Sim *sim, GError *error);
const GError *sim_failure(const Sim *sim);

/* Called about every `every` of wall time while sim_run() works (for progress lines). */
typedef void (*SimProgressFn)(Sim *sim, void *ctx);
void sim_set_progress(Sim *sim, SimProgressFn fn, void *ctx, double every_seconds);

uint64_t sim_events_processed(const Sim *sim);
/* Bytes of memory the protocol's state holds (its memory() function). */
gsize sim_protocol_memory(const Sim *sim);
/* The protocol's own summary figures (its summary() function; nothing when it has none). */
void sim_protocol_summary(const Sim *sim, SimMetricFn add, void *ctx);
gsize sim_events_pending(const Sim *sim);

/* ---- hosts ----------------------------------------------------------------------------- */

gboolean sim_host_is_up(const Sim *sim, SimHost host);
guint sim_hosts_up(const Sim *sim);
/* A uniformly random up host other than `except` (SIM_HOST_NONE if there is none). */
SimHost sim_random_up_host(const Sim *sim, SimRngState *rng, SimHost except);
/* The i-th up host, 0 <= i < sim_hosts_up(): for deterministic iteration in tests. */
SimHost sim_up_host(const Sim *sim, guint i);

/* Bring a host up (the protocol joins it through a random up host) or down. */
void sim_host_up(Sim *sim, SimHost host, gboolean fresh_identity);
void sim_host_down(Sim *sim, SimHost host, gboolean graceful);

/* Network proximity of two hosts: the latency model's one-way delay from a to b without
 * jitter, the same every time it is asked and drawing nothing from the run's streams. For
 * protocols that choose contacts by proximity (Pastry), standing for the ping they would send,
 * and for a simulator's shortcut no real host has, such as p2psim's RPC timeouts of a multiple
 * of the true round trip (Kademlia's rpc_timeout_true_rtt). */
SimTime sim_proximity(const Sim *sim, SimHost a, SimHost b);

/* ---- messages -------------------------------------------------------------------------- */

/* Register a message type name ("FIND_NODE") for accounting; returns its number. */
uint16_t sim_msg_type_register(Sim *sim, const char *name);
guint sim_msg_types(const Sim *sim);
const char *sim_msg_type_name(const Sim *sim, uint16_t type);

/* Send `bytes` on the wire from src to dst. The network decides the delay and whether it is
 * lost; the protocol gets `payload` (its own handle, e.g. a message pool index) back through
 * deliver() or discard(). Sending costs no allocation: the event carries src and payload. */
void sim_send(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t bytes, uint32_t payload);

/* Message counters since the start, per type (type < sim_msg_types()). */
typedef struct {
    uint64_t sent, bytes_sent;
    uint64_t fate[SIM_FATES];  /* delivered, lost, dead: final; in flight: current */
} SimMsgCounters;
const SimMsgCounters *sim_msg_counters(const Sim *sim, uint16_t type);

/* Trace messages: fn sees every message of an operation when its fate is known (lost: at
 * sending; delivered or dead: at arrival). With no tracer set the cost is one test per
 * message. */
typedef void (*SimTraceFn)(void *ctx, const SimTraceRow *row);
void sim_set_tracer(Sim *sim, SimTraceFn fn, void *ctx);

/* Is a tracer set (so that a protocol computes what only traces show)? */
gboolean sim_tracing(const Sim *sim);

/* Check that every message sent has exactly one fate (conservation); FALSE and a message if not. */
gboolean sim_check_conservation(const Sim *sim, GError **error);

/* ---- operations ------------------------------------------------------------------------ */

/* Number a new operation (0, 1, 2, ...). */
uint64_t sim_op_begin(Sim *sim);
/* Report a finished operation to the observers. */
void sim_op_end(Sim *sim, const SimOp *op);

/* Observers of the run (results writers, tests). Each function may be NULL. */
typedef struct {
    void (*op_done)(void *ctx, const SimOp *op);
    void (*host_changed)(void *ctx, SimHost host, gboolean up, gboolean graceful);
} SimObserver;
void sim_add_observer(Sim *sim, const SimObserver *obs, void *ctx);

/* The workload asks a host to run an operation: forwards to the protocol. */
void sim_start_op(Sim *sim, SimOpKind kind, SimHost origin, uint64_t key);
