"""Lesson: how the receptive field grows through a CNN, and why VGG stacks 3×3 convs.

    python examples/receptive_field.py [--quick] [--out DIR] [--seed N]

The receptive field (RF) of a unit is the patch of input pixels it can see. Through a
layer with kernel k, stride s and padding p (Araujo, Norris & Sim 2019, Distill):

    r = r_prev + (k − 1)·j_prev     (size)
    j = j_prev·s                    (jump: input distance between neighbouring units)
    P = P_prev + p·j_prev           (effective padding; unit i sees from pixel i·j − P)

1. The RF after every conv and pool of AlexNet (the 2012 paper's, 227 px) and VGG16.
2. Simonyan & Zisserman §2.3: two stacked 3×3 convs see 5×5, three see 7×7 — with
   fewer weights than one 5×5 or 7×7 conv and a ReLU after each layer instead of one.

All numbers come from ``layers.summary`` on real layers. The RF depends only on the
conv and pool layers, so VGG16 is summarised through its ``features`` part: the
same layers as ``models.vgg16().features`` without building the 124 M weights of its
classifier.
"""
from __future__ import annotations

import argparse

from layers import models
from layers.activation import ReLU
from layers.container import Sequential
from layers.conv import Conv2d
from layers.models import vgg
from layers.module import Module
from layers.summary import LayerRow, Summary, summary
from minigrad.training.cli import add_lesson_options, parse_lesson_args, tee_output

ALEXNET_NAMES = ["conv1", "pool1", "conv2", "pool2", "conv3", "conv4", "conv5", "pool5"]


def windowed_rows(report: Summary) -> list[LayerRow]:
    """The conv and max-pool rows: the layers that change the receptive field."""
    return [row for row in report.rows if row.type in ("Conv2d", "MaxPool2d")]


def vgg_names(rows: list[LayerRow]) -> list[str]:
    """The paper's names: conv1_1, conv1_2, pool1, conv2_1, ... (a pool ends a stage)."""
    names, stage, index = [], 1, 1
    for row in rows:
        if row.type == "Conv2d":
            names.append(f"conv{stage}_{index}")
            index += 1
        else:
            names.append(f"pool{stage}")
            stage, index = stage + 1, 1
    return names


def print_growth(title: str, report: Summary, names: list[str]) -> None:
    """One line per conv/pool: RF size, jump, effective padding, centre of unit 0."""
    print(title)
    print(f"  {'layer':<8} {'output':>12} {'RF r':>6} {'jump j':>7} {'pad P':>6} "
          f"{'centre of unit 0':>17}")
    for name, row in zip(names, windowed_rows(report)):
        rf = row.receptive_field
        shape = "×".join(map(str, row.output_shape))
        print(f"  {name:<8} {shape:>12} {rf.size[0]:>6} {rf.jump[0]:>7} {rf.padding[0]:>6} "
              f"{rf.center(0):>17}")
    print()


def conv_stack(num_layers: int, channels: int) -> Sequential:
    """``num_layers`` 3×3 convs (padding 1, no bias), each followed by a ReLU."""
    layers: list[Module] = []
    for _ in range(num_layers):
        layers += [Conv2d(channels, channels, 3, padding=1, bias=False), ReLU()]
    return Sequential(*layers)


def single_conv(kernel_size: int, channels: int) -> Sequential:
    """One k×k conv (padding k//2, no bias) and its ReLU."""
    return Sequential(Conv2d(channels, channels, kernel_size, padding=kernel_size // 2,
                             bias=False), ReLU())


def print_stacking(channels: int, side: int) -> None:
    """Stacks of 3×3 convs against the single conv with the same receptive field."""
    print(f"2. Stacked 3×3 convs vs one big conv (C = {channels} channels in and out, "
          f"{side}×{side} input)")
    print(f"  {'layers':<12} {'RF':>4} {'weights':>10} {'per channel pair':>17} "
          f"{'ReLUs':>6} {'MACs':>12}")
    for num_layers in (2, 3):
        kernel = 2 * num_layers + 1  # the RF of num_layers stacked 3×3 convs
        for label, net in ((f"{num_layers} × 3×3", conv_stack(num_layers, channels)),
                           (f"1 × {kernel}×{kernel}", single_conv(kernel, channels))):
            report = summary(net, (channels, side, side))
            rf = report.rows[-1].receptive_field.size[0]
            relus = sum(row.type == "ReLU" for row in report.rows)
            print(f"  {label:<12} {rf:>4} {report.total_params:>10,} "
                  f"{report.total_params // channels ** 2:>17} {relus:>6} "
                  f"{report.total_macs:>12,}")
    print("  Same receptive field, 18 vs 25 and 27 vs 49 weights per channel pair "
          "(28% and 45% fewer),\n  and a nonlinearity after every 3×3 layer: "
          "a deeper, more discriminative function for less.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=64,
                        help="channels of the stacking comparison")
    add_lesson_options(parser, "receptive_field", quick_help="8 channels in part 2")
    args = parse_lesson_args(parser, argv)
    with tee_output(args.out / "output.txt"):
        return print_receptive_fields(args)


def print_receptive_fields(args: argparse.Namespace) -> int:
    """The receptive-field tables of AlexNet and VGG16, and the stacking comparison."""
    channels = 8 if args.quick else args.channels

    alexnet = summary(models.alexnet(variant="paper"), (3, 227, 227))
    print_growth("1a. AlexNet (paper, 227×227): receptive field after each conv and pool",
                 alexnet, ALEXNET_NAMES)
    vgg16_features = vgg.make_features(vgg.STAGE_DEPTHS["D"], batch_norm=False, in_channels=3,
                                       small_input=False)
    vgg16 = summary(vgg16_features, (3, 224, 224))
    print_growth("1b. VGG16 (224×224)", vgg16, vgg_names(windowed_rows(vgg16)))
    print("  VGG16's conv5_3 sees 196 px and pool5 212 px (quotes of '212 for conv5' mean "
          "pool5).\n")
    print_stacking(channels, side=32)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
