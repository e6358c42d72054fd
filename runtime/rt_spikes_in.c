/*
 * rt_spikes_in.c - spike times of spike_source_array populations read at run time
 * (run config: spike_times: { S: file }), so that stimuli change without recompiling and a
 * recorded spike file can be replayed as input.
 *
 * Two formats:
 *   - .npy: a 1-d structured array with a float field 't' (ms) and an integer field 'i'
 *     (neuron), in any order and among other fields: what the simulator writes as
 *     spikes_<pop>.npy (fields t '<f8', i '<u4');
 *   - text: one "neuron time_ms" pair per line, '#' starts a comment (the format of
 *     spike_source_array{ file = ... } at compile time).
 * The result is the layout of the compiled-in arrays: starts[n + 1] offsets and steps[]
 * (step s = round(t / dt) - 1, at least 0: the step that ends at t), ascending per neuron.
 */
#include "rt_internal.h"
#include "snnrt.h"
#include "snn_npy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint32_t neuron;
    uint32_t step;
} entry;

/* Append one (neuron, time) pair after checking it; 'where' names it in messages. */
static int add(entry **v, size_t *nv, size_t *cap, uint32_t n, double dt, double neuron,
               double t, const char *path, const char *where, char *err, size_t errlen)
{
    if (!(neuron >= 0) || neuron != floor(neuron))
        return snn_errf(err, errlen, "%s: %s: neuron index %g is not a whole number >= 0", path,
                    where, neuron);
    if (neuron >= n)
        return snn_errf(err, errlen, "%s: %s: neuron %.0f, but the population has %u neurons "
                                 "(0 .. %u)", path, where, neuron, n, n - 1);
    if (!isfinite(t) || t < 0)
        return snn_errf(err, errlen, "%s: %s: time %g ms is not a finite number >= 0", path, where,
                    t);
    double s = (double)llround(t / dt) - 1.0;
    if (s > 4294967294.0)
        return snn_errf(err, errlen, "%s: %s: time %g ms is beyond the last step a run can have",
                    path, where, t);
    if (*nv == *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        entry *nvp = realloc(*v, nc * sizeof *nvp);
        if (!nvp)
            return snn_errf(err, errlen, "%s: out of memory for %zu spike times", path, nc);
        *v = nvp;
        *cap = nc;
    }
    (*v)[(*nv)++] = (entry){(uint32_t)neuron, s < 0 ? 0u : (uint32_t)s};
    return 0;
}

static int read_text(FILE *f, const char *path, uint32_t n, double dt, entry **v, size_t *nv,
                     size_t *cap, char *err, size_t errlen)
{
    char line[4096];
    unsigned long lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line, *end;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',')
            p++;
        if (!*p)
            continue;
        errno = 0;
        double a = strtod(p, &end);
        if (end == p)
            return snn_errf(err, errlen, "%s:%lu: expected 'neuron time_ms', got '%.40s'", path,
                        lineno, p);
        p = end;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        double b = strtod(p, &end);
        if (end == p)
            return snn_errf(err, errlen, "%s:%lu: expected 'neuron time_ms' (a time after the "
                                     "neuron)", path, lineno);
        p = end;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ',')
            p++;
        if (*p)
            return snn_errf(err, errlen, "%s:%lu: unexpected '%.40s' after 'neuron time_ms'", path,
                        lineno, p);
        char where[48];
        snprintf(where, sizeof where, "line %lu", lineno);
        if (add(v, nv, cap, n, dt, a, b, path, where, err, errlen) != 0) {
            /* the message names "path: line N:"; make it "path:N:" as elsewhere */
            char tmp[1024];
            snprintf(tmp, sizeof tmp, "%s", err);
            const char *rest = strstr(tmp, where);
            if (rest)
                snprintf(err, errlen, "%s:%lu%s", path, lineno, rest + strlen(where));
            return -1;
        }
    }
    if (ferror(f))
        return snn_errf(err, errlen, "%s: read error: %s", path, strerror(errno));
    return 0;
}

/* One field of a structured dtype: name, kind ('f', 'i', 'u'), size, offset. */
typedef struct field {
    char name[64];
    char kind;
    int size;
    int offset;
} field;

static int read_npy(FILE *f, const char *path, uint32_t n, double dt, entry **v, size_t *nv,
                    size_t *cap, char *err, size_t errlen)
{
    char *h = snn_npy_dict(f, path, err, errlen);
    if (!h)
        return -1;
    int rc = -1;
    field fl[16];
    int nf = 0, rec = 0;
    unsigned long long count = 0;
    const char *d = strstr(h, "'descr'"), *fo = strstr(h, "'fortran_order'"),
               *sh = strstr(h, "'shape'");
    if (!d || !fo || !sh) {
        snn_errf(err, errlen, "%s: .npy header without descr, fortran_order or shape", path);
        goto out;
    }
    d = strchr(d + 7, ':');
    while (d && (*++d == ' '))
        ;
    if (!d || *d != '[') {
        snn_errf(err, errlen, "%s: the array is not structured: it needs the fields 't' (ms) and "
                          "'i' (neuron), as the simulator's spike files have", path);
        goto out;
    }
    /* [('t', '<f8'), ('i', '<u4'), ...] */
    for (const char *p = d + 1; *p && *p != ']';) {
        const char *open = strchr(p, '(');
        const char *close = open ? strchr(open, ')') : NULL;
        const char *end = strchr(p, ']');
        if (!open || !close || (end && open > end))
            break;
        char name[64] = "", type[16] = "";
        if (sscanf(open, "('%63[^']', '%15[^']'", name, type) != 2) {
            snn_errf(err, errlen, "%s: cannot read the field '%.*s' of the .npy dtype", path,
                 (int)(close - open + 1), open);
            goto out;
        }
        if (nf == 16) {
            snn_errf(err, errlen, "%s: more than 16 fields", path);
            goto out;
        }
        char endian = type[0];
        char kind = type[1];
        int size = atoi(type + 2);
        {
            /* a sub-array field such as ('v', '<f4', (3,)) has a '(' before its ')' */
            const char *inner = strchr(open + 1, '(');
            if (inner && inner < close) {
                snn_errf(err, errlen, "%s: field '%s' is an array; spike files have scalar fields "
                                  "t and i", path, name);
                goto out;
            }
        }
        if ((endian != '<' && endian != '|' && endian != '=') || size <= 0 || size > 16) {
            snn_errf(err, errlen, "%s: field '%s' has type '%s'; little-endian types only", path,
                 name, type);
            goto out;
        }
        snprintf(fl[nf].name, sizeof fl[nf].name, "%s", name);
        fl[nf].kind = kind;
        fl[nf].size = size;
        fl[nf].offset = rec;
        rec += size;
        nf++;
        p = close + 1;
    }
    if (strstr(fo, "True")) {
        snn_errf(err, errlen, "%s: a Fortran-ordered array is not supported", path);
        goto out;
    }
    sh = strchr(sh, '(');
    if (!sh || sscanf(sh, "(%llu", &count) != 1) {
        if (sh && strncmp(sh, "()", 2) == 0)
            count = 0;
        else {
            snn_errf(err, errlen, "%s: cannot read the .npy shape", path);
            goto out;
        }
    }
    {
        const char *comma = strchr(sh, ',');
        const char *paren = strchr(sh, ')');
        if (comma && paren && comma < paren) {
            const char *q = comma + 1;
            while (*q == ' ')
                q++;
            if (*q != ')') {
                snn_errf(err, errlen, "%s: a 1-d array of spikes is expected", path);
                goto out;
            }
        }
    }
    int ft = -1, fi = -1;
    for (int k = 0; k < nf; k++) {
        if (!strcmp(fl[k].name, "t"))
            ft = k;
        if (!strcmp(fl[k].name, "i"))
            fi = k;
    }
    if (ft < 0 || fi < 0) {
        snn_errf(err, errlen, "%s: the array needs the fields 't' (ms) and 'i' (neuron), as the "
                          "simulator's spike files have", path);
        goto out;
    }
    if (fl[ft].kind != 'f' || (fl[ft].size != 4 && fl[ft].size != 8)) {
        snn_errf(err, errlen, "%s: field 't' must be float32 or float64", path);
        goto out;
    }
    if ((fl[fi].kind != 'u' && fl[fi].kind != 'i') ||
        (fl[fi].size != 1 && fl[fi].size != 2 && fl[fi].size != 4 && fl[fi].size != 8)) {
        snn_errf(err, errlen, "%s: field 'i' must be an integer", path);
        goto out;
    }
    {
        unsigned char buf[256];
        if (rec > (int)sizeof buf) {
            snn_errf(err, errlen, "%s: records of %d bytes are too wide", path, rec);
            goto out;
        }
        for (unsigned long long k = 0; k < count; k++) {
            if (fread(buf, 1, (size_t)rec, f) != (size_t)rec) {
                snn_errf(err, errlen, "%s: the file ends after %llu of the %llu spikes its header "
                                  "announces (an incomplete recording?)", path, k, count);
                goto out;
            }
            double t;
            if (fl[ft].size == 8) {
                memcpy(&t, buf + fl[ft].offset, 8);
            } else {
                float x;
                memcpy(&x, buf + fl[ft].offset, 4);
                t = x;
            }
            double ni;
            const unsigned char *q = buf + fl[fi].offset;
            uint64_t u = 0;
            for (int b = 0; b < fl[fi].size; b++)
                u |= (uint64_t)q[b] << (8 * b);
            if (fl[fi].kind == 'i' && fl[fi].size < 8 && (u >> (8 * fl[fi].size - 1)) & 1)
                u |= ~0ull << (8 * fl[fi].size); /* sign-extend */
            ni = fl[fi].kind == 'i' ? (double)(int64_t)u : (double)u;
            char where[48];
            snprintf(where, sizeof where, "spike %llu", k);
            if (add(v, nv, cap, n, dt, ni, t, path, where, err, errlen) != 0)
                goto out;
        }
    }
    rc = 0;
out:
    free(h);
    return rc;
}

static int by_neuron_step(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->neuron != y->neuron)
        return x->neuron < y->neuron ? -1 : 1;
    return (x->step > y->step) - (x->step < y->step);
}

int snn_spike_times_load(const char *path, uint32_t n, double dt, uint64_t **starts,
                         uint32_t **steps, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return snn_errf(err, errlen, "%s: %s", path, strerror(errno));
    entry *v = NULL;
    size_t nv = 0, cap = 0;
    size_t len = strlen(path);
    int rc = len > 4 && strcmp(path + len - 4, ".npy") == 0
                 ? read_npy(f, path, n, dt, &v, &nv, &cap, err, errlen)
                 : read_text(f, path, n, dt, &v, &nv, &cap, err, errlen);
    fclose(f);
    if (rc != 0) {
        free(v);
        return -1;
    }
    if (nv)
        qsort(v, nv, sizeof *v, by_neuron_step);
    uint64_t *st = calloc((size_t)n + 1, sizeof *st);
    uint32_t *sp = malloc((nv + 1) * sizeof *sp);
    if (!st || !sp) {
        free(st);
        free(sp);
        free(v);
        return snn_errf(err, errlen, "%s: out of memory for %zu spike times", path, nv);
    }
    for (size_t k = 0; k < nv; k++) {
        st[v[k].neuron + 1]++;
        sp[k] = v[k].step;
    }
    sp[nv] = 0;
    for (uint32_t i = 0; i < n; i++)
        st[i + 1] += st[i];
    free(v);
    *starts = st;
    *steps = sp;
    return 0;
}

void snn_spike_times_apply(snn_run *run, const char *pop, uint32_t n, double dt,
                           const uint64_t **starts, const uint32_t **steps)
{
    const snn_config *cfg = run->cfg;
    for (int k = 0; k < cfg->n_spike_times; k++) {
        if (strcmp(cfg->spike_times[k].pop, pop) != 0)
            continue;
        uint64_t *s;
        uint32_t *t;
        char err[1200];
        if (snn_spike_times_load(cfg->spike_times[k].path, n, dt, &s, &t, err, sizeof err) != 0)
            snn_fatal("spike_times.%s (%s): %s", cfg->spike_times[k].pop,
                      cfg->spike_times[k].where, err);
        *starts = s;
        *steps = t;
    }
}
