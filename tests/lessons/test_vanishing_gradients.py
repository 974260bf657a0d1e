"""Lesson: vanishing and exploding gradients (examples/vanishing_gradients.py)."""
import math

import numpy as np
import pytest

import minigrad as mg
from examples import vanishing_gradients as lesson


def test_quick_run_writes_every_plot(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    for name in ("chain", "plain", "batchnorm", "residual", "residual_bn",
                 "residual_identity_path"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    out = capsys.readouterr().out
    assert "smoke test" in out
    for table in ("Gradient change per layer inside the net", "along the identity path",
                  "Does BN decorrelate?"):
        assert table in out


def test_chain_gradient_is_d_to_the_n_minus_1():
    assert lesson.chain_gradient(0.5, 10) == 0.5 ** 9
    assert lesson.chain_gradient(1.1, 50) == pytest.approx(1.1 ** 49, rel=1e-12)
    assert lesson.chain_gradient(0.5, 200, np.float32) == 0.0       # underflow
    assert math.isinf(lesson.chain_gradient(2.0, 200, np.float32))  # overflow


def profile(activation, init_name, architecture, depth=10):
    mg.manual_seed(0)
    x = mg.randn(32, 784)
    y = mg.tensor(np.arange(32) % 10)
    mg.manual_seed(1)
    model = lesson.INITS[init_name](lesson.deep_mlp(depth, 32, activation, architecture))
    return lesson.gradients_at_init(model, x, y)


def first_last_ratio(activation, init_name, architecture):
    return lesson.first_last_ratio(profile(activation, init_name, architecture)[0])


def test_plain_sigmoid_and_small_init_vanish_relu_kaiming_does_not():
    assert first_last_ratio("sigmoid", "Xavier", "plain") < 1e-3
    assert first_last_ratio("relu", "N(0,0.01²)", "plain") < 1e-6
    assert 0.2 < first_last_ratio("relu", "Kaiming", "plain") < 5


def test_batchnorm_and_residual_connections_keep_the_gradient():
    plain = first_last_ratio("sigmoid", "Xavier", "plain")
    for architecture in ("batchnorm", "residual+bn"):
        assert first_last_ratio("sigmoid", "Xavier", architecture) > 0.05 > 1e4 * plain
    assert first_last_ratio("relu", "N(0,0.01²)", "residual") > 1e-3


def test_interior_factor_is_the_per_layer_slope_without_first_and_last_layer():
    norms = [5.0] + [0.5 ** k for k in range(6)] + [100.0]
    assert lesson.interior_factor(norms) == pytest.approx(2.0)   # growing going back
    assert lesson.interior_factor([1.0, 0.0, 1.0, 1.0]) == 0.0        # underflow
    assert lesson.interior_spread([9.0, 1.0, 4.0, 2.0, 9.0]) == 4.0
    with pytest.raises(ValueError, match="at least 4 layers"):
        lesson.interior_factor([1.0, 2.0, 3.0])


def test_identity_path_gradient_varies_less_than_the_branch_gradient():
    linear_rows, block_rows = profile("relu", "Kaiming", "residual+bn", depth=16)
    assert len(block_rows) == 14
    branch = lesson.interior_spread(lesson.output_grad_norms(linear_rows))
    identity = lesson.interior_spread(lesson.output_grad_norms(block_rows))
    assert identity < branch


def test_batchnorm_keeps_the_correlations_between_units():
    mg.manual_seed(0)
    model = lesson.init.init_kaiming_(lesson.deep_mlp(8, 32, "relu", "batchnorm"))
    pairs = lesson.batchnorm_correlations(model, mg.randn(64, 784))
    assert len(pairs) == 6
    for before, after in pairs:
        assert after == pytest.approx(before, abs=1e-4) and after > 0.1


def test_mean_abs_correlation():
    x = np.random.default_rng(0).standard_normal((200, 1))
    assert lesson.mean_abs_correlation(np.hstack([x, 2 * x + 1, -x])) == pytest.approx(1.0)
