"""Lesson: overfitting with small data, and what data augmentation and dropout do about it.

    python examples/regularisation.py [--quick] [--out DIR] [--seed N] [--seeds 3]

With 50 training images per class (500 in all) a CNN memorises its training set: the
training accuracy reaches ~100% while the test accuracy stalls far below — overfitting.
The lecture's remedies are more data, or, when there is none, *data augmentation*
(label-preserving changes of the training images, drawn anew every epoch) and *dropout*
(AlexNet: zero each unit of the FC layers with probability ½ during training).

The same small_cnn (BatchNorm, width 8) is trained with the same recipe (one-cycle SGD,
momentum 0.9, weight decay 5e-4, the same epochs) on the same 500 images, changing one
thing at a time:

* none — the images as they are, no dropout;
* flip — mirrored left to right with probability ½ (``RandomHorizontalFlip``);
* crop — zero-padded by 3 pixels and cropped back to 28×28 at a random place
  (``RandomCrop(28, padding=3)``): shifts of up to ±3 pixels;
* jitter — brightness and contrast scaled by random factors in [0.6, 1.4]
  (``ColorJitter(0.4, 0.4)``; the images are grey, so there is no hue or saturation);
* flip + crop + jitter;
* dropout — p = ½ before the last Linear layer, no augmentation;
* flip + crop + jitter + dropout.

Printed: test top-1 on 1,000 test images and the training top-1 on the 500 training
images (as they are, in eval mode) — their difference is the overfitting gap — as
mean ± std over ``--seeds`` seeds (other images, weights and augmentations). Pictures:
the training and test loss per epoch without and with all of it (first seed), and
examples of the augmented images.
"""
from __future__ import annotations

import argparse

import numpy as np

import minigrad as mg
from layers.models.small_cnn import small_cnn
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import (FASHION_MNIST_MEAN, FASHION_MNIST_STD,
                                           fashion_mnist_arrays, normalize_images)
from minigrad.data.transforms import (ColorJitter, Compose, Normalize, RandomCrop,
                                      RandomHorizontalFlip, ToArray, Transform)
from minigrad.plot import image_grid, outside_legend, pyplot, readable_log_ticks, save
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list, tee_output
from minigrad.training.fit import History, fit_one_cycle, format_spread
from minigrad.training.loop import evaluate

AUGMENTATIONS = {"flip": RandomHorizontalFlip(), "crop": RandomCrop(28, padding=3),
                 "jitter": ColorJitter(brightness=0.4, contrast=0.4)}
# The variants: name -> (augmentations applied to the training images, dropout probability).
ALL = tuple(AUGMENTATIONS)
VARIANTS = {"none": ((), 0.0), "flip + crop + jitter": (ALL, 0.0), "dropout": ((), 0.5),
            "flip + crop + jitter + dropout": (ALL, 0.5), "flip": (("flip",), 0.0),
            "crop": (("crop",), 0.0), "jitter": (("jitter",), 0.0)}
# The variants whose test loss is measured every epoch (first seed), for the picture.
PLOTTED = ("none", "flip + crop + jitter + dropout")


def training_transform(augmentations: tuple[str, ...]) -> Transform:
    """Augment a raw uint8 28×28 image, then make it the normalised 1×28×28 float array the
    net sees (the same as :func:`normalize_images` does to the un-augmented images)."""
    return Compose([*(AUGMENTATIONS[name] for name in augmentations), ToArray(),
                    Normalize([FASHION_MNIST_MEAN], [FASHION_MNIST_STD])])


def train_variant(augmentations: tuple[str, ...], dropout: float, images: np.ndarray,
                  labels: np.ndarray, test_loader: DataLoader, seed: int, record_test: bool,
                  args: argparse.Namespace, name: str) -> tuple[History, float, float]:
    """Train one variant on the raw uint8 ``images`` (N, 28, 28); return its history (test
    loss per epoch when ``record_test``), final training top-1 (un-augmented, eval mode)
    and final test top-1."""
    mg.manual_seed(seed)                      # the same initial weights for every variant
    model = small_cnn(width=args.width, dropout=dropout)
    loader = DataLoader(ArrayDataset(images, labels, transform=training_transform(augmentations)),
                        batch_size=args.batch, shuffle=True, seed=seed)
    history = fit_one_cycle(model, loader, args.epochs, max_lr=args.lr,
                            test_loader=test_loader if record_test else None,
                            name=f"seed {seed}, {name}", verbose=False)
    plain_train = DataLoader(ArrayDataset(normalize_images(images), labels), batch_size=500)
    train_top1 = evaluate(model, plain_train).top1
    test_top1 = history.test[-1].top1 if record_test else evaluate(model, test_loader).top1
    print(f"  seed {seed}, {name:<31} train top-1 {100 * train_top1:5.1f}%, "
          f"test top-1 {100 * test_top1:5.1f}%  ({history.seconds:.0f} s)", flush=True)
    return history, train_top1, test_top1


def plot_losses(histories: dict[str, History], images: int, path: str) -> None:
    """Training loss (solid) and test loss (dashed) per epoch, one colour per variant."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.8))
    for i, (name, history) in enumerate(histories.items()):
        epochs = range(1, len(history.train) + 1)
        colour = f"C{i}"
        ax.plot(epochs, [s.loss for s in history.train], color=colour, label=f"{name}")
        ax.plot(epochs, [s.loss for s in history.test], color=colour, linestyle="--")
    ax.plot([], [], color="k", label="training loss (solid)")
    ax.plot([], [], color="k", linestyle="--", label="test loss (dashed)")
    ax.set(xlabel="epoch", ylabel="cross-entropy", yscale="log",
           title=f"{images} training images: training vs test loss")
    ax.grid(alpha=0.3, which="both")
    outside_legend(ax)
    readable_log_ticks(ax)
    save(fig, path)


def augmented_examples(images: np.ndarray, count: int, seed: int) -> list[np.ndarray]:
    """``count`` images, each followed by three draws of flip + crop + jitter (in [0, 1])."""
    augment = Compose([*AUGMENTATIONS.values(), ToArray()])
    rng = np.random.default_rng(seed)
    shown = []
    for image in images[:count]:
        shown.append(image / 255.0)
        shown += [augment(image, rng=rng)[0] for _ in range(3)]
    return shown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=50, help="training images per class")
    parser.add_argument("--test-per-class", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--width", type=int, default=8, help="small_cnn width")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=0.05, help="peak learning rate (one-cycle)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS),
                        metavar="NAME", help=f"which of: {', '.join(VARIANTS)}")
    add_lesson_options(parser, "regularisation", seeds=3,
                       quick_help="10 images per class, 2 epochs, one seed")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.per_class, args.test_per_class, args.epochs = 10, 10, 2
        args.variants = ["none", "flip + crop + jitter + dropout"]
    seeds = seed_list(args)

    results: dict[str, list[tuple[float, float]]] = {name: [] for name in args.variants}
    first_histories: dict[str, History] = {}
    with tee_output(args.out / "output.txt"):
        print(f"{10 * args.per_class} training images, {10 * args.test_per_class} test images, "
              f"small_cnn width {args.width}, {args.epochs} epochs, seeds {seeds}\n")
        for name in args.variants:          # every seed of a variant before the next one
            augmentations, dropout = VARIANTS[name]
            for seed in seeds:
                images, labels = fashion_mnist_arrays(True, args.per_class, seed=seed,
                                                      normalize=False)
                test_images, test_labels = fashion_mnist_arrays(False, args.test_per_class,
                                                                seed=seed)
                test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
                plotted = seed == seeds[0] and name in PLOTTED
                history, train_top1, test_top1 = train_variant(
                    augmentations, dropout, images, labels, test_loader, seed, plotted, args,
                    name)
                results[name].append((train_top1, test_top1))
                if plotted:
                    first_histories[name] = history

        print(f"\nTop-1 (%) over {len(seeds)} seed(s): mean ± std (min–max); gap = train − test")
        print(f"  {'variant':<31}{'train':>26}{'test':>26}{'gap':>26}")
        for name, runs in results.items():
            train, test = np.array(runs).T
            print(f"  {name:<31}{format_spread(train):>26}{format_spread(test):>26}"
                  f"{format_spread(train - test):>26}")
    if first_histories:
        plot_losses(first_histories, 10 * args.per_class, args.out / "loss.png")
    image_grid(augmented_examples(images, 4, seeds[0]), args.out / "augmented.png", columns=8,
               titles=["original", "augmented", "augmented", "augmented"] * 4,
               title="flip + crop (±3 px) + brightness/contrast jitter", normalize=False)
    print(f"\nwrote loss.png, augmented.png and output.txt in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
