/*
 * template.c - the tiny template expander (a mustache subset).
 *
 * Tags: {{name}} substitutes, {{#name}}..{{/name}} repeats a list or includes on a truthy
 * value, {{^name}}..{{/name}} includes on a falsy value or an empty list, {{! text }} is a
 * comment, {{> path}} (alone on its line, at column 0) includes the template 'path' (a
 * fragment with its own uses header, rendered in the scope at that point: the parts the
 * C template and the CUDA host template share, templates/common/).  Every template
 * starts with a "{{! uses: a b c }}" header naming every name its tags refer to.  A
 * template is parsed into a flat node array first (sections record where they end),
 * checked against the header, and then rendered against a scope chain.
 * Standalone lines (only one tag plus blanks) lose their line; a standalone {{name}}
 * re-indents every line of its value by the tag's indentation.
 */
#include "snncc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- scopes ------------------------------------------------------------------------ */

typedef enum { V_STR, V_BOOL, V_LIST } ValKind;

typedef struct Entry {
    const char *name;
    ValKind kind;
    const char *str; /* V_STR */
    bool b;          /* V_BOOL */
    TmplScope **items; /* V_LIST */
    int n_items, cap_items;
} Entry;

struct TmplScope {
    TmplScope *parent;
    Entry *e;
    int n, cap;
};

TmplScope *tmpl_scope_new(TmplScope *parent)
{
    TmplScope *s = arena_alloc(sizeof *s);
    s->parent = parent;
    return s;
}

/* The entry for name in s itself (not its parents), created when absent. */
static Entry *own_entry(TmplScope *s, const char *name, ValKind kind)
{
    for (int i = 0; i < s->n; i++) {
        Entry *e = &s->e[i];
        if (strcmp(e->name, name) == 0) {
            if (e->kind != kind) /* re-set with another kind: start afresh */
                *e = (Entry){.name = e->name, .kind = kind};
            return e;
        }
    }
    s->e = arena_grow(s->e, &s->cap, s->n + 1, sizeof *s->e);
    Entry *e = &s->e[s->n++];
    *e = (Entry){.name = arena_strdup(name), .kind = kind};
    return e;
}

void tmpl_set(TmplScope *s, const char *name, const char *value)
{
    own_entry(s, name, V_STR)->str = arena_strdup(value ? value : "");
}

void tmpl_set_bool(TmplScope *s, const char *name, bool value)
{
    own_entry(s, name, V_BOOL)->b = value;
}

void tmpl_list_declare(TmplScope *s, const char *name)
{
    own_entry(s, name, V_LIST);
}

TmplScope *tmpl_list_add(TmplScope *s, const char *name)
{
    Entry *e = own_entry(s, name, V_LIST);
    e->items = arena_grow(e->items, &e->cap_items, e->n_items + 1, sizeof *e->items);
    return e->items[e->n_items++] = tmpl_scope_new(s);
}

static const Entry *lookup(const TmplScope *s, const char *name)
{
    for (; s; s = s->parent)
        for (int i = 0; i < s->n; i++)
            if (strcmp(s->e[i].name, name) == 0)
                return &s->e[i];
    return NULL;
}

/* ---- parsing ----------------------------------------------------------------------- */

typedef enum { N_TEXT, N_VAR, N_SECTION, N_PARTIAL } NodeKind;

typedef struct Node {
    NodeKind kind;
    const char *text; /* N_TEXT: the text; N_VAR: the standalone indentation */
    size_t len;
    const char *name;
    int line;
    bool inverted;   /* N_SECTION: {{^ */
    bool standalone; /* N_VAR: alone on its line */
    bool eol;        /* standalone N_VAR: its line ended with a newline */
    int end;         /* N_SECTION: index one past its last child */
    const struct Tmpl *partial; /* N_PARTIAL: the included template, parsed */
} Node;

typedef struct Tmpl {
    const char *src;
    const char *where; /* "template <tname>", the file part of messages */
    Node *nodes;
    int n, cap;
    const char **uses;
    bool *used;
    int n_uses;
    int uses_line;
    int depth; /* partials: how deep this one is included */
} Tmpl;

/* Report "template <tname>:<line>: error: ..." and return -1. */
static int fail(const Tmpl *t, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const Tmpl *t, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error((SrcLoc){t->where, line}, "%s", msg);
    return -1;
}

static Node *add_node(Tmpl *t, NodeKind kind, int line)
{
    t->nodes = arena_grow(t->nodes, &t->cap, t->n + 1, sizeof *t->nodes);
    Node *n = &t->nodes[t->n++];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    n->line = line;
    return n;
}

static void add_text(Tmpl *t, const char *s, size_t len, int line)
{
    if (len == 0)
        return;
    Node *n = add_node(t, N_TEXT, line);
    n->text = s;
    n->len = len;
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }
static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

static int count_lines(const char *from, const char *to)
{
    int n = 0;
    for (; from < to; from++)
        n += *from == '\n';
    return n;
}

/* Read the "uses:" list out of the header comment body [b, e). */
static void parse_uses(Tmpl *t, const char *b, const char *e)
{
    int cap = 0;
    b += strlen("uses:");
    for (;;) {
        while (b < e && !is_name_char(*b))
            b++;
        if (b >= e)
            break;
        const char *s = b;
        while (b < e && is_name_char(*b))
            b++;
        t->uses = arena_grow(t->uses, &cap, t->n_uses + 1, sizeof *t->uses);
        t->uses[t->n_uses++] = arena_strndup(s, (size_t)(b - s));
    }
    t->used = arena_alloc(sizeof *t->used * (size_t)(t->n_uses + 1));
}

/* Mark name as used; an error when the header does not declare it. */
static int check_declared(Tmpl *t, const char *name, int line)
{
    for (int i = 0; i < t->n_uses; i++)
        if (strcmp(t->uses[i], name) == 0)
            return t->used[i] = true, 0;
    return fail(t, line, "'%s' is not declared in the '{{! uses: }}' header", name);
}

static const Tmpl *load_partial(const char *path, int depth);

static int parse(Tmpl *t)
{
    const char *src = t->src, *p = src, *text = src; /* text: start of pending text */
    int line = 1, stack[64], depth = 0, errors = 0;
    bool header = false;

    while ((p = strstr(p, "{{")) != NULL) {
        line += count_lines(text, p);
        const char *q = strstr(p + 2, "}}");
        if (!q)
            return fail(t, line, "unterminated '%s'", "{{");
        char sigil = p[2] && strchr("#^/!>", p[2]) ? p[2] : 0;
        const char *nb = p + 2 + (sigil != 0), *ne = q;
        while (nb < ne && is_blank(*nb))
            nb++;
        while (ne > nb && is_blank(ne[-1]))
            ne--;
        if (!header) {
            if (sigil != '!' || strncmp(nb, "uses:", 5) != 0 ||
                strspn(src, " \t\r\n") != (size_t)(p - src))
                return fail(t, 1, "template must start with a '%s' header", "{{! uses: ... }}");
            parse_uses(t, nb, ne);
            header = true;
        }
        const char *name = NULL;
        if (sigil != '!') {
            const char *c = nb;
            while (c < ne && (is_name_char(*c) || (sigil == '>' && strchr("/.-", *c))))
                c++;
            if (c == nb || c != ne)
                return fail(t, line, "bad tag '%s'", arena_strndup(p, (size_t)(q + 2 - p)));
            name = arena_strndup(nb, (size_t)(ne - nb));
        }

        /* Standalone: only blanks between the line start and the tag, and between the tag
         * and the end of the line; no other tag on the line. */
        const char *b = p, *e = q + 2;
        while (b > text && is_blank(b[-1]))
            b--;
        while (is_blank(*e))
            e++;
        bool standalone = (b == src || b[-1] == '\n') && (*e == '\n' || *e == '\0' ||
                                                          (e[0] == '\r' && e[1] == '\n'));
        const char *after = standalone ? e + (*e == '\r') + (*e != '\0') : q + 2;
        add_text(t, text, (size_t)((standalone ? b : p) - text), line);

        if (sigil == '>') {
            if (!standalone || b != p)
                return fail(t, line, "the partial '%s' must stand alone on its line, at column 0",
                            name);
            if (t->depth >= 8)
                return fail(t, line, "partials nested too deeply at '%s'", name);
            Node *n = add_node(t, N_PARTIAL, line);
            n->name = name;
            if (!(n->partial = load_partial(name, t->depth + 1)))
                return fail(t, line, "cannot include the partial '%s'", name);
            line += count_lines(p, after);
            p = text = after;
            continue;
        }
        if (name && sigil != '/' && check_declared(t, name, line) < 0)
            errors++;
        if (sigil == '#' || sigil == '^') {
            if (depth == (int)(sizeof stack / sizeof *stack))
                return fail(t, line, "sections nested too deeply at '%s'", name);
            stack[depth++] = t->n;
            Node *n = add_node(t, N_SECTION, line);
            n->name = name;
            n->inverted = sigil == '^';
        } else if (sigil == '/') {
            if (depth == 0)
                return fail(t, line, "'{{/%s}}' closes no open section", name);
            Node *open = &t->nodes[stack[--depth]];
            if (strcmp(open->name, name) != 0)
                return fail(t, line, "'{{/%s}}' does not match '{{%c%s}}' opened on line %d",
                            name, open->inverted ? '^' : '#', open->name, open->line);
            open->end = t->n;
        } else if (!sigil) {
            Node *n = add_node(t, N_VAR, line);
            n->name = name;
            n->standalone = standalone;
            n->eol = standalone && *e != '\0';
            n->text = b;
            n->len = (size_t)(p - b);
        }
        line += count_lines(p, after);
        p = text = after;
    }
    if (!header)
        return fail(t, 1, "template must start with a '%s' header", "{{! uses: ... }}");
    if (depth > 0) {
        Node *open = &t->nodes[stack[depth - 1]];
        return fail(t, open->line, "section '%s' is never closed", open->name);
    }
    add_text(t, text, strlen(text), line);
    return errors ? -1 : 0;
}

/* ---- rendering --------------------------------------------------------------------- */

static bool truthy(const Entry *e)
{
    if (e->kind == V_BOOL)
        return e->b;
    if (e->kind == V_LIST)
        return e->n_items > 0;
    return e->str[0] && strcmp(e->str, "0") != 0 && strcmp(e->str, "false") != 0;
}

/* A standalone {{name}}: each line of v, indented, with the tag line's line ending. */
static void put_indented(StrBuf *out, const Node *n, const char *v)
{
    while (*v) {
        const char *nl = strchr(v, '\n');
        size_t len = nl ? (size_t)(nl - v) : strlen(v);
        if (len > 0) {
            sb_putn(out, n->text, n->len);
            sb_putn(out, v, len);
        }
        v += len + (nl != NULL);
        if (*v || n->eol)
            sb_putc(out, '\n');
    }
}

static int render(const Tmpl *t, StrBuf *out, int i, int end, const TmplScope *s)
{
    while (i < end) {
        const Node *n = &t->nodes[i];
        if (n->kind == N_TEXT) {
            sb_putn(out, n->text, n->len);
            i++;
            continue;
        }
        if (n->kind == N_PARTIAL) {
            if (render(n->partial, out, 0, n->partial->n, s) < 0)
                return -1;
            i++;
            continue;
        }
        const Entry *e = lookup(s, n->name);
        if (!e)
            return fail(t, n->line, "unknown name '%s'", n->name);
        if (n->kind == N_VAR) {
            if (e->kind == V_LIST)
                return fail(t, n->line, "'%s' is a list; use it as a section", n->name);
            const char *v = e->kind == V_BOOL ? (e->b ? "1" : "0") : e->str;
            if (n->standalone)
                put_indented(out, n, v);
            else
                sb_puts(out, v);
            i++;
            continue;
        }
        if (e->kind == V_LIST && !n->inverted) {
            for (int k = 0; k < e->n_items; k++)
                if (render(t, out, i + 1, n->end, e->items[k]) < 0)
                    return -1;
        } else if (truthy(e) != n->inverted) {
            if (render(t, out, i + 1, n->end, s) < 0)
                return -1;
        }
        i = n->end;
    }
    return 0;
}

/* Parse t; warn about names its header declares and its tags never use. */
static int parse_checked(Tmpl *t)
{
    if (parse(t) < 0)
        return -1;
    for (int i = 0; i < t->n_uses; i++)
        if (!t->used[i])
            diag_warn((SrcLoc){t->where, 1}, "'%s' is declared in the uses header but never used",
                      t->uses[i]);
    return 0;
}

/* A partial ({{> path}}): loaded like any template (tmpl_get) and parsed on its own. */
static const Tmpl *load_partial(const char *path, int depth)
{
    const char *src = tmpl_get(path);
    if (!src)
        return NULL;
    Tmpl *t = arena_alloc(sizeof *t);
    memset(t, 0, sizeof *t);
    t->src = src;
    t->where = arena_printf("template %s", path);
    t->depth = depth;
    return parse_checked(t) < 0 ? NULL : t;
}

int tmpl_expand(StrBuf *out, const char *src, const char *tname, TmplScope *scope)
{
    Tmpl t = {.src = src, .where = arena_printf("template %s", tname)};
    size_t start = out->len;
    if (parse_checked(&t) < 0)
        return -1;
    if (render(&t, out, 0, t.n, scope) < 0) {
        out->len = start; /* drop the partial output */
        out->buf[start] = '\0';
        return -1;
    }
    return 0;
}

/* ---- loading ----------------------------------------------------------------------- */

static char *g_dir;

void tmpl_set_dir(const char *dir)
{
    free(g_dir);
    g_dir = dir ? strdup(dir) : NULL;
}

const char *tmpl_get(const char *path)
{
    if (!g_dir) {
        const char *s = tmpl_builtin(path);
        if (!s)
            diag_error((SrcLoc){arena_printf("template %s", path), 0},
                       "no such built-in template");
        return s;
    }
    char *file = arena_printf("%s/%s", g_dir, path);
    FILE *f = fopen(file, "rb");
    if (!f) {
        diag_error((SrcLoc){file, 0}, "cannot read template: %s", strerror(errno));
        return NULL;
    }
    StrBuf sb;
    char buf[4096];
    size_t n;
    sb_init(&sb);
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_putn(&sb, buf, n);
    int bad = ferror(f);
    fclose(f);
    char *s = bad ? NULL : arena_strndup(sb.buf, sb.len);
    sb_release(&sb);
    if (bad)
        diag_error((SrcLoc){file, 0}, "cannot read template: read error");
    return s;
}
