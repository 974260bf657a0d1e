"""Activations beyond the core set: relu6 (MobileNet) and leaky_relu."""
from __future__ import annotations

from typing import Any

from .. import backend
from ..autograd import Function
from ..ops.math import clip
from ..tensor import Tensor


class LeakyReLU(Function):
    """x for x > 0, slope * x otherwise."""

    def __init__(self, slope: float) -> None:
        self.slope = slope

    def forward(self, x: Any) -> Any:
        self.save_inputs(0)
        return x * self._local_grad(x)

    def backward(self, gy: Tensor) -> Tensor:
        (x,) = self.saved_inputs
        return gy * Tensor._make(self._local_grad(x.data))

    def _local_grad(self, x: Any) -> Any:
        """dy/dx: 1 where x > 0, the slope elsewhere."""
        return backend.get_array_module(x).where(x > 0, 1.0, self.slope).astype(x.dtype)


def relu6(x: Tensor) -> Tensor:
    """min(max(x, 0), 6): ReLU capped at 6 (MobileNet's activation)."""
    return clip(x, 0.0, 6.0)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope * x."""
    return LeakyReLU.apply(x, slope=float(negative_slope))
