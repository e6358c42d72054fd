/* bench/suite.c - reading benchmark suites (YAML, libyaml's document API) and
 * expanding them into cells (see suite.h and docs/benchmarking.md). */
#include "suite.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (!d) {
        fputs("snnbench: out of memory\n", stderr);
        exit(2);
    }
    memcpy(d, s, n);
    return d;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p) {
        fputs("snnbench: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(b);
    int row[64];
    if (n >= 63 || strlen(a) >= 63)
        return 99;
    for (size_t j = 0; j <= n; j++)
        row[j] = (int)j;
    for (size_t i = 1; a[i - 1]; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= n; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[n];
}

int have_gpu(void)
{
    static int cached = -1;
    if (cached < 0) {
        FILE *p = popen("nvidia-smi -L 2>/dev/null", "r");
        char line[256];
        cached = 0;
        if (p) {
            if (fgets(line, sizeof line, p) && strncmp(line, "GPU", 3) == 0)
                cached = 1;
            pclose(p);
        }
    }
    return cached;
}

typedef struct {
    yaml_document_t *doc;
    const char *file;
    char *err;
    size_t errlen;
} Ctx;

static int errf(Ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    if (c->err[0])
        return -1;
    int len = snprintf(c->err, c->errlen, "%s:%lu: ", c->file,
                       n ? (unsigned long)n->start_mark.line + 1 : 1UL);
    va_list ap;
    va_start(ap, fmt);
    if (len >= 0 && (size_t)len < c->errlen)
        vsnprintf(c->err + len, c->errlen - (size_t)len, fmt, ap);
    va_end(ap);
    return -1;
}

static yaml_node_t *node(Ctx *c, int id) { return yaml_document_get_node(c->doc, id); }

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static const char *describe(const yaml_node_t *n)
{
    if (n->type == YAML_SEQUENCE_NODE) return "a list";
    if (n->type == YAML_MAPPING_NODE) return "a mapping";
    return NULL;
}

static int check_key(Ctx *c, const yaml_node_t *k, const char *const *known)
{
    const char *key = scalar(k);
    if (!key)
        return errf(c, k, "keys must be plain names");
    const char *best = NULL;
    int bd = 99;
    for (int i = 0; known[i]; i++) {
        if (strcmp(known[i], key) == 0)
            return 0;
        int d = edit_distance(key, known[i]);
        if (d < bd) {
            bd = d;
            best = known[i];
        }
    }
    size_t kl = strlen(key);
    if (best && bd <= (kl > 6 ? 3 : 2) && (size_t)bd < kl)
        return errf(c, k, "unknown key '%s' (did you mean '%s'?)", key, best);
    return errf(c, k, "unknown key '%s'", key);
}

static int get_int(Ctx *c, const char *key, const yaml_node_t *v, int min, int *out)
{
    const char *s = scalar(v);
    char *end = NULL;
    long x = 0;
    if (s) {
        errno = 0;
        x = strtol(s, &end, 10);
    }
    if (!s || !*s || *end || errno || x < min || x > 1000000) {
        if (s)
            return errf(c, v, "'%s' must be an integer >= %d, not '%s'", key, min, s);
        return errf(c, v, "'%s' must be an integer >= %d, not %s", key, min, describe(v));
    }
    *out = (int)x;
    return 0;
}

static int get_num(Ctx *c, const char *key, const yaml_node_t *v, double *out)
{
    const char *s = scalar(v);
    char *end = NULL;
    double x = 0;
    if (s)
        x = strtod(s, &end);
    if (!s || !*s || *end || !(x > 0) || !isfinite(x)) {
        if (s)
            return errf(c, v, "'%s' must be a positive number, not '%s'", key, s);
        return errf(c, v, "'%s' must be a positive number, not %s", key, describe(v));
    }
    *out = x;
    return 0;
}

static int get_str(Ctx *c, const char *key, const yaml_node_t *v, char **out)
{
    const char *s = scalar(v);
    if (!s || !*s) {
        if (s)
            return errf(c, v, "'%s' must not be empty", key);
        return errf(c, v, "'%s' must be a string, not %s", key, describe(v));
    }
    free(*out);
    *out = dupstr(s);
    return 0;
}

/* A scalar or a list of scalars. */
static int get_list(Ctx *c, const char *key, const yaml_node_t *v, StrList *out)
{
    for (int i = 0; i < out->n; i++)
        free(out->v[i]);
    free(out->v);
    out->v = NULL;
    out->n = 0;
    if (v->type == YAML_SCALAR_NODE) {
        out->v = xcalloc(1, sizeof *out->v);
        out->v[out->n++] = dupstr(scalar(v));
        return 0;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return errf(c, v, "'%s' must be a value or a list of values, not a mapping", key);
    int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0)
        return errf(c, v, "'%s' must not be an empty list", key);
    out->v = xcalloc((size_t)n, sizeof *out->v);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *e = node(c, *it);
        if (!scalar(e))
            return errf(c, e, "'%s' must be a list of values, not a list of %ss", key,
                        e->type == YAML_SEQUENCE_NODE ? "list" : "mapping");
        out->v[out->n++] = dupstr(scalar(e));
    }
    return 0;
}

static int get_ints(Ctx *c, const char *key, const yaml_node_t *v, IntList *out)
{
    StrList l = {0};
    int rc = get_list(c, key, v, &l);
    if (rc == 0) {
        free(out->v);
        out->v = xcalloc((size_t)l.n, sizeof *out->v);
        out->n = l.n;
        for (int i = 0; i < l.n && rc == 0; i++) {
            char *end;
            long x = strtol(l.v[i], &end, 10);
            if (!*l.v[i] || *end || x < 1 || x > 1000000)
                rc = errf(c, v, "'%s' must be a list of positive integers, not '%s'", key, l.v[i]);
            out->v[i] = (int)x;
        }
    }
    for (int i = 0; i < l.n; i++)
        free(l.v[i]);
    free(l.v);
    return rc;
}

static const char *const KNOWN_BACKENDS[] = {"c", "cuda", NULL};

static int check_backends(Ctx *c, const yaml_node_t *v, const StrList *b)
{
    for (int i = 0; i < b->n; i++) {
        int ok = 0;
        for (int k = 0; KNOWN_BACKENDS[k]; k++)
            ok |= strcmp(b->v[i], KNOWN_BACKENDS[k]) == 0;
        if (!ok)
            return errf(c, v, "unknown back end '%s' (known: c, cuda)", b->v[i]);
    }
    return 0;
}

typedef struct {
    StrList backends;
    IntList ranks, threads;
    int reps;
    double time_ms, timeout_s;
} Defaults;

static void copy_strlist(StrList *dst, const StrList *src)
{
    dst->v = xcalloc((size_t)src->n, sizeof *dst->v);
    dst->n = src->n;
    for (int i = 0; i < src->n; i++)
        dst->v[i] = dupstr(src->v[i]);
}

static void copy_intlist(IntList *dst, const IntList *src)
{
    dst->v = xcalloc((size_t)src->n, sizeof *dst->v);
    dst->n = src->n;
    memcpy(dst->v, src->v, (size_t)src->n * sizeof *dst->v);
}

/* Shared keys of the top level and of a model: returns 1 when handled, 0 when not the
 * key's business, -1 on error. */
static int common_key(Ctx *c, const char *key, const yaml_node_t *v, StrList *backends,
                      IntList *ranks, IntList *threads, int *reps, double *time_ms,
                      double *timeout_s)
{
    if (strcmp(key, "backends") == 0)
        return get_list(c, key, v, backends) || check_backends(c, v, backends) ? -1 : 1;
    if (strcmp(key, "ranks") == 0)
        return get_ints(c, key, v, ranks) ? -1 : 1;
    if (strcmp(key, "threads") == 0)
        return get_ints(c, key, v, threads) ? -1 : 1;
    if (strcmp(key, "repetitions") == 0)
        return get_int(c, key, v, 1, reps) ? -1 : 1;
    if (strcmp(key, "time_ms") == 0)
        return get_num(c, key, v, time_ms) ? -1 : 1;
    if (strcmp(key, "timeout_s") == 0)
        return get_num(c, key, v, timeout_s) ? -1 : 1;
    return 0;
}

static const char *const MODEL_KEYS[] = {"name", "file", "params", "peer", "script", "backends",
                                         "ranks", "threads", "repetitions", "time_ms",
                                         "timeout_s", NULL};
static const char *const TOP_KEYS[] = {"suite", "models", "backends", "ranks", "threads",
                                       "repetitions", "time_ms", "timeout_s", NULL};

static int file_exists(const char *p) { return access(p, R_OK) == 0; }

static char *join_path(const char *dir, const char *file)
{
    if (file[0] == '/' || !dir[0] || strcmp(dir, ".") == 0)
        return dupstr(file);
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = xcalloc(n, 1);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static char *stem(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char *s = dupstr(b);
    char *dot = strrchr(s, '.');
    if (dot && dot != s)
        *dot = 0;
    return s;
}

static int parse_model(Ctx *c, Suite *s, const yaml_node_t *mn, const Defaults *d, SuiteModel *m)
{
    m->line = (int)mn->start_mark.line + 1;
    m->reps = d->reps;
    m->time_ms = d->time_ms;
    m->timeout_s = d->timeout_s;
    copy_strlist(&m->backends, &d->backends);
    copy_intlist(&m->ranks, &d->ranks);
    copy_intlist(&m->threads, &d->threads);
    if (mn->type != YAML_MAPPING_NODE)
        return errf(c, mn, "each entry of 'models' must be a mapping (name, file, params, ...)");
    const yaml_node_t *file_node = NULL, *peer_node = NULL, *script_node = NULL;
    for (yaml_node_pair_t *p = mn->data.mapping.pairs.start; p < mn->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        if (check_key(c, k, MODEL_KEYS))
            return -1;
        const char *key = scalar(k);
        int rc = common_key(c, key, v, &m->backends, &m->ranks, &m->threads, &m->reps,
                            &m->time_ms, &m->timeout_s);
        if (rc < 0)
            return -1;
        if (rc > 0)
            continue;
        if (strcmp(key, "name") == 0) {
            if (get_str(c, key, v, &m->name))
                return -1;
        } else if (strcmp(key, "file") == 0) {
            if (get_str(c, key, v, &m->file))
                return -1;
            file_node = v;
        } else if (strcmp(key, "peer") == 0) {
            if (get_str(c, key, v, &m->peer))
                return -1;
            if (strcmp(m->peer, "brian2") != 0)
                return errf(c, v, "unknown peer '%s' (known: brian2)", m->peer);
            peer_node = v;
        } else if (strcmp(key, "script") == 0) {
            if (get_str(c, key, v, &m->script))
                return -1;
            script_node = v;
        } else if (strcmp(key, "params") == 0) {
            if (v->type != YAML_MAPPING_NODE)
                return errf(c, v, "'params' must be a mapping of name: value or name: [values]");
            int n = (int)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
            m->params = xcalloc((size_t)n, sizeof *m->params);
            for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
                yaml_node_t *pk = node(c, q->key), *pv = node(c, q->value);
                const char *pname = scalar(pk);
                if (!pname || !*pname)
                    return errf(c, pk, "parameter names must be plain names");
                for (const char *ch = pname; *ch; ch++)
                    if (!(*ch == '_' || (*ch >= 'a' && *ch <= 'z') || (*ch >= 'A' && *ch <= 'Z') ||
                          (ch > pname && *ch >= '0' && *ch <= '9')))
                        return errf(c, pk, "parameter name '%s' is not an identifier", pname);
                StrList l = {0};
                if (get_list(c, pname, pv, &l))
                    return -1;
                SuiteParam *sp = &m->params[m->nparams++];
                sp->name = dupstr(pname);
                sp->vals = l.v;
                sp->n = l.n;
            }
        }
    }
    if (!file_node)
        return errf(c, mn, "model entry has no 'file'");
    m->path = join_path(s->dir, m->file);
    if (!file_exists(m->path))
        return errf(c, file_node, "model file '%s' not found (looked for %s)", m->file, m->path);
    if (!m->name)
        m->name = stem(m->file);
    if (script_node && !peer_node)
        return errf(c, script_node, "'script' needs 'peer'");
    if (m->peer && m->script) {
        char *sp = join_path(s->dir, m->script);
        free(m->script);
        m->script = sp;
        if (!file_exists(m->script))
            return errf(c, script_node, "peer script '%s' not found", m->script);
    }
    return 0;
}

static void add_cells(Suite *s, int mi, int *cap)
{
    SuiteModel *m = &s->models[mi];
    int ncomb = 1;
    for (int p = 0; p < m->nparams; p++)
        ncomb *= m->params[p].n;
    int nb = m->peer ? 1 : m->backends.n;
    for (int comb = 0; comb < ncomb; comb++)
        for (int b = 0; b < nb; b++)
            for (int r = 0; r < m->ranks.n; r++)
                for (int t = 0; t < m->threads.n; t++) {
                    if (s->ncells == *cap) {
                        *cap = *cap ? 2 * *cap : 16;
                        s->cells = realloc(s->cells, (size_t)*cap * sizeof *s->cells);
                        if (!s->cells)
                            exit(2);
                    }
                    SuiteCell *cell = &s->cells[s->ncells++];
                    memset(cell, 0, sizeof *cell);
                    cell->model = mi;
                    cell->pvals = xcalloc((size_t)(m->nparams ? m->nparams : 1), sizeof *cell->pvals);
                    char id[1024];
                    size_t len = (size_t)snprintf(id, sizeof id, "%s", m->name);
                    int rest = comb;
                    for (int p = m->nparams - 1; p >= 0; p--) {
                        cell->pvals[p] = m->params[p].vals[rest % m->params[p].n];
                        rest /= m->params[p].n;
                    }
                    for (int p = 0; p < m->nparams && len < sizeof id; p++)
                        len += (size_t)snprintf(id + len, sizeof id - len, "-%s=%s",
                                                m->params[p].name, cell->pvals[p]);
                    cell->backend = m->peer ? m->peer : m->backends.v[b];
                    cell->ranks = m->ranks.v[r];
                    cell->threads = m->threads.v[t];
                    cell->reps = m->reps;
                    cell->time_ms = m->time_ms;
                    cell->timeout_s = m->timeout_s;
                    if (len < sizeof id)
                        snprintf(id + len, sizeof id - len, "-%s-r%d-t%d", cell->backend,
                                 cell->ranks, cell->threads);
                    /* ids name files: keep them to a safe alphabet */
                    for (char *ch = id; *ch; ch++)
                        if (!((*ch >= 'a' && *ch <= 'z') || (*ch >= 'A' && *ch <= 'Z') ||
                              (*ch >= '0' && *ch <= '9') || *ch == '.' || *ch == '_' ||
                              *ch == '-' || *ch == '=' || *ch == '+'))
                            *ch = '_';
                    cell->id = dupstr(id);
                    if (strcmp(cell->backend, "cuda") == 0 && !have_gpu())
                        cell->skip = "no GPU";
                    else if (cell->ranks > 1)
                        cell->skip = "ranks > 1 need MPI, not supported yet";
                    else if (cell->threads > 1)
                        cell->skip = "threads > 1 not supported yet";
                }
}

int suite_load(const char *path, Suite *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    err[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    s->path = dupstr(path);
    {
        char *slash = strrchr(s->path, '/');
        s->dir = slash ? dupstr(s->path) : dupstr(".");
        if (slash)
            s->dir[slash - s->path] = 0;
        if (!s->dir[0]) {
            free(s->dir);
            s->dir = dupstr("/");
        }
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%lu: YAML syntax: %s", path,
                 (unsigned long)parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "error");
        yaml_parser_delete(&parser);
        fclose(f);
        suite_free(s);
        return -1;
    }
    yaml_parser_delete(&parser);
    fclose(f);
    Ctx c = {&doc, path, err, errlen};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    int rc = 0;
    Defaults d = {0};
    d.reps = 3;
    d.time_ms = 1000;
    d.timeout_s = 600;
    const char *one[] = {"c"};
    StrList b0 = {(char **)one, 1};
    int onei = 1;
    IntList i0 = {&onei, 1};
    copy_strlist(&d.backends, &b0);
    copy_intlist(&d.ranks, &i0);
    copy_intlist(&d.threads, &i0);
    const yaml_node_t *models = NULL;
    if (!root) {
        rc = errf(&c, NULL, "empty suite");
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        rc = errf(&c, root, "a suite must be a mapping (suite, models, backends, ...)");
        goto out;
    }
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(&c, p->key), *v = node(&c, p->value);
        if ((rc = check_key(&c, k, TOP_KEYS)))
            goto out;
        const char *key = scalar(k);
        int r = common_key(&c, key, v, &d.backends, &d.ranks, &d.threads, &d.reps, &d.time_ms,
                           &d.timeout_s);
        if (r < 0) {
            rc = -1;
            goto out;
        }
        if (r > 0)
            continue;
        if (strcmp(key, "suite") == 0) {
            if ((rc = get_str(&c, key, v, &s->name)))
                goto out;
        } else if (strcmp(key, "models") == 0) {
            if (v->type != YAML_SEQUENCE_NODE) {
                rc = errf(&c, v, "'models' must be a list of models");
                goto out;
            }
            models = v;
        }
    }
    if (!models) {
        rc = errf(&c, root, "no 'models' list");
        goto out;
    }
    {
        int n = (int)(models->data.sequence.items.top - models->data.sequence.items.start);
        if (n == 0) {
            rc = errf(&c, models, "'models' is empty");
            goto out;
        }
        s->models = xcalloc((size_t)n, sizeof *s->models);
        for (yaml_node_item_t *it = models->data.sequence.items.start;
             it < models->data.sequence.items.top; it++) {
            if ((rc = parse_model(&c, s, node(&c, *it), &d, &s->models[s->nmodels++])))
                goto out;
        }
        for (int i = 0; i < s->nmodels; i++)
            for (int k = 0; k < i; k++)
                if (strcmp(s->models[i].name, s->models[k].name) == 0) {
                    rc = errf(&c, NULL, "");
                    snprintf(err, errlen, "%s:%d: model name '%s' is used twice (first on line %d)",
                             path, s->models[i].line, s->models[i].name, s->models[k].line);
                    goto out;
                }
    }
    if (!s->name)
        s->name = stem(path);
    {
        int cap = 0;
        for (int i = 0; i < s->nmodels; i++)
            add_cells(s, i, &cap);
    }
out:
    for (int i = 0; i < d.backends.n; i++)
        free(d.backends.v[i]);
    free(d.backends.v);
    free(d.ranks.v);
    free(d.threads.v);
    yaml_document_delete(&doc);
    if (rc)
        suite_free(s); /* nothing half-built survives an error */
    return rc ? -1 : 0;
}

void suite_free(Suite *s)
{
    for (int i = 0; i < s->nmodels; i++) {
        SuiteModel *m = &s->models[i];
        free(m->name);
        free(m->file);
        free(m->path);
        free(m->peer);
        free(m->script);
        for (int p = 0; p < m->nparams; p++) {
            for (int k = 0; k < m->params[p].n; k++)
                free(m->params[p].vals[k]);
            free(m->params[p].vals);
            free(m->params[p].name);
        }
        free(m->params);
        for (int b = 0; b < m->backends.n; b++)
            free(m->backends.v[b]);
        free(m->backends.v);
        free(m->ranks.v);
        free(m->threads.v);
    }
    for (int i = 0; i < s->ncells; i++) {
        free(s->cells[i].id);
        free(s->cells[i].pvals);
    }
    free(s->cells);
    free(s->models);
    free(s->name);
    free(s->path);
    free(s->dir);
    memset(s, 0, sizeof *s);
}
