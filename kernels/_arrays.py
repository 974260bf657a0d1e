"""What every kernel needs to know about its arrays: their type, and which library owns them.

CuPy is optional. To find out whether an array lives on the GPU we look at the
module its type comes from, so NumPy inputs never trigger ``import cupy``.
"""

import numpy as np

# A raw array: a numpy.ndarray or a cupy.ndarray (same interface: shape, dtype, reshape, ...).
# CuPy is not imported here (it may be absent), so the alias names NumPy's type for both.
Array = np.ndarray


def is_cupy_array(x: Array) -> bool:
    """True when ``x`` is a ``cupy.ndarray`` (checked without importing CuPy)."""
    return type(x).__module__.startswith("cupy")
