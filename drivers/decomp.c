/*
 * decomp.c - block, block-cyclic and 2-D Cartesian decomposition (decomp.h).
 * Invariant: the ranges of all ranks partition the global range exactly.
 */
#include "decomp.h"

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

void decomp_dims(int p, int pdims[2])
{
    int best = 1;
    for (int f = 1; (long)f * f <= p; f++)
        if (p % f == 0) best = f;
    pdims[0] = p / best;
    pdims[1] = best;
}

void decomp_2d_init(decomp_2d *d, int64_t rows, int64_t cols, int rank, int nranks)
{
    d->n[0] = rows;
    d->n[1] = cols;
    decomp_dims(nranks, d->pdims);
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
}
