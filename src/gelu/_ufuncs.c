/*
 * _ufuncs.c -- the one file that binds the Python-free kernels in
 * _kernels/ to NumPy.  Adding a function is one line in GELU_UFUNCS below,
 * once the kernel sets (_kernels/gelu_array.h) have it.
 *
 * Loops: our own, one per dtype (float16, float32, float64), shared by all
 * eight ufuncs; the loop data says which function.  float32 and float64
 * call the array kernels (_kernels/gelu_array.h) of the kernel set chosen
 * for this CPU (_dispatch.h): contiguous operands directly, strided ones
 * through small stack buffers.  float32 uses float32-arithmetic table
 * kernels where they apply and the *_narrow formulas (plain double, one
 * rounding to float32) elsewhere, float64 the double-double ones, and
 * bfloat16 (ml_dtypes, registered at import when installed; and the private
 * _bf16_bits_* ufuncs on uint16 bit patterns) the float32 loops.
 * float16 goes through the set's float16 functions (the float32 kernels,
 * rounded once where that is sure to be correctly rounded and normal); the
 * elements they leave go through NumPy's own widening loop
 * (PyUFunc_e_e_As_d_d: correctly rounded double -> half) with that set's
 * narrow scalar kernels, as every float16 element once did.  Large loops are split across threads
 * (_threads.h).  The loops are registered in the order float16, float32,
 * float64 because NumPy takes the first loop the inputs cast to safely:
 * that order keeps the input dtype.  The loops touch no Python object, so
 * NumPy runs them with the GIL released.
 *
 * Type resolution: NumPy's promotion finds the e/f/d loops directly for
 * floating input.  Anything else falls back to the ufunc's legacy
 * `type_resolver`, which is ours: it computes integer/bool-only input in
 * float64 (NumPy's true_divide rule) and turns "no loop found" for complex,
 * object, string, datetime or longdouble input into a TypeError that names
 * the function, the argument and the accepted dtypes.  StringDType is a
 * new-style DType that never reaches that fallback, so it gets a promoter
 * that raises the same error.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_2_0_API_VERSION
#define NPY_TARGET_VERSION NPY_2_0_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/dtype_api.h>
#include <numpy/ufuncobject.h>

#include <fenv.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "_dispatch.h"
#include "_threads.h"
#include "_ufunc_docs.h"

#ifndef GELU_VERSION
#error "GELU_VERSION must be defined by the build (meson.build)"
#endif

typedef struct {
    const char *name;     /* Python name: __name__ and attribute of `gelu` */
    int fn;               /* GELU_FN_* of gelu_array.h: index into the kernel sets */
    int nin;              /* 1: f(x); 2: f(x, g) */
    const char *doc;
} gelu_ufunc_spec;

static const gelu_ufunc_spec GELU_UFUNCS[] = {
    {"gelu", GELU_FN_EXACT, 1, doc_gelu},
    {"gelu_grad", GELU_FN_EXACT_GRAD, 1, doc_gelu_grad},
    {"gelu_grad2", GELU_FN_EXACT_GRAD2, 1, doc_gelu_grad2},
    {"gelu_backward", GELU_FN_EXACT_BACKWARD, 2, doc_gelu_backward},
    {"gelu_tanh", GELU_FN_TANH, 1, doc_gelu_tanh},
    {"gelu_tanh_grad", GELU_FN_TANH_GRAD, 1, doc_gelu_tanh_grad},
    {"gelu_tanh_grad2", GELU_FN_TANH_GRAD2, 1, doc_gelu_tanh_grad2},
    {"gelu_tanh_backward", GELU_FN_TANH_BACKWARD, 2, doc_gelu_tanh_backward},
};

#define N_UFUNCS ((int)(sizeof(GELU_UFUNCS) / sizeof(GELU_UFUNCS[0])))
#define N_LOOPS 3

/* Argument names as the docstrings and error messages spell them. */
static const char *const ARG_NAMES[2] = {"x", "g"};

#define ACCEPTED_DTYPES \
    "accepted dtypes are float16, float32 and float64, bfloat16 with ml_dtypes " \
    "installed, and types that cast safely to float64 " \
    "(integer and bool inputs are cast to float64)"

/* NumPy keeps pointers to these arrays, so they must live forever. */
static PyUFuncGenericFunction unary_loops[N_LOOPS];
static PyUFuncGenericFunction binary_loops[N_LOOPS];
static const char unary_types[N_LOOPS * 2] = {
    NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT, NPY_DOUBLE, NPY_DOUBLE};
static const char binary_types[N_LOOPS * 3] = {
    NPY_HALF, NPY_HALF, NPY_HALF, NPY_FLOAT, NPY_FLOAT, NPY_FLOAT,
    NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE};
static void *loop_data[N_UFUNCS][N_LOOPS];

/* ---- loops -------------------------------------------------------------- */

/* LOOP_BF16 is not among the N_LOOPS loops every ufunc is made with: it is
 * added for ml_dtypes' bfloat16 when that is installed, and serves the
 * private bit-pattern ufuncs (see make_bf16_bits_ufunc). */
enum { LOOP_HALF, LOOP_FLOAT, LOOP_DOUBLE, LOOP_BF16 };

/* Smallest number of elements worth handing to another thread, per loop
 * dtype and function: about 50 microseconds of one thread's work, rounded
 * up to a power of two, when measured (`python -m gelu.bench --grain`,
 * AVX-512 kernels; float32 at commit 6540aaa, float64 at 425e260, float16
 * at f7990d6).  The kernels are faster now (4-77 us of work for these
 * counts) and kept on purpose: see "Threads" in docs/speed.md.  A pool
 * thread that has to be woken from sleep takes
 * about 40 microseconds on a VM; with this grain a split never costs
 * much, and when the workers are still spinning from the previous call
 * (back-to-back calls) it halves the time. */
static const ptrdiff_t GRAIN[N_LOOPS + 1][GELU_N_FUNCS] = {
    /* gelu, grad, grad2, backward, tanh, tanh_grad, tanh_grad2, tanh_backward */
    /* float16 runs the float32 kernels too, with two conversions */
    [LOOP_HALF] = {131072, 131072, 131072, 65536, 131072, 131072, 131072, 65536},
    [LOOP_FLOAT] = {262144, 65536, 131072, 65536, 262144, 65536, 65536, 65536},
    [LOOP_DOUBLE] = {65536, 65536, 16384, 65536, 65536, 65536, 4096, 65536},
    /* bfloat16 runs the float32 kernels: their grain */
    [LOOP_BF16] = {262144, 65536, 131072, 65536, 262144, 65536, 65536, 65536},
};

typedef struct {
    int loop;             /* LOOP_* */
    int fn, nin;
    const gelu_kernel_set *set;
    char **args;
    const npy_intp *steps;
} loop_call;

/* Elements per strided chunk: three buffers of 256 doubles, 6 KiB of stack. */
#define CHUNK 256

/* A contiguous view of operand `a` (n elements of `size` bytes, `step`
 * apart): the operand itself when it is contiguous, else a copy in buf. */
static const void *
contiguous_in(const char *a, npy_intp step, size_t size, void *buf, npy_intp n)
{
    if (step == (npy_intp)size) {
        return a;
    }
    char *b = buf;
    for (npy_intp i = 0; i < n; i++) {
        memcpy(b + i * size, a + i * step, size);
    }
    return buf;
}

/* Elements [begin, end) of one loop call: kernel set's array function on
 * contiguous operands, in chunks through stack buffers when strided. */
static void
array_range(const loop_call *c, char *const *a, npy_intp n)
{
    size_t size = c->loop == LOOP_FLOAT ? sizeof(float) : c->loop == LOOP_BF16 ? 2 : sizeof(double);
    gelu_array_fn f = c->loop == LOOP_FLOAT  ? c->set->f32[c->fn]
                      : c->loop == LOOP_BF16 ? c->set->bf16[c->fn]
                                             : c->set->f64[c->fn];
    const npy_intp *st = c->steps;
    int o = c->nin;  /* index of the output operand */
    if (st[0] == (npy_intp)size && st[o] == (npy_intp)size &&
        (c->nin == 1 || st[1] == (npy_intp)size)) {
        f(a[0], c->nin == 2 ? a[1] : NULL, a[o], n);
        return;
    }
    double xbuf[CHUNK], gbuf[CHUNK], obuf[CHUNK];
    for (npy_intp i = 0; i < n; i += CHUNK) {
        npy_intp m = n - i < CHUNK ? n - i : CHUNK;
        const void *x = contiguous_in(a[0] + i * st[0], st[0], size, xbuf, m);
        const void *g = c->nin == 2 ? contiguous_in(a[1] + i * st[1], st[1], size, gbuf, m) : NULL;
        char *out = a[o] + i * st[o];
        int direct = st[o] == (npy_intp)size;
        f(x, g, direct ? (void *)out : (void *)obuf, m);
        if (!direct) {
            for (npy_intp j = 0; j < m; j++) {
                memcpy(out + j * st[o], (char *)obuf + j * size, size);
            }
        }
    }
}

/* The exact float16 result of one element (x, g at a[0], a[1]; out at
 * a[nin]), as the loop computed every float16 element before the float32
 * route: the narrow kernel in double, then NumPy's correctly rounded
 * conversion, which raises the underflow and overflow flags. */
static void
half_exact(const loop_call *c, char **a)
{
    npy_intp one = 1;
    if (c->nin == 1) {
        PyUFunc_e_e_As_d_d(a, &one, c->steps, (void *)c->set->narrow_unary[c->fn]);
    }
    else {
        PyUFunc_ee_e_As_dd_d(a, &one, c->steps, (void *)c->set->narrow_binary[c->fn]);
    }
}

/* float16 elements per chunk: two blocks of the AVX-512 float32 table
 * loop (1024 each; one per chunk made float16 5-7 % slower at 1e5, the
 * float16 function's flags work being per call); 20 KiB of stack for the
 * buffers and the list of elements left. */
#define HALF_CHUNK 2048

/* Whether n-element contiguous float16 operands at a and b share memory
 * without being the same elements (out = x exactly is in place, and safe). */
static int
partial_overlap16(const char *a, const char *b, npy_intp n)
{
    return a != b && a < b + 2 * n && b < a + 2 * n;
}

/* float16 elements [0, n) at a: the kernel set's float16 function (the
 * float32 kernels, rounded once where that is sure to be right) on
 * contiguous chunks, strided operands copied through stack buffers; the
 * elements it leaves (overflow, NaN, near-ties, zeros from outside the
 * float32 tables' range) by half_exact.  Same bits and flags as half_exact
 * on every element. */

/* The kernel set's float16 function on m elements, as half_range needs
 * it: the whole vectors of 16 in place, the last m % 16 through a copy
 * padded with zeros (their lanes' results are dropped; the float16
 * function raises no flag for them: it drops its float32 arithmetic's
 * flags and raises underflow only for tiny results).  The avx512 set's
 * function leaves the last n % 16 of a call to the caller, one by one
 * (its float32 function, called from inside it, would stack 24 KiB more:
 * docs/speed.md, "Stack").  Returns the elements left, their indices in
 * redo, as the float16 function does. */
static ptrdiff_t
half_f16(const loop_call *c, const char *x, const char *g, char *out, npy_intp m, int32_t *redo)
{
    gelu_f16_fn f = c->set->f16[c->fn];
    npy_intp whole = m / 16 * 16, rest = m - whole;
    ptrdiff_t nredo = whole > 0 ? f(x, g, out, whole, redo) : 0;
    if (rest == 0) {
        return nredo;
    }
    npy_uint16 xpad[16] = {0}, gpad[16] = {0}, opad[16] = {0};
    int32_t redo_pad[16];
    memcpy(xpad, x + 2 * whole, 2 * (size_t)rest);
    if (g != NULL) {
        memcpy(gpad, g + 2 * whole, 2 * (size_t)rest);
    }
    ptrdiff_t more = f(xpad, g != NULL ? gpad : NULL, opad, 16, redo_pad);
    /* the elements left keep what out held, as the float16 function leaves them */
    unsigned char left[16] = {0};
    for (ptrdiff_t k = 0; k < more; k++) {
        left[redo_pad[k]] = 1;
        if (redo_pad[k] < rest) {
            redo[nredo++] = (int32_t)(whole + redo_pad[k]);
        }
    }
    for (npy_intp j = 0; j < rest; j++) {
        if (!left[j]) {
            memcpy(out + 2 * (whole + j), opad + j, 2);
        }
    }
    return nredo;
}

static void
half_range(const loop_call *c, char *const *a, npy_intp n)
{
    const npy_intp *st = c->steps;
    int o = c->nin;
    npy_uint16 xbuf[HALF_CHUNK], gbuf[HALF_CHUNK], obuf[HALF_CHUNK];
    int32_t redo[HALF_CHUNK];
    for (npy_intp i = 0; i < n; i += HALF_CHUNK) {
        npy_intp m = n - i < HALF_CHUNK ? n - i : HALF_CHUNK;
        char *x = (char *)contiguous_in(a[0] + i * st[0], st[0], 2, xbuf, m);
        char *g = c->nin == 2 ? (char *)contiguous_in(a[1] + i * st[1], st[1], 2, gbuf, m) : NULL;
        char *out = a[o] + i * st[o];
        int direct = st[o] == 2;
        char *ob = direct ? out : (char *)obuf;
        /* NumPy hands over an output that overlaps an input a few elements
         * behind it (out = y[:-1], x = y[1:]) uncopied, for in-order loops.
         * The float16 function writes a chunk before the elements it leaves
         * are recomputed from their inputs: those inputs are copied first. */
        if (direct && x != (char *)xbuf && partial_overlap16(x, ob, m)) {
            x = memcpy(xbuf, x, 2 * (size_t)m);
        }
        if (direct && g != NULL && g != (char *)gbuf && partial_overlap16(g, ob, m)) {
            g = memcpy(gbuf, g, 2 * (size_t)m);
        }
        ptrdiff_t nredo = half_f16(c, x, g, ob, m, redo);
        npy_intp unit[3] = {2, 2, 2};
        loop_call one = *c;
        one.steps = unit;
        for (ptrdiff_t k = 0; k < nredo; k++) {
            char *e[3] = {x + 2 * redo[k], g != NULL ? g + 2 * redo[k] : ob + 2 * redo[k], ob + 2 * redo[k]};
            half_exact(&one, e);
        }
        if (!direct) {
            for (npy_intp j = 0; j < m; j++) {
                memcpy(out + j * st[o], obuf + j, 2);
            }
        }
    }
}

/* gelu_range_fn: elements [begin, end) of the loop call in `ctx`. */
static void
loop_range(void *ctx, ptrdiff_t begin, ptrdiff_t end)
{
    const loop_call *c = ctx;
    char *a[3];
    for (int k = 0; k <= c->nin; k++) {
        a[k] = c->args[k] + begin * c->steps[k];
    }
    npy_intp n = end - begin;
    if (c->loop != LOOP_HALF) {
        array_range(c, a, n);
    }
    else {
        half_range(c, a, n);
    }
}

/* The bytes operand k of an n-element loop spans: [*lo, *hi). */
static void
extent(const char *p, npy_intp step, npy_intp n, npy_intp size, const char **lo, const char **hi)
{
    const char *last = p + (n - 1) * step;
    *lo = step < 0 ? last : p;
    *hi = (step < 0 ? p : last) + size;
}

/* How an n-element loop call's inputs share memory with its output:
 *   ALIAS_NONE   none does (or an input is the output element for element:
 *                in place), so the loop may be split across threads;
 *   ALIAS_AHEAD  an input overlaps the output with the same step, at or
 *                ahead of it in the loop's direction (NumPy passes
 *                out = y[:-1] with x = y[1:] uncopied, for loops that go in
 *                order): no element's output is an input of a later one, so
 *                blocks in order on one thread are right (the kernels read
 *                each block's inputs before writing it), but split across
 *                threads one would read what another has written;
 *   ALIAS_CHAIN  anything else: an input behind the output or with another
 *                step, as in ufunc.accumulate (x one element behind out) and
 *                ufunc.reduce (x and out the same accumulator, step 0):
 *                each element reads what an earlier one wrote, so they must
 *                be computed one at a time, in order. */
enum { ALIAS_NONE, ALIAS_AHEAD, ALIAS_CHAIN };

static int
output_aliasing(const loop_call *c, npy_intp n, npy_intp size)
{
    const char *olo, *ohi;
    const char *out = c->args[c->nin];
    npy_intp ostep = c->steps[c->nin];
    extent(out, ostep, n, size, &olo, &ohi);
    int alias = ALIAS_NONE;
    for (int k = 0; k < c->nin; k++) {
        const char *lo, *hi;
        extent(c->args[k], c->steps[k], n, size, &lo, &hi);
        if (!(lo < ohi && olo < hi)) {
            continue;
        }
        if (n == 1 || (c->args[k] == out && c->steps[k] == ostep && ostep != 0)) {
            continue;   /* in place */
        }
        if (c->steps[k] == ostep && ostep != 0) {
            /* interleaved but apart, as x = A[:, 0] with out = A[:, 1]: the
             * offset, modulo the step, keeps every element off the others */
            npy_intp s = ostep < 0 ? -ostep : ostep;
            npy_intp r = (npy_intp)((c->args[k] - out) % s);
            r = r < 0 ? r + s : r;
            if (r >= size && r <= s - size) {
                continue;
            }
        }
        int ahead = c->steps[k] == ostep && ostep != 0 && (ostep > 0 ? c->args[k] > out : c->args[k] < out);
        if (!ahead) {
            return ALIAS_CHAIN;
        }
        alias = ALIAS_AHEAD;
    }
    return alias;
}

static void
run_loop(int loop, char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)
{
    const gelu_ufunc_spec *spec = data;
    loop_call c = {loop, spec->fn, spec->nin, gelu_isa_active(), args, steps};
    npy_intp n = dimensions[0];
    npy_intp size = loop == LOOP_FLOAT ? 4 : loop == LOOP_DOUBLE ? 8 : 2;
    int alias = n > 0 ? output_aliasing(&c, n, size) : ALIAS_NONE;
    if (alias == ALIAS_AHEAD) {
        loop_range(&c, 0, n);   /* in order, on this thread */
        return;
    }
    if (alias == ALIAS_CHAIN) {
        for (npy_intp i = 0; i < n; i++) {
            loop_range(&c, i, i + 1);   /* one element at a time, in order */
        }
        return;
    }
    gelu_parallel_for(n, GRAIN[loop][spec->fn], loop_range, &c);
}

static void
loop_half(char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)
{
    run_loop(LOOP_HALF, args, dimensions, steps, data);
}

static void
loop_float(char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)
{
    run_loop(LOOP_FLOAT, args, dimensions, steps, data);
}

static void
loop_double(char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)
{
    run_loop(LOOP_DOUBLE, args, dimensions, steps, data);
}

/* bfloat16 as 16-bit patterns: ml_dtypes.bfloat16 or the private uint16 ufuncs. */
static void
loop_bf16(char **args, npy_intp const *dimensions, npy_intp const *steps, void *data)
{
    run_loop(LOOP_BF16, args, dimensions, steps, data);
}

/* Raise the TypeError for input `arg` of `ufunc`, whose dtype is `dtype`
 * (a descriptor or DType class), keeping NumPy's own error, if one is set,
 * as __cause__.  The pending error is fetched first: str(dtype) runs
 * Python code, which must not run with an exception set. */
static void
raise_unsupported_dtype(PyUFuncObject *ufunc, int arg, PyObject *dtype)
{
    PyObject *cause_type, *cause, *cause_tb;
    PyErr_Fetch(&cause_type, &cause, &cause_tb);
    if (cause_type != NULL) {
        PyErr_NormalizeException(&cause_type, &cause, &cause_tb);
        if (cause_tb != NULL) {
            PyException_SetTraceback(cause, cause_tb);
        }
    }
    /* A DType class (StringDType) reads best by its name. */
    PyObject *dtype_str = PyType_Check(dtype)
                              ? PyObject_GetAttrString(dtype, "__name__")
                              : PyObject_Str(dtype);
    if (dtype_str != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): argument '%s' has unsupported dtype %U; " ACCEPTED_DTYPES,
                     ufunc->name, ARG_NAMES[arg], dtype_str);
        Py_DECREF(dtype_str);
    }
    if (cause != NULL) {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        PyException_SetCause(value, cause); /* steals `cause` */
        PyErr_Restore(type, value, tb);
    }
    Py_XDECREF(cause_type);
    Py_XDECREF(cause_tb);
}

static int
is_int_or_bool(int type_num)
{
    return PyTypeNum_ISINTEGER(type_num) || PyTypeNum_ISBOOL(type_num);
}

/* The user dtype number of ml_dtypes.bfloat16 once its loops are
 * registered (py_register_bfloat16), else -1. */
static int bfloat16_type_num = -1;

/* Whether an input of this dtype has a loop, directly or by a safe cast
 * (ml_dtypes' float8 and int4 types too): the error of a failed call
 * blames the first input that has none.  Called with no exception set. */
static int
is_accepted(PyArray_Descr *descr)
{
    int type_num = descr->type_num;
    if (is_int_or_bool(type_num) || type_num == NPY_HALF || type_num == NPY_FLOAT ||
        type_num == NPY_DOUBLE || (bfloat16_type_num >= 0 && type_num == bfloat16_type_num)) {
        return 1;
    }
    PyArray_Descr *f64 = PyArray_DescrFromType(NPY_DOUBLE);
    int safe = PyArray_CanCastTypeTo(descr, f64, NPY_SAFE_CASTING);
    Py_DECREF(f64);
    return safe;
}

static int
gelu_type_resolver(PyUFuncObject *ufunc, NPY_CASTING casting,
                   PyArrayObject **operands, PyObject *type_tup,
                   PyArray_Descr **out_dtypes)
{
    int nin = ufunc->nin;

    /* Integer/bool-only input: float64, as true_divide does.  The default
     * rule would pick float16 for int8 and bool, losing most digits. */
    int all_int = 1;
    for (int i = 0; i < nin; i++) {
        all_int &= is_int_or_bool(PyArray_DESCR(operands[i])->type_num);
    }
    if (all_int && type_tup == NULL) {
        PyObject *d = (PyObject *)PyArray_DescrFromType(NPY_DOUBLE);
        PyObject *tup = PyTuple_New(ufunc->nargs);
        if (tup == NULL) {
            Py_DECREF(d);
            return -1;
        }
        for (int i = 0; i < ufunc->nargs; i++) {
            Py_INCREF(d);
            PyTuple_SET_ITEM(tup, i, d);
        }
        Py_DECREF(d);
        int ret = PyUFunc_DefaultTypeResolver(ufunc, casting, operands, tup,
                                              out_dtypes);
        Py_DECREF(tup);
        return ret;
    }

    int ret = PyUFunc_DefaultTypeResolver(ufunc, casting, operands, type_tup,
                                          out_dtypes);
    if (ret < 0 && PyErr_ExceptionMatches(PyExc_TypeError)) {
        /* NumPy's error is set aside while the dtypes are looked at, and
         * becomes the cause of ours (raise_unsupported_dtype) */
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        int bad = -1;
        for (int i = 0; i < nin && bad < 0; i++) {
            if (!is_accepted(PyArray_DESCR(operands[i]))) {
                bad = i;
            }
        }
        PyErr_Restore(type, value, tb);
        if (bad >= 0) {
            raise_unsupported_dtype(ufunc, bad, (PyObject *)PyArray_DESCR(operands[bad]));
            return -1;
        }
    }
    /* Any other failure (an impossible `dtype=`/`signature=`, ...) keeps
     * NumPy's message, which already names the cast that failed. */
    return ret;
}

/* Promoter for StringDType operands: never promotes, always explains. */
static int
reject_string_promoter(PyObject *ufunc, PyArray_DTypeMeta *const op_dtypes[],
                       PyArray_DTypeMeta *const signature[],
                       PyArray_DTypeMeta *new_op_dtypes[])
{
    (void)signature;
    (void)new_op_dtypes;
    PyUFuncObject *uf = (PyUFuncObject *)ufunc;
    for (int i = 0; i < uf->nin; i++) {
        if (op_dtypes[i] == &PyArray_StringDType) {
            raise_unsupported_dtype(uf, i, (PyObject *)op_dtypes[i]);
            return -1;
        }
    }
    PyErr_SetString(PyExc_RuntimeError, "gelu: string promoter matched no operand");
    return -1;
}

/* Register `reject_string_promoter` for every pattern of StringDType
 * inputs.  The all-string pattern goes first: NumPy compares candidate
 * promoters pairwise, and (T, None) against (None, T) alone is a tie. */
static int
add_string_promoters(PyObject *ufunc, int nin)
{
    PyObject *T = (PyObject *)&PyArray_StringDType;
    PyObject *capsule = PyCapsule_New((void *)&reject_string_promoter,
                                      "numpy._ufunc_promoter", NULL);
    if (capsule == NULL) {
        return -1;
    }
    PyObject *patterns[3] = {NULL, NULL, NULL};
    int n = 0;
    if (nin == 1) {
        patterns[n++] = PyTuple_Pack(2, T, Py_None);
    }
    else {
        patterns[n++] = PyTuple_Pack(3, T, T, Py_None);
        patterns[n++] = PyTuple_Pack(3, T, Py_None, Py_None);
        patterns[n++] = PyTuple_Pack(3, Py_None, T, Py_None);
    }
    int ret = 0;
    for (int i = 0; i < n; i++) {
        if (ret == 0 && (patterns[i] == NULL ||
                         PyUFunc_AddPromoter(ufunc, patterns[i], capsule) < 0)) {
            ret = -1;
        }
        Py_XDECREF(patterns[i]);
    }
    Py_DECREF(capsule);
    return ret;
}

static int
set_str_attr(PyObject *obj, const char *attr, const char *value)
{
    PyObject *s = PyUnicode_FromString(value);
    if (s == NULL) {
        return -1;
    }
    int ret = PyObject_SetAttrString(obj, attr, s);
    Py_DECREF(s);
    return ret;
}

/* NumPy's generated signature line calls the inputs x1, x2; ours are
 * x and g, as in the docstring and the error messages.  Needs a NumPy
 * whose ufuncs have a __dict__ (where a __doc__ overrides the generated
 * one, NumPy >= 2.2); on older ones the x1, x2 line stays. */
static int
rename_binary_args(PyObject *uf)
{
    PyObject *doc = PyObject_GetAttrString(uf, "__doc__");
    if (doc == NULL) {
        return -1;
    }
    PyObject *renamed = PyObject_CallMethod(doc, "replace", "ssi", "(x1, x2, /",
                                            "(x, g, /", 1);
    Py_DECREF(doc);
    if (renamed == NULL) {
        return -1;
    }
    int ret = PyObject_SetAttrString(uf, "__doc__", renamed);
    Py_DECREF(renamed);
    return ret;
}

static PyObject *
make_ufunc(int index)
{
    const gelu_ufunc_spec *spec = &GELU_UFUNCS[index];
    int unary = spec->nin == 1;
    /* Loop order e, f, d as in unary_types/binary_types; every loop
     * finds its function and arity in the spec. */
    for (int k = 0; k < N_LOOPS; k++) {
        loop_data[index][k] = (void *)spec;
    }
    /* PyUFunc_None: these are not reductions' binary operators, so
     * ufunc.reduce on an empty array must fail rather than invent a value. */
    PyObject *uf = PyUFunc_FromFuncAndData(
        unary ? unary_loops : binary_loops, loop_data[index],
        unary ? (char *)unary_types : (char *)binary_types, N_LOOPS, spec->nin,
        1, PyUFunc_None, spec->name, spec->doc, 0);
    if (uf == NULL) {
        return NULL;
    }
    ((PyUFuncObject *)uf)->type_resolver = &gelu_type_resolver;
    if (add_string_promoters(uf, spec->nin) < 0) {
        Py_DECREF(uf);
        return NULL;
    }
    /* NumPy pickles a ufunc as a global: module + __name__.  Point it at
     * the public package so workers (dask.distributed) can unpickle it.
     * NumPy < 2.2 ufuncs have no __dict__; pickle then searches sys.modules,
     * which also finds `gelu`. */
    if (set_str_attr(uf, "__module__", "gelu") < 0 ||
        set_str_attr(uf, "__qualname__", spec->name) < 0 ||
        (spec->nin == 2 && rename_binary_args(uf) < 0)) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            Py_DECREF(uf);
            return NULL;
        }
        PyErr_Clear();
    }
    return uf;
}

/* ---- bfloat16 ------------------------------------------------------------ */

static PyUFuncGenericFunction bf16_loops[1];
static const char bf16_bits_types[3] = {NPY_UINT16, NPY_UINT16, NPY_UINT16};
static void *bf16_loop_data[N_UFUNCS][1];

/* A private ufunc that computes GELU_UFUNCS[index] on bfloat16 values held
 * as uint16 bit patterns (`_bf16_bits_<name>`): gelu.torch passes bfloat16
 * tensors through it zero-copy, with NumPy's broadcasting, strides and
 * `out=`, whether or not ml_dtypes is installed. */
static PyObject *
make_bf16_bits_ufunc(int index)
{
    const gelu_ufunc_spec *spec = &GELU_UFUNCS[index];
    bf16_loop_data[index][0] = (void *)spec;
    /* NumPy keeps the name pointer, so the names live in static storage. */
    static char names[N_UFUNCS][48];
    snprintf(names[index], sizeof names[index], "_bf16_bits_%s", spec->name);
    return PyUFunc_FromFuncAndData(
        bf16_loops, bf16_loop_data[index], (char *)bf16_bits_types, 1, spec->nin, 1,
        PyUFunc_None, names[index],
        "bfloat16 bit patterns (uint16) in and out; private to gelu.torch", 0);
}

/* _register_bfloat16(type_num): add the bfloat16 loop to every public ufunc
 * for the user dtype with that number (ml_dtypes.bfloat16).  Idempotent. */
static PyObject *
py_register_bfloat16(PyObject *module, PyObject *arg)
{
    long type_num = PyLong_AsLong(arg);
    if (type_num == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (type_num < NPY_USERDEF) {
        PyErr_SetString(PyExc_ValueError, "type_num must be a user-defined dtype's number");
        return NULL;
    }
    static int registered = 0;
    if (registered) {
        Py_RETURN_NONE;
    }
    for (int i = 0; i < N_UFUNCS; i++) {
        PyObject *uf = PyObject_GetAttrString(module, GELU_UFUNCS[i].name);
        if (uf == NULL) {
            return NULL;
        }
        int types[3] = {(int)type_num, (int)type_num, (int)type_num};
        int ret = PyUFunc_RegisterLoopForType((PyUFuncObject *)uf, (int)type_num, loop_bf16,
                                              types, (void *)&GELU_UFUNCS[i]);
        Py_DECREF(uf);
        if (ret < 0) {
            return NULL;
        }
    }
    registered = 1;
    bfloat16_type_num = (int)type_num;
    Py_RETURN_NONE;
}

/* ---- configuration (validated and documented in gelu/_config.py) ------- */

static PyObject *
py_get_num_threads(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(gelu_get_num_threads());
}

static PyObject *
py_set_num_threads(PyObject *self, PyObject *arg)
{
    (void)self;
    long n = PyLong_AsLong(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (n < 1 || n > 512) {
        PyErr_SetString(PyExc_ValueError, "n must be between 1 and 512");
        return NULL;
    }
    gelu_set_num_threads((int)n);
    Py_RETURN_NONE;
}

static PyObject *
py_get_isa(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyUnicode_FromString(gelu_isa_active()->isa);
}

static PyObject *
py_set_isa(PyObject *self, PyObject *arg)
{
    (void)self;
    const char *name = PyUnicode_AsUTF8(arg);
    if (name == NULL) {
        return NULL;
    }
    const gelu_kernel_set *set = strcmp(name, "best") == 0 ? gelu_isa_best() : gelu_isa_find(name);
    if (set == NULL) {
        PyErr_Format(PyExc_ValueError, "isa %R is not available on this machine", arg);
        return NULL;
    }
    gelu_isa_activate(set);
    Py_RETURN_NONE;
}

/* The kernel sets this build has and this CPU can run, best last. */
static PyObject *
py_isa_available(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *names = PyList_New(0);
    for (int i = 0; names != NULL && gelu_isa_names[i] != NULL; i++) {
        if (gelu_isa_find(gelu_isa_names[i]) == NULL) {
            continue;
        }
        PyObject *s = PyUnicode_FromString(gelu_isa_names[i]);
        if (s == NULL || PyList_Append(names, s) < 0) {
            Py_XDECREF(s);
            Py_CLEAR(names);
            break;
        }
        Py_DECREF(s);
    }
    return names;
}

/* From this many bytes of output, _apply_contiguous asks the kernel to back
 * it with transparent huge pages (madvise MADV_HUGEPAGE), as NumPy does for
 * its own arrays of 4 MiB and more: torch's CPU allocator leaves a large
 * tensor's pages to be faulted in 4 KiB at a time when the loop first
 * writes them, and at 1e7 float32 elements those faults took 15 of the 19
 * ms of a call (docs/speed.md).  Only advice: the values are the same, and
 * where THP is off (or not Linux) nothing changes. */
#define HUGE_PAGE_ADVICE_BYTES ((size_t)4 << 20)

static void advise_huge_pages(void *p, size_t nbytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (nbytes < HUGE_PAGE_ADVICE_BYTES) {
        return;
    }
    static uintptr_t page;   /* the same for every thread; a benign race */
    if (page == 0) {
        long ps = sysconf(_SC_PAGESIZE);
        page = ps > 0 ? (uintptr_t)ps : 4096;
    }
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t end = ((uintptr_t)p + nbytes) & ~(page - 1);
    if (end > start) {
        (void)madvise((void *)start, end - start, MADV_HUGEPAGE);   /* advice: its failure changes nothing */
    }
#else
    (void)p;
    (void)nbytes;
#endif
}

/* _apply_contiguous(fn, loop, x, g, out, n): the loop of function `fn`
 * (0..7, as the kernel sets order them) for dtype `loop` (LOOP_*) on n
 * contiguous elements at the raw addresses x, g (0 for the unary functions)
 * and out, as a ufunc call would run it (threads, kernel set), GIL
 * released.  For gelu.torch, which passes tensors' data_ptr() after checking
 * device, dtype, layout and contiguity: it saves the two NumPy views and the
 * ufunc machinery, about 2 us of a 1000-element call.  The GIL is released
 * from 4096 elements up, and outputs of 4 MiB and more get huge-page
 * advice (advise_huge_pages).  The addresses are
 * not (and cannot be) checked; the caller's floating-point flags are kept
 * as they were (the torch glue ignores the kernels' flags, as torch does). */
static PyObject *
py_apply_contiguous(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "_apply_contiguous(fn, loop, x, g, out, n) takes 6 ints");
        return NULL;
    }
    long fn = PyLong_AsLong(args[0]), loop = PyLong_AsLong(args[1]);
    void *x = PyLong_AsVoidPtr(args[2]), *g = PyLong_AsVoidPtr(args[3]), *out = PyLong_AsVoidPtr(args[4]);
    Py_ssize_t n = PyLong_AsSsize_t(args[5]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    int nin = fn >= 0 && fn < GELU_N_FUNCS ? GELU_UFUNCS[fn].nin : 0;   /* GELU_UFUNCS[k].fn == k */
    if (nin != 0 && loop >= LOOP_HALF && loop <= LOOP_BF16 && n == 0) {
        Py_RETURN_NONE;   /* an empty tensor's data_ptr() is 0 */
    }
    if (nin == 0 || loop < LOOP_HALF || loop > LOOP_BF16 || n < 0 ||
        x == NULL || out == NULL || (nin == 2) != (g != NULL)) {
        PyErr_SetString(PyExc_ValueError, "_apply_contiguous: fn, loop, addresses or n out of range");
        return NULL;
    }
    npy_intp size = loop == LOOP_HALF || loop == LOOP_BF16 ? 2 : loop == LOOP_FLOAT ? 4 : 8;
    npy_intp steps[3] = {size, size, size};
    char *ops[3] = {x, nin == 2 ? g : out, out};
    loop_call c = {(int)loop, (int)fn, nin, gelu_isa_active(), ops, steps};
    fexcept_t flags;
    fegetexceptflag(&flags, FE_ALL_EXCEPT);
    if (n < 4096) {   /* a few microseconds at most: not worth the GIL's round trip */
        gelu_parallel_for_host(n, GRAIN[loop][fn], loop_range, &c);
    }
    else {
        Py_BEGIN_ALLOW_THREADS
        advise_huge_pages(out, (size_t)n * (size_t)size);
        gelu_parallel_for_host(n, GRAIN[loop][fn], loop_range, &c);
        Py_END_ALLOW_THREADS
    }
    fesetexceptflag(&flags, FE_ALL_EXCEPT);
    Py_RETURN_NONE;
}

/* _set_host_openmp(parallel, thread_num, num_threads, max_threads): the
 * addresses of GOMP_parallel, omp_get_thread_num, omp_get_num_threads and
 * omp_get_max_threads in the OpenMP runtime of the host (gelu.torch passes
 * PyTorch's), on whose threads _apply_contiguous then runs its loops
 * (gelu_parallel_for_host); all four 0: gelu's own pool again.  Returns
 * whether the runtime is in use (not in a child made by fork()).  The
 * addresses cannot be checked: only gelu.torch calls this, at import,
 * with addresses it has looked up by name in a loaded library. */
static PyObject *
py_set_host_openmp(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "_set_host_openmp(parallel, thread_num, num_threads, max_threads) takes 4 ints");
        return NULL;
    }
    void *p[4];
    int zeros = 0;
    for (int k = 0; k < 4; k++) {
        p[k] = PyLong_AsVoidPtr(args[k]);
        if (PyErr_Occurred()) {
            return NULL;
        }
        zeros += p[k] == NULL;
    }
    if (zeros == 4) {
        gelu_set_host_openmp(NULL);
        Py_RETURN_FALSE;
    }
    if (zeros != 0) {
        PyErr_SetString(PyExc_ValueError, "_set_host_openmp: give all four addresses, or four zeros");
        return NULL;
    }
    gelu_host_openmp rt;
    memcpy(&rt.parallel, &p[0], sizeof rt.parallel);
    memcpy(&rt.thread_num, &p[1], sizeof rt.thread_num);
    memcpy(&rt.num_threads, &p[2], sizeof rt.num_threads);
    memcpy(&rt.max_threads, &p[3], sizeof rt.max_threads);
    return PyBool_FromLong(gelu_set_host_openmp(&rt));
}

static PyMethodDef gelu_ufuncs_methods[] = {
    {"_apply_contiguous", (PyCFunction)(void (*)(void))py_apply_contiguous, METH_FASTCALL,
     "Private (gelu.torch): run a loop on raw contiguous memory; unchecked addresses."},
    {"_set_host_openmp", (PyCFunction)(void (*)(void))py_set_host_openmp, METH_FASTCALL,
     "Private (gelu.torch): run _apply_contiguous's loops on the host's OpenMP threads."},
    {"_get_num_threads", py_get_num_threads, METH_NOARGS, "Threads a large loop may use."},
    {"_set_num_threads", py_set_num_threads, METH_O, "Set the threads a large loop may use (int >= 1)."},
    {"_get_isa", py_get_isa, METH_NOARGS, "Name of the kernel set in use."},
    {"_set_isa", py_set_isa, METH_O, "Use the kernel set of that name, or 'best'."},
    {"_isa_available", py_isa_available, METH_NOARGS, "Kernel sets this machine can run."},
    {"_register_bfloat16", py_register_bfloat16, METH_O,
     "Add the bfloat16 loop for the user dtype with this number (ml_dtypes.bfloat16)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef gelu_ufuncs_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "gelu._ufuncs",
    .m_doc = "NumPy ufuncs of the GELU family (import them from `gelu`).",
    .m_size = -1,
    .m_methods = gelu_ufuncs_methods,
};

PyMODINIT_FUNC
PyInit__ufuncs(void)
{
    if (PyArray_ImportNumPyAPI() < 0 || PyUFunc_ImportUFuncAPI() < 0) {
        return NULL;
    }
    PyUFuncGenericFunction loops[N_LOOPS] = {loop_half, loop_float, loop_double};
    for (int k = 0; k < N_LOOPS; k++) {
        unary_loops[k] = binary_loops[k] = loops[k];
    }
    bf16_loops[0] = loop_bf16;
    if (gelu_threads_init() != 0) {
        PyErr_SetString(PyExc_RuntimeError, "gelu: cannot register the thread pool's fork handlers");
        return NULL;
    }
    gelu_isa_activate(gelu_isa_best());

    PyObject *m = PyModule_Create(&gelu_ufuncs_module);
    if (m == NULL) {
        return NULL;
    }
#ifdef Py_GIL_DISABLED
    /* Reentrant kernels; the settings are atomics: safe without the GIL. */
    PyUnstable_Module_SetGIL(m, Py_MOD_GIL_NOT_USED);
#endif
    if (PyModule_AddStringConstant(m, "__version__", GELU_VERSION) < 0) {
        goto fail;
    }
    for (int i = 0; i < N_UFUNCS; i++) {
        PyObject *uf = make_ufunc(i);
        if (uf == NULL || PyModule_AddObject(m, GELU_UFUNCS[i].name, uf) < 0) {
            Py_XDECREF(uf);
            goto fail;
        }
        PyObject *bits = make_bf16_bits_ufunc(i);
        char attr[64];
        snprintf(attr, sizeof attr, "_bf16_bits_%s", GELU_UFUNCS[i].name);
        if (bits == NULL || PyModule_AddObject(m, attr, bits) < 0) {
            Py_XDECREF(bits);
            goto fail;
        }
    }
    return m;

fail:
    Py_DECREF(m);
    return NULL;
}
