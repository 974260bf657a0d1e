"""Pooling: max (gradient to the first maximum of each window), average, adaptive average.

Max pooling is a *selection*: y = x at argmax positions. Its backward scatters
dy to those positions (overlapping windows accumulate), and the backward of
that scatter is the selection again — two Functions that are each other's
adjoint, so double backprop works. Ties: the gradient goes to the FIRST
maximum of the window in row-major order (and nowhere else).
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from types import ModuleType

import numpy as np

import kernels
from kernels.geometry import Pair, conv_output_size, dilated_span, pair

from .. import backend
from ..autograd import Function
from ..backend import Array
from ..tensor import Tensor
from ._geometry import check_fits, check_nchw, check_positive

Window = tuple[Pair, Pair, Pair, Pair]  # kernel_size, stride, padding, dilation


class MaxPool2d(Function):
    """y = the max of each window, remembering where it was (argmax). Backward: MaxPoolScatter."""

    def __init__(self, window: Window) -> None:
        self.window = window

    def forward(self, x: Array) -> Array:
        y, self.argmax = kernels.max_pool2d_forward(x, *self.window)
        self.x_shape = x.shape
        return y

    def backward(self, gy: Tensor) -> Tensor:
        return MaxPoolScatter.apply(gy, argmax=self.argmax, window=self.window,
                                    x_shape=self.x_shape)


class MaxPoolScatter(Function):
    """Add each dy to the input position its window took the max from."""

    def __init__(self, argmax: Array, window: Window, x_shape: tuple[int, ...]) -> None:
        self.argmax, self.window, self.x_shape = argmax, window, x_shape

    def forward(self, gy: Array) -> Array:
        return kernels.max_pool2d_backward(gy, self.argmax, self.x_shape, *self.window)

    def backward(self, ggx: Tensor) -> Tensor:
        return MaxPoolGather.apply(ggx, argmax=self.argmax, window=self.window)


class MaxPoolGather(Function):
    """Pick x at the argmax positions of a previous max pooling."""

    def __init__(self, argmax: Array, window: Window) -> None:
        self.argmax, self.window = argmax, window

    def forward(self, x: Array) -> Array:
        self.x_shape = x.shape
        return kernels.max_pool2d_select(x, self.argmax, *self.window)

    def backward(self, gy: Tensor) -> Tensor:
        return MaxPoolScatter.apply(gy, argmax=self.argmax, window=self.window,
                                    x_shape=self.x_shape)


@dataclass(frozen=True)
class AvgWindow:
    """An average pooling's settings: the window, and how the divisor and output size go."""
    kernel_size: Pair
    stride: Pair
    padding: Pair
    count_include_pad: bool
    ceil_mode: bool
    divisor_override: int | None

    def kernel_args(self) -> tuple:
        """The trailing arguments of ``kernels.avg_pool2d_forward`` / ``_backward``."""
        return (self.kernel_size, self.stride, self.padding, self.count_include_pad,
                self.ceil_mode, self.divisor_override)


class AvgPool2d(Function):
    """y = the mean of each window. Backward: AvgPoolSpread."""

    def __init__(self, window: AvgWindow) -> None:
        self.window = window

    def forward(self, x: Array) -> Array:
        self.x_shape = x.shape
        return kernels.avg_pool2d_forward(x, *self.window.kernel_args())

    def backward(self, gy: Tensor) -> Tensor:
        return AvgPoolSpread.apply(gy, window=self.window, x_shape=self.x_shape)


class AvgPoolSpread(Function):
    """Spread each dy evenly over its window (the adjoint of average pooling)."""

    def __init__(self, window: AvgWindow, x_shape: tuple[int, ...]) -> None:
        self.window, self.x_shape = window, x_shape

    def forward(self, gy: Array) -> Array:
        return kernels.avg_pool2d_backward(gy, self.x_shape, *self.window.kernel_args())

    def backward(self, ggx: Tensor) -> Tensor:
        return AvgPool2d.apply(ggx, window=self.window)


def _window(x: Tensor, kernel_size: int | Pair, stride: int | Pair | None, padding: int | Pair,
            dilation: int | Pair, op: str) -> Window:
    """Check the input and the window settings; return them as (h, w) pairs."""
    check_nchw(x, op)
    kernel = pair(kernel_size, "kernel_size")
    stride = kernel if stride is None else pair(stride, "stride")
    padding, dilation = pair(padding, "padding"), pair(dilation, "dilation")
    check_positive({"kernel_size": kernel, "stride": stride, "padding": padding,
                    "dilation": dilation}, op, allow_zero=("padding",))
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kernel}")
    check_fits(x.shape, kernel, padding, dilation, op)
    return kernel, stride, padding, dilation


def _ceil_mode_extra(size: int, kernel: int, stride: int, padding: int, dilation: int) -> int:
    """Rows to add at the end of an axis so that the floor-mode kernels produce the
    ``ceil_mode`` output size (the extra rows are -inf, so they never win)."""
    out = conv_output_size(size, kernel, stride, padding, dilation, ceil_mode=True)
    return max(0, (out - 1) * stride + dilated_span(kernel, dilation) - (size + 2 * padding))


def max_pool2d(x: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None,
               padding: int | Pair = 0, dilation: int | Pair = 1,
               ceil_mode: bool = False) -> Tensor:
    """Max over each window. x: (N, C, H, W) -> (N, C, H_out, W_out); stride defaults to
    kernel_size; padding counts as -inf. ``ceil_mode`` rounds the output size up
    (the extra windows see -inf beyond the input). Ties: the gradient goes to the first
    maximum of the window (row-major), and nowhere else.

    New to im2col? Read :func:`max_pool2d_simple` (``functional/simple.py``) first: the
    same pooling as im2col and a ``max`` over the window axes, in a few lines.

    >>> import minigrad as mg, minigrad.functional as F
    >>> x = mg.arange(16.0).reshape(1, 1, 4, 4)
    >>> print(F.max_pool2d(x, 2).numpy())
    [[[[ 5.  7.]
       [13. 15.]]]]
    >>> F.max_pool2d(mg.zeros(1, 1, 5, 5), 2).shape
    (1, 1, 2, 2)
    >>> F.max_pool2d(mg.zeros(1, 1, 5, 5), 2, ceil_mode=True).shape
    (1, 1, 3, 3)
    >>> x = mg.zeros(1, 1, 2, 2, requires_grad=True)  # one window, four tied maxima
    >>> F.max_pool2d(x, 2).sum().backward()
    >>> print(x.grad.numpy()[0, 0])
    [[1. 0.]
     [0. 0.]]
    """
    window = _window(x, kernel_size, stride, padding, dilation, "max_pool2d")
    if ceil_mode:
        extra = [_ceil_mode_extra(x.shape[2 + i], window[0][i], window[1][i], window[2][i],
                                  window[3][i]) for i in range(2)]
        if any(extra):
            x = x.pad(((0, 0), (0, 0), (0, extra[0]), (0, extra[1])), value=-np.inf)
    return MaxPool2d.apply(x, window=window)


def avg_pool2d(x: Tensor, kernel_size: int | Pair, stride: int | Pair | None = None,
               padding: int | Pair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window. x: (N, C, H, W) -> (N, C, H_out, W_out); stride defaults to
    kernel_size; padding holds zeros.

    H_out = floor((H + 2 padding - kH) / stride) + 1, or with ``ceil_mode`` rounded up
    (but a last window may not start in the bottom padding), as in PyTorch. The divisor of
    a window, as PyTorch's: ``divisor_override`` if given (a nonzero int); else its pixels
    inside the padded input (``count_include_pad=True``: kH * kW, fewer only where a
    ceil_mode window runs past the padding) or inside the image (``False``).

    >>> import minigrad as mg, minigrad.functional as F
    >>> x = mg.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    >>> print(F.avg_pool2d(x, 2).numpy())
    [[[[3.]]]]
    >>> print(F.avg_pool2d(x, 2, ceil_mode=True).numpy())  # clipped windows: 2, 2 and 1 pixels
    [[[[3.  4.5]
       [7.5 9. ]]]]
    >>> print(F.avg_pool2d(x, 2, ceil_mode=True, divisor_override=4).numpy())
    [[[[3.   2.25]
       [3.75 2.25]]]]
    """
    kernel, stride, padding, _ = _window(x, kernel_size, stride, padding, 1, "avg_pool2d")
    if divisor_override is not None and (isinstance(divisor_override, bool) or
                                         not isinstance(divisor_override, numbers.Integral)
                                         or divisor_override == 0):
        raise ValueError(f"avg_pool2d: divisor_override must be a nonzero int or None, got "
                         f"{divisor_override!r}")
    window = AvgWindow(kernel, stride, padding, bool(count_include_pad), bool(ceil_mode),
                       None if divisor_override is None else int(divisor_override))
    return AvgPool2d.apply(x, window=window)


def _adaptive_matrix(xp: ModuleType, size: int, out: int, dtype: np.dtype) -> Array:
    """(out, size) averaging matrix, built on the device of ``xp``: row i averages input bins
    [floor(i size / out), ceil((i + 1) size / out)) — PyTorch's adaptive bins."""
    i = xp.arange(out)[:, None]
    start, end = (i * size) // out, -(-((i + 1) * size) // out)
    inside = (xp.arange(size)[None, :] >= start) & (xp.arange(size)[None, :] < end)
    return (inside / (end - start)).astype(dtype)


def adaptive_avg_pool2d(x: Tensor, output_size: int | Pair | None) -> Tensor:
    """Average pooling to a fixed output size (H_o, W_o), whatever the input size.

    Adaptive average pooling is linear and separable: y = P_h x P_w^T with
    averaging matrices P_h (H_o, H) and P_w (W_o, W), so it is two matmuls.
    """
    check_nchw(x, "adaptive_avg_pool2d")
    out_h, out_w = pair(output_size, "output_size") if output_size is not None else x.shape[2:]
    h, w = x.shape[2:]
    if out_h < 1 or out_w < 1:
        raise ValueError(f"adaptive_avg_pool2d: output_size must be positive, got {output_size}")
    if (out_h, out_w) == (1, 1):
        return x.mean(axis=(2, 3), keepdims=True)
    if (out_h, out_w) == (h, w):
        return x
    xp = backend.get_array_module(x)
    rows = Tensor._make(_adaptive_matrix(xp, h, out_h, x.dtype))
    cols = Tensor._make(xp.ascontiguousarray(_adaptive_matrix(xp, w, out_w, x.dtype).T))
    return rows @ x @ cols
