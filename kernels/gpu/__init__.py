"""CuPy implementations of the kernels, one module per op family.

Every kernel here is a ``cupy.ElementwiseKernel``: one GPU thread per *output* element, which
reads whatever inputs it needs through ``raw`` (manually indexed) arguments. Passes that would
naturally scatter (col2im, the backward passes) are written as *gathers* instead: one thread per
input pixel sums every output that reads it, so there are no atomics and results are
deterministic.

These modules can be imported without CuPy: ``cupy`` is imported inside the functions, and each
kernel is built on first use and cached (``functools.cache``). ElementwiseKernels are generic in
the element type ``T``; CuPy compiles and caches one binary per dtype.
"""
