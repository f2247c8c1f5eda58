/*
 * msg.c - messages for the user (see msg.h). Invariant: a message is
 * formatted completely in memory and written with one fputs on stderr, with
 * the program prefix, so each line arrives whole.
 */
#define _POSIX_C_SOURCE 200809L /* gethostname */
#include "msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *msg_name = "scalekit";

void msg_set_program(const char *name)
{
    if (name != NULL && name[0] != '\0') msg_name = name;
}

const char *msg_program(void)
{
    return msg_name;
}

static void msg_vprint(const char *tag, const char *fmt, va_list ap)
{
    char line[1024];
    int len = snprintf(line, sizeof line, "%s: %s", msg_name, tag);
    if (len < 0 || (size_t)len >= sizeof line) len = 0;
    vsnprintf(line + len, sizeof line - (size_t)len - 1, fmt, ap);
    strcat(line, "\n");
    fputs(line, stderr);
    fflush(stderr);
}

void msg_print(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vprint("", fmt, ap);
    va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_vprint("warning: ", fmt, ap);
    va_end(ap);
}

int msg_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* Copy len bytes of s to out, control characters replaced by '?'. */
static size_t msg_copy_clean(char *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    return len;
}

const char *msg_quote(const char *value, char *buf, size_t n)
{
    char tmp[MSG_QUOTE_SIZE];
    size_t len = value != NULL ? strlen(value) : 0, at = 0;
    tmp[at++] = '\'';
    if (len <= MSG_VALUE_MAX) {
        at += msg_copy_clean(tmp + at, value != NULL ? value : "", len);
    } else {
        size_t head = (MSG_VALUE_MAX - 3) / 2, tail = MSG_VALUE_MAX - 3 - head;
        at += msg_copy_clean(tmp + at, value, head);
        memcpy(tmp + at, "...", 3);
        at += 3;
        at += msg_copy_clean(tmp + at, value + len - tail, tail);
    }
    tmp[at++] = '\'';
    tmp[at] = '\0';
    if (n > 0) snprintf(buf, n, "%s", tmp);
    return buf;
}

const char *msg_hostname(char *buf, size_t n)
{
    char name[256]; /* POSIX hosts: at most HOST_NAME_MAX (255) bytes */
    int got = gethostname(name, sizeof name);
    name[sizeof name - 1] = '\0';
    if (got != 0 || name[0] == '\0') snprintf(name, sizeof name, "unknown");
    if (n > 0) snprintf(buf, n, "%s", name);
    return buf;
}
