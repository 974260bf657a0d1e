"""PyTorch's dtype names (``mg.float32``, ``mg.long``, ...) as NumPy dtypes.

minigrad's dtypes *are* NumPy's, so these are plain ``numpy.dtype`` objects: they go wherever
a ``dtype=`` does and compare equal to ``tensor.dtype`` (``x.dtype == mg.float32``). The
short names follow PyTorch: ``float`` is float32, ``double`` float64, ``half`` float16,
``int`` int32, ``long`` int64, ``short`` int16.

>>> import minigrad as mg
>>> mg.zeros(2, dtype=mg.long).dtype == mg.int64
True
"""
from __future__ import annotations

import numpy as np

from .backend import DEFAULT_FLOAT

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 (PyTorch's name)
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001

__all__ = ["bool", "double", "float", "float16", "float32", "float64", "get_default_dtype",
           "half", "int", "int16", "int32", "int64", "int8", "long", "short", "uint8"]


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (float32, as in PyTorch)."""
    return DEFAULT_FLOAT
