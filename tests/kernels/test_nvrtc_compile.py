"""Every CUDA kernel of kernels/gpu/, compiled by NVRTC for each element type: no GPU needed.

``Kernel.source(dtype)`` is the complete source that CuPy builds on a GPU (``cupy.RawKernel``
with the same options), so a kernel that compiles here compiles there. Runs when CuPy's NVRTC
binding and the NVRTC library load (``pip install cupy-cuda12x nvidia-cuda-nvrtc-cu12``; the
``test`` extra brings them on Linux x86_64).
"""
import numpy as np
import pytest

from kernels.gpu import avg_pool, common, depthwise, im2col, max_pool

nvrtc = pytest.importorskip("cupy_backends.cuda.libs.nvrtc")
try:
    nvrtc.getVersion()
except Exception as e:  # the binding imports, but libnvrtc is missing
    pytest.skip(f"NVRTC library not loadable: {e}", allow_module_level=True)

# A current architecture: Hopper (sm_90), as virtual (PTX) and real (SASS) targets.
ARCHITECTURES = ("compute_90", "sm_90")
MODULES = (im2col, max_pool, avg_pool, depthwise)
KERNELS = [k for module in MODULES for k in vars(module).values() if isinstance(k, common.Kernel)]
DTYPES = [np.dtype(t) for t in common.C_TYPES]


def compile_cuda(source: str, name: str, arch: str) -> str:
    """Compile with NVRTC; returns the log, raises ``AssertionError`` with it on failure."""
    program = nvrtc.createProgram(source, f"{name}.cu", (), ())
    try:
        try:
            nvrtc.compileProgram(program, (f"--gpu-architecture={arch}", *common.COMPILE_OPTIONS))
        except nvrtc.NVRTCError:
            raise AssertionError(f"{name} does not compile:\n{nvrtc.getProgramLog(program)}\n"
                                 f"--- source ---\n{source}") from None
        return nvrtc.getProgramLog(program)
    finally:
        nvrtc.destroyProgram(program)


def test_every_kernel_module_is_covered():
    names = {k.name for k in KERNELS}
    assert len(KERNELS) == len(names) == 10, sorted(names)


@pytest.mark.parametrize("arch", ARCHITECTURES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("kernel", KERNELS, ids=lambda k: k.name)
def test_kernel_compiles(kernel, dtype, arch):
    log = compile_cuda(kernel.source(dtype), kernel.name, arch)
    assert "warning" not in log.lower(), log


@pytest.mark.parametrize("planted", [
    ("y = best;", "y = bset;"),                        # an undefined name
    ("T best = minus_inf;", "T best = minus_inf"),     # a missing semicolon
    ("const T minus_inf = (T)(-1.0 / 0.0);", "const T minus_inf = -INFINITY;"),  # no such macro
], ids=["undefined-name", "syntax", "INFINITY"])
def test_planted_error_fails_to_compile(planted):
    old, new = planted
    source = max_pool._FORWARD.source(np.float32)
    assert old in source
    with pytest.raises(AssertionError, match="does not compile"):
        compile_cuda(source.replace(old, new), "planted", ARCHITECTURES[0])
