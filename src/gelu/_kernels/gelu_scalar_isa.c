/*
 * gelu_scalar_isa.c -- the scalar kernels, compiled once per ISA for the
 * array loops (gelu_array.c, gelu_array_f64.c): float16 goes through the
 * narrow ones element by element, and the float64 loops hand NaN-free
 * elements with subnormal results to the double-double ones.
 *
 * A file of its own because it must be compiled without -fno-trapping-math
 * (meson.build): with that flag GCC may compute `x + x` of a kernel's NaN
 * branch before testing for NaN, raising "overflow" for x = -DBL_MAX.
 */
#include "gelu_array_isa.h"

#include "dd_exact.h"
#include "dd_tanh.h"
#include "narrow_exact.h"
#include "narrow_tanh.h"

double GELU_SCALAR(exact_narrow)(double x) { return narrow_exact_scalar(x); }
double GELU_SCALAR(exact_grad_narrow)(double x) { return narrow_exact_grad_times_scalar(x, 1.0); }
double GELU_SCALAR(exact_grad2_narrow)(double x) { return narrow_exact_grad2_scalar(x); }
double GELU_SCALAR(exact_backward_narrow)(double x, double g) { return narrow_exact_grad_times_scalar(x, g); }
double GELU_SCALAR(tanh_narrow)(double x) { return narrow_tanh_scalar(x); }
double GELU_SCALAR(tanh_grad_narrow)(double x) { return narrow_tanh_grad_times_scalar(x, 1.0); }
double GELU_SCALAR(tanh_grad2_narrow)(double x) { return narrow_tanh_grad2_scalar(x); }
double GELU_SCALAR(tanh_backward_narrow)(double x, double g) { return narrow_tanh_grad_times_scalar(x, g); }

/* (x, g) for every function, g ignored where there is none. */
double GELU_SCALAR(exact)(double x, double g) { (void)g; return dd_gelu_exact(x); }
double GELU_SCALAR(exact_grad_times)(double x, double g) { return dd_gelu_exact_grad_times(x, g); }
double GELU_SCALAR(exact_grad2)(double x, double g) { (void)g; return dd_gelu_exact_grad2(x); }
double GELU_SCALAR(tanh)(double x, double g) { (void)g; return dd_gelu_tanh(x); }
double GELU_SCALAR(tanh_grad_times)(double x, double g) { return dd_gelu_tanh_grad_times(x, g); }
double GELU_SCALAR(tanh_grad2)(double x, double g) { (void)g; return dd_gelu_tanh_grad2(x); }
