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
    "fmax", "fmod", "min", "max", "abs", "uniform", "normal", "exponential", "poisson",
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

/* Symbols visible in a neuron model's code strings. */
static Sym *neuron_syms(const NeuronModel *nm, int *n)
{
    Sym *s = arena_alloc(sizeof(Sym) * (size_t)(nm->n_params + nm->n_vars + 3));
    int k = 0;
    for (int i = 0; i < nm->n_params; i++)
        s[k++] = (Sym){nm->params[i].name, SYM_PARAM, i, false, 0};
    for (int i = 0; i < nm->n_vars; i++)
        s[k++] = (Sym){nm->vars[i].name, SYM_VAR, i, true, 0};
    s[k++] = (Sym){"dt", SYM_BUILTIN, 0, false, 0};
    s[k++] = (Sym){"t", SYM_BUILTIN, 1, false, 0};
    s[k++] = (Sym){"Isyn", SYM_INPUT, 0, false, 0};
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

static double expected_synapses(const Projection *pj)
{
    double npre = (double)pj->pre->n, npost = (double)pj->post->n;
    bool same = pj->pre == pj->post;
    switch (pj->conn.kind) {
    case CONN_ALL_TO_ALL:
        return npre * npost - (same && !pj->conn.autapses ? npost : 0);
    case CONN_ONE_TO_ONE:
        return npost;
    case CONN_FIXED_PROBABILITY:
        return pj->conn.p * (npre * npost - (same && !pj->conn.autapses ? npost : 0));
    case CONN_FIXED_INDEGREE:
        return (double)pj->conn.k * npost;
    }
    return 0;
}

static int check_projection(Model *m, Projection *pj)
{
    int errs = 0;
    const ConnRule *c = &pj->conn;
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
    if (c->kind == CONN_FIXED_INDEGREE && c->k > 4294967295LL) {
        diag_error(c->loc, "projection '%s': in-degree %lld is too large", pj->name,
                   (long long)c->k);
        errs++;
    }
    double nsyn = expected_synapses(pj);
    if (nsyn > MAX_SYNAPSES) {
        diag_error(pj->loc, "projection '%s': %s gives %.3g synapses, more than the %.3g "
                            "that one projection can hold", pj->name,
                   conn_kind_name(c->kind), nsyn, MAX_SYNAPSES);
        errs++;
    }
    return errs;
}

/* Assign input accumulators: projections onto one population with the same
 * postsynaptic model (kind and parameters) share one. */
static void assign_inputs(Model *m)
{
    for (int i = 0; i < m->n_projs; i++) {
        Projection *pj = m->projs[i];
        pj->input_slot = -1;
        int next = 0;
        for (int k = 0; k < i; k++) {
            Projection *o = m->projs[k];
            if (o->post != pj->post)
                continue;
            if (o->psm.kind == pj->psm.kind && o->psm.tau == pj->psm.tau) {
                pj->input_slot = o->input_slot;
                break;
            }
            if (o->input_slot >= next)
                next = o->input_slot + 1;
        }
        if (pj->input_slot < 0)
            pj->input_slot = next;
    }
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
    for (int i = 0; i < m->n_projs; i++)
        errs += check_projection(m, m->projs[i]);
    assign_inputs(m);
    return errs;
}
