"""minigrad.init: gains, fans, the fills' statistics and bounds, and the one-call schemes."""
import math

import numpy as np
import pytest

import layers as nn
import minigrad as mg
from minigrad import init

NONLINEARITIES = [("linear", None), ("conv2d", None), ("conv_transpose2d", None),
                  ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
                  ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)]


@pytest.mark.parametrize("nonlinearity, param", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-12)


def test_calculate_gain_rejects_unknown_names_and_bad_slopes():
    with pytest.raises(ValueError, match="Unsupported nonlinearity softplus"):
        init.calculate_gain("softplus")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans_of_linear_and_conv_weights():
    assert init._calculate_fan_in_and_fan_out(mg.empty(30, 20)) == (20, 30)
    assert init._calculate_fan_in_and_fan_out(mg.empty(64, 3, 5, 7)) == (3 * 35, 64 * 35)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.empty(5))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_normal_(mg.empty(3, 3), mode="fan_sideways")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fills_are_in_place_and_keep_dtype_and_device(dtype, device):
    t = mg.zeros(400, 500, dtype=dtype, device=device)
    array = t.data
    mg.manual_seed(0)
    assert init.uniform_(t, -2.0, 3.0) is t
    assert t.data is array and t.dtype == dtype and t.device == mg.tensor(0.0, device=device).device
    values = t.numpy()
    assert values.min() >= -2.0 and values.max() <= 3.0
    assert values.mean() == pytest.approx(0.5, abs=0.02)
    assert values.std() == pytest.approx(5 / math.sqrt(12), rel=0.02)

    init.normal_(t, mean=1.5, std=0.5)
    assert t.data is array and t.dtype == dtype
    assert t.numpy().mean() == pytest.approx(1.5, abs=0.01)
    assert t.numpy().std() == pytest.approx(0.5, rel=0.02)


def test_constant_zeros_ones():
    t = mg.empty(3, 4)
    assert np.all(init.constant_(t, 2.5).numpy() == 2.5)
    assert np.all(init.zeros_(t).numpy() == 0.0)
    assert np.all(init.ones_(t).numpy() == 1.0)


def test_trunc_normal_stays_inside_its_bounds():
    t = init.trunc_normal_(mg.empty(100_000), mean=0.0, std=1.0, a=-0.5, b=1.0)
    values = t.numpy()
    assert values.min() >= -0.5 and values.max() <= 1.0
    # mean of N(0, 1) truncated to [a, b]: (φ(a) − φ(b)) / (Φ(b) − Φ(a))
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    assert values.mean() == pytest.approx((phi(-0.5) - phi(1.0)) / (cdf(1.0) - cdf(-0.5)), abs=0.01)


def test_manual_seed_makes_initialisation_reproducible():
    mg.manual_seed(7)
    first = nn.Linear(20, 30).weight.numpy()
    mg.manual_seed(7)
    assert np.array_equal(first, nn.Linear(20, 30).weight.numpy())


# ---- variance-scaling initialisers against their formulas ---------------------------------
SHAPE = (256, 128, 3, 3)                      # fan_in = 1152, fan_out = 2304
FAN_IN, FAN_OUT = 128 * 9, 256 * 9


def _std(t):
    return float(t.numpy().std())


def test_xavier_uniform_bound_and_std():
    t = init.xavier_uniform_(mg.empty(*SHAPE), gain=2.0)
    bound = 2.0 * math.sqrt(6.0 / (FAN_IN + FAN_OUT))
    assert np.abs(t.numpy()).max() <= bound
    assert np.abs(t.numpy()).max() > 0.99 * bound
    assert _std(t) == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_xavier_normal_std():
    t = init.xavier_normal_(mg.empty(*SHAPE))
    assert _std(t) == pytest.approx(math.sqrt(2.0 / (FAN_IN + FAN_OUT)), rel=0.02)


@pytest.mark.parametrize("mode, fan", [("fan_in", FAN_IN), ("fan_out", FAN_OUT)])
@pytest.mark.parametrize("nonlinearity, a", [("relu", 0.0), ("leaky_relu", 0.2), ("tanh", 0.0)])
def test_kaiming_std_and_bound(mode, fan, nonlinearity, a):
    gain = init.calculate_gain(nonlinearity, a)
    t = init.kaiming_uniform_(mg.empty(*SHAPE), a=a, mode=mode, nonlinearity=nonlinearity)
    bound = math.sqrt(3.0) * gain / math.sqrt(fan)
    assert np.abs(t.numpy()).max() <= bound
    assert _std(t) == pytest.approx(gain / math.sqrt(fan), rel=0.02)
    t = init.kaiming_normal_(mg.empty(*SHAPE), a=a, mode=mode, nonlinearity=nonlinearity)
    assert _std(t) == pytest.approx(gain / math.sqrt(fan), rel=0.02)


def test_kaiming_std_agrees_with_torch_in_distribution():
    torch = pytest.importorskip("torch")
    w = torch.empty(*SHAPE)
    torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    ours = init.kaiming_normal_(mg.empty(*SHAPE), mode="fan_out", nonlinearity="relu")
    assert _std(ours) == pytest.approx(float(w.std()), rel=0.03)


# ---- one call for a whole model -------------------------------------------------------------
def _model():
    return nn.Sequential(nn.Conv2d(64, 128, 3), nn.BatchNorm2d(128), nn.ReLU(),
                         nn.Sequential(nn.Flatten(), nn.Linear(512, 256), nn.Linear(256, 10,
                                                                                   bias=False)))


def _check_batchnorm_untouched(model):
    assert np.all(model[1].weight.numpy() == 1.0) and np.all(model[1].bias.numpy() == 0.0)


def test_init_alexnet_sets_weights_n001_and_biases_one():
    model = init.init_alexnet_(_model())
    conv, fc = model[0], model[3][1]
    assert _std(conv.weight) == pytest.approx(0.01, rel=0.03)
    assert _std(fc.weight) == pytest.approx(0.01, rel=0.03)
    assert np.all(conv.bias.numpy() == 1.0) and np.all(fc.bias.numpy() == 1.0)
    _check_batchnorm_untouched(model)
    init.init_alexnet_(model, std=0.005, bias=0.0)
    assert np.all(conv.bias.numpy() == 0.0) and _std(fc.weight) == pytest.approx(0.005, rel=0.03)


def test_init_xavier_uses_fan_in_plus_fan_out():
    model = init.init_xavier_(_model())
    conv, fc = model[0], model[3][1]
    assert _std(conv.weight) == pytest.approx(math.sqrt(2 / (64 * 9 + 128 * 9)), rel=0.03)
    assert _std(fc.weight) == pytest.approx(math.sqrt(2 / (512 + 256)), rel=0.03)
    assert np.all(conv.bias.numpy() == 0.0) and np.all(fc.bias.numpy() == 0.0)
    _check_batchnorm_untouched(model)


def test_init_kaiming_uses_gain_over_root_fan_in():
    model = init.init_kaiming_(_model())
    conv, fc = model[0], model[3][1]
    assert _std(conv.weight) == pytest.approx(math.sqrt(2 / (64 * 9)), rel=0.03)
    assert _std(fc.weight) == pytest.approx(math.sqrt(2 / 512), rel=0.03)
    assert np.all(fc.bias.numpy() == 0.0)
    _check_batchnorm_untouched(model)
    init.init_kaiming_(model, nonlinearity="tanh", mode="fan_out", distribution="uniform")
    assert _std(fc.weight) == pytest.approx((5 / 3) / math.sqrt(256), rel=0.03)
    with pytest.raises(ValueError, match="distribution"):
        init.init_kaiming_(model, distribution="cauchy")


def test_schemes_keep_dtype():
    model = _model().double()
    for scheme in (init.init_alexnet_, init.init_xavier_, init.init_kaiming_):
        scheme(model)
        assert all(p.dtype == np.float64 for p in model.parameters())
