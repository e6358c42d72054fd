/*
 * lower.c - the lowering both back ends share (backend.h): the plans of a population (its
 * input accumulators, spike queue depth) and of a projection (index type, weights,
 * expected work), the descriptors libsnnrt takes (snn_init, user-defined initialisers),
 * the exchange interval, and the expansion of a template into a generated file.
 *
 * The C back end (emit_c.c) and the CUDA back end (emit_cuda.c) both call these, so both
 * print the same code for the same model.
 */
#include "backend.h"

#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- pieces ------------------------------------------------------------------------ */

const char *emit_scalar_literal(double v, bool is_float)
{
    StrBuf sb;
    sb_init(&sb);
    code_print_number(&sb, v, is_float);
    char *s = arena_strdup(sb.buf);
    sb_release(&sb);
    return s;
}

static const char *init_kind_c(InitKind k)
{
    switch (k) {
    case INIT_CONSTANT: return "SNN_INIT_CONSTANT";
    case INIT_UNIFORM: return "SNN_INIT_UNIFORM";
    case INIT_NORMAL: return "SNN_INIT_NORMAL";
    case INIT_NORMAL_CLIPPED: return "SNN_INIT_NORMAL_CLIPPED";
    case INIT_LOGNORMAL: return "SNN_INIT_LOGNORMAL";
    case INIT_EXPONENTIAL: return "SNN_INIT_EXPONENTIAL";
    case INIT_CODE: return "SNN_INIT_CODE";
    case INIT_FILE: /* not drawn: read by the builder or pop_init */
    case INIT_ARRAY:
    case INIT_EXPR: return "SNN_INIT_CONSTANT";
    }
    return "SNN_INIT_CONSTANT";
}

/* ---- double-precision draws (initialisers, connectivity code) ----------------------- */

void emit_print_rng_double(void *ud, StrBuf *out, const Sym *sym, char **argv, int argc)
{
    (void)ud;
    if (!strcmp(sym->name, "uniform"))
        sb_puts(out, "snn_rng_uniform(&snn_rng_st)");
    else if (!strcmp(sym->name, "normal"))
        sb_puts(out, "snn_rng_normal(&snn_rng_st)");
    else if (!strcmp(sym->name, "exponential"))
        sb_puts(out, "snn_rng_exponential(&snn_rng_st)");
    else if (!strcmp(sym->name, "poisson"))
        sb_printf(out, "(double)snn_rng_poisson(&snn_rng_st, (double)(%s))", argc ? argv[0] : "0");
    else
        sb_printf(out, "/* unknown rng %s */ 0", sym->name);
}

/* A C double constant; infinities as INFINITY. */
const char *emit_c_double(double v)
{
    if (isinf(v))
        return v > 0 ? "INFINITY" : "-INFINITY";
    return arena_printf("%.17g", v);
}

/* ---- user-defined initialisers (initialiser{}) ----------------------------------------
 * Each use (an initialiser with its parameter values) becomes one C function of (seed,
 * stream, element, draw) with its own Philox stream: the value is a pure function of those,
 * as for the built-in kinds, so it does not depend on ranks or threads.  emit_c_init emits
 * the functions into g_initfns on first use; emit_c_scope collects them for the template
 * (emit_initfns_begin, emit_initfns_end). */

typedef struct InitFn {
    const InitSnippet *sn;
    const double *pvals;
    const char *cname;
    bool syn; /* the synapse-variable form (snn_init.code_syn) */
} InitFn;
static InitFn *g_fns;
static int g_nfns, g_capfns;
static StrBuf g_initfns;
static double g_dt;

static void initfn_name(void *ud, StrBuf *out, const Sym *sym)
{
    const InitFn *f = ud;
    switch (sym->kind) {
    case SYM_PARAM: code_print_number(out, f->pvals[sym->index], false); break;
    case SYM_VAR: sb_puts(out, "snn_value"); break;
    case SYM_BUILTIN:
        if (!strcmp(sym->name, "id"))
            sb_puts(out, "((double)snn_elem)");
        else
            code_print_number(out, g_dt, false); /* dt */
        break;
    case SYM_LOCAL: sb_printf(out, "%s_l%d", sym->name, sym->index); break;
    default: sb_puts(out, sym->name); break;
    }
}

/* The C function of one use of an initialiser{}: "<qual> double <cname>(seed, stream,
 * elem, draw)". */
static void write_initfn(StrBuf *o, const InitFn *f, const char *qual)
{
    const InitSnippet *sn = f->sn;
    sb_printf(o, "\n/* initialiser '%s' (%s:%d)", sn->name, sn->loc.file, sn->loc.line);
    for (int i = 0; i < sn->n_params; i++)
        sb_printf(o, "%s%s = %.17g", i ? ", " : " with ", sn->params[i].name, f->pvals[i]);
    const bool rng = code_uses_rng(sn->code.stmts, NULL);
    if (f->syn) { /* a synapse variable: the synapse-keyed stream, id = the target */
        sb_printf(o, " */\n%sdouble %s(uint64_t snn_seed, uint32_t snn_stream, uint32_t "
                     "snn_pre, uint32_t snn_elem, uint32_t snn_ord)\n{\n", qual, f->cname);
        if (rng)
            sb_puts(o, "    snn_rng snn_rng_st;\n"
                       "    snn_rng_init_syn(&snn_rng_st, snn_seed, snn_stream, 0u, snn_pre, "
                       "snn_elem, snn_ord, 0u);\n");
        else
            sb_puts(o, "    (void)snn_seed;\n    (void)snn_stream;\n    (void)snn_pre;\n"
                       "    (void)snn_ord;\n");
    } else {
        sb_printf(o, " */\n%sdouble %s(uint64_t snn_seed, uint32_t snn_stream, uint32_t "
                     "snn_elem, uint32_t snn_draw)\n{\n", qual, f->cname);
        if (rng)
            sb_puts(o, "    snn_rng snn_rng_st;\n"
                       "    snn_rng_init(&snn_rng_st, snn_seed, snn_stream, snn_elem, "
                       "snn_draw);\n");
        else
            sb_puts(o, "    (void)snn_seed;\n    (void)snn_stream;\n    (void)snn_draw;\n");
    }
    sb_puts(o, "    (void)snn_elem;\n    double snn_value = 0.0;\n");
    CodePrinter p = {0};
    p.is_float = false;
    p.name = initfn_name;
    p.rng = emit_print_rng_double;
    p.ud = (void *)f;
    code_print_stmts(o, sn->code.stmts, 4, &p);
    sb_puts(o, "    return snn_value;\n}\n");
}

static const char *initfn_for(const Init *in, bool syn)
{
    for (int i = 0; i < g_nfns; i++)
        if (g_fns[i].sn == in->snip && g_fns[i].pvals == in->pvals && g_fns[i].syn == syn)
            return g_fns[i].cname;
    g_fns = arena_grow(g_fns, &g_capfns, g_nfns + 1, sizeof *g_fns);
    InitFn *f = &g_fns[g_nfns];
    *f = (InitFn){in->snip, in->pvals,
                  arena_printf("snn_initfn_%s_%d", in->snip->name, g_nfns), syn};
    g_nfns++;
    write_initfn(&g_initfns, f, "static ");
    return f->cname;
}

const char *emit_init_function(const Init *in, const char *qual, const char *cname)
{
    InitFn f = {in->snip, in->pvals, cname, false};
    StrBuf sb;
    sb_init(&sb);
    write_initfn(&sb, &f, qual);
    char *s = arena_strdup(sb.buf);
    sb_release(&sb);
    return s;
}

void emit_initfns_begin(const Model *m)
{
    g_fns = NULL;
    g_nfns = g_capfns = 0;
    g_dt = m->dt;
    sb_init(&g_initfns);
}

const char *emit_initfns_end(void)
{
    const char *s = arena_strdup(g_initfns.buf ? g_initfns.buf : "");
    sb_release(&g_initfns);
    return s;
}

/* "{.kind = SNN_INIT_UNIFORM, .a = 0, .b = 20, .lo = ..., .hi = ..., .stream = ...}" */
const char *emit_c_init(const Init *in, const char *stream)
{
    if (in->kind == INIT_CODE)
        return arena_printf("{.kind = SNN_INIT_CODE, .stream = snn_stream_id(\"%s\"), "
                            ".lo = -INFINITY, .hi = INFINITY, .code = %s}", stream,
                            initfn_for(in, false));
    return arena_printf("{.kind = %s, .a = %s, .b = %s, .stream = snn_stream_id(\"%s\"), "
                        ".lo = %s, .hi = %s}", init_kind_c(in->kind), emit_c_double(in->a),
                        emit_c_double(in->b), stream, emit_c_double(in->lo), emit_c_double(in->hi));
}

/* The initialiser of a synapse variable (snn_init_synapses: synapse-keyed). */
const char *emit_c_init_syn(const Init *in, const char *stream)
{
    if (in->kind == INIT_CODE)
        return arena_printf("{.kind = SNN_INIT_CODE, .stream = snn_stream_id(\"%s\"), "
                            ".lo = -INFINITY, .hi = INFINITY, .code_syn = %s}", stream,
                            initfn_for(in, true));
    return emit_c_init(in, stream);
}

/* ---- plans: inputs, queues, projections ------------------------------------------- */

/* The input accumulators of a population (Inputs, backend.h). */
Inputs emit_inputs_of(const Model *m, const Population *p)
{
    Inputs in = {0};
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        if (pj->post != p)
            continue;
        if (pj->input_slot + 1 > in.n)
            in.n = pj->input_slot + 1;
        in.psm[pj->input_slot] = &pj->psm;
        in.dendritic[pj->input_slot] |= pj->het_delay;
    }
    for (int i = 0; i < m->n_sources; i++) {
        const CurrentSource *cs = m->sources[i];
        if (cs->pop != p || cs->input_slot < 0)
            continue;
        if (cs->input_slot + 1 > in.n)
            in.n = cs->input_slot + 1;
        in.psm[cs->input_slot] = &cs->psm;
    }
    return in;
}

/* Spike queue depth: the longest delay of a projection leaving p (at least 1). */
int emit_n_slots(const Model *m, const Population *p)
{
    int n = 1;
    for (int i = 0; i < m->n_projs; i++)
        if (m->projs[i]->pre == p && m->projs[i]->delay_steps > n)
            n = m->projs[i]->delay_steps;
    return n;
}

const char *emit_ind_type(const Projection *pj)
{
    return pj->post->n <= 65536 ? "uint16_t" : "uint32_t";
}

bool emit_per_synapse_weight(const Projection *pj)
{
    return pj->weight.kind != INIT_CONSTANT || pj->syn;
}

/* ---- the file ------------------------------------------------------------------------ */

const char *emit_take(StrBuf *sb)
{
    /* drop one trailing newline: templates put the value on its own line */
    if (sb->len && sb->buf[sb->len - 1] == '\n')
        sb->buf[--sb->len] = '\0';
    char *s = arena_strdup(sb->buf);
    sb_reset(sb);
    return s;
}

/* Replace each "#line SNN_RESYNC" by a #line naming the generated file's next line, and
 * move every #line directive to column 0 (template re-indentation shifts them). */
static void resync_lines(StrBuf *out, const char *src, const char *fname)
{
    int line = 1;
    const char *p = src;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *q = p;
        while (q < p + n && *q == ' ')
            q++;
        size_t rest = n - (size_t)(q - p);
        if (rest == strlen(EMIT_RESYNC) && !strncmp(q, EMIT_RESYNC, rest))
            sb_printf(out, "#line %d \"%s\"", line + 1, fname);
        else if (rest > 6 && !strncmp(q, "#line ", 6))
            sb_putn(out, q, rest);
        else
            sb_putn(out, p, n);
        if (!nl)
            break;
        sb_putc(out, '\n');
        line++;
        p = nl + 1;
    }
}

static int write_out(const char *dir, const char *fname, const char *data)
{
    const char *path = arena_printf("%s/%s", dir, fname);
    if (write_file_if_changed(path, data, strlen(data)) != 0) {
        diag_error((SrcLoc){path, 0}, "cannot write generated file: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* State arrays are named <pop>_<var>; population "E" with variable "V_x" and population
 * "E_V" with variable "x" would share one name.  Everything else the back end emits
 * starts with snn_, which model names may not. */
int emit_check_state_names(const Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_pops; i++)
        for (int a = 0; a < m->pops[i]->model->n_vars; a++)
            for (int k = 0; k <= i; k++)
                for (int b = 0; b < m->pops[k]->model->n_vars; b++) {
                    if (k == i && b >= a)
                        break;
                    const Population *p = m->pops[i], *q = m->pops[k];
                    const char *x = arena_printf("%s_%s", p->name, p->model->vars[a].name);
                    const char *y = arena_printf("%s_%s", q->name, q->model->vars[b].name);
                    if (!strcmp(x, y)) {
                        diag_error(p->loc, "population '%s' variable '%s' and population '%s' "
                                           "variable '%s' would both be stored as '%s'; "
                                           "rename one", p->name, p->model->vars[a].name,
                                   q->name, q->model->vars[b].name, x);
                        errs++;
                    }
                }
    return errs;
}

/* The work of building a projection, in synapses: ir_expected_synapses, and for a
 * user-defined rule or a matrix from a file a guess (the pair form's work is per pair, the
 * row form is guessed at 100 per row, a matrix at one pair in ten). */
double emit_expected_work(const Projection *pj)
{
    double n = ir_expected_synapses(pj);
    if (n >= 0)
        return n;
    if (pj->conn.kind == CONN_FROM_MATRIX)
        return 0.1 * (double)pj->pre->n * (double)pj->post->n; /* a guess */
    return pj->conn.snip->row_form ? 100.0 * (double)pj->pre->n
                                   : (double)pj->pre->n * (double)pj->post->n;
}

/* Expand a template, point the #line SNN_RESYNC markers at the generated file, write it. */
int emit_expand_write(TmplScope *g, const char *tmpl, const char *dir, const char *fname)
{
    const char *src = tmpl_get(tmpl);
    if (!src)
        return -1;
    StrBuf sb;
    sb_init(&sb);
    if (tmpl_expand(&sb, src, tmpl, g) != 0) {
        sb_release(&sb);
        return -1;
    }
    StrBuf fin;
    sb_init(&fin);
    resync_lines(&fin, sb.buf, fname);
    sb_release(&sb);
    int rc = write_out(dir, fname, fin.buf);
    sb_release(&fin);
    return rc;
}

/* Steps between spike exchanges of an MPI run: the shortest delay in steps (1 with
 * per-synapse delays, which are delivered from the step after the spike), and 1 when a
 * weight update model has presynaptic spike code.  Its presynaptic variables are read by
 * on_post and on_pre in every step after the spike, for every source with synapses on a
 * rank, and written in the spike's step: each rank updates its own copy of them, so it
 * needs every step's spikes by the end of that step (docs/parallel.md, "Weight update
 * models"). */
int emit_exchange_interval(const Model *m)
{
    int interval = 0;
    for (int i = 0; i < m->n_projs; i++) {
        int d = m->projs[i]->het_delay ? 1 : m->projs[i]->delay_steps;
        if (d < 1)
            d = 1;
        if (m->projs[i]->syn && m->projs[i]->syn_code[SC_PRE_SPIKE].stmts)
            d = 1;
        if (interval == 0 || d < interval)
            interval = d;
    }
    return interval ? interval : 1;
}
