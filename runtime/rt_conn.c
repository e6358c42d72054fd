/*
 * rt_conn.c - connectivity rules and the builder of ragged per-source rows.
 *
 * A column (the sources of target j) is drawn from the Philox stream (seed, spec->stream,
 * element j, step 0), so it does not depend on how targets are split up.  For column rules
 * the builder regenerates every column twice: pass 1 counts row lengths, pass 2 appends j
 * to the row of each source (so each row's targets come out ascending) and draws weights
 * and delays.  fixed_outdegree is generated row by row (element i = source), sorted, and
 * written in one sequential pass.
 *
 * Rules (same_pop && !autapses excludes source j from column j, target i from row i):
 *   all_to_all         every source
 *   one_to_one         source j (the identity pairing: it ignores 'autapses')
 *   fixed_probability  Bernoulli(p) per source by geometric skipping
 *   fixed_indegree     k sources by snn_rng_below; distinct ones (Floyd's algorithm) when
 *                      !multapses
 *   fixed_outdegree    k targets per source, drawn as fixed_indegree's sources, then sorted
 *                      (radix sort, or read off Floyd's bitmap when the row is dense)
 *   fixed_total        per-target counts c_j (multinomial / multivariate hypergeometric,
 *                      see snnrt.h) from (element 0xFFFFFFFF, step j), then c_j sources
 *                      as fixed_indegree's k
 *   user pair form     column j from the generated spec->gen (connectivity{ prob }); with
 *                      max_prob b: geometric skips at b, each candidate kept with
 *                      probability prob / b (snn_conn_bound, snn_conn_above_bound)
 *   user row form      row i from spec->gen (connectivity{ count, target }), then sorted
 *                      and built as fixed_outdegree's rows
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* madvise, MADV_POPULATE_WRITE */
#endif

#include "rt_internal.h"
#include "snnrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* snn_alloc for the synapse arrays, which pass 2 writes from end to end anyway: the pages
 * of a large one are faulted in by one madvise (MADV_POPULATE_WRITE, Linux 5.14 and later;
 * elsewhere a no-op) instead of one page fault each as the rows fill, which costs a trap
 * per page, most of all in a virtual machine.  On huge pages (snn_alloc's MADV_HUGEPAGE)
 * by default; with rt_synapse_small_pages (run config synapse_pages: small) on 4 KiB
 * pages (MADV_NOHUGEPAGE): on this project's VM the kernel's clearing of fresh 2 MiB
 * pages took 1.1-2.4 s of CPU per GB (guest memory the host had not backed since it was
 * freed) against 0.3-0.8 s for small pages, but delivery then misses the TLB on rows
 * (docs/performance.md "Synapse arrays on small pages"). */
int rt_synapse_small_pages;

static void *syn_alloc(size_t bytes, const char *what)
{
    void *p = snn_alloc(bytes, what);
#ifdef MADV_POPULATE_WRITE
    if (bytes >= ((size_t)1 << 20)) {
        const uintptr_t pg = 4096;
        uintptr_t a = ((uintptr_t)p + pg - 1) & ~(pg - 1);
        uintptr_t e = ((uintptr_t)p + bytes) & ~(pg - 1);
        if (e > a) {
#ifdef MADV_NOHUGEPAGE
            if (rt_synapse_small_pages)
                (void)madvise((void *)a, (size_t)(e - a), MADV_NOHUGEPAGE);
#endif
            (void)madvise((void *)a, (size_t)(e - a), MADV_POPULATE_WRITE);
        }
    }
#endif
    return p;
}

/* The synapse bytes of the projections built (or being built) by this process, for the
 * message when the total does not fit: a small table under a spin lock (blocks of one
 * projection are built on several threads at once). */
#define PROJ_NOTES 64
static struct {
    char name[64];
    uint64_t bytes;
} g_notes[PROJ_NOTES];
static int g_n_notes, g_notes_lock;

static void notes_lock(void)
{
    while (__atomic_exchange_n(&g_notes_lock, 1, __ATOMIC_ACQUIRE))
        ;
}

static void notes_unlock(void)
{
    __atomic_store_n(&g_notes_lock, 0, __ATOMIC_RELEASE);
}

static void proj_note(const char *name, uint64_t bytes)
{
    notes_lock();
    int k = 0;
    while (k < g_n_notes && strncmp(g_notes[k].name, name, sizeof g_notes[k].name - 1) != 0)
        k++;
    if (k == g_n_notes && k < PROJ_NOTES) {
        snprintf(g_notes[k].name, sizeof g_notes[k].name, "%s", name);
        g_n_notes++;
    }
    if (k < PROJ_NOTES)
        g_notes[k].bytes += bytes;
    notes_unlock();
}

__attribute__((noreturn)) static void over_budget(const char *name, uint64_t n_syn,
                                                  uint64_t need)
{
    char b1[32], b2[32], b3[32], list[1024] = "";
    const char *why;
    uint64_t budget = snn_memory_budget(&why);
    uint64_t held = snn_bytes_allocated();
    size_t used = 0;
    notes_lock();
    for (int k = 0; k < g_n_notes && used + 64 < sizeof list; k++) {
        snn_format_bytes(b1, sizeof b1, (double)g_notes[k].bytes);
        used += (size_t)snprintf(list + used, sizeof list - used, "%s'%s' %s",
                                 k ? ", " : "", g_notes[k].name, b1);
    }
    notes_unlock();
    snn_format_bytes(b1, sizeof b1, (double)need);
    snn_format_bytes(b2, sizeof b2, (double)held);
    snn_format_bytes(b3, sizeof b3, (double)budget);
    snn_fatal("cannot build projection '%s': its %llu synapses need %s, which with the %s the "
              "simulator holds already (projections built so far: %s) is more than %s, %s "
              "(docs/run.md, \"Memory\")",
              name, (unsigned long long)n_syn, b1, b2, used ? list : "none", b3, why);
}

static const char *proj_name(const snn_proj_spec *spec)
{
    return spec->name ? spec->name : "?";
}

/* Whether column j must skip source j (and row i target i: the same test). */
static inline int excludes_self(const snn_proj_spec *spec, uint32_t j)
{
    return spec->same_pop && !spec->autapses && j < spec->n_pre;
}

static inline int row_excludes_self(const snn_proj_spec *spec, uint32_t i)
{
    return spec->same_pop && !spec->autapses && i < spec->n_post;
}

/* Number of (pre, post) pairs that are candidates: all minus the excluded self pairs. */
static uint64_t candidate_pairs_u64(const snn_proj_spec *spec)
{
    uint64_t pairs = (uint64_t)spec->n_pre * spec->n_post;
    if (spec->same_pop && !spec->autapses)
        pairs -= spec->n_pre < spec->n_post ? spec->n_pre : spec->n_post;
    return pairs;
}

static void check_spec(const snn_proj_spec *spec)
{
    const char *name = proj_name(spec);
    if (spec->kind == SNN_CONN_ONE_TO_ONE && spec->n_pre != spec->n_post)
        snn_fatal("projection '%s': one_to_one needs populations of the same size "
                  "(pre has %u neurons, post %u)",
                  name, spec->n_pre, spec->n_post);
    if (spec->kind == SNN_CONN_FIXED_INDEGREE && spec->n_post > 0) {
        /* Worst case of available sources: n_pre - 1 when one column excludes itself. */
        uint32_t avail = spec->n_pre;
        if (spec->same_pop && !spec->autapses && spec->n_pre > 0)
            avail = spec->n_pre - 1;
        if (spec->k > 0 && avail == 0)
            snn_fatal("projection '%s': fixed_indegree k = %u but there are no possible "
                      "sources",
                      name, spec->k);
        if (!spec->multapses && spec->k > avail)
            snn_fatal("projection '%s': fixed_indegree k = %u without multapses needs at "
                      "least %u distinct sources, but there are only %u%s",
                      name, spec->k, spec->k, avail,
                      avail < spec->n_pre ? " (autapses excluded)" : "");
    }
    if (spec->kind == SNN_CONN_FIXED_OUTDEGREE && spec->n_pre > 0) {
        uint32_t avail = spec->n_post;
        if (spec->same_pop && !spec->autapses && spec->n_post > 0)
            avail = spec->n_post - 1;
        if (spec->k > 0 && avail == 0)
            snn_fatal("projection '%s': fixed_outdegree k = %u but there are no possible "
                      "targets",
                      name, spec->k);
        if (!spec->multapses && spec->k > avail)
            snn_fatal("projection '%s': fixed_outdegree k = %u without multapses needs at "
                      "least %u distinct targets, but there are only %u%s",
                      name, spec->k, spec->k, avail,
                      avail < spec->n_post ? " (autapses excluded)" : "");
    }
    if (spec->kind == SNN_CONN_FIXED_TOTAL && spec->n_total > 0) {
        uint64_t pairs = candidate_pairs_u64(spec);
        int excl = spec->same_pop && !spec->autapses;
        if (pairs == 0)
            snn_fatal("projection '%s': fixed_total n = %llu but there are no possible "
                      "(pre, post) pairs%s",
                      name, (unsigned long long)spec->n_total, excl ? " (autapses excluded)" : "");
        if (!spec->multapses && spec->n_total > pairs)
            snn_fatal("projection '%s': fixed_total n = %llu without multapses needs at least "
                      "%llu distinct (pre, post) pairs, but there are only %llu%s",
                      name, (unsigned long long)spec->n_total,
                      (unsigned long long)spec->n_total, (unsigned long long)pairs,
                      excl ? " (autapses excluded)" : "");
    }
    if ((spec->kind == SNN_CONN_LIST || spec->kind == SNN_CONN_MATRIX) && !spec->data)
        snn_fatal("projection '%s': connectivity from data without its files", name);
    if ((spec->kind == SNN_CONN_USER_PAIR || spec->kind == SNN_CONN_USER_ROW) && !spec->gen)
        snn_fatal("projection '%s': a user-defined rule without its generator", name);
    if (spec->has_delay && !(spec->dt > 0.0 && isfinite(spec->dt)))
        snn_fatal("projection '%s': per-synapse delays need a positive time step dt (got %g)",
                  name, spec->dt);
}

/* A bitmap for Floyd's algorithm; all bits are clear between uses. */
typedef struct bitset {
    uint64_t *w;
    size_t words;
} bitset;

static void bitset_reserve(bitset *b, uint32_t nbits)
{
    size_t words = ((size_t)nbits + 63) / 64;
    if (words <= b->words && b->w)
        return;
    free(b->w);
    b->w = calloc(words ? words : 1, sizeof(uint64_t));
    if (!b->w)
        snn_fatal("out of memory for a connectivity work buffer");
    b->words = words;
}

/* ---- fixed_total's per-target counts ------------------------------------------------ */

/* Hypergeometric: the number of 'good' items among 'sample' drawn without replacement from
 * 'total' items.  Exact up to the rounding of doubles: when fewer than 10 items are drawn
 * (or left behind), item by item; otherwise HRUA, the ratio-of-uniforms method of
 * E. Stadlober, "The ratio of uniforms approach for generating discrete random variates"
 * (J. Comput. Appl. Math. 31, 1990), as in NumPy (with Frohne's corrections), the
 * acceptance test on f(k) / f(mode) taken by snn_lnfact_diff so that it stays accurate for
 * populations of 1e10. */
static uint64_t hypergeom(snn_rng *g, uint64_t sample, uint64_t good, uint64_t total)
{
    if (sample == 0 || good == 0)
        return 0;
    if (good >= total)
        return sample;
    if (sample >= total)
        return good;
    const uint64_t bad = total - good;
    const uint64_t m = sample < total - sample ? sample : total - sample;
    const uint64_t mgb = good < bad ? good : bad, Mgb = good < bad ? bad : good;
    uint64_t k = 0;
    if (m < 10) {
        double left = (double)total, special = (double)mgb;
        for (uint64_t t = 0; t < m && special > 0.0; t++) {
            if (snn_rng_uniform(g) * left < special) {
                k++;
                special -= 1.0;
            }
            left -= 1.0;
        }
    } else {
        const double D1 = 1.7155277699214135; /* 2 sqrt(2/e) */
        const double D2 = 0.8989161620588988; /* 3 - 2 sqrt(3/e) */
        const double dm = (double)m, dmin = (double)mgb, dmax = (double)Mgb;
        const double dt = (double)total, p = dmin / dt, q = dmax / dt;
        const double a = dm * p + 0.5;
        const double c = sqrt((dt - dm) * dm * p * q / (dt - 1.0) + 0.5);
        const double h = D1 * c + D2;
        const double mode = floor((dm + 1.0) * (dmin + 1.0) / (dt + 2.0));
        const double bmax = fmin(fmin(dm, dmin) + 1.0, floor(a + 16.0 * c));
        for (;;) {
            double u = snn_rng_uniform(g), v = snn_rng_uniform(g);
            double x = a + h * (v - 0.5) / u;
            if (x < 0.0 || x >= bmax)
                continue;
            double kk = floor(x);
            double t = snn_lnfact_diff(mode, kk) + snn_lnfact_diff(dmin - mode, dmin - kk) +
                       snn_lnfact_diff(dm - mode, dm - kk) +
                       snn_lnfact_diff(dmax - dm + mode, dmax - dm + kk);
            if (u * (4.0 - u) - 3.0 <= t) { /* fast acceptance */
                k = (uint64_t)kk;
                break;
            }
            if (u * (u - t) >= 1.0) /* fast rejection */
                continue;
            if (2.0 * log(u) <= t) {
                k = (uint64_t)kk;
                break;
            }
        }
    }
    if (good > bad)
        k = m - k;
    if (m < sample)
        k = good - k;
    return k;
}

/* The per-target counts of fixed_total (see snnrt.h); malloc'ed, n_post entries. */
static uint32_t *total_counts(const snn_proj_spec *spec, uint64_t seed)
{
    const uint32_t n_post = spec->n_post;
    uint32_t *counts = malloc(((size_t)n_post + 1) * sizeof *counts);
    if (!counts)
        snn_fatal("out of memory for the per-target counts of projection '%s'",
                  proj_name(spec));
    uint64_t rest = spec->n_total, slots = candidate_pairs_u64(spec);
    for (uint32_t j = 0; j < n_post; j++) {
        uint64_t avail = spec->n_pre - (uint32_t)excludes_self(spec, j), c = 0;
        if (rest > 0 && avail > 0) {
            snn_rng g;
            snn_rng_init(&g, seed, spec->stream, 0xFFFFFFFFu, j);
            if (avail >= slots)
                c = rest;
            else if (spec->multapses)
                c = snn_rng_binomial64(&g, rest, (double)avail / (double)slots);
            else
                c = hypergeom(&g, rest, avail, slots);
        }
        if (c > UINT32_MAX)
            snn_fatal("projection '%s': fixed_total puts %llu synapses on target %u, more "
                      "than the 4294967295 one target can have",
                      proj_name(spec), (unsigned long long)c, j);
        counts[j] = (uint32_t)c;
        rest -= c;
        slots -= avail;
    }
    return counts;
}

uint32_t *snn_conn_total_counts(const snn_proj_spec *spec, uint64_t seed)
{
    check_spec(spec);
    return total_counts(spec, seed);
}

/* ---- column and row generators -------------------------------------------------------- */

/* k values uniform in [0, n) (n > 0): exactly the values, and the stream position, of k
 * calls of snn_rng_below(g, n), but with Lemire's rejection threshold computed once and
 * whole Philox blocks taken four words at a time without a branch per word. */
static inline void below_many(snn_rng *g, uint32_t n, uint32_t k, uint32_t *out)
{
    const uint32_t thr = (uint32_t)(-n) % n; /* a word w is kept iff (w n mod 2^32) >= thr */
    uint32_t got = 0;
    while (got < k && g->left > 0) { /* the rest of a block already started */
        uint64_t m = (uint64_t)snn_rng_u32(g) * n;
        if ((uint32_t)m >= thr)
            out[got++] = (uint32_t)(m >> 32);
    }
    uint32_t w0[RT_BATCH], w1[RT_BATCH], w2[RT_BATCH], w3[RT_BATCH];
    while (k - got >= 4) { /* g->left == 0: whole blocks, each word written below out + k */
        const uint32_t nb = (k - got) / 4 < RT_BATCH ? (k - got) / 4 : RT_BATCH;
        rt_philox_batch(g->key, g->ctr[0], g->ctr[1], g->ctr[2], g->ctr[3], nb, w0, w1, w2,
                        w3);
        g->ctr[0] += nb;
        for (uint32_t b = 0; b < nb; b++) {
            const uint64_t m0 = (uint64_t)w0[b] * n, m1 = (uint64_t)w1[b] * n;
            const uint64_t m2 = (uint64_t)w2[b] * n, m3 = (uint64_t)w3[b] * n;
            out[got] = (uint32_t)(m0 >> 32);
            got += (uint32_t)m0 >= thr;
            out[got] = (uint32_t)(m1 >> 32);
            got += (uint32_t)m1 >= thr;
            out[got] = (uint32_t)(m2 >> 32);
            got += (uint32_t)m2 >= thr;
            out[got] = (uint32_t)(m3 >> 32);
            got += (uint32_t)m3 >= thr;
        }
    }
    while (got < k) {
        uint64_t m = (uint64_t)snn_rng_u32(g) * n;
        if ((uint32_t)m >= thr)
            out[got++] = (uint32_t)(m >> 32);
    }
}

/* k sources out of n_pre for column j (fixed_indegree, fixed_total), in draw order. */
static inline uint32_t draw_sources(snn_rng *g, uint32_t k, uint32_t avail, int excl,
                                    uint32_t j, int multapses, uint32_t *buf, uint64_t *w)
{
    uint32_t n = 0;
    if (k == 0 || avail == 0)
        return 0;
    if (multapses) {
        below_many(g, avail, k, buf);
        n = k;
        if (excl)
            for (uint32_t t = 0; t < n; t++)
                buf[t] += (uint32_t)(buf[t] >= j);
    } else {
        /* Floyd: for t in [avail - k, avail): r = below(t + 1); take t if r is taken. */
        for (uint32_t t = avail - k; t < avail; t++) {
            uint32_t r = snn_rng_below(g, t + 1);
            if (w[r >> 6] & ((uint64_t)1 << (r & 63)))
                r = t;
            w[r >> 6] |= (uint64_t)1 << (r & 63);
            buf[n++] = r;
        }
        for (uint32_t t = 0; t < n; t++) {
            uint32_t r = buf[t];
            w[r >> 6] &= ~((uint64_t)1 << (r & 63));
            buf[t] = r + (uint32_t)(excl && r >= j);
        }
    }
    return n;
}

/* Work state of the generators: Floyd's bitmap, fixed_total's counts, a sort buffer (of
 * tmp_cap entries where it grows), and the work areas of user-defined rules: pw for the
 * pair form (its buf is the caller's column buffer, its words its own), rw for the row
 * form (all its own). */
typedef struct colctx {
    bitset bits;
    const uint32_t *counts;
    uint32_t *tmp;
    uint64_t tmp_cap;
    snn_conn_work pw, rw;
    const rt_list *list; /* SNN_CONN_LIST / _MATRIX: the data's columns */
} colctx;

static void colctx_free(colctx *cx)
{
    free(cx->tmp);
    free(cx->bits.w);
    free(cx->pw.words);
    snn_conn_free_work(&cx->rw);
    memset(cx, 0, sizeof *cx);
}

/* ---- user-defined rules (snnrt.h) ---------------------------------------------------- */

uint32_t *snn_conn_reserve(snn_conn_work *w, uint64_t n)
{
    if (n <= w->cap && w->buf)
        return w->buf;
    uint64_t cap = w->cap < 64 ? 64 : w->cap;
    while (cap < n)
        cap *= 2;
    uint32_t *b = realloc(w->buf, (size_t)cap * sizeof *b);
    if (!b)
        snn_fatal("out of memory for a connectivity work buffer of %llu entries",
                  (unsigned long long)cap);
    w->buf = b;
    w->cap = cap;
    return b;
}

const uint32_t *snn_conn_pair_words(snn_conn_work *w, uint64_t seed, uint32_t stream,
                                    uint32_t j, uint32_t i0, uint32_t n)
{
    if (n > SNN_CONN_CHUNK || (i0 & 3u))
        snn_fatal("internal error: snn_conn_pair_words(%u, %u)", i0, n);
    if (!w->words) {
        w->words = malloc(SNN_CONN_CHUNK * sizeof *w->words);
        if (!w->words)
            snn_fatal("out of memory for a connectivity work buffer");
        w->wcap = SNN_CONN_CHUNK;
    }
    const uint32_t key[2] = {(uint32_t)seed, stream};
    uint32_t w0[RT_BATCH], w1[RT_BATCH], w2[RT_BATCH], w3[RT_BATCH];
    const uint32_t nblk = (n + 3) / 4;
    for (uint32_t b0 = 0; b0 < nblk; b0 += RT_BATCH) {
        const uint32_t nb = nblk - b0 < RT_BATCH ? nblk - b0 : RT_BATCH;
        rt_philox_batch(key, i0 / 4 + b0, j, 0, (uint32_t)(seed >> 32), nb, w0, w1, w2, w3);
        uint32_t *out = w->words + 4 * (size_t)b0;
        for (uint32_t b = 0; b < nb; b++) {
            out[4 * b] = w0[b];
            out[4 * b + 1] = w1[b];
            out[4 * b + 2] = w2[b];
            out[4 * b + 3] = w3[b];
        }
    }
    return w->words;
}

void snn_conn_seq_refill(snn_conn_seq *s, uint32_t words)
{
    snn_conn_work *w = s->work;
    if (!w->words) {
        w->words = malloc(SNN_CONN_CHUNK * sizeof *w->words);
        if (!w->words)
            snn_fatal("out of memory for a connectivity work buffer");
        w->wcap = SNN_CONN_CHUNK;
    }
    uint32_t nblk = (words + 3) / 4;
    nblk = nblk < 1 ? 1 : nblk > SNN_CONN_CHUNK / 4 ? SNN_CONN_CHUNK / 4 : nblk;
    if (s->next + nblk > ((uint64_t)1 << 32))
        snn_fatal("internal error: column %u took more than 2^34 random words", s->j);
    const uint32_t key[2] = {(uint32_t)s->seed, s->stream};
    uint32_t w0[RT_BATCH], w1[RT_BATCH], w2[RT_BATCH], w3[RT_BATCH];
    for (uint32_t b0 = 0; b0 < nblk; b0 += RT_BATCH) {
        const uint32_t nb = nblk - b0 < RT_BATCH ? nblk - b0 : RT_BATCH;
        rt_philox_batch(key, (uint32_t)(s->next + b0), s->j, 0, (uint32_t)(s->seed >> 32), nb,
                        w0, w1, w2, w3);
        uint32_t *out = w->words + 4 * (size_t)b0;
        for (uint32_t b = 0; b < nb; b++) {
            out[4 * b] = w0[b];
            out[4 * b + 1] = w1[b];
            out[4 * b + 2] = w2[b];
            out[4 * b + 3] = w3[b];
        }
    }
    s->next += nblk;
    s->w = w->words;
    s->k = 0;
    s->n = 4 * nblk;
}

void snn_conn_seq_init(snn_conn_seq *s, snn_conn_work *w, uint64_t seed, uint32_t stream,
                       uint32_t j, double expect)
{
    *s = (snn_conn_seq){.work = w, .seed = seed, .stream = stream, .j = j};
    /* the expected words and some: most columns need one chunk */
    double want = expect + 4.0 * sqrt(expect) + 16.0;
    snn_conn_seq_refill(s, want < (double)SNN_CONN_CHUNK ? (uint32_t)want : SNN_CONN_CHUNK);
}

void snn_conn_free_work(snn_conn_work *w)
{
    free(w->buf);
    free(w->words);
    memset(w, 0, sizeof *w);
}

void snn_conn_bad_prob(const snn_proj_spec *spec, uint32_t i, uint32_t j)
{
    snn_fatal("projection '%s': the connection probability of source %u and target %u is not "
              "a number (NaN)", proj_name(spec), i, j);
}

double snn_conn_bound(const snn_proj_spec *spec, const char *rule, uint32_t j, double b)
{
    if (!(b > 0.0 && b <= 1.0))
        snn_fatal("projection '%s': %s: max_prob of target %u is %.17g; it must be a number "
                  "in (0, 1]", proj_name(spec), rule, j, b);
    return 1.0 / log1p(-b); /* b = 1: -0, every pair a candidate */
}

void snn_conn_above_bound(const snn_proj_spec *spec, const char *rule, uint32_t i, uint32_t j,
                          double p, double b)
{
    if (p != p)
        snn_conn_bad_prob(spec, i, j);
    snn_fatal("projection '%s': %s: prob of source %u and target %u is %.17g, above the "
              "declared max_prob %.17g (pairs are visited with probability max_prob, so a "
              "larger prob would be cut to it); raise max_prob to at least the largest prob",
              proj_name(spec), rule, i, j, p, b);
}

void snn_conn_bad_count(const snn_proj_spec *spec, uint32_t i, double v)
{
    snn_fatal("projection '%s': count of source %u is %.17g; it must be a whole number from 0 "
              "to 4294967295 (round it with floor() or round())", proj_name(spec), i, v);
}

void snn_conn_bad_target(const snn_proj_spec *spec, uint32_t i, uint32_t k, double v)
{
    snn_fatal("projection '%s': target %u of source %u is %.17g; it must be a whole number "
              "from 0 to %u (N_post - 1)%s", proj_name(spec), k, i, v,
              spec->n_post ? spec->n_post - 1 : 0,
              v == v && v == floor(v) ? "" : " (round it with floor(), or use mod() to wrap)");
}

/* The column generator. */
static inline uint32_t column(const snn_proj_spec *spec, uint64_t seed, uint32_t j,
                              uint32_t *buf, colctx *cx)
{
    const uint32_t n_pre = spec->n_pre;
    const int excl = excludes_self(spec, j);
    uint32_t n = 0;
    snn_rng g;

    switch (spec->kind) {
    case SNN_CONN_ONE_TO_ONE:
        if (j < n_pre)
            buf[n++] = j;
        return n;

    case SNN_CONN_FIXED_PROBABILITY:
        if (!(spec->p > 0.0)) /* also NaN */
            return 0;
        if (spec->p >= 1.0)
            goto all;
        {
            snn_rng_init(&g, seed, spec->stream, j, 0);
            const double inv_log_q = 1.0 / log1p(-spec->p);
            double pos = -1.0; /* last candidate considered */
            const double end = (double)n_pre;
            for (;;) {
                double skip = floor(log(snn_rng_uniform(&g)) * inv_log_q);
                pos += skip + 1.0;
                if (pos >= end)
                    break;
                uint32_t i = (uint32_t)pos;
                if (excl && i == j)
                    continue;
                buf[n++] = i;
            }
        }
        return n;

    case SNN_CONN_FIXED_INDEGREE:
    case SNN_CONN_FIXED_TOTAL: {
        const uint32_t k = spec->kind == SNN_CONN_FIXED_TOTAL ? cx->counts[j] : spec->k;
        const uint32_t avail = excl ? n_pre - 1 : n_pre;
        if (k == 0 || avail == 0)
            return 0;
        snn_rng_init(&g, seed, spec->stream, j, 0);
        return draw_sources(&g, k, avail, excl, j, spec->multapses, buf, cx->bits.w);
    }

    case SNN_CONN_FIXED_OUTDEGREE: /* not a column rule (snn_conn_column refuses it) */
    case SNN_CONN_USER_ROW:
        return 0;

    case SNN_CONN_LIST:
    case SNN_CONN_MATRIX: {
        const rt_list *l = cx->list;
        const uint64_t a = l->start[j - l->lo], b = l->start[j - l->lo + 1];
        memcpy(buf, l->src + a, (size_t)(b - a) * sizeof *buf);
        return (uint32_t)(b - a);
    }

    case SNN_CONN_USER_PAIR:
        cx->pw.buf = buf; /* holds n_pre sources: every pair at most once */
        cx->pw.cap = n_pre;
        n = spec->gen(spec, seed, j, &cx->pw);
        cx->pw.buf = NULL;
        return n;

    case SNN_CONN_ALL_TO_ALL:
    default:
    all:
        for (uint32_t i = 0; i < n_pre; i++)
            buf[n++] = i;
        if (excl) {
            /* Remove j, keeping the order. */
            memmove(buf + j, buf + j + 1, (size_t)(n_pre - j - 1) * sizeof *buf);
            n--;
        }
        return n;
    }
}

/* Ascending sort of n values below maxval + 1: insertion sort for short arrays, else an
 * LSD radix sort on bytes (as many passes as maxval has bytes) through tmp (n entries). */
static inline void sort_u32(uint32_t *a, uint32_t n, uint32_t *tmp, uint32_t maxval)
{
    if (n <= 32) {
        for (uint32_t i = 1; i < n; i++) {
            uint32_t x = a[i], t = i;
            while (t > 0 && a[t - 1] > x) {
                a[t] = a[t - 1];
                t--;
            }
            a[t] = x;
        }
        return;
    }
    const int passes = maxval < 0x100u ? 1 : maxval < 0x10000u ? 2 : maxval < 0x1000000u ? 3 : 4;
    uint32_t *src = a, *dst = tmp;
    for (int p = 0; p < passes; p++) {
        const int sh = 8 * p;
        uint32_t cnt[256];
        memset(cnt, 0, sizeof cnt);
        for (uint32_t i = 0; i < n; i++)
            cnt[(src[i] >> sh) & 255u]++;
        uint32_t sum = 0;
        for (int b = 0; b < 256; b++) {
            uint32_t c = cnt[b];
            cnt[b] = sum;
            sum += c;
        }
        for (uint32_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> sh) & 255u]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t)n * sizeof *a);
}

/* Row i of fixed_outdegree: k targets in ascending order (buf holds k, cx->tmp k, bits
 * n_post bits). */
static inline uint32_t outdegree_row(const snn_proj_spec *spec, uint64_t seed, uint32_t i,
                                     uint32_t *buf, colctx *cx)
{
    const uint32_t k = spec->k;
    const int excl = row_excludes_self(spec, i);
    const uint32_t avail = excl ? spec->n_post - 1 : spec->n_post;
    if (k == 0 || avail == 0)
        return 0;
    snn_rng g;
    snn_rng_init(&g, seed, spec->stream, i, 0);
    uint32_t n = 0;
    if (!spec->multapses) {
        uint64_t *w = cx->bits.w;
        for (uint32_t t = avail - k; t < avail; t++) {
            uint32_t r = snn_rng_below(&g, t + 1);
            if (w[r >> 6] & ((uint64_t)1 << (r & 63)))
                r = t;
            w[r >> 6] |= (uint64_t)1 << (r & 63);
            buf[n++] = r;
        }
        const size_t words = ((size_t)avail + 63) / 64;
        if (words <= 4 * (size_t)k) {
            /* Dense: read the bitmap off in order (and clear it). */
            n = 0;
            for (size_t wi = 0; wi < words; wi++) {
                uint64_t x = w[wi];
                w[wi] = 0;
                while (x) {
                    uint32_t r = (uint32_t)(wi * 64) + (uint32_t)__builtin_ctzll(x);
                    x &= x - 1;
                    buf[n++] = r + (uint32_t)(excl && r >= i);
                }
            }
            return n;
        }
        for (uint32_t t = 0; t < n; t++)
            w[buf[t] >> 6] = 0;
    } else {
        below_many(&g, avail, k, buf);
        n = k;
    }
    sort_u32(buf, n, cx->tmp, avail - 1);
    if (excl)
        for (uint32_t t = 0; t < n; t++)
            buf[t] += (uint32_t)(buf[t] >= i);
    return n;
}

/* Row i of a user row rule: generated into cx->rw.buf, then sorted ascending (cx->tmp
 * grows to the row's length). */
static uint32_t user_row(const snn_proj_spec *spec, uint64_t seed, uint32_t i, colctx *cx)
{
    uint32_t n = spec->gen(spec, seed, i, &cx->rw);
    if (n > cx->tmp_cap) {
        free(cx->tmp);
        cx->tmp_cap = (uint64_t)n + n / 2;
        cx->tmp = malloc((size_t)cx->tmp_cap * sizeof *cx->tmp);
        if (!cx->tmp)
            snn_fatal("out of memory for a connectivity work buffer of projection '%s'",
                      proj_name(spec));
    }
    if (n > 1)
        sort_u32(cx->rw.buf, n, cx->tmp, spec->n_post ? spec->n_post - 1 : 0);
    return n;
}

/* fixed_total's counts for snn_conn_column, cached per thread for the last spec and seed. */
typedef struct count_cache {
    uint64_t seed, n_total;
    uint32_t stream, n_pre, n_post;
    int flags;
    uint32_t *counts;
} count_cache;

static const uint32_t *cached_counts(const snn_proj_spec *spec, uint64_t seed)
{
    static _Thread_local count_cache cc;
    int flags = (spec->multapses ? 1 : 0) | (spec->autapses ? 2 : 0) | (spec->same_pop ? 4 : 0);
    if (!cc.counts || cc.seed != seed || cc.n_total != spec->n_total ||
        cc.stream != spec->stream || cc.n_pre != spec->n_pre || cc.n_post != spec->n_post ||
        cc.flags != flags) {
        free(cc.counts);
        cc.counts = total_counts(spec, seed);
        cc.seed = seed;
        cc.n_total = spec->n_total;
        cc.stream = spec->stream;
        cc.n_pre = spec->n_pre;
        cc.n_post = spec->n_post;
        cc.flags = flags;
    }
    return cc.counts;
}

uint32_t snn_conn_column(const snn_proj_spec *spec, uint64_t seed, uint32_t j, uint32_t *buf)
{
    static _Thread_local colctx cx;
    check_spec(spec);
    if (spec->kind == SNN_CONN_FIXED_OUTDEGREE || spec->kind == SNN_CONN_USER_ROW)
        snn_fatal("projection '%s': %s is generated by rows, not by columns", proj_name(spec),
                  spec->kind == SNN_CONN_USER_ROW ? "a user-defined row rule"
                                                  : "fixed_outdegree");
    if (spec->kind == SNN_CONN_LIST || spec->kind == SNN_CONN_MATRIX)
        snn_fatal("projection '%s': connectivity from data is built only by snn_ragged_build",
                  proj_name(spec));
    if ((spec->kind == SNN_CONN_FIXED_INDEGREE || spec->kind == SNN_CONN_FIXED_TOTAL) &&
        !spec->multapses)
        bitset_reserve(&cx.bits, spec->n_pre);
    if (spec->kind == SNN_CONN_FIXED_TOTAL) {
        if (j >= spec->n_post)
            return 0;
        cx.counts = cached_counts(spec, seed);
    }
    return column(spec, seed, j, buf, &cx);
}

/* Number of (pre, post) pairs that are candidates: all minus the excluded self pairs. */
static double candidate_pairs(const snn_proj_spec *spec)
{
    double pairs = (double)spec->n_pre * (double)spec->n_post;
    if (spec->same_pop && !spec->autapses)
        pairs -= (double)(spec->n_pre < spec->n_post ? spec->n_pre : spec->n_post);
    return pairs;
}

double snn_conn_expected(const snn_proj_spec *spec)
{
    switch (spec->kind) {
    case SNN_CONN_ALL_TO_ALL:
        return candidate_pairs(spec);
    case SNN_CONN_ONE_TO_ONE:
        return spec->n_pre == spec->n_post ? (double)spec->n_post : 0.0;
    case SNN_CONN_FIXED_PROBABILITY:
        if (!(spec->p > 0.0))
            return 0.0;
        return (spec->p < 1.0 ? spec->p : 1.0) * candidate_pairs(spec);
    case SNN_CONN_FIXED_INDEGREE:
        return (double)spec->k * (double)spec->n_post;
    case SNN_CONN_FIXED_OUTDEGREE:
        return (double)spec->k * (double)spec->n_pre;
    case SNN_CONN_FIXED_TOTAL:
        return (double)spec->n_total;
    case SNN_CONN_USER_PAIR:
    case SNN_CONN_USER_ROW:
    case SNN_CONN_LIST:
    case SNN_CONN_MATRIX:
        return 0.0;
    }
    return 0.0;
}

/* Order-independent checksum: sum of a 64-bit mix (rt_mix64) of each (pre, post, weight
 * bits). */

/* Hash of one synapse; wh is wbits_mix(weight bits) (wbits_mix(0) without weights), with
 * dmix(delay) xor-ed in when there are delays (so checksums without delays are as before). */
static inline uint64_t wbits_mix(uint64_t wbits)
{
    return rt_mix64(wbits + 0x9e3779b97f4a7c15ull);
}

static inline uint64_t dmix(uint32_t d)
{
    return rt_mix64((uint64_t)d + 0x632be59bd9b4e019ull);
}

static inline uint64_t syn_hash(uint32_t pre, uint32_t post, uint64_t wh)
{
    return rt_mix64((((uint64_t)pre << 32) | post) ^ wh);
}

/* Delays: value in ms -> steps = max(1, llround(value / dt)), at most dmax. */
typedef struct delay_ctx {
    const char *name;
    double dt;
    double lim;   /* dmax + 0.5: value / dt must stay below it */
    uint32_t dmax;
    int bytes;
} delay_ctx;

__attribute__((noreturn, noinline, cold)) static void delay_fatal(const delay_ctx *dc, double ms)
{
    if (isnan(ms))
        snn_fatal("projection '%s': a delay is not a number (NaN ms)", dc->name);
    snn_fatal("projection '%s': delay %g ms is %.0f steps of %g ms, more than the %u steps that "
              "%d-byte delays hold",
              dc->name, ms, floor(ms / dc->dt + 0.5), dc->dt, dc->dmax, dc->bytes);
}

static inline uint32_t delay_steps(const delay_ctx *dc, double ms)
{
    double x = ms / dc->dt;
    if (!(x < dc->lim)) /* also NaN */
        delay_fatal(dc, ms);
    /* max(1, llround(x)) without a libm call: for 1.5 <= x < 65535.5, x + 0.5 is exact (it
     * could only round if a power of two lay between x and x + 0.5 with x + 0.5 just below
     * an integer, which cannot happen), so truncating it is floor(x + 0.5) = llround(x). */
    return x < 1.5 ? 1u : (uint32_t)(x + 0.5);
}

static uint32_t max_column(const snn_proj_spec *spec)
{
    switch (spec->kind) {
    case SNN_CONN_ONE_TO_ONE:
        return 1;
    case SNN_CONN_FIXED_INDEGREE:
    case SNN_CONN_FIXED_OUTDEGREE:
        return spec->k;
    case SNN_CONN_USER_ROW: /* unknown: the buffers grow (values_reserve) */
        return 0;
    default:
        return spec->n_pre;
    }
}

/* Pass-2 state: where each row's next entry goes, and the running checksum. */
typedef struct filler {
    const uint64_t *row_start;
    uint32_t *row_len;
    uint16_t *ind16;
    uint32_t *ind32;
    float *wf;
    double *wd;
    uint8_t *d8;
    uint16_t *d16;
    uint64_t h0; /* wbits_mix(0): the weight part of the hash without weights */
    uint64_t sum;
    uint32_t dmax_seen;
    uint32_t post_lo; /* first target of this process: indices are stored minus post_lo */
    int dtab_ready;     /* dtab filled (by the first flush_bucket) */
    uint64_t dtab[256]; /* dmix(d) for 1-byte delays */
} filler;

typedef struct bucket_entry {
    uint32_t s, j;
} bucket_entry;

/* Append target j (weight w, ignored without weights; delay d in steps, ignored without
 * delays) to the row of source s. */
static inline void fill_one(filler *f, uint32_t s, uint32_t j, double w, uint32_t d)
{
    uint64_t pos = f->row_start[s] + f->row_len[s]++;
    uint64_t wh = f->h0;
    if (f->ind16)
        f->ind16[pos] = (uint16_t)(j - f->post_lo);
    else
        f->ind32[pos] = j - f->post_lo;
    if (f->wf) {
        float x = (float)w;
        uint32_t bits32;
        memcpy(&bits32, &x, sizeof bits32);
        f->wf[pos] = x;
        wh = wbits_mix(bits32);
    } else if (f->wd) {
        uint64_t bits64;
        memcpy(&bits64, &w, sizeof bits64);
        f->wd[pos] = w;
        wh = wbits_mix(bits64);
    }
    if (f->d8 || f->d16) {
        if (f->d8)
            f->d8[pos] = (uint8_t)d;
        else
            f->d16[pos] = (uint16_t)d;
        wh ^= dmix(d);
        f->dmax_seen = d > f->dmax_seen ? d : f->dmax_seen;
    }
    f->sum += syn_hash(s, j, wh);
}

/* fill_one for a bucket's n entries, instantiated for every combination of entry widths
 * (IB, WB, DB constant: no tests per entry), with the rows' write positions prefetched a
 * few entries ahead (a bucket's rows do not all stay in the first-level cache) and dmix of
 * 1-byte delays from a table. */
#define RT_FLUSH_AHEAD 16u
__attribute__((always_inline)) static inline void
flush_shape(filler *f, const bucket_entry *e, const void *wv, const void *dv, uint32_t n,
            const int IB, const int WB, const int DB)
{
    const float *w4 = (const float *)wv;
    const double *w8 = (const double *)wv;
    const uint8_t *d1 = (const uint8_t *)dv;
    const uint16_t *d2 = (const uint16_t *)dv;
    const uint64_t *rs = f->row_start;
    uint32_t *rl = f->row_len;
    uint64_t sum = f->sum;
    uint32_t dmax = f->dmax_seen;
    for (uint32_t i = 0; i < n; i++) {
        if (i + RT_FLUSH_AHEAD < n) {
            const uint32_t s2 = e[i + RT_FLUSH_AHEAD].s;
            const uint64_t p2 = rs[s2] + rl[s2];
            if (IB == 2)
                __builtin_prefetch(f->ind16 + p2, 1);
            else
                __builtin_prefetch(f->ind32 + p2, 1);
            if (WB == 4)
                __builtin_prefetch(f->wf + p2, 1);
            else if (WB == 8)
                __builtin_prefetch(f->wd + p2, 1);
            if (DB == 1)
                __builtin_prefetch(f->d8 + p2, 1);
            else if (DB == 2)
                __builtin_prefetch(f->d16 + p2, 1);
        }
        const uint32_t s = e[i].s, j = e[i].j;
        const uint64_t pos = rs[s] + rl[s]++;
        uint64_t wh = f->h0;
        if (IB == 2)
            f->ind16[pos] = (uint16_t)(j - f->post_lo);
        else
            f->ind32[pos] = j - f->post_lo;
        if (WB == 4) {
            const float x = w4[i];
            uint32_t bits32;
            memcpy(&bits32, &x, sizeof bits32);
            f->wf[pos] = x;
            wh = wbits_mix(bits32);
        } else if (WB == 8) {
            uint64_t bits64;
            memcpy(&bits64, &w8[i], sizeof bits64);
            f->wd[pos] = w8[i];
            wh = wbits_mix(bits64);
        }
        if (DB) {
            const uint32_t dd = DB == 1 ? d1[i] : d2[i];
            if (DB == 1) {
                f->d8[pos] = (uint8_t)dd;
                wh ^= f->dtab[dd & 255u];
            } else {
                f->d16[pos] = (uint16_t)dd;
                wh ^= dmix(dd);
            }
            dmax = dd > dmax ? dd : dmax;
        }
        if (!(WB == 4 && DB == 1)) /* that shape's sum: rt_syn_hash_sum in flush_bucket */
            sum += syn_hash(s, j, wh);
    }
    f->sum = sum;
    f->dmax_seen = dmax;
}

static void flush_bucket(filler *f, const bucket_entry *e, const void *w, const void *d,
                         uint32_t n)
{
    if (!f->dtab_ready) {
        for (uint32_t k = 0; k < 256; k++)
            f->dtab[k] = dmix(k);
        f->dtab_ready = 1;
    }
    const int ib = f->ind16 ? 2 : 4, wb = f->wf ? 4 : f->wd ? 8 : 0;
    const int db = f->d8 ? 1 : f->d16 ? 2 : 0;
    if (wb == 4 && db == 1) /* the checksum apart, in SIMD */
        f->sum += rt_syn_hash_sum((const uint32_t *)(const void *)e, (const uint32_t *)w,
                                  (const uint8_t *)d, f->dtab, n);
    switch (ib * 100 + wb * 10 + db) {
#define RT_FLUSH_CASE(I, W, D)                                                               \
    case I * 100 + W * 10 + D:                                                               \
        flush_shape(f, e, w, d, n, I, W, D);                                                 \
        return;
        RT_FLUSH_CASE(2, 0, 0) RT_FLUSH_CASE(2, 4, 0) RT_FLUSH_CASE(2, 8, 0)
        RT_FLUSH_CASE(2, 0, 1) RT_FLUSH_CASE(2, 4, 1) RT_FLUSH_CASE(2, 8, 1)
        RT_FLUSH_CASE(2, 0, 2) RT_FLUSH_CASE(2, 4, 2) RT_FLUSH_CASE(2, 8, 2)
        RT_FLUSH_CASE(4, 0, 0) RT_FLUSH_CASE(4, 4, 0) RT_FLUSH_CASE(4, 8, 0)
        RT_FLUSH_CASE(4, 0, 1) RT_FLUSH_CASE(4, 4, 1) RT_FLUSH_CASE(4, 8, 1)
        RT_FLUSH_CASE(4, 0, 2) RT_FLUSH_CASE(4, 4, 2) RT_FLUSH_CASE(4, 8, 2)
#undef RT_FLUSH_CASE
    }
    snn_fatal("internal error: synapse entry widths %d, %d, %d", ib, wb, db);
}

/* Weights and delays of one column (element j) or row (element i): draws 0..n-1. */
typedef struct value_ctx {
    const snn_init *winit, *dinit;
    uint64_t seed;
    int wb, db;
    int dconst;      /* constant delay: dsteps */
    uint32_t dsteps;
    delay_ctx dc;
    double *w;       /* cap weights */
    double *dms;     /* cap delays in ms */
    uint16_t *d;     /* cap delays in steps */
    uint64_t cap;
} value_ctx;

/* Room for n values (the arrays of a row rule grow with its longest row). */
static void values_reserve(value_ctx *v, uint64_t n, const char *name)
{
    if (n <= v->cap)
        return;
    uint64_t cap = n + n / 2 + 1;
    free(v->w);
    free(v->dms);
    free(v->d);
    v->w = v->wb ? malloc((size_t)cap * sizeof *v->w) : NULL;
    v->dms = v->db ? malloc((size_t)cap * sizeof *v->dms) : NULL;
    v->d = v->db ? malloc((size_t)cap * sizeof *v->d) : NULL;
    if ((v->wb && !v->w) || (v->db && (!v->dms || !v->d)))
        snn_fatal("out of memory for a connectivity work buffer of projection '%s'", name);
    v->cap = cap;
}

static inline void draw_values(value_ctx *v, uint32_t elem, uint32_t n)
{
    if (v->wb)
        rt_init_fill(v->winit, v->seed, elem, n, v->w);
    if (!v->db)
        return;
    if (v->dconst) {
        for (uint32_t t = 0; t < n; t++)
            v->d[t] = (uint16_t)v->dsteps;
        return;
    }
    rt_init_fill(v->dinit, v->seed, elem, n, v->dms);
    const uint32_t bad = rt_delay_steps(v->dms, n, v->dc.dt, v->dc.lim, v->d);
    if (bad < n)
        delay_fatal(&v->dc, v->dms[bad]);
}

/* Column j's weights and delays from the data (where the data give them). */
static void list_values(value_ctx *v, const rt_list *l, uint32_t j, uint32_t n)
{
    const uint64_t a = l->start[j - l->lo];
    if (v->wb && l->w)
        memcpy(v->w, l->w + a, (size_t)n * sizeof *v->w);
    if (v->db && l->dms)
        for (uint32_t t = 0; t < n; t++)
            v->d[t] = (uint16_t)delay_steps(&v->dc, l->dms[a + t]);
}

/* Rows with per-synapse delays are reordered by (delay, target): a spike then writes the
 * dendritic ring one delay row at a time, each in ascending target order, instead of
 * hopping between up to max_delay rows per synapse (a stable counting sort keeps the
 * targets ascending within each delay).  sort_row_by_delay is instantiated for every
 * combination of entry widths (IB, WB, DB constant), so each entry moves with fixed-size
 * loads and stores; tmp holds maxlen entries of each array, cnt dmax + 2 counters. */
__attribute__((always_inline)) static inline void
sort_row_by_delay(uint32_t n, unsigned char *ri, unsigned char *rw, unsigned char *rd,
                  unsigned char *ti, unsigned char *tw, unsigned char *td, uint32_t *cnt,
                  uint32_t dmax, const int IB, const int WB, const int DB)
{
#define RT_DELAY_AT(p, k) (DB == 1 ? (uint32_t)(p)[k] : (uint32_t)((const uint16_t *)(const void *)(p))[k])
    memset(cnt, 0, ((size_t)dmax + 2) * sizeof *cnt);
    for (uint32_t k = 0; k < n; k++)
        cnt[RT_DELAY_AT(rd, k) + 1]++;
    for (uint32_t d = 1; d <= dmax + 1; d++)
        cnt[d] += cnt[d - 1];
    memcpy(ti, ri, (size_t)n * (size_t)IB);
    if (WB)
        memcpy(tw, rw, (size_t)n * (size_t)WB);
    memcpy(td, rd, (size_t)n * (size_t)DB);
    for (uint32_t k = 0; k < n; k++) {
        uint32_t at = cnt[RT_DELAY_AT(td, k)]++;
        memcpy(ri + (size_t)at * IB, ti + (size_t)k * IB, (size_t)IB);
        if (WB)
            memcpy(rw + (size_t)at * WB, tw + (size_t)k * WB, (size_t)WB);
        memcpy(rd + (size_t)at * DB, td + (size_t)k * DB, (size_t)DB);
    }
#undef RT_DELAY_AT
}

static void sort_rows_by_delay(uint32_t n_pre, const uint64_t *row_start,
                               const uint32_t *row_len, void *ind, int ib, void *weight,
                               int wb, void *delay, int db, uint32_t dmax)
{
    uint32_t maxlen = 0;
    for (uint32_t i = 0; i < n_pre; i++)
        if (row_len[i] > maxlen)
            maxlen = row_len[i];
    if (maxlen < 2)
        return;
    unsigned char *tmp = malloc((size_t)maxlen * (size_t)(ib + wb + db));
    uint32_t *cnt = malloc(((size_t)dmax + 2) * sizeof *cnt);
    if (!tmp || !cnt)
        snn_fatal("out of memory sorting synapses by delay");
    unsigned char *ti = tmp, *tw = tmp + (size_t)maxlen * (size_t)ib,
                  *td = tw + (size_t)maxlen * (size_t)wb;
    const int shape = ib * 100 + wb * 10 + db;
    for (uint32_t i = 0; i < n_pre; i++) {
        uint32_t n = row_len[i];
        if (n < 2)
            continue;
        uint64_t s0 = row_start[i];
        unsigned char *ri = (unsigned char *)ind + s0 * (uint64_t)ib;
        unsigned char *rw = weight ? (unsigned char *)weight + s0 * (uint64_t)wb : NULL;
        unsigned char *rd = (unsigned char *)delay + s0 * (uint64_t)db;
        switch (shape) {
#define RT_SORT_CASE(I, W, D)                                                                \
    case I * 100 + W * 10 + D:                                                               \
        sort_row_by_delay(n, ri, rw, rd, ti, tw, td, cnt, dmax, I, W, D);                    \
        break;
            RT_SORT_CASE(2, 0, 1) RT_SORT_CASE(2, 4, 1) RT_SORT_CASE(2, 8, 1)
            RT_SORT_CASE(2, 0, 2) RT_SORT_CASE(2, 4, 2) RT_SORT_CASE(2, 8, 2)
            RT_SORT_CASE(4, 0, 1) RT_SORT_CASE(4, 4, 1) RT_SORT_CASE(4, 8, 1)
            RT_SORT_CASE(4, 0, 2) RT_SORT_CASE(4, 4, 2) RT_SORT_CASE(4, 8, 2)
#undef RT_SORT_CASE
        default:
            snn_fatal("internal error: synapse entry widths %d, %d, %d", ib, wb, db);
        }
    }
    free(tmp);
    free(cnt);
}

/* A user pair rule evaluates the model's code for every (source, target) pair, which costs
 * far more than the built-in rules' draws (an exp() per pair, say).  So pass 1 keeps the
 * columns it generates and pass 2 reads them back instead of evaluating every pair again.
 * All builds running at once (one per thread) share rt_column_cache_bytes of sources
 * (512 MiB); columns past the budget are generated twice. */
uint64_t rt_column_cache_bytes = (uint64_t)512 << 20;
static uint64_t g_cache_used; /* bytes held by the caches of the builds running now */

/* Take 'bytes' more of the budget, if it has them. */
static int cache_take(uint64_t bytes)
{
    uint64_t used = __atomic_load_n(&g_cache_used, __ATOMIC_RELAXED);
    do {
        if (used + bytes > rt_column_cache_bytes)
            return 0;
    } while (!__atomic_compare_exchange_n(&g_cache_used, &used, used + bytes, 1,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return 1;
}

typedef struct colcache {
    int on;          /* still caching */
    uint32_t upto;   /* columns lo .. upto - 1 are cached */
    uint64_t *start; /* per column from lo: offset into src (upto - lo + 1 used) */
    uint32_t *src;
    uint64_t n, cap; /* sources held, room */
} colcache;

/* Keep column j (n sources), unless the budget or the memory has run out. */
static void colcache_put(colcache *cc, uint32_t lo, uint32_t j, const uint32_t *col,
                         uint32_t n)
{
    if (!cc->on)
        return;
    if (cc->n + n > cc->cap) {
        uint64_t cap = cc->cap ? 2 * cc->cap : 4096;
        while (cap < cc->n + n)
            cap *= 2;
        const uint64_t more = (cap - cc->cap) * sizeof *cc->src;
        uint32_t *p = NULL;
        if (cache_take(more)) {
            p = realloc(cc->src, (size_t)cap * sizeof *p);
            if (!p)
                __atomic_sub_fetch(&g_cache_used, more, __ATOMIC_RELAXED);
        }
        if (!p) {
            cc->on = 0;
            return;
        }
        cc->src = p;
        cc->cap = cap;
    }
    if (n)
        memcpy(cc->src + cc->n, col, (size_t)n * sizeof *col);
    cc->n += n;
    cc->start[j - lo + 1] = cc->n;
    cc->upto = j + 1;
}

void snn_ragged_build(const snn_proj_spec *spec, uint64_t seed, snn_ragged *out)
{
    const char *name = proj_name(spec);
    const uint32_t n_pre = spec->n_pre, n_post = spec->n_post;
    /* The targets this process builds: [lo, hi) (all of them unless post_n is set). */
    const uint32_t lo = spec->post_range ? spec->post_lo : 0;
    const uint32_t hi = spec->post_range ? spec->post_lo + spec->post_n : n_post;
    const int ib = spec->ind_bytes == 2 ? 2 : 4;
    const int wb = spec->has_weight ? (spec->weight_bytes == 4 ? 4 : 8) : 0;
    const int db = spec->has_delay ? (spec->delay_bytes == 1 ? 1 : 2) : 0;
    const int outdeg = spec->kind == SNN_CONN_FIXED_OUTDEGREE;
    const int urow = spec->kind == SNN_CONN_USER_ROW;
    char what[256], b1[32], b2[32];

    memset(out, 0, sizeof *out);
    out->n_pre = n_pre;
    out->n_post = hi - lo;
    out->post_lo = lo;
    check_spec(spec);
    if (spec->post_range && ((uint64_t)spec->post_lo + spec->post_n > n_post))
        snn_fatal("projection '%s': target range [%u, %llu) lies outside the %u targets", name,
                  spec->post_lo, (unsigned long long)spec->post_lo + spec->post_n, n_post);
    if (ib == 2 && n_post > 65536)
        snn_fatal("projection '%s': 16-bit target indices cannot address %u target neurons "
                  "(65536 at most)",
                  name, n_post);

    value_ctx vc;
    memset(&vc, 0, sizeof vc);
    vc.winit = &spec->weight;
    vc.dinit = &spec->delay;
    vc.seed = seed;
    vc.wb = wb;
    vc.db = db;
    if (db) {
        vc.dc.name = name;
        vc.dc.dt = spec->dt;
        vc.dc.dmax = db == 1 ? 255u : 65535u;
        vc.dc.lim = (double)vc.dc.dmax + 0.5;
        vc.dc.bytes = db;
        if (spec->delay.kind == SNN_INIT_CONSTANT) {
            vc.dconst = 1;
            vc.dsteps = delay_steps(&vc.dc, spec->delay.a);
        }
    }

    snprintf(what, sizeof what, "projection '%s' row lengths", name);
    uint32_t *row_len = snn_alloc((size_t)n_pre * sizeof *row_len, what);
    snprintf(what, sizeof what, "projection '%s' row offsets", name);
    uint64_t *row_start = snn_alloc(((size_t)n_pre + 1) * sizeof *row_start, what);

    colctx cx;
    memset(&cx, 0, sizeof cx);
    uint32_t *counts = NULL;
    uint32_t maxcol = max_column(spec);
    const int data = spec->kind == SNN_CONN_LIST || spec->kind == SNN_CONN_MATRIX;
    rt_list lst;
    memset(&lst, 0, sizeof lst);
    if (data) {
        rt_list_load(spec, lo, hi, &lst);
        cx.list = &lst;
        maxcol = lst.maxcol;
    }
    if (spec->kind == SNN_CONN_FIXED_TOTAL) {
        counts = total_counts(spec, seed);
        cx.counts = counts;
        maxcol = 0;
        for (uint32_t j = lo; j < hi; j++)
            maxcol = counts[j] > maxcol ? counts[j] : maxcol;
    }
    uint32_t *col = malloc(((size_t)maxcol + 1) * sizeof *col);
    if (outdeg)
        cx.tmp = malloc(((size_t)maxcol + 1) * sizeof *cx.tmp);
    if (wb)
        vc.w = malloc(((size_t)maxcol + 1) * sizeof *vc.w);
    if (db) {
        vc.dms = malloc(((size_t)maxcol + 1) * sizeof *vc.dms);
        vc.d = malloc(((size_t)maxcol + 1) * sizeof *vc.d);
    }
    if (!col || (outdeg && !cx.tmp) || (wb && !vc.w) || (db && (!vc.dms || !vc.d)))
        snn_fatal("out of memory for a connectivity work buffer of projection '%s'", name);
    vc.cap = (uint64_t)maxcol + 1;
    if ((spec->kind == SNN_CONN_FIXED_INDEGREE || spec->kind == SNN_CONN_FIXED_TOTAL) &&
        !spec->multapses)
        bitset_reserve(&cx.bits, n_pre);
    if (outdeg && !spec->multapses)
        bitset_reserve(&cx.bits, n_post);

    colcache cc;
    memset(&cc, 0, sizeof cc);
    cc.upto = lo;
    if (spec->kind == SNN_CONN_USER_PAIR) {
        cc.start = calloc((size_t)(hi - lo) + 1, sizeof *cc.start);
        cc.on = cc.start != NULL;
    }

    /* Pass 1: row lengths. */
    uint64_t total = 0;
    if (spec->kind == SNN_CONN_ALL_TO_ALL ||
        (spec->kind == SNN_CONN_FIXED_PROBABILITY && spec->p >= 1.0)) {
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t len = hi - lo;
            if (spec->same_pop && !spec->autapses && i >= lo && i < hi)
                len--;
            row_len[i] = len;
            total += len;
        }
    } else if (outdeg && hi - lo == n_post) {
        uint32_t avail_all = n_post; /* rows that exclude themselves have n_post - 1 */
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t avail = row_excludes_self(spec, i) ? n_post - 1 : avail_all;
            row_len[i] = avail ? spec->k : 0;
            total += row_len[i];
        }
    } else if (outdeg) {
        /* Part of the targets: every row is drawn whole, its local targets counted. */
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t n = outdegree_row(spec, seed, i, col, &cx), c = 0;
            for (uint32_t t = 0; t < n; t++)
                c += col[t] >= lo && col[t] < hi;
            row_len[i] = c;
            total += c;
        }
    } else if (urow) {
        /* The same for a user row rule (counting needs no sorted row). */
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t n = spec->gen(spec, seed, i, &cx.rw), c = 0;
            const uint32_t *r = cx.rw.buf;
            for (uint32_t t = 0; t < n; t++)
                c += r[t] >= lo && r[t] < hi;
            row_len[i] = c;
            total += c;
        }
    } else {
        /* A row can only overflow 32 bits with multapses and more than 2^32 synapses. */
        const int may_overflow =
            spec->multapses &&
            ((spec->kind == SNN_CONN_FIXED_INDEGREE &&
              (uint64_t)spec->k * n_post > UINT32_MAX) ||
             (spec->kind == SNN_CONN_FIXED_TOTAL && spec->n_total > UINT32_MAX));
        for (uint32_t j = lo; j < hi; j++) {
            uint32_t n = column(spec, seed, j, col, &cx);
            colcache_put(&cc, lo, j, col, n);
            if (may_overflow) {
                for (uint32_t t = 0; t < n; t++)
                    if (++row_len[col[t]] == 0)
                        snn_fatal("projection '%s': source %u has more than 4294967295 "
                                  "synapses",
                                  name, col[t]);
            } else {
                for (uint32_t t = 0; t < n; t++)
                    row_len[col[t]]++;
            }
            total += n;
        }
    }

    /* Offsets with slack, then check the total before allocating anything large. */
    uint64_t cap = 0;
    for (uint32_t i = 0; i < n_pre; i++) {
        row_start[i] = cap;
        cap += (uint64_t)row_len[i] + spec->slack;
    }
    row_start[n_pre] = cap;
    uint64_t need = cap * (uint64_t)(ib + wb + db);
    uint64_t mem = snn_machine_memory();
    if (need > mem || cap > UINT64_MAX / 16) {
        snn_format_bytes(b1, sizeof b1, (double)need);
        snn_format_bytes(b2, sizeof b2, (double)mem);
        snn_fatal("cannot build projection '%s': %llu synapses need %s but this machine has "
                  "%s of memory",
                  name, (unsigned long long)total, b1, b2);
    }
    /* The sum: this projection's synapses with everything the simulator holds already
     * (earlier projections, state), against the memory it may use. */
    if (snn_memory_reserve(need) != 0)
        over_budget(name, total, need);
    proj_note(name, need);

    snprintf(what, sizeof what, "projection '%s' target indices", name);
    snn_memory_release(cap * (uint64_t)ib);
    void *ind = syn_alloc((size_t)(cap * (uint64_t)ib), what);
    void *weight = NULL, *delay = NULL;
    if (wb) {
        snprintf(what, sizeof what, "projection '%s' weights", name);
        snn_memory_release(cap * (uint64_t)wb);
        weight = syn_alloc((size_t)(cap * (uint64_t)wb), what);
    }
    if (db) {
        snprintf(what, sizeof what, "projection '%s' delays", name);
        snn_memory_release(cap * (uint64_t)db);
        delay = syn_alloc((size_t)(cap * (uint64_t)db), what);
    }

    /* Pass 2: fill.  row_len counts again from zero. */
    memset(row_len, 0, (size_t)n_pre * sizeof *row_len);
    filler fl = {row_start,
                 row_len,
                 ib == 2 ? (uint16_t *)ind : NULL,
                 ib == 4 ? (uint32_t *)ind : NULL,
                 wb == 4 ? (float *)weight : NULL,
                 wb == 8 ? (double *)weight : NULL,
                 db == 1 ? (uint8_t *)delay : NULL,
                 db == 2 ? (uint16_t *)delay : NULL,
                 wbits_mix(0),
                 0,
                 0,
                 lo,
                 0,
                 {0}};

    if (outdeg) {
        /* Row by row: every row is written once, in order. */
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t n = outdegree_row(spec, seed, i, col, &cx);
            draw_values(&vc, i, n);
            for (uint32_t t = 0; t < n; t++)
                if (col[t] >= lo && col[t] < hi)
                    fill_one(&fl, i, col[t], wb ? vc.w[t] : 0.0, db ? vc.d[t] : 0u);
        }
    } else if (urow) {
        /* The same for a user row rule: every row sorted, entry t with draw t. */
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t n = user_row(spec, seed, i, &cx);
            const uint32_t *r = cx.rw.buf;
            values_reserve(&vc, n, name);
            draw_values(&vc, i, n);
            for (uint32_t t = 0; t < n; t++)
                if (r[t] >= lo && r[t] < hi)
                    fill_one(&fl, i, r[t], wb ? vc.w[t] : 0.0, db ? vc.d[t] : 0u);
        }
    } else {
        /* Writing each column straight into the rows scatters over all n_pre rows, which
         * misses the cache once rows outnumber the cache lines.  So sources are first
         * appended to buckets of 2^shift consecutive rows and a full bucket is written out
         * in one go: its rows' write positions stay in cache.  Row order (ascending
         * targets) is kept because a bucket holds its entries in column order. */
        uint32_t shift = 8;
        while (shift < 31 && ((uint64_t)n_pre >> shift) > 8192)
            shift++;
        const uint32_t nb = (uint32_t)(((uint64_t)n_pre + (1u << shift) - 1) >> shift);
        uint32_t q = nb > 1 ? (uint32_t)((1u << 22) / nb) : 0;
        q = q < 256 ? 256 : q > 4096 ? 4096 : q;
        bucket_entry *be = NULL;
        unsigned char *bw = NULL; /* weights as stored (wb bytes each) */
        unsigned char *bd = NULL; /* delays as stored (db bytes each) */
        uint32_t *bn = NULL;
        if (nb > 1) {
            be = malloc((size_t)nb * q * sizeof *be);
            bn = calloc(nb, sizeof *bn);
            if (wb)
                bw = malloc((size_t)nb * q * (size_t)wb);
            if (db)
                bd = malloc((size_t)nb * q * (size_t)db);
            if (!be || !bn || (wb && !bw) || (db && !bd))
                snn_fatal("out of memory for a connectivity work buffer of projection '%s'",
                          name);
        }

        for (uint32_t j = lo; j < hi; j++) {
            const uint32_t *cs = col;
            uint32_t n;
            if (j < cc.upto) {
                cs = cc.src + cc.start[j - lo];
                n = (uint32_t)(cc.start[j - lo + 1] - cc.start[j - lo]);
            } else {
                n = column(spec, seed, j, col, &cx);
            }
            draw_values(&vc, j, n);
            if (data) /* the data's own weights and delays replace the draws */
                list_values(&vc, &lst, j, n);
            if (nb <= 1) {
                for (uint32_t t = 0; t < n; t++)
                    fill_one(&fl, cs[t], j, wb ? vc.w[t] : 0.0, db ? vc.d[t] : 0u);
                continue;
            }
            if (wb == 4 && db == 1) { /* the usual shape, without tests per entry */
                float *bwf = (float *)(void *)bw;
                for (uint32_t t = 0; t < n; t++) {
                    const uint32_t src = cs[t], b = src >> shift;
                    const size_t at = (size_t)b * q + bn[b];
                    be[at].s = src;
                    be[at].j = j;
                    bwf[at] = (float)vc.w[t];
                    bd[at] = (uint8_t)vc.d[t];
                    if (++bn[b] == q) {
                        flush_bucket(&fl, be + (size_t)b * q, bwf + (size_t)b * q,
                                     bd + (size_t)b * q, q);
                        bn[b] = 0;
                    }
                }
                continue;
            }
            for (uint32_t t = 0; t < n; t++) {
                uint32_t src = cs[t], b = src >> shift;
                size_t at = (size_t)b * q + bn[b];
                be[at].s = src;
                be[at].j = j;
                if (wb == 4)
                    ((float *)(void *)bw)[at] = (float)vc.w[t];
                else if (wb)
                    ((double *)(void *)bw)[at] = vc.w[t];
                if (db == 1)
                    bd[at] = (uint8_t)vc.d[t];
                else if (db)
                    ((uint16_t *)(void *)bd)[at] = vc.d[t];
                if (++bn[b] == q) {
                    flush_bucket(&fl, be + (size_t)b * q, wb ? bw + (size_t)b * q * wb : NULL,
                                 db ? bd + (size_t)b * q * db : NULL, q);
                    bn[b] = 0;
                }
            }
        }
        for (uint32_t b = 0; b < nb && nb > 1; b++)
            flush_bucket(&fl, be + (size_t)b * q, wb ? bw + (size_t)b * q * wb : NULL,
                         db ? bd + (size_t)b * q * db : NULL, bn[b]);
        free(be);
        free(bw);
        free(bd);
        free(bn);
    }

    free(col);
    free(vc.w);
    free(vc.dms);
    free(vc.d);
    colctx_free(&cx);
    rt_list_free(&lst);
    free(counts);
    free(cc.start);
    free(cc.src);
    __atomic_sub_fetch(&g_cache_used, cc.cap * sizeof *cc.src, __ATOMIC_RELAXED);

    /* Without slack the rows are packed: delivery (emit_c.c proj_propagate) takes row i's
     * length as row_start[i + 1] - row_start[i] for projections that nothing rewires, so
     * the fill must have written exactly the counted lengths. */
    if (!spec->slack)
        for (uint32_t i = 0; i < n_pre; i++)
            if (row_start[i] + row_len[i] != row_start[i + 1])
                snn_fatal("projection '%s': internal error: source %u's row has %u synapses "
                          "where %llu were counted",
                          name, i, row_len[i],
                          (unsigned long long)(row_start[i + 1] - row_start[i]));

    if (db && spec->sort_by_delay && fl.dmax_seen > 1)
        sort_rows_by_delay(n_pre, row_start, row_len, ind, ib, weight, wb, delay, db,
                           fl.dmax_seen);

    out->n_syn = total;
    out->capacity = cap;
    out->row_start = row_start;
    out->row_len = row_len;
    out->ind = ind;
    out->weight = weight;
    out->checksum = fl.sum;
    out->ind_bytes = ib;
    out->weight_bytes = wb;
    out->delay = delay;
    out->delay_bytes = db;
    out->max_delay = fl.dmax_seen;
    out->bytes = ((uint64_t)n_pre + 1) * sizeof *row_start + (uint64_t)n_pre * sizeof *row_len +
                 cap * (uint64_t)(ib + wb + db);
}

void snn_ragged_free(snn_ragged *r)
{
    if (!r)
        return;
    snn_free(r->ind, (size_t)(r->capacity * (uint64_t)r->ind_bytes));
    snn_free(r->weight, (size_t)(r->capacity * (uint64_t)r->weight_bytes));
    snn_free(r->delay, (size_t)(r->capacity * (uint64_t)r->delay_bytes));
    snn_free(r->row_start, ((size_t)r->n_pre + 1) * sizeof(uint64_t));
    snn_free(r->row_len, (size_t)r->n_pre * sizeof(uint32_t));
    snn_free(r->dyn_plan, (size_t)r->dyn_plan_bytes);
    memset(r, 0, sizeof *r);
}

void snn_columns_build(const snn_ragged *r, const char *name, snn_columns *c)
{
    char what[256];
    c->n_post = r->n_post;
    snprintf(what, sizeof what, "projection '%s' column index", name);
    c->start = snn_alloc(((size_t)r->n_post + 1) * sizeof *c->start, what);
    c->syn = snn_alloc((size_t)(r->n_syn ? r->n_syn : 1) * sizeof *c->syn, what);
    c->pre = snn_alloc((size_t)(r->n_syn ? r->n_syn : 1) * sizeof *c->pre, what);
    c->bytes = ((uint64_t)r->n_post + 1) * sizeof *c->start +
               (r->n_syn ? r->n_syn : 1) * (sizeof *c->syn + sizeof *c->pre);
    c->cap = r->n_syn ? r->n_syn : 1;
    c->end = c->start + 1; /* packed */
    const uint16_t *i16 = r->ind_bytes == 2 ? r->ind : NULL;
    const uint32_t *i32 = r->ind_bytes == 4 ? r->ind : NULL;
    for (uint32_t i = 0; i < r->n_pre; i++)
        for (uint64_t k = r->row_start[i]; k < r->row_start[i] + r->row_len[i]; k++)
            c->start[(i16 ? i16[k] : i32[k]) + 1]++;
    for (uint32_t j = 0; j < r->n_post; j++)
        c->start[j + 1] += c->start[j];
    uint64_t *next = malloc(((size_t)r->n_post + 1) * sizeof *next);
    if (!next)
        snn_fatal("out of memory building the %s", what);
    memcpy(next, c->start, ((size_t)r->n_post + 1) * sizeof *next);
    for (uint32_t i = 0; i < r->n_pre; i++)
        for (uint64_t k = r->row_start[i]; k < r->row_start[i] + r->row_len[i]; k++) {
            uint64_t at = next[i16 ? i16[k] : i32[k]]++;
            c->syn[at] = k;
            c->pre[at] = i;
        }
    free(next);
}

void snn_columns_free(snn_columns *c)
{
    if (c->start) {
        if (c->end && c->end != c->start + 1) /* a patched view's own ends */
            snn_free(c->end, (size_t)c->n_post * sizeof *c->end);
        snn_free(c->start, ((size_t)c->n_post + 1) * sizeof *c->start);
        snn_free(c->syn, (size_t)c->cap * sizeof *c->syn);
        snn_free(c->pre, (size_t)c->cap * sizeof *c->pre);
    }
    c->end = NULL;
    c->cap = 0;
    c->start = NULL;
    c->syn = NULL;
    c->pre = NULL;
}

/* ---- weight update models: global positions, initial values, final checksums ---------- */

/* Target index (block-relative) of stored synapse p. */
static inline uint32_t rt_ind_at(const snn_ragged *r, uint64_t p)
{
    return r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[p] : ((const uint32_t *)r->ind)[p];
}

void snn_check_multapses(const snn_ragged *r, const char *proj)
{
    if (!r->ind) /* rows built on the GPU (the CUDA back end): the targets are there only */
        return;
    for (uint32_t i = 0; i < r->n_pre; i++) {
        const uint64_t a = r->row_start[i], e = a + r->row_len[i];
        for (uint64_t p = a, run = 0; p < e; p++) {
            run = p > a && rt_ind_at(r, p) == rt_ind_at(r, p - 1) ? run + 1 : 0;
            if (run >= 65536u)
                snn_fatal("projection '%s': more than 65536 synapses from neuron %u to neuron "
                          "%u; their random numbers are keyed by (source, target, ordinal) "
                          "with a 16-bit ordinal",
                          proj, i, r->post_lo + rt_ind_at(r, p));
        }
    }
}

void snn_init_synapses(const snn_init *init, uint64_t seed, const snn_ragged *r, void *out,
                       int value_bytes)
{
    float *of = value_bytes == 4 ? out : NULL;
    double *od = value_bytes == 4 ? NULL : out;
    for (uint32_t i = 0; i < r->n_pre; i++) {
        const uint64_t a = r->row_start[i], e = a + r->row_len[i];
        uint32_t ord = 0;
        for (uint64_t p = a; p < e; p++) {
            const uint32_t k = rt_ind_at(r, p);
            ord = p > a && k == rt_ind_at(r, p - 1) ? ord + 1 : 0; /* rows ascend by target */
            int ok = 1;
            const double v = init->kind == SNN_INIT_CONSTANT
                                 ? init->a
                                 : snn_init_syn_eval(init, seed, i, r->post_lo + k, ord, &ok);
            if (!ok)
                snn_fatal("normal_clipped(%g, %g) in [%g, %g]: no value in bounds after 1000 "
                          "draws", init->a, init->b, init->lo, init->hi);
            if (of)
                of[p] = (float)v;
            else
                od[p] = v;
        }
    }
}

/* The bits of value p of an array of value_bytes-wide scalars. */
static inline uint64_t value_bits(const void *a, uint64_t p, int value_bytes)
{
    if (value_bytes == 4) {
        uint32_t b;
        memcpy(&b, (const float *)a + p, sizeof b);
        return b;
    }
    uint64_t b;
    memcpy(&b, (const double *)a + p, sizeof b);
    return b;
}

uint64_t snn_synapse_checksum(const snn_ragged *r, const void *const *vars, int n_vars,
                              int value_bytes)
{
    if (r->dense || r->procedural)
        return r->checksum; /* no weight update models on these formats */
    uint64_t sum = 0;
    for (uint32_t i = 0; i < r->n_pre; i++)
        for (uint64_t p = r->row_start[i]; p < r->row_start[i] + r->row_len[i]; p++) {
            const uint32_t j = r->post_lo + (r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[p]
                                                               : ((const uint32_t *)r->ind)[p]);
            uint64_t wh = wbits_mix(r->weight ? value_bits(r->weight, p, r->weight_bytes) : 0);
            if (r->delay)
                wh ^= dmix(r->delay_bytes == 1 ? ((const uint8_t *)r->delay)[p]
                                               : ((const uint16_t *)r->delay)[p]);
            for (int k = 0; k < n_vars; k++)
                wh ^= rt_mix64(value_bits(vars[k], p, value_bytes) +
                            (uint64_t)(k + 1) * 0xd1b54a32d192ed03ull);
            sum += syn_hash(i, j, wh);
        }
    return sum;
}

/* ---- format = "dense" --------------------------------------------------------------- */

void snn_dense_check_rows(const snn_ragged *r, const char *proj)
{
    for (uint32_t i = 0; i < r->n_pre; i++) {
        int ok = r->row_start[i] == (uint64_t)i * r->n_post && r->row_len[i] == r->n_post;
        for (uint32_t k = 0; ok && k < r->row_len[i]; k++) {
            const uint64_t pos = r->row_start[i] + k;
            const uint32_t j = r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[pos]
                                                 : ((const uint32_t *)r->ind)[pos];
            ok = j == k;
        }
        if (!ok)
            snn_fatal("projection '%s': format = \"dense\" with a weight update model needs "
                      "every target in every row (source %u's row is not complete)", proj, i);
    }
}

void snn_dense_from_ragged(snn_ragged *r, double w, int weight_bytes)
{
    const int wb = weight_bytes == 4 ? 4 : 8;
    const uint64_t nl = r->n_post;
    const uint64_t cells = (uint64_t)r->n_pre * nl;
    char what[256];
    snprintf(what, sizeof what, "dense matrix of %u x %u", r->n_pre, r->n_post);
    void *mat = syn_alloc((size_t)(cells * (uint64_t)wb), what);
    /* -0.0 where there is no synapse: x + -0.0 == x for every x (also +0.0 and -0.0), so
     * walking a whole row adds exactly what the sparse rows add */
    if (wb == 4) {
        float *m = mat;
        for (uint64_t c = 0; c < cells; c++)
            m[c] = -0.0f;
    } else {
        double *m = mat;
        for (uint64_t c = 0; c < cells; c++)
            m[c] = -0.0;
    }
    for (uint32_t i = 0; i < r->n_pre; i++) {
        const uint64_t start = r->row_start[i];
        for (uint32_t k = 0; k < r->row_len[i]; k++) {
            const uint64_t pos = start + k;
            const uint32_t j = r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[pos]
                                                 : ((const uint32_t *)r->ind)[pos];
            double v = w;
            if (r->weight)
                v = r->weight_bytes == 4 ? (double)((const float *)r->weight)[pos]
                                         : ((const double *)r->weight)[pos];
            const uint64_t c = (uint64_t)i * nl + j;
            if (k > 0) {
                const uint64_t prev = start + k - 1;
                const uint32_t jp = r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[prev]
                                                      : ((const uint32_t *)r->ind)[prev];
                if (jp == j)
                    snn_fatal("dense matrix: source %u has two synapses onto target %u "
                              "(multapses cannot be stored densely)", i, r->post_lo + j);
            }
            if (wb == 4)
                ((float *)mat)[c] = (float)v;
            else
                ((double *)mat)[c] = v;
        }
    }
    snn_free(r->ind, (size_t)(r->capacity * (uint64_t)r->ind_bytes));
    snn_free(r->weight, (size_t)(r->capacity * (uint64_t)r->weight_bytes));
    snn_free(r->row_start, ((size_t)r->n_pre + 1) * sizeof(uint64_t));
    r->ind = NULL;
    r->row_start = NULL;
    r->ind_bytes = 0;
    r->weight = mat;
    r->weight_bytes = wb;
    r->capacity = cells;
    r->dense = 1;
    r->bytes = cells * (uint64_t)wb + (uint64_t)r->n_pre * sizeof(uint32_t);
}

/* ---- format = "procedural" ---------------------------------------------------------- */

/* The rows snn_conn_row generates during the steps (procedural storage): work buffers per
 * thread, kept between calls; freed by rt_conn_thread_release when a step thread ends
 * (threads that outlive the run keep them reachable). */
static _Thread_local colctx row_outdeg, row_user;
static _Thread_local uint32_t row_outdeg_n;

void rt_conn_thread_release(void)
{
    colctx_free(&row_outdeg);
    colctx_free(&row_user);
    row_outdeg_n = 0;
}

uint32_t snn_conn_row(const snn_proj_spec *spec, uint64_t seed, uint32_t i, uint32_t hi,
                      uint32_t *buf)
{
    const uint32_t n_post = spec->n_post;
    const int excl = row_excludes_self(spec, i);
    uint32_t n = 0;
    if (hi > n_post)
        hi = n_post;
    switch (spec->kind) {
    case SNN_CONN_ONE_TO_ONE:
        if (i < hi)
            buf[n++] = i;
        return n;
    case SNN_CONN_FIXED_PROBABILITY:
        if (!(spec->p > 0.0))
            return 0;
        if (spec->p < 1.0) {
            snn_rng g;
            snn_rng_init(&g, seed, spec->stream, i, 0);
            const double inv_log_q = 1.0 / log1p(-spec->p);
            double pos = -1.0;
            const double end = (double)hi;
            for (;;) {
                pos += floor(log(snn_rng_uniform(&g)) * inv_log_q) + 1.0;
                if (pos >= end)
                    break;
                uint32_t j = (uint32_t)pos;
                if (excl && j == i)
                    continue;
                buf[n++] = j;
            }
            return n;
        }
        __attribute__((fallthrough)); /* p >= 1 is all_to_all */
    case SNN_CONN_ALL_TO_ALL:
        for (uint32_t j = 0; j < hi; j++)
            if (!(excl && j == i))
                buf[n++] = j;
        return n;
    case SNN_CONN_FIXED_OUTDEGREE: {
        colctx *cx = &row_outdeg;
        if (!spec->multapses)
            bitset_reserve(&cx->bits, n_post);
        if (!cx->tmp || row_outdeg_n < spec->k + 1) {
            free(cx->tmp);
            cx->tmp = malloc(((size_t)spec->k + 1) * sizeof *cx->tmp);
            if (!cx->tmp)
                snn_fatal("out of memory for a connectivity work buffer");
            row_outdeg_n = spec->k + 1;
        }
        n = outdegree_row(spec, seed, i, buf, cx);
        while (n > 0 && buf[n - 1] >= hi)
            n--;
        return n;
    }
    case SNN_CONN_USER_ROW: {
        /* the sorted row (as the sparse builder stores it), up to hi */
        colctx *cx = &row_user;
        const uint32_t m = user_row(spec, seed, i, cx);
        while (n < m && cx->rw.buf[n] < hi) {
            buf[n] = cx->rw.buf[n];
            n++;
        }
        return n;
    }
    default:
        snn_fatal("projection '%s': %s is not a row-wise rule (procedural connectivity)",
                  proj_name(spec), "this rule");
    }
}

void snn_proc_build(const snn_proj_spec *spec, uint64_t seed, snn_ragged *out)
{
    const uint32_t lo = spec->post_range ? spec->post_lo : 0;
    const uint32_t hi = spec->post_range ? spec->post_lo + spec->post_n : spec->n_post;
    const int wb = spec->has_weight ? (spec->weight_bytes == 4 ? 4 : 8) : 0;
    memset(out, 0, sizeof *out);
    check_spec(spec);
    out->n_pre = spec->n_pre;
    out->n_post = hi - lo;
    out->post_lo = lo;
    out->procedural = 1;
    out->spec = *spec;
    out->seed = seed;
    uint64_t cap = spec->kind == SNN_CONN_FIXED_OUTDEGREE ? spec->k : spec->n_post;
    if (spec->kind == SNN_CONN_USER_ROW) { /* the longest row: generate them all once */
        colctx cx;
        memset(&cx, 0, sizeof cx);
        cap = 0;
        for (uint32_t i = 0; i < spec->n_pre; i++) {
            uint32_t m = spec->gen(spec, seed, i, &cx.rw);
            cap = m > cap ? m : cap;
        }
        colctx_free(&cx);
    }
    if (cap == 0)
        cap = 1;
    char what[256];
    snprintf(what, sizeof what, "projection '%s' procedural row buffer", proj_name(spec));
    uint32_t *buf = snn_alloc((size_t)cap * sizeof *buf, what);
    out->ind = buf;
    out->ind_bytes = 4;
    out->capacity = cap;
    out->bytes = cap * sizeof *buf;
    /* count and checksum: the synapses onto [lo, hi), as the propagation will see them */
    const uint64_t h0 = wbits_mix(0);
    uint64_t sum = 0, total = 0;
    for (uint32_t i = 0; i < spec->n_pre; i++) {
        uint32_t n = snn_conn_row(spec, seed, i, hi, buf);
        for (uint32_t t = 0; t < n; t++) {
            if (buf[t] < lo)
                continue;
            uint64_t wh = h0;
            if (wb == 4) {
                float x = (float)snn_init_value(&spec->weight, seed, i, t);
                uint32_t bits32;
                memcpy(&bits32, &x, sizeof bits32);
                wh = wbits_mix(bits32);
            } else if (wb == 8) {
                double x = snn_init_value(&spec->weight, seed, i, t);
                uint64_t bits64;
                memcpy(&bits64, &x, sizeof bits64);
                wh = wbits_mix(bits64);
            }
            sum += syn_hash(i, buf[t], wh);
            total++;
        }
    }
    out->n_syn = total;
    out->checksum = sum;
}
