"""Module hooks: removable handles, and the machinery behind full backward hooks.

A full backward hook ``hook(module, grad_input, grad_output)`` needs the
gradients with respect to the module's inputs and outputs, however many ops
the module runs inside. As in PyTorch's ``torch.utils.hooks.BackwardHook``,
:class:`BackwardHook` wraps the module's tensor inputs and outputs in an
identity :class:`~minigrad.autograd.Function` each:

    inputs -> [identity A] -> forward(...) -> [identity B] -> outputs

The engine visits Functions newest first, so in backward B runs first and
sees the gradients w.r.t. the outputs (``grad_output``); A runs after every
op of the module and sees the gradients w.r.t. the inputs (``grad_input``),
calls the user hooks, and passes on whatever they return.
"""
from __future__ import annotations

import itertools
import warnings
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from minigrad.autograd import Function
from minigrad.backend import Array
from minigrad.grad_mode import is_grad_enabled
from minigrad.tensor import Tensor

if TYPE_CHECKING:
    from .module import Module

_hook_ids = itertools.count()

# A module's arguments and outputs may be any objects (``Any``); the Tensors among
# them are what the hooks wrap. Gradients: one per argument/output, None where none.
Grads = tuple[Tensor | None, ...]
# hook(module, args) -> None | new args (a tuple, or the single argument)
ForwardPreHook = Callable[["Module", tuple[Any, ...]], Any]
# hook(module, args, output) -> None | new output
ForwardHook = Callable[["Module", tuple[Any, ...], Any], Any]
# hook(module, grad_input, grad_output) -> None | new grad_input
FullBackwardHook = Callable[["Module", Grads, Grads], Sequence[Tensor | None] | None]


class RemovableHandle:
    """Returned by ``register_*_hook``; ``handle.remove()`` unregisters the hook.

    Also a context manager: ``with module.register_forward_hook(fn): ...``.
    """

    def __init__(self, hooks: dict[int, Callable]) -> None:
        self._hooks = hooks
        self.id = next(_hook_ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self) -> "RemovableHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class _Identity(Function):
    """y_i = x_i for every input; backward hands the gradients to ``on_backward``."""

    def __init__(self, on_backward: Callable[[Grads], Grads]) -> None:
        self.on_backward = on_backward

    def forward(self, *arrays: Array) -> tuple[Array, ...]:
        return arrays

    def backward(self, *grads: Tensor) -> Grads:
        # Inputs that need no gradient are reported as None (PyTorch does the same).
        grads = tuple(g if wanted else None for g, wanted in zip(grads, self.needs_input_grad))
        return tuple(self.on_backward(grads))


def _wrap_tensors(values: tuple[Any, ...], on_backward: Callable[[Grads], Grads]
                  ) -> tuple[tuple[Any, ...], list[int] | None]:
    """Pass the Tensors among ``values`` through one :class:`_Identity`.

    Returns the new values and the positions of the Tensors, or ``(values, None)``
    when no Tensor requires grad (or grad mode is off): then nothing is wrapped.
    """
    positions = [i for i, v in enumerate(values) if isinstance(v, Tensor)]
    tensors = [values[i] for i in positions]
    if not (is_grad_enabled() and any(t.requires_grad for t in tensors)):
        return values, None
    wrapped = list(values)
    for i, t in zip(positions, _Identity.apply(*tensors, on_backward=on_backward)):
        wrapped[i] = t
    return tuple(wrapped), positions


def _spread(positions: Sequence[int], grads: Sequence[Tensor | None], size: int) -> Grads:
    """``size`` Nones with ``grads`` put at ``positions`` (non-tensor slots stay None)."""
    spread: list[Tensor | None] = [None] * size
    for i, g in zip(positions, grads):
        spread[i] = g
    return tuple(spread)


class BackwardHook:
    """Runs a module's full backward hooks for one call of the module.

    ``setup_input_hook(args)`` before ``forward``, ``setup_output_hook(output)``
    after it; both return the (wrapped) values to use instead.
    """

    def __init__(self, module: Module, user_hooks: Iterable[FullBackwardHook]) -> None:
        self.module = module
        self.user_hooks = list(user_hooks)
        self.n_inputs = self.n_outputs = 0
        # Where the Tensors sit among the arguments / outputs (None: nothing was wrapped).
        self.input_positions: list[int] | None = None
        self.output_positions: list[int] | None = None
        self.grad_outputs: Grads | None = None

    def setup_input_hook(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        self.n_inputs = len(args)
        args, self.input_positions = _wrap_tensors(args, self._on_input_grads)
        return args

    def setup_output_hook(self, output: Any) -> Any:
        single = isinstance(output, Tensor)
        if not (single or isinstance(output, (tuple, list))):
            return output  # nothing we know how to wrap
        outputs = (output,) if single else tuple(output)
        self.n_outputs = len(outputs)
        outputs, self.output_positions = _wrap_tensors(outputs, self._on_output_grads)
        return outputs[0] if single else type(output)(outputs)

    def _on_output_grads(self, grads: Grads) -> Grads:
        self.grad_outputs = _spread(self.output_positions, grads, self.n_outputs)
        if self.input_positions is None:  # no input needs a gradient: call the hooks now
            self._call_hooks_without_inputs()
        return grads

    def _on_input_grads(self, grads: Grads) -> Grads:
        if self.grad_outputs is None:  # the gradient did not come through the outputs
            return grads
        grad_input = _spread(self.input_positions, grads, self.n_inputs)
        for hook in self.user_hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is None:
                continue
            if len(result) != len(grad_input):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, "
                                   f"got {len(result)}, but expected {len(grad_input)}")
            grad_input = tuple(result)
        self.grad_outputs = None
        return tuple(grad_input[i] for i in self.input_positions)

    def _call_hooks_without_inputs(self) -> None:
        warnings.warn("Full backward hook is firing when gradients are computed with respect "
                      "to module outputs since no inputs require gradients", stacklevel=2)
        grad_input = (None,) * self.n_inputs
        for hook in self.user_hooks:
            result = hook(self.module, grad_input, self.grad_outputs)
            if result is not None and any(g is not None for g in result):
                raise RuntimeError("Backward hook for Modules where no input requires gradient "
                                   "should always return None or None for all gradients.")
        self.grad_outputs = None
