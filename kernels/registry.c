/*
 * registry.c - the table of known kernels and helpers to look them up.
 *
 * Invariant: `kernels` lists every kernel exactly once, in --help order;
 * adding a kernel is one file kernels/NAME.c plus one line here.
 */
#include "kernel.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

extern const kernel kernel_primes;
extern const kernel kernel_pi;
extern const kernel kernel_mandelbrot;
extern const kernel kernel_stencil;
extern const kernel kernel_triad;
extern const kernel kernel_iobench;
extern const kernel kernel_counter;
extern const kernel kernel_latency;

static const kernel *const kernels[] = {&kernel_primes,  &kernel_pi,     &kernel_mandelbrot,
                                        &kernel_stencil, &kernel_triad,  &kernel_iobench,
                                        &kernel_counter, &kernel_latency};

enum { KERNEL_COUNT = sizeof kernels / sizeof kernels[0] };

const char *const kernel_preset_names[KERNEL_PRESETS] = {"small", "medium", "large"};

/* The kernel called `name`, or NULL if there is none. */
const kernel *kernel_find(const char *name)
{
    if (name == NULL) return NULL;
    for (size_t i = 0; i < KERNEL_COUNT; i++)
        if (strcmp(kernels[i]->name, name) == 0) return kernels[i];
    return NULL;
}

/* The i-th kernel in table order, or NULL when i is past the end. */
const kernel *kernel_at(size_t i)
{
    return i < KERNEL_COUNT ? kernels[i] : NULL;
}

int kernel_output_with(const kernel *k, void *state, unsigned use, kernel_output *o)
{
    kernel_output all[KERNEL_MAX_OUTPUTS];
    int n = k->outputs != NULL ? k->outputs(state, all) : 0;
    for (int i = 0; i < n && i < KERNEL_MAX_OUTPUTS; i++)
        if (all[i].use & use) {
            *o = all[i];
            return 0;
        }
    return -1;
}

/* Replace every omitted (zero) size number after the first with the kernel's
 * default, where a default of 0 means "same as size[0]"; replace iters == 0
 * with default_iters. Numbers past size_dims are left alone. */
void kernel_params_fill(const kernel *k, kernel_params *p)
{
    for (int i = 1; i < k->size_dims && i < KERNEL_SIZE_DIMS; i++) {
        if (p->size[i] != 0) continue;
        p->size[i] = k->size_defaults[i] != 0 ? k->size_defaults[i] : p->size[0];
    }
    if (p->iters == 0) p->iters = k->default_iters;
}

int kernel_params_check(const kernel *k, const kernel_params *p, char *err, size_t errlen)
{
    for (int i = 0; i < k->size_dims && i < KERNEL_SIZE_DIMS; i++)
        if (p->size[i] < 1) {
            snprintf(err, errlen, "%s: size number %d of %s must be >= 1 (got %" PRId64 ")",
                     k->name, i + 1, k->size_help, p->size[i]);
            return -1;
        }
    if (p->iters < 1) {
        snprintf(err, errlen, "%s: iters must be >= 1 (got %" PRId64 ")", k->name, p->iters);
        return -1;
    }
    return k->check(p, err, errlen);
}

void kernel_result_combine(kernel_result *into, const kernel_result *part)
{
    for (int i = 0; i < KERNEL_COUNTS; i++)
        into->count[i] += part->count[i];
    for (int i = 0; i < KERNEL_SUMS; i++)
        into->sum[i] += part->sum[i];
    for (int i = 0; i < KERNEL_MAXES; i++)
        into->max[i] = part->max[i] > into->max[i] ? part->max[i] : into->max[i];
}

/* How many leading size numbers grow under weak scaling (0 = none). */
static int kernel_weak_axes(const kernel *k)
{
    if (k->weak_axes == KERNEL_WEAK_FIXED) return 0;
    int a = k->weak_axes == 0 ? 1 : k->weak_axes;
    return a > k->size_dims ? k->size_dims : a;
}

int kernel_weak_params(const kernel *k, const kernel_params *one, int64_t p, kernel_params *out,
                       char *err, size_t errlen)
{
    int axes = kernel_weak_axes(k);
    double factor = axes > 1 ? pow((double)p, 1.0 / axes) : (double)p;
    *out = *one;
    if (p < 1) {
        snprintf(err, errlen, "%s: weak scaling needs p >= 1 workers (got %" PRId64 ")", k->name,
                 p);
        return -1;
    }
    for (int i = 0; i < axes; i++) {
        /* One axis: exact integer product; several: the rounded root. */
        int overflow =
            axes == 1 ? one->size[i] > INT64_MAX / p : (double)one->size[i] * factor >= 0x1p62;
        if (overflow) {
            snprintf(err, errlen,
                     "%s: size number %d (%" PRId64 ") grown for %" PRId64
                     " workers does not fit in 64 bits",
                     k->name, i + 1, one->size[i], p);
            return -1;
        }
        out->size[i] = axes == 1 ? one->size[i] * p : llround((double)one->size[i] * factor);
    }
    return 0;
}

const char *kernel_weak_rule(const kernel *k, char *buf, size_t n)
{
    int axes = kernel_weak_axes(k);
    if (axes == 0)
        snprintf(buf, n, "size stays (it is per worker)");
    else if (axes == 1)
        snprintf(buf, n, "size number 1 x p");
    else
        snprintf(buf, n, "size numbers 1..%d x p^(1/%d) each", axes, axes);
    return buf;
}
