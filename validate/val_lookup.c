/* Validation of lookups in static networks without loss:
 *   1. correctness — every iterative lookup finds the true k closest (several N, k, b, alpha);
 *      recursive lookups reported beside them;
 *   2. hop counts — mean hops against log2 N (256 ... 65,536 nodes), a weighted linear fit, the
 *      agreement of oracle-filled and joined routing tables, and the fall of hops with k and b,
 *      all compared with an independent model: greedy routing over ideal k-bucket tables
 *      (Monte Carlo, below) and its bits-per-hop approximation.
 * docs/validation.md shows the figures of --full. */
#include <math.h>

#include "val.h"

#include <gsl/gsl_fit.h>

/* ---- kadsim runs ------------------------------------------------------------------------ */

/* Lookups per configuration: the standard error of mean hops is then about 0.012. */
#define LOOKUPS_FULL 2000
#define LOOKUPS_QUICK 600

typedef struct {
    guint nodes, k, alpha, b;
    gboolean oracle, recursive;
} Conf;

typedef struct {
    Conf c;
    guint64 lookups, ok, correct, messages;
    double hops, hops_se;
    gboolean sane;  /* invariants and message conservation held */
} Result;

/* A static network: real joins spread over a ramp (at least 5 min, 50 ms apart on average),
 * 5 minutes to settle, then `lookups` lookups of random IDs over 4 minutes; or, with the oracle,
 * every table filled at once and the lookups from the first minute. No churn, no loss, 50 ms
 * one way, no refresh. */
static char *static_ini(const Conf *c, guint lookups)
{
    double ramp_s = MAX(300.0, c->nodes * 0.05), start_s = c->oracle ? 60 : ramp_s + 300;
    g_autofree char *join = c->oracle ? g_strdup("instant")
                                      : g_strdup_printf("ramp\njoin_ramp = %.0fs", ramp_s);
    return g_strdup_printf(
        "[simulation]\nseed = 7\nnodes = %u\nduration = %.0fs\n"
        "[network]\nlatency = constant\nlatency_constant = 50ms\nloss = none\n"
        "[churn]\nmodel = none\n"
        "[workload]\njoin = %s\nstart = %.0fs\nrate_unit = network\n"
        "lookup_rate = %g\n"
        "[kademlia]\nk = %u\nalpha = %u\nb = %u\nrefresh = 0\nbootstrap = %s\nlookup = %s\n",
        c->nodes, start_s + 240, join, start_s,
        lookups / 240.0, c->k, c->alpha, c->b, c->oracle ? "oracle" : "real",
        c->recursive ? "recursive" : "iterative");
}

static Result run(const Conf *c, guint lookups)
{
    g_autofree char *ini = static_ini(c, lookups);
    ValNet net;
    val_net_init(&net, ini, NULL);
    Result r = { .c = *c };
    r.sane = val_net_run(&net);
    r.lookups = net.t.n[SIM_OP_LOOKUP];
    r.ok = net.t.ok[SIM_OP_LOOKUP];
    r.correct = net.t.correct;
    r.messages = net.t.messages;
    val_hops(&net.t, &r.hops, &r.hops_se);
    val_net_free(&net);
    return r;
}

static const char *conf_name(const Conf *c)
{
    static char buf[96];
    g_snprintf(buf, sizeof buf, "N=%-5u k=%-2u a=%u b=%u %s %s", c->nodes, c->k, c->alpha, c->b,
               c->recursive ? "recursive" : "iterative", c->oracle ? "oracle" : "joined");
    return buf;
}

/* ---- the independent model: greedy routing over ideal k-bucket tables ------------------- */

/* N random 64-bit IDs, sorted: a subtree (a prefix) is a contiguous range. Node x's ideal
 * table: for each level j above its home depth D and each digit d other than its own, k random
 * nodes of the subtree x[0, bj).d (all of them if there are fewer); the home bucket holds every
 * node sharing D bits with x, D the shallowest multiple of b where at most k others do. This is
 * the table the paper describes for a node that has met everybody, built from nothing in
 * kademlia/. A lookup moves from the origin to its contact closest to the target, from there to
 * that node's closest contact, and so on (alpha = 1, one contact per step); the owner's hop is
 * the number of moves, as in the referral-chain definition of docs/kademlia.md. */
typedef struct {
    uint64_t *ids;
    guint n, k, b;
    gboolean clustered;  /* buckets hold the k nodes closest to one random point of their range */
    SimRngState rng;
} Model;

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return (x > y) - (x < y);
}

static guint lower_bound(const Model *m, uint64_t v)
{
    guint lo = 0, hi = m->n;
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (m->ids[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* [lo, hi) of the nodes whose first `len` bits (1..63) are those of `prefix_id`. */
static void subtree(const Model *m, uint64_t prefix_id, guint len, guint *lo, guint *hi)
{
    uint64_t span = 1ULL << (64 - len), start = prefix_id & ~(span - 1);
    *lo = lower_bound(m, start);
    *hi = start + span == 0 ? m->n : lower_bound(m, start + span);  /* 0: wrapped past the top */
}

static guint digit(uint64_t id, guint level, guint b)
{
    return (guint) ((id >> (64 - b * (level + 1))) & ((1u << b) - 1));
}

static uint64_t with_digit(uint64_t id, guint level, guint b, guint d)
{
    guint shift = 64 - b * (level + 1);
    uint64_t mask = ((1ULL << b) - 1) << shift;
    return (id & ~mask) | ((uint64_t) d << shift);
}

static guint lower_bound_in(const Model *m, guint lo, guint hi, uint64_t v)
{
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (m->ids[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The node closest to t (the owner): walk down the trie of the sorted IDs. */
static guint model_owner(const Model *m, uint64_t t)
{
    guint lo = 0, hi = m->n;
    uint64_t path = 0;
    for (int bit = 63; bit >= 0 && hi - lo > 1; bit--) {
        uint64_t one = 1ULL << bit;
        guint mid = lower_bound_in(m, lo, hi, path | one);
        gboolean want_one = (t & one) != 0;
        if (want_one ? mid < hi : mid == lo) {
            lo = mid;
            path |= one;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static guint closer(const Model *m, uint64_t t, guint a, guint b)
{
    return (m->ids[a] ^ t) <= (m->ids[b] ^ t) ? a : b;
}

static uint64_t sort_key_point;
static int cmp_to_point(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a ^ sort_key_point, y = *(const uint64_t *) b ^ sort_key_point;
    return (x > y) - (x < y);
}

/* Clustered bucket: the k nodes of [lo, hi) closest to a uniformly random point of the
 * bucket's range, as a bucket refresh (a lookup of a random ID in the range) leaves it; the
 * closest of them to t. */
static guint best_of_cluster(Model *m, guint lo, guint hi, guint len, uint64_t t)
{
    uint64_t low = len >= 64 ? 0 : (~0ULL >> len);
    uint64_t point = (m->ids[lo] & ~low) | (sim_rng_state_next(&m->rng) & low);
    guint clo = lo, chi = hi;
    for (guint l = len + 1; l < 64; l++) {  /* the smallest subtree of point with >= k nodes */
        guint slo, shi;
        subtree(m, point, l, &slo, &shi);
        if (shi - slo < m->k)
            break;
        clo = slo, chi = shi;
    }
    guint n = chi - clo, best = clo;
    uint64_t *v = g_memdup2(&m->ids[clo], n * sizeof *v);
    sort_key_point = point;
    qsort(v, n, sizeof *v, cmp_to_point);
    uint64_t best_id = v[0];
    for (guint i = 1; i < MIN(n, m->k); i++)
        if ((v[i] ^ t) < (best_id ^ t))
            best_id = v[i];
    best = lower_bound_in(m, clo, chi, best_id);
    g_free(v);
    return best;
}

/* The closest to t of min(k, hi - lo) distinct random nodes of [lo, hi) (Floyd's sampling). */
static guint best_of_bucket(Model *m, guint lo, guint hi, guint len, uint64_t t)
{
    guint n = hi - lo, best = lo;
    if (m->clustered && n > m->k)
        return best_of_cluster(m, lo, hi, len, t);
    if (n <= m->k) {
        for (guint i = lo + 1; i < hi; i++)
            best = closer(m, t, best, i);
        return best;
    }
    guint chosen[256] = { 0 }, got = 0;
    for (guint j = n - m->k; j < n; j++) {
        guint r = (guint) sim_rng_state_below(&m->rng, j + 1);
        for (guint i = 0; i < got; i++)
            if (chosen[i] == r) {
                r = j;
                break;
            }
        chosen[got++] = r;
    }
    best = lo + chosen[0];
    for (guint i = 1; i < got; i++)
        best = closer(m, t, best, lo + chosen[i]);
    return best;
}

/* x's closest contact to t in its ideal table, or x itself when none is closer. */
static guint model_step(Model *m, guint x, uint64_t t)
{
    uint64_t xid = m->ids[x];
    guint lo = 0, hi = m->n, depth = 0;
    /* home depth: the shallowest multiple of b where at most k others share x's prefix */
    while (hi - lo - 1 > m->k && depth + m->b < 64) {
        depth += m->b;
        subtree(m, xid, depth, &lo, &hi);
    }
    /* Level by level, the buckets closer to t than x's own subtree at that level: digit values
     * d with d ^ t's digit below x's digit ^ t's digit, closest first. The first that is not
     * empty holds the closest contacts (subtrees are disjoint, so XOR orders them wholesale). */
    for (guint j = 0; m->b * j < depth; j++) {
        guint xd = digit(xid, j, m->b), td = digit(t, j, m->b);
        for (guint e = 0; e < (xd ^ td); e++) {
            guint blo, bhi;
            subtree(m, with_digit(xid, j, m->b, e ^ td), m->b * (j + 1), &blo, &bhi);
            if (bhi > blo)
                return best_of_bucket(m, blo, bhi, m->b * (j + 1), t);
        }
    }
    guint best = x;  /* the home bucket: every node sharing `depth` bits with x */
    for (guint i = lo; i < hi; i++)
        best = closer(m, t, best, i);
    return best;
}

typedef struct {
    double hops, se;
    guint trials, failed;  /* failed: greedy stopped before the owner (must not happen) */
} ModelResult;

static ModelResult model_run(guint nodes, guint k, guint b, gboolean clustered, guint trials,
                             uint64_t seed)
{
    Model m = { .n = nodes, .k = k, .b = b, .clustered = clustered };
    sim_rng_state_init(&m.rng, seed, 1);
    m.ids = g_new(uint64_t, nodes);
    for (guint i = 0; i < nodes; i++)
        m.ids[i] = sim_rng_state_next(&m.rng);
    qsort(m.ids, nodes, sizeof *m.ids, cmp_u64);
    ModelResult r = { .trials = trials };
    double s = 0, s2 = 0;
    for (guint i = 0; i < trials; i++) {
        uint64_t t = sim_rng_state_next(&m.rng);
        guint owner = model_owner(&m, t), x;
        do
            x = (guint) sim_rng_state_below(&m.rng, nodes);
        while (x == owner);  /* kadsim leaves the origin out of the answer */
        guint hops = 0;
        for (guint y; x != owner && (y = model_step(&m, x, t)) != x; x = y)
            hops++;
        r.failed += x != owner;
        s += hops;
        s2 += (double) hops * hops;
    }
    r.hops = s / trials;
    r.se = sqrt((s2 - s * s / trials) / (trials - 1) / trials);
    g_free(m.ids);
    return r;
}

/* Bits-per-hop approximation of the model: a hop from a node sharing c bits with the target
 * reaches the end of its digit (b - c mod b bits, (b + 1) / 2 on average) and then gains the
 * extra prefix of the best of k random nodes of that subtree, E_k = sum_m 1 - (1 - 2^-m)^k
 * (about log2 k + 0.33). So hops grow by 1 / ((b + 1) / 2 + E_k) per doubling of N. */
static double bits_per_hop(guint k, guint b)
{
    double e = 0;
    for (int m = 1; m < 64; m++)
        e += 1 - pow(1 - ldexp(1, -m), k);
    return (b + 1) / 2.0 + e;
}

/* ---- the checks ------------------------------------------------------------------------- */

static void print_result(const Result *r)
{
    val_note("%s  lookups %4" G_GUINT64_FORMAT "  found owner %.4f  exact k closest %.4f  "
             "hops %.3f +- %.3f  msgs/lookup %.1f", conf_name(&r->c), r->lookups,
             val_rate(r->ok, r->lookups), val_rate(r->correct, r->lookups), r->hops,
             r->hops_se, val_rate(r->messages, r->lookups));
}

/* With k <= 3 and alpha = 1, joined tables leave some late joiners known to very few nodes (full
 * buckets keep their old contacts, and the paper's relaxed splitting, which would keep every
 * node of the closest subtree, is not implemented), and a lookup that asks one node at a time
 * can end at two nodes that do not know the owner: about 1.5% of lookups (docs/validation.md). */
static gboolean tiny_k_alone(const Conf *c)
{
    return !c->oracle && c->k <= 3 && c->alpha == 1;
}

static void check_correctness(ValReport *rep, guint lookups)
{
    printf("-- 1. lookup correctness (static, real joins, no loss, 50 ms)\n");
    static const Conf full[] = {
        { 256, 20, 3, 1, FALSE, FALSE }, { 1024, 20, 3, 1, FALSE, FALSE }, { 4096, 20, 3, 1, FALSE, FALSE },
        { 1024, 4, 3, 1, FALSE, FALSE }, { 1024, 8, 3, 1, FALSE, FALSE }, { 1024, 20, 1, 1, FALSE, FALSE }, { 1024, 20, 5, 1, FALSE, FALSE },
        { 1024, 20, 3, 2, FALSE, FALSE }, { 1024, 20, 3, 4, FALSE, FALSE }, { 1024, 8, 3, 3, FALSE, FALSE }, { 1024, 2, 1, 1, FALSE, FALSE },
    };
    static const Conf quick[] = { { 300, 20, 3, 1, FALSE, FALSE }, { 300, 4, 1, 2, FALSE, FALSE } };
    const Conf *cs = rep->full ? full : quick;
    guint n = rep->full ? G_N_ELEMENTS(full) : G_N_ELEMENTS(quick);
    for (guint i = 0; i < n; i++) {
        Result r = run(&cs[i], lookups);
        print_result(&r);
        if (tiny_k_alone(&cs[i])) {
            val_check(rep, r.sane && val_rate(r.correct, r.lookups) >= 0.97, conf_name(&cs[i]),
                      "known limitation, >= 97%%: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                      " exact (see docs/validation.md)", r.correct, r.lookups);
            continue;
        }
        val_check(rep, r.sane && r.lookups > 0 && r.correct == r.lookups && r.ok == r.lookups,
                  conf_name(&cs[i]), "expected 100%% exact k closest; measured %" G_GUINT64_FORMAT
                  "/%" G_GUINT64_FORMAT, r.correct, r.lookups);
    }
    /* Recursive mode: the last node answers from its own table, with no final round. */
    static const Conf rec[] = { { 1024, 20, 3, 1, FALSE, TRUE }, { 4096, 20, 3, 1, FALSE, TRUE } };
    for (guint i = 0; i < (rep->full ? 2u : 1u); i++) {
        Conf c = rec[i];
        if (!rep->full)
            c.nodes = 300;
        Result r = run(&c, lookups);
        print_result(&r);
        val_check(rep, r.sane && val_rate(r.ok, r.lookups) >= 0.99, conf_name(&c),
                  "owner found >= 99%%: %.4f; exact k closest (not required) %.4f",
                  val_rate(r.ok, r.lookups), val_rate(r.correct, r.lookups));
    }
}

/* Weighted least squares of y on log2 N; returns slope, its standard error, and chi^2/dof. */
static void fit(const double *lg, const double *y, const double *se, guint n, double *c0,
                double *c1, double *c1_se, double *chi2_dof)
{
    double w[32], cov00, cov01, cov11, chisq;
    for (guint i = 0; i < n; i++)
        w[i] = 1 / (se[i] * se[i]);
    gsl_fit_wlinear(lg, 1, w, 1, y, 1, n, c0, c1, &cov00, &cov01, &cov11, &chisq);
    *c1_se = sqrt(cov11);
    *chi2_dof = n > 2 ? chisq / (n - 2) : NAN;
}

static gboolean agree(double a, double a_se, double b, double b_se, double *z)
{
    *z = (a - b) / sqrt(a_se * a_se + b_se * b_se);
    return fabs(*z) < 3;
}

#define MODEL_TRIALS 20000
#define MAX_POINTS 16

static void check_hops_vs_n(ValReport *rep, guint lookups)
{
    printf("-- 2a. mean hops against log2 N (k = 20, b = 1): kadsim and the ideal greedy model\n");
    guint lg_max = rep->full ? 16 : 11, lg_step = rep->full ? 1 : 3;
    double lg[MAX_POINTS], h3[MAX_POINTS], s3[MAX_POINTS], h1[MAX_POINTS], s1[MAX_POINTS];
    double hm[MAX_POINTS], sm[MAX_POINTS];
    guint n = 0;
    FILE *dat = val_data(rep, "hops_vs_n.dat");
    if (dat)
        fprintf(dat, "# N log2N oracle_a3 se joined_a3 se oracle_a1 se model se model_clustered se\n");
    for (guint e = 8; e <= lg_max; e += lg_step, n++) {
        guint nodes = 1u << e;
        Conf c3 = { nodes, 20, 3, 1, TRUE, FALSE }, c1 = { nodes, 20, 1, 1, TRUE, FALSE };
        Result r3 = run(&c3, lookups), r1 = run(&c1, lookups);
        ModelResult m = model_run(nodes, 20, 1, FALSE, MODEL_TRIALS, 100 + e);
        ModelResult mc = model_run(nodes, 20, 1, TRUE, MODEL_TRIALS / 4, 300 + e);
        lg[n] = e;
        h3[n] = r3.hops, s3[n] = r3.hops_se, h1[n] = r1.hops, s1[n] = r1.hops_se;
        hm[n] = m.hops, sm[n] = m.se;
        print_result(&r3);
        print_result(&r1);
        val_note("N=%-5u model (greedy, alpha 1): uniform buckets %.3f +- %.3f (%u lookups), "
                 "clustered buckets %.3f +- %.3f (%u)", nodes, m.hops, m.se, m.trials, mc.hops,
                 mc.se, mc.trials);
        val_check(rep, r3.sane && r1.sane && r3.correct == r3.lookups && m.failed == 0,
                  "oracle tables: lookups exact, greedy model reaches owner",
                  "N=%u: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " exact; model misses %u",
                  nodes, r3.correct, r3.lookups, m.failed);
        /* Joined tables against oracle tables, where joins are affordable. */
        double hj = NAN, sj = NAN;
        if (nodes <= (rep->full ? 16384u : 2048u) && (e % 2 == 0 || !rep->full)) {
            Conf cj = c3;
            cj.oracle = FALSE;
            Result rj = run(&cj, lookups);
            print_result(&rj);
            hj = rj.hops, sj = rj.hops_se;
            double z;
            agree(rj.hops, rj.hops_se, r3.hops, r3.hops_se, &z);
            /* Not equal (docs/validation.md): a bucket filled by a refresh holds the k nodes
             * closest to one random ID, not k random nodes of its range as the oracle's. */
            val_note("N=%u: joined %.3f, oracle %.3f hops: difference %+.3f, z = %+.1f", nodes,
                     rj.hops, r3.hops, rj.hops - r3.hops, z);
            val_check(rep, rj.correct == rj.lookups && rj.hops >= r3.hops - 3 * r3.hops_se &&
                               rj.hops <= mc.hops + 3 * mc.se,
                      "joined tables: oracle <= hops <= clustered model",
                      "N=%u: %.3f <= %.3f <= %.3f", nodes, r3.hops, rj.hops, mc.hops);
        }
        if (dat)
            fprintf(dat, "%u %u %.4f %.4f %.4f %.4f %.4f %.4f %.4f %.4f %.4f %.4f\n", nodes, e,
                    h3[n], s3[n], hj, sj, h1[n], s1[n], hm[n], sm[n], mc.hops, mc.se);
    }
    if (dat)
        fclose(dat);
    double a3, b3, e3, x3, a1, b1, e1, x1, am, bm, em, xm;
    fit(lg, h3, s3, n, &a3, &b3, &e3, &x3);
    fit(lg, h1, s1, n, &a1, &b1, &e1, &x1);
    fit(lg, hm, sm, n, &am, &bm, &em, &xm);
    double approx = 1 / bits_per_hop(20, 1);
    val_note("fit hops = c0 + c1 log2 N (weighted least squares):");
    val_note("  kadsim alpha 3: c0 %.3f  c1 %.4f +- %.4f  chi2/dof %.1f", a3, b3, e3, x3);
    val_note("  kadsim alpha 1: c0 %.3f  c1 %.4f +- %.4f  chi2/dof %.1f", a1, b1, e1, x1);
    val_note("  ideal greedy model: c0 %.3f  c1 %.4f +- %.4f  chi2/dof %.1f", am, bm, em, xm);
    val_note("  bits-per-hop approximation: c1 = 1 / %.3f = %.4f", bits_per_hop(20, 1), approx);
    val_note("  Kademlia paper's bound log2 N + c: slope 1");
    FILE *f = val_data(rep, "hops_fit.gp");
    if (f) {
        fprintf(f, "c0_a3 = %.5f; c1_a3 = %.5f\nc0_a1 = %.5f; c1_a1 = %.5f\n"
                   "c0_m = %.5f; c1_m = %.5f\n", a3, b3, a1, b1, am, bm);
        fclose(f);
    }
    if (!rep->full)
        return;  /* three points: no fit worth checking */
    val_check(rep, b3 > 0 && b1 > 0, "hops grow with log N", "slopes %.4f (alpha 3), %.4f "
              "(alpha 1) per doubling of N", b3, b1);
    val_check(rep, fabs(b1 - bm) <= 0.15 * bm, "slope, alpha 1, vs ideal greedy model (15%)",
              "kadsim %.4f, model %.4f (%+.1f%%)", b1, bm, 100 * (b1 / bm - 1));
    val_check(rep, fabs(bm - approx) <= 0.15 * approx, "model slope vs bits-per-hop approx (15%)",
              "model %.4f, approximation %.4f", bm, approx);
    double worst = 0;
    for (guint i = 0; i < n; i++)
        worst = MAX(worst, fabs(h1[i] - hm[i]));
    val_check(rep, worst <= 0.2, "mean hops, alpha 1, vs model at every N (0.2 hop)",
              "largest difference %.3f hops", worst);
    gboolean below = TRUE;
    for (guint i = 0; i < n; i++)
        below = below && h3[i] <= h1[i] + 3 * s1[i];
    val_check(rep, below, "alpha 3 needs no more hops than alpha 1", "at every N");
}

/* Hops at one N for several k (b = 1) or several b (k = 20): kadsim and the model. */
static void check_sweep(ValReport *rep, guint lookups, gboolean over_k)
{
    guint nodes = rep->full ? 16384 : 1024;
    static const guint ks[] = { 2, 4, 8, 16, 32 }, bs[] = { 1, 2, 3, 4 };
    const guint *v = over_k ? ks : bs;
    guint n = over_k ? G_N_ELEMENTS(ks) : G_N_ELEMENTS(bs);
    if (!rep->full)
        n = 2;
    printf("-- 2%s. mean hops against %s at N = %u (oracle tables): kadsim and the model\n",
           over_k ? "b" : "c", over_k ? "k (b = 1)" : "b (k = 20)", nodes);
    FILE *dat = val_data(rep, over_k ? "hops_vs_k.dat" : "hops_vs_b.dat");
    if (dat)
        fprintf(dat, "# %s oracle_a3 se oracle_a1 se model se approx_slope\n", over_k ? "k" : "b");
    double first3 = 0, first1 = 0, firstm = 0, last3 = 0, last1 = 0, lastm = 0;
    gboolean falls3 = TRUE, falls1 = TRUE, fallsm = TRUE;
    double prev3 = INFINITY, prev1 = INFINITY, prevm = INFINITY;
    for (guint i = 0; i < n; i++) {
        guint k = over_k ? v[i] : 20, b = over_k ? 1 : v[i];
        Conf c3 = { nodes, k, 3, b, TRUE, FALSE }, c1 = { nodes, k, 1, b, TRUE, FALSE };
        Result r3 = run(&c3, lookups), r1 = run(&c1, lookups);
        ModelResult m = model_run(nodes, k, b, FALSE, MODEL_TRIALS, 200 + i);
        print_result(&r3);
        print_result(&r1);
        val_note("%s=%-2u model hops %.3f +- %.3f; bits-per-hop approx %.2f bits/hop",
                 over_k ? "k" : "b", v[i], m.hops, m.se, bits_per_hop(k, b));
        val_check(rep, r3.sane && r1.sane && r3.correct == r3.lookups && r1.correct == r1.lookups,
                  "oracle tables: lookups exact", "%s=%u: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
                  ", %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT, over_k ? "k" : "b", v[i],
                  r3.correct, r3.lookups, r1.correct, r1.lookups);
        if (dat)
            fprintf(dat, "%u %.4f %.4f %.4f %.4f %.4f %.4f %.4f\n", v[i], r3.hops, r3.hops_se,
                    r1.hops, r1.hops_se, m.hops, m.se, 1 / bits_per_hop(k, b));
        falls3 = falls3 && r3.hops < prev3 + 2 * r3.hops_se;
        falls1 = falls1 && r1.hops < prev1 + 2 * r1.hops_se;
        fallsm = fallsm && m.hops < prevm + 2 * m.se;
        prev3 = r3.hops, prev1 = r1.hops, prevm = m.hops;
        if (i == 0)
            first3 = r3.hops, first1 = r1.hops, firstm = m.hops;
        last3 = r3.hops, last1 = r1.hops, lastm = m.hops;
    }
    if (dat)
        fclose(dat);
    const char *what = over_k ? "k" : "b";
    val_check(rep, falls3 && falls1 && fallsm, over_k ? "hops fall as k grows" : "hops fall as b grows",
              "kadsim alpha 3 %s, alpha 1 %s, model %s", falls3 ? "yes" : "no",
              falls1 ? "yes" : "no", fallsm ? "yes" : "no");
    double d1 = first1 - last1, dm = firstm - lastm;
    val_check(rep, fabs(d1 - dm) <= 0.25 * dm + 0.05, "fall over the sweep, alpha 1, vs model (25%)",
              "%s %u -> %u: kadsim alpha 1 -%.3f, model -%.3f hops (alpha 3: -%.3f)", what, v[0],
              v[n - 1], d1, dm, first3 - last3);
}

/* Hops against b (k = 20). Joined tables are the reference here: oracle tables are filled per
 * bit, not per b-bit bucket (kad_fill_from_oracle), so with b > 1 they hold a fraction of the
 * contacts joined tables hold (measured at N = 4096, b = 4: 205 against 493). */
static void check_b_sweep(ValReport *rep, guint lookups)
{
    guint nodes = rep->full ? 4096 : 512, n = rep->full ? 4 : 2;
    printf("-- 2c. mean hops against b (k = 20) at N = %u: joined and oracle tables, and the "
           "models\n", nodes);
    FILE *dat = val_data(rep, "hops_vs_b.dat");
    if (dat)
        fprintf(dat, "# b joined_a3 se joined_a1 se oracle_a3 se model se model_clustered se\n");
    double j3[4], j1[4], o3[4], mu[4], mc[4];
    gboolean exact = TRUE, falls = TRUE;
    for (guint i = 0; i < n; i++) {
        guint b = i + 1;
        Conf cj3 = { nodes, 20, 3, b, FALSE, FALSE }, cj1 = { nodes, 20, 1, b, FALSE, FALSE };
        Conf co3 = { nodes, 20, 3, b, TRUE, FALSE };
        Result rj3 = run(&cj3, lookups), rj1 = run(&cj1, lookups), ro3 = run(&co3, lookups);
        ModelResult m = model_run(nodes, 20, b, FALSE, MODEL_TRIALS, 400 + b);
        ModelResult c = model_run(nodes, 20, b, TRUE, MODEL_TRIALS / 4, 500 + b);
        print_result(&rj3);
        print_result(&rj1);
        print_result(&ro3);
        val_note("b=%u model hops: uniform buckets %.3f +- %.3f, clustered %.3f +- %.3f", b,
                 m.hops, m.se, c.hops, c.se);
        exact = exact && rj3.sane && rj1.sane && ro3.sane && rj3.correct == rj3.lookups &&
                rj1.correct == rj1.lookups && ro3.correct == ro3.lookups;
        j3[i] = rj3.hops, j1[i] = rj1.hops, o3[i] = ro3.hops, mu[i] = m.hops, mc[i] = c.hops;
        if (i > 0)
            falls = falls && j3[i] < j3[i - 1] && j1[i] < j1[i - 1] && mu[i] < mu[i - 1];
        if (dat)
            fprintf(dat, "%u %.4f %.4f %.4f %.4f %.4f %.4f %.4f %.4f %.4f %.4f\n", b, rj3.hops,
                    rj3.hops_se, rj1.hops, rj1.hops_se, ro3.hops, ro3.hops_se, m.hops, m.se,
                    c.hops, c.se);
    }
    if (dat)
        fclose(dat);
    guint last = n - 1;
    val_check(rep, exact, "b sweep: lookups exact", "joined and oracle tables, every b");
    val_check(rep, falls, "hops fall as b grows (joined tables, model)",
              "b 1 -> %u: joined alpha 3 %.3f -> %.3f, alpha 1 %.3f -> %.3f, model %.3f -> %.3f",
              n, j3[0], j3[last], j1[0], j1[last], mu[0], mu[last]);
    /* Joined buckets are partly clustered (2a), and clustering costs most at b = 1: a b-bit
     * bucket covers 2^-(b-1) of the range a 1-bit bucket of its level covers, so its k contacts
     * spread over a smaller range. Joined hops should therefore fall more than the uniform
     * model's and less than the fully clustered model's. (Our first criterion, within 35% of the
     * uniform model's fall, failed: docs/validation.md.) */
    double fj = j1[0] - j1[last], fm = mu[0] - mu[last], fc = mc[0] - mc[last];
    val_check(rep, fj >= fm - 0.05 && fj <= fc + 0.05, "fall over b, joined alpha 1, between models",
              "uniform buckets -%.3f <= joined -%.3f <= clustered -%.3f hops", fm, fj, fc);
    if (!rep->full)
        return;
    /* Oracle tables hold k random nodes of each bucket's range: the uniform-bucket model's own
     * assumption, so they are compared with it, not with joined tables (whose clustered buckets
     * cost most at b = 1 and so fall further). With alpha = 3 the b = 1 end is already shorter
     * than the greedy model's, so the fall may be smaller, but not by half; at the largest b
     * the two must agree. */
    double fo = o3[0] - o3[last];
    val_check(rep, fo >= 0.5 * fm && fabs(o3[last] - mu[last]) <= 0.05,
              "oracle tables follow b (kad_fill_from_oracle, b > 1)",
              "oracle alpha 3 falls -%.3f hops over b 1 -> %u (uniform model -%.3f); at b = %u "
              "oracle %.3f, model %.3f", fo, n, fm, n, o3[last], mu[last]);
}

int main(int argc, char **argv)
{
    ValReport rep;
    val_init(&rep, argc, argv, "lookups: correctness and hop counts");
    guint lookups = rep.full ? LOOKUPS_FULL : LOOKUPS_QUICK;
    if (val_part(&rep, "1"))
        check_correctness(&rep, lookups);
    if (val_part(&rep, "2a"))
        check_hops_vs_n(&rep, lookups);
    if (val_part(&rep, "2b"))
        check_sweep(&rep, lookups, TRUE);
    if (val_part(&rep, "2c"))
        check_b_sweep(&rep, lookups);
    return val_finish(&rep);
}
