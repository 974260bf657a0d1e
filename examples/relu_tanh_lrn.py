"""Lesson: AlexNet's ReLU vs tanh training speed (its Fig. 1), and what LRN adds.

    python examples/relu_tanh_lrn.py [--quick] [--out DIR] [--seed N] [--seeds 3]

AlexNet (Krizhevsky et al. 2012, §3.1, Fig. 1): "a four-layer convolutional neural
network with ReLUs reaches a 25% training error rate on CIFAR-10 six times faster than
an equivalent network with tanh neurons", each with the learning rate that trained it
fastest. And (§3.3) local response normalisation (LRN) after the first convolutions'
ReLUs, b_c = a_c / (k + α Σ a_c'²)^β over 5 neighbouring channels (k = 2, α = 1e-4,
β = 0.75), "reduces our top-1 and top-5 error rates by 1.4% and 1.2%".

Here the same four-layer CNN — conv 5×5 (8) – pool – conv 5×5 (16) – pool – FC 64 – FC
10, no BatchNorm, as in 2012 — starts from the *same* random draws (one seed) with tanh,
with ReLU, or with ReLU + LRN after both convs. ``--init default`` keeps the layers'
default init, U(±1/√n), for all three — the very same weights; ``--init matched``
scales the draws to each activation, N(0, gain²/n) with Kaiming's gain (√2 for ReLU,
5/3 for tanh), so that neither net starts with a shrinking signal. Each net trains
with SGD (momentum 0.9, batch 32) on 2,000 Fashion-MNIST images at several learning
rates. Measured per run: the iterations until the training error (over the last 20
batches) first drops to 25% and to 15%, and the test top-1 after the last epoch; the
table takes, for each network, its fastest learning rate, as the paper did. For LRN,
how far its denominator (k + α Σ a²)^β is from the constant k^β on real activations.
"""
from __future__ import annotations

import argparse

import numpy as np

import layers as nn
import minigrad as mg
import minigrad.functional as F
from layers.models.alexnet import local_response_norm
from minigrad import init, optim
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import fashion_mnist_arrays
from minigrad.plot import line_plot
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list, tee_output
from minigrad.training.fit import fit, format_spread
from minigrad.training.loop import evaluate

VARIANTS = ("tanh", "ReLU", "ReLU + LRN")
THRESHOLDS = (0.25, 0.15)         # training error rates to reach
WINDOW = 20                       # batches the training error is averaged over


def four_layer_cnn(variant: str, init_name: str = "default") -> nn.Sequential:
    """conv 5×5 (8) – act – [LRN] – pool – conv 5×5 (16) – act – [LRN] – pool – FC 64 – act –
    FC 10, for 1×28×28 images. ``variant``: one of :data:`VARIANTS`. The layer shapes (and
    so, under one seed, the initial weights) are the same for every variant; with
    ``init_name`` "matched" they are redrawn N(0, gain²/fan_in), gain for the activation."""
    def activation() -> list[nn.Module]:
        if variant == "tanh":
            return [nn.Tanh()]
        return [nn.ReLU(), local_response_norm()] if variant == "ReLU + LRN" else [nn.ReLU()]

    model = nn.Sequential(nn.Conv2d(1, 8, 5, padding=2), *activation(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 16, 5, padding=2), *activation(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(16 * 7 * 7, 64),
                          nn.Tanh() if variant == "tanh" else nn.ReLU(), nn.Linear(64, 10))
    if init_name == "matched":
        init.init_kaiming_(model, nonlinearity="tanh" if variant == "tanh" else "relu")
    return model


def running_error(errors: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """(iterations, mean error of the last :data:`WINDOW` batches at each), from the
    WINDOW-th iteration on (all batches, if a run has fewer)."""
    window = min(WINDOW, len(errors))
    running = np.convolve(errors, np.ones(window) / window, mode="valid")
    return np.arange(window, len(errors) + 1), running


def iterations_to_reach(errors: list[float], threshold: float) -> int | None:
    """The first iteration (1-based) at which the mean error of the last :data:`WINDOW`
    batches is ≤ ``threshold``; None if it never is."""
    iterations, running = running_error(errors)
    reached = np.flatnonzero(running <= threshold)
    return int(iterations[reached[0]]) if reached.size else None


def train_run(variant: str, init_name: str, lr: float, seed: int, loader: DataLoader,
              test_loader: DataLoader, epochs: int) -> tuple[list[float], float, nn.Sequential]:
    """Train one net; return its per-batch training errors, its test top-1, and the net."""
    mg.manual_seed(seed)                  # the same random draws for every variant
    model = four_layer_cnn(variant, init_name)
    errors: list[float] = []

    def loss_recording_error(logits: mg.Tensor, labels: mg.Tensor) -> mg.Tensor:
        errors.append(float((logits.numpy().argmax(1) != labels.numpy()).mean()))
        return F.cross_entropy(logits, labels)

    fit(model, loader, optim.SGD(model.parameters(), lr=lr, momentum=0.9), epochs,
        loss_fn=loss_recording_error, verbose=False)
    return errors, evaluate(model, test_loader).top1, model


def lrn_denominator_ratio(model: nn.Sequential, images: mg.Tensor) -> tuple[float, float]:
    """Mean and max over positive activations of (k + α Σ a²)^β / k^β at the first LRN:
    1 everywhere would make LRN a constant scale, k^−β."""
    conv, relu, lrn = model[0], model[1], model[2]
    with mg.no_grad():
        relu_output = relu(conv(images))
        a, b = relu_output.numpy(), lrn(relu_output).numpy()
    positive = a > 1e-6
    ratio = a[positive] / b[positive] / lrn.k ** lrn.beta
    return float(ratio.mean()), float(ratio.max())


def fastest(runs: dict[float, list[dict]], threshold: float) -> tuple[float, list]:
    """The learning rate whose runs reach ``threshold`` in the fewest iterations (mean over
    seeds; a run that never reaches it counts as never), and those runs' iterations."""
    def mean_iterations(lr: float) -> float:
        counts = [run["reach"][threshold] for run in runs[lr]]
        return np.inf if None in counts else float(np.mean(counts))
    best = min(runs, key=mean_iterations)
    return best, [run["reach"][threshold] for run in runs[best]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=200, help="training images per class")
    parser.add_argument("--test-per-class", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lrs", type=float, nargs="+", default=[0.01, 0.03, 0.1],
                        help="SGD learning rates tried for every network")
    parser.add_argument("--init", choices=("default", "matched"), default="default",
                        help="default: the layers' U(±1/√n) for every net (the same "
                             "weights); matched: N(0, gain²/n) with each activation's gain")
    add_lesson_options(parser, "relu_tanh_lrn", seeds=3,
                       quick_help="20 images per class, 1 epoch, one rate, one seed")
    args = parse_lesson_args(parser, argv)
    if args.quick:
        args.per_class, args.test_per_class, args.epochs, args.lrs = 20, 10, 1, [0.03]
    seeds = seed_list(args)

    runs: dict[str, dict[float, list[dict]]] = {v: {lr: [] for lr in args.lrs} for v in VARIANTS}
    with tee_output(args.out / "output.txt"):
        print(f"{10 * args.per_class} training images, batch {args.batch}, {args.epochs} "
              f"epochs, SGD momentum 0.9, learning rates {args.lrs}, {args.init} init, "
              f"seeds {seeds}\n")
        for seed in seeds:
            images, labels = fashion_mnist_arrays(True, args.per_class, seed=seed)
            test_images, test_labels = fashion_mnist_arrays(False, args.test_per_class, seed=seed)
            loader = DataLoader(ArrayDataset(images, labels), batch_size=args.batch,
                                shuffle=True, seed=seed)
            test_loader = DataLoader(ArrayDataset(test_images, test_labels), batch_size=500)
            probe = mg.tensor(images[:256])
            for lr in args.lrs:
                for variant in VARIANTS:
                    errors, top1, model = train_run(variant, args.init, lr, seed, loader,
                                                    test_loader, args.epochs)
                    reach = {t: iterations_to_reach(errors, t) for t in THRESHOLDS}
                    runs[variant][lr].append({"errors": errors, "top1": top1, "reach": reach})
                    extra = ""
                    if variant == "ReLU + LRN":
                        mean, high = lrn_denominator_ratio(model, probe)
                        extra = f", LRN denominator / k^β: mean {mean:.3f}, max {high:.3f}"
                    print(f"  seed {seed}, lr {lr:<5g} {variant:<11} iterations to 25% / 15% "
                          f"training error: {reach[0.25]} / {reach[0.15]}, test top-1 "
                          f"{100 * top1:.1f}%{extra}", flush=True)

        print("\nEach network at its fastest learning rate (the paper's rule): iterations to "
              "reach the training error (mean ± std over seeds) and test top-1 (%)")
        for threshold in THRESHOLDS:
            print(f"  training error ≤ {threshold:.0%}:")
            for variant in VARIANTS:
                lr, counts = fastest(runs[variant], threshold)
                text = "never" if None in counts else format_spread(counts, scale=1, digits=0)
                print(f"    {variant:<11} lr {lr:<5g} {text}")
        print("  test top-1 after the last epoch, at each rate:")
        for variant in VARIANTS:
            print(f"    {variant:<11}" + "".join(
                f"   lr {lr:g}: {format_spread([run['top1'] for run in runs[variant][lr]])}"
                for lr in args.lrs))

    first = {variant: fastest(runs[variant], THRESHOLDS[0])[0] for variant in VARIANTS}
    curves = {}
    for variant, lr in first.items():
        errors = runs[variant][lr][0]["errors"]
        curves[f"{variant} (lr {lr:g})"] = running_error(errors)
    curves["25% (AlexNet's Fig. 1 line)"] = ([1, len(errors)], [0.25, 0.25])
    line_plot(curves, args.out / "training_error.png", markers=False,
              title=f"training error, mean of the last {WINDOW} batches (seed {seeds[0]})",
              xlabel="iteration", ylabel="training error rate")
    print(f"\nwrote training_error.png and output.txt in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
