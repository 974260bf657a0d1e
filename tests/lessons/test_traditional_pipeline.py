"""Lesson: the traditional pipeline vs a CNN (examples/traditional_pipeline.py)."""
import json

import numpy as np
import pytest

from examples import traditional_pipeline as tp
from minigrad.data.fashion_subsets import fashion_mnist_available


def test_a_horizontal_ramp_votes_for_orientation_zero_only():
    ramp = np.tile(np.arange(12, dtype=np.float32), (12, 1))[None]   # brighter to the right
    votes = tp.orientation_votes(ramp)
    np.testing.assert_allclose(votes[..., 0], 1.0, atol=1e-6)         # |∇| = 1, angle 0
    np.testing.assert_allclose(votes[..., 1:], 0.0, atol=1e-6)


def test_cell_histograms_by_integral_image_equal_direct_sums():
    images = np.random.default_rng(0).random((2, 12, 12))
    direct = tp.orientation_votes(images).reshape(2, 3, 4, 3, 4, 8).sum(axis=(2, 4))
    np.testing.assert_allclose(tp.cell_histograms(images, cell=4, stride=4), direct, atol=1e-4)
    assert tp.cell_histograms(images, cell=4, stride=2).shape == (2, 5, 5, 8)


def test_descriptors_are_unit_length_or_zero():
    images = np.zeros((2, 28, 28))
    images[0, 8:20, 8:20] = 1.0
    d = tp.dense_descriptors(images)
    assert d.shape == (2, 11, 11, 32)
    norms = np.linalg.norm(d, axis=-1)
    assert np.all(np.isclose(norms, 1.0, atol=1e-5) | (norms == 0))
    assert np.all(norms[1] == 0) and d.max() <= 0.2 / 0.2   # a flat image has no gradients


def test_kmeans_finds_well_separated_clusters():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    points = np.concatenate([c + 0.1 * rng.standard_normal((50, 2)) for c in centres])
    found = tp.kmeans(points.astype(np.float32), 3, iterations=5, seed=0)
    assert np.sort(np.round(found).astype(int), axis=0).tolist() == \
        np.sort(centres.astype(int), axis=0).tolist()


def test_pyramid_histograms_count_every_descriptor_per_region():
    words = np.array([[[0, 1], [2, 3]]])                    # one 2×2 grid, one word per quadrant
    features = tp.pyramid_histograms(words, k=4)
    assert features.shape == (1, 20)
    np.testing.assert_allclose(features[0, :4], 0.5 * 0.25)         # level 0: uniform
    np.testing.assert_allclose(features[0, 4:].reshape(4, 4), 0.5 * np.eye(4))


@pytest.mark.skipif(not fashion_mnist_available(), reason="Fashion-MNIST is not installed")
def test_quick_run_compares_the_pipelines(tmp_path):
    assert tp.main(["--quick", "--out", str(tmp_path)]) == 0
    r = json.loads((tmp_path / "results.json").read_text())
    assert set(r["stage_seconds"]) == {"descriptors", "k-means codebook", "encoding",
                                       "softmax regression"}
    for method in r["methods"].values():
        assert 0.0 <= method["test_top1"] <= 1.0
    bow = next(m for name, m in r["methods"].items() if name.startswith("descriptors"))
    assert bow["test_top1"] > 0.3                            # 10 classes: chance is 0.1
    assert (tmp_path / "pipeline.png").stat().st_size > 10_000
