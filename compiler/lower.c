/*
 * lower.c - the lowering both back ends share (backend.h): the code printer for the model's
 * code strings (names, random draws, add_to_post/add_to_pre), the plans of a population
 * (its input accumulators, spike queue depth) and of a projection (index type, weights,
 * expected work), the descriptors libsnnrt takes (snn_init, user-defined initialisers),
 * the neuron update (the per-step prologue and the body of the loop for one neuron), the
 * weight update model code (per synapse and per neuron, with their random streams), and
 * the expansion of a template into a generated file.
 *
 * The C back end (emit_c.c) wraps these pieces in its loops over thread blocks; the CUDA
 * back end (emit_cuda.c) runs the same per-neuron and per-synapse code on the device, one
 * thread per neuron or synapse, so both print the same code for the same model.
 */
#include "backend.h"

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct Ctx {
    const Model *m;
    const Population *pop;   /* population whose code is printed */
    bool is_float;
    const Projection *proj;  /* or: projection whose synapse code is printed */
} Ctx;

/* Batched models (network{ batch }): the step's draws use the lane's stream, the global
 * lane snn_lane of the generated code (docs/architecture.md "Batch lanes"); others keep
 * lane 0's calls exactly. */
static bool lower_lanes;
#define LANE_FN (lower_lanes ? "_lane" : "")
#define LANE_ARG (lower_lanes ? ", snn_lane" : "")

void lower_set_lanes(bool on)
{
    lower_lanes = on;
}

/* The C back end's neuron loops: the first Philox block of each neuron's stream computed
 * for a chunk of neurons at once (snn_rng_first_blocks into snn_pw0..3, chunk from snn_c0),
 * the neuron's stream started from it (snn_rng_init_first); lane 0 only. */
static bool lower_rng_first;

bool lower_set_rng_first(bool on)
{
    lower_rng_first = on && !lower_lanes;
    return lower_rng_first;
}

/* A constant-rate Poisson current source below 10 spikes per step takes one 32-bit word
 * per neuron and step, word (e & 3) of a Philox block shared by four consecutive neurons
 * (snn_rng_quad_word, layout version 3), and counts its spikes from it (snn_poisson_word).
 * In the C back end's neuron loops (lower_poisson_words; lane 0 only) the words come from a
 * chunk's batch (snn_rng_quad_words into snn_cw_<source>, chunk from snn_c0) and the counts
 * from thresholds on them (snn_poisson_count on snn_cpt_<source>, filled once per call by
 * snn_poisson_thresholds, into snn_cn_<source> before the neuron loop: emit_c.c): the same
 * count as snn_poisson_word, bit for bit. */
static const Population *lower_pois_pop;

static bool poisson_quad(const Model *m, const CurrentSource *cs)
{
    if (cs->kind != CS_POISSON || cs->runtime[CSP_RATE])
        return false;
    const double lambda = cs->rate * m->dt * 1e-3;
    return lambda > 0.0 && lambda < 10.0;
}

bool lower_poisson_words(const Model *m, const CurrentSource *cs)
{
    return !lower_lanes && poisson_quad(m, cs);
}

bool lower_set_pois_first(const Model *m, const Population *p)
{
    lower_pois_pop = NULL;
    for (int i = 0; p && i < m->n_sources; i++)
        if (m->sources[i]->pop == p && lower_poisson_words(m, m->sources[i]))
            lower_pois_pop = p;
    return lower_pois_pop != NULL;
}

/* The C back end's runs of short sparse rows (emit_c.c, proj_syn_dynamics_run): the
 * synapse code reads each pre and post variable (projection's or neuron's) from a buffer
 * snn_gv<j>[snn_i] that the run gathered from the array before the loop; lower_gather_*
 * collect those arrays (each once, in the order of their first use). */
static struct {
    bool on, full;
    int n;
    const char *arr[LOWER_GATHER_MAX];
    bool post[LOWER_GATHER_MAX];
} lower_g;

void lower_gather_begin(void)
{
    memset(&lower_g, 0, sizeof lower_g);
    lower_g.on = true;
}

int lower_gather_end(void)
{
    lower_g.on = false;
    return lower_g.n;
}

const char *lower_gather_array(int j, bool *post)
{
    *post = lower_g.post[j];
    return lower_g.arr[j];
}

/* arr[snn_pre] (post: arr[snn_post]) in gather mode: its buffer; false when not gathering
 * or when the buffers are all taken (then the array is read through the index) */
static bool gather_ref(StrBuf *out, const char *arr, bool post)
{
    if (!lower_g.on)
        return false;
    int j = 0;
    while (j < lower_g.n && !(lower_g.post[j] == post && !strcmp(lower_g.arr[j], arr)))
        j++;
    if (j == lower_g.n) {
        if (j == LOWER_GATHER_MAX)
            return false;
        lower_g.arr[j] = arena_printf("%s", arr);
        lower_g.post[j] = post;
        lower_g.n++;
    }
    sb_printf(out, "snn_gv%d[snn_i]", j);
    return true;
}

/* arr[snn_pre] (post: arr[snn_post]), or its gathered buffer in a run */
static void var_ref(StrBuf *out, const char *arr, bool post)
{
    if (!gather_ref(out, arr, post))
        sb_printf(out, "%s[%s]", arr, post ? "snn_post" : "snn_pre");
}

/* ---- printing names and rng calls inside code strings -------------------------------- */

static void print_name(void *ud, StrBuf *out, const Sym *sym)
{
    Ctx *c = ud;
    switch (sym->kind) {
    case SYM_PARAM:
        if (!c->proj && c->pop->runtime[sym->index])
            sb_printf(out, "snn_rpv_%s", sym->name); /* runtime parameter, read per step */
        else if (c->proj && c->proj->syn_runtime[sym->index])
            sb_printf(out, "((scalar)snn_rps_%s_%s)", c->proj->name, sym->name); /* runtime */
        else
            code_print_number(out, c->proj ? c->proj->syn_params[sym->index]
                                           : c->pop->params[sym->index], c->is_float);
        break;
    case SYM_PRE:
        var_ref(out, arena_printf("snn_pv_%s_%s", c->proj->name, sym->name), false);
        break;
    case SYM_POST:
        var_ref(out, arena_printf("snn_qv_%s_%s", c->proj->name, sym->name), true);
        break;
    case SYM_SYN:
        sb_puts(out, sym->name);
        break;
    case SYM_PRE_NEURON: /* a source's variable: every source is local (no --mpi) */
        var_ref(out, arena_printf("%s_%s", c->proj->pre->name,
                                  c->proj->pre->model->vars[sym->index].name), false);
        break;
    case SYM_POST_NEURON: /* snn_post: this rank's index of the target */
        var_ref(out, arena_printf("%s_%s", c->proj->post->name,
                                  c->proj->post->model->vars[sym->index].name), true);
        break;
    case SYM_BUILTIN:
        if (!strcmp(sym->name, "dt"))
            code_print_number(out, c->m->dt, c->is_float);
        else if (c->proj && !strcmp(sym->name, "t")) /* synapse code: from the step */
            sb_puts(out, "((scalar)((double)step * SNN_DT))");
        else if (c->proj && !strcmp(sym->name, "id_pre")) /* sources: global indices */
            sb_puts(out, "((scalar)snn_pre)");
        else if (c->proj && !strcmp(sym->name, "id_post")) /* targets: global indices */
            /* through uint32_t (the same value: a population's indices are 32-bit): snn_post
             * is 64-bit in the dense row loop, and gcc does not vectorise a 64-bit integer's
             * conversion to floating point without AVX-512 */
            sb_printf(out, "((scalar)(uint32_t)(SNN_LO_%s + snn_post))", c->proj->post->name);
        else if (sym->index == 5 || sym->index == 6) { /* label, example: the data set's */
            const Population *d = NULL;
            for (int i = 0; i < c->m->n_pops && !d; i++)
                if (c->m->pops[i]->model->dataset)
                    d = c->m->pops[i];
            sb_printf(out, "((scalar)snn_ds%c_%s[%s / snn_dsn_%s])", sym->index == 5 ? 'l' : 'e',
                      d->name, c->proj ? "step" : "snn_step", d->name);
        } else if (!strcmp(sym->name, "id")) /* global index: the same on every rank/thread */
            sb_printf(out, "((scalar)(SNN_LO_%s + snn_i))", c->pop->name);
        else
            sb_puts(out, sym->name);
        break;
    case SYM_INPUT: /* Isyn, or an additional input (a local of the update, prefixed so
                     * that it cannot meet the generated code's own locals) */
        if (sym->index == 0)
            sb_puts(out, "Isyn");
        else
            sb_printf(out, "snn_inp_%s", sym->name);
        break;
    case SYM_LOCAL: {
        /* a local may shadow a parameter or variable in the code string; in C it must
         * not, or "scalar V = V * 2;" would read itself */
        bool clash = !strcmp(sym->name, "t") || !strcmp(sym->name, "Isyn");
        if (c->proj) {
            const SynapseModel *sm = c->proj->syn;
            for (int i = 0; i < sm->n_vars; i++)
                clash |= !strcmp(sym->name, sm->vars[i].name);
            clash |= !strncmp(sym->name, "snn_", 4) || !strcmp(sym->name, "step");
            /* the pre and post neurons' state arrays, <pop>_<var> (V_pre, V_post) */
            const Population *pp[2] = {c->proj->pre, c->proj->post};
            for (int k = 0; k < 2; k++) {
                size_t l = strlen(pp[k]->name);
                clash |= !strncmp(sym->name, pp[k]->name, l) && sym->name[l] == '_';
            }
        } else {
            const NeuronModel *nm = c->pop->model;
            for (int i = 0; i < nm->n_vars; i++)
                clash |= !strcmp(sym->name, nm->vars[i].name);
            for (int i = 0; i < nm->n_params; i++)
                clash |= !strcmp(sym->name, nm->params[i].name);
        }
        if (clash)
            sb_printf(out, "%s_l%d", sym->name, sym->index);
        else
            sb_puts(out, sym->name);
        break;
    }
    default:
        sb_puts(out, sym->name);
        break;
    }
}

/* name[idx] of an extra global parameter: one value per neuron, compiled in; an index
 * outside [0, n) (or NaN) reads 0. */
static void print_index(void *ud, StrBuf *out, const Sym *sym, const char *idx)
{
    Ctx *c = ud;
    if (c->proj) { /* synapse code: name_pre / name_post, the side in the index's bit 16 */
        const Population *p = sym->index >> 16 ? c->proj->post : c->proj->pre;
        const char *e = p->model->egps[sym->index & 0xffff];
        sb_printf(out, "snn_egp_at(snn_egp_%s_%s, SNN_N_%s, (double)(%s))", p->name, e, p->name,
                  idx);
        return;
    }
    sb_printf(out, "snn_egp_at(snn_egp_%s_%s, SNN_N_%s, (double)(%s))", c->pop->name, sym->name,
              c->pop->name, idx);
}

/* add_to_post(x) (side 0): into the projection's input accumulator of the synapse's
 * target, snn_in[snn_k] (the thread's slice, the target's index in the block), as a
 * delivered weight; add_to_pre(x) (side 1): into the exact accumulator of the synapse's
 * source in the thread block's slice, snn_apre (snn_xacc.h; phase pre_inputs rounds the
 * sums).  Printed as the macros SNN_ADD_TO_POST / SNN_ADD_TO_PRE of each back end's
 * template. */
static int lower_add_pre_row;

void lower_set_add_pre_row(int mode)
{
    lower_add_pre_row = mode;
}

static void add_to_code(StrBuf *out, int side, const char *x)
{
    /* macros of the templates: the C back end adds in place, the CUDA back end with
     * atomics (templates/c/model.c.tmpl, templates/cuda/model.cu.tmpl) */
    if (side == 0)
        sb_printf(out, "SNN_ADD_TO_POST(snn_k, (scalar)(%s))", x);
    else
        sb_printf(out, "%s(snn_pre, (double)(%s))",
                  lower_add_pre_row == 2   ? "SNN_ADD_TO_PRE_BUF"
                  : lower_add_pre_row == 1 ? "SNN_ADD_TO_PRE_ROW"
                                           : "SNN_ADD_TO_PRE", x);
}

/* poisson(lambda) in a code string with a lambda of numbers only (parameters print as
 * numbers; a runtime parameter or a variable prints a name): in the C back end
 * (lower_ptabs_begin(true)) the count comes from integer thresholds computed once, at the
 * start of model_build, into a table at file scope (snn_ptab<k>, one per distinct lambda
 * text; snn_poisson_table) and compared with the stream's word in SIMD lanes
 * (snn_rng_poisson_table): snn_poisson_count on snn_poisson_thresholds is the same
 * function of the word as snn_poisson_word (tests/unit/test_rt_rng.c), so every draw is
 * the same, bit for bit, with half the compares per word of the double CDF search
 * (Brunel's update -20 %).  The CUDA back end keeps snn_rng_poisson. */
static bool g_ptab_on;
static const char **g_ptab;
static int g_n_ptab, g_ptab_cap;

void lower_ptabs_begin(bool on)
{
    g_ptab_on = on;
    g_ptab = NULL; /* (the arena may have been freed since the last model) */
    g_n_ptab = g_ptab_cap = 0;
}

/* Whether the text is numbers, operators and parentheses only (no name, no call). */
static bool numbers_only(const char *s)
{
    bool num = false;
    for (const char *q = s; *q;) {
        if (isdigit((unsigned char)*q) || (*q == '.' && isdigit((unsigned char)q[1]))) {
            const char *b = q;
            while (isalnum((unsigned char)*q) || *q == '.' ||
                   ((*q == '+' || *q == '-') && q > b && strchr("eEpP", q[-1])))
                q++;
            num = true;
        } else if (strchr("+-*/() \t", *q)) {
            q++;
        } else {
            return false;
        }
    }
    return num;
}

static int ptab_index(const char *lambda)
{
    for (int k = 0; k < g_n_ptab; k++)
        if (!strcmp(g_ptab[k], lambda))
            return k;
    g_ptab = arena_grow(g_ptab, &g_ptab_cap, g_n_ptab + 1, sizeof *g_ptab);
    g_ptab[g_n_ptab] = arena_strdup(lambda);
    return g_n_ptab++;
}

/* The tables' declarations (file scope, before the code that uses them) and their
 * filling (model_build); ends the collection. */
void lower_ptabs_end(const char **decls, const char **init)
{
    StrBuf d, i;
    sb_init(&d);
    sb_init(&i);
    for (int k = 0; k < g_n_ptab; k++) {
        sb_printf(&d, "/* a constant poisson() of code strings: its count thresholds */\n"
                      "static int32_t snn_ptab%d[SNN_POISSON_TMAX];\n", k);
        sb_printf(&i, "    snn_poisson_table((double)(%s), snn_ptab%d);\n", g_ptab[k], k);
    }
    *decls = arena_strdup(d.buf);
    *init = arena_strdup(i.buf);
    sb_release(&d);
    sb_release(&i);
    g_ptab_on = false;
    g_n_ptab = 0;
}

/* A draw of model precision from snn_rng_st (neuron, synapse and custom-update code). */
void emit_print_rng_scalar(StrBuf *out, const char *name, bool is_float, char **argv, int argc)
{
    const char *f = is_float ? "f" : "";
    if (!strcmp(name, "uniform"))
        sb_printf(out, "snn_rng_uniform%s(&snn_rng_st)", f);
    else if (!strcmp(name, "normal"))
        sb_printf(out, "snn_rng_normal%s(&snn_rng_st)", f);
    else if (!strcmp(name, "exponential"))
        sb_puts(out, "(scalar)snn_rng_exponential(&snn_rng_st)");
    else if (!strcmp(name, "poisson") && g_ptab_on && argc && numbers_only(argv[0]))
        sb_printf(out, "(scalar)snn_rng_poisson_table(&snn_rng_st, (double)(%s), snn_ptab%d)",
                  argv[0], ptab_index(argv[0]));
    else if (!strcmp(name, "poisson"))
        sb_printf(out, "(scalar)snn_rng_poisson(&snn_rng_st, (double)(%s))", argc ? argv[0] : "0");
    else
        sb_printf(out, "/* unknown rng %s */ 0", name);
}

static void print_rng(void *ud, StrBuf *out, const Sym *sym, char **argv, int argc)
{
    Ctx *c = ud;
    if (sym->kind == SYM_ADDTO) { /* add_to_post / add_to_pre (add_to_code) */
        add_to_code(out, sym->index, argc ? argv[0] : "0");
        return;
    }
    emit_print_rng_scalar(out, sym->name, c->is_float, argv, argc);
}

static CodePrinter printer(Ctx *c, const CodeStr *cs, const EmitOptions *opt)
{
    CodePrinter p = {0};
    p.is_float = c->is_float;
    p.name = print_name;
    p.rng = print_rng;
    p.index = print_index;
    p.ud = c;
    if (opt->line_directives) {
        p.line_file = cs->loc.file;
        p.line_base = cs->loc.line;
    }
    return p;
}

/* The printer of population p's code without #line directives (initial values from code). */
CodePrinter emit_pop_printer(const Model *m, const Population *p)
{
    Ctx *c = arena_alloc(sizeof *c);
    *c = (Ctx){m, p, m->precision == PREC_FLOAT, NULL};
    CodePrinter pr = {0};
    pr.is_float = c->is_float;
    pr.name = print_name;
    pr.rng = print_rng;
    pr.index = print_index;
    pr.ud = c;
    return pr;
}

/* ---- pieces -------------------------------------------------------------------------- */

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

/* ---- double-precision draws (initialisers, connectivity code) ------------------------ */

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

/* ---- plans: inputs, queues, projections ---------------------------------------------- */

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

/* ---- neuron update ------------------------------------------------------------------- */

/* Value of a step current at time t (start of the step): the last amplitude whose start
 * time has passed, 0 before the first. */
/* The amplitude of the last step in [lo, hi) whose time is <= t, else dflt: a chain of
 * comparisons for a few steps, else a binary search as nested conditionals (the times
 * increase), so a long stimulus costs log2(n) comparisons per step, not n. */
static void step_current_range(StrBuf *o, const CurrentSource *cs, bool is_float, int lo,
                               int hi, const char *dflt)
{
    if (hi - lo <= 4) {
        for (int k = hi - 1; k >= lo; k--)
            sb_printf(o, "t >= %s ? %s : ", emit_scalar_literal(cs->times[k], is_float),
                      emit_scalar_literal(cs->amps[k], is_float));
        sb_puts(o, dflt);
        return;
    }
    const int mid = lo + (hi - lo) / 2;
    sb_printf(o, "(t >= %s ? (", emit_scalar_literal(cs->times[mid], is_float));
    step_current_range(o, cs, is_float, mid + 1, hi, emit_scalar_literal(cs->amps[mid], is_float));
    sb_puts(o, ") : (");
    step_current_range(o, cs, is_float, lo, mid, dflt);
    sb_puts(o, "))");
}

static void step_current_expr(StrBuf *o, const CurrentSource *cs, bool is_float)
{
    if (cs->n_steps <= 16) { /* the last step whose time has come */
        for (int k = cs->n_steps - 1; k >= 0; k--)
            sb_printf(o, "t >= %s ? %s : ", emit_scalar_literal(cs->times[k], is_float),
                      emit_scalar_literal(cs->amps[k], is_float));
        sb_puts(o, emit_scalar_literal(0, is_float));
        return;
    }
    step_current_range(o, cs, is_float, 0, cs->n_steps, emit_scalar_literal(0, is_float));
}

/* A current source parameter in the neuron loop: a literal, or the per-step copy of its
 * runtime value (pop_update_prologue). */
static const char *cs_value(const CurrentSource *cs, CsParam k, bool is_float)
{
    if (cs->runtime[k])
        return arena_printf("snn_csv_%s_%s", cs->name, cs_param_name(k));
    return emit_scalar_literal(cs_param_value(cs, k), is_float);
}

/* Per-step values of a population's update, printed before its neuron loop: the RNG
 * streams, t, runtime parameters, the dendritic ring rows that arrive this step, step
 * currents and restrict pointers to the state.  Shared with the CUDA back end, which prints
 * them at the top of its update kernel. */
void emit_update_prologue(StrBuf *o, const Model *m, const Population *p)
{
    const NeuronModel *nm = p->model;
    bool f = m->precision == PREC_FLOAT;
    bool rng = code_uses_rng(nm->sim.stmts, NULL) || code_uses_rng(NULL, nm->threshold.expr) ||
               code_uses_rng(nm->reset.stmts, NULL);
    if (rng)
        sb_printf(o, "const uint32_t snn_stream = snn_stream_id(\"neuron:%s\");\n", p->name);
    sb_printf(o, "const scalar t = (scalar)((double)snn_step * SNN_DT);\n");
    sb_printf(o, "(void)t;\n");
    for (int k = 0; k < nm->n_params; k++)
        if (p->runtime[k])
            sb_printf(o, "const scalar snn_rpv_%s = (scalar)snn_rp_%s_%s; /* runtime */\n"
                         "(void)snn_rpv_%s;\n", nm->params[k].name, p->name,
                      nm->params[k].name, nm->params[k].name);
    Inputs in = emit_inputs_of(m, p);
    for (int k = 0; k < in.n; k++)
        if (in.dendritic[k])
            sb_printf(o, "scalar *restrict snn_ddrow%d = snn_dd%d_%s + (size_t)(snn_step %% "
                         "snn_ddn%d_%s) * SNN_NL_%s;\n", k, k, p->name, k, p->name, p->name);
    for (int i = 0; i < m->n_sources; i++) {
        const CurrentSource *cs = m->sources[i];
        if (cs->pop != p)
            continue;
        if (cs->kind == CS_STEP) {
            sb_printf(o, "const scalar snn_cs_%s = ", cs->name);
            step_current_expr(o, cs, f);
            sb_puts(o, ";\n");
        }
        if (cs->kind == CS_NOISE || cs->kind == CS_POISSON)
            sb_printf(o, "const uint32_t snn_cs_stream_%s = snn_stream_id(\"cs:%s\");\n",
                      cs->name, cs->name);
        for (int k = 0; k < CSP_COUNT; k++) {
            if (!cs->runtime[k])
                continue;
            const char *pn = cs_param_name((CsParam)k);
            if (k == CSP_RATE) /* spikes per step, in double like the literal it replaces */
                sb_printf(o, "const double snn_csv_%s_rate = snn_rpc_%s_rate * %s; /* runtime */\n",
                          cs->name, cs->name, emit_c_double(m->dt * 1e-3));
            else
                sb_printf(o, "const scalar snn_csv_%s_%s = (scalar)snn_rpc_%s_%s; /* runtime */\n",
                          cs->name, pn, cs->name, pn);
            sb_printf(o, "(void)snn_csv_%s_%s;\n", cs->name, pn);
        }
    }
    for (int k = 0; k < nm->n_vars; k++)
        sb_printf(o, "scalar *restrict snn_v_%s = %s_%s;\n", nm->vars[k].name, p->name,
                  nm->vars[k].name);
    sb_printf(o, "uint8_t *restrict snn_flag = snn_flag_%s;\n", p->name);
}

/* In the update of population p, with its inputs: the add_to_pre sums of the projections
 * leaving it (rounded at the end of the previous step) into their pre_input. */
static void add_to_pre_reads(StrBuf *o, const Model *m, const Population *p)
{
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        if (pj->pre != p || !pj->add_pre)
            continue;
        const char *dest = pj->pre_input_index < 0
                               ? "Isyn"
                               : arena_printf("snn_inp_%s",
                                              p->model->inputs[pj->pre_input_index]);
        sb_printf(o, "    %s += snn_pin_%s[snn_i]; /* add_to_pre of projection '%s' */\n", dest,
                  pj->name, pj->name);
    }
}

/* The body of the neuron loop for neuron snn_i, indented by 4: load the state into locals,
 * add the inputs arriving this step, sum Isyn, run the sim code, test the threshold (snn_fire
 * stays in scope when there is one), run the reset, set snn_flag[snn_i], store the state.
 * Shared with the CUDA back end (one thread per neuron). */
void emit_update_body(StrBuf *o, const Model *m, const Population *p,
                            const EmitOptions *opt)
{
    const NeuronModel *nm = p->model;
    Ctx c = {m, p, m->precision == PREC_FLOAT, NULL};
    bool f = c.is_float;
    bool rng = code_uses_rng(nm->sim.stmts, NULL) || code_uses_rng(NULL, nm->threshold.expr) ||
               code_uses_rng(nm->reset.stmts, NULL);
    Inputs in = emit_inputs_of(m, p);
    for (int k = 0; k < nm->n_vars; k++)
        sb_printf(o, "    scalar %s = snn_v_%s[snn_i];\n", nm->vars[k].name, nm->vars[k].name);

    /* inputs arriving this step: Poisson sources, then dendritic delays */
    for (int i = 0; i < m->n_sources; i++) {
        const CurrentSource *cs = m->sources[i];
        if (cs->pop != p || cs->kind != CS_POISSON)
            continue;
        sb_printf(o, "    { /* current_source '%s': Poisson input, %g Hz x %g */\n", cs->name,
                  cs->rate, cs->weight);
        if (lower_pois_pop == p && lower_poisson_words(m, cs)) {
            sb_printf(o, "        snn_in%d_%s[snn_i] += %s * (scalar)snn_cn_%s[snn_i - snn_c0];"
                         "\n    }\n", cs->input_slot, p->name, cs_value(cs, CSP_WEIGHT, f),
                      cs->name);
            continue;
        }
        if (poisson_quad(m, cs)) {
            sb_printf(o, "        snn_in%d_%s[snn_i] += %s * (scalar)snn_poisson_word("
                         "snn_rng_quad_word(snn_r->seed, snn_cs_stream_%s, SNN_LO_%s + snn_i, "
                         "snn_step, %s), %s);\n    }\n", cs->input_slot, p->name,
                      cs_value(cs, CSP_WEIGHT, f), cs->name, p->name,
                      lower_lanes ? "snn_lane" : "0u",
                      emit_c_double(cs->rate * m->dt * 1e-3));
            continue;
        }
        sb_puts(o, "        snn_rng snn_g;\n");
        sb_printf(o, "        snn_rng_init%s(&snn_g, snn_r->seed, snn_cs_stream_%s, SNN_LO_%s + "
                     "snn_i, snn_step%s);\n", LANE_FN, cs->name, p->name, LANE_ARG);
        sb_printf(o, "        snn_in%d_%s[snn_i] += %s * (scalar)snn_rng_poisson(&snn_g, %s);\n",
                  cs->input_slot, p->name, cs_value(cs, CSP_WEIGHT, f),
                  cs->runtime[CSP_RATE] ? arena_printf("snn_csv_%s_rate", cs->name)
                                        : emit_c_double(cs->rate * m->dt * 1e-3));
        sb_puts(o, "    }\n");
    }
    for (int k = 0; k < in.n; k++)
        if (in.dendritic[k])
            sb_printf(o, "    snn_in%d_%s[snn_i] += snn_ddrow%d[snn_i];\n"
                         "    snn_ddrow%d[snn_i] = 0;\n", k, p->name, k, k);

    sb_puts(o, "    scalar Isyn = 0;\n");
    for (int k = 0; k < nm->n_inputs; k++)
        sb_printf(o, "    scalar snn_inp_%s = 0; /* input '%s' */\n", nm->inputs[k],
                  nm->inputs[k]);
    for (int k = 0; k < in.n; k++) {
        const Psm *ps = in.psm[k];
        /* where this accumulator's current goes: Isyn or an additional input */
        const char *dest = ps->to_input ? arena_printf("snn_inp_%s", ps->target) : "Isyn";
        const char *decay = emit_scalar_literal(exp(-m->dt / ps->tau), f);
        const char *mean_factor =
            emit_scalar_literal(-expm1(-m->dt / ps->tau) * ps->tau / m->dt, f);
        switch (ps->kind) {
        case PSM_DELTA:
            if (ps->target && !ps->to_input)
                sb_printf(o, "    %s += snn_in%d_%s[snn_i]; /* into variable '%s' */\n",
                          ps->target, k, p->name, ps->target);
            else
                sb_printf(o, "    %s += snn_in%d_%s[snn_i];\n", dest, k, p->name);
            sb_printf(o, "    snn_in%d_%s[snn_i] = 0; /* delta: one step */\n", k, p->name);
            break;
        case PSM_EXP_CURR:
            /* the mean of the decaying current over the step, so that a spike delivers
             * the exact charge w tau (GeNN does the same) */
            sb_printf(o, "    %s += snn_in%d_%s[snn_i] * %s; /* (tau/dt)(1 - exp(-dt/tau)) */\n",
                      dest, k, p->name, mean_factor);
            sb_printf(o, "    snn_in%d_%s[snn_i] *= %s; /* exp(-dt / %g) */\n", k, p->name,
                      decay, ps->tau);
            break;
        case PSM_EXP_COND:
            sb_printf(o, "    %s += snn_in%d_%s[snn_i] * %s * (%s - %s); /* mean conductance "
                         "over the step, E = %g */\n",
                      dest, k, p->name, mean_factor, emit_scalar_literal(ps->E, f), ps->V, ps->E);
            sb_printf(o, "    snn_in%d_%s[snn_i] *= %s; /* exp(-dt / %g) */\n", k, p->name,
                      decay, ps->tau);
            break;
        case PSM_ALPHA_CURR:
            sb_printf(o, "    { /* alpha current, tau %g: x' = -x/tau + y, y' = -y/tau; a spike "
                         "of weight w adds w e / tau to y */\n", ps->tau);
            sb_printf(o, "        const scalar x = snn_ax%d_%s[snn_i];\n", k, p->name);
            sb_printf(o, "        const scalar y = snn_ay%d_%s[snn_i] + snn_in%d_%s[snn_i] * %s;\n",
                      k, p->name, k, p->name, emit_scalar_literal(exp(1.0) / ps->tau, f));
            sb_printf(o, "        snn_in%d_%s[snn_i] = 0;\n", k, p->name);
            /* the mean of x(t) = e^(-t/tau) (x + t y) over the step: exact charge */
            double h = m->dt, tau = ps->tau, E = exp(-h / tau);
            sb_printf(o, "        %s += %s * x + %s * y; /* mean over the step */\n", dest,
                      emit_scalar_literal(tau / h * (1 - E), f),
                      emit_scalar_literal((tau * tau * (1 - E) - tau * h * E) / h, f));
            sb_printf(o, "        snn_ax%d_%s[snn_i] = %s * (x + %s * y);\n", k, p->name, decay,
                      emit_scalar_literal(m->dt, f));
            sb_printf(o, "        snn_ay%d_%s[snn_i] = %s * y;\n", k, p->name, decay);
            sb_puts(o, "    }\n");
            break;
        }
    }
    add_to_pre_reads(o, m, p);
    for (int i = 0; i < m->n_sources; i++) {
        const CurrentSource *cs = m->sources[i];
        if (cs->pop != p)
            continue;
        const char *dest = cs->psm.to_input ? arena_printf("snn_inp_%s", cs->psm.target)
                                            : "Isyn";
        if (cs->kind == CS_DC)
            sb_printf(o, "    %s += %s; /* current_source '%s' */\n", dest,
                      cs_value(cs, CSP_AMP, f), cs->name);
        else if (cs->kind == CS_STEP)
            sb_printf(o, "    %s += snn_cs_%s;\n", dest, cs->name);
        else if (cs->kind == CS_NOISE) {
            sb_printf(o, "    { /* current_source '%s': noise */\n", cs->name);
            sb_puts(o, "        snn_rng snn_g;\n");
            sb_printf(o, "        snn_rng_init%s(&snn_g, snn_r->seed, snn_cs_stream_%s, SNN_LO_%s + "
                         "snn_i, snn_step%s);\n", LANE_FN, cs->name, p->name, LANE_ARG);
            sb_printf(o, "        %s += %s + %s * snn_rng_normal%s(&snn_g);\n", dest,
                      cs_value(cs, CSP_MEAN, f), cs_value(cs, CSP_SD, f), f ? "f" : "");
            sb_puts(o, "    }\n");
        }
    }
    sb_puts(o, "    (void)Isyn;\n");
    for (int k = 0; k < nm->n_inputs; k++)
        sb_printf(o, "    (void)snn_inp_%s;\n", nm->inputs[k]);
    if (rng && lower_rng_first) {
        sb_puts(o, "    snn_rng snn_rng_st;\n");
        sb_printf(o, "    snn_rng_init_first(&snn_rng_st, snn_r->seed, snn_stream, SNN_LO_%s + "
                     "snn_i, snn_step,\n"
                     "                       snn_pw0[snn_i - snn_c0], snn_pw1[snn_i - snn_c0], "
                     "snn_pw2[snn_i - snn_c0],\n"
                     "                       snn_pw3[snn_i - snn_c0]);\n", p->name);
    } else if (rng) {
        sb_puts(o, "    snn_rng snn_rng_st;\n");
        sb_printf(o, "    snn_rng_init%s(&snn_rng_st, snn_r->seed, snn_stream, SNN_LO_%s + snn_i, "
                     "snn_step%s);\n", LANE_FN, p->name, LANE_ARG);
    }
    if (nm->sim.stmts) {
        CodePrinter pr = printer(&c, &nm->sim, opt);
        sb_puts(o, "    {\n");
        code_print_stmts(o, nm->sim.stmts, 8, &pr);
        if (pr.line_file)
            sb_puts(o, EMIT_RESYNC "\n");
        sb_puts(o, "    }\n");
    }
    if (nm->threshold.expr) {
        CodePrinter pr = printer(&c, &nm->threshold, opt);
        if (pr.line_file)
            sb_printf(o, "#line %d \"%s\"\n", nm->threshold.loc.line + nm->threshold.expr->line - 1,
                      pr.line_file);
        sb_puts(o, "    const int snn_fire = (");
        CodePrinter pe = pr;
        pe.line_file = NULL;
        code_print_expr(o, nm->threshold.expr, &pe);
        sb_puts(o, ") != 0;\n");
        if (pr.line_file)
            sb_puts(o, EMIT_RESYNC "\n");
        if (nm->reset.stmts) {
            sb_puts(o, "    if (snn_fire) {\n");
            CodePrinter rr = printer(&c, &nm->reset, opt);
            code_print_stmts(o, nm->reset.stmts, 8, &rr);
            if (rr.line_file)
                sb_puts(o, EMIT_RESYNC "\n");
            sb_puts(o, "    }\n");
        }
        sb_puts(o, "    snn_flag[snn_i] = (uint8_t)snn_fire;\n");
    } else {
        sb_puts(o, "    snn_flag[snn_i] = 0;\n");
    }
    for (int k = 0; k < nm->n_vars; k++)
        sb_printf(o, "    snn_v_%s[snn_i] = %s;\n", nm->vars[k].name, nm->vars[k].name);
}

/* ---- weight update model code -------------------------------------------------------- */

/* Random draws in per-neuron code of a weight update model (pre/post spike and dynamics
 * code): a neuron-keyed stream per (projection, code string), element = the neuron's
 * global index, counter = the step (layout version 1 = version 2 lane 0).  Needs the
 * enclosing function's 'step'. */
static void trace_rng_init(StrBuf *o, const Projection *pj, SynCodeKind kind, const char *elem,
                           int indent)
{
    if (!code_uses_rng(pj->syn_code[kind].stmts, NULL))
        return;
    sb_printf(o, "%*ssnn_rng snn_rng_st;\n", indent, "");
    sb_printf(o, "%*ssnn_rng_init%s(&snn_rng_st, snn_seed_%s, snn_sstream_%s_%s, (uint32_t)(%s), "
                 "step%s);\n", indent, "", LANE_FN, pj->name, pj->name, syn_code_desc[kind].name,
              elem, LANE_ARG);
}

/* Random draws in per-synapse code: a synapse-keyed stream per (projection, code string)
 * (snn_rng_init_syn): the synapse's identity (source snn_pre, global target, ordinal among
 * the pair's multapses: the synapses of the pair before it in its row, which ascends by
 * target, so they are just before it) and the step; lane 0.  Not its storage position, so
 * the draws do not depend on the decomposition or on other synapses' removal. */
static void syn_rng_init(StrBuf *o, const Projection *pj, SynCodeKind kind, const char *pos,
                         const SynSite *site, int indent)
{
    if (!code_uses_rng(pj->syn_code[kind].stmts, NULL))
        return;
    sb_printf(o, "%*suint32_t snn_ord = 0; /* this pair's synapses before this one */\n",
              indent, "");
    sb_printf(o, "%*swhile (snn_ord < %s - %s && %s[%s - 1u - snn_ord] == %s[%s])\n", indent, "",
              pos, site->row_start, site->ind, pos, site->ind, pos);
    sb_printf(o, "%*s    snn_ord++;\n", indent, "");
    sb_printf(o, "%*ssnn_rng snn_rng_st;\n", indent, "");
    sb_printf(o, "%*ssnn_rng_init_synk(&snn_rng_st, snn_sstream_%s_%s, %s, snn_pre, %s, snn_ord, "
                 "step);\n", indent, "", pj->name, syn_code_desc[kind].name,
              lower_lanes ? "snn_lane" : "0u", site->post);
}

/* The array of synapse variable v: the projection's whole array (one thread block: the
 * CUDA back end), or the thread's part of it, snn_svt_<v> (syn_locals). */
static const char *sv_array(const Projection *pj, const char *v, bool local)
{
    return local ? arena_printf("snn_svt_%s", v) : arena_printf("snn_sv_%s_%s", pj->name, v);
}

/* Load the synapse variables at position 'pos' into locals, run code, store those it assigns
 * (a variable the code only reads is not written back: no store, no memory traffic).  Random
 * draws are keyed by the synapse's identity (snn_pre and what site gives, syn_rng_init). */
void emit_syn_code_at(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                        const char *pos, const char *wptr, bool local, const SynSite *site,
                        int indent, const EmitOptions *opt)
{
    const SynapseModel *sm = pj->syn;
    const CodeStr *cs = &pj->syn_code[kind];
    Ctx c = {m, pj->post, m->precision == PREC_FLOAT, pj};
    for (int i = 0; i < sm->n_vars; i++) {
        const char *v = sm->vars[i].name;
        bool ro = !code_may_assign(cs->stmts, v); /* read only: not stored back */
        sb_printf(o, "%*s%sscalar %s = %s[%s];%s\n", indent, "", ro ? "const " : "", v,
                  !strcmp(v, sm->weight) ? wptr : sv_array(pj, v, local), pos,
                  ro ? arena_printf(" (void)%s;", v) : "");
    }
    CodePrinter pr = printer(&c, cs, opt);
    sb_printf(o, "%*s{\n", indent, "");
    syn_rng_init(o, pj, kind, pos, site, indent + 4);
    code_print_stmts(o, cs->stmts, indent + 4, &pr);
    if (pr.line_file)
        sb_puts(o, EMIT_RESYNC "\n");
    sb_printf(o, "%*s}\n", indent, "");
    for (int i = 0; i < sm->n_vars; i++) { /* only what the code assigns goes back */
        const char *v = sm->vars[i].name;
        if (!code_may_assign(cs->stmts, v))
            continue;
        if (!strcmp(v, sm->weight))
            sb_printf(o, "%*s%s[%s] = %s;\n", indent, "", wptr, pos, v);
        else
            sb_printf(o, "%*s%s[%s] = %s;\n", indent, "", sv_array(pj, v, local), pos, v);
    }
}

void emit_syn_code(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                     const char *pos, const char *wptr, const SynSite *site, int indent,
                     const EmitOptions *opt)
{
    emit_syn_code_at(o, m, pj, kind, pos, wptr, false, site, indent, opt);
}

/* Per-neuron code of a weight update model (spike or dynamics code) over a loop: the
 * neuron's index into the variables is snn_k, named idx in the code; random draws are
 * keyed by elem (the neuron's global index). */
void emit_trace_code_at(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                          const char *idx, const char *elem, const EmitOptions *opt)
{
    const CodeStr *cs = &pj->syn_code[kind];
    Ctx c = {m, pj->post, m->precision == PREC_FLOAT, pj};
    CodePrinter pr = printer(&c, cs, opt);
    sb_printf(o, "    const uint32_t %s = snn_k;\n", idx);
    sb_puts(o, "    {\n");
    trace_rng_init(o, pj, kind, elem, 8);
    code_print_stmts(o, cs->stmts, 8, &pr);
    if (pr.line_file)
        sb_puts(o, EMIT_RESYNC "\n");
    sb_puts(o, "    }\n");
}

void emit_trace_code(StrBuf *o, const Model *m, const Projection *pj, SynCodeKind kind,
                       const char *idx, const EmitOptions *opt)
{
    emit_trace_code_at(o, m, pj, kind, idx, idx, opt);
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

bool emit_mentions(const char *code, const char *ident)
{
    const size_t n = strlen(ident);
    for (const char *q = code; q && (q = strstr(q, ident)) != NULL; q += n) {
        const bool before = q > code && (isalnum((unsigned char)q[-1]) || q[-1] == '_');
        const bool after = isalnum((unsigned char)q[n]) || q[n] == '_';
        if (!before && !after)
            return true;
    }
    return false;
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
 * user-defined rule or a matrix from a file a guess (the pair form's work is per pair, or
 * per candidate with a numeric max_prob, the row form is guessed at 100 per row, a matrix
 * at one pair in ten). */
double emit_expected_work(const Projection *pj)
{
    double n = ir_expected_synapses(pj);
    if (n >= 0)
        return n;
    if (pj->conn.kind == CONN_FROM_MATRIX)
        return 0.1 * (double)pj->pre->n * (double)pj->post->n; /* a guess */
    const ConnSnippet *sn = pj->conn.snip;
    if (sn->row_form)
        return 100.0 * (double)pj->pre->n;
    /* the pair form visits every pair, or with a numeric max_prob a fraction of them */
    double frac = sn->max_prob_num > 0.0 ? sn->max_prob_num : 1.0;
    return frac * (double)pj->pre->n * (double)pj->post->n;
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
