/*
 * kernel.h - the contract between a compute kernel and the drivers.
 *
 * A kernel is pure C11: it never includes mpi.h, omp.h or hdf5.h and never
 * starts threads. It describes itself (sizes, decomposition, halo width, rate
 * unit) and works on spans of its *local* domain that a driver hands it. The
 * drivers own decomposition, threading, communication, timing and records.
 *
 * Invariants a kernel may rely on:
 *   - work() and init() are called concurrently from several threads on
 *     disjoint spans; they must touch only the rows/indices of their span (and,
 *     for 2-D kernels, read the halo) and write only their own partial result.
 *   - A driver combines partial results field by field: count[] by exact
 *     integer sum, sum[] by floating-point sum (order is unspecified), max[] by
 *     maximum. A kernel_result starts zeroed, so max[] must hold values >= 0
 *     (zero is then the neutral element).
 *   - The same global index always gets the same computation, whatever the
 *     decomposition, so integer results are identical for every model and
 *     rank/thread count.
 *
 * Adding a kernel: one file kernels/NAME.c defining `const kernel kernel_NAME`
 * (with designated initializers: optional hooks and zero fields are simply
 * left out) and one line in kernels/registry.c. No driver changes.
 */
#ifndef SCALEKIT_KERNEL_H
#define SCALEKIT_KERNEL_H

#include <stddef.h>
#include <stdint.h>

enum { KERNEL_SIZE_DIMS = 3, KERNEL_COUNTS = 4, KERNEL_SUMS = 4, KERNEL_MAXES = 2 };
enum { KERNEL_PRESET_SMALL, KERNEL_PRESET_MEDIUM, KERNEL_PRESET_LARGE, KERNEL_PRESETS };

/* What the user asked for: size numbers (unused trailing ones are 0 before
 * kernel_params_fill() and the kernel's defaults after) and iterations. */
typedef struct kernel_params {
    int64_t size[KERNEL_SIZE_DIMS];
    int64_t iters;
} kernel_params;

/* The part of the global domain this process owns.
 * dims == 1: global indices [0, extent[0]); this process owns `nlocal`
 *            indices, stored locally at 0..nlocal-1 (they need not be
 *            contiguous globally: spans carry the global index).
 * dims == 2: global grid extent[0] rows x extent[1] cols; this process owns
 *            rows [lo[0], hi[0]) and cols [lo[1], hi[1]). Local storage adds
 *            `halo` cells on every side. */
typedef struct kernel_domain {
    int64_t extent[2];
    int64_t nlocal;
    int64_t lo[2], hi[2];
} kernel_domain;

/* A run of consecutive local indices (1-D) or local rows (2-D):
 * local index `local` .. local+count-1 hold global index `global` ..
 * global+count-1. For 2-D kernels local/global are row numbers (local 0 is
 * the first owned row, not the halo). */
typedef struct kernel_span {
    int64_t global;
    int64_t local;
    int64_t count;
} kernel_span;

/* Partial and combined results; see the combine rules above. */
typedef struct kernel_result {
    uint64_t count[KERNEL_COUNTS];
    double sum[KERNEL_SUMS];
    double max[KERNEL_MAXES];
} kernel_result;

/* A local 2-D array of doubles with a halo, row-major. data points at the
 * first halo cell: owned cell (r, c), 0 <= r < rows, 0 <= c < cols, is
 * data[(r + halo) * ld + (c + halo)]. */
typedef struct kernel_field {
    double *data;
    int64_t rows, cols, ld;
    int halo;
} kernel_field;

/* Outcome of verify(): texts are for people, value for records. */
typedef struct kernel_verdict {
    int ok;
    const char *value_name; /* e.g. "prime_count" */
    int value_is_integer;
    uint64_t ivalue; /* when value_is_integer */
    double dvalue;   /* otherwise (and also set to (double)ivalue) */
    char expected[160];
    char got[160];
    char method[80]; /* how it was checked, e.g. "table pi(10^6)" */
} kernel_verdict;

typedef struct kernel {
    const char *name;
    const char *summary;   /* one line for --help */
    const char *size_help; /* e.g. "N (count primes <= N)" */
    const char *iters_help;
    int size_dims;                                     /* how many size numbers it accepts (1..3) */
    int64_t presets[KERNEL_PRESETS][KERNEL_SIZE_DIMS]; /* 0 = use default */
    int64_t size_defaults[KERNEL_SIZE_DIMS]; /* for omitted trailing numbers; 0 = copy size[0] */
    int64_t default_iters;
    int dims;              /* decomposition: 1 (index range) or 2 (row x col tiles) */
    int halo;              /* halo width (dims == 2), 0 if none */
    int uneven;            /* cost per index varies: drivers deal items cyclically by default */
    int64_t grain;         /* indices (1-D) or rows (2-D) per work item */
    const char *rate_unit; /* e.g. "GB/s" */
    double rate_scale;     /* rate = work_units / seconds * rate_scale */

    /* Kernel-specific limits, called by kernel_params_check() after its
     * generic checks (every size number and iters >= 1) have passed; return
     * 0, or -1 with a message for the user in err (no trailing newline,
     * starting "NAME: "). Required. */
    int (*check)(const kernel_params *p, char *err, size_t errlen);
    /* Global extent along axis 0 (1-D: indices; 2-D: rows) and 1 (cols). */
    int64_t (*extent)(const kernel_params *p, int axis);
    /* Optional (NULL for a stateless kernel, whose state is then NULL):
     * bytes this process will allocate for domain d, for memory checks. */
    double (*local_bytes)(const kernel_params *p, const kernel_domain *d);
    /* Optional: allocate the local state (do not touch large arrays: init()
     * does, in parallel, for first-touch placement). Return NULL if out of
     * memory. */
    void *(*create)(const kernel_params *p, const kernel_domain *d);
    void (*destroy)(void *state); /* optional */
    /* Optional: (re)initialise the span's data before a timed run. */
    void (*init)(void *state, const kernel_span *s);
    /* One iteration's work on a span; may add to the partial result. */
    void (*work)(void *state, const kernel_span *s, kernel_result *part);
    /* Optional: called once after every iteration by one thread (e.g. swap
     * grids). */
    void (*iteration_end)(void *state);
    /* Optional: untimed pass after the last run producing the partial
     * result used for verification (e.g. checksums). When absent the result
     * of the last iteration's work() calls is verified. */
    void (*finish)(void *state, const kernel_span *s, kernel_result *part);
    /* Optional (dims == 2): the field the halo exchange must update. */
    void (*field)(void *state, kernel_field *f);
    /* Judge the combined result. Pure; called on one rank. */
    void (*verify)(const kernel_params *p, const kernel_result *r, kernel_verdict *v);
    /* Units of work in one run (all iterations), e.g. bytes moved, for the
     * rate. May use the result (e.g. total escape iterations). */
    double (*work_units)(const kernel_params *p, const kernel_result *r);
    /* 1 if work() never changes anything a later run depends on (triad
     * overwrites a from b and c and never writes b or c): the drivers then
     * call init() before the first run only, not before every run. 0 (the
     * default) re-initialises before every warm-up and timed run. */
    int init_once;
} kernel;

/* Registry (kernels/registry.c). */
const kernel *kernel_find(const char *name);
const kernel *kernel_at(size_t i); /* NULL past the end */
extern const char *const kernel_preset_names[KERNEL_PRESETS];

/* Fill omitted size numbers from the kernel's defaults. */
void kernel_params_fill(const kernel *k, kernel_params *p);

/* Combine partial result `part` into `into` by the rules above (count and
 * sum add, max takes the maximum): the one definition every combine uses. */
void kernel_result_combine(kernel_result *into, const kernel_result *part);

/* Validate filled params: every size number and iters must be >= 1, then
 * the kernel's own check(). 0, or -1 with a message "NAME: ..." in err. */
int kernel_params_check(const kernel *k, const kernel_params *p, char *err, size_t errlen);

#endif
