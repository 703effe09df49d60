/* A Python-free host for the kernels: reads doubles from argv, prints every
 * kernel's value as a hex float, one line per x.  tests/kernels/test_c_api.py
 * compiles it together with the kernel sources and checks the numbers. */
#include <fenv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gelu_kernels.h"

/* --flags X...: for each x, whether each float32 entry point raised
 * underflow (1) or not (0), one line per x. */
static int underflow_of(float (*f)(float), float (*fg)(float, float), float x) {
    feclearexcept(FE_ALL_EXCEPT);
    volatile float r = f != NULL ? f(x) : fg(x, 1.0f);
    (void)r;
    return fetestexcept(FE_UNDERFLOW) != 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--flags") == 0) {
        for (int i = 2; i < argc; i++) {
            float x = strtof(argv[i], NULL);
            printf("%d %d %d %d %d %d\n", underflow_of(gelu_exact_f32, NULL, x), underflow_of(gelu_tanh_f32, NULL, x),
                   underflow_of(NULL, gelu_exact_backward_f32, x), underflow_of(NULL, gelu_tanh_backward_f32, x),
                   underflow_of(gelu_exact_grad2_f32, NULL, x), underflow_of(gelu_tanh_grad2_f32, NULL, x));
        }
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        double x = strtod(argv[i], NULL);
        printf("%a %a %a %a %a %a %a %a %a %a %a %a %a %a %a %a %a %a %a %a %a\n", x, gelu_exact(x), gelu_exact_grad(x), gelu_exact_grad2(x),
               gelu_tanh(x), gelu_tanh_grad(x), gelu_tanh_grad2(x), gelu_exact_narrow(x), gelu_tanh_narrow(x),
               (double)gelu_exact_f32((float)x), (double)gelu_tanh_f32((float)x),
               gelu_exact_f64(x), gelu_tanh_f64(x), gelu_exact_backward_f64(x, 1.0), gelu_tanh_backward_f64(x, 1.0),
               gelu_exact_backward_f64(x, -0.375), gelu_tanh_backward_f64(x, 1e300), gelu_exact_grad2_f64(x),
               gelu_tanh_grad2_f64(x), (double)gelu_exact_grad2_f32((float)x), (double)gelu_tanh_grad2_f32((float)x));
    }
    return 0;
}
