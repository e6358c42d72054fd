/* bench/record.c - one snnbench record from a cell and a simulator's run.json (see
 * record.h and docs/benchmarking.md, "Records"). */
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "store.h"

static Json *cell_json(const Suite *s, const SuiteCell *c)
{
    const SuiteModel *m = &s->models[c->model];
    Json *o = json_obj();
    json_set(o, "id", json_str(c->id));
    json_set(o, "model", json_str(m->name));
    json_set(o, "file", json_str(m->file));
    Json *p = json_obj();
    for (int i = 0; i < m->nparams; i++) {
        char *end;
        double v = strtod(c->pvals[i], &end);
        json_set(p, m->params[i].name, *end == 0 && *c->pvals[i] ? json_num(v) : json_str(c->pvals[i]));
    }
    json_set(o, "params", p);
    json_set(o, "backend", json_str(c->backend));
    json_set(o, "peer", m->peer ? json_str(m->peer) : json_null());
    json_set(o, "ranks", json_num(c->ranks));
    json_set(o, "threads", json_num(c->threads));
    json_set(o, "mpi", json_bool(c->ranks > 1 && !m->peer));
    json_set(o, "exchange", json_str(c->exchange));
    json_set(o, "time_ms", json_num(c->time_ms));
    json_set(o, "reps", json_num(c->reps));
    json_set(o, "timeout_s", json_num(c->timeout_s));
    return o;
}

Json *record_new(const Suite *s, const SuiteCell *c, int rep, const Json *meta, const char *status,
                 const char *reason)
{
    Json *r = json_obj();
    json_set(r, "schema", json_num(RECORD_SCHEMA));
    json_set(r, "kind", json_str("snnbench-record"));
    json_set(r, "status", json_str(status));
    json_set(r, "reason", json_str(reason));
    json_set(r, "suite", json_str(s->name));
    json_set(r, "cell", cell_json(s, c));
    json_set(r, "rep", json_num(rep));
    json_set(r, "timers", json_obj());
    json_set(r, "sanity", json_obj());
    json_set(r, "memory", json_obj());
    Json *m = json_copy(meta);
    char date[64];
    utc_now(date, sizeof date);
    json_set(m, "date", json_str(date));
    json_set(r, "meta", m);
    return r;
}

Json *record_obj(Json *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->keys[i], key) == 0)
            return r->items[i];
    Json *o = json_obj();
    json_set(r, key, o);
    return o;
}

/* {"min": a, "median": b, "max": c} with numbers; NULL otherwise */
static const Json *spread(const Json *v)
{
    if (!v || v->type != J_OBJ)
        return NULL;
    static const char *const k[] = {"min", "median", "max"};
    for (int i = 0; i < 3; i++) {
        const Json *x = json_get(v, k[i]);
        if (!x || x->type != J_NUM)
            return NULL;
    }
    return v;
}

/* max / median per figure of rank_timers and rank_memory (where the median is > 0) */
static Json *imbalance(const Json *rt, const Json *rm)
{
    Json *o = json_obj();
    const Json *src[2] = {rt, rm};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; src[s] && src[s]->type == J_OBJ && i < src[s]->n; i++) {
            const Json *v = spread(src[s]->items[i]);
            if (!v)
                continue;
            double med = json_get(v, "median")->num, mx = json_get(v, "max")->num;
            if (med > 0 && isfinite(mx))
                json_set(o, src[s]->keys[i], json_num(mx / med));
        }
    return o;
}

int record_from_run_json(Json *rec, const Json *rj, int ranks, int threads, double wall_s,
                         long maxrss_kb, char *err, size_t errlen)
{
    const char *st = json_str_or(json_get(rj, "status"), "?");
    if (strcmp(st, "complete") != 0) {
        snprintf(err, errlen, "run.json status %s: %s", st, json_str_or(json_get(rj, "error"), ""));
        return -1;
    }
    const Json *par = json_get(rj, "parallel");
    if (par && par->type == J_OBJ) {
        double r = json_num_or(json_get(par, "ranks"), NAN), t = json_num_or(json_get(par, "threads"), NAN);
        if (r != ranks) {
            snprintf(err, errlen,
                     "run.json reports %g rank(s), the cell asked for %d (a simulator built without "
                     "--mpi, or started without the launcher?)", r, ranks);
            return -1;
        }
        if (isfinite(t) && t != threads) {
            snprintf(err, errlen, "run.json reports %g thread(s), the cell asked for %d", t, threads);
            return -1;
        }
    } else if (ranks > 1) {
        snprintf(err, errlen, "run.json has no 'parallel' section: not an MPI simulator (snncc --mpi)");
        return -1;
    }
    Json *timers = record_obj(rec, "timers");
    const Json *t = json_get(rj, "timers");
    for (size_t i = 0; t && t->type == J_OBJ && i < t->n; i++)
        json_set(timers, t->keys[i], json_copy(t->items[i]));
    json_set(timers, "wall_s", json_num(wall_s));
    Json *san = record_obj(rec, "sanity");
    const Json *pops = json_get(rj, "populations");
    double spikes = 0, neurons = 0;
    Json *pa = json_arr();
    for (size_t i = 0; pops && pops->type == J_ARR && i < pops->n; i++) {
        const Json *p = pops->items[i];
        Json *q = json_obj();
        json_set(q, "name", json_copy(json_get(p, "name")));
        json_set(q, "size", json_copy(json_get(p, "size")));
        json_set(q, "spikes", json_copy(json_get(p, "spikes")));
        json_set(q, "rate_hz", json_copy(json_get(p, "rate_hz")));
        json_push(pa, q);
        spikes += json_num_or(json_get(p, "spikes"), 0);
        neurons += json_num_or(json_get(p, "size"), 0);
    }
    double dur = json_num_or(json_path(rj, "run.duration_ms"), 0) / 1000.0;
    json_set(san, "spikes", json_num(spikes));
    json_set(san, "rate_hz", json_num(neurons > 0 && dur > 0 ? spikes / neurons / dur : 0));
    json_set(san, "neurons", json_num(json_num_or(json_path(rj, "sizes.neurons"), neurons)));
    json_set(san, "synapses", json_num(json_num_or(json_path(rj, "sizes.synapses"), 0)));
    json_set(san, "populations", pa);
    Json *mem = record_obj(rec, "memory");
    json_set(mem, "peak_rss_bytes",
             json_num(json_num_or(json_path(rj, "memory.peak_rss_bytes"), (double)maxrss_kb * 1024.0)));
    const Json *sp = json_path(rj, "sizes.state_bytes_peak");
    if (sp)
        json_set(mem, "state_bytes_peak", json_copy(sp));
    if (json_get(rj, "sizes"))
        json_set(rec, "sizes", json_copy(json_get(rj, "sizes")));
    Json *meta = record_obj(rec, "meta");
    json_set(meta, "model_hash", json_copy(json_path(rj, "model.hash")));
    json_set(meta, "precision", json_copy(json_path(rj, "model.precision")));
    json_set(meta, "runtime_version", json_copy(json_path(rj, "runtime.version")));
    Json *run = json_obj();
    json_set(run, "seed", json_copy(json_path(rj, "run.seed")));
    json_set(run, "duration_ms", json_copy(json_path(rj, "run.duration_ms")));
    json_set(run, "steps_done", json_copy(json_path(rj, "run.steps_done")));
    json_set(rec, "run", run);
    const Json *rt = json_get(rj, "rank_timers"), *rm = json_get(rj, "rank_memory");
    if (par && par->type == J_OBJ)
        json_set(rec, "parallel", json_copy(par));
    if (rt && rt->type == J_OBJ)
        json_set(rec, "rank_timers", json_copy(rt));
    if (rm && rm->type == J_OBJ)
        json_set(rec, "rank_memory", json_copy(rm));
    if ((rt && rt->type == J_OBJ) || (rm && rm->type == J_OBJ))
        json_set(rec, "imbalance", imbalance(rt, rm));
    return 0;
}
