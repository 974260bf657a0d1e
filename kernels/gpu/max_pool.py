"""CuPy max pooling: forward and select per output pixel, backward as a gather per input pixel.

Arrays are NCHW, so an output pixel and the input pixels of its window share one (n, c)
*plane*: plane = i / (H_out * W_out) for output index i, and the input plane starts at
plane * H * W. Conventions (ties, NaN, padding) are those of ``kernels/max_pool.py``.
"""

import functools

from .._arrays import Array, Pair
from .common import GEOMETRY_PARAMS, GEOMETRY_PREAMBLE, geometry_args


@functools.cache
def _forward_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T x, {GEOMETRY_PARAMS}",
        "T y, int32 argmax",
        r"""
        const int ow = i % W_out;
        const int oh = (i / W_out) % H_out;
        const ptrdiff_t plane = i / ((ptrdiff_t)H_out * W_out);
        T best = (T)-INFINITY;  // padding counts as -inf
        int best_tap = 0;
        for (int ki = 0; ki < kH; ++ki) {
            const int h = input_coord(oh, ki, sH, pH, dH);
            for (int kj = 0; kj < kW; ++kj) {
                const int w = input_coord(ow, kj, sW, pW, dW);
                const bool inside = 0 <= h && h < H && 0 <= w && w < W;
                const T v = inside ? x[(plane * H + h) * W + w] : (T)-INFINITY;
                // Strict '>' keeps the first maximum; the first NaN beats everything and stays.
                if (v > best || (isnan(v) && !isnan(best))) {
                    best = v;
                    best_tap = ki * kW + kj;
                }
            }
        }
        y = best;
        argmax = best_tap;
        """,
        "minigrad_max_pool2d_forward",
        preamble=GEOMETRY_PREAMBLE,
    )


@functools.cache
def _backward_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T gy, raw int32 argmax, {GEOMETRY_PARAMS}",
        "T gx",
        r"""
        // Sum gy over the windows that read this pixel and chose it as their maximum.
        const int w = i % W;
        const int h = (i / W) % H;
        const ptrdiff_t plane = i / ((ptrdiff_t)H * W);
        T sum = 0;
        for (int ki = 0; ki < kH; ++ki) {
            const int oh = output_coord(h, ki, sH, pH, dH, H_out);
            if (oh < 0) continue;
            for (int kj = 0; kj < kW; ++kj) {
                const int ow = output_coord(w, kj, sW, pW, dW, W_out);
                if (ow < 0) continue;
                const ptrdiff_t o = (plane * H_out + oh) * W_out + ow;
                if (argmax[o] == ki * kW + kj) sum += gy[o];
            }
        }
        gx = sum;
        """,
        "minigrad_max_pool2d_backward",
        preamble=GEOMETRY_PREAMBLE,
    )


@functools.cache
def _select_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T x, int32 argmax, {GEOMETRY_PARAMS}",
        "T y",
        r"""
        const int ow = i % W_out;
        const int oh = (i / W_out) % H_out;
        const ptrdiff_t plane = i / ((ptrdiff_t)H_out * W_out);
        const int h = input_coord(oh, argmax / kW, sH, pH, dH);
        const int w = input_coord(ow, argmax % kW, sW, pW, dW);
        const bool inside = 0 <= h && h < H && 0 <= w && w < W;
        y = inside ? x[(plane * H + h) * W + w] : (T)0;
        """,
        "minigrad_max_pool2d_select",
        preamble=GEOMETRY_PREAMBLE,
    )


def max_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
                       out_hw: Pair) -> tuple[Array, Array]:
    """CuPy path of ``kernels.max_pool2d_forward``: x -> y, argmax of shape (N, C, H_out, W_out)."""
    import cupy
    x = cupy.ascontiguousarray(x)
    shape = (*x.shape[:2], *out_hw)
    y = cupy.empty(shape, dtype=x.dtype)
    argmax = cupy.empty(shape, dtype=cupy.int32)
    _forward_kernel()(x, *geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding,
                                        dilation), y, argmax)
    return y, argmax


def max_pool2d_backward(gy: Array, argmax: Array, x_shape: tuple[int, int, int, int],
                        kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
                        out_hw: Pair) -> Array:
    """CuPy path of ``kernels.max_pool2d_backward``: gy (N, C, H_out, W_out) -> gx ``x_shape``."""
    import cupy
    gy = cupy.ascontiguousarray(gy)
    argmax = cupy.ascontiguousarray(argmax, dtype=cupy.int32)
    gx = cupy.empty(x_shape, dtype=gy.dtype)
    _backward_kernel()(gy, argmax, *geometry_args(x_shape[2:], out_hw, kernel_size, stride,
                                                  padding, dilation), gx)
    return gx


def max_pool2d_select(x: Array, argmax: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                      dilation: Pair, out_hw: Pair) -> Array:
    """CuPy path of ``kernels.max_pool2d_select``: x (N, C, H, W) -> y like ``argmax``."""
    import cupy
    x = cupy.ascontiguousarray(x)
    argmax = cupy.asarray(argmax, dtype=cupy.int32)
    y = cupy.empty(argmax.shape, dtype=x.dtype)
    _select_kernel()(x, argmax, *geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding,
                                               dilation), y)
    return y
