/*
 * jsonl.c - whole-line appends to JSON Lines files (see jsonl.h).
 */
#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int jsonl_fail(char *err, size_t errlen, const char *what, int code)
{
    snprintf(err, errlen, "%s (%s)", what, strerror(code));
    return -1;
}

/* Open an existing file for appending; read access too when allowed, so
 * jsonl_write() can look at the last byte. A FIFO is opened write-only and
 * without blocking, which fails (ENXIO) when nobody reads it. */
static int jsonl_open_existing(const char *path)
{
    struct stat st;
    int fifo = stat(path, &st) == 0 && S_ISFIFO(st.st_mode), fd = -1;
    if (!fifo) fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK);
    if (fifo || (fd < 0 && errno == EACCES))
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
    return fd;
}

/* Records go to regular files, character devices (/dev/null, a terminal)
 * and pipes that have a reader (/dev/stdout piped into another program). */
static int jsonl_check_kind(int fd, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return jsonl_fail(err, errlen, "cannot inspect it", errno);
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory; give a file name");
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode) && !S_ISFIFO(st.st_mode)) {
        snprintf(err, errlen, "is neither a regular file, a device nor a pipe; give a file");
        return -1;
    }
    return 0;
}

int jsonl_open(jsonl_file *f, const char *path, char *err, size_t errlen)
{
    int fd;
    f->fd = -1;
    f->created = 0;
    f->path = NULL;
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "needs a file name");
        return -1;
    }
    fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
        f->created = 1;
    } else if (errno == EEXIST) {
        fd = jsonl_open_existing(path);
        /* A dangling symbolic link: create its target, never remove it. */
        if (fd < 0 && errno == ENOENT) fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    }
    if (fd < 0 && errno == ENXIO) {
        snprintf(err, errlen, "is a FIFO (or socket) nobody reads; writing would block");
        return -1;
    }
    if (fd < 0)
        return jsonl_fail(err, errlen,
                          errno == ENOENT
                              ? "cannot create it: its directory is missing or takes no new files"
                              : "cannot open it for appending",
                          errno);
    if (jsonl_check_kind(fd, err, errlen) == 0) {
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
            jsonl_fail(err, errlen, "cannot set it to blocking writes", errno);
        else if ((f->path = strdup(path)) == NULL)
            snprintf(err, errlen, "out of memory");
        else
            f->fd = fd;
    }
    if (f->fd >= 0) return 0;
    if (f->created) unlink(path);
    f->created = 0;
    close(fd);
    return -1;
}

/* 1 if the file at descriptor fd ends without a newline. A file that cannot
 * be read (opened write-only) is taken to end with one. */
static int jsonl_needs_newline(int fd, off_t end)
{
    char last = '\n';
    return end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n';
}

int jsonl_write(jsonl_file *f, const char *line, char *err, size_t errlen)
{
    size_t n = strlen(line), lead;
    off_t start;
    ssize_t w;
    char *buf;
    if (f->fd < 0) {
        snprintf(err, errlen, "the results file is not open");
        return -1;
    }
    start = lseek(f->fd, 0, SEEK_END);
    lead = (size_t)jsonl_needs_newline(f->fd, start);
    buf = malloc(n + 2);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    buf[0] = '\n';
    memcpy(buf + lead, line, n);
    buf[lead + n] = '\n';
    w = write(f->fd, buf, lead + n + 1);
    free(buf);
    if (w != (ssize_t)(lead + n + 1)) {
        int saved = w < 0 ? errno : ENOSPC;
        if (start >= 0 && ftruncate(f->fd, start) != 0) { /* roll back a partial line */
        }
        return jsonl_fail(err, errlen, "cannot write", saved);
    }
    if (fsync(f->fd) != 0 && errno != EINVAL) return jsonl_fail(err, errlen, "cannot sync", errno);
    return 0;
}

void jsonl_close(jsonl_file *f, int discard_if_unused)
{
    struct stat st;
    if (f->fd >= 0) {
        if (discard_if_unused && f->created && fstat(f->fd, &st) == 0 && st.st_size == 0)
            unlink(f->path);
        close(f->fd);
    }
    free(f->path);
    f->fd = -1;
    f->created = 0;
    f->path = NULL;
}
