/*
 * rt_record.c - spike and variable recording into NumPy .npy files.
 *
 * <dir>/spikes_<pop>.npy.part is written as the run goes: a 128-byte .npy v1.0 header,
 * then 12-byte records (f8 time in ms, u4 neuron index, little endian, packed), buffered
 * 64k records at a time.  The header's count is that of the records on disk whenever it
 * is rewritten: at every snn_*_sync (the run loop's heartbeat, every few seconds) and at
 * the end, in place (pwrite at offset 0), so a file left by a killed run is a valid .npy
 * of the records up to the last sync.  Closing rewrites the header with the real count
 * and renames the file to .npy; aborting does the same but keeps the .part name;
 * abandoning (after a fatal error) does what it still can and never fails.  After
 * close/abort the recorder only keeps its path, until snn_recorder_free.
 *
 * Variable recorders (snn_varrec) work the same way with <dir>/<pop>_<var>.npy: records of
 * f8 time and n_cols values (f4 or f8), written through stdio with a 1 MiB buffer.  Their
 * header is sized at open for a 20-digit record count and padded to a multiple of 64
 * bytes, so the final header (same length) can overwrite it in place.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "snnrt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC_BYTES 12
#define REC_BUF 65536
#define NPY_HEADER 128

struct snn_recorder {
    FILE *f;
    uint64_t n;           /* records written or buffered */
    uint64_t n_disk;      /* records handed to stdio without error */
    uint32_t used;        /* records in buf */
    unsigned char *buf;   /* REC_BUF * REC_BYTES */
    char *path;           /* final name */
    char *part;           /* path + ".part" */
    int aborted;          /* finished under the .part name */
};

/* little-endian stores: one memcpy on little-endian hosts (the byte loops cost COBA's
 * spike recording 76 instructions per spike at -O2), bytes elsewhere */
static void put_le64(unsigned char *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, sizeof v);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
}

static void put_le32(unsigned char *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    memcpy(p, &v, sizeof v);
#else
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
#endif
}

__attribute__((noreturn)) static void write_fail(const snn_recorder *r)
{
    snn_fatal("cannot write spike file '%s': %s", r->part, strerror(errno ? errno : EIO));
}

/* Flush stdio, then write the header (len bytes) over the start of the file. */
static int header_in_place(FILE *f, const unsigned char *h, size_t len)
{
    errno = 0;
    if (fflush(f) != 0)
        return -1;
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(fileno(f), h + done, len - done, (off_t)done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        done += (size_t)w;
    }
    return 0;
}

/* The 128-byte header for n records into h. */
static void make_header(unsigned char *h, uint64_t n)
{
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
}

/* Write the header for n records at the current file position (the start). */
static void write_header(snn_recorder *r, uint64_t n)
{
    unsigned char h[NPY_HEADER];
    make_header(h, n);
    errno = 0;
    if (fwrite(h, 1, sizeof h, r->f) != sizeof h)
        write_fail(r);
}

static int try_flush_buf(snn_recorder *r)
{
    if (r->used == 0)
        return 0;
    errno = 0;
    if (fwrite(r->buf, REC_BYTES, r->used, r->f) != r->used)
        return -1;
    r->n_disk += r->used;
    r->used = 0;
    return 0;
}

static void flush_buf(snn_recorder *r)
{
    if (try_flush_buf(r) != 0)
        write_fail(r);
}

/* The buffered records to disk and the header's count to match. */
static int try_sync(snn_recorder *r)
{
    unsigned char h[NPY_HEADER];
    int rc = try_flush_buf(r);
    int e = errno;
    make_header(h, r->n_disk);
    if (header_in_place(r->f, h, sizeof h) != 0)
        return -1;
    errno = e;
    return rc;
}

void snn_recorder_sync(snn_recorder *r)
{
    if (r && r->f && try_sync(r) != 0)
        write_fail(r);
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
    if (try_sync(r) != 0)
        write_fail(r);
    errno = 0;
    if (ferror(r->f))
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

void snn_recorder_abandon(snn_recorder *r)
{
    if (r && r->f) {
        (void)try_sync(r);
        fclose(r->f);
        r->f = NULL;
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

/* ---- variable recording --------------------------------------------------------------- */

#define VAR_STDIO_BUF (1u << 20)

struct snn_varrec {
    FILE *f;
    uint64_t n;           /* records written */
    uint64_t n_disk;      /* records flushed to the file without error */
    uint32_t n_cols;
    int vb;               /* 4 or 8 */
    size_t header_len;    /* bytes, a multiple of 64 */
    int version;          /* 1 or 2 (.npy format) */
    char *path, *part;
    int aborted;
    unsigned char *swap;  /* big-endian hosts: one record's values, byte-swapped */
};

__attribute__((noreturn)) static void var_write_fail(const snn_varrec *r)
{
    snn_fatal("cannot write recording file '%s': %s", r->part, strerror(errno ? errno : EIO));
}

static int var_dict(char *buf, size_t n, const snn_varrec *r, const char *count)
{
    return snprintf(buf, n,
                    "{'descr': [('t', '<f8'), ('v', '<f%d', (%lu,))], 'fortran_order': False, "
                    "'shape': (%s,), }",
                    r->vb, (unsigned long)r->n_cols, count);
}

/* Write the header for n records: at the current position (the start, at open), or in
 * place after flushing (later); -1 on a write error. */
static int var_header(snn_varrec *r, uint64_t n, int in_place)
{
    char count[32];
    snprintf(count, sizeof count, "%llu", (unsigned long long)n);
    unsigned char *h = malloc(r->header_len);
    if (!h)
        snn_fatal("out of memory writing the header of '%s'", r->part);
    const size_t pre = r->version == 1 ? 10 : 12;
    const size_t room = r->header_len - pre; /* dict, spaces, '\n' */
    memset(h, ' ', r->header_len);
    memcpy(h, "\x93NUMPY", 6);
    h[6] = (unsigned char)r->version;
    h[7] = 0;
    if (r->version == 1) {
        h[8] = (unsigned char)(room & 0xff);
        h[9] = (unsigned char)(room >> 8);
    } else {
        put_le32(h + 8, (uint32_t)room);
    }
    char dict[128];
    int len = var_dict(dict, sizeof dict, r, count);
    memcpy(h + pre, dict, (size_t)len);
    h[r->header_len - 1] = '\n';
    errno = 0;
    int rc = in_place ? header_in_place(r->f, h, r->header_len)
                      : (fwrite(h, 1, r->header_len, r->f) == r->header_len ? 0 : -1);
    int e = errno;
    free(h);
    errno = e;
    return rc;
}

static void var_write_header(snn_varrec *r, uint64_t n)
{
    if (var_header(r, n, 0) != 0)
        var_write_fail(r);
}

static int var_try_sync(snn_varrec *r)
{
    errno = 0;
    if (fflush(r->f) != 0)
        return -1;
    r->n_disk = r->n;
    return var_header(r, r->n_disk, 1);
}

void snn_varrec_sync(snn_varrec *r)
{
    if (r && r->f && var_try_sync(r) != 0)
        var_write_fail(r);
}

void snn_varrec_abandon(snn_varrec *r)
{
    if (r && r->f) {
        if (var_try_sync(r) != 0)
            (void)var_header(r, r->n_disk, 1);
        fclose(r->f);
        r->f = NULL;
        r->aborted = 1;
    }
}

snn_varrec *snn_varrec_open(const char *dir, const char *pop, const char *var, uint32_t n_cols,
                            int value_bytes)
{
    if (value_bytes != 4 && value_bytes != 8)
        snn_fatal("recording of '%s.%s': values must have 4 or 8 bytes (got %d)", pop, var,
                  value_bytes);
    snn_varrec *r = calloc(1, sizeof *r);
    size_t len = strlen(dir) + strlen(pop) + strlen(var) + 32;
    if (!r || !(r->path = malloc(len)) || !(r->part = malloc(len)))
        snn_fatal("out of memory for the recorder of '%s.%s'", pop, var);
    r->n_cols = n_cols;
    r->vb = value_bytes;
    snprintf(r->path, len, "%s/%s_%s.npy", dir, pop, var);
    snprintf(r->part, len, "%s.part", r->path);
    /* Room for any count: the dict with 20 digits, then '\n', rounded up to 64. */
    char dict[128];
    size_t dl = (size_t)var_dict(dict, sizeof dict, r, "18446744073709551615");
    r->version = 10 + dl + 1 > 65535 + 10 ? 2 : 1;
    size_t pre = r->version == 1 ? 10 : 12;
    r->header_len = (pre + dl + 1 + 63) / 64 * 64;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    r->swap = malloc((size_t)n_cols * (size_t)value_bytes + 1);
    if (!r->swap)
        snn_fatal("out of memory for the recorder of '%s.%s'", pop, var);
#endif
    r->f = fopen(r->part, "wb");
    if (!r->f)
        snn_fatal("cannot create recording file '%s': %s", r->part, strerror(errno));
    setvbuf(r->f, NULL, _IOFBF, VAR_STDIO_BUF);
    var_write_header(r, 0);
    return r;
}

void snn_varrec_add(snn_varrec *r, double t_ms, const void *values)
{
    unsigned char tb[8];
    uint64_t tbits;
    memcpy(&tbits, &t_ms, sizeof tbits);
    put_le64(tb, tbits);
    const size_t nv = r->n_cols;
    const void *src = values;
    if (r->swap) {
        const unsigned char *v = (const unsigned char *)values;
        for (size_t i = 0; i < nv; i++)
            for (int b = 0; b < r->vb; b++)
                r->swap[i * (size_t)r->vb + (size_t)b] =
                    v[i * (size_t)r->vb + (size_t)(r->vb - 1 - b)];
        src = r->swap;
    }
    errno = 0;
    if (fwrite(tb, 1, 8, r->f) != 8 ||
        (nv && fwrite(src, (size_t)r->vb, nv, r->f) != nv))
        var_write_fail(r);
    r->n++;
}

static void var_finish(snn_varrec *r)
{
    if (var_try_sync(r) != 0)
        var_write_fail(r);
    errno = 0;
    if (ferror(r->f))
        var_write_fail(r);
    FILE *f = r->f;
    r->f = NULL;
    errno = 0;
    if (fclose(f) != 0)
        var_write_fail(r);
}

const char *snn_varrec_close(snn_varrec *r)
{
    if (!r)
        return NULL;
    if (r->f) {
        var_finish(r);
        if (rename(r->part, r->path) != 0)
            snn_fatal("cannot rename '%s' to '%s': %s", r->part, r->path, strerror(errno));
    }
    return r->aborted ? r->part : r->path;
}

void snn_varrec_abort(snn_varrec *r)
{
    if (r && r->f) {
        var_finish(r);
        r->aborted = 1;
    }
}

void snn_varrec_free(snn_varrec *r)
{
    if (!r)
        return;
    snn_varrec_abort(r);
    free(r->swap);
    free(r->path);
    free(r->part);
    free(r);
}

/* ---- synapse variable recording ------------------------------------------------------- */

/* <dir>/<proj>_<var>.npy: records of f8 time, u4 pre, u4 post, one value (f4 or f8), one per
 * synapse and snapshot.  Header as the variable recorders' (sized for any count). */
struct snn_synrec {
    FILE *f;
    uint64_t n;           /* records written */
    uint64_t n_disk;      /* records flushed to the file without error */
    int vb;               /* 4 or 8 */
    size_t header_len;    /* bytes, a multiple of 64 */
    char *path, *part;
    int aborted;
};

__attribute__((noreturn)) static void syn_write_fail(const snn_synrec *r)
{
    snn_fatal("cannot write recording file '%s': %s", r->part, strerror(errno ? errno : EIO));
}

static int syn_dict(char *buf, size_t n, int vb, const char *count)
{
    return snprintf(buf, n,
                    "{'descr': [('t', '<f8'), ('pre', '<u4'), ('post', '<u4'), ('v', '<f%d')], "
                    "'fortran_order': False, 'shape': (%s,), }",
                    vb, count);
}

static int syn_header(snn_synrec *r, uint64_t n, int in_place)
{
    char count[32], dict[160];
    snprintf(count, sizeof count, "%llu", (unsigned long long)n);
    int len = syn_dict(dict, sizeof dict, r->vb, count);
    unsigned char h[256];
    const size_t room = r->header_len - 10; /* dict, spaces, '\n' */
    memset(h, ' ', r->header_len);
    memcpy(h, "\x93NUMPY\x01\x00", 8);
    h[8] = (unsigned char)(room & 0xff);
    h[9] = (unsigned char)(room >> 8);
    memcpy(h + 10, dict, (size_t)len);
    h[r->header_len - 1] = '\n';
    errno = 0;
    if (in_place)
        return header_in_place(r->f, h, r->header_len);
    return fwrite(h, 1, r->header_len, r->f) == r->header_len ? 0 : -1;
}

static void syn_write_header(snn_synrec *r, uint64_t n)
{
    if (syn_header(r, n, 0) != 0)
        syn_write_fail(r);
}

static int syn_try_sync(snn_synrec *r)
{
    errno = 0;
    if (fflush(r->f) != 0)
        return -1;
    r->n_disk = r->n;
    return syn_header(r, r->n_disk, 1);
}

void snn_synrec_sync(snn_synrec *r)
{
    if (r && r->f && syn_try_sync(r) != 0)
        syn_write_fail(r);
}

void snn_synrec_abandon(snn_synrec *r)
{
    if (r && r->f) {
        if (syn_try_sync(r) != 0)
            (void)syn_header(r, r->n_disk, 1);
        fclose(r->f);
        r->f = NULL;
        r->aborted = 1;
    }
}

snn_synrec *snn_synrec_open(const char *dir, const char *proj, const char *var, int value_bytes)
{
    if (value_bytes != 4 && value_bytes != 8)
        snn_fatal("recording of '%s.%s': values must have 4 or 8 bytes (got %d)", proj, var,
                  value_bytes);
    snn_synrec *r = calloc(1, sizeof *r);
    size_t len = strlen(dir) + strlen(proj) + strlen(var) + 32;
    if (!r || !(r->path = malloc(len)) || !(r->part = malloc(len)))
        snn_fatal("out of memory for the recorder of '%s.%s'", proj, var);
    r->vb = value_bytes;
    snprintf(r->path, len, "%s/%s_%s.npy", dir, proj, var);
    snprintf(r->part, len, "%s.part", r->path);
    char dict[160];
    size_t dl = (size_t)syn_dict(dict, sizeof dict, r->vb, "18446744073709551615");
    r->header_len = (10 + dl + 1 + 63) / 64 * 64;
    r->f = fopen(r->part, "wb");
    if (!r->f)
        snn_fatal("cannot create recording file '%s': %s", r->part, strerror(errno));
    setvbuf(r->f, NULL, _IOFBF, VAR_STDIO_BUF);
    syn_write_header(r, 0);
    return r;
}

int snn_synrec_value_bytes(const snn_synrec *r)
{
    return r->vb;
}

void snn_synrec_write_raw(snn_synrec *r, const void *recs, uint64_t n)
{
    const size_t rb = 16 + (size_t)r->vb;
    errno = 0;
    if (n && fwrite(recs, rb, (size_t)n, r->f) != (size_t)n)
        syn_write_fail(r);
    r->n += n;
}

void snn_synrec_snapshot(snn_synrec *r, double t_ms, const snn_ragged *blocks, int n_blocks,
                         const void *const *vals, int value_bytes)
{
    if (!r || n_blocks <= 0)
        return;
    unsigned char rec[24];
    uint64_t tbits;
    memcpy(&tbits, &t_ms, sizeof tbits);
    put_le64(rec, tbits);
    const uint32_t n_pre = blocks[0].n_pre;
    for (uint32_t i = 0; i < n_pre; i++) {
        put_le32(rec + 8, i);
        /* blocks hold ascending ranges of targets and rows are sorted by target: block
         * order, then storage order, is (post, storage) order */
        for (int b = 0; b < n_blocks; b++) {
            const snn_ragged *g = &blocks[b];
            if (g->n_syn == 0)
                continue;
            if (g->dense || g->procedural || !g->row_len)
                snn_fatal("recording '%s': synapses not stored as rows", r->path);
            const uint64_t s = g->row_start[i], e = s + g->row_len[i];
            for (uint64_t p = s; p < e; p++) {
                const uint32_t j = g->post_lo + (g->ind_bytes == 2
                                                     ? ((const uint16_t *)g->ind)[p]
                                                     : ((const uint32_t *)g->ind)[p]);
                put_le32(rec + 12, j);
                double v = value_bytes == 4 ? (double)((const float *)vals[b])[p]
                                            : ((const double *)vals[b])[p];
                uint64_t bits;
                if (r->vb == 4) {
                    float fv = (float)v;
                    uint32_t b32;
                    memcpy(&b32, &fv, sizeof b32);
                    put_le32(rec + 16, b32);
                } else {
                    memcpy(&bits, &v, sizeof bits);
                    put_le64(rec + 16, bits);
                }
                errno = 0;
                if (fwrite(rec, 16 + (size_t)r->vb, 1, r->f) != 1)
                    syn_write_fail(r);
                r->n++;
            }
        }
    }
}

static void syn_finish(snn_synrec *r)
{
    if (syn_try_sync(r) != 0)
        syn_write_fail(r);
    errno = 0;
    if (ferror(r->f))
        syn_write_fail(r);
    FILE *f = r->f;
    r->f = NULL;
    errno = 0;
    if (fclose(f) != 0)
        syn_write_fail(r);
}

const char *snn_synrec_close(snn_synrec *r)
{
    if (!r)
        return NULL;
    if (r->f) {
        syn_finish(r);
        if (rename(r->part, r->path) != 0)
            snn_fatal("cannot rename '%s' to '%s': %s", r->part, r->path, strerror(errno));
    }
    return r->aborted ? r->part : r->path;
}

void snn_synrec_abort(snn_synrec *r)
{
    if (r && r->f) {
        syn_finish(r);
        r->aborted = 1;
    }
}

void snn_synrec_free(snn_synrec *r)
{
    if (!r)
        return;
    snn_synrec_abort(r);
    free(r->path);
    free(r->part);
    free(r);
}

/* ---- recovery of a killed run's .part files ------------------------------------------- */

/* Bytes of one record of the structured dtype in the header dict at d ("'descr': [(...),
 * ...]"): fields '<f8', '<u4', '<f4' (and the like), each optionally with a shape (n,);
 * 0 if it cannot tell. */
static uint64_t descr_bytes(const char *d)
{
    const char *p = strstr(d, "'descr': [");
    if (!p)
        return 0;
    p += 10;
    uint64_t total = 0;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ']')
            return total;
        if (*p != '(')
            return 0;
        /* ('name', '<f8'[, (n,)]) */
        const char *q = strchr(p, ',');
        if (!q)
            return 0;
        q++;
        while (*q == ' ')
            q++;
        if (q[0] != '\'' || !strchr("<>|", q[1]) || !strchr("fuib", q[2]))
            return 0;
        char *end;
        unsigned long sz = strtoul(q + 3, &end, 10);
        if (end == q + 3 || *end != '\'' || sz == 0 || sz > 16)
            return 0;
        q = end + 1;
        while (*q == ' ')
            q++;
        uint64_t mult = 1;
        if (*q == ',') {
            q++;
            while (*q == ' ')
                q++;
            if (*q != '(')
                return 0;
            mult = strtoull(q + 1, &end, 10);
            if (end == q + 1 || *end != ',' || end[1] != ')')
                return 0;
            q = end + 2;
            while (*q == ' ')
                q++;
        }
        if (*q != ')')
            return 0;
        total += (uint64_t)sz * mult;
        p = q + 1;
    }
}

int snn_npy_recover(const char *path, uint64_t *count, uint64_t *was, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r+b");
    unsigned char pre[12];
    char *h = NULL;
    int rc = -1;
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0 ||
        (pre[6] != 1 && pre[6] != 2)) {
        snprintf(err, errlen, "not a .npy file (no NumPy header)");
        goto out;
    }
    size_t hl, pl = pre[6] == 1 ? 10 : 12;
    if (pre[6] == 1) {
        hl = (size_t)pre[8] | (size_t)pre[9] << 8;
    } else {
        if (fread(pre + 10, 1, 2, f) != 2) {
            snprintf(err, errlen, "truncated header");
            goto out;
        }
        hl = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
             (size_t)pre[11] << 24;
    }
    if (hl < 16 || hl > 65536 || !(h = malloc(hl + 1)) || fread(h, 1, hl, f) != hl) {
        snprintf(err, errlen, "truncated or oversized header");
        goto out;
    }
    h[hl] = '\0';
    uint64_t rec = descr_bytes(h);
    char *shape = strstr(h, "'shape': (");
    char *close = shape ? strstr(shape, ",)") : NULL;
    if (!rec || !close || !strstr(h, "'fortran_order': False")) {
        snprintf(err, errlen, "not a recording of this simulator (unexpected header)");
        goto out;
    }
    *was = strtoull(shape + 10, NULL, 10);
    if (fseek(f, 0, SEEK_END) != 0) {
        snprintf(err, errlen, "cannot seek: %s", strerror(errno));
        goto out;
    }
    long end = ftell(f);
    uint64_t data = end > (long)(pl + hl) ? (uint64_t)end - (pl + hl) : 0;
    *count = data / rec;
    /* the dict with the new count, padded to the same header length */
    char *tail = close; /* ",), }" and padding */
    char dict[1024];
    size_t head_len = (size_t)(shape + 10 - h);
    char rest[256];
    size_t rl = strcspn(tail, "\n");
    while (rl > 0 && tail[rl - 1] == ' ')
        rl--;
    if (rl >= sizeof rest || head_len >= sizeof dict - 64) {
        snprintf(err, errlen, "unexpected header");
        goto out;
    }
    memcpy(rest, tail, rl);
    rest[rl] = '\0';
    int dl = snprintf(dict, sizeof dict, "%.*s%llu%s", (int)head_len, h,
                      (unsigned long long)*count, rest);
    if (dl < 0 || (size_t)dl + 1 > hl) {
        snprintf(err, errlen, "the header has no room for the count");
        goto out;
    }
    memset(h, ' ', hl);
    memcpy(h, dict, (size_t)dl);
    h[hl - 1] = '\n';
    fflush(f);
    if (pwrite(fileno(f), h, hl, (off_t)pl) != (ssize_t)hl ||
        ftruncate(fileno(f), (off_t)(pl + hl + *count * rec)) != 0) {
        snprintf(err, errlen, "cannot write: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(h);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot write: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}
