/*
 * test_rt_main.c - snn_main (rt_main.c) with a hand-written model descriptor: variable
 * recorders opened for every snn_varrec_desc, closed with the run (or left as .part files
 * when the run fails), and listed in run.json ("recordings") and the summary.
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
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snnrt.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/test_rt_main_XXXXXX");
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

static const snn_pop_desc pops[] = {{"E", 4, 1, 0}, {"I", 2, 0, 0}};
static const snn_varrec_desc varrecs[] = {{0, "V", 4, 1, NULL}, {1, "w", 2, 5, NULL}};
static int g_fail_at = -1; /* step at which the model fails (snn_fatal), or -1 */

static void m_step(snn_run *run, uint64_t step)
{
    const double t = (double)step * 0.1;
    if ((int)step == g_fail_at)
        snn_fatal("model failed at step %d", g_fail_at);
    float v[4] = {(float)step, 1, 2, 3};
    snn_varrec_add(run->varrec[0], t, v);
    if (step % 5 == 0) {
        float w[2] = {(float)step * 2, -1};
        snn_varrec_add(run->varrec[1], t, w);
    }
}

static const snn_model model = {
    .name = "toy",
    .model_file = "toy.lua",
    .model_hash = "0123456789abcdef",
    .snncc_version = "test",
    .precision = "float",
    .backend = "c",
    .dt = 0.1,
    .seed = 1,
    .n_pops = 2,
    .pops = pops,
    .n_projs = 0,
    .projs = NULL,
    .step = m_step,
    .n_varrecs = 2,
    .varrecs = varrecs,
};

/* Run snn_main in a child with stdout in 'out'; returns the exit status. */
static int run_main(const char *outdir, char *out, size_t outlen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        char a0[] = "toy", a1[] = "--time", a2[] = "10", a3[] = "--output";
        char *argv[] = {a0, a1, a2, a3, (char *)outdir, NULL};
        int rc = snn_main(5, argv, &model);
        fflush(NULL);
        _exit(rc);
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t got;
    while (n + 1 < outlen && (got = read(fds[0], out + n, outlen - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void test_recordings(void **state)
{
    (void)state;
    char dir[128], out[8192], path[1024];
    snprintf(dir, sizeof dir, "%s/ok", g_dir);
    g_fail_at = -1;
    int rc = run_main(dir, out, sizeof out);
    if (rc != 0)
        print_error("%s", out);
    assert_int_equal(rc, 0);
    snprintf(path, sizeof path, "outputs: %s/run.json, %s/spikes_E.npy, %s/E_V.npy, %s/I_w.npy\n",
             dir, dir, dir, dir);
    if (!strstr(out, path))
        print_error("stdout: %s\nwant: %s", out, path);
    assert_non_null(strstr(out, path));
    snprintf(path, sizeof path, "%s/E_V.npy", dir);
    assert_true(exists(path));
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) {
        print_message("numpy not available: skipped the NumPy read-back\n");
        return;
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import json, numpy as np; d = '%s'; "
             "j = json.load(open(d + '/run.json')); r = j['recordings']; "
             "assert j['status'] == 'complete', j['status']; "
             "assert r == [{'population': 'E', 'var': 'V', 'every': 1, 'neurons': 4, "
             "'file': d + '/E_V.npy'}, {'population': 'I', 'var': 'w', 'every': 5, "
             "'neurons': 2, 'file': d + '/I_w.npy'}], r; "
             "a = np.load(d + '/E_V.npy'); b = np.load(d + '/I_w.npy'); "
             "assert a.shape == (100,) and a.dtype['v'] == np.dtype(('<f4', (4,))), a.dtype; "
             "assert (a['v'][:, 0] == np.arange(100)).all(); "
             "assert b.shape == (20,) and (b['v'][:, 0] == np.arange(0, 200, 10)).all(); "
             "assert abs(b['t'][-1] - 9.5) < 1e-12, b['t']\"",
             dir);
    assert_int_equal(system(cmd), 0);
}

static void test_failed_run_keeps_part(void **state)
{
    (void)state;
    char dir[128], out[8192], path[1024];
    snprintf(dir, sizeof dir, "%s/fail", g_dir);
    g_fail_at = 42;
    int rc = run_main(dir, out, sizeof out);
    g_fail_at = -1;
    assert_int_equal(rc, 1);
    assert_non_null(strstr(out, "toy: error: model failed at step 42"));
    snprintf(path, sizeof path, "%s/E_V.npy.part", dir);
    assert_true(exists(path));
    snprintf(path, sizeof path, "%s/E_V.npy", dir);
    assert_false(exists(path));
    if (system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
        return;
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c \"import json, numpy as np; d = '%s'; "
             "j = json.load(open(d + '/run.json')); r = j['recordings']; "
             "assert j['status'] == 'failed', j['status']; "
             "assert [x['file'] for x in r] == [d + '/E_V.npy.part', d + '/I_w.npy.part'], r; "
             "a = np.load(open(d + '/E_V.npy.part', 'rb')); "
             "assert a.shape == (42,) and a['v'][-1, 0] == 41, a.shape\"",
             dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recordings),
        cmocka_unit_test(test_failed_run_keeps_part),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
