"""Scratch buffers that outlive one call: the column matrices of the GEMM convolution.

A convolution step makes a column buffer of tens or hundreds of megabytes, uses it for one
matrix product and drops it. Fresh, such a buffer costs more than its contents: the C
library hands large blocks straight from the kernel, and every one of its pages faults on
first touch (measured: filling a fresh 55 MB buffer took 44 ms, refilling a reused one 26 ms).
So the convolution asks :func:`scratch` instead, which keeps one buffer per name and thread
and returns a view of it, grown when a larger one is needed — as PyTorch's allocator
caches blocks.

Rule for callers: a scratch view is valid until the next ``scratch`` call with the same
name on the same thread; never return it or save it for backward.

On a GPU, CuPy's memory pool already reuses blocks; scratch buffers are CPU-only.
"""
from __future__ import annotations

import threading

import numpy as np

_local = threading.local()   # per thread: {name: flat uint8 buffer}


def scratch(name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` backed by the buffer
    called ``name`` on this thread (grown if too small)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    buffers = _local.__dict__.setdefault("buffers", {})
    buffer = buffers.get(name)
    if buffer is None or buffer.nbytes < nbytes:
        buffers[name] = buffer = np.empty(nbytes, dtype=np.uint8)
    return buffer[:nbytes].view(dtype).reshape(shape)


def release() -> None:
    """Free this thread's scratch buffers (they are made again when next needed)."""
    _local.__dict__.pop("buffers", None)
