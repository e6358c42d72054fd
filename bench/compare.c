/* bench/compare.c - record sets compared cell by cell (see compare.h). */
#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *verdict_name(Verdict v)
{
    switch (v) {
    case V_FASTER: return "faster";
    case V_SLOWER: return "slower";
    case V_INCONCLUSIVE: return "inconclusive";
    case V_INSUFFICIENT: return "insufficient";
    }
    return "?";
}

Verdict compare_verdict(size_t na, size_t nb, double ratio, double p, const CompareOpts *o)
{
    if ((int)na < o->min_n || (int)nb < o->min_n)
        return V_INSUFFICIENT;
    if (p < o->alpha && ratio > 1.0 + o->threshold)
        return V_SLOWER;
    if (p < o->alpha && ratio < 1.0 - o->threshold)
        return V_FASTER;
    return V_INCONCLUSIVE;
}

static int selector_names(const Filter *f, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        const char *k = strrchr(f[i].key, '.');
        k = k ? k + 1 : f[i].key;
        if (!strcmp(k, name))
            return 1;
    }
    return 0;
}

/* The cell a record belongs to, leaving out what the selectors compare (so
 * backend=c vs backend=brian2 pairs the same model file).  Records of different
 * machines never pool unless the selectors name the machine. */
static void group_key(const Json *rec, const Filter *fa, int na, const Filter *fb, int nb, char *out,
                      size_t len)
{
    static const char *const fields[] = {"suite", "cell.file", "cell.params", "cell.backend",
                                         "cell.ranks", "cell.threads", "cell.exchange",
                                         "cell.time_ms", "meta.machine", NULL};
    size_t k = 0;
    out[0] = 0;
    for (int i = 0; fields[i]; i++) {
        const char *last = strrchr(fields[i], '.');
        last = last ? last + 1 : fields[i];
        if (selector_names(fa, na, last) || selector_names(fb, nb, last) ||
            (!strcmp(last, "file") && (selector_names(fa, na, "model") || selector_names(fb, nb, "model"))) ||
            (!strcmp(last, "suite") && (selector_names(fa, na, "suite") || selector_names(fb, nb, "suite"))))
            continue;
        const Json *v = json_path(rec, fields[i]);
        char buf[512] = "";
        if (v && v->type == J_OBJ) {
            size_t m = 0;
            for (size_t j = 0; j < v->n && m < sizeof buf; j++) {
                char t[128];
                m += (size_t)snprintf(buf + m, sizeof buf - m, "%s%s=%s", j ? "," : "", v->keys[j],
                                      json_scalar_text(v->items[j], t, sizeof t));
            }
        } else {
            json_scalar_text(v, buf, sizeof buf);
        }
        if (k < len)
            k += (size_t)snprintf(out + k, len - k, "%s%s", k ? "|" : "", buf);
    }
}

static void push(double **v, size_t *n, double x)
{
    *v = realloc(*v, (*n + 1) * sizeof **v);
    if (!*v)
        exit(2);
    (*v)[(*n)++] = x;
}

void compare_sets(const RecordSet *rs, const Filter *fa, int na, const Filter *fb, int nb,
                  const CompareOpts *o, CompareResult *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (strcmp(json_str_or(json_get(r, "status"), ""), "ok") != 0)
            continue;
        int in_a = record_match(r, fa, na), in_b = record_match(r, fb, nb);
        if (!in_a && !in_b)
            continue;
        if (in_a && in_b)
            continue; /* a record on both sides says nothing */
        const Json *mv = record_lookup(r, o->metric);
        if (!mv || mv->type != J_NUM)
            continue;
        out->n_a += in_a;
        out->n_b += in_b;
        char key[2048];
        group_key(r, fa, na, fb, nb, key, sizeof key);
        CompareCell *c = NULL;
        for (size_t k = 0; k < out->ncells; k++)
            if (!strcmp(out->cells[k].key, key))
                c = &out->cells[k];
        if (!c) {
            if (out->ncells == cap) {
                cap = cap ? 2 * cap : 16;
                out->cells = realloc(out->cells, cap * sizeof *out->cells);
                if (!out->cells)
                    exit(2);
            }
            c = &out->cells[out->ncells++];
            memset(c, 0, sizeof *c);
            c->key = strdup(key);
            const char *id = json_str_or(json_path(r, "cell.id"), "?");
            c->label = strdup(id);
        }
        double cons = json_num_or(json_path(r, "timers.construction_s"), NAN);
        if (in_a) {
            push(&c->a, &c->na, mv->num);
            if (isfinite(cons))
                push(&c->ca, &c->nca, cons);
        } else {
            push(&c->b, &c->nb, mv->num);
            if (isfinite(cons))
                push(&c->cb, &c->ncb, cons);
        }
    }
    /* keep the cells with samples on both sides */
    size_t w = 0;
    double *ratios = calloc(out->ncells + 1, sizeof *ratios), *cratios = calloc(out->ncells + 1, sizeof *cratios);
    size_t nr = 0, ncr = 0;
    for (size_t k = 0; k < out->ncells; k++) {
        CompareCell *c = &out->cells[k];
        if (!c->na || !c->nb) {
            free(c->key); free(c->label); free(c->a); free(c->b); free(c->ca); free(c->cb);
            continue;
        }
        c->ratio = median(c->b, c->nb) / median(c->a, c->na);
        c->cons_ratio = c->nca && c->ncb ? median(c->cb, c->ncb) / median(c->ca, c->nca) : NAN;
        c->mw = mann_whitney(c->a, c->na, c->b, c->nb);
        c->verdict = compare_verdict(c->na, c->nb, c->ratio, c->mw.p, o);
        out->n_slower += c->verdict == V_SLOWER;
        out->n_faster += c->verdict == V_FASTER;
        ratios[nr++] = c->ratio;
        if (isfinite(c->cons_ratio))
            cratios[ncr++] = c->cons_ratio;
        out->cells[w++] = *c;
    }
    out->ncells = w;
    out->geo = geomean(ratios, nr);
    out->geo_cons = geomean(cratios, ncr);
    free(ratios);
    free(cratios);
}

void compare_print(FILE *f, const CompareResult *r, const char *a, const char *b, const CompareOpts *o)
{
    size_t w = 4;
    for (size_t k = 0; k < r->ncells; k++)
        if (strlen(r->cells[k].label) > w)
            w = strlen(r->cells[k].label);
    fprintf(f, "A: %s (%zu runs)   B: %s (%zu runs)   metric %s, threshold %.1f%%, alpha %.2f\n", a,
            r->n_a, b, r->n_b, o->metric, o->threshold * 100, o->alpha);
    fprintf(f, "%-*s  %4s %4s  %10s %10s  %8s  %8s  %8s  %s\n", (int)w, "cell", "nA", "nB", "median A",
            "median B", "B/A", "constr", "p", "verdict");
    for (size_t k = 0; k < r->ncells; k++) {
        const CompareCell *c = &r->cells[k];
        fprintf(f, "%-*s  %4zu %4zu  %10.4g %10.4g  %8.3f  %8.3f  %8.2g  %s%s\n", (int)w, c->label, c->na,
                c->nb, median(c->a, c->na), median(c->b, c->nb), c->ratio, c->cons_ratio, c->mw.p,
                verdict_name(c->verdict), c->mw.exact ? "" : " (normal approx.)");
    }
    fprintf(f, "geometric mean B/A: %.3f (construction %.3f) over %zu cells; %d slower, %d faster\n",
            r->geo, r->geo_cons, r->ncells, r->n_slower, r->n_faster);
    if (r->n_slower)
        fprintf(f, "REGRESSION: %d cell(s) slower by more than %.1f%% with p < %.2f\n", r->n_slower,
                o->threshold * 100, o->alpha);
}

void compare_free(CompareResult *r)
{
    for (size_t k = 0; k < r->ncells; k++) {
        CompareCell *c = &r->cells[k];
        free(c->key); free(c->label); free(c->a); free(c->b); free(c->ca); free(c->cb);
    }
    free(r->cells);
    memset(r, 0, sizeof *r);
}
