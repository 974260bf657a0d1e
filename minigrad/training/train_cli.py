"""Train a CNN with minigrad: Fashion-MNIST by default, or an ImageNet-layout folder.

The training command line, started in any of three ways (same options, same behaviour)::

    minigrad-train                                            # small CNN on Fashion-MNIST
    python -m minigrad.training --model resnet18 --data imagefolder:~/imagenette2-160 \
        --image-size 64 --epochs 10 --augment
    python examples/train.py --out runs/fm --resume           # from a checkout

Every epoch it evaluates top-1/top-5 on the test split, appends a row to
OUT/metrics.csv, redraws OUT/curves.png and writes OUT/checkpoint.safetensors
atomically (model, optimizer, scheduler, epoch, RNG and loader state), so
``--resume`` continues to exactly the weights an uninterrupted run reaches.
Ctrl-C saves a checkpoint mid-epoch and exits; ``--resume`` picks it up.

It builds zoo models, so it imports ``layers``; ``import minigrad.training`` does not
import this module (the rest of the package works with any Module-like model).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import layers as nn
from layers import models

from .. import optim
from ..backend import cuda_is_available, normalize_device
from ..data import DataLoader, Subset, datasets
from ..data import transforms as T
from ..data.fashion_subsets import FASHION_MNIST_MEAN, FASHION_MNIST_STD
from ..random import manual_seed
from ..serialization import read_arrays, save
from .checkpoint import load_checkpoint, save_checkpoint
from .loop import evaluate, train_one_epoch
from .metrics_log import MetricsLog, plot_curves

CHECKPOINT = "checkpoint.safetensors"


class UsageError(Exception):
    """A problem with the command line or the files it names (printed without a traceback)."""


class StopRequested(Exception):
    """``--stop-after`` reached: save a checkpoint and stop, as Ctrl-C does."""


def parse_args(argv: list[str] | None, prog: str | None = None) -> argparse.Namespace:
    """The command line's options (``argv=None``: ``sys.argv[1:]``); ``prog`` names the
    command in ``--help`` (default: the script's file name)."""
    p = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="small_cnn",
                   help=f"a zoo model: {', '.join(models.list_models())}")
    p.add_argument("--data", default="fashion-mnist",
                   help="fashion-mnist | imagefolder:PATH (PATH/train, PATH/val) | "
                        "tiny-imagenet:PATH")
    p.add_argument("--data-root", default=None, help="where to look for Fashion-MNIST first")
    p.add_argument("--download", action="store_true", help="download Fashion-MNIST if missing")
    p.add_argument("--image-size", type=int, default=64, help="crop size for folder datasets")
    p.add_argument("--cache", default=None, help="folder for a decoded-image cache (folders)")
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=None,
                   help="peak learning rate (default: 0.2 for sgd, 3e-3 for adam/adamw)")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="sgd")
    p.add_argument("--weight-decay", type=float, default=None)
    p.add_argument("--schedule", choices=("onecycle", "cosine", "step", "none"),
                   default="onecycle")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                   help="random crop + flip (+ colour jitter for RGB folders)")
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    p.add_argument("--out", default=None, help="output folder (default runs/<data>-<model>)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/" + CHECKPOINT)
    p.add_argument("--pretrained", default=None, help="weights (.safetensors/.npz) to start from")
    p.add_argument("--freeze-backbone", action="store_true",
                   help="train only the classifier head (a linear probe)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="use only N training images")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop after N training batches in total, saving a checkpoint to "
                        "--resume from (as Ctrl-C does)")
    p.add_argument("--workers", type=int, default=2, help="data-loading threads")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p.parse_args(argv)


# ---- data ------------------------------------------------------------------------------
def build_datasets(args: argparse.Namespace) -> tuple[Any, Any, int]:
    """Train and test datasets and the number of input channels."""
    kind, _, path = args.data.partition(":")
    if kind == "fashion-mnist":
        augment = [T.RandomCrop(28, padding=2), T.RandomHorizontalFlip()] if args.augment else []
        finish = [T.ToArray(), T.Normalize((FASHION_MNIST_MEAN,), (FASHION_MNIST_STD,))]
        train = datasets.FashionMNIST(args.data_root, train=True, download=args.download,
                                      transform=T.Compose(augment + finish))
        test = datasets.FashionMNIST(args.data_root, train=False, download=args.download,
                                     transform=T.Compose(finish))
        return train, test, 1
    if kind in ("imagefolder", "tiny-imagenet") and path:
        size = args.image_size
        finish = [T.ToArray(), T.Normalize(T.IMAGENET_MEAN, T.IMAGENET_STD)]
        train_tf = [T.RandomResizedCrop(size, scale=(0.35, 1.0)), T.RandomHorizontalFlip(),
                    T.ColorJitter(0.3, 0.3, 0.3)] if args.augment else \
            [T.Resize(size), T.CenterCrop(size)]
        test_tf = [T.Resize(int(size * 1.14)), T.CenterCrop(size)]
        cache = {"cache_dir": args.cache, "cache_short_side": int(size * 1.14)} \
            if args.cache else {}
        root = Path(path).expanduser()
        if kind == "imagefolder":
            train = datasets.ImageFolder(root / "train", T.Compose(train_tf + finish), **cache)
            test = datasets.ImageFolder(root / "val", T.Compose(test_tf + finish), **cache)
        else:
            train = datasets.TinyImageNet(root, "train", T.Compose(train_tf + finish), **cache)
            test = datasets.TinyImageNet(root, "val", T.Compose(test_tf + finish), **cache)
        return train, test, 3
    raise UsageError(f"--data {args.data!r}: expected fashion-mnist, imagefolder:PATH or "
                     f"tiny-imagenet:PATH")


def limited(dataset: Any, limit: int | None) -> Any:
    """The first ``limit`` items of ``dataset`` (all of it when limit is None)."""
    if limit is None or limit >= len(dataset):
        return dataset
    return Subset(dataset, list(range(limit)))


# ---- model and optimisation ----------------------------------------------------------
def build_model(args: argparse.Namespace, num_classes: int, in_channels: int) -> Any:
    """The zoo model ``--model`` for this many classes and input channels (the
    ``small_input`` variant for Fashion-MNIST and images of at most 64 pixels)."""
    if args.model not in models.list_models():
        raise UsageError(f"--model {args.model!r} is unknown; choose one of "
                         f"{', '.join(models.list_models())}")
    small = args.data.startswith("fashion-mnist") or args.image_size <= 64
    return models.get_model(args.model, num_classes=num_classes, in_channels=in_channels,
                            small_input=small)


def classifier_head(model: Any) -> tuple[str, Any]:
    """The last Linear layer (name, module): the part a new task replaces."""
    linears = [(name, m) for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise UsageError(f"{type(model).__name__} has no Linear classifier head")
    return linears[-1]


def load_pretrained(model: Any, path: str) -> None:
    """Load weights, except a classifier head whose shape differs (a new task)."""
    try:
        weights, _ = read_arrays(path)
    except (FileNotFoundError, ValueError) as e:
        raise UsageError(f"--pretrained: {e}") from None
    own = model.state_dict()
    head, _ = classifier_head(model)
    replaced = [k for k in weights if k.startswith(head + ".") and k in own
                and weights[k].shape != own[k].shape]
    for k in replaced:
        del weights[k]
    try:
        missing, unexpected = model.load_state_dict(weights, strict=False)
    except (RuntimeError, ValueError) as e:
        raise UsageError(f"--pretrained {path} does not fit this model: {e}") from None
    if unexpected or [k for k in missing if not k.startswith(head + ".")]:
        raise UsageError(f"--pretrained {path} does not fit this model: missing keys "
                         f"{missing[:5]}..., unexpected keys {unexpected[:5]}...")
    print(f"loaded pretrained weights from {path}"
          + (f"; new head {head} ({len(replaced)} tensors re-initialised)" if replaced else ""))


def trainable_parameters(model: Any, freeze_backbone: bool) -> list[Any]:
    """All parameters, or only the head's (the backbone frozen: requires_grad False)."""
    if not freeze_backbone:
        return list(model.parameters())
    _, head = classifier_head(model)
    model.requires_grad_(False)
    head.requires_grad_(True)
    return list(head.parameters())


def build_optimizer(args: argparse.Namespace, params: list[Any]) -> Any:
    """``--optimizer`` over ``params``: SGD with Nesterov momentum 0.9, Adam or AdamW, with
    their default learning rate and weight decay unless ``--lr`` / ``--weight-decay`` say."""
    if args.optimizer == "sgd":
        lr = args.lr if args.lr is not None else 0.2
        wd = args.weight_decay if args.weight_decay is not None else 5e-4
        return optim.SGD(params, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
    lr = args.lr if args.lr is not None else 3e-3
    if args.optimizer == "adam":
        return optim.Adam(params, lr=lr, weight_decay=args.weight_decay or 0.0)
    wd = args.weight_decay if args.weight_decay is not None else 0.05
    return optim.AdamW(params, lr=lr, weight_decay=wd)


def build_scheduler(args: argparse.Namespace, optimizer: Any, steps_per_epoch: int
                    ) -> tuple[Any, bool]:
    """The LR schedule and whether it steps per batch (True) or per epoch (False)."""
    sched = optim.lr_scheduler
    total_steps = args.epochs * steps_per_epoch
    if args.schedule == "onecycle" and total_steps >= 4:
        lr = optimizer.param_groups[0]["lr"]
        # a warm-up of at least 2 steps: OneCycleLR divides by the warm-up length
        return sched.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps,
                                pct_start=max(0.25, 2 / total_steps)), True
    if args.schedule == "onecycle":
        print(f"only {total_steps} training steps: too few for a one-cycle schedule; "
              f"using a constant learning rate")
        return None, False
    if args.schedule == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=args.epochs), False
    if args.schedule == "step":
        return sched.StepLR(optimizer, step_size=max(1, args.epochs // 3)), False
    return None, False


# ---- the run ---------------------------------------------------------------------------
def prepare_output(args: argparse.Namespace) -> Path:
    """The output folder; refuses to overwrite an earlier run unless resuming it."""
    out = Path(args.out or f"runs/{args.data.split(':')[0]}-{args.model}")
    checkpoint = out / CHECKPOINT
    if args.resume and not checkpoint.exists():
        raise UsageError(f"--resume: there is no {checkpoint} to resume from")
    if not args.resume and checkpoint.exists():
        raise UsageError(f"{out} already holds a run ({checkpoint}); pass --resume to continue "
                         f"it, or choose another --out (nothing was overwritten)")
    out.mkdir(parents=True, exist_ok=True)
    return out


def progress_bar(args: argparse.Namespace, total: int, epoch: int, initial: int) -> Any:
    """A tqdm bar over one epoch's ``total`` batches, starting at ``initial`` (a resumed
    epoch); None with ``--no-progress``."""
    if args.no_progress:
        return None
    from tqdm import tqdm  # tqdm is optional: imported where used
    return tqdm(total=total, initial=initial, desc=f"epoch {epoch + 1}/{args.epochs}",
                unit="batch", leave=False, dynamic_ncols=True)


def run(args: argparse.Namespace) -> float:
    """Train and evaluate; returns the final test top-1 accuracy."""
    if args.device.startswith("cuda") and not cuda_is_available():
        raise UsageError(f"--device {args.device}: no usable GPU (CuPy with CUDA is needed); "
                         f"use --device cpu")
    device = normalize_device(args.device)
    manual_seed(args.seed)
    train_set, test_set, in_channels = build_datasets(args)
    num_classes = len(train_set.classes)
    train_set = limited(train_set, args.limit)
    test_set = limited(test_set, None if args.limit is None else max(args.limit // 4, 100))
    out = prepare_output(args)

    model = build_model(args, num_classes, in_channels)
    if args.pretrained:
        load_pretrained(model, args.pretrained)
    model.to(device)
    optimizer = build_optimizer(args, trainable_parameters(model, args.freeze_backbone))
    train_loader = DataLoader(train_set, args.batch_size, shuffle=True, drop_last=True,
                              num_workers=args.workers, seed=args.seed, device=device)
    test_loader = DataLoader(test_set, 500, num_workers=args.workers, device=device)
    scheduler, per_batch = build_scheduler(args, optimizer, len(train_loader))

    start_epoch = skip = 0
    if args.resume:
        try:
            state = load_checkpoint(out / CHECKPOINT, model, optimizer, scheduler, train_loader)
        except (RuntimeError, ValueError) as e:
            raise UsageError(f"cannot resume from {out / CHECKPOINT}: {e}") from None
        start_epoch, skip = state["epoch"], state["batch"]
        print(f"resuming {out} at epoch {start_epoch + 1}, batch {skip}")
    log = MetricsLog(out / "metrics.csv", keep_epochs=start_epoch)
    params = sum(p.numel() for p in model.parameters())
    print(f"{args.model}: {params:,} parameters; {len(train_set):,} training / "
          f"{len(test_set):,} test images; {num_classes} classes; device {device}")

    test = None
    batches_per_epoch = len(train_loader)
    for epoch in range(start_epoch, args.epochs):
        bar = progress_bar(args, batches_per_epoch, epoch, skip)
        done = {"batches": skip}

        def show(stats: Any, bar: Any = bar) -> None:
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{stats.loss:.3f}", acc=f"{100 * stats.top1:.1f}%",
                                img_s=f"{stats.images_per_second:.0f}")

        def batch_done(n: int, epoch: int = epoch) -> None:
            done["batches"] = n
            if args.stop_after is not None and epoch * batches_per_epoch + n >= args.stop_after:
                raise StopRequested
        try:
            train = train_one_epoch(model, train_loader, optimizer,
                                    scheduler=scheduler if per_batch else None, progress=show,
                                    skip_batches=skip, on_batch_end=batch_done)
        except (KeyboardInterrupt, StopRequested) as stop:
            train_loader.set_epoch(epoch)
            save_checkpoint(out / CHECKPOINT, model, optimizer, scheduler, train_loader,
                            epoch=epoch, batch=done["batches"])
            print(f"\n{'interrupted' if isinstance(stop, KeyboardInterrupt) else 'stopped'}: "
                  f"saved {out / CHECKPOINT} at epoch {epoch + 1}, batch {done['batches']}; "
                  f"continue with --resume")
            if isinstance(stop, KeyboardInterrupt):
                raise
            return float("nan")
        finally:
            if bar is not None:
                bar.close()
        skip = 0
        if scheduler is not None and not per_batch:
            scheduler.step()
        test = evaluate(model, test_loader)
        log.append({"epoch": epoch + 1, "lr": f"{optimizer.param_groups[0]['lr']:.6g}",
                    "train_loss": f"{train.loss:.5f}", "train_top1": f"{train.top1:.5f}",
                    "test_loss": f"{test.loss:.5f}", "test_top1": f"{test.top1:.5f}",
                    "test_top5": f"{test.top5:.5f}", "seconds": f"{train.seconds:.1f}",
                    "images_per_second": f"{train.images_per_second:.1f}"})
        plot_curves(log.rows, out / "curves.png", title=f"{args.model} on {args.data}")
        save_checkpoint(out / CHECKPOINT, model, optimizer, scheduler, train_loader,
                        epoch=epoch + 1, batch=0)
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {train.loss:.4f} top-1 "
              f"{100 * train.top1:.2f}% | test loss {test.loss:.4f} top-1 {100 * test.top1:.2f}%"
              f" top-5 {100 * test.top5:.2f}% | {train.seconds:.0f} s, "
              f"{train.images_per_second:.0f} img/s")
    if test is None:
        test = evaluate(model, test_loader)
    save(model.state_dict(), out / "model.safetensors")
    print(f"test accuracy: top-1 {100 * test.top1:.2f}%  top-5 {100 * test.top5:.2f}%  "
          f"(weights: {out / 'model.safetensors'}, log: {out / 'metrics.csv'})")
    return test.top1


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status:
    0 done (or stopped by ``--stop-after``), 2 a usage error (printed to stderr), 130 Ctrl-C."""
    args = parse_args(argv, prog)
    start = time.perf_counter()
    try:
        run(args)
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:  # e.g. a dataset that is not installed: says where it looked
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0

