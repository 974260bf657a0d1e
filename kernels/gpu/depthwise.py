"""CuPy depthwise convolution: forward per output pixel, input gradient as a gather per input
pixel, weight gradient as per-sample partial sums (one thread per (n, weight element)) reduced
over the batch by ``cupy.sum``. Layout and formulas are those of ``kernels/depthwise.py``.
"""

from .._arrays import Array
from ..geometry import Pair
from .common import GEOMETRY_PARAMS, Kernel, geometry_args, launch, unravel

_FORWARD = Kernel(
    "depthwise_conv2d_forward", f"raw T x, raw T weight, int32 C, int32 m, {GEOMETRY_PARAMS}",
    "T y",
    "// y has shape (N, C*m, H_out, W_out); output channel oc filters input channel oc / m.\n"
    + unravel("b", ("oc", "C * m"), ("oh", "H_out"), ("ow", "W_out")) + r"""
    const ptrdiff_t in_plane = b * C + oc / m;
    T sum = 0;
    for (int ki = 0; ki < kH; ++ki) {
        const int h = input_coord(oh, ki, sH, pH, dH);
        if (h < 0 || h >= H) continue;
        for (int kj = 0; kj < kW; ++kj) {
            const int w = input_coord(ow, kj, sW, pW, dW);
            if (w < 0 || w >= W) continue;
            sum += weight[(oc * kH + ki) * kW + kj] * x[(in_plane * H + h) * W + w];
        }
    }
    y = sum;
    """)

_BACKWARD_INPUT = Kernel(
    "depthwise_conv2d_backward_input",
    f"raw T gy, raw T weight, int32 C, int32 m, {GEOMETRY_PARAMS}", "T gx",
    "// gx has shape (N, C, H, W). Gather gy * weight from every output that read this pixel,\n"
    "// over the m output channels c*m + k fed by input channel c.\n"
    + unravel("b", ("c", "C"), ("h", "H"), ("w", "W")) + r"""
    T sum = 0;
    for (int ki = 0; ki < kH; ++ki) {
        const int oh = output_coord(h, ki, sH, pH, dH, H_out);
        if (oh < 0) continue;
        for (int kj = 0; kj < kW; ++kj) {
            const int ow = output_coord(w, kj, sW, pW, dW, W_out);
            if (ow < 0) continue;
            for (int k = 0; k < m; ++k) {
                const int oc = c * m + k;
                sum += weight[(oc * kH + ki) * kW + kj]
                       * gy[((b * C * m + oc) * H_out + oh) * W_out + ow];
            }
        }
    }
    gx = sum;
    """)

_BACKWARD_WEIGHT = Kernel(
    "depthwise_conv2d_backward_weight",
    f"raw T gy, raw T x, int32 C, int32 m, {GEOMETRY_PARAMS}", "T partial",
    "// partial has shape (N, C*m, kH, kW): the weight gradient of sample b alone,\n"
    "// sum over (oh, ow) of gy[b, oc, oh, ow] * x[b, oc / m, h(oh), w(ow)].\n"
    + unravel("b", ("oc", "C * m"), ("ki", "kH"), ("kj", "kW")) + r"""
    const ptrdiff_t in_plane = b * C + oc / m;
    const ptrdiff_t out_plane = b * C * m + oc;
    T sum = 0;
    for (int oh = 0; oh < H_out; ++oh) {
        const int h = input_coord(oh, ki, sH, pH, dH);
        if (h < 0 || h >= H) continue;
        for (int ow = 0; ow < W_out; ++ow) {
            const int w = input_coord(ow, kj, sW, pW, dW);
            if (w < 0 || w >= W) continue;
            sum += gy[(out_plane * H_out + oh) * W_out + ow] * x[(in_plane * H + h) * W + w];
        }
    }
    partial = sum;
    """)


def depthwise_conv2d_forward(x: Array, weight: Array, stride: Pair, padding: Pair, dilation: Pair,
                             out_hw: Pair) -> Array:
    """CuPy path of ``kernels.depthwise_conv2d_forward``: (N, C, H, W) -> (N, C*m, H_out, W_out)."""
    c, c_out = x.shape[1], weight.shape[0]
    geometry = geometry_args(x.shape[2:], out_hw, weight.shape[2:], stride, padding, dilation)
    return launch(_FORWARD, [x, weight], (c, c_out // c, *geometry),
                  (x.shape[0], c_out, *out_hw))[0]


def depthwise_conv2d_backward_input(gy: Array, weight: Array, x_shape: tuple[int, int, int, int],
                                    stride: Pair, padding: Pair, dilation: Pair,
                                    out_hw: Pair) -> Array:
    """CuPy path of ``kernels.depthwise_conv2d_backward_input``: gy -> gx of ``x_shape``."""
    c, c_out = x_shape[1], weight.shape[0]
    geometry = geometry_args(x_shape[2:], out_hw, weight.shape[2:], stride, padding, dilation)
    return launch(_BACKWARD_INPUT, [gy, weight], (c, c_out // c, *geometry), x_shape)[0]


def depthwise_conv2d_backward_weight(gy: Array, x: Array, weight_shape: tuple[int, int, int, int],
                                     stride: Pair, padding: Pair, dilation: Pair,
                                     out_hw: Pair) -> Array:
    """CuPy path of ``kernels.depthwise_conv2d_backward_weight``: gy, x -> gw ``weight_shape``."""
    c, c_out = x.shape[1], weight_shape[0]
    geometry = geometry_args(x.shape[2:], out_hw, weight_shape[2:], stride, padding, dilation)
    partial = launch(_BACKWARD_WEIGHT, [gy, x], (c, c_out // c, *geometry),
                     (x.shape[0], c_out, *weight_shape[2:]))[0]
    return partial.sum(axis=0).reshape(weight_shape)
