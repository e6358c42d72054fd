/*
 * rt_rewire_cand.c - candidate targets of connectivity updates (connectivity_update{
 * candidates = { ... } }): per row, a number of distinct targets drawn uniformly without
 * replacement from the row's stream, the same on every rank and thread (docs/language.md
 * "Connectivity updates", docs/parallel.md).  The generated code removes connected
 * candidates (candidates.remove) and forms synapses onto unconnected ones (candidates.add);
 * this file holds the draws and the per-row lists.
 */
#include "rt_internal.h"
#include "snnrt.h"

#include <stdlib.h>
#include <string.h>

static snn_rewire_cand g_cand[SNN_MAX_REWIRE];

/* snn_exp_memo's table (snn_philox.h): zero is the key of -1000, never looked up */
__thread snn_exp_memo_set snn_exp_memo_tab[1u << SNN_EXP_MEMO_BITS];

static void *grow(void *p, size_t n, const char *name)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        snn_fatal("out of memory for the candidates of connectivity update '%s'", name);
    return q;
}

snn_rewire_cand *snn_rewire_cand_setup(int k, const char *name, uint32_t n_pre, uint32_t n_post)
{
    if (k < 0 || k >= SNN_MAX_REWIRE)
        snn_fatal("connectivity update '%s': at most %d connectivity updates", name,
                  SNN_MAX_REWIRE);
    snn_rewire_cand *c = &g_cand[k];
    snn_rewire_cand_free(c);
    c->name = name;
    c->n_pre = n_pre;
    c->n_post = n_post;
    c->off = grow(NULL, sizeof(uint64_t) * ((size_t)n_pre + 1), name);
    c->count = calloc((size_t)n_pre + 1, sizeof(uint32_t)); /* zero outside rows[] */
    c->rows = grow(NULL, sizeof(uint32_t) * ((size_t)n_pre + 1), name);
    c->qoff = grow(NULL, sizeof(uint64_t) * ((size_t)n_pre + 2), name);
    c->acc = grow(NULL, sizeof(int64_t) * ((size_t)n_pre + 1), name);
    c->lenq = grow(NULL, sizeof(int64_t) * ((size_t)n_pre + 1), name);
    c->qcnt = grow(NULL, sizeof(uint32_t) * ((size_t)n_pre + 1), name);
    c->mark = calloc((size_t)n_post + 1, 1);
    c->rowbits = calloc((size_t)n_pre / 64u + 1u, sizeof(uint64_t));
    if (!c->mark || !c->count || !c->rowbits)
        snn_fatal("out of memory for the candidates of connectivity update '%s'", name);
    c->off[0] = 0;
    return c;
}

snn_rewire_cand *snn_rewire_cand_get(int k)
{
    return k >= 0 && k < SNN_MAX_REWIRE ? &g_cand[k] : NULL;
}

void snn_rewire_cand_free(snn_rewire_cand *c)
{
    free(c->off);
    free(c->count);
    free(c->rows);
    free(c->acc);
    free(c->lenq);
    free(c->mark);
    free(c->cand);
    free(c->flag);
    free(c->wmark);
    free(c->rowbits);
    free(c->pre_of);
    free(c->blk);
    free(c->qoff);
    free(c->qcnt);
    free(c->dup);
    memset(c, 0, sizeof *c);
}

void snn_rewire_cand_release(void)
{
    for (int k = 0; k < SNN_MAX_REWIRE; k++)
        snn_rewire_cand_free(&g_cand[k]);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* d[0 .. n) ascending (distinct values: any sort gives the same order); a row's few
 * candidates by insertion, qsort's calls per comparison cost more there */
static void sort_u32(uint32_t *d, uint64_t n)
{
    if (n > 32) {
        qsort(d, (size_t)n, sizeof *d, cmp_u32);
        return;
    }
    for (uint64_t k = 1; k < n; k++) {
        const uint32_t v = d[k];
        uint64_t j = k;
        for (; j > 0 && d[j - 1] > v; j--)
            d[j] = d[j - 1];
        d[j] = v;
    }
}

void snn_rewire_cand_spread(snn_rewire_cand *c, uint64_t seed, uint32_t stream, uint64_t step,
                            uint64_t total)
{
    for (uint32_t q = 0; q < c->n_rows; q++) /* count is zero but for the last rows[] */
        c->count[c->rows[q]] = 0;
    c->n_rows = 0;
    const uint64_t room = (uint64_t)c->n_pre * c->n_post;
    if (total > room)
        snn_fatal("connectivity update '%s': candidates.total is %llu, more than N_pre x N_post "
                  "= %llu", c->name, (unsigned long long)total, (unsigned long long)room);
    /* the words of the stream snn_rng_init(seed, stream, 0xFFFFFFFF, step) in order, its
     * blocks computed up to 64 at a time (rt_philox_batch, SIMD) */
    enum { CH = 64 };
    uint32_t b[4][CH];
    const uint32_t key[2] = {(uint32_t)seed, stream};
    uint32_t blk = 0, nb = 0, at = 0; /* the next block to compute; blocks in b; next word */
    while (total > 0) { /* a row drawn uniformly, drawn again while it has N_post candidates */
        if (at == 4 * nb) {
            const uint64_t want = (total + 3) / 4; /* at least a word per candidate left */
            nb = want < CH ? (uint32_t)want : CH;
            rt_philox_batch(key, blk, 0xFFFFFFFFu, (uint32_t)step, (uint32_t)(seed >> 32), nb,
                            b[0], b[1], b[2], b[3]);
            blk += nb;
            at = 0;
        }
        const uint32_t w = b[at & 3u][at >> 2];
        at++;
        uint32_t i = (uint32_t)(((uint64_t)w * c->n_pre) >> 32);
        if (c->count[i] < c->n_post) {
            if (c->count[i]++ == 0)
                c->rowbits[i >> 6] |= (uint64_t)1 << (i & 63u);
            total--;
        }
    }
    /* the rows with candidates, ascending: a bit per row (n_pre / 64 words), no sort */
    for (uint32_t w = 0; w <= c->n_pre / 64u; w++) {
        uint64_t x = c->rowbits[w];
        if (!x)
            continue;
        c->rowbits[w] = 0;
        for (; x; x &= x - 1)
            c->rows[c->n_rows++] = w * 64u + (uint32_t)__builtin_ctzll(x);
    }
}

void snn_rewire_cand_spread_q(snn_rewire_cand *c, uint64_t seed, uint32_t stream, uint64_t step,
                              uint64_t total)
{
    if (total > c->n_post || total > (uint64_t)c->n_pre * c->n_post) { /* a row may fill up
                                                   * and be drawn again: the general spread */
        snn_rewire_cand_spread(c, seed, stream, step, total);
        for (uint32_t q = 0; q < c->n_rows; q++) {
            c->qcnt[q] = c->count[c->rows[q]];
            c->count[c->rows[q]] = 0;
        }
        return;
    }
    /* No row can hold N_post candidates (total <= N_post), so none is drawn again: word k
     * of the stream is candidate k's row, as in snn_rewire_cand_spread; the rows marked in
     * rowbits (n_pre / 64 words, in cache), a row drawn again listed in dup[] (a few: total^2
     * / 2 n_pre expected), no count[] (n_pre words, a random line per candidate) */
    if (total > c->n_dup) {
        c->dup = grow(c->dup, sizeof(uint32_t) * total, c->name);
        c->n_dup = total;
    }
    enum { CH = 64 };
    uint32_t b[4][CH];
    const uint32_t key[2] = {(uint32_t)seed, stream};
    uint64_t nd = 0;
    const uint64_t n_pre = c->n_pre;
    uint64_t *restrict bits = c->rowbits;
    uint32_t *restrict dup = c->dup;
    for (uint64_t k0 = 0, blk = 0; k0 < total; k0 += 4 * CH, blk += CH) {
        const uint64_t left = total - k0;
        const uint32_t nb = left >= 4 * CH ? CH : (uint32_t)((left + 3) / 4);
        rt_philox_batch(key, (uint32_t)blk, 0xFFFFFFFFu, (uint32_t)step, (uint32_t)(seed >> 32),
                        nb, b[0], b[1], b[2], b[3]);
        const uint32_t nw = left >= 4 * CH ? 4 * CH : (uint32_t)left;
        for (uint32_t at = 0; at < nw; at++) {
            const uint32_t i = (uint32_t)(((uint64_t)b[at & 3u][at >> 2] * n_pre) >> 32);
            const uint64_t m = (uint64_t)1 << (i & 63u);
            if (bits[i >> 6] & m)
                dup[nd++] = i;
            bits[i >> 6] |= m;
        }
    }
    uint32_t nr = 0;
    for (uint32_t w = 0; w <= c->n_pre / 64u; w++) {
        uint64_t x = bits[w];
        if (!x)
            continue;
        bits[w] = 0;
        for (; x; x &= x - 1) {
            c->qcnt[nr] = 1;
            c->rows[nr++] = w * 64u + (uint32_t)__builtin_ctzll(x);
        }
    }
    c->n_rows = nr;
    for (uint64_t k = 0; k < nd; k++) { /* a row's further candidates: its place in rows[] */
        uint32_t lo = 0, hi = nr;
        while (hi - lo > 1) {
            const uint32_t mid = lo + (hi - lo) / 2;
            if (c->rows[mid] <= dup[k])
                lo = mid;
            else
                hi = mid;
        }
        c->qcnt[lo]++;
    }
}

/* count distinct targets into d, drawn from g (mark: n_post zero bytes, left zero) */
static void draw_row(const snn_rewire_cand *c, snn_rng *g, uint32_t *d, uint64_t count,
                     uint8_t *mark)
{
    if (count == 1) { /* most rows: one draw, nothing to mark or sort */
        d[0] = (uint32_t)(((uint64_t)snn_rng_u32(g) * c->n_post) >> 32);
        return;
    }
    for (uint64_t k = 0; k < count; k++) { /* a 32-bit word w gives target w N_post / 2^32,
                                             * drawn again while already a candidate */
        uint32_t t;
        do
            t = (uint32_t)(((uint64_t)snn_rng_u32(g) * c->n_post) >> 32);
        while (mark[t]);
        mark[t] = 1;
        d[k] = t;
    }
    for (uint64_t k = 0; k < count; k++)
        mark[d[k]] = 0;
    sort_u32(d, count);
}

static void room_for(snn_rewire_cand *c, uint64_t need)
{
    if (need > c->cap) {
        uint64_t cap = c->cap ? c->cap : 64;
        while (cap < need)
            cap *= 2;
        c->cand = grow(c->cand, sizeof(uint32_t) * cap, c->name);
        c->flag = grow(c->flag, cap, c->name);
        c->pre_of = grow(c->pre_of, sizeof(uint32_t) * cap, c->name);
        free(c->blk); /* scratch: nothing to keep */
        c->blk = grow(NULL, sizeof(uint32_t) * 4u * cap, c->name);
        c->cap = cap;
    }
}

void snn_rewire_cand_row(snn_rewire_cand *c, snn_rng *g, uint32_t i, uint64_t count)
{
    const uint64_t a = c->off[i]; /* off[0] = 0 always */
    if (count > c->n_post)
        snn_fatal("connectivity update '%s': candidates.count of source %u is %llu, more than "
                  "N_post = %u (candidates are distinct)", c->name, i,
                  (unsigned long long)count, c->n_post);
    if (count == 0) {
        c->off[i + 1] = a;
        return;
    }
    room_for(c, a + count);
    draw_row(c, g, c->cand + a, count, c->mark);
    memset(c->flag + a, 0, (size_t)count);
    c->off[i + 1] = a + count;
}

void snn_rewire_cand_layout(snn_rewire_cand *c, int nw)
{
    /* by list place only (qoff, written in order; off[] is the serial path's): qcnt[] was
     * written just before by snn_rewire_cand_spread_q */
    uint64_t a = 0;
    for (uint32_t q = 0; q < c->n_rows; q++) {
        c->qoff[q] = a;
        a += c->qcnt[q]; /* at most N_post each (snn_rewire_cand_spread_q) */
    }
    c->qoff[c->n_rows] = a;
    room_for(c, a);
    if (a)
        memset(c->flag, 0, (size_t)a);
    if (nw > c->n_wmark) {
        free(c->wmark);
        c->wmark = calloc((size_t)nw * ((size_t)c->n_post + 1), 1);
        if (!c->wmark)
            snn_fatal("out of memory for the candidates of connectivity update '%s'", c->name);
        c->n_wmark = nw;
    }
}

void snn_rewire_cand_fill(snn_rewire_cand *c, snn_rng *g, uint32_t q, int w)
{
    const uint64_t a = c->qoff[q];
    draw_row(c, g, c->cand + a, c->qoff[q + 1] - a, c->wmark + (size_t)w * ((size_t)c->n_post + 1));
}

/* Rows rows[qb .. qe)'s candidates, each as snn_rewire_cand_fill from its row's stream
 * snn_rng_init(seed, stream, row, step): the streams' first blocks computed 64 rows at a
 * time (rt_philox_gather, SIMD), the draws continuing from them word for word. */
void snn_rewire_cand_fill_rows(snn_rewire_cand *c, uint64_t seed, uint32_t stream,
                               uint64_t step, uint64_t qb, uint64_t qe, int w)
{
    enum { CH = 64 };
    uint32_t b[4][CH];
    const uint32_t key[2] = {(uint32_t)seed, stream};
    for (uint64_t q0 = qb; q0 < qe; q0 += CH) {
        const uint32_t n = (uint32_t)(qe - q0 < CH ? qe - q0 : CH);
        rt_philox_gather(key, 0u, c->rows + q0, NULL, (uint32_t)step, (uint32_t)(seed >> 32), n,
                         b[0], b[1], b[2], b[3]);
        for (uint32_t k = 0; k < n; k++) {
            const uint64_t q = q0 + k;
            const uint32_t i = c->rows[q];
            const uint64_t a = c->qoff[q];
            if (c->qoff[q + 1] - a == 1) { /* most rows: draw_row's one draw, the stream's
                                            * first word */
                c->cand[a] = (uint32_t)(((uint64_t)b[0][k] * c->n_post) >> 32);
                c->pre_of[a] = i;
                continue;
            }
            snn_rng g;
            snn_rng_init_first(&g, seed, stream, i, step, b[0][k], b[1][k], b[2][k], b[3][k]);
            snn_rewire_cand_fill(c, &g, (uint32_t)q, w);
            for (uint64_t p = c->qoff[q]; p < c->qoff[q + 1]; p++) /* for snn_rewire_cand_blocks */
                c->pre_of[p] = i;
        }
    }
}

void snn_rewire_cand_blocks(snn_rewire_cand *c, uint64_t key, uint64_t step, uint64_t qb,
                            uint64_t qe)
{
    if (qb >= qe)
        return;
    const uint64_t a = c->qoff[qb], e = c->qoff[qe];
    const uint32_t k[2] = {(uint32_t)key, (uint32_t)(key >> 32)};
    for (uint64_t p = a; p < e; p += 0x40000000u) { /* nb is 32 bits */
        const uint32_t n = (uint32_t)(e - p < 0x40000000u ? e - p : 0x40000000u);
        rt_philox_gather(k, 0u, c->pre_of + p, c->cand + p, 0u, (uint32_t)step, n, c->blk + p,
                         c->blk + c->cap + p, c->blk + 2 * c->cap + p, c->blk + 3 * c->cap + p);
    }
}
