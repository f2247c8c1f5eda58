/*
 * iolog.h - timing of I/O phases and the `io` object of a run's record.
 *
 * Every rank logs each I/O operation it takes part in (phase, start, end,
 * bytes) against its own clock, read right after a barrier (io_log_clock), so
 * clocks of different ranks and nodes are comparable within a repetition.
 * At the end, io_log_summarize() reduces the log over ranks: an operation's
 * time is max(end) - min(start) over ranks, and phases add up over
 * operations. A file's time is, as IOR measures it, max(end of its last
 * operation) - min(start of its open) over ranks, or the sum of its
 * operations' times when that is less (an asynchronous checkpoint's steps
 * are spread over several iterations). Bandwidth = bytes / files' time.
 *
 * Invariant: every rank logs the same operations in the same order (I/O
 * here is collective), so the logs line up in the reduction. Only the thread
 * that calls HDF5 logs.
 */
#ifndef SCALEKIT_IOLOG_H
#define SCALEKIT_IOLOG_H

#include <stddef.h>
#include <stdint.h>

#include "h5io.h"

typedef enum io_phase {
    IO_OPEN,     /* create or open a file (with its identity attributes) */
    IO_WRITE,    /* H5Dwrite of the data */
    IO_CHECKSUM, /* checksums and the closing attributes */
    IO_FLUSH,    /* H5Fflush + sync */
    IO_CLOSE,    /* H5Fclose */
    IO_COMMIT,   /* rename *.tmp and fsync the directory (rank 0) */
    IO_READ,     /* H5Dread */
    IO_SNAPSHOT, /* copy of the field for an asynchronous checkpoint */
    IO_PHASES
} io_phase;

extern const char *const io_phase_names[IO_PHASES];

typedef struct io_op {
    int phase, reading, timed, in_run;
    int file; /* files are numbered by their IO_OPEN; -1 for a snapshot */
    double t0, t1, bytes;
} io_op;

typedef struct io_log {
    io_op *op;
    int n, cap;
    double t_ref; /* this rank's clock at the last barrier */
    int files;    /* IO_OPEN operations so far */
    int timed;    /* operations now belong to a timed repetition */
    int in_run;   /* ... and to its timed part (not to its preparation) */
    int transfers, collective_all;
    uint32_t cause;          /* global no-collective causes, OR over transfers */
    double task_s, hidden_s; /* asynchronous checkpoints (timed repetitions) */
    int drops, drops_ok;     /* page-cache drops attempted / done */
} io_log;

/* What the record's `io` object says; per timed repetition where noted. */
typedef struct io_summary {
    int active;
    int parallel;
    io_mode mode;
    io_layout layout;
    double bytes_written, bytes_read; /* per repetition */
    double phase_s[IO_PHASES];        /* per repetition */
    double write_s, read_s;           /* per repetition: times of written / read files */
    double write_mib_s, read_mib_s;   /* NaN when nothing moved */
    double share;                     /* exposed I/O time / run time */
    int collective;
    char cause[160];
    int files_written, files_read; /* per repetition */
    int cache;                     /* -1 no read-back, 0 kept, 1 dropped */
    int async;
    double task_s, hidden_s; /* per repetition */
    char restart_file[4200];
    int64_t restart_iteration;
} io_summary;

void io_log_init(io_log *l);
void io_log_free(io_log *l);
/* Read this rank's clock as the reference: call right after a barrier. */
void io_log_clock(io_log *l);
/* Log one operation that started at t0 (harness_now()) and ends now. */
void io_log_op(io_log *l, io_phase phase, int reading, double t0, double bytes);
void io_log_transfer(io_log *l, const io_transfer *t);

/* Collective: reduce the timed operations over ranks into s (reps timed
 * repetitions that took run_seconds together). */
void io_log_summarize(const io_log *l, int64_t reps, double run_seconds, io_summary *s);

#endif
