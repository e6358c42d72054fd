/*
 * snn_philox.h - Philox4x32-10 counter-based RNG, header only, for C and CUDA.
 *
 * Philox4x32-10 is the generator of Salmon, Moraes, Dror and Shaw, "Parallel random
 * numbers: as easy as 1, 2, 3" (SC'11), with the Random123 constants; its output matches
 * Random123's published known-answer vectors (tests/unit/test_rt_rng.c).
 *
 * How snncc uses it:
 *   key     = { (uint32_t)seed, stream }
 *   counter = { draw, element, (uint32_t)step, (uint32_t)(seed >> 32) }
 * One Philox call yields 4 uint32; snn_rng hands them out one by one and bumps 'draw'
 * (counter word 0) when it needs the next block.  Everything is SNN_HD so the same code
 * runs on host and device and gives bit-identical integer streams.
 *
 * Draw counts are fixed so that streams stay aligned across back ends:
 *   snn_rng_u32          1 word
 *   snn_rng_uniform      2 words (53 bits)        snn_rng_uniformf   1 word (24 bits)
 *   snn_rng_normal       2 uniforms (4 words)     snn_rng_normalf    2 uniformf (2 words)
 *   snn_rng_exponential  1 uniform (2 words)
 *   snn_rng_poisson      1 word below lambda 10, 1 uniform (2 words) below 30, PTRS above
 *   snn_rng_below        1 word, more only on (rare) rejection
 *   snn_rng_binomial     n p < 10: 1 uniform (2 words), more only when rounding pushes the
 *                        search past n p + 10 sd + 10 (never in practice); n p >= 10: 2
 *                        uniforms (4 words) per BTRS trial, 1.1 to 1.3 trials on average
 * Only exp, log, log1p, sqrt, cos, floor, fabs and lgamma are used, which CUDA has too.
 */
#ifndef SNN_PHILOX_H
#define SNN_PHILOX_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define SNN_HD __host__ __device__ __forceinline__
#define SNN_HD_ALWAYS __host__ __device__ __forceinline__
#else
#define SNN_HD static inline
/* For the Philox block itself: the hot loops (connectivity, initialisers, per-neuron noise)
 * are faster with it inlined, which compilers do not always choose on their own. */
#define SNN_HD_ALWAYS __attribute__((always_inline)) static inline
#endif

#define SNN_PHILOX_M0 0xD2511F53u
#define SNN_PHILOX_M1 0xCD9E8D57u
#define SNN_PHILOX_W0 0x9E3779B9u
#define SNN_PHILOX_W1 0xBB67AE85u

/* One Philox round: (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1,
 * lo(M0 c0)). */
#define SNN_PHILOX_ROUND(c0, c1, c2, c3, k0, k1)                                             \
    do {                                                                                     \
        uint64_t snn_p0_ = (uint64_t)SNN_PHILOX_M0 * (c0);                                   \
        uint64_t snn_p1_ = (uint64_t)SNN_PHILOX_M1 * (c2);                                   \
        (c0) = (uint32_t)(snn_p1_ >> 32) ^ (c1) ^ (k0);                                      \
        (c1) = (uint32_t)snn_p1_;                                                            \
        (c2) = (uint32_t)(snn_p0_ >> 32) ^ (c3) ^ (k1);                                      \
        (c3) = (uint32_t)snn_p0_;                                                            \
    } while (0)

/* Round with key bump before it (rounds 2..10). */
#define SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1)                                        \
    do {                                                                                     \
        (k0) += SNN_PHILOX_W0;                                                               \
        (k1) += SNN_PHILOX_W1;                                                               \
        SNN_PHILOX_ROUND(c0, c1, c2, c3, k0, k1);                                            \
    } while (0)

/* One Philox4x32-10 block: out = philox(ctr, key).  out may alias ctr.  Unrolled by hand
 * (compilers do not unroll the loop at -O2). */
SNN_HD_ALWAYS void snn_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    SNN_PHILOX_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    SNN_PHILOX_BUMP_ROUND(c0, c1, c2, c3, k0, k1);
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

typedef struct snn_rng {
    uint32_t key[2];
    uint32_t ctr[4];
    uint32_t buf[4];
    uint32_t left; /* words of buf not handed out yet */
} snn_rng;

SNN_HD_ALWAYS void snn_rng_init(snn_rng *g, uint64_t seed, uint32_t stream, uint32_t element,
                         uint64_t step)
{
    g->key[0] = (uint32_t)seed;
    g->key[1] = stream;
    g->ctr[0] = 0;
    g->ctr[1] = element;
    g->ctr[2] = (uint32_t)step;
    g->ctr[3] = (uint32_t)(seed >> 32);
    g->buf[0] = g->buf[1] = g->buf[2] = g->buf[3] = 0;
    g->left = 0;
}

/* The next 32 random bits: the 4 words of block ctr[0] in order, then block ctr[0] + 1. */
SNN_HD_ALWAYS uint32_t snn_rng_u32(snn_rng *g)
{
    if (g->left == 0) {
        snn_philox4x32_10(g->ctr, g->key, g->buf);
        g->ctr[0]++;
        g->left = 4;
    }
    return g->buf[4 - g->left--];
}

/* Uniform double in (0, 1): 53 bits from two words (the first gives the high 27 bits).
 * The value 0 is mapped to 2^-54, so the result is never 0 or 1. */
SNN_HD_ALWAYS double snn_rng_uniform(snn_rng *g)
{
    uint32_t a = snn_rng_u32(g) >> 5; /* 27 bits */
    uint32_t b = snn_rng_u32(g) >> 6; /* 26 bits */
    uint64_t x = ((uint64_t)a << 26) | b;
    return x ? (double)x * (1.0 / 9007199254740992.0) : (1.0 / 18014398509481984.0);
}

/* Uniform float in (0, 1): 24 bits from one word; 0 is mapped to 2^-25. */
SNN_HD_ALWAYS float snn_rng_uniformf(snn_rng *g)
{
    uint32_t x = snn_rng_u32(g) >> 8;
    return x ? (float)x * (1.0f / 16777216.0f) : (1.0f / 33554432.0f);
}

/* Standard normal, Box-Muller (cosine branch only; no caching, so always 2 uniforms). */
SNN_HD_ALWAYS double snn_rng_normal(snn_rng *g)
{
    double u1 = snn_rng_uniform(g);
    double u2 = snn_rng_uniform(g);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

SNN_HD_ALWAYS float snn_rng_normalf(snn_rng *g)
{
    float u1 = snn_rng_uniformf(g);
    float u2 = snn_rng_uniformf(g);
    return sqrtf(-2.0f * logf(u1)) * cosf(6.2831853f * u2);
}

/* Exponential with mean 1. */
SNN_HD double snn_rng_exponential(snn_rng *g)
{
    return -log(snn_rng_uniform(g));
}

/* Poisson(lambda).  lambda < 30: inversion of the CDF from one uniform: one word (32
 * bits) below lambda 10, where every outcome that matters has a probability far above
 * 2^-32, and one 53-bit uniform (2 words) from 10 to 30; 4 to 8 times fewer words than
 * the multiplication method.  The search is branch free over a fixed number of terms
 * (the exit of a data-dependent loop is mispredicted about once per draw, which costs
 * more than the extra terms; when lambda is a compile-time constant the terms fold):
 * below 10 over lambda + 10 sqrt(lambda) + 10 terms, which reach every count the 32-bit
 * uniform can select; from 10 to 30 over lambda + 6 sqrt(lambda) + 6, then one term at a
 * time in the rare tail.  lambda >= 30: PTRS, the transformed rejection method with squeeze of
 * W. Hoermann, "The transformed rejection method for generating Poisson random
 * variables" (1993). */
SNN_HD_ALWAYS uint32_t snn_rng_poisson(snn_rng *g, double lambda)
{
    if (!(lambda > 0.0))
        return 0;
    if (lambda < 10.0) {
        /* one 32-bit uniform: the walk covers every count whose upper tail is above the
         * uniform's resolution (2^-33), so it needs no data-dependent exit */
        const double u = ((double)snn_rng_u32(g) + 0.5) * 2.3283064365386963e-10;
        double p = exp(-lambda), cdf = p;
        uint32_t k = 0;
        const uint32_t kmax = (uint32_t)(lambda + 10.0 * sqrt(lambda) + 10.0);
        /* with lambda known at compile time the loop unrolls completely, and the neuron
         * loop around it vectorises (one draw per lane) */
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#pragma GCC unroll 64
#endif
        for (uint32_t j = 1; j <= kmax; j++) {
            k += u > cdf;                       /* k = #{ j : u > cdf_j } */
            p *= lambda / (double)j;
            cdf += p;
        }
        return k;
    }
    if (lambda < 30.0) {
        const double u = snn_rng_uniform(g);
        double p = exp(-lambda), cdf = p;
        uint32_t k = 0;
        const uint32_t kmax = (uint32_t)(lambda + 6.0 * sqrt(lambda) + 6.0);
        for (uint32_t j = 1; j <= kmax; j++) {
            k += u > cdf;
            p *= lambda / (double)j;
            cdf += p;
        }
        if (u > cdf) {                          /* tail: beyond kmax */
            k = kmax + 1;
            for (;;) {
                p *= lambda / (double)k;
                cdf += p;
                if (!(u > cdf) || k >= 1000u)
                    break;
                k++;
            }
        }
        return k;
    }
    double slam = sqrt(lambda), loglam = log(lambda);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = snn_rng_uniform(g) - 0.5;
        double v = snn_rng_uniform(g);
        double us = 0.5 - fabs(u);
        double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint32_t)k;
        if (k < 0.0 || (us < 0.013 && v > us))
            continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -lambda + k * loglam - lgamma(k + 1.0))
            return (uint32_t)k;
    }
}

/* Unbiased integer in [0, n) (Lemire's multiply-shift with rejection); 0 when n == 0. */
SNN_HD uint32_t snn_rng_below(snn_rng *g, uint32_t n)
{
    if (n == 0)
        return 0;
    uint64_t m = (uint64_t)snn_rng_u32(g) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (lo < t) {
            m = (uint64_t)snn_rng_u32(g) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* ln(x!) - ((x + 1/2) ln(x + 1) - (x + 1) + ln(2 pi) / 2) for integer x >= 0: the error of
 * Stirling's formula for ln Gamma(x + 1).  A table below 16 (computed to 50 digits), the
 * series 1/(12z) - 1/(360z^3) + 1/(1260z^5) - 1/(1680z^7) + 1/(1188z^9), z = x + 1, above
 * (truncation error below 1e-16). */
SNN_HD double snn_lnfact_tail(double x)
{
    const double t[16] = {
        0.081061466795327261,  0.041340695955409297,  0.027677925684998338,
        0.020790672103765093,  0.016644691189821193,  0.013876128823070748,
        0.01189670994589177,   0.010411265261972096,  0.0092554621827127329,
        0.0083305634333628708, 0.0075736754879518406, 0.0069428401072095299,
        0.0064089941880042071, 0.0059513701127588475, 0.0055547335519628011,
        0.0052076559196096404};
    if (x < 16.0)
        return t[(int)x];
    double z = x + 1.0, iz2 = 1.0 / (z * z);
    return (1.0 / 12 -
            iz2 * (1.0 / 360 - iz2 * (1.0 / 1260 - iz2 * (1.0 / 1680 - iz2 / 1188)))) /
           z;
}

/* ln(x!) - ln(y!) for integers x, y >= 0 (given as doubles), accurate to a few ulp of the
 * result even when x and y are large and close (where lgamma(x + 1) - lgamma(y + 1) loses
 * all digits): Stirling's formula with the difference of the logarithms taken by log1p,
 * plus the tails. */
SNN_HD double snn_lnfact_diff(double x, double y)
{
    double d = x - y;
    return (x + 0.5) * log1p(d / (y + 1.0)) + d * (log(y + 1.0) - 1.0) + snn_lnfact_tail(x) -
           snn_lnfact_tail(y);
}

/* Binomial(n, p) for n up to 2^53.  Exact up to the rounding of doubles: p > 1/2 is drawn
 * as n - Binomial(n, 1 - p); n p < 10 by inversion of the CDF (sequential search from 0 with
 * one uniform); n p >= 10 by BTRS, the transformed rejection with squeeze of W. Hoermann,
 * "The generation of binomial random variates" (J. Stat. Comput. Simul. 46, 1993), where the
 * acceptance test compares with the exact ratio f(k) / f(mode) (snn_lnfact_diff).  p <= 0
 * (or NaN) gives 0, p >= 1 gives n. */
SNN_HD uint64_t snn_rng_binomial64(snn_rng *g, uint64_t n, double p)
{
    if (n == 0 || !(p > 0.0))
        return 0;
    if (p >= 1.0)
        return n;
    const int flip = p > 0.5;
    const double pp = flip ? 1.0 - p : p; /* exact for p in [1/2, 1] */
    const double q = 1.0 - pp, dn = (double)n, np = dn * pp;
    uint64_t k;
    if (np < 10.0) {
        const double r = pp / q;
        const double f0 = exp(dn * log1p(-pp)); /* q^n >= e^-14 here */
        const double bound = fmin(dn, np + 10.0 * sqrt(np * q + 1.0) + 10.0);
        for (;;) {
            double u = snn_rng_uniform(g), f = f0, x = 0.0;
            while (u > f && x <= bound) {
                u -= f;
                x += 1.0;
                f *= r * (dn - x + 1.0) / x;
            }
            if (x <= bound) {
                k = (uint64_t)x;
                break;
            }
        }
    } else {
        const double spq = sqrt(np * q);
        const double b = 1.15 + 2.53 * spq;
        const double a = -0.0873 + 0.0248 * b + 0.01 * pp;
        const double c = np + 0.5;
        const double vr = 0.92 - 4.2 / b;
        const double alpha = (2.83 + 5.1 / b) * spq;
        const double lpq = log(pp / q);
        const double m = floor((dn + 1.0) * pp);
        for (;;) {
            double u = snn_rng_uniform(g) - 0.5;
            double v = snn_rng_uniform(g);
            double us = 0.5 - fabs(u);
            double x = floor((2.0 * a / us + b) * u + c);
            if (x < 0.0 || x > dn)
                continue;
            if (us >= 0.07 && v <= vr) {
                k = (uint64_t)x;
                break;
            }
            /* log f(x) - log f(m) = ln m! - ln x! + ln (n-m)! - ln (n-x)! + (x - m) ln(p/q) */
            double lhs = log(v * alpha / (a / (us * us) + b));
            double rhs = snn_lnfact_diff(m, x) + snn_lnfact_diff(dn - m, dn - x) + (x - m) * lpq;
            if (lhs <= rhs) {
                k = (uint64_t)x;
                break;
            }
        }
    }
    return flip ? n - k : k;
}

/* Binomial(n, p) for 32-bit n; see snn_rng_binomial64. */
SNN_HD uint32_t snn_rng_binomial(snn_rng *g, uint32_t n, double p)
{
    return (uint32_t)snn_rng_binomial64(g, n, p);
}

#endif /* SNN_PHILOX_H */
