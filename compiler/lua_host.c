/*
 * lua_host.c - the sandboxed Lua 5.4 state that runs model files.
 *
 * Shape copied from lua.c: all work happens inside one protected call with a traceback
 * handler.  The state gets a counting allocator (memory cap), an instruction-count hook
 * (a runaway loop becomes an error, not a hang), only the base, table, string, math and
 * utf8 libraries, and a per-file environment built from an allow list whose metatable
 * turns an unknown global into "unknown name 'X' (did you mean 'Y'?)".  Its pcall cannot
 * swallow the instruction limit, and its setmetatable refuses __gc (finalizers run with
 * hooks off, out of the limit's reach).  Files are loaded as text ("t" mode) with "@path"
 * as chunk name, so every Lua error reads path:line.
 * The model-language functions themselves live in lua_api.c.
 */
#include "snncc.h"
#include "lua_api.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

typedef struct Limits {
    size_t used, cap;
    uint64_t instr, instr_cap;
    lua_State *L;    /* set once the state exists */
    bool refused;    /* an allocation was refused: the model ran out of memory */
    char where[256]; /* "file:line" of the model code running at the last refusal */
    char hook_where[256]; /* "file:line" where the instruction-count hook last ran */
} Limits;

/* "file:line" of the innermost Lua function on the stack into buf; false when none. */
static bool lua_position(lua_State *L, char *buf, size_t n)
{
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0) {
            snprintf(buf, n, "%s:%d", ar.source[0] == '@' ? ar.source + 1 : ar.short_src,
                     ar.currentline);
            return true;
        }
    }
    return false;
}

static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    Limits *lim = ud;
    if (!ptr)
        osize = 0;
    if (nsize == 0) {
        free(ptr);
        lim->used -= osize;
        return NULL;
    }
    if (nsize > osize && lim->used - osize + nsize > lim->cap) {
        lim->refused = true;
        /* Memory errors carry no position, so note where the model is.  Ask Lua only for
         * a fresh block: a refused reallocation may be the Lua stack's, which is
         * inconsistent while it moves; then take where the count hook last was (a table
         * that grows until memory runs out does so in a loop, where the hook runs). */
        if (lim->L && !ptr)
            lua_position(lim->L, lim->where, sizeof lim->where);
        else if (lim->L)
            memcpy(lim->where, lim->hook_where, sizeof lim->where);
        return NULL; /* Lua raises "not enough memory" */
    }
    void *p = realloc(ptr, nsize);
    if (p)
        lim->used = lim->used - osize + nsize;
    return p;
}

static int at_panic(lua_State *L)
{
    fprintf(stderr, "snncc: internal error: unprotected Lua error: %s\n",
            lua_tostring(L, -1));
    abort();
}

#define HOOK_EVERY 100000

static void count_hook(lua_State *L, lua_Debug *ar)
{
    Limits *lim;
    lua_getallocf(L, (void **)&lim);
    lim->instr += HOOK_EVERY;
    lua_position(L, lim->hook_where, sizeof lim->hook_where);
    if (lim->instr > lim->instr_cap) {
        /* lua_pushfstring knows no %llu; and the position is that of the running
         * function (level 0 in a hook), not of its caller. */
        char msg[128];
        snprintf(msg, sizeof msg, "model evaluation exceeded %llu instructions (an endless "
                 "loop?)", (unsigned long long)lim->instr_cap);
        luaL_where(L, 0);
        lua_pushstring(L, msg);
        lua_concat(L, 2);
        lua_error(L);
    }
}

/* Length of the "path:line: " prefix that Lua puts on error messages, or 0. */
static size_t position_len(const char *msg)
{
    for (const char *p = msg; *p && *p != '\n'; p++) {
        if (*p == ':' && p[1] >= '0' && p[1] <= '9') {
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9')
                q++;
            if (*q == ':' && q[1] == ' ')
                return (size_t)(q + 2 - msg);
        }
    }
    return 0;
}

static int msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    /* error("x", 0), error({}) and errors raised by C functions have no position */
    char pos[256];
    if (!position_len(msg) && lua_position(L, pos, sizeof pos))
        msg = lua_pushfstring(L, "%s: %s", pos, msg);
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Turn "file:12: text\nstack traceback:..." into "file:12: error: text" (+ traceback when
 * verbose) and report it.  'note' (may be "") goes at the end of the first line. */
static void report_lua_error(const char *msg, const char *note)
{
    StrBuf sb;
    sb_init(&sb);
    const char *tb = strstr(msg, "\nstack traceback:");
    size_t n = tb && !diag_verbose() ? (size_t)(tb - msg) : strlen(msg);
    const char *nl = memchr(msg, '\n', n);
    size_t first = nl ? (size_t)(nl - msg) : n; /* the first line */
    size_t pl = position_len(msg);
    const char *colon = pl && pl <= first ? msg + pl : NULL;
    if (colon && strncmp(colon, "error: ", 7) != 0) {
        sb_putn(&sb, msg, (size_t)(colon - msg));
        sb_puts(&sb, "error: ");
        sb_putn(&sb, colon, first - (size_t)(colon - msg));
    } else if (colon) {
        sb_putn(&sb, msg, first);
    } else {
        sb_puts(&sb, "snncc: error: ");
        sb_putn(&sb, msg, first);
    }
    sb_puts(&sb, note);
    sb_putn(&sb, msg + first, n - first);
    diag_error_raw(sb.buf);
    sb_release(&sb);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    StrBuf sb;
    sb_init(&sb);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_putn(&sb, buf, n);
    int err = ferror(f);
    fclose(f);
    if (err) {
        sb_release(&sb);
        errno = EIO;
        return NULL;
    }
    *len = sb.len;
    return sb_detach(&sb);
}

/* pcall that cannot swallow the instruction limit: once it is exceeded, the error goes on
 * (else 'while true do pcall(f) end' would never stop). */
static int host_pcall(lua_State *L)
{
    luaL_checkany(L, 1);
    int st = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    Limits *lim;
    lua_getallocf(L, (void **)&lim);
    if (st != LUA_OK && lim->instr > lim->instr_cap)
        return lua_error(L);
    if (st != LUA_OK) {    /* the model handled it: forget a refused allocation */
        lim->refused = false;
        lim->where[0] = '\0';
    }
    lua_pushboolean(L, st == LUA_OK);
    lua_insert(L, 1);
    return lua_gettop(L);
}

/* setmetatable without __gc: finalizers run with hooks off, so an endless loop in one
 * would hang snncc past the instruction limit.  Upvalue 1: the real setmetatable. */
static int host_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        int ty = lua_rawget(L, 2);
        lua_pop(L, 1);
        if (ty != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not available in model "
                                 "files");
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

/* Standard Lua names that model files do not get. */
static const char *const sandboxed[] = {
    "io", "os", "require", "load", "loadfile", "dofile", "debug", "package", "coroutine",
    "collectgarbage", "loadstring", "module", "_G", NULL,
};

static const char *const allowed_globals[] = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "select", "tonumber",
    "tostring", "type", "setmetatable", "getmetatable", "rawget", "rawequal", "rawlen",
    "rawset", "string", "table", "math", "utf8", NULL,
};

/* __index of the environment: unknown names are errors. */
static int env_index(lua_State *L)
{
    const char *name = lua_tostring(L, 2);
    if (!name)
        return luaL_error(L, "unknown name");
    const char *cands[512];
    int nc = 0;
    lua_pushnil(L);
    while (lua_next(L, 1) && nc < 512) {
        if (lua_type(L, -2) == LUA_TSTRING)
            cands[nc++] = lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    for (int i = 0; sandboxed[i]; i++)
        if (!strcmp(sandboxed[i], name))
            return luaL_error(L, "unknown name '%s' (model files run in a sandbox without "
                                 "files, the OS and module loading)", name);
    char hint[128];
    diag_hint(hint, sizeof hint, name, cands, nc);
    return luaL_error(L, "unknown name '%s'%s", name, hint);
}

/* Build the shared environment table (globals allow list + model API) at the top. */
static void push_env(lua_State *L)
{
    lua_newtable(L);                                   /* env */
    for (int i = 0; allowed_globals[i]; i++) {
        lua_getglobal(L, allowed_globals[i]);
        lua_setfield(L, -2, allowed_globals[i]);
    }
    lua_pushcfunction(L, host_pcall);
    lua_setfield(L, -2, "pcall");
    lua_getglobal(L, "setmetatable");
    lua_pushcclosure(L, host_setmetatable, 1);
    lua_setfield(L, -2, "setmetatable");
    api_register(L);                                   /* model language into env */
    lua_newtable(L);                                   /* env mt */
    lua_pushcfunction(L, env_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
}

/* Load one chunk and run it with env (at index envidx). */
static int run_chunk(lua_State *L, int envidx, const char *name, const char *text, size_t len)
{
    lua_pushcfunction(L, msghandler);
    int base = lua_gettop(L);
    char *chunk = arena_printf("@%s", name);
    int st = luaL_loadbufferx(L, text, len, chunk, "t");
    if (st == LUA_OK) {
        lua_pushvalue(L, envidx);
        lua_setupvalue(L, -2, 1);                      /* _ENV */
        st = lua_pcall(L, 0, 0, base);
    }
    if (st != LUA_OK) {
        Limits *lim;
        lua_getallocf(L, (void **)&lim);
        char note[128] = "";
        if (lim->refused) {
            size_t mib = lim->cap >> 20;
            if (mib << 20 == lim->cap)
                snprintf(note, sizeof note, " (model evaluation may use %zu MiB; see "
                         "--mem-limit)", mib);
            else
                snprintf(note, sizeof note, " (model evaluation may use %zu bytes)", lim->cap);
        }
        const char *msg = lua_tostring(L, -1);
        if (!msg)
            msg = "(error object is not a string)";
        if (!strstr(msg, "not enough memory"))
            note[0] = '\0';
        /* A memory error has no position and no traceback; add the position without
         * asking Lua for memory. */
        if (st == LUA_ERRMEM && lim->where[0])
            report_lua_error(arena_printf("%s: %s", lim->where, msg), note);
        else if (st == LUA_ERRMEM)
            diag_error((SrcLoc){name, 0}, "%s%s", msg, note);
        else
            report_lua_error(msg, note);
        lua_settop(L, base - 1);
        return -1;
    }
    lua_settop(L, base - 1);
    return 0;
}

/* The instruction hook cannot see time spent inside one C function (a pathological
 * string.find pattern), so a wall-clock alarm backs it up.  The handler may only use
 * async-signal-safe calls: it writes a prepared message and exits. */
static char alarm_msg[512];

static void on_alarm(int sig)
{
    (void)sig;
    ssize_t r = write(2, alarm_msg, strlen(alarm_msg));
    (void)r;
    _exit(1);
}

static void arm_alarm(const char *path, unsigned seconds)
{
    snprintf(alarm_msg, sizeof alarm_msg, "%s: error: model evaluation took longer than %u s "
             "(a runaway string pattern or loop inside a library function?)\n", path, seconds);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

Model *load_model_string(const char *path, const char *text, const LoadOptions *opt)
{
    LoadOptions defaults = {0};
    if (!opt)
        opt = &defaults;
    Limits lim = {0};
    lim.cap = opt->mem_limit ? opt->mem_limit : (size_t)512 << 20;
    lim.instr_cap = opt->instr_limit ? opt->instr_limit : 1000000000ull;
    arm_alarm(path, opt->time_limit ? opt->time_limit : 120);
    lua_State *L = lua_newstate(limited_alloc, &lim);
    if (!L) {
        alarm(0);
        diag_error((SrcLoc){path, 0}, "cannot create the Lua state (out of memory)");
        return NULL;
    }
    lua_atpanic(L, at_panic);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},      {LUA_TABLIBNAME, luaopen_table},
        {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math},
        {LUA_UTF8LIBNAME, luaopen_utf8}, {NULL, NULL},
    };
    for (const luaL_Reg *l = libs; l->func; l++) {
        luaL_requiref(L, l->name, l->func, 1);
        lua_pop(L, 1);
    }
    /* Lua seeds math.random from the clock; a model that uses it must still build the
     * same network every time */
    lua_getglobal(L, "math");
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 42);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_EVERY);
    lim.L = L;

    Model *m = api_begin(L, path, text, opt);
    push_env(L);
    int env = lua_gettop(L);

    const char *stdlib = tmpl_builtin("lua/stdlib.lua");
    int rc = 0;
    if (stdlib) {
        api_set_current_file(L, "<stdlib>", stdlib);
        rc = run_chunk(L, env, "<stdlib>", stdlib, strlen(stdlib));
    }
    if (rc == 0) {
        api_set_current_file(L, path, text);
        rc = run_chunk(L, env, path, text, strlen(text));
    }
    if (rc == 0)
        rc = api_end(L);
    lua_close(L);
    alarm(0);
    return rc == 0 && diag_error_count() == 0 ? m : NULL;
}

Model *load_model(const char *path, const LoadOptions *opt)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        diag_error((SrcLoc){path, 0}, "cannot read model file: %s", strerror(errno));
        return NULL;
    }
    if (memchr(text, '\0', len)) {
        diag_error((SrcLoc){path, 0}, "not a text file (contains NUL bytes)");
        free(text);
        return NULL;
    }
    char *copy = arena_strndup(text, len);
    free(text);
    return load_model_string(path, copy, opt);
}
