"""Loss modules: ``CrossEntropyLoss``, ``NLLLoss``, ``MSELoss``.

``reduction``: ``"mean"`` (default) averages the per-sample losses, ``"sum"`` adds
them, ``"none"`` returns them, shape (N,) (or the input's shape for MSELoss).
"""
from __future__ import annotations

import minigrad.functional as F
from minigrad.tensor import Tensor

from .module import Module

_REDUCTIONS = ("none", "mean", "sum")


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{reduction!r} is not a valid value for reduction: "
                             f"expected one of {_REDUCTIONS}")
        self.reduction = reduction


class CrossEntropyLoss(_Loss):
    """−log softmax(logits)[target], with optional label smoothing.

    Shapes: logits (N, C), target (N,) int class indices -> a scalar (or (N,)).
    ``label_smoothing`` ε mixes the one-hot target with the uniform distribution:
    (1 − ε)·one_hot + ε/C. ``weight`` (C,) weights the classes; targets equal to
    ``ignore_index`` are skipped (PyTorch semantics).
    """

    def __init__(self, reduction: str = "mean", label_smoothing: float = 0.0, *,
                 weight: Tensor | None = None, ignore_index: int = -100) -> None:
        super().__init__(reduction)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
        self.label_smoothing = label_smoothing
        self.register_buffer("weight", weight)  # moves with .to(), like PyTorch's
        self.ignore_index = ignore_index

    def forward(self, logits: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(logits, target, self.reduction, self.label_smoothing,
                               weight=self.weight, ignore_index=self.ignore_index)


class NLLLoss(_Loss):
    """−log_probs[target]: the loss on log-probabilities (e.g. after LogSoftmax).

    Shapes: log_probs (N, C), target (N,) int class indices -> a scalar (or (N,)).
    ``weight`` (C,) weights the classes; targets equal to ``ignore_index`` are skipped.
    """

    def __init__(self, reduction: str = "mean", *, weight: Tensor | None = None,
                 ignore_index: int = -100) -> None:
        super().__init__(reduction)
        self.register_buffer("weight", weight)  # moves with .to(), like PyTorch's
        self.ignore_index = ignore_index

    def forward(self, log_probs: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(log_probs, target, self.reduction, weight=self.weight,
                          ignore_index=self.ignore_index)


class MSELoss(_Loss):
    """(input − target)², input and target of the same shape."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, self.reduction)
