"""What the GPU kernels share: the geometry in CUDA, the index unravelling, and the launch.

The geometry is that of ``kernels/geometry.py``: output coordinate ``o`` reads, at tap ``k``,
the input coordinate ``o * stride - pad + k * dilation`` (unpadded coordinates, so it can fall
outside the image, i.e. in the padding).

Every kernel is a :class:`Kernel` (a ``cupy.ElementwiseKernel`` built on first use) whose
arguments come in one order: the input arrays, the scalar parameters (``GEOMETRY_PARAMS`` among
them), then the outputs; one thread runs per output element, and :func:`unravel` turns its
index ``i`` into coordinates. :func:`launch` allocates the outputs and runs a kernel.
"""

import functools
from collections.abc import Sequence
from typing import Any

from .._arrays import Array
from ..geometry import Pair

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


def unravel(outer: str, *axes: tuple[str, str]) -> str:
    """CUDA statements that split the thread index ``i`` into coordinates of the output.

    ``axes`` are ``(name, size)`` pairs, outermost first, for every axis but the outermost;
    ``outer`` names the outermost coordinate, which takes the rest of the index (it is a
    ``ptrdiff_t``: it may count (n, c) planes). For example ``unravel("plane", ("oh", "H_out"),
    ("ow", "W_out"))`` gives::

        ptrdiff_t rest = i;
        const int ow = rest % (W_out); rest /= (W_out);
        const int oh = rest % (H_out); rest /= (H_out);
        const ptrdiff_t plane = rest;
    """
    lines = ["ptrdiff_t rest = i;"]
    lines += [f"const int {name} = rest % ({size}); rest /= ({size});"
              for name, size in reversed(axes)]
    lines.append(f"const ptrdiff_t {outer} = rest;")
    return "\n".join(lines) + "\n"


class Kernel:
    """A ``cupy.ElementwiseKernel`` described now and compiled on first use (so importing this
    module needs no CuPy); ``T`` is the element type, CuPy compiles one binary per dtype."""

    def __init__(self, name: str, in_params: str, out_params: str, body: str,
                 preamble: str = GEOMETRY_PREAMBLE) -> None:
        self.name = f"minigrad_{name}"
        self.in_params, self.out_params = in_params, out_params
        self.body, self.preamble = body, preamble

    @functools.cached_property
    def compiled(self) -> Any:
        import cupy
        return cupy.ElementwiseKernel(self.in_params, self.out_params, self.body, self.name,
                                      preamble=self.preamble)


def launch(kernel: Kernel, inputs: Sequence[Array], params: Sequence[int],
           out_shape: tuple[int, ...], out_dtypes: Sequence[Any] = ()) -> tuple[Array, ...]:
    """Run ``kernel`` with one thread per element of its new outputs, all of ``out_shape``.

    inputs: the raw arrays, made C-contiguous first since the kernels index them as flat
    NCHW buffers. params: the scalar arguments that follow them. out_dtypes: one per output;
    by default a single output with the dtype of the first input. Returns the outputs.
    """
    import cupy
    inputs = [cupy.ascontiguousarray(a) for a in inputs]
    outputs = tuple(cupy.empty(out_shape, dtype=dtype)
                    for dtype in (out_dtypes or (inputs[0].dtype,)))
    kernel.compiled(*inputs, *params, *outputs)
    return outputs
