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
 *   - Verification can fail for a wrong combined result at every size the
 *     kernel accepts: verify() compares with an exact or tolerance-bounded
 *     reference, or verify_sampled() checks that per-index results account
 *     for the total exactly and recomputes a fixed sample of them.
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
enum { KERNEL_OPTIONS = 4 }; /* most kernel-specific options one kernel may declare */
enum { KERNEL_PRESET_SMALL, KERNEL_PRESET_MEDIUM, KERNEL_PRESET_LARGE, KERNEL_PRESETS };
enum { KERNEL_WEAK_FIXED = -1 }; /* kernel.weak_axes: the size is per worker already */

/* What the user asked for: size numbers (unused trailing ones are 0 before
 * kernel_params_fill() and the kernel's defaults after) and iterations. */
typedef struct kernel_params {
    int64_t size[KERNEL_SIZE_DIMS];
    int64_t iters;
    /* Kernel-specific options (see kernel_option), in the order the kernel
     * declares them: the index of the chosen value in that option's list.
     * Zero-initialised params choose each option's first value. */
    int opt[KERNEL_OPTIONS];
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
    /* The shared cells of the run (kernels with shared_cells), else NULL. */
    const struct kernel_shared *shared;
} kernel_domain;

/* A run of consecutive local indices (1-D) or local rows (2-D):
 * local index `local` .. local+count-1 hold global index `global` ..
 * global+count-1. For 2-D kernels local/global are row numbers (local 0 is
 * the first owned row, not the halo). 1-D spans hold whole work items: global
 * and local start at multiples of `grain` and count is a multiple of it
 * (except for the domain's last, short item), so a kernel may keep one
 * result per item at local / grain. */
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

/* Element types of kernel outputs. */
typedef enum kernel_type {
    KERNEL_TYPE_NONE,
    KERNEL_TYPE_U32,
    KERNEL_TYPE_U64,
    KERNEL_TYPE_F64
} kernel_type;

enum { KERNEL_MAX_OUTPUTS = 4, KERNEL_MAX_SAMPLES = 256 };

/* What the runner does with an output through io/ (HDF5), kernel_output.use. */
enum {
    KERNEL_OUT_IMAGE = 1,    /* --image FILE writes it at the end of every run */
    KERNEL_OUT_STATE = 2,    /* the whole state between iterations: --checkpoint-every writes
                                it, --restart reads it back after init() and resumes */
    KERNEL_OUT_ROUNDTRIP = 4 /* before every iteration's work() the runner writes it to a
                                scratch file and reads it back into read_into */
};

/* An array a kernel computes, described so that a driver can move it without
 * knowing the kernel: reduce and sample it for verification (drivers/run.c),
 * or write it to a file. The global array is extent[0] rows x extent[1] cols
 * (dims == 1: extent[1] == 1) of `type`. This process holds rows x cols of
 * it: local element (r, c), 0 <= r < rows, 0 <= c < cols, is global element
 * (row_global ? row_global[r] : row0 + r, col0 + c) and is stored at element
 * index (r + halo) * ld + (c + halo) from `data` (data points at the first
 * halo cell, like kernel_field). Invariant: every global element is held by
 * exactly one process; a process's rows need not be contiguous globally
 * (cyclic deals: row_global). Valid after a run, until the next one starts. */
typedef struct kernel_output {
    const char *name; /* e.g. "image" */
    kernel_type type;
    int dims; /* 1 or 2 */
    int64_t extent[2];
    void *data;
    int64_t rows, cols, ld;
    int halo;
    int64_t row0, col0;
    const int64_t *row_global; /* NULL: local row r is global row row0 + r */
    /* For io/: KERNEL_OUT_* bits (0: none). A STATE output must hold all
     * that iterations change, so init() then reading it back resumes the run
     * bit for bit; STATE and ROUNDTRIP outputs are asked for again between
     * iterations (grids swap). Global rows must increase with local rows. */
    unsigned use;
    void *read_into; /* ROUNDTRIP: where data read back goes, laid out as data */
} kernel_output;

/* What the runner learns about a kernel's verify output (a 1-D integer
 * output, one element per global index) over all ranks, for
 * verify_sampled(): every element's sum, count and range, and the elements
 * at the indices verify_sample() chose. */
typedef struct kernel_sampled {
    uint64_t sum;      /* of all elements held (mod 2^64) */
    int64_t held;      /* elements held over all ranks: extent[0] when each is held once */
    uint64_t min, max; /* over all elements held (UINT64_MAX and 0 when none) */
    int64_t n;         /* sampled indices */
    int64_t index[KERNEL_MAX_SAMPLES];   /* increasing global indices */
    uint64_t value[KERNEL_MAX_SAMPLES];  /* their values (summed over holders) */
    int64_t holders[KERNEL_MAX_SAMPLES]; /* how many ranks held the index (1 when right) */
} kernel_sampled;

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

/* Drivers, as bits, for what applies where. */
enum {
    KERNEL_MODEL_SEQ = 1,
    KERNEL_MODEL_OMP = 2,
    KERNEL_MODEL_MPI = 4,
    KERNEL_MODEL_HYBRID = 8,
    KERNEL_MODEL_ALL = 15
};

/* One allowed value of a kernel-specific option. */
typedef struct kernel_choice {
    const char *name;
    const char *help;
    unsigned models;       /* drivers it applies to (KERNEL_MODEL_* bits); 0 = all */
    const char *elsewhere; /* where it does not apply: why, and what to use instead */
} kernel_choice;

typedef enum kernel_option_kind {
    KERNEL_OPTION_CHOICE, /* one of the kernel's `choices` */
    KERNEL_OPTION_SYNC    /* a synchronisation primitive of the drivers' layers (drivers/sync.c):
                           * the values come from par.c and comm.c, not from the kernel */
} kernel_option_kind;

/* A kernel-specific command-line option --NAME VALUE. Its default is the
 * first value that applies to the driver. */
typedef struct kernel_option {
    const char *name; /* "variant" for --variant */
    const char *help;
    kernel_option_kind kind;
    const kernel_choice *choices; /* KERNEL_OPTION_CHOICE: ends with {NULL} */
} kernel_option;

/* Shared cells: `ncells` 64-bit counters that every worker of a run (every
 * thread of every rank) adds to through the synchronisation primitive the
 * user chose (the kernel's KERNEL_OPTION_SYNC option). The drivers provide
 * them (drivers/sync.c over par.c and comm.c), so a kernel that studies
 * synchronisation never sees OpenMP or MPI. add() may be called from any
 * thread inside work(), concurrently, for any 0 <= cell < ncells. The cells
 * are zero at the start of every run; after the last run the drivers hand
 * their combined values to the kernel's summarise(). */
typedef struct kernel_shared {
    void *ctx;
    int64_t ncells;
    void (*add)(void *ctx, int64_t cell, uint64_t v);
} kernel_shared;

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
    /* Judge the combined result. Pure; called on one rank. Required unless
     * the kernel verifies by sampling (verify_sampled below). */
    void (*verify)(const kernel_params *p, const kernel_result *r, kernel_verdict *v);
    /* Units of work in one run (all iterations), e.g. bytes moved, for the
     * rate. May use the result (e.g. total escape iterations). */
    double (*work_units)(const kernel_params *p, const kernel_result *r);

    /* Optional: rough, conservative (rather high than low) seconds one run
     * (all iterations, without verification) takes on one core at params p,
     * from the kernel's cost model and measured rates. Drivers divide it
     * over their workers and warn before a run that would take more than a
     * few minutes. NULL: no estimate, no warning. */
    double (*est_seconds)(const kernel_params *p);
    /* Optional: describe the arrays this process holds (see kernel_output):
     * fill out[0..n-1], n <= KERNEL_MAX_OUTPUTS, and return n. */
    int (*outputs)(void *state, kernel_output *out);
    /* Optional: verification by sampling, for sizes with no reference answer
     * that is cheap to recompute. verify_output names an output (dims 1,
     * KERNEL_TYPE_U32 or U64, one element per global index) whose elements
     * sum to count[0] of the result, e.g. per-row totals. The runner reduces
     * it over all ranks, collects the elements at the indices verify_sample()
     * chooses (increasing, at most max; pure, so every rank chooses the same)
     * and judges with verify_sampled() instead of verify() (which may then
     * be NULL). verify_sampled() is pure and called on one rank. */
    const char *verify_output;
    int64_t (*verify_sample)(const kernel_params *p, int64_t *index, int64_t max);
    void (*verify_sampled)(const kernel_params *p, const kernel_result *r, const kernel_sampled *s,
                           kernel_verdict *v);
    /* Weak scaling (sweeps; `--weak-size P` prints the result): how the size
     * grows with the number of workers p so that the work per worker stays
     * constant. The first weak_axes size numbers each grow by p^(1/weak_axes),
     * rounded to the nearest whole number (exact when p is a perfect power),
     * e.g. 2 for a grid whose work is N*M. 0 means 1: size[0] grows by p,
     * right for any kernel whose work is linear in its first size number.
     * KERNEL_WEAK_FIXED: the size is already per worker (e.g. a message or
     * per-rank I/O size) and stays as given. */
    int weak_axes;
    /* The KERNEL_OUT_* bits of the outputs outputs() describes, known
     * without a state, so the command line can refuse --image,
     * --checkpoint-every or --restart where there is nothing to write (the
     * unit tests check it against outputs()). 0 for kernels without I/O. */
    unsigned output_uses;
    /* 1 if work() never changes anything a later run depends on (triad
     * overwrites a from b and c and never writes b or c): the drivers then
     * call init() before the first run only, not before every run. 0 (the
     * default) re-initialises before every warm-up and timed run. */
    int init_once;
    /* n > 0 if work() and finish() only ever write count[0..n-1] (sum[] and
     * max[] stay 0): the drivers then combine partial results over ranks with
     * one integer sum of n counts, the cheapest reduction, which is inside
     * every timed run of a kernel without finish(). 0 (the default) combines
     * the whole kernel_result. */
    int result_counts;

    /* Optional: kernel-specific command-line options, ended by an entry with
     * name NULL (at most KERNEL_OPTIONS). The shared command line parses and
     * validates them for the driver (drivers/kopt.c), stores the choices in
     * kernel_params.opt and shows them in --list and --help. */
    const kernel_option *options;
    /* Optional: shared cells a run needs (kernel_shared); NULL or 0 = none.
     * Needs an option of kind KERNEL_OPTION_SYNC (it picks the primitive),
     * create() (it finds the cells in domain->shared) and summarise(). */
    int64_t (*shared_cells)(const kernel_params *p);
    /* With shared_cells: fold the cells' combined values after the last run
     * into r (zeroed) for verify(). Pure; called once, on rank 0. */
    void (*summarise)(const kernel_params *p, const uint64_t *cells, int64_t ncells,
                      kernel_result *r);

    /* Optional (NULL = the kernel streams no arrays: its data lives in
     * registers or cache): compulsory memory traffic of one run (all
     * iterations) in bytes, counted as STREAM does (each array element read
     * or written once per pass; no write-allocate). The analysis divides it
     * by the run time and compares that with triad's bandwidth to tell
     * memory-bound kernels from CPU-bound ones. */
    double (*bytes)(const kernel_params *p);
} kernel;

/* splitmix64's finaliser (Steele, Lea and Flood; the constants of Stafford's
 * "Mix13"): a bijection of the 64-bit integers that makes every output bit
 * depend on every input bit. Pure: the same z always gives the same value,
 * so hashes built on it are decomposition-independent. Not splitmix64's
 * generator step: callers add the golden-ratio increment themselves. */
static inline uint64_t kernel_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Registry (kernels/registry.c). */
const kernel *kernel_find(const char *name);
const kernel *kernel_at(size_t i); /* NULL past the end */
extern const char *const kernel_preset_names[KERNEL_PRESETS];

/* The first of state's outputs whose use has a bit of `use`, into o: 0, or
 * -1 when there is none. */
int kernel_output_with(const kernel *k, void *state, unsigned use, kernel_output *o);

/* Fill omitted size numbers from the kernel's defaults. */
void kernel_params_fill(const kernel *k, kernel_params *p);

/* Combine partial result `part` into `into` by the rules above (count and
 * sum add, max takes the maximum): the one definition every combine uses. */
void kernel_result_combine(kernel_result *into, const kernel_result *part);
/* Sampled verification helpers (kernels/sample.c). */
size_t kernel_type_size(kernel_type t);
/* A fixed sample of up to `want` (<= max) of the indices 0..n-1 into index,
 * increasing: pairs of neighbours at the first index of every block of an
 * A-way block deal, A = want/2 - 1, and the last two indices. So every rank
 * of a block deal over up to A ranks and of a cyclic deal of single items
 * over 2 ranks holds sampled indices. All indices when want >= n. Returns
 * how many. */
int64_t kernel_sample_spread(int64_t n, int64_t want, int64_t *index, int64_t max);
/* Start s for kernel k (which has verify_output): the sampled indices from
 * verify_sample(), nothing held yet. */
void kernel_sampled_begin(kernel_sampled *s, const kernel *k, const kernel_params *p);
/* The output named k->verify_output among state's outputs into o: 0, or -1
 * when there is none or it is not a 1-D integer output. */
int kernel_verify_output(const kernel *k, void *state, kernel_output *o);
/* Add what one process holds of the verify output o to s (sum, count,
 * range, sampled elements). Drivers add each rank's part and reduce. */
void kernel_sampled_add(kernel_sampled *s, const kernel_output *o);
/* 1 if the sampled output agrees with a combined total: each of the extent
 * indices held exactly once (also every sampled one), the elements sum to
 * total and all lie in [lo, hi]; else 0 with the first failure in why,
 * naming elements `noun` (e.g. "row"). */
int kernel_sampled_consistent(const kernel_sampled *s, const char *noun, int64_t extent,
                              uint64_t total, uint64_t lo, uint64_t hi, char *why, size_t n);
/* 1 if every sampled element equals exact(p, index); else 0 with the first
 * difference in why. */
int kernel_sampled_exact(const kernel_sampled *s, const char *noun, const kernel_params *p,
                         uint64_t (*exact)(const kernel_params *p, int64_t index), char *why,
                         size_t n);

/* Validate filled params: every size number and iters must be >= 1, then
 * the kernel's own check(). 0, or -1 with a message "NAME: ..." in err. */
int kernel_params_check(const kernel *k, const kernel_params *p, char *err, size_t errlen);

/* Weak scaling: the params for p >= 1 workers from filled params `one` sized
 * for one worker, by the kernel's weak_axes rule (iters unchanged). 0, or -1
 * with a message "NAME: ..." in err when a grown number overflows. The result
 * still needs kernel_params_check(). */
int kernel_weak_params(const kernel *k, const kernel_params *one, int64_t p, kernel_params *out,
                       char *err, size_t errlen);

/* The weak_axes rule in words for --list, e.g. "size number 1 x p". */
const char *kernel_weak_rule(const kernel *k, char *buf, size_t n);

#endif
