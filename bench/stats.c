/* bench/stats.c - medians, geometric means and the Mann-Whitney U test (see stats.h). */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median(const double *x, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

double geomean(const double *x, size_t n)
{
    double sum = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > 0 && isfinite(x[i])) {
            sum += log(x[i]);
            k++;
        }
    return k ? exp(sum / (double)k) : NAN;
}

/* U counts pairs (x_i, y_j) with x_i > y_j (ties count 1/2). */
static double u_stat(const double *x, size_t m, const double *y, size_t n)
{
    double u = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            u += x[i] > y[j] ? 1.0 : x[i] == y[j] ? 0.5 : 0.0;
    return u;
}

/* Number of arrangements with statistic u, c(i, j, u) = c(i-1, j, u-j) + c(i, j-1, u),
 * built row by row over i; returns P(U <= u). */
double mw_exact_cdf(int m, int n, int u)
{
    if (u < 0)
        return 0.0;
    int umax = m * n;
    if (u >= umax)
        return 1.0;
    size_t w = (size_t)umax + 1;
    double *prev = calloc((size_t)(n + 1) * w, sizeof *prev);
    double *cur = calloc((size_t)(n + 1) * w, sizeof *cur);
    if (!prev || !cur) {
        free(prev);
        free(cur);
        return NAN;
    }
    for (int j = 0; j <= n; j++)
        prev[(size_t)j * w] = 1.0; /* i = 0: one arrangement, U = 0 */
    for (int i = 1; i <= m; i++) {
        memset(cur, 0, (size_t)(n + 1) * w * sizeof *cur);
        cur[0] = 1.0; /* j = 0 */
        for (int j = 1; j <= n; j++)
            for (int k = 0; k <= i * j; k++) {
                double a = k >= j ? prev[(size_t)j * w + (size_t)(k - j)] : 0.0;
                double b = cur[(size_t)(j - 1) * w + (size_t)k];
                cur[(size_t)j * w + (size_t)k] = a + b;
            }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    double total = 0, below = 0;
    for (int k = 0; k <= umax; k++) {
        double c = prev[(size_t)n * w + (size_t)k];
        total += c;
        if (k <= u)
            below += c;
    }
    free(prev);
    free(cur);
    return below / total;
}

/* Sum of t^3 - t over the groups of equal values in the pooled samples (0: no ties);
 * -1 when out of memory. */
static double tie_sum(const double *x, size_t m, const double *y, size_t n)
{
    size_t N = m + n;
    double *all = malloc(N * sizeof *all);
    if (!all)
        return -1;
    memcpy(all, x, m * sizeof *all);
    memcpy(all + m, y, n * sizeof *all);
    qsort(all, N, sizeof *all, cmp_double);
    double tie = 0;
    for (size_t i = 0; i < N;) {
        size_t k = i;
        while (k < N && all[k] == all[i])
            k++;
        double t = (double)(k - i);
        tie += t * t * t - t;
        i = k;
    }
    free(all);
    return tie;
}

/* Variance of U under H0 with the tie correction. */
static double u_variance(size_t m, size_t n, double tie)
{
    double dm = (double)m, dn = (double)n, dN = dm + dn;
    return dm * dn / 12.0 * ((dN + 1.0) - tie / (dN * (dN - 1.0)));
}

double mw_normal_p(const double *x, size_t m, const double *y, size_t n, double *u_out)
{
    double tie = tie_sum(x, m, y, n);
    if (tie < 0)
        return NAN;
    double u = u_stat(x, m, y, n);
    if (u_out)
        *u_out = u;
    double mu = (double)m * (double)n / 2.0;
    double var = u_variance(m, n, tie);
    if (var <= 0)
        return 1.0;
    double z = (fabs(u - mu) - 0.5) / sqrt(var);
    if (z < 0)
        z = 0;
    double p = erfc(z / sqrt(2.0));
    return p > 1.0 ? 1.0 : p;
}

MWResult mann_whitney(const double *x, size_t m, const double *y, size_t n)
{
    MWResult r = {0, 1.0, 0};
    if (m == 0 || n == 0)
        return r;
    r.u = u_stat(x, m, y, n);
    int ties = 0;
    for (size_t i = 0; i < m && !ties; i++)
        for (size_t j = 0; j < n; j++)
            if (x[i] == y[j])
                ties = 1;
    for (size_t i = 0; i < m && !ties; i++)
        for (size_t k = i + 1; k < m; k++)
            if (x[i] == x[k])
                ties = 1;
    for (size_t i = 0; i < n && !ties; i++)
        for (size_t k = i + 1; k < n; k++)
            if (y[i] == y[k])
                ties = 1;
    if (!ties && m <= 25 && n <= 25) {
        int um = (int)r.u, mn = (int)(m * n);
        double lo = mw_exact_cdf((int)m, (int)n, um);
        double hi = 1.0 - mw_exact_cdf((int)m, (int)n, um - 1); /* P(U >= u) */
        double p = 2.0 * (lo < hi ? lo : hi);
        (void)mn;
        r.p = p > 1.0 ? 1.0 : p;
        r.exact = 1;
    } else {
        r.p = mw_normal_p(x, m, y, n, NULL);
    }
    return r;
}

double median_ci(const double *x, size_t n, double conf, double *lo, double *hi)
{
    *lo = *hi = NAN;
    if (n == 0)
        return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    /* coverage(k) = 1 - 2 P(B <= k-1) falls with k; the binomial terms in logs keep
     * large n finite */
    size_t best = 1;
    double cdf = 0, cover = NAN;
    for (size_t k = 1; 2 * k <= n + 1; k++) {
        double j = (double)(k - 1);
        cdf += exp(lgamma((double)n + 1) - lgamma(j + 1) - lgamma((double)n - j + 1) - (double)n * log(2.0));
        double c = 1.0 - 2.0 * cdf;
        if (k == 1 || c >= conf) {
            best = k;
            cover = c;
        }
        if (c < conf)
            break;
    }
    *lo = s[best - 1];
    *hi = s[n - best];
    free(s);
    return cover < 0 ? 0 : cover;
}

double ratio_ci(const double *x, size_t m, const double *y, size_t n, double conf, double *lo,
                double *hi)
{
    *lo = *hi = NAN;
    if (m == 0 || n == 0)
        return NAN;
    for (size_t i = 0; i < m; i++)
        if (!(x[i] > 0) || !isfinite(x[i]))
            return NAN;
    for (size_t j = 0; j < n; j++)
        if (!(y[j] > 0) || !isfinite(y[j]))
            return NAN;
    size_t mn = m * n;
    double *d = malloc(mn * sizeof *d);
    if (!d)
        return NAN;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            d[i * n + j] = log(y[j]) - log(x[i]);
    qsort(d, mn, sizeof *d, cmp_double);
    /* the null distribution of U: exact (no ties, small samples) or normal with the
     * tie correction and a continuity correction, as mann_whitney decides */
    double tie = tie_sum(x, m, y, n);
    int exact = m <= 25 && n <= 25 && tie == 0;
    double var = u_variance(m, n, tie < 0 ? 0 : tie);
    double sd = var > 0 ? sqrt(var) : 0;
    double half = (1.0 - conf) / 2.0, cover = NAN;
    size_t best = 1;
    for (size_t k = 1; 2 * k <= mn + 1; k++) {
        double p; /* P(U <= k-1) */
        if (exact)
            p = mw_exact_cdf((int)m, (int)n, (int)k - 1);
        else if (sd > 0)
            p = 0.5 * erfc(-(((double)k - 1.0 + 0.5 - (double)mn / 2.0) / sd) / sqrt(2.0));
        else
            p = 1.0;
        double c = 1.0 - 2.0 * p;
        if (k == 1 || p <= half) {
            best = k;
            cover = c;
        }
        if (p > half)
            break;
    }
    *lo = exp(d[best - 1]);
    *hi = exp(d[mn - best]);
    free(d);
    double dN = (double)(m + n);
    if (tie >= dN * dN * dN - dN)
        return 1.0; /* every value the same: the ratio is 1, exactly */
    return cover < 0 ? 0 : cover;
}
