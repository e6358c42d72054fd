/*
 * rt_philox_batch.c - many Philox4x32-10 blocks of one stream at once, for the
 * construction's hot loops (weights, delays, sources).
 *
 * rt_philox_batch computes the blocks with counters (first + b, c1, c2, c3), b < nb, and
 * writes them as four word arrays (structure of arrays, which is what SIMD lanes produce).
 * With AVX-512 or AVX2 (chosen at run time) it runs 16 or 8 blocks per instruction
 * stream, with Philox's 32x32->64 products from vpmuludq on the even and odd lanes; the
 * results are integers, so bit-identical to snn_philox4x32_10 (tests/unit/test_rt_rng.c
 * checks every level the machine has against it).  Elsewhere, or on other CPUs, a scalar
 * loop.
 */
#include "rt_internal.h"
#include "snnrt.h"

#include <string.h>

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define RT_PHILOX_X86 1
#include <immintrin.h>
#endif

/* vary: the counter word that counts the blocks, 0 (first + b, c1, c2, c3) or 1 (first,
 * c1 + b, c2, c3) */
static void batch_scalar(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2,
                         uint32_t c3, uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2,
                         uint32_t *w3, int vary)
{
    uint32_t ctr[4] = {first, c1, c2, c3}, w[4];
    for (uint32_t b = 0; b < nb; b++) {
        ctr[vary] = (vary ? c1 : first) + b;
        snn_philox4x32_10(ctr, key, w);
        w0[b] = w[0];
        w1[b] = w[1];
        w2[b] = w[2];
        w3[b] = w[3];
    }
}

#ifdef RT_PHILOX_X86

/* One round on 8 lanes: hi/lo of M0 c0 and M1 c2 from the even lanes' and odd lanes'
 * 64-bit products, recombined with a blend. */
#define RT_ROUND_256(c0, c1, c2, c3, k0, k1)                                                 \
    do {                                                                                     \
        __m256i pe0 = _mm256_mul_epu32(c0, m0), po0 = _mm256_mul_epu32(_mm256_srli_epi64(c0, 32), m0); \
        __m256i pe1 = _mm256_mul_epu32(c2, m1), po1 = _mm256_mul_epu32(_mm256_srli_epi64(c2, 32), m1); \
        __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(pe0, 32), po0, 0xAA);             \
        __m256i lo0 = _mm256_blend_epi32(pe0, _mm256_slli_epi64(po0, 32), 0xAA);             \
        __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(pe1, 32), po1, 0xAA);             \
        __m256i lo1 = _mm256_blend_epi32(pe1, _mm256_slli_epi64(po1, 32), 0xAA);             \
        c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), k0);                                \
        c1 = lo1;                                                                            \
        c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), k1);                                \
        c3 = lo0;                                                                            \
    } while (0)

/* The ten rounds of Philox4x32-10 on 8 blocks (counters x0..x3, key), the words stored to
 * w0[0..8), ..., w3[0..8). */
__attribute__((target("avx2"), always_inline)) static inline void
rounds_store_256(__m256i x0, __m256i x1, __m256i x2, __m256i x3, const uint32_t key[2],
                 uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const __m256i m0 = _mm256_set1_epi32((int)SNN_PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi32((int)SNN_PHILOX_M1);
    uint32_t k0 = key[0], k1 = key[1];
    for (int r = 0; r < 10; r++) {
        const __m256i vk0 = _mm256_set1_epi32((int)k0), vk1 = _mm256_set1_epi32((int)k1);
        RT_ROUND_256(x0, x1, x2, x3, vk0, vk1);
        k0 += SNN_PHILOX_W0;
        k1 += SNN_PHILOX_W1;
    }
    _mm256_storeu_si256((__m256i *)(void *)w0, x0);
    _mm256_storeu_si256((__m256i *)(void *)w1, x1);
    _mm256_storeu_si256((__m256i *)(void *)w2, x2);
    _mm256_storeu_si256((__m256i *)(void *)w3, x3);
}

__attribute__((target("avx2"))) static void
batch_avx2(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
           uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3, int vary)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    uint32_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i x0 = vary ? _mm256_set1_epi32((int)first)
                          : _mm256_add_epi32(_mm256_set1_epi32((int)(first + b)), lane);
        __m256i x1 = vary ? _mm256_add_epi32(_mm256_set1_epi32((int)(c1 + b)), lane)
                          : _mm256_set1_epi32((int)c1);
        __m256i x2 = _mm256_set1_epi32((int)c2);
        __m256i x3 = _mm256_set1_epi32((int)c3);
        rounds_store_256(x0, x1, x2, x3, key, w0 + b, w1 + b, w2 + b, w3 + b);
    }
    if (b < nb)
        batch_scalar(key, vary ? first : first + b, vary ? c1 + b : c1, c2, c3, nb - b, w0 + b,
                     w1 + b, w2 + b, w3 + b, vary);
}

/* Rounds on 16 blocks held split: the even blocks' words in the low halves of the 64-bit
 * lanes of e0..e3, the odd blocks' in those of o0..o3.  vpmuludq reads only the low halves,
 * so the high halves may hold anything, and a round is, per 8 blocks, 2 products, 2 shifts
 * and 2 three-way xors (vpternlogd), against the blend form's (RT_ROUND_256 on 16 lanes)
 * 4 products, 6 shifts, 4 blends and 4 xors per 16 blocks: 12 instructions per 16 blocks
 * instead of 18, the products as many (Brunel's neuron update -12 %).  The same integers
 * (tests/unit/test_rt_rng.c test_philox_batch). */
#define RT_ROUND_512S(c0, c1, c2, c3, k0, k1)                                                \
    do {                                                                                     \
        const __m512i p0_ = _mm512_mul_epu32(c0, m0), p1_ = _mm512_mul_epu32(c2, m1);        \
        c0 = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p1_, 32), c1, k0, 0x96);            \
        c1 = p1_;                                                                            \
        c2 = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p0_, 32), c3, k1, 0x96);            \
        c3 = p0_;                                                                            \
    } while (0)

/* n rounds on the 16 blocks x0..x3 (one block per 32-bit lane), the first with key
 * (k0, k1), each next one with the key bumped: split into even and odd blocks, the rounds,
 * then the low halves put back in place. */
__attribute__((target("avx512f"), always_inline)) static inline void
rounds_split_512(__m512i *x0, __m512i *x1, __m512i *x2, __m512i *x3, uint32_t k0, uint32_t k1,
                 int n)
{
    const __m512i m0 = _mm512_set1_epi32((int)SNN_PHILOX_M0);
    const __m512i m1 = _mm512_set1_epi32((int)SNN_PHILOX_M1);
    __m512i e0 = *x0, e1 = *x1, e2 = *x2, e3 = *x3;
    __m512i o0 = _mm512_srli_epi64(e0, 32), o1 = _mm512_srli_epi64(e1, 32);
    __m512i o2 = _mm512_srli_epi64(e2, 32), o3 = _mm512_srli_epi64(e3, 32);
    for (int r = 0; r < n; r++) {
        const __m512i vk0 = _mm512_set1_epi32((int)k0), vk1 = _mm512_set1_epi32((int)k1);
        RT_ROUND_512S(e0, e1, e2, e3, vk0, vk1);
        RT_ROUND_512S(o0, o1, o2, o3, vk0, vk1);
        k0 += SNN_PHILOX_W0;
        k1 += SNN_PHILOX_W1;
    }
    *x0 = _mm512_mask_blend_epi32(0xAAAA, e0, _mm512_slli_epi64(o0, 32));
    *x1 = _mm512_mask_blend_epi32(0xAAAA, e1, _mm512_slli_epi64(o1, 32));
    *x2 = _mm512_mask_blend_epi32(0xAAAA, e2, _mm512_slli_epi64(o2, 32));
    *x3 = _mm512_mask_blend_epi32(0xAAAA, e3, _mm512_slli_epi64(o3, 32));
}

/* The ten rounds on 16 blocks, as rounds_store_256. */
__attribute__((target("avx512f"), always_inline)) static inline void
rounds_store_512(__m512i x0, __m512i x1, __m512i x2, __m512i x3, const uint32_t key[2],
                 uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    rounds_split_512(&x0, &x1, &x2, &x3, key[0], key[1], 10);
    _mm512_storeu_si512((void *)w0, x0);
    _mm512_storeu_si512((void *)w1, x1);
    _mm512_storeu_si512((void *)w2, x2);
    _mm512_storeu_si512((void *)w3, x3);
}

__attribute__((target("avx512f"))) static void
batch_avx512(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
             uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3, int vary)
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    uint32_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        __m512i x0 = vary ? _mm512_set1_epi32((int)first)
                          : _mm512_add_epi32(_mm512_set1_epi32((int)(first + b)), lane);
        __m512i x1 = vary ? _mm512_add_epi32(_mm512_set1_epi32((int)(c1 + b)), lane)
                          : _mm512_set1_epi32((int)c1);
        __m512i x2 = _mm512_set1_epi32((int)c2);
        __m512i x3 = _mm512_set1_epi32((int)c3);
        rounds_store_512(x0, x1, x2, x3, key, w0 + b, w1 + b, w2 + b, w3 + b);
    }
    if (b < nb)
        batch_avx2(key, vary ? first : first + b, vary ? c1 + b : c1, c2, c3, nb - b, w0 + b,
                   w1 + b, w2 + b, w3 + b, vary);
}
/* snn_rng_first_blocks' blocks: counters (0, c1 + b, c2, c3), where only word 1 differs
 * between blocks and word 0 is 0.  Rounds 1 to 3 then have uniform parts: round 1 no
 * product that differs between blocks (M0 * 0 = 0, M1 c2 the same for all), round 2 and
 * round 3 one each (M0 c0 and M1 c2; the other product is the same for all), so 16 SIMD
 * products per block instead of 20; the uniform parts are computed once, as scalars.  The
 * same integers as snn_philox4x32_10 (tests/unit/test_rt_rng.c test_philox_batch). */
typedef struct {
    uint32_t r1x;       /* round 1: c0 = element ^ r1x */
    uint32_t r2k1;      /* round 2: c2 = hi(M0 c0) ^ r2k1, c3 = lo(M0 c0) */
    uint32_t r3x0;      /* round 3: c0 = hi(M1 c2) ^ r3x0, c1 = lo(M1 c2) */
    uint32_t r3x2, r3c3; /*          c2 = c3 ^ r3x2, c3 = r3c3 */
    uint32_t k0, k1;    /* round 3's keys */
} first_consts;

static first_consts first_setup(const uint32_t key[2], uint32_t c2, uint32_t c3)
{
    first_consts f;
    uint32_t k0 = key[0], k1 = key[1];
    uint64_t q = (uint64_t)SNN_PHILOX_M1 * c2;           /* round 1 (c0 = 0, c3 = 0 after) */
    f.r1x = (uint32_t)(q >> 32) ^ k0;
    const uint32_t r1c1 = (uint32_t)q, r1c2 = c3 ^ k1;
    k0 += SNN_PHILOX_W0;                                  /* round 2 */
    k1 += SNN_PHILOX_W1;
    f.r2k1 = k1;
    q = (uint64_t)SNN_PHILOX_M1 * r1c2;
    const uint32_t r2c0 = (uint32_t)(q >> 32) ^ r1c1 ^ k0, r2c1 = (uint32_t)q;
    k0 += SNN_PHILOX_W0;                                  /* round 3 */
    k1 += SNN_PHILOX_W1;
    q = (uint64_t)SNN_PHILOX_M0 * r2c0;
    f.r3x0 = r2c1 ^ k0;
    f.r3x2 = (uint32_t)(q >> 32) ^ k1;
    f.r3c3 = (uint32_t)q;
    f.k0 = k0;
    f.k1 = k1;
    return f;
}

#define RT_MULHILO_256(x, m, hi, lo)                                                         \
    do {                                                                                     \
        __m256i pe_ = _mm256_mul_epu32(x, m), po_ = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m); \
        hi = _mm256_blend_epi32(_mm256_srli_epi64(pe_, 32), po_, 0xAA);                      \
        lo = _mm256_blend_epi32(pe_, _mm256_slli_epi64(po_, 32), 0xAA);                      \
    } while (0)

/* The constants of first_avx2/first_avx512 and quad_avx2/quad_avx512 on W-bit vectors:
 * the multipliers and first_setup's uniform parts (key, c2, c3 from the caller). */
#define FIRST_LOCALS(W)                                                                      \
    const __m##W##i m0 = _mm##W##_set1_epi32((int)SNN_PHILOX_M0);                            \
    const __m##W##i m1 = _mm##W##_set1_epi32((int)SNN_PHILOX_M1);                            \
    const first_consts f = first_setup(key, c2, c3);                                         \
    const __m##W##i r1x = _mm##W##_set1_epi32((int)f.r1x);                                   \
    const __m##W##i r2k1 = _mm##W##_set1_epi32((int)f.r2k1);                                 \
    const __m##W##i r3x0 = _mm##W##_set1_epi32((int)f.r3x0);                                 \
    const __m##W##i r3x2 = _mm##W##_set1_epi32((int)f.r3x2);                                 \
    const __m##W##i r3c3 = _mm##W##_set1_epi32((int)f.r3c3)

/* quad_avx2/quad_avx512: blocks' words x0..x3 unpacked within 128-bit lanes, so that lane l
 * of u_k holds block 4 l + k's four words. */
#define QUAD_UNPACK(W)                                                                       \
    const __m##W##i t0 = _mm##W##_unpacklo_epi32(x0, x1), t1 = _mm##W##_unpackhi_epi32(x0, x1); \
    const __m##W##i t2 = _mm##W##_unpacklo_epi32(x2, x3), t3 = _mm##W##_unpackhi_epi32(x2, x3); \
    const __m##W##i u0 = _mm##W##_unpacklo_epi64(t0, t2), u1 = _mm##W##_unpackhi_epi64(t0, t2); \
    const __m##W##i u2 = _mm##W##_unpacklo_epi64(t1, t3), u3 = _mm##W##_unpackhi_epi64(t1, t3)

/* Rounds 2 to 10 of snn_rng_first_blocks' blocks (first_setup's uniform parts) on W-bit
 * vectors (256 or 512), x0 holding round 1's word 0; the caller's locals m0, m1, r2k1, r3x0,
 * r3x2, r3c3 and f (first_avx2/first_avx512, quad_avx2/quad_avx512). */
#define FIRST_ROUNDS(W, x0, x1, x2, x3)                                                      \
    do {                                                                                     \
        __m##W##i h_, l_;                                                                    \
        RT_MULHILO_##W(x0, m0, h_, l_); /* round 2 */                                        \
        x2 = _mm##W##_xor_si##W(h_, r2k1);                                                   \
        x3 = l_;                                                                             \
        RT_MULHILO_##W(x2, m1, h_, l_); /* round 3 */                                        \
        x0 = _mm##W##_xor_si##W(h_, r3x0);                                                   \
        x1 = l_;                                                                             \
        x2 = _mm##W##_xor_si##W(x3, r3x2);                                                   \
        x3 = r3c3;                                                                           \
        RT_ROUNDS_##W##S(x0, x1, x2, x3, f.k0, f.k1, 7);                                     \
    } while (0)

/* FIRST_ROUNDS' rounds 4 to 10, the key (k0, k1) of round 3 bumped before each: on 8
 * blocks the blend form, on 16 the split one */
#define RT_ROUNDS_256S(x0, x1, x2, x3, k0, k1, n)                                            \
    do {                                                                                     \
        uint32_t k0_ = (k0), k1_ = (k1);                                                     \
        for (int r_ = 0; r_ < (n); r_++) {                                                   \
            k0_ += SNN_PHILOX_W0;                                                            \
            k1_ += SNN_PHILOX_W1;                                                            \
            const __m256i vk0_ = _mm256_set1_epi32((int)k0_);                                \
            const __m256i vk1_ = _mm256_set1_epi32((int)k1_);                                \
            RT_ROUND_256(x0, x1, x2, x3, vk0_, vk1_);                                        \
        }                                                                                    \
    } while (0)
#define RT_ROUNDS_512S(x0, x1, x2, x3, k0, k1, n)                                            \
    rounds_split_512(&x0, &x1, &x2, &x3, (k0) + SNN_PHILOX_W0, (k1) + SNN_PHILOX_W1, n)

__attribute__((target("avx2"))) static void
first_avx2(const uint32_t key[2], uint32_t c1, uint32_t c2, uint32_t c3, uint32_t nb,
           uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    FIRST_LOCALS(256);
    uint32_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i x0 = _mm256_xor_si256(_mm256_add_epi32(_mm256_set1_epi32((int)(c1 + b)), lane), r1x);
        __m256i x1, x2, x3;
        FIRST_ROUNDS(256, x0, x1, x2, x3);
        _mm256_storeu_si256((__m256i *)(void *)(w0 + b), x0);
        _mm256_storeu_si256((__m256i *)(void *)(w1 + b), x1);
        _mm256_storeu_si256((__m256i *)(void *)(w2 + b), x2);
        _mm256_storeu_si256((__m256i *)(void *)(w3 + b), x3);
    }
    if (b < nb)
        batch_scalar(key, 0, c1 + b, c2, c3, nb - b, w0 + b, w1 + b, w2 + b, w3 + b, 1);
}

#define RT_MULHILO_512(x, m, hi, lo)                                                         \
    do {                                                                                     \
        __m512i pe_ = _mm512_mul_epu32(x, m), po_ = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m); \
        hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe_, 32), po_);               \
        lo = _mm512_mask_blend_epi32(0xAAAA, pe_, _mm512_slli_epi64(po_, 32));               \
    } while (0)

__attribute__((target("avx512f"))) static void
first_avx512(const uint32_t key[2], uint32_t c1, uint32_t c2, uint32_t c3, uint32_t nb,
             uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    FIRST_LOCALS(512);
    uint32_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        __m512i x0 = _mm512_xor_si512(_mm512_add_epi32(_mm512_set1_epi32((int)(c1 + b)), lane), r1x);
        __m512i x1, x2, x3;
        FIRST_ROUNDS(512, x0, x1, x2, x3);
        _mm512_storeu_si512((void *)(w0 + b), x0);
        _mm512_storeu_si512((void *)(w1 + b), x1);
        _mm512_storeu_si512((void *)(w2 + b), x2);
        _mm512_storeu_si512((void *)(w3 + b), x3);
    }
    if (b < nb)
        first_avx2(key, c1 + b, c2, c3, nb - b, w0 + b, w1 + b, w2 + b, w3 + b);
}
/* rt_philox_batch's blocks: counters (first + b, c1, c2, c3), only word 0 differing
 * between blocks.  Rounds 1 and 2 then have one product each that differs (M0 c0, then
 * M1 c2; the other is the same for all blocks): 18 SIMD products per block instead of 20,
 * the uniform parts computed once.  The same integers as snn_philox4x32_10
 * (tests/unit/test_rt_rng.c test_philox_batch). */
typedef struct {
    uint32_t r1x2;       /* round 1: c0 = r1c0, c1 = r1c1, c2 = hi(M0 c0) ^ r1x2, c3 = lo(M0 c0) */
    uint32_t r2x0;       /* round 2: c0 = hi(M1 c2) ^ r2x0, c1 = lo(M1 c2), */
    uint32_t r2x2, r2c3; /*          c2 = c3 ^ r2x2, c3 = r2c3 */
    uint32_t k0, k1;     /* round 2's keys */
} ctr0_consts;

static ctr0_consts ctr0_setup(const uint32_t key[2], uint32_t c1, uint32_t c2, uint32_t c3)
{
    ctr0_consts f;
    uint32_t k0 = key[0], k1 = key[1];
    uint64_t q = (uint64_t)SNN_PHILOX_M1 * c2;            /* round 1 */
    const uint32_t r1c0 = (uint32_t)(q >> 32) ^ c1 ^ k0, r1c1 = (uint32_t)q;
    f.r1x2 = c3 ^ k1;
    k0 += SNN_PHILOX_W0;                                   /* round 2 */
    k1 += SNN_PHILOX_W1;
    q = (uint64_t)SNN_PHILOX_M0 * r1c0;
    f.r2x0 = r1c1 ^ k0;
    f.r2x2 = (uint32_t)(q >> 32) ^ k1;
    f.r2c3 = (uint32_t)q;
    f.k0 = k0;
    f.k1 = k1;
    return f;
}

__attribute__((target("avx2"))) static void
ctr0_avx2(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
          uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const __m256i m0 = _mm256_set1_epi32((int)SNN_PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi32((int)SNN_PHILOX_M1);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const ctr0_consts f = ctr0_setup(key, c1, c2, c3);
    const __m256i r1x2 = _mm256_set1_epi32((int)f.r1x2), r2x0 = _mm256_set1_epi32((int)f.r2x0);
    const __m256i r2x2 = _mm256_set1_epi32((int)f.r2x2), r2c3 = _mm256_set1_epi32((int)f.r2c3);
    uint32_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i x0 = _mm256_add_epi32(_mm256_set1_epi32((int)(first + b)), lane);
        __m256i x1, x2, x3, h, l;
        RT_MULHILO_256(x0, m0, h, l);                    /* round 1 */
        x2 = _mm256_xor_si256(h, r1x2);
        x3 = l;
        RT_MULHILO_256(x2, m1, h, l);                    /* round 2 */
        x0 = _mm256_xor_si256(h, r2x0);
        x1 = l;
        x2 = _mm256_xor_si256(x3, r2x2);
        x3 = r2c3;
        uint32_t k0 = f.k0, k1 = f.k1;
        for (int r = 2; r < 10; r++) {
            k0 += SNN_PHILOX_W0;
            k1 += SNN_PHILOX_W1;
            const __m256i vk0 = _mm256_set1_epi32((int)k0), vk1 = _mm256_set1_epi32((int)k1);
            RT_ROUND_256(x0, x1, x2, x3, vk0, vk1);
        }
        _mm256_storeu_si256((__m256i *)(void *)(w0 + b), x0);
        _mm256_storeu_si256((__m256i *)(void *)(w1 + b), x1);
        _mm256_storeu_si256((__m256i *)(void *)(w2 + b), x2);
        _mm256_storeu_si256((__m256i *)(void *)(w3 + b), x3);
    }
    if (b < nb)
        batch_scalar(key, first + b, c1, c2, c3, nb - b, w0 + b, w1 + b, w2 + b, w3 + b, 0);
}

__attribute__((target("avx512f"))) static void
ctr0_avx512(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
            uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const __m512i m0 = _mm512_set1_epi32((int)SNN_PHILOX_M0);
    const __m512i m1 = _mm512_set1_epi32((int)SNN_PHILOX_M1);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const ctr0_consts f = ctr0_setup(key, c1, c2, c3);
    const __m512i r1x2 = _mm512_set1_epi32((int)f.r1x2), r2x0 = _mm512_set1_epi32((int)f.r2x0);
    const __m512i r2x2 = _mm512_set1_epi32((int)f.r2x2), r2c3 = _mm512_set1_epi32((int)f.r2c3);
    uint32_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        __m512i x0 = _mm512_add_epi32(_mm512_set1_epi32((int)(first + b)), lane);
        __m512i x1, x2, x3, h, l;
        RT_MULHILO_512(x0, m0, h, l);                    /* round 1 */
        x2 = _mm512_xor_si512(h, r1x2);
        x3 = l;
        RT_MULHILO_512(x2, m1, h, l);                    /* round 2 */
        x0 = _mm512_xor_si512(h, r2x0);
        x1 = l;
        x2 = _mm512_xor_si512(x3, r2x2);
        x3 = r2c3;
        rounds_split_512(&x0, &x1, &x2, &x3, f.k0 + SNN_PHILOX_W0, f.k1 + SNN_PHILOX_W1, 8);
        _mm512_storeu_si512((void *)(w0 + b), x0);
        _mm512_storeu_si512((void *)(w1 + b), x1);
        _mm512_storeu_si512((void *)(w2 + b), x2);
        _mm512_storeu_si512((void *)(w3 + b), x3);
    }
    if (b < nb)
        ctr0_avx2(key, first + b, c1, c2, c3, nb - b, w0 + b, w1 + b, w2 + b, w3 + b);
}

/* snn_rng_quad_words: the blocks (0, q0 + b, c2, c3) as first_avx2/first_avx512 (rounds 1
 * to 3 with their uniform parts), then the four words of each block interleaved (block b's
 * word j to position 4 b + j: unpack within 128-bit lanes, then the 128-bit lanes
 * transposed) and stored from position 4 b - off of w, n words in all.  Where a vector's
 * words start before w or end past w + n (the first vector when off > 0, the last when the
 * range ends inside it) they go through a buffer and only the words in range are copied. */
__attribute__((target("avx2"))) static void
quad_avx2(const uint32_t key[2], uint32_t q0, uint32_t off, uint32_t c2, uint32_t c3,
          uint32_t n, uint32_t *w)
{
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    FIRST_LOCALS(256);
    const uint32_t end = off + n; /* words from block q0's word 0 */
    for (uint32_t b = 0; 4 * b < end; b += 8) {
        __m256i x0 = _mm256_xor_si256(_mm256_add_epi32(_mm256_set1_epi32((int)(q0 + b)), lane), r1x);
        __m256i x1, x2, x3;
        FIRST_ROUNDS(256, x0, x1, x2, x3);
        QUAD_UNPACK(256);
        const __m256i o0 = _mm256_permute2x128_si256(u0, u1, 0x20);
        const __m256i o1 = _mm256_permute2x128_si256(u2, u3, 0x20);
        const __m256i o2 = _mm256_permute2x128_si256(u0, u1, 0x31);
        const __m256i o3 = _mm256_permute2x128_si256(u2, u3, 0x31);
        const uint32_t at = 4 * b; /* o0's first word, from block q0's word 0 */
        if (at >= off && at + 32 <= end) {
            uint32_t *d = w + (at - off);
            _mm256_storeu_si256((__m256i *)(void *)d, o0);
            _mm256_storeu_si256((__m256i *)(void *)(d + 8), o1);
            _mm256_storeu_si256((__m256i *)(void *)(d + 16), o2);
            _mm256_storeu_si256((__m256i *)(void *)(d + 24), o3);
        } else {
            uint32_t buf[32];
            _mm256_storeu_si256((__m256i *)(void *)buf, o0);
            _mm256_storeu_si256((__m256i *)(void *)(buf + 8), o1);
            _mm256_storeu_si256((__m256i *)(void *)(buf + 16), o2);
            _mm256_storeu_si256((__m256i *)(void *)(buf + 24), o3);
            const uint32_t lo = at < off ? off : at, hi = at + 32 < end ? at + 32 : end;
            memcpy(w + (lo - off), buf + (lo - at), (size_t)(hi - lo) * sizeof *w);
        }
    }
}

__attribute__((target("avx512f"))) static void
quad_avx512(const uint32_t key[2], uint32_t q0, uint32_t off, uint32_t c2, uint32_t c3,
            uint32_t n, uint32_t *w)
{
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    FIRST_LOCALS(512);
    const uint32_t end = off + n;
    uint32_t b = 0;
    /* whole vectors of 16 blocks while at least 8 blocks are left, the rest (< 8 blocks,
     * under 32 words) with AVX2 */
    for (; 4 * b + 32 < end; b += 16) {
        __m512i x0 = _mm512_xor_si512(_mm512_add_epi32(_mm512_set1_epi32((int)(q0 + b)), lane), r1x);
        __m512i x1, x2, x3;
        FIRST_ROUNDS(512, x0, x1, x2, x3);
        QUAD_UNPACK(512); /* then o_l = lane l of u0..u3 */
        const __m512i v0 = _mm512_shuffle_i32x4(u0, u1, 0x44), v1 = _mm512_shuffle_i32x4(u2, u3, 0x44);
        const __m512i v2 = _mm512_shuffle_i32x4(u0, u1, 0xEE), v3 = _mm512_shuffle_i32x4(u2, u3, 0xEE);
        const __m512i o0 = _mm512_shuffle_i32x4(v0, v1, 0x88);
        const __m512i o1 = _mm512_shuffle_i32x4(v0, v1, 0xDD);
        const __m512i o2 = _mm512_shuffle_i32x4(v2, v3, 0x88);
        const __m512i o3 = _mm512_shuffle_i32x4(v2, v3, 0xDD);
        const uint32_t at = 4 * b;
        if (at >= off && at + 64 <= end) {
            uint32_t *d = w + (at - off);
            _mm512_storeu_si512((void *)d, o0);
            _mm512_storeu_si512((void *)(d + 16), o1);
            _mm512_storeu_si512((void *)(d + 32), o2);
            _mm512_storeu_si512((void *)(d + 48), o3);
        } else {
            uint32_t buf[64];
            _mm512_storeu_si512((void *)buf, o0);
            _mm512_storeu_si512((void *)(buf + 16), o1);
            _mm512_storeu_si512((void *)(buf + 32), o2);
            _mm512_storeu_si512((void *)(buf + 48), o3);
            const uint32_t lo = at < off ? off : at, hi = at + 64 < end ? at + 64 : end;
            memcpy(w + (lo - off), buf + (lo - at), (size_t)(hi - lo) * sizeof *w);
        }
    }
    if (4 * b < end) {
        const uint32_t at = 4 * b, lo = at < off ? off : at;
        quad_avx2(key, q0 + b, lo - at, c2, c3, end - lo, w + (lo - off));
    }
}
#endif /* RT_PHILOX_X86 */

/* 0 scalar, 1 AVX2, 2 AVX-512; -1 not decided yet.  Threads may race to set it, all to the
 * same value. */
static int g_level = -1;

static int detect_level(void)
{
#ifdef RT_PHILOX_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        return 2;
    if (__builtin_cpu_supports("avx2"))
        return 1;
#endif
    return 0;
}

/* the level in use: detected on the first call unless rt_philox_batch_level set it */
static int cur_level(void)
{
    int level = __atomic_load_n(&g_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect_level();
        __atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
    }
    return level;
}

int rt_philox_batch_level(int level)
{
    int best = detect_level();
    if (level < 0 || level > best)
        level = best;
    __atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
    return level;
}

static void batch(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
                  uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3, int vary)
{
    const int level = cur_level();
    (void)level; /* scalar only off x86 */
#ifdef RT_PHILOX_X86
    if (level == 2) {
        batch_avx512(key, first, c1, c2, c3, nb, w0, w1, w2, w3, vary);
        return;
    }
    if (level == 1) {
        batch_avx2(key, first, c1, c2, c3, nb, w0, w1, w2, w3, vary);
        return;
    }
#endif
    batch_scalar(key, first, c1, c2, c3, nb, w0, w1, w2, w3, vary);
}

void rt_philox_batch(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2,
                     uint32_t c3, uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2,
                     uint32_t *w3)
{
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level == 2) {
        ctr0_avx512(key, first, c1, c2, c3, nb, w0, w1, w2, w3);
        return;
    }
    if (level == 1) {
        ctr0_avx2(key, first, c1, c2, c3, nb, w0, w1, w2, w3);
        return;
    }
#endif
    batch(key, first, c1, c2, c3, nb, w0, w1, w2, w3, 0);
}

void snn_rng_first_blocks(uint64_t seed, uint32_t stream, uint32_t elem0, uint64_t step,
                          uint32_t n, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const uint32_t key[2] = {(uint32_t)seed, stream};
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level == 2) {
        first_avx512(key, elem0, (uint32_t)step, (uint32_t)(seed >> 32), n, w0, w1, w2, w3);
        return;
    }
    if (level == 1) {
        first_avx2(key, elem0, (uint32_t)step, (uint32_t)(seed >> 32), n, w0, w1, w2, w3);
        return;
    }
#endif
    batch(key, 0, elem0, (uint32_t)step, (uint32_t)(seed >> 32), n, w0, w1, w2, w3, 1);
}

/* Element e's word: word e & 3 of block (0, e >> 2, step, seed_hi) (layout version 3,
 * snn_rng_quad_word in snn_philox.h); elements elem0 .. elem0 + n - 1 into w[0 .. n).  A
 * block shared with the elements before elem0 or after the range is computed here too, so
 * the words do not depend on how the elements are split between calls. */
void snn_rng_quad_words(uint64_t seed, uint32_t stream, uint32_t elem0, uint64_t step,
                        uint32_t n, uint32_t *w)
{
    if (n == 0)
        return;
    const uint32_t key[2] = {(uint32_t)seed, stream};
    const uint32_t q0 = elem0 >> 2, off = elem0 & 3u;
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level == 2) {
        quad_avx512(key, q0, off, (uint32_t)step, (uint32_t)(seed >> 32), n, w);
        return;
    }
    if (level == 1) {
        quad_avx2(key, q0, off, (uint32_t)step, (uint32_t)(seed >> 32), n, w);
        return;
    }
#endif
    uint32_t ctr[4] = {0, q0, (uint32_t)step, (uint32_t)(seed >> 32)}, x[4];
    uint32_t i = 0, j = off;
    while (i < n) {
        snn_philox4x32_10(ctr, key, x);
        for (; j < 4 && i < n; j++)
            w[i++] = x[j];
        j = 0;
        ctr[1]++;
    }
}

/* ---- blocks of scattered counters --------------------------------------------------
 *
 * rt_philox_gather: block b has counter (c0, c1[b], c2v ? c2v[b] : c2, c3): the connectivity
 * updates' candidate rows (row-keyed streams, rows not contiguous) and candidates (synapse-
 * keyed streams: pre, post per candidate).  The same rounds as batch_avx2/avx512, the
 * counter words loaded from the arrays. */
static void gather_scalar(const uint32_t key[2], uint32_t c0, const uint32_t *c1,
                          const uint32_t *c2v, uint32_t c2, uint32_t c3, uint32_t nb,
                          uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    for (uint32_t b = 0; b < nb; b++) {
        uint32_t ctr[4] = {c0, c1[b], c2v ? c2v[b] : c2, c3}, w[4];
        snn_philox4x32_10(ctr, key, w);
        w0[b] = w[0];
        w1[b] = w[1];
        w2[b] = w[2];
        w3[b] = w[3];
    }
}

#ifdef RT_PHILOX_X86
__attribute__((target("avx2"))) static void
gather_avx2(const uint32_t key[2], uint32_t c0, const uint32_t *c1, const uint32_t *c2v,
            uint32_t c2, uint32_t c3, uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2,
            uint32_t *w3)
{
    uint32_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i x0 = _mm256_set1_epi32((int)c0);
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(c1 + b));
        __m256i x2 = c2v ? _mm256_loadu_si256((const __m256i *)(const void *)(c2v + b))
                         : _mm256_set1_epi32((int)c2);
        __m256i x3 = _mm256_set1_epi32((int)c3);
        rounds_store_256(x0, x1, x2, x3, key, w0 + b, w1 + b, w2 + b, w3 + b);
    }
    if (b < nb)
        gather_scalar(key, c0, c1 + b, c2v ? c2v + b : NULL, c2, c3, nb - b, w0 + b, w1 + b,
                      w2 + b, w3 + b);
}

__attribute__((target("avx512f"))) static void
gather_avx512(const uint32_t key[2], uint32_t c0, const uint32_t *c1, const uint32_t *c2v,
              uint32_t c2, uint32_t c3, uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2,
              uint32_t *w3)
{
    uint32_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        __m512i x0 = _mm512_set1_epi32((int)c0);
        __m512i x1 = _mm512_loadu_si512((const void *)(c1 + b));
        __m512i x2 = c2v ? _mm512_loadu_si512((const void *)(c2v + b)) : _mm512_set1_epi32((int)c2);
        __m512i x3 = _mm512_set1_epi32((int)c3);
        rounds_store_512(x0, x1, x2, x3, key, w0 + b, w1 + b, w2 + b, w3 + b);
    }
    if (b < nb)
        gather_avx2(key, c0, c1 + b, c2v ? c2v + b : NULL, c2, c3, nb - b, w0 + b, w1 + b,
                    w2 + b, w3 + b);
}
#endif

void rt_philox_gather(const uint32_t key[2], uint32_t c0, const uint32_t *c1,
                      const uint32_t *c2v, uint32_t c2, uint32_t c3, uint32_t nb, uint32_t *w0,
                      uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level == 2) {
        gather_avx512(key, c0, c1, c2v, c2, c3, nb, w0, w1, w2, w3);
        return;
    }
    if (level == 1) {
        gather_avx2(key, c0, c1, c2v, c2, c3, nb, w0, w1, w2, w3);
        return;
    }
#endif
    gather_scalar(key, c0, c1, c2v, c2, c3, nb, w0, w1, w2, w3);
}

/* ---- normals from batch words ---------------------------------------------------------
 *
 * The Ziggurat's fast path (snn_normal_from64: x = u X[i], kept when x < X[i+1], the sign
 * by bit 55) and y = a + s x for two values per block, with the lanes whose fast path
 * fails or whose y lies outside [lo, hi] (or is NaN) listed for the caller to redo with the
 * scalar code.  Each step is one IEEE operation in the same order as the scalar code (the
 * 53-bit integer converted exactly, times 2^-53 exactly, times X[i], the sign flipped, s
 * times it, plus a; no fused multiply-add), so a kept value is bit for bit the scalar
 * one (test_rt_rng test_normal_pairs). */
static uint32_t normal_pairs_scalar(const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                                    const uint32_t *w3, uint32_t b0, uint32_t nb, double a,
                                    double s, double lo, double hi, double *out, uint32_t *fix,
                                    uint32_t nfix)
{
    const double *X = snn_zig_x();
    for (uint32_t b = b0; b < nb; b++)
        for (int h = 0; h < 2; h++) {
            const uint64_t m = h ? ((uint64_t)w2[b] << 32) | w3[b] : ((uint64_t)w0[b] << 32) | w1[b];
            const uint32_t i = (uint32_t)(m >> 56);
            const int neg = (int)(m >> 55) & 1;
            const double x = (double)(int64_t)((m >> 2) & 0x1FFFFFFFFFFFFFull) *
                             (1.0 / 9007199254740992.0) * X[i];
            const double y = a + s * (x * (double)(1 - 2 * neg));
            out[2 * b + (uint32_t)h] = y;
            if (!(x < X[i + 1]))
                fix[nfix++] = (2 * b + (uint32_t)h) | RT_FIX_SLOW;
            else if (!(y >= lo && y <= hi))
                fix[nfix++] = 2 * b + (uint32_t)h;
        }
    return nfix;
}

#ifdef RT_PHILOX_X86
/* 4 values from 4 64-bit draws m (first word high): y and the lanes to redo (bit set). */
__attribute__((target("avx2"), always_inline)) static inline __m256d
normal4_avx2(__m256i m, const double *X, __m256d a, __m256d s, __m256d lo, __m256d hi,
             int *bad, int *slow)
{
    const __m256i idx = _mm256_srli_epi64(m, 56);
    const __m256d xi = _mm256_i64gather_pd(X, idx, 8);
    const __m256d xi1 = _mm256_i64gather_pd(X + 1, idx, 8);
    const __m256i v = _mm256_and_si256(_mm256_srli_epi64(m, 2),
                                       _mm256_set1_epi64x(0x1FFFFFFFFFFFFFll));
    /* the 53-bit integer as a double, exactly: high 21 bits and low 32 bits apart */
    const __m256d vlo = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(v, _mm256_set1_epi64x(0xFFFFFFFFll)),
                                            _mm256_set1_epi64x(0x4330000000000000ll))),
        _mm256_set1_pd(4503599627370496.0)); /* 2^52 */
    const __m256d vhi = _mm256_sub_pd(
        _mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(v, 32),
                                            _mm256_set1_epi64x(0x4530000000000000ll))),
        _mm256_set1_pd(19342813113834066795298816.0)); /* 2^84 */
    const __m256d vd = _mm256_add_pd(vhi, vlo);
    const __m256d x = _mm256_mul_pd(_mm256_mul_pd(vd, _mm256_set1_pd(1.0 / 9007199254740992.0)), xi);
    const __m256d ok1 = _mm256_cmp_pd(x, xi1, _CMP_LT_OQ);
    /* x (1 - 2 neg): bit 55 of m to the sign bit (x * -1 = -x exactly, -0 for 0) */
    const __m256i sg = _mm256_and_si256(_mm256_slli_epi64(m, 8), _mm256_set1_epi64x((long long)0x8000000000000000ull));
    const __m256d z = _mm256_castsi256_pd(_mm256_xor_si256(_mm256_castpd_si256(x), sg));
    const __m256d y = _mm256_add_pd(a, _mm256_mul_pd(s, z));
    const __m256d ok = _mm256_and_pd(ok1, _mm256_and_pd(_mm256_cmp_pd(y, lo, _CMP_GE_OQ),
                                                        _mm256_cmp_pd(y, hi, _CMP_LE_OQ)));
    *bad = ~_mm256_movemask_pd(ok) & 15;
    *slow = ~_mm256_movemask_pd(ok1) & 15;
    return y;
}

__attribute__((target("avx2"))) static uint32_t
normal_pairs_avx2(const uint32_t *w0, const uint32_t *w1, const uint32_t *w2, const uint32_t *w3,
                  uint32_t nb, double a0, double s0, double lo0, double hi0, double *out,
                  uint32_t *fix, uint32_t *done)
{
    const double *X = snn_zig_x();
    const __m256d a = _mm256_set1_pd(a0), s = _mm256_set1_pd(s0);
    const __m256d lo = _mm256_set1_pd(lo0), hi = _mm256_set1_pd(hi0);
    uint32_t nfix = 0, b = 0;
    for (; b + 4 <= nb; b += 4) {
        const __m256i e = _mm256_or_si256(
            _mm256_slli_epi64(_mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(w0 + b))), 32),
            _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(w1 + b))));
        const __m256i o = _mm256_or_si256(
            _mm256_slli_epi64(_mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(w2 + b))), 32),
            _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(w3 + b))));
        int be, bo, se, so;
        const __m256d ye = normal4_avx2(e, X, a, s, lo, hi, &be, &se);
        const __m256d yo = normal4_avx2(o, X, a, s, lo, hi, &bo, &so);
        const __m256d l = _mm256_unpacklo_pd(ye, yo), h = _mm256_unpackhi_pd(ye, yo);
        _mm256_storeu_pd(out + 2 * b, _mm256_permute2f128_pd(l, h, 0x20));
        _mm256_storeu_pd(out + 2 * b + 4, _mm256_permute2f128_pd(l, h, 0x31));
        if (be | bo)
            for (uint32_t k = 0; k < 4; k++) {
                if (be >> k & 1)
                    fix[nfix++] = (2 * (b + k)) | ((uint32_t)(se >> k & 1) << 31);
                if (bo >> k & 1)
                    fix[nfix++] = (2 * (b + k) + 1) | ((uint32_t)(so >> k & 1) << 31);
            }
    }
    *done = b;
    return nfix;
}
#endif

uint32_t rt_normal_pairs(const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                         const uint32_t *w3, uint32_t nb, double a, double s, double lo,
                         double hi, double *out, uint32_t *fix)
{
    uint32_t b = 0, nfix = 0;
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level >= 1)
        nfix = normal_pairs_avx2(w0, w1, w2, w3, nb, a, s, lo, hi, out, fix, &b);
#endif
    return normal_pairs_scalar(w0, w1, w2, w3, b, nb, a, s, lo, hi, out, fix, nfix);
}

/* ---- delays in steps ------------------------------------------------------------------
 *
 * d[t] = max(1, llround(ms[t] / dt)) as rt_conn.c's delay_steps (x < 1.5 gives 1, else
 * x + 0.5 truncated; one IEEE division and addition, so the same bits in SIMD), for t
 * until the first value with !(ms[t] / dt < lim) (NaN included); returns that t (n when
 * none), from which the caller reports the error. */
static uint32_t delay_steps_scalar(const double *ms, uint32_t t, uint32_t n, double dt,
                                   double lim, uint16_t *d)
{
    for (; t < n; t++) {
        const double x = ms[t] / dt;
        if (!(x < lim))
            return t;
        d[t] = (uint16_t)(x < 1.5 ? 1u : (uint32_t)(x + 0.5));
    }
    return n;
}

#ifdef RT_PHILOX_X86
__attribute__((target("avx2"))) static uint32_t
delay_steps_avx2(const double *ms, uint32_t n, double dt0, double lim0, uint16_t *d)
{
    const __m256d dt = _mm256_set1_pd(dt0), lim = _mm256_set1_pd(lim0);
    const __m256d one = _mm256_set1_pd(1.0), half = _mm256_set1_pd(0.5);
    const __m256d onehalf = _mm256_set1_pd(1.5);
    uint32_t t = 0;
    for (; t + 8 <= n; t += 8) {
        const __m256d x0 = _mm256_div_pd(_mm256_loadu_pd(ms + t), dt);
        const __m256d x1 = _mm256_div_pd(_mm256_loadu_pd(ms + t + 4), dt);
        const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(x0, lim, _CMP_LT_OQ),
                                         _mm256_cmp_pd(x1, lim, _CMP_LT_OQ));
        if (_mm256_movemask_pd(ok) != 15)
            break; /* the scalar loop finds which */
        const __m256d r0 = _mm256_blendv_pd(_mm256_add_pd(x0, half), one,
                                            _mm256_cmp_pd(x0, onehalf, _CMP_LT_OQ));
        const __m256d r1 = _mm256_blendv_pd(_mm256_add_pd(x1, half), one,
                                            _mm256_cmp_pd(x1, onehalf, _CMP_LT_OQ));
        /* r < 65536: the truncation to int32 and the unsigned saturation are exact */
        const __m128i v = _mm_packus_epi32(_mm256_cvttpd_epi32(r0), _mm256_cvttpd_epi32(r1));
        _mm_storeu_si128((__m128i *)(void *)(d + t), v);
    }
    return t;
}
#endif

uint32_t rt_delay_steps(const double *ms, uint32_t n, double dt, double lim, uint16_t *d)
{
    uint32_t t = 0;
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level >= 1 && lim <= 65536.0) /* the packing saturates at 65535 */
        t = delay_steps_avx2(ms, n, dt, lim, d);
#endif
    return delay_steps_scalar(ms, t, n, dt, lim, d);
}

/* ---- the synapse checksum -------------------------------------------------------------
 *
 * The sum (mod 2^64) over i < n of mix64(((s << 32) | j) ^ mix64(wbits + G) ^ dtab[d]) for
 * the entries e[i] = (s, j), 32-bit weight bits w[i] and 1-byte delays d[i]: rt_conn.c's
 * syn_hash of a synapse with a float weight and a 1-byte delay (dtab = its dmix table);
 * integer arithmetic, so the same in SIMD (64-bit products from three 32-bit ones). */

static uint64_t hash_sum_scalar(const uint32_t *e, const uint32_t *w, const uint8_t *d,
                                const uint64_t *dtab, uint32_t i, uint32_t n)
{
    uint64_t sum = 0;
    for (; i < n; i++) {
        const uint64_t wh = rt_mix64((uint64_t)w[i] + 0x9e3779b97f4a7c15ull) ^ dtab[d[i]];
        sum += rt_mix64((((uint64_t)e[2 * i] << 32) | e[2 * i + 1]) ^ wh);
    }
    return sum;
}

#ifdef RT_PHILOX_X86
__attribute__((target("avx2"), always_inline)) static inline __m256i
mul64_avx2(__m256i x, __m256i clo, __m256i chi)
{
    const __m256i p0 = _mm256_mul_epu32(x, clo);
    const __m256i p1 = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), clo);
    const __m256i p2 = _mm256_mul_epu32(x, chi);
    return _mm256_add_epi64(p0, _mm256_slli_epi64(_mm256_add_epi64(p1, p2), 32));
}

__attribute__((target("avx2"), always_inline)) static inline __m256i
mix64_avx2(__m256i x)
{
    const __m256i a_lo = _mm256_set1_epi64x(0x1ce4e5b9ll), a_hi = _mm256_set1_epi64x(0xbf58476dll);
    const __m256i b_lo = _mm256_set1_epi64x(0x133111ebll), b_hi = _mm256_set1_epi64x(0x94d049bbll);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 30));
    x = mul64_avx2(x, a_lo, a_hi);
    x = _mm256_xor_si256(x, _mm256_srli_epi64(x, 27));
    x = mul64_avx2(x, b_lo, b_hi);
    return _mm256_xor_si256(x, _mm256_srli_epi64(x, 31));
}

__attribute__((target("avx2"))) static uint64_t
hash_sum_avx2(const uint32_t *e, const uint32_t *w, const uint8_t *d, const uint64_t *dtab,
              uint32_t n, uint32_t *done)
{
    const __m256i g = _mm256_set1_epi64x((long long)0x9e3779b97f4a7c15ull);
    __m256i acc = _mm256_setzero_si256();
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256i wb = _mm256_cvtepu32_epi64(_mm_loadu_si128((const __m128i *)(const void *)(w + i)));
        uint32_t d4;
        memcpy(&d4, d + i, 4);
        const __m256i dv = _mm256_i32gather_epi64((const long long *)(const void *)dtab,
                                                  _mm_cvtepu8_epi32(_mm_cvtsi32_si128((int)d4)), 8);
        const __m256i wh = _mm256_xor_si256(mix64_avx2(_mm256_add_epi64(wb, g)), dv);
        /* (s, j) in memory is j << 32 | s as a 64-bit load: swap the halves */
        const __m256i sj = _mm256_shuffle_epi32(
            _mm256_loadu_si256((const __m256i *)(const void *)(e + 2 * i)), 0xB1);
        acc = _mm256_add_epi64(acc, mix64_avx2(_mm256_xor_si256(sj, wh)));
    }
    uint64_t lanes[4];
    _mm256_storeu_si256((__m256i *)(void *)lanes, acc);
    *done = i;
    return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}
#endif

uint64_t rt_syn_hash_sum(const uint32_t *e, const uint32_t *w, const uint8_t *d,
                         const uint64_t *dtab, uint32_t n)
{
    uint32_t i = 0;
    uint64_t sum = 0;
#ifdef RT_PHILOX_X86
    const int level = cur_level();
    if (level >= 1)
        sum = hash_sum_avx2(e, w, d, dtab, n, &i);
#endif
    return sum + hash_sum_scalar(e, w, d, dtab, i, n);
}
