/*
 * diag.c - diagnostics.  Every message a user sees reads "file:line: error: text", the
 * way compilers print them, so editors can jump to the model line.  Messages go to a
 * pluggable sink (stderr by default; tests capture them).  diag_suggest() gives the
 * "did you mean" hints used across the compiler.
 */
#include "snncc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static DiagSink sink;
static void *sink_ud;
static int n_errors;
static int verbose;
static int quiet;

void diag_set_sink(DiagSink s, void *ud)
{
    sink = s;
    sink_ud = ud;
}

void diag_set_verbose(int v) { verbose = v; }
void diag_set_quiet(int q) { quiet = q; }
int diag_verbose(void) { return verbose; }
int diag_error_count(void) { return n_errors; }
void diag_reset(void) { n_errors = 0; }

/* Messages echo what the model gave them (names, strings); a huge one must not become
 * megabytes of stderr.  A quoted span ('...' or "...", opened after a non-word
 * character) longer than DIAG_QUOTE_MAX bytes keeps its first DIAG_QUOTE_KEEP bytes and
 * "..."; a message longer than DIAG_LINE_MAX bytes after that is cut.  Cuts fall on
 * UTF-8 character boundaries. */
#define DIAG_QUOTE_MAX 64
#define DIAG_QUOTE_KEEP 60
#define DIAG_LINE_MAX 4096

static size_t utf8_back(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static bool word_char(char c)
{
    return c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

const char *diag_shorten(const char *msg, StrBuf *out)
{
    size_t len = strlen(msg);
    bool any = len > DIAG_LINE_MAX;
    for (const char *p = msg; *p && !any; p++)
        if ((*p == '\'' || *p == '"') && (p == msg || !word_char(p[-1]))) {
            const char *e = strchr(p + 1, *p);
            if (e && e - p - 1 > DIAG_QUOTE_MAX)
                any = true;
            if (e)
                p = e;
        }
    if (!any)
        return msg;
    sb_reset(out);
    const char *p = msg;
    while (*p) {
        if ((*p == '\'' || *p == '"') && (p == msg || !word_char(p[-1]))) {
            const char *e = strchr(p + 1, *p);
            if (e) {
                size_t n = (size_t)(e - p - 1);
                if (n > DIAG_QUOTE_MAX) {
                    sb_putn(out, p, 1 + utf8_back(p + 1, DIAG_QUOTE_KEEP));
                    sb_puts(out, "...");
                } else {
                    sb_putn(out, p, n + 1);
                }
                sb_putc(out, *e);
                p = e + 1;
                continue;
            }
        }
        sb_putc(out, *p++);
    }
    if (out->len > DIAG_LINE_MAX) {
        size_t cut = utf8_back(out->buf, DIAG_LINE_MAX);
        size_t more = out->len - cut;
        out->len = cut;
        out->buf[cut] = '\0';
        sb_printf(out, " ... (%zu more bytes)", more);
    }
    return out->buf;
}

static void emit(const char *line)
{
    StrBuf sb;
    sb_init(&sb);
    line = diag_shorten(line, &sb);
    if (sink)
        sink(sink_ud, line);
    else
        fprintf(stderr, "%s\n", line);
    sb_release(&sb);
}

static void report(SrcLoc loc, const char *kind, const char *fmt, va_list ap)
{
    StrBuf sb;
    sb_init(&sb);
    if (loc.file && loc.line > 0)
        sb_printf(&sb, "%s:%d: %s: ", loc.file, loc.line, kind);
    else if (loc.file)
        sb_printf(&sb, "%s: %s: ", loc.file, kind);
    else
        sb_printf(&sb, "snncc: %s: ", kind);
    sb_vprintf(&sb, fmt, ap);
    emit(sb.buf);
    sb_release(&sb);
}

void diag_error(SrcLoc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    report(loc, "error", fmt, ap);
    va_end(ap);
    n_errors++;
}

void diag_warn(SrcLoc loc, const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(loc, "warning", fmt, ap);
    va_end(ap);
}

void diag_note(SrcLoc loc, const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    report(loc, "note", fmt, ap);
    va_end(ap);
}

void diag_error_raw(const char *msg)
{
    emit(msg);
    n_errors++;
}

/* Optimal string alignment distance: insertions, deletions, substitutions and swaps of
 * neighbours ('tua' -> 'tau' is one edit). */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 1000;
    int d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *diag_suggest(const char *name, const char *const *cands, int n)
{
    int len = (int)strlen(name);
    int limit = len / 3 > 1 ? len / 3 : 1;
    const char *best = NULL;
    int best_d = limit + 1;
    for (int i = 0; i < n; i++) {
        if (!cands[i] || !strcmp(cands[i], name))
            continue;
        int d = edit_distance(name, cands[i]);
        if (!strcasecmp(name, cands[i]))
            d = 0; /* 'v' for 'V' */
        if (d < best_d && (d < len || d == 0)) { /* replacing the whole word is no hint */
            best_d = d;
            best = cands[i];
        }
    }
    return best;
}

const char *diag_hint(char *buf, size_t n, const char *name, const char *const *cands, int nc)
{
    const char *s = diag_suggest(name, cands, nc);
    if (s)
        snprintf(buf, n, " (did you mean '%s'?)", s);
    else if (n)
        buf[0] = '\0';
    return buf;
}
