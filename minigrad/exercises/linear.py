"""Exercise: the backward of a fully connected layer, y = x Wᵀ + b.

Shapes: x (N, D_in), weight W (D_out, D_in), bias b (D_out,), y (N, D_out).
Given G = ∂L/∂y (N, D_out), return (∂L/∂x, ∂L/∂W, ∂L/∂b), each the shape of its input.
Hint: write y_nj = Σ_i x_ni W_ji + b_j and differentiate one index at a time; every
answer is one matrix product or one sum. Check: ``python -m minigrad.exercises check linear``.
"""
from __future__ import annotations

from minigrad.backend import Array

from .base import ArrayFunction


class LinearFunction(ArrayFunction):
    """y = x Wᵀ + b. Inputs: x (N, D_in), weight (D_out, D_in), bias (D_out,)."""

    def forward(self, x: Array, weight: Array, bias: Array) -> Array:
        self.x, self.weight = x, weight
        return x @ weight.T + bias

    def backward_arrays(self, grad_output: Array) -> tuple[Array, Array, Array]:
        """(∂L/∂x, ∂L/∂weight, ∂L/∂bias) from ∂L/∂y (N, D_out)."""
        raise NotImplementedError("LinearFunction.backward_arrays: your code here")
