/*
 * test_kernels.c - unit tests for the kernels and the registry, in process.
 *
 * Kernels are driven by a tiny simulated driver: a 1-D domain is dealt to
 * several "ranks" in cyclic blocks, each rank's blocks are cut into spans
 * (standing in for threads) with their own partial results, and partials are
 * combined with the driver rules (count: sum, sum: sum, max: max). The 2-D
 * stencil is run on tiles whose halos this file copies by hand. Invariant:
 * every result must be independent of the split. Exits non-zero on any
 * failure; the last line printed is "N passed, N failed".
 */
#include "kernel.h"
#include "mandelbrot.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tests_passed, tests_failed;

#define CHECK(cond) check_report((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static void check_report(int ok, const char *what, const char *file, int line)
{
    if (ok) {
        tests_passed++;
        return;
    }
    tests_failed++;
    fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

/* ---- simulated driver ------------------------------------------------- */

enum { PHASE_INIT, PHASE_WORK, PHASE_FINISH };

/* The shared cells the simulated driver hands kernels that ask for them:
 * plain adds (one thread), reset by the test. */
enum { SIM_CELLS = 4096 };
static uint64_t sim_cells[SIM_CELLS];
static void sim_add(void *ctx, int64_t cell, uint64_t v)
{
    ((uint64_t *)ctx)[cell] += v;
}
static kernel_shared sim_shared = {sim_cells, SIM_CELLS, sim_add};

/* Run one phase on every span, each span with its own zeroed partial. */
static void spans_apply(const kernel *k, void *st, const kernel_span *sp, size_t n, int phase,
                        kernel_result *acc)
{
    for (size_t i = 0; i < n; i++) {
        kernel_result part;
        memset(&part, 0, sizeof part);
        if (phase == PHASE_INIT)
            k->init(st, &sp[i]);
        else if (phase == PHASE_WORK)
            k->work(st, &sp[i], &part);
        else
            k->finish(st, &sp[i], &part);
        kernel_result_combine(acc, &part); /* the drivers' rule */
    }
}

/* Spans of rank `rank` of `nranks` when blocks of `block` indices of
 * [0, extent) are dealt cyclically, each block cut into pieces of at most
 * `piece` indices; *n gets the span count, *nlocal the owned indices. */
static kernel_span *spans_make(int64_t extent, int nranks, int rank, int64_t block, int64_t piece,
                               size_t *n, int64_t *nlocal)
{
    size_t cap = (size_t)(extent / piece + extent / block + 2), used = 0;
    kernel_span *sp = malloc(cap * sizeof *sp);
    int64_t local = 0;
    for (int64_t b = rank; sp != NULL && b * block < extent; b += nranks) {
        int64_t end = (b + 1) * block < extent ? (b + 1) * block : extent;
        for (int64_t g = b * block; g < end; g += piece) {
            int64_t count = end - g < piece ? end - g : piece;
            sp[used++] = (kernel_span){.global = g, .local = local, .count = count};
            local += count;
        }
    }
    *n = used;
    *nlocal = local;
    return sp;
}

/* Run a 1-D kernel for `runs` runs of p->iters iterations on nranks
 * simulated ranks; out gets the combined result of the last run and, when
 * smp is not NULL, smp the kernel's verify output as the runner samples it.
 * Spans must hold whole items (block and piece multiples of the grain) for
 * kernels that keep per-item results. */
static int run_1d_sampled(const kernel *k, const kernel_params *p, int nranks, int64_t block,
                          int64_t piece, int runs, kernel_result *out, kernel_sampled *smp)
{
    memset(out, 0, sizeof *out);
    if (smp != NULL) kernel_sampled_begin(smp, k, p);
    int64_t extent = k->extent(p, 0);
    for (int rank = 0; rank < nranks; rank++) {
        size_t n;
        kernel_domain d = {.extent = {extent, k->extent(p, 1)}};
        if (k->shared_cells != NULL) {
            sim_shared.ncells = k->shared_cells(p);
            d.shared = &sim_shared;
        }
        kernel_span *sp = spans_make(extent, nranks, rank, block, piece, &n, &d.nlocal);
        void *st = sp != NULL && k->create != NULL ? k->create(p, &d) : NULL;
        if (sp == NULL || (k->create != NULL && st == NULL)) {
            free(sp);
            return -1;
        }
        kernel_result r;
        memset(&r, 0, sizeof r);
        for (int run = 0; run < runs; run++) {
            if (k->init != NULL) spans_apply(k, st, sp, n, PHASE_INIT, &r);
            for (int64_t it = 0; it < p->iters; it++) {
                memset(&r, 0, sizeof r);
                spans_apply(k, st, sp, n, PHASE_WORK, &r);
                if (k->iteration_end != NULL) k->iteration_end(st);
            }
            if (k->finish != NULL) {
                memset(&r, 0, sizeof r);
                spans_apply(k, st, sp, n, PHASE_FINISH, &r);
            }
        }
        kernel_result_combine(out, &r);
        kernel_output o;
        if (smp != NULL && kernel_verify_output(k, st, &o) == 0) kernel_sampled_add(smp, &o);
        if (k->destroy != NULL) k->destroy(st);
        free(sp);
    }
    return 0;
}

static int run_1d(const kernel *k, const kernel_params *p, int nranks, int64_t block, int64_t piece,
                  int runs, kernel_result *out)
{
    return run_1d_sampled(k, p, nranks, block, piece, runs, out, NULL);
}

static kernel_params params_make(const kernel *k, int64_t a, int64_t b, int64_t c, int64_t iters)
{
    kernel_params p = {.size = {a, b, c}, .iters = iters};
    kernel_params_fill(k, &p);
    return p;
}

static kernel_verdict verdict_of(const kernel *k, const kernel_params *p, const kernel_result *r)
{
    kernel_verdict v;
    memset(&v, 0, sizeof v);
    k->verify(p, r, &v);
    return v;
}

static kernel_verdict verdict_sampled(const kernel *k, const kernel_params *p,
                                      const kernel_result *r, const kernel_sampled *s)
{
    kernel_verdict v;
    memset(&v, 0, sizeof v);
    k->verify_sampled(p, r, s, &v);
    return v;
}

/* Result of a single-domain run (one rank, spans of `piece`). */
static kernel_result run_single(const kernel *k, const kernel_params *p, int64_t piece)
{
    kernel_result r;
    if (run_1d(k, p, 1, k->extent(p, 0), piece, 1, &r) != 0) memset(&r, 0xff, sizeof r);
    return r;
}

/* 1 if kernel_params_check() rejects p with a message "NAME: ..." without a newline; when
 * `needle` is not NULL the message must contain it. */
static int rejects(const kernel *k, kernel_params p, const char *needle)
{
    char err[256] = "";
    if (kernel_params_check(k, &p, err, sizeof err) == 0) return 0;
    size_t len = strlen(err), name = strlen(k->name);
    return len > name + 2 && strncmp(err, k->name, name) == 0 && err[name] == ':' &&
           err[len - 1] != '\n' && (needle == NULL || strstr(err, needle) != NULL);
}

/* ---- registry --------------------------------------------------------- */

static void test_registry_table(void)
{
    static const char *const names[] = {"primes", "pi",      "mandelbrot", "stencil",
                                        "triad",  "iobench", "counter",    "latency"};
    enum { N = sizeof names / sizeof names[0] };
    for (size_t i = 0; i < N; i++) {
        const kernel *k = kernel_at(i);
        CHECK(k != NULL && strcmp(k->name, names[i]) == 0);
        CHECK(kernel_find(names[i]) == k);
    }
    CHECK(kernel_at(N) == NULL);
    CHECK(kernel_find("nope") == NULL);
    CHECK(strcmp(kernel_preset_names[KERNEL_PRESET_SMALL], "small") == 0);
    CHECK(strcmp(kernel_preset_names[KERNEL_PRESET_MEDIUM], "medium") == 0);
    CHECK(strcmp(kernel_preset_names[KERNEL_PRESET_LARGE], "large") == 0);
}

static void test_registry_fill(void)
{
    const kernel *m = kernel_find("mandelbrot"), *s = kernel_find("stencil");
    kernel_params p = params_make(m, 800, 0, 0, 0);
    CHECK(p.size[0] == 800 && p.size[1] == 800 && p.size[2] == 1000 && p.iters == 1);
    p = params_make(m, 800, 600, 0, 3);
    CHECK(p.size[1] == 600 && p.size[2] == 1000 && p.iters == 3);
    p = params_make(s, 10, 0, 0, 0);
    CHECK(p.size[0] == 10 && p.size[1] == 10 && p.size[2] == 0 && p.iters == 100);
    p = params_make(kernel_find("primes"), 10, 0, 0, 0);
    CHECK(p.size[1] == 0 && p.size[2] == 0 && p.iters == 1);
}

/* output_uses is the union of the use bits outputs() describes (checked on
 * a state that owns nothing, at the small preset); a STATE output needs
 * init() to rebuild what it does not hold, a ROUNDTRIP one a place for the
 * data read back. */
static void test_registry_uses(const kernel *k)
{
    kernel_params p = {.iters = 0};
    kernel_output o[KERNEL_MAX_OUTPUTS];
    unsigned uses = 0;
    int n = 0;
    memcpy(p.size, k->presets[KERNEL_PRESET_SMALL], sizeof p.size);
    kernel_params_fill(k, &p);
    kernel_domain d = {.extent = {k->extent(&p, 0), k->extent(&p, 1)}};
    void *st = k->create != NULL ? k->create(&p, &d) : NULL;
    if (k->outputs != NULL && (st != NULL || k->create == NULL)) n = k->outputs(st, o);
    for (int i = 0; i < n; i++) {
        uses |= o[i].use;
        CHECK(kernel_type_size(o[i].type) > 0 && (o[i].dims == 1 || o[i].dims == 2));
        CHECK(!(o[i].use & KERNEL_OUT_STATE) || k->init != NULL);
        CHECK(!(o[i].use & KERNEL_OUT_ROUNDTRIP) || o[i].read_into != NULL);
    }
    CHECK(uses == k->output_uses);
    kernel_output found;
    CHECK(k->output_uses == 0 || kernel_output_with(k, st, k->output_uses, &found) == 0);
    CHECK(kernel_output_with(k, st, 0, &found) == -1);
    if (k->destroy != NULL) k->destroy(st);
}

static void test_registry_kernel(const kernel *k)
{
    CHECK(k->summary != NULL && k->size_help != NULL && k->iters_help != NULL);
    CHECK(k->size_dims >= 1 && k->size_dims <= KERNEL_SIZE_DIMS);
    CHECK(k->dims == 1 || (k->dims == 2 && k->halo >= 1 && k->field != NULL));
    CHECK(k->grain >= 1 && k->rate_scale > 0 && k->rate_unit != NULL && k->default_iters >= 1);
    CHECK(k->check && k->extent && k->work && k->work_units);
    /* One judge: verify(), or verification by sampling with all it needs. */
    CHECK((k->verify != NULL) != (k->verify_sampled != NULL));
    if (k->verify_sampled != NULL)
        CHECK(k->verify_output && k->verify_sample && k->outputs && k->create);
    /* State is optional, but create and destroy come as a pair. */
    CHECK((k->create == NULL) == (k->destroy == NULL));
    /* Shared cells need a --sync option, state and summarise(). */
    if (k->shared_cells != NULL) {
        int sync = 0;
        for (int i = 0; k->options != NULL && k->options[i].name != NULL; i++)
            sync += k->options[i].kind == KERNEL_OPTION_SYNC;
        CHECK(sync == 1 && k->create != NULL && k->summarise != NULL);
    }
    for (int i = 0; k->options != NULL && k->options[i].name != NULL; i++) {
        const kernel_option *o = &k->options[i];
        CHECK(i < KERNEL_OPTIONS && o->help != NULL);
        CHECK(o->kind == KERNEL_OPTION_SYNC || (o->choices != NULL && o->choices[0].name != NULL));
    }
    for (int i = 0; i < KERNEL_PRESETS; i++) {
        kernel_params p = {.iters = 0};
        memcpy(p.size, k->presets[i], sizeof p.size);
        kernel_params_fill(k, &p);
        char err[256] = "";
        CHECK(kernel_params_check(k, &p, err, sizeof err) == 0);
    }
    kernel_params ok = params_make(k, 10, 0, 0, 0);
    /* result_counts promises that only count[0..n-1] are ever written: the
     * drivers then reduce nothing else over ranks. */
    CHECK(k->result_counts >= 0 && k->result_counts <= KERNEL_COUNTS);
    if (k->result_counts > 0 && k->dims == 1) {
        kernel_result r = run_single(k, &ok, 3);
        int clean = 1;
        for (int i = k->result_counts; i < KERNEL_COUNTS; i++)
            clean = clean && r.count[i] == 0;
        for (int i = 0; i < KERNEL_SUMS; i++)
            clean = clean && r.sum[i] == 0.0;
        for (int i = 0; i < KERNEL_MAXES; i++)
            clean = clean && r.max[i] == 0.0;
        CHECK(clean && r.count[0] > 0);
    }
    kernel_params bad = ok;
    bad.size[0] = 0;
    CHECK(rejects(k, bad, NULL));
    bad = ok;
    bad.iters = 0;
    CHECK(rejects(k, bad, "iters"));
    for (int i = 1; i < k->size_dims; i++) {
        bad = ok;
        bad.size[i] = -1;
        CHECK(rejects(k, bad, NULL));
    }
    test_registry_uses(k);
}

/* The weak-scaling rule of a made-up kernel with weak_axes = axes over
 * size_dims = 3 numbers {base, base, 7}, grown for p workers. */
static kernel_params weak_grow(int axes, int64_t base, int64_t p, int *rc)
{
    kernel fake = {.name = "fake", .size_dims = 3, .weak_axes = axes};
    kernel_params one = {.size = {base, base, 7}, .iters = 5}, out;
    char err[200] = "";
    *rc = kernel_weak_params(&fake, &one, p, &out, err, sizeof err);
    if (*rc != 0) CHECK(strncmp(err, "fake: ", 6) == 0 && strchr(err, '\n') == NULL);
    return out;
}

/* Kernels that omit weak_axes grow size[0] by p (exactly); 2 axes grow by
 * sqrt(p) each, exact for perfect squares; KERNEL_WEAK_FIXED keeps the size;
 * trailing numbers and iters never change; overflow is an error, not a wrap. */
static void test_registry_weak(void)
{
    int rc;
    kernel_params g = weak_grow(0, 1000, 6, &rc);
    CHECK(rc == 0 && g.size[0] == 6000 && g.size[1] == 1000 && g.size[2] == 7 && g.iters == 5);
    g = weak_grow(2, 1200, 4, &rc);
    CHECK(rc == 0 && g.size[0] == 2400 && g.size[1] == 2400 && g.size[2] == 7);
    g = weak_grow(2, 1200, 2, &rc);
    CHECK(rc == 0 && g.size[0] == 1697 && g.size[1] == 1697); /* 1200*sqrt(2) = 1697.06 */
    g = weak_grow(3, 100, 8, &rc);
    CHECK(rc == 0 && g.size[0] == 200 && g.size[1] == 200 && g.size[2] == 14);
    g = weak_grow(KERNEL_WEAK_FIXED, 1000, 64, &rc);
    CHECK(rc == 0 && g.size[0] == 1000 && g.size[1] == 1000);
    for (int axes = 0; axes <= 2; axes++) {
        g = weak_grow(axes, 1000, 1, &rc);
        CHECK(rc == 0 && g.size[0] == 1000 && g.size[1] == 1000);
    }
    weak_grow(0, INT64_MAX / 3, 4, &rc);
    CHECK(rc == -1);
    weak_grow(2, INT64_C(1) << 61, 9, &rc);
    CHECK(rc == -1);
    weak_grow(0, 10, 0, &rc);
    CHECK(rc == -1);
    /* Every registered kernel: the grown grid has p times the base work,
     * up to rounding of each side. */
    for (size_t i = 0; kernel_at(i) != NULL; i++) {
        const kernel *k = kernel_at(i);
        kernel_params one = params_make(k, 1000, 0, 0, 1), out;
        char err[200], rule[80];
        for (int64_t p = 1; p <= 64; p++) {
            double base = 1, grown = 1;
            CHECK(kernel_weak_params(k, &one, p, &out, err, sizeof err) == 0);
            for (int d = 0; d < k->size_dims; d++) {
                base *= (double)one.size[d];
                grown *= (double)out.size[d];
            }
            CHECK(fabs(grown / base / (double)p - 1.0) < 2e-3);
        }
        CHECK(strlen(kernel_weak_rule(k, rule, sizeof rule)) > 0);
    }
}

/* count and sum add, max keeps the larger (0 is neutral: max[] >= 0). */
static void test_registry_combine(void)
{
    kernel_result a = {.count = {1, 2, 3, 4}, .sum = {0.5, 1, 2, 3}, .max = {1.5, 0}};
    kernel_result b = {.count = {10, 0, 0, UINT64_MAX - 4}, .sum = {0.25}, .max = {1, 2}};
    kernel_result_combine(&a, &b);
    CHECK(a.count[0] == 11 && a.count[1] == 2 && a.count[2] == 3 && a.count[3] == UINT64_MAX);
    CHECK(a.sum[0] == 0.75 && a.sum[1] == 1 && a.sum[3] == 3);
    CHECK(a.max[0] == 1.5 && a.max[1] == 2);
}

static void test_registry(void)
{
    test_registry_table();
    test_registry_combine();
    test_registry_fill();
    test_registry_weak();
    for (size_t i = 0; kernel_at(i) != NULL; i++)
        test_registry_kernel(kernel_at(i));
}

/* ---- primes ----------------------------------------------------------- */

static const uint64_t pi_pow10[] = {0, 4, 25, 168, 1229, 9592, 78498, 664579};

static int primes_verifies(int64_t n, uint64_t count, const char *method)
{
    const kernel *k = kernel_find("primes");
    kernel_params p = params_make(k, n, 0, 0, 1);
    kernel_result r = {.count = {count}};
    kernel_verdict v = verdict_of(k, &p, &r);
    return v.ok && strcmp(v.method, method) == 0 && v.ivalue == count &&
           v.dvalue == (double)count && v.value_is_integer &&
           strcmp(v.value_name, "prime_count") == 0;
}

static void test_primes_table(void)
{
    const kernel *k = kernel_find("primes");
    int64_t n = 1;
    for (int e = 0; e <= 7; e++, n *= 10) {
        char method[32];
        snprintf(method, sizeof method, "table pi(10^%d)", e);
        if (e <= 6) {
            kernel_params p = params_make(k, n, 0, 0, 1);
            kernel_result r = run_single(k, &p, 4096);
            CHECK(r.count[0] == pi_pow10[e]);
        }
        CHECK(primes_verifies(n, pi_pow10[e], method));
        CHECK(!primes_verifies(n, pi_pow10[e] + 1, method));
        /* 10^e is not prime, so the sieve must agree with the table. */
        if (e >= 1) CHECK(primes_verifies(n - 1, pi_pow10[e], "segmented sieve"));
    }
    kernel_params p = params_make(k, 1000000, 0, 0, 1);
    kernel_result r = {.count = {78497}};
    kernel_verdict v = verdict_of(k, &p, &r);
    CHECK(!v.ok && strcmp(v.expected, "78498") == 0 && strcmp(v.got, "78497") == 0);
    /* pi(2^30) = 54400028 (OEIS A007053): the sieve with segments > 32 KiB. */
    CHECK(primes_verifies(INT64_C(1) << 30, 54400028, "segmented sieve"));
}

static void test_primes_sieve(void)
{
    static const int64_t fixed[] = {0,     2,     3,     5,     6,     7,     8,
                                    9,     11,    24,    25,    26,    97,    101,
                                    121,   1023,  1024,  4095,  9973,  10007, 32767,
                                    32768, 32769, 65535, 65536, 65537, 99991, 131071};
    const kernel *k = kernel_find("primes");
    uint64_t seed = 12345;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] + 6; i++) {
        int64_t n =
            (int64_t)i < (int64_t)(sizeof fixed / sizeof fixed[0])
                ? fixed[i]
                : (int64_t)((seed = seed * 6364136223846793005u + 1442695040888963407u) >> 46);
        kernel_params p = params_make(k, n, 0, 0, 1);
        kernel_result r = run_single(k, &p, 1000);
        CHECK(primes_verifies(n, r.count[0], "segmented sieve"));
        CHECK(!primes_verifies(n, r.count[0] + 1, "segmented sieve"));
    }
}

static void test_primes_split(void)
{
    const kernel *k = kernel_find("primes");
    kernel_params p = params_make(k, 200003, 0, 0, 2);
    kernel_result one = run_single(k, &p, 200004), a, b;
    CHECK(run_1d(k, &p, 3, 256, 100, 1, &a) == 0 && a.count[0] == one.count[0]);
    CHECK(run_1d(k, &p, 7, 1000, 333, 2, &b) == 0 && b.count[0] == one.count[0]);
    CHECK(verdict_of(k, &p, &a).ok);
    CHECK(k->extent(&p, 0) == 200004 && k->uneven == 1);
    CHECK(k->work_units(&p, &a) == 200004.0 * 2.0);
    CHECK(rejects(k, params_make(k, INT64_C(1000000000001), 0, 0, 1), "1000000000000"));
    CHECK(!rejects(k, params_make(k, INT64_C(1000000000000), 0, 0, 1), NULL));
}

/* ---- pi --------------------------------------------------------------- */

#define PI_GOLDEN_HITS UINT64_C(785590) /* S = 10^6: fixes the generator */

/* The textbook sample: splitmix64 of the counter, as pi.c's header defines
 * it; an oracle for the kernel's SIMD lanes. */
static uint64_t textbook_pi_hit(uint64_t i)
{
    uint64_t z = UINT64_C(0x5CA1E4B1C05EED00) + (i + 1) * UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    uint64_t u = z >> 33, v = (z >> 2) & UINT64_C(0x7FFFFFFF);
    return u * u + v * v < (UINT64_C(1) << 62);
}

/* Spans of every length 0..200, and of whole items and a sample either
 * side, at offsets 0, near 2^32 and near 2^62: the kernel's hit count equals
 * the textbook loop's (partial lane groups, full rounds of the loop). */
static void test_pi_lanes(void)
{
    const kernel *k = kernel_find("pi");
    static const uint64_t starts[] = {0, 1, 4294967000u, (UINT64_C(1) << 62) - 9000};
    static const uint64_t longer[] = {4095, 4096, 4097, 8191, 8192};
    kernel_params p = params_make(k, INT64_C(1) << 62, 0, 0, 1);
    kernel_domain d = {.extent = {INT64_C(1) << 62, 1}, .nlocal = 8192};
    void *st = k->create(&p, &d);
    int ok = st != NULL;
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        for (uint64_t l = 0; l <= 200 + sizeof longer / sizeof longer[0] && ok; l++) {
            uint64_t n = l <= 200 ? l : longer[l - 201];
            kernel_span sp = {.global = (int64_t)starts[i], .local = 0, .count = (int64_t)n};
            kernel_result part;
            uint64_t want = 0;
            memset(&part, 0, sizeof part);
            for (uint64_t j = 0; j < n; j++)
                want += textbook_pi_hit(starts[i] + j);
            k->work(st, &sp, &part);
            ok = part.count[0] == want;
            if (!ok)
                fprintf(stderr,
                        "pi: span %" PRIu64 "+%" PRIu64 ": %" PRIu64 " hits, want %" PRIu64 "\n",
                        starts[i], n, part.count[0], want);
        }
    CHECK(ok);
    k->destroy(st);
}

/* A sampled verdict after perturbing: the total by dt, the items' sum by ds
 * and sampled element j (when >= 0) by dv. */
static int sampled_ok(const kernel *k, const kernel_params *p, kernel_result r, kernel_sampled s,
                      uint64_t dt, uint64_t ds, int64_t j, uint64_t dv, const char *method)
{
    r.count[0] += dt;
    s.sum += ds;
    if (j >= 0) s.value[j] += dv;
    kernel_verdict v = verdict_sampled(k, p, &r, &s);
    return v.ok && (method == NULL || strstr(v.method, method) != NULL);
}

/* The checks every sampled verification makes, on a correct run (r, s):
 * wrong totals and inconsistent elements fail; a wrong sampled element
 * fails even when summed consistently. */
static void check_sampled(const kernel *k, const kernel_params *p, const kernel_result *r,
                          const kernel_sampled *s, const char *method)
{
    kernel_sampled bad = *s;
    CHECK(sampled_ok(k, p, *r, *s, 0, 0, -1, 0, method));
    CHECK(!sampled_ok(k, p, *r, *s, 1, 0, -1, 0, NULL));               /* total */
    CHECK(!sampled_ok(k, p, *r, *s, r->count[0] + 1, 0, -1, 0, NULL)); /* the hook */
    CHECK(!sampled_ok(k, p, *r, *s, 0, 1, -1, 0, NULL));               /* elements' sum */
    CHECK(!sampled_ok(k, p, *r, *s, 1, 1, 0, 1, NULL));                /* sampled, summed */
    CHECK(!sampled_ok(k, p, *r, *s, 1, 1, s->n - 1, 1, NULL));         /* the last sampled */
    CHECK(!sampled_ok(k, p, *r, *s, UINT64_MAX, UINT64_MAX, 0, UINT64_MAX, NULL)); /* -1 */
    bad.held--;
    CHECK(!verdict_sampled(k, p, r, &bad).ok);
    bad = *s;
    bad.holders[s->n / 2] = 2;
    CHECK(!verdict_sampled(k, p, r, &bad).ok);
    bad = *s;
    bad.min = 0;
    bad.max = UINT64_MAX;
    CHECK(!verdict_sampled(k, p, r, &bad).ok);
}

static void test_pi(void)
{
    const kernel *k = kernel_find("pi");
    kernel_params p = params_make(k, 1000000, 0, 0, 1);
    kernel_result one, a, b;
    kernel_sampled s;
    CHECK(run_1d_sampled(k, &p, 1, 1000000, 4096, 1, &one, &s) == 0);
    CHECK(one.count[0] == PI_GOLDEN_HITS && s.sum == PI_GOLDEN_HITS && s.held == 245);
    CHECK(run_1d(k, &p, 3, 4096, 4096, 1, &a) == 0 && a.count[0] == PI_GOLDEN_HITS);
    CHECK(run_1d(k, &p, 5, 12288, 8192, 2, &b) == 0 && b.count[0] == PI_GOLDEN_HITS);
    kernel_verdict v = verdict_sampled(k, &p, &one, &s);
    CHECK(v.ok && !v.value_is_integer && v.dvalue == 4.0 * 785590.0 / 1e6);
    CHECK(strstr(v.got, "785590") != NULL && strcmp(v.value_name, "pi_estimate") == 0);
    CHECK(strstr(v.method, "recomputed") == v.method);
    check_sampled(k, &p, &one, &s, "recomputed");
    /* Exact, so even 1 hit off fails, well inside 6 sigma (~2463 hits). */
    CHECK(!sampled_ok(k, &p, one, s, 1, 1, -1, 0, NULL));
    /* Beyond full recomputation: 256 sampled items, on 3 ranks. */
    kernel_params q = params_make(k, (INT64_C(1) << 24) + 12345, 0, 0, 1);
    CHECK(run_1d_sampled(k, &q, 3, 4096 * 7, 4096, 1, &a, &s) == 0);
    CHECK(s.n == 256 && s.held == 4100 && s.index[0] == 0 && s.index[255] == 4099);
    check_sampled(k, &q, &a, &s, "256 of 4100 items recomputed");
    /* What sampling cannot catch: a wrong unsampled item, summed consistently. */
    CHECK(sampled_ok(k, &q, a, s, 1, 1, -1, 0, NULL));
    /* The presets are checked against reference hits (here with no items). */
    kernel_params r8 = params_make(k, 80000000, 0, 0, 1);
    kernel_result t = {.count = {62835445}};
    kernel_sampled none = {.sum = 62835445, .held = 19532, .min = 3000, .max = 3300};
    CHECK(sampled_ok(k, &r8, t, none, 0, 0, -1, 0, "reference hits"));
    CHECK(!sampled_ok(k, &r8, t, none, 1, 1, -1, 0, NULL));
    p = params_make(k, 1000000, 0, 0, 3);
    CHECK(k->work_units(&p, &one) == 3e6);
    CHECK(rejects(k, params_make(k, (INT64_C(1) << 62) + 1, 0, 0, 1), "2^62"));
    CHECK(!rejects(k, params_make(k, INT64_C(1) << 62, 0, 0, 1), NULL));
}

/* ---- mandelbrot ------------------------------------------------------- */

static void test_mandelbrot_small(int64_t w, int64_t h, int64_t maxit)
{
    const kernel *k = kernel_find("mandelbrot");
    kernel_params p = params_make(k, w, h, maxit, 2);
    kernel_result one, a, b;
    kernel_sampled s;
    CHECK(run_1d_sampled(k, &p, 1, h, 1, 1, &one, &s) == 0);
    CHECK(run_1d(k, &p, 3, 1, 1, 1, &a) == 0 && a.count[0] == one.count[0]);
    CHECK(run_1d(k, &p, 2, 5, 5, 2, &b) == 0 && b.count[0] == one.count[0]);
    CHECK(one.count[0] >= (uint64_t)(w * h) && one.count[0] <= (uint64_t)(w * h * maxit));
    CHECK(s.sum == one.count[0] && s.held == h && s.min >= (uint64_t)w);
    kernel_verdict v = verdict_sampled(k, &p, &one, &s);
    CHECK(v.ok && strstr(v.method, "recomputed") == v.method && v.ivalue == one.count[0]);
    check_sampled(k, &p, &one, &s, "recomputed");
    CHECK(k->work_units(&p, &one) == (double)one.count[0] * 2.0);
    CHECK(k->extent(&p, 0) == h);
}

/* The textbook escape loop (the definition in mandelbrot.c's header), as an
 * oracle for the kernel's SIMD groups. Built without FMA contraction, like
 * the kernel. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif
static uint32_t textbook_escape(double cr, double ci, uint32_t maxit)
{
    double zr = 0.0, zi = 0.0;
    uint32_t n = 0;
    while (n < maxit) {
        double zr2 = zr * zr, zi2 = zi * zi;
        if (zr2 + zi2 > 4.0) break;
        double zri = zr * zi;
        zi = zri + zri + ci;
        zr = zr2 - zi2 + cr;
        n++;
    }
    return n;
}

/* Row y of a w x h x maxit image: SIMD groups == one pixel at a time ==
 * textbook loop, pixel by pixel, and the returned sums agree. */
static int mandelbrot_row_agrees(int64_t y, int64_t w, int64_t h, uint32_t maxit, uint32_t *fast,
                                 uint32_t *ref)
{
    uint64_t sf = mandelbrot_row(y, w, h, maxit, fast, 0);
    uint64_t sr = mandelbrot_row(y, w, h, maxit, ref, 1);
    uint64_t st = 0;
    double ci = -1.5 + ((double)y + 0.5) * 3.0 / (double)h;
    for (int64_t x = 0; x < w; x++) {
        uint32_t t = textbook_escape(-2.0 + ((double)x + 0.5) * 3.0 / (double)w, ci, maxit);
        st += t;
        if (fast[x] != t || ref[x] != t) {
            fprintf(stderr,
                    "mandelbrot %" PRId64 "x%" PRId64 "x%" PRIu32 " pixel (%" PRId64 ", %" PRId64
                    "): simd %" PRIu32 ", one-pixel %" PRIu32 ", textbook %" PRIu32 "\n",
                    w, h, maxit, x, y, fast[x], ref[x], t);
            return 0;
        }
    }
    return sf == st && sr == st;
}

/* Every row_step-th row and the last one agree. */
static int mandelbrot_rows_agree(int64_t w, int64_t h, uint32_t maxit, int64_t row_step)
{
    uint32_t *fast = malloc((size_t)w * sizeof *fast), *ref = malloc((size_t)w * sizeof *ref);
    int ok = fast != NULL && ref != NULL;
    for (int64_t y = 0; ok && y < h; y += row_step)
        ok = mandelbrot_row_agrees(y, w, h, maxit, fast, ref);
    ok = ok && mandelbrot_row_agrees(h - 1, w, h, maxit, fast, ref);
    free(fast);
    free(ref);
    return ok;
}

/* Widths around the lane counts (2, 4, 8 lanes x 4 vectors), escape limits
 * around the every-8-steps test, every row; then the small preset. */
static void test_mandelbrot_lanes(void)
{
    static const int64_t widths[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 65, 97};
    static const uint32_t limits[] = {1, 2, 7, 8, 9, 16, 17, 100, 1001};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        for (size_t j = 0; j < sizeof limits / sizeof limits[0]; j++)
            CHECK(mandelbrot_rows_agree(widths[i], widths[i] + 3, limits[j], 1));
    CHECK(mandelbrot_rows_agree(600, 600, 1000, 7)); /* every 7th row and the last */
    CHECK(mandelbrot_rows_agree(1, 1, 1, 1) && mandelbrot_row(0, 1, 1, 1, NULL, 0) == 1);
}

/* The outputs describe the memory work() wrote: image rows add up to the
 * row totals, rows map to distinct global rows. */
static void test_mandelbrot_outputs(void)
{
    const kernel *k = kernel_find("mandelbrot");
    kernel_params p = params_make(k, 23, 17, 300, 1);
    kernel_domain d = {.extent = {17, 1}, .nlocal = 17};
    void *st = k->create(&p, &d);
    kernel_output o[KERNEL_MAX_OUTPUTS];
    kernel_result r;
    memset(&r, 0, sizeof r);
    for (int64_t y = 0; y < 17; y++) { /* local row y holds global row 16 - y */
        kernel_span sp = {.global = 16 - y, .local = y, .count = 1};
        k->work(st, &sp, &r);
    }
    CHECK(k->outputs(st, o) == 2 && strcmp(o[0].name, "row_iterations") == 0);
    CHECK(strcmp(o[1].name, "image") == 0 && o[1].dims == 2 && o[1].type == KERNEL_TYPE_U32);
    CHECK(o[1].extent[0] == 17 && o[1].extent[1] == 23 && o[1].rows == 17 && o[1].cols == 23);
    CHECK(kernel_type_size(o[1].type) == 4 && kernel_type_size(o[0].type) == 8);
    uint64_t total = 0;
    for (int64_t l = 0; l < 17; l++) {
        const uint32_t *row = (const uint32_t *)o[1].data + (l + o[1].halo) * o[1].ld + o[1].halo;
        uint64_t sum = 0;
        for (int64_t c = 0; c < o[1].cols; c++)
            sum += row[c];
        CHECK(sum == ((const uint64_t *)o[0].data)[l] && o[1].row_global[l] == 16 - l);
        total += sum;
    }
    CHECK(total == r.count[0]);
    k->destroy(st);
}

static void test_mandelbrot(void)
{
    const kernel *k = kernel_find("mandelbrot");
    test_mandelbrot_small(64, 48, 200);
    test_mandelbrot_small(37, 53, 1000);
    test_mandelbrot_outputs();
    kernel_params p = params_make(k, k->presets[KERNEL_PRESET_SMALL][0], 0, 0, 1);
    kernel_result r;
    kernel_sampled s;
    CHECK(run_1d_sampled(k, &p, 2, 1, 1, 1, &r, &s) == 0);
    check_sampled(k, &p, &r, &s, "reference total");
    /* Beyond the tables and full recomputation: sampled rows. */
    p = params_make(k, 40, 30, 50000, 1);
    CHECK(run_1d_sampled(k, &p, 3, 2, 1, 1, &r, &s) == 0);
    CHECK(s.n == 16 && s.index[0] == 0 && s.index[1] == 1 && s.index[15] == 29);
    check_sampled(k, &p, &r, &s, "16 of 30 rows recomputed");
    CHECK(sampled_ok(k, &p, r, s, 1, 1, -1, 0, NULL)); /* cannot catch: see test_pi */
    p = params_make(k, 1000, 9000, 100000, 1);         /* 1 row in 64 sampled */
    CHECK(k->verify_sample(&p, s.index, KERNEL_MAX_SAMPLES) == 140);
    CHECK(rejects(k, params_make(k, (1 << 20) + 1, 1, 1, 1), "W="));
    CHECK(rejects(k, params_make(k, 1, (1 << 20) + 1, 1, 1), "H="));
    CHECK(rejects(k, params_make(k, 1, 1, (INT64_C(1) << 31) + 1, 1), "MAXIT="));
    CHECK(rejects(k, params_make(k, 1 << 20, 1 << 20, INT64_C(1) << 31, 1 << 30), "overflows"));
}

/* 1 if every rank of a p-way block deal of n indices holds one of idx[0..k). */
static int sample_hits_blocks(const int64_t *idx, int64_t k, int64_t n, int64_t p)
{
    for (int64_t r = 0; r < p; r++) {
        int64_t lo = n / p * r + n % p * r / p, hi = n / p * (r + 1) + n % p * (r + 1) / p;
        int hit = lo == hi; /* an empty block (p > n) holds nothing to sample */
        for (int64_t i = 0; i < k && !hit; i++)
            hit = idx[i] >= lo && idx[i] < hi;
        if (!hit) return 0;
    }
    return 1;
}

/* The fixed sample: increasing, in range, both ends, every block of a block
 * deal over up to want/2 - 1 ranks. */
static void test_sample_spread(void)
{
    int64_t idx[KERNEL_MAX_SAMPLES];
    CHECK(kernel_sample_spread(5, 16, idx, KERNEL_MAX_SAMPLES) == 5 && idx[4] == 4);
    CHECK(kernel_sample_spread(0, 16, idx, KERNEL_MAX_SAMPLES) == 0);
    CHECK(kernel_sample_spread(1, 16, idx, KERNEL_MAX_SAMPLES) == 1 && idx[0] == 0);
    for (int64_t n = 2; n < 3000; n += 97)
        for (int64_t want = 1; want <= 300; want += 37) {
            int64_t k = kernel_sample_spread(n, want, idx, KERNEL_MAX_SAMPLES);
            int64_t w = want < KERNEL_MAX_SAMPLES ? want : KERNEL_MAX_SAMPLES;
            int ok = k >= 1 && k <= w && idx[0] == 0 && idx[k - 1] == (w >= 2 ? n - 1 : 0);
            for (int64_t i = 1; i < k && ok; i++)
                ok = idx[i] > idx[i - 1] && idx[i] < n;
            if (w >= 4 && w < n) ok = ok && idx[1] == 1 && idx[k - 2] == n - 2;
            for (int64_t p = 1; p <= w / 2 - 1 && ok; p++)
                ok = sample_hits_blocks(idx, k, n, p);
            CHECK(ok);
        }
    int64_t big = INT64_C(1) << 60;
    CHECK(kernel_sample_spread(big, 256, idx, KERNEL_MAX_SAMPLES) == 256 && idx[255] == big - 1);
    CHECK(sample_hits_blocks(idx, 256, big, 127) && idx[2] == big / 127);
}

/* ---- stencil ---------------------------------------------------------- */

/* A tile of a 2-D decomposition with its own state and spans of rows. */
typedef struct tile {
    kernel_domain d;
    void *st;
    kernel_span *sp;
    size_t nsp;
} tile;

static double *field_at(const kernel_field *f, int64_t r, int64_t c)
{
    return f->data + (r + f->halo) * f->ld + (c + f->halo);
}

/* Copy into tile t's halo the neighbours' owned edge cells (current grids).
 * Tiles form a tr x tc grid, row-major in ts. */
static void halo_copy(const kernel *k, tile *ts, int tr, int tc, int a, int b)
{
    kernel_field f, n;
    k->field(ts[a * tc + b].st, &f);
    if (a > 0) {
        k->field(ts[(a - 1) * tc + b].st, &n);
        for (int64_t c = 0; c < f.cols; c++)
            *field_at(&f, -1, c) = *field_at(&n, n.rows - 1, c);
    }
    if (a < tr - 1) {
        k->field(ts[(a + 1) * tc + b].st, &n);
        for (int64_t c = 0; c < f.cols; c++)
            *field_at(&f, f.rows, c) = *field_at(&n, 0, c);
    }
    if (b > 0) {
        k->field(ts[a * tc + b - 1].st, &n);
        for (int64_t r = 0; r < f.rows; r++)
            *field_at(&f, r, -1) = *field_at(&n, r, n.cols - 1);
    }
    if (b < tc - 1) {
        k->field(ts[a * tc + b + 1].st, &n);
        for (int64_t r = 0; r < f.rows; r++)
            *field_at(&f, r, f.cols) = *field_at(&n, r, 0);
    }
}

/* Spans of `piece` rows over a tile's rows; NULL when out of memory. */
static kernel_span *tile_spans(const kernel_domain *d, int64_t piece, size_t *n)
{
    int64_t rows = d->hi[0] - d->lo[0];
    kernel_span *sp = malloc((size_t)(rows / piece + 1) * sizeof *sp);
    *n = 0;
    for (int64_t r = 0; sp != NULL && r < rows; r += piece) {
        int64_t count = rows - r < piece ? rows - r : piece;
        sp[(*n)++] = (kernel_span){.global = d->lo[0] + r, .local = r, .count = count};
    }
    return sp;
}

/* One run (init, iters sweeps with halo exchange, finish) on all tiles. */
static void tiles_run(const kernel *k, const kernel_params *p, tile *ts, int tr, int tc,
                      kernel_result *out)
{
    int nt = tr * tc;
    kernel_result dummy;
    memset(&dummy, 0, sizeof dummy);
    memset(out, 0, sizeof *out);
    for (int t = 0; t < nt; t++)
        spans_apply(k, ts[t].st, ts[t].sp, ts[t].nsp, PHASE_INIT, &dummy);
    for (int64_t it = 0; it < p->iters; it++) {
        for (int t = 0; t < nt; t++)
            halo_copy(k, ts, tr, tc, t / tc, t % tc);
        for (int t = 0; t < nt; t++)
            spans_apply(k, ts[t].st, ts[t].sp, ts[t].nsp, PHASE_WORK, &dummy);
        for (int t = 0; t < nt; t++)
            k->iteration_end(ts[t].st);
    }
    for (int t = 0; t < nt; t++)
        spans_apply(k, ts[t].st, ts[t].sp, ts[t].nsp, PHASE_FINISH, out);
}

/* Run stencil `runs` times on tiles cut at rcut[0..tr] x ccut[0..tc]. */
static int run_tiles(const kernel_params *p, const int64_t *rcut, int tr, const int64_t *ccut,
                     int tc, int64_t piece, int runs, kernel_result *out)
{
    const kernel *k = kernel_find("stencil");
    tile ts[16];
    int nt = tr * tc, ok = 1;
    for (int t = 0; t < nt; t++) {
        int a = t / tc, b = t % tc;
        ts[t].d = (kernel_domain){.extent = {p->size[0], p->size[1]},
                                  .lo = {rcut[a], ccut[b]},
                                  .hi = {rcut[a + 1], ccut[b + 1]}};
        ts[t].d.nlocal = (rcut[a + 1] - rcut[a]) * (ccut[b + 1] - ccut[b]);
        ts[t].st = k->create(p, &ts[t].d);
        ts[t].sp = tile_spans(&ts[t].d, piece, &ts[t].nsp);
        ok = ok && ts[t].st != NULL && ts[t].sp != NULL;
    }
    for (int run = 0; ok && run < runs; run++)
        tiles_run(k, p, ts, tr, tc, out);
    for (int t = 0; t < nt; t++) {
        if (ts[t].st != NULL) k->destroy(ts[t].st);
        free(ts[t].sp);
    }
    return ok ? 0 : -1;
}

/* Brute-force sum of the exact solution L + lambda^I * S over all cells. */
static double stencil_exact_checksum(int64_t n, int64_t m, int64_t iters)
{
    const double pi = 3.14159265358979323846;
    double hx = 1.0 / (double)(n + 1), hy = 1.0 / (double)(m + 1);
    double decay = pow((cos(pi * hx) + cos(pi * hy)) / 2.0, (double)iters), sum = 0.0;
    for (int64_t i = 1; i <= n; i++)
        for (int64_t j = 1; j <= m; j++)
            sum += (double)i * hx + (double)j * hy +
                   decay * sin(pi * (double)i * hx) * sin(pi * (double)j * hy);
    return sum;
}

static int close_rel(double a, double b, double rel)
{
    return fabs(a - b) <= rel * fabs(b);
}

static void test_stencil_exact(void)
{
    const kernel *k = kernel_find("stencil");
    kernel_params p = params_make(k, 17, 23, 0, 50);
    const int64_t r1[] = {0, 17}, c1[] = {0, 23};
    kernel_result one, spans5, twice;
    CHECK(run_tiles(&p, r1, 1, c1, 1, 1, 1, &one) == 0);
    CHECK(one.count[0] == 17 * 23 && one.max[0] <= 1e-12);
    CHECK(close_rel(one.sum[0], stencil_exact_checksum(17, 23, 50), 1e-12));
    kernel_verdict v = verdict_of(k, &p, &one);
    CHECK(v.ok && v.dvalue == one.sum[0] && strcmp(v.value_name, "checksum") == 0);
    CHECK(run_tiles(&p, r1, 1, c1, 1, 5, 1, &spans5) == 0);
    CHECK(spans5.max[0] == one.max[0] && close_rel(spans5.sum[0], one.sum[0], 1e-14));
    CHECK(run_tiles(&p, r1, 1, c1, 1, 17, 2, &twice) == 0); /* init resets state */
    CHECK(twice.max[0] == one.max[0] && close_rel(twice.sum[0], one.sum[0], 1e-14));
    kernel_params odd = params_make(k, 17, 23, 0, 7); /* grids swapped after a run */
    CHECK(run_tiles(&odd, r1, 1, c1, 1, 4, 1, &one) == 0);
    CHECK(run_tiles(&odd, r1, 1, c1, 1, 4, 3, &twice) == 0);
    CHECK(twice.max[0] == one.max[0] && twice.sum[0] == one.sum[0]);
    CHECK(verdict_of(k, &odd, &twice).ok);
    kernel_params q = params_make(k, 1, 1, 0, 10);
    CHECK(run_tiles(&q, (const int64_t[]){0, 1}, 1, (const int64_t[]){0, 1}, 1, 1, 1, &one) == 0);
    CHECK(verdict_of(k, &q, &one).ok);
}

/* Output "u" of a tile describes the tile's current field: the same cells
 * at the same place in the global grid. */
static void test_stencil_outputs(void)
{
    const kernel *k = kernel_find("stencil");
    kernel_params p = params_make(k, 17, 23, 0, 3);
    kernel_domain d = {.extent = {17, 23}, .lo = {5, 11}, .hi = {12, 23}, .nlocal = 7 * 12};
    void *st = k->create(&p, &d);
    kernel_output o[KERNEL_MAX_OUTPUTS];
    kernel_field f;
    kernel_span sp = {.global = 5, .local = 0, .count = 7};
    kernel_result r;
    memset(&r, 0, sizeof r);
    k->init(st, &sp);
    k->work(st, &sp, &r);
    k->iteration_end(st);
    k->field(st, &f);
    CHECK(k->outputs(st, o) == 1 && strcmp(o[0].name, "u") == 0 && o[0].type == KERNEL_TYPE_F64);
    CHECK(o[0].dims == 2 && o[0].extent[0] == 17 && o[0].extent[1] == 23);
    CHECK(o[0].rows == 7 && o[0].cols == 12 && o[0].row0 == 5 && o[0].col0 == 11);
    CHECK(o[0].row_global == NULL && o[0].halo == 1);
    int same = 1;
    for (int64_t r0 = 0; r0 < o[0].rows; r0++)
        for (int64_t c = 0; c < o[0].cols; c++)
            same =
                same && ((const double *)o[0].data)[(r0 + o[0].halo) * o[0].ld + c + o[0].halo] ==
                            *field_at(&f, r0, c);
    CHECK(same);
    k->destroy(st);
}

static void test_stencil_tiles(void)
{
    const kernel *k = kernel_find("stencil");
    kernel_params p = params_make(k, 17, 23, 0, 50);
    const int64_t r1[] = {0, 17}, c1[] = {0, 23};
    const int64_t r2[] = {0, 8, 17}, c2[] = {0, 11, 23}, r3[] = {0, 1, 9, 17};
    kernel_result one, quad, six;
    CHECK(run_tiles(&p, r1, 1, c1, 1, 1, 1, &one) == 0);
    CHECK(run_tiles(&p, r2, 2, c2, 2, 3, 1, &quad) == 0);
    CHECK(run_tiles(&p, r3, 3, c2, 2, 2, 2, &six) == 0);
    CHECK(quad.count[0] == one.count[0] && six.count[0] == one.count[0]);
    CHECK(quad.max[0] == one.max[0] && six.max[0] == one.max[0]);
    CHECK(close_rel(quad.sum[0], one.sum[0], 1e-12) && close_rel(six.sum[0], one.sum[0], 1e-12));
    CHECK(verdict_of(k, &p, &quad).ok && verdict_of(k, &p, &six).ok);
}

static void test_stencil_verdicts(void)
{
    const kernel *k = kernel_find("stencil");
    kernel_params p = params_make(k, 17, 23, 0, 50);
    const int64_t r1[] = {0, 17}, c1[] = {0, 23};
    kernel_result r;
    CHECK(run_tiles(&p, r1, 1, c1, 1, 1, 1, &r) == 0);
    kernel_result bad = r;
    bad.max[0] = 2e-10;
    CHECK(!verdict_of(k, &p, &bad).ok);
    bad = r;
    bad.count[0]--;
    CHECK(!verdict_of(k, &p, &bad).ok);
    bad = r;
    bad.sum[0] += 0.01;
    CHECK(!verdict_of(k, &p, &bad).ok);
    CHECK(k->work_units(&p, &r) == 17.0 * 23.0 * 50.0);
    CHECK(k->extent(&p, 0) == 17 && k->extent(&p, 1) == 23);
    kernel_domain d = {.lo = {0, 0}, .hi = {17, 23}};
    CHECK(k->local_bytes(&p, &d) >= 2.0 * 19.0 * 25.0 * 8.0);
    CHECK(rejects(k, params_make(k, INT64_C(3000000000), 0, 0, 1), "N=3000000000"));
    CHECK(rejects(k, params_make(k, 10, (INT64_C(1) << 31) + 1, 0, 1), "M="));
    CHECK(rejects(k, params_make(k, INT64_C(1) << 31, INT64_C(1) << 31, 0, 1), NULL));
    CHECK(!rejects(k, params_make(k, INT64_C(1) << 29, INT64_C(1) << 29, 0, 1), NULL));
}

/* ---- triad ------------------------------------------------------------ */

static void test_triad(void)
{
    const kernel *k = kernel_find("triad");
    kernel_params p = params_make(k, 100003, 0, 0, 3);
    kernel_result one = run_single(k, &p, 8192), a;
    CHECK(run_1d(k, &p, 3, 8192, 1000, 2, &a) == 0);
    CHECK(memcmp(one.count, a.count, sizeof a.count) == 0 && one.sum[0] == a.sum[0] &&
          one.sum[1] == a.sum[1] && one.sum[2] == a.sum[2]);
    kernel_verdict v = verdict_of(k, &p, &one);
    CHECK(v.ok && v.dvalue == one.sum[0] && strcmp(v.value_name, "checksum_a") == 0);
    kernel_result bad = one;
    bad.sum[1] += 1.0;
    CHECK(!verdict_of(k, &p, &bad).ok);
    bad = one;
    bad.count[0]--;
    CHECK(!verdict_of(k, &p, &bad).ok);
    for (int64_t n = 1; n <= 40; n++) { /* every remainder of the closed forms */
        kernel_params q = params_make(k, n, 0, 0, 1);
        kernel_result r = run_single(k, &q, 3);
        CHECK(verdict_of(k, &q, &r).ok);
    }
    CHECK(k->work_units(&p, &one) == 24.0 * 100003.0 * 3.0);
    kernel_domain d = {.extent = {100003, 1}, .nlocal = 5000};
    CHECK(k->local_bytes(&p, &d) == 24.0 * 5000.0);
    CHECK(rejects(k, params_make(k, (INT64_C(1) << 40) + 1, 0, 0, 1), "2^40"));
    CHECK(rejects(k, params_make(k, INT64_C(1) << 40, 0, 0, INT64_C(1) << 20), "iters"));
    CHECK(!rejects(k, params_make(k, INT64_C(1) << 40, 0, 0, 1000), NULL));
}

/* ---- iobench ---------------------------------------------------------- */

/* One domain of iobench at `bytes`: init, then `copy` = perfect I/O (the
 * written array arrives in the read-back one), `flip` elements damaged;
 * returns the verdict of one work() pass. */
static int iobench_round(int64_t bytes, int copy, int64_t flip)
{
    const kernel *k = kernel_find("iobench");
    kernel_params p = params_make(k, bytes, 0, 0, 1);
    int64_t rows = k->extent(&p, 0), n = bytes / 8;
    kernel_domain d = {.extent = {rows, 1}, .nlocal = rows};
    kernel_span sp = {.global = 0, .local = 0, .count = rows};
    void *st = k->create(&p, &d);
    kernel_output o;
    kernel_result r;
    memset(&r, 0, sizeof r);
    k->init(st, &sp);
    CHECK(kernel_output_with(k, st, KERNEL_OUT_ROUNDTRIP, &o) == 0);
    CHECK(o.rows == rows && o.extent[0] == rows && o.cols * rows == n && o.row_global[0] == 0);
    if (copy) memcpy(o.read_into, o.data, (size_t)n * 8);
    for (int64_t i = 0; i < flip && i < n; i++)
        ((uint64_t *)o.read_into)[(i * 7919) % n] ^= 1;
    k->work(st, &sp, &r);
    int ok = verdict_of(k, &p, &r).ok;
    memset(&r, 0, sizeof r);
    k->work(st, &sp, &r); /* work() poisons what it checked: a second pass fails */
    ok = ok && !verdict_of(k, &p, &r).ok && r.count[0] == (uint64_t)n;
    k->destroy(st);
    return ok;
}

static void test_iobench(void)
{
    const kernel *k = kernel_find("iobench");
    static const int64_t sizes[] = {32768, 65536, 16 * 32768 + 32768, 3 * 16 * 32768};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        CHECK(iobench_round(sizes[i], 1, 0));
        CHECK(!iobench_round(sizes[i], 1, 1)); /* one wrong element fails */
        CHECK(!iobench_round(sizes[i], 0, 0)); /* nothing read back fails */
    }
    kernel_params p = params_make(k, 1 << 20, 0, 0, 1);
    kernel_result one = run_single(k, &p, 16);
    CHECK(!verdict_of(k, &p, &one).ok); /* no I/O in this simulated driver */
    CHECK(k->work_units(&p, &one) == 2.0 * (1 << 20));
    CHECK(rejects(k, params_make(k, 1000, 0, 0, 1), "multiple of 32Ki"));
    CHECK(rejects(k, params_make(k, (INT64_C(1) << 50) + 32768, 0, 0, 1),
                  "--size BYTES=1125899906875392 is too large: the limit is BYTES <= "
                  "1125899906842624 (2^50"));
}

/* ---- counter ---------------------------------------------------------- */

/* Counter run on 3 simulated ranks: the summary of the shared cells. */
static kernel_verdict counter_run(const kernel *k, kernel_params *p, int perturb)
{
    kernel_result r, unused;
    memset(sim_cells, 0, sizeof sim_cells);
    memset(&r, 0, sizeof r);
    int ran = run_1d(k, p, 3, 4096, 1000, 1, &unused) == 0;
    CHECK(ran);
    int64_t n = k->shared_cells(p);
    if (perturb == 1) sim_cells[n - 1]--;                 /* a lost update */
    if (perturb == 2) sim_cells[0]--, sim_cells[n - 1]++; /* one in the wrong bin */
    if (perturb == 3) sim_cells[0]++;                     /* one too many */
    k->summarise(p, sim_cells, n, &r);
    return verdict_of(k, p, &r);
}

static void test_counter(void)
{
    const kernel *k = kernel_find("counter");
    static const int64_t ns[] = {1, 2, 5, 4095, 4096, 4097, 10000, 12289};
    for (int variant = 0; variant < 2; variant++)
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            kernel_params p = params_make(k, ns[i], 0, 0, 3);
            p.opt[1] = variant;
            CHECK(k->shared_cells(&p) == (variant ? 4096 : 1));
            kernel_verdict v = counter_run(k, &p, 0);
            CHECK(v.ok && v.ivalue == (uint64_t)ns[i] * 3);
            CHECK(!counter_run(k, &p, 1).ok);
            CHECK(!counter_run(k, &p, 3).ok);
            if (variant == 1) CHECK(!counter_run(k, &p, 2).ok); /* total right, bins wrong */
        }
    kernel_params p = params_make(k, 1000, 0, 0, 2);
    kernel_domain d = {.extent = {1000, 1}};
    CHECK(k->create(&p, &d) == NULL); /* no shared cells: refuse, never crash */
    CHECK(k->work_units(&p, NULL) == 2000.0);
    CHECK(rejects(k, params_make(k, INT64_C(1) << 57, 0, 0, 1),
                  "--size N=144115188075855872 is too large: the limit is N <= "
                  "72057594037927936 (2^56"));
    CHECK(!rejects(k, params_make(k, INT64_C(1) << 50, 0, 0, 64), NULL));
    CHECK(rejects(k, params_make(k, INT64_C(1) << 50, 0, 0, 65),
                  "--iters 65 is too large: the limit is 64 for this size"));
}

/* ---- latency ---------------------------------------------------------- */

static void test_latency(void)
{
    const kernel *k = kernel_find("latency");
    for (int mode = 0; mode < 2; mode++) /* threads, cooperative */
        for (int64_t t = 1; t <= 9; t += 4) {
            kernel_params p = params_make(k, t, 50, 100, 2), one;
            kernel_result r, a;
            p.opt[0] = mode;
            one = p;
            CHECK(run_1d(k, &p, 3, 2, 1, 2, &r) == 0);
            CHECK(run_1d(k, &one, 1, t, 1, 1, &a) == 0);
            kernel_verdict v = verdict_of(k, &p, &r);
            CHECK(v.ok && v.ivalue == (uint64_t)t * 2 && r.count[1] == a.count[1]);
            kernel_result bad = r;
            bad.count[0]--; /* a task lost */
            CHECK(!verdict_of(k, &p, &bad).ok);
            bad = r;
            bad.count[1]++; /* a wrong value */
            CHECK(!verdict_of(k, &p, &bad).ok);
        }
    kernel_params p = params_make(k, 32, 0, 0, 0);
    CHECK(p.size[1] == 20000 && p.size[2] == 20000 && p.iters == 1);
    CHECK(k->work_units(&p, NULL) == 32.0);
    CHECK(rejects(k, params_make(k, 2000000, 1, 1, 1),
                  "--size T=2000000 is too large: the limit is T <= 1000000"));
    CHECK(rejects(k, params_make(k, 10, 100000000, 1, 1),
                  "--size L=100000000 is too large: the limit is L <= 60000000"));
    CHECK(rejects(k, params_make(k, 10, 1, 200000000, 1),
                  "--size C=200000000 is too large: the limit is C <= 100000000"));
    CHECK(rejects(k, params_make(k, 1000000, 1, 100000, 1),
                  "--size 1000000x1x100000 is too large: the limit is T*C <= 20000000000"));
    CHECK(!rejects(k, params_make(k, 1000000, 60000000, 20000, 1), NULL));
}

/* ---- run-time estimates ------------------------------------------------ */

/* est_seconds() is conservative: at each preset it lies between the
 * single-thread time measured on the development VM (documented next to the
 * presets) and 5 times that, and sizes of days say so. */
static void test_estimates(void)
{
    static const struct {
        const char *name;
        double seconds[KERNEL_PRESETS];
    } measured[] = {
        {"primes", {0.21, 2.0, 20.4}},   {"pi", {0.2, 2.0, 20}},
        {"mandelbrot", {0.21, 1.9, 20}}, {"stencil", {0.18, 1.8, 22.8}},
        {"triad", {0.15, 2.2, 11.6}},
    };
    for (size_t i = 0; i < sizeof measured / sizeof measured[0]; i++) {
        const kernel *k = kernel_find(measured[i].name);
        CHECK(k != NULL && k->est_seconds != NULL);
        if (k == NULL || k->est_seconds == NULL) continue;
        for (int p = 0; p < KERNEL_PRESETS; p++) {
            kernel_params q = {.iters = 0};
            memcpy(q.size, k->presets[p], sizeof q.size);
            kernel_params_fill(k, &q);
            double est = k->est_seconds(&q), t = measured[i].seconds[p];
            CHECK(est >= t && est <= 5.0 * t);
        }
    }
    CHECK(kernel_find("primes")->est_seconds(
              &(kernel_params){.size = {INT64_C(1000000000000)}, .iters = 1}) > 86400.0);
    CHECK(kernel_find("pi")->est_seconds(
              &(kernel_params){.size = {INT64_C(1000000000000000000)}, .iters = 1}) > 86400.0);
}

int main(void)
{
    test_registry();
    test_primes_table();
    test_primes_sieve();
    test_primes_split();
    test_pi();
    test_pi_lanes();
    test_mandelbrot();
    test_mandelbrot_lanes();
    test_sample_spread();
    test_stencil_exact();
    test_stencil_tiles();
    test_stencil_outputs();
    test_stencil_verdicts();
    test_triad();
    test_counter();
    test_latency();
    test_estimates();
    test_iobench();
    printf("%d passed, %d failed\n", tests_passed, tests_failed);
    return tests_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
