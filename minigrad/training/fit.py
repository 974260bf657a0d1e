"""``fit``: train for a few epochs and keep every number the lessons plot.

Built on :func:`train_one_epoch` and :func:`evaluate`; it adds the per-batch training
loss (for curves against iterations, as in He et al.'s figures) and one printed line
per epoch::

    history = fit(model, train_loader, optimizer, epochs=5, test_loader=test_loader,
                  scheduler=scheduler, name="plain-20")
    history = fit_one_cycle(model, train_loader, epochs=3, max_lr=0.1)   # the usual recipe
    history.batch_losses      # one training loss per iteration
    history.test[-1].top1     # test accuracy after the last epoch
    format_spread([0.821, 0.80, 0.83])   # '81.7 ± 1.5 (80.0–83.0)': runs over seeds
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .. import functional as F
from ..optim import SGD
from ..optim.lr_scheduler import OneCycleLR
from .loop import EpochStats, evaluate, train_one_epoch


@dataclass
class History:
    """What :func:`fit` measured: one :class:`EpochStats` per epoch for the training pass
    (running averages while the weights change) and for the test set (if one was given),
    and the loss of every training batch. ``setup_seconds``: time a caller spent
    preparing the run (e.g. extracting features), counted in :attr:`seconds`."""

    train: list[EpochStats] = field(default_factory=list)
    test: list[EpochStats] = field(default_factory=list)
    batch_losses: list[float] = field(default_factory=list)
    setup_seconds: float = 0.0

    @property
    def seconds(self) -> float:
        """Time spent preparing, training and evaluating, in seconds."""
        return (self.setup_seconds + sum(s.seconds for s in self.train)
                + sum(s.seconds for s in self.test))


class _RecordingLoss:
    """A loss function that also remembers the value of each call."""

    def __init__(self, loss_fn: Callable[[Any, Any], Any], values: list[float]) -> None:
        self.loss_fn = loss_fn
        self.values = values

    def __call__(self, logits: Any, labels: Any) -> Any:
        loss = self.loss_fn(logits, labels)
        self.values.append(float(loss.item()))
        return loss


def fit(model: Any, train_loader: Iterable, optimizer: Any, epochs: int,
        test_loader: Iterable | None = None, scheduler: Any = None,
        loss_fn: Callable[[Any, Any], Any] = F.cross_entropy, name: str = "",
        verbose: bool = True) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``.

    scheduler: stepped after every batch (e.g. OneCycleLR built with the total number
        of batches).
    test_loader: evaluated after every epoch (top-1/top-5, in eval mode).
    name, verbose: each epoch prints ``name epoch e/E: train loss, top-1 | test top-1``.
    """
    history = History()
    recording = _RecordingLoss(loss_fn, history.batch_losses)
    for epoch in range(1, epochs + 1):
        history.train.append(train_one_epoch(model, train_loader, optimizer, recording,
                                             scheduler=scheduler))
        line = (f"{name} epoch {epoch}/{epochs}: train loss {history.train[-1].loss:.4f}, "
                f"top-1 {100 * history.train[-1].top1:.1f}%")
        if test_loader is not None:
            history.test.append(evaluate(model, test_loader, loss_fn))
            line += f" | test top-1 {100 * history.test[-1].top1:.1f}%"
        if verbose:
            print(f"{line}  ({history.train[-1].seconds:.0f} s)", flush=True)
    return history


def fit_one_cycle(model: Any, train_loader: Any, epochs: int, max_lr: float = 0.1,
                  weight_decay: float = 5e-4, test_loader: Iterable | None = None,
                  name: str = "", verbose: bool = True) -> History:
    """:func:`fit` with the lessons' standard recipe for every parameter of ``model``: SGD
    with momentum 0.9 and weight decay, the learning rate following a one-cycle schedule
    (warm up to ``max_lr``, then anneal) stepped every batch."""
    optimizer = SGD(model.parameters(), lr=max_lr, momentum=0.9, weight_decay=weight_decay)
    scheduler = OneCycleLR(optimizer, max_lr=max_lr, total_steps=epochs * len(train_loader))
    return fit(model, train_loader, optimizer, epochs, test_loader, scheduler, name=name,
               verbose=verbose)


def format_spread(values: Sequence[float], scale: float = 100.0, digits: int = 1) -> str:
    """``mean ± std (min–max)`` of per-seed results (e.g. accuracies in [0, 1], shown in
    percent with ``scale`` 100); one value prints alone. std: sample std (ddof 1).

    >>> format_spread([0.80, 0.82, 0.84])
    '82.0 ± 2.0 (80.0–84.0)'
    """
    scaled = np.asarray(values, dtype=np.float64) * scale
    if scaled.size == 1:
        return f"{scaled[0]:.{digits}f}"
    return (f"{scaled.mean():.{digits}f} ± {scaled.std(ddof=1):.{digits}f} "
            f"({scaled.min():.{digits}f}–{scaled.max():.{digits}f})")
