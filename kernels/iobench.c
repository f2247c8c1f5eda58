/*
 * iobench.c - I/O bandwidth: a distributed array written to one shared HDF5
 * file and read back, verified.
 *
 * The global array holds BYTES / 8 unsigned 64-bit elements as rows of
 * IOBENCH_COLS (32 KiB); a row is the kernel's index, so the runner's 1-D
 * deal hands out whole rows and the kernel keeps one global row number per
 * local row (cheap: 1/4096 of the data). Element (r, c) = iobench_value(r *
 * IOBENCH_COLS + c). The kernel itself does no I/O (kernels never do): its
 * output "data" is marked KERNEL_OUT_ROUNDTRIP, so before every iteration's
 * work() the runner writes `src` through io/ to a scratch file, drops the
 * file's cached pages and reads it back into `dst`; work() then checks every
 * element of `dst` and overwrites it with a poison value, so the next
 * iteration's read must deliver the data again.
 * Invariant: an element's expected value depends on its global index only,
 * so any decomposition, rank or thread count verifies the same way.
 */
#include "kernel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define IOBENCH_COLS 4096                    /* uint64 per row: 32 KiB */
#define IOBENCH_ROW_BYTES (IOBENCH_COLS * 8) /* BYTES must be a multiple */
#define IOBENCH_MAX_BYTES (INT64_C(1) << 50) /* 1 PiB */
#define IOBENCH_POISON UINT64_C(0xdeadbeefdeadbeef)
#define IOBENCH_GRAIN 16 /* rows per work item: 512 KiB */

typedef struct iobench_state {
    int64_t rows, nrows; /* local rows; global rows */
    uint64_t *src;       /* written */
    uint64_t *dst;       /* read back */
    int64_t *row_global; /* global row of each local row (set by init) */
} iobench_state;

/* Distinct for every index (an odd multiplier is a bijection mod 2^64), so
 * an element read from the wrong place is caught. */
static inline uint64_t iobench_value(int64_t g)
{
    return (uint64_t)g * UINT64_C(0x9e3779b97f4a7c15) + 1;
}

static int iobench_check(const kernel_params *p, char *err, size_t errlen)
{
    if (p->size[0] % IOBENCH_ROW_BYTES != 0) {
        snprintf(err, errlen,
                 "iobench: BYTES=%" PRId64 " is not a multiple of 32Ki (the array is rows of "
                 "4096 8-byte elements); try %" PRId64,
                 p->size[0], (p->size[0] / IOBENCH_ROW_BYTES + 1) * IOBENCH_ROW_BYTES);
        return -1;
    }
    if (p->size[0] > IOBENCH_MAX_BYTES) {
        snprintf(err, errlen,
                 "iobench: --size BYTES=%" PRId64 " is too large: the limit is BYTES <= "
                 "1125899906842624 (2^50, 1024Ti)",
                 p->size[0]);
        return -1;
    }
    return 0;
}

static int64_t iobench_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[0] / IOBENCH_ROW_BYTES : 1;
}

static double iobench_local_bytes(const kernel_params *p, const kernel_domain *d)
{
    (void)p;
    return (double)d->nlocal * (2.0 * IOBENCH_ROW_BYTES + 8.0);
}

static void iobench_destroy(void *state)
{
    iobench_state *s = state;
    if (s == NULL) return;
    free(s->src);
    free(s->dst);
    free(s->row_global);
    free(s);
}

static void *iobench_create(const kernel_params *p, const kernel_domain *d)
{
    iobench_state *s = calloc(1, sizeof *s);
    size_t rows = d->nlocal > 0 ? (size_t)d->nlocal : 1;
    if (s == NULL) return NULL;
    s->rows = d->nlocal;
    s->nrows = iobench_extent(p, 0);
    s->src = malloc(rows * IOBENCH_ROW_BYTES);
    s->dst = malloc(rows * IOBENCH_ROW_BYTES);
    s->row_global = malloc(rows * sizeof *s->row_global);
    if (s->src == NULL || s->dst == NULL || s->row_global == NULL) {
        iobench_destroy(s);
        return NULL;
    }
    return s;
}

static void iobench_init(void *state, const kernel_span *sp)
{
    iobench_state *s = state;
    for (int64_t k = 0; k < sp->count; k++) {
        int64_t l = sp->local + k, g = sp->global + k;
        uint64_t *src = s->src + l * IOBENCH_COLS, *dst = s->dst + l * IOBENCH_COLS;
        s->row_global[l] = g;
        for (int64_t c = 0; c < IOBENCH_COLS; c++) {
            src[c] = iobench_value(g * IOBENCH_COLS + c);
            dst[c] = IOBENCH_POISON;
        }
    }
}

/* count[0] += elements read back wrong, count[1] += elements checked. */
static void iobench_work(void *state, const kernel_span *sp, kernel_result *part)
{
    iobench_state *s = state;
    uint64_t bad = 0;
    for (int64_t k = 0; k < sp->count; k++) {
        uint64_t *v = s->dst + (sp->local + k) * IOBENCH_COLS;
        int64_t first = (sp->global + k) * IOBENCH_COLS;
        for (int64_t c = 0; c < IOBENCH_COLS; c++) {
            bad += v[c] != iobench_value(first + c);
            v[c] = IOBENCH_POISON;
        }
    }
    part->count[0] += bad;
    part->count[1] += (uint64_t)(sp->count * IOBENCH_COLS);
}

static void iobench_verify(const kernel_params *p, const kernel_result *r, kernel_verdict *v)
{
    uint64_t n = (uint64_t)(p->size[0] / 8);
    v->ok = r->count[0] == 0 && r->count[1] == n;
    v->value_name = "elements_verified";
    v->value_is_integer = 1;
    v->ivalue = r->count[1] - (r->count[0] < r->count[1] ? r->count[0] : r->count[1]);
    v->dvalue = (double)v->ivalue;
    snprintf(v->expected, sizeof v->expected, "%" PRIu64 " elements read back, 0 wrong", n);
    snprintf(v->got, sizeof v->got, "%" PRIu64 " elements read back, %" PRIu64 " wrong",
             r->count[1], r->count[0]);
    snprintf(v->method, sizeof v->method, "every element compared with its written value");
}

/* Bytes moved in one run: written and read back, every iteration. */
static double iobench_work_units(const kernel_params *p, const kernel_result *r)
{
    (void)r;
    return 2.0 * (double)p->size[0] * (double)p->iters;
}

/* Writing and reading back take about as long as the storage needs; 20 MB/s
 * each way is a slow disk's pace, so the estimate stays on the high side. */
static double iobench_est_seconds(const kernel_params *p)
{
    return 2.0 * (double)p->size[0] / 20e6 * (double)p->iters;
}

static int iobench_outputs(void *state, kernel_output *out)
{
    const iobench_state *s = state;
    out[0] = (kernel_output){.name = "data",
                             .type = KERNEL_TYPE_U64,
                             .dims = 2,
                             .extent = {s->nrows, IOBENCH_COLS},
                             .data = s->src,
                             .rows = s->rows,
                             .cols = IOBENCH_COLS,
                             .ld = IOBENCH_COLS,
                             .row_global = s->row_global,
                             .use = KERNEL_OUT_ROUNDTRIP,
                             .read_into = s->dst};
    return 1;
}

const kernel kernel_iobench = {
    .name = "iobench",
    .summary = "write a distributed array to one HDF5 file and read it back, verified "
               "(I/O bound)",
    .size_help = "BYTES (total, a multiple of 32Ki; or --size-per-rank BYTES)",
    .iters_help = "write + read-back rounds per run",
    .size_dims = 1,
    .presets = {{INT64_C(64) << 20, 0, 0}, {INT64_C(512) << 20, 0, 0}, {INT64_C(4) << 30, 0, 0}},
    .default_iters = 1,
    .dims = 1,
    .grain = IOBENCH_GRAIN,
    .rate_unit = "MiB/s",
    .rate_scale = 1.0 / 1048576.0,
    .check = iobench_check,
    .extent = iobench_extent,
    .local_bytes = iobench_local_bytes,
    .create = iobench_create,
    .destroy = iobench_destroy,
    .init = iobench_init,
    .work = iobench_work,
    .verify = iobench_verify,
    .work_units = iobench_work_units,
    .est_seconds = iobench_est_seconds,
    .outputs = iobench_outputs,
    .output_uses = KERNEL_OUT_ROUNDTRIP,
};
