/* bench/store.h - the record store: one JSON file per run under
 * DIR/<machine>/<commit>/<suite>-<cell>-<rep>-<timestamp>.json (append-only, never
 * rewritten), loading it back, and selecting records by metadata (key=value). */
#ifndef SNNBENCH_STORE_H
#define SNNBENCH_STORE_H
#include "json.h"

#define RECORD_SCHEMA 1

typedef struct {
    Json **rec;
    char **path;
    size_t n, cap;
} RecordSet;

typedef struct {
    char key[128];
    char val[256];
    int neg; /* key!=value */
} Filter;

/* Writes rec into the store; the file name goes to out (may be NULL). 0 on success. */
int store_write(const char *dir, const Json *rec, char *out, size_t outlen);
/* Whether the store already holds this record (same machine, commit, suite, cell, rep
 * and date), for import. */
int store_contains(const char *dir, const Json *rec);
/* Loads every record under dir (recursively); unreadable files are reported on stderr
 * and skipped.  Returns the number of records loaded, -1 when dir cannot be read. */
int store_load(const char *dir, RecordSet *rs);
void recordset_add(RecordSet *rs, Json *rec, const char *path);
void recordset_free(RecordSet *rs);
/* Checks a record against the schema; 0 if valid, else -1 with a message. */
int record_validate(const Json *rec, char *err, size_t errlen);

/* "key=value" or "key!=value"; 0 on success. */
int filter_parse(const char *arg, Filter *f);
/* Parses "k=v,k2=v2" into up to max filters; returns their number or -1. */
int filter_parse_list(const char *arg, Filter *f, int max);
/* A record's value for a key: dotted paths into the record; a bare key is looked up at
 * the top, then in meta, cell and timers (so commit=, machine=, backend=, model= work). */
const Json *record_lookup(const Json *rec, const char *key);
int record_match(const Json *rec, const Filter *f, int nf);
/* Sorts by date, then cell, then rep. */
void recordset_sort(RecordSet *rs);
/* A safe file-name component from s (letters, digits, . _ - = +). */
void sanitize(char *s);

#endif
