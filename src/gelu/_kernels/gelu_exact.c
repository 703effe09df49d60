/*
 * gelu_exact.c -- exact GELU and its derivatives for float64, the scalar C API.
 *
 * The double-double formulas live in dd_exact.h (shared with the array
 * loops of gelu_array.c); error < 0.51 ulp, see there and docs/accuracy.md.
 */
#include "gelu_kernels.h"

#include "dd_exact.h"
#include "f64_table.h"

double gelu_exact(double x) { return dd_gelu_exact(x); }

double gelu_exact_grad(double x) { return dd_gelu_exact_grad_times(x, 1.0); }

double gelu_exact_backward(double x, double g) { return dd_gelu_exact_grad_times(x, g); }

double gelu_exact_grad2(double x) { return dd_gelu_exact_grad2(x); }

double gelu_exact_f64(double x) {
    return f64_table_in_range(x) ? f64_table_value(&gelu_f64_table_exact, x) : dd_gelu_exact(x);
}

double gelu_exact_backward_f64(double x, double g) {
    return f64_grad_in_range(x, g) ? f64_grad_value(&gelu_f64_table_exact_grad, x, g) : dd_gelu_exact_grad_times(x, g);
}

double gelu_exact_grad2_f64(double x) {
    return f64_grad_in_range(x, 1.0) ? f64_grad2_value(&gelu_f64_table_exact_grad2, x) : dd_gelu_exact_grad2(x);
}
