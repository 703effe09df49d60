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

#include <stddef.h>

#ifndef GELU_ISA
#define GELU_ISA baseline
#endif
#define GELU_CAT3(a, b) a##_##b
#define GELU_CAT2(a, b) GELU_CAT3(a, b)
#define GELU_ISA_NAME(name) GELU_CAT2(name, GELU_ISA)

#include "table_flags.h"

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
