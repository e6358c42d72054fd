/*
 * rt_crc.c - CRC-32 (the zlib / PNG polynomial, reflected, 0xEDB88320) of checkpoint pieces.
 *
 * Two ways, the same result:
 *  - slicing by 8: eight bytes per step through eight tables (T8[k][b] is the CRC of byte b
 *    followed by k zero bytes), 3 instructions a byte (callgrind; any CPU);
 *  - folding with carry-less multiplication (x86-64 with PCLMULQDQ, checked at run time):
 *    the message is a polynomial M(x) and its CRC (register 0, no final inversion) depends
 *    only on M(x) x^32 mod P(x), so a 128-bit block B followed by T bits can be replaced by
 *    a 128-bit block congruent to B x^T mod P without changing the CRC.  B's halves F (its
 *    first 8 bytes, degrees 127..64) and S (63..0) times x^T: F x^(T+64) + S x^T; each half
 *    is multiplied by its constant x^(T+63) mod P resp. x^(T-1) mod P (one less: the
 *    product of two bit-reflected 64-bit values comes out one bit position short when read
 *    as a 128-bit reflected value), which gives at most 96 bits.  Four blocks in flight
 *    (T = 512) while 64 bytes remain, then one (T = 128); the last 128 bits and the tail go
 *    through the tables.  The constants are computed from P at first use.  0.42
 *    instructions a byte (callgrind, 8 MiB; tests/unit/test_rt_crc.c compares both ways
 *    with the definition).
 * The initial register (~crc) is the same as XORing it into the message's first 4 bytes.
 */
#include "rt_ckpt.h"

#include <stdlib.h>
#include <string.h>

static uint32_t T8[8][256];

static void tables(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1u ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        T8[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int k = 1; k < 8; k++)
            T8[k][i] = (T8[k - 1][i] >> 8) ^ T8[0][T8[k - 1][i] & 0xffu];
}

/* The register (not inverted) after the bytes */
static uint32_t crc_sliced(uint32_t crc, const unsigned char *p, size_t n)
{
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                             (uint32_t)p[3] << 24);
        crc = T8[7][lo & 0xffu] ^ T8[6][(lo >> 8) & 0xffu] ^ T8[5][(lo >> 16) & 0xffu] ^
              T8[4][lo >> 24] ^ T8[3][p[4]] ^ T8[2][p[5]] ^ T8[1][p[6]] ^ T8[0][p[7]];
    }
    for (; n > 0; n--, p++)
        crc = T8[0][(crc ^ *p) & 0xffu] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* x^n mod P as a 64-bit reflected value: degree d at bit 63 - d */
static uint64_t xpow_mod(unsigned n)
{
    uint32_t r = 1; /* normal representation: degree d at bit d; P = x^32 + 0x04C11DB7 */
    for (unsigned k = 0; k < n; k++)
        r = r & 0x80000000u ? (r << 1) ^ 0x04C11DB7u : r << 1;
    uint64_t out = 0;
    for (int d = 0; d < 32; d++)
        if (r >> d & 1u)
            out |= (uint64_t)1 << (63 - d);
    return out;
}

/* {low qword (the block's first 8 bytes: x^(T+63)), high qword (x^(T-1))} */
static uint64_t K512[2], K128[2];
static int have_clmul;

__attribute__((target("pclmul,sse2"))) static inline __m128i fold(__m128i b, __m128i k)
{
    /* the low qword holds the block's first 8 bytes: degrees 127..64 */
    return _mm_xor_si128(_mm_clmulepi64_si128(b, k, 0x00), _mm_clmulepi64_si128(b, k, 0x11));
}

__attribute__((target("pclmul,sse2"))) static uint32_t crc_clmul(uint32_t crc,
                                                                  const unsigned char *p,
                                                                  size_t n)
{
    const __m128i k4 = _mm_set_epi64x((long long)K512[1], (long long)K512[0]);
    const __m128i k1 = _mm_set_epi64x((long long)K128[1], (long long)K128[0]);
    __m128i x0 = _mm_loadu_si128((const __m128i *)p), x1, x2, x3;
    x0 = _mm_xor_si128(x0, _mm_cvtsi32_si128((int)crc));
    p += 16, n -= 16;
    if (n >= 112) {
        x1 = _mm_loadu_si128((const __m128i *)p);
        x2 = _mm_loadu_si128((const __m128i *)(p + 16));
        x3 = _mm_loadu_si128((const __m128i *)(p + 32));
        p += 48, n -= 48;
        while (n >= 64) {
            x0 = _mm_xor_si128(fold(x0, k4), _mm_loadu_si128((const __m128i *)p));
            x1 = _mm_xor_si128(fold(x1, k4), _mm_loadu_si128((const __m128i *)(p + 16)));
            x2 = _mm_xor_si128(fold(x2, k4), _mm_loadu_si128((const __m128i *)(p + 32)));
            x3 = _mm_xor_si128(fold(x3, k4), _mm_loadu_si128((const __m128i *)(p + 48)));
            p += 64, n -= 64;
        }
        x0 = _mm_xor_si128(fold(x0, k1), x1);
        x0 = _mm_xor_si128(fold(x0, k1), x2);
        x0 = _mm_xor_si128(fold(x0, k1), x3);
    }
    for (; n >= 16; p += 16, n -= 16)
        x0 = _mm_xor_si128(fold(x0, k1), _mm_loadu_si128((const __m128i *)p));
    unsigned char last[16];
    _mm_storeu_si128((__m128i *)last, x0);
    return crc_sliced(crc_sliced(0, last, 16), p, n);
}

static void init(void)
{
    tables();
    K512[0] = xpow_mod(512 - 1 + 64), K512[1] = xpow_mod(512 - 1);
    K128[0] = xpow_mod(128 - 1 + 64), K128[1] = xpow_mod(128 - 1);
    __builtin_cpu_init();
    const char *off = getenv("SNN_CRC_TABLES"); /* a test knob: the tables alone */
    have_clmul = __builtin_cpu_supports("pclmul") && !(off && *off == '1');
}

uint32_t rt_crc32(uint32_t crc, const void *data, size_t n)
{
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) { /* racing threads write the same */
        init();
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    if (have_clmul && n >= 64)
        return ~crc_clmul(~crc, data, n);
    return ~crc_sliced(~crc, data, n);
}
#else
uint32_t rt_crc32(uint32_t crc, const void *data, size_t n)
{
    static int ready;
    if (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {
        tables();
        __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    }
    return ~crc_sliced(~crc, data, n);
}
#endif
