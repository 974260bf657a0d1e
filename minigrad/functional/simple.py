"""The teaching path: convolution and max pooling as im2col plus one op you already know.

Read this file before ``conv.py`` and ``pooling.py``. :func:`conv2d_simple` and
:func:`max_pool2d_simple` compute what ``F.conv2d`` and ``F.max_pool2d`` compute, in a few
lines each, and let autograd find the gradients. The fast versions add dilation, groups,
``ceil_mode``, batch chunking, a depthwise path and hand-written backward Functions.

1. :class:`Im2Col` copies every kH x kW window of the zero-padded input into a column
   buffer laid out as (C, kH, kW, N, H_out, W_out) (``kernels/im2col.py``):

       col[c, i, j, n, oh, ow] = x_padded[n, c, oh * sH + i, ow * sW + j]

   Its backward is :class:`Col2Im`, the adjoint: every column entry is added back onto the
   pixel it was copied from. Col2Im's backward is Im2Col again, so gradients of any order
   work.
2. Convolution is then one matrix product of the flattened weights with the columns, and
   max pooling a ``max`` over the window axes of the columns.
"""
from __future__ import annotations

import numpy as np

import kernels
from kernels.geometry import NO_DILATION, Pair, pair

from ..autograd import Function
from ..backend import Array
from ..tensor import Tensor
from ._geometry import check_fits, check_nchw, check_positive

Window = tuple[Pair, Pair, Pair]  # kernel_size, stride, padding (no dilation here)


class Im2Col(Function):
    """col = im2col(x): (N, C, H, W) -> (C, kH, kW, N, H_out, W_out). Backward: Col2Im."""

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x: Array) -> Array:
        self.x_shape = x.shape
        return kernels.im2col(x, *self.window, NO_DILATION)

    def backward(self, grad_col: Tensor) -> Tensor:
        return Col2Im.apply(grad_col, window=self.window, x_shape=self.x_shape)


class Col2Im(Function):
    """x = col2im(col), the adjoint of Im2Col: (C, kH, kW, N, H_out, W_out) -> x_shape.
    Entries that came from the padding are dropped. Backward: Im2Col."""

    def __init__(self, window: Window, x_shape: tuple[int, int, int, int]) -> None:
        self.window, self.x_shape = window, x_shape

    def forward(self, col: Array) -> Array:
        return kernels.col2im(col, self.x_shape, *self.window, NO_DILATION)

    def backward(self, grad_x: Tensor) -> Tensor:
        return Im2Col.apply(grad_x, window=self.window)


def _window(x: Tensor, kernel_size: int | Pair, stride: int | Pair, padding: int | Pair,
            op: str) -> Window:
    """Check a 2-D sliding window's settings and return them as (h, w) pairs."""
    check_nchw(x, op)
    window = (pair(kernel_size, "kernel_size"), pair(stride, "stride"), pair(padding, "padding"))
    check_positive(dict(zip(("kernel_size", "stride", "padding"), window)), op,
                   allow_zero=("padding",))
    check_fits(x.shape, window[0], window[2], NO_DILATION, op)
    return window


def conv2d_simple(x: Tensor, weight: Tensor, bias: Tensor | None = None,
                  stride: int | Pair = 1, padding: int | Pair = 0) -> Tensor:
    """2-D convolution as im2col and one matrix product: the readable twin of ``F.conv2d``.

    x: (N, C_in, H, W); weight: (C_out, C_in, kH, kW); bias: (C_out,) or None; stride and
    padding: an int or an (h, w) pair (zero padding). No dilation or groups (``F.conv2d``
    has them). Returns y: (N, C_out, H_out, W_out), H_out = (H + 2 pH - kH) // sH + 1.

    With col(X) the im2col buffer as a (C_in kH kW, N H_out W_out) matrix and W the weight
    as a (C_out, C_in kH kW) matrix, the whole convolution is

        Y = W · col(X) + b                                  Y: (C_out, N H_out W_out)

    and autograd gives dW = dY col(X)^T, dX = col2im(W^T dY), db = dY summed.

    >>> import minigrad as mg, minigrad.functional as F
    >>> x = mg.arange(16.0).reshape(1, 1, 4, 4)
    >>> print(F.conv2d_simple(x, mg.ones(1, 1, 2, 2), stride=2).numpy())  # 2x2 block sums
    [[[[10. 18.]
       [42. 50.]]]]
    """
    if weight.ndim != 4 or x.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d_simple: expected x (N, C_in, H, W) and weight "
                         f"(C_out, C_in, kH, kW), got x {x.shape} and weight {weight.shape}")
    c_out, c_in, k_h, k_w = weight.shape
    window = _window(x, (k_h, k_w), stride, padding, "conv2d_simple")
    col = Im2Col.apply(x, window=window)                    # (C_in, kH, kW, N, H_out, W_out)
    n, h_out, w_out = col.shape[3:]
    y = weight.reshape(c_out, c_in * k_h * k_w) @ col.reshape(c_in * k_h * k_w, -1)
    y = y.reshape(c_out, n, h_out, w_out).permute(1, 0, 2, 3)  # (N, C_out, H_out, W_out)
    return y if bias is None else y + bias.reshape(1, c_out, 1, 1)


def max_pool2d_simple(x: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None,
                      padding: int | Pair = 0) -> Tensor:
    """Max pooling as im2col and a ``max``: the readable twin of ``F.max_pool2d``.

    x: (N, C, H, W) -> y: (N, C, H_out, W_out), H_out = (H + 2 pH - kH) // sH + 1;
    stride defaults to kernel_size; padding counts as -inf and is at most half the kernel.

        y[n, c, oh, ow] = max over (i, j) of col(X)[c, i, j, n, oh, ow]

    The input is padded with -inf first (im2col itself pads with zeros, which could beat a
    window of negative values). Ties: ``Tensor.max`` shares the gradient equally among the
    tied maxima of a window, while ``F.max_pool2d`` gives all of it to the first one; the two
    agree whenever every window has a single maximum (as with random real inputs).

    >>> import minigrad as mg, minigrad.functional as F
    >>> x = mg.arange(16.0).reshape(1, 1, 4, 4)
    >>> print(F.max_pool2d_simple(x, 2).numpy())
    [[[[ 5.  7.]
       [13. 15.]]]]
    """
    kernel, stride, (p_h, p_w) = _window(x, kernel_size, kernel_size if stride is None
                                         else stride, padding, "max_pool2d_simple")
    if p_h > kernel[0] // 2 or p_w > kernel[1] // 2:
        raise ValueError(f"max_pool2d_simple: padding {(p_h, p_w)} must be at most half the "
                         f"kernel size {kernel}")
    x = x.pad(((0, 0), (0, 0), (p_h, p_h), (p_w, p_w)), value=-np.inf)
    col = Im2Col.apply(x, window=(kernel, stride, (0, 0)))  # (C, kH, kW, N, H_out, W_out)
    return col.max(axis=(1, 2)).permute(1, 0, 2, 3)         # (N, C, H_out, W_out)
