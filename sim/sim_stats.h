/* sim_stats — the statistics of a results folder: sample quantiles and 95% confidence
 * intervals, on top of GSL.
 *
 * Quantiles are GSL's (gsl_stats_*_quantile_from_sorted_data: linear interpolation between
 * order statistics, R's type 7). The intervals:
 *   - a mean: Student's t, mean ± t(0.975, n-1) · s / √n (gsl_cdf_tdist_Pinv);
 *   - a proportion: Wilson's score interval, which unlike the normal ("Wald") interval stays
 *     inside [0, 1] and keeps its coverage near 0 and 1, where success rates live;
 *   - a quantile: the distribution-free interval between two order statistics whose ranks come
 *     from the normal approximation to the binomial, n·p ± z·√(n·p·(1-p)) (Conover 1999).
 * An interval that cannot be computed (too few samples) is reported as NaN, written as an
 * empty field. These intervals treat the samples as independent; operations of one run share a
 * network and are not, so replicate runs with different seeds for intervals you publish. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* A value with its 95% confidence interval; low and high are NaN when they do not apply. */
typedef struct {
    double value, low, high;
} SimEstimate;

/* z for a two-sided 95% interval (1.959963...). */
double sim_stats_z95(void);

/* Mean of n samples with Student's t interval (needs n >= 2 for the interval). */
SimEstimate sim_stats_mean_ci(double mean, double sd, uint64_t n);

/* Proportion successes / n with Wilson's score interval; value NaN when n == 0. */
SimEstimate sim_stats_proportion_ci(uint64_t successes, uint64_t n);

/* Quantile p of n sorted floats (type 7) with the order-statistic interval. NaN when n == 0. */
SimEstimate sim_stats_float_quantile_ci(const float *sorted, size_t n, double p);
/* The same for sorted unsigned shorts (hop counts). */
SimEstimate sim_stats_ushort_quantile_ci(const unsigned short *sorted, size_t n, double p);

/* Running mean and variance (Welford), for quantities that need no quantiles, so that no
 * sample array is kept for them. */
typedef struct {
    uint64_t n;
    double mean, m2;
} SimMoments;

void sim_moments_add(SimMoments *m, double x);
double sim_moments_sd(const SimMoments *m);  /* sample standard deviation; NaN when n < 2 */
SimEstimate sim_moments_mean_ci(const SimMoments *m);
