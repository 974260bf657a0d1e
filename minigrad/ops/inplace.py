"""In-place operations (``x += y``, ``add_``, ``mul_``, ``zero_``, ``copy_``, ``clamp_``,
``x[i] = v``) and ``clone``, with PyTorch's rules.

An in-place op changes a tensor that other parts of a program may hold:

- Outside a graph (``mg.no_grad()``, or nothing requires grad) it writes into the
  tensor's array, so every alias of that memory (``detach()``, ``.data``) sees the
  new values — this is how optimizers and ``init`` functions update parameters.
- Inside a graph (a non-leaf that requires grad) the new value is computed by the
  ordinary differentiable op and the tensor is *rebased* onto it: it now stands
  for the result in the graph, while Functions that saved its old value keep it.
- On a leaf that requires grad, inside a graph, it raises: the change would have
  to be part of the graph, but a leaf has no creator to record it (PyTorch: "a leaf
  Variable that requires grad is being used in an in-place operation").

Every in-place op bumps the tensor's version counter, so a backward pass that
needs the old value raises a clear error instead of computing wrong gradients
(see ``Function.saved_inputs`` in :mod:`minigrad.autograd`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .. import backend
from ..autograd import Function, Tensor, as_tensor_like
from ..backend import Array
from ..grad_mode import is_grad_enabled
from . import arithmetic, elementwise
from .conversion import astype, to_device
from .shape import Index, _normalize_index, broadcast_to, getitem, sum_to


def _records(target: Tensor, operands: tuple[object, ...]) -> bool:
    """Whether an in-place op on ``target`` with ``operands`` must be recorded in a graph."""
    return is_grad_enabled() and (target.requires_grad or any(
        isinstance(o, Tensor) and o.requires_grad for o in operands))


def _check_not_leaf(name: str, target: Tensor) -> None:
    if target.requires_grad and target.grad_fn is None:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad (shape {tuple(target.shape)}) can't be "
            f"modified in place while gradients are recorded; update it inside "
            f"`with mg.no_grad():` (as optimizers do) or modify a copy (x.clone())")


def apply_inplace(name: str, target: Tensor, compute: Callable[..., Tensor],
                  *operands: object) -> Tensor:
    """Make ``target`` hold ``compute(target, *operands)``; returns ``target``.

    ``compute`` is the out-of-place op (e.g. ``arithmetic.add``). Its result must
    have target's shape (an in-place op can't broadcast the tensor it writes to)
    and a dtype that casts to target's within its kind (float -> int is refused).
    """
    recording = _records(target, operands)
    if recording:
        _check_not_leaf(name, target)
        # compute on an alias standing for the old value: Functions that save it (mul_
        # needs the old x for other's gradient) keep that value, and its own version
        result = compute(Tensor._make(target._data, target._node, target._index), *operands)
    else:
        result = compute(target, *operands)
    if tuple(result.shape) != tuple(target.shape):
        raise RuntimeError(f"{name}: the result has shape {tuple(result.shape)}, which doesn't "
                           f"match the tensor's shape {tuple(target.shape)} (in-place ops "
                           f"can't broadcast the tensor they write to)")
    if not np.can_cast(result.dtype, target.dtype, casting="same_kind"):
        raise RuntimeError(f"{name}: the result's dtype {result.dtype} can't be cast to the "
                           f"tensor's dtype {target.dtype}")
    if recording:  # rebase target onto the recorded result (its old value stays saved)
        result = astype(result, target.dtype)
        target._data, target._node, target._index = result._data, result._node, result._index
        target.requires_grad = result.requires_grad
    elif result is not target:  # write through: every alias of this memory sees the change
        target._data[...] = result._data
    target._bump_version()
    return target


# ---- arithmetic ---------------------------------------------------------------------------
def _scaled(other: Tensor | float, alpha: float) -> Tensor | float:
    return other if alpha == 1 else arithmetic.mul(other, alpha)


def add_(x: Tensor, other: Tensor | float, *, alpha: float = 1) -> Tensor:
    """``x += alpha * other`` in place (``other`` broadcasts to x's shape); returns x."""
    return apply_inplace("add_", x, arithmetic.add, _scaled(other, alpha))


def sub_(x: Tensor, other: Tensor | float, *, alpha: float = 1) -> Tensor:
    """``x -= alpha * other`` in place; returns x."""
    return apply_inplace("sub_", x, arithmetic.sub, _scaled(other, alpha))


def mul_(x: Tensor, other: Tensor | float) -> Tensor:
    """``x *= other`` in place; returns x."""
    return apply_inplace("mul_", x, arithmetic.mul, other)


def div_(x: Tensor, other: Tensor | float) -> Tensor:
    """``x /= other`` in place (true division; an integer x can't hold the result)."""
    return apply_inplace("div_", x, arithmetic.div, other)


def clamp_(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Clamp x into ``[min, max]`` in place; returns x."""
    return apply_inplace("clamp_", x, elementwise.clip, min, max)


def neg_(x: Tensor) -> Tensor:
    """``x = -x`` in place; returns x."""
    return apply_inplace("neg_", x, arithmetic.neg)


# ---- filling and copying ------------------------------------------------------------------
def _filled(x: Tensor, value: float) -> Tensor:
    xp = backend.get_array_module(x.data)
    return Tensor._make(xp.full(x.shape, value, dtype=x.dtype))


def fill_(x: Tensor, value: float) -> Tensor:
    """Set every element of x to ``value``; returns x."""
    return apply_inplace("fill_", x, _filled, value)


def zero_(x: Tensor) -> Tensor:
    """Set every element of x to 0; returns x."""
    return fill_(x, 0)


def _copy_of(x: Tensor, source: Tensor | Array | float) -> Tensor:
    source = to_device(as_tensor_like(source, x), x.device)
    return broadcast_to(source, x.shape)


def copy_(x: Tensor, source: Tensor | Array | float) -> Tensor:
    """Copy ``source`` (broadcast to x's shape, cast to x's dtype, from any device) into x;
    gradients flow to ``source``. Returns x."""
    return apply_inplace("copy_", x, _copy_of, source)


# ---- item assignment ----------------------------------------------------------------------
class IndexPut(Function):
    """``out = x`` with ``out[index] = value`` (value broadcast to the indexed shape).

    Backward: x's gradient is gy with zeros where ``value`` was written; value's is
    gy at ``index``, summed down to value's shape.
    """

    def __init__(self, index: Index) -> None:
        self.index = index

    def forward(self, x: Array, value: Array) -> Array:
        self.value_shape = value.shape
        out = x.copy()
        out[self.index] = value
        return out

    def backward(self, gy: Tensor) -> tuple[Tensor | None, Tensor | None]:
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = IndexPut.apply(gy, _filled(Tensor._make(gy.data[self.index]), 0),
                                index=self.index)
        if self.needs_input_grad[1]:
            gv = sum_to(getitem(gy, self.index), self.value_shape)
        return gx, gv


def setitem(x: Tensor, index: Index, value: Tensor | Array | float) -> None:
    """``x[index] = value``: in place, with the rules of :func:`apply_inplace`."""
    index = _normalize_index(x, index)

    def put(target: Tensor, source: Tensor | Array | float) -> Tensor:
        source = astype(to_device(as_tensor_like(source, target), target.device), target.dtype)
        try:
            if not _records(target, (source,)):  # write only the indexed elements
                target.data[index] = source.data
                return target
            return IndexPut.apply(target, source, index=index)
        except (IndexError, ValueError) as e:
            raise type(e)(f"x[{index!r}] = value: can't write a value of shape "
                          f"{tuple(source.shape)} into a tensor of shape "
                          f"{tuple(target.shape)} at that index: {e}") from None

    apply_inplace("__setitem__", x, put, value)


# ---- copies -------------------------------------------------------------------------------
class Clone(Function):
    """A copy with its own memory; the gradient passes through unchanged."""

    def forward(self, x: Array) -> Array:
        return x.copy()

    def backward(self, gy: Tensor) -> Tensor:
        return gy


def clone(x: Tensor) -> Tensor:
    """A differentiable copy of x that in-place ops can change without touching x."""
    return Clone.apply(x)


METHODS: dict[str, Callable] = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "neg_": neg_,
    "clamp_": clamp_, "clip_": clamp_, "fill_": fill_, "zero_": zero_, "copy_": copy_,
    "__setitem__": setitem, "clone": clone,
    # x += y is x.__iadd__(y): PyTorch makes these the in-place ops, returning x itself
    "__iadd__": add_, "__isub__": sub_, "__imul__": mul_, "__itruediv__": div_,
}
