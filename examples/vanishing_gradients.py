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

It plots ‖∂L/∂y_l‖ against the depth l on a log scale and prints, for every case, the
factor by which backprop multiplies the gradient per layer *inside* the net, going back
toward the input: from the least-squares slope of log ‖∂L/∂y_l‖ over the interior layers
2 … L−1 (the first Linear, which sees the raw input, and the classifier are left out of
the fit), 10^(−slope) (< 1: vanishing, > 1: exploding), over ``--seeds`` random draws.

4. Inside a residual net the lecture's quantity is the gradient along the identity path,
   ∂L/∂h_l at the blocks' outputs (h_{l+1} = h_l + f(h_l)), not ∂L/∂y_l inside the
   branches: the lesson plots both and prints how much each varies over the interior.
5. Does BatchNorm decorrelate? The lecture says BN makes Cov(x_i, x_j) = 0. BN
   standardises every unit on its own, which leaves correlation coefficients unchanged;
   the lesson measures the mean |r| between the units of every BN layer's input and output.
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
from minigrad.plot import save_figure
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list

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


def gradients_at_init(model: nn.Module, x: mg.Tensor,
                      y: mg.Tensor) -> tuple[list[LayerStats], list[LayerStats]]:
    """One forward and backward of the cross-entropy loss. Returns the per-Linear statistics
    (∂L/∂y_l) and the per-ResidualBlock statistics (∂L/∂h at each block's output; empty for
    nets without blocks)."""
    with LayerMonitor(model, layer_types=(nn.Linear, ResidualBlock)) as monitor:
        F.cross_entropy(model(x), y).backward()
    rows = monitor.rows()
    return ([row for row in rows if row.type == "Linear"],
            [row for row in rows if row.type == "ResidualBlock"])


def output_grad_norms(rows: list[LayerStats]) -> list[float]:
    """‖∂L/∂(output)‖ for every monitored layer, input side first."""
    return [row.grad_output.norm for row in rows]


Profile = tuple[list[LayerStats], list[LayerStats]]


def profiles_of(architecture: str, depth: int, width: int, x: mg.Tensor, y: mg.Tensor,
                seed: int) -> dict[tuple[str, str], Profile]:
    """Per-Linear and per-block statistics at initialisation for every (activation, init)."""
    profiles = {}
    for activation in ACTIVATIONS:
        for init_name, init_fn in INITS.items():
            mg.manual_seed(seed)  # the same random draws for every combination
            model = init_fn(deep_mlp(depth, width, activation, architecture))
            profiles[activation, init_name] = gradients_at_init(model, x, y)
    return profiles


def first_last_ratio(rows: list[LayerStats]) -> float:
    """‖∂L/∂y_first‖ / ‖∂L/∂y_last‖ (mixes the raw-input layer and the classifier in)."""
    norms = output_grad_norms(rows)
    return norms[0] / norms[-1]


def interior_factor(norms: list[float]) -> float:
    """The gradient's change per layer inside the net, going back toward the input
    (``norms`` are input side first): 10^(−slope) of the least-squares line through
    log10 norms[1:-1] (first and last layer left out). 0 if a norm underflowed."""
    interior = np.asarray(norms[1:-1], dtype=np.float64)
    if len(interior) < 2:
        raise ValueError(f"need at least 4 layers for an interior slope, got {len(norms)}")
    if np.any(interior <= 0):
        return 0.0
    slope = np.polyfit(np.arange(len(interior)), np.log10(interior), 1)[0]
    return float(10.0 ** -slope)


def interior_spread(norms: list[float]) -> float:
    """max / min of norms[1:-1]: how much the gradient varies over the interior layers."""
    interior = np.asarray(norms[1:-1], dtype=np.float64)
    return float(interior.max() / interior.min()) if interior.min() > 0 else float("inf")


def range_text(values: list[float]) -> str:
    """``median (min–max)`` of per-seed values, in 3 significant digits."""
    return (f"{np.median(values):.3g}" if len(values) == 1 else
            f"{np.median(values):.3g} ({min(values):.3g}–{max(values):.3g})")


def print_factor_table(runs: list[dict[str, dict[tuple[str, str], Profile]]]) -> None:
    """Rows: activation × init; columns: architectures; cells: the interior factor per
    layer over the seeds."""
    architectures = list(runs[0])
    print(f"Gradient change per layer inside the net, going back toward the input: 10^(−slope) "
          f"of log ‖∂L/∂y_l‖ over layers 2…L−1\n(<1 vanishing, >1 exploding; 0: underflow); "
          f"median (min–max) over {len(runs)} seed(s)")
    print(f"  {'activation':<10} {'init':<11}" + "".join(f"{a:>22}" for a in architectures))
    for activation in ACTIVATIONS:
        for init_name in INITS:
            print(f"  {activation:<10} {init_name:<11}" + "".join(
                f"{range_text([interior_factor(output_grad_norms(run[a][activation, init_name][0])) for run in runs]):>22}"  # noqa: E501
                for a in architectures))
    print()


def print_identity_path_table(runs: list[dict[str, dict[tuple[str, str], Profile]]]) -> None:
    """For the residual nets: how much ‖∂L/∂y_l‖ (inside the branches) and ‖∂L/∂h_l‖ (on the
    identity path) vary over the interior, max/min, median (min–max) over seeds."""
    print("Residual nets: variation over the interior (max/min) of the gradient inside the "
          "branches, ‖∂L/∂y_l‖,\nand along the identity path, ‖∂L/∂h_l‖ at the blocks' outputs")
    print(f"  {'activation':<10} {'init':<11}" + "".join(
        f"{a + ' ' + q:>24}" for a in ("residual", "residual+bn") for q in ("∂L/∂y", "∂L/∂h")))
    for activation in ACTIVATIONS:
        for init_name in INITS:
            cells = []
            for architecture in ("residual", "residual+bn"):
                for part in (0, 1):
                    cells.append(range_text([interior_spread(output_grad_norms(
                        run[architecture][activation, init_name][part])) for run in runs]))
            print(f"  {activation:<10} {init_name:<11}" + "".join(f"{c:>24}" for c in cells))
    print()


def print_plain_details(rows: dict[tuple[str, str], Profile]) -> None:
    """For the plain nets: ‖∂L/∂y‖ and ‖∂L/∂W‖ of the first and last layers."""
    print("Plain nets, first and last Linear layer. ∂L/∂W_l = (∂L/∂y_l)ᵀ h_(l−1) also carries "
          "the forward signal,\nwhich shrinks too: std y_(L−1) is the pre-activation feeding "
          "the last layer")
    print(f"  {'activation':<10} {'init':<11} {'‖∂L/∂y‖ 1st':>12} {'‖∂L/∂y‖ last':>13} "
          f"{'‖∂L/∂W‖ 1st':>12} {'‖∂L/∂W‖ last':>13} {'std y_(L−1)':>12}")
    for (activation, init_name), (layer_rows, _) in rows.items():
        first, last = layer_rows[0], layer_rows[-1]
        print(f"  {activation:<10} {init_name:<11} {first.grad_output.norm:>12.3g} "
              f"{last.grad_output.norm:>13.3g} {first.weight_grad_norm:>12.3g} "
              f"{last.weight_grad_norm:>13.3g} {layer_rows[-2].activation.std:>12.3g}")
    print()


def mean_abs_correlation(values: np.ndarray) -> float:
    """Mean |r| over the off-diagonal pairs of units (columns) of a (batch, units) array;
    units that are constant over the batch are left out."""
    values = np.asarray(values, dtype=np.float64)
    values = values[:, values.std(axis=0) > 0]
    r = np.corrcoef(values, rowvar=False)
    return float(np.abs(r[~np.eye(len(r), dtype=bool)]).mean())


def batchnorm_correlations(model: nn.Module, x: mg.Tensor) -> list[tuple[float, float]]:
    """(mean |r| of BN's input units, of its output units) for every BatchNorm1d layer, in
    one training-mode forward pass (batch statistics)."""
    captured: list[tuple[np.ndarray, np.ndarray]] = []

    def keep(module: nn.Module, inputs: tuple[mg.Tensor, ...], output: mg.Tensor) -> None:
        captured.append((inputs[0].numpy(), output.numpy()))

    handles = [m.register_forward_hook(keep) for m in model.modules()
               if isinstance(m, nn.BatchNorm1d)]
    with mg.no_grad():
        model(x)
    for handle in handles:
        handle.remove()
    return [(mean_abs_correlation(inp), mean_abs_correlation(out)) for inp, out in captured]


def print_decorrelation(model: nn.Module, x: mg.Tensor, label: str) -> list[tuple[float, float]]:
    """The mean |r| table for a few BN layers of ``model``."""
    pairs = batchnorm_correlations(model, x)
    shown = sorted({0, len(pairs) // 2, len(pairs) - 1})
    print(f"Does BN decorrelate? mean |r| between the units of a BN layer's input and output "
          f"({label}, at init)")
    print(f"  {'BN layer':>8} {'input':>8} {'output':>8}")
    for i in shown:
        print(f"  {i + 1:>8} {pairs[i][0]:>8.3f} {pairs[i][1]:>8.3f}")
    print(f"  (r is unchanged by BN: it standardises each unit on its own, so Cov(x̂_i, x̂_j) = "
          f"r_ij, not 0;\n   independent units would give ≈ √(2/(πN)) = "
          f"{np.sqrt(2 / (np.pi * x.shape[0])):.3f} for a batch of N = {x.shape[0]})\n")
    return pairs


def plot_identity_path(runs: list[dict[str, dict[tuple[str, str], Profile]]], depth: int,
                       path: object) -> None:
    """‖∂L/∂y_l‖ (dashed) and ‖∂L/∂h_l‖ (solid) against l for the residual+BN nets with ReLU."""
    series = {}
    for index, init_name in enumerate(INITS):
        linear_rows, block_rows = runs[0]["residual+bn"]["relu", init_name]
        series[f"∂L/∂h (identity path), {init_name}"] = (
            list(range(2, len(block_rows) + 2)), output_grad_norms(block_rows), "-", f"C{index}")
        series[f"∂L/∂y (in the branch), {init_name}"] = (
            list(range(1, depth + 1)), output_grad_norms(linear_rows), "--", f"C{index}")
    save_figure(lambda ax: [ax.plot(xs, ys, style, color=color, marker="o", markersize=3,
                                    label=label)
                            for label, (xs, ys, style, color) in series.items()],
                path, title="residual + BN, ReLU: gradient along the identity path vs in "
                            "the branches", xlabel="layer / block l (1 = input side)",
                ylabel="gradient norm", logy=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=30, help="Linear layers per network")
    parser.add_argument("--width", type=int, default=128)
    parser.add_argument("--batch", type=int, default=128)
    add_lesson_options(parser, "vanishing_gradients", seeds=3,
                       quick_help="depth 10, width 32, batch 32, one seed")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.depth, args.width, args.batch = 10, 32, 32

    lengths = [10, 50, 200] if not args.quick else [10, 50]
    print_chain_table(lengths)
    steps = list(range(1, (100 if not args.quick else 30) + 1))
    line_plot({f"d = {d}": (steps, [abs(chain_gradient(d, n)) for n in steps])
               for d in CHAIN_FACTORS}, args.out / "chain.png",
              title="∂h_n/∂h_1 = d^(n−1) on a chain of multiplications (autograd, float64)",
              xlabel="chain length n", ylabel="|∂h_n/∂h_1|", logy=True, markers=False)

    print(f"Parts 2-4 — {args.depth} Linear layers of width {args.width}, batch {args.batch} "
          f"of random N(0, 1) inputs, cross-entropy loss with random labels\n")
    runs = []
    for seed in seed_list(args):
        mg.manual_seed(seed)
        x = mg.randn(args.batch, 784)
        y = mg.tensor(np.random.default_rng(seed).integers(0, 10, args.batch))
        runs.append({architecture: profiles_of(architecture, args.depth, args.width, x, y,
                                               seed + 1) for architecture in ARCHITECTURES})
    for architecture, by_pair in runs[0].items():
        line_plot({f"{activation}, {init_name}": (list(range(1, args.depth + 1)),
                                                  output_grad_norms(linear_rows))
                   for (activation, init_name), (linear_rows, _) in by_pair.items()},
                  args.out / f"{architecture.replace('+', '_')}.png",
                  title=f"gradient at each layer's output at init — {architecture}",
                  xlabel="layer l (1 = input side)", ylabel="‖∂L/∂y_l‖", logy=True)
    plot_identity_path(runs, args.depth, args.out / "residual_identity_path.png")
    print_factor_table(runs)
    print_identity_path_table(runs)
    print_plain_details(runs[0]["plain"])
    mg.manual_seed(args.seed)
    x = mg.randn(args.batch, 784)
    for activation in ("relu", "tanh"):
        mg.manual_seed(args.seed + 1)
        model = init.init_kaiming_(deep_mlp(args.depth, args.width, activation, "batchnorm"))
        print_decorrelation(model, x, f"{activation}, Kaiming, plain + BN")
    print(f"plots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
