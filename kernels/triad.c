/*
 * triad.c - STREAM triad a[i] = b[i] + s*c[i] over N doubles per array.
 *
 * init() sets a = 0, b = g % 16, c = g % 8 (g the global index) and s = 3,
 * so every value and every partial sum of a, b or c is a small integer
 * (below 2^53 for N <= 2^40): the checksums are exact in double arithmetic
 * whatever the summation order. Invariant: that is why triad checksums are
 * exactly equal across drivers, decompositions and thread counts.
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define TRIAD_MAX_N (INT64_C(1) << 40)
#define TRIAD_SCALAR 3.0
#define TRIAD_ALIGN 64

typedef struct triad_state {
    int64_t nlocal;
    double *a, *b, *c;
} triad_state;

static int triad_check(const kernel_params *p, char *err, size_t errlen)
{
    int64_t n = p->size[0];
    if (n > TRIAD_MAX_N) {
        snprintf(err, errlen,
                 "triad: --size N=%" PRId64 " is too large: the limit is N <= "
                 "1099511627776 (2^40; checksums must stay exact)",
                 n);
        return -1;
    }
    if (p->iters > INT64_MAX / 24 / n) {
        snprintf(err, errlen,
                 "triad: --iters %" PRId64 " is too large: the limit is %" PRId64
                 " for this size (24*N*iters bytes must fit 64 bits)",
                 p->iters, INT64_MAX / 24 / n);
        return -1;
    }
    return 0;
}

static int64_t triad_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[0] : 1;
}

static double triad_local_bytes(const kernel_params *p, const kernel_domain *d)
{
    (void)p;
    return 24.0 * (double)d->nlocal;
}

static void triad_destroy(void *state)
{
    triad_state *t = state;
    if (t == NULL) return;
    free(t->a);
    free(t->b);
    free(t->c);
    free(t);
}

/* n doubles aligned to TRIAD_ALIGN bytes (not touched), or NULL. */
static double *triad_alloc(int64_t n)
{
    size_t bytes = (size_t)(n > 0 ? n : 1) * sizeof(double);
    bytes = (bytes + TRIAD_ALIGN - 1) / TRIAD_ALIGN * TRIAD_ALIGN;
    return aligned_alloc(TRIAD_ALIGN, bytes);
}

static void *triad_create(const kernel_params *p, const kernel_domain *d)
{
    (void)p;
    triad_state *t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    t->nlocal = d->nlocal;
    t->a = triad_alloc(d->nlocal);
    t->b = triad_alloc(d->nlocal);
    t->c = triad_alloc(d->nlocal);
    if (t->a == NULL || t->b == NULL || t->c == NULL) {
        triad_destroy(t);
        return NULL;
    }
    return t;
}

static void triad_init(void *state, const kernel_span *sp)
{
    triad_state *t = state;
    for (int64_t k = 0; k < sp->count; k++) {
        int64_t l = sp->local + k, g = sp->global + k;
        t->a[l] = 0.0;
        t->b[l] = (double)(g % 16);
        t->c[l] = (double)(g % 8);
    }
}

/* The triad loop; restrict parameters let compilers vectorise it without
 * aliasing checks. */
static void triad_loop(int64_t n, double *restrict a, const double *restrict b,
                       const double *restrict c)
{
    for (int64_t i = 0; i < n; i++)
        a[i] = b[i] + TRIAD_SCALAR * c[i];
}

static void triad_work(void *state, const kernel_span *sp, kernel_result *part)
{
    (void)part;
    triad_state *t = state;
    triad_loop(sp->count, t->a + sp->local, t->b + sp->local, t->c + sp->local);
}

/* count[0] += elements, sum[0..2] += sums of a, b, c over the span. */
static void triad_finish(void *state, const kernel_span *sp, kernel_result *part)
{
    triad_state *t = state;
    double sa = 0.0, sb = 0.0, sc = 0.0;
    for (int64_t l = sp->local; l < sp->local + sp->count; l++) {
        sa += t->a[l];
        sb += t->b[l];
        sc += t->c[l];
    }
    part->count[0] += (uint64_t)sp->count;
    part->sum[0] += sa;
    part->sum[1] += sb;
    part->sum[2] += sc;
}

/* sum_{g < n} (g % m): n/m full cycles of m(m-1)/2 plus a partial cycle. */
static uint64_t triad_mod_sum(uint64_t n, uint64_t m)
{
    uint64_t rest = n % m;
    return n / m * (m * (m - 1) / 2) + (rest == 0 ? 0 : rest * (rest - 1) / 2);
}

static void triad_verify(const kernel_params *p, const kernel_result *r, kernel_verdict *v)
{
    uint64_t n = (uint64_t)p->size[0];
    uint64_t sb = triad_mod_sum(n, 16), sc = triad_mod_sum(n, 8);
    uint64_t sa = sb + 3 * sc;
    int all = r->count[0] == n;
    v->ok = all && r->sum[0] == (double)sa && r->sum[1] == (double)sb && r->sum[2] == (double)sc;
    v->value_name = "checksum_a";
    v->value_is_integer = 0;
    v->ivalue = 0;
    v->dvalue = r->sum[0];
    snprintf(v->expected, sizeof v->expected, "a=%" PRIu64 " b=%" PRIu64 " c=%" PRIu64, sa, sb, sc);
    snprintf(v->got, sizeof v->got, "a=%.17g b=%.17g c=%.17g%s", r->sum[0], r->sum[1], r->sum[2],
             all ? "" : " (not all elements checked)");
    snprintf(v->method, sizeof v->method, "closed form, exact");
}

/* Bytes moved, STREAM counting: read b and c, write a. */
static double triad_work_units(const kernel_params *p, const kernel_result *r)
{
    (void)r;
    return 24.0 * (double)p->size[0] * (double)p->iters;
}

/* 1.3-2.2e-9 s per element measured (preset times below); 4e-9 to be safe. */
static double triad_est_seconds(const kernel_params *p)
{
    return 4e-9 * (double)p->size[0] * (double)p->iters;
}

static double triad_bytes(const kernel_params *p)
{
    return triad_work_units(p, NULL);
}

const kernel kernel_triad = {
    .name = "triad",
    .summary = "STREAM triad a = b + s*c (memory bandwidth bound)",
    .size_help = "N (doubles per array, 3 arrays)",
    .iters_help = "triad passes per run",
    .size_dims = 1,
    /* Measured single-thread times, 10 passes (AMD EPYC Zen 3 VM, gcc -O2,
     * 11-19 GB/s): 1.2e7 0.15-0.17 s (288 MB), 2^27 2.2 s (3.2 GB), 2^29 11.6 s
     * (12.9 GB; memory, not time, limits this preset). */
    .presets = {{12000000}, {134217728}, {536870912}},
    .default_iters = 10,
    .dims = 1,
    .grain = 8192,
    .rate_unit = "GB/s",
    .rate_scale = 1e-9,
    .check = triad_check,
    .extent = triad_extent,
    .local_bytes = triad_local_bytes,
    .create = triad_create,
    .destroy = triad_destroy,
    .init = triad_init,
    .work = triad_work,
    .finish = triad_finish,
    .verify = triad_verify,
    .work_units = triad_work_units,
    .est_seconds = triad_est_seconds,
    .init_once = 1, /* a = b + s*c never changes b or c; a is rewritten whole */
    .bytes = triad_bytes,
};
