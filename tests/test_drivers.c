/*
 * test_drivers.c - unit tests of the model-independent driver pieces:
 * decomposition arithmetic, command-line parsing (opt.c's shared syntax,
 * cli.c with kernel options), the JSON builder, the timing statistics, the
 * serial bodies of the shared-cell primitives and io/'s one-thread rule.
 * Runs in one process with the serial comm/par layers (as seq).
 * Last line: "N passed, N failed".
 */
#define _GNU_SOURCE
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "comm.h"
#include "decomp.h"
#include "h5io.h"
#include "harness.h"
#include "json.h"
#include "run.h"
#include "jsonl.h"
#include "msg.h"
#include "opt.h"
#include "layout.h"
#include "kopt.h"
#include "par.h"
#include "sync.h"

static int passed, failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (cond) {                                                                                \
            passed++;                                                                              \
        } else {                                                                                   \
            failed++;                                                                              \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

/* Every global index is owned by exactly one rank, local storage is dense. */
static int decomp_partitions(int64_t n, int64_t grain, decomp_kind kind, int64_t chunk, int p)
{
    unsigned char *owner = calloc((size_t)n + 1, 1);
    int ok = owner != NULL;
    for (int r = 0; r < p && ok; r++) {
        decomp_1d d;
        int64_t expect_local = 0;
        decomp_1d_init(&d, n, grain, kind, chunk, r, p);
        for (int64_t j = 0; j < d.nitems && ok; j++) {
            int64_t g, l, c;
            decomp_1d_item(&d, j, &g, &l, &c);
            ok = c >= 1 && c <= grain && g >= 0 && g + c <= n && l == expect_local;
            for (int64_t i = g; i < g + c && ok; i++)
                ok = owner[i]++ == 0;
            expect_local += c;
        }
        ok = ok && d.nlocal == expect_local;
    }
    for (int64_t i = 0; i < n && ok; i++)
        ok = owner[i] == 1;
    free(owner);
    return ok;
}

static void test_decomp_1d(void)
{
    static const int64_t ns[] = {1, 2, 3, 5, 7, 16, 17, 100, 1000, 1001, 4099};
    static const int64_t grains[] = {1, 3, 64};
    for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
        for (size_t b = 0; b < sizeof grains / sizeof grains[0]; b++)
            for (int p = 1; p <= 9; p++) {
                CHECK(decomp_partitions(ns[a], grains[b], DECOMP_BLOCK, 1, p));
                CHECK(decomp_partitions(ns[a], grains[b], DECOMP_CYCLIC, 1, p));
                CHECK(decomp_partitions(ns[a], grains[b], DECOMP_CYCLIC, 4, p));
            }
}

static void test_decomp_block_balance(void)
{
    /* Block sizes differ by at most one item and never overflow. */
    int64_t big = (int64_t)1 << 62;
    for (int p = 1; p <= 7; p++) {
        int64_t lo = decomp_block_lo(big, p, p);
        CHECK(lo == big);
        for (int r = 0; r < p; r++) {
            int64_t len = decomp_block_lo(10, r + 1, p) - decomp_block_lo(10, r, p);
            CHECK(len == 10 / p || len == 10 / p + 1);
        }
    }
}

/* Every rank's tile of a rows x cols grid on p ranks: the tiles cover the
 * grid once, neighbours are mutual, every tile has >= halo rows and cols. */
static void check_tiles(int64_t rows, int64_t cols, int halo, int p)
{
    int64_t cells = 0;
    for (int r = 0; r < p; r++) {
        decomp_2d d, e;
        CHECK(decomp_2d_init(&d, rows, cols, halo, r, p) == 0);
        CHECK(d.pdims[0] * d.pdims[1] == p);
        CHECK(d.hi[0] - d.lo[0] >= halo && d.hi[1] - d.lo[1] >= halo);
        cells += (d.hi[0] - d.lo[0]) * (d.hi[1] - d.lo[1]);
        if (d.neighbor[1] >= 0) {
            decomp_2d_init(&e, rows, cols, halo, d.neighbor[1], p);
            CHECK(e.neighbor[0] == r && e.lo[0] == d.hi[0] && e.lo[1] == d.lo[1]);
        }
        if (d.neighbor[3] >= 0) {
            decomp_2d_init(&e, rows, cols, halo, d.neighbor[3], p);
            CHECK(e.neighbor[2] == r && e.lo[1] == d.hi[1] && e.lo[0] == d.lo[0]);
        }
    }
    CHECK(cells == rows * cols);
}

/* 1 if decomp_dims chooses px x py for p ranks on a rows x cols grid. */
static int dims_are(int p, int64_t rows, int64_t cols, int halo, int px, int py)
{
    int dims[2] = {0, 0};
    return decomp_dims(p, rows, cols, halo, dims) == 0 && dims[0] == px && dims[1] == py;
}

static void test_decomp_2d(void)
{
    char text[64];
    int dims[2];
    /* Square grids: the squarest factorization, rows cut first on ties. */
    CHECK(dims_are(4, 100, 100, 1, 2, 2) && dims_are(2, 100, 100, 1, 2, 1));
    CHECK(dims_are(6, 90, 90, 1, 3, 2) && dims_are(7, 90, 90, 1, 7, 1));
    CHECK(dims_are(16, 1000, 1000, 1, 4, 4) && dims_are(12, 1200, 1200, 1, 4, 3));
    /* The shape decides: cut across the long side, least halo volume. */
    CHECK(dims_are(2, 3, 100, 1, 1, 2) && dims_are(2, 100, 3, 1, 2, 1));
    CHECK(dims_are(4, 3, 100, 1, 1, 4) && dims_are(4, 100, 3, 1, 4, 1));
    CHECK(dims_are(5, 3, 100, 1, 1, 5) && dims_are(5, 100, 3, 1, 5, 1));
    CHECK(dims_are(4, 1000, 10, 1, 4, 1) && dims_are(4, 150, 100, 1, 2, 2));
    CHECK(dims_are(6, 1000, 300, 1, 6, 1) && dims_are(6, 300, 1000, 1, 1, 6));
    /* Fit: tiles of at least `halo` rows and cols. */
    CHECK(dims_are(4, 3, 3, 1, 2, 2) && dims_are(6, 2, 3, 1, 2, 3));
    CHECK(dims_are(4, 100, 3, 2, 4, 1) && dims_are(4, 8, 3, 2, 4, 1));
    CHECK(decomp_dims(4, 7, 3, 2, dims) != 0); /* 4x1 needs 8 rows, 2x2 needs 4 cols */
    CHECK(decomp_dims(5, 2, 2, 1, dims) != 0 && decomp_dims(4, 1, 1, 1, dims) != 0);
    CHECK(dims_are(1, 1, 1, 1, 1, 1) && decomp_dims(1, 1, 1, 2, dims) != 0);
    CHECK(dims_are(3, 1, 1, 0, 3, 1)); /* no halo: empty tiles are allowed */
    decomp_2d d;
    CHECK(decomp_2d_init(&d, 2, 2, 1, 0, 5) != 0);
    /* The counts that would fit, for the refusal message. */
    decomp_dims_text(2, 2, 1, 10, text, sizeof text);
    CHECK(strcmp(text, "1, 2, 4") == 0);
    decomp_dims_text(3, 100, 1, 8, text, sizeof text);
    CHECK(strcmp(text, "1-8") == 0);
    decomp_dims_text(3, 3, 1, 12, text, sizeof text);
    CHECK(strcmp(text, "1-4, 6, 9") == 0);
    decomp_dims_text(1, 1, 2, 4, text, sizeof text);
    CHECK(strcmp(text, "none") == 0);
    decomp_dims_text(1000, 1000, 1, 1000, text, 20);
    CHECK(strcmp(text, "1-1000") == 0);
    decomp_dims_text(1000, 1, 1, 2000, text, 24);
    CHECK(strstr(text, "1-1000") == text);
    decomp_dims_text(7, 7, 1, 100, text, 20);
    CHECK(strlen(text) < 20 && strstr(text, ", ...") != NULL);
    for (int p = 1; p <= 8; p++) {
        check_tiles(13, 11, 1, p);
        check_tiles(3, 100, 1, p);
        check_tiles(100, 3, 1, p);
    }
    check_tiles(3, 3, 1, 9);
}

static void test_parse_count(void)
{
    int64_t v = 0;
    CHECK(cli_parse_count("42", &v) == 0 && v == 42);
    CHECK(cli_parse_count("2M", &v) == 0 && v == 2000000);
    CHECK(cli_parse_count("4Ki", &v) == 0 && v == 4096);
    CHECK(cli_parse_count("1e6", &v) == 0 && v == 1000000);
    CHECK(cli_parse_count("2.5e3", &v) == 0 && v == 2500);
    CHECK(cli_parse_count("9223372036854775807", &v) == 0 && v == INT64_MAX);
    CHECK(cli_parse_count("9223372036854775808", &v) != 0);
    CHECK(cli_parse_count("99999999999999999999999", &v) != 0);
    CHECK(cli_parse_count("10T", &v) == 0 && v == 10000000000000);
    CHECK(cli_parse_count("10000000G", &v) == 0);
    CHECK(cli_parse_count("10000000000G", &v) != 0);
    CHECK(cli_parse_count("0", &v) != 0);
    CHECK(cli_parse_count("-5", &v) != 0);
    CHECK(cli_parse_count("abc", &v) != 0);
    CHECK(cli_parse_count("", &v) != 0);
    CHECK(cli_parse_count("5x", &v) != 0);
    CHECK(cli_parse_count("1.5", &v) != 0);
    CHECK(cli_parse_count("1e400", &v) != 0);
    CHECK(cli_parse_count("1e-3", &v) != 0);
    CHECK(cli_parse_count("12 ", &v) != 0);
}

static void test_parse_size(void)
{
    int64_t v[3] = {0};
    CHECK(cli_parse_size("1024x768", v, 3) == 2 && v[0] == 1024 && v[1] == 768);
    CHECK(cli_parse_size("8x8x100", v, 3) == 3 && v[2] == 100);
    CHECK(cli_parse_size("1x2x3x4", v, 3) == -1);
    CHECK(cli_parse_size("10x", v, 3) == -1);
    CHECK(cli_parse_size("x10", v, 3) == -1);
    CHECK(cli_parse_size("10xx2", v, 3) == -1);
    CHECK(cli_parse_size("", v, 3) == -1);
    /* Too large is told apart from malformed. */
    CHECK(cli_parse_count("99999999999999999999", v) == CLI_NUM_TOO_LARGE);
    CHECK(cli_parse_count("1e400", v) == CLI_NUM_TOO_LARGE);
    CHECK(cli_parse_count("10000000000G", v) == CLI_NUM_TOO_LARGE);
    CHECK(cli_parse_count("99999999999999999999q", v) == CLI_NUM_BAD);
    CHECK(cli_parse_count("1e-400", v) == CLI_NUM_BAD);
    CHECK(cli_parse_size("10x99999999999999999999", v, 3) == CLI_NUM_TOO_LARGE);
    CHECK(cli_parse_size("10x99999999999999999999xq", v, 3) == CLI_NUM_BAD);
}

/* "prog " + line split at blanks into argv[0..31] (buf holds the words);
 * returns argc. */
static int split_line(const char *line, char *buf, size_t n, char **argv)
{
    int argc = 0;
    snprintf(buf, n, "prog %s", line);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && argc < 31;
         t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    return argc;
}

static int parse(const char *line, cli_options *o, char *err, size_t n)
{
    char buf[512], *argv[32];
    int argc = split_line(line, buf, sizeof buf, argv);
    return cli_parse(argc, argv, o, err, n);
}

/* A size derived from --size-per-rank or --weak-size that is too large is
 * refused with where it came from and what to change, not only "--size". */
static void test_cli_derived_size(void)
{
    cli_options o;
    char err[512];
    CHECK(parse("--kernel iobench --size-per-rank 512Ti", &o, err, sizeof err) == 0 &&
          cli_apply_ranks(&o, 3, err, sizeof err) == -1 && strstr(err, "is too large") != NULL &&
          strstr(err, "--size-per-rank 512Ti on 3 ranks: use a smaller --size-per-rank or "
                      "fewer ranks") != NULL);
    CHECK(parse("--kernel iobench --size-per-rank 256Ti", &o, err, sizeof err) == 0 &&
          cli_apply_ranks(&o, 3, err, sizeof err) == 0);
    CHECK(parse("--kernel counter --size 3e16 --weak-size 4", &o, err, sizeof err) == -1 &&
          strstr(err, "is too large") != NULL &&
          strstr(err, "--weak-size 4 makes of --size 3e16: use a smaller --size or --weak-size"));
    CHECK(parse("--kernel counter --size 3e16 --weak-size 2", &o, err, sizeof err) == 0);
}

static void test_cli(void)
{
    cli_options o;
    char err[256];
    CHECK(parse("--kernel primes", &o, err, sizeof err) == 0 && o.params.size[0] > 0 &&
          o.schedule.kind == PAR_DYNAMIC && o.decomp == DECOMP_CYCLIC && o.reps == 5);
    CHECK(parse("--kernel=triad --size=1M --reps=3", &o, err, sizeof err) == 0 &&
          o.params.size[0] == 1000000 && o.reps == 3 && o.schedule.kind == PAR_STATIC &&
          o.decomp == DECOMP_BLOCK);
    CHECK(parse("--kernel stencil --size 100x50 --iters 7", &o, err, sizeof err) == 0 &&
          o.params.size[0] == 100 && o.params.size[1] == 50 && o.params.iters == 7);
    CHECK(parse("--kernel stencil --size 100", &o, err, sizeof err) == 0 &&
          o.params.size[1] == 100);
    CHECK(parse("--kernel pi --schedule guided,8 --warmup 0", &o, err, sizeof err) == 0 &&
          o.schedule.kind == PAR_GUIDED && o.schedule.chunk == 8 && o.warmup == 0);
    CHECK(parse("--kernel pi --size medium", &o, err, sizeof err) == 0);
    CHECK(parse("--help", &o, err, sizeof err) == 0 && o.action == CLI_HELP);
    CHECK(parse("--kernel nope", &o, err, sizeof err) != 0 && strstr(err, "nope"));
    CHECK(parse("--kernel pi --size", &o, err, sizeof err) != 0 && strstr(err, "--size"));
    CHECK(parse("--kernel pi --size --reps 2", &o, err, sizeof err) != 0);
    CHECK(parse("--kernel pi --reps 0", &o, err, sizeof err) != 0);
    CHECK(parse("--kernel pi --bogus", &o, err, sizeof err) != 0 && strstr(err, "--bogus"));
    CHECK(parse("--kernel pi stray", &o, err, sizeof err) != 0);
    CHECK(parse("--kernel primes --size 5x5", &o, err, sizeof err) != 0);
    CHECK(parse("--kernel stencil --decomp cyclic", &o, err, sizeof err) != 0);
    CHECK(parse("--kernel pi --schedule dynamic,0", &o, err, sizeof err) != 0);
    CHECK(parse("", &o, err, sizeof err) != 0 && strstr(err, "--kernel"));
}

/* The index of the choice called name that applies to this driver (seq). */
static int choice_index(const kernel_option *o, const char *name)
{
    const kernel_choice *list = kopt_choices(o);
    for (int i = 0; list[i].name != NULL; i++)
        if (strcmp(list[i].name, name) == 0 && kopt_applies(&list[i], kopt_model())) return i;
    return -1;
}

static int refused(const char *line, const char *n1, const char *n2);

static void test_kernel_options(void)
{
    cli_options o;
    char err[256];
    const kernel *c = kernel_find("counter");
    kopt_set s;
    memset(&s, 0, sizeof s);
    CHECK(kopt_model() == KERNEL_MODEL_SEQ && strcmp(kopt_model_name(kopt_model()), "seq") == 0);
    CHECK(kopt_take(&s, "nosuch", "x", err, sizeof err) == 0);
    CHECK(kopt_take(&s, "sync", "lock", err, sizeof err) == 1 && s.n == 1);
    /* A repeat is the command line's to refuse (below), like any option's. */
    /* Defaults: the first value that applies here; given values land in params.opt. */
    CHECK(parse("--kernel counter", &o, err, sizeof err) == 0 &&
          strcmp(o.kopt.chosen[0], "atomic") == 0 && strcmp(o.kopt.chosen[1], "counter") == 0 &&
          o.kopt.chosen[2] == NULL && o.params.opt[1] == 0);
    CHECK(parse("--sync lock --kernel counter --variant=histogram", &o, err, sizeof err) == 0 &&
          strcmp(o.kopt.chosen[0], "lock") == 0 &&
          o.params.opt[0] == choice_index(&c->options[0], "lock") &&
          strcmp(o.kopt.chosen[1], "histogram") == 0 && o.params.opt[1] == 1);
    CHECK(parse("--kernel counter --sync none", &o, err, sizeof err) == 0 &&
          sync_racy(o.params.opt[0]) && !sync_racy(choice_index(&c->options[0], "atomic")));
    /* Errors: unknown value, a value for another driver, another kernel's option, twice. */
    CHECK(parse("--kernel counter --sync foo", &o, err, sizeof err) != 0 && strstr(err, "'foo'") &&
          strstr(err, "atomic"));
    CHECK(parse("--kernel counter --sync rma", &o, err, sizeof err) != 0 &&
          strstr(err, "does not apply to scalekit-seq") && strstr(err, "scalekit-mpi"));
    CHECK(parse("--kernel counter --variant", &o, err, sizeof err) != 0 &&
          strstr(err, "--variant"));
    CHECK(parse("--kernel pi --variant histogram", &o, err, sizeof err) != 0 &&
          strstr(err, "counter") && strstr(err, "pi"));
    CHECK(parse("--kernel counter --variant counter --variant counter", &o, err, sizeof err) != 0 &&
          strstr(err, "twice"));
    CHECK(parse("--kernel pi", &o, err, sizeof err) == 0 && o.kopt.chosen[0] == NULL);
    CHECK(refused("--kernel counter --snyc atomic", "did you mean --sync?", NULL));
    {
        /* No value given and none applies here: the message says so (and
         * prints no NULL value). */
        static const kernel_choice mpi_only[] = {{"a", "", KERNEL_MODEL_MPI, "use scalekit-mpi"},
                                                 {"b", "", KERNEL_MODEL_MPI, NULL},
                                                 {NULL, NULL, 0, NULL}};
        static const kernel_option opts[] = {{"style", "", KERNEL_OPTION_CHOICE, mpi_only},
                                             {NULL, NULL, KERNEL_OPTION_CHOICE, NULL}};
        kernel fake;
        kernel_params p;
        memset(&fake, 0, sizeof fake);
        memset(&s, 0, sizeof s);
        fake.name = "fake";
        fake.options = opts;
        CHECK(kopt_resolve(&s, &fake, &p, err, sizeof err) != 0 &&
              strstr(err, "no --style value applies to scalekit-seq") && strstr(err, "a, b") &&
              !strstr(err, "(null)"));
    }
    /* Kernel options never shadow a driver option, and fit params.opt. */
    for (size_t i = 0; kernel_at(i) != NULL; i++) {
        const kernel *k = kernel_at(i);
        static const char *const driver_opts[] = {"kernel", "size",     "iters",  "reps",
                                                  "warmup", "schedule", "decomp", "output",
                                                  "layout", "list",     "help",   "version"};
        int n = 0;
        for (; k->options != NULL && k->options[n].name != NULL; n++)
            for (size_t d = 0; d < sizeof driver_opts / sizeof driver_opts[0]; d++)
                CHECK(strcmp(k->options[n].name, driver_opts[d]) != 0);
        CHECK(n <= KERNEL_OPTIONS);
    }
}

/* Every primitive's serial body counts exactly (one rank, a team of one). */
static void test_sync_serial(void)
{
    const kernel_choice *list = sync_choices();
    int n = 0;
    for (; list[n].name != NULL; n++) {
        sync_cells *s = sync_create(n, 5);
        const kernel_shared *sh = sync_shared(s);
        for (int run = 0; run < 2; run++) {
            sync_reset(s);
            for (int64_t i = 0; i < 1000; i++)
                sh->add(sh->ctx, i % 5, 2);
            sync_flush(s);
            const uint64_t *v = sync_values(s);
            CHECK(sh->ncells == 5 && v != NULL && v[0] == 400 && v[4] == 400);
        }
        sync_free(s);
    }
    CHECK(n >= 8 && par_sync_at(0) != NULL && comm_sync_at(0) != NULL);
}

/* parse() must fail with a message containing every one of the needles. */
static int refused(const char *line, const char *n1, const char *n2)
{
    cli_options o;
    char err[512] = "";
    int ok = parse(line, &o, err, sizeof err) != 0 && strstr(err, n1) != NULL &&
             (n2 == NULL || strstr(err, n2) != NULL);
    if (!ok) fprintf(stderr, "  for '%s' the message was '%s'\n", line, err);
    return ok;
}

static void test_cli_messages(void)
{
    cli_options o;
    char err[512];
    /* An unknown option is unknown wherever it stands, even last. */
    CHECK(refused("--kernel pi --x", "unknown option '--x'", NULL));
    CHECK(refused("--kernel pi --", "unknown option '--'", NULL));
    CHECK(refused("--x --kernel pi", "unknown option '--x'", NULL));
    CHECK(refused("--kernel pi --size", "--size needs a value", NULL));
    /* Numbers beyond their option's range say so, with value and limit. */
    CHECK(refused("--kernel pi --reps 1e9", "--reps '1e9' is too large", "100000"));
    CHECK(refused("--kernel pi --warmup 100001", "--warmup '100001' is too large", "100000"));
    CHECK(refused("--kernel pi --iters 99999999999999999999", "too large", "9223372036854775807"));
    CHECK(refused("--kernel pi --size 99999999999999999999", "--size '99999999999999999999' is too",
                  "9223372036854775807"));
    CHECK(refused("--kernel pi --schedule static,3000000000", "chunk '3000000000' is too large",
                  "2147483647"));
    CHECK(refused("--kernel primes --size 1e13", "10000000000000", "limit is N <= 1000000000000"));
    CHECK(refused("--kernel pi --reps abc", "--reps 'abc' is not a whole number", NULL));
    /* Did you mean. */
    CHECK(refused("--kernel prime", "did you mean 'primes'?", NULL));
    CHECK(refused("--kernel stencl", "did you mean 'stencil'?", NULL));
    CHECK(refused("--kernel mandel", "did you mean 'mandelbrot'?", NULL));
    CHECK(refused("--kernel zzzzzz", "unknown kernel 'zzzzzz'", NULL));
    CHECK(parse("--kernel zzzzzz", &o, err, sizeof err) != 0 && !strstr(err, "did you mean"));
    CHECK(refused("--kernal pi", "did you mean --kernel?", NULL));
    CHECK(refused("--kernel pi --rep 3", "did you mean --reps?", NULL));
    CHECK(refused("-kernel pi", "did you mean --kernel?", NULL));
    CHECK(refused("--kernel pi --size smal", "did you mean 'small'?", NULL));
    /* A repeated value option is an error, whatever its form. */
    CHECK(
        refused("--kernel pi --kernel primes", "--kernel given twice ('pi', then 'primes')", NULL));
    CHECK(refused("--kernel pi --size 10 --size=20", "--size given twice", NULL));
    CHECK(refused("--kernel pi --output a --output b", "--output given twice", NULL));
    CHECK(refused("--kernel pi --reps 1 --reps 1", "--reps given twice", NULL));
}

static void test_cli_long_values(void)
{
    static char line[2048], err[512];
    cli_options o;
    char big[1001];
    memset(big, 'k', 1000);
    big[1000] = '\0';
    snprintf(line, sizeof line, "--kernel %s", big);
    CHECK(parse(line, &o, err, sizeof err) != 0 && strlen(err) < 200 && strstr(err, "...") &&
          strstr(err, "' (--list shows them all)"));
    snprintf(line, sizeof line, "--kernel pi --size %s", big);
    CHECK(parse(line, &o, err, sizeof err) != 0 && strlen(err) < 200 &&
          strstr(err, "' is empty or too long"));
    snprintf(line, sizeof line, "--kernel pi --%s", big);
    CHECK(parse(line, &o, err, sizeof err) != 0 && strlen(err) < 200 &&
          strstr(err, "(see --help)"));
    snprintf(line, sizeof line, "--kernel pi %s", big);
    CHECK(parse(line, &o, err, sizeof err) != 0 && strlen(err) < 200 &&
          strstr(err, "' (options start with --"));
}

/* opt_parse()'s apply for test_opt: logs "name=value;" or "name;" into the
 * 256-byte ctx and refuses the value "bad". */
static int opt_log(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
    char *log = ctx;
    size_t len = strlen(log);
    if (value != NULL && strcmp(value, "bad") == 0) return msg_error(err, errlen, "%s bad", name);
    snprintf(log + len, 256 - len, "%s%s%s;", name, value ? "=" : "", value ? value : "");
    return 0;
}

/* opt_parse() of line with a small table: its return value; the options it
 * applied in log[256], the message in err[256]. */
static int opt_line(const char *line, char *log, char *err)
{
    static const opt_def defs[] = {{"--num", 1}, {"--flag", 0}, {"-h", 0}, {"--name", 1}};
    char buf[512], *argv[32];
    int argc = split_line(line, buf, sizeof buf, argv);
    log[0] = err[0] = '\0';
    return opt_parse(argc, argv, defs, sizeof defs / sizeof defs[0], opt_log, log, err, 256);
}

/* line is refused with exactly the message want, after applying `applied`. */
static int opt_refused(const char *line, const char *want, const char *applied)
{
    char log[256], err[256];
    int ok = opt_line(line, log, err) == -1 && strcmp(err, want) == 0 && strcmp(log, applied) == 0;
    if (!ok) fprintf(stderr, "  for '%s': message '%s', applied '%s'\n", line, err, log);
    return ok;
}

/* A table longer than OPT_MAX is refused on every call, even one with no
 * arguments, never cut short (which would make its last options unknown). */
static void test_opt_too_many(void)
{
    opt_def defs[OPT_MAX + 1];
    char log[256] = "", err[256] = "", *argv[] = {"prog", NULL};
    for (int i = 0; i <= OPT_MAX; i++)
        defs[i] = (opt_def){"--num", 1};
    CHECK(opt_parse(1, argv, defs, OPT_MAX + 1, opt_log, log, err, sizeof err) == -1 &&
          strstr(err, "raise OPT_MAX") != NULL);
    CHECK(opt_parse(1, argv, defs, OPT_MAX, opt_log, log, err, sizeof err) == 0);
}

/* opt_table_add() refuses what would leave an option out: a full table, a
 * name too long to be typed, a name already there. */
static void test_opt_table(void)
{
    static opt_table t;
    char err[256], name[OPT_NAME_MAX + 8];
    t.n = 0;
    CHECK(opt_table_add(&t, "", "--num", 1, err, sizeof err) == 0 &&
          opt_table_add(&t, "--", "variant", 1, err, sizeof err) == 0 && t.n == 2 &&
          strcmp(t.defs[1].name, "--variant") == 0 && t.defs[1].takes_value == 1);
    CHECK(opt_table_add(&t, "--", "num", 0, err, sizeof err) == -1 &&
          strstr(err, "internal error: option --num is declared twice") != NULL && t.n == 2);
    memset(name, 'x', OPT_NAME_MAX - 3);
    name[OPT_NAME_MAX - 3] = '\0'; /* with "--": OPT_NAME_MAX - 1 characters, the longest */
    CHECK(opt_table_add(&t, "--", name, 1, err, sizeof err) == 0);
    name[OPT_NAME_MAX - 3] = 'y';
    name[OPT_NAME_MAX - 2] = '\0';
    CHECK(opt_table_add(&t, "--", name, 1, err, sizeof err) == -1 &&
          strstr(err, "characters or longer") != NULL && t.n == 3);
    for (int i = 3; i < OPT_MAX; i++) {
        snprintf(name, sizeof name, "--o%d", i);
        CHECK(opt_table_add(&t, "", name, 0, err, sizeof err) == 0);
    }
    CHECK(opt_table_add(&t, "", "--one-more", 0, err, sizeof err) == -1 &&
          strstr(err, "raise OPT_MAX") != NULL && t.n == OPT_MAX);
}

/* The option syntax every program shares (opt.h). */
static void test_opt(void)
{
    char log[256], err[256], line[200];
    CHECK(opt_line("", log, err) == 0 && strcmp(log, "") == 0);
    /* Both forms; a value may start with one dash, or with two after '='; a
     * flag may repeat. */
    CHECK(opt_line("--num 3 --flag --flag -h --name=x", log, err) == 0 &&
          strcmp(log, "--num=3;--flag;--flag;-h;--name=x;") == 0);
    CHECK(opt_line("--num -5 --name=--x", log, err) == 0 &&
          strcmp(log, "--num=-5;--name=--x;") == 0);
    CHECK(opt_line("--num=", log, err) == 0 && strcmp(log, "--num=;") == 0);
    /* A value option given twice, refused before its second value is checked. */
    CHECK(opt_refused("--num 3 --num=4", "--num given twice ('3', then '4'); give it once",
                      "--num=3;"));
    CHECK(opt_refused("--num 3 --num bad", "--num given twice ('3', then 'bad'); give it once",
                      "--num=3;"));
    /* apply's refusal ends the pass: nothing after it is read. */
    CHECK(opt_refused("--flag --num bad --name x", "--num bad", "--flag;"));
    CHECK(opt_refused("--flag=1", "option --flag takes no value; give it as --flag alone", ""));
    CHECK(opt_refused("--num",
                      "option --num needs a value (--num VALUE or --num=VALUE; see --help)", ""));
    CHECK(opt_refused("--num --flag",
                      "option --num needs a value (--num VALUE or --num=VALUE; see --help)", ""));
    /* Unknown names, last or not, with or without a value; suggestions name
     * long options only (never -h for "--"). */
    CHECK(opt_refused("--frobnicate", "unknown option '--frobnicate' (see --help)", ""));
    CHECK(opt_refused("--flag --frobnicate=1 --num 3", "unknown option '--frobnicate' (see --help)",
                      "--flag;"));
    CHECK(opt_refused("--nmu 3", "unknown option '--nmu'; did you mean --num? (see --help)", ""));
    CHECK(opt_refused("-name x", "unknown option '-name'; did you mean --name? (see --help)", ""));
    CHECK(opt_refused("--", "unknown option '--' (see --help)", ""));
    CHECK(opt_refused("stray", "unexpected argument 'stray' (options start with --; see --help)",
                      ""));
    snprintf(line, sizeof line, "--%070d=1", 0);
    CHECK(opt_line(line, log, err) == -1 && strstr(err, "unknown option '--000") &&
          strstr(err, "000=1' (see --help)"));
    test_opt_too_many();
    test_opt_table();
}

static void test_msg_quote(void)
{
    char q[MSG_QUOTE_SIZE], big[300];
    CHECK(strcmp(msg_quote("abc", q, sizeof q), "'abc'") == 0);
    CHECK(strcmp(msg_quote(NULL, q, sizeof q), "''") == 0);
    CHECK(strcmp(msg_quote("a\nb", q, sizeof q), "'a?b'") == 0);
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[sizeof big - 2] = 'Z'; /* the tail survives the cut */
    msg_quote(big, q, sizeof q);
    CHECK(strlen(q) == MSG_VALUE_MAX + 2 && strstr(q, "...") && q[strlen(q) - 2] == 'Z' &&
          q[strlen(q) - 1] == '\'');
}

/* msg_hostname: the system's name, clipped to the buffer, always
 * terminated, never empty. */
static void test_msg_hostname(void)
{
    char full[256], name[256], small[2]; /* clips every name but a 1-letter one */
    CHECK(gethostname(name, sizeof name) == 0);
    name[sizeof name - 1] = '\0';
    CHECK(msg_hostname(full, sizeof full) == full && strcmp(full, name) == 0 && full[0] != '\0');
    memset(small, 'x', sizeof small);
    msg_hostname(small, sizeof small);
    CHECK(small[1] == '\0' && small[0] == full[0]);
}

static void test_check_threads(void)
{
    char err[256];
    CHECK(cli_check_threads(NULL, 2, err, sizeof err) == 0);
    CHECK(cli_check_threads("2", 2, err, sizeof err) == 0);
    CHECK(cli_check_threads(" 3 ", 2, err, sizeof err) == 0);
    CHECK(cli_check_threads("64", 1, err, sizeof err) == 0); /* issue 10: 64 threads, few CPUs */
    CHECK(cli_check_threads("128", 2, err, sizeof err) == 0);
    CHECK(cli_check_threads("129", 2, err, sizeof err) != 0 && strstr(err, "limit is 128"));
    CHECK(cli_check_threads("99999999999999999999999", 2, err, sizeof err) != 0 &&
          strstr(err, "too large"));
    CHECK(cli_check_threads("0", 2, err, sizeof err) != 0 && strstr(err, "OMP_NUM_THREADS='0'"));
    CHECK(cli_check_threads("abc", 2, err, sizeof err) != 0);
    CHECK(cli_check_threads("-2", 2, err, sizeof err) != 0);
    CHECK(cli_check_threads("2x", 2, err, sizeof err) != 0);
    CHECK(cli_check_threads("", 2, err, sizeof err) != 0 && strstr(err, "empty"));
    CHECK(cli_check_threads("2,1", 2, err, sizeof err) != 0 && strstr(err, "nested"));
}

/* The file's contents, or "" (static buffer). */
static const char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f != NULL) fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_jsonl(void)
{
    char path[] = "/tmp/scalekit-test-jsonl-XXXXXX", err[256];
    jsonl_file f = JSONL_FILE_INIT;
    struct rlimit old, small;
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    /* A last line without newline gets one: records start on a line of their own. */
    CHECK(write(fd, "{\"a\":1}", 7) == 7);
    close(fd);
    CHECK(jsonl_open(&f, path, err, sizeof err) == 0 && !f.created);
    CHECK(jsonl_write(&f, "{\"b\":2}", err, sizeof err) == 0);
    CHECK(jsonl_write(&f, "{\"c\":3}", err, sizeof err) == 0);
    CHECK(strcmp(slurp(path), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n") == 0);
    /* A short write (file size limit) is rolled back, leading newline and all. */
    CHECK(truncate(path, 7) == 0);
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    small = old;
    small.rlim_cur = 12;
    signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
    CHECK(jsonl_write(&f, "{\"long\":\"record\"}", err, sizeof err) != 0);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, SIG_DFL);
    CHECK(strcmp(slurp(path), "{\"a\":1}") == 0);
    jsonl_close(&f, 1);
    CHECK(access(path, F_OK) == 0); /* not created here: never removed */
    unlink(path);
    /* A file created in vain is removed again; one with a record is kept. */
    CHECK(jsonl_open(&f, path, err, sizeof err) == 0 && f.created);
    jsonl_close(&f, 1);
    CHECK(access(path, F_OK) != 0);
    CHECK(jsonl_open(&f, path, err, sizeof err) == 0 &&
          jsonl_write(&f, "{}", err, sizeof err) == 0);
    jsonl_close(&f, 1);
    CHECK(strcmp(slurp(path), "{}\n") == 0);
    unlink(path);
    /* Opening fails fast where a record could not be written. */
    CHECK(jsonl_open(&f, "/tmp", err, sizeof err) != 0 && f.fd < 0);
    CHECK(jsonl_open(&f, "/nonexistent-dir/x.jsonl", err, sizeof err) != 0 &&
          strstr(err, "create"));
    CHECK(jsonl_open(&f, "", err, sizeof err) != 0);
}

static void test_json(void)
{
    json j;
    json_init(&j);
    json_object_begin(&j, NULL);
    json_string(&j, "s", "a\"b\\c\n\x01");
    json_array_begin(&j, "v");
    json_int(&j, NULL, -3);
    json_double(&j, NULL, 0.5);
    json_double(&j, NULL, INFINITY);
    json_array_end(&j);
    json_bool(&j, "t", 1);
    json_string(&j, "n", NULL);
    json_object_end(&j);
    CHECK(json_ok(&j));
    CHECK(strcmp(j.text, "{\"s\":\"a\\\"b\\\\c\\u000a\\u0001\",\"v\":[-3,0.5,null],\"t\":true,"
                         "\"n\":null}") == 0);
    json_free(&j);
    json_init(&j);
    json_object_begin(&j, NULL);
    CHECK(!json_ok(&j)); /* unclosed */
    json_free(&j);
}

static void test_stats(void)
{
    double v[] = {4.0, 1.0, 3.0, 2.0};
    harness_stats s;
    harness_stats_of(v, 4, &s);
    CHECK(s.min == 1.0 && s.max == 4.0 && s.mean == 2.5 && s.median == 2.5);
    CHECK(s.q1 == 1.75 && s.q3 == 3.25);
    CHECK(v[0] == 4.0); /* input not reordered */
    harness_stats_of(v, 1, &s);
    CHECK(s.min == 4.0 && s.median == 4.0 && s.q3 == 4.0);
}

/* init() calls seen by counting_init(), which wraps a kernel's init(). */
static int64_t init_calls;
static void (*init_wrapped)(void *state, const kernel_span *s);

static void counting_init(void *state, const kernel_span *s)
{
    init_calls++;
    init_wrapped(state, s);
}

/* The runner calls init() before every warm-up and timed run, or only before
 * the first when the kernel declares init_once; both runs verify. triad at
 * 100000 elements has 13 work items (grain 8192). */
static void test_run_init_once(void)
{
    cli_options o;
    run_report rep;
    char err[256];
    CHECK(parse("--kernel triad --size 100000 --iters 2 --reps 3 --warmup 2", &o, err,
                sizeof err) == 0);
    kernel k = *o.kern;
    CHECK(k.init_once == 1 && k.grain == 8192);
    init_wrapped = k.init;
    k.init = counting_init;
    o.kern = &k;
    for (int once = 0; once <= 1; once++) {
        k.init_once = once;
        init_calls = 0;
        CHECK(run_kernel(&o, &rep) == CLI_EXIT_OK && rep.verdict.ok);
        CHECK(init_calls == (once ? 13 : 5 * 13));
        run_report_free(&rep);
    }
}

/* sets[i] = CPUs lo..hi of thread i. */
static void cpus_range(layout_cpuset *s, int lo, int hi)
{
    memset(s, 0, sizeof *s);
    for (int c = lo; c <= hi; c++)
        layout_cpuset_add(s, c);
}

static void test_layout_match(void)
{
    layout_cpuset s[8];
    char text[64];
    cpus_range(&s[0], 0, 0), cpus_range(&s[1], 1, 1); /* close/spread: one core each */
    CHECK(layout_cpus_parallel(s, 2) == 2);
    cpus_range(&s[1], 0, 0); /* master, or a rank bound to one core: both on core 0 */
    CHECK(layout_cpus_parallel(s, 2) == 1);
    cpus_range(&s[0], 0, 1), cpus_range(&s[1], 0, 1), cpus_range(&s[2], 0, 1); /* unbound */
    CHECK(layout_cpus_parallel(s, 2) == 2 && layout_cpus_parallel(s, 3) == 2);
    /* The union (0-3) is not enough: two threads are pinned to CPU 0. */
    cpus_range(&s[0], 0, 0), cpus_range(&s[1], 0, 0), cpus_range(&s[2], 0, 3);
    CHECK(layout_cpus_parallel(s, 3) == 2);
    /* A matching that needs an augmenting path: greedy gives thread 0 CPU 0. */
    cpus_range(&s[0], 0, 1), cpus_range(&s[1], 0, 0);
    CHECK(layout_cpus_parallel(s, 2) == 2);
    for (int i = 0; i < 8; i++) /* 8 threads, thread i on CPUs i and i+1 of 0..8 */
        cpus_range(&s[i], i, i + 1);
    CHECK(layout_cpus_parallel(s, 8) == 8);
    cpus_range(&s[0], 1000, 1023), cpus_range(&s[1], 1023, 1023);
    CHECK(layout_cpus_parallel(s, 2) == 2 && layout_cpuset_count(&s[0]) == 24);
    CHECK(layout_cpus_parallel(s, 0) == 0);
    layout_cpuset_text(&s[0], text, sizeof text);
    CHECK(strcmp(text, "1000-1023") == 0);
    memset(&s[0], 0, sizeof s[0]);
    for (int c = 0; c < 64; c += 2)
        layout_cpuset_add(&s[0], c);
    layout_cpuset_text(&s[0], text, sizeof text);
    CHECK(strlen(text) < sizeof text && strstr(text, "0,2,4,") == text &&
          strcmp(text + strlen(text) - 3, "...") == 0);
}

/* A thread's body: an HDF5 call from a thread that did not call io_init(). */
static void *io_from_second_thread(void *path)
{
    io_close(io_create(path, IO_COLLECTIVE, IO_CONTIGUOUS));
    return NULL;
}

/* Child process: creates a file from the owner thread (must work), then
 * from a second thread (must end the process). Exits 0 only if both calls
 * returned. */
static _Noreturn void io_owner_child(const char *path, int errfd)
{
    dup2(errfd, STDERR_FILENO);
    io_init();
    io_close(io_create(path, IO_COLLECTIVE, IO_CONTIGUOUS));
    fprintf(stderr, "owner thread: created\n");
    pthread_t t;
    if (pthread_create(&t, NULL, io_from_second_thread, (void *)path) == 0) pthread_join(t, NULL);
    _exit(0);
}

/* HDF5 here is not thread-safe, so io/ refuses any thread but the one that
 * called io_init(): the owner's call works (the guard stays silent where
 * nothing is wrong) and a second thread's call ends the process with a
 * message that names the rule. */
static void test_io_owner_thread(void)
{
    if (!io_available()) return; /* built without HDF5: nothing to guard */
    char path[] = "/tmp/scalekit-test-io-XXXXXX", out[4096] = "";
    int fd = mkstemp(path), pipefd[2] = {-1, -1};
    int ready = fd >= 0 && pipe(pipefd) == 0;
    CHECK(ready);
    if (fd >= 0) close(fd);
    if (!ready) {
        unlink(path);
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) io_owner_child(path, pipefd[1]);
    close(pipefd[1]);
    size_t got = 0;
    ssize_t n;
    while (got < sizeof out - 1 && (n = read(pipefd[0], out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)n;
    close(pipefd[0]);
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) != 0);
    CHECK(strstr(out, "owner thread: created") != NULL);
    CHECK(strstr(out, "HDF5 called from a second thread") != NULL);
    unlink(path);
}

int main(void)
{
    test_decomp_1d();
    test_decomp_block_balance();
    test_decomp_2d();
    test_parse_count();
    test_parse_size();
    test_cli();
    test_cli_derived_size();
    test_kernel_options();
    test_sync_serial();
    test_cli_messages();
    test_cli_long_values();
    test_opt();
    test_msg_quote();
    test_msg_hostname();
    test_check_threads();
    test_jsonl();
    test_json();
    test_stats();
    test_run_init_once();
    test_layout_match();
    test_io_owner_thread();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
