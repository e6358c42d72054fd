/*
 * rt_lanes.h - batch lanes in the runtime (rt_lanes.c): not installed, not API.
 */
#ifndef SNNRT_LANES_H
#define SNNRT_LANES_H

#include "snnrt.h"

/* The run's lanes from the run config and the model, refusing what batches cannot do yet
 * (before anything is built or opened). */
void rt_lanes_plan(snn_run *run, const snn_model *m, const snn_config *cfg, int restore);
/* Lanes 1.. : their recorders, in dir/lane<b> (lane 0's are the run's own). */
void rt_lanes_open(snn_run *run, const snn_model *m, const char *dir, const int *recorded,
                   int value_bytes);
void rt_lanes_close(snn_run *run, const snn_model *m, int interrupted);
uint64_t rt_lane_spikes(const snn_run *run, uint32_t b, int p);
int rt_lane_final(const snn_run *run, uint32_t b, int q, uint64_t *sum);
/* Lanes over ranks, after the run (collective): every lane's spike counts and final
 * checksums on every rank; rt_lane_spikes and rt_lane_final then take the batch's lane. */
void rt_lanes_gather(snn_run *run, const snn_model *m);
void rt_lanes_free(snn_run *run);
/* The lane selected now (for messages), the run's lanes and its global lane. */
uint32_t rt_lane_now(uint32_t *lanes, uint32_t *global);

#endif
