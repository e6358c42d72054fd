/*
 * test_rt_conn.c - connectivity rules and the ragged builder (rt_conn.c): column sizes,
 * autapse / multapse handling, totals, ascending rows, checksums, slack, weights and the
 * 16-bit index path; fixed_outdegree, fixed_total (exact totals, count distributions),
 * per-synapse delays; synapse positions, initial values and checksums of blocks of targets
 * (weight update models); and user-defined rules (generators written here the way
 * emit_c.c writes them: their random words, the column cache, row sorting, decomposition
 * independence and their run-time errors).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snnrt.h"
#include "rt_internal.h" /* rt_column_cache_bytes */
#include "expect_fatal.h"
#include "compact_flags_check.h" /* check_compact_flags */

static snn_proj_spec spec_base(snn_conn_kind kind, uint32_t n_pre, uint32_t n_post)
{
    snn_proj_spec s;
    memset(&s, 0, sizeof s);
    s.name = "EE";
    s.kind = kind;
    s.n_pre = n_pre;
    s.n_post = n_post;
    s.stream = snn_stream_id("EE/conn");
    s.ind_bytes = 4;
    s.weight_bytes = 4;
    s.weight.kind = SNN_INIT_CONSTANT;
    s.weight.a = 1.0;
    return s;
}

static uint32_t ind_at(const snn_ragged *r, uint64_t pos)
{
    return r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[pos] : ((const uint32_t *)r->ind)[pos];
}

/* Structural checks every build must pass; returns the number of synapses seen. */
static uint64_t check_ragged(const snn_ragged *r, uint32_t slack)
{
    uint64_t total = 0;
    assert_true(r->row_start[0] == 0);
    for (uint32_t i = 0; i < r->n_pre; i++) {
        uint64_t cap = r->row_start[i + 1] - r->row_start[i];
        assert_true(cap == (uint64_t)r->row_len[i] + slack);
        for (uint32_t t = 0; t < r->row_len[i]; t++) {
            uint32_t j = ind_at(r, r->row_start[i] + t);
            assert_true(j < r->n_post);
            if (t > 0)
                assert_true(j >= ind_at(r, r->row_start[i] + t - 1));
        }
        total += r->row_len[i];
    }
    assert_true(r->capacity == r->row_start[r->n_pre]);
    assert_true(total == r->n_syn);
    return total;
}

static void test_fixed_indegree_multapses(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 50, 200);
    s.k = 40;
    s.multapses = 1;
    s.same_pop = 0;
    uint32_t buf[40];
    int repeats = 0;
    for (uint32_t j = 0; j < 200; j++) {
        uint32_t n = snn_conn_column(&s, 1, j, buf);
        assert_int_equal(n, 40);
        char seen[50] = {0};
        for (uint32_t t = 0; t < n; t++) {
            assert_true(buf[t] < 50);
            repeats += seen[buf[t]]++ > 0;
        }
    }
    assert_true(repeats > 0); /* 40 draws out of 50 must repeat sometimes */

    snn_ragged r;
    snn_ragged_build(&s, 1, &r);
    assert_true(check_ragged(&r, 0) == 40u * 200u);
    assert_true(snn_conn_expected(&s) == 8000.0);
    snn_ragged_free(&r);
}

static void test_fixed_indegree_distinct(void **state)
{
    (void)state;
    /* Same population without autapses: k distinct sources, never j itself. */
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 100, 100);
    s.same_pop = 1;
    s.autapses = 0;
    s.multapses = 0;
    s.k = 99; /* every other neuron */
    uint32_t buf[100];
    for (uint32_t j = 0; j < 100; j++) {
        uint32_t n = snn_conn_column(&s, 9, j, buf);
        assert_int_equal(n, 99);
        char seen[100] = {0};
        for (uint32_t t = 0; t < n; t++) {
            assert_true(buf[t] < 100);
            assert_true(buf[t] != j);
            assert_int_equal(seen[buf[t]], 0);
            seen[buf[t]] = 1;
        }
    }
    s.k = 10;
    long hits_first = 0;
    for (uint32_t j = 0; j < 100; j++) {
        uint32_t n = snn_conn_column(&s, 9, j, buf);
        assert_int_equal(n, 10);
        char seen[100] = {0};
        for (uint32_t t = 0; t < n; t++) {
            assert_true(buf[t] != j);
            assert_int_equal(seen[buf[t]], 0);
            seen[buf[t]] = 1;
            hits_first += buf[t] == 0;
        }
    }
    assert_true(hits_first > 0 && hits_first < 40); /* about 99 * 10/99 = 10 */

    /* With autapses allowed, j itself can be drawn. */
    s.autapses = 1;
    s.k = 100;
    for (uint32_t j = 0; j < 5; j++) {
        uint32_t n = snn_conn_column(&s, 9, j, buf);
        assert_int_equal(n, 100);
        int self = 0;
        for (uint32_t t = 0; t < n; t++)
            self += buf[t] == j;
        assert_int_equal(self, 1);
    }

    /* The builder: exactly k per target. */
    s.autapses = 0;
    s.k = 25;
    snn_ragged r;
    snn_ragged_build(&s, 9, &r);
    assert_true(check_ragged(&r, 0) == 2500);
    uint32_t *indeg = calloc(100, sizeof *indeg);
    for (uint32_t i = 0; i < 100; i++)
        for (uint32_t t = 0; t < r.row_len[i]; t++) {
            uint32_t j = ind_at(&r, r.row_start[i] + t);
            assert_true(j != i);
            if (t > 0)
                assert_true(j > ind_at(&r, r.row_start[i] + t - 1)); /* no multapses */
            indeg[j]++;
        }
    for (uint32_t j = 0; j < 100; j++)
        assert_int_equal(indeg[j], 25);
    free(indeg);
    snn_ragged_free(&r);
}

static void test_fixed_indegree_autapse_multapse(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 3, 3);
    s.same_pop = 1;
    s.autapses = 0;
    s.multapses = 1;
    s.k = 1000;
    uint32_t buf[1000];
    for (uint32_t j = 0; j < 3; j++) {
        uint32_t n = snn_conn_column(&s, 4, j, buf);
        assert_int_equal(n, 1000);
        long c[3] = {0};
        for (uint32_t t = 0; t < n; t++)
            c[buf[t]]++;
        assert_int_equal(c[j], 0);
        for (uint32_t i = 0; i < 3; i++)
            if (i != j)
                assert_true(c[i] > 400 && c[i] < 600);
    }
}

static void test_fixed_probability(void **state)
{
    (void)state;
    const uint32_t n = 2000;
    const double p = 0.1;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_PROBABILITY, n, n);
    s.p = p;
    s.same_pop = 1;
    s.autapses = 0;
    uint32_t *buf = malloc(n * sizeof *buf);
    uint64_t total = 0;
    double m = n - 1, col_sd = sqrt(m * p * (1 - p));
    for (uint32_t j = 0; j < n; j++) {
        uint32_t c = snn_conn_column(&s, 3, j, buf);
        /* Per column: Binomial(n - 1, p); 6 sd covers all 2000 columns. */
        assert_true(fabs(c - m * p) < 6 * col_sd);
        for (uint32_t t = 0; t < c; t++) {
            assert_true(buf[t] < n && buf[t] != j);
            if (t > 0)
                assert_true(buf[t] > buf[t - 1]);
        }
        total += c;
    }
    double pairs = (double)n * (n - 1), mean = pairs * p, sd = sqrt(pairs * p * (1 - p));
    assert_true(snn_conn_expected(&s) == mean);
    assert_true(fabs((double)total - mean) < 5 * sd);

    snn_ragged r;
    snn_ragged_build(&s, 3, &r);
    assert_true(check_ragged(&r, 0) == total);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t t = 0; t < r.row_len[i]; t++)
            assert_true(ind_at(&r, r.row_start[i] + t) != i);
    snn_ragged_free(&r);

    /* p = 1: all (minus autapses); p = 0: none. */
    s.p = 1.0;
    assert_int_equal(snn_conn_column(&s, 3, 5, buf), n - 1);
    s.autapses = 1;
    assert_int_equal(snn_conn_column(&s, 3, 5, buf), n);
    s.p = 0.0;
    assert_int_equal(snn_conn_column(&s, 3, 5, buf), 0);
    snn_ragged_build(&s, 3, &r);
    assert_true(r.n_syn == 0);
    snn_ragged_free(&r);

    /* A small p over many pairs still matches the binomial mean. */
    snn_proj_spec s2 = spec_base(SNN_CONN_FIXED_PROBABILITY, 100000, 300);
    s2.p = 0.001;
    snn_ragged_build(&s2, 11, &r);
    double mean2 = 100000.0 * 300 * 0.001, sd2 = sqrt(mean2 * 0.999);
    assert_true(fabs((double)r.n_syn - mean2) < 5 * sd2);
    check_ragged(&r, 0);
    snn_ragged_free(&r);
    free(buf);
}

static void test_all_to_all_one_to_one(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_ALL_TO_ALL, 30, 20);
    snn_ragged r;
    snn_ragged_build(&s, 1, &r);
    assert_true(check_ragged(&r, 0) == 600);
    for (uint32_t i = 0; i < 30; i++) {
        assert_int_equal(r.row_len[i], 20);
        for (uint32_t t = 0; t < 20; t++)
            assert_int_equal(ind_at(&r, r.row_start[i] + t), t);
    }
    assert_true(snn_conn_expected(&s) == 600.0);
    snn_ragged_free(&r);

    /* Same population without autapses: everything but the diagonal. */
    s = spec_base(SNN_CONN_ALL_TO_ALL, 25, 25);
    s.same_pop = 1;
    snn_ragged_build(&s, 1, &r);
    assert_true(check_ragged(&r, 0) == 25 * 24);
    assert_true(snn_conn_expected(&s) == 25.0 * 24);
    for (uint32_t i = 0; i < 25; i++) {
        assert_int_equal(r.row_len[i], 24);
        for (uint32_t t = 0; t < 24; t++)
            assert_int_equal(ind_at(&r, r.row_start[i] + t), t < i ? t : t + 1);
    }
    uint32_t buf[25];
    assert_int_equal(snn_conn_column(&s, 1, 7, buf), 24);
    for (uint32_t t = 0; t < 24; t++)
        assert_int_equal(buf[t], t < 7 ? t : t + 1);
    snn_ragged_free(&r);

    s = spec_base(SNN_CONN_ONE_TO_ONE, 40, 40);
    snn_ragged_build(&s, 1, &r);
    assert_true(check_ragged(&r, 0) == 40);
    for (uint32_t i = 0; i < 40; i++) {
        assert_int_equal(r.row_len[i], 1);
        assert_int_equal(ind_at(&r, r.row_start[i]), i);
    }
    assert_true(snn_conn_expected(&s) == 40.0);
    snn_ragged_free(&r);
}

static void test_checksum_deterministic(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_PROBABILITY, 500, 400);
    s.p = 0.2;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_NORMAL;
    s.weight.a = 0.5;
    s.weight.b = 0.1;
    s.weight.stream = snn_stream_id("EE/weight");
    snn_ragged a, b, c;
    snn_ragged_build(&s, 77, &a);
    snn_ragged_build(&s, 77, &b);
    snn_ragged_build(&s, 78, &c);
    assert_true(a.checksum == b.checksum);
    assert_true(a.n_syn == b.n_syn);
    assert_memory_equal(a.ind, b.ind, a.capacity * 4);
    assert_memory_equal(a.weight, b.weight, a.capacity * 4);
    assert_true(a.checksum != c.checksum);

    /* Order independence: the checksum equals the same sum taken over a different build
     * (with slack, so the layout differs). */
    s.slack = 3;
    snn_ragged d;
    snn_ragged_build(&s, 77, &d);
    assert_true(d.checksum == a.checksum);

    /* Weights enter the checksum. */
    s.slack = 0;
    s.weight.a = 0.6;
    snn_ragged e;
    snn_ragged_build(&s, 77, &e);
    assert_true(e.n_syn == a.n_syn);
    assert_true(e.checksum != a.checksum);

    snn_ragged_free(&a);
    snn_ragged_free(&b);
    snn_ragged_free(&c);
    snn_ragged_free(&d);
    snn_ragged_free(&e);
}

/* Weight update models: a projection built as several blocks of targets (threads, ranks)
 * maps every synapse to its position in the one-block build (snn_synapse_positions), the
 * blocks' initial values of a synapse variable are the one-block build's values at those
 * positions (keyed by the synapse's identity: snn_init_syn_eval of (source, target,
 * ordinal), and the multapses of a pair get different values), and their checksums (snn_synapse_checksum) add up to the one-block build's,
 * with and without synapse variables. */
static void test_synapse_positions(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 300, 250);
    s.k = 40;
    s.multapses = 1;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_UNIFORM;
    s.weight.a = 0.0;
    s.weight.b = 1.0;
    s.weight.stream = snn_stream_id("EE/weight");
    snn_ragged whole;
    snn_ragged_build(&s, 5, &whole);
    enum { NB = 3 };
    const uint32_t lo[NB + 1] = {0, 83, 84, 250}; /* one block of a single target */
    snn_ragged b[NB];
    uint64_t *base[NB];
    for (int t = 0; t < NB; t++) {
        snn_proj_spec bs = s;
        bs.post_range = 1;
        bs.post_lo = lo[t];
        bs.post_n = lo[t + 1] - lo[t];
        snn_ragged_build(&bs, 5, &b[t]);
        base[t] = calloc(s.n_pre + 1, sizeof(uint64_t));
        assert_non_null(base[t]);
    }
    snn_synapse_positions(b, NB, base);
    const snn_init init = {.kind = SNN_INIT_NORMAL, .a = 1.0, .b = 2.0,
                           .stream = snn_stream_id("synvar:EE/c")};
    float *vw = calloc(whole.capacity + 1, sizeof(float));
    assert_non_null(vw);
    snn_init_synapses(&init, 5, &whole, vw, 4);
    uint64_t multapses = 0;
    for (uint32_t i = 0; i < s.n_pre; i++)
        for (uint64_t p = whole.row_start[i], ord = 0; p < whole.row_start[i] + whole.row_len[i];
             p++) {
            ord = p > whole.row_start[i] && ind_at(&whole, p) == ind_at(&whole, p - 1) ? ord + 1
                                                                                      : 0;
            int ok;
            const float want =
                (float)snn_init_syn_eval(&init, 5, i, ind_at(&whole, p), (uint32_t)ord, &ok);
            assert_memory_equal(&want, vw + p, sizeof(float));
            if (ord) {
                multapses++;
                assert_true(vw[p] != vw[p - 1]);
            }
        }
    assert_true(multapses > 100);
    uint64_t sum = 0, sum_v = 0, seen = 0;
    for (int t = 0; t < NB; t++) {
        float *v = calloc(b[t].capacity + 1, sizeof(float));
        assert_non_null(v);
        snn_init_synapses(&init, 5, &b[t], v, 4);
        for (uint32_t i = 0; i < s.n_pre; i++)
            for (uint64_t p = b[t].row_start[i]; p < b[t].row_start[i] + b[t].row_len[i]; p++) {
                const uint64_t g = base[t][i] + p;
                assert_true(g >= whole.row_start[i] && g < whole.row_start[i] + whole.row_len[i]);
                assert_int_equal(ind_at(&whole, g), lo[t] + ind_at(&b[t], p));
                assert_memory_equal((const float *)whole.weight + g,
                                    (const float *)b[t].weight + p, sizeof(float));
                assert_memory_equal(vw + g, v + p, sizeof(float));
                seen++;
            }
        const void *vars[1] = {v};
        sum += snn_synapse_checksum(&b[t], NULL, 0, 4);
        sum_v += snn_synapse_checksum(&b[t], vars, 1, 4);
        free(v);
    }
    assert_true(seen == whole.n_syn);
    assert_true(sum == whole.checksum);
    assert_true(snn_synapse_checksum(&whole, NULL, 0, 4) == whole.checksum);
    const void *vars[1] = {vw};
    assert_true(sum_v == snn_synapse_checksum(&whole, vars, 1, 4));
    assert_true(sum_v != sum);
    /* a changed weight changes the checksum */
    ((float *)whole.weight)[7] += 0.25f;
    assert_true(snn_synapse_checksum(&whole, NULL, 0, 4) != whole.checksum);
    free(vw);
    for (int t = 0; t < NB; t++) {
        free(base[t]);
        snn_ragged_free(&b[t]);
    }
    snn_ragged_free(&whole);
}

static void test_slack_and_bytes(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 64, 64);
    s.k = 8;
    s.multapses = 1;
    s.slack = 5;
    s.has_weight = 1;
    s.weight_bytes = 8;
    uint64_t before = snn_bytes_allocated();
    snn_ragged r;
    snn_ragged_build(&s, 2, &r);
    check_ragged(&r, 5);
    assert_true(r.capacity == r.n_syn + 64 * 5);
    assert_true(r.bytes == 65 * 8 + 64 * 4 + r.capacity * (4 + 8));
    assert_true(snn_bytes_allocated() - before == r.bytes);
    /* Slack entries are zero. */
    for (uint32_t i = 0; i < 64; i++)
        for (uint64_t pos = r.row_start[i] + r.row_len[i]; pos < r.row_start[i + 1]; pos++) {
            assert_int_equal(ind_at(&r, pos), 0);
            assert_true(((double *)r.weight)[pos] == 0.0);
        }
    snn_ragged_free(&r);
    assert_true(snn_bytes_allocated() == before);
}

static void test_weights_reproducible(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 300, 200);
    s.k = 30;
    s.multapses = 0;
    s.has_weight = 1;
    s.weight_bytes = 8;
    s.weight.kind = SNN_INIT_UNIFORM;
    s.weight.a = 1.0;
    s.weight.b = 2.0;
    s.weight.stream = snn_stream_id("EE/weight");
    snn_ragged r;
    snn_ragged_build(&s, 5, &r);
    check_ragged(&r, 0);
    /* Rebuild the expected (pre, post) -> weight map from the columns. */
    uint32_t buf[30];
    uint32_t *fill = calloc(300, sizeof *fill);
    for (uint32_t j = 0; j < 200; j++) {
        uint32_t n = snn_conn_column(&s, 5, j, buf);
        assert_int_equal(n, 30);
        for (uint32_t t = 0; t < n; t++) {
            uint32_t i = buf[t];
            uint64_t pos = r.row_start[i] + fill[i]++;
            assert_int_equal(ind_at(&r, pos), j);
            double w = ((double *)r.weight)[pos];
            assert_true(w == snn_init_value(&s.weight, 5, j, t));
            assert_true(w > 1.0 && w < 2.0);
        }
    }
    free(fill);
    snn_ragged_free(&r);

    /* float weights are the double values rounded. */
    s.weight_bytes = 4;
    snn_ragged rf;
    snn_ragged_build(&s, 5, &rf);
    uint32_t n = snn_conn_column(&s, 5, 0, buf);
    assert_int_equal(n, 30);
    uint32_t i = buf[0];
    assert_int_equal(ind_at(&rf, rf.row_start[i]), 0); /* target 0 comes first in its row */
    assert_true(((float *)rf.weight)[rf.row_start[i]] == (float)snn_init_value(&s.weight, 5, 0, 0));
    snn_ragged_free(&rf);
}

static void test_16bit_indices(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_PROBABILITY, 50, 65536);
    s.p = 0.01;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_UNIFORM;
    s.weight.b = 3.0;
    snn_ragged r16, r32;
    s.ind_bytes = 2;
    snn_ragged_build(&s, 8, &r16);
    s.ind_bytes = 4;
    snn_ragged_build(&s, 8, &r32);
    assert_int_equal(r16.ind_bytes, 2);
    check_ragged(&r16, 0);
    assert_true(r16.n_syn == r32.n_syn);
    assert_true(r16.checksum == r32.checksum);
    int high = 0;
    for (uint64_t pos = 0; pos < r16.capacity; pos++) {
        assert_int_equal(ind_at(&r16, pos), ind_at(&r32, pos));
        high += ind_at(&r16, pos) > 60000;
    }
    assert_true(high > 0);
    assert_true(r32.bytes - r16.bytes == 2 * r16.capacity);
    snn_ragged_free(&r16);
    snn_ragged_free(&r32);
}

static void test_column_independent_of_others(void **state)
{
    (void)state;
    /* Column j depends only on (seed, stream, j): the same for any n_post. */
    snn_proj_spec a = spec_base(SNN_CONN_FIXED_PROBABILITY, 1000, 10);
    snn_proj_spec b = spec_base(SNN_CONN_FIXED_PROBABILITY, 1000, 5000);
    a.p = b.p = 0.05;
    uint32_t x[1000], y[1000];
    for (uint32_t j = 0; j < 10; j++) {
        uint32_t nx = snn_conn_column(&a, 1, j, x), ny = snn_conn_column(&b, 1, j, y);
        assert_int_equal(nx, ny);
        assert_memory_equal(x, y, nx * sizeof *x);
    }
}

static void build_one(const snn_proj_spec *spec)
{
    snn_ragged r;
    snn_ragged_build(spec, 1, &r);
}

typedef struct spec_call {
    void (*fn)(const snn_proj_spec *);
    const snn_proj_spec *spec;
} spec_call;

static void call_spec(const void *p)
{
    const spec_call *c = p;
    c->fn(c->spec);
}

/* Run fn(spec) in a child process; expect exit status 1 and want_substr in its stderr. */
static void expect_fatal_fn(void (*fn)(const snn_proj_spec *), const snn_proj_spec *spec,
                            const char *want_substr)
{
    const spec_call c = {fn, spec};
    expect_child_fails(call_spec, &c, want_substr);
}

/* Build 'spec' in a child process; expect exit status 1 and want_substr in its stderr. */
static void expect_fatal(const snn_proj_spec *spec, const char *want_substr)
{
    expect_fatal_fn(build_one, spec, want_substr);
}

static void test_fatal_errors(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_ONE_TO_ONE, 10, 11);
    expect_fatal(&s, "brunel: error: projection 'EE': one_to_one needs populations of the "
                     "same size (pre has 10 neurons, post 11)\n");

    s = spec_base(SNN_CONN_FIXED_INDEGREE, 10, 10);
    s.same_pop = 1;
    s.k = 10;
    expect_fatal(&s, "brunel: error: projection 'EE': fixed_indegree k = 10 without multapses "
                     "needs at least 10 distinct sources, but there are only 9 (autapses "
                     "excluded)\n");

    s = spec_base(SNN_CONN_ALL_TO_ALL, 2, 65537);
    s.ind_bytes = 2;
    expect_fatal(&s, "brunel: error: projection 'EE': 16-bit target indices cannot address "
                     "65537 target neurons (65536 at most)\n");

    s = spec_base(SNN_CONN_ALL_TO_ALL, 100000, 4000000000u);
    expect_fatal(&s, "brunel: error: cannot build projection 'EE': 400000000000000 synapses "
                     "need 1600.0 TB but this machine has ");
}

/* ---- fixed_outdegree --------------------------------------------------------------- */

/* Row checks for fixed_outdegree: every row has exactly k targets; without autapses never
 * itself; without multapses strictly ascending.  Returns the number of repeated entries. */
static uint64_t check_outdegree(const snn_ragged *r, uint32_t k, int same_pop, int autapses,
                                int multapses)
{
    uint64_t repeats = 0;
    for (uint32_t i = 0; i < r->n_pre; i++) {
        assert_int_equal(r->row_len[i], k);
        for (uint32_t t = 0; t < r->row_len[i]; t++) {
            uint32_t j = ind_at(r, r->row_start[i] + t);
            if (same_pop && !autapses)
                assert_true(j != i);
            if (t > 0) {
                uint32_t prev = ind_at(r, r->row_start[i] + t - 1);
                if (!multapses)
                    assert_true(j > prev);
                repeats += j == prev;
            }
        }
    }
    return repeats;
}

static void test_fixed_outdegree(void **state)
{
    (void)state;
    snn_ragged r;
    /* Sparse rows (radix-sorted) and dense rows (read off the bitmap), with and without
     * autapses, with and without multapses. */
    const struct {
        uint32_t n_pre, n_post, k;
        int same_pop, autapses, multapses;
    } cases[] = {
        {300, 5000, 20, 0, 0, 0},    /* sparse, short rows: insertion sort */
        {300, 50000, 100, 0, 0, 0},  /* sparse: radix sort, 2 passes */
        {200, 200, 150, 1, 0, 0},    /* dense, no autapses */
        {200, 200, 199, 1, 0, 0},    /* every other neuron */
        {200, 200, 200, 1, 1, 0},    /* everyone, itself included */
        {100, 100, 300, 1, 0, 1},    /* multapses, no autapses */
        {50, 70000, 2000, 0, 0, 1},  /* multapses, 3 radix passes */
        {1000, 3, 1, 0, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        snn_proj_spec s = spec_base(SNN_CONN_FIXED_OUTDEGREE, cases[c].n_pre, cases[c].n_post);
        s.k = cases[c].k;
        s.same_pop = cases[c].same_pop;
        s.autapses = cases[c].autapses;
        s.multapses = cases[c].multapses;
        snn_ragged_build(&s, 21, &r);
        assert_true(check_ragged(&r, 0) == (uint64_t)s.k * s.n_pre);
        assert_true(snn_conn_expected(&s) == (double)s.k * s.n_pre);
        uint64_t rep = check_outdegree(&r, s.k, s.same_pop, s.autapses, s.multapses);
        if (s.multapses)
            assert_true(rep > 0); /* 300 of 99 or 2000 of 70000 must repeat */
        if (s.same_pop && s.autapses && s.k == s.n_post)
            for (uint32_t i = 0; i < s.n_pre; i++)
                for (uint32_t t = 0; t < s.k; t++)
                    assert_int_equal(ind_at(&r, r.row_start[i] + t), t);
        snn_ragged_free(&r);
    }

    /* Targets are uniform: in-degrees average k n_pre / n_post with binomial spread. */
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_OUTDEGREE, 2000, 1000);
    s.k = 50;
    snn_ragged_build(&s, 5, &r);
    long *indeg = calloc(1000, sizeof *indeg);
    for (uint64_t pos = 0; pos < r.capacity; pos++)
        indeg[ind_at(&r, pos)]++;
    double m = 0, v = 0;
    for (int j = 0; j < 1000; j++)
        m += indeg[j];
    m /= 1000;
    for (int j = 0; j < 1000; j++)
        v += (indeg[j] - m) * (indeg[j] - m);
    v /= 999;
    assert_true(m == 100.0);
    /* Each in-degree is a sum of 2000 Bernoulli(50/1000) draws: variance about 95. */
    assert_true(fabs(v / 95.0 - 1) < 0.2);
    free(indeg);
    snn_ragged_free(&r);

    /* Weights and delays: entry t of row i gets draw t of element i; 16-bit indices give
     * the same matrix; the builder is deterministic. */
    s = spec_base(SNN_CONN_FIXED_OUTDEGREE, 400, 3000);
    s.k = 64;
    s.has_weight = 1;
    s.weight_bytes = 8;
    s.weight.kind = SNN_INIT_NORMAL;
    s.weight.a = 1.0;
    s.weight.b = 0.2;
    s.weight.stream = snn_stream_id("EE/weight");
    s.has_delay = 1;
    s.delay.kind = SNN_INIT_UNIFORM;
    s.delay.a = 0.1;
    s.delay.b = 5.0;
    s.delay.stream = snn_stream_id("EE/delay");
    s.dt = 0.1;
    s.delay_bytes = 1;
    snn_ragged r2, r16;
    snn_ragged_build(&s, 8, &r);
    snn_ragged_build(&s, 8, &r2);
    s.ind_bytes = 2;
    snn_ragged_build(&s, 8, &r16);
    assert_true(r.checksum == r2.checksum && r.checksum == r16.checksum);
    assert_memory_equal(r.ind, r2.ind, r.capacity * 4);
    for (uint32_t i = 0; i < 400; i++)
        for (uint32_t t = 0; t < 64; t++) {
            uint64_t pos = r.row_start[i] + t;
            assert_int_equal(ind_at(&r, pos), ind_at(&r16, pos));
            assert_true(((double *)r.weight)[pos] == snn_init_value(&s.weight, 8, i, t));
            long long want = llround(snn_init_value(&s.delay, 8, i, t) / 0.1);
            assert_int_equal(((uint8_t *)r.delay)[pos], want < 1 ? 1 : want);
        }
    snn_ragged_free(&r);
    snn_ragged_free(&r2);
    snn_ragged_free(&r16);
}

/* ---- fixed_total --------------------------------------------------------------------- */

/* In-degrees of a built matrix. */
static uint32_t *indegrees(const snn_ragged *r)
{
    uint32_t *d = calloc(r->n_post ? r->n_post : 1, sizeof *d);
    for (uint32_t i = 0; i < r->n_pre; i++)
        for (uint32_t t = 0; t < r->row_len[i]; t++)
            d[ind_at(r, r->row_start[i] + t)]++;
    return d;
}

static void test_fixed_total(void **state)
{
    (void)state;
    snn_ragged r;
    /* Exact totals for several shapes, with and without multapses and autapses. */
    const struct {
        uint32_t n_pre, n_post;
        uint64_t n;
        int same_pop, autapses, multapses;
    } cases[] = {
        {1000, 800, 50000, 0, 0, 1},
        {1000, 1000, 123457, 1, 0, 1},
        {1000, 1000, 123457, 1, 0, 0},
        {60, 60, 60 * 59, 1, 0, 0},  /* every candidate pair: all-to-all */
        {60, 60, 60 * 60, 1, 1, 0},
        {30, 5000, 7, 0, 0, 0},      /* fewer synapses than targets */
        {3, 2, 1000, 0, 0, 1},       /* far more synapses than pairs */
        {500, 400, 0, 0, 0, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        snn_proj_spec s = spec_base(SNN_CONN_FIXED_TOTAL, cases[c].n_pre, cases[c].n_post);
        s.n_total = cases[c].n;
        s.same_pop = cases[c].same_pop;
        s.autapses = cases[c].autapses;
        s.multapses = cases[c].multapses;
        snn_ragged_build(&s, 31, &r);
        assert_true(check_ragged(&r, 0) == s.n_total);
        assert_true(snn_conn_expected(&s) == (double)s.n_total);
        uint64_t repeats = 0;
        for (uint32_t i = 0; i < r.n_pre; i++)
            for (uint32_t t = 0; t < r.row_len[i]; t++) {
                uint32_t j = ind_at(&r, r.row_start[i] + t);
                if (s.same_pop && !s.autapses)
                    assert_true(j != i);
                if (t > 0)
                    repeats += j == ind_at(&r, r.row_start[i] + t - 1);
            }
        if (!s.multapses)
            assert_true(repeats == 0);
        if (c == 6)
            assert_true(repeats > 0);
        /* The columns snn_conn_column gives add up to the same matrix. */
        uint32_t *deg = indegrees(&r);
        uint32_t *buf = malloc((s.multapses ? s.n_total : s.n_pre) * sizeof *buf + 4);
        uint64_t sum = 0;
        for (uint32_t j = 0; j < s.n_post; j++) {
            uint32_t n = snn_conn_column(&s, 31, j, buf);
            assert_int_equal(n, deg[j]);
            sum += n;
        }
        assert_true(sum == s.n_total);
        free(buf);
        free(deg);
        snn_ragged_free(&r);
    }

    /* Per-target counts with multapses: multinomial(n, uniform), so each count has mean
     * n / N and variance n (1/N)(1 - 1/N); the sum of squared deviations from the (exact)
     * mean, over N targets, estimates the variance without bias.  Pooled over 10 seeds. */
    const uint32_t N = 5000, npre = 20;
    const uint64_t n = 50000;
    double ss = 0;
    long cnt[64] = {0};
    for (uint64_t seed = 1; seed <= 10; seed++) {
        snn_proj_spec s = spec_base(SNN_CONN_FIXED_TOTAL, npre, N);
        s.n_total = n;
        s.multapses = 1;
        snn_ragged_build(&s, seed, &r);
        uint32_t *deg = indegrees(&r);
        for (uint32_t j = 0; j < N; j++) {
            ss += ((double)deg[j] - 10.0) * ((double)deg[j] - 10.0);
            cnt[deg[j] < 63 ? deg[j] : 63]++;
        }
        free(deg);
        snn_ragged_free(&r);
    }
    double var = ss / (10.0 * N), want = n * (1.0 / N) * (1 - 1.0 / N);
    if (fabs(var / want - 1) >= 0.04)
        print_error("multinomial counts: variance %g, want %g\n", var, want);
    assert_true(fabs(var / want - 1) < 0.04); /* sd of the estimate about 0.5% */
    /* Each count is Binomial(50000, 1/5000): the share of targets with 4..16 synapses. */
    long mid = 0;
    double pmid = 0;
    for (int k = 4; k <= 16; k++) {
        mid += cnt[k];
        pmid += exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) +
                    k * log(1.0 / N) + (n - k) * log1p(-1.0 / N));
    }
    assert_true(fabs(mid / (10.0 * N) - pmid) < 0.005); /* sd about 0.0009 */

    /* Without multapses: a uniformly random set of n distinct pairs, so the counts are
     * multivariate hypergeometric: variance n (a/A)(1 - a/A)(A - n)/(A - 1) with a = 20
     * sources per target and A = 100000 pairs, half of them taken: about 5, not 10. */
    ss = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        snn_proj_spec s = spec_base(SNN_CONN_FIXED_TOTAL, npre, N);
        s.n_total = n;
        s.multapses = 0;
        snn_ragged_build(&s, seed, &r);
        uint32_t *deg = indegrees(&r);
        for (uint32_t j = 0; j < N; j++) {
            assert_true(deg[j] <= npre);
            ss += ((double)deg[j] - 10.0) * ((double)deg[j] - 10.0);
        }
        free(deg);
        snn_ragged_free(&r);
    }
    double A = (double)npre * N, pa = npre / A;
    var = ss / (10.0 * N);
    want = n * pa * (1 - pa) * (A - n) / (A - 1);
    if (fabs(var / want - 1) >= 0.04)
        print_error("hypergeometric counts: variance %g, want %g\n", var, want);
    assert_true(fabs(var / want - 1) < 0.04);

    /* The count vector depends on the seed, and weights are drawn per column as usual. */
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_TOTAL, 300, 200);
    s.n_total = 6000;
    s.multapses = 1;
    s.has_weight = 1;
    s.weight_bytes = 8;
    s.weight.kind = SNN_INIT_UNIFORM;
    s.weight.a = 1.0;
    s.weight.b = 2.0;
    s.weight.stream = snn_stream_id("EE/weight");
    snn_ragged_build(&s, 5, &r);
    uint32_t buf[6000];
    uint32_t *fill = calloc(300, sizeof *fill);
    for (uint32_t j = 0; j < 200; j++) {
        uint32_t c = snn_conn_column(&s, 5, j, buf);
        for (uint32_t t = 0; t < c; t++) {
            uint32_t i = buf[t];
            uint64_t pos = r.row_start[i] + fill[i]++;
            assert_int_equal(ind_at(&r, pos), j);
            assert_true(((double *)r.weight)[pos] == snn_init_value(&s.weight, 5, j, t));
        }
    }
    free(fill);
    snn_ragged r2;
    snn_ragged_build(&s, 6, &r2);
    assert_true(r2.n_syn == 6000 && r2.checksum != r.checksum);
    snn_ragged_free(&r);
    snn_ragged_free(&r2);
}

/* ---- delays -------------------------------------------------------------------------- */

static void test_delays(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_INDEGREE, 3000, 500);
    s.k = 100;
    s.multapses = 0;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_NORMAL;
    s.weight.a = 0.5;
    s.weight.b = 0.1;
    s.weight.stream = snn_stream_id("EE/weight");
    snn_ragged plain, d1, d2, d3;
    const uint64_t base = snn_bytes_allocated();
    snn_ragged_build(&s, 4, &plain);
    assert_null(plain.delay);
    assert_int_equal(plain.delay_bytes, 0);
    assert_int_equal(plain.max_delay, 0);

    s.has_delay = 1;
    s.delay.kind = SNN_INIT_NORMAL_CLIPPED;
    s.delay.a = 1.5;
    s.delay.b = 0.75;
    s.delay.lo = 0.1;
    s.delay.hi = INFINITY;
    s.delay.stream = snn_stream_id("EE/delay");
    s.dt = 0.1;
    s.delay_bytes = 2;
    uint64_t before = snn_bytes_allocated();
    snn_ragged_build(&s, 4, &d1);
    assert_int_equal(d1.delay_bytes, 2);
    assert_true(d1.bytes == plain.bytes + 2 * d1.capacity);
    assert_true(snn_bytes_allocated() - before == d1.bytes);
    /* Same structure and weights; delays change the checksum. */
    assert_true(d1.n_syn == plain.n_syn);
    assert_memory_equal(d1.ind, plain.ind, d1.capacity * 4);
    assert_memory_equal(d1.weight, plain.weight, d1.capacity * 4);
    assert_true(d1.checksum != plain.checksum);

    /* Values: entry (source i of column j, position t) has max(1, llround(value / dt)) with
     * value = draw t of element j from the delay stream. */
    uint32_t buf[100];
    uint32_t *fill = calloc(3000, sizeof *fill);
    uint32_t maxd = 0;
    long ones = 0;
    for (uint32_t j = 0; j < 500; j++) {
        uint32_t n = snn_conn_column(&s, 4, j, buf);
        for (uint32_t t = 0; t < n; t++) {
            uint32_t i = buf[t];
            uint64_t pos = d1.row_start[i] + fill[i]++;
            double ms = snn_init_value(&s.delay, 4, j, t);
            assert_true(ms >= 0.1);
            long long want = llround(ms / 0.1);
            want = want < 1 ? 1 : want;
            uint16_t got = ((uint16_t *)d1.delay)[pos];
            assert_int_equal(got, want);
            maxd = got > maxd ? got : maxd;
            ones += got == 1;
        }
    }
    free(fill);
    assert_int_equal(d1.max_delay, maxd);
    assert_true(maxd > 40); /* 1.5 + 4 sd = 4.5 ms */
    assert_true(ones > 0);  /* values in [0.1, 0.15) round to 1 */

    /* One byte holds these too, same values and checksum; other delays, other checksum. */
    s.delay_bytes = 1;
    snn_ragged_build(&s, 4, &d2);
    assert_true(d2.checksum == d1.checksum);
    assert_true(d2.bytes == plain.bytes + d2.capacity);
    for (uint64_t pos = 0; pos < d1.capacity; pos++)
        assert_int_equal(((uint8_t *)d2.delay)[pos], ((uint16_t *)d1.delay)[pos]);
    s.delay.a = 1.6;
    snn_ragged_build(&s, 4, &d3);
    assert_true(d3.checksum != d1.checksum);
    snn_ragged_free(&d3);

    /* Constant delays and rounding: 0.04 ms -> 1 step (at least one), 0.25 -> 3 (0.25 / 0.1
     * is 2.5: half away from zero), 0.15 -> 1 (0.15 / 0.1 is 1.4999999999999998), 25.5 ms
     * -> 255 steps, the most one byte holds. */
    const struct {
        double ms;
        uint32_t steps;
    } rc[] = {{0.04, 1}, {-3.0, 1}, {0.15, 1}, {0.16, 2}, {0.25, 3},
              {0.34, 3}, {1.0, 10}, {25.5, 255}};
    s.delay.kind = SNN_INIT_CONSTANT;
    for (size_t c = 0; c < sizeof rc / sizeof rc[0]; c++) {
        s.delay.a = rc[c].ms;
        snn_ragged_build(&s, 4, &d3);
        assert_int_equal(d3.max_delay, rc[c].steps);
        for (uint64_t pos = 0; pos < d3.capacity; pos++)
            assert_int_equal(((uint8_t *)d3.delay)[pos], rc[c].steps);
        snn_ragged_free(&d3);
    }
    /* Slack entries hold 0. */
    s.slack = 2;
    snn_ragged_build(&s, 4, &d3);
    for (uint32_t i = 0; i < 3000; i++) {
        assert_int_equal(((uint8_t *)d3.delay)[d3.row_start[i + 1] - 1], 0);
        if (d3.row_len[i])
            assert_int_equal(((uint8_t *)d3.delay)[d3.row_start[i]], 255);
    }
    snn_ragged_free(&d3);

    /* The same rounding for drawn delays (converted column by column, not once): normal
     * with sd 0 makes every value a, here the cases above and every half step k dt + dt / 2
     * (ties, or a hair off them, in binary), against max(1, llround(a / dt)). */
    s.slack = 0;
    s.delay.kind = SNN_INIT_NORMAL;
    s.delay.b = 0.0;
    for (int c = -(int)(sizeof rc / sizeof rc[0]); c < 2 * 255; c++) {
        double ms = c < 0 ? rc[c + (int)(sizeof rc / sizeof rc[0])].ms
                          : c % 2 ? 0.1 * (c / 2) + 0.05 : 0.1 * (c / 2) + 0.0500000001;
        long long want = llround(ms / 0.1);
        want = want < 1 ? 1 : want;
        if (want > 255)
            continue;
        s.delay.a = ms;
        snn_ragged_build(&s, 4, &d3);
        assert_int_equal(d3.max_delay, want);
        for (uint64_t pos = 0; pos < d3.capacity; pos++)
            assert_int_equal(((uint8_t *)d3.delay)[pos], want);
        snn_ragged_free(&d3);
    }

    snn_ragged_free(&plain);
    snn_ragged_free(&d1);
    snn_ragged_free(&d2);
    assert_true(snn_bytes_allocated() == base);
}

static void column_outdegree(const snn_proj_spec *spec)
{
    uint32_t buf[16];
    (void)snn_conn_column(spec, 1, 0, buf);
}

/* sort_by_delay: each row ordered by (delay, target), the same synapses as unsorted. */
static void test_sort_by_delay(void **state)
{
    (void)state;
    snn_proj_spec s = {0};
    s.name = "sorted";
    s.kind = SNN_CONN_FIXED_INDEGREE;
    s.n_pre = 300;
    s.n_post = 400;
    s.k = 60;
    s.autapses = 1;
    s.multapses = 1;
    s.stream = snn_stream_id("sorted/conn");
    s.ind_bytes = 2;
    s.has_weight = 1;
    s.weight = (snn_init){.kind = SNN_INIT_UNIFORM, .a = 0.0, .b = 1.0,
                          .stream = snn_stream_id("sorted/w")};
    s.weight_bytes = 4;
    s.has_delay = 1;
    s.delay = (snn_init){.kind = SNN_INIT_UNIFORM, .a = 0.1, .b = 3.0,
                         .stream = snn_stream_id("sorted/d")};
    s.dt = 0.1;
    s.delay_bytes = 1;
    snn_ragged a, b;
    snn_ragged_build(&s, 3, &a);
    s.sort_by_delay = 1;
    snn_ragged_build(&s, 3, &b);
    assert_true(a.checksum == b.checksum);
    assert_int_equal(a.max_delay, b.max_delay);
    for (uint32_t i = 0; i < s.n_pre; i++) {
        uint32_t n = a.row_len[i];
        assert_int_equal(n, b.row_len[i]);
        const uint16_t *ai = (const uint16_t *)a.ind + a.row_start[i];
        const uint16_t *bi = (const uint16_t *)b.ind + b.row_start[i];
        const float *aw = (const float *)a.weight + a.row_start[i];
        const float *bw = (const float *)b.weight + b.row_start[i];
        const uint8_t *ad = (const uint8_t *)a.delay + a.row_start[i];
        const uint8_t *bd = (const uint8_t *)b.delay + b.row_start[i];
        for (uint32_t k = 1; k < n; k++) {
            assert_true(bd[k - 1] <= bd[k]);
            if (bd[k - 1] == bd[k])
                assert_true(bi[k - 1] <= bi[k]);
        }
        /* the k-th synapse of a with delay d is the next one of delay d in b */
        uint32_t next[64] = {0};
        for (uint32_t k = 0; k < n; k++) {
            uint32_t at = 0;
            for (uint32_t q = 0; q < n; q++)
                at += bd[q] < ad[k];
            at += next[ad[k]]++;
            assert_int_equal(bi[at], ai[k]);
            assert_true(bw[at] == aw[k]);
            assert_int_equal(bd[at], ad[k]);
        }
    }
    snn_ragged_free(&a);
    snn_ragged_free(&b);
}

static void test_fatal_errors_new(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_FIXED_OUTDEGREE, 10, 10);
    s.same_pop = 1;
    s.k = 10;
    expect_fatal(&s, "brunel: error: projection 'EE': fixed_outdegree k = 10 without "
                     "multapses needs at least 10 distinct targets, but there are only 9 "
                     "(autapses excluded)\n");
    s = spec_base(SNN_CONN_FIXED_OUTDEGREE, 5, 1);
    s.same_pop = 0;
    s.k = 2;
    expect_fatal(&s, "brunel: error: projection 'EE': fixed_outdegree k = 2 without multapses "
                     "needs at least 2 distinct targets, but there are only 1\n");
    s = spec_base(SNN_CONN_FIXED_OUTDEGREE, 1, 1);
    s.same_pop = 1;
    s.multapses = 1;
    s.k = 3;
    expect_fatal(&s, "brunel: error: projection 'EE': fixed_outdegree k = 3 but there are no "
                     "possible targets\n");

    s = spec_base(SNN_CONN_FIXED_TOTAL, 10, 10);
    s.same_pop = 1;
    s.n_total = 91;
    expect_fatal(&s, "brunel: error: projection 'EE': fixed_total n = 91 without multapses "
                     "needs at least 91 distinct (pre, post) pairs, but there are only 90 "
                     "(autapses excluded)\n");
    s = spec_base(SNN_CONN_FIXED_TOTAL, 1, 1);
    s.same_pop = 1;
    s.multapses = 1;
    s.n_total = 5;
    expect_fatal(&s, "brunel: error: projection 'EE': fixed_total n = 5 but there are no "
                     "possible (pre, post) pairs (autapses excluded)\n");

    /* Delays beyond what the delay type holds, or without a time step. */
    s = spec_base(SNN_CONN_FIXED_INDEGREE, 100, 100);
    s.k = 10;
    s.has_delay = 1;
    s.dt = 0.1;
    s.delay_bytes = 1;
    s.delay.kind = SNN_INIT_CONSTANT;
    s.delay.a = 25.56;
    expect_fatal(&s, "brunel: error: projection 'EE': delay 25.56 ms is 256 steps of 0.1 ms, "
                     "more than the 255 steps that 1-byte delays hold\n");
    s.delay_bytes = 2;
    s.delay.kind = SNN_INIT_UNIFORM;
    s.delay.a = 1.0;
    s.delay.b = 7000.0;
    expect_fatal(&s, "more than the 65535 steps that 2-byte delays hold\n");
    s.delay.kind = SNN_INIT_CONSTANT;
    s.delay.a = NAN;
    expect_fatal(&s, "brunel: error: projection 'EE': a delay is not a number (NaN ms)\n");
    s.delay.a = 1.0;
    s.dt = 0.0;
    expect_fatal(&s, "brunel: error: projection 'EE': per-synapse delays need a positive time "
                     "step dt (got 0)\n");

    /* fixed_outdegree has no columns. */
    s = spec_base(SNN_CONN_FIXED_OUTDEGREE, 10, 10);
    s.k = 2;
    expect_fatal_fn(column_outdegree, &s,
                    "brunel: error: projection 'EE': fixed_outdegree is generated by rows, not "
                    "by columns\n");
}

/* ---- user-defined rules ---------------------------------------------------------------- */

/* A pair-form generator as emit_c.c writes one, with prob(i, j) = pair_p(i, j). */
static double pair_p(uint32_t i, uint32_t j)
{
    if (i == j)
        return 1.0;               /* the diagonal always */
    if ((i + j) % 7 == 0)
        return 2.5;               /* clamped to 1 */
    if (i % 5 == 0)
        return -1.0;              /* clamped to 0 */
    return 0.3;
}

static uint32_t pair_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t j, snn_conn_work *w)
{
    uint32_t n = 0;
    for (uint32_t i0 = 0; i0 < spec->n_pre; i0 += SNN_CONN_CHUNK) {
        uint32_t m = spec->n_pre - i0 < SNN_CONN_CHUNK ? spec->n_pre - i0 : SNN_CONN_CHUNK;
        const uint32_t *u = snn_conn_pair_words(w, seed, spec->stream, j, i0, m);
        for (uint32_t c = 0; c < m; c++) {
            double p = pair_p(i0 + c, j);
            if ((double)u[c] < p * 4294967296.0)
                w->buf[n++] = i0 + c;
            else if (p != p)
                snn_conn_bad_prob(spec, i0 + c, j);
        }
    }
    return n;
}

/* A row-form generator: count = 2 + i % 3 (3 + i % 3 for i % 4 == 0, with a repeated
 * target), targets (i + 5 k + draw) mod n_post given in descending order, where draw is
 * below(3) from the row's stream. */
static uint32_t row_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t i, snn_conn_work *w)
{
    snn_rng g;
    snn_rng_init(&g, seed, spec->stream, i, 0);
    uint32_t n = snn_conn_count(spec, i, 2.0 + i % 3 + (i % 4 == 0));
    uint32_t *buf = snn_conn_reserve(w, n);
    for (uint32_t k = 0; k < n; k++) {
        double v = (i % 4 == 0 && k == n - 1) ? buf[0]
                                              : (double)((i + 5 * (n - 1 - k) +
                                                          snn_rng_below(&g, 3)) % spec->n_post);
        buf[k] = snn_conn_target(spec, i, k, v);
    }
    return n;
}

/* Rows of 'long_rows' entries for sources below 4 (growing every buffer), else one. */
static uint32_t long_rows;

static uint32_t long_row_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t i,
                             snn_conn_work *w)
{
    (void)seed;
    uint32_t n = snn_conn_count(spec, i, i < 4 ? long_rows : 1);
    uint32_t *buf = snn_conn_reserve(w, n);
    for (uint32_t k = 0; k < n; k++)
        buf[k] = snn_conn_target(spec, i, k, (double)((k * 7919u + i) % spec->n_post));
    return n;
}

/* The same network in blocks of targets: the counts and checksums add up to the whole
 * (built with seed 9), and each block holds its part of every row in the same order. */
static void check_blocks(const snn_proj_spec *whole, const snn_ragged *all, uint32_t nblocks)
{
    uint64_t n = 0, sum = 0;
    for (uint32_t b = 0; b < nblocks; b++) {
        snn_proj_spec s = *whole;
        s.post_range = 1;
        s.post_lo = (uint32_t)((uint64_t)whole->n_post * b / nblocks);
        s.post_n = (uint32_t)((uint64_t)whole->n_post * (b + 1) / nblocks) - s.post_lo;
        snn_ragged r;
        snn_ragged_build(&s, 9, &r);
        check_ragged(&r, 0);
        n += r.n_syn;
        sum += r.checksum;
        for (uint32_t i = 0; i < r.n_pre; i++) /* the block's part of every row, in order */
            for (uint32_t t = 0, at = 0; t < all->row_len[i]; t++) {
                uint32_t j = ind_at(all, all->row_start[i] + t);
                if (j < s.post_lo || j >= s.post_lo + s.post_n)
                    continue;
                assert_int_equal(ind_at(&r, r.row_start[i] + at) + s.post_lo, j);
                if (r.weight)
                    assert_true(((const float *)r.weight)[r.row_start[i] + at] ==
                                ((const float *)all->weight)[all->row_start[i] + t]);
                at++;
            }
        snn_ragged_free(&r);
    }
    assert_true(n == all->n_syn);
    assert_true(sum == all->checksum);
}

static void test_user_pair_rule(void **state)
{
    (void)state;
    /* the pair words are the element's snn_rng_u32 sequence */
    snn_conn_work w;
    memset(&w, 0, sizeof w);
    snn_rng g;
    snn_rng_init(&g, 0x123456789abcull, 77, 5, 0);
    uint32_t seq[2100];
    for (int t = 0; t < 2100; t++)
        seq[t] = snn_rng_u32(&g);
    const uint32_t *u = snn_conn_pair_words(&w, 0x123456789abcull, 77, 5, 1024, 1024);
    assert_memory_equal(u, seq + 1024, 1024 * sizeof *u);
    u = snn_conn_pair_words(&w, 0x123456789abcull, 77, 5, 2048, 49);
    assert_memory_equal(u, seq + 2048, 49 * sizeof *u);
    snn_conn_free_work(&w);

    /* every pair decided by its own word: u < p 2^32, p clamped (an odd N_pre: the last
     * chunk ends inside a Philox block) */
    snn_proj_spec s = spec_base(SNN_CONN_USER_PAIR, 2501, 300);
    s.gen = pair_gen;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_UNIFORM;
    s.weight.a = 0.0;
    s.weight.b = 1.0;
    s.weight.stream = snn_stream_id("EE/weight");
    snn_ragged r;
    snn_ragged_build(&s, 9, &r);
    check_ragged(&r, 0);
    uint64_t expect = 0;
    char *has = calloc((size_t)2501 * 300, 1);
    for (uint32_t i = 0; i < r.n_pre; i++)
        for (uint32_t t = 0; t < r.row_len[i]; t++)
            has[(size_t)i * 300 + ind_at(&r, r.row_start[i] + t)]++;
    for (uint32_t j = 0; j < 300; j++) {
        snn_rng_init(&g, 9, s.stream, j, 0);
        uint32_t rank = 0; /* weight draw = position in the column */
        for (uint32_t i = 0; i < 2501; i++) {
            double p = pair_p(i, j);
            int want = (double)snn_rng_u32(&g) < (p > 1 ? 1 : p) * 4294967296.0;
            assert_int_equal(has[(size_t)i * 300 + j], want);
            if (want && i < 3) { /* rows 0-2: check the weight of this synapse */
                uint32_t t = 0;
                while (ind_at(&r, r.row_start[i] + t) != j)
                    t++;
                float wv = (float)snn_init_value(&s.weight, 9, j, rank);
                assert_true(((const float *)r.weight)[r.row_start[i] + t] == wv);
            }
            rank += want;
            expect += want;
        }
    }
    free(has);
    assert_true(r.n_syn == expect);
    assert_true(expect > 0.25 * 2501 * 300 && expect < 0.35 * 2501 * 300);

    /* the same network for any split of the targets, and without the column cache (all
     * columns generated twice) or with a small one (some of them) */
    check_blocks(&s, &r, 3);
    check_blocks(&s, &r, 7);
    uint64_t budget = rt_column_cache_bytes;
    for (int pass = 0; pass < 2; pass++) {
        rt_column_cache_bytes = pass ? 20000 : 0;
        snn_ragged c;
        snn_ragged_build(&s, 9, &c);
        assert_true(c.n_syn == r.n_syn && c.checksum == r.checksum);
        assert_memory_equal(c.ind, r.ind, r.capacity * 4);
        assert_memory_equal(c.weight, r.weight, r.capacity * 4);
        snn_ragged_free(&c);
        check_blocks(&s, &r, 2);
    }
    rt_column_cache_bytes = budget;

    /* snn_conn_column gives the generator's column */
    uint32_t col[2501];
    uint32_t n = snn_conn_column(&s, 9, 17, col);
    uint32_t seen = 0;
    for (uint32_t i = 0; i < 2501; i++)
        for (uint32_t t = 0; t < r.row_len[i]; t++)
            if (ind_at(&r, r.row_start[i] + t) == 17) {
                assert_int_equal(col[seen], i);
                seen++;
            }
    assert_int_equal(n, seen);
    assert_true(snn_conn_expected(&s) == 0.0);
    snn_ragged_free(&r);
}

static void test_user_row_rule(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_USER_ROW, 400, 250);
    s.gen = row_gen;
    s.has_weight = 1;
    s.weight.kind = SNN_INIT_NORMAL;
    s.weight.a = 1.0;
    s.weight.b = 0.2;
    s.weight.stream = snn_stream_id("EE/weight");
    s.has_delay = 1;
    s.delay.kind = SNN_INIT_UNIFORM;
    s.delay.a = 0.1;
    s.delay.b = 2.0;
    s.delay.stream = snn_stream_id("EE/delay");
    s.dt = 0.1;
    s.delay_bytes = 1;
    snn_ragged r;
    snn_ragged_build(&s, 9, &r);
    check_ragged(&r, 0);
    /* each row: the generator's targets, sorted, multapses kept; entry t has draw t */
    snn_conn_work w;
    memset(&w, 0, sizeof w);
    uint64_t total = 0;
    for (uint32_t i = 0; i < 400; i++) {
        uint32_t n = row_gen(&s, 9, i, &w);
        uint32_t want[8];
        memcpy(want, w.buf, n * sizeof *want);
        for (uint32_t a = 1; a < n; a++) /* insertion sort */
            for (uint32_t b = a; b > 0 && want[b - 1] > want[b]; b--) {
                uint32_t x = want[b];
                want[b] = want[b - 1];
                want[b - 1] = x;
            }
        assert_int_equal(r.row_len[i], n);
        for (uint32_t t = 0; t < n; t++) {
            assert_int_equal(ind_at(&r, r.row_start[i] + t), want[t]);
            assert_true(((const float *)r.weight)[r.row_start[i] + t] ==
                        (float)snn_init_value(&s.weight, 9, i, t));
        }
        total += n;
    }
    snn_conn_free_work(&w);
    assert_true(r.n_syn == total);
    check_blocks(&s, &r, 4);
    check_blocks(&s, &r, 250); /* one target per block */

    /* procedural: the same rows, cut at hi, and the same count and checksum per block */
    snn_proj_spec sp = s;
    sp.has_delay = 0;
    snn_ragged q, pr;
    snn_ragged_build(&sp, 9, &q);
    uint32_t buf[8];
    for (uint32_t i = 0; i < 400; i++) {
        uint32_t n = snn_conn_row(&sp, 9, i, 100, buf), m = 0;
        for (uint32_t t = 0; t < q.row_len[i]; t++)
            if (ind_at(&q, q.row_start[i] + t) < 100) {
                assert_true(m < n && buf[m] == ind_at(&q, q.row_start[i] + t));
                m++;
            }
        assert_int_equal(n, m);
    }
    sp.post_range = 1;
    sp.post_lo = 37;
    sp.post_n = 150;
    snn_proc_build(&sp, 9, &pr);
    snn_ragged part;
    snn_ragged_build(&sp, 9, &part);
    assert_true(pr.n_syn == part.n_syn && pr.checksum == part.checksum);
    assert_true(pr.capacity == 5); /* the longest row: 2 + 2 + 1 */
    snn_ragged_free(&part);
    snn_ragged_free(&q);
    snn_ragged_free(&pr);
    snn_ragged_free(&r);

    /* rows far longer than any first guess: every work buffer grows */
    s = spec_base(SNN_CONN_USER_ROW, 10, 3000);
    s.gen = long_row_gen;
    s.has_weight = 1;
    s.weight = (snn_init){.kind = SNN_INIT_UNIFORM, .a = 0, .b = 1, .stream = 5};
    long_rows = 20000; /* multapses: 20000 entries over 3000 targets */
    snn_ragged_build(&s, 9, &r);
    check_ragged(&r, 0);
    assert_int_equal(r.row_len[0], 20000);
    assert_int_equal(r.row_len[9], 1);
    assert_true(r.n_syn == 4 * 20000 + 6);
    check_blocks(&s, &r, 3);
    snn_ragged_free(&r);
}

static void build_row_column(const snn_proj_spec *spec)
{
    uint32_t buf[16];
    snn_conn_column(spec, 1, 0, buf);
}

static uint32_t bad_target_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t i,
                               snn_conn_work *w)
{
    (void)seed;
    uint32_t *buf = snn_conn_reserve(w, 2);
    buf[0] = snn_conn_target(spec, i, 0, 0.0);
    buf[1] = snn_conn_target(spec, i, 1, i == 3 ? (double)spec->n_post : 1.0);
    return 2;
}

static uint32_t frac_target_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t i,
                                snn_conn_work *w)
{
    (void)seed;
    uint32_t *buf = snn_conn_reserve(w, 1);
    buf[0] = snn_conn_target(spec, i, 0, i == 2 ? 2.5 : 1.0);
    return 1;
}

static uint32_t bad_count_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t i,
                              snn_conn_work *w)
{
    (void)seed;
    (void)w;
    return snn_conn_count(spec, i, i == 4 ? -1.0 : 0.0);
}

static uint32_t nan_pair_gen(const snn_proj_spec *spec, uint64_t seed, uint32_t j,
                             snn_conn_work *w)
{
    (void)seed;
    (void)w;
    if (j == 6)
        snn_conn_bad_prob(spec, 2, j);
    return 0;
}

static void test_user_rule_errors(void **state)
{
    (void)state;
    snn_proj_spec s = spec_base(SNN_CONN_USER_ROW, 10, 8);
    s.gen = bad_target_gen;
    expect_fatal(&s, "brunel: error: projection 'EE': target 1 of source 3 is 8; it must be a "
                     "whole number from 0 to 7 (N_post - 1)\n");
    s.gen = frac_target_gen;
    expect_fatal(&s, "brunel: error: projection 'EE': target 0 of source 2 is 2.5; it must be "
                     "a whole number from 0 to 7 (N_post - 1) (round it with floor(), or use "
                     "mod() to wrap)\n");
    s.gen = bad_count_gen;
    expect_fatal(&s, "brunel: error: projection 'EE': count of source 4 is -1; it must be a "
                     "whole number from 0 to 4294967295 (round it with floor() or round())\n");
    s.gen = NULL;
    expect_fatal(&s, "brunel: error: projection 'EE': a user-defined rule without its "
                     "generator\n");
    s.gen = row_gen;
    expect_fatal_fn(build_row_column, &s, "brunel: error: projection 'EE': a user-defined row "
                                          "rule is generated by rows, not by columns\n");
    s = spec_base(SNN_CONN_USER_PAIR, 10, 8);
    s.gen = nan_pair_gen;
    expect_fatal(&s, "brunel: error: projection 'EE': the connection probability of source 2 "
                     "and target 6 is not a number (NaN)\n");
}

/* snn_delay_run_end (spike delivery's runs of equal 1-byte delays) against a byte-by-byte
 * scan: every start k of rows of length 0..40 over small alphabets (runs across and
 * within the 8-byte words, sorted and unsorted), the row ending at a page that cannot be
 * read, so a load of any byte at or past dl[len] faults. */
static void test_delay_run_end(void **state)
{
    (void)state;
    const size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char *map = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                              -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map + pg, pg, PROT_NONE), 0);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int trial = 0; trial < 400; trial++) {
        const uint32_t len = (uint32_t)(trial % 41);
        const uint32_t alphabet = 1u + (uint32_t)(trial / 41) % 4u;
        uint8_t *dl = map + pg - len;
        for (uint32_t i = 0; i < len; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            dl[i] = (uint8_t)(250u + (uint32_t)(x % alphabet)); /* 250..253 */
        }
        if (trial % 2) /* sorted, as built rows are */
            for (uint32_t i = 1; i < len; i++)
                for (uint32_t j = i; j > 0 && dl[j - 1] > dl[j]; j--) {
                    uint8_t t = dl[j];
                    dl[j] = dl[j - 1];
                    dl[j - 1] = t;
                }
        for (uint32_t k = 0; k < len; k++) {
            uint32_t e = k + 1;
            while (e < len && dl[e] == dl[k])
                e++;
            assert_int_equal(snn_delay_run_end(dl, k, len), e);
        }
    }
    munmap(map, 2 * pg);
}

/* snn_compact_flags against the byte-at-a-time loop it replaced: every start offset and
 * length up to 100 flags (so 32-flag chunks, 8-byte words and the tail all occur), sparse
 * and dense flags, the flags ending on an unreadable page (no read past f[e]); the ids
 * past the count are not compared. */
static void test_compact_flags(void **state)
{
    (void)state;
    check_compact_flags(100u, 1000u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_indegree_multapses),
        cmocka_unit_test(test_fixed_indegree_distinct),
        cmocka_unit_test(test_fixed_indegree_autapse_multapse),
        cmocka_unit_test(test_fixed_probability),
        cmocka_unit_test(test_all_to_all_one_to_one),
        cmocka_unit_test(test_checksum_deterministic),
        cmocka_unit_test(test_synapse_positions),
        cmocka_unit_test(test_slack_and_bytes),
        cmocka_unit_test(test_weights_reproducible),
        cmocka_unit_test(test_16bit_indices),
        cmocka_unit_test(test_column_independent_of_others),
        cmocka_unit_test(test_fatal_errors),
        cmocka_unit_test(test_fixed_outdegree),
        cmocka_unit_test(test_fixed_total),
        cmocka_unit_test(test_delays),
        cmocka_unit_test(test_sort_by_delay),
        cmocka_unit_test(test_delay_run_end),
        cmocka_unit_test(test_compact_flags),
        cmocka_unit_test(test_fatal_errors_new),
        cmocka_unit_test(test_user_pair_rule),
        cmocka_unit_test(test_user_row_rule),
        cmocka_unit_test(test_user_rule_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
