/*
 * rt_config.c - the YAML run config (libyaml document API) and --set key=value overrides.
 *
 * Every key is validated; errors are written to the caller's buffer as
 * "<file>:<line>: <message>" (1-based line of the offending node) or, for --set,
 * "--set '<assignment>': <message>".  A config is applied to a copy and only committed
 * when the whole document is valid.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "snnrt.h"
#include "rt_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *const KEYS[] = {"duration", "seed", "output", "record", "quiet", "params",
                                   "threads", "step_threads", "blocks", "exchange", "exchange_interval",
                                   "cuda_graph_steps", "spike_times", "finite_check", "data",
                                   "checkpoint", "custom_updates", "datasets", "train", "batch",
                                   "lane_offset", "synapse_pages"};
#define N_KEYS (int)(sizeof KEYS / sizeof KEYS[0])

typedef struct ctx {
    snn_config *cfg;
    int n_pops;
    const char *const *pop_names;
    char *err;
    size_t errlen;
    const char *name;   /* file name for "<file>:<line>: ", or NULL */
    const char *assign; /* the --set assignment when name is NULL */
} ctx;

/* A value: a scalar's text, or a mapping / sequence node of a YAML document. */
enum { V_SCALAR, V_MAP, V_SEQ };
typedef struct val {
    int kind;
    const char *text; /* V_SCALAR */
    size_t line;      /* 1-based; 0 for --set */
    yaml_document_t *doc;
    yaml_node_t *node;
} val;

__attribute__((format(printf, 3, 4))) static int fail(ctx *c, size_t line, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->err && c->errlen) {
        if (c->name)
            snprintf(c->err, c->errlen, "%s:%zu: %s", c->name, line, msg);
        else
            snprintf(c->err, c->errlen, "--set '%s': %s", c->assign, msg);
    }
    return -1;
}

/* "'abc'", "nothing", "a mapping", "a list" */
static const char *describe(const val *v, char *buf, size_t n)
{
    if (v->kind == V_MAP)
        return "a mapping";
    if (v->kind == V_SEQ)
        return "a list";
    if (!v->text[0])
        return "nothing";
    snprintf(buf, n, "'%s'", v->text);
    return buf;
}

/* ------------------------------------------------------------------------------------- */

size_t snn_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 255 || lb > 255)
        return (size_t)-1;
    size_t row[256];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* The closest candidate within max(1, len/3) edits of word, or NULL.  A candidate that
 * needs as many edits as the word has characters ('Q' -> 'E') is no suggestion. */
static const char *suggest(const char *word, const char *const *cands, int n)
{
    size_t len = strlen(word), limit = len / 3;
    if (limit < 1)
        limit = 1;
    if (limit >= len)
        limit = len ? len - 1 : 0;
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (int i = 0; i < n; i++) {
        size_t d = snn_edit_distance(word, cands[i]);
        if (d <= limit && d < best_d) {
            best = cands[i];
            best_d = d;
        }
    }
    return best;
}

static void join_names(char *buf, size_t n, const char *const *names, int count)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < count && used + 1 < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (count == 0)
        snprintf(buf, n, "none");
}

/* ------------------------------------------------------------------------------------- */

static int strcasecmp_ascii_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = (*a >= 'A' && *a <= 'Z') ? *a + 32 : *a;
        int y = (*b >= 'A' && *b <= 'Z') ? *b + 32 : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static int parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes"}, *const no[] = {"false", "no"};
    for (int i = 0; i < 2; i++) {
        if (strcasecmp_ascii_eq(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (strcasecmp_ascii_eq(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int apply_record(ctx *c, const char *pop, size_t key_line, const val *v, const char *what)
{
    char got[600], names[1024];
    int p = -1;
    for (int i = 0; i < c->n_pops; i++) {
        if (strcmp(c->pop_names[i], pop) == 0) {
            p = i;
            break;
        }
    }
    if (p < 0) {
        const char *s = suggest(pop, c->pop_names, c->n_pops);
        join_names(names, sizeof names, c->pop_names, c->n_pops);
        if (s)
            return fail(c, key_line,
                        "unknown population '%s' in 'record' (did you mean '%s'? populations: %s)",
                        pop, s, names);
        return fail(c, key_line, "unknown population '%s' in 'record' (populations: %s)", pop,
                    names);
    }
    if (v->kind == V_SCALAR && strcmp(v->text, "spikes") == 0)
        c->cfg->record[p] = 1;
    else if (v->kind == V_SCALAR && strcmp(v->text, "none") == 0)
        c->cfg->record[p] = 0;
    else
        return fail(c, v->line ? v->line : key_line, "'%s' must be 'spikes' or 'none' (got %s)",
                    what, describe(v, got, sizeof got));
    return 0;
}

static size_t node_line(const yaml_node_t *n)
{
    return n->start_mark.line + 1;
}

static val make_val(yaml_document_t *doc, yaml_node_t *n, size_t key_line)
{
    val v = {V_SCALAR, "", key_line, doc, n};
    if (n->type == YAML_MAPPING_NODE)
        v.kind = V_MAP;
    else if (n->type == YAML_SEQUENCE_NODE)
        v.kind = V_SEQ;
    else
        v.text = (const char *)n->data.scalar.value;
    /* An empty value ("duration:") is reported on the line of its key. */
    if (!(v.kind == V_SCALAR && v.text[0] == '\0'))
        v.line = node_line(n);
    return v;
}

/* One runtime parameter value: stored with where it came from; snn_main checks the name
 * against the model's runtime parameters. */
/* Where a value came from, for later messages: "<file>:<line>" or "--set '<k=v>'". */
static void set_where(const ctx *c, char *where, size_t n, size_t line)
{
    if (c->name)
        snprintf(where, n, "%s:%zu", c->name, line);
    else
        snprintf(where, n, "--set '%s'", c->assign);
}

/* data.<name> = file: another file for one of the model's data files (checked against the
 * model's files after the build, snn_data_finish). */
static int apply_data(ctx *c, const char *name, size_t line, const val *v)
{
    snn_config *cfg = c->cfg;
    char got[96];
    if (v->kind != V_SCALAR || !v->text[0])
        return fail(c, line, "'data.%s' must be a file name (a .npy file) (got %s)", name,
                    describe(v, got, sizeof got));
    if (strlen(v->text) >= sizeof cfg->data[0].path || strlen(name) >= sizeof cfg->data[0].name)
        return fail(c, line, "'data.%s': the name is too long", name);
    int k = 0;
    while (k < cfg->n_data && strcmp(cfg->data[k].name, name) != 0)
        k++;
    if (k == cfg->n_data) {
        if (k == SNN_MAX_DATA_FILES)
            return fail(c, line, "too many 'data' files (at most %d)", SNN_MAX_DATA_FILES);
        cfg->n_data++;
    }
    snprintf(cfg->data[k].name, sizeof cfg->data[k].name, "%s", name);
    snprintf(cfg->data[k].path, sizeof cfg->data[k].path, "%s", v->text);
    set_where(c, cfg->data[k].where, sizeof cfg->data[k].where, line);
    return 0;
}

/* spike_times.<pop> = file: the times of a spike_source_array population, read at run time
 * (the population's kind is checked by snn_main, which knows the model). */
static int apply_spike_times(ctx *c, const char *pop, size_t line, const val *v)
{
    snn_config *cfg = c->cfg;
    char got[96];
    int known = 0;
    for (int i = 0; i < c->n_pops; i++)
        known |= strcmp(c->pop_names[i], pop) == 0;
    if (!known) {
        const char *s = suggest(pop, c->pop_names, c->n_pops);
        return fail(c, line, "'spike_times': the model has no population '%s'%s%s%s", pop,
                    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    if (v->kind != V_SCALAR || !v->text[0])
        return fail(c, line, "'spike_times.%s' must be a file name (.npy spike file or text "
                             "'neuron time_ms' lines) (got %s)", pop, describe(v, got, sizeof got));
    if (strlen(v->text) >= sizeof cfg->spike_times[0].path)
        return fail(c, line, "'spike_times.%s': the file name is too long", pop);
    int k = 0;
    while (k < cfg->n_spike_times && strcmp(cfg->spike_times[k].pop, pop) != 0)
        k++;
    if (k == cfg->n_spike_times) {
        if (k == SNN_MAX_SPIKE_FILES)
            return fail(c, line, "too many 'spike_times' (at most %d)", SNN_MAX_SPIKE_FILES);
        cfg->n_spike_times++;
    }
    snprintf(cfg->spike_times[k].pop, sizeof cfg->spike_times[k].pop, "%s", pop);
    snprintf(cfg->spike_times[k].path, sizeof cfg->spike_times[k].path, "%s", v->text);
    set_where(c, cfg->spike_times[k].where, sizeof cfg->spike_times[k].where, line);
    return 0;
}

/* A whole number from a scalar, 0 .. max; -1 if it is not one. */
static int parse_u64(const val *v, uint64_t max, uint64_t *out)
{
    const char *s = v->kind == V_SCALAR ? v->text : "";
    if (!s[0])
        return -1;
    uint64_t x = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned dig = (unsigned)(*p - '0');
        if (x > (max - dig) / 10)
            return -1;
        x = x * 10 + dig;
    }
    *out = x;
    return 0;
}

/* datasets.<pop>.<field> = value: the data set of a spike_source_dataset population (the
 * population's kind is checked by snn_main, which knows the model). */
static int apply_dataset_field(ctx *c, const char *pop, const char *field, size_t line,
                               const val *v)
{
    static const char *const fields[] = {"file", "order", "seed", "example_steps",
                                         "example_time", "start", "labels", "encode", "tau",
                                         "threshold", "limit"};
    snn_config *cfg = c->cfg;
    char got[600];
    int known = 0;
    for (int i = 0; i < c->n_pops; i++)
        known |= strcmp(c->pop_names[i], pop) == 0;
    if (!known) {
        const char *s = suggest(pop, c->pop_names, c->n_pops);
        return fail(c, line, "'datasets': the model has no population '%s'%s%s%s", pop,
                    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    int k = 0;
    while (k < cfg->n_datasets && strcmp(cfg->datasets[k].pop, pop) != 0)
        k++;
    if (k == cfg->n_datasets) {
        if (k == SNN_MAX_DATASETS)
            return fail(c, line, "too many 'datasets' (at most %d)", SNN_MAX_DATASETS);
        memset(&cfg->datasets[k], 0, sizeof cfg->datasets[k]);
        snprintf(cfg->datasets[k].pop, sizeof cfg->datasets[k].pop, "%s", pop);
        cfg->datasets[k].tau = 20.0;      /* mlGeNN's log_latency_encode_data(x, 20.0, 51) */
        cfg->datasets[k].threshold = 51.0;
        cfg->n_datasets++;
    }
    struct snn_dataset_set *d = &cfg->datasets[k];
    set_where(c, d->where, sizeof d->where, line);
    uint64_t x = 0;
    if (strcmp(field, "file") == 0) {
        if (v->kind != V_SCALAR || !v->text[0])
            return fail(c, line, "'datasets.%s.file' must be a data set directory (got %s)", pop,
                        describe(v, got, sizeof got));
        if (strlen(v->text) >= sizeof d->path)
            return fail(c, line, "'datasets.%s.file': the name is too long", pop);
        snprintf(d->path, sizeof d->path, "%s", v->text);
    } else if (strcmp(field, "order") == 0) {
        if (v->kind == V_SCALAR && strcmp(v->text, "sequential") == 0)
            d->shuffle = 0;
        else if (v->kind == V_SCALAR && strcmp(v->text, "shuffle") == 0)
            d->shuffle = 1;
        else
            return fail(c, line, "'datasets.%s.order' must be sequential or shuffle (got %s)",
                        pop, describe(v, got, sizeof got));
    } else if (strcmp(field, "seed") == 0) {
        if (parse_u64(v, UINT64_MAX, &x) != 0)
            return fail(c, line, "'datasets.%s.seed' must be a non-negative integer (got %s)",
                        pop, describe(v, got, sizeof got));
        d->seed = x;
        d->has_seed = 1;
    } else if (strcmp(field, "example_steps") == 0) {
        if (parse_u64(v, UINT32_MAX, &x) != 0 || x == 0)
            return fail(c, line, "'datasets.%s.example_steps' must be a whole number of steps "
                                 "from 1 to 4294967295 (got %s)", pop,
                        describe(v, got, sizeof got));
        d->example_steps = (uint32_t)x;
        d->example_time = 0;
    } else if (strcmp(field, "example_time") == 0) {
        char *end = NULL;
        double t = v->kind == V_SCALAR && v->text[0] ? strtod(v->text, &end) : 0;
        if (!end || *end || !(t > 0) || !isfinite(t))
            return fail(c, line, "'datasets.%s.example_time' must be a time > 0 in ms (got %s)",
                        pop, describe(v, got, sizeof got));
        d->example_time = t;
        d->example_steps = 0;
    } else if (strcmp(field, "start") == 0) {
        if (parse_u64(v, UINT64_MAX / 2, &x) != 0)
            return fail(c, line, "'datasets.%s.start' must be a non-negative integer (got %s)",
                        pop, describe(v, got, sizeof got));
        d->start = x;
    } else if (strcmp(field, "labels") == 0) {
        if (v->kind != V_SCALAR || !v->text[0])
            return fail(c, line, "'datasets.%s.labels' must be an IDX labels file (got %s)",
                        pop, describe(v, got, sizeof got));
        if (strlen(v->text) >= sizeof d->labels)
            return fail(c, line, "'datasets.%s.labels': the name is too long", pop);
        snprintf(d->labels, sizeof d->labels, "%s", v->text);
    } else if (strcmp(field, "encode") == 0) {
        if (v->kind != V_SCALAR || strcmp(v->text, "log_latency") != 0)
            return fail(c, line, "'datasets.%s.encode' must be log_latency (the one encoding "
                                 "of IDX images; got %s)", pop, describe(v, got, sizeof got));
    } else if (strcmp(field, "tau") == 0 || strcmp(field, "threshold") == 0) {
        char *end = NULL;
        double t = v->kind == V_SCALAR && v->text[0] ? strtod(v->text, &end) : 0;
        int tau = field[0] == 't' && field[1] == 'a';
        if (!end || *end || !isfinite(t) || (tau ? !(t > 0) : !(t >= 0 && t < 255)))
            return fail(c, line, "'datasets.%s.%s' must be %s (got %s)", pop, field,
                        tau ? "a time > 0 in ms" : "an intensity from 0 to below 255",
                        describe(v, got, sizeof got));
        *(tau ? &d->tau : &d->threshold) = t;
    } else if (strcmp(field, "limit") == 0) {
        if (parse_u64(v, UINT64_MAX / 2, &x) != 0 || x == 0)
            return fail(c, line, "'datasets.%s.limit' must be a number of examples >= 1 (got "
                                 "%s)", pop, describe(v, got, sizeof got));
        d->limit = x;
    } else {
        const char *s = suggest(field, fields, (int)(sizeof fields / sizeof fields[0]));
        return fail(c, line, "'datasets.%s': unknown key '%s'%s%s%s (keys: file, order, seed, "
                             "example_steps, example_time, start, labels, encode, tau, "
                             "threshold, limit)", pop, field,
                    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
    }
    return 0;
}

/* datasets: { In: { file: dir, ... } } */
static int apply_dataset(ctx *c, const char *pop, size_t line, const val *v)
{
    char got[96];
    if (v->kind != V_MAP)
        return fail(c, line, "'datasets.%s' must be a mapping such as { file: train, order: "
                             "shuffle } (got %s)", pop, describe(v, got, sizeof got));
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "'datasets.%s' keys must be names", pop);
        val fv = make_val(v->doc, vn, node_line(kn));
        if (apply_dataset_field(c, pop, (const char *)kn->data.scalar.value, node_line(kn),
                                &fv) != 0)
            return -1;
    }
    return 0;
}

static int apply_param(ctx *c, const char *name, size_t line, const val *v)
{
    char got[600];
    snn_config *cfg = c->cfg;
    char *end = NULL;
    double x = 0;
    errno = 0;
    if (v->kind == V_SCALAR && v->text[0])
        x = strtod(v->text, &end);
    if (!end || *end || errno == ERANGE || !isfinite(x))
        return fail(c, v->line ? v->line : line, "'params.%s' must be a number (got %s)", name,
                    describe(v, got, sizeof got));
    if (strlen(name) >= sizeof cfg->params[0].name)
        return fail(c, line, "parameter name '%s' is too long", name);
    int k = 0;
    while (k < cfg->n_params && strcmp(cfg->params[k].name, name) != 0)
        k++;
    if (k == cfg->n_params) {
        if (k == SNN_MAX_RPARAMS)
            return fail(c, line, "too many 'params' (at most %d)", SNN_MAX_RPARAMS);
        cfg->n_params++;
    }
    snprintf(cfg->params[k].name, sizeof cfg->params[k].name, "%s", name);
    cfg->params[k].value = x;
    set_where(c, cfg->params[k].where, sizeof cfg->params[k].where, v->line ? v->line : line);
    return 0;
}

/* A whole-number key in [lo, hi]: "'<key>' must be a whole number<unit> from <lo><lo_note>
 * to <hi> (got ...)" otherwise. */
static int whole_number(ctx *c, size_t line, const char *key, const char *unit, const val *v, long lo,
                        long hi, const char *lo_note, long *out)
{
    char got[600];
    char *end = NULL;
    errno = 0;
    long n = v->kind == V_SCALAR && v->text[0] ? strtol(v->text, &end, 10) : 0;
    if (!end || *end || errno == ERANGE || n < lo || n > hi)
        return fail(c, line, "'%s' must be a whole number%s from %ld%s to %ld (got %s)", key, unit, lo,
                    lo_note, hi, describe(v, got, sizeof got));
    *out = n;
    return 0;
}

/* custom_updates.<group>.<field> = v: every (a whole number of steps, 0: not periodic) or
 * at_end (true / false).  The group is checked against the model by snn_main. */
static int apply_cu(ctx *c, const char *group, const char *field, size_t line, const val *v)
{
    snn_config *cfg = c->cfg;
    char got[600];
    if (strlen(group) >= sizeof cfg->cu[0].group)
        return fail(c, line, "'custom_updates.%s': the name is too long", group);
    int k = 0;
    while (k < cfg->n_cu && strcmp(cfg->cu[k].group, group) != 0)
        k++;
    if (k == cfg->n_cu) {
        if (k == SNN_MAX_CUGROUPS)
            return fail(c, line, "too many groups in 'custom_updates' (at most %d)",
                        SNN_MAX_CUGROUPS);
        snprintf(cfg->cu[k].group, sizeof cfg->cu[k].group, "%s", group);
        cfg->cu[k].every = -1;
        cfg->cu[k].at_end = -1;
        set_where(c, cfg->cu[k].where, sizeof cfg->cu[k].where, line);
        cfg->n_cu++;
    }
    char key[300];
    snprintf(key, sizeof key, "custom_updates.%s.%s", group, field);
    if (strcmp(field, "every") == 0) {
        long n;
        if (whole_number(c, line, key, " of steps", v, 0, 2000000000, " (not periodic)", &n) != 0)
            return -1;
        cfg->cu[k].every = n;
    } else if (strcmp(field, "at_end") == 0) {
        int b;
        if (v->kind != V_SCALAR || parse_bool(v->text, &b) != 0)
            return fail(c, line, "'%s' must be true or false (got %s)", key,
                        describe(v, got, sizeof got));
        cfg->cu[k].at_end = b;
    } else {
        return fail(c, line, "unknown key '%s' (a group takes 'every' and 'at_end')", key);
    }
    return 0;
}

/* Apply top-level key 'key' (given on key_line) with value v. */
/* Each entry of mapping v (scalar keys, else 'bad_key') through apply(key, its line, value). */
static int apply_map(ctx *c, const val *v, size_t line, const char *bad_key,
                     int (*apply)(ctx *, const char *, size_t, const val *))
{
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "%s", bad_key);
        val pv = make_val(v->doc, vn, node_line(kn));
        if (apply(c, (const char *)kn->data.scalar.value, node_line(kn), &pv) != 0)
            return -1;
    }
    return 0;
}

/* checkpoint: { dir: ckpt, every_steps: N | every_seconds: T, at_end: true } */
static int apply_checkpoint(ctx *c, const char *name, size_t line, const val *v)
{
    char got[600];
    snn_config *cfg = c->cfg;
    if (strcmp(name, "dir") == 0) {
        if (v->kind != V_SCALAR || !v->text[0] || strlen(v->text) >= sizeof cfg->ckpt_dir - 32)
            return fail(c, line, "'checkpoint.dir' must be a directory name (got %s)",
                        describe(v, got, sizeof got));
        snprintf(cfg->ckpt_dir, sizeof cfg->ckpt_dir, "%s", v->text);
    } else if (strcmp(name, "every_steps") == 0) {
        long n;
        if (whole_number(c, line, "checkpoint.every_steps", " of steps", v, 0, 2000000000L,
                         " (off)", &n) != 0)
            return -1;
        cfg->ckpt_every_steps = (uint64_t)n;
    } else if (strcmp(name, "every_seconds") == 0) {
        char *end = NULL;
        double x = -1;
        errno = 0;
        if (v->kind == V_SCALAR && v->text[0])
            x = strtod(v->text, &end);
        if (!end || *end || errno == ERANGE || !(x >= 0) || !isfinite(x))
            return fail(c, line, "'checkpoint.every_seconds' must be a number of seconds >= 0 "
                                 "(got %s)", describe(v, got, sizeof got));
        cfg->ckpt_every_seconds = x;
    } else if (strcmp(name, "at_end") == 0) {
        int b;
        if (v->kind != V_SCALAR || parse_bool(v->text, &b) != 0)
            return fail(c, line, "'checkpoint.at_end' must be true or false (got %s)",
                        describe(v, got, sizeof got));
        cfg->ckpt_at_end = b;
    } else if (strcmp(name, "sync") == 0) {
        if (v->kind == V_SCALAR && strcmp(v->text, "filesystem") == 0)
            cfg->ckpt_sync_files = 0;
        else if (v->kind == V_SCALAR && strcmp(v->text, "files") == 0)
            cfg->ckpt_sync_files = 1;
        else
            return fail(c, line, "'checkpoint.sync' must be filesystem or files (got %s)",
                        describe(v, got, sizeof got));
    } else {
        return fail(c, line, "unknown key 'checkpoint.%s' (valid: dir, every_steps, "
                             "every_seconds, at_end, sync)", name);
    }
    set_where(c, cfg->ckpt_where, sizeof cfg->ckpt_where, line);
    return 0;
}

/* The keys of a run configuration: one function each, (ctx, key, line of the value, value);
 * 0 on success, -1 after fail(). */

static int key_duration(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    char *end;
    double d = 0;
    if (v->kind == V_SCALAR && v->text[0]) {
        errno = 0;
        d = strtod(v->text, &end);
        if (*end || errno == ERANGE)
            d = 0;
    }
    if (!(d > 0) || !isfinite(d))
        return fail(c, line, "'duration' must be a positive number of milliseconds (got %s)",
                    describe(v, got, sizeof got));
    c->cfg->duration_ms = d;
    return 0;
}

static int key_seed(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    const char *s = v->kind == V_SCALAR ? v->text : "";
    int ok = s[0] != '\0';
    uint64_t x = 0;
    for (const char *p = s; ok && *p; p++) {
        if (*p < '0' || *p > '9') {
            ok = 0;
            break;
        }
        unsigned dig = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - dig) / 10)
            return fail(c, line, "'seed' must be at most 18446744073709551615 (got %s)",
                        describe(v, got, sizeof got));
        x = x * 10 + dig;
    }
    if (!ok)
        return fail(c, line, "'seed' must be a non-negative integer (got %s)",
                    describe(v, got, sizeof got));
    c->cfg->seed = x;
    return 0;
}

static int key_output(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    snn_config *cfg = c->cfg;
    if (v->kind != V_SCALAR || !v->text[0])
        return fail(c, line, "'output' must be a directory name (got %s)",
                    describe(v, got, sizeof got));
    if (strlen(v->text) >= sizeof cfg->output)
        return fail(c, line, "'output' is too long (%zu characters at most)",
                    sizeof cfg->output - 1);
    snprintf(cfg->output, sizeof cfg->output, "%s", v->text);
    return 0;
}

static int key_threads(ctx *c, const char *key, size_t line, const val *v)
{
    long n;
    if (whole_number(c, line, key, "", v, 1, 1024, "", &n) != 0)
        return -1;
    c->cfg->threads = (int)n;
    return 0;
}

/* batch: N lanes of a batched model (network{ batch }), checked against the model and the
 * data sets by snn_main; lane_offset: the global lane of lane 0 (its random numbers) */
static int key_batch(ctx *c, const char *key, size_t line, const val *v)
{
    long n;
    if (whole_number(c, line, key, "", v, 1, 65536, "", &n) != 0)
        return -1;
    c->cfg->batch = (uint32_t)n;
    set_where(c, c->cfg->batch_where, sizeof c->cfg->batch_where, line);
    return 0;
}

static int key_lane_offset(ctx *c, const char *key, size_t line, const val *v)
{
    long n;
    if (whole_number(c, line, key, "", v, 0, 65535, "", &n) != 0)
        return -1;
    c->cfg->lane_offset = (uint32_t)n;
    set_where(c, c->cfg->lane_offset_where, sizeof c->cfg->lane_offset_where, line);
    return 0;
}

/* "auto" (0) or a whole number 1 .. 1024, and where it was set */
static int auto_or_count(ctx *c, const char *key, size_t line, const val *v, int *out,
                         char *where, size_t where_size)
{
    long n = 0;
    if (v->kind == V_SCALAR && strcmp(v->text, "auto") == 0)
        n = 0;
    else if (whole_number(c, line, key, "", v, 1, 1024, "", &n) != 0)
        return -1;
    *out = (int)n;
    set_where(c, where, where_size, line);
    return 0;
}

static int key_step_threads(ctx *c, const char *key, size_t line, const val *v)
{
    return auto_or_count(c, key, line, v, &c->cfg->step_threads, c->cfg->step_threads_where,
                         sizeof c->cfg->step_threads_where);
}

/* blocks: auto (default: from the model's size) or 1 .. threads (checked by snn_main) */
static int key_blocks(ctx *c, const char *key, size_t line, const val *v)
{
    return auto_or_count(c, key, line, v, &c->cfg->blocks, c->cfg->blocks_where,
                         sizeof c->cfg->blocks_where);
}

static int key_exchange(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    if (v->kind == V_SCALAR && strcmp(v->text, "collective") == 0)
        c->cfg->exchange = 0;
    else if (v->kind == V_SCALAR && strcmp(v->text, "p2p") == 0)
        c->cfg->exchange = 1;
    else
        return fail(c, line, "'exchange' must be collective or p2p (got %s)",
                    describe(v, got, sizeof got));
    return 0;
}

static int key_synapse_pages(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    if (v->kind == V_SCALAR && strcmp(v->text, "huge") == 0)
        c->cfg->synapse_pages = 0;
    else if (v->kind == V_SCALAR && strcmp(v->text, "small") == 0)
        c->cfg->synapse_pages = 1;
    else
        return fail(c, line, "'synapse_pages' must be huge or small (got %s)",
                    describe(v, got, sizeof got));
    return 0;
}

static int key_exchange_interval(ctx *c, const char *key, size_t line, const val *v)
{
    snn_config *cfg = c->cfg;
    long n;
    if (whole_number(c, line, key, " of steps", v, 1, 1000000, "", &n) != 0)
        return -1;
    cfg->exchange_interval = (uint32_t)n;
    set_where(c, cfg->exchange_interval_where, sizeof cfg->exchange_interval_where, line);
    return 0;
}

static int key_cuda_graph_steps(ctx *c, const char *key, size_t line, const val *v)
{
    long n;
    if (whole_number(c, line, key, " of steps", v, 0, 4096, " (off)", &n) != 0)
        return -1;
    c->cfg->cuda_graph_steps = (int)n;
    return 0;
}

static int key_finite_check(ctx *c, const char *key, size_t line, const val *v)
{
    long n;
    if (whole_number(c, line, key, " of steps", v, 0, 1000000000, " (off)", &n) != 0)
        return -1;
    c->cfg->finite_check = (uint32_t)n;
    return 0;
}

static int key_quiet(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    int b;
    if (v->kind != V_SCALAR || parse_bool(v->text, &b) != 0)
        return fail(c, line, "'quiet' must be true or false (got %s)",
                    describe(v, got, sizeof got));
    c->cfg->quiet = b;
    return 0;
}

/* params: { E.I_e: 500 }  or  params: { E: { I_e: 500 } } */
static int key_params(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    if (v->kind != V_MAP)
        return fail(c, line, "'params' must be a mapping such as { E.I_e: 500 } (got %s)",
                    describe(v, got, sizeof got));
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "'params' keys must be names");
        const char *k1 = (const char *)kn->data.scalar.value;
        if (vn->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
                 q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(v->doc, q->key);
                yaml_node_t *v2 = yaml_document_get_node(v->doc, q->value);
                if (!k2 || !v2 || k2->type != YAML_SCALAR_NODE)
                    return fail(c, node_line(kn), "'params.%s' keys must be names", k1);
                char full[300];
                snprintf(full, sizeof full, "%s.%s", k1, (const char *)k2->data.scalar.value);
                val pv = make_val(v->doc, v2, node_line(k2));
                if (apply_param(c, full, node_line(k2), &pv) != 0)
                    return -1;
            }
        } else {
            val pv = make_val(v->doc, vn, node_line(kn));
            if (apply_param(c, k1, node_line(kn), &pv) != 0)
                return -1;
        }
    }
    return 0;
}

/* custom_updates: { Softmax: { every: 1 }, Learn: { every: 100, at_end: true } } */
static int key_custom_updates(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    if (v->kind != V_MAP)
        return fail(c, line, "'custom_updates' must be a mapping of custom-update groups to "
                             "{ every: N, at_end: true|false } (got %s)",
                    describe(v, got, sizeof got));
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "'custom_updates' keys must be group names");
        const char *g = (const char *)kn->data.scalar.value;
        if (vn->type != YAML_MAPPING_NODE)
            return fail(c, node_line(kn), "'custom_updates.%s' must be a mapping such as "
                                          "{ every: 10, at_end: true }", g);
        for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
             q < vn->data.mapping.pairs.top; q++) {
            yaml_node_t *k2 = yaml_document_get_node(v->doc, q->key);
            yaml_node_t *v2 = yaml_document_get_node(v->doc, q->value);
            if (!k2 || !v2 || k2->type != YAML_SCALAR_NODE)
                return fail(c, node_line(kn), "'custom_updates.%s' keys must be names", g);
            val pv = make_val(v->doc, v2, node_line(k2));
            if (apply_cu(c, g, (const char *)k2->data.scalar.value, node_line(k2), &pv) != 0)
                return -1;
        }
    }
    return 0;
}

/* A key whose value is a mapping applied entry by entry: 'name' must be 'what' (a mapping
 * of ..., such as ...); each entry goes to apply. */
static int mapping_key(ctx *c, const val *v, size_t line, const char *name, const char *what,
                       const char *bad_key, int (*apply)(ctx *, const char *, size_t, const val *))
{
    char got[600];
    if (v->kind != V_MAP)
        return fail(c, line, "'%s' must be %s (got %s)", name, what,
                    describe(v, got, sizeof got));
    return apply_map(c, v, line, bad_key, apply);
}

/* spike_times: { S: input.npy } */
static int key_spike_times(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    return mapping_key(c, v, line, "spike_times",
                       "a mapping of spike source populations to files, such as "
                       "{ S: input.npy }",
                       "'spike_times' keys must be population names", apply_spike_times);
}

/* datasets: { In: { file: train, order: shuffle } } */
static int key_datasets(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    return mapping_key(c, v, line, "datasets",
                       "a mapping of spike_source_dataset populations to data sets, such as "
                       "{ In: { file: train } }",
                       "'datasets' keys must be population names", apply_dataset);
}

/* data: { w.npy: trained_w.npy } */
static int key_data(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    return mapping_key(c, v, line, "data",
                       "a mapping of the model's data file names to files, such as "
                       "{ w.npy: trained_w.npy }",
                       "'data' keys must be file names as the model gives them", apply_data);
}

/* checkpoint: { dir: ckpt, every_steps: 10000, at_end: true } */
static int key_checkpoint(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    return mapping_key(c, v, line, "checkpoint",
                       "a mapping such as { dir: ckpt, every_steps: 10000, at_end: true }",
                       "'checkpoint' keys must be names", apply_checkpoint);
}

static int key_record(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    if (v->kind != V_MAP)
        return fail(c, line,
                    "'record' must be a mapping of population names to 'spikes' or 'none' "
                    "(got %s)",
                    describe(v, got, sizeof got));
    yaml_node_t *n = v->node;
    size_t seen_line[SNN_MAX_POPS] = {0};
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn)
            continue;
        if (kn->type != YAML_SCALAR_NODE)
            return fail(c, node_line(kn), "population names in 'record' must be plain names");
        const char *pop = (const char *)kn->data.scalar.value;
        char what[300];
        snprintf(what, sizeof what, "record.%s", pop);
        val pv = make_val(v->doc, vn, node_line(kn));
        if (apply_record(c, pop, node_line(kn), &pv, what) != 0)
            return -1;
        for (int i = 0; i < c->n_pops; i++) {
            if (strcmp(c->pop_names[i], pop) != 0)
                continue;
            if (seen_line[i])
                return fail(c, node_line(kn),
                            "population '%s' appears twice in 'record' (first on line %zu)",
                            pop, seen_line[i]);
            seen_line[i] = node_line(kn);
        }
    }
    return 0;
}

/* ---- train: the training loop (rt_train.c, docs/run.md "Training loop") --------------- */

static const char *const TRAIN_KEYS[] = {"epochs", "batch", "train", "test", "shuffle", "seed",
                                         "evaluate_every", "reset", "evaluate_only", "groups",
                                         "schedule", "metrics", "save", "load", "keep",
                                         "validation"};
#define N_TRAIN_KEYS (int)(sizeof TRAIN_KEYS / sizeof TRAIN_KEYS[0])

static int train_text(ctx *c, size_t line, const char *key, const val *v, char *out, size_t n)
{
    char got[600];
    if (v->kind != V_SCALAR || !v->text[0])
        return fail(c, line, "'%s' must be a name (got %s)", key, describe(v, got, sizeof got));
    if (strlen(v->text) >= n)
        return fail(c, line, "'%s': the name is too long", key);
    snprintf(out, n, "%s", v->text);
    return 0;
}

/* train.<key> = a scalar (YAML or --set); path: "epochs", "train.In", "metrics.loss", ... */
static int apply_train_field(ctx *c, const char *path, size_t line, const val *v)
{
    struct snn_train_set *t = &c->cfg->train;
    char got[600], key[300];
    long x = 0;
    uint64_t u = 0;
    snprintf(key, sizeof key, "train.%s", path);
    if (!t->on) {
        t->on = 1;
        set_where(c, t->where, sizeof t->where, line);
    }
    if (!strcmp(path, "epochs")) {
        if (whole_number(c, line, key, "", v, 1, 1000000000L, "", &x) != 0)
            return -1;
        t->epochs = x;
        set_where(c, t->epochs_where, sizeof t->epochs_where, line);
    } else if (!strcmp(path, "batch")) {
        if (whole_number(c, line, key, "", v, 1, 1000000000L, "", &x) != 0)
            return -1;
        t->batch = x;
        set_where(c, t->batch_where, sizeof t->batch_where, line);
    } else if (!strncmp(path, "train.", 6) || !strncmp(path, "test.", 5)) {
        int tr = path[1] == 'r';
        const char *pop = path + (tr ? 6 : 5);
        int known = 0;
        for (int i = 0; i < c->n_pops; i++)
            known |= strcmp(c->pop_names[i], pop) == 0;
        if (!known) {
            const char *s = suggest(pop, c->pop_names, c->n_pops);
            return fail(c, line, "'train.%s': the model has no population '%s'%s%s%s",
                        tr ? "train" : "test", pop, s ? " (did you mean '" : "", s ? s : "",
                        s ? "'?)" : "");
        }
        if (t->pop[0] && strcmp(t->pop, pop) != 0)
            return fail(c, line, "'train.%s.%s': the training loop feeds one population ('%s')",
                        tr ? "train" : "test", pop, t->pop);
        snprintf(t->pop, sizeof t->pop, "%s", pop);
        if (train_text(c, line, key, v, tr ? t->train_path : t->test_path,
                       sizeof t->train_path) != 0)
            return -1;
        set_where(c, tr ? t->train_where : t->test_where, sizeof t->train_where, line);
    } else if (!strcmp(path, "shuffle") || !strcmp(path, "evaluate_only")) {
        int b = 0;
        if (v->kind != V_SCALAR || parse_bool(v->text, &b) != 0)
            return fail(c, line, "'%s' must be true or false (got %s)", key,
                        describe(v, got, sizeof got));
        if (path[0] == 's')
            t->shuffle = b;
        else
            t->evaluate_only = b;
    } else if (!strcmp(path, "seed")) {
        if (parse_u64(v, UINT64_MAX, &u) != 0)
            return fail(c, line, "'%s' must be a non-negative integer (got %s)", key,
                        describe(v, got, sizeof got));
        t->seed = u;
        t->has_seed = 1;
    } else if (!strcmp(path, "evaluate_every")) {
        if (whole_number(c, line, key, " of epochs", v, 0, 1000000000L, " (never)", &x) != 0)
            return -1;
        t->evaluate_every = x;
    } else if (!strcmp(path, "reset")) {
        if (v->kind == V_SCALAR && !strcmp(v->text, "example"))
            t->reset = 1;
        else if (v->kind == V_SCALAR && !strcmp(v->text, "none"))
            t->reset = 0;
        else
            return fail(c, line, "'%s' must be example or none (got %s)", key,
                        describe(v, got, sizeof got));
    } else if (!strcmp(path, "metrics.output")) {
        if (train_text(c, line, key, v, t->out_var, sizeof t->out_var) != 0)
            return -1;
        set_where(c, t->out_where, sizeof t->out_where, line);
    } else if (!strcmp(path, "metrics.loss")) {
        if (train_text(c, line, key, v, t->loss_var, sizeof t->loss_var) != 0)
            return -1;
        set_where(c, t->loss_where, sizeof t->loss_where, line);
    } else if (!strcmp(path, "save.dir")) {
        if (train_text(c, line, key, v, t->save_dir, sizeof t->save_dir) != 0)
            return -1;
        set_where(c, t->save_where, sizeof t->save_where, line);
    } else if (!strcmp(path, "save.every_epochs")) {
        if (whole_number(c, line, key, " of epochs", v, 0, 1000000000L, " (at the end only)",
                         &x) != 0)
            return -1;
        t->save_every = x;
    } else if (!strcmp(path, "validation.fraction") || !strcmp(path, "validation.count")) {
        const int frac = path[11] == 'f';
        if (t->val_on && (frac ? t->val_count > 0 : t->val_fraction > 0)) {
            if (line) /* (--set replaces the file's) */
                return fail(c, line, "'train.validation': give 'fraction' or 'count', not both");
            t->val_count = 0, t->val_fraction = 0;
        }
        if (frac) {
            char *end = NULL;
            double f = v->kind == V_SCALAR && v->text[0] ? strtod(v->text, &end) : NAN;
            if (!end || *end || !(f > 0 && f < 1))
                return fail(c, line, "'%s' must be a number between 0 and 1, both excluded (the "
                                     "held-out part of the training set; got %s)", key,
                            describe(v, got, sizeof got));
            t->val_fraction = f;
        } else {
            if (whole_number(c, line, key, " of examples", v, 1, 4294967295L, "", &x) != 0)
                return -1;
            t->val_count = x;
        }
        t->val_on = 1;
        set_where(c, t->val_where, sizeof t->val_where, line);
    } else if (!strcmp(path, "validation.seed")) {
        if (parse_u64(v, UINT64_MAX, &u) != 0)
            return fail(c, line, "'%s' must be a non-negative integer (got %s)", key,
                        describe(v, got, sizeof got));
        t->val_seed = u;
        t->val_has_seed = 1;
    } else if (!strcmp(path, "load")) {
        if (train_text(c, line, key, v, t->load_dir, sizeof t->load_dir) != 0)
            return -1;
        set_where(c, t->load_where, sizeof t->load_where, line);
    } else {
        const char *dot = strchr(path, '.');
        char first[128];
        snprintf(first, sizeof first, "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
        int known = 0;
        for (int i = 0; i < N_TRAIN_KEYS; i++)
            known |= !strcmp(first, TRAIN_KEYS[i]);
        if (!strcmp(first, "validation") && dot)
            return fail(c, line, "'train.validation': unknown key '%s' (keys: fraction, count, "
                                 "seed)", dot + 1);
        if (known)
            return fail(c, line, "'%s': give it in the run config file (lists and mappings: "
                                 "docs/run.md, Training loop)", key);
        const char *s = suggest(first, TRAIN_KEYS, N_TRAIN_KEYS);
        return fail(c, line, "'train': unknown key '%s'%s%s%s (keys: epochs, batch, train, "
                             "test, shuffle, seed, evaluate_every, reset, evaluate_only, groups, "
                             "schedule, metrics, save, load, keep, validation)", first, s ? " (did you mean '" : "",
                    s ? s : "", s ? "'?)" : "");
    }
    return 0;
}

/* One name of a list (groups, save.vars) */
static int train_list(ctx *c, const val *v, size_t line, const char *key,
                      int (*add)(ctx *, const char *, size_t, const char *), const char *arg)
{
    char got[600];
    if (v->kind == V_SCALAR && v->text[0])
        return add(c, v->text, line, arg);
    if (v->kind != V_SEQ)
        return fail(c, line, "'%s' must be a list of names such as [Learn] (got %s)", key,
                    describe(v, got, sizeof got));
    for (yaml_node_item_t *it = v->node->data.sequence.items.start;
         it < v->node->data.sequence.items.top; it++) {
        yaml_node_t *n = yaml_document_get_node(v->doc, *it);
        if (!n || n->type != YAML_SCALAR_NODE)
            return fail(c, line, "'%s' must be a list of names", key);
        if (add(c, (const char *)n->data.scalar.value, node_line(n), arg) != 0)
            return -1;
    }
    return 0;
}

static int add_group(ctx *c, const char *name, size_t line, const char *at)
{
    struct snn_train_set *t = &c->cfg->train;
    if (t->n_groups == SNN_MAX_TRAIN_GROUPS)
        return fail(c, line, "too many groups in 'train.groups' (at most %d)",
                    SNN_MAX_TRAIN_GROUPS);
    struct snn_train_group *g = &t->groups[t->n_groups++];
    memset(g, 0, sizeof *g);
    snprintf(g->name, sizeof g->name, "%s", name);
    g->at = at[0] == 'x' ? SNN_TRAIN_EXAMPLE_END : at[0] == 'b' ? SNN_TRAIN_BATCH_END
                                                               : SNN_TRAIN_EPOCH_END;
    set_where(c, g->where, sizeof g->where, line);
    return 0;
}

static int add_save_var(ctx *c, const char *name, size_t line, const char *arg)
{
    (void)arg;
    struct snn_train_set *t = &c->cfg->train;
    if (t->n_save == SNN_MAX_TRAIN_VARS)
        return fail(c, line, "too many variables in 'train.save.vars' (at most %d)",
                    SNN_MAX_TRAIN_VARS);
    snprintf(t->save_vars[t->n_save], sizeof t->save_vars[0], "%s", name);
    set_where(c, t->save_var_where[t->n_save], sizeof t->save_var_where[0], line);
    t->n_save++;
    return 0;
}

static int add_keep_var(ctx *c, const char *name, size_t line, const char *arg)
{
    (void)arg;
    struct snn_train_set *t = &c->cfg->train;
    if (t->n_keep == SNN_MAX_TRAIN_VARS)
        return fail(c, line, "too many variables in 'train.keep' (at most %d)",
                    SNN_MAX_TRAIN_VARS);
    snprintf(t->keep_vars[t->n_keep], sizeof t->keep_vars[0], "%s", name);
    set_where(c, t->keep_var_where[t->n_keep], sizeof t->keep_var_where[0], line);
    t->n_keep++;
    return 0;
}

static int train_groups(ctx *c, const val *v, size_t line)
{
    static const char *const AT[] = {"example_end", "batch_end", "epoch_end", "every_steps"};
    char got[600];
    if (v->kind != V_MAP)
        return fail(c, line, "'train.groups' must be a mapping such as { example_end: [Learn] } "
                             "(got %s)", describe(v, got, sizeof got));
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "'train.groups' keys must be names");
        const char *at = (const char *)kn->data.scalar.value;
        val gv = make_val(v->doc, vn, node_line(kn));
        char key[200];
        snprintf(key, sizeof key, "train.groups.%s", at);
        if (!strcmp(at, "every_steps")) {
            if (gv.kind != V_MAP)
                return fail(c, node_line(kn), "'train.groups.every_steps' must be a mapping of "
                                              "groups to steps, such as { Learn: 10 }");
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
                 q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(v->doc, q->key);
                yaml_node_t *v2 = yaml_document_get_node(v->doc, q->value);
                if (!k2 || !v2 || k2->type != YAML_SCALAR_NODE)
                    return fail(c, node_line(kn), "'train.groups.every_steps' keys must be "
                                                  "group names");
                val sv = make_val(v->doc, v2, node_line(k2));
                long x = 0;
                if (whole_number(c, node_line(k2), "train.groups.every_steps", " of steps", &sv,
                                 1, 4294967295L, "", &x) != 0 ||
                    add_group(c, (const char *)k2->data.scalar.value, node_line(k2), "e") != 0)
                    return -1;
                c->cfg->train.groups[c->cfg->train.n_groups - 1].at = SNN_TRAIN_EVERY_STEPS;
                c->cfg->train.groups[c->cfg->train.n_groups - 1].every = (uint32_t)x;
            }
            continue;
        }
        if (strcmp(at, "example_end") && strcmp(at, "batch_end") && strcmp(at, "epoch_end")) {
            const char *s = suggest(at, AT, 4);
            return fail(c, node_line(kn), "'train.groups': unknown boundary '%s'%s%s%s "
                                          "(example_end, batch_end, epoch_end, every_steps)", at,
                        s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
        }
        if (train_list(c, &gv, node_line(kn), key, add_group,
                       at[1] == 'x' ? "x" : at[0] == 'b' ? "b" : "p") != 0)
            return -1;
    }
    return 0;
}

static int train_schedule(ctx *c, const val *v, size_t line)
{
    struct snn_train_set *t = &c->cfg->train;
    char got[600];
    if (v->kind != V_MAP)
        return fail(c, line, "'train.schedule' must be a mapping of runtime parameters to a list "
                             "of values per epoch or { factor: 0.5, every: 10 } (got %s)",
                    describe(v, got, sizeof got));
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "'train.schedule' keys must be parameter names");
        if (t->n_sched == SNN_MAX_TRAIN_SCHED)
            return fail(c, node_line(kn), "too many schedules (at most %d)", SNN_MAX_TRAIN_SCHED);
        struct snn_train_sched *s = &t->sched[t->n_sched];
        memset(s, 0, sizeof *s);
        snprintf(s->param, sizeof s->param, "%s", (const char *)kn->data.scalar.value);
        set_where(c, s->where, sizeof s->where, node_line(kn));
        if (vn->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = vn->data.sequence.items.start;
                 it < vn->data.sequence.items.top; it++) {
                yaml_node_t *n = yaml_document_get_node(v->doc, *it);
                char *end = NULL;
                double x = n && n->type == YAML_SCALAR_NODE
                               ? strtod((const char *)n->data.scalar.value, &end) : NAN;
                if (!end || *end || !isfinite(x))
                    return fail(c, n ? node_line(n) : node_line(kn),
                                "'train.schedule.%s': the values must be numbers", s->param);
                if (s->n == SNN_MAX_SCHED_VALUES)
                    return fail(c, node_line(n), "'train.schedule.%s': at most %d values",
                                s->param, SNN_MAX_SCHED_VALUES);
                s->values[s->n++] = x;
            }
            if (!s->n)
                return fail(c, node_line(kn), "'train.schedule.%s': the list is empty",
                            s->param);
        } else if (vn->type == YAML_MAPPING_NODE) {
            s->every = 1;
            s->factor = NAN;
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
                 q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(v->doc, q->key);
                yaml_node_t *v2 = yaml_document_get_node(v->doc, q->value);
                const char *f = k2 && k2->type == YAML_SCALAR_NODE
                                    ? (const char *)k2->data.scalar.value : "";
                val fv = make_val(v->doc, v2, node_line(k2));
                if (!strcmp(f, "factor")) {
                    char *end = NULL;
                    s->factor = fv.kind == V_SCALAR ? strtod(fv.text, &end) : NAN;
                    if (!end || *end || !isfinite(s->factor))
                        return fail(c, node_line(k2), "'train.schedule.%s.factor' must be a "
                                                      "number", s->param);
                } else if (!strcmp(f, "every")) {
                    if (whole_number(c, node_line(k2), "train.schedule.every", " of epochs", &fv,
                                     1, 1000000000L, "", &s->every) != 0)
                        return -1;
                } else {
                    return fail(c, node_line(k2), "'train.schedule.%s': unknown key '%s' (keys: "
                                                  "factor, every)", s->param, f);
                }
            }
            if (!isfinite(s->factor))
                return fail(c, node_line(kn), "'train.schedule.%s' needs a factor, e.g. "
                                              "{ factor: 0.5, every: 10 }", s->param);
        } else {
            return fail(c, node_line(kn), "'train.schedule.%s' must be a list of values per "
                                          "epoch or { factor: 0.5, every: 10 }", s->param);
        }
        t->n_sched++;
    }
    return 0;
}

/* train: { epochs: 2, train: { In: train }, test: { In: test }, groups: ..., ... } */
static int key_train(ctx *c, const char *key, size_t line, const val *v)
{
    (void)key;
    char got[600];
    struct snn_train_set *t = &c->cfg->train;
    if (v->kind != V_MAP)
        return fail(c, line, "'train' must be a mapping such as { epochs: 10, train: { In: "
                             "train_dir }, test: { In: test_dir } } (got %s)",
                    describe(v, got, sizeof got));
    if (!t->on) {
        t->on = 1;
        set_where(c, t->where, sizeof t->where, line);
    }
    for (yaml_node_pair_t *pr = v->node->data.mapping.pairs.start;
         pr < v->node->data.mapping.pairs.top; pr++) {
        yaml_node_t *kn = yaml_document_get_node(v->doc, pr->key);
        yaml_node_t *vn = yaml_document_get_node(v->doc, pr->value);
        if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
            return fail(c, line, "'train' keys must be names");
        const char *k = (const char *)kn->data.scalar.value;
        val fv = make_val(v->doc, vn, node_line(kn));
        int rc;
        if (!strcmp(k, "groups")) {
            rc = train_groups(c, &fv, node_line(kn));
        } else if (!strcmp(k, "schedule")) {
            rc = train_schedule(c, &fv, node_line(kn));
        } else if (!strcmp(k, "keep")) {
            rc = train_list(c, &fv, node_line(kn), "train.keep", add_keep_var, "");
        } else if (fv.kind == V_MAP && (!strcmp(k, "train") || !strcmp(k, "test") ||
                                        !strcmp(k, "metrics") || !strcmp(k, "save") ||
                                        !strcmp(k, "validation"))) {
            rc = 0;
            for (yaml_node_pair_t *q = vn->data.mapping.pairs.start;
                 rc == 0 && q < vn->data.mapping.pairs.top; q++) {
                yaml_node_t *k2 = yaml_document_get_node(v->doc, q->key);
                yaml_node_t *v2 = yaml_document_get_node(v->doc, q->value);
                if (!k2 || !v2 || k2->type != YAML_SCALAR_NODE)
                    return fail(c, node_line(kn), "'train.%s' keys must be names", k);
                char path[300];
                snprintf(path, sizeof path, "%s.%s", k, (const char *)k2->data.scalar.value);
                val sv = make_val(v->doc, v2, node_line(k2));
                if (!strcmp(k, "validation") && strcmp(path, "validation.fraction") &&
                    strcmp(path, "validation.count") && strcmp(path, "validation.seed"))
                    return fail(c, node_line(k2), "'train.validation': unknown key '%s' (keys: "
                                "fraction, count, seed)", (const char *)k2->data.scalar.value);
                if (!strcmp(path, "save.vars"))
                    rc = train_list(c, &sv, node_line(k2), "train.save.vars", add_save_var, "");
                else
                    rc = apply_train_field(c, path, node_line(k2), &sv);
            }
        } else if (!strcmp(k, "train") || !strcmp(k, "test") || !strcmp(k, "metrics") ||
                   !strcmp(k, "save") || !strcmp(k, "validation")) {
            rc = fail(c, node_line(kn), "'train.%s' must be a mapping (got %s)", k,
                      describe(&fv, got, sizeof got));
        } else {
            rc = apply_train_field(c, k, node_line(kn), &fv);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static const struct {
    const char *name;
    int (*apply)(ctx *c, const char *key, size_t line, const val *v);
} KEY_HANDLERS[] = {
    {"duration", key_duration},
    {"seed", key_seed},
    {"output", key_output},
    {"threads", key_threads},
    {"step_threads", key_step_threads},
    {"blocks", key_blocks},
    {"batch", key_batch},
    {"lane_offset", key_lane_offset},
    {"exchange", key_exchange},
    {"exchange_interval", key_exchange_interval},
    {"cuda_graph_steps", key_cuda_graph_steps},
    {"finite_check", key_finite_check},
    {"synapse_pages", key_synapse_pages},
    {"quiet", key_quiet},
    {"params", key_params},
    {"custom_updates", key_custom_updates},
    {"spike_times", key_spike_times},
    {"datasets", key_datasets},
    {"data", key_data},
    {"checkpoint", key_checkpoint},
    {"record", key_record},
    {"train", key_train},
};

static int apply_key(ctx *c, const char *key, size_t key_line, const val *v)
{
    size_t line = v->line ? v->line : key_line;
    for (size_t i = 0; i < sizeof KEY_HANDLERS / sizeof KEY_HANDLERS[0]; i++)
        if (strcmp(key, KEY_HANDLERS[i].name) == 0)
            return KEY_HANDLERS[i].apply(c, key, line, v);
    const char *s = suggest(key, KEYS, N_KEYS);
    if (s)
        return fail(c, key_line, "unknown key '%s' (did you mean '%s'?)", key, s);
    char names[256];
    join_names(names, sizeof names, KEYS, N_KEYS);
    return fail(c, key_line, "unknown key '%s' (valid keys: %s)", key, names);
}

/* ------------------------------------------------------------------------------------- */

void snn_config_defaults(snn_config *cfg, const char *model_name, uint64_t model_seed,
                         int n_pops, const char *const *pop_names)
{
    (void)n_pops;
    (void)pop_names;
    memset(cfg, 0, sizeof *cfg);
    cfg->duration_ms = 1000.0;
    cfg->seed = model_seed;
    snprintf(cfg->output, sizeof cfg->output, "%s_out", model_name ? model_name : "snn");
    for (int p = 0; p < SNN_MAX_POPS; p++)
        cfg->record[p] = -1;
    cfg->quiet = 0;
    cfg->threads = 1;
    cfg->step_threads = 0;
    cfg->step_threads_where[0] = '\0';
    /* blocks: auto, unless the environment's SNN_BLOCKS sets another default (the tests'
     * runner: SNN_BLOCKS=threads, so tests of several blocks keep them) */
    cfg->blocks = 0;
    cfg->blocks_where[0] = '\0';
    {
        const char *e = getenv("SNN_BLOCKS");
        if (e && *e && strcmp(e, "auto") != 0) {
            char *end;
            long n = strtol(e, &end, 10);
            if (strcmp(e, "threads") == 0)
                cfg->blocks = -1;
            else if (*end || n < 1 || n > 1024)
                snn_fatal("SNN_BLOCKS='%s' in the environment: 'auto', 'threads' or a number "
                          "1 .. 1024", e);
            else
                cfg->blocks = (int)n;
            snprintf(cfg->blocks_where, sizeof cfg->blocks_where, "SNN_BLOCKS in the environment");
        }
    }
    cfg->exchange = 0;
    cfg->exchange_interval = 0;
    cfg->cuda_graph_steps = 0;
    cfg->finite_check = 100;
    cfg->synapse_pages = 0;
    cfg->ckpt_sync_files = 1; /* checkpoint.sync: files (one file per rank since format 2) */
    cfg->exchange_interval_where[0] = '\0';
    cfg->source[0] = '\0';
    cfg->train.epochs = 1;
    cfg->train.batch = 1;
    cfg->train.shuffle = 1;
    cfg->train.evaluate_every = 1;
    cfg->train.reset = 1;
    cfg->train.save_every = 1;
}

static size_t line_of_offset(const char *text, size_t len, size_t off)
{
    size_t line = 1;
    for (size_t i = 0; i < off && i < len; i++)
        line += text[i] == '\n';
    return line;
}

static int parser_error(ctx *c, yaml_parser_t *ps, const char *text, size_t len)
{
    const char *problem = ps->problem ? ps->problem : "cannot parse";
    if (ps->error == YAML_MEMORY_ERROR)
        return fail(c, 1, "out of memory while reading YAML");
    if (ps->error == YAML_READER_ERROR)
        return fail(c, line_of_offset(text, len, ps->problem_offset), "invalid text: %s",
                    problem);
    size_t line = ps->problem_mark.line + 1;
    if (ps->context)
        return fail(c, line, "YAML syntax error: %s (%s on line %zu)", problem, ps->context,
                    (size_t)ps->context_mark.line + 1);
    return fail(c, line, "YAML syntax error: %s", problem);
}

int snn_config_load_string(snn_config *cfg, const char *yaml, const char *name, int n_pops,
                           const char *const *pop_names, char *err, size_t errlen)
{
    snn_config work = *cfg;
    ctx c = {&work, n_pops, pop_names, err, errlen, name ? name : "<config>", NULL};
    yaml_parser_t ps;
    yaml_document_t doc;
    size_t len = strlen(yaml);
    int rc = 0;

    if (!yaml_parser_initialize(&ps))
        return fail(&c, 1, "out of memory while reading YAML");
    yaml_parser_set_input_string(&ps, (const unsigned char *)yaml, len);
    if (!yaml_parser_load(&ps, &doc)) {
        rc = parser_error(&c, &ps, yaml, len);
        yaml_parser_delete(&ps);
        return rc;
    }

    yaml_node_t *root = yaml_document_get_root_node(&doc);
    /* no document, or an empty mapping: valid, but the caller warns (snn_main) */
    work.empty = !root || (root->type == YAML_MAPPING_NODE &&
                           root->data.mapping.pairs.top == root->data.mapping.pairs.start);
    if (root) {
        if (root->type != YAML_MAPPING_NODE) {
            val v = make_val(&doc, root, node_line(root));
            char got[600];
            rc = fail(&c, node_line(root),
                      "the run config must be a mapping of keys to values (got %s)",
                      describe(&v, got, sizeof got));
        } else {
            size_t seen[N_KEYS] = {0};
            for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
                 rc == 0 && pr < root->data.mapping.pairs.top; pr++) {
                yaml_node_t *kn = yaml_document_get_node(&doc, pr->key);
                yaml_node_t *vn = yaml_document_get_node(&doc, pr->value);
                if (!kn || !vn)
                    continue;
                if (kn->type != YAML_SCALAR_NODE) {
                    rc = fail(&c, node_line(kn), "keys must be plain names");
                    break;
                }
                const char *key = (const char *)kn->data.scalar.value;
                for (int i = 0; i < N_KEYS; i++) {
                    if (strcmp(key, KEYS[i]) != 0)
                        continue;
                    if (seen[i])
                        rc = fail(&c, node_line(kn), "duplicate key '%s' (first on line %zu)",
                                  key, seen[i]);
                    seen[i] = node_line(kn);
                }
                if (rc == 0) {
                    val v = make_val(&doc, vn, node_line(kn));
                    rc = apply_key(&c, key, node_line(kn), &v);
                }
            }
        }
    }
    yaml_document_delete(&doc);

    /* Only one document is allowed. */
    if (rc == 0 && root) {
        yaml_document_t doc2;
        if (!yaml_parser_load(&ps, &doc2)) {
            rc = parser_error(&c, &ps, yaml, len);
        } else {
            yaml_node_t *r2 = yaml_document_get_root_node(&doc2);
            if (r2)
                rc = fail(&c, node_line(r2), "a run config is a single YAML document");
            yaml_document_delete(&doc2);
        }
    }
    yaml_parser_delete(&ps);
    if (rc == 0)
        *cfg = work;
    return rc;
}

int snn_config_load_file(snn_config *cfg, const char *path, int n_pops,
                         const char *const *pop_names, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    int e = 0;
    if (!f) {
        e = errno;
    } else {
        for (;;) {
            if (cap - len < 4096) {
                cap = cap ? cap * 2 : 8192;
                char *t = realloc(text, cap + 1);
                if (!t) {
                    e = ENOMEM;
                    break;
                }
                text = t;
            }
            size_t got = fread(text + len, 1, cap - len, f);
            len += got;
            if (got == 0) {
                if (ferror(f))
                    e = errno ? errno : EIO;
                break;
            }
        }
        fclose(f);
    }
    if (e) {
        free(text);
        if (err && errlen)
            snprintf(err, errlen, "cannot read config '%s': %s", path, strerror(e));
        return -1;
    }
    if (!text) {
        text = malloc(1);
        if (!text) {
            if (err && errlen)
                snprintf(err, errlen, "cannot read config '%s': %s", path, strerror(ENOMEM));
            return -1;
        }
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        if (err && errlen)
            snprintf(err, errlen, "%s:1: the run config is not a text file (it contains NUL bytes)",
                     path);
        return -1;
    }
    int rc = snn_config_load_string(cfg, text, path, n_pops, pop_names, err, errlen);
    free(text);
    if (rc == 0)
        snprintf(cfg->source, sizeof cfg->source, "%s", path);
    return rc;
}

static void trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[a] == ' ' || s[a] == '\t')
        a++;
    memmove(s, s + a, n - a + 1);
}

int snn_config_set(snn_config *cfg, const char *assignment, int n_pops,
                   const char *const *pop_names, char *err, size_t errlen)
{
    snn_config work = *cfg;
    ctx c = {&work, n_pops, pop_names, err, errlen, NULL, assignment};
    char buf[4096 + 512];
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return fail(&c, 0, "expected key=value");
    if (strlen(assignment) >= sizeof buf)
        return fail(&c, 0, "the assignment is too long");
    memcpy(buf, assignment, strlen(assignment) + 1);
    char *key = buf, *value = buf + (eq - assignment) + 1;
    buf[eq - assignment] = '\0';
    trim(key);
    trim(value);
    if (!key[0])
        return fail(&c, 0, "expected key=value");

    val v = {V_SCALAR, value, 0, NULL, NULL};
    int rc;
    if (strncmp(key, "record.", 7) == 0 && key[7]) {
        rc = apply_record(&c, key + 7, 0, &v, key);
    } else if (strncmp(key, "params.", 7) == 0 && key[7]) {
        rc = apply_param(&c, key + 7, 0, &v);
    } else if (strncmp(key, "spike_times.", 12) == 0 && key[12]) {
        rc = apply_spike_times(&c, key + 12, 0, &v);
    } else if (strncmp(key, "datasets.", 9) == 0 && strchr(key + 9, '.')) {
        char pop[300];
        const char *dot = strchr(key + 9, '.');
        snprintf(pop, sizeof pop, "%.*s", (int)(dot - (key + 9)), key + 9);
        rc = apply_dataset_field(&c, pop, dot + 1, 0, &v);
    } else if (strncmp(key, "data.", 5) == 0 && key[5]) {
        rc = apply_data(&c, key + 5, 0, &v);
    } else if (strncmp(key, "checkpoint.", 11) == 0 && key[11]) {
        rc = apply_checkpoint(&c, key + 11, 0, &v);
    } else if (strncmp(key, "custom_updates.", 15) == 0 && strchr(key + 15, '.')) {
        char *dot = strrchr(key + 15, '.');
        *dot = '\0';
        rc = apply_cu(&c, key + 15, dot + 1, 0, &v);
    } else if (strncmp(key, "train.", 6) == 0 && key[6]) {
        rc = apply_train_field(&c, key + 6, 0, &v);
    } else if (strcmp(key, "record") == 0 || strcmp(key, "record.") == 0) {
        rc = fail(&c, 0, "use record.<population>=spikes|none");
    } else {
        int known = 0;
        for (int i = 0; i < N_KEYS; i++)
            known |= strcmp(key, KEYS[i]) == 0;
        if (!known) {
            /* Suggest among the top-level keys and record.<pop>. */
            int n = 0;
            const char **cands = malloc(sizeof *cands * (size_t)(N_KEYS + n_pops));
            char(*rec)[300] = malloc(sizeof *rec * (size_t)(n_pops > 0 ? n_pops : 1));
            if (!cands || !rec) {
                free(cands);
                free(rec);
                return fail(&c, 0, "out of memory");
            }
            for (int i = 0; i < N_KEYS; i++)
                if (strcmp(KEYS[i], "record") != 0 && strcmp(KEYS[i], "params") != 0 &&
                    strcmp(KEYS[i], "spike_times") != 0 && strcmp(KEYS[i], "data") != 0 &&
                    strcmp(KEYS[i], "checkpoint") != 0 &&
                    strcmp(KEYS[i], "custom_updates") != 0 && strcmp(KEYS[i], "datasets") != 0 &&
                    strcmp(KEYS[i], "train") != 0)
                    cands[n++] = KEYS[i];
            for (int i = 0; i < n_pops; i++) {
                snprintf(rec[i], sizeof rec[i], "record.%s", pop_names[i]);
                cands[n++] = rec[i];
            }
            const char *s = suggest(key, cands, n);
            if (s)
                rc = fail(&c, 0, "unknown key '%s' (did you mean '%s'?)", key, s);
            else
                rc = fail(&c, 0,
                          "unknown key '%s' (valid keys: duration, seed, output, quiet, "
                          "threads, step_threads, blocks, exchange, exchange_interval, "
                          "cuda_graph_steps, "
                          "finite_check, synapse_pages, batch, lane_offset, record.<population>, "
                          "params.<population>.<parameter>, spike_times.<population>, "
                          "data.<file>, checkpoint.<dir|every_steps|every_seconds|at_end|sync>, "
                          "custom_updates.<group>.every|at_end, datasets.<population>.<key>, "
                          "train.<key>)",
                          key);
            free(cands);
            free(rec);
        } else {
            rc = apply_key(&c, key, 0, &v);
        }
    }
    if (rc == 0)
        *cfg = work;
    return rc;
}

/* The custom-update groups' schedules of a run: the model's defaults, then the run
 * config's custom_updates (its groups checked against the model's).  0, or -1 with
 * "<where>: unknown custom-update group ..." in err. */
int snn_config_cu_apply(const snn_config *cfg, const snn_model *m, snn_run *run, char *err,
                        size_t errlen)
{
    for (int g = 0; g < m->n_cugroups && g < SNN_MAX_CUGROUPS; g++) {
        run->cu_every[g] = m->cugroups[g].every;
        run->cu_at_end[g] = m->cugroups[g].at_end;
    }
    for (int k = 0; k < cfg->n_cu; k++) {
        const struct snn_cupd_set *cs = &cfg->cu[k];
        int g = 0;
        while (g < m->n_cugroups && strcmp(m->cugroups[g].name, cs->group) != 0)
            g++;
        if (g == m->n_cugroups) {
            const char *names[SNN_MAX_CUGROUPS];
            for (int q = 0; q < m->n_cugroups && q < SNN_MAX_CUGROUPS; q++)
                names[q] = m->cugroups[q].name;
            const char *s = suggest(cs->group, names, m->n_cugroups);
            char list[1024];
            join_names(list, sizeof list, names, m->n_cugroups);
            if (s)
                snprintf(err, errlen, "%s: unknown custom-update group '%s' in "
                                      "'custom_updates' (did you mean '%s'? groups: %s)",
                         cs->where, cs->group, s, list);
            else
                snprintf(err, errlen, "%s: unknown custom-update group '%s' in "
                                      "'custom_updates' (groups: %s)",
                         cs->where, cs->group, list);
            return -1;
        }
        if (cs->every >= 0)
            run->cu_every[g] = (uint32_t)cs->every;
        if (cs->at_end >= 0)
            run->cu_at_end[g] = cs->at_end;
    }
    return 0;
}
