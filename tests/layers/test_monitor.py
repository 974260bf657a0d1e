"""LayerMonitor: statistics of outputs, output gradients and parameter gradients, checked
against values computed by hand on a two-layer net with chosen weights."""
import math
import warnings

import numpy as np
import pytest

import layers as nn
import minigrad as mg
from layers.monitor import LayerMonitor, TensorStats, channel_moments


def tiny_net():
    """x -> Linear(W1 = [[1, 0], [0, -1]], b1 = 0) -> ReLU -> Linear(W2 = [[1, 1]], b2 = 0)."""
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    net[0].weight.data[...] = [[1, 0], [0, -1]]
    net[2].weight.data[...] = [[1, 1]]
    net[0].bias.data[...] = 0
    net[2].bias.data[...] = 0
    return net


X = mg.tensor([[1.0, 2.0], [3.0, -4.0]])


def run(net, monitor):
    with monitor:
        net(X).sum().backward()      # L = Σ outputs, so ∂L/∂(output) = 1
    return {row.name: row for row in monitor.rows()}


def test_tensor_stats_of_a_small_array():
    s = TensorStats.of(np.array([[0.0, 3.0], [4.0, 0.0]]))
    assert s.mean == 1.75 and s.zero_fraction == 0.5
    assert s.norm == pytest.approx(5.0)
    assert s.std == pytest.approx(math.sqrt(np.mean((np.array([0, 3, 4, 0]) - 1.75) ** 2)))


def test_activation_statistics_by_hand():
    net = tiny_net()
    rows = run(net, LayerMonitor(net))
    first = rows["0"]                  # h = x W1ᵀ = [[1, -2], [3, 4]]
    assert first.type == "Linear" and first.output_shape == (2, 2)
    assert first.activation.mean == pytest.approx(1.5)
    assert first.activation.std == pytest.approx(math.sqrt(5.25))
    assert first.activation.norm == pytest.approx(math.sqrt(30))
    assert first.activation.zero_fraction == 0
    np.testing.assert_allclose(first.channel_mean, [2, 1])
    np.testing.assert_allclose(first.channel_var, [1, 9])
    last = rows["2"]                   # relu(h) W2ᵀ = [[1], [7]]
    assert last.activation.mean == pytest.approx(4.0) and last.activation.norm == \
        pytest.approx(math.sqrt(50))


def test_gradient_statistics_by_hand():
    net = tiny_net()
    rows = run(net, LayerMonitor(net))
    # ∂L/∂y of the last layer: all ones.
    g_last = rows["2"].grad_output
    assert (g_last.mean, g_last.std, g_last.zero_fraction) == (1, 0, 0)
    assert g_last.norm == pytest.approx(math.sqrt(2))
    # ∂L/∂h = (1 · W2) masked by relu'(h): [[1, 0], [1, 1]].
    g_first = rows["0"].grad_output
    assert g_first.mean == pytest.approx(0.75) and g_first.zero_fraction == 0.25
    assert g_first.norm == pytest.approx(math.sqrt(3))
    assert g_first.std == pytest.approx(math.sqrt(0.1875))
    # ∂L/∂W1 = (∂L/∂h)ᵀ x = [[4, -2], [3, -4]];  ∂L/∂b1 = [2, 1];  ∂L/∂W2 = [4, 4].
    assert rows["0"].weight_grad_norm == pytest.approx(math.sqrt(45))
    assert rows["0"].param_grad_norms["bias"] == pytest.approx(math.sqrt(5))
    assert rows["2"].weight_grad_norm == pytest.approx(math.sqrt(32))


def test_layer_types_choose_the_rows_and_names_follow_named_modules():
    net = tiny_net()
    rows = run(net, LayerMonitor(net, layer_types=(nn.ReLU,)))
    assert list(rows) == ["1"]
    relu = rows["1"]
    assert relu.activation.zero_fraction == 0.25 and relu.param_grad_norms == {}
    with pytest.raises(ValueError, match="no layer of type Conv2d"):
        LayerMonitor(net, layer_types=nn.Conv2d)


def test_forward_only_has_no_gradient_and_detach_stops_recording():
    net = tiny_net()
    monitor = LayerMonitor(net).attach()
    with mg.no_grad():
        net(X)
    monitor.detach()
    assert all(row.grad_output is None and row.weight_grad_norm is None
               for row in monitor.rows())
    net(X * 10)                                   # not recorded: the hooks are gone
    assert monitor.rows()[0].activation.mean == pytest.approx(1.5)
    monitor.clear()
    assert monitor.rows() == []
    assert not net[0]._forward_hooks and not net[0]._backward_hooks


def test_per_channel_moments_of_images_and_table_text():
    values = np.random.default_rng(0).standard_normal((4, 3, 5, 5))
    mean, var = channel_moments(values)
    np.testing.assert_allclose(mean, values.transpose(1, 0, 2, 3).reshape(3, -1).mean(1))
    np.testing.assert_allclose(var, values.transpose(1, 0, 2, 3).reshape(3, -1).var(1))
    net = tiny_net()
    run(net, monitor := LayerMonitor(net))
    text = monitor.table()
    assert "‖∂L/∂W‖" in text and text.count("Linear") == 2 and "6.71" in text  # √45


def test_no_warning_for_a_first_layer_whose_input_needs_no_gradient():
    net = tiny_net()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run(net, LayerMonitor(net))
    assert not caught
