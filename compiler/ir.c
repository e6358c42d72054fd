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
    }
    return "?";
}

const char *psm_kind_name(PsmKind k)
{
    switch (k) {
    case PSM_DELTA: return "delta";
    case PSM_EXP_CURR: return "exp_curr";
    }
    return "?";
}

static void dump_init(StrBuf *out, const Init *in)
{
    if (in->kind == INIT_CONSTANT)
        sb_printf(out, "%.17g", in->a);
    else
        sb_printf(out, "%s(%.17g, %.17g)", init_kind_name(in->kind), in->a, in->b);
}

static void dump_code(StrBuf *out, const char *what, const CodeStr *cs)
{
    if (!cs->text)
        return;
    sb_printf(out, "    %s <<\n%s\n    >>\n", what, cs->text);
}

void ir_dump(StrBuf *out, const Model *m)
{
    sb_printf(out, "network %s dt=%.17g seed=%llu precision=%s\n", m->name, m->dt,
              (unsigned long long)m->seed, m->precision == PREC_FLOAT ? "float" : "double");
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        const NeuronModel *nm = p->model;
        sb_printf(out, "population %s size=%lld model=%s record=%s\n", p->name,
                  (long long)p->n, nm->name, p->record_spikes ? "spikes" : "none");
        for (int k = 0; k < nm->n_params; k++)
            sb_printf(out, "    param %s = %.17g\n", nm->params[k].name, p->params[k]);
        for (int k = 0; k < nm->n_vars; k++) {
            sb_printf(out, "    var %s = ", nm->vars[k].name);
            dump_init(out, &p->inits[k]);
            sb_putc(out, '\n');
        }
        dump_code(out, "sim", &nm->sim);
        dump_code(out, "threshold", &nm->threshold);
        dump_code(out, "reset", &nm->reset);
    }
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        sb_printf(out, "projection %s %s -> %s conn=%s", pj->name, pj->pre->name,
                  pj->post->name, conn_kind_name(pj->conn.kind));
        if (pj->conn.kind == CONN_FIXED_PROBABILITY)
            sb_printf(out, "(p=%.17g)", pj->conn.p);
        if (pj->conn.kind == CONN_FIXED_INDEGREE)
            sb_printf(out, "(k=%lld)", (long long)pj->conn.k);
        sb_printf(out, " autapses=%d multapses=%d weight=", pj->conn.autapses,
                  pj->conn.multapses);
        dump_init(out, &pj->weight);
        sb_printf(out, " delay=%.17g psm=%s", pj->delay, psm_kind_name(pj->psm.kind));
        if (pj->psm.kind == PSM_EXP_CURR)
            sb_printf(out, "(tau=%.17g)", pj->psm.tau);
        sb_putc(out, '\n');
    }
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
