"""One epoch of training and one pass of evaluation, with top-k accuracy."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .. import functional as F
from ..grad_mode import no_grad
from ..metrics import accuracy


@dataclass
class EpochStats:
    """Mean loss, top-1 / top-5 accuracy (fractions) and throughput of one pass."""
    loss: float
    top1: float
    top5: float
    images: int
    seconds: float

    @property
    def images_per_second(self) -> float:
        return self.images / max(self.seconds, 1e-9)


class RunningStats:
    """Running sums of loss and correct predictions, weighted by batch size.

    ``state_dict()`` / ``load_state_dict()`` carry the sums through a checkpoint, so an
    epoch resumed in the middle reports the same averages as an uninterrupted one.
    """

    def __init__(self) -> None:
        self.loss = self.top1 = self.top5 = 0.0
        self.images = 0
        self.start = time.perf_counter()

    def add(self, loss: float, logits: Any, labels: Any) -> None:
        """Add one batch: its mean ``loss``, ``logits`` (N, classes) and ``labels`` (N,)."""
        n = labels.shape[0]
        k5 = min(5, logits.shape[1])
        top1, top5 = accuracy(logits, labels, topk=(1, k5))
        self.loss += loss * n
        self.top1 += top1 * n
        self.top5 += top5 * n
        self.images += n

    def stats(self) -> EpochStats:
        """The averages so far (the seconds since this object was made)."""
        n = max(self.images, 1)
        return EpochStats(self.loss / n, self.top1 / n, self.top5 / n, self.images,
                          time.perf_counter() - self.start)

    def state_dict(self) -> dict[str, float]:
        """The sums (plain numbers, for a checkpoint)."""
        return {"loss": self.loss, "top1": self.top1, "top5": self.top5,
                "images": self.images}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Continue from sums :meth:`state_dict` gave."""
        self.loss, self.top1, self.top5 = (float(state[k]) for k in ("loss", "top1", "top5"))
        self.images = int(state["images"])


def train_one_epoch(model: Any, loader: Iterable, optimizer: Any,
                    loss_fn: Callable[[Any, Any], Any] = F.cross_entropy,
                    scheduler: Any = None, progress: Callable[[EpochStats], None] | None = None,
                    skip_batches: int = 0, on_batch_end: Callable[[int], None] | None = None,
                    running: RunningStats | None = None) -> EpochStats:
    """Train ``model`` for one pass over ``loader``.

    scheduler: stepped after every batch (per-batch schedules such as OneCycleLR);
        step per-epoch schedules outside this function.
    progress: called after each batch with the running statistics.
    skip_batches: batches of this epoch already trained (resuming mid-epoch);
        they are not loaded again.
    on_batch_end: called with the number of batches done in this epoch, after the
        optimizer and scheduler steps: the place to stop at a batch boundary.
    running: the statistics to add to (those of the skipped batches, when resuming).
    """
    model.train()
    running = running if running is not None else RunningStats()
    for done, (images, labels) in enumerate(_skipping(loader, skip_batches), skip_batches + 1):
        logits = model(images)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        running.add(float(loss.item()), logits.data, labels.data)
        if progress is not None:
            progress(running.stats())
        if on_batch_end is not None:
            on_batch_end(done)
    return running.stats()


def _skipping(loader: Iterable, count: int) -> Iterable:
    """Iterate ``loader`` from batch ``count`` on, without loading the skipped batches
    when the loader supports it (minigrad's DataLoader: ``iter_from``)."""
    if count and hasattr(loader, "iter_from"):
        return loader.iter_from(count)
    iterator = iter(loader)
    for _ in range(count):
        next(iterator)
    return iterator


def evaluate(model: Any, loader: Iterable,
             loss_fn: Callable[[Any, Any], Any] = F.cross_entropy) -> EpochStats:
    """Loss and top-1/top-5 accuracy of ``model`` (in eval mode, without a graph)."""
    was_training = getattr(model, "training", False)
    model.eval()
    running = RunningStats()
    with no_grad():
        for images, labels in loader:
            logits = model(images)
            running.add(float(loss_fn(logits, labels).item()), logits.data, labels.data)
    model.train(was_training)
    return running.stats()
