/*
 * run.c - the generic kernel runner (see run.h): decomposition, first-touch
 * initialisation, the iteration loop with halo exchange, result combination
 * and verification. Nothing here is specific to one kernel or one model: MPI
 * is reached through comm.h, threads through par.h.
 */
#define _GNU_SOURCE
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "comm.h"
#include "decomp.h"
#include "halo.h"
#include "hook.h"
#include "kopt.h"
#include "msg.h"
#include "par.h"
#include "runio.h"
#include "sync.h"

typedef struct run_ctx {
    const cli_options *opt;
    const kernel *k;
    kernel_domain dom;
    decomp_1d d1;
    decomp_2d d2;
    int64_t nitems;
    void *state;
    kernel_field field;
    comm_halo halo;
    int initialised;        /* init() has run (kernels with init_once skip it later) */
    kernel_result local;    /* this rank's result of the last iteration */
    kernel_result combined; /* the last run's result over all ranks */
    runio io;               /* images, checkpoints, restarts, iobench */
    sync_cells *sync;       /* shared cells (kernels with shared_cells), else NULL */
} run_ctx;

/* Combine a rank's result over all ranks (the kernel_result rules), in one
 * collective: this is inside every timed repetition of a kernel without
 * finish(), so it sets the floor of every strong-scaling curve. A kernel
 * that declares result_counts needs only an integer sum of those counts. */
static void run_combine(const run_ctx *c, const kernel_result *mine, kernel_result *all)
{
    *all = *mine;
    if (c->k->result_counts > 0)
        comm_sum_u64(all->count, c->k->result_counts);
    else
        comm_combine_result(all);
}

/* Map local work item i to the span it covers. */
static void run_span(const run_ctx *c, int64_t i, kernel_span *s)
{
    if (c->k->dims == 1) {
        decomp_1d_item(&c->d1, i, &s->global, &s->local, &s->count);
        return;
    }
    s->local = i * c->k->grain;
    s->global = c->dom.lo[0] + s->local;
    s->count = c->dom.hi[0] - c->dom.lo[0] - s->local;
    if (s->count > c->k->grain) s->count = c->k->grain;
}

static void run_item_init(void *ctx, int64_t i, kernel_result *part)
{
    run_ctx *c = ctx;
    kernel_span s;
    (void)part;
    run_span(c, i, &s);
    c->k->init(c->state, &s);
}

static void run_item_work(void *ctx, int64_t i, kernel_result *part)
{
    run_ctx *c = ctx;
    kernel_span s;
    run_span(c, i, &s);
    c->k->work(c->state, &s, part);
}

static void run_item_finish(void *ctx, int64_t i, kernel_result *part)
{
    run_ctx *c = ctx;
    kernel_span s;
    run_span(c, i, &s);
    c->k->finish(c->state, &s, part);
}

/* Initialisation uses a static schedule so pages are first touched by the
 * thread that will (under a static schedule) work on them. */
static void run_init_state(void *ctx)
{
    run_ctx *c = ctx;
    par_schedule st = {PAR_STATIC, 0};
    kernel_result unused;
    if (c->sync != NULL) sync_reset(c->sync);
    if (c->k->init == NULL || (c->k->init_once && c->initialised)) return;
    par_for(c->nitems, &st, run_item_init, c, &unused);
    c->initialised = 1;
}

static void run_prepare(void *ctx)
{
    run_ctx *c = ctx;
    run_init_state(c);
    runio_prepare(&c->io); /* a restarted run reads its checkpoint back */
}

/* One iteration's work() over all items, whose computing began at t0; with
 * an asynchronous checkpoint in flight the master thread writes its next
 * step meanwhile. Returns the seconds of computing (I/O the other threads
 * did not hide left out). */
static double run_sweep(run_ctx *c, double t0)
{
    par_task_fn task = runio_task(&c->io);
    par_overlap ov;
    if (task == NULL) {
        par_for(c->nitems, &c->opt->schedule, run_item_work, c, &c->local);
    } else {
        par_for_overlap(c->nitems, &c->opt->schedule, run_item_work, c, &c->local, task, &c->io,
                        &ov);
        runio_overlap(&c->io, &ov);
        t0 += ov.task_s - ov.hidden_s;
    }
    if (c->k->iteration_end != NULL) c->k->iteration_end(c->state);
    return harness_now() - t0;
}

/* One timed run; start is the harness's clock reading. Compute time leaves
 * out halo exchanges, I/O and the combine. Without a halo or I/O nothing but
 * computing happens between sweeps, so each sweep begins where the last
 * ended and the first at start: one clock reading per sweep, which keeps
 * the per-repetition floor at one reduction plus three readings. */
static double run_once(void *ctx, double start)
{
    run_ctx *c = ctx;
    int halo = c->k->dims == 2 && c->k->halo > 0, chain = !halo && !c->io.active;
    double compute = 0.0, t = start;
    for (int64_t it = runio_run_begin(&c->io); it < c->opt->params.iters; it++) {
        if (halo) {
            c->k->field(c->state, &c->field);
            comm_halo_exchange(&c->halo);
        }
        runio_before_work(&c->io, it);
        double t0 = chain ? t : harness_now(), s = run_sweep(c, t0);
        compute += s;
        t = t0 + s;
        runio_after_iteration(&c->io, it + 1);
    }
    runio_run_end(&c->io);
    /* Combining the answer over ranks is part of the computation's cost. A
     * kernel with shared cells answers through them (summarise()), and
     * sync_flush is its combine. */
    if (c->k->finish == NULL && c->sync == NULL) run_combine(c, &c->local, &c->combined);
    if (c->sync != NULL) sync_flush(c->sync);
    return compute;
}

/* Rank 0: say that no rank grid fits and which rank counts would. */
static void run_refuse_tiling(const run_ctx *c, int size)
{
    char fits[160];
    const int64_t *n = c->dom.extent;
    decomp_dims_text(n[0], n[1], c->k->halo,
                     size < 8      ? 16
                     : size < 2048 ? 2 * size
                                   : 4096,
                     fits, sizeof fits);
    msg_print("%s: a %lldx%lld grid cannot be cut into %d tiles of at least %d row(s) and "
              "col(s) each (no rank grid px x py = %d fits); rank counts that fit: %s; or use a "
              "larger --size",
              c->k->name, (long long)n[0], (long long)n[1], size, c->k->halo, size, fits);
}

static int run_decompose(run_ctx *c, run_report *rep)
{
    const kernel *k = c->k;
    const kernel_params *p = &c->opt->params;
    int rank = comm_rank(), size = comm_size();
    memset(&c->dom, 0, sizeof c->dom);
    c->dom.extent[0] = k->extent(p, 0);
    if (k->dims == 1) {
        decomp_1d_init(&c->d1, c->dom.extent[0], k->grain, c->opt->decomp, c->opt->decomp_chunk,
                       rank, size);
        c->dom.nlocal = c->d1.nlocal;
        c->nitems = c->d1.nitems;
        rep->pdims[0] = size;
        rep->pdims[1] = 1;
        if (c->opt->decomp == DECOMP_CYCLIC)
            snprintf(rep->decomp, sizeof rep->decomp, "cyclic,%lld",
                     (long long)c->opt->decomp_chunk);
        else
            snprintf(rep->decomp, sizeof rep->decomp, "block");
        return CLI_EXIT_OK;
    }
    c->dom.extent[1] = k->extent(p, 1);
    /* Every tile must own at least `halo` rows and cols, or the neighbour
     * chain of the exchange breaks. All ranks reach the same verdict. */
    if (decomp_2d_init(&c->d2, c->dom.extent[0], c->dom.extent[1], k->halo, rank, size) != 0) {
        if (rank == 0) run_refuse_tiling(c, size);
        return CLI_EXIT_USAGE;
    }
    for (int a = 0; a < 2; a++) {
        c->dom.lo[a] = c->d2.lo[a];
        c->dom.hi[a] = c->d2.hi[a];
        rep->pdims[a] = c->d2.pdims[a];
    }
    snprintf(rep->decomp, sizeof rep->decomp, "%dx%d tiles", rep->pdims[0], rep->pdims[1]);
    c->nitems = (c->dom.hi[0] - c->dom.lo[0] + k->grain - 1) / k->grain;
    c->dom.nlocal = (c->dom.hi[0] - c->dom.lo[0]) * (c->dom.hi[1] - c->dom.lo[1]);
    return CLI_EXIT_OK;
}

/* Refuse runs whose ranks on one node would need more memory than it has.
 * Collective: every rank learns the verdict. */
static int run_check_memory(const run_ctx *c)
{
    double need[1], have;
    int local_ranks = comm_ranks_on_node();
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    need[0] = c->k->local_bytes ? c->k->local_bytes(&c->opt->params, &c->dom) : 0.0;
    have = pages > 0 && page > 0 ? (double)pages * (double)page : 0.0;
    comm_max_double(need, 1);
    if (comm_all(have <= 0.0 || need[0] * local_ranks <= 0.9 * have)) return CLI_EXIT_OK;
    if (comm_rank() == 0)
        msg_print("%s at this --size needs up to %.2f GiB per rank, more than 90%% of "
                  "a node's memory holds for the ranks placed on it (rank 0's node: %d rank(s), "
                  "%.2f GiB); use a smaller --size or more nodes",
                  c->k->name, need[0] / 1073741824.0, local_ranks, have / 1073741824.0);
    return CLI_EXIT_USAGE;
}

/* The index of k's KERNEL_OPTION_SYNC option (it picks the primitive). */
static int run_sync_option(const kernel *k)
{
    for (int i = 0; k->options != NULL && k->options[i].name != NULL; i++)
        if (k->options[i].kind == KERNEL_OPTION_SYNC) return i;
    return -1;
}

/* Collective: the shared cells of kernels that ask for them. */
static void run_setup_sync(run_ctx *c, run_report *rep)
{
    const kernel_params *p = &c->opt->params;
    int64_t n = c->k->shared_cells != NULL ? c->k->shared_cells(p) : 0;
    int option = run_sync_option(c->k);
    if (n <= 0) return;
    SK_CHECK(option >= 0 && c->k->summarise != NULL && c->k->create != NULL,
             "a kernel with shared cells needs a --sync option, create() and summarise()");
    c->sync = sync_create(p->opt[option], n);
    c->dom.shared = sync_shared(c->sync);
    rep->expected_wrong = sync_racy(p->opt[option]);
}

static void run_setup_state(run_ctx *c)
{
    if (c->k->create == NULL) return; /* stateless kernel */
    c->state = c->k->create(&c->opt->params, &c->dom);
    if (!comm_all(c->state != NULL)) {
        if (comm_rank() == 0)
            msg_print("%s: out of memory creating the kernel state; use a "
                      "smaller --size",
                      c->k->name);
        comm_abort(1, NULL);
    }
    runio_bind(&c->io, c->state);
    if (c->k->dims == 2 && c->k->halo > 0) {
        SK_CHECK(c->k->field != NULL, "a kernel with a halo must provide field()");
        c->k->field(c->state, &c->field);
        halo_grid_bind(&c->halo, &c->field, c->d2.neighbor);
    }
}

/* Collective: reduce the kernel's verify output over all ranks (sum, count,
 * range) and collect the elements at the sampled indices: every rank adds
 * what it holds, so an index held twice or never shows in `holders`. */
static void run_sample(const run_ctx *c, kernel_sampled *s)
{
    kernel_output o;
    uint64_t acc[2 + 2 * KERNEL_MAX_SAMPLES], range[2];
    int64_t n;
    kernel_sampled_begin(s, c->k, &c->opt->params);
    SK_CHECK(kernel_verify_output(c->k, c->state, &o) == 0,
             "a kernel's verify_output must name one of its 1-D integer outputs");
    kernel_sampled_add(s, &o);
    n = s->n;
    acc[0] = s->sum;
    acc[1] = (uint64_t)s->held;
    for (int64_t j = 0; j < n; j++) {
        acc[2 + j] = s->value[j];
        acc[2 + n + j] = (uint64_t)s->holders[j];
    }
    range[0] = s->max;
    range[1] = ~s->min; /* max of the complements: the min */
    comm_sum_u64(acc, (int)(2 + 2 * n));
    comm_max_u64(range, 2);
    s->sum = acc[0];
    s->held = (int64_t)acc[1];
    for (int64_t j = 0; j < n; j++) {
        s->value[j] = acc[2 + j];
        s->holders[j] = (int64_t)acc[2 + n + j];
    }
    s->max = range[0];
    s->min = ~range[1];
}

/* Rank 0, test hook (hook.h: HOOK_CORRUPT_ALL, HOOK_CORRUPT_ROW): perturb
 * the combined result, wrong for every kernel and size, or one sampled
 * element, its output's sum and the total alike (a wrong element summed
 * consistently). */
static void run_corrupt(kernel_result *r, kernel_sampled *s)
{
    hook_corrupt mode = hook_corrupt_mode();
    if (mode == HOOK_CORRUPT_ROW && s != NULL && s->n > 0) {
        s->value[0] += 1;
        s->sum += 1;
        r->count[0] += 1;
    } else if (mode == HOOK_CORRUPT_ALL || mode == HOOK_CORRUPT_ROW) {
        r->count[0] = 2 * r->count[0] + 1;
        r->sum[0] += 1.0;
        r->max[0] += 1.0;
    }
}

/* Verify the last run's combined result (after finish(), if the kernel has
 * one) on rank 0 and share the verdict. */
static void run_verify(run_ctx *c, run_report *rep)
{
    kernel_result *r = &rep->result;
    kernel_sampled sampled, *s = NULL;
    if (c->k->finish != NULL) {
        par_for(c->nitems, &c->opt->schedule, run_item_finish, c, &c->local);
        run_combine(c, &c->local, &c->combined);
    }
    if (c->k->verify_output != NULL) {
        s = &sampled;
        run_sample(c, s);
    }
    *r = c->combined;
    memset(&rep->verdict, 0, sizeof rep->verdict);
    if (c->sync != NULL && comm_rank() == 0) {
        memset(r, 0, sizeof *r);
        c->k->summarise(&c->opt->params, sync_values(c->sync), sync_shared(c->sync)->ncells, r);
    }
    kernel_params done = c->opt->params; /* a restarted run does fewer iterations */
    done.iters -= c->io.start;
    if (comm_rank() == 0) {
        run_corrupt(r, s);
        if (s != NULL)
            c->k->verify_sampled(&c->opt->params, r, s, &rep->verdict);
        else
            c->k->verify(&c->opt->params, r, &rep->verdict);
    }
    comm_bcast(&rep->verdict.ok, sizeof rep->verdict.ok);
    rep->work_units = c->k->work_units(&done, r);
}

const char *run_model(void)
{
    return kopt_model_name(kopt_model());
}

int run_kernel(const cli_options *o, run_report *rep)
{
    run_ctx c;
    int rc;
    memset(&c, 0, sizeof c);
    memset(rep, 0, sizeof *rep);
    c.opt = o;
    c.k = o->kern;
    rc = run_decompose(&c, rep);
    if (rc == CLI_EXIT_OK) rc = run_check_memory(&c);
    if (rc != CLI_EXIT_OK) return rc;
    rep->items_min = rep->items_max = (double)c.nitems;
    comm_min_double(&rep->items_min, 1);
    comm_max_double(&rep->items_max, 1);
    runio_setup(&c.io, o, rep->decomp, run_model());
    run_setup_sync(&c, rep);
    run_setup_state(&c);
    if (o->restart != NULL) rc = runio_restart(&c.io, run_init_state, &c);
    if (rc == CLI_EXIT_OK) {
        harness_run(o->warmup, o->reps, run_prepare, run_once, &c, &rep->timing);
        run_verify(&c, rep);
        runio_summarize(&c.io, &rep->timing, &rep->io);
    }
    runio_free(&c.io);
    if (c.k->destroy != NULL) c.k->destroy(c.state);
    sync_free(c.sync);
    return rc;
}

void run_report_free(run_report *rep)
{
    harness_free(&rep->timing);
}
