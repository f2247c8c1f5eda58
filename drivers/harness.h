/*
 * harness.h - the one timing harness (after EPCC's): every kernel run is a
 * function handed to it, never timing code of its own.
 *
 * For each of `warmup` untimed and then `reps` timed repetitions:
 * prepare() (untimed), barrier, start clock, run(), stop clock. A
 * repetition's time is the maximum over ranks of the time between the
 * barrier and the end of run(), taken by one reduction after the last
 * repetition (so a repetition costs one barrier beyond run()); run() also reports the part of it
 * each rank spent computing (not communicating), kept for load-imbalance figures; and the
 * process CPU time (all threads) each rank used during run(), which tells computing from
 * waiting (a run that blocks in I/O or sleep uses little CPU for its wall time). Collective.
 */
#ifndef SCALEKIT_HARNESS_H
#define SCALEKIT_HARNESS_H

#include <stdint.h>

typedef struct harness_stats {
    double min, median, mean, max, q1, q3;
} harness_stats;

typedef struct harness_result {
    int64_t reps;
    double *seconds;     /* reps entries: max over ranks */
    harness_stats time;  /* of seconds[] */
    double compute_mine; /* this rank's mean compute seconds per rep */
    double compute_min;  /* min over ranks of compute_mine */
    double compute_max;  /* max over ranks of compute_mine */
    double compute_mean; /* mean over ranks */
    double imbalance;    /* compute_max / compute_mean (1 when nothing ran) */
    /* CPU seconds per rep (mean), all threads of all ranks summed, and the
     * wall seconds per rep they were used in (max over ranks). Both span the
     * timed repetitions with what runs between them (prepare(), barriers):
     * the CPU clock is a system call, read once before and once after. */
    double cpu_total;
    double cpu_wall;
} harness_result;

typedef void (*harness_prepare_fn)(void *ctx);
/* Do one timed repetition; return the seconds of it spent computing. start
 * is the harness_now() reading at which its timing began. */
typedef double (*harness_run_fn)(void *ctx, double start);

/* Monotonic wall clock in seconds. */
double harness_now(void);
/* CPU time this process (all its threads) has used, in seconds. */
double harness_cpu_now(void);

/* Run the repetitions. r->seconds is allocated; free with harness_free(). */
void harness_run(int64_t warmup, int64_t reps, harness_prepare_fn prepare, harness_run_fn run,
                 void *ctx, harness_result *r);
void harness_free(harness_result *r);

/* Summary statistics of n values (n >= 1); does not reorder v. */
void harness_stats_of(const double *v, int64_t n, harness_stats *s);

/* ---- calibrated timing of a repeated operation (EPCC, OSU) --------------
 * An operation too short to time once is timed n times in a row: n is
 * calibrated (doubling from 1) until one run lasts at least a target time,
 * after one untimed first pass; then each sample is one run of n, reported
 * per operation. Callers take many samples, interleaving the variants they
 * compare (A B A B ...), and report median and spread. */
typedef struct harness_op {
    /* Perform the operation n times; return the seconds it took as seen by
     * rank 0 (other ranks' return values are ignored), negative on failure. */
    double (*run)(void *ctx, int64_t n);
    void *ctx;
    /* 1: every rank calls run() (an MPI operation), after a barrier. 0: rank
     * 0 alone calls it while the others wait in comm_barrier_quiet(), asleep,
     * so they take no CPU time from rank 0's threads. */
    int all_ranks;
    int64_t n; /* inner repetitions, set by harness_calibrate() */
} harness_op;

/* Collective: untimed first pass, then the smallest n = 1, 2, 4, ...
 * (at most max_n) whose run lasts >= target seconds (the faster of two runs
 * at each n, so one outlier cannot stop the doubling). 0, or -1 on every
 * rank if run() failed. */
int harness_calibrate(harness_op *op, double target, int64_t max_n);
/* Collective: one sample: seconds per operation of a run of op->n (rank 0's
 * clock, the same on every rank), negative if run() failed. */
double harness_sample(harness_op *op);

#endif
