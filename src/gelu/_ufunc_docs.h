/*
 * _ufunc_docs.h -- numpydoc text of the eight gelu ufuncs.
 *
 * Kept in C because NumPy stores the docstring pointer given to
 * PyUFunc_FromFuncAndData (it is not copied) and prepends the call
 * signature itself, which is how help(gelu.gelu) shows both.  Shared
 * sections are macros so that every function says the same thing about
 * dtypes, limits and accuracy.
 */
#ifndef GELU_UFUNC_DOCS_H
#define GELU_UFUNC_DOCS_H

#define DOC_PARAM_X                                                          \
    "x : array_like\n"                                                       \
    "    Input values.  float32 and float64 are computed in their own\n"   \
    "    dtype, float16 through the float32 kernels (rounded to float16);\n" \
    "    integer or bool input alone is computed in float64.\n"

#define DOC_PARAM_G                                                          \
    "g : array_like\n"                                                       \
    "    Upstream gradient dL/dy, broadcast against `x`.\n"

#define DOC_PARAM_REST                                                       \
    "out : ndarray, None, or tuple of ndarray and None, optional\n"          \
    "    Where to store the result; see `numpy.ufunc`.\n"                    \
    "where : array_like, optional\n"                                         \
    "    Compute only where True; elsewhere `out` keeps its values.\n"       \
    "**kwargs\n"                                                             \
    "    ``dtype``, ``casting``, ``order``, ``subok``, ``signature``: as for\n" \
    "    every NumPy ufunc.\n"

#define DOC_RETURNS                                                          \
    "Returns\n"                                                              \
    "-------\n"                                                              \
    "y : ndarray or scalar\n"                                                \
    "    Same dtype as the (promoted) input; a scalar for scalar input.\n"

#define DOC_BINARY_DTYPE                                                     \
    "The dtype follows NumPy promotion of `x` and `g`; a Python float `g`\n" \
    "keeps the dtype of `x`, but for ml_dtypes' bfloat16 `x` (NumPy\n"     \
    "promotes that to float32, as ``np.add`` does; a Python int `g`, or\n"  \
    "a bfloat16 `g`, keeps bfloat16).\n"

#define DOC_ACCURACY                                                         \
    "Accuracy: within 1 ulp for every input; see docs/accuracy.md.\n"      \
    "float32: float32 arithmetic where |x| < 6 (5.5 for the tanh form),\n"  \
    "float64 beyond; max 0.905 ulp over all 2**32 inputs (the backward\n"  \
    "passes at g = 0.3; up to 0.94 at other g in samples).\n"              \
    "float16: the float32 kernels rounded once, or float64 where that\n"    \
    "could round wrongly; max 0.5 ulp over all inputs.\n"                   \
    "float64: measured max 0.762 ulp over 1.1e7 sampled points.\n"       \
    "With ml_dtypes installed, bfloat16 arrays are computed in float32\n"  \
    "and rounded to bfloat16.\n"                                           \
    "NaN in gives NaN out.  Complex, object and string inputs raise\n"       \
    "TypeError.\n"

#define DOC_TANH_FORM                                                        \
    "The tanh form is evaluated as ``x * sigma(2u)``, which equals\n"       \
    "``0.5 * x * (1 + tanh(u))`` without the cancellation of ``1 + tanh``,\n" \
    "so the result is accurate to the formula (not to exact GELU) in the\n"  \
    "far left tail too.\n"

static const char doc_gelu[] =
    "Exact GELU activation, ``x * Phi(x)``.\n"
    "\n"
    "Computes ``GELU(x) = x * Phi(x) = 0.5 * x * erfc(-x / sqrt(2))``\n"
    "element-wise, where ``Phi`` is the standard normal CDF.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    "The erfc form keeps full relative accuracy in the left tail, where the\n"
    "textbook ``0.5 * x * (1 + erf(x / sqrt(2)))`` cancels to 0.\n"
    "Limits: gelu(+inf) = +inf, gelu(-inf) = -0.0, gelu(-0.0) = -0.0.\n"
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_tanh : the tanh approximation.\n"
    "gelu_grad : first derivative.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu(np.array([-1.0, 0.0, 1.0]))\n"
    "array([-0.15865525,  0.        ,  0.84134475])\n";

static const char doc_gelu_grad[] =
    "First derivative of exact GELU, ``Phi(x) + x * phi(x)``.\n"
    "\n"
    "Computes ``d/dx [x * Phi(x)] = Phi(x) + x * phi(x)`` element-wise, where\n"
    "``phi`` is the standard normal density.  It is zero at\n"
    "x* = -0.7517915247, the minimum of GELU.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    "Limits: gelu_grad(+inf) = 1, gelu_grad(-inf) = 0.\n"
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_backward : ``g * gelu_grad(x)`` rounded once.\n"
    "gelu_grad2 : second derivative.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_grad(np.array([-1.0, 0.0, 1.0]))\n"
    "array([-0.08331547,  0.5       ,  1.08331547])\n";

static const char doc_gelu_grad2[] =
    "Second derivative of exact GELU, ``phi(x) * (2 - x**2)``.\n"
    "\n"
    "Computes ``d2/dx2 [x * Phi(x)] = phi(x) * (2 - x**2)`` element-wise,\n"
    "where ``phi`` is the standard normal density.  Zero at +-sqrt(2).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    "Limits: gelu_grad2(+-inf) = 0.\n"
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_grad : first derivative.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_grad2(np.array([-1.0, 0.0, 1.0]))\n"
    "array([0.24197072, 0.79788456, 0.24197072])\n";

static const char doc_gelu_backward[] =
    "Backward pass of exact GELU, ``g * (Phi(x) + x * phi(x))``.\n"
    "\n"
    "Computes ``g * gelu_grad(x)`` element-wise with a single rounding, the\n"
    "vector-Jacobian product an autograd engine needs.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_G DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    DOC_BINARY_DTYPE
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_grad : the derivative alone.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_backward(np.array([-1.0, 0.0, 1.0]), 2.0)\n"
    "array([-0.16663094,  1.        ,  2.16663094])\n";

static const char doc_gelu_tanh[] =
    "tanh-approximated GELU, ``0.5 * x * (1 + tanh(u))``.\n"
    "\n"
    "Computes ``0.5 * x * (1 + tanh(u))`` with\n"
    "``u = sqrt(2/pi) * (x + 0.044715 * x**3)`` element-wise: the\n"
    "approximation of Hendrycks & Gimpel (``approximate='tanh'`` in\n"
    "PyTorch, ``gelu_new`` in transformers).\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    DOC_TANH_FORM
    "Limits: gelu_tanh(+inf) = +inf, gelu_tanh(-inf) = -0.0,\n"
    "gelu_tanh(-0.0) = -0.0.\n"
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu : exact GELU.\n"
    "gelu_tanh_grad : first derivative.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_tanh(np.array([-1.0, 0.0, 1.0]))\n"
    "array([-0.15880801,  0.        ,  0.84119199])\n";

static const char doc_gelu_tanh_grad[] =
    "First derivative of tanh-approximated GELU.\n"
    "\n"
    "Computes ``0.5 * (1 + t) + 0.5 * x * (1 - t**2) * du/dx`` element-wise,\n"
    "with ``t = tanh(u)``, ``u = sqrt(2/pi) * (x + 0.044715 * x**3)`` and\n"
    "``du/dx = sqrt(2/pi) * (1 + 3 * 0.044715 * x**2)``.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    DOC_TANH_FORM
    "Limits: gelu_tanh_grad(+inf) = 1, gelu_tanh_grad(-inf) = 0.\n"
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_tanh_backward : ``g * gelu_tanh_grad(x)`` rounded once.\n"
    "gelu_tanh_grad2 : second derivative.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_tanh_grad(np.array([-1.0, 0.0, 1.0]))\n"
    "array([-0.08296408,  0.5       ,  1.08296408])\n";

static const char doc_gelu_tanh_grad2[] =
    "Second derivative of tanh-approximated GELU.\n"
    "\n"
    "Computes ``d2/dx2 [0.5 * x * (1 + tanh(u))]`` with\n"
    "``u = sqrt(2/pi) * (x + 0.044715 * x**3)``, i.e.\n"
    "``(1 - t**2) * (u' * (1 - x * t * u') + 0.5 * x * u'')`` element-wise,\n"
    "where ``t = tanh(u)``, ``u'`` and ``u''`` are the derivatives of ``u``.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    "Limits: gelu_tanh_grad2(+-inf) = 0.\n"
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_tanh_grad : first derivative.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_tanh_grad2(np.array([-1.0, 0.0, 1.0]))\n"
    "array([0.2421482 , 0.79788456, 0.2421482 ])\n";

static const char doc_gelu_tanh_backward[] =
    "Backward pass of tanh-approximated GELU, ``g * gelu_tanh_grad(x)``.\n"
    "\n"
    "Computes ``g * gelu_tanh_grad(x)`` element-wise with a single rounding,\n"
    "where ``gelu_tanh_grad(x) = 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * du/dx``,\n"
    "``t = tanh(u)`` and ``u = sqrt(2/pi) * (x + 0.044715 * x**3)``.\n"
    "\n"
    "Parameters\n"
    "----------\n"
    DOC_PARAM_X DOC_PARAM_G DOC_PARAM_REST
    "\n"
    DOC_RETURNS
    "\n"
    "Notes\n"
    "-----\n"
    DOC_BINARY_DTYPE
    DOC_TANH_FORM
    DOC_ACCURACY
    "\n"
    "See Also\n"
    "--------\n"
    "gelu_tanh_grad : the derivative alone.\n"
    "\n"
    "Examples\n"
    "--------\n"
    ">>> import numpy as np, gelu\n"
    ">>> gelu.gelu_tanh_backward(np.array([-1.0, 0.0, 1.0]), 2.0)\n"
    "array([-0.16592817,  1.        ,  2.16592817])\n";

#endif /* GELU_UFUNC_DOCS_H */
