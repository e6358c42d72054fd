/* bench/json.h - a small JSON tree for snnbench: parse, build, look up (dotted keys)
 * and write.  Objects keep their key order; numbers are doubles.  Everything is
 * heap-allocated; json_free releases a tree. */
#ifndef SNNBENCH_JSON_H
#define SNNBENCH_JSON_H
/* snnbench formats into bounded buffers on purpose: truncation is the intent there */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
#include <stdio.h>
#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } JType;

typedef struct Json Json;
struct Json {
    JType type;
    int b;
    double num;
    char *str;          /* J_STR */
    Json **items;       /* J_ARR values, J_OBJ values */
    char **keys;        /* J_OBJ keys */
    size_t n, cap;
};

Json *json_parse(const char *text, char *err, size_t errlen);
Json *json_parse_file(const char *path, char *err, size_t errlen);
void json_free(Json *j);

Json *json_null(void);
Json *json_bool(int b);
Json *json_num(double v);
Json *json_str(const char *s);     /* NULL gives null */
Json *json_arr(void);
Json *json_obj(void);
Json *json_copy(const Json *j);
void json_push(Json *arr, Json *v);
void json_set(Json *obj, const char *key, Json *v); /* replaces an existing key */

const Json *json_get(const Json *obj, const char *key);
const Json *json_path(const Json *j, const char *dotted); /* "meta.cpu", "cell.params.scale" */
double json_num_or(const Json *j, double dflt);
const char *json_str_or(const Json *j, const char *dflt);
/* A scalar as text (numbers shortest round-trip, bools, null -> ""), into buf. */
const char *json_scalar_text(const Json *j, char *buf, size_t len);

/* indent < 0: one line */
void json_write(FILE *f, const Json *j, int indent);
int json_write_file(const char *path, const Json *j); /* atomic (tmp + rename) */
void json_write_string(FILE *f, const char *s);

#endif
