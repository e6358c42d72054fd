/*
 * main.c - the snncc command: parse options, then run the passes as a flat list
 * (load -> check -> emit -> build), stopping at the first pass that reports errors.
 * The only file that calls exit().
 */
#include "backend.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: snncc [options] MODEL.lua\n"
    "\n"
    "Compile a spiking network model into a simulator binary.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR     where the simulator goes (default: build/<model name>);\n"
    "                       the binary is DIR/<model name>\n"
    "  -b, --backend NAME   code generator: c (default), or cuda (NVIDIA GPUs: writes\n"
    "                       DIR/<name>.c and DIR/<name>.cu, builds them with nvcc)\n"
    "      --mpi            build a simulator for mpirun (Open MPI): each rank builds and\n"
    "                       simulates its share of every population; compiled with\n"
    "                       $MPICC (default mpicc); with --backend cuda one rank per\n"
    "                       GPU; a batched model (network{ batch }): the whole network\n"
    "                       on every rank, the lanes split over the ranks\n"
    "  -D NAME=VALUE        set a model parameter read with param(\"NAME\", default)\n"
    "  -k, --keep           keep the generated sources (DIR/<name>.c, with cuda also\n"
    "                       DIR/<name>.cu; DIR/Makefile)\n"
    "  -S, --emit-only      write the sources, do not compile (implies --keep)\n"
    "      --check          stop after checking the model; write nothing\n"
    "      --dump           print the model's canonical form (the IR) and stop\n"
    "      --state          print the model's state table (every array the simulator\n"
    "                       holds: shape, owner, stored or rebuilt) and stop\n"
    "      --cc CC          C compiler (default: $CC or cc)\n"
    "      --cflags FLAGS   C flags (default: -O3 -march=native -fno-math-errno\n"
    "                       -fno-trapping-math -ffp-contract=off -fopenmp;\n"
    "                       $SNNCC_CFLAGS is appended)\n"
    "      --nvcc NVCC      CUDA compiler (default: $NVCC, else nvcc on the PATH, else\n"
    "                       /usr/local/cuda/bin/nvcc)\n"
    "      --nvcc-flags F   its flags (default: -O3 -std=c++17 --fmad=false\n"
    "                       -gencode arch=compute_90,code=[sm_90,compute_90];\n"
    "                       $SNNCC_NVCCFLAGS is appended)\n"
    "      --cuda-span P=S  CUDA spike propagation for projection P (or * for all):\n"
    "                       S = pre (a warp per spike) or post (threads over row\n"
    "                       positions, spikes staged in shared memory) or ordered\n"
    "                       (post in the C back end's order of the additions: one\n"
    "                       block, rows by ascending source); default pre or post by\n"
    "                       row length and expected rate (docs/cuda.md)\n"
    "      --cuda-rate HZ   firing rate the default choice assumes (default 10)\n"
    "      --cuda-construct WHERE\n"
    "                       where the CUDA simulator builds sparse projections: device\n"
    "                       (default: on the GPU where the builder can, else on the\n"
    "                       host) or host (all on the host, then copied)\n"
    "      --no-line        no #line directives pointing into the model file\n"
    "      --template-dir D use templates from D instead of the built-in ones\n"
    "      --mem-limit MB   memory for evaluating the model file (default 512)\n"
    "      --time-limit S   wall-clock seconds for evaluating the model file (default 120)\n"
    "  -v, --verbose        show commands and Lua tracebacks\n"
    "  -q, --quiet          print nothing but errors\n"
    "  -h, --help           this text\n"
    "      --version        print the version\n"
    "\n"
    "Run the result with: DIR/<name> [--time MS] [--config run.yaml] [--set key=value]\n";

typedef struct Options {
    const char *model;
    const char *out;
    const char *backend;
    const char **defines;
    int n_defines;
    bool keep, emit_only, check_only, dump, state, no_line, quiet, mpi;
    int verbose;
    const char *cc, *cflags;
    const char *nvcc, *nvcc_flags;
    const char **cuda_span;
    int n_cuda_span;
    double cuda_rate;
    int cuda_construct;
    size_t mem_limit;
    unsigned time_limit;
} Options;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "snncc: error: ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(snncc --help lists the options)\n");
    exit(2);
}

static const char *need_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc)
        die_usage("option '%s' needs a value", argv[*i]);
    return argv[++*i];
}

static void parse_args(int argc, char **argv, Options *o)
{
    o->defines = arena_alloc(sizeof(char *) * (size_t)(argc + 1));
    o->cuda_span = arena_alloc(sizeof(char *) * (size_t)(argc + 1));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            exit(0);
        } else if (!strcmp(a, "--version")) {
            printf("snncc %s\n", SNNCC_VERSION);
            exit(0);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o->out = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "-b") || !strcmp(a, "--backend")) {
            o->backend = need_arg(argc, argv, &i);
        } else if (!strncmp(a, "-D", 2)) {
            const char *d = a[2] ? a + 2 : need_arg(argc, argv, &i);
            if (!strchr(d, '=') || d[0] == '=')
                die_usage("-D needs NAME=VALUE (got '%s')", d);
            o->defines[o->n_defines++] = d;
        } else if (!strcmp(a, "-k") || !strcmp(a, "--keep")) {
            o->keep = true;
        } else if (!strcmp(a, "-S") || !strcmp(a, "--emit-only")) {
            o->emit_only = o->keep = true;
        } else if (!strcmp(a, "--check")) {
            o->check_only = true;
        } else if (!strcmp(a, "--dump")) {
            o->dump = true;
        } else if (!strcmp(a, "--state")) {
            o->state = true;
        } else if (!strcmp(a, "--cc")) {
            o->cc = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--cflags")) {
            o->cflags = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--mpi")) {
            o->mpi = true;
        } else if (!strcmp(a, "--nvcc")) {
            o->nvcc = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--nvcc-flags")) {
            o->nvcc_flags = need_arg(argc, argv, &i);
        } else if (!strcmp(a, "--cuda-span")) {
            const char *v = need_arg(argc, argv, &i);
            const char *eq = strchr(v, '=');
            if (!eq || eq == v || (strcmp(eq + 1, "pre") != 0 && strcmp(eq + 1, "post") != 0 &&
                            strcmp(eq + 1, "ordered") != 0))
                die_usage("--cuda-span needs PROJECTION=pre, PROJECTION=post or "
                          "PROJECTION=ordered (got '%s')", v);
            o->cuda_span[o->n_cuda_span++] = v;
        } else if (!strcmp(a, "--cuda-rate")) {
            const char *v = need_arg(argc, argv, &i);
            char *end;
            double hz = strtod(v, &end);
            if (*end || !(hz > 0 && hz <= 1e4))
                die_usage("--cuda-rate needs a rate in Hz between 0 and 1e4 (got '%s')", v);
            o->cuda_rate = hz;
        } else if (!strcmp(a, "--cuda-construct")) {
            const char *v = need_arg(argc, argv, &i);
            if (strcmp(v, "device") != 0 && strcmp(v, "host") != 0)
                die_usage("--cuda-construct needs device or host (got '%s')", v);
            o->cuda_construct = !strcmp(v, "host");
        } else if (!strcmp(a, "--no-line")) {
            o->no_line = true;
        } else if (!strcmp(a, "--template-dir")) {
            tmpl_set_dir(need_arg(argc, argv, &i));
        } else if (!strcmp(a, "--mem-limit")) {
            const char *v = need_arg(argc, argv, &i);
            char *end;
            double mb = strtod(v, &end);
            if (*end || !(mb >= 1 && mb <= 1e6))
                die_usage("--mem-limit needs a number of MB between 1 and 1e6 (got '%s')", v);
            o->mem_limit = (size_t)(mb * 1048576.0);
        } else if (!strcmp(a, "--time-limit")) {
            const char *v = need_arg(argc, argv, &i);
            char *end;
            long sec = strtol(v, &end, 10);
            if (*end || sec < 1 || sec > 86400)
                die_usage("--time-limit needs whole seconds between 1 and 86400 (got '%s')", v);
            o->time_limit = (unsigned)sec;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o->verbose++;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1]) {
            die_usage("unknown option '%s'", a);
        } else if (o->model) {
            die_usage("more than one model file given ('%s')", a);
        } else {
            o->model = a;
        }
    }
    if (!o->model)
        die_usage("%s", "no model file given (usage: snncc [options] MODEL.lua)");
    if (!o->backend)
        o->backend = "c";
    if (!backend_find(o->backend))
        die_usage("unknown back end '%s' (available: %s)", o->backend, backend_names());
    if (o->mpi && strcmp(o->backend, "c") != 0 && strcmp(o->backend, "cuda") != 0)
        die_usage("--mpi works with the c and cuda back ends (not '%s')", o->backend);
    if (!o->cc)
        o->cc = getenv("CC") && *getenv("CC") ? getenv("CC") : "cc";
    if (!o->cflags)
        o->cflags = "-O3 -march=native -fno-math-errno -fno-trapping-math -ffp-contract=off -fopenmp";
}

static int mkdirs(const char *path)
{
    char *p = arena_strdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0777) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    }
    if (mkdir(p, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int64_t total_neurons(const Model *m)
{
    int64_t n = 0;
    for (int i = 0; i < m->n_pops; i++)
        n += m->pops[i]->n;
    return n;
}

int main(int argc, char **argv)
{
    Options o = {0};
    parse_args(argc, argv, &o);
    diag_set_verbose(o.verbose);
    diag_set_quiet(o.quiet);
    double t0 = now();

    LoadOptions lo = {.mem_limit = o.mem_limit, .time_limit = o.time_limit, .defines = o.defines,
                      .n_defines = o.n_defines};
    Model *m = load_model(o.model, &lo);                            /* 1. front end */
    if (!m)
        return 1;
    if (check_model(m) != 0)                                       /* 2. checks */
        return 1;
    if (o.mpi && check_mpi_synapse_code(m) != 0) /* V_pre: the source's rank has it */
        return 1;
    if (o.mpi && check_mpi_custom_updates(m) != 0) /* V_pre in a custom update */
        return 1;
    if (o.mpi && check_mpi_conn_updates(m) != 0)
        return 1;
    const Backend *be = backend_find(o.backend);
    if (backend_refuse(be, m, o.mpi) != 0)                         /* what it cannot do */
        return 1;
    if (o.dump) {
        StrBuf sb;
        sb_init(&sb);
        ir_dump(&sb, m);
        fputs(sb.buf, stdout);
        sb_release(&sb);
        return 0;
    }
    if (o.state) {
        StrBuf sb;
        sb_init(&sb);
        StateTable st = state_table(m);
        state_print(&sb, &st);
        fputs(sb.buf, stdout);
        sb_release(&sb);
        return 0;
    }
    if (o.check_only) {
        if (!o.quiet)
            printf("%s: ok (%d populations, %lld neurons, %d projections)\n", o.model,
                   m->n_pops, (long long)total_neurons(m), m->n_projs);
        return 0;
    }
    const char *dir = o.out ? o.out : arena_printf("build/%s", m->name);
    if (mkdirs(dir) != 0) {
        diag_error((SrcLoc){dir, 0}, "cannot create the output directory: %s", strerror(errno));
        return 1;
    }
    BuildOptions bo = {.cc = o.cc, .cflags = o.cflags, .verbose = o.verbose, .nvcc = o.nvcc,
                       .nvcc_flags = o.nvcc_flags, .mpi = o.mpi};
    if (!o.emit_only && driver_find_runtime(&bo, argv[0]) != 0)
        return 1;
    BackendOptions eo = {
        /* a batched model's lanes are split over the ranks: every rank runs the
         * single-process step (docs/parallel.md "Batch lanes over ranks") */
        .emit = {.line_directives = !o.no_line, .mpi = o.mpi && !m->batch},
        .cuda = {.span = o.cuda_span, .n_span = o.n_cuda_span, .rate = o.cuda_rate,
                 .construct = o.cuda_construct},
    };
    if (be->emit(m, dir, &eo) != 0)                                /* 3. back end */
        return 1;
    double t_codegen = now() - t0;
    if (o.emit_only) {
        if (!o.quiet) {
            printf("snncc: wrote");
            for (int k = 0; k < 4 && be->sources[k]; k++)
                printf("%s %s/%s%s", k ? "," : "", dir, m->name, be->sources[k]);
            printf(" (code generation %.3f s)\n", t_codegen);
        }
        return 0;
    }
    double t1 = now();
    if (be->build(m, dir, &bo) != 0)                               /* 4. build */
        return 1;
    double t_compile = now() - t1;

    /* Timings of this build, for the simulator's run.json. */
    char info[256];
    snprintf(info, sizeof info, "snncc_version: %s\ncodegen_s: %.6f\ncompile_s: %.6f\n",
             SNNCC_VERSION, t_codegen, t_compile);
    write_file_if_changed(arena_printf("%s/build.yaml", dir), info, strlen(info));
    for (int k = 0; k < 4 && be->intermediates[k]; k++)
        unlink(arena_printf("%s/%s%s", dir, m->name, be->intermediates[k]));
    if (!o.keep) {
        for (int k = 0; k < 4 && be->sources[k]; k++)
            unlink(arena_printf("%s/%s%s", dir, m->name, be->sources[k]));
        unlink(arena_printf("%s/Makefile", dir));
    }
    if (!o.quiet)
        printf("snncc: %s -> %s/%s (%d populations, %lld neurons, %d projections; "
               "code generation %.3f s, %s compile %.2f s)\n",
               o.model, dir, m->name, m->n_pops, (long long)total_neurons(m), m->n_projs,
               t_codegen, be->title, t_compile);
    arena_free_all();
    return 0;
}
