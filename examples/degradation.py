"""Lesson: the degradation problem, and how residual learning (x + F(x)) solves it.

    python examples/degradation.py [--quick] [--depths 8 32] [--epochs 6]

He, Zhang, Ren & Sun (2015), "Deep residual learning for image recognition", Fig. 1 and
Fig. 6: a deeper *plain* network has a higher *training* error than a shallower one —
not overfitting (that would lower the training error) but an optimisation failure.
The same networks with identity shortcuts, y = relu(x + F(x)), train better as they
get deeper.

This is a small-scale reproduction of their CIFAR-10 experiment (§4.2) on a class-
balanced Fashion-MNIST subset: networks of 6n + 2 weighted layers — a 3×3 conv, three
stages of n blocks of two 3×3 conv-BN layers (widths w, 2w, 4w; the first conv of
stages 2 and 3 has stride 2), global average pooling and a linear classifier. A
residual block adds its input back (for the two downsampling blocks: the input
subsampled and zero-padded to the new width, the paper's parameter-free "option A"),
so each plain net and its residual twin have exactly the same parameters. All four
train with the same optimiser, learning rate schedule, batches and epochs.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import minigrad as mg
from layers import (AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Flatten, Linear, Module, ReLU,
                    Sequential)
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays
from minigrad.tensor import Tensor
from minigrad.training.fit import History, fit_one_cycle

from minigrad.plot import outside_legend, pyplot, readable_log_ticks, save  # noqa: E402
from minigrad.training.cli import add_lesson_options, parse_lesson_args  # noqa: E402

plt = pyplot()  # draws into files


# ---- the networks ---------------------------------------------------------------------
def conv3x3(in_channels: int, out_channels: int, stride: int = 1) -> Conv2d:
    """3×3 conv, padding 1, no bias (the BatchNorm after it has one)."""
    return Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)


class Block(Module):
    """Two 3×3 conv-BN layers: ``relu(F(x) + x)`` if residual, else ``relu(F(x))``.

    F(x) = bn2(conv2(relu(bn1(conv1(x))))). Shapes: (N, C_in, H, W) -> (N, C_out, H/s, W/s).
    When the block halves the resolution and widens the channels, the shortcut takes
    every second pixel and pads the new channels with zeros (no parameters).
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, residual: bool) -> None:
        super().__init__()
        self.conv1 = conv3x3(in_channels, out_channels, stride)
        self.bn1 = BatchNorm2d(out_channels)
        self.conv2 = conv3x3(out_channels, out_channels)
        self.bn2 = BatchNorm2d(out_channels)
        self.relu = ReLU()
        self.residual = residual
        self.stride = stride
        self.extra_channels = out_channels - in_channels

    def shortcut(self, x: Tensor) -> Tensor:
        """The identity, subsampled and zero-padded when the shape changes ("option A")."""
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        if self.extra_channels:
            x = mg.pad(x, ((0, 0), (0, self.extra_channels), (0, 0), (0, 0)))
        return x

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + self.shortcut(x)
        return self.relu(out)


def cifar_style_net(depth: int, residual: bool, width: int = 16, in_channels: int = 1,
                    num_classes: int = 10) -> Sequential:
    """He et al.'s CIFAR network with ``depth = 6n + 2`` weighted layers.

    (N, in_channels, H, W) -> conv w -> n blocks (w) -> n blocks (2w, /2) -> n blocks
    (4w, /2) -> global average pool -> Linear -> (N, num_classes).
    """
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 with n >= 1 (8, 14, 20, 32, 44, 56, ...), "
                         f"got {depth}")
    blocks_per_stage = (depth - 2) // 6
    layers: list[Module] = [conv3x3(in_channels, width), BatchNorm2d(width), ReLU()]
    channels = width
    for stage, stage_width in enumerate((width, 2 * width, 4 * width)):
        for index in range(blocks_per_stage):
            stride = 2 if stage > 0 and index == 0 else 1
            layers.append(Block(channels, stage_width, stride, residual))
            channels = stage_width
    layers += [AdaptiveAvgPool2d(1), Flatten(), Linear(channels, num_classes)]
    return Sequential(*layers)


# ---- the experiment -------------------------------------------------------------------
def halve_resolution(images: np.ndarray) -> np.ndarray:
    """Average 2×2 pixel blocks: (N, C, H, W) -> (N, C, H/2, W/2) (4× less compute per layer)."""
    n, c, h, w = images.shape
    return images.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5))


def moving_average(values: list[float], window: int) -> np.ndarray:
    """Mean of each run of ``window`` consecutive values (smooths a noisy loss curve)."""
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def network_name(residual: bool, depth: int) -> str:
    """"plain-20", "residual-20", ..."""
    return f"{'residual' if residual else 'plain'}-{depth}"


def train_model(depth: int, residual: bool, args: argparse.Namespace,
                train_loader: DataLoader, test_loader: DataLoader) -> History:
    """Build one network and train it with the shared recipe (seeded: same init and batches)."""
    mg.manual_seed(args.seed)
    model = cifar_style_net(depth, residual, args.width)
    return fit_one_cycle(model, train_loader, args.epochs, max_lr=args.lr, weight_decay=1e-4,
                         test_loader=test_loader, name=network_name(residual, depth))


def plot_training_loss(histories: dict[tuple[bool, int], History], window: int,
                       path: Path) -> None:
    """He et al.'s Fig. 4 layout: plain nets on the left, residual nets on the right, one
    smoothed training-loss curve per depth, the same axes on both sides."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for (residual, depth), history in histories.items():
        smooth = moving_average(history.batch_losses, window)
        axes[int(residual)].plot(np.arange(len(smooth)) + window, smooth, label=f"{depth} layers")
    for ax, kind in zip(axes, ("plain", "residual")):
        ax.set(title=f"{kind} networks", xlabel="iteration", yscale="log")
        ax.grid(alpha=0.3, which="both")
        readable_log_ticks(ax)
    outside_legend(axes[1])                 # the depths, once, off the data
    axes[0].set_ylabel(f"training loss (mean of {window} batches)")
    fig.tight_layout()
    save(fig, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--depths", type=int, nargs="+", default=[8, 32],
                   help="network depths (6n + 2), shallow first")
    p.add_argument("--width", type=int, default=8, help="channels of the first stage")
    p.add_argument("--full-resolution", action="store_true",
                   help="train on 28×28 images (default: 14×14, 2×2 averages, for speed)")
    p.add_argument("--train-per-class", type=int, default=300)
    p.add_argument("--test-per-class", type=int, default=100)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1, help="peak learning rate (one-cycle)")
    add_lesson_options(p, "degradation")
    args = parse_lesson_args(p, argv)
    if args.quick:
        args.depths, args.width, args.epochs = [8, 14], 4, 1
        args.train_per_class, args.test_per_class = 20, 10
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    train_images, train_labels = fashion_mnist_arrays(True, args.train_per_class, seed=args.seed)
    test_images, test_labels = fashion_mnist_arrays(False, args.test_per_class, seed=args.seed)
    if not args.full_resolution:
        train_images, test_images = halve_resolution(train_images), halve_resolution(test_images)
    train_loader = DataLoader(ArrayDataset(train_images, train_labels), args.batch_size,
                              shuffle=True, seed=args.seed)
    test_loader = DataLoader(ArrayDataset(test_images, test_labels), 500)
    print(f"{len(train_labels)} training and {len(test_labels)} test images of "
          f"{train_images.shape[-1]}×{train_images.shape[-1]} pixels; "
          f"{args.epochs} epochs of {len(train_loader)} batches")

    histories: dict[tuple[bool, int], History] = {}
    for residual in (False, True):
        for depth in args.depths:
            histories[residual, depth] = train_model(depth, residual, args, train_loader,
                                                     test_loader)
    plot_training_loss(histories, max(1, len(train_loader) // 2),
                       args.out / "training_loss.png")

    results = {network_name(*key): {"train_loss": h.train[-1].loss,
                                    "train_top1": h.train[-1].top1,
                                    "test_top1": h.test[-1].top1, "seconds": h.seconds}
               for key, h in histories.items()}
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\n{'network':<14} {'train loss':>10} {'train top-1':>12} {'test top-1':>11} "
          f"{'seconds':>8}")
    for name, r in results.items():
        print(f"{name:<14} {r['train_loss']:>10.4f} {100 * r['train_top1']:>11.1f}% "
              f"{100 * r['test_top1']:>10.1f}% {r['seconds']:>8.0f}")
    print("(train loss and top-1: averages over the last epoch's batches, as in He et al.'s "
          "training-error curves)")
    print(f"\nwrote {args.out / 'training_loss.png'} and results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
