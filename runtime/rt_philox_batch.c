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

__attribute__((target("avx2"))) static void
batch_avx2(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
           uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3, int vary)
{
    const __m256i m0 = _mm256_set1_epi32((int)SNN_PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi32((int)SNN_PHILOX_M1);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    uint32_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i x0 = vary ? _mm256_set1_epi32((int)first)
                          : _mm256_add_epi32(_mm256_set1_epi32((int)(first + b)), lane);
        __m256i x1 = vary ? _mm256_add_epi32(_mm256_set1_epi32((int)(c1 + b)), lane)
                          : _mm256_set1_epi32((int)c1);
        __m256i x2 = _mm256_set1_epi32((int)c2);
        __m256i x3 = _mm256_set1_epi32((int)c3);
        uint32_t k0 = key[0], k1 = key[1];
        for (int r = 0; r < 10; r++) {
            const __m256i vk0 = _mm256_set1_epi32((int)k0), vk1 = _mm256_set1_epi32((int)k1);
            RT_ROUND_256(x0, x1, x2, x3, vk0, vk1);
            k0 += SNN_PHILOX_W0;
            k1 += SNN_PHILOX_W1;
        }
        _mm256_storeu_si256((__m256i *)(void *)(w0 + b), x0);
        _mm256_storeu_si256((__m256i *)(void *)(w1 + b), x1);
        _mm256_storeu_si256((__m256i *)(void *)(w2 + b), x2);
        _mm256_storeu_si256((__m256i *)(void *)(w3 + b), x3);
    }
    if (b < nb)
        batch_scalar(key, vary ? first : first + b, vary ? c1 + b : c1, c2, c3, nb - b, w0 + b,
                     w1 + b, w2 + b, w3 + b, vary);
}

#define RT_ROUND_512(c0, c1, c2, c3, k0, k1)                                                 \
    do {                                                                                     \
        __m512i pe0 = _mm512_mul_epu32(c0, m0), po0 = _mm512_mul_epu32(_mm512_srli_epi64(c0, 32), m0); \
        __m512i pe1 = _mm512_mul_epu32(c2, m1), po1 = _mm512_mul_epu32(_mm512_srli_epi64(c2, 32), m1); \
        __m512i hi0 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe0, 32), po0);      \
        __m512i lo0 = _mm512_mask_blend_epi32(0xAAAA, pe0, _mm512_slli_epi64(po0, 32));      \
        __m512i hi1 = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(pe1, 32), po1);      \
        __m512i lo1 = _mm512_mask_blend_epi32(0xAAAA, pe1, _mm512_slli_epi64(po1, 32));      \
        c0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), k0);                                \
        c1 = lo1;                                                                            \
        c2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), k1);                                \
        c3 = lo0;                                                                            \
    } while (0)

__attribute__((target("avx512f"))) static void
batch_avx512(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2, uint32_t c3,
             uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3, int vary)
{
    const __m512i m0 = _mm512_set1_epi32((int)SNN_PHILOX_M0);
    const __m512i m1 = _mm512_set1_epi32((int)SNN_PHILOX_M1);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    uint32_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        __m512i x0 = vary ? _mm512_set1_epi32((int)first)
                          : _mm512_add_epi32(_mm512_set1_epi32((int)(first + b)), lane);
        __m512i x1 = vary ? _mm512_add_epi32(_mm512_set1_epi32((int)(c1 + b)), lane)
                          : _mm512_set1_epi32((int)c1);
        __m512i x2 = _mm512_set1_epi32((int)c2);
        __m512i x3 = _mm512_set1_epi32((int)c3);
        uint32_t k0 = key[0], k1 = key[1];
        for (int r = 0; r < 10; r++) {
            const __m512i vk0 = _mm512_set1_epi32((int)k0), vk1 = _mm512_set1_epi32((int)k1);
            RT_ROUND_512(x0, x1, x2, x3, vk0, vk1);
            k0 += SNN_PHILOX_W0;
            k1 += SNN_PHILOX_W1;
        }
        _mm512_storeu_si512((void *)(w0 + b), x0);
        _mm512_storeu_si512((void *)(w1 + b), x1);
        _mm512_storeu_si512((void *)(w2 + b), x2);
        _mm512_storeu_si512((void *)(w3 + b), x3);
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

__attribute__((target("avx2"))) static void
first_avx2(const uint32_t key[2], uint32_t c1, uint32_t c2, uint32_t c3, uint32_t nb,
           uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
    const __m256i m0 = _mm256_set1_epi32((int)SNN_PHILOX_M0);
    const __m256i m1 = _mm256_set1_epi32((int)SNN_PHILOX_M1);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const first_consts f = first_setup(key, c2, c3);
    const __m256i r1x = _mm256_set1_epi32((int)f.r1x), r2k1 = _mm256_set1_epi32((int)f.r2k1);
    const __m256i r3x0 = _mm256_set1_epi32((int)f.r3x0), r3x2 = _mm256_set1_epi32((int)f.r3x2);
    const __m256i r3c3 = _mm256_set1_epi32((int)f.r3c3);
    uint32_t b = 0;
    for (; b + 8 <= nb; b += 8) {
        __m256i x0 = _mm256_xor_si256(_mm256_add_epi32(_mm256_set1_epi32((int)(c1 + b)), lane), r1x);
        __m256i x1, x2, x3, h, l;
        RT_MULHILO_256(x0, m0, h, l);                    /* round 2 */
        x2 = _mm256_xor_si256(h, r2k1);
        x3 = l;
        RT_MULHILO_256(x2, m1, h, l);                    /* round 3 */
        x0 = _mm256_xor_si256(h, r3x0);
        x1 = l;
        x2 = _mm256_xor_si256(x3, r3x2);
        x3 = r3c3;
        uint32_t k0 = f.k0, k1 = f.k1;
        for (int r = 3; r < 10; r++) {
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
    const __m512i m0 = _mm512_set1_epi32((int)SNN_PHILOX_M0);
    const __m512i m1 = _mm512_set1_epi32((int)SNN_PHILOX_M1);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const first_consts f = first_setup(key, c2, c3);
    const __m512i r1x = _mm512_set1_epi32((int)f.r1x), r2k1 = _mm512_set1_epi32((int)f.r2k1);
    const __m512i r3x0 = _mm512_set1_epi32((int)f.r3x0), r3x2 = _mm512_set1_epi32((int)f.r3x2);
    const __m512i r3c3 = _mm512_set1_epi32((int)f.r3c3);
    uint32_t b = 0;
    for (; b + 16 <= nb; b += 16) {
        __m512i x0 = _mm512_xor_si512(_mm512_add_epi32(_mm512_set1_epi32((int)(c1 + b)), lane), r1x);
        __m512i x1, x2, x3, h, l;
        RT_MULHILO_512(x0, m0, h, l);                    /* round 2 */
        x2 = _mm512_xor_si512(h, r2k1);
        x3 = l;
        RT_MULHILO_512(x2, m1, h, l);                    /* round 3 */
        x0 = _mm512_xor_si512(h, r3x0);
        x1 = l;
        x2 = _mm512_xor_si512(x3, r3x2);
        x3 = r3c3;
        uint32_t k0 = f.k0, k1 = f.k1;
        for (int r = 3; r < 10; r++) {
            k0 += SNN_PHILOX_W0;
            k1 += SNN_PHILOX_W1;
            const __m512i vk0 = _mm512_set1_epi32((int)k0), vk1 = _mm512_set1_epi32((int)k1);
            RT_ROUND_512(x0, x1, x2, x3, vk0, vk1);
        }
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
        uint32_t k0 = f.k0, k1 = f.k1;
        for (int r = 2; r < 10; r++) {
            k0 += SNN_PHILOX_W0;
            k1 += SNN_PHILOX_W1;
            const __m512i vk0 = _mm512_set1_epi32((int)k0), vk1 = _mm512_set1_epi32((int)k1);
            RT_ROUND_512(x0, x1, x2, x3, vk0, vk1);
        }
        _mm512_storeu_si512((void *)(w0 + b), x0);
        _mm512_storeu_si512((void *)(w1 + b), x1);
        _mm512_storeu_si512((void *)(w2 + b), x2);
        _mm512_storeu_si512((void *)(w3 + b), x3);
    }
    if (b < nb)
        ctr0_avx2(key, first + b, c1, c2, c3, nb - b, w0 + b, w1 + b, w2 + b, w3 + b);
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
    int level = __atomic_load_n(&g_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect_level();
        __atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
    }
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
    int level = __atomic_load_n(&g_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect_level();
        __atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
    }
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
    int level = __atomic_load_n(&g_level, __ATOMIC_RELAXED);
    if (level < 0) {
        level = detect_level();
        __atomic_store_n(&g_level, level, __ATOMIC_RELAXED);
    }
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
