"""Lesson: Batch Normalization — normalised layer inputs, and training at a higher learning rate.

    python examples/batchnorm_lesson.py [--quick] [--out DIR] [--seed N]

BatchNorm (Ioffe & Szegedy 2015, Algorithm 1) normalises every channel c of a layer's
input x over the mini-batch B (and, for images, over all pixels):

    μ_c = mean_B(x_c),  σ²_c = var_B(x_c),  x̂_c = (x_c − μ_c) / √(σ²_c + ε),  y_c = γ_c x̂_c + β_c

so at initialisation (γ = 1, β = 0) every channel leaves the layer with mean 0 and
variance 1, whatever the weights before it did; after training, with mean β_c and
variance γ²_c, values the network chose.

1. The same 4-conv CNN trained with plain SGD at the same learning rates on a
   Fashion-MNIST subset, three ways: without BN and with the layers' default init
   (PyTorch's U(±1/√n), which shrinks a ReLU net's signal layer by layer), without BN but
   Kaiming-initialised (the control: a plain net whose signal keeps its scale), and with
   BN. At a small rate the control separates BN's effect from the init's; at a large
   rate the plain nets diverge and the BN net trains. Every run is repeated for
   ``--seeds`` seeds; a table gives the test accuracy as mean ± std (min–max), and the
   curves show the training loss per iteration of the first seed.
2. LayerMonitor's per-channel statistics of the first conv's output (BN's input) and of
   the BN output, at initialisation and after training, next to β_c and γ²_c.
3. The gradient flow: ‖∂L/∂y‖ of every conv and Linear layer at every iteration of the
   first seed at the first rate, one panel per variant (LayerMonitor.gradient_flow).
"""
from __future__ import annotations

import argparse

import numpy as np

import layers as nn
import minigrad as mg
from minigrad import init
from layers.monitor import LayerMonitor, LayerStats
from minigrad import optim
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays
from minigrad.plot import gradient_flow, line_plot
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list
from minigrad.training.fit import History, fit, format_spread

# The three variants: (name, with BatchNorm, Kaiming init instead of the layers' default).
VARIANTS = (("no BN, default init", False, False), ("no BN, Kaiming init", False, True),
            ("with BN", True, False))


def conv_net(batchnorm: bool, width: int = 16) -> nn.Sequential:
    """Four 3×3 convs (width, width, pool, 2·width, 2·width, pool) with ReLUs, then a Linear.

    With ``batchnorm`` a BatchNorm2d sits between every conv and its ReLU (the paper's
    placement: normalise the pre-activation x = W u + b)."""
    def conv(c_in: int, c_out: int) -> list[nn.Module]:
        norm = [nn.BatchNorm2d(c_out)] if batchnorm else []
        return [nn.Conv2d(c_in, c_out, 3, padding=1), *norm, nn.ReLU()]

    return nn.Sequential(*conv(1, width), *conv(width, width), nn.MaxPool2d(2),
                         *conv(width, 2 * width), *conv(2 * width, 2 * width), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(2 * width * 7 * 7, 10))


def batch_statistics(model: nn.Module, images: mg.Tensor) -> tuple[LayerStats, LayerStats]:
    """Monitor rows of the first conv (BN's input) and the first BatchNorm (its output) for
    one training-mode forward pass (batch statistics; it also nudges BN's running averages)."""
    model.train()
    with LayerMonitor(model, layer_types=(nn.Conv2d, nn.BatchNorm2d)) as monitor, mg.no_grad():
        model(images)
    conv, norm = monitor.rows()[:2]
    return conv, norm


def print_channel_table(title: str, before: LayerStats, after: LayerStats,
                        bn: nn.BatchNorm2d) -> None:
    """Per channel: mean and variance before BN, after BN, and BN's β and γ²."""
    print(title)
    print(f"  {'channel':>7} {'mean in':>9} {'var in':>9} {'mean out':>9} {'var out':>9} "
          f"{'β':>8} {'γ²':>8}")
    beta, gamma = bn.bias.numpy(), bn.weight.numpy()
    for c in range(len(before.channel_mean)):
        print(f"  {c:>7} {before.channel_mean[c]:>9.3f} {before.channel_var[c]:>9.4f} "
              f"{after.channel_mean[c]:>9.3f} {after.channel_var[c]:>9.4f} "
              f"{beta[c]:>8.3f} {gamma[c] ** 2:>8.3f}")
    print()


def train_variant(batchnorm: bool, kaiming: bool, lr: float, seed: int,
                  args: argparse.Namespace, images: np.ndarray, labels: np.ndarray,
                  test_loader: DataLoader, name: str, probe: mg.Tensor | None,
                  flow: dict[str, list[float]] | None = None) -> History:
    """Build and train one variant; with ``probe``, print BN's statistics before and after;
    with ``flow``, fill it with ‖∂L/∂y‖ of every conv and Linear layer at every iteration."""
    mg.manual_seed(seed)  # the same conv and linear weights with and without BN
    model = conv_net(batchnorm)
    if kaiming:
        init.init_kaiming_(model)
    if probe is not None:
        conv, norm = batch_statistics(model, probe)
        print_channel_table("First conv's output (BN input) and BN output per channel, "
                            "at initialisation (γ = 1, β = 0):", conv, norm, model[1])
    loader = DataLoader(ArrayDataset(images, labels), batch_size=args.batch, shuffle=True,
                        seed=seed)
    with LayerMonitor(model) as monitor:      # the gradient flow: conv1, ..., fc1
        history = fit(model, loader, optim.SGD(model.parameters(), lr=lr), args.epochs,
                      test_loader=test_loader, name=name)
    if flow is not None:
        flow.update(monitor.gradient_flow())
    if probe is not None:
        conv, norm = batch_statistics(model, probe)
        print_channel_table("\nThe same after training: BN output mean ≈ β, variance "
                            "≈ γ² (the network's choice):", conv, norm, model[1])
    return history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=300,
                        help="training images per class (test: a third of it)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lrs", type=float, nargs="+", default=[0.02, 0.3],
                        help="SGD learning rates, each used for every variant")
    add_lesson_options(parser, "batchnorm_lesson", seeds=3,
                       quick_help="30 images per class, 1 epoch, one seed")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.per_class, args.epochs = 30, 1
    seeds = seed_list(args)

    test_per_class = max(args.per_class // 3, 10)
    print(f"Fashion-MNIST subsets: {10 * args.per_class} training / {10 * test_per_class} test "
          f"images, batch {args.batch}, plain SGD, {args.epochs} epochs, seeds {seeds}\n")
    histories: dict[str, list[History]] = {}
    flows: dict[str, dict[str, list[float]]] = {}    # first seed, first rate: per variant
    for seed in seeds:
        images, labels = fashion_mnist_arrays(train=True, per_class=args.per_class, seed=seed)
        test_images, test_labels = fashion_mnist_arrays(train=False, seed=seed,
                                                        per_class=test_per_class)
        test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
        for lr in args.lrs:
            for variant, batchnorm, kaiming in VARIANTS:
                name = f"{variant}, lr {lr:g}"
                watched = batchnorm and lr == args.lrs[0] and seed == seeds[0]
                probe = mg.tensor(images[:args.batch]) if watched else None
                flow = flows.setdefault(variant, {}) if (seed, lr) == (seeds[0], args.lrs[0]) \
                    else None
                histories.setdefault(name, []).append(train_variant(
                    batchnorm, kaiming, lr, seed, args, images, labels, test_loader,
                    f"seed {seed}, {name}", probe, flow))

    print(f"\nTraining loss (mean over each epoch, seed {seeds[0]}) and test top-1 after the "
          f"last epoch over {len(seeds)} seed(s): mean ± std (min–max)")
    print(f"  {'run':<30}" + "".join(f"{'epoch ' + str(e + 1):>9}" for e in range(args.epochs))
          + f"{'test top-1 (%)':>26}")
    for name, runs in histories.items():
        print(f"  {name:<30}" + "".join(f"{s.loss:>9.3f}" for s in runs[0].train)
              + f"{format_spread([h.test[-1].top1 for h in runs]):>26}")
    line_plot({name: (list(range(1, len(runs[0].batch_losses) + 1)), runs[0].batch_losses)
               for name, runs in histories.items()}, args.out / "loss.png",
              title="training loss, same SGD learning rate (seed "
                    f"{seeds[0]})", xlabel="iteration", ylabel="cross-entropy (per batch)",
              logy=True, markers=False)
    gradient_flow(flows, args.out / "gradient_flow.png",
                  title=f"gradient flow while training, lr {args.lrs[0]:g} (seed {seeds[0]})")
    print(f"\nloss.png and gradient_flow.png in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
