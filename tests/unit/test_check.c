/*
 * test_check.c - unit tests for the semantic checks (compiler/check.c) on IR built by
 * load_model_string: delays in steps (default one step, rounding with a warning, limits),
 * input accumulator slots, code string parsing and resolution errors at their model-file
 * lines, population size limits, connectivity feasibility (fixed_indegree without
 * multapses, one_to_one, synapse counts), reserved names and whole-model errors;
 * per-synapse delays (bytes per delay, warnings and limits), fixed_outdegree and
 * fixed_total feasibility, targets and postsynaptic models (exp_cond's membrane
 * variable, accumulator sharing between projections and Poisson current sources).
 *
 * Every model is named "t.lua" and written one Lua line per C line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snncc.h"

/* ---- helpers ------------------------------------------------------------------------ */

static char g_diags[16384]; /* every diagnostic line, each followed by '\n' */

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

/* Load text (which must load cleanly) and run check_model; *errs gets its result. */
static Model *checked(const char *text, int *errs)
{
    g_diags[0] = '\0';
    diag_reset();
    LoadOptions opt = {0};
    Model *m = load_model_string("t.lua", text, &opt);
    assert_non_null(m);
    assert_string_equal(g_diags, "");
    *errs = check_model(m);
    return m;
}

/* A model that must pass check without any diagnostic. */
static Model *check_ok(const char *text)
{
    int errs;
    Model *m = checked(text, &errs);
    assert_string_equal(g_diags, "");
    assert_int_equal(errs, 0);
    return m;
}

/* A model that must fail check with exactly these diagnostics ('\n'-terminated lines). */
static void check_fails(const char *text, int nerr, const char *diags)
{
    int errs;
    checked(text, &errs);
    assert_string_equal(g_diags, diags);
    assert_int_equal(errs, nerr);
}

static Projection *proj(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, name))
            return m->projs[i];
    fail_msg("no projection '%s'", name);
    return NULL;
}

/* ---- delays -------------------------------------------------------------------------- */

static void test_delay_steps(void **state)
{
    (void)state;
    Model *m = check_ok("network { dt = 0.1 }\n"
                        "local E = population { \"E\", lif, 10 }\n"
                        "projection { E, E, name = \"a\", conn = all_to_all(), weight = 1,\n"
                        "  delay = 1.5 }\n"
                        "projection { E, E, name = \"b\", conn = all_to_all(), weight = 1 }\n"
                        "projection { E, E, name = \"c\", conn = all_to_all(), weight = 1,\n"
                        "  delay = 0.1 }\n"
                        "projection { E, E, name = \"d\", conn = all_to_all(), weight = 1,\n"
                        "  delay = 6553.5 }\n");
    assert_int_equal(proj(m, "a")->delay_steps, 15); /* 1.5 / 0.1 = 15.000000000000002 */
    assert_true(proj(m, "b")->delay == 0.1);         /* default: one step */
    assert_int_equal(proj(m, "b")->delay_steps, 1);
    assert_int_equal(proj(m, "c")->delay_steps, 1);
    assert_int_equal(proj(m, "d")->delay_steps, 65535); /* the longest supported */

    m = check_ok("network { dt = 0.25 }\n"
                 "local E = population { \"E\", lif, 10 }\n"
                 "projection { E, E, conn = all_to_all(), weight = 1 }\n");
    assert_true(m->projs[0]->delay == 0.25);
    assert_int_equal(m->projs[0]->delay_steps, 1);
}

static void test_delay_rounding(void **state)
{
    (void)state;
    int errs;
    Model *m = checked("network { dt = 0.1 }\n"
                       "local E = population { \"E\", lif, 10 }\n"
                       "projection { E, E, conn = all_to_all(), weight = 1, delay = 0.25 }\n",
                       &errs);
    assert_int_equal(errs, 0);
    assert_int_equal(diag_error_count(), 0);
    assert_string_equal(g_diags, "t.lua:3: warning: projection 'E_to_E': delay 0.25 ms is not a "
                                 "multiple of dt = 0.1 ms; rounded to 0.3 ms\n");
    assert_int_equal(m->projs[0]->delay_steps, 3);
}

static void test_delay_errors(void **state)
{
    (void)state;
    check_fails("network { dt = 0.1 }\n"
                "local E = population { \"E\", lif, 10 }\n"
                "projection { E, E, conn = all_to_all(), weight = 1, delay = 0.05 }\n",
                1,
                "t.lua:3: error: projection 'E_to_E': delay 0.05 ms is shorter than one time "
                "step (dt = 0.1 ms)\n");
    check_fails("local E = population { \"E\", lif, 10 }\n"
                "projection { E, E, conn = all_to_all(), weight = 1, delay = 0 }\n",
                1,
                "t.lua:2: error: projection 'E_to_E': delay 0 ms is shorter than one time step "
                "(dt = 0.1 ms)\n");
    check_fails("local E = population { \"E\", lif, 10 }\n"
                "projection { E, E, conn = all_to_all(), weight = 1, delay = 10000 }\n",
                1,
                "t.lua:2: error: projection 'E_to_E': delay 10000 ms is 100000 steps; at most "
                "65535 are supported\n");
    check_fails("local E = population { \"E\", lif, 10 }\n"
                "projection { E, E, conn = all_to_all(), weight = 1, delay = 1e300 }\n",
                1,
                "t.lua:2: error: projection 'E_to_E': delay 1e+300 ms is 1e+301 steps; at "
                "most 65535 are supported\n");
}

/* ---- input slots --------------------------------------------------------------------- */

static void test_input_slots(void **state)
{
    (void)state;
    Model *m = check_ok("local E = population { \"E\", lif, 10 }\n"
                        "local I = population { \"I\", lif, 10 }\n"
                        "projection { E, I, name = \"p0\", conn = all_to_all(), weight = 1 }\n"
                        "projection { I, I, name = \"p1\", conn = all_to_all(), weight = -1 }\n"
                        "projection { E, I, name = \"p2\", conn = all_to_all(), weight = 1,\n"
                        "  psm = exp_curr(5) }\n"
                        "projection { I, I, name = \"p3\", conn = all_to_all(), weight = -1,\n"
                        "  psm = exp_curr { tau = 5 } }\n"
                        "projection { E, I, name = \"p4\", conn = all_to_all(), weight = 1,\n"
                        "  psm = exp_curr(2) }\n"
                        "projection { I, E, name = \"p5\", conn = all_to_all(), weight = 1,\n"
                        "  psm = exp_curr(2) }\n"
                        "projection { E, E, name = \"p6\", conn = all_to_all(), weight = 1,\n"
                        "  psm = delta }\n");
    /* onto I: delta (p0, p1) shares slot 0; exp_curr tau 5 (p2, p3) slot 1; tau 2 slot 2 */
    assert_int_equal(proj(m, "p0")->input_slot, 0);
    assert_int_equal(proj(m, "p1")->input_slot, 0);
    assert_int_equal(proj(m, "p2")->input_slot, 1);
    assert_int_equal(proj(m, "p3")->input_slot, 1);
    assert_int_equal(proj(m, "p4")->input_slot, 2);
    /* onto E: numbered on their own, in order of appearance */
    assert_int_equal(proj(m, "p5")->input_slot, 0);
    assert_int_equal(proj(m, "p6")->input_slot, 1);
}

/* ---- code strings -------------------------------------------------------------------- */

static void test_code_parsed(void **state)
{
    (void)state;
    Model *m = check_ok("local n = neuron {\n"
                        "  name = \"n\",\n"
                        "  params = { tau = 10 },\n"
                        "  vars = { V = 0 },\n"
                        "  sim = \"V -= V * dt / tau;\",\n"
                        "  threshold = \"V > 1\",\n"
                        "  reset = \"V = 0;\",\n"
                        "}\n"
                        "population { \"E\", n, 10 }\n");
    const NeuronModel *n = m->pops[0]->model;
    assert_non_null(n->sim.stmts);
    assert_non_null(n->threshold.expr);
    assert_non_null(n->reset.stmts);
    assert_int_equal(n->threshold.expr->kind, EX_BINARY);
    assert_int_equal(n->threshold.expr->a->sym->kind, SYM_VAR);
    assert_string_equal(n->threshold.expr->a->sym->name, "V");
    /* the standard library's models are checked too */
    for (int i = 0; i < m->n_neurons; i++)
        if (!strcmp(m->neurons[i]->name, "lif")) {
            assert_non_null(m->neurons[i]->sim.stmts);
            assert_non_null(m->neurons[i]->threshold.expr);
        }
}

static void test_code_errors(void **state)
{
    (void)state;
    /* the canonical example: the line of Vm inside a multi-line string */
    check_fails("local n = neuron {\n"
                "  name = \"lif\",\n"
                "  params = { tau = 10 },\n"
                "  vars = { V = 0 },\n"
                "  sim = [[\n"
                "    V += dt;\n"
                "    V -= Vm * dt / tau;\n"
                "  ]],\n"
                "}\n"
                "population { \"E\", n, 10 }\n",
                1,
                "t.lua:7: error: neuron 'lif' sim code: unknown name 'Vm' (did you mean "
                "'V'?)\n");
    /* several errors in several strings, each on its line */
    check_fails("local n = neuron {\n"
                "  name = \"n\",\n"
                "  params = { tau = 10 },\n"
                "  vars = { V = 0 },\n"
                "  sim = [[\n"
                "    tau = 1;\n"
                "    V = exp(V, 1) + sqr(V);\n"
                "  ]],\n"
                "  threshold = \"V > thetta\",\n"
                "  reset = \"V = Vr;\",\n"
                "}\n"
                "population { \"E\", n, 10 }\n",
                5,
                "t.lua:6: error: neuron 'n' sim code: cannot assign to parameter 'tau'\n"
                "t.lua:7: error: neuron 'n' sim code: function 'exp' takes 1 argument (got 2)\n"
                "t.lua:7: error: neuron 'n' sim code: unknown function 'sqr' (did you mean "
                "'sqrt'?)\n"
                "t.lua:9: error: neuron 'n' threshold code: unknown name 'thetta'\n"
                "t.lua:10: error: neuron 'n' reset code: unknown name 'Vr' (did you mean "
                "'V'?)\n");
    /* syntax errors */
    check_fails("local n = neuron {\n"
                "  name = \"n\",\n"
                "  vars = { V = 0 },\n"
                "  sim = [[\n"
                "    V += 1;\n"
                "    V = V +* 2;\n"
                "  ]],\n"
                "  threshold = \"V = 1\",\n"
                "}\n"
                "population { \"E\", n, 10 }\n",
                2,
                "t.lua:6: error: neuron 'n' sim code: expected an expression (got '*')\n"
                "t.lua:8: error: neuron 'n' threshold code: assignment '=' is not allowed "
                "inside an expression (did you mean '=='?)\n");
    /* reset without threshold */
    check_fails("local n = neuron {\n"
                "  name = \"n\",\n"
                "  vars = { V = 0 },\n"
                "  reset = \"V = 0;\",\n"
                "}\n"
                "population { \"E\", n, 10 }\n",
                1,
                "t.lua:4: error: neuron 'n': reset code without threshold code (when would it "
                "run?)\n");
    /* a neuron model that no population uses is checked as well */
    check_fails("local unused = neuron { name = \"u\", sim = \"foo = 1;\" }\n"
                "population { \"E\", lif, 10 }\n",
                1,
                "t.lua:1: error: neuron 'u' sim code: unknown name 'foo'\n");
}

static void test_reserved_names(void **state)
{
    (void)state;
    check_fails("local n = neuron {\n"
                "  name = \"n\",\n"
                "  params = { dt = 1, snn_x = 2, a = 3 },\n"
                "  vars = { int = 0, Isyn = 0, a = 0 },\n"
                "  sim = \"V = 1;\",\n"
                "}\n"
                "population { \"E\", n, 10 }\n",
                5,
                "t.lua:1: error: neuron 'n': parameter name 'dt' is reserved\n"
                "t.lua:1: error: neuron 'n': parameter name 'snn_x' is reserved\n"
                "t.lua:1: error: neuron 'n': variable name 'Isyn' is reserved\n"
                "t.lua:1: error: neuron 'n': 'a' is both a parameter and a variable\n"
                "t.lua:1: error: neuron 'n': variable name 'int' is reserved\n");
}

/* ---- populations ----------------------------------------------------------------------- */

static void test_sizes(void **state)
{
    (void)state;
    check_fails("population { \"E\", lif, 0 }\n"
                "population { \"I\", lif, 1e10 }\n"
                "population { \"J\", lif, 4294967295 }\n",
                3,
                "t.lua:1: error: population 'E': size must be at least 1 (got 0)\n"
                "t.lua:2: error: population 'I': size 10000000000 exceeds the limit of "
                "4294967294 neurons per population\n"
                "t.lua:3: error: population 'J': size 4294967295 exceeds the limit of "
                "4294967294 neurons per population\n");
    Model *m = check_ok("population { \"E\", lif, 4294967294 }\n");
    assert_int_equal(m->pops[0]->n, 4294967294LL);
    /* projections are not checked once populations are broken */
    check_fails("local E = population { \"E\", lif, 0 }\n"
                "projection { E, E, conn = all_to_all(), weight = 1, delay = 0.01 }\n",
                1, "t.lua:1: error: population 'E': size must be at least 1 (got 0)\n");
}

static void test_model_errors(void **state)
{
    (void)state;
    check_fails("network { name = \"empty\" }\n", 1,
                "t.lua: error: the model defines no population (add population { \"name\", "
                "model, size })\n");
    check_fails("network { dt = 2000 }\n"
                "population { \"E\", lif, 1 }\n",
                1, "t.lua:1: error: network: dt = 2000 ms is implausibly large\n");
    check_fails("for i = 1, 257 do population { \"P\" .. i, lif, 1 } end\n", 1,
                "t.lua:1: error: too many populations (at most 256)\n");
    Model *m = check_ok("for i = 1, 256 do population { \"P\" .. i, lif, 1 } end\n");
    assert_int_equal(m->n_pops, 256);
    check_fails("local E = population { \"E\", lif, 1 }\n"
                "for i = 1, 257 do\n"
                "  projection { E, E, name = \"p\" .. i, conn = one_to_one(), weight = 1 }\n"
                "end\n",
                1, "t.lua:3: error: too many projections (at most 256)\n");
}

/* ---- connectivity ---------------------------------------------------------------------- */

static void test_fixed_indegree(void **state)
{
    (void)state;
    /* without multapses: k distinct sources must exist */
    check_fails("local E = population { \"E\", lif, 100 }\n"
                "local I = population { \"I\", lif, 25 }\n"
                "projection { I, E,\n"
                "  conn = fixed_indegree(26, { multapses = false }), weight = 1 }\n",
                1,
                "t.lua:4: error: projection 'I_to_E': fixed_indegree(26) without multapses "
                "needs at least 26 distinct sources, but 'I' offers 25\n");
    check_ok("local E = population { \"E\", lif, 100 }\n"
             "local I = population { \"I\", lif, 25 }\n"
             "projection { I, E, conn = fixed_indegree(25, { multapses = false }), weight = 1 }\n");
    /* within one population without autapses, one source fewer */
    check_fails("local I = population { \"I\", lif, 25 }\n"
                "projection { I, I,\n"
                "  conn = fixed_indegree(25, { multapses = false, autapses = false }),\n"
                "  weight = 1 }\n",
                1,
                "t.lua:3: error: projection 'I_to_I': fixed_indegree(25) without multapses "
                "needs at least 25 distinct sources, but 'I' offers 24\n");
    check_ok("local I = population { \"I\", lif, 25 }\n"
             "projection { I, I, conn = fixed_indegree(25, { multapses = false }), weight = 1 }\n");
    /* with multapses (the default) any k up to the limit */
    check_ok("local I = population { \"I\", lif, 25 }\n"
             "projection { I, I, conn = fixed_indegree(1000), weight = 1 }\n");
    check_fails("local I = population { \"I\", lif, 25 }\n"
                "projection { I, I, conn = fixed_indegree(5e9), weight = 1 }\n",
                1, "t.lua:2: error: projection 'I_to_I': in-degree 5000000000 is too large\n");
}

static void test_conn_errors(void **state)
{
    (void)state;
    check_fails("local E = population { \"E\", lif, 100 }\n"
                "local I = population { \"I\", lif, 25 }\n"
                "projection { E, I,\n"
                "  conn = one_to_one(), weight = 1 }\n",
                1,
                "t.lua:4: error: projection 'E_to_I': one_to_one needs populations of the same "
                "size ('E' has 100, 'I' has 25)\n");
    check_ok("local E = population { \"E\", lif, 100 }\n"
             "local F = population { \"F\", lif, 100 }\n"
             "projection { E, F, conn = one_to_one(), weight = 1 }\n");
    /* 4e9 x 4e9 pairs: more synapses than one projection can hold */
    check_fails("local A = population { \"A\", lif, 4e9 }\n"
                "local B = population { \"B\", lif, 4e9 }\n"
                "projection { A, B, conn = all_to_all(), weight = 1 }\n"
                "projection { A, B, name = \"sparse\", conn = fixed_probability(1e-5),\n"
                "  weight = 1 }\n",
                1,
                "t.lua:3: error: projection 'A_to_B': all_to_all gives 1.6e+19 synapses, more "
                "than the 2.81e+14 that one projection can hold\n");
    /* 1e6 x 1e6 is allowed by the compiler (the simulator checks the machine's memory) */
    check_ok("local A = population { \"A\", lif, 1e6 }\n"
             "local B = population { \"B\", lif, 1e6 }\n"
             "projection { A, B, conn = all_to_all(), weight = 1 }\n");
}


/* ---- per-synapse delays ---------------------------------------------------------------- */

static void test_het_delays(void **state)
{
    (void)state;
    Model *m = check_ok("network { dt = 0.1 }\n"
                        "local E = population { \"E\", lif, 10 }\n"
                        "local function p(name, d)\n"
                        "  projection { E, E, name = name, conn = all_to_all(), weight = 1, delay = d }\n"
                        "end\n"
                        "p(\"u\", uniform(0.5, 3.0))\n"
                        "p(\"w\", uniform(0.5, 30.0))\n"
                        "p(\"c1\", normal_clipped(1.5, 0.75, 0.1, 25.5))\n"
                        "p(\"c2\", normal_clipped(1.5, 0.75, 0.1, 25.6))\n"
                        "p(\"c3\", normal_clipped(1.5, 0.75, 0.1))\n"
                        "p(\"long\", uniform(1.0, 6553.5))\n"
                        "p(\"h\", 1.5)\n");
    /* a delay initialiser: one delay per synapse, the spike queue hands spikes over after
     * one step and the dendritic ring does the rest */
    static const char *const het[] = {"u", "w", "c1", "c2", "c3", "long"};
    static const int bytes[] = {1, 2, 1, 2, 2, 2}; /* 30, 300, 255, 256, unbounded, 65535 */
    for (int i = 0; i < 6; i++) {
        Projection *pj = proj(m, het[i]);
        assert_true(pj->het_delay);
        assert_int_equal(pj->delay_steps, 1);
        assert_int_equal(pj->delay_bytes, bytes[i]);
    }
    assert_int_equal(proj(m, "u")->delay_init.kind, INIT_UNIFORM);
    assert_int_equal(proj(m, "c1")->delay_init.kind, INIT_NORMAL_CLIPPED);
    assert_true(proj(m, "c1")->delay_init.lo == 0.1 && proj(m, "c1")->delay_init.hi == 25.5);
    assert_false(proj(m, "h")->het_delay);
    assert_int_equal(proj(m, "h")->delay_steps, 15);

    /* a lower bound below dt (or none): a warning, the delays are stored as one step */
    int errs;
    checked("network { dt = 0.1 }\n"
            "local E = population { \"E\", lif, 10 }\n"
            "projection { E, E, conn = all_to_all(), weight = 1,\n"
            "  delay = normal_clipped(1.5, 0.75, 0.05) }\n"
            "projection { E, E, name = \"x\", conn = all_to_all(), weight = 1,\n"
            "  delay = exponential(2.0) }\n",
            &errs);
    assert_int_equal(errs, 0);
    assert_string_equal(g_diags,
                        "t.lua:4: warning: projection 'E_to_E': delays below dt = 0.1 ms are "
                        "possible; they are stored as one step (use normal_clipped(mean, sd, "
                        "0.1) to redraw)\n"
                        "t.lua:6: warning: projection 'x': delays below dt = 0.1 ms are "
                        "possible; they are stored as one step (use normal_clipped(mean, sd, "
                        "0.1) to redraw)\n");
    /* an upper bound beyond 65535 steps */
    check_fails("network { dt = 0.1 }\n"
                "local E = population { \"E\", lif, 10 }\n"
                "projection { E, E, conn = all_to_all(), weight = 1,\n"
                "  delay = uniform(1.0, 6553.7) }\n",
                1,
                "t.lua:4: error: projection 'E_to_E': delays up to 6553.7 ms are 65537 steps; "
                "at most 65535 are supported\n");
}

/* ---- fixed_outdegree and fixed_total --------------------------------------------------- */

static void test_outdegree_total(void **state)
{
    (void)state;
    check_ok("local E = population { \"E\", lif, 100 }\n"
             "local I = population { \"I\", lif, 25 }\n"
             "projection { E, I, name = \"a\", conn = fixed_outdegree(25, { multapses = false }),\n"
             "  weight = 1 }\n"
             "projection { E, I, name = \"b\", conn = fixed_outdegree(1000), weight = 1 }\n"
             "projection { I, I, name = \"c\", conn = fixed_total(625, { multapses = false }),\n"
             "  weight = 1 }\n"
             "projection { I, I, name = \"d\",\n"
             "  conn = fixed_total(600, { multapses = false, autapses = false }), weight = 1 }\n"
             "projection { I, I, name = \"e\", conn = fixed_total(100000), weight = 1 }\n"
             "projection { I, I, name = \"f\", conn = fixed_total(0, { multapses = false }),\n"
             "  weight = 1 }\n");
    check_fails("local E = population { \"E\", lif, 100 }\n"
                "local I = population { \"I\", lif, 25 }\n"
                "projection { E, I, name = \"a\", conn = fixed_outdegree(26, { multapses = false }),\n"
                "  weight = 1 }\n"
                "projection { I, I, name = \"b\",\n"
                "  conn = fixed_outdegree(25, { multapses = false, autapses = false }),\n"
                "  weight = 1 }\n"
                "projection { I, I, name = \"c\", conn = fixed_total(626, { multapses = false }),\n"
                "  weight = 1 }\n"
                "projection { I, I, name = \"d\",\n"
                "  conn = fixed_total(601, { multapses = false, autapses = false }), weight = 1 }\n",
                4,
                "t.lua:3: error: projection 'a': fixed_outdegree(26) without multapses needs at "
                "least 26 distinct targets, but 'I' offers 25\n"
                "t.lua:6: error: projection 'b': fixed_outdegree(25) without multapses needs at "
                "least 25 distinct targets, but 'I' offers 24\n"
                "t.lua:8: error: projection 'c': fixed_total(626) without multapses needs that "
                "many distinct pairs, but there are 625\n"
                "t.lua:11: error: projection 'd': fixed_total(601) without multapses needs "
                "that many distinct pairs, but there are 600\n");
    /* one neuron without autapses: nobody to connect to, whatever the multapses */
    check_fails("local P = population { \"P\", lif, 1 }\n"
                "projection { P, P, name = \"a\", conn = fixed_outdegree(1, { autapses = false }),\n"
                "  weight = 1 }\n"
                "projection { P, P, name = \"b\", conn = fixed_total(3, { autapses = false }),\n"
                "  weight = 1 }\n",
                2,
                "t.lua:2: error: projection 'a': fixed_outdegree(1) has no possible target\n"
                "t.lua:4: error: projection 'b': fixed_total(3) has no possible pair\n");
    /* more synapses than one projection can hold */
    check_fails("local A = population { \"A\", lif, 4e9 }\n"
                "projection { A, A, conn = fixed_outdegree(100000), weight = 1 }\n",
                1,
                "t.lua:2: error: projection 'A_to_A': fixed_outdegree gives 4e+14 synapses, "
                "more than the 2.81e+14 that one projection can hold\n");
}

/* ---- postsynaptic models, targets and current sources -------------------------------- */

static void test_psm_checks(void **state)
{
    (void)state;
    check_fails("local m = neuron { name = \"m\", vars = { v = 0, ge = 0 } }\n"
                "local E = population { \"E\", lif, 10 }\n"
                "local P = population { \"P\", m, 10 }\n"
                "projection { E, E, name = \"a\", conn = all_to_all(), weight = 1, target = \"ge\" }\n"
                "projection { E, E, name = \"b\", conn = all_to_all(), weight = 1, target = \"C\" }\n"
                "projection { E, P, name = \"c\", conn = all_to_all(), weight = 1, target = \"gee\" }\n"
                "projection { E, P, name = \"d\", conn = all_to_all(), weight = 1,\n"
                "  psm = exp_cond { tau = 5, E = 0 } }\n"
                "current_source { E, poisson_input { rate = 10, weight = 1 }, target = \"ge\" }\n",
                5,
                "t.lua:4: error: projection 'a': target 'ge' is not a variable of neuron 'lif'\n"
                "t.lua:5: error: projection 'b': target 'C' is not a variable of neuron 'lif'\n"
                "t.lua:6: error: projection 'c': target 'gee' is not a variable of neuron 'm' "
                "(did you mean 'ge'?)\n"
                "t.lua:7: error: projection 'd': exp_cond needs the membrane variable 'V' of "
                "the target, but neuron 'm' has no such variable (set exp_cond{ V = ... })\n"
                "t.lua:9: error: current_source 'E_poisson_input': target 'ge' is not a "
                "variable of neuron 'lif'\n");
    check_ok("local m = neuron { name = \"m\", vars = { v = 0, ge = 0 } }\n"
             "local E = population { \"E\", lif, 10 }\n"
             "local P = population { \"P\", m, 10 }\n"
             "projection { E, P, name = \"a\", conn = all_to_all(), weight = 1, target = \"ge\" }\n"
             "projection { E, P, name = \"b\", conn = all_to_all(), weight = 1,\n"
             "  psm = exp_cond { tau = 5, E = 0, V = \"v\" } }\n"
             "current_source { P, poisson_input { rate = 10, weight = 1 }, target = \"ge\" }\n");
    check_fails("local E = population { \"E\", lif, 10 }\n"
                "current_source { E, poisson_input { rate = 1e13, weight = 1 } }\n",
                1,
                "t.lua:2: error: current_source 'E_poisson_input': rate 1e+13 Hz gives 1e+09 "
                "spikes per step\n");
}

static CurrentSource *source(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_sources; i++)
        if (!strcmp(m->sources[i]->name, name))
            return m->sources[i];
    fail_msg("no current source '%s'", name);
    return NULL;
}

static void test_psm_slots(void **state)
{
    (void)state;
    Model *m = check_ok("local E = population { \"E\", lif, 10 }\n"
                        "local function p(name, psm, target)\n"
                        "  projection { E, E, name = name, conn = all_to_all(), weight = 1,\n"
                        "               psm = psm, target = target }\n"
                        "end\n"
                        "p(\"p0\", delta)\n"
                        "p(\"p1\", exp_cond { tau = 5, E = 0 })\n"
                        "p(\"p2\", exp_cond { tau = 5, E = -80 })\n"
                        "p(\"p3\", exp_cond { tau = 5, E = 0 })\n"
                        "p(\"p4\", alpha_curr(0.5))\n"
                        "p(\"p5\", nil, \"V\")\n"
                        "p(\"p6\", nil, \"refrac\")\n"
                        "p(\"p7\", delta, \"V\")\n"
                        "p(\"p8\", exp_curr(0.5))\n"
                        "p(\"p9\", alpha_curr { tau = 0.5 })\n"
                        "p(\"p10\", exp_cond { tau = 2, E = 0 })\n"
                        "current_source { E, poisson_input { rate = 8, weight = 1 },\n"
                        "  psm = exp_cond { tau = 5, E = 0 }, name = \"s1\" }\n"
                        "current_source { E, poisson_input { rate = 8, weight = 1 }, name = \"s2\" }\n"
                        "current_source { E, poisson_input { rate = 8, weight = 1 },\n"
                        "  psm = exp_curr(3), name = \"s3\" }\n"
                        "current_source { E, dc { amp = 1 }, name = \"s4\" }\n"
                        "current_source { E, poisson_input { rate = 8, weight = 1 },\n"
                        "  target = \"refrac\", name = \"s5\" }\n");
    /* same kind and parameters (and target): one accumulator; anything else: a new one */
    static const char *const names[] = {"p0", "p1", "p2", "p3", "p4", "p5",
                                        "p6", "p7", "p8", "p9", "p10"};
    static const int slots[] = {0, 1, 2, 1, 3, 4, 5, 4, 6, 3, 7};
    for (int i = 0; i < 11; i++)
        assert_int_equal(proj(m, names[i])->input_slot, slots[i]);
    assert_int_equal(source(m, "s1")->input_slot, 1); /* shares p1's */
    assert_int_equal(source(m, "s2")->input_slot, 0); /* delta, like p0 */
    assert_int_equal(source(m, "s3")->input_slot, 8); /* a tau of its own */
    assert_int_equal(source(m, "s4")->input_slot, -1); /* dc adds to Isyn directly */
    assert_int_equal(source(m, "s5")->input_slot, 5); /* into refrac, like p6 */
}

/* A model without threshold never spikes: a warning (not an error) when its population
 * is a projection's source or records spikes; none for an analog unit only read. */
static void test_silent_sources(void **state)
{
    (void)state;
    int errs;
    checked("network { dt = 0.1 }\n"
            "local a = neuron { name = \"a\", vars = { V = 0.0 }, sim = \"V += dt;\" }\n"
            "local A = population { \"A\", a, 10 }\n"
            "local E = population { \"E\", lif, 10 }\n"
            "projection { A, E, conn = all_to_all(), weight = 1, delay = 0.1 }\n"
            "local B = population { \"B\", a, 10, record = \"spikes\" }\n"
            "local C = population { \"C\", a, 10 }\n"
            "record { C = \"V\" }\n",
            &errs);
    assert_int_equal(errs, 0);
    assert_int_equal(diag_error_count(), 0);
    assert_string_equal(g_diags,
                        "t.lua:3: warning: population 'A': neuron 'a' has state variables but "
                        "no threshold, so it never spikes, but it is the source of projection "
                        "'A_to_E' (t.lua:5), which will deliver nothing (add threshold = "
                        "\"...\")\n"
                        "t.lua:6: warning: population 'B': neuron 'a' has state variables but "
                        "no threshold, so it never spikes, but its spikes are recorded (add "
                        "threshold = \"...\")\n");
    check_ok("network { dt = 0.1 }\n"
             "local a = neuron { name = \"a\", vars = { V = 0.0 }, sim = \"V += dt;\" }\n"
             "local A = population { \"A\", a, 10 }\n"
             "local E = population { \"E\", lif, 10 }\n"
             "projection { E, A, conn = all_to_all(), weight = 1, delay = 0.1, target = \"V\" }\n");
}

/* Messages shorten long quoted echoes (names, strings) and cut very long lines. */
static void test_diag_shorten(void **state)
{
    (void)state;
    StrBuf sb;
    sb_init(&sb);
    const char *s = "population 'E': it's fine";
    assert_ptr_equal(diag_shorten(s, &sb), s);
    char name[200];
    memset(name, 'x', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    char *msg = arena_printf("unknown population '%s' (see \"%s\")", name, "short");
    assert_string_equal(diag_shorten(msg, &sb),
                        "unknown population 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                        "xxxxxxxxxx...' (see \"short\")");
    char *big = arena_alloc(10001);
    memset(big, 'y', 10000);
    big[10000] = '\0';
    assert_true(strlen(diag_shorten(big, &sb)) < 4200);
    assert_non_null(strstr(diag_shorten(big, &sb), " ... (5904 more bytes)"));
    sb_release(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_delay_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delay_rounding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delay_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_parsed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_model_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fixed_indegree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_het_delays, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outdegree_total, setup, teardown),
        cmocka_unit_test_setup_teardown(test_psm_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_psm_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silent_sources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diag_shorten, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
