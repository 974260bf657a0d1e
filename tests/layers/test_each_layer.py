"""Each layer against torch.nn (parameters, repr, forward, backward), its default
initialisation, and its errors for bad input."""
import math

import numpy as np
import pytest

import layers
import minigrad as mg

# (id, constructor written once for both frameworks, input shape)
SPECS = [
    ("linear", lambda nn: nn.Linear(5, 4), (3, 5)),
    ("linear_no_bias_3d", lambda nn: nn.Linear(5, 4, bias=False), (2, 3, 5)),
    ("conv", lambda nn: nn.Conv2d(4, 6, 3), (2, 4, 7, 7)),
    ("conv_all_options", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=2, padding=(1, 2),
                                              dilation=2, groups=2, bias=False), (2, 4, 9, 9)),
    ("conv_transpose", lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1,
                                                     output_padding=1, groups=2), (2, 4, 5, 5)),
    ("conv_transpose_dilated", lambda nn: nn.ConvTranspose2d(4, 2, 2, dilation=2, bias=False),
     (1, 4, 3, 3)),
    ("bn1d", lambda nn: nn.BatchNorm1d(5), (8, 5)),
    ("bn1d_3d_cumulative", lambda nn: nn.BatchNorm1d(5, momentum=None), (4, 5, 3)),
    ("bn2d", lambda nn: nn.BatchNorm2d(3, eps=1e-3, momentum=0.2), (4, 3, 5, 5)),
    ("bn2d_no_bias", lambda nn: nn.BatchNorm2d(3, bias=False), (2, 3, 2, 2)),
    ("bn2d_stateless", lambda nn: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
     (4, 3, 5, 5)),
    ("lrn", lambda nn: nn.LocalResponseNorm(3, alpha=1e-2, beta=0.5, k=2.0), (2, 6, 4, 4)),
    ("relu", lambda nn: nn.ReLU(), (3, 4)),
    ("relu6", lambda nn: nn.ReLU6(), (3, 4)),
    ("leaky_relu", lambda nn: nn.LeakyReLU(0.2), (3, 4)),
    ("sigmoid", lambda nn: nn.Sigmoid(), (3, 4)),
    ("tanh", lambda nn: nn.Tanh(), (3, 4)),
    ("softmax", lambda nn: nn.Softmax(dim=1), (3, 4, 2)),
    ("max_pool", lambda nn: nn.MaxPool2d(3, stride=2, padding=1), (2, 3, 9, 9)),
    ("max_pool_dilated", lambda nn: nn.MaxPool2d((2, 3), stride=1, dilation=2), (1, 2, 7, 8)),
    ("avg_pool", lambda nn: nn.AvgPool2d(3, stride=2, padding=1), (2, 3, 9, 9)),
    ("avg_pool_exclude_pad", lambda nn: nn.AvgPool2d(2, padding=1, count_include_pad=False),
     (1, 2, 5, 5)),
    ("adaptive_avg_pool", lambda nn: nn.AdaptiveAvgPool2d((2, 3)), (2, 3, 7, 8)),
    ("flatten", lambda nn: nn.Flatten(), (2, 3, 4, 5)),
    ("flatten_range", lambda nn: nn.Flatten(0, 2), (2, 3, 4, 5)),
    ("identity", lambda nn: nn.Identity(7, unused=True), (2, 3)),
    ("dropout", lambda nn: nn.Dropout(0.3), (2, 3)),           # compared in eval mode only
]
IDS = [spec[0] for spec in SPECS]
STOCHASTIC_IN_TRAINING = {"dropout"}


def _twins(torch, build):
    """(ours, theirs): the same layer with PyTorch's random parameters copied into ours."""
    theirs = build(torch.nn)
    ours = build(layers)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("name, build, shape", SPECS, ids=IDS)
def test_parameters_buffers_and_repr_match_torch(name, build, shape):
    torch = pytest.importorskip("torch")
    ours, theirs = build(layers), build(torch.nn)
    assert repr(ours) == repr(theirs)
    ours_params = {n: (p.shape, p.dtype) for n, p in ours.named_parameters()}
    assert ours_params == {n: (tuple(p.shape), p.detach().numpy().dtype)
                           for n, p in theirs.named_parameters()}
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_inplace_flags_show_in_repr_like_torch():
    torch = pytest.importorskip("torch")
    for build in (lambda nn: nn.ReLU(inplace=True), lambda nn: nn.ReLU6(inplace=True),
                  lambda nn: nn.LeakyReLU(0.1, inplace=True), lambda nn: nn.Dropout(inplace=True)):
        assert repr(build(layers)) == repr(build(torch.nn))


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name, build, shape", SPECS, ids=IDS)
def test_forward_backward_and_running_stats_match_torch(name, build, shape, training):
    torch = pytest.importorskip("torch")
    if training and name in STOCHASTIC_IN_TRAINING:
        pytest.skip("random in training mode (see test_dropout_statistics)")
    ours, theirs = _twins(torch, build)
    ours.train(training)
    theirs.train(training)
    rng = np.random.default_rng(0)
    for step in range(2):        # twice: BatchNorm's running statistics evolve
        x = rng.standard_normal(shape).astype(np.float32) * 2 + 0.5
        x_ours, x_theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y_ours, y_theirs = ours(x_ours), theirs(x_theirs)
        np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), rtol=1e-5,
                                   atol=1e-5, err_msg=f"{name} output, step {step}")
        upstream = rng.standard_normal(y_theirs.shape).astype(np.float32)
        y_ours.backward(mg.tensor(upstream))
        y_theirs.backward(torch.tensor(upstream))
        np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{name} input gradient")
    for (key, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p_ours.grad.numpy(), p_theirs.grad.numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{name} gradient of {key}")
    for (key, value), expected in zip(ours.state_dict().items(), theirs.state_dict().values()):
        np.testing.assert_allclose(value, expected.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name} {key} after two steps")


@pytest.mark.parametrize("name, build, loss_args, target", [
    ("cross_entropy", lambda nn: nn.CrossEntropyLoss(), (6, 4), "classes"),
    ("cross_entropy_smooth_sum", lambda nn: nn.CrossEntropyLoss(reduction="sum",
                                                                label_smoothing=0.1), (6, 4),
     "classes"),
    ("nll_none", lambda nn: nn.NLLLoss(reduction="none"), (6, 4), "classes"),
    ("mse", lambda nn: nn.MSELoss(), (3, 5), "values"),
    ("mse_sum", lambda nn: nn.MSELoss(reduction="sum"), (3, 5), "values"),
])
def test_losses_match_torch(name, build, loss_args, target):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = rng.standard_normal(loss_args).astype(np.float32)
    t = (rng.integers(0, loss_args[1], loss_args[0]) if target == "classes"
         else rng.standard_normal(loss_args).astype(np.float32))
    x_ours, x_theirs = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    loss_ours = build(layers)(x_ours, mg.tensor(t))
    loss_theirs = build(torch.nn)(x_theirs, torch.tensor(t))
    np.testing.assert_allclose(loss_ours.numpy(), loss_theirs.detach().numpy(), rtol=1e-5)
    loss_ours.sum().backward()
    loss_theirs.sum().backward()
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


# ---- default initialisation (PyTorch's reset_parameters) ----------------------------------
@pytest.mark.parametrize("build, fan_in", [
    (lambda: layers.Linear(1000, 1000), 1000),
    (lambda: layers.Conv2d(64, 128, 3), 64 * 9),
    (lambda: layers.Conv2d(64, 128, 3, groups=4), 16 * 9),
    (lambda: layers.ConvTranspose2d(64, 128, 4), 128 * 16),   # weight (C_in, C_out, k, k)
])
def test_default_init_is_uniform_with_bound_one_over_root_fan_in(build, fan_in):
    layer = build()
    bound = 1 / math.sqrt(fan_in)
    # kaiming_uniform_(a=√5): bound = √3·√(2/(1 + 5))/√fan_in = 1/√fan_in, std = bound/√3
    weight = layer.weight.numpy()
    assert weight.dtype == np.float32
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.99 * bound
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)
    assert np.abs(weight.mean()) < 0.05 * bound
    bias = layer.bias.numpy()
    assert np.abs(bias).max() <= bound and bias.std() > 0.3 * bound


def test_batchnorm_defaults_and_buffer_types():
    bn = layers.BatchNorm2d(4)
    assert np.all(bn.weight.numpy() == 1) and np.all(bn.bias.numpy() == 0)
    assert np.all(bn.running_mean.numpy() == 0) and np.all(bn.running_var.numpy() == 1)
    assert bn.num_batches_tracked.shape == () and bn.num_batches_tracked.dtype == np.int64
    assert not bn.num_batches_tracked.requires_grad
    assert [n for n, _ in bn.named_parameters()] == ["weight", "bias"]
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var",
                                                  "num_batches_tracked"]
    stateless = layers.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert list(stateless.parameters()) == [] and list(stateless.buffers()) == []
    bn(mg.randn(2, 4, 3, 3))
    bn.eval()(mg.randn(2, 4, 3, 3))
    assert int(bn.num_batches_tracked) == 1                   # counts training batches only


def test_dropout_statistics_and_modes():
    mg.manual_seed(0)
    drop = layers.Dropout(0.25)
    y = drop(mg.ones(200, 500)).numpy()
    assert np.mean(y == 0) == pytest.approx(0.25, abs=0.01)
    assert np.allclose(y[y != 0], 1 / 0.75)
    x = mg.randn(3, 4)
    assert np.array_equal(drop.eval()(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match="between 0 and 1"):
        layers.Dropout(1.5)


# ---- bad input ----------------------------------------------------------------------------
@pytest.mark.parametrize("layer, shape, pattern", [
    (layers.Conv2d(3, 4, 3), (3, 8, 8), r"Conv2d: expected a 4-D \(N, C, H, W\) input, got shape "
                                        r"\(3, 8, 8\)"),
    (layers.Conv2d(3, 4, 3), (1, 4, 8, 8), r"Conv2d: expected 3 channels \(in_channels\) .* got "
                                           r"shape \(1, 4, 8, 8\) with 4"),
    (layers.ConvTranspose2d(3, 4, 3), (3, 8), r"ConvTranspose2d: expected a 4-D"),
    (layers.BatchNorm2d(3), (2, 3), r"BatchNorm2d: expected a 4-D \(N, C, H, W\) input, got "
                                    r"shape \(2, 3\)"),
    (layers.BatchNorm2d(3), (2, 5, 4, 4), r"BatchNorm2d: expected 3 channels \(num_features\)"),
    (layers.BatchNorm1d(3), (2, 3, 4, 4), r"BatchNorm1d: expected a 2-D \(N, C\) or 3-D "
                                          r"\(N, C, L\) input"),
    (layers.BatchNorm1d(3), (2, 4), r"BatchNorm1d: expected 3 channels"),
    (layers.MaxPool2d(2), (3, 8, 8), r"MaxPool2d: expected a 4-D"),
    (layers.AvgPool2d(2), (8, 8), r"AvgPool2d: expected a 4-D"),
    (layers.AdaptiveAvgPool2d(1), (2, 3, 8), r"AdaptiveAvgPool2d: expected a 4-D"),
    (layers.Linear(20, 5), (4, 30), r"Linear: expected input with last dimension 20 "
                                    r"\(in_features\), got shape \(4, 30\) with last dimension 30"),
])
def test_bad_input_shapes_raise_value_errors_naming_the_layer(layer, shape, pattern):
    with pytest.raises(ValueError, match=pattern):
        layer(mg.zeros(*shape))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups \(2\)"):
        layers.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="out_channels"):
        layers.ConvTranspose2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="reduction"):
        layers.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="pair"):
        layers.Conv2d(3, 4, (3, 3, 3))
    with pytest.raises(ValueError, match="kernel_size must be an int or a pair"):
        layers.MaxPool2d((2, 2, 2))
    with pytest.raises(ValueError, match="output_size must be an int or a pair"):
        layers.AdaptiveAvgPool2d(2.5)


# ---- padding modes, ceil_mode pooling and summary shapes (issue 11) ----------------------
MODE_SPECS = [
    ("conv_same", lambda nn: nn.Conv2d(4, 6, (2, 3), padding="same", dilation=(2, 1)),
     (2, 4, 6, 7)),
    ("conv_valid", lambda nn: nn.Conv2d(4, 6, 3, padding="valid"), (2, 4, 6, 7)),
    ("conv_same_reflect", lambda nn: nn.Conv2d(4, 6, 4, padding="same", padding_mode="reflect"),
     (2, 4, 6, 7)),
    ("conv_replicate", lambda nn: nn.Conv2d(4, 6, 3, stride=2, padding=(1, 2),
                                            padding_mode="replicate"), (2, 4, 7, 7)),
    ("conv_circular", lambda nn: nn.Conv2d(4, 2, 3, padding=1, padding_mode="circular",
                                           groups=2), (1, 4, 5, 6)),
    ("conv_transpose_output_padding_beyond_stride",
     lambda nn: nn.ConvTranspose2d(4, 2, 3, padding=1, output_padding=1, dilation=2),
     (2, 4, 4, 5)),
    ("avg_pool_ceil", lambda nn: nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True),
     (2, 3, 8, 7)),
    ("avg_pool_ceil_exclude_pad", lambda nn: nn.AvgPool2d(2, ceil_mode=True,
                                                          count_include_pad=False), (1, 2, 5, 5)),
    ("avg_pool_divisor_override", lambda nn: nn.AvgPool2d(2, stride=1, divisor_override=3),
     (1, 2, 4, 4)),
]


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("name, build, shape", MODE_SPECS, ids=[s[0] for s in MODE_SPECS])
def test_padding_and_pooling_modes_match_torch(name, build, shape, training):
    test_parameters_buffers_and_repr_match_torch(name, build, shape)
    test_forward_backward_and_running_stats_match_torch(name, build, shape, training)


@pytest.mark.parametrize("build, error, message", [
    (lambda: layers.Conv2d(3, 4, 3, stride=2, padding="same"), ValueError,
     r"Conv2d: padding='same' is not supported for strided convolutions"),
    (lambda: layers.Conv2d(3, 4, 3, padding="full"), ValueError,
     r"Conv2d: invalid padding string 'full'"),
    (lambda: layers.Conv2d(3, 4, 3, padding_mode="edge"), ValueError,
     r"padding_mode must be one of \('zeros', 'reflect', 'replicate', 'circular'\), got 'edge'"),
    (lambda: layers.ConvTranspose2d(3, 4, 3, padding_mode="reflect"), ValueError,
     r'Only "zeros" padding mode is supported for ConvTranspose2d'),
    (lambda: layers.ConvTranspose2d(3, 4, 3, padding="same"), ValueError,
     r"ConvTranspose2d: padding must be an int or a pair of ints, got 'same'"),
])
def test_bad_padding_arguments(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_summary_accepts_a_full_batch_shape():
    model = layers.Sequential(layers.Conv2d(1, 4, 3, padding="same"), layers.ReLU(),
                              layers.Flatten(), layers.Linear(4 * 6 * 6, 3))
    one_image = layers.summary(model, (1, 6, 6))
    batch = layers.summary(model, (5, 1, 6, 6))
    assert [row.output_shape for row in batch.rows] == [row.output_shape for row in
                                                        one_image.rows]
    assert [row.output_shape for row in batch.rows][0] == (4, 6, 6)
    assert batch.total_macs == one_image.total_macs        # per image either way
    assert batch.rows[0].receptive_field.padding == (1, 1)  # "same" pads 1 on top/left
    assert layers.summary(layers.Linear(3, 2), (7, 3)).rows[0].output_shape == (2,)


@pytest.mark.parametrize("shape", [(), (2, 1, 1, 6, 6), (1, 0, 6)])
def test_summary_rejects_other_shapes_clearly(shape):
    with pytest.raises(ValueError, match=r"summary: input_shape must be one sample, \(C, H, W\) "
                                         r"or \(features,\), or a batch, \(N, C, H, W\)"):
        layers.summary(layers.Conv2d(1, 1, 1), shape)

