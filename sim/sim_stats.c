#include "sim_stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_float.h>
#include <gsl/gsl_statistics_ushort.h>
#include <math.h>

/* Two-sided 95%: the 0.975 quantile. */
#define CI_UPPER_P 0.975

double sim_stats_z95(void)
{
    return gsl_cdf_ugaussian_Pinv(CI_UPPER_P);
}

SimEstimate sim_stats_mean_ci(double mean, double sd, uint64_t n)
{
    SimEstimate e = { n ? mean : NAN, NAN, NAN };
    if (n < 2 || !isfinite(sd))
        return e;
    double half = gsl_cdf_tdist_Pinv(CI_UPPER_P, (double) (n - 1)) * sd / sqrt((double) n);
    e.low = mean - half;
    e.high = mean + half;
    return e;
}

SimEstimate sim_stats_proportion_ci(uint64_t successes, uint64_t n)
{
    SimEstimate e = { NAN, NAN, NAN };
    if (n == 0)
        return e;
    double z = sim_stats_z95(), nn = (double) n, p = (double) successes / nn;
    double denom = 1 + z * z / nn;
    double centre = (p + z * z / (2 * nn)) / denom;
    double half = z / denom * sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn));
    e.value = p;
    /* exact at the edges, where rounding would give 1e-19 instead of 0 */
    e.low = successes == 0 ? 0.0 : MAX(0.0, centre - half);
    e.high = successes == n ? 1.0 : MIN(1.0, centre + half);
    return e;
}

/* 1-based ranks of the order statistics that bound quantile p of n samples with 95%
 * confidence; FALSE when n is too small for them to exist. */
static gboolean quantile_ranks(size_t n, double p, size_t *lo, size_t *hi)
{
    double np = (double) n * p, spread = sim_stats_z95() * sqrt(np * (1 - p));
    double l = floor(np - spread), u = ceil(np + spread);
    if (l < 1 || u > (double) n)
        return FALSE;
    *lo = (size_t) l;
    *hi = (size_t) u;
    return TRUE;
}

/* The interval of a quantile whose value GSL computed: order statistics of `sorted`. */
static SimEstimate quantile_ci(double value, size_t n, double p, double (*at)(const void *, size_t),
                               const void *sorted)
{
    SimEstimate e = { value, NAN, NAN };
    size_t lo, hi;
    if (quantile_ranks(n, p, &lo, &hi)) {
        e.low = at(sorted, lo - 1);
        e.high = at(sorted, hi - 1);
    }
    return e;
}

static double float_at(const void *v, size_t i) { return ((const float *) v)[i]; }
static double ushort_at(const void *v, size_t i) { return ((const unsigned short *) v)[i]; }

SimEstimate sim_stats_float_quantile_ci(const float *sorted, size_t n, double p)
{
    if (n == 0)
        return (SimEstimate) { NAN, NAN, NAN };
    return quantile_ci(gsl_stats_float_quantile_from_sorted_data(sorted, 1, n, p), n, p,
                       float_at, sorted);
}

SimEstimate sim_stats_ushort_quantile_ci(const unsigned short *sorted, size_t n, double p)
{
    if (n == 0)
        return (SimEstimate) { NAN, NAN, NAN };
    return quantile_ci(gsl_stats_ushort_quantile_from_sorted_data(sorted, 1, n, p), n, p,
                       ushort_at, sorted);
}

void sim_moments_add(SimMoments *m, double x)
{
    m->n++;
    double d = x - m->mean;
    m->mean += d / (double) m->n;
    m->m2 += d * (x - m->mean);
}

double sim_moments_sd(const SimMoments *m)
{
    return m->n < 2 ? NAN : sqrt(m->m2 / (double) (m->n - 1));
}

SimEstimate sim_moments_mean_ci(const SimMoments *m)
{
    return sim_stats_mean_ci(m->mean, sim_moments_sd(m), m->n);
}
