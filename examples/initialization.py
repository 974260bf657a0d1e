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
* Xavier (Glorot & Bengio 2010): Var(w) = 2/(n_in + n_out) = 1/n: ½ n Var(w) = ½, the
  std halves every two layers (Xavier is derived for symmetric activations like tanh).
* Kaiming (He et al. 2015): Var(w) = 2/n: ½ n Var(w) = 1, the scale is kept.

1. The std of every layer's pre-activation y_l at initialisation (LayerMonitor), over
   all values and across the examples of the batch (√ of the mean per-unit variance —
   the part that carries information about the input), plotted against depth.
2. A few hundred SGD steps of each net on a Fashion-MNIST subset: a loss table.
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
from minigrad.training.cli import add_lesson_options
from minigrad.training.fit import History, fit

INITS: dict[str, Callable[[nn.Module], nn.Module]] = {
    "AlexNet N(0,0.01²), bias 1": init.init_alexnet_,
    "N(0,0.01²), bias 0": lambda model: init.init_alexnet_(model, bias=0.0),
    "Xavier": init.init_xavier_,
    "Kaiming": init.init_kaiming_,
}


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
    add_lesson_options(parser, "initialization",
                       quick_help="depth 8, width 64, 20 images per class, 2 epochs")
    args = parser.parse_args(argv)
    if args.quick:
        args.depth, args.width, args.per_class, args.epochs = 8, 64, 20, 2
    args.out.mkdir(parents=True, exist_ok=True)

    images, labels = fashion_mnist_arrays(train=True, per_class=args.per_class, seed=args.seed)
    test_images, test_labels = fashion_mnist_arrays(train=False, seed=args.seed,
                                                    per_class=max(args.per_class // 4, 10))
    test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
    probe = mg.tensor(images[:256])
    layers_axis = list(range(1, args.depth + 1))
    std_all: dict[str, list[float]] = {}
    std_examples: dict[str, list[float]] = {}
    histories: dict[str, History] = {}
    print(f"{args.depth} Linear layers of width {args.width} with ReLUs; Fashion-MNIST subset "
          f"of {len(labels)} images, SGD lr {args.lr:g} momentum 0.9, batch {args.batch}\n")
    for name, init_fn in INITS.items():
        mg.manual_seed(args.seed)
        model = init_fn(relu_mlp(args.depth, args.width))
        rows = pre_activation_stats(model, probe)
        std_all[name] = [row.activation.std for row in rows]
        std_examples[name] = [std_across_examples(row) for row in rows]
        loader = DataLoader(ArrayDataset(images, labels), batch_size=args.batch, shuffle=True,
                            seed=args.seed)
        histories[name] = fit(model, loader, optim.SGD(model.parameters(), lr=args.lr,
                                                       momentum=0.9),
                              args.epochs, test_loader=test_loader, verbose=False)

    shown = sorted({0, args.depth // 4, args.depth // 2, 3 * args.depth // 4, args.depth - 2})
    print("Std of the pre-activations y_l at initialisation: over all values / across "
          "examples")
    print(f"  {'init':<28}" + "".join(f"{'layer ' + str(i + 1):>17}" for i in shown))
    for name in INITS:
        print(f"  {name:<28}" + "".join(f"{std_all[name][i]:>8.2g} /{std_examples[name][i]:>7.2g}"
                                        for i in shown))

    steps = len(next(iter(histories.values())).batch_losses)
    window = -(-steps // 5)  # at most five blocks
    print(f"\nTraining loss, mean over blocks of {window} SGD steps; test accuracy at the end")
    print(f"  {'init':<28}" + "".join(f"{f'{i + 1}-{min(i + window, steps)}':>9}"
                                      for i in range(0, steps, window)) + f"{'test top-1':>12}")
    for name, history in histories.items():
        print(f"  {name:<28}" + "".join(f"{v:>9.3f}"
                                        for v in window_means(history.batch_losses, window))
              + f"{100 * history.test[-1].top1:>11.1f}%")

    line_plot({name: (layers_axis, values) for name, values in std_all.items()},
              args.out / "std_all.png", title="std of y_l over all values, at initialisation",
              xlabel="layer l", ylabel="std(y_l)", logy=True)
    line_plot({name: (layers_axis, values) for name, values in std_examples.items()},
              args.out / "std_across_examples.png",
              title="std of y_l across the examples of a batch, at initialisation",
              xlabel="layer l", ylabel="√ mean per-unit variance", logy=True)
    line_plot({name: (list(range(1, steps + 1)), h.batch_losses)
               for name, h in histories.items()}, args.out / "loss.png",
              title="training loss of the deep ReLU net", xlabel="SGD step",
              ylabel="cross-entropy (per batch)", markers=False)
    print(f"\nplots in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
