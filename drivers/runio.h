/*
 * runio.h - the runner's I/O: when a run writes or reads what through io/.
 *
 * From the kernel's output descriptions (kernel.h: kernel_output, use bits)
 * this builds each rank's io_block and drives io/iofile.h:
 *   --image FILE          KERNEL_OUT_IMAGE, written at the end of every run;
 *   --checkpoint-every K  KERNEL_OUT_STATE, written after every K-th iteration
 *                         (synchronously, or with --async-checkpoint one step
 *                         per following iteration by the master thread while
 *                         the other threads compute), older ones pruned;
 *   --restart DIR|FILE    KERNEL_OUT_STATE read back before every run, which
 *                         then starts at the checkpoint's iteration;
 *   KERNEL_OUT_ROUNDTRIP  (iobench) written to a scratch file and read back
 *                         before every iteration's work().
 *
 * Invariants: every function is called by every rank at the same point of
 * the run (they contain collective I/O), and only by the thread that called
 * comm_init(); a runio for a run without I/O does nothing and costs nothing.
 */
#ifndef SCALEKIT_RUNIO_H
#define SCALEKIT_RUNIO_H

#include "cli.h"
#include "harness.h"
#include "iofile.h"
#include "iolog.h"
#include "par.h"

typedef struct runio {
    int active;
    const cli_options *o;
    const kernel *k;
    void *kstate;
    kernel_span *spans, *snap_spans; /* rows of the last block built / of the snapshot */
    int64_t spans_cap, snap_spans_cap;
    iofile_meta meta;
    char decomp[64];
    io_log log;
    int64_t start; /* iteration a restarted run starts at */
    char restart_file[IOFILE_PATH + 32];
    int runs;
    iofile_writer writer; /* asynchronous checkpoint in flight */
    int pending;
    void *snap;
    size_t snap_bytes;
    char scratch[IOFILE_PATH];
} runio;

/* Rank 0, before anything runs: the paths the options name are usable
 * (--checkpoint-dir is created if missing). 0, or -1 with a message. */
int runio_check_paths(const cli_options *o, char *err, size_t errlen);

/* Not collective: set up for a run of o (decomposition text and model name
 * go into the files' attributes). */
void runio_setup(runio *io, const cli_options *o, const char *decomp, const char *model);
void runio_bind(runio *io, void *state);

/* Collective: find the checkpoint --restart names (a directory: its newest
 * valid one, saying so when it falls back), calling reinit(ctx) before each
 * attempt to read one. CLI_EXIT_OK, or CLI_EXIT_FAIL with the reasons
 * printed by rank 0. */
int runio_restart(runio *io, void (*reinit)(void *), void *ctx);

/* Collective, in the untimed preparation of every run (after init()):
 * reads the restart checkpoint back. */
void runio_prepare(runio *io);
/* At the start of a timed run: the iteration to start at. */
int64_t runio_run_begin(runio *io);
/* Before iteration it's work(): the round trip of KERNEL_OUT_ROUNDTRIP. */
void runio_before_work(runio *io, int64_t it);
/* The master's task for the coming iteration (an asynchronous checkpoint's
 * next step), or NULL; report its overlap with runio_overlap(). */
par_task_fn runio_task(runio *io);
void runio_overlap(runio *io, const par_overlap *ov);
/* After iteration `done` (1-based count of iterations done). */
void runio_after_iteration(runio *io, int64_t done);
/* At the end of a run: finish a pending checkpoint, write the image. */
void runio_run_end(runio *io);

/* Collective: the record's io object for the timed repetitions. */
void runio_summarize(runio *io, const harness_result *timing, io_summary *s);
/* Rank 0 removes the scratch file; frees everything. */
void runio_free(runio *io);

#endif
