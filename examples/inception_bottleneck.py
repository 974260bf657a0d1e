"""Lesson: Inception's 1×1 bottlenecks — how much a 1×1 reduction saves.

    python examples/inception_bottleneck.py [--quick] [--out DIR] [--seed N]

GoogLeNet's Inception (3a) module takes a 28×28×192 map and concatenates four branches:
1×1 (64), 3×3 (128), 5×5 (32) and 3×3 max pool → 1×1 (32) = 256 channels. Run naively,
the 3×3 and 5×5 convs see all 192 input channels; GoogLeNet first reduces them with 1×1
convs (to 96 before the 3×3, 16 before the 5×5). The lesson builds both versions, counts
parameters and multiply-adds with ``layers.summary``, checks the formula
MACs = H·W·C_out·k²·C_in, and times one forward pass of each.
"""
from __future__ import annotations

import argparse

import layers as nn
import minigrad as mg
from layers.summary import summary
from minigrad.training.cli import (add_lesson_options, forward_times, parse_lesson_args,
                                   tee_output)

# Inception (3a) of GoogLeNet (Szegedy et al. 2015, Table 1).
INPUT_CHANNELS, SIDE = 192, 28
BRANCHES = {"1×1": (1, 64, None), "3×3": (3, 128, 96), "5×5": (5, 32, 16)}
POOL_PROJECTION = 32


def conv_relu(c_in: int, c_out: int, kernel: int) -> list[nn.Module]:
    """A size-preserving conv and its ReLU."""
    return [nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2), nn.ReLU()]


class Inception(nn.Module):
    """Four parallel branches, concatenated along the channels; ``bottleneck`` puts the 1×1
    reductions of GoogLeNet before the 3×3 and 5×5 convs."""

    def __init__(self, bottleneck: bool, c_in: int = INPUT_CHANNELS) -> None:
        super().__init__()
        branches = []
        for kernel, c_out, reduce in BRANCHES.values():
            if bottleneck and reduce is not None:
                branches.append(nn.Sequential(*conv_relu(c_in, reduce, 1),
                                              *conv_relu(reduce, c_out, kernel)))
            else:
                branches.append(nn.Sequential(*conv_relu(c_in, c_out, kernel)))
        branches.append(nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),
                                      *conv_relu(c_in, POOL_PROJECTION, 1)))
        self.branches = nn.ModuleList(branches)

    def forward(self, x: mg.Tensor) -> mg.Tensor:
        return mg.cat([branch(x) for branch in self.branches], axis=1)


def conv_macs(side: int, c_in: int, c_out: int, kernel: int) -> int:
    """Multiply-adds of a size-preserving conv: H·W·C_out·k²·C_in."""
    return side * side * c_out * kernel * kernel * c_in


def branch_macs(bottleneck: bool, c_in: int = INPUT_CHANNELS, side: int = SIDE) -> dict[str, int]:
    """MACs of every conv branch by the formula (the pool branch's 1×1 projection too)."""
    macs = {}
    for name, (kernel, c_out, reduce) in BRANCHES.items():
        if bottleneck and reduce is not None:
            macs[name] = conv_macs(side, c_in, reduce, 1) + conv_macs(side, reduce, c_out, kernel)
        else:
            macs[name] = conv_macs(side, c_in, c_out, kernel)
    macs["pool → 1×1"] = conv_macs(side, c_in, POOL_PROJECTION, 1)
    return macs


def forward_seconds(model: nn.Module, batch: int, repeats: int) -> float:
    """Best of ``repeats`` timed forward passes on a random batch (no graph), after one
    untimed warm-up."""
    return min(forward_times(model, mg.randn(batch, INPUT_CHANNELS, SIDE, SIDE), repeats))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=4, help="batch of the timing")
    parser.add_argument("--repeats", type=int, default=3, help="timed forward passes")
    add_lesson_options(parser, "inception_bottleneck", quick_help="batch 1, one timed pass")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.batch, args.repeats = 1, 1
    with tee_output(args.out / "output.txt"):
        mg.manual_seed(args.seed)
        print(f"Inception (3a): input {SIDE}×{SIDE}×{INPUT_CHANNELS}, output {SIDE}×{SIDE}×256")
        print(f"  {'branch':<12} {'naive MACs':>15} {'with 1×1 reductions':>21} {'saving':>8}")
        naive, reduced = branch_macs(False), branch_macs(True)
        for name in naive:
            print(f"  {name:<12} {naive[name]:>15,} {reduced[name]:>21,} "
                  f"{naive[name] / reduced[name]:>7.1f}×")
        reports = {}
        for bottleneck in (False, True):
            model = Inception(bottleneck)
            report = summary(model, (INPUT_CHANNELS, SIDE, SIDE))
            seconds = forward_seconds(model, args.batch, args.repeats)
            reports[bottleneck] = (report.total_params, report.total_macs, seconds)
        print(f"\n  {'module':<22} {'parameters':>12} {'MACs (summary)':>16} {'forward (s)':>12}")
        for bottleneck, (params, macs, seconds) in reports.items():
            name = "with 1×1 reductions" if bottleneck else "naive"
            print(f"  {name:<22} {params:>12,} {macs:>16,} {seconds:>12.3f}")
        naive_total, reduced_total = (reports[b][1] for b in (False, True))
        print(f"\n  summary's MACs = the formula's: naive {naive_total == sum(naive.values())}, "
              f"reduced {reduced_total == sum(reduced.values())}; the whole module "
              f"{naive_total / reduced_total:.1f}× cheaper, parameters "
              f"{reports[False][0] / reports[True][0]:.1f}× fewer "
              f"(timing: batch {args.batch}, best of {args.repeats})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
