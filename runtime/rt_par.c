/*
 * rt_par.c - parallel runs: MPI start-up and shut-down, reductions for run.json, failure
 * handling, and the spike exchange between ranks (snnrt.h, "Parallel runs").
 *
 * Compiled twice: into libsnnrt.a without SNN_MPI (one rank; the exchange only moves the
 * interval's spikes from the staging slots into the queue) and into libsnnrt_mpi.a with
 * SNN_MPI by mpicc.
 *
 * Exchange, collective mode: every rank packs one message per interval, one 32-bit word
 * per spike (its neuron in one numbering of all exchanged neurons, shifted left, and the
 * step within the interval in the low bits; see pack()), in (population, step, neuron)
 * order, so a message carries no counts or headers.  MPI_Allgather of the message
 * lengths, then MPI_Allgatherv of the messages.  Every rank then fills queue slot
 * (first + k) of population x with rank 0's ids, rank 1's ids, ...: blocks are contiguous
 * and in rank order, so that is the ascending order a single process has.
 *
 * Point-to-point mode: after construction each rank tells every other rank which of its
 * neurons it needs (a bitset over the other rank's block, per population: one
 * MPI_Alltoallv); the senders keep, per destination, a bitset over their own neurons.
 * Every interval a rank sends each destination that needs anything one message of the
 * same layout holding only the needed spikes, and receives one from each rank it needs
 * spikes of (MPI_Isend, then MPI_Probe/MPI_Recv in rank order).  The queue then holds the
 * needed spikes in the same global order; a spike nobody here needs is skipped, which
 * changes nothing, since its rows on this rank are empty.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "rt_par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SNN_MPI
#include <mpi.h>
#endif

static int g_rank = 0, g_ranks = 1; /* MPI_COMM_WORLD */
/* The ranks the network's neurons are split over (the spike exchange, the partition's sums):
 * the world's, or with lanes over ranks (rt_par_data_parallel) each rank alone. */
static int g_prank = 0, g_pranks = 1;
__attribute__((unused)) static int g_mpi_on = 0;       /* MPI_Init done and not finalised */
static int g_collective = 0;   /* errors now are the same on every rank: root reports */

__attribute__((unused)) static void *xrealloc(void *p, size_t n, const char *what)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        snn_fatal("out of memory for %s (%zu bytes)", what, n);
    return q;
}

/* ---- start, stop, failure ------------------------------------------------------------ */

void rt_par_init(int *argc, char ***argv)
{
#ifdef SNN_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && MPI_Init(argc, argv) != MPI_SUCCESS) {
        fprintf(stderr, "error: MPI_Init failed\n");
        exit(1);
    }
    g_mpi_on = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_ranks);
    g_prank = g_rank, g_pranks = g_ranks;
#else
    (void)argc;
    (void)argv;
#endif
}

void rt_par_finalize(void)
{
#ifdef SNN_MPI
    if (g_mpi_on) {
        g_mpi_on = 0;
        MPI_Finalize();
    }
#endif
}

int rt_par_rank(void)
{
    return g_rank;
}

int rt_par_ranks(void)
{
    return g_ranks;
}

void rt_par_data_parallel(void)
{
    g_prank = 0, g_pranks = 1;
}

int rt_par_is_mpi(void)
{
#ifdef SNN_MPI
    return 1;
#else
    return 0;
#endif
}

int rt_par_local_ranks(void)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_ranks > 1) {
        MPI_Comm node;
        int n = 1;
        if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
            MPI_SUCCESS) {
            MPI_Comm_size(node, &n);
            MPI_Comm_free(&node);
        }
        return n;
    }
#endif
    return 1;
}

void rt_par_set_collective(int on)
{
    g_collective = on;
}

int rt_par_collective(void)
{
    return g_collective;
}

/* Called by snn_fatal after the message and the hook.  With several ranks a failure on one
 * must end all: MPI_Abort.  While every rank does the same work on the same input (config,
 * command line) they all fail alike; then only rank 0 speaks (the others wait for its
 * abort, and speak up themselves if it does not come: a rank-local cause after all). */
int rt_par_quiet_failure(void)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_ranks > 1 && g_collective && g_rank != 0) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        for (int i = 0; i < 100; i++) /* up to 5 s */
            nanosleep(&ts, NULL);
    }
#endif
    return g_collective;
}

void rt_par_fail_exit(void)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_ranks > 1) {
        fflush(stdout);
        fflush(stderr);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    if (g_mpi_on) {
        g_mpi_on = 0;
        MPI_Finalize();
    }
#endif
    exit(1);
}

/* ---- reductions ------------------------------------------------------------------------ */

void rt_par_barrier(void)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_ranks > 1)
        MPI_Barrier(MPI_COMM_WORLD);
#endif
}

__attribute__((unused)) static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void rt_par_stats(double v, double out[3])
{
    out[0] = out[1] = out[2] = v;
#ifdef SNN_MPI
    if (!g_mpi_on || g_ranks == 1)
        return;
    double *all = xrealloc(NULL, sizeof(double) * (size_t)g_ranks, "per-rank timers");
    MPI_Allgather(&v, 1, MPI_DOUBLE, all, 1, MPI_DOUBLE, MPI_COMM_WORLD);
    qsort(all, (size_t)g_ranks, sizeof *all, cmp_double);
    out[0] = all[0];
    out[2] = all[g_ranks - 1];
    out[1] = g_ranks % 2 ? all[g_ranks / 2] : 0.5 * (all[g_ranks / 2 - 1] + all[g_ranks / 2]);
    free(all);
#endif
}

void rt_par_sum_u64(uint64_t *v, int n)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_pranks > 1 && n > 0)
        MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)v;
    (void)n;
#endif
}

void snn_sum_int64(int64_t *v, size_t n)
{
#ifdef SNN_MPI
    const size_t chunk = (size_t)1 << 26;
    if (g_mpi_on && g_pranks > 1)
        for (size_t a = 0; a < n; a += chunk)
            MPI_Allreduce(MPI_IN_PLACE, v + a, (int)(n - a < chunk ? n - a : chunk),
                          MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)v;
    (void)n;
#endif
}

int rt_par_any(int flag)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_ranks > 1) {
        int out = 0;
        MPI_Allreduce(&flag, &out, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
        return out;
    }
#endif
    return flag;
}

void rt_par_gather_bytes(const void *mine, int n, void *all, const int *counts)
{
#ifdef SNN_MPI
    if (g_mpi_on && g_ranks > 1) {
        int *displs = xrealloc(NULL, sizeof(int) * (size_t)g_ranks, "the lanes' values");
        int d = 0;
        for (int r = 0; r < g_ranks; r++)
            displs[r] = d, d += counts[r];
        MPI_Allgatherv(mine, n, MPI_BYTE, all, counts, displs, MPI_BYTE, MPI_COMM_WORLD);
        free(displs);
        return;
    }
#else
    (void)counts;
#endif
    if (n > 0 && all != mine)
        memmove(all, mine, (size_t)n);
}

/* ---- global synapse positions (weight update models) ---------------------------------- */

#ifdef SNN_MPI
/* MPI reductions over uint64_t arrays, in chunks that fit an int count. */
static void u64_collective(uint64_t *in, uint64_t *out, size_t n, int exscan)
{
    const size_t chunk = (size_t)1 << 26;
    for (size_t a = 0; a < n; a += chunk) {
        int c = (int)(n - a < chunk ? n - a : chunk);
        if (exscan)
            MPI_Exscan(in + a, out + a, c, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        else
            MPI_Allreduce(in + a, out + a, c, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    }
}
#endif

void snn_synapse_positions(const snn_ragged *blocks, int n_blocks, uint64_t *const *base)
{
    if (n_blocks < 1)
        return;
    const uint32_t n_pre = blocks[0].n_pre;
    /* len[i]: row i's synapses on this rank; before[i]: on the ranks before this one;
     * total[i]: on all ranks */
    uint64_t *len = calloc((size_t)n_pre + 1, sizeof *len);
    uint64_t *before = calloc((size_t)n_pre + 1, sizeof *before);
    uint64_t *total = len;
    if (!len || !before)
        snn_fatal("out of memory for the synapse positions (%u sources)", n_pre);
    for (int t = 0; t < n_blocks; t++)
        for (uint32_t i = 0; i < n_pre; i++)
            len[i] += blocks[t].row_len[i];
#ifdef SNN_MPI
    if (g_mpi_on && g_pranks > 1) {
        total = calloc((size_t)n_pre + 1, sizeof *total);
        if (!total)
            snn_fatal("out of memory for the synapse positions (%u sources)", n_pre);
        u64_collective(len, before, n_pre, 1);
        if (g_prank == 0) /* MPI_Exscan leaves rank 0's result undefined */
            memset(before, 0, (size_t)n_pre * sizeof *before);
        u64_collective(len, total, n_pre, 0);
    }
#endif
    uint64_t row0 = 0; /* global position of row i's first synapse */
    for (uint32_t i = 0; i < n_pre; i++) {
        uint64_t at = row0 + before[i];
        for (int t = 0; t < n_blocks; t++) {
            base[t][i] = at - blocks[t].row_start[i];
            at += blocks[t].row_len[i];
        }
        row0 += total[i];
    }
    if (total != len)
        free(total);
    free(len);
    free(before);
}

/* ---- the spike exchange ---------------------------------------------------------------- */

static struct {
    snn_xpop *x;
    int n_x;
    uint32_t interval;
    uint32_t *send;   /* packed message */
    size_t send_cap;
    uint64_t *off;    /* per x: first index in the numbering of all exchanged neurons */
    uint32_t sbits;   /* bits for the step within the interval */
    int wide;         /* two words per spike (the numbering does not fit) */
#ifdef SNN_MPI
    uint32_t *recv;   /* all ranks' messages (collective) */
    size_t recv_cap;
    int *lens, *displs;
    size_t *mlen;     /* per rank: words of its message this interval */
    /* point-to-point */
    int n_dst, n_src;
    int *dst, *src;         /* ranks, ascending */
    uint8_t **dst_bits;     /* per destination: n_x bitsets over this rank's neurons */
    size_t *bits_off;       /* per x: offset of its bitset (bytes) within one dst_bits entry */
    size_t bits_bytes;      /* bytes of one destination's bitsets */
    uint32_t **dst_msg;     /* per destination: its message */
    size_t *dst_cap;
    uint32_t **src_msg;     /* per source rank (all ranks): received message or NULL */
    size_t *src_cap;
    MPI_Request *reqs;
#endif
} X;

static void local_only(uint64_t first, uint32_t n_steps)
{
    for (int x = 0; x < X.n_x; x++) {
        const snn_xpop *p = &X.x[x];
        for (uint32_t k = 0; k < n_steps; k++) {
            uint32_t slot = (uint32_t)((first + k) % p->nslot);
            uint32_t c = p->lcount[k];
            memcpy(p->queue + (size_t)slot * p->n, p->lspk + (size_t)k * p->n_local,
                   sizeof(uint32_t) * c);
            p->count[slot] = c;
        }
    }
}

#ifdef SNN_MPI
static void need_send_cap(size_t words)
{
    if (words > X.send_cap) {
        X.send_cap = words + words / 2;
        X.send = xrealloc(X.send, X.send_cap * sizeof *X.send, "the spike exchange buffer");
    }
}

/* Words one spike takes in a message: 1 in the compact form, 2 in the wide one. */
static size_t spike_words(void)
{
    return X.wide ? 2 : 1;
}

/* Pack this rank's spikes of the interval: all of them (bits NULL) or those set in bits.
 * A spike of population x, neuron id, in step k of the interval is one word
 * ((off[x] + id) << sbits) | k, off[x] being x's first index in one numbering of all
 * exchanged neurons; when that does not fit in 32 bits, two words (x << 24 | k, id).  The
 * order is (x, k, id), so the message needs no counts: its length is the spike count. */
static size_t pack(uint32_t *msg, uint32_t n_steps, const uint8_t *bits)
{
    size_t at = 0;
    for (int x = 0; x < X.n_x; x++) {
        const snn_xpop *p = &X.x[x];
        const uint8_t *b = bits ? bits + X.bits_off[x] : NULL;
        const uint32_t off = (uint32_t)X.off[x];
        for (uint32_t k = 0; k < n_steps; k++) {
            const uint32_t *ids = p->lspk + (size_t)k * p->n_local;
            uint32_t c = p->lcount[k];
            if (X.wide) {
                for (uint32_t s = 0; s < c; s++) {
                    uint32_t l = ids[s] - p->lo;
                    if (b && !((b[l >> 3] >> (l & 7)) & 1u))
                        continue;
                    msg[at++] = ((uint32_t)x << 24) | k;
                    msg[at++] = ids[s];
                }
            } else if (!b) {
                for (uint32_t s = 0; s < c; s++)
                    msg[at + s] = ((off + ids[s]) << X.sbits) | k;
                at += c;
            } else {
                for (uint32_t s = 0; s < c; s++) {
                    uint32_t l = ids[s] - p->lo;
                    msg[at] = ((off + ids[s]) << X.sbits) | k;
                    at += (b[l >> 3] >> (l & 7)) & 1u;
                }
            }
        }
    }
    return at;
}

/* Fill the queue slots of the interval from the messages of all ranks, in rank order;
 * msgs[r] NULL means rank r sent nothing here.  Each message is in (x, k, id) order, so
 * appending rank after rank puts every slot in ascending global order. */
static void unpack(uint64_t first, uint32_t n_steps, uint32_t *const *msgs, const size_t *lens)
{
    for (int x = 0; x < X.n_x; x++)
        for (uint32_t k = 0; k < n_steps; k++)
            X.x[x].count[(first + k) % X.x[x].nslot] = 0;
    const uint32_t kmask = (1u << X.sbits) - 1u;
    for (int r = 0; r < g_pranks; r++) {
        const uint32_t *m = msgs[r];
        if (!m)
            continue;
        int x = 0;
        for (size_t w = 0; w < lens[r];) {
            uint32_t id, k;
            if (X.wide) {
                x = (int)(m[w] >> 24);
                k = m[w] & 0xFFFFFFu;
                id = m[w + 1];
                w += 2;
            } else {
                uint32_t g = m[w] >> X.sbits;
                k = m[w] & kmask;
                w++;
                while (x + 1 < X.n_x && g >= X.off[x + 1])
                    x++;
                id = g - (uint32_t)X.off[x];
            }
            if (x >= X.n_x || k >= n_steps || id >= X.x[x].n)
                snn_fatal("spike exchange: a malformed message from rank %d", r);
            snn_xpop *p = &X.x[x];
            const size_t slot = (size_t)((first + k) % p->nslot);
            uint32_t c = p->count[slot];
            if (c >= p->n)
                snn_fatal("spike exchange: more spikes than neurons in population %d", p->pop);
            p->queue[slot * p->n + c] = id;
            p->count[slot] = c + 1;
        }
    }
}

static void setup_p2p(void)
{
    /* What this rank needs of every other rank's block, as bitsets. */
    int R = g_pranks;
    int *scount = calloc((size_t)R, sizeof(int)), *rcount = calloc((size_t)R, sizeof(int));
    int *sdisp = calloc((size_t)R, sizeof(int)), *rdisp = calloc((size_t)R, sizeof(int));
    X.bits_off = calloc((size_t)X.n_x + 1, sizeof *X.bits_off);
    if (!scount || !rcount || !sdisp || !rdisp || !X.bits_off)
        snn_fatal("out of memory setting up the point-to-point spike exchange");
    /* bytes of the bitsets over rank r's neurons, over all populations */
    size_t *per = calloc((size_t)R, sizeof *per);
    if (!per)
        snn_fatal("out of memory setting up the point-to-point spike exchange");
    for (int r = 0; r < R; r++)
        for (int x = 0; x < X.n_x; x++) {
            uint32_t lo, nl;
            snn_partition(X.x[x].n, r, R, &lo, &nl);
            per[r] += ((size_t)nl + 7) / 8;
        }
    for (int x = 0; x < X.n_x; x++)
        X.bits_off[x + 1] = X.bits_off[x] + ((size_t)X.x[x].n_local + 7) / 8;
    X.bits_bytes = X.bits_off[X.n_x];
    size_t stot = 0;
    for (int r = 0; r < R; r++) {
        if (per[r] > (size_t)1 << 30 || stot > (size_t)1 << 30)
            snn_fatal("point-to-point exchange setup: populations too large for one message");
        sdisp[r] = (int)stot;
        scount[r] = (int)per[r];
        stot += per[r];
        rcount[r] = (int)X.bits_bytes;
        rdisp[r] = (int)((size_t)r * X.bits_bytes);
    }
    uint8_t *sbuf = calloc(stot + 1, 1), *rbuf = calloc((size_t)R * X.bits_bytes + 1, 1);
    if (!sbuf || !rbuf)
        snn_fatal("out of memory setting up the point-to-point spike exchange");
    for (int r = 0; r < R; r++) {
        uint8_t *o = sbuf + sdisp[r];
        for (int x = 0; x < X.n_x; x++) {
            uint32_t lo, nl;
            snn_partition(X.x[x].n, r, R, &lo, &nl);
            for (uint32_t i = 0; i < nl; i++)
                if (X.x[x].need[lo + i])
                    o[i >> 3] |= (uint8_t)(1u << (i & 7));
            o += ((size_t)nl + 7) / 8;
        }
    }
    MPI_Alltoallv(sbuf, scount, sdisp, MPI_BYTE, rbuf, rcount, rdisp, MPI_BYTE, MPI_COMM_WORLD);
    /* destinations: ranks that need any of this rank's neurons; sources: ranks whose
     * neurons this rank needs */
    X.dst = calloc((size_t)R, sizeof(int));
    X.src = calloc((size_t)R, sizeof(int));
    X.dst_bits = calloc((size_t)R, sizeof *X.dst_bits);
    if (!X.dst || !X.src || !X.dst_bits)
        snn_fatal("out of memory setting up the point-to-point spike exchange");
    for (int r = 0; r < R; r++) {
        if (r == g_prank)
            continue;
        const uint8_t *b = rbuf + (size_t)r * X.bits_bytes;
        int any = 0;
        for (size_t i = 0; i < X.bits_bytes && !any; i++)
            any = b[i] != 0;
        if (any) {
            X.dst_bits[X.n_dst] = malloc(X.bits_bytes + 1);
            if (!X.dst_bits[X.n_dst])
                snn_fatal("out of memory setting up the point-to-point spike exchange");
            memcpy(X.dst_bits[X.n_dst], b, X.bits_bytes);
            X.dst[X.n_dst++] = r;
        }
        if (per[r]) {
            const uint8_t *o = sbuf + sdisp[r];
            int need = 0;
            for (size_t i = 0; i < per[r] && !need; i++)
                need = o[i] != 0;
            if (need)
                X.src[X.n_src++] = r;
        }
    }
    X.dst_msg = calloc((size_t)R, sizeof *X.dst_msg);
    X.dst_cap = calloc((size_t)R, sizeof *X.dst_cap);
    X.src_msg = calloc((size_t)R, sizeof *X.src_msg);
    X.src_cap = calloc((size_t)R, sizeof *X.src_cap);
    X.reqs = calloc((size_t)R, sizeof *X.reqs);
    if (!X.dst_msg || !X.dst_cap || !X.src_msg || !X.src_cap || !X.reqs)
        snn_fatal("out of memory setting up the point-to-point spike exchange");
    free(sbuf);
    free(rbuf);
    free(per);
    free(scount);
    free(rcount);
    free(sdisp);
    free(rdisp);
}

/* Words of this rank's whole message for the interval (an upper bound for p2p's). */
static size_t interval_words(uint32_t n_steps)
{
    size_t words = 0;
    for (int x = 0; x < X.n_x; x++)
        for (uint32_t k = 0; k < n_steps; k++)
            words += X.x[x].lcount[k];
    words *= spike_words();
    if (words > (size_t)INT32_MAX)
        snn_fatal("spike exchange: %zu words in one message (at most %d)", words, INT32_MAX);
    return words;
}

static void exchange_collective(snn_run *run, uint64_t first, uint32_t n_steps)
{
    double t0 = snn_now();
    const size_t words = interval_words(n_steps);
    need_send_cap(words);
    size_t len = pack(X.send, n_steps, NULL);
    int ilen = (int)len;
    double t1 = snn_now();
    /* the first collective waits for the slowest rank: counted as waiting */
    MPI_Allgather(&ilen, 1, MPI_INT, X.lens, 1, MPI_INT, MPI_COMM_WORLD);
    double t2 = snn_now();
    size_t total = 0;
    for (int r = 0; r < g_pranks; r++) {
        if (total > (size_t)INT32_MAX)
            snn_fatal("spike exchange: more than %d words in one interval", INT32_MAX);
        X.displs[r] = (int)total;
        total += (size_t)X.lens[r];
    }
    if (total > X.recv_cap) {
        X.recv_cap = total + total / 2;
        X.recv = xrealloc(X.recv, X.recv_cap * sizeof *X.recv, "the spike exchange buffer");
    }
    MPI_Allgatherv(X.send, ilen, MPI_UINT32_T, X.recv, X.lens, X.displs, MPI_UINT32_T,
                   MPI_COMM_WORLD);
    uint32_t **msgs = (uint32_t **)X.src_msg;
    for (int r = 0; r < g_pranks; r++) {
        msgs[r] = X.recv + X.displs[r];
        X.mlen[r] = (size_t)X.lens[r];
    }
    unpack(first, n_steps, msgs, X.mlen);
    double t3 = snn_now();
    run->t_wait += t2 - t1;
    run->t_comm += (t1 - t0) + (t3 - t2);
    run->bytes_sent += (uint64_t)len * sizeof(uint32_t) * (uint64_t)(g_pranks - 1);
    run->messages_sent += (uint64_t)(g_pranks - 1);
}

static void exchange_p2p(snn_run *run, uint64_t first, uint32_t n_steps)
{
    double t0 = snn_now(), tw = 0;
    const size_t words = interval_words(n_steps);
    for (int d = 0; d < X.n_dst; d++) {
        if (words > X.dst_cap[d]) {
            X.dst_cap[d] = words + words / 2;
            X.dst_msg[d] = xrealloc(X.dst_msg[d], X.dst_cap[d] * sizeof(uint32_t),
                                    "the spike exchange buffer");
        }
        size_t len = pack(X.dst_msg[d], n_steps, X.dst_bits[d]);
        MPI_Isend(X.dst_msg[d], (int)len, MPI_UINT32_T, X.dst[d], 7, MPI_COMM_WORLD, &X.reqs[d]);
        run->bytes_sent += (uint64_t)len * sizeof(uint32_t);
        run->messages_sent++;
    }
    /* this rank's own spikes, all of them */
    need_send_cap(words);
    uint32_t **msgs = xrealloc(NULL, sizeof(uint32_t *) * (size_t)g_pranks, "the spike exchange");
    for (int r = 0; r < g_pranks; r++) {
        msgs[r] = NULL;
        X.mlen[r] = 0;
    }
    msgs[g_prank] = X.send;
    X.mlen[g_prank] = pack(X.send, n_steps, NULL);
    for (int s = 0; s < X.n_src; s++) {
        int r = X.src[s], count = 0;
        MPI_Status st;
        double tp = snn_now();
        MPI_Probe(r, 7, MPI_COMM_WORLD, &st);
        tw += snn_now() - tp;
        MPI_Get_count(&st, MPI_UINT32_T, &count);
        if ((size_t)count > X.src_cap[r]) {
            X.src_cap[r] = (size_t)count + (size_t)count / 2;
            X.src_msg[r] = xrealloc(X.src_msg[r], X.src_cap[r] * sizeof(uint32_t),
                                    "the spike exchange buffer");
        }
        MPI_Recv(X.src_msg[r], count, MPI_UINT32_T, r, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        msgs[r] = X.src_msg[r];
        X.mlen[r] = (size_t)count;
    }
    unpack(first, n_steps, msgs, X.mlen);
    double tp = snn_now();
    MPI_Waitall(X.n_dst, X.reqs, MPI_STATUSES_IGNORE);
    tw += snn_now() - tp;
    free(msgs);
    run->t_wait += tw;
    run->t_comm += snn_now() - t0 - tw;
}
#endif


/* ---- the overlapped exchange (exchange_interval I < the minimum delay D) ---------------
 *
 * Interval k (steps f .. f + I - 1) is started non-blocking at its end and need only be
 * complete before step f + D, the first step that can read its spikes; the D - I steps
 * in between run while the messages travel.  Intervals complete in order, and each is
 * unpacked as in the blocking exchange, so every queue slot gets the same spikes in the
 * same order: the run is bitwise the blocking one.  Collective mode: MPI_Iallgather of
 * the lengths on one duplicate of the world communicator, MPI_Iallgatherv of the
 * messages on another, posted in interval order on every rank (nonblocking collectives
 * must be called in the same order on a communicator; the two communicators keep the
 * lengths of later intervals from having to wait for earlier data).  Point-to-point
 * mode: MPI_Isend at the start, MPI_Iprobe/MPI_Recv as messages arrive (MPI keeps the
 * messages of one sender in order), blocking MPI_Probe at the deadline.  Every step
 * tests the pending intervals, which also drives MPI's progress. */
#ifdef SNN_MPI
typedef struct {
    uint64_t first;
    uint32_t n;
    int phase;                 /* collective: 1 lengths in flight, 2 data in flight */
    uint32_t *send;            /* this rank's spikes (collective: the message) */
    size_t send_cap, send_len;
    int ilen;                  /* send_len, for MPI_Iallgather (read until it completes) */
    int *lens, *displs;        /* collective, per rank */
    uint32_t *recv;
    size_t recv_cap;
    MPI_Request rq[2];
    uint32_t **dmsg;           /* p2p: per destination */
    size_t *dcap;
    MPI_Request *dreq;
    uint32_t **smsg;           /* p2p: per rank */
    size_t *scap, *slen;
    uint8_t *got;
} Pend;

static struct {
    int on, depth, head, count;
    uint32_t deadline;         /* D: steps from an interval's first step to its use */
    Pend *p;
    MPI_Comm clen, cdata, cp2p;
} O;

static void ov_setup(uint32_t max_interval, uint32_t interval)
{
    O.on = 1;
    O.deadline = max_interval;
    O.depth = (int)(max_interval / interval) + 2;
    O.p = calloc((size_t)O.depth, sizeof *O.p);
    if (!O.p)
        snn_fatal("out of memory setting up the overlapped spike exchange");
    size_t R = (size_t)g_pranks;
    for (int i = 0; i < O.depth; i++) {
        Pend *p = &O.p[i];
        p->lens = calloc(R, sizeof(int));
        p->displs = calloc(R, sizeof(int));
        p->dmsg = calloc(R, sizeof *p->dmsg);
        p->dcap = calloc(R, sizeof *p->dcap);
        p->dreq = calloc(R, sizeof *p->dreq);
        p->smsg = calloc(R, sizeof *p->smsg);
        p->scap = calloc(R, sizeof *p->scap);
        p->slen = calloc(R, sizeof *p->slen);
        p->got = calloc(R, 1);
        if (!p->lens || !p->displs || !p->dmsg || !p->dcap || !p->dreq || !p->smsg || !p->scap ||
            !p->slen || !p->got)
            snn_fatal("out of memory setting up the overlapped spike exchange");
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &O.clen);
    MPI_Comm_dup(MPI_COMM_WORLD, &O.cdata);
    MPI_Comm_dup(MPI_COMM_WORLD, &O.cp2p);
}

static void ov_free(void)
{
    if (!O.on)
        return;
    for (int i = 0; i < O.depth; i++) {
        Pend *p = &O.p[i];
        for (int r = 0; r < g_pranks; r++) {
            free(p->dmsg[r]);
            free(p->smsg[r]);
        }
        free(p->send);
        free(p->recv);
        free(p->lens);
        free(p->displs);
        free(p->dmsg);
        free(p->dcap);
        free(p->dreq);
        free(p->smsg);
        free(p->scap);
        free(p->slen);
        free(p->got);
    }
    free(O.p);
    int fin = 0;
    MPI_Finalized(&fin);
    if (!fin) {
        MPI_Comm_free(&O.clen);
        MPI_Comm_free(&O.cdata);
        MPI_Comm_free(&O.cp2p);
    }
    memset(&O, 0, sizeof O);
}

static Pend *ov_at(int i)
{
    return &O.p[(O.head + i) % O.depth];
}

/* collective: the lengths are in; post the data (in interval order on every rank) */
static void ov_post_data(Pend *p)
{
    size_t total = 0;
    for (int r = 0; r < g_pranks; r++) {
        if (total > (size_t)INT32_MAX)
            snn_fatal("spike exchange: more than %d words in one interval", INT32_MAX);
        p->displs[r] = (int)total;
        total += (size_t)p->lens[r];
    }
    if (total > p->recv_cap) {
        p->recv_cap = total + total / 2;
        p->recv = xrealloc(p->recv, p->recv_cap * sizeof *p->recv, "the spike exchange buffer");
    }
    MPI_Iallgatherv(p->send, p->ilen, MPI_UINT32_T, p->recv, p->lens, p->displs,
                    MPI_UINT32_T, O.cdata, &p->rq[1]);
    p->phase = 2;
}

/* p2p: receive rank r's message of p (it has arrived, or blocking) */
static void ov_recv(Pend *p, int r, const MPI_Status *st)
{
    int count = 0;
    MPI_Get_count(st, MPI_UINT32_T, &count);
    if ((size_t)count > p->scap[r]) {
        p->scap[r] = (size_t)count + (size_t)count / 2;
        p->smsg[r] = xrealloc(p->smsg[r], p->scap[r] * sizeof(uint32_t), "the spike exchange buffer");
    }
    MPI_Recv(p->smsg[r], count, MPI_UINT32_T, r, 7, O.cp2p, MPI_STATUS_IGNORE);
    p->slen[r] = (size_t)count;
    p->got[r] = 1;
}

static void ov_start(snn_run *run, uint64_t first, uint32_t n_steps)
{
    if (O.count == O.depth)
        snn_fatal("spike exchange: internal error, more intervals in flight than expected");
    Pend *p = ov_at(O.count++);
    p->first = first;
    p->n = n_steps;
    const size_t words = interval_words(n_steps);
    if (words > p->send_cap) {
        p->send_cap = words + words / 2;
        p->send = xrealloc(p->send, p->send_cap * sizeof *p->send, "the spike exchange buffer");
    }
    p->send_len = pack(p->send, n_steps, NULL);
    if (run->exchange == SNN_EXCHANGE_P2P) {
        for (int d = 0; d < X.n_dst; d++) {
            int r = X.dst[d];
            if (words > p->dcap[r]) {
                p->dcap[r] = words + words / 2;
                p->dmsg[r] = xrealloc(p->dmsg[r], p->dcap[r] * sizeof(uint32_t), "the spike exchange buffer");
            }
            size_t len = pack(p->dmsg[r], n_steps, X.dst_bits[d]);
            MPI_Isend(p->dmsg[r], (int)len, MPI_UINT32_T, r, 7, O.cp2p, &p->dreq[d]);
            run->bytes_sent += (uint64_t)len * sizeof(uint32_t);
            run->messages_sent++;
        }
        memset(p->got, 0, (size_t)g_pranks);
    } else {
        p->ilen = (int)p->send_len;
        MPI_Iallgather(&p->ilen, 1, MPI_INT, p->lens, 1, MPI_INT, O.clen, &p->rq[0]);
        p->phase = 1;
        run->bytes_sent += (uint64_t)p->send_len * sizeof(uint32_t) * (uint64_t)(g_pranks - 1);
        run->messages_sent += (uint64_t)(g_pranks - 1);
    }
}

/* Without blocking: move the pending intervals on as far as their messages allow. */
static void ov_progress(snn_run *run)
{
    if (run->exchange == SNN_EXCHANGE_P2P) {
        for (int s = 0; s < X.n_src; s++) {
            int r = X.src[s];
            for (int i = 0; i < O.count; i++) {
                Pend *p = ov_at(i);
                if (p->got[r])
                    continue;
                int flag = 0;
                MPI_Status st;
                MPI_Iprobe(r, 7, O.cp2p, &flag, &st);
                if (!flag)
                    break;
                ov_recv(p, r, &st);
            }
        }
        return;
    }
    for (int i = 0; i < O.count; i++) {
        Pend *p = ov_at(i);
        int flag = 0;
        if (p->phase == 1) {
            MPI_Test(&p->rq[0], &flag, MPI_STATUS_IGNORE);
            if (!flag)
                break; /* data are posted in interval order */
            ov_post_data(p);
        }
        MPI_Test(&p->rq[1], &flag, MPI_STATUS_IGNORE);
        if (!flag)
            break;
        p->phase = 3;
    }
}

/* Block until the oldest pending interval is in, then fill its queue slots. */
static void ov_complete(snn_run *run)
{
    Pend *p = ov_at(0);
    double tw = 0, tp;
    if (run->exchange == SNN_EXCHANGE_P2P) {
        for (int s = 0; s < X.n_src; s++) {
            int r = X.src[s];
            if (p->got[r])
                continue;
            MPI_Status st;
            tp = snn_now();
            MPI_Probe(r, 7, O.cp2p, &st);
            tw += snn_now() - tp;
            ov_recv(p, r, &st);
        }
        uint32_t **m = xrealloc(NULL, sizeof(uint32_t *) * (size_t)g_pranks, "the spike exchange");
        for (int r = 0; r < g_pranks; r++) {
            m[r] = p->got[r] ? p->smsg[r] : NULL;
            X.mlen[r] = p->got[r] ? p->slen[r] : 0;
        }
        m[g_prank] = p->send;
        X.mlen[g_prank] = p->send_len;
        unpack(p->first, p->n, m, X.mlen);
        free(m);
        tp = snn_now();
        MPI_Waitall(X.n_dst, p->dreq, MPI_STATUSES_IGNORE);
        tw += snn_now() - tp;
    } else {
        tp = snn_now();
        if (p->phase == 1) {
            MPI_Wait(&p->rq[0], MPI_STATUS_IGNORE);
            ov_post_data(p);
        }
        if (p->phase == 2)
            MPI_Wait(&p->rq[1], MPI_STATUS_IGNORE);
        tw += snn_now() - tp;
        uint32_t **m = xrealloc(NULL, sizeof(uint32_t *) * (size_t)g_pranks, "the spike exchange");
        for (int r = 0; r < g_pranks; r++) {
            m[r] = p->recv + p->displs[r];
            X.mlen[r] = (size_t)p->lens[r];
        }
        unpack(p->first, p->n, m, X.mlen);
        free(m);
    }
    p->phase = 0;
    O.head = (O.head + 1) % O.depth;
    O.count--;
    run->t_wait += tw;
}
#endif

/* At the start of a step: complete the intervals whose spikes the step may read, and move
 * the others on. */
void snn_exchange_due(snn_run *run, uint64_t step)
{
#ifdef SNN_MPI
    if (!O.on || !O.count)
        return;
    double t0 = snn_now(), w0 = run->t_wait;
    while (O.count && ov_at(0)->first + O.deadline <= step)
        ov_complete(run);
    if (O.count)
        ov_progress(run);
    run->t_comm += snn_now() - t0 - (run->t_wait - w0);
#else
    (void)run;
    (void)step;
#endif
}

/* After the step loop: complete whatever is still in flight. */
void snn_exchange_drain(snn_run *run)
{
#ifdef SNN_MPI
    if (!O.on)
        return;
    double t0 = snn_now(), w0 = run->t_wait;
    while (O.count)
        ov_complete(run);
    run->t_comm += snn_now() - t0 - (run->t_wait - w0);
#else
    (void)run;
#endif
}

/* interval: the minimum delay D in steps, the longest interval possible; the run config's
 * exchange_interval may ask for a shorter one, which overlaps (can_overlap: the caller
 * calls snn_exchange_due every step and snn_exchange_drain at the end). */
static void exchange_setup(snn_run *run, snn_xpop *x, int n_x, uint32_t max_interval, int can_overlap)
{
    if (max_interval == 0)
        snn_fatal("spike exchange: the interval must be at least 1 step");
    uint32_t interval = max_interval;
    const snn_config *cfg = run->cfg;
    if (cfg && cfg->exchange_interval && cfg->exchange_interval != max_interval) {
        rt_par_set_collective(1); /* the same on every rank: rank 0 reports */
        if (!can_overlap)
            snn_fatal("%s: 'exchange_interval' %u: the CUDA back end exchanges spikes once per "
                      "minimum delay (%u steps of this model); leave exchange_interval out",
                      cfg->exchange_interval_where, cfg->exchange_interval, max_interval);
        if (cfg->exchange_interval > max_interval)
            snn_fatal("%s: 'exchange_interval' %u is longer than this model's minimum delay, %u "
                      "step(s): spikes would arrive after they are due; use 1 to %u",
                      cfg->exchange_interval_where, cfg->exchange_interval, max_interval,
                      max_interval);
        rt_par_set_collective(0);
        interval = cfg->exchange_interval;
    }
    X.x = x;
    X.n_x = n_x;
    X.interval = interval;
    run->interval = interval;
    run->min_delay_steps = max_interval;
    run->overlap = g_pranks > 1 && interval < max_interval;
    X.off = calloc((size_t)n_x + 1, sizeof *X.off);
    if (!X.off)
        snn_fatal("out of memory setting up the spike exchange");
    for (int i = 0; i < n_x; i++)
        X.off[i + 1] = X.off[i] + x[i].n;
    X.sbits = 0;
    while (X.sbits < 31 && (1u << X.sbits) < interval)
        X.sbits++;
    X.wide = X.sbits >= 32 || (X.off[n_x] << X.sbits) > UINT32_MAX || interval > (1u << 24) ||
             n_x > 255;
#ifdef SNN_MPI
    if (g_pranks > 1) {
        X.lens = calloc((size_t)g_pranks, sizeof(int));
        X.displs = calloc((size_t)g_pranks, sizeof(int));
        X.src_msg = calloc((size_t)g_pranks, sizeof *X.src_msg);
        X.mlen = calloc((size_t)g_pranks, sizeof *X.mlen);
        if (!X.lens || !X.displs || !X.src_msg || !X.mlen)
            snn_fatal("out of memory setting up the spike exchange");
        if (run->exchange == SNN_EXCHANGE_P2P) {
            free(X.src_msg);
            X.src_msg = NULL;
            setup_p2p();
        }
        if (run->overlap)
            ov_setup(max_interval, interval);
    }
#endif
}

void snn_exchange_setup(snn_run *run, snn_xpop *x, int n_x, uint32_t interval)
{
    exchange_setup(run, x, n_x, interval, 0);
}

void snn_exchange_setup_overlapping(snn_run *run, snn_xpop *x, int n_x, uint32_t interval)
{
    exchange_setup(run, x, n_x, interval, 1);
}

void snn_exchange(snn_run *run, uint64_t first, uint32_t n_steps)
{
    if (g_pranks == 1) {
        double t0 = snn_now();
        local_only(first, n_steps);
        run->t_comm += snn_now() - t0;
        return;
    }
#ifdef SNN_MPI
    if (O.on) {
        double t0 = snn_now();
        ov_start(run, first, n_steps);
        ov_progress(run);
        run->t_comm += snn_now() - t0;
        return;
    }
    if (run->exchange == SNN_EXCHANGE_P2P)
        exchange_p2p(run, first, n_steps);
    else
        exchange_collective(run, first, n_steps);
#endif
}

void rt_par_exchange_free(void)
{
#ifdef SNN_MPI
    ov_free();
#endif
    free(X.send);
    free(X.off);
#ifdef SNN_MPI
    free(X.mlen);
    free(X.recv);
    free(X.lens);
    free(X.displs);
    for (int d = 0; d < X.n_dst; d++) {
        free(X.dst_bits[d]);
        free(X.dst_msg ? X.dst_msg[d] : NULL);
    }
    if (X.src_cap)
        for (int r = 0; r < g_pranks; r++)
            free(X.src_msg[r]);
    free(X.src_msg);
    free(X.dst);
    free(X.src);
    free(X.dst_bits);
    free(X.dst_msg);
    free(X.dst_cap);
    free(X.src_cap);
    free(X.bits_off);
    free(X.reqs);
#endif
    memset(&X, 0, sizeof X);
}

/* ---- merging per-rank files ------------------------------------------------------------ */

/* Open a .npy file and position it at the first record. */
static FILE *npy_open(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    unsigned char h[12];
    if (!f) {
        snprintf(err, errlen, "cannot open '%s' to merge it", path);
        return NULL;
    }
    if (fread(h, 1, 10, f) != 10 || memcmp(h, "\x93NUMPY", 6) != 0) {
        snprintf(err, errlen, "'%s' is not a .npy file", path);
        fclose(f);
        return NULL;
    }
    long off;
    if (h[6] == 1) {
        off = 10 + (long)(h[8] | (h[9] << 8));
    } else {
        if (fread(h + 10, 1, 2, f) != 2) {
            snprintf(err, errlen, "'%s': truncated header", path);
            fclose(f);
            return NULL;
        }
        off = 12 + (long)((uint32_t)h[8] | ((uint32_t)h[9] << 8) | ((uint32_t)h[10] << 16) |
                          ((uint32_t)h[11] << 24));
    }
    if (fseek(f, off, SEEK_SET) != 0) {
        snprintf(err, errlen, "'%s': truncated header", path);
        fclose(f);
        return NULL;
    }
    return f;
}

typedef struct spk_cursor {
    FILE *f;
    int valid;
    double t;
    uint32_t i;
} spk_cursor;

static void spk_next(spk_cursor *c)
{
    unsigned char r[12];
    c->valid = c->f && fread(r, 1, 12, c->f) == 12;
    if (c->valid) {
        uint64_t b = 0;
        for (int k = 7; k >= 0; k--)
            b = (b << 8) | r[k];
        memcpy(&c->t, &b, sizeof c->t);
        c->i = (uint32_t)r[8] | ((uint32_t)r[9] << 8) | ((uint32_t)r[10] << 16) |
               ((uint32_t)r[11] << 24);
    }
}

int rt_par_merge_spikes(snn_recorder *out, char *const *paths, int n, char *err, size_t errlen)
{
    spk_cursor *c = calloc((size_t)n, sizeof *c);
    size_t cap = 4096, used;
    uint32_t *ids = malloc(cap * sizeof *ids);
    int rc = 0;
    if (!c || !ids) {
        snprintf(err, errlen, "out of memory merging spike files");
        free(c);
        free(ids);
        return -1;
    }
    for (int r = 0; r < n && rc == 0; r++) {
        c[r].f = npy_open(paths[r], err, errlen);
        if (!c[r].f)
            rc = -1;
        else
            spk_next(&c[r]);
    }
    while (rc == 0) {
        int any = 0;
        double t = 0;
        for (int r = 0; r < n; r++)
            if (c[r].valid && (!any || c[r].t < t)) {
                t = c[r].t;
                any = 1;
            }
        if (!any)
            break;
        used = 0;
        for (int r = 0; r < n; r++)
            while (c[r].valid && c[r].t == t) {
                if (used == cap) {
                    uint32_t *g = realloc(ids, 2 * cap * sizeof *ids);
                    if (!g) {
                        snprintf(err, errlen, "out of memory merging spike files");
                        rc = -1;
                        break;
                    }
                    ids = g;
                    cap *= 2;
                }
                ids[used++] = c[r].i;
                spk_next(&c[r]);
            }
        if (rc == 0)
            snn_recorder_add(out, t, ids, (uint32_t)used);
    }
    for (int r = 0; r < n; r++)
        if (c[r].f)
            fclose(c[r].f);
    free(c);
    free(ids);
    return rc;
}

int rt_par_merge_vars(snn_varrec *out, char *const *paths, const uint32_t *n_cols, int n,
                      int value_bytes, char *err, size_t errlen)
{
    FILE **f = calloc((size_t)n, sizeof *f);
    size_t total = 0;
    for (int r = 0; r < n; r++)
        total += n_cols[r];
    unsigned char *row = malloc(8 + total * (size_t)value_bytes + 8);
    unsigned char *vals = malloc(total * (size_t)value_bytes + 8);
    int rc = 0;
    if (!f || !row || !vals) {
        snprintf(err, errlen, "out of memory merging variable recordings");
        rc = -1;
    }
    for (int r = 0; r < n && rc == 0; r++)
        if (n_cols[r] && !(f[r] = npy_open(paths[r], err, errlen)))
            rc = -1;
    while (rc == 0) {
        size_t at = 0;
        int got = 0, ended = 0;
        double t = 0;
        for (int r = 0; r < n; r++) {
            if (!n_cols[r])
                continue;
            size_t w = 8 + (size_t)n_cols[r] * (size_t)value_bytes;
            if (fread(row, 1, w, f[r]) != w) {
                ended++;
                continue;
            }
            got++;
            memcpy(&t, row, 8);
            memcpy(vals + at, row + 8, w - 8);
            at += w - 8;
        }
        if (got == 0)
            break;
        if (ended) {
            snprintf(err, errlen, "per-rank variable recordings of unequal length");
            rc = -1;
            break;
        }
        snn_varrec_add(out, t, vals);
    }
    for (int r = 0; f && r < n; r++)
        if (f[r])
            fclose(f[r]);
    free(f);
    free(row);
    free(vals);
    return rc;
}

/* ---- merging synapse recordings ----------------------------------------------------------- */

typedef struct syn_cursor {
    FILE *f;
    int valid;
    double t;
    uint32_t pre;
    unsigned char rec[24];
} syn_cursor;

static void syn_next(syn_cursor *c, size_t rb)
{
    c->valid = c->f && fread(c->rec, 1, rb, c->f) == rb;
    if (c->valid) {
        uint64_t b = 0;
        for (int k = 7; k >= 0; k--)
            b = (b << 8) | c->rec[k];
        memcpy(&c->t, &b, sizeof c->t);
        c->pre = (uint32_t)c->rec[8] | ((uint32_t)c->rec[9] << 8) |
                 ((uint32_t)c->rec[10] << 16) | ((uint32_t)c->rec[11] << 24);
    }
}

/* Each rank's file is ordered by (t, pre, post) with the rank's own (ascending) range of
 * targets: a k-way merge on (t, pre), taking the ranks in order for equal keys, gives the
 * order one process writes. */
int rt_par_merge_syn(snn_synrec *out, char *const *paths, int n, char *err, size_t errlen)
{
    const size_t rb = 16 + (size_t)snn_synrec_value_bytes(out);
    syn_cursor *c = calloc((size_t)n, sizeof *c);
    int rc = 0;
    if (!c) {
        snprintf(err, errlen, "out of memory merging synapse recordings");
        return -1;
    }
    for (int r = 0; r < n && rc == 0; r++) {
        c[r].f = npy_open(paths[r], err, errlen);
        if (!c[r].f)
            rc = -1;
        else
            syn_next(&c[r], rb);
    }
    while (rc == 0) {
        int best = -1;
        for (int r = 0; r < n; r++)
            if (c[r].valid && (best < 0 || c[r].t < c[best].t ||
                               (c[r].t == c[best].t && c[r].pre < c[best].pre)))
                best = r;
        if (best < 0)
            break;
        const double t = c[best].t;
        const uint32_t pre = c[best].pre;
        for (int r = best; r < n; r++)
            while (c[r].valid && c[r].t == t && c[r].pre == pre) {
                snn_synrec_write_raw(out, c[r].rec, 1);
                syn_next(&c[r], rb);
            }
    }
    for (int r = 0; r < n; r++)
        if (c[r].f)
            fclose(c[r].f);
    free(c);
    return rc;
}
