/*
 * counter.c - races and synchronisation: every update adds 1 to one shared
 * counter (--variant counter: every worker contends for one cell) or to one
 * of 4096 histogram bins (--variant histogram: updates spread over the bins).
 * The shared cells and the primitive that guards them (--sync atomic,
 * critical, lock, reduction, none for threads; reduce, rma, lock for ranks)
 * come from the drivers (kernel.h: kernel_shared), so this file never sees
 * OpenMP or MPI and the cost per update of every primitive is measured on the
 * same loop.
 *
 * Update i (global index, 0 <= i < N) adds 1 to bin(i). With B bins (a power
 * of two), bin(i) = (i mod B) XOR (h(i div B) mod B): every block of B
 * consecutive updates hits every bin exactly once, in an order that changes
 * from block to block, so workers on different blocks rarely meet on a bin.
 * Invariant: with a correct primitive, after a run of I iterations bin b
 * holds exactly I * (N div B + [b is hit by the last, partial block]); any
 * lost update shows as a shortfall (--sync none loses some when threads
 * overlap: the run reports how many, marked expected_wrong).
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNTER_MAX_UPDATES (INT64_C(1) << 56)

enum { COUNTER_HIST_LOG2 = 12 }; /* histogram: 4096 bins */

typedef struct counter_state {
    const kernel_shared *shared;
    int log2_bins;
} counter_state;

static int counter_log2_bins(const kernel_params *p)
{
    return p->opt[1] == 1 ? COUNTER_HIST_LOG2 : 0; /* opt[1]: --variant */
}

/* splitmix64 finaliser: scrambles a block number. */
static uint64_t counter_mix(uint64_t z)
{
    return kernel_mix64(z + UINT64_C(0x9E3779B97F4A7C15));
}

static int64_t counter_bin(uint64_t i, int log2_bins)
{
    uint64_t mask = (UINT64_C(1) << log2_bins) - 1;
    if (log2_bins == 0) return 0;
    return (int64_t)((i & mask) ^ (counter_mix(i >> log2_bins) & mask));
}

static int counter_check(const kernel_params *p, char *err, size_t errlen)
{
    if (p->size[0] > COUNTER_MAX_UPDATES) {
        snprintf(err, errlen,
                 "counter: --size N=%" PRId64 " is too large: the limit is N <= "
                 "72057594037927936 (2^56 updates)",
                 p->size[0]);
        return -1;
    }
    if (p->iters > COUNTER_MAX_UPDATES / p->size[0]) {
        snprintf(err, errlen,
                 "counter: --iters %" PRId64 " is too large: the limit is %" PRId64
                 " for this size (N*iters updates must stay <= 2^56)",
                 p->iters, COUNTER_MAX_UPDATES / p->size[0]);
        return -1;
    }
    return 0;
}

static int64_t counter_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[0] : 1;
}

static int64_t counter_cells(const kernel_params *p)
{
    return INT64_C(1) << counter_log2_bins(p);
}

static double counter_local_bytes(const kernel_params *p, const kernel_domain *d)
{
    (void)d;
    return (double)sizeof(counter_state) + 8.0 * (double)counter_cells(p);
}

/* Needs the run's shared cells; NULL without them. */
static void *counter_create(const kernel_params *p, const kernel_domain *d)
{
    counter_state *s;
    if (d->shared == NULL || d->shared->ncells != counter_cells(p)) return NULL;
    s = malloc(sizeof *s);
    if (s == NULL) return NULL;
    s->shared = d->shared;
    s->log2_bins = counter_log2_bins(p);
    return s;
}

static void counter_destroy(void *state)
{
    free(state);
}

static void counter_work(void *state, const kernel_span *s, kernel_result *part)
{
    const counter_state *c = state;
    const kernel_shared *sh = c->shared;
    uint64_t first = (uint64_t)s->global;
    (void)part;
    for (uint64_t i = first; i < first + (uint64_t)s->count; i++)
        sh->add(sh->ctx, counter_bin(i, c->log2_bins), 1);
}

/* What bin b must hold after one iteration over N updates. The partial
 * last block [last, N), rem = N - last < B updates, lies in one block, so
 * update last + j hits bin(last) XOR j: bin b is hit once iff
 * (b XOR bin(last)) < rem, and no table of the tail's bins is needed. */
static uint64_t counter_expected_bin(int64_t n, int log2_bins, int64_t b)
{
    int64_t rem = n & ((INT64_C(1) << log2_bins) - 1), last = n - rem;
    int64_t first_bin = counter_bin((uint64_t)last, log2_bins);
    return (uint64_t)(n >> log2_bins) + (uint64_t)((b ^ first_bin) < rem);
}

/* count[0] updates counted, count[1] bins holding a wrong count, count[2]
 * updates lost (expected - counted, when short). */
static void counter_summarise(const kernel_params *p, const uint64_t *cells, int64_t ncells,
                              kernel_result *r)
{
    int log2_bins = counter_log2_bins(p);
    int64_t n = p->size[0], bins = INT64_C(1) << log2_bins;
    uint64_t total = 0, want = (uint64_t)n * (uint64_t)p->iters;
    if (ncells != bins) {
        r->count[1] = (uint64_t)bins; /* cannot check: report every bin wrong */
        return;
    }
    for (int64_t b = 0; b < bins; b++) {
        total += cells[b];
        r->count[1] += cells[b] != counter_expected_bin(n, log2_bins, b) * (uint64_t)p->iters;
    }
    r->count[0] = total;
    r->count[2] = total < want ? want - total : 0;
}

static void counter_verify(const kernel_params *p, const kernel_result *r, kernel_verdict *v)
{
    uint64_t want = (uint64_t)p->size[0] * (uint64_t)p->iters;
    v->ok = r->count[0] == want && r->count[1] == 0;
    v->value_name = "updates_counted";
    v->value_is_integer = 1;
    v->ivalue = r->count[0];
    v->dvalue = (double)r->count[0];
    snprintf(v->expected, sizeof v->expected, "%" PRIu64 " updates (N x iters), every bin exact",
             want);
    snprintf(v->got, sizeof v->got,
             "%" PRIu64 " (lost %" PRIu64 ", %.1f%%; %" PRIu64 " bin(s) wrong)", r->count[0],
             r->count[2], want > 0 ? 100.0 * (double)r->count[2] / (double)want : 0.0, r->count[1]);
    snprintf(v->method, sizeof v->method, "exact count per bin");
}

static double counter_work_units(const kernel_params *p, const kernel_result *r)
{
    (void)r;
    return (double)p->size[0] * (double)p->iters;
}

static const kernel_choice counter_variants[] = {
    {"counter", "one shared counter: every update contends for it", 0, NULL},
    {"histogram", "4096 bins: updates spread over them and rarely meet", 0, NULL},
    {NULL, NULL, 0, NULL},
};

static const kernel_option counter_options[] = {
    {"sync", "how workers synchronise their updates", KERNEL_OPTION_SYNC, NULL},
    {"variant", "what they update", KERNEL_OPTION_CHOICE, counter_variants},
    {NULL, NULL, KERNEL_OPTION_CHOICE, NULL},
};

const kernel kernel_counter = {
    .name = "counter",
    .summary = "N updates of a shared counter or histogram: lost updates and the cost of --sync",
    .size_help = "N (updates in all, dealt to the workers)",
    .iters_help = "passes of N updates per run",
    .size_dims = 1,
    /* Contended atomic adds cost 10-50 ns; rma/lock cost microseconds per
     * update: give those a smaller --size. */
    .presets = {{2000000}, {20000000}, {200000000}},
    .default_iters = 1,
    .dims = 1,
    .grain = 4096,
    .rate_unit = "Mupdates/s",
    .rate_scale = 1e-6,
    .check = counter_check,
    .extent = counter_extent,
    .local_bytes = counter_local_bytes,
    .create = counter_create,
    .destroy = counter_destroy,
    .work = counter_work,
    .verify = counter_verify,
    .work_units = counter_work_units,
    .options = counter_options,
    .shared_cells = counter_cells,
    .summarise = counter_summarise,
};
