/*
 * snnrt.h - the public API of libsnnrt, the runtime every generated simulator links.
 *
 * Generated code (templates/c/model.c.tmpl) fills one snn_model descriptor and calls
 * snn_main().  The runtime owns everything that is not model specific: command line and
 * YAML run config, timers, memory accounting, connectivity construction (the rules are
 * generic; the hot loops that use the result are generated), spike recording to .npy and
 * run.json.  The counter-based RNG lives in snn_philox.h so that CUDA can include it too.
 *
 * Conventions: every function is prefixed snn_; sizes are uint32_t for neuron indices and
 * uint64_t for synapse counts and byte sizes; errors go through snn_fatal(), which prints
 * "<program>: error: <message>", marks run.json as failed when outputs were started, and
 * exits with status 1.
 */
#ifndef SNNRT_H
#define SNNRT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snn_philox.h"
#include "snn_xacc.h"

/* snn_compact_flags' vector paths, where the simulator is compiled for them (-march=native) */
#if (defined(__AVX512BW__) || defined(__AVX2__)) && !defined(__CUDACC__)
#include <immintrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define SNNRT_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------
 * Errors, memory, timers (rt_util.c)
 * ------------------------------------------------------------------------------------- */

/* Print "<prog>: error: <fmt>" to stderr and exit(1).  Before exiting it calls the hook
 * set by snn_set_fatal_hook (the run loop uses it to write a run.json with status
 * "failed"). */
void snn_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* A neuron's state variable is NaN or infinite (the scan of run config finite_check after
 * step 'step', 0-based, every 'every' steps): snn_fatal naming the population, the neuron
 * (global index), the variable, its value, the step and the steps it went wrong in. */
void snn_nonfinite(const char *pop, uint64_t neuron, const char *var, double value,
                   uint64_t step, double dt, uint32_t every) __attribute__((noreturn));
void snn_set_fatal_hook(void (*hook)(const char *msg));
void snn_set_progname(const char *name);
const char *snn_progname(void);

/* Allocation with accounting.  'what' names the thing for messages, e.g.
 * "projection 'EE' target indices".  On failure (or when the request exceeds the memory
 * this machine has) snn_fatal() with the size in human units and the machine's memory. */
/* zeroed; under SNN_ALLOC_ALIGNED_MAX bytes on a SNN_ALLOC_ALIGN-byte boundary (free()) */
void *snn_alloc(size_t bytes, const char *what);
#define SNN_ALLOC_ALIGN 64
#define SNN_ALLOC_ALIGNED_MAX ((size_t)8 << 20)
void snn_free(void *p, size_t bytes);
uint64_t snn_bytes_allocated(void);                           /* current, by snn_alloc */
uint64_t snn_bytes_peak(void);                                /* peak, by snn_alloc */
uint64_t snn_machine_memory(void);                            /* physical memory, bytes */
uint64_t snn_peak_rss(void);                                  /* getrusage, bytes */
/* The memory the simulator may use: SNN_MEMORY (bytes; for tests, or to leave room for
 * other jobs) if set, else min(MemTotal, MemAvailable + bytes allocated so far) divided by
 * the ranks on this node.  snn_main sets it before building; until then there is no
 * limit.  snn_alloc refuses an allocation of 1 MiB or more that would take the total
 * beyond it; builders reserve a projection's bytes before allocating them
 * (snn_memory_reserve: 0, or -1 when the total would exceed the budget). */
void snn_memory_budget_init(int local_ranks);
uint64_t snn_memory_budget(const char **why);                 /* UINT64_MAX: none */
int snn_memory_reserve(uint64_t bytes);
void snn_memory_release(uint64_t bytes);
void snn_format_bytes(char *buf, size_t n, double bytes);     /* "1.5 GB" */

double snn_now(void);                                         /* monotonic seconds */
/* The generated C step's phase timers (per step: a clock read costs 24 ns here against 9
 * for the time stamp counter, docs/performance.md "Arrays on cache lines"): snn_step_now()
 * counts ticks since the step loop began (the x86-64 time stamp counter, else
 * nanoseconds), added up in snn_run's k_deliver, k_update and turned into seconds at the
 * end of the step loop by the ticks per second measured over it against snn_now(). */
extern uint64_t snn_tick0;
uint64_t snn_ticks_ns(void); /* CLOCK_MONOTONIC nanoseconds */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__CUDACC__)
static inline uint64_t snn_ticks(void) { return (uint64_t)__builtin_ia32_rdtsc(); }
#else
static inline uint64_t snn_ticks(void) { return snn_ticks_ns(); }
#endif
static inline double snn_step_now(void) { return (double)(int64_t)(snn_ticks() - snn_tick0); }

/* ---------------------------------------------------------------------------------------
 * Run configuration (rt_config.c)
 *
 * A YAML mapping; every key is known (unknown keys are errors with "did you mean").
 *   duration: 1000        # ms of biological time
 *   seed: 7               # overrides the model's seed
 *   output: out/brunel    # directory for spikes_*.npy and run.json
 *   record:               # per population: spikes | none  (default: the model's record{})
 *     E: spikes
 *   quiet: false          # no summary on stdout
 *   threads: 2            # threads per process for network construction
 *   step_threads: 1       # threads of the step loop (default: chosen by the run)
 *   blocks: 2             # thread blocks (default: chosen from the model's size)
 *   exchange: p2p         # MPI spike exchange: collective (default) | p2p
 *   exchange_interval: 5  # MPI: steps between exchanges (default: the minimum delay D);
 *                         # below D the exchange overlaps the next D - I steps
 *   cuda_graph_steps: 8   # CUDA back end: launch the steps as CUDA graphs of 8 (0: off)
 *   finite_check: 100     # steps between the checks for non-finite neuron state (0: off)
 * Command-line overrides: --set key=value with dotted keys (record.E=none).
 * ------------------------------------------------------------------------------------- */

#define SNN_MAX_POPS 256
#define SNN_MAX_RPARAMS 64
#define SNN_MAX_CUGROUPS 64
#define SNN_MAX_SPIKE_FILES 64
#define SNN_MAX_DATA_FILES 64
#define SNN_MAX_DATASETS 8
#define SNN_MAX_TRAIN_GROUPS 32
#define SNN_MAX_TRAIN_SCHED 16
#define SNN_MAX_SCHED_VALUES 64
#define SNN_MAX_TRAIN_VARS 32
enum { SNN_TRAIN_EXAMPLE_END, SNN_TRAIN_BATCH_END, SNN_TRAIN_EPOCH_END, SNN_TRAIN_EVERY_STEPS };

typedef struct snn_config {
    double duration_ms;       /* default 1000 */
    uint64_t seed;            /* default: the model's seed */
    char output[4096];        /* default: "<model name>_out" */
    int record[SNN_MAX_POPS]; /* per population: 1 record spikes, 0 not, -1 model default */
    int quiet;
    int threads;              /* threads for network construction and thread blocks of the
                               * step loop (default 1) */
    int step_threads;         /* threads of the step loop: 0 (default) chosen by the run,
                               * N forced (1 <= N <= threads) */
    char step_threads_where[192];
    int blocks;               /* thread blocks per process: 0 (default 'auto') chosen from
                               * the model's size, N forced (1 <= N <= threads); -1: as
                               * many as threads (SNN_BLOCKS=threads in the environment) */
    char blocks_where[192];
    int exchange;             /* spike exchange between MPI ranks: 0 collective (default),
                               * 1 point-to-point ("exchange: collective | p2p") */
    uint32_t exchange_interval; /* steps between MPI exchanges; 0: the minimum delay */
    char exchange_interval_where[192];
    int cuda_graph_steps;     /* CUDA back end: steps per CUDA graph launch (0: off) */
    uint32_t finite_check;    /* steps between the scans of the neuron state for NaN and
                               * infinity, and after the last step (default 100; 0: off) */
    int synapse_pages;        /* pages of the synapse arrays: 0 huge (default), 1 small
                               * ("synapse_pages: huge | small", docs/run.md) */
    char source[4096];        /* the config file, or "" */
    int empty;                /* the last config loaded had no keys (snn_main warns) */
    /* params: values for the model's runtime parameters ("E.I_e"), checked against the
     * model by snn_main; 'where' says where each came from, for messages */
    int n_params;
    struct snn_param_set {
        char name[128];
        double value;
        char where[192];
    } params[SNN_MAX_RPARAMS];
    /* spike_times: { S: file }: spike times of a spike_source_array population read at run
     * time (a .npy spike file with fields t and i, as the simulator writes, or text with
     * "neuron time_ms" per line) instead of the times compiled in; checked by snn_main */
    int n_spike_times;
    struct snn_spike_set {
        char pop[128];
        char path[1024];
        char where[192];
    } spike_times[SNN_MAX_SPIKE_FILES];
    /* data: { w.npy: other.npy }: a data file of the model (from_list, from_matrix,
     * from_file; keyed by the name the model gives it) replaced by another at run time;
     * checked by snn_data_finish after the build (rt_data.c) */
    int n_data;
    struct snn_data_set {
        char name[256];
        char path[1024];
        char where[192];
    } data[SNN_MAX_DATA_FILES];
    /* checkpoint: { dir, every_steps, every_seconds, at_end } (rt_ckpt.c, docs/run.md
     * "Checkpoints"); no dir: no checkpoints (SIGUSR1 is then ignored) */
    char ckpt_dir[4096];
    uint64_t ckpt_every_steps;  /* 0: off */
    double ckpt_every_seconds;  /* 0: off */
    int ckpt_at_end;
    int ckpt_sync_files;        /* checkpoint.sync: 0 "filesystem" (syncfs), 1 "files" */
    char ckpt_where[192];
    /* custom_updates: { G: { every: N, at_end: true } }: the schedule of custom-update
     * group G (checked against the model by snn_main); -1: the model's default */
    int n_cu;
    struct snn_cupd_set {
        char group[128];
        long every;
        int at_end;
        char where[192];
    } cu[SNN_MAX_CUGROUPS];
    /* datasets: { In: { file: dir, order: shuffle, seed: 3, example_steps: 100 } }: the
     * data set of a spike_source_dataset population (rt_dataset.c, docs/run.md) */
    int n_datasets;
    struct snn_dataset_set {
        char pop[128];
        char path[1024];
        int shuffle;             /* order: sequential (0) | shuffle (1) */
        int has_seed;
        uint64_t seed;           /* default: the run's seed */
        uint32_t example_steps;  /* 0: example_time, or from the data */
        double example_time;     /* ms; 0: example_steps, or from the data */
        uint64_t start;          /* position of the first example in the sequence */
        char where[192];
        /* IDX images (rt_idx.c): the labels file; encoding log_latency(tau, threshold) */
        char labels[1024];       /* "": not IDX */
        double tau, threshold;   /* ms, intensity; defaults 20 and 51 (mlGeNN's) */
        uint64_t limit;          /* use the first 'limit' examples only; 0: all */
    } datasets[SNN_MAX_DATASETS];
    /* train: { epochs, batch, train: { In: dir }, test: { In: dir }, ... }: the training
     * loop (rt_train.c, docs/run.md "Training loop"); on: the section was given */
    struct snn_train_set {
        int on;
        char where[192];
        long epochs;               /* default 1 */
        char epochs_where[192];
        long batch;                /* examples per batch (lanes); default 1 */
        char batch_where[192];
        char pop[128];             /* the spike_source_dataset population */
        char train_path[1024], test_path[1024];
        char train_where[192], test_where[192];
        int shuffle;               /* default 1 */
        int has_seed;
        uint64_t seed;             /* default: the run's seed */
        long evaluate_every;       /* epochs between evaluations on the test set; 0: never */
        int reset;                 /* 1: neuron state reset at every example (default) */
        int evaluate_only;         /* no training: the test set once */
        int n_groups;
        struct snn_train_group {
            char name[128];
            int at;                /* SNN_TRAIN_EXAMPLE_END, ... */
            uint32_t every;        /* SNN_TRAIN_EVERY_STEPS: steps */
            char where[192];
        } groups[SNN_MAX_TRAIN_GROUPS];
        int n_sched;
        struct snn_train_sched {
            char param[128];
            int n;                 /* a value per epoch (the last repeats); 0: step decay */
            double values[SNN_MAX_SCHED_VALUES];
            double factor;         /* step decay: value * factor^floor(epoch / every) */
            long every;
            char where[192];
        } sched[SNN_MAX_TRAIN_SCHED];
        char out_var[160], loss_var[160];
        char out_where[192], loss_where[192];
        char save_dir[1024];
        int n_save;
        char save_vars[SNN_MAX_TRAIN_VARS][160];
        char save_var_where[SNN_MAX_TRAIN_VARS][192];
        long save_every;           /* epochs; default 1 */
        char save_where[192];
        char load_dir[1024];
        char load_where[192];
        int n_keep;                /* variables reset: example leaves alone (a trained bias) */
        char keep_vars[SNN_MAX_TRAIN_VARS][160];
        char keep_var_where[SNN_MAX_TRAIN_VARS][192];
        /* validation: a held-out part of the training set (docs/run.md "Validation split") */
        int val_on;
        double val_fraction;       /* in (0, 1); 0: val_count given */
        long val_count;            /* examples; 0: val_fraction given */
        int val_has_seed;
        uint64_t val_seed;         /* default: the loop's seed (train.seed or the run's) */
        char val_where[192];       /* the line of fraction / count */
    } train;
    /* batch: lanes of a batched model (0: the model's network{ batch }); lane_offset: the
     * global lane of lane 0 (lane b draws the numbers of global lane lane_offset + b) */
    uint32_t batch, lane_offset;
    char batch_where[192], lane_offset_where[192];
} snn_config;

/* Set defaults for a model with the given population names. */
void snn_config_defaults(snn_config *cfg, const char *model_name, uint64_t model_seed,
                         int n_pops, const char *const *pop_names);
/* Apply one YAML document from a file.  On error returns -1 and writes
 * "run.yaml:3: unknown key 'durtion' (did you mean 'duration'?)" into err. */
int snn_config_load_file(snn_config *cfg, const char *path, int n_pops,
                         const char *const *pop_names, char *err, size_t errlen);
/* Same, from a string; 'name' is used in messages in place of the file name. */
int snn_config_load_string(snn_config *cfg, const char *yaml, const char *name, int n_pops,
                           const char *const *pop_names, char *err, size_t errlen);
/* Apply one "key=value" override (from --set). */
int snn_config_set(snn_config *cfg, const char *assignment, int n_pops,
                   const char *const *pop_names, char *err, size_t errlen);

/* ---------------------------------------------------------------------------------------
 * Variable initialisers (rt_init.c)
 *
 * Values are a pure function of (seed, stream, element index): the same on any back end
 * and for any number of ranks.  Element e, draw d takes 64 bits: words 2 (d & 1) and
 * 2 (d & 1) + 1 of the Philox block with key (seed low word, stream) and counter
 * (d >> 1, e, 0, seed high word), so draws 2k and 2k + 1 share block k and no two draws
 * share a word.  What each kind makes of them:
 *   CONSTANT        nothing drawn
 *   UNIFORM         a 53-bit uniform (as snn_rng_uniform)
 *   NORMAL          a standard normal by the 256-layer Ziggurat of snn_normal_from64
 *                   (snn_philox.h): 99.3 % of values come from the 64 bits alone; the
 *                   others continue, exactly, with at most 32 fallback blocks whose counters
 *                   are derived from the draw's (word 3 xor 0x80000000 | j << 29 | f << 24,
 *                   j = 1 or 3 the draw's last word, f the fallback block), which no stream
 *                   of the run ever uses
 *   NORMAL_CLIPPED  1 normal as NORMAL; only when it falls outside [lo, hi], redraw r
 *                   (r = 1, 2, ..., 999) takes the same 64 bits of block d >> 1 with counter
 *                   word 2 (the step word) = r (and its fallback blocks derived from that
 *                   counter); after 1000 draws out of bounds: snn_fatal
 *   LOGNORMAL       exp of 1 normal as NORMAL
 *   EXPONENTIAL     -log of a 53-bit uniform as UNIFORM
 * So every value stays inside its own words (and blocks derived from them) and the draws of
 * different d never overlap.
 * ------------------------------------------------------------------------------------- */

typedef enum snn_init_kind {
    SNN_INIT_CONSTANT,       /* a */
    SNN_INIT_UNIFORM,        /* U(a, b) */
    SNN_INIT_NORMAL,         /* N(mean a, sd b) */
    SNN_INIT_NORMAL_CLIPPED, /* N(a, b) redrawn until it lies in [lo, hi] */
    SNN_INIT_LOGNORMAL,      /* exp(N(a, b)): a, b are mean and sd of the underlying normal */
    SNN_INIT_EXPONENTIAL,    /* exponential with mean a */
    SNN_INIT_CODE,           /* a generated function (initialiser{} in the model) */
} snn_init_kind;

typedef struct snn_init {
    snn_init_kind kind;
    double a, b;
    uint32_t stream; /* RNG stream, from snn_stream_id("pop/var") */
    double lo, hi;   /* NORMAL_CLIPPED's bounds (-INFINITY / INFINITY: unbounded); ignored
                      * by the other kinds, so {kind, a, b, stream} initialisers still work */
    /* CODE: the value of element elem, independent draw 'draw'; it draws from the Philox
     * stream (seed, stream) with counter (elem, draw) (snn_rng_init), so it is a pure
     * function of its arguments like the built-in kinds */
    double (*code)(uint64_t seed, uint32_t stream, uint32_t elem, uint32_t draw);
    /* CODE for a synapse variable: the value of the synapse (pre, post, ordinal among the
     * pair's multapses), drawn from the synapse-keyed stream (snn_rng_init_syn) */
    double (*code_syn)(uint64_t seed, uint32_t stream, uint32_t pre, uint32_t post,
                       uint32_t ord);
} snn_init;

/* The values of the kinds above as header functions for host and device code (SNN_HD,
 * snn_philox.h): libsnnrt's initialisers are built on them, and the CUDA back end draws the
 * weights of procedural projections on the GPU with them, so both get the same values.
 * snn_init_from2: the value from the 64 bits w0, w1 of the block with counter (blk, elem,
 * attempt, seed_hi) (the Ziggurat's rare fallback blocks hang off that counter; the
 * unclipped normal for NORMAL_CLIPPED).  snn_init_attempt: attempt 'attempt' of element
 * elem, draw d.  snn_init_eval: the value snn_init_value returns; *ok becomes 0 when
 * NORMAL_CLIPPED finds no value in [lo, hi] in 1000 attempts (snn_init_value then stops
 * with snn_fatal; snn_init_eval returns the last attempt). */
SNN_HD double snn_init_u53(uint32_t w0, uint32_t w1)
{
    const uint64_t x = ((uint64_t)(w0 >> 5) << 26) | (w1 >> 6); /* as snn_rng_uniform */
    return x ? (double)x * (1.0 / 9007199254740992.0) : (1.0 / 18014398509481984.0);
}

SNN_HD double snn_init_from2(const snn_init *init, const uint32_t key[2], uint32_t w0,
                             uint32_t w1, uint32_t blk, uint32_t elem, uint32_t attempt,
                             uint32_t seed_hi, uint32_t draw)
{
    switch (init->kind) {
    case SNN_INIT_UNIFORM:
        return init->a + (init->b - init->a) * snn_init_u53(w0, w1);
    case SNN_INIT_EXPONENTIAL:
        return init->a * -log(snn_init_u53(w0, w1));
    case SNN_INIT_NORMAL:
    case SNN_INIT_NORMAL_CLIPPED:
    case SNN_INIT_LOGNORMAL: {
        const double z = snn_normal_from64(((uint64_t)w0 << 32) | w1, key, blk, elem, attempt,
                                           seed_hi, 2u * (draw & 1u) + 1u);
        const double x = init->a + init->b * z;
        return init->kind == SNN_INIT_LOGNORMAL ? exp(x) : x;
    }
    case SNN_INIT_CONSTANT:
    default:
        return init->a;
    }
}

SNN_HD double snn_init_attempt(const snn_init *init, uint64_t seed, uint32_t elem,
                               uint32_t draw, uint32_t attempt)
{
    const uint32_t key[2] = {(uint32_t)seed, init->stream};
    const uint32_t h = 2u * (draw & 1u);
    uint32_t ctr[4] = {draw >> 1, elem, attempt, (uint32_t)(seed >> 32)}, w[4];
    snn_philox4x32_10(ctr, key, w);
    return snn_init_from2(init, key, w[h], w[h + 1], ctr[0], elem, attempt, ctr[3], draw);
}

SNN_HD double snn_init_eval(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t draw,
                            int *ok)
{
    *ok = 1;
    if (init->kind == SNN_INIT_CONSTANT)
        return init->a;
    double x = snn_init_attempt(init, seed, elem, draw, 0);
    if (init->kind != SNN_INIT_NORMAL_CLIPPED || (x >= init->lo && x <= init->hi))
        return x;
    if (init->lo <= init->hi)
        for (uint32_t attempt = 1; attempt < 1000; attempt++) {
            x = snn_init_attempt(init, seed, elem, draw, attempt);
            if (x >= init->lo && x <= init->hi)
                return x;
        }
    *ok = 0;
    return x;
}

/* A synapse variable's initial value (layout version 2: synapse-keyed, so it does not
 * depend on where the synapse is stored).  Attempt 'attempt' of the synapse (pre, post,
 * ord): words 0 and 1 of the Philox block with key snn_rng_key_syn(seed, stream, lane 0)
 * and counter (ord << 16, pre, post, attempt), the Ziggurat's fallback blocks derived from
 * that counter.  snn_init_syn_eval: NORMAL_CLIPPED redraws with attempts 1 .. 999 (*ok
 * becomes 0 when none is in bounds); CODE calls init->code_syn. */
SNN_HD double snn_init_syn_attempt(const snn_init *init, uint64_t seed, uint32_t pre,
                                   uint32_t post, uint32_t ord, uint32_t attempt)
{
    uint32_t key[2], w[4];
    snn_rng_key_syn(key, seed, init->stream, 0u);
    const uint32_t ctr[4] = {ord << 16, pre, post, attempt};
    snn_philox4x32_10(ctr, key, w);
    return snn_init_from2(init, key, w[0], w[1], ctr[0], pre, post, attempt, 0u);
}

SNN_HD double snn_init_syn_eval(const snn_init *init, uint64_t seed, uint32_t pre,
                                uint32_t post, uint32_t ord, int *ok)
{
    *ok = 1;
    if (init->kind == SNN_INIT_CONSTANT)
        return init->a;
    if (init->kind == SNN_INIT_CODE)
        return init->code_syn ? init->code_syn(seed, init->stream, pre, post, ord) : 0.0;
    double x = snn_init_syn_attempt(init, seed, pre, post, ord, 0);
    if (init->kind != SNN_INIT_NORMAL_CLIPPED || (x >= init->lo && x <= init->hi))
        return x;
    if (init->lo <= init->hi)
        for (uint32_t attempt = 1; attempt < 1000; attempt++) {
            x = snn_init_syn_attempt(init, seed, pre, post, ord, attempt);
            if (x >= init->lo && x <= init->hi)
                return x;
        }
    *ok = 0;
    return x;
}

/* Fill out[first .. first+n) with values for elements first.. (precision: 4 = float,
 * 8 = double). */
void snn_init_values(const snn_init *init, uint64_t seed, uint64_t first, uint64_t n,
                     void *out, int value_bytes);
/* The same values for a block that starts at element 'first': out[i] gets element
 * first + i's value (out holds n values: a rank's share of a population). */
void snn_init_block(const snn_init *init, uint64_t seed, uint64_t first, uint64_t n, void *out,
                    int value_bytes);
/* One value for element 'elem' (used by the connectivity builder for weights).  'draw'
 * selects an independent value: 64 bits of block draw >> 1 (see above); draw 0 is the value
 * snn_init_values gives element elem. */
double snn_init_value(const snn_init *init, uint64_t seed, uint64_t elem, uint32_t draw);

/* FNV-1a 32 bit of a string: stream ids derived from names, stable across model edits. */
uint32_t snn_stream_id(const char *name);

/* ---------------------------------------------------------------------------------------
 * Connectivity (rt_conn.c)
 *
 * Every rule but fixed_outdegree is generated column by column (per target neuron j) from
 * the RNG stream (seed, spec->stream, element j), so a target's inputs do not depend on how
 * targets are distributed.  fixed_outdegree is generated row by row (per source neuron i)
 * from (seed, spec->stream, element i).  fixed_total first draws how many synapses each
 * target gets (below), then column j's sources from element j.  The result is stored as
 * ragged rows per source neuron (row_len and a capacity per row; row_start[i] is the offset
 * of row i, capacity row_start[i+1] - row_start[i]), with each row's targets in ascending
 * order.
 *
 * Weights and delays: column rules give the t-th source of column j the value
 * snn_init_value(init, seed, j, t) (t = position in the column as snn_conn_column returns
 * it); fixed_outdegree gives the t-th entry of row i (ascending, as stored) the value
 * snn_init_value(init, seed, i, t).  Weights and delays use their own initialisers'
 * streams, so the same (element, draw) pairs give independent values.
 *
 * fixed_total (NEST's fixed_total_number; PyNN's FixedTotalNumberConnector): the vector of
 * per-target counts is drawn sequentially, target j from the Philox stream (seed,
 * spec->stream, element 0xFFFFFFFF, step j), so that any process can compute it: with
 * multapses c_j ~ Binomial(rest, a_j / A_j) (a multinomial of n_total over the targets,
 * uniform over all candidate pairs), without multapses c_j ~ Hypergeometric(rest draws, a_j
 * good, A_j in all) (a uniformly random set of n_total distinct candidate pairs), where
 * rest = n_total - c_0 - ... - c_{j-1}, a_j = sources available to target j (n_pre, or
 * n_pre - 1 without autapses) and A_j = a_j + ... + a_{n_post-1}.  Column j's c_j sources
 * are then drawn like fixed_indegree's k (distinct ones without multapses).
 * ------------------------------------------------------------------------------------- */

typedef enum snn_conn_kind {
    SNN_CONN_ALL_TO_ALL,
    SNN_CONN_ONE_TO_ONE,
    SNN_CONN_FIXED_PROBABILITY,
    SNN_CONN_FIXED_INDEGREE,
    SNN_CONN_FIXED_OUTDEGREE, /* exactly k targets per source */
    SNN_CONN_FIXED_TOTAL,     /* exactly n_total synapses */
    SNN_CONN_USER_PAIR,       /* connectivity{ prob }: spec->gen gives column j's sources */
    SNN_CONN_USER_ROW,        /* connectivity{ count, target }: spec->gen gives row i */
    SNN_CONN_LIST,            /* from_list{}: spec->data's .npy files of sources, targets */
    SNN_CONN_MATRIX,          /* from_matrix(): spec->data's .npy matrix [n_pre][n_post] */
} snn_conn_kind;

/* Connectivity from data (rt_data.c), read when the network is built: each thread block
 * (and MPI rank) streams the files and keeps the synapses onto its own targets.  A list
 * is 1-d integer arrays of the same length (entry e: synapse pre[e] -> post[e]), with
 * optional 1-d arrays of the same length of weights and delays (ms); a matrix is a 2-d
 * array of shape (n_pre, n_post) whose non-zero entries are the synapses and their
 * weights (NaN and infinities are errors).  Column j holds its synapses with ascending
 * sources (repeated pairs in file order), so rows come out as for the other rules.  Every
 * value is checked (indices whole numbers in range, weights finite, delays finite, >= 0
 * and storable): snn_fatal with the projection, the file and the entry. */
typedef struct snn_conn_data {
    const char *pre, *post;     /* SNN_CONN_LIST: the index files */
    const char *weight, *delay; /* SNN_CONN_LIST: per-synapse values, or NULL (then the
                                 * spec's initialisers give them, drawn per column) */
    const char *matrix;         /* SNN_CONN_MATRIX: the weight matrix */
    const char *pre_pop, *post_pop; /* population names, for messages */
} snn_conn_data;

/* User-defined rules (connectivity{} in the model) are generated code: a function that
 * writes the sources of column j (SNN_CONN_USER_PAIR, ascending, at most n_pre of them:
 * w->buf holds n_pre entries) or the targets of row i (SNN_CONN_USER_ROW, in any order,
 * each in [0, n_post); it makes room with snn_conn_reserve) into w->buf and returns how
 * many.  The builder treats them as the column rules and fixed_outdegree: pair-form
 * columns are built for the own targets only; every block generates every row and keeps
 * its own targets, rows sorted ascending before weights are drawn (entry t of the sorted
 * row gets draw t, with multapses kept next to each other).
 *
 * The pair form's random numbers: pair (i, j) connects iff u < p 2^32 (clamped: p <= 0
 * never, p >= 1 always), u being word i of stream (seed, spec->stream, element j) as
 * snn_rng_u32 hands them out (block i / 4, word i mod 4); snn_conn_pair_words gives them a
 * chunk at a time.  The row form draws from an snn_rng at (seed, spec->stream, element i,
 * step 0): count first, then the targets in order of k. */
typedef struct snn_conn_work {
    uint32_t *buf;   /* the generated sources or targets */
    uint64_t cap;    /* entries buf holds */
    uint32_t *words; /* pair form: the random words of the current chunk */
    uint32_t wcap;
} snn_conn_work;

struct snn_proj_spec;
typedef uint32_t (*snn_conn_gen)(const struct snn_proj_spec *spec, uint64_t seed,
                                 uint32_t elem, snn_conn_work *w);

/* Pairs per snn_conn_pair_words call in the generated pair-form loops (a multiple of 4). */
#define SNN_CONN_CHUNK 1024u

typedef struct snn_proj_spec {
    const char *name;     /* projection name, for messages */
    snn_conn_kind kind;
    snn_conn_gen gen;     /* SNN_CONN_USER_PAIR / _ROW: the generated rule */
    const snn_conn_data *data; /* SNN_CONN_LIST / _MATRIX: the files */
    uint32_t n_pre, n_post;
    double p;             /* fixed_probability */
    uint32_t k;           /* fixed_indegree, fixed_outdegree */
    int autapses;         /* allow i -> i (only meaningful when same_pop) */
    int multapses;        /* fixed_indegree / _outdegree / _total: allow repeated pairs */
    int same_pop;         /* pre and post are the same population */
    uint32_t stream;      /* connectivity RNG stream */
    int ind_bytes;        /* 2 or 4: width of a target index */
    uint32_t slack;       /* extra capacity per row */
    int has_weight;       /* heterogeneous weight array wanted */
    snn_init weight;      /* initialiser for it (draw index = position in column) */
    int weight_bytes;     /* 4 or 8 */
    uint64_t n_total;     /* fixed_total */
    int has_delay;        /* per-synapse delays wanted */
    snn_init delay;       /* initialiser for them in ms (drawn like the weights) */
    double dt;            /* ms per step: delay in steps = max(1, llround(value / dt)) */
    int delay_bytes;      /* 1 or 2: at most 255 or 65535 steps, else snn_fatal */
    int sort_by_delay;    /* order each row by (delay, target), not by target: the
                           * dendritic ring is then written one delay row at a time */
    /* With post_range set, build only the synapses onto targets [post_lo, post_lo +
     * post_n) (an MPI rank's share; post_n may be 0), stored with target indices relative
     * to post_lo.  The synapses, weights, delays and checksum terms are exactly those the
     * whole build gives for these targets.  post_range 0: all targets. */
    int post_range;
    uint32_t post_lo, post_n;
} snn_proj_spec;

typedef struct snn_ragged {
    uint32_t n_pre, n_post;
    uint64_t n_syn;       /* synapses stored */
    uint64_t capacity;    /* row_start[n_pre] */
    uint64_t *row_start;  /* n_pre + 1 */
    uint32_t *row_len;    /* n_pre */
    void *ind;            /* capacity entries of ind_bytes */
    void *weight;         /* capacity entries of weight_bytes, or NULL */
    uint64_t bytes;       /* memory held */
    uint64_t checksum;    /* order-independent hash of (pre, post, weight bits, delay) */
    int ind_bytes;        /* 2 or 4, as built */
    int weight_bytes;     /* 4 or 8, or 0 without weights */
    void *delay;          /* capacity entries of delay_bytes (uint8_t / uint16_t steps), or
                           * NULL without delays */
    int delay_bytes;      /* 1 or 2, or 0 without delays */
    uint32_t max_delay;   /* largest delay in steps actually stored (0 without delays) */
    uint32_t post_lo;     /* stored target index k means target post_lo + k; n_post is
                           * the number of targets held here */
    /* format = "dense" (snn_dense_from_ragged): 'weight' is the matrix [n_pre][n_post] of
     * weight_bytes values (-0.0 where there is no synapse), ind and row_start are NULL and
     * row_len stays (the row lengths, for the MPI exchange); capacity = n_pre * n_post. */
    int dense;
    /* format = "procedural" (snn_proc_build): nothing is stored; 'ind' is a row buffer of
     * 'capacity' uint32_t entries for snn_conn_row, row_len and row_start are NULL, and
     * the rule (spec, with its weight initialiser) and seed are kept for regeneration. */
    int procedural;
    snn_proj_spec spec;
    uint64_t seed;
    /* the generated dynamics' runs of short rows, formed on first use for rows that never
     * change (dyn_plan_bytes of snn_alloc), or NULL; freed by snn_ragged_free */
    void *dyn_plan;
    uint64_t dyn_plan_bytes;
} snn_ragged;

/* The file to read for the model's data file 'name' (as the model names it; 'path' is
 * where snncc found it): the run config's data.<name> if it has one, else path.  Records
 * the pair for run.json (snn_data_files).  Thread-safe. */
struct snn_run;
const char *snn_data_path(const struct snn_run *run, const char *name, const char *path);
/* After the build and initialisation: a data.<name> in the run config that names no data
 * file of the model is an snn_fatal (a typo would otherwise go unnoticed). */
void snn_data_finish(const struct snn_run *run);
/* The data files read (for run.json): their number; name and path of the k-th. */
int snn_data_files(void);
void snn_data_file(int k, const char **name, const char **path);

/* Initial values of a state variable from a .npy file of one number per neuron (1-d,
 * n_all values, any numeric dtype): values [first, first + n) into out (float or double,
 * 'bytes' wide).  'what' names the variable in messages ("population 'E' variable 'V'");
 * a missing file, another shape or a value that is not finite is an snn_fatal naming the
 * file and the entry. */
void snn_init_from_file(const char *path, const char *what, uint64_t n_all, uint64_t first,
                        uint64_t n, void *out, int bytes);

/* For generated user-defined rules (above).  snn_conn_reserve: make w->buf hold n entries
 * (contents kept) and return it.  snn_conn_pair_words: the random words of pairs
 * (i0 + c, j), c < n (i0 a multiple of 4, n <= SNN_CONN_CHUNK), in w->words. */
uint32_t *snn_conn_reserve(snn_conn_work *w, uint64_t n);
const uint32_t *snn_conn_pair_words(snn_conn_work *w, uint64_t seed, uint32_t stream,
                                    uint32_t j, uint32_t i0, uint32_t n);
void snn_conn_free_work(snn_conn_work *w);
/* Run-time errors of user-defined rules, with the projection, indices and value. */
void snn_conn_bad_prob(const snn_proj_spec *spec, uint32_t i, uint32_t j)
    __attribute__((noreturn, cold));
/* The pair form with a declared bound b = max_prob (column j): checks 0 < b <= 1 (else a
 * run-time error naming the rule) and returns 1 / log(1 - b), the scale of the geometric
 * gaps; snn_conn_above_bound: prob p above b (or NaN) at pair (i, j), an error. */
double snn_conn_bound(const snn_proj_spec *spec, const char *rule, uint32_t j, double b);
void snn_conn_above_bound(const snn_proj_spec *spec, const char *rule, uint32_t i, uint32_t j,
                          double p, double b) __attribute__((noreturn, cold));
void snn_conn_bad_count(const snn_proj_spec *spec, uint32_t i, double v)
    __attribute__((noreturn, cold));

/* The words of (seed, stream, element j, step 0) in order, exactly as an snn_rng from
 * snn_rng_init(seed, stream, j, 0) hands them out, but made a chunk of Philox blocks at a
 * time by the batched generator (in w->words): the pair form with max_prob, whose
 * candidates take 3 words each.  'expect': about how many words the column will take
 * (the first chunk's size; later chunks are SNN_CONN_CHUNK words). */
typedef struct snn_conn_seq {
    const uint32_t *w; /* the current chunk */
    uint32_t k, n;     /* the next word w[k] of n */
    uint64_t next;     /* the block that starts the next chunk */
    snn_conn_work *work;
    uint64_t seed;
    uint32_t stream, j;
} snn_conn_seq;
void snn_conn_seq_init(snn_conn_seq *s, snn_conn_work *w, uint64_t seed, uint32_t stream,
                       uint32_t j, double expect);
void snn_conn_seq_refill(snn_conn_seq *s, uint32_t words);

static inline uint32_t snn_conn_seq_u32(snn_conn_seq *s)
{
    if (s->k == s->n)
        snn_conn_seq_refill(s, SNN_CONN_CHUNK);
    return s->w[s->k++];
}

/* snn_rng_uniform's double in (0, 1) from the next two words */
static inline double snn_conn_seq_uniform(snn_conn_seq *s)
{
    uint32_t a = snn_conn_seq_u32(s) >> 5;
    uint32_t b = snn_conn_seq_u32(s) >> 6;
    uint64_t x = ((uint64_t)a << 26) | b;
    return x ? (double)x * (1.0 / 9007199254740992.0) : (1.0 / 18014398509481984.0);
}
void snn_conn_bad_target(const snn_proj_spec *spec, uint32_t i, uint32_t k, double v)
    __attribute__((noreturn, cold));

/* Row i's count (a whole number from 0 to 2^32 - 1) and its k-th target (a whole number
 * from 0 to n_post - 1) as the user's code computed them: anything else (NaN too) is a
 * run-time error. */
static inline uint32_t snn_conn_count(const snn_proj_spec *spec, uint32_t i, double v)
{
    if (!(v >= 0.0 && v <= 4294967295.0 && v == (double)(uint32_t)v))
        snn_conn_bad_count(spec, i, v);
    return (uint32_t)v;
}

static inline uint32_t snn_conn_target(const snn_proj_spec *spec, uint32_t i, uint32_t k,
                                       double v)
{
    if (!(v >= 0.0 && v < (double)spec->n_post && v == (double)(uint32_t)v))
        snn_conn_bad_target(spec, i, k, v);
    return (uint32_t)v;
}


/* The end of the run of equal 1-byte delays that starts at dl[k]: the first e > k with
 * dl[e] != dl[k], or len.  Eight delays per test (one 64-bit load, XOR with the delay in
 * every byte; the first non-zero byte ends the run), the last < 8 one at a time, so no
 * byte at or past dl[len] is read.  Spike delivery with per-synapse delays (rows sorted by
 * delay) adds each run into one dendritic ring row. */
__attribute__((always_inline)) static inline uint32_t
snn_delay_run_end(const uint8_t *dl, uint32_t k, uint32_t len)
{
    const uint8_t d = dl[k];
    const uint64_t dd = 0x0101010101010101ull * d;
    uint32_t e = k + 1;
    while (e + 8u <= len) {
        uint64_t x;
        __builtin_memcpy(&x, dl + e, sizeof x);
        x ^= dd;
        if (x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            return e + ((uint32_t)__builtin_clzll(x) >> 3);
#else
            return e + ((uint32_t)__builtin_ctzll(x) >> 3);
#endif
        }
        e += 8u;
    }
    while (e < len && dl[e] == d)
        e++;
    return e;
}

/* The neurons i in [b, e) whose spike flag f[i] is set (each flag 0 or 1), ascending, as
 * lo + i into spk (which has room for e - b ids); returns their count.  The neuron loops
 * flag spikes and compact them here: 32 flags per test (four 64-bit loads or-ed), so a step
 * with few spikes costs little (COBA, 7.6 spikes per step in 4,000 neurons: 0.44
 * instructions per neuron, against 9 for a store and an add per neuron); a non-zero word is
 * compacted a byte at a time without branches.  With AVX-512BW (AVX2), 64 (32) flags per
 * test first: one load and one vptestmb (vpcmpeqb, vpmovmskb) give their bit mask, whose set
 * bits are the ids in order (COBA: the compaction 0.18 -> 0.13 us a step,
 * docs/performance.md "Arrays on cache lines").  No byte at or past f[e] is read. */
__attribute__((always_inline)) static inline uint32_t
snn_compact_flags(const uint8_t *f, uint32_t b, uint32_t e, uint32_t lo, uint32_t *spk)
{
    uint32_t n = 0;
    size_t i = b;
#if defined(__AVX512BW__) && !defined(__CUDACC__)
    const size_t e64 = e - b >= 64u ? (size_t)e - 63u : b; /* chunks [i, i + 64), i < e64 */
    for (; i < e64; i += 64u) {
        const __m512i v = _mm512_loadu_si512((const void *)(f + i));
        uint64_t m = (uint64_t)_mm512_test_epi8_mask(v, v);
        while (__builtin_expect(m != 0, 0)) {
            spk[n++] = lo + (uint32_t)(i + (size_t)__builtin_ctzll(m));
            m &= m - 1u;
        }
    }
#elif defined(__AVX2__) && !defined(__CUDACC__)
    const size_t e32v = e - b >= 32u ? (size_t)e - 31u : b;
    for (; i < e32v; i += 32u) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(f + i));
        uint32_t m = ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_setzero_si256()));
        while (__builtin_expect(m != 0, 0)) {
            spk[n++] = lo + (uint32_t)(i + (size_t)__builtin_ctz(m));
            m &= m - 1u;
        }
    }
#endif
    const size_t e32 = e - b >= 32u ? (size_t)e - 31u : b; /* chunks [i, i + 32), i < e32 */
    for (; i < e32; i += 32u) {
        uint64_t x0, x1, x2, x3;
        __builtin_memcpy(&x0, f + i, 8);
        __builtin_memcpy(&x1, f + i + 8u, 8);
        __builtin_memcpy(&x2, f + i + 16u, 8);
        __builtin_memcpy(&x3, f + i + 24u, 8);
        if (__builtin_expect((x0 | x1) | (x2 | x3), 0) != 0)
            for (size_t j = i; j < i + 32u; j += 8u) {
                uint64_t x;
                __builtin_memcpy(&x, f + j, 8);
                if (x)
                    for (size_t q = j; q < j + 8u; q++) {
                        spk[n] = lo + (uint32_t)q;
                        n += f[q];
                    }
            }
    }
    for (; i < e; i++) {
        spk[n] = lo + (uint32_t)i;
        n += f[i];
    }
    return n;
}

/* Number of sources of target j, written to buf (which must hold the rule's maximum column
 * length: n_pre for all_to_all / fixed_probability / user pair rules, k for
 * fixed_indegree, 1 for one_to_one, for fixed_total n_total with multapses and n_pre
 * without); the i-th source is paired with weight draw i.  Not for fixed_outdegree and
 * user row rules (generated by rows): snn_fatal. */
uint32_t snn_conn_column(const snn_proj_spec *spec, uint64_t seed, uint32_t j, uint32_t *buf);
/* fixed_total's per-target counts (n_post entries, malloc'ed; the caller frees them):
 * the c_j above, as snn_ragged_build draws them (for builders elsewhere: the CUDA back end
 * draws the columns on the GPU from them). */
uint32_t *snn_conn_total_counts(const snn_proj_spec *spec, uint64_t seed);
/* Expected number of synapses (exact for all rules but fixed_probability; 0, unknown, for
 * user-defined rules). */
double snn_conn_expected(const snn_proj_spec *spec);
/* Build the whole ragged matrix (column rules: two passes, count then fill;
 * fixed_outdegree: one pass, row by row), with weights and delays written in the same
 * pass as the indices.  Allocates with snn_alloc; exits through snn_fatal on impossible
 * sizes, rules or delays. */
void snn_ragged_build(const snn_proj_spec *spec, uint64_t seed, snn_ragged *out);

/* The first Philox block of the streams snn_rng_init(seed, stream, elem0 + i, step), i < n
 * (word q into wq[i]), for snn_rng_init_first: the neuron loops of models whose neuron code
 * draws compute them a chunk of neurons at a time, with SIMD where the CPU has it
 * (rt_philox_batch.c). */
void snn_rng_first_blocks(uint64_t seed, uint32_t stream, uint32_t elem0, uint64_t step,
                          uint32_t n, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3);
/* Element elem0 + i's 32-bit word of step 'step' (snn_rng_quad_word: word (e & 3) of block
 * (0, e >> 2, step, seed_hi), key (seed_lo, stream)) into w[i], i < n, with SIMD where the
 * CPU has it (rt_philox_batch.c): the C back end's constant-rate Poisson current sources
 * (one word per neuron and step, counted by snn_poisson_count). */
void snn_rng_quad_words(uint64_t seed, uint32_t stream, uint32_t elem0, uint64_t step,
                        uint32_t n, uint32_t *w);
void snn_ragged_free(snn_ragged *r);

/* format = "dense": turn a built ragged matrix into the dense matrix of its targets
 * (described at snn_ragged), with the weight w where the ragged matrix has no weights.
 * n_syn and checksum stay as built.  Every (source, target) pair must occur at most once
 * (the compiler refuses rules with multapses): snn_fatal otherwise. */
void snn_dense_from_ragged(snn_ragged *r, double w, int weight_bytes);
/* format = "dense" with a weight update model (all_to_all): the ragged rows are kept as
 * they are, since every row holds every target of the block in order (row i at i * n_post,
 * target k at place k), which the plastic code relies on to read no index; checks that
 * and exits through snn_fatal (naming the projection) otherwise. */
void snn_dense_check_rows(const snn_ragged *r, const char *proj);

/* format = "procedural".  Row i of a row-wise rule: its targets below 'hi', ascending,
 * written to buf (which holds the rule's longest row: n_post, k for fixed_outdegree, the
 * longest generated row for a user row rule); the t-th entry is paired with weight draw
 * (element i, draw t).  Rules: all_to_all, one_to_one, fixed_probability (Bernoulli(p) per
 * target by geometric skipping over the targets, from (seed, spec->stream, element i):
 * not the column-wise network), fixed_outdegree and user row rules (the same rows as
 * snn_ragged_build).  Others: snn_fatal. */
uint32_t snn_conn_row(const snn_proj_spec *spec, uint64_t seed, uint32_t i, uint32_t hi,
                      uint32_t *buf);
/* Prepare a procedural projection for the targets [post_lo, post_lo + post_n): walk every
 * row once to count the synapses onto them and their checksum (the same terms
 * snn_ragged_build would give for these synapses and weights), allocate the row buffer and
 * keep spec and seed; bytes = the buffer's. */
void snn_proc_build(const snn_proj_spec *spec, uint64_t seed, snn_ragged *out);

/* The column view of a ragged matrix, for code that runs per synapse when the target
 * spikes (weight update models): for target j, entries start[j] .. start[j+1] give each
 * synapse's position in the row storage (syn) and its source (pre), sources ascending.
 * The connectivity is static, so it is built once after construction. */
typedef struct snn_columns {
    uint32_t n_post;
    uint64_t *start;  /* n_post + 1 */
    uint64_t *syn;    /* positions in the ragged storage */
    uint32_t *pre;    /* source neuron of each */
    uint64_t bytes;
    /* column j's entries are start[j] .. end[j]: end = start + 1 (packed) as built; a view
     * patched by a connectivity update (snn_columns_ins/del) has its own end[] and room
     * after each column's entries (end[j] <= start[j + 1]) */
    uint64_t *end;
    uint64_t cap;     /* entries allocated (syn, pre) */
} snn_columns;
void snn_columns_build(const snn_ragged *r, const char *name, snn_columns *c);
void snn_columns_free(snn_columns *c);

/* Weight update models store a projection as one snn_ragged per thread block (and rank) of
 * its targets.  A synapse's *global position* is where one process with one thread stores
 * it: rows in source order, each row the concatenation of the blocks' parts in block (rank,
 * then thread) order.  snn_synapse_positions fills base[t][i] (n_pre entries per block t,
 * allocated by the caller) such that the synapse at storage position p of row i of
 * blocks[t] has the global position base[t][i] + p (modulo 2^64).  With MPI it is
 * collective: every rank calls it once, with its own blocks (row lengths are summed over
 * the ranks).  (Random numbers were keyed by it in layout version 1; version 2 keys them
 * by the synapse's identity, below.) */
void snn_synapse_positions(const snn_ragged *blocks, int n_blocks, uint64_t *const *base);
/* A synapse's identity, which keys its random numbers (layout version 2): (global source,
 * global target, ordinal), the ordinal being the number of synapses of the same pair before
 * it in its row (0 without multapses).  All synapses of a pair are in one block (the owner
 * of the target), each row in the same order for any decomposition, so the identity does
 * not depend on threads or ranks, and a removal changes no other pair's identities.
 * snn_check_multapses stops with an error naming the projection when a pair has more than
 * 65536 synapses (the ordinal has 16 bits in the counter); rows whose targets are on the
 * GPU only (r->ind NULL: built there by the CUDA back end) are not checked. */
void snn_check_multapses(const snn_ragged *r, const char *proj);
/* Initial values of one synapse variable of block r: out[p] for every stored synapse p is
 * snn_init_syn_eval of its identity. */
void snn_init_synapses(const snn_init *init, uint64_t seed, const snn_ragged *r, void *out,
                       int value_bytes);
/* The checksum of a block's synapses as they are now: the terms of snn_ragged_build's
 * checksum with the current weights (so it equals r->checksum while the weights are
 * unchanged and there are no other variables), each with the bits of the n_vars synapse
 * variables vars[k] (value_bytes each, indexed by storage position) mixed in. */
uint64_t snn_synapse_checksum(const snn_ragged *r, const void *const *vars, int n_vars,
                              int value_bytes);

/* ---------------------------------------------------------------------------------------
 * Spike recording (rt_record.c)
 *
 * One file per population, <output>/spikes_<pop>.npy: a NumPy structured array with dtype
 * [('t', '<f8'), ('i', '<u4')] (time in ms, neuron index), written as the run goes into
 * <file>.part and renamed when complete.  The header is exactly 128 bytes, so tools that
 * cannot parse .npy (gnuplot) can skip it.
 * ------------------------------------------------------------------------------------- */

typedef struct snn_recorder snn_recorder;

snn_recorder *snn_recorder_open(const char *dir, const char *pop_name);
/* Record the spikes of one step (ids of neurons that spiked, time stamp in ms). */
void snn_recorder_add(snn_recorder *r, double t_ms, const uint32_t *ids, uint32_t n);
/* Finish: write the header, flush, rename .part into place.  Returns the path. */
const char *snn_recorder_close(snn_recorder *r);
/* Write everything buffered so far (called on interrupt) but keep the .part name. */
void snn_recorder_abort(snn_recorder *r);
/* Write the buffered records and set the header's count to the records in the file (a
 * file left by a killed run is then a valid .npy up to the last sync). */
void snn_recorder_sync(snn_recorder *r);
/* Like abort, for the fatal-error path: does what it still can, never fails. */
void snn_recorder_abandon(snn_recorder *r);
/* Release the recorder (aborting it first if it is still open).  The path returned by
 * snn_recorder_close is valid until then. */
void snn_recorder_free(snn_recorder *r);

/* Variable recording: <dir>/<pop>_<var>.npy, a structured array with dtype
 * [('t', '<f8'), ('v', '<f4' or '<f8', (n_cols,))] (time in ms, then the n_cols values),
 * one record per call to snn_varrec_add.  Streamed into <file>.part like the spike files;
 * the header (NumPy format 1.0, 2.0 only if it had to be longer than 64 KiB) is padded to a
 * multiple of 64 bytes and rewritten with the record count at the end. */
typedef struct snn_varrec snn_varrec;

snn_varrec *snn_varrec_open(const char *dir, const char *pop, const char *var, uint32_t n_cols,
                            int value_bytes);
void snn_varrec_add(snn_varrec *r, double t_ms, const void *values); /* n_cols values of
                                                                      * value_bytes */
const char *snn_varrec_close(snn_varrec *r);
void snn_varrec_abort(snn_varrec *r);
void snn_varrec_sync(snn_varrec *r);
void snn_varrec_abandon(snn_varrec *r);
void snn_varrec_free(snn_varrec *r);

/* Synapse variable recording: <dir>/<proj>_<var>.npy, a structured array with dtype
 * [('t', '<f8'), ('pre', '<u4'), ('post', '<u4'), ('v', '<f4' or '<f8')], one record per
 * synapse and snapshot.  snn_synrec_snapshot writes one snapshot of a projection held as
 * n_blocks thread blocks (ascending target ranges): for each source, the blocks in order,
 * each row in storage order (ascending targets); vals[b] holds block b's values
 * (value_bytes each) by storage position.  Streamed into <file>.part like the others. */
typedef struct snn_synrec snn_synrec;

snn_synrec *snn_synrec_open(const char *dir, const char *proj, const char *var, int value_bytes);
void snn_synrec_snapshot(snn_synrec *r, double t_ms, const snn_ragged *blocks, int n_blocks,
                         const void *const *vals, int value_bytes);
/* n packed records of 16 + value bytes (merging the ranks' files) */
void snn_synrec_write_raw(snn_synrec *r, const void *recs, uint64_t n);
int snn_synrec_value_bytes(const snn_synrec *r);
const char *snn_synrec_close(snn_synrec *r);
void snn_synrec_abort(snn_synrec *r);
void snn_synrec_sync(snn_synrec *r);
void snn_synrec_abandon(snn_synrec *r);
/* A .part recording left by a killed run: set the header's count to the whole records in
 * the file and drop a partial last one.  0 with the count (and the header's old count in
 * *was), or -1 with a message in err. */
int snn_npy_recover(const char *path, uint64_t *count, uint64_t *was, char *err, size_t errlen);
void snn_synrec_free(snn_synrec *r);

/* Write a whole file atomically (tmp + rename). Returns 0 or -1 with errno. */
int snn_write_file_atomic(const char *path, const char *data, size_t n);
/* mkdir -p */
int snn_mkdirs(const char *path);

/* ---------------------------------------------------------------------------------------
 * Parallel runs (rt_par.c)
 *
 * A simulator compiled with SNN_MPI defined (snncc --mpi) and linked with libsnnrt_mpi.a
 * runs under mpirun.  Every population is split into contiguous blocks, one per rank:
 * rank r of R owns neurons [lo, lo + n_local) with lo = floor(n r / R).  A rank builds
 * only the synapses onto its own neurons (snn_proj_spec.post_range), from the same RNG
 * streams, so the network is the same for any R.  Spikes are exchanged every
 * 'interval' steps (the shortest delay in steps), all populations and steps of an
 * interval in one message; each rank then delivers every population's spikes of a step in
 * ascending global order, exactly as one process does, so spikes are bitwise identical
 * for any number of ranks.  Without SNN_MPI the same functions see one rank.
 * ------------------------------------------------------------------------------------- */

/* v[0 .. n) summed over every rank, in place (MPI_SUM of integers: exact, the same for any
 * order); without MPI nothing.  For exact sums (snn_xacc.h: add_to_pre). */
void snn_sum_int64(int64_t *v, size_t n);

/* The block of n neurons rank 'rank' of 'ranks' owns. */
static inline void snn_partition(uint32_t n, int rank, int ranks, uint32_t *lo, uint32_t *nl)
{
    uint64_t a = (uint64_t)n * (uint64_t)rank / (uint64_t)ranks;
    uint64_t b = (uint64_t)n * (uint64_t)(rank + 1) / (uint64_t)ranks;
    *lo = (uint32_t)a;
    *nl = (uint32_t)(b - a);
}

/* A population whose spikes other ranks need.  The generated code owns the arrays:
 * 'queue' (nslot slots of n global ids) and 'count' (nslot) are the spike queue the
 * propagation reads; 'lspk' (interval slots of n_local ids) and 'lcount' (interval) hold
 * this rank's own spikes (global ids, ascending) of the current interval, slot
 * step % interval.  'need' (n entries, set after construction) marks the sources with at
 * least one synapse on this rank; the point-to-point exchange sends a spike only to the
 * ranks that need it. */
typedef struct snn_xpop {
    int pop;          /* population index */
    uint32_t n, lo, n_local, nslot;
    uint32_t *queue, *count;
    uint32_t *lspk, *lcount;
    uint8_t *need;
} snn_xpop;

typedef enum snn_exchange_mode { SNN_EXCHANGE_COLLECTIVE, SNN_EXCHANGE_P2P } snn_exchange_mode;

struct snn_run;
/* After construction: register the populations to exchange and the interval in steps;
 * for the point-to-point mode this also learns, once, which ranks need which sources. */
void snn_exchange_setup(struct snn_run *run, snn_xpop *x, int n_x, uint32_t interval);
/* Exchange the spikes of steps first .. first + n_steps - 1 (the current interval) and
 * fill the spike queues' slots of those steps with every rank's spikes, in order. */
void snn_exchange(struct snn_run *run, uint64_t first, uint32_t n_steps);
/* The same, for generated code that also calls snn_exchange_due at the start of every
 * step: the run config's exchange_interval may then be shorter than 'interval' (the
 * minimum delay), and snn_exchange only starts the interval's exchange, which
 * snn_exchange_due completes before the first step that can read its spikes. */
void snn_exchange_setup_overlapping(struct snn_run *run, snn_xpop *x, int n_x, uint32_t interval);
void snn_exchange_due(struct snn_run *run, uint64_t step);
/* After the step loop (the runtime calls it): complete the exchanges in flight. */
void snn_exchange_drain(struct snn_run *run);

/* ---------------------------------------------------------------------------------------
 * The model descriptor and the main loop (rt_main.c)
 * ------------------------------------------------------------------------------------- */

typedef struct snn_pop_desc {
    const char *name;
    uint32_t n;
    int record_default; /* model's record{} */
    int spike_source;   /* 1: a spike_source_array (its times can come from the run config);
                         * 2: a spike_source_dataset (from the run config's datasets) */
} snn_pop_desc;

typedef struct snn_proj_desc {
    const char *name;
    int pre, post;      /* population indices */
} snn_proj_desc;

/* A variable to record: population index, variable name, values per record (neurons
 * recorded) and the recording interval in steps.  The runtime opens run->varrec[k] for
 * descriptor k; the generated step function calls snn_varrec_add every 'every' steps. */
typedef struct snn_varrec_desc {
    int pop;
    const char *var;
    uint32_t n_cols;
    uint32_t every;
    const char *owner; /* a custom update's variable (over pop's neurons): its name, the
                        * file's prefix (<owner>_<var>.npy); NULL: pop's variable */
} snn_varrec_desc;

/* The prefix of a state recording's file: the custom update or the population. */
#define SNN_VARREC_PREFIX(m, vd) ((vd)->owner ? (vd)->owner : (m)->pops[(vd)->pop].name)

/* A synapse variable to record: projection index, variable name, interval in steps (0:
 * once, after the last step).  The runtime opens run->synrec[k]; the generated step
 * function calls model->syn_snapshot every 'every' steps, the runtime at the end for
 * every == 0. */
typedef struct snn_synrec_desc {
    int proj;
    const char *var;
    uint32_t every;
    const char *owner; /* a custom update's per-synapse variable: its name, the file's
                        * prefix; NULL: proj's synapse variable */
} snn_synrec_desc;

#define SNN_SYNREC_PREFIX(m, sd) ((sd)->owner ? (sd)->owner : (m)->projs[(sd)->proj].name)

/* State the runtime shares with the generated code during a run. */
typedef struct snn_run {
    const snn_config *cfg;
    uint64_t seed;
    uint64_t n_steps;
    snn_recorder *rec[SNN_MAX_POPS];   /* NULL when not recording */
    uint64_t spike_count[SNN_MAX_POPS];
    uint64_t n_synapses[SNN_MAX_POPS]; /* per projection, filled by build */
    uint64_t syn_bytes[SNN_MAX_POPS];  /* per projection */
    uint64_t syn_checksum[SNN_MAX_POPS];
    double t_construct, t_init;        /* filled by the runtime around build/init */
    snn_varrec *varrec[SNN_MAX_POPS];  /* per snn_varrec_desc, open during the run */
    /* parallel runs: this rank, the number of ranks (1 without MPI), the exchange */
    int rank, ranks;
    snn_exchange_mode exchange;
    uint32_t interval;                 /* steps between spike exchanges */
    uint32_t min_delay_steps;          /* the longest interval possible (0: not set up) */
    int overlap;                       /* exchanges complete up to min_delay - interval steps late */
    /* phase timers of the step loop, seconds, added up by the generated step function
     * (deliver: spike propagation, update: neurons and plasticity) and by snn_exchange
     * (comm: packing, messages, unpacking; wait: blocked until the other ranks arrive) */
    double t_deliver, t_update, t_comm, t_wait;
    double k_deliver, k_update; /* the C step's timers in snn_ticks() (t_deliver, t_update
                                 * when the step loop ends) */
    uint64_t bytes_sent, messages_sent; /* by snn_exchange, this rank */
    /* per projection whose synapses change (weight update models): the checksum of the
     * synapses at the end of the run (snn_synapse_checksum), filled by model->checksum */
    uint64_t syn_final[SNN_MAX_POPS];
    int has_final[SNN_MAX_POPS];
    snn_synrec *synrec[SNN_MAX_POPS];  /* per snn_synrec_desc, open during the run */
    /* the step loop: thread blocks of every population (set by model->build; 1 if not) and
     * the threads that run them now (set by the runtime, between steps) */
    int blocks, step_threads;
    /* how the blocks were chosen (run.json "parallel", -v): "auto", "forced", "threads"
     * (SNN_BLOCKS=threads), "one thread"; the estimated work between two joins of the step
     * threads (s, -1 where the model's size is not known) and why, in words */
    const char *blocks_choice;
    double blocks_work_s;
    char blocks_why[256];
    /* custom-update groups (per snn_cugroup_desc): run every cu_every[g] steps (0: not
     * periodic) and, when cu_at_end[g], after the last step; the model's defaults with the
     * run config's custom_updates applied */
    uint32_t cu_every[SNN_MAX_CUGROUPS];
    int cu_at_end[SNN_MAX_CUGROUPS];
    /* batch lanes (batched models, network{ batch }): the lanes of this run, the global
     * lane of lane 0, and the lane whose recorders and counts rec, varrec, synrec,
     * spike_count and syn_final are now (snn_lane_io swaps them; the others are kept in lane_io) */
    uint32_t lanes, lane_offset, lane;
    struct snn_lane_io *lane_io;
    /* lanes over MPI ranks (docs/parallel.md "Batch lanes over ranks"): the batch's lanes on
     * all ranks and this rank's first (its lanes are lane_first .. lane_first + lanes - 1 of
     * the batch; lane_offset already includes lane_first); without: lanes and 0 */
    uint32_t lanes_all, lane_first;
    /* lanes over ranks, on the ranks that do not hold the batch's last lane: set while a
     * custom-update group runs once more after this rank's lanes, as that lane (per-lane
     * updates skip it; batch reductions complete and updates held once run in it) */
    int lane_phantom;
    /* the ranks the network's neurons are split over and this rank's place among them:
     * rank and ranks, or 0 and 1 when lanes are split over the ranks (each holds all) */
    int prank, pranks;
} snn_run;

/* Lanes over MPI ranks (docs/parallel.md "Batch lanes over ranks"): a batch reduction's
 * per-lane terms, n per lane for the rank's lanes (slot: the reduction; NULL when the lanes
 * are not split over ranks); snn_lanes_reduce gathers every rank's terms (collective) and
 * reduces them per element in the batch's lane order 0 .. B-1 (sum: ((t0 + t1) + t2) ...;
 * max: a later lane's term only when greater), the bits one process gets, into acc. */
double *snn_lanes_terms(snn_run *run, int slot, uint64_t n);
/* Does this rank run a custom-update group once more, as the batch's last lane (held by
 * another rank)?  Is lane cur of n the batch's last (a batch reduction completes, updates
 * held once run)?  Without lanes over ranks: no, and cur + 1 == n. */
static inline int snn_lanes_phantom(const snn_run *run)
{
    return run->lane_first + run->lanes < run->lanes_all;
}
static inline int snn_lane_last(const snn_run *run, uint32_t cur, uint32_t n)
{
    return run->lane_phantom || (cur + 1u == n && !snn_lanes_phantom(run));
}
void snn_lanes_reduce(snn_run *run, const double *terms, uint64_t n, int max, double *acc);
/* The global lane of the batch's last lane: the lane whose random numbers an update held
 * once draws (it runs with that lane), in the pass as that lane too (lane_phantom) */
static inline uint32_t snn_lane_batch_last(const snn_run *run)
{
    return run->lane_offset - run->lane_first + run->lanes_all - 1u;
}

/* Batched models: make lane b's recorders, spike counts and final checksums the run's
 * (rec, varrec, synrec, spike_count, syn_final, has_final), keeping the current lane's. */
void snn_lane_io(snn_run *run, uint32_t b);

/* Step threads (rt_pool.c).  A region of the step is a function of one thread block:
 * snn_step_blocks runs fn(arg, block, worker, first) once for each of the B = run->blocks
 * blocks on run->step_threads threads (the caller is worker 0; first: the worker's first
 * block in this region) and returns when all are done.  Blocks are claimed: worker w of W
 * takes its share [B w / W, B (w + 1) / W) in order, then what the others have not
 * started, so a late worker (a busy core) does not hold the region up; with one step
 * thread the caller runs the blocks in order.  A region of workers (snn_step_region: the
 * connectivity updates, whose counters are per worker) runs fn(arg, w, W) on every worker
 * w < W and waits for each; with one step thread it calls fn(arg, 0, 1). */
typedef void (*snn_block_fn)(void *arg, int block, int worker, int first);
void snn_step_blocks(snn_run *run, snn_block_fn fn, void *arg);
typedef void (*snn_region_fn)(void *arg, int worker, int workers);
void snn_step_region(snn_run *run, snn_region_fn fn, void *arg);

/* A custom-update group (custom_update{ group = }): its name and the model's schedule. */
typedef struct snn_cugroup_desc {
    const char *name;
    uint32_t every;     /* steps; 0: not periodic */
    int at_end;         /* after the last step */
} snn_cugroup_desc;

/* Is custom-update group g due at the end of step 'step'? */
static inline int snn_cupd_due(const snn_run *run, int g, uint64_t step)
{
    const uint32_t e = run->cu_every[g];
    return (e && (step + 1) % e == 0) || (run->cu_at_end[g] && step + 1 == run->n_steps);
}

/* Reductions of custom updates (rt_custom.c): the sum of the per-neuron terms of a
 * population (this rank's nl terms of neurons lo..lo+nl-1 of n) in global neuron order,
 * the same on every rank and bitwise the same for any rank count; the maximum over the
 * ranks.  snn_cupd_scratch: a buffer of n doubles for reduction slot 'slot' (reused). */
double snn_cupd_sum(snn_run *run, const double *local, uint32_t lo, uint32_t nl, uint32_t n);
double snn_cupd_max(snn_run *run, double local);
double *snn_cupd_scratch(int slot, uint32_t n);
void snn_cupd_release(void);

/* A parameter the run config may change without recompiling (population{ runtime = },
 * current_source{ runtime = }, projection{ runtime = }). */
typedef struct snn_rparam_desc {
    const char *name; /* "<population|current source|projection>.<param>" */
    double *value;    /* the generated code reads it every step */
    int has_range;    /* 1: a value outside [lo, hi] is an error */
    double lo, hi;
} snn_rparam_desc;

/* A piece of state for a checkpoint: its name (a state table entry, plus ".weight" or
 * ".checksum" for the rows of plastic projections), its thread block (-1: none), address
 * and size.  SNN_STATE_CHECK: on restore, compare with the checkpoint instead of loading
 * (state rebuilt from the seed, whose checksum must agree). */
#define SNN_STATE_CHECK 1
typedef void (*snn_state_fn)(void *ctx, const char *name, int block, void *data, size_t bytes,
                             int flags);

/* A projection's per-synapse values for a checkpoint, as one piece 'name' in the order of
 * snn_synrec_snapshot (for each source, the thread blocks in order, each row in storage
 * order: ascending targets), which does not depend on the number of blocks: gathered,
 * handed to fn, scattered back (so fn may read or fill them).  base NULL: the blocks'
 * weights; else a synapse variable, block b's values at base + off[b] (value_bytes each,
 * by storage position).  And the sum of the blocks' connectivity checksums (SNN_STATE_CHECK).
 * rt_ckpt.c. */
void snn_state_synapses(snn_state_fn fn, void *ctx, const char *name, const snn_ragged *blocks,
                        int n_blocks, void *base, const uint64_t *off, int value_bytes);
void snn_state_rows_checksum(snn_state_fn fn, void *ctx, const char *name,
                             const snn_ragged *blocks, int n_blocks);
/* The blocks' per-synapse delays (a rewired projection's: they move with their synapses)
 * as snn_state_synapses hands the weights; nothing without delays. */
void snn_state_synapse_delays(snn_state_fn fn, void *ctx, const char *name,
                              const snn_ragged *blocks, int n_blocks);

/* A variable by name for the training loop (metrics, save, load): "Out.y" (kind 0: a neuron
 * variable of population 'owner'), "InOut.w" (1: a synapse variable of projection 'owner'),
 * "Delta.m" (custom-update variables: 2 one value (owner -1), 3 per neuron of population
 * 'owner', 4 per synapse of projection 'owner'). */
typedef struct snn_var_desc {
    const char *name;
    int kind;
    int owner;
} snn_var_desc;

struct snn_dataset_in;

/* How a piece maps to global indices, for a restore on another number of MPI ranks
 * (rt_ckpt.c re-partitions it; on the same number of ranks the bytes are loaded as they
 * are).  Each sets the layout and hands the piece to fn.  SNN_STATE_AUX: a piece that is
 * written but not loaded back (what re-partitioning needs: a synapse piece's targets).
 *   snn_state_local: rows x nl elements of elem bytes (row-major; rows 1 for a plain
 *     per-neuron array), then pad elements; this rank's neurons [lo, lo + nl) of n.
 *   snn_state_ring: a dendritic delay ring, depth rows of nl, row (step % depth) holding
 *     the input of that step: re-partitioned by step, so the depth may differ.
 *   snn_state_replicated: the same on every rank (runtime parameters, presynaptic
 *     variables, reductions); a restore on other ranks checks that the old ranks agree.
 *   snn_state_queue: a spike queue (nslot slots of n global ids, counts per slot; the ids
 *     of a slot ascending): a slot becomes the union of the old ranks' (the point-to-point
 *     exchange gives a rank only the spikes it needs).  snn_state_queue_counts: its counts,
 *     set with the queue.  */
#define SNN_STATE_AUX 2
/* A data set's spike cursors (snn_state_local's layout): stored; on a restore set for the
 * checkpoint's step (snn_dataset_seek), since the lists are built for the run's duration. */
void snn_state_ds_cursor(snn_state_fn fn, void *ctx, const char *name, uint64_t *cursor,
                         const uint64_t *starts, const uint32_t *steps, uint32_t lo, uint32_t nl,
                         uint32_t n);
void snn_state_local(snn_state_fn fn, void *ctx, const char *name, void *data, size_t elem,
                     uint32_t rows, uint32_t pad, uint32_t lo, uint32_t nl, uint32_t n);
void snn_state_ring(snn_state_fn fn, void *ctx, const char *name, void *data, size_t elem,
                    uint32_t depth, uint32_t lo, uint32_t nl, uint32_t n);
void snn_state_replicated(snn_state_fn fn, void *ctx, const char *name, void *data,
                          size_t bytes);
/* A presynaptic variable (per source, every rank): under the point-to-point exchange a rank
 * updates only the sources it has synapses from, so each source's value is taken from an
 * old rank that has (the piece "<name>.held": a byte per source). */
void snn_state_pre(snn_state_fn fn, void *ctx, const char *name, void *data, size_t elem,
                   const snn_ragged *blocks, int n_blocks);
void snn_state_queue(snn_state_fn fn, void *ctx, const char *name, uint32_t *queue,
                     uint32_t *counts, uint32_t nslot, uint32_t n);
void snn_state_queue_counts(snn_state_fn fn, void *ctx, const char *name, uint32_t *counts,
                            size_t bytes);
/* A batched model's state goes lane by lane: the pieces handed while lane b >= 1 is set are
 * lane b's (files "lane<b>.<piece>.bin"); lane 0 and the lanes' shared pieces have no
 * prefix, as in an unbatched model. */
void snn_state_lane(uint32_t b);
/* A projection rewired by a connectivity update: its rows (for each source its row length,
 * then its global targets, as the synapses' .targets pieces are coded) written as the piece
 * 'name'; a restore re-lays this run's thread blocks from them (any number of blocks; the
 * same number of ranks, else refused naming 'proj').  snn_state_loading: whether fn is the
 * restore's (the model rebuilds what follows from the rows: column views, row lengths). */
void snn_state_rewired_rows(snn_state_fn fn, void *ctx, const char *name, snn_ragged *blocks,
                            int n_blocks, const char *proj);
int snn_state_loading(snn_state_fn fn);
/* train.load of a rewired projection's saved synapses (rt_train.c): model->state(run,
 * snn_state_relay, ctx) re-lays the rows of the projections of ctx (an array ended by proj
 * NULL; tgt: n_pre row lengths then each source's global targets, ascending; on several
 * ranks each keeps the targets it holds) and rebuilds what follows from them; every other
 * piece is left as it is.  'what' names the files in errors.  snn_state_targets_decode:
 * a synapse piece's ".targets" (SNN_STATE_AUX) as n_pre row lengths then *total targets
 * (malloc'd; NULL if malformed). */
typedef struct snn_relay_rows {
    const char *proj, *what;
    const uint32_t *tgt;
} snn_relay_rows;
void snn_state_relay(void *ctx, const char *name, int block, void *data, size_t bytes,
                     int flags);
uint32_t *snn_state_targets_decode(const uint8_t *in, size_t n, uint32_t n_pre, size_t *total);
/* A connectivity update's counters (runs, removed, added, failed, synapses, redraws,
 * full_draws) as a piece. */
void snn_state_rewire_counts(snn_state_fn fn, void *ctx, const char *name, int k);
/* ---------------------------------------------------------------------------------------
 * Connectivity updates (rt_rewire.c; connectivity_update{}, docs/language.md)
 * ------------------------------------------------------------------------------------- */
#define SNN_MAX_REWIRE 32
typedef struct snn_rewire_stats {
    const char *name, *proj;
    uint32_t n_pre;
    uint32_t capacity;      /* synapses per row, global (max_row_length or row_padding) */
    int64_t *len;           /* n_pre: each row's global length (after the removals) */
    uint32_t *adds;         /* n_pre: additions per row (add.total) */
    uint64_t runs, removed, added, failed; /* totals over the run, every rank's */
    uint64_t synapses;      /* the projection's synapses now, every rank's */
    uint64_t step_failed;   /* this update's additions that found no room */
    double update_s, columns_s; /* wall time in the updates, and rebuilding column views */
    uint64_t key_remove, key_init; /* synapse-keyed streams (snn_rng_syn_key) */
    uint32_t stream_add, stream_dist; /* row-keyed streams */
    uint32_t n_post;        /* targets (all ranks) */
    uint64_t row_words;     /* add.redraw: words of 32 pair bits per row in 'pairs' */
    int64_t *pairs;         /* add.redraw: n_pre x row_words, bit (i, j) set iff i -> j exists
                             * on any rank (32 bits per word, so the sum over ranks is an OR) */
    uint64_t redraws;       /* add.redraw: targets drawn again (the pair was connected) */
    uint64_t full_draws;    /* add.total: rows drawn again (full; mlGeNN's failed rewirings) */
    /* the parallel parts (docs/parallel.md "Connectivity updates", "In parallel"): per
     * thread block or step thread, counters (8 int64 a slot, one cache line: removed,
     * added, failed, failed for lack of room, redraws, targets drawn) and the column patching's time;
     * the targets drawn by add.count / add.total, capacity slots per row */
    int nb;
    int64_t *bcnt;
    double *wcol;
    /* per thread block: the synapses per row it has room for; from snn_rewire_setup on, row
     * i of block t starts at i * room[t] (regrow; nothing lays the rows out again), so the
     * candidates' look-ups need not read row_start[] */
    uint64_t *room;
    uint32_t *tgt;
    uint32_t *ntgt;
    /* per-synapse delays (snn_rewire_delays): the longest delay in steps a synapse may get
     * (the dendritic ring's depth at least), ms per step, add.init.delay's stream */
    uint32_t dmax;
    double dt;
    uint64_t key_delay;
} snn_rewire_stats;
/* The arguments of a connectivity update's parallel regions (snn_step_region). */
typedef struct snn_rw_args {
    snn_run *run;
    uint64_t step;
    int64_t nrem;     /* n_removed (all ranks) */
} snn_rw_args;
/* Worker w of nw's share of n items (thread blocks or rows): [SNN_RW_FIRST(n, w, nw),
 * SNN_RW_SPLIT(n, w + 1, nw)).  -DSNN_RW_FAULT makes it a wrong split (every worker but the
 * first skips the first item of its share), for the test that shows that a wrong split is
 * found (tests/e2e/rewire_par.sh). */
#define SNN_RW_SPLIT(n, w, nw) ((uint64_t)(n) * (uint64_t)(w) / (uint64_t)(nw))
#ifdef SNN_RW_FAULT
#define SNN_RW_FIRST(n, w, nw) (SNN_RW_SPLIT(n, w, nw) + ((w) > 0 ? 1u : 0u))
#else
#define SNN_RW_FIRST(n, w, nw) SNN_RW_SPLIT(n, w, nw)
#endif
/* After a region: add the slots' counters (0 removed, 1 added, 2 failed, 3 failed for
 * lack of room, 4 redraws, 5 targets drawn) into cnt[0..5] in slot order (integers: exact)
 * and zero them;
 * the column patching's time of the slowest step thread (the wall time it added), zeroed. */
void snn_rewire_par_take(snn_rewire_stats *s, int64_t cnt[6]);
/* Run region fn of an update over the step threads (snn_step_region) when it has at least
 * SNN_REWIRE_PAR_MIN work items (rows, or 32 per accepted candidate; environment variable,
 * default 128), else on the calling thread as worker 0 of 1: the result is the same either
 * way. */
void snn_rewire_region(snn_run *run, snn_region_fn fn, void *arg, uint64_t work);
double snn_rewire_par_tcol(snn_rewire_stats *s);
/* add.count / add.total: room for the targets of every row (capacity per row). */
void snn_rewire_tgt_room(snn_rewire_stats *s);
/* The counters of update k (0 ..), zeroed, named. */
snn_rewire_stats *snn_rewire_register(int k, const char *name, const char *proj);
snn_rewire_stats *snn_rewire_get(int k);
int snn_rewire_count(void);
void snn_rewire_release(void);
/* After construction: refuse multapses, compute the global row
 * lengths and the capacity (max_row_length, else the longest row times 1 + row_padding,
 * at most n_post; a row longer than it is an snn_fatal), and re-lay each block's rows with
 * room for min(capacity, its targets) synapses. */
void snn_rewire_setup(snn_rewire_stats *s, snn_ragged *blocks, int nb, uint32_t n_pre,
                      uint32_t n_post, uint64_t max_row_length, double row_padding);
/* s->len = the global row lengths (every block, every rank). */
void snn_rewire_lengths(snn_rewire_stats *s, const snn_ragged *blocks, int nb);
/* The same for the n rows listed in rows[] only (tmp holds n values); the other rows'
 * s->len are left as they were. */
void snn_rewire_lengths_rows(snn_rewire_stats *s, const snn_ragged *blocks, int nb,
                             const uint32_t *rows, uint32_t n, int64_t *tmp);
/* Patches of a column view (snn_columns) where a connectivity update changed a row, so each
 * column's entries stay those of a fresh snn_columns_build: remove the entry of synapse
 * pre -> k (block-relative k), insert it with its place syn, and set the place of row pre's
 * synapses from place 'from' on (after the row's synapses moved).  The first patch re-lays
 * a packed view with room after each column (its own end[]); a patch moves only the
 * entries of its column, a column without room re-lays the view again. */
void snn_columns_del(snn_columns *c, uint32_t k, uint32_t pre);
void snn_columns_ins(snn_columns *c, uint32_t k, uint32_t pre, uint64_t syn);
void snn_columns_resyn(snn_columns *c, const snn_ragged *r, uint32_t pre, uint64_t from);
/* Insert target k (block-relative) into row 'pre' of block r in target order, moving the
 * index, the weight, the delay (its value left for snn_rewire_set_delay) and the nvars arrays vars (the block's part, vbytes per value) of the
 * synapses after it; returns the place, or -1 when the pair is already connected. */
int64_t snn_rewire_insert(snn_ragged *r, uint32_t pre, uint32_t k, void *const *vars,
                          int nvars, int vbytes);
/* Spread 'total' additions over the rows with room (s->adds), from the stream (seed,
 * stream, element 0xFFFFFFFF, step) alike on every rank; what finds no room goes to
 * s->step_failed. */
void snn_rewire_spread(snn_rewire_stats *s, uint64_t seed, uint32_t stream, uint64_t step,
                       uint64_t total);
/* Batched models: the removals of a connectivity update are decided once, by the batch's
 * lane 0 (docs/language.md "Connectivity updates"): flags[0 .. n) (one byte per stored
 * synapse place) as the rank holding lane 0 set them, on every rank (lanes over MPI ranks:
 * a gather from that rank; otherwise nothing to do). */
void snn_rewire_lane0_flags(const snn_run *run, unsigned char *flags, uint64_t n);
/* The connectivity update that rewires projection 'proj', or NULL. */
const char *snn_rewire_of(const char *proj);
/* add.redraw: s->pairs = every connected pair (i, j) of the projection, all ranks'. */
void snn_rewire_pairs(snn_rewire_stats *s, const snn_ragged *blocks, int nb);
static inline int snn_rewire_has(const snn_rewire_stats *s, uint32_t i, uint32_t j)
{
    return (int)((s->pairs[(uint64_t)i * s->row_words + j / 32u] >> (j % 32u)) & 1);
}
static inline void snn_rewire_mark(snn_rewire_stats *s, uint32_t i, uint32_t j)
{
    s->pairs[(uint64_t)i * s->row_words + j / 32u] |= (int64_t)1 << (j % 32u);
}
/* v as a whole number from 0 to limit, else an snn_fatal naming the update, what and i. */
uint64_t snn_rewire_whole(const snn_rewire_stats *s, const char *what, uint32_t i, double v,
                          double limit);
/* Per-synapse delays (docs/language.md "Connectivity updates", "Per-synapse delays"), after
 * snn_rewire_setup: s->dmax = the longest delay in steps a synapse may get, the larger of
 * 'bound' (the compiler's: the delay initialiser's upper bound) and the longest built
 * delay of every block and rank (so the same for any decomposition), at most what
 * delay_bytes hold; every block's max_delay becomes it, so the dendritic rings (sized
 * after this) hold every delay an update may give.  dt: ms per step. */
void snn_rewire_delays(snn_rewire_stats *s, snn_ragged *blocks, int nb, double dt,
                       uint32_t bound);
/* The delay of the new synapse pre -> post (global) at place 'at' of block r: 'ms' in
 * steps as at construction, max(1, round(ms / dt)); NaN or more than s->dmax steps is an
 * snn_fatal naming the update, the synapse and the value. */
void snn_rewire_set_delay(const snn_rewire_stats *s, snn_ragged *r, uint64_t at, uint32_t pre,
                          uint32_t post, double ms);
/* The projection's delay initialiser 'd' (its stream the update's own) for the synapse
 * pre -> post: synapse-keyed (snn_init_syn_eval), the same whenever the pair forms. */
double snn_rewire_delay_draw(const snn_rewire_stats *s, const snn_init *d, uint64_t seed,
                             uint32_t pre, uint32_t post);

/* Candidates (connectivity_update{ candidates = { ... } }, rt_rewire_cand.c): per row i,
 * off[i+1] - off[i] distinct targets (global indices, ascending) cand[off[i] ..], drawn
 * without replacement by snn_rewire_cand_row from the row's stream after its count's draws:
 * a 32-bit word w gives target floor(w N_post / 2^32), drawn again while already a
 * candidate of the row.  flag: 1 the pair was connected at the update's start, 2 a
 * formation accepted; acc: per-row accepted formations (summed over the ranks); count: the
 * rows' counts from candidates.total (snn_rewire_cand_spread: rows drawn as add.total's,
 * a row drawn again while it has N_post candidates). */
typedef struct snn_rewire_cand {
    const char *name;
    uint32_t n_pre, n_post;
    uint64_t *off;
    uint32_t *cand;
    uint8_t *flag;
    uint8_t *mark; /* n_post, zero between rows */
    uint32_t *count;
    uint32_t *rows;   /* snn_rewire_cand_spread: the n_rows rows with candidates, ascending */
    uint32_t n_rows;
    int64_t *acc;
    uint64_t cap;
    uint64_t key_elim, key_form; /* synapse-keyed streams rw:<name>/elim, rw:<name>/form */
    uint8_t *wmark;   /* snn_rewire_cand_fill: a mark array per step thread */
    uint64_t *rowbits; /* snn_rewire_cand_spread: a bit per row given candidates (zero after) */
    int n_wmark;
    uint32_t *pre_of; /* snn_rewire_cand_fill_rows: each candidate's row */
    uint32_t *blk;    /* snn_rewire_cand_blocks: word q of candidate k's block at q cap + k */
    uint64_t *qoff;   /* snn_rewire_cand_layout: row rows[q]'s candidates are qoff[q] to
                       * qoff[q + 1] (off[] by list place: read in order, not scattered) */
    int64_t *lenq;    /* scratch for snn_rewire_lengths_rows (the candidate rows' lengths) */
    uint32_t *qcnt;   /* snn_rewire_cand_spread_q: row rows[q]'s number of candidates */
    uint32_t *dup;    /* snn_rewire_cand_spread_q: rows drawn again (n_dup words) */
    uint64_t n_dup;
} snn_rewire_cand;
snn_rewire_cand *snn_rewire_cand_setup(int k, const char *name, uint32_t n_pre, uint32_t n_post);
snn_rewire_cand *snn_rewire_cand_get(int k);
void snn_rewire_cand_free(snn_rewire_cand *c);
void snn_rewire_cand_release(void);
/* Spread 'total' candidates over the rows (count[]), alike on every rank; rows[] lists the
 * rows given some, ascending (count is zero elsewhere). */
void snn_rewire_cand_spread(snn_rewire_cand *c, uint64_t seed, uint32_t stream, uint64_t step,
                            uint64_t total);
/* The same rows[] and, instead of count[] (left zero), qcnt[q]: row rows[q]'s number of
 * candidates, by list place; for snn_rewire_cand_layout. */
void snn_rewire_cand_spread_q(snn_rewire_cand *c, uint64_t seed, uint32_t stream, uint64_t step,
                              uint64_t total);
/* Row i's candidates, after row i - 1's (rows in order 0, 1, ...; off[0] stays 0). */
void snn_rewire_cand_row(snn_rewire_cand *c, snn_rng *g, uint32_t i, uint64_t count);
/* The same in parallel for the rows of snn_rewire_cand_spread: snn_rewire_cand_layout
 * places every listed row's candidates (qcnt[] of snn_rewire_cand_spread_q) by list place (qoff; off[] is not written)
 * and zeroes their flags, with a mark array for each of nw step threads; then
 * snn_rewire_cand_fill draws row rows[q]'s (any order, any thread: step thread w uses its
 * own marks), exactly what snn_rewire_cand_row draws. */
void snn_rewire_cand_layout(snn_rewire_cand *c, int nw);
void snn_rewire_cand_fill(snn_rewire_cand *c, snn_rng *g, uint32_t q, int w);
/* snn_rewire_cand_fill for rows[qb .. qe), each from snn_rng_init(seed, stream, row, step),
 * the rows' first Philox blocks computed together (SIMD). */
void snn_rewire_cand_fill_rows(snn_rewire_cand *c, uint64_t seed, uint32_t stream,
                               uint64_t step, uint64_t qb, uint64_t qe, int w);
/* After snn_rewire_cand_fill_rows: the first Philox block of each candidate of rows[qb .. qe)
 * in the synapse-keyed stream snn_rng_init_synk(key, 0, row, candidate, 0, step), into blk
 * (for snn_rng_init_synk_first; SIMD). */
void snn_rewire_cand_blocks(snn_rewire_cand *c, uint64_t key, uint64_t step, uint64_t qb,
                            uint64_t qe);

typedef struct snn_model {
    const char *name;
    const char *model_file;
    const char *model_hash;   /* 16 hex digits */
    const char *snncc_version;
    const char *precision;    /* "float" | "double" */
    const char *backend;      /* "c" | "cuda" */
    double dt;                /* ms */
    uint64_t seed;            /* the model's default seed */
    int n_pops;
    const snn_pop_desc *pops;
    int n_projs;
    const snn_proj_desc *projs;
    /* Allocate state and build connectivity (timed as construction). */
    void (*build)(snn_run *run);
    /* Initialise variables (timed as init). */
    void (*init)(snn_run *run);
    /* Advance by one step: deliver spikes, update neurons, hand spikes of recorded
     * populations to run->rec[p] and count them into run->spike_count[p]. */
    void (*step)(snn_run *run, uint64_t step);
    void (*release)(snn_run *run);
    int n_varrecs;                     /* at most SNN_MAX_POPS */
    const snn_varrec_desc *varrecs;
    int n_rparams;                     /* at most SNN_MAX_RPARAMS */
    const snn_rparam_desc *rparams;
    /* Optional (NULL for the C back end): called once after the last step, also after an
     * interrupt, before the recordings are closed and the simulation timer stops.  Back ends
     * that run the steps asynchronously (CUDA) wait for the device here and hand over the
     * spikes and counts they still hold. */
    void (*finish)(snn_run *run);
    /* Optional: called once after the last step (and finish), also after an interrupt: sets
     * run->syn_final[q] and run->has_final[q] for the projections whose synapses change.
     * run.json reports them (summed over ranks) as "final_checksum". */
    void (*checksum)(snn_run *run);
    /* Synapse variable recordings (C back end): descriptors, and the function writing
     * snapshot k (the synapses as they are now, stamped t_ms) into run->synrec[k]. */
    int n_synrecs;                     /* at most SNN_MAX_POPS */
    const snn_synrec_desc *synrecs;
    void (*syn_snapshot)(snn_run *run, int k, double t_ms);
    /* Checkpoints (NULL: this simulator cannot checkpoint): calls fn once per stored piece
     * of state (rt_ckpt.c); the CUDA back end copies the device's state out first (and back
     * in on a restore).  state_refused: why not, when state is NULL (NULL: not built). */
    void (*state)(snn_run *run, snn_state_fn fn, void *ctx);
    const char *state_refused;
    /* Custom-update groups (custom_update{}): names and the model's schedules, which the
     * run config's custom_updates may change (run->cu_every, run->cu_at_end). */
    int n_cugroups;                    /* at most SNN_MAX_CUGROUPS */
    const snn_cugroup_desc *cugroups;
    /* The training loop (rt_train.c; NULL: the back end has no training loop): the
     * variables by name; var(run, k, lane, fn, ctx) hands variable k of batch lane 'lane'
     * (0 in an unbatched model; a variable held once is the same in every lane) to fn as
     * model->state does (synapse variables gathered in the order of snn_state_synapses,
     * written back after fn); a custom-update group now (a batched model: for lanes 0 ..
     * B-1 in turn); the neuron state of every population of lane 'lane' back to its
     * initial values, spike queues emptied; population p's data set spikes of lane 'lane'
     * replaced by in's (starts and steps; the model frees the last ones it was given). */
    int n_vars;
    const snn_var_desc *vars;
    void (*var)(snn_run *run, int k, int lane, snn_state_fn fn, void *ctx);
    void (*cugroup)(snn_run *run, int g, uint64_t step);
    void (*reset)(snn_run *run, int lane);
    void (*ds_feed)(snn_run *run, int p, int lane, const struct snn_dataset_in *in);
    /* this rank's synapses per source neuron of projection q (n_pre counts; the training
     * loop's save and load merge and split synapse variables across MPI ranks with them) */
    void (*rows)(snn_run *run, int q, uint64_t *lens);
    /* why this simulator has no training loop (NULL: it has, or it says nothing) */
    const char *train_refused;
    /* network{ batch = B }: the default lanes of a batched model; 0: not batched (the run
     * config's batch is refused) */
    int batch;
    /* Steps [step, step + n) with one join of the step threads (docs/parallel.md "Joining
     * once per minimum delay"), NULL when the model needs a join every step; window: the
     * most steps of one call (the minimum delay in steps).  The step loop calls it for
     * windows within one interval [k window, (k + 1) window) that end at the exchange and
     * finite-check boundaries; step does the same one step at a time. */
    void (*steps)(snn_run *run, uint64_t step, uint32_t n);
    uint32_t window;
    /* The work per step, estimated by the compiler before anything is built, that the run
     * config's 'blocks: auto' weighs (rt_main.c choose_blocks): neurons (and Poisson
     * current sources' targets), expected synapses acting per spike, expected synapses with
     * code every step; work_unknown: the first projection whose synapse count its rule
     * does not tell (files, user-defined rules without a bound), or NULL. */
    double work_neurons, work_events, work_dyn;
    const char *work_unknown;
} snn_model;

/* Spike times of spike_source_array population 'pop' (its name; n neurons) from the run
 * config's spike_times, if it names a file for it: *starts (n + 1 offsets) and *steps (the
 * step of each time, ascending per neuron, as the compiled-in arrays) then point to the
 * file's times; otherwise they stay as they are.  A bad file ends the run with snn_fatal naming
 * the file and line (or entry). */
void snn_spike_times_apply(snn_run *run, const char *pop, uint32_t n, double dt,
                           const uint64_t **starts, const uint32_t **steps);
/* The loader itself: 0, or -1 with a message in err. */
int snn_spike_times_load(const char *path, uint32_t n, double dt, uint64_t **starts,
                         uint32_t **steps, char *err, size_t errlen);

/* ---------------------------------------------------------------------------------------
 * Spike-pattern data sets (rt_dataset.c)
 *
 * A spike_source_dataset population presents the examples of the run config's data set one
 * after another: position j (the j-th example of the run's sequence, counted from the
 * config's start) occupies steps [(j - start) L, (j - start + 1) L), L the example length.
 * Position j is example order_e[j mod n] of epoch e = j / n (n examples): order_e is
 * 0 .. n-1 (sequential) or a Fisher-Yates shuffle drawn from (seed, e) (docs/run.md).
 * snn_dataset_apply reads and checks the data set, then fills the spike source arrays with
 * the spikes of the positions the run covers (steps as spike_source_array's, several spikes
 * of a channel in one step count once) and the label and example index of each position.
 * ------------------------------------------------------------------------------------- */

typedef struct snn_dataset_in {
    const uint64_t *starts;   /* n + 1: each neuron's spikes in steps[] */
    const uint32_t *steps;    /* ascending per neuron */
    int32_t *labels;          /* per position held (count) */
    uint32_t *examples;       /* per position held */
    uint32_t length;          /* L, steps per example */
    uint64_t count;           /* positions held: ceil(run steps / L) */
    uint64_t start;           /* position of step 0; a training loop's feed: the position
                               * it is for (rt_train_feed) */
} snn_dataset_in;

/* The data set of population 'pop' (n neurons, labels below 'classes') for this run; a
 * missing or bad data set ends the run with snn_fatal naming the file and the fault. */
void snn_dataset_apply(snn_run *run, const char *pop, uint32_t n, double dt, int classes,
                       snn_dataset_in *out);
/* The spike cursors of neurons [lo, lo + nl) (cursor[i] for neuron lo + i) set for step:
 * each neuron's first spike at or after it.  The lists and the labels are indexed by the
 * step from 0, so a restored run (built for its own duration) continues at the checkpoint's
 * step by this alone (snn_state_ds_cursor). */
void snn_dataset_seek(const uint64_t *starts, const uint32_t *steps, uint32_t lo, uint32_t nl,
                      uint64_t step, uint64_t *cursor);
/* The same for batch lane 'lane' of run->lanes: lane b of batch q (the q-th example of
 * the run) shows position start + q B + b; snn_dataset_apply is lane 0. */
void snn_dataset_apply_lane(snn_run *run, const char *pop, uint32_t n, double dt, int classes,
                            uint32_t lane, snn_dataset_in *out);

/* The data sets this run read (for run.json): population, example length, examples in
 * the data set, positions presented and the shuffle's seed. */
int snn_datasets_used(void);
void snn_dataset_used(int k, const char **pop, uint32_t *length, uint64_t *examples,
                      uint64_t *presented, uint64_t *seed);

/* A data set as read from its files (times in ms), for snn_dataset_apply and tests. */
typedef struct snn_dataset {
    uint64_t n_examples, n_spikes;
    double *times;      /* ms from the example's start */
    uint32_t *units;
    uint64_t *offsets;  /* n_examples + 1 */
    int32_t *labels;
} snn_dataset;
/* Read and check (units < n, labels < classes, times finite, >= 0 and sorted within each
 * example, lengths consistent): 0, or -1 with the message in err. */
int snn_dataset_read(const char *path, uint32_t n, int classes, snn_dataset *ds, char *err,
                     size_t errlen);
void snn_dataset_free(snn_dataset *ds);
/* IDX images and labels (gzip or plain; rt_idx.c), each image latency-coded: pixel p of
 * intensity x > thr spikes once at tau ln(x / (x - thr)) ms on channel p; the first 'limit'
 * examples (0: all); n must be rows x cols.  0, or -1 with the message in err. */
int snn_dataset_read_idx(const char *images, const char *labels, double tau, double thr,
                         uint64_t limit, uint32_t n, int classes, snn_dataset *ds, char *err,
                         size_t errlen);
/* Example of position j: epoch j / n, order sequential or shuffled from seed. */
/* The spikes of one lane of a batch (the training loop's feed, rt_train.c, calls it for
 * each lane): example ex[0] of ds (lanes: 1); its spikes at steps step0 + their step within
 * the example (fs[s], below len; one per channel and step), as a spike_source_array's
 * *starts (n + 1) and *steps (malloc'd). */
void snn_dataset_feed(const snn_dataset *ds, const uint64_t *fs, uint32_t n, uint32_t len,
                      const uint64_t *ex, int lanes, uint64_t step0, uint64_t **starts,
                      uint32_t **steps);
/* The step of spike time t (ms) within its example, as spike_source_array's: round(t / dt)
 * - 1, at least 0, into *step; -1 for a time beyond 2^32 - 1 steps (or NaN). */
int snn_dataset_step(double t, double dt, uint64_t *step);
/* The validation split (docs/run.md "Validation split"): of n examples with labels lab[],
 * hold out 'count' (1 .. n-1), stratified by label, drawn with SplitMix64 from 'seed'.
 * Writes the held-out examples ascending into val[0 .. count-1] and the others ascending
 * into rest[0 .. n-count-1].  0, or -1 (out of memory). */
int snn_dataset_split(uint64_t n, const int32_t *lab, uint64_t count, uint64_t seed,
                      uint64_t *val, uint64_t *rest);
uint64_t snn_dataset_example(uint64_t n_examples, int shuffle, uint64_t seed, uint64_t j,
                             uint64_t *order, uint64_t *order_epoch);

/* Parse argv (--config FILE, --time MS, --set k=v, --seed N, --output DIR, --quiet,
 * --help, --version), build, run, write outputs and the summary; return the exit code. */
int snn_main(int argc, char **argv, const snn_model *model);

#ifdef __cplusplus
}
#endif
#endif /* SNNRT_H */
