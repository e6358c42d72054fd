/*
 * rt_lanes.c - batch lanes of a batched model (network{ batch = B }; docs/run.md "Batches").
 *
 * The generated code holds one copy of every per-lane array per lane and steps the lanes
 * one after another (docs/architecture.md "Batch lanes").  Here: how many lanes a run has
 * (the run config's batch, else the model's), what batches cannot do yet, and each lane's
 * recorders, spike counts and final checksums.  The run's own fields (run->rec, varrec,
 * synrec, spike_count, syn_final, has_final) are always those of the lane selected now;
 * snn_lane_io swaps them with the copies kept here for the other lanes.  Lane 0 records
 * where an unbatched run does; lane b >= 1 into <output>/lane<b>/ under the same names.
 */
#include "rt_lanes.h"
#include "rt_ckpt.h"
#include "rt_par.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int *lane_counts(const snn_run *run, size_t per_lane);
/* Lanes over ranks: every lane's counts and checksums, gathered (lane-major, in the
 * batch's lane order) so rank 0 reports each lane as one process does. */
static uint64_t *g_spk, *g_fin;
static int *g_has;
static void rt_lanes_release(void);

struct snn_lane_io {
    snn_recorder *rec[SNN_MAX_POPS];
    snn_varrec *varrec[SNN_MAX_POPS];
    snn_synrec *synrec[SNN_MAX_POPS];
    uint64_t spike_count[SNN_MAX_POPS];
    uint64_t syn_final[SNN_MAX_POPS];
    int has_final[SNN_MAX_POPS];
};

/* The model's populations, projections and recordings (only these entries are swapped:
 * the lane loop selects lanes B + 1 times a step). */
static int g_pops, g_projs, g_varrecs, g_synrecs;
/* The lane selected now, the lanes and the global lane of lane 0, for messages; lanes
 * over ranks: the batch's lanes and this rank's first. */
static uint32_t g_lane, g_lanes = 1, g_offset, g_first;

uint32_t rt_lane_now(uint32_t *lanes, uint32_t *global)
{
    *lanes = g_lanes;
    *global = g_offset + g_lane;
    return g_first + g_lane;
}

static void swap_in(snn_run *run, struct snn_lane_io *to, const struct snn_lane_io *from)
{
    /* to <- the run's (the lane leaving), the run's <- from (the lane coming) */
    const size_t np = (size_t)g_pops, nq = (size_t)g_projs;
    memcpy(to->rec, run->rec, sizeof *to->rec * np);
    memcpy(to->varrec, run->varrec, sizeof *to->varrec * (size_t)g_varrecs);
    memcpy(to->synrec, run->synrec, sizeof *to->synrec * (size_t)g_synrecs);
    memcpy(to->spike_count, run->spike_count, sizeof *to->spike_count * np);
    memcpy(to->syn_final, run->syn_final, sizeof *to->syn_final * nq);
    memcpy(to->has_final, run->has_final, sizeof *to->has_final * nq);
    memcpy(run->rec, from->rec, sizeof *run->rec * np);
    memcpy(run->varrec, from->varrec, sizeof *run->varrec * (size_t)g_varrecs);
    memcpy(run->synrec, from->synrec, sizeof *run->synrec * (size_t)g_synrecs);
    memcpy(run->spike_count, from->spike_count, sizeof *run->spike_count * np);
    memcpy(run->syn_final, from->syn_final, sizeof *run->syn_final * nq);
    memcpy(run->has_final, from->has_final, sizeof *run->has_final * nq);
}

void snn_lane_io(snn_run *run, uint32_t b)
{
    if (!run->lane_io || b == run->lane || b >= run->lanes)
        return;
    swap_in(run, &run->lane_io[run->lane], &run->lane_io[b]);
    run->lane = b;
    g_lane = b;
}

static void plan(snn_run *run, const snn_model *m, const snn_config *cfg, int restore);

/* A restore: the checkpoint's lanes are the run's (each lane's state is stored, lane-outer,
 * rt_ckpt.c snn_state_lane), and so is the global lane of lane 0 (the random numbers); the
 * ranks they are split over may differ (each lane's files are found by its number). */
void rt_lanes_plan(snn_run *run, const snn_model *m, const snn_config *cfg, int restore)
{
    plan(run, m, cfg, restore);
    if (!restore)
        return;
    uint32_t lanes, offset;
    rt_ckpt_lanes(&lanes, &offset);
    const char *where = cfg->batch_where[0] ? cfg->batch_where
                        : m->batch          ? "network{ batch }"
                                            : "--restore";
    if (lanes != run->lanes_all)
        snn_fatal("%s: --restore: the checkpoint '%s' holds %u batch lane%s, this run has %u: "
                  "restore it with batch %u", where, rt_ckpt_restored_from(NULL), lanes,
                  lanes == 1 ? "" : "s", run->lanes_all, lanes);
    const uint32_t base = run->lane_offset - run->lane_first; /* lane_offset of the run */
    if (offset != base)
        snn_fatal("%s: --restore: the checkpoint '%s' was written with lane_offset %u, this run "
                  "has %u: restore it with lane_offset %u",
                  cfg->lane_offset_where[0] ? cfg->lane_offset_where : where,
                  rt_ckpt_restored_from(NULL), offset, base, offset);
}

static void plan(snn_run *run, const snn_model *m, const snn_config *cfg, int restore)
{
    (void)restore; /* lanes over ranks restore on any number of ranks (rt_ckpt.c) */
    run->lanes = 1;
    run->lane = 0;
    run->lane_offset = cfg->lane_offset;
    run->lane_io = NULL;
    run->lanes_all = 1;
    run->lane_first = 0;
    g_pops = m->n_pops, g_projs = m->n_projs, g_varrecs = m->n_varrecs;
    g_synrecs = m->n_synrecs;
    if (!m->batch) { /* batch 1 is what an unbatched model runs */
        if (cfg->batch > 1)
            snn_fatal("%s: 'batch' needs a batched model: model '%s' has no network{ batch = B } "
                      "(docs/language.md \"Batches\")", cfg->batch_where, m->name);
        if (cfg->lane_offset)
            snn_fatal("%s: 'lane_offset' needs a batched model: model '%s' has no network{ "
                      "batch = B } (docs/language.md \"Batches\")", cfg->lane_offset_where,
                      m->name);
        return;
    }
    /* the run config's batch, the training loop's train.batch, the model's */
    run->lanes = cfg->batch                                       ? cfg->batch
                 : cfg->train.on && cfg->train.batch_where[0] ? (uint32_t)cfg->train.batch
                                                                  : (uint32_t)m->batch;
    const char *where = cfg->batch_where[0] ? cfg->batch_where : "network{ batch }";
    if ((uint64_t)run->lane_offset + run->lanes > 65536u)
        snn_fatal("%s: lanes %u .. %u are beyond the 65536 lanes of the random numbers "
                  "(lane_offset %u + batch %u)", cfg->lane_offset_where[0] ? cfg->lane_offset_where
                                                                           : where,
                  run->lane_offset, run->lane_offset + run->lanes - 1u, run->lane_offset,
                  run->lanes);
    run->lanes_all = run->lanes;
    if (run->ranks > 1) {
        /* lanes over ranks (docs/parallel.md "Batch lanes over ranks"): every rank holds the
         * whole network and a share of the lanes, rank r the next ones after rank r - 1's;
         * shares differ by at most one lane (the first B mod R ranks hold one more) */
        const uint32_t B = run->lanes, R = (uint32_t)run->ranks, r = (uint32_t)run->rank;
        if (B < R)
            snn_fatal("%s: batch %u on %d MPI ranks: a batched model splits its lanes over the "
                      "ranks (every rank holds the whole network, whose neurons are not split, "
                      "and at least one lane): give a batch of at least %d lanes, or run on at "
                      "most %u rank%s (docs/parallel.md \"Batch lanes over ranks\")", where, B,
                      run->ranks, run->ranks, B, B == 1 ? "" : "s");
        run->lane_first = r * (B / R) + (r < B % R ? r : B % R);
        run->lanes = B / R + (r < B % R);
        run->lane_offset += run->lane_first;
        run->prank = 0, run->pranks = 1;
        rt_par_data_parallel();
    }
    g_lane = 0, g_lanes = run->lanes_all, g_offset = run->lane_offset, g_first = run->lane_first;
    if (run->lanes_all == 1)
        return;
    run->lane_io = calloc(run->lanes, sizeof *run->lane_io);
    if (!run->lane_io)
        snn_fatal("out of memory for %u lanes", run->lanes);
}

void rt_lanes_open(snn_run *run, const snn_model *m, const char *dir, const int *recorded,
                   int value_bytes)
{
    for (uint32_t b = 1; b < run->lanes && run->lane_io; b++) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/lane%u", dir, run->lane_first + b); /* the batch's lane */
        if (snn_mkdirs(sub) != 0)
            snn_fatal("cannot create directory '%s': %s", sub, strerror(errno));
        struct snn_lane_io *l = &run->lane_io[b];
        for (int p = 0; p < m->n_pops; p++)
            if (recorded[p])
                l->rec[p] = snn_recorder_open(sub, m->pops[p].name);
        for (int k = 0; k < m->n_varrecs; k++) {
            uint32_t n = m->pops[m->varrecs[k].pop].n, c = m->varrecs[k].n_cols;
            l->varrec[k] = snn_varrec_open(sub, SNN_VARREC_PREFIX(m, &m->varrecs[k]),
                                           m->varrecs[k].var, c < n ? c : n, value_bytes);
        }
        for (int k = 0; k < m->n_synrecs; k++)
            l->synrec[k] = snn_synrec_open(sub, SNN_SYNREC_PREFIX(m, &m->synrecs[k]),
                                           m->synrecs[k].var, value_bytes);
    }
}

void rt_lanes_close(snn_run *run, const snn_model *m, int interrupted)
{
    for (uint32_t b = 1; b < run->lanes && run->lane_io; b++) {
        struct snn_lane_io *l = &run->lane_io[b];
        for (int p = 0; p < m->n_pops; p++) {
            if (!l->rec[p])
                continue;
            if (interrupted)
                snn_recorder_abort(l->rec[p]);
            snn_recorder_close(l->rec[p]);
            snn_recorder_free(l->rec[p]);
            l->rec[p] = NULL;
        }
        for (int k = 0; k < m->n_varrecs; k++) {
            if (!l->varrec[k])
                continue;
            if (interrupted)
                snn_varrec_abort(l->varrec[k]);
            snn_varrec_close(l->varrec[k]);
            snn_varrec_free(l->varrec[k]);
            l->varrec[k] = NULL;
        }
        for (int k = 0; k < m->n_synrecs; k++) {
            if (!l->synrec[k])
                continue;
            if (interrupted)
                snn_synrec_abort(l->synrec[k]);
            snn_synrec_close(l->synrec[k]);
            snn_synrec_free(l->synrec[k]);
            l->synrec[k] = NULL;
        }
    }
}

/* Lane b's spike count of population p and final checksum of projection q (the run's
 * fields hold lane run->lane's). */
uint64_t rt_lane_spikes(const snn_run *run, uint32_t b, int p)
{
    if (g_spk) /* gathered: b is the batch's lane */
        return g_spk[(size_t)b * (size_t)g_pops + (size_t)p];
    return !run->lane_io || b == run->lane ? run->spike_count[p] : run->lane_io[b].spike_count[p];
}

int rt_lane_final(const snn_run *run, uint32_t b, int q, uint64_t *sum)
{
    if (g_spk) {
        *sum = g_fin[(size_t)b * (size_t)g_projs + (size_t)q];
        return g_has[(size_t)b * (size_t)g_projs + (size_t)q];
    }
    if (!run->lane_io || b == run->lane) {
        *sum = run->syn_final[q];
        return run->has_final[q];
    }
    *sum = run->lane_io[b].syn_final[q];
    return run->lane_io[b].has_final[q];
}

static int *lane_counts(const snn_run *run, size_t per_lane)
{
    const int R = run->ranks;
    int *c = malloc(sizeof *c * (size_t)R);
    if (!c)
        snn_fatal("out of memory for the lanes' counts");
    const uint32_t B = run->lanes_all;
    for (int r = 0; r < R; r++)
        c[r] = (int)((B / (uint32_t)R + ((uint32_t)r < B % (uint32_t)R)) * per_lane);
    return c;
}

void rt_lanes_gather(snn_run *run, const snn_model *m)
{
    if (run->lanes_all == run->lanes || g_spk)
        return;
    const size_t np = (size_t)m->n_pops, nq = (size_t)m->n_projs, L = run->lanes;
    const size_t B = run->lanes_all;
    uint64_t *spk = calloc(L * np + 1, sizeof *spk), *fin = calloc(L * nq + 1, sizeof *fin);
    int *has = calloc(L * nq + 1, sizeof *has);
    uint64_t *all_spk = calloc(B * np + 1, sizeof *all_spk);
    uint64_t *all_fin = calloc(B * nq + 1, sizeof *all_fin);
    int *all_has = calloc(B * nq + 1, sizeof *all_has);
    if (!spk || !fin || !has || !all_spk || !all_fin || !all_has)
        snn_fatal("out of memory for the lanes' counts");
    for (uint32_t b = 0; b < L; b++) {
        for (size_t p = 0; p < np; p++)
            spk[b * np + p] = rt_lane_spikes(run, b, (int)p);
        for (size_t q = 0; q < nq; q++)
            has[b * nq + q] = rt_lane_final(run, b, (int)q, &fin[b * nq + q]);
    }
    int *c = lane_counts(run, np * sizeof *spk);
    rt_par_gather_bytes(spk, (int)(L * np * sizeof *spk), all_spk, c);
    free(c);
    c = lane_counts(run, nq * sizeof *fin);
    rt_par_gather_bytes(fin, (int)(L * nq * sizeof *fin), all_fin, c);
    free(c);
    c = lane_counts(run, nq * sizeof *has);
    rt_par_gather_bytes(has, (int)(L * nq * sizeof *has), all_has, c);
    free(c);
    g_spk = all_spk, g_fin = all_fin, g_has = all_has;
    free(spk), free(fin), free(has);
    g_pops = m->n_pops, g_projs = m->n_projs;
}

void rt_lanes_free(snn_run *run)
{
    rt_lanes_release();
    free(g_spk), free(g_fin), free(g_has);
    g_spk = g_fin = NULL, g_has = NULL;
    free(run->lane_io);
    run->lane_io = NULL;
}

/* ---- batch reductions over the lanes of all ranks ------------------------------------- */

#define LANE_SLOTS 64
static double *g_terms[LANE_SLOTS], *g_all_terms;
static size_t g_terms_n[LANE_SLOTS], g_all_n;

double *snn_lanes_terms(snn_run *run, int slot, uint64_t n)
{
    if (run->lanes_all == run->lanes)
        return NULL;
    if (slot < 0 || slot >= LANE_SLOTS)
        snn_fatal("batch reductions: slot %d out of range (at most %d batch-reduced variables "
                  "with lanes over ranks)", slot, LANE_SLOTS);
    size_t need = (size_t)n * run->lanes + 1;
    if (g_terms_n[slot] < need) {
        free(g_terms[slot]);
        g_terms[slot] = malloc(sizeof(double) * need);
        if (!g_terms[slot])
            snn_fatal("out of memory for a batch reduction's terms (%zu values)", need);
        g_terms_n[slot] = need;
    }
    return g_terms[slot];
}

void snn_lanes_reduce(snn_run *run, const double *terms, uint64_t n, int max, double *acc)
{
    const size_t B = run->lanes_all, need = (size_t)n * B + 1;
    if ((size_t)n * B * sizeof(double) > (size_t)0x7fffffff)
        snn_fatal("a batch reduction of %llu values x %zu lanes is beyond one MPI message",
                  (unsigned long long)n, B);
    if (g_all_n < need) {
        free(g_all_terms);
        g_all_terms = malloc(sizeof(double) * need);
        if (!g_all_terms)
            snn_fatal("out of memory for a batch reduction's terms (%zu values)", need);
        g_all_n = need;
    }
    int *c = lane_counts(run, (size_t)n * sizeof(double));
    rt_par_gather_bytes(terms, (int)((size_t)n * run->lanes * sizeof(double)), g_all_terms, c);
    free(c);
    for (uint64_t i = 0; i < n; i++) {
        double a = g_all_terms[i];
        for (size_t b = 1; b < B; b++) {
            const double t = g_all_terms[b * n + i];
            if (!max)
                a = a + t;
            else if (t > a)
                a = t;
        }
        acc[i] = a;
    }
}

static void rt_lanes_release(void)
{
    for (int k = 0; k < LANE_SLOTS; k++) {
        free(g_terms[k]);
        g_terms[k] = NULL;
        g_terms_n[k] = 0;
    }
    free(g_all_terms);
    g_all_terms = NULL;
    g_all_n = 0;
}
