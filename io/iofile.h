/*
 * iofile.h - whole output files on top of h5io: atomic writes with
 * checksums, checked reads, checkpoint directories.
 *
 * An atomic file (images and checkpoints) is written as PATH.tmp: identity
 * attributes, the dataset, per-block checksums, H5Fflush (closing alone does
 * not sync), then the attribute `complete` = 1 and another flush, so
 * `complete` certifies data that is already on storage; then close, and
 * rank 0 renames PATH.tmp to PATH and fsyncs the directory. A kill at any
 * moment therefore leaves either the old PATH or the new one, never a
 * half-written PATH; readers ignore *.tmp and check `complete` and the
 * checksums of whatever they are handed.
 *
 * A write is a fixed sequence of steps (iofile_step) so that an asynchronous
 * checkpoint can run one step per iteration on the master thread while the
 * other threads compute; a synchronous write runs them back to back.
 *
 * Checksums: the rows of the global dataset are cut into at most
 * IOFILE_MAX_SUMS blocks of `checksum_rows` rows; a block's checksum is the
 * sum mod 2^64 over its elements of mix(bits ^ mix(index + golden)), index =
 * row * cols + col, mix = splitmix64's finaliser. The sum does not depend on
 * the order of its terms, so every rank adds its own elements and one
 * reduction gives the same value for every decomposition.
 *
 * All functions are collective unless marked otherwise.
 */
#ifndef SCALEKIT_IOFILE_H
#define SCALEKIT_IOFILE_H

#include <stddef.h>
#include <stdint.h>

#include "h5io.h"
#include "iolog.h"

enum { IOFILE_MAX_SUMS = 1024, IOFILE_PATH = 4096 };

/* Identity attributes (equal on every rank; pointers must outlive a write). */
typedef struct iofile_meta {
    const char *kernel;
    const int64_t *size;
    int size_dims;
    int64_t iteration; /* iterations done when the data was taken */
    int64_t iters;     /* iterations the run was asked for */
    const char *decomposition;
    const char *model;
    int64_t ranks, threads;
} iofile_meta;

typedef enum iofile_step {
    IOFILE_STEP_OPEN,
    IOFILE_STEP_WRITE,
    IOFILE_STEP_CHECKSUM,
    IOFILE_STEP_FLUSH,
    IOFILE_STEP_COMPLETE,
    IOFILE_STEP_CLOSE,
    IOFILE_STEP_COMMIT,
    IOFILE_STEP_DONE
} iofile_step;

typedef struct iofile_writer {
    char path[IOFILE_PATH], tmp[IOFILE_PATH + 8];
    io_block block;
    iofile_meta meta;
    int atomic; /* 0: plain file (iobench scratch): no tmp, checksums, commit */
    io_mode mode;
    io_layout layout;
    io_log *log;
    io_file *f;
    iofile_step step;
} iofile_writer;

/* Prepare a write of block b (whose memory must stay unchanged until the
 * write is done) to path. Not collective. */
void iofile_begin(iofile_writer *w, const char *path, const io_block *b, const iofile_meta *m,
                  int atomic, io_mode mode, io_layout layout, io_log *log);
/* Run the next step; returns 1 while steps remain, 0 once the file is done. */
int iofile_step_next(iofile_writer *w);
/* All (remaining) steps. */
void iofile_finish(iofile_writer *w);

/* Read dataset b->name of a plain file into b's memory. */
void iofile_read_plain(const char *path, const io_block *b, io_mode mode, io_log *log);

/* Check that path is a complete file written for `expect` (kernel, sizes,
 * iteration <= expect->iters, dataset shape and type, data inside the file),
 * read it into b's memory and compare the checksums. 0 and *iteration, or
 * -1 with the problem in err (the same on every rank). */
int iofile_read_checked(const char *path, const io_block *b, const iofile_meta *expect,
                        io_mode mode, io_log *log, int64_t *iteration, char *err, size_t errlen);

/* Every rank: ask the kernel to drop path's cached pages (posix_fadvise
 * DONTNEED), so a read-back measures storage, not memory. */
void iofile_drop_cache(const char *path, io_log *log);

/* ---- checkpoint directories (names ckpt-ITERATION.h5) -------------------- */

/* Not collective: DIR/ckpt-<iteration, 10 digits>.h5 */
void iofile_ckpt_name(char *buf, size_t n, const char *dir, int64_t iteration);
/* Rank 0 only: iterations of DIR's newest `max` checkpoints, newest first
 * (*.tmp and other names ignored); returns how many, -1 if DIR is unreadable. */
int iofile_ckpt_list(const char *dir, int64_t *iters, int max);
/* Rank 0 only: after checkpoint `written`, delete the checkpoints older
 * than it beyond the newest keep - 1 of them. */
void iofile_ckpt_prune(const char *dir, int64_t written, int64_t keep);

#endif
