/* rt_train.h - the training loop (rt_train.c) as rt_main.c and rt_dataset.c call it. */
#ifndef SNN_RT_TRAIN_H
#define SNN_RT_TRAIN_H

#include <signal.h>

#include "snnrt.h"

int rt_train_on(const snn_config *cfg);
/* After the run config: read and check the data sets, groups, schedules and variables
 * against the model; sets run->n_steps to the whole run's steps. */
void rt_train_plan(const snn_model *m, snn_run *run);
/* From snn_dataset_apply(_lane) at the build: lane 'lane's table of the labels of every
 * position (batch), an empty feed. */
void rt_train_dataset(snn_run *run, const char *pop, uint32_t n, int classes, uint32_t lane,
                      snn_dataset_in *out);
/* The feed of one batch at position pos: example ex[b] in lane b for b < lanes, the
 * model's other lanes ex[0] again. */
void rt_train_feed(const snn_dataset *ds, const uint64_t *fs, const uint64_t *ex, int lanes,
                   uint64_t pos);
/* The loop; returns 0, or the signal that stopped it. show: the progress line. */
int rt_train_run(const snn_model *m, snn_run *run, volatile sig_atomic_t *stop,
                 uint64_t *steps_done, int show);
char *rt_train_json(void);
/* Checkpoints (docs/run.md "Checkpoints"): whether a training loop runs; its position and
 * metrics rows handed to fn (a checkpoint's pieces "train.position", "train.rows"); a
 * restore reads them with fn and feeds the batch running at the checkpoint again. */
int rt_train_active(void);
void rt_train_ckpt(snn_state_fn fn, void *ctx);
void rt_train_restore(snn_state_fn fn);
/* rt_main.c: after step 'step', the stop signal (0: go on), a checkpoint written first when
 * one is due; the training loop calls it after each of its steps (one process). */
int rt_step_poll(uint64_t step);
void rt_train_release(void);

#endif
