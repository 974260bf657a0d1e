"""Lesson: weight initialisation (examples/initialization.py)."""
import pytest

import minigrad as mg
from examples import initialization as lesson

try:
    mg.data.datasets.FashionMNIST(train=False)
    HAVE_DATA = True
except FileNotFoundError:
    HAVE_DATA = False


@pytest.mark.skipif(not HAVE_DATA, reason="Fashion-MNIST is not installed")
def test_quick_run_writes_tables_and_plots(tmp_path, capsys):
    assert lesson.main(["--quick", "--out", str(tmp_path)]) == 0
    for name in ("std_all", "std_across_examples", "loss"):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000
    out = capsys.readouterr().out
    assert "Training loss" in out and "smoke test" in out
    assert "lecture U(±1/√n)" in out and "Why AlexNet trained" in out


def layer_stds(init_name, depth=12):
    mg.manual_seed(0)
    model = lesson.INITS[init_name](lesson.relu_mlp(depth, 64))
    rows = lesson.pre_activation_stats(model, mg.randn(128, 1, 28, 28))
    return ([r.activation.std for r in rows], [lesson.std_across_examples(r) for r in rows])


def test_kaiming_keeps_the_scale_xavier_halves_it_every_two_layers():
    kaiming, _ = layer_stds("Kaiming N(0, 2/n)")
    xavier, _ = layer_stds("Glorot U(±√(6/(n_in+n_out)))")
    lecture, _ = layer_stds("lecture U(±1/√n)")
    assert 0.3 < kaiming[-2] / kaiming[0] < 3
    assert xavier[-2] / xavier[0] < 0.1      # (1/√2) per layer over 10 layers: ≈ 0.03
    assert lecture[-2] / lecture[0] < 1e-3   # (1/√6) per layer over 10 layers: ≈ 1e-4


def test_small_weights_lose_the_signal_even_with_bias_one():
    small, _ = layer_stds("N(0,0.01²), bias 0")
    assert small[-2] < 1e-8
    alexnet_all, alexnet_examples = layer_stds("AlexNet N(0,0.01²), bias 1")
    assert alexnet_all[-2] > 1e-2             # the bias keeps the values alive ...
    assert alexnet_examples[-2] < 1e-6        # ... but every example looks the same


def test_window_means():
    assert lesson.window_means([1, 2, 3, 4, 5], 2) == [1.5, 3.5, 5.0]


def test_lecture_uniform_init_has_variance_one_third_over_fan_in():
    mg.manual_seed(0)
    model = lesson.init_lecture_uniform_(lesson.relu_mlp(3, 400))
    weight = model[3].weight.numpy()
    assert abs(weight).max() <= 1 / 400 ** 0.5
    assert weight.var() == pytest.approx(1 / (3 * 400), rel=0.02)
    assert not model[3].bias.numpy().any()


def test_alexnet_fan_ins_give_larger_factors_than_the_mlp():
    rows = lesson.alexnet_gain_table()
    assert [n for _, n, _ in rows] == [363, 1200, 2304, 1728, 1728, 9216, 4096, 4096]
    assert all(gain == pytest.approx(0.5 * n * 1e-4) for _, n, gain in rows)
