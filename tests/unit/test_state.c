/*
 * test_state.c - the state table (compiler/state.c) lists every array and value a
 * simulator holds: one rich model (every kind of state: neuron variables, spike flags,
 * extra global parameters, runtime parameters of populations, current sources and weight
 * update models, spike source arrays, inputs with alpha state and dendritic rings, spike
 * queues, rows, synapse, pre and post variables, column views, synapse positions, seeds and
 * streams of synapse code, a data set's length, labels, examples and cursor) must give each kind at least once, every name once, and the
 * shapes, owners and stored/rebuilt flags below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "backend.h"

static const char *MODEL =
    "network { name = \"rich\", dt = 0.1, seed = 7, batch = 2 }\n"
    "local S = population { \"S\", spike_source_array { times = { {1.0, 2.0}, {}, {3.0} } }, 3 }\n"
    "local g = {}\n"
    "for i = 1, 20 do g[i] = 0.5 + 0.05 * i end\n"
    "local gained = neuron { name = \"gained\", params = { tau = 10.0 }, vars = { V = 0.0 },\n"
    "  egp = { \"gain\" }, sim = \"V += dt * (-V / tau) + gain[id] * Isyn;\",\n"
    "  threshold = \"V >= 8.0\", reset = \"V = 0.0;\" }\n"
    "local G = population { \"G\", gained, 20, egp = { gain = g }, runtime = { \"tau\" } }\n"
    "local A = population { \"A\", lif { }, 50 }\n"
    "local B = population { \"B\", lif { }, 40 }\n"
    "local noisy = synapse { name = \"noisy\", params = { a = 0.5, b = 1.0 },\n"
    "  vars = { w = 0.0, e = 0.0 }, pre_vars = { x = 0.0 }, post_vars = { z = 0.0 },\n"
    "  on_pre = \"w = a * w + uniform() + 0.01 * z + 0.001 * x; e += b;\",\n"
    "  on_post = \"w += 0.1 * normal();\", pre_spike = \"x += 1.0;\",\n"
    "  post_dynamics = \"z = 0.9 * z;\", dynamics = \"add_to_pre(0.001 * e);\" }\n"
    "projection { S, A, conn = all_to_all(), weight = 100.0, delay = 1.0 }\n"
    "projection { A, B, conn = fixed_probability(0.2), weight = 20.0,\n"
    "             delay = uniform(0.5, 3.0), psm = exp_curr(2.0) }\n"
    "projection { B, G, conn = fixed_total(200), weight = 1.0, delay = 2.0,\n"
    "             psm = alpha_curr(0.5) }\n"
    "projection { A, A, conn = fixed_indegree(10), synapse = noisy,\n"
    "             weight = 0.5, delay = 1.5, runtime = { \"b\" }, pre_input = \"Isyn\" }\n"
    "current_source { B, dc { amp = 50.0 }, runtime = { \"amp\" } }\n"
    "custom_update { name = \"Norm\", group = \"G1\", params = { k = 2.0 }, runtime = { \"k\" },\n"
    "  vars = { S = { reduce = \"sum\" }, y = 0.5 }, var_refs = { V = ref(\"A\", \"V\") },\n"
    "  code = \"S = V; y = k * V;\" }\n"
    "custom_update { name = \"Grad\", group = \"G1\",\n"
    "  vars = { g = 0.0, gs = { reduce = \"batch_sum\" } },\n"
    "  var_refs = { e = ref(\"A_to_A\", \"e\") }, code = \"g += e; gs = e;\" }\n"
    "local D = population { \"D\", spike_source_dataset { classes = 4 }, 5 }\n"
    "projection { D, B, conn = all_to_all(), weight = 1.0 }\n";

static char g_diags[16384];

static void sink(void *ud, const char *line)
{
    (void)ud;
    size_t n = strlen(g_diags);
    snprintf(g_diags + n, sizeof g_diags - n, "%s\n", line);
}

static StateTable table(void)
{
    g_diags[0] = '\0';
    diag_reset();
    diag_set_sink(sink, NULL);
    LoadOptions opt = {0};
    Model *m = load_model_string("t.lua", MODEL, &opt);
    if (!m || check_model(m) != 0)
        fail_msg("the model does not load: %s", g_diags);
    return state_table(m);
}

static const StateEntry *entry(const StateTable *t, const char *name)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].name, name))
            return &t->v[i];
    fail_msg("no state table entry '%s'", name);
    return NULL;
}

static void test_every_kind_once_each_name(void **state)
{
    (void)state;
    StateTable t = table();
    int seen[SK_COUNT] = {0};
    for (int i = 0; i < t.n; i++) {
        seen[t.v[i].kind]++;
        for (int j = 0; j < i; j++)
            if (!strcmp(t.v[i].name, t.v[j].name))
                fail_msg("'%s' is in the table twice", t.v[i].name);
        assert_non_null(t.v[i].what);
        /* owned by a population or projection, or the CUDA back end's model-wide state */
        assert_true(t.v[i].pop != NULL || t.v[i].proj != NULL ||
                    (t.v[i].cuda_only && t.v[i].device_only));
    }
    for (int k = 0; k < SK_COUNT; k++)
        if (!seen[k])
            fail_msg("no entry of kind %d (%s)", k, state_kind_name((StateKind)k));
}

/* name, type, shape, stored, device, init, what */
static const struct {
    const char *name, *type, *shape;
    bool stored, device;
    StateInit init;
    const char *what;
} EXPECT[] = {
    {"A_V", "scalar", "SNN_NL_A", true, true, SI_INITIAL, "population 'A' variable 'V'"},
    {"snn_flag_A", "uint8_t", "SNN_NL_A", false, true, SI_ZERO, "population 'A' spike flags"},
    {"snn_egp_G_gain", "scalar", "SNN_N_G", false, true, SI_COMPILED,
     "population 'G' extra global parameter 'gain'"},
    {"snn_rp_G_tau", "double", "value", true, true, SI_VALUE,
     "population 'G' runtime parameter 'tau'"},
    {"snn_rpc_B_dc_amp", "double", "value", true, true, SI_VALUE,
     "current source 'B_dc' runtime parameter 'amp'"},
    {"snn_sss_S", "uint64_t", "SNN_N_S+1", false, true, SI_COMPILED, NULL},
    {"snn_sst_S", "uint32_t", "list", false, true, SI_COMPILED, NULL},
    {"snn_ssc_S", "uint64_t", "SNN_NL_S", true, true, SI_INITIAL, NULL},
    {"snn_in0_B", "scalar", "SNN_NL_B", true, true, SI_ZERO, "population 'B' input 0"},
    {"snn_ax0_G", "scalar", "SNN_NL_G", true, true, SI_ZERO, NULL},
    {"snn_ay0_G", "scalar", "SNN_NL_G", true, true, SI_ZERO, NULL},
    {"snn_ddn0_B", "uint32_t", "value", false, true, SI_BUILT, NULL},
    {"snn_dd0_B", "scalar", "ring x SNN_NL_B", true, true, SI_ZERO,
     "population 'B' input 0 dendritic delays"},
    {"snn_spk_A", "uint32_t", "slots x SNN_N_A", true, false, SI_ZERO, NULL},
    {"snn_spkcnt_A", "uint32_t", "slots", true, false, SI_ZERO, NULL},
    {"snn_tspk_A", "uint32_t", "SNN_NL_A", false, false, SI_ZERO, NULL},
    {"snn_syn_A_to_B", "snn_ragged", "thread", false, true, SI_BUILT, "projection 'A_to_B'"},
    {"snn_syn_A_to_A", "snn_ragged", "thread", true, true, SI_BUILT, NULL},
    {"snn_seed_A_to_A", "uint64_t", "value", false, true, SI_VALUE, NULL},
    {"snn_sstream_A_to_A_on_pre", "uint64_t", "value", false, true, SI_VALUE, NULL},
    {"snn_sstream_A_to_A_on_post", "uint64_t", "value", false, true, SI_VALUE, NULL},
    {"snn_rps_A_to_A_b", "double", "value", true, true, SI_VALUE, NULL},
    {"snn_soff_A_to_A", "uint64_t", "thread+1", false, false, SI_BUILT, NULL},
    {"snn_sv_A_to_A_e", "scalar", "synapse", true, true, SI_INITIAL,
     "projection 'A_to_A' variable 'e'"},
    {"snn_pv_A_to_A_x", "scalar", "SNN_N_A", true, true, SI_INITIAL, NULL},
    {"snn_qv_A_to_A_z", "scalar", "SNN_NL_A+1", true, true, SI_INITIAL, NULL},
    {"snn_cols_A_to_A", "snn_columns", "thread", false, true, SI_BUILT, NULL},
    {"snn_pin_A_to_A", "scalar", "SNN_NL_A", true, true, SI_ZERO,
     "projection 'A_to_A' add_to_pre sums"},
    {"snn_xa_A_to_A", "int64_t", "(thread+1) x SNN_N_A x SNN_XW", false, true, SI_ZERO, NULL},
    {"snn_cuv_Norm_S", "scalar", "value", true, true, SI_INITIAL,
     "custom update 'Norm' variable 'S'"},
    {"snn_cuv_Norm_y", "scalar", "SNN_NL_A", true, true, SI_INITIAL, NULL},
    {"snn_rpu_Norm_k", "double", "value", true, true, SI_VALUE,
     "custom update 'Norm' runtime parameter 'k'"},
    {"snn_cuv_Grad_g", "scalar", "synapse", true, true, SI_INITIAL,
     "custom update 'Grad' variable 'g'"},
    {"snn_sss_D", "uint64_t", "SNN_N_D+1", false, true, SI_COMPILED, NULL},
    {"snn_dsn_D", "uint32_t", "value", false, true, SI_BUILT, "population 'D' example length"},
    {"snn_dsk_D", "uint64_t", "value", false, false, SI_BUILT, NULL},
    {"snn_dsl_D", "int32_t", "list", false, true, SI_BUILT, "population 'D' labels"},
    {"snn_dse_D", "uint32_t", "list", false, true, SI_BUILT, NULL},
    {"snn_dsc_D", "uint64_t", "value", true, false, SI_BUILT, "population 'D' data set cursor"},
    {"snn_rec_A", "uint32_t", "rec-block x SNN_N_A", false, false, SI_ZERO,
     "population 'A' recorded spikes"},
    {"snn_reccnt_A", "uint32_t", "rec-block", false, false, SI_ZERO, NULL},
    {"snn_spktot", "unsigned long long", "populations", false, false, SI_ZERO, NULL},
    {"snn_dstep", "uint64_t", "value", false, false, SI_ZERO, NULL},
    {"snn_scr_global", "uint64_t", "grid", false, false, SI_ZERO, NULL},
};

/* The CUDA back end's device-only state: the spike queues (the C back end's host arrays),
 * the recording blocks and the model-wide counters (CUDA only); not the thread blocks. */
static void test_device_only(void **state)
{
    (void)state;
    StateTable t = table();
    static const struct {
        const char *name;
        bool device_only, cuda_only;
    } want[] = {
        {"snn_spk_A", true, false},     {"snn_spkcnt_A", true, false},
        {"snn_lspk_A", true, false},    {"snn_lcnt_A", true, false},
        {"snn_rec_A", true, true},      {"snn_reccnt_A", true, true},
        {"snn_tlo_A", false, false},    {"snn_tspk_A", false, false},
        {"A_V", false, false},          {"snn_r", true, true},
        {"snn_recon", true, true},      {"snn_rectot", true, true},
        {"snn_bad_key", true, true},    {"snn_bad_val", true, true},
        {"snn_bad_step", true, true},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const StateEntry *e = entry(&t, want[i].name);
        if (e->device_only != want[i].device_only || e->cuda_only != want[i].cuda_only)
            fail_msg("'%s': device_only %d cuda_only %d", e->name, e->device_only, e->cuda_only);
        /* device-only state is never a host array's mirror, and has its declaration's text */
        assert_false(e->device_only && e->device);
        if (e->device_only)
            assert_non_null(e->device_note);
    }
    /* no procedural projection: no device check of regenerated rows */
    for (int i = 0; i < t.n; i++)
        assert_string_not_equal(t.v[i].name, "snn_proc_sum");
}

static void test_entries(void **state)
{
    (void)state;
    StateTable t = table();
    for (size_t i = 0; i < sizeof EXPECT / sizeof *EXPECT; i++) {
        const StateEntry *e = entry(&t, EXPECT[i].name);
        assert_string_equal(e->type, EXPECT[i].type);
        assert_string_equal(state_shape_name(e), EXPECT[i].shape);
        if (e->stored != EXPECT[i].stored || e->device != EXPECT[i].device ||
            e->init != EXPECT[i].init)
            fail_msg("'%s': stored %d device %d init %s", e->name, e->stored, e->device,
                     state_init_name(e->init));
        if (EXPECT[i].what)
            assert_string_equal(e->what, EXPECT[i].what);
    }
    /* the weight is in the rows, not a synapse variable of its own */
    for (int i = 0; i < t.n; i++)
        assert_string_not_equal(t.v[i].name, "snn_sv_A_to_A_w");
    /* no synapse state for a static projection */
    for (int i = 0; i < t.n; i++)
        if (t.v[i].proj && !strcmp(t.v[i].proj->name, "A_to_B"))
            assert_int_equal(t.v[i].kind, SK_ROWS);
    /* the CUDA copy of a synapse variable is one thread block's */
    assert_string_equal(state_bytes(entry(&t, "snn_sv_A_to_A_e"), true),
                        "sizeof(scalar) * snn_syn_A_to_A[0].capacity");
    assert_string_equal(state_bytes(entry(&t, "snn_sv_A_to_A_e"), false),
                        "sizeof(scalar) * (snn_cap ? snn_cap : 1)");
    assert_string_equal(state_bytes(entry(&t, "A_V"), false), "sizeof(scalar) * SNN_NL_A");
}

static void test_print(void **state)
{
    (void)state;
    StateTable t = table();
    StrBuf sb;
    sb_init(&sb);
    state_print(&sb, &t);
    assert_non_null(strstr(sb.buf, "snn_sv_A_to_A_e\tscalar\tsynapse\tprojection:A_to_A\tsyn-var"
                                   "\tinitial\tstored\tdevice,per-lane\t"));
    assert_non_null(strstr(sb.buf, "snn_soff_A_to_A\tuint64_t\tthread+1\tprojection:A_to_A\t"
                                   "offsets\tbuilt\trebuilt\thost\t"));
    assert_non_null(strstr(sb.buf, "snn_dstep\tuint64_t\tvalue\tmodel\tdevice-counter\tzeroed"
                                   "\trebuilt\tcuda,template,device-only\t"));
    assert_non_null(strstr(sb.buf, "snn_spk_A\tuint32_t\tslots x SNN_N_A\tpopulation:A\t"
                                   "spike-queue\tzeroed\tstored\thost,template,device-only,per-lane\t"));
    sb_release(&sb);
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
        cmocka_unit_test_teardown(test_every_kind_once_each_name, teardown),
        cmocka_unit_test_teardown(test_entries, teardown),
        cmocka_unit_test_teardown(test_device_only, teardown),
        cmocka_unit_test_teardown(test_print, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
