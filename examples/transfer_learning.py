"""Lesson: transfer learning — reuse a network trained on one task for a new, small one.

    python examples/transfer_learning.py [--quick] [--out DIR] [--seed N] [--seeds 3]

1. Pretrain a ``small_cnn`` on one half of Fashion-MNIST: classes 0–4 (T-shirt/top,
   Trouser, Pullover, Dress, Coat).
2. The new task: the other five classes (Sandal, Shirt, Sneaker, Bag, Ankle boot), with
   only a hundred training images. Ways to learn it, same images, same epochs:

   * **from scratch**: a fresh ``small_cnn``, every weight learnt from the small set;
   * **linear probe**: the pretrained network frozen; its conv features (the flattened
     output of its last conv stage, what enters its first Linear layer) are computed
     once per image, and only a new ``Linear`` head is trained on them;
   * **fine-tuning**: the *same architecture as the probe* — the pretrained conv stages
     and a new ``Linear`` head on their features — with every weight trained (at a lower
     peak learning rate than from scratch, so the pretrained features are adjusted, not
     wiped out). Probe and fine-tuning differ only in what is trained: a controlled
     comparison of the two methods;
   * **fine-tuning, FC kept**: the whole pretrained network, its 1568→128 FC layer
     included, with a new last Linear — the setup of the first version of this lesson,
     kept to show that it compared two architectures, not two methods.

Every run is repeated for ``--seeds`` seeds (other images, other initial weights) and
the table gives mean ± std (min–max): the margins are a few points on 500 test images.
The lecture's advice: with little data, start from pretrained features; with a bit
more, fine-tune. The plot shows the mean test accuracy after every epoch.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import minigrad as mg
from layers import Linear, Module, Sequential
from layers.features import classifier_input_layer, extract_features
from layers.models.small_cnn import small_cnn
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import FASHION_MNIST_CLASSES, fashion_mnist_arrays
from minigrad.plot import line_plot
from minigrad.training.cli import add_lesson_options, parse_lesson_args, seed_list
from minigrad.training.fit import History, fit_one_cycle, format_spread

SOURCE_CLASSES, TARGET_CLASSES = (0, 1, 2, 3, 4), (5, 6, 7, 8, 9)


def task_loader(train: bool, classes: tuple[int, ...], per_class: int, seed: int,
                batch_size: int) -> DataLoader:
    """A balanced subset of ``classes``, relabelled 0..len(classes)−1 (the task's own ids)."""
    images, labels = fashion_mnist_arrays(train, per_class, classes, seed)
    task_labels = np.searchsorted(classes, labels)
    return DataLoader(ArrayDataset(images, task_labels), batch_size, shuffle=train, seed=seed)


def with_new_head(model: Module, num_classes: int) -> Module:
    """Replace ``model``'s classifier head (its last Linear) by a fresh one for
    ``num_classes`` outputs, in place; returns the model."""
    head_name = classifier_input_layer(model)
    parent_name, _, attribute = head_name.rpartition(".")
    parent = dict(model.named_modules())[parent_name]
    old_head = getattr(parent, attribute)
    setattr(parent, attribute, Linear(old_head.in_features, num_classes))
    return model


def conv_feature_layer(model: Module) -> str:
    """The first Linear layer's name: what enters it are the network's conv features.

    (The penultimate features, what enters the *last* Linear, are specialised to the
    source classes by the fully connected layers; on a different task the earlier,
    more generic features transfer better.)"""
    return next(name for name, m in model.named_modules() if isinstance(m, Linear))


def conv_trunk_with_head(pretrained: Module, num_classes: int) -> Sequential:
    """The probe's architecture, trainable: a copy of ``pretrained``'s layers up to its conv
    features (everything before its first Linear) and a fresh ``Linear`` head on them."""
    model = small_cnn(len(SOURCE_CLASSES), 1, pretrained[0].out_channels)
    model.load_state_dict(pretrained.state_dict())
    first_linear = int(conv_feature_layer(model))
    head = model[first_linear]
    return Sequential(*model[:first_linear], Linear(head.in_features, num_classes))


def pretrain(args: argparse.Namespace, seed: int) -> Module:
    """A small_cnn trained on the source classes."""
    mg.manual_seed(seed)
    model = small_cnn(len(SOURCE_CLASSES), 1, args.width)
    loader = task_loader(True, SOURCE_CLASSES, args.pretrain_per_class, seed, 64)
    fit_one_cycle(model, loader, args.pretrain_epochs, max_lr=0.1, name="pretrain (classes 0-4)")
    return model


def from_scratch(train: DataLoader, test: DataLoader, args: argparse.Namespace,
                 seed: int) -> History:
    """A fresh small_cnn trained on the small target set."""
    mg.manual_seed(seed)
    model = small_cnn(len(TARGET_CLASSES), 1, args.width)
    return fit_one_cycle(model, train, args.epochs, max_lr=0.05, test_loader=test,
                         name="from scratch")


def linear_probe(pretrained: Module, train: DataLoader, test: DataLoader,
                 args: argparse.Namespace, seed: int) -> History:
    """A Linear layer trained on the frozen network's conv features (extracted once)."""
    start = time.perf_counter()
    layer = conv_feature_layer(pretrained)
    train_features, train_labels = extract_features(pretrained, train, layer)
    test_features, test_labels = extract_features(pretrained, test, layer)
    extraction_seconds = time.perf_counter() - start
    print(f"linear probe: {train_features.shape[1]}-d features of {len(train_labels)} "
          f"training and {len(test_labels)} test images, extracted once "
          f"({extraction_seconds:.1f} s)")
    mg.manual_seed(seed)
    probe = Linear(train_features.shape[1], len(TARGET_CLASSES))
    feature_train = DataLoader(ArrayDataset(train_features, train_labels), train.batch_size,
                               shuffle=True, seed=seed)
    feature_test = DataLoader(ArrayDataset(test_features, test_labels), 1000)
    history = fit_one_cycle(probe, feature_train, args.epochs, max_lr=0.05,
                            test_loader=feature_test, name="linear probe")
    history.setup_seconds = extraction_seconds
    return history


def fine_tune(pretrained: Module, train: DataLoader, test: DataLoader,
              args: argparse.Namespace, seed: int) -> History:
    """The probe's architecture (pretrained conv stages + a new Linear head), every weight
    trained."""
    mg.manual_seed(seed)
    model = conv_trunk_with_head(pretrained, len(TARGET_CLASSES))
    return fit_one_cycle(model, train, args.epochs, max_lr=0.02, test_loader=test,
                         name="fine-tuning")


def fine_tune_keeping_fc(pretrained: Module, train: DataLoader, test: DataLoader,
                         args: argparse.Namespace, seed: int) -> History:
    """The whole pretrained network (its FC-128 layer too) with a new last Linear, every
    weight trained: a different architecture from the probe's."""
    mg.manual_seed(seed)
    model = small_cnn(len(SOURCE_CLASSES), 1, args.width)
    model.load_state_dict(pretrained.state_dict())
    with_new_head(model, len(TARGET_CLASSES))
    return fit_one_cycle(model, train, args.epochs, max_lr=0.02, test_loader=test,
                         name="fine-tuning, FC kept")


LEARNERS = {"from scratch": lambda pretrained, *rest: from_scratch(*rest),
            "linear probe (frozen conv features)": linear_probe,
            "fine-tuning (same head as the probe)": fine_tune,
            "fine-tuning, pretrained FC kept": fine_tune_keeping_fc}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--pretrain-per-class", type=int, default=1000,
                   help="source-task training images per class (classes 0-4)")
    p.add_argument("--pretrain-epochs", type=int, default=2)
    p.add_argument("--target-per-class", type=int, default=20,
                   help="target-task training images per class (classes 5-9)")
    p.add_argument("--test-per-class", type=int, default=100, help="target-task test images")
    p.add_argument("--epochs", type=int, default=30, help="epochs on the target task")
    p.add_argument("--batch-size", type=int, default=16, help="batch size on the target task")
    p.add_argument("--width", type=int, default=16, help="small_cnn width")
    add_lesson_options(p, "transfer_learning", seeds=3,
                       quick_help="100 pretraining images per class, 4 epochs, one seed")
    args = parse_lesson_args(p, argv)
    if args.quick:
        args.pretrain_per_class, args.pretrain_epochs, args.width = 100, 1, 8
        args.target_per_class, args.test_per_class, args.epochs, args.batch_size = 20, 20, 4, 25
    return args


def run_seed(args: argparse.Namespace, seed: int) -> dict[str, History]:
    """Pretrain with ``seed``, then every learner on the target task drawn with ``seed``."""
    pretrained = pretrain(args, seed)
    train = task_loader(True, TARGET_CLASSES, args.target_per_class, seed, args.batch_size)
    test = task_loader(False, TARGET_CLASSES, args.test_per_class, seed, 500)
    names = ", ".join(FASHION_MNIST_CLASSES[c] for c in TARGET_CLASSES)
    print(f"\nseed {seed} — target task: {names}; {len(train.dataset)} training and "
          f"{len(test.dataset)} test images, {args.epochs} epochs")
    return {name: learn(pretrained, train, test, args, seed)
            for name, learn in LEARNERS.items()}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    seeds = seed_list(args)
    runs = [run_seed(args, seed) for seed in seeds]

    epochs = np.arange(1, args.epochs + 1)
    line_plot({name: (epochs, np.mean([[100 * s.top1 for s in run[name].test] for run in runs],
                                      axis=0)) for name in LEARNERS},
              args.out / "test_accuracy.png", xlabel="epoch on the target task",
              ylabel="test top-1 (%)",
              title=f"New task, {5 * args.target_per_class} training images "
                    f"(mean of {len(seeds)} seed{'s' * (len(seeds) > 1)})")
    results = {name: {"seeds": seeds,
                      "test_top1": [run[name].test[-1].top1 for run in runs],
                      "train_top1": [run[name].train[-1].top1 for run in runs],
                      "best_test_top1": [max(s.top1 for s in run[name].test) for run in runs],
                      "seconds": [run[name].seconds for run in runs]}
               for name in LEARNERS}
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nTest top-1 after the last epoch over seeds {seeds}: mean ± std (min–max)")
    print(f"  {'method':<38} {'test top-1 (%)':>24} {'train top-1':>12} {'seconds':>8}")
    for name, r in results.items():
        print(f"  {name:<38} {format_spread(r['test_top1']):>24} "
              f"{100 * np.mean(r['train_top1']):>11.1f}% {np.mean(r['seconds']):>8.1f}")
    probe, tuned = (np.array(results[name]["test_top1"]) for name in list(LEARNERS)[1:3])
    print(f"  fine-tuning − probe, per seed (points): "
          f"{', '.join(f'{100 * d:+.1f}' for d in tuned - probe)}")
    print("(train top-1: running average over the last epoch's batches; seconds: on the "
          "target task, without pretraining)")
    print(f"\nwrote {args.out / 'test_accuracy.png'} and results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
