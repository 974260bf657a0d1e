"""Dropout: randomly zero activations while training (inverted dropout)."""
from __future__ import annotations

from .. import backend, random
from ..autograd import Function, Tensor
from ..backend import Array


class Dropout(Function):
    """Zero each element with probability p and scale survivors by 1/(1-p)
    (inverted dropout: the expected value is unchanged, so eval needs no rescaling)."""

    def __init__(self, p: float) -> None:
        self.p = p

    def forward(self, x: Array) -> Array:
        if backend.is_cupy_array(x):
            uniform = random.cuda_generator(backend.device_of(x)).random(x.shape, dtype=x.dtype)
        else:
            uniform = random.generator().random(x.shape, dtype=x.dtype)
        self.scale = (uniform >= self.p).astype(x.dtype) * (1.0 / (1.0 - self.p))
        return x * self.scale

    def backward(self, gy: Tensor) -> Tensor:
        return gy * Tensor._make(self.scale)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout; identity when not training or p == 0."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    if x.dtype.kind != "f":
        raise TypeError(f"dropout needs a floating point tensor, got {x.dtype}")
    return Dropout.apply(x, p=float(p))
