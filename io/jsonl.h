/*
 * jsonl.h - append records to a JSON Lines file, one whole line at a time.
 *
 * Invariants: after jsonl_write() returns, the file holds either all of the
 * new line or none of it: the line goes out in one write(2) on an O_APPEND
 * descriptor (so concurrent writers never interleave within a line), a short
 * write is rolled back with ftruncate(2), and the data is fsync'ed. A record
 * always starts on a line of its own: when the file's last byte is not a
 * newline (a file edited by hand, or cut short by something else), the same
 * write starts with one.
 * Not collective: call on one rank only.
 */
#ifndef SCALEKIT_JSONL_H
#define SCALEKIT_JSONL_H

#include <stddef.h>

/* A results file opened for appending. fd < 0 when closed. */
typedef struct jsonl_file {
    int fd;
    int created; /* this process created the file (it did not exist) */
    char *path;  /* owned copy, for removing a file created in vain */
} jsonl_file;

#define JSONL_FILE_INIT                                                                            \
    {                                                                                              \
        -1, 0, NULL                                                                                \
    }

/* Open path for appending, creating it (mode 0644) if missing, so a run can
 * fail fast before any work when its results could not be kept. Takes
 * regular files, devices and pipes with a reader (--output /dev/stdout);
 * refuses directories and a FIFO nobody reads (it would block). 0, or -1
 * with the reason in err (without the path: the caller names it). */
int jsonl_open(jsonl_file *f, const char *path, char *err, size_t errlen);

/* Append `line` (without newline; one is added) to an open file. 0, or -1
 * with a reason in err. */
int jsonl_write(jsonl_file *f, const char *line, char *err, size_t errlen);

/* Close f (no-op when closed). With discard_if_unused, a file this process
 * created and that is still empty is removed again, so a run that ends
 * without a record leaves nothing behind. */
void jsonl_close(jsonl_file *f, int discard_if_unused);

#endif
