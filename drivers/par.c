/*
 * par.c - the threading layer (see par.h): the only file that uses OpenMP.
 * Without _OPENMP the pragmas are ignored and the omp_* calls are replaced by
 * a team of one, so the seq and mpi drivers run the same code paths.
 *
 * Invariant: per-thread partial results live on each thread's stack and are
 * combined under a critical section, so no two threads write the same memory.
 * The one exception is the shared-cell primitive "none" (par_add_none): the
 * deliberate data race that --sync none measures.
 */
#define _POSIX_C_SOURCE 200809L
#include "par.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hook.h"

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

/* ---- synchronisation primitives for shared cells ------------------------ */

enum { PAR_LINE = 64 / sizeof(uint64_t) }; /* cells per cache line */

struct par_cells {
    const par_sync *sync;
    int64_t n;
    int64_t stride; /* cells per private copy: n rounded up to a cache line */
    int nthreads;   /* private copies: the largest team par_for() starts */
    uint64_t *cells;
    uint64_t *priv; /* private_cells: nthreads copies of `stride` cells */
#ifdef _OPENMP
    omp_lock_t *locks; /* locks: one per cell */
#endif
};

static int par_thread(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* --sync none: an unsynchronised read-modify-write, the one deliberate data
 * race in scalekit. volatile keeps the compiler from merging successive
 * updates into one, so threads that overlap really overwrite each other's
 * increments. (tests/tsan.supp suppresses exactly this function.) */
static void par_add_none(void *cells, int64_t cell, uint64_t v)
{
    volatile uint64_t *p = &((par_cells *)cells)->cells[cell];
    *p = *p + v;
}

static void par_add_atomic(void *cells, int64_t cell, uint64_t v)
{
    uint64_t *p = &((par_cells *)cells)->cells[cell];
#pragma omp atomic update
    *p += v;
}

static void par_add_critical(void *cells, int64_t cell, uint64_t v)
{
    par_cells *c = cells;
#pragma omp critical(par_sync_critical)
    c->cells[cell] += v;
}

static void par_add_lock(void *cells, int64_t cell, uint64_t v)
{
    par_cells *c = cells;
#ifdef _OPENMP
    omp_set_lock(&c->locks[cell]);
    c->cells[cell] += v;
    omp_unset_lock(&c->locks[cell]);
#else
    c->cells[cell] += v;
#endif
}

/* The team never exceeds omp_get_max_threads(), so the thread number always
 * indexes an allocated copy. */
static void par_add_private(void *cells, int64_t cell, uint64_t v)
{
    par_cells *c = cells;
    c->priv[(int64_t)par_thread() * c->stride + cell] += v;
}

/* One entry per primitive; the first is the default. */
static const par_sync par_syncs[] = {
    {"atomic", "one atomic add per update (omp atomic)", 0, 0, 0, par_add_atomic},
    {"critical", "one critical section around every update, all cells (omp critical)", 0, 0, 0,
     par_add_critical},
    {"lock", "one lock per cell around the update (omp_set_lock)", 0, 1, 0, par_add_lock},
    {"reduction", "private cells per thread, summed once after the loop", 0, 0, 1, par_add_private},
    {"none", "no synchronisation: the deliberate data race, loses updates", 1, 0, 0, par_add_none},
};

const par_sync *par_sync_at(int i)
{
    return i >= 0 && i < (int)(sizeof par_syncs / sizeof par_syncs[0]) ? &par_syncs[i] : NULL;
}

static uint64_t *par_cells_alloc(int64_t n)
{
    size_t bytes = (size_t)((n + PAR_LINE - 1) / PAR_LINE * PAR_LINE) * sizeof(uint64_t);
    return aligned_alloc(64, bytes);
}

par_cells *par_cells_create(const par_sync *s, int64_t n)
{
    par_cells *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->sync = s;
    c->n = n;
    c->stride = (n + PAR_LINE - 1) / PAR_LINE * PAR_LINE;
    c->nthreads = par_threads();
    c->cells = par_cells_alloc(n);
    if (s->private_cells) c->priv = par_cells_alloc(c->stride * c->nthreads);
    int locks_ok = 1;
#ifdef _OPENMP
    if (s->locks) {
        c->locks = malloc((size_t)n * sizeof *c->locks);
        for (int64_t i = 0; c->locks != NULL && i < n; i++)
            omp_init_lock(&c->locks[i]);
        locks_ok = c->locks != NULL;
    }
#endif
    if (c->cells == NULL || (s->private_cells && c->priv == NULL) || !locks_ok) {
        par_cells_free(c);
        return NULL;
    }
    par_cells_reset(c);
    return c;
}

void par_cells_reset(par_cells *c)
{
    memset(c->cells, 0, (size_t)c->n * sizeof *c->cells);
    if (c->priv != NULL) memset(c->priv, 0, (size_t)(c->stride * c->nthreads) * sizeof *c->priv);
}

uint64_t *par_cells_values(par_cells *c)
{
    for (int t = 0; c->priv != NULL && t < c->nthreads; t++) {
        uint64_t *mine = c->priv + (int64_t)t * c->stride;
        for (int64_t i = 0; i < c->n; i++) {
            c->cells[i] += mine[i];
            mine[i] = 0;
        }
    }
    return c->cells;
}

void par_cells_free(par_cells *c)
{
    if (c == NULL) return;
#ifdef _OPENMP
    for (int64_t i = 0; c->locks != NULL && i < c->n; i++)
        omp_destroy_lock(&c->locks[i]);
    free(c->locks);
#endif
    free(c->cells);
    free(c->priv);
    free(c);
}

/* ---- probes for scalekit-overhead ---------------------------------------- */

void par_set_threads(int n)
{
#ifdef _OPENMP
    omp_set_num_threads(n);
#else
    (void)n;
#endif
}

/* The body of the fork/join probe: a call the compiler cannot see through,
 * so the region is not removed as empty (every thread only reads the
 * pointer). */
static void par_nothing(void) {}
static void (*volatile par_region_body)(void) = par_nothing;

void par_fork_join(int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
#pragma omp parallel
        par_region_body(); /* the cost is the fork and the join */
    }
}

double par_barriers(int64_t n)
{
    double seconds = 0.0;
#pragma omp parallel
    {
        double t0;
#pragma omp barrier
        t0 = par_now();
        for (int64_t i = 0; i < n; i++) {
#pragma omp barrier
        }
#ifdef _OPENMP
        if (omp_get_thread_num() == 0) seconds = par_now() - t0;
#else
        seconds = par_now() - t0;
#endif
    }
    return seconds;
}

static void *par_thread_nothing(void *arg)
{
    return arg;
}

int par_thread_create_join(int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, par_thread_nothing, NULL) != 0) return -1;
        pthread_join(t, NULL);
    }
    return 0;
}

/* One direction of a two-thread exchange: `sent` counts messages the
 * sender published, `taken` messages the receiver copied out; they sit on
 * separate cache lines. */
typedef struct par_link {
    _Alignas(64) atomic_llong sent;
    _Alignas(64) atomic_llong taken;
} par_link;

/* Busy-wait, as MPI's shared-memory transport does: yielding would hand the
 * core to other processes on a loaded machine and time their slices. */
static void par_wait_until(atomic_llong *v, long long want)
{
    while (atomic_load_explicit(v, memory_order_acquire) < want)
        ;
}

static void par_publish(atomic_llong *v, long long value)
{
    atomic_store_explicit(v, value, memory_order_release);
}

/* Thread 0: n round trips (publish src, wait for the reply, copy it out of
 * thread 1's buffer), or n windows of `window` messages, each window
 * complete (taken) before the next. */
static void par_exchange_sender(par_link *ln, size_t bytes, int64_t n, int window,
                                const char *reply, char *back)
{
    for (int64_t i = 0; i < n; i++) {
        if (window == 0) {
            par_publish(&ln[0].sent, i + 1);
            par_wait_until(&ln[1].sent, i + 1);
            memcpy(back, reply, bytes);
            continue;
        }
        for (int k = 0; k < window; k++)
            par_publish(&ln[0].sent, i * window + k + 1);
        par_wait_until(&ln[0].taken, (i + 1) * window); /* the window's acknowledgement */
    }
}

/* Thread 1: copy every message out of thread 0's buffer; in round trips,
 * publish the copy as the reply. */
static void par_exchange_receiver(par_link *ln, size_t bytes, int64_t n, int window,
                                  const char *src, char *dst)
{
    int64_t messages = window == 0 ? n : n * window;
    for (int64_t m = 0; m < messages; m++) {
        par_wait_until(&ln[0].sent, m + 1);
        memcpy(dst, src, bytes);
        par_publish(window == 0 ? &ln[1].sent : &ln[0].taken, m + 1);
    }
}

/* Test hook (hook.h: HOOK_CORRUPT_ALL or _THREADS): damage the last
 * message, so the tests see the exchange check fail. */
static int par_test_corrupt(void)
{
    hook_corrupt mode = hook_corrupt_mode();
    return mode == HOOK_CORRUPT_ALL || mode == HOOK_CORRUPT_THREADS;
}

/* Byte i of every message: a pattern the receiver checks at the end. */
static void par_pattern(char *buf, size_t bytes)
{
    for (size_t i = 0; i < bytes; i++)
        buf[i] = (char)((i * 131 + 7) & 0x7f);
}

/* Threads share memory, so a message needs one copy: the receiver copies it
 * straight out of the sender's buffer (as MPI's single-copy transports do
 * between processes). */
double par_exchange(size_t bytes, int64_t n, int window)
{
    par_link ln[2];
    size_t cap = bytes > 0 ? bytes : 1;
    char *src = malloc(cap), *dst = malloc(cap), *back = malloc(cap);
    double seconds = -1.0;
    for (int d = 0; d < 2; d++) {
        atomic_init(&ln[d].sent, 0);
        atomic_init(&ln[d].taken, 0);
    }
    if (src != NULL && dst != NULL && back != NULL) {
        par_pattern(src, bytes);
        memset(dst, 0, cap); /* page faults now, not in the timed loop */
        memset(back, 0, cap);
#pragma omp parallel num_threads(2)
        {
#ifdef _OPENMP
            int me = omp_get_thread_num(), team = omp_get_num_threads();
#else
            int me = 0, team = 1;
#endif
            if (team == 2) {
                double t0;
#pragma omp barrier
                t0 = par_now();
                if (me == 0) par_exchange_sender(ln, bytes, n, window, dst, back);
                if (me == 1) par_exchange_receiver(ln, bytes, n, window, src, dst);
                if (me == 0) seconds = par_now() - t0;
            }
        }
        if (seconds >= 0.0) {
            if (par_test_corrupt()) dst[bytes / 2] ^= 1; /* the check must catch it */
            if (memcmp(src, dst, bytes) != 0 || (window == 0 && memcmp(src, back, bytes) != 0))
                seconds = -2.0;
        }
    }
    free(src);
    free(dst);
    free(back);
    return seconds;
}
