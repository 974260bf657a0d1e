"""Reductions over axes: sum, mean, var, max, min, argmax, argmin.

``axis`` is None (all axes), an int, or a tuple of ints; ``keepdims`` keeps
the reduced axes with size 1, as in NumPy.
"""
from __future__ import annotations

import math
from typing import Sequence

from .. import backend
from ..autograd import Function, Tensor
from ..backend import Array
from .conversion import astype
from .shape import broadcast_to, normalize_axis, reshape

Axes = int | Sequence[int] | None  # the axes to reduce: one, several, or None for all


def _axes(axis: Axes, ndim: int) -> tuple[int, ...]:
    """Normalise ``axis`` to a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(sorted({normalize_axis(a, ndim) for a in axes}))
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

    def forward(self, x: Array) -> Array:
        self.input_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        return _expand_back(gy, self.input_shape, self.axes)


class Max(Function):
    """The largest value over ``axes``. Tied maxima share the gradient equally
    (PyTorch's ``amax`` rule), so it is well defined at ties."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        self.save_outputs(0)
        return x.max(axis=self.axes, keepdims=self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        (x,), (y,) = self.saved_inputs, self.saved_outputs
        return _share_among_ties(gy, x, y, self.axes)


class Min(Max):
    """The smallest value over ``axes``; tied minima share the gradient (as :class:`Max`)."""

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        self.save_outputs(0)
        return x.min(axis=self.axes, keepdims=self.keepdims)


def _share_among_ties(gy: Tensor, x: Tensor, y: Tensor, axes: tuple[int, ...]) -> Tensor:
    """dLoss/dx for y = max or min of x over ``axes``: each of the k elements equal to
    the result gets gy / k, every other element 0."""
    is_extremum = (x.data == y.data.reshape(_kept_shape(x.shape, axes))).astype(x.dtype)
    share = is_extremum / is_extremum.sum(axis=axes, keepdims=True)
    return _expand_back(gy, x.shape, axes) * Tensor._make(share)


def _check_nonempty(x: Tensor, axes: tuple[int, ...], name: str) -> None:
    if any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: cannot reduce an empty axis of a tensor of shape {x.shape}")


def sum(x: Tensor, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (None = all)."""
    return Sum.apply(x, axes=_axes(axis, x.ndim), keepdims=keepdims)


def mean(x: Tensor, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (None = all)."""
    axes = _axes(axis, x.ndim)
    _check_nonempty(x, axes, "mean")
    count = math.prod(x.shape[a] for a in axes)
    if x.dtype.kind != "f":
        x = astype(x, backend.DEFAULT_FLOAT)
    return Sum.apply(x, axes=axes, keepdims=keepdims) * (1.0 / count)


def var(x: Tensor, axis: Axes = None, keepdims: bool = False, unbiased: bool = True) -> Tensor:
    """Variance over ``axis``: mean squared deviation, divided by n-1 if ``unbiased``."""
    axes = _axes(axis, x.ndim)
    count = math.prod(x.shape[a] for a in axes)
    dof = count - 1 if unbiased else count
    if dof <= 0:
        raise ValueError(f"var over {count} element(s) with unbiased={unbiased} is undefined")
    deviation = x - mean(x, axis=axes, keepdims=True)
    return sum(deviation * deviation, axis=axes, keepdims=keepdims) * (1.0 / dof)


def max(x: Tensor, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """Largest value over ``axis`` (ties share the gradient)."""
    axes = _axes(axis, x.ndim)
    _check_nonempty(x, axes, "max")
    return Max.apply(x, axes=axes, keepdims=keepdims)


def min(x: Tensor, axis: Axes = None, keepdims: bool = False) -> Tensor:
    """Smallest value over ``axis`` (ties share the gradient)."""
    axes = _axes(axis, x.ndim)
    _check_nonempty(x, axes, "min")
    return Min.apply(x, axes=axes, keepdims=keepdims)


def _arg_extremum(x: Tensor, axis: int | None, keepdims: bool, largest: bool) -> Tensor:
    data = x.data
    if axis is None:
        index = (data.argmax() if largest else data.argmin())
        xp = backend.get_array_module(data)
        result = xp.asarray(index, dtype="int64")
        return Tensor._make(result.reshape((1,) * x.ndim) if keepdims else result)
    axis = normalize_axis(axis, x.ndim)
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
