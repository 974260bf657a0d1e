"""``minigrad.utils.data``: ``torch.utils.data``'s names for minigrad's data loading.

``DataLoader``, ``Dataset`` and ``Subset`` are :mod:`minigrad.data`'s; this module adds
PyTorch's :class:`TensorDataset` and :func:`random_split`. So ``from torch.utils.data import
DataLoader, TensorDataset`` ports as ``from minigrad.utils.data import ...``.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from ..data import ArrayDataset, DataLoader, Dataset, Subset, stack_batch
from ..data.dataset import check_index
from ..random import generator as global_generator
from ..tensor import Tensor

__all__ = ["ArrayDataset", "DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate",
           "random_split"]

default_collate = stack_batch  # the DataLoader's default collate_fn


class TensorDataset(Dataset):
    """Item ``i`` is ``tuple(t[i] for t in tensors)``, like PyTorch's ``TensorDataset``.

    Args:
        tensors: Tensors (or arrays) sharing their first size N, e.g. inputs ``(N, D)`` and
            targets ``(N,)``.
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        sizes = {len(t) for t in tensors}
        if len(sizes) != 1:
            raise ValueError(f"TensorDataset needs tensors with one first size, got shapes "
                             f"{[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, index: int) -> tuple[Tensor | np.ndarray, ...]:
        index = check_index(index, len(self))
        return tuple(t[index] for t in self.tensors)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random :class:`Subset` s of the given
    ``lengths`` (counts summing to ``len(dataset)``, or fractions summing to 1, the
    remainder handed out one by one from the first subset, as PyTorch does).

    generator: a ``numpy.random.Generator``; minigrad's global one by default
    (``mg.manual_seed`` makes the split repeat).
    """
    total = len(dataset)
    if math.isclose(sum(lengths), 1.0) and sum(lengths) <= 1:
        counts = [math.floor(total * fraction) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(n) for n in lengths]
    if sum(counts) != total or min(counts) < 0:
        raise ValueError(f"random_split: lengths {list(lengths)} do not split a dataset of "
                         f"{total} items")
    order = (generator or global_generator()).permutation(total).tolist()
    ends = list(itertools.accumulate(counts))
    return [Subset(dataset, order[end - n:end]) for n, end in zip(counts, ends)]
