"""Lesson: top-1 vs top-5 accuracy (examples/top5.py)."""
import json

import numpy as np
import pytest

from examples import top5
from minigrad.data.fashion_subsets import fashion_mnist_available


def test_top5_only_finds_the_images_rescued_by_top5():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet(np.ones(10), size=6)
    ranking = np.argsort(-probabilities, axis=1)
    labels = np.array([ranking[0, 0], ranking[1, 1], ranking[2, 4], ranking[3, 5],
                       ranking[4, 9], ranking[5, 2]])
    # image 0 is top-1 correct; 1, 2 and 5 are top-5 only; 3 and 4 are wrong even at top-5
    assert top5.top5_only(probabilities, labels).tolist() == [1, 2, 5]


@pytest.mark.skipif(not fashion_mnist_available(), reason="Fashion-MNIST is not installed")
def test_quick_run_reports_both_metrics_and_draws_the_guesses(tmp_path):
    assert top5.main(["--quick", "--out", str(tmp_path)]) == 0
    r = json.loads((tmp_path / "results.json").read_text())
    assert 0.3 < r["top1"] <= r["top5"] <= 1.0          # better than chance, top-5 >= top-1
    assert r["top5_only"] <= r["top1_mistakes"]
    assert r["top1_mistakes"] == round((1 - r["top1"]) * r["test_images"])
    assert (tmp_path / "top5_examples.png").stat().st_size > 10_000
