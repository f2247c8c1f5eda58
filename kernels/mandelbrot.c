/*
 * mandelbrot.c - escape-time image of the Mandelbrot set, one row per item.
 *
 * The image is W x H pixels over real [-2, 1] x imag [-1.5, 1.5], pixel
 * centres cr = -2 + (x + 0.5) * 3 / W, ci = -1.5 + (y + 0.5) * 3 / H; pixel
 * value n = iterations of z = z^2 + c from z = 0 while |z|^2 <= 4 and
 * n < MAXIT (no cardioid/bulb shortcut: the raw cost is the point). The 1-D
 * domain is the H rows; work() stores each owned row's counts in the local
 * image, the row's total in row_iterations, and adds it to count[0].
 *
 * Invariant: a pixel's count depends on (x, y, W, H, MAXIT) only. There is
 * one definition of the escape iteration, mandel_group(), which runs it on
 * lanes of SIMD vectors; work() gives it MANDEL_LANES neighbouring pixels at
 * a time, the reference used by verify() (mandel_row) one pixel at a time.
 * Per lane the operations and their order are those of the scalar loop
 *     while (n < MAXIT) { zr2 = zr*zr; zi2 = zi*zi; if (zr2 + zi2 > 4) break;
 *                         zri = zr*zi; zi = zri + zri + ci; zr = zr2 - zi2 + cr; n++; }
 * and lanes never mix, so both give bit-identical counts (tests/test_kernels.c
 * compares them with that loop on many rows). The file is compiled without
 * FMA contraction so totals match the reference table on every IEEE-754
 * machine, whatever -march the build uses.
 *
 * Verification (mandel_verify): the per-row totals are reduced and sampled
 * by the runner (verify_output "row_iterations"); they must account for the
 * total exactly, every row once and within W..W*MAXIT. On top of that the
 * total must equal a reference table entry (presets), or the recomputed
 * image's total (W*H*MAXIT <= MANDEL_RECOMPUTE_LIMIT), or else every sampled
 * row must equal its exact recomputation.
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include "kernel.h"
#include "mandelbrot.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANDEL_MAX_SIDE (INT64_C(1) << 20)
#define MANDEL_MAX_ITER (INT64_C(1) << 31)
#define MANDEL_RECOMPUTE_LIMIT 5e7 /* W*H*MAXIT up to which verify recomputes all rows */
#define MANDEL_SAMPLE_SHARE 64     /* beyond: recompute 1 row in this many (>= 16 rows) */
/* Preset image sides (square, MAXIT 1000), sized for the ~0.2/2/20 s steps
 * of every kernel's presets. Measured single-thread times (Xeon Cascade Lake
 * VM, gcc 12 -O3 -march=native, ~2000 Miter/s): 1400 0.21 s, 5000 1.9 s,
 * 16000 20 s; a generic (SSE2) build takes ~2.2x that, the scalar loop
 * before SIMD took 7-9x. */
#define MANDEL_SMALL_W 1400
#define MANDEL_MEDIUM_W 5000
#define MANDEL_LARGE_W 16000

/* Reference totals for the presets and for the presets before the SIMD loop
 * (600, 2000, 6000), computed with this code and, independently, with the
 * scalar loop in the header comment. */
static const struct {
    int64_t w, h, maxit;
    uint64_t total;
} mandel_reference[] = {
    {MANDEL_SMALL_W, MANDEL_SMALL_W, 1000, UINT64_C(338335863)},
    {MANDEL_MEDIUM_W, MANDEL_MEDIUM_W, 1000, UINT64_C(4315991423)},
    {MANDEL_LARGE_W, MANDEL_LARGE_W, 1000, UINT64_C(44194711418)},
    {600, 600, 1000, UINT64_C(62161420)},
    {2000, 2000, 1000, UINT64_C(690541009)},
    {6000, 6000, 1000, UINT64_C(6215082705)},
};

/* The local image: row l (0 <= l < nlocal) holds global row row_global[l]
 * (outputs "image" and, one total per row, "row_iterations"). */
typedef struct mandel_state {
    int64_t w, h, nlocal;
    uint32_t maxit;
    uint32_t *image;     /* nlocal x w counts, row-major */
    uint64_t *row_sum;   /* nlocal row totals */
    int64_t *row_global; /* global row of each local row */
} mandel_state;

#if !defined(__GNUC__)
#error "mandelbrot.c uses GNU C vector extensions (gcc, clang, icx)"
#endif

/* Lanes per vector: the widest double vector the target ISA has. Vectors
 * per group: enough independent chains to hide the multiply-add latency
 * (measured: 4 beats 2 and 3 with AVX-512, AVX2 and SSE2). */
#if defined(__AVX512F__)
#define MANDEL_VW 8
#elif defined(__AVX__)
#define MANDEL_VW 4
#else
#define MANDEL_VW 2
#endif
#define MANDEL_K 4
#define MANDEL_LANES (MANDEL_VW * MANDEL_K)
/* Escape steps between two "is any lane still running?" tests. */
#define MANDEL_CHECK_EVERY 8u

typedef double mandel_vd __attribute__((vector_size(MANDEL_VW * sizeof(double))));
typedef int64_t mandel_vi __attribute__((vector_size(MANDEL_VW * sizeof(double))));

/* The escape loop on k vectors of lanes (k is 1 or MANDEL_K, a constant
 * after inlining): lane j of cr[g] holds the real part of its pixel's c, ci
 * is shared; n[g] receives the counts (a live lane's mask is -1, so
 * subtracting it counts a step: one operation).
 * A lane is live until |z|^2 > 4; once dead it stays dead (its z keeps
 * changing but is never read again) and its count stops. Every live lane
 * has run exactly `it` steps, so stopping all lanes at it == maxit is the
 * scalar loop's n < MAXIT test. Extra steps after every lane died change
 * nothing, which is why the test for that runs only every
 * MANDEL_CHECK_EVERY steps. */
static inline void mandel_group(int k, const mandel_vd *cr, double ci, uint32_t maxit, mandel_vi *n)
{
    mandel_vd zr[MANDEL_K], zi[MANDEL_K];
    mandel_vi live[MANDEL_K];
    const mandel_vd vci = (mandel_vd){0} + ci, four = (mandel_vd){0} + 4.0;
    for (int g = 0; g < k; g++) {
        zr[g] = zi[g] = (mandel_vd){0};
        n[g] = (mandel_vi){0};
        live[g] = (mandel_vi){0} - 1;
    }
    for (uint32_t it = 0; it < maxit;) {
        uint32_t steps = maxit - it < MANDEL_CHECK_EVERY ? maxit - it : MANDEL_CHECK_EVERY;
        for (uint32_t s = 0; s < steps; s++) {
            for (int g = 0; g < k; g++) {
                mandel_vd zr2 = zr[g] * zr[g], zi2 = zi[g] * zi[g];
                live[g] &= ~(zr2 + zi2 > four);
                mandel_vd zri = zr[g] * zi[g];
                zi[g] = zri + zri + vci;
                zr[g] = zr2 - zi2 + cr[g];
                n[g] -= live[g];
            }
        }
        it += steps;
        mandel_vi any = live[0];
        for (int g = 1; g < k; g++)
            any |= live[g];
        int running = 0;
        for (int j = 0; j < MANDEL_VW; j++)
            running |= any[j] != 0;
        if (!running) break;
    }
}

static inline double mandel_cr(int64_t x, int64_t w)
{
    return -2.0 + ((double)x + 0.5) * 3.0 / (double)w;
}

static inline double mandel_ci(int64_t y, int64_t h)
{
    return -1.5 + ((double)y + 0.5) * 3.0 / (double)h;
}

/* Counts of global row y into out[0..w-1] (out may be NULL); returns their
 * sum. Groups of MANDEL_LANES neighbouring pixels share one mandel_group()
 * call; the last group's spare lanes repeat pixel w-1 and are discarded. */
static uint64_t mandel_row_fast(int64_t y, int64_t w, int64_t h, uint32_t maxit, uint32_t *out)
{
    double ci = mandel_ci(y, h);
    uint64_t sum = 0;
    for (int64_t x0 = 0; x0 < w; x0 += MANDEL_LANES) {
        double lane_cr[MANDEL_LANES];
        mandel_vd cr[MANDEL_K];
        mandel_vi n[MANDEL_K];
        for (int j = 0; j < MANDEL_LANES; j++)
            lane_cr[j] = mandel_cr(x0 + j < w ? x0 + j : w - 1, w);
        memcpy(cr, lane_cr, sizeof cr);
        mandel_group(MANDEL_K, cr, ci, maxit, n);
        for (int j = 0; j < MANDEL_LANES && x0 + j < w; j++) {
            uint32_t c = (uint32_t)n[j / MANDEL_VW][j % MANDEL_VW];
            if (out != NULL) out[x0 + j] = c;
            sum += c;
        }
    }
    return sum;
}

/* The reference: the same escape loop, one pixel per call (every lane of
 * one vector holds that pixel). */
static uint64_t mandel_row(int64_t y, int64_t w, int64_t h, uint32_t maxit, uint32_t *out)
{
    double ci = mandel_ci(y, h);
    uint64_t sum = 0;
    for (int64_t x = 0; x < w; x++) {
        mandel_vd cr = (mandel_vd){0} + mandel_cr(x, w);
        mandel_vi n;
        mandel_group(1, &cr, ci, maxit, &n);
        uint32_t c = (uint32_t)n[0];
        if (out != NULL) out[x] = c;
        sum += c;
    }
    return sum;
}

uint64_t mandelbrot_row(int64_t y, int64_t w, int64_t h, uint32_t maxit, uint32_t *out,
                        int reference)
{
    return reference ? mandel_row(y, w, h, maxit, out) : mandel_row_fast(y, w, h, maxit, out);
}

static int mandel_check(const kernel_params *p, char *err, size_t errlen)
{
    for (int i = 0; i < 2; i++) {
        if (p->size[i] > MANDEL_MAX_SIDE) {
            snprintf(err, errlen,
                     "mandelbrot: --size %s=%" PRId64 " is too large: the limit is %s <= "
                     "1048576 (2^20)",
                     i == 0 ? "W" : "H", p->size[i], i == 0 ? "W" : "H");
            return -1;
        }
    }
    if (p->size[2] > MANDEL_MAX_ITER) {
        snprintf(err, errlen,
                 "mandelbrot: --size MAXIT=%" PRId64 " is too large: the limit is MAXIT <= "
                 "2147483648 (2^31)",
                 p->size[2]);
        return -1;
    }
    uint64_t wh = (uint64_t)p->size[0] * (uint64_t)p->size[1]; /* <= 2^40 */
    uint64_t maxit = (uint64_t)p->size[2], iters = (uint64_t)p->iters;
    if (maxit > UINT64_MAX / wh || wh * maxit > UINT64_MAX / iters) {
        snprintf(err, errlen,
                 "mandelbrot: --size %" PRId64 "x%" PRId64 "x%" PRId64 " with --iters %" PRId64
                 " is too large: W*H*MAXIT*iters overflows 64 bits; reduce the size, MAXIT "
                 "or --iters",
                 p->size[0], p->size[1], p->size[2], p->iters);
        return -1;
    }
    return 0;
}

static int64_t mandel_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[1] : 1;
}

static double mandel_local_bytes(const kernel_params *p, const kernel_domain *d)
{
    return (double)d->nlocal * ((double)p->size[0] * 4.0 + 8.0) + (double)sizeof(mandel_state);
}

static void mandel_destroy(void *state)
{
    mandel_state *s = state;
    if (s == NULL) return;
    free(s->image);
    free(s->row_sum);
    free(s->row_global);
    free(s);
}

static void *mandel_create(const kernel_params *p, const kernel_domain *d)
{
    mandel_state *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->w = p->size[0];
    s->h = p->size[1];
    s->maxit = (uint32_t)p->size[2];
    s->nlocal = d->nlocal;
    size_t rows = d->nlocal > 0 ? (size_t)d->nlocal : 1;
    s->image = malloc(rows * (size_t)s->w * sizeof *s->image);
    s->row_sum = malloc(rows * sizeof *s->row_sum);
    s->row_global = malloc(rows * sizeof *s->row_global);
    if (s->image == NULL || s->row_sum == NULL || s->row_global == NULL) {
        mandel_destroy(s);
        return NULL;
    }
    return s;
}

static void mandel_work(void *state, const kernel_span *sp, kernel_result *part)
{
    mandel_state *s = state;
    uint64_t sum = 0;
    for (int64_t k = 0; k < sp->count; k++) {
        int64_t l = sp->local + k;
        s->row_global[l] = sp->global + k;
        s->row_sum[l] = mandel_row_fast(sp->global + k, s->w, s->h, s->maxit, s->image + l * s->w);
        sum += s->row_sum[l];
    }
    part->count[0] += sum;
}

static int mandel_outputs(void *state, kernel_output *out)
{
    const mandel_state *s = state;
    out[0] = (kernel_output){.name = "row_iterations",
                             .type = KERNEL_TYPE_U64,
                             .dims = 1,
                             .extent = {s->h, 1},
                             .data = s->row_sum,
                             .rows = s->nlocal,
                             .cols = 1,
                             .ld = 1,
                             .row_global = s->row_global};
    out[1] = (kernel_output){.name = "image",
                             .type = KERNEL_TYPE_U32,
                             .dims = 2,
                             .extent = {s->h, s->w},
                             .data = s->image,
                             .rows = s->nlocal,
                             .cols = s->w,
                             .ld = s->w,
                             .row_global = s->row_global,
                             .use = KERNEL_OUT_IMAGE};
    return 2;
}

/* The reference total for these sizes, or 0 if they are not tabulated. */
static uint64_t mandel_lookup(const kernel_params *p)
{
    for (size_t i = 0; i < sizeof mandel_reference / sizeof mandel_reference[0]; i++)
        if (mandel_reference[i].w == p->size[0] && mandel_reference[i].h == p->size[1] &&
            mandel_reference[i].maxit == p->size[2])
            return mandel_reference[i].total;
    return 0;
}

/* The exact total of global row y: the sampled verification's reference. */
static uint64_t mandel_row_exact(const kernel_params *p, int64_t y)
{
    return mandel_row(y, p->size[0], p->size[1], (uint32_t)p->size[2], NULL);
}

/* Recompute every row when W*H*MAXIT (the worst-case cost) is small. */
static int mandel_recomputes(const kernel_params *p)
{
    return (double)p->size[0] * (double)p->size[1] * (double)p->size[2] <= MANDEL_RECOMPUTE_LIMIT;
}

/* Rows recomputed beyond the tables and the recompute limit: 1 in
 * MANDEL_SAMPLE_SHARE, at least 16 (and all rows of a small image). */
static int64_t mandel_sample(const kernel_params *p, int64_t *index, int64_t max)
{
    int64_t h = p->size[1], want = h / MANDEL_SAMPLE_SHARE;
    return kernel_sample_spread(h, want > 16 ? want : 16, index, max);
}

/* Rows account for the total exactly (each once, within W..W*MAXIT), and the
 * total equals the reference table entry (presets), or the recomputed total
 * (small images), or else every sampled row equals its recomputation. */
static void mandel_verify(const kernel_params *p, const kernel_result *r, const kernel_sampled *s,
                          kernel_verdict *v)
{
    uint64_t got = r->count[0], w = (uint64_t)p->size[0], want = mandel_lookup(p);
    char why[120] = "";
    int ok = kernel_sampled_consistent(s, "row", p->size[1], got, w, w * (uint64_t)p->size[2], why,
                                       sizeof why);
    if (want != 0) {
        snprintf(v->method, sizeof v->method, "reference total; row sums add up");
    } else if (mandel_recomputes(p)) {
        for (int64_t y = 0; y < p->size[1]; y++)
            want += mandel_row_exact(p, y);
        snprintf(v->method, sizeof v->method, "recomputed; row sums add up");
    } else {
        ok = ok && kernel_sampled_exact(s, "row", p, mandel_row_exact, why, sizeof why);
        snprintf(v->method, sizeof v->method,
                 "row sums add up; %" PRId64 " of %" PRId64 " rows recomputed", s->n, p->size[1]);
    }
    v->ok = ok && (want == 0 || got == want);
    if (want != 0)
        snprintf(v->expected, sizeof v->expected, "%" PRIu64 " (rows adding up to it)", want);
    else
        snprintf(v->expected, sizeof v->expected,
                 "rows adding up to the total, sampled rows exact");
    v->value_name = "iterations_total";
    v->value_is_integer = 1;
    v->ivalue = got;
    v->dvalue = (double)got;
    snprintf(v->got, sizeof v->got, "%" PRIu64 "%s%s", got, why[0] ? "; " : "", why);
}

/* Escape iterations executed in the whole run: every iteration renders the
 * same image, so the last one's total times iters. */
static double mandel_work_units(const kernel_params *p, const kernel_result *r)
{
    return (double)r->count[0] * (double)p->iters;
}

/* The set covers ~1/6 of the view, where every pixel runs MAXIT iterations;
 * escaping pixels take a few dozen (the presets average 0.17 * MAXIT + 3).
 * The SIMD loop takes ~0.5e-9 s per iteration with -march=native, ~1.1e-9
 * generic (preset times at MANDEL_SMALL_W); 1.3e-9 and 0.2 * MAXIT + 50 to
 * be safe on any build. */
static double mandel_est_seconds(const kernel_params *p)
{
    double pixels = (double)p->size[0] * (double)p->size[1];
    return 1.3e-9 * pixels * (0.2 * (double)p->size[2] + 50.0) * (double)p->iters;
}

const kernel kernel_mandelbrot = {
    .name = "mandelbrot",
    .summary = "Mandelbrot escape-time image, one row per item (FP latency bound, uneven)",
    .size_help = "WxH[xMAXIT] (image width x height, escape limit; H defaults to W, "
                 "MAXIT to 1000)",
    .iters_help = "renders of the image per run",
    .size_dims = 3,
    /* Times next to MANDEL_SMALL_W; totals in mandel_reference. */
    .presets = {{MANDEL_SMALL_W, 0, 0}, {MANDEL_MEDIUM_W, 0, 0}, {MANDEL_LARGE_W, 0, 0}},
    .size_defaults = {0, 0, 1000},
    .default_iters = 1,
    .dims = 1,
    .uneven = 1,
    .grain = 1,
    .rate_unit = "Miter/s",
    .rate_scale = 1e-6,
    .check = mandel_check,
    .extent = mandel_extent,
    .local_bytes = mandel_local_bytes,
    .create = mandel_create,
    .destroy = mandel_destroy,
    .work = mandel_work,
    .work_units = mandel_work_units,
    .est_seconds = mandel_est_seconds,
    .outputs = mandel_outputs,
    .verify_output = "row_iterations",
    .verify_sample = mandel_sample,
    .verify_sampled = mandel_verify,
    .weak_axes = 2, /* work ~ W*H pixels: both sides grow by sqrt(p) */
    .output_uses = KERNEL_OUT_IMAGE,
    .result_counts = 1, /* count[0] only */
};
