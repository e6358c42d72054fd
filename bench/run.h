/* bench/run.h - the pieces of `snnbench run` that `snnbench ab` shares: options, one
 * model build with snncc, one repetition of a cell turned into a record, the cell
 * filter and a monotonic clock. */
#ifndef SNNBENCH_RUN_H
#define SNNBENCH_RUN_H
#include <limits.h>

#include "json.h"
#include "launch.h"
#include "suite.h"

typedef struct {
    const char *store, *snncc;
    char work[PATH_MAX];
    const char **filters;
    int nfilters;
    const char *cell;
    int keep_work, reps_override, quiet;
    double time_override;
} RunOpts;

typedef struct {
    char key[1024];
    int ok;
    int mpi;               /* built with --mpi */
    const char *unsupported; /* this snncc cannot build it at all: skip, with this reason */
    char dir[PATH_MAX];
    char sim[PATH_MAX];
    char reason[1200];
    double wall_s;
    char cc_cmd[2048];
} Build;

double now_s(void);
int is_exec_file(const char *p);
/* The build key of a cell: model, parameters, back end, -mpi (a file-name component). */
void build_key(const Suite *s, const SuiteCell *c, char *key, size_t len);
/* Builds the cell's model with o->snncc -v into o->work/build/<b->key> (b->key and
 * b->mpi set by the caller); b->ok, or b->reason (and b->unsupported). */
void build_model(const RunOpts *o, const Suite *s, const SuiteCell *c, Build *b);
/* One repetition of a cell (the peer, or the simulator of b, outputs under dir): a new
 * record with status ok, failed or timeout. */
Json *run_repetition(const RunOpts *o, const LaunchEnv *le, const Suite *s, const SuiteCell *c,
                     const Build *b, int rep, const Json *meta, const char *dir);
/* Whether the cell passes o's --cell and --filter selections. */
int cell_selected(const RunOpts *o, const SuiteCell *c);

#endif
