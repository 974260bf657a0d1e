"""Lesson: top-1 vs top-5 accuracy, and the images that only top-5 forgives.

    python examples/top5.py [--quick] [--weights model.safetensors]

ImageNet results are quoted as top-1 and top-5 error: a prediction counts as top-5
correct when the true class is among the model's five highest scores. ILSVRC used top-5
because many images hold several objects, or classes that are hard to tell apart, so
the single "correct" label is partly arbitrary. Krizhevsky et al. (2012), Fig. 4 (left),
show test images with the network's five guesses as bars.

This lesson trains a ``small_cnn`` on Fashion-MNIST (or loads ``--weights`` written by
``examples/train.py``), reports both metrics on the test set, and draws the images
that are top-5 correct but top-1 wrong, each with its five guesses and their softmax
probabilities (the true class in red). It also counts which classes get confused.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np

import minigrad as mg
from layers import Module
from layers.models.small_cnn import small_cnn
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import (FASHION_MNIST_CLASSES, denormalize_images,
                                           fashion_mnist_arrays)
from minigrad.metrics import accuracy
from minigrad.training.fit import fit_one_cycle

from minigrad.plot import pyplot, save  # noqa: E402
from minigrad.training.cli import add_lesson_options, parse_lesson_args  # noqa: E402

plt = pyplot()  # draws into files


def predict_probabilities(model: Module, images: np.ndarray, batch_size: int = 500
                          ) -> np.ndarray:
    """Softmax class probabilities (N, classes) of ``model`` in eval mode."""
    model.eval()
    with mg.no_grad():
        batches = [mg.softmax(model(mg.tensor(images[i:i + batch_size])), axis=1).numpy()
                   for i in range(0, len(images), batch_size)]
    return np.concatenate(batches)


def top5_only(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Indices of the images whose true class is among the five most probable but is not
    the most probable one."""
    ranking = np.argsort(-probabilities, axis=1, kind="stable")
    in_top5 = (ranking[:, :5] == labels[:, None]).any(axis=1)
    return np.flatnonzero(in_top5 & (ranking[:, 0] != labels))


def draw_guesses(images: np.ndarray, probabilities: np.ndarray, labels: np.ndarray,
                 classes: list[str], path: Path, columns: int = 4) -> None:
    """Each image beside a bar chart of its five most probable classes (true class red)."""
    rows = -(-len(images) // columns)
    fig, axes = plt.subplots(rows, 2 * columns, figsize=(2.9 * columns, 1.25 * rows),
                             gridspec_kw={"width_ratios": [1, 1.6] * columns}, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (image, probs, label) in enumerate(zip(images, probabilities, labels)):
        image_ax, bar_ax = axes[i // columns, 2 * (i % columns)], axes[i // columns,
                                                                       2 * (i % columns) + 1]
        image_ax.imshow(image, cmap="gray", vmin=0, vmax=1)
        image_ax.set_title(f"true: {classes[label]}", fontsize=10, color="red")
        top = np.argsort(-probs, kind="stable")[:5]
        bar_ax.axis("on")
        bar_ax.barh(range(5), probs[top], color=["red" if c == label else "tab:blue"
                                                 for c in top])
        bar_ax.set_yticks(range(5), [classes[c] for c in top], fontsize=10)
        bar_ax.invert_yaxis()                       # the top guess first
        bar_ax.set_xlim(0, 1)
        bar_ax.set_xticks([0, 1])                   # probability; two ticks fit at 10 pt
        for spine in ("top", "right"):
            bar_ax.spines[spine].set_visible(False)
    fig.suptitle("Top-5 correct, top-1 wrong: the five guesses (true class in red)", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def get_model(args: argparse.Namespace) -> Module:
    """A ``small_cnn`` from ``--weights``, or trained here on a Fashion-MNIST subset."""
    mg.manual_seed(args.seed)
    model = small_cnn(10, 1, args.width)
    if args.weights:
        model.load_state_dict(mg.load(args.weights))
        print(f"loaded {args.weights}")
        return model
    images, labels = fashion_mnist_arrays(True, args.train_per_class, seed=args.seed)
    loader = DataLoader(ArrayDataset(images, labels), 64, shuffle=True, seed=args.seed)
    fit_one_cycle(model, loader, args.epochs, name="small_cnn")
    return model


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--weights", default=None,
                   help="small_cnn state dict (.safetensors) to load instead of training")
    p.add_argument("--width", type=int, default=16, help="small_cnn width")
    p.add_argument("--train-per-class", type=int, default=1000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--test-per-class", type=int, default=None,
                   help="test images per class (default: the whole test set, 1,000 each)")
    p.add_argument("--show", type=int, default=16, help="examples drawn")
    add_lesson_options(p, "top5")
    args = parse_lesson_args(p, argv)
    if args.quick:
        args.width, args.train_per_class, args.epochs, args.test_per_class = 8, 50, 2, 30
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model = get_model(args)
    images, labels = fashion_mnist_arrays(False, args.test_per_class, seed=args.seed)
    probabilities = predict_probabilities(model, images)
    top1, top5 = accuracy(probabilities, labels, topk=(1, 5))
    print(f"\n{len(labels)} test images: top-1 {100 * top1:.2f}%  top-5 {100 * top5:.2f}%  "
          f"(error {100 * (1 - top1):.2f}% / {100 * (1 - top5):.2f}%)")

    rescued = top5_only(probabilities, labels)
    wrong = int(round((1 - top1) * len(labels)))
    print(f"{wrong} top-1 mistakes; the true class is among the top five for {len(rescued)} "
          f"of them")
    predicted = probabilities.argmax(axis=1)
    print("most frequent confusions (true -> top-1 guess) among them:")
    pairs = Counter((int(labels[i]), int(predicted[i])) for i in rescued)
    for (true, guess), count in pairs.most_common(5):
        print(f"  {FASHION_MNIST_CLASSES[true]:>12} -> {FASHION_MNIST_CLASSES[guess]:<12} "
              f"{count:>4}")

    (args.out / "results.json").write_text(json.dumps(
        {"test_images": len(labels), "top1": top1, "top5": top5, "top1_mistakes": wrong,
         "top5_only": len(rescued)}, indent=2))
    shown = np.random.default_rng(args.seed).permutation(rescued)[:args.show]
    if len(shown):
        draw_guesses(denormalize_images(images[shown])[:, 0], probabilities[shown],
                     labels[shown], FASHION_MNIST_CLASSES, args.out / "top5_examples.png")
        print(f"\nwrote {args.out / 'top5_examples.png'} ({len(shown)} examples)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
