/*
 * gelu_tanh.c -- the tanh formula of GELU and its derivatives for float64,
 * the scalar C API.
 *
 * The double-double formulas live in dd_tanh.h (shared with the array
 * loops of gelu_array.c); error < 0.51 ulp, see there and docs/accuracy.md.
 */
#include "gelu_kernels.h"

#include "dd_tanh.h"
#include "f64_table.h"

double gelu_tanh(double x) { return dd_gelu_tanh(x); }

double gelu_tanh_grad(double x) { return dd_gelu_tanh_grad_times(x, 1.0); }

double gelu_tanh_backward(double x, double g) { return dd_gelu_tanh_grad_times(x, g); }

double gelu_tanh_grad2(double x) { return dd_gelu_tanh_grad2(x); }

double gelu_tanh_f64(double x) {
    return f64_table_in_range(x) ? f64_table_value(&gelu_f64_table_tanh, x) : dd_gelu_tanh(x);
}

double gelu_tanh_backward_f64(double x, double g) {
    return f64_grad_in_range(x, g) ? f64_grad_value(&gelu_f64_table_tanh_grad, x, g) : dd_gelu_tanh_grad_times(x, g);
}

double gelu_tanh_grad2_f64(double x) {
    return f64_grad_in_range(x, 1.0) ? f64_grad2_value(&gelu_f64_table_tanh_grad2, x) : dd_gelu_tanh_grad2(x);
}
