/*
 * train.c - what the training loop of the runtime (runtime/rt_train.c, docs/run.md
 * "Training loop") needs from a C simulator: the variables by name ("Out.y", "InOut.w",
 * "Delta.m"), a custom-update group run on demand, the neuron state reset to its initial
 * values between examples, and a data set population's spikes replaced batch by batch;
 * in a batched model each of these for one lane (the runtime drives the lanes).
 * Filled into templates/c/model.c.tmpl as train_fns and var_descs.
 */
#include "backend.h"
#include "snncc.h"

#include <string.h>

/* The CUDA back end's copies of the state a variable lives in (train_cuda_scope): each
 * variable's case of the fetch (device to host) and of the put (host to device), from the
 * back end's mirror lookup; NULL for the C back end. */
static struct {
    TrainIoFn io;
    void *ctx;
    StrBuf *fetch, *put;
} cu_io;

static void var_desc(StrBuf *d, StrBuf *f, int *k, const char *name, int kind, int owner,
                     const char *io, const char *st1, const char *st2)
{
    sb_printf(d, "%s{\"%s\", %d, %d},", *k ? "\n    " : "", name, kind, owner);
    sb_printf(f, "    case %d:\n        %s\n        break;\n", *k, io);
    if (cu_io.io) {
        sb_printf(cu_io.fetch, "    case %d: /* %s */\n", *k, name);
        sb_printf(cu_io.put, "    case %d: /* %s */\n", *k, name);
        const char *st[2] = {st1, st2};
        for (int i = 0; i < 2; i++)
            if (st[i]) {
                const char *a = cu_io.io(cu_io.ctx, st[i], TRAIN_IO_FETCH);
                const char *b = cu_io.io(cu_io.ctx, st[i], TRAIN_IO_PUT);
                sb_printf(cu_io.fetch, "        %s\n", a ? a : "/* (not on the device) */");
                sb_printf(cu_io.put, "        %s\n", b ? b : "/* (not on the device) */");
            }
        sb_puts(cu_io.fetch, "        break;\n");
        sb_puts(cu_io.put, "        break;\n");
    }
    (*k)++;
}

static int pop_index(const Model *m, const Population *p)
{
    for (int i = 0; i < m->n_pops; i++)
        if (m->pops[i] == p)
            return i;
    return -1;
}

static int proj_index(const Model *m, const Projection *pj)
{
    for (int i = 0; i < m->n_projs; i++)
        if (m->projs[i] == pj)
            return i;
    return -1;
}

/* The variables by name: descriptors into d, model_var's cases into f; returns their
 * count. */
static int var_table(const Model *m, StrBuf *d, StrBuf *f)
{
    int k = 0;
    /* the variables by name: neuron (kind 0, owner: population), synapse (1, projection),
     * custom update: one value (2), per neuron (3), per synapse (4) */
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        for (int v = 0; v < p->model->n_vars; v++) {
            const char *c = arena_printf("%s_%s", p->name, p->model->vars[v].name);
            var_desc(d, f, &k, arena_printf("%s.%s", p->name, p->model->vars[v].name), 0, i,
                     arena_printf("fn(ctx, \"%s\", -1, %s, sizeof(scalar) * SNN_NL_%s, 0);", c,
                                  c, p->name), c, NULL);
        }
    }
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        const SynapseModel *sm = pj->syn;
        if (!sm)
            continue;
        for (int v = 0; v < sm->n_vars; v++) {
            const char *vn = sm->vars[v].name;
            const char *nm = arena_printf("%s.%s", pj->name, vn);
            if (!strcmp(vn, sm->weight))
                var_desc(d, f, &k, nm, 1, i,
                         arena_printf("snn_state_synapses(fn, ctx, \"%s\", snn_syn_%s, snn_nthr, "
                                      "NULL, NULL, 0);", nm, pj->name),
                         arena_printf("snn_syn_%s", pj->name), NULL);
            else
                var_desc(d, f, &k, nm, 1, i,
                         arena_printf("snn_state_synapses(fn, ctx, \"%s\", snn_syn_%s, snn_nthr, "
                                      "snn_sv_%s_%s, snn_soff_%s, (int)sizeof(scalar));", nm,
                                      pj->name, pj->name, vn, pj->name),
                         arena_printf("snn_syn_%s", pj->name),
                         arena_printf("snn_sv_%s_%s", pj->name, vn));
        }
    }
    for (int i = 0; i < m->n_cus; i++) {
        const CustomUpdate *cu = m->cus[i];
        for (int v = 0; v < cu->n_vars; v++) {
            const CuVar *cv = &cu->vars[v];
            const char *nm = arena_printf("%s.%s", cu->name, cv->name);
            const char *c = arena_printf("snn_cuv_%s_%s", cu->name, cv->name);
            /* a reduction over the neurons is one value (per lane); a batch reduction is
             * per element, held once: its array as the update's other variables */
            if (CU_NEURON_REDUCE(cv->reduce))
                var_desc(d, f, &k, nm, 2, -1,
                         arena_printf("fn(ctx, \"%s\", -1, &%s, sizeof %s, 0);", nm, c, c), c,
                         NULL);
            else if (cu->proj)
                var_desc(d, f, &k, nm, 4, proj_index(m, cu->proj),
                         arena_printf("snn_state_synapses(fn, ctx, \"%s\", snn_syn_%s, snn_nthr, "
                                      "%s, snn_soff_%s, (int)sizeof(scalar));", nm,
                                      cu->proj->name, c, cu->proj->name),
                         arena_printf("snn_syn_%s", cu->proj->name), c);
            else
                var_desc(d, f, &k, nm, 3, pop_index(m, cu->pop),
                         arena_printf("fn(ctx, \"%s\", -1, %s, sizeof(scalar) * SNN_NL_%s, 0);",
                                      nm, c, cu->pop->name), c, NULL);
        }
    }
    return k;
}

void train_c_scope(TmplScope *g, const Model *m)
{
    StrBuf d, f, o;
    sb_init(&d);
    sb_init(&f);
    sb_init(&o);
    const int k = var_table(m, &d, &f);
    /* batched models: the lane's copy (snn_lane_select; variables held once are the
     * same in every lane), lane 0 selected again after */
    const char *sel = m->batch ? "    snn_lane_select(run, (uint32_t)lane);\n" : "";
    const char *unsel = m->batch ? "    snn_lane_select(run, 0);\n" : "";
    sb_printf(&o, "static void model_reset(snn_run *run);\n%s\n",
              m->batch ? "static void snn_lane_select(snn_run *run, uint32_t b);\n" : "");
    sb_printf(&o, "/* variable k of the table vars[] (lane 'lane' of a batched model) to fn "
                  "(rt_train.c reads and writes it) */\n"
                  "static void model_var(snn_run *run, int k, int lane, snn_state_fn fn, void *ctx)\n{\n"
                  "    (void)run;\n    (void)lane;\n    (void)fn;\n"
                  "    (void)ctx;\n%s    switch (k) {\n", sel);
    sb_puts(&o, f.buf ? f.buf : "");
    sb_printf(&o, "    default:\n        break;\n    }\n%s}\n\n", unsel);
    sb_printf(&o, "/* the state of lane 'lane' back to its initial values (model_reset) */\n"
                  "static void model_reset_lane(snn_run *run, int lane)\n{\n    (void)lane;\n"
                  "%s    model_reset(run);\n%s}\n\n", sel, unsel);
    /* this rank's synapses per source neuron of projection q (the order of model_var's
     * synapse values: by source, the thread blocks in order) */
    sb_puts(&o, "/* the synapses per source neuron of projection q on this rank */\n"
                "static void model_rows(snn_run *run, int q, uint64_t *lens)\n{\n"
                "    (void)run;\n    (void)lens;\n    switch (q) {\n");
    for (int i = 0; i < m->n_projs; i++)
        if (m->projs[i]->syn)
            sb_printf(&o, "    case %d:\n        for (uint32_t snn_p = 0; snn_p < SNN_N_%s; "
                          "snn_p++) {\n            uint64_t snn_c = 0;\n"
                          "            for (int snn_t = 0; snn_t < snn_nthr; snn_t++)\n"
                          "                snn_c += snn_syn_%s[snn_t].row_len[snn_p];\n"
                          "            lens[snn_p] = snn_c;\n        }\n        break;\n",
                      i, m->projs[i]->pre->name, m->projs[i]->name);
    sb_puts(&o, "    default:\n        break;\n    }\n}\n\n");
    /* a custom-update group now, at the end of step 'step' */
    sb_puts(&o, "/* custom-update group g now (the training loop's boundaries) */\n"
                "static void model_cugroup(snn_run *run, int g, uint64_t step)\n{\n"
                "    (void)run;\n    (void)step;\n");
    /* batched models: for lanes 0 .. B-1 in turn, as at a step's end (a batch reduction
     * complete with the last lane, updates held once run with it) */
    const char *in = m->batch ? "    " : "";
    if (m->batch)
        sb_puts(&o, "    /* lanes over ranks: once more as the batch's last lane, another rank's "
                    "(snn_lanes_phantom) */\n"
                    "    const uint32_t snn_passes = snn_nlane + (uint32_t)snn_lanes_phantom(run);\n"
                    "    for (uint32_t snn_b = 0; snn_b < snn_passes; snn_b++) {\n"
                    "        snn_lane_select(run, snn_b < snn_nlane ? snn_b : snn_nlane - 1u);\n"
                    "        run->lane_phantom = snn_b == snn_nlane;\n"
                    "        if (run->lane_phantom) /* the batch's last lane's draws */\n"
                    "            snn_lane = snn_lane_batch_last(run);\n");
    sb_printf(&o, "%s    switch (g) {\n", in);
    for (int gi = 0; gi < m->n_cu_groups; gi++) {
        sb_printf(&o, "%s    case %d:\n%s        snn_cugroup_%s(run, step);\n", in, gi, in,
                  m->cu_groups[gi].name);
        for (int u = 0; u < m->n_cupds && !m->batch; u++) /* connectivity updates the group triggers */
            if (m->cupds[u]->group_index == gi)
                sb_printf(&o, "%s        snn_rewire_%s(run, step);\n", in, m->cupds[u]->name);
        sb_printf(&o, "%s        break;\n", in);
    }
    sb_printf(&o, "%s    default:\n%s        break;\n%s    }\n", in, in, in);
    if (m->batch)
        sb_puts(&o, "    }\n    run->lane_phantom = 0;\n    snn_lane_select(run, 0);\n");
    for (int u = 0; u < m->n_cupds && m->batch; u++) /* once for every lane: shared rows */
        sb_printf(&o, "    if (g == %d)\n        snn_rewire_%s(run, step);\n",
                  m->cupds[u]->group_index, m->cupds[u]->name);
    sb_puts(&o, "}\n\n");
    /* a data set population's spikes replaced (the runtime owns the arrays it hands over
     * until it replaces them; model_release frees the last ones) */
    sb_printf(&o, "/* population p's spikes in lane 'lane' from 'in' (its cursors back at the "
                  "start) */\n"
                "static void model_ds_feed(snn_run *run, int p, int lane, const snn_dataset_in *in)\n{\n"
                "    (void)run;\n    (void)in;\n    (void)lane;\n%s    switch (p) {\n", sel);
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        if (!p->model->dataset)
            continue;
        sb_printf(&o, "    case %d:\n        snn_sss_%s = in->starts;\n"
                      "        snn_sst_%s = in->steps;\n"
                      "        for (uint32_t i = 0; i < SNN_NL_%s; i++)\n"
                      "            snn_ssc_%s[i] = snn_sss_%s[SNN_LO_%s + i];\n        break;\n",
                  i, p->name, p->name, p->name, p->name, p->name, p->name);
    }
    sb_printf(&o, "    default:\n        break;\n    }\n%s}\n", unsel);
    tmpl_set(g, "train_fns", emit_take(&o));
    tmpl_set(g, "var_descs", k ? emit_take(&d) : "{ NULL, 0, 0 }");
    tmpl_set(g, "n_var_descs", arena_printf("%d", k));
    sb_release(&d);
    sb_release(&f);
    sb_release(&o);
}

/* ---- the CUDA back end (docs/cuda.md "Training loop") ---------------------------------- */

/* The state entries a reset (model_reset) may write: the populations' and projections'
 * arrays but the rows, offsets, spike tables, data set tables, and custom-update
 * variables and parameters (kept across examples). */
static bool reset_writes(const StateEntry *e)
{
    if (!e->device || e->device_only || e->shape == SS_VALUE || (!e->pop && !e->proj))
        return false;
    switch (e->kind) {
    case SK_ROWS: case SK_COLUMNS: case SK_SYN_OFFSETS: case SK_EGP: case SK_SS_STARTS:
    case SK_SS_TIMES: case SK_DS_LEN: case SK_DS_COUNT: case SK_DS_LABELS: case SK_DS_EXAMPLES:
    case SK_DS_START: case SK_CU_VAR: case SK_RPARAM_CU: case SK_CU_ACC: case SK_RPARAM:
    case SK_RPARAM_SRC: case SK_RPARAM_SYN: case SK_SEED: case SK_STREAM:
        return false;
    default:
        return e->stored;
    }
}

static void io_line(StrBuf *o, TrainIoFn io, void *ctx, const char *state, int how)
{
    const char *c = io(ctx, state, how);
    if (c)
        sb_printf(o, "    %s\n", c);
}

/* What the training loop needs from a CUDA simulator whose state lives on the device (a
 * batched model: each function for one lane, its copies the lane's blocks, io's code
 * naming the function's 'lane'): the C back end's functions over the host half's copies, with the
 * device's state copied out before and back after (io: the back end's copy of a state
 * entry by name, TRAIN_IO_*; NULL where the device has none).  model_var: the variable's
 * arrays; model_reset: every array of the populations and projections the reset may write
 * (fetched, reset by the C back end's code, put back) and the spike queues emptied on the
 * device; model_ds_feed: the spike tables of the feed, the label and example of its
 * position, the runtime parameters (a schedule's values); model_cugroup: the group's
 * kernels on the device; model_rows: the rows copied out once.  Into train_fns_cu,
 * var_descs, n_var_descs. */
void train_cuda_scope(TmplScope *h, const Model *m, TrainIoFn io, void *ctx)
{
    StrBuf d, f, o, fe, pu;
    sb_init(&d);
    sb_init(&f);
    sb_init(&o);
    sb_init(&fe);
    sb_init(&pu);
    cu_io.io = io, cu_io.ctx = ctx, cu_io.fetch = &fe, cu_io.put = &pu;
    const int k = var_table(m, &d, &f);
    cu_io.io = NULL;
    const StateTable st = state_table(m);
    sb_puts(&o, "/* the device half's part (model.cu) */\n"
                "void snn_cu_train_sync(void);\n"
                "void snn_cu_train_len(uint32_t len);\n"
                "void snn_cu_train_reset(uint32_t lane);\n"
                "void snn_cu_train_table(int id, const void *host, size_t bytes);\n"
                "void snn_cu_train_pos(int id, const void *host, size_t elem, uint64_t pos);\n"
                "void snn_cu_train_group(snn_run *run, int g, uint64_t step);\n"
                "void snn_cu_fetch(int id, void *host, size_t bytes);\n"
                "void snn_cu_put(int id, const void *host, size_t bytes);\n");
    if (m->batch) /* the lanes' blocks (model.cu; snn_cu_lane_copy, snn_cu_lane_weights: the
                   * checkpoints') */
        sb_puts(&o, "void snn_cu_train_ds_lane(int id, uint32_t b, const void *host, size_t bytes);\n"
                    "void snn_cu_train_pos_lane(int id, uint32_t b, const void *host, size_t elem, "
                    "uint64_t pos);\n");
    sb_puts(&o, "\n");

    /* model_var: the C back end's cases between the copies */
    sb_printf(&o, "/* variable k of the table vars[] over the host's copies */\n"
                  "static void model_var_host(snn_run *run, int k, snn_state_fn fn, void *ctx)\n{\n"
                  "    (void)run;\n    (void)fn;\n    (void)ctx;\n    switch (k) {\n%s"
                  "    default:\n        break;\n    }\n}\n\n", f.buf ? f.buf : "");
    sb_printf(&o, "/* variable k of the table vars[] to fn (rt_train.c reads and writes it): the "
                  "device's copy out, fn, back */\n"
                  "static void model_var(snn_run *run, int k, int lane, snn_state_fn fn, void *ctx)\n{\n"
                  "    (void)lane;\n    snn_cu_train_sync();\n    switch (k) {\n%s"
                  "    default:\n        break;\n    }\n"
                  "    model_var_host(run, k, fn, ctx);\n    switch (k) {\n%s"
                  "    default:\n        break;\n    }\n}\n\n",
              fe.buf ? fe.buf : "", pu.buf ? pu.buf : "");
    /* model_reset: fetch, the C back end's reset of the host copies (a batched model's data
     * sets: from the lane's spike lists), put */
    bool ds_any = false;
    for (int i = 0; m->batch && i < m->n_pops; i++)
        ds_any |= m->pops[i]->model->dataset;
    StrBuf rf, rp;
    sb_init(&rf);
    sb_init(&rp);
    for (int i = 0; i < m->n_projs; i++) /* initial values keyed by position: the rows */
        if (m->projs[i]->syn && state_needs_positions(m->projs[i]))
            io_line(&rf, io, ctx, arena_printf("snn_syn_%s", m->projs[i]->name), TRAIN_IO_FETCH);
    for (int i = 0; i < st.n; i++)
        if (reset_writes(&st.v[i])) {
            io_line(&rf, io, ctx, st.v[i].name, TRAIN_IO_FETCH);
            io_line(&rp, io, ctx, st.v[i].name, TRAIN_IO_PUT);
        }
    sb_printf(&o, "static void model_reset_host(snn_run *run);\n\n"
                  "/* the state back to its initial values (the C back end's model_reset over "
                  "the host's copies of what it writes) */\n"
                  "static void model_reset_lane(snn_run *run, int lane)\n{\n"
                  "    (void)lane;\n    snn_cu_train_sync();\n%s%s"
                  "    model_reset_host(run);\n%s    snn_cu_train_reset((uint32_t)lane); /* the "
                  "spike queues */\n}\n\n",
              ds_any ? "    snn_lane_lists_select(run, lane); /* the lane's spike lists */\n" : "",
              rf.buf ? rf.buf : "", rp.buf ? rp.buf : "");
    sb_release(&rf);
    sb_release(&rp);
    /* model_rows: the rows copied out (once) */
    sb_puts(&o, "/* the synapses per source neuron of projection q */\n"
                "static void model_rows(snn_run *run, int q, uint64_t *lens)\n{\n"
                "    (void)run;\n    (void)lens;\n    snn_cu_train_sync();\n");
    if (m->batch) /* the rows are held once; the weights the copy brings are lane 0's */
        sb_puts(&o, "    const int lane = 0;\n    (void)lane;\n");
    sb_puts(&o, "    switch (q) {\n");
    for (int i = 0; i < m->n_projs; i++)
        if (m->projs[i]->syn) {
            const char *c = io(ctx, arena_printf("snn_syn_%s", m->projs[i]->name), TRAIN_IO_FETCH);
            sb_printf(&o, "    case %d:\n        %s\n"
                          "        for (uint32_t snn_p = 0; snn_p < SNN_N_%s; snn_p++)\n"
                          "            lens[snn_p] = snn_syn_%s[0].row_len[snn_p];\n        break;\n",
                      i, c ? c : "", m->projs[i]->pre->name, m->projs[i]->name);
        }
    sb_puts(&o, "    default:\n        break;\n    }\n}\n\n");
    /* model_cugroup: the runtime parameters (a schedule's), then the group's kernels */
    StrBuf rpar;
    sb_init(&rpar);
    for (int i = 0; i < st.n; i++) {
        const StateEntry *e = &st.v[i];
        if (e->device && (e->kind == SK_RPARAM || e->kind == SK_RPARAM_SRC ||
                          e->kind == SK_RPARAM_SYN || e->kind == SK_RPARAM_CU))
            io_line(&rpar, io, ctx, e->name, TRAIN_IO_MIRROR);
    }
    sb_printf(&o, "/* the runtime parameters to the device (a schedule changes them) */\n"
                  "static void snn_train_rparams(void)\n{\n%s}\n\n",
              rpar.len ? rpar.buf : "    /* (none) */\n");
    sb_release(&rpar);
    sb_puts(&o, "/* custom-update group g now (the training loop's boundaries), on the device */\n"
                "static void model_cugroup(snn_run *run, int g, uint64_t step)\n{\n"
                "    snn_cu_train_sync();\n    snn_train_rparams();\n"
                "    snn_cu_train_group(run, g, step);\n}\n\n");
    /* model_ds_feed: the host's tables, then the device's */
    sb_puts(&o, "/* population p's spikes from 'in' (its cursors back at the start), the label "
                "and example of the feed's position (in->start) and the runtime parameters to "
                "the device */\n"
                "static void model_ds_feed(snn_run *run, int p, int lane, const snn_dataset_in *in)\n{\n"
                "    (void)run;\n    (void)in;\n    (void)lane;\n    snn_cu_train_sync();\n"
                "    snn_train_rparams();\n    snn_cu_train_len(in->length);\n    switch (p) {\n");
    for (int i = 0; i < m->n_pops; i++) {
        const Population *p = m->pops[i];
        if (!p->model->dataset)
            continue;
        const char *n = p->name;
        sb_printf(&o, "    case %d:\n        snn_sss_%s = in->starts;\n"
                      "        snn_sst_%s = in->steps;\n"
                      "        for (uint32_t i = 0; i < SNN_NL_%s; i++)\n"
                      "            snn_ssc_%s[i] = snn_sss_%s[SNN_LO_%s + i];\n", i, n, n, n, n,
                  n, n);
        if (m->batch) /* the lane's feed kept (emit_cuda.c ds_lane_lists) */
            sb_printf(&o, "        snn_lane_lists(run, %d, lane, in->starts, in->steps);\n", i);
        const char *c[5] = {io(ctx, arena_printf("snn_sss_%s", n), TRAIN_IO_MIRROR),
                            io(ctx, arena_printf("snn_sst_%s", n), TRAIN_IO_TABLE),
                            io(ctx, arena_printf("snn_ssc_%s", n), TRAIN_IO_MIRROR),
                            io(ctx, arena_printf("snn_dsl_%s", n), TRAIN_IO_POS),
                            io(ctx, arena_printf("snn_dse_%s", n), TRAIN_IO_POS)};
        for (int j = 0; j < 5; j++)
            if (c[j])
                sb_printf(&o, "        %s\n", c[j]);
        sb_puts(&o, "        break;\n");
    }
    sb_puts(&o, "    default:\n        break;\n    }\n}\n");
    tmpl_set(h, "train_fns_cu", emit_take(&o));
    tmpl_set(h, "var_descs", k ? emit_take(&d) : "{ NULL, 0, 0 }");
    tmpl_set(h, "n_var_descs", arena_printf("%d", k));
    sb_release(&d);
    sb_release(&f);
    sb_release(&o);
    sb_release(&fe);
    sb_release(&pu);
}
