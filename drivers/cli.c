/*
 * cli.c - parsing and help for the shared command line (see cli.h).
 * Invariant: cli_parse() has no side effects beyond *o and err, so all ranks
 * agree on the outcome and nothing is written before the input is valid.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "opt.h"
#include "version.h"

/* Indexed by par_kind. */
static const char *const cli_schedule_names[] = {"static", "dynamic", "guided"};

/* The driver options, with whether each takes a value (what they do:
 * cli_take() and cli_flag()); cli_table_build() adds the kernels' own. */
static const opt_def cli_defs[] = {{"--kernel", 1},
                                   {"--size", 1},
                                   {"--iters", 1},
                                   {"--reps", 1},
                                   {"--warmup", 1},
                                   {"--schedule", 1},
                                   {"--decomp", 1},
                                   {"--output", 1},
                                   {"--layout", 0},
                                   {"--list", 0},
                                   {"--help", 0},
                                   {"-h", 0},
                                   {"--version", 0},
                                   {"--image", 1},
                                   {"--checkpoint-every", 1},
                                   {"--checkpoint-dir", 1},
                                   {"--checkpoint-keep", 1},
                                   {"--restart", 1},
                                   {"--async-checkpoint", 0},
                                   {"--io-mode", 1},
                                   {"--io-layout", 1},
                                   {"--size-per-rank", 1},
                                   {"--io-dir", 1},
                                   {"--weak-size", 1}};

/* Largest value of a count option (others: any int64). */
static int64_t cli_count_limit(const char *name)
{
    return strcmp(name, "--reps") == 0 || strcmp(name, "--warmup") == 0 ? CLI_MAX_REPS : INT64_MAX;
}

static int cli_suffix(const char *s, int64_t *mult)
{
    static const struct {
        const char *text;
        int64_t mult;
    } table[] = {
        {"", 1},
        {"k", 1000},
        {"K", 1000},
        {"M", 1000000},
        {"G", 1000000000},
        {"T", 1000000000000},
        {"Ki", 1024},
        {"Mi", 1048576},
        {"Gi", 1073741824},
        {"Ti", 1099511627776},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(s, table[i].text) == 0) {
            *mult = table[i].mult;
            return 0;
        }
    return -1;
}

/* Scientific form like 1e6 or 2.5e3: must be a whole number in range. */
static int cli_parse_scientific(const char *text, int64_t *v)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(text, &end);
    if (end == text || *end != '\0') return CLI_NUM_BAD;
    if ((errno == ERANGE && d > 1.0) || d >= 9.2e18) return CLI_NUM_TOO_LARGE;
    if (errno != 0 || !(d >= 1.0) || d != floor(d)) return CLI_NUM_BAD;
    *v = (int64_t)d;
    return 0;
}

int cli_parse_count(const char *text, int64_t *v)
{
    const char *p = text;
    int64_t value = 0, mult = 1;
    int overflow = 0;
    if (text == NULL || *p < '0' || *p > '9') return CLI_NUM_BAD;
    while (*p >= '0' && *p <= '9') {
        int digit = *p++ - '0';
        if (value > (INT64_MAX - digit) / 10) overflow = 1;
        value = overflow ? INT64_MAX : value * 10 + digit;
    }
    if (*p == 'e' || *p == 'E' || *p == '.') return cli_parse_scientific(text, v);
    if (cli_suffix(p, &mult) != 0 || (value < 1 && !overflow)) return CLI_NUM_BAD;
    if (overflow || value > INT64_MAX / mult) return CLI_NUM_TOO_LARGE;
    *v = value * mult;
    return 0;
}

int cli_parse_size(const char *text, int64_t *v, int max)
{
    char buf[64];
    int n = 0, large = 0;
    if (strlen(text) >= sizeof buf) return CLI_NUM_BAD;
    strcpy(buf, text);
    for (char *save = NULL, *tok = strtok_r(buf, "x", &save); tok != NULL;
         tok = strtok_r(NULL, "x", &save)) {
        int rc = n == max ? CLI_NUM_BAD : cli_parse_count(tok, &v[n]);
        if (rc == CLI_NUM_BAD) return CLI_NUM_BAD;
        large |= rc == CLI_NUM_TOO_LARGE;
        n++;
    }
    /* Reject empty fields such as "10x" or "x10" that strtok would skip. */
    if (n == 0 || text[0] == 'x' || text[strlen(text) - 1] == 'x' || strstr(text, "xx"))
        return CLI_NUM_BAD;
    return large ? CLI_NUM_TOO_LARGE : n;
}

/* Parse a count for `what` (an option, or a part of one such as "--schedule
 * chunk") that must lie in [min, max], min 0 or 1. 0, or -1 with a message
 * naming what, the value and the problem. */
static int cli_count_in(const char *what, const char *value, int64_t min, int64_t max, int64_t *out,
                        char *err, size_t errlen)
{
    char q[MSG_QUOTE_SIZE];
    int rc;
    if (min == 0 && strcmp(value, "0") == 0) {
        *out = 0;
        return 0;
    }
    rc = cli_parse_count(value, out);
    if (rc == 0 && *out <= max) return 0;
    msg_quote(value, q, sizeof q);
    if (rc == CLI_NUM_BAD)
        return msg_error(err, errlen,
                         "%s %s is not a whole number >= %lld (examples: 5, 2k, 4Ki, 1e3)", what, q,
                         (long long)min);
    return msg_error(err, errlen, "%s %s is too large: the limit is %lld", what, q, (long long)max);
}

static int cli_parse_schedule(const char *text, cli_options *o, char *err, size_t errlen)
{
    const char *comma = strchr(text, ',');
    size_t len = comma ? (size_t)(comma - text) : strlen(text);
    char q[MSG_QUOTE_SIZE];
    for (int k = 0; k < 3; k++) {
        const char *name = cli_schedule_names[k];
        if (strlen(name) != len || strncmp(text, name, len) != 0) continue;
        o->schedule.kind = (par_kind)k;
        o->schedule.chunk = 0;
        if (comma && cli_count_in("--schedule chunk", comma + 1, 1, INT32_MAX, &o->schedule.chunk,
                                  err, errlen) != 0)
            return -1;
        o->schedule_given = 1;
        return 0;
    }
    return msg_error(err, errlen,
                     "--schedule %s is not one of static, dynamic, guided (optionally "
                     "followed by ,CHUNK)",
                     msg_quote(text, q, sizeof q));
}

static int cli_parse_decomp(const char *text, cli_options *o, char *err, size_t errlen)
{
    const char *comma = strchr(text, ',');
    size_t len = comma ? (size_t)(comma - text) : strlen(text);
    char q[MSG_QUOTE_SIZE];
    if (len == 5 && strncmp(text, "block", 5) == 0 && comma == NULL) {
        o->decomp = DECOMP_BLOCK;
    } else if (len == 6 && strncmp(text, "cyclic", 6) == 0) {
        o->decomp = DECOMP_CYCLIC;
        o->decomp_chunk = 1;
        if (comma && cli_count_in("--decomp chunk", comma + 1, 1, INT64_MAX, &o->decomp_chunk, err,
                                  errlen) != 0)
            return -1;
    } else {
        return msg_error(err, errlen, "--decomp %s is not 'block' or 'cyclic[,CHUNK]'",
                         msg_quote(text, q, sizeof q));
    }
    o->decomp_given = 1;
    return 0;
}

static int cli_count_option(const char *name, const char *value, int64_t min, int64_t *out,
                            char *err, size_t errlen)
{
    return cli_count_in(name, value, min, cli_count_limit(name), out, err, errlen);
}

static int cli_unknown_kernel(const char *name, char *err, size_t errlen)
{
    enum { MAX_KERNELS = 64 };
    const char *names[MAX_KERNELS], *near;
    char q[MSG_QUOTE_SIZE];
    size_t n = 0;
    while (n < MAX_KERNELS && kernel_at(n) != NULL) {
        names[n] = kernel_at(n)->name;
        n++;
    }
    near = opt_closest(name, names, n);
    msg_quote(name, q, sizeof q);
    if (near != NULL)
        return msg_error(err, errlen,
                         "--kernel: unknown kernel %s; did you mean '%s'? (--list "
                         "shows them all)",
                         q, near);
    return msg_error(err, errlen, "--kernel: unknown kernel %s (--list shows them all)", q);
}

static int cli_apply_size(cli_options *o, char *err, size_t errlen)
{
    const kernel *k = o->kern;
    int64_t v[KERNEL_SIZE_DIMS] = {0};
    char q[MSG_QUOTE_SIZE];
    const char *near;
    int n;
    for (int i = 0; i < KERNEL_PRESETS; i++)
        if (strcmp(o->size_text, kernel_preset_names[i]) == 0) {
            memcpy(o->params.size, k->presets[i], sizeof o->params.size);
            return 0;
        }
    n = cli_parse_size(o->size_text, v, KERNEL_SIZE_DIMS);
    msg_quote(o->size_text, q, sizeof q);
    near = opt_closest(o->size_text, kernel_preset_names, KERNEL_PRESETS);
    if (n == CLI_NUM_BAD && near != NULL)
        return msg_error(err, errlen, "--size %s is not a size; did you mean '%s'?", q, near);
    if (n == CLI_NUM_BAD)
        return msg_error(err, errlen,
                         "--size %s is not small, medium, large or positive whole numbers "
                         "(kernel %s takes %s)",
                         q, k->name, k->size_help);
    if (n == CLI_NUM_TOO_LARGE)
        return msg_error(err, errlen,
                         "--size %s is too large: numbers are limited to %lld (kernel %s takes "
                         "%s)",
                         q, (long long)INT64_MAX, k->name, k->size_help);
    if (n > k->size_dims)
        return msg_error(err, errlen, "--size %s has %d numbers; kernel %s takes %s", q, n, k->name,
                         k->size_help);
    memcpy(o->params.size, v, sizeof v);
    return 0;
}

static void cli_defaults(cli_options *o)
{
    memset(o, 0, sizeof *o);
    o->action = CLI_RUN;
    strcpy(o->size_text, "small");
    o->reps = 5;
    o->warmup = 1;
    o->decomp = DECOMP_BLOCK;
    o->decomp_chunk = 1;
    o->ckpt_keep = 2;
}

/* An option naming a file or directory: non-empty. */
static int cli_path_option(const char *name, const char *value, const char **out, char *err,
                           size_t errlen)
{
    if (value[0] == '\0') return msg_error(err, errlen, "%s needs a path", name);
    *out = value;
    return 0;
}

/* --io-mode and --io-layout: one of two words. */
static int cli_choice(const char *name, const char *value, const char *a, const char *b,
                      int *second, int *given, char *err, size_t errlen)
{
    char q[MSG_QUOTE_SIZE];
    if (strcmp(value, a) != 0 && strcmp(value, b) != 0)
        return msg_error(err, errlen, "%s %s is not '%s' or '%s'", name,
                         msg_quote(value, q, sizeof q), a, b);
    *second = strcmp(value, b) == 0;
    *given = 1;
    return 0;
}

/* The I/O options that take a value; 1 if name is not one of them. */
static int cli_take_io(cli_options *o, const char *name, const char *value, char *err,
                       size_t errlen)
{
    char q[MSG_QUOTE_SIZE];
    if (strcmp(name, "--image") == 0) return cli_path_option(name, value, &o->image, err, errlen);
    if (strcmp(name, "--checkpoint-dir") == 0)
        return cli_path_option(name, value, &o->ckpt_dir, err, errlen);
    if (strcmp(name, "--restart") == 0)
        return cli_path_option(name, value, &o->restart, err, errlen);
    if (strcmp(name, "--io-dir") == 0) return cli_path_option(name, value, &o->io_dir, err, errlen);
    if (strcmp(name, "--checkpoint-every") == 0)
        return cli_count_option(name, value, 1, &o->ckpt_every, err, errlen);
    if (strcmp(name, "--checkpoint-keep") == 0) {
        o->ckpt_keep_given = 1;
        return cli_count_option(name, value, 1, &o->ckpt_keep, err, errlen);
    }
    if (strcmp(name, "--size-per-rank") == 0) {
        if (strlen(value) + 8 >= sizeof o->size_text)
            return msg_error(err, errlen, "--size-per-rank %s is too long",
                             msg_quote(value, q, sizeof q));
        if (cli_count_option(name, value, 1, &o->size_per_rank, err, errlen) != 0) return -1;
        snprintf(o->size_text, sizeof o->size_text, "%s", value);
        return 0;
    }
    if (strcmp(name, "--io-mode") == 0)
        return cli_choice(name, value, "collective", "independent", &o->io_independent,
                          &o->io_mode_given, err, errlen);
    if (strcmp(name, "--io-layout") == 0)
        return cli_choice(name, value, "contiguous", "chunked", &o->io_chunked, &o->io_layout_given,
                          err, errlen);
    return 1;
}

/* A value option of the table (cli_table_build()) and its value, never NULL.
 * Returns 0, or -1 with a message. */
static int cli_take(cli_options *o, const char *name, const char *value, char *err, size_t errlen)
{
    char q[MSG_QUOTE_SIZE];
    if (strcmp(name, "--kernel") == 0) {
        o->kern = kernel_find(value);
        if (o->kern == NULL) return cli_unknown_kernel(value, err, errlen);
        return 0;
    }
    if (strcmp(name, "--size") == 0) {
        if (strlen(value) == 0 || strlen(value) >= sizeof o->size_text)
            return msg_error(err, errlen, "--size %s is empty or too long",
                             msg_quote(value, q, sizeof q));
        strcpy(o->size_text, value);
        o->size_given = 1;
        return 0;
    }
    if (strcmp(name, "--iters") == 0)
        return cli_count_option(name, value, 1, &o->params.iters, err, errlen);
    if (strcmp(name, "--reps") == 0) return cli_count_option(name, value, 1, &o->reps, err, errlen);
    if (strcmp(name, "--warmup") == 0)
        return cli_count_option(name, value, 0, &o->warmup, err, errlen);
    if (strcmp(name, "--schedule") == 0) return cli_parse_schedule(value, o, err, errlen);
    if (strcmp(name, "--decomp") == 0) return cli_parse_decomp(value, o, err, errlen);
    if (strcmp(name, "--weak-size") == 0)
        return cli_count_option(name, value, 1, &o->weak_workers, err, errlen);
    if (strcmp(name, "--output") == 0) {
        if (value[0] == '\0') return msg_error(err, errlen, "--output needs a file name");
        o->output = value;
        return 0;
    }
    int rc = cli_take_io(o, name, value, err, errlen);
    if (rc != 1) return rc;
    /* Else a kernel's own option, which some kernel declares (kopt.h). */
    rc = kopt_take(&o->kopt, name + 2, value, err, errlen);
    if (rc == 0) return msg_error(err, errlen, "internal error: no kernel declares %s", name);
    return rc < 0 ? -1 : 0;
}

/* A flag of cli_defs. */
static void cli_flag(cli_options *o, const char *name)
{
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        o->action = CLI_HELP;
    else if (strcmp(name, "--version") == 0)
        o->action = CLI_VERSION;
    else if (strcmp(name, "--list") == 0)
        o->action = CLI_LIST;
    else if (strcmp(name, "--layout") == 0)
        o->layout = 1;
    else if (strcmp(name, "--async-checkpoint") == 0)
        o->async_ckpt = 1;
}

/* kernel_params_check() of a size the user did not type but derived with
 * another option: its message, plus where the size came from (`from`, which
 * says what to change). */
static int cli_check_derived(const cli_options *o, const kernel_params *p, const char *from,
                             char *err, size_t errlen)
{
    char why[512];
    size_t room = strlen(from) + 4 < errlen ? errlen - strlen(from) - 3 : 1;
    if (kernel_params_check(o->kern, p, why, room < sizeof why ? room : sizeof why) == 0) return 0;
    return msg_error(err, errlen, "%s (%s)", why, from); /* why is cut first, never `from` */
}

/* --weak-size P: replace the size by the kernel's weak-scaling size for P
 * workers, which must itself be a valid size. */
static int cli_weak_size(cli_options *o, char *err, size_t errlen)
{
    kernel_params grown;
    char from[160];
    snprintf(from, sizeof from,
             "the size --weak-size %lld makes of --size %s: use a smaller --size or --weak-size",
             (long long)o->weak_workers, o->size_text);
    if (kernel_weak_params(o->kern, &o->params, o->weak_workers, &grown, err, errlen) != 0 ||
        cli_check_derived(o, &grown, from, err, errlen) != 0)
        return -1;
    o->params = grown;
    o->action = CLI_WEAK_SIZE;
    return 0;
}

/* Names of the kernels that have an output with one of the `use` bits,
 * e.g. "mandelbrot", for messages. */
static const char *cli_kernels_with(unsigned use, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; kernel_at(i) != NULL && len < n; i++)
        if (kernel_at(i)->output_uses & use)
            len +=
                (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", kernel_at(i)->name);
    return buf;
}

int cli_wants_io(const cli_options *o)
{
    return o->image != NULL || o->ckpt_every > 0 || o->restart != NULL ||
           (o->kern != NULL && (o->kern->output_uses & KERNEL_OUT_ROUNDTRIP));
}

/* Which kernels and option combinations the I/O options make sense for. */
static int cli_finish_io(const cli_options *o, char *err, size_t errlen)
{
    const kernel *k = o->kern;
    char names[160];
    int roundtrip = (k->output_uses & KERNEL_OUT_ROUNDTRIP) != 0;
    int state = (k->output_uses & KERNEL_OUT_STATE) != 0;
    if (o->image != NULL && !(k->output_uses & KERNEL_OUT_IMAGE))
        return msg_error(err, errlen, "--image: kernel %s writes no image (kernels that do: %s)",
                         k->name, cli_kernels_with(KERNEL_OUT_IMAGE, names, sizeof names));
    if ((o->ckpt_every > 0 || o->restart != NULL) && !state)
        return msg_error(err, errlen,
                         "%s: kernel %s has no state to checkpoint (kernels that do: %s)",
                         o->restart ? "--restart" : "--checkpoint-every", k->name,
                         cli_kernels_with(KERNEL_OUT_STATE, names, sizeof names));
    if (o->ckpt_every > 0 && o->ckpt_dir == NULL)
        return msg_error(err, errlen,
                         "--checkpoint-every needs --checkpoint-dir DIR (where the "
                         "checkpoints go)");
    if (o->ckpt_every == 0 && (o->ckpt_dir != NULL || o->ckpt_keep_given || o->async_ckpt))
        return msg_error(err, errlen, "%s needs --checkpoint-every K",
                         o->ckpt_dir     ? "--checkpoint-dir"
                         : o->async_ckpt ? "--async-checkpoint"
                                         : "--checkpoint-keep");
    if (o->ckpt_every > o->params.iters)
        return msg_error(err, errlen,
                         "--checkpoint-every %lld is more than --iters %lld: no checkpoint "
                         "would be written",
                         (long long)o->ckpt_every, (long long)o->params.iters);
    if ((o->size_per_rank > 0 || o->io_dir != NULL) && !roundtrip)
        return msg_error(err, errlen, "%s applies to kernel %s only",
                         o->size_per_rank ? "--size-per-rank" : "--io-dir",
                         cli_kernels_with(KERNEL_OUT_ROUNDTRIP, names, sizeof names));
    if ((o->io_mode_given || o->io_layout_given) && !cli_wants_io(o))
        return msg_error(err, errlen,
                         "%s applies to runs that use HDF5 (--image, --checkpoint-every, "
                         "--restart, kernel %s)",
                         o->io_mode_given ? "--io-mode" : "--io-layout",
                         cli_kernels_with(KERNEL_OUT_ROUNDTRIP, names, sizeof names));
    return 0;
}

int cli_check_driver(const cli_options *o, int threaded, int have_io, char *err, size_t errlen)
{
    if (o->action != CLI_RUN) return 0;
    if (o->async_ckpt && !threaded)
        return msg_error(err, errlen,
                         "--async-checkpoint needs threads (one writes while the others "
                         "compute): use scalekit-omp or scalekit-hybrid");
    if (cli_wants_io(o) && !have_io)
        return msg_error(err, errlen,
                         "this driver was built without HDF5 (the build found no serial HDF5; "
                         "install libhdf5-dev and rebuild), so %s cannot run here",
                         o->image        ? "--image"
                         : o->ckpt_every ? "--checkpoint-every"
                         : o->restart    ? "--restart"
                                         : o->kern->name);
    return 0;
}

int cli_apply_ranks(cli_options *o, int nranks, char *err, size_t errlen)
{
    char from[160];
    if (o->action != CLI_RUN || o->size_per_rank == 0) return 0;
    if (o->size_per_rank > INT64_MAX / nranks)
        return msg_error(err, errlen, "--size-per-rank %s times %d ranks overflows", o->size_text,
                         nranks);
    o->params.size[0] = o->size_per_rank * nranks;
    snprintf(from, sizeof from,
             "the total of --size-per-rank %s on %d ranks: use a smaller --size-per-rank or "
             "fewer ranks",
             o->size_text, nranks);
    snprintf(o->size_text + strlen(o->size_text), sizeof o->size_text - strlen(o->size_text),
             "/rank");
    return cli_check_derived(o, &o->params, from, err, errlen);
}

static int cli_finish(cli_options *o, char *err, size_t errlen)
{
    const kernel *k = o->kern;
    if (o->action != CLI_RUN) return 0;
    if (k == NULL)
        return msg_error(err, errlen, "missing --kernel NAME (try --list for the kernels)");
    if (o->size_per_rank > 0) {
        if (o->size_given)
            return msg_error(err, errlen, "give --size or --size-per-rank, not both");
        o->params.size[0] = o->size_per_rank;
    } else if (cli_apply_size(o, err, errlen) != 0) {
        return -1;
    }
    kernel_params_fill(k, &o->params);
    if (kopt_resolve(&o->kopt, k, &o->params, err, errlen) != 0) return -1;
    if (kernel_params_check(k, &o->params, err, errlen) != 0) return -1;
    if (!o->schedule_given) o->schedule.kind = k->uneven ? PAR_DYNAMIC : PAR_STATIC;
    if (!o->decomp_given) o->decomp = k->uneven ? DECOMP_CYCLIC : DECOMP_BLOCK;
    if (o->decomp == DECOMP_CYCLIC && k->dims != 1)
        return msg_error(err, errlen, "--decomp cyclic needs a 1-D kernel; %s is 2-D (block only)",
                         k->name);
    if (cli_finish_io(o, err, errlen) != 0) return -1;
    return o->weak_workers > 0 ? cli_weak_size(o, err, errlen) : 0;
}

/* The options of the command line: cli_defs, then every kernel's own
 * options (kopt.h), which take a value, spelt with their dashes. A kernel
 * option too long for kopt_take(), one a driver option already has, or more
 * than OPT_MAX options in all are programmers' errors that cli_parse()
 * reports on every run, never an option silently left out. */
static int cli_table_build(opt_table *t, char *err, size_t errlen)
{
    const char *names[OPT_MAX + 1];
    size_t nk = kopt_all_names(names, OPT_MAX + 1);
    t->n = 0;
    for (size_t i = 0; i < sizeof cli_defs / sizeof cli_defs[0]; i++)
        if (opt_table_add(t, "", cli_defs[i].name, cli_defs[i].takes_value, err, errlen) != 0)
            return -1;
    for (size_t i = 0; i < nk; i++) {
        if (strlen(names[i]) >= KOPT_NAME_LEN)
            return msg_error(err, errlen,
                             "internal error: kernel option --%.40s is %d characters or longer "
                             "(KOPT_NAME_LEN)",
                             names[i], KOPT_NAME_LEN);
        if (opt_table_add(t, "--", names[i], 1, err, errlen) != 0) return -1;
    }
    return 0;
}

/* One option for opt_parse(): ctx is the cli_options. */
static int cli_apply(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
    if (value != NULL) return cli_take(ctx, name, value, err, errlen);
    cli_flag(ctx, name);
    return 0;
}

int cli_parse(int argc, char **argv, cli_options *o, char *err, size_t errlen)
{
    opt_table t;
    cli_defaults(o);
    if (cli_table_build(&t, err, errlen) != 0) return -1;
    if (opt_parse(argc, argv, t.defs, t.n, cli_apply, o, err, errlen) != 0) return -1;
    return cli_finish(o, err, errlen);
}

const char *cli_schedule_name(const par_schedule *s, char *buf, size_t n)
{
    if (s->chunk > 0)
        snprintf(buf, n, "%s,%lld", cli_schedule_names[s->kind], (long long)s->chunk);
    else
        snprintf(buf, n, "%s", cli_schedule_names[s->kind]);
    return buf;
}

void cli_print_help(const char *prog)
{
    printf(
        "usage: %s --kernel NAME [options]\n"
        "\n"
        "Run one scalekit kernel under this driver's execution model, verify the answer,\n"
        "print a summary and optionally append a JSON Lines record.\n"
        "Drivers: scalekit-seq, scalekit-omp (threads from OMP_NUM_THREADS),\n"
        "         scalekit-mpi (mpirun -np P ...), scalekit-hybrid (MPI ranks x OpenMP threads).\n"
        "\n"
        "options:\n"
        "  --kernel NAME      kernel to run (see --list)\n"
        "  --size SIZE        small | medium | large, or numbers such as 2000000, 2M,\n"
        "                     1e6, 1024x768 (per kernel, see --list); default small\n"
        "  --iters N          iterations inside one timed run (default per kernel)\n"
        "  --reps N           timed repetitions, all recorded (default 5, at most %d)\n"
        "  --warmup N         untimed runs before them (default 1, at most %d)\n"
        "  --schedule KIND[,CHUNK]\n"
        "                     OpenMP loop schedule: static, dynamic or guided; CHUNK counts\n"
        "                     work items (default dynamic for uneven kernels, else static)\n"
        "  --decomp block | cyclic[,CHUNK]\n"
        "                     how 1-D work items are dealt to MPI ranks (default cyclic\n"
        "                     for uneven kernels, else block; 2-D kernels use block tiles)\n"
        "  --output FILE      append one JSON object per run to FILE (JSON Lines); FILE is\n"
        "                     opened (created) before any work and removed again if it\n"
        "                     was created for a run that ends without a record\n"
        "  --layout           print host, rank, pid, thread and CPU core of every thread\n"
        "                     and warn when threads share a core\n"
        "\n"
        "I/O through HDF5 (one shared file per output; see README \"I/O\"):\n"
        "  --image FILE       write the kernel's image to FILE (mandelbrot)\n"
        "  --checkpoint-every K  write the state every K iterations (stencil) into\n"
        "                     --checkpoint-dir DIR as DIR/ckpt-ITERATION.h5, atomically\n"
        "  --checkpoint-keep N   keep the newest N checkpoints (default 2)\n"
        "  --restart DIR|FILE resume from a checkpoint (a directory: its newest valid\n"
        "                     one); any driver and rank count; --iters stays the total\n"
        "  --async-checkpoint one thread writes the previous checkpoint while the others\n"
        "                     keep iterating (scalekit-omp and -hybrid)\n"
        "  --io-mode collective | independent   MPI-IO transfers (default collective)\n"
        "  --io-layout contiguous | chunked     dataset layout (default contiguous)\n"
        "  --size-per-rank SIZE  iobench: SIZE bytes per rank (weak scaling) instead of\n"
        "                     --size (total bytes, strong scaling)\n"
        "  --io-dir DIR       iobench: directory of its scratch file (default .)\n"
        "\n"
        "  --list             list kernels, their sizes and presets\n"
        "  --weak-size P      print the size that keeps the work per worker of --size\n"
        "                     constant on P workers (the kernel's weak-scaling rule), exit\n"
        "  --help, --version\n"
        "\n" OPT_HELP
        "A run the kernel expects to take more than %d minutes starts with a warning\n"
        "that gives the estimate.\n"
        "\n"
        "environment:\n"
        "  OMP_NUM_THREADS    threads per process for scalekit-omp and scalekit-hybrid:\n"
        "                     one whole number, at most %d per CPU online (checked)\n"
        "\n"
        "exit status: 0 verified, 1 run-time error, 2 usage error, 3 verification failed\n",
        prog, CLI_MAX_REPS, CLI_MAX_REPS, CLI_LONG_RUN_SECONDS / 60, CLI_THREADS_PER_CPU);
    kopt_print_help();
}

void cli_print_kernels(void)
{
    char rule[80];
    for (size_t i = 0; kernel_at(i) != NULL; i++) {
        const kernel *k = kernel_at(i);
        printf("%s\n    %s\n    --size   %s\n    --iters  %s (default %lld)\n    presets ", k->name,
               k->summary, k->size_help, k->iters_help, (long long)k->default_iters);
        for (int p = 0; p < KERNEL_PRESETS; p++) {
            printf("%s %s=", p ? "," : "", kernel_preset_names[p]);
            for (int d = 0; d < k->size_dims && k->presets[p][d] > 0; d++)
                printf("%s%lld", d ? "x" : "", (long long)k->presets[p][d]);
        }
        printf("\n    rate in %s%s\n", k->rate_unit,
               k->uneven ? "; uneven cost per item (dynamic schedule, cyclic decomp)" : "");
        printf("    weak scaling on p workers: %s\n", kernel_weak_rule(k, rule, sizeof rule));
        kopt_print_list(k);
    }
}

int cli_check_threads(const char *value, long cpus, char *err, size_t errlen)
{
    char q[MSG_QUOTE_SIZE];
    int64_t limit = (int64_t)CLI_THREADS_PER_CPU * (cpus > 0 ? cpus : 1), n = 0;
    size_t digits;
    if (value == NULL) return 0;
    msg_quote(value, q, sizeof q);
    if (value[0] == '\0')
        return msg_error(err, errlen,
                         "OMP_NUM_THREADS is set but empty; unset it or give a whole number of "
                         "threads >= 1, e.g. OMP_NUM_THREADS=4");
    if (strchr(value, ',') != NULL)
        return msg_error(err, errlen,
                         "OMP_NUM_THREADS=%s lists threads for nested parallel levels; scalekit "
                         "uses one level: give one whole number, e.g. OMP_NUM_THREADS=4",
                         q);
    value += strspn(value, " \t"); /* blanks around the number, as the runtime allows */
    digits = strspn(value, "0123456789");
    for (size_t i = 0; i < digits && n <= limit; i++) /* stops before it could overflow */
        n = n * 10 + (value[i] - '0');
    if (digits == 0 || value[digits + strspn(value + digits, " \t")] != '\0' || n == 0)
        return msg_error(err, errlen,
                         "OMP_NUM_THREADS=%s is not a whole number of threads >= 1, e.g. "
                         "OMP_NUM_THREADS=4",
                         q);
    if (n > limit)
        return msg_error(err, errlen,
                         "OMP_NUM_THREADS=%s is too large: the limit is %lld threads (%d per CPU "
                         "online, %ld CPU(s))",
                         q, (long long)limit, CLI_THREADS_PER_CPU, cpus > 0 ? cpus : 1L);
    return 0;
}

void cli_print_size(const cli_options *o)
{
    for (int d = 0; d < o->kern->size_dims; d++)
        printf("%s%lld", d ? "x" : "", (long long)o->params.size[d]);
    printf("\n");
}
