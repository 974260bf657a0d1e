"""The ``Tensor``: an n-dimensional array on a device, plus its place in the autograd graph."""
from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import autograd, backend

DEFAULT_FLOAT = np.dtype(np.float32)


class Tensor:
    """An array (``.data``: NumPy on the CPU, CuPy on a GPU) that can record gradients.

    Create tensors with :func:`minigrad.tensor` or the factories (``zeros``,
    ``randn``, ...). ``requires_grad=True`` marks a leaf whose ``.grad`` the
    backward pass fills in; every op on such a tensor records a graph node
    (``_node``) unless inside ``mg.no_grad()``.
    """

    __slots__ = ("_data", "_device", "requires_grad", "grad", "_node", "_index", "_hooks",
                 "name", "__weakref__")
    __array_priority__ = 1000  # numpy_array + tensor calls Tensor.__radd__

    def __init__(self, data: Any, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data._data
        target = backend.normalize_device(device) if device is not None else None
        if backend.is_cupy_array(data):
            array = data if dtype is None else data.astype(dtype, copy=False)
            if target is not None:
                array = backend.to_device(array, target)
        else:
            array = _host_array(data, dtype)
            if target is not None and target != "cpu":
                array = backend.to_device(array, target)
        self._data = array
        self._device = backend.device_of(array)
        self._node = None
        self._index = 0
        self._hooks = None
        self.grad = None
        self.name = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array: Any, node: Any = None, index: int = 0) -> "Tensor":
        """Wrap a raw array without checks or copies (the fast path used by ops)."""
        t = object.__new__(cls)
        t._data = array
        t._device = "cpu" if type(array) is np.ndarray else backend.device_of(array)
        t._node = node
        t._index = index
        t._hooks = None
        t.grad = None
        t.name = None
        t.requires_grad = node is not None
        return t

    def _edge(self) -> tuple[Any, int] | None:
        """Where gradients for this tensor go: its creator, or itself if a leaf."""
        if self._node is not None:
            return (self._node, self._index)
        return (self, 0) if self.requires_grad else None

    # ---- array attributes --------------------------------------------------------------
    @property
    def data(self) -> Any:
        """The raw ``numpy.ndarray`` / ``cupy.ndarray`` (no graph)."""
        return self._data

    @data.setter
    def data(self, array: Any) -> None:
        self._data = array
        self._device = backend.device_of(array)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        """Number of elements (NumPy's name; ``numel()`` is PyTorch's)."""
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def device(self) -> str:
        return self._device

    @property
    def is_leaf(self) -> bool:
        return self._node is None

    @property
    def grad_fn(self) -> Any:
        """The Function that created this tensor (None for leaves)."""
        return self._node

    def numel(self) -> int:
        return self._data.size

    def numpy(self) -> np.ndarray:
        """The values as a host NumPy array (copied from the GPU if needed)."""
        return backend.to_numpy(self._data)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def item(self) -> Any:
        if self.size != 1:
            raise ValueError(f"item() needs a tensor with one element, got shape {self.shape}")
        return self.numpy().reshape(()).item()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.item())

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self) -> Iterator["Tensor"]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", precision=4, threshold=50,
                               prefix="tensor(")
        extra = f", device='{self.device}'" if self.device != "cpu" else ""
        extra += f", dtype={self.dtype}"
        if self._node is not None:
            extra += f", grad_fn=<{type(self._node).__name__}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ---- autograd ---------------------------------------------------------------------
    def requires_grad_(self, flag: bool = True) -> "Tensor":
        """Mark (or unmark) this leaf as needing gradients; returns self."""
        if flag and self.dtype.kind != "f":
            raise RuntimeError(f"only floating point tensors can require gradients, "
                               f"but this tensor has dtype {self.dtype}")
        if not flag and self._node is not None:
            raise RuntimeError("requires_grad_(False) is only allowed on leaf tensors; "
                               "use .detach()")
        self.requires_grad = flag
        return self

    def detach(self) -> "Tensor":
        """A tensor sharing this data but cut from the graph."""
        return Tensor._make(self._data)

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        gradient: upstream gradient, same shape as self (required unless self
        has one element). retain_graph defaults to create_graph.
        """
        grads = autograd._default_root_grads([self], gradient)
        if retain_graph is None:
            retain_graph = create_graph
        autograd.run_backward([self], grads, retain_graph, create_graph)

    def register_hook(self, hook: Callable[["Tensor"], Any]) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement gradient. Returns a function that removes the hook."""
        return autograd.register_tensor_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` after backward."""
        if self._node is not None:
            self.register_hook(autograd.retain_grad_hook(self))

    # ---- devices and dtypes -----------------------------------------------------------
    def to(self, target: Any) -> "Tensor":
        """Move to a device (``"cpu"``, ``"cuda"``, ``"cuda:N"``) or cast to a dtype.

        Differentiable: gradients flow back to the original device/dtype.
        """
        from .ops import conversion
        if _is_dtype(target):
            return conversion.astype(self, np.dtype(target))
        return conversion.to_device(self, backend.normalize_device(target))

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def cuda(self, index: int = 0) -> "Tensor":
        return self.to(f"cuda:{index}")

    def float(self) -> "Tensor":
        return self.to(np.float32)

    def double(self) -> "Tensor":
        return self.to(np.float64)

    def long(self) -> "Tensor":
        return self.to(np.int64)


autograd.Tensor = Tensor  # the engine builds Tensors without importing this module


def _is_dtype(value: Any) -> bool:
    if isinstance(value, str):
        return not (value == "cpu" or value.startswith("cuda"))
    return isinstance(value, (type, np.dtype))


def _host_array(data: Any, dtype: Any) -> np.ndarray:
    """A NumPy array from Python data with minigrad's default dtypes."""
    array = np.asarray(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype == np.float64 and not isinstance(data, np.ndarray):
        return array.astype(DEFAULT_FLOAT)  # Python floats -> float32, like PyTorch
    if array.dtype.kind == "O":
        raise TypeError(f"cannot make a tensor from {type(data).__name__} data")
    return array


def as_tensor_like(value: Any, ref: Tensor) -> Tensor:
    """Turn a Python number / array into a constant Tensor on ``ref``'s device.

    A Python number takes ``ref``'s dtype when ``ref`` is floating point (so
    ``x * 2`` keeps float32), and the default float dtype for ``int * 0.5``.
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        if ref.dtype.kind == "f":
            dtype = ref.dtype
        elif isinstance(value, float):
            dtype = DEFAULT_FLOAT
        elif isinstance(value, bool) and ref.dtype.kind == "b":
            dtype = np.dtype(bool)
        else:
            dtype = ref.dtype if ref.dtype.kind in "iu" else np.dtype(np.int64)
        array = np.asarray(value, dtype=dtype)
    else:
        array = np.asarray(backend.to_numpy(value) if backend.is_cupy_array(value) else value)
    if ref.device != "cpu":
        array = backend.to_device(array, ref.device)
    return Tensor._make(array)


def as_tensors(values: Sequence[Any]) -> list[Tensor]:
    """Tensors from a sequence mixing Tensors and Python numbers (first Tensor decides)."""
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    if ref is None:
        raise TypeError("expected at least one Tensor")
    return [as_tensor_like(v, ref) for v in values]
