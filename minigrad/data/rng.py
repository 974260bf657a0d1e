"""Where random transforms take their randomness from.

A random transform is called as ``transform(image, rng=None)``. The generator it
uses is, in order of preference:

1. the ``rng`` argument, when given;
2. the generator of the item being loaded, when called inside :func:`item_rng`
   (the DataLoader wraps every item in it, so each item's augmentation depends only
   on the loader seed, the epoch and the item index, never on thread timing);
3. minigrad's global NumPy generator (:func:`minigrad.random.generator`), which
   ``mg.manual_seed(seed)`` reseeds.

The item generator is stored per thread, so loader worker threads never share one.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..random import generator

_local = threading.local()


def resolve(rng: np.random.Generator | None) -> np.random.Generator:
    """The generator a random transform should draw from (see the module docstring)."""
    if rng is not None:
        return rng
    item = getattr(_local, "item", None)
    if item is not None:
        return item.generator()
    return generator()


@contextmanager
def item_rng(seed: int, epoch: int, index: int) -> Iterator[None]:
    """In this block, ``rng=None`` on this thread means ``item_generator(seed, epoch, index)``.

    The generator is built on first use and then reused for the rest of the item, so an
    item whose transforms draw nothing costs nothing.
    """
    previous = getattr(_local, "item", None)
    _local.item = _Item(seed, epoch, index)
    try:
        yield
    finally:
        _local.item = previous


class _Item:
    """The item being loaded on a thread; its generator is built on first request."""

    __slots__ = ("key", "_generator")

    def __init__(self, seed: int, epoch: int, index: int) -> None:
        self.key = (seed, epoch, index)
        self._generator: np.random.Generator | None = None

    def generator(self) -> np.random.Generator:
        if self._generator is None:
            self._generator = item_generator(*self.key)
        return self._generator


def item_generator(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator of item ``index`` in ``epoch`` of a loader seeded with ``seed``.

    Built with NumPy's ``spawn_key`` so the streams of different (epoch, index)
    pairs are independent, and independent of :func:`epoch_generator`.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(epoch, index)))


def epoch_generator(seed: int, epoch: int) -> np.random.Generator:
    """The generator that shuffles the sample order of ``epoch``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(epoch,)))
