/* bench/record.h - building one snnbench record (schema 1): the cell, host metadata,
 * and what a simulator's run.json says (timers; for MPI runs the parallel section,
 * per-rank timers and memory, and the load imbalance max/median derived from them). */
#ifndef SNNBENCH_RECORD_H
#define SNNBENCH_RECORD_H
#include <stddef.h>

#include "json.h"
#include "suite.h"

/* A record with status and reason, the cell, empty timers/sanity/memory, and a copy of
 * meta with the date. */
Json *record_new(const Suite *s, const SuiteCell *c, int rep, const Json *meta, const char *status,
                 const char *reason);
/* The object under key, created when missing. */
Json *record_obj(Json *rec, const char *key);
/* Fills an ok record from the simulator's run.json: timers (and wall_s), sanity,
 * memory (maxrss_kb when run.json has no peak RSS), sizes, run, model metadata;
 * parallel, rank_timers, rank_memory and imbalance when run.json has them.  Returns 0,
 * or -1 with the reason in err (run.json not complete; ranks or threads other than
 * the cell's; no parallel section from a run with ranks > 1), the record untouched. */
int record_from_run_json(Json *rec, const Json *rj, int ranks, int threads, double wall_s,
                         long maxrss_kb, char *err, size_t errlen);

#endif
