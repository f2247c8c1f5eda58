/*
 * sync.h - shared cells for kernels that study synchronisation (kernel.h:
 * kernel_shared). The --sync values are the primitives of the two layers:
 * par.c's (threads of one process share the cells; seq, omp and hybrid,
 * where each rank's cells are then summed over ranks) and comm.c's (MPI
 * ranks add to cells on rank 0; mpi). This module only composes them, so a
 * new primitive is one table entry in par.c or comm.c.
 *
 * Lifecycle (driven by run.c): sync_create() before the kernel's create(),
 * sync_reset() before every run (untimed), sync_flush() at the end of every
 * run (timed: combining is part of the cost), sync_free() at the end.
 */
#ifndef SCALEKIT_SYNC_H
#define SCALEKIT_SYNC_H

#include <stdint.h>

#include "kernel.h"

/* Every primitive as a choice for a KERNEL_OPTION_SYNC option, ended by
 * {NULL}: par.c's entries (for seq, omp, hybrid), then comm.c's (for mpi).
 * A name may appear twice ("lock"); kopt picks the one for the driver. */
const kernel_choice *sync_choices(void);

/* 1 if choice `choice` (an index into sync_choices()) is a deliberate
 * race, whose wrong answers are expected rather than failures. */
int sync_racy(int choice);

typedef struct sync_cells sync_cells;
/* Collective: n cells with primitive `choice`. Ends all ranks if out of
 * memory. */
sync_cells *sync_create(int choice, int64_t n);
/* What the kernel sees (valid until sync_free()). */
const kernel_shared *sync_shared(const sync_cells *s);
/* Collective: zero the cells before a run. */
void sync_reset(sync_cells *s);
/* Collective: complete and combine every update of the run; the combined
 * cells are then valid on rank 0 through sync_values(). */
void sync_flush(sync_cells *s);
const uint64_t *sync_values(const sync_cells *s);
/* Collective. */
void sync_free(sync_cells *s);

#endif
