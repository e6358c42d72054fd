/* tests/unit/compact_flags_check.h - included by test_rt_conn.c (the portable
 * snn_compact_flags) and test_rt_compact.c (the same function built with -march=native:
 * its AVX-512BW or AVX2 path).  check_compact_flags(max_len, base) compares it with the
 * byte loop for every start offset 0-6, every length to max_len (every vector chunk and
 * tail), densities from every flag to one in 193, the flags ending on the last byte before
 * an unreadable page.  Needs cmocka.h, snnrt.h, sys/mman.h and unistd.h first. */
#ifndef SNN_COMPACT_FLAGS_CHECK_H
#define SNN_COMPACT_FLAGS_CHECK_H

static void check_compact_flags(uint32_t max_len, uint32_t base)
{
    const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + pg, pg, PROT_NONE), 0);
    uint64_t x = 0x2545f4914f6cdd1dull;
    uint32_t got[256], want[256];
    assert_true(max_len < 250u);
    const int lens = (int)max_len + 1;
    for (int trial = 0; trial < lens * 7 * 13; trial++) {
        const uint32_t len = (uint32_t)(trial % lens), b = (uint32_t)(trial / lens) % 7u;
        const uint32_t e = b + len, density = 1u + (uint32_t)(trial / (lens * 7)) * 16u;
        uint8_t *f = map + pg - e;
        for (uint32_t i = 0; i < e; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            f[i] = (uint8_t)(x % density == 0); /* one in density */
        }
        uint32_t nw = 0;
        for (uint32_t i = b; i < e; i++) {
            want[nw] = base + i;
            nw += f[i];
        }
        assert_int_equal(snn_compact_flags(f, b, e, base, got), nw);
        for (uint32_t k = 0; k < nw; k++)
            assert_int_equal(got[k], want[k]);
    }
    munmap(map, 2 * pg);
}

#endif
