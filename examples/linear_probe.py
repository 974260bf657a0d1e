"""Linear probe: features from a (pre)trained network, extracted once, and a linear classifier.

    python examples/train.py --out runs/fm                     # pretrain (or any weights)
    python examples/linear_probe.py --weights runs/fm/model.safetensors --train-images 1000

The lecture's advice for small data sets (< 10 K images): use pretrained features.
The script runs every training image through the network once, keeps what enters
the classifier head (or ``--layer``), and trains only a ``Linear`` layer on those
vectors — seconds instead of a full training run. It does the same with the
features of a randomly initialised network of the same architecture, to show
what the pretrained features add.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import layers as nn  # noqa: E402
import minigrad as mg  # noqa: E402
import minigrad.functional as F  # noqa: E402
from minigrad.training import train_cli as train  # noqa: E402
from layers.features import extract_features  # noqa: E402
from layers.models import load_weights  # noqa: E402
from minigrad import optim  # noqa: E402
from minigrad.data import DataLoader, Subset  # noqa: E402


def fit_linear(features: np.ndarray, labels: np.ndarray, num_classes: int, epochs: int,
               seed: int) -> nn.Linear:
    """Softmax regression on fixed features: Adam on mini-batches of 256, standardised inputs."""
    mg.manual_seed(seed)
    probe = nn.Linear(features.shape[1], num_classes)
    opt = optim.Adam(probe.parameters(), lr=1e-2, weight_decay=1e-4)
    x_all, y_all = mg.tensor(features), mg.tensor(labels)
    order_rng = np.random.default_rng(seed)
    for _ in range(epochs):
        for batch in np.array_split(order_rng.permutation(len(labels)),
                                    max(1, len(labels) // 256)):
            loss = F.cross_entropy(probe(x_all[batch]), y_all[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return probe


def probe_accuracy(model: nn.Module, train_loader: DataLoader, test_loader: DataLoader,
                   layer: str | None, num_classes: int, epochs: int, seed: int) -> dict:
    start = time.perf_counter()
    train_x, train_y = extract_features(model, train_loader, layer)
    test_x, test_y = extract_features(model, test_loader, layer)
    extracted = time.perf_counter() - start
    mean, std = train_x.mean(axis=0), train_x.std(axis=0) + 1e-6  # standardise each feature
    start = time.perf_counter()
    probe = fit_linear((train_x - mean) / std, train_y, num_classes, epochs, seed)
    with mg.no_grad():
        logits = probe(mg.tensor((test_x - mean) / std))
    (top1,) = mg.metrics.accuracy(logits, test_y)
    return {"dim": train_x.shape[1], "extract_s": extracted,
            "fit_s": time.perf_counter() - start, "top1": top1}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default=None, help="trained weights (.safetensors/.npz)")
    p.add_argument("--model", default="small_cnn")
    p.add_argument("--data", default="fashion-mnist")
    p.add_argument("--layer", default=None, help="module whose input is the feature "
                                                 "(default: the classifier head)")
    p.add_argument("--train-images", type=int, default=1000)
    p.add_argument("--test-images", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="200 / 500 images, 20 epochs")
    args = p.parse_args(argv)
    if args.quick:
        args.train_images, args.test_images, args.epochs = 200, 500, 20

    settings = train.parse_args(["--data", args.data, "--model", args.model, "--no-augment"])
    try:
        train_set, test_set, in_channels = train.build_datasets(settings)
    except (FileNotFoundError, train.UsageError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    num_classes = len(train_set.classes)
    chosen = np.random.default_rng(args.seed).permutation(len(train_set))[:args.train_images]
    train_loader = DataLoader(Subset(train_set, chosen.tolist()), 500, num_workers=2)
    test_loader = DataLoader(Subset(test_set, list(range(min(args.test_images,
                                                             len(test_set))))), 500,
                             num_workers=2)

    rows = []
    for source in (["pretrained"] if args.weights else []) + ["random init"]:
        mg.manual_seed(args.seed)
        model = train.build_model(settings, num_classes, in_channels)
        if source == "pretrained":
            load_weights(model, args.weights)
        rows.append((source, probe_accuracy(model, train_loader, test_loader, args.layer,
                                            num_classes, args.epochs, args.seed)))
    print(f"linear probe on {args.model} features, {len(chosen)} training images, "
          f"{len(test_loader.dataset)} test images")
    print(f"{'features from':<14}{'dim':>6}{'extract s':>11}{'fit s':>8}{'test top-1':>12}")
    for source, r in rows:
        print(f"{source:<14}{r['dim']:>6}{r['extract_s']:>11.1f}{r['fit_s']:>8.1f}"
              f"{100 * r['top1']:>11.2f}%")
    if not args.weights:
        print("(no --weights given: pass the model.safetensors of a training run to compare "
              "pretrained features with random ones)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
