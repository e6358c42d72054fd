/*
 * snn_cuda.h - the CUDA back end's runtime (libsnnrt_cuda.a, runtime/cuda/rt_cuda.cu) and
 * what a generated <model>.cu shares with it (docs/cuda.md, "The CUDA runtime library").
 *
 * C++ for nvcc (or g++ with the CPU stand-in of tests/cuda/emu).  The library holds the
 * model-independent device code, compiled once: construction of sparse projections on
 * the device (snn_cu_build, snn_cu_build_columns: the kernels snn_k_cbuild, snn_k_segsort,
 * snn_k_cfinish, snn_k_ccols, snn_k_cpre and their host side), device memory (snn_cu_alloc),
 * copies of the host state (snn_cu_array, snn_cu_ragged, snn_cu_columns), state recording
 * rows (snn_vrb_*), phase timers and error checking (SNN_CU).  Small device helpers that the generated kernels call (the
 * procedural rows below) are templates in this header, so they are inlined into the
 * model's kernels without relocatable device code.  A model whose projections built on the
 * device draw weights or delays from initialiser{} code instantiates the construction
 * kernels with its own code (snn_cb_build_body<C>, snn_cb_finish_body<C>) and hands their
 * launcher to the library (snn_cb_code_launch); the library's own instances have none.
 */
#ifndef SNN_CUDA_H
#define SNN_CUDA_H

#include <cuda_runtime.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

#include "snnrt.h"

#ifndef SNN_BLOCK
#define SNN_BLOCK 256 /* threads per block (a multiple of 32) */
#endif

/* Every CUDA call checked: file, line and the call in the message. */
#define SNN_CU(call) snn_cu_check((call), #call, __FILE__, __LINE__)
void snn_cu_check(cudaError_t e, const char *what, const char *file, int line);

/* The device (set by the model's snn_cu_setup) and the bytes allocated on it. */
extern cudaDeviceProp snn_prop;
extern uint32_t snn_grid;      /* blocks of the grid-stride kernels */
extern uint64_t snn_dev_bytes; /* allocated on the device */

/* Device memory, counted in snn_dev_bytes; out of memory stops the run naming 'what'. */
void *snn_cu_alloc(size_t bytes, const char *what);
/* A copy of host[0, bytes) on the device (zeros when host is NULL). */
void *snn_cu_copy(const void *host, size_t bytes, const char *what);
void snn_cu_free(void *p, size_t bytes);

/* The simulator's stream (created by the model's snn_cu_setup). */
extern cudaStream_t snn_stream;

/* Phase timers: CUDA events around the kernels of one step in this many. */
#define SNN_TIMER_EVERY 64u
#define SNN_TIMER_RING 64u
/* timers: the whole run, and the phases of every SNN_TIMER_EVERY-th step */
enum { SNN_PH_START, SNN_PH_PROPAGATE, SNN_PH_UPDATE, SNN_PH_PLASTICITY, SNN_PH_END, SNN_PH_N };
extern cudaEvent_t snn_ev_run[2];
extern cudaEvent_t snn_ev[SNN_TIMER_RING][SNN_PH_N];
extern uint32_t snn_ev_head, snn_ev_count;
extern double snn_phase_ms[SNN_PH_N];
extern uint64_t snn_sampled;
/* Phase timings of sampled steps whose events have completed (all when 'all'). */
void snn_collect_timers(int all);

/* A device copy of a host array or value (snn_cu_mirror, generated per model). */
typedef struct snn_mirror {
    void *dev;         /* device copy */
    size_t bytes;
    const void *host;  /* host array it copies */
    snn_ragged rows;   /* MIR_RAGGED: the device arrays */
    snn_columns cols;  /* MIR_COLUMNS: the device arrays */
} snn_mirror;
/* An array: allocated on the first copy, copied again on later ones. */
void *const *snn_cu_array(snn_mirror *mm, const void *host, size_t bytes, const char *what);
void snn_cu_value(size_t bytes, size_t want, const char *what);
/* A projection's rows (built on the device already, or copied; nothing for procedural,
 * the matrix for dense) and its column view, with their device arrays in mm. */
snn_ragged snn_cu_ragged(snn_mirror *mm, const snn_ragged *h, const char *what, uint32_t *maxlen,
                         int proj);
snn_columns snn_cu_columns(snn_mirror *mm, const snn_columns *h, const char *what, int proj);
/* The device rows d (a mirror's) into the host's h, allocating h's arrays if it has none
 * (synapse recordings); h->n_syn becomes their count. */
void snn_cu_rows_to_host(const snn_ragged *d, snn_ragged *h);
/* The other way (a checkpoint restored: rewired rows): the row lengths, targets, weights
 * and delays of the host's h into the device arrays of d (the row starts are the same). */
void snn_cu_rows_to_device(const snn_ragged *h, const snn_ragged *d);

/* state recordings: rows on the device (snn_copy_state) */
typedef struct snn_vrbuf {
    char *dev, *host;
    uint64_t *step;
    size_t bytes;
    uint32_t cap, n;
} snn_vrbuf;
extern snn_vrbuf *snn_vrb; /* n_varrecs + 1 of them (snn_cu_lib_init) */
void snn_vrb_flush(snn_run *run, int k);
void snn_vrb_flush_all(snn_run *run);
void snn_vrb_alloc(int k, const snn_mirror *mm, size_t bytes);
void snn_copy_state(snn_run *run, int k, const snn_mirror *mm, uint64_t step);

/* Lanes over MPI ranks (docs/cuda.md "Batch lanes over ranks"): a batch reduction's terms
 * on the device, the rank's lanes' rows of n doubles each (terms, lane-major), to the host,
 * gathered from every rank and reduced per element in the batch's lane order
 * (snn_lanes_reduce, libsnnrt: the C back end's additions), rounded once into the device
 * array var (n values of scalar_bytes each).  Returns 0, doing nothing, when the lanes are
 * not split over ranks (the caller reduces on the device). */
static inline int snn_lanes_split(const snn_run *run)
{
    return run->lanes_all > run->lanes;
}
int snn_cu_lanes_reduce(snn_run *run, int slot, const double *terms, uint64_t n, int max,
                        void *var, size_t scalar_bytes);

/* Construction on the device (snn_cu_build): per projection, where its rows were built
 * (0: on the host, as compiled; 1: on the GPU; 2: on the host because the device builder
 * declined at run time, snn_built_why says why), the device rows, and with
 * SNN_CUDA_CONSTRUCT=check the comparison with a host build (1 identical, 2 differ).
 * Arrays of n_projs + 1 entries, allocated by snn_cu_lib_init (with the model's number of
 * state recordings, its time step and steps per recording block). */
void snn_cu_lib_init(int n_projs, int n_varrecs, double dt, uint32_t rec_block);
extern int *snn_built_on;
extern const char **snn_built_why;
extern int *snn_built_check;
extern snn_ragged *snn_built;
extern snn_columns *snn_built_cols; /* column views built from them */

namespace snn_dev {

/* ---- format = "procedural": libsnnrt's rows (snn_conn_row) regenerated on the GPU ------ */

#define SNN_FULL_WARP 0xffffffffu

/* fixed_probability, 0 < p < 1: row i holds target j with probability p, by geometric skips
 * over the targets: draw d (a 53-bit uniform u_d from words 2 (d & 1), 2 (d & 1) + 1 of
 * block d >> 1 of the stream (seed, stream, element i, step 0)) moves the position, from -1,
 * by floor(log(u_d) / log(1 - p)) + 1, until it reaches 'end'; without autapses (excl) a
 * position equal to i is skipped.  A warp per row: each lane computes one Philox block (two
 * draws) per round and a warp scan adds the skips, 64 positions a round.  The skips are
 * whole numbers, so their sums are exact in any order (below 2^53; a sum that contains a
 * larger skip is past the end whatever the rounding): the positions are the host's, bit for
 * bit.  deliver(j, t): target j, the row's t-th target (its weight is draw t). */
template <class F>
static __device__ __forceinline__ void snn_row_probability(uint64_t seed, uint32_t stream,
                                                           uint32_t i, uint32_t end, double ilq,
                                                           bool excl, uint32_t lane, F deliver)
{
    const uint32_t key[2] = {(uint32_t)seed, stream};
    const double fend = (double)end, fi = (double)i;
    double carry = -1.0; /* position of the round's last draw */
    bool hit = false;    /* a draw has landed on i (excl) */
    for (uint32_t blk = 0;; blk += 32u) {
        const uint32_t ctr[4] = {blk + lane, i, 0u, (uint32_t)(seed >> 32)};
        uint32_t w[4];
        snn_philox4x32_10(ctr, key, w);
        const double s0 = floor(log(snn_init_u53(w[0], w[1])) * ilq) + 1.0;
        const double s1 = floor(log(snn_init_u53(w[2], w[3])) * ilq) + 1.0;
        double x = s0 + s1; /* inclusive scan of the lanes' sums */
        for (uint32_t o = 1; o < 32u; o <<= 1) {
            const double y = __shfl_up_sync(SNN_FULL_WARP, x, o);
            if (lane >= o)
                x += y;
        }
        double before = __shfl_up_sync(SNN_FULL_WARP, x, 1u);
        if (lane == 0)
            before = 0.0;
        const double p0 = (carry + before) + s0, p1 = p0 + s1; /* additions only */
        const bool v0 = p0 < fend, v1 = p1 < fend;
        const unsigned self = __ballot_sync(SNN_FULL_WARP, excl && ((v0 && p0 == fi) || (v1 && p1 == fi)));
        hit = hit || self != 0u;
        const uint32_t d = 2u * (blk + lane); /* draws d and d + 1 */
        if (v0) {
            const uint32_t j = (uint32_t)p0;
            if (!(excl && j == i))
                deliver(j, d - (uint32_t)(hit && j > i));
        }
        if (v1) {
            const uint32_t j = (uint32_t)p1;
            if (!(excl && j == i))
                deliver(j, d + 1u - (uint32_t)(hit && j > i));
        }
        carry = __shfl_sync(SNN_FULL_WARP, p1, 31);
        if (!(carry < fend))
            return;
    }
}

/* Block-wide bitonic sort of key[0, n), n a power of 2 (the caller synchronised after
 * writing the keys; synchronised when it returns).  A template: no code unless used. */
template <class K> static __device__ void snn_block_sort(K *key, uint32_t n)
{
    for (uint32_t size = 2; size <= n; size <<= 1)
        for (uint32_t stride = size >> 1; stride > 0; stride >>= 1) {
            for (uint32_t x = threadIdx.x; x < n / 2u; x += blockDim.x) {
                const uint32_t a = 2u * x - (x & (stride - 1u)), b = a + stride;
                const K ka = key[a], kb = key[b];
                if ((ka > kb) == ((a & size) == 0u)) {
                    key[a] = kb;
                    key[b] = ka;
                }
            }
            __syncthreads();
        }
}

/* fixed_outdegree: row i is k calls of below(n_q) on the stream (seed, stream, element i)
 * (Lemire's multiply-shift, a word redrawn on rejection), n_q = avail with multapses; without,
 * Floyd's rule: n_q = avail - k + q + 1, and a draw r_q already taken is replaced by
 * avail - k + q; the targets are then sorted and, without autapses (excl), those >= i move
 * up by one (libsnnrt's outdegree_row).  A block per row:
 *  1. call q takes word q unless an earlier call rejected its word (one word in 10^5 or
 *     less): all words are drawn at once; after a rejection one thread repeats the calls in
 *     order, as the host does;
 *  2. Floyd in parallel: r_q is taken before call q iff it equals an earlier r (found by
 *     sorting the pairs (r, q)) or it is avail - k + q' for an earlier q' whose draw was
 *     taken (a chain descending in q');
 *  3. with per-synapse weights (ranked) the targets are sorted for their positions t.
 * scr: 8 kp + 5 k + 8 bytes (kp the power of 2 >= k), shared or the block's own global
 * memory.  deliver(j, t) for each of the k targets (t: position in the sorted row; only
 * meaningful when ranked). */
template <class F>
static __device__ void snn_row_outdegree(uint64_t seed, uint32_t stream, uint32_t i, uint32_t k,
                                         uint32_t avail, bool multapses, bool excl, bool ranked,
                                         uint64_t *scr, uint32_t kp, F deliver)
{
    uint64_t *key = scr;
    uint32_t *r = (uint32_t *)(scr + kp);
    uint8_t *taken = (uint8_t *)(r + k);
    __shared__ uint32_t snn_rejected;
    const uint32_t base = avail - k; /* Floyd: call q draws below base + q + 1 */
    if (threadIdx.x == 0)
        snn_rejected = 0;
    __syncthreads();
    const uint32_t kw[2] = {(uint32_t)seed, stream};
    for (uint32_t b = threadIdx.x; b < (k + 3u) / 4u; b += blockDim.x) {
        const uint32_t ctr[4] = {b, i, 0u, (uint32_t)(seed >> 32)};
        uint32_t w[4];
        snn_philox4x32_10(ctr, kw, w);
        for (uint32_t c = 0; c < 4u && 4u * b + c < k; c++) {
            const uint32_t q = 4u * b + c, nq = multapses ? avail : base + q + 1u;
            const uint64_t m = (uint64_t)w[c] * nq;
            if ((uint32_t)m < nq && (uint32_t)m < (0u - nq) % nq)
                snn_rejected = 1u;
            r[q] = (uint32_t)(m >> 32);
        }
    }
#ifdef SNN_TEST_SEQUENTIAL_ROWS /* tests: every row by the sequential path */
    snn_rejected = 1u;
#endif
    __syncthreads();
    if (snn_rejected) { /* block-uniform; rare */
        if (threadIdx.x == 0) {
            snn_rng g;
            snn_rng_init(&g, seed, stream, i, 0);
            for (uint32_t q = 0; q < k; q++)
                r[q] = snn_rng_below(&g, multapses ? avail : base + q + 1u);
        }
        __syncthreads();
    }
    if (!multapses) {
        for (uint32_t p = threadIdx.x; p < kp; p += blockDim.x)
            key[p] = p < k ? (uint64_t)r[p] << 32 | p : ~0ull;
        __syncthreads();
        snn_block_sort(key, kp);
        for (uint32_t p = threadIdx.x; p < k; p += blockDim.x)
            taken[(uint32_t)key[p]] = p > 0 && key[p - 1] >> 32 == key[p] >> 32;
        __syncthreads();
    }
    for (uint32_t q = threadIdx.x; q < kp; q += blockDim.x) {
        if (q >= k) {
            key[q] = ~0ull;
            continue;
        }
        uint32_t c = r[q];
        if (!multapses) {
            uint32_t x = q;
            for (;;) {
                if (taken[x]) { /* r_x was drawn before: x took base + x */
                    c = base + q;
                    break;
                }
                if (r[x] >= base && r[x] - base < x) { /* r_x = base + x': taken iff x' was */
                    x = r[x] - base;
                    continue;
                }
                break;
            }
        }
        c += (uint32_t)(excl && c >= i);
        key[q] = (uint64_t)c << 32 | q;
    }
    __syncthreads();
    if (ranked)
        snn_block_sort(key, kp);
    for (uint32_t p = threadIdx.x; p < k; p += blockDim.x)
        deliver((uint32_t)(key[p] >> 32), p);
    __syncthreads(); /* the scratch is the next row's */
}
/* ---- construction on the device (snn_cu_build) ------------------------------------------
 * Sparse projections are built here with libsnnrt's rules and streams (rt_conn.c), so the
 * rows are snn_ragged_build's bit for bit:
 *   pass 0 (count)  every column (the targets [lo, hi) of this rank) is generated as the host
 *                   generates it, each synapse counted into its source's row (atomicAdd);
 *                   the host then takes the row starts (a scan of n_pre lengths);
 *   pass 1 (fill)   the columns again: each synapse takes the next free entry of its row
 *                   (atomicAdd, so in no particular order) and writes there the key
 *                   (delay, target, draw index): the order the host's row has;
 *   sort            a block per row sorts its keys (bitonic, in place);
 *   finish          a warp per row: target index, weight and delay of each entry from its
 *                   key (the initialisers are functions of (element, draw)), the checksum
 *                   terms of rt_conn.c summed with atomicAdd, the longest delay.
 * Column j of all_to_all, one_to_one and fixed_probability: a thread (fixed_probability:
 * the host's geometric skips, in the same order); of fixed_indegree and fixed_total: a
 * block, by snn_row_outdegree (the same draws as the host's draw_sources, in draw order);
 * fixed_outdegree: a block per row (snn_row_outdegree, ranked as the host's sorted row).
 * The kernels' bodies are templates on C, whose C::code(proj, what, seed, stream, elem,
 * draw) gives initialiser{} values of projection proj's weights (what 0) or delays (what 1). */
typedef struct snn_cb {
    int proj;                 /* projection index */
    int kind;                 /* snn_conn_kind; -1: no synapses */
    uint32_t n_pre, n_post, lo, hi;
    int same_excl;            /* same population without autapses */
    int multapses;
    uint32_t k;
    const uint32_t *counts;   /* fixed_total: per target (global index) */
    double ilq;               /* fixed_probability: 1 / log1p(-p), from the host's libm */
    uint32_t stream;
    uint64_t seed;
    snn_init winit, dinit;
    int wb, db, ib;           /* bytes of a weight (0: none), a delay (0: none), an index */
    int dconst;               /* constant delay: dsteps */
    uint32_t dsteps, dmax;
    double dt;
    int by_delay;             /* rows ordered by (delay, target, draw) */
    uint32_t tb, jb;          /* bits of the draw index and of the target in a key */
    const uint64_t *row_start;
    uint32_t *row_len, *cursor;
    uint64_t *key;
    void *ind, *weight, *delay;
    unsigned long long *flags; /* checksum, near ties of log, invalid values, longest delay */
    uint64_t *scr;
    uint32_t scr_words;
} snn_cb;


/* Delay in steps of synapse (elem, t): max(1, llround(ms / dt)) as rt_conn.c's
 * delay_steps; *bad when it is NaN, out of range or no normal_clipped value was found (the
 * host then builds the projection and reports it). */
template <class C>
static __device__ uint32_t snn_cb_delay(const snn_cb &b, uint32_t elem, uint32_t t, bool *bad)
{
    if (b.dconst)
        return b.dsteps;
    int ok = 1;
    const double ms = b.dinit.kind == SNN_INIT_CODE
                          ? C::code(b.proj, 1, b.seed, b.dinit.stream, elem, t)
                          : snn_init_eval(&b.dinit, b.seed, elem, t, &ok);
    const double x = ms / b.dt;
    if (!ok || !(x < (double)b.dmax + 0.5)) {
        *bad = true;
        return 1u;
    }
    return x < 1.5 ? 1u : (uint32_t)(x + 0.5);
}

/* Synapse src -> tgt, draw t of element elem: counted (pass 0) or keyed into its row. */
template <class C>
static __device__ __forceinline__ void snn_cb_put(const snn_cb &b, int pass, uint32_t src,
                                                  uint32_t tgt, uint32_t elem, uint32_t t)
{
    if (pass == 0) {
        atomicAdd(&b.row_len[src], 1u);
        return;
    }
    const uint64_t pos = b.row_start[src] + atomicAdd(&b.cursor[src], 1u);
    uint64_t key = (uint64_t)(tgt - b.lo) << b.tb | t;
    if (b.by_delay) {
        bool bad = false;
        key |= (uint64_t)snn_cb_delay<C>(b, elem, t, &bad) << (b.tb + b.jb);
        if (bad)
            atomicAdd(&b.flags[2], 1ull);
    }
    b.key[pos] = key;
}

/* Pass 0 or 1: every column of [lo, hi) (fixed_outdegree: every row), as rt_conn.c's
 * column() and outdegree_row() generate them. */
template <class C> static __device__ __forceinline__ void snn_cb_build_body(const snn_cb &b, int pass)
{
    const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x, nth = gridDim.x * blockDim.x;
    const uint32_t nl = b.hi - b.lo;
    uint64_t *scr = b.scr ? b.scr + (size_t)blockIdx.x * b.scr_words : NULL;
    switch (b.kind) {
    case SNN_CONN_ONE_TO_ONE:
        for (uint32_t x = tid; x < nl; x += nth)
            if (b.lo + x < b.n_pre)
                snn_cb_put<C>(b, pass, b.lo + x, b.lo + x, b.lo + x, 0u);
        return;
    case SNN_CONN_ALL_TO_ALL: /* also fixed_probability with p >= 1 */
        for (uint64_t x = tid; x < (uint64_t)nl * b.n_pre; x += nth) {
            const uint32_t j = b.lo + (uint32_t)(x / b.n_pre), i = (uint32_t)(x % b.n_pre);
            const bool excl = b.same_excl && j < b.n_pre;
            if (excl && i == j)
                continue;
            snn_cb_put<C>(b, pass, i, j, j, i - (uint32_t)(excl && i > j));
        }
        return;
    case SNN_CONN_FIXED_PROBABILITY: /* 0 < p < 1: geometric skips over the sources */
        for (uint32_t x = tid; x < nl; x += nth) {
            const uint32_t j = b.lo + x;
            const bool excl = b.same_excl && j < b.n_pre;
            snn_rng g;
            snn_rng_init(&g, b.seed, b.stream, j, 0);
            double pos = -1.0;
            const double end = (double)b.n_pre;
            uint32_t n = 0;
            for (;;) {
                const double y = log(snn_rng_uniform(&g)) * b.ilq;
                const double skip = floor(y);
                /* y within 2^-48 y of a whole number >= 1: glibc's log, 1 ulp away from
                 * this one, could give the other side (pass 0 counts these) */
                if (pass == 0 && ((skip >= 1.0 && y - skip <= y * 0x1p-48) ||
                                  skip + 1.0 - y <= y * 0x1p-48))
                    atomicAdd(&b.flags[1], 1ull);
                pos += skip + 1.0;
                if (pos >= end)
                    break;
                const uint32_t i = (uint32_t)pos;
                if (excl && i == j)
                    continue;
                snn_cb_put<C>(b, pass, i, j, j, n++);
            }
        }
        return;
    case SNN_CONN_FIXED_INDEGREE:
    case SNN_CONN_FIXED_TOTAL: /* a block per column (block-uniform loop) */
        for (uint32_t x = blockIdx.x; x < nl; x += gridDim.x) {
            const uint32_t j = b.lo + x;
            const bool excl = b.same_excl && j < b.n_pre;
            const uint32_t k = b.kind == SNN_CONN_FIXED_TOTAL ? b.counts[j] : b.k;
            const uint32_t avail = excl ? b.n_pre - 1u : b.n_pre;
            if (k == 0u || avail == 0u)
                continue;
            uint32_t kp = 1;
            while (kp < k)
                kp <<= 1;
            snn_row_outdegree(b.seed, b.stream, j, k, avail, b.multapses != 0, excl, false, scr,
                              kp, [&](uint32_t src, uint32_t t) { snn_cb_put<C>(b, pass, src, j, j, t); });
        }
        return;
    case SNN_CONN_FIXED_OUTDEGREE: /* a block per row; the row's local targets */
        for (uint32_t i = blockIdx.x; i < b.n_pre; i += gridDim.x) {
            const bool excl = b.same_excl && i < b.n_post;
            const uint32_t avail = excl ? b.n_post - 1u : b.n_post;
            if (b.k == 0u || avail == 0u)
                continue;
            uint32_t kp = 1;
            while (kp < b.k)
                kp <<= 1;
            snn_row_outdegree(b.seed, b.stream, i, b.k, avail, b.multapses != 0, excl, true, scr,
                              kp, [&](uint32_t tgt, uint32_t t) {
                                  if (tgt >= b.lo && tgt < b.hi)
                                      snn_cb_put<C>(b, pass, i, tgt, i, t);
                              });
        }
        return;
    default:
        return;
    }
}

static __device__ __forceinline__ uint64_t snn_cb_mix(uint64_t x) /* rt_conn.c's mix64 */
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* The entries from their keys, a warp per row; the checksum as rt_conn.c's syn_hash. */
template <class C> static __device__ __forceinline__ void snn_cb_finish_body(const snn_cb &b)
{
    const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x, nth = gridDim.x * blockDim.x;
    const uint32_t lane = threadIdx.x & 31u, warp = tid >> 5, nwarps = nth >> 5;
    const uint64_t tmask = b.tb ? ~0ull >> (64u - b.tb) : 0ull;
    const uint64_t jmask = b.jb ? ~0ull >> (64u - b.jb) : 0ull;
    const uint64_t h0 = snn_cb_mix(0x9e3779b97f4a7c15ull); /* wbits_mix(0) */
    unsigned long long sum = 0, dmax = 0, bad = 0;
    for (uint32_t i = warp; i < b.n_pre; i += nwarps) {
        const uint64_t s0 = b.row_start[i];
        const uint32_t n = b.row_len[i];
        for (uint32_t q = lane; q < n; q += 32u) {
            const uint64_t pos = s0 + q, key = b.key[pos];
            const uint32_t t = (uint32_t)(key & tmask), jl = (uint32_t)(key >> b.tb & jmask);
            const uint32_t j = b.lo + jl, elem = b.kind == SNN_CONN_FIXED_OUTDEGREE ? i : j;
            if (b.ib == 2)
                ((uint16_t *)b.ind)[pos] = (uint16_t)jl;
            else
                ((uint32_t *)b.ind)[pos] = jl;
            uint64_t wh = h0;
            if (b.wb) {
                int ok = 1;
                const double w = b.winit.kind == SNN_INIT_CODE
                                     ? C::code(b.proj, 0, b.seed, b.winit.stream, elem, t)
                                     : snn_init_eval(&b.winit, b.seed, elem, t, &ok);
                bad += !ok;
                if (b.wb == 4) {
                    const float x = (float)w;
                    uint32_t bits;
                    memcpy(&bits, &x, sizeof bits);
                    ((float *)b.weight)[pos] = x;
                    wh = snn_cb_mix((uint64_t)bits + 0x9e3779b97f4a7c15ull);
                } else {
                    uint64_t bits;
                    memcpy(&bits, &w, sizeof bits);
                    ((double *)b.weight)[pos] = w;
                    wh = snn_cb_mix(bits + 0x9e3779b97f4a7c15ull);
                }
            }
            if (b.db) {
                bool bd = false;
                const uint32_t d = snn_cb_delay<C>(b, elem, t, &bd);
                bad += bd;
                if (b.db == 1)
                    ((uint8_t *)b.delay)[pos] = (uint8_t)d;
                else
                    ((uint16_t *)b.delay)[pos] = (uint16_t)d;
                wh ^= snn_cb_mix((uint64_t)d + 0x632be59bd9b4e019ull);
                dmax = d > dmax ? d : dmax;
            }
            sum += snn_cb_mix(((uint64_t)i << 32 | j) ^ wh);
        }
    }
    atomicAdd(&b.flags[0], sum);
    if (bad)
        atomicAdd(&b.flags[2], bad);
    if (dmax)
        atomicMax(&b.flags[3], dmax);
}
} // namespace snn_dev

/* snn_xacc_add (snn_xacc.h) on the device, from any number of threads at once (add_to_pre):
 * each limb the term touches gets one 64-bit atomicAdd (two's complement: subtracting d is
 * adding 2^64 - d).  Integer addition is associative and commutative, so the words end the
 * same whatever the order of the threads: the exact sum the host's snn_xacc_add gives, as
 * many words wide as the host's layout (71 for double: each term touches 3 limbs, which
 * keep their carries, so no carry crosses words during the step). */
static inline __device__ void snn_xacc_add_atomic(int64_t *a, int limbs, int base, double x)
{
    int64_t d[3];
    int neg;
    const int k = snn_xacc_split(limbs, base, x, d, &neg);
    if (k < 0)
        return;
    unsigned long long *u = (unsigned long long *)a;
    if (k >= limbs) { /* NaN, +inf, -inf: counted */
        atomicAdd(u + k, 1ull);
        return;
    }
    for (int j = 0; j < 3; j++)
        if (d[j])
            atomicAdd(u + k + j, neg ? 0ull - (unsigned long long)d[j] : (unsigned long long)d[j]);
}

/* A model with initialiser{} code in projections built on the device: its launcher of
 * snn_cb_build_body<C> (step 0 and 1: the passes) and snn_cb_finish_body<C> (step 3). */
typedef void (*snn_cb_launcher)(const snn_dev::snn_cb *b, int step);
extern snn_cb_launcher snn_cb_code_launch;


/* ---- connectivity updates (compiler/rewire.c; docs/cuda.md "Connectivity updates") ---- */

namespace snn_dev {
/* what the shared code generator reads as snn_st->len[i] and snn_st->capacity */
typedef struct snn_rwview {
    const uint32_t *len;
    uint32_t capacity;
} snn_rwview;
} // namespace snn_dev
/* the first count, total or target that was not a whole number in range, or new
 * synapse's delay beyond the ring (the host stops the run with the C back end's message
 * when it reads it: snn_rw_check_error) */
typedef struct snn_rwerror {
    int set, what; /* what: 0 add.total, 1 add.count, 2 add.target, 3 candidates.count,
                    * 4 candidates.total, 5 a new synapse's delay (i -> j, v ms) beyond the
                    * longest, 6 no delay in its initialiser's bounds (i -> j) */
    uint32_t i;
    double v;
    uint32_t j;
} snn_rwerror;
namespace snn_dev {
static __device__ __forceinline__ uint64_t snn_rw_whole(snn_rwerror *e, int what, uint32_t i,
                                                        double v, double limit)
{
    if (v >= 0 && v <= limit && v == (double)(uint64_t)v)
        return (uint64_t)v;
    if (atomicAdd(&e->set, 1) == 0) {
        e->what = what;
        e->i = i;
        e->v = v;
    }
    return 0;
}
/* Keep the first error (what, source i, target j, value v) */
static __device__ __forceinline__ void snn_rw_error(snn_rwerror *e, int what, uint32_t i,
                                                    uint32_t j, double v)
{
    if (atomicAdd(&e->set, 1) == 0) {
        e->what = what;
        e->i = i;
        e->j = j;
        e->v = v;
    }
}
/* A new synapse's delay in steps from ms, as snn_rewire_set_delay: max(1, round(ms / dt));
 * more than dmax steps (or NaN) is kept as the update's error (the run stops at the end)
 * and dmax taken meanwhile. */
static __device__ __forceinline__ uint32_t snn_rw_delay(snn_rwerror *e, double ms, double dt,
                                                        uint32_t dmax, uint32_t pre,
                                                        uint32_t post)
{
    const double x = ms / dt;
    if (!(x < (double)dmax + 0.5)) {
        snn_rw_error(e, 5, pre, post, ms);
        return dmax;
    }
    return x < 1.5 ? 1u : (uint32_t)(x + 0.5);
}
/* Is target j in the sorted row ind[0, n)? */
template <class I>
static __device__ __forceinline__ int snn_rw_has(const I *ind, uint32_t n, uint32_t j)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2u;
        if (ind[mid] < j)
            lo = mid + 1u;
        else
            hi = mid;
    }
    return lo < n && ind[lo] == j;
}
/* add.total on one thread, as snn_rewire_spread: cut to the free room (the rest returned as
 * failed), then each addition to a row drawn from the stream (rw:<name>/total, element
 * 0xFFFFFFFF, the step), drawn again while that row is full. */
static __device__ uint64_t snn_rw_spread(const uint32_t *len, uint32_t *adds, uint32_t n_pre,
                                         uint32_t cap, uint64_t total, uint64_t seed,
                                         uint32_t stream, uint64_t step, unsigned long long *full)
{
    uint64_t room = 0, failed = 0;
    for (uint32_t i = 0; i < n_pre; i++) {
        adds[i] = 0;
        room += (uint64_t)cap - (uint64_t)len[i];
    }
    if (total > room) {
        failed = total - room;
        total = room;
    }
    snn_rng g;
    snn_rng_init(&g, seed, stream, 0xFFFFFFFFu, step);
    unsigned long long redrawn = 0;
    while (total > 0) {
        const uint32_t i = (uint32_t)(((uint64_t)snn_rng_u32(&g) * n_pre) >> 32);
        if ((uint64_t)len[i] + adds[i] < cap) {
            adds[i]++;
            total--;
        } else {
            redrawn++;
        }
    }
    *full += redrawn;
    return failed;
}
/* candidates.total on one thread, as snn_rewire_cand_spread: each candidate to a row drawn
 * from the stream, drawn again while that row has N_post. */
static __device__ void snn_rw_cand_spread(uint32_t *count, uint32_t n_pre, uint32_t n_post,
                                          uint64_t total, uint64_t seed, uint32_t stream,
                                          uint64_t step)
{
    for (uint32_t i = 0; i < n_pre; i++)
        count[i] = 0;
    snn_rng g;
    snn_rng_init(&g, seed, stream, 0xFFFFFFFFu, step);
    while (total > 0) {
        const uint32_t i = (uint32_t)(((uint64_t)snn_rng_u32(&g) * n_pre) >> 32);
        if (count[i] < n_post) {
            count[i]++;
            total--;
        }
    }
}
} // namespace snn_dev

/* The column view of rewired rows (on_post), rebuilt on the stream after each update:
 * counts per target, their prefix sums, the positions, each column sorted by position (the
 * host's order: rows ascending), the sources.  snn_cu_rw_columns_alloc makes a view with
 * room for every row full and returns its 2 (N_post + 1) counters of scratch. */
uint32_t *snn_cu_rw_columns_alloc(const snn_ragged *d, snn_columns *c, const char *what);
void snn_cu_rw_columns(const snn_ragged *d, const snn_columns *c, uint32_t *scratch);

static inline void snn_rw_check_error(const snn_rewire_stats *s, const snn_rwerror *e,
                                      double max_target)
{
    static const char *const what[5] = {"add.total", "add.count", "add.target",
                                        "candidates.count", "candidates.total"};
    const double limit[5] = {9007199254740992.0, 4294967295.0, max_target, max_target + 1.0,
                             (double)s->n_pre * (max_target + 1.0)};
    if (e->set && e->what == 5) /* snn_rewire_set_delay's message */
        snn_fatal("connectivity update '%s': the delay of new synapse %u -> %u is %.17g ms, "
                  "%.0f steps of %g ms, more than the %u steps of projection '%s''s longest "
                  "delay (the upper bound of its delay initialiser, or its longest built delay, "
                  "sizes the dendritic ring): keep add.init.delay within it or raise that bound "
                  "(docs/language.md \"Connectivity updates\")", s->name, e->i, e->j, e->v,
                  floor(e->v / s->dt + 0.5), s->dt, s->dmax, s->proj);
    if (e->set && e->what == 6) /* snn_rewire_delay_draw's */
        snn_fatal("connectivity update '%s': no delay of projection '%s' for new synapse %u -> "
                  "%u in its bounds after 1000 draws", s->name, s->proj, e->i, e->j);
    if (e->set)
        snn_fatal("connectivity update '%s': %s of source %u is %.17g; it must be a whole "
                  "number from 0 to %.17g", s->name, what[e->what], e->i, e->v, limit[e->what]);
}

/* The device's counters of an update (snn_rwc_<u>: runs, removed, added, failed, redrawn,
 * full-row draws, this update's removals, failed on this rank's targets) into the runtime's
 * (run.json, checkpoints).  Removed, added and [7] are each rank's own with --mpi, summed
 * over the ranks here (a collective: every rank calls it); the others are the same on
 * every rank (drawn alike).  One process: the sum is the value. */
static inline void snn_rw_counts(snn_rewire_stats *s, const unsigned long long c[8])
{
    int64_t v[3] = {(int64_t)c[1], (int64_t)c[2], (int64_t)c[7]};
    snn_sum_int64(v, 3);
    s->synapses = s->synapses + (uint64_t)v[1] - (uint64_t)v[0] - s->added + s->removed;
    s->runs = c[0], s->removed = (uint64_t)v[0], s->added = (uint64_t)v[1];
    s->failed = c[3] + (uint64_t)v[2], s->redraws = c[4], s->full_draws = c[5];
}
/* ... and back after a restore: the sums are rank 0's, the failures all counted as the
 * same on every rank */
static inline void snn_rw_counts_back(const snn_rewire_stats *s, int rank, unsigned long long c[8])
{
    c[0] = s->runs, c[1] = rank ? 0 : s->removed, c[2] = rank ? 0 : s->added;
    c[3] = s->failed, c[4] = s->redraws, c[5] = s->full_draws, c[6] = c[7] = 0;
}

/* GPU time of the updates and of the column rebuilds: events around each, read in batches
 * (the host waits only when the ring is full, once per SNN_RW_RING updates, and at the end) */
#define SNN_RW_RING 64
typedef struct snn_rwtimer {
    cudaEvent_t ev[SNN_RW_RING][3];
    int n;
    double update_s, columns_s;
} snn_rwtimer;
static inline void snn_rwtimer_init(snn_rwtimer *t)
{
    for (int i = 0; i < SNN_RW_RING; i++)
        for (int k = 0; k < 3; k++)
            SNN_CU(cudaEventCreate(&t->ev[i][k]));
    t->n = 0;
    t->update_s = t->columns_s = 0;
}
static inline void snn_rwtimer_drain(snn_rwtimer *t)
{
    for (int i = 0; i < t->n; i++) {
        float a = 0, b = 0;
        SNN_CU(cudaEventSynchronize(t->ev[i][2]));
        SNN_CU(cudaEventElapsedTime(&a, t->ev[i][0], t->ev[i][1]));
        SNN_CU(cudaEventElapsedTime(&b, t->ev[i][1], t->ev[i][2]));
        t->update_s += a * 1e-3;
        t->columns_s += b * 1e-3;
    }
    t->n = 0;
}
static inline void snn_rwtimer_mark(snn_rwtimer *t, int k)
{
    if (k == 0 && t->n == SNN_RW_RING)
        snn_rwtimer_drain(t);
    SNN_CU(cudaEventRecord(t->ev[t->n][k], snn_stream));
    if (k == 2)
        t->n++;
}
static inline void snn_rwtimer_collect(snn_rwtimer *t, double *update_s, double *columns_s)
{
    snn_rwtimer_drain(t);
    *update_s = t->update_s;
    *columns_s = t->columns_s;
}

#endif /* SNN_CUDA_H */
