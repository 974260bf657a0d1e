"""Train a CNN with minigrad: Fashion-MNIST by default, or an ImageNet-layout folder.

The training command line, started in any of three ways (same options, same behaviour)::

    minigrad-train                                            # small CNN on Fashion-MNIST
    python -m minigrad.training --model resnet18 --data imagefolder:~/imagenette2-160 \
        --image-size 64 --epochs 10 --augment
    python examples/train.py --out runs/fm --resume           # from a checkout
    mpiexec -n 2 minigrad-train --distributed                 # 2 ranks: distributed_run

Every epoch it writes OUT/checkpoint.safetensors atomically (model, optimizer, scheduler,
epoch, RNG and loader state, the run's options), then evaluates top-1/top-5 on the test
split, appends a row to OUT/metrics.csv and redraws OUT/curves.png, so ``--resume``
continues to exactly the weights an uninterrupted run reaches.

Stopping: the first Ctrl-C lets the current batch finish, saves a checkpoint and exits
with status 130; a second Ctrl-C aborts at once without writing anything. Ctrl-C during
evaluation or plotting exits at once: the epoch's training state is already saved and
``--resume`` evaluates it first. After ``kill -9`` or a power cut, ``--resume`` continues
from the last checkpoint. However the run stopped, the resumed run ends bit-identical to
an uninterrupted one. ``--resume`` refuses options that would change the run (model,
optimizer, batch size, data, schedule...) and allows the others (``--workers``,
``--device``, more ``--epochs`` with ``--schedule step`` or ``none``).

One process writes to an output folder at a time (OUT/run.lock). Exit status: 0 done (or
stopped by ``--stop-after``), 1 a write failed (disk full: one ``error:`` line, the
previous checkpoint intact), 2 a usage error (one ``error:`` line), 130 Ctrl-C.

It builds zoo models, so it imports ``layers``; ``import minigrad.training`` does not
import this module (the rest of the package works with any Module-like model).
"""
from __future__ import annotations

import argparse
import errno
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

import layers as nn
from layers import models

from .. import optim
from ..backend import cuda_is_available, normalize_device
from ..data import Subset, datasets
from ..data import transforms as T
from ..data.fashion_subsets import FASHION_MNIST_MEAN, FASHION_MNIST_STD
from ..random import manual_seed
from ..serialization import read_arrays, save
from .checkpoint import read_checkpoint, restore_checkpoint, save_checkpoint
from .distributed_run import OneProcess, add_distributed_options, exit_status, start_world
from .interrupts import InterruptGuard
from .loop import EpochStats, RunningStats, train_one_epoch
from .metrics_log import MetricsLog, plot_curves
from .option_types import (non_negative_float, non_negative_int, number_type, positive_float,
                           positive_int)
from .run_lock import RunLock, RunLocked

CHECKPOINT = "checkpoint.safetensors"
# The columns of OUT/metrics.csv, one row per epoch (Run.finish_epoch writes them).
METRICS_COLUMNS = ("epoch", "lr", "train_loss", "train_top1", "test_loss", "test_top1",
                   "test_top5", "seconds", "images_per_second")
# Options that define a run: --resume refuses to change them (the checkpoint stores them).
RUN_OPTIONS = ("model", "data", "optimizer", "lr", "weight_decay", "batch_size", "limit",
               "schedule", "seed", "augment", "image_size", "freeze_backbone",
               "train_images", "classes")
# Run options that the data decides rather than the command line, and how to name them.
DERIVED_OPTIONS = {"train_images": "training images", "classes": "classes"}
# Schedules whose shape does not depend on --epochs, so a resumed run may train longer.
EXTENSIBLE_SCHEDULES = ("step", "none")
WRITE_FAILURES = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
MAX_IMAGE_SIZE = 4096   # a crop of 4096² RGB floats is 200 MB per image already
MAX_WORKERS = 256       # loader threads; more only exhausts the process's thread limit


class UsageError(Exception):
    """A problem with the command line or the files it names (printed without a traceback)."""


class StopTraining(Exception):
    """Ctrl-C or ``--stop-after`` at a batch boundary: save a checkpoint and stop.
    ``epoch``, ``batch``: where the saved checkpoint resumes."""

    def __init__(self, epoch: int = 0, batch: int = 0) -> None:
        super().__init__(epoch, batch)
        self.epoch, self.batch = epoch, batch


class Interrupted(Exception):
    """The run stopped on Ctrl-C; the message says what was saved (exit status 130)."""


class _Parser(argparse.ArgumentParser):
    """argparse, with errors raised as :class:`UsageError` (one ``error:`` line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)




def device_option(text: str) -> str:
    """An argparse type: a device string (``cpu``, ``cuda``, ``cuda:N``), normalised."""
    try:
        return normalize_device(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def parse_args(argv: list[str] | None, prog: str | None = None) -> argparse.Namespace:
    """The command line's options (``argv=None``: ``sys.argv[1:]``); ``prog`` names the
    command in ``--help`` (default: the script's file name). Bad values raise UsageError."""
    return build_parser(prog).parse_args(argv)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser (errors raise :class:`UsageError`)."""
    p = _Parser(prog=prog, description=__doc__.splitlines()[0],
                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="small_cnn",
                   help=f"a zoo model: {', '.join(models.list_models())}")
    p.add_argument("--data", default="fashion-mnist",
                   help="fashion-mnist | imagefolder:PATH (PATH/train, PATH/val) | "
                        "tiny-imagenet:PATH")
    p.add_argument("--data-root", default=None, help="where to look for Fashion-MNIST first")
    p.add_argument("--download", action="store_true", help="download Fashion-MNIST if missing")
    p.add_argument("--image-size", type=number_type(int, 8, False, MAX_IMAGE_SIZE), default=64,
                   help=f"crop size for folder datasets (8 to {MAX_IMAGE_SIZE})")
    p.add_argument("--cache", default=None, help="folder for a decoded-image cache (folders)")
    p.add_argument("--epochs", type=positive_int, default=6)
    p.add_argument("--batch-size", type=positive_int, default=128)
    p.add_argument("--lr", type=positive_float, default=None,
                   help="peak learning rate (default: 0.2 for sgd, 3e-3 for adam/adamw)")
    p.add_argument("--optimizer", choices=("sgd", "adam", "adamw"), default="sgd")
    p.add_argument("--weight-decay", type=non_negative_float, default=None)
    p.add_argument("--schedule", choices=("onecycle", "cosine", "step", "none"),
                   default="onecycle")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=True,
                   help="random crop + flip (+ colour jitter for RGB folders)")
    p.add_argument("--device", type=device_option, default="cpu", help="cpu | cuda | cuda:N")
    p.add_argument("--out", default=None, help="output folder (default runs/<data>-<model>)")
    p.add_argument("--resume", action="store_true", help="continue from OUT/" + CHECKPOINT)
    p.add_argument("--pretrained", default=None, help="weights (.safetensors/.npz) to start from")
    p.add_argument("--freeze-backbone", action="store_true",
                   help="train only the classifier head (a linear probe)")
    p.add_argument("--seed", type=non_negative_int, default=0)
    p.add_argument("--limit", type=positive_int, default=None, help="use only N training images")
    p.add_argument("--stop-after", type=positive_int, default=None, metavar="N",
                   help="stop after N training batches in total, saving a checkpoint to "
                        "--resume from (as Ctrl-C does)")
    p.add_argument("--workers", type=number_type(int, 0, False, MAX_WORKERS), default=2,
                   help=f"data-loading threads (at most {MAX_WORKERS})")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_distributed_options(p)
    return p


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


def build_scheduler(args: argparse.Namespace, optimizer: Any, steps_per_epoch: int,
                    step_size: int) -> tuple[Any, bool]:
    """The LR schedule and whether it steps per batch (True) or per epoch (False);
    ``step_size``: epochs between the decays of ``--schedule step``."""
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
        return sched.StepLR(optimizer, step_size=step_size), False
    return None, False


# ---- the run ---------------------------------------------------------------------------
def output_path(args: argparse.Namespace) -> Path:
    """The output folder's path: ``--out``, or ``runs/<data>-<model>``."""
    return Path(args.out or f"runs/{args.data.split(':')[0]}-{args.model}")


def output_folder(args: argparse.Namespace) -> Path:
    """The output folder (created); ``--resume`` needs one that holds a checkpoint."""
    out = output_path(args)
    if args.resume and not (out / CHECKPOINT).exists():
        raise UsageError(f"--resume: there is no {out / CHECKPOINT} to resume from")
    out.mkdir(parents=True, exist_ok=True)
    return out


def run_options(args: argparse.Namespace, train_images: int, classes: int) -> dict[str, Any]:
    """The options that define the run (stored in every checkpoint), plus ``epochs``."""
    options = {name: getattr(args, name, None) for name in RUN_OPTIONS}
    options.update(train_images=train_images, classes=classes, epochs=args.epochs,
                   image_size=None if args.data.startswith("fashion-mnist") else args.image_size)
    return options


def describe_change(name: str, saved: Any, current: Any) -> str:
    """One changed run option for :func:`check_resume_options`'s message."""
    def shown(value: Any) -> Any:
        return "the default" if value is None else value
    if name in DERIVED_OPTIONS:  # not options themselves: what the data gives
        return f"{DERIVED_OPTIONS[name]} {shown(current)} (the run has {shown(saved)})"
    return f"--{name.replace('_', '-')} {shown(current)} (the run has {shown(saved)})"


def check_resume_options(saved: dict[str, Any], current: dict[str, Any], done_epochs: int,
                         path: Path) -> None:
    """Refuse a ``--resume`` whose options cannot continue the saved run (UsageError)."""
    changed = [describe_change(name, saved.get(name), current[name])
               for name in RUN_OPTIONS if saved.get(name) != current[name]]
    if changed:
        raise UsageError(f"cannot resume {path} with other options: {'; '.join(changed)}. "
                         f"Resume with the run's options, or start a new run in another --out")
    if current["epochs"] != saved["epochs"] and saved["schedule"] not in EXTENSIBLE_SCHEDULES:
        raise UsageError(f"cannot resume {path} with --epochs {current['epochs']}: its "
                         f"{saved['schedule']} schedule was built for {saved['epochs']} epochs "
                         f"(resume with --epochs {saved['epochs']}; --schedule step and none "
                         f"can be extended)")
    if current["epochs"] < done_epochs:
        raise UsageError(f"cannot resume {path} with --epochs {current['epochs']}: it has "
                         f"already trained {done_epochs} epochs")


def progress_bar(args: argparse.Namespace, total: int, epoch: int, initial: int) -> Any:
    """A tqdm bar over one epoch's ``total`` batches, starting at ``initial`` (a resumed
    epoch); None with ``--no-progress``."""
    if args.no_progress:
        return None
    from tqdm import tqdm  # tqdm is optional: imported where used
    return tqdm(total=total, initial=initial, desc=f"epoch {epoch + 1}/{args.epochs}",
                unit="batch", leave=False, dynamic_ncols=True)


class Run:
    """One training run: the objects it trains and the files it writes in ``out``."""

    def __init__(self, args: argparse.Namespace, out: Path, guard: InterruptGuard,
                 world: OneProcess | None = None) -> None:
        self.args, self.out, self.guard = args, out, guard
        self.world = world if world is not None else OneProcess()  # ranks: distributed_run
        self.checkpoint = out / CHECKPOINT
        device = self.world.device(args.device)
        if device.startswith("cuda") and not cuda_is_available():
            raise UsageError(f"--device {args.device}: no usable GPU (CuPy with CUDA is "
                             f"needed); use --device cpu")
        manual_seed(args.seed)
        train_set, test_set, in_channels = build_datasets(args)
        self.num_classes = len(train_set.classes)
        self.train_set = limited(train_set, args.limit)
        self.test_set = limited(test_set, None if args.limit is None else max(args.limit // 4, 100))
        if len(self.train_set) < args.batch_size:
            raise UsageError(f"--batch-size {args.batch_size} is larger than the "
                             f"{len(self.train_set)} training images: not one full batch")
        self.options = run_options(args, len(self.train_set), self.num_classes)
        saved = None
        if args.resume:
            try:
                saved = self.world.from_main(read_checkpoint, self.checkpoint)
            except ValueError as e:
                raise UsageError(f"cannot resume from {self.checkpoint}: {e}") from None
        step_size = max(1, args.epochs // 3)
        if saved is not None:
            stored = saved["extra"].get("options")
            if stored is None:
                print(f"note: {self.checkpoint} does not record its options; they are not "
                      f"checked")
            else:
                check_resume_options(stored, self.options, saved["epoch"], self.checkpoint)
                step_size = stored.get("step_size", step_size)
        self.options["step_size"] = step_size

        self.model = build_model(args, self.num_classes, in_channels)
        if args.pretrained and saved is None:
            load_pretrained(self.model, args.pretrained)
        self.model.to(device)
        self.optimizer = build_optimizer(args, trainable_parameters(self.model,
                                                                    args.freeze_backbone))
        self.net = self.world.wrap(self.model, args.seed)  # what trains: DDP on several ranks
        try:
            self.train_loader = self.world.train_loader(self.train_set, args.batch_size,
                                                        seed=args.seed, device=device,
                                                        num_workers=args.workers)
        except ValueError as e:
            raise UsageError(str(e)) from None
        self.test_loader = self.world.test_loader(self.test_set, num_workers=args.workers,
                                                  device=device)
        self.scheduler, self.per_batch = build_scheduler(args, self.optimizer,
                                                         len(self.train_loader), step_size)
        self.start_epoch = self.skip = 0
        self.running_state: dict[str, Any] | None = None
        self.last_epoch_stats: dict[str, Any] | None = None
        if saved is not None:
            try:
                restore_checkpoint(saved, self.model, self.optimizer, self.scheduler,
                                   self.train_loader)
                self.running_state = self.world.resume_rank(saved["extra"])
            except ValueError as e:
                raise UsageError(f"cannot resume from {self.checkpoint}: {e}") from None
            self.start_epoch, self.skip = saved["epoch"], saved["batch"]
            self.last_epoch_stats = saved["extra"].get("last_epoch_stats")
            print(f"resuming {out} at epoch {self.start_epoch + 1}, batch {self.skip}")
        try:
            self.log = self.world.from_main(MetricsLog, out / "metrics.csv",
                                            keep_epochs=self.start_epoch, columns=METRICS_COLUMNS)
        except ValueError as e:
            raise UsageError(str(e)) from None
        params = sum(p.numel() for p in self.model.parameters())
        print(f"{args.model}: {params:,} parameters; {len(self.train_set):,} training / "
              f"{len(self.test_set):,} test images; {self.num_classes} classes; device {device}")

    def save(self, epoch: int, batch: int, running: RunningStats | None) -> None:
        """Write the checkpoint: resume at ``epoch``, after ``batch`` of its batches."""
        ranks = self.world.rank_states(running)  # every rank's RNG and statistics (or None)
        if not self.world.is_main:
            return
        save_checkpoint(self.checkpoint, self.model, self.optimizer, self.scheduler,
                        self.train_loader, epoch=epoch, batch=batch,
                        extra={"options": self.options,
                               "running": running.state_dict() if running else None,
                               "last_epoch_stats": self.last_epoch_stats, "ranks": ranks})

    def train_epoch(self, epoch: int) -> EpochStats:
        """Train epoch ``epoch`` (0-based) to its end and save; StopTraining (after saving)
        on Ctrl-C or ``--stop-after``."""
        args, batches = self.args, len(self.train_loader)
        running = RunningStats()
        if self.skip and self.running_state is not None:
            running.load_state_dict(self.running_state)
        bar = progress_bar(args, batches, epoch, self.skip)
        done = {"batches": self.skip}

        def show(stats: EpochStats) -> None:
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{stats.loss:.3f}", acc=f"{100 * stats.top1:.1f}%",
                                img_s=f"{stats.images_per_second:.0f}")

        def batch_done(n: int) -> None:
            done["batches"] = n
            stop_after = args.stop_after is not None and epoch * batches + n >= args.stop_after
            if (self.guard.requested or stop_after) and n < batches:
                raise StopTraining  # an epoch's last batch goes on to the end-of-epoch save
        try:
            with self.guard.deferred():
                train = train_one_epoch(self.net, self.train_loader, self.optimizer,
                                        scheduler=self.scheduler if self.per_batch else None,
                                        progress=show, skip_batches=self.skip,
                                        on_batch_end=batch_done, running=running)
                train = self.world.total(train)
                if self.scheduler is not None and not self.per_batch:
                    self.scheduler.step()
                self.last_epoch_stats = vars(train)
                self.save(epoch + 1, 0, None)
        except StopTraining:
            with self.guard.deferred():
                self.train_loader.set_epoch(epoch)
                self.save(epoch, done["batches"], running)
            raise StopTraining(epoch, done["batches"]) from None
        finally:
            if bar is not None:
                bar.close()
        self.skip = 0
        if self.guard.requested or (args.stop_after is not None
                                    and (epoch + 1) * batches >= args.stop_after):
            raise StopTraining(epoch + 1, 0)
        return train

    def finish_epoch(self, epoch: int, train: EpochStats) -> EpochStats:
        """Evaluate after epoch ``epoch`` (0-based), log, plot and print; returns the test
        statistics. Runs after the epoch's checkpoint is saved."""
        test = self.world.evaluate(self.model, self.test_loader)
        if not self.world.is_main:
            return test
        self.log.append({"epoch": epoch + 1, "lr": f"{self.optimizer.param_groups[0]['lr']:.6g}",
                         "train_loss": f"{train.loss:.5f}", "train_top1": f"{train.top1:.5f}",
                         "test_loss": f"{test.loss:.5f}", "test_top1": f"{test.top1:.5f}",
                         "test_top5": f"{test.top5:.5f}", "seconds": f"{train.seconds:.1f}",
                         "images_per_second": f"{train.images_per_second:.1f}"})
        plot_curves(self.log.rows, self.out / "curves.png",
                    title=f"{self.args.model} on {self.args.data}")
        print(f"epoch {epoch + 1}/{self.args.epochs}: train loss {train.loss:.4f} top-1 "
              f"{100 * train.top1:.2f}% | test loss {test.loss:.4f} top-1 {100 * test.top1:.2f}%"
              f" top-5 {100 * test.top5:.2f}% | {train.seconds:.0f} s, "
              f"{train.images_per_second:.0f} img/s")
        return test

    def train(self) -> float:
        """Train the remaining epochs; returns the final test top-1 accuracy (NaN when
        ``--stop-after`` stopped the run)."""
        test = None
        if self.start_epoch not in self.log.epochs and self.last_epoch_stats is not None:
            # the last trained epoch was saved but stopped before its evaluation
            test = self._evaluating(self.start_epoch - 1, EpochStats(**self.last_epoch_stats))
        for epoch in range(self.start_epoch, self.args.epochs):
            try:
                train = self.train_epoch(epoch)
            except StopTraining as stop:
                where = f"at epoch {stop.epoch + 1}, batch {stop.batch}"
                if self.guard.requested:
                    raise Interrupted(f"interrupted: saved {self.checkpoint} {where}; "
                                      f"continue with --resume") from None
                print(f"stopped: saved {self.checkpoint} {where}; continue with --resume")
                return float("nan")
            test = self._evaluating(epoch, train)
        if test is None:
            test = self.world.evaluate(self.model, self.test_loader)
        if self.world.is_main:
            save(self.model.state_dict(), self.out / "model.safetensors")
        print(f"test accuracy: top-1 {100 * test.top1:.2f}%  top-5 {100 * test.top5:.2f}%  "
              f"(weights: {self.out / 'model.safetensors'}, log: {self.out / 'metrics.csv'})")
        return test.top1

    def _evaluating(self, epoch: int, train: EpochStats) -> EpochStats:
        """:meth:`finish_epoch`, where Ctrl-C stops at once (the state is already saved)."""
        try:
            return self.finish_epoch(epoch, train)
        except KeyboardInterrupt:
            raise Interrupted(f"interrupted during the evaluation of epoch {epoch + 1}: its "
                              f"training is saved in {self.checkpoint}; --resume evaluates "
                              f"it and continues") from None


def run(args: argparse.Namespace) -> float:
    """Train and evaluate; returns the final test top-1 accuracy."""
    try:
        world = start_world(args)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if not world.is_main:  # rank 0 alone touches the folder, and sends what it reads
        with world.interrupt_guard(None) as guard:
            return Run(args, output_path(args), guard, world).train()
    out = output_folder(args)
    lock = RunLock(out)
    try:  # acquired inside the try: a Ctrl-C right after taking the lock still releases it
        lock.acquire()
        if not args.resume and (out / CHECKPOINT).exists():
            raise UsageError(f"{out} already holds a run ({out / CHECKPOINT}); pass --resume "
                             f"to continue it, or choose another --out (nothing was overwritten)")
        with world.interrupt_guard(InterruptGuard()) as guard:
            return Run(args, out, guard, world).train()
    except RunLocked as e:
        raise UsageError(str(e)) from None
    finally:
        lock.release()  # a no-op unless this process holds the lock


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status:
    0 done (or stopped by ``--stop-after``), 1 a failed write (disk full), 2 a usage error
    (one ``error:`` line on stderr), 130 Ctrl-C (one line saying what was saved). With
    ``--distributed`` on several ranks, a failure on any rank ends every rank with its
    status instead of returning (see ``distributed_run``)."""
    return exit_status(run_command_line(argv, prog))


def run_command_line(argv: list[str] | None, prog: str | None) -> int:
    """:func:`main`'s work, returning its exit status."""
    start = time.perf_counter()
    try:
        run(parse_args(argv, prog))
    except (UsageError, FileNotFoundError) as e:  # FileNotFoundError: e.g. a missing dataset
        print(f"error: {e}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"\n{e}", flush=True)
        return 130
    except KeyboardInterrupt:
        print("\naborted by Ctrl-C: nothing more was written (the last checkpoint, if any, "
              "is intact)", flush=True)
        return 130
    except OSError as e:
        if e.errno not in WRITE_FAILURES:
            raise
        print(f"error: cannot write {e.filename or 'a file'}: {e.strerror}; the previous "
              f"checkpoint is intact", file=sys.stderr)
        return 1
    print(f"total time {time.perf_counter() - start:.0f} s")
    return 0
