/*
 * gelu_array_isa.h -- internal to the per-ISA builds of the array loops.
 *
 * gelu_array.c (float32, and the kernel set), gelu_array_f64.c (float64)
 * and gelu_scalar_isa.c (scalar kernels) are compiled together once per ISA
 * with -DGELU_ISA=<name>; their shared functions carry that name as a
 * suffix so the builds can be linked side by side.  Not part of the
 * library's API.
 */
#ifndef GELU_ARRAY_ISA_H
#define GELU_ARRAY_ISA_H

#include <fenv.h>
#include <stddef.h>

#ifndef GELU_ISA
#define GELU_ISA baseline
#endif
#define GELU_CAT3(a, b) a##_##b
#define GELU_CAT2(a, b) GELU_CAT3(a, b)
#define GELU_ISA_NAME(name) GELU_CAT2(name, GELU_ISA)

/* The table formulas (f32_table.h, f64_table.h) can raise underflow from an
 * intermediate at tiny x although their result is normal (on the first
 * piece A = 1/2 exactly, so the FMA of the small term y E is the whole
 * sum).  The AVX-512 loops compute them with exceptions suppressed; the
 * paths in C (the few elements those loops do one by one, the avx2 and
 * baseline loops) put the underflow flag back as they found it, so that
 * no path raises a flag from a table formula and NumPy's warnings do not
 * depend on the kernel set or on where an element sits in the array.
 * (float32 GELU results below 2^-126, the only tiny results the tables
 * give, so raise no underflow either; float64 GELU takes the double-double
 * kernels there.) */
#if defined(__x86_64__) || defined(__SSE2_MATH__)
/* The kernels' arithmetic is SSE/AVX only: its flags are in MXCSR, which
 * one instruction reads (fetestexcept also reads the x87 status word, and
 * cost the float32 loops 3 % at 1e3 elements). */
#include <xmmintrin.h>
/* The empty asm with a memory clobber keeps the compiler from moving the
 * loads that the formulas start from (and so the formulas) across these. */
static inline int gelu_table_flags_save(void) {
    int underflow = (int)(_mm_getcsr() & _MM_EXCEPT_UNDERFLOW);
    __asm__ volatile("" ::: "memory");
    return underflow;
}

static inline void gelu_table_flags_restore(int underflow) {
    __asm__ volatile("" ::: "memory");
    unsigned csr = _mm_getcsr();
    if (!underflow && (csr & _MM_EXCEPT_UNDERFLOW))
        _mm_setcsr(csr & ~(unsigned)_MM_EXCEPT_UNDERFLOW);
}
#else
static inline int gelu_table_flags_save(void) { return fetestexcept(FE_UNDERFLOW); }

static inline void gelu_table_flags_restore(int underflow) {
    if (!underflow && fetestexcept(FE_UNDERFLOW))
        feclearexcept(FE_UNDERFLOW);
}
#endif

/* float64 loops (gelu_array_f64.c), gelu_array_fn each. */
#define GELU_F64(name) GELU_ISA_NAME(gelu_f64_##name)
#define GELU_F64_DECLARE(name) void GELU_F64(name)(const void *x, const void *g, void *out, ptrdiff_t n)
GELU_F64_DECLARE(exact);
GELU_F64_DECLARE(exact_grad);
GELU_F64_DECLARE(exact_grad2);
GELU_F64_DECLARE(exact_backward);
GELU_F64_DECLARE(tanh);
GELU_F64_DECLARE(tanh_grad);
GELU_F64_DECLARE(tanh_grad2);
GELU_F64_DECLARE(tanh_backward);

/* Scalar kernels of this ISA's build (gelu_scalar_isa.c). */
#define GELU_SCALAR(name) GELU_ISA_NAME(gelu_scalar_##name)
double GELU_SCALAR(exact_narrow)(double x);
double GELU_SCALAR(exact_grad_narrow)(double x);
double GELU_SCALAR(exact_grad2_narrow)(double x);
double GELU_SCALAR(exact_backward_narrow)(double x, double g);
double GELU_SCALAR(tanh_narrow)(double x);
double GELU_SCALAR(tanh_grad_narrow)(double x);
double GELU_SCALAR(tanh_grad2_narrow)(double x);
double GELU_SCALAR(tanh_backward_narrow)(double x, double g);
double GELU_SCALAR(exact)(double x, double g);
double GELU_SCALAR(exact_grad_times)(double x, double g);
double GELU_SCALAR(exact_grad2)(double x, double g);
double GELU_SCALAR(tanh)(double x, double g);
double GELU_SCALAR(tanh_grad_times)(double x, double g);
double GELU_SCALAR(tanh_grad2)(double x, double g);

#endif /* GELU_ARRAY_ISA_H */
