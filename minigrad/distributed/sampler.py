"""``DistributedSampler``: each rank's share of a dataset, epoch by epoch (PyTorch semantics)."""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..data.rng import epoch_generator
from .process_group import get_group

__all__ = ["DistributedSampler"]


class DistributedSampler:
    """The dataset indices one rank visits in an epoch, as in PyTorch's
    ``torch.utils.data.DistributedSampler``.

    Every rank draws the same permutation of ``range(len(dataset))`` (seeded by ``seed`` and
    the epoch: ``set_epoch`` before each epoch, or the order repeats), makes its length a
    multiple of ``num_replicas`` — by repeating indices from its start, or with
    ``drop_last=True`` by dropping its tail — and takes every ``num_replicas``-th index from
    position ``rank``. So the ranks' shares are disjoint, equally long and together cover
    the dataset (with ``drop_last``, all but fewer than ``num_replicas`` items).

    The permutation is the one minigrad's ``DataLoader(shuffle=True, seed=seed)`` uses for
    the same epoch, so with per-rank batches of ``B`` the ranks' ``k``-th batches together
    hold the single-process loader's ``k``-th batch of ``num_replicas·B`` items.

    Args:
        dataset: anything with ``len``.
        num_replicas, rank: default to the world's (``minigrad.distributed.init()`` first).
        shuffle: False keeps the dataset order.
        seed: must be the same on every rank.
        drop_last: drop the tail instead of padding.

    >>> s = DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False)
    >>> list(s), len(s)        # indices 0..9 padded with 0, 1 to 12; rank 1 takes 1, 4, 7, 10
    ([1, 4, 7, 0], 4)
    """

    def __init__(self, dataset: object, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None:
            num_replicas = get_group().size
        if rank is None:
            rank = get_group().rank
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: invalid rank {rank} for num_replicas "
                             f"{num_replicas} (expected 0 <= rank < num_replicas)")
        self.dataset_size = len(dataset)
        if drop_last and self.dataset_size < num_replicas:
            raise ValueError(f"DistributedSampler: drop_last with {self.dataset_size} items "
                             f"and {num_replicas} replicas leaves every rank nothing")
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        per_rank = (self.dataset_size / self.num_replicas)
        self.num_samples = math.floor(per_rank) if drop_last else math.ceil(per_rank)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Use epoch ``epoch``'s permutation from now on."""
        self.epoch = int(epoch)

    def indices(self, epoch: int) -> np.ndarray:
        """This rank's dataset indices for ``epoch``: ``len(self)`` int64s."""
        n = self.dataset_size
        order = epoch_generator(self.seed, epoch).permutation(n) if self.shuffle \
            else np.arange(n)
        if self.total_size > n:
            order = np.resize(order, self.total_size)  # repeats from the start
        return order[self.rank:self.total_size:self.num_replicas].astype(np.int64)

    def __iter__(self) -> Iterator[int]:
        """The indices of the current epoch (see :meth:`set_epoch`)."""
        return iter(self.indices(self.epoch).tolist())

    def __len__(self) -> int:
        """The number of indices per rank and epoch."""
        return self.num_samples
