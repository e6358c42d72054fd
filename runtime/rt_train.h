/* rt_train.h - the training loop (rt_train.c) as rt_main.c and rt_dataset.c call it. */
#ifndef SNN_RT_TRAIN_H
#define SNN_RT_TRAIN_H

#include <signal.h>

#include "snnrt.h"

int rt_train_on(const snn_config *cfg);
/* After the run config: read and check the data sets, groups, schedules and variables
 * against the model; sets run->n_steps to the whole run's steps. */
void rt_train_plan(const snn_model *m, snn_run *run);
/* From snn_dataset_apply at the build: the labels of every position, an empty feed. */
void rt_train_dataset(snn_run *run, const char *pop, uint32_t n, int classes,
                      snn_dataset_in *out);
/* The feed of one batch: lanes examples ex[] of ds at position pos (lane b: position
 * pos + b); only lane 0 is fed while models have one lane. */
void rt_train_feed(const snn_dataset *ds, const uint64_t *fs, const uint64_t *ex, int lanes,
                   uint64_t pos);
/* The loop; returns 0, or the signal that stopped it. show: the progress line. */
int rt_train_run(const snn_model *m, snn_run *run, volatile sig_atomic_t *stop,
                 uint64_t *steps_done, int show);
char *rt_train_json(void);
void rt_train_release(void);

#endif
