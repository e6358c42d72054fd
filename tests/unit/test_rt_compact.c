/* snn_compact_flags (runtime/snnrt.h) compiled for this machine (-march=native, as the
 * simulators are): its AVX-512BW or AVX2 path where the host has one, else the portable
 * one that test_rt_conn checks.  Against the byte loop: every start offset 0-6, every
 * length to 200 (several vector chunks and every tail), densities from every flag to one
 * in 193, the flags ending on the last byte before an unreadable page. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "snnrt.h"

static void test_compact_flags_native(void **state)
{
    (void)state;
#if defined(__AVX512BW__)
    print_message("snn_compact_flags: the AVX-512BW path\n");
#elif defined(__AVX2__)
    print_message("snn_compact_flags: the AVX2 path\n");
#else
    print_message("snn_compact_flags: the portable path (no AVX2 on this host)\n");
#endif
    const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + pg, pg, PROT_NONE), 0);
    uint64_t x = 0x2545f4914f6cdd1dull;
    uint32_t got[256], want[256];
    for (int trial = 0; trial < 201 * 7 * 13; trial++) {
        const uint32_t len = (uint32_t)(trial % 201), b = (uint32_t)(trial / 201) % 7u;
        const uint32_t e = b + len, density = 1u + (uint32_t)(trial / (201 * 7)) * 16u;
        uint8_t *f = map + pg - e;
        for (uint32_t i = 0; i < e; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            f[i] = (uint8_t)(x % density == 0); /* one in density */
        }
        uint32_t nw = 0;
        for (uint32_t i = b; i < e; i++) {
            want[nw] = 7000u + i;
            nw += f[i];
        }
        assert_int_equal(snn_compact_flags(f, b, e, 7000u, got), nw);
        for (uint32_t k = 0; k < nw; k++)
            assert_int_equal(got[k], want[k]);
    }
    munmap(map, 2 * pg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_flags_native),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
