"""What every kernel needs to know about its arrays: their type, which library owns them, and
the padding helpers that work with either library.

CuPy is optional. To find out whether an array lives on the GPU we look at the module its type
comes from, so NumPy inputs never trigger ``import cupy``. A test can stand another module in for
CuPy (:func:`set_device_stand_in`; ``tests/support/strict_device.py`` does, to run the GPU code
paths on the CPU with an array type that refuses implicit host transfers).
"""

from types import ModuleType

import numpy as np

# A raw array: a numpy.ndarray or a cupy.ndarray (same interface: shape, dtype, reshape, ...).
# CuPy is not imported here (it may be absent), so the alias names NumPy's type for both.
Array = np.ndarray

_device_stand_in: ModuleType | None = None  # a module playing CuPy, set by tests only


def set_device_stand_in(module: ModuleType | None) -> ModuleType | None:
    """Let ``module`` (which has an ``ndarray`` type and CuPy's functions) play CuPy, or restore
    CuPy with ``None``. Returns the previous stand-in. For tests: the shipped code never sets it."""
    global _device_stand_in
    previous, _device_stand_in = _device_stand_in, module
    return previous


def device_stand_in() -> ModuleType | None:
    """The module standing in for CuPy, or ``None`` (the normal case)."""
    return _device_stand_in


def is_cupy_array(x: object) -> bool:
    """True when ``x`` is a device array: a ``cupy.ndarray`` (checked without importing CuPy),
    or an array of the stand-in module."""
    if _device_stand_in is not None and isinstance(x, _device_stand_in.ndarray):
        return True
    return type(x).__module__.startswith("cupy")


def array_module(x: Array) -> ModuleType:
    """``numpy`` for a NumPy array; CuPy (or its stand-in) for a device array."""
    if not is_cupy_array(x):
        return np
    if _device_stand_in is not None:
        return _device_stand_in
    import cupy  # optional dependency: only reached with a CuPy array in hand
    return cupy


def pad_hw(x: Array, padding: tuple[int, int], fill: float) -> Array:
    """Pad the last two axes of ``x`` (..., H, W) -> (..., H + 2 pH, W + 2 pW) with ``fill``,
    on the device of ``x``.

    Returns ``x`` itself (not a copy) when there is no padding: treat the result as read-only.
    """
    p_h, p_w = padding
    if p_h == 0 and p_w == 0:
        return x
    *lead, h, w = x.shape
    padded = array_module(x).full((*lead, h + 2 * p_h, w + 2 * p_w), fill, dtype=x.dtype)
    padded[..., p_h:p_h + h, p_w:p_w + w] = x
    return padded


def padded_zeros(shape: tuple[int, ...], padding: tuple[int, int], like: Array) -> Array:
    """Zeros of ``shape`` (..., H, W) with a border: (..., H + 2 pH, W + 2 pW), with the dtype
    and device of ``like`` and, when ``like`` has as many axes, its memory order (e.g. the
    channel-major layout of a convolution's output); the buffer the backward passes
    accumulate into before :func:`crop_hw`."""
    *lead, h, w = shape
    return array_module(like).zeros_like(like, shape=(*lead, h + 2 * padding[0],
                                                      w + 2 * padding[1]))


def crop_hw(padded: Array, padding: tuple[int, int]) -> Array:
    """Inverse of :func:`pad_hw`: drop the border, (..., Hp, Wp) -> (..., H, W), a dense copy
    in the memory order of ``padded`` (``padded`` itself when there is no border)."""
    p_h, p_w = padding
    if p_h == 0 and p_w == 0:
        return padded
    h, w = padded.shape[-2] - 2 * p_h, padded.shape[-1] - 2 * p_w
    interior = padded[..., p_h:p_h + h, p_w:p_w + w]
    cropped = array_module(padded).empty_like(interior)   # keeps the memory order
    cropped[...] = interior
    return cropped
