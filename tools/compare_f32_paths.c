/*
 * compare_f32_paths.c -- every float32 input through each kernel set's
 * float32 array loops of gelu, gelu_tanh, their gradients, backward passes
 * (g = 0.3) and second derivatives against the scalar C entry points
 * gelu_exact_f32, gelu_tanh_f32, gelu_*_backward_f32, gelu_*_grad2_f32
 * (gelu_kernels.h), bit for bit: all 2^32
 * patterns on avx512 and avx2, every 101st on baseline.
 *
 * Build against a meson build directory (here build/):
 *   meson setup build && ninja -C build
 *   cc -O2 -Isrc/gelu/_kernels tools/compare_f32_paths.c -Wl,--start-group \
 *      build/libgelu_array_*.a build/libgelu_scalar_*.a build/libgelu_kernels.a \
 *      -Wl,--end-group -lm -o compare_f32_paths && ./compare_f32_paths
 * (x86-64 with AVX-512; about 20 minutes.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "gelu_array.h"
#include "gelu_kernels.h"
int main(){
  const gelu_kernel_set *sets[3] = {&gelu_kernels_avx512, &gelu_kernels_avx2, &gelu_kernels_baseline};
  const long N = 1<<20; float *x = malloc(N*4), *o = malloc(2*N*4);
  for (int s = 0; s < 3; s++) {
    long bad[8] = {0}; long step = s < 2 ? 1 : 101;   /* every pattern on avx512 and avx2; a sample on baseline */
    for (uint64_t base = 0; base < (1ull<<32); base += (uint64_t)N*step) {
      long n = 0;
      for (uint64_t b = base; b < base + (uint64_t)N*step && b < (1ull<<32); b += step) { uint32_t u = (uint32_t)b; memcpy(&x[n++], &u, 4); }
      for (int f = 0; f < 8; f++) {
        /* gelu, gelu_tanh, then gelu_grad, gelu_tanh_grad (g = 1), the
         * backward passes at g = 0.3 and the second derivatives */
        static const int fn[8] = {0, 4, 1, 5, 3, 7, 2, 6};
        float *gg = f == 4 || f == 5 ? o + N : NULL;
        if (gg) for (long i = 0; i < n; i++) gg[i] = 0.3f;
        sets[s]->f32[fn[f]](x, gg, o, n);
        for (long i = 0; i < n; i++) { float r = f == 0 ? gelu_exact_f32(x[i]) : f == 1 ? gelu_tanh_f32(x[i])
                                                : f == 2 ? gelu_exact_backward_f32(x[i], 1.0f) : f == 3 ? gelu_tanh_backward_f32(x[i], 1.0f)
                                                : f == 4 ? gelu_exact_backward_f32(x[i], 0.3f) : f == 5 ? gelu_tanh_backward_f32(x[i], 0.3f)
                                                : f == 6 ? gelu_exact_grad2_f32(x[i]) : gelu_tanh_grad2_f32(x[i]);
          if (memcmp(&r, &o[i], 4)) { if (bad[f] < 3) printf("%s f=%d x=%a array=%a scalar=%a\n", sets[s]->isa, f, x[i], o[i], r); bad[f]++; } }
      }
    }
    printf("%s: mismatches gelu %ld, gelu_tanh %ld, gelu_grad %ld, gelu_tanh_grad %ld, gelu_backward %ld, "
           "gelu_tanh_backward %ld, gelu_grad2 %ld, gelu_tanh_grad2 %ld (stride %ld)\n", sets[s]->isa, bad[0], bad[1],
           bad[2], bad[3], bad[4], bad[5], bad[6], bad[7], step);
  }
}
