"""Lesson: a depthwise separable convolution against the standard one it replaces.

    python examples/depthwise_separable.py [--channels 512] [--size 14] [--quick] [--out DIR] [--seed N]

One 3×3 layer with C -> C channels on a 14×14 map (MobileNet's 512-channel stage):

* standard conv:  H·W·C·C·9 multiply-adds, 9·C² weights;
* depthwise separable (Howard et al. 2017, §3.1): a 3×3 depthwise conv (one 3×3
  filter per channel, ``groups=C``: H·W·C·9 MACs) followed by a 1×1 pointwise conv
  (H·W·C·C MACs).

Their ratio is (9·C + C·C) / (9·C·C) = 1/C + 1/9 (the paper's eq. 5), a speed-up of
1 / (1/C + 1/9) ≈ 8.8 for C = 512. The counts come from ``layers.summary``; the timing
compares the forward passes of both on this machine (no bias, as in MobileNet, where
BatchNorm follows every conv).
"""
from __future__ import annotations

import argparse
import statistics
from collections import OrderedDict

import minigrad as mg
from layers.container import Sequential
from layers.conv import Conv2d
from layers.module import Module
from layers.summary import Summary, summary
from minigrad.training.cli import (add_lesson_options, forward_times, parse_lesson_args,
                                   tee_output)

KERNEL = 3


def standard_conv(channels: int) -> Conv2d:
    """3×3 conv, C -> C channels, padding 1 (keeps H×W)."""
    return Conv2d(channels, channels, KERNEL, padding=1, bias=False)


def depthwise_separable_conv(channels: int) -> Sequential:
    """3×3 depthwise conv (groups=C) then 1×1 pointwise conv, C -> C channels."""
    return Sequential(OrderedDict(
        depthwise=Conv2d(channels, channels, KERNEL, padding=1, groups=channels, bias=False),
        pointwise=Conv2d(channels, channels, 1, bias=False)))


def forward_seconds(layer: Module, x: mg.Tensor, repeats: int) -> float:
    """Median wall time of ``layer(x)`` without autograd, after one warm-up call."""
    return statistics.median(forward_times(layer, x, repeats))


def print_counts(name: str, report: Summary) -> None:
    for row in report.rows:
        print(f"  {name + ' / ' + row.name:<32} {row.params:>12,} {row.macs:>15,}")
    print(f"  {name + ' total':<32} {report.total_params:>12,} {report.total_macs:>15,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=512)
    parser.add_argument("--size", type=int, default=14, help="height = width of the input map")
    parser.add_argument("--batch", type=int, default=8, help="batch size of the timing")
    parser.add_argument("--repeats", type=int, default=20, help="timed forward passes")
    add_lesson_options(parser, "depthwise_separable", quick_help="batch 2, 3 timed repeats")
    args = parse_lesson_args(parser, argv)
    with tee_output(args.out / "output.txt"):
        return compare_layers(args)


def compare_layers(args: argparse.Namespace) -> int:
    """Counts and timing of a standard vs a depthwise separable layer."""
    if args.quick:
        args.batch, args.repeats = 2, 3
    channels, size = args.channels, args.size

    mg.manual_seed(args.seed)
    layers = {"standard": standard_conv(channels),
              "separable": depthwise_separable_conv(channels)}
    reports = {name: summary(layer, (channels, size, size)) for name, layer in layers.items()}

    print(f"One 3×3 layer, {channels} -> {channels} channels, on {size}×{size} maps (no bias)")
    print(f"  {'layer':<32} {'parameters':>12} {'MACs':>15}")
    for name, report in reports.items():
        print_counts(name, report)

    standard, separable = reports["standard"], reports["separable"]
    macs_ratio = standard.total_macs / separable.total_macs
    formula = 1 / (1 / channels + 1 / KERNEL ** 2)
    print(f"\n  MACs ratio standard / separable: {macs_ratio:.3f}; "
          f"formula 1 / (1/C + 1/{KERNEL ** 2}) = {formula:.3f}")
    print(f"  parameter ratio: {standard.total_params / separable.total_params:.3f}")

    x = mg.randn(args.batch, channels, size, size)
    timed = {**layers, "  depthwise part": layers["separable"].depthwise,
             "  pointwise part": layers["separable"].pointwise}
    seconds = {name: forward_seconds(layer, x, args.repeats) for name, layer in timed.items()}
    print(f"\n  forward time, batch {args.batch}, median of {args.repeats} runs:")
    for name, value in seconds.items():
        print(f"  {name:<16} {value * 1e3:9.2f} ms")
    time_ratio = seconds["standard"] / seconds["separable"]
    print(f"  measured speed-up {time_ratio:.2f}× against {macs_ratio:.2f}× fewer MACs")
    depthwise_macs = separable["depthwise"].macs / separable.total_macs
    depthwise_time = seconds["  depthwise part"] / (seconds["  depthwise part"]
                                                    + seconds["  pointwise part"])
    print(f"  the depthwise conv does {depthwise_macs:.1%} of the separable layer's MACs and "
          f"takes {depthwise_time:.1%} of its time:\n  it does {KERNEL ** 2} multiply-adds "
          f"per input value it reads (the pointwise conv {channels}), so memory traffic\n  "
          f"rather than arithmetic tends to bound it.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
