"""Reductions over axes: sum, mean, var, max, min, argmax, argmin.

``axis`` is None (all axes), an int, or a tuple of ints; ``keepdims`` keeps
the reduced axes with size 1, as in NumPy.
"""
from __future__ import annotations

import math
from typing import Any

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .shape import _normalize_axis, broadcast_to, reshape


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """Normalise ``axis`` to a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(sorted({_normalize_axis(a, ndim) for a in axes}))
    return axes


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the keepdims shape)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(gy: Tensor, shape: tuple[int, ...], axes: tuple[int, ...]) -> Tensor:
    """Broadcast a reduced gradient back to the input shape."""
    return broadcast_to(reshape(gy, _kept_shape(shape, axes)), shape)


class Sum(Function):
    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: Any) -> Any:
        self.input_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        return _expand_back(gy, self.input_shape, self.axes)


class Extremum(Function):
    """max or min over axes. The gradient is shared equally by tied extrema
    (PyTorch's ``amax``/``amin`` rule), so it is well defined at ties."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool, largest: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims
        self.largest = largest

    def forward(self, x: Any) -> Any:
        self.save_inputs(0)
        self.save_outputs(0)
        reduce = x.max if self.largest else x.min
        return reduce(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        (x,), (y,) = self.saved_inputs, self.saved_outputs
        # every tied extremum gets 1 / (number of ties) of the gradient
        is_extremum = (x.data == y.data.reshape(_kept_shape(x.shape, self.axes))).astype(x.dtype)
        share = is_extremum / is_extremum.sum(axis=self.axes, keepdims=True)
        return _expand_back(gy, x.shape, self.axes) * Tensor._make(share)


def _check_nonempty(x: Tensor, axes: tuple[int, ...], name: str) -> None:
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: cannot reduce an empty axis of a tensor of shape {x.shape}")


def sum(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (None = all)."""
    return Sum.apply(x, axes=_axes(axis, x.ndim), keepdims=keepdims)


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (None = all)."""
    axes = _axes(axis, x.ndim)
    _check_nonempty(x, axes, "mean")
    count = math.prod(x.shape[a] for a in axes)
    if x.dtype.kind != "f":
        from ..tensor import DEFAULT_FLOAT
        x = x.to(DEFAULT_FLOAT)
    return Sum.apply(x, axes=axes, keepdims=keepdims) * (1.0 / count)


def var(x: Tensor, axis: Any = None, keepdims: bool = False, unbiased: bool = True) -> Tensor:
    """Variance over ``axis``: mean squared deviation, divided by n-1 if ``unbiased``."""
    axes = _axes(axis, x.ndim)
    count = math.prod(x.shape[a] for a in axes)
    dof = count - 1 if unbiased else count
    if dof <= 0:
        raise ValueError(f"var over {count} element(s) with unbiased={unbiased} is undefined")
    deviation = x - mean(x, axis=axes, keepdims=True)
    return sum(deviation * deviation, axis=axes, keepdims=keepdims) * (1.0 / dof)


def max(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Largest value over ``axis`` (ties share the gradient)."""
    axes = _axes(axis, x.ndim)
    _check_nonempty(x, axes, "max")
    return Extremum.apply(x, axes=axes, keepdims=keepdims, largest=True)


def min(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Smallest value over ``axis`` (ties share the gradient)."""
    axes = _axes(axis, x.ndim)
    _check_nonempty(x, axes, "min")
    return Extremum.apply(x, axes=axes, keepdims=keepdims, largest=False)


def _arg_extremum(x: Tensor, axis: int | None, keepdims: bool, largest: bool) -> Tensor:
    data = x.data
    if axis is None:
        index = (data.argmax() if largest else data.argmin())
        xp = backend.get_array_module(data)
        result = xp.asarray(index, dtype="int64")
        return Tensor._make(result.reshape((1,) * x.ndim) if keepdims else result)
    axis = _normalize_axis(axis, x.ndim)
    _check_nonempty(x, (axis,), "argmax" if largest else "argmin")
    result = data.argmax(axis=axis) if largest else data.argmin(axis=axis)
    if keepdims:
        result = result.reshape(_kept_shape(x.shape, (axis,)))
    return Tensor._make(result.astype("int64", copy=False))


def argmax(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the (first) largest value; int64, not differentiable."""
    return _arg_extremum(x, axis, keepdims, largest=True)


def argmin(x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the (first) smallest value; int64, not differentiable."""
    return _arg_extremum(x, axis, keepdims, largest=False)
