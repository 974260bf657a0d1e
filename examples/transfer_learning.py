"""Lesson: transfer learning — reuse a network trained on one task for a new, small one.

    python examples/transfer_learning.py [--quick] [--target-per-class 20]

1. Pretrain a ``small_cnn`` on one half of Fashion-MNIST: classes 0–4 (T-shirt/top,
   Trouser, Pullover, Dress, Coat).
2. The new task: the other five classes (Sandal, Shirt, Sneaker, Bag, Ankle boot), with
   only a hundred training images. Three ways to learn it, same images, same epochs:

   * **from scratch**: a fresh ``small_cnn``, every weight learnt from the small set;
   * **linear probe**: the pretrained network frozen; its conv features (the flattened
     output of its last conv stage, what enters its first Linear layer) are computed
     once per image, and only a new ``Linear`` layer is trained on them;
   * **fine-tuning**: the pretrained network with a new head, every weight trained on
     the small set (at a lower peak learning rate than from scratch, so the pretrained
     features are adjusted, not wiped out).

The lecture's advice: with little data, start from pretrained features; with a bit
more, fine-tune. The plot shows test accuracy after every epoch for the three.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

import minigrad as mg
from layers import Linear, Module
from layers.features import classifier_input_layer, extract_features
from layers.models.small_cnn import small_cnn
from minigrad.data import ArrayDataset, DataLoader
from minigrad.data.fashion_subsets import FASHION_MNIST_CLASSES, fashion_mnist_arrays
from minigrad.plot import line_plot
from minigrad.training.cli import add_lesson_options
from minigrad.training.fit import History, fit_one_cycle

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


def pretrain(args: argparse.Namespace) -> Module:
    """A small_cnn trained on the source classes."""
    mg.manual_seed(args.seed)
    model = small_cnn(len(SOURCE_CLASSES), 1, args.width)
    loader = task_loader(True, SOURCE_CLASSES, args.pretrain_per_class, args.seed, 64)
    fit_one_cycle(model, loader, args.pretrain_epochs, max_lr=0.1, name="pretrain (classes 0-4)")
    return model


def from_scratch(train: DataLoader, test: DataLoader, args: argparse.Namespace) -> History:
    """A fresh small_cnn trained on the small target set."""
    mg.manual_seed(args.seed)
    model = small_cnn(len(TARGET_CLASSES), 1, args.width)
    return fit_one_cycle(model, train, args.epochs, max_lr=0.05, test_loader=test,
                         name="from scratch")


def linear_probe(pretrained: Module, train: DataLoader, test: DataLoader,
                 args: argparse.Namespace) -> History:
    """A Linear layer trained on the frozen network's conv features (extracted once)."""
    start = time.perf_counter()
    layer = conv_feature_layer(pretrained)
    train_features, train_labels = extract_features(pretrained, train, layer)
    test_features, test_labels = extract_features(pretrained, test, layer)
    extraction_seconds = time.perf_counter() - start
    print(f"linear probe: {train_features.shape[1]}-d features of {len(train_labels)} "
          f"training and {len(test_labels)} test images, extracted once "
          f"({extraction_seconds:.1f} s)")
    mg.manual_seed(args.seed)
    probe = Linear(train_features.shape[1], len(TARGET_CLASSES))
    feature_train = DataLoader(ArrayDataset(train_features, train_labels), train.batch_size,
                               shuffle=True, seed=args.seed)
    feature_test = DataLoader(ArrayDataset(test_features, test_labels), 1000)
    history = fit_one_cycle(probe, feature_train, args.epochs, max_lr=0.05,
                            test_loader=feature_test, name="linear probe")
    history.setup_seconds = extraction_seconds
    return history


def fine_tune(pretrained: Module, train: DataLoader, test: DataLoader,
              args: argparse.Namespace) -> History:
    """A copy of the pretrained network with a new head, every weight trained."""
    mg.manual_seed(args.seed)
    model = small_cnn(len(SOURCE_CLASSES), 1, args.width)
    model.load_state_dict(pretrained.state_dict())
    with_new_head(model, len(TARGET_CLASSES))
    return fit_one_cycle(model, train, args.epochs, max_lr=0.02, test_loader=test,
                         name="fine-tuning")


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
    add_lesson_options(p, "transfer_learning")
    args = p.parse_args(argv)
    if args.quick:
        args.pretrain_per_class, args.pretrain_epochs, args.width = 100, 1, 8
        args.target_per_class, args.test_per_class, args.epochs, args.batch_size = 20, 20, 4, 25
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    pretrained = pretrain(args)
    pretrain_seconds = time.perf_counter() - start

    train = task_loader(True, TARGET_CLASSES, args.target_per_class, args.seed, args.batch_size)
    test = task_loader(False, TARGET_CLASSES, args.test_per_class, args.seed, 500)
    names = ", ".join(FASHION_MNIST_CLASSES[c] for c in TARGET_CLASSES)
    print(f"\ntarget task: {names}; {len(train.dataset)} training and {len(test.dataset)} "
          f"test images, {args.epochs} epochs")
    histories = {"from scratch": from_scratch(train, test, args),
                 "linear probe (frozen features)": linear_probe(pretrained, train, test, args),
                 "fine-tuning (new head)": fine_tune(pretrained, train, test, args)}

    epochs = np.arange(1, args.epochs + 1)
    line_plot({name: (epochs, [100 * s.top1 for s in h.test]) for name, h in histories.items()},
              args.out / "test_accuracy.png", xlabel="epoch on the target task",
              ylabel="test top-1 (%)",
              title=f"New task, {len(train.dataset)} training images")
    results = {name: {"train_top1": h.train[-1].top1, "test_top1": h.test[-1].top1,
                      "best_test_top1": max(s.top1 for s in h.test), "seconds": h.seconds}
               for name, h in histories.items()}
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\n{'method':<32} {'train top-1':>11} {'test top-1':>11} {'seconds':>8}")
    for name, r in results.items():
        print(f"{name:<32} {100 * r['train_top1']:>10.1f}% {100 * r['test_top1']:>10.1f}% "
              f"{r['seconds']:>8.1f}")
    print(f"(train top-1: running average over the last epoch's batches; seconds: on the "
          f"target task, not counting the {pretrain_seconds:.0f} s of pretraining)")
    print(f"\nwrote {args.out / 'test_accuracy.png'} and results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
