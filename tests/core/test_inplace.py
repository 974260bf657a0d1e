"""In-place ops and version counters: values and gradients as PyTorch, and the errors that
replace silently wrong gradients when a saved tensor is changed between forward and backward."""
import numpy as np
import pytest

import layers as nn
import minigrad as mg
from minigrad import init, optim

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _pair(shape, requires_grad=True):
    values = RNG.normal(size=shape)
    return (mg.tensor(values, requires_grad=requires_grad),
            torch.tensor(values, requires_grad=requires_grad))


# ---- values and gradients of the rebased graph, against PyTorch -----------------------------
def _chain(lib, x, y):
    a = x * 2.0
    a.add_(y, alpha=0.5)
    a.mul_(x)
    a.clamp_(-1.0, 2.0)
    a.sub_(y)
    a.div_(y * y + 1.0)
    a += x
    a *= 3.0
    a -= 0.25
    a /= 2.0
    a.neg_()
    return a


def test_inplace_chain_matches_pytorch_values_and_gradients():
    (x, tx), (y, ty) = _pair((3, 4)), _pair((3, 4))
    upstream = RNG.normal(size=(3, 4))
    ours, theirs = _chain(mg, x, y), _chain(torch, tx, ty)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.backward(mg.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_inplace_ops_gradcheck_and_gradgradcheck():
    x = mg.tensor(RNG.normal(size=(3, 4)), requires_grad=True)
    y = mg.tensor(RNG.normal(size=(4,)) + 3.0, requires_grad=True)

    def fn(x, y):  # clone first: gradcheck perturbs the inputs' data
        a = x.clone()
        a.mul_(y)
        a.add_(x * x, alpha=-0.5)
        a.div_(y)
        a[1] = y * 2.0
        a[:, 0] = x[:, 1] * y[0]
        return a

    assert mg.gradcheck(fn, (x, y))
    assert mg.gradgradcheck(fn, (x, y))


@pytest.mark.parametrize("index", [
    (1,), (slice(None), 2), (np.array([0, 2]),), (np.array([True, False, True]),),
    (slice(0, 2), np.array([3, 1])), (Ellipsis, 0)])
def test_setitem_matches_pytorch(index):
    (x, tx) = _pair((3, 4))
    target_shape = np.empty((3, 4))[index].shape
    (v, tv) = _pair(target_shape[-1:] if target_shape else ())
    upstream = RNG.normal(size=(3, 4))
    ours, theirs = x * 1.0, tx * 1.0
    torch_index = tuple(torch.tensor(i) if isinstance(i, np.ndarray) else i for i in index)
    ours[index] = v * 3.0
    theirs[torch_index] = tv * 3.0
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy())
    ours.backward(mg.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy())


def test_setitem_without_a_graph_writes_only_the_indexed_elements():
    t = mg.zeros(5)
    alias = t.detach()
    t[1:3] = 7
    t[mg.tensor([4])] = mg.tensor([2.0])
    np.testing.assert_array_equal(alias.numpy(), [0, 7, 7, 0, 2])
    assert t._version == 2 and alias._version == 2


def test_copy_casts_broadcasts_and_passes_gradients_to_the_source():
    x, tx = _pair((2, 3))
    ours, theirs = x * 1.0, tx * 1.0
    src = mg.tensor(RNG.normal(size=(3,)).astype(np.float32), requires_grad=True)
    tsrc = torch.tensor(src.numpy(), requires_grad=True)
    ours.copy_(src)
    theirs.copy_(tsrc)
    assert ours.dtype == np.float64
    upstream = RNG.normal(size=(2, 3))
    ours.backward(mg.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    # the overwritten values get no gradient: PyTorch fills zeros, minigrad leaves None
    assert x.grad is None and not tx.grad.any()
    np.testing.assert_allclose(src.grad.numpy(), tsrc.grad.numpy(), rtol=1e-6)


def test_clone_is_independent_memory():
    x = mg.tensor([1.0, 2.0])
    c = x.clone()
    c.zero_()
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])


# ---- version counters: the wrong gradients of the issue now raise ---------------------------
def _mul_graph():
    w = nn.Parameter(mg.tensor([1.0, 2.0, 3.0]))
    x = mg.tensor([4.0, 5.0, 6.0], requires_grad=True)
    return w, x, (w * x).sum()


def test_optimizer_step_between_forward_and_backward_raises_naming_the_op():
    w, x, loss = _mul_graph()
    w.grad = mg.ones(3)
    optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match=r"modified by an in-place operation: input 0 of Mul"
                                           r".*shape \(3,\).*version 1; expected version 0"):
        loss.backward()


def test_init_fill_between_forward_and_backward_raises():
    w, x, loss = _mul_graph()
    init.constant_(w, 0.5)
    with pytest.raises(RuntimeError, match="in-place operation"):
        loss.backward()


def test_modified_saved_output_raises():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    with mg.no_grad():
        y.zero_()
    with pytest.raises(RuntimeError, match="output 0 of Exp"):
        y.sum().backward()


def test_an_unrelated_inplace_change_does_not_raise():
    w, x, loss = _mul_graph()
    loss.backward()  # the graph has run: changing w afterwards is fine
    with mg.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(w.numpy(), [0.6, 1.5, 2.4], rtol=1e-6)


def test_no_grad_subtraction_updates_the_parameter_itself():
    model = nn.Linear(3, 2)
    w = model.weight
    before = w.numpy().copy()
    model(mg.ones((1, 3))).sum().backward()
    with mg.no_grad():
        w -= 0.1 * w.grad
    assert model.weight is w and isinstance(w, nn.Parameter) and w.requires_grad
    np.testing.assert_allclose(w.numpy(), before - 0.1 * w.grad.numpy(), rtol=1e-6)
    assert any(p is w for p in model.parameters())


def test_detach_shares_data_and_version():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    w.detach().mul_(3.0)
    np.testing.assert_array_equal(w.numpy(), [3.0, 6.0])
    with pytest.raises(RuntimeError, match="version 1; expected version 0"):
        loss.backward()


# ---- errors ---------------------------------------------------------------------------------
def test_inplace_on_a_leaf_that_requires_grad_raises():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="add_: a leaf tensor that requires grad"):
        w += 1.0
    with pytest.raises(RuntimeError, match="__setitem__: a leaf tensor"):
        w[0] = 5.0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])
    assert w._version == 0


def test_inplace_refuses_to_broadcast_the_target_or_cast_float_into_int():
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*tensor's shape \(3,\)"):
        mg.zeros(3).add_(mg.ones((2, 3)))
    integers = mg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="float32 can't be cast to the tensor's dtype int64"):
        integers += 0.5
    integers += 2
    np.testing.assert_array_equal(integers.numpy(), [3, 4])


def test_setitem_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"value of shape \(4,\) into a tensor of shape \(2, 3\)"):
        mg.zeros((2, 3))[0] = mg.ones(4)
