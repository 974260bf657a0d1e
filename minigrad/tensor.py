"""``Tensor``: every method and operator, in one table.

The class itself (data, device, ``grad``, ``grad_fn``, ``backward``) is defined
with the engine in :mod:`minigrad.autograd`, because the two need each other.
Its math lives in the op modules, which import that class; this module sits
above them and attaches each op to ``Tensor`` from the table below, so
``x + y`` is ``arithmetic.add(x, y)`` and ``x.sum(axis=0)`` is
``reduction.sum(x, axis=0)``.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import backend
from .autograd import DTypeLike, Tensor
from .ops import (activation, arithmetic, compare, conversion, elementwise, reduction, shape,
                  sorting)

__all__ = ["Tensor"]


def _reflected(op: Callable[[object, object], Tensor]) -> Callable[[Tensor, object], Tensor]:
    """``other OP tensor`` -> op(other, tensor) (Python calls ``tensor.__rOP__(other)``)."""
    return lambda self, other: op(other, self)


def to(self: Tensor, target: str | DTypeLike) -> Tensor:
    """Move to a device (``"cpu"``, ``"cuda"``, ``"cuda:N"``) or cast to a dtype.

    Differentiable: gradients flow back to the original device/dtype.
    """
    if _is_dtype(target):
        return conversion.astype(self, np.dtype(target))
    return conversion.to_device(self, backend.normalize_device(target))


def _is_dtype(value: object) -> bool:
    if isinstance(value, str):
        return not (value == "cpu" or value.startswith("cuda"))
    return isinstance(value, (type, np.dtype))


def cuda(self: Tensor, index: int = 0) -> Tensor:
    """This tensor on GPU ``index``."""
    return to(self, f"cuda:{index}")


def cpu(self: Tensor) -> Tensor:
    """This tensor on the CPU."""
    return to(self, "cpu")


def float32(self: Tensor) -> Tensor:
    """``x.float()``: cast to float32."""
    return to(self, np.float32)


def float64(self: Tensor) -> Tensor:
    """``x.double()``: cast to float64."""
    return to(self, np.float64)


def float16(self: Tensor) -> Tensor:
    """``x.half()``: cast to float16."""
    return to(self, np.float16)


def int32(self: Tensor) -> Tensor:
    """``x.int()``: cast to int32 (no gradient flows through integer results)."""
    return to(self, np.int32)


def int64(self: Tensor) -> Tensor:
    """``x.long()``: cast to int64."""
    return to(self, np.int64)


def boolean(self: Tensor) -> Tensor:
    """``x.bool()``: True where x is non-zero."""
    return to(self, np.bool_)


def view_as(self: Tensor, other: Tensor) -> Tensor:
    """``x.view_as(y)`` / ``x.reshape_as(y)``: x reshaped to y's shape."""
    return shape.reshape(self, other.shape)


def expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``x.expand_as(y)``: x broadcast to y's shape."""
    return shape.broadcast_to(self, other.shape)


def dim(self: Tensor) -> int:
    """``x.dim()``: the number of dimensions (PyTorch's name for ``ndim``)."""
    return self.ndim


def python_round(self: Tensor, ndigits: int | None = None) -> Tensor:
    """``round(x)`` and ``round(x, n)``: elementwise, as PyTorch (a tensor, not a number)."""
    return elementwise.round(self, 0 if ndigits is None else ndigits)


METHODS: dict[str, Callable | property] = {
    # Python operators
    "__add__": arithmetic.add, "__radd__": _reflected(arithmetic.add),
    "__sub__": arithmetic.sub, "__rsub__": _reflected(arithmetic.sub),
    "__mul__": arithmetic.mul, "__rmul__": _reflected(arithmetic.mul),
    "__truediv__": arithmetic.div, "__rtruediv__": _reflected(arithmetic.div),
    "__pow__": arithmetic.pow, "__rpow__": _reflected(arithmetic.pow),
    "__matmul__": arithmetic.matmul, "__rmatmul__": _reflected(arithmetic.matmul),
    "__neg__": arithmetic.neg, "__pos__": lambda self: self,
    "__abs__": elementwise.abs, "__round__": python_round,
    "__getitem__": shape.getitem,
    "__eq__": compare.eq, "__ne__": compare.ne, "__lt__": compare.lt,
    "__le__": compare.le, "__gt__": compare.gt, "__ge__": compare.ge,
    # the operators by name (PyTorch's methods)
    "add": arithmetic.add, "sub": arithmetic.sub, "mul": arithmetic.mul,
    "div": arithmetic.div, "pow": arithmetic.pow, "neg": arithmetic.neg,
    "matmul": arithmetic.matmul,
    "eq": compare.eq, "ne": compare.ne, "lt": compare.lt,
    "le": compare.le, "gt": compare.gt, "ge": compare.ge,
    # reductions and scans (dim/keepdim, or axis/keepdims)
    "sum": reduction.sum, "mean": reduction.mean, "var": reduction.var, "std": reduction.std,
    "prod": reduction.prod, "max": reduction.max, "min": reduction.min,
    "amax": reduction.amax, "amin": reduction.amin,
    "argmax": reduction.argmax, "argmin": reduction.argmin, "cumsum": reduction.cumsum,
    # sorting
    "sort": sorting.sort, "argsort": sorting.argsort, "topk": sorting.topk,
    # shapes
    "reshape": shape.reshape, "view": shape.reshape, "view_as": view_as,
    "reshape_as": view_as, "transpose": shape.transpose, "swapaxes": shape.transpose,
    "swapdims": shape.transpose, "permute": shape.permute, "flatten": shape.flatten,
    "squeeze": shape.squeeze, "unsqueeze": shape.unsqueeze, "expand": shape.broadcast_to,
    "expand_as": expand_as, "broadcast_to": shape.broadcast_to, "pad": shape.pad,
    "flip": shape.flip, "gather": shape.gather, "dim": dim,
    "T": property(shape.reverse_axes), "mT": property(shape.swap_last_axes),
    # elementwise math
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt,
    "abs": elementwise.abs, "round": elementwise.round,
    "clip": elementwise.clip, "clamp": elementwise.clip,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    # activations
    "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
    # devices and dtypes
    "to": to, "astype": to, "cpu": cpu, "cuda": cuda, "float": float32, "double": float64,
    "half": float16, "int": int32, "long": int64, "bool": boolean,
}

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
Tensor.__hash__ = object.__hash__  # __eq__ above is elementwise; tensors hash by identity
