/*
 * test_rt_record.c - spike recording to .npy (rt_record.c): the 128-byte header, the
 * records, the .part name while running and after abort, and reading back with NumPy;
 * variable recording (snn_varrec): header layout, records, round trip through NumPy.
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
#include "rt_par.h"
#include "expect_fatal.h"

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

typedef struct str_call {
    void (*fn)(const char *);
    const char *arg;
} str_call;

static void call_str(const void *p)
{
    const str_call *c = p;
    c->fn(c->arg);
}

/* Run fn(arg) in a child; expect exit status 1 and 'want' in its stderr. */
static void expect_fatal(void (*fn)(const char *), const char *arg, const char *want)
{
    const str_call c = {fn, arg};
    expect_child_fails(call_str, &c, want);
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

/* ---- variable recording ------------------------------------------------------------- */

static int have_numpy(void)
{
    return system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") == 0;
}

/* Parse a varrec header in C: returns its length and the record count. */
static size_t varrec_header(const unsigned char *b, size_t n, int vb, uint32_t cols,
                            unsigned long long *count)
{
    assert_true(n >= 64);
    assert_memory_equal(b, "\x93NUMPY\x01\x00", 8);
    size_t hl = 10 + (size_t)(b[8] | (b[9] << 8));
    assert_int_equal(hl % 64, 0);
    assert_true(n >= hl);
    assert_int_equal(b[hl - 1], '\n');
    char want[160];
    snprintf(want, sizeof want,
             "{'descr': [('t', '<f8'), ('v', '<f%d', (%u,))], 'fortran_order': False, "
             "'shape': (",
             vb, cols);
    assert_memory_equal(b + 10, want, strlen(want));
    char *end;
    *count = strtoull((const char *)b + 10 + strlen(want), &end, 10);
    assert_memory_equal(end, ",), }", 5);
    for (const unsigned char *p = (const unsigned char *)end + 5; p < b + hl - 1; p++)
        assert_int_equal(*p, ' ');
    assert_int_equal(n, hl + (8 + (size_t)vb * cols) * *count);
    return hl;
}

static void test_varrec_float(void **state)
{
    (void)state;
    const uint32_t cols = 3;
    snn_varrec *r = snn_varrec_open(g_dir, "E", "V", cols, 4);
    char final[256], part[256];
    snprintf(final, sizeof final, "%s/E_V.npy", g_dir);
    snprintf(part, sizeof part, "%s/E_V.npy.part", g_dir);
    assert_true(exists(part));
    assert_false(exists(final));
    const int steps = 100000; /* 2 MB: more than the stdio buffer */
    for (int s = 0; s < steps; s++) {
        float v[3] = {(float)s, -65.0f + (float)(s % 10), (float)s * 0.5f};
        snn_varrec_add(r, s * 0.1, v);
    }
    assert_string_equal(snn_varrec_close(r), final);
    assert_true(exists(final));
    assert_false(exists(part));
    snn_varrec_free(r);

    size_t n;
    unsigned char *b = slurp(final, &n);
    unsigned long long count;
    size_t hl = varrec_header(b, n, 4, cols, &count);
    assert_int_equal(count, steps);
    double t;
    float v[3];
    memcpy(&t, b + hl + 20 * 777, 8);
    memcpy(v, b + hl + 20 * 777 + 8, 12);
    assert_true(t == 777 * 0.1);
    assert_true(v[0] == 777.0f && v[1] == -58.0f && v[2] == 388.5f);
    free(b);

    if (have_numpy()) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import numpy as np; a = np.load('%s'); "
                 "assert a.dtype == np.dtype([('t', '<f8'), ('v', '<f4', (3,))]), a.dtype; "
                 "assert a.shape == (%d,), a.shape; "
                 "s = np.arange(%d); "
                 "assert (a['t'] == s * 0.1).all(); "
                 "assert a['v'].shape == (%d, 3); "
                 "assert (a['v'][:, 0] == s).all() and (a['v'][:, 1] == -65 + s %% 10).all(); "
                 "assert (a['v'][:, 2] == s * 0.5).all()\"",
                 final, steps, steps, steps);
        assert_int_equal(system(cmd), 0);
    } else {
        print_message("numpy not available: skipped the NumPy read-back\n");
    }
}

static void test_varrec_double_abort_empty(void **state)
{
    (void)state;
    /* Doubles, one column, aborted: a complete .npy under the .part name. */
    snn_varrec *r = snn_varrec_open(g_dir, "L23E", "g_ex", 1, 8);
    for (int s = 0; s < 10; s++) {
        double v = 1.0 / (s + 1);
        snn_varrec_add(r, s * 0.5, &v);
    }
    snn_varrec_abort(r);
    char final[256], part[256];
    snprintf(final, sizeof final, "%s/L23E_g_ex.npy", g_dir);
    snprintf(part, sizeof part, "%s/L23E_g_ex.npy.part", g_dir);
    assert_false(exists(final));
    assert_true(exists(part));
    assert_string_equal(snn_varrec_close(r), part);
    assert_false(exists(final));
    snn_varrec_free(r);
    size_t n;
    unsigned char *b = slurp(part, &n);
    unsigned long long count;
    size_t hl = varrec_header(b, n, 8, 1, &count);
    assert_int_equal(count, 10);
    double x;
    memcpy(&x, b + hl + 16 * 9 + 8, 8);
    assert_true(x == 0.1);
    free(b);

    /* Empty, and a record of many columns. */
    r = snn_varrec_open(g_dir, "I", "U", 70000, 8);
    const char *empty = snn_varrec_close(r);
    b = slurp(empty, &n);
    varrec_header(b, n, 8, 70000, &count);
    assert_int_equal(count, 0);
    free(b);
    char cmd[1024];
    if (have_numpy()) {
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import numpy as np; "
                 "a = np.load(open('%s', 'rb')); "
                 "assert a.dtype == np.dtype([('t', '<f8'), ('v', '<f8', (1,))]), a.dtype; "
                 "assert a.shape == (10,) and a['v'][9, 0] == 0.1 and a['t'][9] == 4.5, a; "
                 "e = np.load('%s'); "
                 "assert e.shape == (0,) and e.dtype['v'].shape == (70000,), e.dtype\"",
                 part, empty);
        assert_int_equal(system(cmd), 0);
    }
    snn_varrec_free(r);

    /* Freeing an open recorder aborts it. */
    r = snn_varrec_open(g_dir, "X", "w", 2, 4);
    float v2[2] = {1, 2};
    snn_varrec_add(r, 0.0, v2);
    snn_varrec_free(r);
    snprintf(part, sizeof part, "%s/X_w.npy.part", g_dir);
    b = slurp(part, &n);
    varrec_header(b, n, 4, 2, &count);
    assert_int_equal(count, 1);
    free(b);
}

static void varrec_open_in(const char *dir)
{
    (void)snn_varrec_open(dir, "E", "V", 4, 4);
}

static void varrec_write_lots(const char *dir)
{
    snn_varrec *r = snn_varrec_open(dir, "F", "V", 1000, 8);
    static double v[1000];
    for (int s = 0; s < 1000; s++)
        snn_varrec_add(r, s, v);
    (void)snn_varrec_close(r);
}

static void varrec_bad_width(const char *dir)
{
    (void)snn_varrec_open(dir, "E", "V", 4, 2);
}

static void test_varrec_errors(void **state)
{
    (void)state;
    expect_fatal(varrec_open_in, "/nonexistent/out",
                 "brunel: error: cannot create recording file '/nonexistent/out/E_V.npy.part': "
                 "No such file or directory\n");
    expect_fatal(varrec_bad_width, g_dir,
                 "brunel: error: recording of 'E.V': values must have 4 or 8 bytes (got 2)\n");
    char link[256], want[512];
    snprintf(link, sizeof link, "%s/F_V.npy.part", g_dir);
    if (symlink("/dev/full", link) == 0) {
        snprintf(want, sizeof want,
                 "brunel: error: cannot write recording file '%s': No space left on device\n",
                 link);
        expect_fatal(varrec_write_lots, g_dir, want);
        unlink(link);
    }
}

/* ---- synapse variable recording ---------------------------------------------------- */

/* Two thread blocks of a projection 3 -> 4: block 0 holds targets 0..1, block 1 targets
 * 2..3 (post_lo 2).  Rows (global targets): source 0 -> 1, 1, 3; source 1 -> none;
 * source 2 -> 0, 2, 3. */
static uint64_t g_rs0[4] = {0, 2, 2, 3}, g_rs1[4] = {0, 1, 1, 3};
static uint32_t g_rl0[3] = {2, 0, 1}, g_rl1[3] = {1, 0, 2};
static uint16_t g_ind0[3] = {1, 1, 0}, g_ind1[3] = {1, 0, 1};

static void two_blocks(snn_ragged b[2])
{
    memset(b, 0, 2 * sizeof *b);
    b[0] = (snn_ragged){.n_pre = 3, .n_post = 2, .n_syn = 3, .capacity = 3, .row_start = g_rs0,
                        .row_len = g_rl0, .ind = g_ind0, .ind_bytes = 2, .post_lo = 0};
    b[1] = (snn_ragged){.n_pre = 3, .n_post = 2, .n_syn = 3, .capacity = 3, .row_start = g_rs1,
                        .row_len = g_rl1, .ind = g_ind1, .ind_bytes = 2, .post_lo = 2};
}

static size_t syn_header(const unsigned char *b, size_t n, int vb, unsigned long long *count)
{
    assert_true(n >= 64);
    assert_memory_equal(b, "\x93NUMPY\x01\x00", 8);
    size_t hl = 10 + (size_t)(b[8] | (b[9] << 8));
    assert_int_equal(hl % 64, 0);
    assert_int_equal(b[hl - 1], '\n');
    char prefix[160];
    snprintf(prefix, sizeof prefix, "{'descr': [('t', '<f8'), ('pre', '<u4'), ('post', '<u4'), "
             "('v', '<f%d')], 'fortran_order': False, 'shape': (", vb);
    assert_memory_equal(b + 10, prefix, strlen(prefix));
    *count = strtoull((const char *)b + 10 + strlen(prefix), NULL, 10);
    assert_int_equal(n, hl + (16 + (size_t)vb) * *count);
    return hl;
}

static void test_synrec_snapshot(void **state)
{
    (void)state;
    snn_ragged b[2];
    two_blocks(b);
    const double v0[3] = {0.5, 1.5, 2.5}, v1[3] = {3.5, 4.5, 5.5};
    const void *vals[2] = {v0, v1};
    snn_synrec *r = snn_synrec_open(g_dir, "EE", "w", 8);
    char final[256];
    snprintf(final, sizeof final, "%s/EE_w.npy", g_dir);
    snn_synrec_snapshot(r, 0.1, b, 2, vals, 8);
    snn_synrec_snapshot(r, 0.2, b, 2, vals, 8);
    assert_string_equal(snn_synrec_close(r), final);
    snn_synrec_free(r);
    size_t n;
    unsigned char *f = slurp(final, &n);
    unsigned long long count;
    size_t hl = syn_header(f, n, 8, &count);
    assert_int_equal(count, 12);
    /* (pre, post, value) in (pre, post) order: blocks in order within each row */
    const uint32_t want[6][2] = {{0, 1}, {0, 1}, {0, 3}, {2, 0}, {2, 2}, {2, 3}};
    const double wv[6] = {0.5, 1.5, 3.5, 2.5, 4.5, 5.5};
    for (int k = 0; k < 12; k++) {
        double t, v;
        uint32_t pre, post;
        memcpy(&t, f + hl + 24 * (size_t)k, 8);
        memcpy(&pre, f + hl + 24 * (size_t)k + 8, 4);
        memcpy(&post, f + hl + 24 * (size_t)k + 12, 4);
        memcpy(&v, f + hl + 24 * (size_t)k + 16, 8);
        assert_true(t == (k < 6 ? 0.1 : 0.2));
        assert_int_equal(pre, want[k % 6][0]);
        assert_int_equal(post, want[k % 6][1]);
        assert_true(v == wv[k % 6]);
    }
    free(f);
}

/* Two "ranks", each one of the blocks: merging their files gives the one-process file. */
static void test_synrec_merge(void **state)
{
    (void)state;
    snn_ragged b[2];
    two_blocks(b);
    const float v0[3] = {0.5f, 1.5f, 2.5f}, v1[3] = {3.5f, 4.5f, 5.5f};
    const void *vals[2] = {v0, v1};
    char d0[128], d1[128], dall[128], p[2][256], one[256];
    snprintf(d0, sizeof d0, "%s/r0", g_dir);
    snprintf(d1, sizeof d1, "%s/r1", g_dir);
    snprintf(dall, sizeof dall, "%s/all", g_dir);
    assert_int_equal(snn_mkdirs(d0), 0);
    assert_int_equal(snn_mkdirs(d1), 0);
    assert_int_equal(snn_mkdirs(dall), 0);
    snn_synrec *r = snn_synrec_open(dall, "EE", "w", 4), *a = snn_synrec_open(d0, "EE", "w", 4),
               *c = snn_synrec_open(d1, "EE", "w", 4);
    for (int s = 0; s < 3; s++) {
        snn_synrec_snapshot(r, 0.1 * (s + 1), b, 2, vals, 4);
        snn_synrec_snapshot(a, 0.1 * (s + 1), &b[0], 1, &vals[0], 4);
        snn_synrec_snapshot(c, 0.1 * (s + 1), &b[1], 1, &vals[1], 4);
    }
    snprintf(one, sizeof one, "%s", snn_synrec_close(r));
    snprintf(p[0], sizeof p[0], "%s", snn_synrec_close(a));
    snprintf(p[1], sizeof p[1], "%s", snn_synrec_close(c));
    snn_synrec_free(r);
    snn_synrec_free(a);
    snn_synrec_free(c);
    snn_synrec *m = snn_synrec_open(g_dir, "EE", "w", 4);
    char *paths[2] = {p[0], p[1]}, err[256];
    assert_int_equal(rt_par_merge_syn(m, paths, 2, err, sizeof err), 0);
    char merged[256];
    snprintf(merged, sizeof merged, "%s", snn_synrec_close(m));
    snn_synrec_free(m);
    size_t n1, n2;
    unsigned char *x = slurp(one, &n1), *y = slurp(merged, &n2);
    unsigned long long count;
    syn_header(x, n1, 4, &count);
    assert_int_equal(count, 18);
    assert_int_equal(n1, n2);
    assert_memory_equal(x, y, n1);
    free(x);
    free(y);
    char *missing[1] = {d0};
    m = snn_synrec_open(g_dir, "EE", "c", 4);
    assert_int_not_equal(rt_par_merge_syn(m, missing, 1, err, sizeof err), 0);
    snn_synrec_free(m);
}


/* ---- issue 12: headers valid while the file grows, recovery, failures in the fatal path */

static void test_sync_keeps_header_valid(void **state)
{
    (void)state;
    snn_recorder *r = snn_recorder_open(g_dir, "Sync");
    char part[256];
    snprintf(part, sizeof part, "%s/spikes_Sync.npy.part", g_dir);
    uint32_t ids[4] = {7, 8, 9, 10};
    for (int s = 0; s < 5; s++)
        snn_recorder_add(r, s * 0.1, ids, 2);
    snn_recorder_sync(r); /* what a killed run leaves: a valid .npy of 10 records */
    size_t n;
    unsigned char *b = slurp(part, &n);
    assert_true(check_header(b, n) == 10);
    free(b);
    snn_recorder_add(r, 1.0, ids, 4); /* buffered, not synced: the file still says 10 */
    b = slurp(part, &n);
    assert_true(check_header(b, n) == 10);
    free(b);
    snn_recorder_sync(r);
    b = slurp(part, &n);
    assert_true(check_header(b, n) == 14);
    assert_int_equal(rec_i(b, 13), 10);
    free(b);
    snn_recorder_free(r);

    /* variable recordings likewise */
    snn_varrec *v = snn_varrec_open(g_dir, "S", "V", 2, 8);
    snprintf(part, sizeof part, "%s/S_V.npy.part", g_dir);
    double vals[2] = {1.5, -2.5};
    for (int s = 0; s < 3; s++)
        snn_varrec_add(v, s * 1.0, vals);
    snn_varrec_sync(v);
    b = slurp(part, &n);
    unsigned long long count;
    size_t hl = varrec_header(b, n, 8, 2, &count);
    assert_int_equal(count, 3);
    assert_int_equal(n, hl + 3 * 24);
    free(b);
    snn_varrec_abandon(v); /* kept under the .part name, complete */
    assert_string_equal(snn_varrec_close(v), part);
    snn_varrec_free(v);
}

static void test_recover(void **state)
{
    (void)state;
    snn_recorder *r = snn_recorder_open(g_dir, "Rec");
    char part[256], err[256];
    snprintf(part, sizeof part, "%s/spikes_Rec.npy.part", g_dir);
    uint32_t ids[3] = {1, 2, 3};
    snn_recorder_add(r, 0.5, ids, 3);
    snn_recorder_sync(r);
    snn_recorder_free(r);
    /* records past the header's count, and a partial one, as a killed run leaves them */
    FILE *f = fopen(part, "ab");
    unsigned char rec[12 * 4 + 5];
    memset(rec, 0, sizeof rec);
    for (int k = 0; k < 4; k++) {
        double t = 1.0 + k;
        uint32_t i = (uint32_t)(40 + k);
        memcpy(rec + 12 * k, &t, 8);
        memcpy(rec + 12 * k + 8, &i, 4);
    }
    assert_int_equal(fwrite(rec, 1, sizeof rec, f), sizeof rec);
    fclose(f);
    uint64_t count = 0, was = 0;
    assert_int_equal(snn_npy_recover(part, &count, &was, err, sizeof err), 0);
    assert_int_equal(count, 7);
    assert_int_equal(was, 3);
    size_t n;
    unsigned char *b = slurp(part, &n);
    assert_true(check_header(b, n) == 7); /* and the partial record is gone */
    assert_int_equal(rec_i(b, 6), 43);
    free(b);
    /* not a recording */
    snprintf(part, sizeof part, "%s/junk.npy.part", g_dir);
    f = fopen(part, "wb");
    fputs("hello", f);
    fclose(f);
    assert_int_equal(snn_npy_recover(part, &count, &was, err, sizeof err), -1);
    assert_string_equal(err, "not a .npy file (no NumPy header)");
}

/* A fatal error inside the fatal hook (the run.json or recorder writes of the error path)
 * ends the process; it used to wait for ever. */
static void fail_again(const char *msg)
{
    (void)msg;
    snn_fatal("second failure in the hook");
}

static void fatal_in_hook(const void *arg)
{
    (void)arg;
    alarm(20); /* a hang ends as SIGALRM, not exit status 1 */
    snn_set_fatal_hook(fail_again);
    snn_fatal("first failure");
}

static snn_recorder *g_full;

static void abandon_hook(const char *msg)
{
    (void)msg;
    snn_recorder_abandon(g_full); /* as snn_main's hook: must not fail again */
}

static void write_to_full(const void *arg)
{
    (void)arg;
    alarm(20);
    char part[256];
    snprintf(part, sizeof part, "%s/spikes_Full.npy.part", g_dir);
    unlink(part);
    if (symlink("/dev/full", part) != 0)
        _exit(3);
    g_full = snn_recorder_open(g_dir, "Full");
    snn_set_fatal_hook(abandon_hook);
    uint32_t ids[256] = {0};
    for (int s = 0; s < 1000; s++) /* more than the 64k-record buffer */
        snn_recorder_add(g_full, s * 0.1, ids, 256);
    snn_recorder_sync(g_full);
}

static void test_failures_in_the_fatal_path(void **state)
{
    (void)state;
    expect_child_fails(fatal_in_hook, NULL, "brunel: error: second failure in the hook");
    expect_child_fails(write_to_full, NULL, "No space left on device");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_and_read),  cmocka_unit_test(test_empty),
        cmocka_unit_test(test_abort_keeps_part), cmocka_unit_test(test_mkdirs_and_atomic),
        cmocka_unit_test(test_format_bytes),    cmocka_unit_test(test_errors),
        cmocka_unit_test(test_varrec_float),    cmocka_unit_test(test_varrec_double_abort_empty),
        cmocka_unit_test(test_varrec_errors),
        cmocka_unit_test(test_synrec_snapshot), cmocka_unit_test(test_synrec_merge),
        cmocka_unit_test(test_sync_keeps_header_valid), cmocka_unit_test(test_recover),
        cmocka_unit_test(test_failures_in_the_fatal_path),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
