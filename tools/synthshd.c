/*
 * synthshd.c - snncc-synthshd: "SynthSHD", a synthesised spoken-digit spike data set in the
 * layout of the Heidelberg SHD files (docs/datasets.md).
 *
 * Spoken digits 0-9 in English ("zero" .. "nine", labels 0-9) and German ("null" ..
 * "neun", labels 10-19) from espeak-ng's library (synchronous synthesis into memory, no
 * temporary files), spoken by 12 "speakers" (an espeak-ng English accent and a voice
 * variant each) with per-example speed, pitch and pitch range drawn from the seed; trimmed
 * at -40 dBFS, peak-normalised, shifted by 0-50 ms; then a cochlea model:
 *   700-channel 4th-order gammatone filterbank, centre frequencies equally spaced on the
 *   ERB-rate scale from 50 Hz to 8 kHz (Glasberg & Moore), bandwidth b = 1.019 ERB(fc),
 *   as a cascade of four complex one-pole filters (pole a e^{i w}, a = e^{-2 pi b / fs},
 *   w = 2 pi fc / fs; gain 2 (1 - a)^4: 1 at fc), the real part;
 *   half-wave rectification, compression x^0.3, a 1 kHz one-pole low-pass;
 *   40 nerve fibres per channel: inhomogeneous Poisson processes of rate R_max x (that
 *   signal) by time rescaling (a fibre fires when the integrated rate since its
 *   refractory period ended passes an Exp(1) draw), refractory for 1 ms after a spike;
 *   the draws from Philox4x32-10 keyed by (seed, example, channel, fibre, draw);
 *   one LIF bushy cell per channel (tau 2 ms) adding 1 per fibre spike, firing at the
 *   threshold and reset to 0;
 * bushy-cell spikes at 0.1 ms resolution.  Output: DIR/synthshd_train.h5 and
 * DIR/synthshd_test.h5 with spikes/times (float32 s), spikes/units (uint16), labels
 * (uint8), extra/speaker (uint8), extra/keys (the words); the test file holds the
 * held-out speakers only.  The same seed gives the same bytes.
 */
#define _GNU_SOURCE
#include <espeak-ng/speak_lib.h>
#include <hdf5.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "snn_philox.h"

#define CLASSES 20
#define SPEAKERS 12
#define FIBRES 40

static const char *const WORDS[CLASSES] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "null", "eins", "zwei", "drei", "vier", "f\xc3\xbc" "nf", "sechs", "sieben", "acht", "neun"};

/* speaker: English accent, voice variant, base speed (wpm) and pitch (0-100) */
static const struct {
    const char *accent, *variant;
    int speed, pitch;
} SPK[SPEAKERS] = {
    {"en-us", "m1", 160, 40}, {"en", "f1", 150, 60}, {"en-gb-scotland", "m3", 170, 45},
    {"en-gb-x-rp", "f2", 155, 65}, {"en-us", "m4", 145, 35}, {"en-029", "f3", 165, 55},
    {"en-gb-x-gbclan", "m2", 175, 50}, {"en-us", "f4", 150, 70}, {"en", "m6", 160, 30},
    {"en-gb-x-gbcwmd", "f5", 140, 60}, {"en-gb-scotland", "m7", 155, 40},
    {"en-us", "m5", 165, 50}};

typedef struct {
    double fs;        /* audio sample rate, Hz */
    int channels;     /* 700 */
    double fmin, fmax;
    double rmax;      /* fibre rate at signal 1, Hz */
    double threshold; /* bushy cell threshold, fibre spikes */
    double tau_ms;    /* bushy cell time constant */
    double refr_ms;   /* fibre refractory period */
    double lp_hz;     /* hair-cell low-pass */
    double max_s;     /* longest audio kept, s */
    uint64_t seed;
} params;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("snncc-synthshd: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* ---- the random numbers: Philox4x32-10, counter-based ---------------------------------- */
enum { ST_VOICE = 1, ST_FIBRE = 2 };

/* uniform in (0, 1), 53 bits, from (seed, stream, example, a, b) */
static double uniform(uint64_t seed, uint32_t stream, uint32_t example, uint32_t a, uint32_t b)
{
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32) ^ stream * 0x9E3779B9u};
    uint32_t ctr[4] = {a, b, example, stream}, out[4];
    snn_philox4x32_10(ctr, key, out);
    uint64_t m = ((uint64_t)out[0] << 21) ^ out[1];
    return ((double)(m & ((1ull << 53) - 1)) + 0.5) / 9007199254740992.0;
}

/* ---- the cochlea ---------------------------------------------------------------------- */
static double erb(double f) { return 24.7 * (4.37 * f / 1000.0 + 1.0); }
static double erb_rate(double f) { return 21.4 * log10(1.0 + 0.00437 * f); }
static double erb_rate_inv(double e) { return (pow(10.0, e / 21.4) - 1.0) / 0.00437; }

typedef struct {
    int n;
    float *pr, *pi, *gain; /* pole a e^{iw} and 2 (1 - a)^4 per channel */
    double *fc;
} bank;

static void bank_init(bank *b, const params *p)
{
    b->n = p->channels;
    b->pr = malloc(sizeof(float) * (size_t)b->n);
    b->pi = malloc(sizeof(float) * (size_t)b->n);
    b->gain = malloc(sizeof(float) * (size_t)b->n);
    b->fc = malloc(sizeof(double) * (size_t)b->n);
    double e0 = erb_rate(p->fmin), e1 = erb_rate(p->fmax);
    for (int c = 0; c < b->n; c++) {
        double fc = erb_rate_inv(e0 + (e1 - e0) * c / (b->n > 1 ? b->n - 1 : 1));
        double bw = 1.019 * erb(fc);
        double a = exp(-2.0 * M_PI * bw / p->fs), w = 2.0 * M_PI * fc / p->fs;
        b->fc[c] = fc;
        b->pr[c] = (float)(a * cos(w));
        b->pi[c] = (float)(a * sin(w));
        b->gain[c] = (float)(2.0 * pow(1.0 - a, 4));
    }
}

static void bank_free(bank *b)
{
    free(b->pr);
    free(b->pi);
    free(b->gain);
    free(b->fc);
}

/* x^0.3 for x in [0, ~4], float, without libm's powf: 2^(0.3 log2 x) with the exponent
 * split off and short polynomials (relative error below 1e-4 from 1e-9 to 8, against
 * pow); the same bits everywhere. */
static inline float pow03(float x)
{
    if (x <= 1e-12f)
        return 0.0f;
    union {
        float f;
        uint32_t u;
    } v = {x};
    int e = (int)((v.u >> 23) & 255) - 127;
    v.u = (v.u & 0x007FFFFFu) | 0x3F800000u; /* m in [1, 2) */
    float m = v.f, t = (m - 1.0f) / (m + 1.0f), t2 = t * t;
    /* log2 m = 2/ln2 (t + t^3/3 + t^5/5 + t^7/7) */
    float l = t * (2.8853900f + t2 * (0.9617967f + t2 * (0.5770780f + t2 * 0.4121986f)));
    float y = 0.3f * ((float)e + l);
    float fi = floorf(y), fr = y - fi; /* 2^fr, fr in [0, 1) */
    float q = 1.0f + fr * (0.6931472f + fr * (0.2402265f + fr * (0.0555041f +
                                                              fr * (0.0096181f + fr * 0.0013333f))));
    union {
        float f;
        uint32_t u;
    } r = {q};
    r.u += (uint32_t)(int)fi << 23; /* the exponent; unsigned: wraps for fi < 0 */
    return r.f;
}

typedef struct {
    float *t;
    uint16_t *u;
    size_t n, cap;
} spikes;

static void push(spikes *s, float t, uint16_t u)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4096;
        s->t = realloc(s->t, sizeof *s->t * s->cap);
        s->u = realloc(s->u, sizeof *s->u * s->cap);
        if (!s->t || !s->u)
            die("out of memory");
    }
    s->t[s->n] = t;
    s->u[s->n++] = u;
}

/* The cochlea on audio x[0..len) of example 'ex': spikes sorted by time, then channel. */
static void cochlea(const bank *b, const params *p, const float *x, size_t len, uint32_t ex,
                    spikes *out)
{
    int n = b->n;
    float *zr = calloc((size_t)n * 4, sizeof(float)), *zi = calloc((size_t)n * 4, sizeof(float));
    float *lp = calloc((size_t)n, sizeof(float)), *r = malloc(sizeof(float) * (size_t)n);
    double *lam = calloc((size_t)n, sizeof(double)), *vb = calloc((size_t)n, sizeof(double));
    double *minthr = malloc(sizeof(double) * (size_t)n);
    double *thr = malloc(sizeof(double) * (size_t)n * FIBRES);
    float *ur = malloc(sizeof(float) * (size_t)n), *ui = malloc(sizeof(float) * (size_t)n);
    /* per channel, the fibres in their refractory period: a FIFO of (end, fibre) */
    int64_t *qend = malloc(sizeof(int64_t) * (size_t)n * FIBRES);
    uint8_t *qf = malloc((size_t)n * FIBRES);
    int *qh = calloc((size_t)n, sizeof(int)), *qn = calloc((size_t)n, sizeof(int));
    uint32_t *draws = calloc((size_t)n * FIBRES, sizeof(uint32_t));
    int64_t *last = malloc(sizeof(int64_t) * (size_t)n);
    if (!zr || !zi || !lp || !r || !lam || !vb || !minthr || !thr || !ur || !ui || !qend ||
        !qf || !qh || !qn || !draws || !last)
        die("out of memory");
    int64_t R = llround(p->refr_ms * 1e-3 * p->fs);
    float alpha = (float)(1.0 - exp(-2.0 * M_PI * p->lp_hz / p->fs));
    double decay = exp(-1.0 / (p->fs * p->tau_ms * 1e-3)), rdt = p->rmax / p->fs;
    for (int c = 0; c < n; c++) {
        minthr[c] = INFINITY;
        last[c] = -1;
        for (int f = 0; f < FIBRES; f++) {
            size_t k = (size_t)c * FIBRES + (size_t)f;
            thr[k] = -log(uniform(p->seed, ST_FIBRE, ex, (uint32_t)c | (uint32_t)f << 16, 0));
            draws[k] = 1;
            if (thr[k] < minthr[c])
                minthr[c] = thr[k];
        }
    }
    for (size_t i = 0; i < len; i++) {
        /* the filterbank, 4 complex one-pole stages, channels innermost (vectorised) */
        for (int c = 0; c < n; c++) {
            ur[c] = x[i];
            ui[c] = 0.0f;
        }
        for (int s = 0; s < 4; s++) {
            float *restrict sr = zr + (size_t)s * n, *restrict si = zi + (size_t)s * n;
            for (int c = 0; c < n; c++) {
                float ar = sr[c], ai = si[c], pr = b->pr[c], pi = b->pi[c];
                float nr = ur[c] + pr * ar - pi * ai, ni = ui[c] + pr * ai + pi * ar;
                sr[c] = ur[c] = nr;
                si[c] = ui[c] = ni;
            }
        }
        for (int c = 0; c < n; c++) {
            float y = b->gain[c] * ur[c];
            r[c] = y > 0.0f ? y : 0.0f;
        }
        for (int c = 0; c < n; c++) {
            lp[c] += alpha * (pow03(r[c]) - lp[c]);
            lam[c] += rdt * (double)lp[c];
        }
        int64_t step = (int64_t)floor((double)i / p->fs * 1e4); /* 0.1 ms */
        for (int c = 0; c < n; c++) {
            int count = 0;
            /* refractory periods that end now: in the order of the spikes (FIFO) */
            while (qn[c] && (int64_t)i >= qend[(size_t)c * FIBRES + qh[c]]) {
                int f = qf[(size_t)c * FIBRES + qh[c]];
                size_t k = (size_t)c * FIBRES + (size_t)f;
                thr[k] = lam[c] - log(uniform(p->seed, ST_FIBRE, ex,
                                              (uint32_t)c | (uint32_t)f << 16, draws[k]++));
                if (thr[k] < minthr[c])
                    minthr[c] = thr[k];
                qh[c] = (qh[c] + 1) % FIBRES;
                qn[c]--;
            }
            if (lam[c] >= minthr[c]) { /* one or more fibres fire */
                double mt = INFINITY;
                for (int f = 0; f < FIBRES; f++) {
                    size_t k = (size_t)c * FIBRES + (size_t)f;
                    if (lam[c] >= thr[k]) {
                        count++;
                        thr[k] = INFINITY;
                        size_t tail = (size_t)c * FIBRES + (size_t)((qh[c] + qn[c]) % FIBRES);
                        qend[tail] = (int64_t)i + R;
                        qf[tail] = (uint8_t)f;
                        qn[c]++;
                    }
                    if (thr[k] < mt)
                        mt = thr[k];
                }
                minthr[c] = mt;
            }
            vb[c] = vb[c] * decay + count;
            if (vb[c] >= p->threshold) {
                vb[c] = 0.0;
                if (step != last[c]) {
                    last[c] = step;
                    push(out, (float)((double)step * 1e-4), (uint16_t)c);
                }
            }
        }
    }
    free(zr);
    free(zi);
    free(lp);
    free(r);
    free(lam);
    free(vb);
    free(minthr);
    free(thr);
    free(ur);
    free(ui);
    free(qend);
    free(qf);
    free(qh);
    free(qn);
    free(draws);
    free(last);
}

/* ---- speech ---------------------------------------------------------------------------- */
static struct {
    short *s;
    size_t n, cap;
} g_wav;

static int on_synth(short *wav, int num, espeak_EVENT *ev)
{
    (void)ev;
    if (!wav || num <= 0)
        return 0;
    if (g_wav.n + (size_t)num > g_wav.cap) {
        g_wav.cap = (g_wav.n + (size_t)num) * 2;
        g_wav.s = realloc(g_wav.s, sizeof(short) * g_wav.cap);
        if (!g_wav.s)
            die("out of memory");
    }
    memcpy(g_wav.s + g_wav.n, wav, sizeof(short) * (size_t)num);
    g_wav.n += (size_t)num;
    return 0;
}

typedef struct {
    uint32_t id;      /* (speaker * 20 + class) * 1000 + repetition: the random key */
    int speaker, label, rep;
    int speed, pitch, range;
    float *audio;
    size_t len;
    spikes sp;
} example;

/* Synthesise example e's word: trimmed at -40 dBFS, peak-normalised, shifted. */
static void speak(example *e, const params *p)
{
    int sp = e->speaker, cl = e->label;
    double u1 = uniform(p->seed, ST_VOICE, e->id, 0, 0), u2 = uniform(p->seed, ST_VOICE, e->id, 1, 0),
           u3 = uniform(p->seed, ST_VOICE, e->id, 2, 0), u4 = uniform(p->seed, ST_VOICE, e->id, 3, 0);
    e->speed = SPK[sp].speed + (int)floor((u1 - 0.5) * 60.0); /* base +- 30 wpm */
    e->pitch = SPK[sp].pitch + (int)floor((u2 - 0.5) * 30.0); /* base +- 15 */
    e->range = 30 + (int)floor(u3 * 60.0);                    /* 30 .. 89 */
    char voice[64];
    snprintf(voice, sizeof voice, "%s+%s", cl < 10 ? SPK[sp].accent : "de", SPK[sp].variant);
    if (espeak_SetVoiceByName(voice) != EE_OK)
        die("espeak-ng has no voice '%s' (is espeak-ng-data installed?)", voice);
    espeak_SetParameter(espeakRATE, e->speed, 0);
    espeak_SetParameter(espeakPITCH, e->pitch, 0);
    espeak_SetParameter(espeakRANGE, e->range, 0);
    g_wav.n = 0;
    const char *w = WORDS[cl];
    if (espeak_Synth(w, strlen(w) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL) != EE_OK ||
        espeak_Synchronize() != EE_OK)
        die("espeak-ng could not speak '%s' with voice %s", w, voice);
    size_t a = 0, z = g_wav.n;
    const int floor40 = 328; /* -40 dBFS of 32768 */
    while (a < z && abs(g_wav.s[a]) < floor40)
        a++;
    while (z > a && abs(g_wav.s[z - 1]) < floor40)
        z--;
    if (z <= a)
        die("espeak-ng gave silence for '%s' with voice %s", w, voice);
    int peak = 1;
    for (size_t i = a; i < z; i++)
        if (abs(g_wav.s[i]) > peak)
            peak = abs(g_wav.s[i]);
    size_t shift = (size_t)floor(u4 * 0.05 * p->fs), max = (size_t)(p->max_s * p->fs);
    size_t len = shift + (z - a);
    if (len > max)
        len = max;
    e->audio = calloc(len ? len : 1, sizeof(float));
    if (!e->audio)
        die("out of memory");
    for (size_t i = shift; i < len; i++)
        e->audio[i] = (float)g_wav.s[a + i - shift] / (float)peak;
    e->len = len;
}

/* ---- output: the SHD layout ------------------------------------------------------------ */
typedef struct {
    hid_t f, dt, du, tvt, tvu;
    hsize_t n;
} shd;

static void shd_open(shd *h, const char *path, hsize_t n)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_LATEST);
    h->f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (h->f < 0)
        die("%s: cannot create the file", path);
    hid_t g = H5Gcreate2(h->f, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g2 = H5Gcreate2(h->f, "extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
    H5Gclose(g2);
    hid_t sp = H5Screate_simple(1, &n, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0); /* no time stamps: the same seed gives the same bytes */
    h->tvt = H5Tvlen_create(H5T_NATIVE_FLOAT);
    h->tvu = H5Tvlen_create(H5T_NATIVE_UINT16);
    h->dt = H5Dcreate2(h->f, "spikes/times", h->tvt, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    h->du = H5Dcreate2(h->f, "spikes/units", h->tvu, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(sp);
    if (h->dt < 0 || h->du < 0)
        die("%s: cannot create spikes/times and spikes/units", path);
    h->n = n;
}

static void shd_put(shd *h, hsize_t k, const spikes *s)
{
    hsize_t one = 1;
    hid_t ms = H5Screate_simple(1, &one, NULL), fs = H5Screate_simple(1, &h->n, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &k, NULL, &one, NULL);
    hvl_t vt = {s->n, s->t}, vu = {s->n, s->u};
    if (H5Dwrite(h->dt, h->tvt, ms, fs, H5P_DEFAULT, &vt) < 0 ||
        H5Dwrite(h->du, h->tvu, ms, fs, H5P_DEFAULT, &vu) < 0)
        die("cannot write example %llu", (unsigned long long)k);
    H5Sclose(ms);
    H5Sclose(fs);
}

static void put_array(hid_t f, const char *name, hid_t type, hsize_t n, const void *data)
{
    hid_t sp = H5Screate_simple(1, &n, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, 0);
    hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        die("cannot write %s", name);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(sp);
}

static void shd_close(shd *h, const uint8_t *labels, const uint8_t *speakers,
                      const char *const *keys)
{
    put_array(h->f, "labels", H5T_NATIVE_UINT8, h->n, labels);
    put_array(h->f, "extra/speaker", H5T_NATIVE_UINT8, h->n, speakers);
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    H5Tset_cset(st, H5T_CSET_UTF8);
    put_array(h->f, "extra/keys", st, h->n, keys);
    H5Tclose(st);
    H5Dclose(h->dt);
    H5Dclose(h->du);
    H5Tclose(h->tvt);
    H5Tclose(h->tvu);
    H5Fclose(h->f);
}

/* ---- main ------------------------------------------------------------------------------ */
static void usage(FILE *o)
{
    fputs("usage: snncc-synthshd [--small] [--out DIR] [--seed N] [--reps N] [--classes LIST]\n"
          "                      [--speakers N] [--test-speakers N] [--threads N] [--quiet]\n"
          "       snncc-synthshd --impulse FC [--samples N]   (one channel's impulse response)\n"
          "       snncc-synthshd --centres                     (the 700 centre frequencies)\n"
          "Writes DIR/synthshd_train.h5 and DIR/synthshd_test.h5 (the SHD layout).\n"
          "  --small          2 repetitions per speaker and class (480 examples; default 42:\n"
          "                   10080 examples, 8400 train / 1680 test)\n"
          "  --reps N         repetitions per speaker and class\n"
          "  --classes LIST   labels to make, e.g. 0,1,10 (default all 20: 0-9 English,\n"
          "                   10-19 German)\n"
          "  --speakers N     the first N of the 12 speakers (default 12)\n"
          "  --test-speakers N  the last N of those are held out for the test file (default 2)\n"
          "  --seed N         the seed (default 1): the same seed gives the same bytes\n"
          "  --threads N      threads for the cochlea (default: OpenMP's)\n",
          o);
}

static uint64_t num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    char *end = NULL;
    unsigned long long v = s ? strtoull(s, &end, 10) : 0;
    if (!s || !*s || *end || v < lo || v > hi)
        die("%s needs a whole number from %llu to %llu (got %s)", opt, (unsigned long long)lo,
            (unsigned long long)hi, s ? s : "nothing");
    return v;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    params p = {.fs = 22050, .channels = 700, .fmin = 50, .fmax = 8000, .rmax = 400,
                .threshold = 10, .tau_ms = 2, .refr_ms = 1, .lp_hz = 1000, .max_s = 1.4,
                .seed = 1};
    const char *out = ".";
    int reps = 42, nspk = SPEAKERS, ntest = 2, quiet = 0, threads = 0, ncls = CLASSES;
    int cls[CLASSES];
    for (int c = 0; c < CLASSES; c++)
        cls[c] = c;
    double impulse = 0;
    int samples = 2048, centres = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--small"))
            reps = 2;
        else if (!strcmp(a, "--quiet"))
            quiet = 1;
        else if (!strcmp(a, "--centres"))
            centres = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--out") && v)
            out = argv[++i];
        else if (!strcmp(a, "--seed"))
            p.seed = num(a, v, 0, UINT64_MAX), i++;
        else if (!strcmp(a, "--reps"))
            reps = (int)num(a, v, 1, 999), i++;
        else if (!strcmp(a, "--speakers"))
            nspk = (int)num(a, v, 2, SPEAKERS), i++;
        else if (!strcmp(a, "--test-speakers"))
            ntest = (int)num(a, v, 1, SPEAKERS - 1), i++;
        else if (!strcmp(a, "--threads"))
            threads = (int)num(a, v, 1, 1024), i++;
        else if (!strcmp(a, "--samples"))
            samples = (int)num(a, v, 16, 1 << 22), i++;
        else if (!strcmp(a, "--impulse") && v) {
            char *end = NULL;
            impulse = strtod(argv[++i], &end);
            if (*end || !(impulse > 0 && impulse < p.fs / 2))
                die("--impulse needs a centre frequency in Hz below %g (got %s)", p.fs / 2, v);
        } else if (!strcmp(a, "--classes") && v) {
            ncls = 0;
            char *s = strdup(argv[++i]), *save = NULL;
            for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                int c = (int)num("--classes", t, 0, CLASSES - 1);
                for (int k = 0; k < ncls; k++)
                    if (cls[k] == c)
                        die("--classes names %d twice", c);
                if (ncls == CLASSES)
                    die("--classes: too many");
                cls[ncls++] = c;
            }
            free(s);
            if (!ncls)
                die("--classes needs a list such as 0,1,10");
        } else {
            usage(stderr);
            die("unknown or incomplete option '%s'", a);
        }
    }
    if (ntest >= nspk)
        die("--test-speakers %d leaves no training speaker of %d", ntest, nspk);
    if (centres || impulse > 0) {
        /* the filterbank alone: the centres, or the impulse response of a channel at fc */
        params q = p;
        if (impulse > 0) {
            q.channels = 1;
            q.fmin = q.fmax = impulse;
        }
        bank b;
        bank_init(&b, &q);
        if (centres) {
            for (int c = 0; c < b.n; c++)
                printf("%.6f\n", b.fc[c]);
            bank_free(&b);
            return 0;
        }
        float zr[4] = {0}, zi[4] = {0};
        printf("# fs %g fc %.6f b %.6f\n", p.fs, impulse, 1.019 * erb(impulse));
        for (int i = 0; i < samples; i++) {
            float ur = i == 0 ? 1.0f : 0.0f, ui = 0.0f;
            for (int s = 0; s < 4; s++) {
                float nr = ur + b.pr[0] * zr[s] - b.pi[0] * zi[s];
                float ni = ui + b.pr[0] * zi[s] + b.pi[0] * zr[s];
                zr[s] = ur = nr;
                zi[s] = ui = ni;
            }
            printf("%.9g\n", (double)(b.gain[0] * ur));
        }
        bank_free(&b);
        return 0;
    }
#ifdef _OPENMP
    if (threads)
        omp_set_num_threads(threads);
#endif
    if (mkdir(out, 0777) != 0 && errno != EEXIST)
        die("%s: cannot make the directory: %s", out, strerror(errno));
    int sr = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, NULL, espeakINITIALIZE_DONT_EXIT);
    if (sr <= 0)
        die("espeak-ng could not start (Debian: apt-get install espeak-ng libespeak-ng-dev)");
    p.fs = sr;
    espeak_SetSynthCallback(on_synth);
    bank b;
    bank_init(&b, &p);

    /* the examples: speaker-major, then class, then repetition */
    size_t total = (size_t)nspk * (size_t)ncls * (size_t)reps;
    example *ex = calloc(total, sizeof *ex);
    if (!ex)
        die("out of memory");
    size_t k = 0, ntr = 0;
    for (int s = 0; s < nspk; s++)
        for (int c = 0; c < ncls; c++)
            for (int r = 0; r < reps; r++, k++) {
                ex[k].speaker = s;
                ex[k].label = cls[c];
                ex[k].rep = r;
                ex[k].id = (uint32_t)((s * CLASSES + cls[c]) * 1000 + r);
                ntr += s < nspk - ntest;
            }
    char path[2][1200];
    snprintf(path[0], sizeof path[0], "%s/synthshd_train.h5", out);
    snprintf(path[1], sizeof path[1], "%s/synthshd_test.h5", out);
    shd h[2];
    shd_open(&h[0], path[0], ntr);
    shd_open(&h[1], path[1], total - ntr);
    uint8_t *labels = malloc(total), *spk = malloc(total);
    const char **keys = malloc(sizeof *keys * total);
    char (*keybuf)[64] = malloc(64 * total);
    size_t nsp[2] = {0, 0};
    double t_speak = 0, t_coch = 0, audio_s = 0;
    const size_t BATCH = 64;
    for (size_t at = 0; at < total; at += BATCH) {
        size_t end = at + BATCH < total ? at + BATCH : total;
        double t0 = now();
        for (size_t q = at; q < end; q++) {
            speak(&ex[q], &p);
            audio_s += (double)ex[q].len / p.fs;
        }
        double t1 = now();
#pragma omp parallel for schedule(dynamic, 1)
        for (size_t q = at; q < end; q++)
            cochlea(&b, &p, ex[q].audio, ex[q].len, ex[q].id, &ex[q].sp);
        t_speak += t1 - t0;
        t_coch += now() - t1;
        for (size_t q = at; q < end; q++) {
            int test = ex[q].speaker >= nspk - ntest;
            /* train speakers come first in the order above (speaker-major) */
            shd_put(&h[test], test ? q - ntr : q, &ex[q].sp);
            labels[q] = (uint8_t)ex[q].label;
            spk[q] = (uint8_t)ex[q].speaker;
            snprintf(keybuf[q], 64, "%s-%s+%s-s%d-p%d-r%d", WORDS[ex[q].label],
                     ex[q].label < 10 ? SPK[ex[q].speaker].accent : "de",
                     SPK[ex[q].speaker].variant, ex[q].speed, ex[q].pitch, ex[q].range);
            keys[q] = keybuf[q];
            nsp[test] += ex[q].sp.n;
            free(ex[q].audio);
            free(ex[q].sp.t);
            free(ex[q].sp.u);
            ex[q].audio = NULL;
        }
        if (!quiet)
            fprintf(stderr, "\rsnncc-synthshd: %zu/%zu examples", end, total);
    }
    shd_close(&h[0], labels, spk, keys);
    shd_close(&h[1], labels + ntr, spk + ntr, keys + ntr);
    espeak_Terminate();
    if (!quiet) {
        fprintf(stderr, "\n%s: %zu examples, %zu spikes\n%s: %zu examples, %zu spikes\n",
                path[0], ntr, nsp[0], path[1], total - ntr, nsp[1]);
        fprintf(stderr, "audio %.1f s in all (%.3f s per example); speech %.3f s, cochlea "
                        "%.3f s per example (wall, all threads)\n",
                audio_s, audio_s / (double)total, t_speak / (double)total,
                t_coch / (double)total);
    }
    free(ex);
    free(labels);
    free(spk);
    free(keys);
    free(keybuf);
    bank_free(&b);
    free(g_wav.s);
    return 0;
}
