/* bench/json.c - the small JSON reader/writer behind snnbench's records (see json.h). */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("snnbench: out of memory\n", stderr);
        exit(2);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xrealloc(NULL, n);
    memcpy(d, s, n);
    return d;
}

static Json *mk(JType t)
{
    Json *j = xrealloc(NULL, sizeof *j);
    memset(j, 0, sizeof *j);
    j->type = t;
    return j;
}

Json *json_null(void) { return mk(J_NULL); }
Json *json_bool(int b) { Json *j = mk(J_BOOL); j->b = !!b; return j; }
Json *json_num(double v) { Json *j = mk(J_NUM); j->num = v; return j; }
Json *json_arr(void) { return mk(J_ARR); }
Json *json_obj(void) { return mk(J_OBJ); }

Json *json_str(const char *s)
{
    if (!s)
        return json_null();
    Json *j = mk(J_STR);
    j->str = xstrdup(s);
    return j;
}

void json_free(Json *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->n; i++) {
        json_free(j->items[i]);
        if (j->keys)
            free(j->keys[i]);
    }
    free(j->items);
    free(j->keys);
    free(j->str);
    free(j);
}

Json *json_copy(const Json *j)
{
    if (!j)
        return json_null();
    Json *c = mk(j->type);
    c->b = j->b;
    c->num = j->num;
    if (j->str)
        c->str = xstrdup(j->str);
    for (size_t i = 0; i < j->n; i++) {
        if (j->type == J_OBJ)
            json_set(c, j->keys[i], json_copy(j->items[i]));
        else
            json_push(c, json_copy(j->items[i]));
    }
    return c;
}

static void grow(Json *j)
{
    if (j->n < j->cap)
        return;
    j->cap = j->cap ? 2 * j->cap : 8;
    j->items = xrealloc(j->items, j->cap * sizeof *j->items);
    if (j->type == J_OBJ)
        j->keys = xrealloc(j->keys, j->cap * sizeof *j->keys);
}

void json_push(Json *arr, Json *v)
{
    grow(arr);
    arr->items[arr->n++] = v;
}

void json_set(Json *obj, const char *key, Json *v)
{
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) {
            json_free(obj->items[i]);
            obj->items[i] = v;
            return;
        }
    grow(obj);
    obj->keys[obj->n] = xstrdup(key);
    obj->items[obj->n++] = v;
}

const Json *json_get(const Json *obj, const char *key)
{
    if (!obj || obj->type != J_OBJ)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return obj->items[i];
    return NULL;
}

const Json *json_path(const Json *j, const char *dotted)
{
    char part[256];
    const char *p = dotted;
    while (j && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof part)
            return NULL;
        memcpy(part, p, n);
        part[n] = 0;
        if (j->type == J_ARR) {
            char *end;
            long k = strtol(part, &end, 10);
            j = (*end == 0 && k >= 0 && (size_t)k < j->n) ? j->items[k] : NULL;
        } else {
            j = json_get(j, part);
        }
        p = dot ? dot + 1 : p + n;
    }
    return j;
}

double json_num_or(const Json *j, double dflt)
{
    return (j && j->type == J_NUM) ? j->num : dflt;
}

const char *json_str_or(const Json *j, const char *dflt)
{
    return (j && j->type == J_STR) ? j->str : dflt;
}

static void fmt_num(char *buf, size_t len, double v)
{
    if (!isfinite(v)) {
        snprintf(buf, len, "null");
        return;
    }
    if (v == (double)(int64_t)v && fabs(v) < 1e15) {
        snprintf(buf, len, "%lld", (long long)v);
        return;
    }
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

const char *json_scalar_text(const Json *j, char *buf, size_t len)
{
    if (!j || j->type == J_NULL)
        snprintf(buf, len, "%s", "");
    else if (j->type == J_BOOL)
        snprintf(buf, len, "%s", j->b ? "true" : "false");
    else if (j->type == J_NUM)
        fmt_num(buf, len, j->num);
    else if (j->type == J_STR)
        snprintf(buf, len, "%s", j->str);
    else
        snprintf(buf, len, "%s", j->type == J_ARR ? "[...]" : "{...}");
    return buf;
}

/* ---- parser ---------------------------------------------------------------------- */

typedef struct {
    const char *s;
    const char *start;
    char *err;
    size_t errlen;
    int depth;
} P;

static int fail(P *p, const char *msg)
{
    if (p->err && !p->err[0]) {
        int line = 1;
        for (const char *c = p->start; c < p->s; c++)
            line += *c == '\n';
        snprintf(p->err, p->errlen, "line %d: %s", line, msg);
    }
    return -1;
}

static void ws(P *p)
{
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
        p->s++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static char *parse_string(P *p)
{
    size_t cap = 32, n = 0;
    char *buf = xrealloc(NULL, cap);
    p->s++; /* opening quote */
    for (;;) {
        unsigned char c = (unsigned char)*p->s;
        if (n + 8 > cap)
            buf = xrealloc(buf, cap *= 2);
        if (c == 0 || c < 0x20) {
            free(buf);
            fail(p, "unterminated string");
            return NULL;
        }
        p->s++;
        if (c == '"')
            break;
        if (c != '\\') {
            buf[n++] = (char)c;
            continue;
        }
        char e = *p->s++;
        switch (e) {
        case '"': buf[n++] = '"'; break;
        case '\\': buf[n++] = '\\'; break;
        case '/': buf[n++] = '/'; break;
        case 'b': buf[n++] = '\b'; break;
        case 'f': buf[n++] = '\f'; break;
        case 'n': buf[n++] = '\n'; break;
        case 'r': buf[n++] = '\r'; break;
        case 't': buf[n++] = '\t'; break;
        case 'u': {
            unsigned u;
            if (hex4(p->s, &u) != 0) {
                free(buf);
                fail(p, "bad \\u escape");
                return NULL;
            }
            p->s += 4;
            if (u >= 0xD800 && u < 0xDC00 && p->s[0] == '\\' && p->s[1] == 'u') {
                unsigned lo;
                if (hex4(p->s + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    p->s += 6;
                }
            }
            if (u < 0x80) buf[n++] = (char)u;
            else if (u < 0x800) { buf[n++] = (char)(0xC0 | (u >> 6)); buf[n++] = (char)(0x80 | (u & 0x3F)); }
            else if (u < 0x10000) { buf[n++] = (char)(0xE0 | (u >> 12)); buf[n++] = (char)(0x80 | ((u >> 6) & 0x3F)); buf[n++] = (char)(0x80 | (u & 0x3F)); }
            else { buf[n++] = (char)(0xF0 | (u >> 18)); buf[n++] = (char)(0x80 | ((u >> 12) & 0x3F)); buf[n++] = (char)(0x80 | ((u >> 6) & 0x3F)); buf[n++] = (char)(0x80 | (u & 0x3F)); }
            break;
        }
        default:
            free(buf);
            fail(p, "bad escape in string");
            return NULL;
        }
    }
    buf[n] = 0;
    return buf;
}

static Json *parse_value(P *p)
{
    ws(p);
    if (++p->depth > 200) {
        fail(p, "nesting too deep");
        return NULL;
    }
    Json *j = NULL;
    char c = *p->s;
    if (c == '{') {
        j = json_obj();
        p->s++;
        ws(p);
        if (*p->s == '}') {
            p->s++;
            goto done;
        }
        for (;;) {
            ws(p);
            if (*p->s != '"') {
                fail(p, "expected a key");
                goto bad;
            }
            char *k = parse_string(p);
            if (!k)
                goto bad;
            ws(p);
            if (*p->s != ':') {
                free(k);
                fail(p, "expected ':'");
                goto bad;
            }
            p->s++;
            Json *v = parse_value(p);
            if (!v) {
                free(k);
                goto bad;
            }
            json_set(j, k, v);
            free(k);
            ws(p);
            if (*p->s == ',') { p->s++; continue; }
            if (*p->s == '}') { p->s++; break; }
            fail(p, "expected ',' or '}'");
            goto bad;
        }
    } else if (c == '[') {
        j = json_arr();
        p->s++;
        ws(p);
        if (*p->s == ']') {
            p->s++;
            goto done;
        }
        for (;;) {
            Json *v = parse_value(p);
            if (!v)
                goto bad;
            json_push(j, v);
            ws(p);
            if (*p->s == ',') { p->s++; continue; }
            if (*p->s == ']') { p->s++; break; }
            fail(p, "expected ',' or ']'");
            goto bad;
        }
    } else if (c == '"') {
        char *s = parse_string(p);
        if (!s)
            return NULL;
        j = mk(J_STR);
        j->str = s;
    } else if (strncmp(p->s, "true", 4) == 0) {
        j = json_bool(1); p->s += 4;
    } else if (strncmp(p->s, "false", 5) == 0) {
        j = json_bool(0); p->s += 5;
    } else if (strncmp(p->s, "null", 4) == 0) {
        j = json_null(); p->s += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        errno = 0;
        double v = strtod(p->s, &end);
        if (end == p->s) {
            fail(p, "bad number");
            return NULL;
        }
        p->s = end;
        j = json_num(v);
    } else {
        fail(p, c ? "unexpected character" : "unexpected end of input");
        return NULL;
    }
done:
    p->depth--;
    return j;
bad:
    json_free(j);
    return NULL;
}

Json *json_parse(const char *text, char *err, size_t errlen)
{
    P p = {text, text, err, errlen, 0};
    if (err && errlen)
        err[0] = 0;
    Json *j = parse_value(&p);
    if (!j)
        return NULL;
    ws(&p);
    if (*p.s) {
        fail(&p, "trailing characters");
        json_free(j);
        return NULL;
    }
    return j;
}

Json *json_parse_file(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = xrealloc(NULL, cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    fclose(f);
    buf[n] = 0;
    Json *j = json_parse(buf, err, errlen);
    free(buf);
    return j;
}

/* ---- writer ---------------------------------------------------------------------- */

void json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*c < 0x20)
                fprintf(f, "\\u%04x", *c);
            else
                fputc(*c, f);
        }
    }
    fputc('"', f);
}

static void write_rec(FILE *f, const Json *j, int indent, int level)
{
    char buf[64];
    switch (j->type) {
    case J_NULL: fputs("null", f); return;
    case J_BOOL: fputs(j->b ? "true" : "false", f); return;
    case J_NUM: fmt_num(buf, sizeof buf, j->num); fputs(buf, f); return;
    case J_STR: json_write_string(f, j->str); return;
    case J_ARR:
    case J_OBJ: break;
    }
    int obj = j->type == J_OBJ;
    if (j->n == 0) {
        fputs(obj ? "{}" : "[]", f);
        return;
    }
    /* Objects nest over lines down to level 2; deeper containers stay on one line. */
    int nl = indent >= 0 && level < 2;
    fputc(obj ? '{' : '[', f);
    for (size_t i = 0; i < j->n; i++) {
        if (nl)
            fprintf(f, "\n%*s", indent * (level + 1), "");
        if (obj) {
            json_write_string(f, j->keys[i]);
            fputs(": ", f);
        }
        write_rec(f, j->items[i], indent, level + 1);
        if (i + 1 < j->n)
            fputs(nl ? "," : ", ", f);
    }
    if (nl)
        fprintf(f, "\n%*s", indent * level, "");
    fputc(obj ? '}' : ']', f);
}

void json_write(FILE *f, const Json *j, int indent)
{
    write_rec(f, j, indent, indent < 0 ? 99 : 0);
}

int json_write_file(const char *path, const Json *j)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    json_write(f, j, 2);
    fputc('\n', f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        remove(tmp);
        return -1;
    }
    return 0;
}
