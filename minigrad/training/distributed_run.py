"""What ``minigrad-train --distributed`` changes: training one model on the ranks of an MPI job.

    mpiexec -n 2 minigrad-train --distributed --batch-size 128 --out runs/fm2
    mpiexec -n 2 python examples/train.py --distributed --out runs/fm2 --resume

The training command line asks a *world* for everything that depends on how many processes
train: :class:`OneProcess` (no ``--distributed``, or no launcher) does what a single process
always did; :class:`Ranks` (``minigrad.distributed`` on N > 1 ranks) does this instead:

* ``--batch-size`` is the global batch: each rank loads batch / N items per step, its share
  (a :class:`~minigrad.distributed.DistributedSampler`) of the permutation the single-process
  loader draws from ``--seed`` for that epoch. So the ranks' k-th batches together hold the
  single process's k-th batch, augmented alike (an item's random transforms depend on the
  seed, the epoch and its index only), and with SyncBatchNorm and averaged gradients the
  run computes what one process computes, up to float32 rounding (models without dropout;
  dropout draws its masks on each rank from that rank's own generator).
* BatchNorm layers become SyncBatchNorm, and the model trains through
  :class:`~minigrad.distributed.DistributedDataParallel`; checkpoints and ``model.safetensors``
  hold the plain model's state, loadable by a single process.
* Evaluation is sharded: rank r evaluates test images r, r + N, r + 2N, ...; the sums of
  loss and correct predictions are added over the ranks, so every rank gets the numbers of
  the whole test set. Training statistics are added over the ranks the same way.
* Rank 0 alone prints and touches the output folder (lock, checkpoint, metrics, plot,
  weights); what it reads to resume it sends to the others, so the folder need not be
  shared between machines. A checkpoint holds every rank's RNG state and running
  statistics, and ``--resume`` needs the same number of ranks.
* Any failure ends every rank, never a hang: an exception or an error exit status on any
  rank aborts the job (MPI_Abort), Ctrl-C reaching a rank aborts it (a rank cannot stop at
  a batch boundary alone: the others would wait for it), a rank that dies is noticed by
  ``mpiexec``, and a rank that stops making progress for ``--timeout`` seconds (counted
  between forward passes) aborts the job through a :class:`~minigrad.distributed.Watchdog`.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any, Callable, TypeVar

import numpy as np

from .. import distributed as dist
from ..distributed.failure import INTERRUPTED
from ..data import DataLoader, Subset
from ..random import get_rng_state, manual_seed, set_rng_state
from .loop import EpochStats, evaluate
from .option_types import positive_float

__all__ = ["OneProcess", "Ranks", "add_distributed_options", "exit_status", "start_world"]

T = TypeVar("T")
TEST_BATCH = 500
DEFAULT_TIMEOUT = 600.0


def add_distributed_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--distributed`` and ``--timeout`` to the training command line."""
    parser.add_argument("--distributed", action="store_true",
                        help="train on the ranks of an MPI job (mpiexec -n N ... --distributed): "
                             "--batch-size is split over the ranks; see docs/distributed.md")
    parser.add_argument("--timeout", type=positive_float, default=DEFAULT_TIMEOUT,
                        metavar="SECONDS",
                        help="with --distributed: end every rank when one makes no progress "
                             "(no forward pass) for this long")


class OneProcess:
    """A world of one process: every method does what the single-process CLI always did."""

    rank = 0
    size = 1
    is_main = True

    def device(self, device: str) -> str:
        """The device this process trains on."""
        return device

    def interrupt_guard(self, single_process_guard: Any) -> Any:
        """The context the run trains in (Ctrl-C handling): the CLI's own guard, which
        stops at a batch boundary."""
        return single_process_guard

    def train_loader(self, dataset: Any, batch_size: int, *, seed: int, num_workers: int,
                     device: str) -> DataLoader:
        """The training batches: a new seeded permutation each epoch, full batches only."""
        return DataLoader(dataset, batch_size, shuffle=True, drop_last=True,
                          num_workers=num_workers, seed=seed, device=device)

    def test_loader(self, dataset: Any, *, num_workers: int, device: str) -> DataLoader:
        """The test batches, in order."""
        return DataLoader(dataset, TEST_BATCH, num_workers=num_workers, device=device)

    def wrap(self, model: Any, seed: int) -> Any:
        """The module to train through (``model`` itself)."""
        return model

    def evaluate(self, model: Any, loader: Any) -> EpochStats:
        """Loss and top-1/top-5 accuracy on the test set."""
        return evaluate(model, loader)

    def total(self, stats: EpochStats) -> EpochStats:
        """One pass's statistics over the whole world (here: this process's)."""
        return stats

    def from_main(self, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``read(*args, **kwargs)`` run on the main rank, its result on every rank."""
        return read(*args, **kwargs)

    def rank_states(self, running: Any) -> list[dict[str, Any]] | None:
        """Every rank's RNG state and running statistics, for a checkpoint (None here: the
        checkpoint's own RNG state and statistics are this process's)."""
        return None

    def resume_rank(self, extra: dict[str, Any]) -> dict[str, Any] | None:
        """Check that a checkpoint's ``extra`` was written by as many ranks as this world
        has (ValueError otherwise), restore this rank's RNG state (the checkpoint's own is
        already restored: rank 0's) and return its running statistics."""
        states = extra.get("ranks")
        written_by = 1 if states is None else len(states)
        if written_by != self.size:
            how = f"mpiexec -n {written_by} ... --distributed" if written_by > 1 \
                else "one process (no mpiexec)"
            raise ValueError(f"the checkpoint was written by {written_by} process(es) and "
                             f"this run has {self.size}: resume it with {how}")
        if states is None:
            return extra.get("running")
        set_rng_state(states[self.rank]["rng"])
        return states[self.rank]["running"]

    def close(self) -> None:
        """Stop what the world started (nothing here)."""


class AbortOnInterrupt:
    """The context a multi-rank run trains in, with :class:`InterruptGuard`'s interface:
    SIGINT on any rank ends every rank at once (status 130), and leaving the block stops
    the world's watchdog. Stopping at a batch boundary as one process does would need
    every rank to agree on the batch; the last checkpoint (the end of the last epoch, or
    of ``--stop-after``) is what ``--resume`` continues."""

    requested = False  # never: a Ctrl-C does not wait for a batch boundary

    def __init__(self, world: Ranks) -> None:
        self.world = world
        self._previous: Any = None

    def __enter__(self) -> AbortOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._abort)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        self.world.close()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """Nothing is deferred: Ctrl-C aborts every rank wherever it comes."""
        yield

    def _abort(self, signum: int, frame: FrameType | None) -> None:
        dist.abort(INTERRUPTED,
                   f"interrupted (Ctrl-C): ending all {self.world.size} ranks; the last "
                   f"checkpoint is intact (continue with --resume)", self.world.group)


class Ranks(OneProcess):
    """The ranks of an MPI job training one model (see the module docstring).

    Every collective here is called by every rank at the same point of the run; the
    command line's control flow is the same on every rank.
    """

    def __init__(self, group: dist.ProcessGroup, timeout: float) -> None:
        self.group = group
        self.rank, self.size = group.rank, group.size
        self.is_main = group.rank == 0
        self.timeout = timeout
        self.watchdog: dist.Watchdog | None = None
        self.forward_passes = 0

    def device(self, device: str) -> str:
        """``cuda`` means this rank's GPU: ``cuda:<local rank>``."""
        return f"cuda:{dist.local_rank()}" if device == "cuda" else device

    def interrupt_guard(self, single_process_guard: Any) -> AbortOnInterrupt:
        return AbortOnInterrupt(self)

    def per_rank_batch(self, batch_size: int) -> int:
        """Each rank's share of the global ``batch_size`` (ValueError unless N divides it)."""
        if batch_size % self.size:
            raise ValueError(f"--batch-size {batch_size} is the global batch and must be "
                             f"divisible by the {self.size} ranks (e.g. "
                             f"{batch_size // self.size * self.size or self.size})")
        return batch_size // self.size

    def train_loader(self, dataset: Any, batch_size: int, *, seed: int, num_workers: int,
                     device: str) -> DataLoader:
        """This rank's batches of ``batch_size / N`` items: its shard of each epoch's
        permutation (shards of equal length: the tail of fewer than N items is dropped, and
        a last incomplete global batch too, as one process drops it)."""
        sampler = dist.DistributedSampler(dataset, self.size, self.rank, seed=seed,
                                          drop_last=True)
        return DataLoader(dataset, self.per_rank_batch(batch_size), sampler=sampler,
                          drop_last=True, num_workers=num_workers, seed=seed, device=device)

    def test_loader(self, dataset: Any, *, num_workers: int, device: str) -> DataLoader:
        """Test images r, r + N, ... of the test set (no padding: nothing counts twice)."""
        shard = Subset(dataset, list(range(self.rank, len(dataset), self.size)))
        return DataLoader(shard, TEST_BATCH, num_workers=num_workers, device=device)

    def wrap(self, model: Any, seed: int) -> Any:
        """Replace ``model``'s BatchNorm layers by SyncBatchNorm (in place: sharing their
        parameters, so the optimizer built before still applies), start the watchdog on its
        forward passes, give rank r > 0 its own random stream (seeded by (seed, r)), and
        return ``model`` wrapped in DistributedDataParallel (which makes every rank's
        weights rank 0's)."""
        converted = dist.SyncBatchNorm.convert_sync_batchnorm(model, self.group)
        if converted is not model:
            raise TypeError(f"--distributed: the model itself is a BatchNorm layer "
                            f"({type(model).__name__}); wrap it in a container")
        self.watchdog = dist.Watchdog(self.timeout, self.group)
        model.register_forward_pre_hook(self._progress)
        if self.rank > 0:  # dropout masks differ between ranks, as over one large batch
            manual_seed(int(np.random.SeedSequence(seed, spawn_key=(self.rank,))
                            .generate_state(1)[0]))
        return dist.DistributedDataParallel(model, group=self.group)

    def _progress(self, module: Any, inputs: Any) -> None:
        """A forward pre-hook: each forward pass grants ``timeout`` more seconds."""
        self.forward_passes += 1
        what = "training" if module.training else "evaluation"
        self.watchdog.beat(f"the {what} step after forward pass {self.forward_passes} "
                           f"(or rank 0's checkpoint and plot after it)")

    def evaluate(self, model: Any, loader: Any) -> EpochStats:
        """This rank's shard evaluated, the statistics added over the ranks."""
        return self.total(evaluate(model, loader))

    def total(self, stats: EpochStats) -> EpochStats:
        """Per-rank averages -> averages over every rank's images (weighted by their
        number); the images are summed, the seconds are this rank's."""
        n = stats.images
        loss, top1, top5, images = self.group.all_reduce_values(
            [stats.loss * n, stats.top1 * n, stats.top5 * n, n])
        total = max(images, 1)
        return EpochStats(loss / total, top1 / total, top5 / total, int(images), stats.seconds)

    def from_main(self, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Rank 0 runs ``read``; the others receive its result. An exception on rank 0
        ends the job (the others wait in the broadcast until the abort)."""
        value = read(*args, **kwargs) if self.is_main else None
        return self.group.broadcast_object(value)

    def rank_states(self, running: Any) -> list[dict[str, Any]] | None:
        """Gathered on rank 0: each rank's RNG state and running statistics."""
        return self.group.gather_object({"rng": get_rng_state(),
                                         "running": running.state_dict() if running else None})

    def close(self) -> None:
        if self.watchdog is not None:
            self.watchdog.close()
            self.watchdog = None


def start_world(args: argparse.Namespace) -> OneProcess:
    """The world the command line trains in: :class:`Ranks` with ``--distributed`` under a
    launcher of more than one rank, else :class:`OneProcess`. On ranks > 0 it silences
    standard output and the progress bar (``args.no_progress``): rank 0 reports.
    ValueError for a ``--batch-size`` the ranks cannot share."""
    if not args.distributed:
        if dist.launched_by_mpi() and _launcher_world_size() > 1:
            raise ValueError(f"started by an MPI launcher with {_launcher_world_size()} "
                             f"ranks: pass --distributed to train one model on them "
                             f"(without it, every rank would run the same training)")
        return OneProcess()
    group = dist.init()
    if group.size == 1:
        return OneProcess()
    dist.abort_on_exception(group)
    world = Ranks(group, args.timeout)
    world.per_rank_batch(args.batch_size)
    if not world.is_main:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the process's lifetime)
        args.no_progress = True
    print(f"distributed: {group.size} ranks, {args.batch_size // group.size} images per "
          f"rank and step (global batch {args.batch_size})")
    return world


def _launcher_world_size() -> int:
    """The number of ranks the launcher says it started (1 if it does not say)."""
    for name in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"):
        if name in os.environ:
            return int(os.environ[name])
    return 1


def exit_status(status: int) -> int:
    """``status``, to return from the command line; in a world of several ranks a failure
    status ends every rank instead (MPI_Abort), since the others may wait in a collective
    for this one forever."""
    if status != 0 and dist.is_initialized() and dist.world_size() > 1:
        dist.abort(status, f"exit status {status} on this rank: ending all "
                           f"{dist.world_size()} ranks")
    return status
