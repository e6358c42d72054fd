/*
 * rt_conn.c - connectivity rules and the two-pass builder of ragged per-source rows.
 *
 * A column (the sources of target j) is drawn from the Philox stream (seed, spec->stream,
 * element j, step 0), so it does not depend on how targets are split up.  The builder
 * regenerates every column twice: pass 1 counts row lengths, pass 2 appends j to the row
 * of each source (so each row's targets come out ascending) and draws weights.
 *
 * Rules (same_pop && !autapses excludes source j from column j):
 *   all_to_all         every source
 *   one_to_one         source j (the identity pairing: it ignores 'autapses')
 *   fixed_probability  Bernoulli(p) per source by geometric skipping
 *   fixed_indegree     k sources by snn_rng_below; distinct ones (Floyd's algorithm) when
 *                      !multapses
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "rt_internal.h"
#include "snnrt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *proj_name(const snn_proj_spec *spec)
{
    return spec->name ? spec->name : "?";
}

/* Whether column j must skip source j. */
static inline int excludes_self(const snn_proj_spec *spec, uint32_t j)
{
    return spec->same_pop && !spec->autapses && j < spec->n_pre;
}

static void check_spec(const snn_proj_spec *spec)
{
    if (spec->kind == SNN_CONN_ONE_TO_ONE && spec->n_pre != spec->n_post)
        snn_fatal("projection '%s': one_to_one needs populations of the same size "
                  "(pre has %u neurons, post %u)",
                  proj_name(spec), spec->n_pre, spec->n_post);
    if (spec->kind == SNN_CONN_FIXED_INDEGREE && spec->n_post > 0) {
        /* Worst case of available sources: n_pre - 1 when one column excludes itself. */
        uint32_t avail = spec->n_pre;
        if (spec->same_pop && !spec->autapses && spec->n_pre > 0)
            avail = spec->n_pre - 1;
        if (spec->k > 0 && avail == 0)
            snn_fatal("projection '%s': fixed_indegree k = %u but there are no possible "
                      "sources",
                      proj_name(spec), spec->k);
        if (!spec->multapses && spec->k > avail)
            snn_fatal("projection '%s': fixed_indegree k = %u without multapses needs at "
                      "least %u distinct sources, but there are only %u%s",
                      proj_name(spec), spec->k, spec->k, avail,
                      avail < spec->n_pre ? " (autapses excluded)" : "");
    }
}

/* A bitmap of n_pre bits for Floyd's algorithm; all bits are clear between uses. */
typedef struct bitset {
    uint64_t *w;
    size_t words;
} bitset;

static void bitset_reserve(bitset *b, uint32_t nbits)
{
    size_t words = ((size_t)nbits + 63) / 64;
    if (words <= b->words)
        return;
    free(b->w);
    b->w = calloc(words ? words : 1, sizeof(uint64_t));
    if (!b->w)
        snn_fatal("out of memory for a connectivity work buffer");
    b->words = words;
}

/* The column generator.  'bits' is only used by fixed_indegree without multapses. */
static inline uint32_t column(const snn_proj_spec *spec, uint64_t seed, uint32_t j,
                              uint32_t *buf, bitset *bits)
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

    case SNN_CONN_FIXED_INDEGREE: {
        const uint32_t k = spec->k;
        const uint32_t avail = excl ? n_pre - 1 : n_pre;
        if (k == 0 || avail == 0)
            return 0;
        snn_rng_init(&g, seed, spec->stream, j, 0);
        if (spec->multapses) {
            for (uint32_t t = 0; t < k; t++) {
                uint32_t r = snn_rng_below(&g, avail);
                buf[n++] = r + (uint32_t)(excl && r >= j);
            }
        } else {
            /* Floyd: for t in [avail - k, avail): r = below(t + 1); take t if r is taken. */
            uint64_t *w = bits->w;
            for (uint32_t t = avail - k; t < avail; t++) {
                uint32_t r = snn_rng_below(&g, t + 1);
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

uint32_t snn_conn_column(const snn_proj_spec *spec, uint64_t seed, uint32_t j, uint32_t *buf)
{
    static _Thread_local bitset bits;
    check_spec(spec);
    if (spec->kind == SNN_CONN_FIXED_INDEGREE && !spec->multapses)
        bitset_reserve(&bits, spec->n_pre);
    return column(spec, seed, j, buf, &bits);
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
    }
    return 0.0;
}

/* Order-independent checksum: sum of a 64-bit mix of each (pre, post, weight bits). */
static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

/* Hash of one synapse; wh is wbits_mix(weight bits) (wbits_mix(0) without weights). */
static inline uint64_t wbits_mix(uint64_t wbits)
{
    return mix64(wbits + 0x9e3779b97f4a7c15ull);
}

static inline uint64_t syn_hash(uint32_t pre, uint32_t post, uint64_t wh)
{
    return mix64((((uint64_t)pre << 32) | post) ^ wh);
}

static uint32_t max_column(const snn_proj_spec *spec)
{
    switch (spec->kind) {
    case SNN_CONN_ONE_TO_ONE:
        return 1;
    case SNN_CONN_FIXED_INDEGREE:
        return spec->k;
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
    uint64_t h0; /* wbits_mix(0): the weight part of the hash without weights */
    uint64_t sum;
} filler;

typedef struct bucket_entry {
    uint32_t s, j;
} bucket_entry;

/* Append target j (weight w, ignored without weights) to the row of source s. */
static inline void fill_one(filler *f, uint32_t s, uint32_t j, double w)
{
    uint64_t pos = f->row_start[s] + f->row_len[s]++;
    uint64_t wh = f->h0;
    if (f->ind16)
        f->ind16[pos] = (uint16_t)j;
    else
        f->ind32[pos] = j;
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
    f->sum += syn_hash(s, j, wh);
}

static void flush_bucket(filler *f, const bucket_entry *e, const double *w, uint32_t n)
{
    if (w) {
        for (uint32_t i = 0; i < n; i++)
            fill_one(f, e[i].s, e[i].j, w[i]);
    } else {
        for (uint32_t i = 0; i < n; i++)
            fill_one(f, e[i].s, e[i].j, 0.0);
    }
}

void snn_ragged_build(const snn_proj_spec *spec, uint64_t seed, snn_ragged *out)
{
    const char *name = proj_name(spec);
    const uint32_t n_pre = spec->n_pre, n_post = spec->n_post;
    const int ib = spec->ind_bytes == 2 ? 2 : 4;
    const int wb = spec->has_weight ? (spec->weight_bytes == 4 ? 4 : 8) : 0;
    char what[256], b1[32], b2[32];

    memset(out, 0, sizeof *out);
    out->n_pre = n_pre;
    out->n_post = n_post;
    check_spec(spec);
    if (ib == 2 && n_post > 65536)
        snn_fatal("projection '%s': 16-bit target indices cannot address %u target neurons "
                  "(65536 at most)",
                  name, n_post);

    snprintf(what, sizeof what, "projection '%s' row lengths", name);
    uint32_t *row_len = snn_alloc((size_t)n_pre * sizeof *row_len, what);
    snprintf(what, sizeof what, "projection '%s' row offsets", name);
    uint64_t *row_start = snn_alloc(((size_t)n_pre + 1) * sizeof *row_start, what);

    uint32_t maxcol = max_column(spec);
    uint32_t *col = malloc(((size_t)maxcol + 1) * sizeof *col);
    bitset bits = {NULL, 0};
    if (!col)
        snn_fatal("out of memory for a connectivity work buffer of projection '%s'", name);
    if (spec->kind == SNN_CONN_FIXED_INDEGREE && !spec->multapses)
        bitset_reserve(&bits, n_pre);

    /* Pass 1: row lengths. */
    uint64_t total = 0;
    if (spec->kind == SNN_CONN_ALL_TO_ALL ||
        (spec->kind == SNN_CONN_FIXED_PROBABILITY && spec->p >= 1.0)) {
        for (uint32_t i = 0; i < n_pre; i++) {
            uint32_t len = n_post;
            if (spec->same_pop && !spec->autapses && i < n_post)
                len--;
            row_len[i] = len;
            total += len;
        }
    } else {
        for (uint32_t j = 0; j < n_post; j++) {
            uint32_t n = column(spec, seed, j, col, &bits);
            for (uint32_t t = 0; t < n; t++)
                row_len[col[t]]++;
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
    uint64_t need = cap * (uint64_t)(ib + wb);
    uint64_t mem = snn_machine_memory();
    if (need > mem || cap > UINT64_MAX / 16) {
        snn_format_bytes(b1, sizeof b1, (double)need);
        snn_format_bytes(b2, sizeof b2, (double)mem);
        snn_fatal("cannot build projection '%s': %llu synapses need %s but this machine has "
                  "%s of memory",
                  name, (unsigned long long)total, b1, b2);
    }

    snprintf(what, sizeof what, "projection '%s' target indices", name);
    void *ind = snn_alloc((size_t)(cap * (uint64_t)ib), what);
    void *weight = NULL;
    if (wb) {
        snprintf(what, sizeof what, "projection '%s' weights", name);
        weight = snn_alloc((size_t)(cap * (uint64_t)wb), what);
    }

    /* Pass 2: fill.  row_len counts again from zero. */
    memset(row_len, 0, (size_t)n_pre * sizeof *row_len);
    filler fl = {row_start, row_len, ib == 2 ? (uint16_t *)ind : NULL,
                 ib == 4 ? (uint32_t *)ind : NULL, wb == 4 ? (float *)weight : NULL,
                 wb == 8 ? (double *)weight : NULL, wbits_mix(0), 0};
    const snn_init *winit = &spec->weight;

    /* Writing each column straight into the rows scatters over all n_pre rows, which
     * misses the cache once rows outnumber the cache lines.  So sources are first
     * appended to buckets of 2^shift consecutive rows and a full bucket is written out in
     * one go: its rows' write positions stay in cache.  Row order (ascending targets) is
     * kept because a bucket holds its entries in column order. */
    uint32_t shift = 8;
    while (shift < 31 && ((uint64_t)n_pre >> shift) > 8192)
        shift++;
    const uint32_t nb = (uint32_t)(((uint64_t)n_pre + (1u << shift) - 1) >> shift);
    uint32_t q = nb > 1 ? (uint32_t)((1u << 22) / nb) : 0;
    q = q < 256 ? 256 : q > 4096 ? 4096 : q;
    bucket_entry *be = NULL;
    double *bw = NULL;
    uint32_t *bn = NULL;
    if (nb > 1) {
        be = malloc((size_t)nb * q * sizeof *be);
        bn = calloc(nb, sizeof *bn);
        if (wb)
            bw = malloc((size_t)nb * q * sizeof *bw);
        if (!be || !bn || (wb && !bw))
            snn_fatal("out of memory for a connectivity work buffer of projection '%s'", name);
    }

    for (uint32_t j = 0; j < n_post; j++) {
        uint32_t n = column(spec, seed, j, col, &bits);
        if (nb <= 1) {
            for (uint32_t t = 0; t < n; t++)
                fill_one(&fl, col[t], j, wb ? rt_init_eval(winit, seed, j, t) : 0.0);
            continue;
        }
        for (uint32_t t = 0; t < n; t++) {
            uint32_t src = col[t], b = src >> shift;
            size_t at = (size_t)b * q + bn[b];
            be[at].s = src;
            be[at].j = j;
            if (wb)
                bw[at] = rt_init_eval(winit, seed, j, t);
            if (++bn[b] == q) {
                flush_bucket(&fl, be + (size_t)b * q, wb ? bw + (size_t)b * q : NULL, q);
                bn[b] = 0;
            }
        }
    }
    for (uint32_t b = 0; b < nb && nb > 1; b++)
        flush_bucket(&fl, be + (size_t)b * q, wb ? bw + (size_t)b * q : NULL, bn[b]);
    free(be);
    free(bw);
    free(bn);
    uint64_t sum = fl.sum;

    free(col);
    free(bits.w);

    out->n_syn = total;
    out->capacity = cap;
    out->row_start = row_start;
    out->row_len = row_len;
    out->ind = ind;
    out->weight = weight;
    out->checksum = sum;
    out->ind_bytes = ib;
    out->weight_bytes = wb;
    out->bytes = ((uint64_t)n_pre + 1) * sizeof *row_start + (uint64_t)n_pre * sizeof *row_len +
                 cap * (uint64_t)(ib + wb);
}

void snn_ragged_free(snn_ragged *r)
{
    if (!r)
        return;
    snn_free(r->ind, (size_t)(r->capacity * (uint64_t)r->ind_bytes));
    snn_free(r->weight, (size_t)(r->capacity * (uint64_t)r->weight_bytes));
    snn_free(r->row_start, ((size_t)r->n_pre + 1) * sizeof(uint64_t));
    snn_free(r->row_len, (size_t)r->n_pre * sizeof(uint32_t));
    memset(r, 0, sizeof *r);
}
