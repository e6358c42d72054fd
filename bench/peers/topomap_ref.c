/* bench/peers/topomap_ref.c - an independent reimplementation of the topographic map of
 * Knight, Senk & Nowotny (2025) as their GeNN code runs it (after Bamford, Murray &
 * Willshaw 2010; ../shared/reference/topographic_map.md), written from the spec and the
 * GeNN step order, sharing no code with snncc.  It is the yardstick for
 * models/topographic_map.lua (docs/topographic_map.md): it answers "does the spec's model
 * itself do this?" for the in-degree and the eliminations, and it counts exactly what the
 * snapshots of an snncc run can only estimate (the weight of every synapse at the moment it
 * is eliminated).
 *
 *   cc -O2 -o topomap_ref bench/peers/topomap_ref.c -lm
 *   ./topomap_ref [seconds=60] [seed=1] [scale=1]
 *
 * Prints every 5 s of model time, for the feed-forward (ff) and lateral (lat) projection:
 * the mean in-degree, the fraction of synapses with g < 0.1, eliminations and formations
 * so far, the share of eliminations whose g was below 0.1 when eliminated, the rms
 * displacement of the sources from the ideal map, the connection probability at d <= 1,
 * the target layer's mean rate, and weak_elim_100ms: the weak share as synapse snapshots
 * every 100 ms estimate it (the g of the last snapshot before the elimination; what
 * tools/topomap_metrics.py can do with an snncc run's snapshots).
 *
 * GeNN semantics reproduced: per step, the presynaptic update (spikes of the previous step:
 * deliver g into the ExpCond accumulator, then depress g -= A- q), the postsynaptic
 * learning (targets that spiked in the previous step: g += A+ p), then the neuron update
 * (LIF integrated exactly, Isyn = inSyn (E - V) read before the accumulator decays; the
 * Poisson sources with GeNN's time-to-spike), the traces (decay every step, +1 on a
 * spike).  After the step, every 20 ms a new stimulus location (uniform 0..15), every 1 ms
 * the Bamford rule: 10 s^2 attempts spread over rows (rand mod N_pre), per row selection
 * sampling without replacement, elimination of marked synapses (1.225 if g < 0.1, else
 * 0.0068), formation of the still-marked ones with the Gaussian profile, g = g_max. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs[4];
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
static uint64_t next64(void) /* xoshiro256** */
{
    uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;
    rs[2] ^= rs[0]; rs[3] ^= rs[1]; rs[1] ^= rs[2]; rs[0] ^= rs[3]; rs[2] ^= t;
    rs[3] = rotl(rs[3], 45);
    return r;
}
static double unif(void) { return (next64() >> 11) * 0x1.0p-53; }
static double expo(void) { return -log(1.0 - unif()); }
static double gauss(void)
{
    double u = unif(), v = unif();
    return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

enum { CAP = 64 };
typedef struct {
    int npre, npost;
    double p_peak, sigma;
    int *len;          /* row lengths */
    int *post;         /* npre x CAP */
    double *g;         /* npre x CAP */
    long elim, weak_elim, form;
    unsigned char *mark; /* npost */
    double *snap;        /* npre x npost: g at the last 100 ms snapshot, -1 if none */
    long s_elim, s_weak; /* eliminations seen between 100 ms snapshots, weak by that g */
} Proj;

static int n, N;
static double d2(int i, int j)
{
    double dx = fabs((double)(j % n) - (i % n)), dy = fabs((double)(j / n) - (i / n));
    if (dx > 0.5 * n) dx -= n;
    if (dy > 0.5 * n) dy -= n;
    return dx * dx + dy * dy;
}
static double pform(const Proj *P, int i, int j)
{
    return P->p_peak * exp(-d2(i, j) / (2.0 * P->sigma * P->sigma));
}

static void build(Proj *P, double p_peak, double sigma)
{
    P->npre = P->npost = N;
    P->p_peak = p_peak; P->sigma = sigma;
    P->len = calloc(N, sizeof *P->len);
    P->post = calloc((size_t)N * CAP, sizeof *P->post);
    P->g = calloc((size_t)N * CAP, sizeof *P->g);
    P->mark = calloc(N, 1);
    P->snap = malloc(sizeof(double) * N * N);
    for (long k = 0; k < (long)N * N; k++) P->snap[k] = -1.0;
    for (int j = 0; j < N; j++)      /* GeNN's column build: every source for each target */
        for (int i = 0; i < N; i++)
            if (unif() < pform(P, i, j)) {
                if (P->len[i] == CAP) { fprintf(stderr, "row over capacity\n"); exit(1); }
                P->post[i * CAP + P->len[i]] = j;
                P->g[i * CAP + P->len[i]++] = 0.2;
            }
}

static const double g_max = 0.2, A_plus = 0.02, A_minus = 1.2 * 0.02 * 20.0 / 64.0;
static const double g_thr = 0.1, p_dep = 0.0245 * 50, p_pot = 0.000136 * 50;

static void rewire(Proj *P, int attempts)
{
    static int *cnt;
    if (!cnt) cnt = malloc(sizeof(int) * N);
    memset(cnt, 0, sizeof(int) * N);
    for (int a = 0; a < attempts; a++) {
        for (;;) {
            int i = (int)(next64() % (uint64_t)P->npre);
            if (cnt[i] < P->npost) { cnt[i]++; break; }
        }
    }
    for (int i = 0; i < P->npre; i++) {
        int k = cnt[i];
        if (!k) continue;
        for (int t = 0, m = 0; m < k; t++)      /* selection sampling */
            if (!((P->npost - t) * unif() >= k - m)) { P->mark[t] = 1; m++; }
        int *row = P->post + i * CAP;
        double *gr = P->g + i * CAP;
        for (int s = 0; s < P->len[i];) {
            int j = row[s];
            if (P->mark[j]) {
                P->mark[j] = 0;
                if (unif() < (gr[s] < g_thr ? p_dep : p_pot)) {
                    P->elim++;
                    P->weak_elim += gr[s] < g_thr;
                    int last = --P->len[i];        /* GeNN: the last synapse moves here */
                    row[s] = row[last]; gr[s] = gr[last];
                    continue;
                }
            }
            s++;
        }
        for (int j = 0; j < P->npost; j++)
            if (P->mark[j]) {
                P->mark[j] = 0;
                if (unif() < pform(P, i, j)) {
                    if (P->len[i] == CAP) { fprintf(stderr, "row full\n"); exit(1); }
                    row[P->len[i]] = j; gr[P->len[i]++] = g_max; P->form++;
                }
            }
    }
}

/* what an snncc run's synapse snapshots every 100 ms can see: a pair in the last snapshot
 * and not in this one was eliminated; call it weak if its g in the last one was < 0.1 */
static void snapshot(Proj *P)
{
    static double *now;
    if (!now) now = malloc(sizeof(double) * N * N);
    for (long k = 0; k < (long)N * N; k++) now[k] = -1.0;
    for (int i = 0; i < P->npre; i++)
        for (int s = 0; s < P->len[i]; s++)
            now[(long)i * N + P->post[i * CAP + s]] = P->g[i * CAP + s];
    for (long k = 0; k < (long)N * N; k++) {
        if (P->snap[k] >= 0.0 && now[k] < 0.0) { P->s_elim++; P->s_weak += P->snap[k] < g_thr; }
        P->snap[k] = now[k];
    }
}

static void report(const char *name, const Proj *P, double t)
{
    long syn = 0, weak = 0, near = 0;
    double sd2 = 0;
    for (int i = 0; i < P->npre; i++)
        for (int s = 0; s < P->len[i]; s++) {
            double dd = d2(i, P->post[i * CAP + s]);
            syn++; sd2 += dd; near += dd <= 1.0;
            weak += P->g[i * CAP + s] < g_thr;
        }
    printf("%-3s t %6.1f s  in_deg %6.2f  weak %.3f  elim %6ld  form %6ld  weak_elim %.3f  "
           "rms_d %.3f  p_center %.3f  weak_elim_100ms %.3f\n", name, t, (double)syn / N, syn ? (double)weak / syn : 0.0,
           P->elim, P->form, P->elim ? (double)P->weak_elim / P->elim : 0.0,
           syn ? sqrt(sd2 / syn) : 0.0, (double)near / (5.0 * N),
           P->s_elim ? (double)P->s_weak / P->s_elim : 0.0);
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 60.0;
    uint64_t seed = argc > 2 ? strtoull(argv[2], 0, 10) : 1;
    int scale = argc > 3 ? atoi(argv[3]) : 1;
    for (int k = 0; k < 4; k++) { seed += 0x9E3779B97F4A7C15ull; uint64_t z = seed;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull; z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        rs[k] = z ^ (z >> 31); }
    n = 16 * scale; N = n * n;
    const double dt = 0.1, tau_m = 20, C = 20, V_rest = -70, V_reset = -70, V_th = -54;
    const double t_ref = 5, tau_syn = 5, E = 0, tau_p = 20, tau_q = 64;
    const double expTC = exp(-dt / tau_m), expS = exp(-dt / tau_syn);
    const double dP = exp(-dt / tau_p), dQ = exp(-dt / tau_q), R = tau_m / C;
    Proj ff, lat;
    build(&ff, 0.16, 2.5);
    build(&lat, 1.0, 1.0);
    double *V = malloc(sizeof(double) * N), *ref = calloc(N, sizeof(double));
    double *in_ff = calloc(N, sizeof(double)), *in_lat = calloc(N, sizeof(double));
    double *rate = calloc(N, sizeof(double)), *tts = calloc(N, sizeof(double));
    double *pS = calloc(N, sizeof(double)), *pT = calloc(N, sizeof(double));
    double *qT = calloc(N, sizeof(double));
    char *spS = calloc(N, 1), *spT = calloc(N, 1), *nS = calloc(N, 1), *nT = calloc(N, 1);
    for (int j = 0; j < N; j++) V[j] = -60.0 + 5.0 * gauss();
    snapshot(&ff);
    snapshot(&lat);
    long steps = (long)llround(secs * 1000 / dt), tspikes = 0;
    int cx = 0, cy = 0;
    for (long k = 0; k < steps; k++) {
        if (k % 200 == 0) {                          /* new stimulus, rates apply now */
            cx = (int)(next64() % 16); cy = (int)(next64() % 16);
            for (int i = 0; i < N; i++) {
                double dx = fabs((double)((i % n) % 16) - cx), dy = fabs((double)((i / n) % 16) - cy);
                if (dx > 8) dx = 16 - dx;
                if (dy > 8) dy = 16 - dy;
                rate[i] = 5.0 + 152.8 * exp(-(dx * dx + dy * dy) / 8.0);
                tts[i] = 0.0;
            }
        }
        /* presynaptic update: spikes of the previous step, deliver then depress */
        for (int pass = 0; pass < 2; pass++) {
            Proj *P = pass ? &lat : &ff;
            char *sp = pass ? spT : spS;
            double *acc = pass ? in_lat : in_ff;
            for (int i = 0; i < N; i++)
                if (sp[i])
                    for (int s = 0; s < P->len[i]; s++) {
                        int j = P->post[i * CAP + s];
                        double *g = &P->g[i * CAP + s];
                        acc[j] += *g;
                        *g = fmin(g_max, fmax(0.0, *g - A_minus * qT[j]));
                    }
        }
        /* postsynaptic learning: targets that spiked in the previous step */
        int anyT = 0;
        for (int j = 0; j < N; j++) anyT |= spT[j];
        if (anyT)
            for (int pass = 0; pass < 2; pass++) {
                Proj *P = pass ? &lat : &ff;
                double *pre = pass ? pT : pS;
                for (int i = 0; i < N; i++)
                    for (int s = 0; s < P->len[i]; s++) {
                        int j = P->post[i * CAP + s];
                        if (spT[j]) {
                            double *g = &P->g[i * CAP + s];
                            *g = fmin(g_max, fmax(0.0, *g + A_plus * pre[i]));
                        }
                    }
            }
        /* neuron update */
        for (int i = 0; i < N; i++) {              /* sources: GeNN's Poisson time-to-spike */
            if (tts[i] <= 0.0) tts[i] += 1000.0 / (rate[i] * dt) * expo();
            tts[i] -= 1.0;
            nS[i] = tts[i] <= 0.0;
            pS[i] *= dP;
            if (nS[i]) pS[i] += 1.0;
        }
        for (int j = 0; j < N; j++) {
            double Isyn = (in_ff[j] + in_lat[j]) * (E - V[j]);
            in_ff[j] *= expS; in_lat[j] *= expS;
            if (ref[j] <= 0.0) {
                double alpha = Isyn * R + V_rest;
                V[j] = alpha - expTC * (alpha - V[j]);
            } else
                ref[j] -= dt;
            nT[j] = ref[j] <= 0.0 && V[j] >= V_th;
            if (nT[j]) { V[j] = V_reset; ref[j] = t_ref; tspikes++; }
            pT[j] *= dP; qT[j] *= dQ;
            if (nT[j]) { pT[j] += 1.0; qT[j] += 1.0; }
        }
        memcpy(spS, nS, N); memcpy(spT, nT, N);
        if ((k + 1) % 10 == 0) {
            rewire(&ff, 10 * scale * scale);
            rewire(&lat, 10 * scale * scale);
        }
        if ((k + 1) % 1000 == 0) {
            snapshot(&ff);
            snapshot(&lat);
        }
        if (k == 0 || (k + 1) % 50000 == 0) {
            double t = (k + 1) * dt / 1000.0;
            report("ff", &ff, t);
            report("lat", &lat, t);
            printf("    target rate %.2f Hz so far\n", tspikes / (N * t));
        }
    }
    return 0;
}
