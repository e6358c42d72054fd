/*
 * bench/stream/triad.c - a STREAM-like triad a[i] = b[i] + s * c[i] on one core, for
 * bench/dynamics_bw.sh (docs/performance.md "Per-synapse dynamics against memory
 * bandwidth").  Not part of snnbench: a stand-alone program the script compiles.
 *
 *   triad BYTES_PER_ARRAY REPEATS
 *
 * Prints "triad <bytes per array> <best GB/s> <median GB/s>", counting 3 x 8 bytes per
 * element (double), as STREAM does (the write-allocate read of a is not counted).  Times
 * are the process's CPU time (CLOCK_PROCESS_CPUTIME_ID), not wall time: on a shared,
 * loaded machine the time the process waits for a core is not the memory's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: triad BYTES_PER_ARRAY REPEATS\n");
        return 2;
    }
    size_t n = (size_t)strtoull(argv[1], NULL, 10) / sizeof(double);
    int reps = atoi(argv[2]);
    if (n < 1024 || reps < 1 || reps > 100000) {
        fprintf(stderr, "triad: at least 8192 bytes per array and 1..100000 repeats\n");
        return 2;
    }
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    double *t = malloc((size_t)reps * sizeof *t);
    if (!a || !b || !c || !t) {
        fprintf(stderr, "triad: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        a[i] = 0.0;
        b[i] = 1.0 + (double)(i & 7);
        c[i] = 2.0;
    }
    const double s = 3.0;
    double check = 0.0;
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] + s * c[i];
        t[r] = now() - t0;
        check += a[(size_t)r % n];
        b[r % n] += 1e-9; /* keep the compiler from hoisting the loop */
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    double bytes = 3.0 * (double)n * sizeof(double);
    printf("triad %zu %.3f %.3f (check %.1f)\n", n * sizeof(double), bytes / t[0] / 1e9,
           bytes / t[reps / 2] / 1e9, check);
    free(a);
    free(b);
    free(c);
    free(t);
    return 0;
}
