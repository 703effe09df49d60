/*
 * _dispatch.h -- which build of the array kernels (gelu_array.h) runs.
 *
 * Python-free.  The kernel sets differ only in speed (they give the same
 * bits), so the choice is the fastest one the CPU and OS support, unless
 * the user forces one (GELU_ISA at import, gelu._set_isa for tests).
 */
#ifndef GELU_DISPATCH_H
#define GELU_DISPATCH_H

#include "_kernels/gelu_array.h"

/* The fastest set this machine can run. */
const gelu_kernel_set *gelu_isa_best(void);

/* The set named `name` ("baseline", "avx2", "avx512"), or NULL if there
 * is none by that name in this build or the CPU cannot run it. */
const gelu_kernel_set *gelu_isa_find(const char *name);

/* Names of the sets this build has, the CPU aside, NULL-terminated. */
extern const char *const gelu_isa_names[];

/* The set in use: read by every loop, replaced atomically. */
const gelu_kernel_set *gelu_isa_active(void);
void gelu_isa_activate(const gelu_kernel_set *set);

#endif /* GELU_DISPATCH_H */
