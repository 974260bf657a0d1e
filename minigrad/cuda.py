"""``mg.cuda``: the questions PyTorch code asks ``torch.cuda`` before choosing a device.

>>> import minigrad as mg
>>> device = "cuda" if mg.cuda.is_available() else "cpu"
"""
from __future__ import annotations

from . import backend

__all__ = ["device_count", "is_available"]


def is_available() -> bool:
    """True when CuPy imports and at least one CUDA GPU is visible
    (the same as ``mg.cuda_is_available()``)."""
    return backend.cuda_is_available()


def device_count() -> int:
    """How many CUDA GPUs minigrad can use (0 without CuPy or a GPU)."""
    return backend.device_count()
