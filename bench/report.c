/* bench/report.c - `snnbench report`: a static HTML page with inline SVG figures drawn by
 * gnuplot (svg terminal).  One section per machine (meta.machine; its CPU, cores, MPI
 * and GPU in the heading): phase times per cell, simulation time per cell with 95 %
 * confidence intervals of the median, scaling over swept parameters, parallel scaling
 * over ranks and threads with ideal-scaling lines and parallel efficiency, load
 * imbalance across ranks (max/median of the per-rank timers), history over commits with
 * regressions marked, peers side by side and a table of the latest runs.  With several
 * machines, a figure puts them side by side first.
 *
 * Medians come with distribution-free intervals from order statistics (median_ci in
 * stats.c): no assumption about the shape of run-time distributions, which are
 * skewed; fewer than 6 runs cannot reach 95 % and show min..max instead. */
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

#define CONF 0.95

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
    s->v = NULL;
    s->n = 0;
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

/* numbers for gnuplot data files: NaN for missing (gnuplot skips those points) */
static void dnum(FILE *f, double x) { fprintf(f, isfinite(x) ? " %.6g" : " NaN", x); }

typedef struct {
    char dir[256];
    int nfig;
    int have_gnuplot;
    char mid[128];     /* the machine's id in figure ids */
    char figid[192];   /* id of the figure being drawn */
} Ctx;

/* Runs the gnuplot script at path and inlines the SVG it wrote. */
static void emit_figure(FILE *html, Ctx *c, const char *script, const char *svg, const char *caption)
{
    fprintf(html, "<figure id=\"%s\">\n", c->figid);
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

/* A new figure "fig-<kind>-<machine>": its script (terminal set up) and data file. */
static FILE *open_fig(Ctx *c, const char *kind, char *script, char *data, char *svg, size_t len, FILE **df)
{
    c->nfig++;
    snprintf(c->figid, sizeof c->figid, "fig-%s%s%s", kind, c->mid[0] ? "-" : "", c->mid);
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

/* ---- samples and estimates ------------------------------------------------------- */

/* The metric's values over ok records of a cell (at a commit, when given). */
static size_t samples(const RecordSet *rs, const int *use, const char *cell, const char *commit,
                      const char *metric, double **out)
{
    *out = malloc((rs->n + 1) * sizeof **out);
    if (!*out)
        exit(2);
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++)
        if (use[i] && is_ok(rs->rec[i]) && !strcmp(S(rs->rec[i], "cell.id"), cell) &&
            (!commit || !strcmp(S(rs->rec[i], "meta.commit"), commit))) {
            double x = N(rs->rec[i], metric);
            if (isfinite(x))
                (*out)[n++] = x;
        }
    return n;
}

typedef struct {
    double med, lo, hi, cover;
    size_t n;
} Est;

static Est estimate(const RecordSet *rs, const int *use, const char *cell, const char *commit,
                    const char *metric)
{
    double *v;
    Est e;
    e.n = samples(rs, use, cell, commit, metric, &v);
    e.med = median(v, e.n);
    e.cover = median_ci(v, e.n, CONF, &e.lo, &e.hi);
    free(v);
    return e;
}

/* Load imbalance of one record: max/median of a per-rank figure (NAN without one). */
static double imbalance_of(const Json *r, const char *timer)
{
    char k[128];
    snprintf(k, sizeof k, "rank_timers.%s.median", timer);
    double med = N(r, k);
    snprintf(k, sizeof k, "rank_timers.%s.max", timer);
    double mx = N(r, k);
    return med > 0 && isfinite(mx) ? mx / med : NAN;
}

/* "scale=0.5 k=3" */
static void params_text(const Json *r, char *out, size_t len)
{
    const Json *p = json_path(r, "cell.params");
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; p && p->type == J_OBJ && i < p->n && k < len; i++) {
        char t[128];
        k += (size_t)snprintf(out + k, len - k, "%s%s=%s", k ? " " : "", p->keys[i],
                              json_scalar_text(p->items[i], t, sizeof t));
    }
}

/* ---- figures --------------------------------------------------------------------- */

static void fig_phases(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h3>Phase times per cell</h3>\n");
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
    FILE *gp = open_fig(c, "phases", script, data, svg, sizeof script, &df);
    if (!gp) {
        names_free(&cells);
        return;
    }
    static const char *const ph[] = {"timers.codegen_s", "timers.compile_s", "timers.construction_s",
                                     "timers.init_s", "timers.simulation_s"};
    fprintf(df, "cell codegen compile construction init simulation\n");
    for (size_t k = 0; k < cells.n; k++) {
        char lab[512];
        gp_data_label(lab, sizeof lab, cells.v[k]);
        fprintf(df, "\"%s\"", lab);
        for (int p = 0; p < 5; p++) {
            double m = estimate(rs, use, cells.v[k], latest, ph[p]).med;
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

/* Simulation time per cell: median and its 95 % interval as error bars. */
static void fig_ci(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h3>Simulation time per cell with confidence intervals</h3>\n");
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
    FILE *gp = open_fig(c, "ci", script, data, svg, sizeof script, &df);
    if (!gp) {
        names_free(&cells);
        return;
    }
    fprintf(html, "<table><tr><th>cell</th><th>runs</th><th>median s</th><th>95 %% interval s</th>"
                  "<th>coverage</th></tr>\n");
    double lo_all = INFINITY;
    for (size_t k = 0; k < cells.n; k++) {
        Est e = estimate(rs, use, cells.v[k], latest, "timers.simulation_s");
        char lab[512];
        gp_data_label(lab, sizeof lab, cells.v[k]);
        fprintf(df, "%zu \"%s\"", k, lab);
        dnum(df, e.med);
        dnum(df, e.lo);
        dnum(df, e.hi);
        fprintf(df, "\n");
        if (e.lo > 0 && e.lo < lo_all)
            lo_all = e.lo;
        fprintf(html, "<tr><td>");
        html_esc(html, cells.v[k]);
        fprintf(html, "</td><td>%zu</td><td>%.4g</td><td>%.4g .. %.4g</td><td>%.1f %%</td></tr>\n", e.n, e.med,
                e.lo, e.hi, 100 * e.cover);
    }
    fprintf(html, "</table>\n");
    fclose(df);
    fprintf(gp, "set xrange [-0.5:%zu.5]\nset xtics rotate by -30 left noenhanced\nset bmargin 8\n"
                "set ylabel 'simulation time, s'\nset key off\n%s"
                "plot '%s' using 1:3:4:5:xtic(2) with yerrorbars pt 7 ps 1 lw 1.5 notitle\n",
            cells.n - 1, lo_all > 0 && isfinite(lo_all) ? "set logscale y\n" : "", data);
    fclose(gp);
    emit_figure(html, c, script, svg,
                "Median simulation time per cell at the latest commit with a distribution-free 95 % "
                "confidence interval (order statistics of the runs; with fewer than 6 runs the bars "
                "span min..max and cover less, see the table).");
    names_free(&cells);
}

/* Simulation time over each swept numeric model parameter, with intervals. */
static void fig_scaling(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h3>Scaling over model parameters</h3>\n");
    /* series: model backend ranks threads exchange and the other parameters, over one */
    Names series = {0};
    typedef struct { size_t s; double x; char cell[512]; } Pt;
    Pt *pts = NULL;
    size_t npts = 0;
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (!use[i] || !is_ok(r) || strcmp(S(r, "meta.commit"), latest))
            continue;
        const Json *params = json_path(r, "cell.params");
        for (size_t a = 0; params && params->type == J_OBJ && a < params->n; a++) {
            double x = json_num_or(params->items[a], NAN);
            if (!isfinite(x))
                continue;
            char rest[512] = "";
            size_t k = 0;
            for (size_t b = 0; b < params->n && k < sizeof rest; b++) {
                char t[128];
                if (b != a)
                    k += (size_t)snprintf(rest + k, sizeof rest - k, " %s=%s", params->keys[b],
                                          json_scalar_text(params->items[b], t, sizeof t));
            }
            char name[1024];
            snprintf(name, sizeof name, "%s %s r%g t%g%s%s%s over %s", S(r, "cell.model"), S(r, "cell.backend"),
                     N(r, "cell.ranks"), N(r, "cell.threads"), *S(r, "cell.exchange") ? " " : "",
                     S(r, "cell.exchange"), rest, params->keys[a]);
            size_t s = names_add(&series, name);
            int seen = 0;
            for (size_t q = 0; q < npts; q++)
                if (pts[q].s == s && pts[q].x == x)
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
            gp = open_fig(c, "params", script, data, svg, sizeof script, &df);
            if (!gp)
                break;
            fprintf(gp, "set logscale xy\nset xlabel 'parameter value'\n"
                        "set ylabel 'simulation time, s'\n");
        }
        char lab[1024];
        gp_label(lab, sizeof lab, series.v[s]);
        fprintf(df, "# %s\n", lab);
        for (;;) { /* by x */
            double best = INFINITY;
            size_t bk = 0;
            for (size_t k = 0; k < npts; k++)
                if (pts[k].s == s && pts[k].x < best) {
                    best = pts[k].x;
                    bk = k;
                }
            if (!isfinite(best))
                break;
            Est e = estimate(rs, use, pts[bk].cell, latest, "timers.simulation_s");
            fprintf(df, "%.6g", pts[bk].x);
            dnum(df, e.med);
            dnum(df, e.lo);
            dnum(df, e.hi);
            fprintf(df, "\n");
            pts[bk].s = (size_t)-1;
        }
        fprintf(df, "\n\n");
        fprintf(gp, "%s '%s' index %d using 1:2:3:4 with yerrorlines lw 2 pt 7 title '%s'",
                nplot ? ", \\\n    " : "plot", data, nplot, lab);
        nplot++;
    }
    if (!gp) {
        fprintf(html, "<p>no cell sweeps a numeric model parameter (at commit %s)</p>\n", latest);
    } else {
        fclose(df);
        fprintf(gp, "\n");
        fclose(gp);
        emit_figure(html, c, script, svg,
                    "Simulation time over each swept model parameter (log-log), latest commit; bars: 95 % "
                    "interval of the median.");
    }
    free(pts);
    names_free(&series);
}

/* ---- parallel scaling ------------------------------------------------------------ */

typedef struct {
    char base[1024]; /* what stays fixed: model, parameters, back end, the other axis */
    char exch[64];   /* the exchange ("" for one rank or none given) */
    double x;        /* ranks or threads */
    char cell[512];
} PPt;

typedef struct {
    char label[1200];
    double *x;
    Est *e;
    double *imb;
    size_t n;
} Series;

static int cmp_ppt_x(const void *a, const void *b)
{
    double x = ((const PPt *)a)->x, y = ((const PPt *)b)->x;
    return (x > y) - (x < y);
}

/* The first ok record of every snncc cell (no peers) at the latest commit: their indices
 * in rs, in record order. */
static size_t latest_cells(const RecordSet *rs, const int *use, const char *latest, size_t **out)
{
    size_t *idx = malloc((rs->n + 1) * sizeof *idx), n = 0;
    if (!idx)
        exit(2);
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (!use[i] || !is_ok(r) || strcmp(S(r, "meta.commit"), latest) || *S(r, "cell.peer"))
            continue;
        int dup = 0;
        for (size_t k = 0; k < n && !dup; k++)
            dup = !strcmp(S(rs->rec[idx[k]], "cell.id"), S(r, "cell.id"));
        if (!dup)
            idx[n++] = i;
    }
    *out = idx;
    return n;
}

/* The series of one axis ("ranks" or "threads") at the latest commit: each with two
 * x values at least.  Cells with one rank carry no exchange: they start the series of
 * every exchange of their group. */
static size_t parallel_series(const RecordSet *rs, const int *use, const char *latest, int ranks_axis,
                              Series **out)
{
    size_t *cells, ncells = latest_cells(rs, use, latest, &cells);
    PPt *pts = calloc(ncells + 1, sizeof *pts);
    size_t npts = 0;
    if (!pts)
        exit(2);
    for (size_t ci = 0; ci < ncells; ci++) {
        const Json *r = rs->rec[cells[ci]];
        PPt *p = &pts[npts++];
        char par[512];
        params_text(r, par, sizeof par);
        const char *ex = S(r, "cell.exchange");
        if (ranks_axis) {
            snprintf(p->base, sizeof p->base, "%s%s%s %s t=%g", S(r, "cell.model"), par[0] ? " " : "", par,
                     S(r, "cell.backend"), N(r, "cell.threads"));
            snprintf(p->exch, sizeof p->exch, "%s", ex);
            p->x = N(r, "cell.ranks");
        } else {
            snprintf(p->base, sizeof p->base, "%s%s%s %s r=%g%s%s", S(r, "cell.model"), par[0] ? " " : "", par,
                     S(r, "cell.backend"), N(r, "cell.ranks"), *ex ? " " : "", ex);
            p->exch[0] = 0;
            p->x = N(r, "cell.threads");
        }
        snprintf(p->cell, sizeof p->cell, "%s", S(r, "cell.id"));
    }
    free(cells);
    if (npts)
        qsort(pts, npts, sizeof *pts, cmp_ppt_x);
    Names bases = {0};
    for (size_t k = 0; k < npts; k++)
        names_add(&bases, pts[k].base);
    Series *ser = NULL;
    size_t nser = 0;
    for (size_t b = 0; b < bases.n; b++) {
        Names ex = {0};
        for (size_t k = 0; k < npts; k++)
            if (!strcmp(pts[k].base, bases.v[b]) && pts[k].exch[0])
                names_add(&ex, pts[k].exch);
        size_t nex = ex.n ? ex.n : 1;
        for (size_t e = 0; e < nex; e++) {
            Series s;
            memset(&s, 0, sizeof s);
            snprintf(s.label, sizeof s.label, "%s%s%s", bases.v[b], ex.n ? " " : "", ex.n ? ex.v[e] : "");
            s.x = calloc(npts, sizeof *s.x);
            s.e = calloc(npts, sizeof *s.e);
            s.imb = calloc(npts, sizeof *s.imb);
            if (!s.x || !s.e || !s.imb)
                exit(2);
            for (size_t k = 0; k < npts; k++) {
                if (strcmp(pts[k].base, bases.v[b]) || (ex.n && pts[k].exch[0] && strcmp(pts[k].exch, ex.v[e])))
                    continue;
                if (s.n && s.x[s.n - 1] == pts[k].x)
                    continue; /* one point per x */
                s.x[s.n] = pts[k].x;
                s.e[s.n] = estimate(rs, use, pts[k].cell, latest, "timers.simulation_s");
                double *v = malloc((rs->n + 1) * sizeof *v);
                size_t nv = 0;
                for (size_t i = 0; i < rs->n; i++)
                    if (use[i] && is_ok(rs->rec[i]) && !strcmp(S(rs->rec[i], "cell.id"), pts[k].cell) &&
                        !strcmp(S(rs->rec[i], "meta.commit"), latest)) {
                        double q = imbalance_of(rs->rec[i], "simulation_s");
                        if (isfinite(q))
                            v[nv++] = q;
                    }
                s.imb[s.n] = median(v, nv);
                free(v);
                s.n++;
            }
            if (s.n >= 2 && isfinite(s.e[0].med) && s.e[0].med > 0) {
                ser = realloc(ser, (nser + 1) * sizeof *ser);
                if (!ser)
                    exit(2);
                ser[nser++] = s;
            } else {
                free(s.x);
                free(s.e);
                free(s.imb);
            }
        }
        names_free(&ex);
    }
    names_free(&bases);
    free(pts);
    *out = ser;
    return nser;
}

static void series_free(Series *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].x);
        free(s[i].e);
        free(s[i].imb);
    }
    free(s);
}

static void fig_parallel_axis(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest,
                              int ranks_axis)
{
    const char *axis = ranks_axis ? "ranks" : "threads";
    fprintf(html, "<h3>Parallel scaling over %s</h3>\n", axis);
    Series *ser;
    size_t nser = parallel_series(rs, use, latest, ranks_axis, &ser);
    if (!nser) {
        fprintf(html, "<p>no cell group varies the number of %s (at commit %s)</p>\n", axis, latest);
        return;
    }
    char script[512], data[512], svg[512], kind[32];
    FILE *df;
    snprintf(kind, sizeof kind, "%s", axis);
    FILE *gp = open_fig(c, kind, script, data, svg, sizeof script, &df);
    if (!gp) {
        series_free(ser, nser);
        return;
    }
    /* one block per series: x, median, lo, hi, ideal, efficiency */
    fprintf(html, "<table><tr><th>series</th><th>%s</th><th>median s</th><th>95 %% interval s</th>"
                  "<th>speed-up</th><th>efficiency</th><th>imbalance (max/median)</th></tr>\n", axis);
    for (size_t k = 0; k < nser; k++) {
        Series *s = &ser[k];
        double t0 = s->e[0].med, x0 = s->x[0];
        char lab[1300];
        gp_label(lab, sizeof lab, s->label);
        fprintf(df, "# %s\n", lab);
        for (size_t i = 0; i < s->n; i++) {
            double ideal = t0 * x0 / s->x[i], eff = t0 * x0 / (s->e[i].med * s->x[i]);
            fprintf(df, "%g", s->x[i]);
            dnum(df, s->e[i].med);
            dnum(df, s->e[i].lo);
            dnum(df, s->e[i].hi);
            dnum(df, ideal);
            dnum(df, eff);
            fprintf(df, "\n");
            fprintf(html, "<tr><td>");
            html_esc(html, s->label);
            fprintf(html, "</td><td>%g</td><td>%.4g</td><td>%.4g .. %.4g</td><td>%.2f</td><td>%.2f</td><td>",
                    s->x[i], s->e[i].med, s->e[i].lo, s->e[i].hi, t0 / s->e[i].med, eff);
            if (isfinite(s->imb[i]))
                fprintf(html, "%.2f", s->imb[i]);
            fprintf(html, "</td></tr>\n");
        }
        fprintf(df, "\n\n");
    }
    fprintf(html, "</table>\n");
    fclose(df);
    fprintf(gp, "set multiplot layout 1,2\nset logscale x 2\nset logscale y\nset key inside top right font ',9'\n"
                "set xlabel '%s'\nset ylabel 'simulation time, s'\n"
                "set title 'time, dashed: ideal scaling'\nplot ",
            axis);
    for (size_t k = 0; k < nser; k++) {
        char lab[1300];
        gp_label(lab, sizeof lab, ser[k].label);
        fprintf(gp, "%s'%s' index %zu using 1:2:3:4 with yerrorlines lt %zu lw 2 pt 7 title '%s', \\\n"
                    "    '%s' index %zu using 1:5 with lines lt %zu dt 2 lw 1.5 notitle",
                k ? ", \\\n    " : "", data, k, k + 1, lab, data, k, k + 1);
    }
    fprintf(gp, "\nunset logscale y\nset yrange [0:*]\nset ylabel 'parallel efficiency'\n"
                "set title 'efficiency, dashed: ideal (1)'\nset key off\nplot 1 with lines lc rgb 'black' dt 2 notitle");
    for (size_t k = 0; k < nser; k++)
        fprintf(gp, ", \\\n    '%s' index %zu using 1:6 with linespoints lt %zu lw 2 pt 7 notitle", data, k, k + 1);
    fprintf(gp, "\nunset multiplot\n");
    fclose(gp);
    char cap[512];
    snprintf(cap, sizeof cap,
             "Left: median simulation time (slowest rank) over the number of %s with 95 %% intervals, and "
             "ideal scaling from the smallest count (dashed). Right: parallel efficiency T(n0) n0 / (T(n) n), "
             "1 being ideal. Latest commit; one line per model, parameters, back end and %s.",
             axis, ranks_axis ? "threads per rank (and exchange)" : "ranks (and exchange)");
    emit_figure(html, c, script, svg, cap);
    series_free(ser, nser);
}

/* ---- cores: ranks x threads combined -------------------------------------------- */

typedef struct {
    char base[1024]; /* model, parameters, back end */
    char conf[96];   /* "2x1 p2p" */
    char cell[512];
    double cores;
    Est e;
} CPt;

static int cmp_cpt(const void *a, const void *b)
{
    const CPt *p = a, *q = b;
    int c = strcmp(p->base, q->base);
    if (c)
        return c;
    if (p->cores != q->cores)
        return (p->cores > q->cores) - (p->cores < q->cores);
    return strcmp(p->conf, q->conf);
}

/* Every (ranks, threads, exchange) configuration of a model at the latest commit on one
 * axis: cores = ranks x threads.  Answers "how should I split my cores", which the
 * per-axis figures cannot: a point per configuration, labelled RxT, a line through the
 * fastest configuration per core count, ideal scaling from the one-core point. */
static void fig_cores(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h3>Cores: ranks &times; threads</h3>\n");
    size_t *cells, ncells = latest_cells(rs, use, latest, &cells);
    CPt *pts = calloc(ncells + 1, sizeof *pts);
    size_t n = 0;
    if (!pts)
        exit(2);
    for (size_t ci = 0; ci < ncells; ci++) {
        const Json *r = rs->rec[cells[ci]];
        CPt *p = &pts[n];
        char par[512];
        params_text(r, par, sizeof par);
        double rk = N(r, "cell.ranks"), th = N(r, "cell.threads");
        if (!(rk >= 1) || !(th >= 1))
            continue;
        const char *ex = S(r, "cell.exchange");
        snprintf(p->base, sizeof p->base, "%s%s%s %s", S(r, "cell.model"), par[0] ? " " : "", par,
                 S(r, "cell.backend"));
        snprintf(p->conf, sizeof p->conf, "%gx%g%s%s", rk, th, rk > 1 && *ex ? " " : "", rk > 1 ? ex : "");
        snprintf(p->cell, sizeof p->cell, "%s", S(r, "cell.id"));
        p->cores = rk * th;
        p->e = estimate(rs, use, p->cell, latest, "timers.simulation_s");
        if (isfinite(p->e.med) && p->e.med > 0)
            n++;
    }
    free(cells);
    if (n)
        qsort(pts, n, sizeof *pts, cmp_cpt);
    /* groups with a one-core point and at least one configuration of more cores mixing
     * ranks and threads or two configurations of one core count */
    size_t ngroups = 0;
    int *keep = calloc(n + 1, sizeof *keep);
    if (!keep)
        exit(2);
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && !strcmp(pts[b].base, pts[a].base))
            b++;
        int one = pts[a].cores == 1, more = 0;
        for (size_t k = a; k < b; k++)
            more |= pts[k].cores > 1;
        if (one && more && b - a >= 3) {
            for (size_t k = a; k < b; k++)
                keep[k] = 1;
            ngroups++;
        }
        a = b;
    }
    if (!ngroups) {
        fprintf(html, "<p>no model has runs on one core and at least two configurations of more cores "
                      "(at commit %s)</p>\n", latest);
        free(keep);
        free(pts);
        return;
    }
    char script[512], data[512], svg[512];
    FILE *df;
    FILE *gp = open_fig(c, "cores", script, data, svg, sizeof script, &df);
    if (!gp) {
        free(keep);
        free(pts);
        return;
    }
    fprintf(html, "<table><tr><th>model</th><th>cores</th><th>ranks x threads</th><th>median s</th>"
                  "<th>95 %% interval s</th><th>speed-up</th><th>efficiency</th><th></th></tr>\n");
    /* data: per group, index 2g: every point (x, med, lo, hi, label); 2g+1: best per cores, ideal */
    size_t g = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && !strcmp(pts[b].base, pts[a].base))
            b++;
        if (!keep[a]) {
            a = b;
            continue;
        }
        double t1 = pts[a].e.med;
        char lab[1300];
        gp_label(lab, sizeof lab, pts[a].base);
        fprintf(df, "# %s: configurations\n", lab);
        for (size_t k = a, j = 0; k < b; k++) {
            char cl[200];
            gp_data_label(cl, sizeof cl, pts[k].conf);
            j = k > a && pts[k].cores == pts[k - 1].cores ? j + 1 : 0; /* stacks tied labels */
            fprintf(df, "%g", pts[k].cores);
            dnum(df, pts[k].e.med);
            dnum(df, pts[k].e.lo);
            dnum(df, pts[k].e.hi);
            fprintf(df, " \"%s\" %zu\n", cl, j);
        }
        fprintf(df, "\n\n# %s: fastest per core count, ideal\n", lab);
        for (size_t k = a; k < b;) {
            size_t e = k, best = k;
            while (e < b && pts[e].cores == pts[k].cores) {
                if (pts[e].e.med < pts[best].e.med)
                    best = e;
                e++;
            }
            fprintf(df, "%g", pts[best].cores);
            dnum(df, pts[best].e.med);
            dnum(df, t1 / pts[best].cores);
            fprintf(df, "\n");
            for (size_t q = k; q < e; q++) {
                fprintf(html, "<tr><td>");
                html_esc(html, pts[q].base);
                fprintf(html, "</td><td>%g</td><td>", pts[q].cores);
                html_esc(html, pts[q].conf);
                fprintf(html, "</td><td>%.4g</td><td>%.4g .. %.4g</td><td>%.2f</td><td>%.2f</td><td>%s</td></tr>\n",
                        pts[q].e.med, pts[q].e.lo, pts[q].e.hi, t1 / pts[q].e.med,
                        t1 / (pts[q].e.med * pts[q].cores), q == best && e - k > 1 ? "fastest" : "");
            }
            k = e;
        }
        fprintf(df, "\n\n");
        g++;
        a = b;
    }
    fprintf(html, "</table>\n");
    fclose(df);
    fprintf(gp, "set logscale x 2\nset logscale y\nset key inside top right font ',9'\n"
                "set xlabel 'cores (ranks x threads)'\nset ylabel 'simulation time, s'\nset offsets graph 0.02, graph 0.1, 0, 0\n"
                "plot ");
    g = 0;
    for (size_t a = 0; a < n;) {
        size_t b = a;
        while (b < n && !strcmp(pts[b].base, pts[a].base))
            b++;
        if (!keep[a]) {
            a = b;
            continue;
        }
        char lab[1300];
        gp_label(lab, sizeof lab, pts[a].base);
        fprintf(gp, "%s'%s' index %zu using 1:2:3:4 with yerrorbars lt %zu pt 7 ps 0.8 title '%s', \\\n"
                    "    '%s' index %zu using 1:($2*(1+0.07*$6)):5 with labels offset 0.6,0.6 left font ',8' tc lt %zu notitle, \\\n"
                    "    '%s' index %zu using 1:2 with lines lt %zu lw 2 notitle, \\\n"
                    "    '%s' index %zu using 1:3 with lines lt %zu dt 2 lw 1.5 notitle",
                g ? ", \\\n    " : "", data, 2 * g, g + 1, lab, data, 2 * g, g + 1, data, 2 * g + 1, g + 1, data,
                2 * g + 1, g + 1);
        g++;
        a = b;
    }
    fprintf(gp, "\n");
    fclose(gp);
    emit_figure(html, c, script, svg,
                "Median simulation time (slowest rank) of every ranks x threads configuration over the cores it "
                "uses, labelled RxT, with 95 % intervals; solid: the fastest configuration per core count; "
                "dashed: ideal scaling from one core. Latest commit; one colour per model, parameters and "
                "back end.");
    free(keep);
    free(pts);
}

/* ---- load imbalance -------------------------------------------------------------- */

static void fig_imbalance(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h3>Load imbalance across ranks</h3>\n");
    static const char *const tm[] = {"simulation_s", "update_s", "deliver_s", "communicate_s", "wait_s"};
    enum { NT = 5 };
    Names cells = {0};
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (use[i] && is_ok(r) && !strcmp(S(r, "meta.commit"), latest) && N(r, "cell.ranks") > 1 &&
            json_get(r, "rank_timers"))
            names_add(&cells, S(r, "cell.id"));
    }
    if (!cells.n) {
        fprintf(html, "<p>no runs with more than one rank and per-rank timers (at commit %s)</p>\n", latest);
        return;
    }
    char script[512], data[512], svg[512];
    FILE *df;
    FILE *gp = open_fig(c, "imbalance", script, data, svg, sizeof script, &df);
    if (!gp) {
        names_free(&cells);
        return;
    }
    fprintf(html, "<table><tr><th>cell</th><th>ranks</th><th>threads</th>");
    for (int t = 0; t < NT; t++)
        fprintf(html, "<th>%s</th>", tm[t]);
    fprintf(html, "<th>memory</th><th>communication share</th></tr>\n");
    fprintf(df, "cell simulation update deliver communicate wait\n");
    int have[NT] = {0};
    double *v = malloc((rs->n + 1) * sizeof *v), *w = malloc((rs->n + 1) * sizeof *w);
    if (!v || !w)
        exit(2);
    for (size_t k = 0; k < cells.n; k++) {
        char lab[512];
        gp_data_label(lab, sizeof lab, cells.v[k]);
        fprintf(df, "\"%s\"", lab);
        double ranks = NAN, threads = NAN;
        double imb[NT + 1];
        for (int t = 0; t <= NT; t++) {
            size_t nv = 0, nw = 0;
            for (size_t i = 0; i < rs->n; i++) {
                const Json *r = rs->rec[i];
                if (!use[i] || !is_ok(r) || strcmp(S(r, "cell.id"), cells.v[k]) || strcmp(S(r, "meta.commit"), latest))
                    continue;
                ranks = N(r, "cell.ranks");
                threads = N(r, "cell.threads");
                double q;
                if (t < NT) {
                    q = imbalance_of(r, tm[t]);
                } else {
                    double med = N(r, "rank_memory.peak_rss_bytes.median"), mx = N(r, "rank_memory.peak_rss_bytes.max");
                    q = med > 0 ? mx / med : NAN;
                    /* time the median rank spends communicating and waiting */
                    double sim = N(r, "rank_timers.simulation_s.median");
                    double cw = N(r, "rank_timers.communicate_s.median") +
                                (isfinite(N(r, "rank_timers.wait_s.median")) ? N(r, "rank_timers.wait_s.median") : 0);
                    if (sim > 0 && isfinite(cw))
                        w[nw++] = cw / sim;
                }
                if (isfinite(q))
                    v[nv++] = q;
            }
            imb[t] = median(v, nv);
            if (t < NT) {
                dnum(df, imb[t]);
                have[t] |= isfinite(imb[t]);
            } else {
                double share = median(w, nw);
                fprintf(html, "<tr><td>");
                html_esc(html, cells.v[k]);
                fprintf(html, "</td><td>%g</td><td>%g</td>", ranks, threads);
                for (int u = 0; u < NT; u++)
                    fprintf(html, isfinite(imb[u]) ? "<td>%.2f</td>" : "<td></td>", imb[u]);
                fprintf(html, isfinite(imb[NT]) ? "<td>%.2f</td>" : "<td></td>", imb[NT]);
                fprintf(html, isfinite(share) ? "<td>%.0f %%</td>" : "<td></td>", 100 * share);
                fprintf(html, "</tr>\n");
            }
        }
        fprintf(df, "\n");
    }
    free(v);
    free(w);
    fprintf(html, "</table>\n");
    fclose(df);
    fprintf(gp, "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
                "set ylabel 'max / median over ranks'\nset yrange [0:*]\n"
                "set xtics rotate by -30 left noenhanced\nset bmargin 8\nset key autotitle columnhead\nplot ");
    int np = 0;
    for (int t = 0; t < NT; t++)
        if (have[t]) {
            fprintf(gp, "%s'%s' using %d%s", np ? ", " : "", data, t + 2, np ? "" : ":xtic(1)");
            np++;
        }
    fprintf(gp, "%s1 with lines lc rgb 'black' dt 2 title 'balanced'\n", np ? ", " : "");
    fclose(gp);
    emit_figure(html, c, script, svg,
                "Load imbalance per cell with more than one rank: the slowest rank's time over the median "
                "rank's, per phase (simulation, neuron update, spike delivery, communication, waiting), "
                "median over the runs at the latest commit; 1 is perfect balance.");
    names_free(&cells);
}

/* ---- history ---------------------------------------------------------------------- */

static void fig_history(FILE *html, Ctx *c, const RecordSet *rs, const int *use, Names *commits)
{
    fprintf(html, "<h3>History over commits</h3>\n");
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
    FILE *gp = open_fig(c, "history", script, data, svg, sizeof script, &df);
    if (!gp) {
        names_free(&cells);
        return;
    }
    CompareOpts co = {.threshold = 0.05, .metric = "timers.simulation_s", .alpha = 0.05, .min_n = 5};
    int nreg = 0;
    char regdata[600];
    snprintf(regdata, sizeof regdata, "%s.reg", data);
    FILE *regf = fopen(regdata, "w");
    if (!regf) {
        fclose(df);
        fclose(gp);
        names_free(&cells);
        return;
    }
    fprintf(html, "<table><tr><th>cell</th><th>commit</th><th>B/A</th><th>p</th></tr>\n");
    fprintf(gp, "set ylabel 'time / first commit'\nset xrange [-0.5:%zu.5]\n"
                "set xtics (", commits->n - 1);
    for (size_t ci = 0; ci < commits->n; ci++)
        fprintf(gp, "%s'%.8s' %zu", ci ? ", " : "", commits->v[ci], ci);
    fprintf(gp, ") rotate by -30 left\nplot ");
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
            size_t ncur = samples(rs, use, cells.v[k], commits->v[ci], "timers.simulation_s", &cur);
            if (!ncur) {
                free(cur);
                continue;
            }
            double m = median(cur, ncur), lo, hi;
            median_ci(cur, ncur, CONF, &lo, &hi);
            if (!isfinite(base))
                base = m;
            fprintf(df, "%zu", ci);
            dnum(df, m / base);
            dnum(df, lo / base);
            dnum(df, hi / base);
            fprintf(df, "\n");
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
            fprintf(gp, "%s'%s' index %zu using 1:2:3:4 with yerrorlines lw 2 pt 7 title '%s'", nser++ ? ", \\\n    " : "",
                    data, k, lab);
    }
    fprintf(html, "</table>\n");
    if (!nreg)
        fprintf(regf, "-1 1\n");
    fclose(regf);
    fclose(df);
    fprintf(gp, "%s'%s' using 1:2 with points pt 6 ps 2.5 lw 2 lc rgb '#d62728' title 'regression'\n",
            nser ? ", \\\n    " : "", regdata);
    fclose(gp);
    char cap[256];
    snprintf(cap, sizeof cap, "Simulation time per cell relative to its first commit, in commit order, with 95 %% "
                              "intervals; %d regression(s) circled (slower by > 5%% with p < 0.05).", nreg);
    emit_figure(html, c, script, svg, cap);
    names_free(&cells);
}

/* ---- peers and the table ---------------------------------------------------------- */

static void fig_peers(FILE *html, Ctx *c, const RecordSet *rs, const int *use)
{
    fprintf(html, "<h3>Peers side by side</h3>\n");
    /* models (file + time) that have records from a peer and from snncc */
    Names groups = {0};
    for (size_t i = 0; i < rs->n; i++) {
        const Json *r = rs->rec[i];
        if (!use[i] || !is_ok(r) || !json_str_or(record_lookup(r, "cell.peer"), NULL))
            continue;
        char g[600];
        snprintf(g, sizeof g, "%s@%g", S(r, "cell.file"), N(r, "cell.time_ms"));
        names_add(&groups, g);
    }
    if (!groups.n) {
        fprintf(html, "<p>no peer runs (a suite model with <code>peer: brian2</code>)</p>\n");
        return;
    }
    char script[512], data[512], svg[512];
    FILE *df;
    FILE *gp = open_fig(c, "peers", script, data, svg, sizeof script, &df);
    if (!gp) {
        names_free(&groups);
        return;
    }
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
                /* snncc at one rank and one thread: the peers run that way */
                if (!is_peer && (N(r, "cell.ranks") > 1 || N(r, "cell.threads") > 1))
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
                fprintf(df, "\"%s\"", lab);
                dnum(df, median(cv, nc));
                dnum(df, median(sv, ns));
                fprintf(df, "\n");
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
    emit_figure(html, c, script, svg, "Construction (with init) and simulation time, snncc (one rank, one thread) "
                                      "and its peers on the same model and biological time.");
    names_free(&groups);
}

static void table_latest(FILE *html, const RecordSet *rs, const int *use, const char *latest)
{
    fprintf(html, "<h3>Runs at commit %s</h3>\n<table>\n<tr><th>cell</th><th>rep</th><th>status</th>"
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

/* ---- machines ------------------------------------------------------------------- */

static void machine_id(const char *m, char *out, size_t len)
{
    size_t k = 0;
    for (; *m && k + 1 < len; m++)
        out[k++] = (*m >= 'a' && *m <= 'z') || (*m >= 'A' && *m <= 'Z') || (*m >= '0' && *m <= '9') || *m == '-' ||
                           *m == '_'
                       ? *m
                       : '_';
    out[k] = 0;
}

/* The latest commit with records of a machine. */
static const char *latest_commit(const RecordSet *rs, const int *use)
{
    const char *latest = "";
    for (size_t i = 0; i < rs->n; i++) /* sorted by date */
        if (use[i])
            latest = S(rs->rec[i], "meta.commit");
    return latest;
}

/* Median simulation time per cell on each machine (at each machine's latest commit),
 * for the cells that ran on two machines at least. */
static void fig_machines(FILE *html, Ctx *c, const RecordSet *rs, const int *use, const Names *machines)
{
    fprintf(html, "<h2 id=\"machines\">Machines side by side</h2>\n");
    int **mu = calloc(machines->n, sizeof *mu);
    const char **latest = calloc(machines->n, sizeof *latest);
    if (!mu || !latest)
        exit(2);
    for (size_t m = 0; m < machines->n; m++) {
        mu[m] = calloc(rs->n + 1, sizeof **mu);
        if (!mu[m])
            exit(2);
        for (size_t i = 0; i < rs->n; i++)
            mu[m][i] = use[i] && !strcmp(S(rs->rec[i], "meta.machine"), machines->v[m]);
        latest[m] = latest_commit(rs, mu[m]);
    }
    Names cells = {0};
    Names all = {0};
    for (size_t i = 0; i < rs->n; i++)
        if (use[i] && is_ok(rs->rec[i]))
            names_add(&all, S(rs->rec[i], "cell.id"));
    for (size_t k = 0; k < all.n; k++) {
        int on = 0;
        for (size_t m = 0; m < machines->n; m++)
            on += estimate(rs, mu[m], all.v[k], latest[m], "timers.simulation_s").n > 0;
        if (on >= 2)
            names_add(&cells, all.v[k]);
    }
    char script[512], data[512], svg[512];
    FILE *df = NULL, *gp = NULL;
    if (!cells.n) {
        fprintf(html, "<p>no cell ran on two machines</p>\n");
    } else if ((gp = open_fig(c, "machines", script, data, svg, sizeof script, &df))) {
        for (size_t k = 0; k < cells.n; k++) {
            char lab[512];
            gp_data_label(lab, sizeof lab, cells.v[k]);
            fprintf(df, "\"%s\"", lab);
            for (size_t m = 0; m < machines->n; m++) {
                Est e = estimate(rs, mu[m], cells.v[k], latest[m], "timers.simulation_s");
                dnum(df, e.med);
                dnum(df, e.lo);
                dnum(df, e.hi);
            }
            fprintf(df, "\n");
        }
        fclose(df);
        fprintf(gp, "set style data histograms\nset style histogram errorbars gap 2 lw 1\n"
                    "set style fill solid 0.85 border -1\nset ylabel 'simulation time, s'\n"
                    "set yrange [0:*]\nset xtics rotate by -30 left noenhanced\nset bmargin 8\nplot ");
        for (size_t m = 0; m < machines->n; m++) {
            char lab[300];
            gp_label(lab, sizeof lab, machines->v[m]);
            fprintf(gp, "%s'%s' using %zu:%zu:%zu%s title '%s'", m ? ", " : "", data, 2 + 3 * m, 3 + 3 * m,
                    4 + 3 * m, m ? "" : ":xtic(1)", lab);
        }
        fprintf(gp, "\n");
        fclose(gp);
        emit_figure(html, c, script, svg,
                    "Median simulation time of the cells that ran on several machines, each at its latest "
                    "commit there, with 95 % intervals.");
    }
    for (size_t m = 0; m < machines->n; m++)
        free(mu[m]);
    free(mu);
    free(latest);
    names_free(&cells);
    names_free(&all);
}

/* Distinct values of a record key over the selected records, joined by "; ". */
static void distinct(const RecordSet *rs, const int *use, const char *key, char *out, size_t len)
{
    Names v = {0};
    for (size_t i = 0; i < rs->n; i++)
        if (use[i]) {
            char buf[512];
            const char *s = json_scalar_text(record_lookup(rs->rec[i], key), buf, sizeof buf);
            if (*s)
                names_add(&v, s);
        }
    size_t k = 0;
    out[0] = 0;
    for (size_t i = 0; i < v.n && k < len; i++)
        k += (size_t)snprintf(out + k, len - k, "%s%s", i ? "; " : "", v.v[i]);
    if (!v.n)
        snprintf(out, len, "unknown");
    names_free(&v);
}

static void machine_section(FILE *html, Ctx *c, const RecordSet *rs, const int *use_all, const char *machine)
{
    int *use = calloc(rs->n + 1, sizeof *use);
    if (!use)
        exit(2);
    Names commits = {0};
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++) {
        use[i] = use_all[i] && !strcmp(S(rs->rec[i], "meta.machine"), machine);
        if (use[i]) {
            names_add(&commits, S(rs->rec[i], "meta.commit")); /* sorted by date: first-seen order */
            n++;
        }
    }
    const char *latest = latest_commit(rs, use);
    machine_id(machine, c->mid, sizeof c->mid);
    fprintf(html, "<section id=\"machine-%s\" class=\"machine\">\n<h2>Machine ", c->mid);
    html_esc(html, machine);
    fprintf(html, "</h2>\n<table class=\"meta\">\n");
    static const struct { const char *key, *label; } info[] = {
        {"meta.hostname", "host"}, {"meta.cpu", "CPU"}, {"meta.cores", "cores"}, {"meta.os", "OS"},
        {"meta.mpi", "MPI"}, {"meta.gpu", "GPU"}, {"meta.gpu_driver", "GPU driver"}, {"meta.cc", "C compiler"}};
    for (size_t k = 0; k < sizeof info / sizeof info[0]; k++) {
        char buf[2048];
        distinct(rs, use, info[k].key, buf, sizeof buf);
        fprintf(html, "<tr><th>%s</th><td>", info[k].label);
        html_esc(html, buf);
        fprintf(html, "</td></tr>\n");
    }
    fprintf(html, "<tr><th>records</th><td>%zu, %zu commit(s), latest %s</td></tr>\n</table>\n", n, commits.n,
            latest);
    fig_phases(html, c, rs, use, latest);
    fig_ci(html, c, rs, use, latest);
    fig_scaling(html, c, rs, use, latest);
    fig_parallel_axis(html, c, rs, use, latest, 1);
    fig_parallel_axis(html, c, rs, use, latest, 0);
    fig_cores(html, c, rs, use, latest);
    fig_imbalance(html, c, rs, use, latest);
    fig_history(html, c, rs, use, &commits);
    fig_peers(html, c, rs, use);
    table_latest(html, rs, use, latest);
    fprintf(html, "</section>\n");
    names_free(&commits);
    free(use);
}

static int strcmp_ptr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static const char CSS[] =
    "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;font-size:0.85em;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
    "table.meta th{background:#f4f4f4}"
    "tr.failed,tr.timeout{background:#fdd}tr.skipped{color:#888}"
    "section.machine{border-top:3px solid #888;margin-top:2em}"
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
    for (size_t i = 0; i < rs.n; i++) {
        use[i] = record_match(rs.rec[i], f, nf);
        if (!use[i])
            continue;
        names_add(&commits, S(rs.rec[i], "meta.commit"));
        names_add(&machines, S(rs.rec[i], "meta.machine"));
    }
    const char *latest = latest_commit(&rs, use);
    qsort(machines.v, machines.n, sizeof *machines.v, strcmp_ptr);
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
    fprintf(html, "</code>; %zu commit(s), %zu machine(s); latest commit %s; generated %s by snnbench %s. "
                  "Medians come with distribution-free 95 %% confidence intervals (order statistics).</p>\n",
            commits.n, machines.n, latest, date, SNNBENCH_VERSION);
    if (nsel) {
        fprintf(html, "<nav><p>Machines:");
        for (size_t m = 0; m < machines.n; m++) {
            char id[128];
            machine_id(machines.v[m], id, sizeof id);
            fprintf(html, " <a href=\"#machine-%s\">", id);
            html_esc(html, machines.v[m]);
            fprintf(html, "</a>");
        }
        fprintf(html, "</p></nav>\n");
        if (machines.n > 1)
            fig_machines(html, &c, &rs, use, &machines);
        for (size_t m = 0; m < machines.n; m++)
            machine_section(html, &c, &rs, use, machines.v[m]);
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
        printf("wrote %s (%d figures, %zu records, %zu machine(s))\n", out, c.nfig, nsel, machines.n);
    names_free(&commits);
    names_free(&machines);
    free(use);
    recordset_free(&rs);
    free(f);
    return bad ? 1 : 0;
}
