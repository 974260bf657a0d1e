"""``torchvision.datasets`` for the ported programs: only the dataset location changes.

The programs here ask for ``datasets.MNIST(root, ...)`` or ``datasets.FashionMNIST(root, ...)``.
Both give minigrad's Fashion-MNIST (:class:`minigrad.data.datasets.FashionMNIST`) read from
``DATA_ROOT``: MNIST is not on this machine, and Fashion-MNIST has MNIST's format (28×28
uint8 images, 10 classes). ``root`` and ``download`` are accepted and ignored, so nothing is
downloaded.

Quick mode. With the environment variable ``MINIGRAD_OUTSIDE_QUICK=1`` each split keeps only
its first ``QUICK_TRAIN`` (train) or ``QUICK_TEST`` (test) items, so a program runs in seconds.
"""
from __future__ import annotations

import os
import types
from typing import Any

from minigrad.data import Subset
from minigrad.data.datasets import FashionMNIST

DATA_ROOT = "/usr/share/datasets/fashion-mnist"
QUICK_TRAIN, QUICK_TEST = 1280, 500


def fashion_mnist(root: str | None = None, train: bool = True, download: bool = False,
                  transform: Any = None) -> FashionMNIST | Subset:
    """Fashion-MNIST from ``DATA_ROOT`` (``root``, ``download`` ignored), cut in quick mode."""
    full = FashionMNIST(DATA_ROOT, train=train, transform=transform)
    if os.environ.get("MINIGRAD_OUTSIDE_QUICK") != "1":
        return full
    return Subset(full, range(QUICK_TRAIN if train else QUICK_TEST))


datasets = types.SimpleNamespace(MNIST=fashion_mnist, FashionMNIST=fashion_mnist)
