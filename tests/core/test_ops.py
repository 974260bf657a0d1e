"""Generic tests driven by the op table: every op, every available device."""
import numpy as np
import pytest

import minigrad as mg

from op_table import CASES, FUNCTIONAL_CASES

try:
    import torch
except ImportError:  # the PyTorch cross-checks skip cleanly without it
    torch = None

pytestmark = pytest.mark.parametrize("case", CASES + FUNCTIONAL_CASES, ids=lambda c: c.name)


def tensors(arrays, device, dtype=np.float64, requires_grad=True):
    return [mg.tensor(a.astype(dtype), device=device, requires_grad=requires_grad) for a in arrays]


def non_contiguous(a, device):
    """A leaf tensor with a's values whose data is a strided (every other element) view."""
    big = np.zeros(tuple(2 * s for s in a.shape))
    big[tuple(slice(None, None, 2) for _ in a.shape)] = a
    data = mg.tensor(big, device=device).data[tuple(slice(None, None, 2) for _ in a.shape)]
    assert a.size <= 1 or not data.flags.c_contiguous
    return mg.Tensor(data, requires_grad=True)


def test_gradcheck(case, device, rng):
    inputs = tensors(case.make_inputs(rng), device)
    assert mg.gradcheck(case.fn, inputs, kinks=case.kinks)


def test_gradgradcheck(case, device, rng):
    inputs = tensors(case.make_inputs(rng), device)
    assert mg.gradgradcheck(case.fn, inputs, kinks=case.kinks, atol=1e-4)


def test_float32_stays_float32(case, device, rng):
    inputs = tensors(case.make_inputs(rng), device, dtype=np.float32)
    y = case.fn(*inputs)
    assert y.dtype == np.float32
    y.backward(mg.tensor(rng.standard_normal(y.shape), dtype=np.float32, device=device))
    for x in inputs:
        assert x.grad.dtype == np.float32 and x.grad.shape == x.shape


def test_forward_and_backward_leave_inputs_unchanged(case, device, rng):
    arrays = case.make_inputs(rng)
    inputs = tensors(arrays, device)
    y = case.fn(*inputs)
    y.backward(mg.tensor(rng.standard_normal(y.shape), dtype=y.dtype, device=device))
    for x, a in zip(inputs, arrays):
        np.testing.assert_array_equal(x.numpy(), a)


def test_non_contiguous_inputs(case, device, rng):
    arrays = case.make_inputs(rng)
    contiguous = tensors(arrays, device)
    strided = [non_contiguous(a, device) for a in arrays]
    y1, y2 = case.fn(*contiguous), case.fn(*strided)
    np.testing.assert_allclose(y2.numpy(), y1.numpy(), rtol=1e-12, atol=1e-12)
    g = rng.standard_normal(y1.shape)
    y1.backward(mg.tensor(g, device=device))
    y2.backward(mg.tensor(g, device=device))
    for a, b in zip(contiguous, strided):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(torch is None, reason="PyTorch not installed")
def test_matches_pytorch(case, rng):
    if case.torch_fn is None:
        pytest.skip("no PyTorch equivalent")
    arrays = case.make_inputs(rng)
    ours = tensors(arrays, "cpu", dtype=np.float32)
    theirs = [torch.tensor(a, dtype=torch.float32, requires_grad=True) for a in arrays]
    y, ty = case.fn(*ours), case.torch_fn(*theirs)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for x, tx in zip(ours, theirs):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
