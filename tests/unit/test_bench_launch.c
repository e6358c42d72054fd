/* tests/unit/test_bench_launch.c - how snnbench starts MPI and GPU cells and what it
 * records from them: the launcher command line for a cell (mpirun -np R with
 * --oversubscribe beyond the cores and --bind-to none with threads; $SNNBENCH_LAUNCHER
 * or the suite's launcher with {ranks}/{threads}), the environment (Open MPI's root
 * permission), skip reasons, the MPI version from `mpirun --version`, and a synthetic
 * run.json with the parallel section, per-rank timers and memory turned into a record. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "json.h"
#include "launch.h"
#include "record.h"
#include "store.h"
#include "suite.h"

static char *joined(char **argv)
{
    assert_non_null(argv);
    char *s = argv_join(argv);
    argv_free(argv);
    return s;
}

static void expect_argv(const LaunchEnv *e, const SuiteCell *c, const char *want)
{
    char *got = joined(launch_argv(e, c, "/b/sim", "/o/rep1"));
    if (strcmp(got, want) != 0)
        fail_msg("got  '%s'\nwant '%s'", got, want);
    free(got);
}

static SuiteCell cell(int ranks, int threads)
{
    SuiteCell c;
    memset(&c, 0, sizeof c);
    c.id = (char *)"m-c-r1-t1";
    c.backend = (char *)"c";
    c.ranks = ranks;
    c.threads = threads;
    c.reps = 1;
    c.time_ms = 250;
    c.timeout_s = 60;
    return c;
}

static void test_split_join(void **state)
{
    (void)state;
    char **w;
    assert_int_equal(split_words("  srun  -n {ranks} --cpu-bind='map cpu' \"a b\" c\\ d ", &w), 6);
    assert_string_equal(w[0], "srun");
    assert_string_equal(w[1], "-n");
    assert_string_equal(w[2], "{ranks}");
    assert_string_equal(w[3], "--cpu-bind=map cpu");
    assert_string_equal(w[4], "a b");
    assert_string_equal(w[5], "c d");
    assert_null(w[6]);
    argv_free(w);
    assert_int_equal(split_words("", &w), 0);
    assert_null(w[0]);
    argv_free(w);
    assert_int_equal(split_words("mpirun 'open", &w), -1);
    char *a[] = {(char *)"mpirun", (char *)"-np", (char *)"2", (char *)"it's", (char *)"a b", (char *)"", NULL};
    char *s = argv_join(a);
    assert_string_equal(s, "mpirun -np 2 'it'\\''s' 'a b' ''");
    free(s);
}

static void test_launch_default(void **state)
{
    (void)state;
    LaunchEnv e = {.mpirun_ok = 1, .cores = 4};
    SuiteCell c = cell(1, 1);
    expect_argv(&e, &c, "/b/sim --time 250 --output /o/rep1 --quiet --set threads=1");
    c = cell(1, 3);
    expect_argv(&e, &c, "/b/sim --time 250 --output /o/rep1 --quiet --set threads=3");
    c = cell(4, 1); /* as many ranks as cores: no oversubscription */
    expect_argv(&e, &c, "mpirun -np 4 /b/sim --time 250 --output /o/rep1 --quiet --set threads=1");
    c = cell(8, 1);
    c.exchange = "p2p";
    expect_argv(&e, &c, "mpirun -np 8 --oversubscribe /b/sim --time 250 --output /o/rep1 --quiet "
                        "--set threads=1 --set exchange=p2p");
    c = cell(2, 2);
    c.exchange = "collective";
    expect_argv(&e, &c, "mpirun -np 2 --bind-to none /b/sim --time 250 --output /o/rep1 --quiet "
                        "--set threads=2 --set exchange=collective");
    snprintf(e.mpi_text, sizeof e.mpi_text, "mpirun (Open MPI) 4.1.4\n");
    c = cell(8, 2);
    expect_argv(&e, &c, "mpirun -np 8 --oversubscribe --bind-to none /b/sim --time 250 --output /o/rep1 "
                        "--quiet --set threads=2");
    /* MPICH's Hydra neither refuses extra ranks nor binds: no Open MPI options */
    snprintf(e.mpi_text, sizeof e.mpi_text, "HYDRA build details:\n    Version: 4.0.2\n");
    expect_argv(&e, &c, "mpirun -np 8 /b/sim --time 250 --output /o/rep1 --quiet --set threads=2");
}

static void test_launch_custom(void **state)
{
    (void)state;
    LaunchEnv e = {.mpirun_ok = 0, .cores = 2};
    SuiteCell c = cell(4, 2);
    c.launcher = "mpiexec -n {ranks} -genv OMP_NUM_THREADS={threads}";
    expect_argv(&e, &c, "mpiexec -n 4 -genv OMP_NUM_THREADS=2 /b/sim --time 250 --output /o/rep1 "
                        "--quiet --set threads=2");
    e.launcher = "srun --ntasks=4 --cpus-per-task=2"; /* $SNNBENCH_LAUNCHER wins over the suite */
    expect_argv(&e, &c, "srun --ntasks=4 --cpus-per-task=2 /b/sim --time 250 --output /o/rep1 "
                        "--quiet --set threads=2");
    c = cell(1, 2); /* one rank: no launcher at all */
    c.launcher = "srun";
    expect_argv(&e, &c, "/b/sim --time 250 --output /o/rep1 --quiet --set threads=2");
    c = cell(2, 1);
    e.launcher = "srun 'x";
    assert_null(launch_argv(&e, &c, "/b/sim", "/o"));
}

static void test_launch_env(void **state)
{
    (void)state;
    LaunchEnv e = {.mpirun_ok = 1, .cores = 2, .is_root = 1};
    SuiteCell c = cell(2, 3);
    char *s = joined(launch_env(&e, &c));
    assert_string_equal(s, "OMP_NUM_THREADS=3 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1");
    free(s);
    e.is_root = 0;
    s = joined(launch_env(&e, &c));
    assert_string_equal(s, "OMP_NUM_THREADS=3");
    free(s);
    e.is_root = 1;
    c = cell(1, 1);
    s = joined(launch_env(&e, &c));
    assert_string_equal(s, "OMP_NUM_THREADS=1");
    free(s);
}

static void test_skip_reasons(void **state)
{
    (void)state;
    LaunchEnv e = {.mpirun_ok = 0, .cores = 2};
    SuiteCell c = cell(1, 1);
    assert_null(cell_skip_reason(&e, &c));
    c = cell(2, 1);
    assert_string_equal(cell_skip_reason(&e, &c),
                        "mpirun is not available (mpirun --version failed; on Debian: apt-get install openmpi-bin)");
    e.mpirun_ok = 1;
    assert_null(cell_skip_reason(&e, &c));
    c.launcher = "no-such-launcher-xyz -n {ranks}";
    assert_string_equal(cell_skip_reason(&e, &c), "the launcher's program is not on PATH");
    c.launcher = "sh -c 'exec \"$@\"' sh"; /* found on PATH */
    assert_null(cell_skip_reason(&e, &c));
    c = cell(1, 1);
    c.backend = (char *)"cuda";
    assert_string_equal(cell_skip_reason(&e, &c), "no GPU on this machine");
    e.have_nvcc = 1; /* the build can still be checked: decided after building */
    assert_null(cell_skip_reason(&e, &c));
    e.have_nvcc = 0;
    e.have_gpu = 1;
    assert_null(cell_skip_reason(&e, &c));
    c.skip = "peers run as one process (ranks > 1)";
    assert_string_equal(cell_skip_reason(&e, &c), "peers run as one process (ranks > 1)");
}

static void test_mpi_version(void **state)
{
    (void)state;
    char impl[64], ver[64];
    mpi_version_parse("mpirun (Open MPI) 4.1.4\n\nReport bugs to http://www.open-mpi.org/community/help/\n",
                      impl, sizeof impl, ver, sizeof ver);
    assert_string_equal(impl, "Open MPI");
    assert_string_equal(ver, "4.1.4");
    mpi_version_parse("HYDRA build details:\n    Version:                                 4.0.2\n"
                      "    Release Date:                            Thu Apr  7 12:34:45 CDT 2022\n",
                      impl, sizeof impl, ver, sizeof ver);
    assert_string_equal(impl, "MPICH");
    assert_string_equal(ver, "4.0.2");
    mpi_version_parse("Intel(R) MPI Library for Linux* OS, Version 2021.6 Build 20220227 (id: 28877f3f32)\n",
                      impl, sizeof impl, ver, sizeof ver);
    assert_string_equal(impl, "Intel MPI");
    assert_string_equal(ver, "2021.6");
    mpi_version_parse("something else 1.0\nmore\n", impl, sizeof impl, ver, sizeof ver);
    assert_string_equal(impl, "");
    assert_string_equal(ver, "something else 1.0");
    assert_true(physical_cores() >= 1);
}

/* ---- records from run.json ------------------------------------------------------- */

static char dir[256];
static Suite suite;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_bench_launch.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/m.lua", dir);
    FILE *f = fopen(path, "w");
    fputs("-- a model\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    f = fopen(path, "w");
    fputs("suite: mpi\nranks: [1, 4]\nthreads: 2\nexchange: p2p\nmodels:\n  - file: m.lua\n"
          "    params: {scale: 0.5}\n", f);
    fclose(f);
    char err[512];
    return suite_load(path, &suite, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    suite_free(&suite);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char RUN_JSON[] =
    "{\"schema\": 1, \"status\": \"complete\",\n"
    " \"model\": {\"name\": \"m\", \"hash\": \"0123456789abcdef\", \"precision\": \"float\"},\n"
    " \"runtime\": {\"version\": \"0.2.0\"},\n"
    " \"run\": {\"duration_ms\": 250, \"steps\": 2500, \"steps_done\": 2500, \"seed\": 7},\n"
    " \"parallel\": {\"ranks\": %d, \"threads\": %d, \"exchange\": \"p2p\", \"comm_interval_steps\": 15,"
    " \"decomposition\": \"blocks\"},\n"
    " \"timers\": {\"construction_s\": 0.5, \"init_s\": 0.01, \"simulation_s\": 2.0, \"real_time_factor\": 8},\n"
    " \"rank_timers\": {\"construction_s\": {\"min\": 0.4, \"median\": 0.45, \"max\": 0.5},\n"
    "   \"init_s\": {\"min\": 0.01, \"median\": 0.01, \"max\": 0.01},\n"
    "   \"simulation_s\": {\"min\": 1.5, \"median\": 1.6, \"max\": 2.0},\n"
    "   \"update_s\": {\"min\": 0.8, \"median\": 1.0, \"max\": 1.3},\n"
    "   \"deliver_s\": {\"min\": 0.2, \"median\": 0.25, \"max\": 0.3},\n"
    "   \"communicate_s\": {\"min\": 0.1, \"median\": 0.2, \"max\": 0.3},\n"
    "   \"wait_s\": {\"min\": 0, \"median\": 0, \"max\": 0.4}},\n"
    " \"rank_memory\": {\"peak_rss_bytes\": {\"min\": 1e8, \"median\": 1.2e8, \"max\": 1.5e8}},\n"
    " \"sizes\": {\"neurons\": 1000, \"synapses\": 100000, \"state_bytes_peak\": 4096},\n"
    " \"memory\": {\"peak_rss_bytes\": 1.5e8},\n"
    " \"populations\": [{\"name\": \"E\", \"size\": 800, \"spikes\": 1000, \"rate_hz\": 5},\n"
    "                 {\"name\": \"I\", \"size\": 200, \"spikes\": 500, \"rate_hz\": 10}]}\n";

static Json *run_json(int ranks, int threads)
{
    char text[sizeof RUN_JSON + 32], err[128];
    snprintf(text, sizeof text, RUN_JSON, ranks, threads);
    Json *j = json_parse(text, err, sizeof err);
    if (!j)
        fail_msg("%s", err);
    return j;
}

#define NUM(j, key) json_num_or(json_path((j), (key)), NAN)

static void test_record_from_run_json(void **state)
{
    (void)state;
    assert_int_equal(suite.ncells, 2);
    const SuiteCell *c = &suite.cells[1];
    assert_string_equal(c->id, "m-scale=0.5-c-r4-t2-p2p");
    Json *meta = json_obj();
    json_set(meta, "machine", json_str("box"));
    json_set(meta, "hostname", json_str("box"));
    json_set(meta, "os", json_str("Linux"));
    json_set(meta, "cpu", json_str("cpu"));
    json_set(meta, "cores", json_num(8));
    json_set(meta, "commit", json_str("abcdef123456"));
    Json *rec = record_new(&suite, c, 1, meta, "ok", NULL);
    Json *rj = run_json(4, 2);
    char err[512];
    assert_int_equal(record_from_run_json(rec, rj, 4, 2, 3.0, 1000, err, sizeof err), 0);
    assert_int_equal(record_validate(rec, err, sizeof err), 0);
    /* the cell */
    assert_true(json_path(rec, "cell.mpi")->b);
    assert_string_equal(json_str_or(json_path(rec, "cell.exchange"), ""), "p2p");
    /* top-level timers keep their meaning: the slowest rank */
    assert_true(NUM(rec, "timers.simulation_s") == 2.0);
    assert_true(NUM(rec, "timers.wall_s") == 3.0);
    /* the parallel section and the per-rank figures, reachable by dotted keys */
    assert_true(NUM(rec, "parallel.ranks") == 4);
    assert_true(NUM(rec, "parallel.comm_interval_steps") == 15);
    assert_string_equal(json_str_or(json_path(rec, "parallel.decomposition"), ""), "blocks");
    assert_true(NUM(rec, "rank_timers.simulation_s.max") == 2.0);
    assert_true(NUM(rec, "rank_timers.communicate_s.median") == 0.2);
    assert_true(NUM(rec, "rank_memory.peak_rss_bytes.max") == 1.5e8);
    assert_true(record_lookup(rec, "rank_timers.wait_s.max")->num == 0.4);
    /* load imbalance max/median; none for a zero median */
    assert_true(fabs(NUM(rec, "imbalance.simulation_s") - 1.25) < 1e-12);
    assert_true(fabs(NUM(rec, "imbalance.update_s") - 1.3) < 1e-12);
    assert_true(fabs(NUM(rec, "imbalance.peak_rss_bytes") - 1.25) < 1e-12);
    assert_null(json_path(rec, "imbalance.wait_s"));
    assert_true(NUM(rec, "sanity.spikes") == 1500);
    assert_true(NUM(rec, "sanity.rate_hz") == 6);
    assert_true(NUM(rec, "memory.peak_rss_bytes") == 1.5e8);
    Filter f;
    assert_int_equal(filter_parse("parallel.exchange=p2p", &f), 0);
    assert_true(record_match(rec, &f, 1));
    json_free(rec);

    /* a single-process build under mpirun: each copy thinks it is alone */
    rec = record_new(&suite, c, 1, meta, "ok", NULL);
    json_free(rj);
    rj = run_json(1, 2);
    assert_int_equal(record_from_run_json(rec, rj, 4, 2, 3.0, 1000, err, sizeof err), -1);
    assert_string_equal(err, "run.json reports 1 rank(s), the cell asked for 4 (a simulator built "
                             "without --mpi, or started without the launcher?)");
    json_free(rj);
    rj = run_json(4, 1);
    assert_int_equal(record_from_run_json(rec, rj, 4, 2, 3.0, 1000, err, sizeof err), -1);
    assert_string_equal(err, "run.json reports 1 thread(s), the cell asked for 2");
    /* today's simulators: no parallel section, fine for one rank, not for four */
    json_free(rj);
    char e2[128];
    rj = json_parse("{\"status\": \"complete\", \"timers\": {\"simulation_s\": 1}}", e2, sizeof e2);
    assert_int_equal(record_from_run_json(rec, rj, 4, 1, 1.0, 1000, err, sizeof err), -1);
    assert_string_equal(err, "run.json has no 'parallel' section: not an MPI simulator (snncc --mpi)");
    assert_int_equal(record_from_run_json(rec, rj, 1, 1, 1.0, 1000, err, sizeof err), 0);
    assert_null(json_get(rec, "rank_timers"));
    assert_null(json_get(rec, "imbalance"));
    assert_true(NUM(rec, "memory.peak_rss_bytes") == 1024000);
    json_free(rj);
    rj = json_parse("{\"status\": \"failed\", \"error\": \"out of memory\"}", e2, sizeof e2);
    assert_int_equal(record_from_run_json(rec, rj, 1, 1, 1.0, 1000, err, sizeof err), -1);
    assert_string_equal(err, "run.json status failed: out of memory");
    json_free(rj);
    json_free(rec);
    json_free(meta);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_join),
        cmocka_unit_test(test_launch_default),
        cmocka_unit_test(test_launch_custom),
        cmocka_unit_test(test_launch_env),
        cmocka_unit_test(test_skip_reasons),
        cmocka_unit_test(test_mpi_version),
        cmocka_unit_test(test_record_from_run_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
