"""examples/linear_probe.py on the weights of a short training run (skipped if Fashion-MNIST
is absent)."""
import pytest

import minigrad as mg
from examples import linear_probe
from minigrad.training import train_cli

try:
    mg.data.datasets.FashionMNIST(train=False)
except FileNotFoundError:
    pytest.skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)",
                allow_module_level=True)

QUICK = ["--limit", "512", "--batch-size", "64", "--no-progress", "--workers", "2"]


def test_linear_probe_example_compares_pretrained_and_random_features(tmp_path, capsys):
    assert train_cli.main(QUICK + ["--epochs", "2", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    assert linear_probe.main(["--quick", "--weights", str(tmp_path / "model.safetensors")]) == 0
    out = capsys.readouterr().out
    assert "pretrained" in out and "random init" in out
