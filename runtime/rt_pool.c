/*
 * rt_pool.c - the step threads: a pool of worker threads that runs the generated parallel
 * regions of a step, and the choice of how many of them a run uses (snnrt.h, "Step
 * threads"; docs/parallel.md "Threads in the step loop").
 *
 * The generated code splits every population into B thread blocks (run config 'threads')
 * and hands each region of a step to snn_step_blocks as a function of (block, worker): the
 * W step threads claim the blocks, worker w its share [B w / W, B (w + 1) / W) first, in
 * order.  Blocks are independent (no block reads what another writes within a region), so
 * the spikes are bitwise the same for any W from 1 to B and any assignment; W is a speed
 * choice only.  (snn_step_region: a region of workers, fn(arg, w, W) on every worker.)
 *
 * Why not OpenMP in the step loop: a libgomp team synchronises with barriers whose waiting
 * policy (OMP_WAIT_POLICY, GOMP_SPINCOUNT) is read once, when the library is loaded, so a
 * program cannot choose it for itself at run time; by default its threads spin up to about
 * 300,000 iterations before sleeping, which on a core shared with another busy process
 * burns the time slices the descheduled peer needs (a 2-thread COBA run took 30-70x as
 * long as one thread next to one busy process), and even one thread entering a region
 * made a futex system call per step.  This pool waits in two stages: it spins for at most
 * spin_us microseconds of wall time (SNN_SPIN_US, default 50: longer than the serial gap
 * between two regions of a step, so an idle machine makes no system call), then sleeps in
 * a futex until it is woken.  A descheduled peer thus costs its partner at most one
 * bounded spin per wait, and a sleeping thread leaves its core to whoever needs it.
 *
 * Protocol (sequentially consistent atomics; a Dekker pair per direction):
 *   dispatch: the master stores fn, arg, pending, increments gen, and wakes the futex on gen
 *   only when a worker announced it sleeps (sleepers > 0); it then runs its share and waits
 *   until pending is 0 (spin, then futex on pending after announcing master_waits).  A
 *   worker that ends its part decrements pending and, when it was the last and the master
 *   announced it waits, wakes it.  A worker about to sleep increments sleepers before it
 *   checks gen once more in the futex call, so a dispatch either sees the sleeper or the
 *   sleeper sees the dispatch.  Bit 0 of gen says what kind of region it is:
 *   - 0, a region of workers (snn_step_region; the connectivity updates' regions, whose
 *     counters are per worker): pending = W - 1 workers, each calls fn(arg, me, nw) and
 *     checks in, so the master waits for every worker;
 *   - 1, a region of blocks (snn_step_blocks; the step's regions): pending = B blocks, and
 *     the blocks are claimed, not assigned: worker w first claims its own share [B w / W,
 *     B (w + 1) / W) in order, then any block still unclaimed, from the end of the other
 *     workers' shares.  A worker that is late (descheduled by another process on its core,
 *     still asleep) finds its blocks done by the others and the region over: the master
 *     waits for blocks, not for workers, so a busy core costs at most the blocks its worker
 *     had started, never a whole region (docs/parallel.md "Claimed blocks").  Which thread
 *     runs a block changes no result: blocks are independent within a region.
 *   Claims (claim[b], 64 bits) hold the sequence number of the last block region that
 *   claimed block b; region s (bseq) claims b by a compare-and-swap from s - 1 to s.  At the
 *   dispatch of region s every block b < B holds s - 1, a block that left (B shrank)
 *   UINT64_MAX and one never used 0 (above every B so far, which a worker reads after s), so
 *   a late worker that still holds an older s' < s can claim nothing (s - 1 >= s' fails its
 *   test c < s'), and one that read s claims only blocks of region s, while it is open:
 *   fn and arg, read after the claim, are region s's (the master sets the next region's only
 *   after the last block of s has checked in).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "rt_internal.h"
#include "rt_par.h"
#include "snnrt.h"

#include <stdio.h>

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef __linux__
#include <dirent.h>
#include <sched.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() ((void)0)
#endif

/* The CPU time of the calling thread, seconds (a system call: probes only). */
double rt_thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void futex_wait(atomic_uint *w, unsigned v)
{
#ifdef __linux__
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
#else
    (void)w;
    (void)v;
    struct timespec ts = {0, 50000};
    nanosleep(&ts, NULL);
#endif
}

static void futex_wake(atomic_uint *w, int n)
{
#ifdef __linux__
    syscall(SYS_futex, (unsigned *)w, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
#else
    (void)w;
    (void)n;
#endif
}

typedef struct pool {
    int n;                   /* workers, the master (worker 0) included; 1: no pool */
    pthread_t *th;
    double spin_s;           /* the bounded spin before a futex wait */
    snn_region_fn fn;        /* the region being run and its argument */
    snn_block_fn bfn;        /* (a region of blocks) */
    void *arg;
    _Atomic int nw;          /* how many workers share the region (<= n; a late worker
                                reads it after the region's bseq) */
    int stop;
    _Atomic int nb;          /* blocks of the last block region */
    int claim_nb;            /* the blocks the claims are arranged for (the master's) */
    _Atomic unsigned long long bseq; /* block regions dispatched so far */
    _Alignas(64) atomic_uint gen; /* dispatches so far (futex word of the workers) */
    atomic_int sleepers;          /* workers in (or entering) futex_wait on gen */
    _Alignas(64) atomic_uint pending; /* workers still in the region (futex word of the master) */
    atomic_int master_waits;
    /* statistics for run.json */
    uint64_t regions, master_sleeps;
    atomic_ulong worker_sleeps;
    double region_s;         /* wall time of the regions on more than one worker */
    int busy_n;              /* workers that ran a share of such a region (the most nw) */
    struct busy { _Alignas(64) double s; } *busy; /* per worker: wall time in its share */
    /* the regions of blocks since the last pool_take_run: their wall time and count, and
     * their blocks (the running check of rt_steps_after_n; per block sums in bsum) */
    double run_region_s;
    uint64_t run_regions;
    int run_nb;
} pool;

#define POOL_MAX_BLOCKS 1024 /* run config threads: at most 1024 */
static pool P = {.n = 1};
static _Atomic unsigned long long claim[POOL_MAX_BLOCKS];
static atomic_ulong stolen_n; /* blocks run outside their worker's share */
/* the running check's sums per block since the last pool_take_run: wall time and runs on
 * worker 0 (m) and on the others (w); a block's runner adds before it checks the block in,
 * so the master reads them after the join */
static struct bsum {
    double m, w;
    unsigned nm, nw;
} bsum[POOL_MAX_BLOCKS];

/* Spin until *w != v for at most spin_s seconds; the value seen, or v when the spin ran out. */
static unsigned spin_while(atomic_uint *w, unsigned v, double spin_s)
{
    unsigned x = atomic_load(w);
    if (x != v)
        return x;
    const double t_end = snn_now() + spin_s;
    for (;;) {
        for (int k = 0; k < 64; k++) {
            cpu_relax();
            if ((x = atomic_load(w)) != v)
                return x;
        }
        if (snn_now() > t_end)
            return v;
    }
}

/* Region s of blocks on worker me of nw: its own share, then the others' unclaimed blocks
 * (each other worker's share from its end); returns the wall time spent in blocks. */
static double run_blocks(int me, int nw, unsigned long long s)
{
    int nb = atomic_load(&P.nb);
    if (nb > POOL_MAX_BLOCKS)
        nb = POOL_MAX_BLOCKS;
    if (nw < 1 || me >= nw)
        return 0;
    double busy = 0;
    int first = 1;
    for (int k = 0; k < nw; k++) {
        const int w = (me + k) % nw;
        const int b0 = (int)((long)nb * w / nw), b1 = (int)((long)nb * (w + 1) / nw);
        for (int i = 0; i < b1 - b0; i++) {
            const int b = k == 0 ? b0 + i : b1 - 1 - i; /* own forwards, others from the end */
            unsigned long long c = atomic_load(&claim[b]);
            if (c >= s || !atomic_compare_exchange_strong(&claim[b], &c, s))
                continue;
            const double t0 = snn_now();
            P.bfn(P.arg, b, me, first);
            first = 0;
            const double t = snn_now() - t0;
            busy += t;
            if (me == 0)
                bsum[b].m += t, bsum[b].nm++;
            else
                bsum[b].w += t, bsum[b].nw++;
            if (k != 0)
                atomic_fetch_add(&stolen_n, 1);
            if (atomic_fetch_sub(&P.pending, 1) == 1 && me != 0 && atomic_load(&P.master_waits))
                futex_wake(&P.pending, 1);
        }
    }
    return busy;
}

static void *worker_main(void *a)
{
    const int me = (int)(intptr_t)a;
    unsigned seen = 0;
    for (;;) {
        unsigned g = spin_while(&P.gen, seen, P.spin_s);
        if (g == seen) {
            atomic_fetch_add(&P.sleepers, 1);
            atomic_fetch_add(&P.worker_sleeps, 1);
            while ((g = atomic_load(&P.gen)) == seen)
                futex_wait(&P.gen, seen);
            atomic_fetch_sub(&P.sleepers, 1);
        }
        seen = g;
        if (g & 1u) { /* blocks: claim what is left of the newest block region */
            const unsigned long long s = atomic_load(&P.bseq);
            const double t = run_blocks(me, P.nw, s);
            if (t > 0) /* (a block ran: before its region's join, where the master reads) */
                P.busy[me].s += t;
            continue;
        }
        if (P.stop)
            break;
        if (me < P.nw) {
            const double t0 = snn_now();
            P.fn(P.arg, me, P.nw);
            P.busy[me].s += snn_now() - t0; /* read by the master after the join */
        }
        if (atomic_fetch_sub(&P.pending, 1) == 1 && atomic_load(&P.master_waits))
            futex_wake(&P.pending, 1);
    }
    rt_conn_thread_release(); /* this thread's procedural-row buffers */
    return NULL;
}

/* gen's next value of the kind (bit 0: 1 a region of blocks, 0 a region of workers) */
static unsigned next_gen(unsigned blocks)
{
    return ((atomic_load(&P.gen) >> 1) + 1u) << 1 | blocks;
}

static void pool_dispatch(int stop)
{
    atomic_store(&P.pending, (unsigned)(P.n - 1));
    P.stop = stop;
    atomic_store(&P.gen, next_gen(0));
    if (atomic_load(&P.sleepers) > 0)
        futex_wake(&P.gen, INT_MAX);
}

/* A region of nb blocks: the claims arranged (see the protocol above), then published. */
static unsigned long long pool_dispatch_blocks(int nb)
{
    const unsigned long long s = atomic_load(&P.bseq) + 1;
    if (nb != P.claim_nb) {
        /* blocks that join hold s - 1 (claimable by region s only), blocks that leave
         * UINT64_MAX (by no region); the others already hold s - 1 */
        for (int b = 0; b < POOL_MAX_BLOCKS; b++)
            if (b < nb && (b >= P.claim_nb || atomic_load(&claim[b]) != s - 1))
                atomic_store(&claim[b], s - 1);
            else if (b >= nb && b < P.claim_nb)
                atomic_store(&claim[b], ~0ull);
        P.claim_nb = nb;
    }
    atomic_store(&P.nb, nb);
    atomic_store(&P.pending, (unsigned)nb);
    atomic_store(&P.bseq, s);
    atomic_store(&P.gen, next_gen(1));
    if (atomic_load(&P.sleepers) > 0)
        futex_wake(&P.gen, INT_MAX);
    return s;
}

static void pool_join(void)
{
    if (atomic_load(&P.pending) == 0)
        return;
    const double t_end = snn_now() + P.spin_s;
    for (;;) {
        for (int k = 0; k < 64; k++) {
            cpu_relax();
            if (atomic_load(&P.pending) == 0)
                return;
        }
        if (snn_now() > t_end)
            break;
    }
    atomic_store(&P.master_waits, 1);
    P.master_sleeps++;
    unsigned p;
    while ((p = atomic_load(&P.pending)) != 0)
        futex_wait(&P.pending, p);
    atomic_store(&P.master_waits, 0);
}

void rt_pool_start(int n)
{
    if (n <= P.n)
        return;
    rt_pool_stop();
    const char *s = getenv("SNN_SPIN_US");
    double us = s && *s ? atof(s) : 50.0;
    P.spin_s = us > 0 ? us * 1e-6 : 0;
    P.th = calloc((size_t)n, sizeof *P.th);
    struct busy *busy = aligned_alloc(64, (size_t)n * sizeof *busy);
    if (!P.th || !busy)
        snn_fatal("out of memory for %d step threads", n);
    /* the times so far carry over to the larger pool */
    for (int w = 0; w < n; w++)
        busy[w].s = P.busy && w < P.busy_n ? P.busy[w].s : 0;
    free(P.busy);
    P.busy = busy;
    atomic_store(&P.gen, 0u);
    atomic_store(&P.sleepers, 0);
    atomic_store(&P.master_waits, 0);
    P.stop = 0;
    P.n = 1;
    for (int w = 1; w < n; w++) {
        int rc = pthread_create(&P.th[w], NULL, worker_main, (void *)(intptr_t)w);
        if (rc != 0) {
            P.n = w; /* the ones started so far are stopped by rt_pool_stop */
            rt_pool_stop();
            snn_fatal("cannot start step thread %d of %d: %s", w, n, strerror(rc));
        }
        P.n = w + 1;
    }
}

void rt_pool_stop(void)
{
    if (P.n > 1) {
        pool_dispatch(1);
        for (int w = 1; w < P.n; w++)
            pthread_join(P.th[w], NULL);
    }
    free(P.th);
    P.th = NULL;
    P.n = 1;
}

void rt_pool_stats(uint64_t *regions, uint64_t *master_sleeps, uint64_t *worker_sleeps,
                   uint64_t *stolen)
{
    *stolen = atomic_load(&stolen_n);
    *regions = P.regions;
    *master_sleeps = P.master_sleeps;
    *worker_sleeps = atomic_load(&P.worker_sleeps);
}

void rt_pool_busy(double *region_s, int *n, const double **busy)
{
    static double b[RT_POOL_BUSY_MAX];
    *region_s = P.region_s;
    *n = P.busy_n < RT_POOL_BUSY_MAX ? P.busy_n : RT_POOL_BUSY_MAX;
    for (int w = 0; w < *n; w++)
        b[w] = P.busy[w].s;
    *busy = b;
}

/* The master's part of a dispatch common to both kinds of region */
static void region_begin(void *arg, int nw)
{
    P.arg = arg;
    P.nw = nw;
    P.regions++;
    if (nw > P.busy_n)
        P.busy_n = nw;
}

void snn_step_region(snn_run *run, snn_region_fn fn, void *arg)
{
    const int nw = run->step_threads;
    if (nw <= 1 || P.n < nw) {
        fn(arg, 0, 1);
        return;
    }
    P.fn = fn;
    region_begin(arg, nw);
    /* run.json step_probe: each worker's time in its share against the region's, so the
     * waits at the join (imbalance, a descheduled worker) show; two clock reads (vDSO) per
     * worker and region */
    const double t0 = snn_now();
    pool_dispatch(0);
    fn(arg, 0, nw);
    const double t1 = snn_now();
    pool_join();
    const double t2 = snn_now();
    P.busy[0].s += t1 - t0;
    P.region_s += t2 - t0;
}

void snn_step_blocks(snn_run *run, snn_block_fn fn, void *arg)
{
    const int nw = run->step_threads, nb = run->blocks > 0 ? run->blocks : 1;
    if (nb > POOL_MAX_BLOCKS) /* (run config threads: at most 1024) */
        snn_fatal("%d thread blocks: at most %d", nb, POOL_MAX_BLOCKS);
    if (nw <= 1 || P.n < nw) {
        for (int b = 0; b < nb; b++)
            fn(arg, b, 0, b == 0);
        return;
    }
    P.bfn = fn;
    region_begin(arg, nw);
    const double t0 = snn_now();
    const unsigned long long s = pool_dispatch_blocks(nb);
    const double tb = run_blocks(0, nw, s);
    pool_join();
    const double t2 = snn_now();
    P.busy[0].s += tb;
    P.region_s += t2 - t0;
    P.run_region_s += t2 - t0;
    P.run_regions++;
    P.run_nb = nb;
}

/* The regions of blocks since the last call: their wall time, what one thread would have
 * taken, and how many; then from zero.  One thread's estimate: each block's mean wall time
 * times the regions, the mean from worker 0's runs of it where there are at least
 * RUN_MIN_MASTER (worker 0 waits for nobody; beside a busy process it runs a late worker's
 * blocks often enough), else from the other workers' (a block worker 0 never runs: on an
 * idle machine its own worker is not preempted, and blocks of unequal cost, a stimulus on
 * one half of the neurons, are each measured). */
#define RUN_MIN_MASTER 4
static void pool_reset_run(void) /* the sums from zero (24 KB, once per check) */
{
    memset(bsum, 0, sizeof bsum);
    P.run_region_s = 0;
    P.run_regions = 0;
}

static void pool_take_run(double *region_s, double *one_s, uint64_t *regions)
{
    double one = 0;
    const int nb = P.run_nb < POOL_MAX_BLOCKS ? P.run_nb : POOL_MAX_BLOCKS;
    for (int b = 0; b < nb; b++) {
        const struct bsum *x = &bsum[b];
        const double mean = x->nm >= RUN_MIN_MASTER || !x->nw ? (x->nm ? x->m / x->nm : 0)
                                                              : x->w / x->nw;
        one += mean * (double)P.run_regions;
    }
    *region_s = P.run_region_s;
    *one_s = one;
    *regions = P.run_regions;
    pool_reset_run();
}

/* ---- the choice of the step threads ---------------------------------------------------
 *
 * Forced (run config step_threads: N): N threads for the whole run.  Otherwise, with
 * B > 1 blocks, the run probes:
 *   1. one thread: after PROBE_SKIP steps (first touches of pages), the mean step time t1
 *      over at least PROBE1_STEPS steps and PROBE1_S seconds (or PROBE1_MAX_STEPS steps),
 *      and the mean CPU time of the thread per step, c1 (the work, which other processes
 *      on the machine do not inflate).  A model whose step takes less than 2 x MIN_WORK_S
 *      of CPU time stays on one thread: waking a thread and joining it cost microseconds,
 *      which less work per thread does not pay back.
 *   2. otherwise W = min(B, c1 / MIN_WORK_S) threads.  Where stage 1's samples of the other
 *      processes' runnable tasks (others_running, at most OTHERS_SAMPLES) leave a core for
 *      each extra thread (mean below cores - W + 1/2; rt_ncpus: the affinity mask's cores
 *      over the node's MPI ranks), the run goes to W threads at once and the running check
 *      decides (T.info.by_check; stage 1 again every RECHECK_S, no turns):
 *      the turns below misjudged hpc_benchmark, whose threads they timed slower in turns
 *      although they were faster.  Otherwise W threads and one thread take turns of
 *      PROBEX_TURN calls (steps or windows; the first of each turn not counted: the switch),
 *      for at least PROBEX_STEPS steps and PROBEX_S seconds; W stays when its turns'
 *      wall time per step is below one thread's (turn_ratio < 1), else the run goes back
 *      to one thread (a busy core, a model bound by memory bandwidth).  When W threads are
 *      clearly slower (turn_ratio > 1.5 after PROBEX_EARLY steps each) the probe stops early, and
 *      probes that W threads lose come less and less often (up to every LOST_RECHECK_S).
 *      Within a turn means, not medians: the cost of many networks is in bursts
 *      (hpc_benchmark: most steps nearly empty, a few full of spikes); across turns the
 *      median of each threaded turn's ratio to its one-thread neighbours (turn_ratio).
 * The probe is repeated FIRST_RECHECK_S seconds (wall time) after the previous one, then
 * twice as long each time (four times after a clear outcome: a turn ratio below
 * CLEAR_RATIO or above its inverse) up to RECHECK_S, so a run follows its activity (networks often
 * start quiet) and a load that comes or goes.  The gap is at least the probe's cost over
 * PROBE_SHARE: its steps on the side that lost times the step-time difference that decided
 * (docs/parallel.md "What the probe costs").  A model whose threads
 * win by a wide margin (the full microcircuit: turn ratio ~0.5, 0.25 ms a step) pays ~15 ms
 * a probe in one-thread steps and so probes every ~1.2 s or less often; a narrow outcome
 * (a busy core) costs little and is checked again soon.  The budget's gap is bounded as
 * the schedule's (RECHECK_S, LOST_RECHECK_S).  Every choice gives the same spikes; the
 * last is reported in run.json ("parallel") and each, with -v, on stderr. */

#define PROBE_SKIP 4
#define PROBE1_STEPS 24
#define PROBE1_S 0.005
#define PROBE1_MAX_STEPS 500
#define PROBEX_STEPS 48
#define PROBEX_S 0.02
#define MIN_WORK_S 10e-6
#define FIRST_RECHECK_S 0.01
#define RECHECK_S 2.0
#define PROBEX_EARLY 8
#define PROBEX_TURN 4
#define PROBEX_MAX_TURNS 256
#define LOST_RECHECK_S 16.0
#define CLEAR_RATIO 0.6
#define PROBE_SHARE 0.01
#define OTHERS_SAMPLES 8
#define RUN_CHECK_S 0.05
#define RUN_CHECK_REGIONS 32
#define RUN_LOSS_RATIO 1.02

enum { T_OFF, T_SKIP, T_PROBE1, T_PROBEX, T_RUN };

static struct {
    int state, blocks, cand, verbose;
    int turn;             /* T_PROBEX: calls into the current turn (0: its first) */
    double tsum;          /* T_PROBEX: the current turn's counted step time and steps */
    uint64_t tn;
    int nturns;           /* the turns' mean step times and kinds (1: threaded), in order */
    double tmean[PROBEX_MAX_TURNS];
    char tkind[PROBEX_MAX_TURNS];
    const char *name;
    int skip;
    double sum[2];        /* step times: one thread, cand threads */
    double cpu;           /* CPU time of the one-thread steps of stage 1 */
    uint64_t joins;       /* calls (one per join of the step threads) in stage 1 */
    uint64_t n[2];
    double t_start;       /* of the probe's current stage */
    double gap, t_probe;  /* T_RUN: wall time between probes; when the last one ended */
    int check_lost;       /* the last running check lost: the next try is a trial of the
                             threads for one check, not a probe */
    uint64_t pn[2];       /* the current probe's steps on one thread and on several (stage 1
                             and all turns' steps, the uncounted ones too) */
    double others;        /* stage 1: the sum of others_running()'s samples, and their count */
    int n_others;
    rt_step_info info;
} T;

/* The MPI ranks of this node, set once at start (rt_main.c check_step_threads; counting
 * them is a collective call, which one rank's probe must not make on its own). */
static int g_local_ranks = 1;

void rt_pool_set_local_ranks(int n)
{
    g_local_ranks = n > 1 ? n : 1;
}

/* The cores this process may run on (its affinity mask, else the online cores; at least
 * 1), shared by the MPI ranks of this node. */
static int rt_ncpus(void)
{
#ifdef __linux__
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0 &&
        (n <= 0 || CPU_COUNT(&set) < n))
        n = CPU_COUNT(&set);
    if (g_local_ranks > 1)
        n /= g_local_ranks;
    return n > 0 ? (int)n : 1;
#else
    return 1;
#endif
}

/* The other processes' runnable tasks now: the machine's (the running count of
 * /proc/loadavg, "0.50 0.40 0.30 2/345 6789", the same as /proc/stat's procs_running in
 * one short read) less this process's threads in state R (/proc/self/task/<tid>/stat;
 * the caller, and an OpenMP thread of the construction still spinning, which sleeps
 * soon), or -1 where they cannot be read.  The other MPI ranks of this node count as
 * others (rt_ncpus divides the cores among them). */
static int others_running(void)
{
#ifdef __linux__
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return -1;
    double l1, l5, l15;
    int n = -1, total;
    if (fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &n, &total) != 5)
        n = -1;
    fclose(f);
    if (n < 0)
        return -1;
    if (n <= 1)
        return 0; /* only the caller */
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int own = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[64];
        snprintf(path, sizeof path, "/proc/self/task/%.20s/stat", e->d_name);
        FILE *t = fopen(path, "r");
        if (!t)
            continue;
        char buf[512];
        const size_t k = fread(buf, 1, sizeof buf - 1, t);
        fclose(t);
        buf[k] = 0;
        const char *r = strrchr(buf, ')'); /* the state follows the name: ") R " */
        own += r && r[1] == ' ' && r[2] == 'R';
    }
    closedir(d);
    return n > own ? n - own : 0;
#else
    return -1;
#endif
}

/* The threaded turns' mean step time against their one-thread neighbours': for each
 * threaded turn the ratio to the mean of the one-thread turns just before and after it
 * (the one that exists, at the ends), and the median of these ratios.  A network whose
 * activity changes more slowly than a turn (hpc_benchmark's bursts) puts a threaded turn
 * and its neighbours in the same phase, where the means over all turns of each kind mix
 * the phases unevenly; the median keeps a single burst from deciding. */
static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double turn_ratio(void)
{
    double r[PROBEX_MAX_TURNS / 2 + 1];
    int m = 0;
    for (int i = 0; i < T.nturns; i++) {
        if (!T.tkind[i])
            continue;
        double one = 0;
        int c = 0;
        if (i > 0 && !T.tkind[i - 1])
            one += T.tmean[i - 1], c++;
        if (i + 1 < T.nturns && !T.tkind[i + 1])
            one += T.tmean[i + 1], c++;
        if (c && one > 0 && m < PROBEX_MAX_TURNS / 2 + 1)
            r[m++] = T.tmean[i] / (one / c);
    }
    if (!m)
        return 1.0;
    qsort(r, (size_t)m, sizeof r[0], cmp_double);
    return m % 2 ? r[m / 2] : 0.5 * (r[m / 2 - 1] + r[m / 2]);
}

static void set_threads(snn_run *run, int w)
{
    if (w > 1)
        rt_pool_start(w);
    run->step_threads = w;
}

void rt_steps_begin(snn_run *run, const char *name, int forced, int verbose)
{
    memset(&T, 0, sizeof T);
    T.info.window = 1;
    T.name = name;
    T.verbose = verbose;
    T.blocks = run->blocks > 0 ? run->blocks : 1;
    T.info.blocks = T.blocks;
    T.info.t1 = T.info.tw = T.info.ratio = T.info.run_ratio = T.info.others_running = -1;
    run->step_threads = 1;
    if (forced > 0) {
        T.info.mode = "forced";
        set_threads(run, forced < T.blocks ? forced : T.blocks);
        T.state = T_OFF;
    } else if (T.blocks == 1) {
        T.info.mode = "one block";
        T.state = T_OFF;
    } else {
        T.info.mode = "auto";
        T.state = T_SKIP;
        T.skip = PROBE_SKIP;
    }
    T.info.threads = run->step_threads;
    if (T.verbose && T.state == T_OFF && rt_par_rank() == 0)
        fprintf(stderr, "%s: step threads: %d (%s, %d thread block%s)\n", name,
                run->step_threads, T.info.mode, T.blocks, T.blocks == 1 ? "" : "s");
}

int rt_steps_timing(void)
{
    return T.state == T_SKIP || T.state == T_PROBE1 || T.state == T_PROBEX;
}

static void decided(snn_run *run, uint64_t step, int w, int lost)
{
    set_threads(run, w);
    if (w != T.info.threads)
        T.info.switches++; /* the choice changed */
    T.info.threads = w;
    T.state = T_RUN;
    T.t_probe = snn_now();
    pool_reset_run(); /* the running check counts from here */
    /* the probe's cost: its steps on the losing side times the difference that decided, the
     * turns' mean step time on that side times (1 - the median turn ratio) or (1 - its
     * inverse) (none when the size decided: no threaded steps then).  The turns' means and
     * ratio, not the steps' own times: stage 1 of a run's first probe pays first touches of
     * pages that the threads would have paid as well (brunel: 10 ms against 3 ms), and the
     * ratio, not t1 - tw, since the median ratio can say threads where the means say one */
    double cost = 0, r = T.info.ratio;
    if (T.info.tw >= 0 && r > 0)
        cost = w > 1 ? (double)T.pn[0] * T.info.t1 * (1 - r) : (double)T.pn[1] * T.info.tw * (1 - 1 / r);
    if (cost < 0)
        cost = 0;
    T.info.probe_cost_s += cost;
    if (cost > T.info.probe_cost_max_s)
        T.info.probe_cost_max_s = cost;
    /* a clear outcome (one side at least 1/0.6 times faster) is re-checked four times
     * less often each time, an unclear one twice: the microcircuit's probes (its threads at
     * 0.49 of one thread's step time) ran ~500 of its 10,000 steps on one thread */
    const int clear = T.info.ratio >= 0 && (T.info.ratio < CLEAR_RATIO || T.info.ratio > 1.0 / CLEAR_RATIO);
    T.gap = T.gap > 0 ? T.gap * (clear ? 4 : 2) : FIRST_RECHECK_S;
    if (T.gap > (lost ? LOST_RECHECK_S : RECHECK_S))
        T.gap = lost ? LOST_RECHECK_S : RECHECK_S;
    /* the probes' share of the wall time: at most PROBE_SHARE between two probes, but no
     * longer apart than the schedule's bound: on a loaded machine a one-thread turn that
     * loses its core makes a turn ratio of 0.1 and a cost of 35 ms (Brunel beside a busy
     * process at load 6), which must not keep a wrong choice for 3.5 s */
    const double cap = lost ? LOST_RECHECK_S : RECHECK_S;
    const double budget = cost / PROBE_SHARE < cap ? cost / PROBE_SHARE : cap;
    if (T.gap < budget)
        T.gap = budget;
    if (T.verbose && rt_par_rank() == 0) {
        if (T.info.tw < 0 && w > 1)
            fprintf(stderr, "%s: step threads: %d (steps to %llu: %.1f us of work between two "
                            "joins; %.1f other runnable tasks on %d cores: the running check "
                            "decides)\n",
                    T.name, w, (unsigned long long)step + 1, T.info.cj * 1e6,
                    T.info.others_running, rt_ncpus());
        else if (T.info.tw < 0)
            fprintf(stderr, "%s: step threads: 1 (steps to %llu: %.1f us of work between two "
                            "joins, less than 2 x %.0f us)\n",
                    T.name, (unsigned long long)step + 1, T.info.cj * 1e6, MIN_WORK_S * 1e6);
        else
            fprintf(stderr, "%s: step threads: %d (steps to %llu: %.1f us per step on one "
                            "thread, %.1f us on %d; median turn ratio %.2f; probe cost %.2f ms, "
                            "next in %.2f s)\n",
                    T.name, w, (unsigned long long)step + 1, T.info.t1 * 1e6,
                    T.info.tw * 1e6, T.cand, T.info.ratio, cost * 1e3, T.gap);
    }
}

void rt_steps_window(uint32_t w)
{
    T.info.window = w;
}

void rt_steps_after(snn_run *run, uint64_t step, double dt, double cpu)
{
    rt_steps_after_n(run, step, 1, dt, cpu);
}

/* After n steps ending with 'step' run in one call (a window: one region, one join), dt and
 * cpu the times of all n: the probe's means are per step (sums over the steps counted). */
void rt_steps_after_n(snn_run *run, uint64_t step, uint32_t n, double dt, double cpu)
{
    const int on = run->step_threads > 1; /* the threads this call ran on */
    if (on)
        T.info.steps_threaded += n;
    if (T.state == T_PROBE1 || T.state == T_PROBEX) { /* not the skipped steps: first touches */
        T.pn[on] += n;
    }
    switch (T.state) {
    case T_OFF:
        return;
    case T_RUN: /* every 16 steps (a multiple of 16 crossed) */
        if (((step + 1) >> 4) == ((step + 1 - n) >> 4))
            return;
        if (on && P.run_region_s >= RUN_CHECK_S && P.run_regions >= RUN_CHECK_REGIONS) {
            /* the running check (docs/parallel.md "Claimed blocks"): the threads' regions
             * against one thread's estimate (pool_take_run); slower: one thread */
            double region_s, one_s;
            uint64_t regions;
            pool_take_run(&region_s, &one_s, &regions);
            T.info.run_checks++;
            T.info.run_ratio = one_s > 0 ? region_s / one_s : -1;
            if (one_s > 0 && region_s <= RUN_LOSS_RATIO * one_s)
                T.check_lost = 0;
            if (one_s > 0 && region_s > RUN_LOSS_RATIO * one_s) {
                T.check_lost = 1;
                const int was = run->step_threads;
                T.info.run_losses++;
                T.info.threads = 1;
                T.info.switches++;
                set_threads(run, 1);
                /* a probe again after the loss's cost over the budget (its extra time over
                 * PROBE_SHARE), at least twice the last gap, at most LOST_RECHECK_S */
                const double cost = region_s - one_s;
                T.gap = T.gap > 0 ? 2 * T.gap : FIRST_RECHECK_S;
                if (T.gap < cost / PROBE_SHARE)
                    T.gap = cost / PROBE_SHARE;
                if (T.gap > LOST_RECHECK_S)
                    T.gap = LOST_RECHECK_S;
                T.t_probe = snn_now();
                if (T.verbose && rt_par_rank() == 0)
                    fprintf(stderr, "%s: running check: 1 step thread (steps to %llu: %llu "
                                    "regions took %.2f ms on %d threads, %.2f ms at one "
                                    "thread's time per block; next try in %.2f s)\n",
                            T.name, (unsigned long long)step + 1, (unsigned long long)regions,
                            region_s * 1e3, was, one_s * 1e3, T.gap);
                return;
            }
        }
        if (snn_now() - T.t_probe >= T.gap) {
            if (T.check_lost && T.cand > 1 && run->step_threads == 1) {
                /* after a running check that the threads lost, the next try is the threads
                 * themselves for one check (50 ms or more), not a probe: the probe's turns of
                 * a few ms are what a busy core fools (Brunel beside a busy process: turn
                 * ratios 0.36-0.94, the checks 1.03-1.16); a loss doubles the interval */
                pool_reset_run();
                set_threads(run, T.cand);
                T.info.threads = T.cand;
                T.info.switches++;
                T.info.run_trials++;
                T.t_probe = snn_now();
                if (T.verbose && rt_par_rank() == 0)
                    fprintf(stderr, "%s: running check: trying %d step threads (steps from "
                                    "%llu)\n",
                            T.name, T.cand, (unsigned long long)step + 1);
                return;
            }
            T.state = T_SKIP;
            T.skip = 1; /* one step to settle on one thread */
            T.pn[0] = T.pn[1] = 0;
            set_threads(run, 1);
        }
        return;
    case T_SKIP:
        if ((T.skip -= (int)n) <= 0) {
            T.state = T_PROBE1;
            T.sum[0] = T.sum[1] = T.cpu = 0;
            T.n[0] = T.n[1] = 0;
            T.joins = 0;
            T.others = 0;
            T.n_others = 0;
            T.t_start = snn_now();
        }
        return;
    case T_PROBE1: {
        T.sum[0] += dt;
        T.cpu += cpu;
        T.n[0] += n;
        T.joins++;
        if (T.n_others >= 0 && T.n_others < OTHERS_SAMPLES) {
            const int r = others_running();
            if (r < 0)
                T.n_others = -1; /* not readable: the turns decide */
            else
                T.others += r, T.n_others++;
        }
        if (T.n[0] < PROBE1_STEPS ||
            (T.n[0] < PROBE1_MAX_STEPS && snn_now() - T.t_start < PROBE1_S))
            return;
        T.info.t1 = T.sum[0] / (double)T.n[0];
        T.info.c1 = T.cpu / (double)T.n[0];
        T.info.tw = T.info.ratio = -1;
        T.info.probes++;
        /* the work between two joins decides: with windows (a join every D steps) that is
         * D steps' work, which pays for waking and joining threads D times less often */
        T.info.cj = T.cpu / (double)T.joins;
        int w = (int)(T.info.cj / MIN_WORK_S);
        if (w > T.blocks)
            w = T.blocks;
        T.info.others_running = T.n_others > 0 ? T.others / T.n_others : -1;
        if (w < 2) {
            decided(run, step, 1, 0);
            return;
        }
        T.cand = w;
        /* a core for each thread: with fewer other runnable tasks than cores - w + 1/2 the
         * threads start at once and the running check (50 ms of their regions against the
         * same regions' block times) decides; the turns below judged hpc_benchmark's
         * threads slower where they were faster (docs/parallel.md "A free core for each") */
        if (T.n_others > 0 && T.info.others_running < (double)(rt_ncpus() - w) + 0.5) {
            T.info.by_check = 1;
            decided(run, step, w, 0);
            /* the checks watch the threads; stage 1 again after RECHECK_S (the work and
             * the machine's load may have grown: more threads) */
            T.gap = RECHECK_S;
            return;
        }
        T.info.by_check = 0;
        T.state = T_PROBEX;
        T.sum[0] = T.sum[1] = 0;
        T.n[0] = T.n[1] = 0;
        T.t_start = snn_now();
        T.turn = 0;
        T.tsum = 0;
        T.tn = 0;
        T.nturns = 0;
        set_threads(run, w); /* the probe's first threaded step */
        return;
    }
    case T_PROBEX: {
        const int k = run->step_threads > 1;
        /* turns of PROBEX_TURN calls, the first of each not counted: it pays for the
         * switch (waking the workers, who sleep after their bounded spin while one
         * thread runs; the pool's start), which the threads do not pay once they run
         * (docs/parallel.md) */
        if (T.turn++ > 0) {
            T.sum[k] += dt;
            T.n[k] += n;
            T.tsum += dt;
            T.tn += n;
        }
        if (T.turn < PROBEX_TURN)
            return;
        T.turn = 0;
        /* the turn's mean (turns alternate: threaded ones have odd indices) */
        if (T.nturns < PROBEX_MAX_TURNS) {
            T.tkind[T.nturns] = (char)k;
            T.tmean[T.nturns++] = T.tn ? T.tsum / (double)T.tn : 0;
        }
        T.tsum = 0;
        T.tn = 0;
        const double r = turn_ratio();
        const int early = T.n[0] >= PROBEX_EARLY && T.n[1] >= PROBEX_EARLY && r > 1.5;
        if (!early && (T.n[0] + T.n[1] < PROBEX_STEPS || snn_now() - T.t_start < PROBEX_S ||
                       !T.n[0] || !T.n[1] || T.nturns < 2)) {
            set_threads(run, k ? 1 : T.cand); /* take turns */
            return;
        }
        T.info.t1 = T.sum[0] / (double)T.n[0];
        T.info.tw = T.sum[1] / (double)T.n[1];
        T.info.ratio = r;
        const int win = r < 1.0;
        decided(run, step, win ? T.cand : 1, !win);
        return;
    }
    }
}

const rt_step_info *rt_steps_info(void)
{
    rt_pool_stats(&T.info.regions, &T.info.master_sleeps, &T.info.worker_sleeps,
                  &T.info.blocks_stolen);
    return &T.info;
}
