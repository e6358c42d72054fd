/*
 * test_rt_config.c - the YAML run config and --set overrides (rt_config.c): a good config,
 * every error message verbatim, syntax errors, and that failed loads change nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "snnrt.h"

static const char *const POPS[] = {"E", "I", "Thalamus"};
#define NP 3

static snn_config fresh(void)
{
    snn_config c;
    snn_config_defaults(&c, "brunel", 1234, NP, POPS);
    return c;
}

/* Load 'yaml' as "run.yaml" into a fresh config; expect failure with message 'want'. */
static void expect_error(const char *yaml, const char *want)
{
    snn_config c = fresh(), before = fresh();
    char err[1024] = "";
    int rc = snn_config_load_string(&c, yaml, "run.yaml", NP, POPS, err, sizeof err);
    if (rc == 0 || strcmp(err, want) != 0)
        print_error("yaml:\n%s\ngot:  %s\nwant: %s\n", yaml, err, want);
    assert_int_equal(rc, -1);
    assert_string_equal(err, want);
    assert_memory_equal(&c, &before, sizeof c); /* nothing applied */
}

static void expect_set_error(const char *assignment, const char *want)
{
    snn_config c = fresh(), before = fresh();
    char err[1024] = "";
    int rc = snn_config_set(&c, assignment, NP, POPS, err, sizeof err);
    if (rc == 0 || strcmp(err, want) != 0)
        print_error("set %s\ngot:  %s\nwant: %s\n", assignment, err, want);
    assert_int_equal(rc, -1);
    assert_string_equal(err, want);
    assert_memory_equal(&c, &before, sizeof c);
}

static void test_defaults(void **state)
{
    (void)state;
    snn_config c = fresh();
    assert_true(c.duration_ms == 1000.0);
    assert_true(c.seed == 1234);
    assert_string_equal(c.output, "brunel_out");
    for (int p = 0; p < SNN_MAX_POPS; p++)
        assert_int_equal(c.record[p], -1);
    assert_int_equal(c.quiet, 0);
    assert_string_equal(c.source, "");
}

static void test_good_config(void **state)
{
    (void)state;
    snn_config c = fresh();
    char err[512] = "";
    const char *yaml = "# a run\n"
                       "duration: 250.5\n"
                       "seed: 7\n"
                       "output: out/brunel\n"
                       "record:\n"
                       "  E: spikes\n"
                       "  Thalamus: none\n"
                       "quiet: yes\n";
    assert_int_equal(snn_config_load_string(&c, yaml, "run.yaml", NP, POPS, err, sizeof err), 0);
    assert_true(c.duration_ms == 250.5);
    assert_true(c.seed == 7);
    assert_string_equal(c.output, "out/brunel");
    assert_int_equal(c.record[0], 1);
    assert_int_equal(c.record[1], -1);
    assert_int_equal(c.record[2], 0);
    assert_int_equal(c.quiet, 1);

    /* Flow style, exponent, quoted keys, false. */
    c = fresh();
    assert_int_equal(snn_config_load_string(&c, "{'duration': 1e3, seed: 0, quiet: False}",
                                            "run.yaml", NP, POPS, err, sizeof err),
                     0);
    assert_true(c.duration_ms == 1000.0);
    assert_true(c.seed == 0);
    assert_int_equal(c.quiet, 0);

    /* The parallel and GPU keys: values and where they came from. */
    c = fresh();
    assert_int_equal(snn_config_load_string(&c, "threads: 3\nexchange: p2p\nexchange_interval: 5\n"
                                               "cuda_graph_steps: 16\n",
                                            "run.yaml", NP, POPS, err, sizeof err),
                     0);
    assert_int_equal(c.threads, 3);
    assert_int_equal(c.exchange, 1);
    assert_int_equal(c.exchange_interval, 5);
    assert_string_equal(c.exchange_interval_where, "run.yaml:3");
    assert_int_equal(c.cuda_graph_steps, 16);
    /* blocks: auto (0) by default, unless SNN_BLOCKS says otherwise */
    setenv("SNN_BLOCKS", "auto", 1);
    c = fresh();
    assert_int_equal(c.blocks, 0);
    assert_int_equal(snn_config_load_string(&c, "threads: 3\nblocks: 2\n", "run.yaml", NP, POPS,
                                            err, sizeof err),
                     0);
    assert_int_equal(c.blocks, 2);
    assert_string_equal(c.blocks_where, "run.yaml:2");
    assert_int_equal(snn_config_load_string(&c, "blocks: auto\n", "run.yaml", NP, POPS, err,
                                            sizeof err),
                     0);
    assert_int_equal(c.blocks, 0);
    setenv("SNN_BLOCKS", "threads", 1);
    c = fresh();
    assert_int_equal(c.blocks, -1);
    assert_string_equal(c.blocks_where, "SNN_BLOCKS in the environment");
    setenv("SNN_BLOCKS", "3", 1);
    c = fresh();
    assert_int_equal(c.blocks, 3);
    unsetenv("SNN_BLOCKS");
    c = fresh();
    assert_int_equal(c.blocks, 0);
    c = fresh();
    assert_int_equal(c.exchange_interval, 0);
    assert_int_equal(c.cuda_graph_steps, 0);
    assert_int_equal(c.synapse_pages, 0); /* huge pages for the synapse arrays: default */
    assert_int_equal(snn_config_load_string(&c, "synapse_pages: small\n", "run.yaml", NP, POPS,
                                            err, sizeof err),
                     0);
    assert_int_equal(c.synapse_pages, 1);
    assert_int_equal(snn_config_load_string(&c, "synapse_pages: huge\n", "run.yaml", NP, POPS,
                                            err, sizeof err),
                     0);
    assert_int_equal(c.synapse_pages, 0);
    assert_int_equal(c.finite_check, 100); /* the scan for non-finite state: default */
    assert_int_equal(snn_config_load_string(&c, "finite_check: 0\n", "run.yaml", NP, POPS, err,
                                            sizeof err), 0);
    assert_int_equal(c.finite_check, 0);
    assert_int_equal(snn_config_set(&c, "finite_check=7", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.finite_check, 7);
    c = fresh();
    assert_int_equal(snn_config_set(&c, "exchange_interval=2", NP, POPS, err, sizeof err), 0);
    assert_string_equal(c.exchange_interval_where, "--set 'exchange_interval=2'");
}

static void test_empty_config(void **state)
{
    (void)state;
    snn_config c = fresh(), before = fresh();
    char err[512] = "";
    /* accepted, the defaults unchanged, but marked empty: snn_main warns */
    assert_int_equal(snn_config_load_string(&c, "", "run.yaml", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.empty, 1);
    c.empty = 0;
    assert_memory_equal(&c, &before, sizeof c);
    assert_int_equal(
        snn_config_load_string(&c, "# nothing\n\n", "run.yaml", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.empty, 1);
    c.empty = 0;
    assert_memory_equal(&c, &before, sizeof c);
    assert_int_equal(snn_config_load_string(&c, "{}\n", "run.yaml", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.empty, 1);
    assert_int_equal(
        snn_config_load_string(&c, "seed: 3\n", "run.yaml", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.empty, 0);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("duration: 100\ndurtion: 5\n",
                 "run.yaml:2: unknown key 'durtion' (did you mean 'duration'?)");
    expect_error("sed: 1", "run.yaml:1: unknown key 'sed' (did you mean 'seed'?)");
    expect_error("colour: red",
                 "run.yaml:1: unknown key 'colour' (valid keys: duration, seed, output, record, "
                 "quiet, params, threads, step_threads, blocks, exchange, exchange_interval, "
                 "cuda_graph_steps, spike_times, finite_check, data, checkpoint, custom_updates, "
                 "datasets, train, batch, lane_offset, synapse_pages)");
    expect_error("threads: 0", "run.yaml:1: 'threads' must be a whole number from 1 to 1024 (got '0')");
    expect_error("step_threads: 0",
                 "run.yaml:1: 'step_threads' must be a whole number from 1 to 1024 (got '0')");
    expect_error("blocks: 0", "run.yaml:1: 'blocks' must be a whole number from 1 to 1024 (got '0')");
    expect_error("blocks: some", "run.yaml:1: 'blocks' must be a whole number from 1 to 1024 "
                                 "(got 'some')");
    expect_error("threads: 99999999999999999999", "run.yaml:1: 'threads' must be a whole number from 1 "
                                                  "to 1024 (got '99999999999999999999')");
    expect_error("exchange_interval: 0", "run.yaml:1: 'exchange_interval' must be a whole number of "
                                         "steps from 1 to 1000000 (got '0')");
    expect_error("exchange_interval: [1]", "run.yaml:1: 'exchange_interval' must be a whole number "
                                           "of steps from 1 to 1000000 (got a list)");
    expect_error("cuda_graph_steps: -1", "run.yaml:1: 'cuda_graph_steps' must be a whole number of "
                                         "steps from 0 (off) to 4096 (got '-1')");
    expect_error("cuda_graph_steps: 8.5", "run.yaml:1: 'cuda_graph_steps' must be a whole number of "
                                          "steps from 0 (off) to 4096 (got '8.5')");
    expect_error("synapse_pages: tiny",
                 "run.yaml:1: 'synapse_pages' must be huge or small (got 'tiny')");
    expect_error("synapse_pages: [small]",
                 "run.yaml:1: 'synapse_pages' must be huge or small (got a list)");
    expect_error("finite_check: -1", "run.yaml:1: 'finite_check' must be a whole number of "
                                     "steps from 0 (off) to 1000000000 (got '-1')");
    expect_error("spike_times: [a.npy]",
                 "run.yaml:1: 'spike_times' must be a mapping of spike source populations to "
                 "files, such as { S: input.npy } (got a list)");
    expect_error("seed: 1\nduration: abc\n",
                 "run.yaml:2: 'duration' must be a positive number of milliseconds (got 'abc')");
    expect_error("duration: -5",
                 "run.yaml:1: 'duration' must be a positive number of milliseconds (got '-5')");
    expect_error("duration: 0",
                 "run.yaml:1: 'duration' must be a positive number of milliseconds (got '0')");
    expect_error("duration: .nan",
                 "run.yaml:1: 'duration' must be a positive number of milliseconds (got '.nan')");
    expect_error("duration:\nseed: 1\n",
                 "run.yaml:1: 'duration' must be a positive number of milliseconds (got "
                 "nothing)");
    expect_error("duration: [1, 2]",
                 "run.yaml:1: 'duration' must be a positive number of milliseconds (got a list)");
    expect_error("seed: -3", "run.yaml:1: 'seed' must be a non-negative integer (got '-3')");
    expect_error("seed: 1.5", "run.yaml:1: 'seed' must be a non-negative integer (got '1.5')");
    expect_error("seed: 18446744073709551616",
                 "run.yaml:1: 'seed' must be at most 18446744073709551615 (got "
                 "'18446744073709551616')");
    expect_error("output: {a: 1}",
                 "run.yaml:1: 'output' must be a directory name (got a mapping)");
    expect_error("output:", "run.yaml:1: 'output' must be a directory name (got nothing)");
    expect_error("quiet: maybe", "run.yaml:1: 'quiet' must be true or false (got 'maybe')");
    expect_error("record: [E]",
                 "run.yaml:1: 'record' must be a mapping of population names to 'spikes' or "
                 "'none' (got a list)");
    expect_error("record:\n  E: spikes\n  Q: spikes\n",
                 "run.yaml:3: unknown population 'Q' in 'record' (populations: E, I, "
                 "Thalamus)");
    expect_error("record:\n  Thalamos: none\n",
                 "run.yaml:2: unknown population 'Thalamos' in 'record' (did you mean "
                 "'Thalamus'? populations: E, I, Thalamus)");
    expect_error("record:\n  E: yes\n",
                 "run.yaml:2: 'record.E' must be 'spikes' or 'none' (got 'yes')");
    expect_error("record: {E: spikes, E: none}",
                 "run.yaml:1: population 'E' appears twice in 'record' (first on line 1)");
    expect_error("seed: 1\nseed: 2\n", "run.yaml:2: duplicate key 'seed' (first on line 1)");
    expect_error("? [a]\n: 1\n", "run.yaml:1: keys must be plain names");
    expect_error("- duration\n- 5\n",
                 "run.yaml:1: the run config must be a mapping of keys to values (got a list)");
    expect_error("\n\nhello\n",
                 "run.yaml:3: the run config must be a mapping of keys to values (got 'hello')");
    expect_error("duration: 1\n---\nseed: 2\n",
                 "run.yaml:3: a run config is a single YAML document");
}

static void test_syntax_errors(void **state)
{
    (void)state;
    expect_error("duration: 1\nseed: 2: 3\n",
                 "run.yaml:2: YAML syntax error: mapping values are not allowed in this "
                 "context");
    expect_error("duration: 1\n  seed: 2\n",
                 "run.yaml:2: YAML syntax error: mapping values are not allowed in this "
                 "context");
    expect_error("record: [E, I\nseed: 1\n",
                 "run.yaml:2: YAML syntax error: did not find expected ',' or ']' (while "
                 "parsing a flow sequence on line 1)");
    expect_error("output: \"abc\n",
                 "run.yaml:2: YAML syntax error: found unexpected end of stream (while "
                 "scanning a quoted scalar on line 1)");
}

static void test_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_rt_config_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "duration: 20\nrecord:\n  I: spikes\n";
    assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
    close(fd);

    snn_config c = fresh();
    char err[1024] = "";
    assert_int_equal(snn_config_load_file(&c, path, NP, POPS, err, sizeof err), 0);
    assert_true(c.duration_ms == 20.0);
    assert_int_equal(c.record[1], 1);
    assert_string_equal(c.source, path);

    /* Errors name the file. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("duration: 20\nqiet: true\n", f);
    fclose(f);
    char want[256];
    snprintf(want, sizeof want, "%s:2: unknown key 'qiet' (did you mean 'quiet'?)", path);
    assert_int_equal(snn_config_load_file(&c, path, NP, POPS, err, sizeof err), -1);
    assert_string_equal(err, want);
    unlink(path);

    assert_int_equal(snn_config_load_file(&c, "/nonexistent/x.yaml", NP, POPS, err, sizeof err),
                     -1);
    assert_string_equal(err, "cannot read config '/nonexistent/x.yaml': No such file or directory");
    assert_int_equal(snn_config_load_file(&c, "/tmp", NP, POPS, err, sizeof err), -1);
    assert_string_equal(err, "cannot read config '/tmp': Is a directory");
    assert_string_equal(c.source, path); /* unchanged by the failures */
}

static void test_set(void **state)
{
    (void)state;
    snn_config c = fresh();
    char err[1024] = "";
    assert_int_equal(snn_config_load_string(&c, "duration: 100\nrecord: {E: spikes}\n",
                                            "run.yaml", NP, POPS, err, sizeof err),
                     0);
    assert_int_equal(snn_config_set(&c, "duration=250", NP, POPS, err, sizeof err), 0);
    assert_int_equal(snn_config_set(&c, "record.E=none", NP, POPS, err, sizeof err), 0);
    assert_int_equal(snn_config_set(&c, "record.Thalamus=spikes", NP, POPS, err, sizeof err), 0);
    assert_int_equal(snn_config_set(&c, "seed=42", NP, POPS, err, sizeof err), 0);
    assert_int_equal(snn_config_set(&c, "output=a=b", NP, POPS, err, sizeof err), 0);
    assert_int_equal(snn_config_set(&c, "quiet=true", NP, POPS, err, sizeof err), 0);
    assert_true(c.duration_ms == 250.0);
    assert_int_equal(c.record[0], 0);
    assert_int_equal(c.record[2], 1);
    assert_true(c.seed == 42);
    assert_string_equal(c.output, "a=b");
    assert_int_equal(c.quiet, 1);
    assert_int_equal(snn_config_set(&c, "quiet=no", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.quiet, 0);
}

static void test_set_errors(void **state)
{
    (void)state;
    expect_set_error("duration=abc",
                     "--set 'duration=abc': 'duration' must be a positive number of milliseconds "
                     "(got 'abc')");
    expect_set_error("duration=", "--set 'duration=': 'duration' must be a positive number of "
                                  "milliseconds (got nothing)");
    expect_set_error("duration", "--set 'duration': expected key=value");
    expect_set_error("=5", "--set '=5': expected key=value");
    expect_set_error("durtion=5", "--set 'durtion=5': unknown key 'durtion' (did you mean "
                                  "'duration'?)");
    expect_set_error("recrd.E=none",
                     "--set 'recrd.E=none': unknown key 'recrd.E' (did you mean 'record.E'?)");
    expect_set_error("colour=red", "--set 'colour=red': unknown key 'colour' (valid keys: "
                                   "duration, seed, output, quiet, threads, "
                                   "step_threads, blocks, exchange, exchange_interval, cuda_graph_steps, "
                                   "finite_check, synapse_pages, batch, lane_offset, "
                                   "record.<population>, "
                                   "params.<population>.<parameter>, "
                                   "spike_times.<population>, data.<file>, "
                                   "checkpoint.<dir|every_steps|every_seconds|at_end|sync>, "
                                   "custom_updates.<group>.every|at_end, datasets.<population>.<key>, "
                                   "train.<key>)");
    expect_set_error("custom_updates.Softmax.every=-1",
                     "--set 'custom_updates.Softmax.every=-1': 'custom_updates.Softmax.every' must "
                     "be a whole number of steps from 0 (not periodic) to 2000000000 (got '-1')");
    expect_set_error("custom_updates.Softmax.at_end=maybe",
                     "--set 'custom_updates.Softmax.at_end=maybe': "
                     "'custom_updates.Softmax.at_end' must be true or false (got 'maybe')");
    expect_set_error("custom_updates.Softmax.often=1",
                     "--set 'custom_updates.Softmax.often=1': unknown key "
                     "'custom_updates.Softmax.often' (a group takes 'every' and 'at_end')");
    expect_set_error("data.w.npy=", "--set 'data.w.npy=': 'data.w.npy' must be a file name "
                                    "(a .npy file) (got nothing)");
    expect_set_error("spike_times.Q=a.txt", "--set 'spike_times.Q=a.txt': 'spike_times': the "
                                            "model has no population 'Q'");
    expect_set_error("spike_times.E=", "--set 'spike_times.E=': 'spike_times.E' must be a file "
                                       "name (.npy spike file or text 'neuron time_ms' lines) "
                                       "(got nothing)");
    expect_set_error("record.Q=none", "--set 'record.Q=none': unknown population 'Q' in "
                                      "'record' (populations: E, I, Thalamus)");
    expect_set_error("record.E=maybe",
                     "--set 'record.E=maybe': 'record.E' must be 'spikes' or 'none' (got "
                     "'maybe')");
    expect_set_error("record=none",
                     "--set 'record=none': use record.<population>=spikes|none");
    expect_set_error("seed=-1",
                     "--set 'seed=-1': 'seed' must be a non-negative integer (got '-1')");
    expect_set_error("quiet=2", "--set 'quiet=2': 'quiet' must be true or false (got '2')");
}

/* checkpoint: { dir, every_steps, every_seconds, at_end } (rt_ckpt.c) */
static void test_checkpoint(void **state)
{
    (void)state;
    snn_config c = fresh();
    char err[1024] = "";
    assert_string_equal(c.ckpt_dir, "");
    assert_int_equal(snn_config_load_string(&c,
                                            "checkpoint:\n  dir: ck\n  every_steps: 500\n"
                                            "  every_seconds: 1.5\n  at_end: true\n",
                                            "run.yaml", NP, POPS, err, sizeof err),
                     0);
    assert_string_equal(c.ckpt_dir, "ck");
    assert_int_equal(c.ckpt_every_steps, 500);
    assert_true(c.ckpt_every_seconds == 1.5);
    assert_int_equal(c.ckpt_at_end, 1);
    assert_int_equal(snn_config_set(&c, "checkpoint.dir=other", NP, POPS, err, sizeof err), 0);
    assert_string_equal(c.ckpt_dir, "other");
    expect_error("checkpoint: 5", "run.yaml:1: 'checkpoint' must be a mapping such as { dir: "
                                  "ckpt, every_steps: 10000, at_end: true } (got '5')");
    expect_error("checkpoint:\n  every: 5", "run.yaml:2: unknown key 'checkpoint.every' "
                                            "(valid: dir, every_steps, every_seconds, at_end, sync)");
    expect_error("checkpoint: { every_steps: -1 }",
                 "run.yaml:1: 'checkpoint.every_steps' must be a whole number of steps from 0 "
                 "(off) to 2000000000 (got '-1')");
    assert_int_equal(c.ckpt_sync_files, 1); /* default: an fsync per file */
    assert_int_equal(snn_config_set(&c, "checkpoint.sync=filesystem", NP, POPS, err, sizeof err),
                     0);
    assert_int_equal(c.ckpt_sync_files, 0);
    assert_int_equal(snn_config_set(&c, "checkpoint.sync=files", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.ckpt_sync_files, 1);
    expect_set_error("checkpoint.sync=never", "--set 'checkpoint.sync=never': 'checkpoint.sync' "
                                              "must be filesystem or files (got 'never')");
    expect_set_error("checkpoint.at_end=maybe", "--set 'checkpoint.at_end=maybe': "
                                                "'checkpoint.at_end' must be true or false (got "
                                                "'maybe')");
}

/* datasets: the YAML form and --set datasets.<pop>.<key>, defaults and every error */
static void test_datasets(void **state)
{
    (void)state;
    snn_config c = fresh();
    char err[1024] = "";
    const char *yaml = "datasets:\n  Thalamus:\n    file: shd/train.h5\n    order: shuffle\n"
                       "    seed: 99\n    example_time: 1400.5\n    start: 12\n";
    assert_int_equal(snn_config_load_string(&c, yaml, "run.yaml", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.n_datasets, 1);
    assert_string_equal(c.datasets[0].pop, "Thalamus");
    assert_string_equal(c.datasets[0].path, "shd/train.h5");
    assert_int_equal(c.datasets[0].shuffle, 1);
    assert_int_equal(c.datasets[0].has_seed, 1);
    assert_int_equal(c.datasets[0].seed, 99);
    assert_true(c.datasets[0].example_time == 1400.5);
    assert_int_equal(c.datasets[0].example_steps, 0);
    assert_int_equal(c.datasets[0].start, 12);
    assert_string_equal(c.datasets[0].where, "run.yaml:7");
    /* --set: the same entry; example_steps replaces example_time */
    assert_int_equal(snn_config_set(&c, "datasets.Thalamus.example_steps=700", NP, POPS, err,
                                    sizeof err), 0);
    assert_int_equal(c.datasets[0].example_steps, 700);
    assert_true(c.datasets[0].example_time == 0);
    assert_int_equal(snn_config_set(&c, "datasets.E.file=d", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.n_datasets, 2);
    assert_int_equal(c.datasets[1].shuffle, 0);
    assert_int_equal(c.datasets[1].has_seed, 0);
    expect_error("datasets: x", "run.yaml:1: 'datasets' must be a mapping of spike_source_dataset "
                                "populations to data sets, such as { In: { file: train } } (got 'x')");
    expect_error("datasets:\n  E: train", "run.yaml:2: 'datasets.E' must be a mapping such as "
                                          "{ file: train, order: shuffle } (got 'train')");
    expect_error("datasets:\n  Thalamos:\n    file: d",
                 "run.yaml:3: 'datasets': the model has no population 'Thalamos' (did you mean "
                 "'Thalamus'?)");
    expect_error("datasets:\n  E:\n    seed: -1",
                 "run.yaml:3: 'datasets.E.seed' must be a non-negative integer (got '-1')");
    expect_error("datasets:\n  E:\n    example_steps: 0",
                 "run.yaml:3: 'datasets.E.example_steps' must be a whole number of steps from 1 "
                 "to 4294967295 (got '0')");
    expect_error("datasets:\n  E:\n    example_time: -3",
                 "run.yaml:3: 'datasets.E.example_time' must be a time > 0 in ms (got '-3')");
    expect_set_error("datasets.E.order=random", "--set 'datasets.E.order=random': "
                     "'datasets.E.order' must be sequential or shuffle (got 'random')");
    expect_set_error("datasets.E.oder=shuffle", "--set 'datasets.E.oder=shuffle': "
                     "'datasets.E': unknown key 'oder' (did you mean 'order'?) (keys: file, "
                     "order, seed, example_steps, example_time, start, labels, encode, tau, "
                     "threshold, limit)");
    /* IDX images (rt_idx.c): labels, encode, tau, threshold (defaults mlGeNN's), limit */
    assert_true(c.datasets[1].tau == 20.0 && c.datasets[1].threshold == 51.0);
    assert_int_equal(c.datasets[1].limit, 0);
    assert_string_equal(c.datasets[1].labels, "");
    const char *idx = "datasets:\n  E:\n    file: t10k-images-idx3-ubyte.gz\n"
                      "    labels: t10k-labels-idx1-ubyte.gz\n    encode: log_latency\n"
                      "    tau: 12.5\n    threshold: 0\n    limit: 100\n";
    c = fresh();
    assert_int_equal(snn_config_load_string(&c, idx, "run.yaml", NP, POPS, err,
                                             sizeof err), 0);
    assert_string_equal(c.datasets[0].labels, "t10k-labels-idx1-ubyte.gz");
    assert_true(c.datasets[0].tau == 12.5 && c.datasets[0].threshold == 0.0);
    assert_int_equal(c.datasets[0].limit, 100);
    expect_error("datasets:\n  E:\n    encode: rate",
                 "run.yaml:3: 'datasets.E.encode' must be log_latency (the one encoding of IDX "
                 "images; got 'rate')");
    expect_error("datasets:\n  E:\n    tau: 0",
                 "run.yaml:3: 'datasets.E.tau' must be a time > 0 in ms (got '0')");
    expect_error("datasets:\n  E:\n    threshold: 255",
                 "run.yaml:3: 'datasets.E.threshold' must be an intensity from 0 to below 255 "
                 "(got '255')");
    expect_error("datasets:\n  E:\n    limit: 0",
                 "run.yaml:3: 'datasets.E.limit' must be a number of examples >= 1 (got '0')");
    expect_error("datasets:\n  E:\n    labels: []",
                 "run.yaml:3: 'datasets.E.labels' must be an IDX labels file (got a list)");
    expect_set_error("datasets.E.file=", "--set 'datasets.E.file=': 'datasets.E.file' must be "
                     "a data set directory (got nothing)");
}

/* train: the YAML form, --set train.<key>, defaults and errors with their lines */
static void test_train(void **state)
{
    (void)state;
    snn_config c = fresh();
    char err[1024] = "";
    assert_int_equal(c.train.on, 0);
    assert_int_equal(c.train.epochs, 1);
    assert_int_equal(c.train.shuffle, 1);
    assert_int_equal(c.train.reset, 1);
    assert_int_equal(c.train.evaluate_every, 1);
    const char *yaml =
        "train:\n"
        "  epochs: 5\n"
        "  train: { Thalamus: tr }\n"
        "  test: { Thalamus: te }\n"
        "  shuffle: false\n"
        "  seed: 9\n"
        "  evaluate_every: 2\n"
        "  reset: none\n"
        "  groups:\n"
        "    example_end: [A, B]\n"
        "    batch_end: C\n"
        "    epoch_end: [D]\n"
        "    every_steps: { E: 10 }\n"
        "  schedule:\n"
        "    L.eta: [0.1, 0.05]\n"
        "    L.c: { factor: 0.5, every: 3 }\n"
        "  metrics: { output: Out.y, loss: Out.l }\n"
        "  save: { dir: w, vars: [P.w, Out.b], every_epochs: 2 }\n"
        "  load: w0\n"
        "  keep: [Out.b, P.c]\n";
    assert_int_equal(snn_config_load_string(&c, yaml, "run.yaml", NP, POPS, err, sizeof err), 0);
    const struct snn_train_set *t = &c.train;
    assert_int_equal(t->on, 1);
    assert_string_equal(t->where, "run.yaml:2");
    assert_int_equal(t->epochs, 5);
    assert_string_equal(t->pop, "Thalamus");
    assert_string_equal(t->train_path, "tr");
    assert_string_equal(t->test_path, "te");
    assert_string_equal(t->test_where, "run.yaml:4");
    assert_int_equal(t->shuffle, 0);
    assert_int_equal(t->has_seed, 1);
    assert_int_equal(t->seed, 9);
    assert_int_equal(t->evaluate_every, 2);
    assert_int_equal(t->reset, 0);
    assert_int_equal(t->n_groups, 5);
    assert_string_equal(t->groups[1].name, "B");
    assert_int_equal(t->groups[1].at, SNN_TRAIN_EXAMPLE_END);
    assert_string_equal(t->groups[1].where, "run.yaml:10");
    assert_int_equal(t->groups[2].at, SNN_TRAIN_BATCH_END);
    assert_int_equal(t->groups[3].at, SNN_TRAIN_EPOCH_END);
    assert_int_equal(t->groups[4].at, SNN_TRAIN_EVERY_STEPS);
    assert_int_equal(t->groups[4].every, 10);
    assert_int_equal(t->n_sched, 2);
    assert_int_equal(t->sched[0].n, 2);
    assert_true(t->sched[0].values[1] == 0.05);
    assert_int_equal(t->sched[1].n, 0);
    assert_true(t->sched[1].factor == 0.5);
    assert_int_equal(t->sched[1].every, 3);
    assert_string_equal(t->out_var, "Out.y");
    assert_string_equal(t->loss_var, "Out.l");
    assert_int_equal(t->n_save, 2);
    assert_string_equal(t->save_vars[1], "Out.b");
    assert_string_equal(t->save_dir, "w");
    assert_int_equal(t->save_every, 2);
    assert_string_equal(t->load_dir, "w0");
    assert_int_equal(t->n_keep, 2);
    assert_string_equal(t->keep_vars[0], "Out.b");
    assert_string_equal(t->keep_vars[1], "P.c");
    assert_string_equal(t->keep_var_where[1], "run.yaml:20");
    assert_int_equal(snn_config_set(&c, "train.epochs=7", NP, POPS, err, sizeof err), 0);
    assert_int_equal(c.train.epochs, 7);
    assert_string_equal(c.train.epochs_where, "--set 'train.epochs=7'");
    assert_int_equal(snn_config_set(&c, "train.evaluate_only=true", NP, POPS, err, sizeof err),
                     0);
    assert_int_equal(c.train.evaluate_only, 1);
    expect_error("train: 3", "run.yaml:1: 'train' must be a mapping such as { epochs: 10, train: "
                             "{ In: train_dir }, test: { In: test_dir } } (got '3')");
    expect_error("train:\n  epochs: 0",
                 "run.yaml:2: 'train.epochs' must be a whole number from 1 to 1000000000 (got '0')");
    expect_error("train:\n  epoch: 2", "run.yaml:2: 'train': unknown key 'epoch' (did you mean "
                                       "'epochs'?) (keys: epochs, batch, train, test, shuffle, "
                                       "seed, evaluate_every, reset, evaluate_only, groups, "
                                       "schedule, metrics, save, load, keep, validation)");
    /* train.validation: fraction or count, a seed; --set replaces the file's kind */
    snn_config vc;
    snn_config_defaults(&vc, "m", 1, NP, POPS);
    assert_int_equal(snn_config_load_string(&vc, "train:\n  validation: { fraction: 0.2, seed: 9 }",
                                            "run.yaml", NP, POPS, err, sizeof err),
                     0);
    assert_int_equal(vc.train.val_on, 1);
    assert_true(vc.train.val_fraction == 0.2 && vc.train.val_count == 0);
    assert_int_equal(vc.train.val_has_seed, 1);
    assert_int_equal(vc.train.val_seed, 9);
    assert_string_equal(vc.train.val_where, "run.yaml:2");
    assert_int_equal(snn_config_set(&vc, "train.validation.count=30", NP, POPS, err, sizeof err),
                     0);
    assert_true(vc.train.val_fraction == 0 && vc.train.val_count == 30);
    assert_string_equal(vc.train.val_where, "--set 'train.validation.count=30'");
    expect_error("train:\n  validation:\n    count: 3\n    fraction: 0.5",
                 "run.yaml:4: 'train.validation': give 'fraction' or 'count', not both");
    expect_error("train:\n  validation: { fraction: 1 }",
                 "run.yaml:2: 'train.validation.fraction' must be a number between 0 and 1, both "
                 "excluded (the held-out part of the training set; got '1')");
    expect_error("train:\n  validation: { count: -1 }",
                 "run.yaml:2: 'train.validation.count' must be a whole number of examples from 1 to "
                 "4294967295 (got '-1')");
    expect_error("train:\n  validation: 0.1",
                 "run.yaml:2: 'train.validation' must be a mapping (got '0.1')");
    expect_error("train:\n  keep: { Out.b: 1 }", "run.yaml:2: 'train.keep' must be a list of "
                                                 "names such as [Learn] (got a mapping)");
    expect_error("train:\n  train: { Thalamos: x }", "run.yaml:2: 'train.train': the model has no "
                                                     "population 'Thalamos' (did you mean "
                                                     "'Thalamus'?)");
    expect_error("train:\n  reset: always",
                 "run.yaml:2: 'train.reset' must be example or none (got 'always')");
    expect_error("train:\n  groups:\n    example_begin: [A]",
                 "run.yaml:3: 'train.groups': unknown boundary 'example_begin' (did you mean "
                 "'example_end'?) (example_end, batch_end, epoch_end, every_steps)");
    expect_error("train:\n  schedule:\n    L.eta: { every: 2 }",
                 "run.yaml:3: 'train.schedule.L.eta' needs a factor, e.g. { factor: 0.5, every: "
                 "10 }");
    expect_error("train:\n  schedule:\n    L.eta: [0.1, x]",
                 "run.yaml:3: 'train.schedule.L.eta': the values must be numbers");
    expect_set_error("train.groups.example_end=A", "--set 'train.groups.example_end=A': "
                     "'train.groups.example_end': give it in the run config file (lists and "
                     "mappings: docs/run.md, Training loop)");
    expect_set_error("train.batch=0", "--set 'train.batch=0': 'train.batch' must be a whole "
                     "number from 1 to 1000000000 (got '0')");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),      cmocka_unit_test(test_good_config),
        cmocka_unit_test(test_empty_config),  cmocka_unit_test(test_errors),
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_file),
        cmocka_unit_test(test_set),           cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_checkpoint),  cmocka_unit_test(test_datasets),
        cmocka_unit_test(test_train),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
