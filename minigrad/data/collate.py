"""Turning a list of ``(image, label)`` items into one batch of arrays."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor


def _host(value: Any) -> np.ndarray:
    """An item's image or label as a host array (Tensors from ``ToTensor`` included)."""
    return value.numpy() if isinstance(value, Tensor) else np.asarray(value)


def stack_batch(items: Sequence[tuple[Any, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Stack items into ``(images, labels)`` arrays, the DataLoader's default ``collate_fn``.

    Args:
        items: N pairs ``(image, label)``; every image has the same shape, e.g. ``(C, H, W)``.

    Returns:
        images: one contiguous array ``(N, *image.shape)``. Floating images become float32
            (minigrad's default float); other dtypes (e.g. uint8) are kept.
        labels: int64 ``(N,)`` for integer labels; other labels (float targets, arrays)
            are stacked with their dtype, ``(N, *label.shape)``.
    """
    images = [_host(image) for image, _ in items]
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise ValueError(f"cannot stack images of different shapes {sorted(shapes)} into one "
                         "batch; add a Resize/CenterCrop or RandomResizedCrop transform")
    floating = any(image.dtype.kind == "f" for image in images)
    batch = np.stack(images, dtype=np.float32 if floating else None)
    labels = np.stack([_host(label) for _, label in items])
    return batch, labels.astype(np.int64) if labels.dtype.kind in "biu" else labels
