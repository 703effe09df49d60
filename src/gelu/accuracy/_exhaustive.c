/*
 * gelu.accuracy._exhaustive -- compare float32 results of all eight
 * functions with the long double reference (reference_ld.h), a chunk of
 * inputs at a time, with the GIL released.
 *
 * compare(x, outs, g) -> [(max_ulp, index_of_max, n_bad_special)] * 8
 *   x: float32 buffer; outs: 8 float32 buffers of the same length, the results
 *   of gelu, gelu_grad, gelu_grad2, gelu_backward(x, g), gelu_tanh,
 *   gelu_tanh_grad, gelu_tanh_grad2, gelu_tanh_backward(x, g) in that order.
 * The error is |got - ref| / ulp(ref), the ulp taken in float32 at the true
 * value (2^-149 below 2^-126).  Non-finite inputs are compared with the exact
 * limits: NaN must give NaN and +-inf the documented limit, bit for bit.
 *
 * reference(name, x) -> (hi, lo): one reference value, for tests.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <string.h>

#include "reference_ld.h"

#define NFUNC 8
static const char *const NAMES[NFUNC] = {"gelu", "gelu_grad", "gelu_grad2", "gelu_backward",
                                         "gelu_tanh", "gelu_tanh_grad", "gelu_tanh_grad2", "gelu_tanh_backward"};
static const int BINARY[NFUNC] = {0, 0, 0, 1, 0, 0, 0, 1};
/* The smallest magnitude that rounds to infinity in float32: the largest
 * float plus half its ulp, (2 - 2^-24) 2^127 (a g near the top of the range
 * takes g grad(x) there). */
static const long double F32_OVERFLOW = 0x1.ffffffp127L;

/* limits at +inf and -inf, before the factor g */
static const float AT_POS_INF[NFUNC] = {INFINITY, 1.0f, -0.0f, 1.0f, INFINITY, 1.0f, -0.0f, 1.0f};
static const float AT_NEG_INF[NFUNC] = {-0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f, -0.0f};

static double ulp_f32(long double v) {
    int e = v == 0 ? -126 : ilogbl(v);
    if (e < -126) e = -126;
    return ldexp(1.0, e - 23);
}

static int same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

static PyObject *compare(PyObject *self, PyObject *args) {
    Py_buffer xb, ob[NFUNC];
    PyObject *outs;
    double g = 1.0;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*O|d", &xb, &outs, &g)) return NULL;
    if (!PyTuple_Check(outs) || PyTuple_GET_SIZE(outs) != NFUNC || xb.len % 4) {
        PyBuffer_Release(&xb);
        PyErr_SetString(PyExc_ValueError, "compare(x, outs, g): x is a float32 buffer, outs a tuple of 8 float32 buffers");
        return NULL;
    }
    int got = 0;
    for (; got < NFUNC; got++) {
        if (PyObject_GetBuffer(PyTuple_GET_ITEM(outs, got), &ob[got], PyBUF_SIMPLE) < 0) break;
        if (ob[got].len != xb.len) { PyBuffer_Release(&ob[got]); PyErr_SetString(PyExc_ValueError, "outs must match x in length"); break; }
    }
    if (got < NFUNC) {
        for (int j = 0; j < got; j++) PyBuffer_Release(&ob[j]);
        PyBuffer_Release(&xb);
        return NULL;
    }
    const float *x = xb.buf;
    const float *y[NFUNC];
    for (int j = 0; j < NFUNC; j++) y[j] = ob[j].buf;
    Py_ssize_t n = xb.len / 4, worst_i[NFUNC], bad[NFUNC];
    double worst[NFUNC];
    float gf = (float)g;
    for (int j = 0; j < NFUNC; j++) { worst[j] = 0; worst_i[j] = -1; bad[j] = 0; }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++) {
        float xi = x[i];
        if (isnan(xi) || isinf(xi)) {
            for (int j = 0; j < NFUNC; j++) {
                if (isnan(xi)) { bad[j] += !isnan(y[j][i]); continue; }
                float lim = xi > 0 ? AT_POS_INF[j] : AT_NEG_INF[j];
                if (BINARY[j]) lim *= gf;
                bad[j] += !same_bits(y[j][i], lim);
            }
            continue;
        }
        long double v[NFUNC];
        ref_all((long double)xi, v);
        for (int j = 0; j < NFUNC; j++) {
            long double vj = BINARY[j] ? v[j] * (long double)gf : v[j];
            float yj = y[j][i];
            double err;
            if (fabsl(vj) >= F32_OVERFLOW)   /* rounds to infinity: only that is right */
                err = isinf(yj) && signbit(yj) == signbit(vj) ? 0.0 : INFINITY;
            else
                err = (isnan(yj) || isinf(yj)) ? INFINITY : (double)(fabsl((long double)yj - vj) / ulp_f32(vj));
            if (err > worst[j]) { worst[j] = err; worst_i[j] = i; }
        }
    }
    Py_END_ALLOW_THREADS
    for (int j = 0; j < NFUNC; j++) PyBuffer_Release(&ob[j]);
    PyBuffer_Release(&xb);
    PyObject *res = PyList_New(NFUNC);
    if (!res) return NULL;
    for (int j = 0; j < NFUNC; j++)
        PyList_SET_ITEM(res, j, Py_BuildValue("dnn", worst[j], worst_i[j], bad[j]));
    return res;
}

static PyObject *reference(PyObject *self, PyObject *args) {
    const char *name;
    double x;
    (void)self;
    if (!PyArg_ParseTuple(args, "sd", &name, &x)) return NULL;
    for (int j = 0; j < NFUNC; j++)
        if (strcmp(NAMES[j], name) == 0) {
            long double v[NFUNC];
            ref_all((long double)x, v);
            double hi = (double)v[j], lo = (double)(v[j] - (long double)hi);
            return Py_BuildValue("dd", hi, lo);
        }
    PyErr_SetString(PyExc_ValueError, "name must be one of the eight gelu function names");
    return NULL;
}

static PyMethodDef methods[] = {
    {"compare", compare, METH_VARARGS, "compare(x, outs, g) -> [(max_ulp, index, n_bad_special)] * 8"},
    {"reference", reference, METH_VARARGS, "reference(name, x) -> (hi, lo), the long double reference value"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_exhaustive",
    .m_doc = "Long double reference for the exhaustive float32 check.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__exhaustive(void) { return PyModule_Create(&module); }
