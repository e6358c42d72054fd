/*
 * phases.c - the phase table: the order of one time step, written once.
 *
 * Each row is a phase of a step, in order: what it iterates over (the model, the
 * populations, the projections, the synapse recordings), which items take part, where the
 * C back end runs it (in a parallel region over the thread blocks, or serially on the
 * master thread), the call it makes per item, and the kernel launch of the CUDA back end.
 * The C back end's model_step and its parallel regions (templates/c/model.c.tmpl
 * {{step_regions}}, {{step_body}}) and the CUDA back end's snn_launch_step
 * (templates/cuda/model.cu.tmpl {{launch_step}}, which the CUDA graph capture calls too)
 * are generated from it; docs/architecture.md "The phase table" lists it, and
 * tests/unit/test_phases.c checks that list against this one.
 *
 * A new phase is one row here (with its per-item function in the templates).  The CUDA
 * back end's host part of a step (snn_cu_step after the kernels, the host half's
 * model_step) and the template's kernel flags are generated from it too
 * (phases_cuda_host, phases_cuda_flags).
 */
#include <string.h>

#include "backend.h"

/* ---- which items take part ----------------------------------------------------------- */

static bool any_proj(const Model *m)
{
    return m->n_projs > 0;
}
static bool plastic(const Model *m, int i)
{
    return m->projs[i]->syn != NULL;
}
static bool has_code(const Projection *pj, SynCodeKind k)
{
    return pj->syn && pj->syn_code[k].stmts;
}
static bool with_dynamics(const Model *m, int i)
{
    return has_code(m->projs[i], SC_DYNAMICS);
}
static bool with_add_pre(const Model *m, int i)
{
    return m->projs[i]->add_pre;
}
static bool periodic_synrec(const Model *m, int i)
{
    return m->synrecs[i]->every > 0;
}
static bool any_on_post(const Model *m)
{
    for (int i = 0; i < m->n_projs; i++)
        if (has_code(m->projs[i], SC_ON_POST))
            return true;
    return false;
}
static bool any_trace(const Model *m)
{
    for (int i = 0; i < m->n_projs; i++) {
        const Projection *pj = m->projs[i];
        if (has_code(pj, SC_PRE_SPIKE) || has_code(pj, SC_PRE_DYNAMICS) ||
            has_code(pj, SC_POST_SPIKE) || has_code(pj, SC_POST_DYNAMICS))
            return true;
    }
    return false;
}
static bool any_dynamics(const Model *m)
{
    for (int i = 0; i < m->n_projs; i++)
        if (with_dynamics(m, i))
            return true;
    return false;
}

static bool any_add_pre(const Model *m)
{
    for (int i = 0; i < m->n_projs; i++)
        if (with_add_pre(m, i))
            return true;
    return false;
}

static bool with_custom_updates(const Model *m, int i)
{
    (void)i;
    return m->n_cu_groups > 0;
}

/* ---- the C code of the phases that are not a call per named item --------------------- */

static void custom_update_calls(StrBuf *o, const Model *m, int i)
{
    (void)i;
    cu_phase_code(o, m); /* custom.c */
}

static void synrec_call(StrBuf *o, const Model *m, int i)
{
    const SynRecord *r = m->synrecs[i];
    sb_printf(o, "if (step %% %du == 0 && run->synrec[%d]) /* %s.%s */\n"
                 "    model_syn_snapshot(run, %d, (double)(step + 1) * SNN_DT);\n",
              r->every, i, synrec_owner(r), synrec_var(r), i);
}

static bool with_conn_updates(const Model *m, int i)
{
    (void)i;
    return m->n_cupds > 0;
}

static void conn_update_calls(StrBuf *o, const Model *m, int i)
{
    (void)i;
    rewire_phase_code(o, m); /* rewire.c */
}

/* ---- the table ----------------------------------------------------------------------- */

const Phase phase_table[] = {
    {"exchange_due", "MPI, overlapped exchange: wait for the exchange intervals this step reads",
     PH_MODEL, PH_SERIAL, PH_UNTIMED, true, NULL, NULL,
     "/* overlapped exchange (exchange_interval below the minimum delay): the intervals this\n"
     " * step may read are complete */\n"
     "snn_exchange_due(run, step);\n",
     NULL, NULL, PH_GRID_NONE, NULL, "none (the exchange is synchronous, host model_step)",
     true},
    {"propagate", "spike delivery: spikes whose delay has elapsed into the input accumulators "
                  "(plastic: on_pre first)",
     PH_PROJS, PH_THREADS, PH_DELIVER, false, NULL, NULL, "snn_propagate_%s(step, snn_t);\n",
     any_proj, "snn_k_propagate", PH_GRID_STRIDE, "SNN_PH_PROPAGATE", NULL,
     true},
    {"update", "neuron update: the neurons' code, the step's spikes of each thread block",
     PH_POPS, PH_THREADS, PH_UPDATE, false, NULL, NULL, "snn_update_%s(run, step, snn_t);\n",
     NULL, "snn_k_update", PH_GRID_UPDATE, "SNN_PH_UPDATE", NULL,
     true},
    {"post", "weight update models: on_post of the synapses onto the block's spiking targets, "
             "post_spike, post_dynamics",
     PH_PROJS, PH_THREADS, PH_UPDATE, false, plastic, NULL, "snn_plastic_post_%s(step, snn_t);\n",
     any_on_post, "snn_k_on_post", PH_GRID_STRIDE, NULL,
     "snn_k_on_post (on_post); post_spike and post_dynamics in snn_k_traces",
     false},
    {"gather", "the step's spikes of the thread blocks into the spike queue (MPI: the staging "
               "slot), counted and recorded; state recordings",
     PH_POPS, PH_SERIAL, PH_UPDATE, false, NULL, NULL, "snn_gather_%s(run, step);\n",
     NULL, NULL, PH_GRID_NONE, NULL,
     "in snn_k_update (queue) and snn_k_end_step (counts); state recordings: host "
     "snn_cu_step (snn_cu_gather)",
     true},
    {"exchange", "MPI: at the end of an exchange interval (or of the run), spikes to and from "
                 "the other ranks",
     PH_MODEL, PH_SERIAL, PH_UNTIMED, true, NULL, NULL,
     "/* the end of an exchange interval (or of the run): swap spikes with the other ranks */\n"
     "if ((step + 1) % run->interval == 0 || step + 1 == run->n_steps) {\n"
     "    const uint32_t snn_k = (uint32_t)(step % run->interval) + 1u;\n"
     "    snn_exchange(run, step + 1 - snn_k, snn_k);\n"
     "}\n",
     NULL, NULL, PH_GRID_NONE, NULL, "host model_step, after the step's kernels",
     true},
    {"pre", "weight update models: pre_spike of the sources that spiked (all ranks' spikes), "
            "pre_dynamics",
     PH_PROJS, PH_SERIAL, PH_UPDATE, false, plastic, NULL, "snn_plastic_pre_%s(step);\n",
     any_trace, "snn_k_traces", PH_GRID_TRACES, NULL,
     "snn_k_traces (pre and post code of the traces)",
     false},
    {"syn_dynamics", "synapse code 'dynamics': every synapse, each thread over its own block",
     PH_PROJS, PH_THREADS, PH_UPDATE, false, with_dynamics, NULL,
     "snn_syn_dynamics_%s(step, snn_t);\n",
     any_dynamics, "snn_k_syn_dynamics", PH_GRID_STRIDE, "SNN_PH_PLASTICITY", NULL,
     false},
    {"pre_inputs", "add_to_pre: the exact sums of the step's additions into each source "
                   "(thread blocks, then ranks), rounded once; read in the next step",
     PH_PROJS, PH_SERIAL, PH_UPDATE, false, with_add_pre, NULL, "snn_pre_inputs_%s(step);\n",
     any_add_pre, "snn_k_pre_inputs", PH_GRID_STRIDE, NULL, NULL,
     false},
    {"custom_update", "custom updates: each group that is due (run config custom_updates, "
                      "the model's every / at_end), its updates in file order",
     PH_MODEL, PH_SERIAL, PH_UPDATE, false, with_custom_updates, custom_update_calls, NULL,
     NULL, NULL, PH_GRID_NONE, NULL,
     "host snn_cu_step: the due groups' kernels after the step's kernels and state recordings "
     "(snn_k_cu_<update>, reductions snn_k_cur_<update>)",
     false},
    {"conn_update", "connectivity updates: each one that is due removes and adds synapses, "
                    "the column views patched as synapses go and come",
     PH_MODEL, PH_SERIAL, PH_UNTIMED, false, with_conn_updates, conn_update_calls, NULL,
     NULL, NULL, PH_GRID_NONE, NULL,
     "host snn_cu_step (snn_cu_conn_update): each due update's kernels snn_k_rw_<update>_* "
     "and the column rebuild, after the custom updates",
     false},
    {"end_step", "CUDA: spike counts, recording bookkeeping, the next step's queue slot",
     PH_MODEL, PH_SERIAL, PH_UNTIMED, false, NULL, NULL, NULL,
     NULL, "snn_k_end_step", PH_GRID_ONE, "SNN_PH_END", NULL,
     false},
    {"synrec", "synapse recordings with 'every': a snapshot of the synapses",
     PH_SYNRECS, PH_SERIAL, PH_UNTIMED, false, periodic_synrec, synrec_call, NULL,
     NULL, NULL, PH_GRID_NONE, NULL,
     "host model_step, after snn_cu_step: the C code's snapshot of the rows and the variable "
     "copied back from the device (model_syn_snapshot)",
     false},
    {"finite_check", "run config finite_check: the scan for non-finite neuron state",
     PH_MODEL, PH_SERIAL, PH_UNTIMED, false, NULL, NULL,
     "if (run->cfg->finite_check &&\n"
     "    ((step + 1) % run->cfg->finite_check == 0 || step + 1 == run->n_steps))\n"
     "    snn_check_finite(run, step);\n",
     NULL, NULL, PH_GRID_NONE, NULL,
     "host snn_cu_step (snn_cu_finite_check): snn_k_finite, snn_k_finite_take after the "
     "step's kernels",
     true},
};
const int phase_count = (int)(sizeof phase_table / sizeof phase_table[0]);

/* ---- helpers ------------------------------------------------------------------------- */

static int n_items(const Model *m, const Phase *ph)
{
    switch (ph->over) {
    case PH_POPS:
        return m->n_pops;
    case PH_PROJS:
        return m->n_projs;
    case PH_SYNRECS:
        return m->n_synrecs;
    case PH_MODEL:
        break;
    }
    return 1;
}

static const char *item_name(const Model *m, const Phase *ph, int i)
{
    return ph->over == PH_POPS ? m->pops[i]->name : ph->over == PH_PROJS ? m->projs[i]->name : "";
}

bool phase_active(const Model *m, const Phase *ph)
{
    if (!ph->c_call && !ph->c_code)
        return false;
    for (int i = 0; i < n_items(m, ph); i++)
        if (!ph->c_when || ph->c_when(m, i))
            return true;
    return false;
}

/* Print text with every line indented by ind (empty lines stay empty). */
static void put_indented(StrBuf *o, const char *text, int ind)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n)
            sb_printf(o, "%*s%.*s\n", ind, "", (int)n, p);
        else
            sb_puts(o, "\n");
        p += n + (nl ? 1 : 0);
    }
}

/* The calls of one phase, every line indented by ind. */
static void phase_calls(StrBuf *o, const Model *m, const Phase *ph, int ind)
{
    StrBuf t;
    sb_init(&t);
    for (int i = 0; i < n_items(m, ph); i++) {
        if (ph->c_when && !ph->c_when(m, i))
            continue;
        if (ph->c_code)
            ph->c_code(&t, m, i);
        else if (ph->over == PH_MODEL)
            sb_puts(&t, ph->c_call);
        else /* c_call with the item's name for %s */
            for (const char *c = ph->c_call; *c; c++) {
                if (c[0] == '%' && c[1] == 's') {
                    sb_puts(&t, item_name(m, ph, i));
                    c++;
                } else {
                    sb_printf(&t, "%c", *c);
                }
            }
    }
    if (ph->mpi_only)
        sb_puts(o, "#ifdef SNN_MPI\n");
    put_indented(o, t.buf ? t.buf : "", ind);
    if (ph->mpi_only)
        sb_puts(o, "#endif\n");
    sb_release(&t);
}

/* ---- the C back end ------------------------------------------------------------------- */

/* The step of the C back end.  Consecutive phases with part PH_THREADS form one parallel
 * region, a function of one thread block (the first is model_step_block, later ones
 * model_step_<first phase>), and <region>_b, the function of (block, step thread) that
 * snn_step_blocks (runtime/rt_pool.c) runs for every block on the run's step threads (the
 * blocks claimed: a late thread's are run by the others), or calls for the blocks in order
 * with one step thread (no system call per step).  Consecutive timed phases form one timed stretch:
 * worker 0's time in PH_DELIVER phases counts as delivery, the rest as update time. */
static void c_step(const Model *m, StrBuf *regions, StrBuf *body);

/* The phases c_step generates: [0, c_cut) (phases_c_step_lanes leaves out the tail). */
static int c_cut = -1;

/* A function body: text indented by 4, preprocessor lines at column 0. */
static void put_body(StrBuf *body, const char *text)
{
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        sb_printf(body, "%s%.*s\n", n && *p != '#' ? "    " : "", (int)n, p);
        p += n + (nl ? 1 : 0);
    }
}

static void c_window(const Model *m, StrBuf *regions);

void phases_c_step(const Model *m, StrBuf *regions, StrBuf *body)
{
    StrBuf b;
    sb_init(&b);
    c_step(m, regions, &b);
    put_body(body, b.buf ? b.buf : ""); /* model_step's body */
    sb_release(&b);
    if (c_cut < 0 && phases_c_window(m) > 1)
        c_window(m, regions);
}

/* ---- windows: several steps between two joins ----------------------------------------
 *
 * A spike of step s is first read in step s + D (D = emit_exchange_interval: the minimum
 * delay in steps).  So in the steps [f, f + n) of a window that lies within one interval
 * [kD, (k + 1)D) (the runtime cuts windows so), spike delivery reads only spikes of steps
 * before kD, all gathered (and exchanged between ranks) before the window: each thread block
 * can deliver into its own targets and update its own neurons for all n steps without
 * waiting for the other blocks, keeping each step's spikes apart (snn_tspk slot
 * step % SNN_WIN).  After the one parallel region the serial phases that work per step
 * (gather: queue, counts, spike recordings) run for each step of the window in order, and
 * the phases of the model (the MPI exchange, the finite check) once, as after the window's
 * last step, which is where their step conditions can be true (the runtime ends windows at
 * exchange and check boundaries).  A phase whose work needs the other blocks' state of the
 * same step (Phase.window false: plasticity, synapse dynamics, add_to_pre, custom updates,
 * connectivity updates, synapse recordings) or state recordings (the state of every step)
 * keep the join per step: phases_c_window returns 1 and no model_steps is generated. */
int phases_c_window(const Model *m)
{
    if (m->batch || m->n_varrecs > 0 || m->n_projs == 0)
        return 1; /* (no projections: nothing to deliver, and no delivery region) */
    for (int k = 0; k < phase_count; k++)
        if (phase_active(m, &phase_table[k]) && !phase_table[k].window)
            return 1;
    return emit_exchange_interval(m);
}

static void c_window(const Model *m, StrBuf *regions)
{
    StrBuf serial, tail;
    sb_init(&serial);
    sb_init(&tail);
    for (int k = 0; k < phase_count; k++) {
        const Phase *ph = &phase_table[k];
        if (!phase_active(m, ph) || !strcmp(ph->name, "exchange_due") || ph->part == PH_THREADS)
            continue; /* exchange_due: windows only without the overlapped exchange; the
                       * threaded phases (propagate, update: one region) are model_step_block */
        phase_calls(ph->over == PH_MODEL ? &tail : &serial, m, ph,
                    ph->over == PH_MODEL ? 4 : 12);
    }
    sb_puts(regions,
            "/* One step of thread block snn_t in a window: the per-step region's block function\n"
            " * (the threaded phases of a windowed model, propagate and update, are one region,\n"
            " * with the delivery timer), through a function kept out of the window's loop:\n"
            " * inlined into the loop, the phases took 10 % more instructions (GCC 12, brunel) */\n"
            "#if defined(__GNUC__)\n__attribute__((noinline))\n#endif\n"
            "static void model_window_step(snn_run *run, uint64_t step, int snn_t, double snn_t0,\n"
            "                              double *snn_td)\n{\n"
            "    model_step_block(run, step, snn_t, snn_t0, snn_td);\n}\n\n");
    sb_printf(regions,
              "/* A window of snn_n steps from snn_s0 (phases_c_window: within one interval of\n"
              " * SNN_WIN steps, the minimum delay): thread block snn_t's share of the phases\n"
              " * that need no join per step, step after step; worker 0 adds its delivery time\n"
              " * to *snn_td */\n"
              "static inline void model_window_block(snn_run *run, uint64_t snn_s0, uint32_t snn_n,\n"
              "                                      int snn_t, double *snn_td)\n"
              "{\n    (void)run;\n"
              "    for (uint64_t step = snn_s0; step < snn_s0 + snn_n; step++) {\n"
              "%s    }\n}\n\n",
              "        model_window_step(run, step, snn_t, snn_td ? snn_step_now() : 0, snn_td);\n");
    sb_puts(regions,
            "typedef struct snn_window_args {\n    snn_run *run;\n    uint64_t s0;\n"
            "    uint32_t n;\n    double *td;\n} snn_window_args;\n\n"
            "/* the window of thread block snn_t, on step thread snn_w (snn_step_blocks) */\n"
            "static void model_window_b(void *snn_a, int snn_t, int snn_w, int snn_first)\n{\n"
            "    const snn_window_args *snn_x = (const snn_window_args *)snn_a;\n"
            "    (void)snn_first;\n"
            "    if (snn_nthr == 1) { /* one block */\n"
            "        model_window_block(snn_x->run, snn_x->s0, snn_x->n, 0, snn_x->td);\n"
            "        return;\n    }\n"
            "    model_window_block(snn_x->run, snn_x->s0, snn_x->n, snn_t,\n"
            "                       snn_w == 0 ? snn_x->td : NULL);\n}\n\n");
    sb_printf(regions,
              "/* Steps [snn_s0, snn_s0 + snn_n) with one join of the step threads (the runtime's\n"
              " * step loop calls it for windows within one interval of SNN_WIN steps, ending at\n"
              " * exchange and finite-check boundaries): the blocks' region, then the serial\n"
              " * phases of each step in order, then the model's phases as after the last step */\n"
              "static void model_steps(snn_run *run, uint64_t snn_s0, uint32_t snn_n)\n{\n"
              "    {\n        const double snn_t0 = snn_step_now();\n        double snn_td = 0;\n"
              "        snn_window_args snn_x = {run, snn_s0, snn_n, &snn_td};\n"
              "        snn_step_blocks(run, model_window_b, &snn_x);\n"
              "        for (uint64_t step = snn_s0; step < snn_s0 + snn_n; step++) {\n"
              "%s        }\n"
              "        run->k_deliver += snn_td;\n"
              "        run->k_update += snn_step_now() - snn_t0 - snn_td;\n    }\n"
              "    const uint64_t step = snn_s0 + snn_n - 1u; /* the window's last step */\n"
              "    (void)step;\n%s}\n\n",
              serial.buf ? serial.buf : "", tail.buf ? tail.buf : "");
    sb_release(&serial);
    sb_release(&tail);
}

static void c_step(const Model *m, StrBuf *regions, StrBuf *body)
{
    int on[sizeof phase_table / sizeof phase_table[0]], n = 0; /* the active phases, in order */
    for (int k = 0; k < (c_cut >= 0 ? c_cut : phase_count); k++)
        if (phase_active(m, &phase_table[k]))
            on[n++] = k;
    int n_regions = 0, n_timed = 0;
    for (int a = 0; a < n;) {
        const Phase *ph = &phase_table[on[a]];
        if (ph->timer == PH_UNTIMED) {
            phase_calls(body, m, ph, 0);
            a++;
            continue;
        }
        /* a timed stretch: phases a .. b-1 */
        int b = a;
        bool deliver = false;
        while (b < n && phase_table[on[b]].timer != PH_UNTIMED)
            deliver |= phase_table[on[b++]].timer == PH_DELIVER;
        const int tk = n_timed++;
        sb_printf(body, "{\n    const double snn_t%d = snn_step_now();\n", tk);
        if (deliver)
            sb_puts(body, "    double snn_td = 0; /* thread 0's delivery time */\n");
        for (int c = a; c < b;) {
            const Phase *pc = &phase_table[on[c]];
            if (pc->part == PH_SERIAL) {
                phase_calls(body, m, pc, 4);
                c++;
                continue;
            }
            /* a parallel region: phases c .. d-1 */
            int d = c;
            bool rdeliver = false;
            while (d < b && phase_table[on[d]].part == PH_THREADS)
                rdeliver |= phase_table[on[d++]].timer == PH_DELIVER;
            const char *fn = n_regions++ ? arena_printf("model_step_%s", pc->name)
                                         : "model_step_block";
            /* the delivery region also gets the stretch's start and worker 0's delivery time */
            const char *extra = rdeliver ? ",\n                                    "
                                           "double snn_t0, double *snn_td"
                                         : "";
            sb_puts(regions, "/* Thread block snn_t's share of the phases");
            for (int e = c; e < d; e++)
                sb_printf(regions, "%s %s", e == c ? "" : ",", phase_table[on[e]].name);
            sb_printf(regions, ": on its own block of targets\n * (no block reads what "
                               "another writes: no barrier in between) */\n"
                               "static inline void %s(snn_run *run, uint64_t step, int snn_t%s)\n"
                               "{\n    (void)run;\n",
                      fn, extra);
            for (int e = c; e < d; e++) {
                const Phase *pe = &phase_table[on[e]];
                phase_calls(regions, m, pe, 4);
                if (pe->timer == PH_DELIVER &&
                    (e + 1 == d || phase_table[on[e + 1]].timer != PH_DELIVER))
                    sb_puts(regions,
                            "    if (snn_td)\n        *snn_td += snn_step_now() - snn_t0;\n");
            }
            sb_puts(regions, "}\n\n");
            /* the region as snn_step_blocks runs it: one block on one step thread */
            sb_printf(regions,
                      "/* %s as snn_step_blocks runs it: thread block snn_t on step thread\n"
                      " * snn_w (snn_first: that thread's first block of the region) */\n"
                      "static void %s_b(void *snn_a, int snn_t, int snn_w, int snn_first)\n{\n"
                      "    const snn_region_args *snn_x = (const snn_region_args *)snn_a;\n"
                      "    (void)snn_w;\n    (void)snn_first;\n"
                      "    if (snn_nthr == 1) { /* one block: as the one-thread step always was */\n"
                      "        %s(snn_x->run, snn_x->step, 0%s);\n"
                      "        return;\n"
                      "    }\n"
                      "    %s(snn_x->run, snn_x->step, snn_t%s);\n}\n\n",
                      fn, fn, fn, rdeliver ? ", snn_x->t0, snn_x->td" : "", fn,
                      rdeliver ? ",\n        snn_w == 0 && !snn_first ? snn_step_now() : snn_x->t0,\n"
                                 "        snn_w == 0 ? snn_x->td : NULL"
                               : "");
            sb_printf(body, "    {\n        snn_region_args snn_x = {run, step, %s};\n"
                            "        snn_step_blocks(run, %s_b, &snn_x);\n    }\n",
                      rdeliver ? arena_printf("snn_t%d, &snn_td", tk) : "0, NULL", fn);
            c = d;
        }
        if (deliver)
            sb_printf(body, "    const double snn_t%de = snn_step_now();\n"
                            "    run->k_deliver += snn_td;\n"
                            "    run->k_update += snn_t%de - snn_t%d - snn_td;\n}\n",
                      tk, tk, tk);
        else
            sb_printf(body, "    run->k_update += snn_step_now() - snn_t%d;\n}\n", tk);
        a = b;
    }
}

/* Batched models (docs/architecture.md "Batch lanes"): model_step is the phases before
 * 'custom_update', run for each lane in turn; the tail, from 'custom_update' on, runs after
 * every lane's step, each phase for all lanes before the next: a group of custom updates
 * for lanes 0, 1, ..., B-1 (so a batch reduction is complete before the next group reads
 * it), then the snapshots and checks of each lane. */
void phases_c_step_lanes(const Model *m, StrBuf *regions, StrBuf *body, StrBuf *tail)
{
    int cut = 0;
    while (cut < phase_count && strcmp(phase_table[cut].name, "custom_update") != 0)
        cut++;
    c_cut = cut;
    phases_c_step(m, regions, body);
    c_cut = -1;
    for (int k = cut; k < phase_count; k++) {
        const Phase *ph = &phase_table[k];
        if (!phase_active(m, ph))
            continue;
        if (k == cut) {
            for (int g = 0; g < m->n_cu_groups; g++)
                sb_printf(tail, "    if (snn_cupd_due(run, %d, step)) {\n"
                                "        for (uint32_t snn_l = 0; snn_l < snn_nlane; snn_l++) {\n"
                                "            snn_lane_select(run, snn_l);\n"
                                "            snn_cugroup_%s(run, step);\n        }\n"
                                "        if (snn_lanes_phantom(run)) { /* lanes over ranks: the "
                                "batch's last lane */\n"
                                "            run->lane_phantom = 1;\n"
                                "            snn_lane = snn_lane_batch_last(run); /* its draws */\n"
                                "            snn_cugroup_%s(run, step);\n"
                                "            run->lane_phantom = 0;\n"
                                "            snn_lane = run->lane_offset + snn_cur_lane;\n"
                                "        }\n    }\n", g,
                          m->cu_groups[g].name, m->cu_groups[g].name);
            continue;
        }
        if (!strcmp(ph->name, "conn_update")) { /* once for every lane: connectivity is
                                                   * shared (rewire.c, removals_lanes) */
            sb_puts(tail, "    snn_lane_select(run, 0); /* conn_update */\n");
            phase_calls(tail, m, ph, 4);
            continue;
        }
        sb_printf(tail, "    for (uint32_t snn_l = 0; snn_l < snn_nlane; snn_l++) { /* %s */\n"
                        "        snn_lane_select(run, snn_l);\n", ph->name);
        phase_calls(tail, m, ph, 8);
        sb_puts(tail, "    }\n");
    }
}

/* ---- the CUDA back end ---------------------------------------------------------------- */

bool phase_cuda_launched(const Model *m, const Phase *ph)
{
    return ph->cuda_kernel && (!ph->cuda_when || ph->cuda_when(m));
}

/* The template's kernel flags: for every phase with a kernel, a flag named after the
 * kernel (templates/cuda/model.cu.tmpl {{#snn_k_on_post}}..{{/snn_k_on_post}}), true when
 * snn_launch_step launches it, so a kernel is defined exactly when it is launched. */
void phases_cuda_flags(const Model *m, TmplScope *g)
{
    for (int k = 0; k < phase_count; k++)
        if (phase_table[k].cuda_kernel)
            tmpl_set_bool(g, phase_table[k].cuda_kernel, phase_cuda_launched(m, &phase_table[k]));
}

/* snn_launch_step's body: the kernels of one step in table order, with ev (sampled steps)
 * an event after the phases that carry one.  update_blocks: the grid of
 * the update kernel; trace_n: the neurons of the traces kernel. */
void phases_cuda_launch(const Model *m, StrBuf *o, const char *update_blocks,
                        const char *trace_n)
{
    phases_cuda_launch_mpi(m, o, update_blocks, trace_n, 0, 0);
}

/* The index of phase 'name' in the table. */
static int phase_index(const char *name)
{
    for (int k = 0; k < phase_count; k++)
        if (!strcmp(phase_table[k].name, name))
            return k;
    return -1;
}

void phases_cuda_launch_mpi(const Model *m, StrBuf *o, const char *update_blocks,
                            const char *trace_n, int part, unsigned mpi)
{
    const int xk = phase_index("exchange");
    if (part != 2)
        sb_puts(o, "if (ev)\n    SNN_CU(cudaEventRecord(ev[SNN_PH_START], snn_stream));\n");
    int last_mark = 0;
    for (int k = 0; k < phase_count; k++)
        if (phase_table[k].cuda_mark && (part != 1 || k < xk))
            last_mark = k;
    for (int k = 0; k < phase_count; k++) {
        const Phase *ph = &phase_table[k];
        if ((part == 1 && k > xk) || (part == 2 && k < xk))
            continue;
        if ((mpi & CUDA_MPI_XACC) && !strcmp(ph->name, "pre_inputs"))
            continue; /* launched by snn_cu_pre_inputs, after the sums over the ranks */
        if (phase_cuda_launched(m, ph)) {
            const char *grid = ph->grid == PH_GRID_UPDATE ? update_blocks
                               : ph->grid == PH_GRID_TRACES
                                   ? arena_printf("(%su + SNN_BLOCK - 1) / SNN_BLOCK", trace_n)
                               : ph->grid == PH_GRID_ONE ? "1" : "snn_grid";
            if (m->batch) /* batch lanes: gridDim.y = the lanes (docs/cuda.md "Batches") */
                grid = arena_printf("dim3(%s, snn_nlane)", ph->grid == PH_GRID_STRIDE ? "snn_lgrid"
                                                                                    : grid);
            sb_printf(o, "snn_dev::%s<<<%s, %s, 0, snn_stream>>>();\n", ph->cuda_kernel,
                      grid, ph->grid == PH_GRID_ONE ? "32" : "SNN_BLOCK");
            if (m->batch && !strcmp(ph->cuda_kernel, "snn_k_end_step")) /* after every lane's */
                sb_puts(o, "snn_dev::snn_k_next_step<<<1, 1, 0, snn_stream>>>();\n");
        }
        if (ph->cuda_mark) {
            if (k == last_mark && part == 0) /* the launches' errors, once */
                sb_puts(o, "SNN_CU(cudaGetLastError());\n");
            sb_printf(o, "if (ev)\n    SNN_CU(cudaEventRecord(ev[%s], snn_stream));\n",
                      ph->cuda_mark);
        }
    }
    if (part != 0)
        sb_puts(o, "SNN_CU(cudaGetLastError());\n");
}

/* The phases whose CUDA work is (also) on the host, keyed by the phase's name: after the
 * step's kernels in snn_cu_step (the .cu: a call of the phase's function in
 * templates/cuda/model.cu.tmpl), or in the host half's model_step (host.c), after
 * snn_cu_step.  phases_cuda_host walks them in the order of the phase table. */
static const struct {
    const char *phase;
    bool host_half;
    bool if_active; /* only for a model the phase has work in (phase_active) */
    const char *code;
} cuda_host_part[] = {
    {"gather", false, false, "snn_cu_gather(run, step);\n"},
    {"exchange", true, false,
     "/* the end of an exchange interval (or of the run): swap spikes with the other ranks */\n"
     "if ((step + 1) % SNN_INTERVAL == 0 || step + 1 == run->n_steps) {\n"
     "    const uint32_t snn_k = (uint32_t)(step % SNN_INTERVAL) + 1u;\n"
     "    snn_cu_exchange(run, step + 1 - snn_k, snn_k);\n"
     "}\n"},
    {"custom_update", false, true, "snn_cu_custom_update(run, step);\n"},
    {"conn_update", false, true, "snn_cu_conn_update(run, step);\n"},
    {"finite_check", false, false, "snn_cu_finite_check(run, step);\n"},
};

/* The CUDA back end's host part of a step, in table order: after_kernels (snn_cu_step in
 * the .cu, after snn_launch_step or the graph that holds the step: the host phases of the
 * device half) and host_step (the host half's model_step body: snn_cu_step, then the host
 * half's phases).  Everything snn_cu_step does precedes the host half's phases: the
 * exchange synchronises with the stream and reads the scan for non-finite state the
 * finite_check phase enqueued before it. */
void phases_cuda_host(const Model *m, StrBuf *after_kernels, StrBuf *host_step)
{
    phases_cuda_host_mpi(m, after_kernels, host_step, 0);
}

/* With CUDA_MPI_SPLIT (--mpi, presynaptic spike code: the pre phase needs every rank's
 * spikes of the step, exchanged every step) the exchange moves into snn_cu_step, between
 * snn_launch_step (the kernels before it) and snn_launch_late (those after it); with
 * CUDA_MPI_XACC (--mpi, add_to_pre) snn_cu_pre_inputs sums the exact accumulators over the
 * ranks and launches the pre_inputs kernel (docs/cuda.md "GPU + MPI"). */
void phases_cuda_host_mpi(const Model *m, StrBuf *after_kernels, StrBuf *host_step,
                          unsigned mpi)
{
    StrBuf h;
    sb_init(&h);
    sb_puts(&h, "snn_cu_step(run, step);\n");
    for (int k = 0; k < phase_count; k++) {
        const Phase *ph = &phase_table[k];
        if (!strcmp(ph->name, "synrec")) /* the host half: the C back end's calls */
            for (int i = 0; i < m->n_synrecs; i++)
                if (ph->c_when(m, i))
                    ph->c_code(&h, m, i);
        for (size_t j = 0; j < sizeof cuda_host_part / sizeof *cuda_host_part; j++) {
            if (strcmp(cuda_host_part[j].phase, ph->name) != 0 ||
                (cuda_host_part[j].if_active && !phase_active(m, ph)))
                continue;
            const bool split = (mpi & CUDA_MPI_SPLIT) && !strcmp(ph->name, "exchange");
            StrBuf *o = cuda_host_part[j].host_half && !split ? &h : after_kernels;
            if (ph->mpi_only)
                sb_puts(o, "#ifdef SNN_MPI\n");
            sb_puts(o, cuda_host_part[j].code);
            if (ph->mpi_only)
                sb_puts(o, "#endif\n");
            if (split)
                sb_puts(o, "snn_launch_late(snn_evs); /* the kernels after the exchange */\n");
        }
        if ((mpi & CUDA_MPI_XACC) && !strcmp(ph->name, "pre_inputs"))
            sb_puts(after_kernels, "snn_cu_pre_inputs(); /* add_to_pre: summed over the ranks */\n");
    }
    put_body(host_step, h.buf);
    sb_release(&h);
}

/* Is every entry of the CUDA host part a phase of the table (tests/unit/test_phases.c)? */
bool phases_cuda_host_valid(void)
{
    for (size_t j = 0; j < sizeof cuda_host_part / sizeof *cuda_host_part; j++) {
        int k = 0;
        while (k < phase_count && strcmp(phase_table[k].name, cuda_host_part[j].phase) != 0)
            k++;
        if (k == phase_count)
            return false;
    }
    return true;
}
