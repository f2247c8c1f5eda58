/*
 * hook.c - the result-damaging test hook (see hook.h). Invariant: only this
 * file reads SCALEKIT_TEST_CORRUPT_RESULT, so a value means the same to
 * every caller.
 */
#include "hook.h"

#include <stdlib.h>
#include <string.h>

hook_corrupt hook_corrupt_mode(void)
{
    static const struct {
        const char *value;
        hook_corrupt mode;
    } modes[] = {
        {"1", HOOK_CORRUPT_ALL},
        {"row", HOOK_CORRUPT_ROW},
        {"threads", HOOK_CORRUPT_THREADS},
        {"mpi", HOOK_CORRUPT_MPI},
    };
    const char *value = getenv("SCALEKIT_TEST_CORRUPT_RESULT");
    if (value == NULL) return HOOK_CORRUPT_NONE;
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(value, modes[i].value) == 0) return modes[i].mode;
    return HOOK_CORRUPT_NONE;
}
