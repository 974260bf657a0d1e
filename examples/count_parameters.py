"""Lesson: where the parameters (and the multiply-adds) of a CNN are.

    python examples/count_parameters.py [--variant paper_ungrouped] [--quick] [--out DIR] [--seed N]

1. A fully connected layer on a whole image: a 285×350 picture into 1,000 hidden
   units already needs ~100 million weights.
2. AlexNet layer by layer: the convolutions hold ~6% of the parameters, the three
   fully connected layers FC6-FC8 the rest.
3. Totals for VGG16 and ResNet-50.
4.-5. The MobileNets paper's Tables 8 and 9 (arXiv 1704.04861): its quoted figures next
   to the zoo's counts.

Every number is counted from real modules: parameters from ``model.parameters()``,
multiply-adds (MACs) from one forward pass in ``summary()``. ``--quick`` skips the two
biggest builds (the RGB version of the layer in 1. and VGG16) to run in seconds.
"""
from __future__ import annotations

import argparse

from layers import models
from layers.linear import Linear
from layers.module import Module
from layers.summary import LayerRow, Summary, summary
from minigrad.training.cli import add_lesson_options, parse_lesson_args, tee_output

BYTES_PER_FLOAT32 = 4
SECONDS_PER_PARAMETER = 4  # reading a list of the weights aloud, one every 4 seconds
SECONDS_PER_DAY = 24 * 60 * 60
DAYS_PER_YEAR = 365.25
# The original net needs 227 px for its 55×55 conv1 maps; torchvision's is padded for 224.
ALEXNET_INPUT_SIDES = {"paper_ungrouped": 227, "paper": 227, "torchvision": 224}


def count(model: Module) -> int:
    """The number of parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())


def fully_connected_on_pixels(height: int, width: int, channels: int, hidden: int) -> None:
    """Build Linear(H·W·C, hidden) and print its parameters and float32 size."""
    layer = Linear(height * width * channels, hidden)
    params = count(layer)
    print(f"  {height}×{width}×{channels} image -> {hidden:,} hidden units: "
          f"{layer.weight.numel():,} weights + {layer.bias.numel():,} biases = {params:,} "
          f"parameters = {params * BYTES_PER_FLOAT32 / 1e6:,.1f} MB in float32")


def print_opener(quick: bool) -> None:
    height, width, hidden = 285, 350, 1000
    print("1. One fully connected layer on the raw pixels (the lecture's opener)")
    fully_connected_on_pixels(height, width, 1, hidden)
    if quick:
        rgb = height * width * 3 * hidden + hidden  # what Linear(H·W·3, hidden) would hold
        print(f"  {height}×{width}×3 image: not built with --quick; {rgb:,} parameters by "
              f"the same count")
    else:
        fully_connected_on_pixels(height, width, 3, hidden)
    print('  The lecture says "102 M parameters, 400 MB": 400 MB matches the grayscale count '
          "(99.75 M weights);\n  102 M matches neither.\n")


def lecture_names(rows: list[LayerRow]) -> list[str]:
    """conv1, conv2, ... for the Conv2d rows and fc6, fc7, ... for the Linear rows."""
    convs = [row for row in rows if row.type == "Conv2d"]
    return ([f"conv{i + 1}" for i in range(len(convs))]
            + [f"fc{len(convs) + i + 1}" for i in range(len(rows) - len(convs))])


def print_alexnet_table(report: Summary, variant: str) -> None:
    """Per-layer parameters (weights + biases), MACs and share of the total."""
    rows = [row for row in report.rows if row.params > 0]
    total = report.total_params
    side = report.input_shape[-1]
    print(f"2. AlexNet ({variant}) at {side}×{side}, layer by layer")
    print(f"  {'layer':<6} {'output':>12} {'parameters':>12} {'share':>7} {'MACs':>15}")
    for name, row in zip(lecture_names(rows), rows):
        shape = "×".join(map(str, row.output_shape))
        print(f"  {name:<6} {shape:>12} {row.params:>12,} {row.params / total:>7.1%} "
              f"{row.macs:>15,}")
    fc_params = sum(row.params for row in rows if row.type == "Linear")
    print(f"  {'total':<6} {'':>12} {total:>12,} {'':>7} {report.total_macs:>15,}")
    print(f"  FC6-FC8 hold {fc_params:,} parameters: {fc_params / total:.1%} of the network; "
          f"the five convs {total - fc_params:,} ({(total - fc_params) / total:.1%}).")
    seconds = total * SECONDS_PER_PARAMETER
    days = seconds / SECONDS_PER_DAY
    print(f"  Reading out every parameter at one per {SECONDS_PER_PARAMETER} seconds takes "
          f"{seconds:,} s = {days:,.0f} days = {days / DAYS_PER_YEAR:.1f} years.\n")


def print_alexnet_variants(reports: dict[str, Summary]) -> None:
    print("  AlexNet variants (all at 1000 classes)")
    for variant, report in reports.items():
        print(f"  {variant:<16} {report.total_params:>12,} parameters "
              f"{report.total_macs:>15,} MACs at {report.input_shape[-1]} px")
    print("  The paper's two-GPU net has groups=2 in conv2/4/5 (60,965,224, its \"60 million\");"
          "\n  the lecture's 62.4 M is the same net without the groups.\n")


def print_totals(quick: bool) -> Summary | None:
    """VGG16 and ResNet-50 at 224 px; returns VGG16's summary (None with --quick)."""
    print("3. Deeper networks at 224×224")
    vgg = None if quick else summary(models.vgg16(), (3, 224, 224))
    resnet = summary(models.resnet50(), (3, 224, 224))
    for name, report in (("VGG16", vgg), ("ResNet-50", resnet)):
        if report is None:
            print(f"  {name:<10} (skipped with --quick)")
            continue
        fc = sum(row.params for row in report.rows if row.type == "Linear")
        print(f"  {name:<10} {report.total_params:>12,} parameters ({fc / report.total_params:.0%}"
              f" in FC layers) {report.total_macs:>16,} MACs")
    print()
    return vgg


def print_mobilenet_tables(vgg: Summary | None, alexnet: Summary) -> None:
    """MobileNets paper Tables 8 and 9: quoted figures next to the zoo's counts."""
    # name, (quoted top-1 %, quoted million mult-adds, quoted million params),
    # and our summary, or why there is none
    table8 = [("1.0 MobileNet-224", (70.6, 569, 4.2),
               summary(models.mobilenet_v1(1.0), (3, 224, 224))),
              ("GoogLeNet", (69.8, 1550, 6.8), summary(models.googlenet(), (3, 224, 224))),
              ("VGG 16", (71.5, 15300, 138), vgg or "skipped with --quick")]
    table9 = [("0.50 MobileNet-160", (60.2, 76, 1.32),
               summary(models.mobilenet_v1(0.5), (3, 160, 160))),
              ("SqueezeNet", (57.5, 1700, 1.25), "not in the zoo: the paper's figures only"),
              ("AlexNet (paper, 227)", (57.2, 720, 60), alexnet)]
    for section, title, table in ((4, "Table 8: MobileNet vs popular models", table8),
                                  (5, "Table 9: smaller MobileNet vs popular models", table9)):
        print(f"{section}. MobileNets paper {title}")
        print(f"  {'model':<22} {'top-1 %':>8} {'M MACs':>8} {'M params':>9}   "
              f"{'MACs (minigrad)':>16} {'params (minigrad)':>18}")
        for name, (top1, macs, params), report in table:
            ours = (f"({report})" if isinstance(report, str) else
                    f"{report.total_macs:>16,} {report.total_params:>18,}")
            print(f"  {name:<22} {top1:>8} {macs:>8} {params:>9}   {ours}")
        print("  (top-1, M MACs and M params quoted from the paper)\n")
    print("  GoogLeNet here is torchvision's BN variant (3×3 convs in the '5×5' branch), not the"
          "\n  paper's; the paper's SqueezeNet 1700 M is ~2× torchvision's 819 M MACs (FLOPs "
          "counted twice).")
    if vgg is not None:
        conv_macs = sum(row.macs for row in vgg.rows if row.type == "Conv2d")
        print(f"  The paper's VGG 16 figure counts the convs only: {conv_macs:,} MACs here.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", default="paper_ungrouped",
                        choices=list(ALEXNET_INPUT_SIDES),
                        help="AlexNet variant of the per-layer table")
    add_lesson_options(parser, "count_parameters",
                       quick_help="skip the RGB fully connected layer and VGG16")
    args = parse_lesson_args(parser, argv)
    with tee_output(args.out / "output.txt"):
        print_counts_tables(args)
    return 0


def print_counts_tables(args: argparse.Namespace) -> None:
    """Every table of the lesson (the counts need no random numbers: --seed is unused)."""

    print_opener(args.quick)
    alexnets = {variant: summary(models.alexnet(variant=variant), (3, side, side))
                for variant, side in ALEXNET_INPUT_SIDES.items()}
    print_alexnet_table(alexnets[args.variant], args.variant)
    print_alexnet_variants(alexnets)
    vgg = print_totals(args.quick)
    print_mobilenet_tables(vgg, alexnets["paper"])


if __name__ == "__main__":
    raise SystemExit(main())
