/* bench/pdes_model — what one simulation split over T threads would gain, measured on the real
 * event stream of a real run (docs/scale.md, "One simulation over many cores").
 *
 * The program is kadsim itself (kadsim_main) with four libsim calls wrapped at link time
 * (-Wl,--wrap, bench/include.am): sim_queue_push and sim_queue_pop see every event with its time,
 * origin (the tie-breaker's upper half), target host and kind; sim_register_handler names the
 * kinds; sim_latency_delay sees every message's delay (and can raise it to a floor). Nothing in
 * the simulation changes, unless a floor is asked for.
 *
 * From that stream it replays, offline and for several lookaheads L and thread counts T at once,
 * a conservative window-synchronised run: hosts are split into T partitions (host mod T); a
 * window starts at the earliest pending event and ends L later; every partition runs its events
 * of the window, then all meet at a barrier. Because the events come out of the sequential run in
 * time order, the events of a window are exactly those the sequential run executes between the
 * window's start and end. Per window and partition it sums events and their measured nanoseconds
 * (the event's pop, then its handler, its pushes and the loop up to the next pop; the replay's
 * own bookkeeping is kept out of both); the window's critical path is the busiest partition plus
 * the events no partition can run alone (the workload's and churn's generators and the results
 * sampler: a coordinator's serial part).
 * A push from one partition to another earlier than the window's end breaks the lookahead: it is
 * counted as a violation (none may occur for the L an engine would use).
 *
 *   bench/pdes_model [--out FILE] [--lookahead 1ms,10ms,...] [--floor 10ms] -- KADSIM-ARGS
 *
 * One simulation per process (the wrappers keep their state in file-scope variables): no -j. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sim.h"
#include "sim_net.h"
#include "sim_queue.h"

void __real_sim_queue_push(SimQueue *q, const SimEvent *ev);
gboolean __real_sim_queue_pop(SimQueue *q, SimEvent *out);
SimTime __real_sim_latency_delay(SimLatency *lat, SimHost src, SimHost dst);
uint16_t __real_sim_register_handler(Sim *sim, const char *name, SimHandler fn, void *ctx);
void __wrap_sim_queue_push(SimQueue *q, const SimEvent *ev);
gboolean __wrap_sim_queue_pop(SimQueue *q, SimEvent *out);
SimTime __wrap_sim_latency_delay(SimLatency *lat, SimHost src, SimHost dst);
uint16_t __wrap_sim_register_handler(Sim *sim, const char *name, SimHandler fn, void *ctx);

/* Thread counts replayed: the number of partitions (T = 1 is the sequential baseline). */
static const guint thread_counts[] = { 1, 2, 4, 8, 16, 32, 64 };
#define N_THREADS G_N_ELEMENTS(thread_counts)
#define MAX_THREADS 64
#define MAX_LOOKAHEADS 8
#define DEFAULT_LOOKAHEADS "1ms,2ms,5ms,10ms,20ms,50ms"
/* An event no partition runs: the acting entity of a coordinator's (serial) event. */
#define ACTOR_SERIAL UINT32_MAX
/* Origins above this are the engine's special origins (SIM_ORIGIN_*), below it hosts. */
#define FIRST_SPECIAL_ORIGIN (UINT32_MAX - 15)
#define MAX_KINDS 256
/* An event's measured cost above this is the thread losing its core (the machine is shared), not
 * the handler: it is counted at this value, and reported (preempted). No handler of the
 * benchmarks comes near it: the costliest, a join's bucket refreshes, take tens of µs. */
#define PREEMPTED_NS 1e6

/* Handler kinds (by their registered name) that a partitioned engine runs in a coordinator:
 * they draw from global state (the up-host list, the stored-key set, the whole network's
 * counters), not from one host's. */
static const char *const serial_kinds[] = {
    "join", "lookup", "store", "get", "churn-start", "churn-trace", "churn-leave",
    "churn-return", "results-sample",
};
/* RPC timeout lanes: one event for many hosts' RPCs. Partitioned, each partition has its own
 * lanes, so such an event belongs to the partition that scheduled it. */
#define LANE_KIND "rpc-timeouts"

typedef enum { KIND_HOST, KIND_SERIAL, KIND_LANE } KindClass;

typedef struct {
    uint64_t events, windows, serial_events, crit_events, violations;
    double serial_ns, crit_ns, idle_ns;
} Replay;                                   /* one (L, T) */

typedef struct {
    SimTime  lookahead, window_end;
    uint64_t cur_count[N_THREADS][MAX_THREADS];
    double   cur_ns[N_THREADS][MAX_THREADS];
    uint64_t cur_serial;
    double   cur_serial_ns;
    Replay   r[N_THREADS];
    uint64_t delays_below;                   /* messages with a delay under L (before a floor) */
} Lookahead;

static struct {
    Lookahead la[MAX_LOOKAHEADS];
    guint n_la;
    SimTime floor;
    KindClass kind_class[MAX_KINDS];
    const char *kind_name[MAX_KINDS];
    gboolean kind_named[MAX_KINDS];
    GHashTable *lane_actor;                  /* tie -> acting host + 1, of pending lane events */
    uint32_t actor;                          /* host (or ACTOR_SERIAL) of the running event */
    SimTime  now;                            /* its time */
    gboolean running;                        /* an event has been popped */
    double   event_start_ns;                 /* the end of its pop */
    double   pop_ns;                         /* what its pop took */
    double   clock_ns;                       /* what a clock reading adds */
    double   events_ns;
    uint64_t events, messages, floored, preempted;
    double   preempted_ns;                   /* what the cap took off */
    uint64_t pushes_from_hosts[N_THREADS], cross_messages[N_THREADS], cross_other[N_THREADS];
    SimTime  min_delay, min_cross_other;
    uint64_t kind_events[MAX_KINDS];
} pm = { .min_delay = SIM_TIME_NEVER, .min_cross_other = SIM_TIME_NEVER };

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* What reading the clock adds to a timed interval: the median of back-to-back readings (about
 * 30 ns in this virtual machine, kvm-clock), taken off each of an event's two intervals. */
static double clock_cost_ns(void)
{
    double d[1001];
    for (guint i = 0; i < G_N_ELEMENTS(d); i++) {
        double a = now_ns();
        d[i] = now_ns() - a;
    }
    qsort(d, G_N_ELEMENTS(d), sizeof d[0], cmp_double);
    return d[G_N_ELEMENTS(d) / 2];
}

uint16_t __wrap_sim_register_handler(Sim *sim, const char *name, SimHandler fn, void *ctx)
{
    uint16_t kind = __real_sim_register_handler(sim, name, fn, ctx);
    g_assert(kind < MAX_KINDS);
    pm.kind_named[kind] = TRUE;
    pm.kind_name[kind] = g_intern_string(name);
    pm.kind_class[kind] = KIND_HOST;
    for (gsize i = 0; i < G_N_ELEMENTS(serial_kinds); i++)
        if (strcmp(name, serial_kinds[i]) == 0)
            pm.kind_class[kind] = KIND_SERIAL;
    if (strcmp(name, LANE_KIND) == 0)
        pm.kind_class[kind] = KIND_LANE;
    return kind;
}

/* The engine registers its message kind itself (not through the wrapped call): the one unnamed
 * kind is the message deliveries. */
static gboolean is_message(uint16_t kind)
{
    return !pm.kind_named[kind];
}

SimTime __wrap_sim_latency_delay(SimLatency *lat, SimHost src, SimHost dst)
{
    SimTime d = __real_sim_latency_delay(lat, src, dst);
    pm.messages++;
    pm.min_delay = MIN(pm.min_delay, d);
    for (guint i = 0; i < pm.n_la; i++)
        pm.la[i].delays_below += d < pm.la[i].lookahead;
    if (d < pm.floor) {
        pm.floored++;
        d = pm.floor;
    }
    return d;
}

/* Which host's partition runs a queued event, or ACTOR_SERIAL. */
static uint32_t actor_of(const SimEvent *ev)
{
    switch (pm.kind_class[ev->kind]) {
    case KIND_SERIAL:
        return ACTOR_SERIAL;
    case KIND_LANE: {
        gpointer v = g_hash_table_lookup(pm.lane_actor, &ev->tie);
        return v ? (uint32_t) (GPOINTER_TO_SIZE(v) - 1) : ACTOR_SERIAL;
    }
    case KIND_HOST:
    default:
        return ev->target;
    }
}

/* Pushes are recorded here and counted at the next pop, outside the timed part, so that the
 * replay's bookkeeping (a loop over every T and L per push) is not charged to the handler. */
typedef struct {
    SimTime  time;
    uint64_t tie;
    uint32_t target;
    uint16_t kind;
} Push;
static GArray *pushes;

void __wrap_sim_queue_push(SimQueue *q, const SimEvent *ev)
{
    __real_sim_queue_push(q, ev);
    if (!pm.running || pm.actor == ACTOR_SERIAL)
        return;  /* set-up or a coordinator's event: no partition sends it */
    Push p = { ev->time, ev->tie, ev->target, ev->kind };
    g_array_append_val(pushes, p);
}

/* The running event's pushes, counted against its partition and the current windows. */
static void count_pushes(void)
{
    uint32_t from = pm.actor;
    for (guint k = 0; k < pushes->len; k++) {
        const Push *ev = &g_array_index(pushes, Push, k);
        if (pm.kind_class[ev->kind] == KIND_LANE) {  /* its partition's own lane */
            uint64_t *key = g_new(uint64_t, 1);
            *key = ev->tie;
            g_hash_table_insert(pm.lane_actor, key, GSIZE_TO_POINTER((gsize) from + 1));
            continue;
        }
        if (pm.kind_class[ev->kind] == KIND_SERIAL || ev->target >= FIRST_SPECIAL_ORIGIN)
            continue;
        gboolean msg = is_message(ev->kind);
        for (guint t = 0; t < N_THREADS; t++) {
            guint T = thread_counts[t];
            pm.pushes_from_hosts[t]++;
            if (from % T == ev->target % T)
                continue;
            if (msg)
                pm.cross_messages[t]++;
            else
                pm.cross_other[t]++;
            for (guint i = 0; i < pm.n_la; i++)
                pm.la[i].r[t].violations += ev->time < pm.la[i].window_end;
        }
        if (!msg && from != ev->target)
            pm.min_cross_other = MIN(pm.min_cross_other, ev->time - pm.now);
    }
    g_array_set_size(pushes, 0);
}

static void close_window(Lookahead *la)
{
    for (guint t = 0; t < N_THREADS; t++) {
        guint T = thread_counts[t];
        Replay *r = &la->r[t];
        uint64_t max_c = 0, sum_c = 0;
        double max_ns = 0, sum_ns = 0;
        for (guint p = 0; p < T; p++) {
            max_c = MAX(max_c, la->cur_count[t][p]);
            max_ns = MAX(max_ns, la->cur_ns[t][p]);
            sum_c += la->cur_count[t][p];
            sum_ns += la->cur_ns[t][p];
            la->cur_count[t][p] = 0;
            la->cur_ns[t][p] = 0;
        }
        if (sum_c + la->cur_serial == 0)
            continue;
        r->windows++;
        r->events += sum_c + la->cur_serial;
        r->serial_events += la->cur_serial;
        r->serial_ns += la->cur_serial_ns;
        r->crit_events += max_c + la->cur_serial;
        r->crit_ns += max_ns + la->cur_serial_ns;
        r->idle_ns += max_ns * T - sum_ns;
    }
    la->cur_serial = 0;
    la->cur_serial_ns = 0;
}

/* The running event is over: add it, with its cost, to its window. */
static void account_running(double cost_ns)
{
    if (cost_ns > PREEMPTED_NS) {
        pm.preempted++;
        pm.preempted_ns += cost_ns - PREEMPTED_NS;
        cost_ns = PREEMPTED_NS;
    }
    pm.events_ns += cost_ns;
    for (guint i = 0; i < pm.n_la; i++) {
        Lookahead *la = &pm.la[i];
        if (pm.actor == ACTOR_SERIAL) {
            la->cur_serial++;
            la->cur_serial_ns += cost_ns;
            continue;
        }
        for (guint t = 0; t < N_THREADS; t++) {
            guint p = pm.actor % thread_counts[t];
            la->cur_count[t][p]++;
            la->cur_ns[t][p] += cost_ns;
        }
    }
}

/* An event's cost is its pop (the real one, timed alone) plus the time from the end of its pop
 * to the start of the next: its handler, its pushes and the loop. The replay's own work around
 * the pop and the counting of pushes are outside both. */
gboolean __wrap_sim_queue_pop(SimQueue *q, SimEvent *out)
{
    double t0 = now_ns();
    if (pm.running) {
        count_pushes();
        account_running(MAX(t0 - pm.event_start_ns - pm.clock_ns, 0)
                        + MAX(pm.pop_ns - pm.clock_ns, 0));
    }
    double t1 = now_ns();
    gboolean got = __real_sim_queue_pop(q, out);
    pm.pop_ns = now_ns() - t1;
    if (!got) {
        pm.running = FALSE;
        return got;
    }
    for (guint i = 0; i < pm.n_la; i++) {
        Lookahead *la = &pm.la[i];
        if (out->time >= la->window_end) {
            close_window(la);
            la->window_end = sim_time_add(out->time, la->lookahead);
        }
    }
    pm.actor = actor_of(out);
    pm.now = out->time;
    if (pm.kind_class[out->kind] == KIND_LANE)
        g_hash_table_remove(pm.lane_actor, &out->tie);
    pm.kind_events[out->kind]++;
    pm.events++;
    pm.running = TRUE;
    pm.event_start_ns = now_ns();
    return got;
}

static gboolean parse_lookaheads(const char *text, GError **error)
{
    gchar **parts = g_strsplit(text, ",", -1);
    gboolean ok = TRUE;
    pm.n_la = 0;
    for (guint i = 0; ok && parts[i]; i++) {
        if (pm.n_la == MAX_LOOKAHEADS) {
            g_set_error(error, SIM_ERROR, 0, "at most %d lookaheads", MAX_LOOKAHEADS);
            ok = FALSE;
        } else if (sim_time_parse(parts[i], &pm.la[pm.n_la].lookahead, error)) {
            ok = pm.la[pm.n_la++].lookahead > 0;
            if (!ok)
                g_set_error(error, SIM_ERROR, 0, "a lookahead must be positive");
        } else {
            ok = FALSE;
        }
    }
    g_strfreev(parts);
    return ok;
}

static void write_csv(FILE *f)
{
    fprintf(f, "lookahead_ms,threads,events,windows,serial_events,crit_events,events_ns,"
               "serial_ns,crit_ns,idle_ns,messages,cross_messages,cross_other,violations,"
               "delays_below_lookahead,min_delay_ns,floor_ms,floored\n");
    for (guint i = 0; i < pm.n_la; i++) {
        const Lookahead *la = &pm.la[i];
        for (guint t = 0; t < N_THREADS; t++) {
            const Replay *r = &la->r[t];
            fprintf(f, "%g,%u,%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                       ",%" G_GUINT64_FORMAT ",%.0f,%.0f,%.0f,%.0f,%" G_GUINT64_FORMAT
                       ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                       ",%" G_GUINT64_FORMAT ",%" G_GINT64_FORMAT ",%g,%" G_GUINT64_FORMAT "\n",
                    (double) la->lookahead / SIM_MS, thread_counts[t], r->events, r->windows,
                    r->serial_events, r->crit_events, pm.events_ns, r->serial_ns, r->crit_ns,
                    r->idle_ns, pm.messages, pm.cross_messages[t], pm.cross_other[t],
                    r->violations, la->delays_below, (gint64) pm.min_delay,
                    (double) pm.floor / SIM_MS, pm.floored);
        }
    }
}

static void print_summary(void)
{
    char *cross_other = pm.min_cross_other == SIM_TIME_NEVER
                        ? g_strdup("none") : sim_time_format(pm.min_cross_other);
    fprintf(stderr, "pdes_model: %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
            " messages, minimum delay %.3f ms, %" G_GUINT64_FORMAT " delays raised to the floor;\n"
            "  %.3f s in events (a clock reading, %.0f ns, taken off each pop and handler; %"
            G_GUINT64_FORMAT " events over %.0f ms counted at that: %.3f s taken off),\n  the"
            " smallest delay of a non-message event for another host: %s\n",
            pm.events, pm.messages, (double) pm.min_delay / SIM_MS, pm.floored,
            pm.events_ns / 1e9, pm.clock_ns, pm.preempted, PREEMPTED_NS / 1e6,
            pm.preempted_ns / 1e9, cross_other);
    g_free(cross_other);
    for (guint k = 0; k < MAX_KINDS; k++)
        if (pm.kind_events[k])
            fprintf(stderr, "  %-16s %12" G_GUINT64_FORMAT " events (%s)\n",
                    pm.kind_named[k] ? pm.kind_name[k] : "message", pm.kind_events[k],
                    pm.kind_class[k] == KIND_SERIAL ? "serial"
                    : pm.kind_class[k] == KIND_LANE ? "partition that scheduled it"
                    : "target's partition");
}

int main(int argc, char **argv)
{
    const char *out = "pdes.csv", *lookaheads = DEFAULT_LOOKAHEADS, *floor_text = "0";
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (i + 1 >= argc) {
            fprintf(stderr, "pdes_model: %s needs a value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--out") == 0)
            out = argv[++i];
        else if (strcmp(argv[i], "--lookahead") == 0)
            lookaheads = argv[++i];
        else if (strcmp(argv[i], "--floor") == 0)
            floor_text = argv[++i];
        else {
            fprintf(stderr, "usage: pdes_model [--out FILE] [--lookahead LIST] [--floor DUR]"
                            " -- KADSIM-ARGS\n");
            return 2;
        }
    }
    GError *error = NULL;
    if (!parse_lookaheads(lookaheads, &error) || !sim_time_parse(floor_text, &pm.floor, &error)) {
        fprintf(stderr, "pdes_model: %s\n", error->message);
        g_error_free(error);
        return 2;
    }
    pm.lane_actor = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    pushes = g_array_new(FALSE, FALSE, sizeof(Push));
    pm.clock_ns = clock_cost_ns();
    /* kadsim_main sees the program name and what follows "--". */
    int kargc = argc - i;
    char **kargv = g_new0(char *, kargc + 1);
    kargv[0] = argv[0];
    for (int k = 1; k < kargc; k++)
        kargv[k] = argv[i + k];
    int status = kadsim_main(kargc, kargv);
    g_free(kargv);
    if (pm.running) {  /* the last event: its cost is lost among the writing of the results */
        count_pushes();
        account_running(0);
    }
    for (guint l = 0; l < pm.n_la; l++)
        close_window(&pm.la[l]);
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "pdes_model: cannot write %s\n", out);
        return 1;
    }
    write_csv(f);
    fclose(f);
    print_summary();
    g_hash_table_destroy(pm.lane_actor);
    g_array_free(pushes, TRUE);
    return status;
}
