/* sim_dist — the distributions of durations and delays that the world models draw from.
 *
 * A SimDist is a small value (a family and two parameters, no allocation): copy it freely. It
 * samples through any gsl_rng (our streams via sim_rng_gsl_view()), and knows its analytic
 * mean, median, CDF and quantile, so tests and a later Kolmogorov–Smirnov validation can check
 * samples against theory directly. The unit is the caller's: churn and latency use seconds.
 *
 * sim_dist_sample_residual() draws the *equilibrium residual* of a renewal process (the time
 * left in the period running at a random instant, density (1 - F(x)) / mean): a session drawn
 * from it makes a host look as if it had been up since long before the run began. Each family's
 * length-biased law has a closed form, so this costs two draws, not a numerical inversion. */
#pragma once

#include <glib.h>
#include <gsl/gsl_rng.h>

#include "sim_config.h"

typedef enum {
    SIM_DIST_CONSTANT,     /* a = the value */
    SIM_DIST_UNIFORM,      /* a = min, b = max */
    SIM_DIST_EXPONENTIAL,  /* a = mean */
    SIM_DIST_WEIBULL,      /* a = shape k, b = scale lambda: F(x) = 1 - exp(-(x/lambda)^k) */
    SIM_DIST_PARETO,       /* a = shape alpha, b = scale x_m (the minimum): F = 1 - (x_m/x)^alpha */
    SIM_DIST_LOGNORMAL,    /* a = median exp(mu), b = sigma of ln x */
} SimDistFamily;

typedef struct {
    SimDistFamily family;
    double a, b;
} SimDist;

SimDist sim_dist_constant(double value);
SimDist sim_dist_uniform(double min, double max);
SimDist sim_dist_exponential(double mean);
SimDist sim_dist_weibull(double shape, double scale);
SimDist sim_dist_pareto(double shape, double scale);
SimDist sim_dist_lognormal(double median, double sigma);

/* One draw. */
double sim_dist_sample(const SimDist *d, const gsl_rng *rng);
/* One draw of the equilibrium residual; needs a finite mean (sim_dist_has_residual()). */
double sim_dist_sample_residual(const SimDist *d, const gsl_rng *rng);
gboolean sim_dist_has_residual(const SimDist *d);

/* Inverse CDF at u in (0, 1): a draw from a uniform you already have (e.g. a hash). */
double sim_dist_quantile(const SimDist *d, double u);
double sim_dist_cdf(const SimDist *d, double x);
/* Analytic mean (INFINITY when it does not exist: pareto with shape <= 1), median, and mean
 * of the equilibrium residual E[X^2] / (2 E[X]) (INFINITY when E[X^2] is infinite). */
double sim_dist_mean(const SimDist *d);
double sim_dist_median(const SimDist *d);
double sim_dist_residual_mean(const SimDist *d);

/* "weibull(shape 0.61511, scale 10172.3s)" — for listings and messages. Caller frees. */
char *sim_dist_to_string(const SimDist *d);

/* ---- from a scenario ------------------------------------------------------------------ */

/* A measured distribution with a name, offered as a value of the selector key. */
typedef struct {
    const char *name;    /* "kad" */
    SimDist     dist;    /* in seconds */
    const char *source;  /* the publication, for docs and --check */
} SimDistPreset;

#define SIM_DIST_FAMILIES "exponential|weibull|pareto|lognormal"
#define SIM_DIST_MIN_S 1e-9                    /* 1 ns */
#define SIM_DIST_MAX_S (100.0 * 365 * 86400)   /* 100 years */
#define SIM_DIST_SHAPE_MIN 0.05  /* below, weibull means overflow (Gamma(21) ~ 2e18) */
#define SIM_DIST_SHAPE_MAX 100.0
#define SIM_DIST_SIGMA_MAX 10.0

/* The parameter keys of a duration distribution selected by the CHOICE key `name` of
 * `section` (which the caller declares, with SIM_DIST_FAMILIES and any presets among its
 * choices). Each key applies only to the families that use it. Use inside a SimCfgKey table. */
#define SIM_DIST_PARAM_KEYS(section, name, what, d_mean, d_shape, d_scale, d_median, d_sigma) \
    { section, name "_mean", SIM_CFG_DURATION, d_mean, SIM_DIST_MIN_S, SIM_DIST_MAX_S, NULL,   \
      name "=exponential", "Mean " what " (exponential)" },                                   \
    { section, name "_shape", SIM_CFG_DOUBLE, d_shape, SIM_DIST_SHAPE_MIN, SIM_DIST_SHAPE_MAX, \
      NULL, name "=weibull|pareto", "Shape of the " what ": k (weibull; k < 1 is heavy-tailed)" \
      "\nor alpha (pareto; the mean is finite only for alpha > 1)" },                        \
    { section, name "_scale", SIM_CFG_DURATION, d_scale, SIM_DIST_MIN_S, SIM_DIST_MAX_S, NULL, \
      name "=weibull|pareto", "Scale of the " what ": lambda (weibull) or the minimum x_m "   \
      "(pareto)" },                                                                           \
    { section, name "_median", SIM_CFG_DURATION, d_median, SIM_DIST_MIN_S, SIM_DIST_MAX_S,     \
      NULL, name "=lognormal", "Median " what " exp(mu) (lognormal)" },                       \
    { section, name "_sigma", SIM_CFG_DOUBLE, d_sigma, 0, SIM_DIST_SIGMA_MAX, NULL,           \
      name "=lognormal", "Standard deviation sigma of ln(" what ") (lognormal)" }

/* The distribution (in seconds) that keys `name` and `name_*` of `section` describe: a family
 * with its parameters, or one of `presets` by name. The keys are already validated. */
SimDist sim_dist_from_config(const SimConfig *cfg, const char *section, const char *name,
                             const SimDistPreset *presets, gsize n_presets);
