/* A Python-free host for the kernels: reads doubles from argv, prints every
 * kernel's value as a hex float, one line per x.  tests/kernels/test_c_api.py
 * compiles it together with the kernel sources and checks the numbers. */
#include <stdio.h>
#include <stdlib.h>

#include "gelu_kernels.h"

int main(int argc, char **argv) {
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
