"""What the GPU kernels share: the geometry in CUDA, the index unravelling, and the launch.

The geometry is that of ``kernels/geometry.py``: output coordinate ``o`` reads, at tap ``k``,
the input coordinate ``o * stride - pad + k * dilation`` (unpadded coordinates, so it can fall
outside the image, i.e. in the padding).

Every kernel is a :class:`Kernel` (its complete CUDA source generated here, built into a
``cupy.RawKernel`` on first use) whose arguments come in one order: the input arrays, the scalar
parameters (``GEOMETRY_PARAMS`` among them), then the outputs; one thread runs per output
element, and :func:`unravel` turns its index ``i`` into coordinates. :func:`launch` allocates
the outputs and runs a kernel. :func:`use_custom_gpu_kernels` switches device arrays between
these kernels and the generic path (the CPU code with CuPy as its array module).
"""

import functools
import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._arrays import Array, array_module, is_cupy_array
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


# The element types the custom kernels are built for; other dtypes take the generic path.
C_TYPES = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}
# NVRTC options of every build, at run time (CuPy adds the GPU's architecture) and in the
# compile test (tests/kernels/test_nvrtc_compile.py adds one).
COMPILE_OPTIONS = ("--std=c++14",)
THREADS_PER_BLOCK = 256
_INT32_MAX = 2**31 - 1


def _parse_params(params: str) -> list[tuple[bool, str, str]]:
    """``"raw T x, int32 H"`` -> ``[(True, "T", "x"), (False, "int32", "H")]``."""
    parsed = []
    for param in params.split(","):
        *raw, type_name, name = param.split()
        parsed.append((bool(raw), type_name, name))
    return parsed


_C_TYPE_OF_PARAM = {"T": "T", "int32": "int"}


class Kernel:
    """One GPU kernel: a body run by one thread per output element, built on first use into a
    ``cupy.RawKernel`` (so importing this module needs no CuPy), one build per element type.

    The parameters are written as for a ``cupy.ElementwiseKernel``: ``in_params`` lists the
    input arrays (``raw T x``: indexed by hand, flat C-contiguous) and the scalars
    (``int32 H``); ``out_params`` the outputs (``T y, int32 argmax``), which the body assigns
    as the element ``i`` of each (``y = ...``). :meth:`source` is the complete CUDA source, the
    same text at run time and in the NVRTC compile test.
    """

    def __init__(self, name: str, in_params: str, out_params: str, body: str,
                 preamble: str = GEOMETRY_PREAMBLE) -> None:
        self.name = f"minigrad_{name}"
        self.in_params, self.out_params = _parse_params(in_params), _parse_params(out_params)
        self.body, self.preamble = body, preamble

    def source(self, dtype: np.dtype) -> str:
        """The CUDA source of this kernel for element type ``dtype`` (float32 or float64):
        ``n`` threads in a grid-stride loop, thread ``i`` computing element ``i`` of the
        outputs; every index is 64-bit (``ptrdiff_t``) where it can exceed 2**31."""
        params = [f"const {_C_TYPE_OF_PARAM[t]}* __restrict__ {name}" if raw
                  else f"const {_C_TYPE_OF_PARAM[t]} {name}" for raw, t, name in self.in_params]
        params += [f"{_C_TYPE_OF_PARAM[t]}* __restrict__ {name}_data"
                   for _, t, name in self.out_params]
        bindings = "".join(f"    {_C_TYPE_OF_PARAM[t]}& {name} = {name}_data[i];\n"
                           for _, t, name in self.out_params)
        return (f"typedef {C_TYPES[np.dtype(dtype)]} T;\n{self.preamble}\n"
                f'extern "C" __global__ void {self.name}(\n    '
                + ",\n    ".join([*params, "const ptrdiff_t n"]) + ") {\n"
                "  for (ptrdiff_t i = (ptrdiff_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;\n"
                "       i += (ptrdiff_t)blockDim.x * gridDim.x) {\n"
                + bindings + self.body + "\n  }\n}\n")

    @functools.cache
    def compiled(self, dtype: np.dtype) -> Any:
        """The ``cupy.RawKernel`` for ``dtype``, compiled by CuPy (NVRTC) on first use."""
        import cupy  # optional dependency: only reached with CuPy arrays in hand
        return cupy.RawKernel(self.source(dtype), self.name, options=COMPILE_OPTIONS)

    def arguments(self, inputs: Sequence[Array], params: Sequence[int],
                  outputs: Sequence[Array]) -> tuple[Any, ...]:
        """The launch arguments in the order of :meth:`source`, each of its C type: arrays
        as they are (their dtypes asserted), scalars as ``numpy.int32``, ``n`` as int64."""
        arrays = [p for p in self.in_params if p[0]]
        scalars = [p for p in self.in_params if not p[0]]
        assert len(inputs) == len(arrays) and len(params) == len(scalars), (
            f"{self.name} takes {len(arrays)} arrays and {len(scalars)} scalars, "
            f"got {len(inputs)} and {len(params)}")
        element_type = np.dtype(inputs[0].dtype)
        for array, (_, type_name, name) in zip([*inputs, *outputs],
                                               [*arrays, *self.out_params]):
            expected = element_type if type_name == "T" else np.dtype(np.int32)
            assert array.dtype == expected, f"{self.name}: {name} is {array.dtype}, not {expected}"
        assert all(abs(int(v)) <= _INT32_MAX for v in params), f"{self.name}: {params}"
        size = int(np.prod(outputs[0].shape))
        return (*inputs, *(np.int32(v) for v in params), *outputs, np.int64(size))


def launch(kernel: Kernel, inputs: Sequence[Array], params: Sequence[int],
           out_shape: tuple[int, ...], out_dtypes: Sequence[Any] = ()) -> tuple[Array, ...]:
    """Run ``kernel`` with one thread per element of its new outputs, all of ``out_shape``.

    inputs: the raw arrays, made C-contiguous first since the kernels index them as flat
    NCHW buffers. params: the scalar arguments that follow them. out_dtypes: one per output;
    by default a single output with the dtype of the first input. Returns the outputs.
    """
    xp = array_module(inputs[0])
    inputs = [xp.ascontiguousarray(a) for a in inputs]
    outputs = tuple(xp.empty(out_shape, dtype=dtype)
                    for dtype in (out_dtypes or (inputs[0].dtype,)))
    size = int(np.prod(out_shape))
    if size > 0:
        blocks = min(-(-size // THREADS_PER_BLOCK), _INT32_MAX)
        kernel.compiled(np.dtype(inputs[0].dtype))(
            (blocks,), (THREADS_PER_BLOCK,), kernel.arguments(inputs, params, outputs))
    return outputs


# ---- which path device arrays take: the custom kernels above, or the generic array code ----

KERNELS_ENV = "MINIGRAD_GPU_KERNELS"
_KERNEL_CHOICES = ("custom", "generic")


def _kernels_from_environment() -> bool:
    """``MINIGRAD_GPU_KERNELS``: ``custom`` (the default) or ``generic``."""
    choice = os.environ.get(KERNELS_ENV, "custom").strip().lower()
    if choice not in _KERNEL_CHOICES:
        raise ValueError(f"{KERNELS_ENV}={choice!r}: expected one of {_KERNEL_CHOICES}")
    return choice == "custom"


_use_custom = _kernels_from_environment()


def use_custom_gpu_kernels(enabled: bool) -> bool:
    """Choose the path of device arrays: the CUDA kernels of ``kernels/gpu/`` (``True``, the
    default) or the generic path, the CPU code run with CuPy as its array module (``False``;
    slower, but no custom CUDA: the reference to check the kernels against, and the way
    around one that misbehaves). The environment variable ``MINIGRAD_GPU_KERNELS=generic``
    sets ``False`` at import. Returns the previous setting."""
    global _use_custom
    previous, _use_custom = _use_custom, bool(enabled)
    return previous


def runs_custom_kernel(x: Array) -> bool:
    """True when ``x`` goes to a custom kernel: a device array of float32/float64 while the
    custom kernels are on. (NumPy arrays, and other dtypes, take the generic path.)"""
    return _use_custom and is_cupy_array(x) and np.dtype(x.dtype) in C_TYPES
