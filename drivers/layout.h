/*
 * layout.h - the process/thread picture of a run, measured: host, rank, PID,
 * thread id and the CPU core each thread is on (sched_getcpu) plus the cores
 * it may run on (its affinity mask), and from those masks whether the run is
 * oversubscribed.
 *
 * Invariant: masks and the table are sampled inside parallel regions of the
 * same team the kernel uses, on every thread of every rank, so "oversubscribed"
 * and "two threads share a core" are statements about the run's threads, not
 * about the master thread or a guess. A run is oversubscribed exactly when its
 * threads cannot each have a CPU of their own: within a rank, or among all
 * threads of the ranks on one node. The flag, its warning and the --layout
 * table all derive from that one verdict.
 */
#ifndef SCALEKIT_LAYOUT_H
#define SCALEKIT_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

enum { LAYOUT_HOST_LEN = 65, LAYOUT_CPUS_LEN = 64, LAYOUT_MAX_CPUS = 1024 };

/* A set of CPU numbers 0..LAYOUT_MAX_CPUS-1 (an affinity mask). */
typedef struct layout_cpuset {
    uint64_t bits[LAYOUT_MAX_CPUS / 64];
} layout_cpuset;

typedef struct layout_entry {
    char host[LAYOUT_HOST_LEN];
    int rank, thread, nthreads;
    int pid, tid, cpu;
    char allowed[LAYOUT_CPUS_LEN]; /* affinity as a list, e.g. "0-1" */
} layout_entry;

typedef struct layout_table {
    layout_entry *entry; /* rank 0: n entries, rank-major */
    int n;
    int shared;         /* rank 0: pairs of threads on one core of an oversubscribed run */
    int oversubscribed; /* the verdict handed to layout_sample() */
} layout_table;

/* Pure helpers on CPU sets (unit-tested). */
void layout_cpuset_add(layout_cpuset *s, int cpu);
int layout_cpuset_count(const layout_cpuset *s);
/* The set as a list "0-3,6" in out (cut with "..." when it does not fit). */
void layout_cpuset_text(const layout_cpuset *s, char *out, size_t n);
/* How many of n threads, thread i confined to sets[i], can run at the same
 * time each on a CPU of its own: a maximum matching of threads to CPUs. It is
 * n exactly when no CPU has to be time-shared (close/spread binding of 2
 * threads to 2 cores: 2; both bound to one core: 1; 3 unbound threads on 2
 * CPUs: 2). */
int layout_cpus_parallel(const layout_cpuset *sets, int n);

/* Collective: 1 if some rank's threads, or the threads of all ranks on some
 * node, cannot each have a CPU of their own (their affinity masks hold fewer
 * CPUs than threads, counted by layout_cpus_parallel()), or a node runs more
 * threads than it has CPUs online. Timings then measure time-sharing, not
 * parallelism. When 1, rank 0 gets a warning in msg (for msg_warn(), which
 * adds the "warning: " prefix) naming the first such rank or node, its
 * threads and CPUs, and what to change. No spinning: the masks are read
 * once by every thread. */
int layout_oversubscribed(char *msg, size_t n);

/* Collective: sample every thread of every rank while all spin; rank 0 gets
 * the table. `oversubscribed` is the verdict of layout_oversubscribed():
 * threads seen on one core count as sharing it only then (unpinned threads
 * of a run that is not oversubscribed may meet on a core for a moment). */
void layout_sample(layout_table *t, int oversubscribed);
/* Rank 0: print the table, the verdict and a warning per shared core. */
void layout_print(const layout_table *t);
void layout_free(layout_table *t);

#endif
