/*
 * test_lua_host.c - unit tests for the front end (compiler/lua_host.c, compiler/lua_api.c):
 * the IR that a small model builds (names, sizes, sorted parameters, initialisers,
 * connectivity rules and their defaults, postsynaptic models, delays, record flags, a
 * neuron model call lif{...}, param() with -D defines), the sandbox (what a model file can
 * and cannot reach), the instruction and memory limits, and the exact text and line of
 * the diagnostics; the IR and the errors of the newer constructs (normal_clipped,
 * lognormal, exponential, fixed_outdegree, fixed_total, exp_cond, alpha_curr, targets,
 * current sources, state recording).
 *
 * Every model is named "t.lua"; line numbers in the expected messages are the lines of
 * the model texts below, which are written one Lua line per C line.
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

/* Load a model with the default options (and a clean diagnostics state). */
static Model *load(const char *text)
{
    g_diags[0] = '\0';
    diag_reset();
    LoadOptions opt = {0};
    return load_model_string("t.lua", text, &opt);
}

/* Load a model that must fail; returns the diagnostics. */
static const char *load_fails(const char *text, const LoadOptions *opt)
{
    g_diags[0] = '\0';
    diag_reset();
    LoadOptions defaults = {0};
    Model *m = load_model_string("t.lua", text, opt ? opt : &defaults);
    assert_null(m);
    assert_true(diag_error_count() > 0);
    return g_diags;
}

/* Load text that must fail with exactly this one diagnostic line (without its '\n'). */
static void expect_error(const char *text, const char *diag)
{
    const char *got = load_fails(text, NULL);
    char want[2048];
    snprintf(want, sizeof want, "%s\n", diag);
    assert_string_equal(got, want);
}

static Population *pop(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_pops; i++)
        if (!strcmp(m->pops[i]->name, name))
            return m->pops[i];
    fail_msg("no population '%s'", name);
    return NULL;
}

static Projection *proj(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, name))
            return m->projs[i];
    fail_msg("no projection '%s'", name);
    return NULL;
}

static NeuronModel *neuron_named(const Model *m, const char *name)
{
    for (int i = 0; i < m->n_neurons; i++)
        if (!strcmp(m->neurons[i]->name, name))
            return m->neurons[i];
    fail_msg("no neuron model '%s'", name);
    return NULL;
}

/* ---- the IR of a small model --------------------------------------------------------- */

static const char SMALL[] =
    "network { name = \"net\", dt = 0.05, seed = 42, precision = \"double\" }\n" /* 1 */
    "local n = neuron {\n"                                                       /* 2 */
    "  name = \"n\",\n"                                                          /* 3 */
    "  params = { tau = 10.0, a = 1.0, b = 2.0 },\n"                             /* 4 */
    "  vars = { W = 3.0, V = uniform(0.0, 1.0) },\n"                             /* 5 */
    "  sim = [[\n"                                                               /* 6 */
    "    V += a * dt / tau;\n"                                                   /* 7 */
    "  ]],\n"                                                                    /* 8 */
    "  threshold = \"V > b\",\n"                                                 /* 9 */
    "  reset = \"V = 0.0;\",\n"                                                  /* 10 */
    "}\n"                                                                        /* 11 */
    "local E = population { \"E\", n, 100, params = { a = 5.0 },\n"              /* 12 */
    "  init = { W = normal(1.0, 0.5) }, record = \"spikes\" }\n"                 /* 13 */
    "local I = population { \"I\", lif { tau_m = 20.0 }, 25 }\n"                 /* 14 */
    "projection { E, I, conn = fixed_probability(0.2), weight = 0.5, delay = 1.5 }\n" /* 15 */
    "projection { I, E, name = \"inh\",\n"                                       /* 16 */
    "  conn = fixed_indegree(10, { multapses = false, autapses = false }),\n"   /* 17 */
    "  weight = uniform(-1.0, -0.5), psm = exp_curr { tau = 5.0 } }\n"          /* 18 */
    "projection { E, E, conn = all_to_all { autapses = false }, weight = -0.1,\n" /* 19 */
    "  psm = exp_curr(2.0) }\n"                                                  /* 20 */
    "projection { I, I, conn = one_to_one(), weight = 1.0, psm = delta }\n"     /* 21 */
    "projection { pre = \"E\", post = \"I\", name = \"fi\", conn = fixed_indegree(5),\n" /* 22 */
    "  weight = 1.0 }\n"                                                         /* 23 */
    "record { I = \"spikes\" }\n"                                                /* 24 */
    "assert(E.size == 100 and E.name == \"E\" and I.size == 25)\n";             /* 25 */

static void test_network(void **state)
{
    (void)state;
    Model *m = load(SMALL);
    assert_non_null(m);
    assert_string_equal(g_diags, "");
    assert_string_equal(m->name, "net");
    assert_string_equal(m->file, "t.lua");
    assert_true(m->has_network);
    assert_int_equal(m->loc.line, 1);
    assert_true(m->dt == 0.05);
    assert_int_equal(m->seed, 42);
    assert_int_equal(m->precision, PREC_DOUBLE);
    /* the standard library's lif, poisson, alif, izhikevich, adex, lif_alpha, eprop_lif,
     * eprop_alif, eprop_readout, then n; lif{...} makes an unlisted copy */
    assert_int_equal(m->n_neurons, 10);
    assert_string_equal(m->neurons[0]->name, "lif");
    assert_string_equal(m->neurons[0]->loc.file, "<stdlib>");
    assert_string_equal(m->neurons[1]->name, "poisson");
    assert_string_equal(m->neurons[2]->name, "alif");
    assert_string_equal(m->neurons[3]->name, "izhikevich");
    assert_string_equal(m->neurons[4]->name, "adex");
    assert_string_equal(m->neurons[5]->name, "lif_alpha");
    assert_string_equal(m->neurons[6]->name, "eprop_lif");
    assert_string_equal(m->neurons[7]->name, "eprop_alif");
    assert_string_equal(m->neurons[8]->name, "eprop_readout");
    assert_string_equal(m->neurons[9]->name, "n");
    assert_int_equal(m->n_pops, 2);
    assert_int_equal(m->n_projs, 5);
}

static void test_neuron(void **state)
{
    (void)state;
    Model *m = load(SMALL);
    assert_non_null(m);
    NeuronModel *n = neuron_named(m, "n");
    assert_int_equal(n->loc.line, 2);
    /* parameters and variables sorted by name, whatever the table order */
    assert_int_equal(n->n_params, 3);
    assert_string_equal(n->params[0].name, "a");
    assert_string_equal(n->params[1].name, "b");
    assert_string_equal(n->params[2].name, "tau");
    assert_true(n->params[0].value == 1.0);
    assert_true(n->params[1].value == 2.0);
    assert_true(n->params[2].value == 10.0);
    assert_int_equal(n->n_vars, 2);
    assert_string_equal(n->vars[0].name, "V");
    assert_int_equal(n->vars[0].init.kind, INIT_UNIFORM);
    assert_true(n->vars[0].init.a == 0.0 && n->vars[0].init.b == 1.0);
    assert_string_equal(n->vars[1].name, "W");
    assert_int_equal(n->vars[1].init.kind, INIT_CONSTANT);
    assert_true(n->vars[1].init.a == 3.0);
    /* code strings: text as written, located on the line where their code starts */
    assert_string_equal(n->sim.text, "    V += a * dt / tau;\n  ");
    assert_string_equal(n->sim.loc.file, "t.lua");
    assert_int_equal(n->sim.loc.line, 7);
    assert_string_equal(n->threshold.text, "V > b");
    assert_int_equal(n->threshold.loc.line, 9);
    assert_string_equal(n->reset.text, "V = 0.0;");
    assert_int_equal(n->reset.loc.line, 10);
    assert_null(n->sim.stmts); /* parsed by check, not by the loader */
}

static void test_populations(void **state)
{
    (void)state;
    Model *m = load(SMALL);
    assert_non_null(m);
    Population *E = pop(m, "E"), *I = pop(m, "I");
    assert_int_equal(E->index, 0);
    assert_int_equal(I->index, 1);
    assert_int_equal(E->n, 100);
    assert_int_equal(I->n, 25);
    assert_int_equal(E->loc.line, 12);
    assert_int_equal(I->loc.line, 14);
    assert_string_equal(E->model->name, "n");
    /* params in model order (a, b, tau); the override changes only this population */
    assert_true(E->params[0] == 5.0 && E->params[1] == 2.0 && E->params[2] == 10.0);
    assert_true(E->model->params[0].value == 1.0);
    /* inits in model order (V, W): the default for V, the override for W */
    assert_int_equal(E->inits[0].kind, INIT_UNIFORM);
    assert_int_equal(E->inits[1].kind, INIT_NORMAL);
    assert_true(E->inits[1].a == 1.0 && E->inits[1].b == 0.5);
    assert_int_equal(E->inits[1].loc.line, 13);
    assert_true(E->record_spikes); /* record = "spikes" */
    assert_true(I->record_spikes); /* record { I = "spikes" } */

    /* lif { tau_m = 20 }: a copy of lif with another default, the original unchanged */
    const NeuronModel *lif2 = I->model;
    const NeuronModel *lif = neuron_named(m, "lif");
    assert_ptr_not_equal(lif2, lif);
    assert_string_equal(lif2->name, "lif");
    static const char *const names[] = {"C", "E_L", "I_e", "V_reset", "V_th", "t_ref",
                                        "tau_m"};
    static const double defaults[] = {250.0, -70.0, 0.0, -70.0, -55.0, 2.0, 10.0};
    assert_int_equal(lif2->n_params, 7);
    for (int i = 0; i < 7; i++) {
        assert_string_equal(lif2->params[i].name, names[i]);
        assert_true(lif->params[i].value == defaults[i]);
        assert_true(lif2->params[i].value == (i == 6 ? 20.0 : defaults[i]));
        assert_true(I->params[i] == lif2->params[i].value);
    }
    assert_int_equal(lif2->n_vars, 2);
    assert_string_equal(lif2->vars[0].name, "V");
    assert_string_equal(lif2->vars[1].name, "refrac");
    assert_true(I->inits[0].kind == INIT_CONSTANT && I->inits[0].a == -70.0);
}

static void test_projections(void **state)
{
    (void)state;
    Model *m = load(SMALL);
    assert_non_null(m);
    Population *E = pop(m, "E"), *I = pop(m, "I");

    Projection *p = proj(m, "E_to_I"); /* default name: pre_to_post */
    assert_int_equal(p->index, 0);
    assert_ptr_equal(p->pre, E);
    assert_ptr_equal(p->post, I);
    assert_int_equal(p->loc.line, 15);
    assert_int_equal(p->conn.kind, CONN_FIXED_PROBABILITY);
    assert_true(p->conn.p == 0.2);
    assert_true(p->conn.autapses);
    assert_false(p->conn.multapses);
    assert_int_equal(p->conn.loc.line, 15);
    assert_int_equal(p->weight.kind, INIT_CONSTANT);
    assert_true(p->weight.a == 0.5);
    assert_true(p->delay == 1.5);
    assert_int_equal(p->psm.kind, PSM_DELTA); /* the default */

    p = proj(m, "inh");
    assert_ptr_equal(p->pre, I);
    assert_ptr_equal(p->post, E);
    assert_int_equal(p->loc.line, 16);
    assert_int_equal(p->conn.kind, CONN_FIXED_INDEGREE);
    assert_int_equal(p->conn.k, 10);
    assert_false(p->conn.autapses);
    assert_false(p->conn.multapses);
    assert_int_equal(p->conn.loc.line, 17);
    assert_int_equal(p->weight.kind, INIT_UNIFORM);
    assert_true(p->weight.a == -1.0 && p->weight.b == -0.5);
    assert_true(p->delay == -1.0); /* not given: check.c makes it one step */
    assert_int_equal(p->psm.kind, PSM_EXP_CURR);
    assert_true(p->psm.tau == 5.0);
    assert_int_equal(p->psm.loc.line, 16); /* the projection that uses it */

    p = proj(m, "E_to_E");
    assert_int_equal(p->conn.kind, CONN_ALL_TO_ALL);
    assert_false(p->conn.autapses);
    assert_false(p->conn.multapses);
    assert_true(p->weight.a == -0.1);
    assert_int_equal(p->psm.kind, PSM_EXP_CURR);
    assert_true(p->psm.tau == 2.0);

    p = proj(m, "I_to_I");
    assert_int_equal(p->conn.kind, CONN_ONE_TO_ONE);
    assert_true(p->conn.autapses);
    assert_false(p->conn.multapses);
    assert_int_equal(p->psm.kind, PSM_DELTA);

    p = proj(m, "fi"); /* populations by name; fixed_indegree defaults */
    assert_ptr_equal(p->pre, E);
    assert_ptr_equal(p->post, I);
    assert_int_equal(p->conn.k, 5);
    assert_true(p->conn.autapses);
    assert_true(p->conn.multapses);
}

static void test_defaults(void **state)
{
    (void)state;
    LoadOptions opt = {0};
    Model *m = load_model_string("models/some.model.lua", "population { \"E\", lif, 1 }\n",
                                 &opt);
    assert_non_null(m);
    assert_string_equal(m->name, "some.model"); /* the file stem */
    assert_false(m->has_network);
    assert_int_equal(m->loc.line, 0);
    assert_true(m->dt == 0.1);
    assert_int_equal(m->seed, 1234);
    assert_int_equal(m->precision, PREC_FLOAT);
    assert_false(m->pops[0]->record_spikes);
    assert_string_equal(g_diags, "");
    /* no options at all */
    m = load_model_string("x.lua", "population { \"E\", lif, 1 }\n", NULL);
    assert_non_null(m);
    assert_string_equal(m->name, "x");
}

static void test_param_defines(void **state)
{
    (void)state;
    static const char *const defs[] = {"scale=2.5", "unused=1"};
    LoadOptions opt = {.defines = defs, .n_defines = 2};
    Model *m = load_model_string("t.lua",
                                 "local s = param(\"scale\", 1.0)\n"
                                 "local k = param(\"k\", 4)\n"
                                 "population { \"E\", lif, s * 10 }\n"
                                 "population { \"I\", lif, k }\n",
                                 &opt);
    assert_non_null(m);
    assert_int_equal(pop(m, "E")->n, 25);
    assert_int_equal(pop(m, "I")->n, 4);
    assert_string_equal(g_diags,
                        "t.lua: warning: -D unused=1: the model has no param() of that name\n");

    static const char *const bad[] = {"scale=2x"};
    opt = (LoadOptions){.defines = bad, .n_defines = 1};
    const char *d = load_fails("\n"
                               "local s = param(\"scale\", 1.0)\n",
                               &opt);
    assert_string_equal(d, "t.lua:2: error: param: -D scale: '2x' is not a number\n");
    expect_error("local n = param(\"N\")\n",
                 "t.lua:1: error: param: 'N' has no default and is not set (pass -D N=VALUE)");
    expect_error("local n = param(\"N\", \"ten\")\n",
                 "t.lua:1: error: param: argument 'default' must be a number (got string)");
}

/* ---- the sandbox --------------------------------------------------------------------- */

static void test_sandbox_unavailable(void **state)
{
    (void)state;
    static const char *const names[] = {"io", "os", "require", "load", "dofile", "debug",
                                        "package", "loadfile", "collectgarbage", "coroutine",
                                        "_G"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char text[128], want[256];
        snprintf(text, sizeof text, "-- line 1\nlocal x = %s\n", names[i]);
        snprintf(want, sizeof want,
                 "t.lua:2: error: unknown name '%s' (model files run in a sandbox without "
                 "files, the OS and module loading)\n", names[i]);
        assert_string_equal(load_fails(text, NULL), want);
    }
    /* calls: the name is looked up before the call */
    expect_error("os.exit(0)\n", "t.lua:1: error: unknown name 'os' (model files run in a "
                                 "sandbox without files, the OS and module loading)");
    expect_error("local f = io.open(\"/etc/passwd\")\n",
                 "t.lua:1: error: unknown name 'io' (model files run in a sandbox without "
                 "files, the OS and module loading)");
    /* rawget does not get around it either: the environment simply has no such field */
    Model *m = load("assert(rawget(string, \"dump\") ~= nil)\n"
                    "assert(rawget(getmetatable(\"\").__index, \"rep\") == string.rep)\n"
                    "population { \"E\", lif, 1 }\n");
    assert_non_null(m);
}

static void test_sandbox_available(void **state)
{
    (void)state;
    Model *m = load("assert(string.format(\"%d-%s\", 7, \"x\") == \"7-x\")\n"
                    "assert(math.floor(2.7) == 2 and math.pi > 3.14 and math.sqrt(16) == 4)\n"
                    "local t = { 3, 1, 2 }\n"
                    "table.sort(t)\n"
                    "assert(table.concat(t, \",\") == \"1,2,3\")\n"
                    "assert((\"ab\"):rep(2) == \"abab\" and #utf8.char(228) == 2)\n"
                    "assert(select(\"#\", 1, 2) == 2 and tostring(1.5) == \"1.5\")\n"
                    "local ok, err = pcall(error, \"oops\", 0)\n"
                    "assert(not ok and err == \"oops\")\n"
                    "local ok2, a, b = pcall(function(x) return x, x + 1 end, 1)\n"
                    "assert(ok2 and a == 1 and b == 2)\n"
                    "for i, v in ipairs({ 10, 20 }) do assert(v == 10 * i) end\n"
                    "local mt = { __index = function(t, k) return k .. \"!\" end }\n"
                    "assert(setmetatable({}, mt).x == \"x!\")\n"
                    "print(\"size\", #(\"x\"):rep(12))\n"
                    "population { \"E\", lif, #(\"x\"):rep(12) }\n");
    assert_non_null(m);
    assert_int_equal(m->pops[0]->n, 12);
    assert_string_equal(g_diags, "t.lua:15: note: size\t12\n"); /* print() is a note */
}

/* ---- limits -------------------------------------------------------------------------- */

static void test_instruction_limit(void **state)
{
    (void)state;
    LoadOptions opt = {.instr_limit = 1000000};
    const char *d = load_fails("local n = 0\n"
                               "while true do n = n + 1 end\n",
                               &opt);
    assert_string_equal(d, "t.lua:2: error: model evaluation exceeded 1000000 instructions "
                           "(an endless loop?)\n");
    /* the line of the loop, not of the call to the function that loops */
    d = load_fails("local function spin()\n"
                   "  while true do end\n"
                   "end\n"
                   "spin()\n",
                   &opt);
    assert_string_equal(d, "t.lua:2: error: model evaluation exceeded 1000000 instructions "
                           "(an endless loop?)\n");
    /* pcall cannot swallow the limit */
    d = load_fails("local function spin()\n"
                   "  while true do end\n"
                   "end\n"
                   "while true do pcall(spin) end\n",
                   &opt);
    assert_string_equal(d, "t.lua:2: error: model evaluation exceeded 1000000 instructions "
                           "(an endless loop?)\n");
    /* finalizers run with hooks off, so the sandbox has none */
    g_diags[0] = '\0';
    diag_reset();
    d = load_fails("local t = {}\n"
                   "setmetatable(t, { __gc = function() while true do end end })\n",
                   &opt);
    assert_string_equal(d, "t.lua:2: error: setmetatable: __gc metamethods are not available "
                           "in model files\n");
    /* under the limit: fine */
    g_diags[0] = '\0';
    diag_reset();
    Model *m = load_model_string("t.lua",
                                 "local n = 0\n"
                                 "for i = 1, 10000 do n = n + i end\n"
                                 "population { \"E\", lif, n // 10000 }\n",
                                 &opt);
    assert_non_null(m);
    assert_int_equal(m->pops[0]->n, 5000);
}

static void test_memory_limit(void **state)
{
    (void)state;
    LoadOptions opt = {.mem_limit = 8 << 20};
    /* one big string */
    const char *d = load_fails("population { \"E\", lif, 1 }\n"
                               "local s = string.rep(\"x\", 16 * 1024 * 1024)\n",
                               &opt);
    assert_string_equal(d, "t.lua:2: error: not enough memory (model evaluation may use 8 MiB; "
                           "see --mem-limit)\n");
    /* a table grown in a loop */
    d = load_fails("local t = {}\n"
                   "\n"
                   "for i = 1, 1e8 do t[i] = i end\n",
                   &opt);
    assert_string_equal(d, "t.lua:3: error: not enough memory (model evaluation may use 8 MiB; "
                           "see --mem-limit)\n");
    /* a string doubled in a loop */
    d = load_fails("local s = \"x\"\n"
                   "for i = 1, 40 do s = s .. s end\n",
                   &opt);
    assert_string_equal(d, "t.lua:2: error: not enough memory (model evaluation may use 8 MiB; "
                           "see --mem-limit)\n");
    /* a limit that is not whole MiB */
    opt.mem_limit = 3000000;
    d = load_fails("local s = string.rep(\"x\", 4000000)\n", &opt);
    assert_string_equal(d, "t.lua:1: error: not enough memory (model evaluation may use "
                           "3000000 bytes)\n");
    /* a memory error that the model catches is no error */
    opt.mem_limit = 8 << 20;
    g_diags[0] = '\0';
    diag_reset();
    Model *m = load_model_string("t.lua",
                                 "local ok, err = pcall(string.rep, \"x\", 16 * 1024 * 1024)\n"
                                 "assert(not ok and err == \"not enough memory\")\n"
                                 "local s = string.rep(\"x\", 1024 * 1024)\n"
                                 "population { \"E\", lif, #s }\n",
                                 &opt);
    assert_non_null(m);
    assert_int_equal(m->pops[0]->n, 1 << 20);
    assert_string_equal(g_diags, "");
}

/* ---- diagnostics ----------------------------------------------------------------------- */

static void test_lua_errors(void **state)
{
    (void)state;
    expect_error("population { \"E\", lif, 1 }\n"
                 "local x = = 1\n",
                 "t.lua:2: error: unexpected symbol near '='");
    expect_error("populaton { \"E\", lif, 10 }\n",
                 "t.lua:1: error: unknown name 'populaton' (did you mean 'population'?)");
    expect_error("local n = math.flor(2.5)\n",
                 "t.lua:1: error: attempt to call a nil value (field 'flor')");
    expect_error("\n"
                 "error(\"custom\")\n",
                 "t.lua:2: error: custom");
    /* messages without a position get the line of the code that raised them */
    expect_error("\n"
                 "error(\"no position\", 0)\n",
                 "t.lua:2: error: no position");
    expect_error("error({})\n", "t.lua:1: error: (error object is a table value)");
    expect_error("local s = string.rep(\"x\", 1e10)\n",
                 "t.lua:1: error: resulting string too large");
    expect_error("local function f(n) return f(n + 1) + 1 end\n"
                 "f(1)\n",
                 "t.lua:1: error: stack overflow");
}

static void test_api_errors(void **state)
{
    (void)state;
    expect_error("population { \"E\", lif, 10, sise = 3 }\n",
                 "t.lua:1: error: population: unknown field 'sise' (did you mean 'size'?)");
    expect_error("local n = neuron {\n"
                 "  name = \"n\",\n"
                 "  param = {},\n"
                 "}\n",
                 "t.lua:1: error: neuron: unknown field 'param' (did you mean 'params'?)");
    expect_error("population { \"E\", lif, \"10\" }\n",
                 "t.lua:1: error: population 'E': 'size' must be a number (got string)");
    expect_error("population { \"E\", lif, 2.5 }\n",
                 "t.lua:1: error: population 'E': 'size' must be a whole number (got 2.5)");
    expect_error("population { \"E\", lif, -4 }\n",
                 "t.lua:1: error: population 'E': 'size' must not be negative (got -4)");
    expect_error("population { \"E\", lif, 1e19 }\n",
                 "t.lua:1: error: population 'E': 'size' is too large (got 1e+19)");
    expect_error("population { \"E\", lif }\n",
                 "t.lua:1: error: population 'E': missing size (population { \"E\", model, "
                 "size })");
    expect_error("population { \"E\", \"lif\", 1 }\n",
                 "t.lua:1: error: population 'E': model must be a neuron model (got string)");
    expect_error("population { \"E-1\", lif, 1 }\n",
                 "t.lua:1: error: population: name 'E-1' must be an identifier (letters, "
                 "digits, '_')");
    expect_error("population { \"E\", lif, 1 }\n"
                 "population { \"E\", lif, 2 }\n",
                 "t.lua:2: error: population 'E': name already used at t.lua:1");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "local x = E.sise\n",
                 "t.lua:2: error: population 'E' has no field 'sise' (it has 'name' and "
                 "'size')");
    expect_error("population { \"E\", lif, 1, params = { tau_n = 1 } }\n",
                 "t.lua:1: error: population 'E': neuron 'lif' has no parameter 'tau_n' (did "
                 "you mean 'tau_m'?)");
    expect_error("population { \"E\", lif { V_thr = 1 }, 1 }\n",
                 "t.lua:1: error: lif{...}: neuron 'lif' has no parameter 'V_thr' (did "
                 "you mean 'V_th'?)");
    expect_error("population { \"E\", lif, 1, init = { v = 1 } }\n",
                 "t.lua:1: error: population 'E': init: neuron 'lif' has no variable 'v' (did "
                 "you mean 'V'?)");
    expect_error("population { \"E\", lif { C = math.huge }, 1 }\n",
                 "t.lua:1: error: lif{...}: parameter 'C' must be finite (got inf)");
    expect_error("population { \"Exc\", lif, 1 }\n"
                 "projection { \"Exc\", \"Exd\", conn = all_to_all(), weight = 1 }\n",
                 "t.lua:2: error: projection: unknown population 'Exd' (did you mean 'Exc'?)");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "projection { E, E, weight = 1 }\n",
                 "t.lua:2: error: projection 'E_to_E': missing 'conn' (e.g. conn = "
                 "fixed_probability(0.1))");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "projection { E, E, conn = all_to_all() }\n",
                 "t.lua:2: error: projection 'E_to_E': missing 'weight'");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "projection { E, E, conn = all_to_all(), weight = 1 }\n"
                 "projection { E, E, conn = all_to_all(), weight = 2 }\n",
                 "t.lua:3: error: projection 'E_to_E': name already used at t.lua:2; give "
                 "this one a name = \"...\"");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "projection { E, E, conn = all_to_all(), weight = 1, delay = -1 }\n",
                 "t.lua:2: error: projection 'E_to_E': 'delay' must be a finite number of ms "
                 ">= 0 (got -1)");
    expect_error("local c = fixed_probability(1.5)\n",
                 "t.lua:1: error: fixed_probability: p must be between 0 and 1 (got 1.5)");
    expect_error("local c = fixed_indegree(10, { multapse = false })\n",
                 "t.lua:1: error: fixed_indegree: unknown field 'multapse' (did you mean "
                 "'multapses'?)");
    expect_error("local c = all_to_all { multapses = true }\n",
                 "t.lua:1: error: all_to_all: unknown field 'multapses' (did you mean "
                 "'autapses'?)");
    expect_error("local p = exp_curr { tau = 0 }\n",
                 "t.lua:1: error: exp_curr: tau must be > 0 ms (got 0)");
    expect_error("local w = uniform(1, 0)\n",
                 "t.lua:1: error: uniform: low (1) must not exceed high (0)");
    expect_error("population { \"E\", lif, 1 }\n"
                 "record { \"I\" }\n",
                 "t.lua:2: error: record: unknown population 'I'");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "record { E = \"voltage\" }\n",
                 "t.lua:2: error: record: population 'E': neuron 'lif' has no variable "
                 "'voltage' (record \"spikes\" or a variable)");
    expect_error("network { precision = \"half\" }\n",
                 "t.lua:1: error: network: precision must be \"float\" or \"double\" (got "
                 "\"half\")");
    expect_error("network { dt = 0 }\n", "t.lua:1: error: network: dt must be > 0 ms (got 0)");
    expect_error("network { dt = 0.1 }\n"
                 "network { dt = 0.2 }\n",
                 "t.lua:2: error: network: network{} given twice (first at t.lua:1)");
    expect_error("network { name = \"my net\" }\n",
                 "t.lua:1: error: network: name 'my net' must be an identifier (letters, "
                 "digits, '_')");
    /* an API call inside a helper function: the line of the call in the helper */
    expect_error("local function mk(name)\n"
                 "  return population { name, lif, 10 }\n"
                 "end\n"
                 "mk(\"E\")\n"
                 "mk(\"E\")\n",
                 "t.lua:2: error: population 'E': name already used at t.lua:2");
}

/* Where a code string is said to start. */
static int code_line(const char *text, const char *neuron, const char *which)
{
    Model *m = load(text);
    assert_non_null(m);
    NeuronModel *n = neuron_named(m, neuron);
    const CodeStr *cs = !strcmp(which, "sim") ? &n->sim
                      : !strcmp(which, "threshold") ? &n->threshold : &n->reset;
    assert_non_null(cs->text);
    return cs->loc.line;
}

static void test_code_locations(void **state)
{
    (void)state;
    /* a [[...]] string that starts on the line after the bracket */
    assert_int_equal(code_line("local n = neuron { name = \"n\", vars = { V = 0 },\n"
                               "  sim = [[\n"
                               "    V += 1;\n"
                               "  ]] }\n",
                               "n", "sim"),
                     3);
    /* ... and one that starts right after it */
    assert_int_equal(code_line("local n = neuron { name = \"n\", vars = { V = 0 },\n"
                               "  sim = [[V += 1;\n"
                               "    V += 2;]] }\n",
                               "n", "sim"),
                     2);
    /* a string with blank lines first: its code starts later, the line counts from the
     * string's first line */
    assert_int_equal(code_line("local n = neuron { name = \"n\", vars = { V = 0 },\n"
                               "  sim = [[\n"
                               "\n"
                               "    V += 1;\n"
                               "  ]] }\n",
                               "n", "sim"),
                     3);
    /* a string kept in a variable above the call */
    assert_int_equal(code_line("local sim = [[\n"
                               "  V += 1;\n"
                               "]]\n"
                               "local n = neuron { name = \"n\", vars = { V = 0 },\n"
                               "  sim = sim }\n",
                               "n", "sim"),
                     2);
    /* the same text twice: each neuron's own occurrence */
    const char *twice = "local a = neuron { name = \"a\", threshold = \"V > 1\" }\n"
                        "local b = neuron { name = \"b\",\n"
                        "  threshold = \"V > 1\" }\n";
    assert_int_equal(code_line(twice, "a", "threshold"), 1);
    assert_int_equal(code_line(twice, "b", "threshold"), 3);
    /* text that also occurs earlier inside other code: the string literal wins */
    assert_int_equal(code_line("local n = neuron { name = \"n\", vars = { V = 0 },\n"
                               "  sim = \"if (V > 1) V = 0;\",\n"
                               "  threshold = \"V > 1\" }\n",
                               "n", "threshold"),
                     3);
    /* a quoted string with escapes: found by its first line */
    assert_int_equal(code_line("\n"
                               "local n = neuron { name = \"n\", vars = { V = 0 },\n"
                               "  sim = \"V += 1;\\n\\tV += 2;\" }\n",
                               "n", "sim"),
                     3);
    /* the standard library's code is located in its own text */
    Model *m = load("population { \"E\", lif, 1 }\n");
    assert_non_null(m);
    NeuronModel *lif = neuron_named(m, "lif");
    assert_string_equal(lif->sim.loc.file, "<stdlib>");
    assert_true(lif->sim.loc.line > lif->loc.line);
    assert_true(lif->threshold.loc.line > lif->sim.loc.line);
}


/* ---- the newer constructs: initialisers, rules, postsynaptic models, current sources,
 *      state recording ------------------------------------------------------------------ */

static const char NEWER[] =
    "network { dt = 0.1 }\n"                                                           /* 1 */
    "local E = population { \"E\", lif, 10 }\n"                                        /* 2 */
    "local I = population { \"I\", lif, 5 }\n"                                         /* 3 */
    "projection { E, I, conn = fixed_outdegree(3, { multapses = false }),\n"           /* 4 */
    "  weight = lognormal(0.5, 0.2), delay = normal_clipped(1.5, 0.5, 0.1, 5.0),\n"    /* 5 */
    "  psm = exp_cond { tau = 5, E = -80, V = \"V\" } }\n"                             /* 6 */
    "projection { I, E, name = \"t\", conn = fixed_total(20, { autapses = false }),\n" /* 7 */
    "  weight = exponential(2.0), psm = alpha_curr { tau = 0.33 } }\n"                 /* 8 */
    "projection { E, E, name = \"g\", conn = fixed_total(7), weight = 1.0,\n"          /* 9 */
    "  target = \"refrac\" }\n"                                                        /* 10 */
    "current_source { E, dc { amp = 50.0 } }\n"                                        /* 11 */
    "current_source { E, step_current { times = { 1, 2.5 }, amps = { 5, -1 } },\n"     /* 12 */
    "  name = \"st\" }\n"                                                              /* 13 */
    "current_source { I, noise { mean = 1.0, sd = 2.0 } }\n"                           /* 14 */
    "current_source { I, poisson_input { rate = 800.0, weight = 87.8 },\n"             /* 15 */
    "  psm = exp_curr(0.5), name = \"bg\" }\n"                                         /* 16 */
    "record { E = { \"V\", \"refrac\", \"spikes\", every = 10, neurons = 3 },\n"      /* 17 */
    "         I = \"V\" }\n";                                                          /* 18 */

static VarRecord *varrec(const Model *m, const char *pop, int var)
{
    for (int i = 0; i < m->n_varrecs; i++)
        if (!strcmp(m->varrecs[i]->pop->name, pop) && m->varrecs[i]->var == var)
            return m->varrecs[i];
    fail_msg("no recording of variable %d of population '%s'", var, pop);
    return NULL;
}

static void test_newer_ir(void **state)
{
    (void)state;
    Model *m = load(NEWER);
    assert_non_null(m);
    assert_string_equal(g_diags, "");
    Projection *p = proj(m, "E_to_I");
    assert_int_equal(p->conn.kind, CONN_FIXED_OUTDEGREE);
    assert_int_equal(p->conn.k, 3);
    assert_false(p->conn.multapses);
    assert_true(p->conn.autapses);
    assert_int_equal(p->weight.kind, INIT_LOGNORMAL);
    assert_true(p->weight.a == 0.5 && p->weight.b == 0.2);
    assert_int_equal(p->delay_init.kind, INIT_NORMAL_CLIPPED);
    assert_true(p->delay_init.a == 1.5 && p->delay_init.b == 0.5);
    assert_true(p->delay_init.lo == 0.1 && p->delay_init.hi == 5.0);
    assert_int_equal(p->psm.kind, PSM_EXP_COND);
    assert_true(p->psm.tau == 5.0 && p->psm.E == -80.0);
    assert_string_equal(p->psm.V, "V");
    assert_null(p->psm.target);

    p = proj(m, "t");
    assert_int_equal(p->conn.kind, CONN_FIXED_TOTAL);
    assert_int_equal(p->conn.k, 20);
    assert_false(p->conn.autapses);
    assert_true(p->conn.multapses); /* the default */
    assert_int_equal(p->weight.kind, INIT_EXPONENTIAL);
    assert_true(p->weight.a == 2.0);
    assert_int_equal(p->delay_init.kind, INIT_CONSTANT); /* no delay given: one step */
    assert_int_equal(p->psm.kind, PSM_ALPHA_CURR);
    assert_true(p->psm.tau == 0.33);

    p = proj(m, "g");
    assert_int_equal(p->psm.kind, PSM_DELTA);
    assert_string_equal(p->psm.target, "refrac");

    assert_int_equal(m->n_sources, 4);
    CurrentSource *cs = m->sources[0];
    assert_string_equal(cs->name, "E_dc"); /* <pop>_<kind> */
    assert_int_equal(cs->kind, CS_DC);
    assert_true(cs->amp == 50.0);
    assert_ptr_equal(cs->pop, pop(m, "E"));
    assert_int_equal(cs->loc.line, 11);
    cs = m->sources[1];
    assert_string_equal(cs->name, "st");
    assert_int_equal(cs->kind, CS_STEP);
    assert_int_equal(cs->n_steps, 2);
    assert_true(cs->times[0] == 1.0 && cs->times[1] == 2.5);
    assert_true(cs->amps[0] == 5.0 && cs->amps[1] == -1.0);
    cs = m->sources[2];
    assert_string_equal(cs->name, "I_noise");
    assert_int_equal(cs->kind, CS_NOISE);
    assert_true(cs->mean == 1.0 && cs->sd == 2.0);
    cs = m->sources[3];
    assert_string_equal(cs->name, "bg");
    assert_int_equal(cs->kind, CS_POISSON);
    assert_true(cs->rate == 800.0 && cs->weight == 87.8);
    assert_int_equal(cs->psm.kind, PSM_EXP_CURR);
    assert_true(cs->psm.tau == 0.5);

    /* lif's variables sorted by name: V (0), refrac (1); the entries of one record{} map
     * come in table order, so look them up */
    assert_int_equal(m->n_varrecs, 3);
    VarRecord *r = varrec(m, "E", 0);
    assert_int_equal(r->every, 10);
    assert_int_equal(r->count, 3);
    assert_int_equal(r->loc.line, 17);
    r = varrec(m, "E", 1);
    assert_int_equal(r->every, 10);
    assert_int_equal(r->count, 3);
    r = varrec(m, "I", 0);
    assert_int_equal(r->every, 1);
    assert_int_equal(r->count, -1); /* all */
    assert_true(pop(m, "E")->record_spikes);
    assert_false(pop(m, "I")->record_spikes);
}

static void test_newer_errors(void **state)
{
    (void)state;
    expect_error("local w = normal_clipped(1, -1, 0)\n",
                 "t.lua:1: error: normal_clipped: sd must be >= 0 (got -1)");
    expect_error("local w = normal_clipped(1, 1, 3, 3)\n",
                 "t.lua:1: error: normal_clipped: lo (3) must be below hi (3)");
    expect_error("local w = normal_clipped(0, 1, 11)\n",
                 "t.lua:1: error: normal_clipped: the interval [11, inf] lies more than 10 sd "
                 "from the mean 0");
    expect_error("local w = lognormal(0, -0.5)\n",
                 "t.lua:1: error: lognormal: sigma must be >= 0 (got -0.5)");
    expect_error("local w = exponential(0)\n",
                 "t.lua:1: error: exponential: mean must be > 0 (got 0)");
    expect_error("local s = step_current { times = { 1, 2 }, amps = { 5 } }\n",
                 "t.lua:1: error: step_current: 'times' and 'amps' must have the same, "
                 "non-zero length (got 2 and 1)");
    expect_error("local s = step_current { times = { 1, 1 }, amps = { 5, 6 } }\n",
                 "t.lua:1: error: step_current: 'times' must increase (entry 2: 1 after 1)");
    expect_error("local s = noise { mean = 0, sd = -1 }\n",
                 "t.lua:1: error: noise: sd must be >= 0 (got -1)");
    expect_error("local s = poisson_input { rate = -5, weight = 1 }\n",
                 "t.lua:1: error: poisson_input: rate must be >= 0 Hz (got -5)");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "current_source { E }\n",
                 "t.lua:2: error: current_source: missing source (dc{}, step_current{}, "
                 "noise{} or poisson_input{})");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "current_source { E, dc { amp = 1 }, psm = exp_curr(2) }\n",
                 "t.lua:2: error: current_source 'E_dc': only poisson_input goes through a "
                 "postsynaptic model; dc adds to Isyn directly");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "current_source { E, dc { amp = 1 } }\n"
                 "current_source { E, dc { amp = 2 } }\n",
                 "t.lua:3: error: current_source 'E_dc': name already used at t.lua:2; give "
                 "this one a name = \"...\"");
    expect_error("local E = population { \"E\", lif, 10 }\n"
                 "record { E = { \"V\", every = 0 } }\n",
                 "t.lua:2: error: record: population 'E': 'every' must be a whole number of "
                 "steps >= 1 (got 0)");
    expect_error("local E = population { \"E\", lif, 10 }\n"
                 "record { E = { \"V\", neurons = 11 } }\n",
                 "t.lua:2: error: record: population 'E': 'neurons' must be between 1 and 10 "
                 "(got 11)");
    expect_error("local E = population { \"E\", lif, 10 }\n"
                 "record { E = \"V\" }\n"
                 "record { E = { \"V\", every = 2 } }\n",
                 "t.lua:3: error: record: population 'E' variable 'V' is already recorded");
    expect_error("local p = exp_cond { tau = 5 }\n",
                 "t.lua:1: error: exp_cond: missing 'E' (reversal potential, mV)");
    expect_error("local p = alpha_curr(0)\n",
                 "t.lua:1: error: alpha_curr: tau must be > 0 ms (got 0)");
    expect_error("local E = population { \"E\", lif, 1 }\n"
                 "projection { E, E, conn = all_to_all(), weight = 1, delay = \"1.5\" }\n",
                 "t.lua:2: error: projection 'E_to_E': 'delay' must be a number of ms or an "
                 "initialiser such as normal_clipped(1.5, 0.75, 0.1) (got string)");
    /* target + psm is decided by check.c (an input or a variable): tests/errors */
    expect_error("local m = neuron { name = \"m\", inputs = { \"a\", 3 } }\n",
                 "t.lua:1: error: neuron 'm': inputs entry 2 must be a name (letters, digits, "
                 "'_')");
    expect_error("local m = neuron { name = \"m\", inputs = { \"a\", \"a\" } }\n",
                 "t.lua:1: error: neuron 'm': input 'a' listed twice");
    expect_error("local f = initialiser { name = \"f\", params = { a = \"x\" }, code = \"value = a;\" }\n",
                 "t.lua:1: error: initialiser 'f': parameter 'a' must be a finite number (got "
                 "string)");
    expect_error("local f = initialiser { name = \"f\", code = \"value = 1;\" }\n"
                 "local g = f(2)\n",
                 "t.lua:2: error: f{...}: call an initialiser with a table of parameters, e.g. "
                 "f{ p = 1.0 } (got number)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_neuron, setup, teardown),
        cmocka_unit_test_setup_teardown(test_populations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_projections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_param_defines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_unavailable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sandbox_available, setup, teardown),
        cmocka_unit_test_setup_teardown(test_instruction_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lua_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_locations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_ir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
