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

Samplers. ``sampler=`` replaces the loader's own order by any object with ``__iter__`` (dataset
indices) and ``__len__``, as in PyTorch (and, as there, not together with ``shuffle=True``).
A sampler with ``set_epoch`` (``minigrad.distributed.DistributedSampler``) is set to the
loader's epoch before each epoch's indices are drawn: PyTorch leaves that call to the training
loop, minigrad's loader makes it because it counts the epochs itself (so ``state_dict()``
still resumes the order; calling ``set_epoch`` yourself with the same numbers changes nothing).

Workers. ``num_workers > 0`` loads whole batches in a thread pool, keeping up to
``prefetch_factor * num_workers`` batches in flight while the training step runs. Threads
suffice because the heavy parts (Pillow's decoding and resizing, most NumPy work) release
the GIL. Batches still come out in order; an exception raised while loading an item is
re-raised in the main thread with a note naming the item's index. The pool lives for one
epoch, or for the loader's lifetime with ``persistent_workers=True``.

PyTorch's arguments. ``DataLoader`` takes ``torch.utils.data.DataLoader``'s keyword arguments
``sampler``, ``pin_memory``, ``persistent_workers``, ``prefetch_factor``, ``generator``,
``worker_init_fn`` and ``timeout`` (see the class docstring for what each does here);
``batch_sampler`` and ``multiprocessing_context`` are not supported.
"""
from __future__ import annotations

import itertools
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..creation import from_numpy
from ..random import generator
from .collate import stack_batch
from .dataset import Dataset
from .rng import epoch_generator, item_rng

Batch = tuple[np.ndarray, ...]
Sampler = Iterable[int]  # with __len__ too (PyTorch's Sampler protocol)


def to_tensor(array: np.ndarray, device: str) -> Tensor:
    """Wrap a host array as a minigrad Tensor (no copy) and move it to ``device``."""
    return from_numpy(array).to(device)


def _fresh_seed(source: np.random.Generator | None) -> int:
    """A seed for a loader created without one: drawn from ``source`` when given, else
    from minigrad's global generator."""
    if source is None:
        source = generator()
    elif not isinstance(source, np.random.Generator):
        raise TypeError(f"generator must be a numpy.random.Generator (minigrad's generators "
                        f"are; mg.random.generator() is the global one), "
                        f"got {type(source).__name__}")
    return int(source.integers(2**63))


class DataLoader:
    """Iterate over ``dataset`` in batches of ``(images, labels)`` Tensors on ``device``.

    Args:
        dataset: a :class:`Dataset` (``len`` and ``[i] -> (image, label)``).
        batch_size: items per batch; the last batch may be smaller unless ``drop_last``.
        shuffle: visit the items in a new random order each epoch.
        sampler: the dataset indices to visit, in order (``iter(sampler)``, ``len(sampler)``
            of them), instead of ``range(len(dataset))``; excludes ``shuffle=True``. Its
            ``set_epoch(epoch)``, if it has one, is called before each epoch's indices are
            drawn (see the module docstring).
        drop_last: skip the last batch when it has fewer than ``batch_size`` items.
        num_workers: threads that load batches ahead; 0 loads in the main thread.
        seed: seed of the shuffling and of the per-item transform generators.
        device: where the batches go (``"cpu"``, ``"cuda"``, ``"cuda:N"``).
        collate_fn: maps a list of ``(image, label)`` items to a tuple of NumPy arrays;
            defaults to :func:`stack_batch`, which gives images ``(N, C, H, W)`` (or
            ``(N, H, W)``) and int64 labels ``(N,)``.
        prefetch_factor: batches kept in flight per worker (``None``: 2). As in PyTorch,
            giving it with ``num_workers=0`` is an error.
        persistent_workers: keep the worker threads from one epoch to the next instead of
            starting a pool per epoch (needs ``num_workers > 0``, as in PyTorch).
        generator: a ``numpy.random.Generator`` (minigrad's generators are NumPy's) from
            which the loader draws its ``seed`` once, when ``seed`` is not given; the
            epochs then follow from that seed as usual. PyTorch instead draws from its
            generator at every epoch; both make a run repeat when the generator is seeded.
        worker_init_fn: called as ``worker_init_fn(worker_id)`` in each worker thread
            (ids ``0 .. num_workers - 1``) before it loads its first batch: once per epoch,
            or once per loader with ``persistent_workers``. Threads start as the pool needs
            them, so a fast epoch may use (and initialise) fewer than ``num_workers``.
            Unused with ``num_workers=0``.
            Worker threads need no seeding: every item has its own generator.
        timeout: with workers, seconds to wait for a batch before raising ``RuntimeError``
            (0: wait forever). Unused with ``num_workers=0``, as in PyTorch.
        pin_memory: accepted and ignored (a no-op): batches are copied to the GPU
            from ordinary (pageable) host memory, and on the CPU there is nothing to pin.

    Each array of the collated tuple is delivered as a Tensor on ``device``. All
    arguments after ``shuffle`` are keyword-only, so PyTorch's positional order
    (``sampler``, ``batch_sampler``, ...) cannot silently bind to other arguments.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False, *,
                 sampler: Sampler | None = None, drop_last: bool = False,
                 num_workers: int = 0, seed: int | None = None,
                 device: str = "cpu",
                 collate_fn: Callable[[list[tuple[Any, int]]], Batch] | None = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 generator: np.random.Generator | None = None,
                 worker_init_fn: Callable[[int], None] | None = None, timeout: float = 0,
                 pin_memory: bool = False) -> None:
        if int(batch_size) < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        if int(num_workers) < 0:
            raise ValueError(f"num_workers must be >= 0, got {num_workers}")
        if prefetch_factor is not None and int(num_workers) == 0:
            raise ValueError(f"prefetch_factor={prefetch_factor} needs worker threads: "
                             f"set num_workers > 0, or leave prefetch_factor as None")
        if prefetch_factor is not None and int(prefetch_factor) < 1:
            raise ValueError(f"prefetch_factor must be at least 1, got {prefetch_factor}")
        if persistent_workers and int(num_workers) == 0:
            raise ValueError("persistent_workers=True needs num_workers > 0")
        if timeout < 0:
            raise ValueError(f"timeout must be non-negative, got {timeout}")
        if seed is not None and generator is not None:
            raise ValueError("give the loader a seed or a generator, not both")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle: the sampler "
                             "decides the order (DistributedSampler shuffles by itself)")
        if sampler is not None and not (hasattr(sampler, "__iter__")
                                        and hasattr(sampler, "__len__")):
            raise TypeError(f"sampler must have __iter__ (the indices) and __len__, got "
                            f"{type(sampler).__name__}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler = sampler
        self.drop_last = bool(drop_last)
        self.num_workers = int(num_workers)
        self.prefetch_factor = 2 if prefetch_factor is None else int(prefetch_factor)
        self.persistent_workers = bool(persistent_workers)
        self.worker_init_fn = worker_init_fn
        self.timeout = float(timeout)
        self.pin_memory = bool(pin_memory)
        self.device = device
        self.collate_fn = collate_fn if collate_fn is not None else stack_batch
        self.seed = int(seed) if seed is not None else _fresh_seed(generator)
        self.epoch = 0
        self._pool: ThreadPoolExecutor | None = None     # the persistent pool, once started
        self._worker_ids = itertools.count()             # ids for the current pool's threads
        self._worker_ids_lock = threading.Lock()
        self._worker = threading.local()                 # .id, set in each worker thread

    def __len__(self) -> int:
        """The number of batches per epoch."""
        items = len(self.sampler) if self.sampler is not None else len(self.dataset)
        full, rest = divmod(items, self.batch_size)
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
        order = self.order(epoch)
        starts = range(0, len(self) * self.batch_size, self.batch_size)
        return [order[start:start + self.batch_size] for start in starts]

    def order(self, epoch: int) -> np.ndarray:
        """The dataset indices ``epoch`` visits, in order: the sampler's (set to ``epoch``
        first), a permutation seeded by (seed, epoch) with ``shuffle``, else 0, 1, 2, ..."""
        if self.sampler is None:
            n = len(self.dataset)
            return epoch_generator(self.seed, epoch).permutation(n) if self.shuffle \
                else np.arange(n)
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)
        order = np.fromiter(iter(self.sampler), dtype=np.int64)
        if len(order) != len(self.sampler):
            raise ValueError(f"the sampler gave {len(order)} indices but its len() is "
                             f"{len(self.sampler)}")
        return order

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

    def _load_batch_in_worker(self, indices: np.ndarray, epoch: int) -> Batch:
        """:meth:`_load_batch` in a worker thread, calling ``worker_init_fn`` on its first batch."""
        if not hasattr(self._worker, "id"):
            with self._worker_ids_lock:
                self._worker.id = next(self._worker_ids)
            if self.worker_init_fn is not None:
                self.worker_init_fn(self._worker.id)
        return self._load_batch(indices, epoch)

    def _deliver(self, batch: Batch) -> tuple[Any, ...]:
        return tuple(to_tensor(array, self.device) for array in batch)

    def _start_pool(self) -> ThreadPoolExecutor:
        """A pool of ``num_workers`` threads (new threads, so worker ids start again at 0)."""
        self._worker_ids = itertools.count()
        return ThreadPoolExecutor(self.num_workers, thread_name_prefix="DataLoader")

    def _epoch_pool(self) -> ThreadPoolExecutor:
        """The pool for an epoch: a new one, or the persistent one (started on first use and
        shut down when the loader is garbage collected)."""
        if not self.persistent_workers:
            return self._start_pool()
        if self._pool is None:
            self._pool = self._start_pool()
            weakref.finalize(self, self._pool.shutdown, wait=False, cancel_futures=True)
        return self._pool

    def _end_epoch(self, pool: ThreadPoolExecutor, unfinished: Sequence[Future[Batch]],
                   wait_for_running: bool) -> None:
        """Drop the batches not started and (unless a worker is stuck) wait for the running
        ones; then shut the pool down unless it persists. A stuck pool is never kept."""
        for future in unfinished:
            future.cancel()
        if pool is self._pool and wait_for_running:
            wait(unfinished)
            return
        if pool is self._pool:
            self._pool = None
        pool.shutdown(wait=wait_for_running, cancel_futures=True)

    def _prefetching(self, batches: Sequence[np.ndarray], epoch: int
                     ) -> Iterator[tuple[Any, ...]]:
        """Yield the batches in order while a thread pool loads the next ones."""
        upcoming = iter(batches)
        in_flight: deque[Future[Batch]] = deque()
        pool = self._epoch_pool()
        timed_out = False
        try:
            for indices in itertools.islice(upcoming, self.prefetch_factor * self.num_workers):
                in_flight.append(pool.submit(self._load_batch_in_worker, indices, epoch))
            while in_flight:
                if self.timeout > 0 and not wait([in_flight[0]], timeout=self.timeout).done:
                    timed_out = True
                    raise RuntimeError(f"DataLoader timed out after {self.timeout:g} seconds "
                                       f"waiting for a batch from its {self.num_workers} "
                                       f"worker threads")
                batch = in_flight.popleft().result()  # re-raises a worker's exception here
                next_indices = next(upcoming, None)
                if next_indices is not None:
                    in_flight.append(pool.submit(self._load_batch_in_worker, next_indices,
                                                 epoch))
                yield self._deliver(batch)
        finally:
            # Runs on exhaustion, on an exception, and when the loop is left early (the
            # generator is closed).
            self._end_epoch(pool, in_flight, wait_for_running=not timed_out)
