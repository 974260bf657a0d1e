"""Measure what data parallelism costs here: allreduce bandwidth, and the per-step overhead
of averaging ResNet-18's gradients (11.7 M parameters, 46.8 MB in float32).

    mpiexec -n 2 python -m minigrad.distributed.benchmark
    mpiexec -n 2 --mca btl self,tcp python -m minigrad.distributed.benchmark   # TCP only

Rank 0 prints, for message sizes from 4 KB to 64 MB, the time of one allreduce, the
algorithm bandwidth (bytes / time) and the bus bandwidth (2(N−1)/N · bytes / time, what
each rank's link carries in a ring allreduce: comparable across N, as in nccl-tests);
then the time of one training step (forward and backward) of ResNet-18 (ImageNet's,
1000 classes) on 64×64 RGB images with and without DistributedDataParallel, and of the
allreduce of its gradients alone (two 25 MB buckets).
"""
from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np

import minigrad as mg
import minigrad.functional as F
from layers import models
from .data_parallel import DistributedDataParallel
from .process_group import ProcessGroup, init

__all__ = ["allreduce_seconds", "main", "step_seconds"]


def _median_seconds(run: Callable[[], None], group: ProcessGroup, repeats: int) -> float:
    """The median over ``repeats`` of the time from a common start until every rank has
    finished ``run()`` (after a warm-up run)."""
    run()
    times = []
    for _ in range(repeats):
        group.barrier()
        start = time.perf_counter()
        run()
        group.barrier()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def allreduce_seconds(nbytes: int, group: ProcessGroup, repeats: int = 5) -> float:
    """Median seconds of one allreduce of ``nbytes`` of float32."""
    array = np.ones(nbytes // 4, dtype=np.float32)
    return _median_seconds(lambda: group.all_reduce_(array), group, repeats)


def step_seconds(model: object, batch: int, repeats: int, group: ProcessGroup) -> float:
    """Median seconds of forward + backward (+ gradient averaging, for a wrapped model) of
    ``model`` on a batch of ``batch`` 64×64 RGB images."""
    x = mg.randn(batch, 3, 64, 64)
    labels = mg.tensor(np.arange(batch) % 10)

    def step() -> None:
        F.cross_entropy(model(x), labels).backward()
    return _median_seconds(step, group, repeats)


def main(argv: list[str] | None = None) -> None:
    """Run the measurements and print them on rank 0 (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=8, help="images per rank and step")
    args = parser.parse_args(argv)
    group = init()
    say = print if group.rank == 0 else (lambda *_: None)
    ring = 2 * (group.size - 1) / group.size
    say(f"{group.size} ranks; allreduce of float32 (median of {args.repeats}):")
    say(f"{'bytes':>12} {'ms':>9} {'algbw GB/s':>11} {'busbw GB/s':>11}")
    for nbytes in [4 * 2**10, 64 * 2**10, 2**20, 8 * 2**20, 64 * 2**20]:
        seconds = allreduce_seconds(nbytes, group, args.repeats)
        say(f"{nbytes:>12,} {1e3 * seconds:>9.3f} {nbytes / seconds / 1e9:>11.3f} "
            f"{ring * nbytes / seconds / 1e9:>11.3f}")

    mg.manual_seed(0)
    model = models.resnet18()
    params = list(model.parameters())
    nbytes = sum(p.data.nbytes for p in params)
    say(f"\nResNet-18: {sum(p.size for p in params):,} parameters, {nbytes / 1e6:.1f} MB of "
        f"float32 gradients; batch {args.batch} per rank (median of {args.repeats}):")
    plain = step_seconds(model, args.batch, args.repeats, group)
    wrapped = DistributedDataParallel(model)
    averaged = step_seconds(wrapped, args.batch, args.repeats, group)
    flat = np.ones(nbytes // 4, dtype=np.float32)
    half = flat.size // 2   # 25 MB buckets: two messages
    communication = _median_seconds(
        lambda: [w.wait() for w in [wrapped.gradient_group.start_all_reduce_(flat[:half]),
                                    wrapped.gradient_group.start_all_reduce_(flat[half:])]],
        group, args.repeats)
    say(f"  step without averaging   {plain:8.3f} s")
    say(f"  step with DDP            {averaged:8.3f} s  (overhead {averaged - plain:+.3f} s, "
        f"{100 * (averaged - plain) / plain:+.0f}%)")
    say(f"  gradient allreduce alone {communication:8.3f} s  "
        f"({ring * nbytes / communication / 1e9:.2f} GB/s bus bandwidth)")


if __name__ == "__main__":
    main()
