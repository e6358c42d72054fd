/*
 * test_rt_record.c - spike recording to .npy (rt_record.c): the 128-byte header, the
 * records, the .part name while running and after abort, and reading back with NumPy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snnrt.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/test_rt_record_XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)len + 1);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Check the header of an .npy file in C and return the record count from 'shape'. */
static unsigned long long check_header(const unsigned char *b, size_t n)
{
    assert_true(n >= 128);
    assert_memory_equal(b, "\x93NUMPY\x01\x00", 8);
    assert_int_equal(b[8] | (b[9] << 8), 118);
    assert_int_equal(b[127], '\n');
    char hdr[119];
    memcpy(hdr, b + 10, 118);
    hdr[118] = '\0';
    const char *prefix = "{'descr': [('t', '<f8'), ('i', '<u4')], 'fortran_order': False, "
                         "'shape': (";
    assert_memory_equal(hdr, prefix, strlen(prefix));
    char *end;
    unsigned long long count = strtoull(hdr + strlen(prefix), &end, 10);
    assert_memory_equal(end, ",), }", 5);
    for (char *p = end + 5; p < hdr + 117; p++)
        assert_int_equal(*p, ' ');
    assert_int_equal(n, 128 + 12 * count);
    return count;
}

static double rec_t(const unsigned char *b, uint64_t k)
{
    double t;
    memcpy(&t, b + 128 + 12 * k, 8); /* little-endian host, as the tests run on x86 */
    return t;
}

static uint32_t rec_i(const unsigned char *b, uint64_t k)
{
    uint32_t i;
    memcpy(&i, b + 128 + 12 * k + 8, 4);
    return i;
}

static void test_write_and_read(void **state)
{
    (void)state;
    snn_recorder *r = snn_recorder_open(g_dir, "E");
    char final[256], part[256];
    snprintf(final, sizeof final, "%s/spikes_E.npy", g_dir);
    snprintf(part, sizeof part, "%s/spikes_E.npy.part", g_dir);
    assert_true(exists(part));
    assert_false(exists(final));

    /* More than one buffer's worth (64k records) so that flushing is exercised. */
    const uint64_t steps = 1000;
    uint64_t total = 0;
    uint32_t ids[200];
    for (uint64_t s = 0; s < steps; s++) {
        uint32_t n = (uint32_t)(s % 200);
        for (uint32_t k = 0; k < n; k++)
            ids[k] = (uint32_t)(s * 7 + k * 3);
        snn_recorder_add(r, (double)s * 0.1, ids, n);
        total += n;
    }
    snn_recorder_add(r, 5.0, ids, 0);
    const char *path = snn_recorder_close(r);
    assert_string_equal(path, final);
    assert_true(exists(final));
    assert_false(exists(part));

    size_t n;
    unsigned char *b = slurp(final, &n);
    assert_true(check_header(b, n) == total);
    uint64_t k = 0;
    for (uint64_t s = 0; s < steps; s++)
        for (uint32_t m = 0; m < s % 200; m++, k++) {
            assert_true(rec_t(b, k) == (double)s * 0.1);
            assert_int_equal(rec_i(b, k), (uint32_t)(s * 7 + m * 3));
        }
    free(b);
    snn_recorder_free(r);

    /* NumPy reads it as the documented structured array. */
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0) {
        char cmd[1024];
        /* Sum of ids, computed here. */
        unsigned long long sum = 0;
        for (uint64_t s = 0; s < steps; s++)
            for (uint32_t m = 0; m < s % 200; m++)
                sum += (uint32_t)(s * 7 + m * 3);
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import numpy as np; a = np.load('%s'); "
                 "assert a.dtype == np.dtype([('t', '<f8'), ('i', '<u4')]), a.dtype; "
                 "assert a.shape == (%llu,), a.shape; "
                 "assert a['t'][0] == 0.1 and a['i'][0] == 7, a[0]; "
                 "assert abs(a['t'][-1] - 99.9) < 1e-9, a[-1]; "
                 "assert int(a['i'].astype('u8').sum()) == %llu\"",
                 final, (unsigned long long)total, sum);
        assert_int_equal(system(cmd), 0);
    } else {
        print_message("numpy not available: skipped the NumPy read-back\n");
    }
}

static void test_empty(void **state)
{
    (void)state;
    snn_recorder *r = snn_recorder_open(g_dir, "I");
    const char *path = snn_recorder_close(r);
    size_t n;
    unsigned char *b = slurp(path, &n);
    assert_true(check_header(b, n) == 0);
    free(b);
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0) {
        char cmd[512];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import numpy as np; a = np.load('%s'); "
                 "assert a.shape == (0,)\"",
                 path);
        assert_int_equal(system(cmd), 0);
    }
    snn_recorder_free(r);
}

static void test_abort_keeps_part(void **state)
{
    (void)state;
    snn_recorder *r = snn_recorder_open(g_dir, "Thalamus");
    uint32_t ids[3] = {1, 2, 3};
    for (int s = 0; s < 10; s++)
        snn_recorder_add(r, s * 0.5, ids, 3);
    snn_recorder_abort(r);
    char final[256], part[256];
    snprintf(final, sizeof final, "%s/spikes_Thalamus.npy", g_dir);
    snprintf(part, sizeof part, "%s/spikes_Thalamus.npy.part", g_dir);
    assert_false(exists(final));
    assert_true(exists(part));
    size_t n;
    unsigned char *b = slurp(part, &n);
    assert_true(check_header(b, n) == 30); /* the .part file is a complete .npy */
    assert_true(rec_t(b, 29) == 4.5);
    assert_int_equal(rec_i(b, 29), 3);
    free(b);
    /* close after abort: nothing more happens, the .part path is reported. */
    assert_string_equal(snn_recorder_close(r), part);
    assert_false(exists(final));
    snn_recorder_free(r);

    /* Freeing an open recorder aborts it: the data is kept under the .part name. */
    r = snn_recorder_open(g_dir, "Open");
    snn_recorder_add(r, 1.0, ids, 2);
    snn_recorder_free(r);
    snprintf(part, sizeof part, "%s/spikes_Open.npy.part", g_dir);
    b = slurp(part, &n);
    assert_true(check_header(b, n) == 2);
    free(b);
}

static void test_mkdirs_and_atomic(void **state)
{
    (void)state;
    char deep[256], file[300];
    snprintf(deep, sizeof deep, "%s/a/b//c/", g_dir);
    assert_int_equal(snn_mkdirs(deep), 0);
    assert_int_equal(snn_mkdirs(deep), 0); /* already there */
    snprintf(file, sizeof file, "%s/a/b/c/run.json", g_dir);
    assert_int_equal(snn_write_file_atomic(file, "{}\n", 3), 0);
    size_t n;
    unsigned char *b = slurp(file, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(b, "{}\n", 3);
    free(b);
    assert_int_equal(snn_write_file_atomic(file, "[1]\n", 4), 0);
    b = slurp(file, &n);
    assert_int_equal(n, 4);
    free(b);
    /* A file in the way of a directory. */
    assert_int_equal(snn_mkdirs(file), -1);
    char below[400];
    snprintf(below, sizeof below, "%s/x", file);
    assert_int_equal(snn_mkdirs(below), -1);
    assert_int_equal(snn_write_file_atomic("/nonexistent/dir/run.json", "x", 1), -1);
}

static void test_format_bytes(void **state)
{
    (void)state;
    char b[32];
    snn_format_bytes(b, sizeof b, 0);
    assert_string_equal(b, "0 B");
    snn_format_bytes(b, sizeof b, 999);
    assert_string_equal(b, "999 B");
    snn_format_bytes(b, sizeof b, 1500);
    assert_string_equal(b, "1.5 kB");
    snn_format_bytes(b, sizeof b, 25e6);
    assert_string_equal(b, "25.0 MB");
    snn_format_bytes(b, sizeof b, 999.99e6);
    assert_string_equal(b, "1.0 GB");
    snn_format_bytes(b, sizeof b, 23.4e9);
    assert_string_equal(b, "23.4 GB");
    snn_format_bytes(b, sizeof b, 7.5e12);
    assert_string_equal(b, "7.5 TB");
    assert_true(snn_machine_memory() > 0);
    assert_true(snn_peak_rss() > 0);
    double t0 = snn_now(), t1 = snn_now();
    assert_true(t1 >= t0);
}

/* Run fn(arg) in a child; expect exit status 1 and 'want' in its stderr. */
static void expect_fatal(void (*fn)(const char *), const char *arg, const char *want)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        snn_set_progname("brunel");
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    char out[2048];
    size_t n = 0;
    ssize_t got;
    while (n + 1 < sizeof out && (got = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    if (!strstr(out, want))
        print_error("stderr: %s\nwant:   %s\n", out, want);
    assert_non_null(strstr(out, want));
}

static void open_in(const char *dir)
{
    (void)snn_recorder_open(dir, "E");
}

static void write_lots(const char *dir)
{
    snn_recorder *r = snn_recorder_open(dir, "F");
    uint32_t ids[1000] = {0};
    for (int s = 0; s < 1000; s++)
        snn_recorder_add(r, s, ids, 1000);
    (void)snn_recorder_close(r);
}

static void test_errors(void **state)
{
    (void)state;
    expect_fatal(open_in, "/nonexistent/out",
                 "brunel: error: cannot create spike file '/nonexistent/out/spikes_E.npy.part': "
                 "No such file or directory\n");
    /* A full disk: the .part file is a link to /dev/full. */
    char link[256], want[512];
    snprintf(link, sizeof link, "%s/spikes_F.npy.part", g_dir);
    if (symlink("/dev/full", link) == 0) {
        snprintf(want, sizeof want,
                 "brunel: error: cannot write spike file '%s': No space left on device\n", link);
        expect_fatal(write_lots, g_dir, want);
        unlink(link);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_and_read),  cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abort_keeps_part), cmocka_unit_test(test_mkdirs_and_atomic),
        cmocka_unit_test(test_format_bytes),    cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
