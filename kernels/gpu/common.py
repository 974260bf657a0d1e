"""CUDA snippets and argument plumbing shared by the GPU kernels.

The geometry is that of ``kernels/geometry.py``: output coordinate ``o`` reads, at tap ``k``,
the input coordinate ``o * stride - pad + k * dilation`` (unpadded coordinates, so it can fall
outside the image, i.e. in the padding).
"""

from .._arrays import Pair

# Scalar parameters describing one sliding-window geometry, in the order of `geometry_args`.
GEOMETRY_PARAMS = ("int32 H, int32 W, int32 H_out, int32 W_out, int32 kH, int32 kW, "
                   "int32 sH, int32 sW, int32 pH, int32 pW, int32 dH, int32 dW")

GEOMETRY_PREAMBLE = r"""
// Input coordinate that output coordinate `o` reads at tap `k` (may lie in the padding).
__device__ __forceinline__ int input_coord(int o, int k, int stride, int pad, int dilation) {
    return o * stride - pad + k * dilation;
}

// The question a gather asks: which output coordinate reads input coordinate `x` at tap `k`?
// Solving x = o * stride - pad + k * dilation for o gives o = (x + pad - k * dilation) / stride,
// an answer only when the division is exact and 0 <= o < out_size. Returns -1 otherwise.
__device__ __forceinline__ int output_coord(int x, int k, int stride, int pad, int dilation,
                                            int out_size) {
    const int t = x + pad - k * dilation;
    if (t < 0 || t % stride != 0) return -1;
    const int o = t / stride;
    return o < out_size ? o : -1;
}
"""


def geometry_args(input_hw: tuple[int, ...], out_hw: Pair, kernel_size: Pair, stride: Pair,
                  padding: Pair, dilation: Pair) -> tuple[int, ...]:
    """The values for ``GEOMETRY_PARAMS``, in its order."""
    return (*input_hw, *out_hw, *kernel_size, *stride, *padding, *dilation)
