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

struct Sim {
    const SimConfig *cfg;
    uint64_t seed;
    guint n_hosts;

    const SimProtocolClass *protocol_class;
    void *protocol;

    SimTime now;
    SimQueue *queue;
    GArray *handlers;        /* Handler[] by kind */
    uint32_t *origin_seq;    /* per host: events scheduled so far (tie-breaker) */
    uint32_t special_seq[SPECIAL_ORIGINS];
    GArray *timer_slots;     /* TimerSlot[] */
    uint32_t timer_free;     /* head of the free list, UINT32_MAX when empty */
    uint64_t events;
    volatile gint stop_requested;
    GError *failure;          /* why the run cannot go on (sim_fail), or NULL */

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
    GArray *msg_counters;    /* SimMsgCounters[] by type */
    SimLatency *latency;
    SimLoss *loss;
    SimTraceFn trace_fn;
    void *trace_ctx;

    SimChurn *churn;
    SimWorkload *workload;

    uint64_t ops_begun;
    GArray *observers;       /* Observer[] */
};

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

Sim *sim_new(const SimConfig *cfg, const SimProtocolClass *protocol, GError **error)
{
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
    sim->queue = sim_queue_new(MIN(sim->n_hosts * 4u, 1u << 20));
    sim->handlers = g_array_new(FALSE, TRUE, sizeof(Handler));
    sim->origin_seq = g_new0(uint32_t, sim->n_hosts);
    sim->timer_slots = g_array_new(FALSE, TRUE, sizeof(TimerSlot));
    sim->timer_free = UINT32_MAX;
    sim->up = g_new0(uint8_t, sim->n_hosts);
    sim->up_list = g_new(uint32_t, sim->n_hosts);
    sim->up_pos = g_new(uint32_t, sim->n_hosts);
    sim_stream_state(sim, "bootstrap", 0, &sim->bootstrap_rng);
    sim->msg_names = g_ptr_array_new_with_free_func(g_free);
    sim->msg_counters = g_array_new(FALSE, TRUE, sizeof(SimMsgCounters));
    sim->observers = g_array_new(FALSE, TRUE, sizeof(Observer));
    sim->msg_kind = sim_register_handler(sim, "message", deliver_message, NULL);

    sim->latency = sim_latency_new(cfg, sim->seed, sim->n_hosts, error);
    if (!sim->latency || !ops_fit_in_memory(sim, cfg, error))
        goto fail;
    sim->loss = sim_loss_new(cfg, sim->seed, sim->n_hosts, error);
    if (!sim->loss)
        goto fail;
    sim->protocol_class = protocol;
    sim->protocol = protocol->create(sim, cfg, error);
    if (!sim->protocol)
        goto fail;
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
    sim_queue_free(sim->queue);
    g_array_free(sim->handlers, TRUE);
    g_free(sim->origin_seq);
    g_array_free(sim->timer_slots, TRUE);
    g_free(sim->up);
    g_free(sim->up_list);
    g_free(sim->up_pos);
    g_ptr_array_free(sim->msg_names, TRUE);
    g_array_free(sim->msg_counters, TRUE);
    g_array_free(sim->observers, TRUE);
    g_clear_error(&sim->failure);
    g_free(sim);
}

const SimConfig *sim_config(const Sim *sim) { return sim->cfg; }
void *sim_protocol(const Sim *sim) { return sim->protocol; }
uint64_t sim_seed(const Sim *sim) { return sim->seed; }
guint sim_hosts(const Sim *sim) { return sim->n_hosts; }
SimTime sim_now(const Sim *sim) { return sim->now; }
uint64_t sim_events_processed(const Sim *sim) { return sim->events; }
gsize sim_events_pending(const Sim *sim) { return sim_queue_size(sim->queue); }
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

static uint64_t next_tie(Sim *sim, uint32_t origin)
{
    uint32_t seq;
    if (origin < sim->n_hosts) {
        seq = sim->origin_seq[origin]++;
    } else {
        guint i = UINT32_MAX - origin;
        g_assert(i < SPECIAL_ORIGINS);
        seq = sim->special_seq[i]++;
    }
    return ((uint64_t) origin << 32) | seq;
}

static void push(Sim *sim, SimTime at, uint16_t kind, uint32_t target, uint64_t data,
                 uint32_t origin, uint16_t tag)
{
    g_assert(at >= sim->now);
    g_assert(kind < sim->handlers->len);
    SimEvent ev = {
        .time = at, .tie = next_tie(sim, origin), .target = target, .kind = kind,
        .tag = tag, .data = data,
    };
    sim_queue_push(sim->queue, &ev);
}

void sim_schedule(Sim *sim, SimTime at, uint16_t kind, uint32_t target, uint64_t data,
                  uint32_t origin)
{
    push(sim, at, kind, target, data, origin, 0);
}

SimTimerId sim_schedule_cancellable(Sim *sim, SimTime at, uint16_t kind, uint32_t target,
                                    uint64_t data, uint32_t origin)
{
    uint32_t slot = sim->timer_free;
    if (slot == UINT32_MAX) {
        TimerSlot fresh = { .gen = 1 };
        g_array_append_val(sim->timer_slots, fresh);
        slot = sim->timer_slots->len - 1;
    } else {
        sim->timer_free = g_array_index(sim->timer_slots, TimerSlot, slot).next_free;
    }
    TimerSlot *ts = &g_array_index(sim->timer_slots, TimerSlot, slot);
    ts->data = data;
    uint64_t id = ((uint64_t) slot << 32) | ts->gen;
    push(sim, at, kind, target, id, origin, EVENT_CANCELLABLE);
    return id;
}

/* Retire a slot: a new generation makes any queued event for it stale. */
static void slot_release(Sim *sim, uint32_t slot)
{
    TimerSlot *ts = &g_array_index(sim->timer_slots, TimerSlot, slot);
    ts->gen = ts->gen == UINT32_MAX ? 1 : ts->gen + 1;
    ts->next_free = sim->timer_free;
    sim->timer_free = slot;
}

void sim_cancel(Sim *sim, SimTimerId id)
{
    uint32_t slot = (uint32_t) (id >> 32), gen = (uint32_t) id;
    if (id == 0 || slot >= sim->timer_slots->len)
        return;
    if (g_array_index(sim->timer_slots, TimerSlot, slot).gen == gen)
        slot_release(sim, slot);
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
static inline void prefetch_ahead(Sim *sim)
{
    const SimEvent *next[PREFETCH_STAGES];
    guint n = sim_queue_peek_ahead(sim->queue, next, PREFETCH_STAGES);
    for (guint i = 0; i < n; i++) {
        SimHost host = next[i]->target;
        if (host >= sim->n_hosts)
            continue;
        if (i == 1) {  /* the engine's own: is the host up, its sequence number if it sends */
            __builtin_prefetch(&sim->up[host]);
            __builtin_prefetch(&sim->origin_seq[host], 1);
        }
        if (sim->protocol_class->prefetch)
            sim->protocol_class->prefetch(sim->protocol, host, next[i]->kind == sim->msg_kind,
                                          (uint32_t) next[i]->data, i + 1);
    }
}

SimStopReason sim_run(Sim *sim, SimTime until)
{
    SimEvent ev;
    for (;;) {
        /* Before every event (one load): checked only every RUN_CHECK_EVERY events, a stop asked
         * for by a handler let up to 4095 more events run, or the whole rest of a short run. */
        if (g_atomic_int_get(&sim->stop_requested))
            return sim->failure ? SIM_STOP_FAILED : SIM_STOP_REQUESTED;
        if ((sim->events % RUN_CHECK_EVERY) == 0)
            run_check(sim);
        const SimEvent *next = sim_queue_peek(sim->queue);
        if (!next)
            return SIM_STOP_EMPTY;
        if (next->time > until) {
            sim->now = MAX(sim->now, until);
            return SIM_STOP_END_TIME;
        }
        sim_queue_pop(sim->queue, &ev);
        sim->now = ev.time;
        prefetch_ahead(sim);
        if (ev.tag & EVENT_CANCELLABLE) {
            uint32_t slot = (uint32_t) (ev.data >> 32);
            TimerSlot *ts = &g_array_index(sim->timer_slots, TimerSlot, slot);
            if (ts->gen != (uint32_t) ev.data)
                continue;  /* cancelled */
            ev.data = ts->data;
            slot_release(sim, slot);
        }
        const Handler *h = &g_array_index(sim->handlers, Handler, ev.kind);
        h->fn(sim, h->ctx, &ev);
        sim->events++;
    }
}

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
    g_assert(host < sim->n_hosts);
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
    g_assert(host < sim->n_hosts);
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
    g_array_set_size(sim->msg_counters, sim->msg_names->len);
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
    g_return_val_if_fail(type < sim->msg_counters->len, NULL);
    return &g_array_index(sim->msg_counters, SimMsgCounters, type);
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
        .arrived = fate == SIM_FATE_LOST ? -1 : sim->now, .from = src, .to = dst, .type = type,
        .bits_to_target = -1, .fate = fate,
    };
    if (sim->protocol_class->trace_info(sim->protocol, payload, &row))
        sim->trace_fn(sim->trace_ctx, &row);
}

void sim_send(Sim *sim, SimHost src, SimHost dst, uint16_t type, uint32_t bytes, uint32_t payload)
{
    g_assert(type < sim->msg_counters->len && dst < sim->n_hosts);
    SimMsgCounters *c = &g_array_index(sim->msg_counters, SimMsgCounters, type);
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
    SimTime at = sim_time_add(sim->now, delay);
    if (at == SIM_TIME_NEVER)
        return;
    /* The event carries everything: type in tag, (src, payload) in data. No allocation. */
    SimEvent ev = {
        .time = at, .tie = next_tie(sim, src), .target = dst, .kind = sim->msg_kind,
        .tag = type, .data = ((uint64_t) src << 32) | payload,
    };
    sim_queue_push(sim->queue, &ev);
}

static void deliver_message(Sim *sim, void *ctx, const SimEvent *ev)
{
    uint16_t type = ev->tag;
    SimHost src = (SimHost) (ev->data >> 32), dst = ev->target;
    uint32_t payload = (uint32_t) ev->data;
    SimMsgCounters *c = &g_array_index(sim->msg_counters, SimMsgCounters, type);
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
    for (guint t = 0; t < sim->msg_counters->len; t++) {
        const SimMsgCounters *c = &g_array_index(sim->msg_counters, SimMsgCounters, t);
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
    if (sim->failure)
        g_error_free(error);
    else
        sim->failure = error;
    sim_request_stop(sim);
}

const GError *sim_failure(const Sim *sim)
{
    return sim->failure;
}
