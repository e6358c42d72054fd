/*
 * snn_compare.c - compare two runs of a simulator (e.g. the C and the CUDA back end) from
 * their output directories, without Python: for GPU machines that have only a driver.
 *
 *   snn-compare exact DIR_A DIR_B      connectivity checksums, spike counts and every
 *                                      spikes_<pop>.npy identical
 *   snn-compare rates TOL DIR_A DIR_B  checksums identical; each population's rate within
 *                                      TOL (relative) or 0.5 Hz of the other's
 *   snn-compare show DIR               status, rates, timers and real-time factor
 *
 * Reads run.json as libsnnrt writes it (one population or projection per line).  Exit
 * status 0 when the runs agree, 1 when they do not, 2 on usage or read errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXN 256

typedef struct Run {
    char status[64];
    int npops, nprojs;
    char pop[MAXN][128];
    unsigned long long spikes[MAXN];
    double rate[MAXN];
    int recorded[MAXN];
    char proj[MAXN][128];
    char checksum[MAXN][32];
    unsigned long long synapses[MAXN];
    double sim_s, rtf, construct_s;
    char backend[32];
} Run;

static const char *after(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    return p ? p + strlen(key) : NULL;
}

static void str_field(const char *line, const char *key, char *out, size_t n)
{
    const char *p = after(line, key);
    out[0] = '\0';
    if (!p)
        return;
    const char *e = strchr(p, '"');
    size_t k = e ? (size_t)(e - p) : 0;
    if (k >= n)
        k = n - 1;
    memcpy(out, p, k);
    out[k] = '\0';
}

static double num_field(const char *line, const char *key)
{
    const char *p = after(line, key);
    return p ? strtod(p, NULL) : NAN;
}

static int load(const char *dir, Run *r)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run.json", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "snn-compare: cannot read %s\n", path);
        return -1;
    }
    memset(r, 0, sizeof *r);
    r->sim_s = r->rtf = r->construct_s = NAN;
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        if (strstr(line, "\"status\": \"") && !r->status[0])
            str_field(line, "\"status\": \"", r->status, sizeof r->status);
        if (strstr(line, "\"backend\": \""))
            str_field(line, "\"backend\": \"", r->backend, sizeof r->backend);
        /* the top-level timers (MPI runs also have rank_timers, min/median/max) */
        if (strstr(line, "\"timers\": {") && strstr(line, "\"simulation_s\": ")) {
            r->sim_s = num_field(line, "\"simulation_s\": ");
            r->rtf = num_field(line, "\"real_time_factor\": ");
            r->construct_s = num_field(line, "\"construction_s\": ");
        }
        if (strstr(line, "\"rate_hz\": ") && r->npops < MAXN) {
            int k = r->npops++;
            str_field(line, "{\"name\": \"", r->pop[k], sizeof r->pop[k]);
            r->spikes[k] = (unsigned long long)num_field(line, "\"spikes\": ");
            r->rate[k] = num_field(line, "\"rate_hz\": ");
            r->recorded[k] = strstr(line, "\"recorded\": true") != NULL;
        }
        if (strstr(line, "\"checksum\": \"") && r->nprojs < MAXN) {
            int k = r->nprojs++;
            str_field(line, "{\"name\": \"", r->proj[k], sizeof r->proj[k]);
            str_field(line, "\"checksum\": \"", r->checksum[k], sizeof r->checksum[k]);
            r->synapses[k] = (unsigned long long)num_field(line, "\"synapses\": ");
        }
    }
    fclose(f);
    if (!r->status[0] || !r->npops) {
        fprintf(stderr, "snn-compare: %s: no status or populations found\n", path);
        return -1;
    }
    return 0;
}

/* Byte-compare two files; 0 same, 1 different, -1 unreadable. */
static int same_file(const char *a, const char *b)
{
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    int rc = 0;
    if (!fa || !fb) {
        rc = -1;
    } else {
        for (;;) {
            int x = fgetc(fa), y = fgetc(fb);
            if (x != y) {
                rc = 1;
                break;
            }
            if (x == EOF)
                break;
        }
    }
    if (fa)
        fclose(fa);
    if (fb)
        fclose(fb);
    return rc;
}

/* Checksums and synapse counts: the networks must be identical. */
static int same_network(const Run *a, const Run *b)
{
    int bad = 0;
    if (a->nprojs != b->nprojs) {
        printf("  projections: %d vs %d\n", a->nprojs, b->nprojs);
        return 1;
    }
    for (int k = 0; k < a->nprojs; k++)
        if (strcmp(a->checksum[k], b->checksum[k]) || a->synapses[k] != b->synapses[k]) {
            printf("  projection %s: checksum %s vs %s, synapses %llu vs %llu\n", a->proj[k],
                   a->checksum[k], b->checksum[k], a->synapses[k], b->synapses[k]);
            bad = 1;
        }
    if (!bad)
        printf("  connectivity identical (%d projections)\n", a->nprojs);
    return bad;
}

static void show(const char *dir, const Run *r)
{
    printf("%s: %s, backend %s, construction %.3f s, simulation %.3f s, real-time factor %.4g\n",
           dir, r->status, r->backend, r->construct_s, r->sim_s, r->rtf);
    for (int k = 0; k < r->npops; k++)
        printf("  %-12s %10llu spikes  %8.3f Hz\n", r->pop[k], r->spikes[k], r->rate[k]);
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "show")) {
        Run r;
        if (load(argv[2], &r))
            return 2;
        show(argv[2], &r);
        return 0;
    }
    int exact = argc == 4 && !strcmp(argv[1], "exact");
    int rates = argc == 5 && !strcmp(argv[1], "rates");
    if (!exact && !rates) {
        fprintf(stderr, "usage: snn-compare exact DIR_A DIR_B | rates TOL DIR_A DIR_B | show DIR\n");
        return 2;
    }
    const char *da = argv[argc - 2], *db = argv[argc - 1];
    static Run a, b;
    if (load(da, &a) || load(db, &b))
        return 2;
    int bad = 0;
    if (strcmp(a.status, "complete") || strcmp(b.status, "complete")) {
        printf("  status: %s vs %s\n", a.status, b.status);
        return 1;
    }
    bad |= same_network(&a, &b);
    if (a.npops != b.npops) {
        printf("  populations: %d vs %d\n", a.npops, b.npops);
        return 1;
    }
    double tol = rates ? strtod(argv[2], NULL) : 0;
    for (int k = 0; k < a.npops; k++) {
        if (exact) {
            if (a.spikes[k] != b.spikes[k]) {
                printf("  %s: %llu vs %llu spikes\n", a.pop[k], a.spikes[k], b.spikes[k]);
                bad = 1;
            }
            if (a.recorded[k] && b.recorded[k]) {
                char pa[4300], pb[4300];
                snprintf(pa, sizeof pa, "%s/spikes_%s.npy", da, a.pop[k]);
                snprintf(pb, sizeof pb, "%s/spikes_%s.npy", db, b.pop[k]);
                int s = same_file(pa, pb);
                if (s)
                    printf("  %s: spike files %s\n", a.pop[k], s < 0 ? "missing" : "differ");
                bad |= s != 0;
            }
        } else {
            double d = fabs(a.rate[k] - b.rate[k]), m = fmax(a.rate[k], b.rate[k]);
            int ok = d <= 0.5 || d <= tol * m;
            printf("  %-12s %8.3f Hz vs %8.3f Hz%s\n", a.pop[k], a.rate[k], b.rate[k],
                   ok ? "" : "  <- differ");
            bad |= !ok;
        }
    }
    if (exact && !bad)
        printf("  spikes identical (%d populations)\n", a.npops);
    return bad;
}
