/*
 * main.c - the one main() of all four drivers. The model is not chosen here
 * but by what the executable links: comm.c with or without MPI, par.c with or
 * without OpenMP. Exit status: 0 verified, 1 run-time error, 2 usage error,
 * 3 verification failed; every rank returns the same status.
 */
#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "cli.h"
#include "comm.h"
#include "jsonl.h"
#include "layout.h"
#include "par.h"
#include "record.h"
#include "run.h"
#include "version.h"

static const char *main_model(void)
{
    static const char *const names[2][2] = {{"seq", "omp"}, {"mpi", "hybrid"}};
    return names[comm_is_mpi()][par_is_threaded()];
}

/* Print what --help/--version/--list asked for (rank 0). */
static int main_info(const cli_options *o, const char *prog)
{
    if (comm_rank() != 0) return CLI_EXIT_OK;
    if (o->action == CLI_HELP)
        cli_print_help(prog);
    else if (o->action == CLI_LIST)
        cli_print_kernels();
    else
        printf("scalekit-%s %s (record schema %d, git %s, %s, MPI: %s, OpenMP: %s)\n", main_model(),
               SCALEKIT_VERSION, SCALEKIT_SCHEMA, SCALEKIT_GIT_COMMIT, SCALEKIT_COMPILER,
               comm_library(), par_version());
    return CLI_EXIT_OK;
}

/* Rank 0 checks the results file before any work; all ranks learn the
 * verdict. */
static int main_check_output(const cli_options *o)
{
    int ok = 1;
    char err[256];
    if (o->output == NULL) return CLI_EXIT_OK;
    if (comm_rank() == 0 && jsonl_check_writable(o->output, err, sizeof err) != 0) {
        fprintf(stderr, "scalekit: --output: %s\n", err);
        ok = 0;
    }
    comm_bcast(&ok, sizeof ok);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

static int main_run(const cli_options *o, int argc, char **argv)
{
    record_context ctx;
    layout_table layout = {0};
    run_report report;
    int rc = main_check_output(o);
    if (rc != CLI_EXIT_OK) return rc;
    record_gather(&ctx, main_model(), argc, argv);
    ctx.oversubscribed =
        layout_oversubscribed(ctx.oversubscribed_msg, sizeof ctx.oversubscribed_msg);
    if (o->layout) {
        layout_sample(&layout);
        ctx.layout = &layout;
        if (comm_rank() == 0) layout_print(&layout);
    }
    rc = run_kernel(o, &report);
    if (rc == CLI_EXIT_OK) {
        if (comm_rank() == 0) {
            if (ctx.oversubscribed) fprintf(stderr, "scalekit: %s\n", ctx.oversubscribed_msg);
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
    char err[512];
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    comm_init(&argc, &argv, par_is_threaded());
    if (cli_parse(argc, argv, &o, err, sizeof err) != 0) {
        if (comm_rank() == 0) fprintf(stderr, "%s: %s\n", prog, err);
        return comm_finalize(CLI_EXIT_USAGE);
    }
    if (o.action != CLI_RUN) return comm_finalize(main_info(&o, prog));
    return comm_finalize(main_run(&o, argc, argv));
}
