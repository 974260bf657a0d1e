"""Devices and array modules: NumPy on the CPU, CuPy on the GPU.

A minigrad tensor lives on exactly one device, decided by the type of its raw
array: a ``numpy.ndarray`` is on ``"cpu"``, a ``cupy.ndarray`` on ``"cuda:N"``.
CuPy is imported lazily and is optional: without it (or without a GPU) every
CPU feature works and :func:`cuda_is_available` is ``False`` (an installed CuPy with no
visible GPU counts as no CUDA). Tests may stand a CPU module in for CuPy
(``kernels._arrays.set_device_stand_in``; see tests/support/strict_device.py): it then plays
the GPU everywhere below.
"""
from __future__ import annotations

import functools
from types import ModuleType

import numpy as np

from kernels._arrays import Array  # numpy.ndarray or cupy.ndarray
from kernels._arrays import device_stand_in, is_cupy_array

# Python floats become this dtype, as in PyTorch (torch.get_default_dtype()).
DEFAULT_FLOAT = np.dtype(np.float32)


def _import_cupy() -> ModuleType | None:
    """CuPy (or the module standing in for it); ``None`` when it is missing or has no GPU."""
    return device_stand_in() or _import_real_cupy()


@functools.lru_cache(maxsize=None)
def _import_real_cupy() -> ModuleType | None:
    """Import CuPy once; ``None`` when it is missing or has no usable GPU."""
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        return cupy
    except Exception:  # ImportError, or a CUDA driver/runtime error
        return None


def cuda_is_available() -> bool:
    """True when CuPy imports and at least one CUDA GPU is visible."""
    return _import_cupy() is not None


def device_count() -> int:
    """How many CUDA GPUs are visible (0 without CuPy or a GPU)."""
    cp = _import_cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def cupy() -> ModuleType:
    """The CuPy module, or a clear error saying why the GPU cannot be used."""
    cp = _import_cupy()
    if cp is None:
        raise RuntimeError(
            "device 'cuda' requested but CUDA is not available: minigrad needs CuPy "
            "(pip install 'minigrad[cuda]' or a cupy-cudaXXx wheel) and an NVIDIA GPU")
    return cp


def get_array_module(*arrays: object) -> ModuleType:
    """``numpy`` or ``cupy``: the module that owns the given arrays (or Tensors, by their
    ``.data``)."""
    for a in arrays:
        if is_cupy_array(a) or is_cupy_array(getattr(a, "data", None)):
            return cupy()
    return np


def normalize_device(device: object) -> str:
    """Canonical device string: ``"cpu"`` or ``"cuda:N"``.

    Accepts ``"cpu"``, ``"cuda"`` (GPU 0), ``"cuda:N"``, and ``None`` (cpu).
    """
    if device is None:
        return "cpu"
    text = str(device).strip().lower()
    if text == "cpu":
        return "cpu"
    if text == "cuda":
        return "cuda:0"
    if text.startswith("cuda:") and text[5:].isdigit():
        return text
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")


def device_of(array: Array) -> str:
    """The canonical device string of a raw array."""
    if is_cupy_array(array):
        return f"cuda:{array.device.id}"
    return "cpu"


def to_device(array: Array, device: str) -> Array:
    """Return ``array`` on ``device`` (a canonical string), copying only if needed."""
    if device == "cpu":
        return array.get() if is_cupy_array(array) else array
    cp = cupy()
    index = int(device.split(":")[1])
    if index >= cp.cuda.runtime.getDeviceCount():
        raise RuntimeError(f"device {device!r} requested but only "
                           f"{cp.cuda.runtime.getDeviceCount()} CUDA device(s) are visible")
    with cp.cuda.Device(index):
        return cp.asarray(array)


def full(shape: tuple[int, ...], fill_value: bool | int | float, dtype: np.dtype,
         device: str) -> Array:
    """An array of ``shape`` filled with ``fill_value``, made on ``device`` (a canonical
    string) itself: no host array is copied over, so a constant costs no transfer."""
    if device == "cpu":
        return np.full(shape, fill_value, dtype=dtype)
    cp = cupy()
    with cp.cuda.Device(int(device.split(":")[1])):
        return cp.full(shape, fill_value, dtype=dtype)


def to_numpy(array: Array) -> np.ndarray:
    """A host NumPy copy/view of a raw NumPy or CuPy array."""
    return array.get() if is_cupy_array(array) else np.asarray(array)
