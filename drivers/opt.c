/*
 * opt.c - the shared parser of long options (see opt.h).
 * Invariant: a pass reads argv strictly left to right and changes nothing
 * but its own state and err; what an option does is left to the program's
 * apply function, so the verdict depends on argv, the table and apply alone.
 */
#include "opt.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"

/* Optimal-string-alignment distance between a and b: the fewest insertions,
 * deletions, substitutions and swaps of neighbours that turn one into the
 * other; SIZE_MAX for strings too long to be names. */
static size_t opt_distance(const char *a, const char *b)
{
    enum { MAXLEN = 32 };
    size_t la = strlen(a), lb = strlen(b), d[MAXLEN + 1][MAXLEN + 1];
    if (la > MAXLEN || lb > MAXLEN) return SIZE_MAX;
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *opt_closest(const char *typed, const char *const *names, size_t n)
{
    const char *best = NULL, *prefix_of = NULL;
    size_t best_d = SIZE_MAX, typed_len = strlen(typed);
    int prefixes = 0;
    for (size_t i = 0; i < n; i++) {
        size_t d = opt_distance(typed, names[i]), len = strlen(names[i]);
        if (d <= (len >= 5 ? 2u : 1u) && d < best_d) {
            best = names[i];
            best_d = d;
        }
        if (typed_len >= 3 && typed_len < len && strncmp(typed, names[i], typed_len) == 0) {
            prefix_of = names[i];
            prefixes++;
        }
    }
    return best != NULL ? best : prefixes == 1 ? prefix_of : NULL;
}

/* One pass over argv. */
typedef struct opt_pass {
    int argc, next; /* next: index of the next argument to read */
    char **argv;
    const opt_def *defs;
    size_t ndefs;
    const char *given[OPT_MAX]; /* the value of defs[k] once given, else NULL */
} opt_pass;

/* The name part of arg (before any '=') into name[OPT_NAME_MAX]: 0, or -1
 * with a message for an argument that is no option or a name too long. */
static int opt_split(const char *arg, char *name, char *err, size_t errlen)
{
    char q[MSG_QUOTE_SIZE];
    size_t len = strcspn(arg, "=");
    if (arg[0] != '-')
        return msg_error(err, errlen, "unexpected argument %s (options start with --; see --help)",
                         msg_quote(arg, q, sizeof q));
    if (len >= OPT_NAME_MAX)
        return msg_error(err, errlen, "unknown option %s (see --help)",
                         msg_quote(arg, q, sizeof q));
    memcpy(name, arg, len);
    name[len] = '\0';
    return 0;
}

/* The index of name in the table, or -1. */
static int opt_find(const opt_pass *p, const char *name)
{
    for (size_t k = 0; k < p->ndefs; k++)
        if (strcmp(p->defs[k].name, name) == 0) return (int)k;
    return -1;
}

/* Message for a name nobody declared, suggesting the closest long option. */
static int opt_unknown(const opt_pass *p, const char *name, char *err, size_t errlen)
{
    const char *names[OPT_MAX], *near;
    char q[MSG_QUOTE_SIZE];
    size_t n = 0;
    for (size_t k = 0; k < p->ndefs; k++)
        if (strncmp(p->defs[k].name, "--", 2) == 0) names[n++] = p->defs[k].name;
    near = opt_closest(name, names, n);
    msg_quote(name, q, sizeof q);
    if (near != NULL)
        return msg_error(err, errlen, "unknown option %s; did you mean %s? (see --help)", q, near);
    return msg_error(err, errlen, "unknown option %s (see --help)", q);
}

/* The value that goes with arg: after its '=', else the next argument
 * (consumed) unless that starts with "--"; NULL when there is none. */
static const char *opt_value(opt_pass *p, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (eq != NULL) return eq + 1;
    if (p->next < p->argc && strncmp(p->argv[p->next], "--", 2) != 0) return p->argv[p->next++];
    return NULL;
}

/* The next option: 1 with its table spelling in *name and its value (NULL
 * for a flag) in *value; 0 when argv is used up; -1 with a message. */
static int opt_next(opt_pass *p, const char **name, const char **value, char *err, size_t errlen)
{
    char typed[OPT_NAME_MAX], a[MSG_QUOTE_SIZE], b[MSG_QUOTE_SIZE];
    const char *arg;
    int k;
    if (p->next >= p->argc) return 0;
    arg = p->argv[p->next++];
    if (opt_split(arg, typed, err, errlen) != 0) return -1;
    k = opt_find(p, typed);
    if (k < 0) return opt_unknown(p, typed, err, errlen);
    *name = p->defs[k].name;
    *value = NULL;
    if (!p->defs[k].takes_value && strchr(arg, '=') != NULL)
        return msg_error(err, errlen, "option %s takes no value; give it as %s alone", *name,
                         *name);
    if (!p->defs[k].takes_value) return 1;
    *value = opt_value(p, arg);
    if (*value == NULL)
        return msg_error(err, errlen, "option %s needs a value (%s VALUE or %s=VALUE; see --help)",
                         *name, *name, *name);
    if (p->given[k] != NULL)
        return msg_error(err, errlen, "%s given twice (%s, then %s); give it once", *name,
                         msg_quote(p->given[k], a, sizeof a), msg_quote(*value, b, sizeof b));
    p->given[k] = *value;
    return 1;
}

int opt_table_add(opt_table *t, const char *prefix, const char *name, int takes_value, char *err,
                  size_t errlen)
{
    char full[2 * OPT_NAME_MAX];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    if (t->n >= OPT_MAX)
        return msg_error(err, errlen,
                         "internal error: more than %d options for %s; raise OPT_MAX "
                         "in drivers/opt.h",
                         OPT_MAX, full);
    if (strlen(full) >= OPT_NAME_MAX)
        return msg_error(err, errlen,
                         "internal error: option name %.70s... is %d characters or "
                         "longer",
                         full, OPT_NAME_MAX);
    for (size_t k = 0; k < t->n; k++)
        if (strcmp(t->defs[k].name, full) == 0)
            return msg_error(err, errlen, "internal error: option %s is declared twice", full);
    memcpy(t->names[t->n], full, strlen(full) + 1);
    t->defs[t->n] = (opt_def){t->names[t->n], takes_value};
    t->n++;
    return 0;
}

int opt_parse(int argc, char **argv, const opt_def *defs, size_t ndefs, opt_apply apply, void *ctx,
              char *err, size_t errlen)
{
    opt_pass p = {.argc = argc, .next = 1, .argv = argv, .defs = defs};
    const char *name = NULL, *value = NULL;
    int rc;
    if (ndefs > OPT_MAX)
        return msg_error(err, errlen, "internal error: %zu options; raise OPT_MAX (%d) in opt.h",
                         ndefs, OPT_MAX);
    p.ndefs = ndefs;
    while ((rc = opt_next(&p, &name, &value, err, errlen)) > 0)
        if (apply(ctx, name, value, err, errlen) != 0) return -1;
    return rc;
}
