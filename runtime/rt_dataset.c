/*
 * rt_dataset.c - spike-pattern data sets as the input of a spike_source_dataset population
 * (run config datasets: { In: { file: dir, ... } }; docs/run.md "Data sets").
 *
 * Layout (a directory written by NumPy, times in ms):
 *   times.npy    float32/float64 [S]   spike times, ms from the start of the example
 *   units.npy    integer [S]           channel (neuron) of each spike
 *   offsets.npy  integer [E + 1]       example k's spikes are [offsets[k], offsets[k+1])
 *   labels.npy   integer [E]           label of each example, 0 .. classes - 1
 * The data set is read and checked once, before the run starts; then the spikes of the
 * examples the run presents are laid out as a spike_source_array's (starts per neuron,
 * steps ascending), so both back ends, threads and ranks run them unchanged.
 */
#include "rt_internal.h"
#include "snn_npy.h"
#include "snnrt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A 1-d array dir/name as doubles (*count values); integer != 0: an integer dtype. */
static int read_vec(const char *dir, const char *name, int integer, double **out,
                    uint64_t *count, char *err, size_t errlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "%s: %s (a data set directory holds times.npy, units.npy, "
                                 "offsets.npy and labels.npy)", path, strerror(errno));
    snn_npy_info a;
    if (snn_npy_info_of(f, path, &a, err, errlen) != 0) {
        fclose(f);
        return -1;
    }
    if (a.ndim != 1) {
        fclose(f);
        return fail(err, errlen, "%s: a 1-d array is expected (shape %llu x %llu)", path,
                    (unsigned long long)a.shape[0], (unsigned long long)a.shape[1]);
    }
    if (integer && a.kind != 'i' && a.kind != 'u') {
        fclose(f);
        return fail(err, errlen, "%s: an integer array is expected (dtype kind '%c')", path,
                    a.kind);
    }
    if (!integer && a.kind != 'f') {
        fclose(f);
        return fail(err, errlen, "%s: a float32 or float64 array is expected (dtype kind "
                                 "'%c')", path, a.kind);
    }
    double *v = malloc(sizeof *v * (size_t)(a.count ? a.count : 1));
    unsigned char *buf = malloc((size_t)a.size * (size_t)(a.count ? a.count : 1));
    if (!v || !buf || fread(buf, (size_t)a.size, (size_t)a.count, f) != (size_t)a.count) {
        free(v);
        free(buf);
        fclose(f);
        return fail(err, errlen, "%s: cannot read its %llu values", path,
                    (unsigned long long)a.count);
    }
    fclose(f);
    for (uint64_t k = 0; k < a.count; k++)
        v[k] = snn_npy_value(buf + k * (uint64_t)a.size, a.kind, a.size);
    free(buf);
    *out = v;
    *count = a.count;
    return 0;
}

void snn_dataset_free(snn_dataset *ds)
{
    free(ds->times);
    free(ds->units);
    free(ds->offsets);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

int snn_dataset_read(const char *dir, uint32_t n, int classes, snn_dataset *ds, char *err,
                     size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    double *t = NULL, *u = NULL, *o = NULL, *l = NULL;
    uint64_t nt = 0, nu = 0, no = 0, nl = 0;
    int rc = -1;
    if (read_vec(dir, "labels.npy", 1, &l, &nl, err, errlen) != 0 ||
        read_vec(dir, "offsets.npy", 1, &o, &no, err, errlen) != 0 ||
        read_vec(dir, "times.npy", 0, &t, &nt, err, errlen) != 0 ||
        read_vec(dir, "units.npy", 1, &u, &nu, err, errlen) != 0)
        goto out;
    if (nl == 0) {
        fail(err, errlen, "%s/labels.npy: the data set has no examples", dir);
        goto out;
    }
    if (no != nl + 1) {
        fail(err, errlen, "%s/offsets.npy: %llu values, but labels.npy has %llu examples, so "
                          "offsets.npy needs %llu (each example's first spike and the end)",
             dir, (unsigned long long)no, (unsigned long long)nl, (unsigned long long)nl + 1);
        goto out;
    }
    if (nt != nu) {
        fail(err, errlen, "%s/units.npy: %llu values, but times.npy has %llu (one unit per "
                          "spike)", dir, (unsigned long long)nu, (unsigned long long)nt);
        goto out;
    }
    if (o[0] != 0 || o[nl] != (double)nt) {
        fail(err, errlen, "%s/offsets.npy: must start at 0 and end at the number of spikes "
                          "(%llu); it goes from %.0f to %.0f", dir, (unsigned long long)nt, o[0],
             o[nl]);
        goto out;
    }
    for (uint64_t k = 0; k < nl; k++)
        if (o[k + 1] < o[k]) {
            fail(err, errlen, "%s/offsets.npy: decreases at example %llu (%.0f after %.0f)", dir,
                 (unsigned long long)k, o[k + 1], o[k]);
            goto out;
        }
    for (uint64_t k = 0; k < nl; k++) {
        if (!(l[k] >= 0 && l[k] < classes)) {
            fail(err, errlen, "%s/labels.npy: example %llu has label %.0f, but the population "
                              "declares classes = %d (labels 0 .. %d)", dir,
                 (unsigned long long)k, l[k], classes, classes - 1);
            goto out;
        }
        for (uint64_t s = (uint64_t)o[k]; s < (uint64_t)o[k + 1]; s++) {
            if (!(u[s] < n)) {
                fail(err, errlen, "%s/units.npy: spike %llu (example %llu) has unit %.0f, but "
                                  "the population has %u neurons (units 0 .. %u)", dir,
                     (unsigned long long)s, (unsigned long long)k, u[s], n, n - 1);
                goto out;
            }
            if (!isfinite(t[s]) || t[s] < 0) {
                fail(err, errlen, "%s/times.npy: spike %llu (example %llu) has time %g ms; "
                                  "times must be finite and >= 0", dir, (unsigned long long)s,
                     (unsigned long long)k, t[s]);
                goto out;
            }
            if (s > (uint64_t)o[k] && t[s] < t[s - 1]) {
                fail(err, errlen, "%s/times.npy: example %llu is not sorted by time: spike %llu "
                                  "at %g ms comes after spike %llu at %g ms (sort each "
                                  "example's spikes by time)", dir, (unsigned long long)k,
                     (unsigned long long)s, t[s], (unsigned long long)s - 1, t[s - 1]);
                goto out;
            }
        }
    }
    ds->n_examples = nl;
    ds->n_spikes = nt;
    ds->times = t;
    ds->units = malloc(sizeof *ds->units * (size_t)(nt ? nt : 1));
    ds->offsets = malloc(sizeof *ds->offsets * (size_t)(nl + 1));
    ds->labels = malloc(sizeof *ds->labels * (size_t)nl);
    if (!ds->units || !ds->offsets || !ds->labels) {
        t = NULL;
        snn_dataset_free(ds);
        fail(err, errlen, "%s: out of memory for %llu spikes", dir, (unsigned long long)nt);
        goto out;
    }
    for (uint64_t s = 0; s < nt; s++)
        ds->units[s] = (uint32_t)u[s];
    for (uint64_t k = 0; k <= nl; k++)
        ds->offsets[k] = (uint64_t)o[k];
    for (uint64_t k = 0; k < nl; k++)
        ds->labels[k] = (int32_t)l[k];
    t = NULL;
    rc = 0;
out:
    free(t);
    free(u);
    free(o);
    free(l);
    return rc;
}

/* SplitMix64: the shuffle's generator (docs/run.md gives it in NumPy). */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t snn_dataset_example(uint64_t n_examples, int shuffle, uint64_t seed, uint64_t j,
                             uint64_t *order, uint64_t *order_epoch)
{
    uint64_t e = j / n_examples, i = j % n_examples;
    if (!shuffle)
        return i;
    if (*order_epoch != e) {
        /* epoch e: Fisher-Yates over 0 .. n-1 from the state seed ^ (e + 1) * K */
        uint64_t x = seed ^ ((e + 1) * 0xD1B54A32D192ED03ull);
        for (uint64_t k = 0; k < n_examples; k++)
            order[k] = k;
        for (uint64_t k = n_examples - 1; k > 0; k--) {
            uint64_t r = splitmix64(&x) % (k + 1);
            uint64_t tmp = order[k];
            order[k] = order[r];
            order[r] = tmp;
        }
        *order_epoch = e;
    }
    return order[i];
}

/* The step of a time within its example, as spike_source_array's: round(t / dt) - 1, at
 * least 0. */
static uint64_t step_of(double t, double dt)
{
    double s = (double)llround(t / dt) - 1.0;
    return s < 0 ? 0 : (uint64_t)s;
}

void snn_dataset_apply(snn_run *run, const char *pop, uint32_t n, double dt, int classes,
                       snn_dataset_in *out)
{
    const snn_config *cfg = run->cfg;
    const struct snn_dataset_set *dc = NULL;
    for (int k = 0; k < cfg->n_datasets; k++)
        if (strcmp(cfg->datasets[k].pop, pop) == 0)
            dc = &cfg->datasets[k];
    if (!dc || !dc->path[0])
        snn_fatal("population '%s' is a spike_source_dataset: the run config needs its data "
                  "set, e.g. datasets: { %s: { file: train } } or --set datasets.%s.file=train",
                  pop, pop, pop);
    char err[1600];
    snn_dataset ds;
    if (snn_dataset_read(dc->path, n, classes, &ds, err, sizeof err) != 0)
        snn_fatal("datasets.%s (%s): %s", pop, dc->where, err);

    /* the example length: the run config's, or the longest example's last spike */
    uint64_t len = dc->example_steps;
    const char *len_from = "example_steps";
    if (!len && dc->example_time > 0) {
        len = (uint64_t)llround(dc->example_time / dt);
        len_from = "example_time";
        if (len == 0)
            snn_fatal("datasets.%s (%s): example_time %g ms is shorter than half a step (dt = "
                      "%g ms)", pop, dc->where, dc->example_time, dt);
    }
    for (uint64_t k = 0; k < ds.n_examples; k++)
        for (uint64_t s = ds.offsets[k]; s < ds.offsets[k + 1]; s++) {
            uint64_t st = step_of(ds.times[s], dt);
            if (!dc->example_steps && !(dc->example_time > 0)) {
                if (st + 1 > len)
                    len = st + 1;
            } else if (st >= len) {
                snn_fatal("datasets.%s (%s): %s/times.npy: example %llu has a spike at %g ms "
                          "(step %llu of the example), beyond %s (%llu steps of %g ms)",
                          pop, dc->where, dc->path, (unsigned long long)k, ds.times[s],
                          (unsigned long long)st, len_from, (unsigned long long)len, dt);
            }
        }
    if (len == 0)
        len = 1;
    if (len > UINT32_MAX || run->n_steps > UINT32_MAX)
        snn_fatal("datasets.%s (%s): runs of more than 4294967295 steps and longer examples "
                  "are not supported", pop, dc->where);
    uint64_t count = (run->n_steps + len - 1) / len;
    uint64_t seed = dc->has_seed ? dc->seed : run->seed;

    uint64_t *order = malloc(sizeof *order * (size_t)ds.n_examples);
    uint64_t order_epoch = UINT64_MAX;
    uint64_t *starts = calloc((size_t)n + 1, sizeof *starts);
    uint64_t *last = malloc(sizeof *last * (size_t)n);
    int32_t *labels = malloc(sizeof *labels * (size_t)count);
    uint32_t *examples = malloc(sizeof *examples * (size_t)count);
    if (!order || !starts || !last || !labels || !examples)
        snn_fatal("datasets.%s: out of memory for %llu examples", pop, (unsigned long long)count);
    /* two passes: count each neuron's spikes, then place them; several spikes of one
     * channel in one step count as one (a spike source fires at most once per step) */
    uint32_t *steps = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < n; i++)
            last[i] = UINT64_MAX;
        uint64_t *pos = NULL;
        if (pass) {
            pos = malloc(sizeof *pos * (size_t)n);
            if (!pos)
                snn_fatal("datasets.%s: out of memory", pop);
            for (uint32_t i = 0; i < n; i++)
                pos[i] = starts[i];
        }
        for (uint64_t q = 0; q < count; q++) {
            uint64_t ex = snn_dataset_example(ds.n_examples, dc->shuffle, seed, dc->start + q,
                                              order, &order_epoch);
            if (!pass) {
                labels[q] = ds.labels[ex];
                examples[q] = (uint32_t)ex;
            }
            for (uint64_t s = ds.offsets[ex]; s < ds.offsets[ex + 1]; s++) {
                uint64_t st = q * len + step_of(ds.times[s], dt);
                uint32_t u = ds.units[s];
                if (st >= run->n_steps || last[u] == st)
                    continue;
                last[u] = st;
                if (pass)
                    steps[pos[u]++] = (uint32_t)st;
                else
                    starts[u + 1]++;
            }
        }
        if (!pass) {
            for (uint32_t i = 0; i < n; i++)
                starts[i + 1] += starts[i];
            steps = malloc(sizeof *steps * (size_t)(starts[n] + 1));
            if (!steps)
                snn_fatal("datasets.%s: out of memory for %llu spikes", pop,
                          (unsigned long long)starts[n]);
            steps[starts[n]] = 0;
        }
        free(pos);
    }
    free(last);
    free(order);
    snn_dataset_free(&ds);
    out->starts = starts;
    out->steps = steps;
    out->labels = labels;
    out->examples = examples;
    out->length = (uint32_t)len;
    out->count = count;
    out->start = dc->start;
}
