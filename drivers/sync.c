/*
 * sync.c - shared cells over the par and comm primitives (see sync.h).
 * Invariant: choice i < (number of par primitives) is par_sync_at(i), the
 * rest are comm_sync_at(i - that number), in the order sync_choices() lists
 * them; a run uses exactly one primitive.
 */
#include "sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "par.h"

enum { SYNC_MAX = 16 };

static const char sync_thread_elsewhere[] =
    "it synchronises threads that share memory, and scalekit-mpi ranks share none: use "
    "--sync reduce, rma or lock there";
static const char sync_rank_elsewhere[] =
    "it synchronises MPI ranks (one thread each) on cells held by rank 0: run it under "
    "scalekit-mpi (mpirun -np P); hybrid threads may not call MPI (MPI_THREAD_FUNNELED), so "
    "use a thread primitive there";

static kernel_choice sync_list[SYNC_MAX + 1];
static int sync_nthread = -1; /* par primitives at the front of sync_list */

const kernel_choice *sync_choices(void)
{
    int n = 0;
    if (sync_nthread >= 0) return sync_list;
    for (int i = 0; par_sync_at(i) != NULL && n < SYNC_MAX; i++, n++)
        sync_list[n] = (kernel_choice){par_sync_at(i)->name, par_sync_at(i)->help,
                                       KERNEL_MODEL_SEQ | KERNEL_MODEL_OMP | KERNEL_MODEL_HYBRID,
                                       sync_thread_elsewhere};
    sync_nthread = n;
    for (int i = 0; comm_sync_at(i) != NULL && n < SYNC_MAX; i++, n++)
        sync_list[n] = (kernel_choice){comm_sync_at(i)->name, comm_sync_at(i)->help,
                                       KERNEL_MODEL_MPI, sync_rank_elsewhere};
    sync_list[n] = (kernel_choice){NULL, NULL, 0, NULL};
    return sync_list;
}

int sync_racy(int choice)
{
    sync_choices();
    return choice < sync_nthread && par_sync_at(choice)->racy;
}

struct sync_cells {
    int64_t n;
    par_cells *par;   /* a thread primitive: cells in this process */
    comm_cells *comm; /* a rank primitive: cells on rank 0 */
    const uint64_t *values;
    kernel_shared shared;
};

sync_cells *sync_create(int choice, int64_t n)
{
    sync_cells *s = SK_MALLOC(sizeof *s);
    memset(s, 0, sizeof *s);
    sync_choices();
    SK_CHECK(choice >= 0 && n >= 1 && n <= 0x7fffffff, "sync_create: bad primitive or cell count");
    s->n = n;
    s->shared.ncells = n;
    if (choice < sync_nthread) {
        const par_sync *p = par_sync_at(choice);
        s->par = par_cells_create(p, n);
        if (!comm_all(s->par != NULL))
            comm_abort(1, "out of memory allocating the shared cells; use fewer cells");
        s->shared.ctx = s->par;
        s->shared.add = p->add;
    } else {
        const comm_sync *c = comm_sync_at(choice - sync_nthread);
        SK_CHECK(c != NULL, "sync_create: no such primitive");
        s->comm = comm_cells_create(c, n);
        s->shared.ctx = s->comm;
        s->shared.add = c->add;
    }
    return s;
}

const kernel_shared *sync_shared(const sync_cells *s)
{
    return &s->shared;
}

void sync_reset(sync_cells *s)
{
    s->values = NULL;
    if (s->par != NULL)
        par_cells_reset(s->par);
    else
        comm_cells_reset(s->comm);
}

void sync_flush(sync_cells *s)
{
    if (s->par != NULL) {
        uint64_t *v = par_cells_values(s->par);
        comm_sum_u64(v, (int)s->n); /* hybrid: each rank's cells, summed */
        s->values = v;
    } else {
        s->values = comm_cells_values(s->comm);
    }
}

const uint64_t *sync_values(const sync_cells *s)
{
    return s->values;
}

void sync_free(sync_cells *s)
{
    if (s == NULL) return;
    par_cells_free(s->par);
    comm_cells_free(s->comm);
    free(s);
}
