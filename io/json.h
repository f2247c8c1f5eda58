/*
 * json.h - a small JSON text builder for result records.
 *
 * Invariant: the buffer always holds a NUL-terminated prefix of valid JSON
 * text; commas between members and elements are inserted automatically; any
 * allocation failure is reported by json_ok() == 0 instead of a crash, so the
 * caller can refuse to write a damaged record. Non-finite numbers become null.
 */
#ifndef SCALEKIT_JSON_H
#define SCALEKIT_JSON_H

#include <stddef.h>
#include <stdint.h>

enum { JSON_MAX_DEPTH = 16 };

typedef struct json {
    char *text;
    size_t len, cap;
    int failed;
    int depth;
    int count[JSON_MAX_DEPTH]; /* members written at each open level */
} json;

void json_init(json *j);
void json_free(json *j);
int json_ok(const json *j);

/* Containers. key is NULL inside arrays (and for the top level). */
void json_object_begin(json *j, const char *key);
void json_object_end(json *j);
void json_array_begin(json *j, const char *key);
void json_array_end(json *j);

/* Values; key is NULL inside arrays. */
void json_string(json *j, const char *key, const char *value); /* NULL -> null */
void json_int(json *j, const char *key, int64_t value);
void json_uint(json *j, const char *key, uint64_t value);
void json_double(json *j, const char *key, double value);
void json_bool(json *j, const char *key, int value);
void json_null(json *j, const char *key);

#endif
