"""Lesson: the traditional recognition pipeline vs a CNN trained end to end.

    python examples/traditional_pipeline.py [--quick] [--words 128]

Before 2012, image classifiers were built in stages, each designed by hand except the last:

1. dense local descriptors: image gradients, their orientations binned into 8 bins
   (weighted by gradient magnitude) over 4×4-pixel cells, 2×2 cells per descriptor,
   normalised as in SIFT (Lowe 2004) / HOG (Dalal & Triggs 2005);
2. a codebook of "visual words": k-means on descriptors of the training images;
3. bag-of-words encoding: each descriptor votes for its nearest word; the histograms
   of the whole image and of its four quadrants are concatenated (a 1×1 + 2×2
   spatial pyramid, Lazebnik, Schmid & Ponce 2006);
4. a linear classifier on the histograms (here softmax regression trained with minigrad).

A CNN learns all four stages at once from the same images. The experiment also trains
the same linear classifier on raw pixels, to show what the hand-made features add.
Everything runs on one class-balanced Fashion-MNIST subset; the table reports test
accuracy and the time each stage took.
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

import minigrad as mg
from layers import Linear
from layers.models.small_cnn import small_cnn
from minigrad import optim
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays, normalize_images
from minigrad.training import evaluate
from minigrad.training.fit import fit, fit_one_cycle

from minigrad.plot import pyplot, save  # noqa: E402
from minigrad.training.cli import add_lesson_options, parse_lesson_args  # noqa: E402

plt = pyplot()  # draws into files
from matplotlib.collections import LineCollection  # noqa: E402

T = TypeVar("T")


# ---- 1. dense gradient-orientation descriptors ----------------------------------------
def orientation_votes(images: np.ndarray, bins: int = 8) -> np.ndarray:
    """Each pixel's gradient, as votes for orientation bins: (N, H, W) -> (N, H, W, bins).

    Gradients are central differences. The orientation θ ∈ [0, 2π) (signed, as in SIFT)
    falls between two bin centres (bin b is centred on b·2π/bins, so horizontal and
    vertical gradients fall exactly on one); the pixel's gradient magnitude is split between
    them in proportion to its closeness (linear interpolation, Lowe 2004 §6.1).
    """
    gy, gx = np.gradient(images.astype(np.float32), axis=(1, 2))
    magnitude = np.hypot(gx, gy)
    theta = np.arctan2(gy, gx) % (2 * np.pi)
    position = theta / (2 * np.pi) * bins          # bin b is centred on θ = b·2π/bins
    lower = np.floor(position)
    upper_share = position - lower                 # in [0, 1): how close to the upper bin
    lower_bin = lower.astype(np.int64) % bins
    upper_bin = (lower_bin + 1) % bins
    all_bins = np.arange(bins)
    return ((lower_bin[..., None] == all_bins) * (magnitude * (1 - upper_share))[..., None]
            + (upper_bin[..., None] == all_bins) * (magnitude * upper_share)[..., None])


def cell_histograms(images: np.ndarray, cell: int = 4, stride: int = 4,
                    bins: int = 8) -> np.ndarray:
    """Orientation histograms of cell×cell pixel cells whose corners are ``stride`` pixels
    apart: (N, H, W) -> (N, G, G, bins), G = (H − cell) // stride + 1.

    Every cell is a box sum of the votes, read off an integral image (cumulative sums
    over rows and columns): sum of box = I[bottom, right] − I[top, right] − I[bottom, left]
    + I[top, left] — four lookups per cell, whatever its size (integral histograms).
    """
    votes = orientation_votes(images, bins)
    integral = np.pad(votes.cumsum(axis=1).cumsum(axis=2), ((0, 0), (1, 0), (1, 0), (0, 0)))
    top = np.arange(0, images.shape[1] - cell + 1, stride)    # first row of each cell
    left = np.arange(0, images.shape[2] - cell + 1, stride)
    bottom, right = top + cell, left + cell
    rows_top, rows_bottom = integral[:, top], integral[:, bottom]
    return (rows_bottom[:, :, right] - rows_top[:, :, right]
            - rows_bottom[:, :, left] + rows_top[:, :, left])


def dense_descriptors(images: np.ndarray, cell: int = 4, stride: int = 2, block: int = 2,
                      bins: int = 8) -> np.ndarray:
    """SIFT/HOG-like descriptors every ``stride`` pixels: (N, H, W) -> (N, G, G, block²·bins).

    A descriptor concatenates the histograms of block×block adjacent cells (a
    (block·cell)-pixel patch: 8×8 by default), then is normalised like SIFT's: unit
    length, entries clipped at 0.2 (so no single strong edge dominates), unit length
    again. Flat patches (no gradient) stay all-zero.
    """
    cells = cell_histograms(images, cell, stride, bins)
    step = cell // stride                         # grid steps from one cell to the next
    g = cells.shape[1] - (block - 1) * step
    parts = [cells[:, a * step:a * step + g, b * step:b * step + g]
             for a in range(block) for b in range(block)]
    descriptors = np.concatenate(parts, axis=-1)
    norms = np.linalg.norm(descriptors, axis=-1, keepdims=True)
    descriptors = np.minimum(descriptors / np.maximum(norms, 1e-6), 0.2)
    norms = np.linalg.norm(descriptors, axis=-1, keepdims=True)
    return (descriptors / np.maximum(norms, 1e-6)).astype(np.float32)


# ---- 2. the codebook: k-means ---------------------------------------------------------
def squared_distances(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """‖p − c‖² for every pair, (P, D) and (K, D) -> (P, K), as ‖p‖² − 2p·c + ‖c‖²."""
    return np.maximum((points ** 2).sum(1)[:, None] - 2 * points @ centres.T
                      + (centres ** 2).sum(1)[None, :], 0.0)


def kmeans_plus_plus(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007): each new centre is drawn with
    probability proportional to its squared distance to the nearest centre so far."""
    centres = [points[rng.integers(len(points))]]
    nearest = squared_distances(points, centres[0][None])[:, 0]
    for _ in range(1, k):
        total = nearest.sum()
        index = rng.choice(len(points), p=nearest / total) if total > 0 \
            else rng.integers(len(points))
        centres.append(points[index])
        nearest = np.minimum(nearest, squared_distances(points, points[index][None])[:, 0])
    return np.stack(centres)


def kmeans(points: np.ndarray, k: int, iterations: int, seed: int) -> np.ndarray:
    """Lloyd's algorithm from a k-means++ start: (P, D) -> (k, D) centres.

    Each iteration assigns every point to its nearest centre and moves each centre to the
    mean of its points (a centre that lost all its points stays where it is).
    """
    centres = kmeans_plus_plus(points, k, np.random.default_rng(seed))
    for _ in range(iterations):
        assignment = squared_distances(points, centres).argmin(axis=1)
        members = (assignment[None, :] == np.arange(k)[:, None]).astype(points.dtype)  # (k, P)
        counts = members.sum(axis=1)
        filled = counts > 0
        centres[filled] = (members @ points)[filled] / counts[filled, None]
    return centres


# ---- 3. bag of visual words with a spatial pyramid ------------------------------------
def nearest_words(descriptors: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """The index of each descriptor's nearest codeword: (N, G, G, D) -> (N, G, G)."""
    n, g, _, d = descriptors.shape
    return squared_distances(descriptors.reshape(-1, d), codebook).argmin(1).reshape(n, g, g)


def pyramid_histograms(words: np.ndarray, k: int) -> np.ndarray:
    """Word counts over the whole image and over each of its 2×2 quadrants:
    (N, G, G) word indices -> (N, 5k) features.

    Each histogram is divided by its number of descriptors; the two levels are weighted
    1/2 each (Lazebnik et al.'s weights for a pyramid of levels 0 and 1).
    """
    n, g, _ = words.shape
    half = (np.arange(g) >= g / 2).astype(np.int64)       # 0: top/left half, 1: bottom/right
    quadrant = 2 * half[:, None] + half[None, :]          # (G, G) in 0..3
    image = np.arange(n)[:, None, None]
    slot = (image * 4 + quadrant) * k + words             # one bin per (image, quadrant, word)
    quadrants = np.bincount(slot.ravel(), minlength=n * 4 * k).reshape(n, 4, k)
    whole = quadrants.sum(axis=1)
    level0 = whole / whole.sum(axis=1, keepdims=True)
    level1 = quadrants / np.maximum(quadrants.sum(axis=2, keepdims=True), 1)
    return np.concatenate([0.5 * level0, 0.5 * level1.reshape(n, -1)], axis=1)


def descriptor_features(images: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Images (N, H, W) in [0, 1] -> pyramid bag-of-words features (N, 5k)."""
    return pyramid_histograms(nearest_words(dense_descriptors(images), codebook), len(codebook))


# ---- 4. a linear classifier on fixed features -----------------------------------------
def standardize(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Zero mean, unit variance per feature, with the training set's statistics."""
    mean, std = train.mean(0), train.std(0) + 1e-6
    return ((train - mean) / std).astype(np.float32), ((test - mean) / std).astype(np.float32)


def softmax_regression(train_x: np.ndarray, train_y: np.ndarray, test_x: np.ndarray,
                       test_y: np.ndarray, epochs: int, seed: int) -> tuple[float, float]:
    """Train Linear(D, 10) with cross-entropy (AdamW, weight decay 0.05) on standardised
    features; returns (train top-1, test top-1)."""
    mg.manual_seed(seed)
    train_x, test_x = standardize(train_x, test_x)
    model = Linear(train_x.shape[1], 10)
    train_loader = DataLoader(ArrayDataset(train_x, train_y), 128, shuffle=True, seed=seed)
    optimizer = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    fit(model, train_loader, optimizer, epochs, verbose=False)
    train = evaluate(model, DataLoader(ArrayDataset(train_x, train_y), 1000))
    test = evaluate(model, DataLoader(ArrayDataset(test_x, test_y), 1000))
    return train.top1, test.top1


# ---- the comparison -------------------------------------------------------------------
def timed(step: Callable[[], T]) -> tuple[T, float]:
    """Run ``step()``; return its result and the wall-clock seconds it took."""
    start = time.perf_counter()
    result = step()
    return result, time.perf_counter() - start


def in_chunks(fn: Callable[[np.ndarray], np.ndarray], images: np.ndarray,
              size: int = 1000) -> np.ndarray:
    """``fn`` applied to ``images`` a chunk at a time (bounds the (N, H, W, 8) votes)."""
    return np.concatenate([fn(images[i:i + size]) for i in range(0, len(images), size)])


def run_pipeline(train_images: np.ndarray, train_labels: np.ndarray, test_images: np.ndarray,
                 test_labels: np.ndarray, args: argparse.Namespace
                 ) -> tuple[tuple[float, float], dict[str, float], np.ndarray]:
    """Descriptors -> codebook -> pyramid BoW -> softmax regression.

    Returns ((train top-1, test top-1), seconds per stage, codebook).
    """
    seconds: dict[str, float] = {}
    train_descriptors, seconds["descriptors"] = timed(
        lambda: in_chunks(dense_descriptors, train_images))
    rng = np.random.default_rng(args.seed)
    flat = train_descriptors.reshape(-1, train_descriptors.shape[-1])
    sample = flat[rng.choice(len(flat), min(args.kmeans_sample, len(flat)), replace=False)]
    codebook, seconds["k-means codebook"] = timed(
        lambda: kmeans(sample, args.words, args.kmeans_iterations, args.seed))
    (train_features, test_features), seconds["encoding"] = timed(lambda: (
        pyramid_histograms(nearest_words(train_descriptors, codebook), args.words),
        in_chunks(lambda x: descriptor_features(x, codebook), test_images)))
    accuracy, seconds["softmax regression"] = timed(lambda: softmax_regression(
        train_features, train_labels, test_features, test_labels, args.classifier_epochs,
        args.seed))
    return accuracy, seconds, codebook


def run_cnn(train_images: np.ndarray, train_labels: np.ndarray, test_images: np.ndarray,
            test_labels: np.ndarray, args: argparse.Namespace) -> tuple[float, float]:
    """The small CNN trained end to end on the same images; (train, test) top-1."""
    mg.manual_seed(args.seed)
    train_x, test_x = normalize_images(train_images), normalize_images(test_images)
    train_loader = DataLoader(ArrayDataset(train_x, train_labels), 64, shuffle=True,
                              seed=args.seed)
    model = small_cnn(10, 1, args.cnn_width)
    fit_one_cycle(model, train_loader, args.cnn_epochs, name="CNN")
    train = evaluate(model, DataLoader(ArrayDataset(train_x, train_labels), 500))
    test = evaluate(model, DataLoader(ArrayDataset(test_x, test_labels), 500))
    return train.top1, test.top1


def orientation_glyphs(cells: np.ndarray, cell: int = 4) -> np.ndarray:
    """Line segments that draw cell histograms (G, G, bins) as HOG-style star glyphs:
    one segment per bin through the cell centre, along the *edge* direction (the
    gradient direction turned by 90°), its length ∝ the bin's vote. -> (G·G·bins, 2, 2)."""
    g, _, bins = cells.shape
    angles = np.arange(bins) * 2 * np.pi / bins                     # bin centres
    half_length = 0.45 * cell * cells / max(cells.max(), 1e-6)      # (G, G, bins)
    dx, dy = -np.sin(angles) * half_length, np.cos(angles) * half_length
    centre_y, centre_x = np.meshgrid(cell * np.arange(g) + (cell - 1) / 2,
                                     cell * np.arange(g) + (cell - 1) / 2, indexing="ij")
    start = np.stack([centre_x[..., None] - dx, centre_y[..., None] - dy], axis=-1)
    end = np.stack([centre_x[..., None] + dx, centre_y[..., None] + dy], axis=-1)
    return np.stack([start, end], axis=-2).reshape(-1, 2, 2)


def draw_pipeline(images: np.ndarray, codebook: np.ndarray, path: Path) -> None:
    """For a few images (N, H, W): the image, its cell orientation histograms as glyphs,
    and its map of visual words (each descriptor position coloured by its word)."""
    cells = cell_histograms(images)
    words = nearest_words(dense_descriptors(images), codebook)
    fig, axes = plt.subplots(len(images), 3, figsize=(6.6, 2.2 * len(images)), squeeze=False)
    for row, image in enumerate(images):
        axes[row, 0].imshow(image, cmap="gray")
        glyph = axes[row, 1]
        glyph.set_facecolor("black")
        glyph.add_collection(LineCollection(orientation_glyphs(cells[row]), colors="white",
                                            linewidths=0.8))
        glyph.set(xlim=(-0.5, image.shape[1] - 0.5), ylim=(image.shape[0] - 0.5, -0.5),
                  aspect="equal")
        axes[row, 2].imshow(words[row], cmap="tab20", interpolation="nearest")
        for ax in axes[row]:
            ax.set_xticks([])
            ax.set_yticks([])
    for ax, title in zip(axes[0], ("image", "cell orientation histograms", "visual words")):
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    save(fig, path)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--train-per-class", type=int, default=500)
    p.add_argument("--test-per-class", type=int, default=200)
    p.add_argument("--words", type=int, default=64, help="codebook size k")
    p.add_argument("--kmeans-sample", type=int, default=20000,
                   help="training descriptors the codebook is learnt from")
    p.add_argument("--kmeans-iterations", type=int, default=10)
    p.add_argument("--classifier-epochs", type=int, default=30)
    p.add_argument("--cnn-epochs", type=int, default=8)
    p.add_argument("--cnn-width", type=int, default=16)
    add_lesson_options(p, "traditional_pipeline")
    args = parse_lesson_args(p, argv)
    if args.quick:
        args.train_per_class, args.test_per_class, args.words = 30, 20, 16
        args.kmeans_sample, args.classifier_epochs = 2000, 10
        args.cnn_epochs, args.cnn_width = 2, 8
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    train_images, train_labels = fashion_mnist_arrays(True, args.train_per_class, seed=args.seed,
                                                      normalize=False)
    test_images, test_labels = fashion_mnist_arrays(False, args.test_per_class, seed=args.seed,
                                                    normalize=False)
    train_pixels, test_pixels = train_images / 255.0, test_images / 255.0
    print(f"{len(train_labels)} training and {len(test_labels)} test images")

    (bow_train, bow_test), seconds, codebook = run_pipeline(
        train_pixels, train_labels, test_pixels, test_labels, args)
    (pixel_train, pixel_test), pixel_seconds = timed(lambda: softmax_regression(
        train_pixels.reshape(len(train_pixels), -1), train_labels,
        test_pixels.reshape(len(test_pixels), -1), test_labels, args.classifier_epochs,
        args.seed))
    (cnn_train, cnn_test), cnn_seconds = timed(
        lambda: run_cnn(train_images, train_labels, test_images, test_labels, args))

    print(f"\nstage times of the traditional pipeline (k = {args.words} words):")
    for stage, value in seconds.items():
        print(f"  {stage:<20} {value:7.1f} s")
    print(f"\n{'method':<38} {'train top-1':>11} {'test top-1':>11} {'seconds':>8}")
    rows = [("raw pixels + softmax regression", pixel_train, pixel_test, pixel_seconds),
            (f"descriptors + BoW({args.words}) pyramid + softmax", bow_train, bow_test,
             sum(seconds.values())),
            (f"small CNN (width {args.cnn_width}, {args.cnn_epochs} epochs)", cnn_train,
             cnn_test, cnn_seconds)]
    for name, train, test, time_taken in rows:
        print(f"{name:<38} {100 * train:>10.1f}% {100 * test:>10.1f}% {time_taken:>8.1f}")
    (args.out / "results.json").write_text(json.dumps(
        {"stage_seconds": seconds,
         "methods": {name: {"train_top1": train, "test_top1": test, "seconds": time_taken}
                     for name, train, test, time_taken in rows}}, indent=2))

    draw_pipeline(test_pixels[:4], codebook, args.out / "pipeline.png")
    print(f"\nwrote {args.out / 'pipeline.png'} and results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
