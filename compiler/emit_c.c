/*
 * emit_c.c - the C back end: renders the model-dependent pieces (state declarations,
 * allocation, initialisation, neuron update loops with the model's code strings, spike
 * propagation over the ragged rows) and hands them to templates/c/model.c.tmpl, which
 * owns the file's skeleton.  The pieces the CUDA back end shares (the code printer, the
 * neuron update body, the weight update model code, the plans and descriptors) are in
 * lower.c; what is here is the C back end's own: its state, construction, loops over
 * thread blocks, propagation, plasticity and the template scope (emit_c_scope, which the
 * CUDA back end's host half expands too).
 *
 * Hot loops are written for memory bandwidth: state variables are loaded into locals
 * once per neuron and stored once; propagation is a branch-free loop over a contiguous
 * row of target indices (16-bit where the target population fits) with the weight either
 * a literal (homogeneous) or a contiguous array.  Parameters and dt become literals, so
 * the C compiler folds expressions such as exp(-dt / tau_m) at compile time.
 */
#include "backend.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- pieces ------------------------------------------------------------------------ */

static const char *conn_kind_c(ConnKind k)
{
    switch (k) {
    case CONN_ALL_TO_ALL: return "SNN_CONN_ALL_TO_ALL";
    case CONN_ONE_TO_ONE: return "SNN_CONN_ONE_TO_ONE";
    case CONN_FIXED_PROBABILITY: return "SNN_CONN_FIXED_PROBABILITY";
    case CONN_FIXED_INDEGREE: return "SNN_CONN_FIXED_INDEGREE";
    case CONN_FIXED_OUTDEGREE: return "SNN_CONN_FIXED_OUTDEGREE";
    case CONN_FIXED_TOTAL: return "SNN_CONN_FIXED_TOTAL";
    case CONN_USER: return "SNN_CONN_USER_PAIR"; /* or _ROW: see proj_build */
    case CONN_FROM_LIST: return "SNN_CONN_LIST";
    case CONN_FROM_MATRIX: return "SNN_CONN_MATRIX";
    }
    return "?";
}

/* Spike times of a spike_source_array as steps: a time T fires in the step that ends at
 * T (stamp (s + 1) dt), so s = round(T / dt) - 1, at least 0. */
static void spike_source_decls(StrBuf *o, const Model *m, const Population *p)
{
    const NeuronModel *nm = p->model;
    int64_t total = nm->sst_start[nm->n_lists];
    sb_printf(o, "/* spike times in steps (%s%s) */\n", nm->sst_file[0] ? "from " : "a Lua table",
              nm->sst_file);
    sb_printf(o, "static const uint64_t snn_sss0_%s[%lld] = {", p->name, (long long)p->n + 1);
    for (int64_t i = 0; i <= p->n; i++)
        sb_printf(o, "%s%llu", i % 12 ? ", " : i ? ",\n    " : "\n    ",
                  (unsigned long long)nm->sst_start[i < nm->n_lists ? i : nm->n_lists]);
    sb_puts(o, "\n};\n");
    sb_printf(o, "static const uint32_t snn_sst0_%s[%lld] = {", p->name, (long long)total + 1);
    for (int64_t k = 0; k < total; k++) {
        double s = llround(nm->sst_times[k] / m->dt) - 1.0;
        sb_printf(o, "%s%.0f", k % 12 ? ", " : k ? ",\n    " : "\n    ", s < 0 ? 0.0 : s);
    }
    sb_printf(o, "%s0\n};\n", total % 12 ? ", " : total ? ",\n    " : "\n    ");
    sb_printf(o, "/* the times in use: these, or a file named by the run config's spike_times */\n"
                 "static const uint64_t *snn_sss_%s = snn_sss0_%s;\n"
                 "static const uint32_t *snn_sst_%s = snn_sst0_%s;\n", p->name, p->name,
              p->name, p->name);
}

/* The declaration of a state table entry's array or value (no newline). */
static const char *state_decl(const StateEntry *e)
{
    const char *t = e->type, *sp = t[strlen(t) - 1] == '*' ? "" : " ";
    const char *d = e->shape == SS_VALUE
                        ? (e->kind == SK_RPARAM || e->kind == SK_RPARAM_SRC ||
                                   e->kind == SK_RPARAM_SYN || e->kind == SK_RPARAM_CU
                               ? arena_printf("static %s %s = %.17g;", t, e->name, e->value)
                               : arena_printf("static %s %s;", t, e->name))
                        : arena_printf("static %s%s*%s;", t, sp, e->name);
    return e->note ? arena_printf("%s /* %s */", d, e->note) : d;
}

/* The allocation of a state table entry's array (no newline). */
static const char *state_alloc(const StateEntry *e)
{
    return arena_printf("%s = snn_alloc(%s, \"%s\");", e->name, state_bytes(e, false), e->what);
}

/* Checkpoints (runtime/rt_ckpt.c): model_state hands every entry of the state table marked
 * stored to fn, with its name, address and size in bytes; the runtime writes them into a
 * checkpoint or reads them back after construction and the initial values; block is -1
 * (a thread block's own piece would give its number).  Per-synapse values go through snn_state_synapses, in an order that does not
 * depend on the thread blocks.  Rows are rebuilt from the seed: their connectivity checksum
 * goes with SNN_STATE_CHECK, compared, not overwritten; a rewired projection's rows are
 * stored (snn_state_rewired_rows), the column views and row lengths rebuilt from them. */
static void state_io_plain(StrBuf *o, const StateEntry *e)
{
    const char *n = e->name, *p = state_size_pop(e);
    switch (e->shape) {
    case SS_LOCAL:
    case SS_LOCAL_PAD:
        sb_printf(o, "snn_state_local(fn, ctx, \"%s\", %s, sizeof(%s), 1, %d, SNN_LO_%s, "
                     "SNN_NL_%s, SNN_N_%s);\n", n, n, e->type, e->shape == SS_LOCAL_PAD, p, p, p);
        break;
    case SS_RING:
        sb_printf(o, "snn_state_ring(fn, ctx, \"%s\", %s, sizeof(%s), snn_ddn%d_%s, SNN_LO_%s, "
                     "SNN_NL_%s, SNN_N_%s);\n", n, n, e->type, e->index, p, p, p, p);
        break;
    case SS_GLOBAL:
    case SS_GLOBAL_1:
        sb_printf(o, "snn_state_replicated(fn, ctx, \"%s\", %s, %s);\n", n, n,
                  state_bytes(e, false));
        break;
    case SS_VALUE:
        sb_printf(o, "snn_state_replicated(fn, ctx, \"%s\", &%s, sizeof %s);\n", n, n, n);
        break;
    default: /* per rank: a restore on another number of ranks refuses it, naming it */
        sb_printf(o, "fn(ctx, \"%s\", -1, %s, %s, 0);\n", n, n, state_bytes(e, false));
        break;
    }
}

/* A rewired projection's rows (not from the seed; with what follows from them and the
 * update's counts) and its weights.  Batched models: the rows before every lane's synapse
 * values (pass 3), a per-lane weight with the lane's entries (pass 1). */
static void rewired_rows_io(StrBuf *o, const Model *m, const StateEntry *e, bool rows,
                            bool weight)
{
    const Projection *pj = e->proj;
    const char *pn = pj->name, *n = e->name;
    if (rows) {
        sb_printf(o, "snn_state_rewired_rows(fn, ctx, \"%s.rows\", %s, snn_nthr, \"%s\");\n"
                     "if (snn_state_loading(fn)) { /* what follows from the rows */\n",
                  n, n, pn);
        if (pj->syn && pj->syn_code[SC_ON_POST].stmts)
            sb_printf(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n"
                         "        snn_columns_free(&snn_cols_%s[snn_t]);\n"
                         "        snn_columns_build(&%s[snn_t], \"%s\", &snn_cols_%s[snn_t]);\n"
                         "    }\n", pn, n, pn, pn);
        for (int k = 0; k < m->n_cupds; k++)
            if (m->cupds[k]->proj == pj)
                sb_printf(o, "    snn_rewire_lengths(snn_rewire_get(%d), %s, snn_nthr);\n",
                          m->cupds[k]->index, n);
        sb_puts(o, "}\n");
        for (int k = 0; k < m->n_cupds; k++)
            if (m->cupds[k]->proj == pj)
                sb_printf(o, "snn_state_rewire_counts(fn, ctx, \"snn_rw_%s\", %d);\n",
                          m->cupds[k]->name, m->cupds[k]->index);
        if (pj->het_delay) /* the delays, in the rows' order (held once, for every lane) */
            sb_printf(o, "snn_state_synapse_delays(fn, ctx, \"%s.delay\", %s, snn_nthr);\n", n,
                      n);
    }
    if (weight)
        sb_printf(o, "if (%s[0].weight_bytes)\n"
                     "    snn_state_synapses(fn, ctx, \"%s.weight\", %s, snn_nthr, NULL, "
                     "NULL, 0);\n", n, n, n);
}

/* pass 0: every stored entry (an unbatched model); a batched one's model_state hands the
 * rewired projections' rows first (pass 3), then the per-lane entries once per lane (pass 1, lane b selected and named by snn_state_lane; the
 * weights of a projection whose weight is per lane with them), then the shared ones once
 * (pass 2: connectivity checksums, shared variables, parameters). */
static void state_io_pass(StrBuf *o, const Model *m, const StateTable *st, int pass)
{
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (!e->stored)
            continue;
        const char *n = e->name;
        if (e->kind == SK_ROWS && pass && e->proj && e->proj->rewired) {
            if (pass == 3)
                rewired_rows_io(o, m, e, true, false);
            else if ((pass == 1) == state_weight_per_lane(m, e->proj))
                rewired_rows_io(o, m, e, false, true);
            continue;
        }
        if (pass == 3)
            continue;
        if (e->kind == SK_ROWS && pass && !(e->proj && e->proj->rewired)) {
            const int lw = state_weight_per_lane(m, e->proj);
            if (pass == 2)
                sb_printf(o, "snn_state_rows_checksum(fn, ctx, \"%s.checksum\", %s, snn_nthr);\n",
                          n, n);
            if ((pass == 1) == lw)
                sb_printf(o, "snn_state_synapses(fn, ctx, \"%s.weight\", %s, snn_nthr, NULL, "
                             "NULL, 0);\n", n, n);
            continue;
        }
        if (pass && e->kind != SK_ROWS && (pass == 1) != e->lane)
            continue;
        if (pass == 1 && e->kind == SK_ROWS)
            continue;
        switch (e->kind) {
        case SK_RPARAM:
        case SK_RPARAM_SRC:
        case SK_RPARAM_SYN:
        case SK_DS_START:
        case SK_RPARAM_CU:
            sb_printf(o, "snn_state_replicated(fn, ctx, \"%s\", &%s, sizeof %s);\n", n, n, n);
            break;
        case SK_CU_VAR: /* a reduced value, per neuron, or per synapse in the rows' layout */
            if (e->shape == SS_VALUE)
                sb_printf(o, "snn_state_replicated(fn, ctx, \"%s\", &%s, sizeof %s);\n", n, n,
                          n);
            else if (e->shape == SS_SYNAPSE)
                sb_printf(o, "snn_state_synapses(fn, ctx, \"%s\", snn_syn_%s, snn_nthr, %s, "
                             "snn_soff_%s, (int)sizeof(scalar));\n", n, e->proj->name, n,
                          e->proj->name);
            else
                state_io_plain(o, e);
            break;
        case SK_QUEUE:
            if (e->shape == SS_SLOTS)
                sb_printf(o, "snn_state_queue_counts(fn, ctx, \"%s\", %s, sizeof %s);\n", n, n,
                          n);
            else
                sb_printf(o, "snn_state_queue(fn, ctx, \"%s\", %s, snn_spkcnt_%s, SNN_NSLOT_%s, "
                             "SNN_N_%s);\n", n, n, e->pop->name, e->pop->name, e->pop->name);
            break;
        case SK_ROWS:
            if (e->proj && e->proj->rewired) { /* rows that change: not from the seed */
                rewired_rows_io(o, m, e, true, true);
                break;
            }
            sb_printf(o, "snn_state_rows_checksum(fn, ctx, \"%s.checksum\", %s, snn_nthr);\n"
                         "snn_state_synapses(fn, ctx, \"%s.weight\", %s, snn_nthr, NULL, NULL, "
                         "0);\n", n, n, n, n);
            break;
        case SK_SS_CURSOR:
            if (e->pop->model->dataset) {
                const char *p = e->pop->name;
                sb_printf(o, "snn_state_ds_cursor(fn, ctx, \"%s\", %s, snn_sss_%s, snn_sst_%s, "
                             "SNN_LO_%s, SNN_NL_%s, SNN_N_%s);\n", n, n, p, p, p, p, p);
            } else {
                state_io_plain(o, e);
            }
            break;
        case SK_PRE_VAR:
            sb_printf(o, "snn_state_pre(fn, ctx, \"%s\", %s, sizeof(%s), snn_syn_%s, snn_nthr);\n",
                      n, n, e->type, e->proj->name);
            break;
        case SK_SYN_VAR:
            sb_printf(o, "snn_state_synapses(fn, ctx, \"%s\", snn_syn_%s, snn_nthr, %s, "
                         "snn_soff_%s, (int)sizeof(scalar));\n", n, e->proj->name, n,
                      e->proj->name);
            break;
        default:
            state_io_plain(o, e);
            break;
        }
    }
}

static void state_io(StrBuf *o, const Model *m, const StateTable *st)
{
    if (!m->batch) {
        state_io_pass(o, m, st, 0);
        return;
    }
    state_io_pass(o, m, st, 3); /* rewired rows first: the lanes' synapse values follow them */
    sb_puts(o, "for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) {\n"
               "    snn_lane_select(run, snn_b);\n    snn_state_lane(snn_b);\n");
    state_io_pass(o, m, st, 1);
    sb_puts(o, "}\nsnn_lane_select(run, 0);\nsnn_state_lane(0);\n");
    state_io_pass(o, m, st, 2);
}

/* A population's state (the state table's entries declared with it). */
static void pop_decls(StrBuf *o, const Model *m, const Population *p, const StateTable *st)
{
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (e->pop != p || e->in_template)
            continue;
        if (e->kind == SK_EGP) {
            int k = e->index;
            const NeuronModel *nm = p->model;
            sb_printf(o, "/* extra global parameter %s (%s%s) */\n", nm->egps[k],
                      p->egp_src[k][0] ? "from " : "a Lua table", p->egp_src[k]);
            sb_printf(o, "static const scalar %s[%lld] = {", e->name, (long long)p->n);
            for (int64_t j = 0; j < p->n; j++)
                sb_printf(o, "%s%s", j % 8 ? ", " : j ? ",\n    " : "\n    ",
                          emit_scalar_literal(p->egp[k][j], m->precision == PREC_FLOAT));
            sb_puts(o, "\n};\n");
        } else if (e->kind == SK_SS_STARTS) {
            spike_source_decls(o, m, p); /* the starts and the times */
        } else if (e->kind != SK_SS_TIMES) {
            sb_printf(o, "%s\n", state_decl(e));
        }
    }
}

/* Before the projections are built: the population's arrays. */
static void pop_alloc(StrBuf *o, const Model *m, const Population *p, const StateTable *st)
{
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (e->pop != p || e->alloc != SA_POP)
            continue;
        if (e->kind == SK_SS_STARTS && p->model->dataset) /* the run config's data set */
            sb_printf(o, "{\n    snn_dataset_in snn_ds = {0};\n"
                         "    snn_dataset_apply(run, \"%s\", SNN_N_%s, %.17g, %d, &snn_ds);\n"
                         "    snn_sss_%s = snn_ds.starts;\n    snn_sst_%s = snn_ds.steps;\n"
                         "    snn_dsl_%s = snn_ds.labels;\n    snn_dse_%s = snn_ds.examples;\n"
                         "    snn_dsn_%s = snn_ds.length;\n    snn_dsk_%s = snn_ds.count;\n"
                         "    snn_dsc_%s = snn_ds.start;\n}\n",
                      p->name, p->name, m->dt, (int)p->model->classes, p->name, p->name, p->name,
                      p->name, p->name, p->name, p->name);
        else if (e->kind == SK_SS_STARTS) /* compiled in, or the run config's spike_times */
            sb_printf(o, "snn_spike_times_apply(run, \"%s\", SNN_N_%s, %.17g, &snn_sss_%s, "
                         "&snn_sst_%s);\n", p->name, p->name, m->dt, p->name, p->name);
        else
            sb_printf(o, "%s\n", state_alloc(e));
    }
}

/* After the projections are built: dendritic rings as deep as the longest stored delay. */
static void pop_alloc_rings(StrBuf *o, const Model *m, const Population *p,
                            const StateTable *st)
{
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (e->pop != p || e->alloc != SA_RINGS)
            continue;
        if (e->kind != SK_RING_DEPTH) {
            sb_printf(o, "%s\n", state_alloc(e));
            continue;
        }
        int k = e->index;
        sb_printf(o, "%s = 1;\n", e->name);
        for (int j = 0; j < m->n_projs; j++) {
            const Projection *pj = m->projs[j];
            if (pj->post == p && pj->input_slot == k && pj->het_delay)
                sb_printf(o, "for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n"
                             "    if (snn_syn_%s[snn_t].max_delay > %s)\n"
                             "        %s = snn_syn_%s[snn_t].max_delay;\n", pj->name,
                          e->name, e->name, pj->name);
        }
    }
}

/* Initial values from data: a .npy file read now (this rank's neurons only), or a Lua
 * list compiled in. */
static void pop_init_data(StrBuf *o, const Population *p, int k)
{
    const NeuronModel *nm = p->model;
    const Init *in = &p->inits[k];
    const char *v = nm->vars[k].name;
    if (in->kind == INIT_FILE) {
        sb_printf(o, "snn_init_from_file(snn_data_path(run, \"%s\", \"%s\"),\n"
                     "                   \"population '%s' variable '%s'\", SNN_N_%s, SNN_LO_%s, "
                     "SNN_NL_%s,\n                   %s_%s, (int)sizeof(scalar));\n",
                  in->file_arg, in->file, p->name, v, p->name, p->name, p->name, p->name, v);
        return;
    }
    sb_printf(o, "{ /* %s = a list of %lld values */\n    static const double snn_vals[] = {",
              v, (long long)in->n_vals);
    for (int64_t i = 0; i < in->n_vals; i++)
        sb_printf(o, "%s%s,", i % 4 ? " " : "\n        ", emit_c_double(in->vals[i]));
    sb_printf(o, "\n    };\n    for (uint32_t snn_i = 0; snn_i < SNN_NL_%s; snn_i++)\n"
                 "        %s_%s[snn_i] = (scalar)snn_vals[SNN_LO_%s + snn_i];\n}\n", p->name,
              p->name, v, p->name);
}

/* Code-string initial values, after all the others, in dependency order (check.c). */
static void pop_init_exprs(StrBuf *o, const Model *m, const Population *p)
{
    const NeuronModel *nm = p->model;
    if (!p->n_expr_order)
        return;
    CodePrinter pr = emit_pop_printer(m, p);
    sb_printf(o, "for (uint32_t snn_i = 0; snn_i < SNN_NL_%s; snn_i++) { /* initial values "
                 "from code */\n", p->name);
    for (int k = 0; k < nm->n_params; k++)
        if (p->runtime[k])
            sb_printf(o, "    const scalar snn_rpv_%s = (scalar)snn_rp_%s_%s; /* runtime */\n"
                         "    (void)snn_rpv_%s;\n", nm->params[k].name, p->name,
                      nm->params[k].name, nm->params[k].name);
    for (int q = 0; q < p->n_expr_order; q++) {
        int k = p->expr_order[q];
        sb_puts(o, "    {\n");
        for (int v = 0; v < nm->n_vars; v++)
            sb_printf(o, "        const scalar %s = %s_%s[snn_i];\n        (void)%s;\n",
                      nm->vars[v].name, p->name, nm->vars[v].name, nm->vars[v].name);
        sb_printf(o, "        %s_%s[snn_i] = (scalar)(", p->name, nm->vars[k].name);
        code_print_expr(o, p->inits[k].code->expr, &pr);
        sb_printf(o, "); /* %s:%d */\n    }\n", p->inits[k].code->loc.file,
                  p->inits[k].code->loc.line);
    }
    sb_puts(o, "}\n");
}

static void pop_init(StrBuf *o, const Model *m, const Population *p)
{
    const NeuronModel *nm = p->model;
    for (int k = 0; k < nm->n_vars; k++) {
        const Init *in = &p->inits[k];
        if (in->kind == INIT_FILE || in->kind == INIT_ARRAY) {
            pop_init_data(o, p, k);
            continue;
        }
        if (in->kind == INIT_EXPR)
            continue; /* pop_init_exprs */
        sb_printf(o, "{ /* %s = %s */\n", nm->vars[k].name, init_kind_name(in->kind));
        sb_printf(o, "    const snn_init vinit = %s;\n",
                  emit_c_init(in, arena_printf("var:%s/%s", p->name, nm->vars[k].name)));
        sb_printf(o, "    snn_init_block(&vinit, run->seed, SNN_LO_%s, SNN_NL_%s, %s_%s, "
                     "(int)sizeof(scalar));\n}\n", p->name, p->name, p->name, nm->vars[k].name);
    }
    Inputs in = emit_inputs_of(m, p);
    for (int k = 0; k < in.n; k++) {
        sb_printf(o, "memset(snn_in%d_%s, 0, sizeof(scalar) * SNN_NL_%s);\n", k, p->name, p->name);
        if (in.psm[k]->kind == PSM_ALPHA_CURR) {
            sb_printf(o, "memset(snn_ax%d_%s, 0, sizeof(scalar) * SNN_NL_%s);\n", k, p->name,
                      p->name);
            sb_printf(o, "memset(snn_ay%d_%s, 0, sizeof(scalar) * SNN_NL_%s);\n", k, p->name,
                      p->name);
        }
        if (in.dendritic[k])
            sb_printf(o, "memset(snn_dd%d_%s, 0, sizeof(scalar) * snn_ddn%d_%s * SNN_NL_%s);\n",
                      k, p->name, k, p->name, p->name);
    }
    pop_init_exprs(o, m, p);
    if (nm->spike_source)
        sb_printf(o, "for (uint32_t i = 0; i < SNN_NL_%s; i++)\n    snn_ssc_%s[i] = "
                     "snn_sss_%s[SNN_LO_%s + i];\n", p->name, p->name, p->name, p->name);
    if (!nm->n_vars && !in.n)
        sb_puts(o, "(void)run;\n");
}

static void pop_update(StrBuf *o, const Model *m, const Population *p, const EmitOptions *opt)
{
    const NeuronModel *nm = p->model;
    if (nm->spike_source) {
        /* fire when the next listed time has come; at most one spike per step */
        sb_printf(o, "uint8_t *restrict snn_flag = snn_flag_%s;\n", p->name);
        sb_printf(o, "uint64_t *restrict snn_cur = snn_ssc_%s;\n", p->name);
        sb_puts(o, "for (uint32_t snn_i = snn_b; snn_i < snn_e; snn_i++) {\n");
        sb_puts(o, "    const uint64_t snn_c = snn_cur[snn_i];\n");
        sb_printf(o, "    const int snn_fire = snn_c < snn_sss_%s[SNN_LO_%s + snn_i + 1] && "
                     "snn_sst_%s[snn_c] <= snn_step;\n", p->name, p->name, p->name);
        sb_puts(o, "    snn_cur[snn_i] = snn_c + (uint64_t)snn_fire;\n");
        sb_puts(o, "    snn_flag[snn_i] = (uint8_t)snn_fire;\n}\n");
        sb_printf(o, "snn_nspk = snn_compact_flags(snn_flag, snn_b, snn_e, SNN_LO_%s, snn_spk);",
                  p->name);
        return;
    }
    emit_update_prologue(o, m, p);
    /* The loop has no dependence between neurons (each iteration touches only neuron i's
     * entries; spikes are flagged, not appended), so it is marked for vectorisation:
     * without the mark the compiler gives up on proving that the state arrays do not
     * overlap.  Spike indices are compacted from the flags in a second loop. */
    const bool rng = code_uses_rng(nm->sim.stmts, NULL) ||
                     code_uses_rng(NULL, nm->threshold.expr) || code_uses_rng(nm->reset.stmts, NULL);
    const bool rng_first = lower_set_rng_first(rng);
    const bool pois_first = lower_set_pois_first(m, p);
    if (rng_first || pois_first) {
        /* each neuron's first Philox block, 256 neurons at a time with SIMD (the scalar
         * Philox per neuron was most of a Poisson population's update); each Poisson source
         * counted from thresholds on its word, a block per four neurons (snn_rng_quad_words) */
        for (int i = 0; pois_first && i < m->n_sources; i++) {
            const CurrentSource *cs = m->sources[i];
            if (cs->pop != p || !lower_poisson_words(m, cs))
                continue;
            /* the count stops after the terms that can count (thresholds below the largest
             * word): those whose Poisson tail is at least 2^-40, far above 2^-33 (checked
             * at run time: snn_poisson_thresholds returns the live count) */
            const double lambda = cs->rate * m->dt * 1e-3;
            const uint32_t kmax = (uint32_t)(lambda + 10.0 * sqrt(lambda) + 10.0);
            uint32_t terms = 1, first = 0;
            for (uint32_t j = 1; j <= kmax; j++) {
                double tail = 0;
                for (uint32_t q = j; q < j + 200; q++)
                    tail += exp(-lambda + q * log(lambda) - lgamma(q + 1.0));
                if (tail >= 0x1p-40)
                    terms = j;
                if (tail >= 0x1p-16)
                    first = j + 1;
            }
            /* the chunk's counts over the first terms (P(K >= first) < 2^-16), all terms
             * only in a chunk where a word passes term 'first' (a chunk in about 256 at
             * most): the thresholds grow with the term, so no later term counts for a
             * word below term 'first' */
            if (first < 1)
                first = 1;
            if (first > terms)
                first = terms;
            /* signed counts: one conversion instruction to float (AVX2 has no unsigned one) */
            sb_printf(o, "int32_t snn_cpt_%s[SNN_POISSON_TMAX];\nuint32_t snn_cw_%s[256];\n"
                         "int32_t snn_cn_%s[256];\n", cs->name, cs->name, cs->name);
            sb_printf(o, "enum { snn_cpk_%s = %u, snn_cpm_%s = %u }; /* terms that can count, "
                         "terms counted first */\n", cs->name, terms, cs->name, first);
            sb_printf(o, "if (snn_poisson_thresholds(%s, snn_cpt_%s) > snn_cpk_%s)\n"
                         "    snn_fatal(\"internal error: Poisson source '%s' needs more than "
                         "%u terms\");\n", emit_c_double(lambda), cs->name, cs->name, cs->name,
                      terms);
        }
        if (rng_first)
            sb_puts(o, "uint32_t snn_pw0[256], snn_pw1[256], snn_pw2[256], snn_pw3[256];\n");
        sb_puts(o, "for (uint32_t snn_c0 = snn_b; snn_c0 < snn_e; snn_c0 += 256u) {\n");
        sb_puts(o, "const uint32_t snn_c1 = snn_e - snn_c0 < 256u ? snn_e : snn_c0 + 256u;\n");
        if (rng_first)
            sb_printf(o, "snn_rng_first_blocks(snn_r->seed, snn_stream, SNN_LO_%s + snn_c0, "
                         "snn_step, snn_c1 - snn_c0,\n                     snn_pw0, snn_pw1, "
                         "snn_pw2, snn_pw3);\n", p->name);
        for (int i = 0; pois_first && i < m->n_sources; i++) {
            const CurrentSource *cs = m->sources[i];
            if (cs->pop != p || !lower_poisson_words(m, cs))
                continue;
            /* one word per neuron, four neurons per Philox block (snn_rng_quad_word) */
            sb_printf(o, "snn_rng_quad_words(snn_r->seed, snn_cs_stream_%s, SNN_LO_%s + snn_c0, "
                         "snn_step, snn_c1 - snn_c0,\n                   snn_cw_%s);\n",
                      cs->name, p->name, cs->name);
            const char *c = cs->name;
            sb_printf(o, "{\n    int32_t snn_cany = 0;\n    SNN_IVDEP\n"
                         "    for (uint32_t snn_j = 0; snn_j < snn_c1 - snn_c0; snn_j++) {\n"
                         "        snn_cn_%s[snn_j] = (int32_t)snn_poisson_count(snn_cw_%s[snn_j], "
                         "snn_cpt_%s, snn_cpm_%s);\n"
                         "        snn_cany |= (int32_t)(snn_cw_%s[snn_j] ^ 0x80000000u) > "
                         "snn_cpt_%s[snn_cpm_%s - 1];\n    }\n"
                         "    if (snn_cany)\n"
                         "        for (uint32_t snn_j = 0; snn_j < snn_c1 - snn_c0; snn_j++)\n"
                         "            snn_cn_%s[snn_j] = (int32_t)snn_poisson_count(snn_cw_%s[snn_j], "
                         "snn_cpt_%s, snn_cpk_%s);\n}\n",
                      c, c, c, c, c, c, c, c, c, c, c);
        }
        sb_puts(o, "SNN_IVDEP\n");
        sb_puts(o, "for (uint32_t snn_i = snn_c0; snn_i < snn_c1; snn_i++) {\n");
        emit_update_body(o, m, p, opt);
        sb_puts(o, "}\n}\n");
        lower_set_rng_first(false);
        lower_set_pois_first(m, NULL);
    } else {
        sb_puts(o, "SNN_IVDEP\n");
        sb_puts(o, "for (uint32_t snn_i = snn_b; snn_i < snn_e; snn_i++) {\n");
        emit_update_body(o, m, p, opt);
        sb_puts(o, "}\n");
    }
    if (nm->threshold.expr) {
        /* global indices of the flagged neurons (snnrt.h: 32 flags per test) */
        sb_printf(o, "snn_nspk = snn_compact_flags(snn_flag, snn_b, snn_e, SNN_LO_%s, snn_spk);\n",
                  p->name);
    }
}

/* State recordings of population p, after its threads (the first 'count' neurons are
 * contiguous: no gathering). */
static void pop_varrec(StrBuf *o, const Model *m, const Population *p)
{
    const NeuronModel *nm = p->model;
    for (int i = 0; i < m->n_varrecs; i++) {
        const VarRecord *r = m->varrecs[i];
        if (r->pop != p)
            continue;
        const char *arr = r->cu ? arena_printf("snn_cuv_%s_%s", r->cu->name, varrec_var(r))
                                : arena_printf("%s_%s", p->name, nm->vars[r->var].name);
        if (r->every > 1)
            sb_printf(o, "if (snn_step %% %du == 0 && snn_r->varrec[%d])\n", r->every, i);
        else
            sb_printf(o, "if (snn_r->varrec[%d])\n", i);
        sb_printf(o, "    snn_varrec_add(snn_r->varrec[%d], (double)(snn_step + 1) * SNN_DT, "
                     "%s);\n", i, arr);
    }
}

/* ---- user-defined connectivity (connectivity{}) -------------------------------------- */

/* Connectivity code is evaluated in double precision whatever the model's precision, so
 * that indices (up to 2^32) and their arithmetic are exact. */
typedef struct ConnCtx {
    const Projection *pj;
} ConnCtx;

static void conn_print_name(void *ud, StrBuf *out, const Sym *sym)
{
    const Projection *pj = ((ConnCtx *)ud)->pj;
    switch (sym->kind) {
    case SYM_PARAM:
        code_print_number(out, pj->conn.params[sym->index], false);
        break;
    case SYM_BUILTIN: /* i, j, k, N_pre, N_post (check.c's conn_builtins) */
        if (sym->index == 3)
            sb_printf(out, "((double)SNN_N_%s)", pj->pre->name);
        else if (sym->index == 4)
            sb_printf(out, "((double)SNN_N_%s)", pj->post->name);
        else
            sb_printf(out, "snn_c%s", sym->name);
        break;
    case SYM_LOCAL:
        if (!strncmp(sym->name, "snn_", 4))
            sb_printf(out, "%s_l%d", sym->name, sym->index);
        else
            sb_puts(out, sym->name);
        break;
    default:
        sb_puts(out, sym->name);
        break;
    }
}

/* "{ statements; var = value; }": a code string whose value is assigned to var, printed
 * with pr (its names and draws), #line directives into the model file if asked. */
void emit_code_value(StrBuf *o, CodePrinter pr, const CodeStr *cs, const char *var, int indent,
                     const EmitOptions *opt)
{
    if (opt->line_directives) {
        pr.line_file = cs->loc.file;
        pr.line_base = cs->loc.line;
    }
    sb_printf(o, "%*s{\n", indent, "");
    code_print_stmts(o, cs->stmts, indent + 4, &pr);
    if (pr.line_file)
        sb_printf(o, "#line %d \"%s\"\n", cs->loc.line + cs->expr->line - 1, pr.line_file);
    sb_printf(o, "%*s%s = ", indent + 4, "", var);
    CodePrinter pe = pr;
    pe.line_file = NULL;
    code_print_expr(o, cs->expr, &pe);
    sb_puts(o, ";\n");
    if (pr.line_file)
        sb_puts(o, EMIT_RESYNC "\n");
    sb_printf(o, "%*s}\n", indent, "");
}

/* "{ statements; var = value; }" for one code of the rule. */
static void conn_value(StrBuf *o, ConnCtx *c, const CodeStr *cs, const char *var, int indent,
                       const EmitOptions *opt)
{
    CodePrinter pr = {.is_float = false, .scalar_name = "double", .name = conn_print_name,
                      .rng = emit_print_rng_double, .ud = c};
    emit_code_value(o, pr, cs, var, indent, opt);
}

/* s as a C string literal */
static void c_string_lit(StrBuf *o, const char *s)
{
    sb_putc(o, '"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(o, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            sb_printf(o, "\\%03o", ch);
        else
            sb_putc(o, (char)ch);
    }
    sb_putc(o, '"');
}

/* The generator of a user-defined rule (snn_conn_gen, snnrt.h): the pair form loops over
 * the sources of column j a chunk of random words at a time, with the condition and the
 * probability inlined; the row form evaluates count, then each target. */
static void conn_gen(StrBuf *o, const Projection *pj, const EmitOptions *opt)
{
    const ConnSnippet *sn = pj->conn.snip;
    ConnCtx c = {pj};
    const char *pre = pj->pre->name;
    sb_printf(o, "/* connectivity '%s' (%s:%d), %s form: %s */\n", sn->name, sn->loc.file,
              sn->loc.line, sn->row_form ? "row" : "pair",
              sn->row_form ? "the targets of source snn_i"
                           : "the sources of target snn_j, ascending");
    sb_printf(o, "static uint32_t snn_conngen_%s(const snn_proj_spec *snn_spec, uint64_t "
                 "snn_seed,\n", pj->name);
    sb_printf(o, "%*suint32_t snn_%s, snn_conn_work *snn_w)\n{\n", (int)strlen(pj->name) + 29,
              "", sn->row_form ? "i" : "j");
    if (!sn->row_form && sn->max_prob.expr) {
        /* the declared bound b: candidates by geometric skips at b, each kept with
         * probability prob / b (snnrt.h, docs/language.md "The pair form with a bound") */
        sb_puts(o, "    static const char snn_rule[] = ");
        c_string_lit(o, arena_printf("connectivity '%s' (%s:%d)", sn->name, sn->loc.file,
                                     sn->loc.line));
        sb_puts(o, ";\n");
        sb_puts(o, "    uint32_t *const snn_buf = snn_w->buf; /* holds N_pre */\n");
        sb_puts(o, "    uint32_t snn_n = 0;\n");
        sb_puts(o, "    const double snn_cj = (double)snn_j;\n");
        sb_puts(o, "    (void)snn_cj;\n");
        sb_puts(o, "    double snn_b; /* max_prob of column snn_j */\n");
        conn_value(o, &c, &sn->max_prob, "snn_b", 4, opt);
        sb_puts(o, "    const double snn_inv_log_q = snn_conn_bound(snn_spec, snn_rule, snn_j, "
                   "snn_b);\n");
        sb_printf(o, "    const double snn_end = (double)SNN_N_%s;\n", pre);
        sb_puts(o, "    snn_conn_seq snn_g; /* gap (uniform), then the candidate's word */\n");
        sb_puts(o, "    snn_conn_seq_init(&snn_g, snn_w, snn_seed, snn_spec->stream, snn_j, "
                   "3.0 * snn_b * snn_end + 2.0);\n");
        sb_puts(o, "    double snn_pos = -1.0;\n");
        sb_puts(o, "    for (;;) {\n");
        sb_puts(o, "        snn_pos += floor(log(snn_conn_seq_uniform(&snn_g)) * snn_inv_log_q) + "
                   "1.0;\n");
        sb_puts(o, "        if (snn_pos >= snn_end)\n            break;\n");
        sb_puts(o, "        const uint32_t snn_i = (uint32_t)snn_pos;\n");
        sb_puts(o, "        const double snn_ci = snn_pos;\n");
        sb_puts(o, "        (void)snn_ci;\n");
        sb_puts(o, "        const uint32_t snn_u = snn_conn_seq_u32(&snn_g);\n");
        if (sn->condition.expr) {
            sb_puts(o, "        double snn_ok; /* the condition: pairs where it is 0 are "
                       "skipped */\n");
            conn_value(o, &c, &sn->condition, "snn_ok", 8, opt);
            sb_puts(o, "        if (snn_ok == 0.0)\n            continue;\n");
        }
        sb_puts(o, "        double snn_p; /* keep with probability snn_p / snn_b */\n");
        conn_value(o, &c, &sn->prob, "snn_p", 8, opt);
        sb_puts(o, "        if (!(snn_p <= snn_b)) /* also NaN */\n"
                   "            snn_conn_above_bound(snn_spec, snn_rule, snn_i, snn_j, snn_p, "
                   "snn_b);\n");
        sb_puts(o, "        if ((double)snn_u < snn_p / snn_b * 4294967296.0)\n"
                   "            snn_buf[snn_n++] = snn_i;\n");
        sb_puts(o, "    }\n    return snn_n;\n}\n");
        return;
    }
    if (!sn->row_form) {
        sb_puts(o, "    uint32_t *const snn_buf = snn_w->buf; /* holds N_pre */\n");
        sb_puts(o, "    uint32_t snn_n = 0;\n");
        sb_puts(o, "    const double snn_cj = (double)snn_j;\n");
        sb_puts(o, "    (void)snn_cj;\n");
        sb_printf(o, "    for (uint32_t snn_i0 = 0; snn_i0 < SNN_N_%s; "
                     "snn_i0 += SNN_CONN_CHUNK) {\n", pre);
        sb_printf(o, "        const uint32_t snn_m = SNN_N_%s - snn_i0 < SNN_CONN_CHUNK ? "
                     "SNN_N_%s - snn_i0 : SNN_CONN_CHUNK;\n", pre, pre);
        sb_puts(o, "        /* pair (i, j)'s random word: word i of element j */\n");
        sb_puts(o, "        const uint32_t *const snn_u =\n"
                   "            snn_conn_pair_words(snn_w, snn_seed, snn_spec->stream, snn_j, "
                   "snn_i0, snn_m);\n");
        sb_puts(o, "        for (uint32_t snn_c = 0; snn_c < snn_m; snn_c++) {\n");
        sb_puts(o, "            const uint32_t snn_i = snn_i0 + snn_c;\n");
        sb_puts(o, "            const double snn_ci = (double)snn_i;\n");
        sb_puts(o, "            (void)snn_ci;\n");
        if (sn->condition.expr) {
            sb_puts(o, "            double snn_ok; /* the condition: pairs where it is 0 are "
                       "skipped */\n");
            conn_value(o, &c, &sn->condition, "snn_ok", 12, opt);
            sb_puts(o, "            if (snn_ok == 0.0)\n                continue;\n");
        }
        sb_puts(o, "            double snn_p; /* connect with probability snn_p */\n");
        conn_value(o, &c, &sn->prob, "snn_p", 12, opt);
        sb_puts(o, "            if ((double)snn_u[snn_c] < snn_p * 4294967296.0)\n"
                   "                snn_buf[snn_n++] = snn_i;\n"
                   "            else if (snn_p != snn_p)\n"
                   "                snn_conn_bad_prob(snn_spec, snn_i, snn_j);\n");
        sb_puts(o, "        }\n    }\n    return snn_n;\n}\n");
        return;
    }
    if (code_uses_rng(sn->count.stmts, sn->count.expr) ||
        code_uses_rng(sn->target.stmts, sn->target.expr)) {
        sb_puts(o, "    snn_rng snn_rng_st; /* count first, then the targets in order */\n");
        sb_puts(o, "    snn_rng_init(&snn_rng_st, snn_seed, snn_spec->stream, snn_i, 0);\n");
    } else {
        sb_puts(o, "    (void)snn_seed; /* no random draws */\n");
    }
    sb_puts(o, "    const double snn_ci = (double)snn_i;\n");
    sb_puts(o, "    (void)snn_ci;\n");
    sb_puts(o, "    double snn_count;\n");
    conn_value(o, &c, &sn->count, "snn_count", 4, opt);
    sb_puts(o, "    const uint32_t snn_n = snn_conn_count(snn_spec, snn_i, snn_count);\n");
    sb_puts(o, "    uint32_t *const snn_buf = snn_conn_reserve(snn_w, snn_n);\n");
    sb_puts(o, "    for (uint32_t snn_k = 0; snn_k < snn_n; snn_k++) {\n");
    sb_puts(o, "        const double snn_ck = (double)snn_k;\n");
    sb_puts(o, "        (void)snn_ck;\n");
    sb_puts(o, "        double snn_target;\n");
    conn_value(o, &c, &sn->target, "snn_target", 8, opt);
    sb_puts(o, "        snn_buf[snn_k] = snn_conn_target(snn_spec, snn_i, snn_k, snn_target);\n");
    sb_puts(o, "    }\n    return snn_n;\n}\n");
}

/* The construction of projection pj (snn_proj_spec and the builder calls); cu_build: per
 * projection, try the device builder first (the CUDA back end's host half; NULL: never). */
static void proj_build(StrBuf *o, const Model *m, const Projection *pj, const bool *cu_build)
{
    const ConnRule *c = &pj->conn;
    bool het = emit_per_synapse_weight(pj);
    sb_puts(o, "{\n");
    if (c->kind == CONN_FROM_LIST || c->kind == CONN_FROM_MATRIX) {
        /* read by the builder: each thread block keeps the synapses onto its targets */
        /* the file as the model names it, where snncc found it (the run config's
         * data.<name> may replace it) */
        sb_puts(o, "    const snn_conn_data snn_data = {\n");
        const Init *f[5] = {&c->pre, &c->post, &pj->weight, &pj->delay_init, &c->matrix};
        static const char *const fld[5] = {"pre", "post", "weight", "delay", "matrix"};
        for (int k = 0; k < 5; k++) {
            bool on = c->kind == CONN_FROM_LIST ? k < 4 && f[k]->kind == INIT_FILE : k == 4;
            if (on)
                sb_printf(o, "        .%s = snn_data_path(run, \"%s\", \"%s\"),\n", fld[k],
                          f[k]->file_arg, f[k]->file);
        }
        sb_printf(o, "        .pre_pop = \"%s\",\n        .post_pop = \"%s\",\n    };\n",
                  pj->pre->name, pj->post->name);
    }
    sb_printf(o, "    const snn_proj_spec spec = {\n");
    sb_printf(o, "        .name = \"%s\",\n", pj->name);
    if (c->kind == CONN_FROM_LIST || c->kind == CONN_FROM_MATRIX) {
        sb_printf(o, "        .kind = %s,\n", conn_kind_c(c->kind));
        sb_puts(o, "        .data = &snn_data,\n");
    } else if (c->kind == CONN_USER) {
        sb_printf(o, "        .kind = %s, /* connectivity '%s' */\n",
                  c->snip->row_form ? "SNN_CONN_USER_ROW" : "SNN_CONN_USER_PAIR", c->snip->name);
        sb_printf(o, "        .gen = snn_conngen_%s,\n", pj->name);
    } else {
        sb_printf(o, "        .kind = %s,\n", conn_kind_c(c->kind));
    }
    sb_printf(o, "        .n_pre = SNN_N_%s,\n", pj->pre->name);
    sb_printf(o, "        .n_post = SNN_N_%s,\n", pj->post->name);
    sb_printf(o, "        .post_range = 1, /* thread snn_t's block of this rank's targets */\n");
    sb_printf(o, "        .post_lo = SNN_LO_%s + snn_tlo_%s[snn_t],\n", pj->post->name,
              pj->post->name);
    sb_printf(o, "        .post_n = snn_tlo_%s[snn_t + 1] - snn_tlo_%s[snn_t],\n", pj->post->name,
              pj->post->name);
    if (c->kind == CONN_FIXED_PROBABILITY)
        sb_printf(o, "        .p = %.17g,\n", c->p);
    if (c->kind == CONN_FIXED_INDEGREE || c->kind == CONN_FIXED_OUTDEGREE)
        sb_printf(o, "        .k = %lldu,\n", (long long)c->k);
    if (c->kind == CONN_FIXED_TOTAL)
        sb_printf(o, "        .n_total = %lldull,\n", (long long)c->k);
    sb_printf(o, "        .autapses = %d,\n", c->autapses);
    sb_printf(o, "        .multapses = %d,\n", c->multapses);
    sb_printf(o, "        .same_pop = %d,\n", pj->pre == pj->post);
    /* procedural fixed_probability draws rows, not columns: a stream of its own */
    sb_printf(o, "        .stream = snn_stream_id(\"%s:%s\"),\n",
              pj->format == FORMAT_PROCEDURAL && c->kind == CONN_FIXED_PROBABILITY ? "proc"
                                                                                  : "conn",
              pj->name);
    sb_printf(o, "        .ind_bytes = (int)sizeof(%s),\n", emit_ind_type(pj));
    sb_printf(o, "        .slack = 0,\n");
    sb_printf(o, "        .has_weight = %d,\n", het);
    if (het)
        sb_printf(o, "        .weight = %s,\n",
                  emit_c_init(&pj->weight, arena_printf("weight:%s", pj->name)));
    sb_printf(o, "        .weight_bytes = (int)sizeof(scalar),\n");
    if (pj->het_delay) {
        sb_printf(o, "        .has_delay = 1,\n");
        sb_printf(o, "        .delay = %s,\n",
                  emit_c_init(&pj->delay_init, arena_printf("delay:%s", pj->name)));
        sb_printf(o, "        .dt = SNN_DT,\n");
        sb_printf(o, "        .delay_bytes = %d,\n", pj->delay_bytes);
        /* a rewired projection's rows stay sorted by target (the updates' sorted insertion,
         * candidates and checkpoints need it); delivery takes any order */
        sb_printf(o, "        .sort_by_delay = %d,\n", !pj->rewired);
    }
    sb_puts(o, "    };\n");
    if (pj->format == FORMAT_PROCEDURAL) {
        sb_printf(o, "    snn_proc_build(&spec, run->seed, &snn_syn_%s[snn_t]);\n", pj->name);
    } else if (cu_build && cu_build[pj->index]) {
        /* the CUDA back end: on the GPU, or on the host where the device builder declines */
        sb_printf(o, "    if (!snn_cu_build(%d, &spec, run->seed, &snn_syn_%s[snn_t]))\n",
                  pj->index, pj->name);
        sb_printf(o, "        snn_ragged_build(&spec, run->seed, &snn_syn_%s[snn_t]);\n", pj->name);
    } else {
        sb_printf(o, "    snn_ragged_build(&spec, run->seed, &snn_syn_%s[snn_t]);\n", pj->name);
        if (pj->format == FORMAT_DENSE && pj->syn) /* all_to_all: the rows are the matrix */
            sb_printf(o, "    snn_dense_check_rows(&snn_syn_%s[snn_t], \"%s\");\n", pj->name,
                      pj->name);
        else if (pj->format == FORMAT_DENSE)
            sb_printf(o, "    snn_dense_from_ragged(&snn_syn_%s[snn_t], %s, (int)sizeof(scalar));\n",
                      pj->name, het ? "0.0" : emit_c_double(pj->weight.a));
    }
    sb_puts(o, "}");
    (void)m;
}

static bool syn_uses_rng(const Projection *pj)
{
    for (int k = 0; k < SC_COUNT; k++)
        if (code_uses_rng(pj->syn_code[k].stmts, NULL))
            return true;
    return false;
}

static bool syn_needs_positions(const Projection *pj);

/* Initial values of a weight update model's variables (the weight itself comes from the
 * connectivity builder). */
static void proj_init(StrBuf *o, const Projection *pj)
{
    const SynapseModel *sm = pj->syn;
    if (!sm) {
        sb_puts(o, "/* static synapses */");
        return;
    }
    if (syn_needs_positions(pj)) /* synapse-keyed draws: the ordinal's 16 bits suffice */
        sb_printf(o, "for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n"
                     "    snn_check_multapses(&snn_syn_%s[snn_t], \"%s\");\n", pj->name,
                  pj->name);
    for (int i = 0; i < sm->n_vars; i++) {
        if (!strcmp(sm->vars[i].name, sm->weight))
            continue;
        sb_printf(o, "{\n    const snn_init vinit = %s;\n",
                  emit_c_init_syn(&pj->syn_inits[i], arena_printf("synvar:%s/%s", pj->name,
                                                             sm->vars[i].name)));
        if (pj->syn_inits[i].kind == INIT_CONSTANT)
            sb_printf(o, "    snn_init_values(&vinit, run->seed, 0, snn_soff_%s[snn_nthr], "
                         "snn_sv_%s_%s, (int)sizeof(scalar));\n}\n", pj->name, pj->name,
                      sm->vars[i].name);
        else /* keyed by the synapse's identity: the same values for any decomposition */
            sb_printf(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n"
                         "        snn_init_synapses(&vinit, run->seed, &snn_syn_%s[snn_t],\n"
                         "                          snn_sv_%s_%s + snn_soff_%s[snn_t], "
                         "(int)sizeof(scalar));\n    }\n}\n", pj->name, pj->name,
                      sm->vars[i].name, pj->name);
    }
    for (int i = 0; i < sm->n_pre_vars; i++)
        sb_printf(o, "{\n    const snn_init vinit = %s;\n    snn_init_values(&vinit, run->seed, 0, "
                     "SNN_N_%s, snn_pv_%s_%s, (int)sizeof(scalar));\n}\n",
                  emit_c_init(&sm->pre_vars[i].init, arena_printf("pre:%s/%s", pj->name,
                                                             sm->pre_vars[i].name)),
                  pj->pre->name, pj->name, sm->pre_vars[i].name);
    for (int i = 0; i < sm->n_post_vars; i++)
        sb_printf(o, "{\n    const snn_init vinit = %s;\n    snn_init_block(&vinit, run->seed, "
                     "SNN_LO_%s, SNN_NL_%s, snn_qv_%s_%s, (int)sizeof(scalar));\n}\n",
                  emit_c_init(&sm->post_vars[i].init, arena_printf("post:%s/%s", pj->name,
                                                              sm->post_vars[i].name)),
                  pj->post->name, pj->post->name, pj->name, sm->post_vars[i].name);
    if (syn_uses_rng(pj)) {
        sb_printf(o, "snn_seed_%s = run->seed;\n", pj->name);
        for (int k = 0; k < SC_COUNT; k++)
            if (code_uses_rng(pj->syn_code[k].stmts, NULL))
                sb_printf(o, syn_code_desc[k].over == OVER_SYNAPSE /* the stream's key */
                                 ? "snn_sstream_%s_%s = snn_rng_syn_key(run->seed, "
                                   "snn_stream_id(\"syn:%s/%s\"));\n"
                                 : "snn_sstream_%s_%s = snn_stream_id(\"syn:%s/%s\");\n",
                          pj->name, syn_code_desc[k].name, pj->name, syn_code_desc[k].name);
    }
    sb_puts(o, "(void)run;");
}

static void syn_decls(StrBuf *o, const Projection *pj, const StateTable *st)
{
    for (int i = 0; i < st->n; i++)
        if (st->v[i].proj == pj && st->v[i].kind != SK_ROWS)
            sb_printf(o, "\n%s", state_decl(&st->v[i]));
}

/* Does the projection key random numbers by its synapses' identities (random draws in
 * per-synapse code, random initial values of synapse variables)? */
static bool syn_needs_positions(const Projection *pj)
{
    return state_needs_positions(pj);
}

/* Thread snn_t's view of a plastic projection's per-synapse state: its part of each
 * synapse variable (snn_svt_<var>) that the generated body uses (a delivery whose on_pre
 * reads none of the e-prop traces declares none of them). */
static void syn_locals(StrBuf *o, const Projection *pj, const char *body)
{
    const SynapseModel *sm = pj->syn;
    for (int i = 0; i < sm->n_vars; i++)
        if (strcmp(sm->vars[i].name, sm->weight) != 0 &&
            emit_mentions(body, arena_printf("snn_svt_%s", sm->vars[i].name)))
            sb_printf(o, "scalar *restrict snn_svt_%s = snn_sv_%s_%s + snn_soff_%s[snn_t];\n",
                      sm->vars[i].name, pj->name, sm->vars[i].name, pj->name);
}

/* The synapse at snn_pos of row snn_pre in thread snn_t's rows (snn_rs, snn_ind, its target
 * this rank's snn_post), for the draws. */
static SynSite row_site(const Projection *pj)
{
    return (SynSite){"snn_rs[snn_pre]", "snn_ind",
                     arena_printf("SNN_LO_%s + snn_post", pj->post->name)};
}

/* After the projection's thread blocks are built: the weight update model's state for all
 * of them.  Synapse variables are one array per variable, block t's synapses at
 * [snn_soff[t], snn_soff[t + 1]) in the block's storage order; presynaptic variables are
 * held for every source (each rank keeps its own copy, updated from the global spikes),
 * postsynaptic ones for this rank's targets; each block has its own column view. */
static void syn_setup(StrBuf *o, const Projection *pj, const bool *cu_build,
                      const StateTable *st)
{
    const SynapseModel *sm = pj->syn;
    const char *n = pj->name;
    sb_printf(o, "{ /* projection '%s': weight update model '%s' */\n", n, sm->name);
    sb_puts(o, "    uint64_t snn_cap = 0;\n");
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (e->proj != pj || e->alloc != SA_SYN)
            continue;
        if (e->kind == SK_COLUMNS && !cu_build && !pj->syn_code[SC_ON_POST].stmts) {
            /* state_dyn_columns: the CUDA back end's, neither allocated nor built here */
            sb_printf(o, "    (void)%s; /* (column views: the CUDA back end's, for add_to_post "
                         "in dynamics) */\n", e->name);
            continue;
        }
        sb_printf(o, "    %s\n", state_alloc(e));
        switch (e->kind) {
        case SK_SYN_OFFSETS:
            sb_puts(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
            sb_printf(o, "        snn_soff_%s[snn_t] = snn_cap;\n", n);
            sb_printf(o, "        snn_cap += snn_syn_%s[snn_t].capacity;\n", n);
            sb_puts(o, "    }\n");
            sb_printf(o, "    snn_soff_%s[snn_nthr] = snn_cap;\n", n);
            break;
        case SK_COLUMNS:
            sb_puts(o, "#ifdef _OPENMP\n#pragma omp parallel for schedule(dynamic, 1) "
                       "num_threads(snn_nthr) if (snn_nthr > 1)\n#endif\n");
            sb_puts(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n");
            if (cu_build && cu_build[pj->index]) /* CUDA: from rows built on the GPU */
                sb_printf(o, "        if (!snn_cu_build_columns(%d, &snn_syn_%s[snn_t], &snn_cols_%s[snn_t]))\n    ",
                          pj->index, n, n);
            sb_printf(o, "        snn_columns_build(&snn_syn_%s[snn_t], \"%s\", &snn_cols_%s[snn_t]);\n",
                      n, n, n);
            break;
        default:
            break;
        }
    }
    sb_puts(o, "}");
}

/* At the end of the run: the checksum of the synapses as they are then (weights and the
 * other synapse variables). */
static void syn_checksum(StrBuf *o, const Projection *pj, int index)
{
    const SynapseModel *sm = pj->syn;
    const char *n = pj->name;
    sb_puts(o, "for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
    sb_printf(o, "    const void *snn_vars[%d] = {", sm->n_vars);
    int k = 0;
    for (int i = 0; i < sm->n_vars; i++)
        if (strcmp(sm->vars[i].name, sm->weight) != 0)
            sb_printf(o, "%ssnn_sv_%s_%s + snn_soff_%s[snn_t]", k++ ? ", " : "", n,
                      sm->vars[i].name, n);
    if (!k)
        sb_puts(o, "NULL");
    sb_puts(o, "};\n");
    sb_printf(o, "    run->syn_final[%d] += snn_synapse_checksum(&snn_syn_%s[snn_t], snn_vars, %d, "
                 "(int)sizeof(scalar));\n", index, n, k);
    sb_puts(o, "}\n");
    sb_printf(o, "run->has_final[%d] = 1;", index);
}

/* In the step's parallel region, after thread snn_t's neuron updates: on_post for the
 * synapses onto its targets that spiked (its own column view), then the spike code and
 * the dynamics of the postsynaptic variables of its targets.  Nothing here is read or
 * written by another thread: the synapses, columns and postsynaptic variables are the
 * block's; the presynaptic variables are only read (they change after the region). */
static void proj_plastic_post(StrBuf *o, const Model *m, const Projection *pj,
                              const EmitOptions *opt)
{
    const char *post = pj->post->name, *n = pj->name;
    sb_printf(o, "const uint32_t snn_b = snn_tlo_%s[snn_t], snn_e = snn_tlo_%s[snn_t + 1];\n",
              post, post);
    sb_printf(o, "const uint32_t snn_npost = snn_tcnt_%s[snn_t]; /* this thread's spikes of "
                 "the step */\n", post);
    sb_printf(o, "const uint32_t *snn_post_spk = snn_tspk_%s + snn_b; /* global ids */\n", post);
    sb_puts(o, "(void)snn_e; (void)snn_npost; (void)snn_post_spk; (void)step;\n");
    if (pj->syn_code[SC_ON_POST].stmts) {
        StrBuf body; /* the loop first: the locals it uses are declared before it */
        sb_init(&body);
        sb_puts(&body, "for (uint32_t snn_s = 0; snn_s < snn_npost; snn_s++) { /* on_post */\n");
        sb_printf(&body, "    const uint32_t snn_post = snn_post_spk[snn_s] - SNN_LO_%s; /* this "
                         "rank's index */\n", post);
        sb_puts(&body, "    const uint32_t snn_j = snn_post - snn_b; /* the block's column */\n");
        sb_puts(&body, "    for (uint64_t snn_c = snn_col->start[snn_j]; snn_c < "
                       "snn_col->end[snn_j]; snn_c++) {\n");
        sb_puts(&body, "        const uint64_t snn_pos = snn_col->syn[snn_c];\n");
        sb_puts(&body, "        const uint32_t snn_pre = snn_col->pre[snn_c];\n");
        sb_puts(&body, "        (void)snn_pre;\n");
        const SynSite site = row_site(pj);
        emit_syn_code_at(&body, m, pj, SC_ON_POST, "snn_pos", "snn_w", true, &site, 8, opt);
        sb_puts(&body, "    }\n}\n");
        sb_printf(o, "const snn_columns *snn_col = &snn_cols_%s[snn_t];\n", n);
        sb_printf(o, "scalar *restrict snn_w = snn_syn_%s[snn_t].weight;\n", n);
        if (code_uses_rng(pj->syn_code[SC_ON_POST].stmts, NULL)) { /* rows, for the draws */
            sb_printf(o, "const uint64_t *restrict snn_rs = snn_syn_%s[snn_t].row_start;\n", n);
            sb_printf(o, "const %s *restrict snn_ind = snn_syn_%s[snn_t].ind;\n", emit_ind_type(pj),
                      n);
        }
        syn_locals(o, pj, body.buf);
        sb_puts(o, body.buf);
        sb_release(&body);
    }
    if (pj->syn_code[SC_POST_SPIKE].stmts) {
        sb_puts(o, "for (uint32_t snn_s = 0; snn_s < snn_npost; snn_s++) { /* post_spike */\n");
        sb_printf(o, "    const uint32_t snn_k = snn_post_spk[snn_s] - SNN_LO_%s;\n", post);
        emit_trace_code_at(o, m, pj, SC_POST_SPIKE, "snn_post",
                      arena_printf("SNN_LO_%s + snn_k", post), opt);
        sb_puts(o, "}\n");
    }
    if (pj->syn_code[SC_POST_DYNAMICS].stmts) {
        sb_puts(o, "for (uint32_t snn_k = snn_b; snn_k < snn_e; snn_k++) { /* post_dynamics */\n");
        emit_trace_code_at(o, m, pj, SC_POST_DYNAMICS, "snn_post",
                      arena_printf("SNN_LO_%s + snn_k", post), opt);
        sb_puts(o, "}\n");
    }
}

/* After the step's spikes are in the queue (gathered, and with MPI exchanged: a model
 * with presynaptic spike code exchanges every step): the spike code of the presynaptic
 * variables for every source that spiked, then their dynamics for every source.  Every
 * rank keeps the presynaptic variables of all sources and updates them alike. */
static void proj_plastic_pre(StrBuf *o, const Model *m, const Projection *pj,
                             const EmitOptions *opt)
{
    const char *pre = pj->pre->name;
    sb_puts(o, "(void)step;\n");
    if (pj->syn_code[SC_PRE_SPIKE].stmts) {
        sb_printf(o, "const uint32_t snn_slot = (uint32_t)(step %% SNN_NSLOT_%s);\n", pre);
        sb_printf(o, "const uint32_t snn_npre = snn_spkcnt_%s[snn_slot];\n", pre);
        sb_printf(o, "const uint32_t *snn_pre_spk = snn_spk_%s + (size_t)snn_slot * SNN_N_%s;\n",
                  pre, pre);
        sb_puts(o, "for (uint32_t snn_s = 0; snn_s < snn_npre; snn_s++) { /* pre_spike */\n");
        sb_puts(o, "    const uint32_t snn_k = snn_pre_spk[snn_s];\n");
        emit_trace_code_at(o, m, pj, SC_PRE_SPIKE, "snn_pre", "snn_k", opt);
        sb_puts(o, "}\n");
    }
    if (pj->syn_code[SC_PRE_DYNAMICS].stmts) {
        sb_printf(o, "for (uint32_t snn_k = 0; snn_k < SNN_N_%s; snn_k++) { /* pre_dynamics */\n",
                  pre);
        emit_trace_code_at(o, m, pj, SC_PRE_DYNAMICS, "snn_pre", "snn_k", opt);
        sb_puts(o, "}\n");
    }
}

/* The synapse code 'dynamics', last in the step (after the neuron updates, on_post and the
 * pre and post code): thread snn_t runs it for every synapse of its block (the synapses
 * onto its targets), row by row.  It reads the traces and the pre and post neurons'
 * variables, which nothing changes in this phase, and writes only its own synapses. */
/* Thread snn_t's rows of a plastic projection: the ragged arrays, the synapse variables'
 * locals and the block's first target. */
/* The block-relative target of the synapse at snn_pos of row snn_pre: its index, or with
 * format = "dense" (all_to_all: every row holds the block's targets in order) its place
 * in the row, so the loops read no index. */
static const char *syn_target(const Projection *pj)
{
    return pj->format == FORMAT_DENSE ? "(uint32_t)(snn_pos - snn_rs[snn_pre])"
                                      : "snn_ind[snn_pos]";
}

static void row_locals(StrBuf *o, const Projection *pj, const char *body)
{
    sb_printf(o, "const snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", pj->name);
    sb_puts(o, "const uint64_t *restrict snn_rs = snn_R->row_start;\n");
    sb_puts(o, "const uint32_t *restrict snn_rl = snn_R->row_len;\n");
    sb_printf(o, "const %s *restrict snn_ind = snn_R->ind;\n", emit_ind_type(pj));
    sb_puts(o, "scalar *restrict snn_w = snn_R->weight;\n");
    if (pj->format == FORMAT_DENSE)
        sb_puts(o, "(void)snn_ind; /* dense: targets from the place in the row */\n");
    syn_locals(o, pj, body);
    sb_printf(o, "const uint32_t snn_plo = snn_tlo_%s[snn_t]; /* the block's first target (this "
                 "rank's index) */\n", pj->post->name);
}

/* What add_to_post / add_to_pre in the dynamics write: the thread's slice of the
 * projection's input accumulator (in the synapse's target block, so the additions into one
 * target come in row order, the same for any split), and the thread block's exact
 * accumulators of the sources; each where the generated body uses it (a projection whose
 * add_to_post is in on_pre has none in its dynamics). */
static void add_to_locals(StrBuf *o, const Projection *pj, const char *body)
{
    if (pj->add_post && (emit_mentions(body, "SNN_ADD_TO_POST") || emit_mentions(body, "snn_in")))
        sb_printf(o, "scalar *restrict snn_in = snn_in%d_%s + snn_plo; /* add_to_post */\n",
                  pj->input_slot, pj->post->name);
    if (pj->add_pre && (emit_mentions(body, "SNN_ADD_TO_PRE") || emit_mentions(body, "snn_apre")))
        sb_printf(o, "int64_t *restrict snn_apre = snn_xa_%s + (size_t)snn_t * SNN_N_%s * "
                     "SNN_XW; /* add_to_pre */\n", pj->name, pj->pre->name);
}

/* Phase pre_inputs, after the dynamics (serially): the sums of add_to_pre for every source,
 * exact (the thread blocks' accumulators added as integers, then with MPI every rank's),
 * rounded once into snn_pin_<proj> for this rank's sources, which their update reads in
 * the next step.  Integer sums do not depend on the order, so the result is the same for
 * any number of threads and ranks. */
static void proj_pre_inputs(StrBuf *o, const Projection *pj, bool float_model)
{
    const char *pre = pj->pre->name, *n = pj->name;
    sb_puts(o, "(void)step;\n");
    /* one process: each source's accumulator rounded where it is (snn_xacc_take: the fast
     * front's double when no term went to the limbs), or those of its thread blocks taken
     * together (snn_xacc_take_n: the sum of the doubles when no term went to the limbs and
     * they add exactly); the same bits as the general way below */
    sb_puts(o, "#ifndef SNN_MPI\n");
    sb_puts(o, "{\n");
    sb_printf(o, "    int64_t *restrict snn_a = snn_xa_%s;\n", n);
    sb_puts(o, "    if (snn_nthr == 1) {\n");
    sb_puts(o, "        uint32_t snn_i = 0;\n");
    /* a float model: eight at a time (snn_xacc_take8_f: the same bits as snn_xacc_take) */
    if (float_model)
        sb_printf(o, "        for (; snn_i + 8u <= SNN_NL_%s; snn_i += 8u)\n"
                     "            snn_xacc_take8_f(snn_a + (size_t)snn_i * SNN_XW, SNN_XW, SNN_XL, "
                     "SNN_XB, snn_pin_%s + snn_i);\n", pre, n);
    sb_printf(o, "        for (; snn_i < SNN_NL_%s; snn_i++)\n", pre);
    sb_printf(o, "            snn_pin_%s[snn_i] = (scalar)snn_xacc_take(snn_a + (size_t)snn_i * SNN_XW, "
                 "SNN_XL, SNN_XB, SNN_XM);\n", n);
    sb_puts(o, "    } else\n");
    sb_printf(o, "        for (uint32_t snn_i = 0; snn_i < SNN_NL_%s; snn_i++)\n", pre);
    sb_printf(o, "            snn_pin_%s[snn_i] = (scalar)snn_xacc_take_n(snn_a + (size_t)snn_i * SNN_XW, "
                 "(size_t)SNN_N_%s * SNN_XW, snn_nthr, SNN_XL, SNN_XB, SNN_XM);\n", n, pre);
    sb_puts(o, "    return;\n}\n");
    sb_puts(o, "#else\n");
    sb_printf(o, "int64_t *restrict snn_tot = snn_xa_%s + (size_t)snn_nthr * SNN_N_%s * SNN_XW;\n",
              n, pre);
    sb_puts(o, "for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
    sb_printf(o, "    int64_t *restrict snn_a = snn_xa_%s + (size_t)snn_t * SNN_N_%s * SNN_XW;\n",
              n, pre);
    sb_printf(o, "    for (uint32_t snn_i = 0; snn_i < SNN_N_%s; snn_i++) /* the doubles into "
                 "the limbs */\n", pre);
    sb_puts(o, "        snn_xacc_fold(snn_a + (size_t)snn_i * SNN_XW, SNN_XL, SNN_XB);\n");
    sb_printf(o, "    for (size_t snn_k = 0; snn_k < (size_t)SNN_N_%s * SNN_XW; snn_k++) {\n", pre);
    sb_puts(o, "        snn_tot[snn_k] += snn_a[snn_k];\n");
    sb_puts(o, "        snn_a[snn_k] = 0;\n");
    sb_puts(o, "    }\n}\n");
    sb_printf(o, "snn_sum_int64(snn_tot, (size_t)SNN_N_%s * SNN_XW); /* every rank's */\n", pre);
    sb_printf(o, "for (uint32_t snn_i = 0; snn_i < SNN_NL_%s; snn_i++)\n", pre);
    sb_printf(o, "    snn_pin_%s[snn_i] = (scalar)snn_xacc_round(snn_tot + (size_t)(SNN_LO_%s + "
                 "snn_i) * SNN_XW, SNN_XL, SNN_XB, SNN_XM);\n", n, pre);
    sb_printf(o, "memset(snn_tot, 0, sizeof(int64_t) * SNN_N_%s * SNN_XW);\n", pre);
    sb_puts(o, "#endif");
}

/* The add_to_pre calls in s or e. */
static int add_pre_calls(const Stmt *s, const Expr *e)
{
    int n = 0;
    if (e) {
        n += e->kind == EX_CALL && e->sym && e->sym->kind == SYM_ADDTO && e->sym->index == 1;
        for (int i = 0; i < e->nargs; i++)
            n += add_pre_calls(NULL, e->args[i]);
        n += add_pre_calls(NULL, e->a) + add_pre_calls(NULL, e->b) + add_pre_calls(NULL, e->c);
    }
    if (s) {
        for (int i = 0; i < s->n; i++)
            n += add_pre_calls(s->body[i], NULL);
        n += add_pre_calls(NULL, s->e) + add_pre_calls(s->then, NULL) +
             add_pre_calls(s->els, NULL);
    }
    return n;
}

/* the longest dense row whose add_to_pre terms go to a buffer (proj_syn_dynamics_rows) */
#define SNN_XROW_MAX 4096

/* Dense rows whose dynamics call add_to_pre once, as a statement of the code's top level:
 * every term of the row goes to the row's source, so the row loop keeps that accumulator's
 * fast front (its double) in a register, snn_xf (SNN_ADD_TO_PRE_ROW, snn_xacc_add_reg),
 * instead of a load and a store per synapse: the same additions in the same order, the
 * same words as one snn_xacc_add_fast per synapse.  In a float model (rows of at most
 * SNN_XROW_MAX targets) the row loop instead stores the terms in a buffer, marked
 * SNN_IVDEP so that it vectorises without overlap checks, and snn_xacc_add_row_f adds the
 * row at once when its double sum is exact (else term by term): the same exact sum
 * (docs/performance.md, "HO's exact sums a row at once"). */
static bool add_pre_row(const Projection *pj)
{
    const Stmt *s = pj->syn_code[SC_DYNAMICS].stmts;
    if (!pj->add_pre || pj->add_post || !s || add_pre_calls(s, NULL) != 1)
        return false;
    for (int i = 0; i < s->n; i++) {
        const Stmt *b = s->body[i];
        if (b->kind == ST_EXPR && b->e && b->e->kind == EX_CALL && b->e->sym &&
            b->e->sym->kind == SYM_ADDTO && b->e->sym->index == 1)
            return true;
    }
    return false;
}

static bool syn_dynamics_independent(const Projection *pj);

/* The loop over a dense row's targets, snn_k < bound, indented by ind: add_to_pre (buf) as
 * add_pre_row's mode; in mode 2 the synapses are independent (no add_to_post, no draws,
 * add_to_pre's terms each in their own slot of the buffer: syn_dynamics_independent). */
static void dense_row_loop(StrBuf *o, const Model *m, const Projection *pj, const SynSite *site,
                           const EmitOptions *opt, int buf, const char *bound, int ind)
{
    if (buf == 2)
        sb_printf(o, "%*sSNN_IVDEP%s /* each synapse writes only its own variables and term */\n",
                  ind - 4, "", strcmp(bound, "snn_n") ? " SNN_NOUNROLL" : "");
    else if (buf == 0 && syn_dynamics_independent(pj))
        sb_printf(o, "%*sSNN_IVDEP /* each synapse writes only its own variables */\n", ind - 4, "");
    sb_printf(o, "%*sfor (uint32_t snn_k = 0; snn_k < %s; snn_k++) { /* the target in the "
                 "block */\n", ind - 4, "", bound);
    /* 64-bit: an index that cannot wrap, so the neuron arrays' addresses are affine in
     * snn_k (with a 32-bit sum gcc does not vectorise); the same value */
    sb_printf(o, "%*sconst size_t snn_post = (size_t)snn_plo + snn_k; /* this rank's index */\n",
              ind, "");
    sb_printf(o, "%*s(void)snn_post;\n", ind, "");
    lower_set_add_pre_row(buf);
    emit_syn_code_at(o, m, pj, SC_DYNAMICS, "snn_k", "snn_w", true, site, ind, opt);
    lower_set_add_pre_row(0);
    sb_printf(o, "%*s}\n", ind - 4, "");
}

/* A dense row's pointers from snn_rb, indented by ind: the weights' and those of the
 * synapse variables that the row's code (in) uses. */
static void row_pointers(StrBuf *o, const SynapseModel *sm, const char *in, int ind)
{
    sb_printf(o, "%*sscalar *restrict snn_w = snn_wb + snn_rb;\n", ind, "");
    for (int i = 0; i < sm->n_vars; i++)
        if (strcmp(sm->vars[i].name, sm->weight) != 0 &&
            emit_mentions(in, arena_printf("snn_svt_%s", sm->vars[i].name)))
            sb_printf(o, "%*sscalar *restrict snn_svt_%s = snn_svb_%s + snn_rb;\n", ind, "",
                      sm->vars[i].name, sm->vars[i].name);
    sb_printf(o, "%*s(void)snn_w;\n", ind, "");
}

/* format = "dense" without random draws: row by row over contiguous per-row pointers
 * (restrict, indexed by the target's place in the row, a 32-bit count), so that the inner
 * loop is a plain elementwise loop gcc vectorises (the presynaptic values are invariant in
 * it and hoisted; the neuron arrays are checked for overlap at run time).  Each synapse's
 * arithmetic is the same, operation for operation (no reordering, -ffp-contract=off), so
 * the results are bitwise those of the scalar loop. */
static void proj_syn_dynamics_rows(StrBuf *o, const Model *m, const Projection *pj,
                                   const EmitOptions *opt)
{
    const SynapseModel *sm = pj->syn;
    const char *pre = pj->pre->name;
    /* add_to_pre in a register (1), or (2, float models, rows of at most SNN_XROW_MAX
     * targets) each term into a buffer and the row summed at once after the row loop */
    const int buf = !add_pre_row(pj) ? 0
                    : m->precision == PREC_FLOAT && pj->post->n <= SNN_XROW_MAX ? 2 : 1;
    /* the row's body first: the synapse variables it uses are declared before it */
    StrBuf in;
    sb_init(&in);
    const char *xr = "int64_t *restrict snn_xr = snn_apre + (size_t)snn_pre * SNN_XW; /* add_to_pre */\n";
    const char *xf = "double snn_xf = snn_xacc_fast_get(snn_xr, SNN_XL);\n";
    /* add_to_pre's buffer (buf 2): the terms of up to xg whole-population rows, summed
     * together by snn_xacc_add_rows_f (8 rows of at most 512 targets: a buffer of 16 KiB) */
    const long long xg = pj->post->n <= 512 ? 8 : 1;
    if (buf == 1)
        sb_printf(&in, "    %s    %s", xr, xf);
    const SynSite site = row_site(pj); /* (no draws here) */
    if (buf == 2) {
        /* row by row: the terms into snn_xg, then snn_xacc_add_row_f (the rows that are
         * not in a group of xg whole-population rows, below) */
        sb_puts(&in, "    float *restrict snn_xt = snn_xg;\n");
        sb_printf(&in, "    %s    %s", xr, xf);
        dense_row_loop(&in, m, pj, &site, opt, buf, "snn_n", 8);
        sb_puts(&in, "    snn_xacc_add_row_f(&snn_xf, snn_xr, SNN_XL, SNN_XB, snn_xt, snn_n);\n");
        sb_puts(&in, "    snn_xacc_fast_put(snn_xr, SNN_XL, snn_xf);\n");
    } else {
        dense_row_loop(&in, m, pj, &site, opt, buf, "snn_n", 8);
    }
    if (buf == 1)
        sb_puts(&in, "    snn_xacc_fast_put(snn_xr, SNN_XL, snn_xf);\n");
    sb_printf(o, "const snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", pj->name);
    sb_puts(o, "const uint64_t *restrict snn_rs = snn_R->row_start;\n");
    sb_puts(o, "const uint32_t *restrict snn_rl = snn_R->row_len;\n");
    sb_puts(o, "scalar *restrict snn_wb = snn_R->weight;\n");
    for (int i = 0; i < sm->n_vars; i++)
        if (strcmp(sm->vars[i].name, sm->weight) != 0 &&
            emit_mentions(in.buf, arena_printf("snn_svt_%s", sm->vars[i].name)))
            sb_printf(o, "scalar *restrict snn_svb_%s = snn_sv_%s_%s + snn_soff_%s[snn_t];\n",
                      sm->vars[i].name, pj->name, sm->vars[i].name, pj->name);
    sb_printf(o, "const uint32_t snn_plo = snn_tlo_%s[snn_t]; /* the block's first target (this "
                 "rank's index) */\n", pj->post->name);
    sb_puts(o, "(void)step;\n");
    add_to_locals(o, pj, in.buf);
    if (buf == 2)
        sb_printf(o, "float snn_xg[%lld]; /* add_to_pre: the rows' terms */\n",
                  xg * (long long)pj->post->n);
    if (buf == 2 && xg == 8) {
        /* Groups of 8 whole-population rows (one thread block, one rank): a loop of 8 rows
         * whose length is the constant n (SNN_NOUNROLL, else gcc unrolls the trip count
         * that folds completely into scalar code before the vectoriser sees it), each row's
         * terms into its own 1/8 of snn_xg, then snn_xacc_add_rows_f adds the eight rows
         * to their sources at once.  The same row body, the same row pointers (snn_rb
         * loaded per row); only the per-row length test, the buffer's count and its
         * branches leave the row (docs/performance.md, "HO's rows in groups of eight").
         * The group stops at the first group with a shorter row (several blocks or ranks);
         * those rows and the last n mod 8 go row by row. */
        char full[32];
        snprintf(full, sizeof full, "%lldu", (long long)pj->post->n);
        StrBuf grp;
        sb_init(&grp);
        sb_printf(&grp, "        float *restrict snn_xt = snn_xg + (size_t)snn_q * %s;\n", full);
        dense_row_loop(&grp, m, pj, &site, opt, buf, full, 12);
        sb_puts(o, "uint32_t snn_p0 = 0; /* the first row not in a group */\n");
        sb_printf(o, "for (; snn_p0 + 8u <= SNN_N_%s; snn_p0 += 8u) {\n", pre);
        sb_puts(o, "    unsigned snn_full = 1u;\n");
        sb_puts(o, "    for (uint32_t snn_q = 0; snn_q < 8u; snn_q++)\n");
        sb_printf(o, "        snn_full &= snn_rl[snn_p0 + snn_q] == %s;\n", full);
        sb_puts(o, "    if (!snn_full)\n        break;\n");
        sb_puts(o, "    SNN_UNROLL8\n");
        sb_puts(o, "    for (uint32_t snn_q = 0; snn_q < 8u; snn_q++) {\n");
        sb_puts(o, "        const uint32_t snn_pre = snn_p0 + snn_q;\n");
        sb_puts(o, "        const uint64_t snn_rb = snn_rs[snn_pre]; /* the row: the block's "
                   "targets in order */\n");
        row_pointers(o, sm, in.buf, 8);
        sb_puts(o, grp.buf);
        sb_release(&grp);
        sb_puts(o, "    }\n");
        sb_puts(o, "    snn_xacc_add_rows_f(snn_apre + (size_t)snn_p0 * SNN_XW, SNN_XW, SNN_XL, "
                   "SNN_XB, snn_xg, ");
        sb_printf(o, "%s, 8u);\n}\n", full);
        sb_printf(o, "for (uint32_t snn_pre = snn_p0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
    } else {
        sb_printf(o, "for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
    }
    sb_puts(o, "    const uint64_t snn_rb = snn_rs[snn_pre]; /* the row: the block's targets in "
               "order */\n");
    sb_puts(o, "    const uint32_t snn_n = snn_rl[snn_pre];\n");
    row_pointers(o, sm, in.buf, 4);
    sb_puts(o, in.buf);
    sb_release(&in);
    sb_puts(o, "}");
}

/* Sparse rows (and dense ones with random draws): are the synapses' dynamics independent
 * of each other?  They write only the synapse's own variables (at its position) and read
 * the neurons' and the pre and post variables, which nothing writes in this phase;
 * add_to_post (two synapses of a row onto one target: multapses) and add_to_pre (every
 * synapse of the row into its source) carry a sum from one synapse to the next, and the
 * draws' multapse count reads the row. */
/* When they are, a row of at least SNN_DYN_VEC_MIN synapses runs a copy of the row loop
 * marked SNN_IVDEP (snn_syn_dynamics_<proj>_row): the targets' variables are gathered through the index, and gcc neither
 * proves that those loads do not alias the synapse arrays' stores nor can check it at run
 * time ("possible alias involving gather/scatter"), so without the mark it does not
 * vectorise the loop.  Shorter rows (5 synapses at 1 % of 512 targets) run the scalar copy:
 * there the vector loop's set-up costs more than it saves (gcc's generic and Zen tuning
 * emulate the gathers with scalar loads).  Each synapse's arithmetic is the same in both
 * (no reduction, no reassociation): bitwise the scalar loop's results. */
static bool syn_dynamics_independent(const Projection *pj)
{
    return !pj->add_post && !pj->add_pre &&
           !code_uses_rng(pj->syn_code[SC_DYNAMICS].stmts, NULL);
}

/* Sparse rows (not format "dense", whose rows have their own vectorised loop) with
 * independent synapses: long rows go to snn_syn_dynamics_<proj>_row. */
static bool syn_dynamics_vec(const Projection *pj)
{
    return pj->format != FORMAT_DENSE && syn_dynamics_independent(pj);
}

/* snn_syn_dynamics_<proj>_row (a function of its own, not inlined, so that the short rows'
 * scalar loop keeps its registers): row snn_pre of thread snn_t's block, one loop marked
 * SNN_IVDEP. */
static void proj_syn_dynamics_vrow(StrBuf *o, const Model *m, const Projection *pj,
                                   const EmitOptions *opt)
{
    StrBuf body; /* the loop first: the locals it uses are declared before it */
    sb_init(&body);
    sb_puts(&body, "SNN_IVDEP /* each synapse writes only its own variables */\n");
    sb_puts(&body, "for (uint64_t snn_pos = snn_rs[snn_pre]; snn_pos < snn_end; snn_pos++) {\n");
    sb_printf(&body, "    const uint32_t snn_k = %s; /* the target in the block */\n",
              syn_target(pj));
    sb_puts(&body, "    const uint32_t snn_post = snn_plo + snn_k; /* this rank's index */\n");
    sb_puts(&body, "    (void)snn_post; (void)snn_k;\n");
    const SynSite site = row_site(pj); /* (no draws here) */
    emit_syn_code_at(&body, m, pj, SC_DYNAMICS, "snn_pos", "snn_w", true, &site, 4, opt);
    sb_puts(&body, "}");
    row_locals(o, pj, body.buf);
    sb_puts(o, "(void)step;\n");
    sb_puts(o, "const uint64_t snn_end = snn_rs[snn_pre] + snn_rl[snn_pre];\n");
    sb_puts(o, body.buf);
    sb_release(&body);
}

/* The scalar loop over row snn_pre's synapses [snn_rs, snn_end) running the `dynamics`
 * code, at indentation ind. */
static void dyn_row_loop(StrBuf *o, const Model *m, const Projection *pj, int ind,
                         const EmitOptions *opt)
{
    sb_printf(o, "%*sfor (uint64_t snn_pos = snn_rs[snn_pre]; snn_pos < snn_end; snn_pos++) {\n",
              ind, "");
    sb_printf(o, "%*s    const uint32_t snn_k = %s; /* the target in the block */\n", ind, "",
              syn_target(pj));
    sb_printf(o, "%*s    const uint32_t snn_post = snn_plo + snn_k; /* this rank's index */\n",
              ind, "");
    sb_printf(o, "%*s    (void)snn_post; (void)snn_k;\n", ind, "");
    const SynSite site = row_site(pj);
    emit_syn_code_at(o, m, pj, SC_DYNAMICS, "snn_pos", "snn_w", true, &site, ind + 4, opt);
    sb_printf(o, "%*s}\n", ind, "");
}

/* whether the C text s holds the identifier id (not as part of a longer one) */
static bool has_ident(const char *s, const char *id)
{
    const size_t n = strlen(id);
    for (const char *p = strstr(s, id); p; p = strstr(p + 1, id)) {
        const bool lb = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        const bool rb = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (lb && rb)
            return true;
    }
    return false;
}

/* The pre arrays the run's code reads (its gathered buffers with post false, in the order
 * of lower_gather_array): the row loop copies each row's value into a per-slot buffer of
 * the caller (snn_gpv), so the run gathers only the post values.  *ng: all its buffers. */
static int run_pre_arrays(const Model *m, const Projection *pj, const EmitOptions *opt,
                          const char **arr, int *ng, bool *uses_pre)
{
    StrBuf scratch;
    sb_init(&scratch);
    lower_gather_begin();
    const SynSite site = row_site(pj);
    emit_syn_code_at(&scratch, m, pj, SC_DYNAMICS, "snn_pos", "snn_w", true, &site, 4, opt);
    *ng = lower_gather_end();
    /* the code reads the source's index (or an array through it: more than
     * LOWER_GATHER_MAX gathered arrays): the run needs the slots' sources */
    *uses_pre = has_ident(scratch.buf, "snn_pre");
    sb_release(&scratch);
    int k = 0;
    for (int j = 0; j < *ng; j++) {
        bool post;
        const char *a = lower_gather_array(j, &post);
        if (!post)
            arr[k++] = a;
    }
    return k;
}

/* The post arrays the run's code reads, packed (docs/performance.md "Post values packed"):
 * with 2 to 4 of them, the caller copies each target's values of the block into snn_gpk,
 * S = 2 or 4 scalars a target (a stack buffer: at most 2,048 targets), so that the run's
 * scalar gather loop loads each slot's values with one copy instead of one load per array.
 * Returns S (0: not packed) and the arrays in arr, in the order of lower_gather_array. */
static int run_post_pack(const Model *m, const Projection *pj, const EmitOptions *opt,
                         const char **arr, int *np)
{
    StrBuf scratch;
    sb_init(&scratch);
    lower_gather_begin();
    const SynSite site = row_site(pj);
    emit_syn_code_at(&scratch, m, pj, SC_DYNAMICS, "snn_pos", "snn_w", true, &site, 4, opt);
    const int ng = lower_gather_end();
    sb_release(&scratch);
    int k = 0;
    for (int j = 0; j < ng; j++) {
        bool post;
        const char *a = lower_gather_array(j, &post);
        if (post)
            arr[k++] = a;
    }
    *np = k;
    if (k < 2 || k > 4 || pj->post->n > 2048)
        return 0;
    return k == 2 ? 2 : 4;
}

/* The caller's packing of the post values (run_post_pack), before its runs: not with the
 * hardware gathers, which read the neuron arrays */
static void run_post_pack_fill(StrBuf *o, const Model *m, const Projection *pj,
                               const EmitOptions *opt)
{
    const char *arr[LOWER_GATHER_MAX];
    int np;
    const int S = run_post_pack(m, pj, opt, arr, &np);
    if (!S)
        return;
    const char *post = pj->post->name;
    sb_puts(o, "#if !(SNN_GATHER_HW && defined(__AVX2__))\n");
    sb_printf(o, "scalar snn_gpk[%d * SNN_N_%s]; /* the post values the runs gather, %d a target "
                 "of the block */\n", S, post, S);
    if (S == 4) {
        sb_printf(o, "snn_pack4(snn_gpk, %s + snn_plo, %s + snn_plo, %s + snn_plo, ", arr[0], arr[1],
                  arr[2]);
        if (np > 3)
            sb_printf(o, "%s + snn_plo", arr[3]);
        else
            sb_puts(o, "NULL");
        sb_printf(o, ", snn_tlo_%s[snn_t + 1] - snn_plo);\n", post);
    } else {
        sb_printf(o, "for (uint32_t snn_k = 0; snn_k < snn_tlo_%s[snn_t + 1] - snn_plo; snn_k++) {\n",
                  post);
        for (int j = 0; j < S; j++)
            sb_printf(o, "    snn_gpk[%d * (size_t)snn_k + %d] = %s[snn_plo + snn_k];\n", S, j, arr[j]);
        sb_puts(o, "}\n");
    }
    sb_puts(o, "#else\n");
    sb_puts(o, "const scalar *snn_gpk = NULL;\n");
    sb_puts(o, "#endif\n");
}

/* The row loop with runs (syn_dynamics_runs): long rows to snn_syn_dynamics_<proj>_row,
 * short ones into the current run (rows from snn_cr on) while their slots follow it; a run
 * of fewer than SNN_DYN_RUN_MIN slots (a DEEP R row between padding) runs the scalar row
 * loop here, row by row. */
/* The short rows of sources [snn_cr, end) one by one (a run too short for the run function),
 * the loop 'ind' spaces in; long rows are skipped (their own vectorised function ran) */
static void short_rows_loop(StrBuf *o, const Model *m, const Projection *pj, const char *end,
                            const char *note, int ind, const EmitOptions *opt)
{
    sb_printf(o, "%*sfor (uint32_t snn_pre = snn_cr; snn_pre < %s; snn_pre++) {%s\n", ind, "",
              end, note);
    sb_printf(o, "%*sif (snn_rl[snn_pre] >= SNN_DYN_VEC_MIN)\n", ind + 4, "");
    sb_printf(o, "%*scontinue;\n", ind + 8, "");
    sb_printf(o, "%*sconst uint64_t snn_end = snn_rs[snn_pre] + snn_rl[snn_pre];\n", ind + 4, "");
    dyn_row_loop(o, m, pj, ind + 4, opt);
    sb_printf(o, "%*s}\n", ind, "");
}

/* In a run's row loop (12 spaces in): row snn_r's source and its pre values into the run's
 * slots from 'at' (SNN_DYN_VEC_MIN of each, room past the row for the vector loop) */
static void run_slot_fill(StrBuf *o, bool src, int npv, const char *const *parr, const char *at)
{
    if (src) {
        sb_printf(o, "            uint32_t *restrict snn_d = snn_gsrc + %s;\n", at);
        sb_puts(o, "            for (uint32_t snn_j = 0; snn_j < SNN_DYN_VEC_MIN; snn_j++)\n");
        sb_puts(o, "                snn_d[snn_j] = snn_r;\n");
    }
    for (int k = 0; k < npv; k++) {
        sb_printf(o, "            const scalar snn_v%d = %s[snn_r];\n", k, parr[k]);
        sb_printf(o, "            scalar *restrict snn_dv%d = snn_gpv + %d * (SNN_DYN_RUN + "
                     "SNN_DYN_VEC_MIN) + %s;\n", k, k, at);
        sb_puts(o, "            for (uint32_t snn_j = 0; snn_j < SNN_DYN_VEC_MIN; snn_j++)\n");
        sb_printf(o, "                snn_dv%d[snn_j] = snn_v%d;\n", k, k);
    }
}

static void syn_dynamics_runs_loop_static(StrBuf *o, const Model *m, const Projection *pj,
                                          const EmitOptions *opt);

static void syn_dynamics_runs_loop(StrBuf *o, const Model *m, const Projection *pj,
                                   const EmitOptions *opt)
{
    const char *n = pj->name, *pre = pj->pre->name;
    const char *parr[LOWER_GATHER_MAX];
    int ng;
    bool src;
    if (!pj->rewired) {
        syn_dynamics_runs_loop_static(o, m, pj, opt);
        return;
    }
    const int npv = run_pre_arrays(m, pj, opt, parr, &ng, &src);
    const char *karr[LOWER_GATHER_MAX];
    int nk;
    const int pk = run_post_pack(m, pj, opt, karr, &nk);
    run_post_pack_fill(o, m, pj, opt);
    if (src)
        sb_puts(o, "uint32_t snn_gsrc[SNN_DYN_RUN + SNN_DYN_VEC_MIN]; /* the run's slots' "
                   "sources */\n");
    if (npv)
        sb_printf(o, "scalar snn_gpv[%d * (SNN_DYN_RUN + SNN_DYN_VEC_MIN)]; /* their pre values */\n",
                  npv);
    sb_puts(o, "uint64_t snn_cb = 0; /* the run: slots [snn_cb, snn_cb + snn_cn), rows from "
               "snn_cr */\n");
    sb_puts(o, "uint32_t snn_cn = 0, snn_cr = 0;\n");
    sb_puts(o, "for (uint32_t snn_r = 0;; snn_r++) {\n");
    sb_puts(o, "    uint32_t snn_l = 0;\n");
    sb_puts(o, "    uint64_t snn_b = 0;\n");
    sb_printf(o, "    if (snn_r < SNN_N_%s) {\n", pre);
    sb_puts(o, "        snn_l = snn_rl[snn_r];\n");
    sb_puts(o, "        if (snn_l >= SNN_DYN_VEC_MIN) { /* a long row: vectorised */\n");
    sb_printf(o, "            snn_syn_dynamics_%s_row(step, snn_t, snn_r);\n", n);
    sb_puts(o, "            continue;\n");
    sb_puts(o, "        }\n");
    sb_puts(o, "        if (!snn_l)\n");
    sb_puts(o, "            continue;\n");
    sb_puts(o, "        snn_b = snn_rs[snn_r];\n");
    sb_puts(o, "        if (snn_b == snn_cb + snn_cn && snn_cn + snn_l <= SNN_DYN_RUN) {\n");
    run_slot_fill(o, src, npv, parr, "snn_cn");
    sb_puts(o, "            snn_cn += snn_l;\n");
    sb_puts(o, "            continue;\n");
    sb_puts(o, "        }\n");
    sb_puts(o, "    }\n");
    sb_puts(o, "    /* the run ends before row snn_r */\n");
    sb_puts(o, "    if (snn_cn >= SNN_DYN_RUN_MIN) {\n");
    sb_printf(o, "        snn_syn_dynamics_%s_run(step, snn_t, snn_cb, snn_cn, %s, %s, %s);\n", n,
              src ? "snn_gsrc" : "NULL", npv ? "snn_gpv" : "NULL", pk ? "snn_gpk" : "NULL");
    sb_puts(o, "    } else {\n");
    short_rows_loop(o, m, pj, "snn_r", "", 8, opt);
    sb_puts(o, "    }\n");
    sb_printf(o, "    if (snn_r == SNN_N_%s)\n", pre);
    sb_puts(o, "        break;\n");
    sb_puts(o, "    snn_cb = snn_b;\n");
    sb_puts(o, "    snn_cn = snn_l;\n");
    sb_puts(o, "    snn_cr = snn_r;\n");
    if (src) {
        sb_puts(o, "    for (uint32_t snn_j = 0; snn_j < SNN_DYN_VEC_MIN; snn_j++)\n");
        sb_puts(o, "        snn_gsrc[snn_j] = snn_r;\n");
    }
    for (int k = 0; k < npv; k++) {
        sb_printf(o, "    const scalar snn_v%d = %s[snn_r];\n", k, parr[k]);
        sb_puts(o, "    for (uint32_t snn_j = 0; snn_j < SNN_DYN_VEC_MIN; snn_j++)\n");
        sb_printf(o, "        snn_gpv[%d * (SNN_DYN_RUN + SNN_DYN_VEC_MIN) + snn_j] = snn_v%d;\n",
                  k, k);
    }
    sb_puts(o, "}");
}

/* Runs of short rows (sparse rows with independent synapses, both populations' indices
 * below 2^31 for the gathers' signed 32-bit indices): rows of fewer than SNN_DYN_VEC_MIN
 * synapses whose slots follow each other in storage (static rows; a DEEP R row's padding
 * breaks a run) are taken together, up to SNN_DYN_RUN slots, and
 * snn_syn_dynamics_<proj>_run does their dynamics as one loop over the slots (only without
 * a declared row capacity: see syn_dynamics_runs): the sources
 * come from a per-slot buffer the step's row loop fills (for a rewired projection the runs
 * are formed every step, so they follow every change of the rows; for one whose rows never
 * change, once: syn_dynamics_runs_loop_static), the targets from the index, and every pre and
 * post variable the code reads is gathered into a buffer of its own first (lower_gather_*;
 * AVX2's gather instructions where the target has them, snn_gather), so that the loop reads
 * only contiguous buffers and the synapse arrays and gcc vectorises it.  Each synapse's
 * arithmetic is that of the row loop: the results are bitwise the same. */
static bool syn_dynamics_runs(const Projection *pj)
{
    /* declared row capacity (DEEP R's padding) leaves gaps between rows: every run would be
     * one row, and the scalar fallback's bookkeeping cost more than it saves */
    return syn_dynamics_vec(pj) && pj->pre->n < ((int64_t)1 << 31) &&
           pj->post->n < ((int64_t)1 << 31) && pj->max_row_length == 0 &&
           pj->row_padding == 0.0;
}

/* The same for a projection whose rows never change (no connectivity update): the runs'
 * structure is formed once, on the thread block's first step, by the loop above with the
 * operations recorded instead of done (snn_ragged.dyn_plan, freed with the rows; a count
 * pass, then the fill), in the order the loop does them: 6 words each, {0, row} a long
 * row, {1, first row, end row, slots, start lo, start hi} a run, {2, first row, end row}
 * rows for the scalar loop.  Every step then replays them: a run's per-slot sources and
 * pre values are filled from its rows (the same values at the same slots), so the results
 * are bitwise those of the loop above. */
static void syn_dynamics_runs_loop_static(StrBuf *o, const Model *m, const Projection *pj,
                                          const EmitOptions *opt)
{
    const char *n = pj->name, *pre = pj->pre->name;
    const char *parr[LOWER_GATHER_MAX];
    int ng;
    bool src;
    const int npv = run_pre_arrays(m, pj, opt, parr, &ng, &src);
    const char *karr[LOWER_GATHER_MAX];
    int nk;
    const int pk = run_post_pack(m, pj, opt, karr, &nk);
    if (src)
        sb_puts(o, "uint32_t snn_gsrc[SNN_DYN_RUN + SNN_DYN_VEC_MIN]; /* the run's slots' "
                   "sources */\n");
    if (npv)
        sb_printf(o, "scalar snn_gpv[%d * (SNN_DYN_RUN + SNN_DYN_VEC_MIN)]; /* their pre values */\n",
                  npv);
    run_post_pack_fill(o, m, pj, opt);
    sb_printf(o, "const uint32_t *snn_op = (const uint32_t *)snn_syn_%s[snn_t].dyn_plan;\n", n);
    sb_puts(o, "if (!snn_op) { /* the first step: form the runs */\n");
    sb_printf(o, "    snn_ragged *snn_Rm = &snn_syn_%s[snn_t];\n", n);
    sb_puts(o, "    uint32_t *snn_po = NULL;\n");
    sb_puts(o, "    uint64_t snn_no = 0;\n");
    sb_puts(o, "    for (int snn_pass = 0; snn_pass < 2; snn_pass++) {\n");
    sb_puts(o, "        if (snn_pass) {\n");
    sb_puts(o, "            snn_Rm->dyn_plan_bytes = (1 + 6 * snn_no) * sizeof(uint32_t);\n");
    sb_printf(o, "            snn_po = snn_alloc((size_t)snn_Rm->dyn_plan_bytes, \"projection '%s' "
                 "dynamics runs\");\n", n);
    sb_puts(o, "            snn_po[0] = (uint32_t)snn_no;\n");
    sb_puts(o, "            snn_no = 0;\n");
    sb_puts(o, "        }\n");
    sb_puts(o, "#define SNN_PLAN_OP(a, b, c, d, cb) do { if (snn_po) { uint32_t *snn_q = snn_po + 1 + "
               "6 * snn_no; snn_q[0] = (a); snn_q[1] = (b); snn_q[2] = (c); snn_q[3] = (d); "
               "snn_q[4] = (uint32_t)(cb); snn_q[5] = (uint32_t)((uint64_t)(cb) >> 32); } "
               "snn_no++; } while (0)\n");
    sb_puts(o, "        uint64_t snn_cb = 0;\n");
    sb_puts(o, "        uint32_t snn_cn = 0, snn_cr = 0;\n");
    sb_puts(o, "        for (uint32_t snn_r = 0;; snn_r++) {\n");
    sb_puts(o, "            uint32_t snn_l = 0;\n");
    sb_puts(o, "            uint64_t snn_b = 0;\n");
    sb_printf(o, "            if (snn_r < SNN_N_%s) {\n", pre);
    sb_puts(o, "                snn_l = snn_rl[snn_r];\n");
    sb_puts(o, "                if (snn_l >= SNN_DYN_VEC_MIN) {\n");
    sb_puts(o, "                    SNN_PLAN_OP(0u, snn_r, 0u, 0u, 0u);\n");
    sb_puts(o, "                    continue;\n");
    sb_puts(o, "                }\n");
    sb_puts(o, "                if (!snn_l)\n");
    sb_puts(o, "                    continue;\n");
    sb_puts(o, "                snn_b = snn_rs[snn_r];\n");
    sb_puts(o, "                if (snn_b == snn_cb + snn_cn && snn_cn + snn_l <= SNN_DYN_RUN) {\n");
    sb_puts(o, "                    snn_cn += snn_l;\n");
    sb_puts(o, "                    continue;\n");
    sb_puts(o, "                }\n");
    sb_puts(o, "            }\n");
    sb_puts(o, "            if (snn_cn >= SNN_DYN_RUN_MIN)\n");
    sb_puts(o, "                SNN_PLAN_OP(1u, snn_cr, snn_r, snn_cn, snn_cb);\n");
    sb_puts(o, "            else if (snn_cr < snn_r)\n");
    sb_puts(o, "                SNN_PLAN_OP(2u, snn_cr, snn_r, 0u, 0u);\n");
    sb_printf(o, "            if (snn_r == SNN_N_%s)\n", pre);
    sb_puts(o, "                break;\n");
    sb_puts(o, "            snn_cb = snn_b;\n");
    sb_puts(o, "            snn_cn = snn_l;\n");
    sb_puts(o, "            snn_cr = snn_r;\n");
    sb_puts(o, "        }\n");
    sb_puts(o, "#undef SNN_PLAN_OP\n");
    sb_puts(o, "    }\n");
    sb_puts(o, "    snn_Rm->dyn_plan = snn_po;\n");
    sb_puts(o, "    snn_op = snn_po;\n");
    sb_puts(o, "}\n");
    sb_puts(o, "const uint32_t snn_nop = snn_op[0];\n");
    sb_puts(o, "for (uint32_t snn_o = 0; snn_o < snn_nop; snn_o++) {\n");
    sb_puts(o, "    const uint32_t *snn_e = snn_op + 1 + 6 * (size_t)snn_o;\n");
    sb_puts(o, "    if (snn_e[0] == 0) { /* a long row: vectorised */\n");
    sb_printf(o, "        snn_syn_dynamics_%s_row(step, snn_t, snn_e[1]);\n", n);
    sb_puts(o, "        continue;\n");
    sb_puts(o, "    }\n");
    sb_puts(o, "    const uint32_t snn_cr = snn_e[1], snn_re = snn_e[2];\n");
    sb_puts(o, "    if (snn_e[0] == 1) { /* a run: its slots' sources and pre values, then the run */\n");
    if (src || npv) {
        sb_puts(o, "        uint32_t snn_c = 0;\n");
        sb_puts(o, "        for (uint32_t snn_r = snn_cr; snn_r < snn_re; snn_r++) {\n");
        sb_puts(o, "            const uint32_t snn_l = snn_rl[snn_r];\n");
        sb_puts(o, "            if (!snn_l || snn_l >= SNN_DYN_VEC_MIN)\n");
        sb_puts(o, "                continue;\n");
        run_slot_fill(o, src, npv, parr, "snn_c");
        sb_puts(o, "            snn_c += snn_l;\n");
        sb_puts(o, "        }\n");
    }
    sb_puts(o, "        const uint64_t snn_cb = snn_e[4] | (uint64_t)snn_e[5] << 32;\n");
    sb_printf(o, "        snn_syn_dynamics_%s_run(step, snn_t, snn_cb, snn_e[3], %s, %s, %s);\n", n,
              src ? "snn_gsrc" : "NULL", npv ? "snn_gpv" : "NULL", pk ? "snn_gpk" : "NULL");
    sb_puts(o, "        continue;\n");
    sb_puts(o, "    }\n");
    short_rows_loop(o, m, pj, "snn_re", " /* a short run: row by row */", 4, opt);
    sb_puts(o, "}");
}

/* For each of the run's ng gathered arrays that the target indexes, its buffer filled: by
 * a hardware gather over the run (hw), or the slot's scalar load in the slots' loop. */
static void post_gathers(StrBuf *o, int ng, bool hw)
{
    for (int j = 0; j < ng; j++) {
        bool post;
        const char *a = lower_gather_array(j, &post);
        if (post && hw)
            sb_printf(o, "snn_gather(snn_gv%d, %s, snn_gpost, snn_n);\n", j, a);
        else if (post)
            sb_printf(o, "    snn_gv%d[snn_i] = %s[snn_q];\n", j, a);
    }
}

/* snn_syn_dynamics_<proj>_run(step, snn_t, snn_cb, snn_n, snn_gsrc): slots [snn_cb,
 * snn_cb + snn_n) of thread snn_t's block, slot snn_cb + i in row snn_gsrc[i]. */
static void proj_syn_dynamics_run(StrBuf *o, const Model *m, const Projection *pj,
                                  const EmitOptions *opt)
{
    StrBuf body;
    sb_init(&body);
    lower_gather_begin();
    const SynSite site = row_site(pj); /* (no draws here) */
    emit_syn_code_at(&body, m, pj, SC_DYNAMICS, "snn_pos", "snn_w", true, &site, 4, opt);
    const int ng = lower_gather_end();
    /* the loop needs the targets' buffer only where the code reads the target's index (or
     * an array through it: more than LOWER_GATHER_MAX gathered arrays) */
    const bool need_post = has_ident(body.buf, "snn_post") || has_ident(body.buf, "snn_k");
    row_locals(o, pj, body.buf);
    sb_puts(o, "(void)step; (void)snn_rs; (void)snn_rl; (void)snn_gsrc;\n");
    sb_puts(o, "(void)snn_gpv;\n");
    const char *karr[LOWER_GATHER_MAX];
    int nk;
    const int S = run_post_pack(m, pj, opt, karr, &nk);
    sb_puts(o, "(void)snn_gpk; (void)snn_plo; /* snn_plo: the hardware gathers only, when the post values are packed */\n");
    for (int j = 0, k = 0; j < ng; j++) {
        bool post;
        (void)lower_gather_array(j, &post);
        if (post && !S)
            sb_printf(o, "scalar snn_gv%d[SNN_DYN_RUN];\n", j);
        else if (!post) /* the row loop's copy of the row's value in each slot */
            sb_printf(o, "const scalar *restrict snn_gv%d = snn_gpv + %d * (SNN_DYN_RUN + "
                         "SNN_DYN_VEC_MIN);\n", j, k++);
    }
    /* the vector loop over the slots */
    StrBuf loop;
    sb_init(&loop);
    sb_puts(&loop, "SNN_IVDEP /* each synapse writes only its own variables */\n");
    sb_puts(&loop, "for (uint32_t snn_i = 0; snn_i < snn_n; snn_i++) {\n");
    sb_puts(&loop, "    const uint64_t snn_pos = snn_cb + snn_i;\n");
    const bool need_pre = has_ident(body.buf, "snn_pre");
    if (need_pre)
        sb_puts(&loop, "    const uint32_t snn_pre = snn_gsrc[snn_i]; (void)snn_pre;\n");
    if (need_post) {
        sb_puts(&loop, "    const uint32_t snn_post = snn_gpost[snn_i];\n");
        sb_puts(&loop, "    const uint32_t snn_k = snn_post - snn_plo; /* the target in the block */\n");
        sb_puts(&loop, "    (void)snn_post; (void)snn_k;\n");
    }
    sb_puts(&loop, body.buf);
    sb_puts(&loop, "}\n");
    sb_puts(o, "#if SNN_GATHER_HW && defined(__AVX2__)\n");
    if (S)
        for (int j = 0; j < ng; j++) {
            bool post;
            (void)lower_gather_array(j, &post);
            if (post)
                sb_printf(o, "scalar snn_gv%d[SNN_DYN_RUN];\n", j);
        }
    sb_puts(o, "uint32_t snn_gpost[SNN_DYN_RUN]; /* the targets (this rank's index) */\n");
    sb_puts(o, "for (uint32_t snn_i = 0; snn_i < snn_n; snn_i++)\n");
    sb_puts(o, "    snn_gpost[snn_i] = snn_plo + snn_ind[snn_cb + snn_i];\n");
    post_gathers(o, ng, true);
    if (S)
        sb_puts(o, loop.buf);
    /* scalar loads: one pass over the slots for every buffer (each slot's target and
     * source read once, one loop's overhead), the same values; packed (S): each slot's
     * target's S values copied at once from the caller's snn_gpk, and the loop reads them
     * there (snn_gk[S * snn_i + p] for the buffer of the p-th post array) */
    sb_puts(o, "#else\n");
    if (need_post)
        sb_puts(o, "uint32_t snn_gpost[SNN_DYN_RUN]; /* the targets (this rank's index) */\n");
    if (S)
        sb_printf(o, "scalar snn_gk[%d * SNN_DYN_RUN]; /* the slots' post values, %d a slot */\n",
                  S, S);
    sb_puts(o, "for (uint32_t snn_i = 0; snn_i < snn_n; snn_i++) {\n");
    if (S) {
        sb_puts(o, "    const uint32_t snn_kk = snn_ind[snn_cb + snn_i];\n");
        if (need_post)
            sb_puts(o, "    snn_gpost[snn_i] = snn_plo + snn_kk;\n");
        sb_printf(o, "    memcpy(snn_gk + %d * (size_t)snn_i, snn_gpk + %d * (size_t)snn_kk, "
                     "%d * sizeof(scalar));\n", S, S, S);
    } else {
        sb_puts(o, "    const uint32_t snn_q = snn_plo + snn_ind[snn_cb + snn_i];\n");
        if (need_post)
            sb_puts(o, "    snn_gpost[snn_i] = snn_q;\n");
        post_gathers(o, ng, false);
    }
    sb_puts(o, "}\n");
    if (S) {
        /* the loop with each post buffer's reads at the packed place */
        StrBuf ak;
        sb_init(&ak);
        sb_puts(&ak, loop.buf);
        for (int j = 0, p = 0; j < ng; j++) {
            bool post;
            (void)lower_gather_array(j, &post);
            if (!post)
                continue;
            const char *from = arena_printf("snn_gv%d[snn_i]", j);
            const char *to = arena_printf("snn_gk[%d * snn_i + %d]", S, p++);
            StrBuf r;
            sb_init(&r);
            const size_t fl = strlen(from);
            for (const char *c = ak.buf; *c;) {
                const char *h = strstr(c, from);
                if (!h) {
                    sb_puts(&r, c);
                    break;
                }
                sb_printf(&r, "%.*s%s", (int)(h - c), c, to);
                c = h + fl;
            }
            sb_release(&ak);
            ak = r;
        }
        sb_puts(o, ak.buf);
        sb_release(&ak);
    }
    sb_puts(o, "#endif\n");
    if (!S)
        sb_puts(o, loop.buf);
    sb_release(&loop);
    sb_release(&body);
}

static void proj_syn_dynamics(StrBuf *o, const Model *m, const Projection *pj,
                              const EmitOptions *opt)
{
    const char *pre = pj->pre->name;
    if (pj->format == FORMAT_DENSE && !code_uses_rng(pj->syn_code[SC_DYNAMICS].stmts, NULL)) {
        proj_syn_dynamics_rows(o, m, pj, opt);
        return;
    }
    StrBuf body; /* the loop first: the locals it uses are declared before it */
    sb_init(&body);
    if (syn_dynamics_runs(pj)) {
        syn_dynamics_runs_loop(&body, m, pj, opt);
    } else {
        sb_printf(&body, "for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
        sb_puts(&body, "    const uint64_t snn_end = snn_rs[snn_pre] + snn_rl[snn_pre];\n");
        if (syn_dynamics_vec(pj))
            sb_printf(&body, "    if (snn_rl[snn_pre] >= SNN_DYN_VEC_MIN) { /* a long row: "
                             "vectorised */\n"
                             "        snn_syn_dynamics_%s_row(step, snn_t, snn_pre);\n"
                             "        continue;\n"
                             "    }\n", pj->name);
        dyn_row_loop(&body, m, pj, 4, opt);
        sb_puts(&body, "}");
    }
    row_locals(o, pj, body.buf);
    sb_puts(o, "(void)step;\n");
    add_to_locals(o, pj, body.buf);
    sb_puts(o, body.buf);
    sb_release(&body);
}

/* Thread snn_t's delivery of a plastic projection: the synapses onto its block of targets,
 * each running on_pre and then delivering its weight. */
static void proj_propagate_plastic(StrBuf *o, const Model *m, const Projection *pj,
                                   const EmitOptions *opt)
{
    const char *pre = pj->pre->name, *post = pj->post->name;
    int d = pj->delay_steps;
    sb_printf(o, "/* spikes emitted %d step%s ago; each synapse onto this thread's targets runs "
                 "on_pre, then delivers its weight */\n", d, d == 1 ? "" : "s");
    sb_printf(o, "const uint32_t snn_slot = (uint32_t)((step + SNN_NSLOT_%s - %du) %% SNN_NSLOT_%s);\n",
              pre, d, pre);
    sb_printf(o, "const uint32_t snn_n = snn_spkcnt_%s[snn_slot];\n", pre);
    sb_printf(o, "const uint32_t *snn_spk = snn_spk_%s + (size_t)snn_slot * SNN_N_%s;\n", pre, pre);
    StrBuf body; /* the loop first: the synapse variables it uses are declared before it */
    sb_init(&body);
    sb_puts(&body, "for (uint32_t snn_s = 0; snn_s < snn_n; snn_s++) {\n");
    sb_puts(&body, "    const uint32_t snn_pre = snn_spk[snn_s];\n");
    sb_puts(&body, "    const uint64_t snn_end = snn_rs[snn_pre] + snn_rl[snn_pre];\n");
    sb_puts(&body, "    for (uint64_t snn_pos = snn_rs[snn_pre]; snn_pos < snn_end; snn_pos++) {\n");
    sb_printf(&body, "        const uint32_t snn_k = %s;\n", syn_target(pj));
    sb_puts(&body, "        const uint32_t snn_post = snn_plo + snn_k; /* this rank's index */\n");
    sb_puts(&body, "        (void)snn_post;\n");
    if (pj->syn_code[SC_ON_PRE].stmts) {
        const SynSite site = row_site(pj);
        emit_syn_code_at(&body, m, pj, SC_ON_PRE, "snn_pos", "snn_w", true, &site, 8, opt);
    }
    sb_puts(&body, "        snn_in[snn_k] += snn_w[snn_pos];\n");
    sb_puts(&body, "    }\n}");
    row_locals(o, pj, body.buf);
    sb_printf(o, "scalar *restrict snn_in = snn_in%d_%s + snn_plo;\n", pj->input_slot, post);
    sb_puts(o, body.buf);
    sb_release(&body);
}

/* format = "dense": each spike adds its source's row of the matrix to the thread's targets
 * (absent synapses hold -0.0, which adds nothing, so this equals the sparse rows) */
static void proj_propagate_dense(StrBuf *o, const Projection *pj)
{
    const char *pre = pj->pre->name, *post = pj->post->name;
    int d = pj->delay_steps;
    sb_printf(o, "/* spikes emitted %d step%s ago; dense matrix */\n", d, d == 1 ? "" : "s");
    sb_printf(o, "const uint32_t slot = (uint32_t)((step + SNN_NSLOT_%s - %du) %% SNN_NSLOT_%s);\n",
              pre, d, pre);
    sb_printf(o, "const uint32_t n = snn_spkcnt_%s[slot];\n", pre);
    sb_printf(o, "const uint32_t *restrict spk = snn_spk_%s + (size_t)slot * SNN_N_%s;\n", pre, pre);
    sb_printf(o, "const scalar *restrict mat = snn_syn_%s[snn_t].weight;\n", pj->name);
    sb_printf(o, "const size_t nl = snn_syn_%s[snn_t].n_post;\n", pj->name);
    sb_printf(o, "scalar *restrict in = snn_in%d_%s + snn_tlo_%s[snn_t]; /* this thread's "
                 "targets */\n", pj->input_slot, post, post);
    sb_puts(o, "for (uint32_t s = 0; s < n; s++) {\n");
    sb_puts(o, "    const scalar *restrict row = mat + (size_t)spk[s] * nl;\n");
    sb_puts(o, "#ifdef _OPENMP\n    #pragma omp simd\n#endif\n");
    sb_puts(o, "    for (size_t k = 0; k < nl; k++)\n");
    sb_puts(o, "        in[k] += row[k];\n");
    sb_puts(o, "}");
}

/* format = "procedural": each spike regenerates its source's row (snn_conn_row) up to the
 * end of the thread's targets and adds the weights of those in the block; weights from an
 * initialiser are drawn per (source, position in the row). */
static void proj_propagate_procedural(StrBuf *o, const Model *m, const Projection *pj)
{
    bool is_float = m->precision == PREC_FLOAT;
    const char *pre = pj->pre->name, *post = pj->post->name;
    bool het = emit_per_synapse_weight(pj);
    int d = pj->delay_steps;
    sb_printf(o, "/* spikes emitted %d step%s ago; rows regenerated (procedural) */\n", d,
              d == 1 ? "" : "s");
    sb_printf(o, "const uint32_t slot = (uint32_t)((step + SNN_NSLOT_%s - %du) %% SNN_NSLOT_%s);\n",
              pre, d, pre);
    sb_printf(o, "const uint32_t n = snn_spkcnt_%s[slot];\n", pre);
    sb_printf(o, "const uint32_t *restrict spk = snn_spk_%s + (size_t)slot * SNN_N_%s;\n", pre, pre);
    sb_printf(o, "const snn_ragged *R = &snn_syn_%s[snn_t];\n", pj->name);
    sb_puts(o, "uint32_t *restrict buf = R->ind;\n");
    sb_puts(o, "const uint32_t lo = R->post_lo, hi = R->post_lo + R->n_post;\n");
    sb_printf(o, "scalar *restrict in = snn_in%d_%s + snn_tlo_%s[snn_t]; /* this thread's "
                 "targets */\n", pj->input_slot, post, post);
    sb_puts(o, "if (R->n_post == 0)\n    return;\n");
    sb_puts(o, "for (uint32_t s = 0; s < n; s++) {\n");
    sb_puts(o, "    const uint32_t i = spk[s];\n");
    sb_puts(o, "    const uint32_t len = snn_conn_row(&R->spec, R->seed, i, hi, buf);\n");
    sb_puts(o, "    uint32_t t = 0;\n");
    sb_puts(o, "    while (t < len && buf[t] < lo)\n        t++;\n");
    sb_puts(o, "    for (; t < len; t++)\n");
    if (het)
        sb_puts(o, "        in[buf[t] - lo] += (scalar)snn_init_value(&R->spec.weight, R->seed, "
                   "i, t);\n");
    else
        sb_printf(o, "        in[buf[t] - lo] += %s;\n",
                  emit_scalar_literal(pj->weight.a, is_float));
    sb_puts(o, "}");
}

/* Bytes of row headers (an 8-byte row_start and a 4-byte row_len per source) in one thread
 * block over the model's sparse projections: every block holds a header for every source,
 * whatever the thread count. */
/* The projection is delivered through stored sparse rows (not a dense matrix without a
 * weight update model, not procedural rows) */
static bool stored_rows(const Projection *q)
{
    return !(q->format == FORMAT_DENSE && !q->syn) && q->format != FORMAT_PROCEDURAL;
}

static int64_t model_row_header_bytes(const Model *m)
{
    int64_t b = 0;
    for (int i = 0; i < m->n_projs; i++)
        if (stored_rows(m->projs[i]))
            b += m->projs[i]->pre->n * 12;
    return b;
}

/* Bytes of the synapse arrays the sparse delivery loops read (index, per-synapse weight and
 * delay) over the model's projections, from the rules' expected counts; a projection whose
 * rule does not tell counts as large (INT64_MAX). */
static int64_t model_synapse_bytes(const Model *m)
{
    double b = 0;
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *q = m->projs[i];
        if (!stored_rows(q))
            continue;
        const double n = ir_expected_synapses(q);
        if (n < 0)
            return INT64_MAX;
        const int per = (q->post->n <= 65536 ? 2 : 4) +
                        (emit_per_synapse_weight(q) ? (m->precision == PREC_FLOAT ? 4 : 8) : 0) +
                        (q->het_delay ? q->delay_bytes : 0);
        b += n * per;
    }
    return b > 9e18 ? INT64_MAX : (int64_t)b;
}

/* Above this many bytes of synapse arrays (the 1 MiB L2 of the machines we measure; COBA
 * 0.64 MB stays below), delivery prefetches the next spike's whole row, up to
 * SNN_PF_ROW_LINES lines of each array (snn_prefetch_row), not only its first line: Brunel
 * (31 MB) one thread 0.41 -> 0.25 s of delivery a model second, two blocks on two threads
 * 0.25 -> 0.14 s, the full microcircuit 1.9-2.3 -> 1.6-1.8 s; below it every line is in
 * cache and the hints only add instructions (COBA +2 %).  docs/performance.md "Whole rows
 * prefetched". */
#define SNN_ROW_PREFETCH_BYTES ((int64_t)1 << 20)

/* The dendritic rings' bytes that per-synapse delays keep busy: for each population fed by
 * a projection with per-synapse delays, its neurons x the rows up to the longest such
 * projection's mean delay + 3 sd (normal_clipped, within its bound) or upper bound
 * (uniform), else 64 rows (a delay the compiler cannot bound so). */
static int64_t model_ring_bytes(const Model *m)
{
    double total = 0;
    for (int p = 0; p < m->n_pops; p++) {
        const Population *post = m->pops[p];
        double rows = 0;
        for (int i = 0; i < m->n_projs; i++) {
            const Projection *q = m->projs[i];
            if (q->post != post || !q->het_delay)
                continue;
            const Init *d = &q->delay_init;
            double ms = d->kind == INIT_NORMAL_CLIPPED ? fmin(d->hi, d->a + 3 * d->b)
                        : d->kind == INIT_UNIFORM      ? d->b
                                                       : 64 * m->dt;
            double r = ceil(ms / m->dt) + 1;
            if (r > rows)
                rows = r;
        }
        total += rows * (double)post->n * (m->precision == PREC_FLOAT ? 4 : 8);
    }
    return total > 9e18 ? INT64_MAX : (int64_t)total;
}

/* Above this many bytes of busy ring rows, delivery with per-synapse delays prefetches, for
 * write, the ring words of the next spike's row while it adds this one's (its indices and
 * delays are in cache, fetched SNN_PF_AHEAD spikes before): the full microcircuit (~12 MB
 * of rows) delivery 1.73 -> 1.42 s a model second on two threads (docs/performance.md
 * "Ring words of the next row").  At N_scale 0.1 (~1.2 MB, mostly in a 1 MiB L2) the same
 * hints cost one thread 15 % of its delivery, hence 4 MiB.  Earlier tries prefetched ring
 * words 16 synapses ahead in the same row, whose indices were not yet in cache, and were
 * slower. */
#define SNN_RING_PREFETCH_BYTES ((int64_t)4 << 20)

/* Above this many bytes of row headers per block (half a 1 MiB L2, which also holds the
 * rings and the synapse stream), delivery prefetches the headers of spikes ahead
 * (proj_propagate); below it they stay in cache and the hints would only add instructions
 * (COBA 0.1 MB, Brunel and hpc_benchmark 0.3 MB; the microcircuit 0.74 MB at N_scale 0.1,
 * 7.4 MB at full scale). */
#define SNN_HDR_PREFETCH_BYTES ((int64_t)512 << 10)

/* The length of spike i's row in the delivery loop: from the headers of packed rows, else
 * row_len */
static const char *row_len_expr(bool packed, const char *i)
{
    return packed ? arena_printf("(size_t)(row_start[spk[%s] + 1] - row_start[spk[%s]])", i, i)
                  : arena_printf("(size_t)row_len[spk[%s]]", i);
}

/* snn_prefetch_row of a row's arrays (index; weight, delay where per synapse) from position
 * 'at', nl entries */
static void row_prefetches(StrBuf *o, const char *pad, const char *at, bool het, bool het_delay)
{
    sb_printf(o, "%ssnn_prefetch_row(ind + %s, nl * sizeof *ind);\n", pad, at);
    if (het)
        sb_printf(o, "%ssnn_prefetch_row(weight + %s, nl * sizeof *weight);\n", pad, at);
    if (het_delay)
        sb_printf(o, "%ssnn_prefetch_row(delay + %s, nl * sizeof *delay);\n", pad, at);
}

static void proj_propagate(StrBuf *o, const Model *m, const Projection *pj)
{
    if (pj->format == FORMAT_DENSE && !pj->syn) {
        proj_propagate_dense(o, pj);
        return;
    }
    if (pj->format == FORMAT_PROCEDURAL) {
        proj_propagate_procedural(o, m, pj);
        return;
    }
    bool is_float = m->precision == PREC_FLOAT;
    const char *pre = pj->pre->name, *post = pj->post->name;
    bool het = emit_per_synapse_weight(pj);
    int d = pj->delay_steps;
    if (pj->het_delay)
        sb_puts(o, "/* spikes of the last step, each synapse adding into the dendritic ring "
                   "row of its own delay */\n");
    else
        sb_printf(o, "/* spikes emitted %d step%s ago */\n", d, d == 1 ? "" : "s");
    sb_printf(o, "const uint32_t slot = (uint32_t)((step + SNN_NSLOT_%s - %du) %% SNN_NSLOT_%s);\n",
              pre, d, pre);
    sb_printf(o, "const uint32_t n = snn_spkcnt_%s[slot];\n", pre);
    sb_printf(o, "const uint32_t *restrict spk = snn_spk_%s + (size_t)slot * SNN_N_%s;\n", pre, pre);
    sb_printf(o, "const uint64_t *restrict row_start = snn_syn_%s[snn_t].row_start;\n", pj->name);
    /* A projection no connectivity_update rewires keeps the rows snn_ragged_build laid out
     * with no slack (proj_build's .slack = 0; the build checks it): row i ends where row
     * i + 1 starts, so its length is row_start[i + 1] - row_start[i], two adjacent entries
     * (one line, mostly), and row_len[] (a second array, a second miss per spike and
     * projection) is not read.  The same length, so the same additions.  Only where the
     * headers miss the cache (pf_hdr below): where they fit, the subtraction is one more
     * instruction per spike and projection than the load (COBA +0.1 %). */
    const bool pf_hdr = model_row_header_bytes(m) > SNN_HDR_PREFETCH_BYTES;
    const bool packed = pf_hdr && !pj->rewired;
    const bool pf_rows = model_synapse_bytes(m) > SNN_ROW_PREFETCH_BYTES;
    if (!packed)
        sb_printf(o, "const uint32_t *restrict row_len = snn_syn_%s[snn_t].row_len;\n",
                  pj->name);
    sb_printf(o, "const %s *restrict ind = snn_syn_%s[snn_t].ind;\n", emit_ind_type(pj), pj->name);
    if (het)
        sb_printf(o, "const scalar *restrict weight = snn_syn_%s[snn_t].weight;\n", pj->name);
    if (pj->het_delay) {
        const char *dt = pj->delay_bytes == 1 ? "uint8_t" : "uint16_t";
        sb_printf(o, "const %s *restrict delay = snn_syn_%s[snn_t].delay;\n", dt, pj->name);
        sb_printf(o, "const uint32_t depth = snn_ddn%d_%s;\n", pj->input_slot, post);
        sb_printf(o, "const uint32_t now = (uint32_t)(step %% depth);\n");
        sb_printf(o, "scalar *restrict ring = snn_dd%d_%s + snn_tlo_%s[snn_t]; /* this thread's "
                     "targets */\n", pj->input_slot, post, post);
    } else {
        sb_printf(o, "scalar *restrict in = snn_in%d_%s + snn_tlo_%s[snn_t]; /* this thread's "
                     "targets */\n", pj->input_slot, post, post);
    }
    /* Prefetches (hints only: the additions and their order are unchanged, so the sums are
     * bitwise the same).  Each spike's row needs its headers, row_start[] (with
     * row_len[] for a rewired projection; separate arrays, one entry per source: the full microcircuit has 7.4 MB of them
     * per block, so a random source's entries come from memory), then the row's first
     * lines of ind, weight and delay: a chain of dependent misses per spike.  Where the
     * model's headers exceed SNN_HDR_PREFETCH_BYTES or its synapses SNN_ROW_PREFETCH_BYTES,
     * those of the spikes SNN_PF_HDR ahead are fetched (a window, not all n at once, so
     * that a step with many spikes does not evict its own lines); where the synapses
     * exceed SNN_ROW_PREFETCH_BYTES, the whole row (up to SNN_PF_ROW_LINES lines of each
     * array) of the spike SNN_PF_AHEAD ahead, else the next spike's first lines; where the
     * busy ring rows exceed SNN_RING_PREFETCH_BYTES, the ring words of the next spike's
     * row.  (docs/performance.md "Delivery prefetches", "Whole rows prefetched", "Ring
     * words of the next row") */
    const bool pf_ahead = pf_hdr || pf_rows; /* headers of spikes SNN_PF_HDR ahead */
    if (pf_ahead) {
        sb_puts(o, "for (uint32_t s = 0; s < n && s < SNN_PF_HDR; s++) {\n");
        sb_puts(o, "    SNN_PREFETCH(row_start + spk[s]);\n");
        if (!packed)
            sb_puts(o, "    SNN_PREFETCH(row_len + spk[s]);\n");
        sb_puts(o, "}\n");
    }
    if (pf_rows) { /* the first SNN_PF_AHEAD rows */
        sb_puts(o, "for (uint32_t s = 0; s < n && s < SNN_PF_AHEAD; s++) {\n");
        sb_printf(o, "    const size_t nl = %s;\n", row_len_expr(packed, "s"));
        row_prefetches(o, "    ", "row_start[spk[s]]", het, pj->het_delay);
        sb_puts(o, "}\n");
    }
    sb_puts(o, "for (uint32_t s = 0; s < n; s++) {\n");
    if (pf_ahead) {
        sb_puts(o, "    if (s + SNN_PF_HDR < n) {\n");
        sb_puts(o, "        SNN_PREFETCH(row_start + spk[s + SNN_PF_HDR]);\n");
        if (!packed)
            sb_puts(o, "        SNN_PREFETCH(row_len + spk[s + SNN_PF_HDR]);\n");
        sb_puts(o, "    }\n");
    }
    if (pf_rows) {
        sb_puts(o, "    if (s + SNN_PF_AHEAD < n) { /* a row SNN_PF_AHEAD spikes ahead on its way */\n");
        sb_puts(o, "        const uint64_t nx = row_start[spk[s + SNN_PF_AHEAD]];\n");
        sb_printf(o, "        const size_t nl = %s;\n", row_len_expr(packed, "s + SNN_PF_AHEAD"));
        row_prefetches(o, "        ", "nx", het, pj->het_delay);
        sb_puts(o, "    }\n");
    } else { /* (the synapses fit in cache: the next row's first lines) */
        sb_puts(o, "    if (s + 1 < n) { /* the next row on its way */\n");
        sb_puts(o, "        const uint64_t nx = row_start[spk[s + 1]];\n");
        sb_puts(o, "        (void)nx;\n");
        sb_puts(o, "        SNN_PREFETCH(ind + nx);\n");
        if (het)
            sb_puts(o, "        SNN_PREFETCH(weight + nx);\n");
        if (pj->het_delay)
            sb_puts(o, "        SNN_PREFETCH(delay + nx);\n");
        sb_puts(o, "    }\n");
    }
    if (pj->het_delay && model_ring_bytes(m) > SNN_RING_PREFETCH_BYTES) {
        const char *dt = pj->delay_bytes == 1 ? "uint8_t" : "uint16_t";
        sb_puts(o, "    if (s + 1 < n) { /* the ring words the next spike's row adds into */\n");
        sb_puts(o, "        const uint64_t s1 = row_start[spk[s + 1]];\n");
        sb_printf(o, "        const uint32_t l1 = (uint32_t)%s;\n", row_len_expr(packed, "s + 1"));
        sb_printf(o, "        const %s *restrict r1 = ind + s1;\n", emit_ind_type(pj));
        sb_printf(o, "        const %s *restrict d1 = delay + s1;\n", dt);
        sb_puts(o, "        for (uint32_t k = 0; k < l1; k++) {\n");
        sb_puts(o, "            uint32_t r = now + d1[k] - 1u;\n");
        sb_puts(o, "            r = r >= depth ? r - depth : r;\n");
        sb_printf(o, "            SNN_PREFETCH_W(ring + (size_t)r * SNN_NL_%s + r1[k]);\n", post);
        sb_puts(o, "        }\n    }\n");
    }
    sb_puts(o, "    const uint64_t start = row_start[spk[s]];\n");
    if (packed)
        sb_puts(o, "    const uint32_t len = (uint32_t)(row_start[spk[s] + 1] - start);\n");
    else
        sb_puts(o, "    const uint32_t len = row_len[spk[s]];\n");
    sb_printf(o, "    const %s *restrict row = ind + start;\n", emit_ind_type(pj));
    const char *w = het ? "w[k]" : emit_scalar_literal(pj->weight.a, is_float);
    if (het)
        sb_puts(o, "    const scalar *restrict w = weight + start;\n");
    if (pj->het_delay) {
        sb_printf(o, "    const %s *restrict dl = delay + start;\n",
                  pj->delay_bytes == 1 ? "uint8_t" : "uint16_t");
        /* A run of equal delays (rows are sorted by delay at construction) adds into one
         * ring row: its slot is computed once per run, not per synapse, and 1-byte delays
         * are compared eight at a time (snn_delay_run_end).  Any order is correct
         * (unsorted rows make runs of one); the additions keep the row's order, so the
         * sums are bitwise those of one synapse at a time. */
        if (pj->rewired) { /* rows sorted by target (rewire.c): delays in no order, no runs */
            sb_puts(o, "    for (uint32_t k = 0; k < len; k++) {\n");
            sb_puts(o, "        uint32_t r = now + dl[k] - 1u; /* delay >= 1 step */\n");
            sb_puts(o, "        r = r >= depth ? r - depth : r;\n");
            sb_printf(o, "        ring[(size_t)r * SNN_NL_%s + row[k]] += %s;\n    }\n", post, w);
            sb_puts(o, "}");
            return;
        }
        sb_puts(o, "    for (uint32_t k = 0; k < len;) {\n");
        sb_puts(o, "        uint32_t r = now + dl[k] - 1u; /* delay >= 1 step */\n");
        sb_puts(o, "        r = r >= depth ? r - depth : r;\n");
        sb_printf(o, "        scalar *restrict dst = ring + (size_t)r * SNN_NL_%s;\n", post);
        if (pj->delay_bytes == 1) {
            sb_puts(o, "        const uint32_t e = snn_delay_run_end(dl, k, len);\n");
            sb_puts(o, "        for (; k < e; k++)\n");
            sb_printf(o, "            dst[row[k]] += %s;\n", w);
        } else {
            sb_puts(o, "        const uint16_t d = dl[k];\n");
            sb_puts(o, "        do {\n");
            sb_printf(o, "            dst[row[k]] += %s;\n", w);
            sb_puts(o, "            k++;\n");
            sb_puts(o, "        } while (k < len && dl[k] == d);\n");
        }
        sb_puts(o, "    }\n");
    } else {
        sb_puts(o, "    SNN_UNROLL4\n    for (uint32_t k = 0; k < len; k++)\n");
        sb_printf(o, "        in[row[k]] += %s;\n", w);
    }
    sb_puts(o, "}");
}

/* ---- recordings and checks ----------------------------------------------------------- */

/* Synapse variable recordings (record { <projection> = "w" }): the snapshot function's
 * cases and the descriptors (the calls in the step for those with 'every': phases.c). */
static void synrec_scope(TmplScope *g, const Model *m)
{
    StrBuf fn, ds;
    sb_init(&fn);
    sb_init(&ds);
    if (m->n_synrecs) {
        sb_puts(&fn, "const void **snn_v = malloc(sizeof(void *) * (size_t)snn_nthr);\n");
        sb_puts(&fn, "if (!snn_v)\n    snn_fatal(\"out of memory recording synapses\");\n");
        sb_puts(&fn, "switch (k) {\n");
    }
    for (int i = 0; i < m->n_synrecs; i++) {
        const SynRecord *r = m->synrecs[i];
        const Projection *pj = r->proj;
        const char *var = synrec_var(r);
        bool is_w = !r->cu && !strcmp(var, pj->syn->weight);
        sb_printf(&fn, "case %d: /* %s '%s' variable '%s' */\n", i,
                  r->cu ? "custom update" : "projection", synrec_owner(r), var);
        sb_puts(&fn, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n");
        if (r->cu) /* laid out as the projection's synapse variables */
            sb_printf(&fn, "        snn_v[snn_t] = snn_cuv_%s_%s + snn_soff_%s[snn_t];\n",
                      r->cu->name, var, pj->name);
        else if (is_w)
            sb_printf(&fn, "        snn_v[snn_t] = snn_syn_%s[snn_t].weight;\n", pj->name);
        else
            sb_printf(&fn, "        snn_v[snn_t] = snn_sv_%s_%s + snn_soff_%s[snn_t];\n",
                      pj->name, var, pj->name);
        sb_printf(&fn, "    snn_synrec_snapshot(run->synrec[%d], t_ms, snn_syn_%s, snn_nthr, "
                       "snn_v, (int)sizeof(scalar));\n    break;\n", i, pj->name);
        sb_printf(&ds, "%s{ %d, \"%s\", %du, %s },", i ? "\n" : "", pj->index, var, r->every,
                  r->cu ? arena_printf("\"%s\"", r->cu->name) : "NULL");
    }
    if (m->n_synrecs)
        sb_puts(&fn, "default:\n    break;\n}\nfree(snn_v);");
    tmpl_set(g, "synrec_fn", fn.len ? emit_take(&fn) : "");
    tmpl_set(g, "synrec_descs", ds.len ? emit_take(&ds) : "{ 0, NULL, 0, NULL }");
    tmpl_set(g, "n_synrecs", arena_printf("%d", m->n_synrecs));
    sb_release(&fn); /* emit_take() copies into the arena and keeps the buffer */
    sb_release(&ds);
}

/* The scan of run config finite_check: a vectorisable pass per variable, and only when
 * one finds a NaN or an infinity, the neurons in order (each one's variables in model
 * order) up to the first, which ends the run (snn_nonfinite).  The CUDA back end reports
 * the same first (population, neuron, variable). */
static void pop_finite_check(StrBuf *o, const Population *p)
{
    const NeuronModel *nm = p->model;
    if (!nm->n_vars)
        return;
    sb_puts(o, "if (");
    for (int k = 0; k < nm->n_vars; k++)
        sb_printf(o, "%s!snn_all_finite(%s_%s, SNN_NL_%s)", k ? " ||\n    " : "", p->name,
                  nm->vars[k].name, p->name);
    sb_puts(o, ") {\n");
    sb_printf(o, "    for (uint32_t snn_i = 0; snn_i < SNN_NL_%s; snn_i++) {\n", p->name);
    for (int k = 0; k < nm->n_vars; k++)
        sb_printf(o, "        if (!isfinite(%s_%s[snn_i]))\n"
                     "            snn_nonfinite(\"%s\", SNN_LO_%s + snn_i, \"%s\", "
                     "(double)%s_%s[snn_i], step, SNN_DT, run->cfg->finite_check);\n",
                  p->name, nm->vars[k].name, p->name, p->name, nm->vars[k].name, p->name,
                  nm->vars[k].name);
    sb_puts(o, "    }\n}\n");
}

/* ---- the template scope: emit_c_scope in named steps --------------------------------- */

/* The model's identity and sizes: banner, name, hash, precision, dt, seed, counts, the
 * exchange interval. */
static void scope_model(TmplScope *g, const Model *m)
{
    bool is_float = m->precision == PREC_FLOAT;
    uint64_t hash = ir_hash(m);
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)hash);
    tmpl_set(g, "banner", arena_printf("Generated by snncc %s from %s (model hash %s). "
                                       "DO NOT EDIT.", SNNCC_VERSION, m->file, hex));
    tmpl_set(g, "model_name", m->name);
    tmpl_set(g, "model_file", m->file);
    tmpl_set(g, "model_hash", hex);
    tmpl_set(g, "version", SNNCC_VERSION);
    tmpl_set(g, "precision", is_float ? "float" : "double");
    tmpl_set(g, "scalar_type", is_float ? "float" : "double");
    tmpl_set(g, "dt", arena_printf("%.17g", m->dt));
    tmpl_set(g, "seed", arena_printf("%llu", (unsigned long long)m->seed));
    tmpl_set(g, "n_pops", arena_printf("%d", m->n_pops));
    tmpl_set(g, "n_projs", arena_printf("%d", m->n_projs));
    tmpl_set(g, "interval", arena_printf("%d", emit_exchange_interval(m)));
}

/* One entry of {{#rparams}}: a runtime parameter's run-config name, variable and range. */
static void rparam_add(TmplScope *g, const char *name, const char *var, const char *range)
{
    TmplScope *s = tmpl_list_add(g, "rparams");
    tmpl_set(s, "rp_name", name);
    tmpl_set(s, "rp_var", var);
    tmpl_set(s, "rp_range", range);
}

/* The runtime parameters (set by the run config): of populations, current sources, weight
 * update models and custom updates, in that order. */
static void scope_rparams(TmplScope *g, const Model *m)
{
    int n_rparams = 0;
    for (int i = 0; i < m->n_pops; i++)
        for (int k = 0; k < m->pops[i]->model->n_params; k++)
            if (m->pops[i]->runtime[k]) {
                const char *pop = m->pops[i]->name, *par = m->pops[i]->model->params[k].name;
                rparam_add(g, arena_printf("%s.%s", pop, par),
                           arena_printf("snn_rp_%s_%s", pop, par), "0, 0, 0");
                n_rparams++;
            }
    for (int i = 0; i < m->n_sources; i++)
        for (int k = 0; k < CSP_COUNT; k++)
            if (m->sources[i]->runtime[k]) {
                const CurrentSource *cs = m->sources[i];
                const char *pn = cs_param_name((CsParam)k);
                /* the limits check.c applies to the compiled-in values */
                const char *range = k == CSP_SD     ? "1, 0.0, 1e308"
                                    : k == CSP_RATE ? arena_printf("1, 0.0, %.17g", 1e9 / m->dt)
                                                    : "0, 0, 0";
                rparam_add(g, arena_printf("%s.%s", cs->name, pn),
                           arena_printf("snn_rpc_%s_%s", cs->name, pn), range);
                n_rparams++;
            }
    for (int i = 0; i < m->n_projs; i++)
        for (int k = 0; m->projs[i]->syn && k < m->projs[i]->syn->n_params; k++)
            if (m->projs[i]->syn_runtime[k]) {
                const Projection *pj = m->projs[i];
                rparam_add(g, arena_printf("%s.%s", pj->name, pj->syn->params[k].name),
                           arena_printf("snn_rps_%s_%s", pj->name, pj->syn->params[k].name),
                           "0, 0, 0");
                n_rparams++;
            }
    for (int i = 0; i < m->n_cus; i++) /* custom updates (custom.c) */
        for (int k = 0; k < m->cus[i]->n_params; k++)
            if (m->cus[i]->runtime[k]) {
                const CustomUpdate *cu = m->cus[i];
                rparam_add(g, arena_printf("%s.%s", cu->name, cu->params[k].name),
                           arena_printf("snn_rpu_%s_%s", cu->name, cu->params[k].name),
                           "0, 0, 0");
                n_rparams++;
            }
    tmpl_set(g, "n_rparams", arena_printf("%d", n_rparams));
}

/* State variable recordings: {{#varrecs}}. */
static void scope_varrecs(TmplScope *g, const Model *m)
{
    for (int i = 0; i < m->n_varrecs; i++) {
        const VarRecord *r = m->varrecs[i];
        TmplScope *s = tmpl_list_add(g, "varrecs");
        tmpl_set(s, "vr_pop", arena_printf("%d", r->pop->index));
        tmpl_set(s, "vr_var", varrec_var(r));
        tmpl_set(s, "vr_owner", r->cu ? arena_printf("\"%s\"", r->cu->name) : "NULL");
        tmpl_set(s, "vr_cols", arena_printf("%lldu", (long long)(r->count < 0 ? r->pop->n
                                                                               : r->count)));
        tmpl_set(s, "vr_every", arena_printf("%du", r->every));
    }
}

/* Which sources of p a rank needs the spikes of (MPI, x->need): those with synapses in one
 * of its thread blocks, every source of a procedural projection.  Returns whether p's
 * spikes are exchanged at all (it has outgoing projections); the code is left in sb. */
static bool pop_xneed(StrBuf *sb, const Model *m, const Population *p)
{
    bool exchanged = false;
    for (int k = 0; k < m->n_projs; k++) {
        const Projection *pj = m->projs[k];
        if (pj->pre != p)
            continue;
        if (pj->format == FORMAT_PROCEDURAL || pj->rewired) {
            /* no rows stored, or rows that change (connectivity_update): every source may
             * have targets here */
            sb_printf(sb, "%sfor (uint32_t snn_j = 0; snn_j < SNN_N_%s; snn_j++) /* '%s' */\n"
                          "            x->need[snn_j] = 1;",
                      exchanged ? "\n        " : "", p->name, pj->name);
            exchanged = true;
            continue;
        }
        sb_printf(sb, "%sfor (int snn_t = 0; snn_t < snn_nthr; snn_t++) /* '%s' */\n"
                      "            for (uint32_t snn_j = 0; snn_j < SNN_N_%s; snn_j++)\n"
                      "                x->need[snn_j] |= snn_syn_%s[snn_t].row_len[snn_j] "
                      "!= 0;",
                  exchanged ? "\n        " : "", pj->name, p->name, pj->name);
        exchanged = true;
    }
    return exchanged;
}

/* One entry of {{#pops}}: population p's identity, exchange, declarations, allocation,
 * rings, initial values, update, finite check and recordings.  Returns whether its spikes
 * are exchanged. */
static bool scope_pop(TmplScope *s, StrBuf *sb, const Model *m, const Population *p,
                      const StateTable *st, const EmitOptions *opt)
{
    tmpl_set(s, "name", p->name);
    tmpl_set(s, "n", arena_printf("%lld", (long long)p->n));
    tmpl_set(s, "index", arena_printf("%d", p->index));
    tmpl_set(s, "nslot", arena_printf("%d", emit_n_slots(m, p)));
    tmpl_set(s, "model_name_pop", p->model->name);
    tmpl_set(s, "loc", arena_printf("%s:%d", p->loc.file, p->loc.line));
    tmpl_set(s, "record", p->record_spikes ? "1" : "0");
    tmpl_set(s, "spike_source", p->model->dataset ? "2" : p->model->spike_source ? "1" : "0");
    tmpl_set_bool(s, "ds", p->model->dataset);
    tmpl_set_bool(s, "sst", p->model->spike_source);
    bool exchanged = pop_xneed(sb, m, p);
    tmpl_set_bool(s, "exchanged", exchanged);
    tmpl_set(s, "xneed", exchanged ? emit_take(sb) : "");
    pop_decls(sb, m, p, st);
    tmpl_set(s, "decls", emit_take(sb));
    pop_alloc(sb, m, p, st);
    tmpl_set(s, "alloc", emit_take(sb));
    pop_alloc_rings(sb, m, p, st);
    tmpl_set(s, "rings", sb->len ? emit_take(sb)
                                 : "/* no per-synapse delays onto this population */");
    pop_init(sb, m, p);
    tmpl_set(s, "init", emit_take(sb));
    pop_update(sb, m, p, opt);
    const char *update = emit_take(sb);
    tmpl_set(s, "update", update);
    /* the thread's spike list, where the update appends to it (not without a threshold) */
    tmpl_set_bool(s, "spikes", emit_mentions(update, "snn_spk"));
    pop_finite_check(sb, p);
    tmpl_set(s, "finite_check", sb->len ? emit_take(sb) : "/* no state variables */");
    pop_varrec(sb, m, p);
    tmpl_set(s, "varrec", sb->len ? emit_take(sb) : "");
    return exchanged;
}

/* The weight update model's parts of a {{#projs}} entry: declarations, setup, checksum,
 * on_post and the per-neuron code. */
static void scope_plastic(TmplScope *s, StrBuf *sb, const Model *m, const Projection *pj,
                          const StateTable *st, const EmitOptions *opt, const bool *cu_build)
{
    syn_decls(sb, pj, st);
    tmpl_set(s, "syn_decls", emit_take(sb));
    syn_setup(sb, pj, cu_build, st);
    tmpl_set(s, "syn_setup", emit_take(sb));
    syn_checksum(sb, pj, pj->index);
    tmpl_set(s, "syn_checksum", emit_take(sb));
    proj_plastic_post(sb, m, pj, opt);
    tmpl_set(s, "plastic_post", emit_take(sb));
    proj_plastic_pre(sb, m, pj, opt);
    tmpl_set(s, "plastic_pre", emit_take(sb));
}

/* One entry of {{#projs}}: projection pj's identity, declaration, construction,
 * propagation, initial values, weight update model, synapse dynamics and add_to_pre. */
static void scope_proj(TmplScope *s, StrBuf *sb, const Model *m, const Projection *pj,
                       const StateTable *st, const EmitOptions *opt, const bool *cu_build)
{
    tmpl_set(s, "name", pj->name);
    tmpl_set(s, "pre", pj->pre->name);
    tmpl_set(s, "post", pj->post->name);
    tmpl_set(s, "pre_index", arena_printf("%d", pj->pre->index));
    tmpl_set(s, "post_index", arena_printf("%d", pj->post->index));
    tmpl_set(s, "pindex", arena_printf("%d", pj->index));
    tmpl_set(s, "loc", arena_printf("%s:%d", pj->loc.file, pj->loc.line));
    for (int k = 0; k < st->n; k++)
        if (st->v[k].proj == pj && st->v[k].kind == SK_ROWS)
            tmpl_set(s, "proj_decl", state_decl(&st->v[k]));
    proj_build(sb, m, pj, cu_build);
    tmpl_set(s, "proj_build", emit_take(sb));
    tmpl_set_bool(s, "user_conn", pj->conn.kind == CONN_USER);
    if (pj->conn.kind == CONN_USER) {
        conn_gen(sb, pj, opt);
        tmpl_set(s, "conn_gen", emit_take(sb));
    }
    if (pj->syn)
        proj_propagate_plastic(sb, m, pj, opt);
    else
        proj_propagate(sb, m, pj);
    tmpl_set(s, "propagate", emit_take(sb));
    proj_init(sb, pj);
    tmpl_set(s, "proj_init", emit_take(sb));
    tmpl_set_bool(s, "plastic", pj->syn != NULL);
    if (pj->syn)
        scope_plastic(s, sb, m, pj, st, opt, cu_build);
    bool dyn = pj->syn && pj->syn_code[SC_DYNAMICS].stmts;
    tmpl_set_bool(s, "syn_dynamics", dyn);
    tmpl_set_bool(s, "syn_dynamics_vrow", dyn && syn_dynamics_vec(pj));
    if (dyn) {
        proj_syn_dynamics(sb, m, pj, opt);
        tmpl_set(s, "syn_dynamics_code", emit_take(sb));
    }
    if (dyn && syn_dynamics_vec(pj)) {
        proj_syn_dynamics_vrow(sb, m, pj, opt);
        tmpl_set(s, "syn_dynamics_vrow_code", emit_take(sb));
    }
    tmpl_set_bool(s, "syn_dynamics_run", dyn && syn_dynamics_runs(pj));
    if (dyn && syn_dynamics_runs(pj)) {
        proj_syn_dynamics_run(sb, m, pj, opt);
        tmpl_set(s, "syn_dynamics_run_code", emit_take(sb));
    }
    tmpl_set_bool(s, "pre_inputs", pj->add_pre);
    if (pj->add_pre) {
        proj_pre_inputs(sb, pj, m->precision == PREC_FLOAT);
        tmpl_set(s, "pre_inputs_code", emit_take(sb));
    }
}

/* The step, its phases in the order of the phase table (phases.c), and the checkpoint's
 * state (state_io). */
/* Batched models: the step's tail as the lanes run it (phases_c_step_lanes). */
static const char *lanes_tail;

static void scope_step(TmplScope *g, const Model *m, const StateTable *st)
{
    StrBuf rg, sb;
    sb_init(&rg);
    sb_init(&sb);
    lanes_tail = "";
    if (m->batch) {
        StrBuf tl;
        sb_init(&tl);
        phases_c_step_lanes(m, &rg, &sb, &tl);
        lanes_tail = tl.len ? emit_take(&tl) : "";
        sb_release(&tl);
    } else {
        phases_c_step(m, &rg, &sb);
    }
    tmpl_set(g, "step_regions", rg.len ? emit_take(&rg) : "");
    tmpl_set(g, "step_body", emit_take(&sb));
    /* several steps between two joins of the step threads (phases.c, model_steps) */
    const int win = phases_c_window(m);
    tmpl_set(g, "window_steps", arena_printf("%d", win));
    tmpl_set_bool(g, "window", win > 1);
    state_io(&sb, m, st);
    tmpl_set(g, "state_io", sb.len ? emit_take(&sb) : "");
    sb_release(&rg);
    sb_release(&sb);
}

/* The build order, {{#builders}}: largest projections first (dynamic scheduling balances
 * the rest). */
static void scope_builders(TmplScope *g, const Model *m)
{
    int *order = arena_alloc(sizeof(int) * (size_t)(m->n_projs + 1));
    double *size = arena_alloc(sizeof(double) * (size_t)(m->n_projs + 1));
    for (int i = 0; i < m->n_projs; i++) {
        size[i] = emit_expected_work(m->projs[i]);
        order[i] = i;
        for (int k = i; k > 0 && size[order[k - 1]] < size[order[k]]; k--) {
            int t = order[k];
            order[k] = order[k - 1];
            order[k - 1] = t;
        }
    }
    for (int i = 0; i < m->n_projs; i++)
        tmpl_set(tmpl_list_add(g, "builders"), "name", m->projs[order[i]]->name);
}

/* ---- batch lanes (network{ batch }; docs/architecture.md "Batch lanes") ------------- */

/* Bytes of one lane's copy of a per-lane array (entries held by pointer). */
static const char *lane_bytes(const StateEntry *e)
{
    if (e->kind == SK_QUEUE)
        return arena_printf("sizeof(uint32_t) * SNN_NSLOT_%s * SNN_N_%s", e->pop->name,
                            e->pop->name);
    if (e->shape == SS_SYNAPSE)
        return arena_printf("sizeof(%s) * (snn_soff_%s[snn_nthr] ? snn_soff_%s[snn_nthr] : 1)",
                            e->type, e->proj->name, e->proj->name);
    return state_bytes(e, false);
}

/* Is the per-lane entry a value or a fixed array (copied in and out when the lane changes)
 * rather than a pointer (pointed at the lane's copy)? */
static bool lane_by_copy(const StateEntry *e)
{
    return e->shape == SS_VALUE || e->shape == SS_SLOTS || e->kind == SK_SS_STARTS ||
           e->kind == SK_SS_TIMES || e->kind == SK_DS_LABELS || e->kind == SK_DS_EXAMPLES;
}

/* The lane machinery of a batched model: every per-lane array is allocated once per lane,
 * lane-outer (lane b's copy of an array is one contiguous block, [lane][neuron] and
 * [lane][synapse]), and snn_lane_select points the arrays the step code uses at lane b's
 * copies, so that each lane's step is the unbatched step.  The weights of plastic
 * projections are per lane (one copy per thread block and lane); connectivity is held
 * once.  The model's functions are wrapped: build then replicate, and init, step and
 * checksum once per lane. */
static void lanes_code(StrBuf *o, const Model *m, const StateTable *st)
{
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (!e->lane)
            continue;
        if (lane_by_copy(e))
            sb_printf(o, "static unsigned char *snn_lb_%s; /* every lane's %s */\n", e->name,
                      e->name);
        else
            sb_printf(o, "static unsigned char *snn_lb_%s; /* lane-outer copies of %s */\n"
                         "static size_t snn_lz_%s;\n", e->name, e->name, e->name);
    }
    for (int i = 0; i < m->n_projs; i++)
        if (state_weight_per_lane(m, m->projs[i]))
            sb_printf(o, "static void **snn_lw_%s; /* weights of lane b, block t: [b nthr + t] */\n",
                      m->projs[i]->name);
    /* select */
    sb_puts(o, "\n/* Point the step's arrays at lane b's copies (and the runtime's recorders and "
               "counts, snn_lane_io). */\nstatic void snn_lane_select(snn_run *run, uint32_t b)\n{\n");
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (!e->lane)
            continue;
        if (lane_by_copy(e))
            sb_printf(o, "    memcpy(snn_lb_%s + sizeof %s * snn_cur_lane, &%s, sizeof %s);\n"
                         "    memcpy(&%s, snn_lb_%s + sizeof %s * b, sizeof %s);\n", e->name,
                      e->name, e->name, e->name, e->name, e->name, e->name, e->name);
        else
            sb_printf(o, "    %s = (void *)(snn_lb_%s + snn_lz_%s * b);\n", e->name, e->name,
                      e->name);
    }
    for (int i = 0; i < m->n_projs; i++)
        if (state_weight_per_lane(m, m->projs[i]))
            sb_printf(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n"
                         "        snn_syn_%s[snn_t].weight = snn_lw_%s[(size_t)b * "
                         "(size_t)snn_nthr + (size_t)snn_t];\n", m->projs[i]->name,
                      m->projs[i]->name);
    sb_puts(o, "    snn_cur_lane = b;\n    snn_lane = run->lane_offset + b;\n"
               "    snn_lane_io(run, b);\n}\n");
    /* build */
    sb_puts(o, "\n/* Build as unbatched, then give every lane a copy of what the build left in "
               "the per-lane arrays. */\nstatic void snn_lanes_build(snn_run *run)\n{\n"
               "    model_build(run);\n    snn_nlane = run->lanes ? run->lanes : 1;\n"
               "    snn_cur_lane = 0;\n    snn_lane = run->lane_offset;\n");
    for (int i = 0; i < st->n; i++) {
        const StateEntry *e = &st->v[i];
        if (!e->lane)
            continue;
        if (lane_by_copy(e))
            sb_printf(o, "    snn_lb_%s = snn_alloc(sizeof %s * snn_nlane, \"%s, per lane\");\n"
                         "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++)\n"
                         "        memcpy(snn_lb_%s + sizeof %s * snn_b, &%s, sizeof %s);\n",
                      e->name, e->name, e->what, e->name, e->name, e->name, e->name);
        else
            sb_printf(o, "    snn_lz_%s = %s;\n"
                         "    snn_lb_%s = snn_alloc(snn_lz_%s * snn_nlane, \"%s, per lane\");\n"
                         "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++)\n"
                         "        memcpy(snn_lb_%s + snn_lz_%s * snn_b, %s, snn_lz_%s);\n"
                         "    snn_free(%s, snn_lz_%s);\n    %s = (void *)snn_lb_%s;\n",
                      e->name, lane_bytes(e), e->name, e->name, e->what, e->name, e->name,
                      e->name, e->name, e->name, e->name, e->name, e->name);
    }
    for (int i = 0; i < m->n_pops; i++) { /* data sets: lane b's positions */
        const Population *p = m->pops[i];
        if (!p->model->dataset)
            continue;
        sb_printf(o, "    for (uint32_t snn_b = 1; snn_b < snn_nlane; snn_b++) {\n"
                     "        snn_dataset_in snn_ds = {0};\n"
                     "        snn_dataset_apply_lane(run, \"%s\", SNN_N_%s, %.17g, %d, snn_b, &snn_ds);\n",
                  p->name, p->name, m->dt, (int)p->model->classes);
        static const char *const f[4][2] = {{"sss", "starts"}, {"sst", "steps"},
                                            {"dsl", "labels"}, {"dse", "examples"}};
        for (int k = 0; k < 4; k++)
            sb_printf(o, "        memcpy(snn_lb_snn_%s_%s + sizeof snn_%s_%s * snn_b, &snn_ds.%s, "
                         "sizeof snn_%s_%s);\n", f[k][0], p->name, f[k][0], p->name, f[k][1],
                      f[k][0], p->name);
        sb_puts(o, "    }\n");
    }
    for (int i = 0; i < m->n_projs; i++) {
        const char *n = m->projs[i]->name;
        if (!state_weight_per_lane(m, m->projs[i]))
            continue;
        sb_printf(o, "    snn_lw_%s = snn_alloc(sizeof(void *) * snn_nlane * (size_t)snn_nthr, "
                     "\"projection '%s' weights per lane\");\n"
                     "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++)\n"
                     "        for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n"
                     "            snn_ragged *snn_g = &snn_syn_%s[snn_t];\n"
                     "            const size_t snn_z = (size_t)snn_g->capacity * (size_t)snn_g->weight_bytes;\n"
                     "            void *snn_w = snn_g->weight;\n"
                     "            if (snn_b > 0 && snn_w) {\n"
                     "                snn_w = snn_alloc(snn_z ? snn_z : 1, \"projection '%s' weights per lane\");\n"
                     "                memcpy(snn_w, snn_g->weight, snn_z);\n"
                     "            }\n"
                     "            snn_lw_%s[(size_t)snn_b * (size_t)snn_nthr + (size_t)snn_t] = snn_w;\n"
                     "        }\n", n, n, n, n, n);
    }
    sb_puts(o, "}\n");
    /* per-lane wrappers */
    sb_puts(o, "\nstatic void snn_lanes_init(snn_run *run)\n{\n"
               "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) {\n"
               "        snn_lane_select(run, snn_b);\n        model_init(run);\n    }\n"
               "    snn_lane_select(run, 0);\n}\n"
               "\n/* Each lane's step is the unbatched step on its arrays, lanes in order, up to "
               "the\n * custom updates; from there on each phase for every lane (phases.c, "
               "phases_c_step_lanes). */\n"
               "static void snn_lanes_step(snn_run *run, uint64_t step)\n{\n"
               "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) {\n"
               "        snn_lane_select(run, snn_b);\n        model_step(run, step);\n    }\n");
    sb_printf(o, "%s%s", lanes_tail, *lanes_tail ? "\n" : "");
    sb_puts(o, "    snn_lane_select(run, 0);\n}\n"
               "\nstatic void snn_lanes_syn_snapshot(snn_run *run, int k, double t_ms)\n{\n"
               "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) {\n"
               "        snn_lane_select(run, snn_b);\n        model_syn_snapshot(run, k, t_ms);\n"
               "    }\n    snn_lane_select(run, 0);\n}\n"
               "\nstatic void snn_lanes_checksum(snn_run *run)\n{\n"
               "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) {\n"
               "        snn_lane_select(run, snn_b);\n        model_checksum(run);\n    }\n"
               "    snn_lane_select(run, 0);\n}\n"
               "\nstatic void snn_lanes_release(snn_run *run)\n{\n"
               "    snn_lane_select(run, 0);\n");
    for (int i = 0; i < m->n_pops; i++) /* lanes 1..: their data sets' arrays */
        if (m->pops[i]->model->dataset)
            sb_printf(o, "    for (uint32_t snn_b = 1; snn_b < snn_nlane; snn_b++) {\n"
                         "        snn_lane_select(run, snn_b);\n"
                         "        free((void *)snn_sss_%s);\n        free((void *)snn_sst_%s);\n"
                         "        free(snn_dsl_%s);\n        free(snn_dse_%s);\n    }\n"
                         "    snn_lane_select(run, 0);\n", m->pops[i]->name, m->pops[i]->name,
                      m->pops[i]->name, m->pops[i]->name);
    for (int i = 0; i < m->n_projs; i++) {
        const char *n = m->projs[i]->name;
        if (!state_weight_per_lane(m, m->projs[i]))
            continue;
        sb_printf(o, "    for (uint32_t snn_b = 1; snn_b < snn_nlane; snn_b++)\n"
                     "        for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n"
                     "            snn_free(snn_lw_%s[(size_t)snn_b * (size_t)snn_nthr + (size_t)snn_t],\n"
                     "                     (size_t)snn_syn_%s[snn_t].capacity * (size_t)snn_syn_%s[snn_t].weight_bytes);\n"
                     "    snn_free(snn_lw_%s, sizeof(void *) * snn_nlane * (size_t)snn_nthr);\n"
                     "    snn_lw_%s = NULL;\n", n, n, n, n, n);
    }
    sb_puts(o, "    model_release(run);\n}");
}

/* The expected number of synapses of pj from its rule, before anything is built (for the
 * run config's 'blocks: auto', scope_work); -1 where the rule does not tell: files, the row
 * form of a user-defined rule, the pair form without a declared bound. */
static double proj_expected_synapses(const Projection *pj)
{
    const ConnRule *c = &pj->conn;
    const double npre = (double)pj->pre->n, npost = (double)pj->post->n;
    switch (c->kind) {
    case CONN_ALL_TO_ALL: return npre * npost;
    case CONN_ONE_TO_ONE: return npost;
    case CONN_FIXED_PROBABILITY: return c->p * npre * npost;
    case CONN_FIXED_INDEGREE: return (double)c->k * npost;
    case CONN_FIXED_OUTDEGREE: return (double)c->k * npre;
    case CONN_FIXED_TOTAL: return (double)c->k;
    case CONN_USER: {
        const ConnSnippet *sn = c->snip;
        if (sn->row_form || !sn->max_prob.text)
            return -1;
        double b = sn->max_prob_num;
        if (!(b > 0)) { /* the bound named by one of the rule's parameters */
            const char *t = sn->max_prob.text;
            while (*t == ' ' || *t == '\t')
                t++;
            size_t n = strcspn(t, " \t\n");
            for (int i = 0; i < sn->n_params; i++)
                if (strlen(sn->params[i].name) == n && !strncmp(t, sn->params[i].name, n) &&
                    !t[n + strspn(t + n, " \t\n")])
                    b = c->params[i];
        }
        return b > 0 && b <= 1 ? b * npre * npost : -1;
    }
    case CONN_FROM_LIST:
    case CONN_FROM_MATRIX: return -1;
    }
    return -1;
}

/* The model's work per step as the runtime's 'blocks: auto' weighs it (runtime/rt_main.c
 * choose_blocks): neurons (a Poisson current source's target counts twice: its draw per
 * neuron and step), synapses that act per spike (delivery; once more with code per
 * presynaptic or postsynaptic spike), synapses with code every step ('dynamics'), and the
 * first projection whose synapse count the rule does not tell. */
static void scope_work(TmplScope *g, const Model *m)
{
    double neurons = 0, events = 0, dyn = 0;
    const char *unknown = NULL;
    for (int i = 0; i < m->n_pops; i++)
        neurons += (double)m->pops[i]->n;
    for (int i = 0; i < m->n_sources; i++)
        if (m->sources[i]->kind == CS_POISSON)
            neurons += (double)m->sources[i]->pop->n;
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        const double s = proj_expected_synapses(pj);
        if (s < 0) {
            if (!unknown)
                unknown = pj->name;
            continue;
        }
        events += s;
        if (pj->syn && (pj->syn_code[SC_ON_PRE].stmts || pj->syn_code[SC_ON_POST].stmts))
            events += s;
        if (pj->syn && pj->syn_code[SC_DYNAMICS].stmts)
            dyn += s;
    }
    tmpl_set(g, "work_neurons", arena_printf("%.17g", neurons));
    tmpl_set(g, "work_events", arena_printf("%.17g", events));
    tmpl_set(g, "work_dyn", arena_printf("%.17g", dyn));
    tmpl_set(g, "work_unknown", unknown ? arena_printf("\"%s\"", unknown) : "NULL");
}

/* Everything templates/c/model.c.tmpl needs (the CUDA back end's host half uses it too). */
TmplScope *emit_c_scope(const Model *m, const EmitOptions *opt, const bool *cu_build)
{
    TmplScope *g = tmpl_scope_new(NULL);
    emit_initfns_begin(m);
    lower_ptabs_begin(cu_build == NULL); /* poisson() tables: the C back end only */
    const StateTable st = state_table(m); /* what the simulator holds (state.c) */
    lower_set_lanes(m->batch > 0);
    scope_model(g, m);
    tmpl_list_declare(g, "pops");
    tmpl_list_declare(g, "projs");
    tmpl_list_declare(g, "varrecs");
    tmpl_set(g, "n_varrecs", arena_printf("%d", m->n_varrecs));
    tmpl_list_declare(g, "rparams");
    scope_rparams(g, m);
    synrec_scope(g, m);
    scope_varrecs(g, m);
    StrBuf sb;
    sb_init(&sb);
    int n_xpops = 0;
    for (int i = 0; i < m->n_pops; i++)
        n_xpops += scope_pop(tmpl_list_add(g, "pops"), &sb, m, m->pops[i], &st, opt);
    for (int i = 0; i < m->n_projs; i++)
        scope_proj(tmpl_list_add(g, "projs"), &sb, m, m->projs[i], &st, opt, cu_build);
    sb_release(&sb);
    scope_step(g, m, &st);
    tmpl_list_declare(g, "builders");
    scope_builders(g, m);
    tmpl_set(g, "n_xpops", arena_printf("%d", n_xpops));
    scope_work(g, m);
    cu_c_scope(g, m, opt); /* custom updates (custom.c) */
    train_c_scope(g, m);   /* the training loop's hooks (train.c) */
    rewire_c_scope(g, m, opt); /* connectivity updates (rewire.c) */
    if (m->batch) {
        StrBuf lb;
        sb_init(&lb);
        lanes_code(&lb, m, &st);
        tmpl_set(g, "lanes_code", emit_take(&lb));
        sb_release(&lb);
        tmpl_set(g, "batch", arena_printf("%d", m->batch));
    }
    tmpl_set_bool(g, "batched", m->batch > 0);
    tmpl_set(g, "initfns", emit_initfns_end());
    const char *ptab_decls, *ptab_init;
    lower_ptabs_end(&ptab_decls, &ptab_init);
    tmpl_set(g, "ptab_decls", ptab_decls);
    tmpl_set(g, "ptab_init", ptab_init);
    return g;
}

int emit_c(const Model *m, const char *dir, const EmitOptions *opt)
{
    if (emit_check_state_names(m))
        return -1;
    TmplScope *g = emit_c_scope(m, opt, NULL);
    tmpl_set(g, "backend", "c");
    return emit_expand_write(g, "c/model.c.tmpl", dir, arena_printf("%s.c", m->name));
}
