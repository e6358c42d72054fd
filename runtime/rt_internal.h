/*
 * rt_internal.h - helpers shared by the runtime's own .c files (not installed, not API).
 *
 * Everything here is static inline so that hot loops (the connectivity builder's weight
 * fill) can inline it; the public entry points in snnrt.h are thin wrappers.
 */
#ifndef SNNRT_INTERNAL_H
#define SNNRT_INTERNAL_H

#include "snnrt.h"

/* The value of initialiser 'init' for element 'elem', independent draw 'draw'.
 *
 * The RNG is the one of (seed, init->stream, element elem, step 0) with counter word 0
 * (the block index) starting at 'draw' instead of 0.  A value consumes at most one block
 * (UNIFORM: 2 words, NORMAL: 4 words), so every draw index has its own Philox block and
 * draws are independent; draw 0 is the value snn_init_values gives element elem. */
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
    case SNN_INIT_CONSTANT:
    default:
        return init->a;
    }
}

#endif /* SNNRT_INTERNAL_H */
