"""Lesson: transfer learning (examples/transfer_learning.py)."""
import json

import numpy as np
import pytest

import minigrad as mg
from examples import transfer_learning as tl
from layers.models.small_cnn import small_cnn
from minigrad.data.fashion_subsets import fashion_mnist_available


def test_with_new_head_replaces_only_the_last_linear():
    mg.manual_seed(0)
    model = small_cnn(5, 1, 4)
    before = {k: v.copy() for k, v in model.state_dict().items()}
    tl.with_new_head(model, 3)
    after = model.state_dict()
    assert after["19.weight"].shape == (3, 128) and after["19.bias"].shape == (3,)
    for key in before:
        if not key.startswith("19."):
            np.testing.assert_array_equal(after[key], before[key])
    assert model(mg.zeros(2, 1, 28, 28)).shape == (2, 3)


@pytest.mark.skipif(not fashion_mnist_available(), reason="Fashion-MNIST is not installed")
def test_quick_run_compares_three_ways_to_learn_the_new_task(tmp_path):
    assert tl.main(["--quick", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    assert list(results) == list(tl.LEARNERS)
    for r in results.values():
        assert r["seeds"] == [0]                                       # --quick: one seed
        assert 0.0 <= r["test_top1"][0] <= r["best_test_top1"][0] <= 1.0
    assert max(r["best_test_top1"][0] for r in results.values()) > 0.4   # chance: 0.2
    assert (tmp_path / "test_accuracy.png").stat().st_size > 10_000


def test_fine_tuning_has_the_probes_architecture():
    mg.manual_seed(0)
    pretrained = small_cnn(5, 1, 4)
    model = tl.conv_trunk_with_head(pretrained, 3)
    linears = [m for m in model.modules() if isinstance(m, tl.Linear)]
    assert len(linears) == 1 and linears[0].weight.shape == (3, 8 * 49)   # one new head
    np.testing.assert_array_equal(model[0].weight.numpy(), pretrained[0].weight.numpy())
    assert model(mg.zeros(2, 1, 28, 28)).shape == (2, 3)
