#include "sim_dist.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <string.h>

SimDist sim_dist_constant(double value)
{
    return (SimDist) { SIM_DIST_CONSTANT, value, 0 };
}

SimDist sim_dist_uniform(double min, double max)
{
    g_return_val_if_fail(min <= max, sim_dist_constant(min));
    return (SimDist) { SIM_DIST_UNIFORM, min, max };
}

SimDist sim_dist_exponential(double mean)
{
    return (SimDist) { SIM_DIST_EXPONENTIAL, mean, 0 };
}

SimDist sim_dist_weibull(double shape, double scale)
{
    g_return_val_if_fail(shape > 0, sim_dist_constant(scale));
    return (SimDist) { SIM_DIST_WEIBULL, shape, scale };
}

SimDist sim_dist_pareto(double shape, double scale)
{
    g_return_val_if_fail(shape > 0, sim_dist_constant(scale));
    return (SimDist) { SIM_DIST_PARETO, shape, scale };
}

SimDist sim_dist_lognormal(double median, double sigma)
{
    g_return_val_if_fail(median > 0 && sigma >= 0, sim_dist_constant(median));
    return (SimDist) { SIM_DIST_LOGNORMAL, median, sigma };
}

double sim_dist_sample(const SimDist *d, const gsl_rng *rng)
{
    switch (d->family) {
    case SIM_DIST_CONSTANT:    return d->a;
    case SIM_DIST_UNIFORM:     return gsl_ran_flat(rng, d->a, d->b);
    case SIM_DIST_EXPONENTIAL: return gsl_ran_exponential(rng, d->a);
    case SIM_DIST_WEIBULL:     return gsl_ran_weibull(rng, d->b, d->a);  /* GSL: (scale, shape) */
    case SIM_DIST_PARETO:      return gsl_ran_pareto(rng, d->a, d->b);
    case SIM_DIST_LOGNORMAL:   return gsl_ran_lognormal(rng, log(d->a), d->b);
    }
    g_assert_not_reached();
}

gboolean sim_dist_has_residual(const SimDist *d)
{
    return isfinite(sim_dist_mean(d));
}

/* Residual = U * L with L drawn from the length-biased law x f(x) / E[X]: a random instant
 * falls in a period with probability proportional to its length, uniformly within it. */
double sim_dist_sample_residual(const SimDist *d, const gsl_rng *rng)
{
    g_return_val_if_fail(sim_dist_has_residual(d), sim_dist_sample(d, rng));
    double len = 0;
    switch (d->family) {
    case SIM_DIST_CONSTANT:
        len = d->a;
        break;
    case SIM_DIST_UNIFORM:     /* density proportional to x on [a, b] */
        len = sqrt(d->a * d->a + gsl_rng_uniform(rng) * (d->b * d->b - d->a * d->a));
        break;
    case SIM_DIST_EXPONENTIAL: /* memoryless: the residual is the distribution itself */
        return gsl_ran_exponential(rng, d->a);
    case SIM_DIST_WEIBULL:     /* (L / lambda)^k ~ Gamma(1 + 1/k, 1) */
        len = d->b * pow(gsl_ran_gamma(rng, 1 + 1 / d->a, 1), 1 / d->a);
        break;
    case SIM_DIST_PARETO:      /* x^-alpha on [x_m, inf): pareto(alpha - 1, x_m) */
        len = gsl_ran_pareto(rng, d->a - 1, d->b);
        break;
    case SIM_DIST_LOGNORMAL:   /* lognormal(mu + sigma^2, sigma) */
        len = gsl_ran_lognormal(rng, log(d->a) + d->b * d->b, d->b);
        break;
    }
    return gsl_rng_uniform(rng) * len;
}

double sim_dist_quantile(const SimDist *d, double u)
{
    switch (d->family) {
    case SIM_DIST_CONSTANT:    return d->a;
    case SIM_DIST_UNIFORM:     return d->a + u * (d->b - d->a);
    case SIM_DIST_EXPONENTIAL: return -d->a * log1p(-u);
    case SIM_DIST_WEIBULL:     return d->b * pow(-log1p(-u), 1 / d->a);
    case SIM_DIST_PARETO:      return d->b * pow(1 - u, -1 / d->a);
    case SIM_DIST_LOGNORMAL:   return d->a * exp(d->b * gsl_cdf_ugaussian_Pinv(u));
    }
    g_assert_not_reached();
}

double sim_dist_cdf(const SimDist *d, double x)
{
    switch (d->family) {
    case SIM_DIST_CONSTANT:    return x >= d->a ? 1 : 0;
    case SIM_DIST_UNIFORM:
        return x <= d->a ? 0 : x >= d->b ? 1 : (x - d->a) / (d->b - d->a);
    case SIM_DIST_EXPONENTIAL: return x <= 0 ? 0 : -expm1(-x / d->a);
    case SIM_DIST_WEIBULL:     return x <= 0 ? 0 : -expm1(-pow(x / d->b, d->a));
    case SIM_DIST_PARETO:      return x <= d->b ? 0 : 1 - pow(d->b / x, d->a);
    case SIM_DIST_LOGNORMAL:
        return x <= 0 ? 0 : d->b == 0 ? (x >= d->a ? 1 : 0)
                                      : gsl_cdf_ugaussian_P(log(x / d->a) / d->b);
    }
    g_assert_not_reached();
}

/* E[X^n] for n = 1, 2. */
static double moment(const SimDist *d, int n)
{
    switch (d->family) {
    case SIM_DIST_CONSTANT:
        return pow(d->a, n);
    case SIM_DIST_UNIFORM:
        if (d->b == d->a)
            return pow(d->a, n);
        return (pow(d->b, n + 1) - pow(d->a, n + 1)) / ((n + 1) * (d->b - d->a));
    case SIM_DIST_EXPONENTIAL:
        return n == 1 ? d->a : 2 * d->a * d->a;
    case SIM_DIST_WEIBULL:  /* lambda^n Gamma(1 + n/k); through lgamma, Gamma overflows early */
        return pow(d->b, n) * exp(gsl_sf_lngamma(1 + n / d->a));
    case SIM_DIST_PARETO:
        return d->a > n ? d->a * pow(d->b, n) / (d->a - n) : INFINITY;
    case SIM_DIST_LOGNORMAL:
        return pow(d->a, n) * exp(n * n * d->b * d->b / 2);
    }
    g_assert_not_reached();
}

double sim_dist_mean(const SimDist *d)
{
    return moment(d, 1);
}

double sim_dist_residual_mean(const SimDist *d)
{
    return moment(d, 2) / (2 * moment(d, 1));
}

double sim_dist_median(const SimDist *d)
{
    return sim_dist_quantile(d, 0.5);
}

char *sim_dist_to_string(const SimDist *d)
{
    switch (d->family) {
    case SIM_DIST_CONSTANT:    return g_strdup_printf("constant(%g)", d->a);
    case SIM_DIST_UNIFORM:     return g_strdup_printf("uniform(min %g, max %g)", d->a, d->b);
    case SIM_DIST_EXPONENTIAL: return g_strdup_printf("exponential(mean %g)", d->a);
    case SIM_DIST_WEIBULL:     return g_strdup_printf("weibull(shape %g, scale %g)", d->a, d->b);
    case SIM_DIST_PARETO:      return g_strdup_printf("pareto(shape %g, scale %g)", d->a, d->b);
    case SIM_DIST_LOGNORMAL:   return g_strdup_printf("lognormal(median %g, sigma %g)", d->a, d->b);
    }
    g_assert_not_reached();
}

/* ---- from a scenario ------------------------------------------------------------------ */

static double get_s(const SimConfig *cfg, const char *section, const char *name, const char *param)
{
    g_autofree char *key = g_strconcat(name, "_", param, NULL);
    return sim_time_to_s(sim_config_get_duration(cfg, section, key));
}

static double get_double(const SimConfig *cfg, const char *section, const char *name,
                         const char *param)
{
    g_autofree char *key = g_strconcat(name, "_", param, NULL);
    return sim_config_get_double(cfg, section, key);
}

SimDist sim_dist_from_config(const SimConfig *cfg, const char *section, const char *name,
                             const SimDistPreset *presets, gsize n_presets)
{
    const char *family = sim_config_get_string(cfg, section, name);
    for (gsize i = 0; i < n_presets; i++)
        if (strcmp(family, presets[i].name) == 0)
            return presets[i].dist;
    if (strcmp(family, "exponential") == 0)
        return sim_dist_exponential(get_s(cfg, section, name, "mean"));
    if (strcmp(family, "weibull") == 0)
        return sim_dist_weibull(get_double(cfg, section, name, "shape"),
                                get_s(cfg, section, name, "scale"));
    if (strcmp(family, "pareto") == 0)
        return sim_dist_pareto(get_double(cfg, section, name, "shape"),
                               get_s(cfg, section, name, "scale"));
    if (strcmp(family, "lognormal") == 0)
        return sim_dist_lognormal(get_s(cfg, section, name, "median"),
                                  get_double(cfg, section, name, "sigma"));
    g_error("[%s] %s: '%s' is neither a family nor a preset", section, name, family);
}
