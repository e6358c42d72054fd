/* The step threads' pool (runtime/rt_pool.c): regions of claimed blocks (snn_step_blocks)
 * and regions of workers (snn_step_region).
 *   - every block of a region runs exactly once, with that region's argument, and the
 *     region returns only after all are done, over many regions of random lengths, with
 *     regions of workers in between, the number of blocks changing (the claims
 *     rearranged), thread counts 1 to 3, the pool grown from 2 to 3 threads and restarted;
 *   - a worker that is held up inside a block does not hold up the blocks it has not
 *     started: the master runs them (the one held releases only when the master has run
 *     the last block of its share, so a pool that waited for it would hang; alarm(60)
 *     turns a hang into a failure);
 *   - the first flag: each worker's first block of a region, and only that. */
#define _DEFAULT_SOURCE /* usleep */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rt_internal.h"
#include "snnrt.h"

#define MAXB 8

typedef struct {
    uint64_t region;            /* this region's number */
    atomic_int runs[MAXB];      /* times each block ran */
    atomic_int firsts[4];       /* first flags seen per worker */
    atomic_int ran_on[4];       /* blocks run per worker */
    atomic_int wrong;           /* a block that saw another region's argument */
    unsigned spin;              /* work per block (loop iterations, random per region) */
} region;

static region *volatile current;

static void block_fn(void *arg, int b, int w, int first)
{
    region *r = arg;
    if (r != current)
        atomic_fetch_add(&r->wrong, 1);
    if (b < 0 || b >= MAXB || w < 0 || w >= 4) {
        atomic_fetch_add(&r->wrong, 1);
        return;
    }
    if (first)
        atomic_fetch_add(&r->firsts[w], 1);
    volatile unsigned x = 0;
    for (unsigned i = 0; i < r->spin; i++)
        x += i;
    /* counted at the end: a region that returned before its blocks were done shows */
    if (r != current)
        atomic_fetch_add(&r->wrong, 1);
    atomic_fetch_add(&r->runs[b], 1);
    atomic_fetch_add(&r->ran_on[w], 1);
}

static atomic_int worker_calls[4];

static void worker_fn(void *arg, int w, int nw)
{
    (void)arg;
    if (w >= 0 && w < nw && w < 4)
        atomic_fetch_add(&worker_calls[w], 1);
}

static void test_blocks_once(void **state)
{
    (void)state;
    alarm(120);
    snn_run run;
    memset(&run, 0, sizeof run);
    srand(7);
    region *r = calloc(1, sizeof *r);
    assert_non_null(r);
    const int nbs[] = {3, 2, 5, 8, 1, 4};
    long stolen_regions = 0;
    for (int k = 0; k < 34000; k++) {
        /* a pool of 2, then grown to 3 (its generation starts again from 0, the claims'
         * sequence goes on), then stopped and started again */
        if (k == 0)
            rt_pool_start(2);
        else if (k == 4000)
            rt_pool_start(3);
        else if (k == 30000) {
            rt_pool_stop();
            rt_pool_start(3);
        }
        run.blocks = nbs[(k / 1000) % 6];
        run.step_threads = k < 4000 ? 1 + (k / 500) % 2 : 1 + (k / 500) % 3; /* 1 .. pool */
        if (k % 7 == 3) { /* a region of workers in between */
            int before[4];
            for (int w = 0; w < 4; w++)
                before[w] = atomic_load(&worker_calls[w]);
            snn_step_region(&run, worker_fn, NULL);
            for (int w = 0; w < 4; w++)
                assert_int_equal(atomic_load(&worker_calls[w]) - before[w],
                                 w < run.step_threads ? 1 : 0);
            continue;
        }
        memset(r, 0, sizeof *r);
        r->region = (uint64_t)k;
        r->spin = (unsigned)(rand() % 4000);
        current = r;
        snn_step_blocks(&run, block_fn, r);
        current = NULL;
        for (int b = 0; b < MAXB; b++)
            assert_int_equal(atomic_load(&r->runs[b]), b < run.blocks ? 1 : 0);
        assert_int_equal(atomic_load(&r->wrong), 0);
        int firsts = 0, ran = 0, workers = 0;
        for (int w = 0; w < 4; w++) {
            const int n = atomic_load(&r->ran_on[w]);
            assert_true(w < run.step_threads || n == 0);
            assert_int_equal(atomic_load(&r->firsts[w]), n > 0 ? 1 : 0);
            firsts += atomic_load(&r->firsts[w]);
            ran += n;
            workers += n > 0;
        }
        assert_int_equal(ran, run.blocks);
        assert_int_equal(firsts, workers);
        if (run.step_threads > 1 && atomic_load(&r->ran_on[0]) > run.blocks / run.step_threads)
            stolen_regions++;
    }
    print_message("regions where the master ran more than its share: %ld\n", stolen_regions);
    /* a late worker's blocks leave the region stale-free: one more region, then stop */
    free(r);
    rt_pool_stop();
    alarm(0);
}

/* Worker 1 (blocks 2, 3 of 4 on two threads) is held inside block 2 until the master has
 * run block 3, which only a pool that claims can give it. */
static atomic_int release_1, ran2_on, ran3_on;

static void held_fn(void *arg, int b, int w, int first)
{
    (void)arg;
    (void)first;
    if (b == 0 && w == 0) /* give worker 1 up to 0.2 s to start on its share */
        for (int i = 0; i < 2000 && atomic_load(&ran2_on) < 0; i++)
            usleep(100);
    if (b == 2) {
        atomic_store(&ran2_on, w);
        if (w == 1)
            while (!atomic_load(&release_1))
                usleep(100);
    }
    if (b == 3) {
        atomic_store(&ran3_on, w);
        if (w == 0)
            atomic_store(&release_1, 1);
    }
}

static void test_held_worker(void **state)
{
    (void)state;
    alarm(60);
    rt_pool_start(2);
    snn_run run;
    memset(&run, 0, sizeof run);
    run.blocks = 4;
    run.step_threads = 2;
    int done = 0;
    uint64_t regions, ms, ws, stolen0, stolen;
    rt_pool_stats(&regions, &ms, &ws, &stolen0);
    /* worker 1 may be slow to start and leave block 2 to the master: try until it holds it */
    for (int k = 0; k < 200 && !done; k++) {
        atomic_store(&release_1, 0);
        atomic_store(&ran2_on, -1);
        atomic_store(&ran3_on, -1);
        snn_step_blocks(&run, held_fn, NULL);
        if (atomic_load(&ran2_on) == 1) { /* worker 1 was held: the master ran block 3 */
            assert_int_equal(atomic_load(&ran3_on), 0);
            done = 1;
        }
        atomic_store(&release_1, 1);
    }
    assert_true(done);
    rt_pool_stats(&regions, &ms, &ws, &stolen);
    assert_true(stolen > stolen0); /* block 3 at least, run by worker 0 */
    rt_pool_stop();
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_once),
        cmocka_unit_test(test_held_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
