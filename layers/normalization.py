"""``LocalResponseNorm``: AlexNet's normalisation across neighbouring channels."""
from __future__ import annotations

import minigrad.functional as F
from minigrad.tensor import Tensor

from .module import Module


class LocalResponseNorm(Module):
    """b_c = a_c / (k + alpha/size · Σ a_c'²)^beta, the sum over the ``size`` channels
    around c (Krizhevsky et al. 2012, §3.3, with PyTorch's alpha/size scaling).

    Shapes: input (N, C, H, W) -> output of the same shape. No parameters.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75,
                 k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, x: Tensor) -> Tensor:
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
