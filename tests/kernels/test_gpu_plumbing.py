"""The GPU path without a GPU: the custom/generic switch, the launch arguments against each
kernel's CUDA signature, and 64-bit index arithmetic for tensors over 2**31 elements."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kernels
from kernels.gpu import avg_pool, common, depthwise, im2col, max_pool

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from strict_device import DEVICE, StrictArray, strict_device  # noqa: E402

KERNELS = [k for m in (im2col, max_pool, avg_pool, depthwise) for k in vars(m).values()
           if isinstance(k, common.Kernel)]


# ---- the switch: custom kernels or the generic array path ---------------------------------

def test_switch_decides_which_arrays_take_custom_kernels():
    with strict_device():
        x32 = DEVICE.asarray(np.zeros((1, 1, 2, 2), np.float32))
        assert not common.runs_custom_kernel(x32)  # strict_device() turns them off
        assert kernels.use_custom_gpu_kernels(True) is False
        assert common.runs_custom_kernel(x32)
        assert not common.runs_custom_kernel(x32.astype(np.float16))  # no CUDA build: generic
        assert not common.runs_custom_kernel(np.zeros((1, 1, 2, 2), np.float32))  # NumPy
        assert kernels.use_custom_gpu_kernels(False) is True
        assert not common.runs_custom_kernel(x32)


@pytest.mark.parametrize("value, expected", [("generic", "False"), ("custom", "True"),
                                             (" Generic ", "False"), (None, "True")])
def test_environment_variable_sets_the_default(value, expected):
    env = {k: v for k, v in os.environ.items() if k != common.KERNELS_ENV}
    if value is not None:
        env[common.KERNELS_ENV] = value
    out = subprocess.run([sys.executable, "-c", "import kernels.gpu.common as c; print(c._use_custom)"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == expected


def test_environment_variable_rejects_unknown_values():
    env = {**os.environ, common.KERNELS_ENV: "fast"}
    result = subprocess.run([sys.executable, "-c", "import kernels"], env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "MINIGRAD_GPU_KERNELS='fast'" in result.stderr


# ---- launch: the arguments match the CUDA signature ---------------------------------------

_C_PARAM = re.compile(r"(const )?(T|int|ptrdiff_t)(\*)? (?:__restrict__ )?(\w+)")


def signature(kernel, dtype):
    """[(kind, dtype or scalar type, name)] of the generated ``__global__`` function."""
    params = re.search(r"__global__ void \w+\((.*?)\)\s*\{", kernel.source(dtype), re.S).group(1)
    result = []
    for param in params.split(","):
        _, ctype, pointer, name = _C_PARAM.search(param.strip()).groups()
        element = {"T": np.dtype(dtype), "int": np.dtype(np.int32),
                   "ptrdiff_t": np.dtype(np.int64)}[ctype]
        result.append(("array" if pointer else "scalar", element, name))
    return result


@pytest.fixture
def recorded_launches(monkeypatch):
    """Custom kernels on, on the stand-in device, each launch recorded instead of run."""
    launches = []

    def compiled(kernel, dtype):
        def run(grid, block, args):
            launches.append((kernel, dtype, grid, block, args))
        return run

    with strict_device():
        kernels.use_custom_gpu_kernels(True)
        monkeypatch.setattr(common.Kernel, "compiled", compiled)
        yield launches


GEOMETRY = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))


def launch_every_kernel(dtype):
    """Call every kernels.* entry point on device arrays (custom kernels on)."""
    rng = np.random.default_rng(0)

    def device(*shape, kind=dtype):
        return DEVICE.asarray(rng.standard_normal(shape).astype(kind))

    x, k = device(2, 3, 7, 6), (3, 2)
    geometry = (k, GEOMETRY["stride"], GEOMETRY["padding"], GEOMETRY["dilation"])
    out_hw = kernels.output_hw((7, 6), *geometry)
    kernels.im2col(x, *geometry)
    kernels.col2im(device(3, *k, 2, *out_hw), x.shape, *geometry)
    kernels.max_pool2d_forward(x, *geometry)
    argmax = DEVICE.asarray(np.zeros((2, 3, *out_hw), np.int32))
    kernels.max_pool2d_backward(device(2, 3, *out_hw), argmax, x.shape, *geometry)
    kernels.max_pool2d_select(x, argmax, *geometry)
    pool_hw = kernels.output_hw((7, 6), k, (2, 1), (1, 1))
    kernels.avg_pool2d_forward(x, k, (2, 1), (1, 1), False)
    kernels.avg_pool2d_backward(device(2, 3, *pool_hw), x.shape, k, (2, 1), (1, 1), True)
    weight, gy = device(6, 1, *k), device(2, 6, *out_hw)
    kernels.depthwise_conv2d_forward(x, weight, *geometry[1:])
    kernels.depthwise_conv2d_backward_input(gy, weight, x.shape, *geometry[1:])
    kernels.depthwise_conv2d_backward_weight(gy, x, weight.shape, *geometry[1:])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_launch_arguments_match_each_kernel_signature(recorded_launches, dtype):
    launch_every_kernel(dtype)
    assert {launch[0].name for launch in recorded_launches} == {k.name for k in KERNELS}
    for kernel, built_for, grid, block, args in recorded_launches:
        params = signature(kernel, built_for)
        assert built_for == np.dtype(dtype) and len(args) == len(params), kernel.name
        for arg, (kind, element, name) in zip(args, params):
            if kind == "array":
                assert isinstance(arg, StrictArray) and arg.dtype == element, (kernel.name, name)
                assert arg.flags.c_contiguous, (kernel.name, name)
            else:
                assert type(arg) is element.type, (kernel.name, name, type(arg))
        outputs = [a for a, p in zip(args, params) if p[2].endswith("_data")]
        n = args[-1]
        assert all(int(np.prod(o.shape)) == n for o in outputs), kernel.name
        assert block == (common.THREADS_PER_BLOCK,) and grid[0] * block[0] >= n


# ---- 64-bit index arithmetic ----------------------------------------------------------------

class CInt:
    """A C integer of 32 or 64 bits: arithmetic promotes as C does and fails on overflow."""

    def __init__(self, value, bits):
        self.value, self.bits = int(value), bits
        if not -2 ** (bits - 1) <= self.value < 2 ** (bits - 1):
            raise OverflowError(f"{self.value} overflows a {bits}-bit int")

    def _op(self, other, fn):
        other = other if isinstance(other, CInt) else CInt(other, 32)
        return CInt(fn(self.value, other.value), max(self.bits, other.bits))

    def __add__(self, o): return self._op(o, lambda a, b: a + b)
    def __radd__(self, o): return self._op(o, lambda a, b: b + a)
    def __sub__(self, o): return self._op(o, lambda a, b: a - b)
    def __rsub__(self, o): return self._op(o, lambda a, b: b - a)
    def __mul__(self, o): return self._op(o, lambda a, b: a * b)
    def __rmul__(self, o): return self._op(o, lambda a, b: b * a)
    def __floordiv__(self, o): return self._op(o, lambda a, b: int(a / b))  # C truncates
    def __mod__(self, o): return self._op(o, lambda a, b: a - b * int(a / b))
    def __neg__(self): return CInt(-self.value, self.bits)


def worst_case_offsets(kernel, sizes, n):
    """Every array subscript of ``kernel``'s body, evaluated as C would for thread ``n - 1``
    with every loop at its last iteration (and 0 for an int read from an array). Returns
    {subscript: offset}; an int32 overflow on the way raises ``OverflowError``."""
    env = {name: CInt(sizes.get(name, 1), 32) for raw, _, name in kernel.in_params if not raw}
    env.update(i=CInt(n - 1, 64), _i64=lambda v: CInt(v.value, 64),
               input_coord=lambda o, k, s, p, d: o * s - p + k * d,
               output_coord=lambda x, k, s, p, d, out: out - 1,
               avg_divisor=lambda *args: CInt(1, 32))

    def evaluate(expression):
        python = re.sub(r"\(ptrdiff_t\)\s*(\w+)", r"_i64(\1)", expression).replace("/", "//")
        value = eval(python, {}, env)  # noqa: S307 (our own kernel sources)
        return value if isinstance(value, CInt) else CInt(value, 32)

    code = re.sub(r"//.*", "", kernel.body)
    for statement in re.split(r"[;{}]", code):
        statement = statement.strip()
        loop = re.match(r"for \(int (\w+) = 0", statement)
        declaration = re.match(r"(?:const )?(int|ptrdiff_t) (\w+) = ([^?]+)$", statement)
        update = re.match(r"(\w+) /= (.+)$", statement)
        if loop:
            bound = re.search(rf"{loop.group(1)} < (\w+)", code).group(1)
            env[loop.group(1)] = env[bound] - 1
        elif declaration:
            value = CInt(0, 32) if "[" in declaration.group(3) else evaluate(declaration.group(3))
            env[declaration.group(2)] = CInt(value.value, 64 if declaration.group(1) == "ptrdiff_t" else 32)
        elif update:
            env[update.group(1)] = env[update.group(1)] // evaluate(update.group(2))
    subscripts = re.findall(r"\b(\w+)\[([^\[\]]+)\]", code)
    return {f"{array}[{index}]": evaluate(index).value for array, index in subscripts}


# A batch of 128 images of 512 channels at 256 x 256: N*C*H*W = 2**32 elements.
LARGE = dict(N=128, C=512, H=256, W=256, H_out=256, W_out=256, kH=3, kW=3, sH=1, sW=1, pH=1,
             pW=1, dH=1, dW=1, m=2, include_pad=1)
PIXELS = LARGE["N"] * LARGE["C"] * LARGE["H"] * LARGE["W"]
THREADS = {"im2col": PIXELS * 9, "col2im": PIXELS, "max_pool2d_forward": PIXELS,
           "max_pool2d_backward": PIXELS, "max_pool2d_select": PIXELS,
           "avg_pool2d_forward": PIXELS, "avg_pool2d_backward": PIXELS,
           "depthwise_conv2d_forward": 2 * PIXELS, "depthwise_conv2d_backward_input": PIXELS,
           "depthwise_conv2d_backward_weight": LARGE["N"] * LARGE["C"] * 2 * 9}


@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_offsets_of_a_large_tensor_are_64_bit(kernel):
    assert PIXELS >= 2**31
    offsets = worst_case_offsets(kernel, LARGE, THREADS[kernel.name.removeprefix("minigrad_")])
    assert max(offsets.values()) >= 2**31, offsets  # the overflow case is really reached
    source = kernel.source(np.float32)
    assert "for (ptrdiff_t i = (ptrdiff_t)blockIdx.x * blockDim.x" in source
    assert "const ptrdiff_t n" in source


def test_int32_offset_is_caught():
    """The check fails on the bug it guards against: max-pool's (n, c) plane index in int."""
    body = max_pool._FORWARD.body
    assert "const ptrdiff_t plane = rest;" in body
    planted = common.Kernel("planted", "raw T x, " + common.GEOMETRY_PARAMS, "T y",
                            body.replace("const ptrdiff_t plane", "const int plane"))
    with pytest.raises(OverflowError):
        worst_case_offsets(planted, LARGE, THREADS["max_pool2d_forward"])
