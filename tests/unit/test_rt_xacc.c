/*
 * test_rt_xacc.c - exact sums (runtime/snn_xacc.h): correctly rounded results of sums
 * whose floating-point sum would lose bits, ties to even, signs, non-finite terms, float
 * precision, and the same bits for any split and order of the terms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "snnrt.h"

#define DL SNN_XACC_D_LIMBS
#define DB SNN_XACC_D_BASE
#define FL SNN_XACC_F_LIMBS
#define FB SNN_XACC_F_BASE

static double dsum(const double *x, int n)
{
    int64_t a[SNN_XACC_WORDS(DL)] = {0};
    for (int i = 0; i < n; i++)
        snn_xacc_add(a, DL, DB, x[i]);
    return snn_xacc_round(a, DL, DB, 53);
}

static float fsum(const float *x, int n)
{
    int64_t a[SNN_XACC_WORDS(FL)] = {0};
    for (int i = 0; i < n; i++)
        snn_xacc_add(a, FL, FB, (double)x[i]);
    return (float)snn_xacc_round(a, FL, FB, 24);
}

static void same_bits(double a, double b)
{
    uint64_t x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    if (x != y)
        print_error("%.17g != %.17g\n", a, b);
    assert_true(x == y);
}

static void test_exact(void **state)
{
    (void)state;
    const double a[] = {1e16, 1.0, -1e16};
    same_bits(dsum(a, 3), 1.0);
    const double b[] = {0x1p53, 1.0}; /* a tie: to even */
    same_bits(dsum(b, 2), 0x1p53);
    const double c[] = {0x1p53, 1.0, 0x1p-100}; /* above the tie: up */
    same_bits(dsum(c, 3), 0x1p53 + 2.0);
    const double d[] = {0x1p53, 3.0}; /* a tie to even: up */
    same_bits(dsum(d, 2), 0x1p53 + 4.0);
    const double e[] = {-3.5, 1.25};
    same_bits(dsum(e, 2), -2.25);
    const double f[] = {0x1p-1074, 0x1p-1074, 0x1p1023, -0x1p1023};
    same_bits(dsum(f, 4), 0x1p-1073);
    const double g[] = {0x1.fffffffffffffp1023, -0x1.fffffffffffffp1023, 0.5};
    same_bits(dsum(g, 3), 0.5);
    double ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = 0.1;
    same_bits(dsum(ten, 10), 1.0); /* math.fsum([0.1] * 10) */
    same_bits(dsum(ten, 0), 0.0);
    const double inf[] = {INFINITY, 1.0};
    same_bits(dsum(inf, 2), INFINITY);
    const double ninf[] = {-INFINITY, 1.0};
    same_bits(dsum(ninf, 2), -INFINITY);
    const double both[] = {INFINITY, -INFINITY};
    assert_true(isnan(dsum(both, 2)));
    const double nan[] = {1.0, NAN};
    assert_true(isnan(dsum(nan, 2)));
    const float fa[] = {0x1p24f, 1.0f};
    assert_true(fsum(fa, 2) == 0x1p24f);
    const float fb[] = {0x1p24f, 1.0f, 0x1p-60f};
    assert_true(fsum(fb, 3) == 0x1p24f + 2.0f);
    const float fc[] = {1e30f, 3.0f, -1e30f, 0x1p-149f};
    assert_true(fsum(fc, 4) == 3.0f);
    const float fd[] = {0x1p-149f, 0x1p-149f, 0x1p-130f}; /* the smallest floats count */
    assert_true(fsum(fd, 3) == 0x1p-130f + 0x1p-148f);
    const float fe[] = {0x1.fffffep127f, 0x1.fffffep127f, -0x1.fffffep127f};
    assert_true(fsum(fe, 3) == 0x1.fffffep127f); /* beyond the largest float on the way */
}

/* 4000 terms of many magnitudes and both signs: any split into two accumulators (limbs
 * added), forward or backward, gives the same bits; the limbs are the same up to carries */
static void test_any_split(void **state)
{
    (void)state;
    enum { N = 4000 };
    static double x[N];
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < N; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        double m = (double)(s >> 11) * 0x1p-53;
        x[i] = ldexp(m, (int)(s % 120) - 60) * ((s >> 7) & 1 ? -1 : 1);
    }
    double want = dsum(x, N);
    for (int cut = 0; cut <= N; cut += 397) {
        int64_t a[SNN_XACC_WORDS(DL)] = {0}, b[SNN_XACC_WORDS(DL)] = {0};
        for (int i = N - 1; i >= cut; i--)
            snn_xacc_add(b, DL, DB, x[i]);
        for (int i = 0; i < cut; i++)
            snn_xacc_add(a, DL, DB, x[i]);
        for (int k = 0; k < SNN_XACC_WORDS(DL); k++)
            a[k] += b[k];
        same_bits(snn_xacc_round(a, DL, DB, 53), want);
    }
    /* against a long double sum of terms that fit its 64-bit mantissa exactly */
    double y[64];
    long double ref = 0;
    for (int i = 0; i < 64; i++) {
        y[i] = (i % 2 ? -1.0 : 1.0) * (double)(i + 1) * 0x1p-20;
        ref += (long double)y[i];
    }
    same_bits(dsum(y, 64), (double)ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_any_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
