"""The base of every exercise: a Function whose backward is written on plain arrays.

A student writes ``backward_arrays``: it receives ∂L/∂y as a NumPy array and returns
one array per input (∂L/∂input, same shape as that input), the way a kernel would. The
``backward`` the engine calls wraps those arrays into Tensors (first derivatives only:
the exercise does not ask for a twice-differentiable backward).
"""
from __future__ import annotations

from minigrad.autograd import Function
from minigrad.backend import Array
from minigrad.tensor import Tensor


class ArrayFunction(Function):
    """A :class:`Function` with ``forward(*arrays) -> array`` and
    ``backward_arrays(grad_output) -> array or tuple of arrays`` (one per input)."""

    def backward_arrays(self, grad_output: Array) -> Array | tuple[Array | None, ...]:
        """∂L/∂inputs from ∂L/∂output, all NumPy arrays; the exercise to write."""
        raise NotImplementedError(f"{type(self).__name__}.backward_arrays: write the backward "
                                  f"(this is the exercise)")

    def backward(self, grad_output: Tensor) -> Tensor | tuple[Tensor | None, ...]:
        """The engine's backward: ``backward_arrays`` on ∂L/∂y's array, results wrapped."""
        grads = self.backward_arrays(grad_output.data)
        if not isinstance(grads, tuple):
            return Tensor._make(grads)
        return tuple(None if g is None else Tensor._make(g) for g in grads)
