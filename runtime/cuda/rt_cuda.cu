/*
 * rt_cuda.cu - the model-independent part of the CUDA back end's simulators, compiled
 * once into libsnnrt_cuda.a (make; docs/cuda.md, "The CUDA runtime library"): device
 * memory and error checks, the construction of sparse projections on the device
 * (snn_cu_build, snn_cu_build_columns), which builds the rows of libsnnrt's rules with its
 * streams (rt_conn.c) bit for bit, the device copies of host arrays and rows
 * (snn_cu_array, snn_cu_ragged, snn_cu_columns), the rows of state recordings and the
 * phase timers.  A generated <model>.cu holds the rest: the kernels whose code is the
 * model's, the per-model constants, setup, the step, spike recording blocks and graphs.
 *
 * Built with nvcc and the flags of generated simulators (NVCC_DEFAULT_FLAGS in
 * compiler/driver.c); a simulator compiled with other nvcc flags compiles this file with
 * its own (snncc does, and its Makefile's snnrt_cuda.o rule).  The tests compile it with
 * g++ against tests/cuda/emu (tests/e2e/cuda_emulated.sh), kernel launches rewritten as
 * there: keep each launch on one line.
 */
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <mutex>

#include "snn_cuda.h"

void snn_cu_check(cudaError_t e, const char *what, const char *file, int line)
{
    if (e != cudaSuccess)
        snn_fatal("%s:%d: CUDA error %s (%s) in %s", file, line, cudaGetErrorName(e),
                  cudaGetErrorString(e), what);
}

cudaDeviceProp snn_prop;
uint32_t snn_grid;
uint64_t snn_dev_bytes;
cudaStream_t snn_stream;
cudaEvent_t snn_ev_run[2];
cudaEvent_t snn_ev[SNN_TIMER_RING][SNN_PH_N];
uint32_t snn_ev_head, snn_ev_count;
double snn_phase_ms[SNN_PH_N];
uint64_t snn_sampled;
snn_vrbuf *snn_vrb;
static int snn_nvrb;                /* the model's state recordings */
static double snn_vrb_dt;           /* its time step (ms) */
static uint32_t snn_vrb_rec_block;  /* its steps per recording block */
int *snn_built_on;
const char **snn_built_why;
int *snn_built_check;
snn_ragged *snn_built;
snn_columns *snn_built_cols;
snn_cb_launcher snn_cb_code_launch;

void snn_cu_lib_init(int n_projs, int n_varrecs, double dt, uint32_t rec_block)
{
    const size_t n = (size_t)n_projs + 1;
    snn_nvrb = n_varrecs;
    snn_vrb_dt = dt;
    snn_vrb_rec_block = rec_block;
    snn_vrb = (snn_vrbuf *)calloc((size_t)n_varrecs + 1, sizeof *snn_vrb);
    snn_built_on = (int *)calloc(n, sizeof *snn_built_on);
    snn_built_why = (const char **)calloc(n, sizeof *snn_built_why);
    snn_built_check = (int *)calloc(n, sizeof *snn_built_check);
    snn_built = (snn_ragged *)calloc(n, sizeof *snn_built);
    snn_built_cols = (snn_columns *)calloc(n, sizeof *snn_built_cols);
    if (!snn_vrb || !snn_built_on || !snn_built_why || !snn_built_check || !snn_built || !snn_built_cols)
        snn_fatal("out of memory (construction state of %d projections)", n_projs);
}

void *snn_cu_alloc(size_t bytes, const char *what)
{
    void *p = NULL;
    cudaError_t e = cudaMalloc(&p, bytes ? bytes : 1);
    if (e != cudaSuccess) {
        char need[32], have[32], total[32];
        snn_format_bytes(need, sizeof need, (double)bytes);
        snn_format_bytes(have, sizeof have, (double)snn_dev_bytes);
        snn_format_bytes(total, sizeof total, (double)snn_prop.totalGlobalMem);
        snn_fatal("cannot allocate %s on the GPU for %s (%s already allocated, the GPU has %s): "
                  "%s", need, what, have, total, cudaGetErrorString(e));
    }
    snn_dev_bytes += bytes;
    return p;
}

void *snn_cu_copy(const void *host, size_t bytes, const char *what)
{
    void *p = snn_cu_alloc(bytes, what);
    if (bytes && host)
        SNN_CU(cudaMemcpy(p, host, bytes, cudaMemcpyHostToDevice));
    else
        SNN_CU(cudaMemset(p, 0, bytes ? bytes : 1));
    return p;
}

namespace snn_dev {

/* The library's instances of the construction kernels: no initialiser{} code (a model
 * with some launches its own, snn_cb_code_launch). */
struct snn_cb_nocode {
    static __device__ __forceinline__ double code(int, int, uint64_t, uint32_t, uint32_t, uint32_t)
    {
        return 0.0;
    }
};

__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cbuild(snn_cb b, int pass)
{
    snn_cb_build_body<snn_cb_nocode>(b, pass);
}

__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cfinish(snn_cb b)
{
    snn_cb_finish_body<snn_cb_nocode>(b);
}

/* Each segment's keys ascending (segment i: len[i] keys from start[i]): a block per
 * segment; up to SNN_SORT_SHARED keys in shared memory (snn_block_sort, padded with the
 * largest key), longer ones in place in global memory by the bitonic network in its form
 * with only ascending comparators (the first step of each merge compares mirrored pairs),
 * so the entries past the segment's end act as +infinity and their comparators can be
 * left out. */
#define SNN_SORT_SHARED 2048u /* 16 kB */
__global__ void __launch_bounds__(SNN_BLOCK) snn_k_segsort(uint64_t *keys, const uint64_t *start,
                                                          const uint32_t *len, uint32_t nseg)
{
    for (uint32_t i = blockIdx.x; i < nseg; i += gridDim.x) { /* block-uniform */
        const uint32_t n = len[i];
        if (n < 2u)
            continue;
        uint64_t *key = keys + start[i];
        uint32_t np2 = 1;
        while (np2 < n)
            np2 <<= 1;
#ifndef SNN_TEST_GLOBAL_SORT /* tests: every segment by the global-memory path */
        if (np2 <= SNN_SORT_SHARED) { /* block-uniform: staged in shared memory */
            __shared__ uint64_t sh[SNN_SORT_SHARED];
            for (uint32_t x = threadIdx.x; x < np2; x += blockDim.x)
                sh[x] = x < n ? key[x] : ~0ull;
            __syncthreads();
            snn_block_sort(sh, np2);
            for (uint32_t x = threadIdx.x; x < n; x += blockDim.x)
                key[x] = sh[x];
            __syncthreads();
            continue;
        }
#endif
        for (uint32_t size = 2; size <= np2; size <<= 1) {
            const uint32_t half = size >> 1;
            for (uint32_t x = threadIdx.x; x < np2 / 2u; x += blockDim.x) {
                const uint32_t base = (x / half) * size, off = x % half;
                const uint32_t a = base + off, c = base + size - 1u - off;
                if (c < n && key[a] > key[c]) {
                    const uint64_t tmp = key[a];
                    key[a] = key[c];
                    key[c] = tmp;
                }
            }
            __syncthreads();
            for (uint32_t stride = half >> 1; stride > 0u; stride >>= 1) {
                for (uint32_t x = threadIdx.x; x < np2 / 2u; x += blockDim.x) {
                    const uint32_t a = 2u * x - (x & (stride - 1u)), c = a + stride;
                    if (c < n && key[a] > key[c]) {
                        const uint64_t tmp = key[a];
                        key[a] = key[c];
                        key[c] = tmp;
                    }
                }
                __syncthreads();
            }
        }
    }
}

/* The column view of rows built here (snn_columns, for on_post), as snn_columns_build
 * makes it from host rows: pass 0 counts each target's synapses, pass 1 puts each
 * synapse's position into its column (in no fixed order; snn_k_segsort then orders each
 * column by position, which is the host's order: rows ascending, then entries). */
__global__ void __launch_bounds__(SNN_BLOCK) snn_k_ccols(snn_ragged d, int pass, uint32_t *ctr,
                                                        const uint64_t *start, uint64_t *syn)
{
    const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x, nth = gridDim.x * blockDim.x;
    const uint32_t lane = threadIdx.x & 31u, warp = tid >> 5, nwarps = nth >> 5;
    for (uint32_t i = warp; i < d.n_pre; i += nwarps) {
        const uint64_t s0 = d.row_start[i];
        for (uint32_t q = lane; q < d.row_len[i]; q += 32u) {
            const uint64_t pos = s0 + q;
            const uint32_t j = d.ind_bytes == 2 ? ((const uint16_t *)d.ind)[pos]
                                                : ((const uint32_t *)d.ind)[pos];
            if (pass == 0)
                atomicAdd(&ctr[j], 1u);
            else
                syn[start[j] + atomicAdd(&ctr[j], 1u)] = pos;
        }
    }
}

/* The row holding synapse position p: the last row starting at or before it. */
__device__ static uint32_t snn_row_of(const snn_ragged &d, uint64_t p)
{
    uint32_t a = 0, e = d.n_pre;
    while (e - a > 1u) {
        const uint32_t m = a + (e - a) / 2u;
        if (d.row_start[m] <= p)
            a = m;
        else
            e = m;
    }
    return a;
}

/* The source of each column entry: the row whose entries hold its position. */
__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cpre(snn_ragged d, const uint64_t *syn,
                                                       uint32_t *pre, uint64_t n)
{
    const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x, nth = gridDim.x * blockDim.x;
    for (uint64_t x = tid; x < n; x += nth) {
        pre[x] = snn_row_of(d, syn[x]);
    }
}

/* Rewired column views (snn_cu_rw_columns): the prefix sums of the counts on one thread
 * (cur zeroed for the second pass), and the sources of the entries, as many as there are. */
__global__ void snn_k_rwscan(const uint32_t *cnt, uint32_t *cur, uint64_t *start, uint32_t n_post)
{
    if (threadIdx.x != 0 || blockIdx.x != 0)
        return;
    uint64_t s = 0;
    for (uint32_t j = 0; j < n_post; j++) {
        start[j] = s;
        s += cnt[j];
        cur[j] = 0;
    }
    start[n_post] = s;
}
__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rwcpre(snn_ragged d, const uint64_t *syn,
                                                         uint32_t *pre, const uint64_t *start)
{
    const uint32_t tid = blockIdx.x * blockDim.x + threadIdx.x, nth = gridDim.x * blockDim.x;
    const uint64_t n = start[d.n_post];
    for (uint64_t x = tid; x < n; x += nth) {
        pre[x] = snn_row_of(d, syn[x]);
    }
}
} // namespace snn_dev

static std::mutex snn_build_lock; /* host threads build projections in parallel */

void snn_cu_free(void *p, size_t bytes)
{
    if (p) {
        SNN_CU(cudaFree(p));
        snn_dev_bytes -= bytes;
    }
}

static uint32_t snn_bits(uint64_t x) /* bits to hold the values 0 .. x */
{
    uint32_t n = 0;
    while (x) {
        n++;
        x >>= 1;
    }
    return n;
}

/* The device arrays of one build, freed when it ends or declines. */
typedef struct snn_cb_mem {
    void *p[12];
    size_t bytes[12];
    int n;
} snn_cb_mem;

static void *snn_cb_alloc(snn_cb_mem *m, size_t bytes, const char *what, int keep)
{
    void *p = snn_cu_alloc(bytes, what);
    SNN_CU(cudaMemset(p, 0, bytes ? bytes : 1));
    if (!keep) {
        m->p[m->n] = p;
        m->bytes[m->n++] = bytes; /* as snn_cu_alloc counted it */
    }
    return p;
}

static void snn_cb_release(snn_cb_mem *m)
{
    for (int k = 0; k < m->n; k++)
        snn_cu_free(m->p[k], m->bytes[k]);
    m->n = 0;
}

static int snn_cb_decline(int proj, const char *why)
{
    snn_built_on[proj] = 2;
    snn_built_why[proj] = why;
    return 0;
}

static void snn_cb_run(const snn_dev::snn_cb &b, int step)
{
    if (step != 2 && snn_cb_code_launch) /* the model's instances, with its code */
        snn_cb_code_launch(&b, step);
    else if (step <= 1)
        snn_dev::snn_k_cbuild<<<snn_grid, SNN_BLOCK, 0, 0>>>(b, step);
    else if (step == 2)
        snn_dev::snn_k_segsort<<<snn_grid, SNN_BLOCK, 0, 0>>>(b.key, b.row_start, b.row_len, b.n_pre);
    else
        snn_dev::snn_k_cfinish<<<snn_grid, SNN_BLOCK, 0, 0>>>(b);
    SNN_CU(cudaGetLastError());
    SNN_CU(cudaDeviceSynchronize());
}

/* The column view of projection proj (weight update models' on_post) when its rows were
 * built on the device: built there too (snn_k_ccols, snn_k_segsort, snn_k_cpre), *c gets
 * the sizes; returns 0 (the host builds it from its rows) otherwise. */
extern "C" int snn_cu_build_columns(int proj, const snn_ragged *r, snn_columns *c)
{
    if (snn_built_on[proj] != 1)
        return 0;
    std::lock_guard<std::mutex> lock(snn_build_lock);
    const snn_ragged &d = snn_built[proj];
    const uint32_t n_post = r->n_post;
    const uint64_t n = r->n_syn ? r->n_syn : 1;
    char what[256];
    snprintf(what, sizeof what, "projection '%s' column index", r->spec.name ? r->spec.name : "?");
    snn_cb_mem mem;
    memset(&mem, 0, sizeof mem);
    uint32_t *cnt = (uint32_t *)snn_cb_alloc(&mem, ((size_t)n_post + 1) * 4, what, 0);
    uint32_t *cur = (uint32_t *)snn_cb_alloc(&mem, ((size_t)n_post + 1) * 4, what, 0);
    snn_columns dc;
    memset(&dc, 0, sizeof dc);
    dc.n_post = n_post;
    dc.start = (uint64_t *)snn_cb_alloc(&mem, ((size_t)n_post + 1) * 8, what, 1);
    dc.syn = (uint64_t *)snn_cb_alloc(&mem, (size_t)n * 8, what, 1);
    dc.pre = (uint32_t *)snn_cb_alloc(&mem, (size_t)n * 4, what, 1);
    dc.bytes = ((uint64_t)n_post + 1) * 8 + n * 12;
    snn_dev::snn_k_ccols<<<snn_grid, SNN_BLOCK, 0, 0>>>(d, 0, cnt, dc.start, dc.syn);
    SNN_CU(cudaGetLastError());
    uint32_t *hc = (uint32_t *)malloc(((size_t)n_post + 1) * 4);
    uint64_t *hs = (uint64_t *)malloc(((size_t)n_post + 1) * 8);
    if (!hc || !hs)
        snn_fatal("out of memory building the %s", what);
    SNN_CU(cudaMemcpy(hc, cnt, (size_t)n_post * 4, cudaMemcpyDeviceToHost));
    hs[0] = 0;
    for (uint32_t j = 0; j < n_post; j++)
        hs[j + 1] = hs[j] + hc[j];
    SNN_CU(cudaMemcpy(dc.start, hs, ((size_t)n_post + 1) * 8, cudaMemcpyHostToDevice));
    free(hc);
    free(hs);
    snn_dev::snn_k_ccols<<<snn_grid, SNN_BLOCK, 0, 0>>>(d, 1, cur, dc.start, dc.syn);
    SNN_CU(cudaGetLastError());
    snn_dev::snn_k_segsort<<<snn_grid, SNN_BLOCK, 0, 0>>>(dc.syn, dc.start, cnt, n_post);
    SNN_CU(cudaGetLastError());
    snn_dev::snn_k_cpre<<<snn_grid, SNN_BLOCK, 0, 0>>>(d, dc.syn, dc.pre, r->n_syn);
    SNN_CU(cudaGetLastError());
    SNN_CU(cudaDeviceSynchronize());
    snn_cb_release(&mem);
    snn_built_cols[proj] = dc;
    const char *mode = getenv("SNN_CUDA_CONSTRUCT");
    if (mode && !strcmp(mode, "check")) { /* the host's column view of the same rows */
        snn_ragged h = *r;
        const size_t ib = (size_t)d.ind_bytes;
        h.ind = malloc((size_t)d.capacity * ib + 1);
        uint64_t *ds = (uint64_t *)malloc(((size_t)n_post + 1) * 8 + (size_t)n * 12);
        if (!h.ind || !ds)
            snn_fatal("out of memory checking the %s", what);
        SNN_CU(cudaMemcpy(h.ind, d.ind, (size_t)d.capacity * ib, cudaMemcpyDeviceToHost));
        snn_columns hc;
        snn_columns_build(&h, "check", &hc);
        uint64_t *dsyn = ds + n_post + 1;
        uint32_t *dpre = (uint32_t *)(dsyn + n);
        SNN_CU(cudaMemcpy(ds, dc.start, ((size_t)n_post + 1) * 8, cudaMemcpyDeviceToHost));
        SNN_CU(cudaMemcpy(dsyn, dc.syn, (size_t)n * 8, cudaMemcpyDeviceToHost));
        SNN_CU(cudaMemcpy(dpre, dc.pre, (size_t)n * 4, cudaMemcpyDeviceToHost));
        const int same = !memcmp(ds, hc.start, ((size_t)n_post + 1) * 8) &&
                         !memcmp(dsyn, hc.syn, (size_t)r->n_syn * 8) &&
                         !memcmp(dpre, hc.pre, (size_t)r->n_syn * 4);
        if (!same) {
            snn_built_check[proj] = 2;
            fprintf(stderr, "%s: warning: the %s built on the GPU differs from the host's\n",
                    snn_progname(), what);
        }
        snn_columns_free(&hc);
        free(h.ind);
        free(ds);
    }
    memset(c, 0, sizeof *c); /* the host keeps no column view */
    c->n_post = n_post;
    c->bytes = dc.bytes;
    return 1;
}

/* SNN_CUDA_CONSTRUCT=check: build on the host too and compare entry by entry. */
static void snn_cb_check(int proj, const snn_proj_spec *spec, uint64_t seed, const snn_ragged *dv)
{
    snn_ragged h;
    snn_ragged_build(spec, seed, &h);
    int same = h.n_syn == dv->n_syn && h.checksum == dv->checksum &&
               h.max_delay == dv->max_delay && h.capacity == dv->capacity;
    const size_t ib = (size_t)h.ind_bytes, wb = (size_t)h.weight_bytes, db = (size_t)h.delay_bytes;
    unsigned char *buf = (unsigned char *)malloc((size_t)(h.capacity * (ib + wb + db)) + 1);
    if (!buf)
        snn_fatal("out of memory checking projection '%s'", spec->name);
    if (same) {
        SNN_CU(cudaMemcpy(buf, snn_built[proj].ind, (size_t)h.capacity * ib, cudaMemcpyDeviceToHost));
        if (wb)
            SNN_CU(cudaMemcpy(buf + h.capacity * ib, snn_built[proj].weight, (size_t)h.capacity * wb,
                              cudaMemcpyDeviceToHost));
        if (db)
            SNN_CU(cudaMemcpy(buf + h.capacity * (ib + wb), snn_built[proj].delay,
                              (size_t)h.capacity * db, cudaMemcpyDeviceToHost));
        for (uint32_t i = 0; i < h.n_pre && same; i++) {
            const uint64_t s = h.row_start[i], n = h.row_len[i];
            same = s == dv->row_start[i] && n == dv->row_len[i] &&
                   !memcmp(buf + s * ib, (const unsigned char *)h.ind + s * ib, n * ib) &&
                   (!wb || !memcmp(buf + h.capacity * ib + s * wb,
                                   (const unsigned char *)h.weight + s * wb, n * wb)) &&
                   (!db || !memcmp(buf + h.capacity * (ib + wb) + s * db,
                                   (const unsigned char *)h.delay + s * db, n * db));
        }
    }
    free(buf);
    snn_built_check[proj] = same ? 1 : 2;
    if (!same)
        fprintf(stderr, "%s: warning: projection '%s': the network built on the GPU differs from "
                        "the host's (checksum %016llx, %llu synapses; the host's %016llx, %llu)\n",
                snn_progname(), spec->name, (unsigned long long)dv->checksum,
                (unsigned long long)dv->n_syn, (unsigned long long)h.checksum,
                (unsigned long long)h.n_syn);
    snn_ragged_free(&h);
}

/* Build projection 'proj' (the host's spec: its rule, targets [post_lo, post_lo + post_n)
 * of this rank, weights, delays) on the GPU.  Returns 1 with *out holding the sizes, the
 * checksum and host copies of the row starts and lengths (the rows themselves stay on the
 * device, snn_built[proj]), or 0 when the host must build it: a rule or value the device
 * does not reproduce exactly, a geometric skip whose rounding could depend on log's last
 * bit, an error the host reports (invalid rule or values), too little device memory, or
 * SNN_CUDA_CONSTRUCT=host in the environment. */
extern "C" int snn_cu_build(int proj, const snn_proj_spec *spec, uint64_t seed, snn_ragged *out)
{
    std::lock_guard<std::mutex> lock(snn_build_lock);
    const char *mode = getenv("SNN_CUDA_CONSTRUCT");
    if (mode && !strcmp(mode, "host"))
        return snn_cb_decline(proj, "SNN_CUDA_CONSTRUCT=host");
    const uint32_t n_pre = spec->n_pre, n_post = spec->n_post;
    const uint32_t lo = spec->post_range ? spec->post_lo : 0;
    const uint32_t hi = spec->post_range ? spec->post_lo + spec->post_n : n_post;
    const int excl = spec->same_pop && !spec->autapses;
    snn_dev::snn_cb b;
    memset(&b, 0, sizeof b);
    b.proj = proj;
    b.kind = spec->kind;
    b.n_pre = n_pre;
    b.n_post = n_post;
    b.lo = lo;
    b.hi = hi;
    b.same_excl = excl;
    b.multapses = spec->multapses;
    b.k = spec->k;
    b.stream = spec->stream;
    b.seed = seed;
    b.ib = spec->ind_bytes == 2 ? 2 : 4;
    b.wb = spec->has_weight ? (spec->weight_bytes == 4 ? 4 : 8) : 0;
    b.db = spec->has_delay ? (spec->delay_bytes == 1 ? 1 : 2) : 0;
    b.winit = spec->weight;
    b.dinit = spec->delay;
    b.dt = spec->dt;
    b.dmax = b.db == 1 ? 255u : 65535u;
    /* what the host checks (check_spec) is left to the host, which reports it */
    if (spec->post_range && (uint64_t)spec->post_lo + spec->post_n > n_post)
        return snn_cb_decline(proj, "target range");
    if (b.ib == 2 && n_post > 65536)
        return snn_cb_decline(proj, "16-bit indices");
    if (b.db && !(spec->dt > 0.0 && isfinite(spec->dt)))
        return snn_cb_decline(proj, "time step");
    if ((b.wb && (spec->weight.kind == SNN_INIT_LOGNORMAL ||
                  spec->weight.kind == SNN_INIT_EXPONENTIAL)) ||
        (b.db && (spec->delay.kind == SNN_INIT_LOGNORMAL ||
                  spec->delay.kind == SNN_INIT_EXPONENTIAL)))
        return snn_cb_decline(proj, "initialiser");
    if (b.db && spec->delay.kind == SNN_INIT_CONSTANT) {
        const double x = spec->delay.a / spec->dt;
        if (!(x < (double)b.dmax + 0.5))
            return snn_cb_decline(proj, "delay out of range");
        b.dconst = 1;
        b.dsteps = x < 1.5 ? 1u : (uint32_t)(x + 0.5);
    }
    b.by_delay = b.db && spec->sort_by_delay;
    uint64_t tmax = 1; /* draw indices are below this */
    uint32_t kmax = 0; /* longest generated column or row (block-wise rules) */
    uint32_t *counts = NULL;
    switch (spec->kind) {
    case SNN_CONN_ONE_TO_ONE:
        if (n_pre != n_post)
            return snn_cb_decline(proj, "one_to_one sizes");
        break;
    case SNN_CONN_FIXED_PROBABILITY:
        if (!(spec->p > 0.0))
            b.kind = -1; /* no synapses */
        else if (spec->p >= 1.0)
            b.kind = SNN_CONN_ALL_TO_ALL;
        else
            b.ilq = 1.0 / log1p(-spec->p); /* the host's libm, as rt_conn.c */
        tmax = n_pre;
        break;
    case SNN_CONN_ALL_TO_ALL:
        tmax = n_pre;
        break;
    case SNN_CONN_FIXED_INDEGREE:
    case SNN_CONN_FIXED_OUTDEGREE: {
        const uint32_t n = spec->kind == SNN_CONN_FIXED_INDEGREE ? n_pre : n_post;
        const uint32_t avail = excl && n > 0 ? n - 1 : n;
        if ((spec->k > 0 && avail == 0) || (!spec->multapses && spec->k > avail))
            return snn_cb_decline(proj, "rule parameters");
        tmax = kmax = spec->k;
        break;
    }
    case SNN_CONN_FIXED_TOTAL:
        counts = snn_conn_total_counts(spec, seed); /* the host's draws (and checks) */
        for (uint32_t j = lo; j < hi; j++)
            kmax = counts[j] > kmax ? counts[j] : kmax;
        tmax = kmax;
        break;
    default:
        return snn_cb_decline(proj, "rule");
    }
    b.tb = snn_bits(tmax);
    b.jb = snn_bits(hi > lo ? hi - lo - 1 : 0);
    if (b.tb + b.jb + (b.by_delay ? 8u * (uint32_t)b.db : 0u) > 64u) {
        free(counts);
        return snn_cb_decline(proj, "sort keys wider than 64 bits");
    }
    char what[256];
    snn_cb_mem mem;
    memset(&mem, 0, sizeof mem);
    snprintf(what, sizeof what, "projection '%s' row lengths", spec->name);
    b.row_len = (uint32_t *)snn_cb_alloc(&mem, (size_t)n_pre * 4, what, 1);
    snprintf(what, sizeof what, "projection '%s' construction (work)", spec->name);
    b.cursor = (uint32_t *)snn_cb_alloc(&mem, (size_t)n_pre * 4, what, 0);
    b.flags = (unsigned long long *)snn_cb_alloc(&mem, 4 * sizeof(unsigned long long), what, 0);
    if (counts) {
        uint32_t *dc = (uint32_t *)snn_cb_alloc(&mem, (size_t)n_post * 4, what, 0);
        SNN_CU(cudaMemcpy(dc, counts, (size_t)n_post * 4, cudaMemcpyHostToDevice));
        b.counts = dc;
        free(counts);
    }
    if (kmax > 0 && b.kind != SNN_CONN_FIXED_PROBABILITY && b.kind != SNN_CONN_ALL_TO_ALL) {
        uint64_t kp = 1;
        while (kp < kmax)
            kp <<= 1;
        b.scr_words = (uint32_t)(kp + (5ull * kmax + 7) / 8 + 1);
        b.scr = (uint64_t *)snn_cb_alloc(&mem, (size_t)snn_grid * b.scr_words * 8, what, 0);
    }
    unsigned long long flags[4];
    /* pass 0: row lengths */
    snn_cb_run(b, 0);
    SNN_CU(cudaMemcpy(flags, b.flags, sizeof flags, cudaMemcpyDeviceToHost));
    if (flags[1]) {
        snn_cb_release(&mem);
        snn_cu_free(b.row_len, (size_t)n_pre * 4);
        return snn_cb_decline(proj, "a geometric skip within rounding of log's last bit");
    }
    /* the row starts on the host (with the rows' slack, as snn_ragged_build) */
    snprintf(what, sizeof what, "projection '%s' row lengths", spec->name);
    uint32_t *row_len = (uint32_t *)snn_alloc((size_t)n_pre * 4, what);
    snprintf(what, sizeof what, "projection '%s' row offsets", spec->name);
    uint64_t *row_start = (uint64_t *)snn_alloc(((size_t)n_pre + 1) * 8, what);
    SNN_CU(cudaMemcpy(row_len, b.row_len, (size_t)n_pre * 4, cudaMemcpyDeviceToHost));
    uint64_t cap = 0, total = 0;
    for (uint32_t i = 0; i < n_pre; i++) {
        row_start[i] = cap;
        cap += (uint64_t)row_len[i] + spec->slack;
        total += row_len[i];
    }
    row_start[n_pre] = cap;
    const uint64_t entry = (uint64_t)(b.ib + b.wb + b.db);
    size_t dfree = 0, dtotal = 0;
    SNN_CU(cudaMemGetInfo(&dfree, &dtotal));
    if (cap > UINT64_MAX / 16 || (cap * (entry + 8) + ((uint64_t)n_pre + 1) * 8) > (uint64_t)dfree) {
        /* the rows and their sort keys do not fit: the host builds, then copies the rows */
        snn_cb_release(&mem);
        snn_cu_free(b.row_len, (size_t)n_pre * 4);
        snn_free(row_len, (size_t)n_pre * 4);
        snn_free(row_start, ((size_t)n_pre + 1) * 8);
        return snn_cb_decline(proj, "device memory (rows and sort keys)");
    }
    snn_ragged d;
    memset(&d, 0, sizeof d);
    snprintf(what, sizeof what, "projection '%s' row starts", spec->name);
    d.row_start = (uint64_t *)snn_cb_alloc(&mem, ((size_t)n_pre + 1) * 8, what, 1);
    SNN_CU(cudaMemcpy(d.row_start, row_start, ((size_t)n_pre + 1) * 8, cudaMemcpyHostToDevice));
    b.row_start = d.row_start;
    snprintf(what, sizeof what, "projection '%s' target indices", spec->name);
    d.ind = snn_cb_alloc(&mem, (size_t)(cap * (uint64_t)b.ib), what, 1);
    b.ind = d.ind;
    if (b.wb) {
        snprintf(what, sizeof what, "projection '%s' weights", spec->name);
        b.weight = d.weight = snn_cb_alloc(&mem, (size_t)(cap * (uint64_t)b.wb), what, 1);
    }
    if (b.db) {
        snprintf(what, sizeof what, "projection '%s' delays", spec->name);
        b.delay = d.delay = snn_cb_alloc(&mem, (size_t)(cap * (uint64_t)b.db), what, 1);
    }
    snprintf(what, sizeof what, "projection '%s' sort keys", spec->name);
    b.key = (uint64_t *)snn_cb_alloc(&mem, (size_t)(cap * 8), what, 0);
    /* pass 1, the sort, the entries */
    for (int step = 1; step <= 3; step++)
        snn_cb_run(b, step);
    SNN_CU(cudaMemcpy(flags, b.flags, sizeof flags, cudaMemcpyDeviceToHost));
    snn_cb_release(&mem);
    if (flags[2]) { /* an invalid delay or weight: the host builds and reports it */
        snn_cu_free(b.row_len, (size_t)n_pre * 4);
        snn_cu_free(d.row_start, ((size_t)n_pre + 1) * 8);
        snn_cu_free(d.ind, (size_t)(cap * (uint64_t)b.ib));
        snn_cu_free(d.weight, (size_t)(cap * (uint64_t)b.wb));
        snn_cu_free(d.delay, (size_t)(cap * (uint64_t)b.db));
        snn_free(row_len, (size_t)n_pre * 4);
        snn_free(row_start, ((size_t)n_pre + 1) * 8);
        return snn_cb_decline(proj, "an invalid delay or weight (reported by the host)");
    }
    memset(out, 0, sizeof *out);
    out->spec.name = spec->name; /* for messages */
    out->n_pre = n_pre;
    out->n_post = hi - lo;
    out->post_lo = lo;
    out->n_syn = total;
    out->capacity = cap;
    out->row_start = row_start;
    out->row_len = row_len;
    out->checksum = flags[0];
    out->ind_bytes = b.ib;
    out->weight_bytes = b.wb;
    out->delay_bytes = b.db;
    out->max_delay = (uint32_t)flags[3];
    out->bytes = ((uint64_t)n_pre + 1) * 8 + (uint64_t)n_pre * 4 + cap * entry;
    d.row_len = b.row_len;
    snn_ragged dv = *out;
    dv.row_start = d.row_start;
    dv.row_len = d.row_len;
    dv.ind = d.ind;
    dv.weight = d.weight;
    dv.delay = d.delay;
    snn_built[proj] = dv;
    snn_built_on[proj] = 1;
    if (mode && !strcmp(mode, "check"))
        snn_cb_check(proj, spec, seed, out);
    return 1;
}

/* ---- copies of the host state (snn_cu_mirror) ----------------------------------------- */

/* An array: allocated on the first copy, copied again on later ones. */
void *const *snn_cu_array(snn_mirror *mm, const void *host, size_t bytes, const char *what)
{
    if (!mm->dev)
        mm->dev = snn_cu_alloc(bytes, what);
    else if (bytes != mm->bytes)
        snn_fatal("%s changed size on the host (%zu bytes, was %zu)", what, bytes, mm->bytes);
    mm->bytes = bytes;
    mm->host = host;
    if (bytes)
        SNN_CU(cudaMemcpy(mm->dev, host, bytes, cudaMemcpyHostToDevice));
    return &mm->dev;
}

void snn_cu_value(size_t bytes, size_t want, const char *what)
{
    if (bytes != want)
        snn_fatal("%s: %zu bytes on the host, %zu on the device", what, bytes, want);
}

snn_ragged snn_cu_ragged(snn_mirror *mm, const snn_ragged *h, const char *what, uint32_t *maxlen,
                         int proj)
{
    char w[256];
    snn_ragged d = *h;
    if (h->procedural || h->dense) {
        /* procedural: nothing stored, the device regenerates the rows from d.spec and
         * d.seed; dense: the matrix of this rank's targets */
        d.row_start = NULL;
        d.row_len = NULL;
        d.ind = NULL;
        d.delay = NULL;
        d.weight = NULL;
        if (h->dense) {
            snprintf(w, sizeof w, "%s dense matrix", what);
            d.weight = snn_cu_copy(h->weight, (size_t)(h->capacity * (uint64_t)h->weight_bytes), w);
        }
        *maxlen = h->n_post;
        mm->rows = d;
        return d;
    }
    uint32_t ml = 0;
    for (uint32_t i = 0; i < h->n_pre; i++)
        ml = h->row_len[i] > ml ? h->row_len[i] : ml;
    *maxlen = ml;
    if (snn_built_on[proj] == 1) { /* built on the device: the rows are there already */
        d = snn_built[proj];
        mm->rows = d;
        return d;
    }
    snprintf(w, sizeof w, "%s row starts", what);
    d.row_start = (uint64_t *)snn_cu_copy(h->row_start, ((size_t)h->n_pre + 1) * 8, w);
    snprintf(w, sizeof w, "%s row lengths", what);
    d.row_len = (uint32_t *)snn_cu_copy(h->row_len, (size_t)h->n_pre * 4, w);
    snprintf(w, sizeof w, "%s target indices", what);
    d.ind = snn_cu_copy(h->ind, (size_t)(h->capacity * (uint64_t)h->ind_bytes), w);
    snprintf(w, sizeof w, "%s weights", what);
    d.weight = h->weight ? snn_cu_copy(h->weight, (size_t)(h->capacity * (uint64_t)h->weight_bytes), w)
                         : NULL;
    snprintf(w, sizeof w, "%s delays", what);
    d.delay = h->delay ? snn_cu_copy(h->delay, (size_t)(h->capacity * (uint64_t)h->delay_bytes), w)
                       : NULL;
    mm->rows = d;
    return d;
}

snn_columns snn_cu_columns(snn_mirror *mm, const snn_columns *h, const char *what, int proj)
{
    char w[256];
    snn_columns d = *h;
    if (snn_built_cols[proj].start) { /* built on the device with its rows */
        d = snn_built_cols[proj];
        mm->cols = d;
        return d;
    }
    const uint64_t n = h->start[h->n_post];
    snprintf(w, sizeof w, "%s column starts", what);
    d.start = (uint64_t *)snn_cu_copy(h->start, ((size_t)h->n_post + 1) * 8, w);
    snprintf(w, sizeof w, "%s column positions", what);
    d.syn = (uint64_t *)snn_cu_copy(h->syn, (size_t)n * 8, w);
    snprintf(w, sizeof w, "%s column sources", what);
    d.pre = (uint32_t *)snn_cu_copy(h->pre, (size_t)n * 4, w);
    mm->cols = d;
    return d;
}

/* ---- state recordings ----------------------------------------------------------------- */

#ifndef SNN_VRB_BYTES
#define SNN_VRB_BYTES (64u << 20) /* device bytes per state recording (rows, then a flush) */
#endif
/* The rows of a state recording, gathered on the device: each recorded step's values are
 * copied on the stream into the next row (no synchronisation); the rows go to the host
 * when the buffer is full, at the end of a spike recording block and at the end. */
void snn_vrb_flush(snn_run *run, int k)
{
    snn_vrbuf *b = &snn_vrb[k];
    if (!b->n)
        return;
    SNN_CU(cudaMemcpyAsync(b->host, b->dev, b->n * b->bytes, cudaMemcpyDeviceToHost, snn_stream));
    SNN_CU(cudaStreamSynchronize(snn_stream));
    for (uint32_t i = 0; i < b->n; i++)
        snn_varrec_add(run->varrec[k], (double)(b->step[i] + 1) * snn_vrb_dt, b->host + (size_t)i * b->bytes);
    b->n = 0;
}

void snn_vrb_flush_all(snn_run *run)
{
    for (int k = 0; k < snn_nvrb; k++)
        if (run->varrec[k])
            snn_vrb_flush(run, k);
}

void snn_vrb_alloc(int k, const snn_mirror *mm, size_t bytes)
{
    snn_vrbuf *b = &snn_vrb[k];
    if (bytes > mm->bytes) /* MPI: the rank holds (and records) fewer neurons */
        bytes = mm->bytes;
    size_t cap = (size_t)SNN_VRB_BYTES / (bytes ? bytes : 1);
    if (cap > snn_vrb_rec_block)
        cap = snn_vrb_rec_block;
    if (cap < 1)
        cap = 1;
    b->bytes = bytes;
    b->cap = (uint32_t)cap;
    b->n = 0;
    b->dev = (char *)snn_cu_alloc(cap * bytes, "state recording rows");
    b->host = (char *)snn_alloc(cap * bytes, "state recording rows (host)");
    b->step = (uint64_t *)snn_alloc(cap * sizeof(uint64_t), "state recording steps (host)");
}

void snn_copy_state(snn_run *run, int k, const snn_mirror *mm, uint64_t step)
{
    snn_vrbuf *b = &snn_vrb[k];
    SNN_CU(cudaMemcpyAsync(b->dev + (size_t)b->n * b->bytes, mm->dev, b->bytes, cudaMemcpyDeviceToDevice,
                           snn_stream));
    b->step[b->n++] = step;
    if (b->n == b->cap)
        snn_vrb_flush(run, k);
}

/* ---- timers --------------------------------------------------------------------------- */

/* Phase timings of sampled steps whose events have completed (all when 'all'). */
void snn_collect_timers(int all)
{
    while (snn_ev_count > 0) {
        const uint32_t r = (snn_ev_head + SNN_TIMER_RING - snn_ev_count) % SNN_TIMER_RING;
        if (all || snn_ev_count == SNN_TIMER_RING)
            SNN_CU(cudaEventSynchronize(snn_ev[r][SNN_PH_END]));
        else if (cudaEventQuery(snn_ev[r][SNN_PH_END]) != cudaSuccess)
            break;
        for (int k = 1; k < SNN_PH_N; k++) {
            float ms = 0;
            SNN_CU(cudaEventElapsedTime(&ms, snn_ev[r][k - 1], snn_ev[r][k]));
            snn_phase_ms[k] += ms;
        }
        snn_sampled++;
        snn_ev_count--;
    }
    (void)cudaGetLastError(); /* a query of an unfinished event is not an error */
}

/* ---- connectivity updates: the column view of rewired rows ----------------------------- */

uint32_t *snn_cu_rw_columns_alloc(const snn_ragged *d, snn_columns *c, const char *what)
{
    char w[256];
    const uint64_t n = d->capacity ? d->capacity : 1;
    memset(c, 0, sizeof *c);
    c->n_post = d->n_post;
    snprintf(w, sizeof w, "%s rewired column view", what);
    c->start = (uint64_t *)snn_cu_alloc(((size_t)d->n_post + 1) * 8, w);
    c->syn = (uint64_t *)snn_cu_alloc((size_t)n * 8, w);
    c->pre = (uint32_t *)snn_cu_alloc((size_t)n * 4, w);
    c->bytes = ((uint64_t)d->n_post + 1) * 8 + n * 12;
    return (uint32_t *)snn_cu_alloc(((size_t)d->n_post + 1) * 8, w);
}

void snn_cu_rw_columns(const snn_ragged *d, const snn_columns *c, uint32_t *scratch)
{
    uint32_t *cnt = scratch, *cur = scratch + d->n_post + 1;
    SNN_CU(cudaMemsetAsync(cnt, 0, ((size_t)d->n_post + 1) * 4, snn_stream));
    snn_dev::snn_k_ccols<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>(*d, 0, cnt, c->start, c->syn);
    snn_dev::snn_k_rwscan<<<1, 32, 0, snn_stream>>>(cnt, cur, c->start, d->n_post);
    snn_dev::snn_k_ccols<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>(*d, 1, cur, c->start, c->syn);
    snn_dev::snn_k_segsort<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>(c->syn, c->start, cnt, d->n_post);
    snn_dev::snn_k_rwcpre<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>(*d, c->syn, c->pre, c->start);
    SNN_CU(cudaGetLastError());
}

/* ---- synapse recordings: the device rows back into the host's snn_ragged ------------- */

void snn_cu_rows_to_host(const snn_ragged *d, snn_ragged *h)
{
    if (h->dense || h->procedural)
        snn_fatal("internal error: fetching rows of a dense or procedural projection");
    const size_t cap = (size_t)h->capacity;
    if (!h->row_start) {
        h->row_start = (uint64_t *)snn_alloc(((size_t)h->n_pre + 1) * 8, "synapse recording rows");
        h->row_len = (uint32_t *)snn_alloc((size_t)h->n_pre * 4, "synapse recording rows");
        h->ind = snn_alloc(cap ? cap * (size_t)h->ind_bytes : 1, "synapse recording rows");
        if (h->weight_bytes)
            h->weight = snn_alloc(cap ? cap * (size_t)h->weight_bytes : 1, "synapse recording rows");
    }
    SNN_CU(cudaMemcpy(h->row_start, d->row_start, ((size_t)h->n_pre + 1) * 8, cudaMemcpyDeviceToHost));
    SNN_CU(cudaMemcpy(h->row_len, d->row_len, (size_t)h->n_pre * 4, cudaMemcpyDeviceToHost));
    SNN_CU(cudaMemcpy(h->ind, d->ind, cap * (size_t)h->ind_bytes, cudaMemcpyDeviceToHost));
    if (h->weight_bytes && d->weight)
        SNN_CU(cudaMemcpy(h->weight, d->weight, cap * (size_t)h->weight_bytes, cudaMemcpyDeviceToHost));
    if (h->delay_bytes && d->delay) {
        if (!h->delay)
            h->delay = snn_alloc(cap ? cap * (size_t)h->delay_bytes : 1, "synapse delays (host copy)");
        SNN_CU(cudaMemcpy(h->delay, d->delay, cap * (size_t)h->delay_bytes, cudaMemcpyDeviceToHost));
    }
    uint64_t n = 0;
    for (uint32_t i = 0; i < h->n_pre; i++)
        n += h->row_len[i];
    h->n_syn = n;
}

/* ---- checkpoints of rewired rows: the host's rows (a restore's) back to the device ---- */

void snn_cu_rows_to_device(const snn_ragged *h, const snn_ragged *d)
{
    if (h->dense || h->procedural || !h->row_len || !h->ind)
        snn_fatal("internal error: restoring rows of a dense or procedural projection, or "
                  "without a host copy");
    const size_t cap = (size_t)h->capacity;
    SNN_CU(cudaMemcpy(d->row_len, h->row_len, (size_t)h->n_pre * 4, cudaMemcpyHostToDevice));
    SNN_CU(cudaMemcpy(d->ind, h->ind, cap * (size_t)h->ind_bytes, cudaMemcpyHostToDevice));
    if (h->weight_bytes && d->weight && h->weight)
        SNN_CU(cudaMemcpy(d->weight, h->weight, cap * (size_t)h->weight_bytes, cudaMemcpyHostToDevice));
    if (h->delay_bytes && d->delay && h->delay)
        SNN_CU(cudaMemcpy(d->delay, h->delay, cap * (size_t)h->delay_bytes, cudaMemcpyHostToDevice));
}

/* ---- batch reductions over lanes split over MPI ranks ------------------------------------ */

int snn_cu_lanes_reduce(snn_run *run, int slot, const double *terms, uint64_t n, int max,
                        void *var, size_t scalar_bytes)
{
    double *h = snn_lanes_terms(run, slot, n); /* NULL: the rank holds every lane */
    if (!h)
        return 0;
    static double *acc;
    static uint64_t acc_n;
    if (acc_n < n + 1) {
        free(acc);
        acc = (double *)malloc(sizeof(double) * (n + 1));
        if (!acc)
            snn_fatal("out of memory for a batch reduction's sums (%llu values)",
                      (unsigned long long)n);
        acc_n = n + 1;
    }
    SNN_CU(cudaMemcpyAsync(h, terms, sizeof(double) * n * run->lanes, cudaMemcpyDeviceToHost,
                           snn_stream));
    SNN_CU(cudaStreamSynchronize(snn_stream));
    snn_lanes_reduce(run, h, n, max, acc); /* collective: every rank's lanes, in lane order */
    if (scalar_bytes == sizeof(float)) {  /* rounded once, in place (front to back) */
        float *f = (float *)acc;
        for (uint64_t i = 0; i < n; i++)
            f[i] = (float)acc[i];
    }
    SNN_CU(cudaMemcpyAsync(var, acc, scalar_bytes * n, cudaMemcpyHostToDevice, snn_stream));
    SNN_CU(cudaStreamSynchronize(snn_stream));
    return 1;
}
