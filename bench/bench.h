/* bench/bench.h - what snnbench's commands share: the commands themselves, host
 * metadata, running a child process with a timeout, small string helpers. */
#ifndef SNNBENCH_BENCH_H
#define SNNBENCH_BENCH_H
#include <stddef.h>

#include "json.h"

#define SNNBENCH_VERSION "0.1.0"

int cmd_run(int argc, char **argv);
int cmd_report(int argc, char **argv);

typedef struct {
    int exit_code;   /* -1 when killed by a signal */
    int signo;
    int timed_out;
    int interrupted;
    double wall_s;
    long maxrss_kb;
} ProcResult;

/* Runs argv with stdout and stderr into files (NULL: /dev/null), in its own process
 * group, killed after timeout_s (<= 0: no limit).  0 when it could be started. */
int run_proc(char *const argv[], const char *out_path, const char *err_path, double timeout_s,
             ProcResult *r);
/* The same with NAME=VALUE pairs (NULL-terminated; env may be NULL) added to the
 * child's environment. */
int run_proc_env(char *const argv[], char *const env[], const char *out_path, const char *err_path,
                 double timeout_s, ProcResult *r);
/* The last lines (at most max bytes) of a file, or "" */
void file_tail(const char *path, char *out, size_t max);
/* First line of a shell command's output (stderr discarded), or "" */
void first_line(const char *cmd, char *out, size_t len);
/* Host and toolchain metadata shared by every record of a run. */
Json *host_meta(const char *snncc);
/* UTC ISO 8601 with milliseconds */
void utc_now(char *out, size_t len);
/* The directory of this executable ("" if unknown). */
const char *exe_dir(void);
/* Default store: $SNNBENCH_STORE, else bench-store */
const char *default_store(void);
extern volatile int g_interrupted;

#endif
