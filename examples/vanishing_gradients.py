"""Lesson: vanishing and exploding gradients — backprop multiplies local gradients.

    python examples/vanishing_gradients.py [--quick] [--out DIR] [--seed N]

Backprop through a chain h_1 = x, h_{k+1} = f_k(h_k), ..., h_n multiplies the local
derivatives (chain rule):

    ∂h_n/∂h_1 = 1 · f_{n−1}'(h_{n−1}) · … · f_1'(h_1)

With f_k(h) = d·h every factor is d, so ∂h_n/∂h_1 = 1·d·d·…·d = d^(n−1): it vanishes
for d < 1 and explodes for d > 1, exponentially in the depth.

1. That chain, autograd against the formula, in float64 and float32 (where d^(n−1)
   underflows to exactly 0 or overflows to inf).
2. A deep plain MLP (30 Linear layers of width 128 on random 784-pixel inputs) with
   sigmoid / tanh / ReLU and N(0, 0.01²) / Xavier / Kaiming initialisation. In a layer
   y_l = W_l h_{l−1} + b_l, h_l = act(y_l), the gradient at the output of layer l is

       ∂L/∂y_l = act'(y_l) ⊙ W_{l+1}ᵀ ∂L/∂y_{l+1}

   so every layer multiplies it by act' (sigmoid' ≤ 1/4) and by Wᵀ (about std(W)·√width).
   LayerMonitor records ‖∂L/∂y_l‖ for every layer at initialisation.
3. The same nets with BatchNorm after every hidden Linear, with residual connections
   h + act(W h + b), and with both (the ResNet recipe: h + act(BN(W h + b))).

It prints the ratio ‖∂L/∂y_first‖ / ‖∂L/∂y_last‖ for every case (≪ 1: vanishing,
≫ 1: exploding) and plots ‖∂L/∂y_l‖ against the depth l on a log scale.
"""
from __future__ import annotations

import argparse
from typing import Callable

import numpy as np

import layers as nn
import minigrad as mg
import minigrad.functional as F
from layers.monitor import LayerMonitor, LayerStats
from minigrad import init
from minigrad.plot import line_plot
from minigrad.training.cli import add_lesson_options

ACTIVATIONS: dict[str, type[nn.Module]] = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
                                           "relu": nn.ReLU}
INITS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "N(0,0.01²)": lambda model: init.init_alexnet_(model, std=0.01, bias=0.0),
    "Xavier": init.init_xavier_,
    "Kaiming": init.init_kaiming_,
}
ARCHITECTURES = ("plain", "batchnorm", "residual", "residual+bn")
CHAIN_FACTORS = (0.5, 0.9, 1.1, 2.0)


# ---- part 1: the chain of multiplications -------------------------------------------------------
def chain_gradient(d: float, n: int, dtype: type = np.float64) -> float:
    """∂h_n/∂h_1 by autograd for the chain h_{k+1} = d·h_k of n nodes (n − 1 products)."""
    x = mg.tensor(1.0, dtype=dtype, requires_grad=True)
    h = x
    with np.errstate(over="ignore"):  # d > 1 overflows float32 to inf: part of the lesson
        for _ in range(n - 1):
            h = h * d
        h.backward()
    return float(x.grad.item())


def print_chain_table(lengths: list[int]) -> None:
    """The formula d^(n−1) next to autograd's answer in float64 and float32."""
    print("Part 1 — chain h_{k+1} = d·h_k:  ∂h_n/∂h_1 = d^(n−1)")
    print(f"  {'d':>4} {'n':>5} {'d^(n-1) formula':>16} {'autograd f64':>14} {'autograd f32':>14}")
    for d in CHAIN_FACTORS:
        for n in lengths:
            print(f"  {d:>4} {n:>5} {d ** (n - 1):>16.4g} {chain_gradient(d, n):>14.4g} "
                  f"{chain_gradient(d, n, np.float32):>14.4g}")
    print()


# ---- parts 2 and 3: deep networks ---------------------------------------------------------------
class ResidualBlock(nn.Module):
    """h -> h + act(W h + b), or h + act(BN(W h + b)) with ``batchnorm``: the identity path
    adds 1 to the local derivative, ∂(h + f(h))/∂h = I + f'(h)."""

    def __init__(self, width: int, activation: type[nn.Module], batchnorm: bool) -> None:
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.norm = nn.BatchNorm1d(width) if batchnorm else nn.Identity()
        self.act = activation()

    def forward(self, h: mg.Tensor) -> mg.Tensor:
        return h + self.act(self.norm(self.linear(h)))


def deep_mlp(depth: int, width: int, activation: str, architecture: str,
             in_features: int = 784, classes: int = 10) -> nn.Sequential:
    """``depth`` Linear layers: in_features -> width, (depth − 2) hidden width -> width layers
    (plain, with BatchNorm, or as residual blocks), then width -> classes."""
    act = ACTIVATIONS[activation]
    hidden: list[nn.Module] = []
    for _ in range(depth - 2):
        if architecture.startswith("residual"):
            hidden.append(ResidualBlock(width, act, batchnorm=architecture == "residual+bn"))
        elif architecture == "batchnorm":
            hidden += [nn.Linear(width, width), nn.BatchNorm1d(width), act()]
        else:
            hidden += [nn.Linear(width, width), act()]
    return nn.Sequential(nn.Linear(in_features, width), act(), *hidden,
                         nn.Linear(width, classes))


def gradients_at_init(model: nn.Module, x: mg.Tensor, y: mg.Tensor) -> list[LayerStats]:
    """One forward and backward of the cross-entropy loss; per-Linear statistics."""
    with LayerMonitor(model, layer_types=nn.Linear) as monitor:
        F.cross_entropy(model(x), y).backward()
    return monitor.rows()


def output_grad_norms(rows: list[LayerStats]) -> list[float]:
    """‖∂L/∂y_l‖ for every monitored layer, input side first."""
    return [row.grad_output.norm for row in rows]


def profiles_of(architecture: str, depth: int, width: int, x: mg.Tensor, y: mg.Tensor,
                seed: int) -> dict[tuple[str, str], list[LayerStats]]:
    """Per-Linear statistics at initialisation for every (activation, init) pair."""
    profiles = {}
    for activation in ACTIVATIONS:
        for init_name, init_fn in INITS.items():
            mg.manual_seed(seed)  # the same random draws for every combination
            model = init_fn(deep_mlp(depth, width, activation, architecture))
            profiles[activation, init_name] = gradients_at_init(model, x, y)
    return profiles


def first_last_ratio(rows: list[LayerStats]) -> float:
    """‖∂L/∂y_first‖ / ‖∂L/∂y_last‖: ≪ 1 vanishing, ≫ 1 exploding."""
    norms = output_grad_norms(rows)
    return norms[0] / norms[-1]


def print_ratio_table(profiles: dict[str, dict[tuple[str, str], list[LayerStats]]]) -> None:
    """Rows: activation × init; columns: architectures."""
    print("‖∂L/∂y_first‖ / ‖∂L/∂y_last‖ at initialisation (≪1 vanishing, ≫1 exploding)")
    print(f"  {'activation':<10} {'init':<11}" + "".join(f"{a:>13}" for a in profiles))
    for activation in ACTIVATIONS:
        for init_name in INITS:
            print(f"  {activation:<10} {init_name:<11}" + "".join(
                f"{first_last_ratio(by_pair[activation, init_name]):>13.3g}"
                for by_pair in profiles.values()))
    print()


def print_plain_details(rows: dict[tuple[str, str], list[LayerStats]]) -> None:
    """For the plain nets: ‖∂L/∂y‖ and ‖∂L/∂W‖ of the first and last layers."""
    print("Plain nets, first and last Linear layer. ∂L/∂W_l = (∂L/∂y_l)ᵀ h_(l−1) also carries "
          "the forward signal,\nwhich shrinks too: std y_(L−1) is the pre-activation feeding "
          "the last layer")
    print(f"  {'activation':<10} {'init':<11} {'‖∂L/∂y‖ 1st':>12} {'‖∂L/∂y‖ last':>13} "
          f"{'‖∂L/∂W‖ 1st':>12} {'‖∂L/∂W‖ last':>13} {'std y_(L−1)':>12}")
    for (activation, init_name), layer_rows in rows.items():
        first, last = layer_rows[0], layer_rows[-1]
        print(f"  {activation:<10} {init_name:<11} {first.grad_output.norm:>12.3g} "
              f"{last.grad_output.norm:>13.3g} {first.weight_grad_norm:>12.3g} "
              f"{last.weight_grad_norm:>13.3g} {layer_rows[-2].activation.std:>12.3g}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=30, help="Linear layers per network")
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--batch", type=int, default=128)
    add_lesson_options(parser, "vanishing_gradients", quick_help="depth 10, width 32, batch 32")
    args = parser.parse_args(argv)
    if args.quick:
        args.depth, args.width, args.batch = 10, 32, 32
    args.out.mkdir(parents=True, exist_ok=True)

    lengths = [10, 50, 200] if not args.quick else [10, 50]
    print_chain_table(lengths)
    steps = list(range(1, (100 if not args.quick else 30) + 1))
    line_plot({f"d = {d}": (steps, [abs(chain_gradient(d, n)) for n in steps])
               for d in CHAIN_FACTORS}, args.out / "chain.png",
              title="∂h_n/∂h_1 = d^(n−1) on a chain of multiplications (autograd, float64)",
              xlabel="chain length n", ylabel="|∂h_n/∂h_1|", logy=True, markers=False)

    mg.manual_seed(args.seed)
    x = mg.randn(args.batch, 784)
    y = mg.tensor(np.random.default_rng(args.seed).integers(0, 10, args.batch))
    print(f"Parts 2-3 — {args.depth} Linear layers of width {args.width}, batch {args.batch} of "
          f"random N(0, 1) inputs, cross-entropy loss with random labels\n")
    profiles = {architecture: profiles_of(architecture, args.depth, args.width, x, y,
                                          args.seed + 1) for architecture in ARCHITECTURES}
    for architecture, by_pair in profiles.items():
        line_plot({f"{activation}, {init_name}": (list(range(1, args.depth + 1)),
                                                  output_grad_norms(rows))
                   for (activation, init_name), rows in by_pair.items()},
                  args.out / f"{architecture.replace('+', '_')}.png",
                  title=f"gradient at each layer's output at init — {architecture}",
                  xlabel="layer l (1 = input side)", ylabel="‖∂L/∂y_l‖", logy=True)
    print_ratio_table(profiles)
    print_plain_details(profiles["plain"])
    print(f"plots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
