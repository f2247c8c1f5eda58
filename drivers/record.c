/*
 * record.c - the human summary and the JSON Lines record of a run (see
 * record.h and README.md "Result records"). Schema rule: fields are only ever
 * added; a change of meaning bumps SCALEKIT_SCHEMA.
 */
#define _GNU_SOURCE
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "build_info.h"
#include "comm.h"
#include "json.h"
#include "jsonl.h"
#include "msg.h"
#include "par.h"
#include "version.h"

static int record_count_nodes(char (*hosts)[RECORD_HOST_LEN], int n)
{
    int nodes = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(hosts[i], hosts[j]) == 0;
        nodes += !seen;
    }
    return nodes;
}

void record_gather(record_context *ctx, const char *model, int argc, char **argv)
{
    char host[RECORD_HOST_LEN];
    time_t now = time(NULL);
    struct tm utc;
    memset(ctx, 0, sizeof *ctx);
    ctx->model = model;
    ctx->ranks = comm_size();
    ctx->threads = par_threads();
    ctx->argc = argc;
    ctx->argv = argv;
    gmtime_r(&now, &utc);
    strftime(ctx->timestamp, sizeof ctx->timestamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    memset(host, 0, sizeof host); /* all of it is gathered */
    msg_hostname(host, sizeof host);
    if (comm_rank() == 0) ctx->hosts = SK_MALLOC((size_t)ctx->ranks * sizeof *ctx->hosts);
    comm_gather(host, ctx->hosts, sizeof host);
    if (comm_rank() == 0) ctx->nodes = record_count_nodes(ctx->hosts, ctx->ranks);
}

void record_context_free(record_context *ctx)
{
    free(ctx->hosts);
    ctx->hosts = NULL;
}

static double record_rate(const cli_options *o, const run_report *r, double seconds)
{
    return seconds > 0.0 ? r->work_units / seconds * o->kern->rate_scale : 0.0;
}

/* CPU time against the workers' wall time: near 1 computing, near 0 waiting. */
static double record_cpu_busy(const record_context *ctx, const run_report *r)
{
    double wall = r->timing.cpu_wall * ctx->ranks * ctx->threads;
    return wall > 0.0 ? r->timing.cpu_total / wall : 0.0;
}

static void record_size_text(const cli_options *o, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int d = 0; d < o->kern->size_dims && len + 24 < n; d++)
        len += (size_t)snprintf(buf + len, n - len, "%s%lld", d ? "x" : "",
                                (long long)o->params.size[d]);
}

/* MiB/s as text, "-" when nothing moved. */
static const char *record_mib_s(double v, char *buf, size_t n)
{
    if (v == v)
        snprintf(buf, n, "%.1f MiB/s", v);
    else
        snprintf(buf, n, "-");
    return buf;
}

static void record_print_io(const io_summary *s)
{
    char w[40], rd[40];
    printf("  io/rep     write %.3f MiB in %.4f s (%s), read %.3f MiB in %.4f s (%s)\n",
           s->bytes_written / 1048576.0, s->write_s, record_mib_s(s->write_mib_s, w, sizeof w),
           s->bytes_read / 1048576.0, s->read_s, record_mib_s(s->read_mib_s, rd, sizeof rd));
    printf("  io         %s %s, collective %s%s%s, I/O share of run time %.1f%%\n",
           s->mode == IO_COLLECTIVE ? "collective" : "independent",
           s->layout == IO_CHUNKED ? "chunked" : "contiguous", s->collective ? "yes" : "no",
           s->collective ? "" : ": ", s->collective ? "" : s->cause, 100.0 * s->share);
    if (s->async)
        printf("  io async   %.4f s of I/O per rep on the master thread, %.4f s of it hidden\n",
               s->task_s, s->hidden_s);
}

void record_print_summary(const cli_options *o, const record_context *ctx, const run_report *r)
{
    const harness_stats *t = &r->timing.time;
    const kernel_verdict *v = &r->verdict;
    char size[80], sched[40];
    record_size_text(o, size, sizeof size);
    printf("%s %s: size %s (%s), iters %lld | %d rank(s) x %d thread(s) on %d node(s) | "
           "schedule %s, decomp %s\n",
           ctx->model, o->kern->name, size, o->size_text, (long long)o->params.iters, ctx->ranks,
           ctx->threads, ctx->nodes, cli_schedule_name(&o->schedule, sched, sizeof sched),
           r->decomp);
    for (int i = 0; i < KERNEL_OPTIONS && o->kopt.chosen[i] != NULL; i++)
        printf("%s--%s %s%s", i ? ", " : "  options    ", o->kern->options[i].name,
               o->kopt.chosen[i],
               i + 1 == KERNEL_OPTIONS || o->kopt.chosen[i + 1] == NULL ? "\n" : "");
    printf("  time  [s]  median %.6f  min %.6f  mean %.6f  max %.6f  (%lld reps, %lld warm-up)\n",
           t->median, t->min, t->mean, t->max, (long long)o->reps, (long long)o->warmup);
    printf("  rate       %.3f %s (median), best %.3f; %.4g ns per work unit\n",
           record_rate(o, r, t->median), o->kern->rate_unit, record_rate(o, r, t->min),
           r->work_units > 0 ? t->median / r->work_units * 1e9 : 0.0);
    printf("  compute/rank [s]  min %.6f  max %.6f  (imbalance max/mean %.3f; work items/rank "
           "%.0f..%.0f)\n",
           r->timing.compute_min, r->timing.compute_max, r->timing.imbalance, r->items_min,
           r->items_max);
    printf("  cpu        %.6f s per rep over all workers: busy %.0f%% of their wall time\n",
           r->timing.cpu_total, 100.0 * record_cpu_busy(ctx, r));
    printf("  result     %s: %s  [%s: %s]\n", v->value_name ? v->value_name : "value", v->got,
           v->ok               ? "verified"
           : r->expected_wrong ? "wrong, as expected: a deliberate race"
                               : "VERIFICATION FAILED",
           v->method);
    if (r->io.active) record_print_io(&r->io);
    if (!v->ok) printf("  expected   %s\n  got        %s\n", v->expected, v->got);
    fflush(stdout);
}

static void record_env(json *j, const char *name)
{
    json_string(j, name, getenv(name));
}

static void record_params(json *j, const cli_options *o, const run_report *r)
{
    char sched[40];
    json_string(j, "kernel", o->kern->name);
    json_array_begin(j, "size");
    for (int d = 0; d < o->kern->size_dims; d++)
        json_int(j, NULL, o->params.size[d]);
    json_array_end(j);
    json_string(j, "size_text", o->size_text);
    json_int(j, "iters", o->params.iters);
    json_int(j, "warmup", o->warmup);
    json_int(j, "reps", o->reps);
    json_string(j, "schedule", cli_schedule_name(&o->schedule, sched, sizeof sched));
    json_string(j, "decomp", r->decomp);
    json_array_begin(j, "rank_grid");
    json_int(j, NULL, r->pdims[0]);
    json_int(j, NULL, r->pdims[1]);
    json_array_end(j);
    json_int(j, "grain", o->kern->grain);
    json_object_begin(j, "options"); /* kernel-specific options (kopt.h), given or default */
    for (int i = 0; i < KERNEL_OPTIONS && o->kopt.chosen[i] != NULL; i++)
        json_string(j, o->kern->options[i].name, o->kopt.chosen[i]);
    json_object_end(j);
}

void record_json_stats(json *j, const char *key, const harness_stats *s)
{
    json_object_begin(j, key);
    json_double(j, "min", s->min);
    json_double(j, "q1", s->q1);
    json_double(j, "median", s->median);
    json_double(j, "mean", s->mean);
    json_double(j, "q3", s->q3);
    json_double(j, "max", s->max);
    json_object_end(j);
}

static void record_timing(json *j, const cli_options *o, const run_report *r)
{
    const harness_stats *t = &r->timing.time;
    json_array_begin(j, "seconds");
    for (int64_t i = 0; i < r->timing.reps; i++)
        json_double(j, NULL, r->timing.seconds[i]);
    json_array_end(j);
    record_json_stats(j, "time", t);
    json_object_begin(j, "rate");
    json_double(j, "median", record_rate(o, r, t->median));
    json_double(j, "best", record_rate(o, r, t->min));
    json_string(j, "unit", o->kern->rate_unit);
    json_double(j, "work_units", r->work_units);
    /* Cost of one unit of work (e.g. one counter update), median run. */
    json_double(j, "ns_per_unit", r->work_units > 0 ? t->median / r->work_units * 1e9 : 0.0);
    json_double(j, "bytes", o->kern->bytes != NULL ? o->kern->bytes(&o->params) : 0.0);
    json_object_end(j);
    json_object_begin(j, "imbalance");
    json_double(j, "rank_compute_min_s", r->timing.compute_min);
    json_double(j, "rank_compute_mean_s", r->timing.compute_mean);
    json_double(j, "rank_compute_max_s", r->timing.compute_max);
    json_double(j, "rank_items_min", r->items_min);
    json_double(j, "rank_items_max", r->items_max);
    json_double(j, "max_over_mean", r->timing.imbalance);
    json_object_end(j);
}

static void record_cpu(json *j, const record_context *ctx, const run_report *r)
{
    json_object_begin(j, "cpu");
    json_double(j, "seconds", r->timing.cpu_total);
    json_double(j, "busy", record_cpu_busy(ctx, r));
    json_object_end(j);
}

static void record_result(json *j, const run_report *r)
{
    const kernel_verdict *v = &r->verdict;
    json_bool(j, "verified", v->ok);
    json_bool(j, "expected_wrong", r->expected_wrong);
    json_object_begin(j, "result");
    json_string(j, "name", v->value_name);
    if (v->value_is_integer)
        json_uint(j, "value", v->ivalue);
    else
        json_double(j, "value", v->dvalue);
    json_string(j, "expected", v->expected);
    json_string(j, "got", v->got);
    json_string(j, "method", v->method);
    json_object_end(j);
}

static void record_argv(json *j, const record_context *ctx)
{
    json_array_begin(j, "argv");
    for (int i = 0; i < ctx->argc; i++)
        json_string(j, NULL, ctx->argv[i]);
    json_array_end(j);
}

static void record_provenance(json *j, const record_context *ctx)
{
    json_object_begin(j, "provenance");
    json_array_begin(j, "hostnames");
    for (int i = 0; i < ctx->ranks; i++)
        json_string(j, NULL, ctx->hosts[i]);
    json_array_end(j);
    json_string(j, "mpi_library", comm_library());
    json_string(j, "thread_level", comm_thread_level());
    json_string(j, "openmp", par_version());
    record_env(j, "OMP_NUM_THREADS");
    record_env(j, "OMP_PROC_BIND");
    record_env(j, "OMP_PLACES");
    json_string(j, "compiler", SCALEKIT_COMPILER);
    json_string(j, "cflags", SCALEKIT_CFLAGS);
    json_string(j, "build_type", SCALEKIT_BUILD_TYPE);
    json_string(j, "arch", SCALEKIT_ARCH);
    json_string(j, "git_commit", SCALEKIT_GIT_COMMIT);
    json_string(j, "timestamp", ctx->timestamp);
    record_env(j, "SLURM_JOB_ID");
    record_argv(j, ctx);
    json_object_end(j);
}

/* An environment variable as a whole number, or null when unset or not one. */
static void record_env_int(json *j, const char *key, const char *name)
{
    const char *text = getenv(name);
    char *end = NULL;
    long long v = text != NULL ? strtoll(text, &end, 10) : 0;
    if (text == NULL || end == text || *end != '\0')
        json_null(j, key);
    else
        json_int(j, key, v);
}

/* The first variable of the pair that is set (a step's value, else the job's). */
static const char *record_env_first(const char *step, const char *job)
{
    return getenv(step) != NULL ? step : job;
}

/* Tasks per node as one number: SLURM_NTASKS_PER_NODE when given, else a
 * uniform SLURM_*TASKS_PER_NODE ("4" or "4(x2)"); null when nodes differ. */
static void record_slurm_tasks_per_node(json *j)
{
    const char *text =
        getenv(record_env_first("SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE"));
    char *end = NULL;
    long long v = text != NULL ? strtoll(text, &end, 10) : 0;
    if (getenv("SLURM_NTASKS_PER_NODE") != NULL)
        record_env_int(j, "ntasks_per_node", "SLURM_NTASKS_PER_NODE");
    else if (text != NULL && end != text && (*end == '\0' || (*end == '(' && !strchr(end, ','))))
        json_int(j, "ntasks_per_node", v);
    else
        json_null(j, "ntasks_per_node");
}

/* The Slurm context of the run (null outside a Slurm job), from rank 0's
 * SLURM_* environment: step values where srun set them, else the job's. */
static void record_slurm(json *j)
{
    if (getenv("SLURM_JOB_ID") == NULL) {
        json_null(j, "slurm");
        return;
    }
    json_object_begin(j, "slurm");
    record_env_int(j, "job_id", "SLURM_JOB_ID");
    record_env_int(j, "step_id", "SLURM_STEP_ID");
    record_env_int(j, "array_task_id", "SLURM_ARRAY_TASK_ID");
    record_env_int(j, "nodes", record_env_first("SLURM_STEP_NUM_NODES", "SLURM_JOB_NUM_NODES"));
    json_string(j, "nodelist",
                getenv(record_env_first("SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST")));
    record_env_int(j, "ntasks", record_env_first("SLURM_STEP_NUM_TASKS", "SLURM_NTASKS"));
    record_slurm_tasks_per_node(j);
    record_env_int(j, "cpus_per_task", "SLURM_CPUS_PER_TASK");
    json_string(j, "partition", getenv("SLURM_JOB_PARTITION"));
    json_string(j, "cluster", getenv("SLURM_CLUSTER_NAME"));
    json_object_end(j);
}

/* The `io` object (README "Result records"); times are per repetition. */
static void record_io(json *j, const io_summary *s)
{
    json_object_begin(j, "io");
    json_int(j, "bytes", (int64_t)(s->bytes_written + 0.5));
    json_int(j, "bytes_read", (int64_t)(s->bytes_read + 0.5));
    json_string(j, "mode", s->mode == IO_COLLECTIVE ? "collective" : "independent");
    json_string(j, "layout", s->layout == IO_CHUNKED ? "chunked" : "contiguous");
    json_bool(j, "collective", s->collective);
    json_string(j, "no_collective_cause", s->collective ? NULL : s->cause);
    json_double(j, "write_mib_s", s->write_mib_s);
    json_double(j, "read_mib_s", s->read_mib_s);
    json_double(j, "write_s", s->write_s);
    json_double(j, "read_s", s->read_s);
    json_double(j, "share", s->share);
    json_object_begin(j, "phases");
    for (int p = 0; p < IO_PHASES; p++)
        json_double(j, io_phase_names[p], s->phase_s[p]);
    json_object_end(j);
    json_int(j, "files_written", s->files_written);
    json_int(j, "files_read", s->files_read);
    json_string(j, "library", io_library());
    json_string(j, "read_cache", s->cache < 0 ? NULL : s->cache ? "dropped" : "kept");
    if (s->async) {
        json_object_begin(j, "async");
        json_double(j, "io_s", s->task_s);
        json_double(j, "hidden_s", s->hidden_s);
        json_object_end(j);
    } else {
        json_null(j, "async");
    }
    if (s->restart_file[0] != '\0') {
        json_object_begin(j, "restart");
        json_string(j, "file", s->restart_file);
        json_int(j, "iteration", s->restart_iteration);
        json_object_end(j);
    } else {
        json_null(j, "restart");
    }
    json_object_end(j);
}

static void record_layout(json *j, const layout_table *t)
{
    json_array_begin(j, "layout");
    for (int i = 0; i < t->n; i++) {
        const layout_entry *e = &t->entry[i];
        if (e->rank < 0) continue;
        json_object_begin(j, NULL);
        json_string(j, "host", e->host);
        json_int(j, "rank", e->rank);
        json_int(j, "thread", e->thread);
        json_int(j, "pid", e->pid);
        json_int(j, "tid", e->tid);
        json_int(j, "cpu", e->cpu);
        json_string(j, "allowed", e->allowed);
        json_object_end(j);
    }
    json_array_end(j);
    json_int(j, "layout_shared_cores", t->shared);
}

void record_json_provenance(json *j, const record_context *ctx)
{
    record_provenance(j, ctx);
}

int record_open_output(const char *output, jsonl_file *out)
{
    char err[256], path[MSG_QUOTE_SIZE];
    int ok = 1;
    if (output == NULL) return CLI_EXIT_OK;
    if (comm_rank() == 0 && jsonl_open(out, output, err, sizeof err) != 0) {
        msg_print("--output %s: %s", msg_quote(output, path, sizeof path), err);
        ok = 0;
    }
    comm_bcast(&ok, sizeof ok);
    return ok ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int record_write(const cli_options *o, const record_context *ctx, const run_report *r)
{
    json j;
    char err[256], path[MSG_QUOTE_SIZE];
    int rc = 0;
    json_init(&j);
    json_object_begin(&j, NULL);
    json_int(&j, "schema", SCALEKIT_SCHEMA);
    json_string(&j, "scalekit", SCALEKIT_VERSION);
    json_string(&j, "model", ctx->model);
    record_params(&j, o, r);
    json_int(&j, "ranks", ctx->ranks);
    json_int(&j, "threads_per_rank", ctx->threads);
    json_int(&j, "nodes", ctx->nodes);
    json_bool(&j, "oversubscribed", ctx->oversubscribed);
    record_timing(&j, o, r);
    record_cpu(&j, ctx, r);
    record_result(&j, r);
    record_provenance(&j, ctx);
    record_slurm(&j);
    if (ctx->layout != NULL) record_layout(&j, ctx->layout);
    if (r->io.active) record_io(&j, &r->io);
    json_object_end(&j);
    if (!json_ok(&j)) {
        msg_print("out of memory building the result record; nothing written");
        rc = -1;
    } else if (jsonl_write(ctx->results, j.text, err, sizeof err) != 0) {
        msg_print("--output %s: %s; the record was not written",
                  msg_quote(o->output, path, sizeof path), err);
        rc = -1;
    }
    json_free(&j);
    return rc;
}
