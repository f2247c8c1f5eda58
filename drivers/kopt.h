/*
 * kopt.h - kernel-specific command-line options (--variant, --sync, --mode,
 * ...): a kernel declares them in its table entry (kernel.h: kernel_option)
 * and this module parses, validates and lists them for every driver, so a
 * kernel with options is still one file and one table line.
 *
 * Protocol: the shared command line (cli.c) adds every name some kernel
 * declares (kopt_all_names) to its option table (opt.h) and hands each such
 * option to kopt_take(), which records it; once the kernel is known,
 * kopt_resolve() checks the recorded values against that kernel and the
 * running driver and fills kernel_params.opt. Pure: no MPI, no printing, so
 * every rank reaches the same verdict.
 */
#ifndef SCALEKIT_KOPT_H
#define SCALEKIT_KOPT_H

#include <stddef.h>

#include "kernel.h"

enum { KOPT_GIVEN_MAX = 8, KOPT_NAME_LEN = 32 };

typedef struct kopt_set {
    int n; /* options recorded by kopt_take() */
    struct {
        char name[KOPT_NAME_LEN]; /* without the leading "--" */
        const char *value;
    } given[KOPT_GIVEN_MAX];
    /* After kopt_resolve(): the value of each option the kernel declares
     * (given or default), in declaration order; NULL past the last. */
    const char *chosen[KERNEL_OPTIONS];
} kopt_set;

/* Record --name VALUE if some kernel declares an option `name` (given
 * without the dashes). Returns 1 when recorded, 0 when no kernel declares
 * it (the command line's table only holds declared names, so there this is
 * an internal error), -1 with a message in err when too many are given.
 * (The command line refuses an option given twice.) */
int kopt_take(kopt_set *s, const char *name, const char *value, char *err, size_t errlen);

/* Check the recorded options against kernel k and the running driver; fill
 * p->opt and s->chosen, with defaults for options not given. 0, or -1 with a
 * message in err (an option k does not declare, a value it does not allow,
 * a value that does not apply to this driver). */
int kopt_resolve(kopt_set *s, const kernel *k, kernel_params *p, char *err, size_t errlen);

/* The running driver as a KERNEL_MODEL_* bit (fixed at link time by which
 * comm and par layers the executable links) and its name ("omp"). */
unsigned kopt_model(void);
const char *kopt_model_name(unsigned model);

/* The allowed values of option o, ended by {NULL}: the kernel's choices, or
 * for KERNEL_OPTION_SYNC the primitives of the par and comm layers. */
const kernel_choice *kopt_choices(const kernel_option *o);

/* 1 if choice c applies to driver `model`. */
int kopt_applies(const kernel_choice *c, unsigned model);

/* The names (without dashes) of every kernel option, each once, into
 * names[0..max); returns how many, at most max (so a caller that passes
 * one more than it can hold sees when there are too many). */
size_t kopt_all_names(const char **names, size_t max);

/* --list: k's options, one line per value, with where it applies and the
 * default under this driver. Prints nothing for a kernel without options. */
void kopt_print_list(const kernel *k);
/* --help: one line per option name some kernel declares. */
void kopt_print_help(void);

#endif
