"""im2col and col2im: turn convolution into one matrix product, and back.

``im2col`` copies every window of the (padded) input into a column buffer laid out as
``(C, kH, kW, N, H_out, W_out)``. With that layout a convolution is a single GEMM,

    y = weight.reshape(C_out, C*kH*kW) @ col.reshape(C*kH*kW, N*H_out*W_out),

and a grouped convolution one batched matmul over ``col.reshape(G, C/G*kH*kW, N*H_out*W_out)``.
``col2im`` is its adjoint: it adds every column entry back onto the input pixel it was copied
from, so pixels shared by overlapping windows receive the sum of their contributions.
"""

import numpy as np

from ._arrays import Array, array_module, crop_hw, pad_hw, padded_zeros
from .geometry import Pair, output_hw, tap_window
from .gpu import im2col as gpu
from .gpu.common import runs_custom_kernel
from .threads import run_in_parts


def im2col(x: Array, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
           out: Array | None = None) -> Array:
    """Gather all sliding windows of ``x`` into a column buffer.

    Args:
        x: input images, shape (N, C, H, W).
        kernel_size, stride, padding, dilation: (h, w) pairs; padding is zeros on both sides.
        out: optional array of the result's shape and dtype to write into (and return), e.g. a
            reused scratch buffer (``kernels.workspace``).

    Returns:
        col of shape (C, kH, kW, N, H_out, W_out), dtype of ``x``, where
        ``col[c, i, j, n, oh, ow] = x_padded[n, c, oh*sH + i*dH, ow*sW + j*dW]``.

    >>> import numpy as np
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> col = im2col(x, kernel_size=(2, 2), stride=(1, 1), padding=(0, 0), dilation=(1, 1))
    >>> col.shape  # (C, kH, kW, N, H_out, W_out)
    (1, 2, 2, 1, 2, 2)
    >>> print(col[0, :, :, 0, 0, 0])  # the window that output (0, 0) sees
    [[0. 1.]
     [3. 4.]]
    >>> print(col[0, 1, 1, 0])  # what tap (1, 1) reads, for every output pixel
    [[4. 5.]
     [7. 8.]]
    """
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding, dilation)
    if runs_custom_kernel(x):
        col = gpu.im2col(x, kernel_size, stride, padding, dilation, out_hw)
        if out is None:
            return col
        out[...] = col
        return out
    n, c = x.shape[:2]
    # Padded as (C, N, Hp, Wp): each tap's slice then has the (C, N, H_out, W_out) shape of its
    # block col[:, i, j], and reads one channel's contiguous memory (5-25% faster than a
    # transposed view of an NCHW copy for 14-28 px layers).
    x_padded = pad_hw(x.transpose(1, 0, 2, 3), padding, 0)
    shape = (c, *kernel_size, n, *out_hw)
    if out is not None and (out.shape != shape or out.dtype != x.dtype):
        raise ValueError(f"im2col: out has shape {out.shape} and dtype {out.dtype}, but the "
                         f"result needs shape {shape} and dtype {x.dtype}")
    col = out if out is not None else array_module(x).empty(shape, dtype=x.dtype)

    def copy_channels(part: slice) -> None:  # channels never mix: threads split them
        for i, j in np.ndindex(*kernel_size):
            rows, cols = tap_window(i, j, out_hw, stride, dilation)
            col[part, i, j] = x_padded[part, :, rows, cols]
    run_in_parts(copy_channels, c, col.nbytes)
    return col


def col2im(col: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair, stride: Pair,
           padding: Pair, dilation: Pair) -> Array:
    """Adjoint of :func:`im2col`: sum column entries back onto the pixels they came from.

    Args:
        col: shape (C, kH, kW, N, H_out, W_out).
        x_shape: (N, C, H, W) of the image that ``im2col`` was applied to.
        kernel_size, stride, padding, dilation: as given to ``im2col``.

    Returns:
        x of shape ``x_shape``, dtype of ``col``, with
        ``<im2col(a), col> == <a, col2im(col)>`` for every ``a``. Entries that fall in the
        padding are dropped.
    """
    out_hw = output_hw(x_shape[2:], kernel_size, stride, padding, dilation)
    if runs_custom_kernel(col):
        return gpu.col2im(col, x_shape, kernel_size, stride, padding, dilation, out_hw)
    x_padded = padded_zeros(x_shape, padding, like=col)
    x_by_channel = x_padded.transpose(1, 0, 2, 3)  # (C, N, Hp, Wp) view, written through

    def add_channels(part: slice) -> None:  # channels never mix: threads split them
        for i, j in np.ndindex(*kernel_size):
            rows, cols = tap_window(i, j, out_hw, stride, dilation)
            # Within one tap no two output pixels read the same input pixel, so `+=` is
            # safe; overlaps between taps are summed across iterations, in tap order.
            x_by_channel[part, :, rows, cols] += col[part, i, j]
    run_in_parts(add_channels, x_shape[1], col.nbytes)
    return crop_hw(x_padded, padding)
