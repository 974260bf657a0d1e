"""BatchNorm running statistics and modes, group/layer norm statistics and errors, and
loss-function errors."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F


def test_batch_norm_running_statistics_follow_pytorch_conventions():
    rng = np.random.default_rng(0)
    mean, var = mg.zeros(3, dtype=np.float64), mg.ones(3, dtype=np.float64)
    expected_mean, expected_var = np.zeros(3), np.ones(3)
    for _ in range(4):
        x_np = rng.standard_normal((5, 3, 4, 4)) * 3 + 2
        F.batch_norm(mg.tensor(x_np), mean, var, training=True, momentum=0.1)
        batch_mean = x_np.mean(axis=(0, 2, 3))
        batch_var = x_np.var(axis=(0, 2, 3), ddof=1)      # unbiased into running_var
        expected_mean = 0.9 * expected_mean + 0.1 * batch_mean
        expected_var = 0.9 * expected_var + 0.1 * batch_var
    np.testing.assert_allclose(mean.numpy(), expected_mean, rtol=1e-12)
    np.testing.assert_allclose(var.numpy(), expected_var, rtol=1e-12)


def test_batch_norm_train_output_is_normalised_and_eval_is_stateless():
    rng = np.random.default_rng(1)
    x = mg.tensor(rng.standard_normal((8, 2, 3, 3)) * 5 - 1)
    y = F.batch_norm(x, None, None, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)
    mean, var = mg.tensor([0.5, -1.0], dtype=np.float64), mg.tensor([2.0, 0.5], dtype=np.float64)
    first = F.batch_norm(x, mean, var, training=False).numpy()
    second = F.batch_norm(x, mean, var, training=False).numpy()
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(mean.numpy(), [0.5, -1.0])


def test_batch_norm_one_value_per_channel_is_an_error():
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3, 1, 1\)"):
        F.batch_norm(mg.zeros(1, 3, 1, 1), None, None, training=True)
    with pytest.raises(ValueError, match="3 channels"):
        F.batch_norm(mg.zeros(2, 3, 2, 2), mg.zeros(4), mg.ones(4))


def test_group_norm_standardises_each_sample_and_group():
    rng = np.random.default_rng(2)
    x_np = rng.standard_normal((3, 6, 2, 2)) * 4 + 1
    y = F.group_norm(mg.tensor(x_np), 3).numpy().reshape(3, 3, -1)   # (N, G, C/G * H * W)
    np.testing.assert_allclose(y.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=2), 1, rtol=1e-4)           # biased variance


def test_layer_norm_standardises_over_the_trailing_dims():
    rng = np.random.default_rng(3)
    x_np = rng.standard_normal((2, 3, 4, 5)) * 3 - 2
    y = F.layer_norm(mg.tensor(x_np), (4, 5)).numpy().reshape(2, 3, -1)
    np.testing.assert_allclose(y.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=2), 1, rtol=1e-4)
    np.testing.assert_array_equal(F.layer_norm(mg.tensor(x_np), 5).numpy(),
                                  F.layer_norm(mg.tensor(x_np), (5,)).numpy())


@pytest.mark.parametrize("call, pattern", [
    (lambda: F.group_norm(mg.zeros(2, 6, 4), 4),
     r"divisible by num_groups, got input of shape \(2, 6, 4\) \(6 channels\) and num_groups=4"),
    (lambda: F.group_norm(mg.zeros(6), 3),
     r"group_norm expects \(N, C, ...\) input, got shape \(6,\)"),
    (lambda: F.group_norm(mg.zeros(2, 6, 4), 3, weight=mg.ones(4)),
     r"group_norm: input has 6 channels \(shape \(2, 6, 4\)\) but weight has shape \(4,\)"),
    (lambda: F.layer_norm(mg.zeros(2, 3), 4),
     r"normalized_shape=\(4,\) expects input of shape \(\*, 4\), got shape \(2, 3\)"),
    (lambda: F.layer_norm(mg.zeros(3), (2, 3)), r"shape \(\*, 2, 3\), got shape \(3,\)"),
    (lambda: F.layer_norm(mg.zeros(2, 3, 4), (3, 4), bias=mg.zeros(4)),
     r"but bias has shape \(4,\), expected \(3, 4\)"),
])
def test_group_and_layer_norm_bad_input_names_the_shapes(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_loss_bad_inputs():
    logits = mg.zeros(4, 10)
    with pytest.raises(IndexError, match="target class 10 is out of range for 10 classes"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2, 10]))
    with pytest.raises(TypeError, match="integer class indices"):
        F.cross_entropy(logits, mg.tensor([0.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match=r"target of shape \(4,\), got \(3,\)"):
        F.cross_entropy(logits, mg.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(4, 10\) and target shape \(4, 9\)"):
        F.mse_loss(logits, mg.zeros(4, 9))
    with pytest.raises(ValueError, match=r"in_features=3"):
        F.linear(mg.zeros(2, 4), mg.zeros(5, 3))


def test_weighted_and_ignored_targets_match_pytorch_in_every_reduction():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 4))
    target = np.array([0, 3, 2, 2, 1, 3, 0])
    weight = rng.uniform(0.5, 2.0, 4)
    for reduction in ("mean", "sum", "none"):
        for smoothing in (0.0, 0.3):
            ours = F.cross_entropy(mg.tensor(x), mg.tensor(target), reduction, smoothing,
                                   weight=mg.tensor(weight), ignore_index=2)
            theirs = torch.nn.functional.cross_entropy(
                torch.tensor(x), torch.tensor(target), weight=torch.tensor(weight),
                ignore_index=2, reduction=reduction, label_smoothing=smoothing)
            np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"one entry per class, shape \(4,\)"):
        F.cross_entropy(mg.tensor(x), mg.tensor(target), weight=mg.ones(3))
    # an ignored target may lie outside the class range
    assert F.nll_loss(mg.tensor(x), mg.tensor([-100] * 6 + [1]), reduction="sum").item() \
        == pytest.approx(-x[6, 1])


def test_batch_norm_backward_gives_the_same_bits_whatever_the_gradients_layout():
    """A convolution's output is channel-major; the gradient arriving at its BatchNorm may be
    NCHW (or the reverse). BatchNorm brings the gradient into the input's layout first."""
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((4, 3, 5, 6)).astype(np.float32)
    g_np = rng.standard_normal(x_np.shape).astype(np.float32)
    channel_major = lambda a: np.ascontiguousarray(a.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)
    grads = []
    for g_layout in (channel_major, np.ascontiguousarray):
        x = mg.tensor(channel_major(x_np), requires_grad=True)
        w = mg.tensor(np.array([0.5, 2.0, -1.0], dtype=np.float32),
                      requires_grad=True)
        F.batch_norm(x, None, None, w, training=True).backward(mg.tensor(g_layout(g_np)))
        grads.append((x.grad.numpy(), w.grad.numpy()))
    for matched, mixed in zip(*grads):
        np.testing.assert_array_equal(matched, mixed)
