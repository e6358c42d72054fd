/*
 * snn_npy.h - the header of a NumPy .npy file, header only: snncc checks the files a model
 * names (shape, type) when it compiles the model, and libsnnrt reads them when the
 * simulator builds the network (rt_data.c) or replays spikes (rt_spikes_in.c).
 *
 * Format (numpy.lib.format): "\x93NUMPY", version major and minor, the header length (2
 * bytes in version 1, 4 in versions 2 and 3), then a Python dict literal with 'descr',
 * 'fortran_order' and 'shape', then the data.  Plain arrays of little-endian numbers are
 * read here (snn_npy_open); structured arrays (spike files) only get their dict
 * (snn_npy_dict) and parse the fields themselves.
 */
#ifndef SNN_NPY_H
#define SNN_NPY_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct snn_npy_info {
    char kind;         /* 'f' float, 'i' signed, 'u' unsigned integer, 'b' bool */
    int size;          /* bytes per value */
    int ndim;          /* 0, 1 or 2 */
    uint64_t shape[2]; /* shape[0] x shape[1] (ndim 1: shape[1] = 1) */
    uint64_t count;    /* number of values */
    long offset;       /* where the data begin in the file */
} snn_npy_info;

static inline int snn_npy_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int snn_npy_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Read the preamble and the header dict of f (positioned at its start); on success the
 * dict (malloc'ed, NUL-terminated) and f positioned at the data; NULL with err otherwise. */
static inline char *snn_npy_dict(FILE *f, const char *path, char *err, size_t errlen)
{
    unsigned char pre[10];
    if (fread(pre, 1, 8, f) != 8 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        snn_npy_fail(err, errlen, "%s: not a NumPy .npy file", path);
        return NULL;
    }
    size_t hlen;
    if (pre[6] == 1) {
        if (fread(pre + 8, 1, 2, f) != 2) {
            snn_npy_fail(err, errlen, "%s: truncated .npy header", path);
            return NULL;
        }
        hlen = pre[8] | (size_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        unsigned char l4[4];
        if (fread(l4, 1, 4, f) != 4) {
            snn_npy_fail(err, errlen, "%s: truncated .npy header", path);
            return NULL;
        }
        hlen = l4[0] | (size_t)l4[1] << 8 | (size_t)l4[2] << 16 | (size_t)l4[3] << 24;
    } else {
        snn_npy_fail(err, errlen, "%s: .npy format version %d is not supported", path, pre[6]);
        return NULL;
    }
    if (hlen > 1 << 20) {
        snn_npy_fail(err, errlen, "%s: .npy header of %zu bytes is implausible", path, hlen);
        return NULL;
    }
    char *h = malloc(hlen + 1);
    if (!h) {
        snn_npy_fail(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (fread(h, 1, hlen, f) != hlen) {
        free(h);
        snn_npy_fail(err, errlen, "%s: truncated .npy header", path);
        return NULL;
    }
    h[hlen] = '\0';
    return h;
}

/* Open a plain array of numbers (1-d or 2-d, C order, little-endian int, uint, float or
 * bool): fills a, leaves f at the data.  Checks that the file holds all the data. */
static inline int snn_npy_info_of(FILE *f, const char *path, snn_npy_info *a, char *err,
                                  size_t errlen)
{
    memset(a, 0, sizeof *a);
    char *h = snn_npy_dict(f, path, err, errlen);
    if (!h)
        return -1;
    int rc = -1;
    const char *d = strstr(h, "'descr'"), *fo = strstr(h, "'fortran_order'"),
               *sh = strstr(h, "'shape'");
    if (!d || !fo || !sh) {
        snn_npy_fail(err, errlen, "%s: .npy header without descr, fortran_order or shape", path);
        goto out;
    }
    d = strchr(d + 7, ':');
    while (d && *++d == ' ')
        ;
    if (!d || *d != '\'') {
        snn_npy_fail(err, errlen, "%s: a structured array; a plain array of numbers is expected",
                     path);
        goto out;
    }
    char type[16] = "";
    if (sscanf(d, "'%15[^']'", type) != 1 || strlen(type) < 3) {
        snn_npy_fail(err, errlen, "%s: cannot read the .npy dtype", path);
        goto out;
    }
    a->kind = type[1];
    a->size = atoi(type + 2);
    if ((type[0] != '<' && type[0] != '|' && type[0] != '=') ||
        a->kind == '\0' || !strchr("fiub", a->kind) ||
        !(a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8) ||
        (a->kind == 'f' && a->size < 4) || (a->kind == 'b' && a->size != 1)) {
        snn_npy_fail(err, errlen, "%s: dtype '%s' is not a little-endian integer, float32 or "
                                  "float64", path, type);
        goto out;
    }
    sh = strchr(sh, '(');
    if (!sh) {
        snn_npy_fail(err, errlen, "%s: cannot read the .npy shape", path);
        goto out;
    }
    {
        const char *p = sh + 1;
        while (*p == ' ')
            p++;
        while (*p != ')') {
            char *end;
            unsigned long long v = strtoull(p, &end, 10);
            if (end == p || a->ndim == 2) {
                snn_npy_fail(err, errlen, "%s: the array has %s dimensions; 1 or 2 are "
                                          "expected", path, a->ndim == 2 ? "more than 2" : "odd");
                goto out;
            }
            a->shape[a->ndim++] = v;
            p = end;
            while (*p == ' ' || *p == ',')
                p++;
        }
    }
    if (a->ndim == 0) {
        snn_npy_fail(err, errlen, "%s: the array is a scalar; 1 or 2 dimensions are expected",
                     path);
        goto out;
    }
    if (a->ndim == 1)
        a->shape[1] = 1;
    {
        /* 'fortran_order': True matters only for 2-d arrays with more than one column */
        const char *t = strstr(h, "'fortran_order'");
        const char *colon = t ? strchr(t, ':') : NULL;
        while (colon && (*++colon == ' '))
            ;
        if (colon && !strncmp(colon, "True", 4) && a->ndim == 2 && a->shape[0] > 1 &&
            a->shape[1] > 1) {
            snn_npy_fail(err, errlen, "%s: a Fortran-ordered matrix; save it in C order "
                                      "(numpy.ascontiguousarray)", path);
            goto out;
        }
    }
    a->count = a->shape[0] * a->shape[1];
    a->offset = ftell(f);
    {
        long here = a->offset;
        if (fseek(f, 0, SEEK_END) != 0) {
            snn_npy_fail(err, errlen, "%s: cannot seek", path);
            goto out;
        }
        long end = ftell(f);
        if (end < 0 || (uint64_t)(end - here) < a->count * (uint64_t)a->size) {
            snn_npy_fail(err, errlen, "%s: the file ends before the %llu values its header "
                                      "announces", path, (unsigned long long)a->count);
            goto out;
        }
        fseek(f, here, SEEK_SET);
    }
    rc = 0;
out:
    free(h);
    return rc;
}

/* Value of one element as stored (kind, size as in snn_npy_info), as a double. */
static inline double snn_npy_value(const unsigned char *p, char kind, int size)
{
    if (kind == 'f') {
        if (size == 4) {
            float x;
            memcpy(&x, p, 4);
            return x;
        }
        double x;
        memcpy(&x, p, 8);
        return x;
    }
    uint64_t u = 0;
    for (int b = 0; b < size; b++)
        u |= (uint64_t)p[b] << (8 * b);
    if (kind == 'i') {
        if (size < 8 && (u >> (8 * size - 1)) & 1)
            u |= ~0ull << (8 * size); /* sign-extend */
        return (double)(int64_t)u;
    }
    return (double)u;
}

#endif
