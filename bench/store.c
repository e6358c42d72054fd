/* bench/store.c - the append-only record store and record selection (see store.h). */
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

void sanitize(char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '.' || *s == '_' || *s == '-' || *s == '=' || *s == '+'))
            *s = '_';
}

static int mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static void component(const Json *rec, const char *key, char *out, size_t len, const char *dflt)
{
    char buf[256];
    const char *s = json_scalar_text(record_lookup(rec, key), buf, sizeof buf);
    snprintf(out, len, "%s", *s ? s : dflt);
    sanitize(out);
    if (out[0] == '.')
        out[0] = '_';
}

static void store_paths(const char *dir, const Json *rec, char *sub, size_t sublen, char *base,
                        size_t baselen)
{
    char machine[128], commit[128], suite[128], cell[512], date[64];
    component(rec, "meta.machine", machine, sizeof machine, "unknown");
    component(rec, "meta.commit", commit, sizeof commit, "unknown");
    component(rec, "suite", suite, sizeof suite, "suite");
    component(rec, "cell.id", cell, sizeof cell, "cell");
    /* 2025-01-02T03:04:05.678Z -> 20250102T030405.678Z */
    const char *d = json_str_or(record_lookup(rec, "meta.date"), "");
    size_t k = 0;
    for (const char *c = d; *c && k + 1 < sizeof date; c++)
        if (*c != '-' && *c != ':')
            date[k++] = *c;
    date[k] = 0;
    if (!k)
        snprintf(date, sizeof date, "%ld", (long)time(NULL));
    sanitize(date);
    int rep = (int)json_num_or(json_get(rec, "rep"), 0);
    snprintf(sub, sublen, "%s/%s/%s", dir, machine, commit);
    snprintf(base, baselen, "%s/%s-%s-%d-%s", sub, suite, cell, rep, date);
}

int store_contains(const char *dir, const Json *rec)
{
    char sub[4096], base[4096], path[4200];
    store_paths(dir, rec, sub, sizeof sub, base, sizeof base);
    snprintf(path, sizeof path, "%s.json", base);
    struct stat st;
    return stat(path, &st) == 0;
}

int store_write(const char *dir, const Json *rec, char *out, size_t outlen)
{
    char sub[4096], base[4096], path[4200];
    store_paths(dir, rec, sub, sizeof sub, base, sizeof base);
    if (mkdirs(sub) != 0)
        return -1;
    for (int attempt = 0; attempt < 1000; attempt++) {
        if (attempt == 0)
            snprintf(path, sizeof path, "%s.json", base);
        else
            snprintf(path, sizeof path, "%s-%d.json", base, attempt);
        struct stat st;
        if (stat(path, &st) == 0)
            continue; /* append-only: never overwrite */
        if (json_write_file(path, rec) != 0)
            return -1;
        if (out)
            snprintf(out, outlen, "%s", path);
        return 0;
    }
    return -1;
}

void recordset_add(RecordSet *rs, Json *rec, const char *path)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 64;
        rs->rec = realloc(rs->rec, rs->cap * sizeof *rs->rec);
        rs->path = realloc(rs->path, rs->cap * sizeof *rs->path);
        if (!rs->rec || !rs->path)
            exit(2);
    }
    rs->rec[rs->n] = rec;
    rs->path[rs->n] = NULL;
    if (path) {
        rs->path[rs->n] = malloc(strlen(path) + 1);
        if (rs->path[rs->n])
            strcpy(rs->path[rs->n], path);
    }
    rs->n++;
}

void recordset_free(RecordSet *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        json_free(rs->rec[i]);
        free(rs->path[i]);
    }
    free(rs->rec);
    free(rs->path);
    memset(rs, 0, sizeof *rs);
}

int record_validate(const Json *rec, char *err, size_t errlen)
{
    if (!rec || rec->type != J_OBJ) {
        snprintf(err, errlen, "not a JSON object");
        return -1;
    }
    const char *kind = json_str_or(json_get(rec, "kind"), NULL);
    if (!kind || strcmp(kind, "snnbench-record") != 0) {
        snprintf(err, errlen, "not an snnbench record (kind)");
        return -1;
    }
    double schema = json_num_or(json_get(rec, "schema"), -1);
    if (schema != RECORD_SCHEMA) {
        snprintf(err, errlen, "unsupported schema %g (this snnbench reads %d)", schema, RECORD_SCHEMA);
        return -1;
    }
    static const struct { const char *key; JType t; } req[] = {
        {"status", J_STR}, {"suite", J_STR}, {"cell", J_OBJ}, {"cell.id", J_STR},
        {"cell.model", J_STR}, {"cell.backend", J_STR}, {"cell.params", J_OBJ},
        {"cell.ranks", J_NUM}, {"cell.threads", J_NUM}, {"cell.time_ms", J_NUM},
        {"rep", J_NUM}, {"timers", J_OBJ}, {"sanity", J_OBJ}, {"memory", J_OBJ},
        {"meta", J_OBJ}, {"meta.machine", J_STR}, {"meta.commit", J_STR},
        {"meta.date", J_STR}, {"meta.hostname", J_STR}, {"meta.os", J_STR},
        {"meta.cpu", J_STR}, {"meta.cores", J_NUM},
    };
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
        const Json *v = json_path(rec, req[i].key);
        if (!v || v->type != req[i].t) {
            snprintf(err, errlen, "'%s' is missing or has the wrong type", req[i].key);
            return -1;
        }
    }
    const char *st = json_str_or(json_get(rec, "status"), "");
    if (strcmp(st, "ok") && strcmp(st, "failed") && strcmp(st, "timeout") && strcmp(st, "skipped")) {
        snprintf(err, errlen, "bad status '%s'", st);
        return -1;
    }
    if (strcmp(st, "ok") != 0 && !json_str_or(json_get(rec, "reason"), NULL)) {
        snprintf(err, errlen, "a %s record needs a reason", st);
        return -1;
    }
    if (strcmp(st, "ok") == 0) {
        const Json *sim = json_path(rec, "timers.simulation_s");
        if (!sim || sim->type != J_NUM || sim->num < 0) {
            snprintf(err, errlen, "an ok record needs timers.simulation_s");
            return -1;
        }
    }
    return 0;
}

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static int load_dir(const char *dir, RecordSet *rs, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    char **names = NULL;
    size_t nn = 0, cap = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (nn == cap) {
            cap = cap ? 2 * cap : 32;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                exit(2);
        }
        names[nn] = malloc(strlen(e->d_name) + 1);
        if (!names[nn])
            exit(2);
        strcpy(names[nn++], e->d_name);
    }
    closedir(d);
    for (size_t i = 0; i < nn; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth < 8) {
                int k = load_dir(path, rs, depth + 1);
                if (k > 0)
                    n += k;
            }
        } else if (ends_with(names[i], ".json")) {
            char err[256];
            Json *j = json_parse_file(path, err, sizeof err);
            if (!j) {
                fprintf(stderr, "snnbench: warning: %s: %s (skipped)\n", path, err);
            } else if (!json_get(j, "kind") ||
                       strcmp(json_str_or(json_get(j, "kind"), ""), "snnbench-record") != 0) {
                json_free(j); /* some other JSON file: not ours */
            } else if (record_validate(j, err, sizeof err) != 0) {
                fprintf(stderr, "snnbench: warning: %s: %s (skipped)\n", path, err);
                json_free(j);
            } else {
                recordset_add(rs, j, path);
                n++;
            }
        }
        free(names[i]);
    }
    free(names);
    return n;
}

int store_load(const char *dir, RecordSet *rs)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    return load_dir(dir, rs, 0);
}

int filter_parse(const char *arg, Filter *f)
{
    memset(f, 0, sizeof *f);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg)
        return -1;
    size_t kl = (size_t)(eq - arg);
    if (arg[kl - 1] == '!') {
        f->neg = 1;
        kl--;
    }
    if (kl == 0 || kl >= sizeof f->key || strlen(eq + 1) >= sizeof f->val)
        return -1;
    memcpy(f->key, arg, kl);
    f->key[kl] = 0;
    snprintf(f->val, sizeof f->val, "%s", eq + 1);
    return 0;
}

int filter_parse_list(const char *arg, Filter *f, int max)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", arg);
    int n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == max || filter_parse(tok, &f[n]) != 0)
            return -1;
        n++;
    }
    return n;
}

const Json *record_lookup(const Json *rec, const char *key)
{
    const Json *v = json_path(rec, key);
    if (v || strchr(key, '.'))
        return v;
    static const char *const scopes[] = {"meta", "cell", "timers", "sanity"};
    for (size_t i = 0; i < sizeof scopes / sizeof scopes[0]; i++)
        if ((v = json_get(json_get(rec, scopes[i]), key)))
            return v;
    return NULL;
}

static int match1(const Json *rec, const Filter *f)
{
    const Json *v = record_lookup(rec, f->key);
    if (v && v->type == J_OBJ && json_get(v, "id"))
        v = json_get(v, "id"); /* cell=ID */
    char buf[512];
    const char *s = json_scalar_text(v, buf, sizeof buf);
    if (!v)
        return 0;
    if (strpbrk(f->val, "*?["))
        return fnmatch(f->val, s, 0) == 0;
    if (strcmp(s, f->val) == 0)
        return 1;
    /* commits: a prefix of at least 4 characters selects */
    const char *last = strrchr(f->key, '.');
    last = last ? last + 1 : f->key;
    if (strcmp(last, "commit") == 0 && strlen(f->val) >= 4 && strncmp(s, f->val, strlen(f->val)) == 0)
        return 1;
    if (v->type == J_NUM) {
        char *end;
        double x = strtod(f->val, &end);
        return *end == 0 && x == v->num;
    }
    return 0;
}

int record_match(const Json *rec, const Filter *f, int nf)
{
    for (int i = 0; i < nf; i++)
        if (match1(rec, &f[i]) == f[i].neg)
            return 0;
    return 1;
}

static int cmp_rec(const void *a, const void *b)
{
    const Json *x = *(Json *const *)a, *y = *(Json *const *)b;
    int c = strcmp(json_str_or(record_lookup(x, "meta.date"), ""),
                   json_str_or(record_lookup(y, "meta.date"), ""));
    if (c)
        return c;
    c = strcmp(json_str_or(record_lookup(x, "cell.id"), ""), json_str_or(record_lookup(y, "cell.id"), ""));
    if (c)
        return c;
    double r = json_num_or(json_get(x, "rep"), 0) - json_num_or(json_get(y, "rep"), 0);
    return (r > 0) - (r < 0);
}

typedef struct {
    Json *r;
    char *p;
} Pair;

static int cmp_pair(const void *a, const void *b)
{
    const Pair *x = a, *y = b;
    return cmp_rec(&x->r, &y->r);
}

void recordset_sort(RecordSet *rs)
{
    size_t n = rs->n;
    if (n < 2)
        return;
    Pair *pairs = malloc(n * sizeof *pairs);
    if (!pairs)
        exit(2);
    for (size_t i = 0; i < n; i++) {
        pairs[i].r = rs->rec[i];
        pairs[i].p = rs->path[i];
    }
    qsort(pairs, n, sizeof *pairs, cmp_pair);
    for (size_t i = 0; i < n; i++) {
        rs->rec[i] = pairs[i].r;
        rs->path[i] = pairs[i].p;
    }
    free(pairs);
}
