/* bench/run.c - `snnbench run`: builds each model of a suite with snncc (with --mpi for
 * ranks > 1), runs every cell and repetition (simulators, under a launcher such as
 * mpirun for ranks > 1, or Brian2 peers) with a timeout, turns run.json into records
 * and writes them into the store; progress on stderr.  Also the host metadata
 * and the child-process plumbing that the other commands share (bench.h). */
#define _DEFAULT_SOURCE /* wait4, gethostname */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "launch.h"
#include "record.h"
#include "run.h"
#include "stats.h"
#include "store.h"
#include "suite.h"

volatile int g_interrupted;

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void utc_now(char *out, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char b[32];
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, len, "%s.%03ldZ", b, ts.tv_nsec / 1000000L);
}

const char *exe_dir(void)
{
    static char dir[PATH_MAX];
    if (!dir[0]) {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
        if (n > 0) {
            dir[n] = 0;
            char *slash = strrchr(dir, '/');
            if (slash)
                *slash = 0;
        } else {
            dir[0] = 0;
        }
    }
    return dir;
}

const char *default_store(void)
{
    const char *s = getenv("SNNBENCH_STORE");
    return s && *s ? s : "bench-store";
}

void first_line(const char *cmd, char *out, size_t len)
{
    out[0] = 0;
    char full[1024];
    snprintf(full, sizeof full, "%s 2>/dev/null", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return;
    if (fgets(out, (int)len, p)) {
        out[strcspn(out, "\r\n")] = 0;
    } else {
        out[0] = 0;
    }
    char sink[256];
    while (fgets(sink, sizeof sink, p))
        ;
    pclose(p);
}

static void cpu_model(char *out, size_t len)
{
    snprintf(out, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *c = strchr(line, ':');
            if (c) {
                c++;
                while (*c == ' ' || *c == '\t')
                    c++;
                c[strcspn(c, "\n")] = 0;
                snprintf(out, len, "%s", c);
            }
            break;
        }
    fclose(f);
}

static void os_name(char *out, size_t len)
{
    struct utsname u;
    char pretty[256] = "";
    FILE *f = fopen("/etc/os-release", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "PRETTY_NAME=", 12) == 0) {
                char *v = line + 12;
                v[strcspn(v, "\n")] = 0;
                if (*v == '"') {
                    v++;
                    char *q = strchr(v, '"');
                    if (q)
                        *q = 0;
                }
                snprintf(pretty, sizeof pretty, "%s", v);
            }
        fclose(f);
    }
    if (uname(&u) == 0)
        snprintf(out, len, "%s %s %s%s%s", u.sysname, u.release, u.machine, pretty[0] ? ", " : "", pretty);
    else
        snprintf(out, len, "%s", pretty[0] ? pretty : "unknown");
}

static void set_str_or_null(Json *o, const char *key, const char *v)
{
    json_set(o, key, v && *v ? json_str(v) : json_null());
}

Json *host_meta(const char *snncc)
{
    Json *m = json_obj();
    char buf[1024], cmd[1200];
    char host[256] = "unknown";
    gethostname(host, sizeof host - 1);
    const char *machine = getenv("SNNBENCH_MACHINE");
    json_set(m, "machine", json_str(machine && *machine ? machine : host));
    json_set(m, "hostname", json_str(host));
    os_name(buf, sizeof buf);
    json_set(m, "os", json_str(buf));
    cpu_model(buf, sizeof buf);
    json_set(m, "cpu", json_str(buf));
    json_set(m, "cores", json_num((double)sysconf(_SC_NPROCESSORS_ONLN)));
    first_line("nvidia-smi --query-gpu=name --format=csv,noheader", buf, sizeof buf);
    set_str_or_null(m, "gpu", buf);
    first_line("nvidia-smi --query-gpu=driver_version --format=csv,noheader", buf, sizeof buf);
    set_str_or_null(m, "gpu_driver", buf);
    first_line("nvidia-smi --query-gpu=memory.total --format=csv,noheader", buf, sizeof buf);
    set_str_or_null(m, "gpu_memory", buf);
    if (snncc) {
        snprintf(cmd, sizeof cmd, "'%s' --version", snncc);
        first_line(cmd, buf, sizeof buf);
        set_str_or_null(m, "snncc_version", buf);
    }
    const char *commit = getenv("SNNBENCH_COMMIT");
    if (commit && *commit) {
        json_set(m, "commit", json_str(commit));
        json_set(m, "dirty", json_bool(0));
    } else {
        first_line("git rev-parse --short=12 HEAD", buf, sizeof buf);
        json_set(m, "commit", json_str(buf[0] ? buf : "unknown"));
        if (buf[0]) {
            first_line("git status --porcelain --untracked-files=no | head -n 1", buf, sizeof buf);
            json_set(m, "dirty", json_bool(buf[0] != 0));
        } else {
            json_set(m, "dirty", json_null());
        }
    }
    const char *cc = getenv("CC");
    snprintf(cmd, sizeof cmd, "'%s' --version", cc && *cc ? cc : "cc");
    first_line(cmd, buf, sizeof buf);
    set_str_or_null(m, "cc", buf);
    first_line("nvcc --version | grep -i release", buf, sizeof buf);
    set_str_or_null(m, "nvcc", buf);
    first_line("mpirun --version", buf, sizeof buf);
    set_str_or_null(m, "mpi", buf);
    {
        char text[1024] = "", impl[128], ver[128];
        FILE *p = popen("mpirun --version 2>/dev/null", "r");
        if (p) {
            size_t n = fread(text, 1, sizeof text - 1, p);
            text[n] = 0;
            while (fread(buf, 1, sizeof buf, p) > 0)
                ;
            pclose(p);
        }
        mpi_version_parse(text, impl, sizeof impl, ver, sizeof ver);
        set_str_or_null(m, "mpi_impl", impl);
        set_str_or_null(m, "mpi_version", text[0] ? ver : "");
    }
    json_set(m, "snnbench_version", json_str(SNNBENCH_VERSION));
    return m;
}

int run_proc(char *const argv[], const char *out_path, const char *err_path, double timeout_s,
             ProcResult *r)
{
    return run_proc_env(argv, NULL, out_path, err_path, timeout_s, r);
}

int run_proc_env(char *const argv[], char *const env[], const char *out_path, const char *err_path,
                 double timeout_s, ProcResult *r)
{
    memset(r, 0, sizeof *r);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        int fo = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int fe = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fo >= 0)
            dup2(fo, 1);
        if (fe >= 0)
            dup2(fe, 2);
        for (int i = 0; env && env[i]; i++) {
            char name[256];
            const char *eq = strchr(env[i], '=');
            if (eq && (size_t)(eq - env[i]) < sizeof name) {
                memcpy(name, env[i], (size_t)(eq - env[i]));
                name[eq - env[i]] = 0;
                setenv(name, eq + 1, 1);
            }
        }
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    int st = 0, killed = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    double kill_at = 0;
    for (;;) {
        pid_t w = wait4(pid, &st, WNOHANG, &ru);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        double t = now_s() - t0;
        if (!killed && ((timeout_s > 0 && t > timeout_s) || g_interrupted)) {
            r->timed_out = !g_interrupted;
            r->interrupted = g_interrupted;
            kill(-pid, SIGTERM);
            killed = 1;
            kill_at = t + 2.0;
        } else if (killed == 1 && t > kill_at) {
            kill(-pid, SIGKILL);
            killed = 2;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    r->wall_s = now_s() - t0;
    r->maxrss_kb = ru.ru_maxrss;
    if (WIFEXITED(st)) {
        r->exit_code = WEXITSTATUS(st);
    } else {
        r->exit_code = -1;
        r->signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    }
    return 0;
}

void file_tail(const char *path, char *out, size_t max)
{
    out[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    long from = size > (long)max - 1 ? size - ((long)max - 1) : 0;
    fseek(f, from, SEEK_SET);
    size_t n = fread(out, 1, max - 1, f);
    out[n] = 0;
    fclose(f);
    if (from > 0) { /* start at a line boundary */
        char *nl = strchr(out, '\n');
        if (nl && nl[1])
            memmove(out, nl + 1, strlen(nl + 1) + 1);
    }
    size_t len = strlen(out);
    while (len && (out[len - 1] == '\n' || out[len - 1] == ' '))
        out[--len] = 0;
}

/* ---- snnbench run ------------------------------------------------------------------ */


int is_exec_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR);
}

static void find_sim(const char *dir, char *out, size_t len)
{
    out[0] = 0;
    char cmd[PATH_MAX + 128];
    snprintf(cmd, sizeof cmd, "find '%s' -maxdepth 1 -type f -perm -u+x | sort | head -n 1", dir);
    first_line(cmd, out, len);
}

static void read_build_yaml(const char *dir, Json *timers)
{
    char path[PATH_MAX + 16], line[256];
    snprintf(path, sizeof path, "%s/build.yaml", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    while (fgets(line, sizeof line, f)) {
        char key[64];
        double v;
        if (sscanf(line, "%63[a-z_]: %lf", key, &v) == 2 && strstr(key, "_s"))
            json_set(timers, key, json_num(v));
    }
    fclose(f);
}

/* The first "  cc ..." line of snncc -v is the compile command: compiler and flags. */
static void parse_cc_cmd(const char *log, char *out, size_t len)
{
    out[0] = 0;
    FILE *f = fopen(log, "r");
    if (!f)
        return;
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "  ", 2) == 0 && strstr(line, " -o ")) {
            line[strcspn(line, "\n")] = 0;
            snprintf(out, len, "%s", line + 2);
            break;
        }
    fclose(f);
}

void build_model(const RunOpts *o, const Suite *s, const SuiteCell *c, Build *b)
{
    const SuiteModel *m = &s->models[c->model];
    snprintf(b->dir, sizeof b->dir, "%s/build/%s", o->work, b->key);
    char log[PATH_MAX + 32], err[PATH_MAX + 32];
    snprintf(log, sizeof log, "%s.log", b->dir);
    snprintf(err, sizeof err, "%s.err", b->dir);
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)o->snncc;
    argv[n++] = (char *)"-v";
    argv[n++] = (char *)"--backend";
    argv[n++] = c->backend;
    if (b->mpi)
        argv[n++] = (char *)"--mpi";
    char dflags[32][512];
    for (int i = 0; i < m->nparams && i < 32; i++) {
        snprintf(dflags[i], sizeof dflags[i], "%s=%s", m->params[i].name, c->pvals[i]);
        argv[n++] = (char *)"-D";
        argv[n++] = dflags[i];
    }
    argv[n++] = m->path;
    argv[n++] = (char *)"-o";
    argv[n++] = b->dir;
    argv[n] = NULL;
    ProcResult pr;
    if (run_proc(argv, log, err, c->timeout_s, &pr) != 0) {
        snprintf(b->reason, sizeof b->reason, "cannot run %s: %s", o->snncc, strerror(errno));
        return;
    }
    b->wall_s = pr.wall_s;
    parse_cc_cmd(err, b->cc_cmd, sizeof b->cc_cmd); /* -v echoes commands on stderr */
    if (!b->cc_cmd[0])
        parse_cc_cmd(log, b->cc_cmd, sizeof b->cc_cmd);
    if (pr.timed_out || pr.exit_code != 0) {
        char tail[800];
        file_tail(err, tail, sizeof tail);
        /* an snncc without MPI or CUDA says so at once: the cell cannot run here */
        if (!pr.timed_out && b->mpi && strstr(tail, "unknown option") && strstr(tail, "--mpi")) {
            b->unsupported = "snncc has no --mpi option: this snncc builds no MPI simulators";
            snprintf(b->reason, sizeof b->reason, "%s", b->unsupported);
            return;
        }
        if (!pr.timed_out && b->mpi && strstr(tail, "--mpi works with the c back end only")) {
            b->unsupported = "this snncc builds MPI simulators for the c back end only";
            snprintf(b->reason, sizeof b->reason, "%s", b->unsupported);
            return;
        }
        if (!pr.timed_out && !strcmp(c->backend, "cuda") && strstr(tail, "unknown back end")) {
            b->unsupported = "snncc has no cuda back end";
            snprintf(b->reason, sizeof b->reason, "%s", b->unsupported);
            return;
        }
        if (pr.timed_out)
            snprintf(b->reason, sizeof b->reason, "snncc timed out after %.0f s", c->timeout_s);
        else if (pr.exit_code < 0)
            snprintf(b->reason, sizeof b->reason, "snncc killed by signal %d: %s", pr.signo, tail);
        else
            snprintf(b->reason, sizeof b->reason, "snncc failed (exit %d): %s", pr.exit_code, tail);
        return;
    }
    find_sim(b->dir, b->sim, sizeof b->sim);
    if (!b->sim[0]) {
        snprintf(b->reason, sizeof b->reason, "snncc wrote no simulator into %s", b->dir);
        return;
    }
    b->ok = 1;
}

static void fail_reason(const char *what, const ProcResult *pr, const char *errfile, double timeout,
                        char *out, size_t len)
{
    char tail[800];
    file_tail(errfile, tail, sizeof tail);
    if (pr->interrupted)
        snprintf(out, len, "interrupted");
    else if (pr->timed_out)
        snprintf(out, len, "timed out after %g s", timeout);
    else if (pr->exit_code < 0)
        snprintf(out, len, "%s killed by signal %d%s%s", what, pr->signo, tail[0] ? ": " : "", tail);
    else
        snprintf(out, len, "%s failed (exit %d)%s%s", what, pr->exit_code, tail[0] ? ": " : "", tail);
}

static const char *find_peer_script(const SuiteModel *m, char *buf, size_t len)
{
    if (m->script)
        return m->script;
    const char *b = strrchr(m->file, '/');
    b = b ? b + 1 : m->file;
    char st[256];
    snprintf(st, sizeof st, "%s", b);
    char *dot = strrchr(st, '.');
    if (dot)
        *dot = 0;
    if (strcmp(st, "hpc_benchmark") == 0)
        snprintf(st, sizeof st, "hpc");
    const char *bases[] = {"bench/peers", NULL, NULL};
    char b1[PATH_MAX], b2[PATH_MAX];
    snprintf(b1, sizeof b1, "%s/../../bench/peers", exe_dir());
    snprintf(b2, sizeof b2, "%s/../share/snncc/peers", exe_dir());
    bases[1] = b1;
    bases[2] = b2;
    for (int i = 0; i < 3; i++) {
        snprintf(buf, len, "%s/%s_brian2.py", bases[i], st);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    return NULL;
}

static const char *param_value(const SuiteModel *m, const SuiteCell *c, const char *name)
{
    for (int i = 0; i < m->nparams; i++)
        if (strcmp(m->params[i].name, name) == 0)
            return c->pvals[i];
    return NULL;
}

/* One repetition of a Brian2 peer: "construction X s, simulation Y s" on stdout. */
static void run_peer(const RunOpts *o, const Suite *s, const SuiteCell *c, int rep, Json *rec,
                     const char *dir)
{
    const SuiteModel *m = &s->models[c->model];
    char sbuf[PATH_MAX], tms[64], out[PATH_MAX + 16], err[PATH_MAX + 16];
    const char *script = find_peer_script(m, sbuf, sizeof sbuf);
    if (!script) {
        json_set(rec, "status", json_str("failed"));
        json_set(rec, "reason", json_str("no peer script for this model (bench/peers/<model>_brian2.py)"));
        return;
    }
    snprintf(tms, sizeof tms, "%g", c->time_ms);
    snprintf(out, sizeof out, "%s/peer-%d.out", dir, rep);
    snprintf(err, sizeof err, "%s/peer-%d.err", dir, rep);
    char *argv[8];
    int n = 0;
    const char *py = getenv("SNNBENCH_PYTHON");
    argv[n++] = (char *)(py && *py ? py : "/usr/bin/python3");
    argv[n++] = (char *)script;
    const char *scale = param_value(m, c, "scale");
    if (!m->script && strstr(script, "hpc_brian2.py")) {
        argv[n++] = (char *)(scale ? scale : "1");
        argv[n++] = tms;
        argv[n++] = (char *)"0";
    } else {
        argv[n++] = tms;
    }
    argv[n] = NULL;
    ProcResult pr;
    char reason[1200];
    if (run_proc(argv, out, err, c->timeout_s, &pr) != 0 || pr.exit_code != 0 || pr.timed_out) {
        fail_reason("peer", &pr, err, c->timeout_s, reason, sizeof reason);
        json_set(rec, "status", json_str(pr.timed_out ? "timeout" : "failed"));
        json_set(rec, "reason", json_str(reason));
        return;
    }
    FILE *f = fopen(out, "r");
    char line[1024];
    double cons = -1, sim = -1, rss_gb = -1;
    Json *pops = json_arr();
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, "construction ");
        if (p)
            sscanf(p, "construction %lf s, simulation %lf s", &cons, &sim);
        if ((p = strstr(line, "peak RSS ")))
            sscanf(p, "peak RSS %lf GB", &rss_gb);
        if ((p = strstr(line, "rates: "))) { /* "brian2 rates: E 4.1 Hz CV 0.9, I ..." */
            p += 7;
            char name[64];
            double hz;
            int used;
            while (sscanf(p, " %63[A-Za-z0-9_] %lf Hz%n", name, &hz, &used) == 2) {
                Json *q = json_obj();
                json_set(q, "name", json_str(name));
                json_set(q, "rate_hz", json_num(hz));
                json_push(pops, q);
                p += used;
                p = strchr(p, ',');
                if (!p)
                    break;
                p++;
            }
        }
    }
    if (f)
        fclose(f);
    if (cons < 0 || sim < 0) {
        json_free(pops);
        json_set(rec, "status", json_str("failed"));
        json_set(rec, "reason", json_str("peer output has no 'construction X s, simulation Y s' line"));
        return;
    }
    Json *t = record_obj(rec, "timers");
    json_set(t, "construction_s", json_num(cons));
    json_set(t, "simulation_s", json_num(sim));
    json_set(t, "real_time_factor", json_num(sim / (c->time_ms / 1000.0)));
    json_set(t, "wall_s", json_num(pr.wall_s));
    json_set(record_obj(rec, "sanity"), "populations", pops);
    json_set(record_obj(rec, "memory"), "peak_rss_bytes",
             json_num(rss_gb > 0 ? rss_gb * 1e9 : (double)pr.maxrss_kb * 1024.0));
    json_set(record_obj(rec, "meta"), "peer_script", json_str(script));
    (void)o;
}

static void run_sim(const LaunchEnv *le, const Build *b, const SuiteCell *c, int rep, Json *rec,
                    const char *dir)
{
    char outdir[PATH_MAX + 32], err[PATH_MAX + 32], rj[PATH_MAX + 48];
    snprintf(outdir, sizeof outdir, "%s/rep%d", dir, rep);
    snprintf(err, sizeof err, "%s/rep%d.err", dir, rep);
    snprintf(rj, sizeof rj, "%s/run.json", outdir);
    unlink(rj); /* a --work directory may hold one from before */
    char **argv = launch_argv(le, c, b->sim, outdir);
    if (!argv) {
        json_set(rec, "status", json_str("failed"));
        json_set(rec, "reason", json_str("the launcher cannot be split into words (an unbalanced quote)"));
        return;
    }
    char **env = launch_env(le, c);
    char what[128] = "simulator";
    if (c->ranks > 1) { /* "mpirun failed (exit 1): ..." */
        const char *slash = strrchr(argv[0], '/');
        snprintf(what, sizeof what, "%s", slash ? slash + 1 : argv[0]);
    }
    char *line = argv_join(argv);
    json_set(record_obj(rec, "meta"), "launch_command", json_str(line));
    free(line);
    ProcResult pr;
    char reason[1200];
    int rc = run_proc_env(argv, env, NULL, err, c->timeout_s, &pr);
    argv_free(argv);
    argv_free(env);
    if (rc != 0 || pr.exit_code != 0 || pr.timed_out) {
        fail_reason(what, &pr, err, c->timeout_s, reason, sizeof reason);
        json_set(rec, "status", json_str(pr.timed_out ? "timeout" : "failed"));
        json_set(rec, "reason", json_str(reason));
        return;
    }
    char perr[256];
    Json *j = json_parse_file(rj, perr, sizeof perr);
    if (!j) {
        snprintf(reason, sizeof reason, "no readable run.json: %s", perr);
        json_set(rec, "status", json_str("failed"));
        json_set(rec, "reason", json_str(reason));
        return;
    }
    if (record_from_run_json(rec, j, c->ranks, c->threads, pr.wall_s, pr.maxrss_kb, reason, sizeof reason) != 0) {
        json_set(rec, "status", json_str("failed"));
        json_set(rec, "reason", json_str(reason));
    }
    json_free(j);
}

Json *run_repetition(const RunOpts *o, const LaunchEnv *le, const Suite *s, const SuiteCell *c,
                     const Build *b, int rep, const Json *meta, const char *dir)
{
    Json *rec = record_new(s, c, rep, meta, "ok", NULL);
    if (s->models[c->model].peer) {
        run_peer(o, s, c, rep, rec, dir);
    } else if (!b->ok) {
        json_set(rec, "status", json_str("failed"));
        json_set(rec, "reason", json_str(b->reason));
    } else {
        Json *bj = json_obj();
        json_set(bj, "wall_s", json_num(b->wall_s));
        read_build_yaml(b->dir, bj);
        json_set(rec, "build", bj);
        Json *mt = record_obj(rec, "meta");
        if (b->cc_cmd[0]) {
            char cc[256];
            sscanf(b->cc_cmd, "%255s", cc);
            json_set(mt, "cc_command", json_str(cc));
            json_set(mt, "compile_command", json_str(b->cc_cmd));
        }
        const char *ef = getenv("SNNCC_CFLAGS");
        json_set(mt, "snncc_cflags_env", ef && *ef ? json_str(ef) : json_null());
        run_sim(le, b, c, rep, rec, dir);
    }
    return rec;
}

void build_key(const Suite *s, const SuiteCell *c, char *key, size_t size)
{
    const SuiteModel *m = &s->models[c->model];
    size_t len = (size_t)snprintf(key, size, "%s", m->name);
    for (int p = 0; p < m->nparams && len < size; p++)
        len += (size_t)snprintf(key + len, size - len, "-%s=%s", m->params[p].name, c->pvals[p]);
    if (len < size)
        snprintf(key + len, size - len, "-%s%s", c->backend, c->ranks > 1 ? "-mpi" : "");
    sanitize(key);
}

int cell_selected(const RunOpts *o, const SuiteCell *c)
{
    if (o->cell && strcmp(o->cell, c->id) != 0)
        return 0;
    if (o->nfilters == 0)
        return 1;
    for (int i = 0; i < o->nfilters; i++) {
        const char *f = o->filters[i];
        if (strpbrk(f, "*?[")) {
            if (fnmatch(f, c->id, 0) == 0)
                return 1;
        } else if (strstr(c->id, f)) {
            return 1;
        }
    }
    return 0;
}

static void fmt_dur(double s, char *out, size_t len)
{
    if (s < 0 || !isfinite(s))
        snprintf(out, len, "?");
    else if (s < 60)
        snprintf(out, len, "%.0fs", s);
    else if (s < 3600)
        snprintf(out, len, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(out, len, "%dh%02dm", (int)s / 3600, ((int)s % 3600) / 60);
}

static void on_signal(int sig)
{
    (void)sig;
    g_interrupted = 1;
}

static void run_usage(FILE *f)
{
    fputs("usage: snnbench run SUITE.yaml [--store DIR] [--filter PATTERN]... [--cell ID]\n"
          "                    [--reps N] [--time MS] [--snncc PATH] [--work DIR] [--keep-work]\n"
          "                    [--dry-run] [--quiet]\n"
          "Cells with ranks > 1 are built with snncc --mpi and run under mpirun -np R, or under\n"
          "$SNNBENCH_LAUNCHER (or the suite's 'launcher'), e.g. 'srun --ntasks={ranks}'.\n", f);
}

int cmd_run(int argc, char **argv)
{
    RunOpts o;
    memset(&o, 0, sizeof o);
    o.store = default_store();
    const char *suite_path = NULL, *work = NULL;
    int dry = 0;
    o.filters = calloc((size_t)argc + 1, sizeof *o.filters);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--store") && more) o.store = argv[++i];
        else if (!strcmp(a, "--filter") && more) o.filters[o.nfilters++] = argv[++i];
        else if (!strcmp(a, "--cell") && more) o.cell = argv[++i];
        else if (!strcmp(a, "--snncc") && more) o.snncc = argv[++i];
        else if (!strcmp(a, "--work") && more) work = argv[++i];
        else if (!strcmp(a, "--reps") && more) o.reps_override = atoi(argv[++i]);
        else if (!strcmp(a, "--time") && more) o.time_override = atof(argv[++i]);
        else if (!strcmp(a, "--keep-work")) o.keep_work = 1;
        else if (!strcmp(a, "--dry-run")) dry = 1;
        else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) o.quiet = 1;
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) { run_usage(stdout); free(o.filters); return 0; }
        else if (a[0] == '-' || suite_path) {
            fprintf(stderr, "snnbench run: unexpected argument '%s'\n", a);
            run_usage(stderr);
            free(o.filters);
            return 2;
        } else suite_path = a;
    }
    if (!suite_path) {
        run_usage(stderr);
        free(o.filters);
        return 2;
    }
    Suite s;
    char err[2048];
    if (suite_load(suite_path, &s, err, sizeof err) != 0) {
        fprintf(stderr, "snnbench: error: %s\n", err);
        free(o.filters);
        return 2;
    }
    static char snncc_buf[PATH_MAX];
    if (!o.snncc) {
        const char *e = getenv("SNNCC");
        snprintf(snncc_buf, sizeof snncc_buf, "%s/snncc", exe_dir());
        o.snncc = e && *e ? e : is_exec_file(snncc_buf) ? snncc_buf : "snncc";
    }
    int *sel = calloc((size_t)s.ncells + 1, sizeof *sel);
    int nsel = 0, total_reps = 0;
    LaunchEnv le;
    launch_env_probe(&le);
    for (int i = 0; i < s.ncells; i++) {
        SuiteCell *c = &s.cells[i];
        if (o.reps_override > 0)
            c->reps = o.reps_override;
        if (o.time_override > 0)
            c->time_ms = o.time_override;
        if (cell_selected(&o, c)) {
            if (!s.models[c->model].peer)
                c->skip = cell_skip_reason(&le, c); /* what this machine lacks */
            sel[nsel++] = i;
            total_reps += c->skip ? 0 : c->reps;
        }
    }
    if (nsel == 0) {
        fprintf(stderr, "snnbench: error: no cell of %s matches the filter\n", suite_path);
        suite_free(&s);
        free(sel);
        free(o.filters);
        return 2;
    }
    if (dry) {
        for (int k = 0; k < nsel; k++) {
            SuiteCell *c = &s.cells[sel[k]];
            printf("%s\t%d reps\t%g ms%s%s\n", c->id, c->reps, c->time_ms, c->skip ? "\tskipped: " : "",
                   c->skip ? c->skip : "");
        }
        suite_free(&s);
        free(sel);
        free(o.filters);
        return 0;
    }
    if (work) {
        snprintf(o.work, sizeof o.work, "%s", work);
        mkdir(o.work, 0777);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(o.work, sizeof o.work, "%s/snnbench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(o.work)) {
            fprintf(stderr, "snnbench: error: cannot create a work directory: %s\n", strerror(errno));
            return 2;
        }
    }
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/build", o.work);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/run", o.work);
    mkdir(sub, 0777);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    Json *meta = host_meta(o.snncc);
    int tty = isatty(2) && !o.quiet;
    double t0 = now_s();
    int done_reps = 0, n_ok = 0, n_bad = 0, n_skip = 0, n_written = 0;
    Build *builds = calloc((size_t)nsel, sizeof *builds);
    int nbuilds = 0;
    if (!o.quiet)
        fprintf(stderr, "snnbench: suite %s: %d cells, %d runs; store %s; commit %s\n", s.name, nsel,
                total_reps, o.store, json_str_or(json_get(meta, "commit"), "?"));
    for (int k = 0; k < nsel && !g_interrupted; k++) {
        SuiteCell *c = &s.cells[sel[k]];
        const SuiteModel *m = &s.models[c->model];
        char dir[PATH_MAX + 600];
        snprintf(dir, sizeof dir, "%s/run/%s", o.work, c->id);
        mkdir(dir, 0777);
        int cell_ok = 0, cell_bad = 0;
        double sims[256];
        int nsims = 0;
        const char *cell_reason = NULL;
        Build *b = NULL;
        if (!c->skip && !m->peer) {
            /* one build per (model, parameters, back end, MPI) */
            char key[1024];
            build_key(&s, c, key, sizeof key);
            for (int i = 0; i < nbuilds; i++)
                if (!strcmp(builds[i].key, key))
                    b = &builds[i];
            if (!b) {
                b = &builds[nbuilds++];
                snprintf(b->key, sizeof b->key, "%s", key);
                b->mpi = c->ranks > 1;
                if (tty)
                    fprintf(stderr, "\r\033[K[%d/%d] %s: building", k + 1, nsel, c->id);
                build_model(&o, &s, c, b);
            }
            if (b->unsupported)
                c->skip = b->unsupported;
            else if (b->ok && !strcmp(c->backend, "cuda") && !le.have_gpu)
                c->skip = "no GPU on this machine"; /* built (nvcc is here), nothing to run on */
            if (c->skip)
                total_reps -= c->reps;
        }
        if (c->skip) {
            char reason[256];
            snprintf(reason, sizeof reason, "skipped: %s", c->skip);
            Json *rec = record_new(&s, c, 1, meta, "skipped", reason);
            if (b && b->ok) {
                Json *bj = json_obj();
                json_set(bj, "wall_s", json_num(b->wall_s));
                read_build_yaml(b->dir, bj);
                json_set(rec, "build", bj);
            }
            if (store_write(o.store, rec, NULL, 0) == 0)
                n_written++;
            json_free(rec);
            n_skip++;
            cell_reason = c->skip;
        } else {
            for (int rep = 1; rep <= c->reps && !g_interrupted; rep++) {
                if (tty) {
                    double el = now_s() - t0;
                    double eta = done_reps ? el / done_reps * (total_reps - done_reps) : -1;
                    char e1[32], e2[32];
                    fmt_dur(el, e1, sizeof e1);
                    fmt_dur(eta, e2, sizeof e2);
                    fprintf(stderr, "\r\033[K[%d/%d] %s rep %d/%d  elapsed %s  eta %s", k + 1, nsel,
                            c->id, rep, c->reps, e1, e2);
                }
                Json *rec = run_repetition(&o, &le, &s, c, b, rep, meta, dir);
                if (g_interrupted && strcmp(json_str_or(json_get(rec, "status"), ""), "ok") != 0) {
                    json_free(rec);
                    break; /* an interrupted run is not a result */
                }
                const char *st = json_str_or(json_get(rec, "status"), "");
                if (!strcmp(st, "ok")) {
                    cell_ok++;
                    if (nsims < 256)
                        sims[nsims++] = json_num_or(json_path(rec, "timers.simulation_s"), NAN);
                } else {
                    cell_bad++;
                    if (!cell_reason)
                        cell_reason = "";
                }
                char path[PATH_MAX];
                if (store_write(o.store, rec, path, sizeof path) == 0)
                    n_written++;
                else
                    fprintf(stderr, "\nsnnbench: error: cannot write a record into %s: %s\n", o.store, strerror(errno));
                if (cell_bad == 1 && strcmp(st, "ok") && !o.quiet)
                    fprintf(stderr, "%s%s rep %d: %s: %s\n", tty ? "\r\033[K" : "", c->id, rep, st,
                            json_str_or(json_get(rec, "reason"), ""));
                json_free(rec);
                done_reps++;
            }
            n_ok += cell_ok;
            n_bad += cell_bad;
        }
        if (!tty && !o.quiet) {
            double el = now_s() - t0;
            double eta = done_reps ? el / done_reps * (total_reps - done_reps) : -1;
            char e1[32], e2[32];
            fmt_dur(el, e1, sizeof e1);
            fmt_dur(eta, e2, sizeof e2);
            if (c->skip)
                fprintf(stderr, "[%d/%d] %s: skipped: %s (elapsed %s, eta %s)\n", k + 1, nsel, c->id,
                        c->skip, e1, e2);
            else if (nsims)
                fprintf(stderr, "[%d/%d] %s: %d ok, %d failed, simulation median %.4g s (elapsed %s, eta %s)\n",
                        k + 1, nsel, c->id, cell_ok, cell_bad, median(sims, (size_t)nsims), e1, e2);
            else
                fprintf(stderr, "[%d/%d] %s: %d ok, %d failed (elapsed %s, eta %s)\n", k + 1, nsel, c->id,
                        cell_ok, cell_bad, e1, e2);
        }
    }
    if (tty)
        fputs("\r\033[K", stderr);
    if (!o.quiet)
        fprintf(stderr, "snnbench: %d runs ok, %d failed, %d cells skipped; %d records in %s (%.0f s)%s\n",
                n_ok, n_bad, n_skip, n_written, o.store, now_s() - t0, g_interrupted ? "; interrupted" : "");
    if (!o.keep_work && !work) {
        char *rm[] = {(char *)"rm", (char *)"-rf", o.work, NULL};
        ProcResult pr;
        run_proc(rm, NULL, NULL, 0, &pr);
    }
    json_free(meta);
    free(builds);
    free(sel);
    free(o.filters);
    suite_free(&s);
    return g_interrupted ? 130 : n_bad ? 1 : 0;
}
