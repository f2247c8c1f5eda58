/*
 * cli.h - the one command line shared by all four drivers.
 *
 * Parsing is pure (no MPI, no printing): every rank parses the same argv and
 * reaches the same verdict, so a usage error ends every rank with exit code 2
 * without any communication, and before any output file is touched.
 */
#ifndef SCALEKIT_CLI_H
#define SCALEKIT_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "decomp.h"
#include "kernel.h"
#include "kopt.h"
#include "par.h"

enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_VERIFY = 3 };

/* Results of the number parsers below that are not a count: text that is
 * not a number of the accepted form, or one beyond the 64-bit range. */
enum { CLI_NUM_BAD = -1, CLI_NUM_TOO_LARGE = -2 };

enum {
    CLI_MAX_REPS = 100000,     /* limit of --reps and of --warmup */
    CLI_THREADS_PER_CPU = 64,  /* OMP_NUM_THREADS limit per CPU online, see cli_check_threads() */
    CLI_LONG_RUN_SECONDS = 300 /* expected wall time beyond which a run starts with a warning */
};

typedef enum cli_action { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_LIST, CLI_WEAK_SIZE } cli_action;

typedef struct cli_options {
    cli_action action;
    const kernel *kern;
    kernel_params params;
    char size_text[64]; /* as given (preset name or numbers) */
    int64_t reps, warmup;
    par_schedule schedule;
    int schedule_given;
    decomp_kind decomp;
    int64_t decomp_chunk; /* items per dealt block for cyclic */
    int decomp_given;
    const char *output; /* NULL: no results file */
    int layout;
    int64_t weak_workers; /* --weak-size P: params become the size for P workers, action
                             CLI_WEAK_SIZE (print it, run nothing); 0 when not given */
    /* I/O through HDF5 (io/); NULL / 0 when not asked for. */
    const char *image;    /* --image FILE */
    int64_t ckpt_every;   /* --checkpoint-every K */
    const char *ckpt_dir; /* --checkpoint-dir DIR */
    int64_t ckpt_keep;    /* --checkpoint-keep N (default 2) */
    int ckpt_keep_given;
    const char *restart; /* --restart DIR|FILE */
    int io_independent;  /* --io-mode independent (default collective) */
    int io_chunked;      /* --io-layout chunked (default contiguous) */
    int io_mode_given, io_layout_given;
    int async_ckpt;        /* --async-checkpoint */
    int64_t size_per_rank; /* --size-per-rank SIZE (weak scaling), 0 = off */
    int size_given;
    const char *io_dir; /* --io-dir DIR (iobench's scratch file; default .) */
    kopt_set kopt;      /* kernel-specific options (kopt.h); values in params.opt */
} cli_options;

/* Parse argv into o. Returns 0, or -1 with a message for the user in err
 * (one sentence that says what to do; no "scalekit:" prefix). */
int cli_parse(int argc, char **argv, cli_options *o, char *err, size_t errlen);

/* 1 when the options ask for HDF5 I/O (an output, a restart, or a kernel
 * whose work is I/O). */
int cli_wants_io(const cli_options *o);

/* Checks that depend on the driver: --async-checkpoint needs threads, I/O
 * needs a build with HDF5. Pure, like cli_parse: 0 or -1 with a message. */
int cli_check_driver(const cli_options *o, int threaded, int have_io, char *err, size_t errlen);

/* --size-per-rank: turn the per-rank size into the total for nranks ranks
 * and check it again. Pure: 0 or -1 with a message. */
int cli_apply_ranks(cli_options *o, int nranks, char *err, size_t errlen);

/* Parse a count: decimal digits with an optional k/M/G/T suffix (x1000) or
 * Ki/Mi/Gi/Ti (x1024), or scientific notation like 1e6 that is a whole
 * number. Returns 0 and sets *v (>= 1); CLI_NUM_TOO_LARGE for a well-formed
 * number beyond INT64_MAX; CLI_NUM_BAD for zero, negative or non-numeric
 * text. */
int cli_parse_count(const char *text, int64_t *v);

/* Parse "N[xN[xN]]" into up to `max` counts. Returns how many, or
 * CLI_NUM_BAD / CLI_NUM_TOO_LARGE as cli_parse_count() does. */
int cli_parse_size(const char *text, int64_t *v, int max);

/* Validate the value of OMP_NUM_THREADS (NULL when unset) for a threaded
 * driver, as an option would be: one whole number of threads from 1 to
 * CLI_THREADS_PER_CPU x cpus (the CPUs online; more threads than cores is a
 * legitimate experiment for waiting-bound work, tens of thousands crash the
 * OpenMP runtime). Refuses empty, non-numeric, zero, negative values and
 * lists such as "2,1" (nested levels: scalekit uses one). 0, or -1 with a
 * message in err. Pure: the caller reads the environment. */
int cli_check_threads(const char *value, long cpus, char *err, size_t errlen);

/* Print the usage text for program name prog to stdout. */
void cli_print_help(const char *prog);
/* Print kernels with their sizes and presets. */
void cli_print_kernels(void);
/* Print o->params' size numbers as one line "N[xN[xN]]" (for --weak-size). */
void cli_print_size(const cli_options *o);

const char *cli_schedule_name(const par_schedule *s, char *buf, size_t n);

#endif
