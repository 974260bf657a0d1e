"""Differentiable dtype casts and device moves."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function, Tensor
from ..backend import Array


class AsType(Function):
    """Cast to ``dtype``; the gradient is cast back to the input's dtype."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = dtype

    def forward(self, x: Array) -> Array:
        self.input_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy: Tensor) -> Tensor:
        return astype(gy, self.input_dtype)


class ToDevice(Function):
    """Copy to another device; the gradient is copied back."""

    def __init__(self, device: str) -> None:
        self.device = device

    def forward(self, x: Array) -> Array:
        self.source = backend.device_of(x)
        return backend.to_device(x, self.device)

    def backward(self, gy: Tensor) -> Tensor:
        return to_device(gy, self.source)


def astype(x: Tensor, dtype: np.dtype) -> Tensor:
    """``x`` cast to ``dtype`` (returns ``x`` itself when nothing changes)."""
    if x.dtype == dtype:
        return x
    if dtype.kind != "f" and x.requires_grad:
        return Tensor._make(x.data.astype(dtype))  # integer results carry no gradient
    return AsType.apply(x, dtype=dtype)


def to_device(x: Tensor, device: str) -> Tensor:
    """``x`` on ``device`` (returns ``x`` itself when it is already there)."""
    if x.device == device:
        return x
    # Function.apply checks that inputs share a device; a move has one input.
    return ToDevice.apply(x, device=device)
