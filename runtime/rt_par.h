/*
 * rt_par.h - the runtime's internal interface to parallel runs (rt_par.c); not installed.
 * Without SNN_MPI every function acts for a single rank.
 */
#ifndef SNNRT_PAR_H
#define SNNRT_PAR_H

#include "snnrt.h"

void rt_par_init(int *argc, char ***argv);
void rt_par_finalize(void);
int rt_par_rank(void);
int rt_par_ranks(void);
int rt_par_is_mpi(void);
/* Lanes over ranks (docs/parallel.md "Batch lanes over ranks"): every rank holds the whole
 * network, so the spike exchange and the partition's sums (rt_par_sum_u64, snn_sum_int64,
 * synapse positions) act for one rank; rt_par_rank/ranks, barriers, rt_par_any, stats and
 * failures stay the world's. */
void rt_par_data_parallel(void);
/* Lanes over ranks: each rank's n bytes (its lanes' values, lane-major) gathered on every
 * rank into all, the ranks' in rank order (= global lane order); counts[r] the bytes of
 * rank r.  Without MPI: a copy. */
void rt_par_gather_bytes(const void *mine, int n, void *all, const int *counts);
/* ranks on this node (collective over all ranks) */
int rt_par_local_ranks(void);
/* While on, failures are taken to be the same on every rank (reading the command line
 * and config): rank 0 reports, the others stay quiet for a few seconds, waiting for its
 * MPI_Abort. */
void rt_par_set_collective(int on);
int rt_par_collective(void);
/* For snn_fatal: before printing (may wait, see above; returns nonzero while failures are
 * the same on every rank), and instead of exit(1). */
int rt_par_quiet_failure(void);
__attribute__((noreturn)) void rt_par_fail_exit(void);

void rt_par_barrier(void);
/* min, median, max of v over the ranks (every rank gets them) */
void rt_par_stats(double v, double out[3]);
/* element-wise sums over the ranks, in place, on every rank */
void rt_par_sum_u64(uint64_t *v, int n);
/* nonzero on every rank when flag is nonzero on any */
int rt_par_any(int flag);
void rt_par_exchange_free(void);

/* Merge per-rank outputs (rank order, blocks of neurons) into files a single process would
 * have written: spike files (records ordered by time, then rank, which is neuron order)
 * into 'out'; variable recordings, rank r holding n_cols[r] of the columns (0: no file),
 * into 'out' row by row.  Return 0, or -1 with a message in err. */
int rt_par_merge_spikes(snn_recorder *out, char *const *paths, int n, char *err, size_t errlen);
int rt_par_merge_vars(snn_varrec *out, char *const *paths, const uint32_t *n_cols, int n,
                      int value_bytes, char *err, size_t errlen);
/* Synapse recordings: each rank's file ordered by (t, pre, post), the ranks holding
 * ascending ranges of targets; merged on (t, pre), ranks in order. */
int rt_par_merge_syn(snn_synrec *out, char *const *paths, int n, char *err, size_t errlen);

#endif
