/*
 * test_phases.c - unit tests for the phase table (compiler/phases.c): the table in
 * docs/architecture.md "The phase table" lists the same phases in the same order, the
 * order keeps what the phases depend on, and the generated C step and CUDA launch
 * sequence call the phases of a model with every phase in the table's order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"

static char g_diags[8192];

static void sink(void *ud, const char *line)
{
    (void)ud;
    size_t n = strlen(g_diags);
    snprintf(g_diags + n, sizeof g_diags - n, "%s\n", line);
}

static int setup(void **state)
{
    (void)state;
    g_diags[0] = '\0';
    diag_reset();
    diag_set_sink(sink, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    diag_set_sink(NULL, NULL);
    diag_reset();
    arena_free_all();
    return 0;
}

static int phase_index(const char *name)
{
    for (int k = 0; k < phase_count; k++)
        if (!strcmp(phase_table[k].name, name))
            return k;
    fail_msg("no phase '%s' in the table", name);
    return -1;
}

/* docs/architecture.md, from the repository root (this file's path names it). */
static char *read_doc(void)
{
    const char *self = __FILE__, *tail = strstr(self, "tests/unit/test_phases.c");
    char path[4096];
    snprintf(path, sizeof path, "%.*sdocs/architecture.md", tail ? (int)(tail - self) : 0, self);
    FILE *f = fopen(path, "rb");
    if (!f)
        f = fopen("docs/architecture.md", "rb");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* The documented table: rows "| N | `name` | ...", in order, as the phase table. */
static void test_doc_lists_the_table(void **state)
{
    (void)state;
    char *doc = read_doc();
    const char *p = strstr(doc, "\n## The phase table\n");
    assert_non_null(p);
    const char *end = strstr(p + 1, "\n## ");
    int row = 0;
    for (const char *l = p; l && (!end || l < end); l = strchr(l + 1, '\n')) {
        int num = 0, len = 0;
        char name[64];
        if (sscanf(l + 1, "| %d | `%63[a-z_]` |%n", &num, name, &len) != 2 || !len)
            continue;
        assert_true(row < phase_count);
        assert_int_equal(num, row + 1);
        assert_string_equal(name, phase_table[row].name);
        row++;
    }
    assert_int_equal(row, phase_count);
    free(doc);
}

/* What the order must keep: delivery before the neuron update, on_post after it (it reads
 * the step's spikes), the spikes gathered before the exchange, pre code after it (every
 * rank's spikes), synapse dynamics after the pre and post code, the checks last. */
static void test_order(void **state)
{
    (void)state;
    const char *order[] = {"exchange_due", "propagate", "update", "post", "gather",
                           "exchange", "pre", "syn_dynamics", "pre_inputs", "custom_update",
                           "conn_update", "end_step",
                           "synrec", "finite_check"};
    assert_int_equal(phase_count, (int)(sizeof order / sizeof order[0]));
    for (int k = 0; k < phase_count; k++)
        assert_int_equal(phase_index(order[k]), k);
    assert_int_equal(phase_table[phase_index("propagate")].part, PH_THREADS);
    assert_int_equal(phase_table[phase_index("update")].part, PH_THREADS);
    assert_int_equal(phase_table[phase_index("gather")].part, PH_SERIAL);
    assert_true(phase_table[phase_index("exchange")].mpi_only);
    assert_true(phase_table[phase_index("exchange_due")].mpi_only);
}

/* A model with every phase: a plastic projection with on_pre, on_post, pre and post code
 * and dynamics, a static one, a synapse recording with 'every'. */
static const char *every_phase =
    "network { name = \"allph\", dt = 0.1, seed = 7 }\n"
    "local lif = neuron { name = \"lif\", params = { tau = 10.0 }, vars = { V = 0.0 },\n"
    "  sim = \"V += dt * (Isyn - V) / tau;\", threshold = \"V > 1.0\", reset = \"V = 0.0;\" }\n"
    "local syn = synapse { name = \"full\", params = { tau = 20.0 },\n"
    "  vars = { w = 0.5 }, pre_vars = { x = 0.0 }, post_vars = { y = 0.0 },\n"
    "  on_pre = \"w += 0.001 * y;\", on_post = \"w -= 0.001 * x;\",\n"
    "  pre_spike = \"x += 1.0;\", post_spike = \"y += 1.0;\",\n"
    "  pre_dynamics = \"x *= exp(-dt / tau);\", post_dynamics = \"y *= exp(-dt / tau);\",\n"
    "  dynamics = \"w *= 0.99999; add_to_pre(0.001 * w);\" }\n"
    "local A = population { \"A\", lif, 20 }\n"
    "local B = population { \"B\", lif, 20 }\n"
    "projection { A, B, name = \"AB\", conn = fixed_probability(0.5), synapse = syn,\n"
    "             pre_input = \"Isyn\" }\n"
    "projection { B, A, name = \"BA\", conn = fixed_probability(0.5), weight = 0.1 }\n"
    "record { AB = { \"w\", every = 10 } }\n"
    "custom_update { name = \"Decay\", group = \"Slow\", params = { eta = 0.5 },\n"
    "  var_refs = { w = ref_rw(\"AB\", \"w\") }, code = \"w *= eta;\", every = 100 }\n"
    "connectivity_update { name = \"Grow\", projection = \"BA\", every = 50,\n"
    "  remove = \"uniform() < 0.01\", add = { count = \"1\", target = \"floor(uniform() * N_post)\" } }\n";

static const char *static_only =
    "network { name = \"st\", dt = 0.1 }\n"
    "local lif = neuron { name = \"lif\", vars = { V = 0.0 }, sim = \"V += Isyn;\",\n"
    "  threshold = \"V > 1.0\", reset = \"V = 0.0;\" }\n"
    "local A = population { \"A\", lif, 20 }\n"
    "projection { A, A, name = \"AA\", conn = fixed_probability(0.5), weight = 0.1 }\n";

static Model *model(const char *text)
{
    LoadOptions opt = {0};
    Model *m = load_model_string("t.lua", text, &opt);
    assert_non_null(m);
    assert_int_equal(check_model(m), 0);
    assert_string_equal(g_diags, "");
    return m;
}

/* Each string of want occurs in text, in this order (and once). */
static void in_order(const char *text, const char *const *want, int n)
{
    const char *at = text;
    for (int k = 0; k < n; k++) {
        const char *p = strstr(at, want[k]);
        if (!p)
            fail_msg("'%s' missing or out of order in:\n%s", want[k], text);
        if (strstr(p + 1, want[k]))
            fail_msg("'%s' twice in:\n%s", want[k], text);
        at = p + strlen(want[k]);
    }
}

static void test_c_step(void **state)
{
    (void)state;
    Model *m = model(every_phase);
    StrBuf rg, body;
    sb_init(&rg);
    sb_init(&body);
    phases_c_step(m, &rg, &body);
    const char *regions[] = {
        "static inline void model_step_block(", "snn_propagate_AB(step, snn_t);",
        "snn_propagate_BA(step, snn_t);", "*snn_td += snn_step_now() - snn_t0;",
        "snn_update_A(run, step, snn_t);", "snn_update_B(run, step, snn_t);",
        "snn_plastic_post_AB(step, snn_t);",
        /* one block on a step thread (worker 0 times the delivery, from the region's
         * start in its first block) */
        "static void model_step_block_b(void *snn_a, int snn_t, int snn_w, int snn_first)",
        "model_step_block(snn_x->run, snn_x->step, snn_t,",
        "snn_w == 0 && !snn_first ? snn_step_now() : snn_x->t0",
        "snn_w == 0 ? snn_x->td : NULL",
        "static inline void model_step_syn_dynamics(", "snn_syn_dynamics_AB(step, snn_t);",
        "static void model_step_syn_dynamics_b(",
        "model_step_syn_dynamics(snn_x->run, snn_x->step, snn_t);"};
    in_order(rg.buf, regions, (int)(sizeof regions / sizeof regions[0]));
    assert_null(strstr(rg.buf, "snn_plastic_post_BA")); /* not plastic */
    assert_null(strstr(rg.buf, "snn_syn_dynamics_BA"));
    const char *steps[] = {
        "#ifdef SNN_MPI\n    /* overlapped", "snn_exchange_due(run, step);",
        /* the region: on the run's step threads (runtime/rt_pool.c) */
        "snn_region_args snn_x = {run, step, snn_t0, &snn_td};",
        "snn_step_blocks(run, model_step_block_b, &snn_x);",
        "snn_gather_A(run, step);", "snn_gather_B(run, step);", "run->k_deliver += snn_td;",
        "#ifdef SNN_MPI\n    /* the end of an exchange interval",
        "snn_exchange(run, step + 1 - snn_k, snn_k);\n    }\n#endif\n",
        "snn_plastic_pre_AB(step);",
        "snn_region_args snn_x = {run, step, 0, NULL};",
        "snn_step_blocks(run, model_step_syn_dynamics_b, &snn_x);",
        "snn_pre_inputs_AB(step);",
        "if (snn_cupd_due(run, 0, step))\n            snn_cugroup_Slow(run, step);",
        "snn_rewire_Grow(run, step);",
        "model_syn_snapshot(run, 0,",
        "snn_check_finite(run, step);"};
    in_order(body.buf, steps, (int)(sizeof steps / sizeof steps[0]));
    assert_null(strstr(body.buf, "snn_plastic_pre_BA"));
    sb_release(&rg);
    sb_release(&body);
}

static void test_c_step_static(void **state)
{
    (void)state;
    Model *m = model(static_only);
    StrBuf rg, body;
    sb_init(&rg);
    sb_init(&body);
    phases_c_step(m, &rg, &body);
    assert_null(strstr(rg.buf, "plastic"));
    assert_null(strstr(rg.buf, "model_step_syn_dynamics")); /* one region */
    assert_null(strstr(body.buf, "plastic"));
    assert_null(strstr(body.buf, "snapshot"));
    assert_null(strstr(body.buf, "snn_cupd_"));
    assert_null(strstr(body.buf, "snn_rewire_"));
    const char *steps[] = {"snn_exchange_due", "snn_step_blocks(run, model_step_block_b,",
                           "snn_gather_A(run, step);", "snn_exchange(", "snn_check_finite("};
    in_order(body.buf, steps, (int)(sizeof steps / sizeof steps[0]));
    sb_release(&rg);
    sb_release(&body);
}

static void test_cuda_launch(void **state)
{
    (void)state;
    StrBuf o;
    sb_init(&o);
    phases_cuda_launch(model(every_phase), &o, "SNN_BLOCKS_A + SNN_BLOCKS_B", "20");
    const char *kernels[] = {
        "ev[SNN_PH_START]",
        "snn_dev::snn_k_propagate<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>();",
        "ev[SNN_PH_PROPAGATE]",
        "snn_dev::snn_k_update<<<SNN_BLOCKS_A + SNN_BLOCKS_B, SNN_BLOCK, 0, snn_stream>>>();",
        "ev[SNN_PH_UPDATE]", "snn_dev::snn_k_on_post<<<snn_grid,",
        "snn_dev::snn_k_traces<<<(20u + SNN_BLOCK - 1) / SNN_BLOCK, SNN_BLOCK,",
        "snn_dev::snn_k_syn_dynamics<<<snn_grid,", "ev[SNN_PH_PLASTICITY]",
        "snn_dev::snn_k_end_step<<<1, 32, 0, snn_stream>>>();", "cudaGetLastError",
        "ev[SNN_PH_END]"};
    in_order(o.buf, kernels, (int)(sizeof kernels / sizeof kernels[0]));
    sb_release(&o);
    /* no weight update models: no plasticity kernels, the same events */
    sb_init(&o);
    phases_cuda_launch(model(static_only), &o, "SNN_BLOCKS_A", "0");
    const char *plain[] = {"ev[SNN_PH_START]", "snn_k_propagate", "ev[SNN_PH_PROPAGATE]",
                           "snn_k_update", "ev[SNN_PH_UPDATE]", "ev[SNN_PH_PLASTICITY]",
                           "snn_k_end_step", "ev[SNN_PH_END]"};
    in_order(o.buf, plain, (int)(sizeof plain / sizeof plain[0]));
    assert_null(strstr(o.buf, "on_post"));
    assert_null(strstr(o.buf, "traces"));
    assert_null(strstr(o.buf, "syn_dynamics"));
    sb_release(&o);
}

/* The CUDA back end's host part: snn_cu_step's code after the kernels (gather's state
 * recordings, the due custom-update groups and connectivity updates, then the finite_check
 * scan: table order) and the host half's model_step (snn_cu_step, the MPI exchange,
 * then the synapse snapshots). */
static void test_cuda_host(void **state)
{
    (void)state;
    assert_true(phases_cuda_host_valid());
    StrBuf after, host;
    sb_init(&after);
    sb_init(&host);
    phases_cuda_host(model(every_phase), &after, &host);
    assert_string_equal(after.buf, "snn_cu_gather(run, step);\nsnn_cu_custom_update(run, step);\n"
                                   "snn_cu_conn_update(run, step);\n"
                                   "snn_cu_finite_check(run, step);\n");
    assert_string_equal(host.buf,
                        "    snn_cu_step(run, step);\n"
                        "#ifdef SNN_MPI\n"
                        "    /* the end of an exchange interval (or of the run): swap spikes with "
                        "the other ranks */\n"
                        "    if ((step + 1) % SNN_INTERVAL == 0 || step + 1 == run->n_steps) {\n"
                        "        const uint32_t snn_k = (uint32_t)(step % SNN_INTERVAL) + 1u;\n"
                        "        snn_cu_exchange(run, step + 1 - snn_k, snn_k);\n"
                        "    }\n"
                        "#endif\n"
                        "    if (step % 10u == 0 && run->synrec[0]) /* AB.w */\n"
                        "        model_syn_snapshot(run, 0, (double)(step + 1) * SNN_DT);\n");
    sb_release(&after);
    sb_release(&host);
}

/* --mpi with presynaptic spike code and add_to_pre (CUDA_MPI_SPLIT | CUDA_MPI_XACC): the
 * kernels up to on_post in snn_launch_step, the rest in snn_launch_late, pre_inputs in
 * neither (snn_cu_pre_inputs); snn_cu_step exchanges, launches the late kernels, then sums
 * add_to_pre, in table order; the host half no longer exchanges. */
static void test_cuda_mpi_split(void **state)
{
    (void)state;
    const Model *m = model(every_phase);
    const unsigned f = CUDA_MPI_SPLIT | CUDA_MPI_XACC;
    StrBuf early, late, after, host;
    sb_init(&early), sb_init(&late), sb_init(&after), sb_init(&host);
    phases_cuda_launch_mpi(m, &early, "SNN_BLOCKS_A", "20", 1, f);
    phases_cuda_launch_mpi(m, &late, "SNN_BLOCKS_A", "20", 2, f);
    const char *e[] = {"ev[SNN_PH_START]", "snn_k_propagate", "snn_k_update", "snn_k_on_post",
                       "cudaGetLastError"};
    in_order(early.buf, e, (int)(sizeof e / sizeof e[0]));
    const char *l[] = {"snn_k_traces", "snn_k_syn_dynamics", "ev[SNN_PH_PLASTICITY]",
                       "snn_k_end_step", "ev[SNN_PH_END]", "cudaGetLastError"};
    in_order(late.buf, l, (int)(sizeof l / sizeof l[0]));
    assert_null(strstr(early.buf, "snn_k_traces"));
    assert_null(strstr(early.buf, "snn_k_end_step"));
    assert_null(strstr(late.buf, "snn_k_update"));
    assert_null(strstr(late.buf, "SNN_PH_START"));
    assert_null(strstr(early.buf, "snn_k_pre_inputs"));
    assert_null(strstr(late.buf, "snn_k_pre_inputs"));
    phases_cuda_host_mpi(m, &after, &host, f);
    const char *a[] = {"snn_cu_gather(run, step);", "snn_cu_exchange(", "snn_launch_late(snn_evs);",
                       "snn_cu_pre_inputs();", "snn_cu_custom_update(", "snn_cu_conn_update(",
                       "snn_cu_finite_check("};
    in_order(after.buf, a, (int)(sizeof a / sizeof a[0]));
    assert_null(strstr(host.buf, "snn_cu_exchange"));
    /* without the flags: everything in one launch, as phases_cuda_launch */
    sb_reset(&early);
    sb_reset(&late);
    phases_cuda_launch_mpi(m, &early, "SNN_BLOCKS_A", "20", 0, 0);
    phases_cuda_launch(m, &late, "SNN_BLOCKS_A", "20");
    assert_string_equal(early.buf, late.buf);
    sb_release(&early), sb_release(&late), sb_release(&after), sb_release(&host);
}

/* The template's kernel flags (phases_cuda_flags) are the kernels snn_launch_step launches:
 * one condition, the table's. */
static void test_cuda_flags(void **state)
{
    (void)state;
    const char *models[] = {every_phase, static_only};
    for (int i = 0; i < 2; i++) {
        const Model *m = model(models[i]);
        StrBuf o;
        sb_init(&o);
        phases_cuda_launch(m, &o, "SNN_BLOCKS_A", "20");
        TmplScope *g = tmpl_scope_new(NULL);
        phases_cuda_flags(m, g);
        int n_kernels = 0;
        for (int k = 0; k < phase_count; k++) {
            const char *kn = phase_table[k].cuda_kernel;
            if (!kn)
                continue;
            n_kernels++;
            StrBuf t;
            sb_init(&t);
            char src[200];
            snprintf(src, sizeof src, "{{! uses: %s }}{{#%s}}on{{/%s}}{{^%s}}off{{/%s}}", kn, kn,
                     kn, kn, kn);
            assert_int_equal(tmpl_expand(&t, src, "t", g), 0);
            char call[80];
            snprintf(call, sizeof call, "snn_dev::%s<<<", kn);
            assert_string_equal(t.buf, strstr(o.buf, call) ? "on" : "off");
            assert_int_equal(phase_cuda_launched(m, &phase_table[k]), strstr(o.buf, call) != NULL);
            sb_release(&t);
        }
        assert_true(n_kernels >= 6);
        /* every_phase has every plasticity kernel, static_only none */
        assert_int_equal(strstr(o.buf, "snn_k_traces") != NULL, i == 0);
        sb_release(&o);
    }
}

/* Windows of steps between joins (phases_c_window): the table's window column, a model
 * whose phases all allow it (static synapses, delay 1.5 ms = 15 steps) gets model_steps with
 * one region for the window's delivery and updates and the gather per step, one with
 * one-step delays, plasticity or a state recording keeps a join every step. */
static void test_window(void **state)
{
    (void)state;
    const char *yes[] = {"exchange_due", "propagate", "update", "gather", "exchange",
                         "finite_check"};
    int n_yes = 0;
    for (int k = 0; k < phase_count; k++)
        n_yes += phase_table[k].window;
    assert_int_equal(n_yes, (int)(sizeof yes / sizeof yes[0]));
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        assert_true(phase_table[phase_index(yes[i])].window);
    char text[1024];
    snprintf(text, sizeof text, "%s", static_only);
    char *d = strstr(text, "weight = 0.1 }");
    assert_non_null(d);
    snprintf(d, sizeof text - (size_t)(d - text), "weight = 0.1, delay = 1.5 }\n");
    const Model *m = model(text);
    assert_int_equal(phases_c_window(m), 15);
    StrBuf rg, body;
    sb_init(&rg);
    sb_init(&body);
    phases_c_step(m, &rg, &body);
    const char *win[] = {"snn_propagate_AA(step, snn_t);", "snn_update_A(run, step, snn_t);",
                         "static void model_window_step(", "model_step_block(run, step, snn_t,",
                         "static inline void model_window_block(", "model_window_step(run, step,",
                         "static void model_steps(",
                         "snn_step_blocks(run, model_window_b, &snn_x);",
                         "snn_gather_A(run, step);", "snn_exchange(", "snn_check_finite("};
    in_order(rg.buf, win, (int)(sizeof win / sizeof win[0]));
    assert_null(strstr(strstr(rg.buf, "static void model_steps("), "snn_exchange_due"));
    /* model_step: the per-step region as without windows */
    const char *one[] = {"snn_exchange_due(run, step);",
                         "snn_step_blocks(run, model_step_block_b, &snn_x);"};
    in_order(body.buf, one, 2);
    sb_release(&rg);
    sb_release(&body);
    assert_int_equal(phases_c_window(model(static_only)), 1); /* delay dt: one step */
    assert_int_equal(phases_c_window(model(every_phase)), 1);
    snprintf(d, sizeof text - (size_t)(d - text),
             "weight = 0.1, delay = 1.5 }\nrecord { A = \"V\" }\n");
    assert_int_equal(phases_c_window(model(text)), 1); /* the state of every step */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_doc_lists_the_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_step, setup, teardown),
        cmocka_unit_test_setup_teardown(test_c_step_static, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cuda_launch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cuda_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cuda_mpi_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cuda_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
