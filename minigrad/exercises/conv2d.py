"""Exercise: the backward of a 2-D convolution written as im2col + one matrix product.

Forward (given):
    col = im2col(x)                                   (C·kH·kW, N·H_out·W_out)
    Y = W_mat @ col + b[:, None]                      W_mat = weight.reshape(C_out, C·kH·kW)
    y = Y reshaped to (C_out, N, H_out, W_out), then transposed to (N, C_out, H_out, W_out)
Shapes: x (N, C, H, W), weight (C_out, C, kH, kW), bias (C_out,).
Given G = ∂L/∂y (N, C_out, H_out, W_out), return (∂L/∂x, ∂L/∂weight, ∂L/∂bias).
Hint: bring G to Y's layout (C_out, N·H_out·W_out). Then, as for a Linear layer,
∂L/∂W_mat = G_mat colᵀ, ∂L/∂col = W_matᵀ G_mat, ∂L/∂b = G summed over everything but
C_out; ``col2im`` (the adjoint of im2col) turns ∂L/∂col into ∂L/∂x. Check:
``python -m minigrad.exercises check conv2d``.
"""
from __future__ import annotations

from kernels.im2col import col2im, im2col
from minigrad.backend import Array

from .base import ArrayFunction


class Conv2dFunction(ArrayFunction):
    """Cross-correlation with ``stride`` and zero ``padding`` (one int each, both axes)."""

    def __init__(self, stride: int = 1, padding: int = 0) -> None:
        self.stride, self.padding = stride, padding

    def geometry(self, weight_shape: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        """kernel_size, stride, padding, dilation as im2col/col2im take them."""
        return (tuple(weight_shape[2:]), (self.stride,) * 2, (self.padding,) * 2, (1, 1))

    def forward(self, x: Array, weight: Array, bias: Array) -> Array:
        col = im2col(x, *self.geometry(weight.shape))    # (C, kH, kW, N, H_out, W_out)
        self.x_shape, self.weight, self.col_shape = x.shape, weight, col.shape
        self.col = col.reshape(-1, x.shape[0] * col.shape[4] * col.shape[5])
        y = weight.reshape(weight.shape[0], -1) @ self.col + bias[:, None]
        return y.reshape(weight.shape[0], *col.shape[3:]).transpose(1, 0, 2, 3)

    def backward_arrays(self, grad_output: Array) -> tuple[Array, Array, Array]:
        """(∂L/∂x, ∂L/∂weight, ∂L/∂bias) from ∂L/∂y (N, C_out, H_out, W_out)."""
        raise NotImplementedError("Conv2dFunction.backward_arrays: your code here")
