/* tests/unit/test_bench_ab.c - snnbench ab: the order of the runs (A B, B A, ... per
 * cell), the Mann-Whitney U statistic and two-sided p value, the confidence interval
 * of the ratio B/A, and the verdicts and --fail-above.
 *
 * The reference values come from a brute-force enumeration with /usr/bin/python3 (no
 * scipy): every split of the pooled sample into groups of sizes m and n, counted:
 *
 *   import itertools, math
 *   def u_stat(x, y):  # pairs with x > y, ties 1/2
 *       return sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in x for b in y)
 *   def exact_p(x, y):
 *       pool = list(x) + list(y); m = len(x); N = len(pool); u0 = u_stat(x, y)
 *       lo = hi = tot = 0
 *       for idx in itertools.combinations(range(N), m):
 *           xs = [pool[i] for i in idx]; ys = [pool[i] for i in range(N) if i not in idx]
 *           u = u_stat(xs, ys); tot += 1; lo += u <= u0; hi += u >= u0
 *       return u0, lo, hi, tot, min(1, 2 * min(lo, hi) / tot)
 *   def ratio_ci(x, y, conf=0.95):  # Mann-Whitney inverted on log times
 *       m, n = len(x), len(y)
 *       d = sorted(math.log(b) - math.log(a) for a in x for b in y)
 *       cdf = lambda u: (number of splits of 0..m+n-1 with U <= u) / C(m+n, m)
 *       k = largest k >= 1 with cdf(k - 1) <= (1 - conf) / 2 (else 1)
 *       return k, math.exp(d[k-1]), math.exp(d[m*n-k]), 1 - 2 * cdf(k - 1)
 *
 * Ties: snnbench uses the normal approximation with the tie correction and a continuity
 * correction there; its reference is that formula evaluated in numpy (np.unique for the
 * tie groups), with the exact permutation p next to it for comparison. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ab.h"
#include "stats.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void expect_slots(const AbSlot *s, size_t n, const char *want)
{
    /* want: "0A 0B 1A 1B | 0B 0A ..." cell and side per slot, '|' between pairs */
    size_t k = 0;
    int pair = 0;
    for (const char *p = want; *p; p++) {
        if (*p == ' ')
            continue;
        if (*p == '|') {
            pair++;
            continue;
        }
        assert_true(k < n);
        assert_int_equal(s[k].pair, pair);
        assert_int_equal(s[k].cell, p[0] - '0');
        assert_int_equal(s[k].side, p[1]);
        k++;
        p++;
    }
    assert_int_equal(k, n);
}

static void test_schedule(void **state)
{
    (void)state;
    AbSlot s[64];
    /* abba: the first pair A then B, the next B then A, per cell */
    assert_int_equal(ab_schedule(2, 3, AB_ORDER_ABBA, s), 12);
    expect_slots(s, 12, "0A 0B 1A 1B | 0B 0A 1B 1A | 0A 0B 1A 1B");
    assert_int_equal(ab_schedule(2, 3, AB_ORDER_ABAB, s), 12);
    expect_slots(s, 12, "0A 0B 1A 1B | 0A 0B 1A 1B | 0A 0B 1A 1B");
    assert_int_equal(ab_schedule(1, 1, AB_ORDER_ABBA, s), 2);
    expect_slots(s, 2, "0A 0B");
    assert_int_equal(ab_schedule(3, 0, AB_ORDER_ABBA, s), 0);

    /* with an even number of pairs abba puts A and B on the same mean position per
     * cell, so a load that grows linearly over the session adds the same to both; abab
     * leaves B one run later every time */
    for (int order = 0; order < 2; order++) {
        size_t n = ab_schedule(3, 4, order ? AB_ORDER_ABAB : AB_ORDER_ABBA, s);
        assert_int_equal(n, 24);
        for (int c = 0; c < 3; c++) {
            long pos[2] = {0, 0};
            int cnt[2] = {0, 0};
            for (size_t k = 0; k < n; k++)
                if (s[k].cell == c) {
                    pos[s[k].side == 'B'] += (long)k;
                    cnt[s[k].side == 'B']++;
                }
            assert_int_equal(cnt[0], 4);
            assert_int_equal(cnt[1], 4);
            if (order == 0)
                assert_int_equal(pos[0], pos[1]);
            else
                assert_int_equal(pos[1] - pos[0], 4);
        }
    }
    AbOrder o;
    assert_int_equal(ab_order_parse("abab", &o), 0);
    assert_int_equal(o, AB_ORDER_ABAB);
    assert_int_equal(ab_order_parse("abba", &o), 0);
    assert_int_equal(o, AB_ORDER_ABBA);
    assert_int_equal(ab_order_parse("ABBA", &o), -1);
}

/* exact_p([0.91, 0.87, 1.02, 0.95, 0.99, 0.93], [1.05, 0.97, 1.08, 1.01, 1.10]):
 * U = 3, 7 of the 462 splits have U <= 3, p = 14/462 = 0.030303...
 * ratio_ci: k = 4, [1.0202020202020203, 1.206896551724138], coverage 1 - 14/462 */
static void test_mw_exact_reference(void **state)
{
    (void)state;
    double a[] = {0.91, 0.87, 1.02, 0.95, 0.99, 0.93}, b[] = {1.05, 0.97, 1.08, 1.01, 1.10};
    MWResult r = mann_whitney(a, 6, b, 5);
    assert_int_equal(r.exact, 1);
    NEAR(r.u, 3, 0);
    NEAR(r.p, 14.0 / 462.0, 1e-12);
    r = mann_whitney(b, 5, a, 6); /* the other way round: U = 27, the same p */
    NEAR(r.u, 27, 0);
    NEAR(r.p, 14.0 / 462.0, 1e-12);
    double lo, hi;
    NEAR(ratio_ci(a, 6, b, 5, 0.95, &lo, &hi), 1.0 - 14.0 / 462.0, 1e-12);
    NEAR(lo, 1.0202020202020203, 1e-12);
    NEAR(hi, 1.206896551724138, 1e-12);
    /* and the reciprocal interval for A/B */
    ratio_ci(b, 5, a, 6, 0.95, &lo, &hi);
    NEAR(lo, 1.0 / 1.206896551724138, 1e-12);
    NEAR(hi, 1.0 / 1.0202020202020203, 1e-12);

    /* five pairs: x5 = [1.00, 1.02, 0.98, 1.05, 1.01], y5 = [1.06, 1.04, 1.09, 1.03, 1.07]:
     * U = 2, 4 of 252 splits have U <= 2, p = 8/252; ratio_ci: k = 3,
     * [1.0095238095238095, 1.09], coverage 1 - 8/252 */
    double x5[] = {1.00, 1.02, 0.98, 1.05, 1.01}, y5[] = {1.06, 1.04, 1.09, 1.03, 1.07};
    r = mann_whitney(x5, 5, y5, 5);
    NEAR(r.u, 2, 0);
    NEAR(r.p, 8.0 / 252.0, 1e-12);
    NEAR(ratio_ci(x5, 5, y5, 5, 0.95, &lo, &hi), 1.0 - 8.0 / 252.0, 1e-12);
    NEAR(lo, 1.0095238095238095, 1e-12);
    NEAR(hi, 1.09, 1e-12);
}

/* Small samples: [1, 2, 3, 4] against [2.5, 3.5, 5, 9]: U = 3, p = 14/70 = 0.2; the
 * interval is [min, max] of the ratios, [0.625, 9], and reaches 95 % (1 - 2/70); with
 * three a side, [1, 2, 3] against [2.5, 3.5, 5] [min, max] covers only 1 - 2/20 = 90 % (ratio_ci: k = 1, 0.9). */
static void test_ratio_ci_small(void **state)
{
    (void)state;
    double lo, hi;
    double x4[] = {1, 2, 3, 4}, y4[] = {2.5, 3.5, 5, 9};
    MWResult r = mann_whitney(x4, 4, y4, 4);
    NEAR(r.u, 3, 0);
    NEAR(r.p, 0.2, 1e-12);
    NEAR(ratio_ci(x4, 4, y4, 4, 0.95, &lo, &hi), 1.0 - 2.0 / 70.0, 1e-12);
    NEAR(lo, 0.625, 1e-12);
    NEAR(hi, 9.0, 1e-12);
    double x3[] = {1, 2, 3}, y3[] = {2.5, 3.5, 5};
    NEAR(ratio_ci(x3, 3, y3, 3, 0.95, &lo, &hi), 0.9, 1e-12);
    NEAR(lo, 2.5 / 3.0, 1e-12);
    NEAR(hi, 5.0, 1e-12);
    /* no interval without positive values */
    double z[] = {0, 1};
    assert_true(isnan(ratio_ci(z, 2, y3, 3, 0.95, &lo, &hi)) && isnan(lo) && isnan(hi));
    assert_true(isnan(ratio_ci(x3, 0, y3, 3, 0.95, &lo, &hi)));
    /* identical samples: the interval is [1, 1] */
    double s[] = {2, 2, 2, 2, 2};
    NEAR(ratio_ci(s, 5, s, 5, 0.95, &lo, &hi), 1.0, 0);
    NEAR(lo, 1, 1e-15);
    NEAR(hi, 1, 1e-15);
}

/* Ties: a = [1.0, 1.1, 1.1, 1.2, 1.3], b = [1.1, 1.2, 1.2, 1.4, 1.5]: U = 6, tie groups
 * of 3 (1.1) and 3 (1.2): var = 25/12 (11 - 48/90) = 21.805555..., z = (12.5 - 6 -
 * 0.5)/sqrt(var), p = erfc(z / sqrt 2) = 0.19882894401644238 (numpy); the exact
 * permutation p would be 27/252 * 2 = 0.2142857. */
static void test_mw_ties_reference(void **state)
{
    (void)state;
    double a[] = {1.0, 1.1, 1.1, 1.2, 1.3}, b[] = {1.1, 1.2, 1.2, 1.4, 1.5};
    MWResult r = mann_whitney(a, 5, b, 5);
    assert_int_equal(r.exact, 0);
    NEAR(r.u, 6, 0);
    NEAR(r.p, 0.19882894401644238, 1e-12);
}

static void test_verdicts(void **state)
{
    (void)state;
    AbStat st;
    double a[] = {0.91, 0.87, 1.02, 0.95, 0.99, 0.93}, b[] = {1.05, 0.97, 1.08, 1.01, 1.10};
    ab_stat(a, 6, b, 5, 0.05, &st);
    assert_int_equal(st.verdict, AB_SLOWER);
    assert_string_equal(ab_verdict_name(st.verdict), "slower");
    NEAR(st.med_a, 0.94, 1e-12);
    NEAR(st.med_b, 1.05, 1e-12);
    NEAR(st.ratio, 1.05 / 0.94, 1e-12);
    NEAR(st.mw.p, 14.0 / 462.0, 1e-12);
    NEAR(st.lo, 1.0202020202020203, 1e-12);
    assert_true(ab_fails(&st, 1.03));
    assert_false(ab_fails(&st, 1.20)); /* 11.7 % slower, not 20 % */
    /* at alpha = 0.01 the same samples are no difference */
    ab_stat(a, 6, b, 5, 0.01, &st);
    assert_int_equal(st.verdict, AB_SAME);
    assert_false(ab_fails(&st, 1.03));
    /* the other way round: faster */
    ab_stat(b, 5, a, 6, 0.05, &st);
    assert_int_equal(st.verdict, AB_FASTER);
    assert_false(ab_fails(&st, 0.5));
    /* A/A: identical samples, p = 1, no difference */
    ab_stat(a, 6, a, 6, 0.05, &st);
    assert_int_equal(st.verdict, AB_SAME);
    assert_string_equal(ab_verdict_name(st.verdict), "no difference");
    NEAR(st.mw.p, 1.0, 0);
    NEAR(st.ratio, 1.0, 0);
    /* two runs a side can never reach p < 0.05 (the smallest p is 2/6) */
    double a2[] = {1, 2}, b2[] = {10, 20};
    ab_stat(a2, 2, b2, 2, 0.05, &st);
    NEAR(st.mw.p, 1.0 / 3.0, 1e-12);
    assert_int_equal(st.verdict, AB_SAME);
    /* no runs on a side */
    ab_stat(a, 6, b, 0, 0.05, &st);
    assert_int_equal(st.verdict, AB_NA);
    assert_string_equal(ab_verdict_name(st.verdict), "n/a");
    assert_true(isnan(st.ratio) && isnan(st.lo) && isnan(st.mw.p));
    assert_false(ab_fails(&st, 1.0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_mw_exact_reference),
        cmocka_unit_test(test_ratio_ci_small),
        cmocka_unit_test(test_mw_ties_reference),
        cmocka_unit_test(test_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
