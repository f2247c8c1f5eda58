/*
 * primes.c - count the primes <= N by trial division of every number.
 *
 * Index i of the 1-D domain [0, N] is the number i itself; work() adds the
 * number of primes among its span's numbers to count[0]. The cost per number
 * grows like sqrt(i) for primes, so drivers deal items cyclically (uneven).
 * Invariant: whether i is prime is decided by i alone, so the count is the
 * same for every decomposition. verify() uses a table of pi(10^k) or an
 * independent segmented sieve of Eratosthenes.
 */
#include "kernel.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRIMES_MAX_N INT64_C(1000000000000) /* 10^12: end of the pi(10^k) table */
#define PRIMES_SEGMENT INT64_C(32768)       /* minimum sieve segment (numbers) */

/* pi(10^k) for k = 0..12. */
static const uint64_t primes_pi_pow10[] = {0,         4,          25,         168,     1229,
                                           9592,      78498,      664579,     5761455, 50847534,
                                           455052511, 4118054813, 37607912018};

/* 1 if n is prime: odd trial divisors d while d <= n / d (no d*d overflow);
 * one division per divisor gives both quotient and remainder. */
static int primes_is_prime(uint64_t n)
{
    if (n < 4) return n >= 2;
    if (n % 2 == 0) return 0;
    for (uint64_t d = 3;; d += 2) {
        uint64_t q = n / d;
        if (q < d) return 1;
        if (q * d == n) return 0;
    }
}

static int primes_check(const kernel_params *p, char *err, size_t errlen)
{
    if (p->size[0] > PRIMES_MAX_N) {
        snprintf(err, errlen,
                 "primes: --size N=%" PRId64 " is too large: the limit is N <= "
                 "1000000000000 (10^12, the end of the verified range)",
                 p->size[0]);
        return -1;
    }
    return 0;
}

static int64_t primes_extent(const kernel_params *p, int axis)
{
    return axis == 0 ? p->size[0] + 1 : 1;
}

static void primes_work(void *state, const kernel_span *s, kernel_result *part)
{
    (void)state;
    uint64_t found = 0;
    uint64_t first = (uint64_t)s->global;
    for (uint64_t n = first; n < first + (uint64_t)s->count; n++)
        found += (uint64_t)primes_is_prime(n);
    part->count[0] += found;
}

/* floor(sqrt(n)) exactly. */
static uint64_t primes_isqrt(uint64_t n)
{
    uint64_t r = (uint64_t)sqrt((double)n);
    while (r > 0 && r > n / r)
        r--;
    while (r + 1 <= n / (r + 1))
        r++;
    return r;
}

/* The odd primes <= limit, in *out (caller frees); their number, or -1 when
 * out of memory. */
static int64_t primes_small(uint64_t limit, uint64_t **out)
{
    unsigned char *composite = calloc((size_t)limit + 1, 1);
    uint64_t *list = malloc(((size_t)limit / 2 + 1) * sizeof *list);
    if (composite == NULL || list == NULL) {
        free(composite);
        free(list);
        return -1;
    }
    int64_t k = 0;
    for (uint64_t i = 3; i <= limit; i += 2) {
        if (composite[i]) continue;
        list[k++] = i;
        for (uint64_t j = i * i; j <= limit; j += 2 * i)
            composite[j] = 1;
    }
    free(composite);
    *out = list;
    return k;
}

/* Count the unmarked odd numbers in [lo, hi) after striking odd multiples of
 * the odd primes; next[k] is the next odd multiple of primes[k] to strike. */
static uint64_t primes_segment(uint64_t lo, uint64_t hi, const uint64_t *primes, uint64_t *next,
                               int64_t nprimes, unsigned char *seg)
{
    memset(seg, 0, (size_t)(hi - lo));
    for (int64_t k = 0; k < nprimes && primes[k] * primes[k] < hi; k++) {
        uint64_t j = next[k];
        for (; j < hi; j += 2 * primes[k])
            seg[j - lo] = 1;
        next[k] = j;
    }
    uint64_t found = 0;
    for (uint64_t j = (lo < 3 ? 3 : lo | 1); j < hi; j += 2)
        found += (uint64_t)(seg[j - lo] == 0);
    return found;
}

/* pi(n) by a segmented sieve of Eratosthenes in O(sqrt n) memory, or
 * UINT64_MAX when out of memory. */
static uint64_t primes_sieve_count(uint64_t n)
{
    if (n < 2) return 0;
    uint64_t root = primes_isqrt(n);
    uint64_t seglen = root > (uint64_t)PRIMES_SEGMENT ? root : (uint64_t)PRIMES_SEGMENT;
    uint64_t *primes = NULL;
    int64_t nprimes = primes_small(root, &primes);
    uint64_t *next = nprimes >= 0 ? malloc(((size_t)nprimes + 1) * sizeof *next) : NULL;
    unsigned char *seg = malloc((size_t)seglen);
    uint64_t found = UINT64_MAX;
    if (next != NULL && seg != NULL) {
        for (int64_t k = 0; k < nprimes; k++)
            next[k] = primes[k] * primes[k];
        found = 1; /* the prime 2 */
        for (uint64_t lo = 0; lo <= n; lo += seglen) {
            uint64_t hi = n - lo < seglen ? n + 1 : lo + seglen;
            found += primes_segment(lo, hi, primes, next, nprimes, seg);
        }
    }
    free(primes);
    free(next);
    free(seg);
    return found;
}

/* k if n == 10^k (0 <= k <= 12), else -1. */
static int primes_pow10(int64_t n)
{
    int64_t t = 1;
    for (int k = 0; k <= 12; k++, t *= 10)
        if (n == t) return k;
    return -1;
}

static void primes_verify(const kernel_params *p, const kernel_result *r, kernel_verdict *v)
{
    int64_t n = p->size[0];
    uint64_t got = r->count[0];
    uint64_t want;
    int k = primes_pow10(n);
    if (k >= 0) {
        want = primes_pi_pow10[k];
        snprintf(v->method, sizeof v->method, "table pi(10^%d)", k);
    } else {
        want = n < 0 ? 0 : primes_sieve_count((uint64_t)n);
        snprintf(v->method, sizeof v->method, "segmented sieve%s",
                 want == UINT64_MAX ? " (out of memory)" : "");
    }
    v->ok = want != UINT64_MAX && got == want;
    v->value_name = "prime_count";
    v->value_is_integer = 1;
    v->ivalue = got;
    v->dvalue = (double)got;
    if (want == UINT64_MAX)
        snprintf(v->expected, sizeof v->expected, "unknown");
    else
        snprintf(v->expected, sizeof v->expected, "%" PRIu64, want);
    snprintf(v->got, sizeof v->got, "%" PRIu64, got);
}

static double primes_work_units(const kernel_params *p, const kernel_result *r)
{
    (void)r;
    return (double)(p->size[0] + 1) * (double)p->iters;
}

/* Trial division costs ~sqrt(p)/2 divisions per prime p <= N: ~N^1.5/ln N
 * in all. Measured 1.0-1.1e-9 s times that (preset times below); 2e-9 keeps
 * the estimate on the high side. */
static double primes_est_seconds(const kernel_params *p)
{
    double n = (double)p->size[0];
    return n < 3.0 ? 1e-6 : 2e-9 * n * sqrt(n) / log(n) * (double)p->iters;
}

const kernel kernel_primes = {
    .name = "primes",
    .summary = "count primes <= N by trial division (integer divide bound, uneven cost)",
    .size_help = "N (count primes <= N)",
    .iters_help = "passes over all numbers per run",
    .size_dims = 1,
    /* Measured single-thread times (AMD EPYC Zen 3 VM, gcc -O2): 2e6 0.21 s,
     * 1e7 2.0 s (table-verified), 5e7 20.4 s. */
    .presets = {{2000000}, {10000000}, {50000000}},
    .default_iters = 1,
    .dims = 1,
    .uneven = 1,
    .grain = 256,
    .rate_unit = "Mnum/s",
    .rate_scale = 1e-6,
    .check = primes_check,
    .extent = primes_extent,
    .work = primes_work,
    .verify = primes_verify,
    .work_units = primes_work_units,
    .est_seconds = primes_est_seconds,
    .result_counts = 1, /* count[0] only */
};
