/*
 * gelu_tanh_narrow.c -- the tanh formula and its derivatives for float32/float16 results.
 *
 * Same formulas as gelu_tanh.c (s = 1/(1+E), 1 - s = E/(1+E) with
 * E = exp(-2|u|), root patches at the zeros of the derivatives' brackets) in
 * plain double.  Contract: relative error about 2^-33 for float32/float16 x
 * (2^-31 next to the root patches), so <= 0.5 + 2^-7 ulp once the caller
 * rounds (measured maximum: docs/accuracy.md).  |x| is clamped to 12, beyond which every float32
 * left-tail result has underflowed.  The formulas live in narrow_tanh.h,
 * shared with the array loops of gelu_array.c.
 */
#include "gelu_kernels.h"

#include <math.h>

#include "narrow_tanh.h"
#include "f32_table.h"

double gelu_tanh_narrow(double x) { return narrow_tanh_scalar(x); }

double gelu_tanh_grad_narrow(double x) { return narrow_tanh_grad_times_scalar(x, 1.0); }

double gelu_tanh_backward_narrow(double x, double g) { return narrow_tanh_grad_times_scalar(x, g); }

double gelu_tanh_grad2_narrow(double x) { return narrow_tanh_grad2_scalar(x); }

float gelu_tanh_f32(float x) {
    if (f32_table_in_range(x))
        return f32_table_value_quiet(&gelu_f32_table_tanh, x);
    if (f32_table_covers(&gelu_f32_table_tanh_tail, x))
        return f32_table_value(&gelu_f32_table_tanh_tail, x);
    return (float)narrow_tanh_scalar((double)x);
}

float gelu_tanh_backward_f32(float x, float g) {
    if (f32_grad_in_range(x, g))
        return f32_grad_value_quiet(&gelu_f32_table_tanh_grad, x, g);
    if (f32_grad_tail_in_range(&gelu_f32_table_tanh_grad_tail, x, g))
        return f32_grad_value(&gelu_f32_table_tanh_grad_tail, x, g);
    return (float)narrow_tanh_grad_times_scalar((double)x, (double)g);
}

float gelu_tanh_grad2_f32(float x) {
    if (f32_table_in_range(x))
        return f32_grad_value_quiet(&gelu_f32_table_tanh_grad2, -fabsf(x), 1.0f);
    if (f32_table_covers(&gelu_f32_table_tanh_grad2_tail, x))
        return f32_grad_value(&gelu_f32_table_tanh_grad2_tail, -fabsf(x), 1.0f);
    return (float)narrow_tanh_grad2_scalar((double)x);
}
