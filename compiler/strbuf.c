/*
 * strbuf.c - growable strings for every emitter (the git strbuf contract: buf is always
 * NUL terminated, len excludes the NUL, a released buffer can be reused after sb_init).
 */
#include "snncc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char empty[1];

void sb_init(StrBuf *sb)
{
    sb->buf = empty;
    sb->len = sb->cap = 0;
}

void sb_release(StrBuf *sb)
{
    if (sb->cap)
        free(sb->buf);
    sb_init(sb);
}

void sb_reset(StrBuf *sb)
{
    sb->len = 0;
    if (sb->cap)
        sb->buf[0] = '\0';
}

static void sb_grow(StrBuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t ncap = sb->cap ? sb->cap * 2 : 64;
    while (ncap < sb->len + extra + 1)
        ncap *= 2;
    char *p = sb->cap ? realloc(sb->buf, ncap) : malloc(ncap);
    if (!p) {
        fprintf(stderr, "snncc: error: out of memory (%zu bytes)\n", ncap);
        exit(1);
    }
    if (!sb->cap)
        p[0] = '\0';
    sb->buf = p;
    sb->cap = ncap;
}

void sb_putn(StrBuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_puts(StrBuf *sb, const char *s)
{
    sb_putn(sb, s, strlen(s));
}

void sb_putc(StrBuf *sb, char c)
{
    sb_putn(sb, &c, 1);
}

void sb_vprintf(StrBuf *sb, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void sb_printf(StrBuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

char *sb_detach(StrBuf *sb)
{
    char *p = sb->cap ? sb->buf : calloc(1, 1);
    sb_init(sb);
    return p;
}
