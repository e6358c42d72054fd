/*
 * rt_ckpt.c - checkpoints and restarts (docs/run.md "Checkpoints").
 *
 * A checkpoint is a directory (format 2; format 1, a file per piece, is still read):
 *   manifest.json            format, model hash, snncc version, back end, precision, seed,
 *                            step, decomposition (ranks, threads, blocks), every file with its size,
 *                            and every piece with its file, offset, size and CRC-32; written
 *                            by rank 0 after every rank is done
 *   rank<r>/state.bin        rank r's pieces one after another, each written straight from
 *                            the model's array (one open, one write per piece, the CRC-32
 *                            computed chunk by chunk as the bytes go out).  A piece is one
 *                            stored entry of the state table (compiler/state.c), as the
 *                            generated model_state hands them over: the raw bytes of rank r's
 *                            array (piece <entry>); the weights of a plastic projection
 *                            <entry>.weight, in the order of snn_state_synapses, and its
 *                            rows' checksum <entry>.checksum
 *   piece run.spike_count    the run's spike counts so far (run.json)
 * Rows are not stored: they are rebuilt from the seed at restore, and their connectivity
 * checksums (stored) are compared with the rebuilt ones; but a rewired projection's
 * (connectivity_update) are, <entry>.rows (snn_state_rewired_rows).  A batched model's
 * lanes b >= 1: lane<b>.<piece> (snn_state_lane), b the batch's lane: with lanes over
 * MPI ranks each rank writes its own lanes' pieces and rank 0 alone the shared ones, and a
 * restore on any number of ranks reads each lane's from the rank that wrote it (file_rank;
 * the manifest's lane_ranks, lane_first); a training run's loop position:
 * train.position, train.rows (rt_train_ckpt).  The synapses' values are in an
 * order that does not depend on the thread blocks (snn_state_synapses), so any number of
 * threads restores; each piece's layout (snn_state_local, _ring, _replicated, _queue, _pre,
 * _synapses) maps it to global indices, so another number of ranks restores too: each rank
 * reads the old ranks' pieces that overlap its share (load_repart).
 *
 * Atomicity: everything goes into DIR.tmp-<step>, each file and directory synced, then
 * DIR.tmp-<step> and DIR are swapped with renameat2(RENAME_EXCHANGE) (one atomic step;
 * a plain rename when there is no DIR yet) and the old one removed.  A crash at any point
 * leaves DIR as the previous complete checkpoint or the new complete one.
 */
#define _GNU_SOURCE
#include "rt_ckpt.h"
#include "rt_par.h"
#include "rt_train.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CKPT_FORMAT 2   /* 2: one file per rank (rank<r>/state.bin) and an index of pieces;
                         * 1: a file per piece (still read) */
#define CKPT_FILE "state.bin"

/* The checkpoint being restored (rt_ckpt_open): its files, and the pieces in them */
typedef struct rphys {
    char name[600]; /* rank<r>/state.bin (format 1: rank<r>/<piece>.bin) */
    uint64_t bytes;
    int fd;         /* opened at the first piece read from it */
} rphys;

typedef struct rfile {
    char name[600]; /* rank<r>/<piece> */
    uint64_t offset, bytes;
    uint32_t crc;
    int used;
    int phys;       /* R.phys[] */
} rfile;

static struct {
    char dir[4096];
    uint64_t step;
    rfile *files;
    int n_files;
    rphys *phys;
    int n_phys;
    int version;
    int rank;
    int ranks, old_ranks, repart; /* repart: written on old_ranks != ranks */
    uint32_t lanes, lane_offset;  /* the batch lanes it holds (all ranks'), the first's number */
    int lane_ranks;               /* lanes over ranks: the ranks they were split over (1: none) */
    int lane_files;               /* a batched checkpoint: files by global lane (lane_file) */
} R;

void rt_ckpt_lanes(uint32_t *lanes, uint32_t *lane_offset)
{
    *lanes = R.lanes ? R.lanes : 1u;
    *lane_offset = R.lane_offset;
}

/* ------------------------------------------------------------------------------------- */
/* Layouts: how the piece handed to fn next maps to global indices (a restore on another
 * number of ranks re-partitions by them; load_piece) */

enum { LAY_RANK, LAY_LOCAL, LAY_RING, LAY_REPL, LAY_QUEUE, LAY_QCOUNTS, LAY_SYN, LAY_SUM0,
       LAY_PRE };
static struct {
    int kind;
    size_t elem;
    uint32_t rows, pad, lo, nl, n;
    uint32_t *counts, nslot;          /* LAY_QUEUE */
    const snn_ragged *blocks;         /* LAY_SYN */
    int n_blocks;
    size_t vb;
    const uint32_t *tgt;              /* LAY_SYN: this rank's rows' lengths, then targets */
} L;

static void lay_call(snn_state_fn fn, void *ctx, const char *name, void *data, size_t bytes,
                     int flags)
{
    fn(ctx, name, -1, data, bytes, flags);
    memset(&L, 0, sizeof L);
}

void snn_state_local(snn_state_fn fn, void *ctx, const char *name, void *data, size_t elem,
                     uint32_t rows, uint32_t pad, uint32_t lo, uint32_t nl, uint32_t n)
{
    L.kind = LAY_LOCAL, L.elem = elem, L.rows = rows, L.pad = pad, L.lo = lo, L.nl = nl, L.n = n;
    lay_call(fn, ctx, name, data, elem * ((size_t)rows * nl + pad), 0);
}

void snn_state_ring(snn_state_fn fn, void *ctx, const char *name, void *data, size_t elem,
                    uint32_t depth, uint32_t lo, uint32_t nl, uint32_t n)
{
    L.kind = LAY_RING, L.elem = elem, L.rows = depth, L.lo = lo, L.nl = nl, L.n = n;
    lay_call(fn, ctx, name, data, elem * (size_t)depth * nl, 0);
}

static void load_piece(void *ctx, const char *name, int block, void *data, size_t bytes,
                       int flags);

void snn_state_ds_cursor(snn_state_fn fn, void *ctx, const char *name, uint64_t *cursor,
                         const uint64_t *starts, const uint32_t *steps, uint32_t lo, uint32_t nl,
                         uint32_t n)
{
    if (fn == load_piece) /* the lists are this run's: the cursors follow from the step */
        snn_dataset_seek(starts, steps, lo, nl, R.step, cursor);
    else
        snn_state_local(fn, ctx, name, cursor, sizeof *cursor, 1, 0, lo, nl, n);
}

void snn_state_replicated(snn_state_fn fn, void *ctx, const char *name, void *data,
                          size_t bytes)
{
    L.kind = LAY_REPL;
    lay_call(fn, ctx, name, data, bytes, 0);
}

void snn_state_pre(snn_state_fn fn, void *ctx, const char *name, void *data, size_t elem,
                   const snn_ragged *blocks, int n_blocks)
{
    const uint32_t n = n_blocks ? blocks[0].n_pre : 0;
    uint8_t *held = calloc((size_t)n + 1, 1);
    if (!held)
        snn_fatal("out of memory for a checkpoint of '%s'", name);
    for (int b = 0; b < n_blocks; b++)
        for (uint32_t i = 0; i < n; i++)
            held[i] |= !blocks[b].row_len || blocks[b].row_len[i] > 0;
    char hname[600];
    snprintf(hname, sizeof hname, "%s.held", name);
    fn(ctx, hname, -1, held, n, SNN_STATE_AUX);
    free(held);
    L.kind = LAY_PRE, L.elem = elem, L.n = n;
    lay_call(fn, ctx, name, data, elem * n, 0);
}

void snn_state_queue(snn_state_fn fn, void *ctx, const char *name, uint32_t *queue,
                     uint32_t *counts, uint32_t nslot, uint32_t n)
{
    L.kind = LAY_QUEUE, L.counts = counts, L.nslot = nslot, L.n = n;
    lay_call(fn, ctx, name, queue, sizeof(uint32_t) * (size_t)nslot * n, 0);
}

void snn_state_queue_counts(snn_state_fn fn, void *ctx, const char *name, uint32_t *counts,
                            size_t bytes)
{
    L.kind = LAY_QCOUNTS;
    lay_call(fn, ctx, name, counts, bytes, 0);
}

/* ------------------------------------------------------------------------------------- */
/* Synapses, independent of the thread blocks */

/* The targets piece: for each source its row length, then its targets as differences from
 * the previous one (the first from 0), zigzag-coded (ascending rows give small positive
 * differences; any order works), each value a LEB128 varint: about a byte per synapse
 * where 4 would be plain.  tgt: n_pre row lengths, then the targets. */
static size_t put_varint(uint8_t *o, uint64_t v)
{
    size_t k = 0;
    for (; v >= 0x80; v >>= 7)
        o[k++] = (uint8_t)(v | 0x80);
    o[k++] = (uint8_t)v;
    return k;
}

static size_t tgt_encode(const uint32_t *tgt, uint32_t n_pre, uint8_t *out)
{
    size_t k = 0, t = n_pre;
    for (uint32_t i = 0; i < n_pre; i++) {
        k += put_varint(out + k, tgt[i]);
        int64_t prev = 0;
        for (uint32_t j = 0; j < tgt[i]; j++, t++) {
            int64_t d = (int64_t)tgt[t] - prev;
            k += put_varint(out + k, d < 0 ? ((uint64_t)(-d) << 1) - 1 : (uint64_t)d << 1);
            prev = tgt[t];
        }
    }
    return k;
}

/* Decoded: malloc'd n_pre row lengths then *total targets; NULL if malformed. */
static uint32_t *tgt_decode(const uint8_t *in, size_t n, uint32_t n_pre, size_t *total)
{
    uint32_t *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0, t = n_pre;
        for (uint32_t i = 0; i < n_pre; i++) {
            uint64_t len = 0;
            for (int sh = 0;; sh += 7) {
                if (k >= n || sh > 28)
                    goto bad;
                len |= (uint64_t)(in[k] & 0x7f) << sh;
                if (!(in[k++] & 0x80))
                    break;
            }
            if (len > UINT32_MAX || len > n - k) /* at least a byte per target */
                goto bad;
            if (out)
                out[i] = (uint32_t)len;
            int64_t prev = 0;
            for (uint64_t j = 0; j < len; j++, t++) {
                uint64_t v = 0;
                for (int sh = 0;; sh += 7) {
                    if (k >= n || sh > 35)
                        goto bad;
                    v |= (uint64_t)(in[k] & 0x7f) << sh;
                    if (!(in[k++] & 0x80))
                        break;
                }
                prev += v & 1 ? -(int64_t)((v + 1) >> 1) : (int64_t)(v >> 1);
                if (prev < 0 || prev > (int64_t)UINT32_MAX)
                    goto bad;
                if (out)
                    out[t] = (uint32_t)prev;
            }
        }
        if (k != n)
            goto bad;
        if (!pass) {
            *total = t - n_pre;
            out = malloc(sizeof(uint32_t) * t + 1);
            if (!out)
                snn_fatal("out of memory reading a checkpoint's synapse targets");
        }
    }
    return out;
bad:
    free(out);
    return NULL;
}

/* Row i of block b: its first storage position and length. */
static void block_row(const snn_ragged *r, uint32_t i, uint64_t *start, uint64_t *len)
{
    if (r->dense) {
        *start = (uint64_t)i * r->n_post;
        *len = r->n_post;
    } else {
        *start = r->row_start[i];
        *len = r->row_len[i];
    }
}

static int g_syn_delays; /* snn_state_synapses on the blocks' delays, not their weights */

void snn_state_synapses(snn_state_fn fn, void *ctx, const char *name, const snn_ragged *blocks,
                        int n_blocks, void *base, const uint64_t *off, int value_bytes)
{
    const size_t vb = (size_t)(base           ? value_bytes
                               : g_syn_delays ? blocks[0].delay_bytes
                                              : blocks[0].weight_bytes);
    uint64_t total = 0, s, l;
    for (int b = 0; b < n_blocks; b++)
        for (uint32_t i = 0; i < blocks[b].n_pre; i++) {
            block_row(&blocks[b], i, &s, &l);
            total += l;
        }
    char *buf = malloc(total * vb + 1);
    if (!buf)
        snn_fatal("out of memory for a checkpoint of '%s'", name);
    const uint32_t n_pre = n_blocks ? blocks[0].n_pre : 0;
    /* the targets (global) of the values' order, after each source's row length: what a
     * restore on another number of ranks picks a rank's synapses by */
    uint32_t *tgt = malloc(sizeof(uint32_t) * ((size_t)n_pre + total) + 1);
    if (!tgt)
        snn_fatal("out of memory for a checkpoint of '%s'", name);
    {
        size_t k = n_pre;
        for (uint32_t i = 0; i < n_pre; i++) {
            tgt[i] = 0;
            for (int b = 0; b < n_blocks; b++) {
                const snn_ragged *r = &blocks[b];
                block_row(r, i, &s, &l);
                for (uint64_t j = 0; j < l; j++) {
                    uint32_t local = r->dense         ? (uint32_t)j
                                     : r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[s + j]
                                                         : ((const uint32_t *)r->ind)[s + j];
                    tgt[k++] = r->post_lo + local;
                }
                tgt[i] += (uint32_t)l;
            }
        }
        char tname[600];
        snprintf(tname, sizeof tname, "%s.targets", name);
        uint8_t *enc = malloc(5 * ((size_t)n_pre + total) + 1);
        if (!enc)
            snn_fatal("out of memory for a checkpoint of '%s'", name);
        fn(ctx, tname, -1, enc, tgt_encode(tgt, n_pre, enc), SNN_STATE_AUX);
        free(enc);
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t k = 0;
        for (uint32_t i = 0; i < n_pre; i++)
            for (int b = 0; b < n_blocks; b++) {
                char *v = base           ? (char *)base + off[b] * vb
                          : g_syn_delays ? (char *)blocks[b].delay
                                         : (char *)blocks[b].weight;
                block_row(&blocks[b], i, &s, &l);
                if (!l)
                    continue;
                if (pass == 0)
                    memcpy(buf + k, v + s * vb, l * vb);
                else
                    memcpy(v + s * vb, buf + k, l * vb);
                k += l * vb;
            }
        if (pass == 0) {
            L.kind = LAY_SYN, L.blocks = blocks, L.n_blocks = n_blocks, L.vb = vb, L.tgt = tgt;
            L.n = n_pre;
            lay_call(fn, ctx, name, buf, total * vb, 0);
        }
    }
    free(tgt);
    free(buf);
}

void snn_state_synapse_delays(snn_state_fn fn, void *ctx, const char *name,
                              const snn_ragged *blocks, int n_blocks)
{
    if (!n_blocks || !blocks[0].delay)
        return;
    g_syn_delays = 1;
    snn_state_synapses(fn, ctx, name, blocks, n_blocks, NULL, NULL, 0);
    g_syn_delays = 0;
}

void snn_state_rows_checksum(snn_state_fn fn, void *ctx, const char *name,
                             const snn_ragged *blocks, int n_blocks)
{
    uint64_t sum = 0;
    for (int b = 0; b < n_blocks; b++)
        sum += blocks[b].checksum;
    fn(ctx, name, -1, &sum, sizeof sum, SNN_STATE_CHECK);
}

/* ------------------------------------------------------------------------------------- */
/* Writing */

typedef struct wctx {
    char dir[4300];    /* DIR.tmp-<step>/rank<r> */
    FILE *index;       /* rank<r>/index.tsv: piece, offset, bytes, crc */
    int fd;            /* rank<r>/state.bin: the pieces one after another */
    uint64_t off;
    int failed;
    char err[8400];
    uint64_t limit;    /* SNN_CKPT_LIMIT_BYTES (a test knob standing for a full disk) */
    uint64_t written;
    int rank;
    int lanes_over_ranks; /* every rank the whole network, a share of the lanes */
} wctx;

/* The lane whose pieces are handed now (snn_state_lane): lane b >= 1's pieces are
 * "lane<b>.<piece>", b the batch's lane (lanes over ranks: this rank's lane b is the
 * batch's g_ck_first + b).  The model's state hands each lane's pieces (snn_state_lane(0),
 * (1), ...), then the shared ones after a second snn_state_lane(0) (compiler/emit_c.c
 * state_io): g_ck_shared; lanes over ranks, rank 0 alone writes those.  So are the pieces
 * handed before the first snn_state_lane (the rewired rows and their connectivity update's
 * counts, pass 3 of state_io): the lanes share the rows, and with lanes over ranks every
 * rank holds the same (lane 0 decides for all); an unbatched model never names a lane, and
 * its pieces are unaffected (no lane prefix; every rank writes its own: no lanes over
 * ranks). */
static uint32_t g_ck_lane, g_ck_first;
static int g_ck_seen, g_ck_shared;

void snn_state_lane(uint32_t b)
{
    g_ck_shared = b == 0 && g_ck_seen;
    g_ck_seen = 1;
    g_ck_lane = g_ck_first + b;
}

/* Before and after the model's state (and the run's per-lane pieces) is handed over. */
static void lanes_begin(const snn_run *run, int shared)
{
    g_ck_first = run->lane_first;
    g_ck_lane = g_ck_first;
    g_ck_seen = 0;
    g_ck_shared = shared;
}

static void piece_name(char *buf, size_t n, const char *name, int block)
{
    char lane[24] = "";
    if (g_ck_lane && !g_ck_shared)
        snprintf(lane, sizeof lane, "lane%u.", g_ck_lane);
    if (block >= 0)
        snprintf(buf, n, "%s%s.t%d", lane, name, block);
    else
        snprintf(buf, n, "%s%s", lane, name);
}

/* The bytes written straight from the model's arrays, in chunks that stay in the cache
 * between their CRC-32 (*crc, continued) and the write's copy into the page cache: one pass
 * over memory. */
static int write_all(int fd, const void *data, size_t n, wctx *w, uint32_t *crc)
{
    const char *p = data;
    while (n > 0) {
        const size_t chunk = n > (256u << 10) ? (256u << 10) : n;
        *crc = rt_crc32(*crc, p, chunk);
        if (w->limit && w->written + chunk > w->limit) {
            errno = ENOSPC;
            return -1;
        }
        for (size_t done = 0; done < chunk;) {
            ssize_t k = write(fd, p + done, chunk - done);
            if (k < 0) {
                if (errno == EINTR)
                    continue;
                return -1;
            }
            done += (size_t)k;
            w->written += (uint64_t)k;
        }
        p += chunk;
        n -= chunk;
    }
    return 0;
}

static void write_piece(void *ctx, const char *name, int block, void *data, size_t bytes,
                        int flags)
{
    wctx *w = ctx;
    (void)flags;
    if (w->failed || (g_ck_shared && w->rank > 0 && w->lanes_over_ranks))
        return; /* the shared state: rank 0's */
    char piece[512];
    piece_name(piece, sizeof piece, name, block);
    uint32_t crc = 0;
    if (write_all(w->fd, data, bytes, w, &crc) != 0) {
        snprintf(w->err, sizeof w->err, "cannot write '%s/" CKPT_FILE "' (piece '%s'): %s",
                 w->dir, piece, strerror(errno));
        w->failed = 1;
        return;
    }
    fprintf(w->index, "rank%d/%s\t%" PRIu64 "\t%zu\t%08" PRIx32 "\n", w->rank, piece, w->off,
            bytes, crc);
    w->off += bytes;
}

static int fsync_path(const char *path);

/* fsync every file of w->dir (the ranks' pieces), in two passes: the first starts every
 * file's write-back at once (sync_file_range, asynchronous), the second fsyncs each.  By the
 * second pass the data of all files is on its way in one stream and the file system's first
 * journal commit carries every file's block allocation, so the later fsyncs mostly find
 * nothing left to commit (bench/checkpoint_io.sh: 49 files of the microcircuit). */
static int sync_files(wctx *w)
{
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        DIR *d = opendir(w->dir);
        if (!d) {
            snprintf(w->err, sizeof w->err, "cannot read '%s': %s", w->dir, strerror(errno));
            return -1;
        }
        struct dirent *de;
        while (rc == 0 && (de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.' || !strcmp(de->d_name, "index.tsv"))
                continue;
            char path[4900];
            snprintf(path, sizeof path, "%s/%s", w->dir, de->d_name);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (pass == 0) { /* a hint: where it is not supported, the fsyncs do it all */
                if (fd >= 0)
                    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
            } else if (fd < 0 || fsync(fd) != 0) {
                snprintf(w->err, sizeof w->err, "cannot write '%s': %s", path,
                         strerror(errno));
                rc = -1;
            }
            if (fd >= 0)
                close(fd);
        }
        closedir(d);
    }
    return rc;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* rm -r of a checkpoint directory (two levels: files and rank<r>/ directories). */
static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        unlink(path);
        return;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[4800];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        struct stat st;
        if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(sub);
        else
            unlink(sub);
    }
    closedir(d);
    rmdir(path);
}

static uint64_t g_last = UINT64_MAX;
static int g_count;

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* Rank 0: the manifest from the ranks' index files (which it removes). */
static int write_manifest(const snn_model *m, const snn_run *run, const char *tmp, uint64_t step,
                          char *err, size_t errlen)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/manifest.json", tmp);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        return -1;
    }
    time_t now = time(NULL);
    struct tm tm;
    char when[64];
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "{\n  \"format\": \"snncc-checkpoint\",\n  \"format_version\": %d,\n",
            CKPT_FORMAT);
    fprintf(f, "  \"model\": ");
    json_str(f, m->name);
    fprintf(f, ",\n  \"model_hash\": \"%s\",\n  \"snncc_version\": \"%s\",\n",
            m->model_hash ? m->model_hash : "?", m->snncc_version ? m->snncc_version : "?");
    fprintf(f, "  \"backend\": \"%s\",\n  \"precision\": \"%s\",\n", m->backend ? m->backend : "c",
            m->precision ? m->precision : "?");
    fprintf(f, "  \"seed\": %" PRIu64 ",\n  \"step\": %" PRIu64 ",\n  \"time_ms\": %.17g,\n",
            run->seed, step, (double)step * m->dt);
    fprintf(f, "  \"written\": \"%s\",\n", when);
    fprintf(f, "  \"decomposition\": { \"ranks\": %d, \"threads\": %d, \"blocks\": %d },\n",
            run->ranks, run->cfg->threads > 0 ? run->cfg->threads : 1,
            run->blocks > 0 ? run->blocks : 1);
    /* the batch's lanes (all ranks'), the first's number, and how they were split over the
     * ranks (lanes over ranks: rank r wrote its lanes' files, lane_first[r] .. ) */
    const uint32_t all = run->lanes_all ? run->lanes_all : 1u;
    const int lr = run->lanes_all > run->lanes ? run->ranks : 1;
    fprintf(f, "  \"lanes\": %u,\n  \"lane_offset\": %u,\n  \"lane_ranks\": %d,\n"
               "  \"lane_first\": [", all, run->lane_offset - run->lane_first, lr);
    for (int r = 0; r < lr; r++)
        fprintf(f, "%s%u", r ? ", " : "",
                (uint32_t)r * (all / (uint32_t)lr) +
                    ((uint32_t)r < all % (uint32_t)lr ? (uint32_t)r : all % (uint32_t)lr));
    fprintf(f, "],\n");
    fprintf(f, "  \"rows\": \"rebuilt from the seed; their connectivity checksums are "
               "stored and compared\",\n");
    /* each rank's file and its size, then the pieces: where each is in its rank's file */
    fprintf(f, "  \"files\": [\n");
    int first = 1, rc = 0;
    for (int r = 0; r < run->ranks && rc == 0; r++) {
        char fpath[4400];
        struct stat st;
        snprintf(fpath, sizeof fpath, "%s/rank%d/" CKPT_FILE, tmp, r);
        if (stat(fpath, &st) != 0) {
            snprintf(err, errlen, "cannot read '%s': %s", fpath, strerror(errno));
            rc = -1;
            break;
        }
        fprintf(f, "%s    { \"file\": \"rank%d/" CKPT_FILE "\", \"bytes\": %" PRIu64 " }",
                r ? ",\n" : "", r, (uint64_t)st.st_size);
    }
    fprintf(f, "\n  ],\n  \"pieces\": [\n");
    for (int r = 0; r < run->ranks && rc == 0; r++) {
        char ipath[4400], line[1024];
        snprintf(ipath, sizeof ipath, "%s/rank%d/index.tsv", tmp, r);
        FILE *in = fopen(ipath, "r");
        if (!in) {
            snprintf(err, errlen, "cannot read '%s': %s", ipath, strerror(errno));
            rc = -1;
            break;
        }
        while (fgets(line, sizeof line, in)) {
            char name[600];
            unsigned long long offset, bytes;
            unsigned crc;
            if (sscanf(line, "%599[^\t]\t%llu\t%llu\t%x", name, &offset, &bytes, &crc) != 4)
                continue;
            fprintf(f, "%s    { \"piece\": ", first ? "" : ",\n");
            json_str(f, name);
            fprintf(f, ", \"file\": \"rank%d/" CKPT_FILE "\", \"offset\": %llu, \"bytes\": %llu, "
                       "\"crc32\": \"%08x\" }", r, offset, bytes, crc);
            first = 0;
        }
        fclose(in);
        unlink(ipath);
    }
    fprintf(f, "\n  ]\n}\n");
    if (rc == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        rc = -1;
    }
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
        rc = -1;
    }
    return rc;
}

static void parent_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *s = strrchr(out, '/');
    if (!s)
        snprintf(out, n, ".");
    else if (s == out)
        out[1] = '\0';
    else
        *s = '\0';
}

/* Rank 0, first checkpoint of a run: the DIR.tmp-* that a killed run left. */
static void remove_stale(const char *dir)
{
    char parent[4200];
    parent_of(dir, parent, sizeof parent);
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    char prefix[4200];
    snprintf(prefix, sizeof prefix, "%s.tmp-", base);
    DIR *d = opendir(parent);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
            char p[4800];
            snprintf(p, sizeof p, "%s/%s", parent, de->d_name);
            remove_tree(p);
        }
    closedir(d);
}

static double g_write_s, g_load_s;
static uint64_t g_bytes;

int rt_ckpt_write(const snn_model *m, snn_run *run, uint64_t step)
{
    const double t0 = snn_now();
    const snn_config *cfg = run->cfg;
    const char *dir = cfg->ckpt_dir;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%" PRIu64, dir, step);
    wctx *w = calloc(1, sizeof *w);
    if (!w)
        snn_fatal("out of memory writing a checkpoint");
    w->rank = run->rank;
    w->lanes_over_ranks = run->lanes_all > run->lanes;
    const char *lim = getenv("SNN_CKPT_LIMIT_BYTES");
    if (lim && *lim)
        w->limit = strtoull(lim, NULL, 10);
    if (run->rank == 0) {
        char parent[4200];
        parent_of(dir, parent, sizeof parent);
        static int cleaned;
        if (!cleaned)
            remove_stale(dir);
        cleaned = 1;
        if (snn_mkdirs(parent) != 0 || (remove_tree(tmp), mkdir(tmp, 0755) != 0)) {
            snprintf(w->err, sizeof w->err, "cannot create '%s': %s", tmp, strerror(errno));
            w->failed = 1;
        }
    }
    /* every rank learns whether rank 0 could make the directory */
    if (rt_par_any(w->failed) == 0) {
        snprintf(w->dir, sizeof w->dir, "%s/rank%d", tmp, run->rank);
        char ipath[4400];
        snprintf(ipath, sizeof ipath, "%s/index.tsv", w->dir);
        char spath[4400];
        snprintf(spath, sizeof spath, "%s/" CKPT_FILE, w->dir);
        w->fd = -1;
        if (mkdir(w->dir, 0755) != 0 || !(w->index = fopen(ipath, "w")) ||
            (w->fd = open(spath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
            snprintf(w->err, sizeof w->err, "cannot create '%s': %s", w->index ? spath : ipath,
                     strerror(errno));
            w->failed = 1;
            if (w->index)
                fclose(w->index);
        } else {
            lanes_begin(run, 1); /* what comes before the first lane (a batched model's
                                  * rewired rows and their update's counts) is shared */
            m->state(run, write_piece, w);
            lanes_begin(run, 1);
            if (rt_train_active()) /* the training loop's position and metrics (rank 0's) */
                rt_train_ckpt(write_piece, w);
            lanes_begin(run, 0);
            for (uint32_t b = 0; b < run->lanes || b == 0; b++) { /* each lane's counts */
                snn_lane_io(run, b);
                snn_state_lane(b);
                write_piece(w, "run.spike_count", -1, run->spike_count,
                            sizeof(uint64_t) * (size_t)m->n_pops, 0);
            }
            snn_lane_io(run, 0);
            lanes_begin(run, 0);
            if (close(w->fd) != 0 && !w->failed) {
                snprintf(w->err, sizeof w->err, "cannot write '%s': %s", spath, strerror(errno));
                w->failed = 1;
            }
            /* every file to disk after all are written (per file as written, the run waited
             * for a journal commit per file).  checkpoint.sync: "files" (default): each of
             * them fsynced (sync_files), which waits only for the checkpoint's own data (one
             * file per rank since format 2); "filesystem": one syncfs of the file system that
             * holds the rank's directory, one barrier for every file, the index and the
             * directory, which also waits for other programs' data.  Where syncfs fails (not
             * supported), the files are fsynced. */
            const int by_fs = !cfg->ckpt_sync_files;
            if (!w->failed && !by_fs && sync_files(w) != 0)
                w->failed = 1;
            if (fflush(w->index) != 0 || (!by_fs && fsync(fileno(w->index)) != 0)) {
                if (!w->failed)
                    snprintf(w->err, sizeof w->err, "cannot write '%s': %s", ipath,
                             strerror(errno));
                w->failed = 1;
            }
            if (!w->failed && by_fs && syncfs(fileno(w->index)) != 0 &&
                (sync_files(w) != 0 || fsync(fileno(w->index)) != 0)) {
                if (!w->err[0])
                    snprintf(w->err, sizeof w->err, "cannot write '%s': %s", ipath,
                             strerror(errno));
                w->failed = 1;
            }
            fclose(w->index);
            if (!w->failed && fsync_path(w->dir) != 0) {
                snprintf(w->err, sizeof w->err, "cannot sync '%s': %s", w->dir, strerror(errno));
                w->failed = 1;
            }
        }
    } else {
        w->failed = 1;
    }
    if (w->failed && w->err[0])
        fprintf(stderr, "%s: warning: %scheckpoint after step %" PRIu64 " not written: %s; the "
                        "run goes on and the previous checkpoint in '%s' (if any) stays\n",
                m->name, run->ranks > 1 ? "rank's share of the " : "", step, w->err, dir);
    int failed = rt_par_any(w->failed);
    {
        /* test knob: a pause with the ranks' files written and no manifest yet (to kill -9
         * the run there) */
        const char *ps = getenv("SNN_CKPT_PAUSE_S");
        if (ps && *ps && run->rank == 0)
            usleep((useconds_t)(atof(ps) * 1e6));
    }
    if (run->rank == 0 && !failed) {
        if (write_manifest(m, run, tmp, step, w->err, sizeof w->err) != 0 ||
            fsync_path(tmp) != 0) {
            if (!w->err[0])
                snprintf(w->err, sizeof w->err, "cannot sync '%s': %s", tmp, strerror(errno));
            failed = 1;
        } else {
            struct stat st;
            int exists = lstat(dir, &st) == 0;
            int rc = exists ? renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE)
                            : rename(tmp, dir);
            if (rc != 0 && exists && (errno == EINVAL || errno == ENOSYS)) {
                /* no atomic exchange on this file system: two renames */
                char old[4300];
                snprintf(old, sizeof old, "%s.old", dir);
                remove_tree(old);
                rc = rename(dir, old);
                if (rc == 0)
                    rc = rename(tmp, dir);
                if (rc == 0)
                    remove_tree(old);
            }
            if (rc != 0) {
                snprintf(w->err, sizeof w->err, "cannot rename '%s' to '%s': %s", tmp, dir,
                         strerror(errno));
                failed = 1;
            } else {
                char parent[4200];
                parent_of(dir, parent, sizeof parent);
                fsync_path(parent);
            }
        }
        if (failed)
            fprintf(stderr, "%s: warning: checkpoint after step %" PRIu64 " not written: %s; "
                            "the run goes on and the previous checkpoint in '%s' (if any) "
                            "stays\n", m->name, step, w->err, dir);
    }
    if (run->rank == 0)
        remove_tree(tmp); /* the failed attempt, or the previous checkpoint after the swap */
    failed = rt_par_any(failed);
    const uint64_t w_bytes = w->written;
    free(w);
    if (failed)
        return -1;
    g_last = step;
    g_count++;
    g_write_s = snn_now() - t0;
    g_bytes = w_bytes;
    return 0;
}

uint64_t rt_ckpt_last(int *count)
{
    if (count)
        *count = g_count;
    return g_last;
}

void rt_ckpt_timing(double *write_s, uint64_t *bytes, double *load_s)
{
    *write_s = g_write_s;
    *bytes = g_bytes;
    *load_s = g_load_s;
}

/* ------------------------------------------------------------------------------------- */
/* Restoring */


const char *rt_ckpt_restored_from(uint64_t *step)
{
    if (step)
        *step = R.step;
    return R.dir;
}

/* The value of "key" in the manifest text: a string (into out) or a number. */
static int man_str(const char *text, const char *key, char *out, size_t n)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(text, pat);
    if (!p)
        return -1;
    p += strlen(pat);
    if (*p == '"') {
        p++;
        size_t k = 0;
        while (*p && *p != '"' && k + 1 < n)
            out[k++] = *p++;
        out[k] = '\0';
    } else {
        size_t k = 0;
        while (*p && *p != ',' && *p != '\n' && *p != ' ' && *p != '}' && k + 1 < n)
            out[k++] = *p++;
        out[k] = '\0';
    }
    return 0;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (n < cap)
            break;
        cap *= 2;
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
        }
        buf = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        errno = bad ? EIO : ENOMEM;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Piece f's file, opened (once) and its size checked against the manifest; its path in fp. */
static int piece_fd(const rfile *f, char *fp, size_t n)
{
    rphys *ph = &R.phys[f->phys];
    snprintf(fp, n, "%s/%s", R.dir, ph->name);
    if (ph->fd < 0 && (ph->fd = open(fp, O_RDONLY | O_CLOEXEC)) < 0) {
        if (errno == ENOENT)
            snn_fatal("--restore: checkpoint file '%s' is missing (the manifest lists it)", fp);
        snn_fatal("--restore: cannot read checkpoint file '%s': %s", fp, strerror(errno));
    }
    struct stat st;
    if (fstat(ph->fd, &st) != 0)
        snn_fatal("--restore: cannot read checkpoint file '%s': %s", fp, strerror(errno));
    const uint64_t len = (uint64_t)st.st_size; /* checked again: it may have changed since */
    if (len != ph->bytes)
        snn_fatal("--restore: checkpoint file '%s' has %" PRIu64 " bytes, the manifest says %" PRIu64
                  " (%s)", fp, len, ph->bytes, len < ph->bytes ? "truncated" : "too long");
    return ph->fd;
}

/* Bytes off..off+want of piece f (want > 0, within it) into 'to': some of them (at least
 * one), their number returned. */
static size_t piece_pread(const rfile *f, int fd, const char *fp, void *to, size_t want,
                          uint64_t off)
{
    for (;;) {
        ssize_t k = pread(fd, to, want > (1u << 30) ? (1u << 30) : want, (off_t)(f->offset + off));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            snn_fatal("--restore: cannot read checkpoint file '%s': %s", fp,
                      k < 0 ? strerror(errno) : "it ended early");
        return (size_t)k;
    }
}

static void crc_differs(const rfile *f, const char *fp, uint32_t c)
{
    if (R.version == 1)
        snn_fatal("--restore: checkpoint file '%s' is corrupt: its CRC-32 is %08" PRIx32
                  ", the manifest says %08" PRIx32, fp, c, f->crc);
    snn_fatal("--restore: checkpoint file '%s', piece '%s' (bytes %" PRIu64 "..%" PRIu64
              "), is corrupt: its CRC-32 is %08" PRIx32 ", the manifest says %08" PRIx32,
              fp, f->name, f->offset, f->offset + f->bytes, c, f->crc);
}

/* Read piece f (streamed from its file, no copy of the checkpoint in memory) into 'into'
 * (NULL: only check it), checking its file's size and the piece's CRC-32 against the
 * manifest; snn_fatal naming the file, the piece and what differs. */
static void verify_piece(const rfile *f, void *into)
{
    char fp[5200];
    const int fd = piece_fd(f, fp, sizeof fp);
    static char chunk[1 << 20];
    uint32_t c = 0;
    for (uint64_t done = 0; done < f->bytes;) {
        const uint64_t left = f->bytes - done;
        char *to = into ? (char *)into + done : chunk;
        const size_t want =
            into ? (size_t)left : (size_t)(left < sizeof chunk ? left : sizeof chunk);
        const size_t k = piece_pread(f, fd, fp, to, want, done);
        c = rt_crc32(c, to, k);
        done += k;
    }
    if (c != f->crc)
        crc_differs(f, fp, c);
}

/* The manifest's file 'name' (added if new): its index in R.phys */
static int phys_of(const char *name, uint64_t bytes, int add)
{
    for (int i = 0; i < R.n_phys; i++)
        if (!strcmp(R.phys[i].name, name))
            return i;
    if (!add)
        return -1;
    R.phys = realloc(R.phys, sizeof *R.phys * (size_t)(R.n_phys + 1));
    if (!R.phys)
        snn_fatal("out of memory reading a checkpoint's manifest");
    rphys *ph = &R.phys[R.n_phys];
    snprintf(ph->name, sizeof ph->name, "%s", name);
    ph->bytes = bytes;
    ph->fd = -1;
    return R.n_phys++;
}

static void add_piece(const rfile *f, const char *path)
{
    R.files = realloc(R.files, sizeof *R.files * (size_t)(R.n_files + 1));
    if (!R.files)
        snn_fatal("out of memory reading '%s'", path);
    R.files[R.n_files++] = *f;
}

uint64_t rt_ckpt_open(const snn_model *m, snn_config *cfg, const char *dir, int rank, int ranks,
                      uint64_t n_steps)
{
    char path[4400], v[256];
    size_t len;
    if (!m->state && m->state_refused)
        snn_fatal("--restore: this simulator cannot restore checkpoints: %s (docs/run.md "
                  "\"Checkpoints\")", m->state_refused);
    if (!m->state)
        snn_fatal("--restore: the %s back end cannot restore checkpoints yet (the C back end "
                  "can; docs/run.md \"Checkpoints\")", m->backend ? m->backend : "?");
    snprintf(R.dir, sizeof R.dir, "%s", dir);
    R.rank = rank;
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = read_file(path, &len);
    if (!text)
        snn_fatal("--restore: cannot read '%s': %s (not a checkpoint directory?)", path,
                  strerror(errno));
    if (man_str(text, "format", v, sizeof v) != 0 || strcmp(v, "snncc-checkpoint") != 0)
        snn_fatal("--restore: '%s' is not an snncc checkpoint manifest", path);
    if (man_str(text, "format_version", v, sizeof v) != 0 ||
        (atoi(v) != CKPT_FORMAT && atoi(v) != 1))
        snn_fatal("--restore: '%s': checkpoint format version %s, this simulator reads versions "
                  "1 and %d", path, v, CKPT_FORMAT);
    R.version = atoi(v);
    char model[256] = "?";
    man_str(text, "model", model, sizeof model);
    if (man_str(text, "model_hash", v, sizeof v) != 0 ||
        strcmp(v, m->model_hash ? m->model_hash : "?") != 0)
        snn_fatal("--restore: '%s' is a checkpoint of another model: model '%s' with hash %s, "
                  "this simulator's model '%s' has hash %s", path, model, v, m->name,
                  m->model_hash ? m->model_hash : "?");
    if (man_str(text, "snncc_version", v, sizeof v) != 0 ||
        strcmp(v, m->snncc_version ? m->snncc_version : "?") != 0)
        snn_fatal("--restore: '%s' was written by snncc %s, this simulator was made by snncc %s",
                  path, v, m->snncc_version ? m->snncc_version : "?");
    if (man_str(text, "backend", v, sizeof v) != 0 ||
        strcmp(v, m->backend ? m->backend : "c") != 0)
        snn_fatal("--restore: '%s' was written by the %s back end, this simulator uses the %s "
                  "back end: a checkpoint restores on the back end that wrote it (the cuda back "
                  "end adds synaptic input by atomics, in no fixed order, and libdevice's exp, "
                  "log and pow round differently from the host's libm, so the continuation "
                  "would be neither back end's uninterrupted run; docs/cuda.md \"Checkpoints\")",
                  path, v, m->backend ? m->backend : "c");
    int ck_ranks = 0, ck_threads = 0;
    {
        const char *d = strstr(text, "\"decomposition\": { \"ranks\": ");
        if (!d || sscanf(d, "\"decomposition\": { \"ranks\": %d, \"threads\": %d", &ck_ranks,
                         &ck_threads) != 2)
            snn_fatal("--restore: '%s': no decomposition", path);
    }
    int threads = cfg->threads > 0 ? cfg->threads : 1;
    if (man_str(text, "step", v, sizeof v) != 0)
        snn_fatal("--restore: '%s': no step", path);
    R.step = strtoull(v, NULL, 10);
    if (man_str(text, "seed", v, sizeof v) != 0)
        snn_fatal("--restore: '%s': no seed", path);
    cfg->seed = strtoull(v, NULL, 10);
    /* the batch lanes (rt_lanes_plan compares them with the run's): 1 before they were
     * stored */
    R.lanes = man_str(text, "lanes", v, sizeof v) == 0 ? (uint32_t)strtoul(v, NULL, 10) : 1u;
    R.lane_offset =
        man_str(text, "lane_offset", v, sizeof v) == 0 ? (uint32_t)strtoul(v, NULL, 10) : 0u;
    R.lane_ranks = man_str(text, "lane_ranks", v, sizeof v) == 0 ? atoi(v) : 1;
    /* the files, and the pieces in them (format 1: a file per piece, rank<r>/<piece>.bin) */
    const char *pieces = strstr(text, "\"pieces\": [");
    if (R.version >= 2 && !pieces)
        snn_fatal("--restore: '%s': no pieces", path);
    for (const char *p = strstr(text, "\"files\": ["); p && (p = strstr(p, "{ \"file\": \""));) {
        if (pieces && p > pieces)
            break;
        rfile f = {0};
        char name[600];
        unsigned crc;
        unsigned long long bytes;
        if (R.version == 1) {
            size_t k;
            if (sscanf(p, "{ \"file\": \"%599[^\"]\", \"bytes\": %llu, \"crc32\": \"%x\" }",
                       name, &bytes, &crc) != 3 || (k = strlen(name)) < 5 ||
                strcmp(name + k - 4, ".bin") != 0)
                snn_fatal("--restore: '%s': a file entry it cannot read: %.60s", path, p);
            snprintf(f.name, sizeof f.name, "%.*s", (int)(k - 4), name);
            f.bytes = bytes;
            f.crc = crc;
            f.phys = phys_of(name, bytes, 1);
            add_piece(&f, path);
        } else if (sscanf(p, "{ \"file\": \"%599[^\"]\", \"bytes\": %llu }", name, &bytes) != 2) {
            snn_fatal("--restore: '%s': a file entry it cannot read: %.60s", path, p);
        } else {
            phys_of(name, bytes, 1);
        }
        p++;
    }
    for (const char *p = pieces; p && (p = strstr(p, "{ \"piece\": \""));) {
        rfile f = {0};
        char file[600];
        unsigned crc;
        unsigned long long offset, bytes;
        if (sscanf(p, "{ \"piece\": \"%599[^\"]\", \"file\": \"%599[^\"]\", \"offset\": %llu, "
                      "\"bytes\": %llu, \"crc32\": \"%x\" }", f.name, file, &offset, &bytes,
                   &crc) != 5)
            snn_fatal("--restore: '%s': a piece entry it cannot read: %.60s", path, p);
        f.offset = offset, f.bytes = bytes, f.crc = crc;
        if ((f.phys = phys_of(file, 0, 0)) < 0)
            snn_fatal("--restore: '%s': piece '%s' is in file '%s', which the manifest does not "
                      "list", path, f.name, file);
        const uint64_t fb = R.phys[f.phys].bytes;
        if (f.offset > fb || f.bytes > fb - f.offset)
            snn_fatal("--restore: '%s': piece '%s' (bytes %" PRIu64 "..%" PRIu64 ") lies beyond "
                      "the end of file '%s' (%" PRIu64 " bytes)", path, f.name, f.offset,
                      f.offset + f.bytes, file, fb);
        add_piece(&f, path);
        p++;
    }
    free(text);
    /* the threads may differ (snn_state_synapses); the ranks too: re-partitioned by global
     * indices (load_piece), what cannot be is refused there, naming it */
    (void)threads;
    R.ranks = ranks;
    R.old_ranks = ck_ranks;
    R.repart = ck_ranks != ranks;
    if (ck_ranks < 1)
        snn_fatal("--restore: '%s': a decomposition of %d ranks", path, ck_ranks);
    /* a batched model's checkpoint: every rank held the whole network (lanes over ranks, or
     * one process), so nothing is re-partitioned: each lane's files are found by the lane's
     * number (lane_file), on any number of ranks */
    R.lane_files = R.lanes > 1;
    if (R.lane_files) {
        if (R.lane_ranks < 1 || R.lane_ranks != ck_ranks || (uint32_t)R.lane_ranks > R.lanes)
            snn_fatal("--restore: '%s': lanes split over %d ranks, written by %d: a manifest "
                      "this simulator cannot read", path, R.lane_ranks, ck_ranks);
        R.repart = 0;
    }
    if (R.step >= n_steps)
        snn_fatal("--restore: the checkpoint '%s' is at step %" PRIu64 " (%g ms), which is not "
                  "before the end of this run (%" PRIu64 " steps = %g ms): raise the duration",
                  dir, R.step, (double)R.step * m->dt, n_steps, (double)n_steps * m->dt);
    /* this rank's pieces: present, complete, intact */
    /* (on other ranks: the old ranks' pieces, old rank r checked by rank r % ranks) */
    for (int i = 0; i < R.n_files; i++) {
        rfile *f = &R.files[i];
        int fr = -1;
        if (sscanf(f->name, "rank%d/", &fr) != 1 ||
            (R.repart || R.lane_files ? fr % ranks : fr) != rank)
            continue;
        verify_piece(f, NULL);
    }
    return R.step;
}

/* ------------------------------------------------------------------------------------- */
/* Re-partitioning: a checkpoint of R.old_ranks ranks restored on R.ranks */

/* Old rank r's piece 'file' (as write_piece named it) in the manifest; missing: snn_fatal
 * naming it and 'why'. */
static rfile *old_file(int r, const char *file, const char *why)
{
    char full[700];
    snprintf(full, sizeof full, "rank%d/%s", r, file);
    for (int i = 0; i < R.n_files; i++)
        if (strcmp(R.files[i].name, full) == 0) {
            R.files[i].used = 1;
            return &R.files[i];
        }
    snn_fatal("--restore: the checkpoint '%s' has no piece '%s' (%s)", R.dir, full, why);
    return NULL;
}

/* An old rank's piece read front to back in chunks of PS_CHUNK bytes, its CRC-32 computed
 * on the way and checked at the end (ps_close): what a re-partitioned restore holds of an
 * old rank's synapses at a time, whatever their number. */
#define PS_CHUNK (1u << 20)
typedef struct {
    const rfile *f;
    int fd;
    char fp[5200];
    uint64_t done; /* bytes of the piece read */
    uint32_t crc;
    uint8_t *buf;
    size_t pos, len; /* the bytes not yet taken: buf[pos..len) */
} pstream;

static void ps_open(pstream *s, const rfile *f)
{
    s->f = f;
    s->fd = piece_fd(f, s->fp, sizeof s->fp);
    s->done = 0, s->crc = 0, s->pos = s->len = 0;
    if (!(s->buf = malloc(PS_CHUNK)))
        snn_fatal("out of memory reading '%s'", s->fp);
}

/* The next n bytes (n <= PS_CHUNK), contiguous; NULL past the piece's end. */
static const uint8_t *ps_get(pstream *s, size_t n)
{
    if (s->len - s->pos < n) {
        memmove(s->buf, s->buf + s->pos, s->len - s->pos);
        s->len -= s->pos, s->pos = 0;
        while (s->len < n && s->done < s->f->bytes) {
            const uint64_t left = s->f->bytes - s->done;
            const size_t room = PS_CHUNK - s->len;
            const size_t k = piece_pread(s->f, s->fd, s->fp, s->buf + s->len,
                                         left < room ? (size_t)left : room, s->done);
            s->crc = rt_crc32(s->crc, s->buf + s->len, k);
            s->len += k, s->done += k;
        }
        if (s->len < n)
            return NULL;
    }
    const uint8_t *p = s->buf + s->pos;
    s->pos += n;
    return p;
}

/* A LEB128 varint of at most 'bits' bits; -1 past the end or malformed. */
static int ps_varint(pstream *s, int bits, uint64_t *v)
{
    *v = 0;
    for (int sh = 0;; sh += 7) {
        const uint8_t *b = s->pos < s->len ? s->buf + s->pos++ : ps_get(s, 1);
        if (!b || sh >= bits)
            return -1;
        *v |= (uint64_t)(*b & 0x7f) << sh;
        if (!(*b & 0x80))
            return 0;
    }
}

/* The next target of a row stored as zigzag differences (the writer's encoding): *prev
 * moves to it; -1 when the stream ends or the target leaves 0..UINT32_MAX. */
static int ps_next_target(pstream *s, int64_t *prev)
{
    uint64_t v;
    if (ps_varint(s, 42, &v))
        return -1;
    *prev += v & 1 ? -(int64_t)((v + 1) >> 1) : (int64_t)(v >> 1);
    return *prev < 0 || *prev > (int64_t)UINT32_MAX ? -1 : 0;
}

/* The piece's end: 1 if all of it was taken (its CRC-32 checked: snn_fatal if it differs),
 * 0 if bytes are left. */
static int ps_close(pstream *s)
{
    const int all = s->pos == s->len && s->done == s->f->bytes;
    free(s->buf);
    s->buf = NULL;
    if (all && s->crc != s->f->crc)
        crc_differs(s->f, s->fp, s->crc);
    return all;
}

/* Old rank r's file of piece 'file' (as write_piece named it), read and checked; its size
 * in *bytes.  Missing: NULL if 'optional', else snn_fatal naming it and 'why'. */
static void *old_piece(int r, const char *file, size_t *bytes, const char *why)
{
    rfile *f = old_file(r, file, why);
    void *buf = malloc(f->bytes + 1);
    if (!buf)
        snn_fatal("out of memory reading '%s/%s'", R.dir, f->name);
    verify_piece(f, buf);
    *bytes = f->bytes;
    return buf;
}

static void repart_refuse(const char *name, const char *why)
{
    snn_fatal("--restore: the checkpoint '%s' was written by %d rank%s, this run has %d: state "
              "'%s' cannot be re-partitioned (%s); restore it on %d rank%s", R.dir, R.old_ranks,
              R.old_ranks == 1 ? "" : "s", R.ranks, name, why, R.old_ranks,
              R.old_ranks == 1 ? "" : "s");
}

/* Per-neuron rows (LAY_LOCAL; LAY_RING: row (step % depth) is step's, old and new depths
 * may differ): this rank's neurons from the old ranks whose blocks overlap, each row's
 * overlapping range read by itself (pread), not the old rank's whole piece: its CRC-32 was
 * checked when the checkpoint was opened (rt_ckpt_open: old rank r's pieces by rank
 * r % ranks, whole, in chunks), a part of a piece has none of its own. */
static void repart_local(const char *name, const char *file, char *data)
{
    const size_t e = L.elem;
    const uint32_t hi = L.lo + L.nl;
    char *tmp = NULL;
    if (L.kind == LAY_RING)
        memset(data, 0, e * (size_t)L.rows * L.nl);
    for (int r = 0; r < R.old_ranks; r++) {
        uint32_t olo, onl;
        snn_partition(L.n, r, R.old_ranks, &olo, &onl);
        const uint32_t a = olo > L.lo ? olo : L.lo, b = olo + onl < hi ? olo + onl : hi;
        if (a >= b)
            continue;
        const rfile *f = old_file(r, file, "a part of this rank's neurons");
        const uint64_t ob = f->bytes;
        uint32_t orows = L.rows;
        if (L.kind == LAY_RING)
            orows = onl ? (uint32_t)(ob / (e * onl)) : 0;
        if (ob != e * ((uint64_t)orows * onl + L.pad) || (L.kind == LAY_RING && !orows))
            snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' has %" PRIu64 " bytes, which "
                      "is not the %u neurons of that rank's block of '%s'", R.dir, r, file, ob,
                      onl, name);
        char fp[5200];
        const int fd = piece_fd(f, fp, sizeof fp);
        const size_t n = (size_t)(b - a) * e;
        /* 'n' bytes of old row k (from neuron a) into 'to' */
#define ROW_AT(to, k)                                                                          \
    for (size_t got_ = 0; got_ < n;)                                                           \
        got_ += piece_pread(f, fd, fp, (char *)(to) + got_, n - got_,                          \
                            ((uint64_t)(k) * onl + (a - olo)) * e + got_)
        if (L.kind == LAY_LOCAL) {
            for (uint32_t k = 0; k < L.rows; k++)
                ROW_AT(data + ((size_t)k * L.nl + (a - L.lo)) * e, k);
        } else {
            /* the steps R.step .. R.step + depth - 1: their rows */
            const uint32_t nk = orows < L.rows ? orows : L.rows;
            for (uint32_t k = 0; k < nk; k++) {
                const uint64_t st = R.step + k;
                ROW_AT(data + ((size_t)(st % L.rows) * L.nl + (a - L.lo)) * e, st % orows);
            }
            /* beyond this rank's ring: nothing may be in flight */
            if (orows > L.rows && !tmp && !(tmp = malloc(n + 1)))
                snn_fatal("out of memory restoring '%s'", name);
            for (uint32_t k = L.rows; k < orows; k++) {
                ROW_AT(tmp, (R.step + k) % orows);
                for (size_t j = 0; j < n; j++)
                    if (tmp[j])
                        repart_refuse(name, "input in flight beyond the new ring's depth");
            }
        }
#undef ROW_AT
    }
    free(tmp);
}

/* A spike queue: each slot the ascending union of the old ranks' slots. */
static void repart_queue(const char *name, const char *file, uint32_t *q)
{
    char cfile[620]; /* snn_spk_P -> snn_spkcnt_P */
    if (strncmp(file, "snn_spk_", 8) != 0)
        repart_refuse(name, "a spike queue without counts");
    snprintf(cfile, sizeof cfile, "snn_spkcnt_%s", file + 8);
    for (uint32_t sl = 0; sl < L.nslot; sl++)
        L.counts[sl] = 0;
    uint32_t *tmp = malloc(sizeof(uint32_t) * ((size_t)L.n + 1));
    if (!tmp)
        snn_fatal("out of memory restoring '%s'", name);
    for (int r = 0; r < R.old_ranks; r++) {
        size_t qb, cb;
        uint32_t *oq = old_piece(r, file, &qb, "a spike queue");
        uint32_t *oc = old_piece(r, cfile, &cb, "a spike queue's counts");
        if (qb != sizeof(uint32_t) * (size_t)L.nslot * L.n || cb != sizeof(uint32_t) * L.nslot)
            snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' is not the spike queue of '%s'",
                      R.dir, r, file, name);
        for (uint32_t sl = 0; sl < L.nslot; sl++) {
            const uint32_t *a = q + (size_t)sl * L.n, *b = oq + (size_t)sl * L.n;
            uint32_t na = L.counts[sl], nb = oc[sl], i = 0, j = 0, k = 0;
            if (nb > L.n)
                snn_fatal("--restore: checkpoint piece '%s/rank%d/%s': a slot with %u spikes of "
                          "%u neurons", R.dir, r, cfile, nb, L.n);
            for (uint32_t t = 1; t < nb; t++)
                if (b[t] <= b[t - 1])
                    repart_refuse(name, "a slot's spikes not in ascending order");
            while (i < na || j < nb) {
                if (j >= nb || (i < na && a[i] < b[j]))
                    tmp[k++] = a[i++];
                else if (i >= na || b[j] < a[i])
                    tmp[k++] = b[j++];
                else
                    tmp[k++] = a[i++], j++;
            }
            memcpy(q + (size_t)sl * L.n, tmp, sizeof(uint32_t) * k);
            L.counts[sl] = k;
        }
        free(oq);
        free(oc);
    }
    free(tmp);
}

/* Per-synapse values: for each source, the old ranks' synapses onto this rank's targets,
 * old ranks in order (their blocks ascend), checked against this rank's rebuilt rows.  One
 * old rank at a time: its targets streamed (ps_get: a chunk in memory, not the piece, its
 * CRC-32 checked at the end), and of its values only the runs of synapses onto this rank's
 * targets read (pread straight into place; the values piece's CRC-32 was checked when the
 * checkpoint was opened, by rank r % ranks).  Each source's row has a cursor (cur[i]: how
 * many of this rank's synapses of row i are set): old rank r's synapses of row i onto this
 * rank's targets go on from it -- the positions the old ranks' rows concatenated give. */
static void repart_syn(const char *name, const char *file, char *data, size_t bytes)
{
    const uint32_t n_pre = L.n;
    const snn_ragged *bl = L.blocks;
    const uint32_t lo = L.n_blocks ? bl[0].post_lo : 0;
    const uint32_t hi = L.n_blocks ? bl[L.n_blocks - 1].post_lo + bl[L.n_blocks - 1].n_post : 0;
    const size_t vb = L.vb;
    char tfile[620], vfp[5200];
    snprintf(tfile, sizeof tfile, "%s.targets", file);
    const uint32_t *nlen = L.tgt, *nt = L.tgt + n_pre;
    const size_t nk = bytes / vb;
    uint32_t *cur = calloc((size_t)n_pre + 1, sizeof *cur);
    if (!cur)
        snn_fatal("out of memory restoring '%s'", name);
    for (int r = 0; r < R.old_ranks; r++) {
        pstream ts;
        ps_open(&ts, old_file(r, tfile, "the synapses' targets"));
        const rfile *vf = old_file(r, file, "the synapses' values");
        const int vfd = piece_fd(vf, vfp, sizeof vfp);
        uint64_t q = 0;                      /* the old rank's synapses so far */
        uint64_t run_src = 0, run_dst = 0, run_n = 0; /* a run of them onto this rank */
        int bad = 0;
        size_t st = 0; /* row i's first position in this rank's values */
        for (uint32_t i = 0; i < n_pre && !bad; st += nlen[i], i++) {
            uint64_t len;
            if (ps_varint(&ts, 35, &len) || len > UINT32_MAX) {
                bad = 1;
                break;
            }
            int64_t prev = 0;
            for (uint64_t j = 0; j < len; j++, q++) {
                if (ps_next_target(&ts, &prev)) {
                    bad = 1;
                    break;
                }
                if (prev < lo || prev >= hi)
                    continue;
                const uint64_t dst = st + cur[i];
                if (cur[i] >= nlen[i] || dst >= nk || nt[dst] != (uint32_t)prev)
                    repart_refuse(name, "the checkpoint's synapses are not those rebuilt from "
                                        "the seed");
                cur[i]++;
                if (run_n && q == run_src + run_n && dst == run_dst + run_n) {
                    run_n++;
                    continue;
                }
                if ((run_src + run_n) * vb > vf->bytes) {
                    bad = 2; /* the values piece is too short */
                    break;
                }
                for (uint64_t got = 0; got < run_n * vb;)
                    got += piece_pread(vf, vfd, vfp, data + run_dst * vb + got, run_n * vb - got,
                                       run_src * vb + got);
                run_src = q, run_dst = dst, run_n = 1;
            }
        }
        const int tall = ps_close(&ts);
        if (bad == 2 || (tall && !bad && q * vb != vf->bytes))
            snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' and its targets do not agree "
                      "(or another number of sources than '%s' has)", R.dir, r, file, name);
        if (!tall || bad)
            snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' is not the targets of '%s' "
                      "(malformed, or another number of sources)", R.dir, r, tfile, name);
        for (uint64_t got = 0; got < run_n * vb;)
            got += piece_pread(vf, vfd, vfp, data + run_dst * vb + got, run_n * vb - got,
                               run_src * vb + got);
    }
    size_t k = 0;
    for (uint32_t i = 0; i < n_pre; i++) {
        if (cur[i] != nlen[i])
            repart_refuse(name, "the checkpoint's synapses are not those rebuilt from the seed");
        k += nlen[i];
    }
    if (k != nk)
        repart_refuse(name, "the checkpoint's synapses are not those rebuilt from the seed");
    free(cur);
}

static void load_repart(const char *name, const char *file, void *data, size_t bytes, int flags)
{
    if (flags & SNN_STATE_CHECK) { /* a checksum of rows: the sums over all ranks agree */
        uint64_t old_sum = 0, v, now;
        for (int r = 0; r < R.old_ranks; r++) {
            size_t ob;
            uint64_t *o = old_piece(r, file, &ob, "a connectivity checksum");
            if (ob != sizeof v || bytes != sizeof v)
                repart_refuse(name, "a check of another size");
            old_sum += *o;
            free(o);
        }
        memcpy(&now, data, sizeof now);
        rt_par_sum_u64(&now, 1);
        if (now != old_sum)
            snn_fatal("--restore: '%s' rebuilt from the seed differs from the checkpoint's "
                      "('%s/rank*/%s'): the network is not the one the checkpoint was written "
                      "from", name, R.dir, file);
        return;
    }
    switch (L.kind) {
    case LAY_LOCAL:
    case LAY_RING:
        repart_local(name, file, data);
        break;
    case LAY_QUEUE:
        repart_queue(name, file, data);
        break;
    case LAY_QCOUNTS: /* set with the queue */
        break;
    case LAY_SYN:
        repart_syn(name, file, data, bytes);
        break;
    case LAY_PRE: { /* each source's value from the first old rank with synapses from it */
        char hfile[620];
        snprintf(hfile, sizeof hfile, "%s.held", file);
        uint8_t *got = calloc((size_t)L.n + 1, 1);
        if (!got)
            snn_fatal("out of memory restoring '%s'", name);
        for (int r = 0; r < R.old_ranks; r++) {
            size_t ob, hb;
            char *o = old_piece(r, file, &ob, "state every rank holds");
            uint8_t *h = old_piece(r, hfile, &hb, "which sources a rank has synapses from");
            if (ob != bytes || hb != L.n || bytes != L.elem * L.n)
                snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' has %zu bytes, this run's "
                          "'%s' has %zu", R.dir, r, file, ob, name, bytes);
            for (uint32_t i = 0; i < L.n; i++) {
                char *d = (char *)data + (size_t)i * L.elem, *v = o + (size_t)i * L.elem;
                if (r == 0 || (h[i] && !got[i]))
                    memcpy(d, v, L.elem);
                else if (h[i] && memcmp(d, v, L.elem) != 0)
                    repart_refuse(name, "the ranks with synapses from a source hold different "
                                        "values of it");
                got[i] |= h[i];
            }
            free(o);
            free(h);
        }
        free(got);
        break;
    }
    case LAY_REPL:
    case LAY_SUM0: {
        if (L.kind == LAY_SUM0)
            memset(data, 0, bytes);
        for (int r = 0; r < R.old_ranks; r++) {
            size_t ob;
            char *o = old_piece(r, file, &ob, "state every rank holds");
            if (ob != bytes)
                snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' has %zu bytes, this run's "
                          "'%s' has %zu", R.dir, r, file, ob, name, bytes);
            if (L.kind == LAY_SUM0) { /* counts: their sums on rank 0 */
                if (R.rank == 0)
                    for (size_t j = 0; j < bytes / sizeof(uint64_t); j++)
                        ((uint64_t *)data)[j] += ((uint64_t *)o)[j];
            } else if (r == 0) {
                memcpy(data, o, bytes);
            } else if (memcmp(data, o, bytes) != 0) {
                repart_refuse(name, "the ranks of the checkpoint hold different values of it "
                                    "(the point-to-point exchange updates only what a rank "
                                    "needs)");
            }
            free(o);
        }
        break;
    }
    default:
        repart_refuse(name, "its layout is per rank");
    }
}

/* The checkpoint's rank whose directory holds the piece handed now: this rank's; a batched
 * checkpoint's (R.lane_files), the shared pieces rank 0's and lane g's the rank that held
 * lane g (the split of lane_first in the manifest: the first B mod R ranks one more). */
static int file_rank(void)
{
    if (!R.lane_files)
        return R.rank;
    if (g_ck_shared || g_ck_lane == 0)
        return 0;
    const uint32_t B = R.lanes, Rk = (uint32_t)R.lane_ranks, q = B / Rk, e = B % Rk;
    const uint32_t g = g_ck_lane;
    return (int)(g < e * (q + 1) ? g / (q + 1) : e + (g - e * (q + 1)) / q);
}

static void load_piece(void *ctx, const char *name, int block, void *data, size_t bytes,
                       int flags)
{
    (void)ctx;
    if (flags & SNN_STATE_AUX)
        return;
    if (R.repart) {
        char file[600];
        piece_name(file, sizeof file, name, block);
        load_repart(name, file, data, bytes, flags);
        return;
    }
    char file[600], full[700];
    piece_name(file, sizeof file, name, block);
    snprintf(full, sizeof full, "rank%d/%s", file_rank(), file);
    rfile *f = NULL;
    for (int i = 0; i < R.n_files && !f; i++)
        if (strcmp(R.files[i].name, full) == 0)
            f = &R.files[i];
    if (!f)
        snn_fatal("--restore: the checkpoint '%s' has no piece '%s' for state '%s' of this "
                  "model", R.dir, full, name);
    if (f->bytes != bytes)
        snn_fatal("--restore: checkpoint piece '%s/%s' has %" PRIu64 " bytes, this run's '%s' "
                  "has %zu", R.dir, full, f->bytes, name, bytes);
    if (flags & SNN_STATE_CHECK) {
        void *tmp = malloc(bytes + 1);
        if (!tmp)
            snn_fatal("out of memory reading '%s/%s'", R.dir, full);
        verify_piece(f, tmp);
        int differs = bytes && memcmp(tmp, data, bytes) != 0;
        free(tmp);
        if (differs)
            snn_fatal("--restore: '%s' rebuilt from the seed differs from the checkpoint's "
                      "('%s/%s'): the network is not the one the checkpoint was written from",
                      name, R.dir, full);
    } else {
        verify_piece(f, data); /* checked again: the file may have changed since */
    }
    f->used = 1;
}

/* ------------------------------------------------------------------------------------- */
/* Rewired projections (connectivity_update): their rows are not those of the seed */

static uint32_t ind_of(const snn_ragged *r, uint64_t p)
{
    return r->ind_bytes == 2 ? ((const uint16_t *)r->ind)[p] : ((const uint32_t *)r->ind)[p];
}

/* Re-lay this run's blocks (any number) from tgt (n_pre row lengths, then each source's
 * global targets, ascending): each target into the block that holds it.  mine_only: a
 * target no block here holds is skipped (train.load on several ranks: each rank keeps its
 * targets); else it is an error.  'what' names the source of the rows in errors. */
/* Source i's next synapse, onto global target g, appended to its row in the block holding
 * g (not held here: skipped if mine_only, else snn_fatal naming 'what'). */
static void relay_one(snn_ragged *blocks, int n_blocks, uint32_t i, uint32_t g, int mine_only,
                      const char *what, const char *proj)
{
    int t = 0;
    while (t < n_blocks && !(g >= blocks[t].post_lo && g - blocks[t].post_lo < blocks[t].n_post))
        t++;
    if (t == n_blocks && mine_only)
        return;
    snn_ragged *r = t < n_blocks ? &blocks[t] : NULL;
    const uint64_t at = r ? r->row_start[i] + r->row_len[i] : 0;
    if (!r || at >= r->row_start[i + 1] ||
        (r->row_len[i] && ind_of(r, at - 1) >= g - r->post_lo))
        snn_fatal("%s: source %u's synapse onto target %u does not fit this run's rows "
                  "of projection '%s' (not held here, beyond the row capacity, or out "
                  "of order)", what, i, g, proj);
    if (r->ind_bytes == 2)
        ((uint16_t *)r->ind)[at] = (uint16_t)(g - r->post_lo);
    else
        ((uint32_t *)r->ind)[at] = g - r->post_lo;
    r->row_len[i]++;
    r->n_syn++;
}

static void relay_reset(snn_ragged *blocks, int n_blocks, uint32_t n_pre)
{
    for (int t = 0; t < n_blocks; t++) {
        memset(blocks[t].row_len, 0, sizeof *blocks[t].row_len * n_pre);
        blocks[t].n_syn = 0;
    }
}

static void relay(snn_ragged *blocks, int n_blocks, uint32_t n_pre, const uint32_t *tgt,
                  int mine_only, const char *what, const char *proj)
{
    relay_reset(blocks, n_blocks, n_pre);
    size_t k = n_pre;
    for (uint32_t i = 0; i < n_pre; i++)
        for (uint32_t j = 0; j < tgt[i]; j++, k++)
            relay_one(blocks, n_blocks, i, tgt[k], mine_only, what, proj);
}

/* train.load of a rewired projection (rt_train.c): the model's state handed to this fn
 * changes nothing but the rows of the projections in ctx (snn_state_rewired_rows). */
void snn_state_relay(void *ctx, const char *name, int block, void *data, size_t bytes, int flags)
{
    (void)ctx, (void)name, (void)block, (void)data, (void)bytes, (void)flags;
}

uint32_t *snn_state_targets_decode(const uint8_t *in, size_t n, uint32_t n_pre, size_t *total)
{
    return tgt_decode(in, n, n_pre, total);
}

int snn_state_loading(snn_state_fn fn)
{
    return fn == load_piece || fn == snn_state_relay;
}

void snn_state_rewired_rows(snn_state_fn fn, void *ctx, const char *name, snn_ragged *blocks,
                            int n_blocks, const char *proj)
{
    const uint32_t n_pre = n_blocks ? blocks[0].n_pre : 0;
    if (fn == snn_state_relay) { /* train.load: the rows of the projections in ctx */
        for (const snn_relay_rows *q = ctx; q && q->proj; q++)
            if (!strcmp(q->proj, proj)) {
                if (n_blocks && blocks[0].delay) /* train.save writes no delays */
                    snn_fatal("%s: projection '%s' has per-synapse delays, which train.save "
                              "does not write: its saved synapses cannot be loaded", q->what,
                              proj);
                relay(blocks, n_blocks, n_pre, q->tgt, 1, q->what, proj);
            }
        return;
    }
    if (fn != load_piece) { /* each source's row length, then its global targets, ascending */
        uint64_t total = 0;
        for (int t = 0; t < n_blocks; t++)
            total += blocks[t].n_syn;
        uint32_t *tgt = malloc(sizeof *tgt * ((size_t)n_pre + total + 1));
        uint8_t *out = malloc(((size_t)n_pre + total) * 5 + 1);
        if (!tgt || !out)
            snn_fatal("out of memory for a checkpoint of '%s'", name);
        size_t k = n_pre;
        for (uint32_t i = 0; i < n_pre; i++) {
            tgt[i] = 0;
            for (int t = 0; t < n_blocks; t++) {
                const snn_ragged *r = &blocks[t];
                for (uint64_t p = r->row_start[i]; p < r->row_start[i] + r->row_len[i]; p++)
                    tgt[k++] = r->post_lo + ind_of(r, p);
                tgt[i] += r->row_len[i];
            }
        }
        const size_t nb = tgt_encode(tgt, n_pre, out);
        fn(ctx, name, -1, out, nb, 0);
        free(tgt);
        free(out);
        return;
    }
    if (R.repart) {
        /* another number of ranks: each source's targets from every old rank, old ranks in
         * order (their blocks ascend, so each row's joined targets ascend), this run's own
         * kept: one old rank at a time, its rows streamed (a chunk in memory, CRC-32 checked
         * at the end), each source's kept targets appended to its row */
        char file[600], what[4200];
        piece_name(file, sizeof file, name, -1);
        snprintf(what, sizeof what, "--restore: checkpoint '%s' (%d ranks)", R.dir, R.old_ranks);
        relay_reset(blocks, n_blocks, n_pre);
        for (int r = 0; r < R.old_ranks; r++) {
            pstream ts;
            ps_open(&ts, old_file(r, file, "the rows of a rewired projection"));
            int bad = 0;
            for (uint32_t i = 0; i < n_pre && !bad; i++) {
                uint64_t len;
                if (ps_varint(&ts, 35, &len) || len > UINT32_MAX) {
                    bad = 1;
                    break;
                }
                int64_t prev = 0;
                for (uint64_t j = 0; j < len; j++) {
                    if (ps_next_target(&ts, &prev)) {
                        bad = 1;
                        break;
                    }
                    relay_one(blocks, n_blocks, i, (uint32_t)prev, 1, what, proj);
                }
            }
            if (!ps_close(&ts) || bad)
                snn_fatal("--restore: checkpoint piece '%s/rank%d/%s' is not the rows of %u "
                          "sources", R.dir, r, file, n_pre);
        }
        return;
    }
    char file[600], full[700], fp[5200];
    piece_name(file, sizeof file, name, -1);
    snprintf(full, sizeof full, "rank%d/%s", file_rank(), file);
    rfile *f = NULL;
    for (int i = 0; i < R.n_files && !f; i++)
        if (strcmp(R.files[i].name, full) == 0)
            f = &R.files[i];
    if (!f)
        snn_fatal("--restore: the checkpoint '%s' has no piece '%s' for the rows of projection "
                  "'%s' (rewired)", R.dir, full, proj);
    snprintf(fp, sizeof fp, "%s/%s", R.dir, full);
    uint8_t *in = malloc((size_t)f->bytes + 1);
    if (!in)
        snn_fatal("out of memory reading '%s'", fp);
    verify_piece(f, in);
    f->used = 1;
    size_t total = 0;
    uint32_t *tgt = tgt_decode(in, (size_t)f->bytes, n_pre, &total);
    free(in);
    if (!tgt)
        snn_fatal("--restore: checkpoint file '%s' is not the rows of %u sources", fp, n_pre);
    char what[5300];
    snprintf(what, sizeof what, "--restore: checkpoint file '%s'", fp);
    relay(blocks, n_blocks, n_pre, tgt, 0, what, proj);
    free(tgt);
}

/* Whether rank 0 of the checkpoint has piece 'name'. */
static int has_file(const char *name)
{
    char full[700];
    snprintf(full, sizeof full, "rank0/%s", name);
    for (int i = 0; i < R.n_files; i++)
        if (strcmp(R.files[i].name, full) == 0)
            return 1;
    return 0;
}

void rt_ckpt_load(const snn_model *m, snn_run *run)
{
    const double t0 = snn_now();
    if (rt_train_active()) { /* the batch running at the checkpoint fed again first */
        if (!has_file("train.position"))
            snn_fatal("--restore: the checkpoint '%s' holds no training loop position (it was "
                      "written by a run without train:): restore it without train:", R.dir);
        lanes_begin(run, 1); /* rank 0's */
        /* an unbatched model on another number of ranks: every rank wrote the loop's
         * position (the ranks run it in lockstep) and rank 0 its metrics: rank 0's, read on
         * every rank */
        const int repart = R.repart, rank = R.rank;
        if (repart && !R.lane_files)
            R.repart = 0, R.rank = 0;
        rt_train_restore(load_piece);
        R.repart = repart, R.rank = rank;
    } else if (has_file("train.position")) {
        snn_fatal("--restore: the checkpoint '%s' was written by a training run (train:): "
                  "restore it with the same train: config", R.dir);
    }
    lanes_begin(run, 1); /* as written: shared until the first lane */
    m->state(run, load_piece, NULL);
    lanes_begin(run, 0);
    for (uint32_t b = 0; b < run->lanes || b == 0; b++) {
        snn_lane_io(run, b);
        snn_state_lane(b);
        L.kind = LAY_SUM0;
        load_piece(NULL, "run.spike_count", -1, run->spike_count,
                   sizeof(uint64_t) * (size_t)m->n_pops, 0);
        memset(&L, 0, sizeof L);
    }
    snn_lane_io(run, 0);
    lanes_begin(run, 0);
    free(R.files);
    R.files = NULL;
    R.n_files = 0;
    for (int i = 0; i < R.n_phys; i++)
        if (R.phys[i].fd >= 0)
            close(R.phys[i].fd);
    free(R.phys);
    R.phys = NULL;
    R.n_phys = 0;
    g_load_s = snn_now() - t0;
}
