"""Lesson: first-layer filters as edge detectors (examples/edge_filters.py)."""
import numpy as np
import pytest

import minigrad as mg
from examples import edge_filters as lesson


@pytest.mark.parametrize("kernel", [3, 7, 11])
def test_every_template_scores_one_against_itself_up_to_sign_and_scale(kernel):
    bank = lesson.templates(kernel)
    assert len(bank) == 2 * lesson.ORIENTATIONS
    names = list(bank)
    filters = np.stack([-3.0 * bank[name] + 0.7 for name in names])   # flipped, scaled, shifted
    scores, best = lesson.edge_scores(filters)
    np.testing.assert_allclose(scores, 1.0, atol=1e-12)
    assert best == names


def test_a_vertical_step_is_named_a_vertical_edge():
    step = np.zeros((7, 7))
    step[:, 4:] = 1.0                                        # dark left half, bright right
    scores, best = lesson.edge_scores(step[None])
    assert best == ["edge 90°"] and scores[0] > 0.8


def test_random_filters_score_lower_when_they_have_more_weights():
    rng = np.random.default_rng(0)
    small, _ = lesson.edge_scores(rng.normal(size=(200, 3, 3)))
    large, _ = lesson.edge_scores(rng.normal(size=(200, 11, 11)))
    assert small.mean() > 0.4 > 0.25 > large.mean()


def test_the_first_conv_starts_small_like_alexnet():
    mg.manual_seed(0)
    weights = lesson.first_layer(lesson.edge_net(7))
    assert weights.shape == (16, 7, 7) and abs(weights.std() - 0.01) < 0.002


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    assert "smoke test" in capsys.readouterr().out
    assert "7×7" in (tmp_path / "output.txt").read_text()
    for kernel in (3, 7):
        for when in ("initial", "trained"):
            assert (tmp_path / f"filters_{kernel}x{kernel}_{when}.png").stat().st_size > 10_000
