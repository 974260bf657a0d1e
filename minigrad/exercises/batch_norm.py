"""Exercise: the backward of training-mode batch normalization (Ioffe & Szegedy 2015).

Forward, per channel c over the batch and the pixels (M = N·H·W values):
    μ = mean(x),  σ² = mean((x − μ)²),  x̂ = (x − μ)/√(σ² + ε),  y = γ x̂ + β
Shapes: x (N, C, H, W), gamma γ and beta β (C,). Given G = ∂L/∂y, return
(∂L/∂x, ∂L/∂γ, ∂L/∂β).
Hint: ∂L/∂β and ∂L/∂γ are sums of G and of G·x̂ per channel. For x remember that μ and σ²
depend on every x: the result is ∂L/∂x = (γ/√(σ²+ε)) · (G − mean(G) − x̂ · mean(G·x̂)),
means per channel — derive it. Check: ``python -m minigrad.exercises check batch_norm``.
"""
from __future__ import annotations

import numpy as np

from minigrad.backend import Array

from .base import ArrayFunction

CHANNEL_AXES = (0, 2, 3)   # everything but the channel axis of (N, C, H, W)


class BatchNormFunction(ArrayFunction):
    """Train-mode BatchNorm2d with batch statistics, ``eps`` added to the variance."""

    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = eps

    def forward(self, x: Array, gamma: Array, beta: Array) -> Array:
        mean = x.mean(axis=CHANNEL_AXES, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=CHANNEL_AXES, keepdims=True)
        self.inv_std = 1.0 / np.sqrt(var + self.eps)
        self.x_hat = (x - mean) * self.inv_std
        self.gamma = gamma
        return gamma[None, :, None, None] * self.x_hat + beta[None, :, None, None]

    def backward_arrays(self, grad_output: Array) -> tuple[Array, Array, Array]:
        """(∂L/∂x, ∂L/∂gamma, ∂L/∂beta) from ∂L/∂y (N, C, H, W)."""
        raise NotImplementedError("BatchNormFunction.backward_arrays: your code here")
