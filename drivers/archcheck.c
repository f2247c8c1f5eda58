/*
 * archcheck.c - refuse to start, with a message saying what to do, on a CPU
 * that lacks the instruction set the build targets (cmake -DSCALEKIT_ARCH,
 * see cmake/arch.cmake), instead of dying of SIGILL inside a kernel.
 *
 * Invariant: this file is compiled WITHOUT the build's -march flags (see
 * CMakeLists.txt) and its check runs as a constructor, before main() and so
 * before any code compiled with those flags. The features to check arrive as
 * SK_NEED_<FEATURE> definitions (and SK_NEED_ANY); without any (generic
 * builds, non-x86 machines, other compilers) there is nothing to check.
 *
 * Test hook: SCALEKIT_TEST_CPU_LACKS=all (or a comma-separated list of
 * feature names, e.g. avx2,fma) pretends this CPU lacks those features.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "msg.h"

#if defined(__x86_64__) && defined(__GNUC__) && defined(SK_NEED_ANY)

/* 1 if the test hook pretends `name` is missing. */
static int archcheck_pretend_missing(const char *name)
{
    const char *list = getenv("SCALEKIT_TEST_CPU_LACKS");
    size_t len = strlen(name);
    if (list == NULL) return 0;
    if (strcmp(list, "all") == 0) return 1;
    for (const char *p = list; (p = strstr(p, name)) != NULL; p += len)
        if ((p == list || p[-1] == ',') && (p[len] == '\0' || p[len] == ',')) return 1;
    return 0;
}

/* Append `name` to the needed list, and to the missing one if the CPU (or the
 * test hook) says so. */
static void archcheck_feature(const char *name, int have, char *needed, char *missing, size_t n)
{
    size_t used = strlen(needed);
    snprintf(needed + used, n - used, "%s%s", used ? " " : "", name);
    if (have && !archcheck_pretend_missing(name)) return;
    used = strlen(missing);
    snprintf(missing + used, n - used, "%s%s", used ? " " : "", name);
}

#define ARCHCHECK(name) archcheck_feature(name, __builtin_cpu_supports(name), needed, missing, n)

/* Fill needed/missing (n bytes each) with the features this build uses. */
static void archcheck_scan(char *needed, char *missing, size_t n)
{
    needed[0] = missing[0] = '\0';
    __builtin_cpu_init();
#ifdef SK_NEED_SSE3
    ARCHCHECK("sse3");
#endif
#ifdef SK_NEED_SSSE3
    ARCHCHECK("ssse3");
#endif
#ifdef SK_NEED_SSE4_1
    ARCHCHECK("sse4.1");
#endif
#ifdef SK_NEED_SSE4_2
    ARCHCHECK("sse4.2");
#endif
#ifdef SK_NEED_POPCNT
    ARCHCHECK("popcnt");
#endif
#ifdef SK_NEED_AVX
    ARCHCHECK("avx");
#endif
#ifdef SK_NEED_AVX2
    ARCHCHECK("avx2");
#endif
#ifdef SK_NEED_FMA
    ARCHCHECK("fma");
#endif
#ifdef SK_NEED_BMI
    ARCHCHECK("bmi");
#endif
#ifdef SK_NEED_BMI2
    ARCHCHECK("bmi2");
#endif
#ifdef SK_NEED_AVX512F
    ARCHCHECK("avx512f");
#endif
#ifdef SK_NEED_AVX512CD
    ARCHCHECK("avx512cd");
#endif
#ifdef SK_NEED_AVX512VL
    ARCHCHECK("avx512vl");
#endif
#ifdef SK_NEED_AVX512BW
    ARCHCHECK("avx512bw");
#endif
#ifdef SK_NEED_AVX512DQ
    ARCHCHECK("avx512dq");
#endif
#ifdef SK_NEED_AVX512VNNI
    ARCHCHECK("avx512vnni");
#endif
#ifdef SK_NEED_AVX512IFMA
    ARCHCHECK("avx512ifma");
#endif
#ifdef SK_NEED_AVX512VBMI
    ARCHCHECK("avx512vbmi");
#endif
#ifdef SK_NEED_AVX512VBMI2
    ARCHCHECK("avx512vbmi2");
#endif
#ifdef SK_NEED_AVX512BITALG
    ARCHCHECK("avx512bitalg");
#endif
#ifdef SK_NEED_AVX512VPOPCNTDQ
    ARCHCHECK("avx512vpopcntdq");
#endif
#ifdef SK_NEED_AVX512BF16
    ARCHCHECK("avx512bf16");
#endif
}

__attribute__((constructor)) static void archcheck_run(void)
{
    char needed[512], missing[512], host[256];
    archcheck_scan(needed, missing, sizeof needed);
    if (missing[0] == '\0') return;
    msg_hostname(host, sizeof host);
    fprintf(stderr,
            "scalekit: this binary was built for %s (%s) and cannot run on host %s: its CPU lacks "
            "%s. Rebuild on this machine (./scalekit build, or cmake --preset release), or "
            "configure a portable build with -DSCALEKIT_ARCH=x86-64-v3 (AVX2 CPUs) or "
            "-DSCALEKIT_ARCH=generic (any x86-64 CPU). The build uses: %s.\n",
            SCALEKIT_ARCH, SCALEKIT_ARCH_FLAGS, host, missing, needed);
    exit(1);
}

#else
typedef int archcheck_nothing_to_check; /* ISO C: no empty translation unit */
#endif
