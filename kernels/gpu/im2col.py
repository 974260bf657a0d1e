"""CuPy im2col (one thread per column entry) and col2im (one thread per image pixel)."""

from .._arrays import Array
from ..geometry import Pair
from .common import GEOMETRY_PARAMS, Kernel, geometry_args, launch, unravel

_IM2COL = Kernel(
    "im2col", f"raw T img, int32 N, int32 C, {GEOMETRY_PARAMS}", "T col",
    "// col has shape (C, kH, kW, N, H_out, W_out).\n"
    + unravel("c", ("ki", "kH"), ("kj", "kW"), ("b", "N"), ("oh", "H_out"), ("ow", "W_out"))
    + r"""
    const int h = input_coord(oh, ki, sH, pH, dH);
    const int w = input_coord(ow, kj, sW, pW, dW);
    const bool inside = 0 <= h && h < H && 0 <= w && w < W;
    col = inside ? img[(((ptrdiff_t)b * C + c) * H + h) * W + w] : (T)0;
    """)

_COL2IM = Kernel(
    "col2im", f"raw T col, int32 N, int32 C, {GEOMETRY_PARAMS}", "T img",
    "// img has shape (N, C, H, W). Sum every column entry that im2col copied from this pixel.\n"
    + unravel("b", ("c", "C"), ("h", "H"), ("w", "W"))
    + r"""
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
    """)


def im2col(x: Array, kernel_size: Pair, stride: Pair, padding: Pair, dilation: Pair,
           out_hw: Pair) -> Array:
    """CuPy path of ``kernels.im2col``: (N, C, H, W) -> (C, kH, kW, N, H_out, W_out)."""
    n, c = x.shape[:2]
    geometry = geometry_args(x.shape[2:], out_hw, kernel_size, stride, padding, dilation)
    return launch(_IM2COL, [x], (n, c, *geometry), (c, *kernel_size, n, *out_hw))[0]


def col2im(col: Array, x_shape: tuple[int, int, int, int], kernel_size: Pair, stride: Pair,
           padding: Pair, dilation: Pair, out_hw: Pair) -> Array:
    """CuPy path of ``kernels.col2im``: (C, kH, kW, N, H_out, W_out) -> x_shape (N, C, H, W)."""
    n, c = x_shape[:2]
    geometry = geometry_args(x_shape[2:], out_hw, kernel_size, stride, padding, dilation)
    return launch(_COL2IM, [col], (n, c, *geometry), x_shape)[0]
