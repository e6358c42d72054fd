/* tests/unit/test_bench_stats.c - snnbench's statistics: medians, geometric means, the
 * Mann-Whitney U test against hand-computed exact distributions and normal
 * approximations, compare's verdicts, and the JSON reader/writer. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compare.h"
#include "json.h"
#include "stats.h"
#include "store.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void test_median_geomean(void **state)
{
    (void)state;
    double a[] = {3, 1, 2}, b[] = {4, 1, 3, 2}, g[] = {2, 8}, h[] = {1, 4, 0, -1};
    NEAR(median(a, 3), 2.0, 0);
    NEAR(median(b, 4), 2.5, 0);
    assert_true(isnan(median(a, 0)));
    NEAR(geomean(g, 2), 4.0, 1e-12);
    NEAR(geomean(h, 4), 2.0, 1e-12); /* non-positive values are left out */
}

/* Order-statistic intervals for the median: coverage 1 - 2 P(B <= k-1), B ~ Bin(n, 1/2),
 * computed by hand: n = 10 gives k = 2 (1 - 2 * 11/1024), n = 20 gives k = 6
 * (P(B <= 5) = 21700 / 2^20); n = 5 cannot reach 95 % (min..max covers 1 - 2/32). */
static void test_median_ci(void **state)
{
    (void)state;
    double x[20], lo, hi;
    for (int i = 0; i < 20; i++)
        x[i] = (double)((i * 7) % 20 + 1); /* 1..20, shuffled */
    NEAR(median_ci(x, 20, 0.95, &lo, &hi), 1.0 - 2.0 * 21700.0 / 1048576.0, 1e-12);
    NEAR(lo, 6, 0);
    NEAR(hi, 15, 0);
    double y[10] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    NEAR(median_ci(y, 10, 0.95, &lo, &hi), 1.0 - 22.0 / 1024.0, 1e-12);
    NEAR(lo, 2, 0);
    NEAR(hi, 9, 0);
    NEAR(median_ci(y, 10, 0.80, &lo, &hi), 1.0 - 2.0 * 56.0 / 1024.0, 1e-12); /* k = 3 */
    NEAR(lo, 3, 0);
    NEAR(hi, 8, 0);
    double z[5] = {3, 1, 5, 2, 4};
    NEAR(median_ci(z, 5, 0.95, &lo, &hi), 1.0 - 2.0 / 32.0, 1e-12);
    NEAR(lo, 1, 0);
    NEAR(hi, 5, 0);
    NEAR(median_ci(z, 1, 0.95, &lo, &hi), 0, 0);
    NEAR(lo, 3, 0);
    NEAR(hi, 3, 0);
    assert_true(isnan(median_ci(z, 0, 0.95, &lo, &hi)) && isnan(lo) && isnan(hi));
    double big[1001];
    for (int i = 0; i < 1001; i++)
        big[i] = i;
    double c = median_ci(big, 1001, 0.95, &lo, &hi);
    assert_true(c >= 0.95 && c < 0.96);
    NEAR(lo + hi, 1000, 0); /* symmetric around the median, about 1.96 sqrt(n)/2 away */
    assert_true(hi - 500 > 25 && hi - 500 < 37);
}

/* Exact null distribution: the number of arrangements with U = u is the number of
 * partitions of u into at most m parts of size at most n; C(m+n, m) in all. */
static void test_exact_cdf(void **state)
{
    (void)state;
    NEAR(mw_exact_cdf(3, 3, 0), 1.0 / 20, 1e-15);
    NEAR(mw_exact_cdf(3, 3, 1), 2.0 / 20, 1e-15);
    NEAR(mw_exact_cdf(3, 3, 2), 4.0 / 20, 1e-15);  /* u=2: {2}, {1,1} */
    NEAR(mw_exact_cdf(3, 3, 4), 10.0 / 20, 1e-15); /* symmetric around 4.5 */
    NEAR(mw_exact_cdf(3, 3, 9), 1.0, 0);
    NEAR(mw_exact_cdf(4, 5, 2), 4.0 / 126, 1e-15);
    NEAR(mw_exact_cdf(5, 5, 0), 1.0 / 252, 1e-15);
    NEAR(mw_exact_cdf(1, 1, 0), 0.5, 0);
}

static void test_exact_two_sided(void **state)
{
    (void)state;
    double x[] = {1, 2, 3}, y[] = {4, 5, 6};
    MWResult r = mann_whitney(x, 3, y, 3);
    assert_int_equal(r.exact, 1);
    NEAR(r.u, 0, 0);
    NEAR(r.p, 0.1, 1e-12);
    double x5[] = {1.1, 1.2, 1.3, 1.4, 1.5}, y5[] = {2.1, 2.2, 2.3, 2.4, 2.5};
    r = mann_whitney(x5, 5, y5, 5);
    NEAR(r.p, 2.0 / 252, 1e-12);
    r = mann_whitney(y5, 5, x5, 5); /* U = 25: the same two-sided p */
    NEAR(r.u, 25, 0);
    NEAR(r.p, 2.0 / 252, 1e-12);
    double a[] = {1, 2, 3, 6}, b[] = {4, 5, 7, 8, 9};
    r = mann_whitney(a, 4, b, 5);
    NEAR(r.u, 2, 0);
    NEAR(r.p, 8.0 / 126, 1e-12);
    /* interleaved samples: p = 1 */
    double c[] = {1, 4}, d[] = {2, 3};
    r = mann_whitney(c, 2, d, 2);
    NEAR(r.p, 1.0, 1e-12);
}

static void test_normal_approximation(void **state)
{
    (void)state;
    double x[10], y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = i + 1;
        y[i] = i + 11;
    }
    double u;
    /* U = 0, mu = 50, var = 10*10*21/12 = 175, z = 49.5/sqrt(175) */
    NEAR(mw_normal_p(x, 10, y, 10, &u), 0.0001826717911095504, 1e-12);
    NEAR(u, 0, 0);
    /* ties: x = 1 2 2 3, y = 2 3 3 4: U = 3, tie groups of 3 and 3:
     * var = 16/12 (9 - 48/56), z = (8 - 3 - 0.5)/sqrt(var) */
    double tx[] = {1, 2, 2, 3}, ty[] = {2, 3, 3, 4};
    MWResult r = mann_whitney(tx, 4, ty, 4);
    assert_int_equal(r.exact, 0);
    NEAR(r.u, 3, 0);
    NEAR(r.p, 0.17203370892182296, 1e-12);
    /* identical samples: no evidence at all */
    double s[] = {1, 1, 1, 1, 1};
    r = mann_whitney(s, 5, s, 5);
    NEAR(r.p, 1.0, 0);
}

static void test_verdicts(void **state)
{
    (void)state;
    CompareOpts o = {.threshold = 0.05, .metric = "timers.simulation_s", .alpha = 0.05, .min_n = 5};
    assert_int_equal(compare_verdict(4, 9, 2.0, 0.001, &o), V_INSUFFICIENT);
    assert_int_equal(compare_verdict(5, 5, 1.20, 0.008, &o), V_SLOWER);
    assert_int_equal(compare_verdict(5, 5, 0.80, 0.008, &o), V_FASTER);
    assert_int_equal(compare_verdict(5, 5, 1.03, 0.008, &o), V_INCONCLUSIVE); /* within 5 % */
    assert_int_equal(compare_verdict(5, 5, 1.50, 0.20, &o), V_INCONCLUSIVE);  /* not significant */
    assert_string_equal(verdict_name(V_SLOWER), "slower");
}

static Json *fake(const char *commit, double sim)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"schema\":1,\"kind\":\"snnbench-record\",\"status\":\"ok\",\"suite\":\"s\","
             "\"cell\":{\"id\":\"m-c-r1-t1\",\"model\":\"m\",\"file\":\"m.lua\",\"params\":{},"
             "\"backend\":\"c\",\"ranks\":1,\"threads\":1,\"time_ms\":100},\"rep\":1,"
             "\"timers\":{\"simulation_s\":%g,\"construction_s\":0.5},\"sanity\":{},\"memory\":{},"
             "\"meta\":{\"machine\":\"x\",\"commit\":\"%s\",\"date\":\"2025-01-01T00:00:00.000Z\","
             "\"hostname\":\"x\",\"os\":\"Linux\",\"cpu\":\"c\",\"cores\":2}}",
             sim, commit);
    char err[128];
    Json *j = json_parse(text, err, sizeof err);
    assert_non_null(j);
    assert_int_equal(record_validate(j, err, sizeof err), 0);
    return j;
}

static void test_compare_sets(void **state)
{
    (void)state;
    RecordSet rs = {0};
    for (int i = 0; i < 5; i++) {
        recordset_add(&rs, fake("aaaa1111", 1.00 + 0.01 * i), NULL);
        recordset_add(&rs, fake("bbbb2222", 1.30 + 0.01 * i), NULL);
    }
    Filter fa, fb;
    assert_int_equal(filter_parse("commit=aaaa", &fa), 0); /* commit prefix */
    assert_int_equal(filter_parse("commit=bbbb2222", &fb), 0);
    CompareOpts o = {.threshold = 0.05, .metric = "timers.simulation_s", .alpha = 0.05, .min_n = 5};
    CompareResult cr;
    compare_sets(&rs, &fa, 1, &fb, 1, &o, &cr);
    assert_int_equal(cr.ncells, 1);
    assert_int_equal(cr.n_slower, 1);
    NEAR(cr.cells[0].ratio, 1.32 / 1.02, 1e-12);
    NEAR(cr.cells[0].mw.p, 2.0 / 252, 1e-12);
    NEAR(cr.geo, 1.32 / 1.02, 1e-12);
    NEAR(cr.geo_cons, 1.0, 1e-12);
    compare_free(&cr);
    compare_sets(&rs, &fb, 1, &fa, 1, &o, &cr);
    assert_int_equal(cr.n_faster, 1);
    assert_int_equal(cr.n_slower, 0);
    compare_free(&cr);
    recordset_free(&rs);
}

static void test_json(void **state)
{
    (void)state;
    char err[128];
    Json *j = json_parse("{\"a\": [1, 2.5, \"x\\u00e9\\n\"], \"b\": {\"c\": true, \"d\": null}}", err, sizeof err);
    assert_non_null(j);
    assert_true(json_path(j, "a.1")->num == 2.5);
    assert_string_equal(json_path(j, "a.2")->str, "x\xc3\xa9\n");
    assert_int_equal(json_path(j, "b.c")->b, 1);
    assert_int_equal(json_path(j, "b.d")->type, J_NULL);
    assert_null(json_path(j, "b.e"));
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    json_write(m, j, -1);
    fclose(m);
    assert_string_equal(buf, "{\"a\": [1, 2.5, \"x\xc3\xa9\\n\"], \"b\": {\"c\": true, \"d\": null}}");
    free(buf);
    json_free(j);
    assert_null(json_parse("{\"a\": }", err, sizeof err));
    assert_string_equal(err, "line 1: unexpected character");
    assert_null(json_parse("[1, 2]\n x", err, sizeof err));
    assert_string_equal(err, "line 2: trailing characters");
    Json *n = json_num(0.1);
    char t[64];
    assert_string_equal(json_scalar_text(n, t, sizeof t), "0.1");
    json_free(n);
}

static void test_filters(void **state)
{
    (void)state;
    Json *r = fake("abcdef123456", 1.0);
    Filter f[4];
    assert_int_equal(filter_parse_list("machine=x,backend=c", f, 4), 2);
    assert_true(record_match(r, f, 2));
    assert_int_equal(filter_parse_list("cell=m-c-*", f, 4), 1);
    assert_true(record_match(r, f, 1));
    assert_int_equal(filter_parse_list("cell.ranks=1,timers.simulation_s=1", f, 4), 2);
    assert_true(record_match(r, f, 2));
    assert_int_equal(filter_parse_list("backend!=c", f, 4), 1);
    assert_false(record_match(r, f, 1));
    assert_int_equal(filter_parse_list("commit=abc", f, 4), 1); /* too short a prefix */
    assert_false(record_match(r, f, 1));
    assert_int_equal(filter_parse("nokey", f), -1);
    json_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_median_geomean),
        cmocka_unit_test(test_median_ci),
        cmocka_unit_test(test_exact_cdf),
        cmocka_unit_test(test_exact_two_sided),
        cmocka_unit_test(test_normal_approximation),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_compare_sets),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
