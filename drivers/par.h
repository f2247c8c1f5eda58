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

#endif
