/*
 * backend.c - the table of back ends: what -b/--backend NAME selects.
 */
#include "backend.h"

#include <string.h>

/* Each back end takes the common options and its own. */
static int emit_c_row(const Model *m, const char *dir, const BackendOptions *bo)
{
    return emit_c(m, dir, &bo->emit);
}

static int emit_cuda_row(const Model *m, const char *dir, const BackendOptions *bo)
{
    return emit_cuda(m, dir, &bo->emit, &bo->cuda);
}

static const Backend backends[] = {
    {
        .name = "c",
        .title = "C",
        .summary = "C for the CPU (default)",
        .emit = emit_c_row,
        .build = driver_build,
        .sources = {".c"},
        .intermediates = {NULL},
        .caps = BE_MPI | BE_MPI_PLASTIC | BE_RECORD_SYNAPSES | BE_ADD_TO | BE_DENSE_PLASTIC |
                BE_CUSTOM_UPDATES | BE_CONN_UPDATES | BE_MPI_CUSTOM | BE_BATCH |
                BE_MPI_CONN_UPDATES | BE_RECORD_ANY_SYNAPSES | BE_BATCH_LEARN |
                BE_CONN_UPDATE_DELAYS | BE_BATCH_DATASET | BE_BATCH_CONN_UPDATES,
    },
    {
        .name = "cuda",
        .title = "CUDA",
        .summary = "CUDA for NVIDIA GPUs: host C plus device code, built with nvcc",
        .emit = emit_cuda_row,
        .build = driver_build_cuda,
        .sources = {".c", ".cu"},
        .intermediates = {".o", ".cu.o"},
        /* synapse snapshots walk the host's rows; custom updates under MPI: the device's
         * per-rank terms of a reduction are combined on the host (custom.c, cu_cuda_one) */
        .caps = BE_MPI | BE_MPI_PLASTIC | BE_ADD_TO | BE_DENSE_PLASTIC | BE_CUSTOM_UPDATES | BE_CONN_UPDATES |
                BE_MPI_CUSTOM |
                BE_MPI_CONN_UPDATES | BE_RECORD_SYNAPSES | BE_BATCH | BE_BATCH_CUSTOM |
                BE_BATCH_DATASET | BE_BATCH_SYN | BE_BATCH_CUSTOM_SYN | BE_CONN_UPDATE_DELAYS |
                BE_BATCH_CONN_UPDATES,
    },
};

/* The first back end that has every capability in caps, for messages. */
static const char *one_that_can(unsigned caps)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if ((backends[i].caps & caps) == caps)
            return backends[i].title;
    return "no";
}

/* Lanes that run at once (BE_BATCH_SYN without BE_BATCH_LEARN: the device's): synapse code
 * of projection pj that writes a synapse{ shared = { ... } } variable, held once, which the
 * C back end's lanes write one after another (the last lane's write stays). */
static int refuse_shared_writes(const Backend *be, const Model *m, const Projection *pj)
{
    for (int v = 0; pj->syn && v < pj->syn->n_vars; v++) {
        if (!pj->syn->vars[v].shared)
            continue;
        for (int k = 0; k < SC_COUNT; k++)
            if (syn_code_desc[k].over == OVER_SYNAPSE &&
                code_may_assign(pj->syn_code[k].stmts, pj->syn->vars[v].name)) {
                diag_error(pj->loc, "projection '%s': synapse '%s' code '%s' writes the shared "
                           "variable '%s' in a batched model (network{ batch = %d }): the %s "
                           "back end's lanes run at once (the %s back end's one after another; "
                           "docs/%s.md \"Batches\")", pj->name, pj->syn->name,
                           syn_code_desc[k].name, pj->syn->vars[v].name, m->batch, be->name,
                           one_that_can(BE_BATCH_LEARN), be->name);
                return 1;
            }
    }
    return 0;
}

/* A batched model on a back end whose lanes run the neurons, static synapses, sources,
 * custom updates over neurons (BE_BATCH_CUSTOM) and synapses (BE_BATCH_CUSTOM_SYN), weight
 * update models (BE_BATCH_SYN) and spike and state recordings only (CUDA, docs/cuda.md
 * "Batches"): the rest (weight update models, custom updates, connectivity updates
 * (BE_BATCH_CONN_UPDATES),
 * synapse recordings, data sets, where the back end lacks them), with its line. */
static int refuse_lanes(const Backend *be, const Model *m)
{
    const char *why = arena_printf("the %s back end does not run it over batch lanes yet (the "
                                   "%s back end does; docs/%s.md \"Batches\")", be->name,
                                   one_that_can(BE_BATCH_LEARN), be->name);
    int errs = 0;
    for (int i = 0; i < m->n_projs && !(be->caps & BE_BATCH_SYN); i++)
        if (m->projs[i]->syn) {
            diag_error(m->projs[i]->loc, "projection '%s': a weight update model in a batched "
                       "model (network{ batch = %d }): %s", m->projs[i]->name, m->batch, why);
            errs++;
        }
    for (int i = 0; i < m->n_projs && (be->caps & BE_BATCH_SYN); i++)
        errs += refuse_shared_writes(be, m, m->projs[i]);
    for (int i = 0; i < m->n_cus; i++) {
        const CustomUpdate *cu = m->cus[i];
        if ((be->caps & BE_BATCH_CUSTOM) && cu->pop) /* over neurons: run over the lanes */
            continue;
        if ((be->caps & BE_BATCH_CUSTOM_SYN) && cu->proj) /* over synapses likewise */
            continue;
        if (be->caps & BE_BATCH_CUSTOM)
            diag_error(cu->loc, "custom_update '%s' over the synapses of projection '%s' in a "
                       "batched model (network{ batch = %d }): the %s back end runs custom "
                       "updates over neurons over batch lanes, not yet over synapses (the %s "
                       "back end does; docs/%s.md \"Batches\")", cu->name, cu->proj->name,
                       m->batch, be->name, one_that_can(BE_BATCH_LEARN), be->name);
        else
            diag_error(cu->loc, "custom_update '%s' in a batched model (network{ batch = %d "
                       "}): %s", cu->name, m->batch, why);
        errs++;
    }
    for (int i = 0; i < m->n_cupds && !(be->caps & BE_BATCH_CONN_UPDATES); i++) {
        diag_error(m->cupds[i]->loc, "connectivity_update '%s' in a batched model (network{ "
                   "batch = %d }): %s", m->cupds[i]->name, m->batch, why);
        errs++;
    }
    /* synapse recordings: per lane where the lanes' synapses are (BE_BATCH_SYN: each lane's
     * snapshot from its block, docs/cuda.md "Batches") */
    for (int i = 0; i < m->n_synrecs && !(be->caps & BE_BATCH_SYN); i++) {
        const SynRecord *r = m->synrecs[i];
        diag_error(r->loc, "record: %s '%s' variable '%s' in a batched model (network{ batch "
                   "= %d }): %s", r->cu ? "custom update" : "projection", synrec_owner(r),
                   synrec_var(r), m->batch, why);
        errs++;
    }
    for (int i = 0; i < m->n_pops && !(be->caps & BE_BATCH_DATASET); i++)
        if (m->pops[i]->model->dataset) {
            diag_error(m->pops[i]->loc, "population '%s': a spike_source_dataset in a batched "
                       "model (network{ batch = %d }): %s", m->pops[i]->name, m->batch, why);
            errs++;
        }
    return errs;
}

int backend_refuse(const Backend *be, const Model *m, bool mpi)
{
    int errs = 0;
    if (mpi && !(be->caps & BE_MPI)) {
        diag_error((SrcLoc){m->file, 0}, "--mpi: the %s back end cannot build MPI simulators "
                   "(the %s back end can)", be->name, one_that_can(BE_MPI));
        return 1;
    }
    if (m->batch && !(be->caps & BE_BATCH)) {
        diag_error(m->loc, "network{ batch = %d }: the %s back end does not support batches "
                   "yet: per-lane state, spike queues and recordings are not generated for "
                   "it (the %s back end does; docs/cuda.md \"Batches\")", m->batch, be->name,
                   one_that_can(BE_BATCH));
        return 1;
    }
    if (m->batch && mpi) {
        /* lanes over ranks (docs/parallel.md "Batch lanes over ranks"): every rank compiles
         * the single-process step and the MPI runtime splits the lanes, so what --mpi
         * refuses below (the neurons split over ranks) does not apply; the CUDA back end's
         * connectivity updates decide their removals by lane 0 on the device of each rank,
         * which holds another lane of the batch on every rank but the first */
        for (int i = 0; i < m->n_cupds && strcmp(be->name, "c") != 0; i++) {
            diag_error(m->cupds[i]->loc, "connectivity_update '%s' in a batched model (network{ "
                       "batch = %d }): --backend %s --mpi does not run connectivity updates "
                       "over lanes split over ranks yet (lane 0's values decide the removals, "
                       "and only rank 0 holds lane 0; the %s back end runs it)",
                       m->cupds[i]->name, m->batch, be->name,
                       one_that_can(BE_MPI_CONN_UPDATES | BE_BATCH_CONN_UPDATES));
            errs++;
        }
        mpi = false;
    }
    if (m->batch && !(be->caps & BE_BATCH_LEARN)) /* what the lanes cannot run yet */
        errs += refuse_lanes(be, m);
    if (mpi && !(be->caps & BE_MPI_PLASTIC))
        for (int i = 0; i < m->n_projs; i++)
            if (m->projs[i]->syn) {
                diag_error(m->projs[i]->loc, "projection '%s' has a weight update model "
                           "(synapse '%s'); --backend %s --mpi supports static synapses only "
                           "so far (the %s back end runs it with --mpi)", m->projs[i]->name,
                           m->projs[i]->syn->name, be->name, one_that_can(BE_MPI_PLASTIC));
                errs++;
            }
    if (!(be->caps & BE_ADD_TO))
        for (int i = 0; i < m->n_projs; i++) {
            const Projection *pj = m->projs[i];
            if (!pj->add_post && !pj->add_pre)
                continue;
            diag_error(pj->loc, "projection '%s': synapse '%s' calls %s; the %s back end does "
                       "not support add_to_post and add_to_pre yet (the %s back end does)",
                       pj->name, pj->syn->name,
                       pj->add_post && pj->add_pre ? "add_to_post and add_to_pre"
                       : pj->add_post              ? "add_to_post"
                                                   : "add_to_pre",
                       be->name, one_that_can(BE_ADD_TO));
            errs++;
        }
    if (!(be->caps & BE_DENSE_PLASTIC))
        for (int i = 0; i < m->n_projs; i++) {
            const Projection *pj = m->projs[i];
            if (pj->format != FORMAT_DENSE || !pj->syn)
                continue;
            diag_error(pj->format_loc, "projection '%s': format = \"dense\" with a weight "
                       "update model (synapse '%s'): the %s back end does not support it yet "
                       "(the %s back end does; format = \"sparse\" holds the same synapses)",
                       pj->name, pj->syn->name, be->name, one_that_can(BE_DENSE_PLASTIC));
            errs++;
        }
    if (!(be->caps & BE_RECORD_SYNAPSES))
        for (int i = 0; i < m->n_synrecs; i++) {
            const SynRecord *r = m->synrecs[i];
            diag_error(r->loc, "record: %s '%s' variable '%s': the %s back end cannot "
                       "record synapse variables yet (the %s back end can)",
                       r->cu ? "custom update" : "projection", synrec_owner(r), synrec_var(r),
                       be->name, one_that_can(BE_RECORD_SYNAPSES));
            errs++;
        }
    if ((be->caps & BE_RECORD_SYNAPSES) && !(be->caps & BE_RECORD_ANY_SYNAPSES))
        for (int i = 0; i < m->n_synrecs; i++) {
            /* the rows of a sparse projection are copied back for each snapshot */
            const SynRecord *r = m->synrecs[i];
            if (r->proj->format == FORMAT_SPARSE && !mpi)
                continue;
            diag_error(r->loc, "record: %s '%s' variable '%s': the %s back end records synapse "
                       "variables of sparse projections without --mpi only so far (%s; the %s "
                       "back end records it)", r->cu ? "custom update" : "projection",
                       synrec_owner(r), synrec_var(r), be->name,
                       mpi ? "--mpi" : arena_printf("projection '%s' has format = \"%s\"",
                                                   r->proj->name,
                                                   r->proj->format == FORMAT_DENSE ? "dense"
                                                                                  : "procedural"),
                       one_that_can(BE_RECORD_ANY_SYNAPSES));
            errs++;
        }
    if (mpi && (be->caps & BE_CUSTOM_UPDATES) && !(be->caps & BE_MPI_CUSTOM))
        for (int i = 0; i < m->n_cus; i++) {
            diag_error(m->cus[i]->loc, "custom_update '%s': --backend %s --mpi cannot run "
                       "custom updates yet (the %s back end runs them with --mpi)",
                       m->cus[i]->name, be->name, one_that_can(BE_MPI_CUSTOM));
            errs++;
        }
    if (!(be->caps & BE_CUSTOM_UPDATES))
        for (int i = 0; i < m->n_cus; i++) {
            diag_error(m->cus[i]->loc, "custom_update '%s': the %s back end cannot run custom "
                       "updates yet (the %s back end can)", m->cus[i]->name, be->name,
                       one_that_can(BE_CUSTOM_UPDATES));
            errs++;
        }
    if (!(be->caps & BE_CONN_UPDATES))
        for (int i = 0; i < m->n_cupds; i++) {
            diag_error(m->cupds[i]->loc, "connectivity_update '%s': the %s back end cannot run "
                       "connectivity updates (structural plasticity) yet (the %s back end can)",
                       m->cupds[i]->name, be->name, one_that_can(BE_CONN_UPDATES));
            errs++;
        }
    if ((be->caps & BE_CONN_UPDATES) && mpi && !(be->caps & BE_MPI_CONN_UPDATES))
        for (int i = 0; i < m->n_cupds; i++) {
            diag_error(m->cupds[i]->loc, "connectivity_update '%s': --backend %s --mpi cannot "
                       "run connectivity updates yet (the %s back end runs them with --mpi)",
                       m->cupds[i]->name, be->name, one_that_can(BE_MPI_CONN_UPDATES));
            errs++;
        }
    if ((be->caps & BE_CONN_UPDATES) && !(be->caps & BE_CONN_UPDATE_DELAYS))
        for (int i = 0; i < m->n_cupds; i++) {
            const Projection *pj = m->cupds[i]->proj;
            if (!pj || !pj->het_delay)
                continue;
            diag_error(m->cupds[i]->loc, "connectivity_update '%s': projection '%s' has "
                       "per-synapse delays, which the %s back end does not move with their "
                       "synapses yet (the %s back end does; docs/cuda.md \"Connectivity "
                       "updates\"); give it one delay", m->cupds[i]->name, pj->name, be->name,
                       one_that_can(BE_CONN_UPDATE_DELAYS));
            errs++;
        }
    return errs;
}

const Backend *backend_find(const char *name)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (!strcmp(backends[i].name, name))
            return &backends[i];
    return NULL;
}

const char *backend_names(void)
{
    static char buf[256];
    if (!buf[0])
        for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
            if (i)
                strcat(buf, ", ");
            strcat(buf, backends[i].name);
        }
    return buf;
}
