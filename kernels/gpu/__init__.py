"""CUDA implementations of the kernels, one module per op family.

Every kernel here is a :class:`common.Kernel`: one GPU thread per *output* element, which reads
whatever inputs it needs through ``raw`` (manually indexed) arguments. Passes that would
naturally scatter (col2im, the backward passes) are written as *gathers* instead: one thread per
input pixel sums every output that reads it, so there are no atomics and results are
deterministic.

These modules can be imported without CuPy: a kernel's complete CUDA source is generated here
(``Kernel.source``), built into a ``cupy.RawKernel`` on first use, and cached, one build per
element type ``T`` (float32 or float64). ``tests/kernels/test_nvrtc_compile.py`` compiles every
one with NVRTC, which needs no GPU. ``kernels.use_custom_gpu_kernels(False)`` (or
``MINIGRAD_GPU_KERNELS=generic``) sends device arrays to the generic path instead: the NumPy code
of ``kernels/*.py`` run with CuPy as its array module. See docs/gpu.md.
"""
