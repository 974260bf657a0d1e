"""Lesson: fully connected layers as convolutions, and global average pooling.

    python examples/fc_as_conv.py [--quick] [--out DIR] [--seed N]

1. A Linear layer on a C×k×k feature map is a k×k convolution with C_out filters: reshape
   its (C_out, C·k·k) weight to (C_out, C, k, k). Same outputs, to rounding.
2. On a larger map the convolutional version slides: it gives a map of scores, one for
   every k×k window — the Linear layer applied at each window (checked by cropping), in one
   pass (OverFeat, fully convolutional nets).
3. Global average pooling (Network in Network, GoogLeNet, ResNet) replaces the big first
   FC layer: its parameters for VGG16/AlexNet-like heads, and the fact that it accepts any
   input size.
"""
from __future__ import annotations

import argparse

import numpy as np

import layers as nn
import minigrad as mg
import minigrad.functional as F
from minigrad.training.cli import add_lesson_options, parse_lesson_args, tee_output


def linear_as_conv(linear: nn.Linear, channels: int, kernel: int) -> nn.Conv2d:
    """The Conv2d(channels, out, kernel) computing ``linear`` on a channels×kernel×kernel map."""
    conv = nn.Conv2d(channels, linear.out_features, kernel)
    conv.weight.data[...] = linear.weight.numpy().reshape(conv.weight.shape)
    conv.bias.data[...] = linear.bias.numpy()
    return conv


def sliding_check(linear: nn.Linear, conv: nn.Conv2d, x: mg.Tensor,
                  kernel: int) -> tuple[tuple[int, ...], float]:
    """The conv's score map on a larger input, and its max difference from the Linear layer
    applied to every kernel×kernel crop."""
    with mg.no_grad():
        scores = conv(x).numpy()                              # (N, out, H−k+1, W−k+1)
        n, _, rows, cols = scores.shape
        worst = 0.0
        for i in range(rows):
            for j in range(cols):
                crop = x[:, :, i:i + kernel, j:j + kernel].reshape(n, -1)
                worst = max(worst, float(np.abs(linear(crop).numpy() - scores[:, :, i, j]).max()))
    return scores.shape[1:], worst


def head_parameters(channels: int, side: int, hidden: int, classes: int) -> dict[str, int]:
    """Parameters of a classifier head on a channels×side×side map: the FC way
    (flatten → hidden → classes) and the global-average-pooling way (GAP → classes)."""
    return {"flatten + FC": channels * side * side * hidden + hidden + hidden * classes + classes,
            "global avg pool + FC": channels * classes + classes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--kernel", type=int, default=6, help="side of the map the FC sees")
    parser.add_argument("--outputs", type=int, default=10)
    add_lesson_options(parser, "fc_as_conv", quick_help="8 channels, a 3×3 map")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.channels, args.kernel = 8, 3
    with tee_output(args.out / "output.txt"):
        mg.manual_seed(args.seed)
        c, k = args.channels, args.kernel
        linear = nn.Linear(c * k * k, args.outputs)
        conv = linear_as_conv(linear, c, k)
        x = mg.randn(4, c, k, k)
        with mg.no_grad():
            difference = float(np.abs(linear(x.reshape(4, -1)).numpy()
                                      - conv(x).numpy().reshape(4, -1)).max())
        print(f"1. Linear({c}·{k}·{k} → {args.outputs}) vs Conv2d({c}, {args.outputs}, {k}) "
              f"with the reshaped weight, on {c}×{k}×{k} maps: max |difference| "
              f"{difference:.1e}")
        big = mg.randn(2, c, k + 4, k + 4)
        shape, worst = sliding_check(linear, conv, big, k)
        print(f"2. On {c}×{k + 4}×{k + 4} maps the conv gives a score map of shape {shape}: "
              f"the Linear layer at each of the {shape[1] * shape[2]} windows, max |difference| "
              f"{worst:.1e}")
        print("\n3. Classifier heads: flatten + FC vs global average pooling + FC (parameters)")
        print(f"  {'head on':<34} {'flatten + FC':>16} {'global avg pool + FC':>22}")
        for name, (channels, side, hidden, classes) in {
                "VGG16: 512×7×7 → 4096 (→ 1000)": (512, 7, 4096, 1000),
                "AlexNet: 256×6×6 → 4096 (→ 1000)": (256, 6, 4096, 1000),
                "ResNet-50: 2048×7×7 (→ 1000)": (2048, 7, 0, 1000)}.items():
            counts = head_parameters(channels, side, hidden, classes)
            flat = "—" if hidden == 0 else f"{counts['flatten + FC']:,}"
            print(f"  {name:<34} {flat:>16} {counts['global avg pool + FC']:>22,}")
        pooled = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 3))
        with mg.no_grad():
            sizes = {side: pooled(mg.randn(1, c, side, side)).shape for side in (k, 2 * k, 3 * k)}
        print(f"  GAP head on {c}-channel maps of side {list(sizes)}: output shapes "
              f"{list(sizes.values())} — any input size; a flatten + FC head accepts one.")
        print("  (the 1×1 conv F.conv2d with a (classes, C, 1, 1) weight before GAP computes the "
              "same scores per position: a class activation map)")
        weight = mg.randn(3, c, 1, 1)
        maps = mg.randn(1, c, k, k)
        with mg.no_grad():
            gap_then_fc = F.linear(maps.mean(axis=(2, 3)), weight.reshape(3, c))
            fc_then_gap = F.conv2d(maps, weight).mean(axis=(2, 3))
        print(f"  GAP then FC vs 1×1 conv then GAP: max |difference| "
              f"{float(np.abs((gap_then_fc - fc_then_gap).numpy()).max()):.1e}")
    print(f"\nwrote {args.out / 'output.txt'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
