#include "sim.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sim_net.h"
#include "sim_world.h"

/* Flag bit on events scheduled with sim_schedule_cancellable(): their data is a timer slot. */
#define EVENT_CANCELLABLE 0x8000u
/* How often (in events) the run loop looks at the stop flag and the wall clock. */
#define RUN_CHECK_EVERY 4096
/* Special origins (workload, churn, engine) have their own tie-break counters. */
#define SPECIAL_ORIGINS 16
/* What a host costs at the least: the engine's arrays, and a DHT node's record, ID and routing
 * table (Kademlia: about 800 bytes at k = 20, docs/kademlia.md). A network that needs more than
 * the machine has is refused with a message, rather than aborting in an allocation part-way. */
#define SIM_MIN_BYTES_PER_HOST 512
/* What an operation in flight costs at the least: its record in the protocol (a Kademlia
 * lookup with its shortlist is about 1 KB at k = 20) and the messages it has out. */
#define SIM_MIN_BYTES_PER_OP 256

G_DEFINE_QUARK(sim-error-quark, sim_error)

typedef struct {
    SimHandler fn;
    void      *ctx;
    const char *name;
} Handler;

/* A cancellable event's slot: the event carries (slot, generation); cancelling bumps the
 * generation so the queued event no longer matches and is skipped. */
typedef struct {
    uint32_t gen;
    uint32_t next_free;  /* free list link while unused */
    uint64_t data;       /* the caller's data, restored into the event when it fires */
} TimerSlot;

typedef struct {
    SimObserver obs;
    void       *ctx;
} Observer;

/* Events for one other partition: a cache line of its own (its sender appends at every message
 * that crosses). */
typedef struct {
    uint8_t *buf;   /* records: a SimEvent, then for a message its payload's copy */
    gsize    len, cap;
} __attribute__((aligned(64))) Outbox;

/* Room for a record of `bytes` at the end of o. */
static uint8_t *outbox_add(Outbox *o, gsize bytes)
{
    if (o->len + bytes > o->cap) {
        o->cap = MAX(o->cap * 2, 8192);
        o->buf = g_realloc(o->buf, o->cap);
    }
    uint8_t *at = o->buf + o->len;
    o->len += bytes;
    return at;
}

/* A partition: the hosts h with h % T == index, and everything of theirs the engine keeps, so
 * that T threads can run the events of T partitions at once (docs/scale.md, "One simulation
 * over many cores"). A run on one thread has one partition; the run's serial events (workload,
 * churn, the results sampler) then share its queue. On T threads they have a partition of
 * their own, index T, run by the coordinator between windows. */
typedef struct {
    guint     index;
    SimQueue *queue;
    SimTime   now;            /* the time of the event this partition's thread runs */
    uint32_t  protocol_seq;   /* tie-break counter of SIM_ORIGIN_PROTOCOL events queued here */
    uint32_t *host_seq;       /* per host of the partition (host / T): events it scheduled so
                                 far, the tie-breaker; apart per partition, for no two cores
                                 write one cache line */
    GArray   *timer_slots;    /* TimerSlot[] of cancellable events queued here */
    uint32_t  timer_free;
    uint64_t  events;
    SimMsgCounters *msg_counters;  /* by type: the messages this partition saw (own lines) */
    GArray   *ops;            /* SimOp[] ended and not yet shown to the observers */
    /* Events for other partitions, handed over at the end of the window: [parity][dest]. The
     * receiving thread drains them at the start of the next window, while the sender may
     * already be writing the other parity. */
    Outbox   *out[2];
    SimTime   out_min[2];     /* the earliest event for a partition put in out[parity] */
} __attribute__((aligned(64))) Part;  /* partitions are written by different cores */

struct Sim {
    const SimConfig *cfg;
    uint64_t seed;
    guint n_hosts;

    const SimProtocolClass *protocol_class;
    void *protocol;

    SimTime now;              /* of the serial event running, or of the last window */
    Part *parts;              /* [n_parts + (n_parts > 1)]: the last one is the serial events' */
    guint n_parts;            /* T: threads that run one simulation */
    SimTime lookahead;        /* the network's least one-way delay (T > 1) */
    SimTime horizon;          /* no event may cross partitions before this time (T > 1) */
    gsize payload_bytes;      /* of a message's record crossing partitions (0: not copied) */
    guint parity;             /* of the window running: which out[] is written */
    SimTime bound_time;       /* a window runs the events before (bound_time, bound_tie) */
    uint64_t bound_tie;
    uint64_t windows;         /* windows run so far */
    double workers_cpu_s;     /* CPU time of the worker threads of finished runs */
    volatile gint window;     /* bumped to start one (workers wait on it) */
    volatile gint done;       /* workers that finished it */
    volatile gint quit;
    GArray *handlers;        /* Handler[] by kind */
    uint32_t special_seq[SPECIAL_ORIGINS];
    volatile gint stop_requested;
    GMutex failure_lock;
    GError *failure;          /* why the run cannot go on (sim_fail), or NULL */
    gboolean running;         /* inside sim_run(): ended operations wait in the partitions */
    gboolean in_serial;       /* a serial event runs (any number of threads) */
    uint32_t *host_seq1;      /* on one thread: parts[0].host_seq, one load nearer */
    GArray *msg_sum;          /* SimMsgCounters[]: the partitions' counters added up (T > 1) */
    GArray *ops_merge;        /* SimOp[]: scratch of flush_ops() */

    SimProgressFn progress_fn;
    void *progress_ctx;
    gint64 progress_every_us, progress_next_us;

    /* hosts */
    uint8_t  *up;            /* 1 when up */
    uint32_t *up_list;       /* dense list of up hosts, for O(1) random choice */
    uint32_t *up_pos;        /* host -> index in up_list */
    guint     n_up;
    SimRngState bootstrap_rng;

    /* network */
    uint16_t msg_kind;       /* handler kind of message deliveries */
    GPtrArray *msg_names;
    SimLatency *latency;
    SimLoss *loss;
    SimTraceFn trace_fn;
    void *trace_ctx;

    SimChurn *churn;
    SimWorkload *workload;

    uint64_t ops_begun;
    GArray *observers;       /* Observer[] */
};

/* The partition whose window this thread is running, or NULL (one thread, or between windows). */
static __thread Part *running_part;

static const SimCfgKey simulation_keys[] = {
    { "simulation", "seed", SIM_CFG_INT, "1", 0, 9007199254740991.0, NULL, NULL,
      "Master seed; every random stream derives from it (same seed, same bytes)" },
    { "simulation", "nodes", SIM_CFG_INT, "1000", 1, 100000000, NULL, NULL,
      "Number of hosts in the network" },
    { "simulation", "duration", SIM_CFG_DURATION, "1h", 0, 100.0 * 365 * 86400, NULL, NULL,
      "Simulated time to run (units: ns, us, ms, s, min, h, d)" },
    { "simulation", "warmup", SIM_CFG_DURATION, "0", 0, 100.0 * 365 * 86400, NULL, NULL,
      "Simulated time excluded from the statistics at the start (must be < duration)" },
};

const char *sim_op_kind_name(SimOpKind kind)
{
    static const char *names[SIM_OP_KINDS] = { "join", "lookup", "store", "get" };
    g_return_val_if_fail(kind < SIM_OP_KINDS, "?");
    return names[kind];
}

void sim_declare(SimConfig *cfg)
{
    sim_config_declare(cfg, "The run: size, length and seed", simulation_keys,
                       G_N_ELEMENTS(simulation_keys));
    sim_latency_declare(cfg);
    sim_loss_declare(cfg);
    sim_churn_declare(cfg);
    sim_workload_declare(cfg);
}

static void deliver_message(Sim *sim, void *ctx, const SimEvent *ev);

/* Physical memory, or the address-space limit (ulimit -v) when lower; 0 when unknown. */
static double memory_available(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    double have = pages > 0 && page > 0 ? (double) pages * (double) page : 0;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        have = have > 0 ? MIN(have, (double) rl.rlim_cur) : (double) rl.rlim_cur;
    return have;
}

static gboolean hosts_fit_in_memory(const SimConfig *cfg, gint64 hosts, GError **error)
{
    double need = (double) hosts * SIM_MIN_BYTES_PER_HOST, have = memory_available();
    if (have <= 0 || need <= have)
        return TRUE;
    return sim_config_fail(cfg, error, "simulation", "nodes",
                           "%" G_GINT64_FORMAT " hosts need at least %.1f GiB of memory (%d "
                           "bytes each), more than the %.1f GiB available", hosts,
                           need / (1 << 30), SIM_MIN_BYTES_PER_HOST, have / (1 << 30));
}

/* A workload faster than memory: operations start faster than they can end. Each lasts at
 * least a round trip (twice the latency model's mean one-way delay), and none starts before
 * [workload] start, so about rate × min(round trip, run after start) are in flight at once.
 * Refused like hosts, before anything is allocated: lookup_rate = 1e12 network-wide (in its
 * range) aborted in the protocol's pool allocator a fraction of a simulated second in. */
static gboolean ops_fit_in_memory(const Sim *sim, const SimConfig *cfg, GError **error)
{
    static const char *const rate_keys[] = { "lookup_rate", "store_rate", "get_rate" };
    double rate = 0, top = 0;
    const char *blame = rate_keys[0];
    for (gsize i = 0; i < G_N_ELEMENTS(rate_keys); i++) {
        double r = sim_config_get_double(cfg, "workload", rate_keys[i]);
        rate += r;
        if (r > top)
            top = r, blame = rate_keys[i];
    }
    gboolean per_node = strcmp(sim_config_get_string(cfg, "workload", "rate_unit"), "network");
    if (per_node)
        rate *= sim->n_hosts;
    SimTime duration = sim_config_get_duration(cfg, "simulation", "duration");
    SimTime start = sim_config_get_duration(cfg, "workload", "start");
    double run_s = duration > start ? sim_time_to_s(duration - start) : 0;
    double rtt_s = 2 * sim_latency_mean(sim->latency) / (double) SIM_S;
    double in_flight = rate * MIN(rtt_s, run_s);
    double need = in_flight * SIM_MIN_BYTES_PER_OP, have = memory_available();
    if (have <= 0 || need <= have)
        return TRUE;
    return sim_config_fail(cfg, error, "workload", blame,
                           "%g operations per second%s keep about %.3g in flight (each lasts at "
                           "least a round trip, %.3g s here), which need at least %.1f GiB of "
                           "memory (%d bytes each), more than the %.1f GiB available; lower the "
                           "rates", rate, per_node ? " (per-node rates × nodes)" : "", in_flight,
                           rtt_s, need / (1 << 30), SIM_MIN_BYTES_PER_OP, have / (1 << 30));
}

static void part_init(Part *p, guint index, guint n_out, guint reserve)
{
    p->index = index;
    p->queue = sim_queue_new(reserve);
    p->timer_slots = g_array_new(FALSE, TRUE, sizeof(TimerSlot));
    p->timer_free = UINT32_MAX;

    p->ops = g_array_new(FALSE, FALSE, sizeof(SimOp));
    p->out_min[0] = p->out_min[1] = SIM_TIME_NEVER;
    for (guint par = 0; par < 2 && n_out > 1; par++) {
        p->out[par] = g_aligned_alloc0(n_out, sizeof(Outbox), 64);
    }
}

static void part_clear(Part *p, guint n_out)
{
    sim_queue_free(p->queue);
    g_free(p->host_seq);
    g_array_free(p->timer_slots, TRUE);
    g_aligned_free(p->msg_counters);
    g_array_free(p->ops, TRUE);
    for (guint par = 0; par < 2 && p->out[par]; par++) {
        for (guint q = 0; q < n_out; q++)
            g_free(p->out[par][q].buf);
        g_aligned_free(p->out[par]);
    }
}

/* Partitions in use, the serial events' own included. */
static inline guint parts_total(const Sim *sim) { return sim->n_parts + (sim->n_parts > 1); }

/* Can this run go on `threads` threads with the same bytes as on one? Each partition must see
 * its messages in the same order whatever T is: the draws of a message may not come from one
 * stream shared by all hosts, and no message may be faster than the lookahead. */
static gboolean threads_possible(Sim *sim, const SimConfig *cfg, guint threads, GError **error)
{
    if (threads <= 1)
        return TRUE;
    if (!sim->protocol_class->parallel) {
        g_set_error(error, SIM_ERROR, 0, "protocol %s runs on one thread only (--threads %u): "
                    "it is not partitioned yet", sim->protocol_class->name, threads);
        return FALSE;
    }
    if (strcmp(sim_config_get_string(cfg, "network", "loss"), "none"))
        return sim_config_fail(cfg, error, "network", "loss", "--threads %u needs loss = none: "
                               "a loss model draws every message from one random stream of the "
                               "whole network, whose order would depend on the threads", threads);
    if (sim_config_get_duration(cfg, "network", "jitter") > 0)
        return sim_config_fail(cfg, error, "network", "jitter", "--threads %u needs jitter = 0: "
                               "jitter draws every message from one random stream of the whole "
                               "network, whose order would depend on the threads", threads);
    if (strcmp(sim_config_get_string(cfg, "network", "latency_draw"), "message") == 0
        && strcmp(sim_config_get_string(cfg, "network", "latency"), "constant"))
        return sim_config_fail(cfg, error, "network", "latency_draw", "--threads %u needs "
                               "latency_draw = pair: per-message draws come from one random "
                               "stream of the whole network, whose order would depend on the "
                               "threads", threads);
    sim->lookahead = sim_latency_min(sim->latency);
    if (sim->lookahead <= 0)
        return sim_config_fail(cfg, error, "network", "min_latency", "--threads %u needs a "
                               "least one-way delay (the partitions' lookahead): latency = %s "
                               "has none; set min_latency (e.g. 10ms), which raises every shorter "
                               "delay to it", threads,
                               sim_config_get_string(cfg, "network", "latency"));
    return TRUE;
}

Sim *sim_new(const SimConfig *cfg, const SimProtocolClass *protocol, GError **error)
{
    return sim_new_threads(cfg, protocol, 1, error);
}

Sim *sim_new_threads(const SimConfig *cfg, const SimProtocolClass *protocol, guint threads,
                     GError **error)
{
    g_return_val_if_fail(threads >= 1 && threads <= SIM_THREADS_MAX, NULL);
    SimTime duration = sim_config_get_duration(cfg, "simulation", "duration");
    SimTime warmup = sim_config_get_duration(cfg, "simulation", "warmup");
    if (warmup > 0 && warmup >= duration) {
        sim_config_fail(cfg, error, "simulation", "warmup",
                        "the warm-up must be shorter than the duration, or nothing is measured");
        return NULL;
    }
    if (!hosts_fit_in_memory(cfg, sim_config_get_int(cfg, "simulation", "nodes"), error))
        return NULL;

    Sim *sim = g_new0(Sim, 1);
    sim->cfg = cfg;
    sim->seed = (uint64_t) sim_config_get_int(cfg, "simulation", "seed");
    sim->n_hosts = (guint) sim_config_get_int(cfg, "simulation", "nodes");
    sim->n_parts = threads;
    sim->parts = g_aligned_alloc0(parts_total(sim), sizeof(Part), 64);
    for (guint i = 0; i < parts_total(sim); i++)
        part_init(&sim->parts[i], i, parts_total(sim),
                  MIN(sim->n_hosts * 4u, 1u << 20) / sim->n_parts);
    g_mutex_init(&sim->failure_lock);
    sim->msg_sum = g_array_new(FALSE, TRUE, sizeof(SimMsgCounters));
    sim->ops_merge = g_array_new(FALSE, FALSE, sizeof(SimOp));
    sim->handlers = g_array_new(FALSE, TRUE, sizeof(Handler));
    for (guint i = 0; i < threads; i++)
        sim->parts[i].host_seq = g_new0(uint32_t, (sim->n_hosts + threads - 1) / threads);
    sim->host_seq1 = sim->parts[0].host_seq;
    sim->up = g_new0(uint8_t, sim->n_hosts);
    sim->up_list = g_new(uint32_t, sim->n_hosts);
    sim->up_pos = g_new(uint32_t, sim->n_hosts);
    sim_stream_state(sim, "bootstrap", 0, &sim->bootstrap_rng);
    sim->msg_names = g_ptr_array_new_with_free_func(g_free);
    sim->observers = g_array_new(FALSE, TRUE, sizeof(Observer));
    sim->msg_kind = sim_register_handler(sim, "message", deliver_message, NULL);

    sim->latency = sim_latency_new(cfg, sim->seed, sim->n_hosts, error);
    if (!sim->latency || !ops_fit_in_memory(sim, cfg, error))
        goto fail;
    sim->loss = sim_loss_new(cfg, sim->seed, sim->n_hosts, error);
    if (!sim->loss)
        goto fail;
    sim->protocol_class = protocol;
    if (!threads_possible(sim, cfg, threads, error))
        goto fail;
    sim->protocol = protocol->create(sim, cfg, error);
    if (!sim->protocol)
        goto fail;
    if (threads > 1 && protocol->payload_bytes)
        sim->payload_bytes = (protocol->payload_bytes(sim->protocol) + 7) & ~(gsize) 7;
    sim->churn = sim_churn_new(sim, cfg, error);
    if (!sim->churn)
        goto fail;
    sim->workload = sim_workload_new(sim, cfg, error);
    if (!sim->workload)
        goto fail;
    return sim;

fail:
    sim_free(sim);
    return NULL;
}

void sim_free(Sim *sim)
{
    if (!sim)
        return;
    sim_workload_free(sim->workload);
    sim_churn_free(sim->churn);
    if (sim->protocol)
        sim->protocol_class->free(sim->protocol);
    sim_loss_free(sim->loss);
    sim_latency_free(sim->latency);
    for (guint i = 0; i < parts_total(sim); i++)
        part_clear(&sim->parts[i], parts_total(sim));
    g_aligned_free(sim->parts);
    g_mutex_clear(&sim->failure_lock);
    g_array_free(sim->msg_sum, TRUE);
    g_array_free(sim->ops_merge, TRUE);
    g_array_free(sim->handlers, TRUE);
    g_free(sim->up);
    g_free(sim->up_list);
    g_free(sim->up_pos);
    g_ptr_array_free(sim->msg_names, TRUE);
    g_array_free(sim->observers, TRUE);
    g_clear_error(&sim->failure);
    g_free(sim);
}

const SimConfig *sim_config(const Sim *sim) { return sim->cfg; }
void *sim_protocol(const Sim *sim) { return sim->protocol; }
uint64_t sim_seed(const Sim *sim) { return sim->seed; }
guint sim_hosts(const Sim *sim) { return sim->n_hosts; }
SimTime sim_now(const Sim *sim)
{
    return sim->n_parts > 1 && running_part ? running_part->now : sim->now;
}
guint sim_threads(const Sim *sim) { return sim->n_parts; }
guint sim_part_of(const Sim *sim, SimHost host) { return host % sim->n_parts; }
guint sim_running_part(const Sim *sim) { return running_part ? running_part->index : SIM_PART_NONE; }
SimTime sim_lookahead(const Sim *sim) { return sim->lookahead; }

uint64_t sim_events_processed(const Sim *sim)
{
    uint64_t n = 0;
    for (guint i = 0; i < parts_total(sim); i++)
        n += sim->parts[i].events;
    return n;
}

gsize sim_events_pending(const Sim *sim)
{
    gsize n = 0;
    for (guint i = 0; i < parts_total(sim); i++)
        n += sim_queue_size(sim->parts[i].queue);
    return n;
}
SimTime sim_proximity(const Sim *sim, SimHost a, SimHost b)
{
    return sim_latency_proximity(sim->latency, a, b);
}
gsize sim_protocol_memory(const Sim *sim) { return sim->protocol_class->memory(sim->protocol); }

void sim_protocol_summary(const Sim *sim, SimMetricFn add, void *ctx)
{
    if (sim->protocol_class->summary)
        sim->protocol_class->summary(sim->protocol, add, ctx);
}

void sim_stream(const Sim *sim, const char *name, uint64_t index, SimRng *out)
{
    sim_rng_init(out, sim->seed, sim_rng_stream_id(name, index));
}

void sim_stream_state(const Sim *sim, const char *name, uint64_t index, SimRngState *out)
{
    sim_rng_state_init(out, sim->seed, sim_rng_stream_id(name, index));
}

/* ---- events ---------------------------------------------------------------------------- */

uint16_t sim_register_handler(Sim *sim, const char *name, SimHandler fn, void *ctx)
{
    g_assert(sim->handlers->len < UINT16_MAX);
    Handler h = { fn, ctx, name };
    g_array_append_val(sim->handlers, h);
    return (uint16_t) (sim->handlers->len - 1);
}

/* Events ahead whose memory sim_run() prefetches (see SimProtocolClass.prefetch). */
#define PREFETCH_STAGES 3

/* The run's own events: they read or change what all partitions share (who is up, the
 * workload's state), so on T threads they run alone, between windows. */
static inline gboolean serial_origin(uint32_t origin)
{
    return origin == SIM_ORIGIN_WORKLOAD || origin == SIM_ORIGIN_CHURN
           || origin == SIM_ORIGIN_ENGINE;
}

/* The partition whose record an event or message of this thread updates: the running window's,
 * else (one thread, or a serial event) the last one. */
static inline Part *current_part(Sim *sim)
{
    if (sim->n_parts == 1)  /* one thread: one partition, and no thread-local look-up */
        return &sim->parts[0];
    return running_part ? running_part : &sim->parts[sim->n_parts];
}

/* The partition an event is queued in: its target's, else its origin's; the serial events'. */
static inline Part *part_for(Sim *sim, uint32_t target, uint32_t origin)
{
    if (sim->n_parts == 1)
        return &sim->parts[0];
    if (serial_origin(origin))
        return &sim->parts[sim->n_parts];
    if (target < sim->n_hosts)
        return &sim->parts[target % sim->n_parts];
    if (origin < sim->n_hosts)
        return &sim->parts[origin % sim->n_parts];
    if (running_part)
        return running_part;
    g_error("an event of no host was scheduled between windows: use sim_schedule_part()");
}

static inline uint32_t *host_seq(Sim *sim, SimHost h)
{
    if (sim->n_parts == 1)
        return &sim->host_seq1[h];
    return &sim->parts[h % sim->n_parts].host_seq[h / sim->n_parts];
}

static uint64_t next_tie(Sim *sim, Part *q, uint32_t origin)
{
    uint32_t seq;
    if (origin < sim->n_hosts) {
        seq = (*host_seq(sim, origin))++;
    } else if (origin == SIM_ORIGIN_PROTOCOL) {
        /* Per partition: a protocol's events of no host (timeout lanes) stay in the partition
         * that scheduled them, so their order among themselves is the same for any T. */
        seq = q->protocol_seq++;
    } else {
        guint i = UINT32_MAX - origin;
        g_assert(i < SPECIAL_ORIGINS);
        if (G_UNLIKELY(running_part))
            g_error("a partition scheduled an event of the workload, churn or engine");
        seq = sim->special_seq[i]++;
    }
    return ((uint64_t) origin << 32) | seq;
}

static void lookahead_broken(Sim *sim, const SimEvent *ev)
{
    sim_fail(sim, g_error_new(SIM_ERROR, 0, "an event for host %u at %.9f s crosses partitions "
                              "within the lookahead (%.9f s, from %.9f s): a delay shorter than "
                              "the latency model's minimum", ev->target, sim_time_to_s(ev->time),
                              sim_time_to_s(sim->lookahead),
                              sim_time_to_s(sim->horizon - sim->lookahead)));
}

/* Queue ev in q: at once when this thread owns q (or no window runs), else at the window's end. */
/* Bytes of payload a record of an outbox carries after the event. */
static inline gsize out_payload(const Sim *sim, const SimEvent *ev)
{
    return ev->kind == sim->msg_kind ? sim->payload_bytes : 0;
}

/* Queue in p the events of an outbox, importing the messages' records into p's pool. */
static void outbox_drain(Sim *sim, Outbox *o, Part *p)
{
    for (gsize at = 0; at < o->len;) {
        SimEvent ev;
        memcpy(&ev, o->buf + at, sizeof ev);
        gsize extra = out_payload(sim, &ev);
        if (extra) {
            uint32_t local = sim->protocol_class->payload_import(sim->protocol, p->index,
                                                                 o->buf + at + sizeof ev);
            ev.data = (ev.data & ~(uint64_t) UINT32_MAX) | local;
        }
        sim_queue_push(p->queue, &ev);
        at += sizeof ev + extra;
    }
    o->len = 0;
}

static inline void enqueue(Sim *sim, Part *q, const SimEvent *ev)
{
    Part *cur = sim->n_parts == 1 ? NULL : running_part;
    if (G_LIKELY(!cur || cur == q)) {
        sim_queue_push(q->queue, ev);
        return;
    }
    if (G_UNLIKELY(ev->time < sim->horizon)) {
        lookahead_broken(sim, ev);
        return;
    }
    uint8_t *rec = outbox_add(&cur->out[sim->parity][q->index], sizeof *ev + out_payload(sim, ev));
    memcpy(rec, ev, sizeof *ev);
    if (out_payload(sim, ev))  /* the message's record travels with it (SimProtocolClass) */
        sim->protocol_class->payload_export(sim->protocol, (uint32_t) ev->data, rec + sizeof *ev);
    if (q->index < sim->n_parts)
        cur->out_min[sim->parity] = MIN(cur->out_min[sim->parity], ev->time);
}

static void push(Sim *sim, Part *q, SimTime at, uint16_t kind, uint32_t target, uint64_t data,
                 uint32_t origin, uint16_t tag)
{
    g_assert(at >= sim_now(sim));
    g_assert(kind < sim->handlers->len);
    SimEvent ev = {
        .time = at, .tie = next_tie(sim, q, origin), .target = target, .kind = kind,
        .tag = tag, .data = data,
    };
    enqueue(sim, q, &ev);
}

void sim_schedule(Sim *sim, SimTime at, uint16_t kind, uint32_t target, uint64_t data,
                  uint32_t origin)
{
    push(sim, part_for(sim, target, origin), at, kind, target, data, origin, 0);
}

void sim_schedule_part(Sim *sim, guint part, SimTime at, uint16_t kind, uint64_t data)
{
    g_assert(part < sim->n_parts);
    push(sim, &sim->parts[part], at, kind, SIM_HOST_NONE, data, SIM_ORIGIN_PROTOCOL, 0);
}

/* A timer id: (slot << 32) | (partition << TIMER_GEN_BITS) | generation. */
#define TIMER_GEN_BITS 24
#define TIMER_GEN_MASK ((1u << TIMER_GEN_BITS) - 1)

SimTimerId sim_schedule_cancellable(Sim *sim, SimTime at, uint16_t kind, uint32_t target,
                                    uint64_t data, uint32_t origin)
{
    Part *q = part_for(sim, target, origin);
    if (G_UNLIKELY(running_part && running_part != q))
        g_error("a cancellable event for host %u was scheduled from another partition", target);
    uint32_t slot = q->timer_free;
    if (slot == UINT32_MAX) {
        TimerSlot fresh = { .gen = 1 };
        g_array_append_val(q->timer_slots, fresh);
        slot = q->timer_slots->len - 1;
    } else {
        q->timer_free = g_array_index(q->timer_slots, TimerSlot, slot).next_free;
    }
    TimerSlot *ts = &g_array_index(q->timer_slots, TimerSlot, slot);
    ts->data = data;
    uint64_t id = ((uint64_t) slot << 32) | ((uint64_t) q->index << TIMER_GEN_BITS) | ts->gen;
    push(sim, q, at, kind, target, id, origin, EVENT_CANCELLABLE);
    return id;
}

/* Retire a slot: a new generation makes any queued event for it stale. */
static void slot_release(Part *q, uint32_t slot)
{
    TimerSlot *ts = &g_array_index(q->timer_slots, TimerSlot, slot);
    ts->gen = ts->gen == TIMER_GEN_MASK ? 1 : ts->gen + 1;
    ts->next_free = q->timer_free;
    q->timer_free = slot;
}

void sim_cancel(Sim *sim, SimTimerId id)
{
    uint32_t slot = (uint32_t) (id >> 32), gen = (uint32_t) id & TIMER_GEN_MASK;
    guint part = ((uint32_t) id) >> TIMER_GEN_BITS;
    if (id == 0 || part >= parts_total(sim))
        return;
    Part *q = &sim->parts[part];
    if (G_UNLIKELY(running_part && running_part != q))
        g_error("a timer of partition %u was cancelled from partition %u", part,
                running_part->index);
    if (slot < q->timer_slots->len && g_array_index(q->timer_slots, TimerSlot, slot).gen == gen)
        slot_release(q, slot);
}

void sim_request_stop(Sim *sim)
{
    g_atomic_int_set(&sim->stop_requested, 1);
}

void sim_set_progress(Sim *sim, SimProgressFn fn, void *ctx, double every_seconds)
{
    sim->progress_fn = fn;
    sim->progress_ctx = ctx;
    sim->progress_every_us = (gint64) (every_seconds * 1e6);
    sim->progress_next_us = g_get_monotonic_time() + sim->progress_every_us;
}

/* Between batches of events: report progress. */
static void run_check(Sim *sim)
{
    if (sim->progress_fn) {
        gint64 t = g_get_monotonic_time();
        if (t >= sim->progress_next_us) {
            sim->progress_next_us = t + sim->progress_every_us;
            sim->progress_fn(sim, sim->progress_ctx);
        }
    }
}

/* Software pipelining over the next events: a large network's memory is rarely in cache, so
 * start fetching what the next three events will touch while this one runs. The nearest stage
 * goes first: its loads hit what the farther stages fetched before the previous events. */
static inline void prefetch_ahead(Sim *sim, Part *p)
{
    const SimEvent *next[PREFETCH_STAGES];
    guint n = sim_queue_peek_ahead(p->queue, next, PREFETCH_STAGES);
    for (guint i = 0; i < n; i++) {
        SimHost host = next[i]->target;
        if (host >= sim->n_hosts)
            continue;
        if (i == 1) {  /* the engine's own: is the host up, its sequence number if it sends */
            __builtin_prefetch(&sim->up[host]);
            __builtin_prefetch(host_seq(sim, host), 1);
        }
        if (sim->protocol_class->prefetch)
            sim->protocol_class->prefetch(sim->protocol, host, next[i]->kind == sim->msg_kind,
                                          (uint32_t) next[i]->data, i + 1);
    }
}

/* Run one event popped from p (a cancelled timer is skipped). */
static inline void run_event(Sim *sim, Part *p, SimEvent *ev)
{
    if (ev->tag & EVENT_CANCELLABLE) {
        uint32_t slot = (uint32_t) (ev->data >> 32);
        TimerSlot *ts = &g_array_index(p->timer_slots, TimerSlot, slot);
        if (ts->gen != ((uint32_t) ev->data & TIMER_GEN_MASK))
            return;  /* cancelled */
        ev->data = ts->data;
        slot_release(p, slot);
    }
    const Handler *h = &g_array_index(sim->handlers, Handler, ev->kind);
    h->fn(sim, h->ctx, ev);
    p->events++;
}

static int op_order(gconstpointer a, gconstpointer b)
{
    const SimOp *x = a, *y = b;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Show the ended operations to the observers, by end time and then number: the same order
 * whatever the partitions. Done before every serial event (the workload reads what the
 * observers learn, the sampler counts it) and when the run returns. */
static void flush_ops(Sim *sim)
{
    GArray *all;
    if (parts_total(sim) == 1) {
        all = sim->parts[0].ops;
    } else {
        all = sim->ops_merge;
        for (guint i = 0; i < parts_total(sim); i++) {
            GArray *o = sim->parts[i].ops;
            if (o->len)
                g_array_append_vals(all, o->data, o->len);
            g_array_set_size(o, 0);
        }
    }
    if (all->len == 0)
        return;
    if (all->len > 1)
        g_array_sort(all, op_order);
    for (guint k = 0; k < all->len; k++) {
        const SimOp *op = &g_array_index(all, SimOp, k);
        for (guint i = 0; i < sim->observers->len; i++) {
            Observer *o = &g_array_index(sim->observers, Observer, i);
            if (o->obs.op_done)
                o->obs.op_done(o->ctx, op);
        }
    }
    g_array_set_size(all, 0);
}

/* Before a serial event: what the partitions did since the last one takes effect. */
static void serial_point(Sim *sim)
{
    flush_ops(sim);
    if (sim->protocol_class->before_serial)
        sim->protocol_class->before_serial(sim->protocol);
}

gboolean sim_tracing(const Sim *sim)
{
    return sim->trace_fn != NULL;
}

gboolean sim_in_serial_event(const Sim *sim)
{
    return !sim->running || sim->in_serial;
}

static inline SimStopReason stopped(const Sim *sim)
{
    return sim->failure ? SIM_STOP_FAILED : SIM_STOP_REQUESTED;
}

/* One thread: one queue, the serial events in it. */
static SimStopReason run_sequential(Sim *sim, SimTime until)
{
    Part *p = &sim->parts[0];
    SimEvent ev;
    for (;;) {
        /* Before every event (one load): checked only every RUN_CHECK_EVERY events, a stop asked
         * for by a handler let up to 4095 more events run, or the whole rest of a short run. */
        if (g_atomic_int_get(&sim->stop_requested))
            return stopped(sim);
        if ((p->events % RUN_CHECK_EVERY) == 0)
            run_check(sim);
        const SimEvent *next = sim_queue_peek(p->queue);
        if (!next)
            return SIM_STOP_EMPTY;
        if (next->time > until) {
            sim->now = MAX(sim->now, until);
            return SIM_STOP_END_TIME;
        }
        sim_queue_pop(p->queue, &ev);
        sim->now = ev.time;
        prefetch_ahead(sim, p);
        if (G_UNLIKELY(serial_origin((uint32_t) (ev.tie >> 32)))) {
            serial_point(sim);
            sim->in_serial = TRUE;
            run_event(sim, p, &ev);
            sim->in_serial = FALSE;
        } else {
            run_event(sim, p, &ev);
        }
    }
}

/* ---- many threads: windows of the lookahead ---------------------------------------------- */

typedef struct {
    Sim   *sim;
    Part  *part;
    double cpu_s;  /* the thread's CPU time when it ended */
} Worker;

/* Wait until *v differs from `seen` (or equals it, when `until_equal`): spin a little (a window
 * is microseconds), then give the core away (more threads than cores). */
static gint wait_on(volatile gint *v, gint value, gboolean until_equal)
{
    for (guint i = 0;; i++) {
        gint now = g_atomic_int_get(v);
        if ((now == value) == until_equal)
            return now;
        if (i < 2000)
            __builtin_ia32_pause();
        else
            g_thread_yield();
    }
}

/* A partition's share of a window: take what the others sent in the last one, then run every
 * event before the bound. */
static void part_window(Sim *sim, Part *p)
{
    running_part = p;
    guint prev = sim->parity ^ 1;
    for (guint s = 0; s < sim->n_parts; s++)
        outbox_drain(sim, &sim->parts[s].out[prev][p->index], p);
    p->out_min[sim->parity] = SIM_TIME_NEVER;
    SimEvent ev;
    for (;;) {
        const SimEvent *next = sim_queue_peek(p->queue);
        if (!next || next->time > sim->bound_time
            || (next->time == sim->bound_time && next->tie >= sim->bound_tie))
            break;
        sim_queue_pop(p->queue, &ev);
        p->now = ev.time;
        prefetch_ahead(sim, p);
        run_event(sim, p, &ev);
    }
    running_part = NULL;
}

static gpointer worker_main(gpointer data)
{
    Worker *w = data;
    Sim *sim = w->sim;
    gint seen = 0;
    for (;;) {
        seen = wait_on(&sim->window, seen, FALSE);
        if (g_atomic_int_get(&sim->quit)) {
            w->cpu_s = sim_thread_cpu_s();
            return NULL;
        }
        part_window(sim, w->part);
        g_atomic_int_inc(&sim->done);
    }
}

/* Events the partitions left for the serial queue, or (at the end) for each other. */
static void drain_outs(Sim *sim, guint parity, guint dest_from, guint dest_to)
{
    for (guint s = 0; s < sim->n_parts; s++)
        for (guint q = dest_from; q < dest_to; q++) {
            outbox_drain(sim, &sim->parts[s].out[parity][q], &sim->parts[q]);
        }
}

/* T threads: the coordinator (this thread) runs the serial events alone; between them, windows
 * in which every partition runs, at once, its events up to the earliest pending event plus the
 * lookahead (no message can cross partitions sooner) or the next serial event, whichever is
 * first. Each partition runs its events in the order one thread would, and a partition's
 * events depend only on its own hosts and on what came before the window: the same bytes for
 * any T. */
static SimStopReason run_parallel(Sim *sim, SimTime until)
{
    guint T = sim->n_parts;
    Part *serial = &sim->parts[T];
    Worker *workers = g_new(Worker, T);
    GThread **threads = g_new0(GThread *, T);
    sim->window = 0;
    sim->quit = 0;
    for (guint i = 1; i < T; i++) {
        workers[i] = (Worker) { sim, &sim->parts[i], 0 };
        threads[i] = g_thread_new("kadsim-part", worker_main, &workers[i]);
    }
    SimStopReason why;
    SimEvent ev;
    for (;;) {
        if (g_atomic_int_get(&sim->stop_requested)) {
            why = stopped(sim);
            break;
        }
        run_check(sim);
        /* The earliest partition event: a queue's head, or one handed over in the last window. */
        SimTime pt = SIM_TIME_NEVER;
        uint64_t ptie = UINT64_MAX;
        for (guint i = 0; i < T; i++) {
            const SimEvent *h = sim_queue_peek(sim->parts[i].queue);
            if (h && (h->time < pt || (h->time == pt && h->tie < ptie)))
                pt = h->time, ptie = h->tie;
            SimTime o = sim->parts[i].out_min[sim->parity ^ 1];
            if (o < pt || (o == pt && ptie > 0))
                pt = o, ptie = 0;
        }
        const SimEvent *s = sim_queue_peek(serial->queue);
        if (!s && pt == SIM_TIME_NEVER) {
            why = SIM_STOP_EMPTY;
            break;
        }
        if (s && (s->time < pt || (s->time == pt && s->tie < ptie))) {
            if (s->time > until) {
                why = SIM_STOP_END_TIME;
                break;
            }
            sim_queue_pop(serial->queue, &ev);
            sim->now = ev.time;
            serial_point(sim);
            sim->in_serial = TRUE;
            run_event(sim, serial, &ev);
            sim->in_serial = FALSE;
            continue;
        }
        if (pt > until) {
            why = SIM_STOP_END_TIME;
            break;
        }
        sim->horizon = sim_time_add(pt, sim->lookahead);
        sim->bound_time = sim->horizon;
        sim->bound_tie = 0;
        if (s && (s->time < sim->bound_time
                  || (s->time == sim->bound_time && s->tie < sim->bound_tie)))
            sim->bound_time = s->time, sim->bound_tie = s->tie;
        if (until < sim->bound_time)
            sim->bound_time = until + 1, sim->bound_tie = 0;
        if (sim->protocol_class->sync)
            sim->protocol_class->sync(sim->protocol);
        sim->windows++;
        g_atomic_int_set(&sim->done, 0);
        g_atomic_int_inc(&sim->window);
        part_window(sim, &sim->parts[0]);
        wait_on(&sim->done, (gint) T - 1, TRUE);
        drain_outs(sim, sim->parity, T, T + 1);  /* serial events a partition scheduled */
        sim->parity ^= 1;
    }
    g_atomic_int_set(&sim->quit, 1);
    g_atomic_int_inc(&sim->window);
    for (guint i = 1; i < T; i++) {
        g_thread_join(threads[i]);
        sim->workers_cpu_s += workers[i].cpu_s;
    }
    g_free(threads);
    g_free(workers);
    /* What the last window sent stays queued for a later sim_run(). */
    drain_outs(sim, sim->parity ^ 1, 0, T);
    for (guint i = 0; i < T; i++)
        sim->parts[i].out_min[sim->parity ^ 1] = SIM_TIME_NEVER;
    if (why == SIM_STOP_END_TIME)
        sim->now = MAX(sim->now, until);
    return why;
}

SimStopReason sim_run(Sim *sim, SimTime until)
{
    sim->running = TRUE;
    SimStopReason why = sim->n_parts == 1 ? run_sequential(sim, until)
                                          : run_parallel(sim, until);
    sim->running = FALSE;
    serial_point(sim);
    return why;
}

uint64_t sim_windows(const Sim *sim) { return sim->windows; }
double sim_workers_cpu_s(const Sim *sim) { return sim->workers_cpu_s; }

/* ---- hosts ----------------------------------------------------------------------------- */

gboolean sim_host_is_up(const Sim *sim, SimHost host)
{
    return host < sim->n_hosts && sim->up[host];
}

guint sim_hosts_up(const Sim *sim) { return sim->n_up; }

SimHost sim_up_host(const Sim *sim, guint i)
{
    g_return_val_if_fail(i < sim->n_up, SIM_HOST_NONE);
    return sim->up_list[i];
}

SimHost sim_random_up_host(const Sim *sim, SimRngState *rng, SimHost except)
{
    guint candidates = sim->n_up - (sim_host_is_up(sim, except) ? 1 : 0);
    if (candidates == 0)
        return SIM_HOST_NONE;
    SimHost h = sim->up_list[sim_rng_state_below(rng, sim->n_up)];
    while (h == except)  /* at most a few retries: except is one host of n_up >= 2 */
        h = sim->up_list[sim_rng_state_below(rng, sim->n_up)];
    return h;
}

static void notify_host(Sim *sim, SimHost host, gboolean up, gboolean graceful)
{
    for (guint i = 0; i < sim->observers->len; i++) {
        Observer *o = &g_array_index(sim->observers, Observer, i);
        if (o->obs.host_changed)
            o->obs.host_changed(o->ctx, host, up, graceful);
    }
}

void sim_host_up(Sim *sim, SimHost host, gboolean fresh_identity)
{
    g_assert(host < sim->n_hosts && !running_part);
    if (sim->up[host])
        return;
    SimHost bootstrap = sim_random_up_host(sim, &sim->bootstrap_rng, host);
    sim->up[host] = 1;
    sim->up_pos[host] = sim->n_up;
    sim->up_list[sim->n_up++] = host;
    sim->protocol_class->host_up(sim->protocol, host, bootstrap, fresh_identity);
    notify_host(sim, host, TRUE, FALSE);
}

void sim_host_down(Sim *sim, SimHost host, gboolean graceful)
{
    g_assert(host < sim->n_hosts && !running_part);
    if (!sim->up[host])
        return;
    /* Graceful: the protocol may still send its goodbyes while the host counts as up. */
    sim->protocol_class->host_down(sim->protocol, host, graceful);
    sim->up[host] = 0;
    uint32_t pos = sim->up_pos[host], last = sim->up_list[--sim->n_up];
    sim->up_list[pos] = last;
    sim->up_pos[last] = pos;
    notify_host(sim, host, FALSE, graceful);
}

/* ---- messages -------------------------------------------------------------------------- */

uint16_t sim_msg_type_register(Sim *sim, const char *name)
{
    g_assert(sim->msg_names->len < EVENT_CANCELLABLE);
    g_ptr_array_add(sim->msg_names, g_strdup(name));
    for (guint i = 0; i < parts_total(sim); i++)
    {
        /* registered before the run: grown one type at a time, each partition's apart */
        Part *p = &sim->parts[i];
        SimMsgCounters *c = g_aligned_alloc0(sim->msg_names->len, sizeof(SimMsgCounters), 64);
        if (p->msg_counters)
            memcpy(c, p->msg_counters, (sim->msg_names->len - 1) * sizeof(SimMsgCounters));
        g_aligned_free(p->msg_counters);
        p->msg_counters = c;
    }
    g_array_set_size(sim->msg_sum, sim->msg_names->len);
    return (uint16_t) (sim->msg_names->len - 1);
}

guint sim_msg_types(const Sim *sim) { return sim->msg_names->len; }

const char *sim_msg_type_name(const Sim *sim, uint16_t type)
{
    g_return_val_if_fail(type < sim->msg_names->len, "?");
    return g_ptr_array_index(sim->msg_names, type);
}

const SimMsgCounters *sim_msg_counters(const Sim *sim, uint16_t type)
{
    g_return_val_if_fail(type < sim->msg_sum->len, NULL);
    if (parts_total(sim) == 1)
        return &sim->parts[0].msg_counters[type];
    /* Each partition counts what it saw (a message's sending and its fate may be seen by two:
     * its in-flight count there wraps, the sum does not). */
    SimMsgCounters *sum = &g_array_index(sim->msg_sum, SimMsgCounters, type);
    memset(sum, 0, sizeof *sum);
    for (guint i = 0; i < parts_total(sim); i++) {
        const SimMsgCounters *c = &sim->parts[i].msg_counters[type];
        sum->sent += c->sent;
        sum->bytes_sent += c->bytes_sent;
        for (int f = 0; f < SIM_FATES; f++)
            sum->fate[f] += c->fate[f];
    }
    return sum;
}

void sim_set_tracer(Sim *sim, SimTraceFn fn, void *ctx)
{
    g_return_if_fail(!fn || sim->protocol_class->trace_info);
    sim->trace_fn = fn;
    sim->trace_ctx = ctx;
}

/* Hand one message's fate to the tracer, if it belongs to an operation. */
static void trace(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t payload,
                  SimFate fate)
{
    SimTraceRow row = {
        .arrived = fate == SIM_FATE_LOST ? -1 : sim_now(sim), .from = src, .to = dst, .type = type,
        .bits_to_target = -1, .fate = fate,
    };
    if (sim->protocol_class->trace_info(sim->protocol, payload, &row))
        sim->trace_fn(sim->trace_ctx, &row);
}

void sim_send(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t bytes, uint32_t payload)
{
    Part *cur = current_part(sim);
    g_assert(type < sim->msg_names->len && dst < sim->n_hosts);
    SimMsgCounters *c = &cur->msg_counters[type];
    c->sent++;
    c->bytes_sent += bytes;
    if (sim_loss_drops(sim->loss, src, dst)) {
        c->fate[SIM_FATE_LOST]++;
        if (G_UNLIKELY(sim->trace_fn))
            trace(sim, src, dst, type, payload, SIM_FATE_LOST);
        sim->protocol_class->discard(sim->protocol, payload, SIM_FATE_LOST);
        return;
    }
    c->fate[SIM_FATE_IN_FLIGHT]++;
    SimTime delay = sim_latency_delay(sim->latency, src, dst);
    /* A heavy-tailed model (lognormal, sigma 5) can draw a delay past the last representable
     * time: the message never arrives. It stays in flight (conservation holds, and the run's
     * end reports it so), and is not queued: nothing would ever take it out. */
    SimTime at = sim_time_add(sim_now(sim), delay);
    if (at == SIM_TIME_NEVER)
        return;
    /* The event carries everything: type in tag, (src, payload) in data. No allocation. */
    Part *q = part_for(sim, dst, src);
    SimEvent ev = {
        .time = at, .tie = next_tie(sim, q, src), .target = dst, .kind = sim->msg_kind,
        .tag = type, .data = ((uint64_t) src << 32) | payload,
    };
    enqueue(sim, q, &ev);
}

static void deliver_message(Sim *sim, void *ctx, const SimEvent *ev)
{
    uint16_t type = ev->tag;
    SimHost src = (SimHost) (ev->data >> 32), dst = ev->target;
    uint32_t payload = (uint32_t) ev->data;
    SimMsgCounters *c = &current_part(sim)->msg_counters[type];
    c->fate[SIM_FATE_IN_FLIGHT]--;
    if (G_UNLIKELY(sim->trace_fn))
        trace(sim, src, dst, type, payload, sim->up[dst] ? SIM_FATE_DELIVERED : SIM_FATE_DEAD);
    if (!sim->up[dst]) {
        c->fate[SIM_FATE_DEAD]++;
        sim->protocol_class->discard(sim->protocol, payload, SIM_FATE_DEAD);
        return;
    }
    c->fate[SIM_FATE_DELIVERED]++;
    sim->protocol_class->deliver(sim->protocol, dst, src, type, payload);
}

gboolean sim_check_conservation(const Sim *sim, GError **error)
{
    for (guint t = 0; t < sim->msg_sum->len; t++) {
        const SimMsgCounters *c = sim_msg_counters(sim, (uint16_t) t);
        uint64_t accounted = 0;
        for (int f = 0; f < SIM_FATES; f++)
            accounted += c->fate[f];
        if (accounted != c->sent) {
            g_set_error(error, SIM_ERROR, 0,
                        "message conservation broken for %s: %" G_GUINT64_FORMAT " sent, %"
                        G_GUINT64_FORMAT " delivered + lost + dead + in flight",
                        sim_msg_type_name(sim, (uint16_t) t), c->sent, accounted);
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- operations ------------------------------------------------------------------------ */

uint64_t sim_op_begin(Sim *sim)
{
    return sim->ops_begun++;
}

void sim_op_end(Sim *sim, const SimOp *op)
{
    if (sim->running) {  /* shown in a fixed order before the next serial event (flush_ops) */
        g_array_append_val(current_part(sim)->ops, *op);
        return;
    }
    for (guint i = 0; i < sim->observers->len; i++) {
        Observer *o = &g_array_index(sim->observers, Observer, i);
        if (o->obs.op_done)
            o->obs.op_done(o->ctx, op);
    }
}

void sim_add_observer(Sim *sim, const SimObserver *obs, void *ctx)
{
    Observer o = { *obs, ctx };
    g_array_append_val(sim->observers, o);
}

void sim_start_op(Sim *sim, SimOpKind kind, SimHost origin, uint64_t key)
{
    g_assert(sim_host_is_up(sim, origin));
    sim->protocol_class->start_op(sim->protocol, kind, origin, key);
}

void sim_fail(Sim *sim, GError *error)
{
    g_mutex_lock(&sim->failure_lock);  /* partitions may fail at once */
    if (sim->failure)
        g_error_free(error);
    else
        sim->failure = error;
    g_mutex_unlock(&sim->failure_lock);
    sim_request_stop(sim);
}

const GError *sim_failure(const Sim *sim)
{
    return sim->failure;
}
