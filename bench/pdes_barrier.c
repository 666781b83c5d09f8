/* bench/pdes_barrier — what one window boundary costs: T threads meet at a barrier, over and
 * over, and the program prints the median nanoseconds per meeting over --reps repetitions
 * (docs/scale.md, "One simulation over many cores"). With --events K, each thread also writes K
 * 32-byte events into the next thread's inbox before each meeting and reads its own inbox after
 * it: the difference to K = 0, divided by K, is what moving one event between partitions costs.
 *
 * The barrier is the kind a window-synchronised engine would use: a sense-reversing counter
 * (C11 atomics), each waiting thread spinning a bounded number of times and then yielding, so
 * that it stays cheap when all threads have a core and does not starve a thread that was
 * descheduled (this machine's 2 cores are shared). Nothing else runs between meetings, so the
 * figure is the synchronisation alone: the cache line's round trip between cores and, when a
 * thread loses its core, the scheduler's.
 *
 *   bench/pdes_barrier [--threads T] [--rounds N] [--reps R] [--events K] [--quick]
 * Output: one line "threads,rounds,events,median_ns,min_ns,max_ns" after its header. */
#include <glib.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Spins before a waiting thread yields its core: about a microsecond of pause instructions. */
#define SPINS_BEFORE_YIELD 2000
#define MAX_REPS 101
#define MAX_EVENTS 100000

/* What crosses: the engine's event (sim_queue.h's SimEvent, 32 bytes), not included so that this
 * program depends on nothing of the simulator. */
typedef struct {
    uint64_t time, tie;
    uint32_t target;
    uint16_t kind, tag;
    uint64_t data;
} Event;

typedef struct {
    atomic_uint count;
    atomic_uint sense;
    unsigned    threads;
    char pad[64 - 2 * sizeof(atomic_uint) - sizeof(unsigned)];
} Barrier;

typedef struct {
    Barrier *b;
    unsigned rounds, events, threads;
    Event  **inbox;           /* inbox[i]: what thread i reads after a meeting */
    uint64_t *checksum;       /* per thread, so that the reads are not optimised away */
} Shared;

typedef struct {
    Shared  *s;
    unsigned id;
} Worker;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void barrier_wait(Barrier *b, unsigned *local_sense)
{
    *local_sense = !*local_sense;
    if (atomic_fetch_add_explicit(&b->count, 1, memory_order_acq_rel) == b->threads - 1) {
        atomic_store_explicit(&b->count, 0, memory_order_relaxed);
        atomic_store_explicit(&b->sense, *local_sense, memory_order_release);
        return;
    }
    unsigned spins = 0;
    while (atomic_load_explicit(&b->sense, memory_order_acquire) != *local_sense) {
        if (++spins < SPINS_BEFORE_YIELD)
            cpu_relax();
        else
            sched_yield();
    }
}

static gpointer worker_main(gpointer data)
{
    const Worker *w = data;
    Shared *s = w->s;
    Event *out = s->inbox[(w->id + 1) % s->threads], *in = s->inbox[w->id];
    unsigned sense = 0;
    uint64_t sum = 0;
    for (unsigned r = 0; r < s->rounds; r++) {
        for (unsigned e = 0; e < s->events; e++)
            out[e] = (Event) { .time = r, .tie = e, .target = w->id, .data = r ^ e };
        barrier_wait(s->b, &sense);
        for (unsigned e = 0; e < s->events; e++)
            sum += in[e].time + in[e].data;
        barrier_wait(s->b, &sense);  /* the inbox is read before it is written again */
    }
    s->checksum[w->id] = sum;
    return NULL;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* One repetition: T threads (this one and T - 1 more) go through `rounds` windows, each of two
 * meetings (exchange, then reuse); ns per meeting. */
static double one_rep(unsigned threads, unsigned rounds, unsigned events)
{
    Barrier b = { .threads = threads };
    Event *inbox[threads];
    uint64_t checksum[threads];
    Shared s = { &b, rounds, events, threads, inbox, checksum };
    Worker w[threads];
    GThread *others[threads];
    for (unsigned i = 0; i < threads; i++) {
        inbox[i] = g_new0(Event, MAX(events, 1));
        w[i] = (Worker) { &s, i };
    }
    double t0 = now_ns();
    for (unsigned i = 1; i < threads; i++)
        others[i] = g_thread_new("barrier", worker_main, &w[i]);
    worker_main(&w[0]);
    for (unsigned i = 1; i < threads; i++)
        g_thread_join(others[i]);
    double t1 = now_ns();
    for (unsigned i = 0; i < threads; i++)
        g_free(inbox[i]);
    return (t1 - t0) / (2.0 * rounds);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    unsigned threads = 2, rounds = 100000, reps = 21, events = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            rounds = 2000;
            reps = 3;
        } else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
            threads = (unsigned) atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--rounds") == 0) {
            rounds = (unsigned) atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--reps") == 0) {
            reps = (unsigned) atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(argv[i], "--events") == 0) {
            events = (unsigned) atoi(argv[++i]);
        } else {
            fprintf(stderr, "usage: pdes_barrier [--threads T] [--rounds N] [--reps R] [--events K]"
                            " [--quick]\n");
            return 2;
        }
    }
    if (threads < 1 || threads > 256 || rounds < 1 || reps < 1 || reps > MAX_REPS
        || events > MAX_EVENTS) {
        fprintf(stderr, "pdes_barrier: threads 1-256, rounds >= 1, reps 1-%d, events 0-%d\n",
                MAX_REPS, MAX_EVENTS);
        return 2;
    }
    double ns[MAX_REPS];
    for (unsigned r = 0; r < reps; r++)
        ns[r] = one_rep(threads, rounds, events);
    qsort(ns, reps, sizeof ns[0], cmp_double);
    printf("threads,rounds,events,median_ns,min_ns,max_ns\n%u,%u,%u,%.0f,%.0f,%.0f\n", threads,
           rounds, events, ns[reps / 2], ns[0], ns[reps - 1]);
    return 0;
}
