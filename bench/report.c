/* bench/report.c - `snnbench report`: a static HTML page with inline SVG figures drawn by
 * gnuplot (svg terminal): phase times per cell, scaling curves, history over commits
 * with regressions marked, and peers side by side, plus a table of the latest runs. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "compare.h"
#include "stats.h"
#include "store.h"

typedef struct {
    char **v;
    size_t n;
} Names;

static size_t names_add(Names *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x))
            return i;
    s->v = realloc(s->v, (s->n + 1) * sizeof *s->v);
    if (!s->v)
        exit(2);
    s->v[s->n] = strdup(x);
    return s->n++;
}

static void names_free(Names *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
}

static const char *S(const Json *r, const char *k) { return json_str_or(record_lookup(r, k), ""); }
static double N(const Json *r, const char *k) { return json_num_or(record_lookup(r, k), NAN); }
static int is_ok(const Json *r) { return !strcmp(S(r, "status"), "ok"); }

static void html_esc(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '&') fputs("&amp;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

/* gnuplot label text: no quotes, underscores would become subscripts */
static void gp_label_esc(char *out, size_t len, const char *s, int esc)
{
    size_t k = 0;
    for (; *s && k + 3 < len; s++) {
        if (esc && (*s == '_' || *s == '^' || *s == '@' || *s == '&' || *s == '{' || *s == '}')) {
            out[k++] = '\\';
        }
        if (*s == '"' || *s == '\'')
            continue;
        out[k++] = *s;
    }
    out[k] = 0;
}

static void gp_label(char *out, size_t len, const char *s) { gp_label_esc(out, len, s, 1); }
/* labels read from data files go to noenhanced tics */
static void gp_data_label(char *out, size_t len, const char *s) { gp_label_esc(out, len, s, 0); }

typedef struct {
    char dir[256];
    int nfig;
    int have_gnuplot;
} Ctx;

/* Runs the gnuplot script at path and inlines the SVG it wrote. */
static void emit_figure(FILE *html, Ctx *c, const char *script, const char *svg, const char *caption)
{
    fprintf(html, "<figure>\n");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "gnuplot '%s' 2>'%s.err'", script, script);
    int rc = c->have_gnuplot ? system(cmd) : -1;
    FILE *f = rc == 0 ? fopen(svg, "r") : NULL;
    if (!f) {
        fprintf(html, "<p class=\"warn\">figure not drawn (%s)</p>\n",
                c->have_gnuplot ? "gnuplot failed" : "gnuplot not found");
    } else {
        char line[8192];
        int started = 0;
        while (fgets(line, sizeof line, f)) {
            if (!started) {
                char *p = strstr(line, "<svg");
                if (!p)
                    continue; /* drop the XML prolog and DOCTYPE */
                started = 1;
                fputs(p, html);
                continue;
            }
            fputs(line, html);
        }
        fclose(f);
    }
    fprintf(html, "<figcaption>");
    html_esc(html, caption);
    fprintf(html, "</figcaption>\n</figure>\n");
}

static FILE *open_fig(Ctx *c, char *script, char *data, char *svg, size_t len, FILE **df)
{
    c->nfig++;
    snprintf(script, len, "%s/fig%d.gp", c->dir, c->nfig);
    snprintf(data, len, "%s/fig%d.dat", c->dir, c->nfig);
    snprintf(svg, len, "%s/fig%d.svg", c->dir, c->nfig);
    FILE *gp = fopen(script, "w");
    *df = fopen(data, "w");
    if (!gp || !*df) {
        if (gp) fclose(gp);
        if (*df) fclose(*df);
        return NULL;
    }
    fprintf(gp, "set terminal svg size 960,420 dynamic enhanced font 'sans,11' background '#ffffff'\n"
                "set output '%s'\nset grid ytics lc rgb '#dddddd'\nset key outside right top\n"
                "set border 3\nset tics nomirror\n",
            svg);
    return gp;
}

static double med_of(const RecordSet *rs, const int *use, const char *cell, const char *commit,
                     const char *metric)
{
    double *v = malloc((rs->n + 1) * sizeof *v);
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (use[i] && is_ok(rs->rec[i]) && !strcmp(S(rs->rec[i], "cell.id"), cell) &&
            (!commit || !strcmp(S(rs->rec[i], "meta.commit"), commit))) {
            double x = N(rs->rec[i], metric);
            if (isfinite(x))
                v[n++] = x;
        }
    double m = median(v, n);
    free(v);
    return m;
}

static void samples_of(const RecordSet *rs, const int *use, const char *cell, const char *commit,
                       double **out, size_t *n)
{
    *out = malloc((rs->n + 1) * sizeof **out);
    *n = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (use[i] && is_ok(rs->rec[i]) && !strcmp(S(rs->rec[i], "cell.id"), cell) &&
            !strcmp(S(rs->rec[i], "meta.commit"), commit)) {
            double x = N(rs->rec[i], "timers.simulation_s");
            if (isfinite(x))
                (*out)[(*n)++] = x;
        }
}

static void fig_phases(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h2>Phase times per cell</h2>\n");
    Names cells = {0};
    for (size_t i = 0; i < rs->n; i++)
        if (use[i] && is_ok(rs->rec[i]) && !strcmp(S(rs->rec[i], "meta.commit"), latest))
            names_add(&cells, S(rs->rec[i], "cell.id"));
    if (!cells.n) {
        fprintf(html, "<p>no successful runs</p>\n");
        return;
    }
    char script[512], data[512], svg[512];
    FILE *df;
    FILE *gp = open_fig(c, script, data, svg, sizeof script, &df);
    if (!gp)
        return;
    static const char *const ph[] = {"timers.codegen_s", "timers.compile_s", "timers.construction_s",
                                     "timers.init_s", "timers.simulation_s"};
    fprintf(df, "cell codegen compile construction init simulation\n");
    for (size_t k = 0; k < cells.n; k++) {
        char lab[512];
        gp_data_label(lab, sizeof lab, cells.v[k]);
        fprintf(df, "\"%s\"", lab);
        for (int p = 0; p < 5; p++) {
            double m = med_of(rs, use, cells.v[k], latest, ph[p]);
            fprintf(df, " %.6g", isfinite(m) ? m : 0.0);
        }
        fprintf(df, "\n");
    }
    fclose(df);
    fprintf(gp, "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.85 border -1\n"
                "set boxwidth 0.7\nset ylabel 'seconds (median)'\nset xtics rotate by -30 left noenhanced\n"
                "set key autotitle columnhead\nset bmargin 8\n"
                "plot for [i=2:6] '%s' using i:xtic(1)\n",
            data);
    fclose(gp);
    char cap[256];
    snprintf(cap, sizeof cap, "Median time per phase (code generation, C compile, construction, init, "
                              "simulation) at commit %s.", latest);
    emit_figure(html, c, script, svg, cap);
    names_free(&cells);
}

static void fig_scaling(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h2>Scaling</h2>\n");
    /* series: model|backend|axis ; points: axis value -> median simulation time */
    Names series = {0};
    typedef struct { size_t s; double x; char cell[512]; } Pt;
    Pt *pts = NULL;
    size_t npts = 0;
    static const char *const axes_fixed[] = {"ranks", "threads"};
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (!use[i] || !is_ok(r) || strcmp(S(r, "meta.commit"), latest))
            continue;
        const Json *params = json_path(r, "cell.params");
        size_t naxes = (params ? params->n : 0) + 2;
        for (size_t a = 0; a < naxes; a++) {
            const char *axis;
            double x;
            if (a < 2) {
                axis = axes_fixed[a];
                x = N(r, a == 0 ? "cell.ranks" : "cell.threads");
            } else {
                axis = params->keys[a - 2];
                x = json_num_or(params->items[a - 2], NAN);
            }
            if (!isfinite(x))
                continue;
            char name[512];
            snprintf(name, sizeof name, "%s %s over %s", S(r, "cell.model"), S(r, "cell.backend"), axis);
            size_t s = names_add(&series, name);
            int seen = 0;
            for (size_t k = 0; k < npts; k++)
                if (pts[k].s == s && pts[k].x == x)
                    seen = 1;
            if (!seen) {
                pts = realloc(pts, (npts + 1) * sizeof *pts);
                if (!pts)
                    exit(2);
                pts[npts].s = s;
                pts[npts].x = x;
                snprintf(pts[npts].cell, sizeof pts[npts].cell, "%s", S(r, "cell.id"));
                npts++;
            }
        }
    }
    char script[512], data[512], svg[512];
    FILE *df = NULL, *gp = NULL;
    int nplot = 0;
    for (size_t s = 0; s < series.n; s++) {
        size_t cnt = 0;
        for (size_t k = 0; k < npts; k++)
            cnt += pts[k].s == s;
        if (cnt < 2)
            continue;
        if (!gp) {
            gp = open_fig(c, script, data, svg, sizeof script, &df);
            if (!gp)
                break;
        }
        char lab[512];
        gp_label(lab, sizeof lab, series.v[s]);
        fprintf(df, "# %s\n", lab);
        /* sorted by x */
        for (;;) {
            double best = INFINITY;
            size_t bk = 0;
            for (size_t k = 0; k < npts; k++)
                if (pts[k].s == s && pts[k].x < best) {
                    best = pts[k].x;
                    bk = k;
                }
            if (!isfinite(best))
                break;
            fprintf(df, "%.6g %.6g\n", pts[bk].x, med_of(rs, use, pts[bk].cell, latest, "timers.simulation_s"));
            pts[bk].s = (size_t)-1;
        }
        fprintf(df, "\n\n");
        fprintf(gp, "%s '%s' index %d using 1:2 with linespoints lw 2 pt 7 title '%s'", nplot ? ", \\\n    " : "plot",
                data, nplot, lab);
        nplot++;
    }
    if (!gp) {
        fprintf(html, "<p>no cell varies a parameter, ranks or threads (at commit %s)</p>\n", latest);
    } else {
        fclose(df);
        fprintf(gp, "\n");
        fclose(gp);
        /* prepend the axis setup: rewrite the script with settings before plot */
        FILE *g = fopen(script, "r");
        char *body = NULL;
        size_t blen = 0;
        FILE *m = open_memstream(&body, &blen);
        char line[4096];
        while (g && fgets(line, sizeof line, g)) {
            if (!strncmp(line, "plot", 4))
                fputs("set logscale xy\nset xlabel 'parameter value (scale, ranks, threads)'\n"
                      "set ylabel 'simulation time, s (median)'\n", m);
            fputs(line, m);
        }
        if (g)
            fclose(g);
        fclose(m);
        g = fopen(script, "w");
        if (g) {
            fputs(body, g);
            fclose(g);
        }
        free(body);
        emit_figure(html, c, script, svg, "Simulation time over each swept parameter (log-log), latest commit.");
    }
    free(pts);
    names_free(&series);
}

static void fig_history(FILE *html, Ctx *c, const RecordSet *rs, const int *use, Names *commits)
{
    fprintf(html, "<h2>History over commits</h2>\n");
    if (commits->n < 2) {
        fprintf(html, "<p>one commit only: no history yet</p>\n");
        return;
    }
    Names cells = {0};
    for (size_t i = 0; i < rs->n; i++)
        if (use[i] && is_ok(rs->rec[i]))
            names_add(&cells, S(rs->rec[i], "cell.id"));
    char script[512], data[512], svg[512];
    FILE *df;
    FILE *gp = open_fig(c, script, data, svg, sizeof script, &df);
    if (!gp)
        return;
    CompareOpts co = {.threshold = 0.05, .metric = "timers.simulation_s", .alpha = 0.05, .min_n = 5};
    int nreg = 0;
    FILE *regf;
    char regdata[600];
    snprintf(regdata, sizeof regdata, "%s.reg", data);
    regf = fopen(regdata, "w");
    fprintf(html, "<table><tr><th>cell</th><th>commit</th><th>B/A</th><th>p</th></tr>\n");
    int nser = 0;
    for (size_t k = 0; k < cells.n; k++) {
        double base = NAN, *prev = NULL;
        size_t nprev = 0;
        int npoints = 0;
        char lab[512];
        gp_label(lab, sizeof lab, cells.v[k]);
        fprintf(df, "# %s\n", lab);
        for (size_t ci = 0; ci < commits->n; ci++) {
            double *cur;
            size_t ncur;
            samples_of(rs, use, cells.v[k], commits->v[ci], &cur, &ncur);
            if (!ncur) {
                free(cur);
                continue;
            }
            double m = median(cur, ncur);
            if (!isfinite(base))
                base = m;
            fprintf(df, "%zu %.6g\n", ci, m / base);
            npoints++;
            if (nprev) {
                MWResult mw = mann_whitney(prev, nprev, cur, ncur);
                double ratio = m / median(prev, nprev);
                if (compare_verdict(nprev, ncur, ratio, mw.p, &co) == V_SLOWER) {
                    fprintf(regf, "%zu %.6g\n", ci, m / base);
                    fprintf(html, "<tr><td>");
                    html_esc(html, cells.v[k]);
                    fprintf(html, "</td><td>%s</td><td>%.3f</td><td>%.2g</td></tr>\n", commits->v[ci], ratio, mw.p);
                    nreg++;
                }
            }
            free(prev);
            prev = cur;
            nprev = ncur;
        }
        free(prev);
        fprintf(df, "\n\n");
        if (npoints)
            fprintf(gp, "%s'%s' index %d using 1:2 with linespoints lw 2 pt 7 title '%s'", nser ? ", \\\n    " : "",
                    data, k == 0 ? 0 : (int)k, lab);
        else
            fprintf(gp, "%s", "");
        nser += npoints > 0;
        (void)nser;
    }
    fprintf(html, "</table>\n");
    if (!nreg)
        fprintf(regf, "-1 1\n");
    fclose(regf);
    fclose(df);
    fclose(gp);
    /* assemble the script: settings, xtics from commits, then the plot line */
    FILE *g = fopen(script, "r");
    char *body = NULL;
    size_t blen = 0;
    FILE *m = open_memstream(&body, &blen);
    char line[8192];
    int in_plot = 0;
    while (g && fgets(line, sizeof line, g)) {
        if (!in_plot && line[0] == '\'') {
            in_plot = 1;
            fprintf(m, "set ylabel 'simulation time / first commit (median)'\nset xrange [-0.5:%zu.5]\nset xtics (",
                    commits->n - 1);
            for (size_t ci = 0; ci < commits->n; ci++)
                fprintf(m, "%s'%.8s' %zu", ci ? ", " : "", commits->v[ci], ci);
            fprintf(m, ") rotate by -30 left\nplot ");
        }
        fputs(line, m);
    }
    if (g)
        fclose(g);
    fprintf(m, ", \\\n    '%s' using 1:2 with points pt 6 ps 2.5 lw 2 lc rgb '#d62728' title 'regression'\n", regdata);
    fclose(m);
    g = fopen(script, "w");
    if (g) {
        fputs(body, g);
        fclose(g);
    }
    free(body);
    char cap[256];
    snprintf(cap, sizeof cap, "Simulation time per cell relative to its first commit, in commit order; "
                              "%d regression(s) circled (slower by > 5%% with p < 0.05).", nreg);
    emit_figure(html, c, script, svg, cap);
    names_free(&cells);
}

static void fig_peers(FILE *html, Ctx *c, const RecordSet *rs, const int *use)
{
    fprintf(html, "<h2>Peers side by side</h2>\n");
    /* models (file + time) that have records from a peer and from snncc */
    Names groups = {0}, peers = {0};
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (!use[i] || !is_ok(r) || !json_str_or(record_lookup(r, "cell.peer"), NULL))
            continue;
        char g[600];
        snprintf(g, sizeof g, "%s@%g", S(r, "cell.file"), N(r, "cell.time_ms"));
        names_add(&groups, g);
        names_add(&peers, S(r, "cell.backend"));
    }
    if (!groups.n) {
        fprintf(html, "<p>no peer runs in the store (a suite model with <code>peer: brian2</code>)</p>\n");
        return;
    }
    char script[512], data[512], svg[512];
    FILE *df;
    FILE *gp = open_fig(c, script, data, svg, sizeof script, &df);
    if (!gp)
        return;
    fprintf(df, "run construction simulation\n");
    for (size_t gi = 0; gi < groups.n; gi++) {
        for (int side = 0; side < 2; side++) {
            double *cv = malloc((rs->n + 1) * sizeof *cv), *sv = malloc((rs->n + 1) * sizeof *sv);
            size_t nc = 0, ns = 0;
            const char *who = NULL;
            for (size_t i = 0; i < rs->n; i++) {
                const Json *r = rs->rec[i];
                char g[600];
                snprintf(g, sizeof g, "%s@%g", S(r, "cell.file"), N(r, "cell.time_ms"));
                int is_peer = json_str_or(record_lookup(r, "cell.peer"), NULL) != NULL;
                if (!use[i] || !is_ok(r) || strcmp(g, groups.v[gi]) || is_peer != (side == 1))
                    continue;
                who = is_peer ? S(r, "cell.backend") : "snncc";
                double x = N(r, "timers.construction_s") + (isfinite(N(r, "timers.init_s")) ? N(r, "timers.init_s") : 0);
                if (isfinite(x))
                    cv[nc++] = x;
                if (isfinite(N(r, "timers.simulation_s")))
                    sv[ns++] = N(r, "timers.simulation_s");
            }
            if (who) {
                char lab[700], raw[700];
                const char *slash = strrchr(groups.v[gi], '/');
                snprintf(raw, sizeof raw, "%s %s", slash ? slash + 1 : groups.v[gi], who);
                gp_data_label(lab, sizeof lab, raw);
                fprintf(df, "\"%s\" %.6g %.6g\n", lab, median(cv, nc), median(sv, ns));
            }
            free(cv);
            free(sv);
        }
    }
    fclose(df);
    fprintf(gp, "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
                "set ylabel 'seconds (median)'\nset xtics rotate by -30 left noenhanced\nset bmargin 8\nset key autotitle columnhead\n"
                "plot for [i=2:3] '%s' using i:xtic(1)\n",
            data);
    fclose(gp);
    emit_figure(html, c, script, svg, "Construction (with init) and simulation time, snncc and its peers on the same model and biological time.");
    names_free(&groups);
    names_free(&peers);
}

static void table_latest(FILE *html, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h2>Runs at commit %s</h2>\n<table>\n<tr><th>cell</th><th>rep</th><th>status</th>"
                  "<th>construction s</th><th>simulation s</th><th>RTF</th><th>spikes</th><th>rate Hz</th>"
                  "<th>peak MB</th><th>reason</th></tr>\n", latest);
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (!use[i] || strcmp(S(r, "meta.commit"), latest))
            continue;
        fprintf(html, "<tr class=\"%s\"><td>", S(r, "status"));
        html_esc(html, S(r, "cell.id"));
        fprintf(html, "</td><td>%g</td><td>%s</td><td>%.4g</td><td>%.4g</td><td>%.4g</td><td>%.0f</td>"
                      "<td>%.2f</td><td>%.1f</td><td>", N(r, "rep"), S(r, "status"), N(r, "timers.construction_s"),
                N(r, "timers.simulation_s"), N(r, "timers.real_time_factor"), N(r, "sanity.spikes"),
                N(r, "sanity.rate_hz"), N(r, "memory.peak_rss_bytes") / 1e6);
        html_esc(html, json_str_or(json_get(r, "reason"), ""));
        fprintf(html, "</td></tr>\n");
    }
    fprintf(html, "</table>\n");
}

static const char CSS[] =
    "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;font-size:0.85em;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
    "tr.failed,tr.timeout{background:#fdd}tr.skipped{color:#888}"
    "figure{margin:1em 0}figcaption{font-size:0.9em;color:#555}.warn{color:#a00}"
    "svg{max-width:100%;height:auto}";

int cmd_report(int argc, char **argv)
{
    const char *store = default_store(), *out = NULL, *title = "snncc benchmarks";
    Filter *f = calloc((size_t)argc + 1, sizeof *f);
    int nf = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--store") && i + 1 < argc) store = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "--title") && i + 1 < argc) title = argv[++i];
        else if (filter_parse(argv[i], &f[nf]) == 0) nf++;
        else {
            out = NULL;
            break;
        }
    }
    if (!out) {
        fputs("usage: snnbench report [--store DIR] -o OUT.html [--title T] [KEY=VALUE]...\n", stderr);
        free(f);
        return 2;
    }
    RecordSet rs = {0};
    if (store_load(store, &rs) < 0) {
        fprintf(stderr, "snnbench: error: cannot read the store %s: %s\n", store, strerror(errno));
        free(f);
        return 2;
    }
    recordset_sort(&rs);
    int *use = calloc(rs.n + 1, sizeof *use);
    Names commits = {0}, machines = {0};
    const char *latest = "";
    for (size_t i = 0; i < rs.n; i++) {
        use[i] = record_match(rs.rec[i], f, nf);
        if (!use[i])
            continue;
        names_add(&commits, S(rs.rec[i], "meta.commit")); /* sorted by date: first-seen order */
        names_add(&machines, S(rs.rec[i], "meta.machine"));
        latest = S(rs.rec[i], "meta.commit");
    }
    Ctx c = {0};
    const char *tmp = getenv("TMPDIR");
    snprintf(c.dir, sizeof c.dir, "%s/snnbench-report.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(c.dir)) {
        fprintf(stderr, "snnbench: error: cannot create a temporary directory\n");
        return 2;
    }
    c.have_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
    char tmpout[4096];
    snprintf(tmpout, sizeof tmpout, "%s.tmp", out);
    FILE *html = fopen(tmpout, "w");
    if (!html) {
        fprintf(stderr, "snnbench: error: cannot write %s: %s\n", out, strerror(errno));
        return 2;
    }
    char date[64];
    utc_now(date, sizeof date);
    fprintf(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    html_esc(html, title);
    fprintf(html, "</title>\n<style>%s</style></head><body>\n<h1>", CSS);
    html_esc(html, title);
    size_t nsel = 0;
    for (size_t i = 0; i < rs.n; i++)
        nsel += use[i] != 0;
    fprintf(html, "</h1>\n<p>%zu records from store <code>", nsel);
    html_esc(html, store);
    fprintf(html, "</code>; %zu commit(s), %zu machine(s); latest commit %s; generated %s by snnbench %s.</p>\n",
            commits.n, machines.n, latest, date, SNNBENCH_VERSION);
    if (nsel) {
        fig_phases(html, &c, &rs, use, latest);
        fig_scaling(html, &c, &rs, use, latest);
        fig_history(html, &c, &rs, use, &commits);
        fig_peers(html, &c, &rs, use);
        table_latest(html, &rs, use, latest);
    } else {
        fprintf(html, "<p>no records</p>\n");
    }
    fprintf(html, "</body></html>\n");
    int bad = fclose(html) != 0 || rename(tmpout, out) != 0;
    char *rm[] = {(char *)"rm", (char *)"-rf", c.dir, NULL};
    ProcResult pr;
    if (!getenv("SNNBENCH_KEEP_REPORT_TMP"))
        run_proc(rm, NULL, NULL, 0, &pr);
    if (!bad)
        printf("wrote %s (%d figures, %zu records)\n", out, c.nfig, nsel);
    names_free(&commits);
    names_free(&machines);
    free(use);
    recordset_free(&rs);
    free(f);
    return bad ? 1 : 0;
}
