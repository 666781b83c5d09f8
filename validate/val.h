/* Helpers shared by the validation programs (validate/val_*.c): build and run a Kademlia
 * network from INI text, tally its lookups, print each comparison of kadsim against an
 * independent expectation side by side with PASS or FAIL, and write data files for the plots.
 *
 * Every program takes --full (the figures of docs/validation.md; minutes) or runs its quick
 * subset (seconds; what `make check` runs), and -o DIR for its data files. It exits non-zero
 * when a check fails. Seeds are fixed: the same command prints the same numbers. */
#pragma once

#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kad.h"
#include "sim.h"

/* ---- command line and report ----------------------------------------------------------- */

typedef struct {
    gboolean full;     /* --full: every configuration of docs/validation.md */
    const char *out;   /* -o DIR: data files for the plots (default: no files) */
    const char *only;  /* --only=PART: run one part (e.g. 2c), for working on it */
    guint checks, failed;
} ValReport;

static inline void val_init(ValReport *r, int argc, char **argv, const char *title)
{
    memset(r, 0, sizeof *r);
    for (int i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "--full"))
            r->full = TRUE;
        else if (g_str_has_prefix(argv[i], "--only="))
            r->only = argv[i] + 7;
        else if (g_str_equal(argv[i], "-o") && i + 1 < argc)
            r->out = argv[++i];
        else {
            fprintf(stderr, "usage: %s [--full] [-o DIR] [--only=PART]\n", argv[0]);
            exit(2);
        }
    }
    if (r->out)
        g_mkdir_with_parents(r->out, 0755);
    printf("== %s (%s)\n", title, r->full ? "full" : "quick");
}

/* One comparison: what the independent expectation says, what kadsim measured, the verdict. */
static inline void val_check(ValReport *r, gboolean pass, const char *what, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);
static inline void val_check(ValReport *r, gboolean pass, const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r->checks++;
    r->failed += !pass;
    printf("%-4s %-58s %s\n", pass ? "PASS" : "FAIL", what, detail);
    fflush(stdout);
}

static inline void val_note(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static inline void val_note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("     ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

/* Whether to run part `name` (all of them unless --only says otherwise). */
static inline gboolean val_part(const ValReport *r, const char *name)
{
    return !r->only || g_str_equal(r->only, name);
}

static inline int val_finish(const ValReport *r)
{
    printf("== %u checks, %u failed\n", r->checks, r->failed);
    return r->failed ? 1 : 0;
}

/* A data file in the output folder (NULL when there is none). */
static inline FILE *val_data(const ValReport *r, const char *name)
{
    if (!r->out)
        return NULL;
    g_autofree char *path = g_build_filename(r->out, name, NULL);
    FILE *f = fopen(path, "w");
    if (!f)
        fprintf(stderr, "cannot write %s\n", path);
    return f;
}

/* ---- Kademlia networks ------------------------------------------------------------------ */

#define VAL_MAX_HOPS 64

typedef struct {
    guint64 n[SIM_OP_KINDS], ok[SIM_OP_KINDS];
    guint64 correct, messages;        /* lookups */
    guint64 hops_hist[VAL_MAX_HOPS];  /* successful lookups */
} ValTally;

typedef struct {
    SimConfig *cfg;
    Sim *sim;
    ValTally t;
} ValNet;

static inline void val_tally_op(void *ctx, const SimOp *op)
{
    ValTally *t = ctx;
    t->n[op->kind]++;
    t->ok[op->kind] += op->success;
    if (op->kind != SIM_OP_LOOKUP)
        return;
    t->correct += op->correct == 1;
    t->messages += op->messages;
    if (op->success)
        t->hops_hist[MIN(op->hops, VAL_MAX_HOPS - 1)]++;
}

/* Exit on a refused configuration or model: that is a bug of the validation program, not a
 * finding. */
static inline void val_die_unless(gboolean ok, GError *err, const char *ini)
{
    if (ok)
        return;
    fprintf(stderr, "configuration refused: %s\n%s\n", err ? err->message : "?", ini);
    exit(2);
}

/* A validated configuration of `protocol` from INI text plus overrides ("section.key=value",
 * NULL-terminated); exits when it is refused. */
static inline SimConfig *val_config_new(const char *ini, const SimProtocolClass *protocol,
                                        const char *const *overrides)
{
    GError *err = NULL;
    SimConfig *cfg = sim_config_new();
    sim_declare(cfg);
    protocol->declare(cfg);
    gboolean ok = sim_config_load_data(cfg, "validate.ini", ini, &err);
    for (const char *const *o = overrides; ok && o && *o; o++)
        ok = sim_config_set_override(cfg, *o, &err);
    ok = ok && (!protocol->resolve || protocol->resolve(cfg, &err));  /* as the program does */
    val_die_unless(ok, err, ini);
    return cfg;
}

/* A simulation of cfg running `protocol`; exits when it cannot be built. */
static inline Sim *val_sim_new(const SimConfig *cfg, const SimProtocolClass *protocol)
{
    GError *err = NULL;
    Sim *sim = sim_new(cfg, protocol, &err);
    val_die_unless(sim != NULL, err, sim_config_source(cfg));
    return sim;
}

/* A Kademlia network from INI text plus overrides, with an observer tallying its operations. */
static inline void val_net_init(ValNet *net, const char *ini, const char *const *overrides)
{
    memset(net, 0, sizeof *net);
    net->cfg = val_config_new(ini, &kad_protocol_class, overrides);
    net->sim = val_sim_new(net->cfg, &kad_protocol_class);
    SimObserver obs = { .op_done = val_tally_op };
    sim_add_observer(net->sim, &obs, &net->t);
}

/* Run to the configured duration; FALSE (with a message) if the routing tables or the
 * message accounting are broken. */
static inline gboolean val_net_run(ValNet *net)
{
    sim_run(net->sim, sim_config_get_duration(net->cfg, "simulation", "duration"));
    char *why = NULL;
    GError *err = NULL;
    gboolean ok = TRUE;
    if (!kad_check_invariants(kad_of(net->sim), &why)) {
        fprintf(stderr, "routing-table invariant broken: %s\n", why);
        ok = FALSE;
    }
    if (!sim_check_conservation(net->sim, &err)) {
        fprintf(stderr, "%s\n", err->message);
        ok = FALSE;
    }
    g_free(why);
    g_clear_error(&err);
    return ok;
}

static inline void val_net_free(ValNet *net)
{
    sim_free(net->sim);
    sim_config_free(net->cfg);
    memset(net, 0, sizeof *net);
}

/* Mean and standard error of the hops of the successful lookups. */
static inline void val_hops(const ValTally *t, double *mean, double *se)
{
    double n = 0, s = 0, s2 = 0;
    for (guint h = 0; h < VAL_MAX_HOPS; h++) {
        n += (double) t->hops_hist[h];
        s += (double) t->hops_hist[h] * h;
        s2 += (double) t->hops_hist[h] * h * h;
    }
    *mean = n > 0 ? s / n : NAN;
    *se = n > 1 ? sqrt((s2 - s * s / n) / (n - 1) / n) : NAN;
}

static inline double val_rate(guint64 part, guint64 whole)
{
    return whole ? (double) part / (double) whole : NAN;
}

/* ---- statistics ------------------------------------------------------------------------- */

/* Wilson score interval of a proportion (z = 1.96). */
static inline void val_wilson(guint64 k, guint64 n, double *lo, double *hi)
{
    const double z = 1.959964;
    if (n == 0) {
        *lo = 0;
        *hi = 1;
        return;
    }
    double p = (double) k / n, z2n = z * z / n;
    double c = (p + z2n / 2) / (1 + z2n);
    double h = z * sqrt(p * (1 - p) / n + z2n / (4.0 * n)) / (1 + z2n);
    *lo = MAX(0, c - h);
    *hi = MIN(1, c + h);
}

/* Asymptotic Kolmogorov distribution: P(sqrt(n) D > lambda). */
static inline double val_ks_pvalue(double d, guint64 n)
{
    double en = sqrt((double) n), lambda = (en + 0.12 + 0.11 / en) * d;  /* Stephens' correction */
    double sum = 0;
    for (int j = 1; j <= 100; j++) {
        double term = 2 * ((j & 1) ? 1 : -1) * exp(-2.0 * j * j * lambda * lambda);
        sum += term;
        if (fabs(term) < 1e-12)
            break;
    }
    return CLAMP(sum, 0, 1);
}

static inline int val_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Kolmogorov–Smirnov statistic D of the samples x[0..n) (sorted in place) against cdf. */
static inline double val_ks_d(double *x, gsize n, double (*cdf)(double x, const void *p),
                              const void *p)
{
    qsort(x, n, sizeof *x, val_cmp_double);
    double d = 0;
    for (gsize i = 0; i < n; i++) {
        double f = cdf(x[i], p);
        d = MAX(d, MAX(f - (double) i / n, (double) (i + 1) / n - f));
    }
    return d;
}

/* Critical value of D at the 1% level for n samples (asymptotic: 1.628 / sqrt(n)). */
static inline double val_ks_critical_1pc(gsize n)
{
    return 1.6276 / sqrt((double) n);
}
