/*
 * cli.c - parsing and help for the shared command line (see cli.h).
 * Invariant: cli_parse() has no side effects beyond *o and err, so all ranks
 * agree on the outcome and nothing is written before the input is valid.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

/* Indexed by par_kind. */
static const char *const cli_schedule_names[] = {"static", "dynamic", "guided"};

static int cli_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
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
    if (errno != 0 || end == text || *end != '\0' || !(d >= 1.0) || d >= 9.2e18 || d != floor(d))
        return -1;
    *v = (int64_t)d;
    return 0;
}

int cli_parse_count(const char *text, int64_t *v)
{
    const char *p = text;
    int64_t value = 0, mult = 1;
    if (text == NULL || *p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9') {
        int digit = *p++ - '0';
        if (value > (INT64_MAX - digit) / 10) return -1;
        value = value * 10 + digit;
    }
    if (*p == 'e' || *p == 'E' || *p == '.') return cli_parse_scientific(text, v);
    if (cli_suffix(p, &mult) != 0 || value < 1 || value > INT64_MAX / mult) return -1;
    *v = value * mult;
    return 0;
}

int cli_parse_size(const char *text, int64_t *v, int max)
{
    char buf[64];
    int n = 0;
    if (strlen(text) >= sizeof buf) return -1;
    strcpy(buf, text);
    for (char *save = NULL, *tok = strtok_r(buf, "x", &save); tok != NULL;
         tok = strtok_r(NULL, "x", &save)) {
        if (n == max || cli_parse_count(tok, &v[n]) != 0) return -1;
        n++;
    }
    /* Reject empty fields such as "10x" or "x10" that strtok would skip. */
    if (n == 0 || text[0] == 'x' || text[strlen(text) - 1] == 'x' || strstr(text, "xx")) return -1;
    return n;
}

static int cli_parse_schedule(const char *text, cli_options *o, char *err, size_t errlen)
{
    const char *comma = strchr(text, ',');
    size_t len = comma ? (size_t)(comma - text) : strlen(text);
    for (int k = 0; k < 3; k++) {
        const char *name = cli_schedule_names[k];
        if (strlen(name) != len || strncmp(text, name, len) != 0) continue;
        o->schedule.kind = (par_kind)k;
        o->schedule.chunk = 0;
        if (comma &&
            (cli_parse_count(comma + 1, &o->schedule.chunk) != 0 || o->schedule.chunk > 0x7fffffff))
            return cli_error(err, errlen,
                             "--schedule chunk '%s' is not a positive whole number "
                             "(example: --schedule dynamic,4)",
                             comma + 1);
        o->schedule_given = 1;
        return 0;
    }
    return cli_error(err, errlen,
                     "--schedule '%s' is not one of static, dynamic, guided (optionally "
                     "followed by ,CHUNK)",
                     text);
}

static int cli_parse_decomp(const char *text, cli_options *o, char *err, size_t errlen)
{
    const char *comma = strchr(text, ',');
    size_t len = comma ? (size_t)(comma - text) : strlen(text);
    if (len == 5 && strncmp(text, "block", 5) == 0 && comma == NULL) {
        o->decomp = DECOMP_BLOCK;
    } else if (len == 6 && strncmp(text, "cyclic", 6) == 0) {
        o->decomp = DECOMP_CYCLIC;
        o->decomp_chunk = 1;
        if (comma && cli_parse_count(comma + 1, &o->decomp_chunk) != 0)
            return cli_error(err, errlen, "--decomp chunk '%s' is not a positive whole number",
                             comma + 1);
    } else {
        return cli_error(err, errlen, "--decomp '%s' is not 'block' or 'cyclic[,CHUNK]'", text);
    }
    o->decomp_given = 1;
    return 0;
}

static int cli_count_option(const char *name, const char *value, int64_t min, int64_t *out,
                            char *err, size_t errlen)
{
    if (min == 0 && strcmp(value, "0") == 0) {
        *out = 0;
        return 0;
    }
    if (cli_parse_count(value, out) != 0)
        return cli_error(err, errlen, "%s '%s' is not a whole number >= %lld", name, value,
                         (long long)min);
    return 0;
}

static int cli_apply_size(cli_options *o, char *err, size_t errlen)
{
    const kernel *k = o->kern;
    int64_t v[KERNEL_SIZE_DIMS] = {0};
    int n;
    for (int i = 0; i < KERNEL_PRESETS; i++)
        if (strcmp(o->size_text, kernel_preset_names[i]) == 0) {
            memcpy(o->params.size, k->presets[i], sizeof o->params.size);
            return 0;
        }
    n = cli_parse_size(o->size_text, v, KERNEL_SIZE_DIMS);
    if (n < 0)
        return cli_error(err, errlen,
                         "--size '%s' is not small, medium, large or positive whole numbers "
                         "within range (kernel %s takes %s)",
                         o->size_text, k->name, k->size_help);
    if (n > k->size_dims)
        return cli_error(err, errlen, "--size '%s' has %d numbers; kernel %s takes %s",
                         o->size_text, n, k->name, k->size_help);
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
}

/* Options that take a value; NULL value means it was missing. */
static int cli_take(cli_options *o, const char *name, const char *value, char *err, size_t errlen)
{
    if (value == NULL) return cli_error(err, errlen, "option %s needs a value (see --help)", name);
    if (strcmp(name, "--kernel") == 0) {
        o->kern = kernel_find(value);
        if (o->kern == NULL)
            return cli_error(err, errlen, "unknown kernel '%s' (try --list)", value);
        return 0;
    }
    if (strcmp(name, "--size") == 0) {
        if (strlen(value) == 0 || strlen(value) >= sizeof o->size_text)
            return cli_error(err, errlen, "--size '%s' is empty or too long", value);
        strcpy(o->size_text, value);
        return 0;
    }
    if (strcmp(name, "--iters") == 0)
        return cli_count_option(name, value, 1, &o->params.iters, err, errlen);
    if (strcmp(name, "--reps") == 0) return cli_count_option(name, value, 1, &o->reps, err, errlen);
    if (strcmp(name, "--warmup") == 0)
        return cli_count_option(name, value, 0, &o->warmup, err, errlen);
    if (strcmp(name, "--schedule") == 0) return cli_parse_schedule(value, o, err, errlen);
    if (strcmp(name, "--decomp") == 0) return cli_parse_decomp(value, o, err, errlen);
    if (strcmp(name, "--output") == 0) {
        if (value[0] == '\0') return cli_error(err, errlen, "--output needs a file name");
        o->output = value;
        return 0;
    }
    if (strncmp(name, "--", 2) == 0) { /* a kernel's own option? (kopt.h) */
        int taken = kopt_take(&o->kopt, name + 2, value, err, errlen);
        if (taken != 0) return taken > 0 ? 0 : -1;
    }
    return cli_error(err, errlen, "unknown option '%s' (see --help)", name);
}

static int cli_is_flag(const char *name, cli_options *o)
{
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0)
        o->action = CLI_HELP;
    else if (strcmp(name, "--version") == 0)
        o->action = CLI_VERSION;
    else if (strcmp(name, "--list") == 0)
        o->action = CLI_LIST;
    else if (strcmp(name, "--layout") == 0)
        o->layout = 1;
    else
        return 0;
    return 1;
}

static int cli_finish(cli_options *o, char *err, size_t errlen)
{
    const kernel *k = o->kern;
    if (o->action != CLI_RUN) return 0;
    if (k == NULL)
        return cli_error(err, errlen, "missing --kernel NAME (try --list for the kernels)");
    if (o->reps > 100000 || o->warmup > 100000)
        return cli_error(err, errlen, "--reps and --warmup are limited to 100000");
    if (cli_apply_size(o, err, errlen) != 0) return -1;
    kernel_params_fill(k, &o->params);
    if (kopt_resolve(&o->kopt, k, &o->params, err, errlen) != 0) return -1;
    if (kernel_params_check(k, &o->params, err, errlen) != 0) return -1;
    if (!o->schedule_given) o->schedule.kind = k->uneven ? PAR_DYNAMIC : PAR_STATIC;
    if (!o->decomp_given) o->decomp = k->uneven ? DECOMP_CYCLIC : DECOMP_BLOCK;
    if (o->decomp == DECOMP_CYCLIC && k->dims != 1)
        return cli_error(err, errlen, "--decomp cyclic needs a 1-D kernel; %s is 2-D (block only)",
                         k->name);
    return 0;
}

int cli_parse(int argc, char **argv, cli_options *o, char *err, size_t errlen)
{
    cli_defaults(o);
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *arg = argv[i], *eq = strchr(arg, '=');
        const char *value;
        if (strncmp(arg, "--", 2) != 0 && strcmp(arg, "-h") != 0)
            return cli_error(err, errlen, "unexpected argument '%s' (options start with --)", arg);
        if (eq == NULL && cli_is_flag(arg, o)) continue;
        if (eq != NULL) {
            size_t len = (size_t)(eq - arg);
            cli_options probe;
            if (len >= sizeof name) return cli_error(err, errlen, "unknown option '%.40s...'", arg);
            memcpy(name, arg, len);
            name[len] = '\0';
            if (cli_is_flag(name, &probe))
                return cli_error(err, errlen, "option %s takes no value", name);
            value = eq + 1;
        } else {
            snprintf(name, sizeof name, "%s", arg);
            value = i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 ? argv[++i] : NULL;
        }
        if (cli_take(o, name, value, err, errlen) != 0) return -1;
    }
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
        "  --reps N           timed repetitions, all recorded (default 5)\n"
        "  --warmup N         untimed runs before them (default 1)\n"
        "  --schedule KIND[,CHUNK]\n"
        "                     OpenMP loop schedule: static, dynamic or guided; CHUNK counts\n"
        "                     work items (default dynamic for uneven kernels, else static)\n"
        "  --decomp block | cyclic[,CHUNK]\n"
        "                     how 1-D work items are dealt to MPI ranks (default cyclic\n"
        "                     for uneven kernels, else block; 2-D kernels use block tiles)\n"
        "  --output FILE      append one JSON object per run to FILE (JSON Lines)\n"
        "  --layout           print host, rank, pid, thread and CPU core of every thread\n"
        "                     and warn when threads share a core\n"
        "  --list             list kernels, their sizes and presets\n"
        "  --help, --version\n"
        "\n"
        "exit status: 0 verified, 1 run-time error, 2 usage error, 3 verification failed\n",
        prog);
    kopt_print_help();
}

void cli_print_kernels(void)
{
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
        kopt_print_list(k);
    }
}
