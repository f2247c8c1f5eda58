/*
 * run.h - run one kernel generically: decompose, create, time, combine,
 * verify. The kernel table supplies everything kernel-specific, so this
 * file never names a kernel.
 *
 * Invariant: every rank makes the same sequence of collective calls whatever
 * its share of the domain (ranks that own nothing still join every barrier,
 * reduction and halo step), so no error or empty rank can hang the others.
 */
#ifndef SCALEKIT_RUN_H
#define SCALEKIT_RUN_H

#include "cli.h"
#include "harness.h"
#include "iolog.h"
#include "kernel.h"

typedef struct run_report {
    kernel_result result;   /* combined over threads and ranks */
    kernel_verdict verdict; /* filled on rank 0; verdict.ok valid on all ranks */
    harness_result timing;
    double work_units;           /* per run */
    double items_min, items_max; /* work items per rank, over ranks (0: idle) */
    int pdims[2];                /* rank grid (2-D kernels), else {size, 1} */
    char decomp[32];             /* as recorded, e.g. "cyclic,1" or "2x1 tiles" */
    io_summary io;               /* I/O phases (io.active = 0 for runs without I/O) */
    int expected_wrong;          /* the run used a deliberately racy primitive (--sync none): a
                                  * wrong answer is what it demonstrates, not a failure */
} run_report;

/* Collective. Returns CLI_EXIT_OK when the run completed (verified or not:
 * see report->verdict.ok), CLI_EXIT_USAGE when the problem does not fit (too
 * little memory, too few rows for the rank grid), with the message printed
 * by rank 0, CLI_EXIT_FAIL when --restart found no valid checkpoint (every
 * rank returns it). Fatal errors end all ranks through comm_fail(). */
int run_kernel(const cli_options *o, run_report *report);

void run_report_free(run_report *report);

/* The model these executables were linked as: seq, omp, mpi or hybrid. */
const char *run_model(void);

#endif
