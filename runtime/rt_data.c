/*
 * rt_data.c - networks and initial values from data: connectivity from .npy lists of
 * sources and targets (with optional per-synapse weights and delays) or from a .npy weight
 * matrix, and per-neuron initial values from a .npy file (snnrt.h, snn_conn_data).
 *
 * The files are read when the simulator builds the network, not compiled in, so large
 * connectomes do not pass through the C compiler.  Each thread block of targets (and so
 * each MPI rank) streams the list files a chunk at a time and keeps only the synapses onto
 * its own targets; a matrix is read row by row, only the columns of the block's targets.
 * Every block checks every entry of a list, so a bad entry stops every rank with the same
 * message.
 */
#include "rt_internal.h"
#include "snn_npy.h"
#include "snnrt.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RT_DATA_CHUNK 65536u

/* A 1-d or 2-d array being read a chunk at a time, converted to doubles. */
typedef struct rd_array {
    const char *path;
    const char *role; /* "pre", "post", "weight", "delay", "matrix" */
    FILE *f;
    snn_npy_info a;
    unsigned char *raw;
    double *v;
} rd_array;

static void rd_open(rd_array *r, const char *pname, const char *path, const char *role,
                    uint64_t chunk)
{
    char err[1200];
    memset(r, 0, sizeof *r);
    r->path = path;
    r->role = role;
    r->f = fopen(path, "rb");
    if (!r->f)
        snn_fatal("projection '%s': %s file %s: %s", pname, role, path, strerror(errno));
    if (snn_npy_info_of(r->f, path, &r->a, err, sizeof err) != 0)
        snn_fatal("projection '%s': %s file %s", pname, role, err);
    r->raw = malloc((size_t)chunk * (size_t)r->a.size + 1);
    r->v = malloc((size_t)chunk * sizeof *r->v + 1);
    if (!r->raw || !r->v)
        snn_fatal("projection '%s': out of memory reading %s", pname, path);
}

/* Values [first, first + n) (n <= the chunk) into r->v. */
static void rd_read(rd_array *r, const char *pname, uint64_t first, uint64_t n)
{
    if (fseek(r->f, r->a.offset + (long)(first * (uint64_t)r->a.size), SEEK_SET) != 0 ||
        fread(r->raw, (size_t)r->a.size, (size_t)n, r->f) != (size_t)n)
        snn_fatal("projection '%s': %s: read error at entry %llu", pname, r->path,
                  (unsigned long long)first);
    for (uint64_t k = 0; k < n; k++)
        r->v[k] = snn_npy_value(r->raw + k * (uint64_t)r->a.size, r->a.kind, r->a.size);
}

static void rd_close(rd_array *r)
{
    if (r->f)
        fclose(r->f);
    free(r->raw);
    free(r->v);
    memset(r, 0, sizeof *r);
}

/* One kept synapse: target, source, entry in the file, weight, delay (ms). */
typedef struct kept {
    uint32_t post, pre;
    uint64_t idx;
    double w, d;
} kept;

static int by_post_pre_idx(const void *x, const void *y)
{
    const kept *a = x, *b = y;
    if (a->post != b->post)
        return a->post < b->post ? -1 : 1;
    if (a->pre != b->pre)
        return a->pre < b->pre ? -1 : 1;
    return (a->idx > b->idx) - (a->idx < b->idx);
}

static void check_index(const snn_proj_spec *spec, const rd_array *r, uint64_t e, double v,
                        uint32_t n, const char *pop)
{
    if (v >= 0 && v < (double)n && v == floor(v))
        return;
    snn_fatal("projection '%s': %s: entry %llu is %.17g, but population '%s' has %u neurons "
              "(%s indices 0 .. %u)", spec->name, r->path, (unsigned long long)e, v, pop, n,
              r->role, n - 1);
}

static void check_ndim1(const snn_proj_spec *spec, const rd_array *r, int integer)
{
    if (r->a.ndim != 1)
        snn_fatal("projection '%s': %s: a %s array of shape (%llu, %llu); a 1-d array is "
                  "expected", spec->name, r->path, r->role, (unsigned long long)r->a.shape[0],
                  (unsigned long long)r->a.shape[1]);
    if (integer && r->a.kind != 'i' && r->a.kind != 'u')
        snn_fatal("projection '%s': %s: %s indices must be integers (numpy int32, int64, "
                  "uint32, ...), not %s%d", spec->name, r->path, r->role,
                  r->a.kind == 'f' ? "float" : "bool", r->a.size * 8);
}

static void push(kept **v, uint64_t *n, uint64_t *cap, kept k, const char *name)
{
    if (*n == *cap) {
        uint64_t nc = *cap ? *cap * 2 : 4096;
        kept *nv = realloc(*v, (size_t)nc * sizeof *nv);
        if (!nv)
            snn_fatal("projection '%s': out of memory for %llu synapses read from data", name,
                      (unsigned long long)nc);
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = k;
}

/* The synapses onto targets [lo, hi), as columns (rt_internal.h, rt_list). */
void rt_list_load(const snn_proj_spec *spec, uint32_t lo, uint32_t hi, rt_list *out)
{
    const snn_conn_data *dd = spec->data;
    const char *name = spec->name ? spec->name : "?";
    if (!dd)
        snn_fatal("projection '%s': connectivity from data without its files", name);
    kept *v = NULL;
    uint64_t nv = 0, cap = 0;
    memset(out, 0, sizeof *out);
    out->lo = lo;
    out->n_cols = hi - lo;
    const double dmax_ms = (spec->delay_bytes == 1 ? 255.5 : 65535.5) * spec->dt;

    if (spec->kind == SNN_CONN_MATRIX) {
        rd_array m;
        rd_open(&m, name, dd->matrix, "matrix", (uint64_t)(hi - lo));
        if (m.a.ndim != 2 || m.a.shape[0] != spec->n_pre || m.a.shape[1] != spec->n_post)
            snn_fatal("projection '%s': %s: a matrix of shape (%llu, %llu), but it needs one "
                      "row per source and one column per target: (%u, %u)", name, m.path,
                      (unsigned long long)m.a.shape[0],
                      (unsigned long long)(m.a.ndim == 2 ? m.a.shape[1] : 0), spec->n_pre,
                      spec->n_post);
        for (uint32_t i = 0; i < spec->n_pre && hi > lo; i++) {
            rd_read(&m, name, (uint64_t)i * spec->n_post + lo, hi - lo);
            for (uint32_t c = 0; c < hi - lo; c++) {
                double w = m.v[c];
                if (w == 0.0)
                    continue;
                if (!isfinite(w))
                    snn_fatal("projection '%s': %s: entry (row %u, column %u) is %g; weights "
                              "must be finite (0 means no synapse)", name, m.path, i, lo + c, w);
                push(&v, &nv, &cap, (kept){lo + c, i, (uint64_t)i * spec->n_post + lo + c, w, 0},
                     name);
            }
        }
        rd_close(&m);
    } else {
        rd_array r[4];
        const char *paths[4] = {dd->pre, dd->post, dd->weight, dd->delay};
        const char *roles[4] = {"source", "target", "weight", "delay"};
        int on[4] = {1, 1, dd->weight != NULL, dd->delay != NULL};
        for (int k = 0; k < 4; k++) {
            if (!on[k])
                continue;
            rd_open(&r[k], name, paths[k], roles[k], RT_DATA_CHUNK);
            check_ndim1(spec, &r[k], k < 2);
            if (k && r[k].a.count != r[0].a.count)
                snn_fatal("projection '%s': %s has %llu entries but %s has %llu; every synapse "
                          "needs one of each", name, r[k].path,
                          (unsigned long long)r[k].a.count, r[0].path,
                          (unsigned long long)r[0].a.count);
        }
        const uint64_t n = r[0].a.count;
        for (uint64_t e0 = 0; e0 < n; e0 += RT_DATA_CHUNK) {
            const uint64_t m = n - e0 < RT_DATA_CHUNK ? n - e0 : RT_DATA_CHUNK;
            for (int k = 0; k < 4; k++)
                if (on[k])
                    rd_read(&r[k], name, e0, m);
            for (uint64_t c = 0; c < m; c++) {
                const uint64_t e = e0 + c;
                check_index(spec, &r[0], e, r[0].v[c], spec->n_pre, dd->pre_pop);
                check_index(spec, &r[1], e, r[1].v[c], spec->n_post, dd->post_pop);
                double w = on[2] ? r[2].v[c] : 0.0, d = on[3] ? r[3].v[c] : 0.0;
                if (on[2] && !isfinite(w))
                    snn_fatal("projection '%s': %s: entry %llu is %g; weights must be finite",
                              name, r[2].path, (unsigned long long)e, w);
                if (on[3] && !(d >= 0 && d < dmax_ms))
                    snn_fatal("projection '%s': %s: entry %llu is %g ms; delays must be finite, "
                              ">= 0 and below %g ms (%u steps of %g ms)", name, r[3].path,
                              (unsigned long long)e, d, dmax_ms,
                              spec->delay_bytes == 1 ? 255u : 65535u, spec->dt);
                const uint32_t j = (uint32_t)r[1].v[c];
                if (j >= lo && j < hi)
                    push(&v, &nv, &cap, (kept){j, (uint32_t)r[0].v[c], e, w, d}, name);
            }
        }
        for (int k = 0; k < 4; k++)
            if (on[k])
                rd_close(&r[k]);
        out->has_w = on[2];
        out->has_d = on[3];
    }
    if (spec->kind == SNN_CONN_MATRIX)
        out->has_w = 1;
    if (nv > 1)
        qsort(v, (size_t)nv, sizeof *v, by_post_pre_idx);
    out->start = calloc((size_t)out->n_cols + 1, sizeof *out->start);
    out->src = malloc((size_t)nv * sizeof *out->src + 1);
    out->w = out->has_w ? malloc((size_t)nv * sizeof *out->w + 1) : NULL;
    out->dms = out->has_d ? malloc((size_t)nv * sizeof *out->dms + 1) : NULL;
    if (!out->start || !out->src || (out->has_w && !out->w) || (out->has_d && !out->dms))
        snn_fatal("projection '%s': out of memory for %llu synapses read from data", name,
                  (unsigned long long)nv);
    for (uint64_t k = 0; k < nv; k++) {
        out->start[v[k].post - lo + 1]++;
        out->src[k] = v[k].pre;
        if (out->w)
            out->w[k] = v[k].w;
        if (out->dms)
            out->dms[k] = v[k].d;
    }
    for (uint32_t c = 0; c < out->n_cols; c++) {
        uint64_t len = out->start[c + 1];
        if (len > UINT32_MAX)
            snn_fatal("projection '%s': target %u has more than 4294967295 synapses", name,
                      lo + c);
        out->maxcol = len > out->maxcol ? (uint32_t)len : out->maxcol;
        out->start[c + 1] += out->start[c];
    }
    free(v);
}

void rt_list_free(rt_list *l)
{
    free(l->start);
    free(l->src);
    free(l->w);
    free(l->dms);
    memset(l, 0, sizeof *l);
}

void snn_init_from_file(const char *path, const char *what, uint64_t n_all, uint64_t first,
                        uint64_t n, void *out, int bytes)
{
    char err[1200];
    FILE *f = fopen(path, "rb");
    if (!f)
        snn_fatal("%s: %s: %s", what, path, strerror(errno));
    snn_npy_info a;
    if (snn_npy_info_of(f, path, &a, err, sizeof err) != 0)
        snn_fatal("%s: %s", what, err);
    if (a.ndim != 1 || a.count != n_all)
        snn_fatal("%s: %s: an array of shape (%llu%s%s); it needs one value per neuron: (%llu,)",
                  what, path, (unsigned long long)a.shape[0], a.ndim == 2 ? ", " : ",",
                  a.ndim == 2 ? "..." : "", (unsigned long long)n_all);
    unsigned char *raw = malloc(RT_DATA_CHUNK * 8u);
    if (!raw)
        snn_fatal("%s: out of memory reading %s", what, path);
    for (uint64_t k0 = 0; k0 < n; k0 += RT_DATA_CHUNK) {
        const uint64_t m = n - k0 < RT_DATA_CHUNK ? n - k0 : RT_DATA_CHUNK;
        if (fseek(f, a.offset + (long)((first + k0) * (uint64_t)a.size), SEEK_SET) != 0 ||
            fread(raw, (size_t)a.size, (size_t)m, f) != (size_t)m)
            snn_fatal("%s: %s: read error at entry %llu", what, path,
                      (unsigned long long)(first + k0));
        for (uint64_t c = 0; c < m; c++) {
            double x = snn_npy_value(raw + c * (uint64_t)a.size, a.kind, a.size);
            if (!isfinite(x))
                snn_fatal("%s: %s: entry %llu is %g; initial values must be finite", what, path,
                          (unsigned long long)(first + k0 + c), x);
            if (bytes == 4)
                ((float *)out)[k0 + c] = (float)x;
            else
                ((double *)out)[k0 + c] = x;
        }
    }
    free(raw);
    fclose(f);
}
