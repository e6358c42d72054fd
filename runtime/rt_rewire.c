/*
 * rt_rewire.c - connectivity updates (connectivity_update{}, structural plasticity).
 *
 * The generated code runs the user's code (the removal predicate per synapse, the count
 * and targets per row, the initial values of a new synapse); this file holds what does not
 * depend on the model: the row capacity (checked on global row lengths, so the network
 * does not depend on the decomposition), the re-layout of a thread block's rows to that
 * capacity, the sorted insertion that moves every per-synapse array with its synapse, the
 * spreading of a global number of additions over the rows with room, and the counters
 * run.json reports.  docs/parallel.md "Connectivity updates" describes the scheme.
 */
#include "rt_par.h"
#include "snnrt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static snn_rewire_stats g_stats[SNN_MAX_REWIRE];
static int g_n;

snn_rewire_stats *snn_rewire_register(int k, const char *name, const char *proj)
{
    if (k < 0 || k >= SNN_MAX_REWIRE)
        snn_fatal("connectivity update '%s': at most %d connectivity updates", name,
                  SNN_MAX_REWIRE);
    snn_rewire_stats *s = &g_stats[k];
    free(s->len);
    free(s->adds);
    free(s->pairs);
    free(s->bcnt);
    free(s->wcol);
    free(s->room);
    free(s->tgt);
    free(s->ntgt);
    memset(s, 0, sizeof *s);
    s->name = name;
    s->proj = proj;
    if (k + 1 > g_n)
        g_n = k + 1;
    return s;
}

snn_rewire_stats *snn_rewire_get(int k)
{
    return k >= 0 && k < g_n ? &g_stats[k] : NULL;
}

int snn_rewire_count(void)
{
    return g_n;
}

void snn_rewire_release(void)
{
    for (int k = 0; k < g_n; k++) {
        free(g_stats[k].len);
        free(g_stats[k].adds);
        free(g_stats[k].pairs);
        free(g_stats[k].bcnt);
        free(g_stats[k].wcol);
        free(g_stats[k].tgt);
        free(g_stats[k].ntgt);
        g_stats[k].len = NULL;
        g_stats[k].adds = NULL;
        g_stats[k].pairs = NULL;
        g_stats[k].bcnt = NULL;
        g_stats[k].wcol = NULL;
        g_stats[k].tgt = NULL;
        g_stats[k].ntgt = NULL;
    }
}

/* The global length of every row (sum over the blocks, then over the ranks) into s->len. */
static void global_lengths(snn_rewire_stats *s, const snn_ragged *blocks, int nb)
{
    memset(s->len, 0, sizeof(int64_t) * s->n_pre);
    for (int t = 0; t < nb; t++)
        for (uint32_t i = 0; i < s->n_pre; i++)
            s->len[i] += blocks[t].row_len[i];
    snn_sum_int64(s->len, s->n_pre);
}

static inline uint32_t ind_at(const snn_ragged *r, uint64_t p)
{
    return r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[p] : ((const uint32_t *)r->ind)[p];
}

/* Re-lay block r's rows with room for 'room' synapses per row (the contents kept). */
static void regrow(snn_ragged *r, uint32_t room, const char *proj)
{
    char what[256];
    snprintf(what, sizeof what, "projection '%s' rewired rows", proj);
    uint64_t cap = (uint64_t)r->n_pre * room;
    uint64_t *rs = snn_alloc(((size_t)r->n_pre + 1) * sizeof *rs, what);
    void *ind = snn_alloc((size_t)(cap ? cap : 1) * (size_t)r->ind_bytes, what);
    void *w = r->weight_bytes ? snn_alloc((size_t)(cap ? cap : 1) * (size_t)r->weight_bytes, what)
                              : NULL;
    const uint64_t db = r->delay ? (uint64_t)r->delay_bytes : 0; /* delays move too */
    void *dl = db ? snn_alloc((size_t)(cap ? cap : 1) * (size_t)db, what) : NULL;
    for (uint32_t i = 0; i < r->n_pre; i++) {
        rs[i] = (uint64_t)i * room;
        memcpy((char *)ind + rs[i] * (uint64_t)r->ind_bytes,
               (const char *)r->ind + r->row_start[i] * (uint64_t)r->ind_bytes,
               (size_t)r->row_len[i] * (size_t)r->ind_bytes);
        if (w)
            memcpy((char *)w + rs[i] * (uint64_t)r->weight_bytes,
                   (const char *)r->weight + r->row_start[i] * (uint64_t)r->weight_bytes,
                   (size_t)r->row_len[i] * (size_t)r->weight_bytes);
        if (dl)
            memcpy((char *)dl + rs[i] * db, (const char *)r->delay + r->row_start[i] * db,
                   (size_t)r->row_len[i] * (size_t)db);
    }
    rs[r->n_pre] = cap;
    snn_free(r->ind, (size_t)(r->capacity * (uint64_t)r->ind_bytes));
    snn_free(r->weight, (size_t)(r->capacity * (uint64_t)r->weight_bytes));
    snn_free(r->delay, (size_t)(r->capacity * db));
    snn_free(r->row_start, ((size_t)r->n_pre + 1) * sizeof(uint64_t));
    r->bytes -= r->capacity * (uint64_t)(r->ind_bytes + r->weight_bytes + db);
    r->bytes += cap * (uint64_t)(r->ind_bytes + r->weight_bytes + db);
    r->row_start = rs;
    r->ind = ind;
    r->weight = w;
    if (db)
        r->delay = dl;
    r->capacity = cap;
}

void snn_rewire_setup(snn_rewire_stats *s, snn_ragged *blocks, int nb, uint32_t n_pre,
                      uint32_t n_post, uint64_t max_row_length, double row_padding)
{
    s->n_pre = n_pre;
    s->n_post = n_post;
    s->len = malloc(sizeof(int64_t) * ((size_t)n_pre + 1));
    s->adds = malloc(sizeof(uint32_t) * ((size_t)n_pre + 1));
    s->nb = nb > 0 ? nb : 1;
    s->bcnt = calloc((size_t)s->nb * 8u, sizeof(int64_t));
    s->wcol = calloc((size_t)s->nb, sizeof(double));
    s->room = calloc((size_t)s->nb, sizeof(uint64_t));
    if (!s->len || !s->adds || !s->bcnt || !s->wcol || !s->room)
        snn_fatal("out of memory for connectivity update '%s'", s->name);
    for (int t = 0; t < nb; t++) {
        const snn_ragged *r = &blocks[t];
        for (uint32_t i = 0; i < n_pre; i++) /* rows ascend by target: a multapse is adjacent */
            for (uint64_t p = r->row_start[i] + 1; p < r->row_start[i] + r->row_len[i]; p++)
                if (ind_at(r, p) == ind_at(r, p - 1))
                    snn_fatal("projection '%s' has two synapses from source %u to target %u; "
                              "connectivity update '%s' needs a projection without multapses "
                              "(docs/language.md \"Connectivity updates\")", s->proj, i,
                              r->post_lo + ind_at(r, p), s->name);
    }
    global_lengths(s, blocks, nb);
    int64_t longest = 0;
    uint32_t at = 0;
    for (uint32_t i = 0; i < n_pre; i++)
        if (s->len[i] > longest) {
            longest = s->len[i];
            at = i;
        }
    /* the padded length in double, clamped to n_post before the conversion (a huge
     * row_padding would overflow it) */
    double padded = row_padding > 0 ? (double)longest * (1.0 + row_padding) : (double)longest;
    uint64_t cap = max_row_length ? max_row_length
                 : padded >= (double)n_post ? (uint64_t)n_post : (uint64_t)padded;
    if (cap > n_post)
        cap = n_post;
    if ((uint64_t)longest > cap)
        snn_fatal("projection '%s': source %u has %lld synapses, more than its max_row_length "
                  "%llu (connectivity update '%s'); give a larger max_row_length", s->proj, at,
                  (long long)longest, (unsigned long long)cap, s->name);
    s->capacity = (uint32_t)cap;
    /* each block holds at most min(capacity, its targets) synapses of a row: no multapses */
    for (int t = 0; t < nb; t++) {
        uint32_t room = blocks[t].n_post < s->capacity ? blocks[t].n_post : s->capacity;
        regrow(&blocks[t], room, s->proj);
        s->room[t] = room; /* row i at i * room from now on */
    }
    for (uint32_t i = 0; i < n_pre; i++)
        s->synapses += (uint64_t)s->len[i];
}

void snn_rewire_lengths(snn_rewire_stats *s, const snn_ragged *blocks, int nb)
{
    global_lengths(s, blocks, nb);
}

void snn_rewire_lengths_rows(snn_rewire_stats *s, const snn_ragged *blocks, int nb,
                             const uint32_t *rows, uint32_t n, int64_t *tmp)
{
    for (uint32_t q = 0; q < n; q++) {
        tmp[q] = 0;
        for (int t = 0; t < nb; t++)
            tmp[q] += blocks[t].row_len[rows[q]];
    }
    snn_sum_int64(tmp, n); /* the same rows on every rank */
    for (uint32_t q = 0; q < n; q++)
        s->len[rows[q]] = tmp[q];
}

int64_t snn_rewire_insert(snn_ragged *r, uint32_t pre, uint32_t k, void *const *vars,
                          int nvars, int vbytes)
{
    const uint64_t a = r->row_start[pre], n = r->row_len[pre];
    uint64_t lo = a, hi = a + n; /* first place whose target is >= k */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (ind_at(r, mid) < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < a + n && ind_at(r, lo) == k)
        return -1; /* the pair is connected */
    if (a + n >= r->row_start[pre + 1])
        snn_fatal("connectivity update: row %u of a thread block is full (internal error)", pre);
    const size_t tail = (size_t)(a + n - lo);
    char *ind = r->ind;
    memmove(ind + (lo + 1) * (uint64_t)r->ind_bytes, ind + lo * (uint64_t)r->ind_bytes,
            tail * (size_t)r->ind_bytes);
    if (r->ind_bytes == 2)
        ((uint16_t *)r->ind)[lo] = (uint16_t)k;
    else
        ((uint32_t *)r->ind)[lo] = k;
    if (r->weight) {
        char *w = r->weight;
        memmove(w + (lo + 1) * (uint64_t)r->weight_bytes, w + lo * (uint64_t)r->weight_bytes,
                tail * (size_t)r->weight_bytes);
    }
    if (r->delay) {
        char *d = r->delay;
        memmove(d + (lo + 1) * (uint64_t)r->delay_bytes, d + lo * (uint64_t)r->delay_bytes,
                tail * (size_t)r->delay_bytes);
    }
    for (int v = 0; v < nvars; v++) {
        char *x = vars[v];
        memmove(x + (lo + 1) * (uint64_t)vbytes, x + lo * (uint64_t)vbytes, tail * (size_t)vbytes);
    }
    r->row_len[pre]++;
    r->n_syn++;
    return (int64_t)lo;
}

void snn_rewire_spread(snn_rewire_stats *s, uint64_t seed, uint32_t stream, uint64_t step,
                       uint64_t total)
{
    memset(s->adds, 0, sizeof(uint32_t) * s->n_pre);
    uint64_t room = 0;
    for (uint32_t i = 0; i < s->n_pre; i++)
        room += (uint64_t)s->capacity - (uint64_t)s->len[i];
    if (total > room) { /* the rest cannot be placed: counted as failed */
        s->step_failed += total - room;
        total = room;
    }
    snn_rng g;
    snn_rng_init(&g, seed, stream, 0xFFFFFFFFu, step);
    while (total > 0) {
        uint32_t i = (uint32_t)(((uint64_t)snn_rng_u32(&g) * s->n_pre) >> 32);
        if ((uint64_t)s->len[i] + s->adds[i] < s->capacity) {
            s->adds[i]++;
            total--;
        } else {
            s->full_draws++;
        }
    }
}

void snn_rewire_par_take(snn_rewire_stats *s, int64_t cnt[6])
{
    for (int t = 0; t < s->nb; t++)
        for (int k = 0; k < 6; k++) {
            cnt[k] += s->bcnt[8 * t + k];
            s->bcnt[8 * t + k] = 0;
        }
}

void snn_rewire_region(snn_run *run, snn_region_fn fn, void *arg, uint64_t work)
{
    static uint64_t min_work; /* read once, on the master */
    if (!min_work) {
        const char *e = getenv("SNN_REWIRE_PAR_MIN");
        char *end = NULL;
        unsigned long long v = e && *e ? strtoull(e, &end, 10) : 0;
        min_work = e && *e && end && !*end && v > 0 ? (uint64_t)v : 128u;
    }
    if (work < min_work)
        fn(arg, 0, 1);
    else
        snn_step_region(run, fn, arg);
}

double snn_rewire_par_tcol(snn_rewire_stats *s)
{
    double m = 0;
    for (int t = 0; t < s->nb; t++) {
        if (s->wcol[t] > m)
            m = s->wcol[t];
        s->wcol[t] = 0;
    }
    return m;
}

void snn_rewire_tgt_room(snn_rewire_stats *s)
{
    if (s->tgt)
        return;
    s->tgt = malloc(sizeof(uint32_t) * ((size_t)s->n_pre * s->capacity + 1));
    s->ntgt = calloc((size_t)s->n_pre + 1, sizeof(uint32_t));
    if (!s->tgt || !s->ntgt)
        snn_fatal("out of memory for connectivity update '%s' (the drawn targets)", s->name);
}

uint64_t snn_rewire_whole(const snn_rewire_stats *s, const char *what, uint32_t i, double v,
                          double limit)
{
    if (!(v >= 0 && v <= limit && v == (double)(uint64_t)v))
        snn_fatal("connectivity update '%s': %s of source %u is %.17g; it must be a whole "
                  "number from 0 to %.17g", s->name, what, i, v, limit);
    return (uint64_t)v;
}

void snn_rewire_delays(snn_rewire_stats *s, snn_ragged *blocks, int nb, double dt,
                       uint32_t bound)
{
    uint32_t built = 0, lim = 65535u;
    for (int t = 0; t < nb; t++) {
        if (blocks[t].max_delay > built)
            built = blocks[t].max_delay;
        if (blocks[t].delay_bytes == 1)
            lim = 255u;
    }
    double st[3];
    rt_par_stats((double)built, st); /* the longest over the ranks: [2] */
    uint32_t d = (uint32_t)st[2] > bound ? (uint32_t)st[2] : bound;
    s->dmax = d < 1u ? 1u : d > lim ? lim : d;
    s->dt = dt;
    for (int t = 0; t < nb; t++)
        blocks[t].max_delay = s->dmax;
}

void snn_rewire_set_delay(const snn_rewire_stats *s, snn_ragged *r, uint64_t at, uint32_t pre,
                          uint32_t post, double ms)
{
    const double x = ms / s->dt;
    if (!(x < (double)s->dmax + 0.5)) /* also NaN */
        snn_fatal("connectivity update '%s': the delay of new synapse %u -> %u is %.17g ms, "
                  "%.0f steps of %g ms, more than the %u steps of projection '%s''s longest "
                  "delay (the upper bound of its delay initialiser, or its longest built delay, "
                  "sizes the dendritic ring): keep add.init.delay within it or raise that bound "
                  "(docs/language.md \"Connectivity updates\")", s->name, pre, post, ms,
                  floor(x + 0.5), s->dt, s->dmax, s->proj);
    const uint32_t d = x < 1.5 ? 1u : (uint32_t)(x + 0.5); /* max(1, round(x)) as built */
    if (r->delay_bytes == 1)
        ((uint8_t *)r->delay)[at] = (uint8_t)d;
    else
        ((uint16_t *)r->delay)[at] = (uint16_t)d;
}

double snn_rewire_delay_draw(const snn_rewire_stats *s, const snn_init *d, uint64_t seed,
                             uint32_t pre, uint32_t post)
{
    int ok;
    const double v = snn_init_syn_eval(d, seed, pre, post, 0u, &ok);
    if (!ok)
        snn_fatal("connectivity update '%s': no delay of projection '%s' for new synapse %u -> "
                  "%u in its bounds after 1000 draws", s->name, s->proj, pre, post);
    return v;
}

void snn_rewire_pairs(snn_rewire_stats *s, const snn_ragged *blocks, int nb)
{
    if (!s->pairs) {
        s->row_words = ((uint64_t)s->n_post + 31u) / 32u;
        s->pairs = calloc((size_t)(s->n_pre * s->row_words + 1), sizeof(int64_t));
        if (!s->pairs)
            snn_fatal("out of memory for connectivity update '%s' (the connected pairs)",
                      s->name);
    }
    memset(s->pairs, 0, sizeof(int64_t) * (size_t)(s->n_pre * s->row_words));
    for (int t = 0; t < nb; t++) {
        const snn_ragged *r = &blocks[t];
        for (uint32_t i = 0; i < r->n_pre; i++)
            for (uint64_t p = r->row_start[i]; p < r->row_start[i] + r->row_len[i]; p++)
                snn_rewire_mark(s, i, r->post_lo + ind_at(r, p));
    }
    snn_sum_int64(s->pairs, (size_t)(s->n_pre * s->row_words)); /* disjoint bits: an OR */
}

void snn_rewire_lane0_flags(const snn_run *run, unsigned char *flags, uint64_t n)
{
    if (run->lanes >= run->lanes_all || n == 0)
        return; /* every lane here: lane 0 decided */
    if (n > (uint64_t)INT32_MAX)
        snn_fatal("connectivity update: %llu synapse places are too many to send between "
                  "MPI ranks at once", (unsigned long long)n);
    const int R = rt_par_ranks();
    int *counts = calloc((size_t)R, sizeof(int));
    unsigned char *all = malloc((size_t)n);
    if (!counts || !all)
        snn_fatal("out of memory for a connectivity update's removals");
    counts[0] = (int)n; /* rank 0 holds lane 0 (docs/parallel.md) */
    const int mine = run->lane_first == 0;
    rt_par_gather_bytes(mine ? flags : NULL, mine ? (int)n : 0, all, counts);
    memcpy(flags, all, (size_t)n);
    free(all);
    free(counts);
}

const char *snn_rewire_of(const char *proj)
{
    for (int k = 0; k < g_n; k++)
        if (g_stats[k].proj && !strcmp(g_stats[k].proj, proj))
            return g_stats[k].name;
    return NULL;
}

/* Checkpoints: the counters run.json reports (the same on every rank). */
void snn_state_rewire_counts(snn_state_fn fn, void *ctx, const char *name, int k)
{
    snn_rewire_stats *s = &g_stats[k];
    uint64_t v[7] = {s->runs,     s->removed, s->added,     s->failed,
                     s->synapses, s->redraws, s->full_draws};
    snn_state_replicated(fn, ctx, name, v, sizeof v);
    if (snn_state_loading(fn))
        s->runs = v[0], s->removed = v[1], s->added = v[2], s->failed = v[3], s->synapses = v[4],
        s->redraws = v[5], s->full_draws = v[6];
}

/* ---- the column view, patched where a row changed ---------------------------------------
 * A connectivity update changes a few synapses; instead of rebuilding the column view of
 * every synapse (snn_columns_build), the generated code patches the entries that changed.
 * Column j's entries stay exactly what snn_columns_build would give (by source, ascending;
 * syn the synapse's place in the row storage), so on_post visits the same synapses in the
 * same order.  The first patch re-lays the packed view with room after each column's
 * entries (end[j] <= start[j + 1]): an insertion or removal then moves only the entries of
 * its column after it; a column without room re-lays the view again (each column's entries
 * plus a quarter, at least 2 more). */

/* Re-lay view c with room after each column (its end[] allocated where it was packed). */
static void col_relay(snn_columns *c)
{
    const uint32_t np = c->n_post;
    const char *what = "a column view (connectivity update)";
    uint64_t *st = snn_alloc(((size_t)np + 1) * sizeof *st, what);
    uint64_t *en = c->end == c->start + 1 ? snn_alloc((size_t)(np ? np : 1) * sizeof *en, what)
                                          : c->end;
    uint64_t cap = 0;
    for (uint32_t j = 0; j < np; j++) {
        const uint64_t n = c->end[j] - c->start[j];
        st[j] = cap;
        cap += n + n / 4u + 2u;
    }
    st[np] = cap;
    uint64_t *syn = snn_alloc((size_t)(cap ? cap : 1) * sizeof *syn, what);
    uint32_t *pre = snn_alloc((size_t)(cap ? cap : 1) * sizeof *pre, what);
    for (uint32_t j = 0; j < np; j++) {
        const uint64_t n = c->end[j] - c->start[j];
        memcpy(syn + st[j], c->syn + c->start[j], (size_t)n * sizeof *syn);
        memcpy(pre + st[j], c->pre + c->start[j], (size_t)n * sizeof *pre);
        en[j] = st[j] + n; /* en may be c->end: c->end[j] read above */
    }
    snn_free(c->syn, (size_t)c->cap * sizeof *c->syn);
    snn_free(c->pre, (size_t)c->cap * sizeof *c->pre);
    snn_free(c->start, ((size_t)np + 1) * sizeof *c->start);
    const uint64_t ends = c->end == en ? 0 : (uint64_t)(np ? np : 1) * sizeof *en;
    c->bytes += ends + (cap - c->cap) * (sizeof *c->syn + sizeof *c->pre);
    c->start = st;
    c->end = en;
    c->syn = syn;
    c->pre = pre;
    c->cap = cap ? cap : 1;
}

/* The entry of source pre in column k: the first place in it whose source is >= pre. */
static uint64_t col_place(const snn_columns *c, uint32_t k, uint32_t pre)
{
    uint64_t lo = c->start[k], hi = c->end[k];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (c->pre[mid] < pre)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint64_t col_find(const snn_columns *c, uint32_t k, uint32_t pre)
{
    uint64_t at = col_place(c, k, pre);
    if (at >= c->end[k] || c->pre[at] != pre)
        snn_fatal("connectivity update: the column view lacks synapse %u -> %u (internal error)",
                  pre, k);
    return at;
}

void snn_columns_del(snn_columns *c, uint32_t k, uint32_t pre)
{
    if (c->end == c->start + 1) /* packed as built: room after each column first */
        col_relay(c);
    const uint64_t at = col_find(c, k, pre), n = c->end[k] - at - 1;
    memmove(c->syn + at, c->syn + at + 1, (size_t)n * sizeof *c->syn);
    memmove(c->pre + at, c->pre + at + 1, (size_t)n * sizeof *c->pre);
    c->end[k]--;
}

void snn_columns_ins(snn_columns *c, uint32_t k, uint32_t pre, uint64_t syn)
{
    if (c->end == c->start + 1 || c->end[k] == c->start[k + 1]) /* no room in column k */
        col_relay(c);
    const uint64_t at = col_place(c, k, pre), n = c->end[k] - at;
    memmove(c->syn + at + 1, c->syn + at, (size_t)n * sizeof *c->syn);
    memmove(c->pre + at + 1, c->pre + at, (size_t)n * sizeof *c->pre);
    c->syn[at] = syn;
    c->pre[at] = pre;
    c->end[k]++;
}

void snn_columns_resyn(snn_columns *c, const snn_ragged *r, uint32_t pre, uint64_t from)
{
    for (uint64_t p = from; p < r->row_start[pre] + r->row_len[pre]; p++)
        c->syn[col_find(c, ind_at(r, p), pre)] = p;
}
