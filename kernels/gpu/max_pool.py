"""CuPy max pooling: forward and select per output pixel, backward as a gather per input pixel.

Arrays are NCHW, so an output pixel and the input pixels of its window share one (n, c)
*plane*: output index i = (plane * H_out + oh) * W_out + ow, and the input plane starts at
plane * H * W. Conventions (ties, NaN, padding) are those of ``kernels/max_pool.py``.
"""

import numpy as np

from .._arrays import Array, array_module
from ..geometry import Pair
from .common import GEOMETRY_PARAMS, Kernel, geometry_args, launch, unravel

_OUTPUT_PIXEL = unravel("plane", ("oh", "H_out"), ("ow", "W_out"))
_INPUT_PIXEL = unravel("plane", ("h", "H"), ("w", "W"))

_FORWARD = Kernel(
    "max_pool2d_forward", f"raw T x, {GEOMETRY_PARAMS}", "T y, int32 argmax",
    _OUTPUT_PIXEL + r"""
    // Padding counts as -inf. (NVRTC has no INFINITY macro: -1/0 is -inf in IEEE arithmetic.)
    const T minus_inf = (T)(-1.0 / 0.0);
    T best = minus_inf;
    int best_tap = 0;
    for (int ki = 0; ki < kH; ++ki) {
        const int h = input_coord(oh, ki, sH, pH, dH);
        for (int kj = 0; kj < kW; ++kj) {
            const int w = input_coord(ow, kj, sW, pW, dW);
            const bool inside = 0 <= h && h < H && 0 <= w && w < W;
            const T v = inside ? x[(plane * H + h) * W + w] : minus_inf;
            // Strict '>' keeps the first maximum; the first NaN beats everything and stays.
            if (v > best || (isnan(v) && !isnan(best))) {
                best = v;
                best_tap = ki * kW + kj;
            }
        }
    }
    y = best;
    argmax = best_tap;
    """)

_BACKWARD = Kernel(
    "max_pool2d_backward", f"raw T gy, raw int32 argmax, {GEOMETRY_PARAMS}", "T gx",
    "// Sum gy over the windows that read this pixel and chose it as their maximum.\n"
    + _INPUT_PIXEL + r"""
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
    """)

_SELECT = Kernel(
    "max_pool2d_select", f"raw T x, raw int32 argmax, {GEOMETRY_PARAMS}", "T y",
    _OUTPUT_PIXEL + r"""
    const int tap = argmax[i];
    const int h = input_coord(oh, tap / kW, sH, pH, dH);
    const int w = input_coord(ow, tap % kW, sW, pW, dW);
    const bool inside = 0 <= h && h < H && 0 <= w && w < W;
    y = inside ? x[(plane * H + h) * W + w] : (T)0;
    """)


def max_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
                       out_hw: Pair) -> tuple[Array, Array]:
    """CuPy path of ``kernels.max_pool2d_forward``: x -> y, argmax of shape (N, C, H_out, W_out)."""
    geometry = geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding, dilation)
    y, argmax = launch(_FORWARD, [x], geometry, (*x.shape[:2], *out_hw),
                       out_dtypes=(x.dtype, np.int32))
    return y, argmax


def max_pool2d_backward(gy: Array, argmax: Array, x_shape: tuple[int, int, int, int],
                        kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
                        out_hw: Pair) -> Array:
    """CuPy path of ``kernels.max_pool2d_backward``: gy (N, C, H_out, W_out) -> gx ``x_shape``."""
    geometry = geometry_args(x_shape[2:], out_hw, kernel_size, stride, padding, dilation)
    argmax = array_module(gy).asarray(argmax, dtype=np.int32)
    return launch(_BACKWARD, [gy, argmax], geometry, x_shape)[0]


def max_pool2d_select(x: Array, argmax: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                      dilation: Pair, out_hw: Pair) -> Array:
    """CuPy path of ``kernels.max_pool2d_select``: x (N, C, H, W) -> y like ``argmax``."""
    geometry = geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding, dilation)
    argmax = array_module(x).asarray(argmax, dtype=np.int32)
    return launch(_SELECT, [x, argmax], geometry, argmax.shape)[0]
