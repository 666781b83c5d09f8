/* bench_queue — the hold model over the pending-event set designs of queues.h.
 *
 * The hold model (Jones 1986; Vaucher & Duval 1975) is the classic queue benchmark: keep n
 * events pending, and repeat "pop the earliest, push one at its time plus a random increment".
 * The queue size stays n, so the cost per hold is the cost of the queue at that size. Increments
 * are exponential (mean HOLD_MEAN_INCREMENT) drawn from sim_rng, the simulator's own generator.
 *
 * Before timing anything, every design is checked on a random mix of pushes and pops: each
 * event must come out exactly once, in (time, tie) order. A failed check exits non-zero, which
 * is what `make check` runs in --quick mode (it never looks at the timings).
 *
 * Output: one Markdown table of median ns per hold (over --reps timed repetitions, after a
 * warm-up), ready for docs/queue.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queues.h"
#include "sim_rng.h"

/* Mean of the exponential increment. Any scale works for the heaps; it matters to the calendar
 * queue only through the bucket width it estimates, which follows the scale. */
#define HOLD_MEAN_INCREMENT SIM_S
/* Warm-up holds: as many as events pending (the queue's time spread reaches its steady state
 * by then), within these bounds so small sizes still warm the caches and 10M stays minutes. */
#define WARMUP_MIN 100000
#define WARMUP_MAX 10000000
/* Pushes and pops in the order check of each design. */
#define CHECK_OPERATIONS 200000
/* Range of the later ties given to events pushed at the time of the last pop. */
#define CHECK_TIE_SPREAD (1u << 20)
/* Stream name of the benchmark's random draws. */
#define BENCH_STREAM "bench-queue"

static const BenchQueueClass *const designs[] = {
    &bench_queue_ladder, &bench_queue_heap4, &bench_queue_heap2, &bench_queue_heap8, &bench_queue_calendar,
    &bench_queue_gsequence,
};

typedef struct {
    SimRngState rng;
    SimTime     now;      /* time of the last event popped */
    uint64_t    tie;      /* next tie-breaker */
    uint64_t    out_of_order;
} Hold;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* Exponential increment, as gsl_ran_exponential() computes it, inlined so that the draw costs
 * the same few nanoseconds in every design. */
static inline SimTime draw_increment(Hold *h)
{
    double u = sim_rng_state_uniform(&h->rng);
    return (SimTime) (-(double) HOLD_MEAN_INCREMENT * log1p(-u));
}

static void fill(const BenchQueueClass *c, void *q, Hold *h, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        SimEvent ev = { .time = h->now + draw_increment(h), .tie = h->tie++ };
        c->push(q, &ev);
    }
}

/* The timed loop; not inlined so callgrind can count it alone (--toggle-collect=hold_run). */
static G_GNUC_NO_INLINE void hold_run(const BenchQueueClass *c, void *q, Hold *h, guint64 holds)
{
    SimEvent ev;
    for (guint64 i = 0; i < holds; i++) {
        c->pop(q, &ev);
        h->out_of_order += ev.time < h->now;
        h->now = ev.time;
        ev.time += draw_increment(h);
        ev.tie = h->tie++;
        c->push(q, &ev);
    }
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Median ns per hold over `reps` timed runs of `holds` holds, after the warm-up. */
static double measure(const BenchQueueClass *c, gsize n, guint reps, guint64 holds,
                      uint64_t seed, uint64_t *out_of_order)
{
    Hold h = { .now = 0 };
    sim_rng_state_init(&h.rng, seed, sim_rng_stream_id(BENCH_STREAM, n));
    void *q = c->create((guint) n);
    fill(c, q, &h, n);
    hold_run(c, q, &h, CLAMP(n, WARMUP_MIN, WARMUP_MAX));
    double *ns = g_new(double, reps);
    for (guint r = 0; r < reps; r++) {
        double t0 = now_ns();
        hold_run(c, q, &h, holds);
        ns[r] = (now_ns() - t0) / (double) holds;
    }
    qsort(ns, reps, sizeof *ns, compare_doubles);
    double median = reps % 2 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
    g_assert(c->size(q) == n);
    *out_of_order = h.out_of_order;
    c->destroy(q);
    g_free(ns);
    return median;
}

/* Random pushes and pops as an engine makes them (never earlier than the last pop, many equal
 * times): every event must come out exactly once and in (time, tie) order. */
static gboolean check_order(const BenchQueueClass *c, uint64_t seed)
{
    SimRngState rng;
    sim_rng_state_init(&rng, seed, sim_rng_stream_id(BENCH_STREAM "-check", 0));
    void *q = c->create(0);
    guint8 *seen = g_new0(guint8, CHECK_OPERATIONS);
    SimEvent prev = { 0 }, ev;
    gboolean have_prev = FALSE, ok = TRUE;
    uint64_t pushed = 0, popped = 0;
    while (ok && (pushed < CHECK_OPERATIONS || c->size(q) > 0)) {
        /* Push with probability 0.55 while there are events left to push, so the size drifts
         * up and down through every resize threshold; then drain. */
        gboolean push = pushed < CHECK_OPERATIONS && sim_rng_state_below(&rng, 100) < 55;
        if (push) {
            /* Small integer offsets make equal times common, so ties are tested too; an event
             * at the time of the last pop gets a later tie, as the engine's sequence gives. */
            SimEvent e = { .time = prev.time + (SimTime) sim_rng_state_below(&rng, 50),
                           .tie = sim_mix64(pushed) >> 1, .data = pushed };
            if (have_prev && e.time == prev.time)
                e.tie = prev.tie + 1 + sim_rng_state_below(&rng, CHECK_TIE_SPREAD);
            c->push(q, &e);
            pushed++;
            continue;
        }
        if (!c->pop(q, &ev))
            continue;
        popped++;
        ok = ev.data < CHECK_OPERATIONS && !seen[ev.data] && (!have_prev ||
             !sim_event_before(&ev, &prev));
        if (ok)
            seen[ev.data] = 1;
        prev = ev;
        have_prev = TRUE;
    }
    ok = ok && popped == pushed && c->size(q) == 0 && !c->pop(q, &ev);
    if (!ok)
        fprintf(stderr, "bench_queue: %s breaks the event order (after %" G_GUINT64_FORMAT
                " pops)\n", c->name, popped);
    g_free(seen);
    c->destroy(q);
    return ok;
}

static const BenchQueueClass *find_design(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(designs); i++)
        if (strcmp(designs[i]->name, name) == 0)
            return designs[i];
    return NULL;
}

int main(int argc, char **argv)
{
    gboolean quick = FALSE;
    char *sizes_text = NULL, *designs_text = NULL;
    gint reps = 5;
    gint64 holds = 1000000, seed = 1;
    GOptionEntry options[] = {
        { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick,
          "Small sizes and few holds: a second or two, to prove it works", NULL },
        { "sizes", 's', 0, G_OPTION_ARG_STRING, &sizes_text,
          "Pending events, comma-separated (default 1000,10000,100000,1000000,10000000)", "N,..." },
        { "designs", 'd', 0, G_OPTION_ARG_STRING, &designs_text,
          "Designs to run, comma-separated (default: all)", "NAME,..." },
        { "reps", 'r', 0, G_OPTION_ARG_INT, &reps, "Timed repetitions per cell (default 5)", "N" },
        { "holds", 'n', 0, G_OPTION_ARG_INT64, &holds, "Holds per repetition (default 1000000)",
          "N" },
        { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Master seed (default 1)", "N" },
        { NULL },
    };
    GOptionContext *ctx = g_option_context_new("- hold-model benchmark of event queue designs");
    g_option_context_add_main_entries(ctx, options, NULL);
    GError *error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "bench_queue: %s\n", error->message);
        return EXIT_FAILURE;
    }
    g_option_context_free(ctx);
    if (quick) {
        sizes_text = sizes_text ? sizes_text : g_strdup("1000,10000");
        reps = 3;
        holds = 100000;
    }
    g_auto(GStrv) sizes = g_strsplit(sizes_text ? sizes_text
                                                : "1000,10000,100000,1000000,10000000", ",", -1);
    GPtrArray *chosen = g_ptr_array_new();
    if (designs_text) {
        g_auto(GStrv) names = g_strsplit(designs_text, ",", -1);
        for (int i = 0; names[i]; i++) {
            const BenchQueueClass *c = find_design(names[i]);
            if (!c) {
                fprintf(stderr, "bench_queue: no design '%s'\n", names[i]);
                return EXIT_FAILURE;
            }
            g_ptr_array_add(chosen, (gpointer) c);
        }
    } else {
        for (gsize i = 0; i < G_N_ELEMENTS(designs); i++)
            g_ptr_array_add(chosen, (gpointer) designs[i]);
    }
    if (reps < 1 || holds < 1) {
        fprintf(stderr, "bench_queue: --reps and --holds must be at least 1\n");
        return EXIT_FAILURE;
    }

    for (guint d = 0; d < chosen->len; d++)
        if (!check_order(g_ptr_array_index(chosen, d), (uint64_t) seed))
            return EXIT_FAILURE;

    printf("# hold model: exponential increments (mean 1 s), median of %d x %" G_GINT64_FORMAT
           " holds after a warm-up; ns per hold (pop + push), ratio to %s in brackets\n",
           reps, holds, ((const BenchQueueClass *) g_ptr_array_index(chosen, 0))->name);
    printf("| pending |");
    for (guint d = 0; d < chosen->len; d++)
        printf(" %s |", ((const BenchQueueClass *) g_ptr_array_index(chosen, d))->name);
    printf("\n|---:|");
    for (guint d = 0; d < chosen->len; d++)
        printf("---:|");
    printf("\n");
    fflush(stdout);

    int status = EXIT_SUCCESS;
    for (int s = 0; sizes[s]; s++) {
        gsize n = (gsize) g_ascii_strtoull(sizes[s], NULL, 10);
        if (n == 0) {
            fprintf(stderr, "bench_queue: bad size '%s'\n", sizes[s]);
            return EXIT_FAILURE;
        }
        printf("| %" G_GSIZE_FORMAT " |", n);
        double first = 0;
        for (guint d = 0; d < chosen->len; d++) {
            const BenchQueueClass *c = g_ptr_array_index(chosen, d);
            uint64_t bad = 0;
            double ns = measure(c, n, (guint) reps, (guint64) holds, (uint64_t) seed, &bad);
            if (bad) {
                fprintf(stderr, "bench_queue: %s popped %" G_GUINT64_FORMAT
                        " events out of order\n", c->name, bad);
                status = EXIT_FAILURE;
            }
            if (d == 0)
                first = ns;
            printf(d == 0 ? " %.1f |" : " %.1f (%.2f) |", ns, ns / first);
            fflush(stdout);
        }
        printf("\n");
    }
    printf("\nDesigns:\n");
    for (guint d = 0; d < chosen->len; d++) {
        const BenchQueueClass *c = g_ptr_array_index(chosen, d);
        printf("- %s: %s\n", c->name, c->about);
    }
    g_ptr_array_free(chosen, TRUE);
    g_free(sizes_text);
    g_free(designs_text);
    return status;
}
