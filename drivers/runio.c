/*
 * runio.c - the runner's I/O (see runio.h): io_blocks from the kernel's
 * output table and the decomposition; images, checkpoints, restarts and
 * iobench's round trips through io/iofile.h.
 *
 * Invariant: all I/O decisions depend only on the options and the iteration
 * count, which every rank shares, so every rank enters the same collective
 * steps in the same order; asynchronous steps run on the master thread only.
 */
#define _GNU_SOURCE
#include "runio.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "comm.h"
#include "msg.h"

static io_mode runio_mode(const runio *io)
{
    return io->o->io_independent ? IO_INDEPENDENT : IO_COLLECTIVE;
}

static io_layout runio_layout(const runio *io)
{
    return io->o->io_chunked ? IO_CHUNKED : IO_CONTIGUOUS;
}

/* ---- paths --------------------------------------------------------------- */

static int runio_bad(char *err, size_t errlen, const char *opt, const char *path, const char *why)
{
    char q[MSG_QUOTE_SIZE];
    snprintf(err, errlen, "%s %s: %s", opt, msg_quote(path, q, sizeof q), why);
    return -1;
}

static int runio_writable_dir(const char *opt, const char *dir, char *err, size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) return runio_bad(err, errlen, opt, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return runio_bad(err, errlen, opt, dir, "not a directory");
    if (access(dir, W_OK | X_OK) != 0)
        return runio_bad(err, errlen, opt, dir, "directory is not writable");
    return 0;
}

int runio_check_paths(const cli_options *o, char *err, size_t errlen)
{
    struct stat st;
    if (o->image != NULL) {
        char parent[IOFILE_PATH];
        snprintf(parent, sizeof parent, "%s", o->image);
        if (stat(o->image, &st) == 0 && S_ISDIR(st.st_mode))
            return runio_bad(err, errlen, "--image", o->image, "is a directory");
        if (runio_writable_dir("--image", dirname(parent), err, errlen) != 0) return -1;
    }
    if (o->ckpt_dir != NULL) {
        if (stat(o->ckpt_dir, &st) != 0 && mkdir(o->ckpt_dir, 0777) != 0) {
            char why[160];
            snprintf(why, sizeof why, "cannot create it: %s", strerror(errno));
            return runio_bad(err, errlen, "--checkpoint-dir", o->ckpt_dir, why);
        }
        if (runio_writable_dir("--checkpoint-dir", o->ckpt_dir, err, errlen) != 0) return -1;
    }
    if (o->restart != NULL && stat(o->restart, &st) != 0)
        return runio_bad(err, errlen, "--restart", o->restart, strerror(errno));
    if (o->kern != NULL && (o->kern->output_uses & KERNEL_OUT_ROUNDTRIP))
        return runio_writable_dir("--io-dir", o->io_dir ? o->io_dir : ".", err, errlen);
    return 0;
}

/* ---- set-up -------------------------------------------------------------- */

void runio_setup(runio *io, const cli_options *o, const char *decomp, const char *model)
{
    memset(io, 0, sizeof *io);
    io->o = o;
    io->k = o->kern;
    io->active = cli_wants_io(o);
    if (!io->active) return;
    snprintf(io->decomp, sizeof io->decomp, "%s", decomp);
    io->meta = (iofile_meta){.kernel = io->k->name,
                             .size = o->params.size,
                             .size_dims = io->k->size_dims,
                             .iters = o->params.iters,
                             .decomposition = io->decomp,
                             .model = model,
                             .ranks = comm_size(),
                             .threads = par_threads()};
    io_log_init(&io->log);
    if (io->k->output_uses & KERNEL_OUT_ROUNDTRIP) {
        long pid = (long)getpid();
        comm_bcast(&pid, sizeof pid); /* one name for all ranks: rank 0's */
        snprintf(io->scratch, sizeof io->scratch, "%s/scalekit-iobench-%ld.h5",
                 o->io_dir ? o->io_dir : ".", pid);
    }
}

void runio_bind(runio *io, void *state)
{
    io->kstate = state;
}

/* Room for n spans in *spans (capacity *cap). */
static kernel_span *runio_span_room(kernel_span **spans, int64_t *cap, int64_t n)
{
    if (n > *cap) {
        free(*spans);
        *spans = SK_MALLOC((size_t)n * sizeof **spans);
        *cap = n;
    }
    return *spans;
}

/* The output's rows as spans: runs of consecutive global rows (a block deal
 * is one span, a cyclic deal one per dealt block). */
static void runio_spans(runio *io, const kernel_output *o, io_block *b)
{
    kernel_span *sp = runio_span_room(&io->spans, &io->spans_cap, o->rows > 0 ? o->rows : 1);
    int64_t n = 0;
    for (int64_t r = 0; r < o->rows; r++) {
        int64_t g = o->row_global != NULL ? o->row_global[r] : o->row0 + r;
        if (n > 0 && sp[n - 1].global + sp[n - 1].count == g)
            sp[n - 1].count++;
        else
            sp[n++] = (kernel_span){.global = g, .local = r, .count = 1};
    }
    b->spans = sp;
    b->nspans = n;
}

/* This rank's block of the kernel's output with `use`, as it lives now
 * (reading: where data read back goes). */
static void runio_block(runio *io, unsigned use, int reading, io_block *b)
{
    kernel_output o;
    SK_CHECK(kernel_output_with(io->k, io->kstate, use, &o) == 0,
             "the kernel's output_uses promise an output its outputs() does not describe");
    memset(b, 0, sizeof *b);
    b->name = o.name;
    b->type = o.type;
    b->ndims = o.dims;
    b->global[0] = o.extent[0];
    b->global[1] = o.dims == 2 ? o.extent[1] : 1;
    b->rows = o.rows;
    b->col0 = o.col0;
    b->cols = o.dims == 2 ? o.cols : 1;
    b->data = reading && o.read_into != NULL ? o.read_into : o.data;
    b->ld = o.ld > 0 ? o.ld : 1;
    b->halo = o.halo;
    runio_spans(io, &o, b);
}

/* ---- restart ------------------------------------------------------------- */

enum { RUNIO_MAX_CANDIDATES = 256 };

/* What rank 0 found at --restart: a file, or a directory's checkpoints. */
typedef struct runio_candidates {
    int is_dir, n;
    int64_t iters[RUNIO_MAX_CANDIDATES];
} runio_candidates;

static void runio_candidate_path(const runio *io, const runio_candidates *c, int i, char *buf,
                                 size_t n)
{
    if (c->is_dir)
        iofile_ckpt_name(buf, n, io->o->restart, c->iters[i]);
    else
        snprintf(buf, n, "%s", io->o->restart);
}

static void runio_find_candidates(const runio *io, runio_candidates *c)
{
    struct stat st;
    memset(c, 0, sizeof *c);
    if (comm_rank() == 0) {
        c->is_dir = stat(io->o->restart, &st) == 0 && S_ISDIR(st.st_mode);
        c->n = c->is_dir ? iofile_ckpt_list(io->o->restart, c->iters, RUNIO_MAX_CANDIDATES) : 1;
        if (c->n < 0) c->n = 0;
    }
    comm_bcast(c, sizeof *c);
}

int runio_restart(runio *io, void (*reinit)(void *), void *ctx)
{
    runio_candidates c;
    char path[IOFILE_PATH + 32], err[512];
    runio_find_candidates(io, &c);
    if (c.n == 0 && comm_rank() == 0)
        msg_print("--restart %s: no checkpoints (ckpt-ITERATION.h5) in it", io->o->restart);
    for (int i = 0; i < c.n; i++) {
        io_block b;
        int64_t it = 0;
        runio_candidate_path(io, &c, i, path, sizeof path);
        reinit(ctx);
        runio_block(io, KERNEL_OUT_STATE, 1, &b);
        if (iofile_read_checked(path, &b, &io->meta, runio_mode(io), &io->log, &it, err,
                                sizeof err) == 0) {
            io->start = it;
            snprintf(io->restart_file, sizeof io->restart_file, "%s", path);
            if (comm_rank() == 0)
                msg_print("restarting from %s (iteration %lld%s)", path, (long long)it,
                          i > 0 ? ", the newest valid checkpoint" : "");
            return CLI_EXIT_OK;
        }
        if (comm_rank() == 0)
            msg_print("checkpoint %s: %s%s", path, err,
                      i + 1 < c.n ? "; trying the next older one" : "");
    }
    if (comm_rank() == 0 && c.is_dir && c.n > 0)
        msg_print("--restart %s: no valid checkpoint to restart from", io->o->restart);
    return CLI_EXIT_FAIL;
}

/* ---- runs ---------------------------------------------------------------- */

void runio_prepare(runio *io)
{
    char err[512];
    int64_t it = 0;
    if (!io->active) return;
    io->runs++;
    io->log.timed = io->runs > io->o->warmup;
    io->log.in_run = 0;
    if (io->restart_file[0] == '\0') return;
    io_block b;
    runio_block(io, KERNEL_OUT_STATE, 1, &b);
    comm_barrier();
    io_log_clock(&io->log);
    if (iofile_read_checked(io->restart_file, &b, &io->meta, runio_mode(io), &io->log, &it, err,
                            sizeof err) != 0 ||
        it != io->start) {
        if (comm_rank() == 0)
            msg_print("checkpoint %s changed during the run: %s", io->restart_file, err);
        comm_abort(1, NULL);
    }
}

int64_t runio_run_begin(runio *io)
{
    if (!io->active) return 0;
    io_log_clock(&io->log); /* the harness's barrier has just passed */
    io->log.in_run = 1;
    return io->start;
}

/* Write output `use` to path: atomic (checksums, tmp + rename) or plain. */
static void runio_write(runio *io, unsigned use, const char *path, int64_t iteration, int atomic)
{
    io_block b;
    iofile_writer w;
    runio_block(io, use, 0, &b);
    io->meta.iteration = iteration;
    iofile_begin(&w, path, &b, &io->meta, atomic, runio_mode(io), runio_layout(io), &io->log);
    iofile_finish(&w);
}

void runio_before_work(runio *io, int64_t it)
{
    io_block b;
    if (!io->active || !(io->k->output_uses & KERNEL_OUT_ROUNDTRIP)) return;
    runio_write(io, KERNEL_OUT_ROUNDTRIP, io->scratch, it, 0);
    iofile_drop_cache(io->scratch, &io->log);
    runio_block(io, KERNEL_OUT_ROUNDTRIP, 1, &b);
    iofile_read_plain(io->scratch, &b, runio_mode(io), &io->log);
}

/* Rank 0, after checkpoint `it` is in place. */
static void runio_prune(const runio *io, int64_t it)
{
    if (comm_rank() == 0) iofile_ckpt_prune(io->o->ckpt_dir, it, io->o->ckpt_keep);
}

static void runio_async_step(void *ctx)
{
    runio *io = ctx;
    if (iofile_step_next(&io->writer)) return;
    io->pending = 0;
    runio_prune(io, io->writer.meta.iteration);
}

par_task_fn runio_task(runio *io)
{
    return io->active && io->pending ? runio_async_step : NULL;
}

void runio_overlap(runio *io, const par_overlap *ov)
{
    if (!io->log.timed) return;
    io->log.task_s += ov->task_s;
    io->log.hidden_s += ov->hidden_s;
}

/* Finish an asynchronous checkpoint in flight, in the open (nothing hides it). */
static void runio_drain(runio *io)
{
    if (!io->pending) return;
    iofile_finish(&io->writer);
    io->pending = 0;
    runio_prune(io, io->writer.meta.iteration);
}

/* Copy the state's local array (halo included) so the iterations may go on
 * while the copy is written; the copy's block points at it. */
static void runio_snapshot(runio *io, int64_t done)
{
    io_block b;
    char path[IOFILE_PATH + 32];
    double t0 = harness_now();
    size_t bytes;
    runio_block(io, KERNEL_OUT_STATE, 0, &b);
    bytes = (size_t)(b.rows + 2 * b.halo) * (size_t)b.ld * kernel_type_size(b.type);
    if (bytes > io->snap_bytes) {
        free(io->snap);
        io->snap = SK_MALLOC(bytes);
        io->snap_bytes = bytes;
    }
    if (bytes > 0) memcpy(io->snap, b.data, bytes);
    b.data = io->snap;
    /* The writer keeps its own copy of the spans too. */
    runio_span_room(&io->snap_spans, &io->snap_spans_cap, b.nspans > 0 ? b.nspans : 1);
    if (b.nspans > 0) memcpy(io->snap_spans, b.spans, (size_t)b.nspans * sizeof *b.spans);
    b.spans = io->snap_spans;
    io_log_op(&io->log, IO_SNAPSHOT, 0, t0, 0.0);
    io->meta.iteration = done;
    iofile_ckpt_name(path, sizeof path, io->o->ckpt_dir, done);
    iofile_begin(&io->writer, path, &b, &io->meta, 1, runio_mode(io), runio_layout(io), &io->log);
    io->pending = 1;
}

void runio_after_iteration(runio *io, int64_t done)
{
    char path[IOFILE_PATH + 32];
    if (!io->active || io->o->ckpt_every == 0 || done % io->o->ckpt_every != 0) return;
    runio_drain(io);
    if (io->o->async_ckpt) {
        runio_snapshot(io, done);
        return;
    }
    iofile_ckpt_name(path, sizeof path, io->o->ckpt_dir, done);
    runio_write(io, KERNEL_OUT_STATE, path, done, 1);
    runio_prune(io, done);
}

void runio_run_end(runio *io)
{
    if (!io->active) return;
    runio_drain(io);
    if (io->o->image != NULL)
        runio_write(io, KERNEL_OUT_IMAGE, io->o->image, io->o->params.iters, 1);
    io->log.in_run = 0;
}

/* ---- results ------------------------------------------------------------- */

void runio_summarize(runio *io, const harness_result *timing, io_summary *s)
{
    double total = 0.0;
    memset(s, 0, sizeof *s);
    if (!io->active) return;
    for (int64_t i = 0; i < timing->reps; i++)
        total += timing->seconds[i];
    io_log_summarize(&io->log, timing->reps, total, s);
    s->mode = runio_mode(io);
    s->layout = runio_layout(io);
    s->async = io->o->async_ckpt;
    snprintf(s->restart_file, sizeof s->restart_file, "%s", io->restart_file);
    s->restart_iteration = io->start;
}

void runio_free(runio *io)
{
    if (!io->active) return;
    if (comm_rank() == 0 && io->scratch[0] != '\0') unlink(io->scratch);
    io_log_free(&io->log);
    free(io->snap);
    free(io->spans);
    free(io->snap_spans);
    io->snap = NULL;
    io->spans = io->snap_spans = NULL;
}
