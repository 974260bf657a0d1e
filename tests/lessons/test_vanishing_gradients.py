"""Lesson: vanishing and exploding gradients (examples/vanishing_gradients.py)."""
import math

import numpy as np
import pytest

import minigrad as mg
from examples import vanishing_gradients as lesson


def test_quick_run_writes_every_plot(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    for name in ("chain", "plain", "batchnorm", "residual", "residual_bn"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    assert "‖∂L/∂y_first‖ / ‖∂L/∂y_last‖" in capsys.readouterr().out


def test_chain_gradient_is_d_to_the_n_minus_1():
    assert lesson.chain_gradient(0.5, 10) == 0.5 ** 9
    assert lesson.chain_gradient(1.1, 50) == pytest.approx(1.1 ** 49, rel=1e-12)
    assert lesson.chain_gradient(0.5, 200, np.float32) == 0.0       # underflow
    assert math.isinf(lesson.chain_gradient(2.0, 200, np.float32))  # overflow


def first_last_ratio(activation, init_name, architecture):
    mg.manual_seed(0)
    x = mg.randn(32, 784)
    y = mg.tensor(np.arange(32) % 10)
    mg.manual_seed(1)
    model = lesson.INITS[init_name](lesson.deep_mlp(10, 32, activation, architecture))
    return lesson.first_last_ratio(lesson.gradients_at_init(model, x, y))


def test_plain_sigmoid_and_small_init_vanish_relu_kaiming_does_not():
    assert first_last_ratio("sigmoid", "Xavier", "plain") < 1e-3
    assert first_last_ratio("relu", "N(0,0.01²)", "plain") < 1e-6
    assert 0.2 < first_last_ratio("relu", "Kaiming", "plain") < 5


def test_batchnorm_and_residual_connections_keep_the_gradient():
    plain = first_last_ratio("sigmoid", "Xavier", "plain")
    for architecture in ("batchnorm", "residual+bn"):
        assert first_last_ratio("sigmoid", "Xavier", architecture) > 0.05 > 1e4 * plain
    assert first_last_ratio("relu", "N(0,0.01²)", "residual") > 1e-3
