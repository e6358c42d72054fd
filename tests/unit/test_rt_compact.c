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

#include "compact_flags_check.h"

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
    check_compact_flags(200u, 7000u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compact_flags_native),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
