/*
 * h5io.h - the HDF5 layer: the only interface to HDF5.
 *
 * io/h5io.c is the one source file that includes hdf5.h. Like drivers/comm.c
 * it is compiled more than once: with parallel HDF5 (SCALEKIT_WITH_MPI, for
 * scalekit-mpi and -hybrid: the MPI-IO driver, one shared file, collective or
 * independent transfers), with serial HDF5 (scalekit-seq and -omp) and, where
 * the build found no serial HDF5, without HDF5 (SCALEKIT_NO_HDF5:
 * io_available() is 0 and every other call ends the run with a message).
 *
 * Every rank writes or reads its part of one global dataset through a
 * hyperslab selection built from an io_block; the memory selection skips the
 * halo, so nothing is packed into a staging copy.
 *
 * Invariants:
 *   - Functions marked collective are called by every rank in the same order
 *     with the same arguments apart from each rank's own block; a rank that
 *     owns nothing passes an empty block and still joins (its selections are
 *     H5Sselect_none).
 *   - Only the thread that called comm_init() calls this layer: the HDF5 of
 *     Debian and most clusters is not thread-safe.
 *   - A failing HDF5 call on any rank ends every rank through comm_fail(),
 *     naming the rank, the call and HDF5's own message. Only the io_probe_*
 *     functions, which judge files someone else wrote, return errors instead.
 *   - Memory and file use the same native element type, so HDF5 never
 *     converts (a conversion silently turns collective I/O independent).
 */
#ifndef SCALEKIT_H5IO_H
#define SCALEKIT_H5IO_H

#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

typedef enum io_mode { IO_COLLECTIVE, IO_INDEPENDENT } io_mode;
typedef enum io_layout { IO_CONTIGUOUS, IO_CHUNKED } io_layout;

/* This rank's part of one global array: the dataset `name` of `type` with
 * extent global[0] rows x global[1] cols (ndims == 1: global[1] == 1 and the
 * dataset is 1-D). Local row l of storage holds global row spans[k].global +
 * (l - spans[k].local) for the span k containing l; spans cover local rows
 * 0..rows-1 in order and their global rows increase. Local col c holds
 * global col col0 + c. Storage as kernel_output's: owned (r, c) at
 * data[(r + halo) * ld + (c + halo)] in elements of `type`. */
typedef struct io_block {
    const char *name;
    kernel_type type;
    int ndims;
    int64_t global[2];
    const kernel_span *spans;
    int64_t nspans;
    int64_t rows; /* owned local rows (sum of the span counts) */
    int64_t col0, cols;
    void *data;
    int64_t ld;
    int halo;
} io_block;

/* What HDF5 really did in one transfer (H5Pget_mpio_actual_io_mode and
 * H5Pget_mpio_no_collective_cause; serial builds: never collective). */
typedef struct io_transfer {
    int collective;       /* this rank took part in collective MPI-IO */
    uint32_t cause_local; /* H5D_mpio_no_collective_cause_t bits */
    uint32_t cause_global;
} io_transfer;

typedef struct io_file io_file;

/* Make the calling thread the only one allowed to call this layer (call it
 * right after comm_init(), from the same thread); a call from any other
 * thread then ends the run with a message instead of corrupting HDF5. */
void io_init(void);

/* 1 when this build has HDF5; then io_library() names it, e.g.
 * "HDF5 1.10.8 (parallel)"; else "none". */
int io_available(void);
const char *io_library(void);
/* 1 when transfers go through MPI-IO (parallel build). */
int io_is_parallel(void);

/* Collective: create (truncate) path / open it read-only. */
io_file *io_create(const char *path, io_mode mode, io_layout layout);
io_file *io_open(const char *path, io_mode mode);
/* Collective: attributes of the root group; every rank passes equal values. */
void io_attr_text(io_file *f, const char *name, const char *value);
void io_attr_int(io_file *f, const char *name, int64_t v); /* a scalar */
void io_attr_ints(io_file *f, const char *name, const int64_t *v, int n);
void io_attr_u64s(io_file *f, const char *name, const uint64_t *v, int n);
/* Collective: create dataset b->name and write every rank's block. */
void io_write(io_file *f, const io_block *b, io_transfer *t);
/* Collective: read every rank's block of dataset b->name. */
void io_read(io_file *f, const io_block *b, io_transfer *t);
/* Collective: push HDF5's buffers and the OS's to storage (H5Fflush, then
 * MPI_File_sync / fsync): closing alone does not sync. */
void io_flush(io_file *f);
/* Collective: close the file (and free f). */
void io_close(io_file *f);

/* Why HDF5 did not transfer collectively (the global
 * H5D_mpio_no_collective_cause_t bits), as text; "" when it did. */
void io_cause_text(uint32_t bits, char *buf, size_t n);

/* ---- judging a file someone else wrote: one rank, errors returned ------ */

typedef struct io_probe io_probe;

/* Open path read-only without MPI-IO. NULL with the problem in err (not an
 * HDF5 file, unreadable, truncated superblock, ...). */
io_probe *io_probe_open(const char *path, char *err, size_t errlen);
void io_probe_close(io_probe *p);
/* Root attribute `name` as text / integers. -1 when missing or of another
 * kind; else 0 (text, truncated to n) or the number of values (<= max). */
int io_probe_text(io_probe *p, const char *name, char *buf, size_t n);
int io_probe_ints(io_probe *p, const char *name, int64_t *v, int max);
int io_probe_u64s(io_probe *p, const char *name, uint64_t *v, int max);
/* 0 if dataset `name` exists with element type t, ndims and extent dims,
 * and its data lies inside the file (file_bytes long); else -1 and why. */
int io_probe_dataset(io_probe *p, const char *name, kernel_type t, int ndims, const int64_t dims[2],
                     int64_t file_bytes, char *err, size_t errlen);

#endif
