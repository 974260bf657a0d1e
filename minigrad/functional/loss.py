"""Loss functions: cross-entropy (softmax + negative log-likelihood), NLL, MSE."""
from __future__ import annotations

import numpy as np

from .. import backend
from ..ops.activation import log_softmax
from ..ops.reduction import mean, sum
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return mean(losses)
    if reduction == "sum":
        return sum(losses)
    return losses


def _check_reduction(reduction: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _classes_last(x: Tensor) -> Tensor:
    """(N, C, d1, ...) -> (N*d1*..., C); (N, C) unchanged."""
    if x.ndim == 2:
        return x
    axes = (0,) + tuple(range(2, x.ndim)) + (1,)
    return x.transpose(*axes).reshape(-1, x.shape[1])


def _check_target(scores: Tensor, target: Tensor) -> Tensor:
    """Validate integer class indices against scores of shape (N, C, ...)."""
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target), device=scores.device)
    if target.device != scores.device:
        raise RuntimeError(f"target is on {target.device} but the scores are on {scores.device}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    expected = scores.shape[:1] + scores.shape[2:]
    if scores.ndim < 2 or target.shape != expected:
        raise ValueError(f"scores of shape {scores.shape} need a target of shape {expected}, "
                         f"got {target.shape}")
    num_classes = scores.shape[1]
    if target.size:
        low, high = int(target.data.min()), int(target.data.max())
        if low < 0 or high >= num_classes:
            bad = high if high >= num_classes else low
            raise IndexError(f"target class {bad} is out of range for {num_classes} classes "
                             f"(valid: 0..{num_classes - 1})")
    return target


def nll_loss(log_probs: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -log_probs[i, target[i]].

    log_probs: (N, C) or (N, C, d1, ...); target: (N,) or (N, d1, ...) int.
    """
    _check_reduction(reduction)
    target = _check_target(log_probs, target)
    flat = _classes_last(log_probs)
    xp = backend.get_array_module(flat.data)
    picked = flat[xp.arange(flat.shape[0]), target.data.reshape(-1)]
    losses = (-picked).reshape(target.shape)
    return _reduce(losses, reduction)


def cross_entropy(logits: Tensor, target: Tensor, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy from raw scores, computed with a stable log-sum-exp.

    logits: (N, C) or (N, C, d1, ...); target: (N,) / (N, d1, ...) int class indices.
    With label smoothing eps the target distribution is (1 - eps) one-hot + eps / C:
    loss = (1 - eps) * (-log p[target]) + eps * mean_c(-log p[c]).
    """
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    _check_reduction(reduction)
    log_probs = log_softmax(logits, axis=1)
    nll = nll_loss(log_probs, target, reduction="none")
    if label_smoothing == 0.0:
        return _reduce(nll, reduction)
    uniform = -mean(log_probs, axis=1)
    return _reduce(nll * (1.0 - label_smoothing) + uniform * label_smoothing, reduction)


def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """Mean squared error (input - target)^2, shapes must match."""
    _check_reduction(reduction)
    if not isinstance(target, Tensor):
        target = Tensor(np.asarray(target, dtype=input.dtype), device=input.device)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} and target shape {target.shape} "
                         f"differ")
    diff = input - target
    return _reduce(diff * diff, reduction)
