/*
 * test_drivers.c - unit tests of the model-independent driver pieces:
 * decomposition arithmetic, command-line parsing, the JSON builder and the
 * timing statistics. Runs in one process with the serial comm/par layers.
 * Last line: "N passed, N failed".
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decomp.h"
#include "harness.h"
#include "json.h"
#include "run.h"

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

static void test_decomp_2d(void)
{
    int dims[2];
    decomp_dims(4, dims);
    CHECK(dims[0] == 2 && dims[1] == 2);
    decomp_dims(6, dims);
    CHECK(dims[0] == 3 && dims[1] == 2);
    decomp_dims(7, dims);
    CHECK(dims[0] == 7 && dims[1] == 1);
    for (int p = 1; p <= 8; p++) {
        int64_t cells = 0;
        for (int r = 0; r < p; r++) {
            decomp_2d d;
            decomp_2d_init(&d, 13, 11, r, p);
            cells += (d.hi[0] - d.lo[0]) * (d.hi[1] - d.lo[1]);
            /* Neighbours are mutual. */
            if (d.neighbor[1] >= 0) {
                decomp_2d e;
                decomp_2d_init(&e, 13, 11, d.neighbor[1], p);
                CHECK(e.neighbor[0] == r && e.lo[0] == d.hi[0] && e.lo[1] == d.lo[1]);
            }
            if (d.neighbor[3] >= 0) {
                decomp_2d e;
                decomp_2d_init(&e, 13, 11, d.neighbor[3], p);
                CHECK(e.neighbor[2] == r && e.lo[1] == d.hi[1] && e.lo[0] == d.lo[0]);
            }
        }
        CHECK(cells == 13 * 11);
    }
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
}

static int parse(const char *line, cli_options *o, char *err, size_t n)
{
    char buf[512], *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "prog %s", line);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t && argc < 31;
         t = strtok_r(NULL, " ", &save))
        argv[argc++] = t;
    argv[argc] = NULL;
    return cli_parse(argc, argv, o, err, n);
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

int main(void)
{
    test_decomp_1d();
    test_decomp_block_balance();
    test_decomp_2d();
    test_parse_count();
    test_parse_size();
    test_cli();
    test_json();
    test_stats();
    test_run_init_once();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
