/* bench/ab.c - `snnbench ab REV_A REV_B SUITE.yaml`: a before/after comparison in one
 * sitting.  Each revision is checked out into a temporary git worktree and built there
 * with make (its own build directory; nothing of the caller's build is used), or taken
 * prebuilt (--prebuilt-a/-b DIR).  Then every cell of the suite runs in alternation,
 * pair by pair (A B, B A, A B, ... by default), each run a fresh snncc build of the
 * model followed by one simulator run, recorded in the store like `snnbench run` does
 * (with an "ab" object naming the side and revision).  The report gives per cell and
 * metric (build, construction, simulation, total) the ratio B/A of the medians, a
 * confidence interval, the two-sided Mann-Whitney p and a verdict (faster, slower, no
 * difference at alpha), the geometric means, the worst cell, and with --fail-above R
 * exits 1 when a cell is slower than R with p < alpha.  See docs/benchmarking.md. */
#define _DEFAULT_SOURCE /* realpath, mkdtemp */
#include "ab.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "launch.h"
#include "record.h"
#include "run.h"
#include "store.h"
#include "suite.h"

/* ---- schedule and statistics (unit-tested) ------------------------------------------ */

size_t ab_schedule(int ncells, int pairs, AbOrder order, AbSlot *out)
{
    size_t n = 0;
    for (int p = 0; p < pairs; p++)
        for (int c = 0; c < ncells; c++) {
            int a_first = order == AB_ORDER_ABAB || p % 2 == 0;
            out[n++] = (AbSlot){p, c, a_first ? 'A' : 'B'};
            out[n++] = (AbSlot){p, c, a_first ? 'B' : 'A'};
        }
    return n;
}

int ab_order_parse(const char *s, AbOrder *out)
{
    if (!strcmp(s, "abba"))
        *out = AB_ORDER_ABBA;
    else if (!strcmp(s, "abab"))
        *out = AB_ORDER_ABAB;
    else
        return -1;
    return 0;
}

const char *ab_verdict_name(AbVerdict v)
{
    switch (v) {
    case AB_SAME: return "no difference";
    case AB_FASTER: return "faster";
    case AB_SLOWER: return "slower";
    case AB_NA: return "n/a";
    }
    return "?";
}

void ab_stat(const double *a, size_t na, const double *b, size_t nb, double alpha, AbStat *st)
{
    memset(st, 0, sizeof *st);
    st->na = na;
    st->nb = nb;
    st->med_a = median(a, na);
    st->med_b = median(b, nb);
    st->ratio = st->med_b / st->med_a;
    st->lo = st->hi = st->cover = NAN;
    st->mw.p = NAN;
    if (na == 0 || nb == 0) {
        st->verdict = AB_NA;
        return;
    }
    st->cover = ratio_ci(a, na, b, nb, 1.0 - alpha, &st->lo, &st->hi);
    st->mw = mann_whitney(a, na, b, nb);
    double mid = (double)na * (double)nb / 2.0;
    if (st->mw.p < alpha && st->mw.u < mid)
        st->verdict = AB_SLOWER; /* few A runs longer than B runs: B takes longer */
    else if (st->mw.p < alpha && st->mw.u > mid)
        st->verdict = AB_FASTER;
    else
        st->verdict = AB_SAME;
}

int ab_fails(const AbStat *st, double fail_above)
{
    return st->verdict == AB_SLOWER && st->ratio > fail_above;
}

/* ---- the command --------------------------------------------------------------------- */

static const struct {
    const char *name, *key;
} METRICS[] = {
    {"build", "build.wall_s"},                 /* snncc: code generation and compilation */
    {"construction", "timers.construction_s"}, /* the simulator's network construction */
    {"simulation", "timers.simulation_s"},     /* the simulation loop */
    {"total", "timers.wall_s"},                /* the simulator process, start to exit */
};
#define NMETRICS ((int)(sizeof METRICS / sizeof METRICS[0]))

typedef struct {
    char name;               /* 'A' or 'B' */
    const char *rev;         /* as given */
    const char *prebuilt;    /* --prebuilt-X DIR, or NULL */
    char commit[64];         /* full hash, or the revision as given (prebuilt, no git) */
    char shortc[16];
    char dir[PATH_MAX];      /* WORK/A */
    char src[PATH_MAX];      /* the worktree, "" when none was added */
    char snncc[PATH_MAX];
    RunOpts ro;              /* ro.work: WORK/A/bench (build/, run/) */
    Build *builds;           /* per cell */
    Json *meta;
    int runs_ok, runs_bad;
} AbSide;

typedef struct {
    const char *suite_path, *store, *repo, *work, *json_out;
    const char **filters;
    int nfilters;
    const char *cell;
    int pairs, jobs, keep_work, quiet, rebuild;
    double time_ms, alpha, fail_above;
    AbOrder order;
    int metric_on[NMETRICS];
} AbOpts;

static void ab_usage(FILE *f)
{
    fputs("usage: snnbench ab REV_A REV_B SUITE.yaml [options]\n"
          "  builds both git revisions in temporary worktrees (make -jN there), runs every\n"
          "  cell in alternation and reports per cell the ratio B/A of the medians, a 95 %\n"
          "  confidence interval and the Mann-Whitney verdict (faster, slower, no difference)\n"
          "options:\n"
          "  --pairs N            runs per side and cell (default 5)\n"
          "  --order abba|abab    A B, B A, A B, ... (default) or always A then B\n"
          "  --time MS            biological time per run instead of the suite's\n"
          "  --filter PATTERN     cells whose id contains PATTERN (a glob with *?[); repeatable\n"
          "  --cell ID            this cell only\n"
          "  --metrics LIST       of build,construction,simulation,total (default: all)\n"
          "  --no-rebuild         build each model once per side (no build samples)\n"
          "  --fail-above R       exit 1 when a cell is slower than R (e.g. 1.03 or 3%)\n"
          "                       with p < alpha\n"
          "  --alpha A            significance level (default 0.05)\n"
          "  --prebuilt-a DIR     use the snncc in DIR/bin (or DIR/build/bin) for A instead of\n"
          "  --prebuilt-b DIR     building REV_A; likewise for B\n"
          "  --repo DIR           the git repository (default: the one around the current\n"
          "                       directory)\n"
          "  --jobs N             make -jN for the builds (default 2)\n"
          "  --store DIR          where the records go (default $SNNBENCH_STORE, else\n"
          "                       ./bench-store)\n"
          "  --json FILE          the report as JSON too\n"
          "  --work DIR --keep-work   where worktrees, builds and runs go; keep them\n"
          "  --quiet              no progress on stderr\n"
          "exit status: 0; 1 when a cell fails --fail-above or a run failed; 2 on bad\n"
          "arguments or a failed build; 130 when interrupted\n",
          f);
}

static void on_signal(int sig)
{
    (void)sig;
    g_interrupted = 1;
}

/* Runs argv (output into out_path, errors into err_path); the exit status, or -1 when
 * it could not be started. */
static int run_to(char *const argv[], const char *out_path, const char *err_path)
{
    ProcResult pr;
    if (run_proc(argv, out_path, err_path, 0, &pr) != 0)
        return -1;
    return pr.exit_code;
}

static void read_first_line(const char *path, char *out, size_t len)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (!fgets(out, (int)len, f))
        out[0] = 0;
    out[strcspn(out, "\r\n")] = 0;
    fclose(f);
}

/* git -C repo ARGS...: its first line of output into out; the exit status. */
static int git_line(const char *work, const char *repo, const char *const *args, char *out, size_t len,
                    char *err, size_t errlen)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)"git";
    argv[n++] = (char *)"-C";
    argv[n++] = (char *)repo;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    char po[PATH_MAX + 16], pe[PATH_MAX + 16];
    snprintf(po, sizeof po, "%s/git.out", work);
    snprintf(pe, sizeof pe, "%s/git.err", work);
    int rc = run_to(argv, po, pe);
    read_first_line(po, out, len);
    if (err)
        file_tail(pe, err, errlen);
    return rc;
}

static void rm_rf(const char *path)
{
    char *argv[] = {(char *)"rm", (char *)"-rf", (char *)path, NULL};
    run_to(argv, NULL, NULL);
}

static int parse_ratio(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s)
        return -1;
    if (!strcmp(end, "%"))
        v = 1.0 + v / 100.0;
    else if (*end)
        return -1;
    if (!(v > 0) || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_metrics(const char *list, int *on)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (int m = 0; m < NMETRICS; m++)
        on[m] = 0;
    char *save = NULL;
    int any = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int m = 0; m < NMETRICS; m++)
            if (!strcmp(t, METRICS[m].name)) {
                on[m] = found = any = 1;
            }
        if (!found) {
            fprintf(stderr, "snnbench ab: unknown metric '%s' (build, construction, simulation, total)\n", t);
            return -1;
        }
    }
    return any ? 0 : -1;
}

/* Where the revision's snncc is: a prebuilt DIR/bin/snncc or DIR/build/bin/snncc. */
static int find_prebuilt(AbSide *s)
{
    char p[PATH_MAX + 32];
    static const char *const subs[] = {"bin/snncc", "build/bin/snncc"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", s->prebuilt, subs[i]);
        if (is_exec_file(p) && realpath(p, s->snncc))
            return 0;
    }
    fprintf(stderr, "snnbench ab: error: --prebuilt-%c %s: no bin/snncc (nor build/bin/snncc) there\n",
            s->name == 'A' ? 'a' : 'b', s->prebuilt);
    return -1;
}

/* The revision's commit; with a prebuilt tree a name git does not know is kept as given. */
static int resolve_rev(const AbOpts *o, const char *root, AbSide *s, const char *work)
{
    char spec[512], err[800];
    snprintf(spec, sizeof spec, "%s^{commit}", s->rev);
    const char *args[] = {"rev-parse", "--verify", "--quiet", spec, NULL};
    if (root[0] && git_line(work, root, args, s->commit, sizeof s->commit, err, sizeof err) == 0 &&
        s->commit[0]) {
        snprintf(s->shortc, sizeof s->shortc, "%.12s", s->commit);
        return 0;
    }
    if (s->prebuilt) {
        snprintf(s->commit, sizeof s->commit, "%s", s->rev);
        snprintf(s->shortc, sizeof s->shortc, "%.15s", s->rev);
        sanitize(s->shortc);
        return 0;
    }
    if (!root[0])
        fprintf(stderr, "snnbench ab: error: %s is not in a git repository (--repo DIR names one)\n",
                o->repo ? o->repo : "the current directory");
    else
        fprintf(stderr, "snnbench ab: error: '%s' is not a commit of the repository %s\n", s->rev, root);
    return -1;
}

/* git worktree add + make; on failure the reason is on stderr. */
static int build_side(const AbOpts *o, const char *root, AbSide *s)
{
    snprintf(s->src, sizeof s->src, "%s/src", s->dir);
    char log[PATH_MAX + 32], elog[PATH_MAX + 32], tail[1200];
    snprintf(log, sizeof log, "%s/worktree.log", s->dir);
    snprintf(elog, sizeof elog, "%s/worktree.err", s->dir);
    char *wt[] = {(char *)"git", (char *)"-C", (char *)root, (char *)"worktree", (char *)"add",
                  (char *)"--detach", s->src, s->commit, NULL};
    if (run_to(wt, log, elog) != 0) {
        file_tail(elog, tail, sizeof tail);
        fprintf(stderr, "snnbench ab: error: git worktree add for %c (%s) failed: %s\n", s->name, s->rev, tail);
        s->src[0] = 0;
        return -1;
    }
    char jobs[32];
    snprintf(jobs, sizeof jobs, "-j%d", o->jobs);
    char *mk[] = {(char *)"make", (char *)"-C", s->src, jobs, (char *)"BUILD=build", NULL};
    snprintf(log, sizeof log, "%s/make.log", s->dir);
    snprintf(elog, sizeof elog, "%s/make.err", s->dir);
    if (!o->quiet)
        fprintf(stderr, "snnbench ab: building %c = %s (%s) in %s: make %s\n", s->name, s->rev, s->shortc,
                s->src, jobs);
    ProcResult pr;
    if (run_proc(mk, log, elog, 0, &pr) != 0 || pr.exit_code != 0) {
        file_tail(elog, tail, sizeof tail);
        if (pr.interrupted)
            fprintf(stderr, "snnbench ab: building %c interrupted\n", s->name);
        else
            fprintf(stderr, "snnbench ab: error: building %c (%s = %s) failed (make exit %d; %s):\n%s\n",
                    s->name, s->rev, s->shortc, pr.exit_code, elog, tail);
        return -1;
    }
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/build/bin/snncc", s->src);
    if (!is_exec_file(p) || !realpath(p, s->snncc)) {
        fprintf(stderr, "snnbench ab: error: building %c (%s) made no build/bin/snncc\n", s->name, s->rev);
        return -1;
    }
    if (!o->quiet)
        fprintf(stderr, "snnbench ab: built %c in %.0f s\n", s->name, pr.wall_s);
    return 0;
}

static void remove_worktree(const char *root, AbSide *s)
{
    if (!s->src[0])
        return;
    char *argv[] = {(char *)"git", (char *)"-C", (char *)root, (char *)"worktree", (char *)"remove",
                    (char *)"--force", s->src, NULL};
    if (run_to(argv, NULL, NULL) != 0) {
        rm_rf(s->src);
        char *prune[] = {(char *)"git", (char *)"-C", (char *)root, (char *)"worktree", (char *)"prune", NULL};
        run_to(prune, NULL, NULL);
    }
    s->src[0] = 0;
}

/* samples[((cell * NMETRICS + metric) * 2 + side) * pairs + k] */
typedef struct {
    double *v;
    int *n;
    int pairs;
} Samples;

static double *sample_slot(Samples *sm, int cell, int metric, int side, int **count)
{
    size_t base = ((size_t)cell * NMETRICS + (size_t)metric) * 2 + (size_t)side;
    *count = &sm->n[base];
    return &sm->v[base * (size_t)sm->pairs];
}

static void fmt_time(double s, char *out, size_t len)
{
    if (!isfinite(s))
        snprintf(out, len, "-");
    else
        snprintf(out, len, "%.4g s", s);
}

static Json *num_or_null(double v)
{
    return isfinite(v) ? json_num(v) : json_null();
}

typedef struct {
    const char *cell;
    int metric;
    AbStat st;
} AbRow;

static int report(const AbOpts *o, const Suite *su, const SuiteCell *const *cells, int ncells,
                  Samples *sm, const AbSide *A, const AbSide *B, char **skipped, int nskipped,
                  const char *session)
{
    AbRow *rows = calloc((size_t)ncells * NMETRICS + 1, sizeof *rows);
    int nrows = 0;
    size_t w = 4;
    for (int c = 0; c < ncells; c++) {
        if (strlen(cells[c]->id) > w)
            w = strlen(cells[c]->id);
        for (int m = 0; m < NMETRICS; m++) {
            if (!o->metric_on[m])
                continue;
            int *na, *nb;
            double *a = sample_slot(sm, c, m, 0, &na), *b = sample_slot(sm, c, m, 1, &nb);
            AbRow *r = &rows[nrows++];
            r->cell = cells[c]->id;
            r->metric = m;
            ab_stat(a, (size_t)*na, b, (size_t)*nb, o->alpha, &r->st);
        }
    }
    int conf = (int)lround((1.0 - o->alpha) * 100);
    printf("A: %s = %s   B: %s = %s\n", A->rev, A->shortc, B->rev, B->shortc);
    printf("suite %s, %d pairs per cell, order %s, alpha %.3g; runs ok A %d, B %d; failed A %d, B %d\n",
           su->name, o->pairs, o->order == AB_ORDER_ABBA ? "abba" : "abab", o->alpha, A->runs_ok, B->runs_ok,
           A->runs_bad, B->runs_bad);
    for (int i = 0; i < nskipped; i++)
        printf("skipped: %s\n", skipped[i]);
    printf("%-*s  %-12s  %3s %3s  %11s %11s  %7s  %-19s  %8s  %s\n", (int)w, "cell", "metric", "nA", "nB",
           "median A", "median B", "B/A", "CI", "p", "verdict");
    int short_cover = 0, nfail = 0, nslow = 0, nfast = 0, nsame = 0, nna = 0;
    const AbRow *worst = NULL;
    for (int i = 0; i < nrows; i++) {
        const AbRow *r = &rows[i];
        char ta[32], tb[32], ci[64], p[32];
        fmt_time(r->st.med_a, ta, sizeof ta);
        fmt_time(r->st.med_b, tb, sizeof tb);
        if (isfinite(r->st.lo)) {
            int shortc = r->st.cover < 1.0 - o->alpha - 1e-12;
            short_cover |= shortc;
            snprintf(ci, sizeof ci, "[%.3f, %.3f]%s", r->st.lo, r->st.hi, shortc ? "*" : "");
        } else {
            snprintf(ci, sizeof ci, "-");
        }
        if (isfinite(r->st.mw.p))
            snprintf(p, sizeof p, "%.2g", r->st.mw.p);
        else
            snprintf(p, sizeof p, "-");
        char ratio[32];
        if (isfinite(r->st.ratio))
            snprintf(ratio, sizeof ratio, "%.3f", r->st.ratio);
        else
            snprintf(ratio, sizeof ratio, "-");
        int fails = o->fail_above > 0 && ab_fails(&r->st, o->fail_above);
        nfail += fails;
        nslow += r->st.verdict == AB_SLOWER;
        nfast += r->st.verdict == AB_FASTER;
        nsame += r->st.verdict == AB_SAME;
        nna += r->st.verdict == AB_NA;
        printf("%-*s  %-12s  %3zu %3zu  %11s %11s  %7s  %-19s  %8s  %s%s\n", (int)w, r->cell,
               METRICS[r->metric].name, r->st.na, r->st.nb, ta, tb, ratio, ci, p,
               ab_verdict_name(r->st.verdict), fails ? "  FAIL" : "");
        if (isfinite(r->st.ratio) && (!worst || r->st.ratio > worst->st.ratio))
            worst = r;
    }
    if (short_cover)
        printf("*: too few pairs for %d %% (the full range of the ratios, lower coverage; 4 pairs reach "
               "it without ties)\n", conf);
    printf("CI: %d %% confidence interval of B/A (Mann-Whitney inverted on log times); p: two-sided "
           "Mann-Whitney\n", conf);
    printf("geometric mean B/A:");
    Json *geo = json_obj();
    for (int m = 0; m < NMETRICS; m++) {
        if (!o->metric_on[m])
            continue;
        double *ratios = calloc((size_t)ncells + 1, sizeof *ratios);
        size_t k = 0;
        for (int i = 0; i < nrows; i++)
            if (rows[i].metric == m && isfinite(rows[i].st.ratio))
                ratios[k++] = rows[i].st.ratio;
        double g = geomean(ratios, k);
        printf(" %s %.3f", METRICS[m].name, g);
        json_set(geo, METRICS[m].name, num_or_null(g));
        free(ratios);
    }
    printf(" (over %d cells)\n", ncells);
    printf("verdicts: %d slower, %d faster, %d no difference%s", nslow, nfast, nsame, nna ? ", " : "\n");
    if (nna)
        printf("%d n/a (no ok runs on a side)\n", nna);
    if (nslow + nfast + nsame > 1)
        printf("(%d tests at alpha %.3g: %.2g slower or faster verdicts expected by chance alone when "
               "nothing changed)\n", nslow + nfast + nsame, o->alpha, (nslow + nfast + nsame) * o->alpha);
    if (worst)
        printf("worst cell: %s %s: B/A %.3f [%.3f, %.3f], p %.2g, %s\n", worst->cell,
               METRICS[worst->metric].name, worst->st.ratio, worst->st.lo, worst->st.hi, worst->st.mw.p,
               ab_verdict_name(worst->st.verdict));
    else
        printf("worst cell: none (no cell has ok runs on both sides)\n");
    if (o->fail_above > 0) {
        if (nfail)
            printf("FAIL: %d cell(s) slower than B/A %.4g with p < %.3g\n", nfail, o->fail_above, o->alpha);
        else
            printf("pass: no cell slower than B/A %.4g with p < %.3g\n", o->fail_above, o->alpha);
    }
    if (o->json_out) {
        Json *j = json_obj();
        json_set(j, "kind", json_str("snnbench-ab"));
        json_set(j, "session", json_str(session));
        json_set(j, "suite", json_str(su->name));
        const AbSide *sides[2] = {A, B};
        for (int i = 0; i < 2; i++) {
            Json *s = json_obj();
            json_set(s, "rev", json_str(sides[i]->rev));
            json_set(s, "commit", json_str(sides[i]->commit));
            json_set(s, "prebuilt", json_str(sides[i]->prebuilt));
            json_set(s, "runs_ok", json_num(sides[i]->runs_ok));
            json_set(s, "runs_failed", json_num(sides[i]->runs_bad));
            json_set(j, i ? "b" : "a", s);
        }
        json_set(j, "pairs", json_num(o->pairs));
        json_set(j, "order", json_str(o->order == AB_ORDER_ABBA ? "abba" : "abab"));
        json_set(j, "alpha", json_num(o->alpha));
        Json *arr = json_arr();
        for (int i = 0; i < nrows; i++) {
            const AbRow *r = &rows[i];
            Json *c = json_obj();
            json_set(c, "cell", json_str(r->cell));
            json_set(c, "metric", json_str(METRICS[r->metric].name));
            json_set(c, "n_a", json_num((double)r->st.na));
            json_set(c, "n_b", json_num((double)r->st.nb));
            json_set(c, "median_a", num_or_null(r->st.med_a));
            json_set(c, "median_b", num_or_null(r->st.med_b));
            json_set(c, "ratio", num_or_null(r->st.ratio));
            json_set(c, "ci_low", num_or_null(r->st.lo));
            json_set(c, "ci_high", num_or_null(r->st.hi));
            json_set(c, "ci_coverage", num_or_null(r->st.cover));
            json_set(c, "u", num_or_null(r->st.verdict == AB_NA ? NAN : r->st.mw.u));
            json_set(c, "p", num_or_null(r->st.mw.p));
            json_set(c, "exact", json_bool(r->st.mw.exact));
            json_set(c, "verdict", json_str(ab_verdict_name(r->st.verdict)));
            json_set(c, "fails", json_bool(o->fail_above > 0 && ab_fails(&r->st, o->fail_above)));
            json_push(arr, c);
        }
        json_set(j, "cells", arr);
        json_set(j, "geomean", geo);
        geo = NULL;
        json_set(j, "worst", worst ? json_str(worst->cell) : json_null());
        json_set(j, "worst_metric", worst ? json_str(METRICS[worst->metric].name) : json_null());
        json_set(j, "fail_above", o->fail_above > 0 ? json_num(o->fail_above) : json_null());
        json_set(j, "failing_cells", json_num(nfail));
        if (json_write_file(o->json_out, j) != 0)
            fprintf(stderr, "snnbench ab: error: cannot write %s: %s\n", o->json_out, strerror(errno));
        json_free(j);
    }
    json_free(geo);
    free(rows);
    return nfail;
}

static int parse_opts(int argc, char **argv, AbOpts *o, const char **revs)
{
    int nrev = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--pairs") && more) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1000) {
                fprintf(stderr, "snnbench ab: --pairs wants a whole number from 1 to 1000, not '%s'\n", argv[i]);
                return -1;
            }
            o->pairs = (int)v;
        } else if (!strcmp(a, "--jobs") && more) {
            long v = strtol(argv[++i], &end, 10);
            if (*end || v < 1 || v > 1024) {
                fprintf(stderr, "snnbench ab: --jobs wants a whole number >= 1, not '%s'\n", argv[i]);
                return -1;
            }
            o->jobs = (int)v;
        } else if (!strcmp(a, "--time") && more) {
            o->time_ms = strtod(argv[++i], &end);
            if (*end || !(o->time_ms > 0)) {
                fprintf(stderr, "snnbench ab: --time wants milliseconds > 0, not '%s'\n", argv[i]);
                return -1;
            }
        } else if (!strcmp(a, "--alpha") && more) {
            o->alpha = strtod(argv[++i], &end);
            if (*end || !(o->alpha > 0 && o->alpha < 1)) {
                fprintf(stderr, "snnbench ab: --alpha wants a number between 0 and 1, not '%s'\n", argv[i]);
                return -1;
            }
        } else if (!strcmp(a, "--fail-above") && more) {
            if (parse_ratio(argv[++i], &o->fail_above) != 0) {
                fprintf(stderr, "snnbench ab: --fail-above wants a ratio B/A such as 1.03 (or 3%%), not '%s'\n",
                        argv[i]);
                return -1;
            }
        } else if (!strcmp(a, "--order") && more) {
            if (ab_order_parse(argv[++i], &o->order) != 0) {
                fprintf(stderr, "snnbench ab: --order is abba or abab, not '%s'\n", argv[i]);
                return -1;
            }
        } else if (!strcmp(a, "--metrics") && more) {
            if (parse_metrics(argv[++i], o->metric_on) != 0)
                return -1;
        } else if (!strcmp(a, "--filter") && more) {
            o->filters[o->nfilters++] = argv[++i];
        } else if (!strcmp(a, "--cell") && more) {
            o->cell = argv[++i];
        } else if (!strcmp(a, "--store") && more) {
            o->store = argv[++i];
        } else if (!strcmp(a, "--repo") && more) {
            o->repo = argv[++i];
        } else if (!strcmp(a, "--work") && more) {
            o->work = argv[++i];
        } else if (!strcmp(a, "--json") && more) {
            o->json_out = argv[++i];
        } else if (!strcmp(a, "--prebuilt-a") && more) {
            revs[3] = argv[++i];
        } else if (!strcmp(a, "--prebuilt-b") && more) {
            revs[4] = argv[++i];
        } else if (!strcmp(a, "--keep-work")) {
            o->keep_work = 1;
        } else if (!strcmp(a, "--no-rebuild")) {
            o->rebuild = 0;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (a[0] == '-' || nrev == 3) {
            fprintf(stderr, "snnbench ab: unexpected argument '%s'%s\n", a,
                    a[0] == '-' && !more ? " (or its value is missing)" : "");
            return -1;
        } else {
            revs[nrev++] = a;
        }
    }
    if (nrev != 3) {
        fprintf(stderr, "snnbench ab: expected REV_A REV_B SUITE.yaml\n");
        return -1;
    }
    return 0;
}

static void side_init(AbSide *s, char name, const char *rev, const char *prebuilt, const char *work,
                      const AbOpts *o)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->rev = rev;
    s->prebuilt = prebuilt;
    snprintf(s->dir, sizeof s->dir, "%s/%c", work, name);
    mkdir(s->dir, 0777);
    s->ro.store = o->store;
    snprintf(s->ro.work, sizeof s->ro.work, "%s/bench", s->dir);
    mkdir(s->ro.work, 0777);
    char sub[PATH_MAX + 16];
    snprintf(sub, sizeof sub, "%s/build", s->ro.work);
    mkdir(sub, 0777);
    snprintf(sub, sizeof sub, "%s/run", s->ro.work);
    mkdir(sub, 0777);
    s->ro.quiet = 1;
}

/* Host metadata for records of this side: its snncc's version and its commit. */
static void side_meta(AbSide *s)
{
    s->ro.snncc = s->snncc;
    s->meta = host_meta(s->snncc);
    json_set(s->meta, "commit", json_str(s->shortc));
    json_set(s->meta, "dirty", s->prebuilt ? json_null() : json_bool(0));
}

int cmd_ab(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            ab_usage(stdout);
            return 0;
        }
    AbOpts o;
    memset(&o, 0, sizeof o);
    o.store = default_store();
    o.pairs = 5;
    o.jobs = 2;
    o.alpha = 0.05;
    o.rebuild = 1;
    o.order = AB_ORDER_ABBA;
    for (int m = 0; m < NMETRICS; m++)
        o.metric_on[m] = 1;
    o.filters = calloc((size_t)argc + 1, sizeof *o.filters);
    const char *revs[5] = {NULL, NULL, NULL, NULL, NULL}; /* A, B, suite, prebuilt A, B */
    if (parse_opts(argc, argv, &o, revs) != 0) {
        ab_usage(stderr);
        free(o.filters);
        return 2;
    }
    o.suite_path = revs[2];
    if (!o.rebuild)
        o.metric_on[0] = 0; /* one build per side: nothing to compare */
    int any = 0;
    for (int m = 0; m < NMETRICS; m++)
        any |= o.metric_on[m];
    if (!any) {
        fprintf(stderr, "snnbench ab: no metric left to report (--no-rebuild leaves out build)\n");
        free(o.filters);
        return 2;
    }

    Suite su;
    char err[2048];
    if (suite_load(o.suite_path, &su, err, sizeof err) != 0) {
        fprintf(stderr, "snnbench: error: %s\n", err);
        free(o.filters);
        return 2;
    }
    /* the cells: the selected ones this machine can run and that depend on snncc */
    LaunchEnv le;
    launch_env_probe(&le);
    RunOpts sel = {0};
    sel.filters = o.filters;
    sel.nfilters = o.nfilters;
    sel.cell = o.cell;
    const SuiteCell **cells = calloc((size_t)su.ncells + 1, sizeof *cells);
    char **skipped = calloc((size_t)su.ncells + 1, sizeof *skipped);
    int ncells = 0, nskipped = 0;
    for (int i = 0; i < su.ncells; i++) {
        SuiteCell *c = &su.cells[i];
        if (!cell_selected(&sel, c))
            continue;
        c->reps = o.pairs;
        if (o.time_ms > 0)
            c->time_ms = o.time_ms;
        const char *why = su.models[c->model].peer ? "a peer does not depend on the revision"
                                                   : cell_skip_reason(&le, c);
        if (!why && !strcmp(c->backend, "cuda") && !le.have_gpu)
            why = "no GPU on this machine";
        if (why) {
            char line[1024];
            snprintf(line, sizeof line, "%s (%s)", c->id, why);
            skipped[nskipped++] = strdup(line);
        } else {
            cells[ncells++] = c;
        }
    }
    int rc = 2;
    char work[PATH_MAX] = "", root[PATH_MAX] = "";
    AbSide A, B;
    memset(&A, 0, sizeof A);
    memset(&B, 0, sizeof B);
    Samples sm = {0};
    AbSlot *slots = NULL;
    if (ncells == 0) {
        fprintf(stderr, "snnbench ab: error: no cell of %s to run%s\n", o.suite_path,
                nskipped ? " here (all skipped)" : " (the filter matches none)");
        for (int i = 0; i < nskipped; i++)
            fprintf(stderr, "  skipped: %s\n", skipped[i]);
        goto out;
    }

    if (o.work) {
        snprintf(work, sizeof work, "%s", o.work);
        mkdir(work, 0777);
        char abs[PATH_MAX];
        if (realpath(work, abs))
            snprintf(work, sizeof work, "%s", abs);
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(work, sizeof work, "%s/snnbench-ab.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(work)) {
            fprintf(stderr, "snnbench ab: error: cannot create a work directory: %s\n", strerror(errno));
            work[0] = 0;
            goto out;
        }
    }
    {
        const char *args[] = {"rev-parse", "--show-toplevel", NULL};
        if (git_line(work, o.repo ? o.repo : ".", args, root, sizeof root, NULL, 0) != 0)
            root[0] = 0;
    }
    side_init(&A, 'A', revs[0], revs[3], work, &o);
    side_init(&B, 'B', revs[1], revs[4], work, &o);
    if (resolve_rev(&o, root, &A, work) != 0 || resolve_rev(&o, root, &B, work) != 0)
        goto out;
    if ((!A.prebuilt || !B.prebuilt) && !root[0])
        goto out; /* resolve_rev said why */

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* the builds must not see the caller's make or runtime */
    unsetenv("MAKEFLAGS");
    unsetenv("MFLAGS");
    unsetenv("MAKELEVEL");
    unsetenv("MAKEOVERRIDES");
    if (getenv("SNNCC_RUNTIME")) {
        fprintf(stderr, "snnbench ab: note: SNNCC_RUNTIME is ignored (each side uses its own runtime)\n");
        unsetenv("SNNCC_RUNTIME");
    }
    AbSide *sides[2] = {&A, &B};
    for (int i = 0; i < 2; i++)
        if (sides[i]->prebuilt && find_prebuilt(sides[i]) != 0)
            goto out;
    for (int i = 0; i < 2; i++) {
        AbSide *s = sides[i];
        if (s->prebuilt) {
            continue;
        } else if (i == 1 && !A.prebuilt && !strcmp(A.commit, B.commit)) {
            snprintf(B.snncc, sizeof B.snncc, "%s", A.snncc);
            if (!o.quiet)
                fprintf(stderr, "snnbench ab: A and B are the same commit %s: built once\n", B.shortc);
        } else if (build_side(&o, root, s) != 0) {
            if (g_interrupted)
                rc = 130;
            goto out;
        }
        if (g_interrupted)
            goto out;
    }
    side_meta(&A);
    side_meta(&B);

    char session[64];
    utc_now(session, sizeof session);
    A.builds = calloc((size_t)ncells, sizeof *A.builds);
    B.builds = calloc((size_t)ncells, sizeof *B.builds);
    sm.pairs = o.pairs;
    sm.v = calloc((size_t)ncells * NMETRICS * 2 * (size_t)o.pairs, sizeof *sm.v);
    sm.n = calloc((size_t)ncells * NMETRICS * 2, sizeof *sm.n);
    size_t nslots = (size_t)ncells * 2 * (size_t)o.pairs;
    slots = calloc(nslots, sizeof *slots);
    ab_schedule(ncells, o.pairs, o.order, slots);
    if (!o.quiet)
        fprintf(stderr, "snnbench ab: suite %s: %d cells x %d pairs = %zu runs (%s), store %s\n", su.name,
                ncells, o.pairs, nslots, o.rebuild ? "each a fresh build and a run" : "one build per side",
                o.store);
    int nwritten = 0;
    for (size_t k = 0; k < nslots && !g_interrupted; k++) {
        const AbSlot *sl = &slots[k];
        AbSide *s = sl->side == 'A' ? &A : &B;
        const SuiteCell *c = cells[sl->cell];
        Build *b = &s->builds[sl->cell];
        int built = 0;
        if (o.rebuild || !b->key[0]) {
            memset(b, 0, sizeof *b);
            build_key(&su, c, b->key, sizeof b->key);
            b->mpi = c->ranks > 1;
            char d[PATH_MAX + 1100];
            snprintf(d, sizeof d, "%s/build/%s", s->ro.work, b->key);
            rm_rf(d);
            build_model(&s->ro, &su, c, b);
            built = b->ok;
            if (b->unsupported)
                snprintf(b->reason, sizeof b->reason, "%s", b->unsupported);
        }
        if (g_interrupted)
            break;
        char dir[PATH_MAX + 600];
        snprintf(dir, sizeof dir, "%s/run/%s", s->ro.work, c->id);
        mkdir(dir, 0777);
        Json *rec = run_repetition(&s->ro, &le, &su, c, b, sl->pair + 1, s->meta, dir);
        const char *st = json_str_or(json_get(rec, "status"), "");
        if (g_interrupted && strcmp(st, "ok") != 0) {
            json_free(rec);
            break; /* an interrupted run is not a result */
        }
        Json *tag = json_obj();
        json_set(tag, "session", json_str(session));
        json_set(tag, "side", json_str(sl->side == 'A' ? "A" : "B"));
        json_set(tag, "rev", json_str(s->rev));
        json_set(tag, "commit", json_str(s->commit));
        json_set(tag, "other", json_str((s == &A ? &B : &A)->commit));
        json_set(tag, "pair", json_num(sl->pair + 1));
        json_set(tag, "position", json_num((double)k + 1));
        json_set(tag, "order", json_str(o.order == AB_ORDER_ABBA ? "abba" : "abab"));
        json_set(tag, "prebuilt", json_str(s->prebuilt));
        json_set(tag, "fresh_build", json_bool(built));
        json_set(rec, "ab", tag);
        if (store_write(o.store, rec, NULL, 0) == 0)
            nwritten++;
        else
            fprintf(stderr, "snnbench ab: error: cannot write a record into %s: %s\n", o.store, strerror(errno));
        int ok = !strcmp(st, "ok");
        if (ok) {
            s->runs_ok++;
            for (int m = 0; m < NMETRICS; m++) {
                if (m == 0 && !built)
                    continue; /* a reused build is no build sample */
                const Json *v = json_path(rec, METRICS[m].key);
                if (!v || v->type != J_NUM)
                    continue;
                int *n;
                double *x = sample_slot(&sm, sl->cell, m, sl->side == 'B', &n);
                x[(*n)++] = v->num;
            }
        } else {
            s->runs_bad++;
        }
        if (!o.quiet) {
            if (ok)
                fprintf(stderr, "[%zu/%zu] pair %d %c %s: build %.3g s, simulation %.4g s\n", k + 1, nslots,
                        sl->pair + 1, sl->side, c->id, json_num_or(json_path(rec, "build.wall_s"), NAN),
                        json_num_or(json_path(rec, "timers.simulation_s"), NAN));
            else
                fprintf(stderr, "[%zu/%zu] pair %d %c %s: %s: %s\n", k + 1, nslots, sl->pair + 1, sl->side,
                        c->id, st, json_str_or(json_get(rec, "reason"), ""));
        }
        json_free(rec);
    }
    if (!o.quiet)
        fprintf(stderr, "snnbench ab: %d records in %s (ab.session=%s)%s\n", nwritten, o.store, session,
                g_interrupted ? "; interrupted" : "");
    int nfail = report(&o, &su, cells, ncells, &sm, &A, &B, skipped, nskipped, session);
    rc = g_interrupted ? 130 : (nfail || A.runs_bad || B.runs_bad) ? 1 : 0;

out:
    if (root[0] && !o.keep_work) {
        remove_worktree(root, &A);
        remove_worktree(root, &B);
    }
    if (work[0]) {
        if (o.keep_work)
            fprintf(stderr, "snnbench ab: kept %s%s\n", work,
                    A.src[0] || B.src[0] ? " (remove its worktrees with git worktree remove)" : "");
        else if (!o.work)
            rm_rf(work);
    }
    json_free(A.meta);
    json_free(B.meta);
    free(A.builds);
    free(B.builds);
    free(sm.v);
    free(sm.n);
    free(slots);
    for (int i = 0; i < nskipped; i++)
        free(skipped[i]);
    free(skipped);
    free(cells);
    free(o.filters);
    suite_free(&su);
    return rc;
}
