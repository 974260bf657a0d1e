"""Lesson: weight initialisation — does the signal survive a deep ReLU net, and does it train?

    python examples/initialization.py [--quick] [--out DIR] [--seed N]

A layer y_l = W_l h_{l−1} + b_l, h_l = relu(y_l) with n_l inputs and zero-mean weights
of variance Var(w_l) has (He et al. 2015, eq. 7 and 10)

    Var(y_l) = n_l Var(w_l) · E[h²_{l−1}] = ½ n_l Var(w_l) · Var(y_{l−1})
    Var(y_L) = Var(y_1) · ∏_l ½ n_l Var(w_l)

so the signal keeps its scale only if ½ n_l Var(w_l) = 1 for every layer:

* AlexNet (Krizhevsky et al. 2012): w ~ N(0, 0.01²), biases 1. ½ n Var(w) = 0.013 for
  n = 256: the input's signal shrinks ~9× per layer (its variance ~80×); the bias keeps
  the ReLUs on, but every example then gives the same activations.
* N(0, 0.01²) with biases 0: everything shrinks ~9× per layer.
* The lecture's "Xavier", w ~ U(−1/√n, 1/√n) (also PyTorch's default Linear/Conv init):
  Var(w) = 1/(3n), ½ n Var(w) = 1/6: the std shrinks √6 ≈ 2.4× per layer.
* Glorot & Bengio's (2010) normalised init, ``init_xavier_``: w ~ U(±√(6/(n_in + n_out))),
  Var(w) = 2/(n_in + n_out) = 1/n for square layers: ½ n Var(w) = ½, the std halves every
  two layers (derived for symmetric activations like tanh).
* Kaiming (He et al. 2015): Var(w) = 2/n: ½ n Var(w) = 1, the scale is kept.

1. The std of every layer's pre-activation y_l at initialisation (LayerMonitor), over
   all values and across the examples of the batch (√ of the mean per-unit variance —
   the part that carries information about the input), plotted against depth.
2. A few hundred SGD steps of each net on a Fashion-MNIST subset: a loss table, and the
   test accuracy over ``--seeds`` seeds (mean ± std (min–max)).
3. Why AlexNet trained with N(0, 0.01²): the factor ½ n Var(w) of each of its layers,
   whose fan-ins n (363 to 9,216) are far larger than this MLP's 256 — depth is only
   half of the story (with ``--depth 8`` the MLP fails too).
"""
from __future__ import annotations

import argparse
from typing import Callable

import numpy as np

import layers as nn
import minigrad as mg
from layers.monitor import LayerMonitor, LayerStats
from minigrad import init, optim
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays
from minigrad.plot import line_plot
from layers.models.alexnet import alexnet
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list
from minigrad.training.fit import History, fit, format_spread


def fan_in(weight: mg.Tensor) -> int:
    """Inputs of one output unit: in_features (Linear) or C_in/groups·kH·kW (conv)."""
    return int(np.prod(weight.shape[1:]))


def init_lecture_uniform_(model: nn.Module) -> nn.Module:
    """The lecture's "Xavier": every conv/linear weight ~ U(−1/√n, 1/√n) with n its fan-in
    (variance 1/(3n), PyTorch's default weight init), biases 0. Returns ``model``."""
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d)):
            bound = 1.0 / np.sqrt(fan_in(module.weight))
            init.uniform_(module.weight, -bound, bound)
            if module.bias is not None:
                init.zeros_(module.bias)
    return model


INITS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "AlexNet N(0,0.01²), bias 1": init.init_alexnet_,
    "N(0,0.01²), bias 0": lambda model: init.init_alexnet_(model, bias=0.0),
    "lecture U(±1/√n)": init_lecture_uniform_,
    "Glorot U(±√(6/(n_in+n_out)))": init.init_xavier_,
    "Kaiming N(0, 2/n)": init.init_kaiming_,
}


def alexnet_gain_table(std: float = 0.01) -> list[tuple[str, int, float]]:
    """(layer, fan-in n, ½ n std²) for each weighted layer of the paper's AlexNet: the factor
    by which each ReLU layer multiplies the signal's variance under N(0, std²) weights."""
    model = alexnet(variant="paper")
    return [(name, fan_in(m.weight), 0.5 * fan_in(m.weight) * std ** 2)
            for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def print_alexnet_gains(width: int, depth: int) -> None:
    """AlexNet's per-layer variance factors next to this MLP's."""
    rows = alexnet_gain_table()
    print("\nWhy AlexNet trained with N(0, 0.01²): ½ n Var(w) per layer (variance factor)")
    print(f"  {'AlexNet layer':<14} {'fan-in n':>9} {'½ n Var(w)':>11} {'std factor':>11}")
    for name, n, gain in rows:
        print(f"  {name:<14} {n:>9} {gain:>11.3f} {np.sqrt(gain):>11.3f}")
    total = float(np.sqrt(np.prod([gain for _, _, gain in rows[:-1]])))
    mlp_gain = 0.5 * width * 0.01 ** 2
    mlp_total = float(np.sqrt(0.5 * 784 * 0.01 ** 2 * mlp_gain ** (depth - 2)))
    print(f"  std kept through AlexNet's first {len(rows) - 1} layers: {total:.2g}; through "
          f"this MLP's {depth - 1} (n = {width}, factor {np.sqrt(mlp_gain):.3f} each): "
          f"{mlp_total:.2g}")


def relu_mlp(depth: int, width: int) -> nn.Sequential:
    """Flatten, then ``depth`` Linear layers (784 -> width, ..., width -> 10) with ReLUs."""
    hidden: list[nn.Module] = []
    for _ in range(depth - 2):
        hidden += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(nn.Flatten(), nn.Linear(784, width), nn.ReLU(), *hidden,
                         nn.Linear(width, 10))


def pre_activation_stats(model: nn.Module, images: mg.Tensor) -> list[LayerStats]:
    """Monitor rows of every Linear layer for one forward pass (no backward needed)."""
    with LayerMonitor(model, layer_types=nn.Linear) as monitor, mg.no_grad():
        model(images)
    return monitor.rows()


def std_across_examples(row: LayerStats) -> float:
    """√(mean over units of each unit's variance over the batch)."""
    return float(np.sqrt(row.channel_var.mean()))


def window_means(values: list[float], window: int) -> list[float]:
    """Means of consecutive blocks of ``window`` values (the last block may be shorter)."""
    return [float(np.mean(values[i:i + window])) for i in range(0, len(values), window)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=20, help="Linear layers")
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--per-class", type=int, default=200, help="training images per class")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.01, help="SGD with momentum 0.9")
    add_lesson_options(parser, "initialization", seeds=3,
                       quick_help="depth 8, width 64, 20 images per class, 2 epochs, one seed")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.depth, args.width, args.per_class, args.epochs = 8, 64, 20, 2
    seeds = seed_list(args)

    layers_axis = list(range(1, args.depth + 1))
    std_all: dict[str, list[float]] = {}
    std_examples: dict[str, list[float]] = {}
    histories: dict[str, list[History]] = {name: [] for name in INITS}
    print(f"{args.depth} Linear layers of width {args.width} with ReLUs; Fashion-MNIST subsets "
          f"of {10 * args.per_class} images, SGD lr {args.lr:g} momentum 0.9, batch "
          f"{args.batch}, seeds {seeds}\n")
    for seed in seeds:
        images, labels = fashion_mnist_arrays(train=True, per_class=args.per_class, seed=seed)
        test_images, test_labels = fashion_mnist_arrays(train=False, seed=seed,
                                                        per_class=max(args.per_class // 4, 10))
        test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
        for name, init_fn in INITS.items():
            mg.manual_seed(seed)
            model = init_fn(relu_mlp(args.depth, args.width))
            if seed == seeds[0]:
                rows = pre_activation_stats(model, mg.tensor(images[:256]))
                std_all[name] = [row.activation.std for row in rows]
                std_examples[name] = [std_across_examples(row) for row in rows]
            loader = DataLoader(ArrayDataset(images, labels), batch_size=args.batch,
                                shuffle=True, seed=seed)
            histories[name].append(fit(model, loader, optim.SGD(model.parameters(), lr=args.lr,
                                                                momentum=0.9),
                                       args.epochs, test_loader=test_loader, verbose=False))

    shown = sorted({0, args.depth // 4, args.depth // 2, 3 * args.depth // 4, args.depth - 2})
    print(f"Std of the pre-activations y_l at initialisation (seed {seeds[0]}): over all values "
          "/ across examples")
    print(f"  {'init':<28}" + "".join(f"{'layer ' + str(i + 1):>17}" for i in shown))
    for name in INITS:
        print(f"  {name:<28}" + "".join(f"{std_all[name][i]:>8.2g} /{std_examples[name][i]:>7.2g}"
                                        for i in shown))

    steps = len(histories[next(iter(INITS))][0].batch_losses)
    window = -(-steps // 5)  # at most five blocks
    print(f"\nTraining loss (seed {seeds[0]}), mean over blocks of {window} SGD steps; test "
          f"top-1 at the end over {len(seeds)} seed(s): mean ± std (min–max)")
    print(f"  {'init':<28}" + "".join(f"{f'{i + 1}-{min(i + window, steps)}':>9}"
                                      for i in range(0, steps, window))
          + f"{'test top-1 (%)':>26}")
    for name, runs in histories.items():
        print(f"  {name:<28}" + "".join(f"{v:>9.3f}"
                                        for v in window_means(runs[0].batch_losses, window))
              + f"{format_spread([h.test[-1].top1 for h in runs]):>26}")
    print_alexnet_gains(args.width, args.depth)

    line_plot({name: (layers_axis, values) for name, values in std_all.items()},
              args.out / "std_all.png", title="std of y_l over all values, at initialisation",
              xlabel="layer l", ylabel="std(y_l)", logy=True)
    line_plot({name: (layers_axis, values) for name, values in std_examples.items()},
              args.out / "std_across_examples.png",
              title="std of y_l across the examples of a batch, at initialisation",
              xlabel="layer l", ylabel="√ mean per-unit variance", logy=True)
    line_plot({name: (list(range(1, steps + 1)), runs[0].batch_losses)
               for name, runs in histories.items()}, args.out / "loss.png",
              title="training loss of the deep ReLU net", xlabel="SGD step",
              ylabel="cross-entropy (per batch)", markers=False)
    print(f"\nplots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
