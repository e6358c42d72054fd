/* bench/launch.c - what this machine can run and the command line of one run (see
 * launch.h and docs/benchmarking.md, "MPI and GPU cells"). */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "launch.h"

#include <ctype.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("snnbench: out of memory\n", stderr);
        exit(2);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* ---- words ----------------------------------------------------------------------- */

typedef struct {
    char **v;
    int n, cap;
} Words;

static void words_push(Words *w, char *s)
{
    if (w->n + 1 >= w->cap) {
        w->cap = w->cap ? 2 * w->cap : 16;
        w->v = realloc(w->v, (size_t)w->cap * sizeof *w->v);
        if (!w->v) {
            fputs("snnbench: out of memory\n", stderr);
            exit(2);
        }
    }
    w->v[w->n++] = s;
    w->v[w->n] = NULL;
}

int split_words(const char *s, char ***out)
{
    Words w = {0};
    size_t len = strlen(s);
    char *cur = xmalloc(len + 1);
    *out = NULL;
    const char *p = s;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n')
            p++;
        if (!*p)
            break;
        size_t k = 0;
        char quote = 0;
        for (; *p; p++) {
            if (quote) {
                if (*p == quote)
                    quote = 0;
                else if (*p == '\\' && quote == '"' && p[1])
                    cur[k++] = *++p;
                else
                    cur[k++] = *p;
            } else if (*p == '\'' || *p == '"') {
                quote = *p;
            } else if (*p == '\\' && p[1]) {
                cur[k++] = *++p;
            } else if (*p == ' ' || *p == '\t' || *p == '\n') {
                break;
            } else {
                cur[k++] = *p;
            }
        }
        if (quote) {
            free(cur);
            argv_free(w.v);
            return -1;
        }
        cur[k] = 0;
        words_push(&w, xstrdup(cur));
    }
    free(cur);
    if (!w.v) { /* no words: an empty, NULL-terminated list */
        w.v = xmalloc(sizeof *w.v);
        w.v[0] = NULL;
    }
    *out = w.v;
    return w.n;
}

void argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

char *argv_join(char *const *argv)
{
    size_t cap = 1;
    for (char *const *a = argv; *a; a++)
        cap += 4 * strlen(*a) + 3;
    char *out = xmalloc(cap), *o = out;
    for (char *const *a = argv; *a; a++) {
        if (a != argv)
            *o++ = ' ';
        int plain = **a != 0;
        for (const char *c = *a; *c; c++)
            if (!(isalnum((unsigned char)*c) || strchr("-_./=:,+@%{}", *c)))
                plain = 0;
        if (plain) {
            o += sprintf(o, "%s", *a);
            continue;
        }
        *o++ = '\'';
        for (const char *c = *a; *c; c++) {
            if (*c == '\'') {
                memcpy(o, "'\\''", 4);
                o += 4;
            } else {
                *o++ = *c;
            }
        }
        *o++ = '\'';
    }
    *o = 0;
    return out;
}

/* ---- the machine ----------------------------------------------------------------- */

int on_path(const char *prog)
{
    struct stat st;
    if (!prog || !*prog)
        return 0;
    if (strchr(prog, '/'))
        return stat(prog, &st) == 0 && S_ISREG(st.st_mode) && access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[PATH_MAX];
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, sizeof buf, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", prog);
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 1;
        path += n;
        if (*path == ':')
            path++;
    }
    return 0;
}

int physical_cores(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    int logical = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        logical = CPU_COUNT(&set);
    else
        CPU_ZERO(&set);
    if (logical <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        logical = n > 0 ? (int)n : 1;
        for (int i = 0; i < logical && i < CPU_SETSIZE; i++)
            CPU_SET(i, &set);
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return logical;
    /* pairs seen: package * 65536 + core */
    long seen[CPU_SETSIZE];
    int nseen = 0, proc = -1, pkg = 0, core = -1, have_core_ids = 0;
    char line[512];
    for (;;) {
        char *got = fgets(line, sizeof line, f);
        if (!got || line[0] == '\n') { /* end of one processor's block */
            if (proc >= 0 && proc < CPU_SETSIZE && CPU_ISSET(proc, &set) && core >= 0) {
                long key = (long)pkg * 65536 + core;
                int dup = 0;
                for (int i = 0; i < nseen; i++)
                    dup |= seen[i] == key;
                if (!dup && nseen < CPU_SETSIZE)
                    seen[nseen++] = key;
            }
            proc = -1;
            pkg = 0;
            core = -1;
            if (!got)
                break;
            continue;
        }
        int v;
        if (sscanf(line, "processor : %d", &v) == 1)
            proc = v;
        else if (sscanf(line, "physical id : %d", &v) == 1)
            pkg = v;
        else if (sscanf(line, "core id : %d", &v) == 1) {
            core = v;
            have_core_ids = 1;
        }
    }
    fclose(f);
    if (!have_core_ids || nseen == 0)
        return logical;
    return nseen < logical ? nseen : logical;
}

void mpi_version_parse(const char *text, char *impl, size_t il, char *ver, size_t vl)
{
    char v[64] = "";
    const char *p, *name = "";
    if ((p = strstr(text, "(Open MPI)"))) { /* "mpirun (Open MPI) 4.1.4" */
        name = "Open MPI";
        sscanf(p + 10, " %63[0-9A-Za-z.+~-]", v);
    } else if ((p = strstr(text, "Intel(R) MPI Library"))) { /* "..., Version 2021.6 Build ..." */
        name = "Intel MPI";
        if ((p = strstr(p, "Version ")))
            sscanf(p + 8, "%63[0-9A-Za-z.+~-]", v);
    } else if (strstr(text, "HYDRA") || strstr(text, "MPICH")) { /* "HYDRA build details:" */
        name = strstr(text, "MVAPICH") ? "MVAPICH" : "MPICH";
        if ((p = strstr(text, "Version:")))
            sscanf(p + 8, " %63[0-9A-Za-z.+~-]", v);
    } else {
        snprintf(v, sizeof v, "%.*s", (int)strcspn(text, "\r\n"), text);
    }
    snprintf(impl, il, "%s", name);
    snprintf(ver, vl, "%s", v);
}

/* All of a command's output (stdout, stderr discarded), at most len - 1 bytes; its exit
 * status, or -1. */
static int cmd_text(const char *cmd, char *out, size_t len)
{
    out[0] = 0;
    char full[512];
    snprintf(full, sizeof full, "%s 2>/dev/null", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    char sink[256];
    while (fread(sink, 1, sizeof sink, p) > 0)
        ;
    int st = pclose(p);
    return st;
}

void launch_env_probe(LaunchEnv *e)
{
    memset(e, 0, sizeof *e);
    char buf[512];
    e->have_gpu = cmd_text("nvidia-smi -L", buf, sizeof buf) == 0 && strncmp(buf, "GPU", 3) == 0;
    e->have_nvcc = on_path("nvcc");
    e->mpirun_ok = on_path("mpirun") && cmd_text("mpirun --version", e->mpi_text, sizeof e->mpi_text) == 0;
    e->cores = physical_cores();
    e->is_root = geteuid() == 0;
    const char *l = getenv("SNNBENCH_LAUNCHER");
    e->launcher = l && *l ? l : NULL;
}

const char *cell_launcher(const LaunchEnv *e, const SuiteCell *c)
{
    return e->launcher ? e->launcher : c->launcher;
}

const char *cell_skip_reason(const LaunchEnv *e, const SuiteCell *c)
{
    if (c->skip)
        return c->skip;
    if (!strcmp(c->backend, "cuda") && !e->have_gpu && !e->have_nvcc)
        return "no GPU on this machine";
    if (c->ranks > 1) {
        const char *tmpl = cell_launcher(e, c);
        if (!tmpl) {
            if (!e->mpirun_ok)
                return "mpirun is not available (mpirun --version failed; on Debian: apt-get install openmpi-bin)";
        } else {
            char **w = NULL;
            int n = split_words(tmpl, &w);
            int found = n > 0 && on_path(w[0]);
            argv_free(w);
            if (n < 0)
                return "the launcher has an unbalanced quote";
            if (n == 0)
                return "the launcher is empty";
            if (!found)
                return "the launcher's program is not on PATH";
        }
    }
    return NULL;
}

/* s with {ranks} and {threads} replaced */
static char *substitute(const char *s, int ranks, int threads)
{
    size_t cap = strlen(s) + 64;
    char *out = xmalloc(cap);
    size_t k = 0;
    while (*s) {
        int v = -1;
        size_t skip = 0;
        if (!strncmp(s, "{ranks}", 7)) {
            v = ranks;
            skip = 7;
        } else if (!strncmp(s, "{threads}", 9)) {
            v = threads;
            skip = 9;
        }
        if (k + 24 >= cap) {
            cap *= 2;
            out = realloc(out, cap);
            if (!out)
                exit(2);
        }
        if (v >= 0) {
            k += (size_t)snprintf(out + k, cap - k, "%d", v);
            s += skip;
        } else {
            out[k++] = *s++;
        }
    }
    out[k] = 0;
    return out;
}

char **launch_argv(const LaunchEnv *e, const SuiteCell *c, const char *sim, const char *outdir)
{
    Words w = {0};
    char buf[128];
    if (c->ranks > 1) {
        const char *tmpl = cell_launcher(e, c);
        if (tmpl) {
            char **t = NULL;
            if (split_words(tmpl, &t) < 0)
                return NULL;
            for (char **a = t; *a; a++)
                words_push(&w, substitute(*a, c->ranks, c->threads));
            argv_free(t);
        } else {
            words_push(&w, xstrdup("mpirun"));
            words_push(&w, xstrdup("-np"));
            snprintf(buf, sizeof buf, "%d", c->ranks);
            words_push(&w, xstrdup(buf));
            char impl[64], ver[64];
            mpi_version_parse(e->mpi_text, impl, sizeof impl, ver, sizeof ver);
            int openmpi = !e->mpi_text[0] || !strcmp(impl, "Open MPI");
            if (openmpi && c->ranks > e->cores)
                words_push(&w, xstrdup("--oversubscribe"));
            if (openmpi && c->threads > 1) { /* Open MPI binds a rank to one core by default */
                words_push(&w, xstrdup("--bind-to"));
                words_push(&w, xstrdup("none"));
            }
        }
    }
    words_push(&w, xstrdup(sim));
    words_push(&w, xstrdup("--time"));
    snprintf(buf, sizeof buf, "%g", c->time_ms);
    words_push(&w, xstrdup(buf));
    words_push(&w, xstrdup("--output"));
    words_push(&w, xstrdup(outdir));
    words_push(&w, xstrdup("--quiet"));
    words_push(&w, xstrdup("--set"));
    snprintf(buf, sizeof buf, "threads=%d", c->threads);
    words_push(&w, xstrdup(buf));
    if (c->exchange) {
        words_push(&w, xstrdup("--set"));
        snprintf(buf, sizeof buf, "exchange=%s", c->exchange);
        words_push(&w, xstrdup(buf));
    }
    return w.v;
}

char **launch_env(const LaunchEnv *e, const SuiteCell *c)
{
    Words w = {0};
    char buf[64];
    snprintf(buf, sizeof buf, "OMP_NUM_THREADS=%d", c->threads);
    words_push(&w, xstrdup(buf));
    if (c->ranks > 1 && e->is_root) {
        words_push(&w, xstrdup("OMPI_ALLOW_RUN_AS_ROOT=1"));
        words_push(&w, xstrdup("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"));
    }
    return w.v;
}
