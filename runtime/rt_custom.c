/*
 * rt_custom.c - what the generated custom updates need from the runtime: the reductions
 * over the neurons of a population (across the MPI ranks) and scratch space for them.
 *
 * A sum is taken in one fixed order, the population's global neuron order, whatever the
 * number of ranks and threads: each rank's per-neuron terms (doubles) are gathered onto
 * every rank, and every rank adds all N of them from neuron 0 to N - 1.  One rank adds its
 * own N terms in that same order, so the result is bitwise the same for any decomposition
 * (docs/parallel.md, "Custom updates").  The custom updates run on the master thread, so
 * threads do not change the order either.  The cost is N doubles per rank and reduction,
 * small for the populations a softmax or a normalisation runs over (readouts).  A maximum
 * is exact in any order: an MPI_MAX all-reduce.
 */
#include "snnrt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef SNN_MPI
#include <mpi.h>
#endif

#define SNN_CU_SLOTS 64

static double *g_scratch[SNN_CU_SLOTS];
static size_t g_scratch_n[SNN_CU_SLOTS];
static double *g_all;     /* MPI: the gathered terms */
static size_t g_all_n;

double *snn_cupd_scratch(int slot, uint32_t n)
{
    if (slot < 0 || slot >= SNN_CU_SLOTS)
        snn_fatal("custom updates: reduction scratch slot %d out of range", slot);
    if (g_scratch_n[slot] < (size_t)n + 1) {
        free(g_scratch[slot]);
        g_scratch[slot] = malloc(sizeof(double) * ((size_t)n + 1));
        if (!g_scratch[slot])
            snn_fatal("out of memory for a custom update's reduction (%u values)", n);
        g_scratch_n[slot] = (size_t)n + 1;
    }
    return g_scratch[slot];
}

void snn_cupd_release(void)
{
    for (int k = 0; k < SNN_CU_SLOTS; k++) {
        free(g_scratch[k]);
        g_scratch[k] = NULL;
        g_scratch_n[k] = 0;
    }
    free(g_all);
    g_all = NULL;
    g_all_n = 0;
}

static double sum_in_order(const double *v, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += v[i];
    return s;
}

double snn_cupd_sum(snn_run *run, const double *local, uint32_t lo, uint32_t nl, uint32_t n)
{
    (void)lo;
    if (run->pranks <= 1)
        return sum_in_order(local, nl);
#ifdef SNN_MPI
    if (g_all_n < (size_t)n + 1) {
        free(g_all);
        g_all = malloc(sizeof(double) * ((size_t)n + 1));
        if (!g_all)
            snn_fatal("out of memory for a custom update's reduction (%u values)", n);
        g_all_n = (size_t)n + 1;
    }
    const int R = run->pranks;
    int *counts = malloc(sizeof(int) * 2 * (size_t)R);
    if (!counts)
        snn_fatal("out of memory for a custom update's reduction");
    int *displs = counts + R;
    for (int r = 0; r < R; r++) {
        uint32_t a, c;
        snn_partition(n, r, R, &a, &c);
        counts[r] = (int)c;
        displs[r] = (int)a;
    }
    MPI_Allgatherv(local, (int)nl, MPI_DOUBLE, g_all, counts, displs, MPI_DOUBLE,
                   MPI_COMM_WORLD);
    free(counts);
    return sum_in_order(g_all, n);
#else
    (void)n;
    return sum_in_order(local, nl);
#endif
}

double snn_cupd_max(snn_run *run, double local)
{
#ifdef SNN_MPI
    if (run->pranks > 1) {
        double out = local;
        MPI_Allreduce(&local, &out, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        return out;
    }
#endif
    (void)run;
    return local;
}
