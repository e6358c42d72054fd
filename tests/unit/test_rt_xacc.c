/*
 * test_rt_xacc.c - exact sums (runtime/snn_xacc.h): correctly rounded results of sums
 * whose floating-point sum would lose bits, ties to even, signs, non-finite terms, float
 * precision, and the same bits for any split and order of the terms; a row of float terms
 * summed at once (snn_xacc_add_row_f) against term by term; eight rows at once across the
 * rows (snn_xacc_add_rows_f) against row by row.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

/* snn_xacc_row_sum_f_avx2 as well as the scalar path, whatever this file's flags (run
 * where the CPU has AVX2) */
#define SNN_XACC_AVX2_TARGET 1
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

/* snn_xacc_take_n (add_to_pre's thread blocks on one process): terms spread over 1 to 4
 * blocks' fast accumulators (laid out with a stride, as the generated code does) must round
 * to the bits of one exact accumulator of all terms, leave every block at zero, and take
 * both ways: the blocks' doubles adding exactly, and not (a term in the limbs, doubles whose
 * sum rounds, an overflow, a sum outside the format's normal range). */
static void test_take_n(void **state)
{
    (void)state;
    enum { W = SNN_XACC_FAST_WORDS(DL), NB = 4 };
    for (int mbits = 24; mbits <= 53; mbits += 29) {
        const int L = mbits == 24 ? FL : DL, B = mbits == 24 ? FB : DB;
        int fast = 0, slow = 0;
        for (int trial = 0; trial < 20000; trial++) {
            const int kind = trial % 6, n = 1 + (int)(rnd() % 12), nb = 1 + trial % NB;
            double x[12];
            for (int i = 0; i < n; i++)
                x[i] = term(mbits, kind == 5 || (rnd() % 4) ? kind : (int)(rnd() % 5));
            if (trial % 7 == 0 && n > 1) /* an exact cancellation across blocks */
                x[n - 1] = -x[0];
            int64_t ref[SNN_XACC_WORDS(DL)] = {0}, blk[NB * (W + 5)];
            const size_t stride = (size_t)W + (size_t)(trial % 5); /* other sources between */
            memset(blk, 0, sizeof blk);
            for (int i = 0; i < n; i++) {
                snn_xacc_add(ref, L, B, x[i]);
                snn_xacc_add_fast(blk + (size_t)(rnd() % (unsigned)nb) * stride, L, B, x[i]);
            }
            int in_limbs = 0;
            for (int t = 0; t < nb; t++)
                in_limbs |= blk[(size_t)t * stride + (size_t)SNN_XACC_WORDS(L) + 1] != 0;
            const double want = snn_xacc_round(ref, L, B, mbits);
            same_bits(snn_xacc_take_n(blk, stride, nb, L, B, mbits), want);
            for (int t = 0; t < nb; t++)
                for (int w = 0; w < SNN_XACC_FAST_WORDS(L); w++) /* back to zero */
                    assert_int_equal(blk[(size_t)t * stride + (size_t)w], 0);
            fast += !in_limbs;
            slow += in_limbs;
        }
        assert_true(fast > 5000 && slow > 1000);
    }
    /* the blocks' doubles 1 + 2^-53 (block 0's limbs hold the 2^-53) and 2^-60: the exact
     * sum is above the tie and rounds up */
    int64_t blk[2 * SNN_XACC_FAST_WORDS(DL)];
    memset(blk, 0, sizeof blk);
    snn_xacc_add_fast(blk, DL, DB, 1.0);
    snn_xacc_add_fast(blk, DL, DB, 0x1p-53); /* a tie: this term goes to the first block's limbs */
    snn_xacc_add_fast(blk + SNN_XACC_FAST_WORDS(DL), DL, DB, 0x1p-60);
    /* 1 + 2^-53 + 2^-60 is above the tie: rounds up, which a double sum of the blocks
     * (1 + 2^-53 -> 1, ties to even) would miss */
    same_bits(snn_xacc_take_n(blk, SNN_XACC_FAST_WORDS(DL), 2, DL, DB, 53), 1.0 + 0x1p-52);
}

/* A row of float terms at once (snn_xacc_row_sum_f, snn_xacc_add_row_f: add_to_pre of a
 * dense row in a float model) against the exact accumulator term by term: random rows of
 * similar sizes, wide spreads, rows at the test's edge (a spread of 29 - ceil(log2 n)
 * binades passes, one more does not), subnormal, huge, zero and non-finite terms and exact
 * cancellations, with the fast front holding a previous sum or not.  A row the test passes
 * must sum exactly in double (its sum minus the terms is exactly zero), the scalar and the
 * AVX2 path (where the CPU has it) must agree, and the accumulator must round to the bits
 * of snn_xacc_round of the same terms. */
static float fterm(int kind)
{
    const double u = (double)(rnd() >> 11) * 0x1p-53 - 0.5;
    switch (kind) {
    case 0: return (float)u;                                       /* similar sizes */
    case 1: return (float)ldexp(u, (int)(rnd() % 60) - 30);        /* a wide spread */
    case 2: return (float)ldexp(u, -140 + (int)(rnd() % 20));      /* subnormal, tiny */
    case 3: return (float)ldexp(u, 125 + (int)(rnd() % 4));        /* near FLT_MAX */
    case 4: return (rnd() & 1) ? -0.0f : 0.0f;
    default: {
        const float nf[] = {INFINITY, -INFINITY, NAN};
        return (rnd() % 6) ? (float)u : nf[rnd() % 3];
    }
    }
}

static int row_sum_checked(const float *x, uint32_t n, double *s)
{
    double s1 = 0.0, s2 = 0.0;
    const int ok = snn_xacc_row_sum_f_scalar(x, n, &s1);
#ifdef SNN_XACC_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) {
        const int ok2 = snn_xacc_row_sum_f_avx2(x, n, &s2);
        assert_int_equal(ok2, ok);
        if (ok)
            same_bits(s2, s1);
    }
#endif
    (void)s2;
    if (ok) { /* exact: the terms minus the sum are zero */
        int64_t a[SNN_XACC_WORDS(DL)] = {0};
        for (uint32_t k = 0; k < n; k++)
            snn_xacc_add(a, DL, DB, (double)x[k]);
        snn_xacc_add(a, DL, DB, -s1);
        same_bits(snn_xacc_round(a, DL, DB, 53), 0.0);
    }
    *s = s1;
    return ok;
}

static void test_row_sum(void **state)
{
    (void)state;
    double s;
    /* the edge, n = 2 (ceil(log2 n) = 1): 1 and 2^-28 (a spread of 28) pass, 1 and 2^-29 not;
     * n = 16 (4): 2^-25 passes, 2^-26 not */
    float e1[2] = {1.0f, 0x1p-28f}, e2[2] = {1.0f, 0x1p-29f};
    assert_int_equal(row_sum_checked(e1, 2, &s), 1);
    assert_int_equal(row_sum_checked(e2, 2, &s), 0);
    float e3[16], e4[16];
    for (int i = 0; i < 16; i++)
        e3[i] = e4[i] = 1.0f;
    e3[15] = 0x1p-25f;
    e4[15] = 0x1p-26f;
    assert_int_equal(row_sum_checked(e3, 16, &s), 1);
    assert_int_equal(row_sum_checked(e4, 16, &s), 0);
    /* zeros only, and one NaN or infinity among equal terms */
    float z[5] = {0.0f, -0.0f, 0.0f, -0.0f, 0.0f};
    assert_int_equal(row_sum_checked(z, 5, &s), 1);
    same_bits(s, 0.0);
    z[2] = INFINITY;
    assert_int_equal(row_sum_checked(z, 5, &s), 0);
    float big[3] = {0x1.fffffep127f, 0x1.fffffep127f, 0x1.fffffep127f}; /* past FLT_MAX: fine */
    assert_int_equal(row_sum_checked(big, 3, &s), 1);
    same_bits(s, 3.0 * 0x1.fffffep127);
    int fast = 0, total = 0;
    for (int trial = 0; trial < 20000; trial++) {
        const int kind = trial % 6;
        const uint32_t n = 1 + (uint32_t)(rnd() % 37);
        float x[37];
        for (uint32_t i = 0; i < n; i++)
            x[i] = fterm(kind == 5 || (rnd() % 16) ? kind : (int)(rnd() % 5));
        if (trial % 5 == 0) { /* at the edge: the smallest term 28 - c or 29 - c binades down */
            const uint32_t c = n > 1 ? 32u - (uint32_t)__builtin_clz(n - 1u) : 0u;
            x[rnd() % n] = ldexpf(1.0f, -(int)(28 - c) - (int)(rnd() % 2));
            x[0] = 1.0f;
        }
        if (trial % 7 == 0 && n > 1) /* an exact cancellation */
            x[n - 1] = -x[0];
        fast += row_sum_checked(x, n, &s);
        total++;
        /* the row into an accumulator whose fast front may hold a sum already */
        int64_t ref[SNN_XACC_WORDS(FL)] = {0}, a[SNN_XACC_FAST_WORDS(FL)] = {0};
        double f = 0.0;
        if (rnd() % 2) {
            const float p = fterm((int)(rnd() % 4));
            snn_xacc_add(ref, FL, FB, (double)p);
            snn_xacc_add_reg(&f, a, FL, FB, (double)p);
        }
        for (uint32_t i = 0; i < n; i++)
            snn_xacc_add(ref, FL, FB, (double)x[i]);
        snn_xacc_add_row_f(&f, a, FL, FB, x, n);
        snn_xacc_fast_put(a, FL, f);
        int64_t b[SNN_XACC_FAST_WORDS(FL)];
        memcpy(b, a, sizeof b);
        const double want = snn_xacc_round(ref, FL, FB, 24);
        same_bits(snn_xacc_take(a, FL, FB, 24), want);
        snn_xacc_fold(b, FL, FB);
        same_bits(snn_xacc_round(b, FL, FB, 24), want);
    }
    print_message("row_sum: %d of %d rows at once\n", fast, total);
    assert_true(fast > total / 4 && fast < total - total / 10); /* both ways taken */
}

/* Rows summed eight at a time across the rows (snn_xacc_add_rows_f,
 * snn_xacc_rows8_sum_f_avx2: add_to_pre of whole-population dense rows) against each row
 * by snn_xacc_add_row_f: groups of q rows (8 takes the across-rows way, fewer the row by
 * row way) of n terms (1 to 37: no 8 x 8 block, one, several, and a remainder), rows of
 * mixed kinds in one group (exact and not, zeros, at the test's edge, non-finite), each
 * accumulator's fast front holding a previous sum or not.  Every word of every
 * accumulator must be those of the row-by-row way, and the across-rows test and sum of
 * each row those of snn_xacc_row_sum_f_scalar. */
static void test_rows_sum(void **state)
{
    (void)state;
    enum { W = SNN_XACC_FAST_WORDS(FL), STRIDE = W + 3 };
    int across = 0, exact = 0, rows = 0, allexact = 0, allfast = 0;
    for (int trial = 0; trial < 6000; trial++) {
        const uint32_t q = (trial % 4) ? 8u : 1u + (uint32_t)(rnd() % 8);
        const uint32_t n = 1 + (uint32_t)(rnd() % 37);
        float x[8 * 37];
        const int similar = trial % 3 == 0; /* every row exact: the vector fast front */
        for (uint32_t j = 0; j < q; j++) {
            const int kind = similar ? 0 : (int)(rnd() % 6);
            float *r = x + j * n;
            for (uint32_t i = 0; i < n; i++)
                r[i] = fterm(similar || kind == 5 || (rnd() % 16) ? kind : (int)(rnd() % 5));
            if (!similar && rnd() % 4 == 0) { /* at the edge: the smallest term 28 - c or 29 - c down */
                const uint32_t c = n > 1 ? 32u - (uint32_t)__builtin_clz(n - 1u) : 0u;
                r[rnd() % n] = ldexpf(1.0f, -(int)(28 - c) - (int)(rnd() % 2));
                r[0] = (rnd() & 1) ? 1.0f : -1.0f;
            }
            if (rnd() % 7 == 0 && n > 1) /* an exact cancellation */
                r[n - 1] = -r[0];
        }
        int64_t a[8 * STRIDE], b[8 * STRIDE];
        memset(a, 0, sizeof a);
        for (uint32_t j = 0; j < q; j++)
            if (rnd() % 2) { /* a previous sum (kind 1: its addition may be inexact) */
                double f = 0.0;
                snn_xacc_add_reg(&f, a + j * STRIDE, FL, FB,
                                 (double)fterm(similar ? (int)(rnd() % 2) : (int)(rnd() % 4)));
                snn_xacc_fast_put(a + j * STRIDE, FL, f);
            }
        for (uint32_t j = 0; j < q; j++) /* words past the accumulators: untouched */
            a[j * STRIDE + W] = a[j * STRIDE + W + 1] = a[j * STRIDE + W + 2] = 0x5a5a5a5a;
        memcpy(b, a, sizeof a);
        for (uint32_t j = 0; j < q; j++) { /* the reference: row by row */
            double f = snn_xacc_fast_get(b + j * STRIDE, FL);
            snn_xacc_add_row_f(&f, b + j * STRIDE, FL, FB, x + j * n, n);
            snn_xacc_fast_put(b + j * STRIDE, FL, f);
        }
        int64_t c[8 * STRIDE];
        memcpy(c, a, sizeof a);
        snn_xacc_add_rows_f(a, STRIDE, FL, FB, x, n, q);
        assert_memory_equal(a, b, sizeof a);
#ifdef SNN_XACC_HAVE_AVX2
        if (q == 8 && __builtin_cpu_supports("avx2")) { /* whatever this file's flags */
            snn_xacc_add_rows8_f_avx2(c, STRIDE, FL, FB, x, n);
            assert_memory_equal(c, b, sizeof c);
            double s8[8];
            const unsigned ok = snn_xacc_rows8_sum_f_avx2(x, n, s8);
            for (uint32_t j = 0; j < 8; j++) {
                double s1 = 0.0;
                const int ok1 = snn_xacc_row_sum_f_scalar(x + j * n, n, &s1);
                assert_int_equal((int)(ok >> j & 1u), ok1);
                if (ok1)
                    same_bits(s8[j], s1);
                exact += ok1;
                rows++;
            }
            across++;
            if (ok == 0xffu) {
                int clean = 1;
                for (uint32_t j = 0; j < 8; j++)
                    clean &= b[j * STRIDE + SNN_XACC_WORDS(FL) + 1] == 0;
                allfast += clean;
                allexact++;
            }
        }
#endif
    }
    print_message("rows_sum: %d groups across the rows, %d of %d rows exact; %d groups all "
                  "exact, %d of them with no term in the limbs\n", across, exact, rows, allexact,
                  allfast);
#ifdef SNN_XACC_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) /* both ways taken, and the vector fast front's both */
        assert_true(across > 3000 && exact > rows / 4 && exact < rows - rows / 10 &&
                    allfast > 300 && allexact - allfast > 100);
#endif
}

/* Eight accumulators rounded at once (snn_xacc_take8_f, snn_xacc_take8_f_avx2) against
 * snn_xacc_take of each: doubles of every kind (zeros of both signs, float's normal range,
 * its edges, below it, past FLT_MAX, infinities and NaNs), some with a term in the limbs;
 * the floats and every word of the accumulators afterwards must be the same. */
static void test_take8(void **state)
{
    (void)state;
    enum { W = SNN_XACC_FAST_WORDS(FL), STRIDE = W + 1 };
    const double edge[] = {0.0, -0.0, 0x1p-126, -0x1p-126, 0x1.fffffp-127, 0x1.fffffep127,
                           0x1.fffffe1p127, -0x1.fffffep127, 0x1p-150, INFINITY, -INFINITY, NAN,
                           1.0, -3.5, 0x1.0000001p0};
    int vec = 0;
    for (int trial = 0; trial < 4000; trial++) {
        const int mode = trial % 4; /* 0: ordinary sums only, 1: edges, 2: limbs, 3: mixed */
        int64_t a[8 * STRIDE], b[8 * STRIDE];
        memset(a, 0, sizeof a);
        for (int j = 0; j < 8; j++) {
            int64_t *aj = a + j * STRIDE;
            double f = 0.0;
            const int nt = (int)(rnd() % 4);
            for (int t = 0; t < nt; t++) {
                double x = mode == 0 || (mode == 3 && rnd() % 4) ? (double)fterm((int)(rnd() % 2))
                           : mode == 2 ? term(24, (int)(rnd() % 4))
                                       : edge[rnd() % (sizeof edge / sizeof edge[0])];
                snn_xacc_add_reg(&f, aj, FL, FB, x);
            }
            snn_xacc_fast_put(aj, FL, f);
            aj[W] = 0x77; /* past the accumulator: untouched */
        }
        memcpy(b, a, sizeof a);
        float want[8], got[8];
        for (int j = 0; j < 8; j++)
            want[j] = (float)snn_xacc_take(b + j * STRIDE, FL, FB, 24);
        int64_t c[8 * STRIDE], o[8 * STRIDE];
        memcpy(c, a, sizeof a);
        memcpy(o, a, sizeof a);
        snn_xacc_take8_f(a, STRIDE, FL, FB, got);
        assert_memory_equal(got, want, sizeof got);
        assert_memory_equal(a, b, sizeof a);
#ifdef SNN_XACC_HAVE_AVX2
        if (__builtin_cpu_supports("avx2")) { /* whatever this file's flags */
            float v[8];
            if (snn_xacc_take8_f_avx2(c, STRIDE, FL, v)) {
                assert_memory_equal(v, want, sizeof v);
                assert_memory_equal(c, b, sizeof c);
                vec++;
            } else {
                assert_memory_equal(c, o, sizeof c); /* nothing written */
            }
        }
#endif
    }
    print_message("take8: %d of 4000 groups the vector way\n", vec);
#ifdef SNN_XACC_HAVE_AVX2
    if (__builtin_cpu_supports("avx2")) /* both ways taken */
        assert_true(vec > 500 && vec < 3200);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_any_split),
        cmocka_unit_test(test_fast_front),
        cmocka_unit_test(test_take_n),
        cmocka_unit_test(test_row_sum),
        cmocka_unit_test(test_rows_sum),
        cmocka_unit_test(test_take8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
