"""CuPy average pooling: forward per output pixel, backward as a gather per input pixel.

The divisor rule (``count_include_pad``, ``divisor_override``) is that of
``kernels/avg_pool.py``; the device function below evaluates it for one output pixel.
``ceil_mode`` needs nothing here: it only changes (H_out, W_out), and both loops already skip
the taps outside the image.
"""

from .._arrays import Array
from ..geometry import NO_DILATION, Pair
from .common import GEOMETRY_PARAMS, GEOMETRY_PREAMBLE, Kernel, geometry_args, launch, unravel

# The divisor rule's scalar parameters, in the order of `_divisor_args`.
_DIVISOR_PARAMS = "int32 include_pad, int32 divisor_override"

_DIVISOR_PREAMBLE = GEOMETRY_PREAMBLE + r"""
// Divisor of output pixel (oh, ow): divisor_override if nonzero; else the window pixels inside
// the padded input (include_pad: kH * kW unless a ceil_mode window runs past it) or inside
// the image.
__device__ __forceinline__ int avg_divisor(int oh, int ow, int H, int W, int kH, int kW,
                                           int sH, int sW, int pH, int pW, int include_pad,
                                           int divisor_override) {
    if (divisor_override != 0) return divisor_override;
    const int h0 = oh * sH - pH, w0 = ow * sW - pW;
    if (include_pad) return (min(h0 + kH, H + pH) - h0) * (min(w0 + kW, W + pW) - w0);
    return (min(h0 + kH, H) - max(h0, 0)) * (min(w0 + kW, W) - max(w0, 0));
}
"""

_FORWARD = Kernel(
    "avg_pool2d_forward", f"raw T x, {GEOMETRY_PARAMS}, {_DIVISOR_PARAMS}", "T y",
    unravel("plane", ("oh", "H_out"), ("ow", "W_out")) + r"""
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
    y = sum / (T)avg_divisor(oh, ow, H, W, kH, kW, sH, sW, pH, pW, include_pad,
                             divisor_override);
    """,
    preamble=_DIVISOR_PREAMBLE)

_BACKWARD = Kernel(
    "avg_pool2d_backward", f"raw T gy, {GEOMETRY_PARAMS}, {_DIVISOR_PARAMS}", "T gx",
    "// Sum gy / divisor over every window that contains this pixel.\n"
    + unravel("plane", ("h", "H"), ("w", "W")) + r"""
    T sum = 0;
    for (int ki = 0; ki < kH; ++ki) {
        const int oh = output_coord(h, ki, sH, pH, dH, H_out);
        if (oh < 0) continue;
        for (int kj = 0; kj < kW; ++kj) {
            const int ow = output_coord(w, kj, sW, pW, dW, W_out);
            if (ow < 0) continue;
            sum += gy[(plane * H_out + oh) * W_out + ow]
                   / (T)avg_divisor(oh, ow, H, W, kH, kW, sH, sW, pH, pW, include_pad,
                                    divisor_override);
        }
    }
    gx = sum;
    """,
    preamble=_DIVISOR_PREAMBLE)


def _divisor_args(count_include_pad: bool, divisor_override: int | None) -> tuple[int, int]:
    """The values of ``include_pad, divisor_override`` (0: no override; 0 is never valid)."""
    return int(count_include_pad), int(divisor_override or 0)


def avg_pool2d_forward(x: Array, kernel_size: Pair, stride: Pair, padding: Pair,
                       count_include_pad: bool, divisor_override: int | None,
                       out_hw: Pair) -> Array:
    """CuPy path of ``kernels.avg_pool2d_forward``: (N, C, H, W) -> (N, C, H_out, W_out);
    ``out_hw`` already accounts for ceil_mode."""
    geometry = geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding, NO_DILATION)
    return launch(_FORWARD, [x], (*geometry, *_divisor_args(count_include_pad, divisor_override)),
                  (*x.shape[:2], *out_hw))[0]


def avg_pool2d_backward(gy: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair,
                        stride: Pair, padding: Pair, count_include_pad: bool,
                        divisor_override: int | None, out_hw: Pair) -> Array:
    """CuPy path of ``kernels.avg_pool2d_backward``: gy (N, C, H_out, W_out) -> gx ``x_shape``."""
    geometry = geometry_args(x_shape[2:], out_hw, kernel_size, stride, padding, NO_DILATION)
    return launch(_BACKWARD, [gy],
                  (*geometry, *_divisor_args(count_include_pad, divisor_override)), x_shape)[0]
