/*
 * snn_xacc.h - exact sums of floating-point numbers (header only).
 *
 * A sum whose terms come from several threads or MPI ranks changes its last bits with the
 * grouping if it is added in floating point.  An snn_xacc accumulator instead holds the
 * exact sum of its terms as a fixed-point integer that covers every finite value of the
 * precision: SNN_XACC_LIMBS(prec) signed 64-bit limbs, limb k worth 2^(32 k + base), each
 * term adding at most 2^33 in magnitude to three consecutive limbs (carries are left in
 * the limbs, so 2^30 terms fit before one could overflow).  Adding limbs is integer
 * addition: the accumulators of any split of the terms (threads, ranks, in any order, with
 * MPI_SUM over int64) add to the same limbs, and snn_xacc_round rounds the exact value
 * once (to nearest, ties to even) to the precision's mantissa.  Three more limbs count
 * NaN, +inf and -inf terms, so a non-finite term gives NaN or the infinity whatever the
 * order.  Used by add_to_pre (docs/parallel.md, "Sums into presynaptic neurons").
 *
 * Limits: a result below the smallest normal number is rounded again by ldexp (it stays
 * the same for every split); a sum of only -0.0 terms is +0.0.
 */
#ifndef SNN_XACC_H
#define SNN_XACC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* double: bits 2^-1074 .. 2^1023 from base 2^-1088 (-34 * 32): limbs 0 .. 65, plus two of
 * headroom; float: 2^-149 .. 2^127 from 2^-160: limbs 0 .. 8, plus one */
#define SNN_XACC_D_LIMBS 68
#define SNN_XACC_D_BASE (-1088)
#define SNN_XACC_F_LIMBS 10
#define SNN_XACC_F_BASE (-160)
/* the int64_t words of one accumulator: limbs, then the NaN, +inf and -inf counts */
#define SNN_XACC_WORDS(limbs) ((limbs) + 3)

/* Every function is callable from host and device code (CUDA: the device half adds with
 * 64-bit atomics: snn_xacc_add_atomic, runtime/cuda/snn_cuda.h). */
#ifdef __CUDACC__
#define SNN_XACC_FN static inline __host__ __device__
#else
#define SNN_XACC_FN static inline
#endif

/* What adding x does to an accumulator: returns -1 for nothing (a zero), limbs + 0/1/2 for
 * a NaN/+inf/-inf term (the word to count), else the first of the three limbs k, k + 1,
 * k + 2 that get d[0], d[1], d[2] (subtracted when *neg). */
SNN_XACC_FN int snn_xacc_split(int limbs, int base, double x, int64_t d[3], int *neg_out)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    const int neg = (int)(bits >> 63);
    const int e = (int)((bits >> 52) & 0x7ff);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    *neg_out = neg;
    if (e == 0x7ff) /* NaN or infinity: counted */
        return limbs + (m ? 0 : 1 + neg);
    if (e == 0 && m == 0)
        return -1;
    int p; /* the position of m's lowest bit above 2^base */
    if (e) {
        m |= UINT64_C(1) << 52;
        p = e - 1075 - base;
    } else {
        p = -1074 - base;
    }
    if (p < 0) { /* float layout: the double's low mantissa bits, zero for a float, go */
        m = -p < 64 ? m >> -p : 0;
        p = 0;
    }
    const int k = p >> 5, s = p & 31;
    const uint64_t lo = (m & 0xffffffffu) << s, hi = (m >> 32) << s;
    d[0] = (int64_t)(lo & 0xffffffffu);
    d[1] = (int64_t)((lo >> 32) + (hi & 0xffffffffu));
    d[2] = (int64_t)(hi >> 32);
    return k;
}

/* a += x (x a double, or a float converted exactly); base: SNN_XACC_D_BASE or _F_BASE
 * (with the float layout x must be a float's value: bits below 2^-160 are dropped) */
SNN_XACC_FN void snn_xacc_add(int64_t *a, int limbs, int base, double x)
{
    int64_t d[3] = {0, 0, 0}; /* set by snn_xacc_split when k is a limb (gcc cannot tell) */
    int neg;
    const int k = snn_xacc_split(limbs, base, x, d, &neg);
    if (k < 0)
        return;
    if (k >= limbs) {
        a[k] += 1;
        return;
    }
    if (neg) {
        a[k] -= d[0];
        a[k + 1] -= d[1];
        a[k + 2] -= d[2];
    } else {
        a[k] += d[0];
        a[k + 1] += d[1];
        a[k + 2] += d[2];
    }
}


/* carries up: limbs 0 .. limbs - 2 into [0, 2^32), the top one signed */
SNN_XACC_FN void snn_xacc_carry(int64_t *t, int limbs)
{
    for (int k = 0; k + 1 < limbs; k++) {
        int64_t c = t[k] >> 32; /* floor(t[k] / 2^32): an arithmetic shift */
        t[k] -= (int64_t)((uint64_t)c << 32);
        t[k + 1] += c;
    }
}

/* The exact value of a (not changed) rounded once to a 'mbits'-bit mantissa (53: double,
 * 24: float), as a double. */
SNN_XACC_FN double snn_xacc_round(const int64_t *a, int limbs, int base, int mbits)
{
    if (a[limbs] || (a[limbs + 1] && a[limbs + 2]))
        return NAN;
    if (a[limbs + 1])
        return INFINITY;
    if (a[limbs + 2])
        return -INFINITY;
    int64_t t[SNN_XACC_D_LIMBS];
    memcpy(t, a, sizeof(int64_t) * (size_t)limbs);
    snn_xacc_carry(t, limbs);
    const int neg = t[limbs - 1] < 0;
    if (neg) {
        for (int k = 0; k < limbs; k++)
            t[k] = -t[k];
        snn_xacc_carry(t, limbs);
    }
    int h = limbs - 1;
    while (h >= 0 && t[h] == 0)
        h--;
    if (h < 0)
        return 0.0;
    const uint64_t top = (uint64_t)t[h];
    int nb = 64;
    while (!(top >> (nb - 1)))
        nb--;
    /* M: the 64 bits from the highest set bit down; sticky: any bit below them */
    uint64_t M = nb == 64 ? top : top << (64 - nb), sticky = 0;
    int need = 64 - nb, k = h - 1;
    for (; k >= 0 && need > 0; k--) {
        const uint64_t d = (uint64_t)t[k];
        if (need >= 32) {
            M |= d << (need - 32);
            need -= 32;
        } else {
            M |= d >> (32 - need);
            sticky |= d & ((UINT64_C(1) << (32 - need)) - 1);
            need = 0;
        }
    }
    for (; k >= 0; k--)
        sticky |= (uint64_t)t[k];
    int lsb = 32 * h + nb - 64 + base; /* the weight of M's lowest bit: 2^lsb */
    const int drop = 64 - mbits;
    uint64_t q = M >> drop;
    const uint64_t r = M & ((UINT64_C(1) << drop) - 1), half = UINT64_C(1) << (drop - 1);
    if (r > half || (r == half && (sticky || (q & 1))))
        q++;
    if (q >> mbits) {
        q >>= 1;
        lsb++;
    }
    const double v = ldexp((double)q, lsb + drop);
    return neg ? -v : v;
}


/* A fast front for the host (add_to_pre of the C back end): an accumulator of
 * SNN_XACC_FAST_WORDS(limbs) words, the exact accumulator above followed by word
 * F = SNN_XACC_WORDS(limbs), a double (its bits; all-zero bits: +0.0) that gathers the
 * terms while each addition is exact in double, and word F + 1, set once a term went to the
 * limbs instead (its addition to the double was inexact, overflowed, or the term was not
 * finite).  The exact sum is the double plus the limbs, so snn_xacc_take returns exactly
 * what snn_xacc_round returns for the same terms, for any split and order: a sum of a few
 * terms of a similar size (most of add_to_pre's sums) never touches the limbs. */
#define SNN_XACC_FAST_WORDS(limbs) (SNN_XACC_WORDS(limbs) + 2)

/* a += x, as snn_xacc_add */
SNN_XACC_FN void snn_xacc_add_fast(int64_t *a, int limbs, int base, double x)
{
    const int F = SNN_XACC_WORDS(limbs);
    double f;
    memcpy(&f, a + F, sizeof f);
    const double s = f + x;
    /* exact iff both differences give the other term back: for the operand of the larger
     * magnitude the difference is exact (Fast2Sum), and the error is zero iff it equals the
     * smaller one; an overflow or a non-finite term fails one of them */
    if (s - f == x && s - x == f) {
        memcpy(a + F, &s, sizeof s);
        return;
    }
    a[F + 1] = 1;
    snn_xacc_add(a, limbs, base, x);
}

/* The fast front's double of a, for a run of terms into one accumulator that keeps it in a
 * register (snn_xacc_add_reg), and back (snn_xacc_fast_put). */
SNN_XACC_FN double snn_xacc_fast_get(const int64_t *a, int limbs)
{
    double f;
    memcpy(&f, a + SNN_XACC_WORDS(limbs), sizeof f);
    return f;
}

SNN_XACC_FN void snn_xacc_fast_put(int64_t *a, int limbs, double f)
{
    memcpy(a + SNN_XACC_WORDS(limbs), &f, sizeof f);
}

/* a += x as snn_xacc_add_fast, the fast front's double in *f (read by snn_xacc_fast_get,
 * written back by snn_xacc_fast_put after the run): the same additions, the same flag */
SNN_XACC_FN void snn_xacc_add_reg(double *f, int64_t *a, int limbs, int base, double x)
{
    const double s = *f + x;
    if (s - *f == x && s - x == *f) {
        *f = s;
        return;
    }
    a[SNN_XACC_WORDS(limbs) + 1] = 1;
    snn_xacc_add(a, limbs, base, x);
}

/* A row of float terms at once (add_to_pre of a dense row in the C back end of a float
 * model: the row loop stores its terms in a buffer).  snn_xacc_row_sum_f tells whether
 * adding x[0 .. n) in double is exact in any order, and gives that sum.  The test, from the
 * exponent fields alone: every term is a multiple of 2^L, L = max(emin, 1) - 150 the
 * weight of the lowest bit of the smallest nonzero term (emin its exponent field), and
 * |x| < 2^(emax - 126) for the largest (emax), so every partial sum of any order is a
 * multiple of 2^L below n 2^(emax - 126) in magnitude, and a double holds it when that is
 * at most 2^(L + 53): emax + ceil(log2 n) <= max(emin, 1) + 29 (a spread of 25 binades for
 * 10 terms).  A NaN or infinite term (emax 255) fails it.  With AVX2 (selected at compile
 * time) eight terms a vector and the rest one by one, else a scalar loop: the same
 * answer (snn_xacc_row_sum_f_avx2 and _scalar; the unit test runs both). */
#ifndef __CUDACC__
SNN_XACC_FN int snn_xacc_row_check(uint32_t n, uint32_t amax, uint32_t amin1, double s,
                                   double *sum)
{
    /* amax: the largest |x|'s bits; amin1: the smallest nonzero |x|'s bits - 1 (as unsigned:
     * all ones for a row of zeros) */
    const uint32_t emax = amax >> 23, emin = (amin1 + 1u) >> 23;
    if (amax == 0) { /* zeros only */
        *sum = 0.0;
        return 1;
    }
    /* ceil(log2 n) (n >= 1 here: a nonzero term) */
    const uint32_t c = n > 1 ? 32u - (uint32_t)__builtin_clz(n - 1u) : 0u;
    if (emax == 255 || emax + c > (emin ? emin : 1u) + 29u)
        return 0;
    *sum = s;
    return 1;
}

SNN_XACC_FN int snn_xacc_row_sum_f_scalar(const float *x, uint32_t n, double *sum)
{
    uint32_t amax = 0, amin1 = UINT32_MAX;
    double s = 0.0;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t b;
        memcpy(&b, x + k, sizeof b);
        b &= 0x7fffffffu;
        amax = b > amax ? b : amax;
        amin1 = b - 1u < amin1 ? b - 1u : amin1;
        s += (double)x[k];
    }
    return snn_xacc_row_check(n, amax, amin1, s, sum);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__AVX2__) || defined(SNN_XACC_AVX2_TARGET))
#include <immintrin.h>
#define SNN_XACC_HAVE_AVX2 1
__attribute__((target("avx2"))) static inline int snn_xacc_row_sum_f_avx2(const float *x,
                                                                           uint32_t n,
                                                                           double *sum)
{
    const __m256i absm = _mm256_set1_epi32(0x7fffffff), one = _mm256_set1_epi32(1);
    __m256i vmax = _mm256_setzero_si256(), vmin = _mm256_set1_epi32(-1);
    __m256d vs = _mm256_setzero_pd();
    uint32_t k = 0;
    for (; k + 8 <= n; k += 8) {
        const __m256 v = _mm256_loadu_ps(x + k);
        const __m256i a = _mm256_and_si256(_mm256_castps_si256(v), absm);
        vmax = _mm256_max_epu32(vmax, a);
        vmin = _mm256_min_epu32(vmin, _mm256_sub_epi32(a, one));
        vs = _mm256_add_pd(vs, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
        vs = _mm256_add_pd(vs, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
    }
    __m128i h = _mm_max_epu32(_mm256_castsi256_si128(vmax), _mm256_extracti128_si256(vmax, 1));
    h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_max_epu32(h, _mm_shuffle_epi32(h, 0xb1));
    uint32_t amax = (uint32_t)_mm_cvtsi128_si32(h);
    h = _mm_min_epu32(_mm256_castsi256_si128(vmin), _mm256_extracti128_si256(vmin, 1));
    h = _mm_min_epu32(h, _mm_shuffle_epi32(h, 0x4e));
    h = _mm_min_epu32(h, _mm_shuffle_epi32(h, 0xb1));
    uint32_t amin1 = (uint32_t)_mm_cvtsi128_si32(h);
    const __m128d d = _mm_add_pd(_mm256_castpd256_pd128(vs), _mm256_extractf128_pd(vs, 1));
    double s = _mm_cvtsd_f64(_mm_add_sd(d, _mm_unpackhi_pd(d, d)));
    /* the last 1 to 7 terms one by one: the row loop stored them one by one, and a vector
     * load across several such stores waits for them (no store forwarding: a masked load
     * here cost more CPU time on Zen 3 for fewer instructions) */
    for (; k < n; k++) {
        uint32_t b;
        memcpy(&b, x + k, sizeof b);
        b &= 0x7fffffffu;
        amax = b > amax ? b : amax;
        amin1 = b - 1u < amin1 ? b - 1u : amin1;
        s += (double)x[k];
    }
    return snn_xacc_row_check(n, amax, amin1, s, sum);
}
#endif

static inline int snn_xacc_row_sum_f(const float *x, uint32_t n, double *sum)
{
#if defined(SNN_XACC_HAVE_AVX2) && defined(__AVX2__)
    return snn_xacc_row_sum_f_avx2(x, n, sum);
#else
    return snn_xacc_row_sum_f_scalar(x, n, sum);
#endif
}

/* a += x[0] + .. + x[n - 1] (floats), the fast front's double in *f as snn_xacc_add_reg:
 * the row's exact sum as one term when snn_xacc_row_sum_f finds it exact, else term by
 * term as snn_xacc_add_reg.  The accumulator holds the same exact sum either way, so
 * snn_xacc_take and snn_xacc_round give the same bits. */
static inline void snn_xacc_add_row_f(double *f, int64_t *a, int limbs, int base, const float *x,
                                      uint32_t n)
{
    double r;
    if (snn_xacc_row_sum_f(x, n, &r)) {
        snn_xacc_add_reg(f, a, limbs, base, r);
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        snn_xacc_add_reg(f, a, limbs, base, (double)x[k]);
}

/* q rows of n float terms each, row j at x + j n, into the accumulators a + j stride (in
 * words), each as snn_xacc_add_row_f with the accumulator's fast front read and written
 * back: the same words as q calls of it.  Eight rows of a whole population at once (the
 * dense rows of add_to_pre, whose terms the row loops leave one row after the other):
 * with AVX2 the rows' tests and sums run across the rows, a row a lane
 * (snn_xacc_rows8_sum_f_avx2), instead of a vector over each row's few terms and three
 * reductions per row. */
#if defined(SNN_XACC_HAVE_AVX2)
/* lane j of c is term k of row j: its |x| bits into the lane's largest and smallest - 1
 * (unsigned), the term in double into the row's sum (rows 0-3 in lo, 4-7 in hi), term by
 * term in k's order as snn_xacc_row_sum_f_scalar */
#define SNN_XACC_COL8(c)                                                                  \
    do {                                                                                  \
        const __m256i a_ = _mm256_and_si256(_mm256_castps_si256(c), absm);                \
        vmax = _mm256_max_epu32(vmax, a_);                                                \
        vmin = _mm256_min_epu32(vmin, _mm256_sub_epi32(a_, one));                         \
        slo = _mm256_add_pd(slo, _mm256_cvtps_pd(_mm256_castps256_ps128(c)));             \
        shi = _mm256_add_pd(shi, _mm256_cvtps_pd(_mm256_extractf128_ps((c), 1)));         \
    } while (0)

/* snn_xacc_row_sum_f of the 8 rows x + j n (n >= 1): bit j of the result says row j is
 * exact in double (its sum in s[j]); the same test and, for a row that passes, the same
 * sum as snn_xacc_row_sum_f (the unit test compares them). */
__attribute__((target("avx2"))) static inline unsigned snn_xacc_rows8_sum_f_avx2(const float *x,
                                                                                  uint32_t n,
                                                                                  double s[8])
{
    const __m256i absm = _mm256_set1_epi32(0x7fffffff), one = _mm256_set1_epi32(1);
    __m256i vmax = _mm256_setzero_si256(), vmin = _mm256_set1_epi32(-1);
    __m256d slo = _mm256_setzero_pd(), shi = _mm256_setzero_pd();
    uint32_t k = 0;
    for (; k + 8 <= n; k += 8) { /* an 8 x 8 block transposed: lane j of c_i is x[j n + k + i] */
        const __m256 r0 = _mm256_loadu_ps(x + k), r1 = _mm256_loadu_ps(x + n + k),
                     r2 = _mm256_loadu_ps(x + 2 * (size_t)n + k),
                     r3 = _mm256_loadu_ps(x + 3 * (size_t)n + k),
                     r4 = _mm256_loadu_ps(x + 4 * (size_t)n + k),
                     r5 = _mm256_loadu_ps(x + 5 * (size_t)n + k),
                     r6 = _mm256_loadu_ps(x + 6 * (size_t)n + k),
                     r7 = _mm256_loadu_ps(x + 7 * (size_t)n + k);
        const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1),
                     t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3),
                     t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
                     t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
        const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee),
                     u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee),
                     u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee),
                     u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
        const __m256 c0 = _mm256_permute2f128_ps(u0, u4, 0x20),
                     c1 = _mm256_permute2f128_ps(u1, u5, 0x20),
                     c2 = _mm256_permute2f128_ps(u2, u6, 0x20),
                     c3 = _mm256_permute2f128_ps(u3, u7, 0x20),
                     c4 = _mm256_permute2f128_ps(u0, u4, 0x31),
                     c5 = _mm256_permute2f128_ps(u1, u5, 0x31),
                     c6 = _mm256_permute2f128_ps(u2, u6, 0x31),
                     c7 = _mm256_permute2f128_ps(u3, u7, 0x31);
        SNN_XACC_COL8(c0);
        SNN_XACC_COL8(c1);
        SNN_XACC_COL8(c2);
        SNN_XACC_COL8(c3);
        SNN_XACC_COL8(c4);
        SNN_XACC_COL8(c5);
        SNN_XACC_COL8(c6);
        SNN_XACC_COL8(c7);
    }
    /* the last n mod 8 terms of each row one by one (the row loops stored them one by one:
     * a load of one term is served from its store) */
    for (; k < n; k++) {
        const __m256 c = _mm256_setr_ps(x[k], x[n + k], x[2 * (size_t)n + k],
                                        x[3 * (size_t)n + k], x[4 * (size_t)n + k],
                                        x[5 * (size_t)n + k], x[6 * (size_t)n + k],
                                        x[7 * (size_t)n + k]);
        SNN_XACC_COL8(c);
    }
    /* snn_xacc_row_check per lane: emax + ceil(log2 n) <= max(emin, 1) + 29 and emax < 255;
     * a row of zeros (amax 0: emax 0, emin 0) passes it (n < 2^30) with the sum +0.0 */
    const uint32_t c = n > 1 ? 32u - (uint32_t)__builtin_clz(n - 1u) : 0u;
    const __m256i emax = _mm256_srli_epi32(vmax, 23);
    const __m256i emin = _mm256_max_epu32(_mm256_srli_epi32(_mm256_add_epi32(vmin, one), 23), one);
    const __m256i bad = _mm256_or_si256(
        _mm256_cmpgt_epi32(_mm256_add_epi32(emax, _mm256_set1_epi32((int)c)),
                           _mm256_add_epi32(emin, _mm256_set1_epi32(29))),
        _mm256_cmpeq_epi32(emax, _mm256_set1_epi32(255)));
    _mm256_storeu_pd(s, slo);
    _mm256_storeu_pd(s + 4, shi);
    return ~(unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(bad)) & 0xffu;
}
#undef SNN_XACC_COL8

/* snn_xacc_add_rows_f of 8 rows with AVX2 */
__attribute__((target("avx2"))) static inline void snn_xacc_add_rows8_f_avx2(int64_t *a,
                                                                              size_t stride,
                                                                              int limbs, int base,
                                                                              const float *x,
                                                                              uint32_t n)
{
    double s[8];
    const unsigned ok = snn_xacc_rows8_sum_f_avx2(x, n, s);
    const int F = SNN_XACC_WORDS(limbs);
    if (ok == 0xffu) {
        /* every row's sum into its fast front as snn_xacc_add_reg, four rows a vector: the
         * same addition and test; where all eight are exact, the eight new doubles stored */
        double g[8];
        for (uint32_t j = 0; j < 8; j++)
            memcpy(g + j, a + j * stride + F, sizeof(double));
        const __m256d f0 = _mm256_loadu_pd(g), f1 = _mm256_loadu_pd(g + 4);
        const __m256d x0 = _mm256_loadu_pd(s), x1 = _mm256_loadu_pd(s + 4);
        const __m256d s0 = _mm256_add_pd(f0, x0), s1 = _mm256_add_pd(f1, x1);
        const __m256d e0 = _mm256_and_pd(_mm256_cmp_pd(_mm256_sub_pd(s0, f0), x0, _CMP_EQ_OQ),
                                         _mm256_cmp_pd(_mm256_sub_pd(s0, x0), f0, _CMP_EQ_OQ));
        const __m256d e1 = _mm256_and_pd(_mm256_cmp_pd(_mm256_sub_pd(s1, f1), x1, _CMP_EQ_OQ),
                                         _mm256_cmp_pd(_mm256_sub_pd(s1, x1), f1, _CMP_EQ_OQ));
        if ((_mm256_movemask_pd(e0) & _mm256_movemask_pd(e1)) == 0xf) {
            _mm256_storeu_pd(g, s0);
            _mm256_storeu_pd(g + 4, s1);
            for (uint32_t j = 0; j < 8; j++)
                memcpy(a + j * stride + F, g + j, sizeof(double));
            return;
        }
    }
    for (uint32_t j = 0; j < 8; j++) { /* row by row */
        int64_t *aj = a + j * stride;
        double f = snn_xacc_fast_get(aj, limbs);
        if (ok >> j & 1u)
            snn_xacc_add_reg(&f, aj, limbs, base, s[j]);
        else
            for (uint32_t k = 0; k < n; k++)
                snn_xacc_add_reg(&f, aj, limbs, base, (double)x[j * (size_t)n + k]);
        snn_xacc_fast_put(aj, limbs, f);
    }
}
#endif

static inline void snn_xacc_add_rows_f(int64_t *a, size_t stride, int limbs, int base,
                                       const float *x, uint32_t n, uint32_t q)
{
#if defined(SNN_XACC_HAVE_AVX2) && defined(__AVX2__)
    if (q == 8) {
        snn_xacc_add_rows8_f_avx2(a, stride, limbs, base, x, n);
        return;
    }
#endif
    for (uint32_t j = 0; j < q; j++) {
        int64_t *aj = a + j * stride;
        double f = snn_xacc_fast_get(aj, limbs);
        snn_xacc_add_row_f(&f, aj, limbs, base, x + j * (size_t)n, n);
        snn_xacc_fast_put(aj, limbs, f);
    }
}
#endif

/* The double part into the limbs (exact: it is a sum of the terms, no finer than they are),
 * leaving a plain exact accumulator (words F and F + 1 zero) to add to others. */
SNN_XACC_FN void snn_xacc_fold(int64_t *a, int limbs, int base)
{
    const int F = SNN_XACC_WORDS(limbs);
    double f;
    memcpy(&f, a + F, sizeof f);
    snn_xacc_add(a, limbs, base, f);
    a[F] = 0;
    a[F + 1] = 0;
}

/* snn_xacc_round of the exact sum (mbits 24 or 53), and the accumulator back to zero.  Without
 * a term in the limbs the double holds the exact sum: a zero, or one in the normal range of
 * the mantissa's format, rounds as the format's own conversion does (to nearest, ties to
 * even), which is snn_xacc_round's rounding; anything else takes the exact way. */
SNN_XACC_FN double snn_xacc_take(int64_t *a, int limbs, int base, int mbits)
{
    const int F = SNN_XACC_WORDS(limbs);
    double f;
    memcpy(&f, a + F, sizeof f);
    if (!a[F + 1]) {
        const double m = fabs(f);
        if (mbits == 24 && (f == 0.0 || (m >= 0x1p-126 && m <= 0x1.fffffep127))) {
            a[F] = 0;
            return (double)(float)f;
        }
        if (mbits == 53 && (f == 0.0 || (m >= 0x1p-1022 && m <= 0x1.fffffffffffffp1023))) {
            a[F] = 0;
            return f;
        }
    }
    snn_xacc_fold(a, limbs, base);
    const double r = snn_xacc_round(a, limbs, base, mbits);
    memset(a, 0, sizeof(int64_t) * (size_t)SNN_XACC_FAST_WORDS(limbs));
    return r;
}

#ifndef __CUDACC__
/* out[j] = (float)snn_xacc_take(a + j stride, limbs, base, 24) for j = 0 .. 7 (the rounding of
 * add_to_pre's sums in a float model, one thread block).  With AVX2, where none of the
 * eight had a term go to the limbs and every double is zero or in float's normal range,
 * the eight conversions at once and the doubles zeroed: snn_xacc_take's fast way for each;
 * else (or without AVX2) snn_xacc_take one by one. */
#if defined(SNN_XACC_HAVE_AVX2)
__attribute__((target("avx2"))) static inline int snn_xacc_take8_f_avx2(int64_t *a, size_t stride,
                                                                         int limbs, float *out)
{
    const int F = SNN_XACC_WORDS(limbs);
    double g[8];
    int64_t flag = 0;
    for (uint32_t j = 0; j < 8; j++) {
        memcpy(g + j, a + j * stride + F, sizeof(double));
        flag |= a[j * stride + F + 1];
    }
    if (flag)
        return 0;
    const __m256d f0 = _mm256_loadu_pd(g), f1 = _mm256_loadu_pd(g + 4);
    const __m256d absm = _mm256_castsi256_pd(_mm256_set1_epi64x(INT64_MAX));
    const __m256d lo = _mm256_set1_pd(0x1p-126), hi = _mm256_set1_pd(0x1.fffffep127),
                  zero = _mm256_setzero_pd();
    const __m256d m0 = _mm256_and_pd(f0, absm), m1 = _mm256_and_pd(f1, absm);
    /* f == 0 || (|f| >= 2^-126 && |f| <= FLT_MAX), as snn_xacc_take (a NaN fails it) */
    const __m256d ok0 = _mm256_or_pd(_mm256_cmp_pd(f0, zero, _CMP_EQ_OQ),
                                     _mm256_and_pd(_mm256_cmp_pd(m0, lo, _CMP_GE_OQ),
                                                   _mm256_cmp_pd(m0, hi, _CMP_LE_OQ)));
    const __m256d ok1 = _mm256_or_pd(_mm256_cmp_pd(f1, zero, _CMP_EQ_OQ),
                                     _mm256_and_pd(_mm256_cmp_pd(m1, lo, _CMP_GE_OQ),
                                                   _mm256_cmp_pd(m1, hi, _CMP_LE_OQ)));
    if ((_mm256_movemask_pd(ok0) & _mm256_movemask_pd(ok1)) != 0xf)
        return 0;
    _mm_storeu_ps(out, _mm256_cvtpd_ps(f0));
    _mm_storeu_ps(out + 4, _mm256_cvtpd_ps(f1));
    for (uint32_t j = 0; j < 8; j++)
        a[j * stride + F] = 0;
    return 1;
}
#endif

static inline void snn_xacc_take8_f(int64_t *a, size_t stride, int limbs, int base, float *out)
{
#if defined(SNN_XACC_HAVE_AVX2) && defined(__AVX2__)
    if (snn_xacc_take8_f_avx2(a, stride, limbs, out))
        return;
#endif
    for (uint32_t j = 0; j < 8; j++)
        out[j] = (float)snn_xacc_take(a + j * stride, limbs, base, 24);
}
#endif

/* snn_xacc_take of the sum of n accumulators a, a + stride, .., a + (n - 1) stride (one
 * source's in each thread block), all back to zero.  When no term went to their limbs and
 * their doubles add without error in block order (a zero TwoSum error, no overflow), that
 * double is the exact sum and rounds as in snn_xacc_take; otherwise the limbs of all are
 * added (integers: any order) and rounded once.  The same bits as folding every block
 * into one accumulator and snn_xacc_round, for any number of blocks. */
SNN_XACC_FN double snn_xacc_take_n(int64_t *a, size_t stride, int n, int limbs, int base,
                                   int mbits)
{
    const int F = SNN_XACC_WORDS(limbs);
    double s = 0.0;
    int t = 0;
    for (; t < n; t++) {
        const int64_t *b = a + (size_t)t * stride;
        double f;
        memcpy(&f, b + F, sizeof f);
        const double r = s + f, bv = r - s;
        if (b[F + 1] || (s - (r - bv)) + (f - bv) != 0.0 || !(fabs(r) <= 0x1.fffffffffffffp1023))
            break;
        s = r;
    }
    const double m = fabs(s);
    if (t == n && ((mbits == 24 && (s == 0.0 || (m >= 0x1p-126 && m <= 0x1.fffffep127))) ||
                   (mbits == 53 && (s == 0.0 || m >= 0x1p-1022)))) {
        for (t = 0; t < n; t++)
            a[(size_t)t * stride + (size_t)F] = 0;
        return mbits == 24 ? (double)(float)s : s;
    }
    int64_t tot[SNN_XACC_WORDS(SNN_XACC_D_LIMBS)];
    memset(tot, 0, sizeof(int64_t) * (size_t)F);
    for (t = 0; t < n; t++) {
        int64_t *b = a + (size_t)t * stride;
        snn_xacc_fold(b, limbs, base);
        for (int k = 0; k < F; k++)
            tot[k] += b[k];
        memset(b, 0, sizeof(int64_t) * (size_t)SNN_XACC_FAST_WORDS(limbs));
    }
    return snn_xacc_round(tot, limbs, base, mbits);
}

#endif
