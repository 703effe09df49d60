/*
 * table_flags.h -- the underflow flag around the float32 and float64 table
 * formulas (f32_table.h, f64_table.h).
 *
 * Those formulas can raise underflow from an intermediate at tiny x
 * although their result is normal (on the first piece A = 1/2 exactly, so
 * the FMA of the small term y E is the whole sum).  The AVX-512 loops
 * compute them with exceptions suppressed; every path in C (the few
 * elements those loops do one by one, the avx2 and baseline loops, the
 * scalar *_f32 entry points) puts the underflow flag back as it found it,
 * so that no path raises a flag from a table formula and NumPy's warnings
 * do not depend on the kernel set or on where an element sits in the
 * array.  (float32 GELU results below 2^-126, the only tiny results the
 * tables give, so raise no underflow either; float64 GELU takes the
 * double-double kernels there.)
 */
#ifndef GELU_TABLE_FLAGS_H
#define GELU_TABLE_FLAGS_H

#include <fenv.h>

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

#endif /* GELU_TABLE_FLAGS_H */
