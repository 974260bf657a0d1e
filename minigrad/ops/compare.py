"""Comparisons: elementwise, broadcasting, not differentiable; they return bool tensors."""
from __future__ import annotations

import operator
from typing import Callable

from .. import backend
from ..backend import Array
from ..autograd import Tensor, as_tensors
from .broadcasting import promote


def compare(op: Callable[[Array, Array], Array], a: Tensor | float, b: Tensor | float) -> Tensor:
    """Apply a comparison operator to the raw arrays of ``a`` and ``b``."""
    a, b = as_tensors((a, b))
    if a.device != b.device:
        raise RuntimeError(f"comparison of tensors on {a.device} and {b.device}")
    try:
        return Tensor._make(op(a.data, b.data))
    except ValueError:
        raise ValueError(f"cannot compare tensors of shapes {a.shape} and {b.shape}") from None


def eq(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a == b elementwise (broadcasting); a bool tensor."""
    return compare(operator.eq, a, b)


def ne(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a != b elementwise (broadcasting); a bool tensor."""
    return compare(operator.ne, a, b)


def lt(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a < b elementwise (broadcasting); a bool tensor."""
    return compare(operator.lt, a, b)


def le(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a <= b elementwise (broadcasting); a bool tensor."""
    return compare(operator.le, a, b)


def gt(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a > b elementwise (broadcasting); a bool tensor."""
    return compare(operator.gt, a, b)


def ge(a: Tensor | float, b: Tensor | float) -> Tensor:
    """a >= b elementwise (broadcasting); a bool tensor."""
    return compare(operator.ge, a, b)


def isclose(a: Tensor | float, b: Tensor | float, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """``|a - b| <= atol + rtol * |b|`` elementwise (broadcasting), as ``torch.isclose``;
    equal infinities are close, NaNs only with ``equal_nan``. A bool tensor.

    >>> import minigrad as mg
    >>> mg.isclose(mg.tensor([1.0, 2.0]), mg.tensor([1.0 + 1e-9, 2.1])).tolist()
    [True, False]
    """
    a, b = promote(a, b)
    xp = backend.get_array_module(a.data)
    return compare(lambda x, y: xp.isclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan),
                   a, b)


def allclose(a: Tensor | float, b: Tensor | float, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element of ``a`` is close to ``b`` (:func:`isclose`): a Python bool."""
    return bool(isclose(a, b, rtol, atol, equal_nan).data.all())
