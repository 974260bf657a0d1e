"""Gradient checking: analytic gradients (backprop) against finite differences.

For a function f and a random upstream gradient v, define the scalar
L(x) = <v, f(x)>. Backprop gives dL/dx; the central difference

    dL/dx_i ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)          (error O(eps^2))

estimates each component numerically. Both are computed in float64: in
float32 the rounding error of L (about 1e-7 |L| / eps) swamps the truncation
error. ``v`` is random and non-uniform on purpose: with an all-ones v, a
train-mode BatchNorm's gradient is identically zero and hides any bug.

Two modes:
* element-wise (default): 2 forward passes per input element; reports the
  worst element.
* ``fast_mode=True``: one random direction u for all inputs at once and the
  directional derivative (L(x + eps u) - L(x - eps u)) / (2 eps) against
  <dL/dx, u>: 2 forward passes in total, for inputs too large to probe one
  element at a time.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import autograd, backend
from .backend import Array
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Analytic and numerical gradients disagree (the message says where)."""


# Any: fn's arguments are Tensors and whatever else fn takes (an axis, a flag), passed as is.
def _as_tuple(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _prepare_inputs(inputs: Sequence[Any], kinks: Sequence[float], kink_margin: float,
                    ) -> list[Any]:
    """float64 copies of the float Tensors (others unchanged), nudged off kinks."""
    prepared = []
    for x in inputs:
        if isinstance(x, Tensor) and x.dtype.kind == "f":
            xp = backend.get_array_module(x.data)
            data = x.data.astype(np.float64, copy=True)
            for k in kinks:  # move values within kink_margin of a kink to kink +- margin
                nudged = k + xp.where(data >= k, kink_margin, -kink_margin)
                data = xp.where(abs(data - k) < kink_margin, nudged, data)
            prepared.append(Tensor(data, requires_grad=x.requires_grad))
        else:
            prepared.append(x)
    return prepared


def _float_outputs(outputs: Tensor | Sequence[Tensor]) -> list[Tensor]:
    return [y for y in _as_tuple(outputs) if isinstance(y, Tensor) and y.dtype.kind == "f"]


class _Objective:
    """L(inputs) = sum_k <v_k, f(inputs)_k> with a fixed random upstream gradient v."""

    def __init__(self, fn: Callable[..., Tensor | Sequence[Tensor]], inputs: list[Any],
                 seed: int) -> None:
        self.fn = fn
        self.inputs = inputs
        outputs = _float_outputs(fn(*inputs))
        if not outputs:
            raise ValueError("gradcheck: the function returned no floating point Tensor")
        rng = np.random.default_rng(seed)
        self.upstream = [Tensor(backend.to_device(rng.standard_normal(y.shape), y.device))
                         for y in outputs]

    def value(self) -> float:
        with autograd.no_grad():
            outputs = _float_outputs(self.fn(*self.inputs))
        return float(sum(float((y.data.astype(np.float64) * v.data).sum())
                         for y, v in zip(outputs, self.upstream)))

    def analytic(self, wrt: list[Tensor]) -> list[Array]:
        with autograd.enable_grad():
            outputs = _float_outputs(self.fn(*self.inputs))
        pairs = [(y, v) for y, v in zip(outputs, self.upstream) if y.requires_grad]
        if not pairs:
            return [x.data * 0 for x in wrt]
        grads = autograd.grad([y for y, _ in pairs], wrt, [v for _, v in pairs],
                              allow_unused=True)
        return [g.data if g is not None else x.data * 0 for g, x in zip(grads, wrt)]


def _numerical_elementwise(objective: _Objective, x: Tensor, eps: float) -> np.ndarray:
    """Central differences of L for every element of ``x`` (x.data is perturbed in place)."""
    flat = x.data.reshape(-1)
    numerical = np.zeros(flat.size)
    for i in range(flat.size):
        original = float(flat[i])
        flat[i] = original + eps
        plus = objective.value()
        flat[i] = original - eps
        minus = objective.value()
        flat[i] = original
        numerical[i] = (plus - minus) / (2 * eps)
    return numerical.reshape(x.shape)


def _report(name: str, where: str, analytic: float, numerical: float, atol: float,
            rtol: float) -> str:
    return (f"{name}: gradient mismatch for {where}: analytic {analytic:.10g} vs numerical "
            f"{numerical:.10g} (difference {abs(analytic - numerical):.3g} > atol {atol:g} + "
            f"rtol {rtol:g} * |numerical|)")


def gradcheck(fn: Callable[..., Tensor | Sequence[Tensor]], inputs: Tensor | Sequence[Any],
              eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False,
              kinks: Sequence[float] = (), kink_margin: float | None = None,
              seed: int = 0) -> bool:
    """Check ``fn``'s backward against float64 central differences.

    fn: takes the ``inputs`` (Tensors, or anything else passed through) and
        returns a Tensor or a tuple of Tensors.
    inputs: a Tensor or a sequence; float Tensors with ``requires_grad=True``
        are checked (on float64 copies, so the originals are never touched).
    fast_mode: check one random direction instead of every element.
    kinks: input values where fn is not differentiable (e.g. ``(0.0,)`` for
        relu/abs); elements closer than ``kink_margin`` (default 100*eps) are
        moved to kink +- kink_margin first.
    Returns True, or raises :class:`GradcheckError` (False if not
    ``raise_exception``) naming the input, the worst element's index, and the
    analytic and numerical values.

    >>> import minigrad as mg
    >>> x = mg.tensor([[0.5, -1.0, 2.0], [0.3, 1.5, -0.7]], requires_grad=True)
    >>> mg.gradcheck(lambda x: (x * x.exp()).sum(axis=1), x)
    True
    >>> mg.gradcheck(lambda x: x.relu(), x, kinks=(0.0,))
    True
    >>> class WrongSquare(mg.Function):  # y = x², but backward forgets the factor 2
    ...     def forward(self, x):
    ...         self.save_inputs(0)
    ...         return x * x
    ...     def backward(self, grad_y):
    ...         (x,) = self.saved_inputs
    ...         return grad_y * x
    >>> mg.gradcheck(WrongSquare.apply, x, raise_exception=False)
    False
    """
    inputs = _prepare_inputs(_as_tuple(inputs), kinks,
                             kink_margin if kink_margin is not None else 100 * eps)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input Tensor has requires_grad=True")
    objective = _Objective(fn, inputs, seed)
    wrt = [inputs[i] for i in checked]
    analytic = [backend.to_numpy(g) for g in objective.analytic(wrt)]

    failure = None
    if fast_mode:
        rng = np.random.default_rng(seed + 1)
        directions = [rng.standard_normal(x.shape) for x in wrt]
        originals = [x.data.copy() for x in wrt]
        for x, u, x0 in zip(wrt, directions, originals):
            x.data[...] = x0 + eps * backend.to_device(u, x.device)
        plus = objective.value()
        for x, u, x0 in zip(wrt, directions, originals):
            x.data[...] = x0 - eps * backend.to_device(u, x.device)
        minus = objective.value()
        for x, x0 in zip(wrt, originals):
            x.data[...] = x0
        numerical = (plus - minus) / (2 * eps)
        predicted = float(sum((g * u).sum() for g, u in zip(analytic, directions)))
        if abs(predicted - numerical) > atol + rtol * abs(numerical):
            failure = _report("gradcheck", "a random direction over all inputs", predicted,
                              numerical, atol, rtol)
    else:
        for position, x, g in zip(checked, wrt, analytic):
            numerical = _numerical_elementwise(objective, x, eps)
            excess = np.abs(g - numerical) - (atol + rtol * np.abs(numerical))
            if excess.size and excess.max() > 0:
                worst = np.unravel_index(int(np.argmax(excess)), excess.shape)
                failure = _report("gradcheck", f"input {position} (shape {x.shape}) at index "
                                  f"{tuple(int(i) for i in worst)}", float(g[worst]),
                                  float(numerical[worst]), atol, rtol)
                break
    if failure is None:
        return True
    if raise_exception:
        raise GradcheckError(failure)
    return False


def gradgradcheck(fn: Callable[..., Tensor | Sequence[Tensor]], inputs: Tensor | Sequence[Any],
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True, fast_mode: bool = False,
                  kinks: Sequence[float] = (), kink_margin: float | None = None,
                  seed: int = 0) -> bool:
    """Check second derivatives (double backprop) of ``fn``.

    Builds g(inputs, v) = d<v, fn(inputs)>/d(inputs) with ``create_graph=True``
    for a random upstream gradient v, and runs :func:`gradcheck` on g with
    respect to the inputs *and* v (the same arguments as gradcheck).
    """
    inputs = _prepare_inputs(_as_tuple(inputs), kinks,
                             kink_margin if kink_margin is not None else 100 * eps)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradgradcheck: no input Tensor has requires_grad=True")
    rng = np.random.default_rng(seed + 2)
    outputs = _float_outputs(fn(*inputs))
    upstream = [Tensor(backend.to_device(rng.standard_normal(y.shape), y.device),
                       requires_grad=True) for y in outputs]
    n = len(inputs)

    def first_derivatives(*args: Any) -> tuple[Tensor, ...]:
        xs, vs = list(args[:n]), args[n:]
        with autograd.enable_grad():  # the inner derivative always needs a graph
            ys = _float_outputs(fn(*xs))
            pairs = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
            grads = autograd.grad([y for y, _ in pairs], [xs[i] for i in checked],
                                  [v for _, v in pairs], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, list(inputs) + upstream, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, seed=seed + 3)
