"""GroupNorm and LayerNorm against torch.nn (parameters, state_dict keys, repr, forward,
backward), their defaults, and their errors for bad constructor arguments and inputs.
(BatchNorm and LocalResponseNorm are in test_each_layer.py's table.)"""
import numpy as np
import pytest

import layers
import minigrad as mg

# (id, constructor written once for both frameworks, input shape)
SPECS = [
    ("group_norm", lambda nn: nn.GroupNorm(3, 6), (2, 6, 4, 4)),
    ("group_norm_no_affine_3d", lambda nn: nn.GroupNorm(2, 4, eps=1e-3, affine=False), (3, 4, 5)),
    ("group_norm_instance_no_bias", lambda nn: nn.GroupNorm(4, 4, bias=False), (2, 4, 3, 3)),
    ("group_norm_one_group_5d", lambda nn: nn.GroupNorm(1, 2), (2, 2, 2, 3, 2)),
    ("layer_norm", lambda nn: nn.LayerNorm(5), (3, 5)),
    ("layer_norm_two_dims", lambda nn: nn.LayerNorm((4, 3), eps=1e-3), (2, 5, 4, 3)),
    ("layer_norm_no_bias", lambda nn: nn.LayerNorm([6], bias=False), (2, 3, 6)),
    ("layer_norm_no_affine", lambda nn: nn.LayerNorm(4, elementwise_affine=False), (2, 4)),
]
IDS = [spec[0] for spec in SPECS]


@pytest.mark.parametrize("name, build, shape", SPECS, ids=IDS)
def test_parameters_state_dict_keys_and_repr_match_torch(name, build, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = build(layers), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (key, value), expected in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_array_equal(value, expected.numpy(), err_msg=f"{name} {key} init")
        assert value.dtype == np.float32


@pytest.mark.parametrize("name, build, shape", SPECS, ids=IDS)
def test_forward_and_backward_match_torch_with_the_same_weights(name, build, shape):
    torch = pytest.importorskip("torch")
    theirs = build(torch.nn)
    rng = np.random.default_rng(0)
    with torch.no_grad():                  # non-trivial affine parameters
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32)))
    ours = build(layers)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for training in (True, False):         # no running statistics: both modes agree
        ours.train(training)
        theirs.train(training)
        x = rng.standard_normal(shape).astype(np.float32) * 2 + 0.5
        x_ours, x_theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-5,
                                   atol=1e-5, err_msg=f"{name} output")
        upstream = rng.standard_normal(shape).astype(np.float32)
        y_ours.backward(mg.tensor(upstream))
        y_theirs.backward(torch.tensor(upstream))
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{name} input gradient")
    for (key, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{name} gradient of {key}")


def test_defaults_are_ones_and_zeros_and_optional_parameters_are_none():
    gn = layers.GroupNorm(2, 4)
    assert gn.weight.shape == (4,) and np.all(gn.weight.numpy() == 1)
    assert gn.bias.shape == (4,) and np.all(gn.bias.numpy() == 0)
    assert gn.eps == 1e-5 and gn.affine
    assert layers.GroupNorm(2, 4, bias=False).bias is None
    no_affine = layers.GroupNorm(2, 4, affine=False)
    assert no_affine.weight is None and no_affine.bias is None
    ln = layers.LayerNorm((2, 3))
    assert ln.normalized_shape == (2, 3) and layers.LayerNorm(5).normalized_shape == (5,)
    assert ln.weight.shape == (2, 3) and np.all(ln.weight.numpy() == 1)
    assert ln.bias.shape == (2, 3) and np.all(ln.bias.numpy() == 0)
    assert layers.LayerNorm(3, bias=False).bias is None
    no_affine = layers.LayerNorm(3, elementwise_affine=False)
    assert no_affine.weight is None and no_affine.bias is None
    assert list(no_affine.state_dict()) == []


@pytest.mark.parametrize("build, pattern", [
    (lambda: layers.GroupNorm(4, 6), r"GroupNorm: num_channels \(6\) must be divisible by "
                                     r"num_groups \(4\)"),
    (lambda: layers.GroupNorm(0, 6), r"GroupNorm: num_groups \(0\) and num_channels \(6\) "
                                     r"must be positive"),
    (lambda: layers.LayerNorm(0), r"LayerNorm: normalized_shape must be a positive int .* got 0"),
    (lambda: layers.LayerNorm(()), r"LayerNorm: normalized_shape .* got \(\)"),
    (lambda: layers.LayerNorm((3, -1)), r"got \(3, -1\)"),
])
def test_bad_constructor_arguments_raise_value_errors(build, pattern):
    with pytest.raises(ValueError, match=pattern):
        build()


@pytest.mark.parametrize("layer, shape, pattern", [
    (layers.GroupNorm(2, 4), (2, 6, 3), r"GroupNorm: expected an \(N, C, \*\) input with C = 4 "
                                        r"\(num_channels\), got shape \(2, 6, 3\)"),
    (layers.GroupNorm(2, 4), (4,), r"GroupNorm: .* got shape \(4,\)"),
    (layers.LayerNorm((3, 4)), (2, 4, 3), r"layer_norm: normalized_shape=\(3, 4\) expects input "
                                          r"of shape \(\*, 3, 4\), got shape \(2, 4, 3\)"),
])
def test_bad_input_shapes_raise_value_errors_naming_the_shapes(layer, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer(mg.zeros(*shape))
