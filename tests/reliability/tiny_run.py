"""The tiny training run of the reliability tests, and how to compare two runs' results:
every stopped-and-resumed run must reproduce the uninterrupted one bit for bit."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

ROOT = Path(__file__).resolve().parents[2]
# 4 batches of 16 per epoch, 2 epochs, 100 test images: about 4 s on one core. The
# default augmentation and one-cycle schedule stay on: resuming must restore the RNG,
# the loader's epoch and the per-batch schedule.
TINY_RUN = ["--limit", "64", "--batch-size", "16", "--epochs", "2", "--no-progress"]
# metrics.csv columns that depend on the clock, not on the computation
TIMING_COLUMNS = ("seconds", "images_per_second")


def fashion_mnist_installed() -> bool:
    try:
        mg.data.datasets.FashionMNIST(train=False)
    except FileNotFoundError:
        return False
    return True


needs_fashion_mnist = pytest.mark.skipif(
    not fashion_mnist_installed(),
    reason="Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")


def cli_command(*args: str) -> list[str]:
    """The training command line as a user types it: ``python -m minigrad.training ...``."""
    return [sys.executable, "-m", "minigrad.training", *args]


def run_result(out: Path) -> tuple[dict[str, np.ndarray], list[list[str]]]:
    """A finished run's final weights and its metrics rows without the timing columns."""
    weights = {k: np.asarray(v.numpy() if isinstance(v, mg.Tensor) else v)
               for k, v in mg.load(out / "model.safetensors").items()}
    lines = [line.split(",") for line in (out / "metrics.csv").read_text().splitlines()]
    keep = [i for i, name in enumerate(lines[0]) if name not in TIMING_COLUMNS]
    return weights, [[row[i] for i in keep] for row in lines]


def assert_same_run(out: Path, reference: Path) -> None:
    """``out`` ended with exactly the weights (every bit) and metrics of ``reference``."""
    (got, got_rows), (want, want_rows) = run_result(out), run_result(reference)
    assert got.keys() == want.keys()
    for key in want:
        assert got[key].dtype == want[key].dtype and got[key].shape == want[key].shape, key
        assert got[key].tobytes() == want[key].tobytes(), f"{out}: {key} differs"
    assert got_rows == want_rows, f"{out}: metrics.csv differs"
