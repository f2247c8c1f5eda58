/*
 * h5io.c - the HDF5 layer (see h5io.h): the only file that includes hdf5.h.
 * Built with parallel HDF5 (SCALEKIT_WITH_MPI), with serial HDF5, or without
 * HDF5 (SCALEKIT_NO_HDF5: io_available() is 0, the command line refuses every
 * I/O option, and any other call ends the run with "built without HDF5").
 *
 * Invariant: every HDF5 call on a path that must not fail goes through
 * SK_H5(), which ends all ranks with the rank, file, line, call and HDF5's
 * deepest error message; HDF5's own error printing is switched off so that
 * files judged by io_probe_*() fail quietly with one clear sentence.
 */
#define _GNU_SOURCE
#include "h5io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"

#ifdef SCALEKIT_NO_HDF5

struct io_file {
    int unused;
};
struct io_probe {
    int unused;
};

void io_init(void) {}
int io_available(void)
{
    return 0;
}
const char *io_library(void)
{
    return "none";
}
int io_is_parallel(void)
{
    return 0;
}
void io_cause_text(uint32_t bits, char *buf, size_t n)
{
    (void)bits;
    snprintf(buf, n, "built without HDF5");
}

static _Noreturn void io_missing(void)
{
    comm_fail(__FILE__, __LINE__, "this scalekit was built without HDF5");
}

io_file *io_create(const char *path, io_mode mode, io_layout layout)
{
    (void)path, (void)mode, (void)layout;
    io_missing();
}
io_file *io_open(const char *path, io_mode mode)
{
    (void)path, (void)mode;
    io_missing();
}
void io_attr_text(io_file *f, const char *name, const char *value)
{
    (void)f, (void)name, (void)value;
    io_missing();
}
void io_attr_int(io_file *f, const char *name, int64_t v)
{
    (void)f, (void)name, (void)v;
    io_missing();
}
void io_attr_ints(io_file *f, const char *name, const int64_t *v, int n)
{
    (void)f, (void)name, (void)v, (void)n;
    io_missing();
}
void io_attr_u64s(io_file *f, const char *name, const uint64_t *v, int n)
{
    (void)f, (void)name, (void)v, (void)n;
    io_missing();
}
void io_write(io_file *f, const io_block *b, io_transfer *t)
{
    (void)f, (void)b, (void)t;
    io_missing();
}
void io_read(io_file *f, const io_block *b, io_transfer *t)
{
    (void)f, (void)b, (void)t;
    io_missing();
}
void io_flush(io_file *f)
{
    (void)f;
    io_missing();
}
void io_close(io_file *f)
{
    (void)f;
    io_missing();
}
io_probe *io_probe_open(const char *path, char *err, size_t errlen)
{
    (void)path;
    snprintf(err, errlen, "this scalekit was built without HDF5");
    return NULL;
}
void io_probe_close(io_probe *p)
{
    (void)p;
}
int io_probe_text(io_probe *p, const char *name, char *buf, size_t n)
{
    (void)p, (void)name, (void)buf, (void)n;
    return -1;
}
int io_probe_ints(io_probe *p, const char *name, int64_t *v, int max)
{
    (void)p, (void)name, (void)v, (void)max;
    return -1;
}
int io_probe_u64s(io_probe *p, const char *name, uint64_t *v, int max)
{
    (void)p, (void)name, (void)v, (void)max;
    return -1;
}
int io_probe_dataset(io_probe *p, const char *name, kernel_type t, int ndims, const int64_t dims[2],
                     int64_t file_bytes, char *err, size_t errlen)
{
    (void)p, (void)name, (void)t, (void)ndims, (void)dims, (void)file_bytes;
    snprintf(err, errlen, "this scalekit was built without HDF5");
    return -1;
}

#else /* with HDF5 */

#include <hdf5.h>
#include <pthread.h>
#include <unistd.h>

#ifdef SCALEKIT_WITH_MPI
#if !defined(H5_HAVE_PARALLEL)
#error "the MPI drivers need a parallel HDF5 (libhdf5-openmpi-dev)"
#endif
#endif

enum { IO_CHUNK_BYTES = 1 << 20 }; /* target chunk size for --io-layout chunked */

struct io_file {
    hid_t id;
    io_mode mode;
    io_layout layout;
};

struct io_probe {
    hid_t id;
};

/* ---- errors -------------------------------------------------------------- */

/* H5Ewalk2 callback: keep the innermost (last visited) description. */
static herr_t io_error_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    char *text = data;
    (void)n;
    if (e->desc != NULL && e->desc[0] != '\0')
        snprintf(text, 256, "%s (in %s)", e->desc, e->func_name ? e->func_name : "?");
    return 0;
}

static void io_error_text(char *text, size_t n)
{
    char inner[256] = "no HDF5 error message";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, io_error_walk, inner);
    H5Eclear2(H5E_DEFAULT);
    snprintf(text, n, "%s", inner);
}

static void io_check(int ok, const char *file, int line, const char *call)
{
    char text[512], hdf[256];
    if (ok) return;
    io_error_text(hdf, sizeof hdf);
    snprintf(text, sizeof text, "%.120s failed: %s", call, hdf);
    comm_fail(file, line, text);
}
#define SK_H5(call) io_check((call) >= 0, __FILE__, __LINE__, #call)

static pthread_t io_owner;
static int io_owned;

void io_init(void)
{
    io_owner = pthread_self();
    io_owned = 1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

/* Every entry point: only the owner thread may be here. */
static void io_quiet(void)
{
    if (!io_owned) io_init();
    SK_CHECK(pthread_equal(io_owner, pthread_self()),
             "HDF5 called from a second thread (HDF5 here is not thread-safe: only the thread "
             "that called comm_init() may use io/)");
}

/* ---- library ------------------------------------------------------------- */

int io_available(void)
{
    return 1;
}

int io_is_parallel(void)
{
#ifdef SCALEKIT_WITH_MPI
    return 1;
#else
    return 0;
#endif
}

const char *io_library(void)
{
    static char text[64];
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(text, sizeof text, "HDF5 %u.%u.%u (%s)", maj, min, rel,
             io_is_parallel() ? "parallel" : "serial");
    return text;
}

void io_cause_text(uint32_t bits, char *buf, size_t n)
{
#ifdef SCALEKIT_WITH_MPI
    static const struct {
        uint32_t bit;
        const char *text;
    } causes[] = {
        {H5D_MPIO_SET_INDEPENDENT, "independent transfers requested"},
        {H5D_MPIO_DATATYPE_CONVERSION, "datatype conversion"},
        {H5D_MPIO_DATA_TRANSFORMS, "data transforms"},
        {H5D_MPIO_MPI_OPT_TYPES_ENV_VAR_DISABLED, "MPI derived types disabled by environment"},
        {H5D_MPIO_NOT_SIMPLE_OR_SCALAR_DATASPACES, "dataspaces not simple or scalar"},
        {H5D_MPIO_NOT_CONTIGUOUS_OR_CHUNKED_DATASET, "dataset neither contiguous nor chunked"},
        {H5D_MPIO_PARALLEL_FILTERED_WRITES_DISABLED, "parallel filtered writes disabled"},
        {H5D_MPIO_ERROR_WHILE_CHECKING_COLLECTIVE_POSSIBLE, "error while checking"},
    };
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof causes / sizeof causes[0] && len < n; i++)
        if (bits & causes[i].bit)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", causes[i].text);
#else
    (void)bits;
    snprintf(buf, n, "serial HDF5 (no MPI-IO)");
#endif
}

static hid_t io_native(kernel_type t)
{
    switch (t) {
    case KERNEL_TYPE_U32:
        return H5T_NATIVE_UINT32;
    case KERNEL_TYPE_U64:
        return H5T_NATIVE_UINT64;
    default:
        return H5T_NATIVE_DOUBLE;
    }
}

/* ---- files --------------------------------------------------------------- */

/* File access: MPI-IO on every rank (mpio) or the default driver (one rank
 * or serial); file locks where the file system has them, none where it
 * does not (many cluster file systems). */
static hid_t io_fapl_for(int mpio)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    SK_H5(fapl);
    SK_H5(H5Pset_file_locking(fapl, 1, 1));
#ifdef SCALEKIT_WITH_MPI
    if (mpio) SK_H5(H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL));
#else
    (void)mpio;
#endif
    return fapl;
}

static io_file *io_new(io_mode mode, io_layout layout)
{
    io_file *f = SK_MALLOC(sizeof *f);
    io_quiet();
    f->mode = mode;
    f->layout = layout;
    return f;
}

io_file *io_create(const char *path, io_mode mode, io_layout layout)
{
    io_file *f = io_new(mode, layout);
    hid_t fapl = io_fapl_for(1);
    f->id = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    SK_H5(f->id);
    SK_H5(H5Pclose(fapl));
    return f;
}

io_file *io_open(const char *path, io_mode mode)
{
    io_file *f = io_new(mode, IO_CONTIGUOUS);
    hid_t fapl = io_fapl_for(1);
    f->id = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    SK_H5(f->id);
    SK_H5(H5Pclose(fapl));
    return f;
}

void io_flush(io_file *f)
{
    io_quiet();
    SK_H5(H5Fflush(f->id, H5F_SCOPE_LOCAL));
#ifndef SCALEKIT_WITH_MPI
    /* The sec2 driver leaves the data in the page cache: sync it. (With
     * MPI-IO, H5Fflush already called MPI_File_sync.) */
    void *handle = NULL;
    SK_H5(H5Fget_vfd_handle(f->id, H5P_DEFAULT, &handle));
    SK_CHECK(handle != NULL && fsync(*(int *)handle) == 0, "fsync of an HDF5 file failed");
#endif
}

void io_close(io_file *f)
{
    io_quiet();
    SK_H5(H5Fclose(f->id));
    free(f);
}

/* ---- attributes ---------------------------------------------------------- */

static void io_attr(io_file *f, const char *name, hid_t type, hsize_t n, const void *buf)
{
    io_quiet();
    hid_t space = n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
    hid_t a;
    SK_H5(space);
    a = H5Acreate2(f->id, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    SK_H5(a);
    SK_H5(H5Awrite(a, type, buf));
    SK_H5(H5Aclose(a));
    SK_H5(H5Sclose(space));
}

void io_attr_text(io_file *f, const char *name, const char *value)
{
    io_quiet(); /* before the H5T calls below, not only in io_attr() */
    hid_t t = H5Tcopy(H5T_C_S1);
    SK_H5(t);
    SK_H5(H5Tset_size(t, H5T_VARIABLE));
    SK_H5(H5Tset_cset(t, H5T_CSET_UTF8));
    io_attr(f, name, t, 0, &value);
    SK_H5(H5Tclose(t));
}

void io_attr_int(io_file *f, const char *name, int64_t v)
{
    io_attr(f, name, H5T_NATIVE_INT64, 0, &v);
}

void io_attr_ints(io_file *f, const char *name, const int64_t *v, int n)
{
    io_attr(f, name, H5T_NATIVE_INT64, (hsize_t)n, v);
}

void io_attr_u64s(io_file *f, const char *name, const uint64_t *v, int n)
{
    io_attr(f, name, H5T_NATIVE_UINT64, (hsize_t)n, v);
}

/* ---- selections ---------------------------------------------------------- */

/* Select the block's rows in the file: runs of spans with one count and a
 * constant stride become one regular hyperslab each (a cyclic deal is one
 * or two hyperslabs, not one per row). A 1-D dataset uses only the first
 * entry of each array. */
static void io_select_file(hid_t space, const io_block *b)
{
    H5S_seloper_t op = H5S_SELECT_SET;
    int64_t k = 0;
    while (k < b->nspans) {
        const kernel_span *s = &b->spans[k];
        int64_t n = 1, stride = s->count;
        while (k + n < b->nspans && b->spans[k + n].count == s->count) {
            int64_t gap = b->spans[k + n].global - b->spans[k + n - 1].global;
            if (n == 1) stride = gap;
            if (gap != stride) break;
            n++;
        }
        hsize_t start[2] = {(hsize_t)s->global, (hsize_t)b->col0};
        hsize_t strd[2] = {(hsize_t)stride, 1};
        hsize_t count[2] = {(hsize_t)n, 1};
        hsize_t block[2] = {(hsize_t)s->count, (hsize_t)b->cols};
        SK_H5(H5Sselect_hyperslab(space, op, start, strd, count, block));
        op = H5S_SELECT_OR;
        k += n;
    }
}

/* Check the block's promises (see io_block) before HDF5 sees it. */
static void io_check_block(const io_block *b)
{
    int64_t local = 0, last = -1;
    for (int64_t k = 0; k < b->nspans; k++) {
        const kernel_span *s = &b->spans[k];
        SK_CHECK(s->local == local && s->count > 0 && s->global > last &&
                     s->global + s->count <= b->global[0],
                 "io_block: spans must cover local rows in order with increasing global rows");
        local += s->count;
        last = s->global + s->count - 1;
    }
    SK_CHECK(local == b->rows && b->col0 >= 0 && b->col0 + b->cols <= b->global[1] &&
                 b->ld >= b->cols + 2 * b->halo,
             "io_block: rows, cols or leading dimension inconsistent");
}

/* File and memory dataspaces of one transfer, both selected (or both empty). */
static void io_spaces(hid_t dset, const io_block *b, hid_t *fspace, hid_t *mspace)
{
    int64_t h = b->halo;
    hsize_t mdims[2] = {(hsize_t)(b->rows + 2 * h), (hsize_t)b->ld};
    io_check_block(b);
    *fspace = H5Dget_space(dset);
    SK_H5(*fspace);
    if (mdims[0] == 0) mdims[0] = 1;
    if (mdims[1] == 0) mdims[1] = 1;
    *mspace = H5Screate_simple(2, mdims, NULL);
    SK_H5(*mspace);
    if (b->rows == 0 || b->cols == 0) {
        /* A rank that owns nothing still joins the collective transfer. */
        SK_H5(H5Sselect_none(*fspace));
        SK_H5(H5Sselect_none(*mspace));
        return;
    }
    hsize_t start[2] = {(hsize_t)h, (hsize_t)h};
    hsize_t count[2] = {(hsize_t)b->rows, (hsize_t)b->cols};
    SK_H5(H5Sselect_hyperslab(*mspace, H5S_SELECT_SET, start, NULL, count, NULL));
    io_select_file(*fspace, b);
}

static hid_t io_dxpl(const io_file *f)
{
    hid_t dxpl = H5Pcreate(H5P_DATASET_XFER);
    SK_H5(dxpl);
#ifdef SCALEKIT_WITH_MPI
    SK_H5(H5Pset_dxpl_mpio(dxpl, f->mode == IO_COLLECTIVE ? H5FD_MPIO_COLLECTIVE
                                                          : H5FD_MPIO_INDEPENDENT));
#else
    (void)f;
#endif
    return dxpl;
}

static void io_what_happened(hid_t dxpl, io_transfer *t)
{
    memset(t, 0, sizeof *t);
#ifdef SCALEKIT_WITH_MPI
    H5D_mpio_actual_io_mode_t mode = H5D_MPIO_NO_COLLECTIVE;
    SK_H5(H5Pget_mpio_actual_io_mode(dxpl, &mode));
    SK_H5(H5Pget_mpio_no_collective_cause(dxpl, &t->cause_local, &t->cause_global));
    t->collective = mode != H5D_MPIO_NO_COLLECTIVE;
#else
    (void)dxpl;
#endif
}

/* ---- datasets ------------------------------------------------------------ */

static hid_t io_dcpl(const io_file *f, const io_block *b)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    SK_H5(dcpl);
    /* Every element is written: never spend a pass writing fill values. */
    SK_H5(H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER));
    if (f->layout == IO_CHUNKED) {
        hsize_t esize = kernel_type_size(b->type), target = IO_CHUNK_BYTES / esize;
        hsize_t chunk[2];
        chunk[1] = b->ndims == 2 ? (hsize_t)b->global[1] : 1;
        if (chunk[1] > target) chunk[1] = target;
        chunk[0] = target / chunk[1];
        if (chunk[0] < 1) chunk[0] = 1;
        if (chunk[0] > (hsize_t)b->global[0]) chunk[0] = (hsize_t)b->global[0];
        SK_H5(H5Pset_chunk(dcpl, b->ndims, chunk));
    }
    return dcpl;
}

/* Move every rank's block between memory and dataset dset, then close it. */
static void io_transfer_block(const io_file *f, hid_t dset, const io_block *b, int reading,
                              io_transfer *t)
{
    hid_t fspace, mspace, dxpl;
    io_spaces(dset, b, &fspace, &mspace);
    dxpl = io_dxpl(f);
    if (reading)
        SK_H5(H5Dread(dset, io_native(b->type), mspace, fspace, dxpl, b->data));
    else
        SK_H5(H5Dwrite(dset, io_native(b->type), mspace, fspace, dxpl, b->data));
    io_what_happened(dxpl, t);
    SK_H5(H5Pclose(dxpl));
    SK_H5(H5Sclose(mspace));
    SK_H5(H5Sclose(fspace));
    SK_H5(H5Dclose(dset));
}

void io_write(io_file *f, const io_block *b, io_transfer *t)
{
    io_quiet();
    hsize_t dims[2] = {(hsize_t)b->global[0], (hsize_t)b->global[1]};
    hid_t space = H5Screate_simple(b->ndims, dims, NULL), dcpl, dset;
    SK_H5(space);
    dcpl = io_dcpl(f, b);
    dset = H5Dcreate2(f->id, b->name, io_native(b->type), space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    SK_H5(dset);
    SK_H5(H5Pclose(dcpl));
    SK_H5(H5Sclose(space));
    io_transfer_block(f, dset, b, 0, t);
}

void io_read(io_file *f, const io_block *b, io_transfer *t)
{
    io_quiet();
    hid_t dset = H5Dopen2(f->id, b->name, H5P_DEFAULT);
    SK_H5(dset);
    io_transfer_block(f, dset, b, 1, t);
}

/* ---- probing files ------------------------------------------------------- */

io_probe *io_probe_open(const char *path, char *err, size_t errlen)
{
    io_probe *p;
    htri_t is;
    char hdf[256];
    io_quiet();
    is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        snprintf(err, errlen, "not an HDF5 file (no valid superblock: empty or truncated?)");
        return NULL;
    }
    p = SK_MALLOC(sizeof *p);
    hid_t fapl = io_fapl_for(0);
    p->id = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (p->id < 0) io_error_text(hdf, sizeof hdf); /* before the next call clears it */
    SK_H5(H5Pclose(fapl));
    if (p->id < 0) {
        snprintf(err, errlen, "HDF5 cannot open it (truncated or damaged?): %s", hdf);
        free(p);
        return NULL;
    }
    return p;
}

void io_probe_close(io_probe *p)
{
    if (p == NULL) return;
    H5Fclose(p->id);
    H5Eclear2(H5E_DEFAULT);
    free(p);
}

/* Open root attribute name; its element count in *n. -1 if absent. */
static hid_t io_probe_attr(io_probe *p, const char *name, hssize_t *n)
{
    hid_t a, space;
    if (H5Aexists(p->id, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    a = H5Aopen(p->id, name, H5P_DEFAULT);
    if (a < 0) return -1;
    space = H5Aget_space(a);
    *n = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    return a;
}

int io_probe_text(io_probe *p, const char *name, char *buf, size_t n)
{
    hssize_t count = 0;
    hid_t a = io_probe_attr(p, name, &count), type, mem;
    int rc = -1;
    if (a < 0) return -1;
    type = H5Aget_type(a);
    if (type >= 0 && H5Tget_class(type) == H5T_STRING && count == 1) {
        if (H5Tis_variable_str(type) > 0) {
            char *s = NULL;
            mem = H5Tcopy(type); /* same size and character set: no conversion */
            if (H5Aread(a, mem, &s) >= 0 && s != NULL) {
                snprintf(buf, n, "%s", s);
                H5free_memory(s);
                rc = 0;
            }
            H5Tclose(mem);
        } else {
            size_t size = H5Tget_size(type);
            char *s = calloc(1, size + 1);
            if (s != NULL && H5Aread(a, type, s) >= 0) {
                snprintf(buf, n, "%s", s);
                rc = 0;
            }
            free(s);
        }
    }
    if (type >= 0) H5Tclose(type);
    H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

static int io_probe_numbers(io_probe *p, const char *name, hid_t mem, void *v, int max)
{
    hssize_t count = 0;
    hid_t a = io_probe_attr(p, name, &count), type;
    int rc = -1;
    if (a < 0) return -1;
    type = H5Aget_type(a);
    if (type >= 0 && H5Tget_class(type) == H5T_INTEGER && count >= 1 && count <= max &&
        H5Aread(a, mem, v) >= 0)
        rc = (int)count;
    if (type >= 0) H5Tclose(type);
    H5Aclose(a);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

int io_probe_ints(io_probe *p, const char *name, int64_t *v, int max)
{
    return io_probe_numbers(p, name, H5T_NATIVE_INT64, v, max);
}

int io_probe_u64s(io_probe *p, const char *name, uint64_t *v, int max)
{
    return io_probe_numbers(p, name, H5T_NATIVE_UINT64, v, max);
}

static const char *io_elem_name(kernel_type t)
{
    return t == KERNEL_TYPE_U32 ? "uint32" : t == KERNEL_TYPE_U64 ? "uint64" : "float64";
}

/* The dataset's element type as one of ours, or 0. */
static kernel_type io_elem_of(hid_t type)
{
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    if (cls == H5T_FLOAT && size == 8) return KERNEL_TYPE_F64;
    if (cls == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_NONE)
        return size == 4 ? KERNEL_TYPE_U32 : size == 8 ? KERNEL_TYPE_U64 : (kernel_type)0;
    return (kernel_type)0;
}

int io_probe_dataset(io_probe *p, const char *name, kernel_type t, int ndims, const int64_t dims[2],
                     int64_t file_bytes, char *err, size_t errlen)
{
    hid_t d, type, space;
    hsize_t got[2] = {0, 1};
    int rank, rc = 0;
    if (H5Lexists(p->id, name, H5P_DEFAULT) <= 0) {
        snprintf(err, errlen, "has no dataset '%s'", name);
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    d = H5Dopen2(p->id, name, H5P_DEFAULT);
    if (d < 0) {
        snprintf(err, errlen, "cannot open dataset '%s'", name);
        H5Eclear2(H5E_DEFAULT);
        return -1;
    }
    type = H5Dget_type(d);
    space = H5Dget_space(d);
    rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (rank >= 1 && rank <= 2) H5Sget_simple_extent_dims(space, got, NULL);
    if (type < 0 || io_elem_of(type) != t) {
        snprintf(err, errlen, "dataset '%s' does not hold %s elements", name, io_elem_name(t));
        rc = -1;
    } else if (rank != ndims || (int64_t)got[0] != dims[0] ||
               (ndims == 2 && (int64_t)got[1] != dims[1])) {
        snprintf(err, errlen, "dataset '%s' is %lldx%lld, expected %lldx%lld", name,
                 (long long)got[0], (long long)(rank == 2 ? got[1] : 1), (long long)dims[0],
                 (long long)(ndims == 2 ? dims[1] : 1));
        rc = -1;
    } else {
        /* Contiguous data must lie inside the file: a cut-off file fails here,
         * on one rank, before any collective read could trip over it. */
        haddr_t off = H5Dget_offset(d);
        hsize_t bytes = H5Dget_storage_size(d);
        hsize_t want = (hsize_t)dims[0] * (hsize_t)(ndims == 2 ? dims[1] : 1) * kernel_type_size(t);
        if (off != HADDR_UNDEF && (int64_t)(off + bytes) > file_bytes) {
            snprintf(err, errlen,
                     "truncated: dataset '%s' needs bytes up to %llu, the file has %lld", name,
                     (unsigned long long)(off + bytes), (long long)file_bytes);
            rc = -1;
        } else if (bytes < want) {
            snprintf(err, errlen, "dataset '%s' holds %llu of its %llu bytes (incomplete)", name,
                     (unsigned long long)bytes, (unsigned long long)want);
            rc = -1;
        }
    }
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
    return rc;
}

#endif
