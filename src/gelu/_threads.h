/*
 * _threads.h -- the small thread pool that splits large ufunc loops.
 *
 * Python-free.  One process-wide pool of worker threads, started lazily up
 * to the configured count minus one (the calling thread does a share too).
 * Contract:
 *   - gelu_parallel_for runs fn(ctx, begin, end) over [0, n) split into
 *     contiguous ranges of at least `grain` elements (so small loops stay on
 *     the calling thread), and returns when all ranges are done;
 *   - the workers run under the caller's floating-point environment
 *     (rounding mode, flush-to-zero), so results do not depend on the
 *     thread count, and the exception flags they raise are raised again on
 *     the calling thread, where NumPy looks for them;
 *   - one parallel loop at a time: a call that finds the pool busy (another
 *     Python thread, GIL released) runs serially on its own thread instead
 *     of waiting or oversubscribing;
 *   - fork-safe: the pool is idle across fork() and a child starts with no
 *     workers, creating its own when it first needs them.
 */
#ifndef GELU_THREADS_H
#define GELU_THREADS_H

#include <stddef.h>

typedef void (*gelu_range_fn)(void *ctx, ptrdiff_t begin, ptrdiff_t end);

/* Number of threads a parallel loop may use (>= 1), set by the Python side
 * from GELU_NUM_THREADS or the CPUs available to the process. */
int gelu_get_num_threads(void);
void gelu_set_num_threads(int n);

/* Called once at import: registers the fork handlers.  0 on success. */
int gelu_threads_init(void);

void gelu_parallel_for(ptrdiff_t n, ptrdiff_t grain, gelu_range_fn fn, void *ctx);

#endif /* GELU_THREADS_H */
