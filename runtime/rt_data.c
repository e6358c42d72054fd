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

/* ---- the data files read, and the run config's replacements ---------------------------- */

static struct {
    const char *name, *path;
} g_files[SNN_MAX_DATA_FILES];
static int g_nfiles;
static int g_lock;

const char *snn_data_path(const snn_run *run, const char *name, const char *path)
{
    const snn_config *cfg = run->cfg;
    for (int k = 0; k < cfg->n_data; k++)
        if (!strcmp(cfg->data[k].name, name)) {
            path = cfg->data[k].path;
            break;
        }
    while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE))
        ;
    int k = 0;
    while (k < g_nfiles && strcmp(g_files[k].name, name) != 0)
        k++;
    if (k == g_nfiles && k < SNN_MAX_DATA_FILES) {
        g_files[k].name = name;
        g_files[k].path = path;
        g_nfiles++;
    }
    __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
    return path;
}

void snn_data_finish(const snn_run *run)
{
    const snn_config *cfg = run->cfg;
    /* by name, for run.json: the threads registered them in any order */
    for (int a = 1; a < g_nfiles; a++)
        for (int b = a; b > 0 && strcmp(g_files[b - 1].name, g_files[b].name) > 0; b--) {
            const char *n = g_files[b].name, *p = g_files[b].path;
            g_files[b] = g_files[b - 1];
            g_files[b - 1].name = n;
            g_files[b - 1].path = p;
        }
    for (int k = 0; k < cfg->n_data; k++) {
        int used = 0;
        for (int q = 0; q < g_nfiles; q++)
            used |= !strcmp(g_files[q].name, cfg->data[k].name);
        if (used)
            continue;
        char names[1024] = "";
        size_t at = 0;
        for (int q = 0; q < g_nfiles && at < sizeof names - 1; q++)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", q ? ", " : "",
                                   g_files[q].name);
        if (g_nfiles)
            snn_fatal("data.%s (%s): the model reads no data file of that name (its files: %s)",
                      cfg->data[k].name, cfg->data[k].where, names);
        snn_fatal("data.%s (%s): the model reads no data files (from_list, from_matrix, "
                  "from_file)", cfg->data[k].name, cfg->data[k].where);
    }
}

int snn_data_files(void) { return g_nfiles; }

void snn_data_file(int k, const char **name, const char **path)
{
    *name = g_files[k].name;
    *path = g_files[k].path;
}

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
    const unsigned char *raw = r->raw;
    double *v = r->v;
    const int key = r->a.kind * 16 + r->a.size;
#define RT_CONVERT(T)                                                                        \
    for (uint64_t k = 0; k < n; k++) {                                                       \
        T x;                                                                                 \
        memcpy(&x, raw + k * sizeof x, sizeof x);                                            \
        v[k] = (double)x;                                                                    \
    }
    /* the usual dtypes without a test per value (the files are little-endian, as is every
     * machine the simulator builds for) */
    if (key == 'i' * 16 + 4) {
        RT_CONVERT(int32_t)
    } else if (key == 'i' * 16 + 8) {
        RT_CONVERT(int64_t)
    } else if (key == 'u' * 16 + 4) {
        RT_CONVERT(uint32_t)
    } else if (key == 'f' * 16 + 8) {
        RT_CONVERT(double)
    } else if (key == 'f' * 16 + 4) {
        RT_CONVERT(float)
    } else {
        for (uint64_t k = 0; k < n; k++)
            v[k] = snn_npy_value(raw + k * (uint64_t)r->a.size, r->a.kind, r->a.size);
    }
#undef RT_CONVERT
}

static void rd_close(rd_array *r)
{
    if (r->f)
        fclose(r->f);
    free(r->raw);
    free(r->v);
    memset(r, 0, sizeof *r);
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

/* Sort the entries [a, b) of a column by source, stably (repeated pairs keep the file's
 * order), moving the weights and delays along: keys (source << 32 | position) sorted
 * bottom-up by merging runs of 16 made by insertion sort. */
static void sort_keys(uint64_t *k, uint64_t *t, uint64_t n)
{
    for (uint64_t r = 0; r < n; r += 16) {
        const uint64_t e = r + 16 < n ? r + 16 : n;
        for (uint64_t i = r + 1; i < e; i++) {
            const uint64_t x = k[i];
            uint64_t j = i;
            while (j > r && k[j - 1] > x) {
                k[j] = k[j - 1];
                j--;
            }
            k[j] = x;
        }
    }
    uint64_t *src = k, *dst = t;
    for (uint64_t w = 16; w < n; w *= 2) {
        for (uint64_t lo = 0; lo < n; lo += 2 * w) {
            const uint64_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            uint64_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi)
                dst[o++] = src[j] < src[i] ? src[j++] : src[i++];
            while (i < mid)
                dst[o++] = src[i++];
            while (j < hi)
                dst[o++] = src[j++];
        }
        uint64_t *x = src;
        src = dst;
        dst = x;
    }
    if (src != k)
        memcpy(k, src, (size_t)n * sizeof *k);
}

static void sort_column(rt_list *l, uint64_t a, uint64_t b, uint64_t **tmp, uint64_t *tcap,
                        const char *name)
{
    const uint64_t n = b - a;
    uint32_t *src = l->src + a;
    int sorted = 1;
    for (uint64_t k = 1; k < n && sorted; k++)
        sorted = src[k - 1] <= src[k];
    if (sorted)
        return;
    if (3 * n > *tcap) {
        free(*tmp);
        *tmp = malloc((size_t)n * 3 * sizeof **tmp);
        if (!*tmp)
            snn_fatal("projection '%s': out of memory sorting a column", name);
        *tcap = 3 * n;
    }
    uint64_t *key = *tmp, *t = key + n;
    double *d = (double *)(void *)(t + n);
    for (uint64_t k = 0; k < n; k++)
        key[k] = (uint64_t)src[k] << 32 | k;
    sort_keys(key, t, n);
    for (uint64_t k = 0; k < n; k++)
        src[k] = (uint32_t)(key[k] >> 32);
    double *vals[2] = {l->w ? l->w + a : NULL, l->dms ? l->dms + a : NULL};
    for (int q = 0; q < 2; q++) {
        if (!vals[q])
            continue;
        for (uint64_t k = 0; k < n; k++)
            d[k] = vals[q][(uint32_t)key[k]];
        memcpy(vals[q], d, (size_t)n * sizeof *d);
    }
}

/* Offsets from the per-column counts in start[c + 1]; allocate the arrays. */
static uint64_t list_alloc(rt_list *out, const char *name)
{
    uint64_t total = 0;
    for (uint32_t c = 0; c < out->n_cols; c++) {
        uint64_t len = out->start[c + 1];
        if (len > UINT32_MAX)
            snn_fatal("projection '%s': target %u has more than 4294967295 synapses", name,
                      out->lo + c);
        out->maxcol = len > out->maxcol ? (uint32_t)len : out->maxcol;
        out->start[c + 1] += out->start[c];
    }
    total = out->start[out->n_cols];
    out->src = malloc((size_t)total * sizeof *out->src + 1);
    out->w = out->has_w ? malloc((size_t)total * sizeof *out->w + 1) : NULL;
    out->dms = out->has_d ? malloc((size_t)total * sizeof *out->dms + 1) : NULL;
    if (!out->src || (out->has_w && !out->w) || (out->has_d && !out->dms))
        snn_fatal("projection '%s': out of memory for %llu synapses read from data", name,
                  (unsigned long long)total);
    return total;
}

/* The synapses onto targets [lo, hi), as columns (rt_internal.h, rt_list).  Two passes
 * over the files: count the synapses of each column (checking the indices), then put
 * each where it belongs (checking weights and delays); only this block's synapses are
 * kept in memory. */
void rt_list_load(const snn_proj_spec *spec, uint32_t lo, uint32_t hi, rt_list *out)
{
    const snn_conn_data *dd = spec->data;
    const char *name = spec->name ? spec->name : "?";
    if (!dd)
        snn_fatal("projection '%s': connectivity from data without its files", name);
    memset(out, 0, sizeof *out);
    out->lo = lo;
    out->n_cols = hi - lo;
    out->start = calloc((size_t)out->n_cols + 2, sizeof *out->start);
    uint64_t *fill = calloc((size_t)out->n_cols + 1, sizeof *fill);
    if (!out->start || !fill)
        snn_fatal("projection '%s': out of memory for %u columns", name, out->n_cols);
    const double dmax_ms = (spec->delay_bytes == 1 ? 255.5 : 65535.5) * spec->dt;

    if (spec->kind == SNN_CONN_MATRIX) {
        /* rows in ascending order: each column's sources come out sorted */
        rd_array m;
        rd_open(&m, name, dd->matrix, "matrix", (uint64_t)(hi - lo));
        if (m.a.ndim != 2 || m.a.shape[0] != spec->n_pre || m.a.shape[1] != spec->n_post)
            snn_fatal("projection '%s': %s: a matrix of shape (%llu, %llu), but it needs one "
                      "row per source and one column per target: (%u, %u)", name, m.path,
                      (unsigned long long)m.a.shape[0],
                      (unsigned long long)(m.a.ndim == 2 ? m.a.shape[1] : 0), spec->n_pre,
                      spec->n_post);
        out->has_w = 1;
        for (int pass = 0; pass < 2; pass++) {
            if (pass)
                list_alloc(out, name);
            for (uint32_t i = 0; i < spec->n_pre && hi > lo; i++) {
                rd_read(&m, name, (uint64_t)i * spec->n_post + lo, hi - lo);
                for (uint32_t c = 0; c < hi - lo; c++) {
                    const double w = m.v[c];
                    if (w == 0.0)
                        continue;
                    if (!isfinite(w))
                        snn_fatal("projection '%s': %s: entry (row %u, column %u) is %g; "
                                  "weights must be finite (0 means no synapse)", name, m.path,
                                  i, lo + c, w);
                    if (!pass) {
                        out->start[c + 1]++;
                        continue;
                    }
                    const uint64_t at = out->start[c] + fill[c]++;
                    out->src[at] = i;
                    out->w[at] = w;
                }
            }
        }
        rd_close(&m);
        free(fill);
        return;
    }

    rd_array r[4];
    const char *paths[4] = {dd->pre, dd->post, dd->weight, dd->delay};
    const char *roles[4] = {"source", "target", "weight", "delay"};
    const int on[4] = {1, 1, dd->weight != NULL, dd->delay != NULL};
    for (int k = 0; k < 4; k++) {
        if (!on[k])
            continue;
        rd_open(&r[k], name, paths[k], roles[k], RT_DATA_CHUNK);
        check_ndim1(spec, &r[k], k < 2);
        if (k && r[k].a.count != r[0].a.count)
            snn_fatal("projection '%s': %s has %llu entries but %s has %llu; every synapse "
                      "needs one of each", name, r[k].path, (unsigned long long)r[k].a.count,
                      r[0].path, (unsigned long long)r[0].a.count);
    }
    out->has_w = on[2];
    out->has_d = on[3];
    const uint64_t n = r[0].a.count;
    for (int pass = 0; pass < 2; pass++) {
        if (pass)
            list_alloc(out, name);
        for (uint64_t e0 = 0; e0 < n; e0 += RT_DATA_CHUNK) {
            const uint64_t m = n - e0 < RT_DATA_CHUNK ? n - e0 : RT_DATA_CHUNK;
            for (int k = 0; k < 4; k++)
                if (on[k] && (k < 2 || pass))
                    rd_read(&r[k], name, e0, m);
            for (uint64_t c = 0; c < m; c++) {
                const uint64_t e = e0 + c;
                const double j = r[1].v[c];
                if (!pass) {
                    check_index(spec, &r[0], e, r[0].v[c], spec->n_pre, dd->pre_pop);
                    check_index(spec, &r[1], e, j, spec->n_post, dd->post_pop);
                    if (j >= lo && j < hi)
                        out->start[(uint32_t)j - lo + 1]++;
                    continue;
                }
                const double w = on[2] ? r[2].v[c] : 0.0, d = on[3] ? r[3].v[c] : 0.0;
                if (on[2] && !isfinite(w))
                    snn_fatal("projection '%s': %s: entry %llu is %g; weights must be finite",
                              name, r[2].path, (unsigned long long)e, w);
                if (on[3] && !(d >= 0 && d < dmax_ms))
                    snn_fatal("projection '%s': %s: entry %llu is %g ms; delays must be finite, "
                              ">= 0 and below %g ms (%u steps of %g ms)", name, r[3].path,
                              (unsigned long long)e, d, dmax_ms,
                              spec->delay_bytes == 1 ? 255u : 65535u, spec->dt);
                if (!(j >= lo && j < hi))
                    continue;
                const uint32_t col = (uint32_t)j - lo;
                const uint64_t at = out->start[col] + fill[col]++;
                out->src[at] = (uint32_t)r[0].v[c];
                if (out->w)
                    out->w[at] = w;
                if (out->dms)
                    out->dms[at] = d;
            }
        }
    }
    for (int k = 0; k < 4; k++)
        if (on[k])
            rd_close(&r[k]);
    free(fill);
    /* each column by source, stably */
    uint64_t *tmp = NULL, tcap = 0;
    for (uint32_t c = 0; c < out->n_cols; c++)
        sort_column(out, out->start[c], out->start[c + 1], &tmp, &tcap, name);
    free(tmp);
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
