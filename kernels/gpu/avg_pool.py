"""CuPy average pooling: forward per output pixel, backward as a gather per input pixel.

The divisor rule (``count_include_pad``) is that of ``kernels/avg_pool.py``; the device
function below evaluates it for one output pixel.
"""

import functools

from .._arrays import Array, Pair
from ..geometry import NO_DILATION
from .common import GEOMETRY_PARAMS, GEOMETRY_PREAMBLE, geometry_args

_DIVISOR_PREAMBLE = GEOMETRY_PREAMBLE + r"""
// Divisor of output pixel (oh, ow): kH * kW, or the number of window pixels inside the image.
__device__ __forceinline__ int avg_divisor(int oh, int ow, int H, int W, int kH, int kW,
                                           int sH, int sW, int pH, int pW, int include_pad) {
    if (include_pad) return kH * kW;
    const int h0 = oh * sH - pH, w0 = ow * sW - pW;
    return (min(h0 + kH, H) - max(h0, 0)) * (min(w0 + kW, W) - max(w0, 0));
}
"""


@functools.cache
def _forward_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T x, {GEOMETRY_PARAMS}, int32 include_pad",
        "T y",
        r"""
        const int ow = i % W_out;
        const int oh = (i / W_out) % H_out;
        const ptrdiff_t plane = i / ((ptrdiff_t)H_out * W_out);
        T sum = 0;
        for (int ki = 0; ki < kH; ++ki) {
            const int h = input_coord(oh, ki, sH, pH, dH);
            if (h < 0 || h >= H) continue;
            for (int kj = 0; kj < kW; ++kj) {
                const int w = input_coord(ow, kj, sW, pW, dW);
                if (w < 0 || w >= W) continue;
                sum += x[(plane * H + h) * W + w];
            }
        }
        y = sum / (T)avg_divisor(oh, ow, H, W, kH, kW, sH, sW, pH, pW, include_pad);
        """,
        "minigrad_avg_pool2d_forward",
        preamble=_DIVISOR_PREAMBLE,
    )


@functools.cache
def _backward_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T gy, {GEOMETRY_PARAMS}, int32 include_pad",
        "T gx",
        r"""
        // Sum gy / divisor over every window that contains this pixel.
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
                sum += gy[(plane * H_out + oh) * W_out + ow]
                       / (T)avg_divisor(oh, ow, H, W, kH, kW, sH, sW, pH, pW, include_pad);
            }
        }
        gx = sum;
        """,
        "minigrad_avg_pool2d_backward",
        preamble=_DIVISOR_PREAMBLE,
    )


def avg_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                       count_include_pad: bool, out_hw: Pair) -> Array:
    """CuPy path of ``kernels.avg_pool2d_forward``: (N, C, H, W) -> (N, C, H_out, W_out)."""
    import cupy
    x = cupy.ascontiguousarray(x)
    y = cupy.empty((*x.shape[:2], *out_hw), dtype=x.dtype)
    _forward_kernel()(x, *geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding,
                                        NO_DILATION), int(count_include_pad), y)
    return y


def avg_pool2d_backward(gy: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair,
                        stride: Pair, padding: Pair, count_include_pad: bool,
                        out_hw: Pair) -> Array:
    """CuPy path of ``kernels.avg_pool2d_backward``: gy (N, C, H_out, W_out) -> gx ``x_shape``."""
    import cupy
    gy = cupy.ascontiguousarray(gy)
    gx = cupy.empty(x_shape, dtype=gy.dtype)
    _backward_kernel()(gy, *geometry_args(x_shape[2:], out_hw, kernel_size, stride, padding,
                                          NO_DILATION), int(count_include_pad), gx)
    return gx
