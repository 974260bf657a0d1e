"""CuPy depthwise convolution: forward per output pixel, input gradient as a gather per input
pixel, weight gradient as per-sample partial sums (one thread per (n, weight element)) reduced
over the batch by ``cupy.sum``. Layout and formulas are those of ``kernels/depthwise.py``.
"""

import functools

from .._arrays import Array, Pair
from .common import GEOMETRY_PARAMS, GEOMETRY_PREAMBLE, geometry_args


@functools.cache
def _forward_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T x, raw T weight, int32 C, int32 m, {GEOMETRY_PARAMS}",
        "T y",
        r"""
        // y has shape (N, C*m, H_out, W_out); output channel oc filters input channel oc / m.
        ptrdiff_t rest = i;
        const int ow = rest % W_out; rest /= W_out;
        const int oh = rest % H_out; rest /= H_out;
        const int oc = rest % (C * m);
        const int b  = rest / (C * m);
        const ptrdiff_t in_plane = (ptrdiff_t)b * C + oc / m;
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
        """,
        "minigrad_depthwise_conv2d_forward",
        preamble=GEOMETRY_PREAMBLE,
    )


@functools.cache
def _backward_input_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T gy, raw T weight, int32 C, int32 m, {GEOMETRY_PARAMS}",
        "T gx",
        r"""
        // gx has shape (N, C, H, W). Gather gy * weight from every output that read this pixel,
        // over the m output channels c*m + k fed by input channel c.
        ptrdiff_t rest = i;
        const int w = rest % W; rest /= W;
        const int h = rest % H; rest /= H;
        const int c = rest % C;
        const int b = rest / C;
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
                           * gy[(((ptrdiff_t)b * C * m + oc) * H_out + oh) * W_out + ow];
                }
            }
        }
        gx = sum;
        """,
        "minigrad_depthwise_conv2d_backward_input",
        preamble=GEOMETRY_PREAMBLE,
    )


@functools.cache
def _backward_weight_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T gy, raw T x, int32 C, int32 m, {GEOMETRY_PARAMS}",
        "T partial",
        r"""
        // partial has shape (N, C*m, kH, kW): the weight gradient of sample b alone,
        // sum over (oh, ow) of gy[b, oc, oh, ow] * x[b, oc / m, h(oh), w(ow)].
        ptrdiff_t rest = i;
        const int kj = rest % kW; rest /= kW;
        const int ki = rest % kH; rest /= kH;
        const int oc = rest % (C * m);
        const int b  = rest / (C * m);
        const ptrdiff_t in_plane = (ptrdiff_t)b * C + oc / m;
        const ptrdiff_t out_plane = (ptrdiff_t)b * C * m + oc;
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
        """,
        "minigrad_depthwise_conv2d_backward_weight",
        preamble=GEOMETRY_PREAMBLE,
    )


def depthwise_conv2d_forward(x: Array, weight: Array, stride: Pair, padding: Pair, dilation: Pair,
                             out_hw: Pair) -> Array:
    """CuPy path of ``kernels.depthwise_conv2d_forward``: (N, C, H, W) -> (N, C*m, H_out, W_out)."""
    import cupy
    x, weight = cupy.ascontiguousarray(x), cupy.ascontiguousarray(weight)
    c, c_out = x.shape[1], weight.shape[0]
    y = cupy.empty((x.shape[0], c_out, *out_hw), dtype=x.dtype)
    _forward_kernel()(x, weight, c, c_out // c,
                      *geometry_args(x.shape[2:], out_hw, weight.shape[2:], stride, padding,
                                     dilation), y)
    return y


def depthwise_conv2d_backward_input(gy: Array, weight: Array, x_shape: tuple[int, int, int, int],
                                    stride: Pair, padding: Pair, dilation: Pair,
                                    out_hw: Pair) -> Array:
    """CuPy path of ``kernels.depthwise_conv2d_backward_input``: gy -> gx of ``x_shape``."""
    import cupy
    gy, weight = cupy.ascontiguousarray(gy), cupy.ascontiguousarray(weight)
    c, c_out = x_shape[1], weight.shape[0]
    gx = cupy.empty(x_shape, dtype=gy.dtype)
    _backward_input_kernel()(gy, weight, c, c_out // c,
                             *geometry_args(x_shape[2:], out_hw, weight.shape[2:], stride,
                                            padding, dilation), gx)
    return gx


def depthwise_conv2d_backward_weight(gy: Array, x: Array, weight_shape: tuple[int, int, int, int],
                                     stride: Pair, padding: Pair, dilation: Pair,
                                     out_hw: Pair) -> Array:
    """CuPy path of ``kernels.depthwise_conv2d_backward_weight``: gy, x -> gw ``weight_shape``."""
    import cupy
    gy, x = cupy.ascontiguousarray(gy), cupy.ascontiguousarray(x)
    c, c_out = x.shape[1], weight_shape[0]
    partial = cupy.empty((x.shape[0], c_out, *weight_shape[2:]), dtype=gy.dtype)
    _backward_weight_kernel()(gy, x, c, c_out // c,
                              *geometry_args(x.shape[2:], out_hw, weight_shape[2:], stride,
                                             padding, dilation), partial)
    return partial.sum(axis=0).reshape(weight_shape)
