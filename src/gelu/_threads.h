/*
 * _threads.h -- the small thread pool that splits large ufunc loops.
 *
 * Python-free.  One process-wide pool of worker threads, started lazily up
 * to the configured count minus one (the calling thread does a share too).
 * Contract:
 *   - gelu_parallel_for runs fn(ctx, begin, end) over [0, n) split into
 *     contiguous ranges of at least `grain` elements (so small loops stay on
 *     the calling thread; an eighth of that when the previous call that
 *     could split ended less than the workers' spin time ago, as in a
 *     loop), and returns when all ranges are done; a range whose worker
 *     has not started by the time the caller is done with its own is run
 *     by the caller, so a late worker never makes a call slower than
 *     serial by more than the range it is running;
 *   - the workers run under the caller's floating-point environment
 *     (rounding mode, flush-to-zero), and the exception flags they raise
 *     are raised again on the calling thread, where NumPy looks for them;
 *     in round-to-nearest (the default) results do not depend on how the
 *     loop is split (in other modes elements at the edges of a range may
 *     round differently: the kernels' vector loops round to nearest in
 *     every mode, the elements they do one by one in the caller's);
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

/* A host's OpenMP runtime, by the entry points of the GNU ABI that GCC's
 * `#pragma omp parallel` compiles to (libgomp has them, and LLVM's and
 * Intel's runtimes export them for compatibility). */
typedef struct {
    void (*parallel)(void (*body)(void *), void *data, unsigned num_threads, unsigned flags);  /* GOMP_parallel */
    int (*thread_num)(void);     /* omp_get_thread_num */
    int (*num_threads)(void);    /* omp_get_num_threads */
    int (*max_threads)(void);    /* omp_get_max_threads */
} gelu_host_openmp;

/* Use that runtime (copied) for gelu_parallel_for_host; NULL: none.
 * Returns whether it is in use: not in a child process made by fork()
 * (a forked OpenMP runtime can hang there).  Call it when no parallel loop
 * is running (at import). */
int gelu_set_host_openmp(const gelu_host_openmp *rt);

/* gelu_parallel_for for a host application that runs its own OpenMP
 * threads (PyTorch): the ranges run on the host runtime's threads, as many
 * as it gives the calling thread (omp_get_max_threads: for PyTorch,
 * torch.get_num_threads() once PyTorch has set that thread up, by a
 * parallel operation or by being asked its thread count; the OpenMP
 * default before), so that the two pools never compete for the CPUs; the
 * grain is the one for a warm pool (the host's threads spin between its
 * parallel operations).  Each range runs under the caller's floating-point
 * environment, and the host thread's own is restored after it (a thread
 * the runtime creates for this call starts with the caller's, and keeps
 * it).  The floating-point exception flags the ranges raise are dropped,
 * the caller's included.  Without a host runtime, gelu_parallel_for. */
void gelu_parallel_for_host(ptrdiff_t n, ptrdiff_t grain, gelu_range_fn fn, void *ctx);

#endif /* GELU_THREADS_H */
