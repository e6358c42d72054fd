/*
 * rewire.c - connectivity updates (connectivity_update{}): structural plasticity on the C
 * back end.
 *
 * check_conn_updates resolves the projection and the code (removal predicate per synapse,
 * count or total and target per row, initial values per new synapse); rewire_c_scope
 * writes one function per update (snn_rewire_<name>) and the setup after construction;
 * rewire_phase_code is the phase table's 'conn_update' row.  The runtime part (capacity,
 * re-layout, sorted insertion, spreading, counters) is runtime/rt_rewire.c; the scheme
 * that keeps the result independent of threads and ranks is in docs/parallel.md.
 */
#include "backend.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* SYM_BUILTIN indices of the names connectivity-update code sees */
enum {
    RB_I = 100, RB_K, RB_N_PRE, RB_N_POST, RB_ROW_LENGTH, RB_MAX_ROW_LENGTH, RB_N_REMOVED,
    RB_ID_PRE, RB_ID_POST, RB_DT, RB_T, RB_DELAY,
};

/* Everything a synapse of pj holds, in this order: the weight update model's variables (or
 * for static synapses with per-synapse weights the weight "w"), then the per-synapse
 * variables of the custom updates on pj (Adam's moments, gradient sums, DEEP R's sign, ...).
 * All of them move with their synapse; a new synapse gets add.init's value or the
 * declared initial value.  'name' is how code and add.init name the array: the variable's
 * name, or "<update>.<var>" for a custom-update variable whose name another array has
 * (then only add.init can name it). */
typedef struct SynArr {
    const char *name;
    const char *var;
    const CustomUpdate *cu; /* NULL: the weight update model's (or the static weight) */
    int cu_var;
    bool weight;
    bool lane; /* batched models: one copy per lane (else held once) */
} SynArr;

static int syn_arrays(const Model *m, const Projection *pj, SynArr **out)
{
    int n = pj->syn ? pj->syn->n_vars : pj->weight.kind != INIT_CONSTANT ? 1 : 0;
    int cap = n;
    for (int i = 0; i < m->n_cus; i++)
        if (m->cus[i]->proj == pj)
            cap += m->cus[i]->n_vars;
    SynArr *a = arena_alloc(sizeof(SynArr) * (size_t)(cap + 1));
    for (int i = 0; i < n; i++) {
        const char *v = pj->syn ? pj->syn->vars[i].name : "w";
        a[i] = (SynArr){v, v, NULL, -1, !pj->syn || !strcmp(v, pj->syn->weight), false};
        a[i].lane = m->batch && pj->syn && !pj->syn->vars[i].shared;
    }
    int k = n;
    for (int i = 0; i < m->n_cus; i++) {
        const CustomUpdate *cu = m->cus[i];
        for (int j = 0; cu->proj == pj && j < cu->n_vars; j++)
            if (!CU_NEURON_REDUCE(cu->vars[j].reduce))
                a[k++] = (SynArr){cu->vars[j].name, cu->vars[j].name, cu, j, false,
                                  m->batch && !CU_BATCH_REDUCE(cu->vars[j].reduce) &&
                                      !cu->vars[j].shared};
    }
    for (int i = n; i < k; i++) /* a name another array has: qualified */
        for (int j = 0; j < k; j++)
            if (j != i && !strcmp(a[i].var, a[j].var)) {
                a[i].name = arena_printf("%s.%s", a[i].cu->name, a[i].var);
                break;
            }
    *out = a;
    return k;
}

/* The index in add.init of 'delay' (a projection with per-synapse delays: the new
 * synapse's delay in ms), or -1. */
static int rewire_init_delay(const ConnUpdate *u)
{
    for (int k = 0; u->proj && u->proj->het_delay && k < u->n_init; k++)
        if (!strcmp(u->init_names[k], "delay"))
            return k;
    return -1;
}

/* The upper bound in ms of a delay initialiser's values (uniform, normal_clipped), else
 * INFINITY. */
static double delay_init_hi(const Init *d)
{
    return d->kind == INIT_UNIFORM ? d->b : d->kind == INIT_NORMAL_CLIPPED ? d->hi : INFINITY;
}

/* The longest delay in steps that a synapse added by u may get as far as the compiler
 * knows (the declared initialiser's bound; add.init.delay when it is a number), 0 if
 * unknown: the dendritic ring is at least this deep (and as deep as the longest built
 * delay); a new synapse's delay beyond the ring is a run-time error. */
static uint32_t rewire_delay_bound(const Model *m, const ConnUpdate *u)
{
    const Projection *pj = u->proj;
    double hi = delay_init_hi(&pj->delay_init), b = 0;
    if (isfinite(hi))
        b = fmax(1.0, round(hi / m->dt));
    const int k = rewire_init_delay(u);
    if (k >= 0 && (!u->init_code[k].stmts || !u->init_code[k].stmts->n) && u->init_code[k].expr &&
        u->init_code[k].expr->kind == EX_NUM && isfinite(u->init_code[k].expr->num))
        b = fmax(b, fmax(1.0, round(u->init_code[k].expr->num / m->dt)));
    return b > 65535.0 ? 65535u : (uint32_t)b;
}

typedef enum { RC_REMOVE, RC_COUNT, RC_TOTAL, RC_TARGET, RC_INIT, RC_CCOUNT, RC_CTOTAL } RwCode;

static Sym *rw_syms(const Model *m, const ConnUpdate *u, const Projection *pj, RwCode which,
                    int *n)
{
    SynArr *arr;
    const int na = syn_arrays(m, pj, &arr);
    const NeuronModel *nms[2] = {pj->pre->model, pj->post->model};
    const SynapseModel *sm = pj->syn;
    Sym *s = arena_alloc(sizeof(Sym) * (size_t)(u->n_params + na + 16 +
                                                (sm ? sm->n_pre_vars + sm->n_post_vars : 0) +
                                                nms[0]->n_vars + nms[1]->n_vars));
    int k = 0;
    for (int i = 0; i < u->n_params; i++)
        s[k++] = (Sym){u->params[i].name, SYM_PARAM, i, false, 0};
    s[k++] = (Sym){"N_pre", SYM_BUILTIN, RB_N_PRE, false, 0};
    s[k++] = (Sym){"N_post", SYM_BUILTIN, RB_N_POST, false, 0};
    s[k++] = (Sym){"dt", SYM_BUILTIN, RB_DT, false, 0};
    s[k++] = (Sym){"t", SYM_BUILTIN, RB_T, false, 0};
    switch (which) {
    case RC_REMOVE:
        for (int i = 0; i < na; i++) /* "<update>.<var>" names are not code's */
            if (!strchr(arr[i].name, '.'))
                s[k++] = (Sym){arr[i].name, SYM_SYN, i, false, 0};
        for (int i = 0; sm && i < sm->n_pre_vars; i++)
            s[k++] = (Sym){sm->pre_vars[i].name, SYM_PRE, i, false, 0};
        for (int i = 0; sm && i < sm->n_post_vars; i++)
            s[k++] = (Sym){sm->post_vars[i].name, SYM_POST, i, false, 0};
        for (int side = 0; side < 2; side++)
            for (int i = 0; i < nms[side]->n_vars; i++)
                s[k++] = (Sym){arena_printf("%s_%s", nms[side]->vars[i].name,
                                            side ? "post" : "pre"),
                               side ? SYM_POST_NEURON : SYM_PRE_NEURON, i, false, 0};
        s[k++] = (Sym){"id_pre", SYM_BUILTIN, RB_ID_PRE, false, 0};
        s[k++] = (Sym){"id_post", SYM_BUILTIN, RB_ID_POST, false, 0};
        if (pj->het_delay) { /* the synapse's delay in ms, unless an array has the name */
            bool taken = false;
            for (int i = 0; i < na; i++)
                taken |= !strcmp(arr[i].name, "delay");
            if (!taken)
                s[k++] = (Sym){"delay", SYM_BUILTIN, RB_DELAY, false, 0};
        }
        break;
    case RC_COUNT:
    case RC_TARGET:
        s[k++] = (Sym){"i", SYM_BUILTIN, RB_I, false, 0};
        if (which == RC_TARGET)
            s[k++] = (Sym){"k", SYM_BUILTIN, RB_K, false, 0};
        s[k++] = (Sym){"row_length", SYM_BUILTIN, RB_ROW_LENGTH, false, 0};
        s[k++] = (Sym){"max_row_length", SYM_BUILTIN, RB_MAX_ROW_LENGTH, false, 0};
        s[k++] = (Sym){"n_removed", SYM_BUILTIN, RB_N_REMOVED, false, 0};
        break;
    case RC_TOTAL:
        s[k++] = (Sym){"n_removed", SYM_BUILTIN, RB_N_REMOVED, false, 0};
        s[k++] = (Sym){"max_row_length", SYM_BUILTIN, RB_MAX_ROW_LENGTH, false, 0};
        break;
    case RC_CCOUNT: /* candidates.count: before the update's removals */
        s[k++] = (Sym){"i", SYM_BUILTIN, RB_I, false, 0};
        s[k++] = (Sym){"row_length", SYM_BUILTIN, RB_ROW_LENGTH, false, 0};
        s[k++] = (Sym){"max_row_length", SYM_BUILTIN, RB_MAX_ROW_LENGTH, false, 0};
        break;
    case RC_CTOTAL:
        s[k++] = (Sym){"max_row_length", SYM_BUILTIN, RB_MAX_ROW_LENGTH, false, 0};
        break;
    case RC_INIT:
        s[k++] = (Sym){"id_pre", SYM_BUILTIN, RB_ID_PRE, false, 0};
        s[k++] = (Sym){"id_post", SYM_BUILTIN, RB_ID_POST, false, 0};
        break;
    }
    *n = k;
    return s;
}

static bool is_draw(const Stmt *s, const Expr *e);

static bool expr_draws(const Expr *e)
{
    if (!e)
        return false;
    if (e->kind == EX_CALL && e->sym && e->sym->kind == SYM_RNG)
        return true;
    for (int i = 0; i < e->nargs; i++)
        if (expr_draws(e->args[i]))
            return true;
    return expr_draws(e->a) || expr_draws(e->b) || expr_draws(e->c);
}
static bool is_draw(const Stmt *s, const Expr *e)
{
    return code_uses_rng(s, NULL) || expr_draws(e);
}

static int parse_rw(const Model *m, const ConnUpdate *u, const Projection *pj, CodeStr *cs, RwCode which,
                    const char *field)
{
    if (!cs->text)
        return 0;
    const char *what = arena_printf("connectivity_update '%s' %s code", u->name, field);
    cs->stmts = code_parse_value(cs->text, cs->loc, what, &cs->expr);
    if (!cs->stmts)
        return 1;
    int n;
    Sym *syms = rw_syms(m, u, pj, which, &n);
    int errs = code_resolve_value(cs->stmts, cs->expr, syms, n, cs->loc, what);
    if (!errs && (which == RC_TOTAL || which == RC_CTOTAL) && is_draw(cs->stmts, cs->expr)) {
        diag_error(cs->loc, "%s: no random draws in 'total' (it is one number for the whole "
                            "projection; the rows it goes to are drawn by the update)", what);
        errs++;
    }
    return errs;
}

/* Batched models: the first name in the tree that is one value per lane and per neuron (the
 * neurons' variables, the weight update model's pre and post variables), or NULL. */
static const Expr *expr_lane_neuron(const Expr *e)
{
    if (!e)
        return NULL;
    if (e->kind == EX_NAME && e->sym &&
        (e->sym->kind == SYM_PRE || e->sym->kind == SYM_POST ||
         e->sym->kind == SYM_PRE_NEURON || e->sym->kind == SYM_POST_NEURON))
        return e;
    for (int i = 0; i < e->nargs; i++) {
        const Expr *x = expr_lane_neuron(e->args[i]);
        if (x)
            return x;
    }
    const Expr *x = expr_lane_neuron(e->a);
    if (!x)
        x = expr_lane_neuron(e->b);
    return x ? x : expr_lane_neuron(e->c);
}
static const Expr *stmt_lane_neuron(const Stmt *s)
{
    if (!s)
        return NULL;
    const Expr *x = expr_lane_neuron(s->e);
    if (!x)
        x = stmt_lane_neuron(s->then);
    if (!x)
        x = stmt_lane_neuron(s->els);
    for (int i = 0; !x && i < s->n; i++)
        x = stmt_lane_neuron(s->body[i]);
    return x;
}

/* Batched models decide a removal once, for every lane, from lane 0's synapse variables
 * (docs/language.md "Connectivity updates", "In batched models"); a neuron's state is the
 * lane's own activity, which lane 0 does not stand for: refused. */
static int check_lanes(const Model *m, const ConnUpdate *u, const CodeStr *cs, const char *field)
{
    if (!m->batch || !cs->stmts)
        return 0;
    const Expr *x = stmt_lane_neuron(cs->stmts);
    if (!x)
        x = expr_lane_neuron(cs->expr);
    if (!x)
        return 0;
    diag_error((SrcLoc){cs->loc.file, cs->loc.line + x->line - 1},
               "connectivity_update '%s': %s reads '%s', one value per batch lane and neuron "
               "(network{ batch = %d }); a batched model removes a synapse in every lane alike, "
               "decided by lane 0's synapse variables, which the neurons' activity in lane 0 "
               "does not stand for: read a synapse or custom-update variable (a batch "
               "reduction, or a weight the lanes share)", u->name, field, x->name, m->batch);
    return 1;
}

static int check_one(Model *m, ConnUpdate *u)
{
    const char *what = arena_printf("connectivity_update '%s'", u->name);
    Projection *pj = NULL;
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, u->proj_name))
            pj = m->projs[i];
    if (!pj) {
        const char **c = arena_alloc(sizeof(char *) * (size_t)(m->n_projs + 1));
        for (int i = 0; i < m->n_projs; i++)
            c[i] = m->projs[i]->name;
        char hint[128];
        diag_hint(hint, sizeof hint, u->proj_name, c, m->n_projs);
        diag_error(u->loc, "%s: no projection '%s'%s", what, u->proj_name, hint);
        return 1;
    }
    u->proj = pj;
    int errs = 0;
    u->group_index = -1;
    if (u->group) {
        const char **gn = arena_alloc(sizeof(char *) * (size_t)(m->n_cu_groups + 1));
        for (int g = 0; g < m->n_cu_groups; g++) {
            gn[g] = m->cu_groups[g].name;
            if (!strcmp(gn[g], u->group))
                u->group_index = g;
        }
        if (u->group_index < 0) {
            char hint[128];
            diag_hint(hint, sizeof hint, u->group, gn, m->n_cu_groups);
            diag_error(u->loc, "%s: no custom-update group '%s'%s (a group is named by the "
                               "custom_update{}s in it)", what, u->group, hint);
            errs++;
        }
    }
    for (int i = 0; i < u->index; i++)
        if (m->cupds[i]->proj == pj) {
            diag_error(u->loc, "%s: projection '%s' already has connectivity update '%s' (%s:%d); "
                               "one per projection so far", what, pj->name, m->cupds[i]->name,
                       m->cupds[i]->loc.file, m->cupds[i]->loc.line);
            errs++;
        }
    if (pj->format != FORMAT_SPARSE) {
        diag_error(u->loc, "%s: projection '%s' has format = \"%s\"; connectivity updates "
                           "need format = \"sparse\" (ragged rows that can change)", what,
                   pj->name, pj->format == FORMAT_DENSE ? "dense" : "procedural");
        return errs + 1;
    }
    if (pj->conn.kind != CONN_USER && pj->conn.multapses) {
        diag_error(u->loc, "%s: projection '%s' allows multapses (%s); a rewired projection "
                           "must not have them (their sums would depend on storage order): "
                           "give multapses = false", what, pj->name, conn_rule_name(&pj->conn));
        errs++;
    }
    /* rules whose built row length is known: a capacity below it cannot hold the rows */
    int64_t built = pj->conn.kind == CONN_FIXED_OUTDEGREE ? pj->conn.k
                    : pj->conn.kind == CONN_ALL_TO_ALL
                        ? pj->post->n - (!pj->conn.autapses && pj->pre == pj->post)
                        : 0;
    if (pj->max_row_length && built > pj->max_row_length) {
        diag_error(pj->loc, "projection '%s': max_row_length %lld cannot hold its rows (%s "
                            "gives every source %lld synapses; %s rewires it)", pj->name,
                   (long long)pj->max_row_length, conn_rule_name(&pj->conn), (long long)built,
                   what);
        errs++;
    }
    if (u->target.text && !u->count.text && !u->total.text) {
        diag_error(u->loc, "%s: 'add' needs 'count' or 'total'", what);
        errs++;
    }
    errs += parse_rw(m, u, pj, &u->remove, RC_REMOVE, "remove");
    errs += parse_rw(m, u, pj, &u->count, RC_COUNT, "add.count");
    errs += parse_rw(m, u, pj, &u->total, RC_TOTAL, "add.total");
    errs += parse_rw(m, u, pj, &u->target, RC_TARGET, "add.target");
    errs += parse_rw(m, u, pj, &u->cand_count, RC_CCOUNT, "candidates.count");
    errs += parse_rw(m, u, pj, &u->cand_total, RC_CTOTAL, "candidates.total");
    errs += parse_rw(m, u, pj, &u->cand_remove, RC_REMOVE, "candidates.remove");
    errs += parse_rw(m, u, pj, &u->cand_add, RC_INIT, "candidates.add");
    if (!errs) {
        errs += check_lanes(m, u, &u->remove, "remove");
        errs += check_lanes(m, u, &u->cand_remove, "candidates.remove");
    }
    SynArr *arr;
    int nv = syn_arrays(m, pj, &arr);
    u->init_of_var = arena_alloc(sizeof(int) * (size_t)(nv + 1));
    for (int v = 0; v < nv; v++)
        u->init_of_var[v] = -1;
    const char **cands = arena_alloc(sizeof(char *) * (size_t)(nv + 1));
    for (int v = 0; v < nv; v++)
        cands[v] = arr[v].name;
    for (int k = 0; k < u->n_init; k++) {
        if (k == rewire_init_delay(u)) { /* the new synapse's delay, in ms */
            errs += parse_rw(m, u, pj, &u->init_code[k], RC_INIT, "add.init.delay");
            continue;
        }
        int v = -1;
        for (int q = 0; q < nv; q++)
            if (!strcmp(cands[q], u->init_names[k]))
                v = q;
        if (v < 0) {
            char hint[256];
            diag_hint(hint, sizeof hint, u->init_names[k], cands, nv);
            StrBuf q; /* custom-update variables of that name: qualified */
            sb_init(&q);
            for (int z = 0; z < nv; z++)
                if (arr[z].cu && !strcmp(arr[z].var, u->init_names[k]))
                    sb_printf(&q, "%s'%s'", q.len ? " or " : "", arr[z].name);
            if (q.len)
                snprintf(hint, sizeof hint, " (custom updates share the name: give %s)", q.buf);
            sb_release(&q);
            diag_error(u->init_code[k].loc, "%s: add.init: projection '%s' has no synapse "
                       "variable '%s'%s%s", what, pj->name, u->init_names[k], hint,
                       nv ? "" : " (its synapses store nothing but their target)");
            errs++;
            continue;
        }
        u->init_of_var[v] = k;
        errs += parse_rw(m, u, pj, &u->init_code[k], RC_INIT,
                         arena_printf("add.init.%s", u->init_names[k]));
    }
    if (u->count.text || u->total.text || u->cand_add.text)
        for (int v = 0; v < nv; v++) {
            if (u->init_of_var[v] >= 0)
                continue;
            bool ok = arr[v].cu ? arr[v].cu->vars[arr[v].cu_var].init.kind == INIT_CONSTANT
                                : pj->syn && pj->syn->vars[v].init.kind == INIT_CONSTANT;
            if (!ok) {
                diag_error(u->loc, "%s: add.init has no value for synapse variable '%s' of "
                           "projection '%s'%s: give add.init = { %s = ... }", what,
                           arr[v].name, pj->name,
                           pj->syn || arr[v].cu ? " (its declared initial value is not a number)"
                                   : " (static synapses with per-synapse weights)",
                           arr[v].name);
                errs++;
            }
        }
    /* per-synapse delays: a new synapse's delay from add.init.delay, else drawn from the
     * projection's delay initialiser, which must then bound it (the dendritic ring is as
     * deep as the longest delay a synapse may get: docs/language.md) */
    if (pj->het_delay && (u->count.text || u->total.text || u->cand_add.text) &&
        rewire_init_delay(u) < 0 && !isfinite(delay_init_hi(&pj->delay_init))) {
        diag_error(u->loc, "%s: projection '%s' has per-synapse delays from %s, which has no "
                           "upper bound; a new synapse's delay needs one (the dendritic ring "
                           "is as deep as the longest delay): give add.init = { delay = ... } "
                           "(ms), or the projection delay = uniform(lo, hi) or "
                           "normal_clipped(mean, sd, lo, hi)", what, pj->name,
                   init_kind_name(pj->delay_init.kind));
        errs++;
    }
    if (!errs)
        pj->rewired = true;
    return errs;
}

int check_conn_updates(Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_cupds; i++)
        errs += check_one(m, m->cupds[i]);
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        if ((pj->max_row_length || pj->row_padding > 0) && !pj->rewired && !errs)
            diag_warn(pj->loc, "projection '%s': max_row_length / row_padding has no effect "
                               "without a connectivity_update", pj->name);
    }
    return errs;
}

int check_mpi_conn_updates(Model *m)
{
    int errs = 0;
    for (int i = 0; i < m->n_cupds; i++) {
        ConnUpdate *u = m->cupds[i];
        if (!u->proj)
            continue;
        const char *what = arena_printf("connectivity_update '%s'", u->name);
        const CodeStr *rms[2] = {&u->remove, &u->cand_remove};
        for (int r = 0; r < 2; r++)
            for (int k = 0; k < u->proj->pre->model->n_vars && rms[r]->text; k++) {
                const char *nv = arena_printf("%s_pre", u->proj->pre->model->vars[k].name);
                if (strstr(rms[r]->text, nv)) {
                    diag_error(rms[r]->loc, "%s: %s reads '%s', the presynaptic neuron's "
                               "variable, which --mpi does not support (a synapse lives on its "
                               "target's rank, its source may live on another)", what,
                               r ? "candidates.remove" : "remove", nv);
                    errs++;
                }
            }
    }
    return errs;
}

/* ---- C code --------------------------------------------------------------------------- */

typedef struct RwCtx {
    const Model *m;
    const ConnUpdate *u;
    bool host; /* the C back end's code (not a CUDA kernel's) */
} RwCtx;

static void rw_print_name(void *ud, StrBuf *out, const Sym *sym)
{
    const RwCtx *c = ud;
    const Projection *pj = c->u->proj;
    switch (sym->kind) {
    case SYM_PARAM:
        code_print_number(out, c->u->params[sym->index].value, false);
        break;
    case SYM_SYN:
        sb_printf(out, "snn_rv%d", sym->index);
        break;
    case SYM_PRE:
        sb_printf(out, "(double)snn_pv_%s_%s[snn_pre]", pj->name, sym->name);
        break;
    case SYM_POST:
        sb_printf(out, "(double)snn_qv_%s_%s[snn_post]", pj->name, sym->name);
        break;
    case SYM_PRE_NEURON: /* every source is local: refused with --mpi */
        sb_printf(out, "(double)%s_%s[snn_pre]", pj->pre->name,
                  pj->pre->model->vars[sym->index].name);
        break;
    case SYM_POST_NEURON:
        sb_printf(out, "(double)%s_%s[snn_post]", pj->post->name,
                  pj->post->model->vars[sym->index].name);
        break;
    case SYM_BUILTIN:
        switch (sym->index) {
        case RB_I: sb_puts(out, "((double)snn_pre)"); break;
        case RB_K: sb_puts(out, "((double)snn_k)"); break;
        case RB_N_PRE: sb_printf(out, "((double)SNN_N_%s)", pj->pre->name); break;
        case RB_N_POST: sb_printf(out, "((double)SNN_N_%s)", pj->post->name); break;
        case RB_ROW_LENGTH: sb_puts(out, "((double)snn_st->len[snn_pre])"); break;
        case RB_MAX_ROW_LENGTH: sb_puts(out, "((double)snn_st->capacity)"); break;
        case RB_N_REMOVED: sb_puts(out, "((double)snn_nrem)"); break;
        case RB_ID_PRE: sb_puts(out, "((double)snn_pre)"); break;
        case RB_ID_POST: sb_puts(out, "((double)snn_gpost)"); break;
        case RB_DT: code_print_number(out, c->m->dt, false); break;
        case RB_T: sb_puts(out, "((double)(step + 1) * SNN_DT)"); break;
        case RB_DELAY: sb_puts(out, "((double)snn_dl[snn_pos] * SNN_DT)"); break;
        default: sb_puts(out, sym->name); break;
        }
        break;
    case SYM_LOCAL:
        sb_printf(out, "%s_l%d", sym->name, sym->index);
        break;
    default:
        sb_puts(out, sym->name);
        break;
    }
}

/* The ids (uint32_t) for integer div/mod (CodePrinter.uint_name) */
static bool rw_uint_name(void *ud, StrBuf *out, const Sym *sym)
{
    (void)ud;
    if (sym->kind != SYM_BUILTIN)
        return false;
    switch (sym->index) {
    case RB_I: case RB_ID_PRE: sb_puts(out, "snn_pre"); return true;
    case RB_ID_POST: sb_puts(out, "snn_gpost"); return true;
    default: return false;
    }
}

/* The parameters' values (CodePrinter.num) */
static bool rw_num(void *ud, const Sym *sym, double *v)
{
    const RwCtx *c = ud;
    if (sym->kind != SYM_PARAM)
        return false;
    *v = c->u->params[sym->index].value;
    return true;
}

/* "{ statements; var = value; }" */
static void rw_value(StrBuf *o, const RwCtx *c, const CodeStr *cs, const char *var, int ind,
                     const EmitOptions *opt)
{
    CodePrinter pr = {.is_float = false, .scalar_name = "double", .name = rw_print_name,
                      .rng = emit_print_rng_double, .ud = (void *)c,
                      .exp_name = c->host ? "snn_exp_memo" : NULL,
                      .uint_name = rw_uint_name, .num = rw_num};
    emit_code_value(o, pr, cs, var, ind, opt);
}

static bool cs_draws(const CodeStr *cs)
{
    return cs->stmts && is_draw(cs->stmts, cs->expr);
}

/* The stored delays' C type (a projection with per-synapse delays) */
static const char *delay_type(const Projection *pj)
{
    return pj->delay_bytes == 1 ? "uint8_t" : "uint16_t";
}

/* The C array of synapse array v (not the weight) over all blocks, and its local name for
 * block snn_t's part: snn_svt_<var> (weight update model), snn_cvt_<update>_<var>. */
static const char *arr_global(const Projection *pj, const SynArr *a)
{
    return a->cu ? arena_printf("snn_cuv_%s_%s", a->cu->name, a->var)
                 : arena_printf("snn_sv_%s_%s", pj->name, a->var);
}
static const char *arr_local(const SynArr *a)
{
    return a->cu ? arena_printf("snn_cvt_%s_%s", a->cu->name, a->var)
                 : arena_printf("snn_svt_%s", a->var);
}

/* The arrays of block snn_t's synapse variables (other than the weight). */
static void block_vars(StrBuf *o, const Projection *pj, const SynArr *arr, int na, int ind)
{
    for (int v = 0; v < na; v++)
        if (!arr[v].weight)
            sb_printf(o, "%*sscalar *restrict %s = %s + snn_soff_%s[snn_t];\n", ind, "",
                      arr_local(&arr[v]), arr_global(pj, &arr[v]), pj->name);
}

static const char *var_ref(const SynArr *a, const char *pos)
{
    return a->weight ? arena_printf("snn_w[%s]", pos) : arena_printf("%s[%s]", arr_local(a), pos);
}

/* Batched models: block snn_t's part of array a, lane 'lane''s copy when the array is per
 * lane (the lanes' copies are lane-outer: docs/architecture.md "Batch lanes"), else the one
 * copy. */
static const char *lane_base(const Projection *pj, const SynArr *a, const char *lane)
{
    const char *n = pj->name;
    if (a->weight)
        return a->lane ? arena_printf("((scalar *)snn_lw_%s[(size_t)(%s) * (size_t)snn_nthr + "
                                      "(size_t)snn_t])", n, lane)
                       : arena_printf("((scalar *)snn_syn_%s[snn_t].weight)", n);
    const char *g = arr_global(pj, a);
    return a->lane ? arena_printf("((scalar *)(void *)(snn_lb_%s + snn_lz_%s * (size_t)(%s)) + "
                                  "snn_soff_%s[snn_t])", g, g, lane, n)
                   : arena_printf("(%s + snn_soff_%s[snn_t])", g, n);
}

/* Batched models: block snn_t's arrays under the names var_ref uses; which: 0 all (the
 * per-lane ones of lane 'lane'), 1 the per-lane ones only, 2 those held once only. */
static void lane_block_vars(StrBuf *o, const Projection *pj, const SynArr *arr, int na, int ind,
                            const char *lane, int which)
{
    for (int v = 0; v < na; v++)
        if (!(which == 1 && !arr[v].lane) && !(which == 2 && arr[v].lane))
            sb_printf(o, "%*sscalar *restrict %s = %s;\n%*s(void)%s;\n", ind, "",
                      arr[v].weight ? "snn_w" : arr_local(&arr[v]), lane_base(pj, &arr[v], lane),
                      ind, "", arr[v].weight ? "snn_w" : arr_local(&arr[v]));
}

/* "[double var;] { draws from the synapse-keyed stream key; the synapse variables; var =
 * code }" for the synapse at snn_pos (indentation 16) */
static void remove_value(StrBuf *o, const RwCtx *c, const CodeStr *cs, const char *key,
                         const char *var, bool declare, const EmitOptions *opt)
{
    const Projection *pj = c->u->proj;
    if (declare)
        sb_printf(o, "                double %s;\n", var);
    sb_puts(o, "                {\n");
    if (cs_draws(cs)) {
        sb_puts(o, "                    snn_rng snn_rng_st; /* keyed by the synapse: (pre, "
                   "post, 0), the step */\n");
        sb_printf(o, "                    snn_rng_init_synk(&snn_rng_st, %s, "
                     "0u, snn_pre, snn_gpost, 0u, step);\n", key);
    }
    SynArr *arr;
    const int nv = syn_arrays(c->m, pj, &arr);
    for (int v = 0; v < nv; v++)
        sb_printf(o, "                    const double snn_rv%d = (double)%s;\n"
                     "                    (void)snn_rv%d;\n", v, var_ref(&arr[v], "snn_pos"), v);
    rw_value(o, c, cs, var, 20, opt);
    sb_puts(o, "                }\n");
}

/* Insert the synapse (snn_pre, snn_gpost) where this rank holds its target (other ranks:
 * continue), counting it as added or (the pair is connected) failed, and set its variables
 * from add.init; inside a loop at indentation 12. */
static void emit_insert(StrBuf *o, const RwCtx *cp, const EmitOptions *opt)
{
    const ConnUpdate *u = cp->u;
    const RwCtx c = *cp;
    const Projection *pj = u->proj;
    const char *n = pj->name, *post = pj->post->name;
    SynArr *arr;
    const int nv = syn_arrays(c.m, pj, &arr);
    bool has_w = false;
    for (int v = 0; v < nv; v++)
        has_w |= arr[v].weight;
    /* one unsigned test (a target below this rank's block wraps past SNN_NL), which without
     * MPI (SNN_LO = 0u) is no "unsigned < 0" test (-Wtype-limits) */
    sb_printf(o, "            if ((uint32_t)(snn_gpost - SNN_LO_%s) >= SNN_NL_%s)\n"
                 "                continue; /* another rank's target */\n", post, post);
    sb_printf(o, "            const uint32_t snn_post = snn_gpost - SNN_LO_%s;\n", post);
    sb_puts(o, "            int snn_t = 0; /* the thread block holding the target */\n");
    sb_printf(o, "            while (snn_post >= snn_tlo_%s[snn_t + 1])\n                snn_t++;\n",
              post);
    sb_printf(o, "            snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", n);
    int nx = 0;
    for (int v = 0; v < nv; v++)
        nx += !arr[v].weight;
    if (c.m->batch) { /* every lane's copies move (snn_lv: rewire_fn's scratch) */
        sb_puts(o, "            int snn_nv = 0;\n");
        for (int v = 0; v < nv; v++)
            if (!arr[v].lane && !arr[v].weight)
                sb_printf(o, "            snn_lv[snn_nv++] = %s;\n", lane_base(pj, &arr[v], "0"));
        sb_puts(o, "            for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) {\n");
        for (int v = 0; v < nv; v++)
            if (arr[v].lane && !arr[v].weight)
                sb_printf(o, "                snn_lv[snn_nv++] = %s;\n",
                          lane_base(pj, &arr[v], "snn_b"));
            else if (arr[v].lane) /* the weight: the selected lane's moves with the rows */
                sb_printf(o, "                if ((void *)%s != snn_R->weight)\n"
                             "                    snn_lv[snn_nv++] = %s;\n",
                          lane_base(pj, &arr[v], "snn_b"), lane_base(pj, &arr[v], "snn_b"));
        sb_puts(o, "            }\n");
        sb_printf(o, "            const int64_t snn_at = snn_rewire_insert(snn_R, snn_pre, snn_post "
                     "- snn_tlo_%s[snn_t], snn_lv, snn_nv, (int)sizeof(scalar));\n", post);
    } else {
    sb_printf(o, "            void *const snn_vars[%d] = {", nx ? nx : 1);
    int q = 0;
    for (int v = 0; v < nv; v++)
        if (!arr[v].weight)
            sb_printf(o, "%s%s + snn_soff_%s[snn_t]", q++ ? ", " : "",
                      arr_global(pj, &arr[v]), n);
    if (!q)
        sb_puts(o, "NULL");
    sb_puts(o, "};\n");
    sb_printf(o, "            const int64_t snn_at = snn_rewire_insert(snn_R, snn_pre, snn_post "
                 "- snn_tlo_%s[snn_t], snn_vars, %d, (int)sizeof(scalar));\n", post, nx);
    }
    sb_puts(o, "            if (snn_at < 0) { /* the pair is connected */\n"
               "                snn_cnt[2]++;\n                continue;\n            }\n");
    sb_puts(o, "            snn_cnt[1]++;\n");
    if (pj->het_delay) { /* the new synapse's delay: add.init.delay, else the declared one */
        const int kd = rewire_init_delay(u);
        if (kd >= 0) {
            sb_puts(o, "            { /* its delay (ms): add.init.delay, draws keyed by the new "
                       "synapse (pre, post, 0) and the step */\n"
                       "                double snn_dms;\n                {\n");
            if (cs_draws(&u->init_code[kd]))
                sb_puts(o, "                    snn_rng snn_rng_st;\n"
                           "                    snn_rng_init_synk(&snn_rng_st, snn_st->key_delay, "
                           "0u, snn_pre, snn_gpost, 0u, step);\n");
            rw_value(o, &c, &u->init_code[kd], "snn_dms", 20, opt);
            sb_puts(o, "                }\n                snn_rewire_set_delay(snn_st, snn_R, "
                       "(uint64_t)snn_at, snn_pre, snn_gpost, snn_dms);\n            }\n");
        } else {
            sb_puts(o, "            snn_rewire_set_delay(snn_st, snn_R, (uint64_t)snn_at, snn_pre, "
                       "snn_gpost, /* its delay: the projection's, keyed by the pair */\n"
                       "                                 snn_rewire_delay_draw(snn_st, &snn_dinit, "
                       "run->seed, snn_pre, snn_gpost));\n");
        }
    }
    if (pj->syn && pj->syn_code[SC_ON_POST].stmts)
        sb_printf(o, "            { /* the column view: the new entry, the places after it */\n"
                     "                const double snn_tc = snn_now();\n"
                     "                snn_columns_ins(&snn_cols_%s[snn_t], snn_post - snn_tlo_%s[snn_t], "
                     "snn_pre, (uint64_t)snn_at);\n"
                     "                snn_columns_resyn(&snn_cols_%s[snn_t], snn_R, snn_pre, "
                     "(uint64_t)snn_at + 1u);\n"
                     "                snn_tcol += snn_now() - snn_tc;\n            }\n",
                  n, post, n);
    if (nv) {
        if (c.m->batch) {
            /* no pointers: written per lane below */
        } else {
            if (has_w)
                sb_puts(o, "            scalar *restrict snn_w = snn_R->weight;\n");
            block_vars(o, pj, arr, nv, 12);
        }
        bool draws = false;
        for (int k = 0; k < u->n_init; k++)
            draws |= cs_draws(&u->init_code[k]);
        sb_puts(o, "            {\n");
        if (draws) {
            sb_puts(o, "                snn_rng snn_rng_st; /* keyed by the new synapse: "
                       "(pre, post, 0), the step */\n");
            sb_puts(o, "                snn_rng_init_synk(&snn_rng_st, snn_st->key_init, 0u, "
                       "snn_pre, snn_gpost, 0u, step);\n");
        }
        for (int v = 0; v < nv; v++) {
            int k = u->init_of_var[v];
            const char *dst = var_ref(&arr[v], "(uint64_t)snn_at");
            const char *fill = ""; /* batched models: every lane's copy */
            if (c.m->batch && arr[v].lane) {
                dst = arena_printf("%s[snn_at]", lane_base(pj, &arr[v], "snn_b"));
                fill = "for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++)\n"
                       "                    ";
            } else if (c.m->batch) {
                dst = arena_printf("%s[snn_at]", lane_base(pj, &arr[v], "0"));
            }
            if (k < 0) {
                const double a = arr[v].cu ? arr[v].cu->vars[arr[v].cu_var].init.a
                                           : pj->syn->vars[v].init.a;
                sb_printf(o, "                %s%s = (scalar)%s; /* declared initial value */\n",
                          fill, dst, emit_c_double(a));
                continue;
            }
            sb_puts(o, "                {\n                    double snn_v;\n");
            rw_value(o, &c, &u->init_code[k], "snn_v", 20, opt);
            sb_printf(o, "                    %s%s%s = (scalar)snn_v;\n                }\n",
                      *fill ? "for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++)\n"
                              "                        " : "", "", dst);
        }
        sb_puts(o, "            }\n");
    }
}

/* Removals in a batched model (docs/language.md "Connectivity updates", "In batched
 * models"): decided once, by lane 0's values (on the rank holding lane 0, then sent to every
 * rank: snn_rewire_lane0_flags), a byte per stored synapse place; then every lane's per-lane
 * arrays move with their synapses, and last the index, the row lengths and the arrays held
 * once. */
static void removals_lanes(StrBuf *o, const RwCtx *c, const SynArr *arr, int nv,
                           const EmitOptions *opt)
{
    const ConnUpdate *u = c->u;
    const Projection *pj = u->proj;
    const char *n = pj->name, *pre = pj->pre->name, *post = pj->post->name;
    bool any_lane = false;
    for (int v = 0; v < nv; v++)
        any_lane |= arr[v].lane;
    if (!pj->syn) /* a static projection keeps no synapse offsets: its blocks' capacities */
        sb_printf(o, "    uint64_t snn_soff_%s[snn_nthr + 1]; /* thread block t's places */\n"
                     "    snn_soff_%s[0] = 0;\n"
                     "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n"
                     "        snn_soff_%s[snn_t + 1] = snn_soff_%s[snn_t] + "
                     "snn_syn_%s[snn_t].capacity;\n", n, n, n, n, n);
    sb_printf(o, "    const uint64_t snn_places = snn_soff_%s[snn_nthr];\n", n);
    sb_puts(o, "    unsigned char *snn_rmf = calloc((size_t)snn_places + 1u, 1); /* removed? */\n"
               "    if (!snn_rmf)\n"
               "        snn_fatal(\"out of memory for a connectivity update's removals\");\n");
    sb_puts(o, "    if (run->lane_first == 0) /* this rank holds the batch's lane 0: it decides */\n");
    sb_puts(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
    sb_printf(o, "        snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", n);
    sb_puts(o, "        const uint64_t *restrict snn_rs = snn_R->row_start;\n");
    sb_puts(o, "        const uint32_t *restrict snn_rl = snn_R->row_len;\n");
    sb_printf(o, "        const %s *restrict snn_ind = snn_R->ind;\n", emit_ind_type(pj));
    sb_printf(o, "        unsigned char *restrict snn_f = snn_rmf + snn_soff_%s[snn_t];\n", n);
    lane_block_vars(o, pj, arr, nv, 8, "0", 0);
    if (pj->het_delay) /* remove may read it */
        sb_printf(o, "        const %s *restrict snn_dl = snn_R->delay;\n        (void)snn_dl;\n",
                  delay_type(pj));
    sb_printf(o, "        const uint32_t snn_plo = snn_tlo_%s[snn_t];\n", post);
    sb_printf(o, "        for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
    sb_puts(o, "            const uint64_t snn_a = snn_rs[snn_pre], snn_e = snn_a + "
               "snn_rl[snn_pre];\n");
    if (u->candidates)
        sb_puts(o, "            uint64_t snn_ci = snn_cd->off[snn_pre], snn_ce = "
                   "snn_cd->off[snn_pre + 1];\n");
    if (u->candidates && !u->remove.stmts)
        sb_puts(o, "            if (snn_ci == snn_ce) /* no candidates: nothing to remove */\n"
                   "                continue;\n");
    sb_puts(o, "            for (uint64_t snn_pos = snn_a; snn_pos < snn_e; snn_pos++) {\n");
    sb_puts(o, "                const uint32_t snn_post = snn_plo + snn_ind[snn_pos];\n");
    sb_printf(o, "                const uint32_t snn_gpost = SNN_LO_%s + snn_post;\n", post);
    sb_puts(o, "                (void)snn_post; (void)snn_gpost;\n");
    if (u->remove.stmts)
        remove_value(o, c, &u->remove, "snn_st->key_remove", "snn_rm", true, opt);
    else
        sb_puts(o, "                double snn_rm = 0.0;\n");
    if (u->candidates) {
        sb_puts(o, "                while (snn_ci < snn_ce && snn_cd->cand[snn_ci] < snn_gpost)\n"
                   "                    snn_ci++;\n");
        if (u->cand_remove.stmts) {
            sb_puts(o, "                if (snn_ci < snn_ce && snn_cd->cand[snn_ci] == snn_gpost &&"
                       " snn_rm == 0.0) {\n");
            remove_value(o, c, &u->cand_remove, "snn_cd->key_elim", "snn_rm", false, opt);
            sb_puts(o, "                }\n");
        }
    }
    sb_puts(o, "                snn_f[snn_pos] = snn_rm != 0.0; /* (NaN too) */\n"
               "            }\n        }\n    }\n");
    sb_puts(o, "    snn_rewire_lane0_flags(run, snn_rmf, snn_places); /* lanes over ranks */\n");
    if (any_lane) {
        sb_puts(o, "    for (uint32_t snn_b = 0; snn_b < snn_nlane; snn_b++) /* every lane's "
                   "copies move with their synapses */\n");
        sb_puts(o, "        for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
        sb_printf(o, "            const snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", n);
        sb_printf(o, "            const unsigned char *restrict snn_f = snn_rmf + "
                     "snn_soff_%s[snn_t];\n", n);
        lane_block_vars(o, pj, arr, nv, 12, "snn_b", 1);
        sb_printf(o, "            for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n",
                  pre);
        sb_puts(o, "                const uint64_t snn_a = snn_R->row_start[snn_pre], snn_e = "
                   "snn_a + snn_R->row_len[snn_pre];\n");
        sb_puts(o, "                uint64_t snn_o = snn_a;\n");
        sb_puts(o, "                for (uint64_t snn_pos = snn_a; snn_pos < snn_e; snn_pos++) {\n"
                   "                    if (snn_f[snn_pos])\n                        continue;\n"
                   "                    if (snn_o != snn_pos) {\n");
        for (int v = 0; v < nv; v++)
            if (arr[v].lane)
                sb_printf(o, "                        %s = %s;\n", var_ref(&arr[v], "snn_o"),
                          var_ref(&arr[v], "snn_pos"));
        sb_puts(o, "                    }\n                    snn_o++;\n                }\n"
                   "            }\n        }\n");
    }
    /* the index, the row lengths, the arrays held once; the candidates' flags */
    sb_puts(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
    sb_printf(o, "        snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", n);
    sb_puts(o, "        const uint64_t *restrict snn_rs = snn_R->row_start;\n");
    sb_puts(o, "        uint32_t *restrict snn_rl = snn_R->row_len;\n");
    sb_printf(o, "        %s *restrict snn_ind = snn_R->ind;\n", emit_ind_type(pj));
    sb_printf(o, "        const unsigned char *restrict snn_f = snn_rmf + snn_soff_%s[snn_t];\n", n);
    lane_block_vars(o, pj, arr, nv, 8, "0", 2);
    if (pj->het_delay)
        sb_printf(o, "        %s *restrict snn_dl = snn_R->delay;\n", delay_type(pj));
    sb_printf(o, "        const uint32_t snn_plo = snn_tlo_%s[snn_t];\n", post);
    sb_puts(o, "        (void)snn_plo;\n        uint64_t snn_nsyn = 0;\n");
    sb_printf(o, "        for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
    sb_puts(o, "            const uint64_t snn_a = snn_rs[snn_pre], snn_e = snn_a + "
               "snn_rl[snn_pre];\n");
    sb_puts(o, "            uint64_t snn_o = snn_a;\n");
    if (u->candidates)
        sb_puts(o, "            uint64_t snn_ci = snn_cd->off[snn_pre], snn_ce = "
                   "snn_cd->off[snn_pre + 1];\n");
    sb_puts(o, "            for (uint64_t snn_pos = snn_a; snn_pos < snn_e; snn_pos++) {\n");
    if (u->candidates) {
        sb_printf(o, "                const uint32_t snn_gpost = SNN_LO_%s + snn_plo + "
                     "snn_ind[snn_pos];\n", post);
        sb_puts(o, "                while (snn_ci < snn_ce && snn_cd->cand[snn_ci] < snn_gpost)\n"
                   "                    snn_ci++;\n"
                   "                if (snn_ci < snn_ce && snn_cd->cand[snn_ci] == snn_gpost)\n"
                   "                    snn_cd->flag[snn_ci] = 1; /* a connected candidate */\n");
    }
    sb_puts(o, "                if (snn_f[snn_pos]) { /* removed */\n"
               "                    snn_cnt[0]++;\n                    continue;\n"
               "                }\n");
    sb_puts(o, "                if (snn_o != snn_pos) {\n");
    sb_puts(o, "                    snn_ind[snn_o] = snn_ind[snn_pos];\n");
    if (pj->het_delay) /* the delay moves with its synapse */
        sb_puts(o, "                    snn_dl[snn_o] = snn_dl[snn_pos];\n");
    for (int v = 0; v < nv; v++)
        if (!arr[v].lane)
            sb_printf(o, "                    %s = %s;\n", var_ref(&arr[v], "snn_o"),
                      var_ref(&arr[v], "snn_pos"));
    sb_puts(o, "                }\n                snn_o++;\n            }\n");
    sb_puts(o, "            snn_rl[snn_pre] = (uint32_t)(snn_o - snn_a);\n");
    sb_puts(o, "            snn_nsyn += snn_rl[snn_pre];\n        }\n");
    sb_puts(o, "        snn_R->n_syn = snn_nsyn;\n    }\n    free(snn_rmf);\n");
}

/* The head of parallel region 'suffix' of update u (docs/parallel.md "Connectivity updates",
 * "In parallel"): worker snn_wk of snn_nw, the update's state and arguments; snn_cnt is the
 * worker's counter slot. */
static void region_head(StrBuf *o, const ConnUpdate *u, const char *suffix, const char *what)
{
    sb_printf(o, "\n/* connectivity_update '%s': %s (step thread snn_wk of snn_nw) */\n"
                 "static void snn_rewire_%s_%s(void *snn_a, int snn_wk, int snn_nw)\n{\n",
              u->name, what, u->name, suffix);
    sb_puts(o, "    const snn_rw_args *snn_x = (const snn_rw_args *)snn_a;\n"
               "    snn_run *run = snn_x->run;\n    const uint64_t step = snn_x->step;\n"
               "    const int64_t snn_nrem = snn_x->nrem;\n"
               "    (void)run; (void)step; (void)snn_nrem; (void)snn_nw;\n");
    sb_printf(o, "    snn_rewire_stats *snn_st = snn_rewire_get(%d);\n", u->index);
    if (u->candidates)
        sb_printf(o, "    snn_rewire_cand *snn_cd = snn_rewire_cand_get(%d);\n    (void)snn_cd;\n",
                  u->index);
    const Projection *pj = u->proj;
    if (pj->het_delay && rewire_init_delay(u) < 0 &&
        (u->count.stmts || u->total.stmts || u->cand_add.stmts)) /* new synapses' delays */
        sb_printf(o, "    const snn_init snn_dinit = %s;\n    (void)snn_dinit;\n",
                  emit_c_init(&pj->delay_init, arena_printf("rw:%s/delay", u->name)));
    sb_puts(o, "    int64_t *restrict snn_cnt = snn_st->bcnt + 8 * snn_wk; /* this worker's "
               "counters */\n    (void)snn_cnt;\n"
               "    double snn_tcol = 0; /* patching the column views */\n    (void)snn_tcol;\n");
}

/* The end of a region, and its call in the update (the counters added: snn_pc); 'work'
 * is its rows (below SNN_REWIRE_PAR_MIN the region runs on the calling thread). */
static void region_end(StrBuf *rg, StrBuf *o, const ConnUpdate *u, const char *suffix,
                       const char *work)
{
    sb_puts(rg, "    snn_st->wcol[snn_wk] += snn_tcol;\n}\n");
    sb_printf(o, "    snn_rewire_region(run, snn_rewire_%s_%s, &snn_x, %s);\n"
                 "    snn_rewire_par_take(snn_st, snn_pc);\n"
                 "    snn_tcol += snn_rewire_par_tcol(snn_st);\n", u->name, suffix, work);
}

/* The block range of worker snn_wk (a region's loop over thread blocks). */
static const char *const BLOCKS_OF_WORKER =
    "    const int snn_tb = (int)SNN_RW_FIRST(snn_nthr, snn_wk, snn_nw);\n"
    "    const int snn_te = (int)SNN_RW_SPLIT(snn_nthr, snn_wk + 1, snn_nw);\n";

/* The formation decisions of a row's candidates (inside qloop): flag 2 where candidates.add
 * is nonzero for a candidate onto this rank; 'skip_flagged': connected candidates (flag 1)
 * skipped; 'first': the streams' first blocks from snn_rewire_cand_blocks; acc (where not
 * NULL) counts the row's accepted ones. */
static void decisions(StrBuf *o, const RwCtx *c, const EmitOptions *opt, bool first,
                      bool skip_flagged, const char *acc)
{
    const ConnUpdate *u = c->u;
    const char *post = u->proj->post->name;
    sb_puts(o, "            const uint32_t snn_gpost = snn_cd->cand[snn_ci];\n");
    sb_printf(o, "            if (%s(uint32_t)(snn_gpost - SNN_LO_%s) >= SNN_NL_%s)\n"
                 "                continue; /* %sanother rank's target */\n",
              skip_flagged ? "snn_cd->flag[snn_ci] || " : "", post, post,
              skip_flagged ? "connected, or " : "");
    sb_puts(o, "            double snn_ok;\n            {\n");
    if (cs_draws(&u->cand_add)) {
        sb_puts(o, "                snn_rng snn_rng_st; /* keyed by the candidate: (pre, post, "
                   "0), the step */\n");
        if (first) /* the block from snn_rewire_cand_blocks */
            sb_puts(o, "                snn_rng_init_synk_first(&snn_rng_st, snn_cd->key_form, "
                       "snn_pre, snn_gpost, step, snn_cd->blk[snn_ci],\n"
                       "                                        snn_cd->blk[snn_cd->cap + snn_ci], "
                       "snn_cd->blk[2 * snn_cd->cap + snn_ci],\n"
                       "                                        snn_cd->blk[3 * snn_cd->cap + "
                       "snn_ci]);\n");
        else
            sb_puts(o, "                snn_rng_init_synk(&snn_rng_st, snn_cd->key_form, 0u, "
                       "snn_pre, snn_gpost, 0u, step);\n");
    }
    rw_value(o, c, &u->cand_add, "snn_ok", 16, opt);
    sb_puts(o, "            }\n");
    sb_puts(o, "            if (snn_ok != 0.0) {\n                snn_cd->flag[snn_ci] = 2;\n");
    if (acc)
        sb_printf(o, "                %s++;\n", acc);
    sb_puts(o, "            }\n        }\n    }\n");
}

/* The generated search of a sorted row: snn_lo = the first position in [lo, hi) whose
 * target index (snn_ind) is not below key (hi where none is), at indentation ind. */
static void emit_row_search(StrBuf *o, int ind, const char *lo, const char *hi, const char *key)
{
    sb_printf(o, "%*suint64_t snn_lo = %s, snn_hi = %s; /* the first target >= %s */\n"
                 "%*swhile (snn_lo < snn_hi) {\n"
                 "%*s    const uint64_t snn_mid = snn_lo + (snn_hi - snn_lo) / 2u;\n"
                 "%*s    if ((uint64_t)snn_ind[snn_mid] < (uint64_t)%s)\n"
                 "%*s        snn_lo = snn_mid + 1u;\n"
                 "%*s    else\n"
                 "%*s        snn_hi = snn_mid;\n"
                 "%*s}\n",
              ind, "", lo, hi, key, ind, "", ind, "", ind, "", key, ind, "", ind, "", ind, "",
              ind, "");
}

/* emit_row_search without a branch on the data (the rows' targets, which a random candidate
 * makes unpredictable): the range [snn_lo, snn_lo + snn_n] holding the answer is halved by a
 * conditional move until it is one place or none, then snn_lo moves past it if its target is
 * below key.  The same snn_lo as emit_row_search. */
static void emit_row_search_nb(StrBuf *o, int ind, const char *lo, const char *hi,
                               const char *key)
{
    sb_printf(o, "%*suint64_t snn_lo = %s, snn_n = %s - %s; /* the first target >= %s */\n"
                 "%*swhile (snn_n > 1u) {\n"
                 "%*s    const uint64_t snn_h = snn_n / 2u;\n"
                 "%*s    snn_lo = (uint64_t)snn_ind[snn_lo + snn_h - 1u] < (uint64_t)%s ? snn_lo + snn_h "
                 ": snn_lo;\n"
                 "%*s    snn_n -= snn_h;\n"
                 "%*s}\n"
                 "%*ssnn_lo += snn_n == 1u && (uint64_t)snn_ind[snn_lo] < (uint64_t)%s;\n",
              ind, "", lo, hi, lo, key, ind, "", ind, "", ind, "", key, ind, "", ind, "", ind,
              "", key);
}

/* The candidates' region (merged), after the decisions: rows rows[q] of this worker, 64 at
 * a time.  Only the thread blocks that hold a candidate of the row are read (the rows'
 * global lengths are kept in snn_st->len by the update, not summed here): the length of
 * each row in the block of its first candidate onto this rank and the row's first synapse
 * line are prefetched (row i of block t starts at i * snn_st->room[t]: no row_start[] to
 * read first; the block found by counting block starts, not by a loop that branches on the
 * candidate); each candidate onto this rank is looked up in its block's sorted row (binary
 * search without branches on the data); a connected one gets flag 1 and, where
 * candidates.remove is nonzero for it (the same value and synapse-keyed draw as in the
 * removals' walk, which reads the same synapse), counts a removal to make (snn_cnt[5]: then
 * the removals' region runs after the join); an unconnected one accepted (flag 2) counts
 * in the row's accepted formations (acc). */
static void lookups(StrBuf *o, const RwCtx *c, const EmitOptions *opt, const SynArr *arr,
                    int nv, bool has_w)
{
    const ConnUpdate *u = c->u;
    const Projection *pj = u->proj;
    const char *n = pj->name, *post = pj->post->name;
    sb_printf(o, "    /* connected candidates (flag 1), removals to make, the rows' accepted "
                 "formations */\n"
                 "    const uint64_t snn_qb = SNN_RW_FIRST(snn_cd->n_rows, snn_wk, snn_nw), "
                 "snn_qe = SNN_RW_SPLIT(snn_cd->n_rows, snn_wk + 1, snn_nw);\n"
                 "    for (uint64_t snn_q0 = snn_qb; snn_q0 < snn_qe; snn_q0 += 64u) {\n"
                 "        const uint64_t snn_q1 = snn_qe - snn_q0 < 64u ? snn_qe : snn_q0 + 64u;\n"
                 "        uint8_t snn_tq[64]; /* the block of the row's first candidate here (255: none) */\n"
                 "        for (uint64_t snn_q = snn_q0; snn_q < snn_q1; snn_q++) {\n"
                 "            const uint32_t snn_g = snn_cd->cand[snn_cd->qoff[snn_q]] - SNN_LO_%s;\n"
                 "            int snn_t = 0;\n"
                 "            if (snn_g >= SNN_NL_%s || snn_nthr > 255) {\n"
                 "                snn_tq[snn_q - snn_q0] = 255u;\n"
                 "                continue;\n"
                 "            }\n"
                 "            for (int snn_k = 1; snn_k < snn_nthr; snn_k++) /* no branch on the data */\n"
                 "                snn_t += snn_g >= snn_tlo_%s[snn_k];\n"
                 "            snn_tq[snn_q - snn_q0] = (uint8_t)snn_t;\n"
                 "            __builtin_prefetch(snn_syn_%s[snn_t].row_len + snn_cd->rows[snn_q]);\n"
                 "            __builtin_prefetch((const char *)snn_syn_%s[snn_t].ind + (uint64_t)snn_cd->rows[snn_q] *\n"
                 "                               snn_st->room[snn_t] * sizeof(%s)); /* row i at i * room */\n"
                 "        }\n", post, post, post, n, n, emit_ind_type(pj));
    sb_printf(o, "        for (uint64_t snn_q = snn_q0; snn_q < snn_q1; snn_q++) {\n"
                 "        const uint32_t snn_pre = snn_cd->rows[snn_q];\n"
                 "        int64_t snn_nac = 0;\n"
                 "        uint64_t snn_ci = snn_cd->qoff[snn_q];\n"
                 "        const uint64_t snn_ce = snn_cd->qoff[snn_q + 1];\n"
                 "        int snn_t = snn_tq[snn_q - snn_q0] != 255u ? snn_tq[snn_q - snn_q0] : 0;\n"
                 "        while (snn_ci < snn_ce) {\n"
                 "            const uint32_t snn_g0 = snn_cd->cand[snn_ci] - SNN_LO_%s;\n"
                 "            if (snn_g0 >= SNN_NL_%s) { /* another rank's target */\n"
                 "                snn_ci++;\n"
                 "                continue;\n"
                 "            }\n"
                 "            while (snn_g0 >= snn_tlo_%s[snn_t + 1]) /* the block holding it */\n"
                 "                snn_t++;\n"
                 "            snn_ragged *snn_R = &snn_syn_%s[snn_t];\n"
                 "            const uint64_t snn_a = (uint64_t)snn_pre * snn_st->room[snn_t], "
                 "snn_e = snn_a + snn_R->row_len[snn_pre];\n"
                 "            const uint32_t snn_plo = snn_tlo_%s[snn_t];\n"
                 "            const uint32_t snn_bl = SNN_LO_%s + snn_plo, snn_bh = SNN_LO_%s + "
                 "snn_tlo_%s[snn_t + 1];\n"
                 "            const %s *restrict snn_ind = snn_R->ind;\n"
                 "            for (; snn_ci < snn_ce && snn_cd->cand[snn_ci] < snn_bh; snn_ci++) {\n"
                 "                const uint32_t snn_gpost = snn_cd->cand[snn_ci]; /* >= snn_bl: "
                 "ascending */\n"
                 "                const uint64_t snn_l = (uint64_t)(snn_gpost - snn_bl);\n",
              post, post, post, n, post, post, post, post, emit_ind_type(pj));
    emit_row_search_nb(o, 16, "snn_a", "snn_e", "snn_l");
    sb_puts(o, "                if (snn_lo == snn_e || (uint64_t)snn_ind[snn_lo] != snn_l) {\n"
               "                    snn_nac += snn_cd->flag[snn_ci] == 2; /* accepted, not "
               "connected */\n"
               "                    continue;\n"
               "                }\n"
               "                snn_cd->flag[snn_ci] = 1; /* a connected candidate */\n");
    if (u->cand_remove.stmts) {
        sb_puts(o, "                const uint64_t snn_pos = snn_lo;\n"
                   "                const uint32_t snn_post = snn_plo + snn_ind[snn_pos]; "
                   "/* this rank's index */\n                (void)snn_post;\n");
        if (has_w)
            sb_puts(o, "                const scalar *restrict snn_w = snn_R->weight;\n");
        block_vars(o, pj, arr, nv, 16);
        if (pj->het_delay)
            sb_printf(o, "                const %s *restrict snn_dl = snn_R->delay;\n"
                         "                (void)snn_dl;\n", delay_type(pj));
        remove_value(o, c, &u->cand_remove, "snn_cd->key_elim", "snn_rm", true, opt);
        sb_puts(o, "                if (snn_rm != 0.0) /* removed (NaN too): by the removals' "
                   "region */\n                    snn_cnt[5]++;\n");
    }
    sb_puts(o, "            }\n        }\n"
               "        snn_cd->acc[snn_q] = snn_nac;\n"
               "        }\n    }\n");
}

/* An update whose candidates are spread by candidates.total and nothing else per row, in
 * parallel, with candidates.add: its decisions and look-ups are one region (rewire_fn's
 * 'merged'), after a serial part (the spread and the rows' layout) that reads nothing the
 * update's region or the rest of it writes. */
static bool rw_merged(const Model *m, const ConnUpdate *u)
{
    const bool sparse = u->candidates && u->cand_total.stmts && !u->cand_count.stmts &&
                        !u->remove.stmts && !u->count.stmts && !u->total.stmts;
    return sparse && !m->batch && u->cand_add.stmts;
}

/* Updates due at the same steps (the same 'every', no group trigger), each merged: their
 * serial parts run first, then one region of the step threads runs all their candidates'
 * regions (one join instead of one per update), then the rest of each update in order.  An
 * update reads and writes only its own projection's rows and synapses (one update per
 * projection) and the neurons' state, which no update writes, so the results are those of
 * the updates one after another.  The first update of update i's group (i itself when it
 * leads), or -1 where i is not fused (alone, or not merged). */
static int rw_fuse_lead(const Model *m, int i)
{
    const ConnUpdate *u = m->cupds[i];
    if (!rw_merged(m, u) || !u->every || u->group_index >= 0)
        return -1;
    int lead = -1, n = 0;
    for (int j = 0; j < m->n_cupds; j++) {
        const ConnUpdate *v = m->cupds[j];
        if (rw_merged(m, v) && v->every == u->every && v->group_index < 0) {
            if (lead < 0)
                lead = j;
            n++;
        }
    }
    return n >= 2 ? lead : -1;
}

static void rewire_fn(StrBuf *out, const Model *m, const ConnUpdate *u, const EmitOptions *opt)
{
    /* Unbatched models run the row code in parallel regions over the step threads
     * (docs/parallel.md "Connectivity updates", "In parallel"), written to rg before the
     * update's function (mainb); batched models run it in the update's function. */
    const bool par = !m->batch;
    StrBuf mainb, rg;
    sb_init(&mainb);
    sb_init(&rg);
    StrBuf *o = &mainb;
    const Projection *pj = u->proj;
    const char *n = pj->name, *pre = pj->pre->name, *post = pj->post->name;
    RwCtx c = {m, u, true};
    SynArr *arr;
    const int nv = syn_arrays(m, pj, &arr);
    bool has_w = false;
    for (int v = 0; v < nv; v++)
        has_w |= arr[v].weight;
    const bool cols = pj->syn && pj->syn_code[SC_ON_POST].stmts; /* a column view, patched */
    /* candidates spread by candidates.total and nothing else per row: only the rows with
     * candidates can change, so only they are walked (snn_cd->rows) */
    const bool sparse = u->candidates && u->cand_total.stmts && !u->cand_count.stmts &&
                        !u->remove.stmts && !u->count.stmts && !u->total.stmts;
    const char *work = sparse ? "snn_cd->n_rows" : arena_printf("SNN_N_%s", pj->pre->name);
    /* sparse, in parallel: the formation decisions made in the candidates' region, before
     * the removals (one join less): candidates.add reads only parameters, ids and its own
     * synapse-keyed draws (RC_INIT), nothing the removals change; a connected candidate's
     * decision (flag 2) is overwritten with 1 by the removal walk, so flag 2 after the
     * removals is exactly the decisions made before on the unconnected ones */
    const bool merged = sparse && par && u->cand_add.stmts;
    sb_printf(o, "\n/* connectivity_update '%s' (%s:%d) on projection '%s': removals in each "
                 "thread block, then additions\n * from each row's stream, each block and rank "
                 "keeping its own targets (docs/parallel.md) */\n", u->name, u->loc.file,
              u->loc.line, n);
    /* noinline: run every few steps, kept out of model_step (profiles show it apart) */
    if (merged) /* snn_fused: its serial part and its candidates' region already run, taking
                 * snn_pre_s seconds (rw_fuse_lead), and snn_tin the clock's time now (read by
                 * the caller: one clock read fewer per update, a fixed cost that weighs at
                 * small scale); returns the clock's time at its end for the next update */
        sb_printf(o, "static __attribute__((noinline)) double snn_rewire_%s_x(snn_run *run, "
                     "uint64_t step, int snn_fused, double snn_pre_s, double snn_tin)\n{\n",
                  u->name);
    else
        sb_printf(o, "static __attribute__((noinline)) void snn_rewire_%s(snn_run *run, "
                     "uint64_t step)\n{\n", u->name);
    sb_printf(o, "    snn_rewire_stats *snn_st = snn_rewire_get(%d);\n", u->index);
    if (merged)
        sb_puts(o, "    const double snn_t0 = (snn_fused ? snn_tin : snn_now()) - snn_pre_s;\n");
    else
        sb_puts(o, "    const double snn_t0 = snn_now();\n");
    sb_puts(o, "    int64_t snn_cnt[3] = {0, 0, 0}; /* removed, added, failed (pair connected) */\n");
    sb_puts(o, "    (void)run;\n");
    sb_puts(o, "    double snn_tcol = 0; /* patching the column view */\n    (void)snn_tcol;\n");
    if (par)
        sb_puts(o, "    snn_rw_args snn_x = {run, step, 0};\n"
                   "    int64_t snn_pc[6] = {0, 0, 0, 0, 0, 0}; /* the workers' counters */\n"
                   "    (void)snn_x; (void)snn_pc;\n");
    if (pj->het_delay && rewire_init_delay(u) < 0 &&
        (u->count.stmts || u->total.stmts || u->cand_add.stmts)) /* new synapses' delays */
        sb_printf(o, "    const snn_init snn_dinit = %s;\n    (void)snn_dinit;\n",
                  emit_c_init(&pj->delay_init, arena_printf("rw:%s/delay", u->name)));
    if (m->batch && (u->count.stmts || u->total.stmts || u->cand_add.stmts)) {
        int nl = 1, n1 = 0; /* the arrays held once, per lane */
        for (int v = 0; v < nv; v++)
            if (arr[v].lane)
                nl++;
            else
                n1++;
        sb_printf(o, "    void **snn_lv = malloc(sizeof(void *) * ((size_t)snn_nlane * %du + %du));"
                     " /* every lane's arrays */\n    if (!snn_lv)\n        snn_fatal(\"out of "
                     "memory for a connectivity update\");\n", nl, n1 + 1);
    }
    if (u->candidates) {
        sb_printf(o, "    snn_rewire_cand *snn_cd = snn_rewire_cand_get(%d);\n", u->index);
        if (u->cand_count.stmts)
            sb_printf(o, "    snn_rewire_lengths(snn_st, snn_syn_%s, snn_nthr); /* row_length "
                         "before the update */\n", n);
        StrBuf *pb = o;
        if (merged) { /* the serial part in a function of its own (rw_fuse_lead) */
            pb = &rg;
            sb_printf(pb, "\n/* connectivity_update '%s': the candidates' spread over the rows "
                          "and their places (serial) */\n"
                          "static void snn_rewire_%s_prep(snn_run *run, uint64_t step)\n{\n"
                          "    snn_rewire_stats *snn_st = snn_rewire_get(%d);\n"
                          "    snn_rewire_cand *snn_cd = snn_rewire_cand_get(%d);\n",
                      u->name, u->name, u->index, u->index);
        }
        if (u->cand_total.stmts) {
            sb_puts(pb, "    {\n        double snn_total;\n");
            rw_value(pb, &c, &u->cand_total, "snn_total", 8, opt);
            /* the parallel path's layout reads the counts by list place (qcnt) */
            sb_printf(pb, "        snn_rewire_cand_spread%s(snn_cd, run->seed, snn_st->stream_dist, "
                         "step,\n                               snn_rewire_whole(snn_st, "
                         "\"candidates.total\", 0, snn_total, 9007199254740992.0));\n    }\n",
                      sparse && par ? "_q" : "");
        }
        if (sparse && par) {
            sb_puts(pb, "    snn_rewire_cand_layout(snn_cd, snn_nthr); /* rows' places, then "
                       "each row's draws */\n");
            if (merged)
                sb_printf(pb, "}\n");
            region_head(&rg, u, "cand", merged ? "the candidate rows' draws and the formation "
                                                 "decisions, rows split"
                                               : "the candidate rows' draws");
            sb_puts(&rg, "    /* the rows' streams (row, step): first blocks in SIMD, then each row's draws */\n"
                         "    snn_rewire_cand_fill_rows(snn_cd, run->seed, snn_st->stream_add, step,\n"
                         "                              SNN_RW_FIRST(snn_cd->n_rows, snn_wk, snn_nw),\n"
                         "                              SNN_RW_SPLIT(snn_cd->n_rows, snn_wk + 1, snn_nw), snn_wk);\n");
            if (merged) { /* the formation decisions of the same rows, every candidate onto
                           * this rank (whether connected is known after the removals) */
                sb_puts(&rg, "    /* the formation decisions (flag 2; the removals' walk sets 1 "
                             "where connected) */\n");
                if (cs_draws(&u->cand_add)) /* the candidates' first blocks in SIMD */
                    sb_puts(&rg, "    snn_rewire_cand_blocks(snn_cd, snn_cd->key_form, step, "
                                 "SNN_RW_FIRST(snn_cd->n_rows, snn_wk, snn_nw),\n"
                                 "                           SNN_RW_SPLIT(snn_cd->n_rows, snn_wk + 1, "
                                 "snn_nw));\n");
                sb_puts(&rg, "    for (uint64_t snn_q = SNN_RW_FIRST(snn_cd->n_rows, snn_wk, snn_nw);\n"
                             "         snn_q < SNN_RW_SPLIT(snn_cd->n_rows, snn_wk + 1, snn_nw); "
                             "snn_q++) {\n"
                             "        const uint32_t snn_pre = snn_cd->rows[snn_q];\n"
                             "        for (uint64_t snn_ci = snn_cd->qoff[snn_q]; snn_ci < "
                             "snn_cd->qoff[snn_q + 1]; snn_ci++) {\n");
                decisions(&rg, &c, opt, true, false, NULL);
                lookups(&rg, &c, opt, arr, nv, has_w);
            }
            if (merged) { /* fused: the serial part and the region run by the caller */
                sb_puts(&rg, "    snn_st->wcol[snn_wk] += snn_tcol;\n}\n");
                sb_printf(o, "    if (!snn_fused) {\n"
                             "        snn_rewire_%s_prep(run, step);\n"
                             "        snn_rewire_region(run, snn_rewire_%s_cand, &snn_x, %s);\n"
                             "    }\n"
                             "    snn_rewire_par_take(snn_st, snn_pc);\n"
                             "    snn_tcol += snn_rewire_par_tcol(snn_st);\n",
                          u->name, u->name, work);
            } else
                region_end(&rg, o, u, "cand", work);
        } else {
        if (sparse)
            sb_puts(o, "    uint64_t snn_ca = 0; /* the candidates of the rows before */\n"
                       "    for (uint32_t snn_q = 0; snn_q < snn_cd->n_rows; snn_q++) {\n"
                       "        const uint32_t snn_pre = snn_cd->rows[snn_q];\n"
                       "        const uint64_t snn_c = snn_cd->count[snn_pre];\n"
                       "        snn_cd->off[snn_pre] = snn_ca;\n");
        else
            sb_printf(o, "    for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
        if (!u->cand_count.stmts && !sparse)
            sb_puts(o, "        const uint64_t snn_c = snn_cd->count[snn_pre];\n"
                       "        if (snn_c == 0) { /* most rows: no candidates */\n"
                       "            snn_cd->off[snn_pre + 1] = snn_cd->off[snn_pre];\n"
                       "            continue;\n        }\n");
        sb_puts(o, "        snn_rng snn_rng_st; /* row snn_pre's stream: count, then the "
                   "candidates */\n");
        sb_puts(o, "        snn_rng_init(&snn_rng_st, run->seed, snn_st->stream_add, snn_pre, "
                   "step);\n");
        if (u->cand_count.stmts) {
            sb_puts(o, "        double snn_count;\n");
            rw_value(o, &c, &u->cand_count, "snn_count", 8, opt);
            sb_printf(o, "        const uint64_t snn_c = snn_rewire_whole(snn_st, "
                         "\"candidates.count\", snn_pre, snn_count, (double)SNN_N_%s);\n", post);
        }
        sb_puts(o, "        snn_rewire_cand_row(snn_cd, &snn_rng_st, snn_pre, snn_c);\n");
        if (sparse)
            sb_puts(o, "        snn_ca = snn_cd->off[snn_pre + 1];\n");
        sb_puts(o, "    }\n");
        }
    }
    /* removals */
    if (m->batch && (u->remove.stmts || u->candidates)) {
        removals_lanes(o, &c, arr, nv, opt);
    } else if (u->remove.stmts || u->candidates) {
        if (par) { /* a region over the thread blocks */
            region_head(&rg, u, "rm", "removals, each worker its thread blocks");
            o = &rg;
            sb_puts(o, BLOCKS_OF_WORKER);
            sb_puts(o, "    for (int snn_t = snn_tb; snn_t < snn_te; snn_t++) {\n");
        } else {
        sb_puts(o, "    for (int snn_t = 0; snn_t < snn_nthr; snn_t++) {\n");
        }
        sb_printf(o, "        snn_ragged *snn_R = &snn_syn_%s[snn_t];\n", n);
        sb_puts(o, "        const uint64_t *restrict snn_rs = snn_R->row_start;\n");
        sb_puts(o, "        uint32_t *restrict snn_rl = snn_R->row_len;\n");
        sb_printf(o, "        %s *restrict snn_ind = snn_R->ind;\n", emit_ind_type(pj));
        if (has_w)
            sb_puts(o, "        scalar *restrict snn_w = snn_R->weight;\n");
        block_vars(o, pj, arr, nv, 8);
        if (pj->het_delay)
            sb_printf(o, "        %s *restrict snn_dl = snn_R->delay;\n", delay_type(pj));
        sb_printf(o, "        const uint32_t snn_plo = snn_tlo_%s[snn_t];\n", post);
        if (cols)
            sb_printf(o, "        snn_columns *snn_col = &snn_cols_%s[snn_t];\n", n);
        if (sparse) { /* the rows with a candidate among this block's targets, 64 at a
                       * time: their places and storage prefetched before the look-ups (each
                       * a cache miss, independent of the others) */
            sb_printf(o, "        const uint32_t snn_bl = SNN_LO_%s + snn_plo, snn_bh = SNN_LO_%s + "
                         "snn_tlo_%s[snn_t + 1];\n", post, post, post);
            sb_puts(o, "        for (uint32_t snn_q0 = 0; snn_q0 < snn_cd->n_rows; snn_q0 += 64u) {\n"
                       "            const uint32_t snn_q1 = snn_cd->n_rows - snn_q0 < 64u ? "
                       "snn_cd->n_rows : snn_q0 + 64u;\n"
                       "            uint32_t snn_qs[64], snn_nq = 0;\n"
                       "            for (uint32_t snn_q = snn_q0; snn_q < snn_q1; snn_q++) {\n"
                       "                const uint32_t snn_pre = snn_cd->rows[snn_q];\n"
                       "                uint64_t snn_ci = snn_cd->qoff[snn_q];\n"
                       "                const uint64_t snn_ce = snn_cd->qoff[snn_q + 1];\n"
                       "                while (snn_ci < snn_ce && snn_cd->cand[snn_ci] < snn_bl)\n"
                       "                    snn_ci++;\n"
                       "                if (snn_ci < snn_ce && snn_cd->cand[snn_ci] < snn_bh) {\n"
                       "                    snn_qs[snn_nq++] = snn_q;\n"
                       "                    __builtin_prefetch(snn_rs + snn_pre);\n"
                       "                    __builtin_prefetch(snn_rl + snn_pre);\n"
                       "                }\n"
                       "            }\n"
                       "            for (uint32_t snn_j = 0; snn_j < snn_nq; snn_j++)\n"
                       "                __builtin_prefetch(snn_ind + snn_rs[snn_cd->rows[snn_qs[snn_j]]]);\n"
                       "            for (uint32_t snn_j = 0; snn_j < snn_nq; snn_j++) {\n"
                       "            const uint32_t snn_q = snn_qs[snn_j], snn_pre = snn_cd->rows[snn_q];\n");
        } else {
            sb_puts(o, "        uint64_t snn_nsyn = 0;\n");
            sb_printf(o, "        for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n",
                      pre);
        }
        sb_puts(o, "            const uint64_t snn_a = snn_rs[snn_pre], snn_e = snn_a + "
                   "snn_rl[snn_pre];\n");
        sb_puts(o, "            uint64_t snn_o = snn_a;\n");
        if (cols)
            sb_puts(o, "            uint64_t snn_rm0 = snn_e; /* the first removal's place */\n");
        if (sparse) /* by list place (snn_rewire_cand_layout) */
            sb_puts(o, "            uint64_t snn_ci = snn_cd->qoff[snn_q], snn_ce = "
                       "snn_cd->qoff[snn_q + 1];\n");
        else if (u->candidates)
            sb_puts(o, "            uint64_t snn_ci = snn_cd->off[snn_pre], snn_ce = "
                       "snn_cd->off[snn_pre + 1];\n");
        if (u->candidates && !u->remove.stmts && !sparse)
            sb_puts(o, "            if (snn_ci == snn_ce) { /* no candidates: nothing to do */\n"
                       "                snn_nsyn += snn_rl[snn_pre];\n                continue;\n"
                       "            }\n");
        if (sparse) { /* most candidate rows have no connected candidate in a block: a
                       * binary search per candidate finds that, and the walk below (which
                       * would change nothing then) is skipped; a row with many candidates is
                       * walked */
            sb_puts(o, "            if (snn_ce - snn_ci <= 8u) {\n"
                         "                int snn_hit = 0;\n"
                         "                for (uint64_t snn_k = snn_ci; snn_k < snn_ce && !snn_hit; snn_k++) {\n"
                         "                    const uint32_t snn_g = snn_cd->cand[snn_k];\n"
                         "                    if (snn_g < snn_bl || snn_g >= snn_bh)\n"
                         "                        continue; /* another block's target */\n"
                         "                    const uint64_t snn_l = (uint64_t)(snn_g - snn_bl);\n");
            emit_row_search(o, 20, "snn_a", "snn_e", "snn_l");
            sb_puts(o, "                    snn_hit = snn_lo < snn_e && (uint64_t)snn_ind[snn_lo] == snn_l;\n"
                       "                }\n"
                       "                if (!snn_hit) /* no connected candidate here: nothing changes */\n"
                       "                    continue;\n"
                       "            }\n");
        }
        sb_puts(o, "            for (uint64_t snn_pos = snn_a; snn_pos < snn_e; snn_pos++) {\n");
        sb_puts(o, "                const uint32_t snn_post = snn_plo + snn_ind[snn_pos]; /* "
                   "this rank's index */\n");
        sb_printf(o, "                const uint32_t snn_gpost = SNN_LO_%s + snn_post;\n", post);
        sb_puts(o, "                (void)snn_post; (void)snn_gpost;\n");
        if (u->remove.stmts)
            remove_value(o, &c, &u->remove, "snn_st->key_remove", "snn_rm", true, opt);
        else
            sb_puts(o, "                double snn_rm = 0.0;\n");
        if (u->candidates) {
            sb_puts(o, "                while (snn_ci < snn_ce && snn_cd->cand[snn_ci] < snn_gpost)\n"
                       "                    snn_ci++;\n");
            sb_puts(o, "                if (snn_ci < snn_ce && snn_cd->cand[snn_ci] == snn_gpost) {"
                       " /* a connected candidate */\n");
            sb_puts(o, "                    snn_cd->flag[snn_ci] = 1;\n");
            if (u->cand_remove.stmts) {
                sb_puts(o, "                    if (snn_rm == 0.0)\n");
                remove_value(o, &c, &u->cand_remove, "snn_cd->key_elim", "snn_rm", false, opt);
            }
            sb_puts(o, "                }\n");
        }
        sb_puts(o, "                if (snn_rm != 0.0) { /* removed (NaN too) */\n"
                   "                    snn_cnt[0]++;\n");
        if (cols)
            sb_puts(o, "                    const double snn_tc = snn_now();\n"
                       "                    snn_columns_del(snn_col, snn_ind[snn_pos], snn_pre);\n"
                       "                    snn_tcol += snn_now() - snn_tc;\n"
                       "                    if (snn_o == snn_pos)\n"
                       "                        snn_rm0 = snn_pos;\n");
        sb_puts(o, "                    continue;\n                }\n");
        sb_puts(o, "                if (snn_o != snn_pos) { /* the synapse and all it holds move "
                   "down, in order */\n");
        sb_puts(o, "                    snn_ind[snn_o] = snn_ind[snn_pos];\n");
        if (pj->het_delay) /* the delay moves with its synapse */
            sb_puts(o, "                    snn_dl[snn_o] = snn_dl[snn_pos];\n");
        for (int v = 0; v < nv; v++)
            sb_printf(o, "                    %s = %s;\n", var_ref(&arr[v], "snn_o"),
                      var_ref(&arr[v], "snn_pos"));
        sb_puts(o, "                }\n                snn_o++;\n            }\n");
        sb_puts(o, "            snn_rl[snn_pre] = (uint32_t)(snn_o - snn_a);\n");
        if (cols)
            sb_puts(o, "            if (snn_rm0 != snn_e) { /* the column view: the places of "
                       "the synapses that moved */\n"
                       "                const double snn_tc = snn_now();\n"
                       "                snn_columns_resyn(snn_col, snn_R, snn_pre, snn_rm0);\n"
                       "                snn_tcol += snn_now() - snn_tc;\n            }\n");
        if (sparse)
            sb_puts(o, "            snn_R->n_syn -= snn_e - snn_o;\n            }\n        }\n    }\n");
        else
            sb_puts(o, "            snn_nsyn += snn_rl[snn_pre];\n        }\n"
                       "        snn_R->n_syn = snn_nsyn;\n    }\n");
        if (par) {
            o = &mainb;
            if (merged) /* the look-ups found the removals to make (rare): the walks */
                sb_puts(o, "    if (snn_pc[5] > 0) { /* a connected candidate to remove on this "
                           "rank: the removals' walks */\n");
            region_end(&rg, o, u, "rm", work);
            if (merged)
                sb_puts(o, "    }\n");
            sb_puts(o, "    snn_cnt[0] += snn_pc[0];\n");
        }
    }
    sb_puts(o, "    const int64_t snn_lrem = snn_cnt[0]; /* this rank's removals */\n"
               "    (void)snn_lrem;\n");
    sb_puts(o, "    snn_sum_int64(snn_cnt, 1); /* every rank's removals */\n");
    sb_puts(o, "    const int64_t snn_nrem = snn_cnt[0];\n    (void)snn_nrem;\n");
    if (par)
        sb_puts(o, "    snn_x.nrem = snn_nrem;\n");
    if (merged) /* the rows' global lengths are kept (snn_st->len): summed again after
                 * removals on any rank, the accepted formations added after the insertions */
        sb_printf(o, "    if (snn_nrem > 0) /* removals (any rank's): the candidate rows' global "
                     "lengths */\n"
                     "        snn_rewire_lengths_rows(snn_st, snn_syn_%s, snn_nthr, snn_cd->rows, "
                     "snn_cd->n_rows, snn_cd->lenq);\n", n);
    else if (sparse)
        sb_printf(o, "    snn_rewire_lengths_rows(snn_st, snn_syn_%s, snn_nthr, snn_cd->rows, "
                     "snn_cd->n_rows, snn_cd->acc); /* global row lengths */\n", n);
    else
        sb_printf(o, "    snn_rewire_lengths(snn_st, snn_syn_%s, snn_nthr); /* global row lengths */\n",
                  n);
    sb_puts(o, "    snn_st->step_failed = 0;\n");
    if (u->count.stmts || u->total.stmts) {
        if (u->total.stmts) {
            sb_puts(o, "    {\n        double snn_total;\n");
            rw_value(o, &c, &u->total, "snn_total", 8, opt);
            sb_puts(o, "        snn_rewire_spread(snn_st, run->seed, snn_st->stream_dist, step,\n"
                       "                          snn_rewire_whole(snn_st, \"add.total\", 0, "
                       "snn_total, 9007199254740992.0));\n    }\n");
        }
        if (u->redraw)
            sb_printf(o, "    snn_rewire_pairs(snn_st, snn_syn_%s, snn_nthr); /* add.redraw */\n", n);
        /* in parallel: the rows' targets drawn by rows split over the workers (row-keyed
         * streams, each row's pair bits its own words), then inserted by blocks split */
        const char *sfail = par ? "snn_cnt[3]" : "snn_st->step_failed";
        const char *sredraw = par ? "snn_cnt[4]" : "snn_st->redraws";
        if (par) {
            sb_puts(o, "    snn_rewire_tgt_room(snn_st);\n");
            region_head(&rg, u, "draw", "each row's additions drawn, rows split");
            o = &rg;
            sb_printf(o, "    for (uint32_t snn_pre = (uint32_t)SNN_RW_FIRST(SNN_N_%s, snn_wk, snn_nw);\n"
                         "         snn_pre < (uint32_t)SNN_RW_SPLIT(SNN_N_%s, snn_wk + 1, snn_nw); "
                         "snn_pre++) {\n", pre, pre);
            sb_puts(o, "        uint32_t *restrict snn_tg = snn_st->tgt + (uint64_t)snn_pre * "
                       "snn_st->capacity;\n        uint32_t snn_ntg = 0;\n");
        } else {
        sb_printf(o, "    for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
        }
        if (cs_draws(&u->count) || cs_draws(&u->target)) {
            sb_puts(o, "        snn_rng snn_rng_st; /* row snn_pre's stream: count, then the "
                       "targets in order */\n");
            sb_puts(o, "        snn_rng_init(&snn_rng_st, run->seed, snn_st->stream_add, snn_pre, "
                       "step);\n");
        }
        if (u->count.stmts) {
            sb_puts(o, "        double snn_count;\n");
            rw_value(o, &c, &u->count, "snn_count", 8, opt);
            sb_puts(o, "        const uint64_t snn_c = snn_rewire_whole(snn_st, \"add.count\", "
                       "snn_pre, snn_count, 4294967295.0);\n");
        } else {
            sb_puts(o, "        const uint64_t snn_c = snn_st->adds[snn_pre];\n");
        }
        sb_puts(o, "        const uint64_t snn_room = (uint64_t)snn_st->capacity - "
                   "(uint64_t)snn_st->len[snn_pre];\n");
        sb_puts(o, "        const uint64_t snn_try = snn_c < snn_room ? snn_c : snn_room;\n");
        sb_printf(o, "        %s += snn_c - snn_try; /* no room in the row: "
                     "the same on every rank */\n", sfail);
        sb_puts(o, "        for (uint32_t snn_k = 0; snn_k < (uint32_t)snn_try; snn_k++) {\n");
        if (u->redraw) {
            /* a connected pair (on any rank: s->pairs) draws the target again, the same on
             * every rank; the row has room, so a free target exists, but the target code
             * might never find it: after 64 N_post + 1000 draws the addition fails */
            sb_puts(o, "            uint32_t snn_gpost = 0;\n            uint64_t snn_d = 0;\n");
            sb_printf(o, "            const uint64_t snn_dmax = 64u * (uint64_t)SNN_N_%s + 1000u;\n",
                      post);
            sb_puts(o, "            for (; snn_d < snn_dmax; snn_d++) {\n");
            sb_puts(o, "                double snn_target;\n");
            rw_value(o, &c, &u->target, "snn_target", 16, opt);
            sb_printf(o, "                snn_gpost = (uint32_t)snn_rewire_whole(snn_st, "
                         "\"add.target\", snn_pre, snn_target, (double)SNN_N_%s - 1.0);\n", post);
            sb_printf(o, "                if (!snn_rewire_has(snn_st, snn_pre, snn_gpost))\n"
                         "                    break;\n                %s++;\n"
                         "            }\n", sredraw);
            sb_printf(o, "            if (snn_d == snn_dmax) {\n                %s++;\n"
                         "                continue;\n            }\n", sfail);
            sb_puts(o, "            snn_rewire_mark(snn_st, snn_pre, snn_gpost);\n");
        } else {
            sb_puts(o, "            double snn_target;\n");
            rw_value(o, &c, &u->target, "snn_target", 12, opt);
            sb_printf(o, "            const uint32_t snn_gpost = (uint32_t)snn_rewire_whole(snn_st, "
                         "\"add.target\", snn_pre, snn_target, (double)SNN_N_%s - 1.0);\n",
                      post);
        }
        if (par) {
            sb_puts(o, "            snn_tg[snn_ntg++] = snn_gpost;\n        }\n"
                       "        snn_st->ntgt[snn_pre] = snn_ntg;\n"
                       "        snn_cnt[5] += snn_ntg; /* targets drawn */\n    }\n");
            o = &mainb;
            region_end(&rg, o, u, "draw", work);
            sb_puts(o, "    snn_st->step_failed += (uint64_t)snn_pc[3];\n"
                       "    snn_st->redraws += (uint64_t)snn_pc[4];\n");
            region_head(&rg, u, "add", "the drawn additions, each worker its thread blocks");
            o = &rg;
            sb_puts(o, BLOCKS_OF_WORKER);
            sb_printf(o, "    const uint32_t snn_glo = SNN_LO_%s + snn_tlo_%s[snn_tb], snn_ghi = "
                         "SNN_LO_%s + snn_tlo_%s[snn_te];\n", post, post, post, post);
            sb_printf(o, "    for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; snn_pre++) {\n", pre);
            sb_puts(o, "        const uint32_t *restrict snn_tg = snn_st->tgt + (uint64_t)snn_pre * "
                       "snn_st->capacity;\n");
            sb_puts(o, "        for (uint32_t snn_k = 0; snn_k < snn_st->ntgt[snn_pre]; snn_k++) {\n"
                       "            const uint32_t snn_gpost = snn_tg[snn_k];\n"
                       "            if (snn_gpost < snn_glo || snn_gpost >= snn_ghi)\n"
                       "                continue; /* another worker's blocks or rank's targets */\n");
        }
        emit_insert(o, &c, opt);
        sb_puts(o, "        }\n    }\n");
        if (par) {
            o = &mainb;
            sb_puts(o, "    if (snn_pc[5] > 0) { /* no targets drawn: no insertions, no join */\n");
            region_end(&rg, o, u, "add", work);
            sb_puts(o, "    }\n    snn_cnt[1] += snn_pc[1];\n    snn_cnt[2] += snn_pc[2];\n");
        }
    }
    if (u->cand_add.stmts) {
        /* the rows: every row, or (sparse) the listed ones, acc indexed by the list */
        const char *rows = sparse ? "    for (uint32_t snn_q = 0; snn_q < snn_cd->n_rows; snn_q++) {\n"
                                    "        const uint32_t snn_pre = snn_cd->rows[snn_q];\n"
                                  : arena_printf("    for (uint32_t snn_pre = 0; snn_pre < SNN_N_%s; "
                                                 "snn_pre++) {\n", pre);
        const char *acc = sparse ? "snn_cd->acc[snn_q]" : "snn_cd->acc[snn_pre]";
        /* a row's candidates: by list place where snn_rewire_cand_layout placed them */
        const char *qloop = sparse && par
            ? "        for (uint64_t snn_ci = snn_cd->qoff[snn_q]; snn_ci < snn_cd->qoff[snn_q + 1]; "
              "snn_ci++) {\n"
            : "        for (uint64_t snn_ci = snn_cd->off[snn_pre]; snn_ci < snn_cd->off[snn_pre + 1]; "
              "snn_ci++) {\n";
        const char *nacc = sparse ? "snn_cd->n_rows" : arena_printf("SNN_N_%s", pre);
        if (merged) /* decided and counted in the candidates' region (acc) */
            sb_puts(o, "    /* formations: the accepted candidates not connected (flag 2) on this "
                       "rank, counted per row (acc) in the\n     * candidates' region; a row "
                       "whose accepted formations exceed its room (all ranks') forms none */\n");
        else
        sb_printf(o, "    /* formations: unconnected candidates (flag 0) on this rank; a row whose "
                     "accepted formations exceed its room (all ranks') forms none */\n"
                     "    memset(snn_cd->acc, 0, sizeof(int64_t) * %s);\n", nacc);
        if (merged) {
            /* the decisions: made in the candidates' region */
        } else if (par) { /* the decisions: rows split over the workers (each row its own acc) */
            region_head(&rg, u, "form", "the formation decisions, rows split");
            o = &rg;
            if (sparse && cs_draws(&u->cand_add)) /* the candidates' first blocks in SIMD */
                sb_puts(o, "    snn_rewire_cand_blocks(snn_cd, snn_cd->key_form, step, "
                           "SNN_RW_FIRST(snn_cd->n_rows, snn_wk, snn_nw),\n"
                           "                           SNN_RW_SPLIT(snn_cd->n_rows, snn_wk + 1, "
                           "snn_nw));\n");
            if (sparse)
                sb_puts(o, "    for (uint64_t snn_q = SNN_RW_FIRST(snn_cd->n_rows, snn_wk, snn_nw);\n"
                           "         snn_q < SNN_RW_SPLIT(snn_cd->n_rows, snn_wk + 1, snn_nw); "
                           "snn_q++) {\n"
                           "        const uint32_t snn_pre = snn_cd->rows[snn_q];\n");
            else
                sb_printf(o, "    for (uint32_t snn_pre = (uint32_t)SNN_RW_FIRST(SNN_N_%s, snn_wk, "
                             "snn_nw);\n         snn_pre < (uint32_t)SNN_RW_SPLIT(SNN_N_%s, "
                             "snn_wk + 1, snn_nw); snn_pre++) {\n", pre, pre);
        } else {
        sb_puts(o, rows);
        }
        if (!merged) {
            sb_puts(o, qloop);
            decisions(o, &c, opt, par && sparse, true, acc);
        }
        if (par && !merged) {
            o = &mainb;
            region_end(&rg, o, u, "form", work);
        }
        sb_printf(o, "    snn_sum_int64(snn_cd->acc, %s);\n", nacc);
        if (par)
            sb_printf(o, "    int64_t snn_nacc = 0; /* accepted formations, all ranks' */\n"
                         "    for (uint64_t snn_q = 0; snn_q < (uint64_t)%s; snn_q++)\n"
                         "        snn_nacc += snn_cd->acc[snn_q];\n", nacc);
        if (par) { /* the insertions: each worker its thread blocks' targets */
            region_head(&rg, u, "add", "the formations, each worker its thread blocks");
            o = &rg;
            sb_puts(o, BLOCKS_OF_WORKER);
            sb_printf(o, "    const uint32_t snn_glo = SNN_LO_%s + snn_tlo_%s[snn_tb], snn_ghi = "
                         "SNN_LO_%s + snn_tlo_%s[snn_te];\n", post, post, post, post);
        }
        sb_puts(o, rows);
        sb_printf(o, "        if (%s == 0) /* none accepted in the row (on any rank) */\n"
                     "            continue;\n", acc);
        sb_printf(o, "        const int snn_full = %s > (int64_t)snn_st->capacity - "
                     "snn_st->len[snn_pre];\n", acc);
        sb_puts(o, qloop);
        sb_puts(o, "            if (snn_cd->flag[snn_ci] != 2)\n                continue;\n");
        if (par)
            sb_puts(o, "            const uint32_t snn_gpost = snn_cd->cand[snn_ci];\n"
                       "            if (snn_gpost < snn_glo || snn_gpost >= snn_ghi)\n"
                       "                continue; /* another worker's blocks */\n");
        sb_puts(o, "            if (snn_full) { /* counted once: each rank its own */\n"
                   "                snn_cnt[2]++;\n                continue;\n            }\n");
        if (!par)
        sb_puts(o, "            const uint32_t snn_gpost = snn_cd->cand[snn_ci];\n");
        emit_insert(o, &c, opt);
        sb_puts(o, "        }\n    }\n");
        if (par) {
            o = &mainb;
            sb_puts(o, "    if (snn_nacc > 0) { /* none accepted (most updates): no join */\n");
            /* sparse: the work is the insertions (a row's memmove and a column-view patch
             * each, ~2 us), not the rows: a few (most updates that form any: one) run on
             * the calling thread, cheaper than a join */
            region_end(&rg, o, u, "add", sparse ? "32u * (uint64_t)snn_nacc" : work);
            if (merged) /* every accepted formation of a row with room was inserted (flag 2:
                         * not connected), on the rank holding its target */
                sb_puts(o, "    for (uint64_t snn_q = 0; snn_q < (uint64_t)snn_cd->n_rows; snn_q++) {\n"
                           "        const int64_t snn_ac = snn_cd->acc[snn_q];\n"
                           "        if (snn_ac > 0 && snn_ac <= (int64_t)snn_st->capacity - "
                           "snn_st->len[snn_cd->rows[snn_q]])\n"
                           "            snn_st->len[snn_cd->rows[snn_q]] += snn_ac; /* the rows' "
                           "global lengths kept */\n    }\n");
            sb_puts(o, "    }\n    snn_cnt[1] += snn_pc[1];\n    snn_cnt[2] += snn_pc[2];\n");
        }
    }
    sb_puts(o, "    const int64_t snn_ladd = snn_cnt[1]; /* this rank's additions */\n"
               "    (void)snn_ladd;\n");
    sb_puts(o, "    snn_sum_int64(snn_cnt + 1, 2); /* every rank's additions and failures */\n");
    sb_puts(o, "    snn_st->runs++;\n");
    sb_puts(o, "    snn_st->removed += (uint64_t)snn_cnt[0];\n");
    sb_puts(o, "    snn_st->added += (uint64_t)snn_cnt[1];\n");
    sb_puts(o, "    snn_st->failed += (uint64_t)snn_cnt[2] + snn_st->step_failed;\n");
    sb_puts(o, "    snn_st->synapses = snn_st->synapses - (uint64_t)snn_cnt[0] + "
               "(uint64_t)snn_cnt[1];\n");
    if (merged)
        sb_puts(o, "    const double snn_tend = snn_now();\n"
                   "    snn_st->update_s += snn_tend - snn_t0 - snn_tcol;\n");
    else
        sb_puts(o, "    snn_st->update_s += snn_now() - snn_t0 - snn_tcol;\n");
    sb_puts(o, "    snn_st->columns_s += snn_tcol; /* the column views, patched where they "
               "changed */\n");
    if (m->batch && (u->count.stmts || u->total.stmts || u->cand_add.stmts))
        sb_puts(o, "    free(snn_lv);\n");
    if (merged)
        sb_puts(o, "    return snn_tend;\n");
    sb_puts(o, "}\n");
    if (merged)
        sb_printf(o, "static __attribute__((unused)) void snn_rewire_%s(snn_run *run, "
                     "uint64_t step)\n{\n"
                     "    (void)snn_rewire_%s_x(run, step, 0, 0.0, 0.0);\n}\n", u->name, u->name);
    if (rg.len)
        sb_puts(out, rg.buf);
    if (mainb.len)
        sb_puts(out, mainb.buf);
    sb_release(&rg);
    sb_release(&mainb);
}

void rewire_c_scope(TmplScope *g, const Model *m, const EmitOptions *opt)
{
    StrBuf fns, setup;
    sb_init(&fns);
    sb_init(&setup);
    for (int i = 0; i < m->n_cupds && m->batch; i++) { /* the lanes' copies (emit_c.c lanes_code) */
        const Projection *pj = m->cupds[i]->proj;
        SynArr *arr;
        const int nv = syn_arrays(m, pj, &arr);
        if (!i)
            sb_puts(&fns, "\n/* batch lanes: the lanes' copies of the rewired synapses' arrays "
                          "(defined with the lanes) */\n");
        for (int v = 0; v < nv; v++)
            if (arr[v].lane && arr[v].weight)
                sb_printf(&fns, "static void **snn_lw_%s;\n", pj->name);
            else if (arr[v].lane)
                sb_printf(&fns, "static unsigned char *snn_lb_%s;\nstatic size_t snn_lz_%s;\n",
                          arr_global(pj, &arr[v]), arr_global(pj, &arr[v]));
    }
    for (int i = 0; i < m->n_cupds; i++) {
        const ConnUpdate *u = m->cupds[i];
        const Projection *pj = u->proj;
        rewire_fn(&fns, m, u, opt);
        sb_printf(&setup, "{ /* connectivity_update '%s': the rows' capacity */\n", u->name);
        sb_printf(&setup, "    snn_rewire_stats *snn_st = snn_rewire_register(%d, \"%s\", \"%s\");\n",
                  u->index, u->name, pj->name);
        sb_printf(&setup, "    snn_st->key_remove = snn_rng_syn_key(run->seed, snn_stream_id(\"rw:%s/"
                          "remove\"));\n", u->name);
        sb_printf(&setup, "    snn_st->key_init = snn_rng_syn_key(run->seed, snn_stream_id(\"rw:%s/"
                          "init\"));\n", u->name);
        sb_printf(&setup, "    snn_st->stream_add = snn_stream_id(\"rw:%s/add\");\n", u->name);
        sb_printf(&setup, "    snn_st->stream_dist = snn_stream_id(\"rw:%s/total\");\n", u->name);
        sb_printf(&setup, "    snn_rewire_setup(snn_st, snn_syn_%s, snn_nthr, SNN_N_%s, SNN_N_%s, "
                          "%lluull, %s);\n}\n", pj->name, pj->pre->name, pj->post->name,
                  (unsigned long long)pj->max_row_length, emit_c_double(pj->row_padding));
        if (pj->het_delay) { /* delays move with their synapses; the rings hold the longest */
            sb_printf(&setup, "{\n    snn_rewire_stats *snn_st = snn_rewire_get(%d);\n"
                              "    snn_st->key_delay = snn_rng_syn_key(run->seed, snn_stream_id("
                              "\"rw:%s/delay\"));\n", u->index, u->name);
            sb_printf(&setup, "    snn_rewire_delays(snn_st, snn_syn_%s, snn_nthr, SNN_DT, %uu);\n}\n",
                      pj->name, rewire_delay_bound(m, u));
        }
        if (u->candidates) {
            sb_printf(&setup, "{ /* connectivity_update '%s': candidates */\n", u->name);
            sb_printf(&setup, "    snn_rewire_cand *snn_cd = snn_rewire_cand_setup(%d, \"%s\", "
                              "SNN_N_%s, SNN_N_%s);\n", u->index, u->name, pj->pre->name,
                      pj->post->name);
            sb_printf(&setup, "    snn_cd->key_elim = snn_rng_syn_key(run->seed, snn_stream_id("
                              "\"rw:%s/elim\"));\n", u->name);
            sb_printf(&setup, "    snn_cd->key_form = snn_rng_syn_key(run->seed, snn_stream_id("
                              "\"rw:%s/form\"));\n}\n", u->name);
        }
    }
    for (int i = 0; i < m->n_cupds; i++) { /* updates due together: one join (rw_fuse_lead) */
        if (rw_fuse_lead(m, i) != i)
            continue;
        sb_printf(&fns, "\n/* connectivity updates due together (every %u steps): the "
                        "candidates' regions of", m->cupds[i]->every);
        for (int j = i; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i)
                sb_printf(&fns, " '%s'", m->cupds[j]->name);
        sb_printf(&fns, " in one region of the step threads (step thread snn_wk of snn_nw) */\n"
                        "static void snn_rewire_fused%d_cand(void *snn_a, int snn_wk, int snn_nw)\n{\n",
                  i);
        for (int j = i; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i)
                sb_printf(&fns, "    snn_rewire_%s_cand(snn_a, snn_wk, snn_nw);\n",
                          m->cupds[j]->name);
        sb_printf(&fns, "}\n\n/* the same, each update whole on one step thread (update j on "
                        "thread j %% snn_nw): its serial part, then all its candidate rows */\n"
                        "static void snn_rewire_fused%d_whole(void *snn_a, int snn_wk, int snn_nw)\n{\n"
                        "    const snn_rw_args *snn_x = (const snn_rw_args *)snn_a;\n", i);
        for (int j = i, k = 0; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i) {
                sb_printf(&fns, "    if (%d %% snn_nw == snn_wk) {\n"
                                "        snn_rewire_%s_prep(snn_x->run, snn_x->step);\n"
                                "        snn_rewire_%s_cand(snn_a, 0, 1);\n    }\n",
                          k, m->cupds[j]->name, m->cupds[j]->name);
                k++;
            }
        sb_printf(&fns, "}\n\n/* the serial parts, one join for the candidates' regions, then "
                        "the rest of each update in order; each update's time: its serial part "
                        "and the region's time shared by its candidate rows */\n"
                        "static __attribute__((noinline)) void snn_rewire_fused%d(snn_run *run, "
                        "uint64_t step)\n{\n", i);
        int nf = 0;
        for (int j = i; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i)
                nf++;
        sb_printf(&fns, "    double snn_ts[%d]; /* each update's serial part */\n"
                        "    uint64_t snn_nr[%d], snn_nall = 0; /* its candidate rows */\n"
                        "    double snn_t = snn_now();\n", nf, nf);
        /* as many updates as step threads and about the same candidate rows (the last
         * update's): each whole on its own thread, the serial parts (the spreads) side by
         * side, where the region below has them one after the other and splits the rows.
         * With each serial part about 1/8 of its rows' region on one thread (the topographic
         * map's), that is shorter while the largest update's rows times (1 + 1/8) are at
         * most all rows times (1/8 + 1/nf).  Either way the same results: an update reads and
         * writes only its own rows, candidates and counters (snn_wk 0 of 1 for its own) */
        sb_printf(&fns, "    uint64_t snn_lmax = 0, snn_lsum = 0; /* the last update's candidate rows */\n");
        for (int j = i; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i)
                sb_printf(&fns, "    snn_lsum += snn_rewire_cand_get(%d)->n_rows;\n"
                                "    if (snn_rewire_cand_get(%d)->n_rows > snn_lmax)\n"
                                "        snn_lmax = snn_rewire_cand_get(%d)->n_rows;\n",
                          m->cupds[j]->index, m->cupds[j]->index, m->cupds[j]->index);
        sb_printf(&fns, "    if (run->step_threads == %d && 9u * %du * snn_lmax <= %du * snn_lsum) {\n"
                        "        snn_rw_args snn_x = {run, step, 0};\n"
                        "        snn_rewire_region(run, snn_rewire_fused%d_whole, &snn_x, snn_lsum);\n"
                        "        double snn_tn = snn_now(); /* each update's rest begins at the "
                        "last one's end */\n"
                        "        const double snn_tr = snn_tn - snn_t;\n", nf, nf, nf + 8, i);
        for (int j = i, k = 0; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i) {
                sb_printf(&fns, "        snn_nr[%d] = snn_rewire_cand_get(%d)->n_rows;\n"
                                "        snn_nall += snn_nr[%d];\n", k, m->cupds[j]->index, k);
                k++;
            }
        for (int j = i, k = 0; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i) {
                sb_printf(&fns, "        snn_tn = snn_rewire_%s_x(run, step, 1, snn_nall ? snn_tr * "
                                "(double)snn_nr[%d] / (double)snn_nall : snn_tr / %d.0, snn_tn);\n",
                          m->cupds[j]->name, k, nf);
                k++;
            }
        sb_puts(&fns, "        (void)snn_tn;\n        return;\n    }\n");
        for (int j = i, k = 0; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i) {
                sb_printf(&fns, "    snn_rewire_%s_prep(run, step);\n"
                                "    snn_nr[%d] = snn_rewire_cand_get(%d)->n_rows;\n"
                                "    snn_nall += snn_nr[%d];\n"
                                "    snn_ts[%d] = snn_now() - snn_t;\n"
                                "    snn_t += snn_ts[%d];\n",
                          m->cupds[j]->name, k, m->cupds[j]->index, k, k, k);
                k++;
            }
        sb_printf(&fns, "    snn_rw_args snn_x = {run, step, 0};\n"
                        "    snn_rewire_region(run, snn_rewire_fused%d_cand, &snn_x, snn_nall);\n"
                        "    double snn_tn = snn_now(); /* each update's rest begins at the last "
                        "one's end */\n"
                        "    const double snn_tr = snn_tn - snn_t;\n", i);
        for (int j = i, k = 0; j < m->n_cupds; j++)
            if (rw_fuse_lead(m, j) == i) {
                sb_printf(&fns, "    snn_tn = snn_rewire_%s_x(run, step, 1, snn_ts[%d] + (snn_nall ? "
                                "snn_tr * (double)snn_nr[%d] / (double)snn_nall : snn_tr / %d.0), "
                                "snn_tn);\n",
                          m->cupds[j]->name, k, k, nf);
                k++;
            }
        sb_puts(&fns, "    (void)snn_tn;\n}\n");
    }
    tmpl_set(g, "rewire_fns", fns.len ? emit_take(&fns) : "");
    tmpl_set(g, "rewire_setup", setup.len ? emit_take(&setup) : "/* no connectivity updates */");
    tmpl_set(g, "rewire_release", m->n_cupds ? "snn_rewire_release();\n"
                                               "    snn_rewire_cand_release();" : "");
    sb_release(&fns);
    sb_release(&setup);
}

/* The phase table's 'conn_update' row: each update when it is due. */
void rewire_phase_code(StrBuf *o, const Model *m)
{
    for (int i = 0; i < m->n_cupds; i++) {
        const ConnUpdate *u = m->cupds[i];
        const int lead = rw_fuse_lead(m, i);
        if (lead >= 0) { /* due together with others: at the first of them */
            if (lead == i)
                sb_printf(o, "if ((step + 1) %% %du == 0)\n    snn_rewire_fused%d(run, step);\n",
                          u->every, i);
            continue;
        }
        if (u->every && u->group_index >= 0)
            sb_printf(o, "if ((step + 1) %% %du == 0 || snn_cupd_due(run, %d, step))\n",
                      u->every, u->group_index);
        else if (u->every)
            sb_printf(o, "if ((step + 1) %% %du == 0)\n", u->every);
        else
            sb_printf(o, "if (snn_cupd_due(run, %d, step)) /* group '%s' */\n", u->group_index,
                      u->group);
        sb_printf(o, "    snn_rewire_%s(run, step);\n", u->name);
    }
}

/* ---- CUDA code ------------------------------------------------------------------------ */

/* The CUDA back end's device rows are one block (the whole projection on one GPU), so a
 * row's length is its global length and a pair is connected when the row holds it.  The
 * kernels (docs/cuda.md "Connectivity updates"): snn_k_rw_<u>_remove (a thread per row:
 * the removal walk, kept synapses moved down with all their variables), snn_k_rw_<u>_mid
 * (one thread: n_removed, add.total's spreading over the rows, which is sequential by
 * definition: each draw depends on the rows filled before it), snn_k_rw_<u>_add (a thread
 * per row: count, targets, sorted insertion, initial values), snn_k_rw_<u>_end (one
 * thread: the counters); then the column view rebuilt (snn_cu_rw_columns). */

/* block_vars for the device: the arrays of the one block; batched models: lane 0's copy
 * of the per-lane ones (every lane's, lane-outer: snn_lb_<array>, snn_ls_<array> values a
 * lane; docs/cuda.md "Batches"), which decides the removals, the other lanes after it
 * (dev_lanes) */
static void dev_vars(StrBuf *o, const Projection *pj, const SynArr *arr, int na, int ind)
{
    for (int v = 0; v < na; v++)
        if (!arr[v].weight)
            sb_printf(o, "%*sscalar *restrict %s = %s%s;%s\n", ind, "", arr_local(&arr[v]),
                      arr[v].lane ? "snn_lb_" : "", arr_global(pj, &arr[v]),
                      arr[v].lane ? " /* lane 0's */" : "");
}

/* Batched models: lane snn_b's copy of per-lane array a at place pos on the device (the
 * weights per lane: snn_lw_<proj>, snn_lws_<proj> a lane). */
static const char *dev_lane_ref(const Projection *pj, const SynArr *a, const char *pos)
{
    if (a->weight)
        return arena_printf("snn_lw_%s[(size_t)snn_b * snn_lws_%s + (%s)]", pj->name, pj->name,
                            pos);
    const char *g = arr_global(pj, a);
    return arena_printf("snn_lb_%s[(size_t)snn_b * snn_ls_%s + (%s)]", g, g, pos);
}

/* Batched models: the lanes after lane 0 (snn_nlane: the kernel's argument) do what 'what'
 * (a format with the place twice: destination, source) did to lane 0's per-lane arrays:
 * dst = src; with src NULL: dst = lane 0's value at dst (a new synapse's initial value,
 * evaluated once for every lane as on the C back end). */
static void dev_lanes(StrBuf *o, const Projection *pj, const SynArr *arr, int nv, int ind,
                      const char *dst, const char *src)
{
    bool any = false;
    for (int v = 0; v < nv; v++)
        any |= arr[v].lane;
    if (!any)
        return;
    sb_printf(o, "%*sfor (uint32_t snn_b = 1; snn_b < snn_nlane; snn_b++) { /* every other "
                 "lane's copies alike */\n", ind, "");
    for (int v = 0; v < nv; v++)
        if (arr[v].lane)
            sb_printf(o, "%*s    %s = %s;\n", ind, "", dev_lane_ref(pj, &arr[v], dst),
                      src ? dev_lane_ref(pj, &arr[v], src) : var_ref(&arr[v], dst));
    sb_printf(o, "%*s}\n", ind, "");
}

/* the row view rw_print_name reads (snn_st->len, snn_st->capacity) and the row arrays */
static void dev_rows(StrBuf *o, const ConnUpdate *u, const SynArr *arr, int nv,
                     const EmitOptions *opt)
{
    const Projection *pj = u->proj;
    bool has_w = false;
    for (int v = 0; v < nv; v++)
        has_w |= arr[v].weight;
    sb_printf(o, "    const snn_ragged *snn_R = &snn_syn_%s;\n", pj->name);
    sb_puts(o, "    const uint64_t *snn_rs = snn_R->row_start;\n"
               "    uint32_t *snn_rl = snn_R->row_len;\n");
    sb_printf(o, "    %s *restrict snn_ind = (%s *)snn_R->ind;\n", emit_ind_type(pj),
              emit_ind_type(pj));
    for (int v = 0; v < nv; v++)
        if (arr[v].weight && arr[v].lane) /* batched: every lane's weights, lane 0's first */
            sb_printf(o, "    scalar *restrict snn_w = snn_lw_%s; /* lane 0's */\n", pj->name);
        else if (arr[v].weight)
            sb_puts(o, "    scalar *restrict snn_w = (scalar *)snn_R->weight;\n");
    dev_vars(o, pj, arr, nv, 4);
    if (pj->het_delay) /* per-synapse delays: they move with their synapse */
        sb_printf(o, "    %s *restrict snn_dl = (%s *)snn_R->delay;\n    (void)snn_dl;\n",
                  delay_type(pj), delay_type(pj));
    /* --mpi: row_length is the row's global length (snn_rwgl, summed over the ranks) */
    sb_printf(o, "    const snn_rwview snn_stv = {%s, snn_rwcap_%s}, *snn_st = &snn_stv;\n"
                 "    (void)snn_st; (void)snn_rs;\n",
              opt->mpi ? arena_printf("snn_rwgl_%s", u->name) : "snn_rl", u->name);
    sb_puts(o, "    const uint32_t snn_tid = blockIdx.x * SNN_BLOCK + threadIdx.x;\n"
               "    const uint32_t snn_nth = gridDim.x * SNN_BLOCK;\n");
}

/* the new synapse's delay at snn_lo (a projection with per-synapse delays), as the C back
 * end's emit_insert: add.init.delay (draws keyed by the new synapse and the step from
 * rw:<u>/delay), else the projection's delay initialiser keyed by the pair alone (the
 * stream rw:<u>/delay); in steps as snn_rewire_set_delay, a value beyond the ring (or
 * NaN) kept as the update's error for the host (snn_rw_check_error) */
static void dev_delay(StrBuf *o, const RwCtx *c, const EmitOptions *opt)
{
    const ConnUpdate *u = c->u;
    const Projection *pj = u->proj;
    const int kd = rewire_init_delay(u);
    sb_puts(o, "            { /* its delay (ms) */\n                double snn_dms;\n");
    if (kd >= 0) {
        sb_puts(o, "                { /* add.init.delay, draws keyed by the new synapse (pre, "
                   "post, 0) and the step */\n");
        if (cs_draws(&u->init_code[kd]))
            sb_printf(o, "                    snn_rng snn_rng_st;\n"
                         "                    snn_rng_init_synk(&snn_rng_st, snn_rng_syn_key("
                         "snn_r->seed, snn_stream_id(\"rw:%s/delay\")), 0u, snn_pre, snn_gpost, "
                         "0u, step);\n", u->name);
        rw_value(o, c, &u->init_code[kd], "snn_dms", 20, opt);
        sb_puts(o, "                }\n");
    } else { /* the projection's initialiser, keyed by the pair: bounded (uniform or
              * normal_clipped; check_one refuses the others where synapses are added) */
        const Init *d = &pj->delay_init;
        sb_printf(o, "                snn_init snn_dinit = {};\n"
                     "                snn_dinit.kind = %s;\n"
                     "                snn_dinit.a = %s;\n                snn_dinit.b = %s;\n"
                     "                snn_dinit.stream = snn_stream_id(\"rw:%s/delay\");\n"
                     "                snn_dinit.lo = %s;\n                snn_dinit.hi = %s;\n"
                     "                int snn_dok;\n"
                     "                snn_dms = snn_init_syn_eval(&snn_dinit, snn_r->seed, snn_pre, "
                     "snn_gpost, 0u, &snn_dok);\n"
                     "                if (!snn_dok) /* no value in its bounds */\n"
                     "                    snn_rw_error(snn_rwerr_%s, 6, snn_pre, snn_gpost, "
                     "snn_dms);\n",
                  d->kind == INIT_UNIFORM ? "SNN_INIT_UNIFORM" : "SNN_INIT_NORMAL_CLIPPED",
                  emit_c_double(d->a), emit_c_double(d->b), u->name,
                  emit_c_double(d->lo), emit_c_double(d->hi), u->name);
    }
    sb_printf(o, "                snn_dl[snn_lo] = (%s)snn_rw_delay(snn_rwerr_%s, snn_dms, SNN_DT, "
                 "snn_rwdmax_%s, snn_pre, snn_gpost);\n            }\n",
              delay_type(pj), u->name, u->name);
}

/* insertion of (snn_pre, snn_gpost) into the thread's own row: sorted, every array moved;
 * a connected pair is a failure; then the initial values (inside a loop, indentation 12) */
static void dev_insert(StrBuf *o, const RwCtx *c, const EmitOptions *opt)
{
    const ConnUpdate *u = c->u;
    const Projection *pj = u->proj;
    SynArr *arr;
    const int nv = syn_arrays(c->m, pj, &arr);
    /* --mpi: the rank's rows hold its targets (indices from SNN_LO); another rank's target
     * is that rank's to insert, and a connected pair is a failure of this rank's only */
    const char *lp = opt->mpi ? "snn_lpost" : "snn_gpost";
    if (opt->mpi)
        sb_printf(o, "            if (snn_gpost < SNN_LO_%s || snn_gpost >= SNN_LO_%s + SNN_NL_%s)\n"
                     "                continue; /* another rank's target */\n"
                     "            const uint32_t snn_lpost = snn_gpost - SNN_LO_%s;\n",
                  pj->post->name, pj->post->name, pj->post->name, pj->post->name);
    sb_puts(o, "            const uint64_t snn_a = snn_rs[snn_pre], snn_n = snn_rl[snn_pre];\n");
    emit_row_search(o, 12, "snn_a", "snn_a + snn_n", lp);
    sb_printf(o, "            if (snn_lo < snn_a + snn_n && snn_ind[snn_lo] == %s) { /* the "
                 "pair is connected */\n                %s++;\n                continue;\n"
                 "            }\n", lp, opt->mpi ? "snn_lfail" : "snn_fail");
    sb_puts(o, "            for (uint64_t snn_p = snn_a + snn_n; snn_p > snn_lo; snn_p--) { /* the "
               "tail moves up, all it holds */\n");
    sb_printf(o, "                snn_ind[snn_p] = snn_ind[snn_p - 1u];\n");
    if (pj->het_delay)
        sb_puts(o, "                snn_dl[snn_p] = snn_dl[snn_p - 1u];\n");
    for (int v = 0; v < nv; v++)
        sb_printf(o, "                %s = %s;\n", var_ref(&arr[v], "snn_p"),
                  var_ref(&arr[v], "snn_p - 1u"));
    dev_lanes(o, pj, arr, nv, 16, "snn_p", "snn_p - 1u");
    sb_puts(o, "            }\n");
    sb_printf(o, "            snn_ind[snn_lo] = (%s)%s;\n", emit_ind_type(pj), lp);
    sb_puts(o, "            snn_rl[snn_pre] = (uint32_t)(snn_n + 1u);\n            snn_added++;\n");
    if (pj->het_delay)
        dev_delay(o, c, opt);
    if (!nv)
        return;
    bool draws = false;
    for (int k = 0; k < u->n_init; k++)
        draws |= cs_draws(&u->init_code[k]);
    sb_puts(o, "            {\n");
    if (draws)
        sb_printf(o, "                snn_rng snn_rng_st; /* keyed by the new synapse: (pre, post, "
                     "0), the step */\n                snn_rng_init_synk(&snn_rng_st, "
                     "snn_rng_syn_key(snn_r->seed, snn_stream_id(\"rw:%s/init\")), 0u, snn_pre, "
                     "snn_gpost, 0u, step);\n", u->name);
    for (int v = 0; v < nv; v++) {
        int k = u->init_of_var[v];
        const char *dst = var_ref(&arr[v], "snn_lo");
        if (k < 0) {
            const double a = arr[v].cu ? arr[v].cu->vars[arr[v].cu_var].init.a
                                       : pj->syn->vars[v].init.a;
            sb_printf(o, "                %s = (scalar)%s; /* declared initial value */\n", dst,
                      emit_c_double(a));
            continue;
        }
        sb_puts(o, "                {\n                    double snn_v;\n");
        rw_value(o, c, &u->init_code[k], "snn_v", 20, opt);
        sb_printf(o, "                    %s = (scalar)snn_v;\n                }\n", dst);
    }
    dev_lanes(o, pj, arr, nv, 16, "snn_lo", NULL);
    sb_puts(o, "            }\n");
}

/* a whole number on the device: else the first error is kept (the host stops the run with
 * the C back end's message when it reads the counters) and the value taken as 0 */
static void dev_whole(StrBuf *o, const ConnUpdate *u, int ind, const char *dst, const char *what,
                      const char *src, const char *v, const char *limit)
{
    sb_printf(o, "%*sconst uint64_t %s = snn_rw_whole(snn_rwerr_%s, %d, %s, %s, %s);\n", ind, "",
              dst, u->name,
              !strcmp(what, "add.count")          ? 1
              : !strcmp(what, "add.target")       ? 2
              : !strcmp(what, "candidates.count") ? 3
              : !strcmp(what, "candidates.total") ? 4
                                                  : 0,
              src, v, limit);
}

/* candidates = { ... } on the device: a thread per row does the row's whole update, as the
 * C back end does it over all rows (rt_rewire_cand.c; docs/parallel.md): the count (row
 * stream, before the removals), the distinct targets (a 32-bit word w gives w N_post / 2^32,
 * drawn again while already a candidate) as bits of the row's slice of snn_rwbits (so in
 * ascending order, as the C back end's sorted list), the removal walk (a connected
 * candidate's bit is cleared: never formed again in this update; candidates.remove where
 * remove kept it), then candidates.add per remaining candidate, all-or-none per row against
 * its room, and the insertions in ascending target order. */
static void cand_kernel(StrBuf *k, const Model *m, const ConnUpdate *u, const EmitOptions *opt)
{
    const Projection *pj = u->proj;
    const char *un = u->name, *pre = pj->pre->name, *post = pj->post->name;
    RwCtx c = {m, u, false};
    SynArr *arr;
    const int nv = syn_arrays(m, pj, &arr);
    /* --mpi (docs/parallel.md "Connectivity updates", "Candidates"): every rank draws every
     * row's candidates; the removal walk sees the rank's targets, and candidates.add is
     * evaluated for the rank's unconnected candidates only (the others' bits cleared); the
     * accepted count of each row goes to the exchange (snn_rwx), and the insertions wait
     * for the rows' sums (snn_k_rw_<u>_cins) */
    const bool split = opt->mpi && u->cand_add.stmts;
    const char *gpost = opt->mpi ? arena_printf("SNN_LO_%s + snn_post", post) : "snn_post";
    sb_printf(k, "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rw_%s_cand(uint64_t step%s)\n"
                 "{\n", un, m->batch ? ", uint32_t snn_nlane" : "");
    dev_rows(k, u, arr, nv, opt);
    if (m->batch) /* the lanes (per-lane arrays: dev_lanes) */
        sb_puts(k, "    (void)snn_nlane;\n");
    sb_printf(k, "    const uint64_t snn_key_remove = snn_rng_syn_key(snn_r->seed, "
                 "snn_stream_id(\"rw:%s/remove\"));\n"
                 "    const uint64_t snn_key_elim = snn_rng_syn_key(snn_r->seed, "
                 "snn_stream_id(\"rw:%s/elim\"));\n"
                 "    const uint64_t snn_key_form = snn_rng_syn_key(snn_r->seed, "
                 "snn_stream_id(\"rw:%s/form\"));\n"
                 "    (void)snn_key_remove; (void)snn_key_elim; (void)snn_key_form;\n", un, un, un);
    sb_printf(k, "    const uint32_t snn_words = (SNN_N_%s + 31u) / 32u;\n", post);
    sb_puts(k, "    unsigned long long snn_nr = 0, snn_added = 0, snn_fail = 0;\n");
    if (opt->mpi && !split) /* nothing formed: no failures */
        sb_puts(k, "    unsigned long long snn_lfail = 0;\n");
    sb_printf(k, "    for (uint32_t snn_pre = snn_tid; snn_pre < SNN_N_%s; snn_pre += snn_nth) {\n",
              pre);
    sb_printf(k, "        uint32_t *snn_bits = snn_rwbits_%s + (size_t)snn_pre * snn_words;\n", un);
    if (split)
        sb_printf(k, "        snn_rwx_%s[1u + SNN_N_%s + snn_pre] = 0; /* accepted here (the "
                     "exchange) */\n", un, pre);
    if (u->cand_count.stmts) {
        sb_printf(k, "        snn_rng snn_rng_st; /* row snn_pre's stream: count, then the "
                     "candidates */\n        snn_rng_init(&snn_rng_st, snn_r->seed, "
                     "snn_stream_id(\"rw:%s/add\"), snn_pre, step);\n", un);
        sb_puts(k, "        double snn_count;\n");
        rw_value(k, &c, &u->cand_count, "snn_count", 8, opt);
        dev_whole(k, u, 8, "snn_c", "candidates.count", "snn_pre", "snn_count",
                  arena_printf("(double)SNN_N_%s", post));
    } else {
        sb_printf(k, "        const uint64_t snn_c = snn_rwadd_%s[snn_pre];\n", un);
    }
    if (!u->remove.stmts)
        sb_puts(k, "        if (snn_c == 0) /* most rows: no candidates, nothing to do */\n"
                   "            continue;\n");
    if (!u->cand_count.stmts)
        sb_printf(k, "        snn_rng snn_rng_st; /* row snn_pre's stream: the candidates */\n"
                     "        if (snn_c)\n            snn_rng_init(&snn_rng_st, snn_r->seed, "
                     "snn_stream_id(\"rw:%s/add\"), snn_pre, step);\n", un);
    sb_printf(k, "        for (uint64_t snn_q = 0; snn_q < snn_c; snn_q++) { /* distinct targets */\n"
                 "            uint32_t snn_t;\n            do\n"
                 "                snn_t = (uint32_t)(((uint64_t)snn_rng_u32(&snn_rng_st) * "
                 "SNN_N_%s) >> 32);\n"
                 "            while (snn_bits[snn_t >> 5] >> (snn_t & 31u) & 1u);\n"
                 "            snn_bits[snn_t >> 5] |= 1u << (snn_t & 31u);\n        }\n", post);
    /* the removal walk */
    sb_puts(k, "        {\n            const uint64_t snn_a = snn_rs[snn_pre], snn_e = snn_a + "
               "snn_rl[snn_pre];\n            uint64_t snn_o = snn_a;\n"
               "            for (uint64_t snn_pos = snn_a; snn_pos < snn_e; snn_pos++) {\n");
    sb_printf(k, "                const uint32_t snn_post = snn_ind[snn_pos], snn_gpost = %s;\n"
                 "                (void)snn_post;\n", gpost);
    if (u->remove.stmts)
        remove_value(k, &c, &u->remove, "snn_key_remove", "snn_rm", true, opt);
    else
        sb_puts(k, "                double snn_rm = 0.0;\n");
    sb_puts(k, "                if (snn_bits[snn_gpost >> 5] >> (snn_gpost & 31u) & 1u) { /* a "
               "connected candidate */\n"
               "                    snn_bits[snn_gpost >> 5] &= ~(1u << (snn_gpost & 31u));\n");
    if (u->cand_remove.stmts) {
        sb_puts(k, "                    if (snn_rm == 0.0)\n");
        remove_value(k, &c, &u->cand_remove, "snn_key_elim", "snn_rm", false, opt);
    }
    sb_puts(k, "                }\n");
    sb_puts(k, "                if (snn_rm != 0.0) { /* removed (NaN too) */\n"
               "                    snn_nr++;\n                    continue;\n                }\n"
               "                if (snn_o != snn_pos) {\n"
               "                    snn_ind[snn_o] = snn_ind[snn_pos];\n");
    if (pj->het_delay) /* the delay moves with its synapse */
        sb_puts(k, "                    snn_dl[snn_o] = snn_dl[snn_pos];\n");
    for (int v = 0; v < nv; v++)
        sb_printf(k, "                    %s = %s;\n", var_ref(&arr[v], "snn_o"),
                  var_ref(&arr[v], "snn_pos"));
    dev_lanes(k, pj, arr, nv, 20, "snn_o", "snn_pos");
    sb_puts(k, "                }\n                snn_o++;\n            }\n"
               "            snn_rl[snn_pre] = (uint32_t)(snn_o - snn_a);\n        }\n");
    /* formations */
    sb_puts(k, "        uint64_t snn_acc = 0; /* accepted formations (unconnected candidates) */\n"
               "        for (uint32_t snn_wd = 0; snn_wd < snn_words; snn_wd++)\n"
               "            for (uint32_t snn_m = snn_bits[snn_wd]; snn_m; snn_m &= snn_m - 1u) {\n"
               "                const uint32_t snn_gpost = snn_wd * 32u + (uint32_t)__popc((snn_m & (0u - snn_m)) - 1u);\n");
    if (split)
        sb_printf(k, "                if (snn_gpost < SNN_LO_%s || snn_gpost >= SNN_LO_%s + "
                     "SNN_NL_%s) { /* another rank's */\n"
                     "                    snn_bits[snn_wd] &= ~(1u << (snn_gpost & 31u));\n"
                     "                    continue;\n                }\n", post, post, post);
    if (u->cand_add.stmts) {
        sb_puts(k, "                double snn_ok;\n                {\n");
        if (cs_draws(&u->cand_add))
            sb_puts(k, "                    snn_rng snn_rng_st; /* keyed by the candidate: (pre, "
                       "post, 0), the step */\n                    snn_rng_init_synk(&snn_rng_st, "
                       "snn_key_form, 0u, snn_pre, snn_gpost, 0u, step);\n");
        rw_value(k, &c, &u->cand_add, "snn_ok", 20, opt);
        sb_puts(k, "                }\n                if (snn_ok != 0.0)\n"
                   "                    snn_acc++;\n                else\n"
                   "                    snn_bits[snn_wd] &= ~(1u << (snn_gpost & 31u));\n");
    } else {
        sb_puts(k, "                (void)snn_gpost;\n                snn_bits[snn_wd] = 0;\n");
    }
    sb_puts(k, "            }\n");
    if (split) { /* the accepted count to the exchange; the insertions in snn_k_rw_<u>_cins */
        sb_printf(k, "        snn_rwx_%s[1u + SNN_N_%s + snn_pre] = (int64_t)snn_acc;\n    }\n"
                     "    if (snn_nr)\n        atomicAdd(&snn_rwc_%s[6], snn_nr);\n"
                     "    (void)snn_added; (void)snn_fail;\n}\n", un, pre, un);
        sb_printf(k, "/* --mpi: each row's accepted formations of this rank inserted, unless the "
                     "row's sum over the ranks\n * exceeds its global room (all or none: each "
                     "rank counts its own as failed) */\n"
                     "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rw_%s_cins(uint64_t step)\n"
                     "{\n", un);
        dev_rows(k, u, arr, nv, opt);
        sb_printf(k, "    const uint32_t snn_words = (SNN_N_%s + 31u) / 32u;\n", post);
        sb_puts(k, "    unsigned long long snn_added = 0, snn_lfail = 0;\n");
        sb_printf(k, "    for (uint32_t snn_pre = snn_tid; snn_pre < SNN_N_%s; snn_pre += snn_nth) {\n",
                  pre);
        sb_printf(k, "        uint32_t *snn_bits = snn_rwbits_%s + (size_t)snn_pre * snn_words;\n",
                  un);
        sb_printf(k, "        const int64_t snn_acc = snn_rwx_%s[1u + SNN_N_%s + snn_pre]; /* every "
                     "rank's */\n"
                     "        const int snn_full = snn_acc > (int64_t)snn_rwcap_%s - "
                     "snn_rwx_%s[1u + snn_pre];\n", un, pre, un, un);
        sb_puts(k, "        for (uint32_t snn_wd = 0; snn_wd < snn_words; snn_wd++) {\n"
                   "            const uint32_t snn_mk = snn_bits[snn_wd];\n"
                   "            snn_bits[snn_wd] = 0;\n"
                   "            if (snn_full) /* all or none: each counts as failed */\n"
                   "                snn_lfail += (unsigned long long)__popc(snn_mk);\n"
                   "            for (uint32_t snn_m = snn_full ? 0u : snn_mk; snn_m; snn_m &= snn_m - 1u) {\n"
                   "                const uint32_t snn_gpost = snn_wd * 32u + (uint32_t)__popc((snn_m & (0u - snn_m)) - 1u);\n");
    } else {
    sb_printf(k, "        const int snn_full = snn_acc > (uint64_t)snn_rwcap_%s - snn_rl[snn_pre];\n"
                 "        if (snn_full) /* all or none: each counts as failed */\n"
                 "            snn_fail += snn_acc;\n", un);
    sb_puts(k, "        for (uint32_t snn_wd = 0; snn_wd < snn_words; snn_wd++) {\n"
               "            const uint32_t snn_mk = snn_bits[snn_wd];\n"
               "            snn_bits[snn_wd] = 0;\n"
               "            for (uint32_t snn_m = snn_full ? 0u : snn_mk; snn_m; snn_m &= snn_m - 1u) {\n"
               "                const uint32_t snn_gpost = snn_wd * 32u + (uint32_t)__popc((snn_m & (0u - snn_m)) - 1u);\n");
    }
    StrBuf ins;
    sb_init(&ins);
    dev_insert(&ins, &c, opt);
    for (const char *q = ins.buf; q && *q;) { /* dev_insert indents for 12 */
        const char *nl = strchr(q, '\n');
        size_t len = nl ? (size_t)(nl - q) : strlen(q);
        const bool dir = len > 0 && q[0] == '#';
        sb_printf(k, "%s%.*s\n", dir ? "" : "    ", (int)len, q);
        q += len + (nl ? 1 : 0);
    }
    sb_release(&ins);
    sb_puts(k, "            }\n        }\n    }\n");
    if (split) {
        sb_printf(k, "    if (snn_added)\n        atomicAdd(&snn_rwc_%s[2], snn_added);\n"
                     "    if (snn_lfail)\n        atomicAdd(&snn_rwc_%s[7], snn_lfail);\n}\n",
                  un, un);
        return;
    }
    sb_printf(k, "    if (snn_nr)\n        atomicAdd(&snn_rwc_%s[6], snn_nr);\n"
                 "    if (snn_added)\n        atomicAdd(&snn_rwc_%s[2], snn_added);\n"
                 "    if (snn_fail%s)\n        atomicAdd(&snn_rwc_%s[%d], snn_fail%s);\n}\n",
              un, un, opt->mpi ? " + snn_lfail" : "", un, opt->mpi ? 7 : 3,
              opt->mpi ? " + snn_lfail" : "");
}

/* --mpi: whether candidates.count reads row_length (the rows' global lengths before the
 * update, which then need their own exchange) */
static bool cand_count_reads_len(const Model *m, const ConnUpdate *u, const EmitOptions *opt)
{
    if (!u->cand_count.stmts)
        return false;
    RwCtx c = {m, u, false};
    StrBuf t;
    sb_init(&t);
    rw_value(&t, &c, &u->cand_count, "snn_count", 0, opt);
    const bool r = t.buf && strstr(t.buf, "snn_st->len[") != NULL;
    sb_release(&t);
    return r;
}

static void rewire_cuda_one(StrBuf *k, StrBuf *h, const Model *m, const ConnUpdate *u,
                            const EmitOptions *opt)
{
    const Projection *pj = u->proj;
    const char *un = u->name, *pre = pj->pre->name, *post = pj->post->name;
    RwCtx c = {m, u, false};
    SynArr *arr;
    const int nv = syn_arrays(m, pj, &arr);
    /* --mpi (docs/cuda.md "Connectivity updates", "With --mpi"): the rank's rows hold its
     * targets; what needs every rank's rows goes through one host exchange per update
     * (snn_rw_sum_<u>: an MPI sum of int64 words): this rank's removals, its row lengths
     * (after the removals), and the connected pairs (add.redraw) or each row's accepted
     * formations (candidates); a second one before the update only where candidates.count
     * reads row_length.  x_add / x_cand: the exchange after the removals, x_pre: before. */
    const bool x_add = opt->mpi && !u->candidates && (u->count.stmts || u->total.stmts);
    const bool x_cand = opt->mpi && u->candidates && u->cand_add.stmts;
    const bool x_pre = opt->mpi && u->candidates && cand_count_reads_len(m, u, opt);
    const bool x_any = x_add || x_cand || x_pre;
    const char *x_n = x_cand ? arena_printf("1u + 2u * (size_t)SNN_N_%s", pre)
                      : x_add && u->redraw
                          ? arena_printf("1u + (size_t)SNN_N_%s * (1u + (SNN_N_%s + 31u) / 32u)",
                                         pre, post)
                          : arena_printf("1u + (size_t)SNN_N_%s", pre);
    sb_printf(k, "\n/* connectivity_update '%s' (%s:%d) on projection '%s' (compiler/rewire.c) */\n",
              un, u->loc.file, u->loc.line, pj->name);
    sb_printf(k, "__constant__ uint32_t snn_rwcap_%s; /* max_row_length */\n", un);
    sb_printf(k, "/* runs, removed, added, failed, redrawn, full_row_draws, this update's removals%s */\n"
                 "__device__ unsigned long long snn_rwc_%s[8];\n",
              opt->mpi ? ", failed\n * on this rank's targets (pair connected, all or none); "
                         "removed, added and [7] are this rank's, summed at the end" : "", un);
    sb_printf(k, "__device__ snn_rwerror snn_rwerr_%s[1]; /* the first bad count, target or "
                 "delay */\n", un);
    if (pj->het_delay)
        sb_printf(k, "__constant__ uint32_t snn_rwdmax_%s; /* the longest delay a new synapse may "
                     "get (steps) */\n", un);
    sb_printf(k, "__device__ uint32_t snn_rwadd_%s[SNN_N_%s]; /* add.total (candidates.total): "
                 "additions (candidates) per row */\n", un, pre);
    if (u->candidates)
        sb_printf(k, "__device__ uint32_t *snn_rwbits_%s; /* the rows' candidates: N_pre x "
                     "ceil(N_post / 32) words */\n", un);
    if (opt->mpi)
        sb_printf(k, "__device__ uint32_t snn_rwgl_%s[SNN_N_%s]; /* --mpi: the rows' global "
                     "lengths (row_length) */\n", un, pre);
    else if (u->count.stmts || u->total.stmts)
        sb_printf(k, "__device__ uint32_t snn_rwl0_%s[SNN_N_%s]; /* the rows' lengths before "
                     "the additions (row_length) */\n", un, pre);
    if (x_any)
        sb_printf(k, "/* --mpi: the exchange (summed over the ranks): this rank's removals, its row "
                     "lengths,\n * then each row's accepted formations or connected pairs */\n"
                     "__device__ int64_t *snn_rwx_%s;\n", un);
    if (x_any) { /* packs the exchange; unpacks the global lengths */
        sb_printf(k, "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rw_%s_pack(void)\n{\n"
                     "    const snn_ragged *snn_R = &snn_syn_%s;\n"
                     "    const uint64_t *snn_rs = snn_R->row_start;\n"
                     "    const uint32_t *snn_rl = snn_R->row_len;\n"
                     "    const %s *snn_ind = (const %s *)snn_R->ind;\n"
                     "    (void)snn_rs; (void)snn_ind;\n"
                     "    const uint32_t snn_tid = blockIdx.x * SNN_BLOCK + threadIdx.x;\n"
                     "    const uint32_t snn_nth = gridDim.x * SNN_BLOCK;\n"
                     "    int64_t *snn_x = snn_rwx_%s;\n"
                     "    if (snn_tid == 0)\n        snn_x[0] = (int64_t)snn_rwc_%s[6];\n",
                  un, pj->name, emit_ind_type(pj), emit_ind_type(pj), un, un);
        sb_printf(k, "    for (uint32_t snn_pre = snn_tid; snn_pre < SNN_N_%s; snn_pre += snn_nth) {\n"
                     "        snn_x[1u + snn_pre] = (int64_t)snn_rl[snn_pre];\n", pre);
        if (x_add && u->redraw) /* 32 pairs to a word, as snn_rewire_pairs: the sum is an OR */
            sb_printf(k, "        const uint32_t snn_words = (SNN_N_%s + 31u) / 32u;\n"
                         "        int64_t *snn_pw = snn_x + 1u + SNN_N_%s + (size_t)snn_pre * snn_words;\n"
                         "        for (uint32_t snn_wd = 0; snn_wd < snn_words; snn_wd++)\n"
                         "            snn_pw[snn_wd] = 0;\n"
                         "        for (uint64_t snn_pos = snn_rs[snn_pre]; snn_pos < snn_rs[snn_pre] + "
                         "snn_rl[snn_pre]; snn_pos++) {\n"
                         "            const uint32_t snn_g = SNN_LO_%s + snn_ind[snn_pos];\n"
                         "            snn_pw[snn_g >> 5] |= (int64_t)1 << (snn_g & 31u);\n"
                         "        }\n", post, pre, post);
        sb_puts(k, "    }\n}\n");
        sb_printf(k, "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rw_%s_unpack(void)\n{\n"
                     "    const uint32_t snn_tid = blockIdx.x * SNN_BLOCK + threadIdx.x;\n"
                     "    const uint32_t snn_nth = gridDim.x * SNN_BLOCK;\n"
                     "    for (uint32_t snn_pre = snn_tid; snn_pre < SNN_N_%s; snn_pre += snn_nth)\n"
                     "        snn_rwgl_%s[snn_pre] = (uint32_t)snn_rwx_%s[1u + snn_pre];\n}\n",
                  un, pre, un, un);
    }
    /* removals */
    if (u->candidates)
        cand_kernel(k, m, u, opt);
    if (u->remove.stmts && !u->candidates) {
        sb_printf(k, "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rw_%s_remove(uint64_t step%s)\n"
                     "{\n", un, m->batch ? ", uint32_t snn_nlane" : "");
        dev_rows(k, u, arr, nv, opt);
        if (m->batch) /* the lanes (per-lane arrays: dev_lanes) */
            sb_puts(k, "    (void)snn_nlane;\n");
        sb_printf(k, "    const uint64_t snn_key_remove = snn_rng_syn_key(snn_r->seed, "
                     "snn_stream_id(\"rw:%s/remove\"));\n    (void)snn_key_remove;\n", un);
        sb_puts(k, "    unsigned long long snn_nr = 0;\n");
        sb_printf(k, "    for (uint32_t snn_pre = snn_tid; snn_pre < SNN_N_%s; snn_pre += snn_nth) {\n",
                  pre);
        sb_puts(k, "        const uint64_t snn_a = snn_rs[snn_pre], snn_e = snn_a + snn_rl[snn_pre];\n"
                   "        uint64_t snn_o = snn_a;\n"
                   "        for (uint64_t snn_pos = snn_a; snn_pos < snn_e; snn_pos++) {\n");
        sb_printf(k, "            const uint32_t snn_post = snn_ind[snn_pos], snn_gpost = %s;\n"
                     "            (void)snn_post; (void)snn_gpost;\n",
                  opt->mpi ? arena_printf("SNN_LO_%s + snn_post", post) : "snn_post");
        StrBuf body;
        sb_init(&body);
        remove_value(&body, &c, &u->remove, "snn_key_remove", "snn_rm", true, opt);
        /* remove_value indents for the C loop (16); the device loop is at 12 */
        for (const char *q = body.buf; q && *q;) {
            const char *nl = strchr(q, '\n');
            size_t len = nl ? (size_t)(nl - q) : strlen(q);
            const bool in4 = len >= 4 && !strncmp(q, "    ", 4); /* not #line */
            sb_printf(k, "%.*s\n", (int)(in4 ? len - 4 : len), in4 ? q + 4 : q);
            q += len + (nl ? 1 : 0);
        }
        sb_release(&body);
        sb_puts(k, "            if (snn_rm != 0.0) { /* removed (NaN too) */\n"
                   "                snn_nr++;\n                continue;\n            }\n"
                   "            if (snn_o != snn_pos) { /* the synapse and all it holds move down, "
                   "in order */\n                snn_ind[snn_o] = snn_ind[snn_pos];\n");
        if (pj->het_delay) /* the delay moves with its synapse */
            sb_puts(k, "                snn_dl[snn_o] = snn_dl[snn_pos];\n");
        for (int v = 0; v < nv; v++)
            sb_printf(k, "                %s = %s;\n", var_ref(&arr[v], "snn_o"),
                      var_ref(&arr[v], "snn_pos"));
        dev_lanes(k, pj, arr, nv, 16, "snn_o", "snn_pos");
        sb_puts(k, "            }\n            snn_o++;\n        }\n"
                   "        snn_rl[snn_pre] = (uint32_t)(snn_o - snn_a);\n    }\n");
        sb_printf(k, "    if (snn_nr)\n        atomicAdd(&snn_rwc_%s[6], snn_nr);\n}\n", un);
    }
    /* the middle: n_removed, add.total's spreading (one thread) */
    sb_printf(k, "__global__ void snn_k_rw_%s_mid(uint64_t step)\n{\n"
                 "    if (threadIdx.x != 0 || blockIdx.x != 0)\n        return;\n"
                 "    (void)step;\n", un);
    if (u->total.stmts) {
        dev_rows(k, u, arr, nv, opt);
        bool has_w = false;
        for (int v = 0; v < nv; v++)
            has_w |= arr[v].weight;
        sb_printf(k, "    (void)snn_rl; (void)snn_ind; (void)snn_tid; (void)snn_nth;%s\n",
                  has_w ? " (void)snn_w;" : "");
        for (int v = 0; v < nv; v++) /* no synapse here (nvcc's #177 otherwise) */
            if (!arr[v].weight)
                sb_printf(k, "    (void)%s;\n", arr_local(&arr[v]));
        sb_printf(k, "    const unsigned long long snn_nrem = %s;\n    (void)snn_nrem;\n",
                  opt->mpi ? arena_printf("(unsigned long long)snn_rwx_%s[0]", un)
                           : arena_printf("snn_rwc_%s[6]", un));
        sb_puts(k, "    double snn_total;\n");
        rw_value(k, &c, &u->total, "snn_total", 4, opt);
        dev_whole(k, u, 4, "snn_tot", "add.total", "0u", "snn_total", "9007199254740992.0");
        sb_printf(k, "    snn_rwc_%s[3] += snn_rw_spread(%s, snn_rwadd_%s, SNN_N_%s, "
                     "snn_rwcap_%s, snn_tot, snn_r->seed, snn_stream_id(\"rw:%s/total\"), step, "
                     "&snn_rwc_%s[5]);\n", un, opt->mpi ? arena_printf("snn_rwgl_%s", un) : "snn_rl",
                  un, pre, un, un, un);
    }
    if (u->cand_total.stmts) {
        sb_puts(k, "    double snn_total;\n");
        rw_value(k, &c, &u->cand_total, "snn_total", 4, opt);
        dev_whole(k, u, 4, "snn_tot", "candidates.total", "0u", "snn_total",
                  arena_printf("(double)SNN_N_%s * (double)SNN_N_%s", pre, post));
        sb_printf(k, "    snn_rw_cand_spread(snn_rwadd_%s, SNN_N_%s, SNN_N_%s, snn_tot, snn_r->seed, "
                     "snn_stream_id(\"rw:%s/total\"), step);\n", un, pre, post, un);
    }
    sb_puts(k, "}\n");
    /* additions */
    if (u->count.stmts || u->total.stmts) {
        sb_printf(k, "__global__ void __launch_bounds__(SNN_BLOCK) snn_k_rw_%s_add(uint64_t step%s)\n"
                     "{\n", un, m->batch ? ", uint32_t snn_nlane" : "");
        dev_rows(k, u, arr, nv, opt);
        if (m->batch) /* the lanes (per-lane arrays: dev_lanes) */
            sb_puts(k, "    (void)snn_nlane;\n");
        sb_printf(k, "    const unsigned long long snn_nrem = %s;\n    (void)snn_nrem;\n",
                  opt->mpi ? arena_printf("(unsigned long long)snn_rwx_%s[0]", un)
                           : arena_printf("snn_rwc_%s[6]", un));
        sb_printf(k, "    unsigned long long snn_added = 0, snn_fail = 0, snn_redraws = 0%s;\n",
                  opt->mpi ? ", snn_lfail = 0" : "");
        sb_printf(k, "    for (uint32_t snn_pre = snn_tid; snn_pre < SNN_N_%s; snn_pre += snn_nth) {\n",
                  pre);
        if (!opt->mpi) /* row_length: the length after the removals while the row grows (the
                        * C back end's; --mpi reads the exchanged snn_rwgl) */
            sb_printf(k, "        snn_rwl0_%s[snn_pre] = snn_rl[snn_pre];\n"
                         "        const snn_rwview snn_stv_r = {snn_rwl0_%s, snn_rwcap_%s}, "
                         "*snn_st = &snn_stv_r;\n        (void)snn_st;\n", un, un, un);
        if (cs_draws(&u->count) || cs_draws(&u->target))
            sb_printf(k, "        snn_rng snn_rng_st; /* row snn_pre's stream: count, then the "
                         "targets in order */\n        snn_rng_init(&snn_rng_st, snn_r->seed, "
                         "snn_stream_id(\"rw:%s/add\"), snn_pre, step);\n", un);
        if (u->count.stmts) {
            sb_puts(k, "        double snn_count;\n");
            rw_value(k, &c, &u->count, "snn_count", 8, opt);
            dev_whole(k, u, 8, "snn_c", "add.count", "snn_pre", "snn_count", "4294967295.0");
        } else {
            sb_printf(k, "        const uint64_t snn_c = snn_rwadd_%s[snn_pre];\n", un);
        }
        sb_printf(k, "        const uint64_t snn_room = (uint64_t)snn_rwcap_%s - "
                     "(uint64_t)%s[snn_pre];\n", un,
                  opt->mpi ? arena_printf("snn_rwgl_%s", un) : "snn_rl");
        if (opt->mpi && u->redraw) /* every rank's connected pairs (the exchange) */
            sb_printf(k, "        int64_t *snn_pw = snn_rwx_%s + 1u + SNN_N_%s + (size_t)snn_pre * "
                         "((SNN_N_%s + 31u) / 32u);\n", un, pre, post);
        sb_puts(k, "        const uint64_t snn_try = snn_c < snn_room ? snn_c : snn_room;\n"
                   "        snn_fail += snn_c - snn_try; /* no room in the row */\n"
                   "        for (uint32_t snn_k = 0; snn_k < (uint32_t)snn_try; snn_k++) {\n");
        if (u->redraw) {
            sb_printf(k, "            uint32_t snn_gpost = 0;\n            uint64_t snn_d = 0;\n"
                         "            const uint64_t snn_dmax = 64u * (uint64_t)SNN_N_%s + 1000u;\n"
                         "            for (; snn_d < snn_dmax; snn_d++) {\n"
                         "                double snn_target;\n", post);
            rw_value(k, &c, &u->target, "snn_target", 16, opt);
            dev_whole(k, u, 16, "snn_tg", "add.target", "snn_pre", "snn_target",
                      arena_printf("(double)SNN_N_%s - 1.0", post));
            if (opt->mpi)
                sb_puts(k, "                snn_gpost = (uint32_t)snn_tg;\n"
                           "                if (!(snn_pw[snn_gpost >> 5] >> (snn_gpost & 31u) & 1))\n"
                           "                    break;\n");
            else
            sb_puts(k, "                snn_gpost = (uint32_t)snn_tg;\n"
                       "                if (!snn_rw_has(snn_ind + snn_rs[snn_pre], snn_rl[snn_pre], "
                       "snn_gpost))\n                    break;\n");
            sb_puts(k, "                snn_redraws++;\n            }\n"
                       "            if (snn_d == snn_dmax) {\n                snn_fail++;\n"
                       "                continue;\n            }\n");
            if (opt->mpi) /* connected now, on every rank (as snn_rewire_mark) */
                sb_puts(k, "            snn_pw[snn_gpost >> 5] |= (int64_t)1 << (snn_gpost & 31u);\n");
        } else {
            sb_puts(k, "            double snn_target;\n");
            rw_value(k, &c, &u->target, "snn_target", 12, opt);
            dev_whole(k, u, 12, "snn_tg", "add.target", "snn_pre", "snn_target",
                      arena_printf("(double)SNN_N_%s - 1.0", post));
            sb_puts(k, "            const uint32_t snn_gpost = (uint32_t)snn_tg;\n");
        }
        dev_insert(k, &c, opt);
        sb_puts(k, "        }\n    }\n");
        sb_printf(k, "    if (snn_added)\n        atomicAdd(&snn_rwc_%s[2], snn_added);\n"
                     "    if (snn_fail)\n        atomicAdd(&snn_rwc_%s[3], snn_fail);\n"
                     "    if (snn_redraws)\n        atomicAdd(&snn_rwc_%s[4], snn_redraws);\n",
                  un, un, un);
        if (opt->mpi)
            sb_printf(k, "    if (snn_lfail)\n        atomicAdd(&snn_rwc_%s[7], snn_lfail);\n", un);
        sb_puts(k, "}\n");
    }
    sb_printf(k, "__global__ void snn_k_rw_%s_end(void)\n{\n"
                 "    if (threadIdx.x != 0 || blockIdx.x != 0)\n        return;\n"
                 "    snn_rwc_%s[0]++;\n    snn_rwc_%s[1] += snn_rwc_%s[6];\n"
                 "    snn_rwc_%s[6] = 0;\n}\n", un, un, un, un, un);

    /* host side (the device half's host code): launches, setup, counters */
    const bool cols = pj->syn && (pj->syn_code[SC_ON_POST].stmts || state_dyn_columns(pj));
    sb_printf(h, "\n/* connectivity_update '%s': the device rows (host copy of the struct), the "
                 "column view with room\n * for every row full, 2 x (N_post + 1) counters */\n"
                 "static snn_ragged snn_rwrows_%s;\nstatic snn_columns snn_rwcols_%s;\n"
                 "static uint32_t *snn_rwscr_%s;\n", un, un, un, un);
    const char *lanes = m->batch ? ", snn_nlane" : ""; /* batched: the lanes, an argument */
    if (x_any)
        sb_printf(h, "/* --mpi: the exchange's first n words summed over the ranks (the host waits "
                     "for the\n * kernels before it: one round trip) */\n"
                     "static int64_t *snn_rwxh_%s, *snn_rwxd_%s;\n"
                     "static void snn_rw_sum_%s(size_t snn_n)\n{\n"
                     "    SNN_CU(cudaMemcpyAsync(snn_rwxh_%s, snn_rwxd_%s, sizeof(int64_t) * snn_n, "
                     "cudaMemcpyDeviceToHost, snn_stream));\n"
                     "    SNN_CU(cudaStreamSynchronize(snn_stream));\n"
                     "    snn_sum_int64(snn_rwxh_%s, snn_n);\n"
                     "    SNN_CU(cudaMemcpyAsync(snn_rwxd_%s, snn_rwxh_%s, sizeof(int64_t) * snn_n, "
                     "cudaMemcpyHostToDevice, snn_stream));\n}\n",
                  un, un, un, un, un, un, un, un);
    sb_printf(h, "/* its kernels on the stream (%s) */\n"
                 "static snn_rwtimer snn_rwt_%s;\n"
                 "static void snn_rw_run_%s(uint64_t step)\n{\n"
                 "    const uint32_t snn_b = (SNN_N_%s + SNN_BLOCK - 1) / SNN_BLOCK;\n"
                 "    (void)snn_b;\n"
                 "    snn_rwtimer_mark(&snn_rwt_%s, 0);\n",
              x_any ? "--mpi: the host waits once for the exchange" : "no synchronisation", un, un,
              pre, un);
    if (x_pre) /* candidates.count reads row_length: the global lengths before the update */
        sb_printf(h, "    snn_dev::snn_k_rw_%s_pack<<<snn_b, SNN_BLOCK, 0, snn_stream>>>();\n"
                     "    snn_rw_sum_%s(1u + (size_t)SNN_N_%s);\n"
                     "    snn_dev::snn_k_rw_%s_unpack<<<snn_b, SNN_BLOCK, 0, snn_stream>>>();\n",
                  un, un, pre, un);
    if (u->candidates) { /* candidates.total first, then each row's whole update */
        sb_printf(h, "    snn_dev::snn_k_rw_%s_mid<<<1, 32, 0, snn_stream>>>(step);\n", un);
        sb_printf(h, "    snn_dev::snn_k_rw_%s_cand<<<snn_b, SNN_BLOCK, 0, snn_stream>>>(step%s);\n",
                  un, lanes);
        if (x_cand) /* every rank's removals, row lengths and accepted formations */
            sb_printf(h, "    snn_dev::snn_k_rw_%s_pack<<<snn_b, SNN_BLOCK, 0, snn_stream>>>();\n"
                         "    snn_rw_sum_%s(%s);\n"
                         "    snn_dev::snn_k_rw_%s_cins<<<snn_b, SNN_BLOCK, 0, snn_stream>>>(step);\n",
                      un, un, x_n, un);
    }
    if (u->remove.stmts && !u->candidates)
        sb_printf(h, "    snn_dev::snn_k_rw_%s_remove<<<snn_b, SNN_BLOCK, 0, snn_stream>>>(step%s);\n", un, lanes);
    if (x_add) /* every rank's removals, row lengths (and connected pairs) */
        sb_printf(h, "    snn_dev::snn_k_rw_%s_pack<<<snn_b, SNN_BLOCK, 0, snn_stream>>>();\n"
                     "    snn_rw_sum_%s(%s);\n"
                     "    snn_dev::snn_k_rw_%s_unpack<<<snn_b, SNN_BLOCK, 0, snn_stream>>>();\n",
                  un, un, x_n, un);
    if (!u->candidates)
        sb_printf(h, "    snn_dev::snn_k_rw_%s_mid<<<1, 32, 0, snn_stream>>>(step);\n", un);
    if (u->count.stmts || u->total.stmts)
        sb_printf(h, "    snn_dev::snn_k_rw_%s_add<<<snn_b, SNN_BLOCK, 0, snn_stream>>>(step%s);\n", un, lanes);
    sb_printf(h, "    snn_dev::snn_k_rw_%s_end<<<1, 32, 0, snn_stream>>>();\n"
                 "    SNN_CU(cudaGetLastError());\n"
                 "    snn_rwtimer_mark(&snn_rwt_%s, 1);\n", un, un);
    if (cols)
        sb_printf(h, "    snn_cu_rw_columns(&snn_rwrows_%s, &snn_rwcols_%s, snn_rwscr_%s);\n", un,
                  un, un);
    sb_printf(h, "    snn_rwtimer_mark(&snn_rwt_%s, 2);\n}\n", un);
    /* setup: after the mirrors (snn_cu_start) */
    sb_printf(h, "static void snn_rw_start_%s(void)\n{\n"
                 "    const snn_rewire_stats *snn_st = snn_rewire_get(%d);\n"
                 "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_rwcap_%s, &snn_st->capacity, "
                 "sizeof(uint32_t)));\n"
                 "    const unsigned long long snn_z[8] = {0};\n"
                 "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_rwc_%s, snn_z, sizeof snn_z));\n"
                 "    const snn_rwerror snn_ez = {}; /* zeros */\n"
                 "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_rwerr_%s, &snn_ez, sizeof snn_ez));\n"
                 "    SNN_CU(cudaMemcpyFromSymbol(&snn_rwrows_%s, snn_dev::snn_syn_%s, "
                 "sizeof(snn_ragged)));\n"
                 "    snn_rwtimer_init(&snn_rwt_%s);\n",
              un, u->index, un, un, un, un, pj->name, un);
    if (pj->het_delay) /* snn_rewire_delays' ceiling (the rings are as deep) */
        sb_printf(h, "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_rwdmax_%s, &snn_st->dmax, "
                     "sizeof(uint32_t)));\n", un);
    if (u->candidates)
        sb_printf(h, "    {\n        const size_t snn_nb = sizeof(uint32_t) * SNN_N_%s * (size_t)"
                     "((SNN_N_%s + 31u) / 32u);\n"
                     "        uint32_t *snn_p = (uint32_t *)snn_cu_alloc(snn_nb, \"connectivity "
                     "update '%s' candidates\");\n"
                     "        SNN_CU(cudaMemset(snn_p, 0, snn_nb));\n"
                     "        SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_rwbits_%s, &snn_p, "
                     "sizeof snn_p));\n    }\n", pre, post, un, un);
    if (x_any)
        sb_printf(h, "    snn_rwxd_%s = (int64_t *)snn_cu_alloc(sizeof(int64_t) * (%s), "
                     "\"connectivity update '%s' exchange\");\n"
                     "    SNN_CU(cudaMemset(snn_rwxd_%s, 0, sizeof(int64_t) * (%s)));\n"
                     "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_rwx_%s, &snn_rwxd_%s, "
                     "sizeof snn_rwxd_%s));\n"
                     "    if (!snn_rwxh_%s)\n"
                     "        snn_rwxh_%s = (int64_t *)snn_alloc(sizeof(int64_t) * (%s), "
                     "\"connectivity update '%s' exchange (host)\");\n",
                  un, x_n, un, un, x_n, un, un, un, un, un, x_n, un);
    if (cols)
        sb_printf(h, "    snn_rwscr_%s = snn_cu_rw_columns_alloc(&snn_rwrows_%s, &snn_rwcols_%s, "
                     "\"projection '%s'\");\n"
                     "    SNN_CU(cudaMemcpyToSymbol(snn_dev::snn_cols_%s, &snn_rwcols_%s, "
                     "sizeof snn_rwcols_%s));\n"
                     "    snn_cu_rw_columns(&snn_rwrows_%s, &snn_rwcols_%s, snn_rwscr_%s);\n",
                  un, un, un, pj->name, pj->name, un, un, un, un, un);
    sb_puts(h, "}\n");
    /* the counters into run.json's connectivity_updates (at the end) */
    sb_printf(h, "static void snn_rw_finish_%s(void)\n{\n"
                 "    snn_rewire_stats *snn_st = snn_rewire_get(%d);\n"
                 "    unsigned long long snn_c[8];\n"
                 "    SNN_CU(cudaMemcpyFromSymbol(snn_c, snn_dev::snn_rwc_%s, sizeof snn_c));\n"
                 "    snn_rwerror snn_e;\n"
                 "    SNN_CU(cudaMemcpyFromSymbol(&snn_e, snn_dev::snn_rwerr_%s, sizeof snn_e));\n"
                 "    snn_rw_check_error(snn_st, &snn_e, (double)SNN_N_%s - 1.0);\n"
                 "    snn_rw_counts(snn_st, snn_c);\n"
                 "    snn_rwtimer_collect(&snn_rwt_%s, &snn_st->update_s, &snn_st->columns_s);\n"
                 "}\n", un, u->index, un, un, post, un);
}

void rewire_cuda_code(StrBuf *kern, StrBuf *host, StrBuf *after, StrBuf *due, StrBuf *start,
                      StrBuf *finish, const Model *m, const EmitOptions *opt)
{
    if (m->n_cupds) { /* the rank (restored counters: snn_rw_counts_back) */
        sb_puts(host, "\nstatic int snn_rw_rank; /* this MPI rank (0 in one process) */\n");
        sb_puts(start, "snn_rw_rank = run->rank;\n");
    }
    for (int i = 0; i < m->n_cupds; i++) {
        const ConnUpdate *u = m->cupds[i];
        rewire_cuda_one(kern, host, m, u, opt);
        StrBuf cond;
        sb_init(&cond);
        if (u->every && u->group_index >= 0)
            sb_printf(&cond, "(step + 1) %% %du == 0 || snn_cupd_due(run, %d, step)", u->every,
                      u->group_index);
        else if (u->every)
            sb_printf(&cond, "(step + 1) %% %du == 0", u->every);
        else
            sb_printf(&cond, "snn_cupd_due(run, %d, step)", u->group_index);
        sb_printf(after, "if (%s) /* connectivity_update '%s' */\n    snn_rw_run_%s(step);\n",
                  cond.buf, u->name, u->name);
        sb_printf(due, "if (%s)\n    return 1;\n", cond.buf);
        sb_release(&cond);
        sb_printf(start, "snn_rw_start_%s();\n", u->name);
        sb_printf(finish, "snn_rw_finish_%s();\n", u->name);
    }
}
