/*
 * main.c - the one main() of all four drivers. The model is not chosen here
 * but by what the executable links: comm.c with or without MPI, par.c with or
 * without OpenMP. Exit status: 0 verified, 1 run-time error, 2 usage error,
 * 3 verification failed; every rank returns the same status.
 *
 * Invariant: every usage error (command line, OMP_NUM_THREADS, a results
 * file that cannot be opened) is found before any work and before the first
 * parallel region, and ends every rank with exit 2.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_info.h"
#include "cli.h"
#include "comm.h"
#include "jsonl.h"
#include "layout.h"
#include "msg.h"
#include "par.h"
#include "record.h"
#include "run.h"
#include "runio.h"
#include "h5io.h"
#include "version.h"

/* "scalekit-MODEL", the prefix of every message. */
static const char *main_program(void)
{
    static char name[32];
    snprintf(name, sizeof name, "scalekit-%s", run_model());
    return name;
}

/* Print what --help/--version/--list asked for (rank 0). */
static int main_info(const cli_options *o, const char *prog)
{
    if (comm_rank() != 0) return CLI_EXIT_OK;
    if (o->action == CLI_HELP)
        cli_print_help(prog);
    else if (o->action == CLI_LIST)
        cli_print_kernels();
    else if (o->action == CLI_WEAK_SIZE)
        cli_print_size(o);
    else
        printf("scalekit-%s %s (record schema %d, git %s, %s, MPI: %s, OpenMP: %s, HDF5: %s)\n",
               run_model(), SCALEKIT_VERSION, SCALEKIT_SCHEMA, SCALEKIT_GIT_COMMIT,
               SCALEKIT_COMPILER, comm_library(), par_version(), io_library());
    return CLI_EXIT_OK;
}

/* Collective: the verdict on a check every rank made; when some rank failed,
 * rank 0 prints its own message, and another rank prints its message only
 * when rank 0 saw no problem (its environment differs). */
static int main_agree(int ok, const char *err)
{
    int root_ok = ok;
    if (comm_all(ok)) return CLI_EXIT_OK;
    comm_bcast(&root_ok, sizeof root_ok);
    if (!ok && comm_rank() == 0)
        msg_print("%s", err);
    else if (!ok && root_ok)
        msg_print("rank %d: %s", comm_rank(), err);
    return CLI_EXIT_USAGE;
}

/* Collective: parse the command line and, for a run of a threaded driver,
 * validate OMP_NUM_THREADS before the OpenMP runtime starts any thread. */
static int main_check_input(int argc, char **argv, cli_options *o)
{
    char err[512] = "";
    int ok = cli_parse(argc, argv, o, err, sizeof err) == 0 &&
             cli_check_driver(o, par_is_threaded(), io_available(), err, sizeof err) == 0 &&
             cli_apply_ranks(o, comm_size(), err, sizeof err) == 0;
    if (ok && o->action == CLI_RUN && par_is_threaded())
        ok = cli_check_threads(getenv("OMP_NUM_THREADS"), sysconf(_SC_NPROCESSORS_ONLN), err,
                               sizeof err) == 0;
    return main_agree(ok, err);
}

/* Collective: rank 0 checks the paths the I/O options name (creating
 * --checkpoint-dir) before any work. */
static int main_check_io(const cli_options *o)
{
    int ok = 1;
    char err[512];
    if (!cli_wants_io(o)) return CLI_EXIT_OK;
    if (comm_rank() == 0 && runio_check_paths(o, err, sizeof err) != 0) {
        msg_print("%s", err);
        ok = 0;
    }
    comm_bcast(&ok, sizeof ok);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

/* Seconds as a rough human duration ("40 min", "3.2 days"). */
static const char *main_duration(double s, char *buf, size_t n)
{
    if (s < 120.0)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 2.0 * 3600.0)
        snprintf(buf, n, "%.0f min", s / 60.0);
    else if (s < 2.0 * 86400.0)
        snprintf(buf, n, "%.1f h", s / 3600.0);
    else if (s < 2.0 * 365.0 * 86400.0)
        snprintf(buf, n, "%.0f days", s / 86400.0);
    else if (s < 100.0 * 365.25 * 86400.0)
        snprintf(buf, n, "%.1f years", s / (365.25 * 86400.0));
    else
        snprintf(buf, n, "%.0f years", s / (365.25 * 86400.0));
    return buf;
}

/* Rank 0: warn before a run the kernel expects to take more than
 * CLI_LONG_RUN_SECONDS: its single-core estimate per run, times warm-up and
 * timed runs, shared by all ranks x threads. Not an error. */
static void main_warn_long(const cli_options *o, const record_context *ctx)
{
    char total[32], each[32], size[MSG_QUOTE_SIZE];
    double one, wall, runs = (double)(o->warmup + o->reps);
    int workers = ctx->ranks * ctx->threads;
    if (comm_rank() != 0 || o->kern->est_seconds == NULL) return;
    one = o->kern->est_seconds(&o->params);
    wall = one * runs / (workers > 0 ? workers : 1);
    if (!(wall > CLI_LONG_RUN_SECONDS)) return;
    msg_warn("%s --size %s may take about %s (%.0f run(s) of about %s each on one core, by the "
             "kernel's rough estimate, shared by %d worker(s)); if that is not intended, stop "
             "it (Ctrl-C) and use a smaller --size or fewer --reps",
             o->kern->name, msg_quote(o->size_text, size, sizeof size),
             main_duration(wall, total, sizeof total), runs, main_duration(one, each, sizeof each),
             workers);
}

static int main_run(const cli_options *o, jsonl_file *out, int argc, char **argv)
{
    record_context ctx;
    layout_table layout = {0};
    run_report report;
    int rc;
    record_gather(&ctx, run_model(), argc, argv);
    ctx.results = o->output != NULL ? out : NULL;
    ctx.oversubscribed =
        layout_oversubscribed(ctx.oversubscribed_msg, sizeof ctx.oversubscribed_msg);
    if (o->layout) {
        layout_sample(&layout, ctx.oversubscribed);
        ctx.layout = &layout;
        if (comm_rank() == 0) layout_print(&layout);
    }
    main_warn_long(o, &ctx);
    rc = run_kernel(o, &report);
    if (rc == CLI_EXIT_OK) {
        if (comm_rank() == 0) {
            if (ctx.oversubscribed) msg_warn("%s", ctx.oversubscribed_msg);
            record_print_summary(o, &ctx, &report);
            if (o->output != NULL && record_write(o, &ctx, &report) != 0) rc = CLI_EXIT_FAIL;
        }
        comm_bcast(&rc, sizeof rc);
        /* A deliberate race (--sync none) is expected to be wrong: not a failure. */
        if (rc == CLI_EXIT_OK && !report.verdict.ok && !report.expected_wrong) rc = CLI_EXIT_VERIFY;
        run_report_free(&report);
    }
    layout_free(&layout);
    record_context_free(&ctx);
    return rc;
}

int main(int argc, char **argv)
{
    cli_options o;
    jsonl_file out = JSONL_FILE_INIT;
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int rc;
    msg_set_program(main_program());
    comm_init(&argc, &argv, par_is_threaded());
    io_init(); /* this thread, and only it, calls HDF5 */
    rc = main_check_input(argc, argv, &o);
    if (rc == CLI_EXIT_OK && o.action != CLI_RUN) return comm_finalize(main_info(&o, prog));
    if (rc == CLI_EXIT_OK) rc = record_open_output(o.output, &out);
    if (rc == CLI_EXIT_OK) rc = main_check_io(&o);
    if (rc == CLI_EXIT_OK) rc = main_run(&o, &out, argc, argv);
    jsonl_close(&out, 1);
    return comm_finalize(rc);
}
