/* bench/snnbench.c - snnbench, snncc's benchmark driver: the command line and the
 * commands ls, compare, import and slurm (run is in run.c, report in report.c).
 * See docs/benchmarking.md. */
#define _DEFAULT_SOURCE /* realpath */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ab.h"
#include "bench.h"
#include "compare.h"
#include "stats.h"
#include "store.h"
#include "suite.h"

static void usage(FILE *f)
{
    fputs("usage: snnbench COMMAND [options]\n\n"
          "commands:\n"
          "  run SUITE.yaml [--store DIR] [--filter PATTERN]...   build and run a suite, store records\n"
          "  ls [--store DIR] [--csv] [--columns K,K] [KEY=VALUE]...  list records (dotted keys)\n"
          "  compare [--store DIR] [--threshold PCT] A B          compare two record sets, e.g.\n"
          "                                                       commit=abc commit=def; exit 1 on a\n"
          "                                                       significant regression\n"
          "  report [--store DIR] -o OUT.html [KEY=VALUE]...      static HTML page with figures\n"
          "  slurm SUITE.yaml -o DIR [--store DIR]                sbatch scripts, one per cell\n"
          "  import DIR [--store DIR]                             copy records from DIR into the store\n"
          "  ab REV_A REV_B SUITE.yaml [--pairs N] [--fail-above R]   build two git revisions and\n"
          "                                                       run their cells in alternation: B/A\n"
          "                                                       per cell, Mann-Whitney verdict\n"
          "\nThe store defaults to $SNNBENCH_STORE, else ./bench-store.\n"
          "  -h, --help   this text      --version   print the version\n",
          f);
}

/* ---- ls -------------------------------------------------------------------------- */

static const char *const LS_DEFAULT[] = {"meta.date", "meta.machine", "meta.commit", "suite",
                                         "cell.id", "rep", "status", "timers.construction_s",
                                         "timers.simulation_s", "timers.real_time_factor",
                                         "sanity.spikes", "memory.peak_rss_bytes", NULL};
static const char *const LS_HEAD[] = {"date", "machine", "commit", "suite", "cell", "rep",
                                      "status", "construct_s", "simulate_s", "rtf", "spikes",
                                      "peak_MB", NULL};

static void cell_text(const Json *rec, const char *key, char *buf, size_t len, int pretty)
{
    const Json *v = record_lookup(rec, key);
    if (pretty && v && v->type == J_NUM) {
        if (strstr(key, "bytes"))
            snprintf(buf, len, "%.1f", v->num / 1e6);
        else if (strstr(key, "_s") || strstr(key, "factor"))
            snprintf(buf, len, "%.4g", v->num);
        else
            json_scalar_text(v, buf, len);
    } else if (v && (v->type == J_OBJ || v->type == J_ARR)) {
        char *p = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&p, &n);
        if (m) {
            json_write(m, v, -1);
            fclose(m);
            snprintf(buf, len, "%s", p);
            free(p);
        } else {
            buf[0] = 0;
        }
    } else {
        json_scalar_text(v, buf, len);
    }
    if (pretty && !strcmp(key, "meta.commit") && strlen(buf) > 12)
        buf[12] = 0;
    if (pretty && !strcmp(key, "meta.date") && strlen(buf) > 19)
        buf[19] = 0;
}

static void csv_field(const char *s)
{
    if (strpbrk(s, ",\"\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
}

static int cmd_ls(int argc, char **argv)
{
    const char *store = default_store();
    int csv = 0;
    const char *cols_arg = NULL;
    Filter *f = calloc((size_t)argc + 1, sizeof *f);
    int nf = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "--csv")) csv = 1;
        else if (!strcmp(argv[i], "--columns") && i + 1 < argc) cols_arg = argv[++i];
        else if (filter_parse(argv[i], &f[nf]) == 0) nf++;
        else {
            fprintf(stderr, "snnbench ls: expected KEY=VALUE, not '%s'\n", argv[i]);
            free(f);
            return 2;
        }
    }
    const char *cols[64];
    const char *heads[64];
    int nc = 0;
    char colbuf[2048];
    if (cols_arg) {
        snprintf(colbuf, sizeof colbuf, "%s", cols_arg);
        char *save = NULL;
        for (char *t = strtok_r(colbuf, ",", &save); t && nc < 63; t = strtok_r(NULL, ",", &save)) {
            cols[nc] = t;
            heads[nc++] = t;
        }
    } else {
        for (; LS_DEFAULT[nc]; nc++) {
            cols[nc] = LS_DEFAULT[nc];
            heads[nc] = csv ? LS_DEFAULT[nc] : LS_HEAD[nc];
        }
    }
    RecordSet rs = {0};
    if (store_load(store, &rs) < 0) {
        fprintf(stderr, "snnbench: error: cannot read the store %s: %s\n", store, strerror(errno));
        free(f);
        return 2;
    }
    recordset_sort(&rs);
    size_t nsel = 0;
    char buf[1024];
    size_t width[64];
    for (int c = 0; c < nc; c++)
        width[c] = strlen(heads[c]);
    for (size_t i = 0; i < rs.n; i++) {
        if (!record_match(rs.rec[i], f, nf))
            continue;
        nsel++;
        for (int c = 0; c < nc; c++) {
            cell_text(rs.rec[i], cols[c], buf, sizeof buf, !csv);
            if (strlen(buf) > width[c])
                width[c] = strlen(buf);
        }
    }
    for (int c = 0; c < nc; c++) {
        if (csv) {
            if (c) putchar(',');
            csv_field(heads[c]);
        } else {
            printf("%-*s%s", c + 1 < nc ? (int)width[c] : 0, heads[c], c + 1 < nc ? "  " : "");
        }
    }
    putchar('\n');
    for (size_t i = 0; i < rs.n; i++) {
        if (!record_match(rs.rec[i], f, nf))
            continue;
        for (int c = 0; c < nc; c++) {
            cell_text(rs.rec[i], cols[c], buf, sizeof buf, !csv);
            if (csv) {
                if (c) putchar(',');
                csv_field(buf);
            } else {
                printf("%-*s%s", c + 1 < nc ? (int)width[c] : 0, buf, c + 1 < nc ? "  " : "");
            }
        }
        putchar('\n');
    }
    if (!csv)
        fprintf(stderr, "%zu of %zu records\n", nsel, rs.n);
    recordset_free(&rs);
    free(f);
    return 0;
}

/* ---- compare --------------------------------------------------------------------- */

static int cmd_compare(int argc, char **argv)
{
    const char *store = default_store();
    CompareOpts co = {.threshold = 0.05, .metric = "timers.simulation_s", .alpha = 0.05, .min_n = 5};
    const char *sel[2] = {NULL, NULL};
    int ns = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "--threshold") && i + 1 < argc) {
            char *end;
            double t = strtod(argv[++i], &end);
            if (*end == '%')
                t /= 100.0;
            else if (t >= 1.0)
                t /= 100.0; /* "5" means 5 % */
            if (!(t > 0 && t < 1) || (*end && strcmp(end, "%"))) {
                fprintf(stderr, "snnbench compare: bad --threshold '%s' (e.g. 5%%)\n", argv[i]);
                return 2;
            }
            co.threshold = t;
        } else if (!strcmp(argv[i], "--metric") && i + 1 < argc) {
            co.metric = argv[++i];
        } else if (argv[i][0] != '-' && ns < 2) {
            sel[ns++] = argv[i];
        } else {
            fprintf(stderr, "snnbench compare: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (ns != 2) {
        fputs("usage: snnbench compare [--store DIR] [--threshold PCT] [--metric KEY] A B\n"
              "  A, B: KEY=VALUE[,KEY=VALUE...], e.g. commit=abc commit=def\n", stderr);
        return 2;
    }
    Filter fa[16], fb[16];
    int na = filter_parse_list(sel[0], fa, 16), nb = filter_parse_list(sel[1], fb, 16);
    if (na <= 0 || nb <= 0) {
        fprintf(stderr, "snnbench compare: A and B must be KEY=VALUE[,KEY=VALUE...]\n");
        return 2;
    }
    RecordSet rs = {0};
    if (store_load(store, &rs) < 0) {
        fprintf(stderr, "snnbench: error: cannot read the store %s: %s\n", store, strerror(errno));
        return 2;
    }
    CompareResult cr;
    compare_sets(&rs, fa, na, fb, nb, &co, &cr);
    int rc;
    if (cr.ncells == 0) {
        fprintf(stderr, "snnbench compare: no cell has ok records on both sides (%zu records in A, %zu in B)\n",
                cr.n_a, cr.n_b);
        rc = 2;
    } else {
        compare_print(stdout, &cr, sel[0], sel[1], &co);
        rc = cr.n_slower > 0 ? 1 : 0;
    }
    compare_free(&cr);
    recordset_free(&rs);
    return rc;
}

/* ---- import ---------------------------------------------------------------------- */

static int cmd_import(int argc, char **argv)
{
    const char *store = default_store(), *src = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (argv[i][0] != '-' && !src) src = argv[i];
        else {
            fprintf(stderr, "usage: snnbench import DIR [--store DIR]\n");
            return 2;
        }
    }
    if (!src) {
        fprintf(stderr, "usage: snnbench import DIR [--store DIR]\n");
        return 2;
    }
    RecordSet rs = {0};
    if (store_load(src, &rs) < 0) {
        fprintf(stderr, "snnbench: error: cannot read %s: %s\n", src, strerror(errno));
        return 2;
    }
    int added = 0, had = 0, bad = 0;
    for (size_t i = 0; i < rs.n; i++) {
        if (store_contains(store, rs.rec[i])) {
            had++;
        } else if (store_write(store, rs.rec[i], NULL, 0) == 0) {
            added++;
        } else {
            fprintf(stderr, "snnbench: error: cannot write into %s: %s\n", store, strerror(errno));
            bad++;
        }
    }
    printf("imported %d records into %s (%d already there)\n", added, store, had);
    recordset_free(&rs);
    return bad ? 1 : 0;
}

/* ---- slurm ----------------------------------------------------------------------- */

static void abspath(const char *p, char *out, size_t len)
{
    if (!realpath(p, out)) {
        char cwd[PATH_MAX];
        if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
            snprintf(out, len, "%s", p);
        else
            snprintf(out, len, "%s/%s", cwd, p);
    }
}

/* srun with cell c's ranks and threads, then a space. */
static const char *srun_launch(const SuiteCell *c)
{
    static char buf[128];
    snprintf(buf, sizeof buf, "srun --ntasks=%d --cpus-per-task=%d ", c->ranks, c->threads);
    return buf;
}

/* --checkpoint S: cell c's simulation as one long run (no timing record) that survives
 * the time limit: built once into DIR/build/<cell>, a run config with checkpoints every S
 * seconds (DIR/<cell>.ckpt.yaml), Slurm's SIGUSR1 120 s before the limit forwarded as
 * SIGTERM (checkpoint and stop), the job requeued and continued with --restore
 * (docs/run.md "Slurm").  1: written; 0: skipped (a peer or the CUDA back end); -1: error. */
static int slurm_ckpt_cell(const Suite *s, const SuiteCell *c, const char *aout,
                           const char *cwd, double ckpt_s, const char *partition,
                           const char *account, FILE *sub)
{
    const SuiteModel *m = &s->models[c->model];
    if (m->peer || strcmp(c->backend, "c") != 0)
        return 0;
    char path[PATH_MAX + 600], cfg[PATH_MAX + 600];
    snprintf(cfg, sizeof cfg, "%s/%s.ckpt.yaml", aout, c->id);
    FILE *f = fopen(cfg, "w");
    if (!f) {
        fprintf(stderr, "snnbench: error: cannot write %s: %s\n", cfg, strerror(errno));
        return -1;
    }
    fprintf(f, "# snnbench slurm --checkpoint: the run config of cell %s\n", c->id);
    fprintf(f, "checkpoint:\n  dir: '%s/ckpt/%s'\n  every_seconds: %g\n", aout, c->id, ckpt_s);
    if (c->exchange)
        fprintf(f, "exchange: %s\n", c->exchange);
    fclose(f);
    snprintf(path, sizeof path, "%s/%s.sbatch", aout, c->id);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "snnbench: error: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    double limit = c->timeout_s + 300;
    int h = (int)(limit / 3600), mi = (int)(fmod(limit, 3600) / 60) + 1;
    fprintf(f, "#!/bin/bash\n# snnbench: suite %s, cell %s: one run of %g ms, checkpointed every "
               "%g s and\n# before the time limit, requeued until done (docs/run.md "
               "\"Slurm\")\n", s->name, c->id, c->time_ms, ckpt_s);
    fprintf(f, "#SBATCH --job-name=snnbench-%s\n", c->id);
    fprintf(f, "#SBATCH --nodes=1\n#SBATCH --ntasks=%d\n#SBATCH --cpus-per-task=%d\n", c->ranks,
            c->threads);
    fprintf(f, "#SBATCH --time=%d:%02d:00\n", h, mi);
    fprintf(f, "#SBATCH --signal=B:USR1@120\n#SBATCH --requeue\n#SBATCH --open-mode=append\n");
    fprintf(f, "#SBATCH --output=%s/%s.log\n", aout, c->id);
    if (partition)
        fprintf(f, "#SBATCH --partition=%s\n", partition);
    if (account)
        fprintf(f, "#SBATCH --account=%s\n", account);
    fprintf(f, "set -uo pipefail\ncd '%s'\nexport OMP_NUM_THREADS=%d\n", cwd, c->threads);
    fprintf(f, "b='%s/build/%s' ck='%s/ckpt/%s' done='%s/%s.done'\n", aout, c->id, aout, c->id,
            aout, c->id);
    fprintf(f, "[ -e \"$done\" ] && { echo \"%s: done already ($done)\"; exit 0; }\n", c->id);
    fprintf(f, "if [ ! -d \"$b\" ]; then\n    '%s/snncc' --backend c%s", exe_dir(),
            c->ranks > 1 ? " --mpi" : "");
    for (int k = 0; k < m->nparams; k++)
        fprintf(f, " -D '%s=%s'", m->params[k].name, c->pvals[k]);
    fprintf(f, " '%s' -o \"$b.tmp\" && mv \"$b.tmp\" \"$b\" || exit 1\nfi\n", m->path);
    fprintf(f, "sim=$(find \"$b\" -maxdepth 1 -type f -perm -u+x | head -n 1)\n");
    fprintf(f, "restore=()\n[ -f \"$ck/manifest.json\" ] && restore=(--restore \"$ck\")\n");
    fprintf(f, "# each job's recordings in their own part: part0's followed by part1's ... are "
               "the run's\n");
    fprintf(f, "%s\"$sim\" --time %g --config '%s' \\\n"
               "    --output '%s/out/%s/part'\"${SLURM_RESTART_COUNT:-0}\" \"${restore[@]}\" &\n",
            c->ranks > 1 ? srun_launch(c) : "", c->time_ms, cfg, aout, c->id);
    fprintf(f, "pid=$!\n"
               "# Slurm's SIGUSR1, 120 s before the limit: the simulator checkpoints and stops\n"
               "trap 'kill -TERM $pid' USR1\n"
               "wait $pid; st=$?\n"
               "while kill -0 $pid 2>/dev/null; do wait $pid; st=$?; done\n"
               "if [ $st -eq 143 ]; then # stopped with a checkpoint: continue in the next job\n"
               "    scontrol requeue \"$SLURM_JOB_ID\"\n"
               "elif [ $st -eq 0 ]; then\n"
               "    touch \"$done\"\n"
               "fi\n"
               "exit $st\n");
    fclose(f);
    chmod(path, 0755);
    fprintf(sub, "sbatch '%s.sbatch'\n", c->id);
    return 1;
}

static int cmd_slurm(int argc, char **argv)
{
    const char *suite_path = NULL, *out = NULL, *store = NULL, *partition = NULL, *account = NULL;
    double ckpt_s = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--checkpoint") && i + 1 < argc) {
            char *end;
            ckpt_s = strtod(argv[++i], &end);
            if (*end || !(ckpt_s > 0)) {
                fprintf(stderr, "snnbench: error: --checkpoint wants seconds between "
                                "checkpoints (> 0), got '%s'\n", argv[i]);
                return 2;
            }
        }
        else if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "--partition") && i + 1 < argc) partition = argv[++i];
        else if (!strcmp(argv[i], "--account") && i + 1 < argc) account = argv[++i];
        else if (argv[i][0] != '-' && !suite_path) suite_path = argv[i];
        else {
            suite_path = NULL;
            break;
        }
    }
    if (!suite_path || !out) {
        fputs("usage: snnbench slurm SUITE.yaml -o DIR [--store DIR] [--partition P] [--account A]\n"
              "                      [--checkpoint SECONDS]\n"
              "  writes DIR/<cell>.sbatch (one per cell) and DIR/submit.sh; results land in\n"
              "  DIR/store unless --store is given (then `snnbench import DIR` is not needed)\n"
              "  --checkpoint S: instead, each cell's simulation as one long run that\n"
              "  checkpoints every S seconds and before the time limit, requeued with --restore\n",
              stderr);
        return 2;
    }
    Suite s;
    char err[2048];
    if (suite_load(suite_path, &s, err, sizeof err) != 0) {
        fprintf(stderr, "snnbench: error: %s\n", err);
        return 2;
    }
    mkdir(out, 0777);
    char aout[PATH_MAX], asuite[PATH_MAX], astore[PATH_MAX], cwd[PATH_MAX], self[PATH_MAX + 16];
    abspath(out, aout, sizeof aout);
    abspath(suite_path, asuite, sizeof asuite);
    if (store) {
        mkdir(store, 0777);
        abspath(store, astore, sizeof astore);
    } else {
        snprintf(astore, sizeof astore, "%s/store", aout);
    }
    if (!getcwd(cwd, sizeof cwd))
        snprintf(cwd, sizeof cwd, ".");
    snprintf(self, sizeof self, "%s/snnbench", exe_dir());
    char subpath[PATH_MAX + 16];
    snprintf(subpath, sizeof subpath, "%s/submit.sh", aout);
    FILE *sub = fopen(subpath, "w");
    if (!sub) {
        fprintf(stderr, "snnbench: error: cannot write %s: %s\n", subpath, strerror(errno));
        suite_free(&s);
        return 2;
    }
    fprintf(sub, "#!/bin/sh\n# submit every cell of suite %s\nset -e\ncd \"$(dirname \"$0\")\"\n", s.name);
    int n = 0, skipped = 0;
    for (int i = 0; i < s.ncells; i++) {
        const SuiteCell *c = &s.cells[i];
        if (ckpt_s > 0) {
            int rc = slurm_ckpt_cell(&s, c, aout, cwd, ckpt_s, partition, account, sub);
            if (rc < 0) {
                fclose(sub);
                suite_free(&s);
                return 2;
            }
            n += rc, skipped += !rc;
            continue;
        }
        char path[PATH_MAX + 600];
        snprintf(path, sizeof path, "%s/%s.sbatch", aout, c->id);
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "snnbench: error: cannot write %s: %s\n", path, strerror(errno));
            fclose(sub);
            suite_free(&s);
            return 2;
        }
        double limit = c->timeout_s * (c->reps + 1) + 300;
        int h = (int)(limit / 3600), m = (int)(fmod(limit, 3600) / 60) + 1;
        fprintf(f, "#!/bin/bash\n# snnbench: suite %s, cell %s (%d repetitions of %g ms)\n",
                s.name, c->id, c->reps, c->time_ms);
        fprintf(f, "#SBATCH --job-name=snnbench-%s\n", c->id);
        fprintf(f, "#SBATCH --nodes=1\n#SBATCH --ntasks=%d\n#SBATCH --cpus-per-task=%d\n", c->ranks, c->threads);
        fprintf(f, "#SBATCH --time=%d:%02d:00\n", h, m);
        fprintf(f, "#SBATCH --output=%s/%s-%%j.log\n", aout, c->id);
        if (partition)
            fprintf(f, "#SBATCH --partition=%s\n", partition);
        if (account)
            fprintf(f, "#SBATCH --account=%s\n", account);
        fprintf(f, "set -euo pipefail\ncd '%s'\n", cwd);
        fprintf(f, "export OMP_NUM_THREADS=%d\n", c->threads);
        if (c->ranks > 1)
            fprintf(f, "export SNNBENCH_LAUNCHER=\"srun --ntasks=%d --cpus-per-task=%d\"\n", c->ranks, c->threads);
        fprintf(f, "exec '%s' run '%s' --cell '%s' --store '%s' --work \"${TMPDIR:-/tmp}/snnbench-$SLURM_JOB_ID\"\n",
                self, asuite, c->id, astore);
        fclose(f);
        chmod(path, 0755);
        fprintf(sub, "sbatch '%s.sbatch'\n", c->id);
        n++;
    }
    fclose(sub);
    chmod(subpath, 0755);
    if (ckpt_s > 0)
        printf("wrote %d sbatch scripts (checkpointed long runs; %d cells skipped: a peer "
               "simulator or a back end without checkpoints) and submit.sh into %s\n", n,
               skipped, out);
    else
        printf("wrote %d sbatch scripts and submit.sh into %s; records go to %s\n", n, out,
               astore);
    suite_free(&s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("snnbench %s\n", SNNBENCH_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "ls")) return cmd_ls(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "slurm")) return cmd_slurm(argc - 1, argv + 1);
    if (!strcmp(cmd, "import")) return cmd_import(argc - 1, argv + 1);
    if (!strcmp(cmd, "ab")) return cmd_ab(argc - 1, argv + 1);
    static const char *const cmds[] = {"run", "ls", "compare", "report", "slurm", "import", "ab", NULL};
    const char *best = NULL;
    int bd = 99;
    for (int i = 0; cmds[i]; i++) {
        int d = edit_distance(cmd, cmds[i]);
        if (d < bd) {
            bd = d;
            best = cmds[i];
        }
    }
    if (bd <= 2)
        fprintf(stderr, "snnbench: unknown command '%s' (did you mean '%s'?)\n", cmd, best);
    else
        fprintf(stderr, "snnbench: unknown command '%s' (try --help)\n", cmd);
    return 2;
}
