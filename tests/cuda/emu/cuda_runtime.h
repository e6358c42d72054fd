/*
 * tests/cuda/emu/cuda_runtime.h - just enough of CUDA to run a generated <name>.cu on the
 * CPU, for tests/e2e/cuda_emulated.sh on machines without a GPU.  Not a CUDA
 * implementation: blocks run one after the other, and the threads of a block one after
 * the other as coroutines (ucontext) on one OS thread, each until it ends or reaches
 * __syncthreads(), where it waits until every thread of the block has arrived (a valid
 * interleaving of a CUDA block; atomics are then plain read-modify-writes); memory is
 * host memory (SNN_EMU_DEVICE_BYTES in the environment limits it, as a GPU's size would);
 * copies are memcpy.  SNN_EMU_ORDER=reverse runs the blocks and a block's threads in
 * reverse order (another valid schedule, for tests of order independence).  The
 * launch syntax k<<<g, b, s, st>>>(args) is rewritten by the test (sed) into
 * snn_emu_launch(g, b, s, st, [&] { k(args); }).
 */
#ifndef SNN_EMU_CUDA_RUNTIME_H
#define SNN_EMU_CUDA_RUNTIME_H

#include <stdint.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <functional>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __constant__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(n)
#define CUDART_VERSION 13000

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};
static dim3 threadIdx;
static dim3 blockIdx, blockDim, gridDim;

static void snn_emu_barrier(void);
#define __syncthreads() snn_emu_barrier()

template <class T> static inline T atomicAdd(T *p, T v)
{
    T old = *p;
    *p = old + v;
    return old;
}

template <class T> static inline T atomicMax(T *p, T v)
{
    T old = *p;
    *p = old > v ? old : v;
    return old;
}

template <class T> static inline T atomicOr(T *p, T v)
{
    T old = *p;
    *p = old | v;
    return old;
}

/* Warp primitives: the emulation runs blocks of 32 threads, one warp, so a warp-wide
 * exchange is a pair of block barriers around a write and a read of one slot per lane.
 * As on a GPU, every lane of the warp must take part (full mask). */
static unsigned long long snn_emu_lane_slot[32];
static void snn_emu_warp_check(unsigned mask)
{
    if (mask != 0xffffffffu || blockDim.x != 32) {
        fprintf(stderr, "emulation: warp primitive with mask %08x in a block of %u threads "
                        "(full warps of a 32-thread block only)\n", mask, blockDim.x);
        abort();
    }
}
template <class T> static inline T snn_emu_exchange(unsigned mask, T v, unsigned from_lane)
{
    static_assert(sizeof(T) <= sizeof(unsigned long long), "warp exchange of a large type");
    snn_emu_warp_check(mask);
    memcpy(&snn_emu_lane_slot[threadIdx.x], &v, sizeof v);
    snn_emu_barrier(); /* every lane has written */
    T r;
    memcpy(&r, &snn_emu_lane_slot[from_lane & 31u], sizeof r);
    snn_emu_barrier(); /* every lane has read before the next exchange writes */
    return r;
}
template <class T> static inline T __shfl_sync(unsigned mask, T v, int src)
{
    return snn_emu_exchange(mask, v, (unsigned)src);
}
template <class T> static inline T __shfl_up_sync(unsigned mask, T v, unsigned d)
{
    const T r = snn_emu_exchange(mask, v, threadIdx.x >= d ? threadIdx.x - d : threadIdx.x);
    return r;
}
static inline unsigned __ballot_sync(unsigned mask, int pred)
{
    snn_emu_warp_check(mask);
    snn_emu_lane_slot[threadIdx.x] = pred != 0;
    snn_emu_barrier();
    unsigned b = 0;
    for (unsigned l = 0; l < 32; l++)
        b |= (unsigned)snn_emu_lane_slot[l] << l;
    snn_emu_barrier();
    return b;
}
static inline void __syncwarp(unsigned mask = 0xffffffffu)
{
    snn_emu_warp_check(mask);
    snn_emu_barrier();
}
static inline int __popc(unsigned x) { return __builtin_popcount(x); }
static inline int __ffs(int x) { return __builtin_ffs(x); }

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorNoDevice = 100,
    cudaErrorInsufficientDriver = 35,
    cudaErrorNotReady = 600,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
} cudaError_t;
enum cudaMemcpyKind { cudaMemcpyHostToDevice = 1, cudaMemcpyDeviceToHost = 2, cudaMemcpyDeviceToDevice = 3 };
typedef struct snn_emu_stream *cudaStream_t;
typedef struct snn_emu_event *cudaEvent_t;
/* Device memory: host memory, at most $SNN_EMU_DEVICE_BYTES of it when that is set (for
 * tests of running out of device memory); each block remembers its size. */
static size_t snn_emu_dev_used;
static size_t snn_emu_dev_limit(void)
{
    const char *e = getenv("SNN_EMU_DEVICE_BYTES");
    return e && *e ? (size_t)strtoull(e, NULL, 10) : (size_t)1 << 34;
}
struct cudaDeviceProp {
    char name[256];
    int major, minor, multiProcessorCount, maxThreadsPerMultiProcessor;
    size_t totalGlobalMem;
};
struct cudaFuncAttributes {
    int numRegs;
};

static inline const char *cudaGetErrorName(cudaError_t e)
{
    return e == cudaErrorMemoryAllocation ? "cudaErrorMemoryAllocation" : e ? "cudaErrorEmu" : "cudaSuccess";
}
static inline const char *cudaGetErrorString(cudaError_t e)
{
    return e == cudaErrorMemoryAllocation ? "out of memory" : e ? "emulated error" : "no error";
}
static inline cudaError_t cudaGetLastError(void) { return cudaSuccess; }
static inline cudaError_t cudaGetDeviceCount(int *n) { *n = 1; return cudaSuccess; }
static inline cudaError_t cudaGetDevice(int *d) { *d = 0; return cudaSuccess; }
static inline cudaError_t cudaSetDevice(int) { return cudaSuccess; }
static inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int)
{
    memset(p, 0, sizeof *p);
    strcpy(p->name, "CPU emulation (tests/cuda/emu)");
    p->major = 9;
    p->multiProcessorCount = 2; /* grid-stride kernels get 2 blocks */
    p->maxThreadsPerMultiProcessor = SNN_BLOCK;
    p->totalGlobalMem = snn_emu_dev_limit();
    return cudaSuccess;
}
template <class F> static inline cudaError_t cudaFuncGetAttributes(cudaFuncAttributes *a, F)
{
    a->numRegs = 0;
    return cudaSuccess;
}
static inline cudaError_t cudaMalloc(void **p, size_t n)
{
    *p = NULL;
    if (snn_emu_dev_used + n > snn_emu_dev_limit())
        return cudaErrorMemoryAllocation;
    char *b = (char *)calloc(1, n + 16);
    if (!b)
        return cudaErrorMemoryAllocation;
    memcpy(b, &n, sizeof n);
    snn_emu_dev_used += n;
    *p = b + 16;
    return cudaSuccess;
}
static inline cudaError_t cudaFree(void *p)
{
    if (p) {
        size_t n;
        memcpy(&n, (char *)p - 16, sizeof n);
        snn_emu_dev_used -= n;
        free((char *)p - 16);
    }
    return cudaSuccess;
}
static inline cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total)
{
    *total = snn_emu_dev_limit();
    *free_bytes = *total - snn_emu_dev_used;
    return cudaSuccess;
}
static inline cudaError_t cudaMemcpy(void *d, const void *s, size_t n, int)
{
    memcpy(d, s, n);
    return cudaSuccess;
}
static inline cudaError_t cudaMemcpyAsync(void *d, const void *s, size_t n, int, cudaStream_t)
{
    memcpy(d, s, n);
    return cudaSuccess;
}
static inline cudaError_t cudaMemset(void *d, int v, size_t n)
{
    memset(d, v, n);
    return cudaSuccess;
}
static inline cudaError_t cudaMemsetAsync(void *d, int v, size_t n, cudaStream_t)
{
    memset(d, v, n);
    return cudaSuccess;
}
template <class T>
static inline cudaError_t cudaMemcpyToSymbol(T &sym, const void *s, size_t n, size_t off = 0,
                                             int = 0)
{
    memcpy((char *)&sym + off, s, n);
    return cudaSuccess;
}
template <class T>
static inline cudaError_t cudaMemcpyToSymbolAsync(T &sym, const void *s, size_t n, size_t off,
                                                  int, cudaStream_t)
{
    memcpy((char *)&sym + off, s, n);
    return cudaSuccess;
}
template <class T>
static inline cudaError_t cudaMemcpyFromSymbol(void *d, const T &sym, size_t n, size_t off = 0,
                                               int = 0)
{
    memcpy(d, (const char *)&sym + off, n);
    return cudaSuccess;
}
static inline cudaError_t cudaStreamCreate(cudaStream_t *s) { *s = (cudaStream_t)1; return cudaSuccess; }
static inline cudaError_t cudaStreamDestroy(cudaStream_t) { return cudaSuccess; }
static inline cudaError_t cudaStreamSynchronize(cudaStream_t) { return cudaSuccess; }
static inline cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }
static inline cudaError_t cudaEventCreate(cudaEvent_t *e) { *e = (cudaEvent_t)1; return cudaSuccess; }
static inline cudaError_t cudaEventRecord(cudaEvent_t, cudaStream_t) { return cudaSuccess; }
static inline cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
static inline cudaError_t cudaEventQuery(cudaEvent_t) { return cudaSuccess; }
static inline cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t, cudaEvent_t)
{
    *ms = 0;
    return cudaSuccess;
}

/* A launch: blocks in turn; a block's threads as coroutines, switched at barriers. */
enum { SNN_EMU_STACK = 1 << 16 };
static ucontext_t snn_emu_main, snn_emu_ctx[SNN_BLOCK];
/* a context from one getcontext (a system call), copied for each thread of each block and
 * made by makecontext (none): a getcontext per thread and block was a third of the
 * emulation's system calls */
static ucontext_t snn_emu_proto;
static bool snn_emu_have_proto;
static char *snn_emu_stacks[SNN_BLOCK];
static int snn_emu_state[SNN_BLOCK]; /* 0 runnable, 1 at the barrier, 2 done */
static unsigned snn_emu_cur;
static void (*snn_emu_body)(void *);
static void *snn_emu_arg;

static void snn_emu_barrier(void)
{
    snn_emu_state[snn_emu_cur] = 1;
    swapcontext(&snn_emu_ctx[snn_emu_cur], &snn_emu_main);
}

static void snn_emu_entry(void)
{
    snn_emu_body(snn_emu_arg);
    snn_emu_state[snn_emu_cur] = 2;
} /* returns to snn_emu_main through uc_link */

template <class F> static void snn_emu_call(void *f) { (*(F *)f)(); }

/* CUDA graphs: while a stream is being captured, launches are recorded (a copy of the
 * launch closure; the generated code's closures name no locals) and replayed in order by
 * cudaGraphLaunch. */
struct snn_emu_graph {
    std::vector<std::function<void()>> nodes;
};
typedef snn_emu_graph *cudaGraph_t;
typedef snn_emu_graph *cudaGraphExec_t;
enum cudaStreamCaptureMode {
    cudaStreamCaptureModeGlobal,
    cudaStreamCaptureModeThreadLocal,
    cudaStreamCaptureModeRelaxed
};
static snn_emu_graph *snn_emu_capturing;
static inline cudaError_t cudaStreamBeginCapture(cudaStream_t, cudaStreamCaptureMode)
{
    if (snn_emu_capturing) {
        fprintf(stderr, "emulation: a capture inside a capture\n");
        abort();
    }
    snn_emu_capturing = new snn_emu_graph;
    return cudaSuccess;
}
static inline cudaError_t cudaStreamEndCapture(cudaStream_t, cudaGraph_t *g)
{
    *g = snn_emu_capturing;
    snn_emu_capturing = NULL;
    return *g ? cudaSuccess : cudaErrorInvalidValue;
}
static inline cudaError_t cudaGraphInstantiate(cudaGraphExec_t *e, cudaGraph_t g, unsigned long long = 0)
{
    *e = new snn_emu_graph(*g);
    return cudaSuccess;
}
static inline cudaError_t cudaGraphLaunch(cudaGraphExec_t e, cudaStream_t)
{
    for (auto &f : e->nodes)
        f();
    return cudaSuccess;
}
static inline cudaError_t cudaGraphDestroy(cudaGraph_t g)
{
    delete g;
    return cudaSuccess;
}
static inline cudaError_t cudaGraphExecDestroy(cudaGraphExec_t e)
{
    delete e;
    return cudaSuccess;
}

template <class F> static void snn_emu_run(dim3 grid, dim3 block, F f);

template <class F> static void snn_emu_launch(dim3 grid, dim3 block, size_t, cudaStream_t, F f)
{
    if (snn_emu_capturing) {
        snn_emu_capturing->nodes.push_back([grid, block, f]() { snn_emu_run(grid, block, f); });
        return;
    }
    snn_emu_run(grid, block, f);
}

template <class F> static void snn_emu_run(dim3 grid, dim3 block, F f)
{
    if (block.x > SNN_BLOCK || block.y != 1 || block.z != 1) {
        fprintf(stderr, "emulation: a block of %u x %u x %u threads (at most %d x 1 x 1)\n",
                block.x, block.y, block.z, SNN_BLOCK);
        abort();
    }
    gridDim = grid;
    blockDim = block;
    snn_emu_body = snn_emu_call<F>;
    snn_emu_arg = &f;
    /* every block of a grid of up to three dimensions (batch lanes are blockIdx.y:
     * docs/architecture.md "Batch lanes"), x fastest, one block after another */
    const uint64_t nblocks = (uint64_t)grid.x * grid.y * grid.z;
    /* SNN_EMU_ORDER=reverse: the blocks, and a block's threads between its barriers, in
     * reverse order (another valid interleaving: atomics come in another order) */
    static int rev = -1;
    if (rev < 0) {
        const char *o = getenv("SNN_EMU_ORDER");
        rev = o && !strcmp(o, "reverse");
    }
    for (uint64_t bj = 0; bj < nblocks; bj++) {
        const uint64_t bi = rev ? nblocks - 1u - bj : bj;
        blockIdx = dim3((unsigned)(bi % grid.x), (unsigned)(bi / grid.x % grid.y),
                        (unsigned)(bi / grid.x / grid.y));
        for (unsigned t = 0; t < block.x; t++) {
            if (!snn_emu_stacks[t])
                snn_emu_stacks[t] = (char *)malloc(SNN_EMU_STACK);
            if (!snn_emu_have_proto) {
                getcontext(&snn_emu_proto);
                snn_emu_have_proto = true;
            }
            snn_emu_ctx[t] = snn_emu_proto;
            snn_emu_ctx[t].uc_stack.ss_sp = snn_emu_stacks[t];
            snn_emu_ctx[t].uc_stack.ss_size = SNN_EMU_STACK;
            snn_emu_ctx[t].uc_link = &snn_emu_main;
            makecontext(&snn_emu_ctx[t], snn_emu_entry, 0);
            snn_emu_state[t] = 0;
        }
        for (;;) { /* run every runnable thread; then release the barrier */
            unsigned waiting = 0, done = 0;
            for (unsigned u = 0; u < block.x; u++) {
                const unsigned t = rev ? block.x - 1u - u : u;
                if (snn_emu_state[t] == 0) {
                    snn_emu_cur = t;
                    threadIdx = dim3(t, 0, 0); /* dim3(t) would make y and z 1 */
                    swapcontext(&snn_emu_main, &snn_emu_ctx[t]);
                }
                waiting += snn_emu_state[t] == 1;
                done += snn_emu_state[t] == 2;
            }
            if (done == block.x)
                break;
            if (waiting + done == block.x && done) {
                fprintf(stderr, "emulation: __syncthreads() not reached by every thread\n");
                abort();
            }
            for (unsigned t = 0; t < block.x; t++)
                if (snn_emu_state[t] == 1)
                    snn_emu_state[t] = 0;
        }
    }
}

#endif
