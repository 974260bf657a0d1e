"""Comparisons: elementwise, broadcasting, not differentiable; they return bool tensors."""
from __future__ import annotations

import operator
from typing import Callable

from ..backend import Array
from ..autograd import Tensor, as_tensors


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
