/*
 * test_rt_rng.c - Philox4x32-10 known answers and the statistics of the snn_rng
 * distributions (snn_philox.h), including the binomial sampler, plus stream ids and
 * initialisers (rt_init.c): constant, uniform, normal, normal_clipped, lognormal,
 * exponential; and the code-string helpers snn_div and snn_mod of the same header.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_internal.h" /* rt_philox_batch */
#include "snnrt.h"
#include "expect_fatal.h"

/* Generated code initialises snn_init positionally as {kind, a, b, stream} (lo and hi, added
 * later, are then 0); these tests do the same, which -Wextra would flag. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* Known-answer vectors from Random123's kat_vectors (philox4x32 10: CTR[4] KEY[2]
 * EXPECTED[4]); the first three are the canonical ones shipped with Random123, the others
 * come from the extended list in girving/random123-manual examples/kat_vectors. */
static const uint32_t KAT[][10] = {
    {0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
     0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
    {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
     0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
     0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
    {0x00000001, 0x00000000, 0x00000000, 0x00000000, 0x00000001, 0x00000000,
     0xac08141b, 0xdfc5ccbe, 0x79c07a47, 0xa7f66093},
    {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0x00000000, 0x80000000,
     0x63675d2c, 0x422d7c4d, 0x3145d30d, 0x3bce33a4},
    {0x452821e6, 0x38d01377, 0xbe5466cf, 0x34e90c6c, 0x00000000, 0xffffffff,
     0x72ce44b3, 0xb44f9b78, 0x49af0267, 0x726813ac},
};

static void test_philox_kat(void **state)
{
    (void)state;
    for (size_t v = 0; v < sizeof KAT / sizeof KAT[0]; v++) {
        uint32_t out[4];
        snn_philox4x32_10(&KAT[v][0], &KAT[v][4], out);
        for (int w = 0; w < 4; w++)
            assert_int_equal(out[w], KAT[v][6 + w]);
    }
}

/* snn_rng hands out the words of block (draw, element, step, seed_hi) in order. */
static void test_rng_layout(void **state)
{
    (void)state;
    const uint64_t seed = 0x0123456789abcdefull;
    snn_rng g;
    snn_rng_init(&g, seed, 0xdeadbeef, 17, 0x100000005ull);
    for (uint32_t draw = 0; draw < 3; draw++) {
        uint32_t ctr[4] = {draw, 17, 5, 0x01234567}, key[2] = {0x89abcdef, 0xdeadbeef}, out[4];
        snn_philox4x32_10(ctr, key, out);
        for (int w = 0; w < 4; w++)
            assert_int_equal(snn_rng_u32(&g), out[w]);
    }
}

/* Layout version 2 (snn_philox.h, docs/architecture.md "Random numbers").  A neuron-keyed
 * stream of lane 0 is the version 1 stream, word for word (the test above, and the pinned
 * Philox blocks); another lane moves the draw word's high half and gives other words. */
static void test_rng_lane(void **state)
{
    (void)state;
    const uint64_t seed = 0x0123456789abcdefull;
    snn_rng v1, l0, l1, l2;
    snn_rng_init(&v1, seed, 0xdeadbeef, 17, 5);
    snn_rng_init_lane(&l0, seed, 0xdeadbeef, 17, 5, 0);
    snn_rng_init_lane(&l1, seed, 0xdeadbeef, 17, 5, 1);
    snn_rng_init_lane(&l2, seed, 0xdeadbeef, 17, 5, 2);
    int differ = 0;
    for (uint32_t draw = 0; draw < 3; draw++) {
        uint32_t ctr[4] = {draw | 1u << 16, 17, 5, 0x01234567}, out[4];
        const uint32_t key[2] = {0x89abcdef, 0xdeadbeef};
        snn_philox4x32_10(ctr, key, out);
        for (int w = 0; w < 4; w++) {
            const uint32_t a = snn_rng_u32(&v1), b = snn_rng_u32(&l0), c = snn_rng_u32(&l1),
                           d = snn_rng_u32(&l2);
            assert_int_equal(a, b);    /* lane 0 = version 1 */
            assert_int_equal(c, out[w]); /* lane 1: counter word 0 = draw | 1 << 16 */
            differ += (a != c) + (c != d) + (a != d);
        }
    }
    assert_int_equal(differ, 36);
}

/* Synapse-keyed streams: key = (lo(M) ^ stream, hi(M) ^ lane), M = snn_mix64(seed),
 * counter = (draw | ordinal << 16, pre, post, step); each part of the identity, the lane
 * and both halves of the seed change the words. */
static void test_rng_syn_layout(void **state)
{
    (void)state;
    /* snn_mix64 is MurmurHash3's fmix64 (values computed with Python integers) */
    assert_true(snn_mix64(0) == 0);
    assert_true(snn_mix64(1) == 0xB456BCFC34C2CB2Cull);
    const uint64_t seed = 0x0123456789abcdefull, m = snn_mix64(seed);
    snn_rng g;
    snn_rng_init_syn(&g, seed, 0xdeadbeef, 3, 11, 22, 2, 0x100000007ull);
    for (uint32_t draw = 0; draw < 3; draw++) {
        const uint32_t key[2] = {(uint32_t)m ^ 0xdeadbeefu, (uint32_t)(m >> 32) ^ 3u};
        uint32_t ctr[4] = {draw | 2u << 16, 11, 22, 7}, out[4];
        snn_philox4x32_10(ctr, key, out);
        for (int w = 0; w < 4; w++)
            assert_int_equal(snn_rng_u32(&g), out[w]);
    }
    /* from the key computed once (generated code): the same words */
    snn_rng h;
    snn_rng_init_syn(&g, seed, 0xdeadbeef, 3, 11, 22, 2, 7);
    snn_rng_init_synk(&h, snn_rng_syn_key(seed, 0xdeadbeef), 3, 11, 22, 2, 7);
    for (int w = 0; w < 12; w++)
        assert_int_equal(snn_rng_u32(&g), snn_rng_u32(&h));
    /* the first word of each variant differs from the reference's */
    snn_rng_init_syn(&g, seed, 0xdeadbeef, 0, 11, 22, 0, 7);
    const uint32_t ref = snn_rng_u32(&g);
    struct { uint64_t seed; uint32_t lane, pre, post, ord, step; } v[] = {
        {seed ^ (1ull << 40), 0, 11, 22, 0, 7}, /* the seed's high half */
        {seed ^ 1u, 0, 11, 22, 0, 7},           /* its low half */
        {seed, 1, 11, 22, 0, 7},                /* a lane */
        {seed, 0, 12, 22, 0, 7},                /* the source */
        {seed, 0, 11, 23, 0, 7},                /* the target */
        {seed, 0, 11, 22, 1, 7},                /* the ordinal */
        {seed, 0, 11, 22, 0, 8},                /* the step */
        {seed, 0, 22, 11, 0, 7},                /* source and target swapped */
    };
    for (size_t k = 0; k < sizeof v / sizeof *v; k++) {
        snn_rng_init_syn(&g, v[k].seed, 0xdeadbeef, v[k].lane, v[k].pre, v[k].post, v[k].ord,
                         v[k].step);
        assert_true(snn_rng_u32(&g) != ref);
    }
    assert_int_equal(SNN_RNG_VERSION, 3);
}

static void test_determinism(void **state)
{
    (void)state;
    snn_rng a, b, c;
    snn_rng_init(&a, 42, 7, 3, 9);
    snn_rng_init(&b, 42, 7, 3, 9);
    snn_rng_init(&c, 42, 7, 4, 9);
    int differ = 0;
    for (int i = 0; i < 1000; i++) {
        uint32_t x = snn_rng_u32(&a), y = snn_rng_u32(&b), z = snn_rng_u32(&c);
        assert_int_equal(x, y);
        differ += x != z;
    }
    assert_true(differ > 990);
    snn_rng_init(&a, 42, 7, 3, 9);
    snn_rng_init(&b, 42, 7, 3, 9);
    for (int i = 0; i < 1000; i++) {
        assert_true(snn_rng_normal(&a) == snn_rng_normal(&b));
        assert_int_equal(snn_rng_poisson(&a, 3.5), snn_rng_poisson(&b, 3.5));
        assert_int_equal(snn_rng_poisson(&a, 80.0), snn_rng_poisson(&b, 80.0));
    }
}

/* Draw counts are fixed: uniform 2 words, uniformf 1, normal 2, normalf 1, exponential 2. */
static void test_draw_counts(void **state)
{
    (void)state;
    snn_rng a, b;
    snn_rng_init(&a, 5, 1, 2, 3);
    snn_rng_init(&b, 5, 1, 2, 3);
    (void)snn_rng_uniform(&a);
    (void)snn_rng_uniformf(&a);
    (void)snn_rng_normal(&a);
    (void)snn_rng_normalf(&a);
    (void)snn_rng_exponential(&a);
    for (int i = 0; i < 2 + 1 + 2 + 1 + 2; i++)
        (void)snn_rng_u32(&b);
    assert_int_equal(snn_rng_u32(&a), snn_rng_u32(&b));
}

static void test_uniform_moments(void **state)
{
    (void)state;
    const int n = 1000000;
    snn_rng g;
    snn_rng_init(&g, 1, 2, 3, 0);
    double s = 0, s2 = 0, sf = 0, sf2 = 0;
    for (int i = 0; i < n; i++) {
        double u = snn_rng_uniform(&g);
        float f = snn_rng_uniformf(&g);
        assert_true(u > 0.0 && u < 1.0);
        assert_true(f > 0.0f && f < 1.0f);
        s += u;
        s2 += u * u;
        sf += f;
        sf2 += (double)f * f;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    double meanf = sf / n, varf = sf2 / n - meanf * meanf;
    /* sd of the mean: sqrt(1/12/n) = 2.9e-4; of the variance: about 8.9e-5. */
    assert_true(fabs(mean - 0.5) < 5 * 2.9e-4);
    assert_true(fabs(var - 1.0 / 12) < 5 * 9e-5);
    assert_true(fabs(meanf - 0.5) < 5 * 2.9e-4);
    assert_true(fabs(varf - 1.0 / 12) < 5 * 9e-5);
}

static void test_uniform_extremes(void **state)
{
    (void)state;
    /* Words that give the smallest and largest 53-bit values must stay inside (0, 1). */
    snn_rng g;
    snn_rng_init(&g, 0, 0, 0, 0);
    g.buf[0] = 0;
    g.buf[1] = 0;
    g.buf[2] = 0xffffffffu;
    g.buf[3] = 0xffffffffu;
    g.left = 4;
    double lo = snn_rng_uniform(&g), hi = snn_rng_uniform(&g);
    assert_true(lo > 0.0 && lo < 1e-15);
    assert_true(hi < 1.0 && hi > 1.0 - 1e-15);
    g.buf[0] = 0;
    g.buf[1] = 0xffffffffu;
    g.left = 4;
    float flo = snn_rng_uniformf(&g), fhi = snn_rng_uniformf(&g);
    assert_true(flo > 0.0f && flo < 1e-7f);
    assert_true(fhi < 1.0f && fhi > 0.9999f);
}

static void test_normal_moments(void **state)
{
    (void)state;
    const int n = 1000000;
    snn_rng g;
    snn_rng_init(&g, 99, 5, 0, 0);
    double m1 = 0, m2 = 0, m3 = 0, m4 = 0, f1 = 0, f2 = 0;
    for (int i = 0; i < n; i++) {
        double z = snn_rng_normal(&g);
        double zf = snn_rng_normalf(&g);
        m1 += z;
        m2 += z * z;
        m3 += z * z * z;
        m4 += z * z * z * z;
        f1 += zf;
        f2 += zf * zf;
    }
    m1 /= n;
    m2 /= n;
    m3 /= n;
    m4 /= n;
    f1 /= n;
    f2 /= n;
    /* sd: mean 1e-3, second moment 1.4e-3, third 3.9e-3, fourth 9.8e-3. */
    assert_true(fabs(m1) < 5e-3);
    assert_true(fabs(m2 - 1.0) < 7e-3);
    assert_true(fabs(m3) < 2e-2);
    assert_true(fabs(m4 - 3.0) < 5e-2);
    assert_true(fabs(f1) < 5e-3);
    assert_true(fabs(f2 - 1.0) < 7e-3);
}

static void test_exponential_mean(void **state)
{
    (void)state;
    const int n = 500000;
    snn_rng g;
    snn_rng_init(&g, 3, 3, 3, 3);
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double x = snn_rng_exponential(&g);
        assert_true(x > 0.0 && isfinite(x));
        s += x;
        s2 += x * x;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    assert_true(fabs(mean - 1.0) < 5 * sqrt(1.0 / n));
    assert_true(fabs(var - 1.0) < 5 * sqrt(8.0 / n));
}

static void poisson_check(double lambda, int n)
{
    snn_rng g;
    snn_rng_init(&g, 1234, snn_stream_id("poisson"), (uint32_t)lambda, 0);
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        double k = snn_rng_poisson(&g, lambda);
        s += k;
        s2 += k * k;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    /* sd of the mean sqrt(lambda/n); of the sample variance about sqrt((2 lambda^2 +
     * lambda) / n). */
    assert_true(fabs(mean - lambda) < 5 * sqrt(lambda / n));
    assert_true(fabs(var - lambda) < 5 * sqrt((2 * lambda * lambda + lambda) / n));
}

static void test_poisson(void **state)
{
    (void)state;
    poisson_check(2.0, 400000);
    poisson_check(50.0, 400000);
    poisson_check(29.5, 200000);
    poisson_check(1000.0, 200000);
    snn_rng g;
    snn_rng_init(&g, 1, 1, 1, 1);
    assert_int_equal(snn_rng_poisson(&g, 0.0), 0);
    assert_int_equal(snn_rng_poisson(&g, -1.0), 0);
}

/* Poisson frequencies against the probability mass function (chi-square); values below
 * lo and above hi are pooled into the end bins. */
static double poisson_chi2(double lambda, int lo, int hi, int n)
{
    long cnt[128] = {0};
    double pk[128] = {0};
    snn_rng g;
    snn_rng_init(&g, 77, 1, (uint32_t)lambda, 0);
    for (int i = 0; i < n; i++) {
        int k = (int)snn_rng_poisson(&g, lambda);
        cnt[(k < lo ? lo : k > hi ? hi : k) - lo]++;
    }
    double below = 0;
    for (int k = 0; k < lo; k++)
        below += exp(-lambda + k * log(lambda) - lgamma(k + 1.0));
    double acc = 0;
    for (int k = lo; k <= hi; k++) {
        pk[k - lo] = exp(-lambda + k * log(lambda) - lgamma(k + 1.0));
        acc += pk[k - lo];
    }
    pk[0] += below;
    pk[hi - lo] += 1.0 - acc - below;
    double chi = 0;
    for (int k = lo; k <= hi; k++) {
        double e = n * pk[k - lo];
        chi += (cnt[k - lo] - e) * (cnt[k - lo] - e) / e;
    }
    return chi;
}

static void test_poisson_pmf(void **state)
{
    (void)state;
    /* Critical values of chi-square at p = 0.001: 7 dof 24.32, 40 dof 73.40. */
    assert_true(poisson_chi2(2.0, 0, 7, 200000) < 24.32);
    assert_true(poisson_chi2(50.0, 30, 70, 400000) < 73.40);
    assert_true(poisson_chi2(31.0, 14, 54, 400000) < 73.40);
}

static void test_below(void **state)
{
    (void)state;
    snn_rng g;
    snn_rng_init(&g, 11, 12, 13, 14);
    /* Range, including n = 1 and a large n where rejection matters. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(snn_rng_below(&g, 1), 0);
        assert_true(snn_rng_below(&g, 3000000001u) < 3000000001u);
        assert_true(snn_rng_below(&g, 0xffffffffu) < 0xffffffffu);
    }
    assert_int_equal(snn_rng_below(&g, 0), 0);
    /* Uniformity on 10 bins: chi-square with 9 degrees of freedom. */
    const int n = 1000000;
    long cnt[10] = {0};
    for (int i = 0; i < n; i++) {
        uint32_t x = snn_rng_below(&g, 10);
        assert_true(x < 10);
        cnt[x]++;
    }
    double chi = 0, e = n / 10.0;
    for (int b = 0; b < 10; b++)
        chi += (cnt[b] - e) * (cnt[b] - e) / e;
    assert_true(chi < 27.88); /* p = 0.001 */
    /* A range near 2^32 * 2/3, where a biased method would be badly skewed. */
    const uint32_t big = 2863311531u; /* ceil(2^33 / 3) */
    long lowhalf = 0;
    for (int i = 0; i < 200000; i++)
        lowhalf += snn_rng_below(&g, big) < big / 2;
    assert_true(fabs(lowhalf / 200000.0 - 0.5) < 5 * sqrt(0.25 / 200000));
}

static void test_stream_id(void **state)
{
    (void)state;
    /* FNV-1a 32 reference values. */
    assert_int_equal(snn_stream_id(""), 0x811c9dc5u);
    assert_int_equal(snn_stream_id("a"), 0xe40c292cu);
    assert_int_equal(snn_stream_id("foobar"), 0xbf9cf968u);
    assert_true(snn_stream_id("E/V") != snn_stream_id("I/V"));
}

static void test_init_values(void **state)
{
    (void)state;
    double d[1000];
    float f[1000];
    snn_init c = {SNN_INIT_CONSTANT, -65.0, 0.0, 1};
    snn_init_values(&c, 1, 0, 1000, d, 8);
    for (int i = 0; i < 1000; i++)
        assert_true(d[i] == -65.0);

    snn_init u = {SNN_INIT_UNIFORM, -70.0, -50.0, snn_stream_id("E/V")};
    snn_init_values(&u, 7, 0, 1000, d, 8);
    snn_init_values(&u, 7, 0, 1000, f, 4);
    double s = 0;
    for (int i = 0; i < 1000; i++) {
        assert_true(d[i] > -70.0 && d[i] < -50.0);
        assert_true(f[i] == (float)d[i]);
        /* A pure function of the element, also one value at a time. */
        assert_true(snn_init_value(&u, 7, (uint64_t)i, 0) == d[i]);
        s += d[i];
    }
    assert_true(fabs(s / 1000 + 60.0) < 1.0);

    /* A later chunk fills the same values as a whole-array fill. */
    double part[1000];
    memset(part, 0, sizeof part);
    snn_init_values(&u, 7, 400, 600, part, 8);
    for (int i = 400; i < 1000; i++)
        assert_true(part[i] == d[i]);
    assert_true(part[0] == 0.0);

    /* Different seeds and draws give different values. */
    assert_true(snn_init_value(&u, 8, 3, 0) != d[3]);
    assert_true(snn_init_value(&u, 7, 3, 1) != d[3]);
    assert_true(snn_init_value(&u, 7, 3, 1) == snn_init_value(&u, 7, 3, 1));

    snn_init nrm = {SNN_INIT_NORMAL, 10.0, 2.0, 5};
    double m = 0, v = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double x = snn_init_value(&nrm, 1, (uint64_t)i, 0);
        m += x;
        v += x * x;
    }
    m /= n;
    v = v / n - m * m;
    assert_true(fabs(m - 10.0) < 5 * 2.0 / sqrt(n));
    assert_true(fabs(v - 4.0) < 5 * 4.0 * sqrt(2.0 / n));
}

/* ---- binomial ---------------------------------------------------------------------- */

/* ln(x!) - ln(y!) against lgamma where lgamma is accurate, and against a sum of logs where
 * it is not (large, close arguments). */
static void test_lnfact(void **state)
{
    (void)state;
    for (int x = 0; x < 60; x++)
        for (int y = 0; y < 60; y += 7) {
            double want = lgamma(x + 1.0) - lgamma(y + 1.0);
            assert_true(fabs(snn_lnfact_diff(x, y) - want) < 1e-12 * (1 + fabs(want)));
        }
    /* ln((n+5)! / n!) = sum of ln(n+i), i = 1..5, for n = 1e12. */
    double n = 1e12, want = 0;
    for (int i = 1; i <= 5; i++)
        want += log(n + i);
    assert_true(fabs(snn_lnfact_diff(n + 5, n) - want) < 1e-12 * want);
    assert_true(fabs(snn_lnfact_diff(n, n + 5) + want) < 1e-12 * want);
    assert_true(snn_lnfact_diff(n, n) == 0.0);
}

/* Binomial(n, p) pmf by lgamma (fine for the small n used here). */
static double binom_pmf(uint32_t n, double p, uint32_t k)
{
    return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) +
               (n - k) * log1p(-p));
}

/* Critical value of chi-square with df degrees of freedom at p = 0.001 (Wilson-Hilferty). */
static double chi2_crit(int df)
{
    double a = 2.0 / (9.0 * df);
    double c = 1.0 - a + 3.090232 * sqrt(a);
    return df * c * c * c;
}

/* Draws 'draws' values of Binomial(n, p): mean and variance within 5 sd, and a chi-square
 * test of the frequencies against the pmf (tail bins with fewer than 10 expected pooled). */
static void binomial_check(uint32_t n, double p, int draws)
{
    snn_rng g;
    snn_rng_init(&g, 2024, snn_stream_id("binomial"), n, (uint64_t)(p * 1e6));
    long *cnt = calloc((size_t)n + 1, sizeof *cnt);
    double s = 0, s2 = 0;
    for (int i = 0; i < draws; i++) {
        uint32_t k = snn_rng_binomial(&g, n, p);
        assert_true(k <= n);
        cnt[k]++;
        s += k;
        s2 += (double)k * k;
    }
    double mean = s / draws, var = s2 / draws - mean * mean;
    double m = n * p, v = n * p * (1 - p);
    /* sd of the sample variance from the 4th central moment, plus the bias (mean - m)^2 of
     * taking the sample mean (up to 25 v / draws at 5 sd). */
    double m4 = v * (1 + 3 * (n - 2.0) * p * (1 - p));
    double vtol = 5 * sqrt((m4 - v * v) / draws) + 25 * v / draws;
    if (fabs(mean - m) >= 5 * sqrt(v / draws) || fabs(var - v) >= vtol)
        print_error("binomial(%u, %g): mean %g (want %g), var %g (want %g)\n", n, p, mean, m,
                    var, v);
    assert_true(fabs(mean - m) < 5 * sqrt(v / draws));
    assert_true(fabs(var - v) < vtol);

    /* Chi-square over [lo, hi] with the tails pooled into the end bins. */
    uint32_t lo = 0, hi = n;
    while (lo < n && draws * binom_pmf(n, p, lo) < 10)
        lo++;
    while (hi > lo && draws * binom_pmf(n, p, hi) < 10)
        hi--;
    double chi = 0, below = 0, above = 0;
    long cb = 0, ca = 0;
    for (uint32_t k = 0; k < lo; k++) {
        below += binom_pmf(n, p, k);
        cb += cnt[k];
    }
    for (uint32_t k = hi + 1; k <= n; k++) {
        above += binom_pmf(n, p, k);
        ca += cnt[k];
    }
    int bins = 0;
    for (uint32_t k = lo; k <= hi; k++) {
        double e = draws * binom_pmf(n, p, k);
        long o = cnt[k];
        if (k == lo) {
            e += draws * below;
            o += cb;
        }
        if (k == hi) {
            e += draws * above;
            o += ca;
        }
        chi += (o - e) * (o - e) / e;
        bins++;
    }
    if (bins > 1) {
        if (chi >= chi2_crit(bins - 1))
            print_error("binomial(%u, %g): chi-square %g with %d dof\n", n, p, chi, bins - 1);
        assert_true(chi < chi2_crit(bins - 1));
    }
    free(cnt);
}

static void test_binomial(void **state)
{
    (void)state;
    binomial_check(20, 0.3, 400000);     /* inversion */
    binomial_check(40, 0.2, 400000);     /* inversion, n p = 8 */
    binomial_check(1, 0.5, 100000);      /* one trial, p = 1/2 */
    binomial_check(100, 0.1, 400000);    /* BTRS at n p = 10 */
    binomial_check(1000, 0.05, 400000);  /* BTRS, n p = 50 */
    binomial_check(100, 0.7, 400000);    /* p > 1/2: n - Binomial(n, 0.3) */
    binomial_check(50, 0.97, 200000);    /* p > 1/2, inversion underneath */
    binomial_check(100000, 0.5, 400000); /* BTRS, sd 158 */
    binomial_check(3000, 0.001, 400000); /* small p, n p = 3 */

    snn_rng g;
    snn_rng_init(&g, 1, 2, 3, 4);
    assert_int_equal(snn_rng_binomial(&g, 0, 0.5), 0);
    assert_int_equal(snn_rng_binomial(&g, 10, 0.0), 0);
    assert_int_equal(snn_rng_binomial(&g, 10, -1.0), 0);
    assert_int_equal(snn_rng_binomial(&g, 10, NAN), 0);
    assert_int_equal(snn_rng_binomial(&g, 10, 1.0), 10);
    assert_int_equal(snn_rng_binomial(&g, 4000000000u, 1.0), 4000000000u);

    /* Large n (beyond 32 bits with the 64-bit variant): mean and variance. */
    const int draws = 100000;
    const uint64_t n = 30000000000ull;
    const double p = 1e-3;
    double s = 0, s2 = 0;
    for (int i = 0; i < draws; i++) {
        double k = (double)snn_rng_binomial64(&g, n, p);
        s += k;
        s2 += k * k;
    }
    double mean = s / draws, var = s2 / draws - mean * mean, v = n * p * (1 - p);
    assert_true(fabs(mean - n * p) < 5 * sqrt(v / draws));
    assert_true(fabs(var / v - 1) < 5 * sqrt(2.0 / draws));

    /* Deterministic: the same stream gives the same values. */
    snn_rng a, b;
    snn_rng_init(&a, 9, 9, 9, 9);
    snn_rng_init(&b, 9, 9, 9, 9);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(snn_rng_binomial(&a, 500, 0.3), snn_rng_binomial(&b, 500, 0.3));
    /* Inversion takes one uniform (2 words) per value. */
    snn_rng_init(&a, 9, 9, 9, 9);
    snn_rng_init(&b, 9, 9, 9, 9);
    (void)snn_rng_binomial(&a, 20, 0.1);
    (void)snn_rng_u32(&b);
    (void)snn_rng_u32(&b);
    assert_int_equal(snn_rng_u32(&a), snn_rng_u32(&b));
}

/* ---- the new initialisers ------------------------------------------------------------ */

static double phi_pdf(double x)
{
    return isinf(x) ? 0.0 : exp(-0.5 * x * x) / 2.5066282746310002;
}

static double phi_cdf(double x)
{
    return 0.5 * erfc(-x / sqrt(2.0));
}

/* normal_clipped: every value in bounds, mean and variance of the truncated normal. */
static void clipped_check(double mu, double sd, double lo, double hi)
{
    snn_init in = {SNN_INIT_NORMAL_CLIPPED, mu, sd, snn_stream_id("w:clip"), lo, hi};
    const int n = 200000;
    double *x = malloc(n * sizeof *x);
    snn_init_values(&in, 3, 0, (uint64_t)n, x, 8);
    double s = 0, s2 = 0;
    for (int i = 0; i < n; i++) {
        assert_true(x[i] >= lo && x[i] <= hi);
        s += x[i];
        s2 += x[i] * x[i];
    }
    double al = (lo - mu) / sd, be = (hi - mu) / sd, z = phi_cdf(be) - phi_cdf(al);
    double d = (phi_pdf(al) - phi_pdf(be)) / z;
    double aphi = isinf(al) ? 0.0 : al * phi_pdf(al), bphi = isinf(be) ? 0.0 : be * phi_pdf(be);
    double mean = mu + sd * d;
    double var = sd * sd * (1 + (aphi - bphi) / z - d * d);
    double m = s / n, v = s2 / n - m * m;
    if (fabs(m - mean) >= 5 * sqrt(var / n) || fabs(v / var - 1) >= 0.03)
        print_error("normal_clipped(%g, %g) in [%g, %g]: mean %g (want %g), var %g (want %g)\n",
                    mu, sd, lo, hi, m, mean, v, var);
    assert_true(fabs(m - mean) < 5 * sqrt(var / n));
    assert_true(fabs(v / var - 1) < 0.03);
    /* float values are the doubles rounded, so they stay in the rounded bounds. */
    float *f = malloc(n * sizeof *f);
    snn_init_values(&in, 3, 0, (uint64_t)n, f, 4);
    for (int i = 0; i < n; i++)
        assert_true(f[i] == (float)x[i]);
    free(f);
    free(x);
}

static void clip_fails(const char *arg)
{
    (void)arg;
    snn_init in = {SNN_INIT_NORMAL_CLIPPED, 1.5, 0.75, 1, 0.1, INFINITY};
    in.lo = 10.0; /* 11 sd above the mean */
    (void)snn_init_value(&in, 1, 0, 0);
}

static void clip_empty(const char *arg)
{
    (void)arg;
    snn_init in = {SNN_INIT_NORMAL_CLIPPED, 0.0, 1.0, 1, 2.0, 1.0};
    (void)snn_init_value(&in, 1, 0, 0);
}

typedef struct str_call {
    void (*fn)(const char *);
    const char *arg;
} str_call;

static void call_str(const void *p)
{
    const str_call *c = p;
    c->fn(c->arg);
}

/* Run fn(arg) in a child; expect exit status 1 and 'want' in its stderr. */
static void expect_fatal(void (*fn)(const char *), const char *arg, const char *want)
{
    const str_call c = {fn, arg};
    expect_child_fails(call_str, &c, want);
}

static void test_normal_clipped(void **state)
{
    (void)state;
    clipped_check(1.5, 0.75, 0.1, INFINITY);   /* the microcircuit's delays */
    clipped_check(0.0, 1.0, -0.5, 2.0);        /* two-sided */
    clipped_check(0.0, 1.0, 2.0, INFINITY);    /* 2.3% acceptance: many redraws */
    clipped_check(87.8, 8.78, -INFINITY, 90.0); /* upper bound only */

    /* Unbounded: the same values as NORMAL (the first draw is the normal's). */
    snn_init c = {SNN_INIT_NORMAL_CLIPPED, 2.0, 3.0, 77, -INFINITY, INFINITY};
    snn_init nn = {SNN_INIT_NORMAL, 2.0, 3.0, 77};
    for (uint32_t e = 0; e < 1000; e++)
        assert_true(snn_init_value(&c, 5, e, e % 7) == snn_init_value(&nn, 5, e, e % 7));
    /* In bounds, a value is the normal's value; out of bounds it is a redraw, and the same
     * one every time (a pure function of seed, stream, element and draw). */
    c.lo = 2.0;
    c.hi = INFINITY;
    int redrawn = 0;
    for (uint32_t e = 0; e < 1000; e++) {
        double x = snn_init_value(&c, 5, e, 1), y = snn_init_value(&nn, 5, e, 1);
        assert_true(x >= 2.0);
        if (y >= 2.0)
            assert_true(x == y);
        else
            redrawn++;
        assert_true(x == snn_init_value(&c, 5, e, 1));
    }
    assert_true(redrawn > 400 && redrawn < 600);

    expect_fatal(clip_fails, NULL,
                 "brunel: error: normal_clipped(1.5, 0.75) in [10, inf]: no value in bounds "
                 "after 1000 draws\n");
    expect_fatal(clip_empty, NULL, "brunel: error: normal_clipped(0, 1) in [2, 1]: ");
}

static void test_lognormal_exponential(void **state)
{
    (void)state;
    const int n = 400000;
    double *x = malloc(n * sizeof *x);
    /* lognormal(a, b): mean exp(a + b^2/2), var (exp(b^2) - 1) exp(2a + b^2); the log is
     * N(a, b). */
    snn_init ln = {SNN_INIT_LOGNORMAL, -0.5, 0.4, snn_stream_id("w:ln")};
    snn_init_values(&ln, 11, 0, (uint64_t)n, x, 8);
    double s = 0, s2 = 0, l = 0, l2 = 0;
    for (int i = 0; i < n; i++) {
        assert_true(x[i] > 0.0);
        s += x[i];
        s2 += x[i] * x[i];
        l += log(x[i]);
        l2 += log(x[i]) * log(x[i]);
    }
    double mean = exp(-0.5 + 0.08), var = (exp(0.16) - 1) * exp(-1.0 + 0.16);
    double m = s / n, v = s2 / n - m * m;
    assert_true(fabs(m - mean) < 5 * sqrt(var / n));
    assert_true(fabs(v / var - 1) < 0.03);
    double lm = l / n, lv = l2 / n - lm * lm;
    assert_true(fabs(lm + 0.5) < 5 * 0.4 / sqrt(n));
    assert_true(fabs(lv / 0.16 - 1) < 5 * sqrt(2.0 / n));
    /* Same normal as NORMAL: log of the value is the normal's value. */
    snn_init nn = {SNN_INIT_NORMAL, -0.5, 0.4, snn_stream_id("w:ln")};
    for (int i = 0; i < 100; i++)
        assert_true(fabs(log(x[i]) - snn_init_value(&nn, 11, (uint64_t)i, 0)) < 1e-12);

    /* exponential(mean a): mean a, variance a^2, all positive. */
    snn_init ex = {SNN_INIT_EXPONENTIAL, 2.5, 0.0, snn_stream_id("w:exp")};
    snn_init_values(&ex, 11, 0, (uint64_t)n, x, 8);
    s = s2 = 0;
    for (int i = 0; i < n; i++) {
        assert_true(x[i] > 0.0 && isfinite(x[i]));
        s += x[i];
        s2 += x[i] * x[i];
    }
    m = s / n;
    v = s2 / n - m * m;
    assert_true(fabs(m - 2.5) < 5 * 2.5 / sqrt(n));
    assert_true(fabs(v / 6.25 - 1) < 5 * sqrt(8.0 / n));
    /* Different draws of one element are independent values. */
    assert_true(snn_init_value(&ex, 11, 5, 0) != snn_init_value(&ex, 11, 5, 1));
    free(x);
}

/* ---- the Ziggurat normal ------------------------------------------------------------- */

/* Pearson's chi-square of the n values scale * x[i] against N(0, 1): 90 bins of width 0.1
 * on [-4.5, 4.5) and the two tails beyond, 91 degrees of freedom. */
static double normal_chi2(const double *x, int n, double scale)
{
    enum { NB = 92 };
    double cnt[NB] = {0};
    for (int i = 0; i < n; i++) {
        double y = scale * x[i];
        int b = 0;
        if (y >= 4.5)
            b = NB - 1;
        else if (y >= -4.5) {
            b = 1 + (int)floor((y + 4.5) * 10.0);
            b = b < 1 ? 1 : b > NB - 2 ? NB - 2 : b; /* rounding at the edges */
        }
        cnt[b]++;
    }
    double chi = 0.0;
    for (int b = 0; b < NB; b++) {
        double lo = b == 0 ? -INFINITY : -4.5 + 0.1 * (b - 1);
        double hi = b == NB - 1 ? INFINITY : -4.5 + 0.1 * b;
        double p = 0.5 * (erfc(-hi / sqrt(2.0)) - erfc(-lo / sqrt(2.0)));
        double e = p * n;
        chi += (cnt[b] - e) * (cnt[b] - e) / e;
    }
    return chi;
}

/* chi-square quantiles for 91 degrees of freedom */
#define CHI2_91_P1E4 149.9 /* exceeded with probability 1e-4 by a correct sampler */
#define CHI2_91_P1E6 170.1

/* Checks n values against N(0, 1) and that the same test rejects them with a standard
 * deviation 1% too large or too small (the test has the power to catch a wrong sampler). */
static void check_normal_sample(const char *what, const double *x, int n)
{
    double chi = normal_chi2(x, n, 1.0);
    double wide = normal_chi2(x, n, 1.01), narrow = normal_chi2(x, n, 0.99);
    if (getenv("SNN_TEST_VERBOSE") || !(chi < CHI2_91_P1E4) || !(wide > CHI2_91_P1E6) ||
        !(narrow > CHI2_91_P1E6))
        print_error("%s: chi-square %.1f (sd x1.01: %.1f, x0.99: %.1f)\n", what, chi, wide,
                    narrow);
    assert_true(chi < CHI2_91_P1E4);
    assert_true(wide > CHI2_91_P1E6);
    assert_true(narrow > CHI2_91_P1E6);
    /* Tails beyond the Ziggurat's r = 3.654 (the slow path) and beyond 4.5: counts within 5
     * sd of the expected ones. */
    long t1 = 0, t2 = 0;
    for (int i = 0; i < n; i++) {
        t1 += fabs(x[i]) > SNN_ZIG_R;
        t2 += fabs(x[i]) > 4.5;
    }
    double p1 = erfc(SNN_ZIG_R / sqrt(2.0)), p2 = erfc(4.5 / sqrt(2.0));
    assert_true(fabs(t1 - n * p1) < 5 * sqrt(n * p1));
    assert_true(fabs(t2 - n * p2) < 5 * sqrt(n * p2) + 1);
    double m = 0, m2 = 0;
    for (int i = 0; i < n; i++) {
        m += x[i];
        m2 += x[i] * x[i];
    }
    m /= n;
    m2 /= n;
    assert_true(fabs(m) < 5 / sqrt(n));
    assert_true(fabs(m2 - 1.0) < 5 * sqrt(2.0 / n));
}

static void test_normal_distribution(void **state)
{
    (void)state;
    const int n = 4000000;
    double *x = malloc((size_t)n * sizeof *x);
    assert_non_null(x);
    snn_rng g;

    /* the stream version */
    snn_rng_init(&g, 2024, 9, 1, 0);
    for (int i = 0; i < n; i++)
        x[i] = snn_rng_normal(&g);
    check_normal_sample("snn_rng_normal", x, n);

    /* the float version */
    snn_rng_init(&g, 2024, 10, 1, 0);
    for (int i = 0; i < n; i++)
        x[i] = snn_rng_normalf(&g);
    check_normal_sample("snn_rng_normalf", x, n);

    /* the initialiser: first draws of many elements, then many draws of one element */
    snn_init nrm = {SNN_INIT_NORMAL, 0.0, 1.0, snn_stream_id("w:zig")};
    snn_init_values(&nrm, 77, 0, (uint64_t)n / 2, x, 8);
    for (int i = n / 2; i < n; i++)
        x[i] = snn_init_value(&nrm, 77, 12345, (uint32_t)(i - n / 2));
    check_normal_sample("NORMAL initialiser", x, n);
    free(x);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Kolmogorov-Smirnov distance of the sorted x[0..n) from the normal tail beyond r. */
static double tail_ks(const double *x, int n, double shift)
{
    const double qr = erfc(SNN_ZIG_R / sqrt(2.0));
    double d = 0.0;
    for (int i = 0; i < n; i++) {
        double c = 1.0 - erfc((x[i] + shift) / sqrt(2.0)) / qr;
        double lo = c - (double)i / n, hi = (double)(i + 1) / n - c;
        d = fmax(d, fmax(lo, hi));
    }
    return d;
}

/* The slow path alone: draws forced into the base layer beyond r give the normal tail (from
 * the fallback blocks); draws forced into a wedge are deterministic and sign-symmetric. */
static void test_normal_slow_path(void **state)
{
    (void)state;
    const int n = 200000;
    double *x = malloc((size_t)n * sizeof *x);
    assert_non_null(x);
    const uint32_t key[2] = {31, 41};
    /* layer 0, sign +, u = 1 - 2^-53: x = X[0] (1 - 2^-53) > r, so the tail sampler runs */
    const uint64_t mtail = 0x007FFFFFFFFFFFFFull;
    for (int i = 0; i < n; i++) {
        x[i] = snn_normal_from64(mtail, key, (uint32_t)i, 5, 0, 0, 1);
        assert_true(x[i] > SNN_ZIG_R);
    }
    /* a pure function of the counter and the word index */
    assert_true(snn_normal_from64(mtail, key, 3, 5, 0, 0, 1) == x[3]);
    assert_true(snn_normal_from64(mtail, key, 3, 5, 0, 0, 3) != x[3]);
    assert_true(snn_normal_from64(mtail | (1ull << 55), key, 3, 5, 0, 0, 1) == -x[3]);
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    /* KS critical distance at p = 1e-4: sqrt(ln(2e4) / 2 / n) = 0.0050 */
    double d = tail_ks(x, n, 0.0), d_off = tail_ks(x, n, 0.02);
    if (getenv("SNN_TEST_VERBOSE") || !(d < 0.0055) || !(d_off > 0.0055))
        print_error("tail: KS distance %.5f (shifted by 0.02: %.5f)\n", d, d_off);
    assert_true(d < 0.0055);
    assert_true(d_off > 0.0055);

    /* A wedge (layer 100, u at its largest): either the candidate itself or a new normal. */
    const double *X = snn_zig_x();
    const uint64_t mwedge = ((uint64_t)100 << 56) | 0x007FFFFFFFFFFFFCull;
    const double cand = (double)(0x007FFFFFFFFFFFFCull >> 2) * (1.0 / 9007199254740992.0) * X[100];
    int kept = 0;
    for (int i = 0; i < 20000; i++) {
        double y = snn_normal_from64(mwedge, key, (uint32_t)i, 6, 0, 0, 3);
        kept += y == cand;
    }
    /* accepted with probability (f(cand) - f(X[100])) / (f(X[101]) - f(X[100])) */
    const double *F = snn_zig_f();
    double pa = (exp(-0.5 * cand * cand) - F[100]) / (F[101] - F[100]);
    assert_true(fabs(kept - 20000 * pa) < 5 * sqrt(20000 * pa * (1 - pa)) + 1);
    free(x);
}

/* The layout of the draws: the fast path is a table look-up and a product, the stream and
 * initialiser versions take the words the contract in snnrt.h and snn_philox.h names. */
static void test_normal_layout(void **state)
{
    (void)state;
    const double *X = snn_zig_x();
    const double *F = snn_zig_f();
    /* the tables: X[1] = r, X[256] = 0, f(X[256]) = 1, layers of equal area v */
    assert_true(X[1] == SNN_ZIG_R && X[256] == 0.0 && F[256] == 1.0);
    const double v = SNN_ZIG_R * exp(-0.5 * SNN_ZIG_R2) +
                     sqrt(3.141592653589793 / 2) * erfc(SNN_ZIG_R / sqrt(2.0));
    assert_true(fabs(X[0] * F[1] - v) < 1e-15);
    for (int i = 1; i < 256; i++) {
        assert_true(X[i + 1] < X[i]);
        assert_true(fabs(X[i] * (F[i + 1] - F[i]) - v) < 1e-15);
        assert_true(fabs(F[i] - exp(-0.5 * X[i] * X[i])) < 2e-15);
    }
    /* fast path: layer 7, sign -, u = 2^52 / 2^53 = 1/2 (X[8] / X[7] > 0.97, so accepted) */
    const uint32_t key[2] = {1, 2};
    uint64_t m = ((uint64_t)7 << 56) | (1ull << 55) | (1ull << 54);
    assert_true(snn_normal_from64(m, key, 0, 0, 0, 0, 1) == -0.5 * X[7]);

    /* snn_rng_normal: the next two words of the stream, here words 3 and 0 of blocks 0, 1 */
    snn_rng g, h;
    snn_rng_init(&g, 0x500000003ull, 8, 9, 10);
    snn_rng_init(&h, 0x500000003ull, 8, 9, 10);
    for (int i = 0; i < 3; i++) {
        (void)snn_rng_u32(&g);
        (void)snn_rng_u32(&h);
    }
    uint32_t a = snn_rng_u32(&h), b = snn_rng_u32(&h);
    assert_true(snn_rng_normal(&g) == snn_normal_from64(((uint64_t)a << 32) | b, h.key, 1, 9,
                                                        10, 5, 0));
    assert_int_equal(snn_rng_u32(&g), snn_rng_u32(&h));

    /* initialisers: draw d is half d & 1 of block d >> 1 of (seed, stream, element, 0) */
    snn_init nrm = {SNN_INIT_NORMAL, 1.0, 2.0, 4242};
    const uint64_t seed = 0x700000011ull;
    for (uint32_t d = 0; d < 64; d++) {
        uint32_t ctr[4] = {d >> 1, 77, 0, 7}, k2[2] = {0x11, 4242}, w[4];
        snn_philox4x32_10(ctr, k2, w);
        uint32_t hh = 2 * (d & 1);
        double z = snn_normal_from64(((uint64_t)w[hh] << 32) | w[hh + 1], k2, d >> 1, 77, 0, 7,
                                     hh + 1);
        double val = snn_init_value(&nrm, seed, 77, d);
        assert_true(val == 1.0 + 2.0 * z);
        assert_true(val == snn_init_value(&nrm, seed, 77, d)); /* deterministic */
        assert_true(val != snn_init_value(&nrm, seed, 78, d)); /* per element */
        assert_true(val != snn_init_value(&nrm, seed + 1, 77, d)); /* per seed */
        assert_true(val != snn_init_value(&nrm, seed, 77, d ^ 1)); /* per draw */
    }
    snn_init uni = {SNN_INIT_UNIFORM, 0.0, 1.0, 4242};
    {
        uint32_t ctr[4] = {2, 77, 0, 7}, k2[2] = {0x11, 4242}, w[4];
        snn_philox4x32_10(ctr, k2, w);
        uint64_t x53 = ((uint64_t)(w[2] >> 5) << 26) | (w[3] >> 6);
        assert_true(snn_init_value(&uni, seed, 77, 5) == (double)x53 / 9007199254740992.0);
    }
}

/* rt_philox_batch (the construction's SIMD Philox) gives snn_philox4x32_10's blocks at
 * every level this machine has, for batch sizes around the vector widths and counters
 * that wrap. */
static void test_philox_batch(void **state)
{
    (void)state;
    enum { NB = 100 };
    uint32_t w[4][NB + 1];
    const uint32_t key[2] = {0xdeadbeefu, 0x12345678u};
    const uint32_t firsts[3] = {0, 7, 0xFFFFFFF0u};
    const uint32_t sizes[8] = {1, 7, 8, 9, 16, 17, 63, NB};
    int best = rt_philox_batch_level(-1);
    for (int level = 0; level <= best; level++) {
        assert_int_equal(rt_philox_batch_level(level), level);
        for (int fi = 0; fi < 3; fi++)
            for (int si = 0; si < 8; si++) {
                const uint32_t nb = sizes[si];
                memset(w, 0xA5, sizeof w);
                rt_philox_batch(key, firsts[fi], 11, 0x80000000u, 3, nb, w[0], w[1], w[2], w[3]);
                for (uint32_t b = 0; b < nb; b++) {
                    uint32_t ctr[4] = {firsts[fi] + b, 11, 0x80000000u, 3}, x[4];
                    snn_philox4x32_10(ctr, key, x);
                    for (int q = 0; q < 4; q++)
                        assert_int_equal(w[q][b], x[q]);
                }
                for (int q = 0; q < 4; q++) /* nothing written past nb */
                    assert_int_equal(w[q][nb], 0xA5A5A5A5u);
                /* snn_rng_first_blocks (the neuron loops'): element firsts[fi] + b's stream,
                 * started with snn_rng_init_first, equals snn_rng_init's, word for word */
                memset(w, 0xA5, sizeof w);
                const uint64_t seed = 0x123456789abcdefull, step = 0x100000005ull;
                snn_rng_first_blocks(seed, 77, firsts[fi], step, nb, w[0], w[1], w[2], w[3]);
                for (uint32_t b = 0; b < nb; b++) {
                    snn_rng g, h;
                    snn_rng_init(&g, seed, 77, firsts[fi] + b, step);
                    snn_rng_init_first(&h, seed, 77, firsts[fi] + b, step, w[0][b], w[1][b],
                                       w[2][b], w[3][b]);
                    for (int k = 0; k < 11; k++)
                        assert_int_equal(snn_rng_u32(&g), snn_rng_u32(&h));
                }
                for (int q = 0; q < 4; q++)
                    assert_int_equal(w[q][nb], 0xA5A5A5A5u);
                /* rt_philox_gather (the connectivity updates' candidate rows and candidates):
                 * counters (0, c1[b], c2[b] or one c2, step); with the synapse-keyed stream's
                 * key, snn_rng_init_synk_first continues as snn_rng_init_synk */
                uint32_t c1[NB], c2[NB];
                for (uint32_t b = 0; b < nb; b++) {
                    c1[b] = firsts[fi] + 977u * b * b;
                    c2[b] = 0xFFFFFFFFu - 13u * b;
                }
                const uint64_t sk = snn_rng_syn_key(seed, 91);
                const uint32_t kk[2] = {(uint32_t)sk, (uint32_t)(sk >> 32)};
                for (int per = 0; per < 2; per++) {
                    memset(w, 0xA5, sizeof w);
                    rt_philox_gather(kk, 0u, c1, per ? c2 : NULL, 5u, (uint32_t)step, nb, w[0],
                                     w[1], w[2], w[3]);
                    for (uint32_t b = 0; b < nb; b++) {
                        snn_rng g, h;
                        const uint32_t post = per ? c2[b] : 5u;
                        snn_rng_init_synk(&g, sk, 0u, c1[b], post, 0u, step);
                        snn_rng_init_synk_first(&h, sk, c1[b], post, step, w[0][b], w[1][b],
                                                w[2][b], w[3][b]);
                        for (int k = 0; k < 11; k++)
                            assert_int_equal(snn_rng_u32(&g), snn_rng_u32(&h));
                    }
                    for (int q = 0; q < 4; q++)
                        assert_int_equal(w[q][nb], 0xA5A5A5A5u);
                }
            }
    }
    rt_philox_batch_level(-1);
}

/* rt_init_fill (the construction's weights and delays: the Ziggurat's fast path and the
 * bounds in SIMD, rt_normal_pairs) gives every value bit for bit as rt_init_eval, one value
 * at a time, on every SIMD level: normals, the microcircuit's clipped weights and delays,
 * bounds that reject most draws (many redraws), and odd lengths (scalar tails). */
static void test_normal_pairs(void **state)
{
    (void)state;
    const snn_init inits[] = {
        {SNN_INIT_NORMAL, 0.3, 2.0, 11, 0, 0},
        {SNN_INIT_NORMAL_CLIPPED, 87.81, 8.781, 12, 0.0, INFINITY},
        {SNN_INIT_NORMAL_CLIPPED, -351.2, 35.12, 13, -INFINITY, 0.0},
        {SNN_INIT_NORMAL_CLIPPED, 1.5, 0.75, 14, 0.1, 25.0},
        {SNN_INIT_NORMAL_CLIPPED, 0.0, 1.0, 15, -0.3, 0.4},
        {SNN_INIT_NORMAL_CLIPPED, 0.0, 1.0, 16, 2.0, INFINITY},
    };
    const uint32_t sizes[] = {1, 2, 7, 8, 9, 17, 127, 128, 129, 300, 1001};
    double out[1001 + 1];
    int best = rt_philox_batch_level(-1);
    long slow = 0, fixed = 0;
    for (int level = 0; level <= best; level++) {
        assert_int_equal(rt_philox_batch_level(level), level);
        for (size_t k = 0; k < sizeof inits / sizeof inits[0]; k++)
            for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
                for (uint32_t elem = 0; elem < 12; elem++) {
                    const uint64_t seed = 0x5eed00000000ull * (k + 1) + 55;
                    const uint32_t n = sizes[si];
                    out[n] = 12345.0;
                    rt_init_fill(&inits[k], seed, elem * 977u, n, out);
                    assert_true(out[n] == 12345.0); /* nothing written past n */
                    for (uint32_t t = 0; t < n; t++) {
                        const double want = rt_init_eval(&inits[k], seed, elem * 977u, t);
                        uint64_t x, y;
                        memcpy(&x, &out[t], 8);
                        memcpy(&y, &want, 8);
                        if (x != y)
                            print_error("level %d init %zu n %u elem %u t %u: %.17g, want %.17g\n",
                                        level, k, n, elem, t, out[t], want);
                        assert_true(x == y);
                    }
                }
        /* the lanes listed for the scalar code: the fast path's failures (about 0.7 %) and
         * the values out of bounds, nothing else */
        uint32_t w[4][64], fix[128];
        for (uint32_t c = 0; c < 200; c++) {
            const uint32_t key[2] = {c, 99};
            rt_philox_batch(key, 0, c, 0, 0, 64, w[0], w[1], w[2], w[3]);
            const uint32_t nf = rt_normal_pairs(w[0], w[1], w[2], w[3], 64, 0.0, 1.0, -2.0,
                                                INFINITY, out, fix);
            uint32_t f = 0;
            for (uint32_t t = 0; t < 128; t++) {
                const uint32_t b = t / 2, h = 2 * (t & 1);
                const uint64_t m = ((uint64_t)w[h][b] << 32) | w[h + 1][b];
                const double *X = snn_zig_x();
                const uint32_t i = (uint32_t)(m >> 56);
                const double u = (double)(int64_t)((m >> 2) & 0x1FFFFFFFFFFFFFull) *
                                 (1.0 / 9007199254740992.0) * X[i];
                const double z = snn_normal_from64(m, key, b, c, 0, 0, h + 1);
                const int bad = !(u < X[i + 1]) || !(z >= -2.0);
                slow += !(u < X[i + 1]);
                if (bad) {
                    assert_true(f < nf);
                    assert_int_equal(fix[f], t | (u < X[i + 1] ? 0u : RT_FIX_SLOW));
                    if (u < X[i + 1]) /* out of bounds: out[t] is the first attempt */
                        assert_true(out[t] == z);
                    f++;
                    fixed++;
                } else {
                    assert_true(out[t] == z);
                }
            }
            assert_int_equal(f, nf);
        }
    }
    assert_true(slow > 100); /* 0.7 % of 25,600 values per level */
    assert_true(fixed > slow);
    rt_philox_batch_level(-1);
}

/* rt_delay_steps (the builder's delays in steps, SIMD): max(1, llround(ms / dt)) for every
 * value, the halves exactly on both sides, and the index of the first value that is too
 * long or NaN; rt_syn_hash_sum (the checksum of float weights with 1-byte delays, SIMD):
 * the sum of the synapse hashes as written out here, on every level. */
static uint64_t t_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

static void test_delay_steps_hash(void **state)
{
    (void)state;
    enum { N = 1003 };
    static double ms[N];
    static uint16_t d[N + 8];
    static uint32_t e[2 * N], w[N];
    static uint8_t dl[N];
    uint64_t dtab[256];
    for (uint32_t k = 0; k < 256; k++)
        dtab[k] = t_mix64((uint64_t)k + 0x632be59bd9b4e019ull);
    const double dt = 0.1;
    snn_rng g;
    snn_rng_init(&g, 9, 9, 9, 9);
    for (uint32_t t = 0; t < N; t++) {
        ms[t] = t % 5 == 0 ? (double)(t % 500) * 0.05 : snn_rng_uniform(&g) * 26.0 - 1.0;
        e[2 * t] = snn_rng_u32(&g);
        e[2 * t + 1] = snn_rng_u32(&g);
        w[t] = snn_rng_u32(&g);
        dl[t] = (uint8_t)snn_rng_u32(&g);
    }
    int best = rt_philox_batch_level(-1);
    uint64_t want = 0;
    for (uint32_t t = 0; t < N; t++)
        want += t_mix64((((uint64_t)e[2 * t] << 32) | e[2 * t + 1]) ^
                        t_mix64((uint64_t)w[t] + 0x9e3779b97f4a7c15ull) ^ dtab[dl[t]]);
    for (int level = 0; level <= best; level++) {
        assert_int_equal(rt_philox_batch_level(level), level);
        const uint32_t ns[] = {0, 3, 8, 17, N};
        for (int k = 0; k < 5; k++) {
            const uint32_t n = ns[k];
            memset(d, 0xEE, sizeof d);
            assert_int_equal(rt_delay_steps(ms, n, dt, 255.5, d), n);
            for (uint32_t t = 0; t < n; t++) {
                const double x = ms[t] / dt;
                assert_int_equal(d[t], x < 1.5 ? 1u : (uint32_t)llround(x));
            }
            assert_int_equal(d[n], 0xEEEE);
        }
        assert_int_equal(rt_delay_steps(ms, N, dt, 65535.5, d), N);
        double halves[64]; /* x = k / 2 exactly: 1.5 -> 2, 2.5 -> 3, below 1.5 -> 1 */
        for (int k = 0; k < 64; k++)
            halves[k] = 0.25 * (k + 2);
        assert_int_equal(rt_delay_steps(halves, 64, 0.5, 255.5, d), 64);
        for (int k = 0; k < 64; k++)
            assert_int_equal(d[k], k + 2 < 3 ? 1 : (k + 3) / 2);
        double bad[40];
        for (int k = 0; k < 40; k++)
            bad[k] = 2.0;
        bad[29] = NAN;
        assert_int_equal(rt_delay_steps(bad, 40, dt, 255.5, d), 29);
        bad[29] = 2.0;
        bad[11] = 25.55; /* 255.5 steps: one too many */
        assert_int_equal(rt_delay_steps(bad, 40, dt, 255.5, d), 11);
        bad[11] = 25.549;
        assert_int_equal(rt_delay_steps(bad, 40, dt, 255.5, d), 40);
        assert_int_equal(d[11], 255);
        assert_true(rt_syn_hash_sum(e, w, dl, dtab, N) == want);
        assert_true(rt_syn_hash_sum(e, w, dl, dtab, 0) == 0);
    }
    rt_philox_batch_level(-1);
}

/* fmin/fmax of code strings (snn_fmin, snn_fmax and their float forms, inline): bit for bit
 * libm's (called through volatile pointers, so that gcc does not put its own builtin in)
 * for every pair of a set of specials and ordinary values: zeros of both signs, infinities,
 * a quiet NaN of either sign, subnormals, equal values. */
static double (*volatile libm_fmax)(double, double) = fmax;
static double (*volatile libm_fmin)(double, double) = fmin;
static float (*volatile libm_fmaxf)(float, float) = fmaxf;
static float (*volatile libm_fminf)(float, float) = fminf;
static void test_fmin_fmax(void **state)
{
    (void)state;
    const double v[] = {0.0, -0.0, 1.0, -1.0, 0.5, 1.0 + 0x1p-52, INFINITY, -INFINITY, NAN, -NAN,
                        0x1p-1074, -0x1p-1060, 3.4e38, 1e300, -2.5, 0x1p-149};
    const int n = (int)(sizeof v / sizeof v[0]);
    int zeros = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double r[4] = {snn_fmax(v[i], v[j]), libm_fmax(v[i], v[j]), snn_fmin(v[i], v[j]),
                           libm_fmin(v[i], v[j])};
            const float x = (float)v[i], y = (float)v[j];
            float f[4] = {snn_fmaxf(x, y), libm_fmaxf(x, y), snn_fminf(x, y), libm_fminf(x, y)};
#if defined(__x86_64__) && defined(__GLIBC__)
            /* glibc's x86-64 maxsd/minsd: of two zeros the second */
            const int exact_zeros = 1;
#else
            const int exact_zeros = 0; /* C leaves the sign of fmax(-0, +0) open */
#endif
            if (v[i] == 0 && v[j] == 0) {
                zeros++;
                assert_true(r[0] == 0 && r[2] == 0 && f[0] == 0 && f[2] == 0);
                if (exact_zeros)
                    assert_true(signbit(r[0]) == signbit(v[j]) && signbit(f[2]) == signbit(y));
                if (!exact_zeros)
                    continue;
            }
            if (isnan(v[i]) || isnan(v[j])) /* a NaN, the other one's value otherwise */
                assert_true(isnan(r[0]) == (isnan(v[i]) && isnan(v[j])));
            assert_memory_equal(&r[0], &r[1], sizeof r[0]);
            assert_memory_equal(&r[2], &r[3], sizeof r[2]);
            assert_memory_equal(&f[0], &f[1], sizeof f[0]);
            assert_memory_equal(&f[2], &f[3], sizeof f[2]);
        }
    assert_int_equal(zeros, 4);
    assert_true(snn_fmax(-3.0, 2.0) == 2.0 && snn_fmin(-3.0, 2.0) == -3.0);
    assert_true(snn_fmaxf(NAN, 2.0f) == 2.0f && snn_fminf(2.0f, NAN) == 2.0f);
}

/* div(a, b) and mod(a, b) of code strings: floored, so mod has the sign of b. */
static void test_div_mod(void **state)
{
    (void)state;
    assert_true(snn_div(7, 2) == 3 && snn_div(-7, 2) == -4 && snn_div(-1, 16) == -1);
    assert_true(snn_mod(7, 2) == 1 && snn_mod(-7, 2) == 1 && snn_mod(-1, 16) == 15);
    assert_true(snn_mod(17, 16) == 1 && snn_mod(3, -2) == -1 && snn_mod(0, 5) == 0);
    assert_true(snn_mod(2.5, 1) == 0.5 && snn_div(2.5, 1) == 2);
    assert_true(snn_divf(-7.0f, 2.0f) == -4.0f && snn_modf(-1.0f, 16.0f) == 15.0f);
    /* exact for whole numbers below 2^32 (the indices of connectivity code) */
    for (double a = 4294967295.0; a > 4294967295.0 - 5000; a -= 1)
        for (double b = 1; b <= 65536.0 * 2; b = b * 2 + 1) {
            uint64_t ia = (uint64_t)a, ib = (uint64_t)b;
            assert_true(snn_div(a, b) == (double)(ia / ib));
            assert_true(snn_mod(a, b) == (double)(ia % ib));
        }
}

/* snn_exp_uf (the connectivity updates' exp): bit for bit libm's exp, around its cut at
 * -746 (every double from -746 - 2^-40 up, the next 4,096), over the range where exp
 * underflows or is subnormal, and at the special values. */
static void test_exp_uf(void **state)
{
    (void)state;
    double x = nextafter(-746.0, -INFINITY) - 0x1p-40;
    for (int k = 0; k < 4096; k++, x = nextafter(x, INFINITY)) {
        double a = snn_exp_uf(x), b = exp(x);
        assert_memory_equal(&a, &b, sizeof a);
    }
    for (double y = -1100.0; y < 0.0; y += 0.0625) {
        double a = snn_exp_uf(y), b = exp(y);
        assert_memory_equal(&a, &b, sizeof a);
    }
    const double sp[] = {-INFINITY, -1e300, -746.0, -745.5, -745.0, -0.0, 0.0, 1.0, 709.0, 710.0,
                         INFINITY};
    for (unsigned k = 0; k < sizeof sp / sizeof sp[0]; k++) {
        double a = snn_exp_uf(sp[k]), b = exp(sp[k]);
        assert_memory_equal(&a, &b, sizeof a);
    }
    assert_true(isnan(snn_exp_uf(NAN)));
    assert_true(exp(-745.0) > 0.0 && snn_exp_uf(-745.0) > 0.0); /* subnormal, not cut */
}

/* snn_exp_memo (the C back end's connectivity updates' exp): bit for bit libm's exp whether
 * an argument is remembered, evicted by others of its set or new: integer-distance
 * Gaussians' arguments (the topographic map's) passed twice over in two orders, the range
 * around the cut at -746, the special values and -1000 (the key of an empty slot). */
static void test_exp_memo(void **state)
{
    (void)state;
    for (int pass = 0; pass < 4; pass++)
        for (int k = 0; k < 6273; k++) {
            const int d2 = pass & 1 ? 6272 - k : (int)(((uint32_t)k * 2654435761u) % 6273u);
            const double x = -(double)d2 / (2.0 * 2.5 * 2.5), y = -(double)d2 / 2.0;
            double a = snn_exp_memo(x), b = exp(x);
            assert_memory_equal(&a, &b, sizeof a);
            a = snn_exp_memo(y);
            b = exp(y) * (y >= -746.0); /* +0 below the cut, as snn_exp_uf */
            double c = snn_exp_uf(y);
            assert_memory_equal(&a, &c, sizeof a);
            assert_true(a == b);
        }
    double x = nextafter(-746.0, -INFINITY) - 0x1p-40;
    for (int k = 0; k < 4096; k++, x = nextafter(x, INFINITY)) {
        double a = snn_exp_memo(x), b = exp(x);
        assert_memory_equal(&a, &b, sizeof a);
    }
    const double sp[] = {-INFINITY, -1000.0, -746.0, -745.0, -0.0, 0.0, 1.0, 709.0, 710.0,
                         INFINITY, -0.0, 0.0, -1000.0};
    for (unsigned k = 0; k < sizeof sp / sizeof sp[0]; k++) {
        double a = snn_exp_memo(sp[k]), b = exp(sp[k]);
        assert_memory_equal(&a, &b, sizeof a);
    }
    assert_true(isnan(snn_exp_memo(NAN)) && isnan(snn_exp_memo(NAN)));
    /* six arguments sharing a set of four ways (bits apart or not), asked for in turn: every
     * look-up after the first four evicts the oldest; in three orders */
    int groups = 0;
    for (double u = -700.0; u < 700.0 && groups < 100; u += 0.7) {
        uint64_t bu;
        memcpy(&bu, &u, sizeof bu);
        const uint64_t su = (bu * 0x9E3779B97F4A7C15ull) >> (64 - SNN_EXP_MEMO_BITS);
        double g[6] = {u};
        int n = 1;
        for (uint64_t d = 1; d < 1u << 20 && n < 6; d++) {
            const uint64_t bv = bu ^ d;
            if ((bv * 0x9E3779B97F4A7C15ull) >> (64 - SNN_EXP_MEMO_BITS) == su)
                memcpy(&g[n++], &bv, sizeof(double));
        }
        assert_int_equal(n, 6);
        static const int order[3][12] = {{0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5},
                                          {0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 4, 0},
                                          {5, 4, 3, 2, 1, 0, 0, 5, 1, 4, 2, 3}};
        for (int o = 0; o < 3; o++)
            for (int k = 0; k < 12; k++) {
                const double xk = g[order[o][k]];
                double a = snn_exp_memo(xk), b2 = exp(xk);
                assert_memory_equal(&a, &b2, sizeof a);
            }
        groups++;
    }
    assert_int_equal(groups, 100);
}

/* snn_poisson_count (thresholds on the one 32-bit word) is snn_rng_poisson below lambda 10,
 * word for word: checked on both sides of every threshold, at the ends of the word range
 * and on random words, for constant and run-time lambdas. */
static uint32_t poisson_of_word(double lambda, uint32_t w)
{
    snn_rng g;
    snn_rng_init_first(&g, 1, 2, 3, 4, w, 0, 0, 0); /* the stream's first word is w */
    return snn_rng_poisson(&g, lambda);
}

static void poisson_words_check(double lambda)
{
    int32_t thr[SNN_POISSON_TMAX];
    const uint32_t kmax = snn_poisson_kmax(lambda);
    assert_true(kmax >= 1 && kmax <= SNN_POISSON_TMAX);
    const uint32_t live = snn_poisson_thresholds(lambda, thr);
    assert_true(live >= 1 && live <= kmax); /* not all at the top: real steps */
    for (uint32_t j = 0; j < kmax; j++) {
        const uint32_t t = (uint32_t)thr[j] ^ 0x80000000u;
        if (j)
            assert_true(thr[j] >= thr[j - 1]);
        assert_true((t == 0xFFFFFFFFu) == (j >= live));
        const uint32_t ws[4] = {t - (t > 0), t, t + (t < 0xFFFFFFFFu), t / 2};
        for (int q = 0; q < 4; q++) {
            const uint32_t k = poisson_of_word(lambda, ws[q]);
            assert_int_equal(snn_poisson_count(ws[q], thr, kmax), k);
            assert_int_equal(snn_poisson_count(ws[q], thr, live), k);
        }
    }
    for (uint32_t j = kmax; j < SNN_POISSON_TMAX; j++)
        assert_int_equal(thr[j], 0x7FFFFFFF);
    assert_int_equal(snn_poisson_count(0xFFFFFFFFu, thr, SNN_POISSON_TMAX),
                     poisson_of_word(lambda, 0xFFFFFFFFu));
    assert_int_equal(snn_poisson_count(0, thr, live), poisson_of_word(lambda, 0));
    assert_int_equal(snn_poisson_count(0xFFFFFFFFu, thr, live),
                     poisson_of_word(lambda, 0xFFFFFFFFu));
    snn_rng g;
    snn_rng_init(&g, 99, 5, (uint32_t)(lambda * 1000), 0);
    for (int i = 0; i < 20000; i++) {
        const uint32_t w = snn_rng_u32(&g);
        assert_int_equal(snn_poisson_count(w, thr, live), poisson_of_word(lambda, w));
    }
}

static void test_poisson_words(void **state)
{
    (void)state;
    poisson_words_check(1.28); /* the microcircuit's background at dt 0.1 */
    poisson_words_check(1.6799999999999999);
    poisson_words_check(2.3199999999999998);
    poisson_words_check(1e-6);
    poisson_words_check(0.5);
    poisson_words_check(9.999);
    volatile double lv = 3.3; /* not folded at compile time */
    for (int i = 0; i < 8; i++)
        poisson_words_check(lv + 0.77 * i);
}

/* snn_rng_quad_words (the C back end's constant-rate Poisson sources): element e's word is
 * word (e & 3) of Philox block (0, e >> 2, step, seed_hi) with key (seed_lo, stream), for
 * every start modulo 4, every length 0..70 and a long one, on every SIMD level this
 * machine has; nothing written past n; snn_rng_quad_word (the other back ends') agrees. */
static void test_quad_words(void **state)
{
    (void)state;
    enum { NMAX = 1000 };
    static uint32_t w[NMAX + 1];
    const uint64_t seed = 0x0badc0de12345678ull, step = 0x100000007ull;
    const uint32_t stream = 0x5eed1234u, bases[2] = {1000, 0xFFFFF000u};
    int best = rt_philox_batch_level(-1);
    for (int level = 0; level <= best; level++) {
        assert_int_equal(rt_philox_batch_level(level), level);
        for (int bi = 0; bi < 2; bi++)
            for (uint32_t r = 0; r < 4; r++)
                for (uint32_t n = 0; n <= 71; n++) {
                    const uint32_t len = n == 71 ? NMAX : n, elem0 = bases[bi] + r;
                    memset(w, 0xA5, sizeof w);
                    snn_rng_quad_words(seed, stream, elem0, step, len, w);
                    for (uint32_t i = 0; i < len; i++) {
                        const uint32_t e = elem0 + i;
                        const uint32_t ctr[4] = {0, e >> 2, (uint32_t)step,
                                                 (uint32_t)(seed >> 32)};
                        const uint32_t key[2] = {(uint32_t)seed, stream};
                        uint32_t x[4];
                        snn_philox4x32_10(ctr, key, x);
                        assert_int_equal(w[i], x[e & 3u]);
                        assert_int_equal(w[i], snn_rng_quad_word(seed, stream, e, step, 0));
                    }
                    assert_int_equal(w[len], 0xA5A5A5A5u);
                }
    }
    rt_philox_batch_level(-1);
    /* lanes: counter word 0 = lane << 16; lane 0 is the unbatched word */
    const uint32_t ctr[4] = {3u << 16, 1234 >> 2, (uint32_t)step, (uint32_t)(seed >> 32)};
    const uint32_t key[2] = {(uint32_t)seed, stream};
    uint32_t x[4];
    snn_philox4x32_10(ctr, key, x);
    assert_int_equal(snn_rng_quad_word(seed, stream, 1234, step, 3), x[1234 & 3]);
}

/* The counts of a constant-rate Poisson source as the C back end makes them (words from
 * snn_rng_quad_words, counted by snn_poisson_count) over many neuron-steps: mean and
 * variance within 5 standard errors of lambda, and the counts of neighbouring neurons
 * (mostly sharing a block) uncorrelated within 5 standard errors. */
static void test_quad_poisson_stats(void **state)
{
    (void)state;
    enum { NE = 1000, NS = 400 };
    const double lambdas[3] = {1.28, 0.05, 6.5};
    static uint32_t w[NE];
    for (int li = 0; li < 3; li++) {
        const double lambda = lambdas[li];
        int32_t thr[SNN_POISSON_TMAX];
        const uint32_t live = snn_poisson_thresholds(lambda, thr);
        double s = 0, s2 = 0, c = 0;
        for (uint32_t t = 0; t < NS; t++) {
            snn_rng_quad_words(42, snn_stream_id("bg"), 17, t, NE, w);
            double prev = 0;
            for (uint32_t i = 0; i < NE; i++) {
                const double k = snn_poisson_count(w[i], thr, live);
                s += k;
                s2 += k * k;
                if (i)
                    c += (k - lambda) * (prev - lambda);
                prev = k;
            }
        }
        const double n = (double)NE * NS, mean = s / n, var = s2 / n - mean * mean;
        assert_true(fabs(mean - lambda) < 5 * sqrt(lambda / n));
        assert_true(fabs(var - lambda) < 5 * sqrt((2 * lambda * lambda + lambda) / n));
        const double np = (double)(NE - 1) * NS; /* covariance of neighbours: sd lambda/sqrt(np) */
        assert_true(fabs(c / np) < 5 * lambda / sqrt(np));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),     cmocka_unit_test(test_rng_layout),
        cmocka_unit_test(test_rng_lane),       cmocka_unit_test(test_rng_syn_layout),
        cmocka_unit_test(test_determinism),    cmocka_unit_test(test_draw_counts),
        cmocka_unit_test(test_uniform_moments), cmocka_unit_test(test_uniform_extremes),
        cmocka_unit_test(test_normal_moments), cmocka_unit_test(test_exponential_mean),
        cmocka_unit_test(test_poisson),        cmocka_unit_test(test_poisson_pmf),
        cmocka_unit_test(test_below),          cmocka_unit_test(test_stream_id),
        cmocka_unit_test(test_init_values),    cmocka_unit_test(test_lnfact),
        cmocka_unit_test(test_binomial),       cmocka_unit_test(test_normal_clipped),
        cmocka_unit_test(test_lognormal_exponential),
        cmocka_unit_test(test_normal_distribution), cmocka_unit_test(test_normal_slow_path),
        cmocka_unit_test(test_normal_layout),  cmocka_unit_test(test_philox_batch),
        cmocka_unit_test(test_normal_pairs),
        cmocka_unit_test(test_delay_steps_hash),
        cmocka_unit_test(test_div_mod),        cmocka_unit_test(test_fmin_fmax),        cmocka_unit_test(test_exp_uf),        cmocka_unit_test(test_exp_memo),        cmocka_unit_test(test_poisson_words),
        cmocka_unit_test(test_quad_words),     cmocka_unit_test(test_quad_poisson_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
