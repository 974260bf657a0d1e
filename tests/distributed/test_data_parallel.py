"""DistributedDataParallel in one process: the bucketed hooks hand every parameter its own
gradient back (averaged over a world of one), accumulate, and catch unused parameters."""
import numpy as np
import pytest

import layers as nn
import minigrad as mg
import minigrad.distributed as dist
import minigrad.functional as F


def model(seed=0):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                         nn.Linear(12, 5), nn.ReLU(), nn.Linear(5, 4))


def loss_of(net, seed):
    rng = np.random.default_rng(seed)
    x = mg.tensor(rng.standard_normal((6, 2, 4, 4)).astype(np.float32))
    return F.cross_entropy(net(x), mg.tensor(rng.integers(0, 4, 6)))


def gradients(net):
    return {name: p.grad.numpy() for name, p in net.named_parameters()}


@pytest.fixture(autouse=True)
def world():
    return dist.init()


def test_buckets_hold_the_parameters_in_reverse_order_under_the_cap():
    ddp = dist.DistributedDataParallel(model(), bucket_cap_mb=200 / 2**20)   # 200 bytes
    names = {id(p): n for n, p in ddp.module.named_parameters()}
    order = [names[id(p)] for b in ddp.buckets for p in b.params]
    assert order == list(reversed(names.values()))
    for bucket in ddp.buckets:   # at most 200 bytes, unless one parameter alone is larger
        assert len(bucket.params) == 1 or sum(p.data.nbytes for p in bucket.params) <= 200
    assert len(ddp.buckets) > 3
    assert len(dist.DistributedDataParallel(model()).buckets) == 1


@pytest.mark.parametrize("cap_bytes", [1, 200, 25 * 2**20])
def test_every_parameter_gets_its_own_gradient(cap_bytes):
    plain, wrapped = model(), dist.DistributedDataParallel(model(), bucket_cap_mb=cap_bytes / 2**20)
    for step in range(2):   # the second round reuses the hooks
        plain.zero_grad()
        wrapped.zero_grad()
        loss_of(plain, step).backward()
        loss_of(wrapped, step).backward()
        expected = gradients(plain)
        got = gradients(wrapped.module)
        assert got.keys() == expected.keys()
        for name in expected:
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_gradients_accumulate_over_backward_passes_without_zero_grad():
    plain, wrapped = model(), dist.DistributedDataParallel(model(), bucket_cap_mb=200 / 2**20)
    for step in range(2):
        loss_of(plain, step).backward()
        loss_of(wrapped, step).backward()
    for name, expected in gradients(plain).items():
        np.testing.assert_allclose(gradients(wrapped.module)[name], expected, rtol=1e-6,
                                   atol=1e-7, err_msg=name)


def test_a_parameter_without_a_gradient_is_named_at_the_next_forward():
    class SkipsTheHead(nn.Module):
        def __init__(self):
            super().__init__()
            self.body, self.head = nn.Linear(3, 3), nn.Linear(3, 2)

        def forward(self, x):
            return self.body(x)

    ddp = dist.DistributedDataParallel(SkipsTheHead())
    ddp(mg.ones(2, 3)).sum().backward()
    with pytest.raises(RuntimeError, match=r"no gradient to \['head.weight', 'head.bias'\]"):
        ddp(mg.ones(2, 3))


def test_the_wrapper_names_the_module_and_refuses_double_backward():
    ddp = dist.DistributedDataParallel(nn.Linear(3, 2))
    assert list(ddp.state_dict()) == ["module.weight", "module.bias"]
    y = ddp(mg.ones(2, 3, requires_grad=True)).sum()
    with pytest.raises(RuntimeError, match="does not support backward\\(create_graph=True\\)"):
        y.backward(create_graph=True)
    with pytest.raises(ValueError, match="bucket_cap_mb must be positive, got 0"):
        dist.DistributedDataParallel(nn.Linear(3, 2), bucket_cap_mb=0)
