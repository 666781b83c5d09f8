/* Validation of the random models against their distributions, by Kolmogorov–Smirnov tests
 * whose CDFs come from GSL (gsl_cdf_*, gsl_sf_*), not from sim_dist_cdf(): a parametrisation
 * slip shared by a sampler and its own CDF would pass tests/test_sim_dist.c but not these.
 *   4a. sim_dist samplers (the churn families) and their equilibrium residuals;
 *   4b. latency models: uniform, lognormal (per pair and per message), constant + jitter,
 *       euclidean on the sphere;
 *   4c. churn end to end: session and down times a run produces (fake protocol), and the first
 *       sessions of the initial population, which must follow the residual law.
 * Each line prints D, the 1% critical value and the asymptotic p-value. */
#include "val.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_gamma.h>

#include "fake_protocol.h"
#include "sim_dist.h"
#include "sim_net.h"
#include "sim_rng.h"

typedef struct {
    SimDist d;
    gboolean residual;
} DistCase;

/* The CDF of d, or of its equilibrium residual (1/E[X]) int_0^x (1 - F), from GSL. */
static double gsl_cdf_of(double x, const void *p)
{
    const DistCase *c = p;
    const SimDist *d = &c->d;
    if (x <= 0)
        return 0;
    switch (d->family) {
    case SIM_DIST_EXPONENTIAL:
        return gsl_cdf_exponential_P(x, d->a);  /* memoryless: the residual is the law */
    case SIM_DIST_WEIBULL:
        /* residual: P(1/k, (x/lambda)^k), the regularised lower incomplete gamma */
        return c->residual ? gsl_sf_gamma_inc_P(1 / d->a, pow(x / d->b, d->a))
                           : gsl_cdf_weibull_P(x, d->b, d->a);
    case SIM_DIST_PARETO: {
        if (!c->residual)
            return gsl_cdf_pareto_P(x, d->a, d->b);
        double alpha = d->a, xm = d->b, mean = alpha * xm / (alpha - 1);
        double area = x <= xm ? x : xm + pow(xm, alpha) * (pow(x, 1 - alpha) - pow(xm, 1 - alpha)) /
                                             (1 - alpha);
        return area / mean;
    }
    case SIM_DIST_LOGNORMAL: {
        double mu = log(d->a), s = d->b;
        if (!c->residual)
            return gsl_cdf_lognormal_P(x, mu, s);
        double z = (log(x) - mu) / s, mean = exp(mu + s * s / 2);
        return (x * gsl_cdf_ugaussian_Q(z) + mean * gsl_cdf_ugaussian_P(z - s)) / mean;
    }
    case SIM_DIST_UNIFORM:
        return gsl_cdf_flat_P(x, d->a, d->b);
    default:
        return NAN;
    }
}

static void ks_line(ValReport *rep, const char *what, double *x, gsize n,
                    double (*cdf)(double, const void *), const void *p, FILE *dat)
{
    double d = val_ks_d(x, n, cdf, p), crit = val_ks_critical_1pc(n), pv = val_ks_pvalue(d, n);
    val_check(rep, d < crit, what, "n %7zu  D %.5f  crit(1%%) %.5f  p %.3f", n, d, crit, pv);
    if (dat)
        fprintf(dat, "%s\t%zu\t%.6f\t%.6f\t%.4f\n", what, n, d, crit, pv);
}

static void check_dists(ValReport *rep, gsize n, FILE *dat)
{
    printf("-- 4a. sim_dist samplers against GSL's CDFs (seconds)\n");
    const DistCase cases[] = {
        { sim_dist_exponential(3600), FALSE },
        { sim_dist_weibull(0.61511, 169.5385 * 60), FALSE },      /* KAD sessions */
        { sim_dist_weibull(0.47648, 413.6765 * 60), FALSE },      /* KAD down times */
        { sim_dist_pareto(2.5, 600), FALSE },
        { sim_dist_lognormal(3600, 1), FALSE },
        { sim_dist_weibull(0.61511, 169.5385 * 60), TRUE },
        { sim_dist_pareto(2.5, 600), TRUE },
        { sim_dist_lognormal(3600, 1), TRUE },
        { sim_dist_exponential(3600), TRUE },
    };
    double *x = g_new(double, n);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        SimRng rng;
        sim_rng_init(&rng, 4242, i);
        for (gsize j = 0; j < n; j++)
            x[j] = cases[i].residual ? sim_dist_sample_residual(&cases[i].d, sim_rng_gsl(&rng))
                                     : sim_dist_sample(&cases[i].d, sim_rng_gsl(&rng));
        g_autofree char *s = sim_dist_to_string(&cases[i].d);
        g_autofree char *what = g_strdup_printf("%s%s", cases[i].residual ? "residual of " : "", s);
        ks_line(rep, what, x, n, gsl_cdf_of, &cases[i], dat);
    }
    g_free(x);
}

/* ---- latency models --------------------------------------------------------------------- */

typedef struct {
    const char *name, *network;
    double a, b;  /* parameters of the expected law, in ms */
    enum { L_UNIFORM, L_LOGNORMAL, L_SPHERE } law;
} LatCase;

static double lat_cdf(double x, const void *p)
{
    const LatCase *c = p;
    switch (c->law) {
    case L_UNIFORM:
        return gsl_cdf_flat_P(x, c->a, c->b);
    case L_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, log(c->a), c->b);
    case L_SPHERE: {
        /* uniform points on a sphere: the central angle has CDF (1 - cos theta) / 2 */
        double theta = (x - c->a) / c->b;
        return theta <= 0 ? 0 : theta >= M_PI ? 1 : (1 - cos(theta)) / 2;
    }
    }
    return NAN;
}

static void check_latency(ValReport *rep, gsize n, FILE *dat)
{
    printf("-- 4b. latency models: one-way delays (ms) of random host pairs against GSL's CDFs\n");
    /* sphere: delay = access + R theta per_km = 10 ms + theta * 6371 km * 8 us/km */
    const LatCase cases[] = {
        { "uniform 10-150 ms, per pair", "latency = uniform\n", 10, 150, L_UNIFORM },
        { "uniform 10-150 ms, per message", "latency = uniform\nlatency_draw = message\n", 10, 150,
          L_UNIFORM },
        { "lognormal 78 ms, 0.5137, per pair", "latency = lognormal\n", 78, 0.5137, L_LOGNORMAL },
        { "lognormal 70.6 ms, 0.68, per message", "latency = lognormal\nlatency_median = 70.6ms\n"
          "latency_sigma = 0.68\nlatency_draw = message\n", 70.6, 0.68, L_LOGNORMAL },
        { "constant 50 ms + jitter 20 ms", "latency = constant\njitter = 20ms\n", 50, 70,
          L_UNIFORM },
        { "euclidean sphere (defaults)", "latency = euclidean\n", 10, 6371 * 0.008, L_SPHERE },
    };
    const guint hosts = 100000;
    double *x = g_new(double, n);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *ini = g_strdup_printf("[network]\n%s", cases[i].network);
        GError *err = NULL;
        SimConfig *cfg = val_config_new(ini, &fake_protocol_class, NULL);
        SimLatency *lat = sim_latency_new(cfg, 17, hosts, &err);
        val_die_unless(lat != NULL, err, ini);
        SimRngState rng;
        sim_rng_state_init(&rng, 99, i);
        for (gsize j = 0; j < n; j++) {  /* distinct random pairs: independent per-pair draws */
            SimHost a = (SimHost) sim_rng_state_below(&rng, hosts);
            SimHost b = (SimHost) sim_rng_state_below(&rng, hosts - 1);
            b += b >= a;
            x[j] = sim_time_to_ms(sim_latency_delay(lat, a, b));
        }
        ks_line(rep, cases[i].name, x, n, lat_cdf, &cases[i], dat);
        sim_latency_free(lat);
        sim_config_free(cfg);
    }
    g_free(x);
}

/* ---- churn end to end ------------------------------------------------------------------- */

typedef struct {
    Sim *sim;
    SimTime start, last_ok;  /* sessions must begin in [start, last_ok] to count */
    SimTime *since;          /* per host: when it last changed */
    gboolean *seen_down;     /* per host: left at least once */
    GArray *sessions, *downs, *first;  /* seconds */
} ChurnRec;

static void on_host(void *ctx, SimHost host, gboolean up, gboolean graceful)
{
    ChurnRec *c = ctx;
    (void) graceful;
    SimTime now = sim_now(c->sim), began = c->since[host];
    c->since[host] = now;
    if (now <= c->start)
        return;
    double len = sim_time_to_s(now - began);
    if (!up && !c->seen_down[host]) {  /* the first session of the initial population */
        c->seen_down[host] = TRUE;
        g_array_append_val(c->first, len);
    } else if (began >= c->start && began <= c->last_ok) {
        g_array_append_val(up ? c->downs : c->sessions, len);
    }
}

static void check_churn(ValReport *rep, gboolean full, FILE *dat)
{
    printf("-- 4c. churn end to end (fake protocol): sessions, down times, first sessions\n");
    guint hosts = full ? 2000 : 500;
    double hours = full ? 4000 : 1000;
    g_autofree char *ini = g_strdup_printf(
        "[simulation]\nnodes = %u\nduration = %.0fh\n[workload]\njoin = instant\n"
        "[churn]\nmodel = sessions\nsession = kad\ndowntime = kad\nstart = 1min\n", hosts, hours);
    SimConfig *cfg = val_config_new(ini, &fake_protocol_class, NULL);
    Sim *sim = val_sim_new(cfg, &fake_protocol_class);
    ChurnRec c = {
        .sim = sim, .start = SIM_MIN, .since = g_new0(SimTime, hosts),
        .seen_down = g_new0(gboolean, hosts), .sessions = g_array_new(FALSE, FALSE, sizeof(double)),
        .downs = g_array_new(FALSE, FALSE, sizeof(double)),
        .first = g_array_new(FALSE, FALSE, sizeof(double)),
    };
    /* Count periods that began in the first half: all of them ended before the run did (the
     * KAD laws have 99.99% quantiles of days, the run thousands of hours), so no length bias. */
    SimTime end = (SimTime) (hours * SIM_H);
    c.last_ok = end / 2;
    SimObserver obs = { .host_changed = on_host };
    sim_add_observer(sim, &obs, &c);
    sim_run(sim, end);
    DistCase sess = { sim_dist_weibull(0.61511, 169.5385 * 60), FALSE };
    DistCase down = { sim_dist_weibull(0.47648, 413.6765 * 60), FALSE };
    DistCase first = { sim_dist_weibull(0.61511, 169.5385 * 60), TRUE };
    ks_line(rep, "run: KAD sessions (weibull 0.61511, 169.5 min)", (double *) c.sessions->data,
            c.sessions->len, gsl_cdf_of, &sess, dat);
    ks_line(rep, "run: KAD down times (weibull 0.47648, 413.7 min)", (double *) c.downs->data,
            c.downs->len, gsl_cdf_of, &down, dat);
    ks_line(rep, "run: first sessions vs residual of KAD sessions", (double *) c.first->data,
            c.first->len, gsl_cdf_of, &first, dat);
    g_free(c.since);
    g_free(c.seen_down);
    g_array_free(c.sessions, TRUE);
    g_array_free(c.downs, TRUE);
    g_array_free(c.first, TRUE);
    sim_free(sim);
    sim_config_free(cfg);
}

int main(int argc, char **argv)
{
    ValReport rep;
    val_init(&rep, argc, argv, "samplers against their distributions (Kolmogorov-Smirnov)");
    gsize n = rep.full ? 1000000 : 100000;
    FILE *dat = val_data(&rep, "ks.tsv");
    if (dat)
        fprintf(dat, "what\tn\tD\tcritical_1pc\tp\n");
    check_dists(&rep, n, dat);
    check_latency(&rep, n, dat);
    check_churn(&rep, rep.full, dat);
    if (dat)
        fclose(dat);
    return val_finish(&rep);
}
