/*
 * driver.c - turns the generated sources into a simulator binary.
 *
 * Finds libsnnrt and its headers next to the running snncc (<exe>/../lib and
 * <exe>/../include/snncc, the same layout in the build tree and after make install),
 * writes a Makefile for users who want to rebuild by hand, runs the C compiler directly
 * (fork/exec, no shell, so paths with spaces are safe) and reports its failure with the
 * compiler's own messages, which point into the model file through #line.  The CUDA back
 * end's two files are compiled by nvcc (device code) and the C compiler (host code, the
 * same C as the C back end's) and linked by the C compiler with the static CUDA runtime.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool runtime_at(BuildOptions *bo, const char *prefix)
{
    const char *lib = arena_printf("%s/lib", prefix);
    const char *inc = arena_printf("%s/include/snncc", prefix);
    if (file_exists(arena_printf("%s/libsnnrt.a", lib)) &&
        file_exists(arena_printf("%s/snnrt.h", inc))) {
        bo->rt_lib = lib;
        bo->rt_inc = inc;
        return true;
    }
    return false;
}

int driver_find_runtime(BuildOptions *bo, const char *argv0)
{
    const char *env = getenv("SNNCC_RUNTIME");
    if (env && *env) {
        if (runtime_at(bo, env))
            return 0;
        diag_error((SrcLoc){"snncc", 0}, "SNNCC_RUNTIME=%s does not hold lib/libsnnrt.a and "
                                         "include/snncc/snnrt.h", env);
        return -1;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        if (!realpath(argv0, exe)) {
            diag_error((SrcLoc){"snncc", 0}, "cannot locate the snncc executable");
            return -1;
        }
    } else {
        exe[n] = '\0';
    }
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    const char *prefix = arena_printf("%s/..", exe);
    char real[PATH_MAX];
    if (realpath(prefix, real))
        prefix = arena_strdup(real);
    if (runtime_at(bo, prefix))
        return 0;
    diag_error((SrcLoc){"snncc", 0}, "cannot find the runtime (libsnnrt.a and snnrt.h) under "
                                     "%s/lib and %s/include/snncc; reinstall snncc or set "
                                     "SNNCC_RUNTIME to its prefix", prefix, prefix);
    return -1;
}

/* Split a flags string on spaces into argv entries (no shell quoting). */
static int split_words(const char *s, const char **argv, int max)
{
    int n = 0;
    while (s && *s && n < max) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        const char *e = s;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        argv[n++] = arena_strndup(s, (size_t)(e - s));
        s = e;
    }
    return n;
}

static int run_command(const char **argv, int verbose)
{
    if (verbose) {
        fputs("  ", stderr);
        for (int i = 0; argv[i]; i++)
            fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
        fputc('\n', stderr);
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "snncc: error: cannot run the C compiler '%s': %s\n", argv[0],
                strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* DIR/Makefile from a template, for users who rebuild by hand. */
static int write_makefile(const char *dir, const char *tmpl, TmplScope *s)
{
    const char *src = tmpl_get(tmpl);
    if (!src)
        return -1;
    StrBuf mk;
    sb_init(&mk);
    if (tmpl_expand(&mk, src, tmpl, s) != 0) {
        sb_release(&mk);
        return -1;
    }
    const char *mkpath = arena_printf("%s/Makefile", dir);
    int rc = write_file_if_changed(mkpath, mk.buf, mk.len);
    sb_release(&mk);
    if (rc != 0) {
        diag_error((SrcLoc){mkpath, 0}, "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* --mpi: compile and link through mpicc ($MPICC), which wraps the C compiler (the user's
 * --cc stays the compiler underneath), with SNN_MPI defined, against rtlib. */
static int use_mpicc(const BuildOptions *bo, const char **cc, const char **cflags,
                     const char *rtlib, bool lanes)
{
    const char *mpicc = getenv("MPICC");
    if (strcmp(*cc, "cc") != 0)
        setenv("OMPI_CC", *cc, 1);
    *cc = mpicc && *mpicc ? mpicc : "mpicc";
    /* a batched model splits its lanes over the ranks (docs/parallel.md "Batch lanes over
     * ranks"): every rank steps the whole network, the single-process step, so its code is
     * compiled without SNN_MPI; the MPI runtime splits the lanes and reduces over them */
    *cflags = arena_printf("%s %s", *cflags, lanes ? "-DSNN_MPI_LANES=1" : "-DSNN_MPI=1");
    if (!file_exists(arena_printf("%s/%s", bo->rt_lib, rtlib))) {
        diag_error((SrcLoc){"snncc", 0}, "--mpi: %s/%s is missing: snncc was built without "
                                         "MPI (install Open MPI, e.g. Debian's openmpi-bin and "
                                         "libopenmpi-dev, and rebuild)",
                   bo->rt_lib, rtlib);
        return -1;
    }
    return 0;
}

int driver_build(const Model *m, const char *dir, const BuildOptions *bo)
{
    const char *cc = bo->cc;
    const char *cflags = bo->cflags;
    const char *rtlib = bo->mpi ? "libsnnrt_mpi.a" : "libsnnrt.a";
    if (bo->mpi && use_mpicc(bo, &cc, &cflags, rtlib, m->batch > 0) != 0)
        return -1;
    const char *extra = getenv("SNNCC_CFLAGS");
    if (extra && *extra)
        cflags = arena_printf("%s %s", cflags, extra);

    /* A Makefile for rebuilding by hand. */
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "model_name", m->name);
    tmpl_set(s, "rt_inc", bo->rt_inc);
    tmpl_set(s, "rt_lib", bo->rt_lib);
    tmpl_set(s, "cc", cc);
    tmpl_set(s, "cflags", cflags);
    tmpl_set(s, "rt_name", rtlib);
    if (write_makefile(dir, "common/Makefile.tmpl", s) != 0)
        return -1;
    int rc;

    const char *argv[128];
    int n = split_words(cc, argv, 8);
    n += split_words(cflags, argv + n, 64);
    argv[n++] = arena_printf("-I%s", bo->rt_inc);
    argv[n++] = "-o";
    argv[n++] = arena_printf("%s/%s", dir, m->name);
    argv[n++] = arena_printf("%s/%s.c", dir, m->name);
    argv[n++] = arena_printf("%s/%s", bo->rt_lib, rtlib);
    argv[n++] = "-lyaml";
    argv[n++] = "-lm";
    argv[n] = NULL;
    rc = run_command(argv, bo->verbose);
    if (rc != 0) {
        diag_error((SrcLoc){m->file, 0}, "the C compiler failed (exit status %d) on %s/%s.c%s",
                   rc, dir, m->name,
                   rc == 127 ? "" : "; its messages above point at the model file or the "
                                    "generated code (rerun with --keep to inspect it)");
        return -1;
    }
    return 0;
}

int write_file_if_changed(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (f) {
        bool same = true;
        char buf[65536];
        size_t off = 0, got;
        while (same && (got = fread(buf, 1, sizeof buf, f)) > 0) {
            if (off + got > n || memcmp(buf, data + off, got) != 0)
                same = false;
            off += got;
        }
        fclose(f);
        if (same && off == n)
            return 0;
    }
    const char *tmp = arena_printf("%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "wb");
    if (!f)
        return -1;
    bool ok = fwrite(data, 1, n, f) == n;
    ok &= fclose(f) == 0;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* ---- the CUDA back end ---------------------------------------------------------------- */

#define NVCC_DEFAULT_FLAGS "-O3 -std=c++17 --fmad=false -gencode arch=compute_90,code=[sm_90,compute_90]"

static bool is_executable(const char *path)
{
    return access(path, X_OK) == 0;
}

/* An executable named 'name' on the PATH, or NULL. */
static const char *on_path(const char *name)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        const char *e = strchr(path, ':');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        if (n) {
            const char *cand = arena_printf("%.*s/%s", (int)n, path, name);
            if (is_executable(cand))
                return cand;
        }
        if (!e)
            break;
        path = e + 1;
    }
    return NULL;
}

/* nvcc: --nvcc, else $NVCC, else nvcc on the PATH, else /usr/local/cuda/bin/nvcc. */
static const char *find_nvcc(const BuildOptions *bo)
{
    if (bo->nvcc && *bo->nvcc)
        return bo->nvcc;
    const char *env = getenv("NVCC");
    if (env && *env)
        return env;
    const char *p = on_path("nvcc");
    if (p)
        return p;
    return "/usr/local/cuda/bin/nvcc";
}

/* The library directory of a toolkit root (or of nvcc's bin/ when root ends in "/bin"):
 * lib64, or the targets/ layout of newer toolkits; NULL when none has libcudart_static.a. */
static const char *cuda_libdir_in(const char *root)
{
    const char *cands[] = {"/lib64", "/targets/x86_64-linux/lib", "/targets/sbsa-linux/lib",
                           "/lib"};
    for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
        const char *d = arena_printf("%s%s", root, cands[i]);
        if (file_exists(arena_printf("%s/libcudart_static.a", d))) {
            char r2[PATH_MAX];
            return realpath(d, r2) ? arena_strdup(r2) : d;
        }
    }
    return NULL;
}

/* The toolkit root as nvcc itself reports it ("#$ TOP=..." in its --dryrun listing): this
 * finds the toolkit when nvcc on the PATH is a wrapper script or a symlink farm. */
static const char *cuda_top_from_nvcc(const char *nvcc)
{
    const char *cmd = arena_printf("'%s' --dryrun -x cu -c /dev/null -o /dev/null 2>&1", nvcc);
    FILE *f = popen(cmd, "r");
    if (!f)
        return NULL;
    char line[4096];
    const char *top = NULL;
    while (fgets(line, sizeof line, f)) {
        const char *t = strstr(line, "TOP=");
        if (!top && strncmp(line, "#$ ", 3) == 0 && t == line + 3) {
            line[strcspn(line, "\r\n")] = '\0';
            top = arena_strdup(t + 4);
        }
    }
    pclose(f);
    return top;
}

/* The directory of libcudart_static.a: next to nvcc (after following symlinks), else where
 * nvcc says its toolkit is, else $CUDA_HOME, $CUDA_PATH, /usr/local/cuda. NULL when none. */
static const char *cuda_libdir(const char *nvcc)
{
    char real[PATH_MAX];
    const char *exe = strchr(nvcc, '/') ? nvcc : on_path(nvcc);
    if (exe && realpath(exe, real)) {
        char *slash = strrchr(real, '/');
        if (slash) {
            *slash = '\0'; /* .../bin */
            const char *d = cuda_libdir_in(arena_printf("%s/..", real));
            if (d)
                return d;
        }
    }
    if (exe) {
        const char *top = cuda_top_from_nvcc(exe);
        const char *d = top ? cuda_libdir_in(top) : NULL;
        if (d)
            return d;
    }
    const char *roots[] = {getenv("CUDA_HOME"), getenv("CUDA_PATH"), "/usr/local/cuda"};
    for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
        const char *d = roots[i] && *roots[i] ? cuda_libdir_in(roots[i]) : NULL;
        if (d)
            return d;
    }
    return NULL;
}

int driver_build_cuda(const Model *m, const char *dir, const BuildOptions *bo)
{
    const char *nvcc = find_nvcc(bo);
    if (!(strchr(nvcc, '/') ? is_executable(nvcc) : on_path(nvcc) != NULL)) {
        diag_error((SrcLoc){"snncc", 0}, "the CUDA back end needs nvcc, the CUDA compiler, and "
                                         "'%s' is not there; install the CUDA toolkit, or name "
                                         "it with --nvcc or $NVCC (snncc -S writes the sources "
                                         "without it)", nvcc);
        return -1;
    }
    const char *libdir = cuda_libdir(nvcc);
    if (!libdir) {
        diag_error((SrcLoc){"snncc", 0}, "cannot find libcudart_static.a for '%s' (looked next "
                                         "to it, where its --dryrun says the toolkit is, in "
                                         "$CUDA_HOME, $CUDA_PATH and /usr/local/cuda)", nvcc);
        return -1;
    }
    const char *nflags = bo->nvcc_flags && *bo->nvcc_flags ? bo->nvcc_flags : NVCC_DEFAULT_FLAGS;
    const char *extra = getenv("SNNCC_NVCCFLAGS");
    if (extra && *extra)
        nflags = arena_printf("%s %s", nflags, extra);
    /* the CUDA runtime (runtime/cuda/rt_cuda.cu): libsnnrt_cuda.a, compiled once with the
     * default flags by make; with other flags (or without the library) compiled here with
     * the model's, into <dir>/snnrt_cuda.o */
    const char *rtcuda = arena_printf("%s/libsnnrt_cuda.a", bo->rt_lib);
    const bool own_rtcuda = strcmp(nflags, NVCC_DEFAULT_FLAGS) != 0 || !file_exists(rtcuda);
    if (own_rtcuda)
        rtcuda = arena_printf("%s/snnrt_cuda.o", dir);
    const char *rtcuda_src = arena_printf("%s/rt_cuda.cu", bo->rt_inc);
    if (own_rtcuda && !file_exists(rtcuda_src)) {
        diag_error((SrcLoc){"snncc", 0}, "the CUDA runtime is missing: neither %s/libsnnrt_cuda.a "
                                         "nor its source %s (reinstall snncc)",
                   bo->rt_lib, rtcuda_src);
        return -1;
    }
    const char *cc = bo->cc, *cflags = bo->cflags;
    const char *rtlib = bo->mpi ? "libsnnrt_mpi.a" : "libsnnrt.a";
    if (bo->mpi) {
        /* one rank per GPU: the host half and the link through mpicc (as the C back end),
         * the device half with SNN_MPI too (it needs no MPI header); a batched model
         * splits its lanes over the ranks (docs/cuda.md "Batch lanes over ranks"): the
         * single-process code on every rank, with SNN_MPI_LANES */
        if (use_mpicc(bo, &cc, &cflags, rtlib, m->batch > 0) != 0)
            return -1;
        nflags = arena_printf("%s %s", nflags, m->batch ? "-DSNN_MPI_LANES=1" : "-DSNN_MPI=1");
    }
    extra = getenv("SNNCC_CFLAGS");
    if (extra && *extra)
        cflags = arena_printf("%s %s", cflags, extra);
    const char *name = m->name;
    const char *libs = "-lcudart_static -lstdc++ -ldl -lpthread -lrt -lyaml -lm";

    /* A Makefile for rebuilding by hand. */
    TmplScope *s = tmpl_scope_new(NULL);
    tmpl_set(s, "model_name", name);
    tmpl_set(s, "rt_inc", bo->rt_inc);
    tmpl_set(s, "rt_lib", bo->rt_lib);
    tmpl_set(s, "cc", cc);
    tmpl_set(s, "cflags", cflags);
    tmpl_set(s, "nvcc", nvcc);
    tmpl_set(s, "nvcc_flags", nflags);
    tmpl_set(s, "cuda_lib", libdir);
    tmpl_set(s, "libs", libs);
    tmpl_set(s, "rt_name", rtlib);
    tmpl_set(s, "rt_cuda", own_rtcuda ? "snnrt_cuda.o" : "$(SNNRT_LIB)/libsnnrt_cuda.a");
    if (write_makefile(dir, "cuda/Makefile.tmpl", s) != 0)
        return -1;
    int rc;

    /* 0. the CUDA runtime with this model's nvcc flags, when they are not the default */
    if (own_rtcuda) {
        const char *av[96];
        int k = split_words(nvcc, av, 8);
        k += split_words(nflags, av + k, 64);
        av[k++] = arena_printf("-I%s", bo->rt_inc);
        av[k++] = "-c";
        av[k++] = rtcuda_src;
        av[k++] = "-o";
        av[k++] = rtcuda;
        av[k] = NULL;
        rc = run_command(av, bo->verbose);
        if (rc != 0) {
            diag_error((SrcLoc){"snncc", 0}, "nvcc failed (exit status %d) on the CUDA runtime "
                       "%s with the flags '%s'", rc, rtcuda_src, nflags);
            return -1;
        }
    }

    /* 1. device code */
    const char *argv[160];
    int n = split_words(nvcc, argv, 8);
    n += split_words(nflags, argv + n, 64);
    argv[n++] = arena_printf("-I%s", bo->rt_inc);
    argv[n++] = "-c";
    argv[n++] = arena_printf("%s/%s.cu", dir, name);
    argv[n++] = "-o";
    argv[n++] = arena_printf("%s/%s.cu.o", dir, name);
    argv[n] = NULL;
    rc = run_command(argv, bo->verbose);
    if (rc != 0) {
        diag_error((SrcLoc){m->file, 0}, "nvcc failed (exit status %d) on %s/%s.cu; its messages "
                   "above point at the model file or the generated code (rerun with --keep to "
                   "inspect it)", rc, dir, name);
        return -1;
    }
    /* 2. host code */
    n = split_words(cc, argv, 8);
    n += split_words(cflags, argv + n, 64);
    argv[n++] = arena_printf("-I%s", bo->rt_inc);
    argv[n++] = "-c";
    argv[n++] = arena_printf("%s/%s.c", dir, name);
    argv[n++] = "-o";
    argv[n++] = arena_printf("%s/%s.o", dir, name);
    argv[n] = NULL;
    rc = run_command(argv, bo->verbose);
    if (rc != 0) {
        diag_error((SrcLoc){m->file, 0}, "the C compiler failed (exit status %d) on %s/%s.c%s",
                   rc, dir, name,
                   rc == 127 ? "" : "; its messages above point at the model file or the "
                                    "generated code (rerun with --keep to inspect it)");
        return -1;
    }
    /* 3. link, with the static CUDA runtime (the simulator needs only the driver) */
    n = split_words(cc, argv, 8);
    n += split_words(cflags, argv + n, 64);
    argv[n++] = "-o";
    argv[n++] = arena_printf("%s/%s", dir, name);
    argv[n++] = arena_printf("%s/%s.o", dir, name);
    argv[n++] = arena_printf("%s/%s.cu.o", dir, name);
    argv[n++] = rtcuda;
    argv[n++] = arena_printf("%s/%s", bo->rt_lib, rtlib);
    argv[n++] = arena_printf("-L%s", libdir);
    n += split_words(libs, argv + n, 16);
    argv[n] = NULL;
    rc = run_command(argv, bo->verbose);
    if (rc != 0) {
        diag_error((SrcLoc){m->file, 0}, "linking %s/%s failed (exit status %d)", dir, name, rc);
        return -1;
    }
    return 0;
}
