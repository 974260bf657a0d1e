"""OpenBLAS's idle threads: let them sleep right after a matrix product instead of spinning.

After each GEMM, OpenBLAS keeps its worker threads busy-waiting for the next one, for
2**28 cycles (about 0.1 s) by default. In a training step the next work is usually not a
GEMM but a memory-bound pass — im2col, BatchNorm, pooling — which minigrad splits over
every core (``kernels/threads.py``): the spinning OpenBLAS thread then holds the core one
of those threads needs. Measured on ``small_cnn`` (``benchmarks/profile_step.py``, 2
cores): a 2×2 max pool right after a GEMM took 14.4 ms instead of 9.0 ms, and a whole
step 335 ms instead of 280 ms with the threads sleeping at once.

OpenBLAS reads ``OPENBLAS_THREAD_TIMEOUT`` (spin for 2**n cycles, n ≥ 4) once, when NumPy
loads it, so ``minigrad/__init__.py`` imports this module before anything else, and it
takes effect only if minigrad is imported before NumPy; a value the user set is kept. (NumPy imported first: set the variable in the shell, ``OPENBLAS_THREAD_TIMEOUT=4``.)
"""
from __future__ import annotations

import os
import sys

SPIN_EXPONENT = "4"     # OpenBLAS's minimum: its idle threads sleep after 2**4 cycles


def let_idle_threads_sleep() -> bool:
    """Set ``OPENBLAS_THREAD_TIMEOUT`` unless NumPy is loaded already or the user set it;
    returns whether OpenBLAS will see :data:`SPIN_EXPONENT`."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", SPIN_EXPONENT)
    return os.environ.get("OPENBLAS_THREAD_TIMEOUT") == SPIN_EXPONENT


let_idle_threads_sleep()
