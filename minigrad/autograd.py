"""The autograd core: ``Tensor``, ``Function`` and the backward engine.

``Tensor`` and the engine need each other (``tensor.backward()`` runs the
engine; the engine makes Tensors), so they share this module. The Tensor's
math methods and operators are added by ``minigrad/tensor.py`` from one table.

How the graph looks
-------------------
Every differentiable op is a :class:`Function` subclass. ``Function.apply`` runs
``forward`` on raw arrays and, when gradients are wanted, records for each
input an *edge*: ``(creator_function, output_index)`` for a computed tensor, or
``(leaf_tensor, 0)`` for a leaf that requires grad. Each output tensor points to
its creator (``tensor._node``); a Function holds *no* reference to its output
tensors (an output it needs in backward is kept as a bare array and rebuilt as
a Tensor on demand), so the graph has no reference cycles and is freed by
reference counting as soon as nothing uses it.

How backward runs
-----------------
Every Function gets an increasing sequence number when it is created. A
Function can only consume tensors made before it, so visiting Functions in
*decreasing* sequence order (a max-heap) sees every consumer of a tensor
before its producer: all gradient contributions for an output have arrived by
the time its Function runs. No recursion is used, so a 100,000-op chain works.

``backward`` methods are written with differentiable Tensor ops. With
``create_graph=False`` they run under ``no_grad`` and cost only the array
math; with ``create_graph=True`` they build a graph themselves, which gives
higher derivatives (double backprop) for free.
"""
from __future__ import annotations

import heapq
import itertools
import weakref
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from . import backend
from .backend import Array
from .grad_mode import GradMode, enable_grad, is_grad_enabled, no_grad

__all__ = ["Function", "Tensor", "as_tensor_like", "as_tensors", "enable_grad", "grad",
           "is_grad_enabled", "no_grad", "result_dtype", "run_backward"]

_sequence = itertools.count()

DTypeLike = Any  # a numpy dtype, a type such as np.float32, a name such as "float32", or None
Edge = tuple[Any, int]  # where a gradient goes: (creator Function, output index) or (leaf, 0)
Hook = Callable[[Any], Any]  # a tensor hook: gradient Tensor -> replacement Tensor or None


class VersionCounter:
    """How many times a tensor's data was modified in place.

    One counter is shared by a tensor and its ``detach()``-ed aliases (they share
    the data). A Function notes the counter's value when it saves a tensor for
    backward; if the value has moved on by backward time, the saved data is not
    what forward saw and backward raises instead of returning wrong gradients.
    """

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


class Tensor:
    """An array (``.data``: NumPy on the CPU, CuPy on a GPU) that can record gradients.

    Create tensors with :func:`minigrad.tensor` or the factories (``zeros``,
    ``randn``, ...). ``requires_grad=True`` marks a leaf whose ``.grad`` the
    backward pass fills in; every op on such a tensor records a graph node
    (``_node``) unless inside ``mg.no_grad()``.

    This class holds what the engine needs (data, ``grad``, the creator
    ``grad_fn``, ``backward``); its math — every method and operator,
    ``x + y`` included — is the table in ``minigrad/tensor.py``.
    """

    __slots__ = ("_data", "_device", "requires_grad", "grad", "_node", "_index", "_hooks",
                 "name", "_versions", "__weakref__")
    __array_priority__ = 1000  # numpy_array + tensor calls Tensor.__radd__

    def __init__(self, data: object, dtype: DTypeLike = None, device: str | None = None,
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
        self._versions = VersionCounter()
        self.grad = None
        self.name = None
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, array: Array, node: Function | None = None, index: int = 0) -> Tensor:
        """Wrap a raw array without checks or copies (the fast path used by ops)."""
        t = object.__new__(cls)
        t._data = array
        t._device = "cpu" if type(array) is np.ndarray else backend.device_of(array)
        t._node = node
        t._index = index
        t._hooks = None
        t._versions = VersionCounter()
        t.grad = None
        t.name = None
        t.requires_grad = node is not None
        return t

    def _edge(self) -> Edge | None:
        """Where gradients for this tensor go: its creator, or itself if a leaf."""
        if self._node is not None:
            return (self._node, self._index)
        return (self, 0) if self.requires_grad else None

    # ---- array attributes --------------------------------------------------------------
    @property
    def data(self) -> Array:
        """The raw ``numpy.ndarray`` / ``cupy.ndarray`` (no graph)."""
        return self._data

    @data.setter
    def data(self, array: Array) -> None:
        self._data = array
        self._device = backend.device_of(array)

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    # ``size`` (the element count, callable as PyTorch's ``size()``) is in minigrad/tensor.py

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
    def grad_fn(self) -> Function | None:
        """The Function that created this tensor (None for leaves)."""
        return self._node

    def numel(self) -> int:
        return self._data.size

    def numpy(self) -> np.ndarray:
        """The values as a host NumPy array (copied from the GPU if needed)."""
        return backend.to_numpy(self._data)

    def tolist(self) -> list | float | int | bool:
        return self.numpy().tolist()

    def item(self) -> float | int | bool:
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
        """A tensor sharing this data (and its version counter) but cut from the graph."""
        t = Tensor._make(self._data)
        t._versions = self._versions
        return t

    @property
    def _version(self) -> int:
        """How many times this tensor's data was modified in place (PyTorch's ``_version``)."""
        return self._versions.value

    def _bump_version(self) -> None:
        """Record an in-place change of ``.data``: graphs that saved this tensor before
        the change refuse to run backward through it (see ``Function.saved_inputs``)."""
        self._versions.value += 1

    def backward(self, gradient: Tensor | Array | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        gradient: upstream gradient, same shape as self (required unless self
        has one element). retain_graph defaults to create_graph.
        """
        grads = _default_root_grads([self], gradient)
        if retain_graph is None:
            retain_graph = create_graph
        run_backward([self], grads, retain_graph, create_graph)

    def register_hook(self, hook: Hook) -> Callable[[], None]:
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a
        replacement gradient. Returns a function that removes the hook."""
        return register_tensor_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep the gradient of this non-leaf tensor in ``.grad`` after backward."""
        if self._node is not None:
            self.register_hook(retain_grad_hook(self))


def _host_array(data: object, dtype: DTypeLike) -> np.ndarray:
    """A NumPy array from Python data with minigrad's default dtypes."""
    array = np.asarray(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if array.dtype == np.float64 and not isinstance(data, (np.ndarray, np.generic)):
        return array.astype(backend.DEFAULT_FLOAT)  # Python floats -> float32, like PyTorch;
    # NumPy arrays and scalars (np.float64(1.0)) keep their dtype, as torch.tensor does
    if array.dtype.kind == "O":
        raise TypeError(f"cannot make a tensor from {type(data).__name__} data")
    return array


def as_tensor_like(value: Tensor | Array | float, ref: Tensor) -> Tensor:
    """Turn a Python number / array into a constant Tensor on ``ref``'s device.

    A Python number takes ``ref``'s dtype when ``ref`` is floating point (so
    ``x * 2`` keeps float32), and the default float dtype for ``int * 0.5``.
    """
    if isinstance(value, Tensor):
        return value
    if backend.is_cupy_array(value):
        return Tensor._make(value)  # already on a device (ops check that it is ref's)
    if isinstance(value, (bool, int, float)):
        if ref.dtype.kind == "f":
            dtype = ref.dtype
        elif isinstance(value, float):
            dtype = backend.DEFAULT_FLOAT
        elif isinstance(value, bool) and ref.dtype.kind == "b":
            dtype = np.dtype(bool)
        else:
            dtype = ref.dtype if ref.dtype.kind in "iu" else np.dtype(np.int64)
        if dtype.kind in "iu" and not isinstance(value, bool):
            value = np.int64(value).astype(dtype).item()  # wraps, as PyTorch: uint8 - 2
        if ref.device == "cpu":
            return Tensor._make(np.asarray(value, dtype=dtype))
        return Tensor._make(backend.full((), value, dtype, ref.device))  # made on the device
    array = np.asarray(value)
    if ref.device != "cpu":
        array = backend.to_device(array, ref.device)
    return Tensor._make(array)


def as_tensors(values: Sequence[Tensor | Array | float]) -> list[Tensor]:
    """Tensors from a sequence mixing Tensors and Python numbers (first Tensor decides)."""
    ref = next((v for v in values if isinstance(v, Tensor)), None)
    if ref is None:
        raise TypeError("expected at least one Tensor")
    return [as_tensor_like(v, ref) for v in values]


def _category(dtype: np.dtype) -> int:
    """PyTorch's promotion categories: 0 bool, 1 integer, 2 floating point."""
    return 2 if dtype.kind == "f" else 0 if dtype.kind == "b" else 1


def result_dtype(a: Tensor, b: Tensor) -> np.dtype:
    """The dtype of a binary op on ``a`` and ``b``, by PyTorch's rules (``torch.result_type``).

    Within one category (bool < integer < floating point) the wider dtype wins
    (int32 + int64 -> int64, float32 + float64 -> float64). Across categories
    the higher category's dtype wins outright, so int64 * float32 -> float32
    (NumPy would give float64). A 0-d tensor (a Python number arrives as one,
    see :func:`as_tensor_like`) only decides when its category is higher than
    the other operand's: float32 tensor * float64 0-d tensor -> float32.

    >>> import minigrad as mg
    >>> result_dtype(mg.tensor([1, 2], dtype="int32"), mg.tensor([0.5]))
    dtype('float32')
    >>> result_dtype(mg.tensor([1.0]), mg.tensor(2.0, dtype="float64"))
    dtype('float32')
    """
    da, db = a._data.dtype, b._data.dtype
    if da == db:
        return da
    ca, cb = _category(da), _category(db)
    if (a._data.ndim == 0) != (b._data.ndim == 0):     # a dimensioned operand meets a 0-d one
        dims, zero_d = (da, db) if b._data.ndim == 0 else (db, da)
        return zero_d if _category(zero_d) > _category(dims) else dims
    if ca != cb:
        return da if ca > cb else db
    return np.promote_types(da, db)


class Function:
    """Base class of every differentiable operation.

    Subclasses implement

    * ``forward(self, *arrays) -> array | tuple[array, ...]`` on raw NumPy/CuPy
      arrays. Non-tensor settings (axis, stride, ...) are given to ``__init__``
      as keyword arguments of ``apply``. To use inputs or outputs in backward,
      call ``self.save_inputs(i, ...)`` / ``self.save_outputs(j, ...)``; plain
      arrays (masks, indices) may be stored as attributes.
    * ``backward(self, *grad_outputs) -> Tensor | None | tuple`` written with
      differentiable Tensor ops, one gradient per input (``None`` where an
      input needs no gradient). Saved tensors are ``self.saved_inputs`` and
      ``self.saved_outputs``; ``self.needs_input_grad[i]`` says which input
      gradients are wanted.

    Call it as ``MyFunction.apply(*tensors, **settings)``:

    >>> import minigrad as mg
    >>> class Square(mg.Function):
    ...     def forward(self, x):                # x: a NumPy (or CuPy) array
    ...         self.save_inputs(0)
    ...         return x * x
    ...     def backward(self, gy):              # gy: dLoss/dy, a Tensor
    ...         (x,) = self.saved_inputs
    ...         return gy * 2.0 * x              # dLoss/dx = dLoss/dy * 2x
    >>> x = mg.tensor([1.0, -3.0], requires_grad=True)
    >>> Square.apply(x).sum().backward()
    >>> x.grad.tolist()
    [2.0, -6.0]
    """

    needs_input_grad: tuple[bool, ...]

    @classmethod
    def apply(cls, *inputs: Tensor, **settings: Any) -> Tensor | tuple[Tensor, ...]:
        """Run the op on Tensors and, if needed, record it in the graph."""
        fn = cls(**settings)
        device = inputs[0]._device
        for t in inputs[1:]:
            if t._device != device:
                raise RuntimeError(
                    f"{cls.__name__}: expected all tensors on the same device, "
                    f"but found tensors on {device} and {t._device}; move them "
                    f"explicitly with .to(device)")
        outputs = fn.forward(*[t._data for t in inputs])
        single = not isinstance(outputs, tuple)
        if single:
            outputs = (outputs,)
        outputs = tuple(Tensor._make(y if type(y) is np.ndarray else _as_array(y))
                        for y in outputs)

        if is_grad_enabled() and any(t.requires_grad for t in inputs):
            fn._record(inputs, outputs)
        return outputs[0] if single else outputs

    # Settings a Function may leave unset; the instance attribute, when set, wins.
    _saved_input_ids: tuple[int, ...] = ()
    _saved_output_ids: tuple[int, ...] = ()
    _hooks: dict[int, list[Callable]] | None = None  # per-output tensor hooks, made on demand

    def _record(self, inputs: Sequence[Tensor], outputs: Sequence[Tensor]) -> None:
        """Link this node into the graph (only called when a gradient is wanted)."""
        self._seq = next(_sequence)
        self._device = outputs[0]._device
        self._next = tuple([t._edge() for t in inputs])
        self.needs_input_grad = tuple([t.requires_grad for t in inputs])
        self._input_meta = tuple([(t._data.shape, t._data.dtype) for t in inputs])
        self._output_meta = tuple([(y._data.shape, y._data.dtype) for y in outputs])
        if self._saved_input_ids:
            saved = tuple([inputs[i] for i in self._saved_input_ids])
            self._saved_input_tensors = saved
            self._saved_input_versions = tuple([t._versions.value for t in saved])
        if self._saved_output_ids:
            self._saved_output_arrays = {j: outputs[j]._data for j in self._saved_output_ids}
            # outputs are new tensors (version 0): keep their counters to see later changes
            self._saved_output_counters = {j: outputs[j]._versions for j in self._saved_output_ids}
        for index, y in enumerate(outputs):
            if y._data.dtype.kind == "f":
                y._node, y._index, y.requires_grad = self, index, True

    # ---- what forward keeps for backward -------------------------------------------------
    def save_inputs(self, *indices: int) -> None:
        """Keep inputs ``indices`` (as Tensors, graph included) for backward."""
        self._saved_input_ids = indices

    def save_outputs(self, *indices: int) -> None:
        """Keep outputs ``indices`` for backward (stored as arrays: no reference cycle)."""
        self._saved_output_ids = indices

    @property
    def saved_inputs(self) -> tuple[Tensor, ...]:
        """The inputs saved by ``save_inputs``, checked to be unmodified since forward."""
        self._check_alive()
        for k, (t, version) in enumerate(zip(self._saved_input_tensors,
                                             self._saved_input_versions)):
            if t._versions.value != version:
                self._raise_modified(f"input {self._saved_input_ids[k]}", t, version)
        return self._saved_input_tensors

    @property
    def saved_outputs(self) -> tuple[Tensor, ...]:
        """Saved outputs rebuilt as Tensors whose creator is this Function."""
        self._check_alive()
        for j in self._saved_output_ids:
            if self._saved_output_counters[j].value != 0:
                output = Tensor._make(self._saved_output_arrays[j])
                output._versions = self._saved_output_counters[j]
                self._raise_modified(f"output {j}", output, 0)
        return tuple(Tensor._make(self._saved_output_arrays[j], node=self, index=j)
                     for j in self._saved_output_ids)

    def _raise_modified(self, which: str, t: Tensor, version: int) -> None:
        name = f" {t.name!r}" if t.name else ""
        raise RuntimeError(
            f"one of the tensors needed for gradient computation has been modified by an "
            f"in-place operation: {which} of {type(self).__name__}, the tensor{name} of "
            f"shape {tuple(t.shape)} and dtype {t.dtype}, is at version {t._versions.value}; "
            f"expected version {version} (its value when {type(self).__name__} ran forward). "
            f"Don't modify it (an optimizer step, an init_ function, +=, add_, ...) between "
            f"forward and backward, or modify a copy (.clone() / .detach() + new tensor).")

    def _check_alive(self) -> None:
        if getattr(self, "_released", False):
            raise RuntimeError(
                f"Trying to backward through the graph a second time (through "
                f"{type(self).__name__}): its saved values were freed after the first "
                f"backward. Pass retain_graph=True to the first backward() if you need "
                f"to backward twice.")

    def _release(self) -> None:
        """Free everything backward needed: saved tensors, arrays and edges."""
        self.__dict__.clear()
        self._released = True

    def forward(self, *arrays: Array) -> Array | tuple[Array, ...]:  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, *grad_outputs: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    def __lt__(self, other: "Function") -> bool:  # heap order: later Functions first
        return self._seq > other._seq

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _as_array(y: object) -> Array:
    """A forward result as an array (NumPy reductions can return NumPy scalars)."""
    return y if backend.is_cupy_array(y) else np.asarray(y)


# ---- the engine ---------------------------------------------------------------------------
def run_backward(roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool,
                 create_graph: bool, capture: Sequence[Tensor] | None = None
                 ) -> list[Tensor | None] | None:
    """The engine behind ``Tensor.backward`` and :func:`grad`.

    roots, root_grads: tensors to differentiate and their upstream gradients.
    capture: if given, return the gradients of these tensors instead of
    accumulating into leaves' ``.grad`` (``grad()`` semantics).
    """
    state = _BackwardState(capture, retain_graph)
    for root, g in zip(roots, root_grads):
        state.exposed.add(id(g._data))  # the caller's array: a leaf's .grad must not be it
        state.send(root._edge(), g)
    with GradMode(create_graph):
        while state.heap:
            fn = heapq.heappop(state.heap)           # the latest Function still waiting
            grads = state.output_grads(fn)           # dLoss/d(each output), hooks applied
            input_grads = fn.backward(*grads)        # the chain rule, one step
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            _check_count(fn, input_grads)
            for i, (edge, g) in enumerate(zip(fn._next, input_grads)):
                if g is not None and fn.needs_input_grad[i]:
                    state.send(edge, _check_grad(fn, i, g))
            if not retain_graph:
                fn._release()
    return state.finish(create_graph)


class _BackwardState:
    """The bookkeeping of one backward pass: gradients waiting at each Function,
    the heap of Functions to visit, leaf gradients, and ``grad()``'s captures."""

    def __init__(self, capture: Sequence[Tensor] | None, retain_graph: bool = False) -> None:
        self.pending: dict[Function, list[Tensor | None]] = {}
        # ids of gradient arrays that something else may hold (the caller's root gradients,
        # what hooks and captures saw, what another leaf got): a leaf's .grad copies these
        self.exposed: set[int] = set()
        self.retain_graph = retain_graph  # a retained graph may hand out its arrays again
        self.heap: list[Function] = []
        self.leaf_grads: dict[int, list] = {}      # id(leaf) -> [leaf, summed grad]
        self.capture = capture
        self.captured: dict[int, Tensor] = {}
        # where each captured tensor's gradient shows up: the leaf itself, or its creator's output
        self.capture_keys = None if capture is None else {
            (id(t) if t._node is None else (id(t._node), t._index)): k
            for k, t in enumerate(capture)}

    def send(self, edge: Edge | None, grad: Tensor) -> None:
        """Add ``grad`` to what flows into ``edge`` (a Function output or a leaf)."""
        if edge is None:
            return
        node, index = edge
        if isinstance(node, Tensor):  # a leaf: sum its contributions, assign at the end
            entry = self.leaf_grads.get(id(node))
            if entry is None:
                self.leaf_grads[id(node)] = [node, grad]
            else:
                entry[1] = entry[1] + grad
            return
        slots = self.pending.get(node)
        if slots is None:
            node._check_alive()
            slots = self.pending[node] = [None] * len(node._output_meta)
            heapq.heappush(self.heap, node)
        slots[index] = grad if slots[index] is None else slots[index] + grad

    def output_grads(self, fn: Function) -> list[Tensor]:
        """The gradients of ``fn``'s outputs: hooks run, captured, zeros for unused outputs."""
        grads = self.pending.pop(fn)
        for index, g in enumerate(grads):
            if g is not None:
                for hook in (fn._hooks or {}).get(index, ()):
                    self.exposed.add(id(g._data))
                    new = hook(g)
                    grads[index] = g = new if new is not None else g
                    self.exposed.add(id(g._data))
            if self.capture_keys is not None and (id(fn), index) in self.capture_keys:
                self.captured[self.capture_keys[(id(fn), index)]] = g
        return [g if g is not None else _zeros(shape, dtype, fn)
                for g, (shape, dtype) in zip(grads, fn._output_meta)]

    def finish(self, create_graph: bool) -> list[Tensor | None] | None:
        """Run leaf hooks; store leaf gradients in ``.grad`` or return the captures."""
        for leaf, g in self.leaf_grads.values():
            for hook in leaf._hooks or ():
                self.exposed.add(id(g._data))
                new = hook(g)
                g = new if new is not None else g
            if self.capture_keys is not None:
                if id(leaf) in self.capture_keys:
                    self.captured[self.capture_keys[id(leaf)]] = g
                continue
            if not create_graph and leaf.grad is None and self._may_alias(g._data):
                g = Tensor._make(g._data.copy())  # .grad never aliases another tensor's memory
            self.exposed.add(id(g._data))
            leaf.grad = g if leaf.grad is None else leaf.grad + g
        if self.capture is None:
            return None
        return [self.captured.get(k) for k in range(len(self.capture))]

    def _may_alias(self, array: Array) -> bool:
        """Whether a gradient array may share memory with something the caller can reach.
        Copying the others would only cost time (a copy of a transposed 100 M-element
        weight gradient took longer than the matrix product that made it)."""
        return (self.retain_graph or array.base is not None or id(array) in self.exposed)


def _zeros(shape: tuple[int, ...], dtype: np.dtype, fn: Function) -> Tensor:
    """Zero gradient for an output nobody used."""
    return Tensor._make(backend.full(shape, 0, dtype, fn._device))


def _check_count(fn: Function, input_grads: tuple[Tensor | None, ...]) -> None:
    if len(input_grads) != len(fn._next):
        raise RuntimeError(f"{type(fn).__name__}.backward returned {len(input_grads)} "
                           f"gradients for {len(fn._next)} inputs")


def _check_grad(fn: Function, i: int, g: Tensor) -> Tensor:
    """Validate a gradient returned by ``fn.backward`` for input ``i``."""
    shape, dtype = fn._input_meta[i]
    if g.shape != shape:
        raise RuntimeError(f"{type(fn).__name__}.backward returned a gradient of shape "
                           f"{g.shape} for input {i} of shape {shape}")
    if g.dtype != dtype:
        g = g.to(dtype)
    return g


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Tensor | Sequence[Tensor | None] | None = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` w.r.t. ``inputs`` without touching any ``.grad``.

    Like ``torch.autograd.grad``: ``outputs`` and ``inputs`` are Tensors or
    sequences; ``grad_outputs`` the upstream gradients (default ones for scalar
    outputs). With ``create_graph=True`` the result can be differentiated again.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    grad_outputs = _default_root_grads(outputs, grad_outputs)
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError(f"grad: an input of shape {t.shape} does not require grad")
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outputs, grad_outputs, retain_graph, create_graph, capture=inputs)
    for t, g in zip(inputs, result):
        if g is None and not allow_unused:
            raise RuntimeError(f"grad: an input of shape {t.shape} was not used to compute "
                               f"the outputs; pass allow_unused=True to get None for it")
    return tuple(result)


def _default_root_grads(outputs: Sequence[Tensor],
                        grad_outputs: Tensor | Sequence[Tensor | None] | None) -> list[Tensor]:
    """Upstream gradients for ``outputs``: given ones checked, or 1 for scalars."""
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    grads = []
    for y, g in zip(outputs, grad_outputs):
        if not y.requires_grad:
            raise RuntimeError(f"element of shape {y.shape} does not require grad and has no "
                               f"grad_fn: nothing to differentiate")
        if g is None:
            if y.size != 1:
                raise RuntimeError(f"grad can be implicitly created only for scalar outputs, "
                                   f"but the output has shape {y.shape}; pass a gradient")
            xp = backend.get_array_module(y._data)
            g = Tensor._make(xp.ones(y.shape, dtype=y.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor(g, dtype=y.dtype, device=y.device)
        if g.shape != y.shape:
            raise RuntimeError(f"gradient has shape {g.shape} but the output has shape {y.shape}")
        if g.device != y.device:
            raise RuntimeError(f"gradient is on {g.device} but the output is on {y.device}")
        grads.append(g)
    return grads


def register_tensor_hook(t: Tensor, hook: Hook) -> Callable[[], None]:
    """Attach ``hook(grad) -> grad | None`` to tensor ``t``; returns a remover."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
    if t._node is None:
        t._hooks = (t._hooks or []) + [hook]
        hooks_holder = (t, None)
    else:
        if t._node._hooks is None:
            t._node._hooks = {}
        t._node._hooks.setdefault(t._index, []).append(hook)
        hooks_holder = (t._node, t._index)
    node_ref = weakref.ref(hooks_holder[0])

    def remove() -> None:
        owner = node_ref()
        if owner is None:
            return
        hooks = owner._hooks if hooks_holder[1] is None else owner._hooks.get(hooks_holder[1], [])
        if hook in hooks:
            hooks.remove(hook)

    return remove


def retain_grad_hook(t: Tensor) -> Hook:
    """A hook that stores the gradient of non-leaf ``t`` in ``t.grad`` (weakly held)."""
    ref = weakref.ref(t)

    def store(g: Tensor) -> None:
        owner = ref()
        if owner is not None:
            g = g if is_grad_enabled() else g.detach()
            owner.grad = g if owner.grad is None else owner.grad + g

    return store

