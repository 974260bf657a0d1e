"""``Module``: the base class of every layer and model (PyTorch's ``torch.nn.Module``).

A Module owns three kinds of named things, registered by plain attribute
assignment in ``__init__``:

* parameters — :class:`Parameter` s, the weights an optimiser updates;
* buffers — Tensors that are state but not weights (BatchNorm's running
  statistics), registered with :meth:`Module.register_buffer`;
* submodules — other Modules, which makes a tree whose dotted paths
  (``"features.0.weight"``) name everything in :meth:`Module.state_dict`.

Example::

    class TwoLayer(Module):
        def __init__(self):
            super().__init__()          # must come before any assignment
            self.fc1 = Linear(784, 128)   # a submodule
            self.fc2 = Linear(128, 10)

        def forward(self, x):           # x: (N, 784) -> (N, 10)
            return self.fc2(self.fc1(x).relu())

    model = TwoLayer()
    list(model.state_dict())   # ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']
"""
from __future__ import annotations

import itertools
from collections import OrderedDict
from typing import Any, Callable, Iterable, Iterator, Mapping

import numpy as np

from minigrad import backend
from minigrad.autograd import DTypeLike
from minigrad.backend import Array
from minigrad.tensor import Tensor

from . import state
from .hooks import BackwardHook, ForwardHook, ForwardPreHook, FullBackwardHook, RemovableHandle
from .parameter import Parameter
from .state import IncompatibleKeys
from .utils import join_name

__all__ = ["IncompatibleKeys", "Module", "Parameter"]


class Module:
    """Base class of layers and models: subclass it, register parts in ``__init__``
    (after ``super().__init__()``), and compute in :meth:`forward`; call the module
    (``model(x)``), not ``forward``, so that hooks run."""

    training: bool
    # Buffers that checkpoints may lack (older PyTorch versions did not save them): when
    # absent from a state_dict they keep their value and are not reported as missing.
    _optional_buffers: frozenset[str] = frozenset()

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_forward_hooks", {})
        object.__setattr__(self, "_backward_hooks", {})

    # Any: a module may take and return any objects; layers narrow it (Tensor -> Tensor).
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; every subclass defines it."""
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required '
                                  f'"forward" function')

    # ---- registration ----------------------------------------------------------------------
    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or a None placeholder, e.g. ``bias=False``) named ``name``."""
        self._check_new_name(name, "parameter", self.__dict__.get("_parameters", {}))
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: a Tensor of state that is not trained (moved by ``to()``; saved in
        the ``state_dict`` unless ``persistent=False``)."""
        self._check_new_name(name, "buffer", self.__dict__.get("_buffers", {}))
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a submodule named ``name`` (what ``self.name = module`` does)."""
        self._check_new_name(name, "module", self.__dict__.get("_modules", {}))
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    def _check_new_name(self, name: str, kind: str, registry: Mapping[str, object]) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f'{kind} name can\'t be empty or contain ".", got {name!r}')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")

    def __setattr__(self, name: str, value: object) -> None:
        registries = {kind: self.__dict__.get(kind, {})
                      for kind in ("_parameters", "_buffers", "_modules")}
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            self.add_module(name, value)
        elif name in registries["_parameters"]:
            self._assign_none_or_fail(registries["_parameters"], name, value, "Parameter")
        elif name in registries["_modules"]:
            self._assign_none_or_fail(registries["_modules"], name, value, "Module")
        elif name in registries["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                                f"(Tensor or None expected)")
            registries["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str) -> None:
        """Drop ``name`` from the instance dict and every registry but ``keep`` (so that
        re-assigning ``self.weight`` keeps its place in the state_dict order)."""
        self.__dict__.pop(name, None)
        for kind in ("_parameters", "_buffers", "_modules"):
            if kind != keep:
                self.__dict__.get(kind, {}).pop(name, None)
        self.__dict__.get("_non_persistent_buffers", set()).discard(name)

    @staticmethod
    def _assign_none_or_fail(registry: dict[str, Parameter | None] | dict[str, Module | None],
                             name: str, value: object, kind: str) -> None:
        if value is not None:
            raise TypeError(f"cannot assign '{type(value).__name__}' as {kind.lower()} "
                            f"'{name}' ({kind} or None expected)")
        registry[name] = None

    # Any: a registered Parameter, buffer or submodule (or None): which one, only the
    # name tells, so type checkers let ``model.fc.weight`` through without casts.
    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: parameters, buffers and submodules live
        # in the registries, not in the instance dict.
        for kind in ("_parameters", "_buffers", "_modules"):
            registry = self.__dict__.get(kind, {})
            if name in registry:
                return registry[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for kind in ("_parameters", "_buffers", "_modules"):
            registry = self.__dict__[kind]
            if name in registry:
                del registry[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    # ---- calling and hooks --------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """``forward(*args, **kwargs)`` wrapped in the hooks: forward pre-hooks, then
        forward, then forward hooks; backward hooks wrap the inputs and the output."""
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        backward_hook = None
        if self._backward_hooks:
            backward_hook = BackwardHook(self, self._backward_hooks.values())
            args = backward_hook.setup_input_hook(args)
        output = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, output)
            if result is not None:
                output = result
        if backward_hook is not None:
            output = backward_hook.setup_output_hook(output)
        return output

    def register_forward_pre_hook(self, hook: ForwardPreHook) -> RemovableHandle:
        """``hook(module, args) -> None | new_args`` runs before every ``forward``."""
        return _add_hook(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook: ForwardHook) -> RemovableHandle:
        """``hook(module, args, output) -> None | new_output`` runs after every ``forward``;
        a non-None result replaces the output."""
        return _add_hook(self._forward_hooks, hook)

    def register_full_backward_hook(self, hook: FullBackwardHook) -> RemovableHandle:
        """``hook(module, grad_input, grad_output) -> None | new_grad_input`` runs in backward.

        ``grad_output``: gradients w.r.t. the module's outputs (a tuple); ``grad_input``:
        w.r.t. its positional inputs (None for non-Tensors and inputs that need no
        gradient). A non-None result replaces ``grad_input``. See :mod:`layers.hooks`.
        """
        return _add_hook(self._backward_hooks, hook)

    # ---- walking the tree ---------------------------------------------------------------------
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(dotted name, module) for this module and all below it, depth first in
        registration order; a module reachable twice is yielded once unless
        ``remove_duplicate=False``."""
        seen = set() if memo is None else memo
        stack: list[tuple[str, Module]] = [(prefix, self)]  # explicit stack: no recursion limit
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(join_name(name, child_name), child)
                        for child_name, child in module._modules.items() if child is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, each once (see :meth:`named_modules`)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, module) for the direct submodules (each module once)."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules, each once."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, members: Callable[[Module], Iterable[tuple[str, Tensor | None]]],
                       prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, tensor) for ``members(module)`` of every module; shared tensors once."""
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else [(prefix, self)])
        seen: set[int] = set()  # by id: Tensor == is elementwise
        for module_prefix, module in modules:
            for name, tensor in members(module):
                if tensor is None or (remove_duplicate and id(tensor) in seen):
                    continue
                seen.add(id(tensor))
                yield join_name(module_prefix, name), tensor

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) in registration order; a shared Parameter once."""
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter (of submodules too unless ``recurse=False``), each once: what an
        optimiser takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) in registration order, persistent or not."""
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer (of submodules too unless ``recurse=False``), each once."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], object]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # ---- modes, gradients, devices --------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout drops, BatchNorm uses batch statistics) here and in
        every submodule; returns self."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient recording for every parameter (freeze with False); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to None, or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                if param.grad.grad_fn is not None:
                    param.grad = param.grad.detach()
                param.grad.data[...] = 0

    def to(self, device_or_dtype: str | DTypeLike) -> Module:
        """Move every parameter, its ``.grad`` and every buffer to a device (``"cpu"``,
        ``"cuda"``, ``"cuda:N"``), or cast the floating-point ones to a float dtype.

        In place: the Parameter objects stay the same (an optimiser built before
        keeps working); only their ``.data`` is replaced. Returns self.
        """
        convert = _array_converter(device_or_dtype)
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            tensor.data = convert(tensor.data)
            if tensor.grad is not None:
                tensor.grad.data = convert(tensor.grad.data)
        return self

    def cpu(self) -> Module:
        """Move to the CPU (``to("cpu")``)."""
        return self.to("cpu")

    def cuda(self, index: int = 0) -> Module:
        """Move to GPU ``index`` (``to("cuda:index")``)."""
        return self.to(f"cuda:{index}")

    def float(self) -> Module:
        """Cast floating-point parameters and buffers to float32."""
        return self.to(np.float32)

    def double(self) -> Module:
        """Cast floating-point parameters and buffers to float64."""
        return self.to(np.float64)

    # ---- saving and loading (the work is done in layers/state.py) ------------------------
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Name -> host NumPy copy of every parameter and persistent buffer.

        Keys are PyTorch's (``"features.0.weight"``, ``"bn.running_mean"``, ...): each
        module's parameters, then its buffers, then its children; a module reachable
        under two names appears under both.
        """
        return state.state_dict_of(self)

    def load_state_dict(self, state_dict: Mapping[str, Tensor | Array],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy values (NumPy/CuPy arrays or Tensors) into the parameters and buffers, in
        place, onto each one's device and dtype.

        strict: raise RuntimeError listing missing and unexpected keys. A shape
        mismatch raises whatever ``strict`` says. Nothing is changed when it raises.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        return state.load_state_dict_into(self, state_dict, strict)

    # ---- printing -----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown between the parentheses of ``repr`` (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra_lines = self.extra_repr().split("\n") if self.extra_repr() else []
        child_lines = [f"({name}): " + _indent(repr(module))
                       for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        if not lines:
            return f"{type(self).__name__}()"
        if len(extra_lines) == 1 and not child_lines:
            return f"{type(self).__name__}({extra_lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


# ---- helpers ------------------------------------------------------------------------------
def _add_hook(hooks: dict[int, Callable[..., object]], hook: Callable[..., object]
              ) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    return handle


def _indent(text: str) -> str:
    """Indent every line but the first by two spaces (nested reprs)."""
    return text.replace("\n", "\n  ")


def _array_converter(target: str | DTypeLike) -> Callable[[Array], Array]:
    """The array -> array function that ``Module.to(target)`` applies."""
    if isinstance(target, str) and (target == "cpu" or target.startswith("cuda")):
        device = backend.normalize_device(target)
        return lambda array: backend.to_device(array, device)
    dtype = np.dtype(target)
    if dtype.kind != "f":
        raise TypeError(f"Module.to only accepts floating point dtypes, but got {dtype}")
    # Only floating-point tensors are cast: integer buffers (num_batches_tracked) keep theirs.
    return lambda array: array.astype(dtype, copy=False) if array.dtype.kind == "f" else array
