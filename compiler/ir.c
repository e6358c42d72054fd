/*
 * ir.c - names of IR kinds, the canonical text dump of a Model (snncc -dump) and the
 * model hash computed over it.  The dump lists everything that affects the generated
 * simulator, in a fixed order, with numbers printed round-trip exactly, so two models
 * with the same dump generate the same code.
 */
#include "snncc.h"

#include <stdio.h>
#include <string.h>

const char *init_kind_name(InitKind k)
{
    switch (k) {
    case INIT_CONSTANT: return "constant";
    case INIT_UNIFORM: return "uniform";
    case INIT_NORMAL: return "normal";
    case INIT_NORMAL_CLIPPED: return "normal_clipped";
    case INIT_LOGNORMAL: return "lognormal";
    case INIT_EXPONENTIAL: return "exponential";
    case INIT_CODE: return "initialiser";
    case INIT_FILE: return "from_file";
    case INIT_ARRAY: return "list";
    case INIT_EXPR: return "code";
    }
    return "?";
}

const char *conn_kind_name(ConnKind k)
{
    switch (k) {
    case CONN_ALL_TO_ALL: return "all_to_all";
    case CONN_ONE_TO_ONE: return "one_to_one";
    case CONN_FIXED_PROBABILITY: return "fixed_probability";
    case CONN_FIXED_INDEGREE: return "fixed_indegree";
    case CONN_FIXED_OUTDEGREE: return "fixed_outdegree";
    case CONN_FIXED_TOTAL: return "fixed_total";
    case CONN_USER: return "connectivity";
    case CONN_FROM_LIST: return "from_list";
    case CONN_FROM_MATRIX: return "from_matrix";
    }
    return "?";
}

const char *conn_rule_name(const ConnRule *c)
{
    return c->kind == CONN_USER && c->snip ? c->snip->name : conn_kind_name(c->kind);
}

/* The code strings of a weight update model (SynCodeKind): the one list that the reader,
 * the checker and both back ends walk.  docs/language.md "Weight update models" says the
 * same in words. */
const SynCodeDesc syn_code_desc[SC_COUNT] = {
    [SC_ON_PRE] = {"on_pre", OVER_SYNAPSE, SEE_WRITE, SEE_READ, SEE_READ, SEE_NONE, SEE_READ,
                   "at spike arrival, before delivery (before the neuron updates)"},
    [SC_ON_POST] = {"on_post", OVER_SYNAPSE, SEE_WRITE, SEE_READ, SEE_READ, SEE_NONE, SEE_READ,
                    "after the neuron updates, for the targets that spiked"},
    [SC_PRE_SPIKE] = {"pre_spike", OVER_PRE, SEE_NONE, SEE_WRITE, SEE_NONE, SEE_READ, SEE_NONE,
                      "after on_post and the exchange, for the sources that spiked"},
    [SC_POST_SPIKE] = {"post_spike", OVER_POST, SEE_NONE, SEE_NONE, SEE_WRITE, SEE_NONE,
                       SEE_READ, "after on_post, for the targets that spiked"},
    [SC_PRE_DYNAMICS] = {"pre_dynamics", OVER_PRE, SEE_NONE, SEE_WRITE, SEE_NONE, SEE_READ,
                         SEE_NONE, "after pre_spike, for every source"},
    [SC_POST_DYNAMICS] = {"post_dynamics", OVER_POST, SEE_NONE, SEE_NONE, SEE_WRITE, SEE_NONE,
                          SEE_READ, "after post_spike, for every target"},
    [SC_DYNAMICS] = {"dynamics", OVER_SYNAPSE, SEE_WRITE, SEE_READ, SEE_READ, SEE_READ, SEE_READ,
                     "last in the step, for every synapse"},
};

const char *psm_kind_name(PsmKind k)
{
    switch (k) {
    case PSM_DELTA: return "delta";
    case PSM_EXP_CURR: return "exp_curr";
    case PSM_EXP_COND: return "exp_cond";
    case PSM_ALPHA_CURR: return "alpha_curr";
    }
    return "?";
}

static void dump_init(StrBuf *out, const Init *in)
{
    if (in->kind == INIT_CONSTANT)
        sb_printf(out, "%.17g", in->a);
    else if (in->kind == INIT_FILE) /* the path, not the contents: read at run time */
        sb_printf(out, "from_file(\"%s\")", in->file);
    else if (in->kind == INIT_EXPR)
        sb_printf(out, "<<%s>>", in->code->text);
    else if (in->kind == INIT_ARRAY) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (int64_t k = 0; k < in->n_vals; k++) {
            uint64_t bits;
            memcpy(&bits, &in->vals[k], sizeof bits);
            h ^= bits;
            h *= 0x100000001b3ull;
        }
        sb_printf(out, "list(%lld values, hash=%016llx)", (long long)in->n_vals,
                  (unsigned long long)h);
    }
    else if (in->kind == INIT_CODE) {
        /* the code enters the dump (and so the model hash) with the values */
        sb_printf(out, "%s{", in->snip->name);
        for (int i = 0; i < in->snip->n_params; i++)
            sb_printf(out, "%s%s=%.17g", i ? ", " : "", in->snip->params[i].name, in->pvals[i]);
        sb_printf(out, "} <<%s>>", in->snip->code.text);
    }
    else if (in->kind == INIT_NORMAL_CLIPPED)
        sb_printf(out, "%s(%.17g, %.17g, %.17g, %.17g)", init_kind_name(in->kind), in->a, in->b,
                  in->lo, in->hi);
    else
        sb_printf(out, "%s(%.17g, %.17g)", init_kind_name(in->kind), in->a, in->b);
}

static void dump_code(StrBuf *out, const char *what, const CodeStr *cs)
{
    if (!cs->text)
        return;
    sb_printf(out, "    %s <<\n%s\n    >>\n", what, cs->text);
}

static void dump_psm(StrBuf *out, const Psm *ps)
{
    sb_printf(out, " psm=%s", psm_kind_name(ps->kind));
    if (ps->kind == PSM_EXP_CURR || ps->kind == PSM_ALPHA_CURR)
        sb_printf(out, "(tau=%.17g)", ps->tau);
    if (ps->kind == PSM_EXP_COND)
        sb_printf(out, "(tau=%.17g, E=%.17g, V=%s)", ps->tau, ps->E, ps->V);
    if (ps->target)
        sb_printf(out, " target=%s%s", ps->target, ps->to_input ? " (input)" : "");
}

static void dump_vars(StrBuf *out, const char *what, const VarDef *vars, int n,
                      const Init *inits)
{
    for (int k = 0; k < n; k++) {
        sb_printf(out, "    %s %s%s = ", what, vars[k].name, vars[k].shared ? " shared" : "");
        dump_init(out, inits ? &inits[k] : &vars[k].init);
        sb_putc(out, '\n');
    }
}

/* A plastic projection's weight update model: everything its simulator depends on, with
 * this projection's parameter values and initialisers (a synapse model used twice with
 * other values gives two different blocks). */
static void dump_synapse(StrBuf *out, const Projection *pj)
{
    const SynapseModel *sm = pj->syn;
    sb_printf(out, "  synapse %s weight=%s\n", sm->name, sm->weight ? sm->weight : "w");
    for (int k = 0; k < sm->n_params; k++)
        sb_printf(out, "    param %s = %.17g%s\n", sm->params[k].name, pj->syn_params[k],
                  pj->syn_runtime[k] ? " (runtime)" : "");
    dump_vars(out, "var", sm->vars, sm->n_vars, pj->syn_inits);
    dump_vars(out, "pre_var", sm->pre_vars, sm->n_pre_vars, NULL);
    dump_vars(out, "post_var", sm->post_vars, sm->n_post_vars, NULL);
    for (int k = 0; k < SC_COUNT; k++)
        dump_code(out, syn_code_desc[k].name, &sm->code[k]);
}

void ir_dump(StrBuf *out, const Model *m)
{
    sb_printf(out, "network %s dt=%.17g seed=%llu precision=%s", m->name, m->dt,
              (unsigned long long)m->seed, m->precision == PREC_FLOAT ? "float" : "double");
    if (m->batch) /* batched models only: the dumps (and hashes) of the others stay */
        sb_printf(out, " batch=%d", m->batch);
    sb_puts(out, "\n");
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        const NeuronModel *nm = p->model;
        sb_printf(out, "population %s size=%lld model=%s record=%s\n", p->name,
                  (long long)p->n, nm->name, p->record_spikes ? "spikes" : "none");
        for (int k = 0; k < nm->n_params; k++)
            sb_printf(out, "    param %s = %.17g%s\n", nm->params[k].name, p->params[k],
                      p->runtime[k] ? " (runtime)" : "");
        for (int k = 0; k < nm->n_vars; k++) {
            sb_printf(out, "    var %s = ", nm->vars[k].name);
            dump_init(out, &p->inits[k]);
            sb_putc(out, '\n');
        }
        if (nm->spike_source) {
            uint64_t h = 0xcbf29ce484222325ull;
            int64_t total = nm->sst_start[nm->n_lists];
            for (int64_t k = 0; k <= nm->n_lists; k++) {
                h ^= (uint64_t)nm->sst_start[k];
                h *= 0x100000001b3ull;
            }
            for (int64_t k = 0; k < total; k++) {
                uint64_t bits;
                memcpy(&bits, &nm->sst_times[k], sizeof bits);
                h ^= bits;
                h *= 0x100000001b3ull;
            }
            sb_printf(out, "    spike_source_array lists=%lld times=%lld hash=%016llx\n",
                      (long long)nm->n_lists, (long long)total, (unsigned long long)h);
        }
        if (nm->dataset)
            sb_printf(out, "    spike_source_dataset classes=%d\n", (int)nm->classes);
        for (int k = 0; k < nm->n_egps; k++) {
            uint64_t h = 0xcbf29ce484222325ull;
            for (int64_t q = 0; q < p->n; q++) {
                uint64_t bits;
                memcpy(&bits, &p->egp[k][q], sizeof bits);
                h ^= bits;
                h *= 0x100000001b3ull;
            }
            sb_printf(out, "    egp %s hash=%016llx\n", nm->egps[k], (unsigned long long)h);
        }
        for (int k = 0; k < nm->n_inputs; k++)
            sb_printf(out, "    input %s\n", nm->inputs[k]);
        dump_code(out, "sim", &nm->sim);
        dump_code(out, "threshold", &nm->threshold);
        dump_code(out, "reset", &nm->reset);
    }
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        sb_printf(out, "projection %s %s -> %s conn=%s", pj->name, pj->pre->name,
                  pj->post->name, conn_rule_name(&pj->conn));
        if (pj->conn.kind == CONN_USER) {
            const ConnSnippet *sn = pj->conn.snip;
            sb_printf(out, "(%s form", sn->row_form ? "row" : "pair");
            for (int k = 0; k < sn->n_params; k++)
                sb_printf(out, ", %s=%.17g", sn->params[k].name, pj->conn.params[k]);
            sb_putc(out, ')');
        }
        if (pj->conn.kind == CONN_FIXED_PROBABILITY)
            sb_printf(out, "(p=%.17g)", pj->conn.p);
        if (pj->conn.kind == CONN_FROM_LIST)
            sb_printf(out, "(pre=\"%s\", post=\"%s\")", pj->conn.pre.file, pj->conn.post.file);
        if (pj->conn.kind == CONN_FROM_MATRIX)
            sb_printf(out, "(\"%s\")", pj->conn.matrix.file);
        if (pj->conn.kind == CONN_FIXED_INDEGREE || pj->conn.kind == CONN_FIXED_OUTDEGREE)
            sb_printf(out, "(k=%lld)", (long long)pj->conn.k);
        if (pj->conn.kind == CONN_FIXED_TOTAL)
            sb_printf(out, "(n=%lld)", (long long)pj->conn.k);
        if (pj->conn.kind != CONN_USER)
            sb_printf(out, " autapses=%d multapses=%d", pj->conn.autapses, pj->conn.multapses);
        if (pj->format != FORMAT_SPARSE)
            sb_printf(out, " format=%s", pj->format == FORMAT_DENSE ? "dense" : "procedural");
        if (pj->pre_input)
            sb_printf(out, " pre_input=%s", pj->pre_input);
        sb_puts(out, " weight=");
        dump_init(out, &pj->weight);
        if (pj->delay_init.kind != INIT_CONSTANT) {
            sb_puts(out, " delay=");
            dump_init(out, &pj->delay_init);
        } else {
            sb_printf(out, " delay=%.17g", pj->delay);
        }
        dump_psm(out, &pj->psm);
        if (pj->max_row_length)
            sb_printf(out, " max_row_length=%lld", (long long)pj->max_row_length);
        if (pj->row_padding > 0)
            sb_printf(out, " row_padding=%.17g", pj->row_padding);
        sb_putc(out, '\n');
        if (pj->syn)
            dump_synapse(out, pj);
        if (pj->conn.kind == CONN_USER) {
            dump_code(out, "prob", &pj->conn.snip->prob);
            dump_code(out, "condition", &pj->conn.snip->condition);
            dump_code(out, "max_prob", &pj->conn.snip->max_prob);
            dump_code(out, "count", &pj->conn.snip->count);
            dump_code(out, "target", &pj->conn.snip->target);
        }
    }
    for (int i = 0; i < m->n_sources; i++) {
        const CurrentSource *cs = m->sources[i];
        sb_printf(out, "current_source %s -> %s ", cs->name, cs->pop->name);
        switch (cs->kind) {
        case CS_DC:
            sb_printf(out, "dc(amp=%.17g)", cs->amp);
            break;
        case CS_NOISE:
            sb_printf(out, "noise(mean=%.17g, sd=%.17g)", cs->mean, cs->sd);
            break;
        case CS_POISSON:
            sb_printf(out, "poisson_input(rate=%.17g, weight=%.17g)", cs->rate, cs->weight);
            dump_psm(out, &cs->psm);
            break;
        case CS_STEP:
            sb_puts(out, "step_current(");
            for (int k = 0; k < cs->n_steps; k++)
                sb_printf(out, "%s%.17g:%.17g", k ? ", " : "", cs->times[k], cs->amps[k]);
            sb_putc(out, ')');
            break;
        }
        for (int k = 0; k < CSP_COUNT; k++)
            if (cs->runtime[k])
                sb_printf(out, " runtime:%s", cs_param_name((CsParam)k));
        sb_putc(out, '\n');
    }
    for (int i = 0; i < m->n_varrecs; i++) {
        const VarRecord *r = m->varrecs[i];
        sb_printf(out, "record %s.%s every=%d neurons=%lld%s%s\n", varrec_owner(r),
                  varrec_var(r), r->every, (long long)r->count, r->cu ? " over " : "",
                  r->cu && r->pop ? r->pop->name : "");
    }
    for (int i = 0; i < m->n_synrecs; i++) {
        const SynRecord *r = m->synrecs[i];
        sb_printf(out, "record %s.%s every=%d synapses%s%s\n", synrec_owner(r), synrec_var(r),
                  r->every, r->cu ? " of " : "", r->cu ? r->proj->name : "");
    }    for (int i = 0; i < m->n_cus; i++) { /* custom updates, in file (= run) order */
        const CustomUpdate *cu = m->cus[i];
        sb_printf(out, "custom_update %s group=%s every=%d%s at_end=%d%s\n", cu->name, cu->group,
                  cu->every, cu->every_given ? "" : "(default)", cu->at_end ? 1 : 0,
                  cu->at_end_given ? "" : "(default)");
        for (int k = 0; k < cu->n_params; k++)
            sb_printf(out, "    param %s = %.17g%s\n", cu->params[k].name, cu->params[k].value,
                      cu->runtime[k] ? " (runtime)" : "");
        for (int k = 0; k < cu->n_vars; k++) {
            static const char *const red[] = {"none", "sum", "max", "batch_sum", "batch_max"};
            sb_printf(out, "    var %s reduce=%s%s = ", cu->vars[k].name, red[cu->vars[k].reduce],
                      cu->vars[k].shared ? " shared" : "");
            dump_init(out, &cu->vars[k].init);
            sb_putc(out, '\n');
        }
        for (int k = 0; k < cu->n_refs; k++)
            sb_printf(out, "    var_ref %s = %s(%s, %s)\n", cu->refs[k].name,
                      cu->refs[k].rw ? "ref_rw" : "ref", cu->refs[k].target, cu->refs[k].var);
        dump_code(out, "code", &cu->code);
    }
    for (int i = 0; i < m->n_cupds; i++) { /* connectivity updates, in file (= run) order */
        const ConnUpdate *u = m->cupds[i];
        sb_printf(out, "connectivity_update %s projection=%s every=%d group=%s\n", u->name,
                  u->proj_name, u->every, u->group ? u->group : "-");
        for (int k = 0; k < u->n_params; k++)
            sb_printf(out, "    param %s = %.17g\n", u->params[k].name, u->params[k].value);
        dump_code(out, "remove", &u->remove);
        dump_code(out, "count", &u->count);
        dump_code(out, "total", &u->total);
        dump_code(out, "target", &u->target);
        if (u->redraw)
            sb_puts(out, "    redraw\n");
        if (u->candidates)
            sb_puts(out, "    candidates\n");
        dump_code(out, "candidates.count", &u->cand_count);
        dump_code(out, "candidates.total", &u->cand_total);
        dump_code(out, "candidates.remove", &u->cand_remove);
        dump_code(out, "candidates.add", &u->cand_add);
        for (int k = 0; k < u->n_init; k++)
            dump_code(out, arena_printf("init %s", u->init_names[k]), &u->init_code[k]);
    }
}

const char *cs_kind_name(CurrentKind k)
{
    switch (k) {
    case CS_DC: return "dc";
    case CS_STEP: return "step_current";
    case CS_NOISE: return "noise";
    case CS_POISSON: return "poisson_input";
    }
    return "?";
}

const char *cs_param_name(CsParam p)
{
    static const char *const names[CSP_COUNT] = {"amp", "mean", "sd", "rate", "weight"};
    return p >= 0 && p < CSP_COUNT ? names[p] : "?";
}

bool cs_has_param(CurrentKind k, CsParam p)
{
    switch (k) {
    case CS_DC: return p == CSP_AMP;
    case CS_NOISE: return p == CSP_MEAN || p == CSP_SD;
    case CS_POISSON: return p == CSP_RATE || p == CSP_WEIGHT;
    case CS_STEP: return false;
    }
    return false;
}

double cs_param_value(const CurrentSource *cs, CsParam p)
{
    switch (p) {
    case CSP_AMP: return cs->amp;
    case CSP_MEAN: return cs->mean;
    case CSP_SD: return cs->sd;
    case CSP_RATE: return cs->rate;
    case CSP_WEIGHT: return cs->weight;
    case CSP_COUNT: break;
    }
    return 0;
}

double ir_expected_synapses(const Projection *pj)
{
    double npre = (double)pj->pre->n, npost = (double)pj->post->n;
    double self = pj->pre == pj->post && !pj->conn.autapses ? npost : 0;
    switch (pj->conn.kind) {
    case CONN_ALL_TO_ALL: return npre * npost - self;
    case CONN_ONE_TO_ONE: return npost;
    case CONN_FIXED_PROBABILITY: return pj->conn.p * (npre * npost - self);
    case CONN_FIXED_INDEGREE: return (double)pj->conn.k * npost;
    case CONN_FIXED_OUTDEGREE: return (double)pj->conn.k * npre;
    case CONN_FIXED_TOTAL: return (double)pj->conn.k;
    case CONN_USER: return -1;
    case CONN_FROM_LIST: return (double)pj->conn.pre.n_vals;
    case CONN_FROM_MATRIX: return -1; /* how many entries are non-zero is read at run time */
    }
    return -1;
}

uint64_t ir_hash(const Model *m)
{
    StrBuf sb;
    sb_init(&sb);
    ir_dump(&sb, m);
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < sb.len; i++) {
        h ^= (unsigned char)sb.buf[i];
        h *= 0x100000001b3ull;
    }
    sb_release(&sb);
    return h;
}

const char *varrec_var(const VarRecord *r)
{
    return r->cu ? r->cu->vars[r->var].name : r->pop->model->vars[r->var].name;
}

const char *varrec_owner(const VarRecord *r)
{
    return r->cu ? r->cu->name : r->pop->name;
}

const char *synrec_var(const SynRecord *r)
{
    return r->cu ? r->cu->vars[r->var].name : r->proj->syn->vars[r->var].name;
}

const char *synrec_owner(const SynRecord *r)
{
    return r->cu ? r->cu->name : r->proj->name;
}
