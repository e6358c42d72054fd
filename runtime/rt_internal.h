/*
 * rt_internal.h - helpers shared by the runtime's own .c files (not installed, not API).
 *
 * Everything here is static inline so that hot loops (the connectivity builder's weight
 * fill) can inline it; the public entry points in snnrt.h are thin wrappers.
 */
#ifndef SNNRT_INTERNAL_H
#define SNNRT_INTERNAL_H

#include "snnrt.h"

#include <math.h>

/* normal_clipped after a first draw out of [lo, hi]: redraws (attempts 1..999, counter
 * word 2 = attempt), snn_fatal after 1000 draws in all.  Out of line: rarely called. */
double rt_init_clipped_redraw(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t draw);

/* The value of initialiser 'init' for element 'elem', independent draw 'draw'.
 *
 * The RNG is the one of (seed, init->stream, element elem, step 0) with counter word 0
 * (the block index) starting at 'draw' instead of 0.  A value consumes at most one block
 * (UNIFORM, EXPONENTIAL: 2 words, NORMAL, LOGNORMAL, NORMAL_CLIPPED: 4 words), so every draw
 * index has its own Philox block and draws are independent; draw 0 is the value
 * snn_init_values gives element elem.  NORMAL_CLIPPED's redraws use counter word 2 (the step
 * word, 0 for the first attempt) = 1, 2, ..., so they stay off the blocks of other draws. */
static inline double rt_init_eval(const snn_init *init, uint64_t seed, uint32_t elem,
                                  uint32_t draw)
{
    snn_rng g;
    switch (init->kind) {
    case SNN_INIT_UNIFORM:
        snn_rng_init(&g, seed, init->stream, elem, 0);
        g.ctr[0] = draw;
        return init->a + (init->b - init->a) * snn_rng_uniform(&g);
    case SNN_INIT_NORMAL:
        snn_rng_init(&g, seed, init->stream, elem, 0);
        g.ctr[0] = draw;
        return init->a + init->b * snn_rng_normal(&g);
    case SNN_INIT_NORMAL_CLIPPED: {
        snn_rng_init(&g, seed, init->stream, elem, 0);
        g.ctr[0] = draw;
        double x = init->a + init->b * snn_rng_normal(&g);
        if (x >= init->lo && x <= init->hi)
            return x;
        return rt_init_clipped_redraw(init, seed, elem, draw);
    }
    case SNN_INIT_LOGNORMAL:
        snn_rng_init(&g, seed, init->stream, elem, 0);
        g.ctr[0] = draw;
        return exp(init->a + init->b * snn_rng_normal(&g));
    case SNN_INIT_EXPONENTIAL:
        snn_rng_init(&g, seed, init->stream, elem, 0);
        g.ctr[0] = draw;
        return init->a * snn_rng_exponential(&g);
    case SNN_INIT_CONSTANT:
    default:
        return init->a;
    }
}

/* Uniform in (0, 1) from two words, bit for bit snn_rng_uniform. */
static inline double rt_u53(uint32_t w0, uint32_t w1)
{
    uint64_t x = ((uint64_t)(w0 >> 5) << 26) | (w1 >> 6);
    return x ? (double)x * (1.0 / 9007199254740992.0) : (1.0 / 18014398509481984.0);
}

/* Standard normal from one block, bit for bit snn_rng_normal. */
static inline double rt_normal4(const uint32_t w[4])
{
    double u1 = rt_u53(w[0], w[1]), u2 = rt_u53(w[2], w[3]);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* out[t] = rt_init_eval(init, seed, elem, t) for t in [0, n): one column's (or row's) values
 * with the kind tested once, and the Philox blocks computed straight from their counters
 * (block t = draw t), which the compiler keeps in registers. */
static inline void rt_init_fill(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t n,
                                double *out)
{
    const uint32_t key[2] = {(uint32_t)seed, init->stream};
    const double a = init->a, b = init->b;
    uint32_t ctr[4] = {0, elem, 0, (uint32_t)(seed >> 32)}, w[4];
    switch (init->kind) {
    case SNN_INIT_UNIFORM:
        for (uint32_t t = 0; t < n; t++) {
            ctr[0] = t;
            snn_philox4x32_10(ctr, key, w);
            out[t] = a + (b - a) * rt_u53(w[0], w[1]);
        }
        return;
    case SNN_INIT_NORMAL:
        for (uint32_t t = 0; t < n; t++) {
            ctr[0] = t;
            snn_philox4x32_10(ctr, key, w);
            out[t] = a + b * rt_normal4(w);
        }
        return;
    case SNN_INIT_NORMAL_CLIPPED: {
        const double lo = init->lo, hi = init->hi;
        for (uint32_t t = 0; t < n; t++) {
            ctr[0] = t;
            snn_philox4x32_10(ctr, key, w);
            double x = a + b * rt_normal4(w);
            out[t] = x >= lo && x <= hi ? x : rt_init_clipped_redraw(init, seed, elem, t);
        }
        return;
    }
    case SNN_INIT_LOGNORMAL:
        for (uint32_t t = 0; t < n; t++) {
            ctr[0] = t;
            snn_philox4x32_10(ctr, key, w);
            out[t] = exp(a + b * rt_normal4(w));
        }
        return;
    case SNN_INIT_EXPONENTIAL:
        for (uint32_t t = 0; t < n; t++) {
            ctr[0] = t;
            snn_philox4x32_10(ctr, key, w);
            out[t] = a * -log(rt_u53(w[0], w[1]));
        }
        return;
    case SNN_INIT_CONSTANT:
    default:
        for (uint32_t t = 0; t < n; t++)
            out[t] = a;
        return;
    }
}

#endif /* SNNRT_INTERNAL_H */
