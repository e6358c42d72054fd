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

/* The fast front (snn_xacc_add_fast, snn_xacc_take, snn_xacc_fold, and snn_xacc_add_reg
 * with its double in a register, word for word add_fast's: the C back end's
 * add_to_pre) returns the bits of snn_xacc_round of the same terms: sums that stay exact in
 * double (the fast way), cancellations, spreads beyond 53 bits, results below the smallest
 * normal number or beyond the largest, zeros of both signs, non-finite terms; and the same
 * again with the terms split over two accumulators folded and added as integers. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double term(int mbits, int kind)
{
    const double u = (double)(rnd() >> 11) * 0x1p-53 - 0.5; /* [-0.5, 0.5) */
    double x;
    switch (kind) {
    case 0: x = u; break;                                    /* similar sizes: exact */
    case 1: x = ldexp(u, (int)(rnd() % 80) - 40); break;     /* a wide spread */
    case 2: x = ldexp(u, mbits == 24 ? -130 : -1030); break; /* near the smallest normal */
    case 3: x = ldexp(u, mbits == 24 ? 128 : 1024); break;   /* near the largest */
    case 4: x = (rnd() & 1) ? -0.0 : 0.0; break;
    default: {
        const double nf[] = {INFINITY, -INFINITY, NAN};
        x = (rnd() % 8) ? u : nf[rnd() % 3];
    }
    }
    return mbits == 24 ? (double)(float)x : x;
}

static void test_fast_front(void **state)
{
    (void)state;
    for (int mbits = 24; mbits <= 53; mbits += 29) {
        const int L = mbits == 24 ? FL : DL, B = mbits == 24 ? FB : DB;
        int fast = 0;
        for (int trial = 0; trial < 20000; trial++) {
            const int kind = trial % 6, n = 1 + (int)(rnd() % 12);
            double x[12];
            for (int i = 0; i < n; i++)
                x[i] = term(mbits, kind == 5 || (rnd() % 4) ? kind : (int)(rnd() % 5));
            if (trial % 7 == 0 && n > 1) /* an exact cancellation */
                x[n - 1] = -x[0];
            int64_t ref[SNN_XACC_WORDS(DL)] = {0}, one[SNN_XACC_FAST_WORDS(DL)] = {0};
            int64_t a[SNN_XACC_FAST_WORDS(DL)] = {0}, b[SNN_XACC_FAST_WORDS(DL)] = {0};
            int64_t r[SNN_XACC_FAST_WORDS(DL)] = {0}; /* snn_xacc_add_reg: a row's run */
            const int cut = (int)(rnd() % (unsigned)(n + 1)); /* two runs: [0, cut), [cut, n) */
            double rf = snn_xacc_fast_get(r, L);
            for (int i = 0; i < n; i++) {
                snn_xacc_add(ref, L, B, x[i]);
                snn_xacc_add_fast(one, L, B, x[i]);
                snn_xacc_add_fast(i % 2 ? b : a, L, B, x[i]);
                if (i == cut) {
                    snn_xacc_fast_put(r, L, rf);
                    rf = snn_xacc_fast_get(r, L);
                }
                snn_xacc_add_reg(&rf, r, L, B, x[i]);
            }
            snn_xacc_fast_put(r, L, rf);
            for (int w = 0; w < SNN_XACC_FAST_WORDS(L); w++) /* word for word add_fast's */
                assert_int_equal(r[w], one[w]);
            const double want = snn_xacc_round(ref, L, B, mbits);
            fast += !one[SNN_XACC_WORDS(L) + 1];
            same_bits(snn_xacc_take(one, L, B, mbits), want);
            for (int w = 0; w < SNN_XACC_FAST_WORDS(L); w++) /* back to zero */
                assert_int_equal(one[w], 0);
            snn_xacc_fold(a, L, B);
            snn_xacc_fold(b, L, B);
            for (int w = 0; w < SNN_XACC_WORDS(L); w++)
                a[w] += b[w];
            same_bits(snn_xacc_round(a, L, B, mbits), want);
        }
        assert_true(fast > 5000 && fast < 19000); /* both ways taken */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_any_split),
        cmocka_unit_test(test_fast_front),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
