"""``mg.accelerator``: PyTorch's device-agnostic ``torch.accelerator`` questions.

minigrad's only accelerator is CUDA (through CuPy), so these answer for it::

    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() \\
        else mg.device("cpu")
"""
from __future__ import annotations

from . import backend
from .devices import device

__all__ = ["current_accelerator", "device_count", "is_available"]


def is_available() -> bool:
    """True when a CUDA GPU is usable."""
    return backend.cuda_is_available()


def current_accelerator() -> device | None:
    """``device("cuda:0")`` when a GPU is usable, else None (as PyTorch)."""
    return device("cuda") if is_available() else None


def device_count() -> int:
    """How many GPUs minigrad can use."""
    return backend.device_count()
