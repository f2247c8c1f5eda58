/*
 * registry.c - the table of known kernels and helpers to look them up.
 *
 * Invariant: `kernels` lists every kernel exactly once, in --help order;
 * adding a kernel is one file kernels/NAME.c plus one line here.
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern const kernel kernel_primes;
extern const kernel kernel_pi;
extern const kernel kernel_mandelbrot;
extern const kernel kernel_stencil;
extern const kernel kernel_triad;

static const kernel *const kernels[] = {&kernel_primes, &kernel_pi, &kernel_mandelbrot,
                                        &kernel_stencil, &kernel_triad};

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
