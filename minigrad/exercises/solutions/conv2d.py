"""Solution: G to (C_out, N·H_out·W_out); then a Linear layer's backward on the columns,
and col2im for ∂L/∂x."""
from __future__ import annotations

from kernels.im2col import col2im
from minigrad.backend import Array

from .. import conv2d


class Conv2dFunction(conv2d.Conv2dFunction):
    """The reference solution: the backward of the module docstring."""

    def backward_arrays(self, grad_output: Array) -> tuple[Array, Array, Array]:
        c_out = grad_output.shape[1]
        grad_y = grad_output.transpose(1, 0, 2, 3).reshape(c_out, -1)    # (C_out, N·Ho·Wo)
        weight_matrix = self.weight.reshape(c_out, -1)
        grad_weight = (grad_y @ self.col.T).reshape(self.weight.shape)
        grad_col = (weight_matrix.T @ grad_y).reshape(self.col_shape)
        grad_x = col2im(grad_col, self.x_shape, *self.geometry(self.weight.shape))
        return grad_x, grad_weight, grad_y.sum(axis=1)
