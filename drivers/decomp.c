/*
 * decomp.c - block, block-cyclic and 2-D Cartesian decomposition (decomp.h).
 * Invariant: the ranges of all ranks partition the global range exactly.
 */
#include "decomp.h"

#include <stdio.h>

int64_t decomp_block_lo(int64_t n, int r, int p)
{
    /* n*r/P with n up to 2^62 and r < P: split n to avoid overflow. */
    int64_t q = n / p, rem = n % p;
    return q * r + (rem * r) / p;
}

static int64_t decomp_min(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

void decomp_1d_init(decomp_1d *d, int64_t n, int64_t grain, decomp_kind kind, int64_t chunk,
                    int rank, int nranks)
{
    d->n = n;
    d->grain = grain > 0 ? grain : 1;
    d->items = n / d->grain + (n % d->grain != 0);
    d->rank = rank;
    d->nranks = nranks;
    d->kind = kind;
    d->chunk = chunk > 0 ? chunk : 1;
    if (kind == DECOMP_BLOCK) {
        d->nitems =
            decomp_block_lo(d->items, rank + 1, nranks) - decomp_block_lo(d->items, rank, nranks);
    } else {
        int64_t blocks = d->items / d->chunk + (d->items % d->chunk != 0);
        int64_t mine = blocks / nranks + (rank < blocks % nranks);
        d->nitems = mine * d->chunk;
        /* The globally last block may be short; it belongs to this rank when
         * its block number (blocks - 1) is dealt to it. */
        if (mine > 0 && (blocks - 1) % nranks == rank) d->nitems -= blocks * d->chunk - d->items;
    }
    d->nlocal = 0;
    if (d->nitems > 0) {
        int64_t g, l, c;
        decomp_1d_item(d, d->nitems - 1, &g, &l, &c);
        d->nlocal = l + c;
    }
}

void decomp_1d_item(const decomp_1d *d, int64_t j, int64_t *global, int64_t *local, int64_t *count)
{
    int64_t item;
    if (d->kind == DECOMP_BLOCK)
        item = decomp_block_lo(d->items, d->rank, d->nranks) + j;
    else
        item = ((j / d->chunk) * d->nranks + d->rank) * d->chunk + j % d->chunk;
    *global = item * d->grain;
    *local = j * d->grain;
    *count = decomp_min(d->grain, d->n - *global);
}

/* 1 if a px x py rank grid cuts rows x cols into tiles of at least `halo`
 * rows and cols (block cuts: the smallest tile has floor(n/P) of them). */
static int decomp_grid_fits(int px, int py, int64_t rows, int64_t cols, int halo)
{
    return rows / px >= halo && cols / py >= halo;
}

int decomp_dims(int p, int64_t rows, int64_t cols, int halo, int pdims[2])
{
    double best = -1.0;
    /* Largest px first, so ties keep whole rows per tile (contiguous faces). */
    for (int px = p; px >= 1; px--) {
        int py = p / px;
        double volume;
        if (p % px != 0 || !decomp_grid_fits(px, py, rows, cols, halo)) continue;
        /* Cells crossing the internal cuts: px-1 cuts of `cols` cells, py-1 of `rows`. */
        volume = (double)(px - 1) * (double)cols + (double)(py - 1) * (double)rows;
        if (best < 0.0 || volume < best) {
            best = volume;
            pdims[0] = px;
            pdims[1] = py;
        }
    }
    return best < 0.0 ? -1 : 0;
}

void decomp_dims_text(int64_t rows, int64_t cols, int halo, int upto, char *out, size_t n)
{
    size_t len = 0;
    int dims[2], p;
    out[0] = '\0';
    for (p = 1; p <= upto && len + 16 < n; p++) {
        int q = p;
        if (decomp_dims(p, rows, cols, halo, dims) != 0) continue;
        while (q + 1 <= upto && decomp_dims(q + 1, rows, cols, halo, dims) == 0)
            q++;
        if (q >= p + 2)
            len += (size_t)snprintf(out + len, n - len, "%s%d-%d", len ? ", " : "", p, q);
        else
            for (int i = p; i <= q && len + 16 < n; i++)
                len += (size_t)snprintf(out + len, n - len, "%s%d", len ? ", " : "", i);
        p = q;
    }
    if (p <= upto)
        snprintf(out + len, n - len, ", ...");
    else if (len == 0)
        snprintf(out, n, "none");
}

int decomp_2d_init(decomp_2d *d, int64_t rows, int64_t cols, int halo, int rank, int nranks)
{
    d->n[0] = rows;
    d->n[1] = cols;
    if (decomp_dims(nranks, rows, cols, halo, d->pdims) != 0) return -1;
    d->coord[0] = rank / d->pdims[1];
    d->coord[1] = rank % d->pdims[1];
    for (int a = 0; a < 2; a++) {
        d->lo[a] = decomp_block_lo(d->n[a], d->coord[a], d->pdims[a]);
        d->hi[a] = decomp_block_lo(d->n[a], d->coord[a] + 1, d->pdims[a]);
    }
    d->neighbor[0] = d->coord[0] > 0 ? rank - d->pdims[1] : -1;
    d->neighbor[1] = d->coord[0] < d->pdims[0] - 1 ? rank + d->pdims[1] : -1;
    d->neighbor[2] = d->coord[1] > 0 ? rank - 1 : -1;
    d->neighbor[3] = d->coord[1] < d->pdims[1] - 1 ? rank + 1 : -1;
    return 0;
}
