/*
 * kopt.c - kernel-specific command-line options (see kopt.h).
 * Invariant: an option is accepted only if the chosen kernel declares it, its
 * value is one of the option's choices and that choice applies to the running
 * driver; otherwise the message says what to use instead.
 */
#include "kopt.h"

#include <stdio.h>
#include <string.h>

#include "comm.h"
#include "msg.h"
#include "par.h"
#include "sync.h"

unsigned kopt_model(void)
{
    if (comm_is_mpi()) return par_is_threaded() ? KERNEL_MODEL_HYBRID : KERNEL_MODEL_MPI;
    return par_is_threaded() ? KERNEL_MODEL_OMP : KERNEL_MODEL_SEQ;
}

const char *kopt_model_name(unsigned model)
{
    switch (model) {
    case KERNEL_MODEL_SEQ:
        return "seq";
    case KERNEL_MODEL_OMP:
        return "omp";
    case KERNEL_MODEL_MPI:
        return "mpi";
    case KERNEL_MODEL_HYBRID:
        return "hybrid";
    default:
        return "?";
    }
}

const kernel_choice *kopt_choices(const kernel_option *o)
{
    static const kernel_choice none[] = {{NULL, NULL, 0, NULL}};
    if (o->kind == KERNEL_OPTION_SYNC) return sync_choices();
    return o->choices != NULL ? o->choices : none;
}

int kopt_applies(const kernel_choice *c, unsigned model)
{
    return c->models == 0 || (c->models & model) != 0;
}

/* The option of k called name, or NULL; *index gets its position. */
static const kernel_option *kopt_find(const kernel *k, const char *name, int *index)
{
    for (int i = 0; k->options != NULL && k->options[i].name != NULL; i++)
        if (strcmp(k->options[i].name, name) == 0) {
            *index = i;
            return &k->options[i];
        }
    return NULL;
}

/* The first kernel (in --list order) that declares an option called name. */
static const kernel *kopt_owner(const char *name)
{
    int unused;
    for (size_t i = 0; kernel_at(i) != NULL; i++)
        if (kopt_find(kernel_at(i), name, &unused) != NULL) return kernel_at(i);
    return NULL;
}

int kopt_take(kopt_set *s, const char *name, const char *value, char *err, size_t errlen)
{
    if (strlen(name) >= KOPT_NAME_LEN || kopt_owner(name) == NULL) return 0;
    if (s->n == KOPT_GIVEN_MAX)
        return msg_error(err, errlen, "too many kernel options (at most %d)", KOPT_GIVEN_MAX);
    strcpy(s->given[s->n].name, name);
    s->given[s->n].value = value;
    s->n++;
    return 1;
}

size_t kopt_all_names(const char **names, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; kernel_at(i) != NULL; i++) {
        const kernel *k = kernel_at(i);
        for (int o = 0; k->options != NULL && k->options[o].name != NULL; o++) {
            int seen = 0;
            for (size_t j = 0; j < n && !seen; j++)
                seen = strcmp(names[j], k->options[o].name) == 0;
            if (!seen && n < max) names[n++] = k->options[o].name;
        }
    }
    return n;
}

/* "a, b, c": the names in list (at most n bytes). */
static void kopt_names(const kernel_choice *list, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; list[i].name != NULL && len < n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(list[j].name, list[i].name) == 0;
        if (!seen)
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "", list[i].name);
    }
}

/* Resolve one option of k: the given value, else the first choice that
 * applies to this driver. A value may appear more than once in a list (with
 * different meanings per driver, e.g. sync "lock"): the one that applies
 * wins. */
static int kopt_pick(const kernel *k, const kernel_option *o, const char *value, int *out,
                     char *err, size_t errlen)
{
    const kernel_choice *list = kopt_choices(o);
    unsigned model = kopt_model();
    int named = -1;
    char names[256], q[MSG_QUOTE_SIZE];
    for (int i = 0; list[i].name != NULL; i++) {
        if (value != NULL && strcmp(list[i].name, value) != 0) continue;
        if (kopt_applies(&list[i], model)) {
            *out = i;
            return 0;
        }
        if (named < 0) named = i;
    }
    kopt_names(list, names, sizeof names);
    if (named >= 0 && value != NULL)
        return msg_error(err, errlen, "--%s %s does not apply to scalekit-%s: %s", o->name, value,
                         kopt_model_name(model),
                         list[named].elsewhere ? list[named].elsewhere : "see --list");
    if (value != NULL)
        return msg_error(err, errlen, "--%s %s is not one of %s (kernel %s; see --list)", o->name,
                         msg_quote(value, q, sizeof q), names, k->name);
    return msg_error(err, errlen, "kernel %s: no --%s value applies to scalekit-%s (values: %s)",
                     k->name, o->name, kopt_model_name(model), names);
}

int kopt_resolve(kopt_set *s, const kernel *k, kernel_params *p, char *err, size_t errlen)
{
    int n = 0;
    memset(s->chosen, 0, sizeof s->chosen);
    for (int i = 0; i < s->n; i++) {
        int index;
        if (kopt_find(k, s->given[i].name, &index) == NULL)
            return msg_error(err, errlen, "--%s is an option of kernel %s, not of %s",
                             s->given[i].name, kopt_owner(s->given[i].name)->name, k->name);
    }
    for (; k->options != NULL && k->options[n].name != NULL; n++) {
        const kernel_option *o = &k->options[n];
        const char *value = NULL;
        if (n == KERNEL_OPTIONS)
            return msg_error(err, errlen, "kernel %s declares more than %d options", k->name,
                             KERNEL_OPTIONS);
        for (int i = 0; i < s->n; i++)
            if (strcmp(s->given[i].name, o->name) == 0) value = s->given[i].value;
        if (kopt_pick(k, o, value, &p->opt[n], err, errlen) != 0) return -1;
        s->chosen[n] = kopt_choices(o)[p->opt[n]].name;
    }
    return 0;
}

/* "all drivers" or "seq omp hybrid". */
static const char *kopt_where(unsigned models, char *buf, size_t n)
{
    size_t len = 0;
    if (models == 0 || (models & KERNEL_MODEL_ALL) == KERNEL_MODEL_ALL) return "all drivers";
    buf[0] = '\0';
    for (unsigned m = KERNEL_MODEL_SEQ; m <= KERNEL_MODEL_HYBRID; m <<= 1)
        if (models & m)
            len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s%s", len ? " " : "",
                                    kopt_model_name(m));
    return buf;
}

void kopt_print_list(const kernel *k)
{
    unsigned model = kopt_model();
    for (int n = 0; k->options != NULL && k->options[n].name != NULL; n++) {
        const kernel_option *o = &k->options[n];
        const kernel_choice *list = kopt_choices(o);
        int def = -1;
        printf("    --%s  %s\n", o->name, o->help);
        for (int i = 0; list[i].name != NULL; i++) {
            char where[64];
            int here = kopt_applies(&list[i], model);
            if (here && def < 0) def = i;
            printf("        %-10s %s [%s%s]\n", list[i].name, list[i].help,
                   kopt_where(list[i].models, where, sizeof where),
                   def == i ? "; default here"
                   : here   ? ""
                            : "; not here");
        }
    }
}

void kopt_print_help(void)
{
    int any = 0;
    for (size_t i = 0; kernel_at(i) != NULL; i++) {
        const kernel *k = kernel_at(i);
        for (int n = 0; k->options != NULL && k->options[n].name != NULL; n++) {
            if (!any) printf("\nkernel options (values and where they apply: --list):\n");
            any = 1;
            printf("  --%-16s (%s) %s\n", k->options[n].name, k->name, k->options[n].help);
        }
    }
}
