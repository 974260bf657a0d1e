"""Exercise: the backward of 2-D max pooling, written with im2col.

Forward: every (kernel × kernel) window of every channel, stepping by ``stride``, gives its
maximum. Written with im2col on the (N·C, 1, H, W) view of x, the windows are the columns
of a (k·k, N·C·H_out·W_out) matrix; ``argmax`` (one row index per column) says which
element of each window won.
Shapes: x (N, C, H, W), y (N, C, H_out, W_out). Given G = ∂L/∂y, return ∂L/∂x.
Hint: only the winner of a window gets that window's gradient: scatter G into a zero
column matrix at (argmax, column), then ``col2im`` adds every column entry back onto the
pixel it came from (overlapping windows add up). Check:
``python -m minigrad.exercises check max_pool``.
"""
from __future__ import annotations

import numpy as np

from kernels.im2col import col2im, im2col
from minigrad.backend import Array

from .base import ArrayFunction


class MaxPool2dFunction(ArrayFunction):
    """Max pooling with a square ``kernel`` and ``stride``, no padding."""

    def __init__(self, kernel: int = 2, stride: int = 2) -> None:
        self.kernel, self.stride = kernel, stride

    def windows(self, x: Array) -> Array:
        """The (k·k, N·C·H_out·W_out) column matrix of x's windows."""
        n, c, h, w = x.shape
        col = im2col(x.reshape(n * c, 1, h, w), (self.kernel,) * 2, (self.stride,) * 2,
                     (0, 0), (1, 1))                  # (1, k, k, N·C, H_out, W_out)
        self.col_shape = col.shape
        return col.reshape(self.kernel * self.kernel, -1)

    def forward(self, x: Array) -> Array:
        self.x_shape = x.shape
        columns = self.windows(x)
        self.argmax = columns.argmax(axis=0)         # the winner of every window
        n, c = x.shape[:2]
        out_hw = self.col_shape[4:]
        return columns[self.argmax, np.arange(columns.shape[1])].reshape(n, c, *out_hw)

    def backward_arrays(self, grad_output: Array) -> Array:
        """∂L/∂x (N, C, H, W) from ∂L/∂y (N, C, H_out, W_out)."""
        raise NotImplementedError("MaxPool2dFunction.backward_arrays: your code here")
