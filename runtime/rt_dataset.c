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
#include "rt_train.h"
#include "snn_npy.h"
#include "snnrt.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int read_h5(const char *path, double **t, uint64_t *nt, double **u, uint64_t *nu,
                   double **o, uint64_t *no, double **l, uint64_t *nl, char *err, size_t errlen);

static int is_h5(const char *path)
{
    size_t len = strlen(path);
    return (len > 3 && strcmp(path + len - 3, ".h5") == 0) ||
           (len > 5 && strcmp(path + len - 5, ".hdf5") == 0);
}

/* How messages name array 'npy' (times.npy, ...) of data set 'path': "dir/times.npy", or
 * "file.h5: spikes/times" in the SHD layout (offsets: derived from spikes/times). */
static const char *arr_name(const char *path, const char *npy, char *buf, size_t n)
{
    if (!is_h5(path)) {
        snprintf(buf, n, "%s/%s", path, npy);
        return buf;
    }
    const char *h = !strcmp(npy, "labels.npy") ? "labels"
                    : !strcmp(npy, "units.npy") ? "spikes/units" : "spikes/times";
    snprintf(buf, n, "%s: %s", path, h);
    return buf;
}

/* A 1-d array dir/name as doubles (*count values); integer != 0: an integer dtype. */
static int read_vec(const char *dir, const char *name, int integer, double **out,
                    uint64_t *count, char *err, size_t errlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return snn_errf(err, errlen, "%s: %s (a data set directory holds times.npy, units.npy, "
                                 "offsets.npy and labels.npy)", path, strerror(errno));
    snn_npy_info a;
    if (snn_npy_info_of(f, path, &a, err, errlen) != 0) {
        fclose(f);
        return -1;
    }
    if (a.ndim != 1) {
        fclose(f);
        return snn_errf(err, errlen, "%s: a 1-d array is expected (shape %llu x %llu)", path,
                    (unsigned long long)a.shape[0], (unsigned long long)a.shape[1]);
    }
    if (integer && a.kind != 'i' && a.kind != 'u') {
        fclose(f);
        return snn_errf(err, errlen, "%s: an integer array is expected (dtype kind '%c')", path,
                    a.kind);
    }
    if (!integer && a.kind != 'f') {
        fclose(f);
        return snn_errf(err, errlen, "%s: a float32 or float64 array is expected (dtype kind "
                                 "'%c')", path, a.kind);
    }
    double *v = malloc(sizeof *v * (size_t)(a.count ? a.count : 1));
    unsigned char *buf = malloc((size_t)a.size * (size_t)(a.count ? a.count : 1));
    if (!v || !buf || fread(buf, (size_t)a.size, (size_t)a.count, f) != (size_t)a.count) {
        free(v);
        free(buf);
        fclose(f);
        return snn_errf(err, errlen, "%s: cannot read its %llu values", path,
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
    char T[1200], U[1200], O[1200], Lb[1200];
    arr_name(dir, "times.npy", T, sizeof T);
    arr_name(dir, "units.npy", U, sizeof U);
    arr_name(dir, "offsets.npy", O, sizeof O);
    arr_name(dir, "labels.npy", Lb, sizeof Lb);
    struct stat st;
    if (stat(dir, &st) != 0) /* not "dir/labels.npy: No such file" for a mistyped name */
        return snn_errf(err, errlen, "%s: %s (a data set is a directory holding times.npy, "
                        "units.npy, offsets.npy and labels.npy, an SHD file ending in .h5, "
                        "or IDX images <name>-images-idx3-ubyte[.gz])", dir, strerror(errno));
    if (!is_h5(dir) && !S_ISDIR(st.st_mode))
        return snn_errf(err, errlen, "%s: not a directory (a data set is a directory holding "
                        "times.npy, units.npy, offsets.npy and labels.npy, an SHD file ending "
                        "in .h5, or IDX images <name>-images-idx3-ubyte[.gz])", dir);
    if (is_h5(dir) ? read_h5(dir, &t, &nt, &u, &nu, &o, &no, &l, &nl, err, errlen) != 0
           : (read_vec(dir, "labels.npy", 1, &l, &nl, err, errlen) != 0 ||
              read_vec(dir, "offsets.npy", 1, &o, &no, err, errlen) != 0 ||
              read_vec(dir, "times.npy", 0, &t, &nt, err, errlen) != 0 ||
              read_vec(dir, "units.npy", 1, &u, &nu, err, errlen) != 0))
        goto out;
    if (nl == 0) {
        snn_errf(err, errlen, "%s: the data set has no examples", Lb);
        goto out;
    }
    if (no != nl + 1) {
        snn_errf(err, errlen, "%s: %llu values, but labels.npy has %llu examples, so "
                          "offsets.npy needs %llu (each example's first spike and the end)",
             O, (unsigned long long)no, (unsigned long long)nl, (unsigned long long)nl + 1);
        goto out;
    }
    if (nt != nu) {
        snn_errf(err, errlen, "%s: %llu values, but times.npy has %llu (one unit per "
                          "spike)", U, (unsigned long long)nu, (unsigned long long)nt);
        goto out;
    }
    if (o[0] != 0 || o[nl] != (double)nt) {
        snn_errf(err, errlen, "%s: must start at 0 and end at the number of spikes "
                          "(%llu); it goes from %.0f to %.0f", O, (unsigned long long)nt, o[0],
             o[nl]);
        goto out;
    }
    for (uint64_t k = 0; k < nl; k++)
        if (o[k + 1] < o[k]) {
            snn_errf(err, errlen, "%s: decreases at example %llu (%.0f after %.0f)", O,
                 (unsigned long long)k, o[k + 1], o[k]);
            goto out;
        }
    for (uint64_t k = 0; k < nl; k++) {
        if (l[k] < 0) {
            snn_errf(err, errlen, "%s: example %llu has label %.0f; labels are class numbers "
                              "from 0", Lb, (unsigned long long)k, l[k]);
            goto out;
        }
        if (!(l[k] < classes)) {
            snn_errf(err, errlen, "%s: example %llu has label %.0f, but the population "
                              "declares classes = %d (labels 0 .. %d)", Lb,
                 (unsigned long long)k, l[k], classes, classes - 1);
            goto out;
        }
        for (uint64_t s = (uint64_t)o[k]; s < (uint64_t)o[k + 1]; s++) {
            if (!(u[s] >= 0 && u[s] < n)) {
                snn_errf(err, errlen, "%s: spike %llu (example %llu) has unit %.0f, but "
                                  "the population has %u neurons (units 0 .. %u)", U,
                     (unsigned long long)s, (unsigned long long)k, u[s], n, n - 1);
                goto out;
            }
            if (!isfinite(t[s]) || t[s] < 0) {
                snn_errf(err, errlen, "%s: spike %llu (example %llu) has time %g ms; "
                                  "times must be finite and >= 0", T, (unsigned long long)s,
                     (unsigned long long)k, t[s]);
                goto out;
            }
            if (s > (uint64_t)o[k] && t[s] < t[s - 1]) {
                snn_errf(err, errlen, "%s: example %llu is not sorted by time: spike %llu "
                                  "at %g ms comes after spike %llu at %g ms (sort each "
                                  "example's spikes by time)", T, (unsigned long long)k,
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
        snn_errf(err, errlen, "%s: out of memory for %llu spikes", T, (unsigned long long)nt);
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

/* ---- the SHD layout (HDF5) -------------------------------------------------------------
 * spikes/times: one variable-length float array per example (seconds), spikes/units: one
 * variable-length integer array per example, labels: an integer per example.  libhdf5 is
 * opened at run time (dlopen) when a data set is an .h5 file, so simulators link and run
 * without it; the declarations below are those of HDF5 1.10 and later (hid_t 64 bits). */
typedef int64_t h5_hid;
typedef unsigned long long h5_hsize;
typedef struct {
    size_t len;
    void *p;
} h5_hvl;

static struct {
    void *lib;
    int (*open)(void);
    int (*close)(void);
    int (*eset_auto)(h5_hid, void *, void *);
    h5_hid (*fopen)(const char *, unsigned, h5_hid);
    int (*fclose)(h5_hid);
    int (*lexists)(h5_hid, const char *, h5_hid);
    h5_hid (*dopen)(h5_hid, const char *, h5_hid);
    int (*dclose)(h5_hid);
    h5_hid (*dget_space)(h5_hid);
    h5_hid (*dget_type)(h5_hid);
    int (*dread)(h5_hid, h5_hid, h5_hid, h5_hid, h5_hid, void *);
    int (*reclaim)(h5_hid, h5_hid, h5_hid, void *);
    int (*sndims)(h5_hid);
    int (*sdims)(h5_hid, h5_hsize *, h5_hsize *);
    int (*sclose)(h5_hid);
    int (*tclass)(h5_hid);
    h5_hid (*tsuper)(h5_hid);
    h5_hid (*tvlen)(h5_hid);
    int (*tclose)(h5_hid);
    h5_hid *native_double;
} H5;

static int h5_load(char *err, size_t errlen)
{
    if (H5.lib)
        return 0;
    static const char *const names[] = {"libhdf5_serial.so.103", "libhdf5_serial.so.310",
                                        "libhdf5_serial.so", "libhdf5.so.103",
                                        "libhdf5.so.310", "libhdf5.so"};
    for (size_t k = 0; k < sizeof names / sizeof names[0] && !H5.lib; k++)
        H5.lib = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (!H5.lib)
        return snn_errf(err, errlen, "reading an HDF5 data set needs libhdf5 (Debian: apt-get "
                                 "install libhdf5-dev), which was not found");
    const char *missing = NULL;
#define SYM(f, name)                                                                           \
    do {                                                                                       \
        *(void **)&H5.f = dlsym(H5.lib, name);                                                 \
        if (!H5.f && !missing)                                                                 \
            missing = name;                                                                    \
    } while (0)
    SYM(open, "H5open");
    SYM(close, "H5close");
    SYM(eset_auto, "H5Eset_auto2");
    SYM(fopen, "H5Fopen");
    SYM(fclose, "H5Fclose");
    SYM(lexists, "H5Lexists");
    SYM(dopen, "H5Dopen2");
    SYM(dclose, "H5Dclose");
    SYM(dget_space, "H5Dget_space");
    SYM(dget_type, "H5Dget_type");
    SYM(dread, "H5Dread");
    SYM(sndims, "H5Sget_simple_extent_ndims");
    SYM(sdims, "H5Sget_simple_extent_dims");
    SYM(sclose, "H5Sclose");
    SYM(tclass, "H5Tget_class");
    SYM(tsuper, "H5Tget_super");
    SYM(tvlen, "H5Tvlen_create");
    SYM(tclose, "H5Tclose");
    SYM(native_double, "H5T_NATIVE_DOUBLE_g");
#undef SYM
    *(void **)&H5.reclaim = dlsym(H5.lib, "H5Treclaim"); /* 1.12 and later */
    if (!H5.reclaim)
        *(void **)&H5.reclaim = dlsym(H5.lib, "H5Dvlen_reclaim");
    if (!H5.reclaim && !missing)
        missing = "H5Treclaim";
    if (missing || H5.open() < 0) {
        dlclose(H5.lib);
        H5.lib = NULL;
        return snn_errf(err, errlen, "libhdf5 lacks %s (HDF5 1.10 or later is needed)",
                    missing ? missing : "a working H5open");
    }
    H5.eset_auto(0, NULL, NULL); /* no error stack printed: the messages here say it */
    return 0;
}

enum { H5C_INTEGER = 0, H5C_FLOAT = 1, H5C_VLEN = 9 };

/* Dataset 'name' of file f: 1-d, its length in *n; vlen: variable-length arrays of numbers
 * (else numbers), read as doubles into *vals (*lens per element for vlen). */
static int h5_read(h5_hid f, const char *path, const char *name, int vlen, int integer,
                   uint64_t *n, double **vals, uint64_t **lens, uint64_t *total, char *err,
                   size_t errlen)
{
    char group[64];
    const char *slash = strchr(name, '/');
    snprintf(group, sizeof group, "%.*s", slash ? (int)(slash - name) : 0, name);
    if ((slash && H5.lexists(f, group, 0) <= 0) || H5.lexists(f, name, 0) <= 0)
        return snn_errf(err, errlen, "%s: no dataset '%s' (the SHD layout: spikes/times, "
                                 "spikes/units and labels)", path, name);
    h5_hid d = H5.dopen(f, name, 0);
    if (d < 0)
        return snn_errf(err, errlen, "%s: cannot open '%s' as a dataset", path, name);
    int rc = -1;
    h5_hid sp = H5.dget_space(d), ty = H5.dget_type(d), base = -1, mt = -1;
    h5_hsize dims[8] = {0};
    int cls = ty >= 0 ? H5.tclass(ty) : -1;
    if (sp < 0 || H5.sndims(sp) != 1 || H5.sdims(sp, dims, NULL) != 1) {
        snn_errf(err, errlen, "%s: '%s' must be a 1-d dataset (one entry per example)", path, name);
        goto out;
    }
    if (vlen) {
        base = cls == H5C_VLEN ? H5.tsuper(ty) : -1;
        int bc = base >= 0 ? H5.tclass(base) : -1;
        if (cls != H5C_VLEN || bc != (integer ? H5C_INTEGER : H5C_FLOAT)) {
            snn_errf(err, errlen, "%s: '%s' must hold one variable-length array of %s per example, "
                              "as SHD's", path, name, integer ? "integers" : "floats");
            goto out;
        }
        mt = H5.tvlen(*H5.native_double);
        h5_hvl *buf = calloc((size_t)(dims[0] ? dims[0] : 1), sizeof *buf);
        if (!buf || mt < 0 || H5.dread(d, mt, 0, 0, 0, buf) < 0) {
            free(buf);
            snn_errf(err, errlen, "%s: cannot read '%s'", path, name);
            goto out;
        }
        uint64_t tot = 0;
        for (h5_hsize k = 0; k < dims[0]; k++)
            tot += buf[k].len;
        double *v = malloc(sizeof *v * (size_t)(tot ? tot : 1));
        uint64_t *l = malloc(sizeof *l * (size_t)(dims[0] ? dims[0] : 1));
        if (v && l) {
            uint64_t at = 0;
            for (h5_hsize k = 0; k < dims[0]; k++) {
                if (buf[k].len)
                    memcpy(v + at, buf[k].p, sizeof(double) * buf[k].len);
                at += buf[k].len;
                l[k] = buf[k].len;
            }
        }
        H5.reclaim(mt, sp, 0, buf);
        free(buf);
        if (!v || !l) {
            free(v);
            free(l);
            snn_errf(err, errlen, "%s: out of memory for '%s'", path, name);
            goto out;
        }
        *vals = v;
        *lens = l;
        *total = tot;
    } else {
        if (cls != (integer ? H5C_INTEGER : H5C_FLOAT)) {
            snn_errf(err, errlen, "%s: '%s' must hold %s", path, name,
                 integer ? "integers" : "floats");
            goto out;
        }
        double *v = malloc(sizeof *v * (size_t)(dims[0] ? dims[0] : 1));
        if (!v || H5.dread(d, *H5.native_double, 0, 0, 0, v) < 0) {
            free(v);
            snn_errf(err, errlen, "%s: cannot read '%s'", path, name);
            goto out;
        }
        *vals = v;
    }
    *n = dims[0];
    rc = 0;
out:
    if (mt >= 0)
        H5.tclose(mt);
    if (base >= 0)
        H5.tclose(base);
    if (ty >= 0)
        H5.tclose(ty);
    if (sp >= 0)
        H5.sclose(sp);
    H5.dclose(d);
    return rc;
}

/* The SHD file as the arrays of the .npy layout (times in ms). */
static int read_h5(const char *path, double **t, uint64_t *nt, double **u, uint64_t *nu,
                   double **o, uint64_t *no, double **l, uint64_t *nl, char *err, size_t errlen)
{
    if (h5_load(err, errlen) != 0)
        return -1;
    FILE *probe = fopen(path, "rb");
    if (!probe)
        return snn_errf(err, errlen, "%s: %s", path, strerror(errno));
    fclose(probe);
    h5_hid f = H5.fopen(path, 0u, 0);
    if (f < 0)
        return snn_errf(err, errlen, "%s: not an HDF5 file libhdf5 can open", path);
    uint64_t *tl = NULL, *ul = NULL, ne_t = 0, ne_u = 0;
    int rc = -1;
    if (h5_read(f, path, "labels", 0, 1, nl, l, NULL, NULL, err, errlen) != 0 ||
        h5_read(f, path, "spikes/times", 1, 0, &ne_t, t, &tl, nt, err, errlen) != 0 ||
        h5_read(f, path, "spikes/units", 1, 1, &ne_u, u, &ul, nu, err, errlen) != 0)
        goto out;
    if (ne_t != *nl || ne_u != *nl) {
        snn_errf(err, errlen, "%s: %llu labels, but spikes/times has %llu examples and "
                          "spikes/units %llu", path, (unsigned long long)*nl,
             (unsigned long long)ne_t, (unsigned long long)ne_u);
        goto out;
    }
    for (uint64_t k = 0; k < ne_t; k++)
        if (tl[k] != ul[k]) {
            snn_errf(err, errlen, "%s: example %llu has %llu times in spikes/times but %llu units "
                              "in spikes/units", path, (unsigned long long)k,
                 (unsigned long long)tl[k], (unsigned long long)ul[k]);
            goto out;
        }
    *o = malloc(sizeof **o * (size_t)(*nl + 1));
    if (!*o) {
        snn_errf(err, errlen, "%s: out of memory", path);
        goto out;
    }
    (*o)[0] = 0;
    for (uint64_t k = 0; k < *nl; k++)
        (*o)[k + 1] = (*o)[k] + (double)tl[k];
    *no = *nl + 1;
    for (uint64_t s = 0; s < *nt; s++)
        (*t)[s] *= 1000.0; /* SHD's seconds to ms */
    rc = 0;
out:
    free(tl);
    free(ul);
    H5.fclose(f);
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

/* The validation split (docs/run.md "Validation split"): the classes in ascending label
 * order, class c's share of 'count' floor(count n_c / n), the rest one each to the classes
 * of the largest remainders (count n_c mod n; ties: the lower label); then, class by class
 * with one SplitMix64 stream from seed ^ "VALIDATE", a Fisher-Yates shuffle of the class's
 * examples in file order, whose first share are held out. */
static int by_label(const void *a, const void *b)
{
    const int64_t *x = a, *y = b; /* (label, index) */
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

int snn_dataset_split(uint64_t n, const int32_t *lab, uint64_t count, uint64_t seed,
                      uint64_t *val, uint64_t *rest)
{
    int64_t *p = malloc(sizeof *p * 2 * (size_t)(n ? n : 1));
    uint64_t *share = malloc(sizeof *share * (size_t)(n ? n : 1)); /* per class run */
    uint64_t *rem = malloc(sizeof *rem * (size_t)(n ? n : 1));
    uint64_t *first = malloc(sizeof *first * (size_t)(n + 1));
    uint8_t *held = calloc((size_t)(n ? n : 1), 1);
    if (!p || !share || !rem || !first || !held) {
        free(p), free(share), free(rem), free(first), free(held);
        return -1;
    }
    for (uint64_t i = 0; i < n; i++)
        p[2 * i] = lab[i], p[2 * i + 1] = (int64_t)i;
    qsort(p, (size_t)n, 2 * sizeof *p, by_label);
    uint64_t K = 0, given = 0;
    for (uint64_t i = 0; i < n; i++)
        if (i == 0 || p[2 * i] != p[2 * i - 2])
            first[K++] = i;
    first[K] = n;
    for (uint64_t c = 0; c < K; c++) {
        unsigned __int128 x = (unsigned __int128)count * (first[c + 1] - first[c]);
        share[c] = (uint64_t)(x / n);
        rem[c] = (uint64_t)(x % n);
        given += share[c];
    }
    for (; given < count; given++) { /* fewer than K left: the largest remainders */
        uint64_t best = K;
        for (uint64_t c = 0; c < K; c++)
            if (rem[c] != UINT64_MAX && (best == K || rem[c] > rem[best]))
                best = c;
        share[best]++;
        rem[best] = UINT64_MAX; /* (one each) */
    }
    uint64_t x = seed ^ 0x56414C4944415445ull; /* "VALIDATE" */
    for (uint64_t c = 0; c < K; c++) {
        int64_t *q = p + 2 * first[c];
        const uint64_t m = first[c + 1] - first[c];
        for (uint64_t k = m - 1; k > 0; k--) {
            uint64_t r = splitmix64(&x) % (k + 1);
            int64_t t = q[2 * k + 1];
            q[2 * k + 1] = q[2 * r + 1];
            q[2 * r + 1] = t;
        }
        for (uint64_t k = 0; k < share[c]; k++)
            held[q[2 * k + 1]] = 1;
    }
    uint64_t nv = 0, nr = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (held[i])
            val[nv++] = i;
        else
            rest[nr++] = i;
    }
    free(p), free(share), free(rem), free(first), free(held);
    return 0;
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

void snn_dataset_feed(const snn_dataset *ds, const uint64_t *fs, uint32_t n, uint32_t len,
                      const uint64_t *ex, int lanes, uint64_t step0, uint64_t **starts_out,
                      uint32_t **steps_out)
{
    (void)lanes; /* one lane's example: the training loop calls it per lane */
    const uint64_t e = ex[0];
    uint64_t *starts = calloc((size_t)n + 1, sizeof *starts);
    uint64_t *last = malloc(sizeof *last * (size_t)(n ? n : 1));
    if (!starts || !last)
        snn_fatal("data set feed: out of memory");
    uint32_t *steps = NULL;
    for (int pass = 0; pass < 2; pass++) { /* count each neuron's spikes, then place them */
        for (uint32_t i = 0; i < n; i++)
            last[i] = UINT64_MAX;
        uint64_t *at = NULL;
        if (pass) {
            at = malloc(sizeof *at * (size_t)(n ? n : 1));
            if (!at)
                snn_fatal("data set feed: out of memory");
            memcpy(at, starts, sizeof *at * (size_t)n);
        }
        for (uint64_t s = ds->offsets[e]; s < ds->offsets[e + 1]; s++) {
            uint32_t u = ds->units[s];
            if (fs[s] >= len || last[u] == fs[s]) /* one spike per channel and step */
                continue;
            last[u] = fs[s];
            if (pass)
                steps[at[u]++] = (uint32_t)(step0 + fs[s]);
            else
                starts[u + 1]++;
        }
        if (!pass) {
            for (uint32_t i = 0; i < n; i++)
                starts[i + 1] += starts[i];
            steps = malloc(sizeof *steps * (size_t)(starts[n] + 1));
            if (!steps)
                snn_fatal("data set feed: out of memory for %llu spikes",
                          (unsigned long long)starts[n]);
            steps[starts[n]] = 0;
        }
        free(at);
    }
    free(last);
    *starts_out = starts;
    *steps_out = steps;
}

int snn_dataset_step(double t, double dt, uint64_t *step)
{
    if (!(t / dt < 4294967295.0)) /* llround's range; examples' steps are 32-bit */
        return -1;
    const double s = (double)llround(t / dt) - 1.0;
    *step = s < 0 ? 0 : (uint64_t)s;
    return 0;
}

/* The data sets this run read, for run.json (rt_main.c). */
static struct ds_used {
    char pop[128];
    uint32_t length;
    uint64_t examples, presented, seed;
} g_used[SNN_MAX_DATASETS];
static int g_nused;

int snn_datasets_used(void) { return g_nused; }

void snn_dataset_used(int k, const char **pop, uint32_t *length, uint64_t *examples,
                      uint64_t *presented, uint64_t *seed)
{
    *pop = g_used[k].pop;
    *length = g_used[k].length;
    *examples = g_used[k].examples;
    *presented = g_used[k].presented;
    *seed = g_used[k].seed;
}

void snn_dataset_apply(snn_run *run, const char *pop, uint32_t n, double dt, int classes,
                       snn_dataset_in *out)
{
    snn_dataset_apply_lane(run, pop, n, dt, classes, 0, out);
}

void snn_dataset_apply_lane(snn_run *run, const char *pop, uint32_t n, double dt, int classes,
                            uint32_t lane, snn_dataset_in *out)
{
    /* batches: lane b of batch q shows position start + q B + b */
    const uint64_t lanes = run->lanes_all > 1 ? run->lanes_all : 1;
    const snn_config *cfg = run->cfg;
    if (rt_train_on(cfg)) { /* the training loop feeds the examples (rt_train.c) */
        (void)dt;
        rt_train_dataset(run, pop, n, classes, lane, out);
        return;
    }
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
    size_t plen = strlen(dc->path);
    int idx = dc->labels[0] || strstr(dc->path, "-idx3-ubyte") ||
              (plen > 5 && !strcmp(dc->path + plen - 5, ".idx3"));
    if (idx && !dc->labels[0])
        snn_fatal("datasets.%s (%s): %s is an IDX images file: give its labels file too, e.g. "
                  "datasets: { %s: { file: %s, labels: train-labels-idx1-ubyte.gz } }", pop,
                  dc->where, dc->path, pop, dc->path);
    if (idx ? snn_dataset_read_idx(dc->path, dc->labels, dc->tau, dc->threshold, dc->limit, n,
                                   classes, &ds, err, sizeof err) != 0
            : snn_dataset_read(dc->path, n, classes, &ds, err, sizeof err) != 0)
        snn_fatal("datasets.%s (%s): %s", pop, dc->where, err);
    if (dc->limit && dc->limit < ds.n_examples) { /* the first 'limit' examples */
        ds.n_examples = dc->limit;
        ds.n_spikes = ds.offsets[dc->limit];
    }
    if (lanes > ds.n_examples)
        snn_fatal("%s: batch %llu is larger than the data set of population '%s' (datasets.%s, "
                  "%s: %llu examples)", run->cfg->batch_where[0] ? run->cfg->batch_where
                                                                 : "network{ batch }",
                  (unsigned long long)lanes, pop, pop, dc->where,
                  (unsigned long long)ds.n_examples);

    char tn[1200];
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
    /* each spike's step within its example, once (the passes below read it per example
     * presented) */
    uint64_t *fs = malloc(sizeof *fs * (size_t)(ds.n_spikes ? ds.n_spikes : 1));
    if (!fs)
        snn_fatal("datasets.%s: out of memory for %llu spikes", pop,
                  (unsigned long long)ds.n_spikes);
    for (uint64_t k = 0; k < ds.n_examples; k++)
        for (uint64_t s = ds.offsets[k]; s < ds.offsets[k + 1]; s++) {
            uint64_t st;
            if (snn_dataset_step(ds.times[s], dt, &st) != 0)
                snn_fatal("datasets.%s (%s): %s: example %llu has a spike at %g ms, beyond "
                          "the longest example supported (4294967295 steps of %g ms)", pop,
                          dc->where,
                          idx ? dc->path : arr_name(dc->path, "times.npy", tn, sizeof tn),
                          (unsigned long long)k, ds.times[s], dt);
            fs[s] = st;
            if (!dc->example_steps && !(dc->example_time > 0)) {
                if (st + 1 > len)
                    len = st + 1;
            } else if (st >= len) {
                snn_fatal("datasets.%s (%s): %s: example %llu has a spike at %g ms "
                          "(step %llu of the example), beyond %s (%llu steps of %g ms)",
                          pop, dc->where,
                          idx ? dc->path : arr_name(dc->path, "times.npy", tn, sizeof tn),
                          (unsigned long long)k, ds.times[s], (unsigned long long)st, len_from,
                          (unsigned long long)len, dt);
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
            uint64_t ex = snn_dataset_example(ds.n_examples, dc->shuffle, seed,
                                              dc->start + q * lanes + run->lane_first + lane, order,
                                              &order_epoch);
            if (!pass) {
                labels[q] = ds.labels[ex];
                examples[q] = (uint32_t)ex;
            }
            for (uint64_t s = ds.offsets[ex]; s < ds.offsets[ex + 1]; s++) {
                uint64_t st = q * len + fs[s];
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
    free(fs);
    if (g_nused < SNN_MAX_DATASETS && lane == 0) {
        struct ds_used *g = &g_used[g_nused++];
        snprintf(g->pop, sizeof g->pop, "%s", pop);
        g->length = (uint32_t)len;
        g->examples = ds.n_examples;
        g->presented = count;
        g->seed = seed;
    }
    snn_dataset_free(&ds);
    out->starts = starts;
    out->steps = steps;
    out->labels = labels;
    out->examples = examples;
    out->length = (uint32_t)len;
    out->count = count;
    out->start = dc->start;
}

void snn_dataset_seek(const uint64_t *starts, const uint32_t *steps, uint32_t lo, uint32_t nl,
                      uint64_t step, uint64_t *cursor)
{
    for (uint32_t i = 0; i < nl; i++) {
        uint64_t a = starts[lo + i], b = starts[lo + i + 1];
        while (a < b) { /* the first spike at or after step */
            uint64_t mid = a + (b - a) / 2;
            if (steps[mid] < step)
                a = mid + 1;
            else
                b = mid;
        }
        cursor[i] = a;
    }
}
