/*
 * halo.c - pack/unpack of grid faces for comm_halo_exchange() (see halo.h).
 * Invariant: faces 0/1 (row-low/high) are `halo` whole rows of the owned
 * width; faces 2/3 (col-low/high) are `halo` columns over the owned rows plus
 * the row halos, so corners are filled too once both dimensions are done.
 */
#include "halo.h"

#include <string.h>

static size_t halo_face_bytes(void *ctx, int face)
{
    const kernel_field *f = ctx;
    int64_t n = face < 2 ? (int64_t)f->halo * f->cols : (int64_t)f->halo * (f->rows + 2 * f->halo);
    return (size_t)n * sizeof(double);
}

/* First cell of the face's strip: owned (inside = 1) or halo (inside = 0). */
static double *halo_strip(const kernel_field *f, int face, int inside)
{
    int64_t h = f->halo, r, c;
    switch (face) {
    case 0:
        r = inside ? h : 0, c = h;
        break;
    case 1:
        r = inside ? f->rows : f->rows + h, c = h;
        break;
    case 2:
        r = 0, c = inside ? h : 0;
        break;
    default:
        r = 0, c = inside ? f->cols : f->cols + h;
        break;
    }
    return f->data + r * f->ld + c;
}

/* Rows and columns of face f's strip. */
static void halo_shape(const kernel_field *f, int face, int64_t *nrows, int64_t *ncols)
{
    *nrows = face < 2 ? f->halo : f->rows + 2 * f->halo;
    *ncols = face < 2 ? f->cols : f->halo;
}

static void halo_pack(void *ctx, int face, void *buf)
{
    const kernel_field *f = ctx;
    const double *grid = halo_strip(f, face, 1);
    double *out = buf;
    int64_t nrows, ncols;
    halo_shape(f, face, &nrows, &ncols);
    for (int64_t r = 0; r < nrows; r++)
        memcpy(out + r * ncols, grid + r * f->ld, (size_t)ncols * sizeof(double));
}

static void halo_unpack(void *ctx, int face, const void *buf)
{
    const kernel_field *f = ctx;
    double *grid = halo_strip(f, face, 0);
    const double *in = buf;
    int64_t nrows, ncols;
    halo_shape(f, face, &nrows, &ncols);
    for (int64_t r = 0; r < nrows; r++)
        memcpy(grid + r * f->ld, in + r * ncols, (size_t)ncols * sizeof(double));
}

void halo_grid_bind(comm_halo *h, kernel_field *f, const int neighbor[4])
{
    h->ndims = 2;
    memcpy(h->neighbor, neighbor, sizeof h->neighbor);
    h->ctx = f;
    h->face_bytes = halo_face_bytes;
    h->pack = halo_pack;
    h->unpack = halo_unpack;
}
