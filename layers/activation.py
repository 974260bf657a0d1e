"""Elementwise activations (``ReLU``, ``ReLU6``, ``LeakyReLU``, ``Sigmoid``, ``Tanh``) and
``Softmax``. Every one keeps the input's shape."""
from __future__ import annotations

import minigrad.functional as F
from minigrad.tensor import Tensor

from .module import Module


class _InplaceActivation(Module):
    """An activation that PyTorch gives an ``inplace`` flag. minigrad accepts the flag
    (and shows it in ``repr``) for compatibility but ignores it: the output is always a
    new tensor, which keeps autograd simple."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class ReLU(_InplaceActivation):
    """max(x, 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class ReLU6(_InplaceActivation):
    """min(max(x, 0), 6) (MobileNet's activation)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu6(x)


class LeakyReLU(_InplaceActivation):
    """x for x >= 0, negative_slope·x otherwise."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softmax(Module):
    """e^x_i / Σ_j e^x_j along axis ``dim`` (the values along it sum to 1)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
