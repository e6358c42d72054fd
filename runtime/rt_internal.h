/*
 * rt_internal.h - helpers shared by the runtime's own .c files (not installed, not API).
 *
 * Everything here is static inline so that hot loops (the connectivity builder's weight
 * fill) can inline it; the public entry points in snnrt.h are thin wrappers.
 */
#ifndef SNNRT_INTERNAL_H
#define SNNRT_INTERNAL_H

#include "snnrt.h"

#include <math.h>

/* normal_clipped after a first draw out of [lo, hi]: redraws (attempts 1..999, counter
 * word 2 = attempt), snn_fatal after 1000 draws in all.  Out of line: rarely called. */
double rt_init_clipped_redraw(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t draw);
/* The same when the first attempt is known to lie out of bounds: attempts 1..999 only. */
double rt_init_clipped_after0(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t draw);

/* SplitMix64's finaliser: the 64-bit mix of the projection checksums (rt_conn.c's syn_hash,
 * rt_philox_batch.c's SIMD sum of it; the CUDA back end's snn_cb_mix is its device copy). */
static inline uint64_t rt_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* Philox blocks (seed key 'key', counter (first + b, c1, c2, c3)) for b in [0, nb): word q
 * of block b goes to wq[b].  SIMD (AVX-512 or AVX2, chosen at run time) where the CPU has
 * it, bit for bit snn_philox4x32_10 (rt_philox_batch.c). */
void rt_philox_batch(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2,
                     uint32_t c3, uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2,
                     uint32_t *w3);
/* Philox blocks with counter (c0, c1[b], c2v ? c2v[b] : c2, c3), b < nb (scattered rows
 * or synapses): word q of block b to wq[b]; SIMD as rt_philox_batch, bit for bit
 * snn_philox4x32_10. */
void rt_philox_gather(const uint32_t key[2], uint32_t c0, const uint32_t *c1,
                      const uint32_t *c2v, uint32_t c2, uint32_t c3, uint32_t nb, uint32_t *w0,
                      uint32_t *w1, uint32_t *w2, uint32_t *w3);
/* Standard normals from Philox words, two per block: out[2b] = a + s z(w0[b], w1[b]) and
 * out[2b + 1] = a + s z(w2[b], w3[b]), z the Ziggurat's fast path of snn_normal_from64,
 * for b in [0, nb); the indices t whose fast path fails or whose value is outside [lo, hi]
 * (or NaN) go to fix (ascending, at most 2 nb; their out[t] are to be redone by the
 * caller), with RT_FIX_SLOW or-ed in where the fast path failed (elsewhere out[t] is the
 * first attempt's value, out of bounds); returns their number.  SIMD where the CPU has
 * AVX2 (rt_philox_batch.c). */
#define RT_FIX_SLOW 0x80000000u
uint32_t rt_normal_pairs(const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                         const uint32_t *w3, uint32_t nb, double a, double s, double lo,
                         double hi, double *out, uint32_t *fix);
/* Delays in steps, d[t] = max(1, llround(ms[t] / dt)) (rt_conn.c's delay_steps), for t up
 * to the first with !(ms[t] / dt < lim), whose index it returns (n when none); SIMD with
 * AVX2 (rt_philox_batch.c). */
uint32_t rt_delay_steps(const double *ms, uint32_t n, double dt, double lim, uint16_t *d);
/* The sum (mod 2^64) of rt_conn.c's synapse hashes for n entries e = (s, j) pairs with
 * float weight bits w and 1-byte delays d (dtab[d] = dmix(d)); SIMD with AVX2
 * (rt_philox_batch.c). */
uint64_t rt_syn_hash_sum(const uint32_t *e, const uint32_t *w, const uint8_t *d,
                         const uint64_t *dtab, uint32_t n);
/* For tests: use at most 'level' (0 scalar, 1 AVX2, 2 AVX-512; -1 the best there is);
 * returns the level that will be used. */
int rt_philox_batch_level(int level);

/* The bytes of sources that the snn_ragged_build calls running at once may keep between
 * their passes for user pair rules (rt_conn.c); tests lower it to check the path that
 * generates columns twice. */
extern uint64_t rt_column_cache_bytes;
/* 1: the synapse arrays on 4 KiB pages (run config synapse_pages: small; rt_conn.c) */
extern int rt_synapse_small_pages;

/* Blocks per rt_philox_batch call in the fill loops (4 arrays of this many words). */
#define RT_BATCH 64u

/* Uniform in (0, 1) from two words, bit for bit snn_rng_uniform; an initialiser's value
 * from two words (snnrt.h: shared with device code). */
#define rt_u53 snn_init_u53
#define rt_init_from2 snn_init_from2

/* The value of initialiser 'init' for element 'elem', independent draw 'draw'.
 *
 * Every kind but CONSTANT takes one 64-bit draw: words 2 (draw & 1) and 2 (draw & 1) + 1
 * of the Philox block (seed, init->stream) with counter (draw >> 1, elem, 0, seed >> 32),
 * so draws 2k and 2k + 1 share block k and different draws never share words.  The normal
 * kinds are the Ziggurat of snn_normal_from64 on those two words (its rare fallback blocks
 * lie off every stream).  NORMAL_CLIPPED's redraws r = 1, 2, ... take the same words of
 * the block with counter word 2 (the step word, 0 for the first attempt) = r, so they
 * stay off the blocks of other draws. */
static inline double rt_init_eval(const snn_init *init, uint64_t seed, uint32_t elem,
                                  uint32_t draw)
{
    if (init->kind == SNN_INIT_CONSTANT)
        return init->a;
    if (init->kind == SNN_INIT_CODE)
        return init->code(seed, init->stream, elem, draw);
    const uint32_t key[2] = {(uint32_t)seed, init->stream};
    const uint32_t h = 2u * (draw & 1u);
    uint32_t ctr[4] = {draw >> 1, elem, 0, (uint32_t)(seed >> 32)}, w[4];
    snn_philox4x32_10(ctr, key, w);
    double x = rt_init_from2(init, key, w[h], w[h + 1], ctr[0], elem, 0, ctr[3], draw);
    if (init->kind != SNN_INIT_NORMAL_CLIPPED || (x >= init->lo && x <= init->hi))
        return x;
    return rt_init_clipped_redraw(init, seed, elem, draw);
}

/* out[t] = rt_init_eval(init, seed, elem, t) for t in [0, n): one column's (or row's) values
 * with the kind tested once per batch and the Philox blocks (block t >> 1 for values t and
 * t + 1) computed RT_BATCH at a time by rt_philox_batch. */
static inline void rt_init_fill(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t n,
                                double *out)
{
    const double a = init->a, b = init->b;
    if (init->kind == SNN_INIT_CONSTANT) {
        for (uint32_t t = 0; t < n; t++)
            out[t] = a;
        return;
    }
    if (init->kind == SNN_INIT_CODE) {
        for (uint32_t t = 0; t < n; t++)
            out[t] = init->code(seed, init->stream, elem, t);
        return;
    }
    const uint32_t key[2] = {(uint32_t)seed, init->stream};
    const uint32_t shi = (uint32_t)(seed >> 32);
    uint32_t w0[RT_BATCH], w1[RT_BATCH], w2[RT_BATCH], w3[RT_BATCH];
    uint32_t t0 = 0;
    while (n - t0 >= 2) {
        const uint32_t blk0 = t0 >> 1;
        const uint32_t nb = (n - t0) / 2 < RT_BATCH ? (n - t0) / 2 : RT_BATCH;
        double *o = out + t0;
        rt_philox_batch(key, blk0, elem, 0, shi, nb, w0, w1, w2, w3);
        switch (init->kind) {
        case SNN_INIT_UNIFORM:
            for (uint32_t q = 0; q < nb; q++) {
                o[2 * q] = a + (b - a) * rt_u53(w0[q], w1[q]);
                o[2 * q + 1] = a + (b - a) * rt_u53(w2[q], w3[q]);
            }
            break;
        case SNN_INIT_NORMAL:
        case SNN_INIT_NORMAL_CLIPPED: {
            /* the Ziggurat's fast path and the bounds test in SIMD (rt_normal_pairs); the
             * values it cannot settle (0.7 % fallbacks, values out of bounds) are redone
             * here by the scalar code, which gives every value bit for bit */
            const int clip = init->kind == SNN_INIT_NORMAL_CLIPPED;
            uint32_t fix[2 * RT_BATCH];
            const uint32_t nf = rt_normal_pairs(w0, w1, w2, w3, nb, a, b,
                                                clip ? init->lo : -INFINITY,
                                                clip ? init->hi : INFINITY, o, fix);
            for (uint32_t k = 0; k < nf; k++) {
                const uint32_t t = fix[k] & ~RT_FIX_SLOW;
                if (fix[k] & RT_FIX_SLOW) { /* the Ziggurat's rest, from the same words */
                    const uint32_t q = t >> 1, h = 2u * (t & 1u);
                    const uint64_t m = h ? ((uint64_t)w2[q] << 32) | w3[q]
                                         : ((uint64_t)w0[q] << 32) | w1[q];
                    const double y =
                        a + b * snn_normal_from64(m, key, blk0 + q, elem, 0, shi, h + 1);
                    o[t] = !clip || (y >= init->lo && y <= init->hi)
                               ? y
                               : rt_init_clipped_after0(init, seed, elem, t0 + t);
                } else { /* out of bounds (or NaN): the redraws */
                    o[t] = clip ? rt_init_clipped_after0(init, seed, elem, t0 + t)
                                : rt_init_eval(init, seed, elem, t0 + t);
                }
            }
            break;
        }
        case SNN_INIT_LOGNORMAL:
            for (uint32_t q = 0; q < nb; q++) {
                o[2 * q] = exp(a + b * snn_normal_from64(((uint64_t)w0[q] << 32) | w1[q], key,
                                                         blk0 + q, elem, 0, shi, 1));
                o[2 * q + 1] = exp(a + b * snn_normal_from64(((uint64_t)w2[q] << 32) | w3[q],
                                                             key, blk0 + q, elem, 0, shi, 3));
            }
            break;
        case SNN_INIT_EXPONENTIAL:
        default:
            for (uint32_t q = 0; q < nb; q++) {
                o[2 * q] = a * -log(rt_u53(w0[q], w1[q]));
                o[2 * q + 1] = a * -log(rt_u53(w2[q], w3[q]));
            }
            break;
        }
        t0 += 2 * nb;
    }
    if (t0 < n) /* odd n: the last value, from the first half of its block */
        out[t0] = rt_init_eval(init, seed, elem, t0);
}

/* Connectivity from data (rt_data.c): the synapses onto targets [lo, lo + n_cols) as
 * columns: column c's sources are src[start[c] .. start[c + 1]) (ascending, repeated
 * pairs in file order), with their weights (w) and delays in ms (dms) where the data give
 * them.  maxcol: the longest column. */
typedef struct rt_list {
    uint32_t lo, n_cols, maxcol;
    uint64_t *start;
    uint32_t *src;
    double *w, *dms;
    int has_w, has_d;
} rt_list;
void rt_list_load(const snn_proj_spec *spec, uint32_t lo, uint32_t hi, rt_list *out);
void rt_list_free(rt_list *l);

/* ---- step threads (rt_pool.c) ------------------------------------------------------- */

/* The pool of step threads: n workers, the calling thread included (idempotent for fewer). */
void rt_pool_start(int n);
void rt_pool_stop(void);
/* rt_conn.c: free the calling thread's work buffers of snn_conn_row (a step thread ends). */
void rt_conn_thread_release(void);
/* blocks_stolen: blocks of claimed regions run by a worker other than their share's
 * (a late or slow worker's, snn_step_blocks) */
void rt_pool_stats(uint64_t *regions, uint64_t *master_sleeps, uint64_t *worker_sleeps,
                   uint64_t *blocks_stolen);
/* The wall time of the regions run on more than one step thread, and each worker's time in
 * its share of them (n workers, at most RT_POOL_BUSY_MAX; worker 0 is the master): a
 * worker's wait at the joins is region_s - busy[w] (run.json step_probe). */
#define RT_POOL_BUSY_MAX 1024
void rt_pool_busy(double *region_s, int *n, const double **busy);

/* The choice of run->step_threads (run.json "parallel"). */
typedef struct rt_step_info {
    const char *mode;      /* "forced", "one block", "auto" */
    int blocks;            /* thread blocks (run config threads) */
    int threads;           /* step threads of the last choice */
    double t1, tw;         /* seconds per step of the last probe on 1 and on W threads (-1: none) */
    double ratio;          /* its median of threaded turns against one-thread neighbours (-1) */
    double c1;             /* CPU seconds per step of the last probe's one-thread stage */
    double cj;             /* the same per join of the step threads (c1 x the window) */
    int probes, switches;  /* probes done; changes of the choice */
    uint64_t steps_threaded; /* steps run on more than one thread */
    uint64_t regions, master_sleeps, worker_sleeps; /* pool: regions run, futex waits */
    uint64_t blocks_stolen;  /* pool: blocks run outside their worker's share */
    int run_checks, run_losses; /* running checks of the threads (auto), and those lost */
    int run_trials;          /* threaded stretches tried after a lost check (no probe) */
    double run_ratio;        /* the last: regions' wall time / one thread's estimate (-1) */
    uint32_t window;         /* steps between joins at most (1: a join every step) */
    double probe_cost_s;     /* the probes' steps on the losing side x the difference that decided */
    double probe_cost_max_s; /* the largest of one probe */
    double others_running;   /* the last probe's stage 1: other processes' runnable tasks
                                (mean of its samples; -1: not read) */
    int by_check;            /* the last choice of threads left to the running check */
} rt_step_info;
/* After construction (run->blocks set): forced > 0 is the run config's step_threads. */
void rt_steps_begin(snn_run *run, const char *name, int forced, int verbose);
/* 1 while the steps are being timed (the caller then passes each step's time) */
int rt_steps_timing(void);
void rt_steps_after(snn_run *run, uint64_t step, double dt, double cpu);
/* After a window of n steps ending with step 'last' (dt, cpu: the window's times). */
void rt_steps_after_n(snn_run *run, uint64_t last, uint32_t n, double dt, double cpu);
/* The steps between joins the step loop uses (1: a join every step), for run.json. */
void rt_steps_window(uint32_t w);
double rt_thread_cpu(void);
/* The MPI ranks on this node (rt_par_local_ranks, a collective call made once at start),
 * for the probe's count of free cores. */
void rt_pool_set_local_ranks(int n);
const rt_step_info *rt_steps_info(void);
/* rt_config.c: the custom-update groups' schedules (model defaults, then the run config's
 * custom_updates) into run; 0, or -1 with a message naming the config line in err. */
/* The Levenshtein distance of a and b (at most 255 characters each, else SIZE_MAX): the
 * did-you-mean hints of the run config and the training loop (rt_config.c). */
size_t snn_edit_distance(const char *a, const char *b);

/* Format a message into err (errlen bytes) and return -1: the loaders' error path
 * (rt_util.c). */
int snn_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

int snn_config_cu_apply(const snn_config *cfg, const snn_model *m, snn_run *run, char *err,
                        size_t errlen);

#endif /* SNNRT_INTERNAL_H */
