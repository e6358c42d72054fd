/*
 * rt_idx.c - IDX image files (MNIST, Fashion-MNIST) as the data set of a
 * spike_source_dataset population, latency-coded on reading (run config
 * datasets: { In: { file: train-images-idx3-ubyte.gz, labels: train-labels-idx1-ubyte.gz,
 * encode: log_latency, tau: 20, threshold: 51, limit: N } }; docs/datasets.md).
 *
 * IDX: a big-endian header, magic 0x00000803 (unsigned bytes, 3 dimensions: images, rows,
 * columns) or 0x00000801 (1 dimension: labels), one big-endian uint32 per dimension, then
 * the bytes row-major.  The files may be gzip-compressed (as distributed) or plain: zlib's
 * gzread reads both.  zlib is opened at run time (dlopen, as libhdf5 for .h5 files), so
 * simulators link without it.
 *
 * Encoding log_latency (mlGeNN's log_latency_encode_data(images, tau, threshold)): pixel p
 * (channel r * cols + c) of intensity x > threshold spikes once, at
 * t = tau * ln(x / (x - threshold)) ms from the example's start; pixels <= threshold are
 * silent.
 */
#include "rt_internal.h"
#include "snnrt.h"

#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* zlib's gz* functions, opened once (zlib1g is part of every Debian system) */
static struct {
    void *lib;
    void *(*open)(const char *, const char *);
    int (*read)(void *, void *, unsigned);
    int (*close)(void *);
    const char *(*error)(void *, int *);
} Z;

static int z_load(char *err, size_t errlen)
{
    if (Z.lib)
        return 0;
    static const char *const names[] = {"libz.so.1", "libz.so"};
    for (size_t k = 0; k < sizeof names / sizeof names[0] && !Z.lib; k++)
        Z.lib = dlopen(names[k], RTLD_NOW | RTLD_LOCAL);
    if (!Z.lib)
        return snn_errf(err, errlen, "reading IDX files needs zlib (Debian: apt-get install "
                                 "zlib1g), which was not found");
    *(void **)&Z.open = dlsym(Z.lib, "gzopen");
    *(void **)&Z.read = dlsym(Z.lib, "gzread");
    *(void **)&Z.close = dlsym(Z.lib, "gzclose");
    *(void **)&Z.error = dlsym(Z.lib, "gzerror");
    if (!Z.open || !Z.read || !Z.close || !Z.error) {
        dlclose(Z.lib);
        Z.lib = NULL;
        return snn_errf(err, errlen, "zlib lacks gzopen/gzread/gzclose/gzerror");
    }
    return 0;
}

/* zlib's message for g, without the "path: " it starts with */
static const char *z_msg(void *g, const char *path)
{
    int code = 0;
    const char *m = Z.error(g, &code);
    size_t n = strlen(path);
    if (m && !strncmp(m, path, n) && !strncmp(m + n, ": ", 2))
        m += n + 2;
    return m ? m : "";
}

/* Read exactly n bytes (uncompressed offset *at); a short read names the file, what was
 * being read and the offset. */
static int z_read(void *g, const char *path, void *buf, size_t n, uint64_t *at,
                  const char *what, char *err, size_t errlen)
{
    size_t got = 0;
    while (got < n) {
        unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
        int r = Z.read(g, (char *)buf + got, chunk);
        if (r < 0) {
            const char *m = z_msg(g, path);
            return snn_errf(err, errlen, "%s: corrupt at byte %llu (uncompressed) while reading "
                                     "%s: %s", path, (unsigned long long)(*at + got), what,
                        m && *m ? m : "read error");
        }
        if (r == 0) {
            const char *m = z_msg(g, path);
            return snn_errf(err, errlen, "%s: truncated: %s needs %zu bytes at byte %llu "
                                     "(uncompressed), the file ends after %zu%s%s", path,
                        what, n, (unsigned long long)*at, got, m && *m ? ": " : "",
                        m && *m ? m : "");
        }
        got += (size_t)r;
    }
    *at += n;
    return 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Open an IDX file and read its header: ndim dimensions expected (3 images, 1 labels). */
static void *idx_open(const char *path, int ndim, uint32_t *dims, uint64_t *at, char *err,
                      size_t errlen)
{
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        snn_errf(err, errlen, "%s: %s%s", path, strerror(errno),
             errno == ENOENT && strstr(path, "fashion-mnist")
                 ? " (Debian: apt-get install dataset-fashion-mnist puts the IDX files in "
                   "/usr/share/datasets/fashion-mnist/)"
                 : "");
        return NULL;
    }
    fclose(probe);
    void *g = Z.open(path, "rb");
    if (!g) {
        snn_errf(err, errlen, "%s: cannot open it with zlib", path);
        return NULL;
    }
    unsigned char h[16];
    *at = 0;
    if (z_read(g, path, h, 4, at, "the IDX magic number", err, errlen) != 0)
        goto bad;
    uint32_t magic = be32(h), want = 0x800u | (uint32_t)ndim;
    if (magic != want) {
        const char *what = ndim == 3 ? "images" : "labels";
        if (h[0] || h[1] || h[2] != 0x08)
            snn_errf(err, errlen, "%s: not an IDX file of unsigned bytes: magic number 0x%08x at "
                              "byte 0 (IDX %s: 0x%08x)", path, magic, what, want);
        else
            snn_errf(err, errlen, "%s: an IDX file of %u dimensions (magic 0x%08x at byte 0), "
                              "but IDX %s have %d (0x%08x)%s", path, h[3], magic, what, ndim,
                 want, ndim == 3 && h[3] == 1 ? ": is this the labels file?"
                       : ndim == 1 && h[3] == 3 ? ": is this the images file?" : "");
        goto bad;
    }
    if (z_read(g, path, h, 4 * (size_t)ndim, at, "the IDX dimensions", err, errlen) != 0)
        goto bad;
    for (int d = 0; d < ndim; d++) {
        dims[d] = be32(h + 4 * d);
        if (dims[d] == 0) {
            snn_errf(err, errlen, "%s: dimension %d (byte %d) is 0", path, d, 4 + 4 * d);
            goto bad;
        }
    }
    return g;
bad:
    Z.close(g);
    return NULL;
}

int snn_dataset_read_idx(const char *images, const char *labels, double tau, double thr,
                         uint64_t limit, uint32_t n, int classes, snn_dataset *ds, char *err,
                         size_t errlen)
{
    memset(ds, 0, sizeof *ds);
    if (z_load(err, errlen) != 0)
        return -1;
    uint32_t di[3], dl[1];
    uint64_t ai = 0, al = 0;
    void *gi = idx_open(images, 3, di, &ai, err, errlen);
    if (!gi)
        return -1;
    void *gl = idx_open(labels, 1, dl, &al, err, errlen);
    if (!gl) {
        Z.close(gi);
        return -1;
    }
    int rc = -1;
    unsigned char *px = NULL, *lab = NULL;
    double *t = NULL;
    uint32_t *u = NULL;
    uint64_t *off = NULL;
    int32_t *lb = NULL;
    uint64_t pix = (uint64_t)di[1] * di[2];
    if (di[0] != dl[0]) {
        snn_errf(err, errlen, "%s: %u labels, but %s has %u images", labels, dl[0], images, di[0]);
        goto out;
    }
    if (pix != n) {
        snn_errf(err, errlen, "%s: images of %u x %u = %llu pixels, but the population has %u "
                          "neurons (one per pixel)", images, di[1], di[2],
             (unsigned long long)pix, n);
        goto out;
    }
    uint64_t ne = limit && limit < di[0] ? limit : di[0];
    px = malloc((size_t)pix);
    lab = malloc((size_t)ne);
    off = malloc(sizeof *off * (size_t)(ne + 1));
    lb = malloc(sizeof *lb * (size_t)ne);
    if (!px || !lab || !off || !lb) {
        snn_errf(err, errlen, "%s: out of memory for %llu images", images, (unsigned long long)ne);
        goto out;
    }
    if (z_read(gl, labels, lab, (size_t)ne, &al, "the labels", err, errlen) != 0)
        goto out;
    /* the spike time of each intensity, once */
    double tx[256];
    for (int x = 0; x < 256; x++)
        tx[x] = x > thr ? tau * log((double)x / ((double)x - thr)) : -1.0;
    uint64_t cap = 0, ns = 0;
    off[0] = 0;
    for (uint64_t k = 0; k < ne; k++) {
        char what[64];
        snprintf(what, sizeof what, "image %llu", (unsigned long long)k);
        if (z_read(gi, images, px, (size_t)pix, &ai, what, err, errlen) != 0)
            goto out;
        if (lab[k] >= classes) {
            snn_errf(err, errlen, "%s: example %llu (byte %llu) has label %u, but the population "
                              "declares classes = %d (labels 0 .. %d)", labels,
                 (unsigned long long)k, (unsigned long long)(8 + k), lab[k], classes,
                 classes - 1);
            goto out;
        }
        lb[k] = lab[k];
        uint64_t first = ns;
        for (uint64_t p = 0; p < pix; p++) {
            if (tx[px[p]] < 0)
                continue;
            if (ns == cap) {
                cap = cap ? 2 * cap : 4096;
                double *t2 = realloc(t, sizeof *t * (size_t)cap);
                if (t2)
                    t = t2;
                uint32_t *u2 = realloc(u, sizeof *u * (size_t)cap);
                if (u2)
                    u = u2;
                if (!t2 || !u2) {
                    snn_errf(err, errlen, "%s: out of memory for %llu spikes", images,
                         (unsigned long long)cap);
                    goto out;
                }
            }
            t[ns] = tx[px[p]];
            u[ns++] = (uint32_t)p;
        }
        /* sort the example's spikes by time (ties by channel): insertion sort of at most
         * pix entries, on 256 distinct keys, by a counting pass */
        uint64_t cnt[257] = {0};
        for (uint64_t s = first; s < ns; s++)
            cnt[px[u[s]] + 1]++;
        /* brighter pixels spike earlier: order by intensity descending */
        uint64_t pos[256];
        uint64_t acc = first;
        for (int x = 255; x >= 0; x--) {
            pos[x] = acc;
            acc += cnt[x + 1];
        }
        for (uint64_t p = 0; p < pix; p++)
            if (tx[px[p]] >= 0) {
                uint64_t s = pos[px[p]]++;
                t[s] = tx[px[p]];
                u[s] = (uint32_t)p;
            }
        off[k + 1] = ns;
    }
    ds->n_examples = ne;
    ds->n_spikes = ns;
    ds->times = t ? t : malloc(sizeof(double));
    ds->units = u ? u : malloc(sizeof(uint32_t));
    ds->offsets = off;
    ds->labels = lb;
    t = NULL;
    u = NULL;
    off = NULL;
    lb = NULL;
    rc = 0;
out:
    Z.close(gi);
    Z.close(gl);
    free(px);
    free(lab);
    free(t);
    free(u);
    free(off);
    free(lb);
    return rc;
}
