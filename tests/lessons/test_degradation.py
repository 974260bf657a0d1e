"""Lesson: degradation and residual learning (examples/degradation.py)."""
import json

import numpy as np
import pytest

import minigrad as mg
from examples import degradation
from layers import Conv2d, Linear
from minigrad.data.fashion_subsets import fashion_mnist_available


def count_weighted_layers(model):
    return sum(isinstance(m, (Conv2d, Linear)) for m in model.modules())


@pytest.mark.parametrize("depth", [8, 14, 20])
def test_plain_and_residual_twins_have_the_same_weights(depth):
    plain = degradation.cifar_style_net(depth, residual=False, width=4)
    residual = degradation.cifar_style_net(depth, residual=True, width=4)
    assert count_weighted_layers(plain) == count_weighted_layers(residual) == depth
    shapes = [p.shape for p in plain.parameters()]
    assert shapes == [p.shape for p in residual.parameters()]   # option A adds no parameters


def test_a_residual_block_with_a_silent_branch_passes_its_input_through():
    mg.manual_seed(0)
    block = degradation.Block(4, 8, stride=2, residual=True).eval()
    block.bn2.weight.data[...] = 0.0         # F(x) = bn2(...) = 0: only the shortcut is left
    block.bn2.bias.data[...] = 0.0
    x = mg.tensor(np.random.default_rng(0).random((2, 4, 6, 6), dtype=np.float32))
    y = block(x).numpy()
    assert y.shape == (2, 8, 3, 3)
    np.testing.assert_allclose(y[:, :4], x.numpy()[:, :, ::2, ::2])  # subsampled identity
    np.testing.assert_array_equal(y[:, 4:], 0.0)                     # zero-padded channels


def test_depth_must_be_6n_plus_2():
    with pytest.raises(ValueError, match="6n \\+ 2"):
        degradation.cifar_style_net(10, residual=True)


@pytest.mark.skipif(not fashion_mnist_available(), reason="Fashion-MNIST is not installed")
def test_quick_run_trains_four_networks_and_draws_the_curves(tmp_path):
    assert degradation.main(["--quick", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert set(results) == {"plain-8", "plain-14", "residual-8", "residual-14"}
    for r in results.values():
        assert np.isfinite(r["train_loss"]) and 0 <= r["test_top1"] <= 1
    assert (tmp_path / "training_loss.png").stat().st_size > 10_000
