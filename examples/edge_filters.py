"""Lesson: first-layer filters that look like edge detectors — and why 3×3 ones can't show it.

    python examples/edge_filters.py [--quick] [--out DIR] [--seed N] [--kernels 3 7 11]

The lecture shows AlexNet's 96 first-layer filters (11×11×3, Krizhevsky et al. 2012,
Fig. 3): oriented edges, bars and colour blobs, much like Gabor filters and the simple
cells of the visual cortex. A small CNN with 3×3 first-layer filters shows nothing of the
kind — nine weights are too few to draw an oriented edge. Here the same network is
trained with a k×k first layer (k = 3, 7, 11 by default; 16 filters, then BatchNorm,
ReLU, pool, a 3×3 conv of 32, pool, a Linear) on Fashion-MNIST, and every filter is
compared with a bank of oriented edge and bar templates (Gabor-like: a step or a line
at 8 orientations under a Gaussian window):

    edge score of a filter w = max over templates t of |cos(w − mean w, t − mean t)|

1 = the filter *is* an oriented edge or bar (up to sign and scale). Random filters of the
same size score well above 0 too — more so the fewer weights they have — so each size
is compared with its own initial (random) filters. Pictures: the filters before and after
training on one shared, diverging colour scale (blue < 0 < red), each titled with its
best template.
"""
from __future__ import annotations

import argparse

import numpy as np

import layers as nn
import minigrad as mg
from minigrad import init
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays
from minigrad.plot import image_grid
from minigrad.training.cli import add_lesson_options, parse_lesson_args, tee_output
from minigrad.training.fit import fit_one_cycle
from minigrad.training.loop import evaluate

ORIENTATIONS = 8                  # template angles 0°, 22.5°, ..., 157.5°


def edge_net(kernel: int, filters: int = 16) -> nn.Sequential:
    """conv k×k (filters, 'same' padding) – BN – ReLU – pool – conv 3×3 (32) – BN – ReLU – pool
    – Linear, for 1×28×28 images. The first conv starts as AlexNet's did, N(0, 0.01²):
    small random weights, so that what training adds dominates the picture (the BN after
    it makes the forward pass independent of the weights' scale)."""
    model = nn.Sequential(nn.Conv2d(1, filters, kernel, padding=kernel // 2, bias=False),
                         nn.BatchNorm2d(filters), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(filters, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    init.normal_(model[0].weight, std=0.01)
    return model


def templates(kernel: int) -> dict[str, np.ndarray]:
    """Oriented edges (a smooth step, odd) and bars (a line, even) under a Gaussian window,
    ``{"edge 45°": (k, k) array, ...}`` (the angle of the edge or bar from horizontal,
    as drawn: 0° horizontal, 90° vertical), each with zero mean and unit norm."""
    coordinates = np.arange(kernel) - (kernel - 1) / 2
    y, x = np.meshgrid(coordinates, coordinates, indexing="ij")
    window = np.exp(-(x ** 2 + y ** 2) / (2 * max(kernel / 3, 1.0) ** 2))
    bank = {}
    for i in range(ORIENTATIONS):
        angle = np.pi * i / ORIENTATIONS                      # of the line's normal
        distance = x * np.cos(angle) + y * np.sin(angle)     # signed distance to the line
        for kind, profile in (("edge", np.tanh(distance)), ("bar", np.exp(-distance ** 2))):
            t = profile * window
            t = t - t.mean()
            line_angle = (np.degrees(angle) + 90) % 180      # image rows grow downwards
            bank[f"{kind} {line_angle:g}°"] = t / np.linalg.norm(t)
    return bank


def edge_scores(filters: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """For (F, k, k) filters: the edge score of each (see the module doc) and the name of
    its best-matching template."""
    bank = templates(filters.shape[-1])
    names = list(bank)
    stacked = np.stack([bank[name].ravel() for name in names])           # (T, k²)
    centred = filters.reshape(len(filters), -1)
    centred = centred - centred.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    cosines = np.abs(centred @ stacked.T) / np.where(norms > 0, norms, 1.0)  # (F, T)
    best = cosines.argmax(axis=1)
    return cosines.max(axis=1), [names[i] for i in best]


def first_layer(model: nn.Sequential) -> np.ndarray:
    """The first conv's weights as (F, k, k) (one input channel)."""
    return model[0].weight.numpy()[:, 0].copy()


def show_filters(filters: np.ndarray, path: str, title: str) -> None:
    """The filters on one shared diverging scale, titled with their best template."""
    scores, names = edge_scores(filters)
    image_grid(list(filters), path, columns=8, shared_scale=True, title=title,
               titles=[f"{name}\n{score:.2f}" for name, score in zip(names, scores)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernels", type=int, nargs="+", default=[3, 7, 11],
                        help="first-layer kernel sizes (odd)")
    parser.add_argument("--per-class", type=int, default=300, help="training images per class")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05, help="peak learning rate (one-cycle)")
    add_lesson_options(parser, "edge_filters",
                       quick_help="20 images per class, 1 epoch, kernels 3 and 7")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.per_class, args.epochs, args.kernels = 20, 1, [3, 7]

    images, labels = fashion_mnist_arrays(True, args.per_class, seed=args.seed)
    test_images, test_labels = fashion_mnist_arrays(False, 100, seed=args.seed)
    loader = DataLoader(ArrayDataset(images, labels), batch_size=64, shuffle=True,
                        seed=args.seed)
    test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
    with tee_output(args.out / "output.txt"):
        print(f"{len(images)} training images, {args.epochs} epochs, seed {args.seed}; edge "
              "score per filter: mean ± std over the 16 filters (median)\n")
        print(f"  {'first layer':<12}{'random (init)':>24}{'trained':>24}{'test top-1':>12}")
        for kernel in args.kernels:
            mg.manual_seed(args.seed)
            model = edge_net(kernel)
            initial = first_layer(model)
            fit_one_cycle(model, loader, args.epochs, max_lr=args.lr, verbose=False)
            trained = first_layer(model)
            top1 = evaluate(model, test_loader).top1
            cells = []
            for filters in (initial, trained):
                scores, _ = edge_scores(filters)
                cells.append(f"{scores.mean():.2f} ± {scores.std():.2f} ({np.median(scores):.2f})")
            print(f"  {f'{kernel}×{kernel}':<12}{cells[0]:>24}{cells[1]:>24}{100 * top1:>11.1f}%",
                  flush=True)
            for when, filters in (("initial", initial), ("trained", trained)):
                show_filters(filters, args.out / f"filters_{kernel}x{kernel}_{when}.png",
                             f"{kernel}×{kernel} first-layer filters, {when} "
                             "(best template, edge score)")
    print(f"\nwrote filters_KxK_initial.png / _trained.png and output.txt in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
