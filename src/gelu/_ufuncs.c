/*
 * _ufuncs.c -- the one file that binds the Python-free kernels in
 * _kernels/ to NumPy.  Adding a function is one line in GELU_UFUNCS below.
 *
 * Loops: NumPy's generic loops widen to double, call a kernel and round
 * once (float16 via NumPy's correctly rounded double->half conversion).
 * float64 calls the double-double kernel f; float16 and float32 call
 * f_narrow, which is plain double and accurate enough for one rounding to
 * float32.  The loops are registered in the order float16, float32,
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

#include "_kernels/gelu_kernels.h"
#include "_ufunc_docs.h"

#ifndef GELU_VERSION
#error "GELU_VERSION must be defined by the build (meson.build)"
#endif

typedef double (*unary_kernel)(double);
typedef double (*binary_kernel)(double, double);

typedef struct {
    const char *name;     /* Python name: __name__ and attribute of `gelu` */
    void *wide;           /* float64 loop: unary_kernel or binary_kernel */
    void *narrow;         /* float16 and float32 loops: same type as wide */
    int nin;              /* 1: f(x); 2: f(x, g) */
    const char *doc;
} gelu_ufunc_spec;

/* Kernel f for float64 and f_narrow for float16/float32, and the arity;
 * the casts make the compiler check each kernel's signature. */
#define UNARY(f) ((void *)(unary_kernel)(f)), ((void *)(unary_kernel)(f##_narrow)), 1
#define BINARY(f) ((void *)(binary_kernel)(f)), ((void *)(binary_kernel)(f##_narrow)), 2

static const gelu_ufunc_spec GELU_UFUNCS[] = {
    {"gelu", UNARY(gelu_exact), doc_gelu},
    {"gelu_grad", UNARY(gelu_exact_grad), doc_gelu_grad},
    {"gelu_grad2", UNARY(gelu_exact_grad2), doc_gelu_grad2},
    {"gelu_backward", BINARY(gelu_exact_backward), doc_gelu_backward},
    {"gelu_tanh", UNARY(gelu_tanh), doc_gelu_tanh},
    {"gelu_tanh_grad", UNARY(gelu_tanh_grad), doc_gelu_tanh_grad},
    {"gelu_tanh_grad2", UNARY(gelu_tanh_grad2), doc_gelu_tanh_grad2},
    {"gelu_tanh_backward", BINARY(gelu_tanh_backward), doc_gelu_tanh_backward},
};

#define N_UFUNCS ((int)(sizeof(GELU_UFUNCS) / sizeof(GELU_UFUNCS[0])))
#define N_LOOPS 3

/* Argument names as the docstrings and error messages spell them. */
static const char *const ARG_NAMES[2] = {"x", "g"};

#define ACCEPTED_DTYPES \
    "accepted dtypes are float16, float32 and float64 " \
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

static int
is_accepted(int type_num)
{
    return is_int_or_bool(type_num) || type_num == NPY_HALF ||
           type_num == NPY_FLOAT || type_num == NPY_DOUBLE;
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
        for (int i = 0; i < nin; i++) {
            PyArray_Descr *descr = PyArray_DESCR(operands[i]);
            if (!is_accepted(descr->type_num)) {
                raise_unsupported_dtype(ufunc, i, (PyObject *)descr);
                return -1;
            }
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
    /* Loop order e, f, d as in unary_types/binary_types. */
    loop_data[index][0] = spec->narrow;
    loop_data[index][1] = spec->narrow;
    loop_data[index][2] = spec->wide;
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

static struct PyModuleDef gelu_ufuncs_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "gelu._ufuncs",
    .m_doc = "NumPy ufuncs of the GELU family (import them from `gelu`).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__ufuncs(void)
{
    if (PyArray_ImportNumPyAPI() < 0 || PyUFunc_ImportUFuncAPI() < 0) {
        return NULL;
    }
    unary_loops[0] = PyUFunc_e_e_As_d_d;
    unary_loops[1] = PyUFunc_f_f_As_d_d;
    unary_loops[2] = PyUFunc_d_d;
    binary_loops[0] = PyUFunc_ee_e_As_dd_d;
    binary_loops[1] = PyUFunc_ff_f_As_dd_d;
    binary_loops[2] = PyUFunc_dd_d;

    PyObject *m = PyModule_Create(&gelu_ufuncs_module);
    if (m == NULL) {
        return NULL;
    }
#ifdef Py_GIL_DISABLED
    /* No module state and reentrant kernels: safe without the GIL. */
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
    }
    return m;

fail:
    Py_DECREF(m);
    return NULL;
}
