"""Whole training steps (forward, loss, backward, SGD with momentum) against PyTorch (CPU).

    python benchmarks/bench_train_step.py [--models small_cnn resnet18 ...] [--pairs 5]
                                          [--steps 5] [--threads 2] [--quick]

Each measurement runs in its own process and the frameworks alternate (see
``alternate.py``); the table gives the median step time of each, the median ratio of the
pairs (minigrad / PyTorch) with its range, and the memory a step adds on top of the model,
its optimizer state and the batch (peak RSS minus the RSS before the first step).
Both run the same architecture (``torch_twins.py``, parameter counts checked) on the same
random batch, float32.
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import alternate  # noqa: E402
import torch_twins  # noqa: E402

# name: (minigrad zoo constructor and its keywords, torch twin, input (C, H, W), batch)
MODELS = {
    "small_cnn": ("small_cnn", {}, torch_twins.small_cnn, (1, 28, 28), 128),
    "resnet18": ("resnet18", {}, torch_twins.resnet18, (3, 64, 64), 32),
    "mobilenet_v1": ("mobilenet_v1", {}, torch_twins.mobilenet_v1, (3, 64, 64), 32),
    "vgg11_bn": ("vgg11_bn", {"small_input": True}, torch_twins.vgg11_bn_small_input,
                 (3, 32, 32), 64),
}
NUM_CLASSES = 10


def _status_mb(field: str) -> float:
    """A memory field of this process (Linux /proc/self/status, in KiB) in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rss_mb() -> float:
    """This process's resident memory now."""
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, the high-water mark of its own address
    space. (Not getrusage's ru_maxrss: Linux carries that over from the parent through
    fork and exec, so a worker started by a parent that has imported PyTorch (~220 MB)
    reported that parent's size as its own peak.)"""
    return _status_mb("VmHWM")


def batch(shape: tuple[int, ...], size: int):
    import numpy as np
    rng = np.random.default_rng(0)
    return (rng.standard_normal((size, *shape)).astype(np.float32),
            rng.integers(0, NUM_CLASSES, size))


def minigrad_step(name: str, batch_size: int):
    import minigrad as mg
    import minigrad.functional as F
    from layers import models
    from minigrad import optim
    zoo_name, kwargs, _, shape, _ = MODELS[name]
    mg.manual_seed(0)
    model = models.get_model(zoo_name, num_classes=NUM_CLASSES, **kwargs)
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = batch(shape, batch_size)
    x, y = mg.tensor(images), mg.tensor(labels)

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step, sum(p.numel() for p in model.parameters())


def torch_step(name: str, batch_size: int, threads: int):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    _, _, twin, shape, _ = MODELS[name]
    model = twin(torch, num_classes=NUM_CLASSES)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    images, labels = batch(shape, batch_size)
    x, y = torch.from_numpy(images), torch.from_numpy(labels)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return step, sum(p.numel() for p in model.parameters())


def worker(args: argparse.Namespace) -> None:
    """Time ``args.steps`` steps of one model in this process; print a JSON result."""
    batch_size = args.batch or MODELS[args.model][4]
    if args.worker == "minigrad":
        step, params = minigrad_step(args.model, batch_size)
    else:
        step, params = torch_step(args.model, batch_size, args.threads)
    base = rss_mb()
    step()  # warm-up: first-touch of buffers, BLAS thread start
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"step_ms": 1e3 * statistics.median(times), "params": params,
                      "step_mb": peak_rss_mb() - base, "peak_mb": peak_rss_mb()}))


def main(args: argparse.Namespace) -> None:
    import numpy
    import torch
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, {args.threads} "
          f"threads each; Python {platform.python_version()}, NumPy {numpy.__version__}, "
          f"PyTorch {torch.__version__}; {args.pairs} alternating pairs of fresh processes, "
          f"median of {args.steps} steps each after one warm-up")
    print(f"{'model':<14}{'batch':>6}{'minigrad ms':>13}{'torch ms':>10}{'ratio':>7}"
          f"{'(range)':>13}{'step MB':>9}{'torch MB':>9}{'mem ratio':>10}")
    ratios = []
    for name in args.models:
        extra = ["--model", name, "--steps", str(args.steps)]
        if args.batch:
            extra += ["--batch", str(args.batch)]
        rounds = alternate.run_pairs(__file__, extra, args.pairs, args.threads)
        counts = {r[f]["params"] for r in rounds for f in alternate.FRAMEWORKS}
        if len(counts) != 1:
            raise SystemExit(f"{name}: the twins differ in parameter count: {sorted(counts)}")
        ratio, low, high = alternate.ratio_summary(rounds, "step_ms")
        ratios.append(ratio)
        ours_mb = alternate.median_of(rounds, "minigrad", "step_mb")
        theirs_mb = alternate.median_of(rounds, "torch", "step_mb")
        print(f"{name:<14}{args.batch or MODELS[name][4]:>6}"
              f"{alternate.median_of(rounds, 'minigrad', 'step_ms'):13.1f}"
              f"{alternate.median_of(rounds, 'torch', 'step_ms'):10.1f}{ratio:7.2f}"
              f"{f'({low:.2f}-{high:.2f})':>13}{ours_mb:9.0f}{theirs_mb:9.0f}"
              f"{ours_mb / max(theirs_mb, 1.0):10.2f}", flush=True)
    print(f"geometric mean of the step ratios: {alternate.geometric_mean(ratios):.2f}")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=None, help="override every model's batch")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: small_cnn, batch 8, one pair of one step")
    p.add_argument("--worker", choices=alternate.FRAMEWORKS, help=argparse.SUPPRESS)
    p.add_argument("--model", choices=list(MODELS), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.quick:
        args.models, args.batch, args.pairs, args.steps = ["small_cnn"], 8, 1, 1
    return args


if __name__ == "__main__":
    ARGS = parse_args()
    worker(ARGS) if ARGS.worker else main(ARGS)
