/*
 * gelu_kernels.h -- the public C API of the gelu kernel library.
 *
 * Python-free: this header and the .c files beside it include only the C
 * standard library, so they compile into C-level unit tests or other hosts.
 *
 * Every function takes and returns IEEE binary64.  The float64 kernels
 * (gelu_exact.c, gelu_tanh.c) carry double-double and round once: < 0.51 ulp.
 * (The float64 ufuncs use them where |x| >= 4: see gelu_exact_f64 below.)
 * The *_narrow kernels below serve float32 and float16: the NumPy glue
 * (src/gelu/_ufuncs.c) widens the input to double, calls them and rounds the
 * result once to the narrow type.  Measured errors: docs/accuracy.md.
 *
 * Contract common to all functions (each function below adds its own):
 *   - NaN in gives NaN out; no flush-to-zero, subnormals are honoured;
 *   - no floating-point exception flag is raised for finite input other
 *     than underflow when the true result is subnormal or zero, and
 *     overflow in *_backward when |g * grad| exceeds DBL_MAX;
 *   - thread-safe and reentrant: no global state.
 *
 * Variants:  "exact" is x*Phi(x), Phi the standard normal CDF.
 *            "tanh"  is 0.5*x*(1 + tanh(sqrt(2/pi)*(x + 0.044715*x^3))),
 *            evaluated accurately as the formula it is (not as exact GELU).
 */
#ifndef GELU_KERNELS_H
#define GELU_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/* gelu_exact(x) = x * Phi(x) = 0.5 * x * erfc(-x / sqrt(2)).
 * Limits: +inf -> +inf, -inf -> -0, -0 -> -0.  Underflows to -0 below
 * x ~ -38.6.  Max error: see docs/accuracy.md (target <= 1 ulp). */
double gelu_exact(double x);

/* gelu_exact_grad(x) = Phi(x) + x * phi(x).  Zero at x* = -0.75179...
 * Limits: +inf -> 1, -inf -> -0 (approached from below). */
double gelu_exact_grad(double x);

/* gelu_exact_grad2(x) = phi(x) * (2 - x^2).  Zeros at +-sqrt(2).
 * Limits: +-inf -> -0. */
double gelu_exact_grad2(double x);

/* gelu_exact_backward(x, g) = g * gelu_exact_grad(x), rounded once. */
double gelu_exact_backward(double x, double g);

/* gelu_tanh(x) = x * sigma(2u), u = sqrt(2/pi) * (x + 0.044715 x^3),
 * which equals 0.5 x (1 + tanh u) without the cancellation of 1 + tanh u.
 * Limits: +inf -> +inf, -inf -> -0, -0 -> -0. */
double gelu_tanh(double x);

/* gelu_tanh_grad(x) = d/dx gelu_tanh(x).  Limits: +inf -> 1, -inf -> -0. */
double gelu_tanh_grad(double x);

/* gelu_tanh_grad2(x) = d^2/dx^2 gelu_tanh(x).  Limits: +-inf -> -0. */
double gelu_tanh_grad2(double x);

/* gelu_tanh_backward(x, g) = g * gelu_tanh_grad(x), rounded once. */
double gelu_tanh_backward(double x, double g);

/*
 * Narrow kernels: the same eight functions for float32 and float16 results.
 * Computed in plain double (no double-double), they return the unrounded
 * double, within about 2^-33 relative of the true value for every float32
 * input (2^-31 next to the root patches, where the derivatives' formulas
 * cancel); the caller rounds once to float32 or float16, which gives
 * <= 0.5 + 2^-7 ulp.  Measured over every input (docs/accuracy.md): float32
 * <= 0.50154 ulp, float16 correctly rounded.  Same special values.  (The
 * float32 ufuncs use these where |x| >= 4: see gelu_exact_f32 below; the
 * float16 ufuncs use them throughout.)
 */
double gelu_exact_narrow(double x);
double gelu_exact_grad_narrow(double x);
double gelu_exact_grad2_narrow(double x);
double gelu_exact_backward_narrow(double x, double g);
double gelu_tanh_narrow(double x);
double gelu_tanh_grad_narrow(double x);
double gelu_tanh_grad2_narrow(double x);
double gelu_tanh_backward_narrow(double x, double g);

/*
 * float32 GELU and tanh GELU, their backward passes g * grad(x) and their
 * second derivatives, exactly as the ufuncs compute them for float32
 * arrays, bit for bit: float32 arithmetic with a 32-piece table for
 * |x| < 4 and a tail table for 4 <= |x| < 6 (5.5 for the tanh formula)
 * (and, for the backward, 2^-60 <= |g| <= 2^100 or g = 0; f32_table.h),
 * the narrow kernel rounded to float32 elsewhere.  Max errors:
 * docs/accuracy.md.
 */
float gelu_exact_f32(float x);
float gelu_tanh_f32(float x);
float gelu_exact_backward_f32(float x, float g);
float gelu_tanh_backward_f32(float x, float g);
float gelu_exact_grad2_f32(float x);
float gelu_tanh_grad2_f32(float x);

/*
 * float64 GELU, tanh GELU, their backward passes g * grad(x) (g = 1: the
 * gradients) and second derivatives exactly as the ufuncs compute them for
 * float64 arrays, bit for bit: double arithmetic with a 16-piece table for
 * |x| < 4 (GELU:
 * 2^-900 <= |x| or x = +-0; backward: 2^-800 <= |g| <= 2^800 or g = 0;
 * f64_table.h, a priori < 0.99 ulp), the double-double kernels above
 * elsewhere.  Max errors: docs/accuracy.md.
 */
double gelu_exact_f64(double x);
double gelu_tanh_f64(double x);
double gelu_exact_backward_f64(double x, double g);
double gelu_tanh_backward_f64(double x, double g);
double gelu_exact_grad2_f64(double x);
double gelu_tanh_grad2_f64(double x);

#ifdef __cplusplus
}
#endif
#endif /* GELU_KERNELS_H */
