/*
 * test_rt_crc.c - rt_crc32 (runtime/rt_crc.c), the CRC-32 of checkpoint pieces: known
 * answers, and every length 0..600 at every alignment 0..15 and continued over splits equal to
 * the bit-by-bit definition (reflected polynomial 0xEDB88320, zlib's).  Lengths from 64 up take
 * the carry-less-multiplication path where the CPU has one (both folds: 4 blocks in flight from
 * 128 bytes, one block after), shorter ones the tables; the test runs a second time with
 * SNN_CRC_TABLES=1 (tests/run.sh runs it once: the child re-runs itself), so both paths are
 * compared with the definition.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rt_ckpt.h"

static uint32_t crc_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1u ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
}

static void test_known(void **state)
{
    (void)state;
    assert_int_equal(rt_crc32(0, "123456789", 9), 0xCBF43926u); /* the CRC-32 check value */
    assert_int_equal(rt_crc32(0, "", 0), 0);
    static unsigned char zeros[4096];
    assert_int_equal(rt_crc32(0, zeros, sizeof zeros), crc_bitwise(0, zeros, sizeof zeros));
    assert_int_equal(rt_crc32(0, zeros, 32), 0x190A55ADu); /* zlib.crc32(bytes(32)) */
}

static void test_lengths_alignments(void **state)
{
    (void)state;
    enum { MAX = 600 };
    unsigned char buf[MAX + 16];
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (size_t off = 0; off < 16; off++)
        for (size_t n = 0; n <= MAX; n++) {
            const uint32_t want = crc_bitwise(0, buf + off, n);
            if (rt_crc32(0, buf + off, n) != want)
                fail_msg("offset %zu, length %zu: %08x, want %08x", off, n,
                         rt_crc32(0, buf + off, n), want);
            /* continued: the first part then the rest */
            const size_t cut = (n * 7 + off) % (n + 1);
            if (rt_crc32(rt_crc32(0, buf + off, cut), buf + off + cut, n - cut) != want)
                fail_msg("offset %zu, length %zu split at %zu", off, n, cut);
        }
}

static void test_large(void **state)
{
    (void)state;
    const size_t n = (1u << 20) + 77;
    unsigned char *b = malloc(n);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(i * 2654435761u >> 13);
    assert_int_equal(rt_crc32(0x12345678u, b, n), crc_bitwise(0x12345678u, b, n));
    free(b);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_lengths_alignments),
        cmocka_unit_test(test_large),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    if (rc == 0 && argc == 1 && !getenv("SNN_CRC_TABLES")) { /* again: the tables alone */
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            setenv("SNN_CRC_TABLES", "1", 1);
            execl(argv[0], argv[0], "tables", (char *)NULL);
            _exit(127);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        rc = !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    return rc;
}
