/*
 * par.c - the threading layer (see par.h): the only file that uses OpenMP.
 * Without _OPENMP the pragmas are ignored and the omp_* calls are replaced by
 * a team of one, so the seq and mpi drivers run the same code paths.
 *
 * Invariant: per-thread partial results live on each thread's stack and are
 * combined under a critical section, so no two threads write the same memory.
 */
#include "par.h"

#include <stdio.h>
#include <string.h>

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
