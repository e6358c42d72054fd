/*
 * custom.c - custom updates (custom_update{}): their checks and the C back end's code.
 *
 * A custom update is code run over the neurons of a population or the synapses of a
 * projection when its group is due (the run config's custom_updates, or the model's
 * every / at_end): after the step's synapse dynamics (the phase table's row
 * 'custom_update').  Its names are its parameters, its own variables (one value per
 * element, or one value reduced over the neurons: reduce = "sum" / "max") and references
 * to other groups' variables (ref read-only, ref_rw read-write).  docs/language.md,
 * "Custom updates"; docs/parallel.md for the order of the sums.
 *
 * check_custom_updates resolves the references, works out what each update runs over,
 * parses and resolves the code and collects the groups; cu_c_scope hands the C back end
 * its functions (one per group), the initial values and the descriptors.  The state
 * (snn_cuv_<update>_<var>, snn_rpu_<update>_<param>) is in the state table (state.c).
 */
#include "backend.h"

#include <math.h>
#include <string.h>

/* ---- checks -------------------------------------------------------------------------- */

static const char *reduce_name(CuReduce r)
{
    return r == CU_REDUCE_SUM         ? "sum"
           : r == CU_REDUCE_MAX       ? "max"
           : r == CU_REDUCE_BATCH_SUM ? "batch_sum"
           : r == CU_REDUCE_BATCH_MAX ? "batch_max"
                                      : "none";
}

/* What an element-shaped reference or variable runs over. */
typedef struct Shape {
    const Population *pop;   /* neurons (by size: populations of one size go together) */
    const Projection *proj;  /* or synapses */
    const char *ref;         /* the reference that gave it */
} Shape;

static const char *shape_desc(const Shape *s)
{
    if (s->proj)
        return arena_printf("the synapses of projection '%s'", s->proj->name);
    return arena_printf("population '%s': %lld neurons", s->pop->name, (long long)s->pop->n);
}

static const char **all_targets(const Model *m, int *n)
{
    const char **v = arena_alloc(sizeof(char *) * (size_t)(m->n_pops + m->n_projs + m->n_cus + 1));
    int k = 0;
    for (int i = 0; i < m->n_pops; i++)
        v[k++] = m->pops[i]->name;
    for (int i = 0; i < m->n_projs; i++)
        v[k++] = m->projs[i]->name;
    for (int i = 0; i < m->n_cus; i++)
        v[k++] = m->cus[i]->name;
    *n = k;
    return v;
}

/* Resolve reference r of cu: its kind, owner and variable.  Returns the error count. */
static int resolve_ref(const Model *m, const CustomUpdate *cu, CuRef *r)
{
    const char *what = arena_printf("custom_update '%s': var_refs '%s'", cu->name, r->name);
    char hint[128];
    for (int i = 0; i < m->n_pops; i++)
        if (!strcmp(m->pops[i]->name, r->target)) {
            const NeuronModel *nm = m->pops[i]->model;
            const char **c = arena_alloc(sizeof(char *) * (size_t)(nm->n_vars + 1));
            for (int k = 0; k < nm->n_vars; k++) {
                c[k] = nm->vars[k].name;
                if (!strcmp(c[k], r->var)) {
                    r->kind = CUREF_NEURON, r->pop = m->pops[i], r->index = k;
                    return 0;
                }
            }
            diag_error(r->loc, "%s: population '%s' (neuron '%s') has no variable '%s'%s", what,
                       r->target, nm->name, r->var,
                       diag_hint(hint, sizeof hint, r->var, c, nm->n_vars));
            return 1;
        }
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, r->target)) {
            const Projection *pj = m->projs[i];
            if (!pj->syn) {
                diag_error(r->loc, "%s: projection '%s' has static synapses (no weight update "
                                   "model), so it has no synapse variables to refer to", what,
                           pj->name);
                return 1;
            }
            const SynapseModel *sm = pj->syn;
            const char **c = arena_alloc(sizeof(char *) * (size_t)(sm->n_vars + 1));
            for (int k = 0; k < sm->n_vars; k++) {
                c[k] = sm->vars[k].name;
                if (!strcmp(c[k], r->var)) {
                    r->kind = CUREF_SYNAPSE, r->proj = pj, r->index = k;
                    return 0;
                }
            }
            diag_error(r->loc, "%s: projection '%s' (synapse '%s') has no synapse variable "
                               "'%s'%s", what, r->target, sm->name, r->var,
                       diag_hint(hint, sizeof hint, r->var, c, sm->n_vars));
            return 1;
        }
    for (int i = 0; i < m->n_cus; i++)
        if (!strcmp(m->cus[i]->name, r->target)) {
            const CustomUpdate *o = m->cus[i];
            if (o == cu) {
                diag_error(r->loc, "%s: a custom update cannot refer to its own variables "
                                   "(use them by name)", what);
                return 1;
            }
            if (o->index > cu->index) {
                diag_error(r->loc, "%s: custom update '%s' is defined later (%s:%d): refer to "
                                   "custom updates defined before", what, o->name, o->loc.file,
                           o->loc.line);
                return 1;
            }
            const char **c = arena_alloc(sizeof(char *) * (size_t)(o->n_vars + 1));
            for (int k = 0; k < o->n_vars; k++) {
                c[k] = o->vars[k].name;
                if (!strcmp(c[k], r->var)) {
                    r->kind = CUREF_CU, r->cu = o, r->index = k;
                    if (r->rw && CU_NEURON_REDUCE(o->vars[k].reduce)) {
                        diag_error(r->loc, "%s: '%s.%s' is a reduction (one value); refer to it "
                                           "read-only with ref", what, o->name, r->var);
                        return 1;
                    }
                    return 0;
                }
            }
            diag_error(r->loc, "%s: custom update '%s' has no variable '%s'%s", what, o->name,
                       r->var, diag_hint(hint, sizeof hint, r->var, c, o->n_vars));
            return 1;
        }
    int n;
    const char **c = all_targets(m, &n);
    diag_error(r->loc, "%s: unknown population, projection or custom update '%s'%s", what,
               r->target, diag_hint(hint, sizeof hint, r->target, c, n));
    return 1;
}

/* The shape of a resolved reference; false for a reduced custom-update variable. */
static bool ref_shape(const CuRef *r, Shape *s)
{
    *s = (Shape){NULL, NULL, r->name};
    switch (r->kind) {
    case CUREF_NEURON:
        s->pop = r->pop;
        return true;
    case CUREF_SYNAPSE:
        s->proj = r->proj;
        return true;
    case CUREF_CU:
        if (CU_NEURON_REDUCE(r->cu->vars[r->index].reduce))
            return false;
        s->pop = r->cu->pop, s->proj = r->cu->proj;
        return s->pop || s->proj;
    }
    return false;
}

static bool same_shape(const Shape *a, const Shape *b)
{
    if (a->proj || b->proj)
        return a->proj == b->proj;
    return a->pop->n == b->pop->n;
}

/* The model's spike_source_dataset population (at most one), or NULL. */
static const Population *dataset_pop(const Model *m)
{
    for (int i = 0; i < m->n_pops; i++)
        if (m->pops[i]->model->dataset)
            return m->pops[i];
    return NULL;
}

static int check_one(Model *m, CustomUpdate *cu)
{
    int errs = 0;
    const char *what = arena_printf("custom_update '%s'", cu->name);
    for (int i = 0; i < m->n_pops; i++)
        if (!strcmp(m->pops[i]->name, cu->name)) {
            diag_error(cu->loc, "%s: name already used by population '%s' (%s:%d)", what,
                       cu->name, m->pops[i]->loc.file, m->pops[i]->loc.line);
            errs++;
        }
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, cu->name)) {
            diag_error(cu->loc, "%s: name already used by projection '%s' (%s:%d)", what,
                       cu->name, m->projs[i]->loc.file, m->projs[i]->loc.line);
            errs++;
        }
    /* one name space in the code: parameters, variables, references */
    const int nn = cu->n_params + cu->n_vars + cu->n_refs;
    const char **names = arena_alloc(sizeof(char *) * (size_t)(nn + 1));
    int k = 0;
    for (int i = 0; i < cu->n_params; i++)
        names[k++] = cu->params[i].name;
    for (int i = 0; i < cu->n_vars; i++)
        names[k++] = cu->vars[i].name;
    for (int i = 0; i < cu->n_refs; i++)
        names[k++] = cu->refs[i].name;
    for (int i = 0; i < nn; i++) {
        bool dup = false;
        for (int j = 0; j < i; j++)
            dup |= !strcmp(names[i], names[j]);
        if (dup || !strncmp(names[i], "snn_", 4) || !strcmp(names[i], "dt") ||
            !strcmp(names[i], "t") || !strcmp(names[i], "id")) {
            diag_error(cu->loc, "%s: the name '%s' is %s", what, names[i],
                       dup ? "used twice (parameters, vars and var_refs share one name space)"
                           : "reserved");
            errs++;
        }
    }
    for (int i = 0; i < cu->n_refs; i++)
        errs += resolve_ref(m, cu, &cu->refs[i]);
    if (errs)
        return errs;
    /* what it runs over: every element-shaped reference the same */
    Shape sh = {0};
    bool have = false;
    for (int i = 0; i < cu->n_refs; i++) {
        Shape s;
        if (!ref_shape(&cu->refs[i], &s))
            continue;
        if (!have) {
            sh = s, have = true;
        } else if (!same_shape(&sh, &s)) {
            diag_error(cu->refs[i].loc, "%s: var_refs '%s' (%s) and '%s' (%s) differ in size",
                       what, sh.ref, shape_desc(&sh), s.ref, shape_desc(&s));
            return errs + 1;
        }
    }
    if (!have) {
        diag_error(cu->loc, "%s: no variable reference to a population's, projection's or "
                            "custom update's per-element variable, so nothing says what it runs "
                            "over (add one in var_refs, e.g. V = ref(\"Out\", \"V\"))", what);
        return errs + 1;
    }
    cu->pop = sh.proj ? NULL : sh.pop;
    cu->proj = sh.proj;
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (CU_NEURON_REDUCE(v->reduce) && cu->proj) {
            diag_error(v->loc, "%s: variable '%s' has reduce = \"%s\", but the update runs over "
                               "the synapses of projection '%s' (reductions are over the neurons "
                               "of a population)", what, v->name, reduce_name(v->reduce),
                       cu->proj->name);
            errs++;
        } else if (v->shared && v->reduce != CU_REDUCE_NONE) {
            diag_error(v->loc, "%s: variable '%s' has reduce = \"%s\" and shared = true: a "
                               "reduction is held as it is (shared is for per-element "
                               "variables)", what, v->name, reduce_name(v->reduce));
            errs++;
        } else if ((cu->proj || CU_NEURON_REDUCE(v->reduce)) && v->init.kind != INIT_CONSTANT) {
            diag_error(v->loc, "%s: variable '%s': the initial value of a %s is a number", what,
                       v->name, cu->proj ? "per-synapse variable" : "reduction");
            errs++;
        }
    }
    /* the code */
    const NeuronModel *side_nm[2] = {cu->proj ? cu->proj->pre->model : NULL,
                                     cu->proj ? cu->proj->post->model : NULL};
    const int n_side = cu->proj ? side_nm[0]->n_vars + side_nm[1]->n_vars + 2 : 0;
    Sym *syms = arena_alloc(sizeof(Sym) * (size_t)(nn + n_side + 6));
    int ns = 0;
    for (int i = 0; i < cu->n_params; i++)
        syms[ns++] = (Sym){cu->params[i].name, SYM_PARAM, i, false, 0};
    for (int i = 0; i < cu->n_vars; i++)
        syms[ns++] = (Sym){cu->vars[i].name, SYM_VAR, i, true, 0};
    for (int i = 0; i < cu->n_refs; i++)
        syms[ns++] = (Sym){cu->refs[i].name, SYM_REF, i, cu->refs[i].rw, 0};
    syms[ns++] = (Sym){"dt", SYM_BUILTIN, 0, false, 0};
    syms[ns++] = (Sym){"t", SYM_BUILTIN, 1, false, 0};
    if (cu->pop)
        syms[ns++] = (Sym){"id", SYM_BUILTIN, 2, false, 0};
    if (cu->proj) { /* as in synapse code: the synapse's neurons, read only (V_pre, z_post) */
        for (int side = 0; side < 2; side++) {
            for (int i = 0; i < side_nm[side]->n_vars; i++) {
                const char *nv = arena_printf("%s_%s", side_nm[side]->vars[i].name,
                                              side ? "post" : "pre");
                bool own = false;
                for (int j = 0; j < nn; j++)
                    own |= !strcmp(names[j], nv);
                if (!own) /* the update's own names come first */
                    syms[ns++] = (Sym){nv, side ? SYM_POST_NEURON : SYM_PRE_NEURON, i, false, 0};
            }
            const char *id = side ? "id_post" : "id_pre";
            bool own = false;
            for (int j = 0; j < nn; j++)
                own |= !strcmp(names[j], id);
            if (!own)
                syms[ns++] = (Sym){id, SYM_BUILTIN, 3 + side, false, 0};
        }
    }
    if (dataset_pop(m)) { /* the example of the step that just ended, as in neuron code */
        syms[ns++] = (Sym){"label", SYM_BUILTIN, 5, false, 0};
        syms[ns++] = (Sym){"example", SYM_BUILTIN, 6, false, 0};
    }
    const char *cwhat = arena_printf("custom update '%s' code", cu->name);
    cu->code.stmts = code_parse_stmts(cu->code.text, cu->code.loc, cwhat);
    if (!cu->code.stmts)
        return errs + 1;
    errs += code_resolve_stmts(cu->code.stmts, syms, ns, cu->code.loc, cwhat);
    return errs;
}

/* The line (in the code string) of the first use of a presynaptic neuron's variable; 0
 * when none. */
static int pre_neuron_line(const Stmt *s, const Expr *e)
{
    int l = 0;
    if (e) {
        if (e->sym && e->sym->kind == SYM_PRE_NEURON)
            return e->line;
        for (int i = 0; i < e->nargs && !l; i++)
            l = pre_neuron_line(NULL, e->args[i]);
        if (!l && e->a)
            l = pre_neuron_line(NULL, e->a);
        if (!l && e->b)
            l = pre_neuron_line(NULL, e->b);
        if (!l && e->c)
            l = pre_neuron_line(NULL, e->c);
    }
    if (!s)
        return l;
    for (int i = 0; i < s->n && !l; i++)
        l = pre_neuron_line(s->body[i], NULL);
    if (!l && s->e)
        l = pre_neuron_line(NULL, s->e);
    if (!l && s->then)
        l = pre_neuron_line(s->then, NULL);
    if (!l && s->els)
        l = pre_neuron_line(s->els, NULL);
    return l;
}

int check_mpi_custom_updates(const Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_cus; i++) {
        const CustomUpdate *cu = m->cus[i];
        const int line = cu->proj ? pre_neuron_line(cu->code.stmts, NULL) : 0;
        if (!line)
            continue;
        diag_error((SrcLoc){cu->code.loc.file, cu->code.loc.line + line - 1},
                   "custom update '%s' code (over the synapses of projection '%s') reads a "
                   "presynaptic neuron's variable (_pre), which --mpi does not support (a "
                   "synapse lives on its target's rank, its source may live on another; the "
                   "postsynaptic neuron's variables (_post) work)", cu->name, cu->proj->name);
        errs++;
    }
    return errs;
}

/* record { <custom update> = ... } (lua_api.c makes VarRecords with cu set, pop NULL):
 * over neurons a state recording of the update's population (every step unless every is
 * given), over synapses a synapse recording of its projection (the end of the run unless
 * every is given).  Reductions (one value) are refused. */
static int resolve_cu_records(Model *m)
{
    int errs = 0, nv = 0, n_cu_syn = 0;
    for (int i = 0; i < m->n_varrecs; i++)
        n_cu_syn += m->varrecs[i]->cu && m->varrecs[i]->cu->proj;
    SynRecord **srs = m->synrecs;
    if (n_cu_syn) {
        srs = arena_alloc(sizeof(SynRecord *) * (size_t)(m->n_synrecs + n_cu_syn));
        if (m->n_synrecs)
            memcpy(srs, m->synrecs, sizeof(SynRecord *) * (size_t)m->n_synrecs);
    }
    int ns = m->n_synrecs;
    for (int i = 0; i < m->n_varrecs; i++) {
        VarRecord *r = m->varrecs[i];
        const CustomUpdate *cu = r->cu;
        if (!cu) {
            m->varrecs[nv++] = r;
            continue;
        }
        const CuVar *v = &cu->vars[r->var];
        if (!cu->pop && !cu->proj)
            continue; /* its errors are reported */
        if (CU_NEURON_REDUCE(v->reduce)) {
            diag_error(r->loc, "record: custom update '%s' variable '%s' has reduce = \"%s\": "
                               "one value, not one per %s; only per-element variables are "
                               "recorded (write it into a neuron variable with ref_rw and "
                               "record that)", cu->name, v->name, reduce_name(v->reduce),
                       cu->proj ? "synapse" : "neuron");
            errs++;
            continue;
        }
        if (cu->proj) {
            SynRecord *sr = arena_alloc(sizeof *sr);
            *sr = (SynRecord){(Projection *)cu->proj, r->var, r->every < 0 ? 0 : r->every,
                              r->loc, cu};
            srs[ns++] = sr;
            continue;
        }
        r->pop = (Population *)cu->pop;
        if (r->every < 0)
            r->every = 1;
        m->varrecs[nv++] = r;
    }
    m->n_varrecs = nv;
    m->synrecs = srs;
    m->n_synrecs = ns;
    return errs;
}

int check_custom_updates(Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_cus; i++)
        errs += check_one(m, m->cus[i]);
    int cap = 0;
    m->cu_groups = NULL;
    m->n_cu_groups = 0;
    for (int i = 0; i < m->n_cus; i++) {
        CustomUpdate *cu = m->cus[i];
        int g = 0;
        while (g < m->n_cu_groups && strcmp(m->cu_groups[g].name, cu->group) != 0)
            g++;
        if (g == m->n_cu_groups) {
            m->cu_groups = arena_grow(m->cu_groups, &cap, g + 1, sizeof *m->cu_groups);
            m->cu_groups[g] = (CuGroup){cu->group, 0, false, cu->loc};
            m->n_cu_groups++;
        }
        CuGroup *gr = &m->cu_groups[g];
        cu->group_index = g;
        /* the group's schedule: the custom updates that give one must agree */
        for (int j = 0; j < i; j++) {
            const CustomUpdate *o = m->cus[j];
            if (o->group_index != g)
                continue;
            if (cu->every_given && o->every_given && o->every != cu->every) {
                diag_error(cu->loc, "custom_update '%s': every = %d, but custom update '%s' of "
                                    "the same group '%s' says every = %d (%s:%d)", cu->name,
                           cu->every, o->name, gr->name, o->every, o->loc.file, o->loc.line);
                errs++;
                break;
            }
            if (cu->at_end_given && o->at_end_given && o->at_end != cu->at_end) {
                diag_error(cu->loc, "custom_update '%s': at_end = %s, but custom update '%s' of "
                                    "the same group '%s' says at_end = %s (%s:%d)", cu->name,
                           cu->at_end ? "true" : "false", o->name, gr->name,
                           o->at_end ? "true" : "false", o->loc.file, o->loc.line);
                errs++;
                break;
            }
        }
        if (cu->every_given)
            gr->every = cu->every;
        if (cu->at_end_given)
            gr->at_end = cu->at_end;
    }
    errs += resolve_cu_records(m);
    return errs;
}

/* ---- the C back end -------------------------------------------------------------------- */

typedef struct PCtx {
    const Model *m;
    const CustomUpdate *cu;
    bool cuda; /* the CUDA kernels (one rank: snn_post is global) */
    bool post_local; /* snn_post is this rank's index (the C back end; CUDA with --mpi) */
} PCtx;

/* Random draws in custom-update code: from snn_rng_st, which cu_rng_init keys. */
static void cu_print_rng(void *ud, StrBuf *out, const Sym *sym, char **argv, int argc)
{
    const PCtx *c = ud;
    emit_print_rng_scalar(out, sym->name, c->m->precision == PREC_FLOAT, argv, argc);
}

static void cu_print_name(void *ud, StrBuf *out, const Sym *sym)
{
    const PCtx *c = ud;
    const CustomUpdate *cu = c->cu;
    switch (sym->kind) {
    case SYM_PARAM:
        if (cu->runtime[sym->index])
            sb_printf(out, "((scalar)snn_rpu_%s_%s)", cu->name, sym->name);
        else
            code_print_number(out, cu->params[sym->index].value,
                              c->m->precision == PREC_FLOAT);
        break;
    case SYM_BUILTIN:
        if (!strcmp(sym->name, "dt"))
            code_print_number(out, c->m->dt, c->m->precision == PREC_FLOAT);
        else if (!strcmp(sym->name, "t")) /* the end of the step */
            sb_puts(out, "((scalar)((double)(step + 1) * SNN_DT))");
        else if (sym->index == 5 || sym->index == 6) { /* label, example of step 'step' */
            const Population *d = dataset_pop(c->m);
            sb_printf(out, "((scalar)snn_ds%c_%s[step / snn_dsn_%s])", sym->index == 5 ? 'l' : 'e',
                      d->name, d->name);
        } else if (sym->index == 3) /* id_pre: the synapse's source (global) */
            sb_puts(out, "((scalar)snn_pre)");
        else if (sym->index == 4) /* id_post: its target (global) */
            sb_printf(out, !c->post_local ? "((scalar)snn_post)" : "((scalar)(SNN_LO_%s + snn_post))",
                      cu->proj->post->name);
        else /* id: the neuron's index in its population */
            sb_printf(out, "((scalar)(SNN_LO_%s + snn_i))", cu->pop->name);
        break;
    case SYM_PRE_NEURON: /* the source's variable (one rank: --mpi refuses it) */
        sb_printf(out, "%s_%s[snn_pre]", cu->proj->pre->name,
                  cu->proj->pre->model->vars[sym->index].name);
        break;
    case SYM_POST_NEURON: /* the target's variable: snn_post is this rank's index */
        sb_printf(out, "%s_%s[snn_post]", cu->proj->post->name,
                  cu->proj->post->model->vars[sym->index].name);
        break;
    default: /* vars, references and locals: prefixed, so no generated name is met */
        if (sym->kind == SYM_LOCAL && sym->index < 0) /* cu_hoist_decls' value */
            sb_printf(out, "snn_hd_%s", sym->name);
        else
            sb_printf(out, "snn_u_%s", sym->name);
        break;
    }
}

/* The C expression of a reference's element (snn_i: the neuron; snn_o + snn_pos: the
 * synapse) or value. */
static const char *ref_lvalue(const CuRef *r)
{
    switch (r->kind) {
    case CUREF_NEURON:
        return arena_printf("%s_%s[snn_i]", r->pop->name, r->pop->model->vars[r->index].name);
    case CUREF_SYNAPSE: {
        const SynapseModel *sm = r->proj->syn;
        if (!strcmp(sm->vars[r->index].name, sm->weight))
            return "((scalar *)snn_R->weight)[snn_pos]";
        return arena_printf("snn_sv_%s_%s[snn_o + snn_pos]", r->proj->name,
                            sm->vars[r->index].name);
    }
    case CUREF_CU: {
        const CuVar *v = &r->cu->vars[r->index];
        if (CU_NEURON_REDUCE(v->reduce))
            return arena_printf("snn_cuv_%s_%s", r->cu->name, v->name);
        return arena_printf("snn_cuv_%s_%s[%s]", r->cu->name, v->name,
                            r->cu->proj ? "snn_o + snn_pos" : "snn_i");
    }
    }
    return "0";
}

/* A batch reduction (reduce = "batch_sum" / "batch_max"): lane b's value of the element
 * into the double accumulator snn_cua_<update>_<var> in lane order 0, 1, ..., B-1 (the
 * lanes run one after another, so the order does not depend on the threads), rounded into
 * the variable, held once, by the last lane.  Unbatched models: the value itself. */
static void cu_batch_term(StrBuf *o, const Model *m, const CustomUpdate *cu, const CuVar *v,
                          int ind)
{
    const char *idx = cu->proj ? "snn_o + snn_pos" : "snn_i";
    const char *var = arena_printf("snn_cuv_%s_%s[%s]", cu->name, v->name, idx);
    if (!m->batch) {
        sb_printf(o, "%*s%s = snn_u_%s; /* one lane */\n", ind, "", var, v->name);
        return;
    }
    const char *acc = arena_printf("snn_cua_%s_%s[%s]", cu->name, v->name, idx);
    /* lanes over ranks: the lane's term kept, reduced over all ranks' lanes after the last
     * (cu_lanes_reduce) */
    sb_printf(o, "%*sif (snn_lt_%s)\n%*s    snn_lt_%s[(size_t)snn_cur_lane * snn_ltn_%s + %s] = "
                 "(double)snn_u_%s;\n%*selse {\n", ind, "", v->name, ind, "", v->name, v->name,
              idx, v->name, ind, "");
    ind += 4;
    if (v->reduce == CU_REDUCE_BATCH_SUM)
        sb_printf(o, "%*s%s = snn_cur_lane ? %s + (double)snn_u_%s : (double)snn_u_%s;\n", ind,
                  "", acc, acc, v->name, v->name);
    else
        sb_printf(o, "%*sif (!snn_cur_lane || (double)snn_u_%s > %s)\n%*s    %s = "
                     "(double)snn_u_%s;\n", ind, "", v->name, acc, ind, "", acc, v->name);
    sb_printf(o, "%*sif (snn_cur_lane + 1u == snn_nlane)\n%*s    %s = (scalar)%s;\n", ind, "",
              ind, "", var, acc);
    sb_printf(o, "%*s}\n", ind - 4, "");
}

/* The slot of batch-reduced variable k of update cu among the model's (snn_lanes_terms). */
static int cu_lanes_slot(const Model *m, const CustomUpdate *cu, int k)
{
    int s = 0;
    for (int i = 0; i < m->n_cus; i++)
        for (int j = 0; j < m->cus[i]->n_vars; j++) {
            if (m->cus[i] == cu && j == k)
                return s;
            s += CU_BATCH_REDUCE(m->cus[i]->vars[j].reduce);
        }
    return s;
}

/* Lanes over MPI ranks (docs/parallel.md "Batch lanes over ranks"): a batch reduction keeps
 * each lane's terms (snn_lt_<var>, lane-major, n elements a lane) and, after the rank's last
 * lane, snn_lanes_reduce gathers every rank's and reduces them in the batch's lane order,
 * as one process does, into the accumulator, rounded into the variable.  Without lanes
 * over ranks snn_lanes_terms gives NULL and the lane loop accumulates as before. */
static void cu_lanes_decl(StrBuf *o, const Model *m, const CustomUpdate *cu, const char *n)
{
    if (!m->batch)
        return;
    for (int k = 0; k < cu->n_vars; k++)
        if (CU_BATCH_REDUCE(cu->vars[k].reduce))
            sb_printf(o, "    const uint64_t snn_ltn_%s = %s;\n"
                         "    double *const snn_lt_%s = snn_lanes_terms(run, %d, snn_ltn_%s);\n",
                      cu->vars[k].name, n, cu->vars[k].name, cu_lanes_slot(m, cu, k),
                      cu->vars[k].name);
}

static void cu_lanes_reduce(StrBuf *o, const Model *m, const CustomUpdate *cu)
{
    if (!m->batch)
        return;
    for (int k = 0; k < cu->n_vars; k++) {
        const CuVar *v = &cu->vars[k];
        if (!CU_BATCH_REDUCE(v->reduce))
            continue;
        sb_printf(o, "    if (snn_lt_%s && snn_lane_last(run, snn_cur_lane, snn_nlane)) {\n"
                     "        snn_lanes_reduce(run, snn_lt_%s, snn_ltn_%s, %d, snn_cua_%s_%s);\n"
                     "        for (uint64_t snn_k = 0; snn_k < snn_ltn_%s; snn_k++)\n"
                     "            snn_cuv_%s_%s[snn_k] = (scalar)snn_cua_%s_%s[snn_k];\n    }\n",
                  v->name, v->name, v->name, v->reduce == CU_REDUCE_BATCH_MAX, cu->name, v->name,
                  v->name, cu->name, v->name, cu->name, v->name);
    }
}

/* The key of an update's random draws, once per update (cu_rng_init draws from it). */
static void cu_rng_key(StrBuf *o, const CustomUpdate *cu, bool cuda, int ind)
{
    if (!code_uses_rng(cu->code.stmts, NULL))
        return;
    const char *seed = cuda ? "snn_r->seed" : "run->seed";
    if (cu->proj)
        sb_printf(o, "%*sconst uint64_t snn_cukey = snn_rng_syn_key(%s, snn_stream_id(\"cu:%s\")); "
                     "/* synapse-keyed */\n", ind, "", seed, cu->name);
    else
        sb_printf(o, "%*sconst uint32_t snn_custream = snn_stream_id(\"cu:%s\");\n", ind, "",
                  cu->name);
}

/* Random draws of one element: stream "cu:<update>", over neurons neuron-keyed (global
 * neuron, step, lane), over synapses synapse-keyed (source, target, ordinal among the
 * pair's multapses, step, lane), as neuron and synapse code (docs/architecture.md, "Key
 * and counter layout"): the same for any thread and rank split. */
static void cu_rng_init(StrBuf *o, const Model *m, const CustomUpdate *cu, bool cuda,
                        bool post_local, int ind)
{
    if (!code_uses_rng(cu->code.stmts, NULL))
        return;
    const bool lanes = m->batch > 0; /* CUDA: snn_lane, the block's */
    /* CUDA: an update held once draws the batch's last lane's numbers (snn_klane, the
     * kernel's argument: with lanes over ranks not this rank's last lane), as the C back end
     * (it runs with that lane, or in the pass as that lane: snn_lane_batch_last) */
    const char *lane = cuda && cu_runs_once(m, cu) ? "snn_klane" : "snn_lane";
    if (cu->pop) {
        sb_printf(o, "%*ssnn_rng snn_rng_st;\n", ind, "");
        sb_printf(o, "%*ssnn_rng_init%s(&snn_rng_st, %s, snn_custream, (uint32_t)(SNN_LO_%s + "
                     "snn_i), step%s);\n", ind, "", lanes ? "_lane" : "",
                  cuda ? "snn_r->seed" : "run->seed", cu->pop->name,
                  lanes ? arena_printf(", %s", lane) : "");
        return;
    }
    const Projection *pj = cu->proj;
    if (pj->format == FORMAT_DENSE) {
        sb_printf(o, "%*sconst uint32_t snn_ord = 0; /* dense: one synapse per pair */\n", ind,
                  "");
    } else {
        const char *it = emit_ind_type(pj);
        sb_printf(o, "%*suint32_t snn_ord = 0; /* this pair's synapses before this one */\n",
                  ind, "");
        sb_printf(o, "%*swhile (snn_ord < snn_pos - snn_R->row_start[snn_pre] && ((const %s *)"
                     "snn_R->ind)[snn_pos - 1u - snn_ord] == ((const %s *)snn_R->ind)[snn_pos])\n"
                     "%*s    snn_ord++;\n", ind, "", it, it, ind, "");
    }
    sb_printf(o, "%*ssnn_rng snn_rng_st;\n", ind, "");
    sb_printf(o, "%*ssnn_rng_init_synk(&snn_rng_st, snn_cukey, %s, snn_pre, %s, snn_ord, "
                 "step);\n", ind, "", lanes ? lane : "0u",
              !post_local ? "snn_post" : arena_printf("SNN_LO_%s + snn_post", pj->post->name));
}

/* Over synapses: snn_post, the synapse's target (this rank's index; the CUDA back end's one
 * rank: global; its rows with --mpi hold this rank's index too), for _post, id_post and the
 * draws. */
static void cu_syn_post(StrBuf *o, const CustomUpdate *cu, bool cuda, int ind)
{
    const Projection *pj = cu->proj;
    const char *k = pj->format == FORMAT_DENSE
                        ? "(uint32_t)(snn_pos - snn_R->row_start[snn_pre])"
                        : arena_printf("((const %s *)snn_R->ind)[snn_pos]", emit_ind_type(pj));
    if (cuda)
        sb_printf(o, "%*sconst uint32_t snn_post = %s;\n", ind, "", k);
    else
        sb_printf(o, "%*sconst uint32_t snn_post = snn_tlo_%s[snn_t] + %s;\n", ind, "",
                  pj->post->name, k);
    sb_printf(o, "%*s(void)snn_post;\n", ind, "");
}

/* A read-only reference to another update's reduced value (Adam's step count T): one
 * scalar for the whole loop.  The C back end reads it into a local before the loop
 * (cu_hoist_refs): read in the loop, it is a global that a store into any scalar array
 * might change, so gcc re-reads it every iteration and cannot take what depends only on it
 * (powf(beta, T)) out of the loop. */
static bool ref_uniform(const CuRef *r)
{
    return r->kind == CUREF_CU && !r->rw && CU_NEURON_REDUCE(r->cu->vars[r->index].reduce);
}

static void cu_hoist_refs(StrBuf *o, const CustomUpdate *cu, int ind)
{
    for (int i = 0; i < cu->n_refs; i++)
        if (ref_uniform(&cu->refs[i]))
            sb_printf(o, "%*sconst scalar snn_h_%s = %s; /* the same for every element */\n",
                      ind, "", cu->refs[i].name, ref_lvalue(&cu->refs[i]));
}

/* Declarations of the code's top level whose value is the same for every element (Adam's
 * s1 = 1 / (1 - pow(beta1, T))): computed once before the loop (C back end).  gcc does not
 * take a libm call out of the loops itself (the inner loop may run no times), so it ran per
 * synapse.  A declaration qualifies when nothing assigns its name and its initialiser reads
 * only numbers, parameters, dt, references of ref_uniform and declarations that qualify,
 * through operators and math functions (no draws), and its type is a floating-point one
 * (an integer division by zero is not moved before a loop that might not run).  The same
 * value in the same type: the same bits. */
typedef struct CuHoist {
    int n;
    Stmt *st[16];
    Expr *init[16]; /* the initialisers, put back by cu_unhoist_decls */
} CuHoist;

static bool cu_uniform_expr(const CustomUpdate *cu, const Expr *e, const CuHoist *h)
{
    if (!e)
        return true;
    switch (e->kind) {
    case EX_NUM:
        return true;
    case EX_NAME:
        if (!e->sym)
            return false;
        switch (e->sym->kind) {
        case SYM_PARAM:
            return true;
        case SYM_BUILTIN:
            return !strcmp(e->sym->name, "dt");
        case SYM_REF:
            return e->sym->index >= 0 && e->sym->index < cu->n_refs &&
                   ref_uniform(&cu->refs[e->sym->index]);
        case SYM_LOCAL:
            for (int i = 0; i < h->n; i++)
                if (!strcmp(h->st[i]->decl_name, e->sym->name))
                    return true;
            return false;
        default:
            return false;
        }
    case EX_CALL:
        if (!e->sym || e->sym->kind != SYM_MATH)
            return false;
        for (int i = 0; i < e->nargs; i++)
            if (!cu_uniform_expr(cu, e->args[i], h))
                return false;
        return true;
    case EX_UNARY:
    case EX_BINARY:
    case EX_COND:
        return cu_uniform_expr(cu, e->a, h) && cu_uniform_expr(cu, e->b, h) &&
               cu_uniform_expr(cu, e->c, h);
    default:
        return false;
    }
}

/* Names in a hoisted initialiser: the references' copies before the loop (snn_h_), the
 * earlier hoisted values (snn_hd_), the rest as in the loop. */
typedef struct HoistCtx {
    PCtx c;
    const CuHoist *h;
} HoistCtx;

static void cu_print_hoisted(void *ud, StrBuf *out, const Sym *sym)
{
    const HoistCtx *hc = ud;
    if (sym->kind == SYM_REF) {
        sb_printf(out, "snn_h_%s", sym->name);
        return;
    }
    if (sym->kind == SYM_LOCAL) {
        sb_printf(out, "snn_hd_%s", sym->name);
        return;
    }
    cu_print_name((void *)&hc->c, out, sym);
}

static void cu_hoist_decls(StrBuf *o, const Model *m, const CustomUpdate *cu, int ind,
                           CuHoist *h)
{
    h->n = 0;
    Stmt *code = cu->code.stmts;
    if (!code || code->kind != ST_BLOCK || code_uses_rng(code, NULL))
        return;
    HoistCtx c = {{m, cu, false, true}, h};
    CodePrinter pr = {0};
    pr.is_float = m->precision == PREC_FLOAT;
    pr.name = cu_print_hoisted;
    pr.ud = &c;
    for (int i = 0; i < code->n && h->n < 16; i++) {
        Stmt *d = code->body[i];
        if (d->kind != ST_DECL || !d->e || !d->decl_sym || code_may_assign(code, d->decl_name) ||
            !(!strcmp(d->decl_type, "scalar") || !strcmp(d->decl_type, "float") ||
              !strcmp(d->decl_type, "double")) || /* no integer division by zero moved */
            !cu_uniform_expr(cu, d->e, h))
            continue;
        StrBuf v;
        sb_init(&v);
        code_print_expr(&v, d->e, &pr);
        sb_printf(o, "%*sconst %s snn_hd_%s = %s; /* the same for every element */\n", ind, "",
                  d->decl_type, d->decl_name, v.buf);
        sb_release(&v);
        /* the body reads it: an initialiser naming the hoisted value */
        Sym *hs = arena_alloc(sizeof *hs);
        *hs = (Sym){d->decl_name, SYM_LOCAL, -1, false, 0};
        Expr *ne = arena_alloc(sizeof *ne);
        ne->kind = EX_NAME;
        ne->name = d->decl_name;
        ne->sym = hs;
        ne->line = d->e->line;
        ne->col = d->e->col;
        h->st[h->n] = d;
        h->init[h->n] = d->e;
        h->n++;
        d->e = ne;
    }
}

static void cu_unhoist_decls(CuHoist *h)
{
    for (int i = 0; i < h->n; i++)
        h->st[i]->e = h->init[i];
    h->n = 0;
}

/* ref_lvalue in a kernel of a batched CUDA model: a projection's per-lane weights are the
 * block's lane's copy (snn_lw_<proj>, emit_cuda.c's lane_weights), not the rows' (the C
 * back end swaps the lane's weights into the rows). */
static const char *ref_lvalue_in(const Model *m, const CuRef *r, bool cuda)
{
    if (cuda && r->kind == CUREF_SYNAPSE && state_weight_per_lane(m, r->proj) &&
        !strcmp(r->proj->syn->vars[r->index].name, r->proj->syn->weight))
        return arena_printf("snn_lw_%s[(size_t)blockIdx.y * snn_lws_%s + snn_pos]",
                            r->proj->name, r->proj->name);
    return ref_lvalue(r);
}

static void cu_body(StrBuf *o, const Model *m, const CustomUpdate *cu, int ind,
                    const EmitOptions *opt, bool cuda)
{
    if (cu->proj)
        cu_syn_post(o, cu, cuda, ind);
    bool is_float = m->precision == PREC_FLOAT;
    for (int i = 0; i < cu->n_refs; i++)
        sb_printf(o, "%*s%sscalar snn_u_%s = %s;\n", ind, "", cu->refs[i].rw ? "" : "const ",
                  cu->refs[i].name,
                  !cuda && ref_uniform(&cu->refs[i]) ? arena_printf("snn_h_%s", cu->refs[i].name)
                                                     : ref_lvalue_in(m, &cu->refs[i], cuda));
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM)
            sb_printf(o, "%*sscalar snn_u_%s = %s; /* reduce: sum */\n", ind, "", v->name,
                      emit_scalar_literal(0, is_float));
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(o, "%*sscalar snn_u_%s = -INFINITY; /* reduce: max */\n", ind, "", v->name);
        else if (v->reduce == CU_REDUCE_BATCH_SUM)
            sb_printf(o, "%*sscalar snn_u_%s = %s; /* this lane's term of the batch sum */\n",
                      ind, "", v->name, emit_scalar_literal(0, is_float));
        else if (v->reduce == CU_REDUCE_BATCH_MAX)
            sb_printf(o, "%*sscalar snn_u_%s = -INFINITY; /* this lane's term of the batch max "
                         "*/\n", ind, "", v->name);
        else
            sb_printf(o, "%*sscalar snn_u_%s = snn_cuv_%s_%s[%s];\n", ind, "", v->name, cu->name,
                      v->name, cu->proj ? "snn_o + snn_pos" : "snn_i");
    }
    /* the target's index: the rank's own (SNN_LO_ added for id_post and the draws) */
    const bool post_local = !cuda || opt->mpi;
    PCtx c = {m, cu, cuda, post_local};
    CodePrinter pr = {0};
    pr.is_float = is_float;
    pr.name = cu_print_name;
    pr.rng = cu_print_rng;
    pr.ud = &c;
    if (opt->line_directives) {
        pr.line_file = cu->code.loc.file;
        pr.line_base = cu->code.loc.line;
    }
    sb_printf(o, "%*s{\n", ind, "");
    cu_rng_init(o, m, cu, cuda, post_local, ind + 4);
    code_print_stmts(o, cu->code.stmts, ind + 4, &pr);
    if (pr.line_file)
        sb_puts(o, "#line SNN_RESYNC\n");
    sb_printf(o, "%*s}\n", ind, "");
    for (int i = 0; i < cu->n_refs; i++)
        if (cu->refs[i].rw)
            sb_printf(o, "%*s%s = snn_u_%s;\n", ind, "", ref_lvalue_in(m, &cu->refs[i], cuda),
                      cu->refs[i].name);
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM)
            sb_printf(o, "%*ssnn_red_%s[snn_i] = (double)snn_u_%s;\n", ind, "", v->name,
                      v->name);
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(o, "%*sif (snn_u_%s > snn_mx_%s)\n%*s    snn_mx_%s = snn_u_%s;\n", ind, "",
                      v->name, v->name, ind, "", v->name, v->name);
        else if (CU_BATCH_REDUCE(v->reduce) && cuda && m->batch) /* cu_cuda_lanes_one */
            sb_printf(o, "%*ssnn_bt_%s[%s] = (double)snn_u_%s; /* this lane's term */\n", ind,
                      "", v->name, cu->proj ? "snn_o + snn_pos" : "snn_i", v->name);
        else if (CU_BATCH_REDUCE(v->reduce))
            cu_batch_term(o, m, cu, v, ind);
        else
            sb_printf(o, "%*ssnn_cuv_%s_%s[%s] = snn_u_%s;\n", ind, "", cu->name, v->name,
                      cu->proj ? "snn_o + snn_pos" : "snn_i", v->name);
    }
    for (int i = 0; i < cu->n_refs; i++)
        if (!cu->refs[i].rw)
            sb_printf(o, "%*s(void)snn_u_%s;\n", ind, "", cu->refs[i].name);
}

/* Is a custom-update variable or a reference's target held once in a batched model
 * (state_lane_kind: shared synapse variables, shared and batch-reduced custom-update
 * variables)? */
static bool cu_var_once(const CuVar *v)
{
    return v->shared || CU_BATCH_REDUCE(v->reduce);
}

static bool ref_once(const CuRef *r)
{
    switch (r->kind) {
    case CUREF_NEURON:
        return false;
    case CUREF_SYNAPSE:
        return r->proj->syn->vars[r->index].shared;
    case CUREF_CU:
        return cu_var_once(&r->cu->vars[r->index]);
    }
    return false;
}

/* Batched models: an update whose variables and references are all held once (an
 * optimiser step on shared weights from a batch-summed gradient) runs once, with the last
 * lane (after the group's earlier updates have run for every lane); others run per lane. */
bool cu_runs_once(const Model *m, const CustomUpdate *cu)
{
    if (!m->batch)
        return false;
    for (int i = 0; i < cu->n_vars; i++)
        if (!cu_var_once(&cu->vars[i]) || CU_BATCH_REDUCE(cu->vars[i].reduce))
            return false;
    for (int i = 0; i < cu->n_refs; i++)
        if (!ref_once(&cu->refs[i]))
            return false;
    return true;
}

/* One custom update: over the neurons of this rank (then the reductions, across the
 * ranks), or over every synapse of every thread block. */
static void cu_code(StrBuf *o, const Model *m, const CustomUpdate *cu, const EmitOptions *opt)
{
    if (cu_runs_once(m, cu)) {
        sb_puts(o, "if (snn_lane_last(run, snn_cur_lane, snn_nlane)) /* held once: runs once, "
                   "with the batch's last lane */\n");
    }
    /* per lane: not in the pass of lanes over ranks that stands for another rank's last
     * lane (snn_lanes_phantom), which only completes the batch reductions */
    const bool skip = m->batch && !cu_runs_once(m, cu);
    sb_printf(o, "{ /* custom update '%s' (%s:%d) over %s '%s' */\n", cu->name, cu->loc.file,
              cu->loc.line, cu->pop ? "the neurons of population" : "the synapses of projection",
              cu->pop ? cu->pop->name : cu->proj->name);
    cu_rng_key(o, cu, false, 4);
    if (cu->proj) {
        const Projection *pj = cu->proj;
        cu_lanes_decl(o, m, cu, arena_printf("snn_soff_%s[snn_nthr]", pj->name));
        cu_hoist_refs(o, cu, 4);
        CuHoist hd;
        cu_hoist_decls(o, m, cu, 4, &hd);
        if (skip)
            sb_puts(o, "    if (!run->lane_phantom)\n");
        sb_puts(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
        sb_printf(o, "        const snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", pj->name);
        sb_printf(o, "        const uint64_t snn_o = snn_soff_%s[snn_t]; /* the block's synapse "
                     "variables */\n        (void)snn_o;\n", pj->name);
        sb_printf(o, "        for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n",
                  pj->pre->name);
        sb_puts(o, "            const uint64_t snn_end = snn_R->row_start[snn_pre] + "
                   "snn_R->row_len[snn_pre];\n");
        sb_puts(o, "            for (uint64_t snn_pos = snn_R->row_start[snn_pre]; snn_pos < "
                   "snn_end; snn_pos++) {\n");
        cu_body(o, m, cu, 16, opt, false);
        cu_unhoist_decls(&hd);
        sb_puts(o, "            }\n        }\n    }\n");
        cu_lanes_reduce(o, m, cu);
        sb_puts(o, "}\n");
        return;
    }
    const char *p = cu->pop->name;
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM)
            sb_printf(o, "    double *restrict snn_red_%s = snn_cupd_scratch(%d, SNN_NL_%s);\n",
                      v->name, i, p);
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(o, "    scalar snn_mx_%s = -INFINITY;\n", v->name);
    }
    cu_lanes_decl(o, m, cu, arena_printf("SNN_NL_%s", p));
    cu_hoist_refs(o, cu, 4);
    CuHoist hd;
    cu_hoist_decls(o, m, cu, 4, &hd);
    if (skip)
        sb_puts(o, "    if (!run->lane_phantom) {\n");
    sb_printf(o, "    for (uint32_t snn_i = 0; snn_i < SNN_NL_%s; snn_i++) {\n", p);
    cu_body(o, m, cu, 8, opt, false);
    cu_unhoist_decls(&hd);
    sb_puts(o, "    }\n");
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM) /* in global neuron order, on every rank */
            sb_printf(o, "    snn_cuv_%s_%s = (scalar)snn_cupd_sum(run, snn_red_%s, SNN_LO_%s, "
                         "SNN_NL_%s, SNN_N_%s);\n", cu->name, v->name, v->name, p, p, p);
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(o, "    snn_cuv_%s_%s = (scalar)snn_cupd_max(run, (double)snn_mx_%s);\n",
                      cu->name, v->name, v->name);
    }
    if (skip)
        sb_puts(o, "    }\n");
    cu_lanes_reduce(o, m, cu);
    sb_puts(o, "}\n");
}

static void cu_lanes_refusal(StrBuf *o, const Model *m);

void cu_c_scope(TmplScope *g, const Model *m, const EmitOptions *opt)
{
    StrBuf fns, init, desc;
    sb_init(&fns);
    sb_init(&init);
    sb_init(&desc);
    bool is_float = m->precision == PREC_FLOAT;
    for (int gi = 0; gi < m->n_cu_groups; gi++) {
        const CuGroup *gr = &m->cu_groups[gi];
        sb_printf(&fns, "\n/* custom update group '%s': its updates in file order */\n"
                        "static void snn_cugroup_%s(snn_run *run, uint64_t step)\n{\n"
                        "    (void)run;\n    (void)step;\n", gr->name, gr->name);
        StrBuf b;
        sb_init(&b);
        for (int i = 0; i < m->n_cus; i++)
            if (m->cus[i]->group_index == gi)
                cu_code(&b, m, m->cus[i], opt);
        for (const char *q = b.buf; q && *q;) { /* indent by 4, # lines at column 0 */
            const char *nl = strchr(q, '\n');
            size_t n = nl ? (size_t)(nl - q) : strlen(q);
            sb_printf(&fns, "%s%.*s\n", n && *q != '#' ? "    " : "", (int)n, q);
            q += n + (nl ? 1 : 0);
        }
        sb_release(&b);
        sb_puts(&fns, "}\n");
        sb_printf(&desc, "%s{\"%s\", %du, %d},", gi ? "\n    " : "", gr->name, gr->every,
                  gr->at_end ? 1 : 0);
    }
    /* initial values */
    for (int i = 0; i < m->n_cus; i++) {
        const CustomUpdate *cu = m->cus[i];
        for (int k = 0; k < cu->n_vars; k++) {
            const CuVar *v = &cu->vars[k];
            const char *arr = arena_printf("snn_cuv_%s_%s", cu->name, v->name);
            if (CU_NEURON_REDUCE(v->reduce)) {
                sb_printf(&init, "%s = %s;\n", arr, emit_scalar_literal(v->init.a, is_float));
            } else if (cu->proj) {
                sb_printf(&init, "for (uint64_t snn_k = 0; snn_k < snn_soff_%s[snn_nthr]; "
                                 "snn_k++)\n    %s[snn_k] = %s;\n", cu->proj->name, arr,
                          emit_scalar_literal(v->init.a, is_float));
            } else {
                sb_printf(&init, "{\n    const snn_init vinit = %s;\n    snn_init_block(&vinit, "
                                 "run->seed, SNN_LO_%s, SNN_NL_%s, %s, (int)sizeof(scalar));\n}\n",
                          emit_c_init(&v->init, arena_printf("cu:%s/%s", cu->name, v->name)),
                          cu->pop->name, cu->pop->name, arr);
            }
        }
    }
    tmpl_set(g, "cu_fns", fns.len ? emit_take(&fns) : "");
    cu_lanes_refusal(&init, m);
    tmpl_set(g, "cu_init", init.len ? emit_take(&init) : "/* no custom-update variables */");
    tmpl_set(g, "cu_descs", desc.len ? emit_take(&desc) : "{ NULL, 0, 0 }");
    tmpl_set(g, "n_cu_groups", arena_printf("%d", m->n_cu_groups));
    sb_release(&fns);
    sb_release(&init);
    sb_release(&desc);
}

/* The phase table's 'custom_update' row: each group when it is due. */
void cu_phase_code(StrBuf *o, const Model *m)
{
    for (int g = 0; g < m->n_cu_groups; g++)
        sb_printf(o, "if (snn_cupd_due(run, %d, step))\n    snn_cugroup_%s(run, step);\n", g,
                  m->cu_groups[g].name);
}

/* ---- the CUDA back end ----------------------------------------------------------------- */

/* One custom update as kernels (kern, inside namespace snn_dev) and their launches (launch,
 * host code with snn_stream and step): over neurons a thread per neuron; over synapses a
 * warp per row (source), a lane per synapse, as the synapse dynamics.  A reduction's terms
 * go to a device array of one double per neuron (snn_cured_<update>_<var>), which one
 * thread then adds up in global neuron order from 0.0, as the C back end's
 * snn_cupd_sum: the same bits (a maximum likewise, in the same order).  The serial pass
 * costs N dependent additions per reduction (about N x 4 ns on a GPU: a few us for a
 * readout of 10 to 1000 neurons).  With --mpi the kernels cover the rank's own neurons and
 * rows, and the host combines a reduction's terms across the ranks with the C runtime
 * (snn_cupd_sum, snn_cupd_max) instead of snn_k_cur_<update>. */
static void cu_cuda_one(StrBuf *kern, StrBuf *launch, const Model *m, const CustomUpdate *cu,
                        const EmitOptions *opt)
{
    const char *n = cu->name;
    bool any_red = false;
    if (cu->pop)
        for (int i = 0; i < cu->n_vars; i++)
            if (cu->vars[i].reduce != CU_REDUCE_NONE) {
                sb_printf(kern, "__device__ double snn_cured_%s_%s[SNN_N_%s]; /* the terms of "
                                "reduction '%s' */\n", n, cu->vars[i].name, cu->pop->name,
                          cu->vars[i].name);
                any_red = true;
            }
    sb_printf(kern, "\n/* custom update '%s' (%s:%d) over %s '%s' */\n"
                    "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cu_%s(uint64_t step)\n{\n"
                    "    (void)step;\n", n, cu->loc.file, cu->loc.line,
              cu->pop ? "the neurons of population" : "the synapses of projection",
              cu->pop ? cu->pop->name : cu->proj->name, n);
    cu_rng_key(kern, cu, true, 4);
    if (cu->proj) {
        const Projection *pj = cu->proj;
        sb_puts(kern, "    const uint32_t snn_tid = blockIdx.x * SNN_BLOCK + threadIdx.x;\n"
                      "    const uint32_t snn_wlane = threadIdx.x & 31u;\n"
                      "    const uint32_t snn_warp = snn_tid >> 5, snn_nwarps = "
                      "(gridDim.x * SNN_BLOCK) >> 5;\n");
        sb_printf(kern, "    const snn_ragged *snn_R = &snn_syn_%s;\n", pj->name);
        sb_puts(kern, "    const uint64_t snn_o = 0; /* one block of synapses on the device */\n"
                      "    (void)snn_o;\n");
        sb_printf(kern, "    for (uint32_t snn_pre = snn_warp; snn_pre < SNN_N_%s; snn_pre += "
                        "snn_nwarps) {\n", pj->pre->name);
        sb_puts(kern, "        const uint64_t snn_end = snn_R->row_start[snn_pre] + "
                      "snn_R->row_len[snn_pre];\n"
                      "        for (uint64_t snn_pos = snn_R->row_start[snn_pre] + snn_wlane; "
                      "snn_pos < snn_end; snn_pos += 32u) {\n");
        cu_body(kern, m, cu, 12, opt, true);
        sb_puts(kern, "        }\n    }\n}\n");
        sb_printf(launch, "snn_dev::snn_k_cu_%s<<<snn_grid, SNN_BLOCK, 0, snn_stream>>>(step);\n",
                  n);
        return;
    }
    const char *p = cu->pop->name;
    sb_puts(kern, "    const uint32_t snn_i = blockIdx.x * SNN_BLOCK + threadIdx.x;\n");
    sb_printf(kern, "    if (snn_i >= SNN_NL_%s)\n        return;\n", p);
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM)
            sb_printf(kern, "    double *snn_red_%s = snn_cured_%s_%s;\n", v->name, n, v->name);
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(kern, "    scalar snn_mx_%s = -INFINITY;\n", v->name);
    }
    cu_body(kern, m, cu, 4, opt, true);
    for (int i = 0; i < cu->n_vars; i++)
        if (cu->vars[i].reduce == CU_REDUCE_MAX)
            sb_printf(kern, "    snn_cured_%s_%s[snn_i] = (double)snn_mx_%s;\n", n,
                      cu->vars[i].name, cu->vars[i].name);
    sb_puts(kern, "}\n");
    sb_printf(launch, "snn_dev::snn_k_cu_%s<<<(SNN_N_%s + SNN_BLOCK - 1) / SNN_BLOCK, SNN_BLOCK, "
                      "0, snn_stream>>>(step);\n", n, p);
    if (!any_red)
        return;
    if (opt->mpi) {
        /* --mpi: the rank's terms (its neurons, in order) to the host, combined across the
         * ranks by the C back end's runtime (rt_custom.c: a sum over every rank's terms in
         * global neuron order, a maximum all-reduced), the result back into the variable */
        sb_printf(launch, "{ /* '%s': its reductions across the ranks (snn_cupd_sum, "
                          "snn_cupd_max) */\n"
                          "    SNN_CU(cudaStreamSynchronize(snn_stream));\n"
                          "    const uint32_t snn_lo = snn_pb[%d].lo, snn_nl = snn_pb[%d].nl; "
                          "/* this rank's neurons */\n", n, cu->pop->index, cu->pop->index);
        for (int i = 0; i < cu->n_vars; i++) {
            const CuVar *v = &cu->vars[i];
            if (v->reduce != CU_REDUCE_SUM && v->reduce != CU_REDUCE_MAX)
                continue;
            sb_printf(launch, "    {\n        double *snn_t = snn_cupd_scratch(%d, snn_nl);\n"
                              "        SNN_CU(cudaMemcpyFromSymbol(snn_t, snn_dev::snn_cured_%s_%s, "
                              "sizeof(double) * snn_nl));\n", i, n, v->name);
            if (v->reduce == CU_REDUCE_SUM)
                sb_printf(launch, "        const scalar snn_v = (scalar)snn_cupd_sum(run, snn_t, "
                                  "snn_lo, snn_nl, SNN_N_%s);\n", p);
            else
                sb_printf(launch, "        double snn_m = -INFINITY;\n"
                                  "        for (uint32_t snn_i = 0; snn_i < snn_nl; snn_i++)\n"
                                  "            if (snn_t[snn_i] > snn_m)\n"
                                  "                snn_m = snn_t[snn_i];\n"
                                  "        const scalar snn_v = (scalar)snn_cupd_max(run, snn_m);\n");
            sb_printf(launch, "        SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_cuv_%s_%s, &snn_v, "
                              "sizeof snn_v));\n    }\n", n, v->name);
        }
        sb_puts(launch, "    (void)snn_lo;\n}\n");
        return;
    }
    /* the reductions: one thread, global neuron order */
    sb_printf(kern, "\n/* custom update '%s': its reductions, in global neuron order on one "
                    "thread (the C back end's order) */\n"
                    "__global__ void snn_k_cur_%s(void)\n{\n"
                    "    if (threadIdx.x != 0 || blockIdx.x != 0)\n        return;\n", n, n);
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM)
            sb_printf(kern, "    {\n        double snn_s = 0.0;\n"
                            "        for (uint32_t snn_i = 0; snn_i < SNN_N_%s; snn_i++)\n"
                            "            snn_s += snn_cured_%s_%s[snn_i];\n"
                            "        snn_cuv_%s_%s = (scalar)snn_s;\n    }\n",
                      p, n, v->name, n, v->name);
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(kern, "    {\n        double snn_s = -INFINITY;\n"
                            "        for (uint32_t snn_i = 0; snn_i < SNN_N_%s; snn_i++)\n"
                            "            if (snn_cured_%s_%s[snn_i] > snn_s)\n"
                            "                snn_s = snn_cured_%s_%s[snn_i];\n"
                            "        snn_cuv_%s_%s = (scalar)snn_s;\n    }\n",
                      p, n, v->name, n, v->name, n, v->name);
    }
    sb_puts(kern, "}\n");
    sb_printf(launch, "snn_dev::snn_k_cur_%s<<<1, 32, 0, snn_stream>>>();\n", n);
}

/* ---- the CUDA back end over batch lanes (docs/cuda.md "Batches") ------------------------ */

/* Does update u of a batched model write held-once variable k of update owner (its own
 * variables, or a ref_rw to it)? */
static bool cu_writes_once(const CustomUpdate *u, const CustomUpdate *owner, int k)
{
    if (u == owner)
        return true;
    for (int i = 0; i < u->n_refs; i++)
        if (u->refs[i].rw && u->refs[i].kind == CUREF_CU && u->refs[i].cu == owner &&
            u->refs[i].index == k)
            return true;
    return false;
}

/* Can group gi of a batched model run each update over all lanes at once (gridDim.y = the
 * lanes), or must its lanes run in turn, as the C back end runs them (lane 0's updates in
 * file order, then lane 1's, ...)?  In turn where a lane could see another lane's writes:
 * an update run per lane that writes a variable held once (its own shared variable, a
 * ref_rw to one), or that reads one which an earlier update of its group writes (a batch
 * reduction is complete only after the last lane; lanes 0..B-2 read the value before). */
static bool cu_group_in_turn(const Model *m, int gi)
{
    for (int j = 0; j < m->n_cus; j++) {
        const CustomUpdate *u = m->cus[j];
        if (u->group_index != gi || cu_runs_once(m, u))
            continue;
        for (int k = 0; k < u->n_vars; k++)
            if (u->vars[k].shared && !CU_BATCH_REDUCE(u->vars[k].reduce))
                return true;
        for (int i = 0; i < u->n_refs; i++) {
            const CuRef *r = &u->refs[i];
            if (!ref_once(r))
                continue;
            if (r->rw || r->kind != CUREF_CU)
                return true;
            for (int w = 0; w < j; w++)
                if (m->cus[w]->group_index == gi && cu_writes_once(m->cus[w], r->cu, r->index))
                    return true;
        }
    }
    return false;
}

/* s as the contents of a C string literal */
static const char *cu_c_literal(const char *s)
{
    StrBuf b;
    sb_init(&b);
    for (; *s; s++) {
        const unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(&b, "\\%c", c);
        else if (c < 32 || c >= 127)
            sb_printf(&b, "\\%03o", c);
        else
            sb_printf(&b, "%c", c);
    }
    const char *r = arena_strdup(b.buf ? b.buf : "");
    sb_release(&b);
    return r;
}

/* Lanes over MPI ranks (docs/parallel.md "Batch lanes over ranks"): a group whose lanes run
 * in turn because a per-lane update writes a variable held once (its own shared variable,
 * not a batch reduction, or a ref_rw to one) chains that variable through the lanes: lane b
 * sees lane b - 1's write.  Each rank's chain would start from a stale value, so such a
 * model is refused at the start of a run whose lanes are split over ranks (model_init, both
 * back ends; one process and unbatched runs are unaffected). */
static void cu_lanes_refusal(StrBuf *o, const Model *m)
{
    if (!m->batch)
        return;
    for (int gi = 0; gi < m->n_cu_groups; gi++) {
        if (!cu_group_in_turn(m, gi))
            continue;
        for (int j = 0; j < m->n_cus; j++) {
            const CustomUpdate *u = m->cus[j];
            if (u->group_index != gi || cu_runs_once(m, u))
                continue;
            const char *what = NULL;
            SrcLoc loc = u->loc;
            for (int k = 0; k < u->n_vars && !what; k++) {
                const CuVar *v = &u->vars[k];
                if (v->shared && !CU_BATCH_REDUCE(v->reduce) && code_may_assign(u->code.stmts, v->name))
                    what = arena_printf("its variable '%s' (shared = true)", v->name), loc = v->loc;
            }
            for (int i = 0; i < u->n_refs && !what; i++) {
                const CuRef *r = &u->refs[i];
                if (r->rw && ref_once(r) && code_may_assign(u->code.stmts, r->name))
                    what = arena_printf("'%s' (ref_rw to '%s' of '%s')", r->name, r->var,
                                        r->target), loc = r->loc;
            }
            if (!what)
                continue;
            const char *msg = arena_printf(
                "%s:%d: custom update '%s' (group '%s') writes %s, held once (one value for the "
                "whole batch), in every lane: each lane sees the previous lane's write, so the "
                "group's lanes run in turn, a chain that lanes split over MPI ranks would break "
                "(each rank's lanes would start from a stale value); this run has ",
                loc.file, loc.line, u->name, m->cu_groups[gi].name, what);
            sb_printf(o, "if (run->lanes_all > run->lanes) /* lanes split over ranks: refused "
                         "(custom.c, cu_lanes_refusal) */\n"
                         "    snn_fatal(\"%%s%%u lanes on %%d MPI ranks: run on one rank, or make "
                         "the variable per lane or the update held once (docs/parallel.md "
                         "\\\"Batch lanes over ranks\\\")\", \"%s\", run->lanes_all, "
                         "run->ranks);\n", cu_c_literal(msg));
            return; /* the first is enough */
        }
    }
}

/* The completion of update cu's batch reductions (after 'last', the condition of the
 * batch's last lane): on the device (kernel, snn_k_cub_<update>: every lane is this
 * process's), or with the lanes split over MPI ranks (docs/cuda.md "Batch lanes over
 * ranks") each reduced variable's terms, the rank's lanes' rows, through the host:
 * snn_cu_lanes_reduce gathers every rank's and adds them in the batch's lane order, the C
 * back end's snn_lanes_reduce (the same slot), rounded once into the variable.  n_pre and
 * owner: its elements, SNN_N_<population>, or (n_pre "") projection owner's rows'
 * capacity. */
static void cu_cuda_lanes_cub(StrBuf *launch, const Model *m, const CustomUpdate *cu,
                              const char *last, const char *n_pre, const char *owner,
                              const char *kernel)
{
    sb_printf(launch, "%s{ /* '%s': its batch reductions complete */\n"
                      "    if (snn_lanes_split(run)) { /* lanes over ranks: every rank's terms */\n",
              last, cu->name);
    if (!*n_pre)
        sb_printf(launch, "        snn_ragged snn_rr;\n"
                          "        SNN_CU(cudaMemcpyFromSymbol(&snn_rr, snn_dev::snn_syn_%s, sizeof snn_rr));\n",
                  owner);
    for (int k = 0; k < cu->n_vars; k++) {
        const CuVar *v = &cu->vars[k];
        if (!CU_BATCH_REDUCE(v->reduce))
            continue;
        sb_printf(launch, "        {\n            double *snn_t;\n            void *snn_v;\n"
                          "            SNN_CU(cudaMemcpyFromSymbol(&snn_t, snn_dev::snn_cubt_%s_%s, sizeof snn_t));\n"
                          "            SNN_CU(cudaMemcpyFromSymbol(&snn_v, snn_dev::snn_cuv_%s_%s, sizeof snn_v));\n"
                          "            snn_cu_lanes_reduce(run, %d, snn_t, %s%s, %d, snn_v, sizeof(scalar));\n"
                          "        }\n",
                  cu->name, v->name, cu->name, v->name, cu_lanes_slot(m, cu, k),
                  *n_pre ? n_pre : "(uint64_t)snn_rr.capacity", *n_pre ? owner : "",
                  v->reduce == CU_REDUCE_BATCH_MAX);
    }
    sb_printf(launch, "    } else {\n        %s\n    }\n}\n", kernel);
}

/* One update over the neurons of a population, batched: kernel snn_k_cu_<update>(step,
 * only) over gridDim.y = the lanes (only < 0xffffffff: that lane's blocks alone, for a
 * group whose lanes run in turn and for an update held once, which runs with the last
 * lane); each lane's names are the per-lane macros of the state (emit_cuda.c).  A
 * reduction over the neurons: each lane's terms in its row of snn_cured_<update>_<var>
 * (lanes x N doubles), added by one thread per lane in neuron order (snn_k_cur_).  A batch
 * reduction: each lane's term in its row of snn_cubt_<update>_<var>, then snn_k_cub_, a
 * thread per element, adds the lanes' terms in lane order 0..B-1 in double and rounds
 * once, the C back end's order and bits.  alloc: the host's allocation of those rows. */
static void cu_cuda_lanes_one(StrBuf *kern, StrBuf *launch, StrBuf *alloc, const Model *m,
                              const CustomUpdate *cu, const EmitOptions *opt, bool in_turn)
{
    const char *n = cu->name, *p = cu->pop->name;
    const bool once = cu_runs_once(m, cu);
    bool any_red = false, any_batch = false;
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        const char *arr = NULL;
        if (CU_NEURON_REDUCE(v->reduce))
            arr = "snn_cured", any_red = true;
        else if (CU_BATCH_REDUCE(v->reduce))
            arr = "snn_cubt", any_batch = true;
        if (!arr)
            continue;
        sb_printf(kern, "__constant__ double *%s_%s_%s; /* the terms of '%s', lane by lane */\n",
                  arr, n, v->name, v->name);
        sb_printf(alloc, "{\n    double *snn_d = (double *)snn_cu_alloc(sizeof(double) * "
                         "SNN_N_%s * snn_nlane, \"custom update '%s' terms of '%s', every lane\");\n"
                         "    SNN_CU(cudaMemcpyToSymbol(snn_dev::%s_%s_%s, &snn_d, sizeof snn_d));\n}\n",
                  p, n, v->name, arr, n, v->name);
    }
    sb_printf(kern, "\n/* custom update '%s' (%s:%d) over the neurons of population '%s', %s */\n"
                    "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cu_%s(uint64_t step, "
                    "uint32_t snn_only%s)\n{\n    (void)step;\n"
                    "    if (snn_only != 0xffffffffu && blockIdx.y != snn_only)\n"
                    "        return; /* one lane's turn */\n", n, cu->loc.file, cu->loc.line, p,
              once ? "held once: run once, with the last lane" : "per lane (blockIdx.y)", n,
              once ? ", uint32_t snn_klane /* the batch's last lane: the draws' */" : "");
    if (once)
        sb_puts(kern, "    (void)snn_klane;\n");
    cu_rng_key(kern, cu, true, 4);
    sb_puts(kern, "    const uint32_t snn_i = blockIdx.x * SNN_BLOCK + threadIdx.x;\n");
    sb_printf(kern, "    if (snn_i >= SNN_NL_%s)\n        return;\n", p);
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (v->reduce == CU_REDUCE_SUM)
            sb_printf(kern, "    double *snn_red_%s = snn_cured_%s_%s + (size_t)blockIdx.y * "
                            "SNN_N_%s;\n", v->name, n, v->name, p);
        else if (v->reduce == CU_REDUCE_MAX)
            sb_printf(kern, "    scalar snn_mx_%s = -INFINITY;\n", v->name);
        else if (CU_BATCH_REDUCE(v->reduce))
            sb_printf(kern, "    double *snn_bt_%s = snn_cubt_%s_%s + (size_t)blockIdx.y * "
                            "SNN_N_%s;\n", v->name, n, v->name, p);
    }
    cu_body(kern, m, cu, 4, opt, true);
    for (int i = 0; i < cu->n_vars; i++)
        if (cu->vars[i].reduce == CU_REDUCE_MAX)
            sb_printf(kern, "    snn_cured_%s_%s[(size_t)blockIdx.y * SNN_N_%s + snn_i] = "
                            "(double)snn_mx_%s;\n", n, cu->vars[i].name, p, cu->vars[i].name);
    sb_puts(kern, "}\n");
    if (any_red) { /* over the neurons, per lane: one thread of each lane, neuron order */
        sb_printf(kern, "\n/* custom update '%s': its reductions over the neurons, each lane's "
                        "on one thread in neuron order (the C back end's order) */\n"
                        "__global__ void snn_k_cur_%s(uint32_t snn_only)\n{\n"
                        "    if (threadIdx.x != 0 || blockIdx.x != 0 || (snn_only != 0xffffffffu "
                        "&& blockIdx.y != snn_only))\n        return;\n", n, n);
        for (int i = 0; i < cu->n_vars; i++) {
            const CuVar *v = &cu->vars[i];
            if (!CU_NEURON_REDUCE(v->reduce))
                continue;
            sb_printf(kern, "    {\n        const double *snn_t = snn_cured_%s_%s + "
                            "(size_t)blockIdx.y * SNN_N_%s;\n        double snn_s = %s;\n"
                            "        for (uint32_t snn_i = 0; snn_i < SNN_N_%s; snn_i++)\n",
                      n, v->name, p, v->reduce == CU_REDUCE_SUM ? "0.0" : "-INFINITY", p);
            if (v->reduce == CU_REDUCE_SUM)
                sb_puts(kern, "            snn_s += snn_t[snn_i];\n");
            else
                sb_puts(kern, "            if (snn_t[snn_i] > snn_s)\n"
                              "                snn_s = snn_t[snn_i];\n");
            sb_printf(kern, "        snn_cuv_%s_%s = (scalar)snn_s;\n    }\n", n, v->name);
        }
        sb_puts(kern, "}\n");
    }
    if (any_batch) { /* over the lanes: a thread per element, lane order, rounded once */
        sb_printf(kern, "\n/* custom update '%s': its batch reductions, a thread per neuron adding "
                        "the lanes' terms in lane order 0..B-1 in double, rounded once (the C "
                        "back end's order) */\n"
                        "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cub_%s(uint32_t "
                        "snn_nl)\n{\n"
                        "    const uint32_t snn_i = blockIdx.x * SNN_BLOCK + threadIdx.x;\n"
                        "    if (snn_i >= SNN_N_%s)\n        return;\n", n, n, p);
        for (int i = 0; i < cu->n_vars; i++) {
            const CuVar *v = &cu->vars[i];
            if (!CU_BATCH_REDUCE(v->reduce))
                continue;
            sb_printf(kern, "    {\n        const double *snn_t = snn_cubt_%s_%s + snn_i;\n"
                            "        double snn_a = snn_t[0];\n"
                            "        for (uint32_t snn_b = 1; snn_b < snn_nl; snn_b++) {\n"
                            "            const double snn_x = snn_t[(size_t)snn_b * SNN_N_%s];\n",
                      n, v->name, p);
            if (v->reduce == CU_REDUCE_BATCH_SUM)
                sb_puts(kern, "            snn_a = snn_a + snn_x;\n");
            else
                sb_puts(kern, "            if (snn_x > snn_a)\n                snn_a = snn_x;\n");
            sb_printf(kern, "        }\n        snn_cuv_%s_%s[snn_i] = (scalar)snn_a;\n    }\n",
                      n, v->name);
        }
        sb_puts(kern, "}\n");
    }
    /* the launches: all lanes at once, or lane snn_l's turn (in_turn: inside the loop; the
     * pass snn_ph of lanes over ranks runs only what completes with the batch's last lane) */
    const char *grid = arena_printf("dim3((SNN_N_%s + SNN_BLOCK - 1) / SNN_BLOCK, snn_nlane)", p);
    const char *only = in_turn ? (once ? "snn_ol" : "snn_l") : once ? "snn_nlane - 1u" : "0xffffffffu";
    const char *last = in_turn ? "if (snn_last) " : "";
    const char *mine = in_turn ? "if (!snn_ph) " : "";
    sb_printf(launch, "%ssnn_dev::snn_k_cu_%s<<<%s, SNN_BLOCK, 0, snn_stream>>>(step, %s%s);\n",
              once ? last : mine, n, grid, only, once ? ", snn_lane_batch_last(run)" : "");
    if (any_red)
        sb_printf(launch, "%ssnn_dev::snn_k_cur_%s<<<dim3(1, snn_nlane), 32, 0, snn_stream>>>(%s);\n",
                  mine, n, in_turn ? "snn_l" : "0xffffffffu");
    if (any_batch)
        cu_cuda_lanes_cub(launch, m, cu, last, "SNN_N_", p,
                          arena_printf("snn_dev::snn_k_cub_%s<<<(SNN_N_%s + SNN_BLOCK - 1) / "
                                       "SNN_BLOCK, SNN_BLOCK, 0, snn_stream>>>(snn_nlane);", n, p));
}

/* One update over the synapses of a projection, batched: kernel snn_k_cu_<update>(step,
 * only) over gridDim.y = the lanes, each lane's x-blocks a warp per row (source) and a
 * thread per synapse as unbatched (cu_cuda_one), only < 0xffffffff as over neurons.  The
 * lane's names are the state's per-lane macros (synapse variables, the update's own
 * variables, pre and post neuron variables: lane blockIdx.y's block), its per-lane weights
 * snn_lw_<proj> (ref_lvalue_in); held-once variables one array.  A batch reduction: each
 * lane's term in its row of snn_cubt_<update>_<var> (lanes x the rows' capacity doubles),
 * then snn_k_cub_, a thread per synapse walking the rows as the update, adds the lanes'
 * terms in lane order 0..B-1 in double and rounds once: the C back end's order and bits.
 * alloc: the host's allocation of the rows (the capacity read from the device's rows). */
static void cu_cuda_lanes_syn(StrBuf *kern, StrBuf *launch, StrBuf *alloc, const Model *m,
                              const CustomUpdate *cu, const EmitOptions *opt, bool in_turn)
{
    const char *n = cu->name, *pn = cu->proj->name;
    const bool once = cu_runs_once(m, cu);
    bool any_batch = false;
    for (int i = 0; i < cu->n_vars; i++) {
        const CuVar *v = &cu->vars[i];
        if (!CU_BATCH_REDUCE(v->reduce))
            continue;
        any_batch = true;
        sb_printf(kern, "__constant__ double *snn_cubt_%s_%s; /* the terms of '%s', lane by "
                        "lane */\n", n, v->name, v->name);
        sb_printf(alloc, "{\n    snn_ragged snn_rr;\n"
                         "    SNN_CU(cudaMemcpyFromSymbol(&snn_rr, snn_dev::snn_syn_%s, sizeof snn_rr));\n"
                         "    double *snn_d = (double *)snn_cu_alloc(sizeof(double) * "
                         "(size_t)snn_rr.capacity * snn_nlane, \"custom update '%s' terms of '%s', "
                         "every lane\");\n"
                         "    /* zeros where no synapse is (a reduction over ranks sends every row) */\n"
                         "    SNN_CU(cudaMemset(snn_d, 0, sizeof(double) * (size_t)snn_rr.capacity * snn_nlane));\n"
                         "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_cubt_%s_%s, &snn_d, sizeof snn_d));\n}\n",
                  pn, n, v->name, n, v->name);
    }
    static const char rows[] =
        "    const uint32_t snn_tid = blockIdx.x * SNN_BLOCK + threadIdx.x;\n"
        "    const uint32_t snn_wlane = threadIdx.x & 31u;\n"
        "    const uint32_t snn_warp = snn_tid >> 5, snn_nwarps = (gridDim.x * SNN_BLOCK) >> 5;\n"
        "    const snn_ragged *snn_R = &snn_syn_%s;\n"
        "    const uint64_t snn_o = 0; /* one block of synapses on the device */\n"
        "    (void)snn_o;\n"
        "    for (uint32_t snn_pre = snn_warp; snn_pre < SNN_N_%s; snn_pre += snn_nwarps) {\n"
        "        const uint64_t snn_end = snn_R->row_start[snn_pre] + snn_R->row_len[snn_pre];\n"
        "        for (uint64_t snn_pos = snn_R->row_start[snn_pre] + snn_wlane; snn_pos < snn_end; "
        "snn_pos += 32u) {\n";
    sb_printf(kern, "\n/* custom update '%s' (%s:%d) over the synapses of projection '%s', %s */\n"
                    "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cu_%s(uint64_t step, "
                    "uint32_t snn_only%s)\n{\n    (void)step;\n"
                    "    if (snn_only != 0xffffffffu && blockIdx.y != snn_only)\n"
                    "        return; /* one lane's turn */\n", n, cu->loc.file, cu->loc.line, pn,
              once ? "held once: run once, with the last lane" : "per lane (blockIdx.y)", n,
              once ? ", uint32_t snn_klane /* the batch's last lane: the draws' */" : "");
    if (once)
        sb_puts(kern, "    (void)snn_klane;\n");
    cu_rng_key(kern, cu, true, 4);
    for (int i = 0; i < cu->n_vars; i++)
        if (CU_BATCH_REDUCE(cu->vars[i].reduce))
            sb_printf(kern, "    double *snn_bt_%s = snn_cubt_%s_%s + (size_t)blockIdx.y * "
                            "snn_syn_%s.capacity;\n", cu->vars[i].name, n, cu->vars[i].name, pn);
    sb_printf(kern, rows, pn, cu->proj->pre->name);
    cu_body(kern, m, cu, 12, opt, true);
    sb_puts(kern, "        }\n    }\n}\n");
    if (any_batch) {
        sb_printf(kern, "\n/* custom update '%s': its batch reductions, a thread per synapse adding "
                        "the lanes' terms in lane order 0..B-1 in double, rounded once (the C "
                        "back end's order) */\n"
                        "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_cub_%s(uint32_t "
                        "snn_nl)\n{\n", n, n);
        sb_printf(kern, rows, pn, cu->proj->pre->name);
        for (int i = 0; i < cu->n_vars; i++) {
            const CuVar *v = &cu->vars[i];
            if (!CU_BATCH_REDUCE(v->reduce))
                continue;
            sb_printf(kern, "            {\n"
                            "                const double *snn_t = snn_cubt_%s_%s + snn_o + snn_pos;\n"
                            "                double snn_a = snn_t[0];\n"
                            "                for (uint32_t snn_b = 1; snn_b < snn_nl; snn_b++) {\n"
                            "                    const double snn_x = snn_t[(size_t)snn_b * "
                            "snn_R->capacity];\n", n, v->name);
            if (v->reduce == CU_REDUCE_BATCH_SUM)
                sb_puts(kern, "                    snn_a = snn_a + snn_x;\n");
            else
                sb_puts(kern, "                    if (snn_x > snn_a)\n"
                              "                        snn_a = snn_x;\n");
            sb_printf(kern, "                }\n"
                            "                snn_cuv_%s_%s[snn_o + snn_pos] = (scalar)snn_a;\n"
                            "            }\n", n, v->name);
        }
        sb_puts(kern, "        }\n    }\n}\n");
    }
    const char *only = in_turn ? (once ? "snn_ol" : "snn_l") : once ? "snn_nlane - 1u" : "0xffffffffu";
    const char *last = in_turn ? "if (snn_last) " : "";
    const char *mine = in_turn ? "if (!snn_ph) " : "";
    sb_printf(launch, "%ssnn_dev::snn_k_cu_%s<<<dim3(snn_lgrid, snn_nlane), SNN_BLOCK, 0, "
                      "snn_stream>>>(step, %s%s);\n", once ? last : mine, n, only,
              once ? ", snn_lane_batch_last(run)" : "");
    if (any_batch)
        cu_cuda_lanes_cub(launch, m, cu, last, "", pn,
                          arena_printf("snn_dev::snn_k_cub_%s<<<snn_grid, SNN_BLOCK, 0, "
                                       "snn_stream>>>(snn_nlane);", n));
}

/* cu_cuda_code for a batched model: custom updates over the neurons of a population
 * (cu_cuda_lanes_one) and over the synapses of a projection (cu_cuda_lanes_syn). */
static void cu_cuda_lanes_code(StrBuf *kern, StrBuf *host, StrBuf *after, StrBuf *due,
                               const Model *m, const EmitOptions *opt)
{
    for (int gi = 0; gi < m->n_cu_groups; gi++) {
        const CuGroup *gr = &m->cu_groups[gi];
        const bool in_turn = cu_group_in_turn(m, gi);
        StrBuf l, al;
        sb_init(&l);
        sb_init(&al);
        for (int i = 0; i < m->n_cus; i++)
            if (m->cus[i]->group_index == gi && m->cus[i]->pop)
                cu_cuda_lanes_one(kern, &l, &al, m, m->cus[i], opt, in_turn);
            else if (m->cus[i]->group_index == gi)
                cu_cuda_lanes_syn(kern, &l, &al, m, m->cus[i], opt, in_turn);
        sb_printf(host, "\n/* custom update group '%s': its updates' kernels in file order, %s */\n"
                        "static void snn_cugroup_%s(snn_run *run, uint64_t step)\n{\n"
                        "    (void)run;\n", gr->name,
                  in_turn ? "the lanes in turn (a lane reads what an earlier lane writes; "
                            "custom.c, cu_group_in_turn)"
                          : "each over all lanes at once", gr->name);
        if (al.len) {
            sb_puts(host, "    static uint32_t snn_ready; /* the terms' rows: at the first run, "
                          "for its lanes */\n"
                          "    if (snn_ready != snn_nlane) {\n        snn_ready = snn_nlane;\n");
            for (const char *q = al.buf; *q;) {
                const char *nl = strchr(q, '\n');
                size_t k = nl ? (size_t)(nl - q) : strlen(q);
                sb_printf(host, "        %.*s\n", (int)k, q);
                q += k + (nl ? 1 : 0);
            }
            sb_puts(host, "    }\n");
        }
        if (in_turn) /* lanes over ranks: a rank without the batch's last lane passes once
                      * more as that lane (snn_ph), where only the batch reductions complete
                      * and the updates held once run (the C back end's lane_phantom) */
            sb_puts(host, "    const uint32_t snn_passes = snn_nlane + (uint32_t)snn_lanes_phantom(run);\n"
                          "    for (uint32_t snn_l = 0; snn_l < snn_passes; snn_l++) {\n"
                          "        const int snn_ph = snn_l == snn_nlane;\n"
                          "        const int snn_last = snn_ph || (snn_l + 1u == snn_nlane && "
                          "!snn_lanes_phantom(run));\n"
                          "        const uint32_t snn_ol = snn_ph ? snn_nlane - 1u : snn_l;\n"
                          "        (void)snn_last;\n        (void)snn_ol;\n");
        for (const char *q = l.buf; q && *q;) {
            const char *nl = strchr(q, '\n');
            size_t k = nl ? (size_t)(nl - q) : strlen(q);
            sb_printf(host, "    %s%.*s\n", in_turn ? "    " : "", (int)k, q);
            q += k + (nl ? 1 : 0);
        }
        if (in_turn)
            sb_puts(host, "    }\n");
        sb_puts(host, "}\n");
        sb_release(&l);
        sb_release(&al);
        sb_printf(after, "if (snn_cupd_due(run, %d, step)) /* custom update group '%s' */\n"
                         "    snn_cugroup_%s(run, step);\n", gi, gr->name, gr->name);
        sb_printf(due, "if (snn_cupd_due(run, %d, step))\n    return 1;\n", gi);
    }
}

void cu_cuda_code(StrBuf *kern, StrBuf *host, StrBuf *after, StrBuf *due, const Model *m,
                  const EmitOptions *opt)
{
    if (m->batch) { /* over batch lanes */
        cu_cuda_lanes_code(kern, host, after, due, m, opt);
        return;
    }
    for (int gi = 0; gi < m->n_cu_groups; gi++) {
        const CuGroup *gr = &m->cu_groups[gi];
        StrBuf l;
        sb_init(&l);
        for (int i = 0; i < m->n_cus; i++)
            if (m->cus[i]->group_index == gi)
                cu_cuda_one(kern, &l, m, m->cus[i], opt);
        sb_printf(host, "\n/* custom update group '%s': its updates' kernels in file order */\n"
                        "static void snn_cugroup_%s(snn_run *run, uint64_t step)\n{\n"
                        "    (void)run;\n", gr->name, gr->name);
        for (const char *q = l.buf; q && *q;) {
            const char *nl = strchr(q, '\n');
            size_t k = nl ? (size_t)(nl - q) : strlen(q);
            sb_printf(host, "    %.*s\n", (int)k, q);
            q += k + (nl ? 1 : 0);
        }
        sb_puts(host, "}\n");
        sb_release(&l);
        sb_printf(after, "if (snn_cupd_due(run, %d, step)) /* custom update group '%s' */\n"
                         "    snn_cugroup_%s(run, step);\n", gi, gr->name, gr->name);
        sb_printf(due, "if (snn_cupd_due(run, %d, step))\n    return 1;\n", gi);
    }
}
