/*
 * latency.c - work that waits: T independent tasks, each waits L
 * microseconds (a blocking sleep standing in for a remote request) and then
 * computes a little (C rounds of a hash). With more threads or ranks than
 * cores the waits overlap, so the run speeds up beyond the core count: that
 * is concurrency, not parallelism (CPU-bound kernels stop at the core count).
 *
 *   --mode threads      each worker (thread, rank) blocks in nanosleep() for
 *                       each of its tasks in turn
 *   --mode cooperative  one thread per process keeps every wait in flight:
 *                       work() only registers each task's deadline, and
 *                       iteration_end() runs an event loop (a timerfd armed
 *                       at the earliest deadline, waited on with epoll) that
 *                       computes each task as its wait ends. No threads, so
 *                       it applies to scalekit-seq and scalekit-mpi (one loop
 *                       per rank); Linux-specific (timerfd, epoll).
 *
 * Task i's value is latency_value(i, C), a hash chain of i; each run counts
 * how often every task completed. Invariant: after a run of I iterations
 * every task completed exactly I times, and the checksum (sum of the values,
 * mod 2^64) equals the one verify() recomputes, whatever the decomposition.
 */
#define _GNU_SOURCE
#include "kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define LATENCY_MAX_TASKS INT64_C(1000000)
#define LATENCY_MAX_WAIT_US INT64_C(60000000)
#define LATENCY_MAX_ROUNDS INT64_C(100000000)
#define LATENCY_MAX_VERIFY INT64_C(20000000000) /* T * C rounds that verify() recomputes */

enum { LATENCY_THREADS = 0, LATENCY_COOPERATIVE = 1 }; /* --mode, params.opt[0] */

typedef struct latency_state {
    int64_t wait_ns, rounds, nlocal;
    uint64_t *value; /* per local task: the value of its last completion */
    int64_t *runs;   /* per local task: completions in this run */
    /* cooperative: the tasks waiting, in deadline order (every task waits the
     * same L, so registration order is deadline order: a FIFO suffices). */
    int64_t *queue_task, *queue_global;
    int64_t *queue_due; /* CLOCK_MONOTONIC ns */
    int64_t head, tail;
    int timer, poll; /* timerfd and epoll descriptors, -1 if unused */
} latency_state;

static int latency_mode(const kernel_params *p)
{
    return p->opt[0];
}

/* C rounds of the splitmix64 step from task i: the task's "little compute". */
static uint64_t latency_value(int64_t i, int64_t rounds)
{
    uint64_t z = (uint64_t)i * UINT64_C(0x9E3779B97F4A7C15) + UINT64_C(0x1A7E9C0FFEE);
    for (int64_t r = 0; r < rounds; r++)
        z = kernel_mix64(z + UINT64_C(0x9E3779B97F4A7C15));
    return z;
}

static int64_t latency_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int latency_check(const kernel_params *p, char *err, size_t errlen)
{
    static const struct {
        const char *name, *why;
        int64_t max;
    } limits[3] = {
        {"T", "10^6 tasks", LATENCY_MAX_TASKS},
        {"L", "microseconds: a minute", LATENCY_MAX_WAIT_US},
        {"C", "10^8 hash rounds", LATENCY_MAX_ROUNDS},
    };
    for (int i = 0; i < 3; i++)
        if (p->size[i] > limits[i].max) {
            snprintf(err, errlen,
                     "latency: --size %s=%" PRId64 " is too large: the limit is %s <= %" PRId64
                     " (%s)",
                     limits[i].name, p->size[i], limits[i].name, limits[i].max, limits[i].why);
            return -1;
        }
    if (p->size[0] * p->size[2] > LATENCY_MAX_VERIFY) {
        snprintf(err, errlen,
                 "latency: --size %" PRId64 "x%" PRId64 "x%" PRId64
                 " is too large: the limit is T*C <= 20000000000 (2*10^10 hash rounds, which "
                 "verification recomputes); reduce T or C",
                 p->size[0], p->size[1], p->size[2]);
        return -1;
    }
    return 0;
}

static int64_t latency_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[0] : 1;
}

static double latency_local_bytes(const kernel_params *p, const kernel_domain *d)
{
    (void)p;
    return 40.0 * (double)d->nlocal;
}

static void latency_destroy(void *state)
{
    latency_state *s = state;
    if (s == NULL) return;
    if (s->timer >= 0) close(s->timer);
    if (s->poll >= 0) close(s->poll);
    free(s->value);
    free(s->runs);
    free(s->queue_task);
    free(s->queue_global);
    free(s->queue_due);
    free(s);
}

/* The event loop's descriptors: a timerfd registered with an epoll set. */
static int latency_open_loop(latency_state *s)
{
    struct epoll_event ev = {.events = EPOLLIN};
    size_t n = (size_t)(s->nlocal > 0 ? s->nlocal : 1);
    s->queue_task = malloc(n * sizeof *s->queue_task);
    s->queue_global = malloc(n * sizeof *s->queue_global);
    s->queue_due = malloc(n * sizeof *s->queue_due);
    s->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    s->poll = epoll_create1(EPOLL_CLOEXEC);
    if (!s->queue_task || !s->queue_global || !s->queue_due || s->timer < 0 || s->poll < 0)
        return -1;
    return epoll_ctl(s->poll, EPOLL_CTL_ADD, s->timer, &ev);
}

static void *latency_create(const kernel_params *p, const kernel_domain *d)
{
    latency_state *s = calloc(1, sizeof *s);
    size_t n = (size_t)(d->nlocal > 0 ? d->nlocal : 1);
    if (s == NULL) return NULL;
    s->timer = s->poll = -1;
    s->wait_ns = p->size[1] * 1000;
    s->rounds = p->size[2];
    s->nlocal = d->nlocal;
    s->value = calloc(n, sizeof *s->value);
    s->runs = calloc(n, sizeof *s->runs);
    if (s->value == NULL || s->runs == NULL ||
        (latency_mode(p) == LATENCY_COOPERATIVE && latency_open_loop(s) != 0)) {
        latency_destroy(s);
        return NULL;
    }
    return s;
}

static void latency_init(void *state, const kernel_span *sp)
{
    latency_state *s = state;
    for (int64_t k = 0; k < sp->count; k++)
        s->runs[sp->local + k] = 0;
}

static void latency_complete(latency_state *s, int64_t local, int64_t global)
{
    s->value[local] = latency_value(global, s->rounds);
    s->runs[local]++;
}

/* Block for ns nanoseconds (resumed after signals). */
static void latency_sleep(int64_t ns)
{
    struct timespec left = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/* threads: wait, then compute, task after task. cooperative: register the
 * tasks' deadlines; iteration_end() waits for all of them at once. */
static void latency_work(void *state, const kernel_span *sp, kernel_result *part)
{
    latency_state *s = state;
    int64_t due = s->timer >= 0 ? latency_now_ns() + s->wait_ns : 0;
    (void)part;
    for (int64_t k = 0; k < sp->count; k++) {
        if (s->timer < 0) {
            latency_sleep(s->wait_ns);
            latency_complete(s, sp->local + k, sp->global + k);
            continue;
        }
        s->queue_task[s->tail] = sp->local + k;
        s->queue_global[s->tail] = sp->global + k;
        s->queue_due[s->tail++] = due;
    }
}

/* Arm the timer at the earliest deadline and wait for it with epoll. */
static void latency_wait_next(latency_state *s)
{
    struct itimerspec at;
    struct epoll_event ev;
    uint64_t expirations;
    int64_t due = s->queue_due[s->head];
    memset(&at, 0, sizeof at);
    at.it_value.tv_sec = (time_t)(due / 1000000000);
    at.it_value.tv_nsec = (long)(due % 1000000000);
    if (timerfd_settime(s->timer, TFD_TIMER_ABSTIME, &at, NULL) != 0) {
        latency_sleep(due - latency_now_ns()); /* cannot happen with valid times; stay correct */
        return;
    }
    while (epoll_wait(s->poll, &ev, 1, -1) < 0 && errno == EINTR)
        ;
    if (read(s->timer, &expirations, sizeof expirations) < 0) expirations = 0;
}

/* cooperative: the event loop; complete every task whose wait is over. */
static void latency_iteration_end(void *state)
{
    latency_state *s = state;
    while (s->head < s->tail) {
        int64_t now = latency_now_ns();
        if (s->queue_due[s->head] > now) {
            latency_wait_next(s);
            continue;
        }
        while (s->head < s->tail && s->queue_due[s->head] <= now) {
            latency_complete(s, s->queue_task[s->head], s->queue_global[s->head]);
            s->head++;
        }
    }
    s->head = s->tail = 0;
}

/* count[0]: task completions, count[1]: checksum of the values. */
static void latency_finish(void *state, const kernel_span *sp, kernel_result *part)
{
    const latency_state *s = state;
    for (int64_t k = 0; k < sp->count; k++) {
        part->count[0] += (uint64_t)s->runs[sp->local + k];
        part->count[1] += s->value[sp->local + k];
    }
}

static void latency_verify(const kernel_params *p, const kernel_result *r, kernel_verdict *v)
{
    uint64_t want = (uint64_t)p->size[0] * (uint64_t)p->iters, sum = 0;
    for (int64_t i = 0; i < p->size[0]; i++)
        sum += latency_value(i, p->size[2]);
    v->ok = r->count[0] == want && r->count[1] == sum;
    v->value_name = "tasks_completed";
    v->value_is_integer = 1;
    v->ivalue = r->count[0];
    v->dvalue = (double)r->count[0];
    snprintf(v->expected, sizeof v->expected,
             "%" PRIu64 " task completions (T x iters), checksum %016" PRIx64, want, sum);
    snprintf(v->got, sizeof v->got, "%" PRIu64 " task completions, checksum %016" PRIx64,
             r->count[0], r->count[1]);
    snprintf(v->method, sizeof v->method, "task count and recomputed checksum");
}

static double latency_work_units(const kernel_params *p, const kernel_result *r)
{
    (void)r;
    return (double)p->size[0] * (double)p->iters;
}

/* One worker waits for every task in turn: T x (L + C rounds of ~5 ns). */
static double latency_est_seconds(const kernel_params *p)
{
    return (double)p->size[0] * (double)p->iters *
           (1e-6 * (double)p->size[1] + 5e-9 * (double)p->size[2]);
}

static const kernel_choice latency_modes[] = {
    {"threads", "every worker (thread or rank) blocks in each wait in turn", 0, NULL},
    {"cooperative", "one thread per process, every wait in flight (timerfd + epoll loop)",
     KERNEL_MODEL_SEQ | KERNEL_MODEL_MPI,
     "it runs one event loop and no threads: use scalekit-seq, or scalekit-mpi for one loop "
     "per rank"},
    {NULL, NULL, 0, NULL},
};

static const kernel_option latency_options[] = {
    {"mode", "how the waits are overlapped", KERNEL_OPTION_CHOICE, latency_modes},
    {NULL, NULL, KERNEL_OPTION_CHOICE, NULL},
};

const kernel kernel_latency = {
    .name = "latency",
    .summary = "T tasks that each wait L us, then compute a little: concurrency beyond the cores",
    .size_help = "T[xL[xC]] (tasks, wait in microseconds, hash rounds per task)",
    .iters_help = "passes over all tasks per run",
    .size_dims = 3,
    /* One task is L us of waiting plus C rounds (~1 ns each); a sequential
     * run takes about T * L. */
    .presets = {{32, 10000, 20000}, {256, 10000, 20000}, {4096, 10000, 20000}},
    .size_defaults = {0, 20000, 20000},
    .default_iters = 1,
    .dims = 1,
    .grain = 1,
    .rate_unit = "tasks/s",
    .rate_scale = 1.0,
    .check = latency_check,
    .extent = latency_extent,
    .local_bytes = latency_local_bytes,
    .create = latency_create,
    .destroy = latency_destroy,
    .init = latency_init,
    .work = latency_work,
    .iteration_end = latency_iteration_end,
    .finish = latency_finish,
    .verify = latency_verify,
    .work_units = latency_work_units,
    .est_seconds = latency_est_seconds,
    .options = latency_options,
};
