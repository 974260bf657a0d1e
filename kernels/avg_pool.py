"""2-D average pooling, PyTorch semantics (no dilation, no ceil_mode).

Every window is ``kH x kW``. The divisor of output pixel (oh, ow) is

* ``kH * kW`` with ``count_include_pad=True`` (padding counts as zeros), or
* the number of *real* pixels in the window with ``count_include_pad=False``; windows are
  rectangles, so that is (rows inside the image) * (columns inside the image).
"""

import numpy as np

from ._arrays import Array, is_cupy_array
from .geometry import NO_DILATION, Pair, crop_hw, output_hw, pad_hw, padded_zeros, tap_window
from .gpu import avg_pool as gpu


def _inside_count(size: int, out_size: int, kernel: int, stride: int, padding: int) -> np.ndarray:
    """How many of each window's ``kernel`` pixels along one axis lie inside [0, size)."""
    start = np.arange(out_size) * stride - padding
    return np.minimum(start + kernel, size) - np.maximum(start, 0)


def _divisor(input_hw: tuple[int, ...], out_hw: Pair, kernel_size: Pair, stride: Pair,
             padding: Pair, count_include_pad: bool, dtype: np.dtype) -> np.ndarray:
    """Divisor of every output pixel, shape (H_out, W_out) (broadcasts against NCHW)."""
    if count_include_pad:
        return np.full(out_hw, kernel_size[0] * kernel_size[1], dtype=dtype)
    rows, cols = (_inside_count(*axis)
                  for axis in zip(input_hw, out_hw, kernel_size, stride, padding))
    return np.outer(rows, cols).astype(dtype)


def avg_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                       count_include_pad: bool = True) -> Array:
    """Mean over each window.

    Args:
        x: shape (N, C, H, W).
        kernel_size, stride, padding: (h, w) pairs; PyTorch requires padding <= kernel // 2.
        count_include_pad: divide by kH*kW (True) or by the number of non-padding pixels.

    Returns:
        y of shape (N, C, H_out, W_out), dtype of ``x``.
    """
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding)
    if is_cupy_array(x):
        return gpu.avg_pool2d_forward(x, kernel_size, stride, padding, count_include_pad, out_hw)
    x_padded = pad_hw(x, padding, 0)
    y = np.zeros((*x.shape[:2], *out_hw), dtype=x.dtype)
    for i, j in np.ndindex(*kernel_size):
        rows, cols = tap_window(i, j, out_hw, stride, NO_DILATION)
        y += x_padded[:, :, rows, cols]
    y /= _divisor(x.shape[2:], out_hw, kernel_size, stride, padding, count_include_pad, x.dtype)
    return y


def avg_pool2d_backward(gy: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair,
                        stride: Pair, padding: Pair, count_include_pad: bool = True) -> Array:
    """Spread each output gradient evenly over its window: gx[p] = sum over windows w that
    contain p of gy[w] / divisor[w].

    Args:
        gy: gradient w.r.t. y, shape (N, C, H_out, W_out).
        x_shape: (N, C, H, W).
        kernel_size, stride, padding, count_include_pad: as given to the forward pass.

    Returns:
        gx of shape ``x_shape``, dtype of ``gy``; overlapping windows accumulate.
    """
    out_hw = output_hw(x_shape[2:], kernel_size, stride, padding)
    if is_cupy_array(gy):
        return gpu.avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding,
                                       count_include_pad, out_hw)
    share = gy / _divisor(x_shape[2:], out_hw, kernel_size, stride, padding, count_include_pad,
                          gy.dtype)
    gx_padded = padded_zeros(x_shape, padding, gy.dtype)
    for i, j in np.ndindex(*kernel_size):
        rows, cols = tap_window(i, j, out_hw, stride, NO_DILATION)
        gx_padded[:, :, rows, cols] += share
    return crop_hw(gx_padded, padding)
