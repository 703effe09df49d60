/*
 * gelu_exact_narrow.c -- exact GELU and derivatives for float32/float16 results.
 *
 * Same formulas as gelu_exact.c (Mills ratio, no cancelling subtraction,
 * root patch at the derivative's zero) in plain double, with low-degree
 * polynomials (exp: degree 7; Mills ratio: one polynomial of degree 12 in
 * 1/(1 + |x|/4)).  Contract: for x a float32 or float16 value, the returned
 * double is within about 2^-33 relative of the true value (2^-31 next to the
 * root patch), so the caller's single rounding gives <= 0.5 + 2^-7 ulp of
 * float32 (measured maximum: docs/accuracy.md).  Inputs are clamped to |x| <= 16, beyond which every float32
 * result is an exact limit (x, 1, or a signed zero).  The formulas live in
 * narrow_exact.h, shared with the array loops of gelu_array.c.
 */
#include "gelu_kernels.h"

#include <math.h>

#include "narrow_exact.h"
#include "f32_table.h"

double gelu_exact_narrow(double x) { return narrow_exact_scalar(x); }

double gelu_exact_grad_narrow(double x) { return narrow_exact_grad_times_scalar(x, 1.0); }

double gelu_exact_backward_narrow(double x, double g) { return narrow_exact_grad_times_scalar(x, g); }

double gelu_exact_grad2_narrow(double x) { return narrow_exact_grad2_scalar(x); }

float gelu_exact_f32(float x) {
    if (f32_table_in_range(x))
        return f32_table_value_quiet(&gelu_f32_table_exact, x);
    if (f32_table_covers(&gelu_f32_table_exact_tail, x))
        return f32_table_value(&gelu_f32_table_exact_tail, x);
    return (float)narrow_exact_scalar((double)x);
}

float gelu_exact_backward_f32(float x, float g) {
    if (f32_grad_in_range(x, g))
        return f32_grad_value_quiet(&gelu_f32_table_exact_grad, x, g);
    if (f32_grad_tail_in_range(&gelu_f32_table_exact_grad_tail, x, g))
        return f32_grad_value(&gelu_f32_table_exact_grad_tail, x, g);
    return (float)narrow_exact_grad_times_scalar((double)x, (double)g);
}

float gelu_exact_grad2_f32(float x) {
    if (f32_table_in_range(x))
        return f32_grad_value_quiet(&gelu_f32_table_exact_grad2, -fabsf(x), 1.0f);
    if (f32_table_covers(&gelu_f32_table_exact_grad2_tail, x))
        return f32_grad_value(&gelu_f32_table_exact_grad2_tail, -fabsf(x), 1.0f);
    return (float)narrow_exact_grad2_scalar((double)x);
}
