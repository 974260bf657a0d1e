"""2-D average pooling, PyTorch semantics (no dilation), with ``ceil_mode`` and
``divisor_override``.

Every window is ``kH x kW``, starting at ``o * stride - padding`` along each axis. With
``ceil_mode`` the output size rounds up, so the last window may run past the padded input;
the pixels it reads there are zeros. The divisor of output pixel (oh, ow) is, as in PyTorch:

* ``divisor_override`` when it is given;
* with ``count_include_pad=True``: the window's pixels inside the *padded* input
  ``[-padding, size + padding)``, i.e. ``kH * kW`` except for a window clipped by ceil_mode;
* with ``count_include_pad=False``: the window's pixels inside the image ``[0, size)``.

Windows are rectangles, so either count is (rows counted) * (columns counted).
"""

from types import ModuleType

import numpy as np

from ._arrays import Array, array_module
from .geometry import NO_DILATION, Pair, output_hw, tap_window
from .gpu import avg_pool as gpu
from .gpu.common import runs_custom_kernel


def _window_count(xp: ModuleType, size: int, out_size: int, kernel: int, stride: int,
                  padding: int, count_include_pad: bool) -> Array:
    """How many of each window's ``kernel`` pixels along one axis count in the divisor."""
    start = xp.arange(out_size) * stride - padding
    if count_include_pad:
        return xp.minimum(start + kernel, size + padding) - start
    return xp.minimum(start + kernel, size) - xp.maximum(start, 0)


def _divisor(input_hw: tuple[int, ...], out_hw: Pair, kernel_size: Pair, stride: Pair,
             padding: Pair, count_include_pad: bool, divisor_override: int | None,
             like: Array) -> Array | int:
    """Divisor of every output pixel: ``divisor_override``, or an (H_out, W_out) array with the
    dtype and device of ``like`` (both broadcast against NCHW)."""
    if divisor_override is not None:
        return divisor_override
    xp = array_module(like)
    rows, cols = (_window_count(xp, *axis, count_include_pad)
                  for axis in zip(input_hw, out_hw, kernel_size, stride, padding))
    return xp.outer(rows, cols).astype(like.dtype)


def _read_extent(input_hw: tuple[int, ...], out_hw: Pair, kernel_size: Pair, stride: Pair,
                 padding: Pair) -> Pair:
    """(Hp, Wp): the zero-padded image the windows read, at least (H + 2 pH, W + 2 pW) and
    more at the bottom/right where a ceil_mode window runs past it."""
    return tuple(max(size + 2 * pad, (out - 1) * step + k)
                 for size, out, k, step, pad in zip(input_hw, out_hw, kernel_size, stride,
                                                    padding))


def avg_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                       count_include_pad: bool = True, ceil_mode: bool = False,
                       divisor_override: int | None = None) -> Array:
    """Mean over each window.

    Args:
        x: shape (N, C, H, W).
        kernel_size, stride, padding: (h, w) pairs; PyTorch requires padding <= kernel // 2.
        count_include_pad: count the padding in the divisor (see the module docstring).
        ceil_mode: round the output size up (``geometry.conv_output_size``).
        divisor_override: a nonzero int that replaces every divisor, or None.

    Returns:
        y of shape (N, C, H_out, W_out), dtype of ``x``.
    """
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding, ceil_mode=ceil_mode)
    if runs_custom_kernel(x):
        return gpu.avg_pool2d_forward(x, kernel_size, stride, padding, count_include_pad,
                                      divisor_override, out_hw)
    xp = array_module(x)
    (n, c, h, w), (p_h, p_w) = x.shape, padding
    extent = _read_extent((h, w), out_hw, kernel_size, stride, padding)
    if extent == (h, w):
        x_padded = x
    else:
        x_padded = xp.zeros((n, c, *extent), dtype=x.dtype)
        x_padded[:, :, p_h:p_h + h, p_w:p_w + w] = x
    y = xp.zeros((n, c, *out_hw), dtype=x.dtype)
    for i, j in np.ndindex(*kernel_size):
        rows, cols = tap_window(i, j, out_hw, stride, NO_DILATION)
        y += x_padded[:, :, rows, cols]
    y /= _divisor((h, w), out_hw, kernel_size, stride, padding, count_include_pad,
                  divisor_override, like=x)
    return y


def avg_pool2d_backward(gy: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair,
                        stride: Pair, padding: Pair, count_include_pad: bool = True,
                        ceil_mode: bool = False, divisor_override: int | None = None) -> Array:
    """Spread each output gradient evenly over its window: gx[p] = sum over windows w that
    contain p of gy[w] / divisor[w].

    Args:
        gy: gradient w.r.t. y, shape (N, C, H_out, W_out).
        x_shape: (N, C, H, W).
        kernel_size, stride, padding, count_include_pad, ceil_mode, divisor_override: as
            given to the forward pass.

    Returns:
        gx of shape ``x_shape``, dtype of ``gy``; overlapping windows accumulate.
    """
    out_hw = output_hw(x_shape[2:], kernel_size, stride, padding, ceil_mode=ceil_mode)
    if runs_custom_kernel(gy):
        return gpu.avg_pool2d_backward(gy, x_shape, kernel_size, stride, padding,
                                       count_include_pad, divisor_override, out_hw)
    xp = array_module(gy)
    (n, c, h, w), (p_h, p_w) = x_shape, padding
    share = gy / _divisor((h, w), out_hw, kernel_size, stride, padding, count_include_pad,
                          divisor_override, like=gy)
    gx_padded = xp.zeros((n, c, *_read_extent((h, w), out_hw, kernel_size, stride, padding)),
                         dtype=gy.dtype)
    for i, j in np.ndindex(*kernel_size):
        rows, cols = tap_window(i, j, out_hw, stride, NO_DILATION)
        gx_padded[:, :, rows, cols] += share
    return xp.ascontiguousarray(gx_padded[:, :, p_h:p_h + h, p_w:p_w + w])
