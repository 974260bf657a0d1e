"""``Flatten``: merge a range of axes into one, (N, C, H, W) -> (N, C·H·W) by default."""
from __future__ import annotations

from minigrad.tensor import Tensor

from .module import Module


class Flatten(Module):
    """Merge axes ``start_dim..end_dim`` into one; the default keeps the batch axis:
    (N, C, H, W) -> (N, C·H·W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
