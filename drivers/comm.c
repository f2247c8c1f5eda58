/*
 * comm.c - the communication layer (see comm.h): the only file that talks to
 * MPI. Built with SCALEKIT_WITH_MPI for the MPI drivers and without it for the
 * others; every function has a serial body that behaves as a single rank.
 *
 * Invariant: every MPI call goes through SK_MPI(), which checks its return
 * code (MPI_COMM_WORLD is set to MPI_ERRORS_RETURN) and ends all ranks with
 * the rank, file, line and MPI's own error text on failure.
 */
#define _GNU_SOURCE
#include "comm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hook.h"
#include "kernel.h"
#include "msg.h"

/* One dimension's face buffers (low side 0, high side 1) and their sizes. */
typedef struct comm_faces {
    char *send[2], *recv[2];
    size_t bytes[2];
} comm_faces;

#ifdef SCALEKIT_WITH_MPI
#include <mpi.h>
#endif

/* Shared cells between ranks (see comm_sync). */
struct comm_cells {
    const comm_sync *sync;
    int64_t n;
    uint64_t *local;  /* reduce (and every serial body): this rank's cells */
    uint64_t *totals; /* rank 0: the combined cells */
#ifdef SCALEKIT_WITH_MPI
    uint64_t *base; /* window memory: n cells on rank 0, none elsewhere */
    MPI_Win win;
    int in_epoch; /* between reset() and values() of an `epoch` primitive */
#endif
};

/* Add to this rank's own cells: the reduce primitive, and with one rank
 * (the serial bodies) every primitive. */
static void comm_add_local(void *cells, int64_t cell, uint64_t v)
{
    ((comm_cells *)cells)->local[cell] += v;
}

#ifdef SCALEKIT_WITH_MPI

static char comm_library_text[MPI_MAX_LIBRARY_VERSION_STRING];
/* The kernel_result datatype and its reduction (made on first use). */
static MPI_Datatype comm_result_type = MPI_DATATYPE_NULL;
static MPI_Op comm_result_op = MPI_OP_NULL;
static const char *comm_level_text = "none";
static int comm_my_rank, comm_nranks;

static void comm_check_mpi(int rc, const char *file, int line, const char *call)
{
    char text[MPI_MAX_ERROR_STRING + 128];
    char mpi_text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (rc == MPI_SUCCESS) return;
    if (MPI_Error_string(rc, mpi_text, &len) != MPI_SUCCESS)
        snprintf(mpi_text, sizeof mpi_text, "MPI error code %d", rc);
    snprintf(text, sizeof text, "%s failed: %s", call, mpi_text);
    comm_fail(file, line, text);
}
#define SK_MPI(call) comm_check_mpi((call), __FILE__, __LINE__, #call)

static const char *comm_level_name(int level)
{
    switch (level) {
    case MPI_THREAD_SINGLE:
        return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED:
        return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED:
        return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE:
        return "MPI_THREAD_MULTIPLE";
    default:
        return "unknown";
    }
}

/* Keep only the first line of the (often multi-line) library version. */
static void comm_read_library(void)
{
    int len = 0;
    if (MPI_Get_library_version(comm_library_text, &len) != MPI_SUCCESS)
        snprintf(comm_library_text, sizeof comm_library_text, "unknown MPI");
    comm_library_text[strcspn(comm_library_text, "\r\n,")] = '\0';
}

void comm_init(int *argc, char ***argv, int want_threads)
{
    int provided = MPI_THREAD_SINGLE;
    int asked = want_threads ? MPI_THREAD_FUNNELED : MPI_THREAD_SINGLE;
    if (MPI_Init_thread(argc, argv, asked, &provided) != MPI_SUCCESS) {
        msg_print("MPI_Init_thread failed; is this started by mpirun/srun?");
        exit(1);
    }
    SK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    SK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &comm_my_rank));
    SK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &comm_nranks));
    comm_level_text = comm_level_name(provided);
    comm_read_library();
    if (provided < asked)
        comm_abort(1, "MPI provides less than MPI_THREAD_FUNNELED; the hybrid driver needs it");
}

int comm_finalize(int code)
{
    if (comm_result_op != MPI_OP_NULL) SK_MPI(MPI_Op_free(&comm_result_op));
    if (comm_result_type != MPI_DATATYPE_NULL) SK_MPI(MPI_Type_free(&comm_result_type));
    SK_MPI(MPI_Finalize());
    return code;
}

int comm_rank(void)
{
    return comm_my_rank;
}
int comm_size(void)
{
    return comm_nranks;
}
int comm_is_mpi(void)
{
    return 1;
}
const char *comm_library(void)
{
    return comm_library_text;
}
const char *comm_thread_level(void)
{
    return comm_level_text;
}
void comm_barrier(void)
{
    SK_MPI(MPI_Barrier(MPI_COMM_WORLD));
}

int comm_ranks_on_node(void)
{
    MPI_Comm node;
    int n = 1;
    SK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    SK_MPI(MPI_Comm_size(node, &n));
    SK_MPI(MPI_Comm_free(&node));
    return n;
}

/* One split serves the node's size, this rank's place in it and the gather. */
int comm_node_gather(const void *mine, size_t n, void **all, int *ranks)
{
    MPI_Comm node;
    int me = 0;
    SK_CHECK(n <= (size_t)0x7fffffff, "comm_node_gather: message too large");
    SK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    SK_MPI(MPI_Comm_rank(node, &me));
    SK_MPI(MPI_Comm_size(node, ranks));
    *all = me == 0 ? SK_MALLOC((size_t)*ranks * n) : NULL;
    SK_MPI(MPI_Gather(mine, (int)n, MPI_BYTE, *all, (int)n, MPI_BYTE, 0, node));
    SK_MPI(MPI_Comm_free(&node));
    return me;
}

void comm_sum_u64(uint64_t *v, int n)
{
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD));
}

void comm_sum_double(double *v, int n)
{
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD));
}

void comm_max_double(double *v, int n)
{
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD));
}

void comm_max_u64(uint64_t *v, int n)
{
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD));
}

void comm_min_double(double *v, int n)
{
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD));
}

/* MPI_User_function: inout[i] = combine(inout[i], in[i]). Buffers may be
 * MPI's own, so elements are copied rather than assumed aligned. */
static void comm_result_reduce(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    for (int i = 0; i < *len; i++) {
        kernel_result a, b;
        memcpy(&a, (char *)inout + (size_t)i * sizeof a, sizeof a);
        memcpy(&b, (char *)in + (size_t)i * sizeof b, sizeof b);
        kernel_result_combine(&a, &b);
        memcpy((char *)inout + (size_t)i * sizeof a, &a, sizeof a);
    }
}

void comm_combine_result(kernel_result *r)
{
    if (comm_result_op == MPI_OP_NULL) {
        SK_MPI(MPI_Type_contiguous((int)sizeof *r, MPI_BYTE, &comm_result_type));
        SK_MPI(MPI_Type_commit(&comm_result_type));
        SK_MPI(MPI_Op_create(comm_result_reduce, 1, &comm_result_op));
    }
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, r, 1, comm_result_type, comm_result_op, MPI_COMM_WORLD));
}

int comm_all(int ok)
{
    int all = ok != 0;
    SK_MPI(MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD));
    return all;
}

void comm_bcast(void *buf, size_t n)
{
    SK_CHECK(n <= (size_t)0x7fffffff, "comm_bcast: message too large");
    SK_MPI(MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD));
}

void comm_gather(const void *mine, void *all, size_t n)
{
    SK_CHECK(n <= (size_t)0x7fffffff, "comm_gather: message too large");
    SK_MPI(MPI_Gather(mine, (int)n, MPI_BYTE, all, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD));
}

/* Exchange both faces of dimension d: receives posted first, then sends. */
static void comm_halo_dim(const comm_halo *h, int d, const comm_faces *b)
{
    MPI_Request req[4];
    int nreq = 0;
    for (int s = 0; s < 2; s++) {
        int f = 2 * d + s;
        if (h->neighbor[f] < 0) continue;
        SK_MPI(MPI_Irecv(b->recv[s], (int)b->bytes[s], MPI_BYTE, h->neighbor[f], 1 - s,
                         MPI_COMM_WORLD, &req[nreq++]));
    }
    for (int s = 0; s < 2; s++) {
        int f = 2 * d + s;
        if (h->neighbor[f] < 0) continue;
        h->pack(h->ctx, f, b->send[s]);
        SK_MPI(MPI_Isend(b->send[s], (int)b->bytes[s], MPI_BYTE, h->neighbor[f], s, MPI_COMM_WORLD,
                         &req[nreq++]));
    }
    SK_MPI(MPI_Waitall(nreq, req, MPI_STATUSES_IGNORE));
    for (int s = 0; s < 2; s++)
        if (h->neighbor[2 * d + s] >= 0) h->unpack(h->ctx, 2 * d + s, b->recv[s]);
}

/* One atomic update at the target, completed before the next. */
static void comm_add_rma(void *cells, int64_t cell, uint64_t v)
{
    comm_cells *c = cells;
    uint64_t old;
    SK_MPI(MPI_Fetch_and_op(&v, &old, MPI_UINT64_T, 0, (MPI_Aint)cell, MPI_SUM, c->win));
    SK_MPI(MPI_Win_flush(0, c->win));
}

/* Read-modify-write under an exclusive lock of rank 0's window. */
static void comm_add_lock(void *cells, int64_t cell, uint64_t v)
{
    comm_cells *c = cells;
    uint64_t value = 0;
    SK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, c->win));
    SK_MPI(MPI_Get(&value, 1, MPI_UINT64_T, 0, (MPI_Aint)cell, 1, MPI_UINT64_T, c->win));
    SK_MPI(MPI_Win_flush(0, c->win));
    value += v;
    SK_MPI(MPI_Put(&value, 1, MPI_UINT64_T, 0, (MPI_Aint)cell, 1, MPI_UINT64_T, c->win));
    SK_MPI(MPI_Win_unlock(0, c->win));
}

static void comm_cells_open(comm_cells *c)
{
    MPI_Aint bytes = comm_my_rank == 0 ? (MPI_Aint)c->n * (MPI_Aint)sizeof(uint64_t) : 0;
    SK_CHECK(c->n <= 0x7fffffff, "comm_cells_create: too many cells");
    if (!c->sync->window) return;
    SK_MPI(MPI_Win_allocate(bytes, (int)sizeof(uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD, &c->base,
                            &c->win));
    SK_MPI(MPI_Win_set_errhandler(c->win, MPI_ERRORS_RETURN));
}

/* Close the run's epoch: completes this rank's updates. */
static void comm_cells_end_epoch(comm_cells *c)
{
    if (!c->in_epoch) return;
    SK_MPI(MPI_Win_unlock_all(c->win));
    c->in_epoch = 0;
}

void comm_cells_reset(comm_cells *c)
{
    memset(c->local, 0, (size_t)c->n * sizeof *c->local);
    if (!c->sync->window) return;
    comm_cells_end_epoch(c);
    if (comm_my_rank == 0) {
        SK_MPI(MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, c->win));
        memset(c->base, 0, (size_t)c->n * sizeof *c->base);
        SK_MPI(MPI_Win_unlock(0, c->win));
    }
    SK_MPI(MPI_Barrier(MPI_COMM_WORLD)); /* nobody adds before the cells are zero */
    if (c->sync->epoch) {
        SK_MPI(MPI_Win_lock_all(0, c->win));
        c->in_epoch = 1;
    }
}

const uint64_t *comm_cells_values(comm_cells *c)
{
    if (!c->sync->window) {
        SK_MPI(
            MPI_Reduce(c->local, c->totals, (int)c->n, MPI_UINT64_T, MPI_SUM, 0, MPI_COMM_WORLD));
        return c->totals;
    }
    comm_cells_end_epoch(c);             /* completes this rank's updates */
    SK_MPI(MPI_Barrier(MPI_COMM_WORLD)); /* ... and every rank's */
    if (comm_my_rank == 0) {
        SK_MPI(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, c->win));
        memcpy(c->totals, c->base, (size_t)c->n * sizeof *c->totals);
        SK_MPI(MPI_Win_unlock(0, c->win));
    }
    return c->totals;
}

static void comm_cells_close(comm_cells *c)
{
    if (!c->sync->window) return;
    comm_cells_end_epoch(c);
    SK_MPI(MPI_Win_free(&c->win));
}

/* Message buffers of the probes: kept between calls, grown when needed and
 * touched when allocated, so no page fault lands in a timed loop. */
static char *comm_probe_buf[2];
static size_t comm_probe_cap[2];

/* Test hook (hook.h: HOOK_CORRUPT_ALL or _MPI): damage the last message
 * received, so the tests see the exchange check fail. */
static void comm_test_corrupt(char *buf, size_t bytes)
{
    hook_corrupt mode = hook_corrupt_mode();
    if (mode == HOOK_CORRUPT_ALL || mode == HOOK_CORRUPT_MPI) buf[bytes / 2] ^= 1;
}

/* The send buffer holds a known pattern, the receive buffer zeros. */
static void comm_probe_buffers(size_t bytes, char **sbuf, char **rbuf)
{
    SK_CHECK(bytes >= 1 && bytes <= 0x7fffffff, "message size out of range for one MPI message");
    for (int i = 0; i < 2; i++)
        if (bytes > comm_probe_cap[i]) {
            free(comm_probe_buf[i]);
            comm_probe_buf[i] = SK_MALLOC(bytes);
            comm_probe_cap[i] = bytes;
        }
    *sbuf = comm_probe_buf[0];
    *rbuf = comm_probe_buf[1];
    for (size_t i = 0; i < bytes; i++)
        (*sbuf)[i] = (char)((i * 131 + 7) & 0x7f);
    memset(*rbuf, 0, bytes);
}

void comm_barrier_quiet(void)
{
    MPI_Request req;
    int done = 0;
    struct timespec pause = {0, 100000};
    SK_MPI(MPI_Ibarrier(MPI_COMM_WORLD, &req));
    for (;;) {
        SK_MPI(MPI_Test(&req, &done, MPI_STATUS_IGNORE));
        if (done) return;
        nanosleep(&pause, NULL);
    }
}

double comm_pingpong(size_t bytes, int64_t n)
{
    char *sbuf, *rbuf;
    int count = (int)bytes, peer = 1 - comm_my_rank;
    double t0;
    if (comm_nranks < 2) return -1.0;
    if (comm_my_rank > 1) return 0.0;
    comm_probe_buffers(bytes, &sbuf, &rbuf);
    t0 = MPI_Wtime();
    for (int64_t i = 0; i < n; i++) {
        if (comm_my_rank == 0) {
            SK_MPI(MPI_Send(sbuf, count, MPI_BYTE, peer, 1, MPI_COMM_WORLD));
            SK_MPI(MPI_Recv(rbuf, count, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        } else {
            SK_MPI(MPI_Recv(rbuf, count, MPI_BYTE, peer, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            SK_MPI(MPI_Send(rbuf, count, MPI_BYTE, peer, 1, MPI_COMM_WORLD));
        }
    }
    t0 = MPI_Wtime() - t0;
    if (comm_my_rank == 1) return 0.0;
    comm_test_corrupt(rbuf, bytes);
    return memcmp(sbuf, rbuf, bytes) == 0 ? t0 : -2.0; /* what came back is what went out */
}

double comm_stream(size_t bytes, int64_t n, int window)
{
    MPI_Request req[64];
    char *sbuf, *rbuf;
    int count = (int)bytes, ack = 1;
    double t0;
    SK_CHECK(window >= 1 && window <= 64, "comm_stream: window must be 1..64");
    if (comm_nranks < 2) return -1.0;
    if (comm_my_rank > 1) return 0.0;
    comm_probe_buffers(bytes, &sbuf, &rbuf);
    t0 = MPI_Wtime();
    for (int64_t i = 0; i < n; i++) {
        for (int k = 0; k < window; k++)
            if (comm_my_rank == 0)
                SK_MPI(MPI_Isend(sbuf, count, MPI_BYTE, 1, 2, MPI_COMM_WORLD, &req[k]));
            else
                SK_MPI(MPI_Irecv(rbuf, count, MPI_BYTE, 0, 2, MPI_COMM_WORLD, &req[k]));
        SK_MPI(MPI_Waitall(window, req, MPI_STATUSES_IGNORE));
        if (comm_my_rank == 0) {
            SK_MPI(MPI_Recv(&ack, 1, MPI_INT, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        } else {
            if (i + 1 == n) comm_test_corrupt(rbuf, bytes);
            ack = i + 1 < n || memcmp(sbuf, rbuf, bytes) == 0; /* last ack: data intact? */
            SK_MPI(MPI_Send(&ack, 1, MPI_INT, 0, 3, MPI_COMM_WORLD));
        }
    }
    t0 = MPI_Wtime() - t0;
    if (comm_my_rank == 1) return 0.0;
    return ack ? t0 : -2.0;
}

#else /* serial bodies: one rank */

void comm_init(int *argc, char ***argv, int want_threads)
{
    (void)argc;
    (void)argv;
    (void)want_threads;
}

int comm_finalize(int code)
{
    return code;
}
int comm_rank(void)
{
    return 0;
}
int comm_size(void)
{
    return 1;
}
int comm_is_mpi(void)
{
    return 0;
}
const char *comm_library(void)
{
    return "none";
}
const char *comm_thread_level(void)
{
    return "none";
}
void comm_barrier(void) {}
int comm_ranks_on_node(void)
{
    return 1;
}
int comm_node_gather(const void *mine, size_t n, void **all, int *ranks)
{
    *ranks = 1;
    *all = SK_MALLOC(n);
    if (n > 0) memcpy(*all, mine, n);
    return 0;
}
void comm_sum_u64(uint64_t *v, int n)
{
    (void)v, (void)n;
}
void comm_sum_double(double *v, int n)
{
    (void)v, (void)n;
}
void comm_max_double(double *v, int n)
{
    (void)v, (void)n;
}
void comm_min_double(double *v, int n)
{
    (void)v, (void)n;
}
void comm_combine_result(kernel_result *r)
{
    (void)r;
}

void comm_max_u64(uint64_t *v, int n)
{
    (void)v, (void)n;
}
int comm_all(int ok)
{
    return ok != 0;
}
void comm_bcast(void *buf, size_t n)
{
    (void)buf, (void)n;
}

void comm_gather(const void *mine, void *all, size_t n)
{
    if (n > 0) memmove(all, mine, n);
}

/* One rank: every primitive is a plain add to this rank's cells. */
#define comm_add_rma comm_add_local
#define comm_add_lock comm_add_local

static void comm_cells_open(comm_cells *c)
{
    (void)c;
}

void comm_cells_reset(comm_cells *c)
{
    memset(c->local, 0, (size_t)c->n * sizeof *c->local);
}

const uint64_t *comm_cells_values(comm_cells *c)
{
    memcpy(c->totals, c->local, (size_t)c->n * sizeof *c->totals);
    return c->totals;
}

static void comm_cells_close(comm_cells *c)
{
    (void)c;
}

/* One rank: nobody to wait for or to exchange with. */
void comm_barrier_quiet(void) {}

double comm_pingpong(size_t bytes, int64_t n)
{
    (void)bytes, (void)n;
    return -1.0;
}

double comm_stream(size_t bytes, int64_t n, int window)
{
    (void)bytes, (void)n, (void)window;
    return -1.0;
}

/* With one rank a neighbour can only be this rank itself (periodic wrap):
 * the data sent across face f arrives across the opposite face. */
static void comm_halo_dim(const comm_halo *h, int d, const comm_faces *b)
{
    for (int s = 0; s < 2; s++)
        if (h->neighbor[2 * d + s] >= 0) h->pack(h->ctx, 2 * d + s, b->send[s]);
    for (int s = 0; s < 2; s++)
        if (h->neighbor[2 * d + s] >= 0) h->unpack(h->ctx, 2 * d + s, b->send[1 - s]);
}

#endif

/* One entry per primitive; the first is the default. */
static const comm_sync comm_syncs[] = {
    {"reduce", "ranks add to local cells; one MPI_Reduce to rank 0 after the run", 0, 0,
     comm_add_local},
    {"rma", "one MPI_Fetch_and_op + flush per update on rank 0's window", 1, 1, comm_add_rma},
    {"lock", "exclusive MPI_Win_lock, get, add, put, unlock per update on rank 0's window", 1, 0,
     comm_add_lock},
};

const comm_sync *comm_sync_at(int i)
{
    return i >= 0 && i < (int)(sizeof comm_syncs / sizeof comm_syncs[0]) ? &comm_syncs[i] : NULL;
}

comm_cells *comm_cells_create(const comm_sync *s, int64_t n)
{
    comm_cells *c = SK_MALLOC(sizeof *c);
    memset(c, 0, sizeof *c);
    c->sync = s;
    c->n = n;
    c->local = SK_MALLOC((size_t)n * sizeof *c->local);
    c->totals = SK_MALLOC((size_t)n * sizeof *c->totals);
    comm_cells_open(c);
    memset(c->local, 0, (size_t)n * sizeof *c->local);
    return c;
}

void comm_cells_free(comm_cells *c)
{
    if (c == NULL) return;
    comm_cells_close(c);
    free(c->local);
    free(c->totals);
    free(c);
}

/* Face buffers are kept between calls and grown when needed. */
static char *comm_halo_bufs[4];
static size_t comm_halo_caps[4];

static char *comm_halo_buffer(int i, size_t n)
{
    if (n > comm_halo_caps[i]) {
        free(comm_halo_bufs[i]);
        comm_halo_bufs[i] = SK_MALLOC(n);
        comm_halo_caps[i] = n;
    }
    return comm_halo_bufs[i];
}

void comm_halo_exchange(const comm_halo *h)
{
    SK_CHECK(h->ndims >= 1 && h->ndims <= 2, "comm_halo_exchange: ndims must be 1 or 2");
    for (int d = 0; d < h->ndims; d++) {
        comm_faces b;
        for (int s = 0; s < 2; s++) {
            b.bytes[s] = h->face_bytes(h->ctx, 2 * d + s);
            SK_CHECK(b.bytes[s] <= (size_t)0x7fffffff, "halo face too large for one message");
            b.send[s] = comm_halo_buffer(s, b.bytes[s] > 0 ? b.bytes[s] : 1);
            b.recv[s] = comm_halo_buffer(2 + s, b.bytes[s] > 0 ? b.bytes[s] : 1);
        }
        comm_halo_dim(h, d, &b);
    }
}

_Noreturn void comm_abort(int code, const char *msg)
{
    if (msg != NULL && msg[0] != '\0') msg_print("%s", msg);
    fflush(stdout);
    fflush(stderr);
#ifdef SCALEKIT_WITH_MPI
    int initialized = 0, finalized = 0;
    MPI_Initialized(&initialized);
    MPI_Finalized(&finalized);
    if (initialized && !finalized) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    exit(code);
}

_Noreturn void comm_fail(const char *file, int line, const char *what)
{
    char text[512];
    snprintf(text, sizeof text, "rank %d: %s:%d: %s", comm_rank(), file, line, what);
    comm_abort(1, text);
}

void *comm_xmalloc(size_t n, const char *file, int line)
{
    void *p = malloc(n > 0 ? n : 1);
    if (p == NULL) {
        char text[128];
        snprintf(text, sizeof text, "out of memory allocating %zu bytes", n);
        comm_fail(file, line, text);
    }
    return p;
}
