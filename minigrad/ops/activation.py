"""Activation functions: relu, sigmoid, tanh, softmax, log_softmax (numerically stable)."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from .reduction import sum
from .shape import _normalize_axis


class ReLU(Function):
    """max(x, 0); the gradient at exactly 0 is 0 (PyTorch's convention)."""

    def forward(self, x: Any) -> Any:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        return xp.maximum(x, 0)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * Tensor._make((y.data > 0).astype(y.dtype))


class Sigmoid(Function):
    """1 / (1 + e^-x), evaluated without overflow for large |x|."""

    def forward(self, x: Any) -> Any:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        e = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * y * (1.0 - y)  # sigma' = sigma (1 - sigma)


class Tanh(Function):
    def forward(self, x: Any) -> Any:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        return xp.tanh(x)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        return gy * (1.0 - y * y)  # tanh' = 1 - tanh^2


class Softmax(Function):
    """softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x) along ``axis``."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        e = xp.exp(x - x.max(axis=self.axis, keepdims=True))
        return e / e.sum(axis=self.axis, keepdims=True)

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        # Jacobian-vector product: dx = y * (gy - sum(gy * y))
        return y * (gy - sum(gy * y, axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """log_softmax(x) = x - max - log(sum(e^(x - max))) along ``axis``."""

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def forward(self, x: Any) -> Any:
        xp = backend.get_array_module(x)
        self.save_outputs(0)
        shifted = x - x.max(axis=self.axis, keepdims=True)
        return shifted - xp.log(xp.exp(shifted).sum(axis=self.axis, keepdims=True))

    def backward(self, gy: Tensor) -> Tensor:
        (y,) = self.saved_outputs
        from .math import exp
        # dx = gy - softmax(x) * sum(gy)
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)


def relu(x: Tensor) -> Tensor:
    """max(x, 0)."""
    return ReLU.apply(x)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid."""
    return Sigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """Softmax along ``axis`` (default last)."""
    return Softmax.apply(x, axis=_normalize_axis(axis, x.ndim))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """Log of softmax along ``axis``, computed stably."""
    return LogSoftmax.apply(x, axis=_normalize_axis(axis, x.ndim))
