/*
 * par.c - the threading layer (see par.h): the only file that uses OpenMP.
 * Without _OPENMP the pragmas are ignored and the omp_* calls are replaced by
 * a team of one, so the seq and mpi drivers run the same code paths.
 *
 * Invariant: per-thread partial results live on each thread's stack and are
 * combined under a critical section, so no two threads write the same memory.
 */
#define _POSIX_C_SOURCE 200809L
#include "par.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#ifdef _OPENMP
#include <omp.h>
#endif

int par_is_threaded(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int par_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

const char *par_version(void)
{
#ifdef _OPENMP
    static char text[16];
    snprintf(text, sizeof text, "%d", _OPENMP);
    return text;
#else
    return "none";
#endif
}

#ifdef _OPENMP
static void par_set_schedule(const par_schedule *s)
{
    omp_sched_t kind = s->kind == PAR_DYNAMIC  ? omp_sched_dynamic
                       : s->kind == PAR_GUIDED ? omp_sched_guided
                                               : omp_sched_static;
    omp_set_schedule(kind, (int)s->chunk);
}
#endif

void par_for(int64_t nitems, const par_schedule *s, par_item_fn fn, void *ctx, kernel_result *out)
{
    memset(out, 0, sizeof *out);
#ifdef _OPENMP
    par_set_schedule(s);
#else
    (void)s;
#endif
#pragma omp parallel
    {
        kernel_result part;
        memset(&part, 0, sizeof part);
#pragma omp for schedule(runtime) nowait
        for (int64_t i = 0; i < nitems; i++)
            fn(ctx, i, &part);
#pragma omp critical(par_combine)
        kernel_result_combine(out, &part);
    }
}

static double par_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void par_for_overlap(int64_t nitems, const par_schedule *s, par_item_fn fn, void *ctx,
                     kernel_result *out, par_task_fn task, void *task_ctx, par_overlap *ov)
{
    double start = par_now(), task_end = start, others_end = start;
    int team = 1;
    memset(out, 0, sizeof *out);
#ifdef _OPENMP
    omp_set_schedule(omp_sched_dynamic, s->kind == PAR_DYNAMIC && s->chunk > 0 ? (int)s->chunk : 1);
#else
    (void)s;
#endif
#pragma omp parallel
    {
        kernel_result part;
        int me = 0;
        memset(&part, 0, sizeof part);
#ifdef _OPENMP
        me = omp_get_thread_num();
#pragma omp single nowait
        team = omp_get_num_threads();
#endif
        if (me == 0 && task != NULL) {
            task(task_ctx);
            task_end = par_now();
        }
#pragma omp for schedule(runtime) nowait
        for (int64_t i = 0; i < nitems; i++)
            fn(ctx, i, &part);
        if (me != 0) {
            double done = par_now();
#pragma omp critical(par_overlap_end)
            others_end = done > others_end ? done : others_end;
        }
#pragma omp critical(par_combine)
        kernel_result_combine(out, &part);
    }
    ov->task_s = task_end - start;
    ov->hidden_s =
        team > 1 ? (ov->task_s < others_end - start ? ov->task_s : others_end - start) : 0.0;
}

void par_team(par_team_fn fn, void *ctx)
{
#pragma omp parallel
    {
#ifdef _OPENMP
        fn(ctx, omp_get_thread_num(), omp_get_num_threads());
#else
        fn(ctx, 0, 1);
#endif
    }
}
