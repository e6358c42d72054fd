/*
 * rt_main.c - snn_main(): command line, run config, the timed build / init / step loop,
 * spike and variable recorders, SIGINT/SIGTERM handling, run.json (schema 1) and the
 * summary.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "snnrt.h"
#include "rt_internal.h"
#include "rt_train.h"
#include "rt_par.h"
#include "rt_ckpt.h"
#include "rt_lanes.h"
#include "rt_internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

/* ------------------------------------------------------------------------------------- */
/* A small JSON writer.                                                                  */

typedef struct jbuf {
    char *s;
    size_t n, cap;
} jbuf;

static void jb_reserve(jbuf *b, size_t extra)
{
    if (b->n + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        fprintf(stderr, "%s: error: out of memory writing run.json\n", snn_progname());
        exit(1);
    }
    b->s = s;
    b->cap = cap;
}

static void jb_raw(jbuf *b, const char *s, size_t n)
{
    jb_reserve(b, n);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

__attribute__((format(printf, 2, 3))) static void jb_printf(jbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int need = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (need < 0)
        return;
    jb_reserve(b, (size_t)need);
    va_start(ap, fmt);
    vsnprintf(b->s + b->n, (size_t)need + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)need;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = s[0] & 0x1Fu;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = s[0] & 0x0Fu;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static void jb_str(jbuf *b, const char *s)
{
    if (!s) {
        jb_raw(b, "null", 4);
        return;
    }
    jb_raw(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\') {
            char esc[2] = {'\\', (char)ch};
            jb_raw(b, esc, 2);
            p++;
        } else if (ch < 0x20) {
            switch (ch) {
            case '\n': jb_raw(b, "\\n", 2); break;
            case '\t': jb_raw(b, "\\t", 2); break;
            case '\r': jb_raw(b, "\\r", 2); break;
            case '\b': jb_raw(b, "\\b", 2); break;
            case '\f': jb_raw(b, "\\f", 2); break;
            default: jb_printf(b, "\\u%04x", ch); break;
            }
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                jb_raw(b, "\\ufffd", 6); /* not UTF-8: replacement character */
                p++;
            } else {
                jb_raw(b, (const char *)p, n);
                p += n;
            }
        }
    }
    jb_raw(b, "\"", 1);
}

/* Shortest of %.15g / %.17g that reads back exactly; null when not finite. */
static void jb_num(jbuf *b, double x)
{
    char tmp[64];
    if (!isfinite(x)) {
        jb_raw(b, "null", 4);
        return;
    }
    snprintf(tmp, sizeof tmp, "%.15g", x);
    if (strtod(tmp, NULL) != x)
        snprintf(tmp, sizeof tmp, "%.17g", x);
    jb_raw(b, tmp, strlen(tmp));
}

static void jb_u64(jbuf *b, uint64_t x)
{
    jb_printf(b, "%llu", (unsigned long long)x);
}

/* ------------------------------------------------------------------------------------- */
/* Run state.                                                                             */

static struct {
    const snn_model *model;
    snn_config cfg;
    snn_run run;
    const char *pop_names[SNN_MAX_POPS];
    int recorded[SNN_MAX_POPS];
    char *files[SNN_MAX_POPS]; /* recorder paths once closed or aborted */
    char *vfiles[SNN_MAX_POPS]; /* variable recorder paths, likewise */
    char *sfiles[SNN_MAX_POPS]; /* synapse recorder paths, likewise */
    int output_ready;
    uint64_t steps_done;
    uint64_t first_step;         /* --restore: the checkpoint's step; else 0 */
    double t_sim;
    double codegen_s, compile_s; /* NAN when unknown */
    int signal;                  /* the signal that stopped the run, or 0 */
    char json_path[4200];
    char rank_dir[4200];   /* with several ranks: <output>/.rank<r>, where this rank records */
    /* over the ranks, for run.json: min, median, max */
    double st_construct[3], st_init[3], st_sim[3], st_update[3], st_deliver[3], st_comm[3],
        st_wait[3], st_rss[3], st_bytes[3], st_state[3];
    int have_stats;
    int verbose;                 /* -v: the step threads' choice on stderr */
} G;

static volatile sig_atomic_t g_stop; /* the signal that asked to stop, or 0 */
static volatile sig_atomic_t g_ckpt; /* SIGUSR1: write a checkpoint and go on */

static void on_usr1(int sig)
{
    (void)sig;
    g_ckpt = 1;
}

/* The heartbeat thread (rank 0): rewrites run.json every g_hb_s seconds of wall time while
 * the run goes on, so that a reader can tell a live run from a dead one ("updated").  The
 * lock orders every write of run.json; g_final says a final status is written, after which
 * the thread writes nothing. */
static pthread_mutex_t g_json_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_t g_hb_thread;
static sem_t g_hb_sem;        /* posted by the signal handler and to stop the thread */
static int g_hb_on;
static volatile int g_hb_quit;
static int g_final;
static double g_hb_s = 5.0;

static void on_signal(int sig)
{
    g_stop = sig;
    if (g_hb_on)
        sem_post(&g_hb_sem); /* async-signal-safe: wakes the heartbeat thread */
}

static double rt_seconds(void)
{
    return (double)(G.steps_done - G.first_step) * G.model->dt / 1000.0;
}

/* Host description pieces. */
static void cpu_model(char *buf, size_t n)
{
    snprintf(buf, n, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) != 0)
            continue;
        char *c = strchr(line, ':');
        if (!c)
            continue;
        c++;
        while (*c == ' ' || *c == '\t')
            c++;
        c[strcspn(c, "\n")] = '\0';
        snprintf(buf, n, "%s", c);
        break;
    }
    fclose(f);
}

/* Reads codegen_s and compile_s from <dir of the executable>/build.yaml. */
static void read_build_yaml(void)
{
    char exe[4096], path[4200];
    G.codegen_s = G.compile_s = NAN;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = '\0';
    snprintf(path, sizeof path, "%s/build.yaml", exe);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    yaml_parser_t ps;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&ps)) {
        fclose(f);
        return;
    }
    yaml_parser_set_input_file(&ps, f);
    if (yaml_parser_load(&ps, &doc)) {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root && root->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
                 pr < root->data.mapping.pairs.top; pr++) {
                yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
                yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
                if (!k || !v || k->type != YAML_SCALAR_NODE || v->type != YAML_SCALAR_NODE)
                    continue;
                char *end;
                double x = strtod((const char *)v->data.scalar.value, &end);
                if (*end || end == (char *)v->data.scalar.value)
                    continue;
                if (strcmp((const char *)k->data.scalar.value, "codegen_s") == 0)
                    G.codegen_s = x;
                else if (strcmp((const char *)k->data.scalar.value, "compile_s") == 0)
                    G.compile_s = x;
            }
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&ps);
    fclose(f);
}

static char *build_json(const char *status, const char *error)
{
    const snn_model *m = G.model;
    const snn_run *run = &G.run;
    jbuf b = {NULL, 0, 0};
    char tmp[1024];
    double sim_s = rt_seconds();

    jb_printf(&b, "{\n  \"schema\": 1,\n  \"status\": ");
    jb_str(&b, status);
    if (error) {
        jb_printf(&b, ",\n  \"error\": ");
        jb_str(&b, error);
    }
    {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        time_t secs = now.tv_sec;
        struct tm tm;
        char iso[64] = "";
        if (gmtime_r(&secs, &tm))
            strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
        jb_printf(&b, ",\n  \"process\": {\"pid\": %ld, \"rank\": %d, \"updated\": ",
                  (long)getpid(), G.run.rank);
        jb_str(&b, iso);
        jb_printf(&b, ", \"updated_unix\": %.3f, \"heartbeat_s\": ",
                  (double)now.tv_sec + 1e-9 * (double)now.tv_nsec);
        jb_num(&b, g_hb_s);
        jb_printf(&b, ", \"signal\": ");
        if (G.signal)
            jb_str(&b, G.signal == SIGINT ? "SIGINT" : G.signal == SIGTERM ? "SIGTERM" : "other");
        else
            jb_raw(&b, "null", 4);
        jb_printf(&b, "}");
    }

    jb_printf(&b, ",\n  \"model\": {\"name\": ");
    jb_str(&b, m->name);
    jb_printf(&b, ", \"file\": ");
    jb_str(&b, m->model_file);
    jb_printf(&b, ", \"hash\": ");
    jb_str(&b, m->model_hash);
    jb_printf(&b, ", \"precision\": ");
    jb_str(&b, m->precision);
    jb_printf(&b, ", \"backend\": ");
    jb_str(&b, m->backend);
    jb_printf(&b, ", \"dt_ms\": ");
    jb_num(&b, m->dt);
    jb_printf(&b, ", \"snncc_version\": ");
    jb_str(&b, m->snncc_version);
    jb_printf(&b, "},\n  \"runtime\": {\"version\": ");
    jb_str(&b, SNNRT_VERSION);

    jb_printf(&b, "},\n  \"run\": {\"duration_ms\": ");
    jb_num(&b, G.cfg.duration_ms);
    jb_printf(&b, ", \"steps\": ");
    jb_u64(&b, run->n_steps);
    jb_printf(&b, ", \"steps_done\": ");
    jb_u64(&b, G.steps_done);
    jb_printf(&b, ", \"seed\": ");
    jb_u64(&b, G.cfg.seed);
    {
        uint64_t rs;
        const char *from = rt_ckpt_restored_from(&rs);
        if (from[0]) { /* --restore */
            jb_printf(&b, ", \"restored_from\": {\"dir\": ");
            jb_str(&b, from);
            jb_printf(&b, ", \"step\": ");
            jb_u64(&b, rs);
            double ws, ls;
            uint64_t wb;
            rt_ckpt_timing(&ws, &wb, &ls);
            jb_printf(&b, ", \"load_s\": ");
            jb_num(&b, ls);
            jb_printf(&b, "}");
        }
        int nc;
        uint64_t last = rt_ckpt_last(&nc);
        if (G.cfg.ckpt_dir[0]) {
            jb_printf(&b, ", \"checkpoint\": {\"dir\": ");
            jb_str(&b, G.cfg.ckpt_dir);
            jb_printf(&b, ", \"written\": %d, \"last_step\": ", nc);
            if (last == UINT64_MAX)
                jb_raw(&b, "null", 4);
            else
                jb_u64(&b, last);
            double ws, ls;
            uint64_t wb;
            rt_ckpt_timing(&ws, &wb, &ls);
            jb_printf(&b, ", \"last_write_s\": ");
            jb_num(&b, ws);
            jb_printf(&b, ", \"last_bytes\": ");
            jb_u64(&b, wb);
            jb_printf(&b, ", \"sync\": \"%s\"}", G.cfg.ckpt_sync_files ? "files" : "filesystem");
        }
    }
    /* the random-number layout (snn_philox.h, docs/architecture.md "Random numbers") */
    jb_printf(&b, ", \"rng\": {\"generator\": \"philox4x32-10\", \"version\": %d}",
              SNN_RNG_VERSION);
    if (m->batch) { /* batched models: the lanes, and each lane's spikes and checksums */
        const uint32_t nl = run->lanes_all ? run->lanes_all : 1;
        jb_printf(&b, ", \"batch\": {\"lanes\": %u, \"lane_offset\": %u, \"per_lane\": [",
                  nl, run->lane_offset);
        for (uint32_t l = 0; l < nl && G.have_stats; l++) { /* at the end: not mid-step */
            jb_printf(&b, "%s{\"lane\": %u, \"spikes\": [", l ? ", " : "", l);
            for (int p = 0; p < m->n_pops; p++) {
                jb_printf(&b, "%s", p ? ", " : "");
                jb_u64(&b, rt_lane_spikes(run, l, p));
            }
            jb_printf(&b, "], \"final_checksum\": [");
            for (int q = 0; q < m->n_projs && q < SNN_MAX_POPS; q++) {
                uint64_t x;
                if (rt_lane_final(run, l, q, &x) && G.have_stats)
                    jb_printf(&b, "%s\"%016llx\"", q ? ", " : "", (unsigned long long)x);
                else
                    jb_printf(&b, "%snull", q ? ", " : "");
            }
            jb_printf(&b, "]}");
        }
        jb_printf(&b, "]}");
    }
    jb_printf(&b, ", \"config\": ");
    jb_str(&b, G.cfg.source[0] ? G.cfg.source : NULL);
    jb_printf(&b, ", \"output\": ");
    jb_str(&b, G.cfg.output);

    struct utsname u;
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    jb_printf(&b, "},\n  \"host\": {\"hostname\": ");
    jb_str(&b, host);
    if (uname(&u) == 0) {
        snprintf(tmp, sizeof tmp, "%s %s", u.sysname, u.release);
        jb_printf(&b, ", \"os\": ");
        jb_str(&b, tmp);
        jb_printf(&b, ", \"machine\": ");
        jb_str(&b, u.machine);
    } else {
        jb_printf(&b, ", \"os\": null, \"machine\": null");
    }
    cpu_model(tmp, sizeof tmp);
    jb_printf(&b, ", \"cpu\": ");
    jb_str(&b, tmp);
    jb_printf(&b, ", \"cores\": %ld", sysconf(_SC_NPROCESSORS_ONLN));

    jb_printf(&b, "},\n  \"timers\": {\"codegen_s\": ");
    jb_num(&b, G.codegen_s);
    jb_printf(&b, ", \"compile_s\": ");
    jb_num(&b, G.compile_s);
    jb_printf(&b, ", \"construction_s\": ");
    jb_num(&b, run->t_construct);
    jb_printf(&b, ", \"init_s\": ");
    jb_num(&b, run->t_init);
    jb_printf(&b, ", \"simulation_s\": ");
    jb_num(&b, G.t_sim);
    jb_printf(&b, ", \"real_time_factor\": ");
    jb_num(&b, sim_s > 0 ? G.t_sim / sim_s : NAN);

    jb_printf(&b, "},\n  \"parallel\": {\"ranks\": %d, \"threads\": %d, \"exchange\": ",
              run->ranks, G.cfg.threads);
    jb_str(&b, run->exchange == SNN_EXCHANGE_P2P ? "p2p" : "collective");
    jb_printf(&b, ", \"comm_interval_steps\": %u, \"min_delay_steps\": %u, \"overlap\": %s, "
                  "\"decomposition\": \"blocks\", \"mpi\": %s",
              run->interval, run->min_delay_steps ? run->min_delay_steps : run->interval,
              run->overlap ? "true" : "false", rt_par_is_mpi() ? "true" : "false");
    jb_printf(&b, ", \"synapse_pages\": ");
    jb_str(&b, G.cfg.synapse_pages ? "small" : "huge");
    if (G.have_stats) {
        /* the step threads (rank 0's; docs/parallel.md "Threads in the step loop"), once
         * the step loop is over (the heartbeat thread writes run.json during it) */
        const rt_step_info *si = rt_steps_info();
        jb_printf(&b, ", \"blocks\": %d, \"blocks_choice\": ", run->blocks > 0 ? run->blocks : 1);
        jb_str(&b, run->blocks_choice ? run->blocks_choice : "none");
        jb_printf(&b, ", \"blocks_work_per_join_us\": ");
        jb_num(&b, run->blocks_work_s >= 0 ? run->blocks_work_s * 1e6 : NAN);
        jb_printf(&b, ", \"blocks_why\": ");
        jb_str(&b, run->blocks_why);
        jb_printf(&b, ", \"step_threads\": %d, \"step_threads_choice\": ",
                  si->mode ? si->threads : 1);
        jb_str(&b, si->mode ? si->mode : "none");
        jb_printf(&b, ", \"step_probe\": {\"one_thread_step_s\": ");
        jb_num(&b, si->t1 >= 0 ? si->t1 : NAN);
        jb_printf(&b, ", \"one_thread_work_s\": ");
        jb_num(&b, si->probes ? si->c1 : NAN);
        jb_printf(&b, ", \"one_thread_work_per_join_s\": ");
        jb_num(&b, si->probes ? si->cj : NAN);
        jb_printf(&b, ", \"threads_step_s\": ");
        jb_num(&b, si->tw >= 0 ? si->tw : NAN);
        jb_printf(&b, ", \"turn_ratio\": "); /* what decided: below 1, the threads */
        jb_num(&b, si->ratio >= 0 ? si->ratio : NAN);
        jb_printf(&b, ", \"others_running\": ");
        jb_num(&b, si->others_running >= 0 ? si->others_running : NAN);
        jb_printf(&b, ", \"threads_by_check\": %s", si->by_check ? "true" : "false");
        jb_printf(&b, ", \"probes\": %d, \"switches\": %d, \"steps_threaded\": %llu, "
                      "\"regions\": %llu, \"master_sleeps\": %llu, \"worker_sleeps\": %llu, "
                      "\"blocks_stolen\": %llu",
                  si->probes, si->switches, (unsigned long long)si->steps_threaded,
                  (unsigned long long)si->regions, (unsigned long long)si->master_sleeps,
                  (unsigned long long)si->worker_sleeps, (unsigned long long)si->blocks_stolen);
        jb_printf(&b, ", \"run_checks\": %d, \"run_losses\": %d, \"run_trials\": %d, "
                      "\"run_ratio\": ",
                  si->run_checks, si->run_losses, si->run_trials);
        jb_num(&b, si->run_ratio >= 0 ? si->run_ratio : NAN);
        jb_printf(&b, ", \"probe_cost_s\": ");
        jb_num(&b, si->probe_cost_s);
        jb_printf(&b, ", \"probe_cost_max_s\": ");
        jb_num(&b, si->probe_cost_max_s);
        {
            /* the threaded regions' wall time and each worker's share of it (the rest of
             * region_s is that worker's wait at the joins) */
            double region_s;
            int nb;
            const double *busy;
            rt_pool_busy(&region_s, &nb, &busy);
            jb_printf(&b, ", \"region_s\": ");
            jb_num(&b, region_s);
            jb_printf(&b, ", \"busy_s\": [");
            for (int w = 0; w < nb; w++) {
                jb_printf(&b, "%s", w ? ", " : "");
                jb_num(&b, busy[w]);
            }
            jb_printf(&b, "]}");
        }
        /* joins of the step threads: once per window of up to window_steps steps */
        jb_printf(&b, ", \"window_steps\": %u, \"joins_per_step\": ", si->window);
        jb_num(&b, si->steps_threaded ? (double)si->regions / (double)si->steps_threaded : NAN);
    }
    if (G.have_stats) {
        static const char *const names[] = {"construction_s", "init_s", "simulation_s",
                                            "update_s", "deliver_s", "communicate_s", "wait_s"};
        const double *st[] = {G.st_construct, G.st_init, G.st_sim, G.st_update,
                              G.st_deliver, G.st_comm, G.st_wait};
        jb_printf(&b, "},\n  \"rank_timers\": {");
        for (int k = 0; k < 7; k++) {
            jb_printf(&b, "%s\"%s\": {\"min\": ", k ? ", " : "", names[k]);
            jb_num(&b, st[k][0]);
            jb_printf(&b, ", \"median\": ");
            jb_num(&b, st[k][1]);
            jb_printf(&b, ", \"max\": ");
            jb_num(&b, st[k][2]);
            jb_printf(&b, "}");
        }
        jb_printf(&b, "},\n  \"rank_memory\": {\"peak_rss_bytes\": {\"min\": %.0f, "
                      "\"median\": %.0f, \"max\": %.0f}, \"state_bytes_peak\": {\"min\": %.0f, "
                      "\"median\": %.0f, \"max\": %.0f}",
                  G.st_rss[0], G.st_rss[1], G.st_rss[2], G.st_state[0], G.st_state[1],
                  G.st_state[2]);
        jb_printf(&b, "},\n  \"exchange\": {\"bytes_sent\": {\"min\": %.0f, \"median\": "
                      "%.0f, \"max\": %.0f}, \"intervals\": %llu",
                  G.st_bytes[0], G.st_bytes[1], G.st_bytes[2],
                  (unsigned long long)(run->interval
                                           ? (G.steps_done + run->interval - 1) / run->interval
                                           : 0));
    }

    uint64_t neurons = 0, syn = 0, syn_bytes = 0;
    for (int p = 0; p < m->n_pops; p++)
        neurons += m->pops[p].n;
    for (int q = 0; q < m->n_projs && q < SNN_MAX_POPS; q++) {
        syn += run->n_synapses[q];
        syn_bytes += run->syn_bytes[q];
    }
    jb_printf(&b, "},\n  \"sizes\": {\"neurons\": ");
    jb_u64(&b, neurons);
    jb_printf(&b, ", \"synapses\": ");
    jb_u64(&b, syn);
    jb_printf(&b, ", \"synapse_bytes\": ");
    jb_u64(&b, syn_bytes);
    jb_printf(&b, ", \"state_bytes_peak\": ");
    jb_u64(&b, snn_bytes_peak());
    jb_printf(&b, "},\n  \"memory\": {\"peak_rss_bytes\": ");
    jb_u64(&b, G.have_stats ? (uint64_t)G.st_rss[2] : snn_peak_rss());

    jb_printf(&b, "},\n  \"populations\": [");
    for (int p = 0; p < m->n_pops; p++) {
        const snn_pop_desc *pd = &m->pops[p];
        /* batches: the spikes of all lanes, the rate per neuron and lane */
        const uint32_t nl = run->lane_io && G.have_stats ? run->lanes_all : 1;
        double denom = (double)pd->n * sim_s * (double)nl;
        uint64_t spikes = 0;
        for (uint32_t l = 0; l < nl; l++)
            spikes += rt_lane_spikes(run, l, p);
        jb_printf(&b, "%s\n    {\"name\": ", p ? "," : "");
        jb_str(&b, pd->name);
        jb_printf(&b, ", \"size\": %lu, \"spikes\": ", (unsigned long)pd->n);
        jb_u64(&b, spikes);
        jb_printf(&b, ", \"rate_hz\": ");
        jb_num(&b, denom > 0 ? (double)spikes / denom : NAN);
        jb_printf(&b, ", \"recorded\": %s, \"file\": ", G.recorded[p] ? "true" : "false");
        jb_str(&b, G.recorded[p] ? G.files[p] : NULL);
        jb_printf(&b, "}");
    }
    jb_printf(&b, "%s],\n  \"projections\": [", m->n_pops ? "\n  " : "");
    for (int q = 0; q < m->n_projs && q < SNN_MAX_POPS; q++) {
        const snn_proj_desc *pj = &m->projs[q];
        jb_printf(&b, "%s\n    {\"name\": ", q ? "," : "");
        jb_str(&b, pj->name);
        jb_printf(&b, ", \"pre\": ");
        jb_str(&b, pj->pre >= 0 && pj->pre < m->n_pops ? m->pops[pj->pre].name : NULL);
        jb_printf(&b, ", \"post\": ");
        jb_str(&b, pj->post >= 0 && pj->post < m->n_pops ? m->pops[pj->post].name : NULL);
        jb_printf(&b, ", \"synapses\": ");
        jb_u64(&b, run->n_synapses[q]);
        jb_printf(&b, ", \"bytes\": ");
        jb_u64(&b, run->syn_bytes[q]);
        jb_printf(&b, ", \"checksum\": \"%016llx\"", (unsigned long long)run->syn_checksum[q]);
        if (run->has_final[q] && G.have_stats) /* synapses that change: as they are at the end */
            jb_printf(&b, ", \"final_checksum\": \"%016llx\"",
                      (unsigned long long)run->syn_final[q]);
        jb_printf(&b, "}");
    }
    jb_printf(&b, "%s],\n", m->n_projs ? "\n  " : "");
    if (snn_rewire_count() > 0) { /* connectivity updates: every rank's counts */
        jb_printf(&b, "  \"connectivity_updates\": [");
        for (int k = 0; k < snn_rewire_count(); k++) {
            const snn_rewire_stats *rw = snn_rewire_get(k);
            jb_printf(&b, "%s\n    {\"name\": ", k ? "," : "");
            jb_str(&b, rw->name);
            jb_printf(&b, ", \"projection\": ");
            jb_str(&b, rw->proj);
            jb_printf(&b, ", \"max_row_length\": %lu, \"runs\": ", (unsigned long)rw->capacity);
            jb_u64(&b, rw->runs);
            jb_printf(&b, ", \"removed\": ");
            jb_u64(&b, rw->removed);
            jb_printf(&b, ", \"added\": ");
            jb_u64(&b, rw->added);
            jb_printf(&b, ", \"failed\": ");
            jb_u64(&b, rw->failed);
            jb_printf(&b, ", \"synapses\": ");
            jb_u64(&b, rw->synapses);
            jb_printf(&b, ", \"update_s\": ");
            jb_num(&b, rw->update_s);
            jb_printf(&b, ", \"columns_s\": ");
            jb_num(&b, rw->columns_s);
            jb_printf(&b, ", \"redrawn\": ");
            jb_u64(&b, rw->redraws);
            jb_printf(&b, ", \"full_row_draws\": ");
            jb_u64(&b, rw->full_draws);
            jb_printf(&b, "}");
        }
        jb_printf(&b, "\n  ],\n");
    }
    jb_printf(&b, "  \"recordings\": [");
    for (int k = 0; k < m->n_varrecs && k < SNN_MAX_POPS; k++) {
        const snn_varrec_desc *vd = &m->varrecs[k];
        jb_printf(&b, "%s\n    {\"population\": ", k ? "," : "");
        jb_str(&b, vd->pop >= 0 && vd->pop < m->n_pops ? m->pops[vd->pop].name : NULL);
        if (vd->owner) {
            jb_printf(&b, ", \"custom_update\": ");
            jb_str(&b, vd->owner);
        }
        jb_printf(&b, ", \"var\": ");
        jb_str(&b, vd->var);
        jb_printf(&b, ", \"every\": %lu, \"neurons\": %lu, \"file\": ", (unsigned long)vd->every,
                  (unsigned long)vd->n_cols);
        jb_str(&b, G.vfiles[k]);
        jb_printf(&b, "}");
    }
    for (int k = 0; k < m->n_synrecs && k < SNN_MAX_POPS; k++) {
        const snn_synrec_desc *sd = &m->synrecs[k];
        jb_printf(&b, "%s\n    {\"projection\": ", k + m->n_varrecs ? "," : "");
        jb_str(&b, sd->proj >= 0 && sd->proj < m->n_projs ? m->projs[sd->proj].name : NULL);
        if (sd->owner) {
            jb_printf(&b, ", \"custom_update\": ");
            jb_str(&b, sd->owner);
        }
        jb_printf(&b, ", \"var\": ");
        jb_str(&b, sd->var);
        if (sd->every)
            jb_printf(&b, ", \"every\": %lu", (unsigned long)sd->every);
        else
            jb_printf(&b, ", \"every\": null");
        jb_printf(&b, ", \"file\": ");
        jb_str(&b, G.sfiles[k]);
        jb_printf(&b, "}");
    }
    jb_printf(&b, "%s],\n  \"spike_times\": {",
              m->n_varrecs + m->n_synrecs > 0 ? "\n  " : "");
    for (int k = 0; k < G.cfg.n_spike_times; k++) {
        jb_printf(&b, "%s", k ? ", " : "");
        jb_str(&b, G.cfg.spike_times[k].pop);
        jb_printf(&b, ": ");
        jb_str(&b, G.cfg.spike_times[k].path);
    }
    jb_printf(&b, "},\n  \"datasets\": {");
    for (int k = 0; k < snn_datasets_used(); k++) { /* the data sets read (rt_dataset.c) */
        const char *dp;
        uint32_t len;
        uint64_t ne, np, seed;
        snn_dataset_used(k, &dp, &len, &ne, &np, &seed);
        const struct snn_dataset_set *dc = NULL;
        for (int q = 0; q < G.cfg.n_datasets; q++)
            if (!strcmp(G.cfg.datasets[q].pop, dp))
                dc = &G.cfg.datasets[q];
        if (!dc)
            continue;
        jb_printf(&b, "%s", k ? ", " : "");
        jb_str(&b, dp);
        jb_printf(&b, ": {\"file\": ");
        jb_str(&b, dc->path);
        if (dc->labels[0]) { /* IDX images (rt_idx.c): the labels and the encoding */
            jb_printf(&b, ", \"labels\": ");
            jb_str(&b, dc->labels);
            jb_printf(&b, ", \"encode\": \"log_latency\", \"tau\": %.17g, "
                          "\"threshold\": %.17g", dc->tau, dc->threshold);
        }
        if (dc->limit)
            jb_printf(&b, ", \"limit\": %llu", (unsigned long long)dc->limit);
        jb_printf(&b, ", \"order\": \"%s\", \"seed\": %llu, \"example_steps\": %u, "
                      "\"examples\": %llu, \"start\": %llu, \"presented\": %llu}",
                  dc->shuffle ? "shuffle" : "sequential", (unsigned long long)seed, len,
                  (unsigned long long)ne, (unsigned long long)dc->start,
                  (unsigned long long)np);
    }
    jb_printf(&b, "},\n  \"data\": {");
    for (int k = 0; k < snn_data_files(); k++) { /* the data files read (rt_data.c) */
        const char *dn, *dp;
        snn_data_file(k, &dn, &dp);
        jb_printf(&b, "%s", k ? ", " : "");
        jb_str(&b, dn);
        jb_printf(&b, ": ");
        jb_str(&b, dp);
    }
    jb_printf(&b, "},\n  \"runtime_params\": {");
    for (int k = 0; k < m->n_rparams; k++) {
        jb_printf(&b, "%s", k ? ", " : "");
        jb_str(&b, m->rparams[k].name);
        jb_printf(&b, ": %.17g", *m->rparams[k].value);
    }
    jb_printf(&b, "}");
    char *tj = rt_train_json(); /* the training loop's epochs (rt_train.c) */
    if (tj) {
        jb_printf(&b, ",\n  \"training\": ");
        jb_raw(&b, tj, strlen(tj));
        free(tj);
    }
    jb_printf(&b, "\n}\n");
    return b.s;
}

/* run.json holds a status written by another rank's failure (fatal_hook)? */
static int json_says_failed(void)
{
    char buf[256];
    FILE *f = fopen(G.json_path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, "\"status\": \"failed\"") != NULL;
}

/* Write run.json.  Rank 0 writes it, or any rank with 'any_rank' (a failure of its own). 
 * 'final': the run's last word; later heartbeats write nothing. */
static int write_json_as(const char *status, const char *error, int any_rank, int final)
{
    if (G.run.rank != 0 && !any_rank)
        return 0;
    pthread_mutex_lock(&g_json_lock);
    if (final)
        g_final = 1;
    char *s = build_json(status, error);
    int rc = snn_write_file_atomic(G.json_path, s, strlen(s));
    int e = errno;
    pthread_mutex_unlock(&g_json_lock);
    free(s);
    errno = e;
    return rc;
}

static int write_json(const char *status, const char *error)
{
    return write_json_as(status, error, 0, strcmp(status, "running") != 0);
}

static void *heartbeat_main(void *arg)
{
    (void)arg;
    int said_signal = 0;
    for (;;) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        double whole = floor(g_hb_s);
        dl.tv_sec += (time_t)whole;
        dl.tv_nsec += (long)((g_hb_s - whole) * 1e9);
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        while (sem_timedwait(&g_hb_sem, &dl) != 0 && errno == EINTR && !g_hb_quit)
            ;
        if (g_hb_quit)
            break;
        pthread_mutex_lock(&g_json_lock);
        int skip = g_final || json_says_failed(); /* another rank's failure stays */
        pthread_mutex_unlock(&g_json_lock);
        if (skip)
            continue;
        if (g_stop && G.run.ranks > 1) {
            /* A signal with several ranks: the ranks stop together at the next agreement,
             * and then the final status replaces this one.  If that never comes (mpirun
             * ends the job because a rank died, and this rank waits on it), this stays. */
            if (!said_signal) {
                char msg[256];
                G.signal = g_stop;
                snprintf(msg, sizeof msg, "stopped by %s before the ranks could stop together: "
                         "if this status stays, the job was ended from outside (an MPI rank "
                         "died, or the scheduler ended the job)",
                         g_stop == SIGINT ? "SIGINT" : g_stop == SIGTERM ? "SIGTERM" : "a signal");
                write_json_as("failed", msg, 0, 0);
                said_signal = 1;
            }
            continue;
        }
        if (!said_signal)
            write_json_as("running", NULL, 0, 0);
    }
    return NULL;
}

static void heartbeat_start(void)
{
    const char *env = getenv("SNN_HEARTBEAT_S");
    if (env && *env) {
        char *end;
        double v = strtod(env, &end);
        if (*end || !(v >= 0.05 && v <= 86400))
            snn_fatal("SNN_HEARTBEAT_S='%s': expected seconds between 0.05 and 86400", env);
        g_hb_s = v;
    }
    if (G.run.rank != 0)
        return;
    if (sem_init(&g_hb_sem, 0, 0) != 0)
        return;
    g_hb_quit = 0;
    if (pthread_create(&g_hb_thread, NULL, heartbeat_main, NULL) != 0) {
        sem_destroy(&g_hb_sem);
        return;
    }
    g_hb_on = 1;
}

static void heartbeat_stop(void)
{
    if (!g_hb_on)
        return;
    g_hb_quit = 1;
    sem_post(&g_hb_sem);
    pthread_join(g_hb_thread, NULL);
    g_hb_on = 0;
    sem_destroy(&g_hb_sem);
}

/* Where this rank's recorders write: the output directory, or with several ranks its own
 * subdirectory, merged by rank 0 at the end. */
static const char *rec_dir(void)
{
    return G.rank_dir[0] ? G.rank_dir : G.cfg.output;
}

/* The name a variable recorder's file has while it is being written. */
static char *varrec_part_name(int k)
{
    const snn_varrec_desc *vd = &G.model->varrecs[k];
    const char *pop = SNN_VARREC_PREFIX(G.model, vd), *var = vd->var ? vd->var : "?";
    size_t n = strlen(rec_dir()) + strlen(pop) + strlen(var) + 32;
    char *part = malloc(n);
    if (part)
        snprintf(part, n, "%s/%s_%s.npy.part", rec_dir(), pop, var);
    return part;
}

/* Likewise for synapse recorder k. */
static char *synrec_part_name(int k)
{
    const snn_synrec_desc *sd = &G.model->synrecs[k];
    const char *proj = SNN_SYNREC_PREFIX(G.model, sd), *var = sd->var ? sd->var : "?";
    size_t n = strlen(rec_dir()) + strlen(proj) + strlen(var) + 32;
    char *part = malloc(n);
    if (part)
        snprintf(part, n, "%s/%s_%s.npy.part", rec_dir(), proj, var);
    return part;
}

static void fatal_hook(const char *msg)
{
    if (!G.output_ready)
        return;
    for (int k = 0; k < G.model->n_synrecs; k++)
        if (G.run.synrec[k] && !G.sfiles[k])
            G.sfiles[k] = synrec_part_name(k);
    for (int k = 0; k < G.model->n_varrecs; k++)
        if (G.run.varrec[k] && !G.vfiles[k])
            G.vfiles[k] = varrec_part_name(k);
    /* Recorders still open end up under their .part names (aborted below). */
    for (int p = 0; p < G.model->n_pops; p++) {
        if (G.run.rec[p] && !G.files[p]) {
            size_t n = strlen(rec_dir()) + strlen(G.model->pops[p].name) + 32;
            char *part = malloc(n);
            if (part)
                snprintf(part, n, "%s/spikes_%s.npy.part", rec_dir(), G.model->pops[p].name);
            G.files[p] = part;
        }
    }
    /* A failure of this rank alone (not one every rank meets, which rank 0 reports):
     * this rank writes run.json itself, as every rank is about to be ended. */
    int own = G.run.ranks > 1 && G.run.rank != 0 && !rt_par_collective();
    char *full = NULL;
    if (own) {
        size_t n = strlen(msg) + 64;
        full = malloc(n);
        if (full)
            snprintf(full, n, "rank %d of %d: %s", G.run.rank, G.run.ranks, msg);
    }
    if (G.run.rank == 0 || own) {
        if (write_json_as("failed", full ? full : msg, own, 1) != 0)
            fprintf(stderr, "%s: error: cannot write '%s': %s\n", snn_progname(), G.json_path,
                    strerror(errno));
    }
    free(full);
    /* Best effort: a recorder that cannot be written (the error may be its own) is left
     * as it is, with a header that matches what reached the file. */
    for (int p = 0; p < G.model->n_pops; p++) {
        snn_recorder *r = G.run.rec[p];
        G.run.rec[p] = NULL;
        if (r)
            snn_recorder_abandon(r);
    }
    for (int k = 0; k < G.model->n_varrecs; k++) {
        snn_varrec *r = G.run.varrec[k];
        G.run.varrec[k] = NULL;
        if (r)
            snn_varrec_abandon(r);
    }
    for (int k = 0; k < G.model->n_synrecs; k++) {
        snn_synrec *r = G.run.synrec[k];
        G.run.synrec[k] = NULL;
        if (r)
            snn_synrec_abandon(r);
    }
}

/* ------------------------------------------------------------------------------------- */
/* Command line.                                                                          */

static void usage(FILE *f, const snn_model *m)
{
    char seedline[64];
    snprintf(seedline, sizeof seedline, "seed: %llu", (unsigned long long)m->seed);
    fprintf(f,
            "usage: %s [options]\n"
            "\n"
            "Simulates the spiking network model '%s' (%s), compiled by snncc %s.\n"
            "\n"
            "options:\n"
            "  --config FILE   read the run config (YAML) from FILE\n"
            "  --time MS       simulate MS milliseconds (config key 'duration')\n"
            "  --seed N        random seed, a non-negative integer (config key 'seed')\n"
            "  --output DIR    directory for run.json and spikes_<pop>.npy (key 'output')\n"
            "  --set KEY=VALUE set a config key, e.g. --set record.E=none (repeatable;\n"
            "                  applied after the config file, whatever the order)\n"
            "  --quiet         no summary on stdout, no progress line (config key 'quiet')\n"
            "  -v, --verbose   say on stderr how many step threads the run uses, and why\n"
            "  --recover DIR   repair the .part recordings a killed run left in DIR (and\n"
            "                  DIR/.rank*/), merge the ranks' spikes, and exit\n"
            "  --help          show this help and exit\n"
            "  --version       show versions and exit\n"
            "\n"
            "config keys (YAML mapping):\n"
            "  duration: 1000       ms of biological time (default 1000)\n"
            "  %-20s random seed (default: the model's)\n"
            "  output: DIR          output directory (default '%s_out')\n"
            "  record:              per population: spikes | none (default: the model's)\n"
            "    POP: spikes\n"
            "  quiet: false         true | false\n"
            "  threads: 1           construction threads, and at most this many blocks (default 1)\n"
            "  step_threads: auto   threads of the step loop, 1 .. threads (default: auto)\n"
            "  blocks: auto         thread blocks, 1 .. threads (default: auto, from the "
            "model's size)\n"
            "  synapse_pages: huge  huge | small: pages of the synapse arrays (small: faster\n"
            "                       construction here, slower delivery; docs/run.md)\n",
            m->name, m->name, m->model_file ? m->model_file : "?",
            m->snncc_version ? m->snncc_version : "?", seedline, m->name);
    if (m->batch) /* batched models (network{ batch }) */
        fprintf(f, "  batch: %-12d lanes (default: the model's)\n"
                   "  lane_offset: 0       the global lane of lane 0 (its random numbers)\n",
                m->batch);
    if (m->n_pops > 0) {
        fprintf(f, "populations:");
        for (int p = 0; p < m->n_pops; p++)
            fprintf(f, " %s", m->pops[p].name);
        fprintf(f, "\n");
    }
}

static void usage_error(const char *what, const char *arg)
{
    if (rt_par_rank() != 0)
        return;
    fprintf(stderr, "%s: error: %s '%s' (see --help)\n", snn_progname(), what, arg);
}

typedef enum { OV_TIME, OV_SEED, OV_OUTPUT, OV_QUIET, OV_SET } ov_kind;
typedef struct override {
    ov_kind kind;
    const char *value;
} override;

static int parse_positive(const char *s, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (!*s || *end || errno == ERANGE || !(d > 0) || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t x = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            return -1;
        x = x * 10 + d;
    }
    *out = x;
    return 0;
}

static void print_list_files(const snn_model *m)
{
    printf("outputs: %s", G.json_path);
    for (int p = 0; p < m->n_pops; p++)
        if (G.recorded[p] && G.files[p])
            printf(", %s", G.files[p]);
    for (int k = 0; k < m->n_varrecs; k++)
        if (G.vfiles[k])
            printf(", %s", G.vfiles[k]);
    for (int k = 0; k < m->n_synrecs; k++)
        if (G.sfiles[k])
            printf(", %s", G.sfiles[k]);
    printf("\n");
}

static void print_summary(const snn_model *m, int interrupted)
{
    const snn_run *run = &G.run;
    double sim_ms = (double)G.steps_done * m->dt;
    char b1[32], b2[32];
    if (interrupted)
        printf("%s: interrupted after %.1f of %.1f ms (%llu of %llu steps, dt %g ms), seed %llu\n",
               m->name, sim_ms, (double)run->n_steps * m->dt, (unsigned long long)G.steps_done,
               (unsigned long long)run->n_steps, m->dt, (unsigned long long)G.cfg.seed);
    else
        printf("%s: %.1f ms simulated (%llu steps, dt %g ms), seed %llu\n", m->name, sim_ms,
               (unsigned long long)G.steps_done, m->dt, (unsigned long long)G.cfg.seed);
    int w = 10;
    for (int p = 0; p < m->n_pops; p++) {
        int l = (int)strlen(m->pops[p].name);
        if (l > w)
            w = l;
    }
    const uint32_t nl = run->lane_io ? run->lanes_all : 1; /* batches: all lanes, rate per lane */
    if (nl > 1)
        printf("  %u batch lanes: the spikes of all lanes, the rate per neuron and lane\n", nl);
    printf("  %-*s %10s %10s %11s\n", w, "population", "size", "spikes", "rate (Hz)");
    for (int p = 0; p < m->n_pops; p++) {
        double denom = (double)m->pops[p].n * sim_ms / 1000.0 * (double)nl;
        uint64_t spikes = 0;
        for (uint32_t l = 0; l < nl; l++)
            spikes += rt_lane_spikes(run, l, p);
        printf("  %-*s %10lu %10llu %11.2f\n", w, m->pops[p].name, (unsigned long)m->pops[p].n,
               (unsigned long long)spikes, denom > 0 ? (double)spikes / denom : 0.0);
    }
    printf("timers:");
    if (isfinite(G.codegen_s))
        printf(" codegen %.2f s,", G.codegen_s);
    if (isfinite(G.compile_s))
        printf(" compile %.2f s,", G.compile_s);
    printf(" construction %.2f s, init %.2f s, simulation %.2f s", run->t_construct, run->t_init,
           G.t_sim);
    if (sim_ms > 0)
        printf(", real-time factor %.2f", G.t_sim / (sim_ms / 1000.0));
    printf("\n");
    uint64_t syn = 0, syn_bytes = 0;
    for (int q = 0; q < m->n_projs && q < SNN_MAX_POPS; q++) {
        syn += run->n_synapses[q];
        syn_bytes += run->syn_bytes[q];
    }
    snn_format_bytes(b1, sizeof b1, (double)syn_bytes);
    snn_format_bytes(b2, sizeof b2, (double)snn_peak_rss());
    printf("synapses: %llu (%s), peak RSS %s\n", (unsigned long long)syn, b1, b2);
    print_list_files(m);
}

static int run_main(int argc, char **argv, const snn_model *model);

int snn_main(int argc, char **argv, const snn_model *model)
{
    rt_par_init(&argc, &argv);
    rt_par_set_collective(1);
    int rc = run_main(argc, argv, model);
    rt_par_finalize();
    return rc;
}

/* Columns rank 'rank' holds of a recording of the first n_cols neurons of a population of
 * n, and where they start. */
static uint32_t varrec_cols(uint32_t n, uint32_t n_cols, int rank, int ranks)
{
    uint32_t lo, nl;
    snn_partition(n, rank, ranks, &lo, &nl);
    if (lo >= n_cols)
        return 0;
    return n_cols - lo < nl ? n_cols - lo : nl;
}

/* Rank 0 turns the ranks' recordings into the files one process writes. */
static void merge_outputs(int interrupted)
{
    const snn_model *m = G.model;
    snn_run *run = &G.run;
    const int R = run->ranks;
    const char *suffix = interrupted ? ".npy.part" : ".npy";
    char err[512];
    char **paths = calloc((size_t)R, sizeof *paths);
    uint32_t *cols = calloc((size_t)R, sizeof *cols);
    if (!paths || !cols)
        snn_fatal("out of memory merging the ranks' outputs");
    const int value_bytes = m->precision && strcmp(m->precision, "float") == 0 ? 4 : 8;
    for (int p = 0; p < m->n_pops; p++) {
        if (!G.recorded[p])
            continue;
        for (int r = 0; r < R; r++) {
            size_t n = strlen(G.cfg.output) + strlen(m->pops[p].name) + 64;
            paths[r] = malloc(n);
            if (!paths[r])
                snn_fatal("out of memory merging the ranks' outputs");
            snprintf(paths[r], n, "%s/.rank%d/spikes_%s%s", G.cfg.output, r, m->pops[p].name,
                     suffix);
        }
        snn_recorder *out = snn_recorder_open(G.cfg.output, m->pops[p].name);
        if (rt_par_merge_spikes(out, paths, R, err, sizeof err) != 0)
            snn_fatal("merging the spike files of population '%s': %s", m->pops[p].name, err);
        if (interrupted)
            snn_recorder_abort(out);
        const char *path = snn_recorder_close(out);
        free(G.files[p]);
        G.files[p] = strdup(path);
        snn_recorder_free(out);
        for (int r = 0; r < R; r++) {
            remove(paths[r]);
            free(paths[r]);
            paths[r] = NULL;
        }
    }
    for (int k = 0; k < m->n_varrecs; k++) {
        const snn_varrec_desc *vd = &m->varrecs[k];
        const char *pop = SNN_VARREC_PREFIX(m, vd);
        for (int r = 0; r < R; r++) {
            size_t n = strlen(G.cfg.output) + strlen(pop) + strlen(vd->var) + 64;
            paths[r] = malloc(n);
            if (!paths[r])
                snn_fatal("out of memory merging the ranks' outputs");
            snprintf(paths[r], n, "%s/.rank%d/%s_%s%s", G.cfg.output, r, pop, vd->var, suffix);
            cols[r] = varrec_cols(m->pops[vd->pop].n, vd->n_cols, r, R);
        }
        snn_varrec *out = snn_varrec_open(G.cfg.output, pop, vd->var, vd->n_cols, value_bytes);
        if (rt_par_merge_vars(out, paths, cols, R, value_bytes, err, sizeof err) != 0)
            snn_fatal("merging the recordings of %s.%s: %s", pop, vd->var, err);
        if (interrupted)
            snn_varrec_abort(out);
        const char *path = snn_varrec_close(out);
        free(G.vfiles[k]);
        G.vfiles[k] = strdup(path);
        snn_varrec_free(out);
        for (int r = 0; r < R; r++) {
            remove(paths[r]);
            free(paths[r]);
            paths[r] = NULL;
        }
    }
    for (int k = 0; k < m->n_synrecs; k++) {
        const snn_synrec_desc *sd = &m->synrecs[k];
        const char *proj = SNN_SYNREC_PREFIX(m, sd);
        for (int r = 0; r < R; r++) {
            size_t n = strlen(G.cfg.output) + strlen(proj) + strlen(sd->var) + 64;
            paths[r] = malloc(n);
            if (!paths[r])
                snn_fatal("out of memory merging the ranks' outputs");
            snprintf(paths[r], n, "%s/.rank%d/%s_%s%s", G.cfg.output, r, proj, sd->var, suffix);
        }
        snn_synrec *out = snn_synrec_open(G.cfg.output, proj, sd->var, value_bytes);
        if (rt_par_merge_syn(out, paths, R, err, sizeof err) != 0)
            snn_fatal("merging the recordings of %s.%s: %s", proj, sd->var, err);
        if (interrupted)
            snn_synrec_abort(out);
        const char *path = snn_synrec_close(out);
        free(G.sfiles[k]);
        G.sfiles[k] = strdup(path);
        snn_synrec_free(out);
        for (int r = 0; r < R; r++) {
            remove(paths[r]);
            free(paths[r]);
            paths[r] = NULL;
        }
    }
    for (int r = 0; r < R; r++) {
        char d[4300];
        snprintf(d, sizeof d, "%s/.rank%d", G.cfg.output, r);
        rmdir(d);
    }
    free(paths);
    free(cols);
}

/* ------------------------------------------------------------------------------------- */
/* The step loop's clock: every tk.next steps (adapted so that it reads the clock about
 * every 50 ms of wall time, one comparison per step otherwise) it syncs the recorders
 * every heartbeat and, on a terminal, redraws the progress line at most 4 times a second. */

typedef struct ticker {
    uint64_t next;       /* the step count at which to look at the clock next */
    uint64_t last_steps; /* steps at the last look */
    double last_t;       /* wall time then */
    double t0;           /* the loop's start */
    double sync_t;       /* the last recorder sync */
    double shown_t;      /* the last progress line, and the steps then */
    uint64_t shown_steps;
    double rate;         /* smoothed wall seconds per step */
    int progress;        /* draw the progress line */
    int drawn;
} ticker;

static void ticker_init(ticker *tk, double t0, int progress)
{
    memset(tk, 0, sizeof *tk);
    tk->next = 1;
    tk->last_t = tk->sync_t = tk->shown_t = tk->t0 = t0;
    tk->progress = progress;
}

static void fmt_secs(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 1e9)
        snprintf(buf, n, "?");
    else if (s < 60)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, n, "%d min %02d s", (int)(s / 60), (int)fmod(s, 60));
    else
        snprintf(buf, n, "%d h %02d min", (int)(s / 3600), (int)fmod(s / 60, 60));
}

static void sync_recorders(void)
{
    snn_run *run = &G.run;
    for (int p = 0; p < G.model->n_pops; p++)
        snn_recorder_sync(run->rec[p]);
    for (int k = 0; k < G.model->n_varrecs; k++)
        snn_varrec_sync(run->varrec[k]);
    for (int k = 0; k < G.model->n_synrecs; k++)
        snn_synrec_sync(run->synrec[k]);
}

static void tick(ticker *tk, int last)
{
    const double now = snn_now();
    const uint64_t steps = G.steps_done, total = G.run.n_steps;
    const double dt_ms = G.model->dt;
    if (steps > tk->last_steps && now > tk->last_t) {
        double per = (now - tk->last_t) / (double)(steps - tk->last_steps);
        tk->rate = tk->rate > 0 ? 0.7 * tk->rate + 0.3 * per : per;
        double every = 0.05 / per;
        tk->next = steps + (every < 1 ? 1 : every > 1e6 ? 1000000 : (uint64_t)every);
    } else {
        tk->next = steps + 1;
    }
    tk->last_steps = steps;
    tk->last_t = now;
    if (!last && now - tk->sync_t >= g_hb_s) {
        sync_recorders();
        tk->sync_t = now;
    }
    if (!tk->progress || (!last && now - tk->shown_t < 0.25))
        return;
    double bio_s = (double)(steps - tk->shown_steps) * dt_ms / 1000.0;
    double rtf = bio_s > 0 ? (now - tk->shown_t) / bio_s : NAN;
    if (last) {
        double all = (double)steps * dt_ms / 1000.0;
        rtf = all > 0 ? (now - tk->t0) / all : NAN;
    }
    char eta[48];
    if (last)
        fmt_secs(eta, sizeof eta, now - tk->t0);
    else
        fmt_secs(eta, sizeof eta, tk->rate * (double)(total - steps));
    fprintf(stderr, "\r%s: %.1f of %.1f ms (%.0f%%), real-time factor %.3g, %s %s\033[K%s",
            G.model->name, (double)steps * dt_ms, (double)total * dt_ms,
            total ? 100.0 * (double)steps / (double)total : 100.0, rtf,
            last ? "wall time" : "ETA", eta, last ? "\n" : "");
    fflush(stderr);
    tk->shown_t = now;
    tk->shown_steps = steps;
    tk->drawn = 1;
}

/* ------------------------------------------------------------------------------------- */
/* --recover DIR: the .part files a killed run left.                                      */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Repair every .part file in dir; returns the number of failures. */
static int recover_files(const char *dir)
{
    DIR *d = opendir(dir);
    int bad = 0;
    if (!d)
        return 0;
    struct dirent *e;
    char path[4400], err[512];
    while ((e = readdir(d)) != NULL) {
        if (!ends_with(e->d_name, ".npy.part"))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        uint64_t n = 0, was = 0;
        if (snn_npy_recover(path, &n, &was, err, sizeof err) != 0) {
            fprintf(stderr, "%s: error: %s: %s\n", snn_progname(), path, err);
            bad++;
        } else {
            printf("%s: %llu records (the header said %llu)\n", path, (unsigned long long)n,
                   (unsigned long long)was);
        }
    }
    closedir(d);
    return bad;
}

static int recover_dir(const snn_model *m, const char *dir)
{
    char path[4400], json[4400];
    snprintf(json, sizeof json, "%s/run.json", dir);
    /* refuse a run that is still going on this host */
    FILE *f = fopen(json, "rb");
    char *text = NULL;
    if (f) {
        text = calloc(1, 1 << 20);
        if (text)
            fread(text, 1, (1 << 20) - 1, f);
        fclose(f);
    }
    if (text && strstr(text, "\"status\": \"running\"")) {
        const char *p = strstr(text, "\"pid\": ");
        char host[256] = "", mine[256] = "";
        const char *h = strstr(text, "\"hostname\": \"");
        if (h)
            sscanf(h + 13, "%255[^\"]", host);
        if (gethostname(mine, sizeof mine) != 0)
            mine[0] = '\0';
        long pid = p ? strtol(p + 7, NULL, 10) : 0;
        if (pid > 0 && strcmp(host, mine) == 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
            fprintf(stderr, "%s: error: %s: the run is still going (process %ld on this host); "
                            "stop it first\n", m->name, json, pid);
            free(text);
            return 1;
        }
    }
    int bad = recover_files(dir);
    int ranks = 0;
    for (int r = 0;; r++) {
        snprintf(path, sizeof path, "%s/.rank%d", dir, r);
        DIR *d = opendir(path);
        if (!d)
            break;
        closedir(d);
        bad += recover_files(path);
        ranks = r + 1;
    }
    /* the ranks' spikes into one file per population, as a run that ends merges them */
    for (int p = 0; ranks > 0 && bad == 0 && p < m->n_pops; p++) {
        char **paths = calloc((size_t)ranks, sizeof *paths);
        int n = 0;
        for (int r = 0; paths && r < ranks; r++) {
            snprintf(path, sizeof path, "%s/.rank%d/spikes_%s.npy.part", dir, r,
                     m->pops[p].name);
            if (access(path, R_OK) == 0)
                paths[n++] = strdup(path);
        }
        if (n > 0) {
            char err[512];
            snn_recorder *out = snn_recorder_open(dir, m->pops[p].name);
            if (rt_par_merge_spikes(out, paths, n, err, sizeof err) != 0) {
                fprintf(stderr, "%s: error: merging the spikes of '%s': %s\n", m->name,
                        m->pops[p].name, err);
                bad++;
            }
            snn_recorder_abort(out);
            printf("%s: the spikes of %d rank%s merged\n", snn_recorder_close(out), n,
                   n == 1 ? "" : "s");
            snn_recorder_free(out);
        }
        for (int r = 0; r < n; r++)
            free(paths[r]);
        free(paths);
    }
    /* run.json of a run that died says so from now on */
    static const char running[] = "\"status\": \"running\"", failed[] = "\"status\": \"failed\"";
    char *at = text && bad == 0 && !strstr(text, "\"recovered\": true") ? strstr(text, running)
                                                                     : NULL;
    const char *repl = "\"status\": \"failed\",\n  \"error\": \"the run ended without a word "
                       "(killed?)\",\n  \"recovered\": true";
    size_t old = sizeof running - 1;
    if (!at && text && bad == 0 && !strstr(text, "\"recovered\": true")) {
        at = strstr(text, failed);
        repl = "\"status\": \"failed\",\n  \"recovered\": true";
        old = sizeof failed - 1;
    }
    if (at) {
        size_t n = strlen(text) + strlen(repl) + 1;
        char *out = malloc(n);
        if (out) {
            snprintf(out, n, "%.*s%s%s", (int)(at - text), text, repl, at + old);
            if (snn_write_file_atomic(json, out, strlen(out)) != 0) {
                fprintf(stderr, "%s: error: cannot write '%s': %s\n", m->name, json,
                        strerror(errno));
                bad++;
            } else {
                printf("%s: marked failed and recovered\n", json);
            }
            free(out);
        }
    }
    free(text);
    return bad ? 1 : 0;
}

/* What the steps of run_main share (the rest lives in G). */
typedef struct run_state {
    const char *config_path;
    const char *restore_dir;
    override *ov; /* the command line's overrides, applied after the config file */
    int n_ov;
    char err[8192];
    struct sigaction old_int, old_term, old_usr1;
    int ckpt_on;     /* checkpoints configured */
    int stop;        /* the signal that stopped the step loop, or 0 */
    int interrupted; /* stopped before the last step */
} run_state;

/* the model's tables: within the runtime's limits, recordings naming what exists */
static void check_model_tables(const snn_model *m)
{
    if (m->n_pops > SNN_MAX_POPS || m->n_projs > SNN_MAX_POPS)
        snn_fatal("the model has more than %d populations or projections", SNN_MAX_POPS);
    if (m->n_varrecs > SNN_MAX_POPS)
        snn_fatal("the model records more than %d variables", SNN_MAX_POPS);
    for (int k = 0; k < m->n_varrecs; k++) {
        const snn_varrec_desc *vd = &m->varrecs[k];
        if (vd->pop < 0 || vd->pop >= m->n_pops || !vd->var)
            snn_fatal("variable recording %d names no population or variable", k);
        if (vd->every == 0)
            snn_fatal("recording of %s.%s: 'every' must be at least 1 step",
                      m->pops[vd->pop].name, vd->var);
    }
    if (m->n_synrecs > SNN_MAX_POPS)
        snn_fatal("the model records more than %d synapse variables", SNN_MAX_POPS);
    for (int k = 0; k < m->n_synrecs; k++)
        if (m->synrecs[k].proj < 0 || m->synrecs[k].proj >= m->n_projs || !m->synrecs[k].var ||
            !m->syn_snapshot)
            snn_fatal("synapse recording %d names no projection or variable", k);
    for (int p = 0; p < m->n_pops; p++)
        G.pop_names[p] = m->pops[p].name;
}

/* The command line: -1 to go on (the overrides in rs), else the exit code (--help,
 * --version, --recover, a usage error). */
static int parse_args(run_state *rs, int argc, char **argv, const snn_model *m)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        char name[64];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            if (rt_par_rank() == 0)
                usage(stdout, m);
            free(rs->ov);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            if (rt_par_rank() == 0)
                printf("%s: model %s, snncc %s, snnrt %s\n", m->name,
                   m->model_hash ? m->model_hash : "?", m->snncc_version ? m->snncc_version : "?",
                   SNNRT_VERSION);
            free(rs->ov);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0) {
            rs->ov[rs->n_ov++] = (override){OV_QUIET, "true"};
            continue;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            G.verbose = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            usage_error("unexpected argument", a);
            free(rs->ov);
            return 2;
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) {
            usage_error("unknown option", a);
            free(rs->ov);
            return 2;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        int known = strcmp(name, "--config") == 0 || strcmp(name, "--time") == 0 ||
                    strcmp(name, "--set") == 0 || strcmp(name, "--seed") == 0 ||
                    strcmp(name, "--output") == 0 || strcmp(name, "--recover") == 0 ||
                    strcmp(name, "--restore") == 0;
        if (!known) {
            usage_error("unknown option", name);
            free(rs->ov);
            return 2;
        }
        if (eq) {
            val = eq + 1;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            usage_error("missing value for option", name);
            free(rs->ov);
            return 2;
        }
        if (strcmp(name, "--recover") == 0) {
            free(rs->ov);
            return rt_par_rank() == 0 ? recover_dir(m, val) : 0;
        }
        if (strcmp(name, "--restore") == 0)
            rs->restore_dir = val;
        else if (strcmp(name, "--config") == 0)
            rs->config_path = val;
        else if (strcmp(name, "--time") == 0)
            rs->ov[rs->n_ov++] = (override){OV_TIME, val};
        else if (strcmp(name, "--seed") == 0)
            rs->ov[rs->n_ov++] = (override){OV_SEED, val};
        else if (strcmp(name, "--output") == 0)
            rs->ov[rs->n_ov++] = (override){OV_OUTPUT, val};
        else
            rs->ov[rs->n_ov++] = (override){OV_SET, val};
    }
    return -1;
}

/* the run config: defaults, the config file, then the command line's overrides */
static void load_config(run_state *rs, const snn_model *m)
{
    snn_config *cfg = &G.cfg;
    snn_config_defaults(cfg, m->name, m->seed, m->n_pops, G.pop_names);
    if (rs->config_path &&
        snn_config_load_file(cfg, rs->config_path, m->n_pops, G.pop_names, rs->err, sizeof rs->err) != 0)
        snn_fatal("%s", rs->err);
    if (rs->config_path && cfg->empty && rt_par_rank() == 0)
        fprintf(stderr, "%s: warning: %s: the run config is empty (no keys): the defaults "
                        "apply\n", m->name, rs->config_path);
    for (int i = 0; i < rs->n_ov; i++) {
        const char *v = rs->ov[i].value;
        switch (rs->ov[i].kind) {
        case OV_TIME:
            if (parse_positive(v, &cfg->duration_ms) != 0)
                snn_fatal("--time '%s': expected a positive number of milliseconds", v);
            break;
        case OV_SEED:
            if (parse_u64(v, &cfg->seed) != 0)
                snn_fatal("--seed '%s': expected a non-negative integer", v);
            break;
        case OV_OUTPUT:
            if (!v[0] || strlen(v) >= sizeof cfg->output)
                snn_fatal("--output '%s': expected a directory name", v);
            snprintf(cfg->output, sizeof cfg->output, "%s", v);
            break;
        case OV_QUIET:
            cfg->quiet = 1;
            break;
        case OV_SET:
            if (snn_config_set(cfg, v, m->n_pops, G.pop_names, rs->err, sizeof rs->err) != 0)
                snn_fatal("%s", rs->err);
            break;
        }
    }
    free(rs->ov);
    rs->ov = NULL;
}

/* the config against the model: runtime parameters, spike time files, data sets, what
 * is recorded */
static void apply_config(const snn_model *m, const snn_config *cfg)
{
    /* runtime parameters from the config */
    for (int k = 0; k < cfg->n_params; k++) {
        const struct snn_param_set *ps = &cfg->params[k];
        int r = 0;
        while (r < m->n_rparams && strcmp(m->rparams[r].name, ps->name) != 0)
            r++;
        if (r == m->n_rparams) {
            char list[1024] = "";
            size_t used = 0;
            for (int q = 0; q < m->n_rparams && used + 2 < sizeof list; q++)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", q ? ", " : "",
                                         m->rparams[q].name);
            if (m->n_rparams)
                snn_fatal("%s: '%s' is not a runtime parameter of this model (runtime "
                          "parameters: %s)", ps->where, ps->name, list);
            snn_fatal("%s: '%s' is not a runtime parameter; this model has none (mark them "
                      "with runtime = { ... } in population{}, current_source{} or projection{})", ps->where, ps->name);
        }
        if (m->rparams[r].has_range &&
            !(ps->value >= m->rparams[r].lo && ps->value <= m->rparams[r].hi))
            snn_fatal("%s: '%s' must be in [%g, %g] (got %g)", ps->where, ps->name,
                      m->rparams[r].lo, m->rparams[r].hi, ps->value);
        *m->rparams[r].value = ps->value;
    }

    /* spike times from files: only for spike_source_array populations; the files are read
     * during construction (snn_spike_times_apply), each by every rank */
    for (int k = 0; k < cfg->n_spike_times; k++) {
        const struct snn_spike_set *ss = &cfg->spike_times[k];
        int p = 0;
        while (p < m->n_pops && strcmp(m->pops[p].name, ss->pop) != 0)
            p++;
        if (p < m->n_pops && m->pops[p].spike_source == 2)
            snn_fatal("%s: population '%s' is a spike_source_dataset: its spikes come from "
                      "its data set (datasets: { %s: { file: ... } })", ss->where, ss->pop,
                      ss->pop);
        if (p < m->n_pops && !m->pops[p].spike_source) {
            char list[1024] = "";
            size_t used = 0;
            for (int q = 0; q < m->n_pops && used + 2 < sizeof list; q++)
                if (m->pops[q].spike_source)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                             used ? ", " : "", m->pops[q].name);
            snn_fatal("%s: population '%s' is not a spike_source_array, so its spikes cannot "
                      "come from a file (spike_source_array populations: %s)", ss->where, ss->pop,
                      used ? list : "this model has no spike_source_array");
        }
    }

    /* data sets: only for spike_source_dataset populations (read during construction,
     * snn_dataset_apply, by every rank) */
    for (int k = 0; k < cfg->n_datasets; k++) {
        const struct snn_dataset_set *ds = &cfg->datasets[k];
        int p = 0;
        while (p < m->n_pops && strcmp(m->pops[p].name, ds->pop) != 0)
            p++;
        if (p < m->n_pops && m->pops[p].spike_source != 2)
            snn_fatal("%s: population '%s' is not a spike_source_dataset, so it cannot take a "
                      "data set", ds->where, ds->pop);
    }

    for (int p = 0; p < m->n_pops; p++)
        G.recorded[p] = cfg->record[p] >= 0 ? cfg->record[p] : (m->pops[p].record_default != 0);
}

/* the run's steps, its seed and exchange, the custom updates' schedule */
static void plan_run(run_state *rs, const snn_model *m)
{
    snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    run->cfg = cfg;
    run->seed = cfg->seed;
    run->rank = rt_par_rank();
    run->ranks = rt_par_ranks();
    run->prank = run->rank, run->pranks = run->ranks; /* lanes over ranks: rt_lanes_plan */
    run->exchange = cfg->exchange ? SNN_EXCHANGE_P2P : SNN_EXCHANGE_COLLECTIVE;
    rt_synapse_small_pages = cfg->synapse_pages;
    run->interval = 1;
    if (!(m->dt > 0))
        snn_fatal("the model's time step dt must be positive (got %g)", m->dt);
    if (!(cfg->duration_ms / m->dt < 9e18))
        snn_fatal("duration %g ms is too long for dt %g ms", cfg->duration_ms, m->dt);
    {
        /* A duration that is not a whole number of steps is rounded to the nearest
         * (halves up), with a warning; one that rounds to no step at all is refused. */
        const double x = cfg->duration_ms / m->dt;
        run->n_steps = (uint64_t)llround(x);
        if (run->n_steps == 0)
            snn_fatal("duration %g ms is shorter than half a time step (dt = %g ms): it would "
                      "simulate no step; give at least %g ms (one step)",
                      cfg->duration_ms, m->dt, m->dt);
        if (fabs(x - (double)run->n_steps) > 1e-9 * x && rt_par_rank() == 0)
            fprintf(stderr, "%s: warning: duration %g ms is not a whole number of time steps "
                            "(dt = %g ms): simulating %llu steps = %g ms\n",
                    m->name, cfg->duration_ms, m->dt, (unsigned long long)run->n_steps,
                    (double)run->n_steps * m->dt);
    }
    if (m->n_cugroups > SNN_MAX_CUGROUPS)
        snn_fatal("the model has %d custom-update groups (at most %d)", m->n_cugroups,
                  SNN_MAX_CUGROUPS);
    if (snn_config_cu_apply(cfg, m, run, rs->err, sizeof rs->err) != 0)
        snn_fatal("%s", rs->err);
    if (rt_train_on(cfg))
        rt_train_plan(m, run); /* the training loop's steps replace the duration */
    read_build_yaml();
}

/* checkpoints: the back end must be able to hand over its state; --restore checks the
 * checkpoint (model, version, decomposition, every file) before anything is built */
static void check_checkpoints(const run_state *rs, const snn_model *m)
{
    snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    if (cfg->ckpt_dir[0] && !m->state && m->state_refused)
        snn_fatal("%s: this simulator cannot write checkpoints: %s (docs/run.md "
                  "\"Checkpoints\"): leave 'checkpoint' out",
                  cfg->ckpt_where[0] ? cfg->ckpt_where : "checkpoint", m->state_refused);
    if (cfg->ckpt_dir[0] && !m->state)
        snn_fatal("%s: the %s back end cannot write checkpoints yet (the C back end can; "
                  "docs/run.md \"Checkpoints\"): leave 'checkpoint' out",
                  cfg->ckpt_where[0] ? cfg->ckpt_where : "checkpoint", m->backend);
    if (!cfg->ckpt_dir[0] && (cfg->ckpt_every_steps || cfg->ckpt_every_seconds > 0 ||
                              cfg->ckpt_at_end))
        snn_fatal("%s: 'checkpoint' needs 'dir' (where to write them)", cfg->ckpt_where);
    if (rs->restore_dir) {
        G.first_step = rt_ckpt_open(m, cfg, rs->restore_dir, run->rank, run->ranks, run->n_steps);
        run->seed = cfg->seed; /* the checkpoint's: rows are rebuilt from it */
    }
}

/* the step threads against the cores and 'threads' */
static void check_step_threads(const snn_model *m)
{
    const snn_config *cfg = &G.cfg;
    const snn_run *run = &G.run;
    /* More step threads than cores, forced: threads that meet at the end of every step
     * then wait for descheduled peers, and the run slows down.  Say so.  (With the step
     * threads chosen by the run, the probe finds that out by itself.) */
    {
        int local = rt_par_local_ranks();
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        snn_memory_budget_init(local);
        rt_pool_set_local_ranks(local);
        const int st = cfg->step_threads;
        if (run->rank == 0 && cores > 0 && st > 0 && (long)local * st > cores)
            fprintf(stderr, "%s: warning: %d rank%s x %d step thread%s on this node, which has "
                            "%ld cores: expect a slow run (docs/parallel.md)\n",
                    m->name, local, local == 1 ? "" : "s", st, st == 1 ? "" : "s", cores);
    }

    if (cfg->step_threads > cfg->threads)
        snn_fatal("%s: 'step_threads' %d is more than 'threads' %d: the step loop runs the "
                  "thread blocks, 'threads' of them, on at most as many threads",
                  cfg->step_threads_where, cfg->step_threads, cfg->threads);
}

/* The thread blocks (run config 'blocks'; docs/parallel.md "How many blocks").  Auto: from
 * the compiler's estimate of the work per step (snn_model work_*), this process's share of
 * it (1 / pranks), times the steps between two joins of the step threads (the window of
 * up to the minimum delay where the step loop runs windows), against the step threads'
 * own bound (rt_pool.c MIN_WORK_S): below 2 x BLOCK_JOIN_S one block, else
 * min(threads, work / BLOCK_JOIN_S) blocks, and at least a forced step_threads.  The
 * constants are calibrated on COBA, Brunel, hpc_benchmark, the microcircuit, the
 * topographic map and the e-prop classifier (docs/performance.md "Thread blocks from the
 * model's size"). */
#define BLOCK_NEURON_S 0.35e-9 /* a neuron's update */
#define BLOCK_EVENT_S 1.5e-9   /* a synapse's delivery of a spike (or its code per spike) */
#define BLOCK_RATE_HZ 10.0     /* the rate of spikes assumed */
#define BLOCK_DYN_S 0.5e-9     /* a synapse's code every step */
#define BLOCK_JOIN_S 10e-6    /* work per thread that pays for a join (rt_pool.c MIN_WORK_S) */

static void choose_blocks(const snn_model *m)
{
    const snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    const int T = cfg->threads > 0 ? cfg->threads : 1;
    const int st = cfg->step_threads;
    int b;
    run->blocks_work_s = -1;
    run->blocks_why[0] = '\0';
    if (cfg->blocks > T)
        snn_fatal("%s: 'blocks' %d is more than 'threads' %d: a process has at most as many "
                  "thread blocks as threads (docs/run.md)",
                  cfg->blocks_where, cfg->blocks, T);
    if (cfg->blocks > 0 && st > cfg->blocks)
        snn_fatal("%s: 'step_threads' %d is more than 'blocks' %d (%s): the step loop runs the "
                  "thread blocks on at most as many threads",
                  cfg->step_threads_where, st, cfg->blocks, cfg->blocks_where);
    if (m->backend && strcmp(m->backend, "c") != 0) {
        b = 1, run->blocks_choice = "one block";
        snprintf(run->blocks_why, sizeof run->blocks_why,
                 "the %s back end steps the network on the device", m->backend);
    } else if (T == 1) {
        b = 1, run->blocks_choice = "one thread";
        snprintf(run->blocks_why, sizeof run->blocks_why, "threads: 1");
    } else if (cfg->blocks > 0) {
        b = cfg->blocks, run->blocks_choice = "forced";
        snprintf(run->blocks_why, sizeof run->blocks_why, "blocks: %d (%s)", b, cfg->blocks_where);
    } else if (cfg->blocks < 0) {
        b = T, run->blocks_choice = "threads";
        snprintf(run->blocks_why, sizeof run->blocks_why,
                 "as many as threads (SNN_BLOCKS=threads in the environment)");
    } else {
        run->blocks_choice = "auto";
        const uint32_t win =
            m->steps && m->window > 1 && !cfg->ckpt_dir[0] && !run->overlap && !m->batch
                ? m->window
                : 1;
        const int pr = run->pranks > 0 ? run->pranks : 1;
        const double step_s = (BLOCK_NEURON_S * m->work_neurons +
                               BLOCK_EVENT_S * m->work_events * BLOCK_RATE_HZ * m->dt * 1e-3 +
                               BLOCK_DYN_S * m->work_dyn) / pr;
        const double join_s = step_s * win;
        if (rt_train_on(cfg)) {
            /* the training loop's steps are not timed by the step threads' probe, which
             * then keeps one step thread: more blocks would only cost */
            b = 1;
            snprintf(run->blocks_why, sizeof run->blocks_why,
                     "the training loop (its steps stay on one step thread unless "
                     "step_threads is forced)");
        } else if (m->work_unknown) {
            b = T;
            snprintf(run->blocks_why, sizeof run->blocks_why,
                     "projection '%s': its rule does not tell how many synapses it makes, so "
                     "as many blocks as threads", m->work_unknown);
        } else {
            run->blocks_work_s = join_s;
            const double k = join_s / BLOCK_JOIN_S;
            b = k < 2 ? 1 : k >= T ? T : (int)k;
            snprintf(run->blocks_why, sizeof run->blocks_why,
                     "%.1f us of work between two joins (estimated: %.3g neurons, %.3g synapses "
                     "per spike, %.3g synapses every step%s, %u step%s a join), %s 2 x %.0f us",
                     join_s * 1e6, m->work_neurons / pr, m->work_events / pr, m->work_dyn / pr,
                     pr > 1 ? " on this rank" : "", win, win == 1 ? "" : "s",
                     b == 1 ? "less than" : "at least", BLOCK_JOIN_S * 1e6);
        }
        if (st > b) {
            b = st;
            size_t n = strlen(run->blocks_why);
            snprintf(run->blocks_why + n, sizeof run->blocks_why - n,
                     "; step_threads %d forced", st);
        }
    }
    run->blocks = b;
    if (G.verbose && run->rank == 0)
        fprintf(stderr, "%s: blocks: %d (%s: %s)\n", m->name, b, run->blocks_choice,
                run->blocks_why);
}

/* Outputs.  With several ranks each records into <output>/.rank<r>; rank 0 merges. */
static void open_outputs(const snn_model *m)
{
    const snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    if (run->rank == 0 && snn_mkdirs(cfg->output) != 0)
        snn_fatal("cannot create output directory '%s': %s", cfg->output, strerror(errno));
    rt_par_barrier();
    rt_par_set_collective(0); /* from here on a failure may be one rank's own */
    if (run->pranks == 1 && run->lane_first > 0) {
        /* lanes over ranks: this rank's first lane records into lane<b>/ as in one process */
        snprintf(G.rank_dir, sizeof G.rank_dir, "%s/lane%u", cfg->output, run->lane_first);
        if (snn_mkdirs(G.rank_dir) != 0)
            snn_fatal("cannot create directory '%s': %s", G.rank_dir, strerror(errno));
    } else if (run->pranks > 1) {
        snprintf(G.rank_dir, sizeof G.rank_dir, "%s/.rank%d", cfg->output, run->rank);
        if (snn_mkdirs(G.rank_dir) != 0)
            snn_fatal("cannot create directory '%s': %s", G.rank_dir, strerror(errno));
    }
    snprintf(G.json_path, sizeof G.json_path, "%s/run.json", cfg->output);
    G.output_ready = 1;
    snn_set_fatal_hook(fatal_hook);
    if (write_json("running", NULL) != 0) /* replaced when the run ends */
        snn_fatal("cannot write '%s': %s", G.json_path, strerror(errno));
    heartbeat_start();
    for (int p = 0; p < m->n_pops; p++)
        if (G.recorded[p])
            run->rec[p] = snn_recorder_open(rec_dir(), m->pops[p].name);
    const int value_bytes = m->precision && strcmp(m->precision, "float") == 0 ? 4 : 8;
    for (int k = 0; k < m->n_varrecs; k++) {
        uint32_t cols = varrec_cols(m->pops[m->varrecs[k].pop].n, m->varrecs[k].n_cols,
                                    run->prank, run->pranks);
        if (cols)
            run->varrec[k] = snn_varrec_open(rec_dir(), SNN_VARREC_PREFIX(m, &m->varrecs[k]),
                                             m->varrecs[k].var, cols, value_bytes);
    }
    for (int k = 0; k < m->n_synrecs; k++)
        run->synrec[k] = snn_synrec_open(rec_dir(), SNN_SYNREC_PREFIX(m, &m->synrecs[k]),
                                         m->synrecs[k].var, value_bytes);
    rt_lanes_open(run, m, cfg->output, G.recorded, value_bytes); /* batches: lanes 1.. */
}

/* construction and initialisation (with --restore, then the checkpoint's state) */
static void build_network(const snn_model *m, const char *restore_dir)
{
    snn_run *run = &G.run;
    double t0 = snn_now();
    if (m->build)
        m->build(run);
    run->t_construct = snn_now() - t0;
    t0 = snn_now();
    if (m->init)
        m->init(run);
    snn_data_finish(run);
    if (restore_dir)
        rt_ckpt_load(m, run);
    run->t_init = snn_now() - t0;
}

/* SIGINT / SIGTERM stop the step loop after the current step; SIGUSR1 asks for a
 * checkpoint */
static void install_signals(run_state *rs)
{
    const snn_config *cfg = &G.cfg;
    const snn_run *run = &G.run;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &rs->old_int);
    sigaction(SIGTERM, &sa, &rs->old_term);
    rs->ckpt_on = cfg->ckpt_dir[0] != '\0';
    if (rs->ckpt_on) {
        struct sigaction su;
        memset(&su, 0, sizeof su);
        su.sa_handler = on_usr1;
        sigemptyset(&su.sa_mask);
        sigaction(SIGUSR1, &su, &rs->old_usr1);
        if (run->overlap)
            snn_fatal("%s: checkpoints need the spike exchange without overlap: leave "
                      "exchange_interval out (or set it to the minimum delay, %u steps)",
                      cfg->ckpt_where, run->min_delay_steps);
    }
}

/* After each step: the stop signal and the checkpoints (the step loop below and the
 * training loop's, rt_train.c). */
static struct {
    const snn_model *m;
    int ckpt_on;
    double ckpt_t; /* the last checkpoint (every_seconds) */
    int ckpt_due;  /* a checkpoint waits for the next exchange boundary */
    uint64_t check;
} P;

/* After step 'step' (0-based): 0 to go on, else the signal that stops the run, a checkpoint
 * written first when one is due (every_steps, every_seconds, SIGUSR1, SIGTERM). */
int rt_step_poll(uint64_t step)
{
    const snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    const uint64_t check = P.check;
    int stop = 0;
    if (!P.ckpt_on) {
        if (run->ranks == 1)
            stop = g_stop;
        else if ((step + 1) % check == 0)
            stop = rt_par_any(g_stop); /* the largest signal number: SIGTERM over SIGINT */
        return stop;
    }
    /* Checkpoints: every_steps, every_seconds (checked every 'check' steps), SIGUSR1;
     * SIGTERM writes one and stops.  With several ranks, at an exchange boundary on
     * which the ranks agree. */
    if (cfg->ckpt_every_steps && (step + 1) % cfg->ckpt_every_steps == 0)
        P.ckpt_due = 1;
    if (run->ranks == 1) {
        stop = g_stop;
        if (g_ckpt || (cfg->ckpt_every_seconds > 0 && (step + 1) % check == 0 &&
                       snn_now() - P.ckpt_t >= cfg->ckpt_every_seconds))
            P.ckpt_due = 1;
    } else if ((step + 1) % check == 0) {
        int want = g_ckpt || (cfg->ckpt_every_seconds > 0 &&
                              snn_now() - P.ckpt_t >= cfg->ckpt_every_seconds);
        int v = rt_par_any(g_stop * 2 + want); /* the largest: a stop wins */
        stop = v / 2;
        P.ckpt_due |= v & 1;
    }
    g_ckpt = 0;
    if (stop == SIGTERM)
        P.ckpt_due = 1;
    if (P.ckpt_due && step + 1 < run->n_steps &&
        (run->ranks == 1 || (step + 1) % run->interval == 0)) {
        snn_exchange_drain(run);
        rt_ckpt_write(P.m, run, step + 1);
        P.ckpt_due = 0;
        P.ckpt_t = snn_now();
    } else if (stop == SIGTERM && step + 1 < run->n_steps) {
        stop = 0; /* on to the next exchange boundary, then write and stop */
    }
    return stop;
}

/* the step loop, then the back end's finish */
static void run_steps(run_state *rs, const snn_model *m)
{
    const snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    P.m = m;
    P.ckpt_on = rs->ckpt_on;
    P.ckpt_t = snn_now();
    P.ckpt_due = 0;
    /* With several ranks, all must stop at the same step: they agree on a stop request
     * every 'check' steps (a multiple of the exchange interval). */
    uint64_t check = run->interval ? run->interval : 1;
    while (check < 100)
        check += run->interval ? run->interval : 1;
    P.check = check;
    rt_par_barrier();
    double t0 = snn_now();
    snn_tick0 = snn_ticks(); /* the generated step's timers count from here (snnrt.h) */
    uint64_t step = G.first_step;
    G.steps_done = step;
    int stop = 0;
    ticker tk;
    /* the progress line: on a terminal; SNN_PROGRESS=1 forces it (mpirun passes the
     * ranks' stderr through pipes), SNN_PROGRESS=0 turns it off */
    const char *pe = getenv("SNN_PROGRESS");
    const int show = !cfg->quiet && run->rank == 0 &&
                     (pe && *pe ? strcmp(pe, "0") != 0 : isatty(STDERR_FILENO));
    ticker_init(&tk, t0, show && !rt_train_on(cfg));
    /* step threads: forced, or chosen from timed steps (rt_pool.c) */
    if (run->blocks < 1)
        run->blocks = 1;
    rt_steps_begin(run, m->name, cfg->step_threads, G.verbose);
    if (rt_train_on(cfg)) { /* the training loop: its own steps and progress line */
        stop = rt_train_run(m, run, &g_stop, &G.steps_done, show);
        step = run->n_steps;
    }
    /* Windows: with model->steps, several steps between two joins of the step threads
     * (docs/parallel.md "Joining once per minimum delay"), within one interval of
     * model->window steps and ending at finite-check boundaries; not with the overlapped
     * exchange (its waits are per step), another exchange interval, or checkpoints (they
     * are written after any step) */
    uint32_t win = m->steps && m->window > 1 && !rs->ckpt_on && !run->overlap ? m->window : 1;
    if (run->min_delay_steps && run->interval != win)
        win = 1;
    rt_steps_window(win);
    const uint64_t fc = cfg->finite_check;
    for (; step < run->n_steps && !stop; step++) {
        uint64_t e = step + 1; /* the window: steps [step, e) */
        if (win > 1) {
            e = (step / win + 1) * win;
            if (fc && (step / fc + 1) * fc < e)
                e = (step / fc + 1) * fc;
            if (e > run->n_steps)
                e = run->n_steps;
        }
        const uint32_t n = (uint32_t)(e - step);
        if (rt_steps_timing()) {
            const double ts = snn_now(), cs = rt_thread_cpu();
            if (n > 1)
                m->steps(run, step, n);
            else
                m->step(run, step);
            rt_steps_after_n(run, e - 1, n, snn_now() - ts, rt_thread_cpu() - cs);
        } else {
            if (n > 1)
                m->steps(run, step, n);
            else
                m->step(run, step);
            rt_steps_after_n(run, e - 1, n, 0, 0);
        }
        step = e - 1; /* the window's last step: the bookkeeping below is as after it */
        G.steps_done = step + 1;
        if (G.steps_done >= tk.next)
            tick(&tk, 0);
        stop = rt_step_poll(step);
    }
    tick(&tk, 1);
    rt_pool_stop();
    snn_exchange_drain(run);
    if (m->finish)
        m->finish(run);
    G.t_sim = snn_now() - t0;
    /* the step's timers from ticks to seconds: the ticks per second of the step loop */
    {
        const double k = (double)(int64_t)(snn_ticks() - snn_tick0);
        const double s_per_k = k > 0 && G.t_sim > 0 ? G.t_sim / k : 0;
        run->t_deliver += run->k_deliver * s_per_k;
        run->t_update += run->k_update * s_per_k;
        run->k_deliver = run->k_update = 0;
    }
    rs->stop = stop;
}

/* the end of the run: checksums, the last synapse snapshots, the checkpoint at the end */
static void finish_steps(run_state *rs, const snn_model *m)
{
    const snn_config *cfg = &G.cfg;
    snn_run *run = &G.run;
    const int ckpt_on = rs->ckpt_on, stop = rs->stop;
    if (m->checksum)
        m->checksum(run);
    /* synapse recordings: the synapses as they are at the end of the run or at the stop
     * (the only snapshot without 'every'; with 'every', unless the last step done had its
     * periodic snapshot already) */
    for (int k = 0; k < m->n_synrecs; k++) {
        const int every = m->synrecs[k].every;
        if (run->synrec[k] &&
            (every == 0 || G.steps_done == 0 || (G.steps_done - 1) % (uint64_t)every != 0))
            m->syn_snapshot(run, k, (double)G.steps_done * m->dt);
    }
    int interrupted = stop && G.steps_done < run->n_steps;
    if (interrupted)
        G.signal = stop;
    if (ckpt_on && !interrupted && cfg->ckpt_at_end) {
        if (run->ranks > 1 && G.steps_done % run->interval != 0)
            fprintf(stderr, "%s: warning: no checkpoint at the end: with several ranks a "
                            "checkpoint is written at a spike exchange, every %u steps, and "
                            "the run ends after %llu steps\n", m->name, run->interval,
                    (unsigned long long)G.steps_done);
        else
            rt_ckpt_write(m, run, G.steps_done);
    }
    if (ckpt_on)
        sigaction(SIGUSR1, &rs->old_usr1, NULL);
    rs->interrupted = interrupted;
}

/* Over the ranks: totals and min/median/max of the timers. */
static void gather_stats(const run_state *rs, const snn_model *m)
{
    snn_run *run = &G.run;
    rt_par_stats(run->t_construct, G.st_construct);
    rt_par_stats(run->t_init, G.st_init);
    rt_par_stats(G.t_sim, G.st_sim);
    rt_par_stats(run->t_update, G.st_update);
    rt_par_stats(run->t_deliver, G.st_deliver);
    rt_par_stats(run->t_comm, G.st_comm);
    rt_par_stats(run->t_wait, G.st_wait);
    rt_par_stats((double)snn_peak_rss(), G.st_rss);
    rt_par_stats((double)run->bytes_sent, G.st_bytes);
    rt_par_stats((double)snn_bytes_peak(), G.st_state);
    rt_lanes_gather(run, m); /* lanes over ranks: every lane's counts on every rank */
    G.have_stats = 1;
    run->t_construct = G.st_construct[2];
    run->t_init = G.st_init[2];
    G.t_sim = G.st_sim[2];
    rt_par_sum_u64(run->spike_count, m->n_pops);
    rt_par_sum_u64(run->n_synapses, m->n_projs);
    rt_par_sum_u64(run->syn_bytes, m->n_projs);
    rt_par_sum_u64(run->syn_checksum, m->n_projs);
    rt_par_sum_u64(run->syn_final, m->n_projs);
    sigaction(SIGINT, &rs->old_int, NULL);
    sigaction(SIGTERM, &rs->old_term, NULL);
}

/* Finish the recordings (interrupted: flushed but left under the .part names). */
static void close_recordings(const snn_model *m, int interrupted)
{
    snn_run *run = &G.run;
    rt_lanes_close(run, m, interrupted);
    for (int p = 0; p < m->n_pops; p++) {
        snn_recorder *r = run->rec[p];
        if (!r)
            continue;
        if (interrupted)
            snn_recorder_abort(r);
        const char *path = snn_recorder_close(r);
        size_t n = strlen(path) + 1;
        char *copy = malloc(n);
        if (copy)
            memcpy(copy, path, n);
        G.files[p] = copy;
        run->rec[p] = NULL;
        snn_recorder_free(r);
    }
    for (int k = 0; k < m->n_varrecs; k++) {
        snn_varrec *r = run->varrec[k];
        if (!r)
            continue;
        if (interrupted)
            snn_varrec_abort(r);
        const char *path = snn_varrec_close(r);
        size_t n = strlen(path) + 1;
        char *copy = malloc(n);
        if (copy)
            memcpy(copy, path, n);
        G.vfiles[k] = copy;
        run->varrec[k] = NULL;
        snn_varrec_free(r);
    }
    for (int k = 0; k < m->n_synrecs; k++) {
        snn_synrec *r = run->synrec[k];
        if (!r)
            continue;
        if (interrupted)
            snn_synrec_abort(r);
        G.sfiles[k] = strdup(snn_synrec_close(r));
        run->synrec[k] = NULL;
        snn_synrec_free(r);
    }
}

/* merged outputs, run.json and the messages at the end */
static void write_results(const snn_model *m, int interrupted)
{
    const snn_config *cfg = &G.cfg;
    const snn_run *run = &G.run;
    rt_par_barrier(); /* every rank's files are complete */
    if (run->pranks > 1 && run->rank == 0)
        merge_outputs(interrupted);
    rt_par_barrier();
    heartbeat_stop();
    if (write_json(interrupted ? "interrupted" : "complete", NULL) != 0)
        snn_fatal("cannot write '%s': %s", G.json_path, strerror(errno));
    snn_set_fatal_hook(NULL);

    if (interrupted && run->rank == 0)
        fprintf(stderr, "%s: interrupted after %llu of %llu steps; partial spikes kept in .part "
                        "files\n",
                m->name, (unsigned long long)G.steps_done, (unsigned long long)run->n_steps);
    if (cfg->ckpt_dir[0] && run->rank == 0) {
        int nc;
        uint64_t last = rt_ckpt_last(&nc);
        if (interrupted && last == G.steps_done)
            fprintf(stderr, "%s: checkpoint of step %llu in '%s': continue with --restore %s\n",
                    m->name, (unsigned long long)last, cfg->ckpt_dir, cfg->ckpt_dir);
    }
    if (!cfg->quiet && run->rank == 0)
        print_summary(m, interrupted);
    fflush(stdout);
}

/* the back end's and the runtime's memory, the recordings' file names */
static void release_run(const snn_model *m)
{
    snn_run *run = &G.run;
    if (m->release)
        m->release(run);
    snn_cupd_release();
    rt_train_release();
    rt_lanes_free(run);
    rt_par_exchange_free();
    for (int p = 0; p < m->n_pops; p++) {
        free(G.files[p]);
        G.files[p] = NULL;
    }
    for (int k = 0; k < m->n_varrecs; k++) {
        free(G.vfiles[k]);
        G.vfiles[k] = NULL;
    }
    for (int k = 0; k < m->n_synrecs; k++) {
        free(G.sfiles[k]);
        G.sfiles[k] = NULL;
    }
}

static int run_main(int argc, char **argv, const snn_model *model)
{
    const snn_model *m = model;
    run_state *rs = calloc(1, sizeof *rs);
    override *ov = calloc((size_t)(argc > 0 ? argc : 1), sizeof *ov);

    memset(&G, 0, sizeof G);
    G.model = m;
    G.codegen_s = G.compile_s = NAN;
    g_stop = 0;
    g_ckpt = 0;
    snn_set_progname(m->name);
    if (!ov || !rs)
        snn_fatal("out of memory");
    rs->ov = ov;
    check_model_tables(m);
    int rc = parse_args(rs, argc, argv, m);
    if (rc >= 0) {
        free(rs);
        return rc;
    }
    load_config(rs, m);
    apply_config(m, &G.cfg);
    plan_run(rs, m);
    check_checkpoints(rs, m);
    rt_lanes_plan(&G.run, m, &G.cfg, rs->restore_dir != NULL);
    check_step_threads(m);
    choose_blocks(m);
    open_outputs(m);
    build_network(m, rs->restore_dir);
    install_signals(rs);
    run_steps(rs, m);
    finish_steps(rs, m);
    gather_stats(rs, m);
    const int interrupted = rs->interrupted;
    free(rs);
    close_recordings(m, interrupted);
    write_results(m, interrupted);
    release_run(m);
    /* the shell's convention: 128 + the signal (SIGINT 130, SIGTERM 143) */
    return interrupted ? 128 + G.signal : 0;
}
