/*
 * sample.c - helpers for kernels verified by sampling an output (see
 * kernel_sampled and verify_sampled in kernel.h): element sizes, the fixed
 * sample of indices, and the checks every such verification makes.
 *
 * Invariant: a sampled verification passes only if the per-index elements
 * account for the combined total exactly (each index once, elements summing
 * to it, each within its bounds) and every sampled element equals its exact
 * recomputation; so a wrong total always fails, and a wrong element fails
 * when it is sampled or when it breaks the bounds.
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

size_t kernel_type_size(kernel_type t)
{
    switch (t) {
    case KERNEL_TYPE_U32:
        return 4;
    case KERNEL_TYPE_U64:
    case KERNEL_TYPE_F64:
        return 8;
    default:
        return 0;
    }
}

void kernel_sampled_begin(kernel_sampled *s, const kernel *k, const kernel_params *p)
{
    memset(s, 0, sizeof *s);
    s->min = UINT64_MAX;
    s->n = k->verify_sample(p, s->index, KERNEL_MAX_SAMPLES);
    if (s->n < 0 || s->n > KERNEL_MAX_SAMPLES) s->n = 0;
}

int kernel_verify_output(const kernel *k, void *state, kernel_output *o)
{
    kernel_output all[KERNEL_MAX_OUTPUTS];
    int n = k->outputs != NULL && k->verify_output != NULL ? k->outputs(state, all) : 0;
    for (int i = 0; i < n && i < KERNEL_MAX_OUTPUTS; i++) {
        if (strcmp(all[i].name, k->verify_output) != 0) continue;
        *o = all[i];
        return o->dims == 1 && (o->type == KERNEL_TYPE_U32 || o->type == KERNEL_TYPE_U64) ? 0 : -1;
    }
    return -1;
}

/* Position of g in the increasing index[0..n), or -1. */
static int64_t sample_find(const int64_t *index, int64_t n, int64_t g)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (index[mid] < g)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && index[lo] == g ? lo : -1;
}

void kernel_sampled_add(kernel_sampled *s, const kernel_output *o)
{
    for (int64_t r = 0; r < o->rows; r++) {
        int64_t g = o->row_global != NULL ? o->row_global[r] : o->row0 + r;
        size_t at = (size_t)((r + o->halo) * o->ld + o->halo);
        uint64_t v = o->type == KERNEL_TYPE_U32 ? ((const uint32_t *)o->data)[at]
                                                : ((const uint64_t *)o->data)[at];
        int64_t j = sample_find(s->index, s->n, g);
        s->sum += v;
        s->held++;
        s->min = v < s->min ? v : s->min;
        s->max = v > s->max ? v : s->max;
        if (j >= 0) {
            s->value[j] += v;
            s->holders[j]++;
        }
    }
}

/* Append i to index[0..*k) if it is new (anchors are visited in order, so a
 * repeat can only be one of the last two entries). */
static void sample_add(int64_t *index, int64_t *k, int64_t max, int64_t i)
{
    if (*k >= max) return;
    if (*k > 0 && index[*k - 1] >= i) return;
    index[(*k)++] = i;
}

int64_t kernel_sample_spread(int64_t n, int64_t want, int64_t *index, int64_t max)
{
    int64_t k = 0, anchors;
    if (want > max) want = max;
    if (n <= 0 || want <= 0) return 0;
    if (want >= n) {
        for (int64_t i = 0; i < n; i++)
            index[k++] = i;
        return k;
    }
    /* Anchor j at floor(n*j/A), the first index of block j of an A-way
     * block deal (without overflow), then the last two indices. */
    anchors = want / 2 > 1 ? want / 2 - 1 : 1;
    for (int64_t j = 0; j < anchors; j++) {
        int64_t a = n / anchors * j + n % anchors * j / anchors;
        sample_add(index, &k, want, a);
        sample_add(index, &k, want, a + 1);
    }
    sample_add(index, &k, want, n - 2);
    sample_add(index, &k, want, n - 1);
    return k;
}

int kernel_sampled_consistent(const kernel_sampled *s, const char *noun, int64_t extent,
                              uint64_t total, uint64_t lo, uint64_t hi, char *why, size_t n)
{
    if (s->held != extent) {
        snprintf(why, n, "%" PRId64 " %ss held, not %" PRId64, s->held, noun, extent);
        return 0;
    }
    for (int64_t i = 0; i < s->n; i++)
        if (s->holders[i] != 1) {
            snprintf(why, n, "%s %" PRId64 " held %" PRId64 " times", noun, s->index[i],
                     s->holders[i]);
            return 0;
        }
    if (s->sum != total) {
        snprintf(why, n, "%ss sum to %" PRIu64 ", not to the total", noun, s->sum);
        return 0;
    }
    if (extent > 0 && (s->min < lo || s->max > hi)) {
        snprintf(why, n, "%ss range %" PRIu64 "..%" PRIu64 ", outside %" PRIu64 "..%" PRIu64, noun,
                 s->min, s->max, lo, hi);
        return 0;
    }
    return 1;
}

int kernel_sampled_exact(const kernel_sampled *s, const char *noun, const kernel_params *p,
                         uint64_t (*exact)(const kernel_params *p, int64_t index), char *why,
                         size_t n)
{
    for (int64_t i = 0; i < s->n; i++) {
        uint64_t want = exact(p, s->index[i]);
        if (s->value[i] != want) {
            snprintf(why, n, "%s %" PRId64 " is %" PRIu64 ", recomputed %" PRIu64, noun,
                     s->index[i], s->value[i], want);
            return 0;
        }
    }
    return 1;
}
