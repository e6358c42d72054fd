/* bench/ab.h - `snnbench ab REV_A REV_B SUITE.yaml`: two revisions of the project built
 * in temporary git worktrees (or given prebuilt), every cell of a suite run in
 * alternation, A B B A A B ..., and per cell and metric the ratio B/A of the medians
 * with a confidence interval and the Mann-Whitney verdict.  The schedule and the
 * per-cell statistics are exposed for the unit tests. */
#ifndef SNNBENCH_AB_H
#define SNNBENCH_AB_H
#include <stddef.h>

#include "stats.h"

int cmd_ab(int argc, char **argv);

/* abba: pair p runs A then B when p is even, B then A when odd (A B B A A B ...), so a
 * load that drifts linearly adds the same to both sides over every two pairs; abab:
 * always A then B. */
typedef enum { AB_ORDER_ABBA, AB_ORDER_ABAB } AbOrder;

typedef struct {
    int pair;   /* 0-based */
    int cell;   /* index into the cells run */
    char side;  /* 'A' or 'B' */
} AbSlot;

/* The order of the runs: pair by pair, within a pair cell by cell, and per cell its A
 * and B runs next to each other (in the order's sequence).  out holds 2 ncells pairs
 * slots; returns their number. */
size_t ab_schedule(int ncells, int pairs, AbOrder order, AbSlot *out);
/* "abba" or "abab"; -1 for anything else. */
int ab_order_parse(const char *s, AbOrder *out);

typedef enum { AB_SAME, AB_FASTER, AB_SLOWER, AB_NA } AbVerdict;

typedef struct {
    size_t na, nb;
    double med_a, med_b;
    double ratio;          /* med_b / med_a */
    double lo, hi, cover;  /* ratio_ci (NAN without positive samples) */
    MWResult mw;           /* x = A, y = B: u counts A > B */
    AbVerdict verdict;
} AbStat;

/* The statistics of one cell and metric; verdict: n/a without samples on a side,
 * slower (faster) when p < alpha and B's runs tend to be longer (shorter), else no
 * difference. */
void ab_stat(const double *a, size_t na, const double *b, size_t nb, double alpha, AbStat *st);
const char *ab_verdict_name(AbVerdict v);
/* Whether a cell fails --fail-above R: slower with p < alpha and B/A above R. */
int ab_fails(const AbStat *st, double fail_above);

#endif
