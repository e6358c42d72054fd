/*
 * test_ir.c - the canonical dump of the IR (ir_dump) and the model hash over it cover the
 * whole IR: "same hash, same results" (docs/language.md) needs every field that changes
 * what the simulator does to change the dump.
 *
 * One rich model (every kind of population, projection, synapse model, connectivity rule,
 * initialiser, current source and recording) is loaded and checked; then, for each field
 * of the IR, a fresh copy is loaded, that one field is changed in place, and the dump must
 * differ from the unchanged one.  The struct sizes are pinned below: a new field fails the
 * build of this test until it is added to ir_dump and to the mutations here (or is declared
 * to be derived or a location, in the list next to the sizes).
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

#include "snncc.h"

/* Fields that are not in the dump on purpose (locations, back pointers, values derived by
 * check from dumped fields, file names whose contents are hashed instead):
 *   SrcLoc everywhere; Population.index, Projection.index, CurrentSource.index,
 *   InitSnippet.index; Projection.{delay_steps, het_delay, delay_bytes, input_slot,
 *   weight_given, format_loc, pre_input_loc, add_post, add_pre, pre_input_index (derived
 *   from the dumped code and pre_input), syn_code (the synapse model's code resolved for the
 *   projection: derived from the dumped code)}; CurrentSource.input_slot; NeuronModel.sst_file,
 *   Population.egp_src; VarDef defaults of a population's or projection's variables
 *   (their actual initialisers are dumped); NeuronModel/SynapseModel/ConnSnippet
 *   parameter defaults (the values in use are dumped); Model.{file, has_network};
 *   ConnSnippet.max_prob_num (the dumped max_prob text's value);
 *   Projection.rewired, ConnUpdate.{index, proj, group_index, init_of_var} (derived by check from the
 *   dumped names); Population.expr_order (the order check derives from the dumped code strings);
 *   Init.{file_arg, ndim, cols, dtype, n_vals} of a file (the file's header: the file
 *   itself, read at run time, enters by its path; run.json names it);
 *   NeuronModel/SynapseModel.checks (valid = ...: they refuse models, they change no
 *   result); the definitions of connectivity{} and initialiser{} that no projection or variable
 *   uses (they change nothing); CustomUpdate.{loc, index, pop, proj, group_index}, CuVar.loc,
 *   CuRef.{loc, kind, pop, proj, cu, index} and Model.cu_groups (derived by check from the
 *   dumped names and references). */
#if UINTPTR_MAX == 0xffffffffffffffffu
_Static_assert(sizeof(Model) == 256, "Model changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(NeuronModel) == 264, "NeuronModel changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(SynapseModel) == 392, "SynapseModel changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(Population) == 112, "Population changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(Projection) == 1280, "Projection changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(ConnRule) == 472, "ConnRule changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(ConnSnippet) == 248, "ConnSnippet changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(Init) == 136, "Init changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(InitSnippet) == 88, "InitSnippet changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(Psm) == 64, "Psm changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(CurrentSource) == 184, "CurrentSource changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(VarRecord) == 48, "VarRecord changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(SynRecord) == 40, "SynRecord changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(CustomUpdate) == 168, "CustomUpdate changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(CuVar) == 168, "CuVar changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(CuRef) == 88, "CuRef changed: update ir_dump and test_ir.c");
_Static_assert(sizeof(ConnUpdate) == 440, "ConnUpdate changed: update ir_dump and test_ir.c");
#endif

static const char *MODEL =
    "network { name = \"rich\", dt = 0.1, seed = 7 }\n"
    "local S = population { \"S\", spike_source_array { times = { {1.0, 2.0}, {}, {3.0} } }, 3 }\n"
    "local g = {}\n"
    "for i = 1, 20 do g[i] = 0.5 + 0.05 * i end\n"
    "local gained = neuron { name = \"gained\", params = { tau = 10.0 }, vars = { V = 0.0, U = 1.0, W = 0.0 },\n"
    "  egp = { \"gain\" }, inputs = { \"Ia\" },\n"
    "  sim = \"V += dt * (-V / tau) + gain[id] * (Isyn + Ia); U += 0.0;\",\n"
    "  threshold = \"V >= 8.0\", reset = \"V = 0.0;\" }\n"
    "local G = population { \"G\", gained, 20, egp = { gain = g }, runtime = { \"tau\" },\n"
    "  init = { V = normal_clipped(0.0, 1.0, -1.0, 1.0), U = g, W = \"U * 2.0\" } }\n"
    "local A = population { \"A\", lif { I_e = 300.0 }, 50, init = { V = uniform(-70.0, -55.0) } }\n"
    "local B = population { \"B\", lif { }, 40 }\n"
    "local half = initialiser { name = \"half\", params = { s = 2.0 }, code = \"value = s * uniform();\" }\n"
    "projection { S, A, conn = all_to_all(), weight = 100.0, delay = 1.0 }\n"
    "projection { A, B, conn = fixed_probability(0.2), weight = normal(20.0, 2.0),\n"
    "             delay = uniform(0.5, 3.0), psm = exp_curr(2.0) }\n"
    "projection { A, G, conn = fixed_outdegree(5), weight = 2.0, delay = 0.8,\n"
    "             psm = exp_cond { tau = 5.0, E = 0.0 }, target = \"Ia\" }\n"
    "projection { B, G, conn = fixed_total(200), weight = half { s = 3.0 }, delay = 2.0,\n"
    "             psm = alpha_curr(0.5) }\n"
    "projection { A, A, conn = fixed_indegree(10, { multapses = false }), synapse = stdp { A_plus = 0.02 },\n"
    "             weight = uniform(0.2, 0.8), delay = 1.5, runtime = { \"A_minus\" } }\n"
    "local near = connectivity { name = \"near\", params = { p = 0.5 }, prob = \"abs(i - j) < 5 ? p : 0\" }\n"
    "local ring = connectivity { name = \"ring\", params = { w = 2 }, count = \"2 * w\",\n"
    "                            target = \"mod(i + k, N_post)\" }\n"
    "projection { B, A, conn = near { p = 0.3 }, weight = 1.0, delay = 1.0 }\n"
    "projection { B, B, conn = ring, weight = 1.0, delay = 1.0, format = \"dense\" }\n"
    "projection { G, G, conn = all_to_all { autapses = false }, weight = 0.001, delay = 0.1,\n"
    "             format = \"procedural\" }\n"
    "current_source { B, dc { amp = 50.0 }, runtime = { \"amp\" } }\n"
    "current_source { A, step_current { times = { 5, 10 }, amps = { 200, 0 } } }\n"
    "current_source { A, noise { mean = 100.0, sd = 20.0 } }\n"
    "current_source { B, poisson_input { rate = 8000.0, weight = 10.0 }, psm = exp_curr(0.5) }\n"
    "record { A = { \"spikes\", \"V\", every = 5, neurons = 10 }, B = \"spikes\", A_to_A = { \"w\", every = 10 } }\n"
    "custom_update { name = \"Norm\", group = \"G1\", params = { k = 2.0 }, runtime = { \"k\" },\n"
    "  vars = { S = { reduce = \"sum\" }, y = 0.5 }, var_refs = { V = ref(\"A\", \"V\") },\n"
    "  code = \"S = V; y = k * V;\", every = 5 }\n"
    "custom_update { name = \"Learn\", group = \"G2\", params = { eta = 0.1 },\n"
    "  var_refs = { w = ref_rw(\"A_to_A\", \"w\") }, code = \"w += eta;\", at_end = true }\n"
    "connectivity_update { name = \"Rw\", projection = \"B_to_A\", every = 10, group = \"G1\", params = { q = 0.1 },\n"
    "  remove = \"uniform() < q\", add = { count = \"1\", target = \"floor(uniform() * N_post)\" } }\n"
    "connectivity_update { name = \"Rw2\", projection = \"A_to_A\", every = 10,\n"
    "  add = { total = \"2\", target = \"0\", init = { w = 0.25 } } }\n";

static char g_diags[16384];

static void sink(void *ud, const char *line)
{
    (void)ud;
    size_t n = strlen(g_diags);
    snprintf(g_diags + n, sizeof g_diags - n, "%s\n", line);
}

static Model *load(const char *text)
{
    g_diags[0] = '\0';
    diag_reset();
    diag_set_sink(sink, NULL);
    LoadOptions opt = {0};
    Model *m = load_model_string("t.lua", text, &opt);
    if (!m || check_model(m) != 0)
        fail_msg("the model does not load: %s", g_diags);
    return m;
}

static char *dump(const Model *m)
{
    StrBuf sb;
    sb_init(&sb);
    ir_dump(&sb, m);
    return sb_detach(&sb);
}

static Population *pop(Model *m, const char *name)
{
    for (int i = 0; i < m->n_pops; i++)
        if (!strcmp(m->pops[i]->name, name))
            return m->pops[i];
    fail_msg("no population '%s'", name);
    return NULL;
}

static Projection *proj(Model *m, const char *name)
{
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, name))
            return m->projs[i];
    fail_msg("no projection '%s'", name);
    return NULL;
}

static CurrentSource *source(Model *m, CurrentKind k)
{
    for (int i = 0; i < m->n_sources; i++)
        if (m->sources[i]->kind == k)
            return m->sources[i];
    fail_msg("no current source of kind %d", (int)k);
    return NULL;
}

static const char *renamed(const char *s) { return arena_printf("%s_x", s); }

static CustomUpdate *cupd(Model *m, const char *name)
{
    for (int i = 0; i < m->n_cus; i++)
        if (!strcmp(m->cus[i]->name, name))
            return m->cus[i];
    fail_msg("no custom update '%s'", name);
    return NULL;
}

/* ---- the mutations: one field each ---------------------------------------------------- */

typedef void (*Mutation)(Model *m);

/* Data from files (read at run time): the base and the changed model both get the file
 * first (prep), then the mutation changes its name. */
static void prep_files(Model *m);

#define MUT(name, body) static void name(Model *m) { body; }

MUT(m_net_name, m->name = "other")
MUT(m_dt, m->dt = 0.05)
MUT(m_seed, m->seed = 8)
MUT(m_seed_high, m->seed |= 1ull << 40)
MUT(m_precision, m->precision = PREC_DOUBLE)
MUT(m_batch, m->batch = 4)

MUT(m_pop_name, pop(m, "A")->name = "A2")
MUT(m_pop_n, pop(m, "A")->n = 51)
MUT(m_pop_param, pop(m, "A")->params[0] += 1.0)
MUT(m_pop_runtime, pop(m, "A")->runtime[0] = true)
MUT(m_pop_init_kind, pop(m, "A")->inits[0].kind = INIT_NORMAL)
MUT(m_pop_init_a, pop(m, "A")->inits[0].a += 1.0)
MUT(m_pop_init_b, pop(m, "A")->inits[0].b += 1.0)
MUT(m_pop_init_lo, pop(m, "G")->inits[1].lo = -2.0)
MUT(m_pop_init_hi, pop(m, "G")->inits[1].hi = 2.0)
MUT(m_pop_egp, pop(m, "G")->egp[0][3] += 1.0)
MUT(m_pop_record, pop(m, "B")->record_spikes = false)
MUT(m_pop_model, pop(m, "B")->model = pop(m, "S")->model)

MUT(m_nm_name, pop(m, "G")->model->name = "gained2")
MUT(m_nm_param_name, pop(m, "G")->model->params[0].name = "tau2")
MUT(m_nm_var_name, pop(m, "G")->model->vars[0].name = "U2")
MUT(m_nm_sim, pop(m, "G")->model->sim.text = "V += 1.0;")
MUT(m_nm_threshold, pop(m, "G")->model->threshold.text = "V >= 9.0")
MUT(m_nm_reset, pop(m, "G")->model->reset.text = "V = 1.0;")
MUT(m_nm_egp_name, pop(m, "G")->model->egps[0] = "gain2")
MUT(m_nm_input_name, pop(m, "G")->model->inputs[0] = "Ib")
MUT(m_nm_sst_time, pop(m, "S")->model->sst_times[1] = 2.5)
MUT(m_nm_sst_start, pop(m, "S")->model->sst_start[1] = 1)
MUT(m_nm_spike_source, pop(m, "A")->model->spike_source = true; pop(m, "A")->model->n_lists = 0;
    pop(m, "A")->model->sst_start = pop(m, "S")->model->sst_start)
MUT(m_nm_dataset, pop(m, "S")->model->dataset = true; pop(m, "S")->model->classes = 3)

MUT(m_pj_name, proj(m, "A_to_B")->name = "AB")
MUT(m_pj_pre_input, proj(m, "A_to_A")->pre_input = "Isyn")
MUT(m_pj_pre, proj(m, "A_to_B")->pre = pop(m, "B"))
MUT(m_pj_post, proj(m, "A_to_B")->post = pop(m, "A"))
MUT(m_pj_conn_kind, proj(m, "A_to_B")->conn.kind = CONN_ALL_TO_ALL)
MUT(m_pj_conn_p, proj(m, "A_to_B")->conn.p = 0.3)
MUT(m_pj_conn_k, proj(m, "A_to_A")->conn.k = 11)
MUT(m_pj_conn_k_out, proj(m, "A_to_G")->conn.k = 6)
MUT(m_pj_conn_n, proj(m, "B_to_G")->conn.k = 201)
MUT(m_pj_autapses, proj(m, "G_to_G")->conn.autapses = true)
MUT(m_pj_multapses, proj(m, "A_to_B")->conn.multapses = !proj(m, "A_to_B")->conn.multapses)
MUT(m_pj_conn_param, proj(m, "B_to_A")->conn.params[0] = 0.4)
MUT(m_pj_weight, proj(m, "S_to_A")->weight.a = 99.0)
MUT(m_pj_weight_kind, proj(m, "A_to_B")->weight.kind = INIT_UNIFORM)
MUT(m_pj_delay, proj(m, "S_to_A")->delay = 2.0)
MUT(m_pj_delay_init, proj(m, "A_to_B")->delay_init.b = 3.5)
MUT(m_pj_psm_kind, proj(m, "S_to_A")->psm.kind = PSM_EXP_CURR; proj(m, "S_to_A")->psm.tau = 1.0)
MUT(m_pj_psm_tau, proj(m, "A_to_B")->psm.tau = 2.5)
MUT(m_pj_psm_E, proj(m, "A_to_G")->psm.E = -80.0)
MUT(m_pj_psm_V, proj(m, "A_to_G")->psm.V = "U")
MUT(m_pj_psm_target, proj(m, "A_to_G")->psm.target = "Ib")
MUT(m_pj_psm_to_input, proj(m, "A_to_G")->psm.to_input = false)
MUT(m_pj_format, proj(m, "A_to_B")->format = FORMAT_DENSE)
MUT(m_pj_init_code_param, ((double *)proj(m, "B_to_G")->weight.pvals)[0] = 4.0)

MUT(m_syn_name, proj(m, "A_to_A")->syn->name = "stdp2")
MUT(m_syn_weight, proj(m, "A_to_A")->syn->weight = "w2")
MUT(m_syn_param, proj(m, "A_to_A")->syn_params[0] += 0.001)
MUT(m_syn_param_name, proj(m, "A_to_A")->syn->params[0].name = "A_plus2")
MUT(m_syn_runtime, proj(m, "A_to_A")->syn_runtime[0] = !proj(m, "A_to_A")->syn_runtime[0])
MUT(m_syn_init, proj(m, "A_to_A")->syn_inits[0].a = 0.3)
MUT(m_syn_var_name, proj(m, "A_to_A")->syn->vars[0].name = "w2")
MUT(m_syn_var_shared, proj(m, "A_to_A")->syn->vars[0].shared = true)
MUT(m_syn_pre_var, proj(m, "A_to_A")->syn->pre_vars[0].name = "x2")
MUT(m_syn_pre_var_init, proj(m, "A_to_A")->syn->pre_vars[0].init.a = 1.0)
MUT(m_syn_post_var, proj(m, "A_to_A")->syn->post_vars[0].name = "y2")
MUT(m_syn_post_var_init, proj(m, "A_to_A")->syn->post_vars[0].init.a = 1.0)
MUT(m_syn_on_pre, proj(m, "A_to_A")->syn->code[SC_ON_PRE].text = "w = w;")
MUT(m_syn_on_post, proj(m, "A_to_A")->syn->code[SC_ON_POST].text = "w = w;")
MUT(m_syn_pre_spike, proj(m, "A_to_A")->syn->code[SC_PRE_SPIKE].text = "x += 2.0;")
MUT(m_syn_post_spike, proj(m, "A_to_A")->syn->code[SC_POST_SPIKE].text = "y += 2.0;")
MUT(m_syn_pre_dyn, proj(m, "A_to_A")->syn->code[SC_PRE_DYNAMICS].text = "x *= 0.5;")
MUT(m_syn_post_dyn, proj(m, "A_to_A")->syn->code[SC_POST_DYNAMICS].text = "y *= 0.5;")
MUT(m_syn_dynamics, proj(m, "A_to_A")->syn->code[SC_DYNAMICS].text = "w *= 0.5;")

MUT(m_snip_name, ((ConnSnippet *)proj(m, "B_to_A")->conn.snip)->name = "near2")
MUT(m_snip_row_form, ((ConnSnippet *)proj(m, "B_to_B")->conn.snip)->row_form = false)
MUT(m_snip_param_name, ((ConnSnippet *)proj(m, "B_to_A")->conn.snip)->params[0].name = "q")
MUT(m_snip_prob, ((ConnSnippet *)proj(m, "B_to_A")->conn.snip)->prob.text = "p")
MUT(m_snip_condition, ((ConnSnippet *)proj(m, "B_to_A")->conn.snip)->condition.text = "i != j")
MUT(m_snip_max_prob, ((ConnSnippet *)proj(m, "B_to_A")->conn.snip)->max_prob.text = "0.5")
MUT(m_snip_count, ((ConnSnippet *)proj(m, "B_to_B")->conn.snip)->count.text = "w")
MUT(m_snip_target, ((ConnSnippet *)proj(m, "B_to_B")->conn.snip)->target.text = "i")
MUT(m_isnip_name, ((InitSnippet *)proj(m, "B_to_G")->weight.snip)->name = "half2")
MUT(m_isnip_param_name, ((InitSnippet *)proj(m, "B_to_G")->weight.snip)->params[0].name = "s2")
MUT(m_isnip_code, ((InitSnippet *)proj(m, "B_to_G")->weight.snip)->code.text = "value = 1.0;")

MUT(m_cs_name, source(m, CS_DC)->name = "dc2")
MUT(m_cs_kind, source(m, CS_DC)->kind = CS_NOISE)
MUT(m_cs_pop, source(m, CS_DC)->pop = pop(m, "A"))
MUT(m_cs_amp, source(m, CS_DC)->amp = 51.0)
MUT(m_cs_mean, source(m, CS_NOISE)->mean = 101.0)
MUT(m_cs_sd, source(m, CS_NOISE)->sd = 21.0)
MUT(m_cs_rate, source(m, CS_POISSON)->rate = 8001.0)
MUT(m_cs_weight, source(m, CS_POISSON)->weight = 11.0)
MUT(m_cs_psm, source(m, CS_POISSON)->psm.tau = 0.6)
MUT(m_cs_time, source(m, CS_STEP)->times[1] = 11.0)
MUT(m_cs_amps, source(m, CS_STEP)->amps[1] = 1.0)
MUT(m_cs_n_steps, source(m, CS_STEP)->n_steps = 1)
MUT(m_cs_runtime, source(m, CS_DC)->runtime[CSP_AMP] = false)

MUT(m_pop_init_list, ((double *)pop(m, "G")->inits[0].vals)[4] += 1.0)
MUT(m_pop_init_expr, pop(m, "G")->inits[2].code->text = "U * 3.0")
MUT(m_pop_init_file, pop(m, "A")->inits[0].file = "/data/v1.npy")
MUT(m_pj_list_pre, proj(m, "S_to_A")->conn.pre.file = "/data/pre1.npy")
MUT(m_pj_list_post, proj(m, "S_to_A")->conn.post.file = "/data/post1.npy")
MUT(m_pj_weight_file, proj(m, "S_to_A")->weight.file = "/data/w1.npy")
MUT(m_pj_matrix, proj(m, "A_to_B")->conn.matrix.file = "/data/m1.npy")

static void prep_files(Model *m)
{
    Init *v = &pop(m, "A")->inits[0];
    v->kind = INIT_FILE;
    v->file = "/data/v0.npy";
    ConnRule *c = &proj(m, "S_to_A")->conn;
    c->kind = CONN_FROM_LIST;
    c->pre = (Init){.kind = INIT_FILE, .file = "/data/pre0.npy"};
    c->post = (Init){.kind = INIT_FILE, .file = "/data/post0.npy"};
    proj(m, "S_to_A")->weight = (Init){.kind = INIT_FILE, .file = "/data/w0.npy"};
    c = &proj(m, "A_to_B")->conn;
    c->kind = CONN_FROM_MATRIX;
    c->matrix = (Init){.kind = INIT_FILE, .file = "/data/m0.npy"};
}

MUT(m_vr_pop, m->varrecs[0]->pop = pop(m, "B"))
MUT(m_vr_var, m->varrecs[0]->var = 1)
MUT(m_vr_every, m->varrecs[0]->every = 6)
MUT(m_vr_count, m->varrecs[0]->count = 11)
MUT(m_sr_var, m->synrecs[0]->var = 0; proj(m, "A_to_A")->syn->vars[0].name = "w3")
MUT(m_sr_every, m->synrecs[0]->every = 11)
MUT(m_vr_cu, m->varrecs[0]->cu = cupd(m, "Norm"); m->varrecs[0]->var = 1)
MUT(m_sr_cu, m->synrecs[0]->cu = cupd(m, "Norm"); m->synrecs[0]->var = 1)
MUT(m_cu_name, cupd(m, "Norm")->name = "Norm2")
MUT(m_cu_group, cupd(m, "Norm")->group = "G3")
MUT(m_cu_param, cupd(m, "Norm")->params[0].value = 3.0)
MUT(m_cu_param_name, cupd(m, "Learn")->params[0].name = "eta2")
MUT(m_cu_runtime, cupd(m, "Norm")->runtime[0] = false)
MUT(m_cu_var_name, cupd(m, "Norm")->vars[1].name = "z")
MUT(m_cu_var_init, cupd(m, "Norm")->vars[1].init.a = 0.25)
MUT(m_cu_var_reduce, cupd(m, "Norm")->vars[0].reduce = CU_REDUCE_MAX)
MUT(m_cu_var_batch_reduce, cupd(m, "Norm")->vars[0].reduce = CU_REDUCE_BATCH_SUM)
MUT(m_cu_var_shared, cupd(m, "Norm")->vars[0].shared = true)
MUT(m_cu_ref_name, cupd(m, "Norm")->refs[0].name = "U")
MUT(m_cu_ref_target, cupd(m, "Norm")->refs[0].target = "B")
MUT(m_cu_ref_var, cupd(m, "Norm")->refs[0].var = "U")
MUT(m_cu_ref_rw, cupd(m, "Learn")->refs[0].rw = false)
MUT(m_cu_code, cupd(m, "Learn")->code.text = "w -= eta;")
MUT(m_cu_every, cupd(m, "Norm")->every = 6)
MUT(m_cu_at_end, cupd(m, "Learn")->at_end = false)
MUT(m_pj_max_row, proj(m, "B_to_A")->max_row_length = 33)
MUT(m_pj_row_padding, proj(m, "B_to_A")->row_padding = 0.5)
MUT(m_rw_name, m->cupds[0]->name = "Rw3")
MUT(m_rw_proj, m->cupds[0]->proj_name = "A_to_B")
MUT(m_rw_every, m->cupds[0]->every = 11)
MUT(m_rw_group, m->cupds[0]->group = "G2")
MUT(m_rw_param, m->cupds[0]->params[0].value = 0.2)
MUT(m_rw_param_name, m->cupds[0]->params[0].name = "q2")
MUT(m_rw_remove, m->cupds[0]->remove.text = "uniform() < 0.2")
MUT(m_rw_count, m->cupds[0]->count.text = "2")
MUT(m_rw_target, m->cupds[0]->target.text = "0")
MUT(m_rw_total, m->cupds[1]->total.text = "3")
MUT(m_rw_init_name, m->cupds[1]->init_names[0] = "c")
MUT(m_rw_init, m->cupds[1]->init_code[0].text = "0.5")
MUT(m_rw_n_init, m->cupds[1]->n_init = 0)
MUT(m_rw_cands, m->cupds[0]->candidates = true)
MUT(m_rw_cand_count, m->cupds[0]->cand_count.text = "2")
MUT(m_rw_cand_total, m->cupds[0]->cand_total.text = "2")
MUT(m_rw_cand_remove, m->cupds[0]->cand_remove.text = "1")
MUT(m_rw_cand_add, m->cupds[0]->cand_add.text = "1")
MUT(m_rw_redraw, m->cupds[0]->redraw = true)
MUT(m_sr_proj, static SynapseModel sm; Projection *p = proj(m, "A_to_B"); sm = *proj(m, "A_to_A")->syn;
    m->synrecs[0]->proj = p; p->syn = &sm; p->syn_params = proj(m, "A_to_A")->syn_params;
    p->syn_runtime = proj(m, "A_to_A")->syn_runtime; p->syn_inits = proj(m, "A_to_A")->syn_inits)

static const struct {
    const char *name;
    Mutation f;
    Mutation prep; /* applied to both sides first */
} MUTATIONS[] = {
#define M(f) {#f, f, NULL}
#define MF(f) {#f, f, prep_files}
    M(m_net_name), M(m_dt), M(m_seed), M(m_seed_high), M(m_precision), M(m_batch),
    M(m_pop_name), M(m_pop_n), M(m_pop_param), M(m_pop_runtime), M(m_pop_init_kind),
    M(m_pop_init_a), M(m_pop_init_b), M(m_pop_init_lo), M(m_pop_init_hi), M(m_pop_egp),
    M(m_pop_record), M(m_pop_model),
    M(m_nm_name), M(m_nm_param_name), M(m_nm_var_name), M(m_nm_sim), M(m_nm_threshold),
    M(m_nm_reset), M(m_nm_egp_name), M(m_nm_input_name), M(m_nm_sst_time), M(m_nm_sst_start),
    M(m_nm_spike_source), M(m_nm_dataset),
    M(m_pj_name), M(m_pj_pre_input), M(m_pj_pre), M(m_pj_post), M(m_pj_conn_kind),
    M(m_pj_conn_p),
    M(m_pj_conn_k), M(m_pj_conn_k_out), M(m_pj_conn_n), M(m_pj_autapses), M(m_pj_multapses),
    M(m_pj_conn_param), M(m_pj_weight), M(m_pj_weight_kind), M(m_pj_delay),
    M(m_pj_delay_init), M(m_pj_psm_kind), M(m_pj_psm_tau), M(m_pj_psm_E), M(m_pj_psm_V),
    M(m_pj_psm_target), M(m_pj_psm_to_input), M(m_pj_format), M(m_pj_init_code_param),
    M(m_syn_name), M(m_syn_weight), M(m_syn_param), M(m_syn_param_name), M(m_syn_runtime),
    M(m_syn_init), M(m_syn_var_name), M(m_syn_var_shared), M(m_syn_pre_var), M(m_syn_pre_var_init),
    M(m_syn_post_var), M(m_syn_post_var_init), M(m_syn_on_pre), M(m_syn_on_post),
    M(m_syn_pre_spike), M(m_syn_post_spike), M(m_syn_pre_dyn), M(m_syn_post_dyn), M(m_syn_dynamics),
    M(m_snip_name), M(m_snip_row_form), M(m_snip_param_name), M(m_snip_prob),
    M(m_snip_condition), M(m_snip_max_prob), M(m_snip_count), M(m_snip_target), M(m_isnip_name),
    M(m_isnip_param_name), M(m_isnip_code),
    M(m_cs_name), M(m_cs_kind), M(m_cs_pop), M(m_cs_amp), M(m_cs_mean), M(m_cs_sd),
    M(m_cs_rate), M(m_cs_weight), M(m_cs_psm), M(m_cs_time), M(m_cs_amps), M(m_cs_n_steps),
    M(m_cs_runtime),
    M(m_vr_pop), M(m_vr_var), M(m_vr_every), M(m_vr_count), M(m_sr_var), M(m_sr_every), M(m_vr_cu), M(m_sr_cu),
    M(m_sr_proj),
    M(m_cu_name), M(m_cu_group), M(m_cu_param), M(m_cu_param_name), M(m_cu_runtime),
    M(m_cu_var_name), M(m_cu_var_init), M(m_cu_var_reduce), M(m_cu_var_batch_reduce), M(m_cu_var_shared), M(m_cu_ref_name),
    M(m_cu_ref_target), M(m_cu_ref_var), M(m_cu_ref_rw), M(m_cu_code), M(m_cu_every),
    M(m_cu_at_end), M(m_pj_max_row), M(m_pj_row_padding), M(m_rw_name), M(m_rw_proj),
    M(m_rw_every), M(m_rw_group), M(m_rw_param), M(m_rw_param_name), M(m_rw_remove), M(m_rw_count), M(m_rw_cands), M(m_rw_cand_count),
    M(m_rw_cand_total), M(m_rw_cand_remove), M(m_rw_cand_add),
    M(m_rw_target), M(m_rw_total), M(m_rw_init_name), M(m_rw_init), M(m_rw_n_init), M(m_rw_redraw),
    M(m_pop_init_list), M(m_pop_init_expr), MF(m_pop_init_file), MF(m_pj_list_pre),
    MF(m_pj_list_post), MF(m_pj_weight_file), MF(m_pj_matrix),
#undef M
#undef MF
};

static void test_every_field_changes_the_dump(void **state)
{
    (void)state;
    char *base = dump(load(MODEL));
    uint64_t base_hash = ir_hash(load(MODEL));
    int missed = 0;
    for (size_t i = 0; i < sizeof MUTATIONS / sizeof MUTATIONS[0]; i++) {
        char *before = base;
        if (MUTATIONS[i].prep) {
            Model *p = load(MODEL);
            MUTATIONS[i].prep(p);
            before = dump(p);
        }
        Model *m = load(MODEL);
        if (MUTATIONS[i].prep)
            MUTATIONS[i].prep(m);
        MUTATIONS[i].f(m);
        char *after = dump(m);
        uint64_t h = 0xcbf29ce484222325ull, h0 = h; /* ir_hash is FNV-1a of the dump */
        for (const char *c = after; *c; c++)
            h = (h ^ (unsigned char)*c) * 0x100000001b3ull;
        for (const char *c = before; *c; c++)
            h0 = (h0 ^ (unsigned char)*c) * 0x100000001b3ull;
        if (!strcmp(after, before) || ir_hash(m) != h || (before == base && h0 != base_hash)) {
            print_error("mutation %s does not change the dump\n", MUTATIONS[i].name);
            missed++;
        }
        if (before != base)
            free(before);
        free(after);
    }
    free(base);
    assert_int_equal(missed, 0);
    (void)renamed;
}

/* The same text gives the same dump and hash (the dump is canonical). */
static void test_dump_is_stable(void **state)
{
    (void)state;
    char *a = dump(load(MODEL));
    char *b = dump(load(MODEL));
    assert_string_equal(a, b);
    free(a);
    free(b);
}

/* The case, through the model language: stdp { A_plus = 0.01 } against 0.02. */
static void test_synapse_params_change_the_hash(void **state)
{
    (void)state;
#define SYN_MODEL(a)                                                                    \
    "network { dt = 0.1 }\n"                                                          \
    "local A = population { \"A\", lif { }, 10 }\n"                                  \
    "projection { A, A, conn = all_to_all(), synapse = stdp { A_plus = " a " } }\n"
    const char *t1 = SYN_MODEL("0.01"), *t2 = SYN_MODEL("0.02");
#undef SYN_MODEL
    uint64_t h1 = ir_hash(load(t1)), h1b = ir_hash(load(t1)), h2 = ir_hash(load(t2));
    assert_true(h1 == h1b);
    assert_true(h1 != h2);
}

static int teardown(void **state)
{
    (void)state;
    diag_set_sink(NULL, NULL);
    diag_reset();
    arena_free_all();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_every_field_changes_the_dump, teardown),
        cmocka_unit_test_teardown(test_dump_is_stable, teardown),
        cmocka_unit_test_teardown(test_synapse_params_change_the_hash, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
