/*
 * layout.c - where every thread of every rank may run and does run (see
 * layout.h). The oversubscription verdict reads each thread's affinity mask
 * inside the team (after the OpenMP runtime has bound it), matches threads to
 * CPUs per rank and per node, and tells rank 0. --layout additionally lets
 * every thread spin for a moment before sampling its CPU, as it would in a
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
#include "msg.h"
#include "par.h"

/* ---- CPU sets ------------------------------------------------------------ */

void layout_cpuset_add(layout_cpuset *s, int cpu)
{
    if (cpu >= 0 && cpu < LAYOUT_MAX_CPUS) s->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

static int layout_cpuset_has(const layout_cpuset *s, int cpu)
{
    return (int)((s->bits[cpu / 64] >> (cpu % 64)) & 1u);
}

int layout_cpuset_count(const layout_cpuset *s)
{
    int n = 0;
    for (int w = 0; w < LAYOUT_MAX_CPUS / 64; w++)
        for (uint64_t b = s->bits[w]; b != 0; b &= b - 1)
            n++;
    return n;
}

static void layout_cpuset_union(layout_cpuset *into, const layout_cpuset *s)
{
    for (int w = 0; w < LAYOUT_MAX_CPUS / 64; w++)
        into->bits[w] |= s->bits[w];
}

void layout_cpuset_text(const layout_cpuset *s, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int c = 0; c < LAYOUT_MAX_CPUS; c++) {
        int e = c;
        if (!layout_cpuset_has(s, c)) continue;
        while (e + 1 < LAYOUT_MAX_CPUS && layout_cpuset_has(s, e + 1))
            e++;
        if (len + 24 >= n) { /* room for one more range and the ellipsis */
            snprintf(out + len, n - len, "%s...", len ? "," : "");
            return;
        }
        len +=
            (size_t)snprintf(out + len, n - len, e > c ? "%s%d-%d" : "%s%d", len ? "," : "", c, e);
        c = e;
    }
}

/* The calling thread's affinity mask (all CPUs online if it cannot be read). */
static void layout_cpuset_mine(layout_cpuset *s)
{
    cpu_set_t set;
    memset(s, 0, sizeof *s);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        for (long c = 0; c < online && c < LAYOUT_MAX_CPUS; c++)
            layout_cpuset_add(s, (int)c);
        return;
    }
    for (size_t c = 0; c < LAYOUT_MAX_CPUS && c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) layout_cpuset_add(s, (int)c);
}

/* ---- matching threads to CPUs ------------------------------------------ */

typedef struct layout_match {
    const layout_cpuset *sets;
    int *owner;         /* owner[cpu]: thread holding it, -1 free */
    layout_cpuset seen; /* CPUs visited by the current search */
} layout_match;

/* Find thread t a CPU, moving threads along an augmenting path (Kuhn). */
static int layout_augment(layout_match *m, int t)
{
    for (int w = 0; w < LAYOUT_MAX_CPUS / 64; w++) {
        for (uint64_t b = m->sets[t].bits[w] & ~m->seen.bits[w]; b != 0; b &= b - 1) {
            int c = w * 64, bit = 0;
            while (!((b >> bit) & 1u))
                bit++;
            c += bit;
            if (layout_cpuset_has(&m->seen, c)) continue;
            layout_cpuset_add(&m->seen, c);
            if (m->owner[c] < 0 || layout_augment(m, m->owner[c])) {
                m->owner[c] = t;
                return 1;
            }
        }
    }
    return 0;
}

int layout_cpus_parallel(const layout_cpuset *sets, int n)
{
    layout_match m;
    layout_cpuset all;
    int owner[LAYOUT_MAX_CPUS], matched = 0, limit;
    memset(&all, 0, sizeof all);
    for (int t = 0; t < n; t++)
        layout_cpuset_union(&all, &sets[t]);
    limit = layout_cpuset_count(&all);
    for (int c = 0; c < LAYOUT_MAX_CPUS; c++)
        owner[c] = -1;
    m.sets = sets;
    m.owner = owner;
    for (int t = 0; t < n && matched < limit; t++) {
        memset(&m.seen, 0, sizeof m.seen);
        matched += layout_augment(&m, t);
    }
    return matched;
}

/* ---- the oversubscription verdict ---------------------------------------- */

/* What rank 0 learns from every rank. */
typedef struct layout_load {
    int threads, usable;                               /* this rank's team */
    int leader;                                        /* 1: the node_* fields hold */
    int node_ranks, node_threads, node_usable, online; /* this rank's node */
    char cpus[LAYOUT_CPUS_LEN], node_cpus[LAYOUT_CPUS_LEN];
    char host[LAYOUT_HOST_LEN];
} layout_load;

typedef struct layout_masks {
    layout_cpuset *set; /* one per thread slot; empty for slots with no thread */
    int slots, threads;
} layout_masks;

static void layout_mask_thread(void *arg, int thread, int nthreads)
{
    layout_masks *m = arg;
    if (thread >= m->slots) return;
    layout_cpuset_mine(&m->set[thread]);
    if (thread == 0) m->threads = nthreads < m->slots ? nthreads : m->slots;
}

static int layout_ok(const layout_load *l)
{
    return l->usable >= l->threads &&
           (!l->leader || (l->node_usable >= l->node_threads &&
                           (l->online <= 0 || l->node_threads <= l->online)));
}

/* The node leader matches all threads of its node to CPUs. */
static void layout_node(layout_load *me, const layout_masks *m)
{
    size_t bytes = (size_t)m->slots * sizeof *m->set;
    layout_cpuset *all, *packed, cpus;
    void *gathered;
    int ranks, n = 0;
    me->leader = comm_node_gather(m->set, bytes, &gathered, &ranks) == 0;
    all = gathered;
    if (me->leader) {
        packed = SK_MALLOC((size_t)ranks * bytes);
        memset(&cpus, 0, sizeof cpus);
        for (int i = 0; i < ranks * m->slots; i++) {
            if (layout_cpuset_count(&all[i]) == 0) continue; /* no thread in this slot */
            packed[n++] = all[i];
            layout_cpuset_union(&cpus, &all[i]);
        }
        me->node_ranks = ranks;
        me->node_threads = n;
        me->node_usable = layout_cpus_parallel(packed, n);
        me->online = (int)sysconf(_SC_NPROCESSORS_ONLN);
        layout_cpuset_text(&cpus, me->node_cpus, sizeof me->node_cpus);
        free(packed);
    }
    free(all);
}

/* Rank 0: the warning for the first rank, else the first node, at fault. */
static void layout_warning(const layout_load *all, int n, char *msg, size_t len)
{
    const char *tail = ". Timings measure time-sharing; use fewer ranks/threads or fix placement "
                       "(--layout shows it)";
    for (int r = 0; r < n; r++)
        if (all[r].usable < all[r].threads) {
            snprintf(msg, len,
                     "oversubscribed: rank %d runs %d thread(s), but their affinity "
                     "masks (CPUs %s) let only %d run at a time%s",
                     r, all[r].threads, all[r].cpus, all[r].usable, tail);
            return;
        }
    for (int r = 0; r < n; r++)
        if (all[r].leader && !layout_ok(&all[r])) {
            const layout_load *l = &all[r];
            int usable = l->online > 0 && l->online < l->node_usable ? l->online : l->node_usable;
            snprintf(msg, len,
                     "oversubscribed: node %s runs %d rank(s) with %d thread(s) in all, "
                     "but their affinity masks (CPUs %s; %d online) let only %d run at a time%s",
                     l->host, l->node_ranks, l->node_threads, l->node_cpus, l->online, usable,
                     tail);
            return;
        }
}

int layout_oversubscribed(char *msg, size_t n)
{
    layout_masks m;
    layout_load me, *all = NULL;
    layout_cpuset cpus;
    double slots = par_threads();
    int bad;
    comm_max_double(&slots, 1);
    m.slots = (int)slots;
    m.threads = 0;
    m.set = SK_MALLOC((size_t)m.slots * sizeof *m.set);
    memset(m.set, 0, (size_t)m.slots * sizeof *m.set);
    par_team(layout_mask_thread, &m);
    memset(&me, 0, sizeof me);
    memset(&cpus, 0, sizeof cpus);
    for (int t = 0; t < m.threads; t++)
        layout_cpuset_union(&cpus, &m.set[t]);
    me.threads = m.threads;
    me.usable = layout_cpus_parallel(m.set, m.threads);
    layout_cpuset_text(&cpus, me.cpus, sizeof me.cpus);
    msg_hostname(me.host, sizeof me.host);
    layout_node(&me, &m);
    free(m.set);
    if (comm_rank() == 0) all = SK_MALLOC((size_t)comm_size() * sizeof *all);
    comm_gather(&me, all, sizeof me);
    msg[0] = '\0';
    bad = 0;
    if (comm_rank() == 0) {
        for (int r = 0; r < comm_size(); r++)
            bad = bad || !layout_ok(&all[r]);
        if (bad) layout_warning(all, comm_size(), msg, n);
        free(all);
    }
    comm_bcast(&bad, sizeof bad);
    return bad;
}

/* ---- the --layout table -------------------------------------------------- */

typedef struct layout_ctx {
    layout_entry *mine;
    int max;
    char host[LAYOUT_HOST_LEN];
} layout_ctx;

static void layout_thread(void *arg, int thread, int nthreads)
{
    layout_ctx *c = arg;
    layout_entry *e;
    layout_cpuset set;
    volatile double sink = 0.0;
    double until = harness_now() + 0.05;
    if (thread >= c->max) return;
    while (harness_now() < until)
        sink += 1.0;
    (void)sink; /* the spin is the point; clang flags a volatile that is only written */
    e = &c->mine[thread];
    snprintf(e->host, sizeof e->host, "%s", c->host);
    e->rank = comm_rank();
    e->thread = thread;
    e->nthreads = nthreads;
    e->pid = (int)getpid();
    e->tid = (int)syscall(SYS_gettid);
    e->cpu = sched_getcpu();
    layout_cpuset_mine(&set);
    layout_cpuset_text(&set, e->allowed, sizeof e->allowed);
}

/* 1 if two sampled threads (unused slots have rank -1) ran on one core. */
static int layout_same_core(const layout_entry *a, const layout_entry *b)
{
    return a->rank >= 0 && b->rank >= 0 && a->cpu >= 0 && a->cpu == b->cpu &&
           strcmp(a->host, b->host) == 0;
}

static int layout_count_met(const layout_table *t)
{
    int met = 0;
    for (int i = 0; i < t->n; i++)
        for (int j = i + 1; j < t->n; j++)
            met += layout_same_core(&t->entry[i], &t->entry[j]);
    return met;
}

void layout_sample(layout_table *t, int oversubscribed)
{
    layout_ctx c;
    double max = par_threads();
    comm_max_double(&max, 1);
    c.max = (int)max;
    c.mine = SK_MALLOC((size_t)c.max * sizeof *c.mine);
    for (int i = 0; i < c.max; i++)
        c.mine[i].rank = -1; /* slots of threads this rank does not have */
    msg_hostname(c.host, sizeof c.host);
    par_team(layout_thread, &c);
    t->n = c.max * comm_size();
    t->entry = comm_rank() == 0 ? SK_MALLOC((size_t)t->n * sizeof *t->entry) : NULL;
    comm_gather(c.mine, t->entry, (size_t)c.max * sizeof *c.mine);
    free(c.mine);
    t->oversubscribed = oversubscribed;
    t->shared = comm_rank() == 0 && oversubscribed ? layout_count_met(t) : 0;
}

void layout_print(const layout_table *t)
{
    int met = 0;
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
            met++;
            if (t->oversubscribed)
                printf("  warning: rank %d thread %d and rank %d thread %d share core %d on %s: "
                       "they take turns instead of running in parallel (check OMP_NUM_THREADS, "
                       "mpirun --bind-to / --map-by, OMP_PLACES)\n",
                       a->rank, a->thread, b->rank, b->thread, a->cpu, a->host);
        }
    if (t->oversubscribed)
        printf("  oversubscribed: some threads cannot have a CPU of their own (see the "
               "warning)\n");
    else if (met > 0)
        printf("  not oversubscribed: every thread can have a CPU of its own; %d pair(s) of "
               "unpinned threads were on one CPU when sampled (pin them with OMP_PROC_BIND / "
               "OMP_PLACES or mpirun --bind-to for steadier timings)\n",
               met);
    else
        printf("  not oversubscribed: every thread can have a CPU of its own\n");
}

void layout_free(layout_table *t)
{
    free(t->entry);
    t->entry = NULL;
    t->n = 0;
}
