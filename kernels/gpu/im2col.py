"""CuPy im2col (one thread per column entry) and col2im (one thread per image pixel)."""

import functools

from .._arrays import Array, Pair
from .common import GEOMETRY_PARAMS, GEOMETRY_PREAMBLE, geometry_args


@functools.cache
def _im2col_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T img, int32 N, int32 C, {GEOMETRY_PARAMS}",
        "T col",
        r"""
        // col has shape (C, kH, kW, N, H_out, W_out); unravel this thread's index i.
        ptrdiff_t rest = i;
        const int ow = rest % W_out; rest /= W_out;
        const int oh = rest % H_out; rest /= H_out;
        const int b  = rest % N;     rest /= N;
        const int kj = rest % kW;    rest /= kW;
        const int ki = rest % kH;    rest /= kH;
        const int c  = rest;
        const int h = input_coord(oh, ki, sH, pH, dH);
        const int w = input_coord(ow, kj, sW, pW, dW);
        const bool inside = 0 <= h && h < H && 0 <= w && w < W;
        col = inside ? img[(((ptrdiff_t)b * C + c) * H + h) * W + w] : (T)0;
        """,
        "minigrad_im2col",
        preamble=GEOMETRY_PREAMBLE,
    )


@functools.cache
def _col2im_kernel():
    import cupy
    return cupy.ElementwiseKernel(
        f"raw T col, int32 N, int32 C, {GEOMETRY_PARAMS}",
        "T img",
        r"""
        // img has shape (N, C, H, W). Sum every column entry that im2col copied from this pixel.
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
                const ptrdiff_t row = ((ptrdiff_t)c * kH + ki) * kW + kj;  // row (c, ki, kj) of col
                sum += col[((row * N + b) * H_out + oh) * W_out + ow];
            }
        }
        img = sum;
        """,
        "minigrad_col2im",
        preamble=GEOMETRY_PREAMBLE,
    )


def im2col(x: Array, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
           out_hw: Pair) -> Array:
    """CuPy path of ``kernels.im2col``: (N, C, H, W) -> (C, kH, kW, N, H_out, W_out)."""
    import cupy
    x = cupy.ascontiguousarray(x)
    n, c = x.shape[:2]
    col = cupy.empty((c, *kernel_size, n, *out_hw), dtype=x.dtype)
    _im2col_kernel()(x, n, c, *geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding,
                                             dilation), col)
    return col


def col2im(col: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair, stride: Pair,
           padding: Pair, dilation: Pair, out_hw: Pair) -> Array:
    """CuPy path of ``kernels.col2im``: (C, kH, kW, N, H_out, W_out) -> x_shape (N, C, H, W)."""
    import cupy
    col = cupy.ascontiguousarray(col)
    n, c = x_shape[:2]
    img = cupy.empty(x_shape, dtype=col.dtype)
    _col2im_kernel()(col, n, c, *geometry_args(x_shape[2:], out_hw, kernel_size, stride, padding,
                                               dilation), img)
    return img
