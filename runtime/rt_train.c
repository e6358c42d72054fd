/*
 * rt_train.c - the training loop (run config train:, docs/run.md "Training loop").
 *
 * The runtime drives epochs -> batches -> examples over the time steps of one run: before
 * each example the data set population's spikes are replaced by the example's (a feed of
 * one batch at a time, model->ds_feed), the neuron state is reset when asked
 * (model->reset), the example's steps run, then the metrics are read (model->var) and the
 * custom-update groups of the boundaries run (model->cugroup): example_end, batch_end,
 * epoch_end; every_steps groups run periodically while training only.  Every K epochs the
 * test set runs with no training group.  Per epoch a row of metrics.csv (appended, so a
 * stopped run leaves complete rows and one marked interrupted), run.json's "training", a
 * PNG of the learning curves (gnuplot, when installed) and the saved variables (.npy,
 * written atomically).
 *
 * Steps are continuous: position P (the P-th batch presented, training or test) holds
 * steps [P L, (P + 1) L), L the example length, so the label of step s in lane b is
 * labels_b[s / L] as without a training loop, and random numbers never repeat across
 * examples.  A batched model (network{ batch = B }) runs a batch of B examples at once,
 * example b in lane b (fed, reset and read per lane: model->ds_feed, reset, var take the
 * lane); groups run for lanes 0 .. B-1 in turn (model->cugroup), so a batch_sum
 * reduction holds the whole batch's sum.  An epoch's last partial batch is dropped; the
 * test set's last batch runs its examples in the first lanes.
 *
 * train.validation holds out a stratified part of the training set (snn_dataset_split, a
 * function of the labels, the count and a seed): the epochs train on the rest (tr_idx),
 * and every evaluation runs the held-out examples (val_idx) before the test set.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include "rt_internal.h"
#include "rt_par.h"
#include "rt_train.h"
#include "snn_npy.h"
#include "snnrt.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef SNN_MPI
#include <mpi.h>
#endif

typedef struct tset {
    snn_dataset ds;
    uint64_t *fs; /* each spike's step within its example */
} tset;

typedef struct mrow {
    long epoch;
    double train_loss, train_acc, test_loss, test_acc, wall_s;
    int has_train, has_test, complete;
    double val_loss, val_acc; /* the validation split's (has_val) */
    int has_val;
} mrow;

typedef struct acc {
    double loss;
    uint64_t correct, n;
} acc;

/* The loop's position, a checkpoint's piece "train.position" (rt_train_ckpt): the epoch,
 * the phase (0 its training batches, 1 its evaluation), the batch's first example in the
 * phase, its position (batch slot), its examples, the accumulated metrics of the epoch,
 * the epoch's wall time so far, the last saved epoch and the metrics rows so far (the
 * piece "train.rows").  The shuffle is order(E, seed, epoch): nothing more to store.
 * Phase 2 is the validation split's evaluation (before the test set's, phase 1); the split
 * is a function of the config and the training set, so only its size and seed are kept,
 * to refuse a restore with another split. */
typedef struct tpos {
    int64_t epoch, phase;
    uint64_t index, pos, nb;
    acc tr, te;
    double wall;
    int64_t saved_epoch;
    uint64_t n_rows;
    acc va;                     /* the epoch's validation metrics (phase 2) */
    uint64_t val_n, val_seed;   /* the split, checked at a restore */
} tpos;

static struct {
    const snn_model *m;
    snn_run *run;
    const struct snn_train_set *tc;
    int pop;
    uint32_t n;
    tset train, test;
    int has_test;
    /* the validation split (train.validation): the held-out examples of the training set
     * and the trained ones (ascending; tr_idx NULL: all of them) */
    int has_val;
    uint64_t *val_idx, n_val, *tr_idx, n_tr, val_seed;
    uint32_t len;
    uint64_t n_pos, pos; /* positions: batches of B examples (slots of L steps) */
    uint32_t lanes;      /* B: the examples of a batch, one per lane */
    double *lane_m;      /* per lane of the batch: correct (0/1), loss, for the metrics */
    int32_t **labels;    /* per lane and position; the model's after build (it frees them) */
    uint32_t **examples;
    uint64_t **starts;   /* per lane: the current feed; the model's (it frees the last) */
    uint32_t **steps;
    int grp[SNN_MAX_TRAIN_GROUPS];
    int training_group[SNN_MAX_CUGROUPS];
    double *sched_ptr[SNN_MAX_TRAIN_SCHED];
    double sched_base[SNN_MAX_TRAIN_SCHED];
    int out_k, loss_k;
    int save_k[SNN_MAX_TRAIN_VARS];
    int keep_k[SNN_MAX_TRAIN_VARS];
    double *keep_v[SNN_MAX_TRAIN_VARS]; /* their values across a reset */
    uint64_t keep_n[SNN_MAX_TRAIN_VARS];
    int n_loaded;
    uint8_t *aux; /* the last synapse variable read: its ".targets" piece (var_fn) */
    size_t aux_n;
    char loaded[SNN_MAX_TRAIN_VARS][160];
    uint64_t *order, order_n; /* order_n entries, then a batch's examples */
    double *buf;
    uint64_t buf_n;
    pthread_mutex_t lock;
    mrow *rows;
    int n_rows;
    long saved_epoch;
    int png;            /* 1 written, 0 not yet, -1 no gnuplot */
    char csv[4200], png_path[4200]; /* within cmd below: 3 + 3 uses */
    tpos at;            /* where the loop is (a checkpoint's position) */
    acc *tr_live, *te_live, *va_live;
    double epoch_t0;    /* this process's start of the epoch (wall) */
    double wall_base;   /* the epoch's wall time before it (a restored epoch's) */
    int resume;         /* 1: restored from a checkpoint at position 'from' */
    tpos from;
    mrow *from_rows;
} T = {.lock = PTHREAD_MUTEX_INITIALIZER, .out_k = -1, .loss_k = -1, .saved_epoch = -1};

int rt_train_on(const snn_config *cfg) { return cfg->train.on; }

/* ---- variables by name ------------------------------------------------------------------ */

static int var_index(const snn_model *m, const char *name)
{
    for (int k = 0; k < m->n_vars; k++)
        if (!strcmp(m->vars[k].name, name))
            return k;
    return -1;
}

static void unknown_var(const snn_model *m, const char *where, const char *key, const char *name,
                        const char *kinds)
{
    const char *best = NULL;
    size_t bd = (size_t)-1, len = strlen(name);
    for (int k = 0; k < m->n_vars; k++) {
        size_t d = snn_edit_distance(name, m->vars[k].name);
        if (d < bd && d <= (len / 3 > 0 ? len / 3 : 1)) {
            bd = d;
            best = m->vars[k].name;
        }
    }
    if (best)
        snn_fatal("%s: '%s': the model has no %s '%s' (did you mean '%s'?)", where, key, kinds,
                  name, best);
    snn_fatal("%s: '%s': the model has no %s '%s' (names are <population, projection or custom "
              "update>.<variable>, e.g. '%s')", where, key, kinds, name,
              m->n_vars ? m->vars[0].name : "Out.V");
}

typedef struct vctx {
    double *v;
    uint64_t cap, n;
    int is_float, write;
} vctx;

static void var_fn(void *ctx, const char *name, int block, void *data, size_t bytes, int flags)
{
    (void)name;
    (void)block;
    vctx *c = ctx;
    if (flags & SNN_STATE_AUX) { /* a synapse variable's targets: kept for save_pairs */
        if (!c->write) {
            free(T.aux);
            T.aux = malloc(bytes + 1);
            if (!T.aux)
                snn_fatal("training: out of memory for the synapses' targets");
            memcpy(T.aux, data, bytes);
            T.aux_n = bytes;
        }
        return;
    }
    const size_t sz = c->is_float ? sizeof(float) : sizeof(double);
    uint64_t n = bytes / sz;
    c->n = n;
    if (n > c->cap)
        return;
    for (uint64_t i = 0; i < n; i++) {
        if (c->is_float) {
            float *f = data;
            if (c->write)
                f[i] = (float)c->v[i];
            else
                c->v[i] = f[i];
        } else {
            double *d = data;
            if (c->write)
                d[i] = c->v[i];
            else
                c->v[i] = d[i];
        }
    }
}

/* Variable k of lane 'lane' into T.buf (grown as needed); returns the count. */
static uint64_t var_read_lane(int k, uint32_t lane)
{
    vctx c = {T.buf, T.buf_n, 0, strcmp(T.m->precision, "float") == 0, 0};
    T.m->var(T.run, k, (int)lane, var_fn, &c);
    if (c.n > T.buf_n) {
        free(T.buf);
        T.buf_n = c.n;
        T.buf = malloc(sizeof *T.buf * (size_t)(c.n ? c.n : 1));
        if (!T.buf)
            snn_fatal("training: out of memory for variable '%s'", T.m->vars[k].name);
        c.v = T.buf;
        c.cap = T.buf_n;
        T.m->var(T.run, k, (int)lane, var_fn, &c);
    }
    return c.n;
}

/* lane 0's value (a variable held once: the one value) */
static uint64_t var_read(int k) { return var_read_lane(k, 0); }

static uint64_t var_write_lane(int k, const double *v, uint64_t n, uint32_t lane)
{
    vctx c = {(double *)v, n, 0, strcmp(T.m->precision, "float") == 0, 1};
    T.m->var(T.run, k, (int)lane, var_fn, &c);
    return c.n;
}

/* The lanes this process steps: T.lanes, or with lanes over MPI ranks this rank's share,
 * the batch's lanes first_lane() .. first_lane() + my_lanes() - 1 (docs/parallel.md "Batch
 * lanes over ranks"). */
static uint32_t my_lanes(void) { return T.run->lanes_all > 1 ? T.run->lanes : T.lanes; }
static uint32_t first_lane(void) { return T.run->lanes_all > 1 ? T.run->lane_first : 0; }

/* every lane's copy (a variable held once: written B times, the same value) */
static uint64_t var_write(int k, const double *v, uint64_t n)
{
    uint64_t r = 0;
    for (uint32_t b = 0; b < my_lanes(); b++)
        r = var_write_lane(k, v, n, b);
    return r;
}

/* The metric variable k (this rank's values in T.buf, *n of them) as all ranks' values in
 * global neuron order, the same on every rank (variables per neuron: blocks by rank). */
static uint64_t var_global(int k, uint64_t nl)
{
    if (T.run->pranks <= 1)
        return nl;
    const int kind = T.m->vars[k].kind;
    if (kind == 2)
        return nl; /* one value, the same on every rank */
    if (kind != 0)
        snn_fatal("training: metric variable '%s' with several MPI ranks: give a neuron "
                  "variable or a reduced custom-update variable", T.m->vars[k].name);
#ifdef SNN_MPI
    const uint32_t n = T.m->pops[T.m->vars[k].owner].n;
    const int R = T.run->pranks;
    double *all = malloc(sizeof *all * ((size_t)n + 1));
    int *counts = malloc(sizeof(int) * 2 * (size_t)R);
    if (!all || !counts)
        snn_fatal("training: out of memory for a metric");
    int *displs = counts + R;
    for (int r = 0; r < R; r++) {
        uint32_t a, c;
        snn_partition(n, r, R, &a, &c);
        counts[r] = (int)c;
        displs[r] = (int)a;
    }
    MPI_Allgatherv(T.buf, (int)nl, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
    free(counts);
    free(T.buf);
    T.buf = all;
    T.buf_n = n;
    return n;
#else
    return nl;
#endif
}

/* ---- .npy ------------------------------------------------------------------------------ */

/* is_float: 1 float32, 0 float64, 2 uint32 (whole numbers: a rewired projection's pairs) */
static int npy_write(const char *path, const double *v, uint64_t n, int is_float)
{
    char hdr[256];
    int h = snprintf(hdr, sizeof hdr, "{'descr': '<%s', 'fortran_order': False, 'shape': (%llu,), }",
                     is_float == 2 ? "u4" : is_float ? "f4" : "f8", (unsigned long long)n);
    size_t total = 10 + (size_t)h + 1;
    size_t pad = (64 - total % 64) % 64;
    size_t hl = (size_t)h + pad + 1;
    size_t sz = is_float ? 4 : 8;
    size_t bytes = 10 + hl + sz * (size_t)n;
    unsigned char *b = malloc(bytes);
    if (!b)
        return -1;
    memcpy(b, "\x93NUMPY\x01\x00", 8);
    b[8] = (unsigned char)(hl & 0xff);
    b[9] = (unsigned char)(hl >> 8);
    memcpy(b + 10, hdr, (size_t)h);
    memset(b + 10 + h, ' ', pad);
    b[10 + hl - 1] = '\n';
    for (uint64_t i = 0; i < n; i++) {
        if (is_float == 2) {
            uint32_t u = (uint32_t)v[i];
            memcpy(b + 10 + hl + 4 * i, &u, 4);
        } else if (is_float) {
            float f = (float)v[i];
            memcpy(b + 10 + hl + 4 * i, &f, 4);
        } else {
            memcpy(b + 10 + hl + 8 * i, &v[i], 8);
        }
    }
    int rc = snn_write_file_atomic(path, (const char *)b, bytes);
    free(b);
    return rc;
}

static void file_of(char *buf, size_t n, const char *dir, const char *var)
{
    snprintf(buf, n, "%s/%s.npy", dir, var);
    for (char *p = buf + strlen(dir) + 1; *p; p++)
        if (*p == '.' && strcmp(p, ".npy") != 0)
            *p = '_';
}

/* ---- the plan (before the build) ------------------------------------------------------- */

/* An IDX images file (Fashion-MNIST, docs/datasets.md): its name says so */
static int is_idx_images(const char *path)
{
    size_t n = strlen(path);
    return strstr(path, "-idx3-ubyte") != NULL || (n > 5 && !strcmp(path + n - 5, ".idx3"));
}

/* Set s from path: a NumPy directory, an HDF5 file, or IDX images whose labels file is
 * named alike ("images-idx3" -> "labels-idx1", as Fashion-MNIST's), latency-coded with the
 * encoding of datasets.<pop> (tau, threshold); the first 'limit' examples (0: all). */
static void read_set(tset *s, const char *path, const char *where, const char *key, double dt,
                     const struct snn_dataset_set *dc)
{
    char err[1600];
    int rc;
    if (is_idx_images(path)) {
        char labels[1100];
        if (access(path, R_OK) != 0) /* before the name's check: a mistyped file name */
            snn_fatal("%s: '%s': %s: %s", where, key, path, strerror(errno));
        const char *b = strrchr(path, '/');
        b = b ? b + 1 : path;
        const char *at = strstr(b, "images-idx3");
        if (!at)
            snn_fatal("%s: '%s': %s is an IDX images file, but its labels file cannot be "
                      "named from it (the training loop takes <name>-images-idx3-ubyte[.gz] "
                      "with <name>-labels-idx1-ubyte[.gz] beside it)", where, key, path);
        snprintf(labels, sizeof labels, "%.*slabels-idx1%s", (int)(at - path), path,
                 at + strlen("images-idx3"));
        rc = snn_dataset_read_idx(path, labels, dc ? dc->tau : 20.0, dc ? dc->threshold : 51.0,
                                  dc ? dc->limit : 0, T.n, INT32_MAX, &s->ds, err, sizeof err);
    } else {
        rc = snn_dataset_read(path, T.n, INT32_MAX, &s->ds, err, sizeof err);
    }
    if (rc != 0)
        snn_fatal("%s: '%s': %s", where, key, err);
    if (dc && dc->limit && dc->limit < s->ds.n_examples) { /* the first 'limit' examples */
        s->ds.n_examples = dc->limit;
        s->ds.n_spikes = s->ds.offsets[dc->limit];
    }
    s->fs = malloc(sizeof *s->fs * (size_t)(s->ds.n_spikes ? s->ds.n_spikes : 1));
    if (!s->fs)
        snn_fatal("training: out of memory for %llu spikes", (unsigned long long)s->ds.n_spikes);
    for (uint64_t k = 0; k < s->ds.n_spikes; k++) {
        if (snn_dataset_step(s->ds.times[k], dt, &s->fs[k]) != 0)
            snn_fatal("%s: '%s': %s: spike %llu has time %g ms, beyond the longest example "
                      "supported (4294967295 steps of %g ms)", where, key, path,
                      (unsigned long long)k, s->ds.times[k], dt);
    }
}

static uint64_t set_len(const tset *s)
{
    uint64_t len = 0;
    for (uint64_t k = 0; k < s->ds.n_spikes; k++)
        if (s->fs[k] + 1 > len)
            len = s->fs[k] + 1;
    return len;
}

static int group_index(const snn_model *m, const char *name)
{
    for (int g = 0; g < m->n_cugroups; g++)
        if (!strcmp(m->cugroups[g].name, name))
            return g;
    return -1;
}

static const char *const AT[] = {"example_end", "batch_end", "epoch_end", "every_steps"};

void rt_train_plan(const snn_model *m, snn_run *run)
{
    const snn_config *cfg = run->cfg;
    const struct snn_train_set *tc = &cfg->train;
    T.m = m;
    T.run = run;
    T.tc = tc;
    if (!m->var || !m->reset || !m->ds_feed || !m->cugroup) {
        if (m->train_refused)
            snn_fatal("%s: this simulator cannot run the training loop: %s", tc->where,
                      m->train_refused);
        snn_fatal("%s: the training loop needs the C back end (this simulator was built by the "
                  "%s back end)", tc->where, m->backend);
    }
    /* the data set population */
    T.pop = -1;
    int n_ds = 0;
    for (int i = 0; i < m->n_pops; i++)
        if (m->pops[i].spike_source == 2) {
            n_ds++;
            if (!tc->pop[0] || !strcmp(tc->pop, m->pops[i].name))
                T.pop = i;
        }
    if (!n_ds)
        snn_fatal("%s: the training loop needs a spike_source_dataset population in the model",
                  tc->where);
    if (!tc->train_path[0] && !tc->test_path[0])
        snn_fatal("%s: 'train' needs the data sets, e.g. train: { In: train_dir } and "
                  "test: { In: test_dir }", tc->where);
    if (T.pop < 0)
        snn_fatal("%s: '%s' is not a spike_source_dataset population of the model",
                  tc->train_where[0] ? tc->train_where : tc->test_where, tc->pop);
    T.n = m->pops[T.pop].n;
    for (int k = 0; k < cfg->n_datasets; k++)
        if (!strcmp(cfg->datasets[k].pop, tc->pop) && cfg->datasets[k].path[0])
            snn_fatal("%s: with a training loop the data sets are train.train and train.test; "
                      "leave datasets.%s.file out", cfg->datasets[k].where, tc->pop);
    if (tc->evaluate_only && !tc->test_path[0])
        snn_fatal("%s: 'evaluate_only' needs a test set (train.test: { %s: dir })", tc->where,
                  tc->pop);
    if (!tc->evaluate_only && !tc->train_path[0])
        snn_fatal("%s: 'train' needs a training set (train.train: { %s: dir }), or "
                  "evaluate_only: true", tc->where, tc->pop);
    const struct snn_dataset_set *dc = NULL; /* example length, encoding, limit */
    for (int k = 0; k < cfg->n_datasets; k++)
        if (!strcmp(cfg->datasets[k].pop, tc->pop))
            dc = &cfg->datasets[k];
    if (tc->train_path[0])
        read_set(&T.train, tc->train_path, tc->train_where, "train", m->dt, dc);
    if (tc->test_path[0]) {
        read_set(&T.test, tc->test_path, tc->test_where, "test", m->dt, dc);
        T.has_test = 1;
    }
    /* the lanes: train.batch, the run config's batch, or the model's network{ batch } */
    if (m->batch && cfg->batch && tc->batch_where[0] && (uint64_t)tc->batch != cfg->batch)
        snn_fatal("%s: 'train.batch' %ld and 'batch' %u (%s) differ: give one of them",
                  tc->batch_where, tc->batch, cfg->batch, cfg->batch_where);
    T.lanes = !m->batch ? (uint32_t)(tc->batch > 1 ? tc->batch : 1)
              : cfg->batch ? cfg->batch
              : tc->batch_where[0] ? (uint32_t)tc->batch
                                   : (uint32_t)m->batch;
    if (T.lanes > 1 && tc->train_path[0] && !tc->evaluate_only &&
        (uint64_t)T.lanes > T.train.ds.n_examples)
        snn_fatal("%s: 'batch' %u is larger than the training set (%llu examples in %s)",
                  tc->batch_where[0] ? tc->batch_where
                  : cfg->batch_where[0] ? cfg->batch_where : "network{ batch }",
                  T.lanes, (unsigned long long)T.train.ds.n_examples, tc->train_path);
    if (!m->batch && tc->batch > 1)
        snn_fatal("%s: 'batch' %ld needs a batched model: model '%s' has no network{ batch = B } "
                  "(docs/language.md \"Batches\"; a lane per example of a batch)",
                  tc->batch_where, tc->batch, m->name);
    /* the validation split: a held-out part of the training set (docs/run.md) */
    T.n_tr = T.train.ds.n_examples;
    if (tc->val_on) {
        if (tc->evaluate_only || !tc->train_path[0])
            snn_fatal("%s: 'train.validation' holds out a part of the training set: it needs "
                      "training (train.train, no evaluate_only)", tc->val_where);
        const uint64_t E = T.train.ds.n_examples;
        uint64_t V = tc->val_count > 0 ? (uint64_t)tc->val_count
                                       : (uint64_t)llround(tc->val_fraction * (double)E);
        if (tc->val_count > 0 && V >= E)
            snn_fatal("%s: 'train.validation.count' %llu must be smaller than the training set "
                      "(%llu examples in %s)", tc->val_where, (unsigned long long)V,
                      (unsigned long long)E, tc->train_path);
        if (tc->val_count <= 0 && (V == 0 || V >= E))
            snn_fatal("%s: 'train.validation.fraction' %g of the training set (%llu examples in "
                      "%s) holds out %llu: %s", tc->val_where, tc->val_fraction,
                      (unsigned long long)E, tc->train_path, (unsigned long long)V,
                      V ? "no example is left to train on" : "none; give a larger fraction");
        if (E - V < T.lanes)
            snn_fatal("%s: 'train.validation' holds out %llu of the %llu training examples, "
                      "leaving %llu, fewer than 'batch' %u", tc->val_where,
                      (unsigned long long)V, (unsigned long long)E,
                      (unsigned long long)(E - V), T.lanes);
        T.val_seed = tc->val_has_seed ? tc->val_seed : tc->has_seed ? tc->seed : cfg->seed;
        T.val_idx = malloc(sizeof *T.val_idx * (size_t)V);
        T.tr_idx = malloc(sizeof *T.tr_idx * (size_t)(E - V));
        if (!T.val_idx || !T.tr_idx ||
            snn_dataset_split(E, T.train.ds.labels, V, T.val_seed, T.val_idx, T.tr_idx) != 0)
            snn_fatal("training: out of memory for the validation split");
        T.has_val = 1;
        T.n_val = V;
        T.n_tr = E - V;
        T.at.val_n = V;
        T.at.val_seed = T.val_seed;
    }
    T.labels = calloc(T.lanes, sizeof *T.labels);
    T.lane_m = calloc(2 * (size_t)T.lanes + 1, sizeof *T.lane_m);
    T.examples = calloc(T.lanes, sizeof *T.examples);
    T.starts = calloc(T.lanes, sizeof *T.starts);
    T.steps = calloc(T.lanes, sizeof *T.steps);
    if (!T.labels || !T.examples || !T.starts || !T.steps || !T.lane_m)
        snn_fatal("training: out of memory for %u lanes", T.lanes);
    /* the example length: datasets.<pop>.example_steps / example_time, or the data's */
    uint64_t len = 0;
    if (dc && dc->example_steps)
        len = dc->example_steps;
    else if (dc && dc->example_time > 0)
        len = (uint64_t)llround(dc->example_time / m->dt);
    if (!len) {
        uint64_t a = tc->train_path[0] ? set_len(&T.train) : 0;
        uint64_t b = T.has_test ? set_len(&T.test) : 0;
        len = a > b ? a : b;
        if (!len)
            len = 1;
    } else {
        const tset *sets[2] = {tc->train_path[0] ? &T.train : NULL, T.has_test ? &T.test : NULL};
        for (int q = 0; q < 2; q++)
            for (uint64_t k = 0; sets[q] && k < sets[q]->ds.n_spikes; k++)
                if (sets[q]->fs[k] >= len)
                    snn_fatal("%s: %s: a spike at %g ms lies beyond the example length (%llu "
                              "steps of %g ms)", dc->where, q ? tc->test_path : tc->train_path,
                              sets[q]->ds.times[k], (unsigned long long)len, m->dt);
    }
    if (len > UINT32_MAX)
        snn_fatal("%s: examples of more than 4294967295 steps are not supported", tc->where);
    T.len = (uint32_t)len;
    /* the positions of the run */
    long epochs = tc->evaluate_only ? 0 : tc->epochs;
    uint64_t evals = 0;
    if (tc->evaluate_only)
        evals = 1;
    else if (tc->evaluate_every > 0)
        evals = (uint64_t)(epochs / tc->evaluate_every) +
                (epochs % tc->evaluate_every ? 1 : 0); /* and after the last epoch */
    /* batches: an epoch's last partial batch of training examples is dropped; the test
     * set's (and the validation split's) run with its examples in the first lanes (the
     * others repeat its first) */
    T.n_pos = (uint64_t)epochs * (tc->train_path[0] ? T.n_tr / T.lanes : 0) +
              evals * (T.has_test ? (T.test.ds.n_examples + T.lanes - 1) / T.lanes : 0) +
              evals * (T.has_val ? (T.n_val + T.lanes - 1) / T.lanes : 0);
    if (T.n_pos == 0)
        T.n_pos = 1;
    if ((double)T.n_pos * (double)len > 9e18)
        snn_fatal("%s: the run would be longer than 9e18 steps", tc->where);
    run->n_steps = T.n_pos * len;
    /* groups */
    for (int k = 0; k < tc->n_groups; k++) {
        const struct snn_train_group *tg = &tc->groups[k];
        int g = group_index(m, tg->name);
        if (g < 0) {
            const char *best = NULL;
            size_t bd = (size_t)-1, l = strlen(tg->name);
            char list[1024] = "";
            for (int q = 0; q < m->n_cugroups; q++) {
                size_t d = snn_edit_distance(tg->name, m->cugroups[q].name);
                if (d < bd && d <= (l / 3 > 0 ? l / 3 : 1))
                    bd = d, best = m->cugroups[q].name;
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", q ? ", " : "",
                         m->cugroups[q].name);
            }
            if (best)
                snn_fatal("%s: unknown custom-update group '%s' in 'train.groups.%s' (did you "
                          "mean '%s'? groups: %s)", tg->where, tg->name, AT[tg->at], best, list);
            snn_fatal("%s: unknown custom-update group '%s' in 'train.groups.%s' (groups: %s)",
                      tg->where, tg->name, AT[tg->at], m->n_cugroups ? list : "none");
        }
        T.grp[k] = g;
        T.training_group[g] = 1;
    }
    /* schedules: runtime parameters only */
    for (int k = 0; k < tc->n_sched; k++) {
        const struct snn_train_sched *s = &tc->sched[k];
        int r = 0;
        while (r < m->n_rparams && strcmp(m->rparams[r].name, s->param) != 0)
            r++;
        if (r == m->n_rparams) {
            const char *best = NULL;
            size_t bd = (size_t)-1, l = strlen(s->param);
            for (int q = 0; q < m->n_rparams; q++) {
                size_t d = snn_edit_distance(s->param, m->rparams[q].name);
                if (d < bd && d <= (l / 3 > 0 ? l / 3 : 1))
                    bd = d, best = m->rparams[q].name;
            }
            snn_fatal("%s: 'train.schedule': '%s' is not a runtime parameter of the model%s%s%s "
                      "(a schedule changes parameters declared with runtime = { ... })",
                      s->where, s->param, best ? " (did you mean '" : "", best ? best : "",
                      best ? "'?)" : "");
        }
        T.sched_ptr[k] = m->rparams[r].value;
        T.sched_base[k] = *m->rparams[r].value;
    }
    /* metrics and saved variables */
    if (tc->out_var[0]) {
        T.out_k = var_index(m, tc->out_var);
        if (T.out_k < 0)
            unknown_var(m, tc->out_where, "train.metrics.output", tc->out_var, "variable");
        int kind = m->vars[T.out_k].kind;
        if (kind != 0 && kind != 3)
            snn_fatal("%s: 'train.metrics.output': '%s' must be a variable per neuron (its "
                      "argmax is the prediction)", tc->out_where, tc->out_var);
    }
    if (tc->loss_var[0]) {
        T.loss_k = var_index(m, tc->loss_var);
        if (T.loss_k < 0)
            unknown_var(m, tc->loss_where, "train.metrics.loss", tc->loss_var, "variable");
    }
    for (int k = 0; k < tc->n_save; k++) {
        T.save_k[k] = var_index(m, tc->save_vars[k]);
        if (T.save_k[k] < 0)
            unknown_var(m, tc->save_var_where[k], "train.save.vars", tc->save_vars[k],
                        "variable");
    }
    for (int k = 0; k < tc->n_keep; k++) {
        T.keep_k[k] = var_index(m, tc->keep_vars[k]);
        if (T.keep_k[k] < 0)
            unknown_var(m, tc->keep_var_where[k], "train.keep", tc->keep_vars[k], "variable");
    }
    if (tc->n_save && !tc->save_dir[0])
        snn_fatal("%s: 'train.save' needs a directory: save: { dir: weights, vars: [...] }",
                  tc->save_where);
    uint64_t ne = T.train.ds.n_examples > T.test.ds.n_examples ? T.train.ds.n_examples
                                                                : T.test.ds.n_examples;
    T.order_n = ne;
    T.order = malloc(sizeof *T.order * (size_t)(ne + T.lanes)); /* the order, a batch */
    if (!T.order)
        snn_fatal("training: out of memory");
}

/* From snn_dataset_apply at the build: the labels for every position of the run, and an
 * empty feed (the loop feeds each batch). */
void rt_train_dataset(snn_run *run, const char *pop, uint32_t n, int classes, uint32_t lane,
                      snn_dataset_in *out)
{
    (void)run;
    if (lane >= T.lanes)
        snn_fatal("training: lane %u of %u lanes", lane, T.lanes);
    const tset *sets[2] = {T.tc->train_path[0] ? &T.train : NULL, T.has_test ? &T.test : NULL};
    for (int q = 0; q < 2 && lane == 0; q++)
        for (uint64_t k = 0; sets[q] && k < sets[q]->ds.n_examples; k++)
            if (sets[q]->ds.labels[k] >= classes)
                snn_fatal("%s: '%s': %s/labels.npy: example %llu has label %d, but population "
                          "'%s' declares classes = %d (labels 0 .. %d)",
                          q ? T.tc->test_where : T.tc->train_where, q ? "test" : "train",
                          q ? T.tc->test_path : T.tc->train_path, (unsigned long long)k,
                          sets[q]->ds.labels[k], pop, classes, classes - 1);
    T.labels[lane] = calloc((size_t)T.n_pos, sizeof **T.labels);
    T.examples[lane] = calloc((size_t)T.n_pos, sizeof **T.examples);
    T.starts[lane] = calloc((size_t)n + 1, sizeof **T.starts);
    T.steps[lane] = calloc(1, sizeof **T.steps);
    if (!T.labels[lane] || !T.examples[lane] || !T.starts[lane] || !T.steps[lane])
        snn_fatal("training: out of memory for %llu positions", (unsigned long long)T.n_pos);
    out->starts = T.starts[lane];
    out->steps = T.steps[lane];
    out->labels = T.labels[lane];
    out->examples = T.examples[lane];
    out->length = T.len;
    out->count = T.n_pos;
    out->start = 0;
}

/* ---- the feed ---------------------------------------------------------------------------- */

/* A batch of 'lanes' examples ex[] of data set ds at position pos (batch slot pos: steps
 * [pos L, (pos + 1) L)): lane b gets example ex[b] (its label table's position pos), the
 * lanes from 'lanes' on (a last partial batch) ex[0] again; the spikes from
 * snn_dataset_feed, lane by lane, handed to the model; the previous feeds freed. */
void rt_train_feed(const snn_dataset *ds, const uint64_t *fs, const uint64_t *ex, int lanes,
                   uint64_t pos)
{
    for (uint32_t b = 0; b < my_lanes(); b++) { /* lane b: the batch's lane first_lane() + b */
        const uint32_t g = first_lane() + b;
        const uint64_t e = ex[(int)g < lanes ? g : 0];
        if (pos < T.n_pos) {
            T.labels[b][pos] = ds->labels[e];
            T.examples[b][pos] = (uint32_t)e;
        }
        uint64_t *starts;
        uint32_t *steps;
        snn_dataset_feed(ds, fs, T.n, T.len, &e, 1, pos * T.len, &starts, &steps);
        /* start: the position the feed is for (the CUDA back end copies its label) */
        snn_dataset_in in = {starts, steps, T.labels[b], T.examples[b], T.len, T.n_pos, pos};
        T.m->ds_feed(T.run, T.pop, (int)b, &in);
        free(T.starts[b]);
        free(T.steps[b]);
        T.starts[b] = starts;
        T.steps[b] = steps;
    }
}

/* ---- metrics, curves, saving ------------------------------------------------------------- */

static void csv_row(FILE *f, const mrow *r)
{
    fprintf(f, "%ld,", r->epoch);
    if (r->has_train)
        fprintf(f, "%.17g,%.17g,", r->train_loss, r->train_acc);
    else
        fprintf(f, ",,");
    if (r->has_test)
        fprintf(f, "%.17g,%.17g,", r->test_loss, r->test_acc);
    else
        fprintf(f, ",,");
    if (r->has_val)
        fprintf(f, "%.17g,%.17g,", r->val_loss, r->val_acc);
    else if (T.has_val)
        fprintf(f, ",,");
    fprintf(f, "%.3f,%s\n", r->wall_s, r->complete ? "complete" : "interrupted");
}

static void add_row(const mrow *r)
{
    pthread_mutex_lock(&T.lock);
    mrow *nr = realloc(T.rows, sizeof *nr * (size_t)(T.n_rows + 1));
    if (nr) {
        T.rows = nr;
        T.rows[T.n_rows++] = *r;
    }
    pthread_mutex_unlock(&T.lock);
    if (T.run->rank != 0)
        return;
    FILE *f = fopen(T.csv, "a");
    if (!f)
        snn_fatal("cannot append to '%s': %s", T.csv, strerror(errno));
    csv_row(f, r);
    if (fclose(f) != 0)
        snn_fatal("cannot write '%s': %s", T.csv, strerror(errno));
}

/* The learning curves as a PNG with gnuplot (when installed; docs/run.md says why). */
static void curves(void)
{
    if (T.png < 0 || T.n_rows == 0 || T.run->rank != 0)
        return;
    if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
        T.png = -1;
        return;
    }
    char cmd[32768];
    /* with a validation split its columns 6 and 7 too */
    const char *vl = T.has_val ? ", '' using 1:6 with linespoints title 'validation'" : "";
    const char *va = T.has_val ? ", '' using 1:7 with linespoints title 'validation'" : "";
    snprintf(cmd, sizeof cmd,
             "gnuplot -e \"set terminal pngcairo size 900,420; set output '%s.tmp'; "
             "set datafile separator ','; set key autotitle columnhead; set multiplot layout 1,2; "
             "set xlabel 'epoch'; set title 'loss'; plot '%s' using 1:2 with linespoints title "
             "'train', '' using 1:4 with linespoints title 'test'%s; set title 'accuracy'; "
             "set yrange [0:1]; plot '%s' using 1:3 with linespoints title 'train', '' using 1:5 "
             "with linespoints title 'test'%s; unset multiplot\" >/dev/null 2>&1 && "
             "mv '%s.tmp' '%s'",
             T.png_path, T.csv, vl, T.csv, va, T.png_path, T.png_path);
    T.png = system(cmd) == 0 ? 1 : -1;
}

/* Several MPI ranks: variable k's layout over the ranks.  Neurons: rank r holds its block
 * of the population.  Synapses: for each source neuron, rank 0's row part, rank 1's, ...
 * (ranks hold ascending blocks of targets), *lens the ranks' counts per source (R x n_pre,
 * malloc'd).  Returns the global count. */
static uint64_t var_layout(int k, uint64_t nl, uint64_t **lens, uint32_t *n_pre)
{
    const snn_var_desc *v = &T.m->vars[k];
    *lens = NULL;
    *n_pre = 0;
    if (T.run->pranks <= 1 || v->kind == 2)
        return nl;
    if (v->kind == 0 || v->kind == 3)
        return T.m->pops[v->owner].n;
    const uint32_t np = T.m->pops[T.m->projs[v->owner].pre].n;
    const int R = T.run->pranks;
    uint64_t *mine = malloc(sizeof *mine * ((size_t)np + 1));
    uint64_t *all = malloc(sizeof *all * ((size_t)np * (size_t)R + 1));
    if (!mine || !all)
        snn_fatal("training: out of memory for the rows of '%s'", v->name);
    T.m->rows(T.run, v->owner, mine);
#ifdef SNN_MPI
    MPI_Allgather(mine, (int)np, MPI_UINT64_T, all, (int)np, MPI_UINT64_T, MPI_COMM_WORLD);
#endif
    free(mine);
    uint64_t g = 0;
    for (uint64_t i = 0; i < (uint64_t)np * (uint64_t)R; i++)
        g += all[i];
    *lens = all;
    *n_pre = np;
    return g;
}

/* Global values gv (file order) from every rank's local ones (T.buf, nl), or the reverse
 * (to_local: this rank's part of gv into T.buf). */
static void var_merge(int k, uint64_t nl, double *gv, const uint64_t *lens, uint32_t np,
                      int to_local)
{
    const snn_var_desc *v = &T.m->vars[k];
    const int R = T.run->pranks, me = T.run->prank;
    if (R <= 1 || v->kind == 2) {
        if (to_local)
            memcpy(T.buf, gv, sizeof *gv * (size_t)nl);
        else
            memcpy(gv, T.buf, sizeof *gv * (size_t)nl);
        return;
    }
    if (v->kind == 0 || v->kind == 3) {
        uint32_t lo, c;
        snn_partition(T.m->pops[v->owner].n, me, R, &lo, &c);
        if (to_local) {
            memcpy(T.buf, gv + lo, sizeof *gv * (size_t)nl);
            return;
        }
#ifdef SNN_MPI
        int *cnt = malloc(sizeof(int) * 2 * (size_t)R);
        if (!cnt)
            snn_fatal("training: out of memory");
        for (int r = 0; r < R; r++) {
            uint32_t a, b;
            snn_partition(T.m->pops[v->owner].n, r, R, &a, &b);
            cnt[r] = (int)b;
            cnt[R + r] = (int)a;
        }
        MPI_Gatherv(T.buf, (int)nl, MPI_DOUBLE, gv, cnt, cnt + R, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        free(cnt);
#endif
        return;
    }
    /* synapses: by source, the ranks' parts in rank order */
    if (to_local) {
        uint64_t at = 0, out = 0;
        for (uint32_t p = 0; p < np; p++)
            for (int r = 0; r < R; r++) {
                const uint64_t c = lens[(uint64_t)r * np + p];
                if (r == me)
                    memcpy(T.buf + out, gv + at, sizeof *gv * (size_t)c), out += c;
                at += c;
            }
        return;
    }
#ifdef SNN_MPI
    int *cnt = malloc(sizeof(int) * 2 * (size_t)R);
    uint64_t *cur = malloc(sizeof *cur * (size_t)R);
    uint64_t tot = 0;
    if (!cnt || !cur)
        snn_fatal("training: out of memory");
    for (int r = 0; r < R; r++) {
        uint64_t c = 0;
        for (uint32_t p = 0; p < np; p++)
            c += lens[(uint64_t)r * np + p];
        cnt[r] = (int)c;
        cnt[R + r] = (int)tot;
        cur[r] = tot;
        tot += c;
    }
    double *byrank = malloc(sizeof *byrank * (size_t)(tot ? tot : 1));
    if (!byrank)
        snn_fatal("training: out of memory");
    MPI_Gatherv(T.buf, (int)nl, MPI_DOUBLE, byrank, cnt, cnt + R, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (me == 0) {
        uint64_t out = 0;
        for (uint32_t p = 0; p < np; p++)
            for (int r = 0; r < R; r++) {
                const uint64_t c = lens[(uint64_t)r * np + p];
                memcpy(gv + out, byrank + cur[r], sizeof *gv * (size_t)c);
                out += c;
                cur[r] += c;
            }
    }
    free(byrank);
    free(cnt);
    free(cur);
#endif
}

/* A rewired projection (connectivity_update): the name of its update, NULL if none, and
 * the row capacity in *cap. */
static const char *rewired(int q, uint32_t *cap)
{
    const char *proj = T.m->projs[q].name;
    for (int k = 0; k < snn_rewire_count(); k++) {
        const snn_rewire_stats *s = snn_rewire_get(k);
        if (s && s->proj && !strcmp(s->proj, proj)) {
            if (cap)
                *cap = s->capacity;
            return s->name;
        }
    }
    return NULL;
}

/* <dir>/<proj>.pre.npy and .post.npy: the (source, target) pair of each synapse of
 * projection q in the order of its saved values, from the targets of the synapse variable
 * just read (T.aux, nl values here; lens, np: var_layout's). */
static void save_pairs(int q, uint64_t nl, uint64_t n, const uint64_t *lens, uint32_t np,
                       int k)
{
    const uint32_t n_pre = T.m->pops[T.m->projs[q].pre].n;
    size_t total = 0;
    uint32_t *tgt = T.aux ? snn_state_targets_decode(T.aux, T.aux_n, n_pre, &total) : NULL;
    if (!tgt || total != nl)
        snn_fatal("training: the synapses of projection '%s' could not be read (internal "
                  "error)", T.m->projs[q].name);
    for (uint64_t i = 0; i < nl; i++)
        T.buf[i] = tgt[n_pre + i];
    double *post = malloc(sizeof *post * (size_t)(n ? n : 1));
    double *pre = malloc(sizeof *pre * (size_t)(n ? n : 1));
    if (!post || !pre)
        snn_fatal("training: out of memory for the pairs of '%s'", T.m->projs[q].name);
    var_merge(k, nl, post, lens, np, 0);
    uint64_t at = 0;
    for (uint32_t i = 0; i < n_pre; i++) {
        uint64_t c = tgt[i];
        if (lens) {
            c = 0;
            for (int r = 0; r < T.run->pranks; r++)
                c += lens[(uint64_t)r * np + i];
        }
        for (uint64_t j = 0; j < c && at < n; j++)
            pre[at++] = i;
    }
    free(tgt);
    char path[1400];
    const char *side[2] = {"pre", "post"};
    for (int w = 0; w < 2 && T.run->rank == 0; w++) {
        snprintf(path, sizeof path, "%s/%s.%s.npy", T.tc->save_dir, T.m->projs[q].name,
                 side[w]);
        if (npy_write(path, w ? post : pre, n, 2) != 0)
            snn_fatal("cannot write '%s': %s", path, strerror(errno));
    }
    free(pre);
    free(post);
}

static void save_vars(long epoch)
{
    const struct snn_train_set *tc = T.tc;
    if (!tc->n_save)
        return;
    if (mkdir(tc->save_dir, 0777) != 0 && errno != EEXIST)
        snn_fatal("%s: cannot create '%s': %s", tc->save_where, tc->save_dir, strerror(errno));
    for (int k = 0; k < tc->n_save; k++) {
        const int q = T.save_k[k];
        uint64_t nl = var_read(q), *lens;
        uint32_t np;
        uint64_t n = var_layout(q, nl, &lens, &np);
        double *gv = malloc(sizeof *gv * (size_t)(n ? n : 1));
        if (!gv)
            snn_fatal("training: out of memory for '%s'", tc->save_vars[k]);
        var_merge(q, nl, gv, lens, np, 0);
        const snn_var_desc *vd = &T.m->vars[q];
        if ((vd->kind == 1 || vd->kind == 4) && vd->owner >= 0 && rewired(vd->owner, NULL)) {
            int done = 0; /* the pairs once per projection */
            for (int j = 0; j < k; j++)
                done |= T.m->vars[T.save_k[j]].owner == vd->owner &&
                        (T.m->vars[T.save_k[j]].kind == 1 || T.m->vars[T.save_k[j]].kind == 4);
            if (!done)
                save_pairs(vd->owner, nl, n, lens, np, q);
        }
        free(lens);
        char path[1400];
        file_of(path, sizeof path, tc->save_dir, tc->save_vars[k]);
        if (T.run->rank == 0 &&
            npy_write(path, gv, n, strcmp(T.m->precision, "float") == 0) != 0)
            snn_fatal("cannot write '%s': %s", path, strerror(errno));
        free(gv);
    }
    T.saved_epoch = epoch;
}

/* One of a rewired projection's pair files: its whole numbers into *v (malloc'd); the count. */
static uint64_t read_pairs(const char *path, const char *var, const char *proj, double **v)
{
    const struct snn_train_set *tc = T.tc;
    char err[1600];
    FILE *f = fopen(path, "rb");
    if (!f)
        snn_fatal("%s: 'train.load': '%s' is of projection '%s', which is rewired by a "
                  "connectivity update, and needs its synapses' pairs: %s is missing (train.save "
                  "writes <projection>.pre.npy and .post.npy)", tc->load_where, var, proj, path);
    snn_npy_info a;
    if (snn_npy_info_of(f, path, &a, err, sizeof err) != 0)
        snn_fatal("%s: 'train.load': %s", tc->load_where, err);
    if (a.ndim != 1 || (a.kind != 'u' && a.kind != 'i'))
        snn_fatal("%s: 'train.load': %s: a 1-d integer array is expected (dtype kind '%c', "
                  "%d dimensions)", tc->load_where, path, a.kind, a.ndim);
    unsigned char *b = malloc((size_t)a.size * (size_t)(a.count ? a.count : 1));
    *v = malloc(sizeof **v * (size_t)(a.count ? a.count : 1));
    if (!b || !*v || fread(b, (size_t)a.size, (size_t)a.count, f) != (size_t)a.count)
        snn_fatal("%s: 'train.load': cannot read the values of %s", tc->load_where, path);
    fclose(f);
    for (uint64_t i = 0; i < a.count; i++)
        (*v)[i] = snn_npy_value(b + i * (uint64_t)a.size, a.kind, a.size);
    free(b);
    return a.count;
}

/* A rewired projection q: its rows re-laid from <dir>/<proj>.pre.npy and .post.npy (sorted
 * by source, then target; each row within the capacity), each rank keeping its targets. */
static void load_pairs(int q, const char *var)
{
    const struct snn_train_set *tc = T.tc;
    const char *proj = T.m->projs[q].name;
    uint32_t cap = 0;
    rewired(q, &cap);
    if (!T.m->state)
        snn_fatal("%s: 'train.load': '%s' is of projection '%s', which is rewired by a "
                  "connectivity update: its saved synapses are loaded by the C back end only",
                  tc->load_where, var, proj);
    const uint32_t n_pre = T.m->pops[T.m->projs[q].pre].n;
    const uint32_t n_post = T.m->pops[T.m->projs[q].post].n;
    char pp[1400], tp[1400], both[2900], what[3400];
    snprintf(pp, sizeof pp, "%s/%s.pre.npy", tc->load_dir, proj);
    snprintf(tp, sizeof tp, "%s/%s.post.npy", tc->load_dir, proj);
    snprintf(both, sizeof both, "%s, %s", pp, tp);
    double *pre, *post;
    const uint64_t n = read_pairs(pp, var, proj, &pre);
    if (read_pairs(tp, var, proj, &post) != n)
        snn_fatal("%s: 'train.load': %s and %s have different lengths", tc->load_where, pp, tp);
    uint32_t *tgt = calloc((size_t)n_pre + (size_t)n + 1, sizeof *tgt);
    if (!tgt)
        snn_fatal("training: out of memory for the rows of '%s'", proj);
    for (uint64_t k = 0; k < n; k++) {
        const double i = pre[k], j = post[k];
        if (!(i >= 0 && i < n_pre) || !(j >= 0 && j < n_post))
            snn_fatal("%s: 'train.load': %s: synapse %llu is (%.17g, %.17g), outside projection "
                      "'%s' (%u sources, %u targets)", tc->load_where, both,
                      (unsigned long long)k, i, j, proj, n_pre, n_post);
        if (k && (i < pre[k - 1] || (i == pre[k - 1] && j <= post[k - 1])))
            snn_fatal("%s: 'train.load': %s: synapse %llu (%.17g, %.17g) is out of order: the "
                      "pairs must ascend by source, then by target, each pair once",
                      tc->load_where, both, (unsigned long long)k, i, j);
        if (++tgt[(uint32_t)i] > cap)
            snn_fatal("%s: 'train.load': %s: source %.17g has more than %u synapses, the row "
                      "capacity of projection '%s' (its max_row_length or row padding)",
                      tc->load_where, both, i, cap, proj);
        tgt[n_pre + k] = (uint32_t)j;
    }
    free(pre);
    free(post);
    snprintf(what, sizeof what, "%s: 'train.load': %s", tc->load_where, both);
    snn_relay_rows rr[2] = {{proj, what, tgt}, {NULL, NULL, NULL}};
    T.m->state(T.run, snn_state_relay, rr);
    free(tgt);
}

static void load_vars(void)
{
    const struct snn_train_set *tc = T.tc;
    if (!tc->load_dir[0])
        return;
    struct stat st;
    if (stat(tc->load_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        snn_fatal("%s: 'train.load': '%s' is not a directory", tc->load_where, tc->load_dir);
    char *pairs_done = calloc((size_t)T.m->n_vars + 1, 1);
    if (!pairs_done)
        snn_fatal("training: out of memory");
    for (int k = 0; k < T.m->n_vars; k++) {
        char path[1400], err[1600];
        file_of(path, sizeof path, tc->load_dir, T.m->vars[k].name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        const snn_var_desc *vd = &T.m->vars[k];
        if ((vd->kind == 1 || vd->kind == 4) && vd->owner >= 0 && rewired(vd->owner, NULL)) {
            int done = 0; /* the saved values belong to the saved synapses: those first */
            for (int j = 0; j < k; j++)
                done |= (T.m->vars[j].kind == 1 || T.m->vars[j].kind == 4) &&
                        T.m->vars[j].owner == vd->owner && pairs_done[j];
            if (!done)
                load_pairs(vd->owner, vd->name);
            pairs_done[k] = 1;
        }
        snn_npy_info a;
        if (snn_npy_info_of(f, path, &a, err, sizeof err) != 0)
            snn_fatal("%s: 'train.load': %s", tc->load_where, err);
        uint64_t nl = var_read(k), *lens;
        uint32_t np;
        uint64_t want = var_layout(k, nl, &lens, &np);
        if (a.ndim != 1 || a.count != want || a.kind != 'f') {
            fclose(f);
            snn_fatal("%s: 'train.load': %s: a 1-d float array of %llu values is expected for "
                      "'%s' (it has %llu values, dtype kind '%c')", tc->load_where, path,
                      (unsigned long long)want, T.m->vars[k].name, (unsigned long long)a.count,
                      a.kind);
        }
        unsigned char *b = malloc((size_t)a.size * (size_t)(want ? want : 1));
        if (!b || fread(b, (size_t)a.size, (size_t)want, f) != (size_t)want)
            snn_fatal("%s: 'train.load': cannot read the values of %s", tc->load_where, path);
        fclose(f);
        double *gv = malloc(sizeof *gv * (size_t)(want ? want : 1));
        if (!gv)
            snn_fatal("training: out of memory for '%s'", T.m->vars[k].name);
        for (uint64_t i = 0; i < want; i++)
            gv[i] = snn_npy_value(b + i * (uint64_t)a.size, a.kind, a.size);
        free(b);
        var_merge(k, nl, gv, lens, np, 1); /* this rank's part into T.buf */
        free(gv);
        free(lens);
        var_write(k, T.buf, nl);
        if (T.n_loaded < SNN_MAX_TRAIN_VARS)
            snprintf(T.loaded[T.n_loaded++], sizeof T.loaded[0], "%s", T.m->vars[k].name);
    }
    free(pairs_done);
    if (!T.n_loaded)
        snn_fatal("%s: 'train.load': '%s' holds no variable of the model (files are "
                  "<population or projection>_<variable>.npy, as train.save writes them)",
                  tc->load_where, tc->load_dir);
}

/* ---- the loop ---------------------------------------------------------------------------- */

static void run_groups(int at, uint64_t step)
{
    for (int k = 0; k < T.tc->n_groups; k++)
        if (T.tc->groups[k].at == at)
            T.m->cugroup(T.run, T.grp[k], step);
}

/* The state of lane b back to its initial values (reset: example), but for the variables
 * of train.keep (read before, written back after). */
static void reset_keeping(uint32_t b)
{
    for (int k = 0; k < T.tc->n_keep; k++) {
        uint64_t n = var_read_lane(T.keep_k[k], b);
        if (n > T.keep_n[k]) {
            free(T.keep_v[k]);
            T.keep_v[k] = malloc(sizeof(double) * (size_t)n);
            if (!T.keep_v[k])
                snn_fatal("training: out of memory for '%s'", T.tc->keep_vars[k]);
        }
        T.keep_n[k] = n;
        if (n)
            memcpy(T.keep_v[k], T.buf, sizeof(double) * (size_t)n);
    }
    T.m->reset(T.run, (int)b);
    for (int k = 0; k < T.tc->n_keep; k++)
        var_write_lane(T.keep_k[k], T.keep_v[k], T.keep_n[k], b);
}

/* One batch of set s: examples ex[0 .. nb-1] in lanes 0 .. nb-1 (nb <= B; the other lanes
 * run ex[0] again and are not counted); training: its groups run.  0, or the stop signal. */
static int batch(const tset *s, const uint64_t *ex, uint32_t nb, int training, acc *a,
                 volatile sig_atomic_t *stop, uint64_t *steps_done)
{
    const uint64_t pos = T.pos;
    T.at.pos = pos, T.at.nb = nb;
    uint64_t step = pos * T.len;
    if (T.resume) { /* restored in this batch: fed at the restore, its state loaded */
        T.resume = 0;
        step = *steps_done;
    } else {
        rt_train_feed(&s->ds, s->fs, ex, (int)nb, pos);
        if (T.tc->reset)
            for (uint32_t b = 0; b < my_lanes(); b++)
                reset_keeping(b);
    }
    for (; step < (pos + 1) * T.len; step++) {
        T.m->step(T.run, step);
        rt_steps_after(T.run, step, 0, 0);
        *steps_done = step + 1;
        /* the stop signal, and checkpoints (rt_main.c; several ranks: collective, every
         * rank at the same steps) */
        if (T.run->ranks == 1 || T.run->cfg->ckpt_dir[0]) {
            int sig = rt_step_poll(step);
            if (sig)
                return sig;
        }
    }
    if (T.run->ranks > 1) { /* all ranks stop after the same example */
        int sig = rt_par_any(*stop);
        (void)stop;
        if (sig)
            return sig;
    }
    T.pos++;
    /* the metrics: the state after the example's last step, before its groups; lane by
     * lane, each lane's loss summed over its neurons, then added in lane order (lanes over
     * ranks: each rank's lanes' values gathered, then added in the batch's lane order) */
    const uint32_t nm = my_lanes(), f0 = first_lane();
    for (uint32_t b = 0; b < nm; b++) {
        double *lv = T.lane_m + 2 * (size_t)(f0 + b); /* correct, loss */
        lv[0] = lv[1] = 0;
        if (f0 + b >= nb)
            continue;
        if (T.out_k >= 0) {
            uint64_t n = var_global(T.out_k, var_read_lane(T.out_k, b)), best = 0;
            for (uint64_t i = 1; i < n; i++)
                if (T.buf[i] > T.buf[best])
                    best = i;
            lv[0] = (int64_t)best == (int64_t)s->ds.labels[ex[f0 + b]];
        }
        if (T.loss_k >= 0) {
            uint64_t n = var_global(T.loss_k, var_read_lane(T.loss_k, b));
            double l = 0;
            for (uint64_t i = 0; i < n; i++)
                l += T.buf[i];
            lv[1] = l;
        }
    }
    if (nm < T.lanes) {
        const uint32_t R = (uint32_t)T.run->ranks;
        int *c = malloc(sizeof *c * R);
        if (!c)
            snn_fatal("training: out of memory");
        for (uint32_t r = 0; r < R; r++)
            c[r] = (int)((T.lanes / R + (r < T.lanes % R)) * 2 * sizeof(double));
        rt_par_gather_bytes(T.lane_m + 2 * (size_t)f0, (int)(nm * 2 * sizeof(double)),
                            T.lane_m, c);
        free(c);
    }
    for (uint32_t b = 0; b < nb; b++) {
        a->correct += T.lane_m[2 * (size_t)b] != 0;
        if (T.loss_k >= 0)
            a->loss += T.lane_m[2 * (size_t)b + 1];
        a->n++;
    }
    if (training) { /* the groups run for every lane (model->cugroup) */
        run_groups(SNN_TRAIN_EXAMPLE_END, step - 1);
        run_groups(SNN_TRAIN_BATCH_END, step - 1);
    }
    return 0;
}

/* The progress line on a terminal (at most 4 times a second, and at each phase's end): a
 * bar of the phase, the running accuracy and the ETA of the whole run. */
static void progress(int on, const char *phase, long epoch, long epochs, uint64_t k, uint64_t n,
                     const acc *a, double t0)
{
    static double shown;
    if (!on)
        return;
    const double now = snn_now();
    if (k < n && now - shown < 0.25)
        return;
    shown = now;
    double el = now - t0;
    double frac = T.n_pos ? (double)T.pos / (double)T.n_pos : 1;
    double eta = frac > 0 ? el / frac - el : -1;
    char acc_s[40] = "", eta_s[40], bar[24];
    if (T.out_k >= 0 && a->n)
        snprintf(acc_s, sizeof acc_s, ", accuracy %.1f%%",
                 100.0 * (double)a->correct / (double)a->n);
    if (!(eta >= 0) || eta > 1e9)
        snprintf(eta_s, sizeof eta_s, "?");
    else if (eta < 60)
        snprintf(eta_s, sizeof eta_s, "%.0f s", eta);
    else if (eta < 3600)
        snprintf(eta_s, sizeof eta_s, "%d min %02d s", (int)(eta / 60), (int)fmod(eta, 60));
    else
        snprintf(eta_s, sizeof eta_s, "%d h %02d min", (int)(eta / 3600),
                 (int)fmod(eta / 60, 60));
    int fill = n ? (int)(20 * k / n) : 20;
    for (int i = 0; i < 20; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr, "\r%s: epoch %ld/%ld %s [%s] %llu/%llu%s, ETA %s\033[K", T.m->name,
            epoch + 1, epochs, phase, bar, (unsigned long long)k, (unsigned long long)n, acc_s,
            eta_s);
    fflush(stderr);
}

static void set_training(int on)
{
    const struct snn_train_set *tc = T.tc;
    for (int g = 0; g < T.m->n_cugroups; g++)
        if (T.training_group[g]) {
            T.run->cu_every[g] = 0;
            T.run->cu_at_end[g] = 0;
        }
    for (int k = 0; k < tc->n_groups; k++)
        if (on && tc->groups[k].at == SNN_TRAIN_EVERY_STEPS)
            T.run->cu_every[T.grp[k]] = tc->groups[k].every;
}

/* An evaluation, no training group: the test set in file order (val 0), or the validation
 * split (val 1): its held-out training examples, ascending. */
static int evaluate(int val, acc *a, volatile sig_atomic_t *stop, uint64_t *steps_done,
                    long epoch, long epochs, int show, double t0)
{
    set_training(0);
    const uint64_t nt = val ? T.n_val : T.test.ds.n_examples;
    uint64_t *ex = T.order + T.order_n; /* the batch's examples */
    if (val)
        T.va_live = a;
    else
        T.te_live = a;
    T.at.phase = val ? 2 : 1;
    for (uint64_t k = T.resume ? T.from.index : 0; k < nt; k += T.lanes) {
        T.at.index = k;
        uint32_t nb = 0;
        for (; nb < T.lanes && k + nb < nt; nb++)
            ex[nb] = val ? T.val_idx[k + nb] : k + nb;
        int sig = batch(val ? &T.train : &T.test, ex, nb, 0, a, stop, steps_done);
        if (sig)
            return sig;
        progress(show, val ? "validation" : "test", epoch, epochs, k + nb, nt, a, t0);
    }
    return 0;
}

int rt_train_run(const snn_model *m, snn_run *run, volatile sig_atomic_t *stop,
                 uint64_t *steps_done, int show)
{
    const struct snn_train_set *tc = T.tc;
    (void)m;
    snprintf(T.csv, sizeof T.csv, "%s/metrics.csv", run->cfg->output);
    snprintf(T.png_path, sizeof T.png_path, "%s/curves.png", run->cfg->output);
    if (run->ranks > 1 && (run->overlap || (run->interval && T.len % run->interval != 0)))
        snn_fatal("%s: with several MPI ranks the example length (%u steps) must be a multiple "
                  "of the spike exchange interval (%u steps), without overlap", tc->where, T.len,
                  run->interval);
    FILE *f = run->rank == 0 ? fopen(T.csv, "w") : NULL;
    if (run->rank == 0 &&
        (!f ||
         fputs(T.has_val ? "epoch,train_loss,train_accuracy,test_loss,test_accuracy,"
                           "validation_loss,validation_accuracy,wall_s,status\n"
                         : "epoch,train_loss,train_accuracy,test_loss,test_accuracy,wall_s,status\n",
               f) < 0 ||
         fclose(f) != 0))
        snn_fatal("cannot write '%s': %s", T.csv, strerror(errno));
    if (T.has_val && run->rank == 0) { /* the held-out examples (training set indices) */
        char path[4200];
        snprintf(path, sizeof path, "%s/validation.npy", run->cfg->output);
        double *v = malloc(sizeof *v * (size_t)T.n_val);
        if (!v)
            snn_fatal("training: out of memory");
        for (uint64_t k = 0; k < T.n_val; k++)
            v[k] = (double)T.val_idx[k];
        if (npy_write(path, v, T.n_val, 2) != 0)
            snn_fatal("cannot write '%s': %s", path, strerror(errno));
        free(v);
    }
    T.buf_n = 1;
    T.buf = malloc(sizeof *T.buf);
    if (T.resume) { /* the checkpoint's rows first: this metrics.csv holds the whole run's */
        T.saved_epoch = (long)T.from.saved_epoch;
        for (uint64_t k = 0; k < T.from.n_rows; k++)
            add_row(&T.from_rows[k]);
        free(T.from_rows);
        T.from_rows = NULL;
    } else {
        load_vars(); /* (restored: the checkpoint's values) */
    }
    const double t0 = snn_now();
    const long epochs = tc->evaluate_only ? 1 : tc->epochs;
    uint64_t seed = tc->has_seed ? tc->seed : run->seed;
    int sig = 0;
    if (tc->evaluate_only) {
        acc te = T.resume ? T.from.te : (acc){0};
        T.at.epoch = 0;
        T.epoch_t0 = snn_now();
        T.wall_base = T.from.wall;
        mrow r = {0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
        sig = evaluate(0, &te, stop, steps_done, 0, 1, show, t0);
        r.test_loss = te.n ? te.loss / (double)te.n : NAN;
        r.test_acc = te.n ? (double)te.correct / (double)te.n : NAN;
        r.wall_s = snn_now() - t0 + (T.from.wall);
        r.complete = !sig;
        add_row(&r);
    }
    for (long e = T.resume ? (long)T.from.epoch : 0; !tc->evaluate_only && e < epochs && !sig;
         e++) {
        const double te0 = snn_now();
        const int resumed = T.resume; /* this epoch was restored in the middle */
        T.at.epoch = e;
        T.epoch_t0 = te0;
        T.wall_base = resumed ? T.from.wall : 0;
        for (int k = 0; k < tc->n_sched; k++) {
            const struct snn_train_sched *s = &tc->sched[k];
            *T.sched_ptr[k] = s->n ? s->values[e < s->n ? e : s->n - 1]
                                   : T.sched_base[k] * pow(s->factor, (double)(e / s->every));
        }
        set_training(1);
        acc tr = {0}, te = {0}, va = {0};
        if (resumed)
            tr = T.from.tr, te = T.from.te, va = T.from.va;
        T.tr_live = &tr, T.te_live = &te, T.va_live = &va;
        const uint64_t ne = T.n_tr; /* the trained examples: tr_idx[] with a validation split */
        /* the epoch's order, once; batch q: its examples q B .. q B + B - 1 in lanes
         * 0 .. B-1, the last partial batch dropped (drop_last) */
        uint64_t oe = UINT64_MAX;
        uint64_t *ex = T.order + T.order_n;
        const uint64_t used = ne / T.lanes * T.lanes;
        /* restored in the evaluation: of the test set (phase 1) or the validation split (2) */
        const int in_eval = resumed && T.from.phase >= 1;
        T.at.phase = 0;
        for (uint64_t j = resumed ? T.from.index : 0; j < used && !sig && !in_eval;
             j += T.lanes) {
            T.at.index = j;
            for (uint32_t b = 0; b < T.lanes; b++) {
                ex[b] = snn_dataset_example(ne, tc->shuffle, seed, (uint64_t)e * ne + j + b,
                                            T.order, &oe);
                if (T.tr_idx)
                    ex[b] = T.tr_idx[ex[b]];
            }
            sig = batch(&T.train, ex, T.lanes, 1, &tr, stop, steps_done);
            progress(show, "train", e, epochs, j + T.lanes, used, &tr, t0);
        }
        if (!sig && !in_eval)
            run_groups(SNN_TRAIN_EPOCH_END, *steps_done - 1);
        mrow r = {e + 1, tr.n ? tr.loss / (double)tr.n : NAN,
                 tr.n ? (double)tr.correct / (double)tr.n : NAN, NAN, NAN, 0, tr.n > 0, 0, 0,
                 NAN, NAN, 0};
        int eval = !sig && (T.has_test || T.has_val) && tc->evaluate_every > 0 &&
                   ((e + 1) % tc->evaluate_every == 0 || e + 1 == epochs);
        /* the validation split first, then the test set; a restore in one of them goes on
         * there (T.resume: on in evaluate's first batch) */
        if (eval && T.has_val && !(in_eval && T.from.phase == 1)) {
            if (in_eval)
                set_training(0), T.resume = 1;
            sig = evaluate(1, &va, stop, steps_done, e, epochs, show, t0);
        }
        if (eval && T.has_test && !sig) {
            if (in_eval && T.from.phase == 1)
                set_training(0), T.resume = 1;
            sig = evaluate(0, &te, stop, steps_done, e, epochs, show, t0);
        }
        if (eval) {
            r.has_test = te.n > 0;
            r.test_loss = te.n ? te.loss / (double)te.n : NAN;
            r.test_acc = te.n ? (double)te.correct / (double)te.n : NAN;
            r.has_val = va.n > 0;
            r.val_loss = va.n ? va.loss / (double)va.n : NAN;
            r.val_acc = va.n ? (double)va.correct / (double)va.n : NAN;
        }
        r.wall_s = snn_now() - te0 + (resumed ? T.from.wall : 0);
        r.complete = !sig;
        if (T.out_k < 0)
            r.train_acc = r.test_acc = r.val_acc = NAN;
        if (T.loss_k < 0)
            r.train_loss = r.test_loss = r.val_loss = NAN;
        add_row(&r);
        if (!sig && (e + 1 == epochs || (tc->save_every > 0 && (e + 1) % tc->save_every == 0)))
            save_vars(e + 1);
        if (!sig)
            curves();
    }
    if (sig)
        curves();
    if (show)
        fprintf(stderr, "\n");
    T.tr_live = T.te_live = T.va_live = NULL; /* (the accumulators were this function's) */
    return sig;
}

/* ---- checkpoints ------------------------------------------------------------------------ */

int rt_train_active(void) { return T.tc != NULL; }

/* The loop's position for a checkpoint (rt_ckpt_write calls it after the model's state,
 * from inside a batch's step loop: T.at is the batch running). */
void rt_train_ckpt(snn_state_fn fn, void *ctx)
{
    tpos at = T.at;
    if (T.tr_live)
        at.tr = *T.tr_live;
    if (T.te_live)
        at.te = *T.te_live;
    if (T.va_live)
        at.va = *T.va_live;
    at.wall = T.wall_base + (snn_now() - T.epoch_t0);
    at.saved_epoch = T.saved_epoch;
    pthread_mutex_lock(&T.lock);
    at.n_rows = (uint64_t)T.n_rows;
    fn(ctx, "train.position", -1, &at, sizeof at, 0);
    fn(ctx, "train.rows", -1, T.rows, sizeof *T.rows * (size_t)T.n_rows, 0);
    pthread_mutex_unlock(&T.lock);
}

/* A restore (rt_ckpt_load, before the model's state): the position and the rows read with
 * fn, then the batch running at the checkpoint fed again (its spikes; the cursors are then
 * set for the checkpoint's step by the model's state); rt_train_run goes on from there. */
void rt_train_restore(snn_state_fn fn)
{
    tpos *f = &T.from;
    fn(NULL, "train.position", -1, f, sizeof *f, 0);
    if (f->val_n != T.n_val || f->val_seed != T.val_seed)
        snn_fatal("--restore: the checkpoint's validation split (%llu examples, seed %llu) is "
                  "not this run's (%llu examples, seed %llu): give the restoring run the same "
                  "train.validation", (unsigned long long)f->val_n,
                  (unsigned long long)f->val_seed, (unsigned long long)T.n_val,
                  (unsigned long long)T.val_seed);
    if (f->epoch < 0 || f->phase < 0 || f->phase > 2 || (f->phase == 2 && !T.has_val) ||
        f->nb < 1 || f->nb > T.lanes || f->pos >= T.n_pos)
        snn_fatal("--restore: the checkpoint's training position (epoch %lld, phase %lld, "
                  "batch %llu of %u examples, position %llu) does not fit this training run "
                  "(%llu positions, batch %u): give the restoring run the same train: config",
                  (long long)f->epoch, (long long)f->phase, (unsigned long long)f->index,
                  (unsigned)f->nb, (unsigned long long)f->pos, (unsigned long long)T.n_pos,
                  T.lanes);
    T.from_rows = calloc((size_t)f->n_rows + 1, sizeof *T.from_rows);
    if (!T.from_rows)
        snn_fatal("out of memory restoring the training loop");
    fn(NULL, "train.rows", -1, T.from_rows, sizeof *T.from_rows * (size_t)f->n_rows, 0);
    const struct snn_train_set *tc = T.tc;
    uint64_t *ex = T.order + T.order_n;
    const tset *set = f->phase == 1 ? &T.test : &T.train;
    if (f->phase == 0) {
        const uint64_t ne = T.n_tr;
        const uint64_t seed = tc->has_seed ? tc->seed : T.run->seed;
        uint64_t oe = UINT64_MAX;
        for (uint32_t b = 0; b < T.lanes; b++) {
            ex[b] = snn_dataset_example(ne, tc->shuffle, seed,
                                        (uint64_t)f->epoch * ne + f->index + b, T.order, &oe);
            if (T.tr_idx)
                ex[b] = T.tr_idx[ex[b]];
        }
    } else if (f->phase == 2) {
        for (uint32_t b = 0; b < f->nb; b++)
            ex[b] = T.val_idx[f->index + b];
    } else {
        for (uint32_t b = 0; b < f->nb; b++)
            ex[b] = f->index + b;
    }
    rt_train_feed(&set->ds, set->fs, ex, (int)f->nb, f->pos);
    T.pos = f->pos;
    T.resume = 1;
}

/* run.json's "training" (NULL: no training loop); malloc'd. */
char *rt_train_json(void)
{
    if (!T.tc)
        return NULL;
    pthread_mutex_lock(&T.lock);
    size_t cap = 1024 + (size_t)T.n_rows * 384 + (size_t)T.n_loaded * 200;
    char *s = malloc(cap);
    if (!s) {
        pthread_mutex_unlock(&T.lock);
        return NULL;
    }
    size_t u = 0;
#define OUT(...) u += (size_t)snprintf(s + u, cap > u ? cap - u : 0, __VA_ARGS__)
#define NUM(x) (isfinite(x) ? (x) : 0.0), (isfinite(x) ? "" : "null")
    OUT("{\"epochs\": %ld, \"batch\": %u, \"example_steps\": %u, \"train_examples\": %llu, "
        "\"test_examples\": %llu, \"evaluate_only\": %s, \"reset\": \"%s\", \"saved_epoch\": %ld, "
        "\"png\": %s, \"loaded\": [",
        T.tc->evaluate_only ? 0 : T.tc->epochs, T.lanes, T.len,
        (unsigned long long)T.n_tr, (unsigned long long)T.test.ds.n_examples,
        T.tc->evaluate_only ? "true" : "false", T.tc->reset ? "example" : "none",
        T.saved_epoch, T.png > 0 ? "true" : "false");
    for (int k = 0; k < T.n_loaded; k++)
        OUT("%s\"%s\"", k ? ", " : "", T.loaded[k]);
    if (T.has_val)
        OUT("], \"validation\": {\"examples\": %llu, \"of\": %llu, \"seed\": %llu, "
            "\"stratified\": true, \"file\": \"validation.npy\"}, \"metrics\": [",
            (unsigned long long)T.n_val, (unsigned long long)T.train.ds.n_examples,
            (unsigned long long)T.val_seed);
    else
        OUT("], \"validation\": null, \"metrics\": [");
    for (int k = 0; k < T.n_rows; k++) {
        const mrow *r = &T.rows[k];
        OUT("%s{\"epoch\": %ld, \"status\": \"%s\", \"wall_s\": %.3f", k ? ", " : "", r->epoch,
            r->complete ? "complete" : "interrupted", r->wall_s);
        const char *nm[4] = {"train_loss", "train_accuracy", "test_loss", "test_accuracy"};
        double v[4] = {r->has_train ? r->train_loss : NAN, r->has_train ? r->train_acc : NAN,
                       r->has_test ? r->test_loss : NAN, r->has_test ? r->test_acc : NAN};
        for (int q = 0; q < 4; q++) {
            if (isfinite(v[q]))
                OUT(", \"%s\": %.17g", nm[q], v[q]);
            else
                OUT(", \"%s\": null", nm[q]);
        }
        const double vv[2] = {r->has_val ? r->val_loss : NAN, r->has_val ? r->val_acc : NAN};
        for (int q = 0; q < 2 && T.has_val; q++) {
            if (isfinite(vv[q]))
                OUT(", \"%s\": %.17g", q ? "validation_accuracy" : "validation_loss", vv[q]);
            else
                OUT(", \"%s\": null", q ? "validation_accuracy" : "validation_loss");
        }
        OUT("}");
    }
    OUT("]}");
#undef OUT
#undef NUM
    pthread_mutex_unlock(&T.lock);
    if (u >= cap) { /* cannot happen with the sizes above; keep valid JSON */
        free(s);
        return NULL;
    }
    return s;
}

void rt_train_release(void)
{
    snn_dataset_free(&T.train.ds);
    snn_dataset_free(&T.test.ds);
    free(T.train.fs);
    free(T.test.fs);
    free(T.order);
    free(T.buf);
    free(T.val_idx);
    free(T.tr_idx);
    T.val_idx = T.tr_idx = NULL;
    T.has_val = 0;
    T.n_val = T.val_seed = 0;
    T.at.val_n = T.at.val_seed = 0;
    free(T.labels); /* the tables themselves are the model's */
    free(T.examples);
    free(T.starts);
    free(T.steps);
    free(T.lane_m);
    T.labels = NULL;
    T.examples = NULL;
    T.starts = NULL;
    T.steps = NULL;
    T.lane_m = NULL;
    for (int k = 0; k < SNN_MAX_TRAIN_VARS; k++) {
        free(T.keep_v[k]);
        T.keep_v[k] = NULL;
        T.keep_n[k] = 0;
    }
    free(T.rows);
    free(T.aux);
    T.aux = NULL;
    T.aux_n = 0;
    T.train.fs = T.test.fs = NULL;
    T.order = NULL;
    T.buf = NULL;
    T.rows = NULL;
    T.n_rows = 0;
    T.tc = NULL;
}
