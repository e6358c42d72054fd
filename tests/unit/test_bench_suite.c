/* tests/unit/test_bench_suite.c - snnbench suite files: the matrix of cells, and the
 * exact messages for broken suites (unknown keys with did-you-mean, wrong types,
 * missing model files, YAML syntax), each with the file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "suite.h"

static char dir[256];

static const char *write_suite(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_bench_suite.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    write_suite("m.lua", "-- a model\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The message after "DIR/" for a broken suite. */
static void expect_error(const char *text, const char *msg)
{
    const char *path = write_suite("s.yaml", text);
    Suite s;
    char err[1024];
    assert_int_equal(suite_load(path, &s, err, sizeof err), -1);
    char want[1024];
    snprintf(want, sizeof want, "%s/s.yaml:%s", dir, msg);
    if (strcmp(err, want) != 0)
        fail_msg("got  '%s'\nwant '%s'", err, want);
}

static void test_matrix(void **state)
{
    (void)state;
    const char *path = write_suite("ok.yaml",
        "suite: demo\n"
        "time_ms: 200\n"
        "repetitions: 2\n"
        "backends: [c, cuda]\n"
        "ranks: [1, 2]\n"
        "models:\n"
        "  - file: m.lua\n"
        "    params: {scale: [0.05, 0.1], k: 3}\n"
        "  - name: peer\n"
        "    file: m.lua\n"
        "    peer: brian2\n"
        "    repetitions: 5\n"
        "    time_ms: 1000\n"
        "    ranks: 1\n");
    Suite s;
    char err[1024];
    if (suite_load(path, &s, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(s.name, "demo");
    assert_int_equal(s.nmodels, 2);
    assert_string_equal(s.models[0].name, "m");
    /* 2 scales x 1 k x 2 back ends x 2 ranks, then one peer cell */
    assert_int_equal(s.ncells, 9);
    assert_string_equal(s.cells[0].id, "m-scale=0.05-k=3-c-r1-t1");
    assert_null(s.cells[0].skip);
    assert_string_equal(s.cells[1].id, "m-scale=0.05-k=3-c-r2-t1");
    assert_null(s.cells[1].skip); /* MPI and GPUs: decided by snnbench run on the machine */
    assert_null(s.cells[1].exchange);
    assert_string_equal(s.cells[2].id, "m-scale=0.05-k=3-cuda-r1-t1");
    assert_null(s.cells[2].skip);
    assert_string_equal(s.cells[4].id, "m-scale=0.1-k=3-c-r1-t1");
    assert_int_equal(s.cells[4].reps, 2);
    assert_true(s.cells[4].time_ms == 200);
    assert_string_equal(s.cells[8].id, "peer-brian2-r1-t1");
    assert_int_equal(s.cells[8].reps, 5);
    assert_true(s.cells[8].time_ms == 1000);
    suite_free(&s);
}

/* exchange is an axis for cells with more than one rank only; launcher is inherited and
 * overridden per model; peers with several ranks or threads are skipped here. */
static void test_mpi_axes(void **state)
{
    (void)state;
    const char *path = write_suite("mpi.yaml",
        "ranks: [1, 2, 4]\n"
        "exchange: [collective, p2p]\n"
        "launcher: srun -n {ranks}\n"
        "models:\n"
        "  - file: m.lua\n"
        "  - name: other\n"
        "    file: m.lua\n"
        "    ranks: 2\n"
        "    exchange: p2p\n"
        "    launcher: mpiexec -n {ranks} --bind-to none\n"
        "  - name: peer\n"
        "    file: m.lua\n"
        "    peer: brian2\n"
        "    ranks: [1, 2]\n"
        "    threads: [1, 2]\n");
    Suite s;
    char err[1024];
    if (suite_load(path, &s, err, sizeof err) != 0)
        fail_msg("%s", err);
    static const char *const ids[] = {"m-c-r1-t1", "m-c-r2-t1-collective", "m-c-r2-t1-p2p",
                                      "m-c-r4-t1-collective", "m-c-r4-t1-p2p", "other-c-r2-t1-p2p",
                                      "peer-brian2-r1-t1", "peer-brian2-r1-t2", "peer-brian2-r2-t1",
                                      "peer-brian2-r2-t2"};
    assert_int_equal(s.ncells, 10);
    for (int i = 0; i < 10; i++)
        assert_string_equal(s.cells[i].id, ids[i]);
    assert_null(s.cells[0].exchange);
    assert_string_equal(s.cells[2].exchange, "p2p");
    assert_int_equal(s.cells[3].ranks, 4);
    assert_string_equal(s.cells[3].exchange, "collective");
    assert_string_equal(s.cells[0].launcher, "srun -n {ranks}");
    assert_string_equal(s.cells[5].launcher, "mpiexec -n {ranks} --bind-to none");
    assert_null(s.cells[6].skip);
    assert_null(s.cells[6].exchange);
    assert_string_equal(s.cells[7].skip, "peer scripts take no thread count (threads > 1)");
    assert_string_equal(s.cells[8].skip, "peers run as one process (ranks > 1)");
    suite_free(&s);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("suite: x\nrepetitons: 3\nmodels:\n  - file: m.lua\n",
                 "2: unknown key 'repetitons' (did you mean 'repetitions'?)");
    expect_error("models:\n  - file: m.lua\n    parms: {scale: 1}\n",
                 "3: unknown key 'parms' (did you mean 'params'?)");
    expect_error("models:\n  - file: m.lua\n    zzz: 1\n", "3: unknown key 'zzz'");
    expect_error("repetitions: two\nmodels:\n  - file: m.lua\n",
                 "1: 'repetitions' must be an integer >= 1, not 'two'");
    expect_error("time_ms: [1, 2]\nmodels:\n  - file: m.lua\n",
                 "1: 'time_ms' must be a positive number, not a list");
    expect_error("backends: [c, fortran]\nmodels:\n  - file: m.lua\n",
                 "1: unknown back end 'fortran' (known: c, cuda)");
    expect_error("models: m.lua\n", "1: 'models' must be a list of models");
    expect_error("exchange: [p2p, allgather]\nmodels:\n  - file: m.lua\n",
                 "1: unknown exchange 'allgather' (known: collective, p2p)");
    expect_error("models:\n  - file: m.lua\n    launcher: ''\n", "3: 'launcher' must not be empty");
    expect_error("ranks: [1, 2, 01]\nmodels:\n  - file: m.lua\n", "1: 'ranks' lists 1 twice");
    expect_error("models:\n  - file: m.lua\n    params: {scale: [0.1, 0.2, 0.1]}\n",
                 "3: 'scale' lists '0.1' twice");
    expect_error("models:\n  - file: m.lua\n    exchang: p2p\n",
                 "3: unknown key 'exchang' (did you mean 'exchange'?)");
    expect_error("suite: x\n", "1: no 'models' list");
    expect_error("models:\n  - name: a\n", "2: model entry has no 'file'");
    expect_error("models:\n  - file: m.lua\n    peer: nest\n", "3: unknown peer 'nest' (known: brian2)");
    expect_error("models:\n  - file: m.lua\n    params: {scale: {a: 1}}\n",
                 "3: 'scale' must be a value or a list of values, not a mapping");
    expect_error("ranks: [1, 0]\nmodels:\n  - file: m.lua\n",
                 "1: 'ranks' must be a list of positive integers, not '0'");
    expect_error("models:\n  - file: m.lua\n  - file: m.lua\n",
                 "3: model name 'm' is used twice (first on line 2)");
}

/* the "looked for" and YAML messages end with details; compare their prefixes */
static void expect_prefix(const char *text, const char *msg)
{
    const char *path = write_suite("s.yaml", text);
    Suite s;
    char err[1024], want[1024];
    assert_int_equal(suite_load(path, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s/s.yaml:%s", dir, msg);
    if (strncmp(err, want, strlen(want)) != 0)
        fail_msg("got  '%s'\nwant '%s...'", err, want);
}

static void test_prefix_errors(void **state)
{
    (void)state;
    expect_prefix("models:\n  - file: m.lua\n  - file: nope.lua\n",
                  "3: model file 'nope.lua' not found (looked for ");
    expect_prefix("models:\n  - file: m.lua\n   bad: [\n", "3: YAML syntax: ");
}

static void test_edit_distance(void **state)
{
    (void)state;
    assert_int_equal(edit_distance("kitten", "sitting"), 3);
    assert_int_equal(edit_distance("", "abc"), 3);
    assert_int_equal(edit_distance("same", "same"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_mpi_axes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_prefix_errors),
        cmocka_unit_test(test_edit_distance),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
