/*
 * state.c - the state table: every array and value a model's simulator holds.
 *
 * One entry per piece of state, built from the checked IR: its C name, element type,
 * shape, owner, how it gets its first values, whether a checkpoint must store it, and
 * whether the CUDA back end mirrors it to the device.  The back ends generate from it:
 * emit_c.c declares and allocates the arrays of the entries (pop_decls, pop_alloc,
 * syn_decls, syn_setup), emit_cuda.c's mirror list is the entries marked 'device'.  A new
 * kind of state is a new entry here (and, when it needs code to build it, one case in the
 * emitter that builds it).  docs/architecture.md, "The state table".
 */
#include "backend.h"

#include <string.h>

static const char *const kind_names[SK_COUNT] = {
    [SK_VAR] = "variable",        [SK_FLAG] = "spike-flags",     [SK_EGP] = "egp",
    [SK_RPARAM] = "rparam",       [SK_RPARAM_SRC] = "rparam",    [SK_SS_STARTS] = "spike-starts",
    [SK_SS_TIMES] = "spike-times", [SK_SS_CURSOR] = "spike-cursor", [SK_INPUT] = "input",
    [SK_ALPHA_X] = "alpha",       [SK_ALPHA_Y] = "alpha",        [SK_RING_DEPTH] = "ring-depth",
    [SK_RING] = "ring",           [SK_QUEUE] = "spike-queue",    [SK_SPIKES] = "spikes",
    [SK_ROWS] = "rows",           [SK_SEED] = "seed",            [SK_STREAM] = "stream",
    [SK_RPARAM_SYN] = "rparam",   [SK_SYN_OFFSETS] = "offsets",  [SK_SYN_VAR] = "syn-var",
    [SK_PRE_VAR] = "pre-var",     [SK_POST_VAR] = "post-var",    [SK_COLUMNS] = "columns",
    [SK_PRE_INPUT] = "pre-input",  [SK_XACC] = "exact-sums",
    [SK_CU_VAR] = "cu-var",    [SK_RPARAM_CU] = "rparam",
    [SK_DS_LEN] = "dataset-length", [SK_DS_COUNT] = "dataset-count",
    [SK_DS_LABELS] = "dataset-labels", [SK_DS_EXAMPLES] = "dataset-examples",
    [SK_DS_START] = "dataset-cursor", [SK_REC_BLOCK] = "recording-block",
    [SK_DEV_COUNTER] = "device-counter", [SK_RUN_CONSTS] = "run-constants",
    [SK_SCRATCH] = "scratch", [SK_CU_ACC] = "batch-sums",
};

const char *state_kind_name(StateKind k)
{
    return k < SK_COUNT ? kind_names[k] : "?";
}

const char *state_init_name(StateInit i)
{
    switch (i) {
    case SI_ZERO: return "zeroed";
    case SI_INITIAL: return "initial";
    case SI_VALUE: return "value";
    case SI_BUILT: return "built";
    case SI_COMPILED: return "compiled-in";
    }
    return "?";
}

/* The population an entry is sized by. */
static const char *size_pop(const StateEntry *e)
{
    if (e->kind == SK_PRE_VAR || e->kind == SK_PRE_INPUT || e->kind == SK_XACC)
        return e->proj->pre->name;
    if (e->proj)
        return e->proj->post->name;
    return e->pop ? e->pop->name : "";
}

const char *state_size_pop(const StateEntry *e)
{
    return size_pop(e);
}

const char *state_shape_name(const StateEntry *e)
{
    const char *p = size_pop(e);
    switch (e->shape) {
    case SS_VALUE: return "value";
    case SS_LOCAL: return arena_printf("SNN_NL_%s", p);
    case SS_LOCAL_PAD: return arena_printf("SNN_NL_%s+1", p);
    case SS_GLOBAL: return arena_printf("SNN_N_%s", p);
    case SS_GLOBAL_1: return arena_printf("SNN_N_%s+1", p);
    case SS_LIST: return "list";
    case SS_RING: return arena_printf("ring x SNN_NL_%s", p);
    case SS_QUEUE: return arena_printf("slots x SNN_N_%s", p);
    case SS_SLOTS: return "slots";
    case SS_STEPS: return "interval";
    case SS_SYNAPSE: return "synapse";
    case SS_THREAD: return "thread";
    case SS_THREAD_1: return "thread+1";
    case SS_XACC: return arena_printf("(thread+1) x SNN_N_%s x SNN_XW", p);
    case SS_POPS: return "populations";
    case SS_REC_IDS: return arena_printf("rec-block x SNN_N_%s", p);
    case SS_REC_STEPS: return "rec-block";
    case SS_GRID: return "grid";
    }
    return "?";
}

const char *state_bytes(const StateEntry *e, bool device)
{
    const char *p = size_pop(e), *t = e->type;
    switch (e->kind) {
    case SK_FLAG: /* bytes */
        return arena_printf("SNN_NL_%s", p);
    case SK_EGP: /* a compiled-in array: the whole population's values */
        return arena_printf("sizeof %s", e->name);
    case SK_SS_TIMES:
        return arena_printf("sizeof(uint32_t) * (snn_sss_%s[SNN_N_%s] + 1)", p, p);
    case SK_DS_LABELS:
    case SK_DS_EXAMPLES:
        return arena_printf("sizeof(%s) * snn_dsk_%s", t, p);
    case SK_RING:
        return arena_printf("sizeof(scalar) * snn_ddn%d_%s * SNN_NL_%s", e->index, p, p);
    case SK_ROWS:
    case SK_COLUMNS:
        if (device) /* the CUDA back end holds one thread block */
            return arena_printf("sizeof %s[0]", e->name);
        break;
    case SK_POST_VAR:
        if (device) /* this rank's targets (one rank: SNN_NL == SNN_N), without the pad */
            return arena_printf("sizeof(scalar) * SNN_NL_%s", p);
        break;
    default:
        break;
    }
    switch (e->shape) {
    case SS_VALUE: return arena_printf("sizeof %s", e->name);
    case SS_LOCAL: return arena_printf("sizeof(%s) * SNN_NL_%s", t, p);
    case SS_LOCAL_PAD: return arena_printf("sizeof(%s) * (SNN_NL_%s + 1u)", t, p);
    case SS_GLOBAL: return arena_printf("sizeof(%s) * SNN_N_%s", t, p);
    case SS_GLOBAL_1: return arena_printf("sizeof(%s) * (SNN_N_%s + 1)", t, p);
    case SS_SYNAPSE: /* the host: all thread blocks (snn_cap, syn_setup); the device: one */
        if (device)
            return arena_printf("sizeof(%s) * snn_syn_%s[0].capacity", t, e->proj->name);
        return arena_printf("sizeof(%s) * (snn_cap ? snn_cap : 1)", t);
    case SS_THREAD: return arena_printf("sizeof(%s) * (size_t)snn_nthr", t);
    case SS_THREAD_1: return arena_printf("sizeof(%s) * ((size_t)snn_nthr + 1)", t);
    case SS_XACC:
        return arena_printf("sizeof(%s) * ((size_t)snn_nthr + 1) * SNN_N_%s * SNN_XW", t, p);
    default: return "?"; /* sized by the template or the data */
    }
}

/* The CUDA back end runs the synapse dynamics of a projection whose code calls
 * add_to_post a target at a time over its column (the C back end's order of the
 * additions): it needs the column view even without on_post. */
bool state_dyn_columns(const Projection *pj)
{
    return pj->syn && pj->add_post && pj->syn_code[SC_DYNAMICS].stmts;
}

bool state_weight_per_lane(const Model *m, const Projection *pj)
{
    if (!m->batch || !pj->syn)
        return false;
    for (int k = 0; k < pj->syn->n_vars; k++)
        if (!strcmp(pj->syn->vars[k].name, pj->syn->weight))
            return !pj->syn->vars[k].shared;
    return true;
}

bool state_needs_positions(const Projection *pj)
{
    const SynapseModel *sm = pj->syn;
    for (int k = 0; k < SC_COUNT; k++)
        if (syn_code_desc[k].over == OVER_SYNAPSE && code_uses_rng(pj->syn_code[k].stmts, NULL))
            return true;
    for (int i = 0; i < sm->n_vars; i++)
        if (strcmp(sm->vars[i].name, sm->weight) != 0 &&
            pj->syn_inits[i].kind != INIT_CONSTANT)
            return true;
    return false;
}

static StateEntry *add(StateTable *t, StateKind kind, const char *name, const char *type,
                       StateShape shape, StateInit init, StateAlloc alloc, bool stored,
                       bool device, const char *what)
{
    t->v = arena_grow(t->v, &t->cap, t->n + 1, sizeof *t->v);
    StateEntry *e = &t->v[t->n++];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->name = name;
    e->type = type;
    e->shape = shape;
    e->init = init;
    e->alloc = alloc;
    e->stored = stored;
    e->device = device;
    e->what = what;
    e->index = -1;
    return e;
}

static void pop_entries(StateTable *t, const Model *m, const Population *p)
{
    const NeuronModel *nm = p->model;
    const char *pn = p->name;
    StateEntry *e;
    for (int k = 0; k < nm->n_vars; k++) {
        e = add(t, SK_VAR, arena_printf("%s_%s", pn, nm->vars[k].name), "scalar", SS_LOCAL,
                SI_INITIAL, SA_POP, true, true,
                arena_printf("population '%s' variable '%s'", pn, nm->vars[k].name));
        e->pop = p, e->index = k;
    }
    e = add(t, SK_FLAG, arena_printf("snn_flag_%s", pn), "uint8_t", SS_LOCAL, SI_ZERO, SA_POP,
            false, true, arena_printf("population '%s' spike flags", pn));
    e->pop = p, e->note = "spike flags of the current step";
    for (int k = 0; k < nm->n_egps; k++) { /* the whole population's values, once */
        e = add(t, SK_EGP, arena_printf("snn_egp_%s_%s", pn, nm->egps[k]), "scalar", SS_GLOBAL,
                SI_COMPILED, SA_NONE, false, true,
                arena_printf("population '%s' extra global parameter '%s'", pn, nm->egps[k]));
        e->pop = p, e->index = k, e->compiled_in = true;
    }
    for (int k = 0; k < nm->n_params; k++)
        if (p->runtime[k]) {
            e = add(t, SK_RPARAM, arena_printf("snn_rp_%s_%s", pn, nm->params[k].name), "double",
                    SS_VALUE, SI_VALUE, SA_NONE, true, true,
                    arena_printf("population '%s' runtime parameter '%s'", pn,
                                 nm->params[k].name));
            e->pop = p, e->index = k, e->value = p->params[k];
            e->note = arena_printf("runtime parameter %s.%s", pn, nm->params[k].name);
        }
    for (int c = 0; c < m->n_sources; c++) {
        const CurrentSource *cs = m->sources[c];
        for (int k = 0; k < CSP_COUNT; k++)
            if (cs->pop == p && cs->runtime[k]) {
                const char *pa = cs_param_name((CsParam)k);
                e = add(t, SK_RPARAM_SRC, arena_printf("snn_rpc_%s_%s", cs->name, pa), "double",
                        SS_VALUE, SI_VALUE, SA_NONE, true, true,
                        arena_printf("current source '%s' runtime parameter '%s'", cs->name, pa));
                e->pop = p, e->src = cs, e->index = k;
                e->value = cs_param_value(cs, (CsParam)k);
                e->note = arena_printf("runtime parameter %s.%s", cs->name, pa);
            }
    }
    if (nm->spike_source) {
        /* compiled in, or from a file (run config spike_times): sized at run time */
        e = add(t, SK_SS_STARTS, arena_printf("snn_sss_%s", pn), "uint64_t", SS_GLOBAL_1,
                SI_COMPILED, SA_POP, false, true,
                arena_printf("population '%s' spike list starts", pn));
        e->pop = p, e->compiled_in = true;
        e = add(t, SK_SS_TIMES, arena_printf("snn_sst_%s", pn), "uint32_t", SS_LIST,
                SI_COMPILED, SA_NONE, false, true,
                arena_printf("population '%s' spike times", pn));
        e->pop = p, e->compiled_in = true;
        e = add(t, SK_SS_CURSOR, arena_printf("snn_ssc_%s", pn), "uint64_t", SS_LOCAL,
                SI_INITIAL, SA_POP, true, true, arena_printf("population '%s' spike cursors", pn));
        e->pop = p, e->note = "next time of each neuron";
    }
    if (nm->dataset) {
        /* the run config's data set (runtime/rt_dataset.c): the times above hold the
         * examples this run presents, one after another; these say which they are */
        e = add(t, SK_DS_LEN, arena_printf("snn_dsn_%s", pn), "uint32_t", SS_VALUE, SI_BUILT,
                SA_NONE, false, true, arena_printf("population '%s' example length", pn));
        e->pop = p, e->note = "steps per example";
        e = add(t, SK_DS_COUNT, arena_printf("snn_dsk_%s", pn), "uint64_t", SS_VALUE, SI_BUILT,
                SA_NONE, false, false, arena_printf("population '%s' examples presented", pn));
        e->pop = p, e->note = "positions held: ceil(steps / length)";
        e = add(t, SK_DS_LABELS, arena_printf("snn_dsl_%s", pn), "int32_t", SS_LIST, SI_BUILT,
                SA_NONE, false, true, arena_printf("population '%s' labels", pn));
        e->pop = p, e->note = "label of each position";
        e = add(t, SK_DS_EXAMPLES, arena_printf("snn_dse_%s", pn), "uint32_t", SS_LIST,
                SI_BUILT, SA_NONE, false, true, arena_printf("population '%s' examples", pn));
        e->pop = p, e->note = "example index of each position";
        e = add(t, SK_DS_START, arena_printf("snn_dsc_%s", pn), "uint64_t", SS_VALUE, SI_BUILT,
                SA_NONE, true, false,
                arena_printf("population '%s' data set cursor", pn));
        e->pop = p, e->note = "position of step 0 in the example sequence (run config start)";
    }
    Inputs in = emit_inputs_of(m, p);
    for (int k = 0; k < in.n; k++) {
        const Psm *psm = in.psm[k];
        e = add(t, SK_INPUT, arena_printf("snn_in%d_%s", k, pn), "scalar", SS_LOCAL, SI_ZERO,
                SA_POP, true, true, arena_printf("population '%s' input %d", pn, k));
        e->pop = p, e->index = k;
        e->note = arena_printf("input %d: %s%s%s", k, psm_kind_name(psm->kind),
                               psm->target ? " into " : "", psm->target ? psm->target : "");
        if (psm->kind == PSM_ALPHA_CURR) {
            const char *w = arena_printf("population '%s' input %d alpha state", pn, k);
            e = add(t, SK_ALPHA_X, arena_printf("snn_ax%d_%s", k, pn), "scalar", SS_LOCAL,
                    SI_ZERO, SA_POP, true, true, w);
            e->pop = p, e->index = k, e->note = "alpha current";
            e = add(t, SK_ALPHA_Y, arena_printf("snn_ay%d_%s", k, pn), "scalar", SS_LOCAL,
                    SI_ZERO, SA_POP, true, true, w);
            e->pop = p, e->index = k, e->note = "its derivative";
        }
        if (in.dendritic[k]) {
            e = add(t, SK_RING_DEPTH, arena_printf("snn_ddn%d_%s", k, pn), "uint32_t", SS_VALUE,
                    SI_BUILT, SA_RINGS, false, true,
                    arena_printf("population '%s' ring depth", pn));
            e->pop = p, e->index = k;
            e = add(t, SK_RING, arena_printf("snn_dd%d_%s", k, pn), "scalar", SS_RING, SI_ZERO,
                    SA_RINGS, true, true,
                    arena_printf("population '%s' input %d dendritic delays", pn, k));
            e->pop = p, e->index = k;
            e->note = arena_printf("dendritic delay ring: snn_ddn%d_%s rows of N", k, pn);
        }
    }
    /* declared and allocated by templates/c/model.c.tmpl; the CUDA back end keeps the
     * spike queues, its own spikes of an MPI interval and the recording blocks on the
     * device only (device_note: the comment of the declaration in the .cu; MPI: shape
     * SS_STEPS), and has no thread blocks */
    static const struct {
        StateKind kind;
        const char *prefix;
        StateShape shape;
        StateInit init;
        bool stored;
        const char *what;
        const char *device_note; /* device only in the CUDA back end */
        bool cuda_only;
    } tmpl[] = {
        {SK_QUEUE, "snn_spk_", SS_QUEUE, SI_ZERO, true, "spike queue", "SNN_NSLOT x N spike ids",
         false},
        {SK_QUEUE, "snn_spkcnt_", SS_SLOTS, SI_ZERO, true, "spike queue counts, per slot",
         "spikes per slot", false},
        {SK_SPIKES, "snn_lspk_", SS_STEPS, SI_ZERO, false, "own spikes of the interval",
         "own spikes of the interval: SNN_INTERVAL x NL", false},
        {SK_SPIKES, "snn_lcnt_", SS_STEPS, SI_ZERO, false, "own spike counts of the interval",
         "own spikes per step of the interval", false},
        {SK_SPIKES, "snn_tlo_", SS_THREAD_1, SI_BUILT, false, "thread blocks' first neurons",
         NULL, false},
        {SK_SPIKES, "snn_tcnt_", SS_THREAD, SI_ZERO, false, "spikes of the step per thread",
         NULL, false},
        {SK_SPIKES, "snn_tspk_", SS_LOCAL, SI_ZERO, false, "spikes of the step", NULL, false},
        {SK_REC_BLOCK, "snn_rec_", SS_REC_IDS, SI_ZERO, false, "recorded spikes",
         "recording block: the ids of its steps", true},
        {SK_REC_BLOCK, "snn_reccnt_", SS_REC_STEPS, SI_ZERO, false, "recorded counts",
         "recording block: spikes per step", true},
    };
    for (size_t k = 0; k < sizeof tmpl / sizeof *tmpl; k++) {
        e = add(t, tmpl[k].kind, arena_printf("%s%s", tmpl[k].prefix, pn), "uint32_t",
                tmpl[k].shape, tmpl[k].init, SA_TEMPLATE, tmpl[k].stored, false,
                arena_printf("population '%s' %s", pn, tmpl[k].what));
        e->pop = p, e->in_template = true;
        e->device_only = tmpl[k].device_note != NULL;
        e->device_note = tmpl[k].device_note;
        e->cuda_only = tmpl[k].cuda_only;
        if (!strcmp(tmpl[k].prefix, "snn_spkcnt_"))
            e->note = arena_printf("%d slots", emit_n_slots(m, p));
        if (tmpl[k].kind == SK_REC_BLOCK) /* allocated when the run records the population */
            e->note = "allocated when the run records the population (snn_cu_start)";
    }
}

static void proj_entries(StateTable *t, const Projection *pj)
{
    const char *n = pj->name;
    StateEntry *e;
    bool per_syn_w = pj->weight.kind != INIT_CONSTANT || pj->syn;
    /* the host holds one snn_ragged per thread block; the CUDA back end uses one */
    e = add(t, SK_ROWS, arena_printf("snn_syn_%s", n), "snn_ragged", SS_THREAD, SI_BUILT,
            SA_TEMPLATE, pj->syn != NULL || pj->rewired, true, arena_printf("projection '%s'", n));
    e->proj = pj;
    e->note = arena_printf("per thread: %s, %s%s", conn_rule_name(&pj->conn),
                           pj->format == FORMAT_DENSE && pj->syn
                               ? "dense: full rows (all_to_all), no index read"
                           : pj->format == FORMAT_DENSE ? "dense matrix"
                           : pj->format == FORMAT_PROCEDURAL
                               ? "procedural (row buffer)"
                               : arena_printf("%s target indices",
                                              emit_ind_type(pj)),
                           per_syn_w ? ", per-synapse weights" : "");
    const SynapseModel *sm = pj->syn;
    if (!sm)
        return;
    /* random draws in synapse code: the run's seed and a stream per code string (set with
     * the initial values) */
    bool rng = false;
    for (int k = 0; k < SC_COUNT; k++)
        if (code_uses_rng(pj->syn_code[k].stmts, NULL)) {
            if (!rng) {
                e = add(t, SK_SEED, arena_printf("snn_seed_%s", n), "uint64_t", SS_VALUE,
                        SI_VALUE, SA_NONE, false, true,
                        arena_printf("projection '%s' seed for synapse code", n));
                e->proj = pj, e->note = "the run's seed, for draws in synapse code";
            }
            rng = true;
            /* per-synapse code: the stream's key (snn_rng_syn_key), computed once */
            const bool keyed = syn_code_desc[k].over == OVER_SYNAPSE;
            e = add(t, SK_STREAM, arena_printf("snn_sstream_%s_%s", n, syn_code_desc[k].name),
                    keyed ? "uint64_t" : "uint32_t", SS_VALUE, SI_VALUE, SA_NONE, false, true,
                    arena_printf("projection '%s' stream of %s", n, syn_code_desc[k].name));
            e->proj = pj, e->index = k;
            if (keyed)
                e->note = "the key of a synapse-keyed stream (snn_rng_syn_key)";
        }
    for (int k = 0; k < sm->n_params; k++)
        if (pj->syn_runtime[k]) {
            e = add(t, SK_RPARAM_SYN, arena_printf("snn_rps_%s_%s", n, sm->params[k].name),
                    "double", SS_VALUE, SI_VALUE, SA_NONE, true, true,
                    arena_printf("projection '%s' runtime parameter '%s'", n,
                                 sm->params[k].name));
            e->proj = pj, e->index = k, e->value = pj->syn_params[k];
            e->note = arena_printf("runtime parameter %s.%s", n, sm->params[k].name);
        }
    e = add(t, SK_SYN_OFFSETS, arena_printf("snn_soff_%s", n), "uint64_t", SS_THREAD_1,
            SI_BUILT, SA_SYN, false, false, arena_printf("projection '%s' thread blocks", n));
    e->proj = pj;
    e->note = "thread block t's synapses: [snn_soff[t], snn_soff[t + 1]) of the synapse "
              "variables";
    for (int k = 0; k < sm->n_vars; k++)
        if (strcmp(sm->vars[k].name, sm->weight) != 0) {
            e = add(t, SK_SYN_VAR, arena_printf("snn_sv_%s_%s", n, sm->vars[k].name), "scalar",
                    SS_SYNAPSE, SI_INITIAL, SA_SYN, true, true,
                    arena_printf("projection '%s' variable '%s'", n, sm->vars[k].name));
            e->proj = pj, e->index = k, e->note = "synapse variable";
        }
    for (int k = 0; k < sm->n_pre_vars; k++) {
        e = add(t, SK_PRE_VAR, arena_printf("snn_pv_%s_%s", n, sm->pre_vars[k].name), "scalar",
                SS_GLOBAL, SI_INITIAL, SA_SYN, true, true,
                arena_printf("projection '%s' presynaptic '%s'", n, sm->pre_vars[k].name));
        e->proj = pj, e->index = k, e->note = "presynaptic variable";
    }
    for (int k = 0; k < sm->n_post_vars; k++) {
        e = add(t, SK_POST_VAR, arena_printf("snn_qv_%s_%s", n, sm->post_vars[k].name), "scalar",
                SS_LOCAL_PAD, SI_INITIAL, SA_SYN, true, true,
                arena_printf("projection '%s' postsynaptic '%s'", n, sm->post_vars[k].name));
        e->proj = pj, e->index = k, e->note = "postsynaptic variable";
    }
    if (pj->syn_code[SC_ON_POST].stmts || state_dyn_columns(pj)) {
        /* the host holds one column view per thread block; the CUDA back end uses one */
        e = add(t, SK_COLUMNS, arena_printf("snn_cols_%s", n), "snn_columns", SS_THREAD,
                SI_BUILT, SA_SYN, false, true, arena_printf("projection '%s' column views", n));
        e->proj = pj;
        e->note = pj->syn_code[SC_ON_POST].stmts
                      ? "column view for on_post, per thread block"
                      : "column view for the CUDA back end's dynamics with add_to_post "
                        "(target by target, in row order); not built by the C back end";
    }
    if (pj->add_pre) {
        /* the sums are complete and rounded at the end of each step (phase pre_inputs): the
         * accumulators are zero between steps, the rounded sums are read in the next */
        e = add(t, SK_PRE_INPUT, arena_printf("snn_pin_%s", n), "scalar", SS_LOCAL, SI_ZERO,
                SA_SYN, true, true, arena_printf("projection '%s' add_to_pre sums", n));
        e->proj = pj;
        e->note = arena_printf("into input '%s' of the sources, read in the next step",
                               pj->pre_input);
        /* the CUDA back end's copy: one slice (the device adds with atomics) */
        e = add(t, SK_XACC, arena_printf("snn_xa_%s", n), "int64_t", SS_XACC, SI_ZERO, SA_SYN,
                false, true, arena_printf("projection '%s' add_to_pre exact sums", n));
        e->proj = pj;
        e->note = "per thread block and source, then the total (snn_xacc.h); zero between steps";
    }
}

/* A custom update's variables and runtime parameters, declared with the population or
 * the projection it runs over (pop_decls / syn_decls) and allocated with it. */
static void cu_entries(StateTable *t, const CustomUpdate *cu, bool batched)
{
    StateEntry *e;
    for (int k = 0; k < cu->n_vars; k++) {
        const CuVar *v = &cu->vars[k];
        const bool red = CU_NEURON_REDUCE(v->reduce);
        e = add(t, SK_CU_VAR, arena_printf("snn_cuv_%s_%s", cu->name, v->name), "scalar",
                red ? SS_VALUE : cu->proj ? SS_SYNAPSE : SS_LOCAL,
                SI_INITIAL, red ? SA_NONE : cu->proj ? SA_SYN : SA_POP, true, true,
                arena_printf("custom update '%s' variable '%s'", cu->name, v->name));
        e->cu = cu, e->index = k;
        if (cu->proj)
            e->proj = cu->proj;
        else
            e->pop = cu->pop;
        e->note = red ? (v->reduce == CU_REDUCE_SUM ? "custom update: sum over the neurons"
                                                    : "custom update: max over the neurons")
                  : v->reduce == CU_REDUCE_BATCH_SUM ? "custom update: sum over the batch lanes"
                  : v->reduce == CU_REDUCE_BATCH_MAX ? "custom update: max over the batch lanes"
                                                     : "custom-update variable";
        if (CU_BATCH_REDUCE(v->reduce) && batched) { /* the lanes' terms, in lane order */
            e = add(t, SK_CU_ACC, arena_printf("snn_cua_%s_%s", cu->name, v->name), "double",
                    cu->proj ? SS_SYNAPSE : SS_LOCAL, SI_ZERO, cu->proj ? SA_SYN : SA_POP, false,
                    false, arena_printf("custom update '%s' variable '%s' batch accumulator",
                                        cu->name, v->name));
            e->cu = cu, e->index = k;
            if (cu->proj)
                e->proj = cu->proj;
            else
                e->pop = cu->pop;
            e->note = "the batch reduction's running value (double), within a step";
        }
    }
    for (int k = 0; k < cu->n_params; k++)
        if (cu->runtime[k]) {
            e = add(t, SK_RPARAM_CU, arena_printf("snn_rpu_%s_%s", cu->name, cu->params[k].name),
                    "double", SS_VALUE, SI_VALUE, SA_NONE, true, true,
                    arena_printf("custom update '%s' runtime parameter '%s'", cu->name,
                                 cu->params[k].name));
            e->cu = cu, e->index = k, e->value = cu->params[k].value;
            if (cu->proj)
                e->proj = cu->proj;
            else
                e->pop = cu->pop;
            e->note = arena_printf("runtime parameter %s.%s", cu->name, cu->params[k].name);
        }
}

/* Batch lanes (docs/architecture.md "Batch lanes"): what a lane changes is held once per
 * lane (the neurons' and synapses' variables, inputs, rings, spike queues and cursors,
 * custom-update variables); what lanes share is held once (connectivity, the weights of
 * static projections, parameters, compiled-in spike times, seeds and streams, thread
 * blocks, the scratch of one step: per-thread spikes, exact-sum accumulators). */
bool state_lane_kind(const StateEntry *e)
{
    switch (e->kind) {
    case SK_VAR: case SK_FLAG: case SK_SS_CURSOR: case SK_INPUT: case SK_ALPHA_X:
    case SK_ALPHA_Y: case SK_RING: case SK_QUEUE: case SK_PRE_VAR:
    case SK_POST_VAR: case SK_PRE_INPUT:
        return true;
    case SK_SYN_VAR: /* synapse{ shared = { ... } }: held once */
        return !e->proj->syn->vars[e->index].shared;
    case SK_CU_VAR: /* a batch reduction, or { shared = true }: held once */
        return !CU_BATCH_REDUCE(e->cu->vars[e->index].reduce) && !e->cu->vars[e->index].shared;
    case SK_SS_STARTS: case SK_SS_TIMES: case SK_DS_LABELS: case SK_DS_EXAMPLES:
        return e->pop->model->dataset; /* each lane presents its own examples */
    default:
        return false;
    }
}

/* The CUDA back end's model-wide device-only state, declared by
 * templates/cuda/model.cu.tmpl next to the kernels that use it: the run's constants,
 * counters, the step the kernels work on, the scan for non-finite state, the procedural
 * rows' scratch and check.  Rebuilt: set at the start of a run (snn_cu_start). */
static void device_entries(StateTable *t, const Model *m)
{
    bool proc = false;
    for (int i = 0; i < m->n_projs; i++)
        proc |= m->projs[i]->format == FORMAT_PROCEDURAL;
    static const struct {
        StateKind kind;
        const char *name, *type;
        StateShape shape;
        const char *what;
        bool proc; /* only with procedural projections */
    } dev[] = {
        {SK_RUN_CONSTS, "snn_r", "snn_run_consts", SS_VALUE,
         "the run's seed, as the C code reads it", false},
        {SK_SCRATCH, "snn_scr_global", "uint64_t", SS_GRID,
         "procedural rows' scratch (SNN_SCR_GLOBAL: larger than shared memory)", false},
        {SK_DEV_COUNTER, "snn_recon", "int", SS_POPS, "population recorded?", false},
        {SK_DEV_COUNTER, "snn_rectot", "uint32_t", SS_POPS, "ids in the current recording block",
         false},
        {SK_DEV_COUNTER, "snn_spktot", "unsigned long long", SS_POPS, "spikes of the run so far",
         false},
        {SK_DEV_COUNTER, "snn_dstep", "uint64_t", SS_VALUE,
         "the step the kernels work on (advanced by snn_k_end_step)", false},
        {SK_DEV_COUNTER, "snn_bad_key", "unsigned long long", SS_VALUE,
         "the scan for non-finite state: the first (population, neuron, variable) found", false},
        {SK_DEV_COUNTER, "snn_bad_val", "double", SS_VALUE,
         "the scan for non-finite state: its value", false},
        {SK_DEV_COUNTER, "snn_bad_step", "uint64_t", SS_VALUE,
         "the scan for non-finite state: the step + 1 it was found after (0: none)", false},
        {SK_DEV_COUNTER, "snn_proc_sum", "unsigned long long", SS_VALUE,
         "procedural rows regenerated on the device: synapses and checksum, per projection",
         true},
    };
    for (size_t k = 0; k < sizeof dev / sizeof *dev; k++) {
        if (dev[k].proc && !proc)
            continue;
        StateEntry *e = add(t, dev[k].kind, dev[k].name, dev[k].type, dev[k].shape, SI_ZERO,
                            SA_TEMPLATE, false, false, dev[k].what);
        e->in_template = e->device_only = e->cuda_only = true;
        e->device_note = dev[k].what;
    }
}

StateTable state_table(const Model *m)
{
    StateTable t = {0};
    for (int i = 0; i < m->n_pops; i++)
        pop_entries(&t, m, m->pops[i]);
    for (int i = 0; i < m->n_projs; i++)
        proj_entries(&t, m->projs[i]);
    for (int i = 0; i < m->n_cus; i++)
        cu_entries(&t, m->cus[i], m->batch > 0);
    device_entries(&t, m);
    for (int i = 0; i < t.n && m->batch; i++)
        t.v[i].lane = state_lane_kind(&t.v[i]);
    return t;
}

void state_print(StrBuf *o, const StateTable *t)
{
    sb_puts(o, "# name\ttype\tshape\towner\tkind\tinit\tstate\tflags\twhat\n");
    for (int i = 0; i < t->n; i++) {
        const StateEntry *e = &t->v[i];
        const char *owner = e->cu     ? arena_printf("custom_update:%s", e->cu->name)
                            : e->src  ? arena_printf("source:%s", e->src->name)
                            : e->proj ? arena_printf("projection:%s", e->proj->name)
                            : e->pop  ? arena_printf("population:%s", e->pop->name)
                                      : "model";
        /* where: host (mirrored to the device: device), or the CUDA back end's only */
        sb_printf(o, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s%s%s%s%s\t%s\n", e->name, e->type,
                  state_shape_name(e), owner, state_kind_name(e->kind),
                  state_init_name(e->init), e->stored ? "stored" : "rebuilt",
                  e->cuda_only ? "cuda" : e->device ? "device" : "host",
                  e->compiled_in ? ",compiled-in" : "", e->in_template ? ",template" : "",
                  e->device_only ? ",device-only" : "", e->lane ? ",per-lane" : "", e->what);
    }
}
