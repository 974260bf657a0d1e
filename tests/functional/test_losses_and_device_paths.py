"""cross_entropy / nll_loss on one unbatched sample (scores (C,), a 0-d target) against PyTorch;
and, under the strict CuPy stand-in, losses given a bare device array as target and the padding,
conv and pooling options of issue 11 running with no host transfer."""
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
import minigrad.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from strict_device import TRANSFERS, Transfers, strict_device  # noqa: E402

torch = pytest.importorskip("torch")

WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])
CASES = [
    ("cross_entropy", {}),
    ("cross_entropy", {"label_smoothing": 0.2}),
    ("cross_entropy", {"weight": WEIGHT}),
    ("cross_entropy", {"weight": WEIGHT, "label_smoothing": 0.1}),
    ("nll_loss", {}),
    ("nll_loss", {"weight": WEIGHT}),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, options", CASES,
                         ids=[f"{n}-{'-'.join(o) or 'plain'}" for n, o in CASES])
def test_one_sample_matches_pytorch(name, options, reduction):
    scores_np = np.random.default_rng(0).standard_normal(4)
    ours = mg.tensor(scores_np, requires_grad=True)
    theirs = torch.tensor(scores_np, requires_grad=True)
    wrap = {"weight": (mg.tensor, torch.tensor)}
    our_options = {k: wrap[k][0](v) if k in wrap else v for k, v in options.items()}
    their_options = {k: wrap[k][1](v) if k in wrap else v for k, v in options.items()}
    loss = getattr(F, name)(ours, mg.tensor(2), reduction=reduction, **our_options)
    expected = getattr(torch.nn.functional, name)(theirs, torch.tensor(2), reduction=reduction,
                                                  **their_options)
    assert loss.shape == () == tuple(expected.shape)
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-12)
    loss.backward()
    expected.backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_one_sample_gradgradcheck():
    scores = mg.tensor(np.random.default_rng(1).standard_normal(5), requires_grad=True)
    fn = lambda s: F.cross_entropy(s, mg.tensor(3), label_smoothing=0.1)  # noqa: E731
    assert mg.gradcheck(fn, [scores])
    assert mg.gradgradcheck(fn, [scores])


def test_one_sample_ignored_target_gives_nan_like_pytorch():
    loss = F.cross_entropy(mg.zeros(3), mg.tensor(-100))
    assert np.isnan(loss.item())


def test_one_sample_needs_a_0d_target():
    with pytest.raises(ValueError, match=r"scores of shape \(4,\) \(one sample\) need a 0-d "
                                         r"target, got shape \(2,\)"):
        F.cross_entropy(mg.zeros(4), mg.tensor([1, 2]))


def test_one_sample_target_out_of_range():
    with pytest.raises(IndexError, match=r"target class 4 is out of range for 4 classes"):
        F.nll_loss(mg.zeros(4), mg.tensor(4))


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss", "mse_loss"])
def test_a_bare_device_array_target_stays_on_the_device(name):
    rng = np.random.default_rng(2)
    scores_np = rng.standard_normal((3, 4))
    target_np = rng.standard_normal((3, 4)) if name == "mse_loss" else np.array([0, 3, 1])
    expected = getattr(F, name)(mg.tensor(scores_np), mg.tensor(target_np)).item()
    with strict_device() as device:
        scores = mg.tensor(scores_np, device="cuda")
        target = device.asarray(target_np)      # a raw device array, not a Tensor
        loss = getattr(F, name)(scores, target)
        assert loss.device == "cuda:0"
        assert loss.item() == pytest.approx(expected, rel=1e-12)


DEVICE_CASES = {
    "pad_reflect_crop": lambda x, w: F.pad(x, (2, 1, 1, -1), mode="reflect"),
    "pad_replicate": lambda x, w: F.pad(x, (2, 1, 1, 2), mode="replicate"),
    "pad_circular": lambda x, w: F.pad(x, (2, 1, 1, 2), mode="circular"),
    "pad_constant": lambda x, w: F.pad(x, (2, -1, 1, 2), value=3.0),
    "conv2d_same": lambda x, w: F.conv2d(x, w[:2, :2], padding="same", dilation=(1, 2)),
    "conv_transpose2d_output_padding": lambda x, w: F.conv_transpose2d(x, w, dilation=2,
                                                                         output_padding=1),
    "avg_pool2d_ceil": lambda x, w: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True,
                                                 count_include_pad=False),
    "avg_pool2d_divisor": lambda x, w: F.avg_pool2d(x, 2, ceil_mode=True, divisor_override=3),
    "adaptive_avg_pool2d": lambda x, w: F.adaptive_avg_pool2d(x, (2, 4)),
}


@pytest.mark.parametrize("name", DEVICE_CASES)
def test_device_path_matches_cpu_without_transfers(name):
    fn = DEVICE_CASES[name]
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((2, 2, 5, 6)), rng.standard_normal((2, 3, 3, 3))]
    cpu = [mg.tensor(a, requires_grad=True) for a in arrays]
    y_cpu = fn(*cpu)
    upstream = rng.standard_normal(y_cpu.shape)
    y_cpu.backward(mg.tensor(upstream))
    with strict_device():
        dev = [mg.tensor(a, device="cuda", requires_grad=True) for a in arrays]
        g = mg.tensor(upstream, device="cuda")
        TRANSFERS.reset()
        y = fn(*dev)
        y.backward(g)
        assert TRANSFERS == Transfers(), f"{name}: {TRANSFERS}"
        np.testing.assert_allclose(y.numpy(), y_cpu.numpy(), rtol=1e-12, atol=1e-12)
        for a, b in zip(dev, cpu):
            assert (a.grad is None) == (b.grad is None)  # the weight is unused by some cases
            if b.grad is not None:
                np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12,
                                           atol=1e-12)
