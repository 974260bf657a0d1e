"""Exercise: the backward of ReLU, y = max(x, 0), element-wise.

Shapes: x and y any shape, the same. Given G = ∂L/∂y, return ∂L/∂x.
Hint: the local derivative is 1 where x > 0 and 0 where x < 0 (at 0 it is undefined; the
checker keeps inputs away from 0). Check: ``python -m minigrad.exercises check relu``.
"""
from __future__ import annotations

from minigrad.backend import Array

from .base import ArrayFunction


class ReLUFunction(ArrayFunction):
    """y = max(x, 0)."""

    def forward(self, x: Array) -> Array:
        self.x = x
        return x * (x > 0)

    def backward_arrays(self, grad_output: Array) -> Array:
        """∂L/∂x from ∂L/∂y (x's shape)."""
        raise NotImplementedError("ReLUFunction.backward_arrays: your code here")
