"""Tensor factories: ``tensor``, ``zeros``, ``ones``, ``randn``, ... (PyTorch names)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import backend, random
from .autograd import DTypeLike
from .backend import DEFAULT_FLOAT
from .tensor import Tensor


def _finish(array: np.ndarray, device: str, requires_grad: bool) -> Tensor:
    """Move a host array to ``device`` and wrap it."""
    device = backend.normalize_device(device)
    if device != "cpu":
        array = backend.to_device(array, device)
    t = Tensor._make(array)
    return t.requires_grad_(True) if requires_grad else t


def _shape(shape: tuple[int | Sequence[int], ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _float_dtype(dtype: DTypeLike) -> np.dtype:
    return DEFAULT_FLOAT if dtype is None else np.dtype(dtype)


def tensor(data: object, dtype: DTypeLike = None, device: str = "cpu",
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (lists, numbers, arrays, Tensors).

    Python floats become float32 and Python ints int64, as in PyTorch.
    """
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_cupy_array(data):
        data = data.copy()
    else:
        data = np.array(data, copy=True) if isinstance(data, np.ndarray) else data
    return Tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap a NumPy array without copying (shares memory, like ``torch.from_numpy``)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._make(array)


def zeros(*shape: int | Sequence[int], dtype: DTypeLike = None, device: str = "cpu",
          requires_grad: bool = False) -> Tensor:
    """Tensor of zeros of ``shape``."""
    return _finish(np.zeros(_shape(shape), dtype=_float_dtype(dtype)), device, requires_grad)


def ones(*shape: int | Sequence[int], dtype: DTypeLike = None, device: str = "cpu",
         requires_grad: bool = False) -> Tensor:
    """Tensor of ones of ``shape``."""
    return _finish(np.ones(_shape(shape), dtype=_float_dtype(dtype)), device, requires_grad)


def full(shape: int | Sequence[int], fill_value: float, dtype: DTypeLike = None, device: str = "cpu",
         requires_grad: bool = False) -> Tensor:
    """Tensor of ``shape`` filled with ``fill_value``."""
    if dtype is None:
        dtype = np.int64 if isinstance(fill_value, int) and not isinstance(fill_value, bool) \
            else DEFAULT_FLOAT
    return _finish(np.full(_shape((shape,)), fill_value, dtype=dtype), device, requires_grad)


def empty(*shape: int | Sequence[int], dtype: DTypeLike = None, device: str = "cpu",
          requires_grad: bool = False) -> Tensor:
    """Uninitialised tensor of ``shape``."""
    return _finish(np.empty(_shape(shape), dtype=_float_dtype(dtype)), device, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: DTypeLike = None,
           device: str = "cpu", requires_grad: bool = False) -> Tensor:
    """Evenly spaced values in [start, end); int64 for integer arguments."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, int) for v in (start, end, step))
        dtype = np.int64 if ints else DEFAULT_FLOAT
    return _finish(np.arange(start, end, step, dtype=dtype), device, requires_grad)


def rand(*shape: int | Sequence[int], dtype: DTypeLike = None, device: str = "cpu",
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) from the global generator (``manual_seed``)."""
    array = random.generator().random(_shape(shape)).astype(_float_dtype(dtype))
    return _finish(array, device, requires_grad)


def randn(*shape: int | Sequence[int], dtype: DTypeLike = None, device: str = "cpu",
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the global generator (``manual_seed``)."""
    array = random.generator().standard_normal(_shape(shape)).astype(_float_dtype(dtype))
    return _finish(array, device, requires_grad)


def zeros_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape, dtype and device of ``t``."""
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Ones with the shape, dtype and device of ``t``."""
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: DTypeLike = None,
              requires_grad: bool = False) -> Tensor:
    """``fill_value`` everywhere, with the shape, dtype and device of ``t``."""
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=t.device,
                requires_grad=requires_grad)


def rand_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) with the shape, dtype and device of ``t``."""
    return rand(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def randn_like(t: Tensor, dtype: DTypeLike = None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape, dtype and device of ``t``."""
    return randn(t.shape, dtype=dtype or t.dtype, device=t.device, requires_grad=requires_grad)


def linspace(start: float, end: float, steps: int, dtype: DTypeLike = None, device: str = "cpu",
             requires_grad: bool = False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float32 by
    default, as ``torch.linspace``)."""
    if int(steps) < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    array = np.linspace(start, end, int(steps)).astype(_float_dtype(dtype))
    return _finish(array, device, requires_grad)


def eye(n: int, m: int | None = None, dtype: DTypeLike = None, device: str = "cpu",
        requires_grad: bool = False) -> Tensor:
    """The ``n × m`` identity matrix (``m = n`` by default)."""
    return _finish(np.eye(n, m, dtype=_float_dtype(dtype)), device, requires_grad)


def randint(*args: int | Sequence[int], size: Sequence[int] | None = None,
            dtype: DTypeLike = None, device: str = "cpu") -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(high, size)`` or
    ``randint(low, high, size)`` as in PyTorch (``size`` a tuple, positional or keyword);
    int64 by default.

    >>> import minigrad as mg
    >>> mg.randint(3, 7, (2, 5)).shape
    (2, 5)
    """
    if size is None and args and isinstance(args[-1], (tuple, list)):
        *args, size = args
    if size is None or len(args) not in (1, 2):
        raise TypeError("randint(high, size) or randint(low, high, size): give the bounds "
                        "as ints and size as a tuple")
    low, high = (0, args[0]) if len(args) == 1 else args
    if int(high) <= int(low):
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    array = random.generator().integers(int(low), int(high), _shape((size,)))
    return _finish(array.astype(np.int64 if dtype is None else dtype), device, False)


def randperm(n: int, dtype: DTypeLike = None, device: str = "cpu") -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64 by default)."""
    array = random.generator().permutation(int(n))
    return _finish(array.astype(np.int64 if dtype is None else dtype), device, False)
