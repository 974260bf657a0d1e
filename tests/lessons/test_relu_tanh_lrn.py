"""Lesson: ReLU vs tanh training speed, and LRN (examples/relu_tanh_lrn.py)."""
import numpy as np

import minigrad as mg
from examples import relu_tanh_lrn as lesson


def test_iterations_to_reach_uses_the_running_mean_of_the_last_batches():
    errors = [1.0] * 30 + [0.0] * 30
    window = lesson.WINDOW
    # the mean of the last `window` batches is ≤ ½ once half of them are error-free
    assert lesson.iterations_to_reach(errors, 0.5) == 30 + window // 2
    assert lesson.iterations_to_reach(errors[:30], 0.5) is None


def test_every_variant_starts_from_the_same_weights():
    weights = []
    for variant in lesson.VARIANTS:
        mg.manual_seed(3)
        model = lesson.four_layer_cnn(variant)
        weights.append([p.numpy().copy() for p in model.parameters()])
    for other in weights[1:]:
        for a, b in zip(weights[0], other, strict=True):
            np.testing.assert_array_equal(a, b)


def test_lrn_ratio_is_one_for_small_activations_and_grows_for_large():
    mg.manual_seed(0)
    model = lesson.four_layer_cnn("ReLU + LRN")
    small = mg.tensor(np.random.default_rng(0).normal(size=(4, 1, 28, 28)).astype(np.float32))
    mean, _ = lesson.lrn_denominator_ratio(model, small)
    assert abs(mean - 1) < 0.01
    mean_large, high_large = lesson.lrn_denominator_ratio(model, small * 1000)
    assert mean_large > 1.5 and high_large > mean_large


def test_quick_run(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "smoke test" in out and "fastest learning rate" in out
    assert "LRN denominator" in (tmp_path / "output.txt").read_text()
    assert (tmp_path / "training_error.png").stat().st_size > 10_000


def test_matched_init_scales_the_same_draws_by_each_activations_gain():
    first_weights = {}
    for variant in ("tanh", "ReLU"):
        mg.manual_seed(5)
        first_weights[variant] = lesson.four_layer_cnn(variant, "matched")[0].weight.numpy()
    fan_in = 1 * 5 * 5
    assert abs(first_weights["ReLU"].std() * np.sqrt(fan_in) - np.sqrt(2)) < 0.25
    np.testing.assert_allclose(first_weights["ReLU"] / np.sqrt(2),
                               first_weights["tanh"] / (5 / 3), rtol=1e-5)
