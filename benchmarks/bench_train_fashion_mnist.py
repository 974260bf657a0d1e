"""The default Fashion-MNIST recipe in minigrad and in PyTorch: time per epoch and accuracy.

    python benchmarks/bench_train_fashion_mnist.py [--epochs 6] [--threads 2] [--limit N]

Both frameworks train the same network (layers.models.small_cnn and its PyTorch twin)
with the same recipe as ``examples/train.py``'s defaults — SGD with Nesterov momentum
0.9, weight decay 5e-4, OneCycle to lr 0.2, batch 128, random crop (pad 2) + flip —
on the same batches (minigrad's DataLoader feeds both), and report seconds per
epoch, images per second and test accuracy.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the examples package


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=None, help="training images (default all)")
    p.add_argument("--skip-minigrad", action="store_true")
    return p.parse_args()


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import minigrad  # noqa: E402,F401  (before NumPy: minigrad/blas_threads.py)
import numpy as np  # noqa: E402

from examples.train import main as train_main  # noqa: E402
from minigrad.data import DataLoader, Subset, datasets  # noqa: E402
from minigrad.data import transforms as T  # noqa: E402
from minigrad.data.fashion_subsets import FASHION_MNIST_MEAN, FASHION_MNIST_STD  # noqa: E402


def torch_small_cnn(torch, width: int = 16):
    nn = torch.nn

    def block(c_in, c_out):
        return [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
    return nn.Sequential(*block(1, width), *block(width, width), nn.MaxPool2d(2),
                         *block(width, 2 * width), *block(2 * width, 2 * width), nn.MaxPool2d(2),
                         nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(2 * width * 49, 128),
                         nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))


def run_torch(args: argparse.Namespace) -> tuple[float, float]:
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    norm = [T.ToArray(), T.Normalize((FASHION_MNIST_MEAN,), (FASHION_MNIST_STD,))]
    train = datasets.FashionMNIST(train=True, transform=T.Compose(
        [T.RandomCrop(28, padding=2), T.RandomHorizontalFlip()] + norm))
    test = datasets.FashionMNIST(train=False, transform=T.Compose(norm))
    if args.limit:
        train = Subset(train, list(range(args.limit)))
    train_loader = DataLoader(train, 128, shuffle=True, drop_last=True, num_workers=2, seed=0)
    test_loader = DataLoader(test, 500, num_workers=2)
    model = torch_small_cnn(torch)
    opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9, nesterov=True,
                          weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.2, epochs=args.epochs,
                                                steps_per_epoch=len(train_loader), pct_start=0.25)
    seconds = []
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        for x, y in train_loader:
            loss = torch.nn.functional.cross_entropy(model(torch.from_numpy(x.numpy())),
                                                     torch.from_numpy(y.numpy()))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        seconds.append(time.perf_counter() - start)
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in test_loader:
            correct += int((model(torch.from_numpy(x.numpy())).argmax(1)
                            == torch.from_numpy(y.numpy())).sum())
    return float(np.mean(seconds)), correct / len(test)


def main(args: argparse.Namespace) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {args.threads} threads; "
          f"{args.epochs} epochs, {args.limit or 60000} training images")
    if not args.skip_minigrad:
        out = f"runs/bench-fm-{int(time.time())}"
        start = time.perf_counter()
        train_main(["--epochs", str(args.epochs), "--out", out, "--no-progress"]
                   + (["--limit", str(args.limit)] if args.limit else []))
        print(f"minigrad total {time.perf_counter() - start:.0f} s (per-epoch numbers above, "
              f"log in {out}/metrics.csv)")
    try:
        per_epoch, accuracy = run_torch(args)
        print(f"torch: {per_epoch:.1f} s/epoch, test top-1 {100 * accuracy:.2f}%")
    except ImportError:
        print("torch not installed: no comparison")


if __name__ == "__main__":
    main(ARGS)
