"""Elementwise math: exp, log, sqrt, abs, clip, maximum, minimum, where, comparisons."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..tensor import Tensor, as_tensor_like, as_tensors
from .arithmetic import broadcast_apply
from .shape import sum_to


def _constant(array: Any) -> Tensor:
    """A graph-free Tensor (masks and other constants used in backward)."""
    return Tensor._make(array)


class Exp(Function):
    def forward(self, x: Any) -> Any:
        self.save_outputs(0)
        xp = backend.get_array_module(x)
        return xp.exp(x)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * y  # d exp(x)/dx = exp(x)


class Log(Function):
    def forward(self, x: Any) -> Any:
        self.save_inputs(0)
        xp = backend.get_array_module(x)
        return xp.log(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy / x


class Sqrt(Function):
    def forward(self, x: Any) -> Any:
        self.save_outputs(0)
        xp = backend.get_array_module(x)
        return xp.sqrt(x)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy / (y * 2.0)  # d sqrt(x)/dx = 1 / (2 sqrt(x))


class Abs(Function):
    """|x|; the gradient at 0 is 0 (sign(0) = 0, as in PyTorch)."""

    def forward(self, x: Any) -> Any:
        self.save_inputs(0)
        return backend.get_array_module(x).abs(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy * _constant(backend.get_array_module(x.data).sign(x.data))


class Clip(Function):
    """Clamp into [low, high]; gradient 1 inside (bounds included), 0 outside."""

    def __init__(self, low: float | None, high: float | None) -> None:
        self.low = low
        self.high = high

    def forward(self, x: Any) -> Any:
        self.save_inputs(0)
        xp = backend.get_array_module(x)
        return xp.clip(x, self.low, self.high).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        inside = backend.get_array_module(x.data).ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x.data >= self.low
        if self.high is not None:
            inside &= x.data <= self.high
        return gy * _constant(inside.astype(x.dtype))


class Extreme2(Function):
    """Elementwise maximum/minimum of two tensors; at ties each gets half the gradient."""

    def __init__(self, largest: bool) -> None:
        self.largest = largest

    def forward(self, a: Any, b: Any) -> Any:
        xp = backend.get_array_module(a)
        self.save_inputs(0, 1)
        return xp.maximum(a, b) if self.largest else xp.minimum(a, b)

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor]:
        a, b = self.saved_inputs
        a_wins = (a.data > b.data) if self.largest else (a.data < b.data)
        share_a = _constant(a_wins.astype(gy.dtype) + 0.5 * (a.data == b.data).astype(gy.dtype))
        return sum_to(gy * share_a, a.shape), sum_to(gy * (1.0 - share_a), b.shape)


class Where(Function):
    """``where(condition, a, b)``: a where condition holds, else b."""

    def __init__(self, condition: Any) -> None:
        self.condition = condition

    def forward(self, a: Any, b: Any) -> Any:
        xp = backend.get_array_module(a)
        self.shapes = (a.shape, b.shape)
        return xp.where(self.condition, a, b)

    def backward(self, gy: Tensor) -> tuple[Tensor, Tensor]:
        chosen = _constant(self.condition.astype(gy.dtype))
        return sum_to(gy * chosen, self.shapes[0]), sum_to(gy * (1.0 - chosen), self.shapes[1])


def exp(x: Tensor) -> Tensor:
    """e ** x."""
    return Exp.apply(x)


def log(x: Tensor) -> Tensor:
    """Natural logarithm."""
    return Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    """Square root."""
    return Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:
    """Absolute value."""
    return Abs.apply(x)


def clip(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """Clamp values into [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise ValueError("clip needs at least one of min and max")
    return Clip.apply(x, low=min, high=max)


clamp = clip


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise larger of a and b (broadcasting)."""
    return broadcast_apply(Extreme2, a, b, largest=True)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise smaller of a and b (broadcasting)."""
    return broadcast_apply(Extreme2, a, b, largest=False)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Elementwise ``a if condition else b`` (all three broadcast together)."""
    a, b = as_tensors((a, b))
    if isinstance(condition, Tensor):
        if condition.device != a.device:
            raise RuntimeError(f"where: condition is on {condition.device} but the values are "
                               f"on {a.device}")
        condition = condition.data
    else:
        condition = as_tensor_like(condition, a).data
    if condition.dtype.kind != "b":
        raise TypeError(f"where: condition must be a bool tensor, got dtype {condition.dtype}")
    return broadcast_apply(Where, a, b, condition=condition)
