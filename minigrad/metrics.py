"""Evaluation metrics computed on raw arrays (NumPy or CuPy), returned as Python numbers."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import backend
from .backend import Array
from .tensor import Tensor


def accuracy(logits: Tensor | Array, target: Tensor | Array,
             topk: Sequence[int] = (1,)) -> tuple[float, ...]:
    """Top-k accuracy: the fraction of rows whose target class is among the k largest logits.

    Args:
        logits: (N, C) scores, a Tensor or a NumPy/CuPy array (any real dtype).
        target: (N,) integer class indices in [0, C), on the same device.
        topk: the k values to report, each in 1..C.

    Returns:
        One Python float per k, in the order of ``topk``; e.g. ``topk=(1, 5)``
        gives ``(top1, top5)``.

    Ties are broken by class index (the lower index ranks first), through a
    stable sort, so the result is deterministic. No gradient is recorded.
    """
    scores, labels = _raw(logits), _raw(target)
    _check(scores, labels, topk)
    ranking = _rank_classes(scores)[:, :max(topk)]           # (N, maxk) class ids, best first
    hits_at_rank = (ranking == labels[:, None]).sum(axis=0)  # (maxk,) targets found at rank r
    within_top = np.cumsum(backend.to_numpy(hits_at_rank))   # (maxk,) targets in the top r + 1
    n = scores.shape[0]
    return tuple(float(within_top[k - 1]) / n for k in topk)


def _raw(x: Tensor | Array) -> Array:
    """The raw array of a Tensor; NumPy/CuPy arrays as they are; anything else via NumPy."""
    if isinstance(x, Tensor):
        return x.data
    return x if backend.is_cupy_array(x) else np.asarray(x)


def _rank_classes(scores: Array) -> Array:
    """(N, C) scores -> (N, C) class indices sorted by decreasing score, ties by index."""
    if backend.is_cupy_array(scores):
        return (-scores).argsort(axis=1)  # CuPy's argsort is always stable
    return np.argsort(-scores, axis=1, kind="stable")


def _check(scores: Array, labels: Array, topk: Sequence[int]) -> None:
    """Clear errors for inputs that accuracy() cannot score."""
    if scores.ndim != 2:
        raise ValueError(f"logits must have shape (N, C), got shape {tuple(scores.shape)}")
    n, c = scores.shape
    if labels.shape != (n,):
        raise ValueError(f"target must have shape (N,) = ({n},) to match logits of shape "
                         f"{tuple(scores.shape)}, got shape {tuple(labels.shape)}")
    if backend.device_of(scores) != backend.device_of(labels):
        raise RuntimeError(f"logits are on {backend.device_of(scores)} but target is on "
                           f"{backend.device_of(labels)}")
    if scores.dtype.kind not in "fi":
        raise TypeError(f"logits must be floating point or signed integer, got {scores.dtype}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"target must hold integer class indices, got dtype {labels.dtype}")
    if n == 0:
        raise ValueError("accuracy of an empty batch (N = 0) is undefined")
    if isinstance(topk, (int, np.integer)):
        raise TypeError(f"topk must be a sequence of k values such as (1, 5), got {topk!r}")
    if len(topk) == 0:
        raise ValueError("topk must list at least one k")
    for k in topk:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"each k in topk must be a positive integer, got {k!r}")
        if k > c:
            raise ValueError(f"topk k={k} is larger than the number of classes C={c}")
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= c:
        raise ValueError(f"target class indices must be in [0, {c}), got values in [{low}, {high}]")
