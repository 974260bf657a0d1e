"""Reverse-mode automatic differentiation: ``Function`` nodes and the backward engine.

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

import contextlib
import heapq
import itertools
import threading
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from . import backend

_sequence = itertools.count()

# The Tensor class. tensor.py imports this module, so it fills this in when it is loaded
# (a function-level import here would cost a lookup on every op).
Tensor: Any = None
_mode = threading.local()


def is_grad_enabled() -> bool:
    """Whether ops record a graph right now (per thread; on by default)."""
    return getattr(_mode, "enabled", True)


def _set_grad_enabled(flag: bool) -> None:
    _mode.enabled = flag


class _GradMode(contextlib.ContextDecorator):
    """Context manager / decorator that switches graph recording on or off."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._previous: list[bool] = []

    def __enter__(self) -> None:
        self._previous.append(is_grad_enabled())
        _set_grad_enabled(self.enabled)

    def __exit__(self, *exc: Any) -> None:
        _set_grad_enabled(self._previous.pop())


def no_grad() -> _GradMode:
    """``with mg.no_grad():`` (or ``@mg.no_grad()``) builds no graph inside."""
    return _GradMode(False)


def enable_grad() -> _GradMode:
    """``with mg.enable_grad():`` turns graph recording back on inside ``no_grad``."""
    return _GradMode(True)


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

    Call it as ``MyFunction.apply(*tensors, **settings)``.
    """

    needs_input_grad: tuple[bool, ...]

    @classmethod
    def apply(cls, *inputs: Any, **settings: Any) -> Any:
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

    def _record(self, inputs: Sequence[Any], outputs: Sequence[Any]) -> None:
        """Link this node into the graph (only called when a gradient is wanted)."""
        self._seq = next(_sequence)
        self._device = outputs[0]._device
        self._next = tuple([t._edge() for t in inputs])
        self.needs_input_grad = tuple([t.requires_grad for t in inputs])
        self._input_meta = tuple([(t._data.shape, t._data.dtype) for t in inputs])
        self._output_meta = tuple([(y._data.shape, y._data.dtype) for y in outputs])
        if self._saved_input_ids:
            self._saved_input_tensors = tuple([inputs[i] for i in self._saved_input_ids])
        if self._saved_output_ids:
            self._saved_output_arrays = {j: outputs[j]._data for j in self._saved_output_ids}
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
    def saved_inputs(self) -> tuple[Any, ...]:
        self._check_alive()
        return self._saved_input_tensors

    @property
    def saved_outputs(self) -> tuple[Any, ...]:
        """Saved outputs rebuilt as Tensors whose creator is this Function."""
        self._check_alive()
        return tuple(Tensor._make(self._saved_output_arrays[j], node=self, index=j)
                     for j in self._saved_output_ids)

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

    def forward(self, *arrays: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, *grad_outputs: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement backward")

    def __lt__(self, other: "Function") -> bool:  # heap order: later Functions first
        return self._seq > other._seq

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _as_array(y: Any) -> Any:
    """A forward result as an array (NumPy reductions can return NumPy scalars)."""
    return y if backend.is_cupy_array(y) else np.asarray(y)


def _root_edge(t: Any) -> tuple[Any, int] | None:
    if not t.requires_grad:
        return None
    return t._edge()


def run_backward(roots: Sequence[Any], root_grads: Sequence[Any], retain_graph: bool,
                 create_graph: bool, capture: Sequence[Any] | None = None) -> list[Any] | None:
    """The engine behind ``Tensor.backward`` and :func:`grad`.

    roots, root_grads: tensors to differentiate and their upstream gradients.
    capture: if given, return the gradients of these tensors instead of
    accumulating into leaves' ``.grad`` (``grad()`` semantics).
    """
    pending: dict[Function, list[Any]] = {}
    heap: list[Function] = []
    leaf_grads: dict[int, list[Any]] = {}
    captured: dict[Any, Any] = {}
    capture_keys = None
    if capture is not None:
        capture_keys = {(id(t) if t._node is None else (id(t._node), t._index)): k
                        for k, t in enumerate(capture)}

    def send(edge: tuple[Any, int] | None, grad: Any) -> None:
        if edge is None:
            return
        node, index = edge
        if isinstance(node, Tensor):  # a leaf: sum its contributions, assign at the end
            entry = leaf_grads.get(id(node))
            if entry is None:
                leaf_grads[id(node)] = [node, grad]
            else:
                entry[1] = entry[1] + grad
            return
        slots = pending.get(node)
        if slots is None:
            node._check_alive()
            slots = pending[node] = [None] * len(node._output_meta)
            heapq.heappush(heap, node)
        slots[index] = grad if slots[index] is None else slots[index] + grad

    for root, g in zip(roots, root_grads):
        send(_root_edge(root), g)

    with _GradMode(create_graph):
        while heap:
            fn = heapq.heappop(heap)
            grads = pending.pop(fn)
            for index, g in enumerate(grads):
                for hook in (fn._hooks or {}).get(index, ()):
                    new = hook(g) if g is not None else None
                    grads[index] = g = new if new is not None else g
                if capture_keys is not None and (id(fn), index) in capture_keys:
                    captured[capture_keys[(id(fn), index)]] = g
            grads = [g if g is not None else _zeros(shape, dtype, fn)
                     for g, (shape, dtype) in zip(grads, fn._output_meta)]
            input_grads = fn.backward(*grads)
            if not isinstance(input_grads, tuple):
                input_grads = (input_grads,)
            if len(input_grads) != len(fn._next):
                raise RuntimeError(f"{type(fn).__name__}.backward returned {len(input_grads)} "
                                   f"gradients for {len(fn._next)} inputs")
            for i, (edge, g) in enumerate(zip(fn._next, input_grads)):
                if g is None or not fn.needs_input_grad[i]:
                    continue
                send(edge, _check_grad(fn, i, g))
            if not retain_graph:
                fn._release()

    for leaf, g in leaf_grads.values():
        for hook in leaf._hooks or ():
            new = hook(g)
            g = new if new is not None else g
        if capture_keys is not None:
            if id(leaf) in capture_keys:
                captured[capture_keys[id(leaf)]] = g
            continue
        if not create_graph:
            g = Tensor._make(g._data.copy())  # .grad never aliases another tensor's memory
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    if capture is None:
        return None
    return [captured.get(k) for k in range(len(capture))]


def _zeros(shape: tuple[int, ...], dtype: Any, fn: Function) -> Any:
    """Zero gradient for an output nobody used."""
    return Tensor._make(backend.to_device(np.zeros(shape, dtype=dtype), fn._device))


def _check_grad(fn: Function, i: int, g: Any) -> Any:
    """Validate a gradient returned by ``fn.backward`` for input ``i``."""
    shape, dtype = fn._input_meta[i]
    if g.shape != shape:
        raise RuntimeError(f"{type(fn).__name__}.backward returned a gradient of shape "
                           f"{g.shape} for input {i} of shape {shape}")
    if g.dtype != dtype:
        g = g.to(dtype)
    return g


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Any, ...]:
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


def _default_root_grads(outputs: Sequence[Any], grad_outputs: Any) -> list[Any]:
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


def register_tensor_hook(t: Any, hook: Callable[[Any], Any]) -> Callable[[], None]:
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


def retain_grad_hook(t: Any) -> Callable[[Any], None]:
    """A hook that stores the gradient of non-leaf ``t`` in ``t.grad`` (weakly held)."""
    ref = weakref.ref(t)

    def store(g: Any) -> None:
        owner = ref()
        if owner is not None:
            g = g if is_grad_enabled() else g.detach()
            owner.grad = g if owner.grad is None else owner.grad + g

    return store

