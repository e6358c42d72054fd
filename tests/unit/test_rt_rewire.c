/*
 * test_rt_rewire.c - connectivity updates' runtime (rt_rewire.c): the capacity and the
 * re-laid rows after construction (two blocks of targets), sorted insertion that moves
 * every per-synapse array with its synapse (each synapse's values tagged with its
 * (pre, post) and checked after many random insertions and removals), a connected pair
 * refused, add.total's spreading (exact total, rows never over capacity, uniform over rows
 * with room: chi-square), and the errors at start (a row over max_row_length, multapses);
 * per-synapse delays moved with their synapses, the longest delay an update may give.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snnrt.h"
#include "expect_fatal.h"

enum { NPRE = 40, NPOST = 30 };

/* Targets [lo, lo + n) of a fixed_probability(0.2) projection, with per-synapse weights. */
static void build(snn_ragged *r, uint32_t lo, uint32_t n)
{
    snn_proj_spec s;
    memset(&s, 0, sizeof s);
    s.name = "P";
    s.kind = SNN_CONN_FIXED_PROBABILITY;
    s.n_pre = NPRE;
    s.n_post = NPOST;
    s.p = 0.2;
    s.autapses = 1;
    s.post_range = 1;
    s.post_lo = lo;
    s.post_n = n;
    s.stream = snn_stream_id("conn:P");
    s.ind_bytes = 2;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_CONSTANT;
    s.weight.a = 1.0;
    s.weight_bytes = 8;
    snn_ragged_build(&s, 7, r);
}

static uint32_t ind_at(const snn_ragged *r, uint64_t p)
{
    return r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[p] : ((const uint32_t *)r->ind)[p];
}

static double tag(uint32_t i, uint32_t j)
{
    return i * 1000.0 + j;
}

static void test_moves_everything(void **state)
{
    (void)state;
    snn_ragged b[2];
    build(&b[0], 0, 13);
    build(&b[1], 13, NPOST - 13);
    snn_rewire_stats *s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, b, 2, NPRE, NPOST, 12, 0.0);
    assert_int_equal(s->capacity, 12);
    double *var[2];
    for (int t = 0; t < 2; t++) {
        assert_int_equal(b[t].capacity, (uint64_t)NPRE * (t ? 12 : 12));
        var[t] = calloc(b[t].capacity, sizeof(double));
        for (uint32_t i = 0; i < NPRE; i++)
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++) {
                ((double *)b[t].weight)[p] = -tag(i, b[t].post_lo + ind_at(&b[t], p));
                var[t][p] = tag(i, b[t].post_lo + ind_at(&b[t], p));
            }
    }
    uint32_t seed = 12345;
    int refused = 0;
    for (int it = 0; it < 4000; it++) {
        seed = seed * 1664525u + 1013904223u;
        uint32_t i = (seed >> 8) % NPRE, j = (seed >> 16) % NPOST;
        int t = j >= 13;
        snn_ragged *r = &b[t];
        if ((seed & 3) == 0) { /* remove (i, j) if present, moving the rest down in order */
            uint64_t a = r->row_start[i], o = a;
            for (uint64_t p = a; p < a + r->row_len[i]; p++) {
                if (r->post_lo + ind_at(r, p) == j)
                    continue;
                ((uint16_t *)r->ind)[o] = (uint16_t)ind_at(r, p);
                ((double *)r->weight)[o] = ((double *)r->weight)[p];
                var[t][o++] = var[t][p];
            }
            r->n_syn -= r->row_len[i] - (o - a);
            r->row_len[i] = (uint32_t)(o - a);
            continue;
        }
        snn_rewire_lengths(s, b, 2);
        if (s->len[i] >= s->capacity)
            continue;
        void *vars[1] = {var[t]};
        int64_t at = snn_rewire_insert(r, i, j - r->post_lo, vars, 1, (int)sizeof(double));
        if (at < 0) {
            refused++;
            continue;
        }
        ((double *)r->weight)[at] = -tag(i, j);
        var[t][at] = tag(i, j);
    }
    assert_true(refused > 0);
    snn_rewire_lengths(s, b, 2);
    for (int t = 0; t < 2; t++) {
        uint64_t n = 0;
        for (uint32_t i = 0; i < NPRE; i++) {
            assert_true(s->len[i] <= 12);
            assert_true(b[t].row_len[i] <= b[t].row_start[i + 1] - b[t].row_start[i]);
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++) {
                uint32_t j = b[t].post_lo + ind_at(&b[t], p);
                if (p > b[t].row_start[i])
                    assert_true(ind_at(&b[t], p - 1) < ind_at(&b[t], p)); /* sorted, distinct */
                assert_true(((double *)b[t].weight)[p] == -tag(i, j));
                assert_true(var[t][p] == tag(i, j));
                n++;
            }
        }
        assert_int_equal(n, b[t].n_syn);
        free(var[t]);
        snn_ragged_free(&b[t]);
    }
    snn_rewire_release();
}

/* The column view equal to a fresh snn_columns_build after each patch. */
static void same_columns(const snn_ragged *r, const snn_columns *c)
{
    snn_columns f;
    memset(&f, 0, sizeof f);
    snn_columns_build(r, "P", &f);
    assert_int_equal(f.n_post, c->n_post);
    assert_ptr_equal(f.end, f.start + 1); /* built packed */
    for (uint32_t j = 0; j < f.n_post; j++) { /* each column's entries, in order */
        assert_int_equal(f.end[j] - f.start[j], c->end[j] - c->start[j]);
        assert_true(c->start[j] <= c->end[j] && c->end[j] <= c->start[j + 1]);
        for (uint64_t e = 0; e < f.end[j] - f.start[j]; e++) {
            assert_int_equal(f.syn[f.start[j] + e], c->syn[c->start[j] + e]);
            assert_int_equal(f.pre[f.start[j] + e], c->pre[c->start[j] + e]);
        }
    }
    assert_true(c->start[c->n_post] <= c->cap);
    snn_columns_free(&f);
}

/* Random removals (the generated code's compaction: each removed entry dropped, the places
 * of the row's synapses from the first removal on set again) and insertions (the new entry,
 * the places after it), as snn_rewire_<name> patches the column view of each block. */
static void test_columns_patched(void **state)
{
    (void)state;
    snn_ragged b[2];
    snn_columns c[2];
    build(&b[0], 0, 13);
    build(&b[1], 13, NPOST - 13);
    snn_rewire_stats *s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, b, 2, NPRE, NPOST, 12, 0.0);
    for (int t = 0; t < 2; t++) {
        memset(&c[t], 0, sizeof c[t]);
        snn_columns_build(&b[t], "P", &c[t]);
    }
    uint32_t seed = 777;
    int removed = 0, added = 0;
    for (int it = 0; it < 3000; it++) {
        seed = seed * 1664525u + 1013904223u;
        uint32_t i = (seed >> 8) % NPRE, j = (seed >> 16) % NPOST;
        int t = j >= 13;
        snn_ragged *r = &b[t];
        if ((seed & 3) == 0) { /* remove every synapse of row i onto j or j + 1 (same block) */
            uint64_t a = r->row_start[i], e = a + r->row_len[i], o = a, rm0 = e;
            for (uint64_t p = a; p < e; p++) {
                uint32_t g = r->post_lo + ind_at(r, p);
                if ((g == j || g == j + 1) && (g >= 13) == t) {
                    snn_columns_del(&c[t], ind_at(r, p), i);
                    if (o == p)
                        rm0 = p;
                    removed++;
                    continue;
                }
                ((uint16_t *)r->ind)[o] = (uint16_t)ind_at(r, p);
                ((double *)r->weight)[o++] = ((double *)r->weight)[p];
            }
            r->n_syn -= e - o;
            r->row_len[i] = (uint32_t)(o - a);
            if (rm0 != e)
                snn_columns_resyn(&c[t], r, i, rm0);
        } else {
            snn_rewire_lengths(s, b, 2);
            if (s->len[i] >= s->capacity)
                continue;
            int64_t at = snn_rewire_insert(r, i, j - r->post_lo, NULL, 0, (int)sizeof(double));
            if (at < 0)
                continue;
            snn_columns_ins(&c[t], j - r->post_lo, i, (uint64_t)at);
            snn_columns_resyn(&c[t], r, i, (uint64_t)at + 1u);
            added++;
        }
        if (it % 7 == 0 || it > 2990)
            same_columns(r, &c[t]);
    }
    assert_true(removed > 100 && added > 100);
    for (int t = 0; t < 2; t++) {
        same_columns(&b[t], &c[t]);
        snn_columns_free(&c[t]);
        snn_ragged_free(&b[t]);
    }
    snn_rewire_release();
}

static void test_spread(void **state)
{
    (void)state;
    snn_rewire_stats *s = snn_rewire_register(1, "rw", "P");
    s->n_pre = 50;
    s->capacity = 8;
    s->len = calloc(51, sizeof(int64_t));
    s->adds = calloc(51, sizeof(uint32_t));
    for (uint32_t i = 0; i < 50; i++)
        s->len[i] = i < 10 ? 8 : i % 5; /* rows 0-9 full */
    double count[50] = {0};
    const int reps = 400;
    for (int rep = 0; rep < reps; rep++) {
        s->step_failed = 0;
        snn_rewire_spread(s, 99, snn_stream_id("rw:rw/total"), (uint64_t)rep, 40);
        uint64_t tot = 0;
        for (uint32_t i = 0; i < 50; i++) {
            assert_true(s->len[i] + s->adds[i] <= 8);
            tot += s->adds[i];
            count[i] += s->adds[i];
        }
        assert_int_equal(tot, 40);
        assert_int_equal(s->step_failed, 0);
    }
    /* rows with room are chosen uniformly while they have room; rows 0-9 never */
    for (uint32_t i = 0; i < 10; i++)
        assert_true(count[i] == 0);
    double chi2 = 0, mean = 40.0 * reps / 40.0;
    for (uint32_t i = 10; i < 50; i++)
        chi2 += (count[i] - mean) * (count[i] - mean) / mean;
    assert_true(chi2 < 80.0); /* 39 degrees of freedom: p < 1e-4 above */
    /* more than the room: the rest fails, every row is filled */
    s->step_failed = 0;
    snn_rewire_spread(s, 99, snn_stream_id("rw:rw/total"), 7, 1000);
    uint64_t room = 0;
    for (uint32_t i = 0; i < 50; i++) {
        room += 8 - (uint64_t)s->len[i];
        assert_true(s->len[i] + s->adds[i] == 8);
    }
    assert_int_equal(s->step_failed, 1000 - room);
    snn_rewire_release();
}

static void over_capacity(const void *arg)
{
    (void)arg;
    snn_ragged b;
    build(&b, 0, NPOST);
    snn_rewire_stats *s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, &b, 1, NPRE, NPOST, 2, 0.0);
}

static void test_errors(void **state)
{
    (void)state;
    expect_child_fails(over_capacity, NULL,
                       "projection 'P': source ");
    expect_child_fails(over_capacity, NULL,
                       "more than its max_row_length 2 (connectivity update 'rw'); give a "
                       "larger max_row_length");
}

static void test_padding(void **state)
{
    (void)state;
    snn_ragged b;
    build(&b, 0, NPOST);
    uint32_t longest = 0;
    for (uint32_t i = 0; i < NPRE; i++)
        longest = b.row_len[i] > longest ? b.row_len[i] : longest;
    snn_rewire_stats *s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, &b, 1, NPRE, NPOST, 0, 0.5);
    assert_int_equal(s->capacity, (uint32_t)(longest * 1.5));
    assert_int_equal(b.row_start[1], s->capacity);
    snn_ragged_free(&b);
    snn_rewire_release();
    /* a padding whose product overflows 64 bits: every target (it gave 0 before) */
    build(&b, 0, NPOST);
    s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, &b, 1, NPRE, NPOST, 0, 1e30);
    assert_int_equal(s->capacity, NPOST);
    snn_ragged_free(&b);
    snn_rewire_release();
}

/* Per-synapse delays: targets [lo, lo + n) with delays uniform(1, 8) ms at dt = 1 ms in
 * one byte, rows sorted by target (a rewired projection's). */
static void build_delays(snn_ragged *r, uint32_t lo, uint32_t n)
{
    snn_proj_spec s;
    memset(&s, 0, sizeof s);
    s.name = "P";
    s.kind = SNN_CONN_FIXED_PROBABILITY;
    s.n_pre = NPRE;
    s.n_post = NPOST;
    s.p = 0.2;
    s.autapses = 1;
    s.post_range = 1;
    s.post_lo = lo;
    s.post_n = n;
    s.stream = snn_stream_id("conn:P");
    s.ind_bytes = 2;
    s.has_delay = 1;
    s.delay.kind = SNN_INIT_UNIFORM;
    s.delay.a = 1.0;
    s.delay.b = 8.0;
    s.delay.stream = snn_stream_id("delay:P");
    s.dt = 1.0;
    s.delay_bytes = 1;
    s.sort_by_delay = 0;
    snn_ragged_build(&s, 7, r);
}

static uint8_t dtag(uint32_t i, uint32_t j)
{
    return (uint8_t)(1 + (i * 7 + j) % 10);
}

/* The delays move with their synapses: kept through the re-layout, moved by the sorted
 * insertion (each synapse's delay tagged with its pair, checked after many random removals
 * and insertions); the longest delay an update may give; a delay beyond it refused. */
static void test_delays(void **state)
{
    (void)state;
    snn_ragged b[2];
    build_delays(&b[0], 0, 13);
    build_delays(&b[1], 13, NPOST - 13);
    uint8_t before[NPRE][NPOST];
    memset(before, 0, sizeof before);
    uint32_t built = 0;
    for (int t = 0; t < 2; t++) {
        built = b[t].max_delay > built ? b[t].max_delay : built;
        for (uint32_t i = 0; i < NPRE; i++)
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++)
                before[i][b[t].post_lo + ind_at(&b[t], p)] = ((uint8_t *)b[t].delay)[p];
    }
    assert_int_equal(built, 8);
    snn_rewire_stats *s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, b, 2, NPRE, NPOST, 12, 0.0);
    for (int t = 0; t < 2; t++) /* the re-layout keeps every delay with its synapse */
        for (uint32_t i = 0; i < NPRE; i++)
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++)
                assert_int_equal(((uint8_t *)b[t].delay)[p],
                                 before[i][b[t].post_lo + ind_at(&b[t], p)]);
    snn_rewire_delays(s, b, 2, 1.0, 0); /* no bound known: the longest built */
    assert_int_equal(s->dmax, 8);
    snn_rewire_delays(s, b, 2, 1.0, 10); /* the initialiser's bound */
    assert_int_equal(s->dmax, 10);
    assert_int_equal(b[0].max_delay, 10);
    assert_int_equal(b[1].max_delay, 10);
    snn_rewire_delays(s, b, 2, 1.0, 300); /* at most what one byte holds */
    assert_int_equal(s->dmax, 255);
    snn_rewire_delays(s, b, 2, 1.0, 10);
    for (int t = 0; t < 2; t++)
        for (uint32_t i = 0; i < NPRE; i++)
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++)
                ((uint8_t *)b[t].delay)[p] = dtag(i, b[t].post_lo + ind_at(&b[t], p));
    uint32_t seed = 4321;
    for (int it = 0; it < 4000; it++) {
        seed = seed * 1664525u + 1013904223u;
        uint32_t i = (seed >> 8) % NPRE, j = (seed >> 16) % NPOST;
        snn_ragged *r = &b[j >= 13];
        uint8_t *dl = r->delay;
        if ((seed & 3) == 0) { /* remove (i, j): the rest move down with their delays */
            uint64_t a = r->row_start[i], o = a;
            for (uint64_t p = a; p < a + r->row_len[i]; p++) {
                if (r->post_lo + ind_at(r, p) == j)
                    continue;
                ((uint16_t *)r->ind)[o] = (uint16_t)ind_at(r, p);
                dl[o++] = dl[p];
            }
            r->n_syn -= r->row_len[i] - (o - a);
            r->row_len[i] = (uint32_t)(o - a);
            continue;
        }
        snn_rewire_lengths(s, b, 2);
        if (s->len[i] >= s->capacity)
            continue;
        int64_t at = snn_rewire_insert(r, i, j - r->post_lo, NULL, 0, 8);
        if (at >= 0) /* in ms, rounded as at construction: dtag - 0.4 ms */
            snn_rewire_set_delay(s, r, (uint64_t)at, i, j, dtag(i, j) - 0.4);
    }
    for (int t = 0; t < 2; t++) {
        for (uint32_t i = 0; i < NPRE; i++)
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++)
                assert_int_equal(((uint8_t *)b[t].delay)[p],
                                 dtag(i, b[t].post_lo + ind_at(&b[t], p)));
        snn_ragged_free(&b[t]);
    }
    /* the declared initialiser, keyed by the pair: the same value whenever it forms */
    snn_init d = {.kind = SNN_INIT_UNIFORM, .a = 2.6, .b = 3.4, .stream = 99};
    const double v = snn_rewire_delay_draw(s, &d, 7, 3, 4);
    assert_true(v >= 2.6 && v <= 3.4);
    assert_true(snn_rewire_delay_draw(s, &d, 7, 3, 4) == v);
    assert_true(snn_rewire_delay_draw(s, &d, 7, 4, 3) != v);
    snn_rewire_release();
}

static void delay_too_long(const void *arg)
{
    snn_ragged b;
    build_delays(&b, 0, NPOST);
    snn_rewire_stats *s = snn_rewire_register(0, "rw", "P");
    snn_rewire_setup(s, &b, 1, NPRE, NPOST, 12, 0.0);
    snn_rewire_delays(s, &b, 1, 1.0, 10);
    snn_rewire_set_delay(s, &b, b.row_start[0], 0, 1, *(const double *)arg);
}

static void test_delay_errors(void **state)
{
    (void)state;
    const double eleven = 10.6, nan_ms = NAN;
    expect_child_fails(delay_too_long, &eleven,
                       "connectivity update 'rw': the delay of new synapse 0 -> 1 is 10.6 ms, "
                       "11 steps of 1 ms, more than the 10 steps of projection 'P''s longest "
                       "delay");
    expect_child_fails(delay_too_long, &nan_ms, "the delay of new synapse 0 -> 1 is nan ms");
}

/* connectivity_update{ candidates }: each row's candidates are distinct, ascending, as many
 * as asked, and uniform without replacement: over many draws of 3 out of 10, every target
 * and every one of the 120 subsets is about equally frequent (chi-square), and row i + 1's
 * list follows row i's. */
static void test_candidates(void **state)
{
    (void)state;
    enum { NT = 10, C = 3, DRAWS = 60000 };
    snn_rewire_cand *c = snn_rewire_cand_setup(0, "t", 2, NT);
    static uint32_t per_target[NT], per_set[1 << NT];
    for (uint32_t d = 0; d < DRAWS; d++) {
        snn_rng g;
        snn_rng_init(&g, 7, 99, 0, d);
        snn_rewire_cand_row(c, &g, 0, 0);   /* no candidates */
        snn_rewire_cand_row(c, &g, 1, C);
        assert_int_equal(c->off[1], 0);
        assert_int_equal(c->off[2], C);
        unsigned mask = 0;
        for (int k = 0; k < C; k++) {
            uint32_t t = c->cand[k];
            assert_true(t < NT);
            if (k)
                assert_true(c->cand[k - 1] < t); /* ascending, distinct */
            per_target[t]++;
            mask |= 1u << t;
        }
        per_set[mask]++;
    }
    double chi = 0, e = (double)DRAWS * C / NT;
    for (int t = 0; t < NT; t++)
        chi += (per_target[t] - e) * (per_target[t] - e) / e;
    assert_true(chi < 27.9); /* 9 degrees of freedom, p = 0.001 */
    int sets = 0;
    chi = 0;
    e = (double)DRAWS / 120.0;
    for (unsigned m = 0; m < (1u << NT); m++) {
        if (!per_set[m])
            continue;
        sets++;
        chi += (per_set[m] - e) * (per_set[m] - e) / e;
    }
    assert_int_equal(sets, 120);
    assert_true(chi < 173.6); /* 119 degrees of freedom, p = 0.001 */
    snn_rewire_cand_spread(c, 7, 5, 3, 2 * NT); /* every row full: each gets N_post */
    assert_int_equal(c->count[0], NT);
    assert_int_equal(c->count[1], NT);
    assert_int_equal(c->n_rows, 2);
    snn_rewire_cand_release();
    /* rows[]: the rows with candidates, ascending, count zero elsewhere (after each spread) */
    enum { NR = 500 };
    c = snn_rewire_cand_setup(0, "t", NR, NT);
    for (uint64_t step = 0; step < 50; step++) {
        snn_rewire_cand_spread(c, 7, 5, step, 1 + step * 7);
        uint32_t q = 0;
        uint64_t sum = 0;
        for (uint32_t i = 0; i < NR; i++) {
            sum += c->count[i];
            if (c->count[i]) {
                assert_true(q < c->n_rows);
                assert_int_equal(c->rows[q++], i);
            }
        }
        assert_int_equal(q, c->n_rows);
        assert_int_equal(sum, 1 + step * 7);
    }
    snn_rewire_cand_release();
}

/* snn_rewire_cand_spread_q: the rows and counts of snn_rewire_cand_spread (qcnt by list
 * place, count[] left zero), with rows drawn repeatedly (totals near N_pre) and with the
 * general path (totals above N_post: rows fill up and are drawn again) */
static void test_spread_q(void **state)
{
    (void)state;
    enum { NR = 300, NT = 40 };
    snn_rewire_cand *a = snn_rewire_cand_setup(0, "a", NR, NT);
    snn_rewire_cand *b = snn_rewire_cand_setup(1, "b", NR, NT);
    uint32_t n_rep = 0;
    for (uint64_t step = 0; step < 300; step++) {
        const uint64_t total = step < 200 ? step * 3 % (NT + 1) : NT + 1 + step * 37 % 2000;
        snn_rewire_cand_spread(a, 11, 6, step, total);
        snn_rewire_cand_spread_q(b, 11, 6, step, total);
        assert_int_equal(a->n_rows, b->n_rows);
        uint64_t sum = 0;
        for (uint32_t q = 0; q < a->n_rows; q++) {
            assert_int_equal(a->rows[q], b->rows[q]);
            assert_int_equal(a->count[a->rows[q]], b->qcnt[q]);
            n_rep += b->qcnt[q] > 1;
            sum += b->qcnt[q];
        }
        assert_int_equal(sum, total);
        for (uint32_t i = 0; i < NR; i++)
            assert_int_equal(b->count[i], 0);
    }
    assert_true(n_rep > 100); /* repeated rows were met (the repeats' list) */
    snn_rewire_cand_release();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moves_everything),
        cmocka_unit_test(test_columns_patched),
        cmocka_unit_test(test_spread),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_padding),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_spread_q),
        cmocka_unit_test(test_delays),
        cmocka_unit_test(test_delay_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
