/*
 * iofile.c - atomic HDF5 files with checksums, checked reads and checkpoint
 * directories (see iofile.h). Calls HDF5 only through h5io.h.
 *
 * Invariant: every step of a write and every checked read is entered by all
 * ranks in the same order; a problem one rank finds in a file (on rank 0,
 * which judges the metadata) is broadcast before anyone starts a collective
 * read, so no rank waits for another that gave up.
 *
 * Test hooks (see README "Tests"): SCALEKIT_TEST_IO_STALL=STEP[:ITERATION]
 * stops every rank before STEP (open, write, checksum, flush, complete,
 * close, commit, done) of a file, so a test can kill -9 it there;
 * SCALEKIT_TEST_IO_FAIL=RANK makes that rank's dataset creation fail inside
 * HDF5, to show that an error on one rank ends all of them.
 */
#define _GNU_SOURCE
#include "iofile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build_info.h"
#include "comm.h"
#include "harness.h"
#include "msg.h"
#include "version.h"

static const char *const iofile_step_names[] = {"open",     "write", "checksum", "flush",
                                                "complete", "close", "commit",   "done"};

/* ---- checksums ----------------------------------------------------------- */

/* Rows per checksum block for a dataset of `rows` rows. */
static int64_t iofile_sum_rows(int64_t rows)
{
    return rows <= IOFILE_MAX_SUMS ? 1 : (rows + IOFILE_MAX_SUMS - 1) / IOFILE_MAX_SUMS;
}

static int iofile_nsums(const io_block *b)
{
    int64_t per = iofile_sum_rows(b->global[0]);
    return (int)((b->global[0] + per - 1) / per);
}

/* The bits of element c of a row (esize 4 or 8 bytes per element). */
static uint64_t iofile_bits(const char *row, int64_t c, size_t esize)
{
    const char *p = row + (size_t)c * esize;
    uint32_t u32;
    uint64_t u64;
    if (esize == 4) {
        memcpy(&u32, p, 4);
        return u32;
    }
    memcpy(&u64, p, 8);
    return u64;
}

/* This rank's elements' contribution to every block's checksum, then the
 * sum over ranks. */
static void iofile_checksums(const io_block *b, uint64_t *sums)
{
    int n = iofile_nsums(b);
    int64_t per = iofile_sum_rows(b->global[0]);
    size_t esize = kernel_type_size(b->type);
    memset(sums, 0, (size_t)n * sizeof *sums);
    for (int64_t k = 0; k < b->nspans; k++) {
        const kernel_span *s = &b->spans[k];
        for (int64_t r = 0; r < s->count; r++) {
            uint64_t g = (uint64_t)(s->global + r), acc = 0;
            const char *row = (const char *)b->data +
                              (size_t)((s->local + r + b->halo) * b->ld + b->halo) * esize;
            for (int64_t c = 0; c < b->cols; c++) {
                uint64_t index = g * (uint64_t)b->global[1] + (uint64_t)(b->col0 + c);
                acc += kernel_mix64(iofile_bits(row, c, esize) ^
                                    kernel_mix64(index + UINT64_C(0x9e3779b97f4a7c15)));
            }
            sums[(s->global + r) / per] += acc;
        }
    }
    comm_sum_u64(sums, n);
}

/* ---- test hooks ---------------------------------------------------------- */

static void iofile_hook_stall(const iofile_writer *w, iofile_step step)
{
    const char *spec = getenv("SCALEKIT_TEST_IO_STALL");
    const char *name = iofile_step_names[step], *colon;
    size_t len;
    if (spec == NULL || spec[0] == '\0') return;
    colon = strchr(spec, ':');
    len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len != strlen(name) || strncmp(spec, name, len) != 0) return;
    if (colon != NULL && strtoll(colon + 1, NULL, 10) != w->meta.iteration) return;
    if (comm_rank() == 0) {
        msg_print("test hook: stalled before '%s' of %s", name, w->atomic ? w->tmp : w->path);
    }
    for (int i = 0; i < 600; i++) /* the test kills us long before this ends */
        usleep(500000);
}

static int iofile_hook_fail(void)
{
    const char *spec = getenv("SCALEKIT_TEST_IO_FAIL");
    return spec != NULL && spec[0] != '\0' && atoi(spec) == comm_rank();
}

/* ---- writing ------------------------------------------------------------- */

void iofile_begin(iofile_writer *w, const char *path, const io_block *b, const iofile_meta *m,
                  int atomic, io_mode mode, io_layout layout, io_log *log)
{
    memset(w, 0, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s", path);
    snprintf(w->tmp, sizeof w->tmp, "%s.tmp", path);
    w->block = *b;
    w->meta = *m;
    w->atomic = atomic;
    w->mode = mode;
    w->layout = layout;
    w->log = log;
    w->step = IOFILE_STEP_OPEN;
}

static void iofile_identity(iofile_writer *w)
{
    const iofile_meta *m = &w->meta;
    io_attr_text(w->f, "kernel", m->kernel);
    io_attr_ints(w->f, "size", m->size, m->size_dims);
    io_attr_int(w->f, "iteration", m->iteration);
    io_attr_int(w->f, "iters", m->iters);
    io_attr_text(w->f, "decomposition", m->decomposition);
    io_attr_text(w->f, "model", m->model);
    io_attr_int(w->f, "ranks", m->ranks);
    io_attr_int(w->f, "threads_per_rank", m->threads);
    io_attr_text(w->f, "scalekit_version", SCALEKIT_VERSION);
    io_attr_text(w->f, "git_commit", SCALEKIT_GIT_COMMIT);
}

/* The checksums of the data (`complete` follows after a flush). */
static void iofile_seal(iofile_writer *w)
{
    uint64_t sums[IOFILE_MAX_SUMS];
    int64_t rows = iofile_sum_rows(w->block.global[0]);
    iofile_checksums(&w->block, sums);
    io_attr_u64s(w->f, "checksums", sums, iofile_nsums(&w->block));
    io_attr_int(w->f, "checksum_rows", rows);
    io_attr_text(w->f, "checksum_method",
                 "per block of checksum_rows rows: sum mod 2^64 of "
                 "splitmix64(bits ^ splitmix64(row * cols + col + 0x9e3779b97f4a7c15))");
}

/* Rank 0: PATH.tmp becomes PATH, and the directory entry is made durable. */
static void iofile_commit(const iofile_writer *w)
{
    char dir[IOFILE_PATH];
    const char *parent;
    int fd;
    if (comm_rank() != 0) return;
    if (rename(w->tmp, w->path) != 0) {
        char text[512];
        snprintf(text, sizeof text, "rename %.200s -> %.200s: %s", w->tmp, w->path,
                 strerror(errno));
        comm_fail(__FILE__, __LINE__, text);
    }
    snprintf(dir, sizeof dir, "%s", w->path);
    parent = dirname(dir);
    fd = open(parent, O_RDONLY | O_DIRECTORY);
    if (fd < 0 || fsync(fd) != 0) {
        char text[512];
        snprintf(text, sizeof text, "fsync of the output directory %.300s failed: %s", parent,
                 strerror(errno));
        comm_fail(__FILE__, __LINE__, text);
    }
    close(fd);
}

int iofile_step_next(iofile_writer *w)
{
    io_block b = w->block;
    io_transfer t;
    double t0;
    int step = (int)w->step;
    while (!w->atomic && (step == IOFILE_STEP_CHECKSUM || step == IOFILE_STEP_COMPLETE ||
                          step == IOFILE_STEP_COMMIT))
        step++;
    iofile_hook_stall(w, (iofile_step)step);
    t0 = harness_now();
    switch (step) {
    case IOFILE_STEP_OPEN:
        w->f = io_create(w->atomic ? w->tmp : w->path, w->mode, w->layout);
        if (w->atomic) iofile_identity(w);
        io_log_op(w->log, IO_OPEN, 0, t0, 0.0);
        break;
    case IOFILE_STEP_WRITE:
        if (iofile_hook_fail()) b.name = ""; /* HDF5 refuses an empty name */
        io_write(w->f, &b, &t);
        io_log_transfer(w->log, &t);
        io_log_op(w->log, IO_WRITE, 0, t0,
                  (double)b.rows * (double)b.cols * (double)kernel_type_size(b.type));
        break;
    case IOFILE_STEP_CHECKSUM:
        iofile_seal(w);
        io_log_op(w->log, IO_CHECKSUM, 0, t0, 0.0);
        break;
    case IOFILE_STEP_FLUSH:
        io_flush(w->f);
        io_log_op(w->log, IO_FLUSH, 0, t0, 0.0);
        break;
    case IOFILE_STEP_COMPLETE:
        io_attr_int(w->f, "complete", 1);
        io_flush(w->f);
        io_log_op(w->log, IO_FLUSH, 0, t0, 0.0);
        break;
    case IOFILE_STEP_CLOSE:
        io_close(w->f);
        w->f = NULL;
        io_log_op(w->log, IO_CLOSE, 0, t0, 0.0);
        break;
    case IOFILE_STEP_COMMIT:
        iofile_commit(w);
        io_log_op(w->log, IO_COMMIT, 0, t0, 0.0);
        break;
    default:
        return 0;
    }
    w->step = (iofile_step)(step + 1);
    if (w->step == IOFILE_STEP_DONE) iofile_hook_stall(w, IOFILE_STEP_DONE);
    return w->step != IOFILE_STEP_DONE;
}

void iofile_finish(iofile_writer *w)
{
    while (iofile_step_next(w))
        ;
}

/* ---- reading ------------------------------------------------------------- */

static void iofile_read(const char *path, const io_block *b, io_mode mode, io_log *log)
{
    io_transfer t;
    double t0 = harness_now();
    io_file *f = io_open(path, mode);
    io_log_op(log, IO_OPEN, 1, t0, 0.0);
    t0 = harness_now();
    io_read(f, b, &t);
    io_log_transfer(log, &t);
    io_log_op(log, IO_READ, 1, t0,
              (double)b->rows * (double)b->cols * (double)kernel_type_size(b->type));
    t0 = harness_now();
    io_close(f);
    io_log_op(log, IO_CLOSE, 1, t0, 0.0);
}

void iofile_read_plain(const char *path, const io_block *b, io_mode mode, io_log *log)
{
    iofile_read(path, b, mode, log);
}

/* What rank 0 learnt from a file's metadata, shared with every rank. */
typedef struct iofile_verdict {
    int ok, nsums;
    int64_t iteration, sum_rows;
    char err[480];
    uint64_t sums[IOFILE_MAX_SUMS];
} iofile_verdict;

static int iofile_bad(iofile_verdict *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int iofile_bad(iofile_verdict *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err, sizeof v->err, fmt, ap);
    va_end(ap);
    v->ok = 0;
    return -1;
}

static void iofile_size_text(const int64_t *v, int n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used + 24 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%" PRId64, i ? "x" : "", v[i]);
}

/* The identity checks, in the order a user would want to hear them. */
static int iofile_judge_identity(io_probe *p, const io_block *b, const iofile_meta *e,
                                 iofile_verdict *v)
{
    char text[256], want[96], got[96];
    int64_t ints[KERNEL_SIZE_DIMS + 1];
    int n;
    if (io_probe_ints(p, "complete", ints, 1) != 1 || ints[0] != 1)
        return iofile_bad(v, "incomplete: no 'complete' attribute (its writer stopped "
                             "before the end)");
    if (io_probe_text(p, "kernel", text, sizeof text) != 0)
        return iofile_bad(v, "has no 'kernel' attribute (not a scalekit file?)");
    if (strcmp(text, e->kernel) != 0)
        return iofile_bad(v, "written by kernel '%s', not '%s'", text, e->kernel);
    n = io_probe_ints(p, "size", ints, KERNEL_SIZE_DIMS);
    iofile_size_text(e->size, e->size_dims, want, sizeof want);
    if (n != e->size_dims || memcmp(ints, e->size, (size_t)n * sizeof *ints) != 0) {
        iofile_size_text(ints, n > 0 ? n : 0, got, sizeof got);
        return iofile_bad(v, "written for size %s, this run has size %s", n > 0 ? got : "?", want);
    }
    if (io_probe_ints(p, "iteration", &v->iteration, 1) != 1 || v->iteration < 0)
        return iofile_bad(v, "has no valid 'iteration' attribute");
    if (v->iteration > e->iters)
        return iofile_bad(v, "is at iteration %" PRId64 ", beyond this run's --iters %" PRId64,
                          v->iteration, e->iters);
    (void)b;
    return 0;
}

static int iofile_judge(const char *path, const io_block *b, const iofile_meta *e,
                        iofile_verdict *v)
{
    struct stat st;
    io_probe *p;
    int64_t rows = 0;
    v->ok = 1;
    if (stat(path, &st) != 0) return iofile_bad(v, "cannot be read: %s", strerror(errno));
    if (!S_ISREG(st.st_mode)) return iofile_bad(v, "is not a regular file");
    p = io_probe_open(path, v->err, sizeof v->err);
    if (p == NULL) return v->ok = 0, -1;
    if (iofile_judge_identity(p, b, e, v) == 0 &&
        io_probe_dataset(p, b->name, b->type, b->ndims, b->global, (int64_t)st.st_size, v->err,
                         sizeof v->err) != 0)
        v->ok = 0;
    if (v->ok) {
        v->nsums = io_probe_u64s(p, "checksums", v->sums, IOFILE_MAX_SUMS);
        if (v->nsums != iofile_nsums(b) || io_probe_ints(p, "checksum_rows", &rows, 1) != 1 ||
            rows != iofile_sum_rows(b->global[0]))
            iofile_bad(v, "has no valid checksums");
    }
    io_probe_close(p);
    return v->ok ? 0 : -1;
}

int iofile_read_checked(const char *path, const io_block *b, const iofile_meta *expect,
                        io_mode mode, io_log *log, int64_t *iteration, char *err, size_t errlen)
{
    iofile_verdict *v = SK_MALLOC(sizeof *v);
    uint64_t sums[IOFILE_MAX_SUMS];
    int rc = 0;
    memset(v, 0, sizeof *v);
    if (comm_rank() == 0) iofile_judge(path, b, expect, v);
    comm_bcast(v, sizeof *v);
    if (!v->ok) {
        snprintf(err, errlen, "%s", v->err);
        free(v);
        return -1;
    }
    iofile_read(path, b, mode, log);
    iofile_checksums(b, sums);
    for (int i = 0; i < v->nsums; i++) {
        if (sums[i] == v->sums[i]) continue;
        int64_t per = iofile_sum_rows(b->global[0]), hi = (i + 1) * per;
        snprintf(err, errlen,
                 "corrupted: the checksum of rows %" PRId64 "..%" PRId64
                 " differs from the one stored",
                 i * per, (hi < b->global[0] ? hi : b->global[0]) - 1);
        rc = -1;
        break;
    }
    *iteration = v->iteration;
    free(v);
    return rc;
}

void iofile_drop_cache(const char *path, io_log *log)
{
    int fd = open(path, O_RDONLY);
    int ok = fd >= 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
    if (fd >= 0) close(fd);
    log->drops++;
    log->drops_ok += ok;
}

/* ---- checkpoint directories ---------------------------------------------- */

void iofile_ckpt_name(char *buf, size_t n, const char *dir, int64_t iteration)
{
    snprintf(buf, n, "%s/ckpt-%010" PRId64 ".h5", dir, iteration);
}

/* The iteration of a checkpoint's file name, or -1 for any other name. */
static int64_t iofile_ckpt_parse(const char *name)
{
    size_t len = strlen(name);
    int64_t it = 0;
    if (len < 9 || strncmp(name, "ckpt-", 5) != 0 || strcmp(name + len - 3, ".h5") != 0) return -1;
    for (const char *c = name + 5; c < name + len - 3; c++) {
        if (*c < '0' || *c > '9' || it > (INT64_MAX - 9) / 10) return -1;
        it = it * 10 + (*c - '0');
    }
    return it;
}

static int iofile_cmp_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x < y) - (x > y);
}

/* Every checkpoint's iteration in dir, newest first, into *iters (free it):
 * how many, or -1 if dir is unreadable. All of them, whatever the readdir
 * order: a bounded list taken before sorting could miss the newest. */
static int64_t iofile_ckpt_scan(const char *dir, int64_t **iters)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int64_t n = 0, cap = 0, *v = NULL;
    *iters = NULL;
    if (d == NULL) return -1;
    while ((e = readdir(d)) != NULL) {
        int64_t it = iofile_ckpt_parse(e->d_name);
        if (it < 0) continue;
        if (n == cap) {
            int64_t *grown;
            cap = cap ? 2 * cap : 64;
            grown = realloc(v, (size_t)cap * sizeof *v);
            SK_CHECK(grown != NULL, "out of memory listing checkpoints");
            v = grown;
        }
        v[n++] = it;
    }
    closedir(d);
    if (n > 1) qsort(v, (size_t)n, sizeof *v, iofile_cmp_desc);
    *iters = v;
    return n;
}

int iofile_ckpt_list(const char *dir, int64_t *iters, int max)
{
    int64_t *all, n = iofile_ckpt_scan(dir, &all);
    if (n < 0) return -1;
    if (n > max) n = max;
    if (n > 0) memcpy(iters, all, (size_t)n * sizeof *iters);
    free(all);
    return (int)n;
}

void iofile_ckpt_prune(const char *dir, int64_t written, int64_t keep)
{
    int64_t *iters, n = iofile_ckpt_scan(dir, &iters), older = 0;
    char path[IOFILE_PATH + 32];
    for (int64_t i = 0; i < n; i++) {
        if (iters[i] >= written) continue;
        if (++older < keep) continue;
        iofile_ckpt_name(path, sizeof path, dir, iters[i]);
        unlink(path);
    }
    free(iters);
}
