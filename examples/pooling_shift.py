"""Lesson: how shift-invariant does max pooling make a CNN's features?

    python examples/pooling_shift.py [--quick] [--out DIR] [--seed N]

The lecture: pooling makes the representation approximately invariant to small
translations. Measured here on Fashion-MNIST test images shifted right by s = 0…6 pixels
(zeros come in from the left): the cosine similarity between the features of the shifted
and of the original image, averaged over the images, for the same conv+ReLU layers
(Kaiming-initialised, untrained: invariance is a property of the architecture) followed by

* no pooling (the conv maps themselves),
* one 2×2 max pool, two 2×2 max pools (stride 4 in all),
* a global max pool (one number per channel).

Without pooling a shift moves the map, so its similarity to the original drops at once;
each pooling stage tolerates part of a shift, and the global pool is invariant up to the
border. ReLU features are non-negative, so even two different images have a positive
cosine similarity, and after a global max pool of untrained features it is close to 1: the
"other image" column (another image of the set) is the floor to compare with. The second
table rescales by it: (similarity − floor) / (1 − floor), 1 = unchanged by the shift,
0 = as different as another image.
"""
from __future__ import annotations

import argparse

import numpy as np

import layers as nn
import minigrad as mg
from minigrad import init
from minigrad.data.fashion_subsets import fashion_mnist_arrays, fashion_mnist_available
from minigrad.plot import line_plot
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list, tee_output


def conv_relu(channels: int) -> list[nn.Module]:
    """Two 3×3 conv + ReLU layers (1 → channels → channels), size-preserving."""
    return [nn.Conv2d(1, channels, 3, padding=1), nn.ReLU(),
            nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU()]


def feature_extractors(channels: int) -> dict[str, nn.Module]:
    """The same conv layers (shared modules) with the four pooling choices after them."""
    convs = init.init_kaiming_(nn.Sequential(*conv_relu(channels)))
    return {"no pooling": convs,
            "one 2×2 max pool": nn.Sequential(convs, nn.MaxPool2d(2)),
            "two 2×2 max pools": nn.Sequential(convs, nn.MaxPool2d(2), nn.MaxPool2d(2)),
            "global max pool": nn.Sequential(convs, nn.MaxPool2d(28))}  # 28×28 maps


def shift_right(images: np.ndarray, pixels: int) -> np.ndarray:
    """Move (N, C, H, W) images right by ``pixels``, zeros coming in from the left."""
    shifted = np.zeros_like(images)
    shifted[..., pixels:] = images[..., :images.shape[-1] - pixels]
    return shifted


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-row cosine similarity of two (N, D) arrays."""
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def similarity_by_shift(model: nn.Module, images: np.ndarray, shifts: list[int]) -> list[float]:
    """Mean cosine similarity of model(shifted image) to model(image), for every shift, and
    last, of model(another image) to model(image) (the floor)."""
    with mg.no_grad():
        reference = model(mg.tensor(images)).numpy().reshape(len(images), -1)
        shifted = [float(cosine_similarity(
            model(mg.tensor(shift_right(images, s))).numpy().reshape(len(images), -1),
            reference).mean()) for s in shifts]
    return shifted + [float(cosine_similarity(np.roll(reference, 1, axis=0), reference).mean())]


def rescale(similarities: list[float]) -> list[float]:
    """(s − floor) / (1 − floor) for each shift's similarity s, with the floor (another
    image's similarity) the last entry of ``similarities``."""
    floor = similarities[-1]
    return [(s - floor) / (1 - floor) for s in similarities[:-1]]


def lesson_images(count: int, seed: int) -> np.ndarray:
    """Fashion-MNIST test images (N, 1, 28, 28), or smooth random ones without the data."""
    if fashion_mnist_available():
        images, _ = fashion_mnist_arrays(train=False, per_class=-(-count // 10), seed=seed,
                                         normalize=False)
        return images[:count].reshape(-1, 1, 28, 28).astype(np.float32)
    print("(Fashion-MNIST is not installed: random blob images instead)")
    rng = np.random.default_rng(seed)
    return np.maximum(rng.standard_normal((count, 1, 28, 28)), 0).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--max-shift", type=int, default=6)
    add_lesson_options(parser, "pooling_shift", seeds=3,
                       quick_help="20 images, 4 channels, shifts up to 3, one seed")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.images, args.channels, args.max_shift = 20, 4, 3
    shifts = list(range(args.max_shift + 1))
    with tee_output(args.out / "output.txt"):
        runs: dict[str, list[list[float]]] = {}
        for seed in seed_list(args):
            mg.manual_seed(seed)
            images = lesson_images(args.images, seed)
            for name, model in feature_extractors(args.channels).items():
                runs.setdefault(name, []).append(similarity_by_shift(model, images, shifts))
        print(f"Mean cosine similarity of features(shifted image) to features(image), "
              f"{args.images} images, {args.channels} channels; mean over {len(runs[name])} "
              f"seed(s) (± std)")
        print(f"  {'features':<20}" + "".join(f"{'shift ' + str(s):>14}" for s in shifts)
              + f"{'other image':>14}")
        for name, values in runs.items():
            table = np.array(values)
            print(f"  {name:<20}" + "".join(
                f"{m:>8.3f} ±{d:>4.2f}" for m, d in zip(table.mean(0), table.std(0))))
        print("\nRescaled by the floor, (similarity − other image) / (1 − other image): 1 = the "
              "shift changes nothing, 0 = as different as another image")
        print(f"  {'features':<20}" + "".join(f"{'shift ' + str(s):>14}" for s in shifts))
        rescaled = {name: np.array([rescale(run) for run in values])
                    for name, values in runs.items()}
        for name, table in rescaled.items():
            print(f"  {name:<20}" + "".join(
                f"{m:>8.2f} ±{d:>4.2f}" for m, d in zip(table.mean(0), table.std(0))))
    line_plot({name: (shifts, table.mean(0)) for name, table in rescaled.items()},
              args.out / "similarity.png", xlabel="shift (pixels to the right)",
              ylabel="similarity, rescaled: 1 same, 0 other image",
              title="Shift invariance of max pooling (untrained conv layers)")
    print(f"\nwrote {args.out / 'similarity.png'} and output.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
