"""Small, class-balanced Fashion-MNIST subsets as in-memory arrays, for the lessons.

The lessons train on a few thousand images on a CPU. Loading the whole split once
(``FashionMNIST(...).data``), picking a balanced subset and normalising it up front
keeps each batch a cheap slice of one float32 array — no per-image transform::

    images, labels = fashion_mnist_arrays(train=True, per_class=500, seed=0)
    loader = DataLoader(ArrayDataset(images, labels), batch_size=64, shuffle=True, seed=0)

``FASHION_MNIST_MEAN`` / ``FASHION_MNIST_STD`` are the training set's pixel statistics
(of pixels in [0, 1]), the same normalisation the training CLI (``minigrad-train``,
``examples/train.py``) uses, so weights trained there work here.
"""
from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .datasets.fashion_mnist import CLASSES, FashionMNIST

FASHION_MNIST_MEAN, FASHION_MNIST_STD = 0.2860, 0.3530
FASHION_MNIST_CLASSES = CLASSES


def fashion_mnist_available(root: str | os.PathLike[str] | None = None) -> bool:
    """Whether the Fashion-MNIST files can be found (without downloading)."""
    try:
        FashionMNIST(root, train=False)
    except FileNotFoundError:
        return False
    return True


def balanced_indices(labels: np.ndarray, per_class: int | None,
                     classes: Sequence[int] | None = None, seed: int = 0) -> np.ndarray:
    """Indices of up to ``per_class`` random items of each class in ``classes``.

    Args:
        labels: ``(N,)`` integer labels.
        per_class: items drawn per class (without replacement); None keeps them all.
        classes: the classes to keep (default: every class present in ``labels``).
        seed: seeds the draw, so the same arguments always give the same subset.

    Returns:
        Sorted int64 indices into ``labels`` (so the subset keeps the dataset's order).
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    wanted = np.unique(labels) if classes is None else classes
    picked = []
    for c in wanted:
        members = np.flatnonzero(labels == c)
        if per_class is not None and per_class < len(members):
            members = rng.choice(members, size=per_class, replace=False)
        picked.append(members)
    return np.sort(np.concatenate(picked)).astype(np.int64)


def normalize_images(images: np.ndarray) -> np.ndarray:
    """uint8 ``(N, 28, 28)`` -> float32 ``(N, 1, 28, 28)``, (x/255 − mean)/std."""
    scaled = images.astype(np.float32)[:, None] / 255.0
    return (scaled - FASHION_MNIST_MEAN) / FASHION_MNIST_STD


def denormalize_images(images: np.ndarray) -> np.ndarray:
    """The inverse of :func:`normalize_images`: pixels back in [0, 1] (for display)."""
    return np.clip(images * FASHION_MNIST_STD + FASHION_MNIST_MEAN, 0.0, 1.0)


def fashion_mnist_arrays(train: bool = True, per_class: int | None = None,
                         classes: Sequence[int] | None = None, seed: int = 0,
                         normalize: bool = True, root: str | os.PathLike[str] | None = None,
                         ) -> tuple[np.ndarray, np.ndarray]:
    """A class-balanced Fashion-MNIST subset, whole, as arrays.

    Args:
        train: the training split (60,000 images) or the test split (10,000).
        per_class: images per class (None: all of them); see :func:`balanced_indices`.
        classes: the classes to keep (default all ten); labels keep their original values.
        seed: which images are drawn.
        normalize: float32 ``(N, 1, 28, 28)`` normalised with the training statistics if
            True; else the raw uint8 ``(N, 28, 28)`` images.
        root: a folder to look in first for the files (see ``datasets.FashionMNIST``).

    Returns:
        ``(images, labels)``; labels int64 ``(N,)``.
    """
    split = FashionMNIST(root, train=train)
    keep = balanced_indices(split.targets, per_class, classes, seed)
    images, labels = split.data[keep], split.targets[keep]
    return (normalize_images(images) if normalize else images), labels
