"""Lesson: what the filters of a CNN learn, and what its deeper units respond to.

    python examples/visualize_filters.py [--quick] [--weights model.safetensors]
    python examples/visualize_filters.py --data imagefolder:PATH --weights rgb.safetensors

Three classic pictures of a trained ``small_cnn`` (trained here on Fashion-MNIST in a
minute, or loaded with ``--weights`` from ``examples/train.py``'s ``model.safetensors``):

1. the first layer's filters as images (RGB when the input has three channels —
   Krizhevsky et al. 2012, Fig. 3, show AlexNet's 11×11 ones);
2. the activation maps of every conv layer (after its BatchNorm and ReLU) for one image;
3. for a few units (channels) of the last conv layer, the image regions that excite them
   most over a few thousand test images (Girshick et al. 2014, Fig. 4; Zeiler & Fergus
   2014): each unit sees only its *receptive field*, drawn as a box. The box of the unit
   at output position i along an axis spans input pixels i·j − P ... i·j − P + r − 1
   (size r, jump j, effective padding P, from ``layers.summary``).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import minigrad as mg
from layers import Conv2d, Module, ReLU
from layers.layer_outputs import layer_outputs
from layers.models.small_cnn import small_cnn
from layers.summary import ReceptiveField, summary
from minigrad.data import ArrayDataset, DataLoader, datasets
from minigrad.data import transforms as T
from minigrad.data.fashion_subsets import (FASHION_MNIST_CLASSES, FASHION_MNIST_MEAN,
                                           FASHION_MNIST_STD, fashion_mnist_arrays)
from minigrad.plot import image_grid, normalize_for_display, pyplot, save
from minigrad.training import evaluate
from minigrad.training.cli import add_lesson_options, parse_lesson_args
from minigrad.training.fit import fit_one_cycle

plt = pyplot()  # draws into files
from matplotlib.patches import Rectangle  # noqa: E402



# ---- data -----------------------------------------------------------------------------
@dataclass
class ImageSet:
    """Normalised images (N, C, H, W) float32 with int labels, and how to undo the
    normalisation for display."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    classes: list[str]
    mean: tuple[float, ...]
    std: tuple[float, ...]

    def for_display(self, images: np.ndarray) -> np.ndarray:
        """(N, C, H, W) normalised -> (N, H, W) grey or (N, H, W, 3) RGB, in [0, 1]."""
        shape = (1, -1, 1, 1)
        pixels = images * np.reshape(self.std, shape) + np.reshape(self.mean, shape)
        pixels = np.clip(pixels, 0.0, 1.0)
        return pixels[:, 0] if pixels.shape[1] == 1 else pixels.transpose(0, 2, 3, 1)


def fashion_mnist_set(train_count: int, test_count: int, seed: int) -> ImageSet:
    """Class-balanced Fashion-MNIST subsets (1 channel, 28×28) of about these sizes."""
    classes = len(FASHION_MNIST_CLASSES)
    train = fashion_mnist_arrays(True, max(1, train_count // classes), seed=seed)
    test = fashion_mnist_arrays(False, max(1, test_count // classes), seed=seed)
    return ImageSet(*train, *test, FASHION_MNIST_CLASSES, (FASHION_MNIST_MEAN,),
                    (FASHION_MNIST_STD,))


def folder_arrays(root: Path, size: int, count: int, seed: int
                  ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Up to ``count`` random images of an ImageFolder, resized and centre-cropped to
    size×size and normalised with ImageNet's statistics: ((N, 3, s, s), (N,), classes)."""
    folder = datasets.ImageFolder(root, transform=T.Compose([
        T.Resize(size), T.CenterCrop(size), T.ToArray(),
        T.Normalize(T.IMAGENET_MEAN, T.IMAGENET_STD)]))
    picked = np.random.default_rng(seed).permutation(len(folder))[:count]
    images, labels = zip(*(folder[int(i)] for i in picked))
    return np.stack(images).astype(np.float32), np.array(labels), list(folder.classes)


def folder_set(path: Path, size: int, train_count: int, test_count: int, seed: int) -> ImageSet:
    """An ImageNet-layout folder (``path/train``, ``path/val``) of RGB images."""
    train_images, train_labels, classes = folder_arrays(path / "train", size, train_count, seed)
    test_images, test_labels, _ = folder_arrays(path / "val", size, test_count, seed)
    return ImageSet(train_images, train_labels, test_images, test_labels, classes,
                    T.IMAGENET_MEAN, T.IMAGENET_STD)


# ---- the model's conv layers and their units ------------------------------------------
def conv_activations(model: Module) -> list[tuple[str, str]]:
    """(conv name, name of the first ReLU after it) for every Conv2d, in order: the ReLU's
    output is the layer's activation map (after BatchNorm, if any)."""
    pairs, conv = [], None
    for name, module in model.named_modules():
        if isinstance(module, Conv2d):
            conv = name
        elif isinstance(module, ReLU) and conv is not None:
            pairs.append((conv, name))
            conv = None
    return pairs


def filter_images(weight: np.ndarray) -> list[np.ndarray]:
    """First-layer filters (C_out, C_in, k, k) as images: k×k×3 RGB when C_in is 3,
    else k×k grey (the mean over input channels)."""
    if weight.shape[1] == 3:
        return list(weight.transpose(0, 2, 3, 1))
    return list(weight.mean(axis=1))


@dataclass
class Hit:
    """Where a unit responded: image index, output position (row, col), activation."""
    image: int
    row: int
    col: int
    value: float


def strongest_responses(activations: np.ndarray, unit: int, count: int) -> list[Hit]:
    """The ``count`` images (one hit per image, at its strongest position) on which
    channel ``unit`` of ``activations`` (N, C, H, W) responds most, strongest first."""
    maps = activations[:, unit]                              # (N, H, W)
    flat_peak = maps.reshape(len(maps), -1).argmax(axis=1)   # strongest position per image
    rows, cols = np.unravel_index(flat_peak, maps.shape[1:])
    peaks = maps[np.arange(len(maps)), rows, cols]
    best = np.argsort(-peaks, kind="stable")[:count]
    return [Hit(int(i), int(rows[i]), int(cols[i]), float(peaks[i])) for i in best]


def receptive_field_box(rf: ReceptiveField, row: int, col: int,
                        image_hw: tuple[int, int]) -> tuple[int, int, int, int]:
    """Input pixels (top, left, bottom, right), inclusive, that output (row, col) sees,
    clipped to the image: along each axis from i·j − P to i·j − P + r − 1."""
    first = [i * rf.jump[a] - rf.padding[a] for a, i in enumerate((row, col))]
    last = [f + rf.size[a] - 1 for a, f in enumerate(first)]
    return (max(first[0], 0), max(first[1], 0),
            min(last[0], image_hw[0] - 1), min(last[1], image_hw[1] - 1))


# ---- pictures -------------------------------------------------------------------------
def draw_top_patches(images: np.ndarray, hits: dict[int, list[Hit]], rf: ReceptiveField,
                     layer: str, path: Path) -> None:
    """One row per unit: its top images, each with the receptive field of the winning
    position drawn as a box. ``images``: display images (N, H, W[, 3]) in [0, 1]."""
    columns = max(len(h) for h in hits.values())
    fig, axes = plt.subplots(len(hits), columns, figsize=(1.3 * columns, 1.45 * len(hits)),
                             squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax_row, (unit, unit_hits) in zip(axes, hits.items()):
        for ax, hit in zip(ax_row, unit_hits):
            image = images[hit.image]
            top, left, bottom, right = receptive_field_box(rf, hit.row, hit.col, image.shape[:2])
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1)
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), right - left + 1, bottom - top + 1,
                                   fill=False, edgecolor="red", linewidth=1.5))
            ax.set_title(f"{hit.value:.2f}", fontsize=10)
        ax_row[0].text(-0.15, 0.5, f"unit {unit}", transform=ax_row[0].transAxes,
                       rotation=90, va="center", ha="right", fontsize=10)
    fig.suptitle(f"{layer}: each unit's top images\n(box: the {rf.size[0]}×{rf.size[1]}-pixel "
                 f"receptive field where it fired most)", fontsize=10)
    fig.tight_layout()
    save(fig, path)


def draw_activations(image: np.ndarray, maps: np.ndarray, layer: str, path: Path) -> None:
    """The input image, then every channel's activation map (C, H, W) of one layer."""
    titles = ["input"] + [str(c) for c in range(len(maps))]
    image_grid([image, *maps], path, columns=min(len(maps) + 1, 11), titles=titles,
               title=f"{layer}: {maps.shape[0]} channels of {maps.shape[1]}×{maps.shape[2]}",
               scale=1.0)


# ---- the experiment -------------------------------------------------------------------
def get_model(data: ImageSet, args: argparse.Namespace) -> Module:
    """A ``small_cnn`` from ``--weights``, or trained here on ``data``."""
    mg.manual_seed(args.seed)
    model = small_cnn(len(data.classes), data.train_images.shape[1], args.width)
    if args.weights:
        model.load_state_dict(mg.load(args.weights))
        print(f"loaded {args.weights}")
    else:
        loader = DataLoader(ArrayDataset(data.train_images, data.train_labels), 64,
                            shuffle=True, seed=args.seed)
        fit_one_cycle(model, loader, args.epochs, name="small_cnn")
    return model


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--data", default="fashion-mnist", help="fashion-mnist | imagefolder:PATH "
                   "(RGB, PATH/train and PATH/val)")
    p.add_argument("--image-size", type=int, default=64, help="image size for imagefolder")
    p.add_argument("--weights", default=None,
                   help="small_cnn state dict (.safetensors) to load instead of training")
    p.add_argument("--width", type=int, default=16, help="small_cnn width")
    p.add_argument("--train-images", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--search-images", type=int, default=3000,
                   help="test images searched for the strongest responses")
    p.add_argument("--units", type=int, nargs="+", default=None,
                   help="channels of the last conv layer to show (default: the 4 with the "
                        "strongest single response)")
    p.add_argument("--top", type=int, default=8, help="images shown per unit")
    p.add_argument("--image", type=int, default=0, help="test image for the activation maps")
    add_lesson_options(p, "visualize_filters")
    args = parse_lesson_args(p, argv)
    if args.quick:
        args.width, args.train_images, args.epochs, args.search_images = 8, 500, 2, 100
    return args


def load_data(args: argparse.Namespace) -> ImageSet:
    """The images named by ``--data``."""
    kind, _, path = args.data.partition(":")
    if kind == "fashion-mnist":
        return fashion_mnist_set(args.train_images, args.search_images, args.seed)
    if kind == "imagefolder" and path:
        return folder_set(Path(path).expanduser(), args.image_size, args.train_images,
                          args.search_images, args.seed)
    raise SystemExit(f"--data {args.data!r}: expected fashion-mnist or imagefolder:PATH")


def show_filters(model: Module, first_conv: str, out: Path) -> None:
    """Picture 1: the first conv layer's filters."""
    filters = filter_images(dict(model.named_modules())[first_conv].weight.numpy())
    height, width = filters[0].shape[:2]
    if filters[0].ndim == 2:  # grey filters: one diverging colour scale shared by all
        image_grid(filters, out / "filters.png", columns=8, shared_scale=True,
                   title=f"{len(filters)} first-layer filters ({height}×{width}), shared scale")
    else:                     # RGB filters: each rescaled into [0, 1] to show its colours
        image_grid([normalize_for_display(f) for f in filters], out / "filters.png",
                   columns=8, normalize=False,
                   title=f"{len(filters)} first-layer filters ({height}×{width})")


def show_activations(model: Module, data: ImageSet, layers: list[tuple[str, str]],
                     index: int, out: Path) -> None:
    """Picture 2: every conv layer's activation maps for test image ``index``."""
    image = data.test_images[index:index + 1]
    maps = layer_outputs(model, image, [relu for _, relu in layers])
    for number, (conv, relu) in enumerate(layers, 1):
        draw_activations(data.for_display(image)[0], maps[relu][0],
                         f"conv{number} (model.{conv})",
                         out / f"activations_conv{number}.png")


def show_top_patches(model: Module, data: ImageSet, layer: tuple[str, str],
                     units: list[int] | None, top: int, out: Path, number: int) -> dict:
    """Picture 3: the strongest responses of a few units of ``layer`` (conv, relu) over the
    test images, with their receptive fields; ``number``: the layer is conv<number>.
    Returns the numbers for results.json."""
    conv, relu = layer
    activations = layer_outputs(model, data.test_images, [relu])[relu]
    if units is None:  # the channels with the strongest single response
        units = [int(u) for u in np.argsort(-activations.max(axis=(0, 2, 3)))[:4]]
    hits = {unit: strongest_responses(activations, unit, top) for unit in units}
    rf = summary(model, data.test_images.shape[1:])[relu].receptive_field
    print(f"last conv layer, conv{number} (model.{conv}): receptive field {rf.size}, jump {rf.jump}, "
          f"effective padding {rf.padding}")
    for unit, unit_hits in hits.items():
        labels = ", ".join(data.classes[data.test_labels[h.image]] for h in unit_hits)
        values = ", ".join(f"{h.value:.2f}" for h in unit_hits[:4])
        print(f"  unit {unit:>3}: top activations {values}, ...; images: {labels}")
    draw_top_patches(data.for_display(data.test_images), hits, rf,
                     f"conv{number} (model.{conv})", out / "top_patches.png")
    return {"last_conv": conv, "receptive_field_size": rf.size, "jump": rf.jump,
            "effective_padding": rf.padding,
            "top_activations": {u: [h.value for h in unit_hits] for u, unit_hits in hits.items()}}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    data = load_data(args)
    model = get_model(data, args)
    test_loader = DataLoader(ArrayDataset(data.test_images, data.test_labels), 500)
    test_top1 = evaluate(model, test_loader).top1
    print(f"test top-1 on the {len(data.test_labels)} search images: {100 * test_top1:.1f}%")

    layers = conv_activations(model)
    show_filters(model, layers[0][0], args.out)
    show_activations(model, data, layers, args.image, args.out)
    results = show_top_patches(model, data, layers[-1], args.units, args.top, args.out,
                               number=len(layers))
    (args.out / "results.json").write_text(json.dumps({"test_top1": test_top1, **results},
                                                      indent=2))
    print(f"wrote filters.png, activations_conv1..{len(layers)}.png, top_patches.png and "
          f"results.json to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
