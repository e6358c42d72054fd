/* bench/compare.h - comparing two record sets cell by cell: median ratio B/A of a
 * timer, the Mann-Whitney U test, a verdict per cell against a threshold and the
 * geometric mean over cells.  Used by `snnbench compare` and the report. */
#ifndef SNNBENCH_COMPARE_H
#define SNNBENCH_COMPARE_H
#include <stdio.h>

#include "stats.h"
#include "store.h"

typedef struct {
    double threshold;    /* relative, 0.05 = 5 % */
    const char *metric;  /* dotted key, default timers.simulation_s */
    double alpha;        /* 0.05 */
    int min_n;           /* 5 */
} CompareOpts;

typedef enum { V_FASTER, V_SLOWER, V_INCONCLUSIVE, V_INSUFFICIENT } Verdict;

typedef struct {
    char *key;           /* grouping key (cell fields not compared) */
    char *label;         /* a readable cell name */
    double *a, *b;       /* metric samples */
    double *ca, *cb;     /* construction samples */
    size_t na, nb, nca, ncb;
    double ratio, cons_ratio;
    MWResult mw;
    Verdict verdict;
} CompareCell;

typedef struct {
    CompareCell *cells;
    size_t ncells;
    size_t n_a, n_b;     /* ok records selected on each side */
    int n_slower, n_faster;
    double geo, geo_cons;
} CompareResult;

const char *verdict_name(Verdict v);
/* Verdict for one cell from its samples (exposed for tests). */
Verdict compare_verdict(size_t na, size_t nb, double ratio, double p, const CompareOpts *o);
void compare_sets(const RecordSet *rs, const Filter *fa, int na, const Filter *fb, int nb,
                  const CompareOpts *o, CompareResult *out);
void compare_print(FILE *f, const CompareResult *r, const char *a, const char *b,
                   const CompareOpts *o);
void compare_free(CompareResult *r);

#endif
