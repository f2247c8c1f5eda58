/*
 * par.h - the threading layer: the only interface to OpenMP.
 *
 * drivers/par.c is the one source file with OpenMP pragmas or omp_* calls. It
 * is compiled with OpenMP (scalekit-omp, scalekit-hybrid) and without it
 * (scalekit-seq, scalekit-mpi), where every call runs on the calling thread
 * as a team of one.
 *
 * Invariant: a parallel loop hands every item to exactly one thread, each
 * thread accumulates into its own kernel_result, and the partials are
 * combined with the kernel_result rules (exact integer sums, float sums,
 * maxima). Only the calling (master) thread returns from par_* calls.
 */
#ifndef SCALEKIT_PAR_H
#define SCALEKIT_PAR_H

#include <stdint.h>

#include "kernel.h"

typedef enum par_kind { PAR_STATIC, PAR_DYNAMIC, PAR_GUIDED } par_kind;

typedef struct par_schedule {
    par_kind kind;
    int64_t chunk; /* items; 0 = the runtime's default */
} par_schedule;

/* 1 when built with OpenMP. */
int par_is_threaded(void);
/* Threads a parallel region will use (OMP_NUM_THREADS), 1 without OpenMP. */
int par_threads(void);
/* OpenMP version as "YYYYMM", or "none". */
const char *par_version(void);

/* Body of a parallel item loop: process item i (0 <= i < nitems), adding to
 * the calling thread's partial result. */
typedef void (*par_item_fn)(void *ctx, int64_t item, kernel_result *part);

/* Run fn over items [0, nitems) with the given schedule and combine the
 * per-thread partials into *out (which is zeroed first). */
void par_for(int64_t nitems, const par_schedule *s, par_item_fn fn, void *ctx, kernel_result *out);

/* Work the master thread does beside a loop (see par_for_overlap). */
typedef void (*par_task_fn)(void *ctx);

/* Seconds the master's task took and the part of them during which other
 * threads were still working on items (hidden behind their work). */
typedef struct par_overlap {
    double task_s, hidden_s;
} par_overlap;

/* Like par_for, but the master thread (the caller, so the task may call MPI
 * and HDF5) first runs task(task_ctx) while the other threads start on the
 * items; items are then handed out dynamically (CHUNK from s when it is
 * dynamic, else 1) so the master joins late without unbalancing the loop.
 * task may be NULL. With one thread nothing overlaps (hidden_s = 0). */
void par_for_overlap(int64_t nitems, const par_schedule *s, par_item_fn fn, void *ctx,
                     kernel_result *out, par_task_fn task, void *task_ctx, par_overlap *ov);

/* Run fn(ctx, thread, nthreads) once on every thread of a team. */
typedef void (*par_team_fn)(void *ctx, int thread, int nthreads);
void par_team(par_team_fn fn, void *ctx);

/* ---- synchronisation primitives for shared cells (kernel.h: kernel_shared)
 * How the threads of one process add to cells they all share. A primitive is
 * one entry in par.c's table (with its add function); drivers/sync.c offers
 * every entry as a --sync value. Without OpenMP each has a serial body (a
 * team of one: every primitive is a plain add). */
typedef struct par_sync {
    const char *name;
    const char *help;
    int racy;          /* a deliberate data race: updates may be lost */
    int locks;         /* needs one lock per cell */
    int private_cells; /* threads add to private copies, summed after the loop */
    void (*add)(void *cells, int64_t cell, uint64_t v); /* cells: a par_cells */
} par_sync;

/* The i-th primitive, or NULL past the end. */
const par_sync *par_sync_at(int i);

/* ---- probes for scalekit-overhead: the cost of threading constructs ----
 * Each runs its construct n times in a row so the caller can time many
 * repetitions at once (EPCC's inner repetitions). Master thread, outside a
 * parallel region. */

/* Team size of later parallel regions (omp_set_num_threads); no-op without
 * OpenMP. */
void par_set_threads(int n);
/* n empty parallel regions: fork/join of the team. */
void par_fork_join(int64_t n);
/* Seconds taken by n barriers of the team, timed by thread 0 between its
 * first and last barrier inside one region (the fork/join excluded). */
double par_barriers(int64_t n);
/* n times: create one POSIX thread that does nothing, and join it. 0, or -1
 * if a thread could not be created. */
int par_thread_create_join(int64_t n);
/* Two threads pass messages of `bytes` through shared memory: the sender
 * publishes its buffer with a release store, the receiver waits (acquire)
 * and copies the message straight out of it (one copy, as MPI's single-copy
 * transports do between processes). window == 0: n round trips (the
 * receiver publishes its copy as the reply, which thread 0 copies out: OSU
 * latency is the time / n / 2). window > 0: n windows of `window` messages
 * from thread 0 to thread 1, each window taken before the next starts (OSU
 * bandwidth). Returns the seconds timed by thread 0; -1 if the team has
 * fewer than 2 threads or memory ran out; -2 if the last message arrived
 * corrupted. */
double par_exchange(size_t bytes, int64_t n, int window);

typedef struct par_cells par_cells;
/* n zeroed cells for primitive s, for teams of up to par_threads()
 * threads; NULL if out of memory (the caller decides: sync.c aborts).
 * Master thread. */
par_cells *par_cells_create(const par_sync *s, int64_t n);
/* Zero the cells (and private copies). Master thread, outside a loop. */
void par_cells_reset(par_cells *c);
/* Fold private copies into the cells and return them. Master thread,
 * after the parallel loop that added to them. */
uint64_t *par_cells_values(par_cells *c);
void par_cells_free(par_cells *c);

#endif
