/*
 * check.c - semantic checks on the IR, after the Lua state is gone.
 *
 * Sizes, names, delays, connectivity parameters, and the code strings: each one is parsed
 * (expr.c) and every identifier resolved against the model's params, vars and builtins.
 * Every error names the model-file line of the object at fault.  check also derives what
 * later stages need: delays in steps and which input accumulator a projection feeds.
 */
#include "snncc.h"

#include <math.h>
#include <string.h>

/* Limits of the generated code and runtime (see runtime/snnrt.h). */
#define MAX_POP_SIZE  4294967294.0 /* neuron indices are uint32 */
#define MAX_POPS      256
#define MAX_PROJS     256
#define MAX_SYNAPSES  281474976710656.0 /* 2^48 per projection */
#define MAX_DELAY_STEPS 65535

static const char *const reserved[] = {
    "dt", "t", "Isyn", "auto", "break", "case", "char", "const", "continue", "default", "do",
    "double", "else", "enum", "extern", "float", "for", "goto", "if", "inline", "int", "long",
    "register", "restrict", "return", "short", "signed", "sizeof", "static", "struct",
    "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "scalar", "bool",
    "true", "false", "exp", "expm1", "log", "log1p", "log10", "sqrt", "pow", "fabs", "sin",
    "cos", "tan", "tanh", "sinh", "cosh", "atan", "atan2", "floor", "ceil", "round", "fmin",
    "fmax", "fmod", "min", "max", "abs", "div", "mod", "uniform", "normal", "exponential",
    "poisson",
    NULL,
};

static bool is_reserved(const char *name)
{
    if (!strncmp(name, "snn_", 4) || !strncmp(name, "SNN_", 4))
        return true; /* the generated code's own names */
    for (int i = 0; reserved[i]; i++)
        if (!strcmp(reserved[i], name))
            return true;
    return false;
}

const char *c_ident(const char *name)
{
    return name; /* names are checked to be identifiers when they enter the IR */
}

/* The model being checked has a spike_source_dataset population: code strings can read
 * the current example's 'label' and 'example' (set by check_model). */
static bool g_has_dataset;

/* Symbols visible in a neuron model's code strings. */
static Sym *neuron_syms(const NeuronModel *nm, int *n)
{
    Sym *s = arena_alloc(sizeof(Sym) * (size_t)(nm->n_params + nm->n_vars + nm->n_egps +
                                                nm->n_inputs + 6));
    int k = 0;
    for (int i = 0; i < nm->n_params; i++)
        s[k++] = (Sym){nm->params[i].name, SYM_PARAM, i, false, 0};
    for (int i = 0; i < nm->n_vars; i++)
        s[k++] = (Sym){nm->vars[i].name, SYM_VAR, i, true, 0};
    for (int i = 0; i < nm->n_egps; i++)
        s[k++] = (Sym){nm->egps[i], SYM_EGP, i, false, 0};
    s[k++] = (Sym){"dt", SYM_BUILTIN, 0, false, 0};
    s[k++] = (Sym){"t", SYM_BUILTIN, 1, false, 0};
    s[k++] = (Sym){"id", SYM_BUILTIN, 2, false, 0}; /* the neuron's index in its population */
    if (g_has_dataset) { /* the data set's current example (docs/language.md) */
        s[k++] = (Sym){"label", SYM_BUILTIN, 5, false, 0};
        s[k++] = (Sym){"example", SYM_BUILTIN, 6, false, 0};
    }
    s[k++] = (Sym){"Isyn", SYM_INPUT, 0, false, 0};
    for (int i = 0; i < nm->n_inputs; i++)
        s[k++] = (Sym){nm->inputs[i], SYM_INPUT, i + 1, false, 0};
    *n = k;
    return s;
}

static int check_neuron(NeuronModel *nm)
{
    int errs = 0;
    for (int i = 0; i < nm->n_params; i++)
        if (is_reserved(nm->params[i].name)) {
            diag_error(nm->loc, "neuron '%s': parameter name '%s' is reserved", nm->name,
                       nm->params[i].name);
            errs++;
        }
    for (int i = 0; i < nm->n_vars; i++) {
        if (is_reserved(nm->vars[i].name)) {
            diag_error(nm->loc, "neuron '%s': variable name '%s' is reserved", nm->name,
                       nm->vars[i].name);
            errs++;
        }
        for (int k = 0; k < nm->n_params; k++)
            if (!strcmp(nm->params[k].name, nm->vars[i].name)) {
                diag_error(nm->loc, "neuron '%s': '%s' is both a parameter and a variable",
                           nm->name, nm->vars[i].name);
                errs++;
            }
    }
    for (int i = 0; i < nm->n_inputs; i++) {
        if (is_reserved(nm->inputs[i]) || !strcmp(nm->inputs[i], "id")) {
            diag_error(nm->loc, "neuron '%s': input name '%s' is reserved", nm->name,
                       nm->inputs[i]);
            errs++;
        }
        for (int k = 0; k < nm->n_params + nm->n_vars + nm->n_egps; k++) {
            const char *o = k < nm->n_params ? nm->params[k].name
                          : k < nm->n_params + nm->n_vars ? nm->vars[k - nm->n_params].name
                                                          : nm->egps[k - nm->n_params - nm->n_vars];
            if (!strcmp(o, nm->inputs[i])) {
                diag_error(nm->loc, "neuron '%s': '%s' is both an input and a %s", nm->name,
                           o, k < nm->n_params ? "parameter"
                              : k < nm->n_params + nm->n_vars ? "variable"
                                                              : "extra global parameter");
                errs++;
            }
        }
    }
    for (int i = 0; i < nm->n_egps; i++) {
        if (is_reserved(nm->egps[i]) || !strcmp(nm->egps[i], "id")) {
            diag_error(nm->loc, "neuron '%s': extra global parameter name '%s' is reserved",
                       nm->name, nm->egps[i]);
            errs++;
        }
        for (int k = 0; k < nm->n_params + nm->n_vars; k++)
            if (!strcmp(k < nm->n_params ? nm->params[k].name
                                         : nm->vars[k - nm->n_params].name, nm->egps[i])) {
                diag_error(nm->loc, "neuron '%s': '%s' is both an extra global parameter and "
                                    "a %s", nm->name, nm->egps[i],
                           k < nm->n_params ? "parameter" : "variable");
                errs++;
            }
    }
    if (nm->spike_source && nm->n_egps) {
        diag_error(nm->loc, "neuron '%s': a spike_source_array has no code to read extra "
                            "global parameters", nm->name);
        errs++;
    }
    if (errs)
        return errs;
    int ns;
    Sym *syms = neuron_syms(nm, &ns);
    if (nm->sim.text) {
        const char *what = arena_printf("neuron '%s' sim code", nm->name);
        nm->sim.stmts = code_parse_stmts(nm->sim.text, nm->sim.loc, what);
        if (!nm->sim.stmts)
            errs++;
        else
            errs += code_resolve_stmts(nm->sim.stmts, syms, ns, nm->sim.loc, what);
    }
    if (nm->threshold.text) {
        const char *what = arena_printf("neuron '%s' threshold code", nm->name);
        nm->threshold.expr = code_parse_expr(nm->threshold.text, nm->threshold.loc, what);
        if (!nm->threshold.expr)
            errs++;
        else
            errs += code_resolve_expr(nm->threshold.expr, syms, ns, nm->threshold.loc, what);
    }
    if (nm->reset.text) {
        const char *what = arena_printf("neuron '%s' reset code", nm->name);
        if (!nm->threshold.text) {
            diag_error(nm->reset.loc, "neuron '%s': reset code without threshold code "
                                      "(when would it run?)", nm->name);
            errs++;
        }
        nm->reset.stmts = code_parse_stmts(nm->reset.text, nm->reset.loc, what);
        if (!nm->reset.stmts)
            errs++;
        else
            errs += code_resolve_stmts(nm->reset.stmts, syms, ns, nm->reset.loc, what);
    }
    return errs;
}

/* ---- initialiser{} ---- */

static bool expr_assigns(const Expr *e, const char *name)
{
    return e && ((e->kind == EX_ASSIGN || e->kind == EX_INCDEC) && e->a &&
                 e->a->kind == EX_NAME && !strcmp(e->a->name, name));
}

/* Does every path through s assign 'value'?  (Statements in order: one that always
 * assigns suffices; an if assigns when both branches do.) */
static bool stmt_assigns(const Stmt *s, const char *name)
{
    if (!s)
        return false;
    switch (s->kind) {
    case ST_EXPR: return expr_assigns(s->e, name);
    case ST_IF: return stmt_assigns(s->then, name) && stmt_assigns(s->els, name);
    case ST_BLOCK:
        for (int i = 0; i < s->n; i++)
            if (stmt_assigns(s->body[i], name))
                return true;
        return false;
    default: return false;
    }
}

static int check_initcode(InitSnippet *sn)
{
    int errs = 0;
    for (int i = 0; i < sn->n_params; i++)
        if (is_reserved(sn->params[i].name) || !strcmp(sn->params[i].name, "value")) {
            diag_error(sn->loc, "initialiser '%s': parameter name '%s' is reserved", sn->name,
                       sn->params[i].name);
            errs++;
        }
    if (errs)
        return errs;
    Sym *syms = arena_alloc(sizeof(Sym) * (size_t)(sn->n_params + 4));
    int k = 0;
    for (int i = 0; i < sn->n_params; i++)
        syms[k++] = (Sym){sn->params[i].name, SYM_PARAM, i, false, 0};
    syms[k++] = (Sym){"value", SYM_VAR, 0, true, 0};
    syms[k++] = (Sym){"id", SYM_BUILTIN, 2, false, 0};
    syms[k++] = (Sym){"dt", SYM_BUILTIN, 0, false, 0};
    const char *what = arena_printf("initialiser '%s' code", sn->name);
    sn->code.stmts = code_parse_stmts(sn->code.text, sn->code.loc, what);
    if (!sn->code.stmts)
        return 1;
    errs += code_resolve_stmts(sn->code.stmts, syms, k, sn->code.loc, what);
    if (!errs && !stmt_assigns(sn->code.stmts, "value")) {
        diag_error(sn->code.loc, "initialiser '%s': the code does not always assign 'value' "
                                 "(write e.g. value = mean + sd * normal();)", sn->name);
        errs++;
    }
    return errs;
}

/* ---- weight update models ---- */

/* A synapse model's own checks: its name space and weight, and the syntax of its code
 * strings (each use resolves the names again, resolve_syn_code). */
static int check_synapse_model(SynapseModel *sm)
{
    int errs = 0;
    const char *names[1024];
    int nn = 0;
    for (int i = 0; i < sm->n_params && nn < 1024; i++)
        names[nn++] = sm->params[i].name;
    for (int i = 0; i < sm->n_vars && nn < 1024; i++)
        names[nn++] = sm->vars[i].name;
    for (int i = 0; i < sm->n_pre_vars && nn < 1024; i++)
        names[nn++] = sm->pre_vars[i].name;
    for (int i = 0; i < sm->n_post_vars && nn < 1024; i++)
        names[nn++] = sm->post_vars[i].name;
    for (int i = 0; i < nn; i++) {
        if (is_reserved(names[i])) {
            diag_error(sm->loc, "synapse '%s': name '%s' is reserved", sm->name, names[i]);
            errs++;
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(names[i], names[k])) {
                diag_error(sm->loc, "synapse '%s': '%s' is defined twice (params, vars, "
                                    "pre_vars and post_vars share one name space)",
                           sm->name, names[i]);
                errs++;
            }
    }
    bool has_w = false;
    for (int i = 0; i < sm->n_vars; i++)
        has_w |= !strcmp(sm->vars[i].name, sm->weight);
    if (!has_w) {
        diag_error(sm->loc, "synapse '%s': the weight variable '%s' is not among its vars "
                            "(add it, or set weight = \"...\")", sm->name, sm->weight);
        errs++;
    }
    if (errs)
        return errs;
    for (int k = 0; k < SC_COUNT; k++) {
        CodeStr *cs = &sm->code[k];
        if (!cs->text)
            continue;
        const char *what = arena_printf("synapse '%s' %s code", sm->name, syn_code_desc[k].name);
        cs->stmts = code_parse_stmts(cs->text, cs->loc, what);
        errs += !cs->stmts;
    }
    return errs;
}

/* Is name one of the synapse model's own (params, vars, pre_vars, post_vars)? */
static bool syn_owns(const SynapseModel *sm, const char *name)
{
    for (int i = 0; i < sm->n_params; i++)
        if (!strcmp(sm->params[i].name, name))
            return true;
    const VarDef *v[3] = {sm->vars, sm->pre_vars, sm->post_vars};
    int n[3] = {sm->n_vars, sm->n_pre_vars, sm->n_post_vars};
    for (int g = 0; g < 3; g++)
        for (int i = 0; i < n[g]; i++)
            if (!strcmp(v[g][i].name, name))
                return true;
    return false;
}

/* The name of neuron variable v of the pre (side 0) or post (side 1) population as synapse
 * code spells it: V_pre, V_post. */
static const char *neuron_var_name(const char *v, int side)
{
    return arena_printf("%s_%s", v, side ? "post" : "pre");
}

/* The names code string 'kind' of projection pj sees (syn_code_desc): the model's params,
 * its vars, pre and post vars as the table says, the pre and post neurons' variables
 * (read only, <var>_pre / <var>_post, unless the model itself has that name), dt, t. */
static Sym *syn_syms(const Projection *pj, SynCodeKind kind, int *n)
{
    const SynapseModel *sm = pj->syn;
    const SynCodeDesc *d = &syn_code_desc[kind];
    const NeuronModel *nms[2] = {pj->pre->model, pj->post->model};
    Sym *s = arena_alloc(sizeof(Sym) * (size_t)(sm->n_params + sm->n_vars + sm->n_pre_vars +
                                                sm->n_post_vars + nms[0]->n_vars +
                                                nms[1]->n_vars + nms[0]->n_egps +
                                                nms[1]->n_egps + 9));
    int k = 0;
    for (int i = 0; i < sm->n_params; i++)
        s[k++] = (Sym){sm->params[i].name, SYM_PARAM, i, false, 0};
    if (d->syn_vars)
        for (int i = 0; i < sm->n_vars; i++)
            s[k++] = (Sym){sm->vars[i].name, SYM_SYN, i, d->syn_vars == SEE_WRITE, 0};
    if (d->pre_vars)
        for (int i = 0; i < sm->n_pre_vars; i++)
            s[k++] = (Sym){sm->pre_vars[i].name, SYM_PRE, i, d->pre_vars == SEE_WRITE, 0};
    if (d->post_vars)
        for (int i = 0; i < sm->n_post_vars; i++)
            s[k++] = (Sym){sm->post_vars[i].name, SYM_POST, i, d->post_vars == SEE_WRITE, 0};
    for (int side = 0; side < 2; side++)
        if (side ? d->post_neuron : d->pre_neuron)
            for (int i = 0; i < nms[side]->n_vars; i++) {
                const char *nv = neuron_var_name(nms[side]->vars[i].name, side);
                if (!syn_owns(sm, nv))
                    s[k++] = (Sym){nv, side ? SYM_POST_NEURON : SYM_PRE_NEURON, i, false, 0};
            }
    /* the indices of the synapse's neurons, and the neurons' extra global parameters
     * (constant arrays every rank and thread holds whole): where the code has that neuron
     * (a synapse has both; pre and post code their own side) */
    for (int side = 0; side < 2; side++) {
        if (d->over == (side ? OVER_PRE : OVER_POST))
            continue;
        s[k++] = (Sym){side ? "id_post" : "id_pre", SYM_BUILTIN, 3 + side, false, 0};
        for (int i = 0; i < nms[side]->n_egps; i++) {
            const char *ne = neuron_var_name(nms[side]->egps[i], side);
            if (!syn_owns(sm, ne))
                s[k++] = (Sym){ne, SYM_EGP, i | side << 16, false, 0};
        }
    }
    s[k++] = (Sym){"dt", SYM_BUILTIN, 0, false, 0};
    s[k++] = (Sym){"t", SYM_BUILTIN, 1, false, 0};
    /* in every code string, so that a use where it is not allowed gets its own message
     * (check_add_to) */
    s[k++] = (Sym){"add_to_post", SYM_ADDTO, 0, false, 1};
    s[k++] = (Sym){"add_to_pre", SYM_ADDTO, 1, false, 1};
    if (g_has_dataset) { /* the data set's current example (docs/language.md) */
        s[k++] = (Sym){"label", SYM_BUILTIN, 5, false, 0};
        s[k++] = (Sym){"example", SYM_BUILTIN, 6, false, 0};
    }
    *n = k;
    return s;
}

/* The first line (relative to the code string) of a call add_to_post (side 0) or
 * add_to_pre (side 1) in s or e; 0 when none. */
static int add_to_line(const Stmt *s, const Expr *e, int side)
{
    int l = 0;
    if (e) {
        if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_ADDTO && e->sym->index == side)
            return e->line;
        for (int i = 0; i < e->nargs && !l; i++)
            l = add_to_line(NULL, e->args[i], side);
        if (!l && e->a)
            l = add_to_line(NULL, e->a, side);
        if (!l && e->b)
            l = add_to_line(NULL, e->b, side);
        if (!l && e->c)
            l = add_to_line(NULL, e->c, side);
    }
    if (!s)
        return l;
    for (int i = 0; i < s->n && !l; i++)
        l = add_to_line(s->body[i], NULL, side);
    if (!l && s->e)
        l = add_to_line(NULL, s->e, side);
    if (!l && s->then)
        l = add_to_line(s->then, NULL, side);
    if (!l && s->els)
        l = add_to_line(s->els, NULL, side);
    return l;
}

/* add_to_post(x) adds into the projection's own input of the target (its psm and target,
 * as a delivered weight): in on_pre (read in the same step, like the weight) and dynamics
 * (read in the next step).  add_to_pre(x) adds into the source's input pre_input: in
 * dynamics only (read in the next step).  Elsewhere they are errors, as is add_to_pre
 * without pre_input. */
static int check_add_to(Projection *pj, SynCodeKind kind, const CodeStr *cs, const char *what)
{
    int errs = 0;
    for (int side = 0; side < 2; side++) {
        int line = add_to_line(cs->stmts, NULL, side);
        if (!line)
            continue;
        SrcLoc at = {cs->loc.file, cs->loc.line + line - 1};
        const char *fn = side ? "add_to_pre" : "add_to_post";
        bool ok = kind == SC_DYNAMICS || (!side && kind == SC_ON_PRE);
        if (!ok) {
            diag_error(at, "%s: %s cannot be used in %s (add_to_post: on_pre and dynamics; "
                           "add_to_pre: dynamics)", what, fn, syn_code_desc[kind].name);
            errs++;
            continue;
        }
        if (side && !pj->pre_input) {
            diag_error(at, "%s: add_to_pre needs the input of the presynaptic neuron it adds "
                           "into: projection{ ..., pre_input = \"Isyn\" } or one of model "
                           "'%s''s inputs", what, pj->pre->model->name);
            errs++;
            continue;
        }
        if (side)
            pj->add_pre = true;
        else
            pj->add_post = true;
    }
    return errs;
}

/* projection{ pre_input = }: Isyn or an input of the presynaptic model, and only with a
 * weight update model. */
static int check_pre_input(Projection *pj)
{
    pj->pre_input_index = -1;
    if (!pj->pre_input)
        return 0;
    if (!pj->syn) {
        diag_error(pj->pre_input_loc, "projection '%s': pre_input needs a weight update model "
                                      "(synapse = ...) whose code calls add_to_pre", pj->name);
        return 1;
    }
    if (!strcmp(pj->pre_input, "Isyn"))
        return 0;
    const NeuronModel *nm = pj->pre->model;
    for (int i = 0; i < nm->n_inputs; i++)
        if (!strcmp(nm->inputs[i], pj->pre_input)) {
            pj->pre_input_index = i;
            return 0;
        }
    StrBuf sb;
    sb_init(&sb);
    sb_puts(&sb, "Isyn");
    for (int i = 0; i < nm->n_inputs; i++)
        sb_printf(&sb, ", %s", nm->inputs[i]);
    diag_error(pj->pre_input_loc, "projection '%s': pre_input '%s' is not an input of the "
                                  "presynaptic neuron model '%s' (it has: %s)", pj->name,
               pj->pre_input, nm->name, sb.buf);
    sb_release(&sb);
    return 1;
}

/* The first use of name in s or e (source order); line 0 when none. */
static int name_line(const Stmt *s, const Expr *e, const char *name)
{
    int l = 0;
    if (e) {
        if ((e->kind == EX_NAME || e->kind == EX_ASSIGN || e->kind == EX_INCDEC) && e->name &&
            !strcmp(e->name, name))
            return e->line;
        for (int i = 0; i < e->nargs && !l; i++)
            l = name_line(NULL, e->args[i], name);
        if (!l && e->a)
            l = name_line(NULL, e->a, name);
        if (!l && e->b)
            l = name_line(NULL, e->b, name);
        if (!l && e->c)
            l = name_line(NULL, e->c, name);
    }
    if (!s)
        return l;
    for (int i = 0; i < s->n && !l; i++)
        l = name_line(s->body[i], NULL, name);
    if (!l && s->e)
        l = name_line(NULL, s->e, name);
    if (!l && s->then)
        l = name_line(s->then, NULL, name);
    if (!l && s->els)
        l = name_line(s->els, NULL, name);
    return l;
}

/* Neuron variables that code string kind may not read (the table says which side): a
 * clear message instead of "unknown name". */
static int syn_hidden_neuron_vars(const Projection *pj, SynCodeKind kind, const CodeStr *cs,
                                  const char *what)
{
    const SynCodeDesc *d = &syn_code_desc[kind];
    const Population *pops[2] = {pj->pre, pj->post};
    int errs = 0;
    for (int side = 0; side < 2; side++) {
        if (side ? d->post_neuron : d->pre_neuron)
            continue;
        const NeuronModel *nm = pops[side]->model;
        for (int i = 0; i < nm->n_vars; i++) {
            const char *nv = neuron_var_name(nm->vars[i].name, side);
            int line = syn_owns(pj->syn, nv) ? 0 : name_line(cs->stmts, NULL, nv);
            if (!line)
                continue;
            diag_error((SrcLoc){cs->loc.file, cs->loc.line + line - 1},
                       "%s: '%s' (variable '%s' of the %ssynaptic neuron) cannot be read in %s: "
                       "it runs %s, while other threads may update that neuron; read it in "
                       "%s", what, nv, nm->vars[i].name, side ? "post" : "pre",
                       d->name, d->when, side ? "dynamics, on_pre, on_post or the post_ code"
                                              : "dynamics, pre_spike or pre_dynamics");
            errs++;
        }
    }
    return errs;
}

/* Resolve the synapse code of plastic projection pj for this projection: a tree of its
 * own, whose names may be its pre and post neurons' variables.  A model whose code fails
 * for one projection is not reported again for the next (failed[k] set). */
static int resolve_syn_code(Projection *pj, bool *failed)
{
    const SynapseModel *sm = pj->syn;
    const Population *pops[2] = {pj->pre, pj->post};
    for (int side = 0; side < 2; side++) /* a name of the model hides a neuron variable */
        for (int i = 0; i < pops[side]->model->n_vars; i++) {
            const char *nv = neuron_var_name(pops[side]->model->vars[i].name, side);
            if (syn_owns(sm, nv))
                diag_warn(pj->loc, "projection '%s': synapse '%s' has its own '%s', which hides "
                                   "variable '%s' of the %ssynaptic population '%s' in its code",
                          pj->name, sm->name, nv, pops[side]->model->vars[i].name,
                          side ? "post" : "pre", pops[side]->name);
        }
    int errs = 0;
    for (int k = 0; k < SC_COUNT; k++) {
        const CodeStr *mc = &sm->code[k];
        CodeStr *cs = &pj->syn_code[k];
        *cs = (CodeStr){.text = mc->text, .loc = mc->loc};
        if (!mc->text || failed[k])
            continue;
        const char *what = arena_printf("synapse '%s' %s code", sm->name, syn_code_desc[k].name);
        cs->stmts = code_parse_stmts(cs->text, cs->loc, what);
        if (!cs->stmts) {
            errs++;
            continue;
        }
        int e = syn_hidden_neuron_vars(pj, (SynCodeKind)k, cs, what);
        if (!e) {
            int n;
            Sym *syms = syn_syms(pj, (SynCodeKind)k, &n);
            const char *pwhat = arena_printf("%s (projection '%s')", what, pj->name);
            e = code_resolve_stmts(cs->stmts, syms, n, cs->loc, pwhat);
            if (!e)
                e = check_add_to(pj, (SynCodeKind)k, cs, pwhat);
        }
        if (e) {
            failed[k] = true;
            cs->stmts = NULL;
        }
        errs += e;
    }
    return errs;
}

int check_mpi_synapse_code(const Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        if (!pj->syn)
            continue;
        const NeuronModel *nm = pj->pre->model;
        for (int k = 0; k < SC_COUNT; k++)
            for (int v = 0; v < nm->n_vars && syn_code_desc[k].pre_neuron; v++) {
                const CodeStr *cs = &pj->syn_code[k];
                const char *nv = neuron_var_name(nm->vars[v].name, 0);
                int line = syn_owns(pj->syn, nv) ? 0 : name_line(cs->stmts, NULL, nv);
                if (!line)
                    continue;
                diag_error((SrcLoc){cs->loc.file, cs->loc.line + line - 1},
                           "synapse '%s' %s code (projection '%s'): '%s' reads the presynaptic "
                           "neuron's variable, which --mpi does not support (a synapse lives "
                           "on its target's rank, its source may live on another; the "
                           "postsynaptic neuron's variables (_post) work)",
                           pj->syn->name, syn_code_desc[k].name, pj->name, nv);
                errs++;
            }
    }
    return errs;
}

/* ---- user-defined connectivity rules ---- */

/* The names the code of a connectivity rule sees besides its parameters. */
static const char *const conn_builtins[] = {"i", "j", "k", "N_pre", "N_post"};

/* The first expression in s or e (depth first, in source order) for which pred holds. */
static const Expr *find_expr(const Stmt *s, const Expr *e, bool (*pred)(const Expr *))
{
    const Expr *f = NULL;
    if (e) {
        if (pred(e))
            return e;
        for (int i = 0; i < e->nargs && !f; i++)
            f = find_expr(NULL, e->args[i], pred);
        if (!f)
            f = find_expr(NULL, e->a, pred);
        if (!f)
            f = find_expr(NULL, e->b, pred);
        if (!f)
            f = find_expr(NULL, e->c, pred);
    }
    if (!s)
        return f;
    for (int i = 0; i < s->n && !f; i++)
        f = find_expr(s->body[i], NULL, pred);
    if (!f)
        f = find_expr(NULL, s->e, pred);
    if (!f && s->then)
        f = find_expr(s->then, NULL, pred);
    if (!f && s->els)
        f = find_expr(s->els, NULL, pred);
    return f;
}

static bool is_draw(const Expr *e)
{
    return e->kind == EX_CALL && e->sym && e->sym->kind == SYM_RNG;
}

/* An index the code does not see: a SYM_BUILTIN with index 10 + its conn_builtins index
 * (parse_conn_code). */
static bool is_unseen_index(const Expr *e)
{
    return e->kind == EX_NAME && e->sym && e->sym->kind == SYM_BUILTIN && e->sym->index >= 10;
}

/* Parse and resolve one code of a rule; 'idx' lists which of conn_builtins it sees. */
static int parse_conn_code(ConnSnippet *sn, CodeStr *cs, const char *which, const char *idx,
                           bool may_draw)
{
    if (!cs->text)
        return 0;
    Sym *syms = arena_alloc(sizeof(Sym) * (size_t)(sn->n_params + 8));
    int n = 0;
    for (int i = 0; i < sn->n_params; i++)
        syms[n++] = (Sym){sn->params[i].name, SYM_PARAM, i, false, 0};
    for (int i = 0; i < 5; i++) /* the indices it does not see: index + 10, an error below */
        syms[n++] = (Sym){conn_builtins[i], SYM_BUILTIN,
                          i >= 3 || strchr(idx, conn_builtins[i][0]) ? i : 10 + i, false, 0};
    const char *what = arena_printf("connectivity '%s' %s code", sn->name, which);
    cs->stmts = code_parse_value(cs->text, cs->loc, what, &cs->expr);
    if (!cs->stmts)
        return 1;
    int errs = code_resolve_value(cs->stmts, cs->expr, syms, n, cs->loc, what);
    const Expr *bad = errs ? NULL : find_expr(cs->stmts, cs->expr, is_unseen_index);
    if (bad) {
        diag_error((SrcLoc){cs->loc.file, cs->loc.line + bad->line - 1},
                   "%s: '%s' is not defined here: %s", what, bad->name,
                   !strcmp(which, "max_prob")
                       ? "max_prob is evaluated once per target j, as the bound over all its "
                         "sources (it may use j, N_pre, N_post and the parameters)"
                   : bad->name[0] == 'j' ? "count and target work per source i (j, the target, "
                                           "belongs to the pair form's prob and condition)"
                                         : "k numbers the synapses of a row, in target code");
        return errs + 1;
    }
    const Expr *draw = errs ? NULL : find_expr(cs->stmts, cs->expr, is_draw);
    if (draw && !may_draw) {
        diag_error((SrcLoc){cs->loc.file, cs->loc.line + draw->line - 1},
                   "%s: random draws are not allowed in prob and condition code (each "
                   "pair draws its own random number to compare with prob)", what);
        errs++;
    }
    return errs;
}

static int check_conn_snippet(ConnSnippet *sn)
{
    int errs = 0;
    for (int i = 0; i < sn->n_params; i++) {
        const char *pn = sn->params[i].name;
        bool builtin = false;
        for (int k = 0; k < 5; k++)
            builtin |= !strcmp(pn, conn_builtins[k]);
        if (builtin || is_reserved(pn)) {
            diag_error(sn->loc, "connectivity '%s': parameter name '%s' is reserved%s",
                       sn->name, pn, builtin ? " (i, j, k, N_pre and N_post are the rule's "
                                               "indices and population sizes)" : "");
            errs++;
        }
    }
    if (errs)
        return errs;
    errs += parse_conn_code(sn, &sn->prob, "prob", "ij", false);
    errs += parse_conn_code(sn, &sn->condition, "condition", "ij", false);
    errs += parse_conn_code(sn, &sn->max_prob, "max_prob", "j", false);
    errs += parse_conn_code(sn, &sn->count, "count", "i", true);
    errs += parse_conn_code(sn, &sn->target, "target", "ik", true);
    return errs;
}

static int syn_weight_index(const SynapseModel *sm)
{
    for (int i = 0; i < sm->n_vars; i++)
        if (!strcmp(sm->vars[i].name, sm->weight))
            return i;
    return -1;
}

static int check_psm(Psm *ps, const Population *post, const char *what, SrcLoc loc,
                     bool direct);

/* the weight update model's weight and the projection's: one value; returns the errors */
static int check_proj_synapse(Projection *pj)
{
    int wv = syn_weight_index(pj->syn);
    if (wv >= 0) {
        if (pj->weight_given)
            pj->syn_inits[wv] = pj->weight;
        else
            pj->weight = pj->syn_inits[wv];
    }
    if (pj->delay_init.kind != INIT_CONSTANT) {
        diag_error(pj->loc, "projection '%s': per-synapse delays with a weight update "
                            "model are not supported yet; use one delay", pj->name);
        return 1;
    }
    return 0;
}

/* one delay per synapse, in steps, at least one; the widest stored value decides
 * between 1 and 2 bytes per synapse */
static int check_het_delay(const Model *m, Projection *pj)
{
    int errs = 0;
    const Init *d = &pj->delay_init;
    double hi = d->kind == INIT_UNIFORM ? d->b
              : d->kind == INIT_NORMAL_CLIPPED ? d->hi : INFINITY;
    pj->het_delay = true;
    pj->delay_bytes = round(hi / m->dt) <= 255 ? 1 : 2;
    double lo = d->kind == INIT_UNIFORM ? d->a : d->kind == INIT_NORMAL_CLIPPED ? d->lo
                                                                                : -INFINITY;
    if (lo < m->dt * (1 - 1e-9) && d->kind != INIT_CODE && d->kind != INIT_FILE)
        diag_warn(d->loc, "projection '%s': delays below dt = %g ms are possible; they are "
                          "stored as one step (use normal_clipped(mean, sd, %g) to redraw)",
                  pj->name, m->dt, m->dt);
    if (isfinite(hi) && hi / m->dt > MAX_DELAY_STEPS) {
        diag_error(d->loc, "projection '%s': delays up to %g ms are %.6g steps; at most %d "
                           "are supported", pj->name, hi, hi / m->dt, MAX_DELAY_STEPS);
        errs++;
    }
    pj->delay = 0;
    pj->delay_steps = 1; /* the axonal part: the spike queue hands spikes over next step */
    return errs;
}

/* one delay for the projection (default dt): whole steps, within the queue's reach */
static int check_delay(const Model *m, Projection *pj)
{
    int errs = 0;
    if (pj->delay < 0)
        pj->delay = m->dt;
    double steps = pj->delay / m->dt;
    if (steps < 1 - 1e-9) {
        diag_error(pj->loc, "projection '%s': delay %g ms is shorter than one time step "
                            "(dt = %g ms)", pj->name, pj->delay, m->dt);
        errs++;
    } else if (fabs(steps - round(steps)) > 1e-6) {
        diag_warn(pj->loc, "projection '%s': delay %g ms is not a multiple of dt = %g ms; "
                           "rounded to %g ms", pj->name, pj->delay, m->dt, round(steps) * m->dt);
    }
    if (steps > MAX_DELAY_STEPS) {
        diag_error(pj->loc, "projection '%s': delay %g ms is %.*g steps; at most %d are "
                            "supported", pj->name, pj->delay, steps < 1e15 ? 15 : 3, steps,
                   MAX_DELAY_STEPS);
        errs++;
    }
    pj->delay_steps = steps <= MAX_DELAY_STEPS ? (int)round(steps) : 0; /* no UB on errors */
    return errs;
}

/* the connectivity rule's counts against the populations' sizes */
static int check_conn_counts(const Projection *pj)
{
    int errs = 0;
    const ConnRule *c = &pj->conn;
    if (c->kind == CONN_ONE_TO_ONE && pj->pre->n != pj->post->n) {
        diag_error(c->loc, "projection '%s': one_to_one needs populations of the same size "
                           "('%s' has %lld, '%s' has %lld)", pj->name, pj->pre->name,
                   (long long)pj->pre->n, pj->post->name, (long long)pj->post->n);
        errs++;
    }
    if (c->kind == CONN_FIXED_INDEGREE) {
        int64_t avail = pj->pre->n - (pj->pre == pj->post && !c->autapses ? 1 : 0);
        if (c->k > 0 && avail == 0) {
            diag_error(c->loc, "projection '%s': fixed_indegree(%lld) has no possible source "
                               "('%s' has one neuron and autapses are off)", pj->name,
                       (long long)c->k, pj->pre->name);
            errs++;
        } else if (!c->multapses && c->k > avail) {
            diag_error(c->loc, "projection '%s': fixed_indegree(%lld) without multapses needs "
                               "at least %lld distinct sources, but '%s' offers %lld",
                       pj->name, (long long)c->k, (long long)c->k, pj->pre->name,
                       (long long)avail);
            errs++;
        }
    }
    if (c->kind == CONN_FIXED_OUTDEGREE) {
        int64_t avail = pj->post->n - (pj->pre == pj->post && !c->autapses ? 1 : 0);
        if (c->k > 0 && avail == 0) {
            diag_error(c->loc, "projection '%s': fixed_outdegree(%lld) has no possible target",
                       pj->name, (long long)c->k);
            errs++;
        } else if (!c->multapses && c->k > avail) {
            diag_error(c->loc, "projection '%s': fixed_outdegree(%lld) without multapses needs "
                               "at least %lld distinct targets, but '%s' offers %lld",
                       pj->name, (long long)c->k, (long long)c->k, pj->post->name,
                       (long long)avail);
            errs++;
        }
    }
    if (c->kind == CONN_FIXED_TOTAL) {
        double pairs = (double)pj->pre->n * (double)pj->post->n -
                       (pj->pre == pj->post && !c->autapses ? (double)pj->post->n : 0);
        if ((double)c->k > 0 && pairs <= 0) {
            diag_error(c->loc, "projection '%s': fixed_total(%lld) has no possible pair",
                       pj->name, (long long)c->k);
            errs++;
        } else if (!c->multapses && (double)c->k > pairs) {
            diag_error(c->loc, "projection '%s': fixed_total(%lld) without multapses needs "
                               "that many distinct pairs, but there are %.0f", pj->name,
                       (long long)c->k, pairs);
            errs++;
        }
    }
    if ((c->kind == CONN_FIXED_INDEGREE || c->kind == CONN_FIXED_OUTDEGREE) &&
        c->k > 4294967295LL) {
        diag_error(c->loc, "projection '%s': %s %lld is too large", pj->name,
                   c->kind == CONN_FIXED_INDEGREE ? "in-degree" : "out-degree",
                   (long long)c->k);
        errs++;
    }
    return errs;
}

/* what the dense and procedural formats support */
static int check_format(const Projection *pj)
{
    int errs = 0;
    const ConnRule *c = &pj->conn;
    if (pj->format != FORMAT_SPARSE) {
        const char *f = pj->format == FORMAT_DENSE ? "dense" : "procedural";
        bool full = c->kind == CONN_ALL_TO_ALL && (c->autapses || pj->pre != pj->post);
        if (pj->syn && pj->format == FORMAT_DENSE && !full) {
            diag_error(pj->format_loc, "projection '%s': format = \"dense\" with a weight "
                                       "update model needs all_to_all (every cell of the "
                                       "matrix a synapse%s); store %s with format = "
                                       "\"sparse\"", pj->name,
                       c->kind == CONN_ALL_TO_ALL ? ", autapses included" : "",
                       c->kind == CONN_ALL_TO_ALL ? "it"
                                                  : arena_printf("a %s projection",
                                                                 conn_rule_name(c)));
            errs++;
        } else if (pj->syn && pj->format != FORMAT_DENSE) {
            diag_error(pj->format_loc, "projection '%s': format = \"%s\" does not support "
                                       "weight update models (synapse = ...); use format = "
                                       "\"sparse\"", pj->name, f);
            errs++;
        }
        if (pj->delay_init.kind != INIT_CONSTANT) {
            diag_error(pj->format_loc, "projection '%s': format = \"%s\" does not support "
                                       "per-synapse delays; use one delay or format = "
                                       "\"sparse\"", pj->name, f);
            errs++;
        }
    }
    if (pj->format == FORMAT_DENSE && c->multapses &&
        (c->kind == CONN_FIXED_INDEGREE || c->kind == CONN_FIXED_OUTDEGREE ||
         c->kind == CONN_FIXED_TOTAL)) {
        diag_error(pj->format_loc, "projection '%s': format = \"dense\" holds at most one "
                                   "synapse per pair, but %s allows multapses; add "
                                   "{ multapses = false } to the rule", pj->name,
                   conn_kind_name(c->kind));
        errs++;
    }
    if (pj->format == FORMAT_PROCEDURAL &&
        (c->kind == CONN_FIXED_INDEGREE || c->kind == CONN_FIXED_TOTAL)) {
        diag_error(pj->format_loc, "projection '%s': format = \"procedural\" needs a row-wise "
                                   "rule (all_to_all, one_to_one, fixed_probability or "
                                   "fixed_outdegree); %s is drawn per target", pj->name,
                   conn_rule_name(c));
        errs++;
    }
    if (pj->format == FORMAT_PROCEDURAL && c->kind == CONN_USER && !c->snip->row_form) {
        diag_error(pj->format_loc, "projection '%s': format = \"procedural\" needs a row-wise "
                                   "rule; connectivity '%s' gives the probability of each "
                                   "pair and is drawn per target (write it in the row form, "
                                   "count and target, or use format = \"sparse\")", pj->name,
                   c->snip->name);
        errs++;
    }
    return errs;
}

/* the number of synapses one projection can hold */
static int check_proj_size(const Projection *pj)
{
    double nsyn = ir_expected_synapses(pj); /* -1: unknown (checked when built) */
    if (nsyn > MAX_SYNAPSES) {
        diag_error(pj->loc, "projection '%s': %s gives %.3g synapses, more than the %.3g "
                            "that one projection can hold", pj->name,
                   conn_kind_name(pj->conn.kind), nsyn, MAX_SYNAPSES);
        return 1;
    }
    return 0;
}

static int check_projection(Model *m, Projection *pj)
{
    int errs = 0;
    const char *what = arena_printf("projection '%s'", pj->name);
    errs += check_psm(&pj->psm, pj->post, what, pj->loc, false);
    if (pj->syn)
        errs += check_proj_synapse(pj);
    if (pj->delay_init.kind != INIT_CONSTANT)
        errs += check_het_delay(m, pj);
    else
        errs += check_delay(m, pj);
    errs += check_conn_counts(pj);
    errs += check_format(pj);
    errs += check_proj_size(pj);
    return errs;
}

static bool same_psm(const Psm *a, const Psm *b)
{
    return a->kind == b->kind && a->tau == b->tau && a->E == b->E &&
           (a->kind != PSM_EXP_COND || !strcmp(a->V, b->V)) &&
           !a->target == !b->target && (!a->target || !strcmp(a->target, b->target));
}

/* Assign input accumulators: projections and Poisson current sources onto one population
 * with the same postsynaptic model (kind and parameters) share one. */
static void assign_inputs(Model *m)
{
    int n = m->n_projs + m->n_sources;
    for (int i = 0; i < n; i++) {
        const Population *post = i < m->n_projs ? m->projs[i]->post
                                                : m->sources[i - m->n_projs]->pop;
        const Psm *psm = i < m->n_projs ? &m->projs[i]->psm : &m->sources[i - m->n_projs]->psm;
        int *slot = i < m->n_projs ? &m->projs[i]->input_slot
                                   : &m->sources[i - m->n_projs]->input_slot;
        *slot = -1;
        if (i >= m->n_projs && m->sources[i - m->n_projs]->kind != CS_POISSON)
            continue;
        int next = 0;
        for (int k = 0; k < i; k++) {
            const Population *opost = k < m->n_projs ? m->projs[k]->post
                                                     : m->sources[k - m->n_projs]->pop;
            const Psm *opsm = k < m->n_projs ? &m->projs[k]->psm
                                             : &m->sources[k - m->n_projs]->psm;
            int oslot = k < m->n_projs ? m->projs[k]->input_slot
                                       : m->sources[k - m->n_projs]->input_slot;
            if (opost != post || oslot < 0)
                continue;
            if (*slot < 0 && same_psm(opsm, psm))
                *slot = oslot;
            if (oslot >= next)
                next = oslot + 1;
        }
        if (*slot < 0)
            *slot = next;
    }
}

/* Where a projection's or current source's input goes (its target: an input of the neuron,
 * or a state variable for the delta model), and whether a conductance-based input has the
 * target's membrane variable.  'direct': a dc, step_current or noise source (no model). */
static int check_psm(Psm *ps, const Population *post, const char *what, SrcLoc loc,
                     bool direct)
{
    const NeuronModel *nm = post->model;
    if (ps->target) {
        ps->to_input = false;
        for (int i = 0; i < nm->n_inputs; i++)
            if (!strcmp(nm->inputs[i], ps->target))
                ps->to_input = true;
        bool is_var = false;
        for (int i = 0; i < nm->n_vars; i++)
            is_var |= !strcmp(nm->vars[i].name, ps->target);
        if (!ps->to_input && is_var && direct) {
            diag_error(loc, "%s: target '%s' is a variable of neuron '%s'; a current source "
                            "adds to an input (declare one with neuron{ inputs = { \"%s\" } } "
                            "and read it in the code)", what, ps->target, nm->name,
                       ps->target);
            return 1;
        }
        if (!ps->to_input && is_var && ps->kind != PSM_DELTA) {
            diag_error(loc, "%s: 'target' adds the weights straight into a variable of the "
                            "target neuron; it cannot be combined with psm = %s (declare an "
                            "input with neuron{ inputs = { ... } } to use a postsynaptic "
                            "model)", what, psm_kind_name(ps->kind));
            return 1;
        }
        if (!ps->to_input && !is_var) {
            int nc = nm->n_vars + nm->n_inputs;
            const char **cands = arena_alloc(sizeof(char *) * (size_t)(nc + 1));
            for (int i = 0; i < nm->n_vars; i++)
                cands[i] = nm->vars[i].name;
            for (int i = 0; i < nm->n_inputs; i++)
                cands[nm->n_vars + i] = nm->inputs[i];
            char hint[128];
            diag_hint(hint, sizeof hint, ps->target, cands, nc);
            diag_error(loc, "%s: target '%s' is not a variable of neuron '%s'%s%s", what,
                       ps->target, nm->name, nm->n_inputs ? " nor one of its inputs" : "",
                       hint);
            return 1;
        }
    }
    if (ps->kind != PSM_EXP_COND)
        return 0;
    for (int i = 0; i < nm->n_vars; i++)
        if (!strcmp(nm->vars[i].name, ps->V))
            return 0;
    diag_error(loc, "%s: exp_cond needs the membrane variable '%s' of the target, but "
                    "neuron '%s' has no such variable (set exp_cond{ V = ... })", what,
               ps->V, nm->name);
    return 1;
}

/* Runtime parameters are named "<owner>.<param>" in the run config; populations, current
 * sources and projections have separate name spaces, so two owners may give one name. */
static int check_runtime_names(const Model *m)
{
    const char **names = NULL;
    SrcLoc *locs = NULL;
    int n = 0, cap = 0, lcap = 0, errs = 0;
    for (int pass = 0; pass < 3; pass++) {
        int count = pass == 0 ? m->n_pops : pass == 1 ? m->n_sources : m->n_projs;
        for (int i = 0; i < count; i++) {
            const char *owner = NULL, *pn[64];
            SrcLoc loc;
            int np = 0;
            if (pass == 0) {
                const Population *p = m->pops[i];
                owner = p->name, loc = p->loc;
                for (int k = 0; k < p->model->n_params && np < 64; k++)
                    if (p->runtime[k])
                        pn[np++] = p->model->params[k].name;
            } else if (pass == 1) {
                const CurrentSource *cs = m->sources[i];
                owner = cs->name, loc = cs->loc;
                for (int k = 0; k < CSP_COUNT; k++)
                    if (cs->runtime[k])
                        pn[np++] = cs_param_name((CsParam)k);
            } else {
                const Projection *pj = m->projs[i];
                owner = pj->name, loc = pj->loc;
                for (int k = 0; pj->syn && k < pj->syn->n_params && np < 64; k++)
                    if (pj->syn_runtime[k])
                        pn[np++] = pj->syn->params[k].name;
            }
            for (int k = 0; k < np; k++) {
                const char *full = arena_printf("%s.%s", owner, pn[k]);
                for (int q = 0; q < n; q++)
                    if (!strcmp(names[q], full)) {
                        diag_error(loc, "runtime parameter '%s' is also declared at %s:%d; "
                                        "rename one of the two", full, locs[q].file,
                                   locs[q].line);
                        errs++;
                    }
                names = arena_grow(names, &cap, n + 1, sizeof *names);
                locs = arena_grow(locs, &lcap, n + 1, sizeof *locs);
                names[n] = full;
                locs[n++] = loc;
            }
        }
    }
    return errs;
}

/* A population whose model has no threshold never spikes.  That is deliberate for an
 * analog unit that is only read (recorded variables); it is a mistake (a forgotten
 * threshold) when the population is the source of a projection, which then delivers
 * nothing, or records its spikes.  Warn once per population, at its line. */
static void warn_silent_sources(const Model *m)
{
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        const NeuronModel *nm = p->model;
        if (nm->threshold.text || nm->spike_source)
            continue;
        const Projection *use = NULL;
        for (int k = 0; k < m->n_projs && !use; k++) /* dynamics run without spikes */
            if (m->projs[k]->pre == p &&
                !(m->projs[k]->syn && m->projs[k]->syn->code[SC_DYNAMICS].text))
                use = m->projs[k];
        const char *state = nm->n_vars ? "has state variables but no threshold"
                                       : "has no threshold";
        if (use)
            diag_warn(p->loc, "population '%s': neuron '%s' %s, so it never spikes, but it is "
                              "the source of projection '%s' (%s:%d), which will deliver "
                              "nothing (add threshold = \"...\")", p->name, nm->name, state,
                      use->name, use->loc.file, use->loc.line);
        else if (p->record_spikes)
            diag_warn(p->loc, "population '%s': neuron '%s' %s, so it never spikes, but its "
                              "spikes are recorded (add threshold = \"...\")", p->name,
                      nm->name, state);
    }
}

/* ---- initial values from data and from code strings (population{ init }) ---------- */

/* The variables an initial-value expression reads (bit k: var k), through e. */
static void expr_vars(const Expr *e, bool *uses)
{
    if (!e)
        return;
    if (e->kind == EX_NAME && e->sym && e->sym->kind == SYM_VAR)
        uses[e->sym->index] = true;
    expr_vars(e->a, uses);
    expr_vars(e->b, uses);
    expr_vars(e->c, uses);
    for (int i = 0; i < e->nargs; i++)
        expr_vars(e->args[i], uses);
}

static bool expr_assigns_any(const Expr *e)
{
    if (!e)
        return false;
    if (e->kind == EX_ASSIGN || e->kind == EX_INCDEC)
        return true;
    bool r = expr_assigns_any(e->a) || expr_assigns_any(e->b) || expr_assigns_any(e->c);
    for (int i = 0; i < e->nargs && !r; i++)
        r = expr_assigns_any(e->args[i]);
    return r;
}

/* Parse and resolve a code-string initial value (once per model default it shares): it
 * sees the neuron's parameters, its other variables, id and dt. */
static int parse_init_expr(const NeuronModel *nm, const Init *in, const char *what)
{
    CodeStr *cs = in->code;
    if (cs->expr)
        return 0;
    if (cs->stmts) /* parsed before and found wrong */
        return 1;
    cs->stmts = arena_alloc(sizeof(Stmt));
    Expr *e = code_parse_expr(cs->text, cs->loc, what);
    if (!e)
        return 1;
    Sym *syms = arena_alloc(sizeof(Sym) * (size_t)(nm->n_params + nm->n_vars + 3));
    int k = 0;
    for (int i = 0; i < nm->n_params; i++)
        syms[k++] = (Sym){nm->params[i].name, SYM_PARAM, i, false, 0};
    for (int i = 0; i < nm->n_vars; i++)
        syms[k++] = (Sym){nm->vars[i].name, SYM_VAR, i, false, 0};
    syms[k++] = (Sym){"dt", SYM_BUILTIN, 0, false, 0};
    syms[k++] = (Sym){"id", SYM_BUILTIN, 2, false, 0};
    if (code_resolve_expr(e, syms, k, cs->loc, what) != 0)
        return 1;
    if (code_uses_rng(NULL, e) || expr_assigns_any(e)) {
        diag_error(cs->loc, "%s: an initial value from code is one expression of the "
                            "neuron's parameters and other variables, without random draws "
                            "or assignments (draw with an initialiser such as uniform(a, b) "
                            "and refer to that variable)", what);
        return 1;
    }
    cs->expr = e;
    return 0;
}

static int check_pop_inits(Population *p)
{
    const NeuronModel *nm = p->model;
    int errs = 0;
    int nexpr = 0;
    for (int k = 0; k < nm->n_vars; k++) {
        const Init *in = &p->inits[k];
        const char *what = arena_printf("population '%s': init of '%s'", p->name,
                                        nm->vars[k].name);
        if ((in->kind == INIT_FILE || in->kind == INIT_ARRAY) && in->n_vals != p->n) {
            diag_error(in->loc, "%s: %s%s%s has %lld value%s; it needs one per neuron (%lld)",
                       what, in->kind == INIT_FILE ? "'" : "the list",
                       in->kind == INIT_FILE ? in->file_arg : "",
                       in->kind == INIT_FILE ? "'" : "", (long long)in->n_vals,
                       in->n_vals == 1 ? "" : "s", (long long)p->n);
            errs++;
        }
        if (in->kind == INIT_EXPR) {
            errs += parse_init_expr(nm, in, what);
            nexpr++;
        }
    }
    if (errs || !nexpr)
        return errs;
    /* dependency order: a code-string value after every code-string value it reads */
    bool **uses = arena_alloc(sizeof(bool *) * (size_t)nm->n_vars);
    for (int k = 0; k < nm->n_vars; k++) {
        uses[k] = arena_alloc(sizeof(bool) * (size_t)(nm->n_vars + 1));
        if (p->inits[k].kind == INIT_EXPR)
            expr_vars(p->inits[k].code->expr, uses[k]);
    }
    int *state = arena_alloc(sizeof(int) * (size_t)nm->n_vars); /* 0 new, 1 open, 2 done */
    p->expr_order = arena_alloc(sizeof(int) * (size_t)nm->n_vars);
    p->n_expr_order = 0;
    int *stack = arena_alloc(sizeof(int) * (size_t)(nm->n_vars + 1));
    int *next = arena_alloc(sizeof(int) * (size_t)(nm->n_vars + 1));
    for (int r = 0; r < nm->n_vars; r++) {
        if (p->inits[r].kind != INIT_EXPR || state[r])
            continue;
        int sp = 0;
        stack[sp] = r;
        next[sp] = 0;
        state[r] = 1;
        while (sp >= 0) {
            int v = stack[sp];
            int w = next[sp]++;
            if (w >= nm->n_vars) {
                state[v] = 2;
                p->expr_order[p->n_expr_order++] = v;
                sp--;
                continue;
            }
            if (!uses[v][w] || p->inits[w].kind != INIT_EXPR || state[w] == 2)
                continue;
            if (state[w] == 1) {
                /* a cycle: stack from w up to v */
                StrBuf sb;
                sb_init(&sb);
                int from = 0;
                while (stack[from] != w)
                    from++;
                for (int q = from; q <= sp; q++)
                    sb_printf(&sb, "%s -> ", nm->vars[stack[q]].name);
                sb_puts(&sb, nm->vars[w].name);
                diag_error(p->inits[w].code->loc, "population '%s': the initial value of '%s' "
                                                  "depends on itself (%s); give one of these "
                                                  "variables a number or an initialiser",
                           p->name, nm->vars[w].name, sb.buf);
                sb_release(&sb);
                return 1;
            }
            state[w] = 1;
            sp++;
            stack[sp] = w;
            next[sp] = 0;
        }
    }
    return 0;
}

/* Weights and delays from data (from_list, from_matrix, from_file), and the kinds of
 * initial values projections do not take. */
static int check_proj_data(const Model *m, Projection *pj)
{
    int errs = 0;
    const ConnRule *c = &pj->conn;
    const char *data = c->kind == CONN_FROM_LIST ? "from_list" : "from_matrix";
    bool is_data = c->kind == CONN_FROM_LIST || c->kind == CONN_FROM_MATRIX;
    const Init *in[2] = {&pj->weight, &pj->delay_init};
    static const char *const names[2] = {"weight", "delay"};
    for (int k = 0; k < 2; k++) {
        if (in[k]->kind == INIT_ARRAY || in[k]->kind == INIT_EXPR) {
            diag_error(in[k]->loc, "projection '%s': a %s cannot be a %s; per-synapse values "
                                   "come from a .npy file with conn = from_list{...} and "
                                   "%s = from_file(\"x.npy\")", pj->name, names[k],
                       in[k]->kind == INIT_ARRAY ? "Lua list" : "code string", names[k]);
            errs++;
        }
        if (in[k]->kind != INIT_FILE || (k == 0 && c->kind == CONN_FROM_MATRIX))
            continue;
        if (c->kind != CONN_FROM_LIST) {
            diag_error(in[k]->loc, "projection '%s': %s = from_file(...) gives one value per "
                                   "entry of a list of synapses; it needs conn = from_list{...} "
                                   "(with %s, the order of the synapses is not the file's)",
                       pj->name, names[k], conn_rule_name(c));
            errs++;
        } else if (in[k]->n_vals != c->pre.n_vals) {
            diag_error(in[k]->loc, "projection '%s': %s '%s' has %lld values but the list "
                                   "'%s' has %lld synapses", pj->name, names[k],
                       in[k]->file_arg, (long long)in[k]->n_vals, c->pre.file_arg,
                       (long long)c->pre.n_vals);
            errs++;
        }
    }
    if (pj->syn)
        for (int k = 0; k < pj->syn->n_vars; k++)
            if (strcmp(pj->syn->vars[k].name, pj->syn->weight) != 0 &&
                pj->syn_inits[k].kind == INIT_FILE) {
                diag_error(pj->syn_inits[k].loc, "projection '%s': init of '%s': from_file is "
                                                 "supported for the weight only", pj->name,
                           pj->syn->vars[k].name);
                errs++;
            }
    if (c->kind == CONN_FROM_MATRIX &&
        (c->matrix.n_vals / (c->matrix.cols ? c->matrix.cols : 1) != pj->pre->n ||
         c->matrix.cols != pj->post->n)) {
        diag_error(c->loc, "projection '%s': from_matrix '%s' has shape (%lld, %lld); it needs "
                           "a row per source and a column per target: (%lld, %lld)", pj->name,
                   c->matrix.file_arg,
                   (long long)(c->matrix.n_vals / (c->matrix.cols ? c->matrix.cols : 1)),
                   (long long)c->matrix.cols, (long long)pj->pre->n, (long long)pj->post->n);
        errs++;
    }
    if (is_data && pj->format == FORMAT_PROCEDURAL) {
        diag_error(pj->format_loc, "projection '%s': format = \"procedural\" regenerates rows "
                                   "from a rule; %s has no rule to regenerate (use \"sparse\" "
                                   "or \"dense\")", pj->name, data);
        errs++;
    }
    (void)m;
    return errs;
}

int check_model(Model *m)
{
    int errs = 0;
    SrcLoc floc = {m->file, 0};
    if (m->n_pops == 0) {
        diag_error(floc, "the model defines no population (add population { \"name\", "
                         "model, size })");
        return 1;
    }
    if (m->n_pops > MAX_POPS) {
        diag_error(m->pops[MAX_POPS]->loc, "too many populations (at most %d)", MAX_POPS);
        errs++;
    }
    if (m->n_projs > MAX_PROJS) {
        diag_error(m->projs[MAX_PROJS]->loc, "too many projections (at most %d)", MAX_PROJS);
        errs++;
    }
    if (m->dt > 1000) {
        diag_error(m->loc, "network: dt = %g ms is implausibly large", m->dt);
        errs++;
    }

    for (int i = 0; i < m->n_initcodes; i++)
        errs += check_initcode(m->initcodes[i]);

    g_has_dataset = false;
    for (int i = 0; i < m->n_pops; i++) {
        if (!m->pops[i]->model->dataset)
            continue;
        if (g_has_dataset) {
            diag_error(m->pops[i]->loc, "population '%s': a second spike_source_dataset "
                                        "population; a model has at most one (its example's "
                                        "'label' and 'example' are the model's)",
                       m->pops[i]->name);
            errs++;
        }
        g_has_dataset = true;
    }

    NeuronModel **done = arena_alloc(sizeof(void *) * (size_t)(m->n_pops + m->n_neurons + 1));
    int ndone = 0;
    for (int i = 0; i < m->n_neurons + m->n_pops; i++) {
        NeuronModel *nm = i < m->n_neurons ? m->neurons[i] : m->pops[i - m->n_neurons]->model;
        bool seen = false;
        for (int k = 0; k < ndone; k++)
            seen |= done[k] == nm;
        if (seen)
            continue;
        done[ndone++] = nm;
        errs += check_neuron(nm);
        for (int k = 0; k < nm->n_vars; k++) /* code-string initial values, used or not */
            if (nm->vars[k].init.kind == INIT_EXPR)
                errs += parse_init_expr(nm, &nm->vars[k].init,
                                        arena_printf("neuron '%s': initial value of '%s'",
                                                     nm->name, nm->vars[k].name));
    }

    for (int i = 0; i < m->n_pops; i++) {
        Population *p = m->pops[i];
        if (p->n < 1) {
            diag_error(p->loc, "population '%s': size must be at least 1 (got %lld)", p->name,
                       (long long)p->n);
            errs++;
        } else if ((double)p->n > MAX_POP_SIZE) {
            diag_error(p->loc, "population '%s': size %lld exceeds the limit of %.0f neurons "
                               "per population", p->name, (long long)p->n, MAX_POP_SIZE);
            errs++;
        }
        const NeuronModel *nm = p->model;
        if (nm->dataset) {
            /* the data set is checked against the size when the simulator reads it */
        } else if (nm->spike_source && nm->sst_file[0] == '\0' && p->n != nm->n_lists) {
            diag_error(p->loc, "population '%s': spike_source_array has %lld lists of times "
                               "but the population has %lld neurons", p->name,
                       (long long)nm->n_lists, (long long)p->n);
            errs++;
        } else if (nm->spike_source && p->n < nm->n_lists) {
            diag_error(p->loc, "population '%s': %s has times for neuron %lld, but the "
                               "population has %lld neurons", p->name, nm->sst_file,
                       (long long)nm->n_lists - 1, (long long)p->n);
            errs++;
        }
        errs += check_pop_inits(p);
        for (int k = 0; k < nm->n_vars; k++) {
            const Init *in = &p->inits[k];
            if (in->kind == INIT_UNIFORM && in->a > in->b) {
                diag_error(in->loc, "population '%s': init of '%s': uniform low > high",
                           p->name, nm->vars[k].name);
                errs++;
            }
        }
    }
    if (errs)
        return errs;
    SynapseModel **sdone = arena_alloc(sizeof(void *) * (size_t)(m->n_projs + m->n_synapses + 1));
    int nsdone = 0;
    for (int i = 0; i < m->n_synapses + m->n_projs; i++) {
        SynapseModel *sm = i < m->n_synapses ? m->synapses[i] : m->projs[i - m->n_synapses]->syn;
        bool seen = !sm;
        for (int k = 0; k < nsdone && !seen; k++)
            seen = sdone[k] == sm;
        if (seen)
            continue;
        sdone[nsdone++] = sm;
        errs += check_synapse_model(sm);
    }
    for (int i = 0; i < m->n_snippets; i++)
        errs += check_conn_snippet(m->snippets[i]);
    if (errs)
        return errs;
    for (int i = 0; i < m->n_projs; i++) {
        errs += check_projection(m, m->projs[i]);
        errs += check_pre_input(m->projs[i]);
    }
    /* the synapse code of each plastic projection, resolved for it (models in sdone) */
    bool *failed = arena_alloc(sizeof(bool) * SC_COUNT * (size_t)(nsdone + 1));
    for (int i = 0; i < m->n_projs && !errs; i++) {
        Projection *pj = m->projs[i];
        int k = 0;
        while (pj->syn && sdone[k] != pj->syn)
            k++;
        if (pj->syn)
            errs += resolve_syn_code(pj, failed + (size_t)k * SC_COUNT);
    }
    for (int i = 0; i < m->n_projs; i++)
        errs += check_proj_data(m, m->projs[i]);
    for (int i = 0; i < m->n_sources; i++) {
        CurrentSource *cs = m->sources[i];
        errs += check_psm(&cs->psm, cs->pop, arena_printf("current_source '%s'", cs->name),
                          cs->loc, cs->kind != CS_POISSON);
        if (cs->kind == CS_POISSON && cs->rate * m->dt * 1e-3 > 1e6) {
            diag_error(cs->loc, "current_source '%s': rate %g Hz gives %g spikes per step",
                       cs->name, cs->rate, cs->rate * m->dt * 1e-3);
            errs++;
        }
    }
    errs += check_runtime_names(m);
    if (!errs)
        errs += check_custom_updates(m); /* custom.c */
    if (!errs)
        errs += check_conn_updates(m); /* rewire.c */
    warn_silent_sources(m);
    assign_inputs(m);
    if (errs) /* record { <custom update> = } entries are resolved only without errors */
        return errs;
    /* record{} tables are walked in Lua's hash order, which changes from run to run:
     * put state recordings in model order so the output is reproducible */
    for (int i = 1; i < m->n_varrecs; i++)
        for (int k = i; k > 0; k--) {
            VarRecord *a = m->varrecs[k - 1], *b = m->varrecs[k];
            const int ca = a->cu ? a->cu->index + 1 : 0, cb = b->cu ? b->cu->index + 1 : 0;
            if (a->pop->index < b->pop->index ||
                (a->pop->index == b->pop->index &&
                 (ca < cb || (ca == cb && a->var <= b->var))))
                break;
            m->varrecs[k - 1] = b;
            m->varrecs[k] = a;
        }
    for (int i = 1; i < m->n_synrecs; i++) /* likewise synapse recordings */
        for (int k = i; k > 0; k--) {
            SynRecord *a = m->synrecs[k - 1], *b = m->synrecs[k];
            const int ca = a->cu ? a->cu->index + 1 : 0, cb = b->cu ? b->cu->index + 1 : 0;
            if (a->proj->index < b->proj->index ||
                (a->proj->index == b->proj->index &&
                 (ca < cb || (ca == cb && a->var <= b->var))))
                break;
            m->synrecs[k - 1] = b;
            m->synrecs[k] = a;
        }
    return errs;
}
