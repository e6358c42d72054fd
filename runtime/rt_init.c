/*
 * rt_init.c - variable initialisers (constant, uniform, normal, normal_clipped, lognormal,
 * exponential) as pure functions of (seed, stream, element), and stream ids from names.
 *
 * Element e of a variable draws from the Philox stream (seed, init->stream, element
 * (uint32_t)e, step 0).  snn_init_value's 'draw' d selects 64 bits: half d & 1 of block
 * d >> 1 (counter word 0), see rt_init_eval in rt_internal.h; draw 0 equals
 * snn_init_values.
 */
#include "rt_internal.h"
#include "snnrt.h"

uint32_t snn_stream_id(const char *name)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)name; p && *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    return h;
}

double rt_init_clipped_redraw(const snn_init *init, uint64_t seed, uint32_t elem, uint32_t draw)
{
    if (!(init->lo <= init->hi))
        snn_fatal("normal_clipped(%g, %g) in [%g, %g]: the interval is empty", init->a, init->b,
                  init->lo, init->hi);
    int ok;
    const double x = snn_init_eval(init, seed, elem, draw, &ok); /* attempts 0 .. 999 */
    if (!ok)
        snn_fatal("normal_clipped(%g, %g) in [%g, %g]: no value in bounds after 1000 draws",
                  init->a, init->b, init->lo, init->hi);
    return x;
}

double rt_init_clipped_after0(const snn_init *init, uint64_t seed, uint32_t elem,
                              uint32_t draw)
{
    if (!(init->lo <= init->hi))
        snn_fatal("normal_clipped(%g, %g) in [%g, %g]: the interval is empty", init->a, init->b,
                  init->lo, init->hi);
    for (uint32_t attempt = 1; attempt < 1000; attempt++) { /* as snn_init_eval */
        const double x = snn_init_attempt(init, seed, elem, draw, attempt);
        if (x >= init->lo && x <= init->hi)
            return x;
    }
    snn_fatal("normal_clipped(%g, %g) in [%g, %g]: no value in bounds after 1000 draws", init->a,
              init->b, init->lo, init->hi);
}

double snn_init_value(const snn_init *init, uint64_t seed, uint64_t elem, uint32_t draw)
{
    return rt_init_eval(init, seed, (uint32_t)elem, draw);
}

/* Writes out[first + i] for i in [0, n): 'out' is the whole array, as in the header. */
void snn_init_values(const snn_init *init, uint64_t seed, uint64_t first, uint64_t n,
                     void *out, int value_bytes)
{
    if (value_bytes == 4) {
        float *o = (float *)out;
        if (init->kind == SNN_INIT_CONSTANT) {
            for (uint64_t e = first; e < first + n; e++)
                o[e] = (float)init->a;
        } else {
            for (uint64_t e = first; e < first + n; e++)
                o[e] = (float)rt_init_eval(init, seed, (uint32_t)e, 0);
        }
    } else {
        double *o = (double *)out;
        if (init->kind == SNN_INIT_CONSTANT) {
            for (uint64_t e = first; e < first + n; e++)
                o[e] = init->a;
        } else {
            for (uint64_t e = first; e < first + n; e++)
                o[e] = rt_init_eval(init, seed, (uint32_t)e, 0);
        }
    }
}

/* Writes out[i] = the value of element first + i for i in [0, n): 'out' holds only this
 * block (a rank's share of a population). */
void snn_init_block(const snn_init *init, uint64_t seed, uint64_t first, uint64_t n, void *out,
                    int value_bytes)
{
    if (value_bytes == 4) {
        float *o = (float *)out;
        for (uint64_t i = 0; i < n; i++)
            o[i] = init->kind == SNN_INIT_CONSTANT
                       ? (float)init->a
                       : (float)rt_init_eval(init, seed, (uint32_t)(first + i), 0);
    } else {
        double *o = (double *)out;
        for (uint64_t i = 0; i < n; i++)
            o[i] = init->kind == SNN_INIT_CONSTANT
                       ? init->a
                       : rt_init_eval(init, seed, (uint32_t)(first + i), 0);
    }
}
