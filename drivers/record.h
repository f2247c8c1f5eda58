/*
 * record.h - what a run leaves behind: the human summary on stdout and the
 * JSON Lines record (schema in README.md, "Result records").
 *
 * Invariant: only rank 0 prints or writes; a record is built completely in
 * memory and appended as one line, or not at all.
 */
#ifndef SCALEKIT_RECORD_H
#define SCALEKIT_RECORD_H

#include "cli.h"
#include "json.h"
#include "jsonl.h"
#include "layout.h"
#include "run.h"

enum { RECORD_HOST_LEN = 65 }; /* Linux's HOST_NAME_MAX (64) + its NUL: never clipped there */

/* Where and how the run happened. Filled collectively by record_gather(). */
typedef struct record_context {
    const char *model;              /* seq, omp, mpi, hybrid */
    int ranks, threads;             /* threads per rank */
    int nodes;                      /* distinct hostnames */
    char (*hosts)[RECORD_HOST_LEN]; /* rank 0: one per rank */
    char timestamp[32];             /* UTC, ISO 8601, at the start of the run */
    int argc;
    char **argv;
    const layout_table *layout; /* NULL unless --layout */
    int oversubscribed;         /* see layout_oversubscribed() */
    char oversubscribed_msg[512];
    jsonl_file *results; /* rank 0: --output, opened before any work; NULL without --output */
} record_context;

/* Collective: fill ctx (hostnames gathered to rank 0). */
void record_gather(record_context *ctx, const char *model, int argc, char **argv);
void record_context_free(record_context *ctx);

/* Rank 0: print the summary of a finished run. */
void record_print_summary(const cli_options *o, const record_context *ctx, const run_report *r);

/* Collective: rank 0 opens (creates) the results file `output` (--output;
 * NULL: none) into *out before any work, so a run whose record could not
 * be kept fails at once; every rank learns the verdict. CLI_EXIT_OK, or
 * CLI_EXIT_USAGE (exit 2) after rank 0 printed why. */
int record_open_output(const char *output, jsonl_file *out);

/* Rank 0, with --output: append the record to ctx->results (o->output,
 * already open). 0, or -1 with a message printed. */
int record_write(const cli_options *o, const record_context *ctx, const run_report *r);

/* Rank 0: the "provenance" object of a record, for records of other kinds
 * (scalekit-overhead) built with the same context. */
void record_json_provenance(json *j, const record_context *ctx);
/* An object {min, q1, median, mean, q3, max} called key. */
void record_json_stats(json *j, const char *key, const harness_stats *s);

#endif
