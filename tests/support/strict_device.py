"""A strict stand-in for CuPy on the CPU: run minigrad's GPU code paths here and catch the bugs
that usually show up only on a GPU.

:class:`StrictArray` plays ``cupy.ndarray``. It keeps its values in a private NumPy array and
behaves like CuPy where CuPy is strict, a little stricter where that catches more:

* implicit conversion to NumPy raises, as in CuPy (``np.asarray(a)``, ``np.array(a)``, an
  assignment into a NumPy array): ``__array__`` raises ``TypeError``;
* a NumPy function or ufunc called on it raises ``TypeError`` (CuPy dispatches some of these to
  itself; code that means to run on a GPU should call ``xp.f``, not ``np.f``);
* mixing it with a NumPy array in arithmetic or indexing raises, as in CuPy;
* every host<->device transfer is counted in :data:`TRANSFERS` (``StrictDevice.asarray`` of host
  data, ``.get()``, ``asnumpy``; 0-d host values sent to the device are counted apart) and so is every Python scalar pulled off the device
  (``float(a)``, ``int(a)``, ``bool(a)``, ``a.item()``, ``a.tolist()``): each is a copy plus a
  wait for the GPU, so a loop that does one per step stalls a real GPU.

:class:`StrictDevice` plays the ``cupy`` module: every NumPy function, applied to the arrays
inside and wrapping NumPy results back into ``StrictArray`` (CuPy returns 0-d arrays where NumPy
returns scalars, and so does this), plus ``asarray``/``asnumpy``/``cuda``. Use
:func:`strict_device` (a context manager) to make minigrad treat it as CuPy and ``"cuda"`` as
available; the custom CUDA kernels are switched off inside it (they need a real GPU), so the
kernels take their generic path with this module as ``xp``.
"""
from __future__ import annotations

import contextlib
import operator
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import kernels
from kernels import _arrays


@dataclass
class Transfers:
    """How many times data crossed between host and device, by kind."""
    to_device: int = 0          # arrays copied host -> device
    scalars_to_device: int = 0  # 0-d host values copied to the device (a Python constant)
    to_host: int = 0            # arrays copied device -> host
    scalars_to_host: int = 0    # Python scalars pulled off the device (float(a), a.item())

    def arrays_and_syncs(self) -> int:
        """Every transfer but the scalar constants sent to the device (which do not make the
        host wait for the GPU)."""
        return self.to_device + self.to_host + self.scalars_to_host

    def reset(self) -> None:
        self.to_device = self.scalars_to_device = self.to_host = self.scalars_to_host = 0


TRANSFERS = Transfers()


class ImplicitTransferError(TypeError):
    """Device data was about to be converted to NumPy (or mixed with it) implicitly."""


def _refuse(what: str) -> ImplicitTransferError:
    return ImplicitTransferError(
        f"{what}: implicit conversion between a device array and NumPy is not allowed "
        "(CuPy refuses it too); move data explicitly with .get() / xp.asarray")


def _unwrap(value: Any) -> Any:
    """The NumPy values inside StrictArrays (recursing into tuples, lists, dicts); a NumPy array
    among them is an implicit host->device transfer, which CuPy refuses."""
    if isinstance(value, StrictArray):
        return value._host
    if isinstance(value, np.ndarray):
        raise _refuse(f"a NumPy array of shape {value.shape} was mixed with device arrays")
    if isinstance(value, (tuple, list)):
        return type(value)(_unwrap(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value: Any) -> Any:
    """NumPy results back on the device: arrays and NumPy scalars (as 0-d arrays, like CuPy)."""
    if isinstance(value, np.ndarray):
        return StrictArray(value)
    if isinstance(value, np.generic):
        return StrictArray(np.asarray(value))
    if isinstance(value, (tuple, list)):
        return type(value)(_wrap(v) for v in value)
    if isinstance(value, np.random.Generator):
        return _DeviceObject(value)
    return value


class _DeviceObject:
    """An object living on the device (a random generator): its methods return device arrays."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        return _on_device(value) if callable(value) else _wrap(value)


class _DeviceUfunc(_DeviceObject):
    """A ufunc of the device module: callable, with ``at``/``reduce``/... on device arrays."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _on_device(self._inner)(*args, **kwargs)


def _on_device(function: Any) -> Any:
    """``function`` applied to device arrays: unwrap the arguments, wrap the results."""
    def call(*args: Any, **kwargs: Any) -> Any:
        return _wrap(function(*_unwrap(args), **_unwrap(kwargs)))
    call.__name__ = getattr(function, "__name__", "function")
    return call


class _Device:
    id = 0


class StrictArray:
    """A device array (see the module docstring). Attributes and methods are NumPy's, run on
    the values inside; what would move data to the host is refused or counted."""

    __slots__ = ("_host",)
    __array_ufunc__ = None  # np.add(a, ...) and ndarray + a: NumPy gives up, see __radd__
    device = _Device()

    def __init__(self, host: np.ndarray) -> None:
        self._host = host

    # -- what CuPy refuses ------------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise _refuse(f"numpy.asarray/array of a device array of shape {self.shape}")

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        raise _refuse(f"numpy.{func.__name__} called on a device array (use xp.{func.__name__})")

    # -- explicit transfers (counted) -------------------------------------------------------
    def get(self) -> np.ndarray:
        """A host copy, like ``cupy.ndarray.get``."""
        TRANSFERS.to_host += 1
        return self._host.copy()

    def _scalar(self, convert: Any) -> Any:
        TRANSFERS.scalars_to_host += 1
        return convert(self._host)

    def __float__(self) -> float:
        return self._scalar(float)

    def __int__(self) -> int:
        return self._scalar(int)

    def __bool__(self) -> bool:
        return self._scalar(bool)

    def __index__(self) -> int:
        return self._scalar(operator.index)

    def item(self) -> Any:
        return self._scalar(lambda a: a.item())

    def tolist(self) -> Any:
        return self._scalar(lambda a: a.tolist())

    # -- everything else is NumPy's, on the values inside ----------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("data", "ctypes"):
            # no __array_interface__ / __array_struct__ / buffer: NumPy must not see inside
            raise AttributeError(name)
        value = getattr(self._host, name)
        return _on_device(value) if callable(value) else _wrap(value)

    def __getitem__(self, index: Any) -> Any:
        return _wrap(self._host[_unwrap(index)])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._host[_unwrap(index)] = _unwrap(value)

    def scatter_add(self, index: Any, values: Any) -> None:
        """``cupy.ndarray.scatter_add`` (what ``cupyx.scatter_add`` calls): ``a[index] += values``
        with repeated indices accumulating."""
        np.add.at(self._host, _unwrap(index), _unwrap(values))

    def __len__(self) -> int:
        return len(self._host)

    def __iter__(self) -> Iterator[StrictArray]:
        return (StrictArray(row) for row in self._host)

    def __repr__(self) -> str:
        return f"StrictArray({self._host!r})"

    @property
    def shape(self) -> tuple[int, ...]:
        return self._host.shape

    @property
    def dtype(self) -> np.dtype:
        return self._host.dtype


def _binary(name: str) -> Any:
    def method(self: StrictArray, other: Any) -> Any:
        result = getattr(self._host, name)(_unwrap(other))
        if result is NotImplemented:
            return NotImplemented
        return self if name.startswith("__i") else _wrap(result)
    return method


def _unary(name: str) -> Any:
    return lambda self: _wrap(getattr(self._host, name)())


for _op in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or",
            "xor", "lshift", "rshift"):
    for _name in (f"__{_op}__", f"__r{_op}__", f"__i{_op}__"):
        setattr(StrictArray, _name, _binary(_name))
for _name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
    setattr(StrictArray, _name, _binary(_name))
for _name in ("__neg__", "__pos__", "__abs__", "__invert__"):
    setattr(StrictArray, _name, _unary(_name))
StrictArray.__hash__ = None  # type: ignore[assignment]  # arrays are not hashable


class _Runtime:
    @staticmethod
    def getDeviceCount() -> int:  # noqa: N802 (CuPy's name)
        return 1


class _Cuda:
    """``cupy.cuda``: one device, and ``Device(i)`` as a do-nothing context manager."""
    runtime = _Runtime()

    @staticmethod
    def Device(index: int = 0) -> contextlib.AbstractContextManager:  # noqa: N802
        return contextlib.nullcontext()


class StrictDevice(types.ModuleType):
    """The ``cupy`` module of the stand-in: NumPy's functions on :class:`StrictArray`."""

    ndarray = StrictArray
    cuda = _Cuda()

    def __init__(self, numpy_namespace: Any = np, name: str = "strict_cupy") -> None:
        super().__init__(name)
        self._namespace = numpy_namespace

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._namespace, name)
        if isinstance(value, types.ModuleType):  # random, linalg, fft
            return StrictDevice(value, f"{self.__name__}.{name}")
        if isinstance(value, np.ufunc):  # xp.add(...), xp.add.at(...)
            return _DeviceUfunc(value)
        if isinstance(value, type) or not callable(value):  # dtypes, constants
            return value
        return _on_device(value)

    @staticmethod
    def asarray(a: Any, dtype: Any = None, order: Any = None) -> StrictArray:
        """Device data as it is (cast if asked); host data is copied over (counted)."""
        if isinstance(a, StrictArray):
            return a if dtype is None or a.dtype == dtype else a.astype(dtype)
        host = np.array(a, dtype=dtype, order=order or "K")
        if host.ndim == 0:
            TRANSFERS.scalars_to_device += 1
        else:
            TRANSFERS.to_device += 1
        return StrictArray(host)

    @staticmethod
    def array(a: Any, dtype: Any = None, copy: bool = True) -> StrictArray:
        if isinstance(a, StrictArray):
            return StrictArray(np.array(a._host, dtype=dtype, copy=copy))
        return StrictDevice.asarray(a, dtype)

    @staticmethod
    def asnumpy(a: Any) -> np.ndarray:
        return a.get() if isinstance(a, StrictArray) else np.asarray(a)


DEVICE = StrictDevice()


@contextlib.contextmanager
def strict_device() -> Iterator[StrictDevice]:
    """Within: ``StrictDevice`` plays CuPy ("cuda" is available and means it), the custom CUDA
    kernels are off, and :data:`TRANSFERS` starts at zero."""
    previous_module = _arrays.set_device_stand_in(DEVICE)
    previous_kernels = kernels.use_custom_gpu_kernels(False)
    TRANSFERS.reset()
    try:
        yield DEVICE
    finally:
        kernels.use_custom_gpu_kernels(previous_kernels)
        _arrays.set_device_stand_in(previous_module)
