/*
 * hook.h - the result-damaging test hook of the drivers:
 * SCALEKIT_TEST_CORRUPT_RESULT, through which the tests make a run's result
 * or messages wrong on purpose, to show that its checks catch it (README,
 * Tests). It is read and interpreted here only, so its values and their
 * meaning are documented in one place. The other test hooks live next to
 * what they break: SCALEKIT_TEST_IO_STALL and SCALEKIT_TEST_IO_FAIL in
 * io/iofile.c, SCALEKIT_TEST_CPU_LACKS in drivers/archcheck.c (which runs
 * before main() and is built without -march).
 *
 * Not collective, no MPI or OpenMP: the communication and threading layers
 * call it too. Read at each call (the environment is not cached).
 */
#ifndef SCALEKIT_HOOK_H
#define SCALEKIT_HOOK_H

/* What SCALEKIT_TEST_CORRUPT_RESULT asks to damage. */
typedef enum hook_corrupt {
    /* Unset, or any value not listed below: nothing. */
    HOOK_CORRUPT_NONE,
    /* "1": rank 0 perturbs the combined result before verification (wrong
     * for every kernel and size), and scalekit-overhead damages the last
     * message of its exchanges, between threads and between ranks. */
    HOOK_CORRUPT_ALL,
    /* "row": for kernels verified by sampling, rank 0 perturbs one sampled
     * row/item together with its output's sum and the total (a wrong row
     * summed consistently); for the other kernels, the combined result as
     * with "1". Messages are left alone. */
    HOOK_CORRUPT_ROW,
    /* "threads": only the last message of the exchange between threads. */
    HOOK_CORRUPT_THREADS,
    /* "mpi": only the last message of the exchanges between ranks. */
    HOOK_CORRUPT_MPI
} hook_corrupt;

/* The value of SCALEKIT_TEST_CORRUPT_RESULT, interpreted as above. */
hook_corrupt hook_corrupt_mode(void);

#endif
