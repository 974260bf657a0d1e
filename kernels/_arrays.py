"""What every kernel needs to know about its arrays: their type, and which library owns them.

CuPy is optional. To find out whether an array lives on the GPU we look at the
module its type comes from, so NumPy inputs never trigger ``import cupy``.
"""

from typing import Any

# A numpy.ndarray or a cupy.ndarray. CuPy is not imported here (it may be absent),
# so the alias cannot name its type.
Array = Any

# Spatial parameters, always (height, width): kernel size, stride, padding, dilation.
Pair = tuple[int, int]


def is_cupy_array(x: Array) -> bool:
    """True when ``x`` is a ``cupy.ndarray`` (checked without importing CuPy)."""
    return type(x).__module__.startswith("cupy")
