/*
 * gelu_unroll.h -- GELU_UNROLL: unroll the next fixed-count loop in full.
 *
 * The kernels' inner loops (Horner steps, breakpoint counts) have constant
 * trip counts.  Unrolled, a loop over array elements around them becomes a
 * straight line that the compiler can vectorize (gelu_array.c); left as
 * inner loops, GCC gives up on the outer one.  Unrolling changes no
 * operation or its order.
 *
 * GELU_ALWAYS_INLINE, for the same reason: a large helper called from
 * several loops may otherwise stay a call, and a loop with a call does not
 * vectorize.  GELU_NOINLINE for the opposite case: a loop whose restrict
 * parameters the vectorizer needs, which inlining would drop.
 */
#ifndef GELU_UNROLL_H
#define GELU_UNROLL_H

#if defined(__clang__)
#define GELU_UNROLL _Pragma("unroll")
#elif defined(__GNUC__)
#define GELU_UNROLL _Pragma("GCC unroll 32")
#else
#define GELU_UNROLL
#endif

#if defined(__clang__)
#define GELU_ALWAYS_INLINE inline __attribute__((always_inline))
#define GELU_NOINLINE __attribute__((noinline))
#elif defined(__GNUC__)
#define GELU_ALWAYS_INLINE inline __attribute__((always_inline))
#define GELU_NOINLINE __attribute__((noinline, noclone))   /* a clone for a constant argument drops restrict too */
#else
#define GELU_ALWAYS_INLINE inline
#define GELU_NOINLINE
#endif

#endif /* GELU_UNROLL_H */
