/*
 * gelu_array.h -- array entry points of the kernel library, one set per ISA.
 *
 * gelu_array.c is compiled several times (meson.build): once for baseline
 * x86-64 / the host's default, and on x86-64 once with AVX2+FMA and once
 * with AVX-512.  Each build exports one gelu_kernel_set; the caller picks
 * one at run time (src/gelu/_dispatch.c).  Every set computes the same
 * floating-point operations in the same order (-ffp-contract=off, fma()
 * written out, and fma() in baseline is the correctly rounded libm call),
 * so all of them give the same bits; only the speed differs.
 *
 * Array functions take contiguous arrays: out[i] = f(x[i]) or
 * f(x[i], g[i]) for 0 <= i < n, g ignored (may be NULL) for the unary
 * functions.  out may be x or g itself (in place), but must not overlap
 * them otherwise.  float32 arrays use the float32 table kernels
 * (f32_table.h) on |x| < 6 (5.5 for the tanh formula) and the *_narrow
 * formulas (double, one rounding) otherwise; float64 arrays use the
 * float64 table kernels and the double-double ones; bfloat16 and float16
 * arrays go through the float32 functions.  No allocation, no global
 * state, thread-safe; NaN in gives NaN out with no spurious flag.
 */
#ifndef GELU_ARRAY_H
#define GELU_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The eight functions, in the order of the public API (and of gelu._ufuncs). */
enum {
    GELU_FN_EXACT,
    GELU_FN_EXACT_GRAD,
    GELU_FN_EXACT_GRAD2,
    GELU_FN_EXACT_BACKWARD,
    GELU_FN_TANH,
    GELU_FN_TANH_GRAD,
    GELU_FN_TANH_GRAD2,
    GELU_FN_TANH_BACKWARD,
    GELU_N_FUNCS
};

typedef void (*gelu_array_fn)(const void *x, const void *g, void *out, ptrdiff_t n);
typedef ptrdiff_t (*gelu_f16_fn)(const void *x, const void *g, void *out, ptrdiff_t n, int32_t *redo);
typedef double (*gelu_unary_fn)(double x);
typedef double (*gelu_binary_fn)(double x, double g);

typedef struct {
    const char *isa;                       /* "baseline", "avx2" or "avx512" */
    gelu_array_fn f32[GELU_N_FUNCS];       /* float32 in and out */
    gelu_array_fn f64[GELU_N_FUNCS];       /* float64 in and out */
    /* bfloat16 in and out, as uint16 bit patterns: widened to float32 (exact),
     * computed by the f32 functions above, rounded once to bfloat16 (to
     * nearest even; NaN stays NaN). */
    gelu_array_fn bf16[GELU_N_FUNCS];
    /* float16 in and out, as uint16 bit patterns: widened to float32
     * (exact), computed by the f32 functions above, rounded once to
     * float16 where that is sure to give the correctly rounded result (see
     * gelu_array.c; it raises FE_UNDERFLOW where NumPy's conversion of the
     * exact result would, for the results below 2^-14 it rounds itself).
     * Returns how many elements
     * it left to the caller (in the avx512 set also the last n % 16),
     * their indices in redo (room for n; n < 2^31:
     * int32 keeps the caller's list small on its stack), with their out[i]
     * not written: the caller computes those with narrow_* below. */
    gelu_f16_fn f16[GELU_N_FUNCS];
    /* The narrow scalar kernels, compiled for this ISA: for callers that
     * convert element by element (float16).  NULL where the arity differs. */
    gelu_unary_fn narrow_unary[GELU_N_FUNCS];
    gelu_binary_fn narrow_binary[GELU_N_FUNCS];
} gelu_kernel_set;

extern const gelu_kernel_set gelu_kernels_baseline;
#if defined(__x86_64__) || defined(_M_X64)
extern const gelu_kernel_set gelu_kernels_avx2;
extern const gelu_kernel_set gelu_kernels_avx512;
#endif

#ifdef __cplusplus
}
#endif
#endif /* GELU_ARRAY_H */
