/*
 * _dispatch.c -- run-time choice of the kernel set (contract in _dispatch.h).
 *
 * x86-64 builds carry three sets; the AVX2 set needs AVX2 and FMA, the
 * AVX-512 one F, DQ, VL and BW (what meson.build compiles it for).
 * __builtin_cpu_supports also checks that the OS saves the wide registers.
 * Other architectures have the baseline set only (built with the
 * compiler's defaults, which on arm64 include FMA).
 */
#include "_dispatch.h"

#include <stdatomic.h>
#include <string.h>

#if (defined(__x86_64__) || defined(_M_X64)) && defined(GELU_HAVE_X86_SETS) && \
    (defined(__GNUC__) || defined(__clang__))
#define X86_SETS 1
#else
#define X86_SETS 0
#endif

#if X86_SETS
const char *const gelu_isa_names[] = {"baseline", "avx2", "avx512", NULL};

static int has_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
           has_avx2();
}
#else
const char *const gelu_isa_names[] = {"baseline", NULL};
#endif

const gelu_kernel_set *gelu_isa_best(void) {
#if X86_SETS
    if (has_avx512())
        return &gelu_kernels_avx512;
    if (has_avx2())
        return &gelu_kernels_avx2;
#endif
    return &gelu_kernels_baseline;
}

const gelu_kernel_set *gelu_isa_find(const char *name) {
    if (strcmp(name, "baseline") == 0)
        return &gelu_kernels_baseline;
#if X86_SETS
    if (strcmp(name, "avx2") == 0)
        return has_avx2() ? &gelu_kernels_avx2 : NULL;
    if (strcmp(name, "avx512") == 0)
        return has_avx512() ? &gelu_kernels_avx512 : NULL;
#endif
    return NULL;
}

static _Atomic(const gelu_kernel_set *) active = &gelu_kernels_baseline;

const gelu_kernel_set *gelu_isa_active(void) { return atomic_load_explicit(&active, memory_order_acquire); }

void gelu_isa_activate(const gelu_kernel_set *set) { atomic_store_explicit(&active, set, memory_order_release); }
