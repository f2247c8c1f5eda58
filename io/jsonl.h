/*
 * jsonl.h - append records to a JSON Lines file, one whole line at a time.
 *
 * Invariant: after jsonl_append() returns, the file holds either all of the
 * new line or none of it: the line goes out in one write(2) on an O_APPEND
 * descriptor (so concurrent writers never interleave within a line), a short
 * write is rolled back with ftruncate(2), and the data is fsync'ed.
 * Not collective: call on one rank only.
 */
#ifndef SCALEKIT_JSONL_H
#define SCALEKIT_JSONL_H

#include <stddef.h>

/* 0 if path can be appended to (exists and is writable, or can be created
 * in its directory); else -1 with a reason in err. Creates nothing. */
int jsonl_check_writable(const char *path, char *err, size_t errlen);

/* Append `line` (without newline; one is added) to path. 0, or -1 with a
 * reason in err. */
int jsonl_append(const char *path, const char *line, char *err, size_t errlen);

#endif
