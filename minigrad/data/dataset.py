"""Datasets: indexable collections of ``(image, label)`` pairs.

A dataset yields images *before* any batching: uint8 NumPy arrays ``H×W`` (grayscale)
or ``H×W×3`` (RGB) from the built-in datasets, or whatever its ``transform`` makes of
them (usually a float32 ``C×H×W`` array from ``transforms.ToArray``). Labels are ints.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Transform = Callable[..., Any]


class Dataset:
    """Base class: subclasses implement ``__len__`` and ``__getitem__(index) -> (image, label)``."""

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __getitem__(self, index: int) -> tuple[Any, int]:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(len={len(self)})"


def check_index(index: int, length: int) -> int:
    """``index`` as a non-negative int in ``[0, length)``; negative indices count from the end."""
    index = int(index)
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for a dataset of {length} items")
    return index % length


class Subset(Dataset):
    """The items of ``dataset`` at ``indices``, in that order (e.g. a validation split)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = [check_index(i, len(dataset)) for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        return self.dataset[self.indices[check_index(index, len(self))]]


class ArrayDataset(Dataset):
    """A dataset over in-memory arrays, like PyTorch's ``TensorDataset``.

    Args:
        images: array ``(N, ...)``; item ``i`` is ``images[i]`` (e.g. ``(N, 28, 28)`` uint8).
        labels: ``(N,)`` integer class labels.
        transform: applied to each image as it is fetched.
    """

    def __init__(self, images: np.ndarray, labels: Sequence[int] | np.ndarray,
                 transform: Transform | None = None) -> None:
        self.images = np.asarray(images)
        self.labels = np.asarray(labels, dtype=np.int64)
        if self.labels.ndim != 1 or len(self.labels) != len(self.images):
            raise ValueError(f"ArrayDataset needs one label per image: got images of shape "
                             f"{self.images.shape} and labels of shape {self.labels.shape}")
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        index = check_index(index, len(self))
        image = self.images[index]
        if self.transform is not None:
            image = self.transform(image)
        return image, int(self.labels[index])
