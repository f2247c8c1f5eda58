/*
 * harness.c - warm-up, barrier-bracketed timed repetitions and their
 * statistics (see harness.h). Invariant: every rank runs the same number of
 * prepare/run calls and barriers, so collectives inside run() stay matched.
 */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "comm.h"

double harness_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double harness_cpu_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0.0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int harness_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Quantile q of sorted v by linear interpolation (type 7, as numpy). */
static double harness_quantile(const double *v, int64_t n, double q)
{
    double pos = q * (double)(n - 1);
    int64_t i = (int64_t)pos;
    double frac = pos - (double)i;
    return i + 1 < n ? v[i] + frac * (v[i + 1] - v[i]) : v[i];
}

void harness_stats_of(const double *v, int64_t n, harness_stats *s)
{
    double *sorted = SK_MALLOC((size_t)n * sizeof *sorted);
    double sum = 0.0;
    memcpy(sorted, v, (size_t)n * sizeof *sorted);
    qsort(sorted, (size_t)n, sizeof *sorted, harness_cmp);
    for (int64_t i = 0; i < n; i++)
        sum += sorted[i];
    s->min = sorted[0];
    s->max = sorted[n - 1];
    s->mean = sum / (double)n;
    s->median = harness_quantile(sorted, n, 0.5);
    s->q1 = harness_quantile(sorted, n, 0.25);
    s->q3 = harness_quantile(sorted, n, 0.75);
    free(sorted);
}

/* One repetition; returns this rank's seconds (the max over ranks is taken
 * once for all repetitions, after the last, so a repetition costs one
 * barrier plus what run() does: no system call, not even the CPU clock,
 * which is read once around all repetitions). */
static double harness_one(harness_prepare_fn prepare, harness_run_fn run, void *ctx,
                          double *compute)
{
    double t0;
    if (prepare != NULL) prepare(ctx);
    comm_barrier();
    t0 = harness_now();
    *compute = run(ctx, t0);
    return harness_now() - t0;
}

void harness_run(int64_t warmup, int64_t reps, harness_prepare_fn prepare, harness_run_fn run,
                 void *ctx, harness_result *r)
{
    double compute = 0.0, total = 0.0, spread[2], cpu0, wall0;
    for (int64_t i = 0; i < warmup; i++)
        harness_one(prepare, run, ctx, &compute);
    r->reps = reps;
    r->seconds = SK_MALLOC((size_t)reps * sizeof *r->seconds);
    cpu0 = harness_cpu_now();
    wall0 = harness_now();
    for (int64_t i = 0; i < reps; i++) {
        r->seconds[i] = harness_one(prepare, run, ctx, &compute);
        total += compute;
    }
    r->cpu_total = (harness_cpu_now() - cpu0) / (double)reps;
    r->cpu_wall = (harness_now() - wall0) / (double)reps;
    for (int64_t i = 0; i < reps; i += INT32_MAX) /* max over ranks, rep by rep */
        comm_max_double(r->seconds + i, (int)(reps - i < INT32_MAX ? reps - i : INT32_MAX));
    harness_stats_of(r->seconds, reps, &r->time);
    r->compute_mine = total / (double)reps;
    spread[0] = r->compute_mine;
    spread[1] = r->compute_mine;
    comm_min_double(&spread[0], 1);
    comm_max_double(&spread[1], 1);
    r->compute_min = spread[0];
    r->compute_max = spread[1];
    r->compute_mean = r->compute_mine;
    comm_sum_double(&r->compute_mean, 1);
    r->compute_mean /= comm_size();
    r->imbalance = r->compute_mean > 0 ? r->compute_max / r->compute_mean : 1.0;
    comm_sum_double(&r->cpu_total, 1);
    comm_max_double(&r->cpu_wall, 1);
}

/* One run of n operations; rank 0's seconds, on every rank. */
static double harness_op_run(harness_op *op, int64_t n)
{
    double t = 0.0;
    if (op->all_ranks) {
        comm_barrier();
        t = op->run(op->ctx, n);
    } else {
        if (comm_rank() == 0) t = op->run(op->ctx, n);
        comm_barrier_quiet();
    }
    comm_bcast(&t, sizeof t);
    return t;
}

/* The faster of two runs of n: one slow run (a thread pool that fell asleep,
 * a descheduled peer) must not stop the doubling at a tiny n. */
static double harness_op_best(harness_op *op, int64_t n)
{
    double a = harness_op_run(op, n), b;
    if (a < 0.0) return a;
    b = harness_op_run(op, n);
    return b < 0.0 ? b : a < b ? a : b;
}

int harness_calibrate(harness_op *op, double target, int64_t max_n)
{
    /* Untimed first pass: warms caches, thread pools, pages; not used. */
    double t = harness_op_run(op, 1);
    op->n = 1;
    if (t >= 0.0) t = harness_op_best(op, 1);
    while (t >= 0.0 && t < target && op->n < max_n) {
        op->n = op->n * 2 < max_n ? op->n * 2 : max_n;
        t = harness_op_best(op, op->n);
    }
    return t < 0.0 ? -1 : 0;
}

double harness_sample(harness_op *op)
{
    double t = harness_op_run(op, op->n);
    return t < 0.0 ? t : t / (double)op->n;
}

void harness_free(harness_result *r)
{
    free(r->seconds);
    r->seconds = NULL;
}
