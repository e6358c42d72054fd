/*
 * rt_util.c - fatal errors, accounted allocation, memory and time queries, human-readable
 * sizes, mkdir -p and atomic file writes.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise, MADV_HUGEPAGE */
#endif

#include "rt_lanes.h"
#include "snnrt.h"
#include "rt_par.h"
#include "rt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static const char *g_progname = "snnrt";
static void (*g_fatal_hook)(const char *msg);
/* Updated atomically: projections may be built on several threads at once. */
static uint64_t g_bytes_now, g_bytes_peak;
static int g_fatal_started;
static __thread int t_in_fatal; /* this thread is inside snn_fatal (its hook may fail too) */
/* The memory the simulator may use (snn_memory_budget_init), and bytes promised to
 * allocations checked but not made yet (snn_memory_reserve). */
static uint64_t g_budget = UINT64_MAX, g_pending;
static const char *g_budget_why = "this machine's memory";

/* ------------------------------------------------------------------------------------- */

void snn_set_progname(const char *name)
{
    g_progname = (name && *name) ? name : "snnrt";
}

const char *snn_progname(void)
{
    return g_progname;
}

void snn_set_fatal_hook(void (*hook)(const char *msg))
{
    g_fatal_hook = hook;
}

void snn_fatal(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* A failure while this thread already handles one (the hook's run.json or recorder
     * writes): report it and end now, without the hook. */
    if (t_in_fatal) {
        fprintf(stderr, "%s: error: %s\n", g_progname, msg);
        fflush(stderr);
        rt_par_fail_exit();
    }
    t_in_fatal = 1;
    /* with several threads failing at once, only the first reports and exits */
    if (__atomic_exchange_n(&g_fatal_started, 1, __ATOMIC_SEQ_CST)) {
        for (;;)
            pause();
    }
    fflush(stdout);
    int same_everywhere = rt_par_quiet_failure();
    if (rt_par_ranks() > 1 && !same_everywhere)
        fprintf(stderr, "%s: error: rank %d of %d: %s\n", g_progname, rt_par_rank(),
                rt_par_ranks(), msg);
    else
        fprintf(stderr, "%s: error: %s\n", g_progname, msg);
    fflush(stderr);
    /* The hook runs once: a fatal error inside the hook just exits. */
    void (*hook)(const char *) = g_fatal_hook;
    g_fatal_hook = NULL;
    if (hook)
        hook(msg);
    rt_par_fail_exit(); /* exit(1); with MPI: MPI_Abort, which ends every rank */
}

/* ------------------------------------------------------------------------------------- */

void snn_nonfinite(const char *pop, uint64_t neuron, const char *var, double value,
                   uint64_t step, double dt, uint32_t every)
{
    const char *what = isnan(value) ? "NaN" : value > 0 ? "+infinity" : "-infinity";
    uint64_t from = every > 1 ? step / every * every : step; /* after the previous check */
    char since[256] = "";
    if (from < step)
        snprintf(since, sizeof since, "; it became non-finite in steps %llu..%llu (the check "
                 "runs every %u steps: run config finite_check, 1 finds the exact step)",
                 (unsigned long long)from, (unsigned long long)step, every);
    uint32_t lanes, global, lane = rt_lane_now(&lanes, &global);
    char in_lane[96] = ""; /* batches: which lane */
    if (lanes > 1)
        snprintf(in_lane, sizeof in_lane, " in batch lane %u (global lane %u)", lane, global);
    snn_fatal("population '%s', neuron %llu: state variable '%s' is %s%s after step %llu "
              "(t = %g ms)%s", pop, (unsigned long long)neuron, var, what, in_lane,
              (unsigned long long)step, (double)(step + 1) * dt, since);
}

void snn_format_bytes(char *buf, size_t n, double bytes)
{
    static const char *const units[] = {"kB", "MB", "GB", "TB"};
    if (!buf || n == 0)
        return;
    if (bytes < 1000.0) {
        snprintf(buf, n, "%.0f B", bytes);
        return;
    }
    double v = bytes / 1000.0;
    int u = 0;
    /* Move up a unit when the value would print as 1000.0 or more. */
    while (u < 3 && v >= 999.95) {
        v /= 1000.0;
        u++;
    }
    snprintf(buf, n, "%.1f %s", v, units[u]);
}

uint64_t snn_machine_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES);
    long psize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psize > 0)
        return (uint64_t)pages * (uint64_t)psize;
    /* Fall back to /proc/meminfo. */
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "MemTotal: %llu kB", &kb) == 1) {
                fclose(f);
                return (uint64_t)kb * 1024u;
            }
        }
        fclose(f);
    }
    return UINT64_MAX; /* unknown: do not refuse anything */
}

uint64_t snn_peak_rss(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (uint64_t)ru.ru_maxrss * 1024u;
}

/* MemAvailable from /proc/meminfo, or UINT64_MAX when unknown. */
static uint64_t machine_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    uint64_t out = UINT64_MAX;
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                out = (uint64_t)kb * 1024u;
                break;
            }
        fclose(f);
    }
    return out;
}

/* "25000000", "25e6", "25G", "1.5 GB": bytes (k, M, G, T: powers of 1000). */
static int parse_bytes(const char *s, uint64_t *out)
{
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ')
        end++;
    double mul = 1;
    switch (*end) {
    case 'k': case 'K': mul = 1e3; end++; break;
    case 'M': mul = 1e6; end++; break;
    case 'G': mul = 1e9; end++; break;
    case 'T': mul = 1e12; end++; break;
    default: break;
    }
    if (*end == 'B')
        end++;
    if (end == s || *end || !(v > 0) || !(v * mul < 1.8e19))
        return -1;
    *out = (uint64_t)(v * mul);
    return 0;
}

void snn_memory_budget_init(int local_ranks)
{
    const char *env = getenv("SNN_MEMORY");
    uint64_t b;
    if (env && *env) {
        if (parse_bytes(env, &b) != 0)
            snn_fatal("SNN_MEMORY='%s': expected a number of bytes (e.g. 25e9 or 25G)", env);
        g_budget = b;
        g_budget_why = "SNN_MEMORY";
        return;
    }
    uint64_t total = snn_machine_memory(), avail = machine_available();
    if (avail != UINT64_MAX) {
        avail += snn_bytes_allocated();
        g_budget_why = "the memory available at the start (MemAvailable)";
    } else {
        g_budget_why = "this machine's memory";
    }
    b = avail < total ? avail : total;
    if (local_ranks > 1 && b != UINT64_MAX) {
        b /= (uint64_t)local_ranks;
        g_budget_why = "this rank's share of the memory available at the start (MemAvailable "
                       "divided by the ranks on this node)";
    }
    g_budget = b;
}

uint64_t snn_memory_budget(const char **why)
{
    if (why)
        *why = g_budget_why;
    return g_budget;
}

int snn_memory_reserve(uint64_t bytes)
{
    uint64_t pend = __atomic_add_fetch(&g_pending, bytes, __ATOMIC_RELAXED);
    uint64_t now = __atomic_load_n(&g_bytes_now, __ATOMIC_RELAXED);
    if (g_budget != UINT64_MAX && (pend > g_budget || now > g_budget - pend)) {
        __atomic_sub_fetch(&g_pending, bytes, __ATOMIC_RELAXED);
        return -1;
    }
    return 0;
}

void snn_memory_release(uint64_t bytes)
{
    __atomic_sub_fetch(&g_pending, bytes, __ATOMIC_RELAXED);
}

void *snn_alloc(size_t bytes, const char *what)
{
    char need[32], have[32];
    uint64_t mem = snn_machine_memory();
    if (!what)
        what = "data";
    if ((uint64_t)bytes > mem) {
        snn_format_bytes(need, sizeof need, (double)bytes);
        snn_format_bytes(have, sizeof have, (double)mem);
        snn_fatal("cannot allocate %s for %s: this machine has %s of memory", need, what, have);
    }
    /* The total: what the simulator holds and this (a projection's arrays are reserved
     * before, snn_memory_reserve, and counted here as they come). */
    if (g_budget != UINT64_MAX && bytes >= ((size_t)1 << 20)) {
        uint64_t now = __atomic_load_n(&g_bytes_now, __ATOMIC_RELAXED);
        if (now + bytes > g_budget) {
            char held[32];
            snn_format_bytes(need, sizeof need, (double)bytes);
            snn_format_bytes(held, sizeof held, (double)now);
            snn_format_bytes(have, sizeof have, (double)g_budget);
            snn_fatal("cannot allocate %s for %s: the simulator already holds %s, and %s is "
                      "%s (docs/run.md, \"Memory\")",
                      need, what, held, g_budget_why, have);
        }
    }
    /* Arrays under SNN_ALLOC_ALIGNED_MAX (neuron state, inputs and spike flags of all but
     * the largest populations) start on a cache line: a vectorised loop's 512-bit loads
     * and stores then stay within one line each (calloc's 16-byte alignment split every
     * one of them across two lines: COBA's neuron update loop 1.48x slower,
     * docs/performance.md "Arrays on cache lines").  Larger ones keep calloc, whose fresh
     * pages stay untouched until used (a spike queue's slots, huge pages below). */
    void *p = NULL;
    if (bytes < SNN_ALLOC_ALIGNED_MAX) {
        if (posix_memalign(&p, SNN_ALLOC_ALIGN, bytes ? bytes : 1) != 0)
            p = NULL;
        else
            memset(p, 0, bytes);
    } else {
        p = calloc(1, bytes);
    }
    if (!p) {
        snn_format_bytes(need, sizeof need, (double)bytes);
        snn_format_bytes(have, sizeof have, (double)mem);
        char used[32];
        snn_format_bytes(used, sizeof used, (double)g_bytes_now);
        snn_fatal("cannot allocate %s for %s: out of memory (this machine has %s of memory, "
                  "%s already allocated by the simulator)",
                  need, what, have, used);
    }
#ifdef MADV_HUGEPAGE
    /* Large arrays (synapses, state) are written all over: ask for transparent huge pages
     * to cut page faults and TLB misses.  calloc has not touched fresh mmap'd memory yet. */
    if (bytes >= ((size_t)8 << 20)) {
        const uintptr_t huge = (uintptr_t)2 << 20;
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(huge - 1);
        uintptr_t e = ((uintptr_t)p + bytes) & ~(huge - 1);
        if (e > a)
            (void)madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
    }
#endif
    uint64_t now = __atomic_add_fetch(&g_bytes_now, bytes, __ATOMIC_RELAXED);
    uint64_t peak = __atomic_load_n(&g_bytes_peak, __ATOMIC_RELAXED);
    while (now > peak && !__atomic_compare_exchange_n(&g_bytes_peak, &peak, now, 1,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    return p;
}

void snn_free(void *p, size_t bytes)
{
    if (!p)
        return;
    free(p);
    __atomic_sub_fetch(&g_bytes_now, bytes, __ATOMIC_RELAXED);
}

uint64_t snn_bytes_allocated(void)
{
    return __atomic_load_n(&g_bytes_now, __ATOMIC_RELAXED);
}

uint64_t snn_bytes_peak(void)
{
    return __atomic_load_n(&g_bytes_peak, __ATOMIC_RELAXED);
}

uint64_t snn_tick0;

uint64_t snn_ticks_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double snn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ------------------------------------------------------------------------------------- */

static int mkdir_one(const char *path)
{
    struct stat st;
    if (mkdir(path, 0777) == 0)
        return 0;
    if (errno == EEXIST) {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
    }
    return -1;
}

int snn_mkdirs(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    if (n == 0) {
        errno = ENOENT;
        return -1;
    }
    char *tmp = malloc(n + 1);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(tmp, path, n + 1);
    while (n > 1 && tmp[n - 1] == '/')
        tmp[--n] = '\0';
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int rc = mkdir_one(tmp);
        *p = '/';
        if (rc != 0) {
            int e = errno;
            free(tmp);
            errno = e;
            return -1;
        }
    }
    int rc = mkdir_one(tmp);
    int e = errno;
    free(tmp);
    errno = e;
    return rc;
}

int snn_write_file_atomic(const char *path, const char *data, size_t n)
{
    size_t len = strlen(path) + 32;
    char *tmp = malloc(len);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(tmp, len, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, data + done, n - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            goto fail;
        }
        done += (size_t)w;
    }
    /* No fsync: run.json is small and re-creatable; rename gives atomic visibility. */
    if (close(fd) != 0) {
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0)
        goto fail;
    free(tmp);
    return 0;
fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    errno = e;
    return -1;
}

int snn_errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}
