/* bench/stats.h - statistics for snnbench compare: medians, geometric means and the
 * two-sided Mann-Whitney U test (exact without ties for small samples, else the normal
 * approximation with tie and continuity corrections). */
#ifndef SNNBENCH_STATS_H
#define SNNBENCH_STATS_H
#include <stddef.h>

typedef struct {
    double u;       /* U statistic of the first sample (count of x > y, ties 1/2) */
    double p;       /* two-sided p-value */
    int exact;      /* 1: exact distribution, 0: normal approximation */
} MWResult;

double median(const double *x, size_t n);          /* NAN for n = 0 */
double geomean(const double *x, size_t n);         /* over the positive finite values */
/* P(U <= u) under H0 for sample sizes m and n without ties (u integral). */
double mw_exact_cdf(int m, int n, int u);
/* Normal approximation, tie-corrected, with continuity correction; p two-sided. */
double mw_normal_p(const double *x, size_t m, const double *y, size_t n, double *u_out);
MWResult mann_whitney(const double *x, size_t m, const double *y, size_t n);

/* Distribution-free confidence interval for the median from order statistics: with the
 * sample sorted, [x_(k), x_(n+1-k)] (1-based) covers the population median with
 * probability 1 - 2 P(B <= k-1), B ~ Binomial(n, 1/2), whatever the distribution.  k is
 * the largest with coverage >= conf; when even [min, max] falls short (n < 6 for 95 %)
 * that range is returned with its smaller coverage.  Returns the coverage (NAN for
 * n = 0: lo and hi NAN too). */
double median_ci(const double *x, size_t n, double conf, double *lo, double *hi);

/* Distribution-free confidence interval for the ratio y/x of two samples of positive
 * values (times), the Mann-Whitney test inverted on their logarithms: with the m n
 * differences log y_j - log x_i sorted, [D_(k), D_(mn+1-k)] (1-based, exponentiated)
 * covers the ratio by which y is x scaled with probability 1 - 2 P(U <= k-1) (exact
 * distribution without ties for samples up to 25, else the normal approximation); k
 * is the largest with coverage >= conf.  The interval excludes 1 exactly when the
 * exact two-sided test gives p <= 1 - conf.  When even [min, max] falls short
 * (m = n = 3 for 95 %) that range is returned with its smaller coverage.  Returns the
 * coverage (1 when all values are equal: [1, 1]); NAN (lo, hi NAN) for an empty sample
 * or a value <= 0. */
double ratio_ci(const double *x, size_t m, const double *y, size_t n, double conf, double *lo,
                double *hi);

#endif
