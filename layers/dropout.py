"""``Dropout``: zero random activations while training (Srivastava et al. 2014)."""
from __future__ import annotations

import minigrad.functional as F
from minigrad.tensor import Tensor

from .module import Module


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by
    1/(1-p) (so eval needs no rescaling); in eval mode, the identity. Any shape.

    ``inplace`` is accepted for PyTorch compatibility and ignored: minigrad always
    returns a new tensor.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
