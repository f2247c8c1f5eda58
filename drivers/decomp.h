/*
 * decomp.h - domain decomposition arithmetic, pure and MPI-free so it can be
 * unit-tested for every N and P.
 *
 * 1-D: the global index range [0, n) is cut into items of `grain` indices
 * (the last may be short). Block hands rank r the contiguous items
 * [items*r/P, items*(r+1)/P); cyclic deals blocks of `chunk` items round-robin
 * (rank r gets blocks r, r+P, r+2P, ...). Either way every index belongs to
 * exactly one rank, and ranks may own nothing when there are fewer items
 * than ranks (they then idle).
 *
 * 2-D: P ranks form a px x py grid (px * py == P) chosen from the grid's
 * shape: among the factorizations whose tiles all have at least `halo` rows
 * and cols, the one with the least halo volume (cells crossing the cuts),
 * ties going to the larger px. Rank r sits at (r / py, r % py) and owns a
 * block of rows and cols cut like the 1-D block case.
 */
#ifndef SCALEKIT_DECOMP_H
#define SCALEKIT_DECOMP_H

#include <stddef.h>
#include <stdint.h>

typedef enum decomp_kind { DECOMP_BLOCK, DECOMP_CYCLIC } decomp_kind;

typedef struct decomp_1d {
    int64_t n, grain, items; /* global indices, indices per item, items */
    int rank, nranks;
    decomp_kind kind;
    int64_t chunk;  /* cyclic: items per dealt block (>= 1) */
    int64_t nitems; /* items owned by this rank */
    int64_t nlocal; /* indices owned by this rank */
} decomp_1d;

/* Lower bound of block r of P over n things: n*r/P without overflow. */
int64_t decomp_block_lo(int64_t n, int r, int p);

/* Set up rank `rank` of `nranks`. chunk is ignored for block. */
void decomp_1d_init(decomp_1d *d, int64_t n, int64_t grain, decomp_kind kind, int64_t chunk,
                    int rank, int nranks);
/* The j-th local item (0 <= j < nitems): its first global index, first local
 * index and length. */
void decomp_1d_item(const decomp_1d *d, int64_t j, int64_t *global, int64_t *local, int64_t *count);

typedef struct decomp_2d {
    int64_t n[2]; /* global rows, cols */
    int pdims[2]; /* ranks along rows, cols */
    int coord[2]; /* this rank's position */
    int64_t lo[2], hi[2];
    int neighbor[4]; /* ranks across faces (row-low, row-high, col-low, col-high), -1 none */
} decomp_2d;

/* Choose the rank grid pdims[0] x pdims[1] == p for a rows x cols grid
 * (see above). Returns 0, or -1 when no factorization of p fits (pdims is
 * then left alone). */
int decomp_dims(int p, int64_t rows, int64_t cols, int halo, int pdims[2]);
/* The rank counts 1..upto that fit a rows x cols grid, as "1-4, 6, 9"
 * (", ..." when out is full, "none" when none fits). O(upto^2). */
void decomp_dims_text(int64_t rows, int64_t cols, int halo, int upto, char *out, size_t n);
/* Set up rank `rank` of `nranks` on the grid decomp_dims() chooses. Returns
 * 0, or -1 when no rank grid fits (d is then not set up: the caller must
 * refuse the run). */
int decomp_2d_init(decomp_2d *d, int64_t rows, int64_t cols, int halo, int rank, int nranks);

#endif
