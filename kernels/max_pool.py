"""2-D max pooling: forward with argmax, backward, and selection by a saved argmax.

Conventions (the same on CPU and GPU):

* Padding counts as -inf, so it is never chosen over a real value. (A window lying wholly
  in the padding, possible with dilation, gives -inf and argmax 0, and passes no gradient.)
* ``argmax`` holds, for every output pixel, the *tap* of its maximum: the row-major index
  ``i * kW + j`` of the window offset, as int32.
* Ties go to the **first** maximum in row-major window order (on the GPU, a strict ``>``).
  A constant input therefore has argmax 0 everywhere, and the gradient of a tied window flows
  to one element only.
* NaN counts as larger than every number: the first NaN of a window wins, so NaN propagates
  as in PyTorch.

The CPU path loops over the kH·kW taps, one strided view of the whole batch per tap, with
the channels split over threads (fast for small windows, but a 448×448 global pool would
be 200,704 Python iterations). When large
windows tile the image (stride = kernel, no padding or dilation: global pooling, 4×4/4)
a reshape exposes every window as its own axes instead, and NumPy reduces over them in one
call (``_tiled_*`` below). The common 2×2 windows with stride 2 take a third path, a
tournament between the four taps (``_tournament_*``), with fewer passes. All paths give the
same values, argmax and gradients.
"""

import numpy as np

from ._arrays import Array, array_module, crop_hw, pad_hw, padded_zeros
from .geometry import Pair, dilated_span, output_hw, tap_window
from .gpu import max_pool as gpu
from .gpu.common import runs_custom_kernel
from .threads import run_in_parts


def _tap_windows(kernel_size: Pair, out_hw: Pair, stride: Pair,
                 dilation: Pair) -> list[tuple[slice, slice]]:
    """The (rows, cols) slices of every tap of a (padded) image, in tap order."""
    return [tap_window(i, j, out_hw, stride, dilation) for i, j in np.ndindex(*kernel_size)]


def max_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                       dilation: Pair) -> tuple[Array, Array]:
    """Max over each (dilated) window.

    Args:
        x: shape (N, C, H, W).
        kernel_size, stride, padding, dilation: (h, w) pairs.

    Returns:
        y: shape (N, C, H_out, W_out), dtype of ``x``.
        argmax: int32, same shape: tap ``i * kW + j`` of the first maximum of each window.
    """
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding, dilation)
    if runs_custom_kernel(x):
        return gpu.max_pool2d_forward(x, kernel_size, stride, padding, dilation, out_hw)
    if _tiles(kernel_size, stride, padding, dilation):
        return _tiled_forward(x, kernel_size, out_hw)
    xp = array_module(x)
    if _is_2x2_tiling(kernel_size, stride, padding, dilation) and xp is np:
        return _tournament_forward(x, out_hw)
    x_padded = pad_hw(x, padding, -np.inf)
    taps = _tap_windows(kernel_size, out_hw, stride, dilation)
    # y and argmax keep the axis order of x's memory (e.g. the channel-major output of a
    # convolution), so the next layer reads them in order.
    y = xp.empty_like(x_padded[:, :, taps[0][0], taps[0][1]])
    argmax = xp.empty_like(y, dtype=np.int32)

    def pool_channels(part: slice) -> None:  # channels never mix: threads split them
        _pool_taps(xp, x_padded[:, part], taps, y[:, part], argmax[:, part])
    run_in_parts(pool_channels, x.shape[1], x.nbytes, xp)
    return y, argmax


def _pool_taps(xp, x_padded: Array, taps: list, y: Array, argmax: Array) -> None:
    """The CPU/generic forward on (a channel slice of) the padded input, into y and argmax."""
    windows = [x_padded[:, :, rows, cols] for rows, cols in taps]  # one strided view per tap
    # Pass 1, the values: a running maximum over the taps (np.maximum propagates NaN).
    xp.copyto(y, windows[0])
    for window in windows[1:]:
        xp.maximum(y, window, out=y)
    # Pass 2, the first tap holding the maximum (or the first NaN): walk the taps backwards,
    # so the smallest matching tap is written last. Without NaNs (np.maximum would have
    # propagated one into y) a plain equality test suffices. (That shortcut is for the CPU
    # only: on a device, asking whether there is a NaN would copy the answer to the host
    # and wait for the GPU.)
    check_nan = xp is not np or bool(np.isnan(y).any())
    hit = xp.empty(y.shape, dtype=bool)
    for tap in reversed(range(len(windows))):  # every window's maximum is one of its taps
        xp.equal(windows[tap], y, out=hit)
        if check_nan:
            hit |= xp.isnan(windows[tap])
        xp.copyto(argmax, np.int32(tap), where=hit)


# ---- 2×2 windows with stride 2 (VGG's, ResNet's stem, small_cnn's): a tournament -----------
# The general path makes 4 passes for the maximum and 8 more for the argmax (an equality
# test and a masked copy per tap). Here the four taps play a tournament, (a vs b), (c vs d),
# then the two winners: each match is one maximum and one comparison, and the comparisons
# *are* the argmax bits. 8 passes instead of 12, over strided views (NumPy's slow loops).
def _is_2x2_tiling(kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair) -> bool:
    return tuple(kernel_size) == (2, 2) and _tiling(kernel_size, stride, padding, dilation)


def _tournament_forward(x: Array, out_hw: Pair) -> tuple[Array, Array]:
    """Max pool 2×2/2 of x (N, C, H, W), NumPy, with the module's argmax conventions."""
    windows = _tap_windows((2, 2), out_hw, (2, 2), (1, 1))
    taps = [x[:, :, rows, cols] for rows, cols in windows]
    y = np.empty_like(taps[0])        # the memory order of x (e.g. channel-major)
    argmax = np.empty_like(y, dtype=np.int32)

    def pool_channels(part: slice) -> None:  # channels never mix: threads split them
        a, b, c, d = (tap[:, part] for tap in taps)    # taps 0, 1 (top row), 2, 3 (bottom)
        top, bottom = y[:, part], np.empty_like(y[:, part])
        right_wins_top = np.greater(b, a)              # a tie goes to the first tap (a)
        np.maximum(a, b, out=top)
        right_wins_bottom = np.greater(d, c)
        np.maximum(c, d, out=bottom)
        bottom_wins = np.greater(bottom, top)          # a tie goes to the top row
        np.maximum(top, bottom, out=top)
        chosen = argmax[:, part]
        np.copyto(chosen, right_wins_top)              # tap 0 or 1
        np.add(right_wins_bottom, np.int32(2), out=chosen, where=bottom_wins)   # tap 2 or 3
        if np.isnan(top).any():   # comparisons with NaN are False: let the general path decide
            _pool_taps(np, x[:, part], windows, top, chosen)
    run_in_parts(pool_channels, x.shape[1], x.nbytes)
    return y, argmax


def _tournament_backward(gy: Array, argmax: Array, x_shape: tuple[int, int, int, int],
                         out_hw: Pair) -> Array:
    """Max-pool 2×2/2 backward, NumPy: every pixel of a window is written once, with its
    tap's gradient times "this tap is the argmax" (1 or 0), so gx needs no zero fill
    (except rows and columns past the last window), and no masked copy: ``copyto`` with
    ``where=`` into strided memory ran 3x slower than this multiply."""
    (out_h, out_w), (n, c, h, w) = out_hw, x_shape
    gx = padded_zeros(x_shape, (0, 0), like=gy) if h > 2 * out_h or w > 2 * out_w \
        else np.empty_like(gy, shape=x_shape)     # gy's memory order, as padded_zeros
    taps = _tap_windows((2, 2), out_hw, (2, 2), (1, 1))

    def route_channels(part: slice) -> None:  # channels never mix: threads split them
        g, chosen = gy[:, part], argmax[:, part]
        finite = bool(np.isfinite(g).all())   # inf * 0 would put NaN where 0 belongs
        hit = np.empty(g.shape, dtype=bool)
        for tap, (rows, cols) in enumerate(taps):
            np.equal(chosen, tap, out=hit)
            target = gx[:, part, rows, cols]
            if finite:
                np.multiply(g, hit, out=target)
            else:
                target[...] = 0
                np.copyto(target, g, where=hit)
    run_in_parts(route_channels, c, gx.nbytes)
    return gx


def max_pool2d_backward(gy: Array, argmax: Array, x_shape: tuple[int, int, int, int],
                        kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair) -> Array:
    """Route each output gradient to the input pixel its window's maximum came from.

    Args:
        gy: gradient w.r.t. y, shape (N, C, H_out, W_out).
        argmax: as returned by :func:`max_pool2d_forward`.
        x_shape: (N, C, H, W).
        kernel_size, stride, padding, dilation: as given to the forward pass.

    Returns:
        gx of shape ``x_shape``, dtype of ``gy``. A pixel that is the maximum of several
        overlapping windows (stride < kernel) receives the sum of their gradients.
    """
    out_hw = output_hw(x_shape[2:], kernel_size, stride, padding, dilation)
    if runs_custom_kernel(gy):
        return gpu.max_pool2d_backward(gy, argmax, x_shape, kernel_size, stride, padding,
                                       dilation, out_hw)
    if _tiles(kernel_size, stride, padding, dilation):
        return _tiled_backward(gy, argmax, x_shape, kernel_size)
    xp = array_module(gy)
    if _is_2x2_tiling(kernel_size, stride, padding, dilation) and xp is np:
        return _tournament_backward(gy, argmax, x_shape, out_hw)
    # gx in the layout of gy (channel-major after a convolution), which is x's layout in a
    # network: the next elementwise backward (ReLU, BatchNorm) then reads two arrays of one
    # layout.
    gx_padded = padded_zeros(x_shape, padding, like=gy)
    # Windows that don't overlap (stride >= span: 2×2/2) give each pixel one tap at most, so
    # each tap's gradient is copied where it is the argmax (no sum, no temporary array);
    # overlapping windows add theirs.
    disjoint = all(s >= dilated_span(k, d) for k, s, d in zip(kernel_size, stride, dilation))
    taps = _tap_windows(kernel_size, out_hw, stride, dilation)

    def route_channels(part: slice) -> None:  # channels never mix: threads split them
        g, chosen = gy[:, part], argmax[:, part]
        for tap, (rows, cols) in enumerate(taps):
            target = gx_padded[:, part, rows, cols]
            if disjoint:
                xp.copyto(target, g, where=chosen == tap)
            else:
                target += xp.where(chosen == tap, g, 0)
    run_in_parts(route_channels, x_shape[1], gx_padded.nbytes, xp)
    return crop_hw(gx_padded, padding)


def max_pool2d_select(x: Array, argmax: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                      dilation: Pair) -> Array:
    """Pick, for every window, the element of ``x`` that ``argmax`` points at.

    For a fixed argmax this is a linear map of ``x``, and the adjoint of
    :func:`max_pool2d_backward`: ``<max_pool2d_backward(g, argmax), x> == <g, select(x, argmax)>``.
    So it is both the derivative of the forward pass (``select(x, argmax)`` reproduces ``y``
    except in windows lying wholly in the padding) and the gradient of the backward pass
    w.r.t. ``gy`` (double backprop).

    Args:
        x: shape (N, C, H, W).
        argmax: taps in [0, kH*kW), shape (N, C, H_out, W_out).
        kernel_size, stride, padding, dilation: as given to the forward pass.

    Returns:
        y of shape (N, C, H_out, W_out), dtype of ``x``. Where argmax points at padding (only
        in a window lying wholly in the padding) the entry is 0, as linearity requires.
    """
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding, dilation)
    if runs_custom_kernel(x):
        return gpu.max_pool2d_select(x, argmax, kernel_size, stride, padding, dilation, out_hw)
    xp = array_module(x)
    x_padded = pad_hw(x, padding, 0)
    y = xp.zeros(argmax.shape, dtype=x.dtype)
    for tap, (rows, cols) in enumerate(_tap_windows(kernel_size, out_hw, stride, dilation)):
        xp.copyto(y, x_padded[:, :, rows, cols], where=argmax == tap)
    return y


# ---- windows that tile the image: one reshape instead of a loop over taps ------------------
# From this many taps on, the reshape path wins (measured: even at 3×3, 2× faster at 8×8);
# for smaller windows, a few strided views per tap are cheaper than reducing a short axis.
MIN_TILED_TAPS = 10


def _tiling(kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair) -> bool:
    """Whether the windows tile the image: stride = kernel, no padding or dilation."""
    return (tuple(stride) == tuple(kernel_size) and tuple(padding) == (0, 0)
            and tuple(dilation) == (1, 1))


def _tiles(kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair) -> bool:
    """Whether the windows tile the image and are large enough for the reshape path."""
    return (_tiling(kernel_size, stride, padding, dilation)
            and kernel_size[0] * kernel_size[1] >= MIN_TILED_TAPS)


def _windows_last(x: Array, kernel_size: Pair, out_hw: Pair) -> Array:
    """(N, C, H, W) -> (N, C, H_out, W_out, kH·kW): each window's pixels in tap order (a copy).

    Rows and columns past the last whole window are dropped, as the pooling does."""
    (kh, kw), (oh, ow) = kernel_size, out_hw
    n, c = x.shape[:2]
    tiles = x[:, :, :oh * kh, :ow * kw].reshape(n, c, oh, kh, ow, kw)
    return tiles.transpose(0, 1, 2, 4, 3, 5).reshape(n, c, oh, ow, kh * kw)


def _tiled_forward(x: Array, kernel_size: Pair, out_hw: Pair) -> tuple[Array, Array]:
    xp = array_module(x)
    windows = _windows_last(x, kernel_size, out_hw)
    # argmax takes the first maximum, and NaN (which compares as the maximum) first of all
    argmax = windows.argmax(axis=-1).astype(np.int32)
    y = xp.take_along_axis(windows, argmax[..., None].astype(np.intp), axis=-1)[..., 0]
    return y, argmax


def _tiled_backward(gy: Array, argmax: Array, x_shape: tuple[int, int, int, int],
                    kernel_size: Pair) -> Array:
    xp = array_module(gy)
    (kh, kw), (n, c) = kernel_size, x_shape[:2]
    oh, ow = gy.shape[2:]
    # each window's gradient at its argmax tap, 0 at the others (array ops CuPy has too)
    taps = xp.arange(kh * kw, dtype=argmax.dtype)
    windows = xp.where(argmax[..., None] == taps, gy[..., None], gy.dtype.type(0))
    gx = xp.zeros(x_shape, dtype=gy.dtype)  # pixels of no window get 0
    tiles = windows.reshape(n, c, oh, ow, kh, kw).transpose(0, 1, 2, 4, 3, 5)
    gx[:, :, :oh * kh, :ow * kw] = tiles.reshape(n, c, oh * kh, ow * kw)
    return gx
