/*
 * opt.h - the one parser of long options, shared by every scalekit
 * executable: the four drivers (through cli.c) and scalekit-overhead.
 *
 * A program declares its options in a table (each name and whether it takes
 * a value) and a function that applies one option; opt_parse() owns the
 * syntax and its errors, so every program reads and refuses a command line
 * the same way:
 *   --name value    the value is the next argument unless that starts
 *   --name=value    with "--" (then only the = form can give it)
 *   --flag          no value; repeating a flag is harmless and accepted
 * and refused, with one sentence that says what to do: an argument that is
 * not an option, a name nobody declared (with "did you mean" where one is
 * close), a value given to a flag, a missing value, and a value option given
 * a second time (which value would win is anybody's guess). What a value
 * means, and whether it is valid, is the program's to check.
 *
 * Pure (no MPI, no printing): every rank parses the same argv and reaches
 * the same verdict, so a usage error ends every rank without communication.
 */
#ifndef SCALEKIT_OPT_H
#define SCALEKIT_OPT_H

#include <stddef.h>

enum {
    OPT_NAME_MAX = 64, /* names (dashes included) are shorter than this */
    OPT_MAX = 64       /* entries of one table; opt_parse() refuses more */
};

/* The syntax in a program's --help, ending in a newline. */
#define OPT_HELP                                                                                   \
    "An option's value follows it (--name VALUE) or joins it (--name=VALUE, needed\n"              \
    "for a value that starts with --). Give each option with a value once; a flag\n"               \
    "may be repeated.\n"

/* One option: its name with the dashes ("--reps", "-h") and whether it
 * takes a value. */
typedef struct opt_def {
    const char *name;
    int takes_value;
} opt_def;

/* A table assembled at run time (e.g. the drivers' options and then the
 * kernels' own), owning copies of its names. */
typedef struct opt_table {
    opt_def defs[OPT_MAX];
    char names[OPT_MAX][OPT_NAME_MAX];
    size_t n;
} opt_table;

/* Append prefix+name (e.g. "--" and a kernel's "variant") to t. 0, or -1
 * with an "internal error" message in err when t is full, the name is
 * OPT_NAME_MAX characters or longer, or t already has it (the second entry
 * could never be reached): programmers' errors, reported on every run
 * rather than an option silently left out. */
int opt_table_add(opt_table *t, const char *prefix, const char *name, int takes_value, char *err,
                  size_t errlen);

/* What a program does with one option of its table: name as spelt there,
 * value NULL for a flag. Returns 0, or -1 with a message in err (one
 * sentence that says what to do; no program prefix). */
typedef int (*opt_apply)(void *ctx, const char *name, const char *value, char *err, size_t errlen);

/* Read argv[1..argc) as options of defs[0..ndefs) and hand each, in the
 * order given, to apply(ctx, ...). Returns 0, or -1 with a message in err at
 * the first argument refused, by the rules above or by apply: nothing after
 * it is read. */
int opt_parse(int argc, char **argv, const opt_def *defs, size_t ndefs, opt_apply apply, void *ctx,
              char *err, size_t errlen);

/* The name in names[0..n) that `typed` most likely misspells: the closest
 * within 1 edit (2 for names of 5+ characters; an edit is an insertion,
 * deletion, substitution or swap of neighbours), or else the one name that
 * starts with `typed` when it has 3+ characters; NULL when none is
 * convincing. Pure. */
const char *opt_closest(const char *typed, const char *const *names, size_t n);

#endif
