/* sim_dist: samplers against analytic means (10^6 draws, within 1%), the equilibrium residual
 * against E[X^2] / 2E[X], quantile and CDF against each other, a Kolmogorov–Smirnov check of
 * every family, and distributions read from a scenario. Fixed seeds: nothing can flake. */
#include "sim_dist.h"
#include "sim_rng.h"
#include "model_helpers.h"

#define DRAWS 1000000
#define KS_DRAWS 100000
/* Kolmogorov–Smirnov critical value at the 1% level is 1.628 / sqrt(n). */
#define KS_CRITICAL_1PC 1.628
#define MIN_PER_S (1.0 / 60)

static double sample_mean(const SimDist *d, gboolean residual, uint64_t seed)
{
    SimRng rng;
    sim_rng_init(&rng, seed, 1);
    double sum = 0;
    for (guint i = 0; i < DRAWS; i++)
        sum += residual ? sim_dist_sample_residual(d, sim_rng_gsl(&rng))
                        : sim_dist_sample(d, sim_rng_gsl(&rng));
    return sum / DRAWS;
}

/* The families as scenarios use them, in seconds. */
static const SimDist *families(guint *n)
{
    static SimDist d[6];
    d[0] = sim_dist_exponential(600);
    d[1] = sim_dist_weibull(0.61511, 169.5385 * 60);
    d[2] = sim_dist_pareto(2.5, 600);
    d[3] = sim_dist_lognormal(3600, 1);
    d[4] = sim_dist_uniform(10, 100);
    d[5] = sim_dist_weibull(2, 60);
    *n = G_N_ELEMENTS(d);
    return d;
}

static void test_kad_weibull_mean_is_247_1_minutes(void)
{
    SimDist kad = sim_dist_weibull(0.61511, 169.5385);
    CU_ASSERT(fabs(sim_dist_mean(&kad) - 247.1) < 0.05);
    double m = sample_mean(&kad, FALSE, 1);
    model_report("kad weibull(0.61511, 169.5385min): mean min", m, sim_dist_mean(&kad));
    ASSERT_REL(m, sim_dist_mean(&kad), 0.01);
}

static void test_sample_means_match_analytic_means(void)
{
    guint n;
    const SimDist *d = families(&n);
    for (guint i = 0; i < n; i++) {
        double m = sample_mean(&d[i], FALSE, 10 + i);
        g_autofree char *s = sim_dist_to_string(&d[i]);
        g_autofree char *what = g_strdup_printf("%s: mean", s);
        model_report(what, m, sim_dist_mean(&d[i]));
        ASSERT_REL(m, sim_dist_mean(&d[i]), 0.01);
    }
}

static void test_analytic_means_follow_the_textbook_formulas(void)
{
    SimDist e = sim_dist_exponential(5), p = sim_dist_pareto(3, 2), l = sim_dist_lognormal(4, 0.5);
    SimDist u = sim_dist_uniform(1, 3), heavy = sim_dist_pareto(1, 2);
    ASSERT_REL(sim_dist_mean(&e), 5, 1e-12);
    ASSERT_REL(sim_dist_mean(&p), 3.0 * 2 / 2, 1e-12);
    ASSERT_REL(sim_dist_mean(&l), 4 * exp(0.125), 1e-12);
    ASSERT_REL(sim_dist_mean(&u), 2, 1e-12);
    CU_ASSERT(isinf(sim_dist_mean(&heavy)));
    CU_ASSERT_FALSE(sim_dist_has_residual(&heavy));
    ASSERT_REL(sim_dist_median(&l), 4, 1e-12);
    ASSERT_REL(sim_dist_median(&e), 5 * log(2), 1e-12);
}

/* The time left in a period running at a random instant has mean E[X^2] / (2 E[X]). */
static void test_residual_means_match_inspection_paradox(void)
{
    guint n;
    const SimDist *d = families(&n);
    for (guint i = 0; i < n; i++) {
        if (!isfinite(sim_dist_residual_mean(&d[i])))
            continue;
        double m = sample_mean(&d[i], TRUE, 20 + i);
        g_autofree char *s = sim_dist_to_string(&d[i]);
        g_autofree char *what = g_strdup_printf("%s: residual mean", s);
        model_report(what, m, sim_dist_residual_mean(&d[i]));
        ASSERT_REL(m, sim_dist_residual_mean(&d[i]), 0.015);
    }
    SimDist e = sim_dist_exponential(600);  /* memoryless: the residual is the law itself */
    ASSERT_REL(sim_dist_residual_mean(&e), 600, 1e-12);
    SimDist kad = sim_dist_weibull(0.61511, 169.5385);  /* lambda G(1 + 2/k) / 2 G(1 + 1/k) */
    CU_ASSERT(fabs(sim_dist_residual_mean(&kad) - 482.71) < 0.01);
}

static void test_quantile_inverts_cdf(void)
{
    guint n;
    const SimDist *d = families(&n);
    for (guint i = 0; i < n; i++)
        for (double u = 0.01; u < 1; u += 0.07)
            CU_ASSERT(fabs(sim_dist_cdf(&d[i], sim_dist_quantile(&d[i], u)) - u) < 1e-9);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static void test_samples_pass_kolmogorov_smirnov_against_cdf(void)
{
    guint n;
    const SimDist *d = families(&n);
    double *x = g_new(double, KS_DRAWS);
    for (guint i = 0; i < n; i++) {
        SimRng rng;
        sim_rng_init(&rng, 30 + i, 1);
        for (guint j = 0; j < KS_DRAWS; j++)
            x[j] = sim_dist_sample(&d[i], sim_rng_gsl(&rng));
        qsort(x, KS_DRAWS, sizeof *x, cmp_double);
        double dmax = 0;
        for (guint j = 0; j < KS_DRAWS; j++) {
            double f = sim_dist_cdf(&d[i], x[j]);
            dmax = MAX(dmax, MAX(f - (double) j / KS_DRAWS, (double) (j + 1) / KS_DRAWS - f));
        }
        g_autofree char *s = sim_dist_to_string(&d[i]);
        g_autofree char *what = g_strdup_printf("%s: KS D (vs 1%% critical)", s);
        model_report(what, dmax, KS_CRITICAL_1PC / sqrt(KS_DRAWS));
        CU_ASSERT(dmax < KS_CRITICAL_1PC / sqrt(KS_DRAWS));
    }
    g_free(x);
}

static void test_distribution_is_read_from_family_keys(void)
{
    GError *err = NULL;
    SimConfig *cfg = model_cfg_new("[churn]\nmodel = sessions\nsession = weibull\n"
                                   "session_shape = 0.61511\nsession_scale = 169.5385min\n"
                                   "downtime = lognormal\ndowntime_median = 2h\n"
                                   "downtime_sigma = 1.5\n", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    SimDist s = sim_dist_from_config(cfg, "churn", "session", NULL, 0);
    CU_ASSERT_EQUAL(s.family, SIM_DIST_WEIBULL);
    ASSERT_REL(s.a, 0.61511, 1e-12);
    ASSERT_REL(s.b, 169.5385 * 60, 1e-12);
    ASSERT_REL(sim_dist_mean(&s) * MIN_PER_S, 247.1, 0.001);
    SimDist d = sim_dist_from_config(cfg, "churn", "downtime", NULL, 0);
    CU_ASSERT_EQUAL(d.family, SIM_DIST_LOGNORMAL);
    ASSERT_REL(d.a, 7200, 1e-12);
    ASSERT_REL(d.b, 1.5, 1e-12);
    sim_config_free(cfg);
}

static void test_preset_name_selects_its_distribution(void)
{
    static const SimDistPreset presets[] = {
        { "kad", { SIM_DIST_WEIBULL, 0.61511, 169.5385 * 60 }, "Steiner et al. 2007" },
    };
    GError *err = NULL;
    SimConfig *cfg = model_cfg_new("[churn]\nmodel = sessions\nsession = kad\n", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
    SimDist s = sim_dist_from_config(cfg, "churn", "session", presets, 1);
    CU_ASSERT_EQUAL(s.family, SIM_DIST_WEIBULL);
    ASSERT_REL(s.b, 169.5385 * 60, 1e-12);
    sim_config_free(cfg);
}

static CU_TestInfo tests[] = {
    TEST(test_kad_weibull_mean_is_247_1_minutes),
    TEST(test_sample_means_match_analytic_means),
    TEST(test_analytic_means_follow_the_textbook_formulas),
    TEST(test_residual_means_match_inspection_paradox),
    TEST(test_quantile_inverts_cdf),
    TEST(test_samples_pass_kolmogorov_smirnov_against_cdf),
    TEST(test_distribution_is_read_from_family_keys),
    TEST(test_preset_name_selects_its_distribution),
    CU_TEST_INFO_NULL,
};

CUNIT_MAIN("sim_dist", tests)
