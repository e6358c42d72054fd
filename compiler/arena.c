/*
 * arena.c - bump allocation for everything whose lifetime is "this compilation".
 *
 * The IR, parsed code strings and interned names all come from here and are released
 * together by arena_free_all().  Blocks are chained; a request larger than a block gets a
 * block of its own.  Running out of memory is reported and ends the program: there is no
 * partial IR worth keeping.
 */
#include "snncc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Block {
    struct Block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} Block;

static Block *head;

#define BLOCK_SIZE (256 * 1024)

void *arena_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!head || head->size - head->used < n) {
        size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;
        Block *b = malloc(sizeof(Block) + size);
        if (!b) {
            fprintf(stderr, "snncc: error: out of memory (%zu bytes)\n", n);
            exit(1);
        }
        b->used = 0;
        b->size = size;
        b->next = head;
        head = b;
    }
    void *p = head->data + head->used;
    head->used += n;
    memset(p, 0, n);
    return p;
}

char *arena_strndup(const char *s, size_t n)
{
    char *p = arena_alloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(const char *s)
{
    return arena_strndup(s, strlen(s));
}

char *arena_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = arena_alloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_grow(void *arr, int *cap, int need, size_t elem)
{
    if (need <= *cap)
        return arr;
    int ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *p = arena_alloc((size_t)ncap * elem);
    if (arr)
        memcpy(p, arr, (size_t)*cap * elem);
    *cap = ncap;
    return p;
}

void arena_free_all(void)
{
    while (head) {
        Block *next = head->next;
        free(head);
        head = next;
    }
}
