"""Outside code as tests: PyTorch programs we did not write, ported by changing only their
imports and the dataset location (each file's header lists them), run in quick mode.

Each program runs in a subprocess (they are scripts: one trains at import time) on a small
Fashion-MNIST subset (``standin_datasets``), and the test reads what it prints: the loss must
fall (and, where the program learns fast enough, the accuracy beat chance, 10 %).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DATA = Path("/usr/share/datasets/fashion-mnist")

pytestmark = pytest.mark.skipif(not (DATA / "train-images-idx3-ubyte.gz").exists(),
                                reason=f"needs Fashion-MNIST in {DATA}")

# Seed minigrad's global generator (the quickstart tutorial seeds nothing), then run the
# program as ``python program.py args``.
LAUNCH = ("import runpy, sys, minigrad; minigrad.manual_seed(0); "
          "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')")


def run_program(name, *args, cwd):
    """Run tests/outside/``name`` in quick mode in ``cwd``; its stdout (it must exit 0)."""
    env = dict(os.environ, MINIGRAD_OUTSIDE_QUICK="1",
               PYTHONPATH=os.pathsep.join([str(REPO), str(HERE)]))
    done = subprocess.run([sys.executable, "-c", LAUNCH, str(HERE / name), *args], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def numbers(pattern, text):
    return [float(m) for m in re.findall(pattern, text)]


def test_pytorch_examples_mnist_main_trains(tmp_path):
    out = run_program("pytorch_mnist_main.py", "--epochs", "1", "--log-interval", "4",
                      "--test-batch-size", "500", cwd=tmp_path)
    losses = numbers(r"Loss: ([0-9.]+)", out)
    assert len(losses) == 5                       # 20 batches of 64, logged every 4
    assert losses[0] > 2.0 and losses[-1] < losses[0] - 0.5, out
    correct, total = map(int, re.search(r"Accuracy: (\d+)/(\d+)", out).groups())
    assert total == 500 and correct / total > 0.4, out


def test_pytorch_quickstart_tutorial_trains(tmp_path):
    out = run_program("pytorch_quickstart_tutorial.py", cwd=tmp_path)
    assert "Shape of X [N, C, H, W]: (64, 1, 28, 28)" in out
    # Plain SGD at lr=1e-3 learns slowly (PyTorch's own run is at 46 % after a full epoch of
    # 938 steps); in 100 steps the losses must fall at every epoch, test and train alike.
    test_losses = numbers(r"Avg loss: ([0-9.]+)", out)
    train_losses = numbers(r"loss: ([0-9.]+) +\[", out)
    accuracies = numbers(r"Accuracy: ([0-9.]+)%", out)
    assert len(test_losses) == len(train_losses) == len(accuracies) == 5, out
    for losses in test_losses, train_losses:
        assert all(a > b for a, b in zip(losses, losses[1:])), out
    assert test_losses[0] - test_losses[-1] > 0.005 and accuracies[-1] >= accuracies[0], out
    assert (tmp_path / "model.pth").exists() and 'Predicted: "' in out
