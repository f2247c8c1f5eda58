/*
 * iolog.c - I/O phase log and its reduction over ranks (see iolog.h).
 * Invariant: the reduction sees equally long logs on every rank (checked),
 * so a missing collective shows up as an error, not as wrong figures.
 */
#define _POSIX_C_SOURCE 200809L
#include "iolog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "comm.h"
#include "harness.h"

const char *const io_phase_names[IO_PHASES] = {"open",  "write",  "checksum", "flush",
                                               "close", "commit", "read",     "snapshot"};

void io_log_init(io_log *l)
{
    memset(l, 0, sizeof *l);
    l->collective_all = 1;
}

void io_log_free(io_log *l)
{
    free(l->op);
    l->op = NULL;
    l->n = l->cap = 0;
}

void io_log_clock(io_log *l)
{
    l->t_ref = harness_now();
}

void io_log_op(io_log *l, io_phase phase, int reading, double t0, double bytes)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        io_op *op = realloc(l->op, (size_t)cap * sizeof *op);
        SK_CHECK(op != NULL, "out of memory logging I/O operations");
        l->op = op;
        l->cap = cap;
    }
    if (phase == IO_OPEN) l->files++;
    l->op[l->n++] = (io_op){.phase = (int)phase,
                            .file = phase == IO_SNAPSHOT ? -1 : l->files,
                            .reading = reading,
                            .timed = l->timed,
                            .in_run = l->in_run,
                            .t0 = t0 - l->t_ref,
                            .t1 = harness_now() - l->t_ref,
                            .bytes = bytes};
}

void io_log_transfer(io_log *l, const io_transfer *t)
{
    if (!l->timed) return;
    l->transfers++;
    l->collective_all = l->collective_all && t->collective;
    l->cause |= t->cause_global;
}

/* The timed operations, reduced: t0 min, t1 max, bytes summed over ranks. */
static int iolog_reduce(const io_log *l, double **t0, double **t1, double **bytes, int **idx)
{
    int n = 0;
    double count[2];
    for (int i = 0; i < l->n; i++)
        n += l->op[i].timed;
    count[0] = n;
    count[1] = -n;
    comm_max_double(count, 2);
    SK_CHECK(count[0] == -count[1], "ranks logged different I/O operations (a missed collective)");
    *t0 = SK_MALLOC((size_t)(n > 0 ? n : 1) * sizeof **t0);
    *t1 = SK_MALLOC((size_t)(n > 0 ? n : 1) * sizeof **t1);
    *bytes = SK_MALLOC((size_t)(n > 0 ? n : 1) * sizeof **bytes);
    *idx = SK_MALLOC((size_t)(n > 0 ? n : 1) * sizeof **idx);
    n = 0;
    for (int i = 0; i < l->n; i++) {
        if (!l->op[i].timed) continue;
        (*t0)[n] = l->op[i].t0;
        (*t1)[n] = l->op[i].t1;
        (*bytes)[n] = l->op[i].bytes;
        (*idx)[n++] = i;
    }
    if (n > 0) {
        comm_min_double(*t0, n);
        comm_max_double(*t1, n);
        comm_sum_double(*bytes, n);
    }
    return n;
}

/* Flags that must agree over ranks: AND of "collective", OR of the causes,
 * mean of the asynchronous times, whether every page-cache drop worked. */
static void iolog_flags(const io_log *l, io_summary *s, int64_t reps)
{
    double cause[16], times[2] = {l->task_s, l->hidden_s}, drops[1] = {l->drops};
    uint32_t bits = 0;
    for (int b = 0; b < 16; b++)
        cause[b] = (l->cause >> b) & 1u;
    s->collective = comm_all(l->transfers > 0 && l->collective_all);
    comm_max_double(cause, 16);
    for (int b = 0; b < 16; b++)
        if (cause[b] > 0) bits |= 1u << b;
    io_cause_text(bits, s->cause, sizeof s->cause);
    comm_sum_double(times, 2);
    s->task_s = times[0] / comm_size() / (double)reps;
    s->hidden_s = times[1] / comm_size() / (double)reps;
    comm_max_double(drops, 1);
    s->cache = comm_all(l->drops_ok == l->drops);
    if (drops[0] == 0) s->cache = -1;
}

/* Add file [first, end) of the reduced operations to s: its time is the
 * span of its operations over ranks, or their sum when that is less. */
static void iolog_file(const io_log *l, const double *t0, const double *t1, const double *bytes,
                       const int *idx, int first, int end, double per, io_summary *s,
                       double *exposed)
{
    const io_op *op = &l->op[idx[first]];
    double lo = t0[first], hi = t1[first], sum = 0.0, moved = 0.0, t;
    for (int i = first; i < end; i++) {
        lo = t0[i] < lo ? t0[i] : lo;
        hi = t1[i] > hi ? t1[i] : hi;
        sum += t1[i] - t0[i];
        moved += bytes[i];
        s->phase_s[l->op[idx[i]].phase] += (t1[i] - t0[i]) * per;
    }
    t = (hi - lo < sum ? hi - lo : sum) * per;
    if (op->in_run) *exposed += t;
    if (op->phase == IO_SNAPSHOT) return;
    if (op->reading) {
        s->read_s += t;
        s->bytes_read += moved * per;
        s->files_read++;
    } else {
        s->write_s += t;
        s->bytes_written += moved * per;
        s->files_written++;
    }
}

void io_log_summarize(const io_log *l, int64_t reps, double run_seconds, io_summary *s)
{
    double *t0, *t1, *bytes, exposed = 0.0;
    int *idx, n = iolog_reduce(l, &t0, &t1, &bytes, &idx);
    double per = reps > 0 ? 1.0 / (double)reps : 0.0;
    s->active = 1;
    s->parallel = io_is_parallel();
    for (int first = 0, end; first < n; first = end) {
        int file = l->op[idx[first]].file;
        for (end = first + 1; end < n && l->op[idx[end]].file == file && file >= 0; end++)
            ;
        iolog_file(l, t0, t1, bytes, idx, first, end, per, s, &exposed);
    }
    s->files_read = reps > 0 ? (int)(s->files_read / reps) : 0;
    s->files_written = reps > 0 ? (int)(s->files_written / reps) : 0;
    iolog_flags(l, s, reps > 0 ? reps : 1);
    s->write_mib_s =
        s->bytes_written > 0 && s->write_s > 0 ? s->bytes_written / 1048576.0 / s->write_s : NAN;
    s->read_mib_s =
        s->bytes_read > 0 && s->read_s > 0 ? s->bytes_read / 1048576.0 / s->read_s : NAN;
    exposed -= s->hidden_s;
    /* Clock skew between ranks can push tiny runs' estimate past 1. */
    s->share = run_seconds > 0 ? exposed * (double)reps / run_seconds : NAN;
    s->share = s->share < 0 ? 0 : s->share > 1 ? 1 : s->share;
    free(t0);
    free(t1);
    free(bytes);
    free(idx);
}
