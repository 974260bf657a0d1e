"""``Tensor``: every method and operator, in one table.

The class itself (data, device, ``grad``, ``grad_fn``, ``backward``) is defined
with the engine in :mod:`minigrad.autograd`, because the two need each other.
Its math lives in the op modules, which import that class; this module sits
above them and attaches each op to ``Tensor`` from the table below, so
``x + y`` is ``arithmetic.add(x, y)`` and ``x.sum(axis=0)`` is
``reduction.sum(x, axis=0)``.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import backend
from .autograd import DTypeLike, Tensor
from .ops import (activation, arithmetic, compare, conversion, elementwise, inplace, reduction,
                  shape, sorting)

__all__ = ["Tensor", "is_tensor", "numel"]


def _reflected(op: Callable[[object, object], Tensor]) -> Callable[[Tensor, object], Tensor]:
    """``other OP tensor`` -> op(other, tensor) (Python calls ``tensor.__rOP__(other)``)."""
    return lambda self, other: op(other, self)


def to(self: Tensor, *targets: str | DTypeLike | Tensor, device: str | None = None,
       dtype: DTypeLike = None, non_blocking: bool = False) -> Tensor:
    """Move to a device (``"cpu"``, ``"cuda"``, ``"cuda:N"``, ``mg.device(...)``) and/or
    cast to a dtype, in PyTorch's forms: ``x.to("cuda")``, ``x.to(mg.float64)``,
    ``x.to("cuda", mg.float16)``, ``x.to(device=..., dtype=...)``, ``x.to(other)`` (other's
    device and dtype). ``non_blocking`` is accepted; copies are synchronous.

    Differentiable: gradients flow back to the original device/dtype.
    """
    for target in targets:
        if isinstance(target, Tensor):
            device, dtype = target.device, target.dtype
        elif _is_dtype(target):
            dtype = target
        else:
            device = target
    result = self
    if dtype is not None:
        result = conversion.astype(result, np.dtype(dtype))
    if device is not None:
        result = conversion.to_device(result, backend.normalize_device(device))
    return result


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


def index(self: Tensor) -> int:
    """``operator.index(x)``: a one-element integer (or bool) tensor as a Python int, so it
    can index a list or a range (``classes[pred.argmax()]``), as in PyTorch."""
    if self.dtype.kind not in "iub" or self.size != 1:
        raise TypeError(f"only integer tensors of a single element can be converted to an "
                        f"index, got dtype {self.dtype} and shape {self.shape}")
    return int(self.item())


# PyTorch's tensor type names, for x.type() ("minigrad.FloatTensor" like "torch.FloatTensor")
TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
              "uint8": "ByteTensor", "int8": "CharTensor", "int16": "ShortTensor",
              "int32": "IntTensor", "int64": "LongTensor", "bool": "BoolTensor"}
_DTYPE_OF_TYPE_NAME = {name: dtype for dtype, name in TYPE_NAMES.items()}


def type_name_or_cast(self: Tensor, dtype: DTypeLike = None) -> str | Tensor:
    """``x.type()``: PyTorch's type name, ``"minigrad.FloatTensor"`` (``"minigrad.cuda.
    FloatTensor"`` on a GPU). ``x.type(dtype)``: ``x`` cast to ``dtype``, which may also be
    such a name (``"torch.LongTensor"`` too)."""
    if dtype is None:
        where = "cuda." if self.device != "cpu" else ""
        return f"minigrad.{where}{TYPE_NAMES.get(self.dtype.name, self.dtype.name)}"
    if isinstance(dtype, str) and dtype.rpartition(".")[2] in _DTYPE_OF_TYPE_NAME:
        dtype = _DTYPE_OF_TYPE_NAME[dtype.rpartition(".")[2]]
    return to(self, dtype=dtype)


def matrix_transpose(self: Tensor) -> Tensor:
    """``x.t()``: a 2-D tensor transposed; 0-D and 1-D tensors as they are (PyTorch's ``t``)."""
    if self.ndim > 2:
        raise ValueError(f"t() expects a tensor with at most 2 dimensions, got shape "
                         f"{self.shape}; use transpose(dim0, dim1) or permute")
    return shape.transpose(self, 0, 1) if self.ndim == 2 else self


class SizeOrCount(int):
    """What ``x.size`` is: the element count (NumPy's ``size``), and callable as PyTorch's
    ``size()``: ``x.size()`` is the shape, ``x.size(d)`` the length of axis ``d``.

    >>> import minigrad as mg
    >>> x = mg.zeros(2, 3)
    >>> x.size, x.size(), x.size(-1)
    (6, (2, 3), 3)
    """

    def __new__(cls, shape: tuple[int, ...]) -> SizeOrCount:
        count = super().__new__(cls, math.prod(shape))
        count.shape = shape
        return count

    def __reduce__(self) -> tuple[type, tuple[tuple[int, ...]]]:  # pickle / deepcopy
        return SizeOrCount, (self.shape,)

    def __call__(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.shape
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size({dim}): dimension out of range for a tensor of shape "
                             f"{self.shape}")
        return self.shape[dim]


def size(self: Tensor) -> SizeOrCount:
    """The number of elements, callable as ``size()`` / ``size(dim)`` (:class:`SizeOrCount`)."""
    return SizeOrCount(self._data.shape)


def as_numpy_array(self: Tensor, dtype: DTypeLike = None, copy: bool | None = None
                   ) -> np.ndarray:
    """``np.asarray(x)`` (matplotlib's ``imshow(x)``, NumPy functions on x): the values of a
    CPU tensor, as PyTorch allows. Refused, as in PyTorch, for a tensor that requires grad
    (NumPy would silently drop its graph: use ``x.detach()``) and for a GPU tensor (copy it
    with ``x.cpu()`` or ``x.numpy()``: an implicit copy off the GPU is a hidden sync)."""
    if self.requires_grad:
        raise RuntimeError("can't convert a tensor that requires grad to a NumPy array; use "
                           "x.detach().numpy()")
    if self.device != "cpu":
        raise TypeError(f"can't convert a {self.device} tensor to a NumPy array implicitly; "
                        f"use x.cpu() or x.numpy()")
    array = self._data if dtype is None else self._data.astype(dtype, copy=False)
    return array.copy() if copy else array


def is_tensor(obj: object) -> bool:
    """Whether ``obj`` is a minigrad Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """The number of elements of ``x`` (``torch.numel``)."""
    return x.numel()


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
    "__abs__": elementwise.abs, "__round__": python_round, "__index__": index,
    "__array__": as_numpy_array,
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
    "all": reduction.all, "any": reduction.any,
    "isclose": compare.isclose, "allclose": compare.allclose,
    # sorting
    "sort": sorting.sort, "argsort": sorting.argsort, "topk": sorting.topk,
    # shapes
    "reshape": shape.reshape, "view": shape.reshape, "view_as": view_as,
    "reshape_as": view_as, "transpose": shape.transpose, "swapaxes": shape.transpose,
    "swapdims": shape.transpose, "permute": shape.permute, "flatten": shape.flatten,
    "squeeze": shape.squeeze, "unsqueeze": shape.unsqueeze, "expand": shape.broadcast_to,
    "expand_as": expand_as, "broadcast_to": shape.broadcast_to, "pad": shape.pad,
    "flip": shape.flip, "gather": shape.gather, "dim": dim, "t": matrix_transpose,
    "size": property(size), "repeat": shape.repeat, "contiguous": lambda self: self,
    "nonzero": elementwise.nonzero, "masked_fill": elementwise.masked_fill,
    "split": shape.split, "chunk": shape.chunk,
    "T": property(shape.reverse_axes), "mT": property(shape.swap_last_axes),
    # elementwise math
    "exp": elementwise.exp, "log": elementwise.log, "sqrt": elementwise.sqrt,
    "sin": elementwise.sin, "cos": elementwise.cos,
    "abs": elementwise.abs, "round": elementwise.round,
    "clip": elementwise.clip, "clamp": elementwise.clip,
    "maximum": elementwise.maximum, "minimum": elementwise.minimum,
    # activations
    "relu": activation.relu, "sigmoid": activation.sigmoid, "tanh": activation.tanh,
    "softmax": activation.softmax, "log_softmax": activation.log_softmax,
    # devices and dtypes
    "to": to, "astype": to, "cpu": cpu, "cuda": cuda, "float": float32, "double": float64,
    "half": float16, "int": int32, "long": int64, "bool": boolean, "type": type_name_or_cast,
    "is_cuda": property(lambda self: self.device != "cpu"),
    # in-place ops (x += y, add_, zero_, x[i] = v, ...) and clone: see minigrad/ops/inplace.py
    **inplace.METHODS,
}

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)
Tensor.__hash__ = object.__hash__  # __eq__ above is elementwise; tensors hash by identity
