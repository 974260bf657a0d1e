"""Installs the op functions as ``Tensor`` methods and Python operators.

Kept apart from ``tensor.py`` because the ops import ``Tensor``: defining the
class first and attaching methods here avoids a circular import.
"""
from __future__ import annotations

from typing import Any

from .ops import activation, arithmetic, compare, math, reduction, shape
from .tensor import Tensor


def _reflected(fn: Any) -> Any:
    """``other OP tensor`` -> fn(other, tensor)."""
    return lambda self, other: fn(other, self)


_OPERATORS = {
    "__add__": arithmetic.add, "__radd__": _reflected(arithmetic.add),
    "__sub__": arithmetic.sub, "__rsub__": _reflected(arithmetic.sub),
    "__mul__": arithmetic.mul, "__rmul__": _reflected(arithmetic.mul),
    "__truediv__": arithmetic.div, "__rtruediv__": _reflected(arithmetic.div),
    "__pow__": arithmetic.pow, "__rpow__": _reflected(arithmetic.pow),
    "__matmul__": arithmetic.matmul, "__rmatmul__": _reflected(arithmetic.matmul),
    "__neg__": arithmetic.neg,
    "__pos__": lambda self: self,
    "__getitem__": shape.getitem,
    "__eq__": compare.eq, "__ne__": compare.ne, "__lt__": compare.lt,
    "__le__": compare.le, "__gt__": compare.gt, "__ge__": compare.ge,
}

_METHODS = {
    # reductions
    "sum": reduction.sum, "mean": reduction.mean, "var": reduction.var,
    "max": reduction.max, "min": reduction.min,
    "argmax": reduction.argmax, "argmin": reduction.argmin,
    # shapes
    "reshape": shape.reshape, "view": shape.reshape, "transpose": shape.transpose,
    "permute": shape.permute, "flatten": shape.flatten, "squeeze": shape.squeeze,
    "unsqueeze": shape.unsqueeze, "expand": shape.broadcast_to,
    "broadcast_to": shape.broadcast_to, "pad": shape.pad,
    # elementwise math
    "exp": math.exp, "log": math.log, "sqrt": math.sqrt, "abs": math.abs,
    "clip": math.clip, "clamp": math.clip, "maximum": math.maximum, "minimum": math.minimum,
    # activations
    "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
    "matmul": arithmetic.matmul,
}


def install() -> None:
    """Attach every operator and method to ``Tensor``."""
    for name, fn in {**_OPERATORS, **_METHODS}.items():
        setattr(Tensor, name, fn)
    Tensor.T = property(lambda self: shape.transpose(self))
    Tensor.__hash__ = object.__hash__  # __eq__ is elementwise; identity hashing stays
