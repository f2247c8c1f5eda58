/*
 * msg.h - the one place that knows how a message for the user looks.
 *
 * Every line a driver writes to stderr for the user starts with the program
 * name, "scalekit-NAME: " (NAME = seq, omp, mpi or hybrid), and is written
 * with one call so lines from several ranks never interleave within a line.
 * Values echoed back to the user go through msg_quote(), which clips them in
 * the middle, so the reason that follows a value is always printed.
 *
 * It also names the host (msg_hostname), for messages and records alike.
 *
 * Not collective and rank-agnostic: callers decide which rank prints. No MPI
 * or OpenMP here, so the communication layer (comm_abort, comm_fail) prints
 * through it too.
 */
#ifndef SCALEKIT_MSG_H
#define SCALEKIT_MSG_H

#include <stddef.h>

/* Longest value msg_quote() echoes whole; longer ones keep their head and
 * tail around "...". */
enum { MSG_VALUE_MAX = 60 };
/* Buffer size that always holds msg_quote()'s result. */
enum { MSG_QUOTE_SIZE = MSG_VALUE_MAX + 8 };

/* Set the program name, e.g. "scalekit-omp" (default "scalekit"). Call
 * once at start-up, before any message; the string must outlive the run. */
void msg_set_program(const char *name);
const char *msg_program(void);

/* Print "PROGRAM: <text>\n" on stderr and flush. */
void msg_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "PROGRAM: warning: <text>\n" on stderr and flush. */
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Format <text> into err (errlen bytes), for pure parsers that leave the
 * printing to their caller; returns -1, their error return. */
int msg_error(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write value in single quotes into buf (n >= MSG_QUOTE_SIZE is always
 * enough): values longer than MSG_VALUE_MAX keep their first and last
 * characters around "...", control characters become '?', so the result is
 * one short line. NULL prints as ''. Returns buf. Pure. */
const char *msg_quote(const char *value, char *buf, size_t n);

/* Write this machine's host name into buf (n bytes), clipped to fit and
 * always NUL-terminated; "unknown" when the system cannot tell. Returns buf.
 * Built without -march, like the ISA check that calls it before main(). */
const char *msg_hostname(char *buf, size_t n);

#endif
