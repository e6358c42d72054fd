/*
 * rt_ckpt.h - checkpoints and restarts (rt_ckpt.c; docs/run.md "Checkpoints").  Internal to
 * the runtime: rt_main.c's run loop calls these.
 */
#ifndef SNNRT_CKPT_H
#define SNNRT_CKPT_H

#include "snnrt.h"

/* --restore DIR, before anything is built or written: read DIR/manifest.json, check the
 * format, the model hash, the snncc version, the back end, and the size and CRC-32 of
 * every file of this rank (of the old ranks r with r % ranks == rank when the checkpoint
 * was written on another number of ranks: rt_ckpt_load re-partitions it); sets cfg->seed to the
 * checkpoint's; returns the step the checkpoint was written after (the first step to run).
 * Anything wrong: snn_fatal naming the file and what differs (nothing has run). */
uint64_t rt_ckpt_open(const snn_model *m, snn_config *cfg, const char *dir, int rank, int ranks,
                      uint64_t n_steps);
/* After construction and the initial values: load the state of the checkpoint opened by
 * rt_ckpt_open into the model (and the run's spike counts); frees what it read. */
void rt_ckpt_load(const snn_model *m, snn_run *run);
/* Write a checkpoint of the state after 'step' steps into cfg->ckpt_dir, atomically (a
 * directory DIR.tmp-<step>, every file and the directory fsynced, then swapped with DIR).
 * Collective: every rank calls it at the same step.  A write that fails (a full disk)
 * prints a warning, leaves the previous checkpoint and returns -1; the run goes on. */
int rt_ckpt_write(const snn_model *m, snn_run *run, uint64_t step);
/* For run.json: where the run was restored from ("" if not) and at which step; the last
 * checkpoint written (its step, or UINT64_MAX) and how many were written. */
const char *rt_ckpt_restored_from(uint64_t *step);
/* The batch lanes of the checkpoint being restored (1 and 0 for one written before lanes
 * were stored); rt_lanes_plan compares them with the run's. */
void rt_ckpt_lanes(uint32_t *lanes, uint32_t *lane_offset);
uint64_t rt_ckpt_last(int *count);
/* The last checkpoint's write time (seconds, this rank) and bytes (this rank's files), and
 * the time the restore took to load the state (0 without). */
void rt_ckpt_timing(double *write_s, uint64_t *bytes, double *load_s);
/* CRC-32 (the zlib / PNG polynomial, reflected, 0xEDB88320), continued from crc. */
uint32_t rt_crc32(uint32_t crc, const void *data, size_t n);

#endif
