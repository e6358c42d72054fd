/*
 * emit_cuda.c - the CUDA back end: two files per model (docs/cuda.md).
 *
 *   <name>.c   the host half: the C back end's own state declarations, construction and
 *              initial values (emit_c_scope) in templates/cuda/host.c.tmpl, and one
 *              snn_cu_mirror(id, host, bytes) call per array or value the device needs;
 *   <name>.cu  the device half (templates/cuda/model.cu.tmpl): a device copy of each of
 *              those under the same name in namespace snn_dev, the kernels, and the host
 *              code that copies, launches, records spikes in blocks and finishes the run.
 *
 * The neuron update and the weight update code are printed by the C back end's functions
 * (emit_update_prologue/body, emit_syn_code, emit_trace_code, backend.h): inside namespace
 * snn_dev their names resolve to the device copies, so both back ends run the same code.
 * What is CUDA's own is here: the mirror list, the loops around that code (a thread per
 * neuron; for spikes a warp per spiking row or threads over row positions with the rows
 * staged in shared memory; atomics for the accumulators), and the spike queues on the
 * device.  Connectivity and initial values are built on the host by libsnnrt, so they are
 * those of the C back end by construction (device-side construction is future work).
 */
#include "backend.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define REC_IDS (1u << 26) /* spike ids a recording block may hold, all populations (256 MB) */

/* ---- the mirror list: what the host half copies to the device ----------------------- */

typedef enum MirKind {
    MIR_ARRAY,   /* host pointer -> device array; the device symbol is a pointer */
    MIR_VALUE,   /* a host scalar -> a __constant__ of the same type */
    MIR_RAGGED,  /* snn_ragged with its arrays -> __constant__ snn_ragged of device arrays */
    MIR_COLUMNS, /* snn_columns likewise */
} MirKind;

typedef struct Mirror {
    MirKind kind;
    const char *name;  /* host symbol and the device copy's name in snn_dev */
    const char *dtype; /* device declaration type */
    const char *host;  /* host expression for the data */
    const char *bytes; /* host expression for its size */
    const char *what;  /* for messages */
    bool at_init;      /* copied after the initial values, else after construction */
    int proj;          /* MIR_RAGGED: projection index */
} Mirror;

typedef struct Mirrors {
    Mirror *v;
    int n, cap;
} Mirrors;

static int mir_add(Mirrors *ms, Mirror m)
{
    ms->v = arena_grow(ms->v, &ms->cap, ms->n + 1, sizeof *ms->v);
    ms->v[ms->n] = m;
    return ms->n++;
}

static int array(Mirrors *ms, const char *name, const char *dtype, const char *bytes,
                 const char *what, bool at_init)
{
    return mir_add(ms, (Mirror){MIR_ARRAY, name, dtype, name, bytes, what, at_init, -1});
}

static void value(Mirrors *ms, const char *name, const char *dtype, const char *what,
                  bool at_init)
{
    mir_add(ms, (Mirror){MIR_VALUE, name, dtype, arena_printf("&%s", name),
                         arena_printf("sizeof %s", name), what, at_init, -1});
}

/* Everything the device code reads from the host state; var_mirror[pop][var] receives the
 * ids of the neuron variables (state recordings copy them back). */
static void collect_mirrors(const Model *m, Mirrors *ms, int **var_mirror)
{
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        const NeuronModel *nm = p->model;
        const char *pn = p->name;
        const char *n_scalars = arena_printf("sizeof(scalar) * SNN_NL_%s", pn);
        var_mirror[i] = arena_alloc(sizeof(int) * (size_t)(nm->n_vars + 1));
        for (int k = 0; k < nm->n_vars; k++)
            var_mirror[i][k] = array(ms, arena_printf("%s_%s", pn, nm->vars[k].name), "scalar *",
                                     n_scalars, arena_printf("population '%s' variable '%s'", pn,
                                                             nm->vars[k].name), true);
        array(ms, arena_printf("snn_flag_%s", pn), "uint8_t *", arena_printf("SNN_NL_%s", pn),
              arena_printf("population '%s' spike flags", pn), true);
        for (int k = 0; k < nm->n_params; k++)
            if (p->runtime[k])
                value(ms, arena_printf("snn_rp_%s_%s", pn, nm->params[k].name), "double",
                      arena_printf("population '%s' runtime parameter '%s'", pn,
                                   nm->params[k].name), true);
        for (int c = 0; c < m->n_sources; c++)
            for (int k = 0; k < CSP_COUNT; k++)
                if (m->sources[c]->pop == p && m->sources[c]->runtime[k])
                    value(ms, arena_printf("snn_rpc_%s_%s", m->sources[c]->name,
                                           cs_param_name((CsParam)k)), "double",
                          arena_printf("current source '%s' runtime parameter '%s'",
                                       m->sources[c]->name, cs_param_name((CsParam)k)), true);
        if (nm->spike_source) {
            const char *ss = arena_printf("snn_sss_%s", pn), *st = arena_printf("snn_sst_%s", pn);
            array(ms, ss, "const uint64_t *", arena_printf("sizeof %s", ss),
                  arena_printf("population '%s' spike list starts", pn), false);
            array(ms, st, "const uint32_t *", arena_printf("sizeof %s", st),
                  arena_printf("population '%s' spike times", pn), false);
            array(ms, arena_printf("snn_ssc_%s", pn), "uint64_t *",
                  arena_printf("sizeof(uint64_t) * SNN_NL_%s", pn),
                  arena_printf("population '%s' spike cursors", pn), true);
        }
        Inputs in = emit_inputs_of(m, p);
        for (int k = 0; k < in.n; k++) {
            const char *w = arena_printf("population '%s' input %d", pn, k);
            array(ms, arena_printf("snn_in%d_%s", k, pn), "scalar *", n_scalars, w, true);
            if (in.psm[k]->kind == PSM_ALPHA_CURR) {
                array(ms, arena_printf("snn_ax%d_%s", k, pn), "scalar *", n_scalars, w, true);
                array(ms, arena_printf("snn_ay%d_%s", k, pn), "scalar *", n_scalars, w, true);
            }
            if (in.dendritic[k]) {
                const char *ddn = arena_printf("snn_ddn%d_%s", k, pn);
                value(ms, ddn, "uint32_t", arena_printf("population '%s' ring depth", pn), false);
                array(ms, arena_printf("snn_dd%d_%s", k, pn), "scalar *",
                      arena_printf("sizeof(scalar) * %s * SNN_NL_%s", ddn, pn),
                      arena_printf("population '%s' input %d dendritic delays", pn, k), true);
            }
        }
    }
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        const char *syn = arena_printf("snn_syn_%s", pj->name);
        /* the host holds one snn_ragged per thread block; the CUDA back end uses one */
        mir_add(ms, (Mirror){MIR_RAGGED, syn, "snn_ragged", arena_printf("&%s[0]", syn),
                             arena_printf("sizeof %s[0]", syn),
                             arena_printf("projection '%s'", pj->name), false, i});
        const SynapseModel *sm = pj->syn;
        if (!sm)
            continue;
        for (int k = 0; k < sm->n_params; k++)
            if (pj->syn_runtime[k])
                value(ms, arena_printf("snn_rps_%s_%s", pj->name, sm->params[k].name), "double",
                      arena_printf("projection '%s' runtime parameter '%s'", pj->name,
                                   sm->params[k].name), true);
        for (int k = 0; k < sm->n_vars; k++)
            if (strcmp(sm->vars[k].name, sm->weight) != 0)
                array(ms, arena_printf("snn_sv_%s_%s", pj->name, sm->vars[k].name), "scalar *",
                      arena_printf("sizeof(scalar) * %s[0].capacity", syn),
                      arena_printf("projection '%s' variable '%s'", pj->name, sm->vars[k].name),
                      true);
        for (int k = 0; k < sm->n_pre_vars; k++)
            array(ms, arena_printf("snn_pv_%s_%s", pj->name, sm->pre_vars[k].name), "scalar *",
                  arena_printf("sizeof(scalar) * SNN_N_%s", pj->pre->name),
                  arena_printf("projection '%s' presynaptic '%s'", pj->name,
                               sm->pre_vars[k].name), true);
        for (int k = 0; k < sm->n_post_vars; k++)
            array(ms, arena_printf("snn_qv_%s_%s", pj->name, sm->post_vars[k].name), "scalar *",
                  arena_printf("sizeof(scalar) * SNN_N_%s", pj->post->name),
                  arena_printf("projection '%s' postsynaptic '%s'", pj->name,
                               sm->post_vars[k].name), true);
        if (sm->on_post.stmts) {
            const char *cols = arena_printf("snn_cols_%s", pj->name);
            /* the host holds one column view per thread block; the CUDA back end uses one */
            mir_add(ms, (Mirror){MIR_COLUMNS, cols, "snn_columns", arena_printf("&%s[0]", cols),
                                 arena_printf("sizeof %s[0]", cols),
                                 arena_printf("projection '%s' columns", pj->name), false, i});
        }
    }
}

/* Host calls: snn_cu_mirror(id, host, bytes) for one phase. */
static void mirror_calls(StrBuf *o, const Mirrors *ms, bool at_init)
{
    for (int i = 0; i < ms->n; i++) {
        const Mirror *mm = &ms->v[i];
        if (mm->at_init == at_init)
            sb_printf(o, "snn_cu_mirror(%d, %s, %s); /* %s */\n", i, mm->host, mm->bytes,
                      mm->what);
    }
    if (!o->len)
        sb_puts(o, "/* nothing */\n");
}

static void mirror_decls(StrBuf *o, const Mirrors *ms)
{
    for (int i = 0; i < ms->n; i++) {
        const Mirror *mm = &ms->v[i];
        sb_printf(o, "__constant__ %s%s%s; /* %s */\n", mm->dtype,
                  mm->dtype[strlen(mm->dtype) - 1] == '*' ? "" : " ", mm->name, mm->what);
        if (mm->kind == MIR_RAGGED)
            sb_printf(o, "__constant__ uint32_t snn_maxlen_%s; /* its longest row */\n",
                      mm->name + strlen("snn_syn_"));
    }
}

static void mirror_cases(StrBuf *o, const Mirrors *ms)
{
    for (int i = 0; i < ms->n; i++) {
        const Mirror *mm = &ms->v[i];
        sb_printf(o, "case %d: /* %s */\n", i, mm->name);
        switch (mm->kind) {
        case MIR_ARRAY:
            sb_printf(o, "    SNN_CU(cudaMemcpyToSymbol(snn_dev::%s, snn_cu_array(&snn_mir[%d], host, "
                         "bytes, \"%s\"), sizeof(void *)));\n", mm->name, i, mm->what);
            break;
        case MIR_VALUE:
            sb_printf(o, "    snn_cu_value(bytes, sizeof snn_dev::%s, \"%s\");\n", mm->name,
                      mm->what);
            sb_printf(o, "    SNN_CU(cudaMemcpyToSymbol(snn_dev::%s, host, bytes));\n", mm->name);
            break;
        case MIR_RAGGED: {
            const char *pn = mm->name + strlen("snn_syn_");
            sb_printf(o, "    {\n        const snn_ragged d = snn_cu_ragged(&snn_mir[%d], "
                         "(const snn_ragged *)host, \"%s\", &snn_maxlen[%d]);\n", i, mm->what,
                      mm->proj);
            sb_printf(o, "        SNN_CU(cudaMemcpyToSymbol(snn_dev::%s, &d, sizeof d));\n",
                      mm->name);
            sb_printf(o, "        SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_maxlen_%s, &snn_maxlen[%d], "
                         "sizeof(uint32_t)));\n", pn, mm->proj);
            sb_puts(o, "        (void)bytes;\n    }\n");
            break;
        }
        case MIR_COLUMNS:
            sb_printf(o, "    {\n        const snn_columns d = snn_cu_columns(&snn_mir[%d], "
                         "(const snn_columns *)host, \"%s\");\n", i, mm->what);
            sb_printf(o, "        SNN_CU(cudaMemcpyToSymbol(snn_dev::%s, &d, sizeof d));\n",
                      mm->name);
            sb_puts(o, "        (void)bytes;\n    }\n");
            break;
        }
        sb_puts(o, "    break;\n");
    }
}

/* ---- strategies ---------------------------------------------------------------------- */

/* Presynaptic (a warp per spiking row, lanes over the row) or postsynaptic (a thread per
 * row position, the block's batch of spiking rows in shared memory).  A warp per row takes
 * about len/32 rounds per spike, a thread per position about one round per spike; so the
 * presynaptic strategy wins when the spikes of a step outnumber len/32. */
static bool choose_pre(const Model *m, const Projection *pj, const EmitOptions *opt,
                       const char **why)
{
    for (int k = opt->n_cuda_span - 1; k >= 0; k--) { /* the last one that names pj wins */
        const char *s = opt->cuda_span[k], *eq = strchr(s, '=');
        size_t n = (size_t)(eq - s);
        if ((n == 1 && s[0] == '*') || (n == strlen(pj->name) && !strncmp(s, pj->name, n))) {
            *why = "chosen with --cuda-span";
            return !strcmp(eq + 1, "pre");
        }
    }
    double rate = opt->cuda_rate > 0 ? opt->cuda_rate : 10.0;
    double npre = (double)pj->pre->n;
    double spikes = npre * rate * m->dt * 1e-3;
    double row = npre > 0 ? emit_expected_synapses(pj) / npre : 0;
    *why = arena_printf("%.3g spikes per step expected at %.3g Hz, mean row %.0f", spikes, rate,
                        row);
    return spikes >= row / 32.0;
}

/* ---- kernels' pieces ------------------------------------------------------------------ */

/* Deliver the synapse at position 'pos' (static synapses). */
static void deliver(StrBuf *o, const Model *m, const Projection *pj, const char *pos, int ind)
{
    bool is_float = m->precision == PREC_FLOAT;
    const char *w = emit_per_synapse_weight(pj) ? arena_printf("weight[%s]", pos)
                                                : emit_scalar_literal(pj->weight.a, is_float);
    if (pj->het_delay) {
        sb_printf(o, "%*suint32_t r = now + delay[%s] - 1u; /* delay >= 1 step */\n", ind, "", pos);
        sb_printf(o, "%*sr = r >= depth ? r - depth : r;\n", ind, "");
        sb_printf(o, "%*satomicAdd(&ring[(size_t)r * SNN_NL_%s + ind[%s]], %s);\n", ind, "",
                  pj->post->name, pos, w);
    } else {
        sb_printf(o, "%*satomicAdd(&in[ind[%s]], %s);\n", ind, "", pos, w);
    }
}

/* Run on_pre, then deliver the weight (plastic synapses at snn_pos, source snn_pre). */
static void deliver_plastic(StrBuf *o, const Model *m, const Projection *pj, int ind,
                            const EmitOptions *opt)
{
    sb_printf(o, "%*sconst uint32_t snn_post = ind[snn_pos];\n", ind, "");
    sb_printf(o, "%*s(void)snn_post;\n", ind, "");
    if (pj->syn->on_pre.stmts)
        emit_syn_code(o, m, pj, &pj->syn->on_pre, "snn_pos", "snn_w", ind, opt);
    sb_printf(o, "%*satomicAdd(&in[snn_post], snn_w[snn_pos]);\n", ind, "");
}

static void propagate(StrBuf *o, const Model *m, const Projection *pj, bool pre_span,
                      const EmitOptions *opt)
{
    const char *pre = pj->pre->name, *post = pj->post->name;
    const char *it = emit_ind_type(pj);
    int d = pj->delay_steps;
    sb_printf(o, "const uint32_t slot = (uint32_t)((step + SNN_NSLOT_%s - %du) %% SNN_NSLOT_%s);\n",
              pre, d, pre);
    sb_printf(o, "const uint32_t n = snn_spkcnt_%s[slot];\n", pre);
    sb_printf(o, "const uint32_t *restrict spk = snn_spk_%s + (size_t)slot * SNN_N_%s;\n", pre, pre);
    sb_printf(o, "const uint64_t *restrict row_start = snn_syn_%s.row_start;\n", pj->name);
    sb_printf(o, "const uint32_t *restrict row_len = snn_syn_%s.row_len;\n", pj->name);
    sb_printf(o, "const %s *restrict ind = (const %s *)snn_syn_%s.ind;\n", it, it, pj->name);
    if (pj->syn) {
        sb_printf(o, "scalar *snn_w = (scalar *)snn_syn_%s.weight;\n", pj->name);
        sb_printf(o, "scalar *in = snn_in%d_%s;\n", pj->input_slot, post);
    } else {
        if (emit_per_synapse_weight(pj))
            sb_printf(o, "const scalar *restrict weight = (const scalar *)snn_syn_%s.weight;\n",
                      pj->name);
        if (pj->het_delay) {
            const char *dt = pj->delay_bytes == 1 ? "uint8_t" : "uint16_t";
            sb_printf(o, "const %s *restrict delay = (const %s *)snn_syn_%s.delay;\n", dt, dt,
                      pj->name);
            sb_printf(o, "const uint32_t depth = snn_ddn%d_%s;\n", pj->input_slot, post);
            sb_puts(o, "const uint32_t now = (uint32_t)(step % depth);\n");
            sb_printf(o, "scalar *ring = snn_dd%d_%s;\n", pj->input_slot, post);
        } else {
            sb_printf(o, "scalar *in = snn_in%d_%s;\n", pj->input_slot, post);
        }
    }
    if (pre_span) {
        sb_puts(o, "for (uint32_t s = snn_warp; s < n; s += snn_nwarps) {\n");
        sb_puts(o, "    const uint32_t snn_pre = spk[s];\n");
        sb_puts(o, "    const uint64_t start = row_start[snn_pre];\n");
        sb_puts(o, "    const uint64_t end = start + row_len[snn_pre];\n");
        sb_puts(o, "    for (uint64_t snn_pos = start + snn_lane; snn_pos < end; snn_pos += 32u) {\n");
        if (pj->syn)
            deliver_plastic(o, m, pj, 8, opt);
        else
            deliver(o, m, pj, "snn_pos", 8);
        sb_puts(o, "    }\n}");
        return;
    }
    /* postsynaptic: blocks beyond the longest row have nothing to do (block-uniform test,
     * so the barriers inside are reached by every thread of a block or by none) */
    sb_printf(o, "if (n > 0u && blockIdx.x * SNN_BLOCK < snn_maxlen_%s) {\n", pj->name);
    sb_puts(o, "    for (uint32_t base = 0; base < n; base += SNN_BLOCK) {\n");
    sb_puts(o, "        const uint32_t cnt = n - base < SNN_BLOCK ? n - base : SNN_BLOCK;\n");
    sb_puts(o, "        __syncthreads();\n");
    sb_puts(o, "        if (threadIdx.x < cnt) {\n");
    sb_puts(o, "            const uint32_t p = spk[base + threadIdx.x];\n");
    sb_puts(o, "            snn_sh_pre[threadIdx.x] = p;\n");
    sb_puts(o, "            snn_sh_start[threadIdx.x] = row_start[p];\n");
    sb_puts(o, "            snn_sh_len[threadIdx.x] = row_len[p];\n");
    sb_puts(o, "        }\n");
    sb_puts(o, "        __syncthreads();\n");
    sb_printf(o, "        for (uint32_t j = snn_tid; j < snn_maxlen_%s; j += snn_nthreads) {\n",
              pj->name);
    sb_puts(o, "            for (uint32_t s = 0; s < cnt; s++) {\n");
    sb_puts(o, "                if (j >= snn_sh_len[s])\n");
    sb_puts(o, "                    continue;\n");
    sb_puts(o, "                const uint32_t snn_pre = snn_sh_pre[s];\n");
    sb_puts(o, "                const uint64_t snn_pos = snn_sh_start[s] + j;\n");
    sb_puts(o, "                (void)snn_pre;\n");
    if (pj->syn)
        deliver_plastic(o, m, pj, 16, opt);
    else
        deliver(o, m, pj, "snn_pos", 16);
    sb_puts(o, "            }\n        }\n    }\n}");
}

/* on_post for the synapses onto the neurons of post that spiked this step. */
static void on_post(StrBuf *o, const Model *m, const Projection *pj, const EmitOptions *opt)
{
    const char *post = pj->post->name;
    sb_printf(o, "const uint32_t snn_slot = (uint32_t)(step %% SNN_NSLOT_%s);\n", post);
    sb_printf(o, "const uint32_t snn_npost = snn_spkcnt_%s[snn_slot];\n", post);
    sb_printf(o, "const uint32_t *snn_post_spk = snn_spk_%s + (size_t)snn_slot * SNN_N_%s;\n", post,
              post);
    sb_printf(o, "scalar *snn_w = (scalar *)snn_syn_%s.weight;\n", pj->name);
    sb_puts(o, "for (uint32_t snn_s = snn_warp; snn_s < snn_npost; snn_s += snn_nwarps) {\n");
    sb_puts(o, "    const uint32_t snn_post = snn_post_spk[snn_s];\n");
    sb_printf(o, "    const uint64_t snn_cend = snn_cols_%s.start[snn_post + 1];\n", pj->name);
    sb_printf(o, "    for (uint64_t snn_c = snn_cols_%s.start[snn_post] + snn_lane; snn_c < snn_cend; "
                 "snn_c += 32u) {\n", pj->name);
    sb_printf(o, "        const uint64_t snn_pos = snn_cols_%s.syn[snn_c];\n", pj->name);
    sb_printf(o, "        const uint32_t snn_pre = snn_cols_%s.pre[snn_c];\n", pj->name);
    sb_puts(o, "        (void)snn_pre;\n");
    emit_syn_code(o, m, pj, &pj->syn->on_post, "snn_pos", "snn_w", 8, opt);
    sb_puts(o, "    }\n}");
}

/* Spike code (when the neuron spiked this step) then dynamics of the traces of neuron snn_k. */
static void traces(StrBuf *o, const Model *m, const Projection *pj, const EmitOptions *opt)
{
    const SynapseModel *sm = pj->syn;
    const struct {
        const Population *pop;
        const CodeStr *spike, *dyn;
        const char *idx;
    } side[2] = {{pj->pre, &sm->pre_spike, &sm->pre_dynamics, "snn_pre"},
                 {pj->post, &sm->post_spike, &sm->post_dynamics, "snn_post"}};
    for (int k = 0; k < 2; k++) {
        if (!side[k].spike->stmts && !side[k].dyn->stmts)
            continue;
        sb_printf(o, "if (snn_k < SNN_N_%s) { /* %ssynaptic traces */\n", side[k].pop->name,
                  k ? "post" : "pre");
        if (side[k].spike->stmts) {
            StrBuf t;
            sb_init(&t);
            emit_trace_code(&t, m, pj, side[k].spike, side[k].idx, opt);
            sb_printf(o, "    if (snn_flag_%s[snn_k]) {\n", side[k].pop->name);
            /* indent the printed block by 4 more (#line lines stay at column 0 later) */
            for (const char *p = t.buf; *p;) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                sb_printf(o, "    %.*s\n", (int)n, p);
                p += n + (nl ? 1 : 0);
            }
            sb_puts(o, "    }\n");
            sb_release(&t);
        }
        if (side[k].dyn->stmts) {
            sb_puts(o, "    {\n");
            emit_trace_code(o, m, pj, side[k].dyn, side[k].idx, opt);
            sb_puts(o, "    }\n");
        }
        sb_puts(o, "}\n");
    }
}

/* The update of one population for neuron snn_i, after the shared code: its spike is
 * appended to the queue slot of this step (and to the recording block). */
static void update(StrBuf *o, const Model *m, const Population *p, const EmitOptions *opt)
{
    const NeuronModel *nm = p->model;
    const char *pn = p->name;
    if (nm->spike_source) {
        sb_printf(o, "const uint64_t snn_c = snn_ssc_%s[snn_i];\n", pn);
        sb_printf(o, "const int snn_fire = snn_c < snn_sss_%s[SNN_LO_%s + snn_i + 1] && "
                     "snn_sst_%s[snn_c] <= snn_step;\n", pn, pn, pn);
        sb_printf(o, "snn_ssc_%s[snn_i] = snn_c + (uint64_t)snn_fire;\n", pn);
        sb_printf(o, "snn_flag_%s[snn_i] = (uint8_t)snn_fire;\n", pn);
    } else {
        emit_update_prologue(o, m, p);
        sb_puts(o, "{\n");
        emit_update_body(o, m, p, opt);
    }
    if (nm->spike_source || nm->threshold.expr) {
        const char *ind = nm->spike_source ? "" : "    ";
        sb_printf(o, "%sif (snn_fire) {\n", ind);
        /* one process: into the queue slot of this step; MPI: into the rank's staging of
         * the interval (snn_exchange fills the queue), ids global in both */
        sb_puts(o, "#ifdef SNN_MPI\n");
        sb_printf(o, "%s    const uint32_t snn_ls = (uint32_t)(snn_step %% SNN_INTERVAL);\n", ind);
        sb_printf(o, "%s    const uint32_t snn_pos = atomicAdd(&snn_lcnt_%s[snn_ls], 1u);\n",
                  ind, pn);
        sb_printf(o, "%s    snn_lspk_%s[(size_t)snn_ls * SNN_NL_%s + snn_pos] = SNN_LO_%s + snn_i;\n",
                  ind, pn, pn, pn);
        sb_puts(o, "#else\n");
        sb_printf(o, "%s    const uint32_t snn_pos = atomicAdd(&snn_spkcnt_%s[snn_slot], 1u);\n",
                  ind, pn);
        sb_printf(o, "%s    snn_spk_%s[(size_t)snn_slot * SNN_N_%s + snn_pos] = snn_i;\n", ind, pn,
                  pn);
        sb_puts(o, "#endif\n");
        sb_printf(o, "%s    if (snn_recon[%d])\n", ind, p->index);
        sb_printf(o, "%s        snn_rec_%s[snn_rectot[%d] + snn_pos] = SNN_LO_%s + snn_i;\n", ind, pn,
                  p->index, pn);
        sb_printf(o, "%s}\n", ind);
    }
    if (!nm->spike_source)
        sb_puts(o, "}\n");
    sb_puts(o, "(void)snn_slot;");
}

/* ---- checks ----------------------------------------------------------------------------- */

/* C++ keywords that are not C keywords: fine as names in the C back end, not in CUDA. */
static const char *const cxx_words[] = {
    "alignas", "alignof", "and", "and_eq", "asm", "bitand", "bitor", "bool", "catch", "char8_t",
    "char16_t", "char32_t", "class", "compl", "concept", "consteval", "constexpr", "constinit",
    "const_cast", "co_await", "co_return", "co_yield", "decltype", "delete", "dynamic_cast",
    "explicit", "export", "false", "friend", "mutable", "namespace", "new", "noexcept", "not",
    "not_eq", "nullptr", "operator", "or", "or_eq", "private", "protected", "public",
    "reinterpret_cast", "requires", "static_assert", "static_cast", "template", "this",
    "thread_local", "throw", "true", "try", "typeid", "typename", "using", "virtual",
    "wchar_t", "xor", "xor_eq",
};

static int check_word(const char *name, SrcLoc loc, const char *what)
{
    for (size_t i = 0; i < sizeof cxx_words / sizeof cxx_words[0]; i++)
        if (!strcmp(name, cxx_words[i])) {
            diag_error(loc, "%s '%s' is a C++ keyword; the CUDA back end cannot use it as a "
                            "name (rename it)", what, name);
            return 1;
        }
    return 0;
}

static int check_locals(const Stmt *s, SrcLoc loc)
{
    if (!s)
        return 0;
    int errs = 0;
    if (s->kind == ST_DECL && s->decl_name)
        errs += check_word(s->decl_name, (SrcLoc){loc.file, loc.line + s->line - 1},
                           "local variable");
    errs += check_locals(s->then, loc) + check_locals(s->els, loc);
    for (int i = 0; i < s->n; i++)
        errs += check_locals(s->body[i], loc);
    return errs;
}

static int check_cxx_names(const Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_neurons; i++) {
        const NeuronModel *nm = m->neurons[i];
        for (int k = 0; k < nm->n_vars; k++)
            errs += check_word(nm->vars[k].name, nm->loc, "variable");
        for (int k = 0; k < nm->n_params; k++)
            errs += check_word(nm->params[k].name, nm->loc, "parameter");
        errs += check_locals(nm->sim.stmts, nm->sim.loc) + check_locals(nm->reset.stmts, nm->reset.loc);
        if (nm->n_egps) {
            diag_error(nm->loc, "neuron '%s': extra global parameters (egp) are not supported "
                                "by the CUDA back end yet; use --backend c", nm->name);
            errs++;
        }
    }
    for (int i = 0; i < m->n_synapses; i++) {
        const SynapseModel *sm = m->synapses[i];
        for (int k = 0; k < sm->n_vars; k++)
            errs += check_word(sm->vars[k].name, sm->loc, "synapse variable");
        for (int k = 0; k < sm->n_params; k++)
            errs += check_word(sm->params[k].name, sm->loc, "parameter");
        const CodeStr *cs[] = {&sm->on_pre, &sm->on_post, &sm->pre_spike, &sm->post_spike,
                               &sm->pre_dynamics, &sm->post_dynamics};
        for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++)
            errs += check_locals(cs[k]->stmts, cs[k]->loc);
    }
    for (int i = 0; i < m->n_projs; i++) {
        const SynapseModel *sm = m->projs[i]->syn;
        const CodeStr *cs[] = {sm ? &sm->on_pre : NULL, sm ? &sm->on_post : NULL,
                               sm ? &sm->pre_spike : NULL, sm ? &sm->post_spike : NULL,
                               sm ? &sm->pre_dynamics : NULL, sm ? &sm->post_dynamics : NULL};
        for (size_t k = 0; sm && k < sizeof cs / sizeof cs[0]; k++)
            if (code_uses_rng(cs[k]->stmts, NULL)) {
                diag_error(cs[k]->loc, "projection '%s': random draws in synapse code are "
                                       "not supported by the CUDA back end yet; use --backend c",
                           m->projs[i]->name);
                errs++;
                break;
            }
    }
    return errs;
}

/* --cuda-span names must be projections. */
static int check_spans(const Model *m, const EmitOptions *opt)
{
    int errs = 0;
    const char **names = arena_alloc(sizeof(char *) * (size_t)(m->n_projs + 1));
    for (int i = 0; i < m->n_projs; i++)
        names[i] = m->projs[i]->name;
    for (int k = 0; k < opt->n_cuda_span; k++) {
        const char *s = opt->cuda_span[k];
        const char *name = arena_strndup(s, (size_t)(strchr(s, '=') - s));
        bool found = !strcmp(name, "*");
        for (int i = 0; i < m->n_projs && !found; i++)
            found = !strcmp(name, names[i]);
        if (!found) {
            char hint[160];
            diag_error((SrcLoc){m->file, 0}, "--cuda-span: no projection '%s'%s", name,
                       diag_hint(hint, sizeof hint, name, names, m->n_projs));
            errs++;
        }
    }
    return errs;
}

/* ---- the files ---------------------------------------------------------------------------- */

int emit_cuda(const Model *m, const char *dir, const EmitOptions *opt)
{
    int fmt_errs = 0;
    for (int i = 0; i < m->n_projs; i++)
        if (m->projs[i]->format != FORMAT_SPARSE) {
            diag_error(m->projs[i]->format_loc, "projection '%s': format = \"%s\" is not "
                                                "supported by the CUDA back end yet; use "
                                                "format = \"sparse\" or --backend c",
                       m->projs[i]->name,
                       m->projs[i]->format == FORMAT_DENSE ? "dense" : "procedural");
            fmt_errs++;
        }
    if (fmt_errs)
        return -1;
    if (emit_check_state_names(m) || check_cxx_names(m) || check_spans(m, opt))
        return -1;
    Mirrors ms = {0};
    int **var_mirror = arena_alloc(sizeof(int *) * (size_t)(m->n_pops + 1));
    collect_mirrors(m, &ms, var_mirror);
    StrBuf sb;
    sb_init(&sb);

    /* the host half: the C back end's scope, plus the copies */
    TmplScope *h = emit_c_scope(m, opt);
    mirror_calls(&sb, &ms, false);
    tmpl_set(h, "mirror_build", emit_take(&sb));
    mirror_calls(&sb, &ms, true);
    tmpl_set(h, "mirror_init", emit_take(&sb));
    for (int i = 0; i < m->n_projs; i++) {
        sb_printf(&sb, "snn_drop_rows(&snn_syn_%s[0]);\n", m->projs[i]->name);
        if (m->projs[i]->syn && m->projs[i]->syn->on_post.stmts)
            sb_printf(&sb, "snn_columns_free(&snn_cols_%s[0]);\n", m->projs[i]->name);
    }
    tmpl_set(h, "drop_rows", sb.len ? emit_take(&sb) : "/* no projections */");
    if (emit_expand_write(h, "cuda/host.c.tmpl", dir, arena_printf("%s.c", m->name)) != 0) {
        sb_release(&sb);
        return -1;
    }

    /* the device half */
    TmplScope *g = tmpl_scope_new(NULL);
    uint64_t hash = ir_hash(m);
    tmpl_set(g, "banner", arena_printf("Generated by snncc %s from %s (model hash %016llx). "
                                       "DO NOT EDIT.", SNNCC_VERSION, m->file,
                                       (unsigned long long)hash));
    tmpl_set(g, "model_name", m->name);
    tmpl_set(g, "scalar_type", m->precision == PREC_FLOAT ? "float" : "double");
    tmpl_set(g, "dt", arena_printf("%.17g", m->dt));
    tmpl_set(g, "n_pops", arena_printf("%d", m->n_pops));
    tmpl_set(g, "n_projs", arena_printf("%d", m->n_projs));
    /* MPI exchange interval: as the C back end's */
    tmpl_set(g, "interval", arena_printf("%d", emit_exchange_interval(m)));
    tmpl_set(g, "n_mirrors", arena_printf("%d", ms.n));
    int64_t total = 0, trace_n = 0;
    for (int i = 0; i < m->n_pops; i++)
        total += m->pops[i]->n;
    int64_t rec_block = total > 0 ? (int64_t)REC_IDS / total : 1000;
    rec_block = rec_block < 1 ? 1 : rec_block > 1000 ? 1000 : rec_block;
    tmpl_set(g, "rec_block", arena_printf("%lld", (long long)rec_block));
    mirror_decls(&sb, &ms);
    tmpl_set(g, "devdecls", emit_take(&sb));
    mirror_cases(&sb, &ms);
    tmpl_set(g, "mirror_cases", emit_take(&sb));
    tmpl_list_declare(g, "pops");
    StrBuf ub; /* blocks of the update kernel */
    sb_init(&ub);
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        TmplScope *s = tmpl_list_add(g, "pops");
        tmpl_set(s, "name", p->name);
        tmpl_set(s, "n", arena_printf("%lld", (long long)p->n));
        tmpl_set(s, "index", arena_printf("%d", i));
        tmpl_set(s, "nslot", arena_printf("%d", emit_n_slots(m, p) + 1));
        tmpl_set(s, "blocks", arena_printf("((SNN_N_%s + SNN_BLOCK - 1) / SNN_BLOCK)", p->name));
        sb_printf(&ub, "%sSNN_BLOCKS_%s", i ? " + " : "", p->name);
        update(&sb, m, p, opt);
        tmpl_set(s, "update", emit_take(&sb));
    }
    tmpl_set(g, "update_blocks", emit_take(&ub));
    sb_release(&ub);
    tmpl_list_declare(g, "projs");
    tmpl_list_declare(g, "onpost");
    tmpl_list_declare(g, "traces");
    bool any_post = false, any_onpost = false, any_traces = false;
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        const char *why;
        bool pre = choose_pre(m, pj, opt, &why);
        any_post |= !pre;
        TmplScope *s = tmpl_list_add(g, "projs");
        tmpl_set(s, "name", pj->name);
        tmpl_set(s, "span", arena_printf("%s -> %s, %s strategy (%s)%s", pj->pre->name,
                                         pj->post->name, pre ? "presynaptic" : "postsynaptic",
                                         why, pj->syn ? ", plastic" : ""));
        tmpl_set(s, "proj_info", arena_printf("\\\"name\\\": \\\"%s\\\", \\\"span\\\": \\\"%s\\\"",
                                              pj->name, pre ? "pre" : "post"));
        propagate(&sb, m, pj, pre, opt);
        tmpl_set(s, "propagate", emit_take(&sb));
        if (!pj->syn)
            continue;
        if (pj->syn->on_post.stmts) {
            any_onpost = true;
            TmplScope *q = tmpl_list_add(g, "onpost");
            tmpl_set(q, "name", pj->name);
            on_post(&sb, m, pj, opt);
            tmpl_set(q, "propagate", emit_take(&sb));
        }
        traces(&sb, m, pj, opt);
        if (sb.len) {
            any_traces = true;
            TmplScope *q = tmpl_list_add(g, "traces");
            tmpl_set(q, "name", pj->name);
            tmpl_set(q, "propagate", emit_take(&sb));
            if (pj->pre->n > trace_n)
                trace_n = pj->pre->n;
            if (pj->post->n > trace_n)
                trace_n = pj->post->n;
        }
    }
    tmpl_set_bool(g, "any_post", any_post);
    tmpl_set_bool(g, "has_projs", m->n_projs > 0);
    tmpl_set_bool(g, "has_onpost", any_onpost);
    tmpl_set_bool(g, "has_traces", any_traces);
    tmpl_set(g, "trace_n", arena_printf("%lld", (long long)trace_n));
    tmpl_list_declare(g, "varrecs");
    for (int i = 0; i < m->n_varrecs; i++) {
        const VarRecord *r = m->varrecs[i];
        TmplScope *s = tmpl_list_add(g, "varrecs");
        tmpl_set(s, "vr_index", arena_printf("%d", i));
        tmpl_set(s, "vr_cond", r->every > 1 ? arena_printf("step %% %du == 0 && ", r->every) : "");
        tmpl_set(s, "vr_mirror", arena_printf("%d", var_mirror[r->pop->index][r->var]));
        tmpl_set(s, "vr_bytes", arena_printf("sizeof(scalar) * %lldu",
                                             (long long)(r->count < 0 ? r->pop->n : r->count)));
    }
    sb_release(&sb);
    return emit_expand_write(g, "cuda/model.cu.tmpl", dir, arena_printf("%s.cu", m->name));
}
