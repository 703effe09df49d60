"""GELU and its derivatives composed from stock PyTorch operations.

This is the kernel behind the custom ops on every device except the CPU
(CUDA, MPS, XPU, ...), where ``gelu``'s compiled NumPy kernels cannot run.
Each function is a handful of elementwise torch operations, so it is
*composed, not fused*: every step is its own kernel launch and its own pass
over memory.

The formulas avoid the cancellations that make the textbook forms wrong in
the left tail:

- exact GELU is ``0.5*x*erfc(-x/sqrt(2))``, never ``0.5*x*(1 + erf(...))``;
- the tanh formula is ``x*sigmoid(2u)``, never ``0.5*x*(1 + tanh(u))``;
- the exact derivative for ``x < 0`` is ``phi(x)*(M(-x) + x)`` with the Mills
  ratio ``M(t) = sqrt(pi/2)*erfcx(t/sqrt(2))``, so ``Phi(x)`` and
  ``x*phi(x)`` are never subtracted from each other far out in the tail;
- ``sigmoid(z)`` and ``1 - sigmoid(z) = sigmoid(-z)`` both come from
  ``e = exp(-|z|)``, which never overflows, and ``sigmoid(-z) - sigmoid(z)``
  is ``-tanh(z/2)``.

What they cannot avoid with plain torch operations:

- the argument ``x/sqrt(2)`` (and ``x*x`` inside ``exp``) is rounded, and
  that rounding error is amplified by about ``x**2/2`` in the result; for
  the tanh formula the rounding of ``z = 2u`` costs about ``|z|`` ulp. Far
  out in the left tail the relative error therefore grows, measured against
  python-flint (``python tools/composed_tail_error.py``, 100,001 points per
  case): up to 122 ulp (float32, exact GELU near x = -12.9) and 203 ulp
  (tanh formula near x = -9.2); in float64 up to 974 ulp (exact, x = -37.6)
  and 1766 ulp (tanh, x = -20.5). These are sampled maxima: other samples of
  the same ranges reached 212 (float32 tanh), 982 and 1813 ulp. Near x = 0
  and on the right the error is a few ulp;
- near the zeros of a derivative (x = -0.7518 for the exact gradient,
  x = +-sqrt(2) for the exact second derivative) the error is a few eps
  *absolute*, so large relative to the tiny true value, as for any
  evaluation in the working precision;
- subnormal results carry the usual loss of subnormal precision.

In the tails, factors such as ``exp(-x*x/2)`` and ``sigmoid(z)`` fall into
the subnormal range while the result they multiply is still a normal number;
there each product ``f*exp(a)`` is formed as ``sign(f)*exp(a + log|f|)``, so
results stay accurate (to the bound above) down to the underflow threshold.

float16 and bfloat16 are computed in float32 and rounded once. The CPU path
does not use this module; it calls ``gelu``'s kernels.
"""
from __future__ import annotations

import math

import torch

__all__ = ["forward", "backward", "grad2"]

_SQRT1_2 = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi / 2.0)
# The tanh formula is written with z = 2u, so that 0.5*(1 + tanh u) is
# sigmoid(z) and 0.5*x*(1 + tanh u) is x*sigmoid(z).
_TWO_C = 2.0 * math.sqrt(2.0 / math.pi)
_A = 0.044715
# Beyond |x| = 64 every function is at its limit in float64 already
# (exp(-x*x/2) and exp(-|z|) underflow to 0); handling those inputs apart
# also keeps infinities and overflowing x*x out of the formulas.
_BIG = 64.0
# Past these points a factor such as exp(-x*x/2) or sigmoid(z) heads for the
# subnormal range while the result it multiplies is still a normal number;
# there the product is formed as sign(f)*exp(exponent + log|f|). Thresholds
# are far enough out that log|f| is of order one and costs ~1 ulp.
_TAIL_X = 5.0
_TAIL_Z = 32.0

_NARROW = (torch.float16, torch.bfloat16)


def _widen(t: torch.Tensor) -> torch.Tensor:
    # float16 would overflow x**3 near |x| = 40, and both narrow types lose
    # too much in the intermediate steps: compute in float32, round once.
    return t.float() if t.dtype in _NARROW else t


def _scaled(exponent: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """``factor * exp(exponent)`` without the premature underflow of exp."""
    return torch.copysign(torch.exp(exponent + torch.log(torch.abs(factor))), factor)


def _limits(w: torch.Tensor, y: torch.Tensor, left, right) -> torch.Tensor:
    """``y`` with the |x| > _BIG entries (and infinities) set to the limits."""
    y = torch.where(w < -_BIG, left, y)
    return torch.where(w > _BIG, right, y)


def _exact(w: torch.Tensor) -> torch.Tensor:
    t = w * -_SQRT1_2
    y = 0.5 * w * torch.special.erfc(t)
    # erfc(t) = erfcx(t)*exp(-t*t) and t*t = x*x/2.
    tail = _scaled(-0.5 * w * w, 0.5 * w * torch.special.erfcx(t))
    y = torch.where(w < -_TAIL_X, tail, y)
    return _limits(w, y, -0.0, w)


def _exact_grad(w: torch.Tensor) -> torch.Tensor:
    t = w * -_SQRT1_2
    pdf = torch.exp(-0.5 * w * w) * _INV_SQRT_2PI
    right = 0.5 * torch.special.erfc(t) + w * pdf
    # Phi(x) = phi(x)*M(-x) with the Mills ratio M(s) = sqrt(pi/2)*erfcx(s/sqrt 2),
    # so Phi + x*phi = phi*(M(-x) + x) subtracts nothing large for x < 0.
    bracket = _SQRT_PI_2 * torch.special.erfcx(t) + w
    left = pdf * bracket
    tail = _scaled(-0.5 * w * w, bracket * _INV_SQRT_2PI)
    y = torch.where(w < 0, torch.where(w < -_TAIL_X, tail, left), right)
    return _limits(w, y, -0.0, 1.0)


def _exact_grad2(w: torch.Tensor) -> torch.Tensor:
    pdf = torch.exp(-0.5 * w * w) * _INV_SQRT_2PI
    y = pdf * (2.0 - w * w)
    tail = _scaled(-0.5 * w * w, (2.0 - w * w) * _INV_SQRT_2PI)
    y = torch.where(torch.abs(w) > _TAIL_X, tail, y)
    return _limits(w, y, -0.0, -0.0)


def _tanh_parts(w: torch.Tensor):
    """z = 2u, e = exp(-|z|), dz = dz/dx and the sigmoids s(z), s(-z) from e."""
    z = _TWO_C * w * (1.0 + _A * w * w)
    e = torch.exp(-torch.abs(z))
    one_e = 1.0 + e
    pos = z >= 0
    s = torch.where(pos, 1.0, e) / one_e  # sigmoid(z), never 1 - something
    t = torch.where(pos, e, 1.0) / one_e  # sigmoid(-z) = 1 - s
    dz = _TWO_C * (1.0 + 3.0 * _A * w * w)
    return z, e, one_e, s, t, dz


def _tanh(w: torch.Tensor) -> torch.Tensor:
    z, e, one_e, s, _, _ = _tanh_parts(w)
    y = w * s
    # z < 0 exactly where x < 0: x*e/(1 + e) with e = exp(z).
    tail = _scaled(z, w / one_e)
    y = torch.where(z < -_TAIL_Z, tail, y)
    return _limits(w, y, -0.0, w)


def _tanh_grad(w: torch.Tensor) -> torch.Tensor:
    z, e, one_e, s, t, dz = _tanh_parts(w)
    # d/dx [x*s(z)] = s + x*z'*s*(1 - s).
    y = s + w * dz * (s * t)
    # Left tail: s = e/(1+e), so the sum is e/(1+e) * (1 + x*z'*t).
    tail = _scaled(z, (1.0 + w * dz * t) / one_e)
    y = torch.where(z < -_TAIL_Z, tail, y)
    return _limits(w, y, -0.0, 1.0)


def _tanh_grad2(w: torch.Tensor) -> torch.Tensor:
    z, e, one_e, s, t, dz = _tanh_parts(w)
    d2z = _TWO_C * 6.0 * _A * w
    # s' = s*t*z' and s'' = s*t*(z'' + z'^2*(t - s)) with t - s = -tanh(z/2);
    # the second derivative of x*s is 2*s' + x*s''.
    inner = 2.0 * dz + w * (d2z - dz * dz * torch.tanh(0.5 * z))
    y = (s * t) * inner
    # s*t = e/(1 + e)^2 with e = exp(-|z|).
    tail = _scaled(-torch.abs(z), inner / (one_e * one_e))
    y = torch.where(torch.abs(z) > _TAIL_Z, tail, y)
    return _limits(w, y, -0.0, -0.0)


_FORWARD = {"none": _exact, "tanh": _tanh}
_GRAD = {"none": _exact_grad, "tanh": _tanh_grad}
_GRAD2 = {"none": _exact_grad2, "tanh": _tanh_grad2}


def forward(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """GELU of ``x`` (variant ``approximate``) in ``x``'s dtype."""
    return _FORWARD[approximate](_widen(x)).to(x.dtype)


def backward(grad: torch.Tensor, x: torch.Tensor, approximate: str) -> torch.Tensor:
    """``grad * gelu'(x)``, rounded to ``x``'s dtype."""
    return (_widen(grad) * _GRAD[approximate](_widen(x))).to(x.dtype)


def grad2(x: torch.Tensor, approximate: str) -> torch.Tensor:
    """Second derivative ``gelu''(x)`` in ``x``'s dtype."""
    return _GRAD2[approximate](_widen(x)).to(x.dtype)
