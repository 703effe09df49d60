/*
 * _threads.c -- the pool behind gelu_parallel_for (contract in _threads.h).
 *
 * Deliberately small: a mutex, two condition variables, a generation
 * counter, a claim per range and a count of busy workers.  A job is split
 * into `parts` contiguous ranges; range 0 runs on the calling thread, range
 * i on worker i if that worker claims it first, else on the caller, which
 * claims every range still unclaimed once it has done its own.  A worker
 * that is slow to start (asleep, or sharing its CPU with another thread
 * pool's spinning thread, as PyTorch's OpenMP threads do after every
 * parallel operation) therefore never holds the caller up for longer than
 * the range it is already running: at worst the call takes its serial time.
 * The caller waits only for the workers inside a job (`active`).
 *
 * Waking a thread blocked on a condition variable takes tens of
 * microseconds on a VM, so both sides spin briefly before they block: a
 * worker for SPIN_NS after its last job (back-to-back calls, as in a loop
 * over layers, find it awake), the caller for SPIN_NS while waiting for
 * the workers.  Callers pass a grain that keeps small loops serial (the
 * grains in _ufuncs.c come from measurements).
 */
#include "_threads.h"

#include <fenv.h>

#if defined(_WIN32)

/* No pthreads: every loop runs on the calling thread. */
static int num_threads = 1;
int gelu_get_num_threads(void) { return num_threads; }
void gelu_set_num_threads(int n) { num_threads = n < 1 ? 1 : n; }
int gelu_threads_init(void) { return 0; }
void gelu_parallel_for(ptrdiff_t n, ptrdiff_t grain, gelu_range_fn fn, void *ctx) {
    (void)grain;
    if (n > 0) fn(ctx, 0, n);
}
int gelu_set_host_openmp(const gelu_host_openmp *rt) { (void)rt; return 0; }
void gelu_parallel_for_host(ptrdiff_t n, ptrdiff_t grain, gelu_range_fn fn, void *ctx) {
    gelu_parallel_for(n, grain, fn, ctx);
}

#else

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#define MAX_THREADS 512
#define SPIN_NS 100000

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Spin until (*v == value) == until_equal, for at most SPIN_NS; returns
 * whether that happened. */
static int spin_until(atomic_ulong *v, unsigned long value, int until_equal) {
    int64_t start = now_ns();
    for (int i = 0; (atomic_load(v) == value) != until_equal; i++) {
        cpu_relax();
        if ((i & 63) == 63) {
            if (now_ns() - start > SPIN_NS)
                return 0;
            /* Let a thread waiting for this CPU run: the other side may
             * share it (a worker woken onto its caller's CPU), and then
             * spinning only delays what is spun for. */
            sched_yield();
        }
    }
    return 1;
}

static atomic_int num_threads = 1;

/* Held by the one caller whose job owns the pool (trylock: never waited on
 * by a loop, only by fork's prepare handler). */
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER;
/* Guards everything below. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int n_workers;                      /* started so far (guarded by lock) */
static atomic_ulong generation;            /* bumped once per job, under lock */
static unsigned long start_generation[MAX_THREADS];
/* claim[i]: the latest job (its generation) whose range i someone has
 * taken; a range of job G is free while claim[i] < G. */
static atomic_ulong claim[MAX_THREADS];
static atomic_ulong active;                /* workers between wake-up and done */
static atomic_int raised;                  /* exception flags the workers raised */
/* Written by the caller before it bumps `generation`, read by the workers
 * after they see the new value. */
static struct {
    gelu_range_fn fn;
    void *ctx;
    ptrdiff_t n;
    int parts;
    fenv_t env;                            /* the caller's, for the workers */
} job;

int gelu_get_num_threads(void) { return atomic_load(&num_threads); }

void gelu_set_num_threads(int n) {
    atomic_store(&num_threads, n < 1 ? 1 : (n > MAX_THREADS ? MAX_THREADS : n));
}

/* Start of range i of `parts` over [0, n): sizes differ by at most one. */
static ptrdiff_t range_start(ptrdiff_t n, int parts, int i) {
    ptrdiff_t q = n / parts, r = n % parts;
    return q * i + (i < r ? i : r);
}

/* Take range i of job G, if nobody has: the caller or worker i. */
static int take(int i, unsigned long G) {
    unsigned long c = atomic_load(&claim[i]);
    while (c < G)
        if (atomic_compare_exchange_weak(&claim[i], &c, G))
            return 1;
    return 0;
}

/* Range i of `parts` over [0, n), for either kind of pool. */
static void run_part(gelu_range_fn fn, void *ctx, ptrdiff_t n, int parts, int i) {
    fn(ctx, range_start(n, parts, i), range_start(n, parts, i + 1));
}

static void run_range(int i) { run_part(job.fn, job.ctx, job.n, job.parts, i); }

static void *worker(void *arg) {
    int id = (int)(intptr_t)arg;
    pthread_mutex_lock(&lock);
    unsigned long seen = start_generation[id];
    pthread_mutex_unlock(&lock);
    for (;;) {
        if (!spin_until(&generation, seen, 0)) {
            pthread_mutex_lock(&lock);
            while (atomic_load(&generation) == seen)
                pthread_cond_wait(&wake, &lock);
            pthread_mutex_unlock(&lock);
        }
        seen = atomic_load(&generation);
        /* Counted before the claim: once the caller has taken every free
         * range, it waits until this count is zero, so `job` stays as it
         * is while a worker that won a claim reads it.  A worker late for
         * job `seen` finds its range taken and reads nothing. */
        atomic_fetch_add(&active, 1);
        if (take(id, seen)) {
            fesetenv(&job.env);
            feclearexcept(FE_ALL_EXCEPT);
            run_range(id);
            atomic_fetch_or(&raised, fetestexcept(FE_ALL_EXCEPT));
        }
        if (atomic_fetch_sub(&active, 1) == 1) {
            pthread_mutex_lock(&lock);   /* the caller may be about to wait */
            pthread_cond_signal(&done);
            pthread_mutex_unlock(&lock);
        }
    }
    return NULL;
}

/* With `lock` held: make sure workers 1 .. want - 1 exist; returns how
 * many threads (caller included) are available. */
static int ensure_workers(int want) {
    while (n_workers + 1 < want) {
        int id = n_workers + 1;
        start_generation[id] = generation;  /* the job about to start is new to it */
        pthread_attr_t attr;
        pthread_t t;
        if (pthread_attr_init(&attr) != 0)
            break;
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        /* A float16 loop's buffers take about 115 KiB of stack (chunk,
         * float16, float32 and double buffers nested); some C libraries
         * give threads as little as 128 KiB (musl). */
        size_t stack;
        if (pthread_attr_getstacksize(&attr, &stack) == 0 && stack < ((size_t)1 << 20))
            pthread_attr_setstacksize(&attr, (size_t)1 << 20);
        int err = pthread_create(&t, &attr, worker, (void *)(intptr_t)id);
        pthread_attr_destroy(&attr);
        if (err != 0)
            break;                          /* run with what there is */
        n_workers++;
    }
    return n_workers + 1 < want ? n_workers + 1 : want;
}

/* When the last call that could have split ended less than SPIN_NS ago
 * (calls in a loop: over layers, over batches, a benchmark), the grain is
 * divided by WARM_GRAIN_DIVISOR: the workers are then still spinning, or
 * will be after the one wake-up this call pays, and a split costs about a
 * microsecond instead of a wake-up's tens.  Measured on 2 CPUs of a VM
 * (tools/threads_cold_warm.py), a split in a loop pays from about 3 us of
 * work a part; an eighth of the grains (about 50 us of work when they
 * were measured, 4-77 us with today's kernels, docs/speed.md) keeps
 * nearly every part above that. */
#define WARM_GRAIN_DIVISOR 8
static atomic_llong last_call_end_ns;

static ptrdiff_t warm_grain_of(ptrdiff_t grain) {
    return grain / WARM_GRAIN_DIVISOR > 0 ? grain / WARM_GRAIN_DIVISOR : 1;
}

static void serial(ptrdiff_t n, gelu_range_fn fn, void *ctx) {
    fn(ctx, 0, n);
    atomic_store(&last_call_end_ns, (long long)now_ns());
}

void gelu_parallel_for(ptrdiff_t n, ptrdiff_t grain, gelu_range_fn fn, void *ctx) {
    if (n <= 0)
        return;
    ptrdiff_t parts = atomic_load(&num_threads);
    if (grain < 1)
        grain = 1;
    ptrdiff_t warm_grain = warm_grain_of(grain);
    if (parts <= 1 || n / warm_grain < 2) {   /* serial however warm the pool */
        fn(ctx, 0, n);
        return;
    }
    if (now_ns() - atomic_load(&last_call_end_ns) < SPIN_NS)
        grain = warm_grain;
    if (n / grain < parts)
        parts = n / grain;
    if (parts <= 1 || pthread_mutex_trylock(&busy) != 0) {
        serial(n, fn, ctx);
        return;
    }
    pthread_mutex_lock(&lock);
    parts = ensure_workers((int)parts);
    job.fn = fn;
    job.ctx = ctx;
    job.n = n;
    job.parts = (int)parts;
    fegetenv(&job.env);
    atomic_store(&raised, 0);
    unsigned long G = atomic_load(&generation) + 1;
    for (int i = (int)parts; i <= n_workers; i++)   /* workers with no range this time */
        atomic_store(&claim[i], G);
    atomic_store(&generation, G);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);

    run_range(0);
    for (int i = (int)parts - 1; i >= 1; i--)   /* the ranges no worker has started */
        if (take(i, G))
            run_range(i);

    if (!spin_until(&active, 0, 1)) {
        pthread_mutex_lock(&lock);
        while (atomic_load(&active) != 0)
            pthread_cond_wait(&done, &lock);
        pthread_mutex_unlock(&lock);
    }
    int flags = atomic_load(&raised);
    atomic_store(&last_call_end_ns, (long long)now_ns());
    pthread_mutex_unlock(&busy);
    if (flags)
        feraiseexcept(flags);
}

/* ---- a host's OpenMP threads ---------------------------------------- */

static gelu_host_openmp host;
static atomic_int have_host;
/* Set in a child made by fork() (after_fork_child): the host runtime
 * there may hold its parent's team, and GNU libgomp then hangs, so it is
 * neither kept nor taken (gelu.torch imported only in the child). */
static atomic_int forked_child;

int gelu_set_host_openmp(const gelu_host_openmp *rt) {
    atomic_store(&have_host, 0);
    if (rt == NULL || rt->parallel == NULL || rt->thread_num == NULL || rt->num_threads == NULL ||
        rt->max_threads == NULL || atomic_load(&forked_child))
        return 0;
    host = *rt;   /* at import, before any call that reads it (not while calls run) */
    atomic_store(&have_host, 1);
    return 1;
}

typedef struct {
    gelu_range_fn fn;
    void *ctx;
    ptrdiff_t n;
    int parts;
    fenv_t env;
} host_job;

/* One OpenMP thread's share: ranges t, t + team, ... (the runtime may give
 * fewer threads than asked, nested inside another parallel region one). */
static void host_body(void *data) {
    const host_job *j = data;
    int team = host.num_threads(), t = host.thread_num();
    fenv_t own;
    fegetenv(&own);
    fesetenv(&j->env);
    for (int i = t; i < j->parts; i += team)
        run_part(j->fn, j->ctx, j->n, j->parts, i);
    fesetenv(&own);
}

void gelu_parallel_for_host(ptrdiff_t n, ptrdiff_t grain, gelu_range_fn fn, void *ctx) {
    if (!atomic_load(&have_host)) {
        gelu_parallel_for(n, grain, fn, ctx);
        return;
    }
    if (n <= 0)
        return;
    grain = warm_grain_of(grain);
    ptrdiff_t parts = host.max_threads();
    if (n / grain < parts)
        parts = n / grain;
    if (parts > MAX_THREADS)
        parts = MAX_THREADS;
    if (parts <= 1) {
        fn(ctx, 0, n);
        return;
    }
    host_job j;
    j.fn = fn;
    j.ctx = ctx;
    j.n = n;
    j.parts = (int)parts;
    fegetenv(&j.env);
    host.parallel(host_body, &j, (unsigned)parts, 0);
}

/* fork(): hold the pool idle across it; the child has no workers (threads
 * do not survive fork), so it forgets them and starts its own if needed. */
static void before_fork(void) {
    pthread_mutex_lock(&busy);
    pthread_mutex_lock(&lock);
}

static void after_fork_parent(void) {
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&busy);
}

static void after_fork_child(void) {
    /* A host's OpenMP runtime may not survive fork() (GNU libgomp can hang
     * in a child whose parent had a team running): the child uses this
     * pool, which starts afresh. */
    atomic_store(&have_host, 0);
    atomic_store(&forked_child, 1);
    n_workers = 0;
    atomic_store(&active, 0);
    atomic_store(&generation, 0);
    for (int i = 0; i < MAX_THREADS; i++)
        atomic_store(&claim[i], 0);
    pthread_cond_init(&wake, NULL);
    pthread_cond_init(&done, NULL);
    pthread_mutex_unlock(&lock);
    pthread_mutex_unlock(&busy);
}

int gelu_threads_init(void) {
    static int registered;
    if (registered)
        return 0;
    registered = 1;
    return pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

#endif
