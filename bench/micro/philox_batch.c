/*
 * bench/micro/philox_batch.c - nanoseconds per Philox4x32-10 block of the runtime's SIMD
 * batches (runtime/rt_philox_batch.c) at each level the machine has: snn_rng_first_blocks
 * (the neuron loops' first blocks), rt_philox_batch (the construction's blocks) and
 * snn_rng_quad_words (constant-rate Poisson sources, four words per block).  Built and run
 * by bench/philox_batch.sh; a benchmark, not a test (tests/unit/test_rt_rng.c checks the
 * values).
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

int rt_philox_batch_level(int level);
void snn_rng_first_blocks(uint64_t seed, uint32_t stream, uint32_t elem0, uint64_t step,
                          uint32_t n, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3);
void rt_philox_batch(const uint32_t key[2], uint32_t first, uint32_t c1, uint32_t c2,
                     uint32_t c3, uint32_t nb, uint32_t *w0, uint32_t *w1, uint32_t *w2,
                     uint32_t *w3);
void snn_rng_quad_words(uint64_t seed, uint32_t stream, uint32_t elem0, uint64_t step,
                        uint32_t n, uint32_t *w);

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define NB 256     /* blocks per call: a neuron chunk's */
#define CALLS 40000

int main(void)
{
    static uint32_t w0[4 * NB], w1[NB], w2[NB], w3[NB];
    const uint32_t key[2] = {3, 4};
    const char *names[] = {"scalar", "AVX2", "AVX-512"};
    volatile uint32_t sink = 0;
    const int best = rt_philox_batch_level(-1);
    printf("%-8s %12s %12s %12s  (ns per block, %d blocks per call)\n", "level", "first",
           "ctr0", "quad", NB);
    for (int level = best; level >= 0; level--) {
        rt_philox_batch_level(level);
        double t = now();
        for (uint32_t s = 0; s < CALLS; s++) {
            snn_rng_first_blocks(77, 5, 0, s, NB, w0, w1, w2, w3);
            sink += w0[s % NB] ^ w3[7];
        }
        const double first = now() - t;
        t = now();
        for (uint32_t s = 0; s < CALLS; s++) {
            rt_philox_batch(key, s * NB, 1, 2, 3, NB, w0, w1, w2, w3);
            sink += w1[s % NB];
        }
        const double ctr0 = now() - t;
        t = now();
        for (uint32_t s = 0; s < CALLS; s++) {
            snn_rng_quad_words(77, 5, 0, s, 4 * NB, w0);
            sink += w0[s % (4 * NB)];
        }
        const double quad = now() - t;
        const double per = 1e9 / ((double)CALLS * NB);
        printf("%-8s %12.3f %12.3f %12.3f\n", names[level], first * per, ctr0 * per, quad * per);
    }
    rt_philox_batch_level(-1);
    return (int)(sink & 0u);
}
