"""The DataLoader: batches of a dataset as minigrad Tensors, optionally loaded ahead by threads.

Reproducibility. A loader has a ``seed`` (drawn from minigrad's global generator when not
given, so ``mg.manual_seed`` fixes it) and an ``epoch`` counter that every ``iter(loader)``
uses and then increments. Epoch ``e``

* visits the samples in the order ``rng.permutation(N)`` with
  ``rng = default_rng(SeedSequence(seed, spawn_key=(e,)))`` when ``shuffle=True``;
* loads item ``i`` with its own generator ``default_rng(SeedSequence(seed, spawn_key=(e, i)))``,
  which random transforms called with ``rng=None`` pick up (see ``minigrad.data.rng``).

So the batches of an epoch depend only on (seed, epoch): not on ``num_workers`` and not on
which thread finished first. ``state_dict()`` holds both numbers, to resume a run.

Workers. ``num_workers > 0`` loads whole batches in a thread pool, keeping up to
``prefetch_factor * num_workers`` batches in flight while the training step runs. Threads
suffice because the heavy parts (Pillow's decoding and resizing, most NumPy work) release
the GIL. Batches still come out in order; an exception raised while loading an item is
re-raised in the main thread with a note naming the item's index.
"""
from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..creation import from_numpy
from ..random import generator
from .collate import stack_batch
from .dataset import Dataset
from .rng import epoch_generator, item_rng

Batch = tuple[np.ndarray, ...]


def to_tensor(array: np.ndarray, device: str) -> Tensor:
    """Wrap a host array as a minigrad Tensor (no copy) and move it to ``device``."""
    return from_numpy(array).to(device)


def _fresh_seed() -> int:
    """A seed for a loader created without one, from minigrad's global generator."""
    return int(generator().integers(2**63))


class DataLoader:
    """Iterate over ``dataset`` in batches of ``(images, labels)`` Tensors on ``device``.

    Args:
        dataset: a :class:`Dataset` (``len`` and ``[i] -> (image, label)``).
        batch_size: items per batch; the last batch may be smaller unless ``drop_last``.
        shuffle: visit the items in a new random order each epoch.
        drop_last: skip the last batch when it has fewer than ``batch_size`` items.
        num_workers: threads that load batches ahead; 0 loads in the main thread.
        seed: seed of the shuffling and of the per-item transform generators.
        device: where the batches go (``"cpu"``, ``"cuda"``, ``"cuda:N"``).
        collate_fn: maps a list of ``(image, label)`` items to a tuple of NumPy arrays;
            defaults to :func:`stack_batch`, which gives images ``(N, C, H, W)`` (or
            ``(N, H, W)``) and int64 labels ``(N,)``.
        prefetch_factor: batches kept in flight per worker.

    Each array of the collated tuple is delivered as a Tensor on ``device``.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, num_workers: int = 0, seed: int | None = None,
                 device: str = "cpu",
                 collate_fn: Callable[[list[tuple[Any, int]]], Batch] | None = None,
                 prefetch_factor: int = 2) -> None:
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if int(num_workers) < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        if int(prefetch_factor) < 1:
            raise ValueError(f"prefetch_factor must be at least 1, got {prefetch_factor}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.num_workers = int(num_workers)
        self.prefetch_factor = int(prefetch_factor)
        self.device = device
        self.collate_fn = collate_fn if collate_fn is not None else stack_batch
        self.seed = int(seed) if seed is not None else _fresh_seed()
        self.epoch = 0

    def __len__(self) -> int:
        """The number of batches per epoch."""
        full, rest = divmod(len(self.dataset), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter(loader)`` produce epoch ``epoch``."""
        self.epoch = int(epoch)

    def state_dict(self) -> dict[str, int]:
        """``{"seed", "epoch"}``: ``epoch`` is the one the next ``iter(loader)`` will produce."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Restore a :meth:`state_dict`, so the following epochs repeat a saved run's order."""
        self.seed = int(state["seed"])
        self.epoch = int(state["epoch"])

    def batch_indices(self, epoch: int) -> list[np.ndarray]:
        """The dataset indices of every batch of ``epoch``: ``len(self)`` int arrays."""
        n = len(self.dataset)
        order = epoch_generator(self.seed, epoch).permutation(n) if self.shuffle else np.arange(n)
        starts = range(0, len(self) * self.batch_size, self.batch_size)
        return [order[start:start + self.batch_size] for start in starts]

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        """Start epoch ``self.epoch`` (and count it): an iterator over its batches."""
        return self.iter_from(0)

    def iter_from(self, start_batch: int) -> Iterator[tuple[Any, ...]]:
        """Like ``iter(loader)`` but beginning at batch ``start_batch`` of the epoch (to
        resume an interrupted epoch); the skipped batches are not loaded."""
        epoch = self.epoch
        self.epoch += 1
        batches = self.batch_indices(epoch)[start_batch:]
        if self.num_workers == 0:
            return (self._deliver(self._load_batch(indices, epoch)) for indices in batches)
        return self._prefetching(batches, epoch)

    def _load_item(self, index: int, epoch: int) -> tuple[Any, int]:
        """``dataset[index]``, its random transforms drawing from the item's own generator."""
        try:
            with item_rng(self.seed, epoch, index):
                return self.dataset[index]
        except Exception as error:
            if hasattr(error, "add_note"):  # Python >= 3.11
                error.add_note(f"(raised by the DataLoader loading item {index} "
                               f"of {type(self.dataset).__name__})")
            raise

    def _load_batch(self, indices: np.ndarray, epoch: int) -> Batch:
        return self.collate_fn([self._load_item(int(i), epoch) for i in indices])

    def _deliver(self, batch: Batch) -> tuple[Any, ...]:
        return tuple(to_tensor(array, self.device) for array in batch)

    def _prefetching(self, batches: Sequence[np.ndarray], epoch: int
                     ) -> Iterator[tuple[Any, ...]]:
        """Yield the batches in order while a thread pool loads the next ones."""
        upcoming = iter(batches)
        in_flight: deque[Future[Batch]] = deque()
        pool = ThreadPoolExecutor(self.num_workers, thread_name_prefix="DataLoader")
        try:
            for indices in itertools.islice(upcoming, self.prefetch_factor * self.num_workers):
                in_flight.append(pool.submit(self._load_batch, indices, epoch))
            while in_flight:
                batch = in_flight.popleft().result()  # re-raises a worker's exception here
                next_indices = next(upcoming, None)
                if next_indices is not None:
                    in_flight.append(pool.submit(self._load_batch, next_indices, epoch))
                yield self._deliver(batch)
        finally:
            # Runs on exhaustion, on an exception, and when the loop is left early (the
            # generator is closed): drop the batches not started, wait for the running ones.
            pool.shutdown(wait=True, cancel_futures=True)
