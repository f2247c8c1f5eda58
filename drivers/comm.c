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

#include "kernel.h"
#include "msg.h"

/* One dimension's face buffers (low side 0, high side 1) and their sizes. */
typedef struct comm_faces {
    char *send[2], *recv[2];
    size_t bytes[2];
} comm_faces;

#ifdef SCALEKIT_WITH_MPI
#include <mpi.h>

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

int comm_node_gather(const void *mine, void *all, size_t n)
{
    MPI_Comm node;
    int me = 0;
    SK_CHECK(n <= (size_t)0x7fffffff, "comm_node_gather: message too large");
    SK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
    SK_MPI(MPI_Comm_rank(node, &me));
    SK_MPI(MPI_Gather(mine, (int)n, MPI_BYTE, all, (int)n, MPI_BYTE, 0, node));
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
int comm_node_gather(const void *mine, void *all, size_t n)
{
    if (n > 0) memmove(all, mine, n);
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
