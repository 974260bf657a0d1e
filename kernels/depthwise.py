"""Depthwise 2-D convolution (groups == C_in) as a multiply-accumulate over the kernel taps.

Layout (PyTorch's): ``weight`` has shape (C*m, 1, kH, kW) for a channel multiplier m >= 1, and
output channel ``c*m + k`` filters input channel ``c`` with ``weight[c*m + k, 0]``:

    y[n, c*m + k, oh, ow] = sum_{i, j} weight[c*m + k, 0, i, j]
                                     * x_padded[n, c, oh*sH + i*dH, ow*sW + j*dW]

For each tap (i, j) and multiplier k this is one broadcast multiply-add over the whole batch,
with no im2col buffer; benchmarks/bench_kernels_depthwise.py measures it against
im2col + batched matmul (which it beats 2-5x on the CPU).

How the CPU path is made fast (all three passes):

* NumPy is quickest when its innermost loop is long and contiguous. In NCHW a tap's window
  has rows of only W_out pixels, so each batch chunk is first copied to **channels-last**
  (N, H, W, C) layout, where a window row is W_out * C contiguous values, and the weights of
  a tap are repeated along W_out to match (``_channels_last_taps``).
* The results are written back **channel-major** ((C, N, H, W) memory seen as (N, C, H, W)),
  the layout the GEMM convolution produces, so a network that mixes the two (MobileNet)
  hands BatchNorm inputs and gradients of one layout, whose channels are contiguous runs.
* Wide layers (``_ONE_CALL_CHANNELS`` channels or more, multiplier 1) skip the per-tap
  passes: a strided *view* exposes every output pixel's window, (n, H_out, W_out, kH, kW, C),
  and one ``einsum`` multiplies and sums all kH*kW taps per pixel while its innermost loop
  runs over the C contiguous channels, so the running sum never goes back to memory between
  taps (MobileNetV1's depthwise forwards at 64 px: 66-73 -> 56-59 ms per step, the layout
  copies included). With few channels that inner loop is too short and the per-tap passes
  win.
* The batch is walked in chunks of about ``_CHUNK_BYTES`` so that the running sums stay in
  cache across the kH*kW*m passes; the chunks are split over threads
  (``kernels/threads.py``), and each thread allocates its buffers once and reuses them.
"""

import numpy as np

from ._arrays import Array, array_module
from .geometry import Pair, output_hw, tap_window
from .gpu import depthwise as gpu
from .gpu.common import runs_custom_kernel
from .threads import run_in_parts

_CHUNK_BYTES = 1 << 20
_ONE_CALL_CHANNELS = 64   # from this many channels on, one einsum per chunk (see above)


def _multiplier(in_channels: int, weight_shape: tuple[int, ...]) -> int:
    """Channel multiplier m of a depthwise weight (C*m, 1, kH, kW) (asserts that shape)."""
    out_channels, one = weight_shape[:2]
    assert one == 1 and out_channels % in_channels == 0, (
        f"depthwise weight must have shape (C*m, 1, kH, kW) for C={in_channels}, "
        f"got {tuple(weight_shape)}")
    return out_channels // in_channels


def _batch_chunks(n: int, bytes_per_sample: int) -> tuple[int, list[slice]]:
    """Chunk size and consecutive slices of range(n), each about ``_CHUNK_BYTES`` of samples."""
    step = min(n, max(1, _CHUNK_BYTES // bytes_per_sample))
    return step, [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _channels_last_taps(weight: Array, channels: int, out_w: int) -> Array:
    """Weights as (kH, kW, m, W_out, C): ``[i, j, k, :, c] = weight[c*m + k, 0, i, j]``,
    repeated along W_out so a tap multiplies a whole contiguous (W_out, C) window row."""
    k_h, k_w = weight.shape[2:]
    per_tap = weight.reshape(channels, -1, k_h, k_w).transpose(2, 3, 1, 0)  # (kH, kW, m, C)
    xp = array_module(weight)
    repeated = xp.broadcast_to(per_tap[:, :, :, None], (*per_tap.shape[:3], out_w, channels))
    return xp.ascontiguousarray(repeated)


def _one_call(xp, channels: int, multiplier: int) -> bool:
    """Whether the chunks take the single-einsum path (NumPy, multiplier 1, wide layers)."""
    return xp is np and multiplier == 1 and channels >= _ONE_CALL_CHANNELS


def _windows(padded: Array, out_hw: tuple[int, int], kernel_size: Pair, stride: Pair,
             dilation: Pair) -> Array:
    """A read-only view (n, H_out, W_out, kH, kW, C) of a channels-last padded chunk
    (n, Hp, Wp, C): ``[n, oh, ow, i, j] = padded[n, oh*sH + i*dH, ow*sW + j*dW]``.
    No copy: two pairs of axes step through the same memory."""
    s_n, s_h, s_w, s_c = padded.strides
    shape = (padded.shape[0], *out_hw, *kernel_size, padded.shape[3])
    strides = (s_n, s_h * stride[0], s_w * stride[1], s_h * dilation[0], s_w * dilation[1], s_c)
    return np.lib.stride_tricks.as_strided(padded, shape, strides, writeable=False)


def _padded_channels_last(step: int, input_hw: tuple[int, ...], padding: Pair, channels: int,
                          like: Array) -> tuple[Array, tuple[slice, slice]]:
    """A zeroed (step, H + 2 pH, W + 2 pW, C) buffer (dtype and device of ``like``) and the
    slices of its interior (H, W)."""
    (h, w), (p_h, p_w) = input_hw, padding
    buffer = array_module(like).zeros((step, h + 2 * p_h, w + 2 * p_w, channels),
                                      dtype=like.dtype)
    return buffer, (slice(p_h, p_h + h), slice(p_w, p_w + w))


def depthwise_conv2d_forward(x: Array, weight: Array, stride: Pair, padding: Pair,
                             dilation: Pair) -> Array:
    """Depthwise convolution (cross-correlation, like every deep-learning "conv").

    Args:
        x: shape (N, C, H, W).
        weight: shape (C*m, 1, kH, kW), same dtype as ``x``.
        stride, padding, dilation: (h, w) pairs; zero padding.

    Returns:
        y of shape (N, C*m, H_out, W_out), dtype of ``x``, channel-major in memory (a view of a
        (C*m, N, H_out, W_out) array), as the GEMM path's output.
    """
    kernel_size = weight.shape[2:]
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding, dilation)
    m = _multiplier(x.shape[1], weight.shape)
    if runs_custom_kernel(x):
        return gpu.depthwise_conv2d_forward(x, weight, stride, padding, dilation, out_hw)
    xp = array_module(x)
    n, c = x.shape[:2]
    taps = _channels_last_taps(weight, c, out_hw[1])
    one_call = _one_call(xp, c, m)
    y = xp.empty((c, m, n, *out_hw), dtype=x.dtype)   # channel-major, as the GEMM path's
    step, chunks = _batch_chunks(n, y[:, :, 0].nbytes)

    def convolve(part: slice) -> None:  # one thread's chunks, with its own buffers
        x_buffer, interior = _padded_channels_last(step, x.shape[2:], padding, c, like=x)
        y_buffer = xp.empty((m, step, *out_hw, c), dtype=x.dtype)  # channels-last running sums
        product = xp.empty((step, *out_hw, c), dtype=x.dtype)
        for batch in chunks[part]:
            size = batch.stop - batch.start
            x_chunk, y_chunk, scaled = x_buffer[:size], y_buffer[:, :size], product[:size]
            x_chunk[:, interior[0], interior[1]] = x[batch].transpose(0, 2, 3, 1)
            if one_call:  # y[n, oh, ow, c] = sum_ij window[n, oh, ow, i, j, c] * weight[c, i, j]
                xp.einsum("nhwijc,ijc->nhwc", _windows(x_chunk, out_hw, kernel_size, stride,
                                                       dilation), taps[:, :, 0, 0], out=y_chunk[0])
            else:
                _accumulate_taps(xp, x_chunk, taps, y_chunk, scaled, out_hw, stride, dilation)
            # (m, n, H_out, W_out, C) -> (C, m, n, H_out, W_out)
            y[:, :, batch] = y_chunk.transpose(4, 0, 1, 2, 3)
    run_in_parts(convolve, len(chunks), y.nbytes, xp)
    return y.reshape(c * m, n, *out_hw).transpose(1, 0, 2, 3)


def _accumulate_taps(xp, x_chunk: Array, taps: Array, y_chunk: Array, scaled: Array,
                     out_hw: tuple[int, int], stride: Pair, dilation: Pair) -> None:
    """The forward on one chunk as two passes per tap and multiplier: y_chunk (m, n, H_out,
    W_out, C) = the sum over taps of the tap's window of x_chunk times its weights."""
    kernel_size, m = taps.shape[:2], taps.shape[2]
    for tap, (i, j) in enumerate(np.ndindex(*kernel_size)):
        rows, cols = tap_window(i, j, out_hw, stride, dilation)
        for k in range(m):
            # y[n, c*m + k] += weight[c*m + k, 0, i, j] * window of x[n, c] at tap (i, j)
            target = y_chunk[k] if tap == 0 else scaled
            xp.multiply(x_chunk[:, rows, cols], taps[i, j, k], out=target)
            if tap > 0:
                y_chunk[k] += scaled


def depthwise_conv2d_backward_input(gy: Array, weight: Array, x_shape: tuple[int, int, int, int],
                                    stride: Pair, padding: Pair, dilation: Pair) -> Array:
    """Gradient of the depthwise convolution w.r.t. its input.

    Input pixel (h, w) of channel c collects, from every output pixel that read it at tap
    (i, j), ``gy[n, c*m + k] * weight[c*m + k, 0, i, j]`` summed over k: the transposed
    convolution, computed tap by tap into a padded buffer.

    Args:
        gy: gradient w.r.t. y, shape (N, C*m, H_out, W_out).
        weight: shape (C*m, 1, kH, kW).
        x_shape: (N, C, H, W).
        stride, padding, dilation: as given to the forward pass.

    Returns:
        gx of shape ``x_shape``, dtype of ``gy``, channel-major in memory (as the forward's y).
    """
    kernel_size = weight.shape[2:]
    out_hw = output_hw(x_shape[2:], kernel_size, stride, padding, dilation)
    m = _multiplier(x_shape[1], weight.shape)
    if runs_custom_kernel(gy):
        return gpu.depthwise_conv2d_backward_input(gy, weight, x_shape, stride, padding, dilation,
                                                   out_hw)
    if m == 1 and stride == (1, 1) and all(
            padding[a] <= dilation[a] * (kernel_size[a] - 1) for a in range(2)):
        # With stride 1, gx is the convolution of gy, padded by d (k - 1) - p, with the kernel
        # flipped in space: a gather over each input pixel's window (the forward's fast
        # paths) instead of scattering each tap's products onto the input.
        adjoint_padding = tuple(dilation[a] * (kernel_size[a] - 1) - padding[a] for a in range(2))
        return depthwise_conv2d_forward(gy, weight[:, :, ::-1, ::-1], (1, 1), adjoint_padding,
                                        dilation)
    xp = array_module(gy)
    n, c = x_shape[:2]
    taps = _channels_last_taps(weight, c, out_hw[1])
    gy_by_multiplier = gy.reshape(n, c, m, *out_hw)
    gx = xp.empty((c, n, *x_shape[2:]), dtype=gy.dtype)  # channel-major, as the forward's y
    step, chunks = _batch_chunks(n, gy[0].nbytes)

    def transpose_convolve(part: slice) -> None:  # one thread's chunks, with its own buffers
        gx_buffer, interior = _padded_channels_last(step, x_shape[2:], padding, c, like=gy)
        gy_buffer = xp.empty((m, step, *out_hw, c), dtype=gy.dtype)
        product = xp.empty((step, *out_hw, c), dtype=gy.dtype)
        for batch in chunks[part]:
            size = batch.stop - batch.start
            gx_chunk, gy_chunk, scaled = gx_buffer[:size], gy_buffer[:, :size], product[:size]
            gx_chunk[...] = 0
            # (n, C, m, H_out, W_out) -> (m, n, H_out, W_out, C)
            gy_chunk[...] = gy_by_multiplier[batch].transpose(2, 0, 3, 4, 1)
            for i, j in np.ndindex(*kernel_size):
                rows, cols = tap_window(i, j, out_hw, stride, dilation)
                for k in range(m):
                    # window of gx[n, c] at tap (i, j) += weight[c*m + k, 0, i, j] * gy[n, c*m + k]
                    xp.multiply(gy_chunk[k], taps[i, j, k], out=scaled)
                    gx_chunk[:, rows, cols] += scaled
            gx[:, batch] = gx_chunk[:, interior[0], interior[1]].transpose(3, 0, 1, 2)
    run_in_parts(transpose_convolve, len(chunks), gx.nbytes, xp)
    return gx.transpose(1, 0, 2, 3)


def depthwise_conv2d_backward_weight(gy: Array, x: Array, weight_shape: tuple[int, int, int, int],
                                     stride: Pair, padding: Pair, dilation: Pair) -> Array:
    """Gradient of the depthwise convolution w.r.t. its weight.

    per tap, the product of gy with the tap's window of x, summed over batch and space:

        gw[c*m + k, 0, i, j] = sum_{n, oh, ow} gy[n, c*m + k, oh, ow]
                                               * x_padded[n, c, oh*sH + i*dH, ow*sW + j*dW]

    Args:
        gy: gradient w.r.t. y, shape (N, C*m, H_out, W_out).
        x: the forward input, shape (N, C, H, W).
        weight_shape: (C*m, 1, kH, kW).
        stride, padding, dilation: as given to the forward pass.

    Returns:
        gw of shape ``weight_shape``, dtype of ``gy``.
    """
    kernel_size = weight_shape[2:]
    out_hw = output_hw(x.shape[2:], kernel_size, stride, padding, dilation)
    m = _multiplier(x.shape[1], weight_shape)
    if runs_custom_kernel(gy):
        return gpu.depthwise_conv2d_backward_weight(gy, x, weight_shape, stride, padding, dilation,
                                                    out_hw)
    xp = array_module(gy)
    n, c = x.shape[:2]
    gy_by_multiplier = gy.reshape(n, c, m, *out_hw)
    step, chunks = _batch_chunks(n, gy[0].nbytes)
    # each chunk's sums apart, added in chunk order at the end: the same bits for any
    # number of threads
    per_chunk = xp.empty((len(chunks), *kernel_size, m, c), dtype=gy.dtype)  # channels-last

    def correlate(part: slice) -> None:  # one thread's chunks, with its own buffers
        x_buffer, interior = _padded_channels_last(step, x.shape[2:], padding, c, like=x)
        gy_buffer = xp.empty((m, step, *out_hw, c), dtype=gy.dtype)
        for index in range(len(chunks))[part]:
            batch = chunks[index]
            size = batch.stop - batch.start
            x_chunk, gy_chunk = x_buffer[:size], gy_buffer[:, :size]
            x_chunk[:, interior[0], interior[1]] = x[batch].transpose(0, 2, 3, 1)
            gy_chunk[...] = gy_by_multiplier[batch].transpose(2, 0, 3, 4, 1)
            for i, j in np.ndindex(*kernel_size):
                rows, cols = tap_window(i, j, out_hw, stride, dilation)
                for k in range(m):
                    # gw[c*m + k, 0, i, j] = sum over (n, oh, ow) of gy * window, every c at once
                    per_chunk[index, i, j, k] = xp.einsum("nhwc,nhwc->c", gy_chunk[k],
                                                          x_chunk[:, rows, cols])
    run_in_parts(correlate, len(chunks), x.nbytes + gy.nbytes, xp)
    gw = per_chunk.sum(axis=0)
    return xp.ascontiguousarray(gw.transpose(3, 2, 0, 1)).reshape(weight_shape)
