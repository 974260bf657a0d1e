"""Lesson: group convolution — G groups divide a conv's parameters and work by G.

    python examples/group_conv.py [--quick] [--out DIR] [--seed N]

With ``groups = G`` a conv splits its C_in input and C_out output channels into G groups;
output group g sees only input group g. Each filter has C_in/G channels instead of C_in:
parameters and MACs fall by G (AlexNet's two GPU halves are G = 2; G = C_in is MobileNet's
depthwise conv; ResNeXt uses G = 32).

1. Parameters and MACs of a 3×3 conv, 256 → 256 channels on 14×14 maps, for G = 1 … 256,
   with a measured forward time (one batched GEMM per layer; G = C_in takes the direct
   depthwise path).
2. A grouped conv is G independent convs: the output equals the G convs of the channel
   slices, concatenated (checked to rounding).
3. What it costs: output channel 0 depends only on the first C_in/G input channels — its
   gradient with respect to the others is exactly 0.
"""
from __future__ import annotations

import argparse

import numpy as np

import layers as nn
import minigrad as mg
import minigrad.functional as F
from layers.summary import summary
from minigrad.plot import save_figure
from minigrad.training.cli import (add_lesson_options, forward_times, parse_lesson_args,
                                   tee_output)


def grouped_equals_split(channels: int, groups: int, side: int = 6) -> float:
    """max |grouped conv − concatenation of G ungrouped convs on the channel slices|."""
    x = mg.randn(2, channels, side, side)
    weight = mg.randn(channels, channels // groups, 3, 3)
    grouped = F.conv2d(x, weight, padding=1, groups=groups)
    size = channels // groups
    split = mg.cat([F.conv2d(x[:, g * size:(g + 1) * size], weight[g * size:(g + 1) * size],
                             padding=1) for g in range(groups)], axis=1)
    return float(np.abs((grouped - split).numpy()).max())


def input_channels_seen(channels: int, groups: int) -> int:
    """How many input channels get a non-zero gradient from output channel 0."""
    x = mg.randn(1, channels, 5, 5, requires_grad=True)
    conv = nn.Conv2d(channels, channels, 3, padding=1, groups=groups)
    conv(x)[:, 0].sum().backward()
    return int(np.count_nonzero(np.abs(x.grad.numpy()).sum(axis=(0, 2, 3))))


def forward_seconds(conv: nn.Module, x: mg.Tensor, repeats: int) -> float:
    """Best of ``repeats`` forward passes without a graph, after one untimed warm-up."""
    return min(forward_times(conv, x, repeats))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=256)
    parser.add_argument("--side", type=int, default=14)
    parser.add_argument("--batch", type=int, default=8, help="batch of the timing")
    parser.add_argument("--repeats", type=int, default=5)
    add_lesson_options(parser, "group_conv", quick_help="32 channels, batch 1, 1 timed pass")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.channels, args.batch, args.repeats = 32, 1, 1
    c = args.channels
    group_counts = [g for g in (1, 2, 4, 8, 16, 32, 64, 128, 256, 512) if g <= c and c % g == 0]
    with tee_output(args.out / "output.txt"):
        mg.manual_seed(args.seed)
        x = mg.randn(args.batch, c, args.side, args.side)
        print(f"1. 3×3 conv, {c} → {c} channels, {args.side}×{args.side} maps (no bias); timing "
              f"batch {args.batch}, best of {args.repeats}")
        print(f"  {'groups':>6} {'parameters':>12} {'MACs':>14} {'forward (ms)':>13} "
              f"{'speed-up':>9}")
        rows = []
        for groups in group_counts:
            conv = nn.Conv2d(c, c, 3, padding=1, groups=groups, bias=False)
            report = summary(conv, (c, args.side, args.side))
            rows.append((groups, report.total_params, report.total_macs,
                         forward_seconds(conv, x, args.repeats)))
        for groups, params, macs, seconds in rows:
            print(f"  {groups:>6} {params:>12,} {macs:>14,} {1000 * seconds:>13.2f} "
                  f"{rows[0][3] / seconds:>8.1f}×")
        alexnet_conv2 = [summary(nn.Conv2d(96, 256, 5, padding=2, groups=g), (96, 27, 27))
                         .total_params for g in (1, 2)]
        print(f"  AlexNet conv2 (96 → 256, 5×5): {alexnet_conv2[0]:,} parameters ungrouped, "
              f"{alexnet_conv2[1]:,} with the paper's 2 groups")
        print(f"\n2. grouped conv = G separate convs on channel slices, concatenated: max "
              f"|difference| {max(grouped_equals_split(16, g) for g in (2, 4, 16)):.1e} "
              f"(16 channels, G = 2, 4, 16)")
        seen = {g: input_channels_seen(16, g) for g in (1, 2, 4, 16)}
        print("3. input channels that influence output channel 0 (16 channels): "
              + ", ".join(f"G = {g}: {n}" for g, n in seen.items()))
    save_figure(lambda ax: (ax.plot([r[0] for r in rows], [r[1] for r in rows], "o-",
                                    label="parameters (∝ 1/G)"),
                            ax.plot([r[0] for r in rows],
                                    [r[3] / rows[0][3] * rows[0][1] for r in rows], "s--",
                                    label="forward time (scaled to G = 1)")),
                args.out / "groups.png", title=f"3×3 conv, {c} → {c} channels",
                xlabel="groups G", ylabel="parameters", logx=True, logy=True)
    print(f"\nwrote {args.out / 'groups.png'} and output.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
