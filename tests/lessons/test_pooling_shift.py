"""Lesson: shift invariance of max pooling (examples/pooling_shift.py)."""
import numpy as np
import pytest

import minigrad as mg
from examples import pooling_shift as lesson


def test_shift_right_moves_and_fills_with_zeros():
    images = np.arange(8.0).reshape(1, 1, 2, 4)
    np.testing.assert_array_equal(lesson.shift_right(images, 1)[0, 0], [[0, 0, 1, 2], [0, 4, 5, 6]])


def test_more_pooling_more_invariance():
    mg.manual_seed(0)
    images = lesson.lesson_images(10, seed=0)
    similarity = {name: lesson.similarity_by_shift(model, images, [0, 2])
                  for name, model in lesson.feature_extractors(4).items()}
    assert all(values[0] > 0.999 for values in similarity.values())           # shift 0
    order = [similarity[name][1] for name in ("no pooling", "one 2×2 max pool",
                                              "two 2×2 max pools", "global max pool")]
    assert order == sorted(order) and order[-1] > 0.98


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    assert "other image" in capsys.readouterr().out
    assert (tmp_path / "similarity.png").stat().st_size > 10_000


def test_rescale_maps_the_floor_to_zero_and_identity_to_one():
    assert lesson.rescale([1.0, 0.8, 0.6]) == pytest.approx([1.0, 0.5])
