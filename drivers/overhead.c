/*
 * overhead.c - scalekit-overhead, the fifth executable: what threads and
 * processes cost before any computing happens, measured the EPCC / OSU way.
 *
 *   startup   create+join of a POSIX thread; an OpenMP parallel region
 *             (fork/join of W threads); fork + wait of a process; posix_spawn
 *             of a program (/bin/true) + wait; an empty call (the reference)
 *   sync      an OpenMP barrier of W threads vs MPI_Barrier of W ranks
 *   exchange  8 B .. --max-bytes: two threads passing a buffer through shared
 *             memory vs an MPI ping-pong of ranks 0 and 1: latency (round
 *             trip / 2) and bandwidth (windows of 64 messages in flight)
 *
 * W is the number of MPI ranks (2 when started without mpirun). The wall time
 * of launching an N-rank mpirun is measured by the front end, which times
 * `mpirun -np N scalekit-overhead --noop` (MPI_Init + MPI_Finalize only).
 *
 * Why an executable of its own and not a kernel: a kernel computes on spans of
 * a decomposed domain and never starts threads or processes or sends
 * messages; these probes time exactly those things, so as kernels they would
 * bend the contract. They use the same layers (threads through par.c, MPI
 * through comm.c), the same harness (harness_calibrate, harness_sample) and
 * write JSON Lines records ("record": "overhead") with the same provenance.
 *
 * Method: per variant one untimed first pass, inner repetitions calibrated
 * until a sample lasts >= --min-ms, then --reps samples taken in interleaved
 * rounds (A B C A B C ...); median and spread of the per-operation times.
 * Thread and process variants run on rank 0 while the other ranks sleep in a
 * quiet barrier; MPI variants run on every rank.
 *
 * Invariant: every rank builds the same variant list from argv and the rank
 * count and makes the same harness calls, so the collectives stay matched;
 * rank 0 alone prints and writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_info.h"
#include "cli.h"
#include "comm.h"
#include "harness.h"
#include "json.h"
#include "jsonl.h"
#include "msg.h"
#include "opt.h"
#include "par.h"
#include "record.h"
#include "version.h"

extern char **environ;

enum { OVH_STARTUP = 1, OVH_SYNC = 2, OVH_EXCHANGE = 4, OVH_ALL = 7 };
enum { OVH_MAX_VARIANTS = 160, OVH_WINDOW = 64 };

static const char ovh_program[] = "/bin/true"; /* what the spawn probe starts */

typedef struct ovh_options {
    int bench; /* OVH_* bits */
    int64_t reps;
    double min_s; /* calibration target per sample */
    int64_t max_bytes;
    const char *output;
    int noop, help, version, list;
} ovh_options;

/* How a variant's headline figure derives from its seconds per operation. */
typedef enum ovh_kind { OVH_TIME, OVH_LATENCY, OVH_BANDWIDTH } ovh_kind;

typedef struct ovh_variant {
    const char *bench, *name, *what;
    ovh_kind kind;
    int workers;   /* threads or ranks taking part */
    int64_t bytes; /* exchange: message size, else 0 */
    int window;    /* bandwidth: messages per window, else 0 */
    int group;     /* variants of one group are sampled in interleaved rounds */
    harness_op op;
    double *samples; /* seconds per operation, one per round */
    double *value;   /* the headline figure per round */
    harness_stats time, stats;
} ovh_variant;

typedef struct ovh_run {
    ovh_options opt;
    int threads, ranks;
    ovh_variant v[OVH_MAX_VARIANTS];
    int n;
    int64_t sizes[64]; /* exchange message sizes; ctx of the exchange ops */
    jsonl_file out;    /* rank 0: --output, opened before any work */
    int oversubscribed;
    char oversubscribed_msg[320];
} ovh_run;

/* ---- the probes (harness_op run functions) ------------------------------- */

static void ovh_nothing(void) {}
static void (*volatile ovh_call)(void) = ovh_nothing;

static double ovh_reference(void *ctx, int64_t n)
{
    double t0 = harness_now();
    (void)ctx;
    for (int64_t i = 0; i < n; i++)
        ovh_call();
    return harness_now() - t0;
}

static double ovh_thread(void *ctx, int64_t n)
{
    double t0 = harness_now();
    (void)ctx;
    return par_thread_create_join(n) == 0 ? harness_now() - t0 : -1.0;
}

static double ovh_region(void *ctx, int64_t n)
{
    double t0 = harness_now();
    (void)ctx;
    par_fork_join(n);
    return harness_now() - t0;
}

/* Wait for pid; 0 if it exited with status 0. */
static int ovh_reap(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static double ovh_fork(void *ctx, int64_t n)
{
    double t0 = harness_now();
    (void)ctx;
    for (int64_t i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(0); /* the child does nothing */
        if (pid < 0 || ovh_reap(pid) != 0) return -1.0;
    }
    return harness_now() - t0;
}

static double ovh_spawn(void *ctx, int64_t n)
{
    char *argv[] = {"true", NULL};
    double t0 = harness_now();
    (void)ctx;
    for (int64_t i = 0; i < n; i++) {
        pid_t pid;
        if (posix_spawn(&pid, ovh_program, NULL, NULL, argv, environ) != 0 || ovh_reap(pid) != 0)
            return -1.0;
    }
    return harness_now() - t0;
}

static double ovh_omp_barrier(void *ctx, int64_t n)
{
    (void)ctx;
    return par_barriers(n);
}

static double ovh_mpi_barrier(void *ctx, int64_t n)
{
    double t0 = harness_now();
    (void)ctx;
    for (int64_t i = 0; i < n; i++)
        comm_barrier();
    return harness_now() - t0;
}

/* Exchange probes: ctx points at the message size. */
static double ovh_shm_latency(void *ctx, int64_t n)
{
    return par_exchange((size_t) * (int64_t *)ctx, n, 0);
}

static double ovh_shm_bandwidth(void *ctx, int64_t n)
{
    return par_exchange((size_t) * (int64_t *)ctx, n, OVH_WINDOW);
}

static double ovh_mpi_latency(void *ctx, int64_t n)
{
    return comm_pingpong((size_t) * (int64_t *)ctx, n);
}

static double ovh_mpi_bandwidth(void *ctx, int64_t n)
{
    return comm_stream((size_t) * (int64_t *)ctx, n, OVH_WINDOW);
}

/* ---- command line ---------------------------------------------------------- */

/* A usage error on rank 0's stderr (every rank reaches the same verdict);
 * returns -1. */
__attribute__((format(printf, 1, 2))) static int ovh_usage_error(const char *fmt, ...)
{
    char text[512];
    va_list ap;
    if (comm_rank() != 0) return -1;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    msg_print("%s", text);
    return -1;
}

static int ovh_bench_bits(const char *text)
{
    static const struct {
        const char *name;
        int bits;
    } names[] = {
        {"startup", OVH_STARTUP}, {"sync", OVH_SYNC}, {"exchange", OVH_EXCHANGE}, {"all", OVH_ALL}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(text, names[i].name) == 0) return names[i].bits;
    return 0;
}

/* The options, with whether each takes a value (what they do: ovh_take()
 * and ovh_flag()). */
static const opt_def ovh_defs[] = {
    {"--bench", 1}, {"--reps", 1}, {"--min-ms", 1}, {"--max-bytes", 1}, {"--output", 1},
    {"--noop", 0},  {"--help", 0}, {"-h", 0},       {"--version", 0},   {"--list", 0}};

/* A value option of ovh_defs and its value: 0, or -1 with a message. */
static int ovh_take(ovh_options *o, const char *name, const char *value, char *err, size_t errlen)
{
    char *end = NULL, q[MSG_QUOTE_SIZE];
    msg_quote(value, q, sizeof q);
    if (strcmp(name, "--bench") == 0) {
        o->bench = ovh_bench_bits(value);
        if (o->bench == 0)
            return msg_error(err, errlen, "--bench %s is not startup, sync, exchange or all", q);
    } else if (strcmp(name, "--reps") == 0) {
        if (cli_parse_count(value, &o->reps) != 0 || o->reps < 3 || o->reps > 10000)
            return msg_error(err, errlen, "--reps %s is not a whole number from 3 to 10000", q);
    } else if (strcmp(name, "--min-ms") == 0) {
        o->min_s = strtod(value, &end) * 1e-3;
        if (end == value || *end != '\0' || !(o->min_s > 0.0) || o->min_s > 1.0)
            return msg_error(err, errlen, "--min-ms %s is not a number of ms in (0, 1000]", q);
    } else if (strcmp(name, "--max-bytes") == 0) {
        if (cli_parse_count(value, &o->max_bytes) != 0 || o->max_bytes < 8 ||
            o->max_bytes > (INT64_C(1) << 30))
            return msg_error(err, errlen, "--max-bytes %s is not a size from 8 to 1Gi (e.g. 16Mi)",
                             q);
    } else { /* --output */
        if (value[0] == '\0') return msg_error(err, errlen, "--output needs a file name");
        o->output = value;
    }
    return 0;
}

/* A flag of ovh_defs. */
static void ovh_flag(ovh_options *o, const char *name)
{
    if (strcmp(name, "--noop") == 0) o->noop = 1;
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) o->help = 1;
    if (strcmp(name, "--version") == 0) o->version = 1;
    if (strcmp(name, "--list") == 0) o->list = 1;
}

/* One option for opt_parse(): ctx is the ovh_options. */
static int ovh_apply(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
    if (value != NULL) return ovh_take(ctx, name, value, err, errlen);
    ovh_flag(ctx, name);
    return 0;
}

/* Pure apart from the message: every rank reaches the same verdict, rank 0
 * says why. 0, or -1 for a usage error. */
static int ovh_parse(int argc, char **argv, ovh_options *o)
{
    char err[512];
    *o = (ovh_options){.bench = OVH_ALL, .reps = 20, .min_s = 1e-3, .max_bytes = 16 << 20};
    if (opt_parse(argc, argv, ovh_defs, sizeof ovh_defs / sizeof ovh_defs[0], ovh_apply, o, err,
                  sizeof err) != 0)
        return ovh_usage_error("%s", err);
    return 0;
}

static void ovh_help(const char *prog)
{
    printf("usage: %s [--bench startup|sync|exchange|all] [options]\n"
           "       mpirun -np 2 --bind-to none %s        (sync and exchange need 2+ ranks)\n"
           "\n"
           "What threads and processes cost, measured (EPCC/OSU method: untimed first pass,\n"
           "inner repetitions calibrated to --min-ms per sample, --reps samples in interleaved\n"
           "rounds, median and spread):\n"
           "  startup   POSIX thread create+join, OpenMP parallel region (fork/join of W\n"
           "            threads), fork+wait, posix_spawn(%s)+wait, an empty call (reference)\n"
           "  sync      OpenMP barrier of W threads vs MPI_Barrier of W ranks\n"
           "  exchange  threads through shared memory vs MPI between ranks 0 and 1, 8 B to\n"
           "            --max-bytes: latency = round trip / 2, bandwidth = window of %d messages\n"
           "W = the number of MPI ranks (2 without mpirun). Threads run on rank 0 while the\n"
           "other ranks sleep; give rank 0 W cores (mpirun --bind-to none).\n"
           "\n"
           "options:\n"
           "  --bench NAME       startup, sync, exchange or all (default all)\n"
           "  --reps N           samples per variant, 3..10000 (default 20)\n"
           "  --min-ms MS        calibrate inner repetitions to at least MS per sample\n"
           "                     (default 1)\n"
           "  --max-bytes SIZE   largest exchange message, 8..1Gi (default 16Mi)\n"
           "  --output FILE      append one JSON object per variant (JSON Lines)\n"
           "  --noop             start, initialise MPI, finish: what the front end launches\n"
           "                     to time mpirun itself\n"
           "  --list             list the benchmarks and where they apply\n"
           "  --help, --version\n"
           "\n" OPT_HELP "\n"
           "exit status: 0 measured, 1 run-time error, 2 usage error (or a benchmark that does\n"
           "not apply), 3 a probe failed its check (e.g. a corrupted message)\n",
           prog, prog, ovh_program, OVH_WINDOW);
}

static void ovh_list(void)
{
    printf(
        "startup    any rank count; runs on rank 0\n"
        "    empty-call, pthread-create-join, omp-parallel-region, fork-wait, posix-spawn-wait\n"
        "sync       2+ MPI ranks (mpirun -np W): omp-barrier (W threads), mpi-barrier (W ranks)\n"
        "exchange   2+ MPI ranks: shm-latency, mpi-latency, shm-bandwidth, mpi-bandwidth\n"
        "           (ranks 0 and 1; threads 0 and 1 of rank 0), sizes 8 B .. --max-bytes\n"
        "launch     measured by the front end (./scalekit demo): wall time of\n"
        "           mpirun -np N scalekit-overhead --noop\n");
}

/* ---- the variants ------------------------------------------------------------ */

static void ovh_add(ovh_run *r, const char *bench, const char *name, const char *what,
                    ovh_kind kind, int workers, double (*run)(void *, int64_t), void *ctx,
                    int all_ranks, int group)
{
    ovh_variant *v = &r->v[r->n++];
    SK_CHECK(r->n <= OVH_MAX_VARIANTS, "too many overhead variants");
    *v = (ovh_variant){.bench = bench,
                       .name = name,
                       .what = what,
                       .kind = kind,
                       .workers = workers,
                       .group = group};
    v->op = (harness_op){.run = run, .ctx = ctx, .all_ranks = all_ranks};
    v->samples = SK_MALLOC((size_t)r->opt.reps * sizeof *v->samples);
    v->value = SK_MALLOC((size_t)r->opt.reps * sizeof *v->value);
}

static void ovh_add_exchange(ovh_run *r, int64_t *bytes, int group)
{
    static const struct {
        const char *name, *what;
        ovh_kind kind;
        double (*run)(void *, int64_t);
        int all_ranks;
    } probes[] = {
        {"shm-latency", "two threads, one copy out of the sender's buffer, and back", OVH_LATENCY,
         ovh_shm_latency, 0},
        {"mpi-latency", "MPI_Send/MPI_Recv ping-pong, ranks 0 and 1", OVH_LATENCY, ovh_mpi_latency,
         1},
        {"shm-bandwidth", "two threads, windows of 64 messages, one copy each", OVH_BANDWIDTH,
         ovh_shm_bandwidth, 0},
        {"mpi-bandwidth", "windows of 64 MPI_Isend/MPI_Irecv + 4-byte ack", OVH_BANDWIDTH,
         ovh_mpi_bandwidth, 1},
    };
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        ovh_add(r, "exchange", probes[i].name, probes[i].what, probes[i].kind, 2, probes[i].run,
                bytes, probes[i].all_ranks, group);
        r->v[r->n - 1].bytes = *bytes;
        r->v[r->n - 1].window = probes[i].kind == OVH_BANDWIDTH ? OVH_WINDOW : 0;
    }
}

static void ovh_build(ovh_run *r)
{
    int w = r->threads, group = 0, nsizes = 0;
    if (r->opt.bench & OVH_STARTUP) {
        ovh_add(r, "startup", "empty-call", "a call through a pointer: the loop itself (reference)",
                OVH_TIME, 1, ovh_reference, NULL, 0, group);
        ovh_add(r, "startup", "pthread-create-join", "pthread_create + pthread_join, empty thread",
                OVH_TIME, 1, ovh_thread, NULL, 0, group);
        ovh_add(r, "startup", "omp-parallel-region", "an empty OpenMP parallel region (fork/join)",
                OVH_TIME, w, ovh_region, NULL, 0, group);
        ovh_add(r, "startup", "fork-wait", "fork + waitpid, the child exits at once", OVH_TIME, 1,
                ovh_fork, NULL, 0, group);
        ovh_add(r, "startup", "posix-spawn-wait", "posix_spawn(/bin/true) + waitpid", OVH_TIME, 1,
                ovh_spawn, NULL, 0, group);
        group++;
    }
    if (r->opt.bench & OVH_SYNC) {
        ovh_add(r, "sync", "omp-barrier", "an OpenMP barrier, W threads", OVH_TIME, w,
                ovh_omp_barrier, NULL, 0, group);
        ovh_add(r, "sync", "mpi-barrier", "MPI_Barrier, W ranks", OVH_TIME, r->ranks,
                ovh_mpi_barrier, NULL, 1, group);
        group++;
    }
    if (r->opt.bench & OVH_EXCHANGE) {
        for (int64_t b = 8; nsizes < 64; b *= 2) {
            r->sizes[nsizes] = b < r->opt.max_bytes ? b : r->opt.max_bytes;
            ovh_add_exchange(r, &r->sizes[nsizes++], group++);
            if (b >= r->opt.max_bytes) break;
        }
    }
}

/* ---- measuring ------------------------------------------------------------- */

static double ovh_value(const ovh_variant *v, double per_op)
{
    if (v->kind == OVH_LATENCY) return per_op / 2.0;
    if (v->kind == OVH_BANDWIDTH) return (double)v->bytes * v->window / per_op / 1e6;
    return per_op;
}

/* Calibrate every variant of a group, then sample them in interleaved
 * rounds. CLI_EXIT_OK, or CLI_EXIT_VERIFY naming the probe that failed. */
static int ovh_measure_group(ovh_run *r, int first, int last)
{
    for (int i = first; i < last; i++)
        if (harness_calibrate(&r->v[i].op, r->opt.min_s, INT64_C(1) << 40) != 0) {
            if (comm_rank() == 0)
                msg_print("probe %s %s failed%s", r->v[i].bench, r->v[i].name,
                          r->v[i].bytes ? " (message lost or corrupted)" : "");
            return CLI_EXIT_VERIFY;
        }
    for (int64_t round = 0; round < r->opt.reps; round++)
        for (int i = first; i < last; i++) {
            ovh_variant *v = &r->v[i];
            v->samples[round] = harness_sample(&v->op);
            if (v->samples[round] < 0.0) {
                if (comm_rank() == 0)
                    msg_print("probe %s %s failed in round %lld", v->bench, v->name,
                              (long long)round + 1);
                return CLI_EXIT_VERIFY;
            }
            v->value[round] = ovh_value(v, v->samples[round]);
        }
    for (int i = first; i < last; i++) {
        harness_stats_of(r->v[i].samples, r->opt.reps, &r->v[i].time);
        harness_stats_of(r->v[i].value, r->opt.reps, &r->v[i].stats);
    }
    return CLI_EXIT_OK;
}

/* "12.3 us" / "4567 MB/s" into buf. */
static const char *ovh_format(const ovh_variant *v, double x, char *buf, size_t n)
{
    static const struct {
        double scale;
        const char *unit;
    } units[] = {{1e-9, "ns"}, {1e-6, "us"}, {1e-3, "ms"}, {1.0, "s"}};
    size_t u = 0;
    if (v->kind == OVH_BANDWIDTH) {
        snprintf(buf, n, "%.4g MB/s", x);
        return buf;
    }
    while (u + 1 < sizeof units / sizeof units[0] && x >= 1000.0 * units[u].scale)
        u++;
    snprintf(buf, n, "%.4g %s", x / units[u].scale, units[u].unit);
    return buf;
}

static void ovh_print_row(const ovh_variant *v)
{
    char med[32], q1[32], q3[32], bytes[32] = "-";
    if (v->bytes > 0) snprintf(bytes, sizeof bytes, "%lld", (long long)v->bytes);
    printf("%-9s %-20s %7d %10s %12s   %12s .. %-12s %10lld\n", v->bench, v->name, v->workers,
           bytes, ovh_format(v, v->stats.median, med, sizeof med),
           ovh_format(v, v->stats.q1, q1, sizeof q1), ovh_format(v, v->stats.q3, q3, sizeof q3),
           (long long)v->op.n);
    fflush(stdout);
}

/* ---- records --------------------------------------------------------------- */

static const char *ovh_value_name(const ovh_variant *v)
{
    return v->kind == OVH_LATENCY     ? "latency_s"
           : v->kind == OVH_BANDWIDTH ? "bandwidth_MBps"
                                      : "seconds";
}

static int ovh_write(ovh_run *r, const ovh_variant *v, const record_context *ctx)
{
    json j;
    char err[256];
    int rc = 0;
    json_init(&j);
    json_object_begin(&j, NULL);
    json_int(&j, "schema", SCALEKIT_SCHEMA);
    json_string(&j, "scalekit", SCALEKIT_VERSION);
    json_string(&j, "record", "overhead");
    json_string(&j, "bench", v->bench);
    json_string(&j, "variant", v->name);
    json_string(&j, "what", v->what);
    json_int(&j, "workers", v->workers);
    if (v->bytes > 0)
        json_int(&j, "bytes", v->bytes);
    else
        json_null(&j, "bytes");
    json_int(&j, "window", v->window);
    json_int(&j, "ranks", r->ranks);
    json_int(&j, "threads", r->threads);
    json_bool(&j, "oversubscribed", r->oversubscribed);
    json_int(&j, "inner", v->op.n);
    json_int(&j, "reps", r->opt.reps);
    json_double(&j, "min_s", r->opt.min_s);
    json_array_begin(&j, "seconds_per_op");
    for (int64_t i = 0; i < r->opt.reps; i++)
        json_double(&j, NULL, v->samples[i]);
    json_array_end(&j);
    record_json_stats(&j, "time", &v->time);
    json_string(&j, "value_name", ovh_value_name(v));
    record_json_stats(&j, "value", &v->stats);
    record_json_provenance(&j, ctx);
    json_object_end(&j);
    if (!json_ok(&j) || jsonl_write(&r->out, j.text, err, sizeof err) != 0) {
        msg_print("%s; the record was not written", json_ok(&j) ? err : "out of memory");
        rc = -1;
    }
    json_free(&j);
    return rc;
}

/* ---- main ------------------------------------------------------------------ */

/* Warn when rank 0 cannot run its W threads on W cores, or a node runs more
 * ranks than it has cores. Collective. */
static void ovh_check_placement(ovh_run *r)
{
    cpu_set_t set;
    int allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : r->threads;
    int on_node = comm_ranks_on_node();
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int bad = (comm_rank() == 0 && allowed < r->threads) || (online > 0 && on_node > online);
    double any = bad;
    comm_max_double(&any, 1);
    r->oversubscribed = any > 0.0;
    if (r->oversubscribed && comm_rank() == 0)
        snprintf(r->oversubscribed_msg, sizeof r->oversubscribed_msg,
                 "oversubscribed: rank 0 may use %d CPU(s) for %d thread(s), %d "
                 "rank(s) share a node of %ld CPU(s); thread figures then measure time-sharing "
                 "(start with mpirun --bind-to none, fewer ranks)",
                 allowed, r->threads, on_node, online);
}

/* What does not apply here, refused before any work (exit 2). */
static int ovh_applies(const ovh_run *r)
{
    if ((r->opt.bench & (OVH_SYNC | OVH_EXCHANGE)) && r->ranks < 2) {
        ovh_usage_error("the sync and exchange benchmarks compare threads with MPI ranks and "
                        "need 2 or more ranks: mpirun -np 2 --bind-to none scalekit-overhead "
                        "(or --bench startup)");
        return 0;
    }
    return 1;
}

/* Collective: rank 0 opens --output (exit 2 if it cannot) and, for the
 * startup bench, checks the spawn probe's program (exit 1 if missing)
 * before any work; every rank learns the verdict. */
static int ovh_open_output(ovh_run *r)
{
    int ok = 1, rc = record_open_output(r->opt.output, &r->out);
    if (rc != CLI_EXIT_OK) return rc;
    if (comm_rank() == 0 && (r->opt.bench & OVH_STARTUP) && access(ovh_program, X_OK) != 0) {
        msg_print("%s is missing; the spawn probe needs it", ovh_program);
        ok = 0;
    }
    comm_bcast(&ok, sizeof ok);
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int ovh_main(ovh_run *r, int argc, char **argv)
{
    record_context ctx;
    int rc = CLI_EXIT_OK, first = 0;
    record_gather(&ctx, "overhead", argc, argv);
    par_set_threads(r->threads);
    ovh_check_placement(r);
    ovh_build(r);
    if (comm_rank() == 0) {
        if (r->oversubscribed) msg_warn("%s", r->oversubscribed_msg);
        printf("scalekit-overhead: %d rank(s), W = %d; %lld samples per variant, each of inner "
               "repetitions lasting >= %.3g ms; median and quartiles\n",
               r->ranks, r->threads, (long long)r->opt.reps, r->opt.min_s * 1e3);
        printf("%-9s %-20s %7s %10s %12s   %28s %10s\n", "bench", "variant", "workers", "bytes",
               "median", "q1 .. q3", "inner");
    }
    for (int i = 1; i <= r->n && rc == CLI_EXIT_OK; i++) {
        if (i < r->n && r->v[i].group == r->v[first].group) continue;
        rc = ovh_measure_group(r, first, i);
        for (int k = first; k < i && rc == CLI_EXIT_OK && comm_rank() == 0; k++) {
            ovh_print_row(&r->v[k]);
            if (r->opt.output != NULL && ovh_write(r, &r->v[k], &ctx) != 0) rc = CLI_EXIT_FAIL;
        }
        comm_bcast(&rc, sizeof rc);
        first = i;
    }
    if (comm_rank() == 0 && rc == CLI_EXIT_OK)
        printf("latency = round trip / 2; bandwidth = bytes x %d / time of a window; "
               "empty-call is the cost of the timing loop itself\n",
               OVH_WINDOW);
    for (int i = 0; i < r->n; i++) {
        free(r->v[i].samples);
        free(r->v[i].value);
    }
    record_context_free(&ctx);
    return rc;
}

int main(int argc, char **argv)
{
    static ovh_run run = {.out = JSONL_FILE_INIT};
    const char *prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    int rc;
    msg_set_program("scalekit-overhead");
    comm_init(&argc, &argv, 1);
    if (ovh_parse(argc, argv, &run.opt) != 0) return comm_finalize(CLI_EXIT_USAGE);
    if (run.opt.noop) return comm_finalize(CLI_EXIT_OK);
    if (run.opt.help || run.opt.version || run.opt.list) {
        if (comm_rank() == 0 && run.opt.help) ovh_help(prog);
        if (comm_rank() == 0 && run.opt.list) ovh_list();
        if (comm_rank() == 0 && run.opt.version)
            printf("%s %s (record schema %d, git %s, %s, MPI: %s, OpenMP: %s)\n", prog,
                   SCALEKIT_VERSION, SCALEKIT_SCHEMA, SCALEKIT_GIT_COMMIT, SCALEKIT_COMPILER,
                   comm_library(), par_version());
        return comm_finalize(CLI_EXIT_OK);
    }
    run.ranks = comm_size();
    run.threads = run.ranks >= 2 ? run.ranks : 2;
    if (!ovh_applies(&run)) return comm_finalize(CLI_EXIT_USAGE);
    rc = ovh_open_output(&run);
    if (rc == CLI_EXIT_OK) rc = ovh_main(&run, argc, argv);
    jsonl_close(&run.out, 1);
    return comm_finalize(rc);
}
