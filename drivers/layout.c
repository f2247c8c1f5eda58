/*
 * layout.c - measure and print where every thread of every rank runs (see
 * layout.h). Threads spin for a moment before sampling, as they would in a
 * compute loop, so the scheduler has placed them as it places a busy team.
 */
#define _GNU_SOURCE
#include "layout.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "comm.h"
#include "harness.h"
#include "par.h"

typedef struct layout_ctx {
    layout_entry *mine;
    int max;
    char host[LAYOUT_HOST_LEN];
} layout_ctx;

/* Write the affinity mask as "0-3,6". */
static void layout_cpus(char *out, size_t n)
{
    cpu_set_t set;
    size_t len = 0;
    out[0] = '\0';
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        snprintf(out, n, "?");
        return;
    }
    for (size_t c = 0; c < (size_t)CPU_SETSIZE && len + 16 < n; c++) {
        size_t e = c;
        if (!CPU_ISSET(c, &set)) continue;
        while (e + 1 < (size_t)CPU_SETSIZE && CPU_ISSET(e + 1, &set))
            e++;
        len += (size_t)snprintf(out + len, n - len, e > c ? "%s%zu-%zu" : "%s%zu", len ? "," : "",
                                c, e);
        c = e;
    }
}

static void layout_thread(void *arg, int thread, int nthreads)
{
    layout_ctx *c = arg;
    layout_entry *e;
    volatile double sink = 0.0;
    double until = harness_now() + 0.05;
    if (thread >= c->max) return;
    while (harness_now() < until)
        sink += 1.0;
    e = &c->mine[thread];
    snprintf(e->host, sizeof e->host, "%s", c->host);
    e->rank = comm_rank();
    e->thread = thread;
    e->nthreads = nthreads;
    e->pid = (int)getpid();
    e->tid = (int)syscall(SYS_gettid);
    e->cpu = sched_getcpu();
    layout_cpus(e->allowed, sizeof e->allowed);
}

/* 1 if two sampled threads (unused slots have rank -1) ran on one core. */
static int layout_same_core(const layout_entry *a, const layout_entry *b)
{
    return a->rank >= 0 && b->rank >= 0 && a->cpu >= 0 && a->cpu == b->cpu &&
           strcmp(a->host, b->host) == 0;
}

static int layout_count_shared(const layout_table *t)
{
    int shared = 0;
    for (int i = 0; i < t->n; i++)
        for (int j = i + 1; j < t->n; j++)
            shared += layout_same_core(&t->entry[i], &t->entry[j]);
    return shared;
}

int layout_oversubscribed(char *msg, size_t n)
{
    cpu_set_t set;
    int threads = par_threads(), on_node = comm_ranks_on_node();
    int allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : threads;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int node_threads = threads * on_node;
    int ok = threads <= allowed && (online <= 0 || node_threads <= online);
    msg[0] = '\0';
    if (comm_all(ok)) return 0;
    if (comm_rank() == 0)
        snprintf(msg, n,
                 "warning: oversubscribed: rank 0 runs %d thread(s) on %d allowed CPU(s); "
                 "its node runs %d rank(s) x %d thread(s) on %ld CPU(s). Timings measure "
                 "time-sharing; use fewer ranks/threads or fix placement (--layout shows it)",
                 threads, allowed, on_node, threads, online);
    return 1;
}

void layout_sample(layout_table *t)
{
    layout_ctx c;
    double max = par_threads();
    comm_max_double(&max, 1);
    c.max = (int)max;
    c.mine = SK_MALLOC((size_t)c.max * sizeof *c.mine);
    for (int i = 0; i < c.max; i++)
        c.mine[i].rank = -1; /* slots of threads this rank does not have */
    if (gethostname(c.host, sizeof c.host) != 0) snprintf(c.host, sizeof c.host, "unknown");
    c.host[sizeof c.host - 1] = '\0';
    par_team(layout_thread, &c);
    t->n = c.max * comm_size();
    t->entry = comm_rank() == 0 ? SK_MALLOC((size_t)t->n * sizeof *t->entry) : NULL;
    comm_gather(c.mine, t->entry, (size_t)c.max * sizeof *c.mine);
    free(c.mine);
    t->shared = comm_rank() == 0 ? layout_count_shared(t) : 0;
}

void layout_print(const layout_table *t)
{
    printf("layout (sampled while all threads spin):\n");
    printf("  %-20s %5s %8s %6s %8s %4s  %s\n", "host", "rank", "pid", "thread", "tid", "cpu",
           "allowed cpus");
    for (int i = 0; i < t->n; i++) {
        const layout_entry *e = &t->entry[i];
        if (e->rank >= 0)
            printf("  %-20s %5d %8d %3d/%-2d %8d %4d  %s\n", e->host, e->rank, e->pid, e->thread,
                   e->nthreads, e->tid, e->cpu, e->allowed);
    }
    for (int i = 0; i < t->n; i++)
        for (int j = i + 1; j < t->n; j++) {
            const layout_entry *a = &t->entry[i], *b = &t->entry[j];
            if (!layout_same_core(a, b)) continue;
            printf("  warning: rank %d thread %d and rank %d thread %d share core %d on %s: they "
                   "take turns instead of running in parallel (check OMP_NUM_THREADS, "
                   "mpirun --bind-to / --map-by, OMP_PLACES)\n",
                   a->rank, a->thread, b->rank, b->thread, a->cpu, a->host);
        }
}

void layout_free(layout_table *t)
{
    free(t->entry);
    t->entry = NULL;
    t->n = 0;
}
