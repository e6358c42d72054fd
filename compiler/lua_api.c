/*
 * lua_api.c - the model language: the C functions a model file calls.
 *
 * network{}, neuron{}, population{}, projection{}, record{}, the initialisers
 * (constant, uniform, normal), connectivity rules (all_to_all, one_to_one,
 * fixed_probability, fixed_indegree, user-defined ones from connectivity{}), postsynaptic
 * models (delta, exp_curr) and param().
 * Each function checks its arguments first (any luaL_error jumps out, so nothing is
 * allocated with malloc here: everything goes into the arena), records the caller's
 * file:line in the IR object, and returns a userdata handle.  Tables are read as records:
 * unknown keys are errors with a "did you mean" hint, and keys are sorted before they go
 * into the IR so that the generated code never depends on Lua's table order.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "lua_api.h"
#include "snn_npy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>

#include <lauxlib.h>
#include <limits.h>

typedef struct Ctx {
    Model *m;
    const LoadOptions *opt;
    const char *cur_file, *cur_text;
    int neurons_cap, pops_cap, projs_cap, sources_cap, varrecs_cap, synrecs_cap, synapses_cap;
    int initcodes_cap, snippets_cap, cus_cap, cupds_cap;
    bool *define_used;
} Ctx;

static const char ctx_key = 0;

#define MT_NEURON "snncc.neuron"
#define MT_POP    "snncc.population"
#define MT_PROJ   "snncc.projection"
#define MT_INIT   "snncc.init"
#define MT_CONN   "snncc.conn"
#define MT_PSM    "snncc.psm"
#define MT_CS     "snncc.current"
#define MT_SYN    "snncc.synapse"

static Ctx *get_ctx(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &ctx_key);
    Ctx *c = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return c;
}

/* ---- locations and errors ------------------------------------------------------------ */

/* file:line of the Lua code that called the running C function.  A call from a function
 * of the standard library (eprop_softmax{} calling custom_update{}) is located at the
 * model file's line that called that function, where there is one. */
static SrcLoc caller_loc(lua_State *L)
{
    lua_Debug ar;
    SrcLoc first = {NULL, 0};
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            const char *src = ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
            bool in_stdlib = !strcmp(src, "<stdlib>");
            if (!in_stdlib)
                return (SrcLoc){arena_strdup(src), ar.currentline};
            if (!first.file)
                first = (SrcLoc){arena_strdup(src), ar.currentline};
        }
    }
    if (first.file)
        return first;
    return (SrcLoc){get_ctx(L)->m->file, 0};
}

static int api_error(lua_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int api_error(lua_State *L, const char *fmt, ...)
{
    SrcLoc loc = caller_loc(L);
    StrBuf sb;
    sb_init(&sb);
    if (loc.line > 0)
        sb_printf(&sb, "%s:%d: error: ", loc.file, loc.line);
    else
        sb_printf(&sb, "%s: error: ", loc.file);
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&sb, fmt, ap);
    va_end(ap);
    char *msg = arena_strdup(sb.buf);
    sb_release(&sb);
    lua_pushstring(L, msg);
    return lua_error(L);
}

/* Does the match at 'hit' begin a string literal's text?  That is: right after a quote,
 * or after '[[' / '[=[' and the newlines that the string itself starts with. */
static bool at_string_start(const char *file, const char *hit)
{
    const char *q = hit;
    while (q > file && (q[-1] == '\n' || q[-1] == '\r') && hit - q < 8)
        q--;
    return q > file && (q[-1] == '"' || q[-1] == '\'' || q[-1] == '[');
}

/* The first occurrence of needle at or after 'from' that begins a string literal, else the
 * first occurrence at all, else NULL. */
static const char *find_code(const char *file, const char *from, const char *needle)
{
    const char *first = NULL;
    for (const char *h = strstr(from, needle); h; h = strstr(h + 1, needle)) {
        if (at_string_start(file, h))
            return h;
        if (!first)
            first = h;
    }
    return first;
}

/* The line in the current file where code string 'text' starts: searched from the call
 * line onward, then (a string kept in a variable) from the top of the file; falls back to
 * the call line. */
static SrcLoc locate_code(lua_State *L, SrcLoc call, const char *text)
{
    Ctx *c = get_ctx(L);
    if (!c->cur_text || !call.file || strcmp(call.file, c->cur_file) != 0)
        return call;
    const char *p = c->cur_text;
    for (int line = 1; line < call.line && *p; p++)
        if (*p == '\n')
            line++;
    /* skip leading newlines of the string: they are not where its code starts */
    int lead = 0;
    while (text[lead] == '\n')
        lead++;
    if (!text[lead])
        return call;
    const char *hit = find_code(c->cur_text, p, text + lead);
    if (!hit)
        hit = find_code(c->cur_text, c->cur_text, text + lead);
    if (!hit) {
        /* quoted strings with escapes: look for the first line only */
        const char *nl = strchr(text + lead, '\n');
        size_t n = nl ? (size_t)(nl - text - lead) : strlen(text + lead);
        char *first = arena_strndup(text + lead, n);
        hit = find_code(c->cur_text, p, first);
        if (!hit)
            hit = find_code(c->cur_text, c->cur_text, first);
    }
    if (!hit)
        return call;
    int line = 1;
    for (const char *q = c->cur_text; q < hit; q++)
        if (*q == '\n')
            line++;
    return (SrcLoc){call.file, line - lead};
}

/* ---- reading tables as records ------------------------------------------------------- */

static const char *type_name(lua_State *L, int idx)
{
    if (luaL_getmetafield(L, idx, "__name") == LUA_TSTRING) {
        const char *n = lua_tostring(L, -1);
        lua_pop(L, 1);
        if (!strncmp(n, "snncc.", 6))
            return n + 6;
        return n;
    }
    if (lua_type(L, idx) == LUA_TNUMBER) { /* "must be a finite number (got nan)" */
        double v = lua_tonumber(L, idx);
        if (isnan(v))
            return "nan";
        if (isinf(v))
            return v > 0 ? "inf" : "-inf";
    }
    return luaL_typename(L, idx);
}

/* Reject keys other than the listed names and integer keys 1..npos. */
static void check_keys(lua_State *L, int t, const char *what, const char *const *keys, int npos)
{
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (i >= 1 && i <= npos)
                continue;
            api_error(L, "%s: unexpected positional argument %lld", what, (long long)i);
        }
        if (lua_type(L, -1) != LUA_TSTRING)
            api_error(L, "%s: keys must be names (got a %s)", what, luaL_typename(L, -1));
        const char *k = lua_tostring(L, -1);
        int n = 0, found = 0;
        for (; keys[n]; n++)
            found |= !strcmp(keys[n], k);
        if (!found) {
            char hint[128];
            diag_hint(hint, sizeof hint, k, keys, n);
            api_error(L, "%s: unknown field '%s'%s", what, k, hint);
        }
    }
}

/* Push field 'key' (or positional 'pos' when > 0 and the key is absent). */
static int get_field(lua_State *L, int t, const char *key, int pos)
{
    int ty = lua_getfield(L, t, key);
    if (ty == LUA_TNIL && pos > 0) {
        lua_pop(L, 1);
        ty = lua_rawgeti(L, t, pos);
    }
    return ty;
}

static bool opt_number(lua_State *L, int t, const char *key, int pos, const char *what,
                       double *out)
{
    int ty = get_field(L, t, key, pos);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    if (ty != LUA_TNUMBER)
        api_error(L, "%s: '%s' must be a number (got %s)", what, key, type_name(L, -1));
    *out = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!isfinite(*out))
        api_error(L, "%s: '%s' must be finite (got %g)", what, key, *out);
    return true;
}

static bool opt_bool(lua_State *L, int t, const char *key, const char *what, bool *out)
{
    int ty = lua_getfield(L, t, key);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return false;
    }
    if (ty != LUA_TBOOLEAN)
        api_error(L, "%s: '%s' must be true or false (got %s)", what, key, type_name(L, -1));
    *out = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return true;
}

static const char *opt_string(lua_State *L, int t, const char *key, int pos, const char *what)
{
    int ty = get_field(L, t, key, pos);
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return NULL;
    }
    if (ty != LUA_TSTRING)
        api_error(L, "%s: '%s' must be a string (got %s)", what, key, type_name(L, -1));
    const char *s = arena_strdup(lua_tostring(L, -1));
    lua_pop(L, 1);
    return s;
}

/* An integer-valued number (sizes, degrees); 1e12 is fine, 2.5 is not. */
static int64_t to_count(lua_State *L, int idx, const char *what, const char *key)
{
    if (lua_type(L, idx) != LUA_TNUMBER)
        api_error(L, "%s: '%s' must be a number (got %s)", what, key, type_name(L, idx));
    double v = lua_tonumber(L, idx);
    if (v != floor(v) || !isfinite(v))
        api_error(L, "%s: '%s' must be a whole number (got %g)", what, key, v);
    if (v < 0)
        api_error(L, "%s: '%s' must not be negative (got %g)", what, key, v);
    if (v > 9.0e18)
        api_error(L, "%s: '%s' is too large (got %g)", what, key, v);
    return (int64_t)v;
}

/* Sorted string keys of the table at t (for reproducible output). */
static int sorted_keys(lua_State *L, int t, const char *what, const char ***out)
{
    int n = 0, cap = 0;
    const char **keys = NULL;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            api_error(L, "%s: keys must be names (got a %s)", what, luaL_typename(L, -1));
        keys = arena_grow(keys, &cap, n + 1, sizeof *keys);
        keys[n++] = arena_strdup(lua_tostring(L, -1));
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *tmp = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = tmp;
        }
    *out = keys;
    return n;
}

static void *new_handle(lua_State *L, const char *mt, void *payload)
{
    void **u = lua_newuserdatauv(L, sizeof(void *), 0);
    *u = payload;
    luaL_setmetatable(L, mt);
    return payload;
}

static void *test_handle(lua_State *L, int idx, const char *mt)
{
    void **u = luaL_testudata(L, idx, mt);
    return u ? *u : NULL;
}

/* A number or an initialiser object at idx. */
static Init to_init(lua_State *L, int idx, const char *what, const char *key)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        double v = lua_tonumber(L, idx);
        if (!isfinite(v))
            api_error(L, "%s: '%s' must be finite", what, key);
        return (Init){.kind = INIT_CONSTANT, .a = v, .lo = -INFINITY, .hi = INFINITY,
                      .loc = caller_loc(L)};
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        /* a code string: the value from other variables and parameters of the neuron */
        SrcLoc call = caller_loc(L);
        CodeStr *cs = arena_alloc(sizeof *cs);
        cs->text = arena_strdup(lua_tostring(L, idx));
        cs->loc = locate_code(L, call, cs->text);
        return (Init){.kind = INIT_EXPR, .lo = -INFINITY, .hi = INFINITY, .loc = call,
                      .code = cs};
    }
    if (lua_type(L, idx) == LUA_TTABLE && !lua_getmetatable(L, idx)) {
        /* a list of numbers: one value per element */
        int64_t n = (int64_t)lua_rawlen(L, idx);
        double *v = arena_alloc(sizeof(double) * (size_t)(n + 1));
        for (int64_t i = 0; i < n; i++) {
            if (lua_rawgeti(L, idx, (lua_Integer)i + 1) != LUA_TNUMBER ||
                !isfinite(lua_tonumber(L, -1)))
                api_error(L, "%s: '%s': entry %lld must be a finite number (got %s)", what, key,
                          (long long)i + 1, type_name(L, -1));
            v[i] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
        return (Init){.kind = INIT_ARRAY, .lo = -INFINITY, .hi = INFINITY, .loc = caller_loc(L),
                      .vals = v, .n_vals = n};
    }
    Init *in = test_handle(L, idx, MT_INIT);
    if (!in)
        api_error(L, "%s: '%s' must be a number, an initialiser such as uniform(0, 1), "
                     "from_file(\"x.npy\"), a list of numbers or a code string (got %s)", what,
                  key, type_name(L, idx));
    return *in;
}

/* A .npy file named in the model: relative names are relative to the model file; the
 * simulator reads it at run time from the absolute path.  Its header is checked now
 * (a plain array of numbers, 1-d or 2-d); the caller checks the shape. */
static Init npy_file(lua_State *L, int idx, const char *fn, const char *arg)
{
    if (lua_type(L, idx) != LUA_TSTRING)
        api_error(L, "%s: '%s' must be the name of a .npy file (got %s)", fn, arg,
                  type_name(L, idx));
    Ctx *c = get_ctx(L);
    const char *file = lua_tostring(L, idx), *path = file;
    if (file[0] != '/' && c->cur_file) {
        const char *slash = strrchr(c->cur_file, '/');
        if (slash)
            path = arena_printf("%.*s/%s", (int)(slash - c->cur_file), c->cur_file, file);
    }
    size_t len = strlen(file);
    if (len < 4 || strcmp(file + len - 4, ".npy") != 0)
        api_error(L, "%s: '%s' must be a NumPy .npy file (got '%s')", fn, arg, file);
    char abs[PATH_MAX];
    if (!realpath(path, abs))
        api_error(L, "%s: cannot read '%s': %s", fn, path, strerror(errno));
    if (strchr(abs, '"') || strchr(abs, '\\') || strchr(abs, '\n'))
        api_error(L, "%s: the path '%s' has a quote, backslash or newline", fn, abs);
    FILE *f = fopen(abs, "rb");
    if (!f)
        api_error(L, "%s: cannot read '%s': %s", fn, path, strerror(errno));
    snn_npy_info a;
    char err[1200];
    int rc = snn_npy_info_of(f, path, &a, err, sizeof err);
    fclose(f);
    if (rc != 0)
        api_error(L, "%s: %s", fn, err);
    return (Init){.kind = INIT_FILE, .lo = -INFINITY, .hi = INFINITY, .loc = caller_loc(L),
                  .file = arena_strdup(abs), .file_arg = arena_strdup(file), .ndim = a.ndim,
                  .n_vals = (int64_t)a.count, .cols = (int64_t)a.shape[1], .dtype = a.kind};
}

/* ---- network{} ------------------------------------------------------------------------ */

static bool is_ident(const char *s)
{
    if (!s || !*s || !(s[0] == '_' || ((s[0] | 32) >= 'a' && (s[0] | 32) <= 'z')))
        return false;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= '0' && *s <= '9') || ((*s | 32) >= 'a' && (*s | 32) <= 'z')))
            return false;
    return true;
}

/* A name the model gives (network, model, population, projection, variable, parameter,
 * ...): at most SNN_NAME_MAX characters, then an identifier.  A longer one is an error
 * here, naming the caller's line; the echo is shortened by diag.c. */
static bool name_ok(lua_State *L, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n > SNN_NAME_MAX) {
        lua_Debug ar;
        const char *fn = NULL;
        if (lua_getstack(L, 0, &ar) && lua_getinfo(L, "n", &ar) && ar.name)
            fn = ar.name;
        api_error(L, "%s%sname '%s' is too long (%zu characters; names have at most %d)",
                  fn ? fn : "", fn ? ": " : "", s, n, SNN_NAME_MAX);
    }
    return is_ident(s);
}

static int l_network(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    Model *m = get_ctx(L)->m;
    static const char *const keys[] = {"name", "dt", "seed", "precision", "batch", NULL};
    check_keys(L, 1, "network", keys, 0);
    if (m->has_network)
        api_error(L, "network: network{} given twice (first at %s:%d)", m->loc.file,
                  m->loc.line);
    m->has_network = true;
    m->loc = caller_loc(L);
    const char *name = opt_string(L, 1, "name", 0, "network");
    if (name) {
        if (!name_ok(L, name))
            api_error(L, "network: name '%s' must be an identifier (letters, digits, '_')",
                      name);
        m->name = name;
    }
    opt_number(L, 1, "dt", 0, "network", &m->dt);
    if (!(m->dt > 0))
        api_error(L, "network: dt must be > 0 ms (got %g)", m->dt);
    if (lua_getfield(L, 1, "seed") != LUA_TNIL) {
        int64_t s = to_count(L, -1, "network", "seed");
        m->seed = (uint64_t)s;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "batch") != LUA_TNIL) { /* batch lanes (docs/language.md) */
        int64_t b = to_count(L, -1, "network", "batch");
        if (b < 1 || b > 65536)
            api_error(L, "network: 'batch' must be in [1, 65536] (got %lld)", (long long)b);
        m->batch = (int)b;
    }
    lua_pop(L, 1);
    const char *prec = opt_string(L, 1, "precision", 0, "network");
    if (prec) {
        if (!strcmp(prec, "float"))
            m->precision = PREC_FLOAT;
        else if (!strcmp(prec, "double"))
            m->precision = PREC_DOUBLE;
        else
            api_error(L, "network: precision must be \"float\" or \"double\" (got \"%s\")", prec);
    }
    return 0;
}

/* ---- parameter constraints: valid = { name = "> 0, != other" } --------------------- */

static const char *const check_op_text[] = {">", ">=", "<", "<=", "!="};

static int named_index(const NamedValue *params, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(params[i].name, name))
            return i;
    return -1;
}

/* Read the optional 'valid' table of the model table at 1: per parameter, a list of
 * comparisons separated by commas, each an operator (> >= < <= !=) and a number or
 * another parameter's name.  Returns the number of clauses. */
static int read_valid(lua_State *L, const char *what, const NamedValue *params, int n_params,
                      ParamCheck **out)
{
    int n = 0, cap = 0;
    ParamCheck *v = NULL;
    if (lua_getfield(L, 1, "valid") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'valid' must be a table of parameter = constraint, e.g. "
                         "{ tau_m = \"> 0\", t_ref = \">= 0\" }", what);
        int t = lua_gettop(L);
        const char **names;
        int nk = sorted_keys(L, t, what, &names);
        const char **cands = arena_alloc(sizeof(char *) * (size_t)(n_params + 1));
        for (int i = 0; i < n_params; i++)
            cands[i] = params[i].name;
        for (int i = 0; i < nk; i++) {
            int k = named_index(params, n_params, names[i]);
            if (k < 0) {
                char hint[128];
                diag_hint(hint, sizeof hint, names[i], cands, n_params);
                api_error(L, "%s: valid: no parameter '%s'%s", what, names[i], hint);
            }
            lua_getfield(L, t, names[i]);
            if (lua_type(L, -1) != LUA_TSTRING)
                api_error(L, "%s: valid: the constraint of '%s' must be a string such as "
                             "\"> 0\" (got %s)", what, names[i], type_name(L, -1));
            const char *text = arena_strdup(lua_tostring(L, -1));
            lua_pop(L, 1);
            const char *q = text;
            int clauses = 0;
            for (;;) {
                while (*q == ' ' || *q == '\t')
                    q++;
                if (!*q && clauses)
                    break;
                ParamCheck pc = {.param = k, .rhs_param = -1, .text = text};
                if (!strncmp(q, ">=", 2))
                    pc.op = CHECK_GE, q += 2;
                else if (!strncmp(q, "<=", 2))
                    pc.op = CHECK_LE, q += 2;
                else if (!strncmp(q, "!=", 2))
                    pc.op = CHECK_NE, q += 2;
                else if (*q == '>')
                    pc.op = CHECK_GT, q++;
                else if (*q == '<')
                    pc.op = CHECK_LT, q++;
                else
                    api_error(L, "%s: valid: constraint \"%s\" of '%s': expected one of > >= "
                                 "< <= != at \"%s\" (e.g. \"> 0\" or \">= 0, != tau_m\")",
                              what, text, names[i], q);
                while (*q == ' ' || *q == '\t')
                    q++;
                char *end;
                pc.rhs = strtod(q, &end);
                if (end == q) {
                    const char *b = q;
                    while (*q == '_' || isalnum((unsigned char)*q))
                        q++;
                    char *id = arena_strndup(b, (size_t)(q - b));
                    pc.rhs_param = *id ? named_index(params, n_params, id) : -1;
                    if (pc.rhs_param < 0)
                        api_error(L, "%s: valid: constraint \"%s\" of '%s': expected a number "
                                     "or a parameter name at \"%s\"", what, text, names[i], b);
                } else {
                    if (!isfinite(pc.rhs))
                        api_error(L, "%s: valid: constraint \"%s\" of '%s': the bound must "
                                     "be finite", what, text, names[i]);
                    q = end;
                }
                while (*q == ' ' || *q == '\t')
                    q++;
                if (*q && *q != ',')
                    api_error(L, "%s: valid: constraint \"%s\" of '%s': expected ',' or the "
                                 "end at \"%s\"", what, text, names[i], q);
                v = arena_grow(v, &cap, n + 1, sizeof *v);
                v[n++] = pc;
                clauses++;
                if (*q == ',')
                    q++;
            }
        }
    }
    lua_pop(L, 1);
    *out = v;
    return n;
}

/* Every clause of checks against the values vals (per params): the first that fails is
 * an error at the caller's line, naming the parameter, its value and the allowed range. */
static void apply_checks(lua_State *L, const char *what, const char *kind, const char *model,
                         const NamedValue *params, const double *vals,
                         const ParamCheck *checks, int n_checks)
{
    for (int i = 0; i < n_checks; i++) {
        const ParamCheck *c = &checks[i];
        double x = vals[c->param];
        double y = c->rhs_param >= 0 ? vals[c->rhs_param] : c->rhs;
        bool ok = c->op == CHECK_GT ? x > y : c->op == CHECK_GE ? x >= y
                : c->op == CHECK_LT ? x < y : c->op == CHECK_LE ? x <= y : x != y;
        if (ok)
            continue;
        /* the whole constraint of this parameter, clause by clause */
        StrBuf sb;
        sb_init(&sb);
        for (int j = 0; j < n_checks; j++) {
            const ParamCheck *d = &checks[j];
            if (d->param != c->param)
                continue;
            sb_printf(&sb, "%s%s ", sb.len ? " and " : "", check_op_text[d->op]);
            if (d->rhs_param >= 0)
                sb_printf(&sb, "%s (= %g)", params[d->rhs_param].name, vals[d->rhs_param]);
            else
                sb_printf(&sb, "%g", d->rhs);
        }
        const char *range = arena_strdup(sb.buf);
        sb_release(&sb);
        api_error(L, "%s: parameter '%s' of %s '%s' must be %s (got %g)", what,
                  params[c->param].name, kind, model, range, x);
    }
}

static void check_named(lua_State *L, const char *what, const char *kind, const char *model,
                        const NamedValue *params, int n_params, const ParamCheck *checks,
                        int n_checks)
{
    double *vals = arena_alloc(sizeof(double) * (size_t)(n_params + 1));
    for (int i = 0; i < n_params; i++)
        vals[i] = params[i].value;
    apply_checks(L, what, kind, model, params, vals, checks, n_checks);
}

/* ---- neuron{} ------------------------------------------------------------------------- */

static CodeStr read_code(lua_State *L, int t, const char *key, SrcLoc call, const char *what)
{
    CodeStr cs = {0};
    const char *s = opt_string(L, t, key, 0, what);
    if (s) {
        cs.text = s;
        cs.loc = locate_code(L, call, s);
    }
    return cs;
}

/* An optional list of distinct names at field 'key' of the table at 1 (neuron{ egp = ...,
 * inputs = ... }): *n names, or NULL and 0 when the field is absent. */
static const char **read_names(lua_State *L, const char *key, const char *one,
                               const char *example, const char *what, int *n)
{
    const char **v = NULL;
    *n = 0;
    if (lua_getfield(L, 1, key) != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: '%s' must be a list of names, e.g. { \"%s\" }", what, key,
                      example);
        int t = lua_gettop(L);
        *n = (int)lua_rawlen(L, t);
        v = arena_alloc(sizeof(char *) * (size_t)(*n + 1));
        for (int i = 0; i < *n; i++) {
            lua_rawgeti(L, t, i + 1);
            if (lua_type(L, -1) != LUA_TSTRING || !name_ok(L, lua_tostring(L, -1)))
                api_error(L, "%s: %s entry %d must be a name (letters, digits, '_')", what, key,
                          i + 1);
            v[i] = arena_strdup(lua_tostring(L, -1));
            for (int k = 0; k < i; k++)
                if (!strcmp(v[k], v[i]))
                    api_error(L, "%s: %s '%s' listed twice", what, one, v[i]);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return v;
}

static int l_neuron(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "params", "vars", "sim", "threshold",
                                       "reset", "egp", "inputs", "valid", NULL};
    check_keys(L, 1, "neuron", keys, 0);
    NeuronModel *nm = arena_alloc(sizeof *nm);
    nm->loc = caller_loc(L);
    nm->name = opt_string(L, 1, "name", 0, "neuron");
    if (!nm->name)
        api_error(L, "neuron: missing 'name'");
    if (!name_ok(L, nm->name))
        api_error(L, "neuron: name '%s' must be an identifier (letters, digits, '_')",
                  nm->name);
    const char *what = arena_printf("neuron '%s'", nm->name);

    if (lua_getfield(L, 1, "params") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'params' must be a table of name = value", what);
        int t = lua_gettop(L);
        const char **names;
        nm->n_params = sorted_keys(L, t, what, &names);
        nm->params = arena_alloc(sizeof(NamedValue) * (size_t)(nm->n_params + 1));
        for (int i = 0; i < nm->n_params; i++) {
            lua_getfield(L, t, names[i]);
            if (lua_type(L, -1) != LUA_TNUMBER)
                api_error(L, "%s: parameter '%s' must be a number (got %s)", what, names[i],
                          type_name(L, -1));
            if (!isfinite(lua_tonumber(L, -1)))
                api_error(L, "%s: parameter '%s' must be finite (got %g)", what, names[i],
                          lua_tonumber(L, -1));
            if (!name_ok(L, names[i]))
                api_error(L, "%s: parameter name '%s' must be an identifier (letters, digits, "
                             "'_')", what, names[i]);
            nm->params[i] = (NamedValue){names[i], lua_tonumber(L, -1), nm->loc};
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "vars") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'vars' must be a table of name = initial value", what);
        int t = lua_gettop(L);
        const char **names;
        nm->n_vars = sorted_keys(L, t, what, &names);
        nm->vars = arena_alloc(sizeof(VarDef) * (size_t)(nm->n_vars + 1));
        for (int i = 0; i < nm->n_vars; i++) {
            if (!name_ok(L, names[i]))
                api_error(L, "%s: variable name '%s' must be an identifier (letters, digits, "
                             "'_')", what, names[i]);
            lua_getfield(L, t, names[i]);
            nm->vars[i].name = names[i];
            nm->vars[i].init = to_init(L, -1, what, names[i]);
            if (nm->vars[i].init.kind == INIT_FILE || nm->vars[i].init.kind == INIT_ARRAY)
                api_error(L, "%s: var '%s': one value per neuron belongs in the population's "
                             "init (population { ..., init = { %s = ... } }), not in the model",
                          what, names[i], names[i]);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    nm->n_checks = read_valid(L, what, nm->params, nm->n_params, &nm->checks);
    check_named(L, what, "neuron", nm->name, nm->params, nm->n_params, nm->checks,
                nm->n_checks);
    nm->egps = read_names(L, "egp", "egp", "I_ext", what, &nm->n_egps);
    nm->inputs = read_names(L, "inputs", "input", "I_inh", what, &nm->n_inputs);
    nm->sim = read_code(L, 1, "sim", nm->loc, what);
    nm->threshold = read_code(L, 1, "threshold", nm->loc, what);
    nm->reset = read_code(L, 1, "reset", nm->loc, what);

    Ctx *c = get_ctx(L);
    Model *m = c->m;
    m->neurons = arena_grow(m->neurons, &c->neurons_cap, m->n_neurons + 1, sizeof(void *));
    m->neurons[m->n_neurons++] = nm;
    new_handle(L, MT_NEURON, nm);
    return 1;
}

static int find_param(const NeuronModel *nm, const char *name)
{
    for (int i = 0; i < nm->n_params; i++)
        if (!strcmp(nm->params[i].name, name))
            return i;
    return -1;
}

static const char **param_names(const NeuronModel *nm)
{
    const char **v = arena_alloc(sizeof(char *) * (size_t)(nm->n_params + 1));
    for (int i = 0; i < nm->n_params; i++)
        v[i] = nm->params[i].name;
    return v;
}

/* Apply "name = value" overrides from the table at t onto a params array. */
static void apply_params(lua_State *L, int t, const NeuronModel *nm, double *vals,
                         const char *what)
{
    const char **keys;
    int n = sorted_keys(L, t, what, &keys);
    for (int i = 0; i < n; i++) {
        int k = find_param(nm, keys[i]);
        if (k < 0) {
            char hint[128];
            diag_hint(hint, sizeof hint, keys[i], param_names(nm), nm->n_params);
            api_error(L, "%s: neuron '%s' has no parameter '%s'%s", what, nm->name, keys[i],
                      hint);
        }
        lua_getfield(L, t, keys[i]);
        if (lua_type(L, -1) != LUA_TNUMBER)
            api_error(L, "%s: parameter '%s' must be a number (got %s)", what, keys[i],
                      type_name(L, -1));
        vals[k] = lua_tonumber(L, -1);
        if (!isfinite(vals[k]))
            api_error(L, "%s: parameter '%s' must be finite (got %g)", what, keys[i], vals[k]);
        lua_pop(L, 1);
    }
}

/* lif{ tau_m = 10 }: a copy of the model with other parameter defaults. */
static int neuron_call(lua_State *L)
{
    NeuronModel *base = *(NeuronModel **)luaL_checkudata(L, 1, MT_NEURON);
    if (!lua_istable(L, 2))
        api_error(L, "%s{...}: call a neuron model with a table of parameters, e.g. "
                     "%s{ tau_m = 10.0 } (got %s)", base->name, base->name, type_name(L, 2));
    NeuronModel *nm = arena_alloc(sizeof *nm);
    *nm = *base;
    nm->params = arena_alloc(sizeof(NamedValue) * (size_t)(base->n_params + 1));
    memcpy(nm->params, base->params, sizeof(NamedValue) * (size_t)base->n_params);
    double *vals = arena_alloc(sizeof(double) * (size_t)(nm->n_params + 1));
    for (int i = 0; i < nm->n_params; i++)
        vals[i] = nm->params[i].value;
    const char *what = arena_printf("%s{...}", nm->name);
    apply_params(L, 2, nm, vals, what);
    apply_checks(L, what, "neuron", nm->name, nm->params, vals, nm->checks, nm->n_checks);
    for (int i = 0; i < nm->n_params; i++)
        nm->params[i].value = vals[i];
    new_handle(L, MT_NEURON, nm);
    return 1;
}

static int neuron_tostring(lua_State *L)
{
    NeuronModel *nm = *(NeuronModel **)luaL_checkudata(L, 1, MT_NEURON);
    lua_pushfstring(L, "neuron '%s' (%s:%d)", nm->name, nm->loc.file, nm->loc.line);
    return 1;
}

/* ---- spike_source_array{} ------------------------------------------------------------ */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The times of neuron i from the file: lines "neuron time_ms" ('#' starts a comment). */
static void read_spike_file(lua_State *L, NeuronModel *nm, const char *file)
{
    Ctx *c = get_ctx(L);
    const char *path = file;
    if (file[0] != '/' && c->cur_file) {
        const char *slash = strrchr(c->cur_file, '/');
        if (slash)
            path = arena_printf("%.*s/%s", (int)(slash - c->cur_file), c->cur_file, file);
    }
    FILE *f = fopen(path, "r");
    if (!f)
        api_error(L, "spike_source_array: cannot read '%s': %s", path, strerror(errno));
    int64_t cap = 1024, n = 0, max_id = -1;
    int64_t *ids = malloc(sizeof *ids * (size_t)cap);
    double *ts = malloc(sizeof *ts * (size_t)cap);
    char line[512];
    int lineno = 0;
    const char *bad = NULL;
    while (!bad && ids && ts && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *p = line, *end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\n' || *p == '\r' || !*p)
            continue;
        double id = strtod(p, &end);
        double t = end != p ? strtod(end, &p) : NAN;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (end == p || *p || !(id >= 0) || id != floor(id) || id > 4294967294.0 ||
            !isfinite(t) || t < 0) {
            bad = arena_printf("%s:%d: expected 'neuron time_ms' with a whole neuron index "
                               ">= 0 and a time >= 0", path, lineno);
            break;
        }
        if (n == cap) {
            cap *= 2;
            int64_t *ni = realloc(ids, sizeof *ids * (size_t)cap);
            double *nt = realloc(ts, sizeof *ts * (size_t)cap);
            if (ni)
                ids = ni;
            if (nt)
                ts = nt;
            if (!ni || !nt)
                break;
        }
        ids[n] = (int64_t)id;
        ts[n++] = t;
        if ((int64_t)id > max_id)
            max_id = (int64_t)id;
    }
    fclose(f);
    if (!ids || !ts || (!bad && n == cap)) {
        free(ids);
        free(ts);
        api_error(L, "spike_source_array: out of memory reading '%s'", path);
    }
    if (bad) {
        free(ids);
        free(ts);
        api_error(L, "spike_source_array: %s", bad);
    }
    nm->n_lists = max_id + 1;
    nm->sst_start = arena_alloc(sizeof(int64_t) * (size_t)(nm->n_lists + 2));
    nm->sst_times = arena_alloc(sizeof(double) * (size_t)(n + 1));
    for (int64_t k = 0; k < n; k++)
        nm->sst_start[ids[k] + 1]++;
    for (int64_t i = 0; i < nm->n_lists; i++)
        nm->sst_start[i + 1] += nm->sst_start[i];
    int64_t *fill = arena_alloc(sizeof(int64_t) * (size_t)(nm->n_lists + 1));
    for (int64_t k = 0; k < n; k++)
        nm->sst_times[nm->sst_start[ids[k]] + fill[ids[k]]++] = ts[k];
    free(ids);
    free(ts);
    nm->sst_file = arena_strdup(path);
}

/* spike_source_array { times = { {10, 20}, {15}, {} } } or { file = "spikes.txt" }. */
static int l_spike_source_array(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"times", "file", NULL};
    check_keys(L, 1, "spike_source_array", keys, 0);
    NeuronModel *nm = arena_alloc(sizeof *nm);
    nm->name = "spike_source_array";
    nm->loc = caller_loc(L);
    nm->spike_source = true;
    nm->params = arena_alloc(sizeof(NamedValue));
    nm->vars = arena_alloc(sizeof(VarDef));
    const char *file = opt_string(L, 1, "file", 0, "spike_source_array");
    int ty = lua_getfield(L, 1, "times");
    if (file && ty != LUA_TNIL)
        api_error(L, "spike_source_array: give 'times' or 'file', not both");
    if (file) {
        lua_pop(L, 1);
        read_spike_file(L, nm, file);
    } else {
        if (ty != LUA_TTABLE)
            api_error(L, "spike_source_array: 'times' must be a list with one list of spike "
                         "times (ms) per neuron, e.g. { {10, 20}, {15} }");
        int t = lua_gettop(L);
        nm->n_lists = (int64_t)lua_rawlen(L, t);
        nm->sst_start = arena_alloc(sizeof(int64_t) * (size_t)(nm->n_lists + 2));
        int64_t total = 0;
        for (int64_t i = 1; i <= nm->n_lists; i++) {
            if (lua_rawgeti(L, t, i) != LUA_TTABLE)
                api_error(L, "spike_source_array: times[%lld] must be a list of times (ms)",
                          (long long)i);
            total += (int64_t)lua_rawlen(L, -1);
            lua_pop(L, 1);
        }
        nm->sst_times = arena_alloc(sizeof(double) * (size_t)(total + 1));
        int64_t at = 0;
        for (int64_t i = 1; i <= nm->n_lists; i++) {
            lua_rawgeti(L, t, i);
            int64_t n = (int64_t)lua_rawlen(L, -1);
            nm->sst_start[i - 1] = at;
            for (int64_t k = 1; k <= n; k++) {
                lua_rawgeti(L, -1, k);
                double v = lua_tonumber(L, -1);
                if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(v) || v < 0)
                    api_error(L, "spike_source_array: times[%lld][%lld] must be a time >= 0 "
                                 "in ms", (long long)i, (long long)k);
                nm->sst_times[at++] = v;
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        nm->sst_start[nm->n_lists] = at;
        lua_pop(L, 1);
        nm->sst_file = "";
    }
    for (int64_t i = 0; i < nm->n_lists; i++) /* each neuron's times ascending */
        qsort(nm->sst_times + nm->sst_start[i], (size_t)(nm->sst_start[i + 1] - nm->sst_start[i]),
              sizeof(double), cmp_double);
    new_handle(L, MT_NEURON, nm);
    return 1;
}

/* spike_source_dataset { classes = 20 }: a spike source fed at run time from the run
 * config's data set (datasets: { <pop>: { file = ... } }), one example after another; code
 * elsewhere reads the current example's label and index as 'label' and 'example'. */
static int l_spike_source_dataset(lua_State *L)
{
    if (lua_isnoneornil(L, 1))
        lua_newtable(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"classes", NULL};
    check_keys(L, 1, "spike_source_dataset", keys, 0);
    NeuronModel *nm = arena_alloc(sizeof *nm);
    nm->name = "spike_source_dataset";
    nm->loc = caller_loc(L);
    nm->spike_source = true;
    nm->dataset = true;
    nm->params = arena_alloc(sizeof(NamedValue));
    nm->vars = arena_alloc(sizeof(VarDef));
    double classes = 0;
    if (!opt_number(L, 1, "classes", 0, "spike_source_dataset", &classes))
        api_error(L, "spike_source_dataset: give the number of classes, e.g. classes = 20 "
                     "(the labels must be 0 .. classes - 1)");
    if (classes < 1 || classes > 2147483647.0 || classes != floor(classes))
        api_error(L, "spike_source_dataset: 'classes' must be a whole number from 1 to "
                     "2147483647 (got %g)", classes);
    nm->classes = (int32_t)classes;
    nm->n_lists = 0;
    nm->sst_start = arena_alloc(sizeof(int64_t) * 2);
    nm->sst_times = arena_alloc(sizeof(double));
    nm->sst_file = "";
    new_handle(L, MT_NEURON, nm);
    return 1;
}

/* ---- synapse{} ---------------------------------------------------------------------- */

/* A table of name = number (params) at field 'key', sorted by name. */
static int read_params(lua_State *L, int t, const char *key, const char *what, SrcLoc loc,
                       NamedValue **out)
{
    int n = 0;
    *out = arena_alloc(sizeof(NamedValue));
    if (lua_getfield(L, t, key) != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: '%s' must be a table of name = value", what, key);
        int tt = lua_gettop(L);
        const char **names;
        n = sorted_keys(L, tt, what, &names);
        *out = arena_alloc(sizeof(NamedValue) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) {
            if (!name_ok(L, names[i]))
                api_error(L, "%s: name '%s' in '%s' must be an identifier", what, names[i], key);
            lua_getfield(L, tt, names[i]);
            if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
                api_error(L, "%s: '%s' in '%s' must be a finite number (got %s)", what,
                          names[i], key, type_name(L, -1));
            (*out)[i] = (NamedValue){names[i], lua_tonumber(L, -1), loc};
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return n;
}

/* A table of name = number or initialiser at field 'key', sorted by name. */
static int read_vars(lua_State *L, int t, const char *key, const char *what, VarDef **out)
{
    int n = 0;
    *out = arena_alloc(sizeof(VarDef));
    if (lua_getfield(L, t, key) != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: '%s' must be a table of name = initial value", what, key);
        int tt = lua_gettop(L);
        const char **names;
        n = sorted_keys(L, tt, what, &names);
        *out = arena_alloc(sizeof(VarDef) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) {
            if (!name_ok(L, names[i]))
                api_error(L, "%s: name '%s' in '%s' must be an identifier", what, names[i], key);
            lua_getfield(L, tt, names[i]);
            (*out)[i].name = names[i];
            (*out)[i].init = to_init(L, -1, what, names[i]);
            if ((*out)[i].init.kind >= INIT_FILE)
                api_error(L, "%s: '%s' in '%s': the initial values of synapse variables are "
                             "numbers or initialisers (a list, a file or a code string is "
                             "not supported here)", what, names[i], key);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return n;
}

static int l_synapse(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    const char *keys[9 + SC_COUNT] = {"name", "params", "vars", "pre_vars", "post_vars",
                                      "weight", "valid", "shared"};
    for (int k = 0; k < SC_COUNT; k++)
        keys[8 + k] = syn_code_desc[k].name;
    keys[8 + SC_COUNT] = NULL;
    check_keys(L, 1, "synapse", keys, 0);
    SynapseModel *sm = arena_alloc(sizeof *sm);
    sm->loc = caller_loc(L);
    sm->name = opt_string(L, 1, "name", 0, "synapse");
    if (!sm->name)
        api_error(L, "synapse: missing 'name'");
    if (!name_ok(L, sm->name))
        api_error(L, "synapse: name '%s' must be an identifier", sm->name);
    const char *what = arena_printf("synapse '%s'", sm->name);
    sm->n_params = read_params(L, 1, "params", what, sm->loc, &sm->params);
    sm->n_checks = read_valid(L, what, sm->params, sm->n_params, &sm->checks);
    check_named(L, what, "synapse", sm->name, sm->params, sm->n_params, sm->checks,
                sm->n_checks);
    sm->n_vars = read_vars(L, 1, "vars", what, &sm->vars);
    sm->n_pre_vars = read_vars(L, 1, "pre_vars", what, &sm->pre_vars);
    sm->n_post_vars = read_vars(L, 1, "post_vars", what, &sm->post_vars);
    sm->weight = opt_string(L, 1, "weight", 0, what);
    if (!sm->weight)
        sm->weight = "w";
    if (lua_getfield(L, 1, "shared") != LUA_TNIL) { /* batches: variables held once */
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'shared' must be a list of variable names, e.g. { \"w\" }", what);
        const int st = lua_gettop(L);
        for (lua_Integer i = 1; lua_rawgeti(L, st, i) != LUA_TNIL; i++) {
            const char *v = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            int k = 0;
            while (v && k < sm->n_vars && strcmp(sm->vars[k].name, v) != 0)
                k++;
            if (!v || k == sm->n_vars)
                api_error(L, "%s: 'shared' names %s%s%s, which is not one of its vars", what,
                          v ? "'" : "a ", v ? v : luaL_typename(L, -1), v ? "'" : "");
            sm->vars[k].shared = true;
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    for (int k = 0; k < SC_COUNT; k++)
        sm->code[k] = read_code(L, 1, syn_code_desc[k].name, sm->loc, what);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    m->synapses = arena_grow(m->synapses, &c->synapses_cap, m->n_synapses + 1, sizeof(void *));
    m->synapses[m->n_synapses++] = sm;
    new_handle(L, MT_SYN, sm);
    return 1;
}

/* stdp{ A_plus = 0.01 }: a copy with other parameter defaults. */
static int synapse_call(lua_State *L)
{
    SynapseModel *base = *(SynapseModel **)luaL_checkudata(L, 1, MT_SYN);
    if (!lua_istable(L, 2))
        api_error(L, "%s{...}: call a synapse model with a table of parameters (got %s)",
                  base->name, type_name(L, 2));
    SynapseModel *sm = arena_alloc(sizeof *sm);
    *sm = *base;
    sm->params = arena_alloc(sizeof(NamedValue) * (size_t)(base->n_params + 1));
    memcpy(sm->params, base->params, sizeof(NamedValue) * (size_t)base->n_params);
    const char **keys;
    int n = sorted_keys(L, 2, base->name, &keys);
    for (int i = 0; i < n; i++) {
        int k = -1;
        const char **cands = arena_alloc(sizeof(char *) * (size_t)(sm->n_params + 1));
        for (int q = 0; q < sm->n_params; q++) {
            cands[q] = sm->params[q].name;
            if (!strcmp(sm->params[q].name, keys[i]))
                k = q;
        }
        if (k < 0) {
            char hint[128];
            diag_hint(hint, sizeof hint, keys[i], cands, sm->n_params);
            api_error(L, "%s{...}: synapse '%s' has no parameter '%s'%s", base->name,
                      base->name, keys[i], hint);
        }
        lua_getfield(L, 2, keys[i]);
        if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
            api_error(L, "%s{...}: parameter '%s' must be a finite number", base->name, keys[i]);
        sm->params[k].value = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    check_named(L, arena_printf("%s{...}", base->name), "synapse", sm->name, sm->params,
                sm->n_params, sm->checks, sm->n_checks);
    new_handle(L, MT_SYN, sm);
    return 1;
}

static int synapse_tostring(lua_State *L)
{
    SynapseModel *sm = *(SynapseModel **)luaL_checkudata(L, 1, MT_SYN);
    lua_pushfstring(L, "synapse '%s' (%s:%d)", sm->name, sm->loc.file, sm->loc.line);
    return 1;
}

/* ---- population{} --------------------------------------------------------------------- */

static Population *find_pop(Model *m, const char *name)
{
    for (int i = 0; i < m->n_pops; i++)
        if (!strcmp(m->pops[i]->name, name))
            return m->pops[i];
    return NULL;
}

static const char **pop_names(Model *m)
{
    const char **v = arena_alloc(sizeof(char *) * (size_t)(m->n_pops + 1));
    for (int i = 0; i < m->n_pops; i++)
        v[i] = m->pops[i]->name;
    return v;
}

/* The values of an extra global parameter from a text file: numbers separated by white
 * space, '#' starts a comment. */
static double *read_egp_file(lua_State *L, const char *file, const char *what, const char *name,
                             int64_t *n_out, const char **path_out)
{
    Ctx *c = get_ctx(L);
    const char *path = file;
    if (file[0] != '/' && c->cur_file) {
        const char *slash = strrchr(c->cur_file, '/');
        if (slash)
            path = arena_printf("%.*s/%s", (int)(slash - c->cur_file), c->cur_file, file);
    }
    *path_out = path;
    FILE *f = fopen(path, "r");
    if (!f)
        api_error(L, "%s: egp '%s': cannot read '%s': %s", what, name, path, strerror(errno));
    int64_t cap = 1024, n = 0;
    double *v = malloc(sizeof *v * (size_t)cap);
    char line[4096];
    int lineno = 0;
    const char *bad = NULL;
    while (!bad && v && fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *q = line;
        for (;;) {
            while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n' || *q == ',')
                q++;
            if (!*q)
                break;
            char *end;
            double x = strtod(q, &end);
            if (end == q || !isfinite(x) ||
                !(*end == '\0' || strchr(" \t\r\n,", *end))) {
                bad = arena_printf("%s:%d: expected finite numbers", path, lineno);
                break;
            }
            if (n == cap) {
                cap *= 2;
                double *nv = realloc(v, sizeof *v * (size_t)cap);
                if (!nv) {
                    free(v);
                    v = NULL;
                    break;
                }
                v = nv;
            }
            v[n++] = x;
            q = end;
        }
    }
    fclose(f);
    if (!v)
        api_error(L, "%s: egp '%s': out of memory reading '%s'", what, name, path);
    if (bad) {
        free(v);
        api_error(L, "%s: egp '%s': %s", what, name, bad);
    }
    double *out = arena_alloc(sizeof(double) * (size_t)(n + 1));
    memcpy(out, v, sizeof(double) * (size_t)n);
    free(v);
    *n_out = n;
    return out;
}

/* population{ egp = { I_ext = { 1, 2, ... } | { file = "x.txt" } } }: one value per neuron
 * for every extra global parameter of the neuron model. */
static void read_egps(lua_State *L, Population *p, const char *what)
{
    const NeuronModel *nm = p->model;
    p->egp = arena_alloc(sizeof(double *) * (size_t)(nm->n_egps + 1));
    p->egp_src = arena_alloc(sizeof(char *) * (size_t)(nm->n_egps + 1));
    int ty = lua_getfield(L, 1, "egp");
    if (ty != LUA_TNIL && ty != LUA_TTABLE)
        api_error(L, "%s: 'egp' must be a table of name = list of numbers", what);
    int t = lua_gettop(L);
    if (ty == LUA_TTABLE) {
        const char **names;
        int n = sorted_keys(L, t, what, &names);
        for (int i = 0; i < n; i++) {
            int k = -1;
            for (int q = 0; q < nm->n_egps; q++)
                if (!strcmp(nm->egps[q], names[i]))
                    k = q;
            if (k < 0) {
                char hint[128];
                diag_hint(hint, sizeof hint, names[i], nm->egps, nm->n_egps);
                api_error(L, "%s: egp: neuron '%s' has no extra global parameter '%s'%s", what,
                          nm->name, names[i], hint);
            }
        }
    }
    for (int k = 0; k < nm->n_egps; k++) {
        const char *name = nm->egps[k];
        if (ty != LUA_TTABLE || lua_getfield(L, t, name) == LUA_TNIL)
            api_error(L, "%s: neuron '%s' needs the extra global parameter '%s': give "
                         "egp = { %s = { ... one value per neuron ... } } or "
                         "egp = { %s = { file = \"values.txt\" } }", what, nm->name, name, name,
                      name);
        if (!lua_istable(L, -1))
            api_error(L, "%s: egp '%s' must be a list of numbers or { file = \"...\" } (got %s)",
                      what, name, type_name(L, -1));
        int64_t n = 0;
        double *v;
        p->egp_src[k] = "";
        if (lua_getfield(L, -1, "file") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING)
                api_error(L, "%s: egp '%s': 'file' must be a file name", what, name);
            v = read_egp_file(L, lua_tostring(L, -1), what, name, &n, &p->egp_src[k]);
            lua_pop(L, 1);
        } else {
            lua_pop(L, 1);
            n = (int64_t)lua_rawlen(L, -1);
            v = arena_alloc(sizeof(double) * (size_t)(n + 1));
            for (int64_t i = 0; i < n; i++) {
                if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TNUMBER ||
                    !isfinite(lua_tonumber(L, -1)))
                    api_error(L, "%s: egp '%s': entry %lld must be a finite number (got %s)",
                              what, name, (long long)i + 1, type_name(L, -1));
                v[i] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
        }
        if (n != p->n)
            api_error(L, "%s: egp '%s' has %lld value%s%s%s; it needs one per neuron (%lld)",
                      what, name, (long long)n, n == 1 ? "" : "s",
                      p->egp_src[k][0] ? " in " : "", p->egp_src[k], (long long)p->n);
        p->egp[k] = v;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

static int l_population(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "model", "size", "params", "init", "record",
                                       "runtime", "egp", NULL};
    check_keys(L, 1, "population", keys, 3);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    Population *p = arena_alloc(sizeof *p);
    p->loc = caller_loc(L);
    p->name = opt_string(L, 1, "name", 1, "population");
    if (!p->name)
        api_error(L, "population: missing name (population { \"E\", model, size })");
    if (!name_ok(L, p->name))
        api_error(L, "population: name '%s' must be an identifier (letters, digits, '_')",
                  p->name);
    const char *what = arena_printf("population '%s'", p->name);
    Population *dup = find_pop(m, p->name);
    if (dup)
        api_error(L, "%s: name already used at %s:%d", what, dup->loc.file, dup->loc.line);

    int ty = get_field(L, 1, "model", 2);
    if (ty == LUA_TNIL)
        api_error(L, "%s: missing neuron model (population { \"%s\", model, size })", what,
                  p->name);
    p->model = test_handle(L, -1, MT_NEURON);
    if (!p->model)
        api_error(L, "%s: model must be a neuron model (got %s)", what, type_name(L, -1));
    lua_pop(L, 1);

    if (get_field(L, 1, "size", 3) == LUA_TNIL)
        api_error(L, "%s: missing size (population { \"%s\", model, size })", what, p->name);
    p->n = to_count(L, -1, what, "size");
    lua_pop(L, 1);

    NeuronModel *nm = p->model;
    p->params = arena_alloc(sizeof(double) * (size_t)(nm->n_params + 1));
    for (int i = 0; i < nm->n_params; i++)
        p->params[i] = nm->params[i].value;
    if (lua_getfield(L, 1, "params") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'params' must be a table of name = value", what);
        apply_params(L, lua_gettop(L), nm, p->params, what);
        apply_checks(L, what, "neuron", nm->name, nm->params, p->params, nm->checks,
                     nm->n_checks);
    }
    lua_pop(L, 1);

    p->inits = arena_alloc(sizeof(Init) * (size_t)(nm->n_vars + 1));
    for (int i = 0; i < nm->n_vars; i++)
        p->inits[i] = nm->vars[i].init;
    if (lua_getfield(L, 1, "init") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'init' must be a table of var = initialiser", what);
        int t = lua_gettop(L);
        const char **names;
        int n = sorted_keys(L, t, what, &names);
        for (int i = 0; i < n; i++) {
            int k = -1;
            for (int v = 0; v < nm->n_vars; v++)
                if (!strcmp(nm->vars[v].name, names[i]))
                    k = v;
            if (k < 0) {
                const char **cands = arena_alloc(sizeof(char *) * (size_t)(nm->n_vars + 1));
                for (int v = 0; v < nm->n_vars; v++)
                    cands[v] = nm->vars[v].name;
                char hint[128];
                diag_hint(hint, sizeof hint, names[i], cands, nm->n_vars);
                api_error(L, "%s: init: neuron '%s' has no variable '%s'%s", what, nm->name,
                          names[i], hint);
            }
            lua_getfield(L, t, names[i]);
            p->inits[k] = to_init(L, -1, what, names[i]);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    p->runtime = arena_alloc(sizeof(bool) * (size_t)(nm->n_params + 1));
    if (lua_getfield(L, 1, "runtime") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'runtime' must be a list of parameter names, e.g. { \"I_e\" }",
                      what);
        int t = lua_gettop(L);
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
            lua_rawgeti(L, t, i);
            const char *pn = lua_tostring(L, -1);
            int k = pn && lua_type(L, -1) == LUA_TSTRING ? find_param(nm, pn) : -1;
            if (k < 0) {
                char hint[128];
                diag_hint(hint, sizeof hint, pn ? pn : "", param_names(nm), nm->n_params);
                api_error(L, "%s: runtime: neuron '%s' has no parameter '%s'%s", what, nm->name,
                          pn ? pn : type_name(L, -1), hint);
            }
            p->runtime[k] = true;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    read_egps(L, p, what);
    const char *rec = opt_string(L, 1, "record", 0, what);
    if (rec) {
        if (strcmp(rec, "spikes") != 0)
            api_error(L, "%s: record must be \"spikes\" (got \"%s\")", what, rec);
        p->record_spikes = true;
    }

    p->index = m->n_pops;
    m->pops = arena_grow(m->pops, &c->pops_cap, m->n_pops + 1, sizeof(void *));
    m->pops[m->n_pops++] = p;
    new_handle(L, MT_POP, p);
    return 1;
}

static int pop_tostring(lua_State *L)
{
    Population *p = *(Population **)luaL_checkudata(L, 1, MT_POP);
    lua_pushfstring(L, "population '%s' (%s:%d)", p->name, p->loc.file, p->loc.line);
    return 1;
}

/* pop.size, pop.name */
static int pop_index(lua_State *L)
{
    Population *p = *(Population **)luaL_checkudata(L, 1, MT_POP);
    const char *k = luaL_checkstring(L, 2);
    if (!strcmp(k, "size"))
        lua_pushinteger(L, (lua_Integer)p->n);
    else if (!strcmp(k, "name"))
        lua_pushstring(L, p->name);
    else
        return api_error(L, "population '%s' has no field '%s' (it has 'name' and 'size')",
                         p->name, k);
    return 1;
}

/* The line after the caller's where the current file declares population 'name'
 * (population { "name", ... } or population { name = "name", ... } on one line), else 0:
 * an "unknown population" may only be one used before its declaration. */
static int defined_later(lua_State *L, const char *name)
{
    Ctx *c = get_ctx(L);
    SrcLoc call = caller_loc(L);
    if (!c->cur_text || !call.file || strcmp(call.file, c->cur_file) != 0 || !*name)
        return 0;
    size_t n = strlen(name);
    int line = 1;
    for (const char *p = c->cur_text; *p; line++) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (line > call.line) {
            const char *kw = NULL;
            for (const char *q = p; q + 10 <= p + len; q++)
                if (!strncmp(q, "population", 10) && (q == p || !(q[-1] == '_' ||
                                                                   isalnum((unsigned char)q[-1])))) {
                    kw = q;
                    break;
                }
            for (const char *q = kw; q && q + n + 2 <= p + len; q++)
                if ((*q == '"' || *q == '\'') && q[n + 1] == *q && !strncmp(q + 1, name, n))
                    return line;
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    return 0;
}

/* A population given as a handle or by name. */
static Population *to_pop(lua_State *L, int idx, const char *what, const char *key)
{
    Population *p = test_handle(L, idx, MT_POP);
    if (p)
        return p;
    if (lua_type(L, idx) == LUA_TSTRING) {
        Model *m = get_ctx(L)->m;
        const char *name = lua_tostring(L, idx);
        p = find_pop(m, name);
        if (!p) {
            char hint[128];
            diag_hint(hint, sizeof hint, name, pop_names(m), m->n_pops);
            int later = defined_later(L, name);
            if (later)
                api_error(L, "%s: unknown population '%s' (it is defined later, at line %d: "
                             "a population must be declared before it is used)",
                          what, name, later);
            api_error(L, "%s: unknown population '%s'%s", what, name, hint);
        }
        return p;
    }
    api_error(L, "%s: '%s' must be a population (got %s)", what, key, type_name(L, idx));
    return NULL;
}

/* ---- projection{} --------------------------------------------------------------------- */

static int l_projection(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "pre", "post", "conn", "weight", "delay",
                                       "psm", "target", "synapse", "init", "runtime", "format",
                                       "pre_input", "max_row_length", "row_padding", NULL};
    check_keys(L, 1, "projection", keys, 2);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    Projection *pj = arena_alloc(sizeof *pj);
    pj->loc = caller_loc(L);
    if (get_field(L, 1, "pre", 1) == LUA_TNIL)
        api_error(L, "projection: missing source population (projection { pre, post, ... })");
    pj->pre = to_pop(L, -1, "projection", "pre");
    lua_pop(L, 1);
    if (get_field(L, 1, "post", 2) == LUA_TNIL)
        api_error(L, "projection: missing target population (projection { pre, post, ... })");
    pj->post = to_pop(L, -1, "projection", "post");
    lua_pop(L, 1);
    pj->name = opt_string(L, 1, "name", 0, "projection");
    if (!pj->name)
        pj->name = arena_printf("%s_to_%s", pj->pre->name, pj->post->name);
    else if (!name_ok(L, pj->name))
        api_error(L, "projection: name '%s' must be an identifier", pj->name);
    const char *what = arena_printf("projection '%s'", pj->name);
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, pj->name))
            api_error(L, "%s: name already used at %s:%d; give this one a name = \"...\"",
                      what, m->projs[i]->loc.file, m->projs[i]->loc.line);

    if (lua_getfield(L, 1, "conn") == LUA_TNIL)
        api_error(L, "%s: missing 'conn' (e.g. conn = fixed_probability(0.1))", what);
    ConnRule *cr = test_handle(L, -1, MT_CONN);
    if (!cr)
        api_error(L, "%s: 'conn' must be a connectivity rule such as fixed_indegree(100) "
                     "(got %s)", what, type_name(L, -1));
    pj->conn = *cr;
    lua_pop(L, 1);

    if (pj->conn.kind == CONN_FROM_MATRIX) {
        /* the matrix holds the weights */
        if (lua_getfield(L, 1, "weight") != LUA_TNIL)
            api_error(L, "%s: from_matrix gives the weights (its non-zero entries); leave "
                         "'weight' out", what);
        pj->weight = pj->conn.matrix;
        pj->weight_given = true;
    } else if (lua_getfield(L, 1, "weight") == LUA_TNIL) {
        lua_getfield(L, 1, "synapse");
        bool plastic = test_handle(L, -1, MT_SYN) != NULL;
        lua_pop(L, 1);
        if (!plastic)
            api_error(L, "%s: missing 'weight'", what);
    } else {
        pj->weight = to_init(L, -1, what, "weight");
        pj->weight_given = true;
    }
    lua_pop(L, 1);

    pj->delay = -1; /* check.c: default one step */
    pj->delay_init = (Init){.kind = INIT_CONSTANT, .lo = -INFINITY, .hi = INFINITY};
    if (lua_getfield(L, 1, "delay") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TNUMBER && !test_handle(L, -1, MT_INIT))
            api_error(L, "%s: 'delay' must be a number of ms or an initialiser such as "
                         "normal_clipped(1.5, 0.75, 0.1) (got %s)", what, type_name(L, -1));
        Init d = to_init(L, -1, what, "delay");
        if (d.kind == INIT_CONSTANT) {
            pj->delay = d.a;
            if (!(pj->delay >= 0) || !isfinite(pj->delay)) /* also: -1 means "default" */
                api_error(L, "%s: 'delay' must be a finite number of ms >= 0 (got %g)", what,
                          pj->delay);
        } else {
            pj->delay_init = d;
        }
    }
    lua_pop(L, 1);

    const char *fmt = opt_string(L, 1, "format", 0, what);
    pj->format = FORMAT_SPARSE;
    pj->format_loc = pj->loc;
    if (fmt) {
        if (!strcmp(fmt, "dense"))
            pj->format = FORMAT_DENSE;
        else if (!strcmp(fmt, "procedural"))
            pj->format = FORMAT_PROCEDURAL;
        else if (strcmp(fmt, "sparse") != 0)
            api_error(L, "%s: format must be \"sparse\", \"dense\" or \"procedural\" (got "
                         "\"%s\")", what, fmt);
    }

    double cap;
    if (opt_number(L, 1, "max_row_length", 0, what, &cap)) {
        if (!(cap >= 1) || cap != floor(cap) || cap > 4294967295.0)
            api_error(L, "%s: 'max_row_length' must be a whole number from 1 to 2^32 - 1 (got "
                         "%g)", what, cap);
        pj->max_row_length = (int64_t)cap;
    }
    if (opt_number(L, 1, "row_padding", 0, what, &pj->row_padding) && !(pj->row_padding >= 0))
        api_error(L, "%s: 'row_padding' must be a number >= 0 (got %g)", what, pj->row_padding);
    if (pj->max_row_length && pj->row_padding > 0)
        api_error(L, "%s: give either 'max_row_length' or 'row_padding', not both", what);

    pj->pre_input = opt_string(L, 1, "pre_input", 0, what);
    pj->pre_input_loc = pj->loc;
    pj->pre_input_index = -1;

    pj->psm = (Psm){.kind = PSM_DELTA, .loc = pj->loc};
    if (lua_getfield(L, 1, "psm") != LUA_TNIL) {
        Psm *ps = test_handle(L, -1, MT_PSM);
        if (!ps)
            api_error(L, "%s: 'psm' must be a postsynaptic model such as delta or "
                         "exp_curr{ tau = 5 } (got %s)", what, type_name(L, -1));
        pj->psm = *ps;
        pj->psm.loc = caller_loc(L);
    }
    lua_pop(L, 1);
    const char *target = opt_string(L, 1, "target", 0, what);
    if (target) /* an input of the target neuron or a variable: check.c decides */
        pj->psm.target = target;

    if (lua_getfield(L, 1, "synapse") != LUA_TNIL) {
        SynapseModel *sm = test_handle(L, -1, MT_SYN);
        if (!sm)
            api_error(L, "%s: 'synapse' must be a weight update model made with synapse{} "
                         "(got %s)", what, type_name(L, -1));
        pj->syn = sm;
        pj->syn_params = arena_alloc(sizeof(double) * (size_t)(sm->n_params + 1));
        for (int i = 0; i < sm->n_params; i++)
            pj->syn_params[i] = sm->params[i].value;
        pj->syn_runtime = arena_alloc(sizeof(bool) * (size_t)(sm->n_params + 1));
        pj->syn_inits = arena_alloc(sizeof(Init) * (size_t)(sm->n_vars + 1));
        for (int i = 0; i < sm->n_vars; i++)
            pj->syn_inits[i] = sm->vars[i].init;
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "init") != LUA_TNIL) {
        if (!pj->syn)
            api_error(L, "%s: 'init' sets the variables of a weight update model; this "
                         "projection has none (add synapse = ...)", what);
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'init' must be a table of var = initialiser", what);
        int t = lua_gettop(L);
        const char **names;
        int n = sorted_keys(L, t, what, &names);
        for (int i = 0; i < n; i++) {
            int k = -1;
            for (int v = 0; v < pj->syn->n_vars; v++)
                if (!strcmp(pj->syn->vars[v].name, names[i]))
                    k = v;
            if (k < 0)
                api_error(L, "%s: init: synapse '%s' has no variable '%s'", what,
                          pj->syn->name, names[i]);
            lua_getfield(L, t, names[i]);
            pj->syn_inits[k] = to_init(L, -1, what, names[i]);
            if (pj->syn_inits[k].kind == INIT_ARRAY || pj->syn_inits[k].kind == INIT_EXPR)
                api_error(L, "%s: init of '%s': a list or a code string is not supported for "
                             "synapse variables (from_file(...) with from_list is, for the "
                             "weight)", what, names[i]);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    if (lua_getfield(L, 1, "runtime") != LUA_TNIL) {
        if (!pj->syn)
            api_error(L, "%s: 'runtime' names parameters of a weight update model; this "
                         "projection has none (add synapse = ...)", what);
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'runtime' must be a list of parameter names, e.g. { \"A_plus\" }",
                      what);
        const SynapseModel *sm = pj->syn;
        int t = lua_gettop(L);
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
            lua_rawgeti(L, t, i);
            const char *pn = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            int k = -1;
            const char **cands = arena_alloc(sizeof(char *) * (size_t)(sm->n_params + 1));
            for (int q = 0; q < sm->n_params; q++) {
                cands[q] = sm->params[q].name;
                if (pn && !strcmp(pn, cands[q]))
                    k = q;
            }
            if (k < 0) {
                char hint[128];
                diag_hint(hint, sizeof hint, pn ? pn : "", cands, sm->n_params);
                api_error(L, "%s: runtime: synapse '%s' has no parameter '%s'%s", what,
                          sm->name, pn ? pn : type_name(L, -1), hint);
            }
            pj->syn_runtime[k] = true;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    pj->index = m->n_projs;
    m->projs = arena_grow(m->projs, &c->projs_cap, m->n_projs + 1, sizeof(void *));
    m->projs[m->n_projs++] = pj;
    new_handle(L, MT_PROJ, pj);
    return 1;
}

static int proj_tostring(lua_State *L)
{
    Projection *pj = *(Projection **)luaL_checkudata(L, 1, MT_PROJ);
    lua_pushfstring(L, "projection '%s' (%s:%d)", pj->name, pj->loc.file, pj->loc.line);
    return 1;
}

/* ---- record{} ------------------------------------------------------------------------- */

static int find_var(const NeuronModel *nm, const char *name)
{
    for (int i = 0; i < nm->n_vars; i++)
        if (!strcmp(nm->vars[i].name, name))
            return i;
    return -1;
}

static void add_varrec(lua_State *L, Population *p, const char *var, int every, int64_t count)
{
    const NeuronModel *nm = p->model;
    int v = find_var(nm, var);
    if (v < 0) {
        const char **cands = arena_alloc(sizeof(char *) * (size_t)(nm->n_vars + 2));
        for (int i = 0; i < nm->n_vars; i++)
            cands[i] = nm->vars[i].name;
        cands[nm->n_vars] = "spikes";
        char hint[128];
        diag_hint(hint, sizeof hint, var, cands, nm->n_vars + 1);
        api_error(L, "record: population '%s': neuron '%s' has no variable '%s'%s (record "
                     "\"spikes\" or a variable)", p->name, nm->name, var, hint);
    }
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    for (int i = 0; i < m->n_varrecs; i++)
        if (m->varrecs[i]->pop == p && m->varrecs[i]->var == v)
            api_error(L, "record: population '%s' variable '%s' is already recorded", p->name,
                      var);
    VarRecord *r = arena_alloc(sizeof *r);
    *r = (VarRecord){p, v, every, count, caller_loc(L), NULL};
    m->varrecs = arena_grow(m->varrecs, &c->varrecs_cap, m->n_varrecs + 1, sizeof(void *));
    m->varrecs[m->n_varrecs++] = r;
}

/* One entry: "spikes", "V", or { "spikes", "V", every = 10, neurons = 100 }. */
static void record_entry(lua_State *L, Population *p, int vidx)
{
    if (lua_type(L, vidx) == LUA_TSTRING) {
        const char *what = lua_tostring(L, vidx);
        if (!strcmp(what, "spikes"))
            p->record_spikes = true;
        else
            add_varrec(L, p, what, 1, -1);
        return;
    }
    if (!lua_istable(L, vidx))
        api_error(L, "record: population '%s': expected \"spikes\", a variable name or a table "
                     "such as { \"spikes\", \"V\", every = 10 } (got %s)", p->name,
                  type_name(L, vidx));
    static const char *const keys[] = {"every", "neurons", NULL};
    lua_Integer n = (lua_Integer)lua_rawlen(L, vidx);
    check_keys(L, vidx, "record", keys, (int)n);
    double every = 1;
    opt_number(L, vidx, "every", 0, "record", &every);
    if (every < 1 || every != floor(every) || every > 1e9)
        api_error(L, "record: population '%s': 'every' must be a whole number of steps >= 1 "
                     "(got %g)", p->name, every);
    int64_t count = -1;
    if (lua_getfield(L, vidx, "neurons") != LUA_TNIL) {
        count = to_count(L, -1, "record", "neurons");
        if (count < 1 || count > p->n)
            api_error(L, "record: population '%s': 'neurons' must be between 1 and %lld "
                         "(got %lld)", p->name, (long long)p->n, (long long)count);
    }
    lua_pop(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, vidx, i);
        const char *what = lua_tostring(L, -1);
        if (lua_type(L, -1) != LUA_TSTRING)
            api_error(L, "record: population '%s': entry %lld must be a name (got %s)",
                      p->name, (long long)i, type_name(L, -1));
        if (!strcmp(what, "spikes"))
            p->record_spikes = true;
        else
            add_varrec(L, p, what, (int)every, count);
        lua_pop(L, 1);
    }
}

static Projection *find_proj(Model *m, const char *name)
{
    for (int i = 0; i < m->n_projs; i++)
        if (!strcmp(m->projs[i]->name, name))
            return m->projs[i];
    return NULL;
}

static void add_synrec(lua_State *L, Projection *pj, const char *var, int every)
{
    const SynapseModel *sm = pj->syn;
    int v = -1;
    for (int i = 0; i < sm->n_vars; i++)
        if (!strcmp(sm->vars[i].name, var))
            v = i;
    if (v < 0) {
        const char **cands = arena_alloc(sizeof(char *) * (size_t)(sm->n_vars + 1));
        for (int i = 0; i < sm->n_vars; i++)
            cands[i] = sm->vars[i].name;
        char hint[128];
        diag_hint(hint, sizeof hint, var, cands, sm->n_vars);
        if (!hint[0] && sm->n_vars == 1)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", cands[0]);
        else if (!hint[0]) {
            size_t k = (size_t)snprintf(hint, sizeof hint, " (synapse '%s' has", sm->name);
            for (int i = 0; i < sm->n_vars && k < sizeof hint; i++)
                k += (size_t)snprintf(hint + k, sizeof hint - k, "%s '%s'", i ? "," : "",
                                      cands[i]);
            if (k < sizeof hint)
                snprintf(hint + k, sizeof hint - k, ")");
        }
        api_error(L, "record: projection '%s' has no synapse variable '%s'%s", pj->name, var,
                  hint);
    }
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    for (int i = 0; i < m->n_synrecs; i++)
        if (m->synrecs[i]->proj == pj && m->synrecs[i]->var == v)
            api_error(L, "record: projection '%s' variable '%s' is already recorded", pj->name,
                      var);
    SynRecord *r = arena_alloc(sizeof *r);
    *r = (SynRecord){pj, v, every, caller_loc(L), NULL};
    m->synrecs = arena_grow(m->synrecs, &c->synrecs_cap, m->n_synrecs + 1, sizeof(void *));
    m->synrecs[m->n_synrecs++] = r;
}

/* A projection's entry: "w", or { "w", "c", every = 1000 } (without every: the values at
 * the end of the run). */
static void record_syn_entry(lua_State *L, Projection *pj, int vidx)
{
    if (!pj->syn)
        api_error(L, "record: projection '%s' has static synapses (no weight update model): "
                     "it has no synapse variables to record", pj->name);
    if (lua_type(L, vidx) == LUA_TSTRING) {
        add_synrec(L, pj, lua_tostring(L, vidx), 0);
        return;
    }
    if (!lua_istable(L, vidx))
        api_error(L, "record: projection '%s': expected a synapse variable name or a table "
                     "such as { \"w\", every = 1000 } (got %s)", pj->name, type_name(L, vidx));
    static const char *const keys[] = {"every", NULL};
    lua_Integer n = (lua_Integer)lua_rawlen(L, vidx);
    check_keys(L, vidx, "record", keys, (int)n);
    double every = 0;
    opt_number(L, vidx, "every", 0, "record", &every);
    if (lua_getfield(L, vidx, "every") != LUA_TNIL &&
        (every < 1 || every != floor(every) || every > 1e9))
        api_error(L, "record: projection '%s': 'every' must be a whole number of steps >= 1 "
                     "(got %g)", pj->name, every);
    lua_pop(L, 1);
    if (n == 0)
        api_error(L, "record: projection '%s': name the synapse variables to record, e.g. "
                     "{ \"w\", every = 1000 }", pj->name);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, vidx, i);
        if (lua_type(L, -1) != LUA_TSTRING)
            api_error(L, "record: projection '%s': entry %lld must be a name (got %s)",
                      pj->name, (long long)i, type_name(L, -1));
        add_synrec(L, pj, lua_tostring(L, -1), (int)every);
        lua_pop(L, 1);
    }
}

/* record { <custom update> = "m" } or { "m", "n", every = 10 }: its variables, per neuron
 * or per synapse (check_custom_updates knows which, and makes the over-synapses ones
 * SynRecords); every -1: not given (per neuron: every step; per synapse: at the end). */
static void record_cu_entry(lua_State *L, const CustomUpdate *cu, int vidx)
{
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    double every = -1;
    lua_Integer n = 1;
    if (lua_istable(L, vidx)) {
        static const char *const keys[] = {"every", NULL};
        n = (lua_Integer)lua_rawlen(L, vidx);
        check_keys(L, vidx, "record", keys, (int)n);
        if (opt_number(L, vidx, "every", 0, "record", &every) &&
            (every < 1 || every != floor(every) || every > 1e9))
            api_error(L, "record: custom update '%s': 'every' must be a whole number of steps "
                         ">= 1 (got %g)", cu->name, every);
    } else if (lua_type(L, vidx) != LUA_TSTRING) {
        api_error(L, "record: custom update '%s': expected a variable name or a table such as "
                     "{ \"m\", every = 10 } (got %s)", cu->name, type_name(L, vidx));
    }
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_istable(L, vidx))
            lua_rawgeti(L, vidx, i);
        else
            lua_pushvalue(L, vidx);
        if (lua_type(L, -1) != LUA_TSTRING)
            api_error(L, "record: custom update '%s': entry %lld must be a name (got %s)",
                      cu->name, (long long)i, type_name(L, -1));
        const char *var = lua_tostring(L, -1);
        int v = -1;
        for (int k = 0; k < cu->n_vars; k++)
            if (!strcmp(cu->vars[k].name, var))
                v = k;
        if (v < 0) {
            const char **cands = arena_alloc(sizeof(char *) * (size_t)(cu->n_vars + 1));
            for (int k = 0; k < cu->n_vars; k++)
                cands[k] = cu->vars[k].name;
            char hint[128];
            diag_hint(hint, sizeof hint, var, cands, cu->n_vars);
            api_error(L, "record: custom update '%s' has no variable '%s'%s (record its own "
                         "vars; a referenced variable is recorded with its population or "
                         "projection)", cu->name, var, hint);
        }
        for (int k = 0; k < m->n_varrecs; k++)
            if (m->varrecs[k]->cu == cu && m->varrecs[k]->var == v)
                api_error(L, "record: custom update '%s' variable '%s' is already recorded",
                          cu->name, var);
        VarRecord *r = arena_alloc(sizeof *r);
        *r = (VarRecord){NULL, v, (int)every, -1, caller_loc(L), cu};
        m->varrecs = arena_grow(m->varrecs, &c->varrecs_cap, m->n_varrecs + 1, sizeof(void *));
        m->varrecs[m->n_varrecs++] = r;
        lua_pop(L, 1);
    }
}

static const CustomUpdate *find_cu(lua_State *L, Model *m, int idx)
{
    const CustomUpdate *cu = test_handle(L, idx, "snncc.custom_update");
    if (cu || lua_type(L, idx) != LUA_TSTRING)
        return cu;
    for (int i = 0; i < m->n_cus; i++)
        if (!strcmp(m->cus[i]->name, lua_tostring(L, idx)))
            return m->cus[i];
    return NULL;
}

static int l_record(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    Model *m = get_ctx(L)->m;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        if (lua_type(L, -2) == LUA_TNUMBER) {           /* record { E, "I" } */
            Projection *pj = test_handle(L, -1, MT_PROJ);
            if (!pj && lua_type(L, -1) == LUA_TSTRING && !find_pop(m, lua_tostring(L, -1)))
                pj = find_proj(m, lua_tostring(L, -1));
            if (pj)
                api_error(L, "record: projection '%s': name the synapse variables to record, "
                             "e.g. record { %s = \"w\" }", pj->name, pj->name);
            Population *p = to_pop(L, -1, "record", "entry");
            p->record_spikes = true;
        } else {                                        /* record { E = "spikes" } */
            Projection *pj = test_handle(L, -2, MT_PROJ);
            if (!pj && lua_type(L, -2) == LUA_TSTRING) {
                const char *name = lua_tostring(L, -2);
                pj = find_proj(m, name);
                if (pj && find_pop(m, name))
                    api_error(L, "record: '%s' is both a population and a projection; name "
                                 "the projection differently (projection{ name = ... })", name);
            }
            const CustomUpdate *cu = pj || (lua_type(L, -2) == LUA_TSTRING &&
                                            find_pop(m, lua_tostring(L, -2)))
                                         ? NULL
                                         : find_cu(L, m, -2);
            if (pj) {
                record_syn_entry(L, pj, lua_gettop(L));
            } else if (cu) {
                record_cu_entry(L, cu, lua_gettop(L));
            } else {
                Population *p = to_pop(L, -2, "record", "key");
                record_entry(L, p, lua_gettop(L));
            }
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* ---- initialisers --------------------------------------------------------------------- */

static double check_num(lua_State *L, int i, const char *fn, const char *arg)
{
    if (lua_type(L, i) != LUA_TNUMBER)
        api_error(L, "%s: argument '%s' must be a number (got %s)", fn, arg, type_name(L, i));
    double v = lua_tonumber(L, i);
    if (!isfinite(v))
        api_error(L, "%s: argument '%s' must be finite", fn, arg);
    return v;
}

static int push_init(lua_State *L, InitKind kind, double a, double b)
{
    Init *in = arena_alloc(sizeof *in);
    *in = (Init){.kind = kind, .a = a, .b = b, .lo = -INFINITY, .hi = INFINITY,
                 .loc = caller_loc(L)};
    new_handle(L, MT_INIT, in);
    return 1;
}

static int l_constant(lua_State *L)
{
    return push_init(L, INIT_CONSTANT, check_num(L, 1, "constant", "value"), 0);
}

static int l_uniform(lua_State *L)
{
    double a = check_num(L, 1, "uniform", "low"), b = check_num(L, 2, "uniform", "high");
    if (!(a <= b))
        api_error(L, "uniform: low (%g) must not exceed high (%g)", a, b);
    return push_init(L, INIT_UNIFORM, a, b);
}

static int l_normal(lua_State *L)
{
    double mu = check_num(L, 1, "normal", "mean"), sd = check_num(L, 2, "normal", "sd");
    if (sd < 0)
        api_error(L, "normal: sd must be >= 0 (got %g)", sd);
    return push_init(L, INIT_NORMAL, mu, sd);
}

/* normal_clipped(mean, sd, lo [, hi]): redrawn until within [lo, hi]. */
static int l_normal_clipped(lua_State *L)
{
    double mu = check_num(L, 1, "normal_clipped", "mean");
    double sd = check_num(L, 2, "normal_clipped", "sd");
    double lo = lua_isnoneornil(L, 3) ? -INFINITY : luaL_checknumber(L, 3);
    double hi = lua_isnoneornil(L, 4) ? INFINITY : luaL_checknumber(L, 4);
    if (!(sd >= 0))
        api_error(L, "normal_clipped: sd must be >= 0 (got %g)", sd);
    if (!(lo < hi))
        api_error(L, "normal_clipped: lo (%g) must be below hi (%g)", lo, hi);
    /* more than ~10 sd away: redrawing would practically never end */
    double gap = mu < lo ? lo - mu : mu > hi ? mu - hi : 0;
    if (gap > 10 * sd)
        api_error(L, "normal_clipped: the interval [%g, %g] lies more than 10 sd from the "
                     "mean %g", lo, hi, mu);
    push_init(L, INIT_NORMAL_CLIPPED, mu, sd);
    Init *in = *(Init **)lua_touserdata(L, -1);
    in->lo = lo;
    in->hi = hi;
    return 1;
}

static int l_lognormal(lua_State *L)
{
    double mu = check_num(L, 1, "lognormal", "mu"), sigma = check_num(L, 2, "lognormal", "sigma");
    if (sigma < 0)
        api_error(L, "lognormal: sigma must be >= 0 (got %g)", sigma);
    return push_init(L, INIT_LOGNORMAL, mu, sigma);
}

static int l_exponential(lua_State *L)
{
    double mean = check_num(L, 1, "exponential", "mean");
    if (!(mean > 0))
        api_error(L, "exponential: mean must be > 0 (got %g)", mean);
    return push_init(L, INIT_EXPONENTIAL, mean, 0);
}

static ConnRule *push_conn(lua_State *L, ConnKind kind);

/* from_file("x.npy"): one value per element from a .npy file, read at run time. */
static int l_from_file(lua_State *L)
{
    if (lua_gettop(L) != 1)
        api_error(L, "from_file: takes one argument, the name of a .npy file");
    Init *in = arena_alloc(sizeof *in);
    *in = npy_file(L, 1, "from_file", "file");
    if (in->ndim != 1)
        api_error(L, "from_file: '%s' is a 2-d array; one value per element needs a 1-d array "
                     "(for a weight matrix use conn = from_matrix(...))", in->file_arg);
    new_handle(L, MT_INIT, in);
    return 1;
}

/* from_list { pre = "pre.npy", post = "post.npy" }: synapse e is pre[e] -> post[e]. */
static int l_from_list(lua_State *L)
{
    if (lua_gettop(L) != 1 || !lua_istable(L, 1))
        api_error(L, "from_list: takes a table: from_list { pre = \"pre.npy\", post = "
                     "\"post.npy\" }");
    static const char *const keys[] = {"pre", "post", NULL};
    check_keys(L, 1, "from_list", keys, 0);
    Init f[2];
    for (int k = 0; k < 2; k++) {
        if (lua_getfield(L, 1, keys[k]) == LUA_TNIL)
            api_error(L, "from_list: missing '%s' (the .npy file of %s indices)", keys[k],
                      k ? "target" : "source");
        f[k] = npy_file(L, -1, "from_list", keys[k]);
        lua_pop(L, 1);
        if (f[k].ndim != 1)
            api_error(L, "from_list: %s '%s' is a 2-d array; a 1-d array of indices is "
                         "expected", keys[k], f[k].file_arg);
        if (f[k].dtype != 'i' && f[k].dtype != 'u')
            api_error(L, "from_list: %s '%s' holds %s; indices must be integers (numpy "
                         "int32, int64, uint32, ...)", keys[k], f[k].file_arg,
                      f[k].dtype == 'f' ? "floats" : "booleans");
    }
    if (f[0].n_vals != f[1].n_vals)
        api_error(L, "from_list: pre '%s' has %lld entries but post '%s' has %lld", f[0].file_arg,
                  (long long)f[0].n_vals, f[1].file_arg, (long long)f[1].n_vals);
    ConnRule *cr = push_conn(L, CONN_FROM_LIST);
    cr->pre = f[0];
    cr->post = f[1];
    return 1;
}

/* from_matrix("W.npy"): a weight matrix [n_pre][n_post]; non-zero entries are synapses. */
static int l_from_matrix(lua_State *L)
{
    if (lua_gettop(L) != 1)
        api_error(L, "from_matrix: takes one argument, the name of a .npy file");
    Init f = npy_file(L, 1, "from_matrix", "file");
    if (f.ndim != 2)
        api_error(L, "from_matrix: '%s' is a 1-d array; a matrix of shape (n_pre, n_post) is "
                     "expected (for index lists use from_list)", f.file_arg);
    ConnRule *cr = push_conn(L, CONN_FROM_MATRIX);
    cr->matrix = f;
    return 1;
}

static int init_tostring(lua_State *L)
{
    Init *in = *(Init **)luaL_checkudata(L, 1, MT_INIT);
    if (in->kind == INIT_FILE)
        lua_pushfstring(L, "from_file(\"%s\")", in->file_arg);
    else if (in->kind == INIT_CODE)
        lua_pushfstring(L, "initialiser '%s' (%s:%d)", in->snip->name, in->snip->loc.file,
                        in->snip->loc.line);
    else
        lua_pushfstring(L, "%s(%f, %f)", init_kind_name(in->kind), in->a, in->b);
    return 1;
}

/* initialiser{ name = ..., params = { ... }, code = "value = ...;" }: a user-defined
 * initialiser; used as it is (the default parameters) or called with a table of other
 * parameter values, like a neuron model. */
static int l_initialiser(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "params", "code", NULL};
    check_keys(L, 1, "initialiser", keys, 0);
    InitSnippet *sn = arena_alloc(sizeof *sn);
    sn->loc = caller_loc(L);
    sn->name = opt_string(L, 1, "name", 0, "initialiser");
    if (!sn->name)
        api_error(L, "initialiser: missing 'name'");
    if (!name_ok(L, sn->name))
        api_error(L, "initialiser: name '%s' must be an identifier (letters, digits, '_')",
                  sn->name);
    const char *what = arena_printf("initialiser '%s'", sn->name);
    if (lua_getfield(L, 1, "params") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'params' must be a table of name = value", what);
        int t = lua_gettop(L);
        const char **names;
        sn->n_params = sorted_keys(L, t, what, &names);
        sn->params = arena_alloc(sizeof(NamedValue) * (size_t)(sn->n_params + 1));
        for (int i = 0; i < sn->n_params; i++) {
            if (!name_ok(L, names[i]))
                api_error(L, "%s: parameter name '%s' must be an identifier (letters, digits, "
                             "'_')", what, names[i]);
            lua_getfield(L, t, names[i]);
            if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
                api_error(L, "%s: parameter '%s' must be a finite number (got %s)", what,
                          names[i], type_name(L, -1));
            sn->params[i] = (NamedValue){names[i], lua_tonumber(L, -1), sn->loc};
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    sn->code = read_code(L, 1, "code", sn->loc, what);
    if (!sn->code.text)
        api_error(L, "%s: missing 'code' (statements that assign 'value', e.g. code = "
                     "\"value = mean + sd * normal();\")", what);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    sn->index = m->n_initcodes;
    m->initcodes = arena_grow(m->initcodes, &c->initcodes_cap, m->n_initcodes + 1,
                              sizeof(void *));
    m->initcodes[m->n_initcodes++] = sn;
    double *vals = arena_alloc(sizeof(double) * (size_t)(sn->n_params + 1));
    for (int i = 0; i < sn->n_params; i++)
        vals[i] = sn->params[i].value;
    Init *in = arena_alloc(sizeof *in);
    *in = (Init){.kind = INIT_CODE, .lo = -INFINITY, .hi = INFINITY, .loc = sn->loc,
                 .snip = sn, .pvals = vals};
    new_handle(L, MT_INIT, in);
    return 1;
}

/* my_init{ sd = 2 }: the user-defined initialiser with other parameter values. */
static int init_call(lua_State *L)
{
    const Init *base = *(Init **)luaL_checkudata(L, 1, MT_INIT);
    if (base->kind != INIT_CODE)
        api_error(L, "%s(...) is already an initialiser; it cannot be called",
                  init_kind_name(base->kind));
    const InitSnippet *sn = base->snip;
    if (!lua_istable(L, 2))
        api_error(L, "%s{...}: call an initialiser with a table of parameters, e.g. "
                     "%s{ %s = 1.0 } (got %s)", sn->name, sn->name,
                  sn->n_params ? sn->params[0].name : "p", type_name(L, 2));
    double *vals = arena_alloc(sizeof(double) * (size_t)(sn->n_params + 1));
    memcpy(vals, base->pvals, sizeof(double) * (size_t)sn->n_params);
    const char *what = arena_printf("%s{...}", sn->name);
    const char **keys;
    int n = sorted_keys(L, 2, what, &keys);
    const char **names = arena_alloc(sizeof(char *) * (size_t)(sn->n_params + 1));
    for (int i = 0; i < sn->n_params; i++)
        names[i] = sn->params[i].name;
    for (int i = 0; i < n; i++) {
        int k = -1;
        for (int j = 0; j < sn->n_params; j++)
            if (!strcmp(names[j], keys[i]))
                k = j;
        if (k < 0) {
            char hint[128];
            diag_hint(hint, sizeof hint, keys[i], names, sn->n_params);
            api_error(L, "%s: initialiser '%s' has no parameter '%s'%s", what, sn->name,
                      keys[i], hint);
        }
        lua_getfield(L, 2, keys[i]);
        if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
            api_error(L, "%s: parameter '%s' must be a finite number (got %s)", what, keys[i],
                      type_name(L, -1));
        vals[k] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    Init *in = arena_alloc(sizeof *in);
    *in = *base;
    in->pvals = vals;
    in->loc = caller_loc(L);
    new_handle(L, MT_INIT, in);
    return 1;
}

/* ---- connectivity rules ------------------------------------------------------------- */

static ConnRule *push_conn(lua_State *L, ConnKind kind)
{
    ConnRule *cr = arena_alloc(sizeof *cr);
    cr->kind = kind;
    cr->autapses = true;
    cr->multapses = true;
    cr->loc = caller_loc(L);
    new_handle(L, MT_CONN, cr);
    return cr;
}

/* Options table at idx: autapses = bool, multapses = bool (where allowed). */
static void conn_options(lua_State *L, int idx, ConnRule *cr, const char *fn, bool multapses)
{
    if (idx == 0 || lua_isnil(L, idx))
        return;
    if (!lua_istable(L, idx))
        api_error(L, "%s: options must be a table such as { autapses = false } (got %s)", fn,
                  type_name(L, idx));
    static const char *const k1[] = {"autapses", NULL};
    static const char *const k2[] = {"autapses", "multapses", NULL};
    check_keys(L, idx, fn, multapses ? k2 : k1, 0);
    opt_bool(L, idx, "autapses", fn, &cr->autapses);
    if (multapses)
        opt_bool(L, idx, "multapses", fn, &cr->multapses);
}

static int l_all_to_all(lua_State *L)
{
    int nargs = lua_gettop(L);
    ConnRule *cr = push_conn(L, CONN_ALL_TO_ALL);
    cr->multapses = false;
    conn_options(L, nargs >= 1 ? 1 : 0, cr, "all_to_all", false);
    return 1;
}

static int l_one_to_one(lua_State *L)
{
    if (!lua_isnoneornil(L, 1))
        api_error(L, "one_to_one: takes no arguments");
    ConnRule *cr = push_conn(L, CONN_ONE_TO_ONE);
    cr->multapses = false;
    return 1;
}

static int l_fixed_probability(lua_State *L)
{
    double p = check_num(L, 1, "fixed_probability", "p");
    if (p < 0 || p > 1)
        api_error(L, "fixed_probability: p must be between 0 and 1 (got %g)", p);
    int nargs = lua_gettop(L);
    ConnRule *cr = push_conn(L, CONN_FIXED_PROBABILITY);
    cr->p = p;
    cr->multapses = false;
    conn_options(L, nargs >= 2 ? 2 : 0, cr, "fixed_probability", false);
    return 1;
}

/* fixed_indegree(k), fixed_outdegree(k), fixed_total(n), each with { autapses, multapses }. */
static int count_rule(lua_State *L, ConnKind kind, const char *fn, const char *arg)
{
    if (lua_type(L, 1) != LUA_TNUMBER)
        api_error(L, "%s: argument '%s' must be a number (got %s)", fn, arg, type_name(L, 1));
    int64_t k = to_count(L, 1, fn, arg);
    int nargs = lua_gettop(L);
    ConnRule *cr = push_conn(L, kind);
    cr->k = k;
    conn_options(L, nargs >= 2 ? 2 : 0, cr, fn, true);
    return 1;
}

static int l_fixed_indegree(lua_State *L)
{
    return count_rule(L, CONN_FIXED_INDEGREE, "fixed_indegree", "k");
}

static int l_fixed_outdegree(lua_State *L)
{
    return count_rule(L, CONN_FIXED_OUTDEGREE, "fixed_outdegree", "k");
}

static int l_fixed_total(lua_State *L)
{
    return count_rule(L, CONN_FIXED_TOTAL, "fixed_total", "n");
}

/* connectivity { name = ..., params = { ... }, prob = "..." [, condition = "..."] } or
 * { ..., count = "...", target = "..." }: a user-defined rule.  The handle is a rule with
 * the default parameters; calling it with a table (gauss{ sigma = 2 }) gives a copy with
 * other values, as lif{ ... } does for neurons. */
static int l_connectivity(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "params", "prob", "condition", "count",
                                       "target", "max_prob", NULL};
    check_keys(L, 1, "connectivity", keys, 0);
    ConnSnippet *sn = arena_alloc(sizeof *sn);
    sn->loc = caller_loc(L);
    sn->name = opt_string(L, 1, "name", 0, "connectivity");
    if (!sn->name)
        api_error(L, "connectivity: missing 'name'");
    if (!name_ok(L, sn->name))
        api_error(L, "connectivity: name '%s' must be an identifier (letters, digits, '_')",
                  sn->name);
    const char *what = arena_printf("connectivity '%s'", sn->name);
    sn->n_params = read_params(L, 1, "params", what, sn->loc, &sn->params);
    static const char *const code_keys[] = {"prob", "condition", "count", "target"};
    for (int i = 0; i < 4; i++) {
        int ty = lua_getfield(L, 1, code_keys[i]);
        if (ty != LUA_TNIL && ty != LUA_TSTRING)
            api_error(L, "%s: '%s' must be a code string (got %s%s)", what, code_keys[i],
                      type_name(L, -1), ty == LUA_TNUMBER ? "; write it in quotes, e.g. "
                                                           "prob = \"0.1\"" : "");
        lua_pop(L, 1);
    }
    sn->prob = read_code(L, 1, "prob", sn->loc, what);
    sn->condition = read_code(L, 1, "condition", sn->loc, what);
    sn->count = read_code(L, 1, "count", sn->loc, what);
    sn->target = read_code(L, 1, "target", sn->loc, what);
    /* max_prob: a number in (0, 1] or a code string (checked per column at run time) */
    sn->max_prob_num = NAN;
    int bty = lua_getfield(L, 1, "max_prob");
    if (bty == LUA_TNUMBER) {
        double b = lua_tonumber(L, -1);
        if (!(b > 0.0 && b <= 1.0))
            api_error(L, "%s: max_prob is %g; it must be a number in (0, 1] (an upper bound "
                         "on prob: the builder visits pairs with this probability)", what, b);
        sn->max_prob_num = b;
        sn->max_prob.text = arena_printf("%.17g", b);
        sn->max_prob.loc = sn->loc;
    } else if (bty == LUA_TSTRING) {
        sn->max_prob = read_code(L, 1, "max_prob", sn->loc, what);
    } else if (bty != LUA_TNIL) {
        api_error(L, "%s: max_prob must be a number in (0, 1] or a code string (got %s)",
                  what, type_name(L, -1));
    }
    lua_pop(L, 1);
    bool pair = sn->prob.text || sn->condition.text, row = sn->count.text || sn->target.text;
    if (pair && row)
        api_error(L, "%s: give either prob (and condition) or count and target, not both",
                  what);
    if (!pair && !row)
        api_error(L, "%s: missing the rule: give prob = \"...\" (the probability of each "
                     "pair i -> j) or count = \"...\" and target = \"...\" (row i's "
                     "number of synapses and the target of its k-th)", what);
    if (pair && !sn->prob.text)
        api_error(L, "%s: 'condition' needs 'prob' (the probability of a pair that passes "
                     "it)", what);
    if (row && sn->max_prob.text)
        api_error(L, "%s: max_prob bounds the pair form's prob; the row form (count, "
                     "target) visits only its synapses already", what);
    if (row && !sn->count.text)
        api_error(L, "%s: 'target' needs 'count' (the number of synapses of row i)", what);
    if (row && !sn->target.text)
        api_error(L, "%s: 'count' needs 'target' (the target of the k-th synapse of row i)",
                  what);
    sn->row_form = row;
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    m->snippets = arena_grow(m->snippets, &c->snippets_cap, m->n_snippets + 1, sizeof(void *));
    m->snippets[m->n_snippets++] = sn;
    ConnRule *cr = push_conn(L, CONN_USER);
    cr->multapses = row;
    cr->snip = sn;
    cr->params = arena_alloc(sizeof(double) * (size_t)(sn->n_params + 1));
    for (int i = 0; i < sn->n_params; i++)
        cr->params[i] = sn->params[i].value;
    return 1;
}

/* gauss{ p_peak = 0.2 }: a user-defined rule with other parameter values. */
static int conn_call(lua_State *L)
{
    ConnRule *base = *(ConnRule **)luaL_checkudata(L, 1, MT_CONN);
    if (base->kind != CONN_USER)
        return api_error(L, "%s is already a connectivity rule; do not call it",
                         conn_kind_name(base->kind));
    const ConnSnippet *sn = base->snip;
    if (sn->n_params == 0)
        api_error(L, "connectivity '%s' has no parameters: use it as it is (conn = %s)",
                  sn->name, sn->name);
    if (!lua_istable(L, 2))
        api_error(L, "%s{...}: call a connectivity rule with a table of parameters, e.g. "
                     "%s{ %s = ... } (got %s)", sn->name, sn->name, sn->params[0].name,
                  type_name(L, 2));
    ConnRule *cr = arena_alloc(sizeof *cr);
    *cr = *base;
    cr->loc = caller_loc(L);
    cr->params = arena_alloc(sizeof(double) * (size_t)(sn->n_params + 1));
    memcpy(cr->params, base->params, sizeof(double) * (size_t)sn->n_params);
    const char **keys;
    int n = sorted_keys(L, 2, sn->name, &keys);
    const char **cands = arena_alloc(sizeof(char *) * (size_t)(sn->n_params + 1));
    for (int q = 0; q < sn->n_params; q++)
        cands[q] = sn->params[q].name;
    for (int i = 0; i < n; i++) {
        int k = -1;
        for (int q = 0; q < sn->n_params; q++)
            if (!strcmp(cands[q], keys[i]))
                k = q;
        if (k < 0) {
            char hint[128];
            diag_hint(hint, sizeof hint, keys[i], cands, sn->n_params);
            api_error(L, "%s{...}: connectivity '%s' has no parameter '%s'%s", sn->name,
                      sn->name, keys[i], hint);
        }
        lua_getfield(L, 2, keys[i]);
        if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
            api_error(L, "%s{...}: parameter '%s' must be a finite number (got %s)", sn->name,
                      keys[i], type_name(L, -1));
        cr->params[k] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    new_handle(L, MT_CONN, cr);
    return 1;
}

static int conn_tostring(lua_State *L)
{
    ConnRule *cr = *(ConnRule **)luaL_checkudata(L, 1, MT_CONN);
    if (cr->kind == CONN_USER)
        lua_pushfstring(L, "connectivity '%s' (%s:%d)", cr->snip->name, cr->snip->loc.file,
                        cr->snip->loc.line);
    else
        lua_pushfstring(L, "%s", conn_kind_name(cr->kind));
    return 1;
}

/* ---- postsynaptic models ------------------------------------------------------------ */

/* exp_curr(tau), exp_curr{ tau = 5 }, exp_curr{5}; alpha_curr likewise. */
static int tau_psm(lua_State *L, PsmKind kind, const char *fn)
{
    double tau;
    if (lua_istable(L, 1)) {
        static const char *const keys[] = {"tau", NULL};
        check_keys(L, 1, fn, keys, 1);
        if (!opt_number(L, 1, "tau", 1, fn, &tau))
            api_error(L, "%s: missing 'tau' (ms)", fn);
    } else {
        tau = check_num(L, 1, fn, "tau");
    }
    if (!(tau > 0))
        api_error(L, "%s: tau must be > 0 ms (got %g)", fn, tau);
    Psm *ps = arena_alloc(sizeof *ps);
    *ps = (Psm){.kind = kind, .tau = tau, .loc = caller_loc(L)};
    new_handle(L, MT_PSM, ps);
    return 1;
}

static int l_exp_curr(lua_State *L)
{
    return tau_psm(L, PSM_EXP_CURR, "exp_curr");
}

/* exp_cond{ tau = 5, E = 0, V = "V" }: conductance with reversal potential E. */
static int l_exp_cond(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"tau", "E", "V", NULL};
    check_keys(L, 1, "exp_cond", keys, 0);
    Psm *ps = arena_alloc(sizeof *ps);
    *ps = (Psm){.kind = PSM_EXP_COND, .V = "V", .loc = caller_loc(L)};
    if (!opt_number(L, 1, "tau", 0, "exp_cond", &ps->tau))
        api_error(L, "exp_cond: missing 'tau' (ms)");
    if (!(ps->tau > 0))
        api_error(L, "exp_cond: tau must be > 0 ms (got %g)", ps->tau);
    if (!opt_number(L, 1, "E", 0, "exp_cond", &ps->E))
        api_error(L, "exp_cond: missing 'E' (reversal potential, mV)");
    const char *v = opt_string(L, 1, "V", 0, "exp_cond");
    if (v)
        ps->V = v;
    new_handle(L, MT_PSM, ps);
    return 1;
}

/* alpha_curr{ tau = 2 } or alpha_curr(2): current w (t/tau) e^(1 - t/tau). */
static int l_alpha_curr(lua_State *L)
{
    return tau_psm(L, PSM_ALPHA_CURR, "alpha_curr");
}

/* 'delta' is a value; calling it (delta()) returns itself. */
static int psm_call(lua_State *L)
{
    Psm *ps = *(Psm **)luaL_checkudata(L, 1, MT_PSM);
    if (ps->kind != PSM_DELTA)
        return api_error(L, "%s{...} is already a postsynaptic model; do not call it",
                         psm_kind_name(ps->kind));
    lua_settop(L, 1);
    return 1;
}

static int psm_tostring(lua_State *L)
{
    Psm *ps = *(Psm **)luaL_checkudata(L, 1, MT_PSM);
    lua_pushfstring(L, "%s", psm_kind_name(ps->kind));
    return 1;
}

/* ---- current sources ------------------------------------------------------------------ */

static CurrentSource *push_cs(lua_State *L, CurrentKind kind)
{
    CurrentSource *cs = arena_alloc(sizeof *cs);
    cs->kind = kind;
    cs->loc = caller_loc(L);
    cs->psm = (Psm){.kind = PSM_DELTA, .loc = cs->loc};
    new_handle(L, MT_CS, cs);
    return cs;
}

static double need_number(lua_State *L, int t, const char *key, const char *fn)
{
    double v;
    if (!opt_number(L, t, key, 0, fn, &v))
        api_error(L, "%s: missing '%s'", fn, key);
    return v;
}

static int l_dc(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"amp", NULL};
    check_keys(L, 1, "dc", keys, 0);
    double amp = need_number(L, 1, "amp", "dc");
    push_cs(L, CS_DC)->amp = amp;
    return 1;
}

static int l_noise(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"mean", "sd", NULL};
    check_keys(L, 1, "noise", keys, 0);
    double mean = 0, sd = need_number(L, 1, "sd", "noise");
    opt_number(L, 1, "mean", 0, "noise", &mean);
    if (sd < 0)
        api_error(L, "noise: sd must be >= 0 (got %g)", sd);
    CurrentSource *cs = push_cs(L, CS_NOISE);
    cs->mean = mean;
    cs->sd = sd;
    return 1;
}

static int l_poisson_input(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"rate", "weight", NULL};
    check_keys(L, 1, "poisson_input", keys, 0);
    double rate = need_number(L, 1, "rate", "poisson_input");
    double weight = need_number(L, 1, "weight", "poisson_input");
    if (rate < 0)
        api_error(L, "poisson_input: rate must be >= 0 Hz (got %g)", rate);
    CurrentSource *cs = push_cs(L, CS_POISSON);
    cs->rate = rate;
    cs->weight = weight;
    return 1;
}

/* Read a Lua array of numbers at field key of table t. */
static int number_list(lua_State *L, int t, const char *key, const char *fn, double **out)
{
    if (lua_getfield(L, t, key) != LUA_TTABLE)
        api_error(L, "%s: '%s' must be a list of numbers", fn, key);
    int n = (int)lua_rawlen(L, -1);
    double *v = arena_alloc(sizeof(double) * (size_t)(n + 1));
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TNUMBER)
            api_error(L, "%s: '%s' entry %d must be a number", fn, key, i);
        v[i - 1] = lua_tonumber(L, -1);
        if (!isfinite(v[i - 1]))
            api_error(L, "%s: '%s' entry %d must be finite", fn, key, i);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    *out = v;
    return n;
}

/* step_current{ times = { 100, 300 }, amps = { 50, 0 } }: amps[i] pA from times[i] ms on. */
static int l_step_current(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"times", "amps", NULL};
    check_keys(L, 1, "step_current", keys, 0);
    double *times, *amps;
    int nt = number_list(L, 1, "times", "step_current", &times);
    int na = number_list(L, 1, "amps", "step_current", &amps);
    if (nt != na || nt == 0)
        api_error(L, "step_current: 'times' and 'amps' must have the same, non-zero length "
                     "(got %d and %d)", nt, na);
    for (int i = 1; i < nt; i++)
        if (!(times[i] > times[i - 1]))
            api_error(L, "step_current: 'times' must increase (entry %d: %g after %g)", i + 1,
                      times[i], times[i - 1]);
    CurrentSource *cs = push_cs(L, CS_STEP);
    cs->times = times;
    cs->amps = amps;
    cs->n_steps = nt;
    return 1;
}

/* current_source { pop, dc{...} | step_current{...} | noise{...} | poisson_input{...},
 *                  psm = ..., name = ... } */
static int l_current_source(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"pop", "source", "psm", "target", "name", "runtime",
                                       NULL};
    check_keys(L, 1, "current_source", keys, 2);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    if (get_field(L, 1, "pop", 1) == LUA_TNIL)
        api_error(L, "current_source: missing population (current_source { pop, dc{ amp = 10 } })");
    Population *p = to_pop(L, -1, "current_source", "pop");
    lua_pop(L, 1);
    if (get_field(L, 1, "source", 2) == LUA_TNIL)
        api_error(L, "current_source: missing source (dc{}, step_current{}, noise{} or "
                     "poisson_input{})");
    CurrentSource *tmpl = test_handle(L, -1, MT_CS);
    if (!tmpl)
        api_error(L, "current_source: source must be dc{}, step_current{}, noise{} or "
                     "poisson_input{} (got %s)", type_name(L, -1));
    lua_pop(L, 1);
    CurrentSource *cs = arena_alloc(sizeof *cs);
    *cs = *tmpl;
    cs->pop = p;
    cs->loc = caller_loc(L);
    cs->name = opt_string(L, 1, "name", 0, "current_source");
    if (!cs->name)
        cs->name = arena_printf("%s_%s", p->name, cs_kind_name(cs->kind));
    else if (!name_ok(L, cs->name))
        api_error(L, "current_source: name '%s' must be an identifier", cs->name);
    for (int i = 0; i < m->n_sources; i++)
        if (!strcmp(m->sources[i]->name, cs->name))
            api_error(L, "current_source '%s': name already used at %s:%d; give this one a "
                         "name = \"...\"", cs->name, m->sources[i]->loc.file,
                      m->sources[i]->loc.line);
    if (lua_getfield(L, 1, "psm") != LUA_TNIL) {
        Psm *ps = test_handle(L, -1, MT_PSM);
        if (!ps)
            api_error(L, "current_source '%s': 'psm' must be a postsynaptic model (got %s)",
                      cs->name, type_name(L, -1));
        if (cs->kind != CS_POISSON)
            api_error(L, "current_source '%s': only poisson_input goes through a postsynaptic "
                         "model; %s adds to Isyn directly", cs->name, cs_kind_name(cs->kind));
        cs->psm = *ps;
        cs->psm.loc = cs->loc;
    }
    lua_pop(L, 1);
    const char *target = opt_string(L, 1, "target", 0, "current_source");
    if (target) /* an input of the neuron, or a variable for poisson_input: check.c */
        cs->psm.target = target;
    if (lua_getfield(L, 1, "runtime") != LUA_TNIL) {
        const char *what = arena_printf("current_source '%s'", cs->name);
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'runtime' must be a list of parameter names, e.g. { \"amp\" }",
                      what);
        int t = lua_gettop(L);
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
            lua_rawgeti(L, t, i);
            const char *pn = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            const char *cands[CSP_COUNT];
            int nc = 0, k = -1;
            for (int q = 0; q < CSP_COUNT; q++)
                if (cs_has_param(cs->kind, (CsParam)q)) {
                    cands[nc++] = cs_param_name((CsParam)q);
                    if (pn && !strcmp(pn, cs_param_name((CsParam)q)))
                        k = q;
                }
            if (k < 0) {
                if (!nc)
                    api_error(L, "%s: runtime: %s has no parameters that can be set at run "
                                 "time", what, cs_kind_name(cs->kind));
                char hint[128];
                diag_hint(hint, sizeof hint, pn ? pn : "", cands, nc);
                StrBuf sb;
                sb_init(&sb);
                for (int q = 0; q < nc; q++)
                    sb_printf(&sb, "%s%s", q ? ", " : "", cands[q]);
                const char *list = arena_strdup(sb.buf);
                sb_release(&sb);
                api_error(L, "%s: runtime: %s has no parameter '%s'%s (it has: %s)", what,
                          cs_kind_name(cs->kind), pn ? pn : type_name(L, -1), hint, list);
            }
            cs->runtime[k] = true;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    cs->index = m->n_sources;
    m->sources = arena_grow(m->sources, &c->sources_cap, m->n_sources + 1, sizeof(void *));
    m->sources[m->n_sources++] = cs;
    return 0;
}

static int cs_tostring(lua_State *L)
{
    CurrentSource *cs = *(CurrentSource **)luaL_checkudata(L, 1, MT_CS);
    lua_pushfstring(L, "%s", cs_kind_name(cs->kind));
    return 1;
}

/* ---- param(), print() ------------------------------------------------------------------ */

/* param("scale", 1.0): a number from snncc -D scale=..., or the default. */
static int l_param(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    Ctx *c = get_ctx(L);
    size_t n = strlen(name);
    for (int i = 0; i < c->opt->n_defines; i++) {
        const char *d = c->opt->defines[i];
        if (!strncmp(d, name, n) && d[n] == '=') {
            char *end;
            double v = strtod(d + n + 1, &end);
            if (end == d + n + 1 || *end)
                api_error(L, "param: -D %s: '%s' is not a number", name, d + n + 1);
            c->define_used[i] = true;
            lua_pushnumber(L, v);
            return 1;
        }
    }
    if (lua_isnoneornil(L, 2))
        api_error(L, "param: '%s' has no default and is not set (pass -D %s=VALUE)", name,
                  name);
    lua_pushnumber(L, check_num(L, 2, "param", "default"));
    return 1;
}

static int l_print(lua_State *L)
{
    StrBuf sb;
    sb_init(&sb);
    int n = lua_gettop(L);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            sb_putc(&sb, '\t');
        sb_puts(&sb, luaL_tolstring(L, i, NULL));
        lua_pop(L, 1);
    }
    char *msg = arena_strdup(sb.buf);
    sb_release(&sb);
    diag_note(caller_loc(L), "%s", msg);
    return 0;
}

/* ---- custom_update{}, ref(), ref_rw() ------------------------------------------------ */

#define MT_REF "snncc.ref"
#define MT_CU  "snncc.custom_update"

/* The name of a population, projection or custom update given as a handle or a string. */
static const char *ref_target(lua_State *L, int idx, const char *fn)
{
    Population *p = test_handle(L, idx, MT_POP);
    if (p)
        return p->name;
    Projection *pj = test_handle(L, idx, MT_PROJ);
    if (pj)
        return pj->name;
    CustomUpdate *cu = test_handle(L, idx, MT_CU);
    if (cu)
        return cu->name;
    if (lua_type(L, idx) == LUA_TSTRING)
        return arena_strdup(lua_tostring(L, idx));
    api_error(L, "%s: the first argument must be a population, a projection or a custom "
                 "update, or its name (got %s)", fn, type_name(L, idx));
    return NULL;
}

/* ref(target, "var") / ref_rw(target, "var"): a variable reference (resolved by check). */
static int push_ref(lua_State *L, bool rw)
{
    const char *fn = rw ? "ref_rw" : "ref";
    CuRef *r = arena_alloc(sizeof *r);
    r->loc = caller_loc(L);
    r->target = ref_target(L, 1, fn);
    if (lua_type(L, 2) != LUA_TSTRING)
        api_error(L, "%s: the second argument must be a variable name (got %s)", fn,
                  type_name(L, 2));
    r->var = arena_strdup(lua_tostring(L, 2));
    if (!lua_isnone(L, 3))
        api_error(L, "%s: takes two arguments, the target and the variable (%s(\"Out\", "
                     "\"V\"))", fn, fn);
    r->rw = rw;
    new_handle(L, MT_REF, r);
    return 1;
}
static int l_ref(lua_State *L) { return push_ref(L, false); }
static int l_ref_rw(lua_State *L) { return push_ref(L, true); }

static int ref_tostring(lua_State *L)
{
    CuRef *r = *(CuRef **)luaL_checkudata(L, 1, MT_REF);
    lua_pushfstring(L, "%s(\"%s\", \"%s\")", r->rw ? "ref_rw" : "ref", r->target, r->var);
    return 1;
}

static int cu_tostring(lua_State *L)
{
    CustomUpdate *cu = *(CustomUpdate **)luaL_checkudata(L, 1, MT_CU);
    lua_pushfstring(L, "custom_update '%s' (%s:%d)", cu->name, cu->loc.file, cu->loc.line);
    return 1;
}

/* vars = { y = 0, M = { reduce = "max" }, S = { init = 0, reduce = "sum" } } */
static int read_cu_vars(lua_State *L, const char *what, CuVar **out)
{
    int n = 0;
    *out = arena_alloc(sizeof(CuVar));
    if (lua_getfield(L, 1, "vars") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'vars' must be a table of name = initial value", what);
        int tt = lua_gettop(L);
        const char **names;
        n = sorted_keys(L, tt, what, &names);
        *out = arena_alloc(sizeof(CuVar) * (size_t)(n + 1));
        for (int i = 0; i < n; i++) {
            CuVar *v = &(*out)[i];
            if (!name_ok(L, names[i]))
                api_error(L, "%s: name '%s' in 'vars' must be an identifier", what, names[i]);
            v->name = names[i];
            v->loc = caller_loc(L);
            v->init = (Init){.kind = INIT_CONSTANT, .lo = -INFINITY, .hi = INFINITY,
                             .loc = v->loc};
            lua_getfield(L, tt, names[i]);
            int vi = lua_gettop(L);
            if (lua_istable(L, vi) && !lua_getmetatable(L, vi)) {
                static const char *const keys[] = {"init", "reduce", "shared", NULL};
                const char *w = arena_printf("%s: variable '%s'", what, names[i]);
                check_keys(L, vi, w, keys, 0);
                if (lua_getfield(L, vi, "init") != LUA_TNIL)
                    v->init = to_init(L, lua_gettop(L), w, "init");
                lua_pop(L, 1);
                if (lua_getfield(L, vi, "shared") != LUA_TNIL) {
                    if (!lua_isboolean(L, -1))
                        api_error(L, "%s: shared must be true or false", w);
                    v->shared = lua_toboolean(L, -1);
                }
                lua_pop(L, 1);
                const char *red = opt_string(L, vi, "reduce", 0, w);
                if (red && !strcmp(red, "sum"))
                    v->reduce = CU_REDUCE_SUM;
                else if (red && !strcmp(red, "max"))
                    v->reduce = CU_REDUCE_MAX;
                else if (red && !strcmp(red, "batch_sum"))
                    v->reduce = CU_REDUCE_BATCH_SUM;
                else if (red && !strcmp(red, "batch_max"))
                    v->reduce = CU_REDUCE_BATCH_MAX;
                else if (red)
                    api_error(L, "%s: reduce must be \"sum\", \"max\", \"batch_sum\" or "
                                 "\"batch_max\" (got \"%s\")", w, red);
            } else {
                v->init = to_init(L, vi, what, names[i]);
            }
            if (v->init.kind >= INIT_CODE)
                api_error(L, "%s: '%s' in 'vars': the initial value of a custom-update variable "
                             "is a number or an initialiser such as uniform(0, 1)", what,
                          names[i]);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return n;
}

static int l_custom_update(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "group", "params", "vars", "var_refs", "code",
                                       "every", "at_end", "runtime", NULL};
    check_keys(L, 1, "custom_update", keys, 0);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    CustomUpdate *cu = arena_alloc(sizeof *cu);
    cu->loc = caller_loc(L);
    cu->name = opt_string(L, 1, "name", 0, "custom_update");
    if (!cu->name)
        api_error(L, "custom_update: missing 'name'");
    if (!name_ok(L, cu->name))
        api_error(L, "custom_update: name '%s' must be an identifier", cu->name);
    const char *what = arena_printf("custom_update '%s'", cu->name);
    for (int i = 0; i < m->n_cus; i++)
        if (!strcmp(m->cus[i]->name, cu->name))
            api_error(L, "%s: name already used at %s:%d", what, m->cus[i]->loc.file,
                      m->cus[i]->loc.line);
    cu->group = opt_string(L, 1, "group", 0, what);
    if (!cu->group)
        api_error(L, "%s: missing 'group' (the name the run config schedules it by)", what);
    if (!name_ok(L, cu->group))
        api_error(L, "%s: group '%s' must be an identifier", what, cu->group);
    cu->n_params = read_params(L, 1, "params", what, cu->loc, &cu->params);
    cu->n_vars = read_cu_vars(L, what, &cu->vars);
    /* var_refs = { V = ref("Out", "V") } */
    cu->refs = arena_alloc(sizeof(CuRef));
    if (lua_getfield(L, 1, "var_refs") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'var_refs' must be a table of name = ref(...)", what);
        int tt = lua_gettop(L);
        const char **names;
        cu->n_refs = sorted_keys(L, tt, what, &names);
        cu->refs = arena_alloc(sizeof(CuRef) * (size_t)(cu->n_refs + 1));
        for (int i = 0; i < cu->n_refs; i++) {
            if (!name_ok(L, names[i]))
                api_error(L, "%s: name '%s' in 'var_refs' must be an identifier", what,
                          names[i]);
            lua_getfield(L, tt, names[i]);
            CuRef *r = test_handle(L, -1, MT_REF);
            if (!r)
                api_error(L, "%s: var_refs '%s' must be ref(target, \"var\") or "
                             "ref_rw(target, \"var\") (got %s)", what, names[i],
                          type_name(L, -1));
            cu->refs[i] = *r;
            cu->refs[i].name = names[i];
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    cu->code = read_code(L, 1, "code", cu->loc, what);
    if (!cu->code.text)
        api_error(L, "%s: missing 'code'", what);
    double every;
    if (opt_number(L, 1, "every", 0, what, &every)) {
        if (every < 1 || every != floor(every) || every > 2e9)
            api_error(L, "%s: 'every' must be a whole number of steps, at least 1 (got %g)",
                      what, every);
        cu->every = (int)every;
        cu->every_given = true;
    }
    cu->at_end_given = opt_bool(L, 1, "at_end", what, &cu->at_end);
    cu->runtime = arena_alloc(sizeof(bool) * (size_t)(cu->n_params + 1));
    if (lua_getfield(L, 1, "runtime") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'runtime' must be a list of parameter names, e.g. { \"eta\" }",
                      what);
        int t = lua_gettop(L);
        for (lua_Integer i = 1; i <= (lua_Integer)lua_rawlen(L, t); i++) {
            lua_rawgeti(L, t, i);
            const char *pn = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
            int k = pn ? named_index(cu->params, cu->n_params, pn) : -1;
            if (k < 0) {
                const char **cands = arena_alloc(sizeof(char *) * (size_t)(cu->n_params + 1));
                for (int q = 0; q < cu->n_params; q++)
                    cands[q] = cu->params[q].name;
                char hint[128];
                diag_hint(hint, sizeof hint, pn ? pn : "", cands, cu->n_params);
                api_error(L, "%s: runtime: no parameter '%s'%s", what,
                          pn ? pn : type_name(L, -1), hint);
            }
            cu->runtime[k] = true;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    cu->index = m->n_cus;
    m->cus = arena_grow(m->cus, &c->cus_cap, m->n_cus + 1, sizeof(void *));
    m->cus[m->n_cus++] = cu;
    new_handle(L, MT_CU, cu);
    return 1;
}

/* ---- connectivity_update{} --------------------------------------------------------- */

/* A code string or a number (written as code) at field 'key' of the table at t. */
static CodeStr read_value(lua_State *L, int t, const char *key, SrcLoc call, const char *what)
{
    int ty = lua_getfield(L, t, key);
    if (ty == LUA_TNUMBER) {
        double v = lua_tonumber(L, -1);
        lua_pop(L, 1);
        if (!isfinite(v))
            api_error(L, "%s: '%s' must be finite (got %g)", what, key, v);
        return (CodeStr){.text = arena_printf("%.17g", v), .loc = call};
    }
    if (ty != LUA_TNIL && ty != LUA_TSTRING)
        api_error(L, "%s: '%s' must be a code string or a number (got %s)", what, key,
                  type_name(L, -1));
    lua_pop(L, 1);
    return read_code(L, t, key, call, what);
}

static int l_connectivity_update(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const keys[] = {"name", "projection", "every", "group", "params",
                                       "remove", "add", "candidates", NULL};
    check_keys(L, 1, "connectivity_update", keys, 0);
    Ctx *c = get_ctx(L);
    Model *m = c->m;
    ConnUpdate *u = arena_alloc(sizeof *u);
    u->loc = caller_loc(L);
    u->name = opt_string(L, 1, "name", 0, "connectivity_update");
    if (!u->name)
        api_error(L, "connectivity_update: missing 'name'");
    if (!name_ok(L, u->name))
        api_error(L, "connectivity_update: name '%s' must be an identifier", u->name);
    const char *what = arena_printf("connectivity_update '%s'", u->name);
    for (int i = 0; i < m->n_cupds; i++)
        if (!strcmp(m->cupds[i]->name, u->name))
            api_error(L, "%s: name already used at %s:%d", what, m->cupds[i]->loc.file,
                      m->cupds[i]->loc.line);
    if (lua_getfield(L, 1, "projection") == LUA_TNIL)
        api_error(L, "%s: missing 'projection' (the sparse projection it rewires)", what);
    Projection *pj = test_handle(L, -1, MT_PROJ);
    if (pj)
        u->proj_name = pj->name;
    else if (lua_type(L, -1) == LUA_TSTRING)
        u->proj_name = arena_strdup(lua_tostring(L, -1));
    else
        api_error(L, "%s: 'projection' must be a projection or its name (got %s)", what,
                  type_name(L, -1));
    lua_pop(L, 1);
    double every;
    u->group = opt_string(L, 1, "group", 0, what);
    if (u->group && !name_ok(L, u->group))
        api_error(L, "%s: group '%s' must be an identifier", what, u->group);
    if (opt_number(L, 1, "every", 0, what, &every)) {
        if (every < 1 || every != floor(every) || every > 2e9)
            api_error(L, "%s: 'every' must be a whole number of steps, at least 1 (got %g)",
                      what, every);
        u->every = (int)every;
    } else if (!u->group) {
        api_error(L, "%s: missing 'every' (run it every N steps) or 'group' (run it when that "
                     "custom-update group runs)", what);
    }
    u->n_params = read_params(L, 1, "params", what, u->loc, &u->params);
    u->remove = read_value(L, 1, "remove", u->loc, what);
    if (lua_getfield(L, 1, "candidates") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'candidates' must be a table { count = ..., remove = ..., add = "
                         "... }", what);
        int ct = lua_gettop(L);
        static const char *const ckeys[] = {"count", "total", "remove", "add", NULL};
        check_keys(L, ct, arena_printf("%s candidates", what), ckeys, 0);
        u->candidates = true;
        u->cand_count = read_value(L, ct, "count", u->loc, what);
        u->cand_total = read_value(L, ct, "total", u->loc, what);
        u->cand_remove = read_value(L, ct, "remove", u->loc, what);
        u->cand_add = read_value(L, ct, "add", u->loc, what);
        if (!u->cand_count.text && !u->cand_total.text)
            api_error(L, "%s: 'candidates' needs 'count' (candidates per row) or 'total' "
                         "(candidates spread over the rows)", what);
        if (u->cand_count.text && u->cand_total.text)
            api_error(L, "%s: 'candidates' takes 'count' or 'total', not both", what);
        if (!u->cand_remove.text && !u->cand_add.text)
            api_error(L, "%s: 'candidates' needs 'remove' (per connected candidate) and/or "
                         "'add' (per unconnected candidate)", what);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, 1, "add") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            api_error(L, "%s: 'add' must be a table { count = ..., target = ..., init = { ... } "
                         "}", what);
        int at = lua_gettop(L);
        static const char *const akeys[] = {"count", "total", "target", "init", "redraw",
                                            NULL};
        check_keys(L, at, arena_printf("%s add", what), akeys, 0);
        u->count = read_value(L, at, "count", u->loc, what);
        u->total = read_value(L, at, "total", u->loc, what);
        u->target = read_value(L, at, "target", u->loc, what);
        if (u->candidates && (u->count.text || u->total.text || u->target.text))
            api_error(L, "%s: with 'candidates', 'add' takes only 'init' (the candidates are the "
                         "targets; candidates.add decides which are formed)", what);
        if (!u->candidates && !u->count.text && !u->total.text)
            api_error(L, "%s: 'add' needs 'count' (additions per row) or 'total' (additions "
                         "spread over the rows)", what);
        if (u->count.text && u->total.text)
            api_error(L, "%s: 'add' takes 'count' or 'total', not both", what);
        if (!u->target.text && !u->candidates)
            api_error(L, "%s: 'add' needs 'target' (the target of row i's k-th addition)",
                      what);
        if (lua_getfield(L, at, "redraw") != LUA_TNIL) {
            if (!lua_isboolean(L, -1))
                api_error(L, "%s: 'add.redraw' must be true or false (got %s)", what,
                          type_name(L, -1));
            u->redraw = lua_toboolean(L, -1);
            if (u->redraw && u->candidates)
                api_error(L, "%s: with 'candidates', 'add' takes only 'init' ('add.redraw' "
                             "draws targets again; the candidates are drawn distinct)", what);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, at, "init") != LUA_TNIL) {
            if (!lua_istable(L, -1))
                api_error(L, "%s: 'add.init' must be a table { var = value or \"code\" }", what);
            int it = lua_gettop(L);
            u->n_init = sorted_keys(L, it, what, &u->init_names);
            u->init_code = arena_alloc(sizeof(CodeStr) * (size_t)(u->n_init + 1));
            for (int i = 0; i < u->n_init; i++)
                u->init_code[i] = read_value(L, it, u->init_names[i], u->loc, what);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    if (!u->remove.text && !u->count.text && !u->total.text && !u->candidates)
        api_error(L, "%s: give 'remove' and/or 'add' (or 'candidates')", what);
    u->index = m->n_cupds;
    m->cupds = arena_grow(m->cupds, &c->cupds_cap, m->n_cupds + 1, sizeof(void *));
    m->cupds[m->n_cupds++] = u;
    return 0;
}

/* ---- registration ------------------------------------------------------------------- */

static void new_meta(lua_State *L, const char *name, lua_CFunction tostring,
                     lua_CFunction call, lua_CFunction index)
{
    luaL_newmetatable(L, name);
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    if (call) {
        lua_pushcfunction(L, call);
        lua_setfield(L, -2, "__call");
    }
    if (index) {
        lua_pushcfunction(L, index);
        lua_setfield(L, -2, "__index");
    }
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* models cannot replace it */
    lua_pop(L, 1);
}

Model *api_begin(lua_State *L, const char *path, const char *text, const LoadOptions *opt)
{
    Ctx *c = lua_newuserdatauv(L, sizeof *c, 0);
    memset(c, 0, sizeof *c);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &ctx_key);
    Model *m = arena_alloc(sizeof *m);
    m->file = arena_strdup(path);
    m->loc = (SrcLoc){m->file, 0};
    /* default name: file stem */
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    m->name = arena_strndup(base, dot ? (size_t)(dot - base) : strlen(base));
    m->dt = 0.1;
    m->seed = 1234;
    m->precision = PREC_FLOAT;
    c->m = m;
    c->opt = opt;
    c->define_used = arena_alloc(sizeof(bool) * (size_t)(opt->n_defines + 1));
    new_meta(L, MT_NEURON, neuron_tostring, neuron_call, NULL);
    new_meta(L, MT_POP, pop_tostring, NULL, pop_index);
    new_meta(L, MT_PROJ, proj_tostring, NULL, NULL);
    new_meta(L, MT_INIT, init_tostring, init_call, NULL);
    new_meta(L, MT_CONN, conn_tostring, conn_call, NULL);
    new_meta(L, MT_PSM, psm_tostring, psm_call, NULL);
    new_meta(L, MT_CS, cs_tostring, NULL, NULL);
    new_meta(L, MT_SYN, synapse_tostring, synapse_call, NULL);
    new_meta(L, MT_REF, ref_tostring, NULL, NULL);
    new_meta(L, MT_CU, cu_tostring, NULL, NULL);
    (void)text;
    return m;
}

void api_set_current_file(lua_State *L, const char *path, const char *text)
{
    Ctx *c = get_ctx(L);
    c->cur_file = arena_strdup(path);
    c->cur_text = text;
}

void api_register(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"network", l_network},
        {"neuron", l_neuron},
        {"population", l_population},
        {"projection", l_projection},
        {"record", l_record},
        {"constant", l_constant},
        {"uniform", l_uniform},
        {"normal", l_normal},
        {"all_to_all", l_all_to_all},
        {"one_to_one", l_one_to_one},
        {"fixed_probability", l_fixed_probability},
        {"fixed_indegree", l_fixed_indegree},
        {"exp_curr", l_exp_curr},
        {"exp_cond", l_exp_cond},
        {"alpha_curr", l_alpha_curr},
        {"normal_clipped", l_normal_clipped},
        {"lognormal", l_lognormal},
        {"exponential", l_exponential},
        {"initialiser", l_initialiser},
        {"fixed_outdegree", l_fixed_outdegree},
        {"fixed_total", l_fixed_total},
        {"connectivity", l_connectivity},
        {"current_source", l_current_source},
        {"synapse", l_synapse},
        {"spike_source_array", l_spike_source_array},
        {"spike_source_dataset", l_spike_source_dataset},
        {"dc", l_dc},
        {"step_current", l_step_current},
        {"noise", l_noise},
        {"poisson_input", l_poisson_input},
        {"param", l_param},
        {"print", l_print},
        {"from_file", l_from_file},
        {"from_list", l_from_list},
        {"from_matrix", l_from_matrix},
        {"custom_update", l_custom_update},
        {"connectivity_update", l_connectivity_update},
        {"ref", l_ref},
        {"ref_rw", l_ref_rw},
        {NULL, NULL},
    };
    luaL_setfuncs(L, fns, 0);
    Psm *delta = arena_alloc(sizeof *delta);
    *delta = (Psm){.kind = PSM_DELTA, .loc = {"<builtin>", 0}};
    new_handle(L, MT_PSM, delta);
    lua_setfield(L, -2, "delta");
}

int api_end(lua_State *L)
{
    Ctx *c = get_ctx(L);
    for (int i = 0; i < c->opt->n_defines; i++)
        if (!c->define_used[i])
            diag_warn((SrcLoc){c->m->file, 0}, "-D %s: the model has no param() of that name",
                      c->opt->defines[i]);
    return 0;
}
