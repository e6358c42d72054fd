/* bench/launch.h - how snnbench starts a simulator for one cell: what this machine can
 * run (GPU, nvcc, mpirun, cores), why a cell is skipped here, and the command line:
 * for ranks > 1 a launcher (mpirun -np R by default; $SNNBENCH_LAUNCHER or the suite's
 * 'launcher' instead, with {ranks} and {threads} replaced), then the simulator with
 * --time, --output, --quiet and --set threads=T [--set exchange=X]. */
#ifndef SNNBENCH_LAUNCH_H
#define SNNBENCH_LAUNCH_H
#include <stddef.h>

#include "suite.h"

typedef struct {
    int have_gpu;            /* nvidia-smi -L lists a GPU */
    int have_nvcc;           /* nvcc on PATH: cuda builds can be checked without a GPU */
    int mpirun_ok;           /* mpirun --version succeeded */
    char mpi_text[512];      /* what mpirun --version printed; the default command line
                                adds Open MPI's options (--oversubscribe, --bind-to none)
                                unless this names another MPI (MPICH's Hydra needs
                                neither) */
    int cores;               /* physical cores we may use (Open MPI's slots) */
    int is_root;             /* Open MPI refuses root without OMPI_ALLOW_RUN_AS_ROOT* */
    const char *launcher;    /* $SNNBENCH_LAUNCHER, or NULL */
} LaunchEnv;

/* Probes this machine (runs nvidia-smi, mpirun --version). */
void launch_env_probe(LaunchEnv *e);

/* The launcher template of a cell: $SNNBENCH_LAUNCHER, else the suite's 'launcher', else
 * NULL (the default, mpirun -np {ranks}). */
const char *cell_launcher(const LaunchEnv *e, const SuiteCell *c);

/* Why a cell cannot run on this machine before anything is built (NULL: it can): a cuda
 * cell without a GPU and without nvcc to check the build, ranks > 1 without a working
 * mpirun (or without the custom launcher's program). */
const char *cell_skip_reason(const LaunchEnv *e, const SuiteCell *c);

/* The command line of one run, NULL-terminated, on the heap (argv_free).  NULL when the
 * launcher template cannot be split (an unbalanced quote). */
char **launch_argv(const LaunchEnv *e, const SuiteCell *c, const char *sim, const char *outdir);
/* NAME=VALUE pairs to add to the environment of that run, NULL-terminated, on the heap
 * (argv_free): OMP_NUM_THREADS always; for ranks > 1 as root, Open MPI's permission. */
char **launch_env(const LaunchEnv *e, const SuiteCell *c);
void argv_free(char **argv);
/* argv as one shell-readable line (words with odd characters single-quoted); heap. */
char *argv_join(char *const *argv);

/* Splits a command template into words: blanks separate, '...' and "..." group, a
 * backslash escapes the next character.  Returns the number of words (and *out, heap,
 * NULL-terminated), or -1 on an unbalanced quote. */
int split_words(const char *s, char ***out);
/* The implementation and version from `mpirun --version` (Open MPI, MPICH/Hydra, Intel
 * MPI); impl "" when unrecognised (then ver is the first line). */
void mpi_version_parse(const char *text, char *impl, size_t il, char *ver, size_t vl);
/* Distinct (package, core) pairs among the CPUs this process may run on; the count of
 * those CPUs when /proc/cpuinfo does not say; at least 1. */
int physical_cores(void);
/* Whether a program is found on PATH (or is an executable path). */
int on_path(const char *prog);

#endif
