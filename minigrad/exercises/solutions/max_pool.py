"""Solution: scatter G to each window's winner in a zero column matrix, then col2im."""
from __future__ import annotations

import numpy as np

from kernels.im2col import col2im
from minigrad.backend import Array

from .. import max_pool


class MaxPool2dFunction(max_pool.MaxPool2dFunction):
    """The reference solution: the backward of the module docstring."""

    def backward_arrays(self, grad_output: Array) -> Array:
        grad_columns = np.zeros((self.kernel * self.kernel, grad_output.size),
                                dtype=grad_output.dtype)
        grad_columns[self.argmax, np.arange(grad_output.size)] = grad_output.ravel()
        n, c, h, w = self.x_shape
        grad_x = col2im(grad_columns.reshape(self.col_shape), (n * c, 1, h, w),
                        (self.kernel,) * 2, (self.stride,) * 2, (0, 0), (1, 1))
        return grad_x.reshape(self.x_shape)
