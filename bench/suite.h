/* bench/suite.h - benchmark suites in YAML: a matrix of models x parameters x back ends
 * x ranks x threads (x MPI exchange), with repetitions, simulated time and a timeout per cell.  Parsing
 * checks every key and reports the first problem as "FILE:LINE: message". */
#ifndef SNNBENCH_SUITE_H
#define SNNBENCH_SUITE_H
/* snnbench formats into bounded buffers on purpose: truncation is the intent there */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <stddef.h>

typedef struct {
    char *name;
    char **vals;
    int n;
} SuiteParam;

typedef struct {
    char **v;
    int n;
} StrList;

typedef struct {
    int *v;
    int n;
} IntList;

typedef struct {
    char *name;       /* default: the file's stem */
    char *file;       /* as written in the suite */
    char *path;       /* resolved against the suite's directory */
    char *peer;       /* NULL or "brian2" */
    char *script;     /* peer script (default: bench/peers/<stem>_brian2.py) */
    int line;
    SuiteParam *params;
    int nparams;
    StrList backends;
    IntList ranks, threads;
    StrList exchange;  /* MPI spike exchange (collective, p2p): an axis for ranks > 1 */
    char *launcher;    /* launch command for ranks > 1, NULL: mpirun -np {ranks} */
    int reps;
    double time_ms, timeout_s;
} SuiteModel;

typedef struct {
    char *id;          /* e.g. brunel-scale=0.05-c-r1-t1 */
    int model;         /* index into Suite.models */
    char **pvals;      /* one value per model param */
    char *backend;
    int ranks, threads, reps;
    double time_ms, timeout_s;
    const char *exchange; /* NULL: the simulator's default (always NULL for 1 rank) */
    const char *launcher; /* the suite's launcher, or NULL */
    const char *skip;  /* reason, or NULL when the cell runs (snnbench run fills in what
                          depends on the machine: GPU, mpirun) */
} SuiteCell;

typedef struct {
    char *name;
    char *path;
    char *dir;
    SuiteModel *models;
    int nmodels;
    SuiteCell *cells;
    int ncells;
} Suite;

/* Returns 0, or -1 with "FILE:LINE: message" in err. */
int suite_load(const char *path, Suite *s, char *err, size_t errlen);
void suite_free(Suite *s);
/* Levenshtein distance, for did-you-mean hints. */
int edit_distance(const char *a, const char *b);

#endif
