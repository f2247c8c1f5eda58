/*
 * halo.h - halo exchange for a kernel_field (a local 2-D array of doubles
 * with a halo): the pack/unpack pair that specialises comm_halo_exchange()
 * for grids. Any kernel that exposes field() is served by it.
 */
#ifndef SCALEKIT_HALO_H
#define SCALEKIT_HALO_H

#include "comm.h"
#include "kernel.h"

/* Point h at field f (kept by pointer: f must outlive the exchange) with the
 * given face neighbours (decomp_2d order: row-low, row-high, col-low,
 * col-high; -1 for none). */
void halo_grid_bind(comm_halo *h, kernel_field *f, const int neighbor[4]);

#endif
