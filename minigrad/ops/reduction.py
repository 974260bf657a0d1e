"""Reductions over axes and scans: sum, mean, var, std, prod, max/min (and amax/amin),
argmax/argmin, all/any, cumsum.

Axes are named PyTorch's way, ``dim=None, keepdim=False``, or NumPy's, ``axis=None,
keepdims=False`` (keyword only). ``dim``/``axis`` is None (all axes), an int, or a tuple of
ints. One difference is kept on purpose because PyTorch code relies on it:
``x.max(dim)`` / ``x.min(dim)`` with an int ``dim`` return ``(values, indices)`` as
PyTorch does, while ``x.max()``, ``x.max(axis=...)`` and ``x.amax(dim)`` return the
values alone (NumPy's ``max``, PyTorch's ``amax``).
"""
from __future__ import annotations

import builtins
import math
import warnings
from typing import NamedTuple, Sequence

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ..backend import Array
from .conversion import astype
from .elementwise import maximum, minimum, sqrt
from .shape import broadcast_to, flip, gather, normalize_axis, pad, permute, reshape, squeeze
from .summation import accurate_sum

Axes = int | Sequence[int] | None  # the axes to reduce: one, several, or None for all


class ValuesIndices(NamedTuple):
    """What ``max(dim)``, ``min(dim)``, ``topk`` and ``sort`` return, like PyTorch's
    ``torch.return_types``: ``values, indices = x.max(dim=1)``."""
    values: Tensor
    indices: Tensor


def _axes(axis: Axes, ndim: int) -> tuple[int, ...]:
    """Normalise ``axis`` to a sorted tuple of non-negative axes (a 0-d tensor accepts
    0 and -1, and reduces nothing)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(sorted({normalize_axis(a, ndim) for a in axes}))
    return axes if ndim else ()


def reduction_axes(x: Tensor, dim: Axes, axis: Axes) -> tuple[int, ...]:
    """The axes named by PyTorch's ``dim`` or NumPy's ``axis`` (not both), normalised."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"got both dim={dim} and axis={axis}; pass one of them")
        dim = axis
    return _axes(dim, x.ndim)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with the reduced axes set to 1 (the keepdims shape)."""
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _expand_back(gy: Tensor, shape: tuple[int, ...], axes: tuple[int, ...]) -> Tensor:
    """Broadcast a reduced gradient back to the input shape."""
    return broadcast_to(reshape(gy, _kept_shape(shape, axes)), shape)


class Sum(Function):
    """Sum over ``axes``; float32 sums stay accurate on every axis (``accurate_sum``)."""

    def __init__(self, axes: tuple[int, ...], keepdims: bool) -> None:
        self.axes = axes
        self.keepdims = keepdims

    def forward(self, x: Array) -> Array:
        self.input_shape = x.shape
        return accurate_sum(x, self.axes, self.keepdims)

    def backward(self, gy: Tensor) -> Tensor:
        return _expand_back(gy, self.input_shape, self.axes)


class Max(Function):
    """The largest value over ``axes`` (PyTorch's ``amax``). Tied maxima share the gradient
    equally, so it is well defined at ties; if the result is NaN the gradient is shared by
    the NaN elements (as ``torch.max()``; ``torch.amax`` gives NaN gradients everywhere)."""

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
    """The smallest value over ``axes``; ties and NaNs share the gradient (as :class:`Max`)."""

    def forward(self, x: Array) -> Array:
        self.save_inputs(0)
        self.save_outputs(0)
        return x.min(axis=self.axes, keepdims=self.keepdims)


def _share_among_ties(gy: Tensor, x: Tensor, y: Tensor, axes: tuple[int, ...]) -> Tensor:
    """dLoss/dx for y = max or min of x over ``axes``: each of the k elements equal to
    the result (or NaN, where the result is NaN) gets gy / k, every other element 0."""
    xp = backend.get_array_module(x.data)
    result = y.data.reshape(_kept_shape(x.shape, axes))
    # NaN != NaN, so the NaN elements are added to the winners where the result is NaN
    # (unconditionally: testing for NaNs first would be a GPU sync)
    chosen = (x.data == result) | (xp.isnan(x.data) & xp.isnan(result))
    is_extremum = chosen.astype(x.dtype)
    share = is_extremum / is_extremum.sum(axis=axes, keepdims=True)
    return _expand_back(gy, x.shape, axes) * Tensor._make(share)


def _check_nonempty(x: Tensor, axes: tuple[int, ...], name: str) -> None:
    if builtins.any(x.shape[a] == 0 for a in axes):
        raise ValueError(f"{name}: cannot reduce an empty axis of a tensor of shape {x.shape}")


def sum(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
        keepdims: bool | None = None) -> Tensor:
    """Sum over ``dim`` (None = all); integer and bool tensors sum to int64.

    x: any shape -> x's shape without the reduced axes (size 1 with ``keepdim``).

    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(dim=1, keepdim=True).tolist()
    [[3.0], [7.0]]
    """
    return Sum.apply(x, axes=reduction_axes(x, dim, axis),
                     keepdims=keepdim if keepdims is None else keepdims)


def mean(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
         keepdims: bool | None = None) -> Tensor:
    """Mean over ``dim`` (None = all); NaN over an empty axis (as PyTorch). Integer
    tensors give the default float dtype."""
    axes = reduction_axes(x, dim, axis)
    count = math.prod(x.shape[a] for a in axes)
    if x.dtype.kind != "f":
        x = astype(x, backend.DEFAULT_FLOAT)
    total = Sum.apply(x, axes=axes, keepdims=keepdim if keepdims is None else keepdims)
    return total * (1.0 / count if count else math.nan)


def var(x: Tensor, dim: Axes = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Axes = None,
        keepdims: bool | None = None) -> Tensor:
    """Variance over ``dim``: sum of squared deviations / (n - correction).

    ``correction`` defaults to 1 (Bessel's correction; ``unbiased=False`` means 0). With
    n - correction <= 0 the result is NaN or inf and a warning is given (as PyTorch).

    >>> import minigrad as mg
    >>> mg.tensor([1.0, 2.0, 3.0, 4.0]).var(correction=0).item()
    1.25
    """
    if correction is None:
        correction = 0 if unbiased is False else 1
    elif unbiased is not None:
        raise TypeError("var: pass correction= or unbiased=, not both")
    axes = reduction_axes(x, dim, axis)
    dof = math.prod(x.shape[a] for a in axes) - correction
    if dof <= 0:
        warnings.warn(f"var: degrees of freedom <= 0 (reducing shape {x.shape} over axes "
                      f"{axes} with correction={correction}): the result is NaN or inf",
                      RuntimeWarning, stacklevel=2)
    deviation = x - mean(x, axes, keepdim=True)
    squares = sum(deviation * deviation, axes, keepdim if keepdims is None else keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        return squares * (1.0 / dof if dof > 0 else math.inf)


def std(x: Tensor, dim: Axes = None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None, axis: Axes = None,
        keepdims: bool | None = None) -> Tensor:
    """Standard deviation over ``dim``: ``sqrt(var(...))``, the same arguments as :func:`var`."""
    return sqrt(var(x, dim, unbiased, keepdim, correction=correction, axis=axis,
                    keepdims=keepdims))


def prod(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
         keepdims: bool | None = None) -> Tensor:
    """Product over ``dim`` (None = all); differentiable twice, zeros included.

    Written as a tree of elementwise products: the reduced axes are moved last and
    flattened to K factors, padded with ones to a power of two, and the two halves are
    multiplied until one factor is left (log2 K steps). So the gradient of each factor
    is the product of the others, exactly, even where some are 0.

    >>> import minigrad as mg
    >>> mg.tensor([[1.0, 2.0], [3.0, 0.0]]).prod(dim=0).tolist()
    [3.0, 0.0]
    """
    axes = reduction_axes(x, dim, axis)
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    kept_shape = tuple(x.shape[a] for a in kept)
    count = math.prod(x.shape[a] for a in axes)
    factors = reshape(permute(x, kept + axes), kept_shape + (count,))
    width = 1 << builtins.max(count - 1, 0).bit_length()            # next power of two
    if width != count:
        factors = pad(factors, ((0, 0),) * len(kept) + ((0, width - count),), value=1)
    while width > 1:
        width //= 2
        factors = factors[..., :width] * factors[..., width:]
    keep = keepdim if keepdims is None else keepdims
    return reshape(factors, _kept_shape(x.shape, axes) if keep else kept_shape)


def amax(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
         keepdims: bool | None = None) -> Tensor:
    """Largest value over ``dim`` (None = all; tuples allowed). Tied maxima share the
    gradient; a NaN result sends it to the NaN elements."""
    axes = reduction_axes(x, dim, axis)
    _check_nonempty(x, axes, "amax")
    return Max.apply(x, axes=axes, keepdims=keepdim if keepdims is None else keepdims)


def amin(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
         keepdims: bool | None = None) -> Tensor:
    """Smallest value over ``dim`` (None = all; tuples allowed); gradients as :func:`amax`."""
    axes = reduction_axes(x, dim, axis)
    _check_nonempty(x, axes, "amin")
    return Min.apply(x, axes=axes, keepdims=keepdim if keepdims is None else keepdims)


def max(x: Tensor, dim: int | Tensor | Axes = None, keepdim: bool = False, *,
        axis: Axes = None, keepdims: bool | None = None) -> Tensor | ValuesIndices:
    """PyTorch's ``max``, and NumPy's through ``axis=``.

    * ``max(x)`` or ``max(x, axis=...)``: the largest value(s), as :func:`amax`.
    * ``max(x, dim)`` with an int ``dim``: ``(values, indices)`` along ``dim``; the
      gradient goes to the element at ``indices`` (the first maximum, or the first NaN).
    * ``max(x, other)`` with a Tensor ``other``: the elementwise :func:`maximum`.

    >>> import minigrad as mg
    >>> values, indices = mg.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    >>> values.tolist(), indices.tolist()
    ([5.0, 7.0], [1, 0])
    """
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    if isinstance(dim, int):
        return _extremum_with_index(x, dim, keepdim, largest=True)
    return amax(x, dim, keepdim, axis=axis, keepdims=keepdims)


def min(x: Tensor, dim: int | Tensor | Axes = None, keepdim: bool = False, *,
        axis: Axes = None, keepdims: bool | None = None) -> Tensor | ValuesIndices:
    """PyTorch's ``min``, and NumPy's through ``axis=``: as :func:`max`, for the smallest."""
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    if isinstance(dim, int):
        return _extremum_with_index(x, dim, keepdim, largest=False)
    return amin(x, dim, keepdim, axis=axis, keepdims=keepdims)


def _extremum_with_index(x: Tensor, dim: int, keepdim: bool, largest: bool) -> ValuesIndices:
    """(values, indices) of the max or min along ``dim``; values gathered at the indices."""
    indices = _arg_extremum(x, dim, True, largest)
    if x.ndim == 0:
        return ValuesIndices(x, reshape(indices, ()))
    values = gather(x, dim, indices)
    if not keepdim:
        values, indices = squeeze(values, dim), squeeze(indices, dim)
    return ValuesIndices(values, indices)


def _arg_extremum(x: Tensor, axis: int | None, keepdims: bool, largest: bool) -> Tensor:
    data = x.data
    xp = backend.get_array_module(data)
    name = "argmax" if largest else "argmin"
    if axis is None or x.ndim == 0:
        if axis is not None:
            normalize_axis(axis, 0)
        _check_nonempty(x, tuple(range(x.ndim)), name)
        result = xp.asarray(data.argmax() if largest else data.argmin(), dtype="int64")
        return Tensor._make(result.reshape((1,) * x.ndim) if keepdims else result)
    axis = normalize_axis(axis, x.ndim)
    _check_nonempty(x, (axis,), name)
    result = data.argmax(axis=axis) if largest else data.argmin(axis=axis)
    if keepdims:
        result = result.reshape(_kept_shape(x.shape, (axis,)))
    return Tensor._make(result.astype("int64", copy=False))


def argmax(x: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
           keepdims: bool | None = None) -> Tensor:
    """Index of the (first) largest value over ``dim`` (None: of the flattened tensor);
    int64, not differentiable."""
    return _arg_extremum(x, dim if axis is None else axis,
                         keepdim if keepdims is None else keepdims, largest=True)


def argmin(x: Tensor, dim: int | None = None, keepdim: bool = False, *, axis: int | None = None,
           keepdims: bool | None = None) -> Tensor:
    """Index of the (first) smallest value over ``dim`` (None: of the flattened tensor);
    int64, not differentiable."""
    return _arg_extremum(x, dim if axis is None else axis,
                         keepdim if keepdims is None else keepdims, largest=False)


def _logical_reduction(x: Tensor, dim: Axes, keepdim: bool, axis: Axes,
                       keepdims: bool | None, everywhere: bool) -> Tensor:
    """``all`` (``everywhere``) or ``any`` of ``x != 0`` over the axes: a bool tensor."""
    axes = reduction_axes(x, dim, axis)
    keep = keepdim if keepdims is None else keepdims
    xp = backend.get_array_module(x.data)
    truth = x.data.astype(bool)
    found = truth.all(axis=axes, keepdims=keep) if everywhere else \
        truth.any(axis=axes, keepdims=keep)
    return Tensor._make(xp.asarray(found))


def all(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
        keepdims: bool | None = None) -> Tensor:
    """Whether every element over ``dim`` (None = all) is non-zero: a bool tensor (not
    differentiable). ``bool(x.all())`` for a Python answer.

    >>> import minigrad as mg
    >>> mg.tensor([[1, 0], [2, 3]]).all(dim=1).tolist()
    [False, True]
    """
    return _logical_reduction(x, dim, keepdim, axis, keepdims, everywhere=True)


def any(x: Tensor, dim: Axes = None, keepdim: bool = False, *, axis: Axes = None,
        keepdims: bool | None = None) -> Tensor:
    """Whether some element over ``dim`` (None = all) is non-zero: a bool tensor."""
    return _logical_reduction(x, dim, keepdim, axis, keepdims, everywhere=False)


class CumSum(Function):
    """Running sums along ``axis``; the gradient is the running sum of gy taken from the
    end: dx_i = sum_{j >= i} gy_j."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        return backend.get_array_module(x).cumsum(x, axis=self.axis)

    def backward(self, gy: Tensor) -> Tensor:
        return flip(CumSum.apply(flip(gy, self.axis), axis=self.axis), self.axis)


def cumsum(x: Tensor, dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """Running sums along ``dim`` (PyTorch requires it; None, NumPy's default, runs over
    the flattened tensor). Integer and bool tensors give int64.

    >>> import minigrad as mg
    >>> mg.tensor([[1, 2, 3], [4, 5, 6]]).cumsum(dim=1).tolist()
    [[1, 3, 6], [4, 9, 15]]
    """
    dim = dim if axis is None else axis
    if x.ndim == 0:
        if dim is not None:
            normalize_axis(dim, 0)
        return reshape(cumsum(reshape(x, (1,)), 0), ())
    if dim is None:
        x, dim = reshape(x, (-1,)), 0
    dim = normalize_axis(dim, x.ndim)
    if x.dtype.kind in "bu" or (x.dtype.kind == "i" and x.dtype.itemsize < 8):
        x = astype(x, np.dtype(np.int64))
    return CumSum.apply(x, axis=dim)
