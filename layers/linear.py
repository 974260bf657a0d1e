"""Fully connected layers: ``Linear`` (y = x Wᵀ + b) and ``Identity`` (y = x)."""
from __future__ import annotations

import minigrad as mg
import minigrad.functional as F
from minigrad.tensor import Tensor

from .module import Module
from .parameter import Parameter
from .utils import default_init_


class Identity(Module):
    """Returns its input unchanged; takes (and ignores) any arguments, like PyTorch's."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        return x


class Linear(Module):
    """y = x Wᵀ + b, applied to the last axis.

    Shapes: input (*, in_features) -> output (*, out_features).
    Parameters: ``weight`` (out_features, in_features), ``bias`` (out_features,)
    or None; both ~ U(-1/√in_features, 1/√in_features) (PyTorch's default).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(mg.empty(out_features, in_features))
        if bias:
            self.bias = Parameter(mg.empty(out_features))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        default_init_(self.weight, self.bias)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            got = x.shape[-1] if x.ndim else "none (a 0-d tensor)"
            raise ValueError(f"Linear: expected input with last dimension {self.in_features} "
                             f"(in_features), got shape {tuple(x.shape)} with last dimension "
                             f"{got}")
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
