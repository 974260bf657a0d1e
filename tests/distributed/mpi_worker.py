"""The program the distributed tests start under ``mpiexec`` (one copy per rank).

    mpiexec -n 2 python tests/distributed/mpi_worker.py exactness OUT_DIR
    mpiexec -n 2 python tests/distributed/mpi_worker.py killed | exception | hang | interrupted

``exactness`` trains two tiny models (an MLP, and a conv net whose BatchNorm becomes
SyncBatchNorm) for two epochs with a global batch of 64 split over the ranks, and writes
each rank's final state dict to OUT_DIR/<model>_rank<r>.npz (and what the object
collectives gave to OUT_DIR/objects_rank<r>.json). The tests train the same models in one
process with :func:`train` (``world_size=1``) and compare. The failure scenarios make
rank 1 die, raise or hang while rank 0 trains on; ``interrupted`` trains until the test
interrupts ``mpiexec``.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

import layers as nn
import minigrad as mg
import minigrad.distributed as dist
import minigrad.functional as F
from minigrad import optim

GLOBAL_BATCH = 64
STEPS_PER_EPOCH = 3
EPOCHS = 2
DATASET_SIZE = GLOBAL_BATCH * STEPS_PER_EPOCH
MODELS = ("mlp", "batchnorm")


def dataset() -> tuple[np.ndarray, np.ndarray]:
    """Images (192, 1, 6, 6) float32 and labels (192,) in 0..4, the same on every rank."""
    rng = np.random.default_rng(0)
    images = rng.standard_normal((DATASET_SIZE, 1, 6, 6)).astype(np.float32)
    return images, rng.integers(0, 5, DATASET_SIZE)


def build_model(kind: str) -> nn.Module:
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(36, 32), nn.ReLU(), nn.Linear(32, 5))
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(64, 5))


def train(kind: str, rank: int, world_size: int) -> dict[str, np.ndarray]:
    """Train ``kind`` on this rank's share of each global batch; the final state dict.

    The replicas are initialised with different seeds: the broadcast at wrapping must
    make them identical. One process (``world_size=1``) trains without any wrapper.
    """
    mg.manual_seed(100 + rank)
    model = build_model(kind)
    net = model
    if world_size > 1:
        model = dist.SyncBatchNorm.convert_sync_batchnorm(model)
        # a tiny bucket cap: several buckets, started in order as they fill
        net = dist.DistributedDataParallel(model, bucket_cap_mb=0.004)
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    sampler = dist.DistributedSampler(range(DATASET_SIZE), num_replicas=world_size, rank=rank,
                                      seed=7)
    images, labels = dataset()
    per_rank = GLOBAL_BATCH // world_size
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)
        order = np.array(list(sampler))
        for step in range(len(order) // per_rank):
            batch = order[step * per_rank:(step + 1) * per_rank]
            loss = F.cross_entropy(net(mg.tensor(images[batch])), mg.tensor(labels[batch]))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return {k: np.asarray(v) for k, v in model.state_dict().items()}


def exactness(out: Path) -> None:
    for kind in MODELS:
        state = train(kind, dist.rank(), dist.world_size())
        np.savez(out / f"{kind}_rank{dist.rank()}.npz", **state)
    group = dist.get_group()
    objects = {"broadcast": group.broadcast_object({"from": dist.rank()}, src=1),
               "gathered": group.gather_object(f"rank {dist.rank()}"),
               "sums": group.all_reduce_values([dist.rank() + 1, 0.5])}
    (out / f"objects_rank{dist.rank()}.json").write_text(json.dumps(objects))


def train_until_failure(scenario: str) -> None:
    """Rank 0 trains on; rank 1 fails at step 3 the way ``scenario`` says."""
    mg.manual_seed(0)
    net = dist.DistributedDataParallel(build_model("mlp"))
    images, labels = dataset()
    watchdog = dist.Watchdog(timeout=3.0)
    for step in range(10_000):
        if dist.rank() == 1 and step == 3:
            print(f"rank 1: {scenario} at step {step}", flush=True)
            if scenario == "killed":
                os.kill(os.getpid(), signal.SIGKILL)
            if scenario == "exception":
                raise RuntimeError("a failure on rank 1")
            time.sleep(600)  # "hang": rank 0 waits in the allreduce until its watchdog fires
        with watchdog.guard(f"step {step}"):
            loss = F.cross_entropy(net(mg.tensor(images[:32])), mg.tensor(labels[:32]))
            loss.backward()
    raise AssertionError("rank 0 should never finish: rank 1 stopped taking part")


def train_until_interrupted() -> None:
    """Both ranks train until ``mpiexec`` is interrupted (the test sends it SIGINT)."""
    net = dist.DistributedDataParallel(build_model("mlp"))
    images, labels = dataset()
    print(f"rank {dist.rank()} pid {os.getpid()} training", flush=True)
    while True:
        F.cross_entropy(net(mg.tensor(images[:32])), mg.tensor(labels[:32])).backward()


def main(argv: list[str]) -> None:
    dist.init()
    dist.abort_on_exception()
    if argv[0] == "exactness":
        exactness(Path(argv[1]))
    elif argv[0] == "interrupted":
        train_until_interrupted()
    else:
        train_until_failure(argv[0])


if __name__ == "__main__":
    main(sys.argv[1:])
