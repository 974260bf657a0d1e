"""SyncBatchNorm in one process: the global statistics of a world of one are BatchNorm's;
the composition with its allreduces is twice differentiable; the converter shares state."""
import numpy as np
import pytest

import layers as nn
import minigrad as mg
import minigrad.distributed as dist
import minigrad.functional as F
from layers import models


@pytest.fixture(autouse=True)
def world():
    return dist.init()


def sync_bn(x, w, b, running=(None, None), momentum=0.1):
    return dist.sync_batch_norm(x, *running, w, b, momentum, 1e-3, dist.get_group())


def batch_norm(x, w, b, running=(None, None), momentum=0.1):
    return F.batch_norm(x, *running, w, b, True, momentum, 1e-3)


@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 6), (3, 3, 4, 5)])
def test_values_gradients_and_running_statistics_are_batch_norms(shape):
    rng = np.random.default_rng(0)
    x, w, b, gy = (rng.standard_normal(s) for s in (shape, (3,), (3,), shape))
    running = (rng.standard_normal(3), rng.random(3) + 0.5)
    results = []
    for fn in (sync_bn, batch_norm):
        inputs = [mg.tensor(a, requires_grad=True) for a in (x, w, b)]
        statistics = [mg.tensor(a.copy()) for a in running]
        y = fn(*inputs, running=statistics)
        y.backward(mg.tensor(gy))
        results.append([y.numpy(), *[t.grad.numpy() for t in inputs],
                        *[s.numpy() for s in statistics]])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert not np.allclose(results[0][-1], running[1])   # the running variance was updated


def test_gradcheck_and_gradgradcheck():
    rng = np.random.default_rng(1)
    inputs = [mg.tensor(rng.standard_normal(s), requires_grad=True)
              for s in ((4, 2, 3), (2,), (2,))]
    assert mg.gradcheck(sync_bn, inputs)
    assert mg.gradgradcheck(sync_bn, inputs)


def test_one_value_per_channel_is_refused():
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*\(1, 3\)"):
        sync_bn(mg.ones(1, 3), None, None)


def test_convert_swaps_every_batchnorm_and_shares_parameters_and_buffers():
    model = models.resnet18(num_classes=10, in_channels=1, small_input=True)
    model.eval()
    batchnorms = {n: m for n, m in model.named_modules() if isinstance(m, nn.BatchNorm2d)}
    keys = list(model.state_dict())
    converted = dist.SyncBatchNorm.convert_sync_batchnorm(model)
    assert converted is model
    syncs = {n: m for n, m in model.named_modules() if isinstance(m, dist.SyncBatchNorm)}
    assert syncs.keys() == batchnorms.keys() and len(syncs) == 20
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert list(model.state_dict()) == keys
    for name, sync in syncs.items():
        old = batchnorms[name]
        assert sync.weight is old.weight and sync.bias is old.bias
        assert sync.running_mean is old.running_mean and sync.running_var is old.running_var
        assert sync.num_batches_tracked is old.num_batches_tracked
        assert not sync.training and sync.momentum == old.momentum and sync.eps == old.eps


def test_a_converted_layer_computes_what_batchnorm_computes():
    bn = nn.BatchNorm1d(4, momentum=None, affine=False)
    sync = dist.SyncBatchNorm.convert_sync_batchnorm(bn)
    assert isinstance(sync, dist.SyncBatchNorm) and sync.weight is None
    assert repr(sync) == ("SyncBatchNorm(4, eps=1e-05, momentum=None, affine=False, "
                          "bias=False, track_running_stats=True)")
    x = mg.randn(6, 4)
    reference = nn.BatchNorm1d(4, momentum=None, affine=False)
    for training in (True, False):
        sync.train(training)
        reference.train(training)
        np.testing.assert_array_equal(sync(x).numpy(), reference(x).numpy())
    np.testing.assert_array_equal(sync.running_var.numpy(), reference.running_var.numpy())
    with pytest.raises(ValueError, match="SyncBatchNorm: expected 4 channels"):
        sync(mg.ones(2, 3))


def test_allreduce_sum_in_a_world_of_one_is_the_identity_both_ways():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = dist.AllReduceSum.apply(x, group=dist.get_group())
    (y * mg.tensor([3.0, 4.0])).sum().backward()
    assert y.tolist() == [1.0, -2.0] and x.grad.tolist() == [3.0, 4.0]
