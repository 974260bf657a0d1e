"""Lesson: three stacked 3×3 convs see what one 7×7 conv sees — with fewer weights and more ReLUs.

    python examples/stacking_3x3.py [--quick] [--out DIR] [--seed N]

Simonyan & Zisserman (2015, §2.3): each 3×3 conv (stride 1) widens the receptive field
by 2 pixels, r_l = r_{l−1} + (k − 1), so three of them see 1 + 3·2 = 7 pixels across —
the same 7×7 patch as one 7×7 conv — with 3·3² = 27 weights per (input, output)
channel pair instead of 7² = 49, and a ReLU after each of the three layers.

1. The receptive field, measured: the gradient of one output pixel with respect to the
   input is non-zero exactly on a 7×7 patch, for both; and the weights per channel pair,
   counted from the layers' parameters.
2. What the ReLUs buy: a 7×7 image whose label is the XOR of the signs of two pixels
   6 px apart (the two ends of the middle row; every pixel has noise). One 7×7 conv is a
   single linear filter and cannot represent XOR (≈ 50%); three 3×3 convs with a ReLU
   after each, then a 1×1 conv as the linear classifier, learn it (≈ 100%).
   Two controls: a 7×7 conv followed by a ReLU also learns it (the nonlinearity, not the
   depth, does the XOR), and the 3×3 stack without the ReLU after its third conv fails:
   only the third conv's unit sees both pixels, so a nonlinearity must come after it.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import numpy as np

import layers as nn
import minigrad as mg
from minigrad import init, optim
from minigrad.data import ArrayDataset, DataLoader
from minigrad.plot import image_grid
from minigrad.training.cli import add_lesson_options, parse_lesson_args
from minigrad.training.fit import fit

SIZE = 7                      # the XOR images are 7×7
PIXEL_A, PIXEL_B = (3, 0), (3, 6)  # 6 px apart, both inside the one 7×7 window


# ---- part 1: receptive field and weights --------------------------------------------------------
def stack_3x3(c_in: int, c_out: int, width: int, final_relu: bool = True) -> list[nn.Module]:
    """Three 3×3 convs (no padding) c_in -> width -> width -> c_out, a ReLU after each
    (after the last one only if ``final_relu``)."""
    layers: list[nn.Module] = [nn.Conv2d(c_in, width, 3), nn.ReLU(),
                               nn.Conv2d(width, width, 3), nn.ReLU(),
                               nn.Conv2d(width, c_out, 3)]
    return layers + [nn.ReLU()] if final_relu else layers


def input_gradient_map(model: nn.Module, channels: int, size: int, seed: int) -> np.ndarray:
    """|∂(centre output pixel, summed over channels)/∂input|, summed over input channels:
    a (size, size) map that is non-zero exactly on the pixels the centre unit sees."""
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal((1, channels, size, size)).astype(np.float32),
                  requires_grad=True)
    out = model(x)
    centre = out.shape[-1] // 2
    out[0, :, centre, centre].sum().backward()
    return np.abs(x.grad.numpy()[0]).sum(axis=0)


def support(gradient: np.ndarray) -> tuple[tuple[int, int], int, float]:
    """(height, width) of the box around the non-zero pixels, how many are non-zero, and
    the share of the total |gradient| in the central 3×3."""
    rows, cols = np.nonzero(gradient)
    centre = gradient.shape[0] // 2
    middle = gradient[centre - 1:centre + 2, centre - 1:centre + 2].sum() / gradient.sum()
    return ((rows.max() - rows.min() + 1, cols.max() - cols.min() + 1), len(rows),
            float(middle))


def weights_per_channel_pair(model: nn.Module, channels: int) -> float:
    """Conv weights (biases excluded) per (input channel, output channel) pair."""
    return sum(p.numel() for name, p in model.named_parameters()
               if name.endswith("weight")) / channels ** 2


def receptive_field_part(channels: int, seed: int, out: Path) -> None:
    """Print and draw the receptive field and weight count of a 7×7 conv and a 3×3 stack."""
    size = 15
    mg.manual_seed(seed)
    nets = {"one 7×7 conv": nn.Sequential(nn.Conv2d(channels, channels, 7, bias=False)),
            "three 3×3 convs + ReLUs": nn.Sequential(*stack_3x3(channels, channels, channels))}
    print(f"Part 1 — receptive field of the centre output unit ({channels} channels, "
          f"{size}×{size} input)")
    print(f"  {'net':<24} {'non-zero box':>13} {'non-zero px':>12} {'central 3×3 share':>18} "
          f"{'weights/channel pair':>21}")
    maps = []
    for name, model in nets.items():
        gradient = input_gradient_map(model, channels, size, seed)
        (height, width), count, middle = support(gradient)
        print(f"  {name:<24} {f'{height}×{width}':>13} {count:>12} {middle:>18.1%} "
              f"{weights_per_channel_pair(model, channels):>21g}")
        maps.append(gradient)
    image_grid(maps, out / "receptive_field.png", columns=2, titles=list(nets),
               title="|∂ centre output / ∂ input|", scale=2.5)
    print()


# ---- part 2: XOR of two distant pixels ----------------------------------------------------------
def xor_images(n: int, rng: np.random.Generator, noise: float = 0.2,
               ) -> tuple[np.ndarray, np.ndarray]:
    """n images (n, 1, 7, 7): N(0, noise²) everywhere, ±1 added at PIXEL_A and PIXEL_B;
    label 1 where the two signs differ (XOR), else 0."""
    a, b = rng.choice([-1.0, 1.0], size=(2, n))
    images = noise * rng.standard_normal((n, 1, SIZE, SIZE))
    images[:, 0, PIXEL_A[0], PIXEL_A[1]] += a
    images[:, 0, PIXEL_B[0], PIXEL_B[1]] += b
    return images.astype(np.float32), (a != b).astype(np.int64)


def xor_models(width: int) -> dict[str, Callable[[], nn.Module]]:
    """Each maps (N, 1, 7, 7) to (N, 2) logits; valid convs shrink 7×7 to 1×1."""
    return {
        "one 7×7 conv (linear)": lambda: nn.Sequential(nn.Conv2d(1, 2, 7), nn.Flatten()),
        "7×7 conv, ReLU, 1×1": lambda: nn.Sequential(
            nn.Conv2d(1, width, 7), nn.ReLU(), nn.Conv2d(width, 2, 1), nn.Flatten()),
        "3×(3×3 conv, ReLU), 1×1": lambda: nn.Sequential(
            *stack_3x3(1, width, width), nn.Conv2d(width, 2, 1), nn.Flatten()),
        "3×3 stack, no last ReLU": lambda: nn.Sequential(
            *stack_3x3(1, 2, width, final_relu=False), nn.Flatten()),
    }


def xor_part(width: int, train_size: int, epochs: int, seed: int) -> dict[str, float]:
    """Train every model (Kaiming-initialised, as suits ReLU nets) with Adam; print and
    return the test accuracies."""
    rng = np.random.default_rng(seed)
    train, test = xor_images(train_size, rng), xor_images(train_size // 2, rng)
    test_loader = DataLoader(ArrayDataset(*test), batch_size=1000)
    print(f"Part 2 — XOR of the signs of pixels {PIXEL_A} and {PIXEL_B} in 7×7 noisy images; "
          f"{train_size} training images, Adam, {epochs} epochs")
    print(f"  {'model':<26} {'parameters':>10} {'train acc':>10} {'test acc':>9}")
    accuracies = {}
    for name, build in xor_models(width).items():
        mg.manual_seed(seed)
        model = init.init_kaiming_(build())
        loader = DataLoader(ArrayDataset(*train), batch_size=100, shuffle=True, seed=seed)
        history = fit(model, loader, optim.Adam(model.parameters(), lr=0.01), epochs,
                      test_loader=test_loader, verbose=False)
        accuracies[name] = history.test[-1].top1
        parameters = sum(p.numel() for p in model.parameters())
        print(f"  {name:<26} {parameters:>10} {history.train[-1].top1:>10.1%} "
              f"{accuracies[name]:>9.1%}")
    return accuracies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=8, help="channels in part 1")
    parser.add_argument("--width", type=int, default=16, help="channels of the XOR models")
    parser.add_argument("--train-size", type=int, default=2000)
    parser.add_argument("--epochs", type=int, default=20)
    add_lesson_options(parser, "stacking_3x3", quick_help="800 XOR images, 8 epochs")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.train_size, args.epochs = 800, 8

    receptive_field_part(args.channels, args.seed, args.out)
    images, labels = xor_images(8, np.random.default_rng(args.seed))
    image_grid(list(images[:, 0]), args.out / "xor_examples.png", columns=8,
               titles=[f"XOR = {y}" for y in labels], title="XOR images (7×7)")
    xor_part(args.width, args.train_size, args.epochs, args.seed)
    print(f"\nplots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
