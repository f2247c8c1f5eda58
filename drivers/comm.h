/*
 * comm.h - the communication layer: the only interface to MPI.
 *
 * drivers/comm.c is the one source file that includes mpi.h. It is compiled
 * twice: with SCALEKIT_WITH_MPI (scalekit-mpi, scalekit-hybrid) and without
 * (scalekit-seq, scalekit-omp). Without MPI every call has a serial body that
 * behaves as one rank, so drivers make the same calls in every model.
 *
 * Invariants: rank 0 exists and does all printing and file writing;
 * functions marked "collective" must be called by every rank in the same
 * order; comm_fail() and comm_abort() end every rank, never just one.
 * With threads, only the thread that called comm_init() calls into this layer
 * (MPI_THREAD_FUNNELED is all the hybrid driver asks for).
 */
#ifndef SCALEKIT_COMM_H
#define SCALEKIT_COMM_H

#include <stddef.h>
#include <stdint.h>

/* Start the layer. want_threads asks MPI for MPI_THREAD_FUNNELED instead of
 * MPI_THREAD_SINGLE. Collective. Ends the process on failure. */
void comm_init(int *argc, char ***argv, int want_threads);
/* Collective shutdown. Returns `code` so main can `return comm_finalize(c)`. */
int comm_finalize(int code);

int comm_rank(void);
int comm_size(void);
int comm_is_mpi(void); /* 1 when built with MPI */
/* MPI library version (one line) or "none". */
const char *comm_library(void);
/* Thread level provided, e.g. "MPI_THREAD_FUNNELED", or "none". */
const char *comm_thread_level(void);

/* Collective: how many ranks share this rank's node (shared memory). */
int comm_ranks_on_node(void);
/* Collective: the ranks of this rank's node each send n bytes to the node's
 * first rank (node rank 0, its "leader"), which receives them in node-rank
 * order in a new buffer of *ranks * n bytes, returned in *all (the caller
 * frees it; NULL on the other ranks). Sets *ranks to the node's rank count
 * (comm_ranks_on_node()) on every rank and returns this rank's node rank. */
int comm_node_gather(const void *mine, size_t n, void **all, int *ranks);

/* Collective barrier. */
void comm_barrier(void);
/* Collective: element-wise reductions in place over all ranks. */
void comm_sum_u64(uint64_t *v, int n);
void comm_sum_double(double *v, int n);
void comm_max_double(double *v, int n);
void comm_min_double(double *v, int n);
void comm_max_u64(uint64_t *v, int n);
/* Collective: combine every rank's kernel_result into *r on all ranks by the
 * kernel_result rules, in ONE reduction (one MPI_Allreduce with a
 * user-defined operation): the per-repetition cost of combining a result. */
struct kernel_result;
void comm_combine_result(struct kernel_result *r);
/* Collective: 1 if every rank passed ok != 0, else 0. */
int comm_all(int ok);
/* Collective: broadcast n bytes from rank 0. */
void comm_bcast(void *buf, size_t n);
/* Collective: every rank sends `n` bytes; rank 0 receives size*n bytes in
 * rank order into `all` (ignored elsewhere). */
void comm_gather(const void *mine, void *all, size_t n);

/* Generic halo exchange (after CoMD's haloExchange): one exchange for every
 * field, specialised by pack/unpack callbacks and a context. Faces are
 * numbered 0..2*ndims-1: face 2d is the low side of dimension d, 2d+1 the
 * high side. neighbor[f] is the rank across face f, or -1 at a boundary. */
typedef struct comm_halo {
    int ndims;
    int neighbor[4];
    void *ctx;
    /* Bytes sent across face f (equal to bytes received from it). */
    size_t (*face_bytes)(void *ctx, int face);
    /* Copy the owned cells next to face f into buf. */
    void (*pack)(void *ctx, int face, void *buf);
    /* Copy buf (the neighbour's cells) into the halo beyond face f. */
    void (*unpack)(void *ctx, int face, const void *buf);
} comm_halo;

/* Collective among neighbours: update every halo face that has a neighbour.
 * Dimensions are exchanged one after another. */
void comm_halo_exchange(const comm_halo *h);

/* ---- synchronisation primitives between ranks for shared cells
 * (kernel.h: kernel_shared): how MPI ranks, one thread each, add to cells
 * that live on rank 0. A primitive is one entry in comm.c's table (with its
 * add function); drivers/sync.c offers every entry as a --sync value.
 * Without MPI each has a serial body (one rank: a plain add). add() is
 * called by the thread that called comm_init() only (MPI_THREAD_FUNNELED). */
typedef struct comm_sync {
    const char *name;
    const char *help;
    int window; /* the cells live in an MPI window on rank 0 */
    int epoch;  /* a passive-target epoch (MPI_Win_lock_all) spans each run */
    void (*add)(void *cells, int64_t cell, uint64_t v); /* cells: a comm_cells */
} comm_sync;

/* The i-th primitive, or NULL past the end. */
const comm_sync *comm_sync_at(int i);

typedef struct comm_cells comm_cells;
/* Collective: n cells for primitive s (a window on rank 0 if it needs one). */
comm_cells *comm_cells_create(const comm_sync *s, int64_t n);
/* Collective: zero every cell and open the run's epoch, if any. */
void comm_cells_reset(comm_cells *c);
/* Collective: complete every rank's updates and combine them; returns the
 * cells' values on rank 0 (other ranks: unspecified contents). */
const uint64_t *comm_cells_values(comm_cells *c);
/* Collective. */
void comm_cells_free(comm_cells *c);

/* ---- probes for scalekit-overhead: the cost of MPI operations ---- */

/* Collective barrier in which waiting ranks sleep (MPI_Ibarrier polled every
 * 100 us) instead of spinning: ranks that must not take CPU time from the
 * threads rank 0 is measuring wait in it. */
void comm_barrier_quiet(void);
/* Collective (ranks 0 and 1 exchange, the others return at once): n round
 * trips of a `bytes` message from rank 0 to rank 1 and back (OSU latency
 * is the time / n / 2). Returns rank 0's seconds; 0 on other ranks; -1
 * with fewer than 2 ranks; -2 if the last message arrived corrupted. */
double comm_pingpong(size_t bytes, int64_t n);
/* Collective, like comm_pingpong(): n windows of `window` messages of
 * `bytes` from rank 0 to rank 1 (MPI_Isend/MPI_Irecv, one MPI_Waitall),
 * each window acknowledged by a 4-byte reply (OSU bandwidth). */
double comm_stream(size_t bytes, int64_t n, int window);

/* End every rank with exit code `code` after printing msg (any rank may
 * call; use for errors only some ranks see). Does not return. */
_Noreturn void comm_abort(int code, const char *msg);
/* Report a failed call at file:line naming the rank, then comm_abort(1). */
_Noreturn void comm_fail(const char *file, int line, const char *what);

/* Check a condition on a path that can fail at run time (allocation, MPI,
 * I/O): on failure name rank, file and line and end all ranks. */
#define SK_CHECK(cond, what)                                                                       \
    do {                                                                                           \
        if (!(cond)) comm_fail(__FILE__, __LINE__, (what));                                        \
    } while (0)

/* malloc that never returns NULL for n > 0: failure ends all ranks. */
void *comm_xmalloc(size_t n, const char *file, int line);
#define SK_MALLOC(n) comm_xmalloc((n), __FILE__, __LINE__)

#endif
