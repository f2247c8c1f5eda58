/*
 * layout.h - the process/thread picture of a run, measured: host, rank, PID,
 * thread id and the CPU core each thread is on (sched_getcpu) plus the cores
 * it may run on (its affinity mask).
 *
 * Invariant: the table is sampled inside a parallel region of the same team
 * the kernel uses, while every thread of every rank is alive, so "two threads
 * share a core" is a statement about the run, not about a guess.
 */
#ifndef SCALEKIT_LAYOUT_H
#define SCALEKIT_LAYOUT_H

#include <stddef.h>

enum { LAYOUT_HOST_LEN = 64, LAYOUT_CPUS_LEN = 64 };

typedef struct layout_entry {
    char host[LAYOUT_HOST_LEN];
    int rank, thread, nthreads;
    int pid, tid, cpu;
    char allowed[LAYOUT_CPUS_LEN]; /* affinity as a list, e.g. "0-1" */
} layout_entry;

typedef struct layout_table {
    layout_entry *entry; /* rank 0: n entries, rank-major */
    int n;
    int shared; /* rank 0: pairs of threads found on one core */
} layout_table;

/* Collective: 1 if any rank runs more threads than the CPUs its affinity
 * mask allows, or any node more threads than it has CPUs online (timings
 * then measure time-sharing, not parallelism). When 1, rank 0 gets a warning
 * with the numbers and what to change in msg. */
int layout_oversubscribed(char *msg, size_t n);

/* Collective: sample every thread of every rank; rank 0 gets the table. */
void layout_sample(layout_table *t);
/* Rank 0: print the table and a warning per shared core. */
void layout_print(const layout_table *t);
void layout_free(layout_table *t);

#endif
