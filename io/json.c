/*
 * json.c - JSON text builder (see json.h). Strings are escaped per RFC 8259;
 * doubles use %.17g so they read back bit for bit.
 */
#include "json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_init(json *j)
{
    memset(j, 0, sizeof *j);
}

void json_free(json *j)
{
    free(j->text);
    json_init(j);
}

int json_ok(const json *j)
{
    return !j->failed && j->depth == 0;
}

static void json_reserve(json *j, size_t extra)
{
    size_t cap = j->cap ? j->cap : 1024;
    char *p;
    if (j->failed || j->len + extra + 1 <= j->cap) return;
    while (cap < j->len + extra + 1)
        cap *= 2;
    p = realloc(j->text, cap);
    if (p == NULL) {
        j->failed = 1;
        return;
    }
    j->text = p;
    j->cap = cap;
}

static void json_raw(json *j, const char *s, size_t n)
{
    json_reserve(j, n);
    if (j->failed) return;
    memcpy(j->text + j->len, s, n);
    j->len += n;
    j->text[j->len] = '\0';
}

static void json_printf(json *j, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof buf)
        json_raw(j, buf, (size_t)n);
    else
        j->failed = 1;
}

static void json_quoted(json *j, const char *s)
{
    json_raw(j, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            json_raw(j, esc, 2);
        } else if (*p < 0x20) {
            json_printf(j, "\\u%04x", *p);
        } else {
            json_raw(j, (const char *)p, 1);
        }
    }
    json_raw(j, "\"", 1);
}

/* Separator and key before a new member or element. */
static void json_member(json *j, const char *key)
{
    if (j->depth > 0 && j->count[j->depth - 1]++ > 0) json_raw(j, ",", 1);
    if (key != NULL) {
        json_quoted(j, key);
        json_raw(j, ":", 1);
    }
}

static void json_open(json *j, const char *key, const char *bracket)
{
    json_member(j, key);
    json_raw(j, bracket, 1);
    if (j->depth == JSON_MAX_DEPTH) {
        j->failed = 1;
        return;
    }
    j->count[j->depth++] = 0;
}

static void json_close(json *j, const char *bracket)
{
    if (j->depth == 0) {
        j->failed = 1;
        return;
    }
    j->depth--;
    json_raw(j, bracket, 1);
}

void json_object_begin(json *j, const char *key)
{
    json_open(j, key, "{");
}
void json_object_end(json *j)
{
    json_close(j, "}");
}
void json_array_begin(json *j, const char *key)
{
    json_open(j, key, "[");
}
void json_array_end(json *j)
{
    json_close(j, "]");
}

void json_string(json *j, const char *key, const char *value)
{
    json_member(j, key);
    if (value == NULL)
        json_raw(j, "null", 4);
    else
        json_quoted(j, value);
}

void json_int(json *j, const char *key, int64_t value)
{
    json_member(j, key);
    json_printf(j, "%lld", (long long)value);
}

void json_uint(json *j, const char *key, uint64_t value)
{
    json_member(j, key);
    json_printf(j, "%llu", (unsigned long long)value);
}

void json_double(json *j, const char *key, double value)
{
    json_member(j, key);
    if (isfinite(value))
        json_printf(j, "%.17g", value);
    else
        json_raw(j, "null", 4);
}

void json_bool(json *j, const char *key, int value)
{
    json_member(j, key);
    json_raw(j, value ? "true" : "false", value ? 4 : 5);
}

void json_null(json *j, const char *key)
{
    json_member(j, key);
    json_raw(j, "null", 4);
}
