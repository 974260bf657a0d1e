"""Lesson: Batch Normalization — normalised layer inputs, and training at a higher learning rate.

    python examples/batchnorm_lesson.py [--quick] [--out DIR] [--seed N]

BatchNorm (Ioffe & Szegedy 2015, Algorithm 1) normalises every channel c of a layer's
input x over the mini-batch B (and, for images, over all pixels):

    μ_c = mean_B(x_c),  σ²_c = var_B(x_c),  x̂_c = (x_c − μ_c) / √(σ²_c + ε),  y_c = γ_c x̂_c + β_c

so at initialisation (γ = 1, β = 0) every channel leaves the layer with mean 0 and
variance 1, whatever the weights before it did; after training, with mean β_c and
variance γ²_c, values the network chose.

1. The same 4-conv CNN with and without BatchNorm, trained with plain SGD at the same
   learning rates on a Fashion-MNIST subset: a small rate (BN converges faster) and a
   large one (without BN the net diverges, with BN it trains). Curves of the training
   loss per iteration and a table of test accuracies.
2. LayerMonitor's per-channel statistics of the first conv's output (BN's input) and of
   the BN output, at initialisation and after training, next to β_c and γ²_c.
"""
from __future__ import annotations

import argparse

import layers as nn
import minigrad as mg
from layers.monitor import LayerMonitor, LayerStats
from minigrad import optim
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays
from minigrad.plot import line_plot
from minigrad.training.cli import add_lesson_options
from minigrad.training.fit import History, fit


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=300,
                        help="training images per class (test: a third of it)")
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lrs", type=float, nargs="+", default=[0.02, 0.3],
                        help="SGD learning rates, each used for both nets")
    add_lesson_options(parser, "batchnorm_lesson", quick_help="30 images per class, 1 epoch")
    args = parser.parse_args(argv)
    if args.quick:
        args.per_class, args.epochs = 30, 1
    args.out.mkdir(parents=True, exist_ok=True)

    images, labels = fashion_mnist_arrays(train=True, per_class=args.per_class, seed=args.seed)
    test_images, test_labels = fashion_mnist_arrays(train=False, seed=args.seed,
                                                    per_class=max(args.per_class // 3, 10))
    test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
    probe = mg.tensor(images[:args.batch])  # one batch to read the BN statistics from
    print(f"Fashion-MNIST subset: {len(labels)} training / {len(test_labels)} test images, "
          f"batch {args.batch}, plain SGD, {args.epochs} epochs\n")

    histories: dict[str, History] = {}
    for lr in args.lrs:
        for batchnorm in (False, True):
            name = f"{'with' if batchnorm else 'no'} BN, lr {lr:g}"
            mg.manual_seed(args.seed)  # the same conv and linear weights with and without BN
            model = conv_net(batchnorm)
            watched = batchnorm and lr == args.lrs[0]  # show the statistics of one BN net
            if watched:
                conv, norm = batch_statistics(model, probe)
                print_channel_table("First conv's output (BN input) and BN output per channel, "
                                    "at initialisation (γ = 1, β = 0):", conv, norm, model[1])
            loader = DataLoader(ArrayDataset(images, labels), batch_size=args.batch,
                                shuffle=True, seed=args.seed)
            histories[name] = fit(model, loader, optim.SGD(model.parameters(), lr=lr),
                                  args.epochs, test_loader=test_loader, name=name)
            if watched:
                conv, norm = batch_statistics(model, probe)
                print_channel_table("\nThe same after training: BN output mean ≈ β, variance "
                                    "≈ γ² (the network's choice):", conv, norm, model[1])

    print("\nTraining loss (mean over each epoch) and test accuracy after the last epoch")
    print(f"  {'run':<20}" + "".join(f"{'epoch ' + str(e + 1):>9}" for e in range(args.epochs))
          + f"{'test top-1':>12}")
    for name, history in histories.items():
        print(f"  {name:<20}" + "".join(f"{s.loss:>9.3f}" for s in history.train)
              + f"{100 * history.test[-1].top1:>11.1f}%")
    line_plot({name: (list(range(1, len(h.batch_losses) + 1)), h.batch_losses)
               for name, h in histories.items()}, args.out / "loss.png",
              title="training loss with and without BatchNorm (same SGD learning rate)",
              xlabel="iteration", ylabel="cross-entropy (per batch)", logy=True, markers=False)
    print(f"\nplot in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
