"""``Parameter``: a Tensor that a Module registers as one of its learnable weights."""
from __future__ import annotations

from minigrad.backend import Array
from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A leaf Tensor that requires grad (by default) and is registered by a Module.

    Assigning a Parameter to a Module attribute (``self.weight = Parameter(...)``)
    adds it to ``module.parameters()`` and to the ``state_dict``. The data is
    shared with ``data`` (a Tensor or an array), not copied, as in PyTorch.
    Results of operations on a Parameter are plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data: Tensor | Array, requires_grad: bool = True) -> None:
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
