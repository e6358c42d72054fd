/*
 * rt_record.c - spike recording into NumPy .npy files.
 *
 * <dir>/spikes_<pop>.npy.part is written as the run goes: a 128-byte .npy v1.0 header
 * (shape (0,) until the end), then 12-byte records (f8 time in ms, u4 neuron index, little
 * endian, packed), buffered 64k records at a time.  Closing rewrites the header with the
 * real count and renames the file to .npy; aborting does the same but keeps the .part
 * name.  After close/abort the recorder only keeps its path, until snn_recorder_free.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "snnrt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REC_BYTES 12
#define REC_BUF 65536
#define NPY_HEADER 128

struct snn_recorder {
    FILE *f;
    uint64_t n;           /* records written or buffered */
    uint32_t used;        /* records in buf */
    unsigned char *buf;   /* REC_BUF * REC_BYTES */
    char *path;           /* final name */
    char *part;           /* path + ".part" */
    int aborted;          /* finished under the .part name */
};

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

__attribute__((noreturn)) static void write_fail(const snn_recorder *r)
{
    snn_fatal("cannot write spike file '%s': %s", r->part, strerror(errno ? errno : EIO));
}

/* Write the 128-byte header for n records at the current file position. */
static void write_header(snn_recorder *r, uint64_t n)
{
    unsigned char h[NPY_HEADER];
    char dict[NPY_HEADER];
    int len = snprintf(dict, sizeof dict,
                       "{'descr': [('t', '<f8'), ('i', '<u4')], 'fortran_order': False, "
                       "'shape': (%llu,), }",
                       (unsigned long long)n);
    const int dict_room = NPY_HEADER - 10; /* magic 6 + version 2 + length 2 */
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (unsigned char)(dict_room & 0xff);
    h[9] = (unsigned char)(dict_room >> 8);
    memset(h + 10, ' ', (size_t)dict_room);
    memcpy(h + 10, dict, (size_t)len);
    h[NPY_HEADER - 1] = '\n';
    errno = 0;
    if (fwrite(h, 1, sizeof h, r->f) != sizeof h)
        write_fail(r);
}

static void flush_buf(snn_recorder *r)
{
    if (r->used == 0)
        return;
    errno = 0;
    if (fwrite(r->buf, REC_BYTES, r->used, r->f) != r->used)
        write_fail(r);
    r->used = 0;
}

snn_recorder *snn_recorder_open(const char *dir, const char *pop_name)
{
    snn_recorder *r = calloc(1, sizeof *r);
    size_t len = strlen(dir) + strlen(pop_name) + 32;
    if (!r || !(r->path = malloc(len)) || !(r->part = malloc(len)) ||
        !(r->buf = malloc((size_t)REC_BUF * REC_BYTES)))
        snn_fatal("out of memory for the spike recorder of population '%s'", pop_name);
    snprintf(r->path, len, "%s/spikes_%s.npy", dir, pop_name);
    snprintf(r->part, len, "%s.part", r->path);
    r->f = fopen(r->part, "wb");
    if (!r->f)
        snn_fatal("cannot create spike file '%s': %s", r->part, strerror(errno));
    write_header(r, 0);
    return r;
}

void snn_recorder_add(snn_recorder *r, double t_ms, const uint32_t *ids, uint32_t n)
{
    uint64_t tbits;
    memcpy(&tbits, &t_ms, sizeof tbits);
    for (uint32_t k = 0; k < n; k++) {
        if (r->used == REC_BUF)
            flush_buf(r);
        unsigned char *p = r->buf + (size_t)r->used * REC_BYTES;
        put_le64(p, tbits);
        put_le32(p + 8, ids[k]);
        r->used++;
    }
    r->n += n;
}

/* Flush, rewrite the header with the real count and close the file. */
static void finish(snn_recorder *r)
{
    flush_buf(r);
    errno = 0;
    if (fseek(r->f, 0, SEEK_SET) != 0)
        write_fail(r);
    write_header(r, r->n);
    errno = 0;
    if (fflush(r->f) != 0 || ferror(r->f))
        write_fail(r);
    FILE *f = r->f;
    r->f = NULL;
    errno = 0;
    if (fclose(f) != 0)
        write_fail(r);
    free(r->buf);
    r->buf = NULL;
}

const char *snn_recorder_close(snn_recorder *r)
{
    if (!r)
        return NULL;
    if (r->f) {
        finish(r);
        if (rename(r->part, r->path) != 0)
            snn_fatal("cannot rename '%s' to '%s': %s", r->part, r->path, strerror(errno));
    }
    return r->aborted ? r->part : r->path;
}

void snn_recorder_abort(snn_recorder *r)
{
    if (r && r->f) {
        finish(r);
        r->aborted = 1;
    }
}

void snn_recorder_free(snn_recorder *r)
{
    if (!r)
        return;
    snn_recorder_abort(r);
    free(r->buf);
    free(r->path);
    free(r->part);
    free(r);
}
