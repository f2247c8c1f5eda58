/*
 * stencil.c - Jacobi sweeps of the 5-point Laplacian on an N x M grid.
 *
 * Global interior cell (i, j), 1 <= i <= N, 1 <= j <= M (global row i-1,
 * col j-1), hx = 1/(N+1), hy = 1/(M+1). Initial value
 *     u0 = L(i,j) + A*S(i,j),  L = i*hx + j*hy,  S = sin(pi*i*hx)*sin(pi*j*hy),
 * A = 1, and the boundary cells (i = 0, N+1 or j = 0, M+1) hold L. L is
 * discretely harmonic (a fixed point of the Jacobi update) and S is an
 * eigenvector with eigenvalue lambda = (cos(pi*hx) + cos(pi*hy))/2, so after
 * I sweeps the exact discrete solution is L + A*lambda^I*S.
 * Invariant: a cell's new value is the same expression of the same four
 * neighbours in every decomposition, so values are bit-identical across
 * splits; only the checksum's summation order varies.
 */
#include "kernel.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define STENCIL_MAX_SIDE (INT64_C(1) << 31)
#define STENCIL_TOL 1e-10      /* max |u - exact| for up to 1e5 sweeps */
#define STENCIL_TOL_SWEEPS 1e5 /* beyond this the tolerance grows linearly */
#define STENCIL_SUM_RTOL 1e-9  /* checksum rounding allowance, relative */

static const double stencil_pi = 3.14159265358979323846;

/* Two (rows+2) x (cols+2) grids with halo 1; grid[cur] is the current one.
 * sin_row/sin_col hold sin(pi*i*hx) for the owned rows, sin(pi*j*hy) for the
 * owned cols. */
typedef struct stencil_state {
    double *grid[2];
    int cur;
    int64_t n, m, lo0, lo1, hi0, hi1, rows, cols, ld;
    double hx, hy, decay; /* decay = lambda^iters */
    double *sin_row, *sin_col;
} stencil_state;

static double stencil_lambda(int64_t n, int64_t m)
{
    return 0.5 * (cos(stencil_pi / (double)(n + 1)) + cos(stencil_pi / (double)(m + 1)));
}

/* The harmonic part L(i, j) = i*hx + j*hy. */
static inline double stencil_linear(const stencil_state *s, int64_t i, int64_t j)
{
    return (double)i * s->hx + (double)j * s->hy;
}

static int stencil_check_side(const char *name, int64_t v, char *err, size_t errlen)
{
    if (v > STENCIL_MAX_SIDE) {
        snprintf(err, errlen,
                 "stencil: --size %s=%" PRId64 " is too large: the limit is %s <= 2147483648 "
                 "(2^31)",
                 name, v, name);
        return -1;
    }
    return 0;
}

static int stencil_check(const kernel_params *p, char *err, size_t errlen)
{
    if (stencil_check_side("N", p->size[0], err, errlen) != 0 ||
        stencil_check_side("M", p->size[1], err, errlen) != 0)
        return -1;
    uint64_t cells = (uint64_t)(p->size[0] + 2) * (uint64_t)(p->size[1] + 2);
    if (cells > (uint64_t)INT64_MAX / 16) {
        snprintf(err, errlen,
                 "stencil: --size %" PRId64 "x%" PRId64 " is too large: 2*(N+2)*(M+2) "
                 "doubles overflow a 64-bit byte count",
                 p->size[0], p->size[1]);
        return -1;
    }
    uint64_t points = (uint64_t)p->size[0] * (uint64_t)p->size[1];
    if ((uint64_t)p->iters > (uint64_t)INT64_MAX / points) {
        snprintf(err, errlen,
                 "stencil: --iters %" PRId64 " is too large: the limit is %" PRId64
                 " for this size (N*M*iters must fit 64 bits)",
                 p->iters, INT64_MAX / (int64_t)points);
        return -1;
    }
    return 0;
}

static int64_t stencil_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[0] : p->size[1];
}

static double stencil_local_bytes(const kernel_params *p, const kernel_domain *d)
{
    (void)p;
    double rows = (double)(d->hi[0] - d->lo[0]), cols = (double)(d->hi[1] - d->lo[1]);
    return 2.0 * (rows + 2.0) * (cols + 2.0) * 8.0 + (rows + cols) * 8.0;
}

static void stencil_destroy(void *state)
{
    stencil_state *s = state;
    if (s == NULL) return;
    free(s->grid[0]);
    free(s->grid[1]);
    free(s->sin_row);
    free(s->sin_col);
    free(s);
}

static void stencil_fill_sines(double *out, int64_t first, int64_t count, double h)
{
    for (int64_t k = 0; k < count; k++)
        out[k] = sin(stencil_pi * (double)(first + k) * h);
}

static void *stencil_create(const kernel_params *p, const kernel_domain *d)
{
    stencil_state *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->n = p->size[0];
    s->m = p->size[1];
    s->lo0 = d->lo[0];
    s->hi0 = d->hi[0];
    s->lo1 = d->lo[1];
    s->hi1 = d->hi[1];
    s->rows = s->hi0 - s->lo0;
    s->cols = s->hi1 - s->lo1;
    s->ld = s->cols + 2;
    s->hx = 1.0 / (double)(s->n + 1);
    s->hy = 1.0 / (double)(s->m + 1);
    s->decay = pow(stencil_lambda(s->n, s->m), (double)p->iters);
    size_t cells = (size_t)(s->rows + 2) * (size_t)s->ld;
    s->grid[0] = malloc(cells * sizeof(double));
    s->grid[1] = malloc(cells * sizeof(double));
    s->sin_row = malloc((size_t)(s->rows + 1) * sizeof(double));
    s->sin_col = malloc((size_t)(s->cols + 1) * sizeof(double));
    if (!s->grid[0] || !s->grid[1] || !s->sin_row || !s->sin_col) {
        stencil_destroy(s);
        return NULL;
    }
    stencil_fill_sines(s->sin_row, s->lo0 + 1, s->rows, s->hx);
    stencil_fill_sines(s->sin_col, s->lo1 + 1, s->cols, s->hy);
    return s;
}

/* Boundary value L for global index i into halo/owned local row lr (-1 ..
 * rows), all cols -1 .. cols, in both grids. */
static void stencil_init_boundary_row(stencil_state *s, int64_t lr, int64_t i)
{
    for (int g = 0; g < 2; g++) {
        double *row = s->grid[g] + (lr + 1) * s->ld;
        for (int64_t c = -1; c <= s->cols; c++)
            row[c + 1] = stencil_linear(s, i, s->lo1 + c + 1);
    }
}

/* Initial values of owned row lr (global i) and its global-boundary halo
 * cells (j = 0 or M+1), in both grids. */
static void stencil_init_row(stencil_state *s, int64_t lr)
{
    int64_t i = s->lo0 + lr + 1;
    for (int g = 0; g < 2; g++) {
        double *row = s->grid[g] + (lr + 1) * s->ld + 1;
        for (int64_t c = 0; c < s->cols; c++)
            row[c] = stencil_linear(s, i, s->lo1 + c + 1) + s->sin_row[lr] * s->sin_col[c];
        if (s->lo1 == 0) row[-1] = stencil_linear(s, i, 0);
        if (s->hi1 == s->m) row[s->cols] = stencil_linear(s, i, s->m + 1);
    }
}

/* Writes the span's owned rows, their global-boundary halo columns, and the
 * top/bottom global-boundary halo rows when the span holds local row 0 /
 * rows-1 of a domain touching that boundary. Interior halo cells are left
 * to the driver's exchange. */
static void stencil_init(void *state, const kernel_span *sp)
{
    stencil_state *s = state;
    for (int64_t k = 0; k < sp->count; k++)
        stencil_init_row(s, sp->local + k);
    if (s->lo0 == 0 && sp->local == 0) stencil_init_boundary_row(s, -1, 0);
    if (s->hi0 == s->n && sp->local + sp->count == s->rows)
        stencil_init_boundary_row(s, s->rows, s->n + 1);
}

/* One row of the Jacobi update (the order of the four additions is fixed,
 * so every decomposition computes the same bits); restrict parameters let
 * compilers vectorise it. mid[-1] and mid[cols] are halo cells. */
static void stencil_row(int64_t cols, double *restrict out, const double *restrict up,
                        const double *restrict mid, const double *restrict down)
{
    for (int64_t c = 0; c < cols; c++)
        out[c] = 0.25 * (up[c] + down[c] + mid[c - 1] + mid[c + 1]);
}

/* next = Jacobi update of current on the span's owned rows; reads the halo. */
static void stencil_work(void *state, const kernel_span *sp, kernel_result *part)
{
    (void)part;
    stencil_state *s = state;
    const double *u = s->grid[s->cur];
    double *v = s->grid[1 - s->cur];
    for (int64_t r = sp->local; r < sp->local + sp->count; r++) {
        const double *up = u + r * s->ld + 1;
        stencil_row(s->cols, v + (r + 1) * s->ld + 1, up, up + s->ld, up + 2 * s->ld);
    }
}

/* Swap current and next (one thread, between sweeps). */
static void stencil_iteration_end(void *state)
{
    stencil_state *s = state;
    s->cur = 1 - s->cur;
}

/* count[0] += owned cells, sum[0] += sum of u, max[0] = max |u - exact|
 * (NaN counts as infinity so a max() combine cannot drop it). */
static void stencil_finish(void *state, const kernel_span *sp, kernel_result *part)
{
    stencil_state *s = state;
    const double *u = s->grid[s->cur];
    double sum = 0.0, worst = part->max[0];
    for (int64_t r = sp->local; r < sp->local + sp->count; r++) {
        const double *row = u + (r + 1) * s->ld + 1;
        int64_t i = s->lo0 + r + 1;
        for (int64_t c = 0; c < s->cols; c++) {
            double exact =
                stencil_linear(s, i, s->lo1 + c + 1) + s->decay * (s->sin_row[r] * s->sin_col[c]);
            double e = fabs(row[c] - exact);
            sum += row[c];
            worst = e <= DBL_MAX ? (e > worst ? e : worst) : (double)INFINITY;
        }
    }
    part->count[0] += (uint64_t)(sp->count * s->cols);
    part->sum[0] += sum;
    part->max[0] = worst;
}

/* The current grid; re-query after every iteration_end(). */
static void stencil_field(void *state, kernel_field *f)
{
    stencil_state *s = state;
    f->data = s->grid[s->cur];
    f->rows = s->rows;
    f->cols = s->cols;
    f->ld = s->ld;
    f->halo = 1;
}

/* The current grid as output "u" (same memory as stencil_field()): the
 * whole state, so --checkpoint-every writes it and --restart reads it back
 * into grid[cur] after init() has set the boundary cells of both grids. */
static int stencil_outputs(void *state, kernel_output *out)
{
    const stencil_state *s = state;
    out[0] = (kernel_output){.name = "u",
                             .type = KERNEL_TYPE_F64,
                             .dims = 2,
                             .extent = {s->n, s->m},
                             .data = s->grid[s->cur],
                             .rows = s->rows,
                             .cols = s->cols,
                             .ld = s->ld,
                             .halo = 1,
                             .row0 = s->lo0,
                             .col0 = s->lo1,
                             .use = KERNEL_OUT_STATE};
    return 1;
}

/* Tolerance for max |u - exact|. Values stay in [0, 3]; one sweep rounds
 * each cell by at most ~6e-16 (three additions, exact *0.25) and the update
 * is non-expansive in the max norm, so I sweeps add at most ~I*6e-16:
 * 6e-11 for I = 1e5, plus ~1e-11 from lambda^I. Past 1e5 sweeps the bound
 * is scaled linearly. */
static double stencil_tolerance(int64_t iters)
{
    double scale = (double)iters / STENCIL_TOL_SWEEPS;
    return STENCIL_TOL * (scale > 1.0 ? scale : 1.0);
}

/* Sum of the exact solution: sum L = N*M exactly, and
 * sum_{i=1..N} sin(pi*i/(N+1)) = cot(pi/(2(N+1))). */
static double stencil_exact_sum(int64_t n, int64_t m, int64_t iters)
{
    double decay = pow(stencil_lambda(n, m), (double)iters);
    double cn = 1.0 / tan(stencil_pi / (2.0 * (double)(n + 1)));
    double cm = 1.0 / tan(stencil_pi / (2.0 * (double)(m + 1)));
    return (double)n * (double)m + decay * cn * cm;
}

/* ok iff every cell was checked, max error <= tolerance and the checksum
 * matches the exact sum within the accumulated tolerance. */
static void stencil_verify(const kernel_params *p, const kernel_result *r, kernel_verdict *v)
{
    int64_t n = p->size[0], m = p->size[1];
    double tol = stencil_tolerance(p->iters);
    double want = stencil_exact_sum(n, m, p->iters);
    double got = r->sum[0], err = r->max[0];
    double cells = (double)n * (double)m;
    double sum_tol = cells * tol + STENCIL_SUM_RTOL * fabs(want);
    int all = r->count[0] == (uint64_t)n * (uint64_t)m;
    v->ok = all && err <= tol && fabs(got - want) <= sum_tol;
    v->value_name = "checksum";
    v->value_is_integer = 0;
    v->ivalue = 0;
    v->dvalue = got;
    snprintf(v->expected, sizeof v->expected, "checksum %.15g, max error <= %.1e", want, tol);
    snprintf(v->got, sizeof v->got, "checksum %.15g, max error %.2e%s", got, err,
             all ? "" : " (not all cells checked)");
    snprintf(v->method, sizeof v->method, "exact discrete solution L + lambda^I*S");
}

static double stencil_work_units(const kernel_params *p, const kernel_result *r)
{
    (void)r;
    return (double)p->size[0] * (double)p->size[1] * (double)p->iters;
}

/* 1.4-1.6e-9 s per point update measured (preset times below); 3e-9 to be
 * safe. */
static double stencil_est_seconds(const kernel_params *p)
{
    return 3e-9 * (double)p->size[0] * (double)p->size[1] * (double)p->iters;
}

/* Per sweep: read the old grid and write the new one, 8 bytes a point each
 * (neighbours come from cache; halos are negligible). */
static double stencil_bytes(const kernel_params *p)
{
    return 16.0 * (double)p->size[0] * (double)p->size[1] * (double)p->iters;
}

const kernel kernel_stencil = {
    .name = "stencil",
    .summary = "2-D 5-point Jacobi sweeps with halo exchange (memory bandwidth bound)",
    .size_help = "N[xM] (interior rows x cols; M defaults to N)",
    .iters_help = "Jacobi sweeps per run",
    .size_dims = 2,
    /* Measured single-thread times, 100 sweeps (AMD EPYC Zen 3 VM, gcc -O2):
     * 1200^2 0.18-0.23 s, 4000^2 1.8-2.8 s (256 MB), 12000^2 22.8 s (2.3 GB). */
    .presets = {{1200, 0, 0}, {4000, 0, 0}, {12000, 0, 0}},
    .default_iters = 100,
    .dims = 2,
    .halo = 1,
    .grain = 1,
    .rate_unit = "Mpoints/s",
    .rate_scale = 1e-6,
    .check = stencil_check,
    .extent = stencil_extent,
    .local_bytes = stencil_local_bytes,
    .create = stencil_create,
    .destroy = stencil_destroy,
    .init = stencil_init,
    .work = stencil_work,
    .iteration_end = stencil_iteration_end,
    .finish = stencil_finish,
    .field = stencil_field,
    .verify = stencil_verify,
    .work_units = stencil_work_units,
    .est_seconds = stencil_est_seconds,
    .outputs = stencil_outputs,
    .weak_axes = 2, /* work ~ N*M: both sides grow by sqrt(p) */
    .output_uses = KERNEL_OUT_STATE,
    .bytes = stencil_bytes,
};
