/*
 * jsonl.c - whole-line appends to JSON Lines files (see jsonl.h).
 */
#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int jsonl_check_writable(const char *path, char *err, size_t errlen)
{
    struct stat st;
    char *copy;
    int ok;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            snprintf(err, errlen, "'%s' is a directory", path);
            return -1;
        }
        if (access(path, W_OK) != 0) {
            snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    copy = strdup(path);
    if (copy == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ok = access(dirname(copy), W_OK) == 0;
    if (!ok)
        snprintf(err, errlen, "cannot create '%s': directory missing or not writable (%s)", path,
                 strerror(errno));
    free(copy);
    return ok ? 0 : -1;
}

static int jsonl_fail(int fd, char *err, size_t errlen, const char *what, const char *path)
{
    snprintf(err, errlen, "%s '%s': %s", what, path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
}

int jsonl_append(const char *path, const char *line, char *err, size_t errlen)
{
    size_t n = strlen(line);
    char *buf = malloc(n + 2);
    int fd;
    off_t start;
    ssize_t w;
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(buf, line, n);
    buf[n] = '\n';
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(buf);
        return jsonl_fail(fd, err, errlen, "cannot open", path);
    }
    start = lseek(fd, 0, SEEK_END);
    w = write(fd, buf, n + 1);
    free(buf);
    if (w != (ssize_t)(n + 1)) {
        int saved = w < 0 ? errno : ENOSPC;
        if (start >= 0 && ftruncate(fd, start) != 0) { /* roll back a partial line */
        }
        errno = saved;
        return jsonl_fail(fd, err, errlen, "cannot write", path);
    }
    if (fsync(fd) != 0 && errno != EINVAL) return jsonl_fail(fd, err, errlen, "cannot sync", path);
    if (close(fd) != 0) return jsonl_fail(-1, err, errlen, "cannot close", path);
    return 0;
}
