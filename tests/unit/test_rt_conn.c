/*
 * test_rt_conn.c - connectivity rules and the ragged builder (rt_conn.c): column sizes,
 * autapse / multapse handling, totals, ascending rows, checksums, slack, weights and the
 * 16-bit index path.
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
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snnrt.h"

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

/* Build 'spec' in a child process; expect exit status 1 and return its stderr. */
static void expect_fatal(const snn_proj_spec *spec, const char *want_substr)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        snn_set_progname("brunel");
        snn_ragged r;
        snn_ragged_build(spec, 1, &r);
        _exit(0);
    }
    close(fds[1]);
    char out[2048];
    size_t n = 0;
    ssize_t got;
    while (n + 1 < sizeof out && (got = read(fds[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)got;
    out[n] = '\0';
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 1);
    if (!strstr(out, want_substr))
        print_error("stderr: %s\nwant:   %s\n", out, want_substr);
    assert_non_null(strstr(out, want_substr));
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_indegree_multapses),
        cmocka_unit_test(test_fixed_indegree_distinct),
        cmocka_unit_test(test_fixed_indegree_autapse_multapse),
        cmocka_unit_test(test_fixed_probability),
        cmocka_unit_test(test_all_to_all_one_to_one),
        cmocka_unit_test(test_checksum_deterministic),
        cmocka_unit_test(test_slack_and_bytes),
        cmocka_unit_test(test_weights_reproducible),
        cmocka_unit_test(test_16bit_indices),
        cmocka_unit_test(test_column_independent_of_others),
        cmocka_unit_test(test_fatal_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
